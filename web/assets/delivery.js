// One delivery: ids, every attempt newest first (request, response, error), retry, and the
// request as curl. Receivers control response bodies: they are shown as text, never markup.
import { ApiError, get, post } from './api.js';
import { copy, externalLink, h, mount, time } from './dom.js';
import { statusBadge } from './deliveries.js';
import { headerTable } from './webhook.js';

export async function render(main, { app, id }) {
  const delivery = (await get(`/api/webhooks/logs/${id}`)).data;
  const webhook = await get(`/api/webhooks/${delivery.webhookId}`).then((r) => r.data).catch(() => null);
  const toast = (m, e) => app.toast(m, e);
  const retry = h('button', { class: 'primary', disabled: !app.can('write:webhooks'), title: app.can('write:webhooks') ? null : 'Needs the write:webhooks permission', on: { click: async () => {
    retry.disabled = true;
    try { await post(`/api/webhooks/logs/${id}/retry`); app.toast('Queued for another attempt'); setTimeout(() => app.route(), 1500); }
    catch (error) {
      if (error instanceof ApiError && error.status === 409) app.toast('This delivery is being sent right now; try again in a moment.', true, error.requestId);
      else app.fail(error);
      retry.disabled = false;
    }
  } } }, 'Retry now');
  const attempts = [...delivery.attempts].sort((a, b) => b.attemptNumber - a.attemptNumber);
  const idRow = (label, value) => h('div', {}, h('span', { class: 'muted' }, label + ' '), h('code', {}, value), ' ', h('button', { type: 'button', 'aria-label': `Copy ${label}`, on: { click: () => copy(value, toast) } }, 'Copy'));
  mount(main,
    h('p', {}, h('a', { href: '#/deliveries' }, '← Deliveries')),
    h('div', { class: 'row spread' }, h('h1', {}, `Delivery of ${delivery.eventType}`), retry),
    h('div', { class: 'row' }, statusBadge(delivery.status), `${delivery.attemptCount} attempt(s)`, webhook ? h('a', { href: `#/webhooks/${webhook.id}` }, webhook.name) : null),
    h('div', { class: 'card' }, idRow('Delivery', delivery.id), idRow('Event', delivery.eventId), idRow('Webhook', delivery.webhookId),
      h('div', {}, 'Created ', time(delivery.createdAt), delivery.nextAttemptAt ? [' · next attempt ', time(delivery.nextAttemptAt)] : null, delivery.completedAt ? [' · finished ', time(delivery.completedAt)] : null)),
    h('h2', {}, 'Attempts'),
    attempts.length === 0 ? h('p', { class: 'muted' }, 'No attempt yet.') : attempts.map((attempt) => attemptView(attempt, webhook, toast)));
}

function attemptView(attempt, webhook, toast) {
  const body = attempt.requestBody ?? null;
  const curl = webhook ? curlCommand(webhook.url, attempt.requestHeaders, body) : null;
  return h('article', { class: 'attempt', 'aria-label': `Attempt ${attempt.attemptNumber}` },
    h('div', { class: 'row spread' }, h('h3', {}, `Attempt ${attempt.attemptNumber}`), h('span', {}, time(attempt.createdAt), ` · ${attempt.durationMs} ms`)),
    h('h4', {}, 'Request'), webhook ? h('p', {}, 'POST ', externalLink(webhook.url)) : null, headerTable(attempt.requestHeaders),
    body ? h('pre', {}, body) : null,
    curl ? h('button', { type: 'button', on: { click: () => copy(curl, toast) } }, 'Copy as curl') : null,
    h('h4', {}, 'Response'),
    h('p', {}, attempt.responseStatus ? `Status ${attempt.responseStatus}` : 'No response'),
    attempt.responseBody !== null && attempt.responseBody !== undefined ? h('pre', { class: 'response-body' }, attempt.responseBody) : null,
    attempt.error ? [h('h4', {}, 'Error'), h('p', { class: 'field-error' }, attempt.error)] : null);
}

function curlCommand(url, headers, body) {
  const quote = (text) => `'${String(text).replaceAll("'", "'\\''")}'`;
  const entries = Array.isArray(headers) ? headers.map((p) => [p.name ?? p[0], p.value ?? p[1]]) : Object.entries(headers ?? {});
  return ['curl -X POST', quote(url), ...entries.map(([n, v]) => `-H ${quote(`${n}: ${v}`)}`), body ? `--data-binary ${quote(body)}` : ''].join(' \\\n  ');
}
