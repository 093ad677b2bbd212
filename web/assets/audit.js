// The audit log: who changed what, from where; filters and paging kept in the URL; rows
// expand to the recorded change (secret fields arrive redacted).
import { get, query } from './api.js';
import { h, keyPrefix, mount, time } from './dom.js';

const targetTypes = [['', 'Any target'], ['webhook', 'Webhooks'], ['api_key', 'API keys'], ['delivery', 'Deliveries'], ['event_type',
  'Event types'], ['session', 'Sessions']];

export async function render(main, { params }) {
  const filter = { action: params.get('action') ?? '', target_type: params.get('target_type') ?? '', actor: params.get('actor') ?? '',
    cursor: params.get('cursor') ?? '' };
  const [page, keys] = await Promise.all([
    get('/api/audit-logs' + query({ ...filter, limit: 50 })),
    get('/api/api-keys?limit=100&include_revoked=true').catch(() => ({ data: [] })),
  ]);
  const names = new Map(keys.data.map((k) => [k.id, k]));
  const action = h('input', { type: 'search', id: 'audit-action', value: filter.action, placeholder: 'webhook.created' });
  const target = h('select', { id: 'audit-target' }, targetTypes.map(([v, l]) => h('option', { value: v,
    selected: v === filter.target_type }, l)));
  const actor = h('select', { id: 'audit-actor' }, h('option', { value: '' }, 'Any key'), keys.data.map((k) => h('option', { value: k.id,
    selected: k.id === filter.actor }, k.name)));
  const form = h('form', { class: 'filters', 'aria-label': 'Filters', on: { submit: (event) => {
    event.preventDefault();
    location.hash = '#/audit' + query({ action: action.value.trim(), target_type: target.value, actor: actor.value });
  } } },
  h('div', {}, h('label', { for: 'audit-action' }, 'Action'), action),
  h('div', {}, h('label', { for: 'audit-target' }, 'Target'), target),
  h('div', {}, h('label', { for: 'audit-actor' }, 'Key'), actor),
  h('button', { class: 'primary', type: 'submit' }, 'Filter'), h('a', { class: 'button', href: '#/audit' }, 'Clear'));
  const entries = page.data;
  const base = { action: filter.action, target_type: filter.target_type, actor: filter.actor };
  const pager = h('nav', { class: 'row', 'aria-label': 'Pages' },
    filter.cursor ? h('a', { class: 'button', href: '#/audit' + query(base) }, 'Newest') : null,
    page.pagination?.next_cursor ? h('a', { class: 'button', href: '#/audit' + query({ ...base, cursor: page.pagination.next_cursor }) },
      'Older') : null);
  mount(main, h('h1', {}, 'Audit log'), form,
    entries.length === 0 ? h('p', { class: 'muted' }, 'Nothing recorded.') : h('table', { 'aria-label': 'Audit entries' },
      h('thead', {}, h('tr', {}, ['Time', 'Key', 'Action', 'Target', 'Address', 'Change'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, entries.map((entry) => {
        const key = names.get(entry.actorKeyId);
        const text = entry.changes ? JSON.stringify(entry.changes, null, 2) : null;
        return h('tr', {},
          h('td', {}, time(entry.createdAt)),
          h('td', {}, key ? [key.name, ' ', keyPrefix(key.prefix)] : (entry.actorKeyId ?? '—')),
          h('td', {}, h('code', {}, entry.action)),
          h('td', {}, entry.targetType, entry.targetId ? [' ', h('code', { title: entry.targetId }, entry.targetId.slice(0, 8))] : ''),
          h('td', {}, entry.clientAddress ?? '—'),
          h('td', {}, text ? h('details', {}, h('summary', {}, text.includes('[redacted]') ? 'Show (secrets redacted)' : 'Show'), h('pre',
            {}, text)) : '—'));
      }))), pager);
}
