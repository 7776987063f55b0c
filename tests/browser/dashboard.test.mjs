// dashboard.test.mjs -- the commanders' home page in a real browser: the
// city's tiles, trend and child-region charts; drilling down from the city
// through county, township and village to a grid by clicking child regions;
// an abnormal health report posted through the API arriving over SSE and
// changing the alert tile without a reload; English; a wall screen layout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, startServer } from '../api/lib.mjs';
import { buildCity, count, launch, loginForm, openPage, SHOTS } from './browser.mjs';

const GRID = '431122101201001';
let srv, admin, browser, personId;

function day(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

before(async () => {
  srv = await startServer();
  admin = await buildCity(srv, { persons: true });
  srv.user('commander', '4311');
  let r = await admin.get(`/api/v1/persons?region=${GRID}`);
  personId = r.body.items.find((p) => p.name === '李建国').id;
  r = await admin.post('/api/v1/observations', { person_id: personId, kind: 'home', reason: 'travel', start_date: day(-2) });
  assert.equal(r.status, 201, r.text);
  r = await admin.post('/api/v1/response-levels', { region_code: '4311', level: 1, effective_date: day(-5) });
  assert.equal(r.status, 201, r.text);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

const tile = (page, k) => page.locator(`.dash-tile[data-tile=${k}] .value`);

test('drill down from the city to a grid by clicking child regions', async () => {
  const page = await openPage(browser, srv);
  await page.goto('/dashboard/4311');
  await loginForm(page, 'commander_4311', PASSWORD);
  await page.locator('h1', { hasText: '疫情防控指挥一张图' }).waitFor();
  assert.equal((await tile(page, 'level').textContent()).trim(), '一级响应');
  assert.equal(count(await tile(page, 'observation').textContent()), 1);
  await page.locator('.dash-chart canvas').first().waitFor(); // ECharts drew
  for (const [name, code] of [['东安县', '431122'], ['白牙市镇', '431122101'], ['茶亭社区', '431122101201'], ['雍景园小区', GRID]]) {
    await page.locator('table.dash-children th a', { hasText: name }).click();
    await page.waitForURL(`**/dashboard/${code}`);
    await page.locator(`section.dash[data-region="${code}"] h1`, { hasText: name }).waitFor();
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
  // Six tiles a row on a wall screen.
  const cols = await page.locator('.dash-tiles').evaluate((el) => getComputedStyle(el).gridTemplateColumns.split(' ').length);
  assert.equal(cols, 6);
  await page.screenshot({ path: `${SHOTS}/dashboard-wall.png`, fullPage: true });
  assert.deepEqual(page.errors, []);
});

test('the demo city: the city commander sees every county and drills down to 雍景园小区', async () => {
  const demo = await startServer({ demo: { scale: 0.001, seed: 1 } });
  try {
    const api = await demo.login('commander_city', 'Demo-2026');
    const page = await openPage(browser, demo);
    await page.goto('/dashboard');
    await loginForm(page, 'commander_city', 'Demo-2026');
    await page.waitForURL('**/dashboard/4311');
    const d = (await api.get('/api/v1/dashboard?region=4311')).body;
    assert.equal(d.children.length, 11);
    assert.equal(await page.locator('table.dash-children tbody tr').count(), 11);
    for (const c of d.children) {
      const row = page.locator(`table.dash-children tr[data-code="${c.code}"]`);
      assert.equal((await row.locator('th a').textContent()).trim(), c.name);
      assert.equal(count(await row.locator('td').first().textContent()), c.obs_active);
    }
    // Down the story's path, one click per level.
    let code = '4311';
    for (const next of ['431122', '431122101', '431122101201', '431122101201001']) {
      const child = (await api.get(`/api/v1/dashboard?region=${code}`)).body.children.find((c) => c.code === next);
      await page.locator(`table.dash-children tr[data-code="${next}"] th a`).click();
      await page.locator(`section.dash[data-region="${next}"] h1`, { hasText: child.name }).waitFor();
      code = next;
    }
    await page.locator('section.dash h1', { hasText: '雍景园小区' }).waitFor();
    assert.deepEqual(page.errors, []);
  } finally {
    await demo.stop();
  }
});
