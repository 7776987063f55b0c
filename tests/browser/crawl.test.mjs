// crawl.test.mjs -- every page as every role uses it (issue 19): on the demo
// city, each demo user logs in and the crawler (browser.mjs: crawl) opens
// every page linked from its home, from the pages it reached, and so on (at
// most two pages of a route pattern: one /persons/:n stands for all), first
// on a wide screen (1440x900), then on a phone (375x740).  Each page must
// not be the error or "页面不存在" page, log no script error, make no API
// call answered 4xx/5xx, and pass axe-core without a serious or critical
// violation (axe runs at one width: the phone's for the grid worker, the
// wide screen's for the rest).  On the phone no page is wider than the
// screen, and on the phone pages every tap target is at least 44x44 px.
//
// Phone pages: every page of the grid worker (the one role that works from
// a phone: field, alerts, persons, regions, coverage) and, on every role's
// pages, the bottom tab bar.  Inline links inside a sentence are exempt
// (as WCAG 2.5.5 exempts them).
//
// Two roles are crawled in English: there no page chrome -- headings,
// labels, buttons, nav, table headers, placeholders, titles -- holds
// Chinese, while data may (names of persons, regions, organisations, items,
// units...).  Data is told apart by where it comes from: a run of Chinese
// characters is data when the server's API answers the role's pages got
// contain it, or when the page marks its element translate="no" (the HTML
// attribute for "not to be translated"; the header's user and scope, the
// breadcrumb).  A text that equals a zh-CN string of i18n.js is chrome even
// when an API answer holds it too (a fixed word the server sent in Chinese,
// such as a response level's name); a name a user gave that equals such a
// word (a fund account called 专项党费) is marked translate="no".  Language names in their own language
// (the switch's "中文", lang="zh-CN") are not chrome in the wrong language.
//
// axe-core is the engine @axe-core/playwright ships, injected once per
// document and run on each page the app opens in place: AxeBuilder injects
// it again into every frame on every call, which cost 0.5-1.5 s more a page
// (measured) and would not fit the time this crawl may take.  The roles are
// crawled four at a time; a route pattern is checked in full (both widths,
// axe-core) once, as the first role that reaches it, and as every other role
// only for not being an error -- but every page of the grid worker (the phone
// role), of the English roles and each role's home in full.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT, startServer } from '../api/lib.mjs';
import { messages } from '../../web/src/i18n.js';
import { crawl, DEMO_PASSWORD, DEMO_ROLES, launch, loginForm, openCrawlPage, PHONE, routeKey, settle, WIDE } from './browser.mjs';

const require = createRequire(path.join(ROOT, 'web/package.json'));
const AXE = createRequire(require.resolve('@axe-core/playwright'))('axe-core').source;
// The Chinese UI strings; one the English page also shows as is (the plate
// example 湘M12345) is not a sign of untranslated chrome: a demo entry's plate
// of the same letters is data.
const ZH = new Set(Object.entries(messages['zh-CN']).filter(([k, v]) => messages.en[k] !== v).map(([, v]) => v));

let srv, browser;
const started = Date.now();

