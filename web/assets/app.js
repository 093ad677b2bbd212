// The console's shell: sign-in, navigation, routing (in the URL's fragment, so every view and
// filter can be bookmarked or opened in a new tab), toasts and keyboard shortcuts. Views are
// modules loaded when first visited.
import { ApiError, call, get, onTrouble, setCsrfToken } from './api.js';
import { h, keyPrefix, mount, openDialog } from './dom.js';

const views = {
  overview: () => import('./overview.js'),
  webhooks: () => import('./webhooks.js'),
  webhook: () => import('./webhook.js'),
  deliveries: () => import('./deliveries.js'),
  delivery: () => import('./delivery.js'),
  'event-types': () => import('./event-types.js'),
  'api-keys': () => import('./api-keys.js'),
  audit: () => import('./audit.js'),
  system: () => import('./system.js'),
};

const navigation = [
  ['overview', 'Overview', null],
  ['webhooks', 'Webhooks', 'read:webhooks'],
  ['deliveries', 'Deliveries', 'read:webhooks'],
  ['event-types', 'Event types', 'read:webhooks'],
  ['api-keys', 'API keys', '*'],
  ['audit', 'Audit log', '*'],
  ['system', 'System', null],
];

class SwitchboardApp extends HTMLElement {
  connectedCallback() {
    this.session = null;
    this.toasts = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(this.toasts);
    onTrouble((error) => this.trouble(error));
    window.addEventListener('hashchange', () => this.route());
    document.addEventListener('keydown', (event) => this.shortcut(event));
    const theme = localStorage.getItem('sb.theme');
    if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
    else if (matchMedia('(prefers-color-scheme: dark)').matches) document.documentElement.dataset.theme = 'dark';
    this.start();
  }

  async start() {
    const link = new URLSearchParams(location.hash.split('?')[1] ?? '').get('link');
    if (link) {
      history.replaceState(null, '', location.pathname + '#/overview');
      try { await this.signIn({ link }); return; } catch (error) { this.showSignIn(error.message); return; }
    }
    if (document.querySelector('meta[name="sb-session"]')?.content === 'absent') { this.showSignIn(null); return; }
    try {
      const who = await get('/api/session');
      this.signedIn(who.data);
    } catch (error) {
      this.showSignIn(error instanceof ApiError && error.status === 401 ? null : error.message);
    }
  }

  /** Whether the signed-in key holds a permission. */
  can(permission) {
    if (!permission) return true;
    const held = this.session?.permissions ?? [];
    return held.includes('*') || held.includes(permission);
  }

  async signIn(credentials) {
    const answer = await call('POST', '/api/session', credentials);
    this.signedIn(answer.data);
  }

  signedIn(session) {
    this.session = session;
    setCsrfToken(session.csrfToken);
    this.classList.remove('signed-out');
    this.main = h('main', { id: 'main', tabindex: '-1' });
    const links = navigation.filter(([, , permission]) => this.can(permission)).map(([name, label]) => h('a', { href: `#/${name}`,
      dataset: { view: name } }, label));
    this.nav = h('nav', { class: 'side', 'aria-label': 'Console' },
      h('div', { class: 'brand' }, 'Switchboard'), links,
      h('div', { class: 'who' }, 'Signed in as ', h('strong', {}, session.name), h('br'), 'key ', keyPrefix(session.prefix)));
    mount(this, this.nav, this.main);
    if (!location.hash || location.hash === '#' || location.hash.startsWith('#/sign-in')) location.hash = '#/overview';
    else this.route();
  }

  showSignIn(message) {
    this.session = null;
    setCsrfToken(null);
    this.classList.add('signed-out');
    const input = h('input', { type: 'password', id: 'signin-key', name: 'key', autocomplete: 'off', required: true, spellcheck: 'false',
      placeholder: 'sbk_…' });
    const error = h('p', { class: 'field-error', role: 'alert', id: 'signin-error' }, message ?? '');
    const form = h('form', { class: 'card signin', on: { submit: async (event) => {
      event.preventDefault();
      error.textContent = '';
      const key = input.value.trim();
      input.value = '';
      try { await this.signIn({ key }); } catch (failure) { error.textContent = failure.message; input.focus(); }
    } } },
    h('h1', {}, 'Sign in to Switchboard'),
    h('p', { class: 'muted' }, 'Paste an API key. It is exchanged for a session cookie and not kept in this page.'),
    h('label', { for: 'signin-key' }, 'API key'), input, error,
    h('p', {}, h('button', { class: 'primary', type: 'submit' }, 'Sign in')),
    h('p', { class: 'hint' }, 'On the server, `switchboard ui-link --key-id ID` prints a one-time sign-in link.'));
    mount(this, h('main', { id: 'main', tabindex: '-1' }, form));
    input.focus();
  }

  async signOut() {
    try { await call('DELETE', '/api/session'); } catch { /* signed out either way */ }
    // Replace the page so Back shows nothing that was on it.
    location.replace(location.pathname + '#/sign-in');
    location.reload();
  }

