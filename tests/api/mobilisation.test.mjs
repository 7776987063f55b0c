// mobilisation.test.mjs -- party organisations, members, team types and
// teams, applications to serve (请命书) approved into a team, grid
// responsibility (包网格), duty places, 24-hour rosters with the gap view,
// check-in/check-out and service hours, checkpoints (卡口) and their entries
// over HTTP: every endpoint; who may do what; scope; the bad-input matrix
// (each a 4xx naming its fields, with the database snapshot unchanged);
// checkpoint entry consequences seen through /observations and /alerts;
// idempotent entry retries; the roll-up figures of /stats/mobilisation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, sql } from './lib.mjs';

const CITY = '4311';
const COUNTY = '431122';
const TOWNSHIP = '431122101';
const VILLAGE = '431122101201';
const GRID_A = '431122101201001';
const GRID_B = '431122101201002';
const OTHER_COUNTY = '431103';
const GRID_C = '431103001001001';
const UUID = () => crypto.randomUUID();

// China dates and times, "days" from today.
function day(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}
const at = (date, hhmm) => `${date}T${hhmm}:00+08:00`;

function makeId(seq) {
  const id17 = `431122${'19800101'.slice(0, 6)}${String(10 + (seq % 18)).padStart(2, '0')}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...id17].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return id17 + '10X98765432'[sum % 11];
}

let srv, admin, organiser, countyOrganiser, otherOrganiser, commander, workerA, workerC, viewer, health;
const persons = []; // {id, id_number, grid}

async function person(grid, name, seq) {
  const id_number = makeId(seq);
  const r = await admin.post('/api/v1/persons', { name, id_number, grid_code: grid, phone: `139${String(seq).padStart(8, '0')}` });
  assert.equal(r.status, 201, r.text);
  return { id: r.body.id, id_number, grid, phone: `139${String(seq).padStart(8, '0')}` };
}

before(async () => {
  srv = await startServer();
  admin = await srv.as('admin');
  for (const [code, name] of [
    [COUNTY, '东安县'], [TOWNSHIP, '白牙市镇'], [VILLAGE, '茶亭社区'],
    [GRID_A, '雍景园小区'], [GRID_B, '茶亭一组'],
    [OTHER_COUNTY, '冷水滩区'], ['431103001', '梅湾街道'], ['431103001001', '梅湾社区'],
    [GRID_C, '梅湾一网格'],
  ]) {
    const r = await admin.post('/api/v1/regions', { code, name });
    assert.equal(r.status, 201, r.text);
  }
  organiser = await srv.as('organiser');
  countyOrganiser = await srv.as('organiser', COUNTY);
  otherOrganiser = await srv.as('organiser', OTHER_COUNTY);
  commander = await srv.as('commander');
  workerA = await srv.as('grid_worker', GRID_A);
  workerC = await srv.as('grid_worker', GRID_C);
  viewer = await srv.as('viewer');
  health = await srv.as('health');
  for (let i = 0; i < 12; i++) persons.push(await person(i < 8 ? GRID_A : i < 10 ? GRID_B : GRID_C, `党员${i}`, i + 1));
  const ra = await admin.post('/api/v1/risk-areas', { place: '湖北省武汉市', level: 'high', from_date: '2020-01-01' });
  assert.equal(ra.status, 201, ra.text);
});

after(async () => { await srv.stop(); });

// Asserts a request is refused with "status"/"code" (and fields) and wrote nothing.
async function refused(fn, status, code, fields = []) {
  const before = srv.snapshot();
  const r = await fn();
  assertError(assert, r, status, code, fields);
  assert.equal(srv.snapshot(), before, `nothing written by ${r.text}`);
  return r;
}

const ids = {};

test('organisations: a tree of regular, temporary and mobile ones, in scope', async () => {
  let r = await organiser.post('/api/v1/orgs', { name: '中共永州市委', kind: 'regular', region_code: CITY, founded_date: '1949-10-01' });
  assert.equal(r.status, 201, r.text);
  ids.city = r.body.id;
  r = await countyOrganiser.post('/api/v1/orgs', { name: '中共东安县委', kind: 'regular', region_code: COUNTY, parent_id: ids.city, founded_date: '1950-01-01' });
  assert.equal(r.status, 201, r.text);
  ids.county = r.body.id;
  r = await countyOrganiser.post('/api/v1/orgs', { name: '茶亭社区党支部', kind: 'regular', region_code: VILLAGE, parent_id: ids.county, founded_date: '2000-01-01' });
  assert.equal(r.status, 201, r.text);
  ids.branch = r.body.id;
  r = await countyOrganiser.post('/api/v1/orgs', { name: '雍景园小区离退休党支部', kind: 'regular', region_code: GRID_A, parent_id: ids.branch, founded_date: '2010-01-01' });
  ids.retired = r.body.id;
  r = await countyOrganiser.post('/api/v1/orgs', { name: 'S322 卡口临时党支部', kind: 'temporary', region_code: GRID_A, parent_id: ids.branch, location: 'S322 白牙市卡口', founded_date: day(-3) });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.kind, 'temporary');
  assert.equal(r.body.status, 'active');
  ids.temp = r.body.id;
  r = await countyOrganiser.post('/api/v1/orgs', { name: '东安县驻东莞流动党支部', kind: 'mobile', region_code: COUNTY, parent_id: ids.county, location: '广东省东莞市', founded_date: '2019-05-01' });
  assert.equal(r.status, 201, r.text);
  ids.mobile = r.body.id;

  r = await commander.get(`/api/v1/orgs/${ids.temp}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.parent_id, ids.branch);
  assert.equal(r.body.region_name, '雍景园小区');
  r = await viewer.get('/api/v1/orgs?kind=temporary');
  assert.deepEqual(r.body.items.map((o) => o.id), [ids.temp]);
  r = await countyOrganiser.get('/api/v1/orgs');
  assert.equal(r.body.items.length, 5); // not the city committee
  r = await admin.get('/api/v1/orgs?limit=2');
  assert.equal(r.body.items.length, 2);
  const page2 = await admin.get(`/api/v1/orgs?limit=2&cursor=${r.body.next_cursor}`);
  assert.equal(page2.body.items[0].id, r.body.items[1].id + 1);

  // Narrowed by part of the name (LIKE's own characters match themselves), with the
  // parent's name -- only when the parent is in the caller's scope too.
  r = await viewer.get(`/api/v1/orgs?q=${encodeURIComponent('党支部')}&kind=regular`);
  assert.deepEqual(r.body.items.map((o) => o.id), [ids.branch, ids.retired]);
  assert.equal(r.body.items[1].parent_name, '茶亭社区党支部');
  r = await countyOrganiser.get(`/api/v1/orgs?q=${encodeURIComponent('东安县委')}`);
  assert.deepEqual(r.body.items.map((o) => [o.id, o.parent_name]), [[ids.county, null]]); // the city committee is above
  assert.equal((await commander.get(`/api/v1/orgs/${ids.county}`)).body.parent_name, '中共永州市委');
  for (const q of ['%', '_', '卡口%']) assert.deepEqual((await viewer.get(`/api/v1/orgs?q=${encodeURIComponent(q)}`)).body.items, [], q);
  r = await viewer.get(`/api/v1/orgs?q=${encodeURIComponent('S322 卡口')}&limit=1`);
  assert.deepEqual(r.body.items.map((o) => o.id), [ids.temp]);
  assertError(assert, await viewer.get(`/api/v1/orgs?q=${'长'.repeat(61)}`), 400, 'invalid_input', ['q']);

  // Scope: another county neither sees nor writes here.
  r = await otherOrganiser.get(`/api/v1/orgs/${ids.branch}`);
  assertError(assert, r, 404, 'not_found');
  // A region outside the scope does not exist for the caller: the answer of a missing one.
  await refused(() => otherOrganiser.post('/api/v1/orgs', { name: '越权支部', kind: 'regular', region_code: GRID_A, founded_date: '2020-01-01' }), 404, 'not_found', ['region_code']);
  await refused(() => viewer.post('/api/v1/orgs', { name: '只读', kind: 'regular', region_code: CITY, founded_date: '2020-01-01' }), 403, 'forbidden');
  await refused(() => workerA.post('/api/v1/orgs', { name: '网格员', kind: 'regular', region_code: GRID_A, founded_date: '2020-01-01' }), 403, 'forbidden');
  // A child outside its parent's region breaks the tree rule.
  await refused(() => admin.post('/api/v1/orgs', { name: '梅湾支部', kind: 'regular', region_code: GRID_C, parent_id: ids.branch, founded_date: '2020-01-01' }), 422, 'rule_violation');
});

