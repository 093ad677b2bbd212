// Deliveries (the webhook log viewer): filters kept in the URL, cursor paging, and a
// live mode fed by Server-Sent Events that counts new deliveries instead of shifting the page
// under the reader.
import { get, query, url } from './api.js';
import { badge, h, mount, time } from './dom.js';

const statuses = [['pending', 'Pending'], ['in_progress', 'In progress'], ['succeeded', 'Succeeded'], ['failed', 'Failed']];
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function render(main, { app, params }) {
  const chosen = (params.get('status') ?? '').split(',').filter(Boolean);
  const filter = {
    webhook_id: params.get('webhook_id') ?? '', status: chosen.join(','), event_type: params.get('event_type') ?? '',
    event_id: params.get('event_id') ?? '', since: params.get('since') ?? '', until: params.get('until') ?? '',
      cursor: params.get('cursor') ?? '', limit: 50,
  };
  const [logs, webhooks] = await Promise.all([get('/api/webhooks/logs' + query(filter)), get('/api/webhooks?limit=100')]);
  const names = new Map(webhooks.data.map((w) => [w.id, w.name]));
  const webhookSelect = h('select', { id: 'filter-webhook' }, h('option', { value: '' }, 'All webhooks'),
    webhooks.data.map((w) => h('option', { value: w.id, selected: w.id === filter.webhook_id }, w.name)));
  const statusBoxes = statuses.map(([value, label]) => h('label', { class: 'inline' }, h('input', { type: 'checkbox', name: 'status', value,
    checked: chosen.includes(value) }), label));
  const typeInput = h('input', { type: 'search', id: 'filter-type', value: filter.event_type, placeholder: 'contact.created' });
  const idInput = h('input', { type: 'search', id: 'filter-id', value: filter.event_id, placeholder: 'uuid', size: 36 });
  const sinceInput = h('input', { type: 'datetime-local', id: 'filter-since', value: toLocalInput(filter.since) });
  const untilInput = h('input', { type: 'datetime-local', id: 'filter-until', value: toLocalInput(filter.until) });
  const form = h('form', { class: 'filters', 'aria-label': 'Filters', on: { submit: async (event) => {
    event.preventDefault();
    const id = idInput.value.trim();
    const next = {
      webhook_id: webhookSelect.value, status: statusBoxes.map((l) => l.firstChild).filter((b) => b.checked).map((b) => b.value).join(','),
      event_type: typeInput.value.trim(), event_id: id,
      since: sinceInput.value ? new Date(sinceInput.value).toISOString() : '',
        until: untilInput.value ? new Date(untilInput.value).toISOString() : '',
    };
    if (id && !uuid.test(id)) { app.toast('An event or delivery id is a UUID', true); return; }
    if (id) {
      // An event id filters the log; a delivery id opens that delivery.
      const matches = await get('/api/webhooks/logs' + query({ event_id: id, limit: 1 }));
      if (matches.data.length === 0) { location.hash = `#/deliveries/${id}`; return; }
    }
    location.hash = '#/deliveries' + query(next);
  } } },
  h('div', {}, h('label', { for: 'filter-webhook' }, 'Webhook'), webhookSelect),
  h('fieldset', { class: 'row' }, h('legend', {}, 'Status'), statusBoxes),
  h('div', {}, h('label', { for: 'filter-type' }, 'Event type'), typeInput),
  h('div', {}, h('label', { for: 'filter-id' }, 'Event or delivery id'), idInput),
  h('div', {}, h('label', { for: 'filter-since' }, 'Since'), sinceInput),
  h('div', {}, h('label', { for: 'filter-until' }, 'Until'), untilInput),
  h('button', { type: 'submit', class: 'primary' }, 'Filter'),
  h('a', { class: 'button', href: '#/deliveries' }, 'Clear'));

  const live = h('input', { type: 'checkbox', id: 'live' });
  const fresh = h('span', { 'aria-live': 'polite', class: 'muted', 'data-testid': 'live-count' });
  const known = new Set(logs.data.map((d) => d.id));
  let source = null;
  let pending = null;
  let count = 0;
  // Set when the stream could not resume where it was (away longer than its resume window).
  let missed = false;
  const show = () => {
    pending = null;
    const label = missed ? 'Deliveries may have been missed while disconnected — reload' : `${count} new — show`;
    mount(fresh, count || missed ? h('a', { href: location.hash, on: { click: (e) => { e.preventDefault(); app.route(); } } },
      label) : 'No new deliveries');
  };
  const stop = () => { source?.close(); source = null; clearTimeout(pending); };
  live.addEventListener('change', () => {
    stop();
    if (!live.checked) { fresh.textContent = ''; return; }
    count = 0;
    missed = false;
    fresh.textContent = 'Connecting…';
    source = new EventSource(url('/api/stream') + query({ webhook_id: filter.webhook_id }));
    // Counting starts when the stream is open: what is published from then on is shown.
    source.addEventListener('open', show);
    source.addEventListener('error', () => { if (source?.readyState === EventSource.CONNECTING) fresh.textContent = 'Reconnecting…'; });
    source.addEventListener('reset', () => { missed = true; show(); });
    source.addEventListener('delivery', (message) => {
      const delivery = JSON.parse(message.data);
      if (known.has(delivery.id) || (filter.event_type && delivery.eventType !== filter.event_type) ||
        (filter.event_id && delivery.eventId !== filter.event_id)) return;
      known.add(delivery.id);
      count += 1;
      // At most four renders a second, however fast deliveries arrive.
      pending ??= setTimeout(show, 250);
    });
  });
  const older = logs.pagination?.next_cursor;
  const base = { ...filter, limit: '' };
  const pager = h('nav', { class: 'row', 'aria-label': 'Pages' },
    filter.cursor ? h('a', { class: 'button', href: '#/deliveries' + query({ ...base, cursor: '' }) }, 'Newest') : null,
    older ? h('a', { class: 'button', href: '#/deliveries' + query({ ...base, cursor: older }) }, 'Older') : null);
  mount(main, h('h1', {}, 'Deliveries'), form,
    h('div', { class: 'row' }, h('label', { class: 'inline', for: 'live' }, live, 'Live'), fresh),
    logs.data.length ? deliveryTable(logs.data, names) : h('div', { class: 'card' }, h('p', {}, 'No deliveries match these filters.')),
      pager);
  return stop;
}

