// field.test.mjs -- the grid worker's page on a phone, and its outbox.
//
// The test: a grid worker goes offline, records a visit and two
// health reports, sees them pending (待同步) and retried with the same client
// UUID; back online the outbox empties, the server holds exactly one visit
// and one report per person (checked through the API), and a commander's
// coverage page open in another browser context shows the new visit live
// (server-sent events) without a reload.  Also: a write the server refuses
// shows the server's message and field message until dismissed; the slot
// states and the household filter follow the API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { PASSWORD, ROOT, startServer } from '../api/lib.mjs';
import { buildCity, idNumber, launch, loginForm, openPage, SHOTS } from './browser.mjs';

const COUNTY = '431122';
const TOWNSHIP = '431122101';
const GRID = '431122101201001'; // 雍景园小区
const OTHER_GRID = '431122101201002';
const PHONE = { width: 375, height: 740 };

let srv, browser, admin, commander, worker, health, round;
const H = {}; // name -> {id, persons: {name: id}}
const obs = {}; // person name -> observation

// China dates, "days" from today.
function day(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

let seq = 100;
async function household(key, grid, address, names) {
  const h = await admin.post('/api/v1/households', { grid_code: grid, address });
  assert.equal(h.status, 201, h.text);
  const persons = {};
  for (const name of names) {
    const p = await admin.post('/api/v1/persons', { name, id_number: idNumber('431122', '19800101', seq++), household_id: h.body.id });
    assert.equal(p.status, 201, p.text);
    persons[name] = p.body.id;
  }
  H[key] = { id: h.body.id, address, persons };
}

// Offline failures are what the test provokes: not page errors.
const realErrors = (page) => page.errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|ERR_NETWORK_CHANGED|api\/v1\/events net::ERR_ABORTED/.test(e));

before(async () => {
  srv = await startServer();
  admin = await buildCity(srv);
  commander = await srv.as('commander', COUNTY);
  worker = await srv.as('grid_worker', GRID);
  health = await srv.as('health', COUNTY);
  await household('h1', GRID, '雍景园 1 栋 101', ['刘返乡', '刘家人']);
  await household('h2', GRID, '雍景园 1 栋 102', ['周大海', '周小海']);
  await household('h3', GRID, '雍景园 2 栋 201', ['孙晓']);
  await household('h4', OTHER_GRID, '茶亭街 8 号', ['吴其']);
  const r = await commander.post('/api/v1/rounds', { name: '第一轮拉网式排查', region_code: COUNTY, start_date: day(-1), end_date: day(5) });
  assert.equal(r.status, 201, r.text);
  round = r.body;
  // Yesterday's visit to 101: two returnees from a risk area -> two home observations.
  const v = await worker.post('/api/v1/visits', {
    client_uuid: crypto.randomUUID(), round_id: round.id, household_id: H.h1.id,
    visited_at: `${day(-1)}T10:00:00+08:00`, members_present: 2,
    persons: Object.values(H.h1.persons).map((id) => ({
      person_id: id, returned_from_risk: true, origin: '武汉市', arrival_date: day(-2), transport: '火车',
      fever: false, cough: false, contact_with_case: false, temperature: 36.4,
    })),
  });
  assert.equal(v.status, 201, v.text);
  // 孙晓: under observation since the day before yesterday (to be released behind the worker's back).
  const o = await worker.post('/api/v1/observations', { person_id: H.h3.persons['孙晓'], kind: 'home', reason: 'contact', start_date: day(-2) });
  assert.equal(o.status, 201, o.text);
  for (const x of (await worker.get(`/api/v1/observations?region=${GRID}&status=active`)).body.items) obs[x.person_name] = x;
  assert.deepEqual(Object.keys(obs).sort(), ['刘家人', '刘返乡', '孙晓'].sort());
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

async function openField(viewport = PHONE) {
  const page = await openPage(browser, srv, { viewport });
  await page.goto('/field');
  await loginForm(page, `grid_worker_${GRID}`, PASSWORD);
  await page.waitForURL(new RegExp(`/field/${GRID}$`));
  await page.locator('li.household').first().waitFor();
  return page;
}

// Every POST the page attempts (sent or failed), with its client UUID.
function recordPosts(page) {
  const posts = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/api\/v1\/(visits|health-reports)$/.test(r.url()))
      posts.push({ path: new URL(r.url()).pathname, uuid: JSON.parse(r.postData()).client_uuid });
  });
  return posts;
}

