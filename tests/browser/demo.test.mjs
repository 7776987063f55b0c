// demo.test.mjs -- the pages on the demo city (`epigrid demo`), as a person
// trying it out would use them: demo users log in with the documented
// password, the region browser reaches the story's 雍景园小区 with its 1,183
// households, and person search finds a demo person by name and ID number.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../api/lib.mjs';
import { count, launch, loginForm, openPage, SHOTS } from './browser.mjs';

const DEMO_PASSWORD = 'Demo-2026';
const YONGJINGYUAN = '431122100013001';
let srv, health, browser;

before(async () => {
  srv = await startServer({ demo: { scale: 0.001, seed: 1 } });
  health = await srv.login('health_dongan', DEMO_PASSWORD); // sees full ID numbers in scope
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

test('a county commander drills down to 雍景园小区 and its 1,183 households', async () => {
  const page = await openPage(browser, srv);
  await page.goto('/regions'); // the region browser at the jurisdiction root ("/" is the dashboard)
  await loginForm(page, 'commander_dongan', DEMO_PASSWORD);
  assert.equal(await page.locator('.topbar .display-name').textContent(), '东安县疫情防控指挥部');
  assert.equal(await page.locator('.topbar .scope').textContent(), '东安县');
  await page.waitForURL(/\/regions\/431122$/);
  const county = (await health.get('/api/v1/regions/431122')).body;
  await page.locator('.figures .persons', { hasText: county.stats.persons.toLocaleString('zh-CN') }).waitFor();
  const api = (await health.get('/api/v1/regions/431122/children')).body.items;
  assert.ok(api.length > 0);
  assert.equal(await page.locator('table.children tbody tr').count(), api.length);
  for (const c of api) {
    const row = page.locator(`table.children tr[data-code="${c.code}"]`);
    assert.equal(await row.locator('td.name a').textContent(), c.name);
    assert.equal(count(await row.locator('td.households').textContent()), c.stats.households);
    assert.equal(count(await row.locator('td.persons').textContent()), c.stats.persons);
  }
  for (const name of ['白牙市镇', '茶亭社区', '雍景园小区']) {
    await page.locator('table.children a', { hasText: name }).click();
    await page.locator('h1', { hasText: name }).waitFor();
  }
  assert.match(page.url(), new RegExp(`/regions/${YONGJINGYUAN}$`));
  await page.locator('.figures .households', { hasText: '1,183' }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('person search finds a demo person by name and by ID number', async () => {
  const [person] = (await health.get(`/api/v1/persons?region=${YONGJINGYUAN}&limit=1`)).body.items;
  assert.ok(person && !person.pii_masked, 'a demo person with the full ID number');
  const page = await openPage(browser, srv);
  await page.goto('/persons/431122');
  await loginForm(page, 'commander_dongan', DEMO_PASSWORD);

  await page.locator('#person-query').fill(person.name);
  await page.locator('form.search button[type=submit]').click();
  await page.locator(`table.persons-table tr[data-id="${person.id}"]`).waitFor();
  const names = await page.locator('table.persons-table td.name').allTextContents();
  assert.ok(names.every((n) => n === person.name), names.join(' '));

  await page.locator('#person-query').fill(person.id_number);
  await page.locator('form.search button[type=submit]').click();
  await page.waitForURL(/id_number=/);
  // The search result replaces the name's results: wait until the table holds
  // one row (the loading indicator may come and go before the check sees it).
  await page.waitForFunction(() => {
    const trs = document.querySelectorAll('table.persons-table tbody tr');
    return trs.length === 1 && !document.querySelector('section.persons p.loading');
  }, null, { timeout: 10000 });
  const ids = await page.locator('table.persons-table tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.id)));
  assert.deepEqual(ids, [person.id]);
  // a commander sees it masked and has no unmask button
  assert.notEqual(await page.locator('td.id-number').textContent(), person.id_number);
  assert.equal(await page.locator('button.unmask').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a grid worker on a phone lands on their grid\'s field work, with their own tasks in a bottom tab bar', async () => {
  const page = await openPage(browser, srv, { viewport: { width: 375, height: 740 } });
  await page.goto('/');
  await loginForm(page, 'grid_yongjingyuan', DEMO_PASSWORD);
  await page.waitForURL(new RegExp(`/field/${YONGJINGYUAN}$`));
  // Only their own work, in their order; no command-room links; a slim header.
  const tabs = page.locator('.mainnav > a');
  assert.deepEqual(await tabs.allTextContents().then((x) => x.map((s) => s.trim())), ['网格工作', '预警处置', '人员查询', '地区', '排查进度']);
  assert.equal(await page.locator('.mainnav a', { hasText: '指挥大屏' }).count(), 0);
  assert.equal((await page.locator('.mainnav > a[aria-current=page]').textContent()).trim(), '网格工作');
  const bar = await page.locator('.mainnav').boundingBox();
  assert.ok(bar.y + bar.height >= 739 && bar.y > 600, `a bottom tab bar: ${JSON.stringify(bar)}`);
  for (const box of await tabs.evaluateAll((as) => as.filter((a) => a.offsetParent).map((a) => a.getBoundingClientRect().height)))
    assert.ok(box >= 44, `tab height ${box}`);
  assert.ok((await page.locator('header.topbar').boundingBox()).height <= 100, 'the header is slim');
  // The fifth link waits under 更多.
  await page.locator('.nav-more summary').click();
  await page.locator('.nav-more-list a', { hasText: '排查进度' }).waitFor();
  await page.locator('.nav-more summary').click();
  await page.locator('.mainnav > a', { hasText: '地区' }).click();
  await page.waitForURL(new RegExp(`/regions/${YONGJINGYUAN}$`));
  await page.locator('.figures .households', { hasText: '1,183' }).waitFor();
  // the grid's page is not a dead end: who is responsible, alerts, persons under observation, households
  for (const block of ['grid-duty', 'grid-alerts', 'grid-observed', 'grid-households'])
    await page.locator(`.grid-view .${block} h2`).waitFor();
  await page.locator('.grid-view .grid-households li').first().waitFor();
  assert.equal(await page.locator('.grid-view .grid-households li').count(), 100);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);
  assert.equal(await page.locator('.topbar .role').textContent(), '网格员');
  await page.getByRole('link', { name: '在本地区查询人员' }).click();
  await page.locator('table.persons-table tbody tr').first().waitFor();
  // their own grid: full values, nothing to unmask
  assert.equal(await page.locator('button.unmask').count(), 0);
  assert.match(await page.locator('td.id-number').first().textContent(), /^\d{17}[\dX]$/);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);
  await page.screenshot({ path: `${SHOTS}/epigrid-demo-grid-375.png`, fullPage: false });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