test('organisations: bad input names each field and writes nothing', async () => {
  const good = { name: '支部', kind: 'regular', region_code: VILLAGE, founded_date: '2020-01-01' };
  const cases = [
    [{ ...good, name: '' }, ['name']],
    [{ ...good, name: '长'.repeat(61) }, ['name']],
    [{ ...good, kind: 'permanent' }, ['kind']],
    [{ ...good, region_code: '43' }, ['region_code']],
    [{ ...good, region_code: '431199' }, ['region_code'], 404],
    [{ ...good, parent_id: 99999 }, ['parent_id'], 404],
    [{ ...good, parent_id: 'one' }, ['parent_id']],
    [{ ...good, kind: 'mobile' }, ['location']],
    [{ ...good, founded_date: '2020-02-30' }, ['founded_date']],
    [{ ...good, founded_date: day(2) }, ['founded_date']],
    [{ ...good, colour: 'red' }, ['colour']],
    [{ kind: 'regular' }, ['name', 'region_code', 'founded_date']],
  ];
  for (const [body, fields, status = 400] of cases) {
    await refused(() => admin.post('/api/v1/orgs', body), status, status === 400 ? 'invalid_input' : 'not_found', fields);
  }
  await refused(() => admin.post('/api/v1/orgs', '{"name":'), 400, 'invalid_input');
  await refused(() => admin.get('/api/v1/orgs/abc'), 404, 'not_found');
});

test('members: one regular organisation, temporary and mobile ones on top', async () => {
  const add = (org, p, role = 'member', c = countyOrganiser) => c.post(`/api/v1/orgs/${org}/members`, { person_id: p.id, role });
  let r = await add(ids.branch, persons[0], 'secretary');
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.person_name, '党员0');
  for (let i = 1; i < 7; i++) assert.equal((await add(ids.retired, persons[i])).status, 201);
  assert.equal((await add(ids.temp, persons[0])).status, 201); // regular + temporary at once
  assert.equal((await add(ids.mobile, persons[0])).status, 201); // and mobile
  await refused(() => add(ids.retired, persons[0]), 409, 'conflict'); // a second regular
  await refused(() => add(ids.branch, persons[0]), 409, 'conflict'); // twice
  await refused(() => add(ids.branch, { id: 99999 }), 404, 'not_found', ['person_id']);
  await refused(() => countyOrganiser.post(`/api/v1/orgs/${ids.branch}/members`, { person_id: persons[8].id, role: 'chief' }), 400, 'invalid_input', ['role']);
  await refused(() => countyOrganiser.post(`/api/v1/orgs/${ids.branch}/members`, { person_id: persons[8].id, role: 'member', joined_date: day(3) }), 400, 'invalid_input', ['joined_date']);
  await refused(() => add(ids.branch, persons[8], 'member', otherOrganiser), 404, 'not_found');
  r = await viewer.get(`/api/v1/orgs/${ids.retired}/members`);
  assert.equal(r.body.items.length, 6);
  r = await viewer.get(`/api/v1/orgs/${ids.branch}/members`);
  assert.equal(r.body.items[0].role, 'secretary');
  // Ending a membership, then a second end is a 404.
  assert.equal((await add(ids.branch, persons[8])).status, 201);
  r = await countyOrganiser.del(`/api/v1/orgs/${ids.branch}/members/${persons[8].id}`);
  assert.equal(r.status, 200, r.text);
  await refused(() => countyOrganiser.del(`/api/v1/orgs/${ids.branch}/members/${persons[8].id}`), 404, 'not_found');
  r = await admin.get('/api/v1/stats/mobilisation?region=' + COUNTY);
  assert.equal(r.body.counters['org_members.regular'], 7);
  assert.equal(r.body.counters['org_members.temporary'], 1);
  assert.equal(r.body.counters['org_members.mobile'], 1);
});

test('team types: the seeded catalogue, extensible by a city-wide organiser', async () => {
  let r = await viewer.get('/api/v1/team-types');
  assert.deepEqual(r.body.items.map((t) => t.name_zh), ['党员突击队', '党员先锋队', '志愿服务队', '巡防排查队', '卫生清洁队', '应急小分队']);
  r = await organiser.post('/api/v1/team-types', { code: 'disinfection', name_zh: '消杀小分队', name_en: 'Disinfection squad' });
  assert.equal(r.status, 201, r.text);
  await refused(() => organiser.post('/api/v1/team-types', { code: 'disinfection', name_zh: '消杀队', name_en: 'x' }), 409, 'conflict');
  await refused(() => countyOrganiser.post('/api/v1/team-types', { code: 'county_only', name_zh: '县级队', name_en: 'x' }), 403, 'forbidden');
  await refused(() => organiser.post('/api/v1/team-types', { code: 'Bad Code', name_zh: '坏', name_en: 'x' }), 400, 'invalid_input', ['code']);
  await refused(() => organiser.post('/api/v1/team-types', { code: 'empty', name_zh: '', name_en: 'x' }), 400, 'invalid_input', ['name_zh']);
  r = await viewer.get('/api/v1/team-types');
  assert.equal(r.body.items.at(-1).code, 'disinfection');
});

