// command.test.mjs -- the command's pages against the API they read.
//
// Coverage of a round by child region: tiles, table and ECharts bars equal
// GET /api/v1/stats and /stats/coverage; a bar (clicked on the canvas) and a
// row drill down, and the URL keeps region and round; the overdue list is
// GET /api/v1/observations?status=overdue.  Live: a visit and an alert made
// elsewhere change the open page without a reload.  The alert inbox:
// acknowledge, resolve with a required note, a new alert arriving live, and
// roles without alert_handle or registry_read.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, startServer } from '../api/lib.mjs';
import { buildCity, count, idNumber, launch, loginForm, openPage, SHOTS } from './browser.mjs';

const COUNTY = '431122';
const TOWNSHIP = '431122101'; // 白牙市镇
const VILLAGE = '431122101201'; // 茶亭社区
const GRID1 = '431122101201001';
const GRID2 = '431122101201002';
const GRID3 = '431122102201001'; // 大庙口一组, in 大庙口镇

let srv, browser, admin, commander, worker1, worker3, round;
const H = {};

function day(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

let seq = 200;
async function household(key, grid, names) {
  const h = await admin.post('/api/v1/households', { grid_code: grid, address: `${key} 号` });
  assert.equal(h.status, 201, h.text);
  const persons = [];
  for (const name of names) {
    const p = await admin.post('/api/v1/persons', { name, id_number: idNumber('431122', '19900101', seq++), household_id: h.body.id });
    assert.equal(p.status, 201, p.text);
    persons.push(p.body.id);
  }
  H[key] = { id: h.body.id, persons };
}

// A visit through the API; "fever" and "returnee" for every member.
async function visit(client, key, { fever = false, returnee = false } = {}) {
  const r = await client.post('/api/v1/visits', {
    client_uuid: crypto.randomUUID(), round_id: round.id, household_id: H[key].id, members_present: H[key].persons.length,
    persons: H[key].persons.map((id) => ({
      person_id: id, returned_from_risk: returnee, fever, cough: false, contact_with_case: false,
      ...(returnee ? { origin: '武汉市', arrival_date: day(-1), transport: '飞机' } : {}),
      ...(fever ? { temperature: 38.2 } : {}),
    })),
  });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

before(async () => {
  srv = await startServer();
  admin = await buildCity(srv);
  commander = await srv.as('commander', COUNTY, { displayName: '钱指挥' });
  worker1 = await srv.as('grid_worker', GRID1);
  worker3 = await srv.as('grid_worker', GRID3);
  srv.user('inspector', COUNTY);
  srv.user('viewer', COUNTY);
  await household('a1', GRID1, ['钱一', '钱二']);
  await household('a2', GRID1, ['孔三']);
  await household('a3', GRID1, ['曹四']);
  await household('b1', GRID2, ['严五']);
  await household('c1', GRID3, ['华六']);
  await household('c2', GRID3, ['金七']);
  const r = await commander.post('/api/v1/rounds', { name: '第二轮排查', region_code: COUNTY, start_date: day(-1), end_date: day(6) });
  assert.equal(r.status, 201, r.text);
  round = r.body;
  await visit(worker1, 'a1', { fever: true, returnee: true }); // high alert, two observations
  await visit(worker3, 'c1', { fever: true }); // medium alert
  // 严五 under observation since the day before yesterday, no report: overdue after a sweep
  const o = await admin.post('/api/v1/observations', { person_id: H.b1.persons[0], kind: 'home', reason: 'contact', start_date: day(-2), opened_at: `${day(-2)}T07:00:00+08:00` });
  assert.equal(o.status, 201, o.text);
  const s = srv.cli(['sweep', '--at', `${day(-1)}T10:05`]);
  assert.equal(s.status, 0, s.stderr);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

// A reload ends the page's event stream: an expected abort, not an error.
const realErrors = (page) => page.errors.filter((e) => !/api\/v1\/events net::ERR_ABORTED/.test(e));

async function login(page, user, path) {
  await page.goto(path);
  await loginForm(page, user, PASSWORD);
}

async function checkTiles(page, code) {
  const st = (await commander.get(`/api/v1/stats?region=${code}`)).body;
  const a = st.alerts;
  await page.locator('.tile-active .value', { hasText: new RegExp(`^${st.observation.active_total}$`) }).waitFor();
  assert.equal(count(await page.locator('.tile-overdue .value').textContent()), st.observation.overdue_now);
  assert.equal(count(await page.locator('.tile-alerts .value').textContent()), a.open_high + a.open_medium + a.open_low);
  assert.equal(count(await page.locator('.tile-reports .value').textContent()), st.reports.received_today);
  return st;
}

async function checkCoverage(page, code) {
  const cov = (await commander.get(`/api/v1/stats/coverage?region=${code}&round=${round.id}`)).body;
  await page.locator('.total-visited', { hasText: new RegExp(`^${cov.visited}$`) }).waitFor();
  assert.equal(count(await page.locator('.total-households').textContent()), cov.households);
  const rows = await page.locator('table.coverage-table tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      code: tr.dataset.code,
      name: tr.querySelector('td.name').textContent.trim(),
      households: Number(tr.querySelector('td.households').textContent.replace(/\D/g, '')),
      visited: Number(tr.querySelector('td.visited').textContent.replace(/\D/g, '')),
      rate: tr.querySelector('td.rate').textContent.trim(),
    })),
  );
  assert.deepEqual(rows, cov.children.map((c) => ({
    code: c.code, name: c.name, households: c.households, visited: c.visited,
    rate: c.coverage === null ? '–' : `${c.coverage.toFixed(1)}%`,
  })));
  return cov;
}

test('coverage: tiles, table and bars equal the API; a bar and a row drill down; the URL keeps region and round', async () => {
  const page = await openPage(browser, srv);
  await login(page, `commander_${COUNTY}`, '/coverage');
  await page.waitForURL(new RegExp(`/coverage/${COUNTY}\\?round=${round.id}$`));
  await checkTiles(page, COUNTY);
  const cov = await checkCoverage(page, COUNTY);
  assert.deepEqual(cov.children.map((c) => c.name), ['白牙市镇', '大庙口镇']);
  assert.equal(await page.locator('select[name=round]').inputValue(), String(round.id));

  // the overdue list is the API's
  const od = (await commander.get(`/api/v1/observations?status=overdue&region=${COUNTY}`)).body;
  assert.ok(od.items.some((o) => o.person_id === H.b1.persons[0]), JSON.stringify(od));
  assert.deepEqual(await page.locator('table.overdue-table td.name').evaluateAll((tds) => tds.map((td) => td.firstChild.textContent.trim())),
    od.items.map((o) => o.person_name));
  assert.equal(count(await page.locator('.overdue h2 .count').textContent()), od.overdue_now);

  // the chart: one bar per child; clicking 白牙市镇's bar opens it
  await page.locator('.chart canvas').waitFor();
  const pt = await page.evaluate(() => {
    const el = document.querySelector('.chart');
    const c = window.echarts.getInstanceByDom(el);
    const opt = c.getOption();
    const [x, y] = c.convertToPixel({ seriesIndex: 0 }, [Math.max(1, opt.series[0].data[0].value / 2), 0]);
    const box = el.getBoundingClientRect();
    return { x: box.left + x, y: box.top + y, bars: opt.series[0].data.length, names: opt.yAxis[0].data };
  });
  assert.equal(pt.bars, 2);
  assert.deepEqual(pt.names, ['白牙市镇', '大庙口镇']);
  await page.screenshot({ path: `${SHOTS}/epigrid-coverage-desktop.png`, fullPage: true });
  await page.mouse.click(pt.x, pt.y);
  await page.waitForURL(new RegExp(`/coverage/${TOWNSHIP}\\?round=${round.id}$`));
  await page.locator('h1', { hasText: '白牙市镇' }).waitFor();
  await checkCoverage(page, TOWNSHIP);
  await checkTiles(page, TOWNSHIP);
  // a row opens 茶亭社区 (a click anywhere on the row)
  await page.locator(`table.coverage-table tr[data-code="${VILLAGE}"] td.households`).click();
  await page.waitForURL(new RegExp(`/coverage/${VILLAGE}\\?round=${round.id}$`));
  await checkCoverage(page, VILLAGE);
  // the overdue column per child
  assert.equal(await page.locator(`tr[data-code="${GRID2}"] td.overdue`).textContent(), '1');
  // back and reload keep the place
  await page.goBack();
  await page.waitForURL(new RegExp(`/coverage/${TOWNSHIP}\\?round=${round.id}$`));
  await checkCoverage(page, TOWNSHIP);
  await page.waitForLoadState('networkidle');
  await page.reload();
  await checkCoverage(page, TOWNSHIP);
  assert.deepEqual(realErrors(page), []);
  await page.context().close();
});

test('live: a visit and an alert made elsewhere change the open page without a reload', async () => {
  const page = await openPage(browser, srv, { viewport: { width: 375, height: 740 } });
  await login(page, `commander_${COUNTY}`, `/coverage/${COUNTY}?round=${round.id}`);
  const before_ = await checkTiles(page, COUNTY);
  await checkCoverage(page, COUNTY);
  await page.locator('.live.on').waitFor();
  await page.evaluate(() => { window.__sameDocument = true; });
  await visit(worker1, 'a2', { fever: true }); // 白牙市镇 +1 visited, +1 open alert
  await page.locator(`tr[data-code="${TOWNSHIP}"] td.visited`, { hasText: /^2$/ }).waitFor({ timeout: 10000 });
  const st = await checkTiles(page, COUNTY);
  assert.equal(st.alerts.open_medium, before_.alerts.open_medium + 1);
  await checkCoverage(page, COUNTY);
  assert.equal(await page.evaluate(() => window.__sameDocument), true);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);
  await page.screenshot({ path: `${SHOTS}/epigrid-coverage-375.png`, fullPage: true });
  assert.deepEqual(realErrors(page), []);
  await page.context().close();
});