function toLocalInput(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

export function statusBadge(status) {
  return badge({ succeeded: 'ok', failed: 'bad', pending: 'warn', in_progress: 'warn' }[status] ?? 'neutral', status.replace('_', ' '));
}

export function deliveryTable(rows, names) {
  return h('table', { 'aria-label': 'Deliveries' },
    h('thead', {}, h('tr', {}, ['Status', 'Event type', 'Webhook', 'Attempts', 'Last status', 'Last error', 'Created',
      'Next attempt'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map((d) => h('tr', { tabindex: '0',
      on: { keydown: (e) => { if (e.key === 'Enter') location.hash = `#/deliveries/${d.id}`; } } },
      h('td', {}, h('a', { href: `#/deliveries/${d.id}`, 'aria-label': `Delivery ${d.id}, ${d.status}` }, statusBadge(d.status))),
      h('td', {}, d.eventType),
      h('td', {}, names.get(d.webhookId) ? h('a', { href: `#/webhooks/${d.webhookId}` }, names.get(d.webhookId)) : h('code', {},
        d.webhookId.slice(0, 8))),
      h('td', {}, String(d.attemptCount)),
      h('td', {}, d.lastStatusCode ?? '—'),
      h('td', {}, d.lastError ? h('span', { title: d.lastError }, d.lastError.slice(0, 80)) : '—'),
      h('td', {}, time(d.createdAt)),
      h('td', {}, time(d.nextAttemptAt))))));
}
