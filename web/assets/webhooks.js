// Webhooks (webhook management): the list, and the create/edit form.
import { ApiError, get, patch, post, query } from './api.js';
import { badge, copy, dialogButtons, field, h, mount, number, openDialog, percent, time } from './dom.js';

const pageSize = 25;

export async function render(main, { app, params }) {
  const search = params.get('q') ?? '';
  const state = params.get('state') ?? '';
  const offset = Math.max(0, Number(params.get('offset') ?? 0) || 0);
  const answer = await get('/api/webhooks' + query({ limit: pageSize, offset, q: search, state, include: 'health' }));
  const rows = answer.data;
  const total = answer.pagination?.total ?? rows.length;
  const searchInput = h('input', {
    type: 'search', value: search, 'aria-label': 'Search webhooks by name or URL', placeholder: 'Search by name or URL (/)' });
  const stateSelect = h('select', { 'aria-label': 'State' }, [['', 'All states'], ['active', 'Active'], ['failing', 'Failing'], ['disabled',
    'Disabled']].map(([v, l]) => h('option', { value: v, selected: v === state }, l)));
  const apply = () => { location.hash = '#/webhooks' + query({ q: searchInput.value.trim(), state: stateSelect.value }); };
  searchInput.addEventListener('change', apply);
  stateSelect.addEventListener('change', apply);
  const create = () => app.can('write:webhooks')
    ? h('button', { class: 'primary', on: { click: () => webhookForm(app) } }, 'Create webhook')
    : h('button', { disabled: true, title: 'Needs the write:webhooks permission' }, 'Create webhook (needs write:webhooks)');
  const body = rows.length === 0
    ? h('div', { class: 'card' }, h('p', {},
      search || state ? 'No webhook matches the search.' : 'No webhooks yet. Create one to start receiving events.'),
      search || state ? null : create())
    : h('table', { 'aria-label': 'Webhooks' },
      h('thead', {}, h('tr', {}, ['Name', 'Host', 'Events', 'Health', 'Success (24 h)', 'Last attempt'].map((t) => h('th', { scope: 'col' },
        t)))),
      h('tbody', {}, rows.map((w) => h('tr', { tabindex: '0',
        on: { keydown: (e) => { if (e.key === 'Enter') location.hash = `#/webhooks/${w.id}`; } } },
        h('td', {}, h('a', { href: `#/webhooks/${w.id}` }, w.name)),
        h('td', {}, hostOf(w.url)),
        h('td', {}, w.events.includes('*') ? 'All events' : w.events.join(', ')),
        h('td', {}, healthBadge(w)),
        h('td', {}, w.health && w.health.deliveries > 0 ? `${percent(w.health.successRate)} of ${number(w.health.deliveries)}` : '—'),
        h('td', {}, time(w.health?.lastAttemptAt))))));
  const link = (to) => '#/webhooks' + query({ q: search, state, offset: to || '' });
  const pager = h('nav', { class: 'row', 'aria-label': 'Pages' },
    offset > 0 ? h('a', { class: 'button', href: link(Math.max(0, offset - pageSize)) }, 'Previous') : null,
    offset + pageSize < total ? h('a', { class: 'button', href: link(offset + pageSize) }, 'Next') : null,
    h('span', { class: 'muted' }, total ? `${offset + 1}–${Math.min(total, offset + rows.length)} of ${total}` : ''));
  mount(main, h('div', { class: 'row spread' }, h('h1', {}, 'Webhooks'), create()), h('div', { class: 'filters' }, searchInput,
    stateSelect), body, pager);
}

/** A health badge from a webhook with `health` (include=health) or from its flags alone. */
export function healthBadge(webhook) {
  if (!webhook.isActive) return badge('bad', 'Disabled');
  const state = webhook.health?.state ?? (webhook.consecutiveFailures > 0 ? 'degraded' : 'healthy');
  return badge({ healthy: 'ok', degraded: 'warn', unhealthy: 'bad', disabled: 'bad' }[state] ?? 'neutral',
    state[0].toUpperCase() + state.slice(1));
}

export function hostOf(url) {
  try { return new URL(url).host; } catch { return url; }
}

/** Groups event types by resource (`contact.created` → contact). */
async function eventTypes() {
  try { return (await get('/api/event-types')).data; } catch { return []; }
}

