// The console's only way to the server: same-origin fetch with the session cookie. The API
// key never reaches this page after sign-in; writes carry the session's CSRF token.

let csrfToken = null;
/** Where the server mounts its own paths (SWITCHBOARD_PATH_PREFIX), '' by default. */
export const base = document.querySelector('meta[name="sb-base"]')?.content ?? '';
/** A path of the server's (`/api/…`, `/health`) under its prefix. */
export const url = (path) => base + path;
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, code, message, requestId, retryAfter) {
    super(message);
    this.status = status; this.code = code; this.requestId = requestId; this.retryAfter = retryAfter;
  }
}

/** Subscribes to API trouble: 401 (signed out), 429 and 503. */
export function onTrouble(fn) { listeners.add(fn); }

export function setCsrfToken(token) { csrfToken = token; }

/** Calls the API; resolves to the whole envelope ({data, pagination}) or throws ApiError. */
export async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let response;
  try {
    response = await fetch(url(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin', cache: 'no-store' });
  } catch (error) {
    const failure = new ApiError(0, 'network_error', 'The server cannot be reached: ' + error.message);
    listeners.forEach((fn) => fn(failure));
    throw failure;
  }
  const requestId = response.headers.get('X-Request-Id');
  let document = null;
  try { document = await response.json(); } catch { /* not JSON */ }
  if (!response.ok || document?.success === false) {
    const error = document?.error ?? {};
    const failure = new ApiError(response.status, error.code ?? 'http_' + response.status, error.message ?? response.statusText, requestId,
      response.headers.get('Retry-After'));
    if (![400, 404, 409, 422].includes(response.status) || path === '/api/session') listeners.forEach((fn) => fn(failure));
    throw failure;
  }
  return document;
}

export const get = (path) => call('GET', path);
export const post = (path, body = {}) => call('POST', path, body);
export const patch = (path, body) => call('PATCH', path, body);
export const del = (path) => call('DELETE', path);

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) value.forEach((v) => search.append(name, v)); else search.set(name, value);
  }
  const text = search.toString();
  return text ? '?' + text : '';
}
