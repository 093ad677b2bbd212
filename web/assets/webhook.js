// One webhook: state and rule, actions, and tabs for its figures, deliveries, test sends
// (the webhook test utility), signing secret and recovery.
import { del, get, patch, post, query } from './api.js';
import { badge, confirmByName, copy, externalLink, field, h, mount, number, percent, time } from './dom.js';
import { hourlyChart } from './chart.js';
import { healthBadge, showSecretOnce, webhookForm } from './webhooks.js';
import { deliveryTable } from './deliveries.js';

const tabs = [['overview', 'Overview'], ['deliveries', 'Deliveries'], ['test', 'Test'], ['secret', 'Signing secret'], ['recovery',
  'Recovery']];

export async function render(main, { app, id, params }) {
  const tab = tabs.some(([name]) => name === params.get('tab')) ? params.get('tab') : 'overview';
  const [webhook, stats] = await Promise.all([
    get(`/api/webhooks/${id}`).then((r) => r.data),
    get(`/api/webhooks/${id}/stats` + query({ series: tab === 'overview' ? 'true' : '' })).then((r) => r.data).catch(() => null),
  ]);
  const needs = (permission) => app.can(permission) ? {} : { disabled: true, title: `Needs the ${permission} permission` };
  const panel = h('section', { role: 'tabpanel', id: 'tab-panel', 'aria-labelledby': `tab-${tab}` });
  const select = (name) => { params.set('tab', name); app.setParams(params); app.route(); };
  const tabList = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Webhook' }, tabs.map(([name, label], index) => h('button', {
    role: 'tab', id: `tab-${name}`, 'aria-selected': String(name === tab), 'aria-controls': 'tab-panel',
      tabindex: name === tab ? '0' : '-1',
    on: {
      click: () => select(name),
      keydown: (event) => {
        const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (step) { event.preventDefault(); document.getElementById(`tab-${tabs[(index + step + tabs.length) % tabs.length][0]}`).focus(); }
      },
    } }, label)));
  const toggle = h('button', { ...needs('write:webhooks'), on: { click: async () => {
    try { await patch(`/api/webhooks/${id}`,
      { isActive: !webhook.isActive }); app.toast(webhook.isActive ? 'Disabled' : 'Enabled'); app.route(); } catch (e) { app.fail(e); }
  } } }, webhook.isActive ? 'Disable' : 'Enable');
  const edit = h('button', { ...needs('write:webhooks'), on: { click: () => webhookForm(app, webhook) } }, 'Edit');
  const remove = h('button', { class: 'danger', ...needs('delete:webhooks'), on: { click: () => confirmDelete(app, webhook) } }, 'Delete');
  mount(main,
    h('p', {}, h('a', { href: '#/webhooks' }, '← Webhooks')),
    h('div', { class: 'row spread' }, h('h1', {}, webhook.name), h('div', { class: 'row' }, toggle, edit, remove)),
    h('div', { class: 'row' }, healthBadge({ ...webhook, health: stats ? { state: stats.state } : null }), externalLink(webhook.url)),
    h('p', { class: 'muted' }, stats?.rule ?? (webhook.disabledReason ? `Disabled: ${webhook.disabledReason}` : '')),
    tabList, panel);
  const renderers = { overview: overviewTab, deliveries: deliveriesTab, test: testTab, secret: secretTab, recovery: recoveryTab };
  await renderers[tab](panel, { app, webhook, stats, canWrite: app.can('write:webhooks') });
}

async function overviewTab(panel, { webhook, stats }) {
  const f = stats;
  const card = (label, value) => h('div', { class: 'card' }, h('span', { class: 'figure' }, value), h('span', { class: 'label' }, label));
  mount(panel,
    f ? h('section', { class: 'cards', 'aria-label': 'Figures, last 24 hours' },
      card('Deliveries', number(f.total_deliveries)), card('Succeeded', number(f.successful_deliveries)), card('Failed',
        number(f.failed_deliveries)),
      card('Success rate', percent(f.success_rate)), card('Average', `${f.average_response_time} ms`),
      card('p50 / p95', `${f.p50_response_time ?? '—'} / ${f.p95_response_time ?? '—'} ms`)) : null,
    h('dl', {},
      h('dt', {}, 'Events'), h('dd', {}, webhook.events.join(', ')),
      h('dt', {}, 'Description'), h('dd', {}, webhook.description ?? '—'),
      h('dt', {}, 'Last success'), h('dd', {}, time(stats?.last_success_at)),
      h('dt', {}, 'Last failure'), h('dd', {}, time(stats?.last_failure_at)),
      h('dt', {}, 'Retries'), h('dd', {}, webhook.maxRetries ?? 'server default',
        webhook.retryDelaysMs ? ` (delays ${webhook.retryDelaysMs.join(', ')} ms)` : ''),
      h('dt', {}, 'Circuit'), h('dd', { id: 'circuit-state' }, circuitText(webhook.circuit)),
      h('dt', {}, 'Throttle'), h('dd', {},
        webhook.maxDeliveriesPerSecond ? `${webhook.maxDeliveriesPerSecond} deliveries per second` : 'server default'),
      h('dt', {}, 'Failed deliveries in a row'), h('dd', {}, String(webhook.consecutiveFailedDeliveries ?? 0)),
      h('dt', {}, 'Created'), h('dd', {}, time(webhook.createdAt))),
    stats?.series ? hourlyChart(stats.series, `${webhook.name}: deliveries per hour, last 24 hours`) : null);
}

