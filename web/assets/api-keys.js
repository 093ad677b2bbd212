// API keys: list, create (the key shown exactly once), edit, regenerate, revoke, usage.
import { del, get, patch, post, query } from './api.js';
import { badge, confirmByName, copy, dialogButtons, field, h, keyPrefix, mount, number, openDialog, time } from './dom.js';

const permissions = ['read:contacts', 'write:contacts', 'delete:contacts', 'read:transactions', 'write:transactions', 'delete:transactions',
  'read:properties', 'write:properties', 'delete:properties', 'read:webhooks', 'write:webhooks', 'delete:webhooks', 'write:events', '*'];

export async function render(main, { app, params }) {
  const showRevoked = params.get('revoked') === '1';
  const [keys, usage] = await Promise.all([get('/api/api-keys' + query({ limit: 100, include_revoked: showRevoked ? 'true' : '' })),
    get('/api/api-keys/analytics').catch(() => null)]);
  const revokedToggle = h('input', { type: 'checkbox', id: 'show-revoked', checked: showRevoked,
    on: { change: (e) => { location.hash = '#/api-keys' + (e.target.checked ? '?revoked=1' : ''); } } });
  const u = usage?.data;
  mount(main,
    h('div', { class: 'row spread' }, h('h1', {}, 'API keys'), h('button', { class: 'primary', on: { click: () => createKey(app) } },
      'Create API key')),
    h('label', { class: 'inline', for: 'show-revoked' }, revokedToggle, 'Show revoked'),
    h('table', { 'aria-label': 'API keys' }, h('thead', {}, h('tr', {}, ['Name', 'Prefix', 'Permissions', 'Status', 'Expires', 'Last used',
      'Rate limit', ''].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, keys.data.map((key) => h('tr', { tabindex: '0' },
        h('td', {}, key.name), h('td', {}, keyPrefix(key.prefix)), h('td', {}, key.permissions.join(', ')),
        h('td', {}, badge({ active: 'ok', revoked: 'bad', expired: 'warn' }[key.status] ?? 'neutral', key.status)),
        h('td', {}, time(key.expiresAt)), h('td', {}, time(key.lastUsedAt), key.lastUsedAddress ? ` from ${key.lastUsedAddress}` : ''),
        h('td', {}, key.rateLimit ? `${key.rateLimit.requests} / ${key.rateLimit.windowSeconds} s` : 'default'),
        h('td', {}, h('div', { class: 'row' },
          h('button', { 'aria-label': `Usage of ${key.name}`, on: { click: () => showUsage(key) } }, 'Usage'),
          key.status === 'revoked' ? null : [
          h('button', { on: { click: () => editKey(app, key) } }, 'Edit'),
          h('button', { on: { click: () => regenerate(app, key) } }, 'Regenerate'),
          h('button', { class: 'danger', on: { click: () => revoke(app, key) } }, 'Revoke')])))))),
    u ? [h('h2', {}, 'API usage'), h('p', {},
      `${number(u.total_requests)} requests from ${u.first_day} to ${u.last_day}; ` +
        `${number(u.client_errors)} client errors, ${number(u.server_errors)} server errors (${u.error_rate} % errors).`),
      h('h3', {}, 'Busiest keys'),
      h('table', { 'aria-label': 'Busiest keys' }, h('thead', {}, h('tr', {}, ['Key', 'Requests', 'Error rate'].map((t) => h('th',
        { scope: 'col' }, t)))),
        h('tbody', {}, (u.top_keys ?? []).map((k) => h('tr', {}, h('td', {}, k.name ?? k.key_id), h('td', {},
          number(k.figures?.requests ?? k.requests)), h('td', {}, `${k.figures?.error_rate ?? k.error_rate} %`))))),
      h('h3', {}, 'Requests per day'),
      h('table', { 'aria-label': 'Requests per day' }, h('thead', {}, h('tr', {}, ['Day', 'Requests', 'Client errors', 'Server errors',
        'Error rate'].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, (u.requests_per_day ?? []).filter((d) => (d.figures?.requests ?? d.requests) > 0).reverse().map((d) => {
          const f = d.figures ?? d;
          return h('tr', {}, h('td', {}, d.day), h('td', {}, number(f.requests)), h('td', {}, number(f.client_errors)), h('td', {},
            number(f.server_errors)), h('td', {}, `${f.error_rate} %`));
        })))] : null);
}

function createKey(app) {
  const name = field('Name', h('input', { required: true }));
  const boxes = permissions.map((p) => h('input', { type: 'checkbox', value: p }));
  const warning = h('p', { class: 'field-error', role: 'alert' });
  boxes.at(-1).addEventListener('change',
    (e) => { warning.textContent = e.target.checked ? '* grants everything, including managing keys. Prefer narrower permissions.' : ''; });
  const expires = field('Expires', h('input', { type: 'date' }), 'Empty: the server default (API_KEY_EXPIRY_DAYS).');
  const cidrs = field('Allowed addresses (CIDR, comma separated)',
    h('input', { placeholder: '10.0.0.0/8, 2001:db8::/32' }), 'Empty: any address.');
  cidrs.input.addEventListener('input', () => {
    const bad = cidrs.input.value.split(',').map((s) => s.trim()).filter((s) => s && !/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(s));
    cidrs.show(bad.length ? `Not an address or CIDR range: ${bad.join(', ')}` : null);
  });
  const rate = field('Rate limit (requests per minute)', h('input', { type: 'number', min: 1 }), 'Empty: API_RATE_LIMIT.');
  openDialog('Create API key', (close) => h('form', { on: { submit: async (event) => {
    event.preventDefault();
    const body = { name: name.input.value.trim(), permissions: boxes.filter((b) => b.checked).map((b) => b.value) };
    if (expires.input.value) body.expiresAt = new Date(expires.input.value + 'T23:59:59Z').toISOString();
    const list = cidrs.input.value.split(',').map((s) => s.trim()).filter(Boolean);
    if (list.length) body.ipWhitelist = list;
    if (rate.input.value) body.rateLimit = { requests: Number(rate.input.value), windowSeconds: 60 };
    try {
      const answer = await post('/api/api-keys', body);
      close();
      showKeyOnce(app, answer.data.key, 'The key is created.');
    } catch (error) { (/ip|cidr|address/i.test(error.message) ? cidrs
      : /rate/i.test(error.message) ? rate
      : /expir/i.test(error.message) ? expires : name).show(error.message); }
  } } }, name.wrap, h('fieldset', {}, h('legend', {}, 'Permissions'), h('div', { class: 'checklist' }, permissions.map((p, i) => h('label',
    { class: 'inline' }, boxes[i], p)))), warning,
  expires.wrap, cidrs.wrap, rate.wrap,
  dialogButtons('Create', close)));
  name.input.focus();
}

/** The plaintext key, once; the dialog closes only after "I have copied it". */
function showKeyOnce(app, key, intro) {
  const dialog = openDialog('Copy the new API key', (close) => [
    h('p', {}, intro, ' It is shown only now and cannot be shown again.'),
    h('code', { class: 'secret', 'data-testid': 'new-key' }, key),
    h('div', { class: 'row' },
      h('button', { type: 'button', on: { click: () => copy(key, (m, e) => app.toast(m, e)) } }, 'Copy'),
      h('button', { class: 'primary', type: 'button', on: { click: () => { close(); } } }, 'I have copied it')),
  ], { closable: false });
  // Nothing of the key stays in the page once the dialog is gone.
  dialog.addEventListener('close', () => app.route());
}

function editKey(app, key) {
  const name = field('Name', h('input', { value: key.name, required: true }));
  const cidrs = field('Allowed addresses (CIDR)', h('input', { value: key.ipWhitelist.join(', ') }));
  openDialog(`Edit ${key.name}`, (close) => h('form', { on: { submit: async (event) => {
    event.preventDefault();
    try {
      await patch(`/api/api-keys/${key.id}`, { name: name.input.value.trim(),
        ipWhitelist: cidrs.input.value.split(',').map((s) => s.trim()).filter(Boolean) });
      close(); app.toast('Key saved'); app.route();
    } catch (error) { (/ip|cidr|address/i.test(error.message) ? cidrs : name).show(error.message); }
  } } }, name.wrap, cidrs.wrap, dialogButtons('Save', close)));
}

function regenerate(app, key) {
  const grace = field('Old key keeps working for (seconds)', h('input', { type: 'number', min: 0, max: 2592000, value: 0 }));
  openDialog(`Regenerate ${key.name}?`, (close) => h('form', { on: { submit: async (event) => {
    event.preventDefault();
    try { const answer = await post(`/api/api-keys/${key.id}/regenerate`,
      { gracePeriodSeconds: Number(grace.input.value) }); close(); showKeyOnce(app, answer.data.key, 'The key is regenerated.'); }
    catch (error) { grace.show(error.message); }
  } } }, h('p', {}, 'Clients using the old key must switch to the new one. Sessions opened with it end.'), grace.wrap,
  dialogButtons('Regenerate', close)));
}

function revoke(app, key) {
  confirmByName({
    title: `Revoke ${key.name}?`, explanation: 'The key stops working at once. Type its name to confirm.',
    name: key.name, button: 'Revoke key', fail: (error) => app.fail(error),
    action: async () => { await del(`/api/api-keys/${key.id}`); app.toast('Key revoked'); app.route(); },
  });
}

/** A key's requests per day, route group and status class over the last 30 days. */
async function showUsage(key) {
  const usage = (await get(`/api/api-keys/${key.id}/usage`)).data;
  openDialog(`Usage of ${key.name}`, (close) => [
    h('p', {}, `${number(usage.totalRequests)} requests in the last 30 days; last used `, time(usage.lastUsedAt), '.'),
    usage.days.length === 0 ? h('p', { class: 'muted' }, 'No requests recorded.') : h('table', { 'aria-label': 'Requests per day' },
      h('thead', {}, h('tr', {}, ['Day', 'Route group', 'Status', 'Requests'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, usage.days.map((d) => h('tr', {}, h('td', {}, d.day), h('td', {}, d.routeGroup), h('td', {}, d.statusClass), h('td',
        {}, number(d.requests)))))),
    h('button', { class: 'primary', type: 'button', on: { click: close } }, 'Close'),
  ]);
}
