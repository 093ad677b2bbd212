// Overview: the analytics figures, an hourly chart and the webhooks that need attention.
import { get, post, patch, query } from './api.js';
import { h, mount, number, percent } from './dom.js';
import { healthBadge } from './webhooks.js';
import { hourlyChart } from './chart.js';

export async function render(main, { app, params }) {
  const range = params.get('range') ?? '24h';
  const hours = { '24h': 24, '7d': 168 }[range];
  let since = params.get('since'), until = params.get('until');
  if (hours) { until = null; since = new Date(Date.now() - hours * 3600e3).toISOString(); }
  const rangePicker = h('div', { class: 'row overview-range', role: 'group', 'aria-label': 'Time range' },
    ['24h', '7d'].map((value) => h('button', { type: 'button', 'aria-pressed': String(range === value),
      on: { click: () => { params.set('range',
      value); params.delete('since'); params.delete('until'); app.setParams(params); app.route(); } } },
      value === '24h' ? 'Last 24 hours' : 'Last 7 days')),
    customRange(app, params));
  mount(main, h('h1', {}, 'Overview'), rangePicker, h('p', { class: 'muted' }, 'Loading…'));
  if (!app.can('read:webhooks')) {
    mount(main, h('h1', {}, 'Overview'), h('p', {}, 'This key lacks the read:webhooks permission, so there is nothing to show here.'));
    return;
  }
  const [analytics, webhooks] = await Promise.all([
    get('/api/webhooks/analytics' + query({ since, until })),
    get('/api/webhooks' + query({ limit: 100, include: 'health' })),
  ]);
  const a = analytics.data;
  const card = (label, value) => h('div', { class: 'card' }, h('span', { class: 'figure' }, value), h('span', { class: 'label' }, label));
  const cards = h('section', { class: 'cards', 'aria-label': 'Figures' },
    card('Webhooks', number(a.total_webhooks)),
    card('Active webhooks', number(a.active_webhooks)),
    card('Deliveries', number(a.total_deliveries)),
    card('Success rate', percent(a.success_rate)),
    card('Average response', `${number(a.average_response_time)} ms`),
    card('Healthy webhooks', number(a.healthy_webhooks)),
    card('Failing webhooks', number(a.failed_webhooks)),
    card('p50 / p95', `${a.p50_response_time ?? '—'} / ${a.p95_response_time ?? '—'} ms`));
  const attention = webhooks.data.filter((w) => !w.isActive || (w.health && w.health.state !== 'healthy') || w.consecutiveFailures > 0);
  const attentionList = attention.length === 0
    ? h('p', { class: 'muted' }, 'Every webhook is healthy.')
    : h('ul', { class: 'attention' }, attention.slice(0, 10).map((w) => h('li', { class: 'card' },
      h('div', { class: 'row spread' }, h('a', { href: `#/webhooks/${w.id}` }, w.name), healthBadge(w)),
      h('p', { class: 'muted' },
        w.health?.rule ?? (w.disabledReason ? `Disabled: ${w.disabledReason}` : `${w.consecutiveFailures} failures in a row`)),
      h('div', { class: 'row' },
        !w.isActive && app.can('write:webhooks') ? h('button', { on: { click: async () => { try { await patch(`/api/webhooks/${w.id}`,
          { isActive: true }); app.toast('Re-enabled'); app.route(); } catch (e) { app.fail(e); } } } }, 'Re-enable') : null,
        app.can('write:webhooks') ? h('button', { on: { click: async () => { try { const r = await post(`/api/webhooks/${w.id}/recover`,
          { since: new Date(Date.now() - 24 * 3600e3).toISOString() });
          app.toast(`${r.data.requeued} deliveries queued again`); } catch (e) { app.fail(e); } } } }, 'Recover last 24 h') : null,
        h('a', { class: 'button', href: `#/deliveries?webhook_id=${w.id}&status=failed` }, 'View failures')))));
  mount(main, h('h1', {}, 'Overview'), rangePicker, cards,
    hourlyChart(a.series ?? [], `Deliveries per hour, ${range === 'custom' ? 'custom range' : range}`),
    h('h2', {}, 'Needs attention'), attentionList);
}

/** A custom range of at most 31 days. */
function customRange(app, params) {
  const sinceInput = h('input', { type: 'datetime-local', 'aria-label': 'From' });
  const untilInput = h('input', { type: 'datetime-local', 'aria-label': 'Until' });
  return h('form', { class: 'row', on: { submit: (event) => {
    event.preventDefault();
    const since = new Date(sinceInput.value), until = untilInput.value ? new Date(untilInput.value) : new Date();
    if (isNaN(since) || since >= until || until - since > 31 * 86400e3) { app.toast('Pick a range of up to 31 days', true); return; }
    params.set('range', 'custom'); params.set('since', since.toISOString()); params.set('until', until.toISOString());
    app.setParams(params); app.route();
  } } }, sinceInput, untilInput, h('button', { type: 'submit' }, 'Show range'));
}