async function report(page, name, temp) {
  await page.locator(`li.observation[data-person="${obs[name].person_id}"] a.report`).click();
  await page.locator('form.report-form').waitFor();
  const [whole] = temp.split('.');
  await page.locator('.wholes button', { hasText: `${whole}.` }).click();
  await page.locator(`.tenths button[data-temp="${temp}"]`).click();
  assert.equal((await page.locator('.temp-display').textContent()).replace(/\s+/g, ' ').trim(), `${temp} ℃`);
  await page.locator('form.report-form button[type=submit]').click();
  await page.locator('ul.observations').waitFor();
}

test('offline: a visit and two reports wait in the outbox, go out once online, and the command sees them live', async () => {
  const page = await openField();
  const posts = recordPosts(page);
  // the household list as the API has it: 101 visited yesterday, 102 and 201 not yet
  // (the visits load after the households: wait for them before counting)
  await page.locator('.field-head .coverage', { hasText: /已走访 1 \/ 3 户/ }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('li.household').length === 2);
  assert.equal(await page.locator('li.household').count(), 2, 'the "not visited" filter is the default');
  await page.locator('button[data-filter=all]').click();
  assert.equal(await page.locator('li.household').count(), 3);
  assert.equal(await page.locator(`li.household[data-id="${H.h1.id}"] .state`).textContent(), '已走访');
  assert.equal(await page.locator(`li.household[data-id="${H.h2.id}"] .state`).textContent(), '未走访');
  assert.match(await page.locator('.field-head .coverage').textContent(), /已走访 1 \/ 3 户/);

  // The commander's coverage page, open in another browser.
  const cmd = await openPage(browser, srv);
  await cmd.goto(`/coverage/${COUNTY}`);
  await loginForm(cmd, `commander_${COUNTY}`, PASSWORD);
  await cmd.waitForURL(new RegExp(`/coverage/${COUNTY}\\?round=${round.id}$`));
  const row = cmd.locator(`table.coverage-table tr[data-code="${TOWNSHIP}"]`);
  await row.locator('td.visited', { hasText: /^1$/ }).waitFor();
  assert.equal(await row.locator('td.households').textContent(), '4');
  await cmd.locator('.live.on').waitFor();
  await cmd.evaluate(() => { window.__sameDocument = true; });

  await page.context().setOffline(true);
  // a visit to 102: both present, one with a temperature
  await page.locator(`li.household[data-id="${H.h2.id}"] a.visit`).click();
  await page.waitForURL(new RegExp(`\\?household=${H.h2.id}$`));
  const form = page.locator('form.visit-form');
  assert.equal(await form.locator('fieldset.member').count(), 2);
  await form.locator(`fieldset[data-person="${H.h2.persons['周大海']}"] input[name=temperature]`).fill('36.6');
  await page.screenshot({ path: `${SHOTS}/epigrid-field-visit-375.png`, fullPage: true });
  await form.locator('button[type=submit]').click();
  await page.waitForURL(new RegExp(`/field/${GRID}$`));
  await page.locator(`li.household[data-id="${H.h2.id}"] .state`, { hasText: '待同步' }).waitFor();

  // two reports, for the two returnees, at the current slot
  await page.locator('nav.tabs a.tab-obs').click();
  await page.locator('ul.observations').waitFor();
  await page.locator(`li.observation[data-person="${obs['刘返乡'].person_id}"] a.report`).click();
  await page.locator('form.report-form').waitFor();
  await page.locator('.tenths button[data-temp="36.5"]').click();
  await page.screenshot({ path: `${SHOTS}/epigrid-field-report-375.png`, fullPage: true });
  await page.locator('form.report-form button[type=submit]').click();
  await page.locator('ul.observations').waitFor();
  await report(page, '刘家人', '36.8');
  for (const name of ['刘返乡', '刘家人'])
    assert.equal(await page.locator(`li.observation[data-person="${obs[name].person_id}"] .state`).textContent(), '待同步');
  assert.equal(await page.locator('.topbar .outbox-count').textContent(), '待同步 3 条');
  assert.equal(await page.locator('.outbox-pending li').count(), 3);
  await page.screenshot({ path: `${SHOTS}/epigrid-field-offline-375.png`, fullPage: true });
  // retried while offline: same UUIDs
  await page.locator('.outbox-pending button').click();
  await page.waitForTimeout(300);
  // nothing reached the server
  let visits = (await worker.get(`/api/v1/visits?round=${round.id}&region=${GRID}`)).body.items;
  assert.deepEqual(visits.map((v) => v.household_id), [H.h1.id]);

  await page.context().setOffline(false);
  await page.locator('.topbar .outbox-count').waitFor({ state: 'detached', timeout: 20000 });
  assert.equal(await page.locator('.outbox').count(), 0);
  // IndexedDB is empty too
  assert.equal(await page.evaluate(() => new Promise((resolve) => {
    const r = indexedDB.open('epigrid-outbox');
    r.onsuccess = () => { const q = r.result.transaction('items').objectStore('items').count(); q.onsuccess = () => resolve(q.result); };
  })), 0);

  // exactly one visit to 102 and one report per person: no duplicates
  visits = (await worker.get(`/api/v1/visits?round=${round.id}&region=${GRID}`)).body.items;
  assert.deepEqual(visits.map((v) => v.household_id).sort(), [H.h1.id, H.h2.id].sort());
  const v2 = visits.find((v) => v.household_id === H.h2.id);
  assert.equal(v2.version, 1);
  assert.equal(v2.members_present, 2);
  const full = (await worker.get(`/api/v1/visits/${v2.id}`)).body;
  assert.equal(full.persons.find((p) => p.person_id === H.h2.persons['周大海']).temperature, 36.6);
  for (const [name, temp] of [['刘返乡', 36.5], ['刘家人', 36.8]]) {
    const o = (await worker.get(`/api/v1/observations/${obs[name].id}`)).body;
    assert.equal(o.reports.length, 1, `${name}: ${JSON.stringify(o.reports)}`);
    assert.equal(o.reports[0].temperature, temp);
    assert.equal(o.reports[0].replaces, null);
  }
  // every attempt of one write carried the same UUID; three writes, three UUIDs
  const uuids = new Map();
  for (const p of posts) uuids.set(p.uuid, p.path);
  assert.equal(uuids.size, 3, JSON.stringify(posts));
  assert.ok(posts.length > 3, `retries expected: ${posts.length} attempts`);
  assert.equal([...uuids.values()].filter((p) => p === '/api/v1/visits').length, 1);

  // the page shows the server's view now
  for (const name of ['刘返乡', '刘家人'])
    await page.locator(`li.observation[data-person="${obs[name].person_id}"] .state`, { hasText: '已报告' }).waitFor();
  await page.locator('nav.tabs a.tab-households').click();
  await page.locator('.field-head .coverage', { hasText: '已走访 2 / 3 户' }).waitFor();

  // the commander's page moved by itself
  await row.locator('td.visited', { hasText: /^2$/ }).waitFor({ timeout: 10000 });
  assert.equal(await row.locator('td.rate').textContent(), '50.0%');
  assert.equal(await cmd.evaluate(() => window.__sameDocument), true, 'no reload');
  const cov = (await commander.get(`/api/v1/stats/coverage?region=${COUNTY}&round=${round.id}`)).body;
  assert.equal(cov.children.find((c) => c.code === TOWNSHIP).visited, 2);

  assert.deepEqual(realErrors(page), []);
  assert.deepEqual(cmd.errors, []);
  await cmd.context().close();
  await page.context().close();
});

