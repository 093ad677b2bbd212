// One webhook: state and rule, actions, and tabs for its figures, deliveries, test sends
// (the seed's WebhookTestUtility), signing secret and recovery.
import { del, get, patch, post, query } from './api.js';
import { badge, confirmByName, externalLink, field, h, mount, number, percent, time } from './dom.js';
import { hourlyChart } from './chart.js';
import { healthBadge } from './overview.js';
import { showSecretOnce, webhookForm } from './webhooks.js';
import { deliveryTable } from './deliveries.js';

const tabs = [['overview', 'Overview'], ['deliveries', 'Deliveries'], ['test', 'Test'], ['secret', 'Signing secret'], ['recovery', 'Recovery']];

export async function render(main, { app, id, params }) {
  const [webhook, stats] = await Promise.all([get(`/api/webhooks/${id}`).then((r) => r.data), get(`/api/webhooks/${id}/stats`).then((r) => r.data).catch(() => null)]);
  const tab = params.get('tab') ?? 'overview';
  const canWrite = app.can('write:webhooks');
  const needs = (permission) => app.can(permission) ? {} : { disabled: true, title: `Needs the ${permission} permission` };
  const panel = h('section', { role: 'tabpanel', id: 'tab-panel', 'aria-labelledby': `tab-${tab}` });
  const tabList = h('div', { class: 'tabs', role: 'tablist' }, tabs.map(([name, label]) => h('button', {
    role: 'tab', id: `tab-${name}`, 'aria-selected': String(name === tab), 'aria-controls': 'tab-panel', tabindex: name === tab ? '0' : '-1',
    on: { click: () => { params.set('tab', name); app.setParams(params); app.route(); } } }, label)));
  const toggle = h('button', { ...needs('write:webhooks'), on: { click: async () => {
    try { await patch(`/api/webhooks/${id}`, { isActive: !webhook.isActive }); app.toast(webhook.isActive ? 'Disabled' : 'Enabled'); app.route(); } catch (e) { app.fail(e); }
  } } }, webhook.isActive ? 'Disable' : 'Enable');
  const edit = h('button', { ...needs('write:webhooks'), on: { click: () => webhookForm(app, webhook) } }, 'Edit');
  const remove = h('button', { class: 'danger', ...needs('delete:webhooks'), on: { click: () => confirmDelete(app, webhook) } }, 'Delete');
  mount(main,
    h('p', {}, h('a', { href: '#/webhooks' }, '← Webhooks')),
    h('div', { class: 'row spread' }, h('h1', {}, webhook.name), h('div', { class: 'row' }, toggle, edit, remove)),
    h('div', { class: 'row' }, healthBadge(webhook, stats), externalLink(webhook.url)),
    h('p', { class: 'muted' }, stats?.rule ?? '', webhook.disabledReason ? ` Disabled: ${webhook.disabledReason}` : ''),
    tabList, panel);
  const renderers = { overview: overviewTab, deliveries: deliveriesTab, test: testTab, secret: secretTab, recovery: recoveryTab };
  await renderers[tab]?.(panel, { app, webhook, stats, canWrite, params });
}

async function overviewTab(panel, { webhook, stats }) {
  const since = new Date(Date.now() - 24 * 3600e3).toISOString();
  const analytics = await get('/api/webhooks/analytics' + query({ since, webhook_id: webhook.id })).catch(() => null);
  const f = stats && stats.total_deliveries !== undefined ? stats : null;
  mount(panel,
    h('section', { class: 'cards', 'aria-label': 'Figures' },
      ...(f ? [['Deliveries', number(f.total_deliveries)], ['Succeeded', number(f.successful_deliveries)], ['Failed', number(f.failed_deliveries)], ['Success rate', percent(f.success_rate)], ['Average', `${f.average_response_time} ms`], ['p50 / p95', `${f.p50_response_time ?? '—'} / ${f.p95_response_time ?? '—'} ms`]] : [])
        .map(([label, value]) => h('div', { class: 'card' }, h('span', { class: 'figure' }, value), h('span', { class: 'label' }, label)))),
    h('dl', {},
      h('dt', {}, 'Events'), h('dd', {}, webhook.events.join(', ')),
      h('dt', {}, 'Last success'), h('dd', {}, time(stats?.last_success_at)),
      h('dt', {}, 'Last failure'), h('dd', {}, time(stats?.last_failure_at)),
      h('dt', {}, 'Retries'), h('dd', {}, webhook.maxRetries ?? 'server default', webhook.retryDelaysMs ? ` (delays ${webhook.retryDelaysMs.join(', ')} ms)` : ''),
      h('dt', {}, 'Created'), h('dd', {}, time(webhook.createdAt))),
    analytics?.data?.series ? hourlyChart(analytics.data.series, 'All webhooks, deliveries per hour, last 24 hours') : null);
}

async function deliveriesTab(panel, { app, webhook }) {
  const answer = await get('/api/webhooks/logs' + query({ webhook_id: webhook.id, limit: 25 }));
  mount(panel, deliveryTable(answer.data, new Map([[webhook.id, webhook.name]])),
    h('p', {}, h('a', { href: `#/deliveries?webhook_id=${webhook.id}` }, 'All deliveries of this webhook →')));
  void app;
}

