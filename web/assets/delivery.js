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
  const retry = h('button', { class: 'primary', disabled: !app.can('write:webhooks'),
    title: app.can('write:webhooks') ? null : 'Needs the write:webhooks permission', on: { click: async () => {
    retry.disabled = true;
    try { await post(`/api/webhooks/logs/${id}/retry`); app.toast('Queued for another attempt'); setTimeout(() => app.route(), 1500); }
    catch (error) {
      if (error instanceof ApiError && error.status === 409) app.toast('This delivery is being sent right now; try again in a moment.',
        true, error.requestId);
      else app.fail(error);
      retry.disabled = false;
    }
  } } }, 'Retry now');
  const attempts = [...delivery.attempts].sort((a, b) => b.attemptNumber - a.attemptNumber);
  const idRow = (label, value) => h('div', {}, h('span', { class: 'muted' }, label + ' '), h('code', {}, value), ' ', h('button',
    { type: 'button', 'aria-label': `Copy ${label}`, on: { click: () => copy(value, toast) } }, 'Copy'));
  mount(main,
    h('p', {}, h('a', { href: '#/deliveries' }, '← Deliveries')),
    h('div', { class: 'row spread' }, h('h1', {}, `Delivery of ${delivery.eventType}`), retry),
    h('div', { class: 'row' }, statusBadge(delivery.status), `${delivery.attemptCount} attempt(s)`, webhook ? h('a',
      { href: `#/webhooks/${webhook.id}` }, webhook.name) : null),
    h('div', { class: 'card' }, idRow('Delivery', delivery.id), idRow('Event', delivery.eventId), idRow('Webhook', delivery.webhookId),
      h('div', {}, 'Created ', time(delivery.createdAt), delivery.nextAttemptAt ? [' · next attempt ', time(delivery.nextAttemptAt)] : null,
        delivery.completedAt ? [' · finished ', time(delivery.completedAt)] : null)),
    h('h2', {}, 'Request'),
    h('p', {}, 'POST ', delivery.request.url ? externalLink(delivery.request.url) : h('span', { class: 'muted' }, '(the webhook is gone)')),
    delivery.request.body ? bodyView(delivery.request.body) : h('p', { class: 'muted' }, 'The event is no longer stored.'),
    delivery.request.url && delivery.request.body && attempts[0] ? h('button', { type: 'button',
      on: { click: () => copy(curlCommand(delivery.request.url, attempts[0].requestHeaders, delivery.request.body), toast) } },
      'Copy as curl') : null,
    h('h2', {}, 'Attempts'),
    attempts.length === 0 ? h('p', { class: 'muted' }, 'No attempt yet.') : attempts.map((attempt) => attemptView(attempt,
      delivery.responseExcerptLimit)));
}

/** A JSON body, pretty by default, raw (the exact signed bytes) on request. */
function bodyView(raw) {
  let pretty = raw;
  try { pretty = JSON.stringify(JSON.parse(raw), null, 2); } catch { /* not JSON: raw only */ }
  const pre = h('pre', { 'data-testid': 'request-body' }, pretty);
  const toggle = h('button', { type: 'button', 'aria-pressed': 'false', on: { click: () => {
    const showRaw = toggle.getAttribute('aria-pressed') === 'false';
    toggle.setAttribute('aria-pressed', String(showRaw));
    pre.textContent = showRaw ? raw : pretty;
  } } }, 'Show raw bytes');
  return h('div', {}, toggle, pre);
}

function attemptView(attempt, excerptLimit) {
  const body = attempt.responseBody;
  const cut = body !== null && body !== undefined && new TextEncoder().encode(body).length >= excerptLimit;
  return h('article', { class: 'attempt', 'aria-label': `Attempt ${attempt.attemptNumber}` },
    h('div', { class: 'row spread' }, h('h3', {}, `Attempt ${attempt.attemptNumber}`), h('span', {}, time(attempt.createdAt),
      ` · ${attempt.durationMs} ms`)),
    h('details', {}, h('summary', {}, 'Request headers'), headerTable(attempt.requestHeaders)),
    h('h4', {}, 'Response'),
    h('p', {}, attempt.responseStatus ? `Status ${attempt.responseStatus}` : 'No response'),
    body !== null && body !== undefined ? h('pre', { class: 'response-body' }, body) : null,
    cut ? h('p', { class: 'hint' }, `Cut at ${excerptLimit} bytes (WEBHOOK_RESPONSE_EXCERPT_BYTES).`) : null,
    attempt.error ? [h('h4', {}, 'Error'), h('p', { class: 'field-error' }, attempt.error)] : null);
}

function curlCommand(url, headers, body) {
  const quote = (text) => `'${String(text).replaceAll("'", "'\\''")}'`;
  const entries = Object.entries(headers ?? {});
  return ['curl -X POST', quote(url), ...entries.map(([n, v]) => `-H ${quote(`${n}: ${v}`)}`),
    body ? `--data-binary ${quote(body)}` : ''].join(' \\\n  ');
}