const RANK = { high: 3, medium: 2, low: 1 };
// The inbox's order: high first, newest first within a severity.
const inboxOrder = (items) => [...items].sort((a, b) => RANK[b.severity] - RANK[a.severity] || b.id - a.id).map((a) => a.id);
const rowIds = (page) => page.locator('tr.alert').evaluateAll((trs) => trs.map((x) => Number(x.dataset.id)));
// Waits until the inbox shows exactly "ids" in this order (then asserts it, for the message).
async function expectRows(page, ids) {
  await page.waitForFunction((want) => [...document.querySelectorAll('tr.alert')].map((x) => x.dataset.id).join() === want.join(), ids, { timeout: 5000 })
    .catch(() => {});
  assert.deepEqual(await rowIds(page), ids);
}

test('alert inbox: high first in compact rows, filters, slot in words, acknowledge, resolve with a required note, new alerts arrive live', async () => {
  const page = await openPage(browser, srv);
  await login(page, `commander_${COUNTY}`, `/alerts/${COUNTY}`);
  const api = (await commander.get(`/api/v1/alerts?region=${COUNTY}&status=unresolved`)).body.items;
  assert.ok(api.length >= 3, JSON.stringify(api));
  // high first, then medium, each newest first (the API lists newest first)
  await expectRows(page, inboxOrder(api));
  assert.notDeepEqual(inboxOrder(api), api.map((a) => a.id), 'the data must tell the orders apart');
  const high = api.find((a) => a.rule === 'visit_fever_travel');
  const row = page.locator(`tr.alert[data-id="${high.id}"]`);
  assert.equal(await row.locator('.sev').textContent(), '高');
  assert.equal(await row.locator('.title').textContent(), high.title_zh);
  assert.equal(await row.locator('.status').textContent(), '待确认');
  // compact: one short row per alert, not a card
  const heights = await page.locator('tr.alert').evaluateAll((trs) => trs.map((x) => x.getBoundingClientRect().height));
  assert.ok(Math.max(...heights) <= 110, `rows of ${heights} px`);
  // the overdue slot in words, not "(2026-12-05T08:00)"
  const overdue = api.find((a) => a.rule === 'report_overdue');
  const title = await page.locator(`tr.alert[data-id="${overdue.id}"] .title`).textContent();
  assert.match(overdue.title_zh, /\d{4}-\d\d-\d\dT\d\d:\d\d/);
  assert.doesNotMatch(title, /\d{4}-\d\d-\d\dT/);
  assert.match(title, /\d+月\d+日 \d+时(\d+分)? 报告时段/);
  await page.screenshot({ path: `${SHOTS}/epigrid-alerts-desktop.png`, fullPage: true });
  // "more": pages of 2 follow the same order across the severities, to the end
  const paged = await page.evaluate(async (region) => {
    const { loadOrdered } = await import('/pages/command.js');
    const ids = [];
    let from = { i: 0, cursor: null }, pages = 0;
    while (from && pages++ < 20) {
      const r = await loadOrdered({ region, status: 'unresolved' }, ['high', 'medium', 'low'], from, 2);
      ids.push(...r.items.map((a) => a.id));
      from = r.next;
    }
    return ids;
  }, COUNTY);
  assert.deepEqual(paged, inboxOrder(api));

  // filters: severity, kind, region (in the URL, so a reload keeps them)
  await page.locator('select[name=severity]').selectOption('high');
  await page.waitForURL(/severity=high/);
  await expectRows(page, inboxOrder(api.filter((a) => a.severity === 'high')));
  await page.locator('select[name=severity]').selectOption('');
  await page.locator('select[name=rule]').selectOption('report_overdue');
  await page.waitForURL(/rule=report_overdue/);
  await expectRows(page, inboxOrder(api.filter((a) => a.rule === 'report_overdue')));
  await page.locator('select[name=rule]').selectOption('');
  await page.locator(`tr.alert[data-id="${high.id}"]`).waitFor();
  await page.locator('select[name=region]').selectOption(TOWNSHIP);
  await page.waitForURL(new RegExp(`/alerts/${TOWNSHIP}`));
  await page.locator('h1', { hasText: '白牙市镇' }).waitFor();
  await expectRows(page, inboxOrder(api.filter((a) => a.grid_code.startsWith(TOWNSHIP))));
  assert.ok(api.some((a) => !a.grid_code.startsWith(TOWNSHIP)), 'the region filter must leave some out');
  await page.goBack();
  await page.waitForURL(new RegExp(`/alerts/${COUNTY}`));
  const card = page.locator(`tr.alert[data-id="${high.id}"]`);
  await card.waitFor();

  await card.locator('button.acknowledge').click();
  await card.locator('.status', { hasText: '已确认' }).waitFor();
  let a = (await commander.get(`/api/v1/alerts/${high.id}`)).body;
  assert.equal(a.status, 'acknowledged');
  assert.equal(a.ack_by, `commander_${COUNTY}`);
  assert.equal(a.ack_by_name, '钱指挥');
  assert.equal(await card.locator('button.acknowledge').count(), 0);
  // by the name people know, not the username
  assert.match(await card.locator('.handled').textContent(), /^钱指挥 于 \d+月\d+日 \d\d:\d\d 确认$/);

  await card.locator('button.resolve').click();
  await card.locator('form.resolve-form button[type=submit]').click();
  await card.getByRole('alert').getByText('请填写处置说明').waitFor();
  assert.equal((await commander.get(`/api/v1/alerts/${high.id}`)).body.status, 'acknowledged');
  await card.locator('textarea[name=note]').fill('已陪同至县人民医院发热门诊,核酸采样');
  // The live reload the resolve's own event starts (of the unresolved list)
  // is held back until the resolved list has loaded: its late answer must
  // not replace the list of the filter the user switched to (it did, in CI).
  let release;
  const held = new Promise((r) => { release = r; });
  const late = (u) => /\/api\/v1\/alerts\?/.test(u.href) && u.searchParams.get('status') === 'unresolved';
  await page.route(late, async (route) => { await held; await route.continue(); });
  const reload = page.waitForRequest((r) => late(new URL(r.url())));
  await card.locator('form.resolve-form button[type=submit]').click();
  await card.waitFor({ state: 'detached' });
  await reload;
  a = (await commander.get(`/api/v1/alerts/${high.id}`)).body;
  assert.equal(a.status, 'resolved');
  assert.equal(a.note, '已陪同至县人民医院发热门诊,核酸采样');

  // the resolved list shows it with its note and who resolved it
  await page.locator('nav.filters a', { hasText: '已处置' }).click();
  await page.waitForURL(/\?status=resolved$/);
  await page.locator(`tr.alert[data-id="${high.id}"] .note`, { hasText: '核酸采样' }).waitFor();
  const lateAnswers = page.waitForResponse((r) => late(new URL(r.url())));
  release();
  await lateAnswers;
  await page.unroute(late);
  await page.evaluate(() => new Promise((r) => setTimeout(r, 200)));
  assert.deepEqual(await page.locator('tr.alert .status').allTextContents(), (await page.locator('tr.alert .status').allTextContents()).map(() => '已处置'));
  await page.locator(`tr.alert[data-id="${high.id}"] .note`, { hasText: '核酸采样' }).waitFor({ timeout: 1000 });
  assert.match(await page.locator(`tr.alert[data-id="${high.id}"] td.handling`).textContent(), /钱指挥 于 .* 处置/);
  await page.locator('nav.filters a', { hasText: '未处置' }).click();
  await page.locator('tr.alert').first().waitFor();

  // a new alert arrives without a reload
  await page.evaluate(() => { window.__sameDocument = true; });
  await visit(worker3, 'c2', { fever: true });
  const fresh = (await commander.get(`/api/v1/alerts?region=${COUNTY}&status=unresolved&limit=1`)).body.items[0];
  await page.locator(`tr.alert.fresh[data-id="${fresh.id}"]`).waitFor({ timeout: 10000 });
  assert.equal(await page.evaluate(() => window.__sameDocument), true);

  // in English: the slot in English words too
  await page.locator('.lang button[lang=en]').click();
  const en = await page.locator(`tr.alert[data-id="${overdue.id}"] .title`).textContent();
  assert.match(en, /^health report overdue \(slot \d\d:\d\d, \d+ [A-Z][a-z]{2}\)$/);
  assert.deepEqual(realErrors(page), []);
  await page.context().close();
});

