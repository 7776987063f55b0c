// sw.js -- the service worker: the app shell kept on the phone, so that the
// field page opens without the network after one visit.
//
// The server puts two constants in front of this file (src/http/static.c):
// BUILD, a hash of every asset of the binary, and SHELL, the paths of the app
// shell (index.html, the page modules, style.css, the vendored ES modules).
// A new binary is a new worker: it fills a new cache "epigrid-shell-<BUILD>"
// and, once active, deletes the older ones.
//
//   shell files        from this build's cache (the network if missing)
//   page navigations   the network; offline, the cached index.html (the app
//                      then routes the URL itself)
//   /api/, /public/    not touched: the API's answers are the pages' affair
//                      (api.js keeps the field page's grid data itself)
/* global BUILD, SHELL */

const CACHE = `epigrid-shell-${BUILD}`;

self.addEventListener('install', (event) => {
  // An update must not fill its cache from the browser's HTTP cache (five
  // minutes): that may hold the old build.  The first install may: the page
  // has just loaded those very files.
  const mode = self.registration.active ? 'reload' : 'default';
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: mode }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('epigrid-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

const shell = new Set(SHELL);
const fromShell = (path) => caches.match(path, { cacheName: CACHE, ignoreVary: true });

self.addEventListener('fetch', (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== location.origin || /^\/(api|public)\//.test(url.pathname)) return;
  if (req.mode === 'navigate')
    event.respondWith(fetch(req).catch(() => fromShell('/index.html').then((r) => r ?? Response.error())));
  else if (shell.has(url.pathname)) event.respondWith(fromShell(url.pathname).then((r) => r ?? fetch(req)));
});