test('a report the server refuses shows its message and stays until dismissed', async () => {
  const page = await openField();
  await page.locator('nav.tabs a.tab-obs').click();
  await page.locator(`li.observation[data-person="${obs['孙晓'].person_id}"]`).waitFor();
  // 发热 follows the reading from 37.3 ℃, and the note says the reading
  await page.locator(`li.observation[data-person="${obs['孙晓'].person_id}"] a.report`).click();
  const fever = page.locator('form.report-form button.toggle[name=fever]');
  await page.locator('.wholes button', { hasText: '38.' }).click();
  await page.locator('.tenths button[data-temp="38.6"]').click();
  assert.equal(await fever.getAttribute('aria-pressed'), 'true');
  assert.match(await page.locator('.fever-note').textContent(), /体温 38\.6 ℃/);
  await page.locator('.wholes button', { hasText: '36.' }).click();
  await page.locator('.tenths button[data-temp="36.6"]').click();
  assert.equal(await fever.getAttribute('aria-pressed'), 'false');
  await page.locator('form.report-form a', { hasText: '返回' }).click();
  await page.locator('ul.observations').waitFor();
  await page.context().setOffline(true);
  await report(page, '孙晓', '37.1');
  await page.locator('.topbar .outbox-count', { hasText: '待同步 1 条' }).waitFor();
  // meanwhile the health office releases 孙晓 early
  const rel = await health.post(`/api/v1/observations/${obs['孙晓'].id}/release`, { override_reason: '核酸检测阴性,提前解除' });
  assert.equal(rel.status, 200, rel.text);
  await page.context().setOffline(false);
  const box = page.locator('.outbox .rejected');
  await box.waitFor({ timeout: 20000 });
  assert.match(await box.textContent(), /提交被退回/);
  assert.match(await box.textContent(), /没有进行中的观察,不能填报健康情况/);
  assert.match(await box.locator('li').textContent(), /此人不在观察中/);
  assert.match(await box.textContent(), /孙晓/);
  // nothing was written, and it is not retried
  assert.equal((await worker.get(`/api/v1/observations/${obs['孙晓'].id}`)).body.reports.length, 0);
  await page.screenshot({ path: `${SHOTS}/epigrid-field-rejected-375.png`, fullPage: true });
  // still there after a reload (IndexedDB), until dismissed
  await page.reload();
  await box.waitFor();
  assert.equal(await page.locator('.topbar .outbox-count').textContent(), '待同步 1 条');
  await box.locator('button.dismiss').click();
  await box.waitFor({ state: 'detached' });
  assert.equal(await page.locator('.topbar .outbox-count').count(), 0);
  assert.deepEqual(realErrors(page), []);
  await page.context().close();
});