test('places, checkpoints and a team', async () => {
  let r = await countyOrganiser.post('/api/v1/checkpoints', { name: 'S322 白牙市卡口', region_code: GRID_A, hours: '24h' });
  assert.equal(r.status, 201, r.text);
  ids.checkpoint = r.body.id;
  ids.checkpointPlace = r.body.place_id;
  r = await countyOrganiser.post('/api/v1/places', { name: '雍景园小区大门', kind: 'site', region_code: GRID_A });
  assert.equal(r.status, 201, r.text);
  ids.gate = r.body.id;
  await refused(() => countyOrganiser.post('/api/v1/checkpoints', { name: '镇卡口', region_code: TOWNSHIP, hours: '24h' }), 400, 'invalid_input', ['region_code']);
  await refused(() => countyOrganiser.post('/api/v1/checkpoints', { name: '卡口', region_code: GRID_A, hours: '8-20' }), 400, 'invalid_input', ['hours']);
  await refused(() => countyOrganiser.post('/api/v1/places', { name: '点', kind: 'shop', region_code: GRID_C }), 400, 'invalid_input', ['kind']);
  await refused(() => countyOrganiser.post('/api/v1/places', { name: '点', kind: 'site', region_code: GRID_C }), 404, 'not_found', ['region_code']);
  r = await viewer.get('/api/v1/places?kind=checkpoint');
  assert.deepEqual(r.body.items.map((p) => p.id), [ids.checkpointPlace]);
  r = await viewer.get('/api/v1/checkpoints');
  assert.equal(r.body.items[0].hours, '24h');

  r = await countyOrganiser.post('/api/v1/teams', {
    name: '雍景园防疫应急小分队', type: 'emergency', org_id: ids.retired,
    member_ids: persons.slice(1, 7).map((p) => p.id), place_ids: [ids.gate], active_from: day(-2),
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.type_name_zh, '应急小分队');
  assert.equal(r.body.leader_person_id, persons[1].id);
  assert.equal(r.body.members.length, 6);
  assert.equal(r.body.places[0].name, '雍景园小区大门');
  ids.emergencyTeam = r.body.id;
  await refused(() => countyOrganiser.post('/api/v1/teams', { name: '队', type: 'rocket', org_id: ids.retired, member_ids: [persons[1].id, persons[1].id, 99999], place_ids: [99999], active_from: day(0), active_to: day(-1) }),
    400, 'invalid_input', ['type', 'member_ids[1]', 'member_ids[2]', 'place_ids[0]', 'active_to']);
  await refused(() => otherOrganiser.post('/api/v1/teams', { name: '队', type: 'patrol', org_id: ids.retired, leader_person_id: persons[10].id }), 404, 'not_found', ['org_id']);
  r = await countyOrganiser.post(`/api/v1/teams/${ids.emergencyTeam}/members`, { person_id: persons[7].id });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.members.length, 7);
  await refused(() => countyOrganiser.post(`/api/v1/teams/${ids.emergencyTeam}/members`, { person_id: persons[7].id }), 409, 'conflict');
  r = await viewer.get('/api/v1/teams?type=emergency');
  assert.equal(r.body.items.length, 1);
  assert.equal(r.body.items[0].member_count, 7);
  assertError(assert, await otherOrganiser.get(`/api/v1/teams/${ids.emergencyTeam}`), 404, 'not_found');
});

