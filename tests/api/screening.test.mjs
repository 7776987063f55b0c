// screening.test.mjs -- the disease profile, risk areas, screening rounds,
// household visits and coverage over HTTP: every endpoint; who may do what;
// the bad-input matrix (each a 4xx with its fields, and nothing written);
// idempotent visit retries (replay 200, other body 409, concurrent retries);
// consequences of a visit seen through /observations and /alerts; updates
// with history; coverage numbers from the counters; many visits at once
// through the group-commit writer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, assertError, sql, sqlWrite } from './lib.mjs';

const CITY = '4311';
const COUNTY = '431122';
const TOWNSHIP = '431122101';
const VILLAGE = '431122101201';
const GRID_A = '431122101201001';
const GRID_B = '431122101201002';
const OTHER_COUNTY = '431103';
const GRID_C = '431103001001001';
const UUID = () => crypto.randomUUID();

// Writes beside the server (sqlite3 or psql) while it runs: only to stand in
// for the calendar moving on.
function spawnSqlite(statement) {
  sqlWrite(srv.db, statement);
  return 0;
}

// China dates, "days" from today.
function day(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

function makeId(seq) {
  const id17 = `431122${'19850612'}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...id17].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return id17 + '10X98765432'[sum % 11];
}
let seq = 1;

let srv, admin, commander, countyCommander, workerA, health, viewer, adminOther;
const houses = {}; // name -> {id, persons: [ids]}

async function household(grid, members) {
  const r = await admin.post('/api/v1/households', { grid_code: grid, address: `${grid} ${seq} 号` });
  assert.equal(r.status, 201, r.text);
  const persons = [];
  for (let i = 0; i < members; i++) {
    const p = await admin.post('/api/v1/persons', { name: '李四', id_number: makeId(seq++), household_id: r.body.id });
    assert.equal(p.status, 201, p.text);
    persons.push(p.body.id);
  }
  return { id: r.body.id, persons };
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
  commander = await srv.as('commander');
  countyCommander = await srv.as('commander', COUNTY);
  workerA = await srv.as('grid_worker', GRID_A);
  health = await srv.as('health');
  viewer = await srv.as('viewer');
  adminOther = await srv.as('admin', OTHER_COUNTY);
  houses.a1 = await household(GRID_A, 3);
  houses.a2 = await household(GRID_A, 1);
  houses.a3 = await household(GRID_A, 2);
  houses.b1 = await household(GRID_B, 1);
  houses.c1 = await household(GRID_C, 1);
});
after(async () => { await srv.stop(); });

const well = (person_id, extra = {}) => ({
  person_id, returned_from_risk: false, fever: false, cough: false, contact_with_case: false,
  temperature: 36.5, ...extra,
});

async function openRound(client, region, from = day(-1), to = day(5), name = '第一轮拉网式排查') {
  const r = await client.post('/api/v1/rounds', { name, region_code: region, start_date: from, end_date: to });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

// Expects a refusal with nothing written.
async function refused(send, status, code, fields = []) {
  const before_ = srv.snapshot();
  const r = await send();
  assertError(assert, r, status, code, fields);
  assert.equal(srv.snapshot(), before_, 'nothing may be written');
  return r;
}

// ---- profile -------------------------------------------------------------------

test('GET /profile gives the seeded 2020 profile to any logged-in user', async () => {
  const r = await viewer.get('/api/v1/profile');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.name, '新型冠状病毒肺炎');
  assert.equal(r.body.observation_days, 14);
  assert.equal(r.body.fever_threshold, 37.3);
  assert.deepEqual(r.body.slots, ['08:00', '16:00']);
  assert.equal(r.body.grace_minutes, 120);
  assert.equal(r.body.lookback_days, 14);
  assert.equal((await srv.anon().get('/api/v1/profile')).status, 401);
});

test('PUT /profile: a city admin changes it (audited); others may not; bad values write nothing', async () => {
  const cur = (await admin.get('/api/v1/profile')).body;
  const next = { ...cur, name: '登革热', fever_threshold: 38.0, slots: ['07:00', '12:00', '19:30'], grace_minutes: 60 };
  let r = await admin.req('PUT', '/api/v1/profile', next);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.name, '登革热');
  assert.equal(r.body.fever_threshold, 38);
  assert.deepEqual(r.body.slots, ['07:00', '12:00', '19:30']);
  assert.equal(sql(srv.db, "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'profile'")[0].n, 1);

  await refused(() => commander.req('PUT', '/api/v1/profile', cur), 403, 'forbidden');
  await refused(() => adminOther.req('PUT', '/api/v1/profile', cur), 403, 'forbidden');
  const bad = [
    [{ ...cur, fever_threshold: 60 }, ['fever_threshold']],
    [{ ...cur, slots: ['8:00'] }, ['slots[0]']],
    [{ ...cur, slots: ['16:00', '08:00'] }, ['slots']],
    [{ ...cur, slots: [] }, ['slots']],
    [{ ...cur, grace_minutes: 600 }, ['grace_minutes']],
    [{ ...cur, observation_days: '14' }, ['observation_days']],
    [{ ...cur, colour: 'red' }, ['colour']],
    [{ name: '流感' }, ['observation_days', 'fever_threshold', 'slots', 'grace_minutes', 'lookback_days']],
  ];
  for (const [body, fields] of bad) {
    await refused(() => admin.req('PUT', '/api/v1/profile', body), 400, 'invalid_input', fields);
  }
  r = await admin.req('PUT', '/api/v1/profile', cur);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.slots, ['08:00', '16:00']);
  assert.equal(r.body.fever_threshold, 37.3);
});

// ---- risk areas ----------------------------------------------------------------

test('risk areas: add, list, end, delete; checks and rights', async () => {
  let r = await admin.post('/api/v1/risk-areas', { place: '温州', level: 'high', from_date: '2020-01-30' });
  assert.equal(r.status, 201, r.text);
  const wenzhou = r.body;
  assert.equal(wenzhou.place, '温州');
  assert.equal(wenzhou.region_code, null);
  assert.equal(wenzhou.to_date, null);
  r = await admin.post('/api/v1/risk-areas', { region_code: '4210', level: 'medium', from_date: '2020-01-20', to_date: '2020-03-01' });
  assert.equal(r.status, 201, r.text);
  const jingzhou = r.body;

  r = await viewer.get('/api/v1/risk-areas');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.items.map((a) => a.id), [wenzhou.id, jingzhou.id]);
  r = await viewer.get('/api/v1/risk-areas?date=2020-03-02');
  assert.deepEqual(r.body.items.map((a) => a.id), [wenzhou.id]);
  await refused(() => viewer.get('/api/v1/risk-areas?date=yesterday'), 400, 'invalid_input', ['date']);

  for (const [body, fields] of [
    [{ level: 'high', from_date: '2020-01-01' }, ['region_code']],
    [{ place: '武汉', region_code: '4201', level: 'high', from_date: '2020-01-01' }, ['place']],
    [{ place: '武汉', level: 'severe', from_date: '2020-01-01' }, ['level']],
    [{ place: '武汉', level: 'high', from_date: '2020-13-01' }, ['from_date']],
    [{ place: '武汉', level: 'high', from_date: '2020-02-01', to_date: '2020-01-01' }, ['to_date']],
    [{ place: 42, level: 'high', from_date: '2020-01-01' }, ['place']],
    [{ place: '武汉', level: 'high', from_date: '2020-01-01', radius: 5 }, ['radius']],
  ]) {
    await refused(() => admin.post('/api/v1/risk-areas', body), 400, 'invalid_input', fields);
  }
  await refused(() => viewer.post('/api/v1/risk-areas', { place: '武汉', level: 'high', from_date: '2020-01-01' }), 403, 'forbidden');
  await refused(() => adminOther.post('/api/v1/risk-areas', { place: '武汉', level: 'high', from_date: '2020-01-01' }), 403, 'forbidden');

  r = await admin.patch(`/api/v1/risk-areas/${wenzhou.id}`, { to_date: '2020-03-15' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.to_date, '2020-03-15');
  await refused(() => admin.patch(`/api/v1/risk-areas/${wenzhou.id}`, { to_date: '2020-01-01' }), 400, 'invalid_input', ['to_date']);
  await refused(() => admin.patch('/api/v1/risk-areas/99999', { to_date: '2020-03-15' }), 404, 'not_found');
  r = await admin.del(`/api/v1/risk-areas/${jingzhou.id}`);
  assert.equal(r.status, 200, r.text);
  await refused(() => admin.del(`/api/v1/risk-areas/${jingzhou.id}`), 404, 'not_found');
  await refused(() => admin.del('/api/v1/risk-areas/abc'), 404, 'not_found');
  r = await admin.del(`/api/v1/risk-areas/${wenzhou.id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(sql(srv.db, "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'risk_area'")[0].n, 5);
});

// ---- rounds --------------------------------------------------------------------

test('POST /rounds: commander or admin opens a round in scope; bad input writes nothing', async () => {
  const r = await commander.post('/api/v1/rounds', { name: '全市第一轮排查', region_code: CITY, start_date: day(0), end_date: day(7) });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.status, 'open');
  assert.equal(r.body.region_code, CITY);
  assert.equal(r.body.created_by, 'commander_4311');
  const ok = { name: '轮次', region_code: COUNTY, start_date: day(0), end_date: day(3) };
  await refused(() => workerA.post('/api/v1/rounds', ok), 403, 'forbidden');
  await refused(() => health.post('/api/v1/rounds', ok), 403, 'forbidden');
  // A region outside the scope is not found, as a missing one.
  await refused(() => countyCommander.post('/api/v1/rounds', { ...ok, region_code: OTHER_COUNTY }), 404, 'not_found', ['region_code']);
  await refused(() => commander.post('/api/v1/rounds', { ...ok, region_code: '439999' }), 404, 'not_found', ['region_code']);
  for (const [body, fields] of [
    [{ ...ok, end_date: '2019-11-10', start_date: '2019-11-01' }, ['start_date']],
    [{ ...ok, end_date: day(0), start_date: day(2) }, ['end_date']],
    [{ ...ok, end_date: day(0), start_date: day(2), region_code: '439999' }, ['end_date', 'region_code']],
    [{ ...ok, region_code: 431122 }, ['region_code']],
    [{ ...ok, start_date: '2026-02-30' }, ['start_date']],
    [{ ...ok, name: '' }, ['name']],
    [{ ...ok, priority: 1 }, ['priority']],
    [{}, ['name', 'region_code', 'start_date', 'end_date']],
  ]) {
    await refused(() => commander.post('/api/v1/rounds', body), 400, 'invalid_input', fields);
  }
  await refused(() => commander.post('/api/v1/rounds', '{"name": "\xff"', { contentType: 'application/json' }), 400, 'invalid_input');
});