test('the form refuses what it can see is wrong before saving anything', async () => {
  const page = await openField();
  await page.locator(`li.household[data-id="${H.h3.id}"] a.visit`).click();
  const form = page.locator('form.visit-form');
  await form.locator('button[name=returned_from_risk]').click();
  await form.locator('input[name=origin]').fill('武汉市');
  await form.locator('button[type=submit]').click();
  await form.getByRole('alert').getByText('孙晓:从风险地区返回时须填写抵达日期').waitFor();
  assert.equal(await page.locator('.topbar .outbox-count').count(), 0);
  await page.context().close();
});

test('slot states follow the profile; the desktop layout; English', async () => {
  const page = await openField({ width: 1280, height: 900 });
  await page.locator('nav.tabs a.tab-obs').click();
  await page.locator('ul.observations').waitFor();
  // the list refreshes after its first paint: wait for the server's view
  await page.waitForFunction(() => [...document.querySelectorAll('li.observation .state')].map((e) => e.textContent).join() === '已报告,已报告',
    null, { timeout: 5000 }).catch(() => {});
  const states = await page.locator('li.observation .state').allTextContents();
  assert.deepEqual(states, ['已报告', '已报告'], '孙晓 released; both returnees reported this slot');
  await page.screenshot({ path: `${SHOTS}/epigrid-field-obs-desktop.png`, fullPage: true });
  await page.locator('.lang button[lang=en]').click();
  await page.locator('nav.tabs a.tab-obs', { hasText: 'Under observation' }).waitFor();
  assert.deepEqual(await page.locator('li.observation .state').allTextContents(), ['Reported', 'Reported']);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);
  await page.locator('.lang button[lang=zh-CN]').click();
  await page.context().close();
  // an administrator picks a grid from the county down
  const adm = await openPage(browser, srv, { viewport: PHONE });
  await adm.goto(`/field/${COUNTY}`);
  await loginForm(adm, 'admin_4311', PASSWORD);
  for (const name of ['白牙市镇', '茶亭社区', '雍景园小区']) await adm.locator('ul.pick a', { hasText: name }).click();
  await adm.waitForURL(new RegExp(`/field/${GRID}$`));
  await adm.locator('li.household').first().waitFor();
  assert.deepEqual(realErrors(adm), []);
  await adm.context().close();
  const cmd = await openPage(browser, srv, { viewport: PHONE });
  await cmd.goto(`/field/${COUNTY}`);
  await loginForm(cmd, `commander_${COUNTY}`, PASSWORD);
  // commanders have no field_write: no field page
  await cmd.locator('h1', { hasText: '页面不存在' }).waitFor();
  assert.equal(await cmd.locator('.mainnav a', { hasText: '网格工作' }).count(), 0);
  await cmd.context().close();
});