/** The circuit breaker in words: closed, or open since when and when the next probe goes. */
function circuitText(circuit) {
  if (!circuit || circuit.state === 'closed') return 'closed (deliveries flow)';
  if (circuit.state === 'half-open') return `half-open since ${time(circuit.since)}: a probe is being sent`;
  return `open since ${time(circuit.since)}: deliveries wait; next probe ${time(circuit.nextProbeAt)} (${circuit.failedProbes} failed)`;
}

async function deliveriesTab(panel, { webhook }) {
  const answer = await get('/api/webhooks/logs' + query({ webhook_id: webhook.id, limit: 25 }));
  mount(panel, answer.data.length ? deliveryTable(answer.data, new Map([[webhook.id, webhook.name]])) : h('p', { class: 'muted' },
    'No deliveries yet.'),
    h('p', {}, h('a', { href: `#/deliveries?webhook_id=${webhook.id}` }, 'All deliveries of this webhook →')));
}

async function testTab(panel, { app, webhook, canWrite }) {
  const types = (await get('/api/event-types').catch(() => ({ data: [] }))).data;
  const select = h('select', { id: 'test-event-type' }, h('option', { value: '' }, 'webhook.test (default)'), types.map((t) => h('option',
    { value: t.name }, t.name)));
  const payload = field('Payload (the event\'s data)', h('textarea', { spellcheck: 'false', rows: 8 }),
    'Leave as is to send the sample; edit it to send your own JSON object.');
  const sample = () => {
    const type = types.find((t) => t.name === select.value);
    payload.input.value = type ? JSON.stringify(type.example, null, 2) : '';
    payload.input.dataset.sample = payload.input.value;
  };
  select.addEventListener('change', sample);
  sample();
  const result = h('div', { 'aria-live': 'polite' });
  const send = h('button', { class: 'primary', disabled: !canWrite, title: canWrite ? null : 'Needs the write:webhooks permission',
    on: { click: async () => {
    payload.show(null);
    const body = select.value ? { eventType: select.value } : {};
    if (payload.input.value.trim() && payload.input.value !== payload.input.dataset.sample) {
      try { body.data = JSON.parse(payload.input.value); } catch (error) { payload.show('Not valid JSON: ' + error.message); return; }
    }
    send.disabled = true;
    mount(result, h('p', { class: 'muted' }, 'Sending…'));
    try {
      const answer = (await post(`/api/webhooks/${webhook.id}/test`, body)).data;
      mount(result,
        h('h3', {}, answer.delivered ? badge('ok', `Delivered: ${answer.response.status}`) : badge('bad',
          answer.response.status ? `Failed: ${answer.response.status}` : 'Failed'), ` in ${answer.durationMs} ms`),
        answer.error ? h('p', { class: 'field-error' }, answer.error) : null,
        h('h4', {}, 'Request sent'), h('p', {}, h('code', {}, 'POST ' + answer.request.url)),
        headerTable(answer.request.headers), h('pre', { 'data-testid': 'test-request-body' }, answer.request.body),
        h('h4', {}, 'Response'), h('pre', { 'data-testid': 'test-response-body' }, answer.response.body ?? '(no body)'),
        h('p', {}, h('a', { href: `#/deliveries/${answer.deliveryId}` }, 'Open the delivery →')));
    } catch (error) { mount(result, h('p', { class: 'field-error', role: 'alert' }, error.message)); }
    finally { send.disabled = !canWrite; }
  } } }, 'Send test event');
  mount(panel, h('label', { for: 'test-event-type' }, 'Event type'), select, payload.wrap, h('p', {}, send), result);
}

