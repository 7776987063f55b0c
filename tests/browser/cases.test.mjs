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
import { buildCity, count, launch, loginForm, openPage, PERSONS, pickPerson, SHOTS } from './browser.mjs';

let srv, admin, health, browser, hospital, first, second;
const ids = {}; // person ids by name

const day = (d = 0) => new Date(Date.now() + 8 * 3600e3 + d * 86400e3).toISOString().slice(0, 10);

before(async () => {
  srv = await startServer();
  admin = await buildCity(srv, { persons: true });
  health = await srv.as('health');
  await srv.as('commander');
  const persons = (await admin.get('/api/v1/persons?limit=50')).body.items;
  const byName = Object.fromEntries(persons.map((p) => [p.name, p.id]));
  Object.assign(ids, byName);
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

// "2026-12-05" -> [12, 5]
const monthDay = (d) => d.slice(5).split('-').map(Number);

test('bulletin page: the API figures, child regions, curve, printable public page', async () => {
  const page = await openPage(browser, srv);
  await page.goto('/bulletin/4311');
  await loginForm(page, 'commander_4311', PASSWORD);
  // by default the last complete day (yesterday, China time): every case was recorded today
  await page.locator('.bulletin-figures .fig-confirmed_total[data-value="0"]').waitFor();
  assert.equal(await page.locator('input[name=date]').inputValue(), day(-1));
  const [ym, yd] = monthDay(day(-1));
  await page.locator('pre.bulletin-text', { hasText: `截至${ym}月${yd}日24时,全市累计报告确诊病例0例` }).waitFor();
  assert.equal(await page.locator('.partial').count(), 0);
  // today, asked for: the figures so far, said to be so
  await page.locator('input[name=date]').fill(day());
  await page.locator('input[name=date]').dispatchEvent('change');
  await page.waitForURL(new RegExp(`/bulletin/4311\\?date=${day()}`));
  await page.locator('.bulletin-figures .fig-confirmed_total[data-value="2"]').waitFor();
  await page.locator('.partial').waitFor();
  const api = (await admin.get(`/api/v1/bulletin?region=4311&date=${day()}`)).body;
  for (const f of ['confirmed_new', 'confirmed_total', 'hospitalised_now', 'contacts_total', 'observing_now']) {
    assert.equal(count(await page.locator(`.fig-${f} .value`).textContent()), api.figures[f], f);
  }
  assert.equal(api.figures.confirmed_total, 2);
  const rows = await page.locator('table.bulletin-children tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.code));
  assert.deepEqual(rows, api.children.map((c) => c.code));
  assert.match(await page.locator('pre.bulletin-text').textContent(), /全市累计报告确诊病例2例/);
  // in English the narrative is English: no Chinese but the names (data)
  await page.locator('.lang button[lang=en]').click();
  await page.locator('pre.bulletin-text[lang=en]', { hasText: 'had reported 2 confirmed cases in total' }).waitFor();
  let english = await page.locator('pre.bulletin-text').textContent();
  for (const name of [api.region.name, api.disease, ...api.children.map((c) => c.name)]) english = english.split(name).join('');
  assert.doesNotMatch(english, /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/, english);
  assert.doesNotMatch(await page.locator('main, .page').first().textContent(), /截至|今天尚未结束/);
  await page.screenshot({ path: `${SHOTS}/bulletin-en.png`, fullPage: true });
  await page.locator('.lang button[lang="zh-CN"]').click();
  await page.locator('pre.bulletin-text[lang=zh-CN]').waitFor();
  // the narrative wraps: the page is never wider than the window (issue 19), also on a phone
  // (after a resize the charts follow on their own resize handler: the page
  // must fit once layout has settled, within 2 s)
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const fits = () => page.waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth, null, { timeout: 2000 })
    .then(() => true, () => false);
  assert.ok(await fits(), `page wider than the window by ${await overflow()} px`);
  await page.setViewportSize({ width: 375, height: 740 });
  assert.ok(await fits(), `phone: page wider than the window by ${await overflow()} px`);
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
  await anon.goto(`/public/bulletin?date=${day()}`);
  await anon.locator('h1', { hasText: '疫情通报' }).waitFor();
  const text = await anon.locator('body').textContent();
  assert.match(text, /全市累计报告确诊病例2例/);
  for (const [, name, id] of PERSONS) {
    assert.ok(!text.includes(name) && !text.includes(id), `${name} must not appear`);
  }
  // on a phone the table scrolls in its box: region names stay on one line, the page fits
  await anon.setViewportSize({ width: 375, height: 740 });
  const phone = await anon.evaluate(() => {
    const cells = [...document.querySelectorAll('tbody td:first-child')];
    const line = parseFloat(getComputedStyle(cells[0]).lineHeight);
    return {
      overflow: document.documentElement.scrollWidth - window.innerWidth,
      cells: cells.length,
      tallest: Math.max(...cells.map((c) => c.getBoundingClientRect().height)) / line,
    };
  });
  assert.ok(phone.cells >= 2, 'the children table is there');
  assert.ok(phone.overflow <= 0, `phone: public page wider than the window by ${phone.overflow} px`);
  assert.ok(phone.tallest < 1.8, `a region name breaks over ${phone.tallest.toFixed(1)} lines`);
  await anon.screenshot({ path: `${SHOTS}/public-bulletin-375.png`, fullPage: true });
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
  // the history names the field changed in words, not its key
  assert.equal(await page.locator('table.history tbody tr').nth(1).locator('td').nth(3).textContent(), '收治场所');
  // transferred out to care outside the jurisdiction: shown with its day
  await page.locator('form.change-case input[name=transferred_to]').fill('湖南省人民医院');
  await page.locator('form.change-case button[type=submit]').click();
  await page.locator('.details .transferred', { hasText: '湖南省人民医院' }).waitFor();
  // a refused transition shows the state machine's message
  await page.locator('form.change-case select[name=status]').selectOption('suspected');
  await page.locator('form.change-case button[type=submit]').click();
  await page.locator('form.change-case .error', { hasText: '确诊病例不能改回疑似病例' }).waitFor();
  // the field is named in words, never by its key
  assert.deepEqual(await page.locator('form.change-case .error .field-name').allTextContents(), ['状态']);
  await page.reload();
  await page.locator('table.history tbody tr').nth(2).waitFor();
  assert.equal(await page.locator('table.history tbody tr').count(), 3);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('a colour per status, where each case lives, the graph in words; a close contact added here or asked for elsewhere', async () => {
  const page = await openPage(browser, srv);
  await page.goto('/cases/4311');
  await loginForm(page, 'health_4311', PASSWORD);
  const row = page.locator(`table.case-list tr[data-id="${first.id}"]`);
  await row.waitFor();
  assert.equal(await row.locator('td.where').textContent(), '东安县 · 雍景园小区');
  assert.equal(await row.locator('.status-confirmed').evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(198, 40, 40)');
  // below the county only the township is said (and the grid)
  await page.goto('/cases/431122');
  await row.locator('td.where', { hasText: '白牙市镇 · 雍景园小区' }).waitFor();

  await page.goto(`/cases/4311/${second.id}`);
  await page.locator('.chain-graph canvas').waitFor();
  const option = (p = page) => p.evaluate(() => {
    const o = window.echarts.getInstanceByDom(document.querySelector('.chain-graph')).getOption();
    return { legend: o.legend[0].data, links: o.series[0].links.map((l) => l.text).sort(),
      tip: o.tooltip[0].formatter({ dataType: 'node', data: o.series[0].data.find((d) => d.kind === 'contact') }) };
  });
  let o = await option();
  assert.deepEqual(o.legend, ['确诊病例 2', '密切接触者 1']);
  assert.deepEqual(o.links, ['同住', '转为病例']);
  assert.match(o.tip, /^王\*\* · 密切接触者$/);
  assert.equal(await page.locator('.chain-count').textContent(), '病例 2 例,密切接触者 1 人,传播关系 2 条');

  // A contact who lives here, chosen by name: listed, in the graph.
  const form = page.locator('form.add-contact');
  assert.equal(await pickPerson(form, 'person_id', '李明'), String(ids['李明']));
  await form.locator('select[name=contact_type]').selectOption('social');
  await form.locator('button[type=submit]').click();
  await page.locator('table.contacts tbody tr', { hasText: '李明' }).locator('td', { hasText: '聚会/社交' }).waitFor();
  await page.locator('.chain-count', { hasText: '密切接触者 2 人' }).waitFor();
  // One who lives in another county cannot be registered here: a 协查函 goes there
  // (for the city's own health team that county is no "elsewhere": it says so).
  const elsewhere = async (f) => {
    await f.locator('input[name=where][value=elsewhere]').check();
    await f.locator('input[name=name]').fill('赵敏');
    await f.locator('input[name=phone]').fill('13607461111');
    await f.locator('select[name=region_code] option[value="431123"]').waitFor({ state: 'attached' });
    await f.locator('select[name=region_code]').selectOption('431123');
    await f.locator('button[type=submit]').click();
  };
  await elsewhere(form);
  await form.locator('.error', { hasText: '在您的管辖范围内,请直接登记密切接触者' }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.context().close();

  const county = await openPage(browser, srv);
  await srv.as('health', '431122');
  await county.goto(`/cases/431122/${second.id}`);
  await loginForm(county, 'health_431122', PASSWORD);
  const countyForm = county.locator('form.add-contact');
  await elsewhere(countyForm);
  const sent = countyForm.locator('.assist-sent');
  await sent.waitFor();
  const out = (await (await srv.as('health', '431122')).get('/api/v1/assist-requests?box=outbox')).body.items;
  assert.deepEqual(out.map((r) => [r.name, r.source_case_id, r.region_given, r.contact_type]), [['赵敏', second.id, '431123', 'household']]);
  assert.match(await sent.textContent(), new RegExp(`协查函 ${out[0].id} 已发出`));
  assert.equal(await sent.locator('a').getAttribute('href'), '/assists/431122?box=outbox');
  // In English: the contact type, the legend and the tooltips too.
  await county.locator('.lang button[lang=en]').click();
  await county.locator('table.contacts tbody tr', { hasText: '李明' }).locator('td', { hasText: 'social' }).waitFor();
  await county.locator('.chain-graph canvas').waitFor();
  await county.waitForFunction(() => window.echarts?.getInstanceByDom(document.querySelector('.chain-graph'))?.getOption().legend[0].data[0] === 'Confirmed 2');
  o = await option(county);
  assert.deepEqual(o.legend, ['Confirmed 2', 'Close contact 2']);
  assert.deepEqual(o.links, ['became a case', 'household', 'social']);
  assert.match(o.tip, /^\S+ · Close contact$/);
  assert.deepEqual(county.errors, []);
  await county.context().close();
});

test('report a case by choosing the person by name: a picker, not a person number', async () => {
  const page = await openPage(browser, srv);
  await page.goto('/cases/4311');
  await loginForm(page, 'health_4311', PASSWORD);
  const form = page.locator('form.report-case');
  const box = form.locator('.person-picker input[role=combobox]');
  await box.waitFor();
  // A partial ID number is not sent (a lookup is counted): nothing listed.
  await box.fill('4311');
  await page.waitForTimeout(300);
  assert.equal(await form.locator('[role=option]').count(), 0);
  await box.fill('陈桂');
  await form.locator('[role=option]', { hasText: '陈桂兰' }).waitFor();
  // with what tells two namesakes apart: the ID number (masked for roles without PII) and the grid
  assert.match(await form.locator('[role=option]').first().textContent(), /4311221954\S+ 431122102201001/);
  await box.press('Enter');
  await form.locator('.picker-value', { hasText: '陈桂兰' }).waitFor();
  const chosen = await form.locator('input[type=hidden][name=person_id]').inputValue();
  await form.locator('select[name=status]').selectOption('suspected');
  await form.locator('button[type=submit]').click();
  await page.waitForURL(/\/cases\/4311\/\d+$/);
  const id = Number(page.url().split('/').at(-1));
  const c = (await health.get(`/api/v1/cases/${id}`)).body;
  assert.equal(String(c.person_id), chosen);
  assert.equal(c.person_name, '陈桂兰');
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('bulletin page: a commander issues a finished day; a case typed in later shows as a correction', async () => {
  const page = await openPage(browser, srv);
  await page.goto(`/bulletin/4311?date=${day(-2)}`);
  await loginForm(page, 'commander_4311', PASSWORD);
  await page.locator('.publication .unpublished').waitFor();
  await page.locator('.publication button.issue').click();
  await page.locator('.publication .published', { hasText: 'commander_4311' }).waitFor();
  // A case of that day reaches us now: the issued bulletin is corrected, in the official wording.
  const persons = (await admin.get('/api/v1/persons?limit=50')).body.items;
  const late = persons.find((p) => !['李建国', '王秀英'].includes(p.name));
  const r = await health.post('/api/v1/cases', { person_id: late.id, status: 'confirmed', occurred_at: day(-2) });
  assert.equal(r.status, 201, r.text);
  await page.locator('.curve canvas').waitFor(); // loaded before the reload aborts nothing
  await page.reload();
  const [m, d] = monthDay(day(-2));
  await page.locator('.publication .corrections li', { hasText: `订正:${m}月${d}日新增确诊由0例订正为1例` }).waitFor();
  await page.locator('.curve canvas').waitFor();
  // Who may not issue sees no button.
  const viewer = await openPage(browser, srv);
  await srv.as('viewer');
  await viewer.goto(`/bulletin/4311?date=${day(-3)}`);
  await loginForm(viewer, 'viewer_4311', PASSWORD);
  await viewer.locator('.publication .unpublished').waitFor();
  assert.equal(await viewer.locator('.publication button.issue').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.context().close();
  await viewer.context().close();
});