test('applications to serve: declined, or approved into a team in one step', async () => {
  const applicants = persons.slice(1, 4).map((p) => p.id);
  let r = await countyOrganiser.post('/api/v1/applications', { org_id: ids.retired, person_ids: applicants, group_name: '我是党员,我先上', pledge: '请命到疫情防控第一线', wish: 'S322 卡口' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.status, 'pending');
  assert.equal(r.body.persons.length, 3);
  const app = r.body.id;
  r = await countyOrganiser.post('/api/v1/applications', { org_id: ids.retired, person_ids: [persons[4].id], pledge: '申请去卡口值守' });
  const single = r.body.id;
  await refused(() => countyOrganiser.post('/api/v1/applications', { org_id: ids.retired, person_ids: [persons[9].id], pledge: '请战' }), 400, 'invalid_input', ['person_ids[0]']);
  await refused(() => countyOrganiser.post('/api/v1/applications', { org_id: ids.retired, person_ids: applicants, pledge: '请战' }), 400, 'invalid_input', ['group_name']);
  await refused(() => countyOrganiser.post('/api/v1/applications', { org_id: ids.retired, person_ids: [persons[4].id], pledge: '' }), 400, 'invalid_input', ['pledge']);
  await refused(() => countyOrganiser.post('/api/v1/applications', { org_id: ids.retired, person_ids: [] , pledge: '请战' }), 400, 'invalid_input', ['person_ids']);
  await refused(() => viewer.post('/api/v1/applications', { org_id: ids.retired, person_ids: applicants, pledge: 'x' }), 403, 'forbidden');

  r = await countyOrganiser.post(`/api/v1/applications/${single}/decision`, { decision: 'decline', note: '年龄偏大,留守社区' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'declined');
  r = await refused(() => countyOrganiser.post(`/api/v1/applications/${single}/decision`, { decision: 'approve' }), 409, 'conflict');
  assert.equal(r.body.error.message, `请命书 ${single} 已处理(未批准)`);
  r = await refused(() => countyOrganiser.withLang('en').post(`/api/v1/applications/${single}/decision`, { decision: 'approve' }), 409, 'conflict');
  assert.equal(r.body.error.message, `application ${single} was already decided (declined)`);
  await refused(() => countyOrganiser.post(`/api/v1/applications/${app}/decision`, { decision: 'maybe' }), 400, 'invalid_input', ['decision']);
  await refused(() => countyOrganiser.post(`/api/v1/applications/${app}/decision`, { decision: 'approve', team: { name: '先锋队', type: 'rocket', place_ids: [99999] } }), 400, 'invalid_input', ['team.type', 'team.place_ids[0]']);
  await refused(() => countyOrganiser.post(`/api/v1/applications/${app}/decision`, { decision: 'decline', team: { name: '先锋队', type: 'vanguard' } }), 400, 'invalid_input', ['team']);

  r = await countyOrganiser.post(`/api/v1/applications/${app}/decision`, { decision: 'approve', note: '同意', team: { name: '“我是党员,我先上”先锋队', type: 'vanguard', place_ids: [ids.checkpointPlace] } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'approved');
  assert.equal(r.body.decided_by, 'organiser_431122');
  ids.vanguard = r.body.team_id;
  r = await viewer.get(`/api/v1/teams/${ids.vanguard}`);
  assert.equal(r.body.application_id, app);
  assert.deepEqual(r.body.members.map((m) => m.person_id), applicants);
  assert.equal(r.body.places[0].id, ids.checkpointPlace);
  r = await viewer.get('/api/v1/applications?status=pending');
  assert.equal(r.body.items.length, 0);
  r = await viewer.get('/api/v1/applications');
  assert.deepEqual(r.body.items.map((a) => a.id), [single, app]);
  assertError(assert, await viewer.get('/api/v1/applications?status=maybe'), 400, 'invalid_input', ['status']);
  assert.equal((await viewer.get(`/api/v1/applications?region=${GRID_A}`)).body.items.length, 2);
  assert.equal((await viewer.get(`/api/v1/applications?region=${GRID_B}`)).body.items.length, 0);
  assertError(assert, await countyOrganiser.get(`/api/v1/applications?region=${OTHER_COUNTY}`), 403, 'forbidden');
  assertError(assert, await otherOrganiser.get(`/api/v1/applications/${app}`), 404, 'not_found');
  // ?org= lists that organisation's applications only (not those of another one at the same grid)
  r = await countyOrganiser.post('/api/v1/applications', { org_id: ids.temp, person_ids: [persons[0].id], pledge: '卡口临时党支部请战' });
  assert.equal(r.status, 201, r.text);
  const tempApp = r.body.id;
  assert.deepEqual((await viewer.get(`/api/v1/applications?org=${ids.retired}`)).body.items.map((a) => a.id), [single, app]);
  assert.deepEqual((await viewer.get(`/api/v1/applications?org=${ids.temp}`)).body.items.map((a) => a.id), [tempApp]);
  assert.deepEqual((await viewer.get(`/api/v1/applications?org=${ids.temp}&status=approved`)).body.items, []);
  assert.deepEqual((await otherOrganiser.get(`/api/v1/applications?org=${ids.temp}`)).body.items, []);
  assertError(assert, await viewer.get('/api/v1/applications?org=x'), 400, 'invalid_input', ['org']);
  r = await admin.get('/api/v1/stats/mobilisation?region=' + COUNTY);
  assert.equal(r.body.counters['applications.approved'], 1);
  assert.equal(r.body.counters['applications.declined'], 1);
  assert.equal(r.body.counters['teams.vanguard'], 1);
  assert.equal(r.body.counters['teams.emergency'], 1);
});

test("activities: a branch's pledge meeting, dated, with its participants; in scope, audited", async () => {
  const post = (body, c = countyOrganiser) => c.post('/api/v1/org-activities', body);
  const pledgeAt = at(day(-1), '09:30');
  let r = await post({ org_id: ids.temp, kind: 'pledge', title: '卡口临时党支部誓师大会', place: 'S322 白牙市卡口', participants: 45,
    person_ids: [persons[0].id, persons[1].id, persons[8].id], occurred_at: pledgeAt, note: '全体党员重温入党誓词\n签名请战' });
  assert.equal(r.status, 201, r.text);
  const pledge = r.body;
  assert.deepEqual([pledge.org_id, pledge.org_name, pledge.region_code, pledge.kind, pledge.participants, pledge.occurred_at],
    [ids.temp, 'S322 卡口临时党支部', GRID_A, 'pledge', 45, pledgeAt]);
  assert.deepEqual(pledge.persons.map((p) => p.person_id), [persons[0].id, persons[1].id, persons[8].id]);
  // A date alone is the end of that day (or now, today); the head count defaults to the persons listed.
  r = await post({ org_id: ids.branch, kind: 'study', title: '学习防控知识', person_ids: [persons[0].id, persons[9].id], occurred_at: day(-2) });
  assert.equal(r.status, 201, r.text);
  const study = r.body;
  assert.equal(study.participants, 2);
  assert.equal(study.occurred_at, `${day(-2)}T23:59:59+08:00`);
  // Bad input: field by field, nothing written.
  await refused(() => post({ org_id: ids.temp, kind: 'party', title: '', participants: 0, extra: 1 }), 400, 'invalid_input', ['title', 'participants', 'extra', 'kind']);
  await refused(() => post({ org_id: ids.temp, kind: 'meeting', title: '会议', participants: 1, person_ids: [persons[0].id, persons[1].id] }), 400, 'invalid_input', ['participants']);
  await refused(() => post({ org_id: ids.temp, kind: 'meeting', title: '会议' }), 400, 'invalid_input', ['participants']);
  await refused(() => post({ org_id: ids.temp, kind: 'meeting', title: '会议', participants: 3, occurred_at: day(2) }), 400, 'invalid_input', ['occurred_at']);
  await refused(() => post({ org_id: ids.temp, kind: 'meeting', title: '会议', participants: 3, person_ids: [persons[0].id, persons[0].id] }), 400, 'invalid_input', ['person_ids[1]']);
  const en = await refused(() => countyOrganiser.withLang('en').post('/api/v1/org-activities', { org_id: ids.temp, kind: 'party', title: '会议', participants: 3 }), 400, 'invalid_input', ['kind']);
  assert.match(en.body.error.fields[0].message, /must be pledge, meeting, study, service or other/);
  // Before the branch was founded (3 days ago): a rule.
  await refused(() => post({ org_id: ids.temp, kind: 'meeting', title: '会议', participants: 3, occurred_at: day(-5) }), 422, 'rule_violation');
  // Outside the jurisdiction the organisation and the persons do not exist.
  await refused(() => post({ org_id: ids.temp, kind: 'meeting', title: '会议', participants: 3 }, otherOrganiser), 404, 'not_found', ['org_id']);
  await refused(() => post({ org_id: ids.temp, kind: 'meeting', title: '会议', participants: 3, person_ids: [persons[10].id] }), 404, 'not_found', ['person_ids[0]']);
  await refused(() => post({ org_id: ids.temp, kind: 'meeting', title: '会议', participants: 3 }, viewer), 403, 'forbidden');
  // Lists: newest first, by organisation, kind and region, in scope.
  assert.deepEqual((await viewer.get('/api/v1/org-activities')).body.items.map((a) => a.id), [study.id, pledge.id]);
  assert.deepEqual((await viewer.get(`/api/v1/org-activities?org=${ids.temp}`)).body.items.map((a) => a.id), [pledge.id]);
  assert.deepEqual((await viewer.get('/api/v1/org-activities?kind=study')).body.items.map((a) => a.id), [study.id]);
  assert.deepEqual((await viewer.get(`/api/v1/org-activities?region=${GRID_A}`)).body.items.map((a) => a.id), [pledge.id]);
  assert.deepEqual((await otherOrganiser.get('/api/v1/org-activities')).body.items, []);
  assertError(assert, await viewer.get('/api/v1/org-activities?kind=party'), 400, 'invalid_input', ['kind']);
  assertError(assert, await countyOrganiser.get(`/api/v1/org-activities?region=${OTHER_COUNTY}`), 403, 'forbidden');
  r = await viewer.get(`/api/v1/org-activities/${pledge.id}`);
  assert.deepEqual(r.body, pledge);
  assertError(assert, await otherOrganiser.get(`/api/v1/org-activities/${pledge.id}`), 404, 'not_found');
  // Audited with the time it happened.
  const audit = sql(srv.db, "SELECT after_json FROM audit_log WHERE entity = 'org_activity' ORDER BY id");
  assert.equal(audit.length, 2);
  assert.equal(JSON.parse(audit[0].after_json).occurred_at, pledgeAt);
});

test('grid responsibility: one responsible person, helpers, grids without one', async () => {
  let r = await viewer.get(`/api/v1/grid-duties?unassigned=1`);
  assert.deepEqual(r.body.items.map((g) => g.grid_code), [GRID_C, GRID_A, GRID_B]); // by code
  r = await countyOrganiser.req('PUT', `/api/v1/grid-duties/${GRID_A}`, { responsible_person_id: persons[0].id, helper_person_ids: [persons[1].id, persons[2].id] });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.responsible.person_id, persons[0].id);
  assert.equal(r.body.helpers.length, 2);
  r = await viewer.get(`/api/v1/grid-duties?unassigned=1&region=${COUNTY}`);
  assert.deepEqual(r.body.items.map((g) => g.grid_code), [GRID_B]);
  r = await viewer.get(`/api/v1/grid-duties?region=${VILLAGE}`);
  assert.equal(r.body.items[0].responsible.name, '党员0');
  // Each grid with its village and township; a search by the grid's, the village's
  // or an on-duty person's name (a helper too), LIKE's characters taken literally.
  assert.deepEqual([r.body.items[0].village_code, r.body.items[0].village_name, r.body.items[0].township_name], [VILLAGE, '茶亭社区', '白牙市镇']);
  const found = async (q, extra = '') => (await viewer.get(`/api/v1/grid-duties?q=${encodeURIComponent(q)}${extra}`)).body.items.map((g) => g.grid_code);
  assert.deepEqual(await found('茶亭'), [GRID_A, GRID_B]);
  assert.deepEqual(await found('梅湾社区'), [GRID_C]);
  assert.deepEqual(await found('党员2'), [GRID_A]);
  assert.deepEqual(await found('茶亭', '&unassigned=1'), [GRID_B]);
  assert.deepEqual(await found('%'), []);
  assertError(assert, await viewer.get(`/api/v1/grid-duties?q=${'网'.repeat(41)}`), 400, 'invalid_input', ['q']);
  await refused(() => countyOrganiser.req('PUT', `/api/v1/grid-duties/${GRID_B}`, { responsible_person_id: persons[0].id, helper_person_ids: [persons[0].id] }), 400, 'invalid_input', ['helper_person_ids[0]']);
  await refused(() => countyOrganiser.req('PUT', `/api/v1/grid-duties/${GRID_C}`, { responsible_person_id: persons[10].id }), 404, 'not_found');
  await refused(() => countyOrganiser.req('PUT', `/api/v1/grid-duties/${VILLAGE}`, { responsible_person_id: persons[0].id }), 404, 'not_found');
  await refused(() => workerA.req('PUT', `/api/v1/grid-duties/${GRID_A}`, { responsible_person_id: persons[3].id }), 403, 'forbidden');
  r = await admin.get('/api/v1/stats/mobilisation');
  assert.equal(r.body.counters.grids_responsible, 1);
});

test('rosters: a 24-hour roster with a gap, the gap view, closing it, across midnight', async () => {
  const d = day(0), y = day(-1), t = day(1);
  const team = ids.vanguard;
  const [p1, p2, p3] = persons.slice(1, 4).map((p) => p.id);
  const shift = (start, end, people = [p1], place = ids.checkpointPlace) =>
    countyOrganiser.post('/api/v1/shifts', { place_id: place, start, end, team_id: team, person_ids: people });
  let r = await viewer.get(`/api/v1/shifts/gaps?place=${ids.checkpointPlace}&date=${d}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.gaps.length, 1);
  assert.equal(r.body.uncovered_seconds, 86400);

  // Night shift from yesterday 20:00 to 08:00, 08:00-16:00, 17:00 to tomorrow 01:00.
  assert.equal((await shift(at(y, '20:00'), at(d, '08:00'))).status, 201);
  assert.equal((await shift(at(d, '08:00'), at(d, '16:00'), [p2, p3])).status, 201);
  r = await shift(at(d, '17:00'), at(t, '01:00'), [p3]);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.hours, 8);
  r = await viewer.get(`/api/v1/shifts/gaps?place=${ids.checkpointPlace}&date=${d}`);
  assert.equal(r.body.covered_24h, false);
  assert.deepEqual(r.body.gaps, [{ start: at(d, '16:00'), end: at(d, '17:00'), seconds: 3600 }]);
  // Tomorrow: covered until 01:00 only.
  r = await viewer.get(`/api/v1/shifts/gaps?place=${ids.checkpointPlace}&date=${t}`);
  assert.deepEqual(r.body.gaps, [{ start: at(t, '01:00'), end: `${day(2)}T00:00:00+08:00`, seconds: 23 * 3600 }]);
  // Close the gap with an overlapping shift: 15:30-17:30.
  assert.equal((await shift(at(d, '15:30'), at(d, '17:30'), [p1])).status, 201);
  r = await viewer.get(`/api/v1/shifts/gaps?place=${ids.checkpointPlace}&date=${d}`);
  assert.equal(r.body.covered_24h, true);
  assert.deepEqual(r.body.gaps, []);
  r = await viewer.get(`/api/v1/shifts?place=${ids.checkpointPlace}&date=${d}`);
  assert.equal(r.body.items.length, 4);
  r = await viewer.get(`/api/v1/shifts?team=${team}&date=${y}`);
  assert.equal(r.body.items.length, 1);
  assert.equal((await viewer.get(`/api/v1/shifts?region=${GRID_A}&date=${d}`)).body.items.length, 4);
  assert.equal((await viewer.get(`/api/v1/shifts?region=${GRID_B}&date=${d}`)).body.items.length, 0);
  assertError(assert, await countyOrganiser.get(`/api/v1/shifts?region=${OTHER_COUNTY}`), 403, 'forbidden');

  // Bad input, scope, rights.
  await refused(() => shift(at(d, '10:00'), at(d, '09:00')), 400, 'invalid_input', ['end']);
  await refused(() => shift(at(d, '10:00'), at(day(3), '10:00')), 400, 'invalid_input', ['end']);
  await refused(() => shift('2020-01-28 10:00', at(d, '11:00')), 400, 'invalid_input', ['start']);
  await refused(() => shift(at(d, '10:00'), at(d, '11:00'), []), 400, 'invalid_input', ['person_ids']);
  await refused(() => shift(at(d, '10:00'), at(d, '11:00'), [99999]), 404, 'not_found', ['person_ids[0]']);
  await refused(() => shift(at(d, '10:00'), at(d, '11:00'), [p1], 99999), 404, 'not_found', ['place_id']);
  await refused(() => otherOrganiser.post('/api/v1/shifts', { place_id: ids.checkpointPlace, start: at(d, '10:00'), end: at(d, '11:00'), person_ids: [persons[10].id] }), 404, 'not_found', ['place_id']);
  await refused(() => workerA.post('/api/v1/shifts', { place_id: ids.checkpointPlace, start: at(d, '10:00'), end: at(d, '11:00'), person_ids: [p1] }), 403, 'forbidden');
  assertError(assert, await viewer.get(`/api/v1/shifts/gaps?place=${ids.checkpointPlace}`), 400, 'invalid_input', ['date']);
  assertError(assert, await viewer.get(`/api/v1/shifts/gaps?date=${d}&place=x`), 400, 'invalid_input', ['place']);
  assertError(assert, await otherOrganiser.get(`/api/v1/shifts/gaps?place=${ids.checkpointPlace}&date=${d}`), 404, 'not_found');
});

test('check-in, check-out and service hours per person, team and organisation', async () => {
  const y = day(-1);
  const p1 = persons[1].id;
  const r0 = await viewer.get(`/api/v1/shifts?team=${ids.vanguard}&date=${y}`);
  const night = r0.body.items[0].id;
  await refused(() => workerA.post(`/api/v1/shifts/${night}/checkout`, { person_id: p1 }), 422, 'rule_violation');
  let r = await workerA.post(`/api/v1/shifts/${night}/checkin`, { person_id: p1, at: at(y, '19:55') });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.people[0].checkin_at, at(y, '19:55'));
  await refused(() => workerA.post(`/api/v1/shifts/${night}/checkin`, { person_id: p1 }), 409, 'conflict');
  await refused(() => workerA.post(`/api/v1/shifts/${night}/checkin`, { person_id: persons[5].id }), 422, 'rule_violation');
  await refused(() => workerA.post(`/api/v1/shifts/${night}/checkout`, { person_id: p1, at: 'soon' }), 400, 'invalid_input', ['at']);
  await refused(() => workerC.post(`/api/v1/shifts/${night}/checkout`, { person_id: p1 }), 404, 'not_found');
  await refused(() => viewer.post(`/api/v1/shifts/${night}/checkout`, { person_id: p1 }), 403, 'forbidden');
  // Checked out at 08:05 this morning -- or, before that hour (CI runs at any
  // hour), at the last whole minute: a checkout cannot be in the future.
  const morning = Date.parse(at(day(0), '08:05'));
  const out = Math.min(morning, Math.floor((Date.now() - 60e3) / 60e3) * 60e3);
  const outAt = new Date(out + 8 * 3600e3).toISOString().slice(0, 19) + '+08:00';
  r = await workerA.post(`/api/v1/shifts/${night}/checkout`, { person_id: p1, at: outAt });
  assert.equal(r.status, 200, r.text);
  const minutes = (out - Date.parse(at(y, '19:55'))) / 60e3;
  if (out === morning) assert.equal(minutes, 12 * 60 + 10);
  for (const q of [`person=${p1}`, `team=${ids.vanguard}`, `org=${ids.retired}`]) {
    r = await viewer.get(`/api/v1/service-hours?${q}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.minutes, minutes, q);
    assert.equal(r.body.attendances, 1);
  }
  assert.equal(r.body.hours, Math.floor(minutes / 6) / 10, 'hours to one decimal, cut');
  if (out === morning) assert.equal(r.body.hours, 12.1);
  assertError(assert, await viewer.get('/api/v1/service-hours'), 400, 'invalid_input', ['person']);
  assertError(assert, await viewer.get(`/api/v1/service-hours?person=1&team=2`), 400, 'invalid_input', ['team']);
  r = await admin.get('/api/v1/stats/mobilisation?region=' + GRID_A);
  assert.equal(r.body.counters.service_minutes, minutes);
});

test('checkpoint entries: consequences, idempotency, masking, scope, bad input', async () => {
  const url = `/api/v1/checkpoints/${ids.checkpoint}/entries`;
  const uuid = UUID();
  const febrile = { client_uuid: uuid, id_number: persons[6].id_number, origin: '湖北省武汉市', destination: '雍景园小区', temperature: 38.2, outcome: 'refer' };
  let r = await workerA.post(url, febrile);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.person_id, persons[6].id);
  assert.equal(r.body.from_risk, true);
  assert.equal(r.body.febrile, true);
  assert.ok(r.body.observation_id && r.body.alert_id);
  assert.equal(r.body.id_number, persons[6].id_number); // the grid's own worker sees it
  const first = r.body;
  // The consequences, through their own endpoints.
  r = await health.get(`/api/v1/observations/${first.observation_id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.reason, 'travel');
  assert.equal(r.body.person_id, persons[6].id);
  r = await health.get(`/api/v1/alerts/${first.alert_id}`);
  assert.equal(r.body.rule, 'checkpoint_fever');
  assert.equal(r.body.severity, 'high');
  // Replay: the first entry, nothing new; the same UUID with another body: 409.
  let snap = srv.snapshot();
  r = await workerA.post(url, febrile);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('idempotent-replay'), 'true');
  assert.equal(r.body.id, first.id);
  assert.equal(srv.snapshot(), snap);
  await refused(() => workerA.post(url, { ...febrile, temperature: 36.5 }), 409, 'conflict');
  // Concurrent retries of one new entry create one row.
  const u2 = UUID();
  const car = { client_uuid: u2, plate: '湘M12345', origin: '永州市零陵区', outcome: 'pass' };
  const all = await Promise.all(Array.from({ length: 6 }, () => workerA.post(url, car)));
  assert.deepEqual(all.map((x) => x.status).sort(), [200, 200, 200, 200, 200, 201]);
  assert.equal(new Set(all.map((x) => x.body.id)).size, 1);
  // By name and phone, fever without travel: a medium alert, no observation.
  r = await workerA.post(url, { client_uuid: UUID(), name: '党员5', phone: persons[5].phone, origin: '东安县', temperature: 37.5, outcome: 'pass' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.person_id, persons[5].id);
  assert.equal(r.body.observation_id, null);
  assert.equal((await health.get(`/api/v1/alerts/${r.body.alert_id}`)).body.severity, 'medium');
  // The one fever severity rule of the profile: 高热 (39.1 ℃) is high wherever it is measured.
  r = await workerA.post(url, { client_uuid: UUID(), plate: '湘M54321', origin: '东安县', temperature: 39.1, outcome: 'turn_back' });
  assert.equal(r.status, 201, r.text);
  assert.equal((await health.get(`/api/v1/alerts/${r.body.alert_id}`)).body.severity, 'high');
  // An unregistered traveller from the risk area: recorded, flagged, no observation.
  r = await workerA.post(url, { client_uuid: UUID(), name: '过路人', phone: '13700000000', origin: '湖北省武汉市江汉区', outcome: 'turn_back' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.person_id, null);
  assert.equal(r.body.from_risk, true);

  // Bad input: each names its fields; nothing written.
  const cases = [
    [{ outcome: 'pass' }, ['client_uuid', 'id_number']],
    [{ client_uuid: 'x', plate: '湘M12345', outcome: 'pass' }, ['client_uuid']],
    [{ client_uuid: UUID(), id_number: '431122198001011234', outcome: 'pass' }, ['id_number']],
    [{ client_uuid: UUID(), name: '张三', outcome: 'pass' }, ['phone']],
    [{ client_uuid: UUID(), name: '张三', phone: '123', outcome: 'pass' }, ['phone']],
    [{ client_uuid: UUID(), plate: 'AB', outcome: 'pass' }, ['plate']],
    [{ client_uuid: UUID(), plate: '湘M12345', outcome: 'wave' }, ['outcome']],
    [{ client_uuid: UUID(), plate: '湘M12345', outcome: 'pass', temperature: 45 }, ['temperature']],
    [{ client_uuid: UUID(), plate: '湘M12345', outcome: 'pass', entered_at: at(day(2), '10:00') }, ['entered_at']],
    [{ client_uuid: UUID(), plate: '湘M12345', outcome: 'pass', entered_at: 'now' }, ['entered_at']],
    [{ client_uuid: UUID(), plate: '湘M12345', outcome: 'pass', speed: 60 }, ['speed']],
  ];
  for (const [body, fields] of cases) await refused(() => workerA.post(url, body), 400, 'invalid_input', fields);
  await refused(() => workerA.post('/api/v1/checkpoints/99999/entries', { client_uuid: UUID(), plate: '湘M12345', outcome: 'pass' }), 404, 'not_found');
  await refused(() => workerC.post(url, { client_uuid: UUID(), plate: '湘M12345', outcome: 'pass' }), 404, 'not_found');
  await refused(() => viewer.post(url, { client_uuid: UUID(), plate: '湘M12345', outcome: 'pass' }), 403, 'forbidden');

  // Lists: masked for the commander, full for the grid worker, refused to the viewer.
  r = await commander.get(`${url}?date=${day(0)}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.items.length, 5);
  const masked = r.body.items.find((e) => e.id === first.id);
  assert.match(masked.id_number, /\*{4}/);
  r = await workerA.get(url);
  assert.equal(r.body.items.find((e) => e.id === first.id).id_number, persons[6].id_number);
  // The full list is audited, naming its entries and their persons (issue #16 finding 4).
  const seen = await admin.get(`/api/v1/audit?action=view&entity=checkpoint_entry&username=${workerA.user.username}`);
  assert.equal(seen.body.items.length, 1, seen.text);
  assert.deepEqual(seen.body.items[0].after.ids, r.body.items.filter((e) => e.id_number || e.phone).map((e) => e.id));
  assert.ok(seen.body.items[0].after.person_ids.includes(persons[6].id));
  assertError(assert, await viewer.get(url), 403, 'forbidden');
  assertError(assert, await workerC.get(url), 404, 'not_found');
  r = await admin.get(`/api/v1/checkpoints/${ids.checkpoint}`);
  assert.equal(r.body.entries_today, 5);
  r = await admin.get('/api/v1/stats/mobilisation?region=' + COUNTY);
  assert.equal(r.body.counters[`checkpoint_entries.${day(0)}`], 5);
  assert.equal(r.body.counters[`checkpoint_fevers.${day(0)}`], 3);
});

