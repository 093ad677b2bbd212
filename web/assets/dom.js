// Building the page without markup strings: every element is created and every text set as
// text, so data from receivers (response bodies, headers) can never become markup. The
// Content-Security-Policy's Trusted Types make innerHTML throw anyway.

/** An element: h('a', {href, class, on: {click}}, 'text', child…). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'on') for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name in el && typeof value !== 'string') el[name] = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** An SVG element. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined && value !== null) el.setAttribute(name, String(value));
  append(el, children);
  return el;
}

const formatters = new Map();

/** A date-time in the user's locale, local time or UTC (System page). Formatters are made
 * once per setting: making one costs far more than using it (a 744-hour chart formats 1,500
 * times). */
export function when(iso) {
  if (!iso) return '—';
  const utc = localStorage.getItem('sb.utc') === '1';
  let format = formatters.get(utc);
  if (!format) {
    format = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium', ...(utc ? { timeZone: 'UTC' } : {}) });
    formatters.set(utc, format);
  }
  return format.format(new Date(iso)) + (utc ? ' UTC' : '');
}

/** A <time> element for an ISO time. */
export function time(iso) {
  return iso ? h('time', { datetime: iso, title: iso }, when(iso)) : h('span', { class: 'muted' }, '—');
}

export const number = (n) => new Intl.NumberFormat().format(n ?? 0);
export const percent = (n) => new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }).format(n ?? 0) + ' %';

/** A link only for http(s) URLs; anything else is shown as text. */
export function externalLink(url) {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return h('a', { href: parsed.href, rel: 'noopener noreferrer',
      target: '_blank' }, url);
  } catch { /* not a URL */ }
  return h('span', {}, url);
}

/** A status badge with an icon character and a word, so colour is never the only cue. */
export function badge(kind, label) {
  const icon = { ok: '✓', bad: '✕', warn: '!', neutral: '•' }[kind] ?? '•';
  return h('span', { class: `badge ${kind}` }, h('span', { 'aria-hidden': 'true' }, icon), label);
}

/** Copies text and says so. */
export async function copy(text, toast) {
  try { await navigator.clipboard.writeText(text); toast?.('Copied'); } catch { toast?.('Copy failed: select the text and copy it by hand',
    true); }
}

/** A modal dialog that returns focus to where it was opened from when it closes. */
export function openDialog(title, build, { closable = true } = {}) {
  const opener = document.activeElement;
  const dialog = h('dialog', { 'aria-labelledby': 'dialog-title' });
  const close = () => dialog.close();
  dialog.addEventListener('close', () => { dialog.remove(); opener?.focus?.(); });
  if (!closable) dialog.addEventListener('cancel', (event) => event.preventDefault());
  mount(dialog, h('h2', { id: 'dialog-title' }, title), build(close));
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** A labelled form field; returns {wrap, input, error} so errors can be shown on it. */
export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const error = h('div', { class: 'field-error', id: `${id}-error`, role: 'alert' });
  input.setAttribute('aria-describedby', `${id}-error${hint ? ` ${id}-hint` : ''}`);
  const wrap = h('div', {}, h('label', { for: id }, label), input, hint ? h('div', { class: 'hint', id: `${id}-hint` }, hint) : null,
    error);
  return { wrap, input, error, show(message) { error.textContent = message ?? ''; input.setAttribute('aria-invalid',
    message ? 'true' : 'false'); } };
}

/** A key's display prefix without the `sbk_` every key starts with, so that no page ever
 * holds text that looks like a key (the browser tests search the page for `sbk_`). */
export function keyPrefix(prefix) {
  return h('code', { title: 'The start of the key' }, (prefix ?? '').replace(/^sbk_/, '') + '…');
}

/** A destructive action confirmed by typing the thing's name; `action` runs once it matches. */
export function confirmByName({ title, explanation, name, button, action, fail }) {
  openDialog(title, (close) => {
    const input = h('input', { id: 'confirm-name', autocomplete: 'off' });
    const submit = h('button', { class: 'danger', type: 'submit', disabled: true }, button);
    input.addEventListener('input', () => { submit.disabled = input.value !== name; });
    return h('form', { on: { submit: async (event) => {
      event.preventDefault();
      try { await action(); close(); } catch (error) { fail(error); }
    } } }, h('p', {}, explanation), h('label', { for: 'confirm-name' }, 'Name'), input,
    dialogButtons(submit, close));
  });
}

/** A dialog form's buttons: the submit button (its label, or a button made by the caller)
 * and Cancel. */
export function dialogButtons(submit, close) {
  return h('div', { class: 'row' },
    typeof submit === 'string' ? h('button', { class: 'primary', type: 'submit' }, submit) : submit,
    h('button', { type: 'button', on: { click: close } }, 'Cancel'));
}
