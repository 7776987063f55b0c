// hq.test.mjs -- the command HQ desk in a real browser: a county commander
// issues a directive through the form, a village worker signs for it on
// their own page and the commander sees the unit turn read; an inspector
// records an inspection with a finding, the commander rectifies it with
// evidence and the inspector verifies it; a broadcast is published and its
// Mandarin audio plays in the page's <audio>; a level is set and shown; a
// bad form shows the server's field messages.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, startServer } from '../api/lib.mjs';
import { buildCity, launch, loginForm, openPage, pickRegion, SHOTS } from './browser.mjs';

const COUNTY = '431122';
const VILLAGE = '431122101201';
let srv, browser;

before(async () => {
  srv = await startServer();
  await buildCity(srv);
  srv.user('commander', COUNTY);
  srv.user('grid_worker', VILLAGE, { displayName: '赵支书' });
  srv.user('inspector', COUNTY);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

// Page errors, without the requests the page itself abandons on purpose (the
// event stream on reload, the media element's range requests).
const errors = (page) => page.errors.filter((e) => !/ERR_ABORTED/.test(e));

async function as(username, path) {
  const page = await openPage(browser, srv);
  await page.goto(path);
  await loginForm(page, username, PASSWORD);
  return page;
}

test('a directive issued through the form, signed for by a village, receipts update', async () => {
  const hq = await as(`commander_${COUNTY}`, `/hq/${COUNTY}?tab=directives`);
  const form = hq.locator('form.issue-form');
  // The target region is shown by its name, chosen by name, never typed as a code.
  await form.locator('.region-picker .picker-value', { hasText: '东安县' }).waitFor();
  assert.equal(await form.locator('input[inputmode=numeric]').count(), 0);
  // Empty title: the server's field message, nothing issued.
  await form.locator('textarea[name=body]').fill('正文');
  await form.locator('input[name=title]').evaluate((el) => el.removeAttribute('required'));
  await form.locator('button[type=submit]').click();
  await form.locator('.error .field-name', { hasText: '标题' }).waitFor(); // named in words, never by its key
  assert.equal(await form.locator('.error code').count(), 0);
  await form.locator('input[name=title]').fill('关于开展拉网式排查的紧急通知');
  await form.locator('textarea[name=body]').fill('各村(社区)要立即开展拉网式排查。');
  await Promise.all([
    hq.waitForResponse((r) => r.url().endsWith('/api/v1/directives') && r.status() === 201),
    form.locator('button[type=submit]').click(),
  ]);
  const unit = hq.locator(`.receipts-table tr[data-unit="${VILLAGE}"]`);
  await unit.waitFor();
  assert.match(await unit.textContent(), /未签收/);

  const village = await as(`grid_worker_${VILLAGE}`, `/hq/${VILLAGE}?tab=directives`);
  const item = village.locator('.hq-list.directives li.unread', { hasText: '关于开展拉网式排查的紧急通知' });
  await item.locator('button.link').click();
  await item.locator('button.sign').click();
  await village.locator('.hq-list.directives li .signed').waitFor();
  await village.locator('.hq-list.directives li.unread').waitFor({ state: 'detached' });

  await hq.reload();
  await hq.locator('.hq-list.directives li button.link').first().click();
  // who signed, by the name people know, not the username (issue 19)
  const signed = hq.locator(`.receipts-table tr[data-unit="${VILLAGE}"] td.read-by`, { hasText: '赵支书' });
  await signed.waitFor();
  assert.equal(await signed.getAttribute('title'), `grid_worker_${VILLAGE}`);
  assert.ok(!(await signed.textContent()).includes('grid_worker'));
  await hq.screenshot({ path: `${SHOTS}/hq-directives.png`, fullPage: true });
  assert.deepEqual(errors(hq), []);
  assert.deepEqual(errors(village), []);
});

test('inspection: recorded with a finding, rectified with evidence, verified', async () => {
  const insp = await as(`inspector_${COUNTY}`, `/hq/${COUNTY}?tab=inspections`);
  const form = insp.locator('form.inspection-form');
  await form.locator('input[name="findings[0].description"]').fill('卡口夜间无人值守');
  await form.locator('input[name="findings[0].responsible_unit"]').fill('白牙市镇人民政府');
  await form.locator('select[name="findings[0].category"]').selectOption('checkpoint');
  await Promise.all([
    insp.waitForResponse((r) => r.url().endsWith('/api/v1/inspections') && r.status() === 201),
    form.locator('button[type=submit]').click(),
  ]);
  const row = insp.locator('.inspection-detail tr[data-finding]');
  await row.waitFor();
  assert.match(await row.locator('td.status').textContent(), /待整改/);

  const cmd = await as(`commander_${COUNTY}`, `/hq/${COUNTY}?tab=inspections`);
  await cmd.locator('.hq-list.inspections li button.link').first().click();
  const crow = cmd.locator('.inspection-detail tr[data-finding]');
  await crow.locator('input[name=evidence_note]').fill('已安排专人 24 小时值守');
  await crow.locator('.rectify-form button').click();
  await crow.locator('td.status', { hasText: '已整改待核查' }).waitFor();

  await insp.reload();
  await insp.locator('.hq-list.inspections li button.link').first().click();
  await insp.locator('.inspection-detail tr[data-finding] button.verify').click();
  await insp.locator('.inspection-detail tr[data-finding] td.status', { hasText: '已核查销号' }).waitFor();
  await insp.locator('.counts', { hasText: '已销号 1' }).waitFor();
  // The category by the page's own words in either language (not the
  // server's Chinese label whatever the language).
  const category = insp.locator('.inspection-detail tr[data-finding] td').first();
  assert.equal((await category.textContent()).trim(), '卡口值守');
  await insp.locator('.lang button[lang=en]').click();
  await insp.locator('.inspection-detail tr[data-finding] td.status', { hasText: 'verified' }).waitFor();
  assert.equal((await category.textContent()).trim(), 'Checkpoint');
  assert.deepEqual(errors(insp), []);
  assert.deepEqual(errors(cmd), []);
});

test('a broadcast plays as audio in the page; a level is set and shown', async () => {
  const hq = await as(`commander_${COUNTY}`, `/hq/${COUNTY}?tab=broadcasts`);
  const form = hq.locator('form.broadcast-form');
  await form.locator('input[name=title]').fill('防疫提醒');
  await form.locator('textarea[name=body]').fill('勤洗手,戴口罩,少出门,不聚集。');
  await Promise.all([
    hq.waitForResponse((r) => r.url().endsWith('/api/v1/broadcasts') && r.status() === 201),
    form.locator('button[type=submit]').click(),
  ]);
  const audio = hq.locator('.hq-list.broadcasts li audio').first();
  await audio.waitFor();
  const duration = await audio.evaluate((a) => new Promise((resolve, reject) => {
    a.onloadedmetadata = () => resolve(a.duration);
    a.onerror = () => reject(new Error('audio failed to load'));
    a.preload = 'metadata';
    a.load();
  }));
  assert.ok(duration > 1, `duration ${duration}`);

  await hq.locator('.hq-tabs a', { hasText: '响应级别' }).click();
  const lf = hq.locator('form.level-form');
  await lf.locator('select[name=level]').selectOption('2');
  await lf.locator('input[name=note]').fill('调整为二级响应');
  await lf.locator('button[type=submit]').click();
  await hq.locator('.current-level', { hasText: '二级响应' }).waitFor();
  await hq.locator('.levels-table td', { hasText: '调整为二级响应' }).waitFor();
  assert.deepEqual(errors(hq), []);
});

test('leaders: a city leader linked to two counties sees them side by side', async () => {
  srv.user('commander', '4311');
  srv.user('commander', '4311', { username: 'leader_wang' });
  const hq = await as('commander_4311', '/hq/4311?tab=leaders');
  const form = hq.locator('form.link-form');
  // With nothing typed the picker is a tree: the jurisdiction, opened level by level.
  const picker = form.locator('.region-picker');
  await picker.locator('.picker-clear').click();
  await picker.locator('input[role=combobox]').focus();
  await picker.locator('[role=option]', { hasText: '永州市' }).locator('.picker-open').dispatchEvent('pointerdown');
  await picker.locator('[role=option]', { hasText: '东安县' }).dispatchEvent('pointerdown');
  assert.equal(await picker.locator('input[type=hidden]').inputValue(), '431122');
  for (const code of ['431122', '431123']) {
    await form.locator('input[name=username]').fill('leader_wang');
    assert.equal(await pickRegion(form, 'region_code', code), code);
    await Promise.all([
      hq.waitForResponse((r) => r.url().endsWith('/api/v1/leader-links') && r.status() === 201),
      form.locator('button[type=submit]').click(),
    ]);
  }
  await hq.locator('table.leader-regions tr[data-code="431123"]').waitFor();
  assert.deepEqual(await hq.locator('table.leader-regions tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.code)),
    ['431122', '431123']);
  assert.match(await hq.locator('table.leader-regions tr[data-code="431122"] td').nth(1).textContent(), /二级响应|一级响应|–/);
  // Who supervises the regions under this one: the links listed per region.
  await hq.locator('table.region-leaders tr[data-code="431123"]').waitFor();
  assert.deepEqual(await hq.locator('table.region-leaders tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.code)),
    ['431122', '431123']);
  assert.match(await hq.locator('table.region-leaders tr[data-code="431122"] td').nth(1).textContent(), /leader_wang/);
  // A link already there: the server's message under the form.
  await form.locator('input[name=username]').fill('leader_wang');
  assert.equal(await pickRegion(form, 'region_code', '431122'), '431122');
  await form.locator('button[type=submit]').click();
  await form.locator('.error', { hasText: '已联系督导' }).waitFor();
  // The leader logs in and sees the same.
  const leader = await as('leader_wang', '/hq/4311?tab=leaders');
  await leader.locator('table.leader-regions tr[data-code="431122"] a', { hasText: '东安县' }).click();
  await leader.waitForURL('**/dashboard/431122');
  await hq.locator('table.leader-regions tr[data-code="431123"] button.unlink').click();
  await hq.locator('table.leader-regions tr[data-code="431123"]').waitFor({ state: 'detached' });
  assert.deepEqual(errors(hq), []);
  assert.deepEqual(errors(leader), []);
});
