// registry.test.mjs -- households and persons over HTTP: every endpoint, the
// bad-input matrix of every write endpoint (each a 4xx with the right code and
// fields, and nothing written), languages, PII masking per role, audited
// unmasking, idempotent retries, region counters, scoping, stable pagination.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, sql } from './lib.mjs';

const COUNTY = '431122';
const VILLAGE = '431122101201';
const GRID_A = '431122101201001';
const GRID_B = '431122101201002';
const OTHER_COUNTY = '431103';
const GRID_C = '431103001001001';

// A valid GB 11643 ID number: county code, birth date, sequence (odd = male).
function makeId(birth, seq, county = '431122') {
  const id17 = `${county}${birth}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...id17].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return id17 + '10X98765432'[sum % 11];
}
let seq = 100;
function freshId(sex = 'M') {
  seq += 1;
  if ((seq % 2 === 1) !== (sex === 'M')) seq += 1;
  return makeId('19850612', seq);
}
function wrongCheck(id) {
  return id.slice(0, 17) + (id[17] === '0' ? '1' : '0');
}
const UUID = () => crypto.randomUUID();

let srv, admin, health, workerA, workerB, commander, viewer, adminOther;
let householdA; // a household of GRID_A

before(async () => {
  srv = await startServer({ args: ['--body-limit', '4096'] });
  admin = await srv.as('admin');
  for (const [code, name] of [
    [COUNTY, '东安县'], ['431122101', '白牙市镇'], [VILLAGE, '茶亭社区'],
    [GRID_A, '雍景园小区'], [GRID_B, '茶亭一组'],
    [OTHER_COUNTY, '冷水滩区'], ['431103001', '梅湾街道'], ['431103001001', '梅湾社区'],
    [GRID_C, '梅湾一网格'],
  ]) {
    const r = await admin.post('/api/v1/regions', { code, name });
    assert.equal(r.status, 201, r.text);
  }
  health = await srv.as('health');
  workerA = await srv.as('grid_worker', GRID_A);
  workerB = await srv.as('grid_worker', GRID_B);
  commander = await srv.as('commander');
  viewer = await srv.as('viewer');
  adminOther = await srv.as('admin', OTHER_COUNTY);
  const r = await admin.post('/api/v1/households', { grid_code: GRID_A, address: '雍景园 1 栋 101' });
  assert.equal(r.status, 201, r.text);
  householdA = r.body.id;
});
after(async () => { await srv.stop(); });

async function stats(code) {
  const r = await admin.get(`/api/v1/regions/${code}/stats`);
  assert.equal(r.status, 200, r.text);
  return r.body.stats;
}

async function createPerson(body, client = admin) {
  const r = await client.post('/api/v1/persons', { name: '张三', id_number: freshId(), ...body });
  assert.equal(r.status, 201, r.text);
  return r.body;
}

// ---- households ---------------------------------------------------------------

test('POST /households creates a household and counts it up the tree', async () => {
  const before_ = await Promise.all([GRID_B, VILLAGE, COUNTY, '4311'].map(stats));
  const r = await admin.post('/api/v1/households', { grid_code: GRID_B, address: '茶亭一组 3 号' });
  assert.equal(r.status, 201, r.text);
  assert.ok(Number.isInteger(r.body.id));
  assert.equal(r.body.grid_code, GRID_B);
  assert.equal(r.body.address, '茶亭一组 3 号');
  assert.equal(r.body.head_person_id, null);
  assert.equal(r.body.members, 0);
  assert.match(r.body.created_at, /\+08:00$/);
  const after_ = await Promise.all([GRID_B, VILLAGE, COUNTY, '4311'].map(stats));
  for (let i = 0; i < 4; i++) assert.equal(after_[i].households, before_[i].households + 1);
  // Audited in the same transaction.
  const a = await admin.get(`/api/v1/audit?entity=household&entity_id=${r.body.id}`);
  assert.equal(a.body.items.length, 1);
  assert.equal(a.body.items[0].action, 'create');
  assert.equal(a.body.items[0].after.address, '茶亭一组 3 号');
});

test('POST /households accepts a head person of the same grid', async () => {
  const head = await createPerson({ grid_code: GRID_A });
  const r = await admin.post('/api/v1/households', { grid_code: GRID_A, address: '2 栋', head_person_id: head.id });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.head_person_id, head.id);
  const bad = await admin.post('/api/v1/households', { grid_code: GRID_B, address: '2 栋', head_person_id: head.id });
  assertError(assert, bad, 400, 'invalid_input', ['head_person_id']);
});

test('GET /households/{id} gives the members count and the members', async () => {
  const h = (await admin.post('/api/v1/households', { grid_code: GRID_A, address: '3 栋 301' })).body;
  const p1 = await createPerson({ household_id: h.id, name: '户主甲' });
  const p2 = await createPerson({ household_id: h.id, name: '家属乙' });
  const r = await admin.get(`/api/v1/households/${h.id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.members, 2);
  assert.deepEqual(r.body.persons.map((p) => p.id), [p1.id, p2.id]);
  assert.equal(r.body.persons[0].pii_masked, true); // admin sees masked data
  // Health sees them unmasked; a grid worker of another grid not at all.
  const hr = await health.get(`/api/v1/households/${h.id}`);
  assert.match(hr.body.persons[0].id_number, /^\d{17}[\dX]$/);
  assert.equal(hr.body.persons[0].id_number.slice(14), p1.id_number.slice(14));
  assert.equal(hr.body.persons[0].pii_masked, false);
  assertError(assert, await workerB.get(`/api/v1/households/${h.id}`), 404, 'not_found');
  assertError(assert, await adminOther.get(`/api/v1/households/${h.id}`), 404, 'not_found');
  assertError(assert, await admin.get('/api/v1/households/999999'), 404, 'not_found');
  assertError(assert, await admin.get('/api/v1/households/abc'), 404, 'not_found');
});