async function testTab(panel, { app, webhook, canWrite }) {
  const types = (await get('/api/event-types').catch(() => ({ data: [] }))).data;
  const select = h('select', { id: 'test-event-type' }, h('option', { value: '' }, 'webhook.test (default)'), types.map((t) => h('option', { value: t.name }, t.name)));
  const result = h('div', { 'aria-live': 'polite' });
  const send = h('button', { class: 'primary', disabled: !canWrite, title: canWrite ? null : 'Needs the write:webhooks permission', on: { click: async () => {
    send.disabled = true;
    mount(result, h('p', { class: 'muted' }, 'Sending…'));
    try {
      const body = select.value ? { eventType: select.value } : {};
      const answer = (await post(`/api/webhooks/${webhook.id}/test`, body)).data;
      mount(result,
        h('h3', {}, answer.delivered ? badge('ok', `Delivered: ${answer.response.status}`) : badge('bad', answer.response.status ? `Failed: ${answer.response.status}` : 'Failed'), ` in ${answer.durationMs} ms`),
        answer.error ? h('p', { class: 'field-error' }, answer.error) : null,
        h('h4', {}, 'Request sent'), h('p', {}, h('code', {}, 'POST ' + answer.request.url)),
        headerTable(answer.request.headers), h('pre', { 'data-testid': 'test-request-body' }, answer.request.body),
        h('h4', {}, 'Response'), h('pre', { 'data-testid': 'test-response-body' }, answer.response.body ?? '(no body)'),
        h('p', {}, h('a', { href: `#/deliveries/${answer.deliveryId}` }, 'Open the delivery →')));
    } catch (error) { mount(result, h('p', { class: 'field-error', role: 'alert' }, error.message)); }
    finally { send.disabled = !canWrite; }
  } } }, 'Send test event');
  mount(panel, h('label', { for: 'test-event-type' }, 'Event type'), select, h('p', {}, send), result);
}

export function headerTable(headers) {
  const entries = Array.isArray(headers) ? headers.map((pair) => [pair.name ?? pair[0], pair.value ?? pair[1]]) : Object.entries(headers ?? {});
  return h('table', { class: 'headers' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Header'), h('th', { scope: 'col' }, 'Value'))),
    h('tbody', {}, entries.map(([name, value]) => h('tr', {}, h('td', {}, h('code', {}, name)), h('td', {}, h('code', {}, String(value)))))));
}

async function secretTab(panel, { app, webhook, canWrite }) {
  const overlap = field('Keep the old secret signing for (hours, 0–720)', h('input', { type: 'number', min: 0, max: 720, value: 24 }));
  const expiry = webhook.previousSecretExpiresAt ? h('p', {}, 'The previous secret keeps signing until ', time(webhook.previousSecretExpiresAt), ` (${countdown(webhook.previousSecretExpiresAt)}).`) : null;
  mount(panel,
    h('p', {}, 'Deliveries are signed with this webhook\'s secret (', h('code', {}, 'X-Webhook-Signature'), ' and the Standard Webhooks ', h('code', {}, 'webhook-signature'), ').'),
    h('p', { class: 'secret' }, webhook.hasSecret ? 'Hidden: a secret is shown only when it is created or rotated.' : 'No secret'),
    expiry,
    h('h3', {}, 'Rotate'), overlap.wrap,
    h('button', { class: 'primary', disabled: !canWrite, on: { click: async () => {
      overlap.show(null);
      try {
        const answer = await post(`/api/webhooks/${webhook.id}/rotate-secret`, { overlapHours: Number(overlap.input.value) });
        showSecretOnce(app, answer.data.secret, webhook.id, 'The secret is rotated. The new secret is shown only now:');
      } catch (error) { overlap.show(error.message); }
    } } }, 'Rotate secret'));
}

function countdown(iso) {
  const ms = new Date(iso) - Date.now();
  if (ms <= 0) return 'expired';
  const hours = Math.floor(ms / 3600e3), minutes = Math.floor((ms % 3600e3) / 60e3);
  return `${hours} h ${minutes} min left`;
}

async function recoveryTab(panel, { app, webhook, canWrite }) {
  const since = field('Send again every failed delivery since', h('input', { type: 'datetime-local' }));
  mount(panel, h('p', {}, 'Queues failed deliveries of this webhook again, for example after an outage of the receiver.'), since.wrap,
    h('button', { class: 'primary', disabled: !canWrite, on: { click: async () => {
      since.show(null);
      const date = new Date(since.input.value);
      if (isNaN(date)) { since.show('Pick a time'); return; }
      try { const answer = await post(`/api/webhooks/${webhook.id}/recover`, { since: date.toISOString() }); app.toast(`${answer.data.requeued} deliveries queued again`); }
      catch (error) { since.show(error.message); }
    } } }, 'Recover'));
}

function confirmDelete(app, webhook) {
  confirmByName({
    title: `Delete ${webhook.name}?`, explanation: 'Its deliveries stop and its logs go. Type the webhook\'s name to confirm.',
    name: webhook.name, button: 'Delete webhook', fail: (error) => app.fail(error),
    action: async () => { await del(`/api/webhooks/${webhook.id}`); app.toast('Webhook deleted'); location.hash = '#/webhooks'; },
  });
}