  parseRoute() {
    const [path, search] = location.hash.replace(/^#\/?/, '').split('?');
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    return { parts, params: new URLSearchParams(search ?? '') };
  }

  /** Changes the URL's query for the current view without reloading it. */
  setParams(params) {
    const [path] = location.hash.split('?');
    const text = params.toString();
    history.replaceState(null, '', location.pathname + path + (text ? '?' + text : ''));
  }

  async route() {
    if (!this.session) return;
    const { parts, params } = this.parseRoute();
    let name = parts[0] || 'overview';
    if (name === 'webhooks' && parts[1]) name = 'webhook';
    if (name === 'deliveries' && parts[1]) name = 'delivery';
    const load = views[name];
    for (const link of this.nav.querySelectorAll('a')) link.toggleAttribute('aria-current', false);
    const current = this.nav.querySelector(`a[data-view="${parts[0] || 'overview'}"]`);
    current?.setAttribute('aria-current', 'page');
    const token = Symbol('render');
    this.rendering = token;
    this.cleanup?.();
    this.cleanup = null;
    // Each view renders into a main element of its own: a view still loading when the user
    // moves on (its data arrives later) then fills a detached element instead of replacing
    // the page the user went to. What is on screen stays until the new view mounts its own.
    const main = h('main', { id: 'main', tabindex: '-1' });
    main.append(...this.main.childNodes);
    this.main.replaceWith(main);
    this.main = main;
    if (!load) { mount(main, h('h1', {}, 'Not found'), h('p', {}, 'No such page.')); return; }
    try {
      const view = await load();
      if (this.rendering !== token) return;
      const done = await view.render(main, { app: this, id: parts[1], params });
      if (this.rendering !== token) { if (typeof done === 'function') done(); return; }
      if (typeof done === 'function') this.cleanup = done;
      document.title = `${this.main.querySelector('h1')?.textContent ?? 'Console'} · Switchboard`;
    } catch (error) {
      if (this.rendering !== token || (error instanceof ApiError && error.status === 401)) return;
      mount(this.main, h('h1', {}, 'Something went wrong'), h('p', { class: 'field-error' }, error.message));
    }
  }

  /** A banner above the page until the next successful view. */
  showBanner(message) {
    if (!this.main) return;
    this.banner?.remove();
    this.banner = h('div', { class: 'banner', role: 'alert' }, message, ' ', h('button', { type: 'button',
      on: { click: () => { this.banner?.remove(); this.route(); } } }, 'Try again'));
    this.main.prepend(this.banner);
  }

  toast(message, isError = false, requestId = null) {
    const item = h('div', { class: 'toast' + (isError ? ' error' : ''), role: isError ? 'alert' : 'status' }, message,
      requestId ? h('div', { class: 'hint' }, 'Request ', h('code', {}, requestId)) : null);
    this.toasts.append(item);
    setTimeout(() => item.remove(), isError ? 9000 : 4000);
  }

  /** Shows an API error as a toast with its request id. */
  fail(error) {
    this.toast(error.message, true, error.requestId);
  }

  trouble(error) {
    if (error.status === 401 && this.session) {
      this.showSignIn('Your session has ended: ' + error.message);
    } else if (error.status === 429) {
      this.toast(`Too many requests: wait ${error.retryAfter ?? 'a few'} s. ${error.message}`, true, error.requestId);
    } else if (error.status === 503 || error.status === 0) {
      this.showBanner('The server is not available right now: ' + error.message);
    } else if (error.status >= 500) {
      this.toast(error.message, true, error.requestId);
    }
  }

  shortcut(event) {
    if (event.target.closest('input, textarea, select, dialog') || event.metaKey || event.ctrlKey || event.altKey) return;
    if (event.key === '/') {
      const search = this.main?.querySelector('input[type="search"]');
      if (search) { event.preventDefault(); search.focus(); }
    } else if (event.key === 'j' || event.key === 'k') {
      const rows = [...(this.main?.querySelectorAll('tbody tr[tabindex]') ?? [])];
      if (!rows.length) return;
      const index = rows.indexOf(document.activeElement);
      const next = rows[Math.max(0, Math.min(rows.length - 1, index + (event.key === 'j' ? 1 : -1)))];
      next.focus();
    } else if (event.key === '?') {
      openDialog('Keyboard shortcuts', (close) => [
        h('dl', {}, h('dt', {}, h('kbd', {}, '/')), h('dd', {}, 'Focus the search or filter'),
          h('dt', {}, h('kbd', {}, 'j'), ' / ', h('kbd', {}, 'k')), h('dd', {}, 'Next / previous row; Enter opens it'),
          h('dt', {}, h('kbd', {}, '?')), h('dd', {}, 'This list')),
        h('button', { class: 'primary', on: { click: close } }, 'Close')]);
    }
  }
}

customElements.define('sb-app', SwitchboardApp);