// The page's own rules (no browser): slots in China time, across midnight,
// with the grace period, as the server's sweep has them.
test('slot states: China time, midnight, grace period, start date, opening moment, pending', async () => {
  const { cnNow, recentSlots, slotState } = await import(path.join(ROOT, 'web/src/pages/field.js'));
  const profile = { slots: ['16:00', '08:00'], grace_minutes: 120 };
  const at = (cn) => cnNow(Date.parse(`${cn}+08:00`));
  assert.deepEqual(at('2026-11-29T07:30:00'), { date: '2026-11-29', minutes: 450 });
  assert.deepEqual(cnNow(Date.UTC(2026, 10, 28, 16, 0)), { date: '2026-11-29', minutes: 0 }, 'UTC 16:00 is midnight in China');
  assert.deepEqual(recentSlots(profile, at('2026-11-29T08:30:00'), 3).map((x) => x.slot),
    ['2026-11-29T08:00', '2026-11-28T16:00', '2026-11-28T08:00']);
  assert.deepEqual(recentSlots(profile, at('2026-11-29T07:59:00'), 1).map((x) => x.slot), ['2026-11-28T16:00']);
  const o = { start_date: '2026-11-20', last_report: { slot: '2026-11-28T16:00' } };
  const state = (obs, cn, pending) => slotState(obs, profile, at(cn), pending);
  // before 08:00 the current slot is yesterday's 16:00
  assert.deepEqual(state(o, '2026-11-29T07:30:00'), { state: 'reported', slot: '2026-11-28T16:00' });
  assert.deepEqual(state({ ...o, last_report: null }, '2026-11-29T07:30:00'), { state: 'overdue', slot: '2026-11-28T16:00' });
  assert.deepEqual(state({ ...o, last_report: null }, '2026-11-28T17:59:00'), { state: 'due', slot: '2026-11-28T16:00' });
  // the grace period: due before 10:00, overdue from 10:00 on -- the sweep
  // opens its overdue row at 08:00 + 120 minutes exactly (test_observation.c)
  assert.equal(state(o, '2026-11-29T08:00:00').state, 'due');
  assert.equal(state(o, '2026-11-29T09:59:00').state, 'due');
  assert.equal(state(o, '2026-11-29T09:59:59').state, 'due');
  assert.equal(state(o, '2026-11-29T10:00:00').state, 'overdue');
  assert.equal(state(o, '2026-11-29T10:01:00').state, 'overdue');
  // the same boundary across midnight: a 22:00 slot with 240 minutes of grace
  const late = { slots: ['08:00', '22:00'], grace_minutes: 240 };
  assert.deepEqual(slotState({ ...o, last_report: null }, late, at('2026-11-29T01:59:59')), { state: 'due', slot: '2026-11-28T22:00' });
  assert.equal(slotState({ ...o, last_report: null }, late, at('2026-11-29T02:00:00')).state, 'overdue');
  assert.equal(state({ ...o, last_report: { slot: '2026-11-29T08:00' } }, '2026-11-29T10:01:00').state, 'reported');
  // a report in the outbox for the current slot
  assert.equal(state(o, '2026-11-29T10:01:00', new Set(['2026-11-29T08:00'])).state, 'pending');
  assert.equal(state(o, '2026-11-29T10:01:00', new Set(['2026-11-28T16:00'])).state, 'overdue');
  // an observation starting today has no slot before 08:00
  assert.deepEqual(state({ start_date: '2026-11-29', last_report: null }, '2026-11-29T07:00:00'), { state: 'notyet', slot: null });
  assert.equal(state({ start_date: '2026-11-29', last_report: null }, '2026-11-29T08:01:00').state, 'due');
  // placed under observation at 20:25: that day's 16:00 slot is not owed, the next 08:00 is
  const evening = { start_date: '2026-11-28', opened_at: '2026-11-28T20:25:00+08:00', last_report: null };
  assert.deepEqual(state(evening, '2026-11-28T20:30:00'), { state: 'notyet', slot: null });
  assert.deepEqual(state(evening, '2026-11-29T07:30:00'), { state: 'notyet', slot: null });
  assert.deepEqual(state(evening, '2026-11-29T10:30:00'), { state: 'overdue', slot: '2026-11-29T08:00' });
  // opened at the slot's very start: owed
  assert.equal(state({ ...evening, opened_at: '2026-11-28T16:00:00+08:00' }, '2026-11-28T20:30:00').state, 'overdue');
});