test('GET /households lists by (grid, id) with a cursor, inside the scope only', async () => {
  const c = (await admin.post('/api/v1/households', { grid_code: GRID_C, address: '梅湾 1 号' })).body;
  const all = (await admin.get('/api/v1/households?limit=500')).body.items;
  assert.ok(all.some((h) => h.id === c.id));
  const keys = all.map((h) => [h.grid_code, h.id]);
  const sorted = [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  assert.deepEqual(keys, sorted);
  // Paging with limit 2 yields the same rows, once each.
  const paged = [];
  let cursor = null;
  for (let i = 0; i < 100; i++) {
    const r = await admin.get(`/api/v1/households?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    assert.equal(r.status, 200, r.text);
    paged.push(...r.body.items.map((h) => h.id));
    cursor = r.body.next_cursor;
    if (!cursor) break;
  }
  assert.deepEqual(paged, all.map((h) => h.id));
  // The county admin of 431103 sees only its own; a region filter narrows.
  const other = (await adminOther.get('/api/v1/households')).body.items;
  assert.deepEqual(other.map((h) => h.id), [c.id]);
  const inA = (await admin.get(`/api/v1/households?region=${GRID_A}`)).body.items;
  assert.ok(inA.length > 0 && inA.every((h) => h.grid_code === GRID_A));
  // A region outside the scope is refused, as for the audit log and stats.
  assertError(assert, await adminOther.get(`/api/v1/households?region=${COUNTY}`), 403, 'forbidden');
  assertError(assert, await workerA.get(`/api/v1/households?region=${COUNTY}`), 403, 'forbidden');
  assertError(assert, await admin.get('/api/v1/households?region=12'), 400, 'invalid_input', ['region']);
  assertError(assert, await admin.get('/api/v1/households?cursor=zzz'), 400, 'invalid_input', ['cursor']);
  assertError(assert, await admin.get('/api/v1/households?limit=0'), 400, 'invalid_input', ['limit']);
});

// ---- persons ------------------------------------------------------------------

test('POST /persons creates a person; sex and birth date come from the ID number', async () => {
  const before_ = await stats(GRID_A);
  const id = makeId('19900305', 222); // even: female
  const r = await admin.post('/api/v1/persons', {
    name: '李四', id_number: id.slice(0, 17) + id[17].toLowerCase(), phone: '13812345678', household_id: householdA,
  });
  assert.equal(r.status, 201, r.text);
  const p = r.body;
  assert.deepEqual(Object.keys(p).sort(), ['birth_date', 'birth_year', 'created_at', 'grid_code', 'household_id', 'id',
    'id_number', 'name', 'phone', 'pii_masked', 'sex', 'updated_at']);
  assert.equal(p.sex, 'F');
  // Masked: the birth year only (the date would give the ID number away).
  assert.equal(p.birth_date, null);
  assert.equal(p.birth_year, 1990);
  assert.equal(sql(srv.db, `SELECT birth_date FROM persons WHERE id = ${p.id}`)[0].birth_date, '1990-03-05');
  assert.equal(p.grid_code, GRID_A); // the household's grid
  assert.equal(p.household_id, householdA);
  assert.equal(p.pii_masked, true);
  assert.equal(p.id_number, `4311**********${id.slice(14)}`);
  assert.equal(p.phone, '138****5678');
  assert.equal((await stats(GRID_A)).persons, before_.persons + 1);
  // Stored in full (x upper-cased); the audit row masks it.
  const row = sql(srv.db, `SELECT id_number, phone FROM persons WHERE id = ${p.id}`)[0];
  assert.equal(row.id_number, id);
  assert.equal(row.phone, '13812345678');
  const a = await admin.get(`/api/v1/audit?entity=person&entity_id=${p.id}&action=create`);
  assert.equal(a.body.items.length, 1);
  assert.equal(a.body.items[0].after.id_number, p.id_number);
  assert.equal(a.body.items[0].after.phone, '138****5678');
  assert.ok(!JSON.stringify(a.body.items[0]).includes(id));
  // A person without a household lives in the grid given.
  const v = await createPerson({ grid_code: GRID_B, sex: 'M', birth_date: '1985-06-12' });
  assert.equal(v.household_id, null);
  assert.equal(v.phone, null);
  assert.equal(v.grid_code, GRID_B);
});

test('GET /persons/{id} and PATCH /persons/{id}', async () => {
  const p = await createPerson({ grid_code: GRID_A, name: '王五' });
  const g = await admin.get(`/api/v1/persons/${p.id}`);
  assert.equal(g.status, 200, g.text);
  assert.deepEqual(g.body, p);
  const u = await admin.patch(`/api/v1/persons/${p.id}`, { name: '王五一', phone: '0746-1234567' });
  assert.equal(u.status, 200, u.text);
  assert.equal(u.body.name, '王五一');
  assert.equal(u.body.phone, '074*****4567');
  assert.equal(u.body.id_number, p.id_number); // untouched fields stay
  assert.equal(u.body.grid_code, GRID_A);
  const a = await admin.get(`/api/v1/audit?entity=person&entity_id=${p.id}&action=update`);
  assert.equal(a.body.items[0].before.name, '王五');
  assert.equal(a.body.items[0].after.name, '王五一');
  assert.equal((await admin.get(`/api/v1/persons/${p.id}`)).body.name, '王五一');
  assertError(assert, await admin.get('/api/v1/persons/999999'), 404, 'not_found');
  assertError(assert, await admin.get('/api/v1/persons/1x'), 404, 'not_found');
  assertError(assert, await admin.patch('/api/v1/persons/999999', { name: '某' }), 404, 'not_found');
});

test('a duplicate ID number is a 409 conflict', async () => {
  const p = await createPerson({ grid_code: GRID_A });
  const full = (await health.get(`/api/v1/persons/${p.id}`)).body.id_number;
  const snap = srv.snapshot();
  const r = await admin.post('/api/v1/persons', { name: '重复', id_number: full, grid_code: GRID_B });
  assertError(assert, r, 409, 'conflict', ['id_number']);
  assert.match(r.body.error.message, /已登记/);
  assert.ok(!r.text.includes(full));
  const en = await admin.withLang('en').post('/api/v1/persons', { name: '重复', id_number: full, grid_code: GRID_B });
  assert.match(en.body.error.message, /already registered/);
  assert.equal(srv.snapshot(), snap);
  const other = await createPerson({ grid_code: GRID_B });
  assertError(assert, await admin.patch(`/api/v1/persons/${other.id}`, { id_number: full }), 409, 'conflict', ['id_number']);
});

test('GET /persons filters by region, name, id_number and household_id', async () => {
  const h = (await admin.post('/api/v1/households', { grid_code: GRID_B, address: '过滤 1 号' })).body;
  const a = await createPerson({ household_id: h.id, name: '筛选甲' });
  const b = await createPerson({ grid_code: GRID_A, name: '筛选甲' });
  const c = await createPerson({ grid_code: GRID_C, name: '筛选甲' });
  const ids = async (q, client = admin) => {
    const r = await client.get(`/api/v1/persons?${q}`);
    assert.equal(r.status, 200, r.text);
    return r.body.items.map((p) => p.id);
  };
  assert.deepEqual(await ids(`name=${encodeURIComponent('筛选甲')}`), [c.id, b.id, a.id]); // (grid, id) order
  assert.deepEqual(await ids(`name=${encodeURIComponent('筛选甲')}&region=${COUNTY}`), [b.id, a.id]);
  assert.deepEqual(await ids(`name=${encodeURIComponent('筛选')}`), []); // exact, not a prefix
  assert.deepEqual(await ids(`household_id=${h.id}`), [a.id]);
  const full = (await health.get(`/api/v1/persons/${b.id}`)).body.id_number;
  assert.deepEqual(await ids(`id_number=${full}`), [b.id]);
  assert.deepEqual(await ids(`id_number=${full}&name=${encodeURIComponent('别人')}`), []);
  // The county admin of 431103 finds only its own, even by name or ID number.
  assert.deepEqual(await ids(`name=${encodeURIComponent('筛选甲')}`, adminOther), [c.id]);
  assert.deepEqual(await ids(`id_number=${full}`, adminOther), []);
  assertError(assert, await adminOther.get(`/api/v1/persons?region=${COUNTY}`), 403, 'forbidden');
  assertError(assert, await workerB.get(`/api/v1/persons?region=${GRID_A}`), 403, 'forbidden');
  assertError(assert, await admin.get('/api/v1/persons?household_id=x'), 400, 'invalid_input', ['household_id']);
  assertError(assert, await admin.get('/api/v1/persons?region=4311x'), 400, 'invalid_input', ['region']);
  assertError(assert, await admin.get('/api/v1/persons?limit=501'), 400, 'invalid_input', ['limit']);
});

test('GET /persons?q= for a picker: the beginning of a name, an ID number or a phone; in the scope only; lookups audited', async () => {
  const a = await createPerson({ grid_code: GRID_A, name: '选择甲一', phone: '13900001111' });
  const b = await createPerson({ grid_code: GRID_B, name: '选择甲二' });
  const c = await createPerson({ grid_code: GRID_C, name: '选择甲三', phone: '13900002222' });
  const ids = async (q, client = admin, more = '') => {
    const r = await client.get(`/api/v1/persons?q=${encodeURIComponent(q)}${more}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.next_cursor, null);
    return r.body.items.map((p) => p.id);
  };
  // By name, then grid: a prefix finds all three; the county admin of 431103 only its own.
  assert.deepEqual((await ids('选择甲')).sort(), [a.id, b.id, c.id].sort());
  assert.deepEqual(await ids('选择甲一'), [a.id]);
  assert.deepEqual(await ids('选择甲', adminOther), [c.id]);
  assert.deepEqual(await ids('选择甲', workerA), [a.id]);
  assert.deepEqual(await ids('选择甲', admin, `&region=${GRID_B}`), [b.id]);
  assert.deepEqual(await ids('选择甲', admin, '&limit=2').then((x) => x.length), 2);
  // LIKE's own characters are only text.
  assert.deepEqual(await ids('%'), []);
  // An ID number or a phone is an exact lookup, audited, and finds nothing outside the scope.
  const full = (await health.get(`/api/v1/persons/${a.id}`)).body.id_number;
  const lookups = () => Number(sql(srv.db, "SELECT count(*) AS n FROM audit_log WHERE action = 'lookup'")[0].n);
  const before = lookups();
  assert.deepEqual(await ids(full), [a.id]);
  assert.deepEqual(await ids(full, adminOther), []);
  assert.deepEqual(await ids('13900001111'), [a.id]);
  assert.deepEqual(await ids('13900001111', adminOther), []);
  assert.deepEqual(await ids('13900002222', adminOther), [c.id]);
  assert.equal(lookups(), before + 5);
  assertError(assert, await admin.get('/api/v1/persons?q='), 400, 'invalid_input', ['q']);
  assertError(assert, await admin.get(`/api/v1/persons?q=${'长'.repeat(21)}`), 400, 'invalid_input', ['q']);
});

test('pagination is stable: pages cover every row exactly once, in (grid, id) order', async () => {
  for (let i = 0; i < 12; i++) await createPerson({ grid_code: [GRID_B, GRID_A, GRID_C][i % 3], name: '翻页' });
  const all = (await admin.get('/api/v1/persons?limit=500')).body.items;
  const keys = all.map((p) => [p.grid_code, p.id]);
  const sorted = [...keys].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  assert.deepEqual(keys, sorted);
  for (const limit of [1, 5, 7]) {
    const seen = [];
    let cursor = null;
    for (let pages = 0; pages < 500; pages++) {
      const r = await admin.get(`/api/v1/persons?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(r.status, 200, r.text);
      assert.ok(r.body.items.length <= limit);
      seen.push(...r.body.items.map((p) => p.id));
      cursor = r.body.next_cursor;
      if (!cursor) break;
    }
    assert.deepEqual(seen, all.map((p) => p.id), `limit ${limit}`);
  }
  // Rows added behind the cursor do not shift the next page.
  const first = await admin.get('/api/v1/persons?limit=3');
  await createPerson({ grid_code: GRID_A, name: '翻页' });
  const second = await admin.get(`/api/v1/persons?limit=3&cursor=${encodeURIComponent(first.body.next_cursor)}`);
  const last = first.body.items[2];
  for (const p of second.body.items) assert.ok(p.grid_code > last.grid_code || (p.grid_code === last.grid_code && p.id > last.id));
  assertError(assert, await admin.get('/api/v1/persons?cursor=431122101201001'), 400, 'invalid_input', ['cursor']);
  assertError(assert, await admin.get('/api/v1/persons?cursor=abc:1'), 400, 'invalid_input', ['cursor']);
});

// ---- the bad-input matrix -----------------------------------------------------

const bigName = 'x'.repeat(5000);
// [label, body (object, string or Buffer), options, status, code, fields]
function matrix(valid) {
  return [
    ['malformed JSON', '{"name": "张三",', {}, 400, 'invalid_input', []],
    ['not an object', '[1, 2]', {}, 400, 'invalid_input', []],
    ['empty body', '', {}, 400, 'invalid_input', []],
    ['unknown field', { ...valid, nickname: '小张' }, {}, 400, 'invalid_input', ['nickname']],
    ['oversized body', { ...valid, address: bigName, name: bigName }, {}, 413, 'too_large', []],
    ['invalid UTF-8', Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), {}, 400, 'invalid_input', ['name']],
    ['wrong Content-Type', JSON.stringify(valid), { contentType: 'text/plain' }, 415, 'unsupported_media_type', []],
    ['invalid client_uuid', { ...valid, client_uuid: 'not-a-uuid' }, {}, 400, 'invalid_input', ['client_uuid']],
  ];
}

async function expectRejected(send, label, status, code, fields) {
  const snap = srv.snapshot();
  const r = await send();
  assertError(assert, r, status, code, fields);
  assert.equal(srv.snapshot(), snap, `${label}: nothing may be written`);
  return r;
}

test('POST /persons: every bad input is a 4xx naming the fields, and writes nothing', async () => {
  const good = { name: '张三', id_number: freshId(), grid_code: GRID_A };
  const cases = [
    ...matrix(good),
    ['wrong types', { name: 12, id_number: 431122, household_id: '1', grid_code: true, sex: 1, phone: 13812345678 }, {}, 400, 'invalid_input',
      ['name', 'id_number', 'household_id', 'grid_code', 'sex', 'phone']],
    ['missing required fields', {}, {}, 400, 'invalid_input', ['name', 'id_number', 'grid_code']],
    ['null required fields', { name: null, id_number: null, grid_code: null }, {}, 400, 'invalid_input', ['name', 'id_number', 'grid_code']],
    ['wrong check digit', { ...good, id_number: wrongCheck(good.id_number) }, {}, 400, 'invalid_input', ['id_number']],
    ['impossible birth date', { ...good, id_number: makeId('19850230', 123) }, {}, 400, 'invalid_input', ['id_number']],
    ['short ID number', { ...good, id_number: '43112219850612' }, {}, 400, 'invalid_input', ['id_number']],
    ['letters in ID number', { ...good, id_number: '4311221985061212AB' }, {}, 400, 'invalid_input', ['id_number']],
    ['sex contradicts ID', { ...good, sex: 'F' }, {}, 400, 'invalid_input', ['sex']],
    ['birth date contradicts ID', { ...good, birth_date: '1985-06-13' }, {}, 400, 'invalid_input', ['birth_date']],
    ['bad phone', { ...good, phone: '12345' }, {}, 400, 'invalid_input', ['phone']],
    ['unknown region', { ...good, grid_code: '431122101201999' }, {}, 404, 'not_found', ['grid_code']],
    ['unknown region among input errors', { ...good, name: '', grid_code: '431122101201999' }, {}, 400, 'invalid_input', ['name', 'grid_code']],
    ['not a grid', { ...good, grid_code: VILLAGE }, {}, 400, 'invalid_input', ['grid_code']],
    ['unknown household', { name: '张三', id_number: good.id_number, household_id: 999999 }, {}, 404, 'not_found', ['household_id']],
    ['household id zero', { ...good, household_id: 0 }, {}, 400, 'invalid_input', ['household_id']],
    ['name too long', { ...good, name: '名'.repeat(21) }, {}, 400, 'invalid_input', ['name']],
    ['many problems at once', { name: '', id_number: wrongCheck(good.id_number), phone: 'x', grid_code: '4311', extra: 1 }, {}, 400, 'invalid_input',
      ['name', 'id_number', 'phone', 'grid_code', 'extra']],
  ];
  for (const [label, body, opts, status, code, fields] of cases) {
    await expectRejected(() => admin.post('/api/v1/persons', body, opts), label, status, code, fields);
  }
  // The good body itself is accepted (the matrix is not rejecting everything).
  assert.equal((await admin.post('/api/v1/persons', good)).status, 201);
});

test('POST /households: every bad input is a 4xx naming the fields, and writes nothing', async () => {
  const good = { grid_code: GRID_A, address: '雍景园 9 栋' };
  const cases = [
    ...matrix(good),
    ['wrong types', { grid_code: 431122101201001, address: ['x'], head_person_id: 'a' }, {}, 400, 'invalid_input', ['grid_code', 'address', 'head_person_id']],
    ['missing required fields', {}, {}, 400, 'invalid_input', ['grid_code', 'address']],
    ['unknown region', { ...good, grid_code: '431122101201999' }, {}, 404, 'not_found', ['grid_code']],
    ['not a grid', { ...good, grid_code: COUNTY }, {}, 400, 'invalid_input', ['grid_code']],
    ['address too long', { ...good, address: '址'.repeat(81) }, {}, 400, 'invalid_input', ['address']],
    ['unknown head', { ...good, head_person_id: 999999 }, {}, 404, 'not_found', ['head_person_id']],
    ['unknown head among input errors', { ...good, address: '', head_person_id: 999999 }, {}, 400, 'invalid_input', ['address', 'head_person_id']],
  ];
  for (const [label, body, opts, status, code, fields] of cases) {
    await expectRejected(() => admin.post('/api/v1/households', body, opts), label, status, code, fields);
  }
  assert.equal((await admin.post('/api/v1/households', good)).status, 201);
});

test('PATCH /persons/{id}: every bad input is a 4xx naming the fields, and writes nothing', async () => {
  const p = await createPerson({ grid_code: GRID_A });
  const url = `/api/v1/persons/${p.id}`;
  const good = { name: '改名' };
  const cases = [
    ...matrix(good).filter(([label]) => label !== 'invalid client_uuid'),
    ['client_uuid is not a PATCH field', { ...good, client_uuid: UUID() }, {}, 400, 'invalid_input', ['client_uuid']],
    ['no fields', {}, {}, 400, 'invalid_input', []],
    ['wrong types', { name: 1, household_id: 'x', phone: false }, {}, 400, 'invalid_input', ['name', 'household_id', 'phone']],
    ['read-only field', { id: 5, created_at: 'x' }, {}, 400, 'invalid_input', ['id', 'created_at']],
    ['wrong check digit', { id_number: wrongCheck(freshId()) }, {}, 400, 'invalid_input', ['id_number']],
    ['impossible birth date', { id_number: makeId('19851301', 123) }, {}, 400, 'invalid_input', ['id_number']],
    ['sex contradicts ID', { sex: p.sex === 'M' ? 'F' : 'M' }, {}, 400, 'invalid_input', ['sex']],
    ['bad phone', { phone: '0746-12' }, {}, 400, 'invalid_input', ['phone']],
    ['unknown region', { grid_code: '431122101201999' }, {}, 404, 'not_found', ['grid_code']],
    ['unknown household', { household_id: 999999 }, {}, 404, 'not_found', ['household_id']],
    ['household and grid disagree', { household_id: householdA, grid_code: GRID_B }, {}, 400, 'invalid_input', ['grid_code']],
    ['empty name', { name: '' }, {}, 400, 'invalid_input', ['name']],
  ];
  for (const [label, body, opts, status, code, fields] of cases) {
    await expectRejected(() => admin.patch(url, body, opts), label, status, code, fields);
  }
  assert.equal((await admin.patch(url, good)).status, 200);
});

test('messages are zh-CN by default, English with Accept-Language: en or ?lang=en', async () => {
  const body = { name: '张三', id_number: wrongCheck(freshId()), grid_code: GRID_A };
  const zh = await admin.post('/api/v1/persons', body);
  assertError(assert, zh, 400, 'invalid_input', ['id_number']);
  assert.equal(zh.body.error.message, '输入有误');
  assert.match(zh.body.error.fields.find((f) => f.field === 'id_number').message, /校验位/);
  for (const r of [await admin.withLang('en').post('/api/v1/persons', body),
    await admin.post('/api/v1/persons?lang=en', body)]) {
    assertError(assert, r, 400, 'invalid_input', ['id_number']);
    assert.equal(r.body.error.message, 'invalid input');
    assert.match(r.body.error.fields.find((f) => f.field === 'id_number').message, /check digit/);
  }
  const date = await admin.withLang('en').post('/api/v1/persons', { ...body, id_number: makeId('19850230', 1) });
  assert.match(date.body.error.fields[0].message, /birth date/);
  const region = await admin.post('/api/v1/persons?lang=en', { ...body, id_number: freshId(), grid_code: '431122101201999' });
  assert.match(region.body.error.fields[0].message, /grid 431122101201999 not found/);
  assert.equal(region.body.error.message, 'a referenced record was not found');
  const regionZh = await admin.post('/api/v1/persons', { ...body, id_number: freshId(), grid_code: '431122101201999' });
  assert.match(regionZh.body.error.fields[0].message, /不存在/);
});

// ---- masking, unmasking, scope ------------------------------------------------

test('ID numbers and phones are masked per role', async () => {
  const id = freshId('F');
  const p = await createPerson({ grid_code: GRID_A, id_number: id, phone: '13912345678' });
  const masked = `4311**********${id.slice(14)}`;
  const view = async (client) => client.get(`/api/v1/persons/${p.id}`);
  for (const c of [admin, commander]) {
    const r = await view(c);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id_number, masked);
    assert.equal(r.body.phone, '139****5678');
    assert.equal(r.body.pii_masked, true);
    assert.equal(r.body.birth_date, null); // the year alone next to a masked number
    assert.equal(r.body.birth_year, Number(id.slice(6, 10)));
  }
  for (const c of [health, workerA]) {
    const r = await view(c);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.id_number, id);
    assert.equal(r.body.phone, '13912345678');
    assert.equal(r.body.pii_masked, false);
    assert.equal(r.body.birth_date, `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`);
  }
  // A grid worker of another grid cannot even see the person.
  assertError(assert, await view(workerB), 404, 'not_found');
  const list = await workerB.get(`/api/v1/persons?id_number=${id}`);
  assert.deepEqual(list.body.items, []);
  const all = await workerB.get('/api/v1/persons?limit=500');
  assert.ok(all.body.items.every((x) => x.grid_code === GRID_B));
  // Lists mask the same way.
  const la = await admin.get(`/api/v1/persons?id_number=${id}`);
  assert.equal(la.body.items[0].id_number, masked);
  const lw = await workerA.get(`/api/v1/persons?id_number=${id}`);
  assert.equal(lw.body.items[0].id_number, id);
  // A role without registry_read gets 403.
  assertError(assert, await viewer.get('/api/v1/persons'), 403, 'forbidden');
  assertError(assert, await viewer.get(`/api/v1/persons/${p.id}`), 403, 'forbidden');
  assertError(assert, await viewer.get('/api/v1/households'), 403, 'forbidden');
});

test('POST /persons/{id}/unmask shows the full data and audits who viewed whose ID', async () => {
  const id = freshId();
  const p = await createPerson({ grid_code: GRID_B, id_number: id, phone: '13712345678' });
  const r = await admin.post(`/api/v1/persons/${p.id}/unmask`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.id_number, id);
  assert.equal(r.body.phone, '13712345678');
  assert.equal(r.body.pii_masked, false);
  assert.equal(r.body.birth_date, `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`);
  const a = await admin.get(`/api/v1/audit?action=unmask&entity_id=${p.id}`);
  assert.equal(a.status, 200, a.text);
  assert.equal(a.body.items.length, 1);
  const row = a.body.items[0];
  assert.equal(row.entity, 'person');
  assert.equal(row.username, 'admin_4311');
  assert.equal(row.region_code, GRID_B);
  assert.ok(!JSON.stringify(row).includes(id), 'the audit row does not hold the full number');
  // Roles without pii_unmask, and persons outside the scope.
  const snap = srv.snapshot();
  assertError(assert, await workerB.post(`/api/v1/persons/${p.id}/unmask`), 403, 'forbidden');
  assertError(assert, await commander.post(`/api/v1/persons/${p.id}/unmask`), 403, 'forbidden');
  assertError(assert, await adminOther.post(`/api/v1/persons/${p.id}/unmask`), 404, 'not_found');
  assertError(assert, await admin.post('/api/v1/persons/999999/unmask'), 404, 'not_found');
  assert.equal(srv.snapshot(), snap);
});

test('writing outside the scope is 404 as for a missing grid, reading a record outside it is 404', async () => {
  const inB = await createPerson({ grid_code: GRID_B });
  const mine = await createPerson({ grid_code: GRID_A }, workerA);
  assert.equal(mine.pii_masked, false);
  const snap = srv.snapshot();
  const id = freshId();
  assertError(assert, await workerA.post('/api/v1/persons', { name: '越界', id_number: id, grid_code: GRID_B }), 404, 'not_found', ['grid_code']);
  assertError(assert, await adminOther.post('/api/v1/persons', { name: '越界', id_number: id, grid_code: GRID_A }), 404, 'not_found', ['grid_code']);
  assertError(assert, await workerA.post('/api/v1/households', { grid_code: GRID_B, address: '越界' }), 404, 'not_found', ['grid_code']);
  assertError(assert, await workerA.patch(`/api/v1/persons/${mine.id}`, { grid_code: GRID_B }), 404, 'not_found', ['grid_code']);
  assertError(assert, await workerA.patch(`/api/v1/persons/${inB.id}`, { name: '改' }), 404, 'not_found');
  assertError(assert, await workerA.get(`/api/v1/persons/${inB.id}`), 404, 'not_found');
  assertError(assert, await commander.post('/api/v1/persons', { name: '无权', id_number: id, grid_code: GRID_A }), 403, 'forbidden');
  assert.equal(srv.snapshot(), snap);
});

// A reference outside the caller's scope answers exactly as a missing one:
// same status, same body apart from the id, never the record's name, nothing
// written.  [label, client, send(id), id in scope of someone else]
test('a household, person or grid outside the scope is answered as a missing one', async () => {
  const hiddenName = '隐名户主';
  const hiddenPerson = await createPerson({ grid_code: GRID_B, name: hiddenName });
  const hiddenHousehold = (await admin.post('/api/v1/households', { grid_code: GRID_B, address: '茶亭一组 隐 1 号', head_person_id: hiddenPerson.id })).body;
  const mine = await createPerson({ grid_code: GRID_A }, workerA);
  const MISSING = 999999;
  const probes = [
    ['POST /persons household_id', (id) => workerA.post('/api/v1/persons', { name: '某甲', id_number: freshId(), household_id: id }), hiddenHousehold.id, MISSING],
    ['POST /persons household_id, body error too', (id) => workerA.post('/api/v1/persons', { name: 5, id_number: freshId(), household_id: id }), hiddenHousehold.id, MISSING],
    ['POST /persons household_id and grid_code', (id) => workerA.post('/api/v1/persons', { name: '某甲', id_number: freshId(), household_id: id, grid_code: GRID_A }), hiddenHousehold.id, MISSING],
    ['POST /households head_person_id', (id) => workerA.post('/api/v1/households', { grid_code: GRID_A, address: '某处', head_person_id: id }), hiddenPerson.id, MISSING],
    ['POST /households head_person_id, client_uuid', (id) => workerA.post('/api/v1/households', { client_uuid: UUID(), grid_code: GRID_A, address: '某处', head_person_id: id }), hiddenPerson.id, MISSING],
    ['PATCH /persons household_id', (id) => workerA.patch(`/api/v1/persons/${mine.id}`, { household_id: id }), hiddenHousehold.id, MISSING],
    ['PATCH /persons household_id, body error too', (id) => workerA.patch(`/api/v1/persons/${mine.id}`, { household_id: id, phone: 5 }), hiddenHousehold.id, MISSING],
    ['POST /persons grid_code', (id) => workerA.post('/api/v1/persons', { name: '某甲', id_number: freshId(), grid_code: String(id) }), GRID_B, '431122101201999'],
    ['POST /households grid_code', (id) => workerA.post('/api/v1/households', { grid_code: String(id), address: '某处' }), GRID_B, '431122101201999'],
    ['PATCH /persons grid_code', (id) => workerA.patch(`/api/v1/persons/${mine.id}`, { grid_code: String(id) }), GRID_B, '431122101201999'],
  ];
  const scrub = (r, id) => JSON.stringify(r.body).replace(new RegExp(`\\b${id}\\b`, 'g'), '<id>');
  for (const [label, send, outside, missing] of probes) {
    const snap = srv.snapshot();
    const a = await send(outside);
    const b = await send(missing);
    assert.equal(srv.snapshot(), snap, `${label}: nothing may be written`);
    assert.ok(a.status === 404 || a.status === 400, `${label}: ${a.status} ${a.text}`);
    assert.equal(a.status, b.status, `${label}: ${a.text} vs ${b.text}`);
    assert.equal(scrub(a, outside), scrub(b, missing), label);
    for (const r of [a, b]) {
      assert.ok(!r.text.includes(hiddenName), `${label}: the name leaked: ${r.text}`);
      assert.ok(!r.text.includes('管辖'), `${label}: ${r.text}`);
      assert.ok(!r.text.includes(GRID_B) || outside === GRID_B, `${label}: the hidden grid leaked: ${r.text}`);
    }
  }
  // In English too.
  const en = await workerA.withLang('en').post('/api/v1/persons', { name: '某甲', id_number: freshId(), household_id: hiddenHousehold.id });
  assertError(assert, en, 404, 'not_found', ['household_id']);
  assert.equal(en.body.error.fields[0].message, `household ${hiddenHousehold.id} not found`);
});

// ---- idempotency --------------------------------------------------------------

test('client_uuid: a retry returns the first result, another body with it is 409', async () => {
  const uuid = UUID();
  const body = { client_uuid: uuid, name: '离线甲', id_number: freshId(), grid_code: GRID_A, phone: '13512345678' };
  const first = await workerA.post('/api/v1/persons', body);
  assert.equal(first.status, 201, first.text);
  assert.equal(first.headers.get('idempotent-replay'), null);
  const key = sql(srv.db, `SELECT entity, entity_id FROM idempotency_keys WHERE client_uuid = '${uuid}'`);
  assert.deepEqual(key, [{ entity: 'person', entity_id: first.body.id }]);
  const snap = srv.snapshot();
  // The same body, keys in another order: 200, the first result, nothing new.
  const reordered = Object.fromEntries(Object.entries(body).reverse());
  const again = await workerA.post('/api/v1/persons', reordered);
  assert.equal(again.status, 200, again.text);
  assert.equal(again.headers.get('idempotent-replay'), 'true');
  assert.deepEqual(again.body, first.body);
  assert.equal(srv.snapshot(), snap);
  // The same UUID with another body, or for a household: 409.
  const changed = await workerA.post('/api/v1/persons', { ...body, name: '离线乙' });
  assertError(assert, changed, 409, 'conflict');
  assert.match(changed.body.error.message, /client_uuid/);
  const hh = await workerA.post('/api/v1/households', { client_uuid: uuid, grid_code: GRID_A, address: '某处' });
  assertError(assert, hh, 409, 'conflict');
  assert.equal(srv.snapshot(), snap);
  // Households replay the same way.
  const hu = UUID();
  const h1 = await workerA.post('/api/v1/households', { client_uuid: hu, grid_code: GRID_A, address: '离线 1 号' });
  assert.equal(h1.status, 201, h1.text);
  const snap2 = srv.snapshot();
  const h2 = await workerA.post('/api/v1/households', { address: '离线 1 号', grid_code: GRID_A, client_uuid: hu });
  assert.equal(h2.status, 200, h2.text);
  assert.equal(h2.headers.get('idempotent-replay'), 'true');
  assert.equal(h2.body.id, h1.body.id);
  assert.equal(srv.snapshot(), snap2);
  // A rejected write records no key: the corrected retry goes through.
  const u3 = UUID();
  const bad = await workerA.post('/api/v1/persons', { client_uuid: u3, name: '', id_number: freshId(), grid_code: GRID_A });
  assertError(assert, bad, 400, 'invalid_input', ['name']);
  const fixed = await workerA.post('/api/v1/persons', { client_uuid: u3, name: '改正', id_number: freshId(), grid_code: GRID_A });
  assert.equal(fixed.status, 201, fixed.text);
});

// ---- counters -----------------------------------------------------------------

test('region counters move with creates and moves', async () => {
  const codes = [GRID_A, GRID_B, VILLAGE, COUNTY, GRID_C, OTHER_COUNTY, '4311'];
  const snapshot = async () => Object.fromEntries(await Promise.all(codes.map(async (c) => [c, (await stats(c)).persons])));
  const s0 = await snapshot();
  const p = await createPerson({ grid_code: GRID_A });
  const s1 = await snapshot();
  assert.deepEqual(s1, { ...s0, [GRID_A]: s0[GRID_A] + 1, [VILLAGE]: s0[VILLAGE] + 1, [COUNTY]: s0[COUNTY] + 1, 4311: s0[4311] + 1 });
  // Moving to another county: -1 along the old branch, +1 along the new.
  assert.equal((await admin.patch(`/api/v1/persons/${p.id}`, { grid_code: GRID_C })).status, 200);
  const s2 = await snapshot();
  assert.deepEqual(s2, { ...s0, [GRID_C]: s0[GRID_C] + 1, [OTHER_COUNTY]: s0[OTHER_COUNTY] + 1, 4311: s0[4311] + 1 });
  // Moving into a household of GRID_B takes its grid.
  const h = (await admin.post('/api/v1/households', { grid_code: GRID_B, address: '迁入 1 号' })).body;
  const moved = await admin.patch(`/api/v1/persons/${p.id}`, { household_id: h.id });
  assert.equal(moved.status, 200, moved.text);
  assert.equal(moved.body.grid_code, GRID_B);
  assert.equal(moved.body.household_id, h.id);
  const s3 = await snapshot();
  assert.deepEqual(s3, { ...s0, [GRID_B]: s0[GRID_B] + 1, [VILLAGE]: s0[VILLAGE] + 1, [COUNTY]: s0[COUNTY] + 1, 4311: s0[4311] + 1 });
  // A change inside the grid moves nothing.
  assert.equal((await admin.patch(`/api/v1/persons/${p.id}`, { name: '不动' })).status, 200);
  assert.deepEqual(await snapshot(), s3);
  // The counters agree with the rows.
  for (const c of codes) {
    const n = sql(srv.db, `SELECT COUNT(*) AS n FROM persons WHERE grid_code LIKE '${c}%'`)[0].n;
    assert.equal(s3[c], n, c);
  }
});