test('roll-ups: the region and its children, in scope', async () => {
  let r = await commander.get('/api/v1/stats/mobilisation');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.code, CITY);
  assert.equal(r.body.counters['orgs.regular'], 4);
  assert.equal(r.body.counters['orgs.temporary'], 1);
  assert.equal(r.body.counters['orgs.mobile'], 1);
  const county = r.body.children.find((c) => c.code === COUNTY);
  assert.equal(county.counters['orgs.temporary'], 1);
  assert.equal(r.body.children.find((c) => c.code === OTHER_COUNTY).counters['orgs.regular'], undefined);
  assertError(assert, await otherOrganiser.get('/api/v1/stats/mobilisation?region=' + COUNTY), 403, 'forbidden');
  assertError(assert, await viewer.get('/api/v1/stats/mobilisation?region=43'), 400, 'invalid_input', ['region']);
  // Dissolving the temporary branch moves the figures at once.
  await refused(() => countyOrganiser.post(`/api/v1/orgs/${ids.temp}/dissolve`, { dissolved_date: day(5) }), 400, 'invalid_input', ['dissolved_date']);
  r = await countyOrganiser.post(`/api/v1/orgs/${ids.temp}/dissolve`, { dissolved_date: day(0) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'dissolved');
  await refused(() => countyOrganiser.post(`/api/v1/orgs/${ids.temp}/dissolve`, { dissolved_date: day(0) }), 409, 'conflict');
  await refused(() => countyOrganiser.post(`/api/v1/orgs/${ids.branch}/dissolve`, { dissolved_date: day(0) }), 422, 'rule_violation');
  r = await commander.get('/api/v1/stats/mobilisation?region=' + GRID_A);
  assert.equal(r.body.counters['orgs.temporary'], 0);
  assert.equal(r.body.counters['org_members.temporary'], 0);
});