before(async () => {
  srv = await startServer({ demo: { scale: 0.001, seed: 1 } });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
  console.log(`# crawl: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

// What is wrong with the page as it stands: [message].
async function pageProblems(page) {
  const out = [];
  const h1 = (await page.locator('main h1').allTextContents()).join(' | ');
  if (/页面不存在|Page not found/.test(h1)) out.push(`not found: ${h1}`);
  for (const e of await page.locator('main .error[role=alert]').allTextContents()) out.push(`error box: ${e}`);
  // a page that stops listening to alerts aborts its event stream: not a failure
  out.push(...page.errors.splice(0).filter((e) => !/^requestfailed: \S+\/api\/v1\/events net::ERR_ABORTED$/.test(e)));
  return out;
}

// axe-core's serious and critical violations (WCAG 2.1 A and AA): [message].
async function axeProblems(page) {
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE);
  const violations = await page.evaluate(() =>
    axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'], resultTypes: ['violations'] })
      .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))));
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `axe ${v.id} (${v.impact}): ${v.nodes.join(', ')}`);
}

// On a phone: wider than the screen, tap targets under 44 px ("all": every
// target of the page; else the bottom tab bar's only).
async function phoneProblems(page, { all }) {
  return page.evaluate((all) => {
    const out = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth) {
      const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > doc.clientWidth + 1)
        .slice(0, 3).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}`);
      out.push(`wider than the screen: ${doc.scrollWidth} > ${doc.clientWidth} (${wide.join(', ')})`);
    }
    const inline = (e) => e.tagName === 'A' && /^(P|LI|SPAN|SMALL|DD|TD|FIGCAPTION)$/.test(e.parentElement.tagName) &&
      e.parentElement.textContent.trim() !== e.textContent.trim();
    const scope = all ? 'body' : '.mainnav';
    const targets = document.querySelectorAll(`${scope} :is(a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=option])`);
    for (const e of targets) {
      const t = e.closest('label') ?? e;
      const box = t.getBoundingClientRect();
      if (!box.width || !box.height || getComputedStyle(t).visibility === 'hidden') continue;
      if (inline(e)) continue;
      if (box.width < 44 - 0.5 || box.height < 44 - 0.5)
        out.push(`tap target ${Math.round(box.width)}x${Math.round(box.height)}: ${t.tagName.toLowerCase()}.${[...t.classList].join('.')} "${(t.textContent || t.getAttribute('aria-label') || t.name || '').trim().slice(0, 30)}"`);
    }
    return out;
  }, all);
}

// Chinese in the page chrome of an English page: [text].  "data": the
// strings of the API answers the page got, joined.
async function chromeChinese(page, data) {
  const texts = await page.evaluate(() => {
    const cjk = /[\u3400-\u9fff]/;
    const out = [];
    const skip = (e) => e.closest('[translate=no], [lang]:not([lang=en]):not(html), script, style, option:not(:checked)');
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const n = walker.currentNode;
      const e = n.parentElement;
      if (cjk.test(n.textContent) && !skip(e) && e.getClientRects().length)
        out.push({ text: n.textContent.trim(), where: `${e.tagName.toLowerCase()}.${[...e.classList].join('.')}` });
    }
    for (const e of document.querySelectorAll('[placeholder], [title], [aria-label], [alt]')) {
      if (skip(e)) continue;
      for (const a of ['placeholder', 'title', 'aria-label', 'alt'])
        if (cjk.test(e.getAttribute(a) ?? '')) out.push({ text: e.getAttribute(a), where: `${a} of ${e.tagName.toLowerCase()}` });
    }
    if (cjk.test(document.title)) out.push({ text: document.title, where: 'title' });
    return out;
  });
  return texts
    .filter(({ text }) => ZH.has(text) || (text.match(/[\u3400-\u9fff]+/g) ?? []).some((run) => !data.includes(run)))
    .map(({ text, where }) => `"${text.slice(0, 40)}" in ${where}`);
}

// The strings of every API answer "page" gets, joined by newlines (for chromeChinese).
function keepApiStrings(page) {
  const strings = [];
  const walk = (v) => {
    if (typeof v === 'string') strings.push(v);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  const pending = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/') && /json/.test(r.headers()['content-type'] ?? ''))
      pending.push(r.json().then(walk, () => {}));
  });
  return async () => {
    await Promise.all(pending.splice(0));
    return strings.join('\n');
  };
}

const problems = new Map(); // "role width href" -> [message]
function note(where, list) {
  if (list.length) problems.set(where, [...(problems.get(where) ?? []), ...list]);
}
const checked = new Set(); // route patterns checked in full (as any role)

// The roles in the order they are crawled (the grid worker's pages are first
// checked by axe at the phone's width), and the two crawled in English.
const ROLES = ['grid_worker', 'admin', 'commander', 'health', 'supplies', 'organiser', 'inspector', 'viewer'];
const ENGLISH = new Set(['grid_worker', 'commander']);

