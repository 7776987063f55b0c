// regions.test.mjs -- the region browser in a real browser: the figures on
// the page are the API's, clicking a child drills down, the breadcrumb and
// the browser's back button go up, and the URL survives a reload.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../api/lib.mjs';
import { buildCity, count, launch, loginForm, openPage, PERSONS } from './browser.mjs';
import { PASSWORD } from '../api/lib.mjs';

let srv, admin, browser;

before(async () => {
  srv = await startServer();
  admin = await buildCity(srv, { persons: true });
  await srv.as('viewer', '431122101');
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

// The children table as {code: {name, households, persons}}.
async function childrenOnPage(page) {
  const rows = await page.locator('table.children tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      code: tr.dataset.code,
      name: tr.querySelector('td.name a').textContent,
      households: tr.querySelector('td.households').textContent,
      persons: tr.querySelector('td.persons').textContent,
    })),
  );
  return Object.fromEntries(rows.map((r) => [r.code, { name: r.name, households: count(r.households), persons: count(r.persons) }]));
}

async function childrenFromApi(code) {
  const r = await admin.get(`/api/v1/regions/${code}/children`);
  assert.equal(r.status, 200, r.text);
  return Object.fromEntries(r.body.items.map((c) => [c.code, { name: c.name, households: c.stats.households, persons: c.stats.persons }]));
}

// Waits until the page shows region "code" (its heading and its children).
async function shows(page, code, name) {
  await page.waitForURL(new RegExp(`/regions/${code}$`));
  await page.locator('h1', { hasText: name }).waitFor();
  await page.locator('section.regions[aria-busy=false]').waitFor();
}

test('figures match the API at every level, drill-down and back up', async () => {
  const page = await openPage(browser, srv);
  await page.goto('/');
  await loginForm(page, 'admin_4311', PASSWORD);
  await shows(page, '4311', '永州市');

  // the city: its own figures and each county's
  const city = (await admin.get('/api/v1/regions/4311')).body;
  assert.equal(count(await page.locator('.figures .persons').textContent()), city.stats.persons);
  assert.equal(count(await page.locator('.figures .households').textContent()), city.stats.households);
  assert.equal(city.stats.persons, PERSONS.length, 'the city holds every person made');
  assert.deepEqual(await childrenOnPage(page), await childrenFromApi('4311'));

  // drill down county > township > village > grid by clicking names
  const chain = [['431122', '东安县'], ['431122101', '白牙市镇'], ['431122101201', '茶亭社区'], ['431122101201001', '雍景园小区']];
  for (const [code, name] of chain) {
    await page.locator(`table.children tr[data-code="${code}"] a`).click();
    await shows(page, code, name);
    if (code.length < 15) assert.deepEqual(await childrenOnPage(page), await childrenFromApi(code));
  }
  // a grid has no children but its own read-only view: its three households listed
  await page.locator('.grid-view .grid-households li').nth(2).waitFor();
  assert.equal(await page.locator('.grid-view .grid-households li').count(), 3);
  assert.equal(await page.locator('table.children').count(), 0);
  assert.equal(count(await page.locator('.figures .persons').textContent()), 3);
  assert.equal(count(await page.locator('.figures .households').textContent()), 3);
  // the breadcrumb names the whole path, the current region last
  assert.deepEqual(await page.locator('.breadcrumb li').allTextContents(), ['永州市', '东安县', '白牙市镇', '茶亭社区', '雍景园小区']);

  // the breadcrumb goes up
  await page.locator('.breadcrumb a', { hasText: '白牙市镇' }).click();
  await shows(page, '431122101', '白牙市镇');
  // the back button returns to the grid, forward to the township
  await page.goBack();
  await shows(page, '431122101201001', '雍景园小区');
  await page.goForward();
  await shows(page, '431122101', '白牙市镇');
  // a reload stays where it is
  await page.reload();
  await shows(page, '431122101', '白牙市镇');
  assert.deepEqual(await childrenOnPage(page), await childrenFromApi('431122101'));
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a township user starts at their township and sees no ancestors', async () => {
  const page = await openPage(browser, srv);
  await page.goto('/');
  await loginForm(page, 'viewer_431122101', PASSWORD);
  // a viewer's home is the dashboard of the jurisdiction; the region browser is a tab away
  await page.waitForURL(/\/dashboard\/431122101$/);
  await page.locator('.mainnav a', { hasText: '地区' }).click();
  await shows(page, '431122101', '白牙市镇');
  assert.deepEqual(await page.locator('.breadcrumb li').allTextContents(), ['白牙市镇']);
  assert.equal(await page.locator('.topbar .scope').textContent(), '白牙市镇');
  // a viewer has no registry_read: no person search anywhere
  assert.equal(await page.getByRole('link', { name: '人员查询' }).count(), 0);
  assert.equal(await page.getByRole('link', { name: '在本地区查询人员' }).count(), 0);
  await page.locator('table.children tr[data-code="431122101201"] a').click();
  await shows(page, '431122101201', '茶亭社区');
  assert.deepEqual(await page.locator('.breadcrumb li').allTextContents(), ['白牙市镇', '茶亭社区']);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
