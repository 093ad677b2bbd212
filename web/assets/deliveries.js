// Deliveries (the seed's WebhookLogViewer): filters kept in the URL, cursor paging, and a
// live mode that counts new deliveries instead of shifting the page under the reader.
import { get, query } from './api.js';
import { badge, h, mount, time } from './dom.js';

const statuses = ['pending', 'in_progress', 'succeeded', 'failed'];

export async function render(main, { app, params }) {
  const filter = {
    webhook_id: params.get('webhook_id') ?? '', status: params.get('status') ?? '', event_type: params.get('event_type') ?? '',
    since: params.get('since') ?? '', cursor: params.get('cursor') ?? '', limit: 50,
  };
  const [logs, webhooks] = await Promise.all([get('/api/webhooks/logs' + query(filter)), get('/api/webhooks?limit=100')]);
  const names = new Map(webhooks.data.map((w) => [w.id, w.name]));
  const webhookSelect = h('select', { id: 'filter-webhook' }, h('option', { value: '' }, 'All webhooks'), webhooks.data.map((w) => h('option', { value: w.id, selected: w.id === filter.webhook_id }, w.name)));
  const statusSelect = h('select', { id: 'filter-status' }, h('option', { value: '' }, 'Any status'), statuses.map((s) => h('option', { value: s, selected: s === filter.status }, s.replace('_', ' '))));
  const typeInput = h('input', { type: 'search', id: 'filter-type', value: filter.event_type, placeholder: 'contact.created' });
  const sinceInput = h('input', { type: 'datetime-local', id: 'filter-since', value: filter.since ? toLocalInput(filter.since) : '' });
  const form = h('form', { class: 'filters', on: { submit: (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (webhookSelect.value) next.set('webhook_id', webhookSelect.value);
    if (statusSelect.value) next.set('status', statusSelect.value);
    if (typeInput.value.trim()) next.set('event_type', typeInput.value.trim());
    if (sinceInput.value) next.set('since', new Date(sinceInput.value).toISOString());
    location.hash = '#/deliveries' + (next.toString() ? '?' + next : '');
  } } },
  h('div', {}, h('label', { for: 'filter-webhook' }, 'Webhook'), webhookSelect),
  h('div', {}, h('label', { for: 'filter-status' }, 'Status'), statusSelect),
  h('div', {}, h('label', { for: 'filter-type' }, 'Event type'), typeInput),
  h('div', {}, h('label', { for: 'filter-since' }, 'Since'), sinceInput),
  h('button', { type: 'submit', class: 'primary' }, 'Filter'),
  h('a', { class: 'button', href: '#/deliveries' }, 'Clear'));
  const live = h('input', { type: 'checkbox', id: 'live' });
  const fresh = h('span', { 'aria-live': 'polite', class: 'muted' });
  let timer = null;
  live.addEventListener('change', () => {
    clearInterval(timer);
    if (!live.checked) { fresh.textContent = ''; return; }
    const newest = logs.data[0]?.createdAt;
    // Polls the database-backed log (works with several server processes); at most one
    // render per poll, and the page itself does not move.
    timer = setInterval(async () => {
      try {
        const latest = await get('/api/webhooks/logs' + query({ ...filter, cursor: '', limit: 50 }));
        const count = latest.data.filter((d) => !newest || d.createdAt > newest).length;
        mount(fresh, count ? h('a', { href: location.hash, on: { click: (e) => { e.preventDefault(); app.route(); } } }, `${count}${count === 50 ? '+' : ''} new — show`) : 'No new deliveries');
      } catch { /* the trouble handler reports it */ }
    }, 1000);
  });
  const older = logs.pagination?.next_cursor;
  const pager = h('div', { class: 'row' },
    filter.cursor ? h('a', { class: 'button', href: '#/deliveries' + query({ ...filter, cursor: '', limit: '' }) }, 'Newest') : null,
    older ? h('a', { class: 'button', href: '#/deliveries' + query({ ...filter, cursor: older, limit: '' }) }, 'Older') : null);
  mount(main, h('h1', {}, 'Deliveries'), form,
    h('div', { class: 'row' }, h('label', { class: 'inline', for: 'live' }, live, 'Live'), fresh),
    logs.data.length ? deliveryTable(logs.data, names) : h('div', { class: 'card' }, h('p', {}, 'No deliveries match these filters.')), pager);
  return () => clearInterval(timer);
}

function toLocalInput(iso) {
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

export function statusBadge(status) {
  return badge({ succeeded: 'ok', failed: 'bad', pending: 'warn', in_progress: 'warn' }[status] ?? 'neutral', status.replace('_', ' '));
}

export function deliveryTable(rows, names) {
  return h('table', {},
    h('thead', {}, h('tr', {}, ['Status', 'Event type', 'Webhook', 'Attempts', 'Last status', 'Last error', 'Created', 'Next attempt'].map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map((d) => h('tr', { tabindex: '0', on: { keydown: (e) => { if (e.key === 'Enter') location.hash = `#/deliveries/${d.id}`; } } },
      h('td', {}, h('a', { href: `#/deliveries/${d.id}`, 'aria-label': `Delivery ${d.id}, ${d.status}` }, statusBadge(d.status))),
      h('td', {}, d.eventType),
      h('td', {}, names.get(d.webhookId) ? h('a', { href: `#/webhooks/${d.webhookId}` }, names.get(d.webhookId)) : h('code', {}, d.webhookId.slice(0, 8))),
      h('td', {}, String(d.attemptCount)),
      h('td', {}, d.lastStatusCode ?? '—'),
      h('td', {}, d.lastError ? h('span', { title: d.lastError }, d.lastError.slice(0, 80)) : '—'),
      h('td', {}, time(d.createdAt)),
      h('td', {}, time(d.nextAttemptAt))))));
}
