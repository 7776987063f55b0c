// browser.mjs -- what the browser tests share: Debian's chromium driven by
// playwright-core (from web/node_modules; never a downloaded browser), a page
// that records script errors, logging in through the form, and a small city
// built through the API.
//
//   const srv = await startServer();
//   const city = await buildCity(srv);          // regions (+ persons when given)
//   const browser = await launch();
//   const page = await openPage(browser, srv);  // page.errors: uncaught errors
//   await loginForm(page, 'admin_4311', PASSWORD);
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from '../api/lib.mjs';

const require = createRequire(path.join(ROOT, 'web/package.json'));
const { chromium } = require('playwright-core');

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const SHOTS = process.env.EPIGRID_SHOTS || '/tmp'; // where screenshots go

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A fresh context (own cookies and localStorage) and page on the server.
// page.errors collects uncaught page errors, console errors and failed
// requests (other than API answers the test provoked on purpose).
export async function openPage(browser, srv, { viewport = { width: 1280, height: 800 }, locale = 'zh-CN' } = {}) {
  const context = await browser.newContext({ baseURL: srv.url, viewport, locale });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // the browser logs every 4xx fetch as a console error; those are expected answers
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) page.errors.push(`console: ${m.text()}`);
  });
  page.on('requestfailed', (r) => {
    // The browser's own favicon fetch is dropped when a navigation (a logout,
    // a reload) overtakes it: not the page's request (a CI run saw it once).
    if (new URL(r.url()).pathname === '/favicon.svg' && r.failure()?.errorText === 'net::ERR_ABORTED') return;
    page.errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 500) page.errors.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return page;
}

// Logs in through the form and waits for the header to show the user.
export async function loginForm(page, username, password, { path = '/' } = {}) {
  if (!page.url().startsWith('http')) await page.goto(path);
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await page.locator('form button[type=submit]').click();
  await page.locator('.topbar .display-name').waitFor();
}

// GB 11643: the check character of the first 17 digits.
export function idCheck(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return '10X98765432'[sum % 11];
}

// An 18-character ID number: county, birth date (YYYYMMDD), sequence (3 digits; odd = male).
export function idNumber(county, birth, seq) {
  const first = `${county}${birth}${String(seq).padStart(3, '0')}`;
  return first + idCheck(first);
}

// Regions of a small city, created through the API as admin (in tree order).
export const REGIONS = [
  ['431122', '东安县'],
  ['431123', '双牌县'],
  ['431122101', '白牙市镇'],
  ['431122102', '大庙口镇'],
  ['431122101201', '茶亭社区'],
  ['431122101202', '城北社区'],
  ['431122101201001', '雍景园小区'],
  ['431122101201002', '茶亭街网格'],
  ['431122102201', '大庙口村'],
  ['431122102201001', '大庙口一组'],
  ['431123101', '泷泊镇'],
];

// Persons: [grid, name, id number, phone].
export const PERSONS = [
  ['431122101201001', '李建国', idNumber('431122', '19680314', 31), '13807461234'],
  ['431122101201001', '王秀英', idNumber('431122', '19720921', 42), '13907465678'],
  ['431122101201001', '李明', idNumber('431122', '19950607', 13), '15807460001'],
  ['431122101201002', '张伟', idNumber('431121', '19880102', 55), '18674600022'],
  ['431122102201001', '陈桂兰', idNumber('431122', '19540811', 22), ''],
];

// Builds the city through the API: regions always, persons with their
// households when "persons" is true.  Returns the admin client.
export async function buildCity(srv, { persons = false } = {}) {
  const admin = await srv.as('admin');
  for (const [code, name] of REGIONS) {
    const r = await admin.post('/api/v1/regions', { code, name });
    if (r.status !== 201) throw new Error(`region ${code}: ${r.status} ${r.text}`);
  }
  if (persons) {
    for (const [grid, name, id, phone] of PERSONS) {
      const h = await admin.post('/api/v1/households', { grid_code: grid, address: `${name}家` });
      if (h.status !== 201) throw new Error(`household for ${name}: ${h.status} ${h.text}`);
      const body = { name, id_number: id, household_id: h.body.id };
      if (phone) body.phone = phone;
      const r = await admin.post('/api/v1/persons', body);
      if (r.status !== 201) throw new Error(`person ${name}: ${r.status} ${r.text}`);
    }
  }
  return admin;
}

// Digits of a formatted count ("1,183" -> 1183).
export const count = (s) => Number(String(s).replace(/[^\d]/g, ''));

// Chooses in the picker of "scope" ("region" or "person") whose value goes out
// as "name": types "text" (a name, a code; for a person a name's beginning or a
// whole ID number or phone), takes the first match, returns the value chosen.
async function pick(kind, scope, name, text) {
  const picker = scope.locator(`.${kind}-picker:has(input[type=hidden][name="${name}"])`);
  const box = picker.locator('input[role=combobox]');
  await box.fill(text);
  await picker.locator('[role=option]').first().waitFor();
  await box.press('Enter');
  await picker.locator('.picker-value').waitFor();
  return picker.locator(`input[type=hidden][name="${name}"]`).inputValue();
}
export const pickRegion = (scope, name, text) => pick('region', scope, name, text);
export const pickPerson = (scope, name, text) => pick('person', scope, name, text);
export const pickOrg = (scope, name, text) => pick('org', scope, name, text);