test('GET /rounds lists rounds overlapping the scope, newest first, with a cursor; GET /rounds/{id}', async () => {
  const county = await openRound(countyCommander, COUNTY);
  const other = await openRound(adminOther, OTHER_COUNTY);
  let r = await workerA.get('/api/v1/rounds');
  assert.equal(r.status, 200, r.text);
  const ids = r.body.items.map((x) => x.id);
  assert.ok(ids.includes(county.id));
  assert.ok(!ids.includes(other.id), 'a round of another county is not visible');
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
  const all = (await commander.get('/api/v1/rounds')).body.items.map((x) => x.id);
  const page1 = await commander.get('/api/v1/rounds?limit=1');
  assert.equal(page1.body.items.length, 1);
  const page2 = await commander.get(`/api/v1/rounds?limit=1&cursor=${page1.body.next_cursor}`);
  assert.deepEqual([page1.body.items[0].id, page2.body.items[0].id], all.slice(0, 2));

  r = await workerA.get(`/api/v1/rounds/${county.id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.coverage.region, GRID_A, 'a grid worker sees their grid of the round');
  assertError(assert, await workerA.get(`/api/v1/rounds/${other.id}`), 404, 'not_found');
  assertError(assert, await workerA.get('/api/v1/rounds/x1'), 404, 'not_found');
  assertError(assert, await workerA.get('/api/v1/rounds?cursor=abc'), 400, 'invalid_input', ['cursor']);
});

test('POST /rounds/{id}/close closes once; a closed round takes no visits', async () => {
  const round = await openRound(commander, COUNTY);
  let r = await commander.post(`/api/v1/rounds/${round.id}/close`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'closed');
  await refused(() => commander.post(`/api/v1/rounds/${round.id}/close`), 409, 'conflict');
  await refused(() => workerA.post(`/api/v1/rounds/${round.id}/close`), 403, 'forbidden');
  await refused(() => workerA.post('/api/v1/visits', {
    client_uuid: UUID(), round_id: round.id, household_id: houses.a2.id, members_present: 1,
    persons: [well(houses.a2.persons[0])],
  }), 422, 'rule_violation');
});

// ---- visits --------------------------------------------------------------------

test('POST /visits records a visit; the same UUID replays; another body under it is 409', async () => {
  const round = await openRound(commander, CITY);
  const body = {
    client_uuid: UUID(), round_id: round.id, household_id: houses.a2.id, members_present: 1,
    note: '门口张贴告知书', persons: [well(houses.a2.persons[0], { cough: true })],
  };
  const r = await workerA.post('/api/v1/visits', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.headers.get('idempotent-replay'), null);
  assert.equal(r.body.household_id, houses.a2.id);
  assert.equal(r.body.grid_code, GRID_A);
  assert.equal(r.body.visitor, `grid_worker_${GRID_A}`);
  assert.equal(r.body.version, 1);
  assert.equal(r.body.note, '门口张贴告知书');
  assert.match(r.body.visited_at, /\+08:00$/);
  assert.equal(r.body.persons.length, 1);
  assert.equal(r.body.persons[0].cough, true);
  assert.equal(r.body.persons[0].temperature, 36.5);
  assert.equal(r.body.persons[0].febrile, false);

  const snap = srv.snapshot();
  // Same UUID, same content (keys in another order): the first result, nothing new.
  const { persons, ...rest } = body;
  const again = await workerA.post('/api/v1/visits', { persons, ...rest });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.headers.get('idempotent-replay'), 'true');
  assert.deepEqual(again.body, r.body);
  assert.equal(srv.snapshot(), snap);
  // Same UUID, another content: 409.
  await refused(() => workerA.post('/api/v1/visits', { ...body, members_present: 2 }), 409, 'conflict');

  const got = await health.get(`/api/v1/visits/${r.body.id}`);
  assert.equal(got.status, 200, got.text);
  assert.deepEqual(got.body, r.body);
});

test('POST /visits: concurrent retries of one UUID make one visit', async () => {
  const round = await openRound(commander, COUNTY);
  const body = {
    client_uuid: UUID(), round_id: round.id, household_id: houses.a3.id, members_present: 2,
    persons: [well(houses.a3.persons[0]), well(houses.a3.persons[1])],
  };
  const rs = await Promise.all(Array.from({ length: 6 }, () => workerA.post('/api/v1/visits', body)));
  assert.deepEqual(rs.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 201]);
  assert.equal(new Set(rs.map((r) => r.body.id)).size, 1);
  assert.equal(sql(srv.db, `SELECT COUNT(*) AS n FROM visits WHERE round_id = ${round.id}`)[0].n, 1);
  const cov = await commander.get(`/api/v1/stats/coverage?round=${round.id}&region=${GRID_A}`);
  assert.equal(cov.body.visited, 1);
});

test('POST /visits: bad input is refused field by field and writes nothing', async () => {
  const round = await openRound(commander, CITY);
  const p = houses.a1.persons;
  const ok = () => ({
    client_uuid: UUID(), round_id: round.id, household_id: houses.a1.id, members_present: 3,
    persons: [well(p[0]), well(p[1])],
  });
  const cases = [
    [{ ...ok(), client_uuid: undefined }, ['client_uuid']],
    [{ ...ok(), client_uuid: 'not-a-uuid' }, ['client_uuid']],
    [{ ...ok(), persons: [well(p[0], { temperature: 60 })] }, ['persons[0].temperature']],
    [{ ...ok(), persons: [well(p[0], { temperature: 33.9 })] }, ['persons[0].temperature']],
    [{ ...ok(), persons: [well(p[0], { temperature: '37.5' })] }, ['persons[0].temperature']],
    [{ ...ok(), persons: [well(p[0], { fever: 'no' })] }, ['persons[0].fever']],
    [{ ...ok(), persons: [{ ...well(p[0]), cough: undefined }] }, ['persons[0].cough']],
    [{ ...ok(), persons: [well(p[0], { pets: 2 })] }, ['persons[0].pets']],
    [{ ...ok(), persons: [well(p[0]), 7] }, ['persons[1]']],
    [{ ...ok(), persons: [well(p[0]), well(p[0])] }, ['persons[1].person_id']],
    [{ ...ok(), persons: [well(houses.a2.persons[0])] }, ['persons[0].person_id']], // not a member
    [{ ...ok(), persons: [well(p[0], { returned_from_risk: true })] }, ['persons[0].arrival_date']],
    [{ ...ok(), persons: [well(p[0], { returned_from_risk: true, arrival_date: day(1) })] }, ['persons[0].arrival_date']],
    [{ ...ok(), persons: [well(p[0], { arrival_date: '2020-02-30' })] }, ['persons[0].arrival_date']],
    [{ ...ok(), persons: [well(p[0], { origin: 'x'.repeat(61) })] }, ['persons[0].origin']],
    [{ ...ok(), persons: 'everyone' }, ['persons']],
    [{ ...ok(), persons: undefined }, ['persons']],
    [{ ...ok(), round_id: '1' }, ['round_id']],
    [{ ...ok(), members_present: 100 }, ['members_present']],
    [{ ...ok(), members_present: 2.5 }, ['members_present']],
    [{ ...ok(), visited_at: '2026-01-01 08:00' }, ['visited_at']],
    [{ ...ok(), visited_at: new Date(Date.now() + 3600e3).toISOString() }, ['visited_at']],
    [{ ...ok(), note: 'x'.repeat(201) }, ['note']],
    [{ ...ok(), weather: 'rain' }, ['weather']],
  ];
  for (const [body, fields] of cases) {
    await refused(() => workerA.post('/api/v1/visits', body), 400, 'invalid_input', fields);
  }
  // A missing (or unseen) record alone is 404; among input errors, 400.
  for (const [body, fields] of [
    [{ ...ok(), persons: [well(houses.b1.persons[0])] }, ['persons[0].person_id']], // grid B: unseen
    [{ ...ok(), persons: [well(999999)] }, ['persons[0].person_id']],
    [{ ...ok(), round_id: 99999 }, ['round_id']],
    [{ ...ok(), household_id: 99999 }, ['household_id']],
  ]) {
    await refused(() => workerA.post('/api/v1/visits', body), 404, 'not_found', fields);
  }
  await refused(() => workerA.post('/api/v1/visits', { ...ok(), persons: [well(999999), well(houses.a2.persons[0])] }),
    400, 'invalid_input', ['persons[0].person_id', 'persons[1].person_id']);
  // Not JSON, invalid UTF-8, an array, the wrong content type.
  await refused(() => workerA.post('/api/v1/visits', '{"client_uuid":'), 400, 'invalid_input');
  await refused(() => workerA.post('/api/v1/visits',
    Buffer.concat([Buffer.from('{"note":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])), 400, 'invalid_input');
  await refused(() => workerA.post('/api/v1/visits', '[]'), 400, 'invalid_input');
  await refused(() => workerA.post('/api/v1/visits', JSON.stringify(ok()), { contentType: 'text/plain' }), 415, 'unsupported_media_type');
  // English messages on request.
  const en = await workerA.withLang('en').post('/api/v1/visits', { ...ok(), persons: [well(p[0], { temperature: 60 })] });
  assert.match(en.body.error.fields[0].message, /between 34 and 43/);
});

test('POST /visits: scope (404 as missing), permission (403), round area, dates and state (422)', async () => {
  const city = await openRound(commander, CITY);
  const county = await openRound(commander, COUNTY);
  const notYet = await openRound(commander, CITY, day(1), day(4));
  const expired = await openRound(commander, CITY, day(0), day(2));
  // The calendar moves on: the round ended yesterday (stands in for waiting).
  const r = spawnSqlite(`UPDATE rounds SET start_date = '${day(-5)}', end_date = '${day(-1)}' WHERE id = ${expired.id}`);
  assert.equal(r, 0);
  const visit = (round, house, extra = {}) => ({
    client_uuid: UUID(), round_id: round.id, household_id: house.id, members_present: 1,
    persons: [well(house.persons[0])], ...extra,
  });
  await refused(() => workerA.post('/api/v1/visits', visit(city, houses.b1)), 404, 'not_found', ['household_id']);
  await refused(() => workerA.post('/api/v1/visits', visit(city, houses.c1)), 404, 'not_found', ['household_id']);
  await refused(() => viewer.post('/api/v1/visits', visit(city, houses.a2)), 403, 'forbidden');
  await refused(() => commander.post('/api/v1/visits', visit(city, houses.a2)), 403, 'forbidden');
  await refused(() => admin.post('/api/v1/visits', visit(county, houses.c1)), 422, 'rule_violation');
  await refused(() => workerA.post('/api/v1/visits', visit(notYet, houses.a2)), 422, 'rule_violation');
  await refused(() => workerA.post('/api/v1/visits', visit(expired, houses.a2)), 422, 'rule_violation');
  const before_ = new Date(Date.now() - 3 * 86400e3).toISOString();
  await refused(() => workerA.post('/api/v1/visits', visit(county, houses.a2, { visited_at: before_ })), 422, 'rule_violation');
  // Health staff record visits too.
  const ok = await health.post('/api/v1/visits', visit(city, houses.c1));
  assert.equal(ok.status, 201, ok.text);
});

// A household, person, round or region outside the caller's scope answers
// exactly as a missing one: same status, same body apart from the id, no
// name, nothing written.
test('references outside the scope are answered as missing ones (visits, rounds)', async () => {
  const city = await openRound(commander, CITY);
  const other = await openRound(adminOther, OTHER_COUNTY);
  const mine = houses.a2;
  const visit = (fields) => ({
    client_uuid: UUID(), round_id: city.id, household_id: mine.id, members_present: 1,
    persons: [well(mine.persons[0])], ...fields,
  });
  const probes = [
    ['visit household_id', (id) => workerA.post('/api/v1/visits', visit({ household_id: id })), houses.b1.id, 999999],
    ['visit household_id, other county', (id) => workerA.post('/api/v1/visits', visit({ household_id: id })), houses.c1.id, 999999],
    ['visit persons[].person_id', (id) => workerA.post('/api/v1/visits', visit({ persons: [well(id)] })), houses.b1.persons[0], 999999],
    ['visit round_id', (id) => workerA.post('/api/v1/visits', visit({ round_id: id })), other.id, 999999],
    ['round region_code', (id) => countyCommander.post('/api/v1/rounds', { name: '轮次', region_code: String(id), start_date: day(0), end_date: day(3) }), OTHER_COUNTY, '431199'],
    ['round close, city-wide round from the county', (id) => countyCommander.post(`/api/v1/rounds/${id}/close`), city.id, 999999],
  ];
  const scrub = (r, id) => JSON.stringify(r.body).replace(new RegExp(`\\b${id}\\b`, 'g'), '<id>');
  for (const [label, send, outside, missing] of probes) {
    const snap = srv.snapshot();
    const a = await send(outside);
    const b = await send(missing);
    assert.equal(srv.snapshot(), snap, `${label}: nothing may be written`);
    assertError(assert, a, 404, 'not_found');
    assert.equal(a.status, b.status, `${label}: ${a.text} vs ${b.text}`);
    assert.equal(scrub(a, outside), scrub(b, missing), label);
    for (const r of [a, b]) {
      assert.ok(!r.text.includes('李四'), `${label}: a name leaked: ${r.text}`);
      assert.ok(!r.text.includes('管辖'), `${label}: ${r.text}`);
    }
  }
  // The city-wide round is still there, open, and visible to the county.
  const seen = await countyCommander.get(`/api/v1/rounds/${city.id}`);
  assert.equal(seen.status, 200, seen.text);
  assert.equal(seen.body.status, 'open');
});

test('a returnee with fever: home observation and a high alert; fever alone: a medium alert; an update keeps history', async () => {
  let r = await admin.post('/api/v1/risk-areas', { place: '武汉', level: 'high', from_date: '2020-01-01' });
  assert.equal(r.status, 201, r.text);
  const round = await openRound(commander, COUNTY);
  const [p0, p1, p2] = houses.a1.persons;
  const body = {
    client_uuid: UUID(), round_id: round.id, household_id: houses.a1.id, members_present: 3,
    visited_at: new Date(Date.now() - 600e3).toISOString(),
    persons: [
      well(p0, { origin: '湖北省武汉市江汉区', arrival_date: day(-2), transport: 'G1234', temperature: 38.2 }),
      well(p1, { fever: true }),
      well(p2, { returned_from_risk: true, arrival_date: day(-30) }), // too long ago
    ],
  };
  r = await workerA.post('/api/v1/visits', body);
  assert.equal(r.status, 201, r.text);
  const v = r.body;
  assert.deepEqual(v.persons.map((x) => [x.returnee, x.febrile]), [[true, true], [false, true], [false, false]]);
  assert.equal(v.returnees, 1);
  assert.equal(v.fevers, 2);
  assert.ok(v.persons[0].observation_id && v.persons[0].alert_id && v.persons[1].alert_id);

  let o = await health.get(`/api/v1/observations?person=${p0}`);
  assert.equal(o.status, 200, o.text);
  assert.equal(o.body.items.length, 1);
  assert.equal(o.body.items[0].id, v.persons[0].observation_id);
  assert.equal(o.body.items[0].kind, 'home');
  assert.equal(o.body.items[0].reason, 'travel');
  assert.equal(o.body.items[0].status, 'active');
  // opened at the visit's moment: slots that began before the visit are not owed
  assert.equal(Date.parse(o.body.items[0].opened_at), Math.floor(Date.parse(body.visited_at) / 1000) * 1000);
  assert.equal((await health.get(`/api/v1/observations?person=${p2}`)).body.items.length, 0);
  let a = await health.get(`/api/v1/alerts?person=${p0}`);
  assert.equal(a.status, 200, a.text);
  assert.deepEqual(a.body.items.map((x) => [x.rule, x.severity]), [['visit_fever_travel', 'high']]);
  a = await health.get(`/api/v1/alerts?person=${p1}`);
  assert.deepEqual(a.body.items.map((x) => [x.rule, x.severity]), [['visit_fever', 'medium']]);
  assert.equal(sql(srv.db, `SELECT COUNT(*) AS n FROM events WHERE type = 'visit.recorded' AND payload LIKE '%"visit_id":${v.id},%'`)[0].n, 1);

  // A second visit (a new UUID): p1's fever is gone, p2 now has one. Version 2,
  // history kept, the counters follow, nothing is raised or opened twice.
  const stats = async () => (await commander.get(`/api/v1/regions/${COUNTY}/stats`)).body.stats;
  const s1 = await stats();
  assert.equal(s1[`fever_found.r${round.id}`], 2);
  assert.equal(s1[`returnees.r${round.id}`], 1);
  r = await workerA.post('/api/v1/visits', {
    ...body, client_uuid: UUID(), visited_at: undefined,
    persons: [body.persons[0], well(p1), well(p2, { temperature: 37.3 })],
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.id, v.id);
  assert.equal(r.body.version, 2);
  const s2 = await stats();
  assert.equal(s2[`fever_found.r${round.id}`], 2);
  assert.equal(s2[`returnees.r${round.id}`], 1);
  assert.equal(s2[`visited.r${round.id}`], s1[`visited.r${round.id}`]);
  const hist = sql(srv.db, `SELECT version, snapshot FROM visit_history WHERE visit_id = ${v.id}`);
  assert.equal(hist.length, 1);
  assert.equal(hist[0].version, 1);
  assert.deepEqual(JSON.parse(hist[0].snapshot).persons.map((x) => x.febrile), [true, true, false]);
  assert.equal(sql(srv.db, `SELECT COUNT(*) AS n FROM observations WHERE person_id = ${p0}`)[0].n, 1);
  assert.equal((await health.get(`/api/v1/alerts?person=${p0}`)).body.items.length, 1);
  a = await health.get(`/api/v1/alerts?person=${p2}`);
  assert.deepEqual(a.body.items.map((x) => x.rule), ['visit_fever']);
  const audit = sql(srv.db, `SELECT action FROM audit_log WHERE entity = 'visit' AND entity_id = '${v.id}' ORDER BY id`);
  assert.deepEqual(audit.map((x) => x.action), ['create', 'update']);
});

test('GET /visits: scoped list by round and region with a cursor', async () => {
  const round = await openRound(commander, CITY);
  for (const [client, house] of [[workerA, houses.a1], [workerA, houses.a2], [workerA, houses.a3], [admin, houses.b1], [admin, houses.c1]]) {
    const r = await client.post('/api/v1/visits', {
      client_uuid: UUID(), round_id: round.id, household_id: house.id, members_present: 0, persons: [],
    });
    assert.equal(r.status, 201, r.text);
  }
  let r = await commander.get(`/api/v1/visits?round=${round.id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.items.length, 5);
  assert.equal(r.body.items[0].persons, undefined, 'lists carry no persons');
  const keys = r.body.items.map((v) => `${v.grid_code}:${v.id}`);
  assert.deepEqual(keys, [...keys].sort());
  r = await workerA.get(`/api/v1/visits?round=${round.id}`);
  assert.deepEqual(new Set(r.body.items.map((v) => v.grid_code)), new Set([GRID_A]));
  r = await commander.get(`/api/v1/visits?round=${round.id}&region=${OTHER_COUNTY}`);
  assert.deepEqual(r.body.items.map((v) => v.household_id), [houses.c1.id]);
  const seen = [];
  let cursor = '';
  for (;;) {
    r = await commander.get(`/api/v1/visits?round=${round.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...r.body.items.map((v) => v.id));
    if (!r.body.next_cursor) break;
    cursor = r.body.next_cursor;
  }
  assert.deepEqual(seen, (await commander.get(`/api/v1/visits?round=${round.id}`)).body.items.map((v) => v.id));
  assertError(assert, await commander.get('/api/v1/visits?round=x'), 400, 'invalid_input', ['round']);
  assertError(assert, await viewer.get('/api/v1/visits'), 403, 'forbidden');
  const other = (await commander.get(`/api/v1/visits?round=${round.id}&region=${OTHER_COUNTY}`)).body.items[0];
  assertError(assert, await workerA.get(`/api/v1/visits/${other.id}`), 404, 'not_found');
});

// ---- coverage ------------------------------------------------------------------

test('GET /stats/coverage: households and visited by child region, from counters', async () => {
  const round = await openRound(commander, CITY);
  // Five households exist: a1 a2 a3 (GRID_A), b1 (GRID_B), c1 (GRID_C).
  for (const house of [houses.a1, houses.a2, houses.b1]) {
    const r = await admin.post('/api/v1/visits', {
      client_uuid: UUID(), round_id: round.id, household_id: house.id, members_present: 1, persons: [],
    });
    assert.equal(r.status, 201, r.text);
  }
  // A second visit of a1 does not count twice.
  assert.equal((await admin.post('/api/v1/visits', {
    client_uuid: UUID(), round_id: round.id, household_id: houses.a1.id, members_present: 2, persons: [],
  })).status, 201);
  let r = await viewer.get(`/api/v1/stats/coverage?round=${round.id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.round, round.id);
  assert.equal(r.body.region, CITY);
  assert.equal(r.body.households, 5);
  assert.equal(r.body.visited, 3);
  assert.equal(r.body.coverage, 60);
  assert.deepEqual(r.body.children.map((c) => [c.code, c.households, c.visited, c.coverage]),
    [[OTHER_COUNTY, 1, 0, 0], [COUNTY, 4, 3, 75]]);
  r = await viewer.get(`/api/v1/stats/coverage?round=${round.id}&region=${VILLAGE}`);
  assert.deepEqual(r.body.children.map((c) => [c.code, c.name, c.households, c.visited, c.coverage]),
    [[GRID_A, '雍景园小区', 3, 2, 66.7], [GRID_B, '茶亭一组', 1, 1, 100]]);
  r = await workerA.get(`/api/v1/stats/coverage?round=${round.id}`);
  assert.equal(r.body.region, GRID_A);
  assert.equal(r.body.coverage, 66.7);
  assert.deepEqual(r.body.children, []);

  assertError(assert, await viewer.get('/api/v1/stats/coverage'), 400, 'invalid_input', ['round']);
  assertError(assert, await viewer.get('/api/v1/stats/coverage?round=0'), 400, 'invalid_input', ['round']);
  assertError(assert, await viewer.get(`/api/v1/stats/coverage?round=${round.id}&region=43`), 400, 'invalid_input', ['region']);
  assertError(assert, await viewer.get('/api/v1/stats/coverage?round=99999'), 404, 'not_found');
  assertError(assert, await workerA.get(`/api/v1/stats/coverage?round=${round.id}&region=${GRID_B}`), 403, 'forbidden');
  const county = await openRound(commander, COUNTY);
  assertError(assert, await commander.get(`/api/v1/stats/coverage?round=${county.id}&region=${CITY}`), 422, 'rule_violation');
});

test('many visits at once go through one writer: all answered, all counted', async () => {
  const round = await openRound(commander, COUNTY);
  const extra = [];
  for (let i = 0; i < 40; i++) {
    const r = await admin.post('/api/v1/households', { grid_code: GRID_B, address: `茶亭一组 ${100 + i} 号` });
    extra.push(r.body.id);
  }
  const rs = await Promise.all(extra.map((id) => admin.post('/api/v1/visits', {
    client_uuid: UUID(), round_id: round.id, household_id: id, members_present: 0, persons: [],
  })));
  assert.deepEqual([...new Set(rs.map((r) => r.status))], [201]);
  const cov = await commander.get(`/api/v1/stats/coverage?round=${round.id}&region=${GRID_B}`);
  assert.equal(cov.body.visited, 40);
  const oracle = sql(srv.db, `SELECT COUNT(*) AS n FROM visits WHERE round_id = ${round.id} AND grid_code = '${GRID_B}'`)[0].n;
  assert.equal(oracle, 40);
});

test('CLI: epigrid round open / list / close', async () => {
  let r = srv.cli(['round', 'open', '--region', COUNTY, '--name', '命令行轮次', '--from', day(0), '--to', day(2)]);
  assert.equal(r.status, 0, r.stderr);
  const id = Number(r.stdout.trim());
  assert.ok(id > 0);
  r = srv.cli(['round', 'list']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.stdout.split('\n').some((l) => l.startsWith(`${id}\t命令行轮次\t${COUNTY}\t`)));
  r = srv.cli(['round', 'open', '--region', COUNTY, '--name', 'x', '--from', day(3), '--to', day(2)]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /--to/);
  r = srv.cli(['round', 'close', String(id)]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal((await commander.get(`/api/v1/rounds/${id}`)).body.status, 'closed');
  assert.equal(srv.cli(['round', 'frobnicate']).status, 2);
  assert.equal(srv.cli(['round', '--help']).status, 0);
});
