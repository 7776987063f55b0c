// cases.test.mjs -- the case pages in a real browser: the bulletin page shows
// the API's figures and child regions, draws the epidemic curve and links the
// printable public page (which opens without login and names nobody); the case
// registry lists the region's cases; a case page shows the four-concentrations
// warning until the case is placed in a designated hospital, its history grows
// with each change, and its transmission graph is drawn by ECharts with the
// API's nodes; clicking through keeps working after a reload.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, startServer } from '../api/lib.mjs';
import { buildCity, count, launch, loginForm, openPage, PERSONS } from './browser.mjs';

let srv, admin, health, browser, hospital, first, second;

const day = (d = 0) => new Date(Date.now() + 8 * 3600e3 + d * 86400e3).toISOString().slice(0, 10);

before(async () => {
  srv = await startServer();
  admin = await buildCity(srv, { persons: true });
  health = await srv.as('health');
  await srv.as('commander');
  const persons = (await admin.get('/api/v1/persons?limit=50')).body.items;
  const byName = Object.fromEntries(persons.map((p) => [p.name, p.id]));
  let r = await health.post('/api/v1/sites', { kind: 'designated_hospital', name: '永州市中心医院', region_code: '4311', capacity: 50 });
  hospital = r.body;
  r = await health.post('/api/v1/cases', { person_id: byName['李建国'], status: 'confirmed', site_id: hospital.id, onset_date: day(-3) });
  assert.equal(r.status, 201, r.text);
  first = r.body;
  r = await health.post('/api/v1/contacts', { person_id: byName['王秀英'], source_case_id: first.id, contact_type: 'household', last_contact_date: day(-1) });
  assert.equal(r.status, 201, r.text);
  r = await health.post('/api/v1/cases', { observation_id: r.body.observation.id, status: 'confirmed' });
  assert.equal(r.status, 201, r.text);
  second = r.body;
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

test('bulletin page: the API figures, child regions, curve, printable public page', async () => {
  const page = await openPage(browser, srv);
  await page.goto('/bulletin/4311');
  await loginForm(page, 'commander_4311', PASSWORD);
  await page.locator('.bulletin-figures .fig-confirmed_total').waitFor();
  const api = (await admin.get(`/api/v1/bulletin?region=4311&date=${day()}`)).body;
  for (const f of ['confirmed_new', 'confirmed_total', 'hospitalised_now', 'contacts_total', 'observing_now']) {
    assert.equal(count(await page.locator(`.fig-${f} .value`).textContent()), api.figures[f], f);
  }
  assert.equal(api.figures.confirmed_total, 2);
  const rows = await page.locator('table.bulletin-children tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.code));
  assert.deepEqual(rows, api.children.map((c) => c.code));
  assert.match(await page.locator('pre.bulletin-text').textContent(), /全市累计报告确诊病例2例/);
  // the narrative wraps: the page is never wider than the window (issue 19), also on a phone
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(await overflow() <= 0, `page wider than the window by ${await overflow()} px`);
  await page.setViewportSize({ width: 375, height: 740 });
  assert.ok(await overflow() <= 0, `phone: page wider than the window by ${await overflow()} px`);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.locator('.curve canvas').waitFor();
  // a child region, then yesterday: nothing confirmed before today
  await page.locator('table.bulletin-children a', { hasText: '东安县' }).click();
  await page.waitForURL(/\/bulletin\/431122\?date=/);
  await page.locator('h1', { hasText: '东安县' }).waitFor();
  await page.locator('input[name=date]').fill(day(-1));
  await page.locator('input[name=date]').dispatchEvent('change');
  await page.waitForURL(new RegExp(`date=${day(-1)}`));
  await page.locator(`.fig-confirmed_total[data-value="0"]`).waitFor();
  const href = await page.locator('a.print').getAttribute('href');
  assert.equal(href, `/public/bulletin?region=431122&date=${day(-1)}`);
  assert.deepEqual(page.errors, []);

  // the public page: no login, no names
  const anon = await openPage(browser, srv);
  await anon.goto('/public/bulletin');
  await anon.locator('h1', { hasText: '疫情通报' }).waitFor();
  const text = await anon.locator('body').textContent();
  assert.match(text, /全市累计报告确诊病例2例/);
  for (const [, name, id] of PERSONS) {
    assert.ok(!text.includes(name) && !text.includes(id), `${name} must not appear`);
  }
  await anon.context().close();
  await page.context().close();
});

test('case registry, case page with the four-concentrations warning, history and the graph', async () => {
  const page = await openPage(browser, srv);
  await page.goto('/cases/4311');
  await loginForm(page, 'health_4311', PASSWORD);
  await page.locator('table.case-list tbody tr').first().waitFor();
  const ids = await page.locator('table.case-list tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.id)));
  assert.deepEqual(ids.sort(), [first.id, second.id].sort());
  assert.equal(await page.locator(`tr[data-id="${second.id}"] .outside`).count(), 1);

  await page.locator(`tr[data-id="${second.id}"] a`).click();
  await page.waitForURL(new RegExp(`/cases/4311/${second.id}$`));
  await page.locator('.outside-note').waitFor();
  await page.locator('.chain-graph canvas').waitFor();
  const chain = (await health.get(`/api/v1/cases/${second.id}/chain`)).body;
  const shown = page.locator('.chain-count');
  assert.equal(Number(await shown.getAttribute('data-nodes')), chain.nodes.length);
  assert.equal(Number(await shown.getAttribute('data-edges')), chain.edges.length);
  assert.equal(chain.nodes.length, 3);
  // the ECharts instance holds the API's nodes
  const names = await page.evaluate(() => {
    const el = document.querySelector('.chain-graph');
    return window.echarts.getInstanceByDom(el).getOption().series[0].data.map((d) => d.id).sort();
  });
  assert.deepEqual(names, chain.nodes.map((n) => n.id).sort());
  assert.equal(await page.locator('table.history tbody tr').count(), 1);

  // place it in the designated hospital: the warning goes, the history grows
  await page.locator('form.change-case select[name=site_id]').selectOption(String(hospital.id));
  await page.locator('form.change-case button[type=submit]').click();
  await page.locator('table.history tbody tr').nth(1).waitFor();
  assert.equal(await page.locator('.outside-note').count(), 0);
  // a refused transition shows the state machine's message
  await page.locator('form.change-case select[name=status]').selectOption('suspected');
  await page.locator('form.change-case button[type=submit]').click();
  await page.locator('form.change-case .error', { hasText: '确诊病例不能改回疑似病例' }).waitFor();
  await page.reload();
  await page.locator('table.history tbody tr').nth(1).waitFor();
  assert.equal(await page.locator('table.history tbody tr').count(), 2);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});
