// api.js -- the one way the pages talk to the server.
//
// Every call sends Accept-Language for the chosen language (server messages
// then come back in it) and, for anything but GET, the session's CSRF token.
// The token lives only in memory: after a reload GET /api/v1/session gives it
// again.  Failures throw ApiError carrying the server's error object
// ({code, message, fields}) and, for 429, the Retry-After seconds.

import { getLang, t } from './i18n.js';

let csrfToken = null;
let onUnauthorized = null;

export class ApiError extends Error {
  constructor(status, error, retryAfter) {
    super(error?.message || `HTTP ${status}`);
    this.status = status; // 0 when the network failed
    this.code = error?.code ?? null;
    this.fields = error?.fields ?? [];
    this.retryAfter = retryAfter; // seconds, for 429
  }
}

// "fn" is called when a request made with a session gets 401 (session
// expired or logged out elsewhere): the app then shows the login page.
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export async function request(method, path, body) {
  const headers = {
    Accept: 'application/json',
    'Accept-Language': getLang() === 'en' ? 'en' : 'zh-CN',
  };
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    throw new ApiError(0, { code: 'network', message: t('app.network') });
  }
  let json = null;
  try {
    json = await res.json();
  } catch {
    /* an empty or non-JSON body: handled below by status */
  }
  if (!res.ok) {
    const retry = Number(res.headers.get('Retry-After')) || null;
    const e = new ApiError(res.status, json?.error, retry);
    if (res.status === 401 && path !== '/api/v1/session' && onUnauthorized) onUnauthorized(e);
    throw e;
  }
  return json;
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body ?? {});

// "/api/v1/persons" + {region:'4311', name:''} -> "/api/v1/persons?region=4311"
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

// ---- session --------------------------------------------------------------

// The current session ({user, csrf_token, permissions}) or null when not
// logged in.
export async function sessionGet() {
  try {
    const s = await get('/api/v1/session');
    csrfToken = s.csrf_token ?? null;
    return s;
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

export async function sessionLogin(username, password) {
  const s = await request('POST', '/api/v1/session', { username, password });
  csrfToken = s.csrf_token;
  return s;
}

export async function sessionLogout() {
  try {
    await request('DELETE', '/api/v1/session');
  } finally {
    csrfToken = null;
  }
}
