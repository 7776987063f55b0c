// ui.js -- small pieces every page uses: the htm binding, client-side links,
// the breadcrumb, loading and error boxes, a data-loading hook and the client
// UUID of a write.

import { h } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import htm from 'htm';
import { has, t } from './i18n.js';

export const html = htm.bind(h);

// ---- navigation: history API, so that URLs are real (/regions/431122) -----

const listeners = new Set();

// Text for HTML that htm does not render -- ECharts tooltip formatters return
// HTML strings -- with & < > " ' escaped: every name may be hostile.
export function escapeHtml(text) {
  const map = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  return String(text ?? '').replace(/[&<>"']/g, (c) => map[c]);
}

export function navigate(url, { replace = false } = {}) {
  if (url === location.pathname + location.search) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', url);
  listeners.forEach((fn) => fn());
}

// The current location as {path, query}; re-renders on navigation and on
// the browser's back and forward buttons.
export function useLocation() {
  const read = () => ({ path: location.pathname, query: new URLSearchParams(location.search) });
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const update = () => setLoc(read());
    listeners.add(update);
    addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      removeEventListener('popstate', update);
    };
  }, []);
  return loc;
}

// An <a> that navigates without reloading (a modified click still opens a tab).
export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`;
}

// ---- data loading -----------------------------------------------------------

// Runs the async "load" whenever "deps" change: {data, error, loading, reload}.
// A result that arrives after the deps changed again is dropped.  "early":
// start before the browser paints (a load whose answer is usually there
// already: the page then paints once, with it).
export function useLoad(load, deps, { early = false } = {}) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  (early ? useLayoutEffect : useEffect)(() => {
    let live = true;
    setState((s) => ({ data: s.data, error: null, loading: true }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((n) => n + 1) };
}

// A load that a live event may repeat: {data, error, refresh}.  Unlike
// useLoad (navigation) it keeps showing the old data while a new load runs
// (no flicker) and keeps it beside an error.  Every load -- a change of
// "deps" or a "refresh" (a live event, a retry) -- takes a number, and only
// the answer of the last one begun is taken: an older answer that arrives
// after it is dropped.
export function useLiveLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    load().then(
      (data) => mine === seq.current && setState({ data, error: null }),
      (error) => mine === seq.current && setState((s) => ({ data: s.data, error })),
    );
  }, [...deps, tick]);
  return { ...state, refresh: () => setTick((n) => n + 1) };
}

// ---- writes -----------------------------------------------------------------

// A v4 UUID (crypto.randomUUID needs a secure context; getRandomValues does not).
export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// One client UUID per intended write (docs/write-path.md): the same while it
// is retried, a new one once it succeeded (so a double submit or a retry
// after a lost answer is written once).  [key, next]
export function useWriteKey() {
  const [key, setKey] = useState(uuid);
  return [key, () => setKey(uuid())];
}

// A form's submit state: {busy, error, done, run(fn)}.  run(fn) awaits the
// async "fn" with busy set; its failure becomes "error" (for an ErrorBox), its
// success sets "done"; it resolves to whether fn succeeded.
export function useSubmit() {
  const [state, setState] = useState({ busy: false, error: null, done: false });
  const run = async (fn) => {
    setState({ busy: true, error: null, done: false });
    try {
      await fn();
      setState({ busy: false, error: null, done: true });
      return true;
    } catch (error) {
      setState({ busy: false, error, done: false });
      return false;
    }
  };
  return { ...state, run };
}

// A page loaded when it is first shown (a module of its own): the phone's
// first paint then parses only what it shows (issue 19 item 5).  "load"
// resolves to the module, "name" names the component it exports.
export function lazyPage(load, name) {
  let Page = null;
  let pending = null;
  return function LazyPage(props) {
    const [, setReady] = useState(!!Page);
    const [error, setError] = useState(null);
    useEffect(() => {
      if (Page) return;
      pending ??= load().then((m) => (Page = m[name]));
      pending.then(
        () => setReady(true),
        () => {
          pending = null;
          setError({ message: t('app.network') });
        },
      );
    }, []);
    if (error) return html`<section class="page"><${ErrorBox} error=${error} onRetry=${() => location.reload()} /></section>`;
    return Page ? h(Page, props) : html`<section class="page"><${Loading} /></section>`;
  };
}

// ---- boxes ------------------------------------------------------------------

export function Loading() {
  return html`<p class="loading" role="status">${t('app.loading')}</p>`;
}

// A field of an error in words: "lines[2].item_id" is "物资(第 3 项)";
// a key without a name shows nothing rather than the key itself.
export function fieldLabel(field) {
  const parts = String(field).split('.');
  const last = parts.at(-1).replace(/\[\d+\]$/, '');
  if (!has(`fieldname.${last}`)) return null;
  const rows = [...String(field).matchAll(/\[(\d+)\]/g)].map((m) => Number(m[1]) + 1);
  return rows.length ? t('app.field_item', { name: t(`fieldname.${last}`), n: rows.join('/') }) : t(`fieldname.${last}`);
}

// The field errors of an answer, each named in words.
export function FieldErrors({ fields }) {
  if (!fields?.length) return null;
  return html`<ul>
    ${fields.map((f) => {
      const label = fieldLabel(f.field);
      return html`<li key=${f.field}>${label && html`<b class="field-name">${label}</b>${t('app.field_sep')}`}${f.message}</li>`;
    })}
  </ul>`;
}

// The server's message (already in the chosen language) with its field
// messages, each named in words; a retry button when "onRetry" is given.
export function ErrorBox({ error, onRetry }) {
  if (!error) return null;
  return html`<div class="error" role="alert">
    <p>${error.message || t('app.error')}</p>
    <${FieldErrors} fields=${error.fields} />
    ${onRetry && html`<button type="button" class="secondary" onClick=${onRetry}>${t('app.retry')}</button>`}
  </div>`;
}

// The path from the user's jurisdiction root down to the current region.
// "hrefOf(code)" makes each link; the last item is the current page.
export function Breadcrumb({ path, scope, hrefOf }) {
  // Ancestors above the jurisdiction are not the user's to open (403).
  // The names are data, not words to translate: translate=${false} (Preact
  // sets the property, the attribute reads "no"; "no" itself would be true).
  const visible = path.filter((p) => p.code.startsWith(scope));
  return html`<nav class="breadcrumb" aria-label=${t('regions.breadcrumb')}>
    <ol translate=${false}>
      ${visible.map((p, i) =>
        i === visible.length - 1
          ? html`<li key=${p.code} aria-current="page">${p.name}</li>`
          : html`<li key=${p.code}><${Link} href=${hrefOf(p.code)}>${p.name}<//></li>`,
      )}
    </ol>
  </nav>`;
}

// ECharts is a classic script (window.echarts), not a module: loaded once, when
// a page first shows a chart; a failed load may be retried.
let echartsPromise = null;
export function loadECharts() {
  if (window.echarts) return Promise.resolve(window.echarts);
  if (!echartsPromise)
    echartsPromise = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = '/vendor/echarts.min.js';
      s.onload = () => resolve(window.echarts);
      s.onerror = () => {
        echartsPromise = null;
        reject(new Error('echarts'));
      };
      document.head.appendChild(s);
    });
  return echartsPromise;
}
