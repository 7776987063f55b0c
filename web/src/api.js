// api.js -- the one way the pages talk to the server.
//
// Every call sends Accept-Language for the chosen language (server messages
// then come back in it) and, for anything but GET, the session's CSRF token.
// The token lives only in memory: after a reload GET /api/v1/session gives it
// again.  Failures throw ApiError carrying the server's error object
// ({code, message, fields}) and, for 429, the Retry-After seconds.
//
// Offline copies: getKept() keeps each answer it gets in Cache Storage
// ("epigrid-data", on this phone) and, when the network fails, gives back the
// copy with the time the server sent it.  Only the field page's grid data and
// a field worker's session go there (docs/personal-data.md); logging out,
// logging in and a 401 delete them all.  Without Cache Storage (a page over
// plain http to a LAN address is not a secure context) nothing is kept.

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

const DATA_CACHE = 'epigrid-data';
const hasCache = () => typeof caches !== 'undefined';
let epoch = 0; // bumped by forgetKept: a copy begun before it is not stored

// Deletes every offline copy (logout, login, an expired session).
export async function forgetKept() {
  epoch++;
  if (hasCache()) await caches.delete(DATA_CACHE).catch(() => {});
}

async function keep(path, response) {
  const mine = epoch;
  try {
    const cache = await caches.open(DATA_CACHE);
    if (mine === epoch) await cache.put(path, response);
  } catch {
    /* storage full or refused: the page works online as before */
  }
}

// The offline copy of "path": {data, savedAt} (savedAt: the server's Date), or null.
async function kept(path) {
  try {
    const r = hasCache() && (await caches.match(path, { cacheName: DATA_CACHE, ignoreVary: true }));
    return r ? { data: await r.json(), savedAt: new Date(r.headers.get('Date') ?? Date.now()) } : null;
  } catch {
    return null;
  }
}

// Answers asked for ahead of the page that needs them (prefetch): path ->
// {promise, at}.  Taken once, and only while fresh.
const early = new Map();
const EARLY_MS = 10000;

// Asks for getKept(path) now, for a page about to be shown: the phone's
// first paint then waits for one round trip less.
// Nothing is kept before the page that takes it says so.
export function prefetch(path) {
  const promise = getKept(path, () => false, false);
  promise.catch(() => {}); // the page that takes it sees the failure
  early.set(path, { promise, at: Date.now() });
}

// GET "path" and keep the answer for offline use when accept(json) says so:
// {data, savedAt}, savedAt null for a fresh answer.  When the network fails
// the kept copy is the answer (savedAt its time); without one, ApiError 0.
export async function getKept(path, accept = () => true, takeEarly = true) {
  const ahead = takeEarly && early.get(path);
  if (ahead) {
    early.delete(path);
    if (Date.now() - ahead.at < EARLY_MS)
      return ahead.promise.then(
        (r) => {
          const headers = { 'Content-Type': 'application/json', Date: new Date().toUTCString() };
          if (!r.savedAt && accept(r.data) && hasCache()) keep(path, new Response(JSON.stringify(r.data), { headers }));
          return r;
        },
        () => getKept(path, accept, false), // asked before a login, say: ask again now
      );
  }
  try {
    const data = await request('GET', path, undefined, (json, res) => accept(json) && hasCache() && keep(path, res));
    return { data, savedAt: null };
  } catch (e) {
    const copy = e.status === 0 ? await kept(path) : null;
    if (copy) return copy;
    throw e;
  }
}

export async function request(method, path, body, onOk) {
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
  const copy = onOk && res.ok ? res.clone() : null;
  let json = null;
  try {
    json = await res.json();
  } catch {
    /* an empty or non-JSON body: handled below by status */
  }
  if (!res.ok) {
    const retry = Number(res.headers.get('Retry-After')) || null;
    const e = new ApiError(res.status, json?.error, retry);
    if (res.status === 401) forgetKept();
    if (res.status === 401 && path !== '/api/v1/session' && onUnauthorized) onUnauthorized(e);
    throw e;
  }
  if (copy) onOk(json, copy);
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
// logged in.  A field worker's is kept for offline use: the field page then
// opens without the network.
export async function sessionGet() {
  try {
    const { data: s } = await getKept('/api/v1/session', (x) => x.permissions?.includes('field_write'));
    csrfToken = s.csrf_token ?? null;
    return s;
  } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

export async function sessionLogin(username, password) {
  await forgetKept(); // whatever an earlier user left on this phone
  const s = await request('POST', '/api/v1/session', { username, password });
  csrfToken = s.csrf_token;
  return s;
}

export async function sessionLogout() {
  try {
    await request('DELETE', '/api/v1/session');
  } finally {
    csrfToken = null;
    await forgetKept();
  }
}
