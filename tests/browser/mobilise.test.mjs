// mobilise.test.mjs -- the mobilisation pages in a real browser: an
// organiser approves an application to serve (请命书) into a team, puts the
// team on a 24-hour roster that leaves a gap, sees the gap, and closes it
// from the gap's own button; the organisations page shows the roll-up
// figures of the API; on a phone, a checkpoint entry with fever from a risk
// area is recorded with its consequences announced.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, startServer } from '../api/lib.mjs';
import { buildCity, count, launch, loginForm, openPage, PERSONS, SHOTS, pickOrg, pickPerson, pickRegion } from './browser.mjs';

const COUNTY = '431122';
const GRID = '431122101201001';
let srv, admin, browser;
const ids = {};

function today() {
  return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
}

before(async () => {
  srv = await startServer();
  admin = await buildCity(srv, { persons: true });
  srv.user('organiser');
  srv.user('grid_worker', GRID);
  const persons = (await admin.get(`/api/v1/persons?region=${GRID}`)).body.items;
  ids.persons = persons.map((p) => p.id);
  let r = await admin.post('/api/v1/orgs', { name: '雍景园小区离退休党支部', kind: 'regular', region_code: GRID, founded_date: '2010-07-01' });
  assert.equal(r.status, 201, r.text);
  ids.org = r.body.id;
  for (const p of ids.persons) assert.equal((await admin.post(`/api/v1/orgs/${ids.org}/members`, { person_id: p, role: 'member' })).status, 201);
  // More organisations than a page of the list holds.
  ids.extraOrgs = 21;
  for (let i = 1; i <= ids.extraOrgs; i++) {
    r = await admin.post('/api/v1/orgs', { name: `茶亭社区第${i}党小组`, kind: 'regular', region_code: GRID.slice(0, 12), founded_date: '2012-07-01' });
    assert.equal(r.status, 201, r.text);
  }
  r = await admin.post('/api/v1/checkpoints', { name: '雍景园小区卡口', region_code: GRID, hours: '24h' });
  assert.equal(r.status, 201, r.text);
  ids.checkpoint = r.body.id;
  ids.place = r.body.place_id;
  r = await admin.post('/api/v1/applications', { org_id: ids.org, person_ids: ids.persons, group_name: '防疫应急小分队', pledge: '24小时值守,全覆盖排查' });
  assert.equal(r.status, 201, r.text);
  ids.app = r.body.id;
  r = await admin.post('/api/v1/risk-areas', { place: '湖北省武汉市', level: 'high', from_date: '2020-01-01' });
  assert.equal(r.status, 201, r.text);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

async function addShift(page, start, end, names) {
  const form = page.locator('form.shift-form');
  await form.locator('input[name=start]').fill(start);
  await form.locator('input[name=end]').fill(end);
  for (const n of names) await form.locator('label.check', { hasText: n }).locator('input').check();
  await form.locator('button[type=submit]').click();
}

test('approve an application into a team, roster it around the clock, see the gap, close it', async () => {
  const page = await openPage(browser, srv);
  await page.goto(`/teams/${COUNTY}`);
  await loginForm(page, 'organiser_4311', PASSWORD);
  const card = page.locator(`li.application[data-app="${ids.app}"]`);
  await card.locator('.status', { hasText: '待审批' }).waitFor();
  await card.locator('button.approve').click();
  await card.locator('input[name=team_name]').fill('雍景园防疫应急小分队');
  await card.locator('select[name=team_type]').selectOption('emergency');
  await card.locator('label.check', { hasText: '雍景园小区卡口' }).locator('input').check();
  await card.locator('button.confirm-approve').click();
  await card.locator('.status', { hasText: '已批准' }).waitFor();
  const row = page.locator('table.teams tbody tr', { hasText: '雍景园防疫应急小分队' });
  await row.waitFor();
  assert.match(await row.textContent(), /应急小分队/);
  const team = (await admin.get(`/api/v1/applications/${ids.app}`)).body.team_id;
  assert.ok(team);

  // The team's roster link opens the rosters page; the day starts uncovered.
  await row.locator('a').click();
  await page.waitForURL(/\/rosters\/431122\?team=/);
  await page.locator('.cover-status.uncovered').waitFor();
  const [a, b, c] = PERSONS.filter((p) => p[0] === GRID).map((p) => p[1]);
  await addShift(page, '00:00', '16:00', [a]);
  await page.locator('table.shifts tbody tr').first().waitFor();
  await addShift(page, '17:00', '00:00', [b]); // ends at midnight: the next day
  await page.locator('.gap-item .gap-time', { hasText: '16:00–17:00' }).waitFor();
  assert.equal(await page.locator('.gap-item').count(), 1);
  assert.match(await page.locator('.cover-status').textContent(), /1 个时段无人值守/);
  assert.equal(await page.locator('.daybar .gap').count(), 1);
  const gaps = (await admin.get(`/api/v1/shifts/gaps?place=${ids.place}&date=${today()}`)).body;
  assert.deepEqual(gaps.gaps.map((g) => [g.start.slice(11, 16), g.end.slice(11, 16)]), [['16:00', '17:00']]);

  // Close it from the gap's own button.
  await page.locator('.gap-item button.fill-gap').click();
  // The form takes the gap's times (on its next render).
  await page.waitForFunction(() => {
    const v = (n) => document.querySelector(`form.shift-form input[name=${n}]`)?.value;
    return v('start') === '16:00' && v('end') === '17:00';
  });
  await page.locator('form.shift-form label.check', { hasText: c }).locator('input').check();
  await page.locator('form.shift-form button[type=submit]').click();
  await page.locator('.cover-status.covered', { hasText: '24 小时全覆盖' }).waitFor();
  assert.equal(await page.locator('.gap-item').count(), 0);
  assert.equal(await page.locator('table.shifts tbody tr').count(), 3);
  assert.equal((await admin.get(`/api/v1/shifts/gaps?place=${ids.place}&date=${today()}`)).body.covered_24h, true);

  // Check in and out on the shift that holds the present moment (exactly one does).
  const shifts = (await admin.get(`/api/v1/shifts?place=${ids.place}&date=${today()}`)).body.items;
  const now = Date.now();
  const current = shifts.find((x) => Date.parse(x.start) <= now && now < Date.parse(x.end));
  const who = current.people[0].person_id;
  const attendee = page.locator(`tr[data-shift="${current.id}"] .attendee[data-person="${who}"]`);
  await attendee.locator('button.attend', { hasText: '签到' }).click();
  await attendee.locator('button.attend', { hasText: '签退' }).click();
  await attendee.locator('small', { hasText: '–' }).waitFor();
  assert.equal(await attendee.locator('button.attend').count(), 0);
  await page.screenshot({ path: `${SHOTS}/mobilise-roster.png`, fullPage: true });
  const hours = (await admin.get(`/api/v1/service-hours?person=${who}`)).body;
  assert.equal(hours.attendances, 1);
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('the organisations page shows the tree and the figures of the API', async () => {
  const page = await openPage(browser, srv);
  await page.goto(`/orgs/${COUNTY}`);
  await loginForm(page, 'organiser_4311', PASSWORD);
  await page.locator('table.orgs .org-node', { hasText: '雍景园小区离退休党支部' }).click();
  await page.locator('table.members tbody tr').first().waitFor();
  assert.equal(await page.locator('table.members tbody tr').count(), ids.persons.length);
  // The branch's pledge meeting, recorded through the form, listed with its kind and head count.
  const af = page.locator('form.activity-form');
  await af.locator('select[name=kind]').selectOption('pledge');
  await af.locator('input[name=title]').fill('离退休党支部誓师大会');
  await af.locator('input[name=participants]').fill('36');
  await af.locator('button[type=submit]').click();
  const act = page.locator('table.activities tr[data-kind="pledge"]');
  await act.waitFor();
  assert.match(await act.textContent(), /誓师\/请战\s*离退休党支部誓师大会[\s\S]*36/);
  const stats = (await admin.get(`/api/v1/stats/mobilisation?region=${COUNTY}`)).body.counters;
  const tile = async (k) => count(await page.locator(`.mob-tiles [data-figure=${k}] strong`).textContent());
  assert.equal(await tile('members'), stats['org_members.regular']);
  assert.equal(await tile('teams'), stats['teams.emergency']);
  assert.equal(await tile('orgs'), 1 + ids.extraOrgs);
  const duty = (await admin.get(`/api/v1/stats/mobilisation?region=${COUNTY}`)).body.duty;
  assert.equal(await tile('deployed'), duty.deployed);
  assert.equal(duty.deployed, 3); // the three of the roster made in the first test
  assert.equal(await tile('gaps'), 0);
  // A temporary branch made through the form shows up in the tree and the figures.
  const form = page.locator('form.org-form');
  await form.locator('input[name=name]').fill('雍景园卡口临时党支部');
  await form.locator('select[name=kind]').selectOption('temporary');
  assert.equal(await pickRegion(form, 'region_code', GRID), GRID);
  // the parent by part of its name (a city has thousands: no list of them all)
  const parent = await pickOrg(form, 'parent_id', '离退休');
  assert.equal(parent, String(ids.org));
  await form.locator('button[type=submit]').click();
  await page.locator('h2.org-open', { hasText: '雍景园卡口临时党支部' }).waitFor(); // opened
  await page.locator('.mob-tiles [data-figure=temporary] strong', { hasText: '1' }).waitFor();

  // The list is paged on the server (20 a page) and narrowed by name, kind and region.
  const rows = page.locator('table.orgs tbody tr');
  assert.equal(await rows.count(), 20);
  assert.equal(await page.locator('.pager .prev').isDisabled(), true);
  await page.locator('.pager .next').click();
  await page.locator('.pager .page-no', { hasText: '第 2 页' }).waitFor();
  assert.equal(await rows.count(), ids.extraOrgs + 2 - 20);
  const made = page.locator('table.orgs tr', { hasText: '雍景园卡口临时党支部' }); // the newest, last
  assert.match(await made.textContent(), /临时[\s\S]*雍景园小区离退休党支部/); // its kind and its parent
  await page.locator('.pager .prev').click();
  await page.locator('.pager .page-no', { hasText: '第 1 页' }).waitFor();
  const filter = page.locator('form.org-filter');
  await filter.locator('input[name=q]').fill('卡口');
  await page.waitForFunction(() => document.querySelectorAll('table.orgs tbody tr').length === 1);
  assert.match(await rows.first().textContent(), /雍景园卡口临时党支部/);
  assert.equal(await page.locator('.pager').count(), 0);
  await filter.locator('input[name=q]').fill('');
  await filter.locator('select[name=kind]').selectOption('temporary');
  await page.waitForFunction(() => document.querySelectorAll('table.orgs tbody tr').length === 1);
  await filter.locator('select[name=kind]').selectOption('');
  // A kind picked while a typed name still waits for the pause (300 ms) stays picked.
  await filter.locator('input[name=q]').fill('党支部');
  await filter.locator('select[name=kind]').selectOption('temporary');
  await page.waitForTimeout(700);
  await page.waitForFunction(() => document.querySelectorAll('table.orgs tbody tr').length === 1);
  assert.equal(await filter.locator('select[name=kind]').inputValue(), 'temporary');
  assert.match(await rows.first().textContent(), /雍景园卡口临时党支部/);
  await filter.locator('input[name=q]').fill('');
  await filter.locator('select[name=kind]').selectOption('');
  assert.equal(await pickRegion(filter, 'org_region', '大庙口'), '431122102');
  await page.locator('p.empty', { hasText: '没有符合条件的党组织' }).waitFor();

  // Grid responsibility, grouped by village: each closed, with its counts, until opened.
  const village = page.locator(`.grid-duties section.village[data-village="${GRID.slice(0, 12)}"]`);
  await village.locator('.village-head', { hasText: /茶亭社区\s*白牙市镇\s*2 个网格 · 2 个无责任人/ }).waitFor();
  assert.deepEqual(await page.locator('.grid-duties section.village .village-name').allTextContents(), ['茶亭社区', '大庙口村']);
  const gridRow = page.locator(`.grid-duties tr[data-grid="${GRID}"]`);
  assert.equal(await gridRow.count(), 0);
  await village.locator('.village-head').click();
  await gridRow.locator('.status', { hasText: '无责任人' }).waitFor();
  await pickPerson(gridRow, 'responsible_person_id', PERSONS[0][1]);
  await gridRow.locator('button[type=submit]').click();
  await gridRow.locator('td.responsible', { hasText: PERSONS[0][1] }).waitFor();
  assert.equal((await admin.get(`/api/v1/stats/mobilisation?region=${COUNTY}`)).body.counters.grids_responsible, 1);
  await village.locator('.village-head', { hasText: '1 个无责任人' }).waitFor();
  // A search by the person's name finds the grid they answer for, its village open.
  await page.locator('.grid-duties input[name=duty_q]').fill(PERSONS[0][1]);
  await page.waitForFunction(() => document.querySelectorAll('.grid-duties section.village').length === 1);
  await gridRow.locator('td.responsible', { hasText: PERSONS[0][1] }).waitFor();
  await page.locator('.grid-duties input[name=duty_q]').fill('');
  await page.waitForFunction(() => document.querySelectorAll('.grid-duties section.village').length === 2);
  await page.locator('.grid-duties input[name=unassigned]').check();
  await village.locator('.village-head', { hasText: /1 个网格 · 1 个无责任人/ }).waitFor();
  await page.locator('.grid-duties button.open-all').click();
  await page.locator(`.grid-duties tr[data-grid="${GRID.slice(0, 12)}002"]`).waitFor();
  assert.equal(await page.locator(`.grid-duties tr[data-grid="${GRID}"]`).count(), 0);
  await page.locator('.mob-tiles [data-figure=grids] strong', { hasText: '1' }).waitFor(); // the figures follow
  await page.screenshot({ path: `${SHOTS}/mobilise-orgs.png`, fullPage: true });
  assert.deepEqual(page.errors, []);
  await page.context().close();
});

test('on a phone: a checkpoint entry with fever from a risk area', async () => {
  const page = await openPage(browser, srv, { viewport: { width: 390, height: 844 } });
  await page.goto(`/checkpoint/${GRID}`);
  await loginForm(page, `grid_worker_${GRID}`, PASSWORD);
  const form = page.locator('form.entry-form');
  await form.locator('input[name=id_number]').fill(PERSONS[0][2]);
  await form.locator('input[name=origin]').fill('湖北省武汉市');
  await form.locator('input[name=temperature]').fill('38.3');
  await form.locator('button.outcome-refer').click();
  await page.locator('.last-entry', { hasText: '已登记' }).waitFor();
  await page.screenshot({ path: `${SHOTS}/mobilise-checkpoint-phone.png`, fullPage: true });
  assert.match(await page.locator('.last-entry').textContent(), /已推送预警/);
  assert.match(await page.locator('.last-entry').textContent(), /居家观察/);
  // A plate only, passing.
  await form.locator('button.toggle', { hasText: '车牌' }).click();
  await form.locator('input[name=plate]').fill('湘M12345');
  await form.locator('input[name=origin]').fill('永州市零陵区');
  await form.locator('button.outcome-pass').click();
  await page.locator('.last-entry', { hasText: '放行' }).waitFor();
  const entries = (await admin.get(`/api/v1/checkpoints/${ids.checkpoint}/entries`)).body.items;
  assert.equal(entries.length, 2);
  assert.equal(entries[1].outcome, 'refer');
  assert.ok(entries[1].observation_id && entries[1].alert_id);
  // Today's entries under the form, newest first, the febrile one marked; the page fits the phone.
  const listed = page.locator('table.entries tbody tr');
  await page.waitForFunction(() => document.querySelectorAll('table.entries tbody tr').length === 2);
  assert.deepEqual(await listed.evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.entry))), entries.map((e) => e.id));
  assert.match(await listed.nth(0).textContent(), /湘M12345[\s\S]*放行/);
  assert.equal(await page.locator('table.entries tr.febrile').count(), 1);
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth));
  assert.deepEqual(page.errors, []);
  await page.context().close();

  // Every role that may read the entries sees them (a commander records none);
  // a role without registry_read is told why it sees none.
  for (const [role, sees] of [['commander', true], ['viewer', false]]) {
    srv.user(role);
    const other = await openPage(browser, srv);
    await other.goto(`/checkpoint/${GRID}`);
    await loginForm(other, `${role}_4311`, PASSWORD);
    await other.locator(sees ? 'table.entries tbody tr' : 'p.entries-hidden').first().waitFor();
    if (sees) assert.equal(await other.locator('table.entries tbody tr').count(), 2);
    assert.equal(await other.locator('form.entry-form').count(), 0);
    assert.equal(await other.locator('table.entries').count(), sees ? 1 : 0);
    assert.deepEqual(other.errors, []);
    await other.context().close();
  }
});