test('CLI: epigrid import orgs|members from GBK and UTF-8 CSV, all or nothing', async () => {
  const { writeFileSync } = await import('node:fs');
  const { spawnSync } = await import('node:child_process');
  const gbk = (text) => spawnSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], { input: text }).stdout;
  const orgsCsv = `${srv.dir}/orgs.csv`;
  writeFileSync(orgsCsv, gbk(`编号,名称,类别,地区编码,上级ID,上级编号,驻地,成立日期\n`
    + `T1,茶亭一组临时党支部,临时,${GRID_B},${ids.branch},,,${day(-1)}\n`
    + `T2,茶亭一组卡口党小组,临时,${GRID_B},,T1,茶亭一组卡口,${day(-1)}\n`));
  let r = srv.cli(['import', 'orgs', orgsCsv]);
  assert.equal(r.status, 0, r.stderr);
  const map = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split(',')));
  let o = await admin.get(`/api/v1/orgs/${map.T2}`);
  assert.equal(o.body.parent_id, Number(map.T1));
  assert.equal(o.body.kind, 'temporary');
  const membersCsv = `${srv.dir}/members.csv`;
  writeFileSync(membersCsv, `党组织ID,身份证号,职务\n${map.T1},${persons[8].id_number},书记\n${map.T1},${persons[9].id_number},\n`);
  r = srv.cli(['import', 'members', membersCsv]);
  assert.equal(r.status, 0, r.stderr);
  o = await admin.get(`/api/v1/orgs/${map.T1}/members`);
  assert.deepEqual(o.body.items.map((m) => m.role), ['secretary', 'member']);
  // One bad row: nothing imported, the line and field named.
  const before = srv.snapshot();
  writeFileSync(membersCsv, `党组织ID,身份证号,职务\n${map.T2},${persons[8].id_number},党员\n${map.T2},110101199001011234,党员\n`);
  r = srv.cli(['import', 'members', membersCsv]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /第 3 行: id_number/);
  assert.equal(srv.snapshot(), before);
  r = await admin.get('/api/v1/stats/mobilisation?region=' + GRID_B);
  assert.equal(r.body.counters['orgs.temporary'], 2);
  assert.equal(r.body.counters['org_members.temporary'], 2);
});