/** The create (no webhook) or edit form, in a dialog. */
export async function webhookForm(app, webhook = null) {
  const types = await eventTypes();
  const name = field('Name', h('input', { required: true, value: webhook?.name ?? '', maxlength: 200 }));
  const url = field('URL', h('input', { type: 'url', required: true, value: webhook?.url ?? '', placeholder: 'https://example.com/hooks' }),
    'Where events are POSTed. Private and metadata addresses are refused.');
  const description = field('Description', h('input', { value: webhook?.description ?? '' }));
  const selected = new Set(webhook?.events ?? []);
  const all = h('input', { type: 'checkbox', checked: selected.has('*') });
  const groups = {};
  for (const type of types) (groups[type.name.split('.')[0]] ??= []).push(type);
  const boxes = [];
  const events = h('fieldset', {}, h('legend', {}, 'Events'),
    h('label', { class: 'inline' }, all, 'All events (*)'),
    Object.entries(groups).map(([group, list]) => h('div', {}, h('strong', {}, group), h('div', {}, list.map((type) => {
      const box = h('input', { type: 'checkbox', value: type.name, checked: selected.has(type.name) });
      boxes.push(box);
      return h('label', { class: 'inline', title: type.description }, box, type.name);
    })))));
  const eventsError = h('div', { class: 'field-error', role: 'alert' });
  const secret = field('Own signing secret (optional)', h('input', { autocomplete: 'off' }),
    'Leave empty to have one generated (whsec_…).');
  const retries = field('Retries after the first attempt (maxRetries)', h('input', { type: 'number', min: 0, max: 20,
    value: webhook?.maxRetries ?? '' }), 'Empty: the server default.');
  const rate = field('Most deliveries per second (maxDeliveriesPerSecond)', h('input', { type: 'number', min: 0.01, max: 10000, step: 'any',
    value: webhook?.maxDeliveriesPerSecond ?? '' }),
    'Empty: the server default (no limit unless WEBHOOK_MAX_DELIVERIES_PER_SECOND is set).');
  const delays = field('Retry delays in ms (retryDelaysMs)', h('input', { value: (webhook?.retryDelaysMs ?? []).join(', '),
    placeholder: '1000, 5000, 15000' }));
  const preview = h('p', { class: 'hint', 'aria-live': 'polite' });
  const updatePreview = () => {
    const list = delays.input.value.split(',').map((s) => Number(s.trim())).filter((n) => n > 0);
    let total = 0;
    preview.textContent = list.length ? 'Schedule: ' + list.map((ms,
      i) => { total += ms; return `retry ${i + 1} after ${formatDuration(total)}`; }).join(', ') : '';
  };
  delays.input.addEventListener('input', updatePreview);
  updatePreview();
  const fields = { name, url, description, secret, maxRetries: retries, retryDelaysMs: delays, maxDeliveriesPerSecond: rate };
  openDialog(webhook ? `Edit ${webhook.name}` : 'Create webhook', (close) => {
    const form = h('form', { on: { submit: async (event) => {
      event.preventDefault();
      Object.values(fields).forEach((f) => f.show(null));
      eventsError.textContent = '';
      const chosen = all.checked ? ['*'] : boxes.filter((b) => b.checked).map((b) => b.value);
      const body = { name: name.input.value.trim(), url: url.input.value.trim(), events: chosen,
        description: description.input.value.trim() || null };
      if (secret.input.value.trim()) body.secret = secret.input.value.trim();
      if (retries.input.value !== '') body.maxRetries = Number(retries.input.value);
      const delayList = delays.input.value.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
      if (delayList.length) body.retryDelaysMs = delayList;
      if (rate.input.value !== '') body.maxDeliveriesPerSecond = Number(rate.input.value);
      else if (webhook?.maxDeliveriesPerSecond != null) body.maxDeliveriesPerSecond = null;
      try {
        if (webhook) {
          await patch(`/api/webhooks/${webhook.id}`, body);
          close();
          app.toast('Webhook saved');
          app.route();
        } else {
          const created = await post('/api/webhooks', body);
          close();
          showSecretOnce(app, created.data.secret, created.data.id, 'The webhook is created. Its signing secret is shown only now:');
        }
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        const target = error.code === 'target_not_allowed' || /url/i.test(error.message) ? url
          : /event/i.test(error.message) ? null : /name/i.test(error.message) ? name
          : /maxDeliveriesPerSecond/.test(error.message) ? rate : /retr|delay/i.test(error.message) ? retries : null;
        if (target) { target.show(error.message); target.input.focus(); }
        else if (/event/i.test(error.message)) eventsError.textContent = error.message; else app.fail(error);
      }
    } } },
    name.wrap, url.wrap, description.wrap, events, eventsError,
    h('details', {}, h('summary', {}, 'Advanced'), webhook ? null : secret.wrap, retries.wrap, delays.wrap, preview, rate.wrap),
    dialogButtons(webhook ? 'Save' : 'Create', close));
    return form;
  });
  name.input.focus();
}

function formatDuration(ms) {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(ms % 1000 ? 1 : 0)} s`;
  return `${(ms / 60000).toFixed(1)} min`;
}

/** Shows a new signing secret once, with verification snippets. */
export function showSecretOnce(app, secret, webhookID, intro) {
  openDialog('Signing secret', (close) => [
    h('p', {}, intro),
    h('code', { class: 'secret', 'data-testid': 'new-secret' }, secret),
    h('div', { class: 'row' }, h('button', { type: 'button', on: { click: () => copy(secret, (m, e) => app.toast(m, e)) } },
      'Copy secret')),
    h('h3', {}, 'Verify deliveries (Node)'),
    h('pre', {}, `const crypto = require('crypto');\n` +
      `const expected = 'sha256=' + crypto.createHmac('sha256', process.env.WEBHOOK_SECRET)\n  .update(rawBody).digest('hex');\n` +
      `const ok = crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(req.headers['x-webhook-signature']));`),
    h('h3', {}, 'Python (Standard Webhooks)'),
    h('pre', {}, `from standardwebhooks import Webhook\nWebhook(os.environ["WEBHOOK_SECRET"]).verify(raw_body, headers)`),
    h('button', { class: 'primary', type: 'button',
      on: { click: () => { close(); if (webhookID) location.hash = `#/webhooks/${webhookID}`; else app.route(); } } },
      'I have stored the secret'),
  ], { closable: false });
}