// ---- the crawler: every page a role reaches from its home (crawl.test.mjs, scripts/screenshots)

// The demo city's users (src/gen/demo.c), one of each role, all with this password.
export const DEMO_PASSWORD = 'Demo-2026';
export const DEMO_ROLES = [
  ['grid_worker', 'grid_yongjingyuan'],
  ['commander', 'commander_city'],
  ['health', 'health_city'],
  ['supplies', 'supplies_city'],
  ['organiser', 'organiser_city'],
  ['inspector', 'inspector_city'],
  ['viewer', 'viewer_city'],
  ['admin', 'admin'],
];
export const WIDE = { width: 1440, height: 900 };
export const PHONE = { width: 375, height: 740 };

// The pattern of a page's URL, one page standing for all of its kind:
// numbers (region codes, ids) as ":n"; of the query, the names of the keys
// (?status=open and ?status=resolved show the same page), and the values
// of those that switch to another view (tab, box, wall):
// "/regions/:n", "/supplies/:n?tab=ledger", "/alerts/:n?severity&status".
const VIEW_KEYS = new Set(['tab', 'box', 'wall']);
export function routeKey(href) {
  const u = new URL(href, 'http://x');
  const path = u.pathname.split('/').map((s) => s.replace(/^\d+$/, ':n')).join('/');
  const q = [...new Set([...u.searchParams].map(([k, v]) => (VIEW_KEYS.has(k) ? `${k}=${v}` : k)))].sort().join('&');
  return q ? `${path}?${q}` : path;
}

// What a link is: an app page (opened in place), a server page (/public/..,
// /api/docs: its own document) or a file to fetch (downloads, /api/v1/...).
export function linkKind(href, download) {
  const u = new URL(href, 'http://x');
  if (download || u.pathname.startsWith('/api/v1/') || /\.[a-z0-9]+$/i.test(u.pathname)) return 'file';
  if (u.pathname.startsWith('/public/') || u.pathname.startsWith('/api/')) return 'server';
  return 'app';
}

// Waits until the page has loaded what it shows: no API call under way (the
// event stream aside) and no "加载中" box, twice 40 ms apart.
export async function settle(page, { timeout = 8000 } = {}) {
  const end = Date.now() + timeout;
  let calm = 0;
  while (Date.now() < end) {
    const busy = page.inflight.size > 0 || (await page.evaluate(() => !!document.querySelector('main .loading, main [aria-busy=true]')));
    calm = busy ? 0 : calm + 1;
    if (calm >= 2) return;
    await new Promise((r) => setTimeout(r, 40));
  }
  throw new Error(`${page.url()}: still loading after ${timeout} ms (${[...page.inflight].join(', ')})`);
}

// A page for crawling: openPage's, also counting API calls under way and
// recording API answers >= 400 in page.errors.
export async function openCrawlPage(browser, srv, options) {
  const page = await openPage(browser, srv, options);
  page.inflight = new Set();
  const api = (r) => new URL(r.url()).pathname.startsWith('/api/') && !r.url().includes('/api/v1/events');
  page.on('request', (r) => api(r) && page.inflight.add(r));
  page.on('requestfinished', (r) => page.inflight.delete(r));
  page.on('requestfailed', (r) => page.inflight.delete(r));
  page.on('response', (r) => {
    if (api(r.request()) && r.status() >= 400 && r.status() < 500) page.errors.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return page;
}

// Opens "href" in the app as a click on a link does (history, no reload) and waits for it.
export async function visit(page, href) {
  await page.evaluate((u) => {
    history.pushState(null, '', u);
    dispatchEvent(new PopStateEvent('popstate'));
  }, href);
  await settle(page);
}

// The same-origin links of the page: [{href, kind}] (href: path and query).
export async function pageLinks(page) {
  const links = await page.locator('a[href]').evaluateAll((as) =>
    as.map((a) => ({ href: a.href, download: a.hasAttribute('download'), origin: a.origin })));
  const origin = new URL(page.url()).origin;
  return links.filter((l) => l.origin === origin).map((l) => {
    const u = new URL(l.href);
    return { href: u.pathname + u.search, kind: linkKind(u.pathname, l.download) };
  });
}

// Crawls the app from the page's current URL: each app page linked from a
// page it saw, at most "perRoute" pages of a route pattern, breadth first,
// calling "onPage(href)" on each (after it settled).  Returns {pages: [href],
// others: [{href, kind}]} (server pages and files linked, not opened).
export async function crawl(page, { perRoute = 1, onPage } = {}) {
  const start = new URL(page.url());
  const queue = [start.pathname + start.search];
  const seen = new Set(queue);
  const perKey = new Map();
  const pages = [];
  const others = new Map();
  while (queue.length) {
    const href = queue.shift();
    const key = routeKey(href);
    if ((perKey.get(key) ?? 0) >= perRoute) continue;
    perKey.set(key, (perKey.get(key) ?? 0) + 1);
    if (pages.length) await visit(page, href);
    else await settle(page);
    pages.push(href);
    await onPage?.(href);
    for (const l of await pageLinks(page)) {
      if (l.kind !== 'app') others.set(l.href, l);
      else if (!seen.has(l.href)) {
        seen.add(l.href);
        queue.push(l.href);
      }
    }
  }
  return { pages, others: [...others.values()] };
}