test('roll-ups equal an oracle computed from the facts with SQL, at every level', async () => {
  for (const code of [CITY, COUNTY, VILLAGE, GRID_A, GRID_B, OTHER_COUNTY]) {
    const like = `'${code}%'`;
    const oracle = {};
    const q = (query) => { for (const row of sql(srv.db, query)) if (row.n) oracle[row.m] = row.n; };
    q(`SELECT 'orgs.' || kind AS m, COUNT(*) AS n FROM orgs WHERE dissolved_date IS NULL AND region_code LIKE ${like} GROUP BY kind`);
    q(`SELECT 'org_members.' || kind AS m, COUNT(*) AS n FROM org_members WHERE left_date IS NULL AND region_code LIKE ${like} GROUP BY kind`);
    q(`SELECT 'teams.' || type_code AS m, COUNT(*) AS n FROM teams WHERE region_code LIKE ${like} GROUP BY type_code`);
    q(`SELECT 'applications.' || status AS m, COUNT(*) AS n FROM applications WHERE region_code LIKE ${like} GROUP BY status`);
    q(`SELECT 'grids_responsible' AS m, COUNT(*) AS n FROM grid_duties WHERE role = 'responsible' AND grid_code LIKE ${like}`);
    q(`SELECT 'service_minutes' AS m, SUM((p.checkout_unix - p.checkin_unix) / 60) AS n FROM shift_people p JOIN shifts s ON s.id = p.shift_id WHERE p.checkout_unix IS NOT NULL AND s.region_code LIKE ${like}`);
    q(`SELECT 'checkpoint_entries.' || day AS m, COUNT(*) AS n FROM checkpoint_entries WHERE region_code LIKE ${like} GROUP BY day`);
    q(`SELECT 'checkpoint_fevers.' || day AS m, COUNT(*) AS n FROM checkpoint_entries WHERE febrile = 1 AND region_code LIKE ${like} GROUP BY day`);
    const r = await admin.get(`/api/v1/stats/mobilisation?region=${code}`);
    const live = Object.fromEntries(Object.entries(r.body.counters).filter(([, v]) => v !== 0));
    assert.deepEqual(live, oracle, code);
  }
});

