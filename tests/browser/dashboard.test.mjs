// dashboard.test.mjs -- the commanders' home page in a real browser: the
// city's tiles, trend and child-region charts; drilling down from the city
// through county, township and village to a grid by clicking child regions
// (below the city, ranked bars instead of the map); an abnormal health report
// posted through the API arriving over SSE and changing the alert tile and
// the high-alert feed without a reload; the day's duty block equal to the
// API's mobilisation.duty; English; a wide screen; a phone; a county named
// with HTML shown as text on the map's tooltip and everywhere else; and a
// commander of the demo city landing on it after logging in at "/", seeing
// every figure the API gives, the map of the 11 counties of 永州 coloured by
// the chosen figure, a county clicked on the map opening its view, the
// 未处置预警 tile opening the alert inbox filtered, and the wall screen
// (?wall=1) filling 1920x1080 without scrolling.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, startServer } from '../api/lib.mjs';
import { buildCity, count, launch, loginForm, openPage, SHOTS } from './browser.mjs';

const GRID = '431122101201001';
const HOSTILE = '<img src=x onerror=alert(1)>';
let srv, admin, browser, personId;
const UNCOVERED_ZH = (s) => (s < 3600 ? `${Math.round(s / 60)} 分钟` : `${(s / 3600).toFixed(1)} 小时`);
const UNCOVERED_EN = (s) => (s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

function day(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

before(async () => {
  srv = await startServer();
  admin = await buildCity(srv, { persons: true });
  srv.user('commander', '4311');
  // A county named with HTML (道县's code): every place shows it as text.
  let r = await admin.post('/api/v1/regions', { code: '431124', name: HOSTILE });
  assert.equal(r.status, 201, r.text);
  r = await admin.get(`/api/v1/persons?region=${GRID}`);
  personId = r.body.items.find((p) => p.name === '李建国').id;
  r = await admin.post('/api/v1/observations', { person_id: personId, kind: 'home', reason: 'travel', start_date: day(-2) });
  assert.equal(r.status, 201, r.text);
  r = await admin.post('/api/v1/response-levels', { region_code: '4311', level: 1, effective_date: day(-5) });
  assert.equal(r.status, 201, r.text);
  // The day's duty: a 24-hour checkpoint in the grid rostered 08:00-20:00 with two persons.
  r = await admin.post('/api/v1/checkpoints', { name: '雍景园小区卡口', region_code: GRID, hours: '24h' });
  assert.equal(r.status, 201, r.text);
  const persons = (await admin.get(`/api/v1/persons?region=${GRID}`)).body.items.slice(0, 2).map((p) => p.id);
  r = await admin.post('/api/v1/shifts', {
    place_id: r.body.place_id, start: `${day(0)}T08:00:00+08:00`, end: `${day(0)}T20:00:00+08:00`, person_ids: persons,
  });
  assert.equal(r.status, 201, r.text);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const tile = (page, k) => page.locator(`.dash-tile[data-tile=${k}] .value`);

// The map's data as ECharts has it: [{name: county code, value}].
const mapData = (page) =>
  page.evaluate(() => echarts.getInstanceByDom(document.querySelector('.dash-map .dash-chart')).getOption().series[0].data);

// Where county "code" lies on the page (the map scrolled into view): its label
// point (the map's cp) in pixels.
const countyPoint = (page, code) =>
  page.evaluate((code) => {
    const el = document.querySelector('.dash-map .dash-chart');
    el.scrollIntoView({ block: 'center' });
    const feature = echarts.getMap(el.parentElement.dataset.map).geoJSON.features.find((f) => f.id === code);
    const [x, y] = echarts.getInstanceByDom(el).convertToPixel({ seriesIndex: 0 }, feature.properties.cp);
    const box = el.getBoundingClientRect();
    return { x: box.left + x, y: box.top + y };
  }, code);

// The duty tiles as shown: {key: {value (data-value), text, sub, hot}}.
async function dutyOnPage(page) {
  await page.locator('.dash-duty .dash-tile').first().waitFor();
  return Object.fromEntries(await page.locator('.dash-duty .dash-tile').evaluateAll((tiles) => tiles.map((e) => [
    e.dataset.duty,
    { value: Number(e.dataset.value), text: e.querySelector('.value').textContent.trim(), sub: e.querySelector('small').textContent.trim(), hot: e.classList.contains('hot') },
  ])));
}

// Every duty figure on the page equals the API's mobilisation.duty.
function assertDutyEqual(shown, duty, uncoveredText) {
  assert.deepEqual(Object.keys(shown), ['deployed', 'places_rostered', 'places_with_gaps', 'uncovered_seconds']);
  for (const k of ['deployed', 'places_rostered', 'places_with_gaps']) {
    assert.equal(shown[k].value, duty[k], k);
    assert.equal(count(shown[k].text), duty[k], k);
  }
  assert.equal(shown.uncovered_seconds.value, duty.uncovered_seconds);
  assert.equal(shown.uncovered_seconds.text, uncoveredText(duty.uncovered_seconds));
  const lastNumber = (text) => count(text.match(/(\d[\d,]*)\D*$/)[1]); // "24 小时卡口 3 个" -> 3
  assert.equal(lastNumber(shown.places_rostered.sub), duty.checkpoints);
  assert.equal(shown.places_with_gaps.hot, duty.places_with_gaps > 0);
  assert.equal(shown.uncovered_seconds.hot, duty.uncovered_seconds > 0);
}

test("the day's duty (值班值守) on the page equals the API's, for the city and a county without duty", async () => {
  const page = await openPage(browser, srv);
  await page.goto('/dashboard/4311');
  await loginForm(page, 'commander_4311', PASSWORD);
  await page.locator('.dash-duty h2', { hasText: '今日值班值守' }).waitFor();
  const city = (await admin.get('/api/v1/dashboard?region=4311')).body.mobilisation.duty;
  assert.deepEqual([city.deployed, city.places_rostered, city.checkpoints, city.places_with_gaps, city.uncovered_seconds],
    [2, 1, 1, 1, 12 * 3600], 'the roster of the test: two persons, one checkpoint, 12 hours uncovered');
  assertDutyEqual(await dutyOnPage(page), city, UNCOVERED_ZH);
  assert.equal((await page.locator('.dash-duty [data-duty=uncovered_seconds] .value').textContent()).trim(), '12.0 小时');
  // A county without a roster (one click down): zeros, nothing flagged.
  await page.locator('table.dash-children tr[data-code="431123"] th a').click();
  await page.locator('section.dash[data-region="431123"] h1', { hasText: '双牌县' }).waitFor();
  const other = (await admin.get('/api/v1/dashboard?region=431123')).body.mobilisation.duty;
  assert.equal(other.places_with_gaps, 0);
  assertDutyEqual(await dutyOnPage(page), other, UNCOVERED_ZH);
  // The rosters of the region are one click away.
  await page.locator('.dash-duty a', { hasText: '查看排班' }).click();
  await page.waitForURL('**/rosters/431123');
  assert.deepEqual(page.errors, []);
});

test('drill down from the city to a grid by clicking child regions', async () => {
  const page = await openPage(browser, srv);
  await page.goto('/dashboard/4311');
  await loginForm(page, 'commander_4311', PASSWORD);
  await page.locator('h1', { hasText: '疫情防控指挥一张图' }).waitFor();
  assert.equal((await tile(page, 'level').textContent()).trim(), '一级响应');
  assert.equal(count(await tile(page, 'observation').textContent()), 1);
  await page.locator('.dash-map canvas').waitFor(); // the city's counties on the map
  for (const [name, code] of [['东安县', '431122'], ['白牙市镇', '431122101'], ['茶亭社区', '431122101201'], ['雍景园小区', GRID]]) {
    await page.locator('table.dash-children th a', { hasText: name }).click();
    await page.waitForURL(`**/dashboard/${code}`);
    await page.locator(`section.dash[data-region="${code}"] h1`, { hasText: name }).waitFor();
    if (code === '431122') { // below the city no map: the children ranked
      await page.locator('.dash-regions h2', { hasText: '下级地区现有病例排名' }).waitFor();
      await page.locator('.dash-regions canvas').waitFor();
      assert.equal(await page.locator('.dash-map').count(), 0);
    }
  }
  // A grid has no children: links to its work pages instead; the level is the city's, inherited.
  await page.locator('.dash-panel h2', { hasText: '本网格' }).waitFor();
  assert.match(await page.locator('.dash-tile[data-tile=level] small').textContent(), /沿用永州市/);
  // The breadcrumb leads back up.
  await page.locator('nav.breadcrumb a', { hasText: '永州市' }).click();
  await page.waitForURL('**/dashboard/4311');
  await page.screenshot({ path: `${SHOTS}/dashboard-laptop.png`, fullPage: true });
  assert.deepEqual(page.errors, []);
});

test('an abnormal health report arrives over SSE and changes the alert tile without a reload', async () => {
  const page = await openPage(browser, srv);
  await page.goto('/dashboard/4311');
  await loginForm(page, 'commander_4311', PASSWORD);
  await page.locator('.live.on').waitFor(); // the event stream is open
  const before_ = count(await tile(page, 'alerts').textContent());
  await page.evaluate(() => { window.notReloaded = true; });
  const r = await admin.post('/api/v1/health-reports',
    { client_uuid: crypto.randomUUID(), person_id: personId, slot: `${day(-1)}T08:00`, temperature: 38.9 });
  assert.equal(r.status, 201, r.text);
  await page.locator('.dash-tile[data-tile=alerts] .value', { hasText: String(before_ + 1) }).waitFor({ timeout: 10000 });
  // The feed of high alerts has it first (a travel observation's fever is high).
  await page.locator('.dash-feed li').first().filter({ hasText: '38.9' }).waitFor({ timeout: 10000 });
  assert.equal(await page.locator('.dash-feed li').first().getAttribute('data-id'), String(r.body.alert_id));
  assert.equal(await page.evaluate(() => window.notReloaded), true);
  assert.ok((await page.locator('.dash-tile[data-tile=alerts]').getAttribute('class')).includes('hot'));
  assert.deepEqual(page.errors, []);
});

test('English and a wall screen', async () => {
  const page = await openPage(browser, srv, { viewport: { width: 1920, height: 1080 }, locale: 'en' });
  await page.goto('/dashboard/4311');
  await loginForm(page, 'commander_4311', PASSWORD);
  await page.locator('.lang button[lang=en]').click();
  await page.locator('h1', { hasText: 'Command dashboard' }).waitFor();
  assert.equal((await tile(page, 'level').textContent()).trim(), 'Level I');
  // Six tiles a row on a wall screen, the four duty tiles on one row.
  const cols = await page.locator('.dash-tiles').first().evaluate((el) => getComputedStyle(el).gridTemplateColumns.split(' ').length);
  assert.equal(cols, 6);
  const dutyCols = await page.locator('.dash-duty .dash-tiles').evaluate((el) => getComputedStyle(el).gridTemplateColumns.split(' ').length);
  assert.equal(dutyCols, 4);
  await page.locator('.dash-duty h2', { hasText: "Today's duty" }).waitFor();
  assertDutyEqual(await dutyOnPage(page), (await admin.get('/api/v1/dashboard?region=4311')).body.mobilisation.duty, UNCOVERED_EN);
  assert.equal((await page.locator('.dash-duty [data-duty=deployed] .label').textContent()).trim(), 'Persons on duty today');
  await page.screenshot({ path: `${SHOTS}/dashboard-wall.png`, fullPage: true });
  assert.deepEqual(page.errors, []);
});

test('on a phone: the commander lands on the dashboard, two tiles a row, no horizontal overflow', async () => {
  const page = await openPage(browser, srv, { viewport: { width: 375, height: 740 } });
  await page.goto('/');
  await loginForm(page, 'commander_4311', PASSWORD);
  await page.waitForURL('**/dashboard/4311');
  await page.locator('.dash-duty .dash-tile').first().waitFor();
  await page.locator('.dash-chart canvas').first().waitFor();
  for (const tiles of await page.locator('.dash-tiles').all())
    assert.equal(await tiles.evaluate((el) => getComputedStyle(el).gridTemplateColumns.split(' ').length), 2);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);
  const targets = await page.locator('.dash-figures .chip, a.wall-toggle').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height));
  assert.equal(targets.length, 6);
  assert.ok(Math.min(...targets) >= 44, `tap targets ${targets}`);
  await page.screenshot({ path: `${SHOTS}/dashboard-375.png`, fullPage: true });
  assert.deepEqual(page.errors, []);
});

test('a county named with HTML reads as text on the map\'s tooltip and in the table; the map colours by the figure chosen', async () => {
  const page = await openPage(browser, srv);
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await page.goto('/dashboard/4311');
  await loginForm(page, 'commander_4311', PASSWORD);
  await page.locator('.dash-map canvas').waitFor();
  // Coloured by the response level: a chip, a URL; the counties the city has carry it.
  await page.locator('.dash-figures .chip[data-figure=level]').click();
  await page.waitForURL('**/dashboard/4311?figure=level');
  await page.locator('section.dash[data-figure=level]').waitFor();
  const d = (await admin.get('/api/v1/dashboard?region=4311')).body;
  const data = await mapData(page);
  assert.equal(data.length, 11, 'every county of 永州 on the map');
  for (const c of d.children) assert.equal(data.find((x) => x.name === c.code).value, c.response_level);
  // Hovering the county: its name in the tooltip as text, nothing injected.
  const p = await countyPoint(page, '431124');
  await page.mouse.move(p.x, p.y);
  await page.waitForFunction((h) => [...document.querySelectorAll('.dash-map div')].some((e) => e.textContent.includes(h)), HOSTILE);
  assert.equal((await page.locator('table.dash-children tr[data-code="431124"] th a').textContent()).trim(), HOSTILE);
  assert.equal(await page.evaluate(() => document.querySelectorAll('img[src="x"]').length), 0);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(page.errors, []);
});

// The headline tiles as the page must show them from the API's answer.
function tilesFromApi(d) {
  const lv = d.response_level;
  const rate = (r) => (r === null ? '–' : `${(r * 100).toFixed(1)}%`);
  return {
    level: lv.level ? lv.level_name : '未启动',
    cases: d.cases.current_confirmed + d.cases.current_suspected + d.cases.current_asymptomatic,
    observation: d.observation.active,
    overdue: d.observation.overdue_now,
    alerts: d.alerts.open,
    reports: d.reports.received_today,
    coverage: rate(d.coverage.rate),
    directives: d.directives.unread_for_me,
    rectify: d.rectifications.open,
    teams: d.mobilisation.teams,
    supplies: d.supplies.low,
  };
}

test('the demo city: a commander logging in lands on the dashboard, sees the whole picture and drills down to 雍景园小区', async () => {
  const demo = await startServer({ demo: { scale: 0.001, seed: 1 } });
  try {
    const api = await demo.login('commander_city', 'Demo-2026');
    const page = await openPage(browser, demo);
    // Logging in at "/": a commander's home page is the dashboard of the jurisdiction.
    await page.goto('/');
    await loginForm(page, 'commander_city', 'Demo-2026');
    await page.waitForURL('**/dashboard/4311');
    await page.locator('section.dash[data-region="4311"] h1', { hasText: '永州市' }).waitFor();
    assert.equal(await page.locator('.mainnav a[aria-current=page]').textContent(), '指挥大屏');
    const d = (await api.get('/api/v1/dashboard?region=4311')).body;
    // The whole picture: every headline figure, the day's duty, the trend, every county.
    const want = tilesFromApi(d);
    for (const [k, v] of Object.entries(want)) {
      const shown = (await tile(page, k).textContent()).trim();
      assert.equal(typeof v === 'number' ? count(shown) : shown, v, `tile ${k}`);
    }
    assert.equal(await page.locator('.dash-tiles').first().locator('.dash-tile').count(), Object.keys(want).length);
    assert.ok(want.level === '一级响应' && want.observation > 0 && want.cases > 0 && want.teams > 0,
      'the simulated city has a response level, observations, cases and teams');
    assert.match(await page.locator('.dash-tile[data-tile=cases] small').textContent(), new RegExp(`累计 ${d.cases.confirmed_total.toLocaleString('zh-CN')}`));
    assertDutyEqual(await dutyOnPage(page), d.mobilisation.duty, UNCOVERED_ZH);
    await page.locator('.dash-chart canvas').nth(1).waitFor(); // trend and bars drawn
    assert.equal(d.children.length, 11);
    assert.equal(await page.locator('table.dash-children tbody tr').count(), 11);
    for (const c of d.children) {
      const row = page.locator(`table.dash-children tr[data-code="${c.code}"]`);
      assert.equal((await row.locator('th a').textContent()).trim(), c.name);
      assert.equal(count(await row.locator('td[data-k=obs_active]').textContent()), c.obs_active);
      assert.equal((await row.locator('td[data-k=response_level]').textContent()).trim(), '一级响应');
    }
    // Down the story's path, one click per level.
    let code = '4311';
    for (const next of ['431122', '431122100', '431122100013', '431122100013001']) {
      const child = (await api.get(`/api/v1/dashboard?region=${code}`)).body.children.find((c) => c.code === next);
      await page.locator(`table.dash-children tr[data-code="${next}"] th a`).click();
      await page.locator(`section.dash[data-region="${next}"] h1`, { hasText: child.name }).waitFor();
      code = next;
    }
    await page.locator('section.dash h1', { hasText: '雍景园小区' }).waitFor();
    // Back at the city: its 11 counties on the map, each coloured by its current cases.
    await page.locator('nav.breadcrumb a', { hasText: '永州市' }).click();
    await page.locator('.dash-map canvas').waitFor();
    const data = await mapData(page);
    assert.deepEqual(data.map((x) => x.name).sort(), d.children.map((c) => c.code).sort());
    for (const c of d.children) assert.equal(data.find((x) => x.name === c.code).value, c.cases_current, c.name);
    // The wall screen: 1920x1080 filled, nothing to scroll or cut, no header, labels for 3 m.
    await page.setViewportSize({ width: 1920, height: 1080 });
    await page.locator('a.wall-toggle', { hasText: '大屏模式' }).click();
    await page.waitForURL('**/dashboard/4311?wall=1');
    await page.locator('.dash.wall .dash-map canvas').waitFor();
    const wall = await page.evaluate(() => {
      const dash = document.querySelector('.dash.wall'), root = document.documentElement;
      const px = (sel) => parseFloat(getComputedStyle(document.querySelector(sel)).fontSize);
      const boxes = [...dash.querySelectorAll('.dash-tile, .dash-panel, .dash-head')].filter((e) => e.offsetParent);
      return {
        scroll: [root.scrollHeight - root.clientHeight, root.scrollWidth - root.clientWidth, dash.scrollHeight - dash.clientHeight],
        outside: boxes.filter((e) => { const b = e.getBoundingClientRect(); return b.bottom > innerHeight || b.right > innerWidth; }).length,
        header: getComputedStyle(document.querySelector('header.topbar')).display,
        fonts: [px('.dash-tile .label'), px('.dash-tile[data-tile=cases] .value'), px('.dash-regions h2')],
      };
    });
    assert.deepEqual([wall.scroll, wall.outside, wall.header], [[0, 0, 0], 0, 'none']);
    assert.ok(wall.fonts[0] >= 24 && wall.fonts[1] >= 44 && wall.fonts[2] >= 24, `font sizes ${wall.fonts}`);
    // The median response of today's alerts, in words; in the first minutes of a
    // China day no alert raised that day has been acknowledged yet, and it reads "–".
    const acks = (await api.get('/api/v1/dashboard?region=4311')).body.alerts;
    const sub = await page.locator('.dash-tile[data-tile=alerts] small').textContent();
    if (acks.ack_median_bucket === null) {
      assert.equal(acks.acknowledged_today, 0);
      assert.match(sub, /响应中位 –$/);
    } else {
      assert.match(sub, /响应中位 (\d+ 分钟|\d+(\.\d)? 小时|超过 1 天)$/);
    }
    await page.screenshot({ path: `${SHOTS}/dashboard-wall-1920.png` });
    // A county clicked on the map opens its view, on the wall still.
    const at = await countyPoint(page, '431122');
    await page.mouse.click(at.x, at.y);
    await page.waitForURL('**/dashboard/431122?wall=1');
    await page.locator('section.dash.wall[data-region="431122"] h1', { hasText: '东安县' }).waitFor();
    // 未处置预警 is a link to the county's alert inbox, the unresolved ones, as many as the tile says.
    await page.locator('a.wall-toggle', { hasText: '退出大屏' }).click();
    await page.waitForURL('**/dashboard/431122');
    const open = (await api.get('/api/v1/dashboard?region=431122')).body.alerts.open;
    await page.locator('a.dash-tile[data-tile=alerts]').click();
    await page.waitForURL('**/alerts/431122?status=unresolved');
    assert.equal((await page.locator('nav.filters .chip.active').textContent()).trim(), '未处置');
    await page.locator('table.alert-list tbody tr').first().waitFor();
    const listed = await api.get('/api/v1/alerts?region=431122&status=unresolved&limit=500');
    assert.equal(listed.body.items.length, open);
    assert.deepEqual(page.errors, []);
  } finally {
    await demo.stop();
  }
});