// The commander's task of issue 19 (measured at 5 taps before): from the login
// page, see the alerts and acknowledge the one on top.  Taps and typed fields
// are counted in the page (trusted events only, kept across page loads).
test('the commander\'s task: log in, see the alerts, acknowledge the first, taps and typed fields counted in the page', async () => {
  const page = await openPage(browser, srv);
  await page.addInitScript(() => {
    const bump = (k, v) => sessionStorage.setItem(k, JSON.stringify(v(JSON.parse(sessionStorage.getItem(k) ?? 'null'))));
    addEventListener('click', (e) => e.isTrusted && bump('__taps', (n) => (n ?? 0) + 1), true);
    addEventListener('input', (e) => e.isTrusted && bump('__typed', (a) => [...new Set([...(a ?? []), e.target.name])]), true);
  });
  await login(page, `commander_${COUNTY}`, '/');
  await page.waitForURL(`**/dashboard/${COUNTY}`);
  await page.locator('a.dash-tile[data-tile=alerts]').click(); // 未处置预警
  await page.waitForURL(new RegExp(`/alerts/${COUNTY}\\?status=unresolved`));
  const top = page.locator('tr.alert').first();
  await top.waitFor();
  const id = Number(await top.getAttribute('data-id'));
  assert.equal((await commander.get(`/api/v1/alerts/${id}`)).body.status, 'open', 'the alert on top waits for acknowledgement');
  await top.locator('button.acknowledge').click();
  await top.locator('.status', { hasText: '已确认' }).waitFor();
  assert.equal((await commander.get(`/api/v1/alerts/${id}`)).body.status, 'acknowledged');
  const [taps, typed] = await page.evaluate(() => [JSON.parse(sessionStorage.getItem('__taps')), JSON.parse(sessionStorage.getItem('__typed'))]);
  console.log(`# commander: ${taps} taps, typed ${typed}`);
  assert.deepEqual([taps, typed.sort()], [3, ['password', 'username']], 'log in, the alerts tile, acknowledge');
  assert.deepEqual(realErrors(page), []);
  await page.context().close();
});

