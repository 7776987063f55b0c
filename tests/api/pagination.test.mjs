// pagination.test.mjs -- keyset pagination without an empty last page: a list
// whose size is exactly the limit answers next_cursor null (the client stops
// there), and one item more gives a cursor whose page holds exactly that
// item and no cursor.  One endpoint for each way a cursor is made: (grid,
// id) in the handler (persons, households, observations), an id in the
// handler (audit, orgs, checkpoints, risk areas), a username (users), an id
// in the domain module (donors), a (start, id) pair (shifts, in time order).
// The public donations' "after" is in supplies.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, makeId, day, assertError } from './lib.mjs';

const COUNTY = '431122';
const GRID = (n) => `431122101201${String(n).padStart(3, '0')}`;
const LIMIT = 3;

let srv, admin;
let seq = 1;

before(async () => {
  srv = await startServer();
  admin = await srv.as('admin');
  for (const [code, name] of [[COUNTY, '东安县'], ['431122101', '白牙市镇'], ['431122101201', '茶亭社区'],
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => [GRID(n), `网格${n}`])]) {
    const r = await admin.post('/api/v1/regions', { code, name });
    assert.equal(r.status, 201, r.text);
  }
});
after(async () => { await srv.stop(); });

// The page at "path" (a query string already started) with ?limit=LIMIT.
async function page(client, path, cursor) {
  const sep = path.includes('?') ? '&' : '?';
  const url = `${path}${sep}limit=${LIMIT}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
  const r = await client.get(url);
  assert.equal(r.status, 200, `${url}: ${r.text}`);
  return r.body;
}

// Exactly LIMIT items: one page, no cursor.  Then add() one more: a cursor,
// and its page holds exactly the new item, without a cursor.
async function exactThenOneMore(client, path, add, key = (x) => x.id) {
  const full = await page(client, path);
  assert.equal(full.items.length, LIMIT, `${path}: ${LIMIT} items`);
  assert.equal(full.next_cursor, null, `${path}: an exactly full page is the last`);
  await add();
  const first = await page(client, path);
  assert.equal(first.items.length, LIMIT);
  assert.equal(typeof first.next_cursor, 'string', `${path}: more follow`);
  const second = await page(client, path, first.next_cursor);
  assert.equal(second.items.length, 1, `${path}: the next page holds the one item more`);
  assert.equal(second.next_cursor, null);
  const seen = new Set(first.items.map(key));
  assert.ok(!seen.has(key(second.items[0])), `${path}: no item twice`);
}

async function person(grid) {
  const r = await admin.post('/api/v1/persons', { name: `分页${seq}`, id_number: makeId(seq++), grid_code: grid });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

async function household(client, grid) {
  const r = await client.post('/api/v1/households', { grid_code: grid, address: `分页 ${seq++} 号` });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

test('persons and households: a (grid, id) cursor', async () => {
  for (let i = 0; i < LIMIT; i++) await person(GRID(1));
  await exactThenOneMore(admin, `/api/v1/persons?region=${GRID(1)}`, () => person(GRID(1)));
  // Across two grids: the extra row is in the other grid.
  await household(admin, GRID(2));
  await household(admin, GRID(2));
  await household(admin, GRID(3));
  await exactThenOneMore(admin, '/api/v1/households?region=431122101201', () => household(admin, GRID(3)));
});

test('observations: a (grid, id) cursor', async () => {
  const open = async () => {
    const r = await admin.post('/api/v1/observations', { person_id: await person(GRID(4)), kind: 'home', reason: 'travel', start_date: day(-1) });
    assert.equal(r.status, 201, r.text);
  };
  for (let i = 0; i < LIMIT; i++) await open();
  await exactThenOneMore(admin, `/api/v1/observations?region=${GRID(4)}`, open);
});

test('audit: an id cursor, newest first', async () => {
  const worker = await srv.as('grid_worker', GRID(5));
  for (let i = 0; i < LIMIT; i++) await household(worker, GRID(5));
  await exactThenOneMore(admin, `/api/v1/audit?entity=household&username=grid_worker_${GRID(5)}`,
    () => household(worker, GRID(5)));
});

test('users: a username cursor', async () => {
  const local = await srv.as('admin', GRID(6)); // sees the users inside its grid: itself ...
  srv.user('viewer', GRID(6), { username: 'page_viewer_1' });
  srv.user('viewer', GRID(6), { username: 'page_viewer_2' }); // ... and these two
  await exactThenOneMore(local, '/api/v1/users', () => srv.user('viewer', GRID(6), { username: 'page_viewer_3' }),
    (u) => u.username);
});

test('orgs and checkpoints: an id cursor made in the handler', async () => {
  const organiser = await srv.as('organiser', GRID(7));
  const org = async () => {
    const r = await organiser.post('/api/v1/orgs', { name: `分页党小组${seq++}`, kind: 'regular', region_code: GRID(7), founded_date: '2020-01-01' });
    assert.equal(r.status, 201, r.text);
  };
  for (let i = 0; i < LIMIT; i++) await org();
  await exactThenOneMore(organiser, '/api/v1/orgs', org);

  const checkpoint = async () => {
    const r = await admin.post('/api/v1/checkpoints', { name: `分页卡点${seq++}`, region_code: GRID(7), hours: '24h' });
    assert.equal(r.status, 201, r.text);
  };
  for (let i = 0; i < LIMIT; i++) await checkpoint();
  await exactThenOneMore(admin, `/api/v1/checkpoints?region=${GRID(7)}`, checkpoint);
});

test('donors: an id cursor made in the domain module', async () => {
  const sup = await srv.as('supplies', GRID(8));
  const donor = async () => {
    const r = await sup.post('/api/v1/donors', { name: `分页捐赠人${seq++}`, kind: 'individual' });
    assert.equal(r.status, 201, r.text);
  };
  for (let i = 0; i < LIMIT; i++) await donor();
  await exactThenOneMore(sup, '/api/v1/donors', donor);
});

test('risk areas: an id cursor; a bad cursor is refused', async () => {
  const area = async () => {
    const r = await admin.post('/api/v1/risk-areas', { place: `分页地区${seq++}`, level: 'low', from_date: '2020-01-01' });
    assert.equal(r.status, 201, r.text);
  };
  for (let i = 0; i < LIMIT; i++) await area();
  await exactThenOneMore(admin, '/api/v1/risk-areas', area);
  // the cursor and ?date= together: the areas in force that day after the cursor
  const all = (await admin.get('/api/v1/risk-areas?date=2020-02-01')).body;
  assert.equal(all.items.length, LIMIT + 1);
  const rest = await admin.get(`/api/v1/risk-areas?date=2020-02-01&cursor=${all.items[0].id}`);
  assert.deepEqual(rest.body.items.map((a) => a.id), all.items.slice(1).map((a) => a.id));
  for (const bad of ['x', '0', '-1', '1:2'])
    assertError(assert, await admin.get(`/api/v1/risk-areas?cursor=${encodeURIComponent(bad)}`), 400, 'invalid_input', ['cursor']);
});

test('shifts: a (start, id) cursor, in start order, ties broken by id across the page boundary', async () => {
  const organiser = await srv.as('organiser', GRID(7));
  const place = await organiser.post('/api/v1/places', { name: `分页值守点${seq++}`, kind: 'site', region_code: GRID(7) });
  assert.equal(place.status, 201, place.text);
  const worker = await person(GRID(7));
  const D = '2020-02-01';
  const shift = async (from, to) => {
    const r = await organiser.post('/api/v1/shifts', { place_id: place.body.id, start: `${D}T${from}:00+08:00`, end: `${D}T${to}:00+08:00`, person_ids: [worker] });
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  // created out of time order: the list is by start, then id
  const ten = await shift('10:00', '12:00');
  const eight = await shift('08:00', '10:00');
  const nine = await shift('09:00', '11:00');
  const path = `/api/v1/shifts?place=${place.body.id}&date=${D}`;
  assert.deepEqual((await page(organiser, path)).items.map((x) => x.id), [eight, nine, ten]);
  // one more at 10:00 too: after "ten" (the larger id), on the next page
  let tenToo;
  await exactThenOneMore(organiser, path, async () => { tenToo = await shift('10:00', '11:00'); });
  const first = await page(organiser, path);
  assert.deepEqual(first.items.map((x) => x.id), [eight, nine, ten]);
  const second = await page(organiser, path, first.next_cursor);
  assert.deepEqual(second.items.map((x) => x.id), [tenToo]);
  for (const bad of ['x', '1', '1:', ':1', '1:0', '1:x', '1:2:3', '+1:2', '99999999999999999999:1'])
    assertError(assert, await organiser.get(`${path}&cursor=${encodeURIComponent(bad)}`), 400, 'invalid_input', ['cursor']);
  // the limit's bounds hold as on every list
  assertError(assert, await organiser.get(`${path}&limit=0`), 400, 'invalid_input', ['limit']);
  assertError(assert, await organiser.get(`${path}&limit=1001`), 400, 'invalid_input', ['limit']);
});