export function headerTable(headers) {
  return h('table', { class: 'headers' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Header'), h('th', { scope: 'col' },
    'Value'))),
    h('tbody', {}, Object.entries(headers ?? {}).map(([name, value]) => h('tr', {}, h('td', {}, h('code', {}, name)), h('td', {}, h('code',
      {}, String(value)))))));
}

async function secretTab(panel, { app, webhook, canWrite }) {
  const overlap = field('Keep the old secret signing for (hours, 0–720)', h('input', { type: 'number', min: 0, max: 720, value: 24 }));
  const shown = h('div', { class: 'secret', 'aria-live': 'polite' },
    webhook.hasSecret ? 'Hidden. Revealing it is recorded in the audit log.' : 'No secret');
  const reveal = h('button', { disabled: !canWrite || !webhook.hasSecret, title: canWrite ? null : 'Needs the write:webhooks permission',
    on: { click: async () => {
    try {
      const answer = (await post(`/api/webhooks/${webhook.id}/reveal-secret`)).data;
      mount(shown, h('code', {}, answer.secret ?? 'No secret'), ' ', h('button', { type: 'button', on: { click: () => copy(answer.secret,
        (m, e) => app.toast(m, e)) } }, 'Copy'));
      reveal.disabled = true;
    } catch (error) { app.fail(error); }
  } } }, 'Reveal secret');
  const countdown = (iso) => {
    const ms = new Date(iso) - Date.now();
    if (ms <= 0) return 'expired';
    return `${Math.floor(ms / 3600e3)} h ${Math.floor((ms % 3600e3) / 60e3)} min left`;
  };
  mount(panel,
    h('p', {}, 'Deliveries are signed with this webhook\'s secret (', h('code', {}, 'X-Webhook-Signature'), ' and the Standard Webhooks ',
      h('code', {}, 'webhook-signature'), ').'),
    shown, h('p', {}, reveal),
    webhook.previousSecretExpiresAt ? h('p', {}, 'The previous secret also signs until ', time(webhook.previousSecretExpiresAt),
      ` (${countdown(webhook.previousSecretExpiresAt)}).`) : null,
    h('h3', {}, 'Rotate'), overlap.wrap,
    h('button', { class: 'primary', disabled: !canWrite, on: { click: async () => {
      overlap.show(null);
      try {
        const answer = await post(`/api/webhooks/${webhook.id}/rotate-secret`, { overlapHours: Number(overlap.input.value) });
        showSecretOnce(app, answer.data.secret, webhook.id, 'The secret is rotated. The new secret is shown only now:');
      } catch (error) { overlap.show(error.message); }
    } } }, 'Rotate secret'));
}

async function recoveryTab(panel, { app, webhook, canWrite }) {
  const since = field('Send again every failed delivery created since', h('input', { type: 'datetime-local' }));
  const count = h('p', { 'aria-live': 'polite' });
  const run = async (dryRun) => {
    since.show(null);
    const date = new Date(since.input.value);
    if (isNaN(date)) { since.show('Pick a time'); return null; }
    try { return (await post(`/api/webhooks/${webhook.id}/recover`, { since: date.toISOString(), dryRun })).data; }
    catch (error) { since.show(error.message); return null; }
  };
  const confirm = h('button', { class: 'primary', hidden: true, on: { click: async () => {
    const answer = await run(false);
    if (answer) { app.toast(`${answer.requeued} deliveries queued again`); confirm.hidden = true; count.textContent = ''; }
  } } }, 'Send them again');
  mount(panel, h('p', {}, 'Queues failed deliveries of this webhook again, for example after an outage of the receiver. Count them first.'),
    since.wrap,
    h('div', { class: 'row' },
      h('button', { disabled: !canWrite, on: { click: async () => {
        const answer = await run(true);
        if (!answer) return;
        count.textContent = `${answer.matching} failed deliveries match.`;
        confirm.hidden = answer.matching === 0;
      } } }, 'Count failed deliveries'), confirm), count);
}

function confirmDelete(app, webhook) {
  confirmByName({
    title: `Delete ${webhook.name}?`, explanation: 'Its deliveries stop and its logs go. Type the webhook\'s name to confirm.',
    name: webhook.name, button: 'Delete webhook', fail: (error) => app.fail(error),
    action: async () => { await del(`/api/webhooks/${webhook.id}`); app.toast('Webhook deleted'); location.hash = '#/webhooks'; },
  });
}