test('roles: no buttons without alert_handle; no inbox without registry_read', async () => {
  const page = await openPage(browser, srv, { viewport: { width: 375, height: 740 } });
  await login(page, `inspector_${COUNTY}`, `/alerts/${COUNTY}`);
  await page.locator('tr.alert').first().waitFor();
  assert.equal(await page.locator('tr.alert button').count(), 0);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth) <= 0, 'phone: no horizontal overflow');
  assert.equal(await page.locator('.mainnav a', { hasText: '网格工作' }).count(), 0);
  await page.screenshot({ path: `${SHOTS}/epigrid-alerts-375.png`, fullPage: true });
  await page.context().close();

  const viewer = await openPage(browser, srv);
  await login(viewer, `viewer_${COUNTY}`, `/alerts/${COUNTY}`);
  await viewer.locator('h1', { hasText: '页面不存在' }).waitFor();
  assert.equal(await viewer.locator('.mainnav a', { hasText: '预警处置' }).count(), 0);
  await viewer.locator('.mainnav a', { hasText: '排查进度' }).click();
  await viewer.waitForURL(new RegExp(`/coverage/${COUNTY}\\?round=${round.id}$`));
  await viewer.locator('.tile-active').waitFor();
  assert.deepEqual(realErrors(viewer), []);
  await viewer.context().close();
});