describe('every page as every role', { concurrency: 4 }, () => {
  for (const role of ROLES) {
    const username = DEMO_ROLES.find(([r]) => r === role)[1];
    const lang = ENGLISH.has(role) ? 'en' : 'zh-CN';
    test(`${role} (${username}, ${lang}): every page at 1440 and at 375 px`, async () => {
      const t0 = Date.now();
      const phoneRole = role === 'grid_worker';
      const page = await openCrawlPage(browser, srv, { viewport: WIDE });
      const apiStrings = keepApiStrings(page);
      await page.goto('/');
      if (lang === 'en') await page.locator('.lang button[lang=en]').click();
      await loginForm(page, username, DEMO_PASSWORD);
      page.errors.length = 0; // the page asked for a session before the login: 401
      let home = true;
      const { pages, others } = await crawl(page, {
        onPage: async (href) => {
          const key = routeKey(href);
          const first = !checked.has(key);
          checked.add(key);
          note(`${role} 1440 ${href}`, await pageProblems(page));
          if (lang === 'en') note(`${role} en ${href}`, (await chromeChinese(page, await apiStrings())).map((x) => `Chinese in the chrome: ${x}`));
          // A page another role checked in full is the same page: here only
          // "not an error" (its home and every phone or English page in full).
          const full = first || home || phoneRole || lang === 'en';
          home = false;
          if (!full) return;
          if (first && !phoneRole) note(`${role} 1440 ${href}`, await axeProblems(page));
          await page.setViewportSize(PHONE);
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r()))); // laid out again
          note(`${role} 375 ${href}`, [...(await pageProblems(page)), ...(await phoneProblems(page, { all: phoneRole }))]);
          if (first && phoneRole) note(`${role} 375 ${href}`, await axeProblems(page));
          await page.setViewportSize(WIDE);
        },
      });
      for (const { href, kind } of others) {
        const r = await page.request.get(href);
        if (r.status() >= 400) note(`${role} ${kind} ${href}`, [`HTTP ${r.status()}`]);
      }
      console.log(`# ${role}: ${pages.length} pages, ${others.length} other links, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      await page.context().close();
      const mine = [...problems].filter(([k]) => k.startsWith(`${role} `));
      for (const [k, v] of mine) console.log(`# ${k}\n#   ${v.join('\n#   ')}`);
      assert.deepEqual(mine, []);
    });
  }
});

// The pages without a login, on a phone: the public bulletin and the
// donation disclosure, where an item counted in grams reads in 吨 or 千克
// (the demo's rice: donated in grams, shown as the supplies page shows it).
test('the public pages on a phone: no overflow, axe-core, grams as 吨', async () => {
  const page = await openCrawlPage(browser, srv, { viewport: PHONE });
  for (const href of ['/public/bulletin', '/public/donations']) {
    await page.goto(href);
    note(`public 375 ${href}`, [...(await phoneProblems(page, { all: false })), ...(await axeProblems(page)), ...page.errors.splice(0)]);
  }
  const pub = await (await fetch(`${srv.url}/public/donations`)).json();
  const rice = pub.totals.by_item.find((i) => i.unit === 'g');
  assert.ok(rice && rice.donated >= 1e6, 'the demo donated rice by the gram');
  const row = page.locator('#by-item tbody tr', { hasText: rice.item_name });
  assert.deepEqual(await row.locator('td').allTextContents(), [
    rice.item_name, ...['donated', 'allocated', 'consumed_or_adjusted', 'in_stock'].map((k) =>
      (rice[k] / 1e6).toLocaleString('en', { maximumFractionDigits: 3 })), '吨']);
  assert.match(await page.locator('#donations').textContent(), new RegExp(`${rice.item_name} [\\d,.]+ (吨|千克)`));
  await page.context().close();
  const mine = [...problems].filter(([k]) => k.startsWith('public '));
  for (const [k, v] of mine) console.log(`# ${k}\n#   ${v.join('\n#   ')}`);
  assert.deepEqual(mine, []);
});
