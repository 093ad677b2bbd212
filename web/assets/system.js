// System: version, readiness, display preferences, the session, signing out.
import { get, url } from './api.js';
import { h, keyPrefix, mount, time } from './dom.js';

export async function render(main, { app }) {
  const health = await fetch(url('/health')).then((r) => r.json()).catch(() => null);
  const ready = await fetch(url('/ready')).then((r) => r.json()).catch(() => null);
  const session = (await get('/api/session')).data;
  const theme = h('select', { id: 'theme' }, [['system', 'Same as the system'], ['light', 'Light'], ['dark', 'Dark']].map(([v,
    l]) => h('option', { value: v, selected: (localStorage.getItem('sb.theme') ?? 'system') === v }, l)));
  theme.addEventListener('change', () => {
    localStorage.setItem('sb.theme', theme.value);
    const dark = theme.value === 'dark' || (theme.value === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  });
  const utc = h('input', { type: 'checkbox', id: 'utc', checked: localStorage.getItem('sb.utc') === '1' });
  utc.addEventListener('change', () => { localStorage.setItem('sb.utc', utc.checked ? '1' : '0'); app.route(); });
  const checks = ready?.data?.checks ?? {};
  mount(main, h('h1', {}, 'System'),
    h('dl', { class: 'card' },
      h('dt', {}, 'Version'), h('dd', {}, health?.data?.version ?? '?'),
      h('dt', {}, 'Up for'), h('dd', {}, health?.data ? `${Math.round(health.data.uptimeSeconds / 60)} min` : '?'),
      h('dt', {}, 'Ready'), h('dd', {}, ready?.success ? 'yes' : ready?.error?.message ?? 'unknown'),
      Object.entries(checks).map(([name, state]) => [h('dt', {}, name), h('dd', {}, state)])),
    h('h2', {}, 'Display'),
    h('label', { for: 'theme' }, 'Theme'), theme,
    h('p', {}, h('label', { class: 'inline', for: 'utc' }, utc, 'Show times in UTC')),
    h('h2', {}, 'Session'),
    h('p', {}, 'Signed in with ', h('strong', {}, session.name), ' (key ', keyPrefix(session.prefix), '), permissions ',
      session.permissions.join(', '), '.'),
    h('p', {}, 'The session ends at ', time(session.sessionExpiresAt),
      ` at the latest, or after ${Math.round((session.idleTimeoutSeconds ?? 0) / 60)} minutes without activity.`),
    h('button', { class: 'danger', on: { click: () => app.signOut() } }, 'Sign out'));
}