test("the day's duty (deployed, rostered places, gaps) equals the shifts and the per-place gap view", async () => {
  for (const date of [day(-1), day(0), day(1), day(2)]) {
    for (const code of [CITY, COUNTY, GRID_A, GRID_B]) {
      const r = await commander.get(`/api/v1/stats/mobilisation?region=${code}&date=${date}`);
      assert.equal(r.status, 200, r.text);
      const from = Date.parse(`${date}T00:00:00+08:00`) / 1000, to = from + 86400;
      const [{ n }] = sql(srv.db, `SELECT COUNT(DISTINCT sp.person_id) AS n FROM shifts s JOIN shift_people sp ON sp.shift_id = s.id
        WHERE s.region_code LIKE '${code}%' AND s.start_unix < ${to} AND s.end_unix > ${from}`);
      const places = sql(srv.db, `SELECT d.id, (SELECT COUNT(*) FROM shifts s WHERE s.place_id = d.id AND s.start_unix < ${to} AND s.end_unix > ${from}) AS shifts,
        (SELECT hours FROM checkpoints c WHERE c.place_id = d.id) AS hours FROM duty_places d WHERE d.region_code LIKE '${code}%'`)
        .filter((p) => p.shifts > 0 || p.hours === '24h');
      let withGaps = 0, uncovered = 0;
      for (const p of places) {
        const g = (await admin.get(`/api/v1/shifts/gaps?place=${p.id}&date=${date}`)).body;
        if (!g.covered_24h) withGaps++;
        uncovered += g.uncovered_seconds;
      }
      const expected = { date, deployed: n, places_rostered: places.filter((p) => p.shifts > 0).length,
        checkpoints: places.filter((p) => p.hours === '24h').length, places_with_gaps: withGaps, uncovered_seconds: uncovered };
      assert.deepEqual(r.body.duty, expected, `${code} ${date}`);
    }
  }
  // Today at the checkpoint: covered; tomorrow only until 01:00.
  const today = (await commander.get(`/api/v1/stats/mobilisation?region=${GRID_A}`)).body.duty;
  assert.equal(today.places_with_gaps, 0);
  assert.equal(today.deployed, 3);
  const tomorrow = (await commander.get(`/api/v1/stats/mobilisation?region=${GRID_A}&date=${day(1)}`)).body.duty;
  assert.equal(tomorrow.uncovered_seconds, 23 * 3600);
  assertError(assert, await commander.get('/api/v1/stats/mobilisation?date=2020-02-30'), 400, 'invalid_input', ['date']);
});
