// The audit log: who changed what, from where; rows expand to the recorded change.
import { get, query } from './api.js';
import { h, mount, time } from './dom.js';

export async function render(main, { params }) {
  const action = params.get('action') ?? '';
  const entries = (await get('/api/audit-logs' + query({ limit: 100, action }))).data;
  const keys = new Map((await get('/api/api-keys?limit=100&include_revoked=true').catch(() => ({ data: [] }))).data.map((k) => [k.id, k.name]));
  const filter = h('input', { type: 'search', id: 'audit-action', value: action, placeholder: 'webhook.created' });
  filter.addEventListener('change', () => { location.hash = '#/audit' + query({ action: filter.value.trim() }); });
  mount(main, h('h1', {}, 'Audit log'),
    h('div', { class: 'filters' }, h('div', {}, h('label', { for: 'audit-action' }, 'Action'), filter)),
    entries.length === 0 ? h('p', { class: 'muted' }, 'Nothing recorded.') : h('table', {},
      h('thead', {}, h('tr', {}, ['Time', 'Actor', 'Action', 'Target', 'Address', 'Change'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, entries.map((entry) => h('tr', {},
        h('td', {}, time(entry.createdAt)), h('td', {}, keys.get(entry.actorKeyId) ?? entry.actorKeyId ?? '—'), h('td', {}, h('code', {}, entry.action)),
        h('td', {}, entry.targetType, entry.targetId ? [' ', h('code', {}, entry.targetId.slice(0, 8))] : ''), h('td', {}, entry.clientAddress ?? '—'),
        h('td', {}, entry.changes ? h('details', {}, h('summary', {}, JSON.stringify(entry.changes).includes('[redacted]') ? 'Show (secrets redacted)' : 'Show'), h('pre', {}, JSON.stringify(entry.changes, null, 2))) : '—'))))));
}
