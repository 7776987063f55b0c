// redteam.test.mjs -- regression tests of the red-team findings (issue
// "Security hardening"), one test named after each finding fixed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, makeId, epigrid, PASSWORD, day } from './lib.mjs';

const TOWN = '431122101';
const OTHER = '431124';
const GRID = `${TOWN}201001`;
let srv, root, townAdmin;
const people = {}; // county -> {household, person, idNumber} registered by the city

before(async () => {
  srv = await startServer();
  root = await srv.token('admin', '4311');
  for (const county of ['431122', OTHER]) {
    for (const code of [county, `${county}101`, `${county}101201`, `${county}101201001`]) {
      const r = await root.post('/api/v1/regions', { code, name: `地区${code}` });
      assert.equal(r.status, 201, r.text);
    }
  }
  // Rows of the audit log in both counties: a household and a person in each.
  let seq = 1;
  for (const county of ['431122', OTHER]) {
    const h = await root.post('/api/v1/households', { grid_code: `${county}101201001`, address: '一号' });
    assert.equal(h.status, 201, h.text);
    const idNumber = makeId(seq++, { area: county });
    const p = await root.post('/api/v1/persons', { name: `审计人${county}`, id_number: idNumber, household_id: h.body.id });
    assert.equal(p.status, 201, p.text);
    people[county] = { household: h.body.id, person: p.body.id, idNumber };
  }
  townAdmin = await srv.token('admin', TOWN);
});
after(async () => { await srv.stop(); });

test('finding 1: audit rows of other counties -- a region that is no region code is refused, never widened', async () => {
  for (const region of ['4311221019999999', '43112210199999999999', '431122x', '~', '43']) {
    const r = await townAdmin.get(`/api/v1/audit?limit=5&region=${encodeURIComponent(region)}`);
    assertError(assert, r, 400, 'invalid_input', ['region']);
    assert.doesNotMatch(r.text, new RegExp(OTHER));
  }
  assertError(assert, await townAdmin.get(`/api/v1/audit?region=${OTHER}`), 403, 'forbidden');
  // Whatever it asks, the township admin sees its own jurisdiction's rows only.
  const all = await townAdmin.get('/api/v1/audit?limit=500');
  assert.equal(all.status, 200, all.text);
  assert.ok(all.body.items.length > 0, 'its own rows are there');
  for (const row of all.body.items) assert.ok(row.region_code.startsWith(TOWN), JSON.stringify(row));
  const city = await root.get(`/api/v1/audit?limit=500&region=${OTHER}`);
  assert.ok(city.body.items.length > 0 && city.body.items.every((row) => row.region_code.startsWith(OTHER)));
});

test('finding 3: stored XSS -- every page and answer carries a Content-Security-Policy that runs no inline script', async () => {
  for (const p of ['/', '/coverage/431122', '/public/bulletin', '/public/donations', '/api/v1/health', '/app.js']) {
    const r = await srv.anon().get(p);
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'(;|$)/, `${p}: ${csp}`);
    assert.doesNotMatch(csp, /script-src[^;]*unsafe-(inline|eval)/, p);
    assert.match(csp, /object-src 'none'/, p);
    assert.match(csp, /frame-ancestors 'none'/, p);
  }
});

test('finding 8: headers -- no Referer leaves any page; no /api/ answer is cached; Secure cookie and HSTS under --cookie-secure', async () => {
  const viewer = await srv.as('viewer', '4311');
  const answers = [
    ['/', srv.anon()], ['/app.js', srv.anon()], ['/public/bulletin', srv.anon()],
    ['/api/v1/health', srv.anon()], ['/api/v1/regions/4311', srv.anon()], // 401
    ['/api/v1/nothing-here', srv.anon()], ['/api/v1/session', viewer],
    ['/api/v1/regions/4311', viewer], ['/api/v1/persons?limit=0', root], // 400
    ['/api/v1/persons', root], ['/api/v1/audit', root], ['/api/v1/users', root],
  ];
  for (const [p, client] of answers) {
    const r = await client.get(p);
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer', p);
    assert.equal(r.headers.get('strict-transport-security'), null, `${p}: no HSTS over plain HTTP`);
    if (p.startsWith('/api/')) assert.equal(r.headers.get('cache-control'), 'no-store', `${p} (${r.status})`);
  }
  // The event stream too (its body never ends: look at the headers only).
  const ac = new AbortController();
  const ev = await fetch(`${srv.url}/api/v1/events`, { headers: { Cookie: viewer.cookie }, signal: ac.signal });
  assert.equal(ev.headers.get('cache-control'), 'no-store');
  assert.equal(ev.headers.get('referrer-policy'), 'no-referrer');
  ac.abort();
  const login = await srv.anon().post('/api/v1/session', { username: 'viewer_4311', password: PASSWORD });
  assert.doesNotMatch(login.headers.get('set-cookie'), /Secure/i);

  const tls = await startServer({ args: ['--cookie-secure'] });
  try {
    tls.user('viewer', '4311');
    const r = await tls.anon().post('/api/v1/session', { username: 'viewer_4311', password: PASSWORD });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('set-cookie'), /; Secure(;|$)/);
    assert.match(r.headers.get('strict-transport-security'), /^max-age=\d{8}/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const c = await tls.login('viewer_4311', PASSWORD);
    const out = await c.del('/api/v1/session');
    assert.match(out.headers.get('set-cookie'), /Max-Age=0; Secure/);
    for (const p of ['/', '/public/bulletin'])
      assert.match((await tls.anon().get(p)).headers.get('strict-transport-security'), /max-age=/, p);
  } finally {
    await tls.stop();
  }
});

test('finding 7: CSV formula injection -- a person named =HYPERLINK(...) leaves the line list as text', async () => {
  const evil = '=HYPERLINK("//x.cn")';
  const p = await root.post('/api/v1/persons', { name: evil, id_number: makeId(701), grid_code: `${TOWN}201001` });
  assert.equal(p.status, 201, p.text);
  const c = await root.post('/api/v1/cases', { person_id: p.body.id, status: 'suspected' });
  assert.equal(c.status, 201, c.text);
  const r = await root.get('/api/v1/cases/export?format=csv');
  assert.equal(r.status, 200, r.text);
  // Quoted, with the apostrophe that makes a spreadsheet show it as text.
  assert.ok(r.text.includes(`,"'=HYPERLINK(""//x.cn"")",`), r.text);
  assert.doesNotMatch(r.text, /(^|,)[=+@]/m, 'no cell starts a formula');
});

// The audit rows "action" of "username", oldest first (the log lists newest first).
async function auditOf(action, username) {
  const r = await root.get(`/api/v1/audit?limit=500&action=${action}&username=${username}`);
  assert.equal(r.status, 200, r.text);
  return r.body.items.reverse();
}

test('finding 2: a masked view shows the birth year, not the date; exact ID-number lookups are audited and limited per user', async () => {
  const id = makeId(702, { birth: '19490425' });
  const h = await root.post('/api/v1/households', { grid_code: GRID, address: '二号' });
  assert.equal(h.status, 201, h.text);
  const p = await root.post('/api/v1/persons', { name: '掩码人', id_number: id, household_id: h.body.id, phone: '13912345678' });
  assert.equal(p.status, 201, p.text);
  // Masked (an admin): first and last four digits, and the year alone.
  const views = [
    await root.get(`/api/v1/persons/${p.body.id}`),
    await root.get(`/api/v1/persons?region=${GRID}&limit=500`),
    await root.get(`/api/v1/households/${h.body.id}`),
    await root.get('/api/v1/cases/export'),
  ];
  for (const r of views) {
    assert.equal(r.status, 200, r.text);
    assert.ok(!r.text.includes('1949-04-25') && !r.text.includes('19490425'), r.text);
  }
  assert.equal(views[0].body.id_number, `4311**********${id.slice(14)}`);
  assert.equal(views[0].body.birth_date, null);
  assert.equal(views[0].body.birth_year, 1949);
  // The audit row of the create masks the same way.
  const created = (await root.get(`/api/v1/audit?action=create&entity=person&entity_id=${p.body.id}`)).body.items[0];
  assert.ok(!JSON.stringify(created).includes('1949-04-25'), JSON.stringify(created));

  // Exact lookups: one audit row each naming what was found, the number masked.
  const looker = await srv.as('commander', TOWN);
  const hit = await looker.get(`/api/v1/persons?id_number=${id}`);
  assert.equal(hit.status, 200, hit.text);
  assert.deepEqual(hit.body.items.map((x) => x.id), [p.body.id]);
  const miss = await looker.get(`/api/v1/persons?id_number=${makeId(703, { birth: '19490425' })}`);
  assert.deepEqual(miss.body.items, []);
  const rows = await auditOf('lookup', looker.user.username);
  assert.equal(rows.length, 2, JSON.stringify(rows));
  assert.equal(rows[0].entity, 'person');
  assert.equal(rows[0].entity_id, String(p.body.id));
  assert.deepEqual(rows[0].after.person_ids, [p.body.id]);
  assert.equal(rows[0].after.id_number, `4311**********${id.slice(14)}`);
  assert.deepEqual(rows[1].after.person_ids, []); // a miss is audited too
  for (const row of rows) assert.ok(!JSON.stringify(row).includes(id.slice(4, 14)), JSON.stringify(row));
  // Per user: 30 at once, then 429 with Retry-After, in both languages.
  for (let i = 2; i < 30; i++) {
    const r = await looker.get(`/api/v1/persons?id_number=${makeId(704 + i)}`);
    assert.equal(r.status, 200, r.text);
  }
  const refused = await looker.get(`/api/v1/persons?id_number=${id}`);
  assertError(assert, refused, 429, 'too_many_requests');
  assert.match(refused.body.error.message, /身份证号/);
  assert.ok(Number(refused.headers.get('retry-after')) >= 1, refused.headers.get('retry-after'));
  const en = await looker.withLang('en').get(`/api/v1/persons?id_number=${id}`);
  assertError(assert, en, 429, 'too_many_requests');
  assert.match(en.body.error.message, /lookups by ID number/);
  assert.equal((await auditOf('lookup', looker.user.username)).length, 30, 'refused lookups found nothing to audit');
  // Other users keep their own allowance; lists without id_number are not counted.
  assert.equal((await root.get(`/api/v1/persons?id_number=${id}`)).status, 200);
  assert.equal((await looker.get(`/api/v1/persons?region=${GRID}`)).status, 200);
});

test('finding 4: every answer with full ID numbers or phones writes one audit row naming its persons; the line list needs export', async () => {
  const health = await srv.as('health', TOWN);
  const name = health.user.username;
  const list = await health.get('/api/v1/persons?limit=500');
  assert.equal(list.status, 200, list.text);
  const shown = list.body.items.filter((x) => !x.pii_masked).map((x) => x.id);
  assert.ok(shown.length >= 2 && list.body.items.every((x) => /^\d{17}[\dX]$/.test(x.id_number)), list.text);
  let rows = await auditOf('view', name);
  assert.equal(rows.length, 1, JSON.stringify(rows));
  assert.equal(rows[0].entity, 'person');
  assert.deepEqual(rows[0].after.person_ids, shown);
  assert.equal(rows[0].after.count, shown.length);
  assert.ok(rows[0].region_code.startsWith(TOWN), rows[0].region_code);
  // One person, and a household with its members: one row each.
  const one = await health.get(`/api/v1/persons/${shown[0]}`);
  assert.equal(one.status, 200, one.text);
  const household = list.body.items.find((x) => x.household_id).household_id;
  const members = await health.get(`/api/v1/households/${household}`);
  assert.equal(members.status, 200, members.text);
  rows = await auditOf('view', name);
  assert.equal(rows.length, 3, JSON.stringify(rows));
  assert.equal(rows[1].entity_id, String(shown[0]));
  assert.deepEqual(rows[2].after.person_ids, members.body.persons.map((x) => x.id));
  // Masked answers carry nothing to audit.
  const before = (await auditOf('view', 'admin_4311')).length;
  assert.equal((await root.get('/api/v1/persons?limit=500')).status, 200);
  assert.equal((await auditOf('view', 'admin_4311')).length, before);
  // The line list is a bulk export: health, with case_read, no longer gets it.
  assertError(assert, await health.get('/api/v1/cases/export'), 403, 'forbidden');
  assert.equal((await root.get('/api/v1/cases/export')).status, 200);
  const routes = JSON.parse(epigrid(['routes']).stdout).routes;
  assert.equal(routes.find((r) => r.pattern === '/api/v1/cases/export').perm, 'export');
});

// Finding 9: one rule -- outside the scope a record does not exist.  Each
// probe compares the answer about a record of the other county with the
// answer about an id never issued: same status, same words, no name, no code.
const sameShape = (a, idA, b, idB) =>
  assert.equal(a.text.split(String(idA)).join('<id>'), b.text.split(String(idB)).join('<id>'));

test('finding 9: a household or person of another county reads as missing (POST /persons, POST /observations)', async () => {
  const county = await srv.token('admin', '431122');
  const person = (household_id) => county.post('/api/v1/persons', { name: '探测', id_number: makeId(90), household_id });
  const out = await person(people[OTHER].household);
  const gone = await person(999999);
  assertError(assert, out, 404, 'not_found', ['household_id']);
  sameShape(out, people[OTHER].household, gone, 999999);
  assert.doesNotMatch(out.text, new RegExp(OTHER));
  const observe = (person_id) => county.post('/api/v1/observations', { person_id, kind: 'home', reason: 'travel' });
  const obsOut = await observe(people[OTHER].person);
  assertError(assert, obsOut, 404, 'not_found', ['person_id']);
  sameShape(obsOut, people[OTHER].person, await observe(999999), 999999);
});

test('finding 9: an ID number registered in another jurisdiction says only that', async () => {
  const county = await srv.token('admin', '431122');
  const r = await county.post('/api/v1/persons', { name: '重复', id_number: people[OTHER].idNumber, grid_code: GRID });
  assertError(assert, r, 409, 'conflict', ['id_number']);
  assert.doesNotMatch(r.text, new RegExp(`${OTHER}1|审计人|"person_id"|"id":`));
});

test('finding 9: a transfer to a warehouse of another county answers as for a missing one, naming nothing', async () => {
  const item = await root.post('/api/v1/items', { name: '口罩', unit: '只', category: 'protective' });
  assert.equal(item.status, 201, item.text);
  const wh = {};
  for (const county of ['431122', OTHER]) {
    const r = await root.post('/api/v1/warehouses', { name: `仓库${county}秘密`, region_code: `${county}101201001` });
    assert.equal(r.status, 201, r.text);
    wh[county] = r.body.id;
  }
  const sup = await srv.token('supplies', '431122');
  const transfer = (to) => sup.post('/api/v1/ledger', { kind: 'transfer', warehouse_id: wh['431122'], to_warehouse_id: to, lines: [{ item_id: item.body.id, quantity: 1 }] });
  const out = await transfer(wh[OTHER]);
  assertError(assert, out, 404, 'not_found', ['to_warehouse_id']);
  sameShape(out, wh[OTHER], await transfer(999999), 999999);
  assert.doesNotMatch(out.text, new RegExp(`${OTHER}|仓库${OTHER}`));
  assertError(assert, await sup.get(`/api/v1/warehouses/${wh[OTHER]}`), 404, 'not_found');
});

test('finding 9: a checkpoint learns the risk status of a traveller from another county, not who it is', async () => {
  const organiser = await srv.token('organiser', '431122');
  const cp = await organiser.post('/api/v1/checkpoints', { name: '探测卡口', region_code: GRID, hours: '24h' });
  assert.equal(cp.status, 201, cp.text);
  const worker = await srv.token('grid_worker', GRID);
  const enter = (id_number) => worker.post(`/api/v1/checkpoints/${cp.body.id}/entries`,
    { client_uuid: crypto.randomUUID(), id_number, temperature: 38.6, outcome: 'refer' });
  const far = await enter(people[OTHER].idNumber);
  assert.equal(far.status, 201, far.text);
  assert.equal(far.body.person_id, null, 'the matched person of another county is not named');
  assert.equal(far.body.observation_id, null);
  assert.equal(far.body.under_observation, false, 'the risk status is told');
  assert.ok(far.body.alert_id, 'the fever raises an alert at the checkpoint');
  // The alert lives in the checkpoint's grid; the person in it does not, for this county.
  const county = await srv.token('admin', '431122');
  const alert = await county.get(`/api/v1/alerts/${far.body.alert_id}`);
  assert.equal(alert.status, 200, alert.text);
  assert.equal(alert.body.person_id, null);
  assert.equal(alert.body.person_name, null);
  const list = await county.get('/api/v1/alerts?limit=50');
  assert.doesNotMatch(list.text, new RegExp(`审计人${OTHER}`));
  // The city sees who it is; a traveller of the checkpoint's own county is named.
  assert.equal((await root.get(`/api/v1/alerts/${far.body.alert_id}`)).body.person_name, `审计人${OTHER}`);
  const near = await enter(people['431122'].idNumber);
  assert.equal(near.body.person_id, people['431122'].person);
});

test('finding 9: a leader of another jurisdiction is not found, exactly like a missing user', async () => {
  srv.user('commander', OTHER, { username: 'leader_far' });
  srv.user('commander', '4311', { username: 'leader_city' });
  const county = await srv.token('admin', '431122');
  const far = await county.get('/api/v1/leaders/leader_far/regions');
  assertError(assert, far, 404, 'not_found');
  assert.equal(far.text.replace('leader_far', '<u>'), (await county.get('/api/v1/leaders/leader_nobody/regions')).text.replace('leader_nobody', '<u>'));
  assert.doesNotMatch(far.text, new RegExp(OTHER));
  assertError(assert, await county.get('/api/v1/leader-links?user=leader_far'), 404, 'not_found');
  // A leader above the caller's jurisdiction (the city's) supervises it: visible.
  assert.equal((await county.get('/api/v1/leaders/leader_city/regions')).status, 200);
});

test('finding 10: public drill-down -- only as deep as the profile publishes, small figures suppressed', async () => {
  // Two confirmed cases, one severe, in one compound (grid) of 431122.
  const grid = '431122101201001';
  for (const [i, severity] of [[1, 'severe'], [2, 'mild']]) {
    const p = await root.post('/api/v1/persons', { name: `病例${i}`, id_number: makeId(70 + i), grid_code: grid });
    assert.equal(p.status, 201, p.text);
    const c = await root.post('/api/v1/cases', { person_id: p.body.id, status: 'confirmed', severity });
    assert.equal(c.status, 201, c.text);
  }
  const anon = srv.anon();
  // Below the public depth (county by default): not published, however asked.
  for (const region of [grid, '431122101201', '431122101']) {
    const r = await anon.get(`/public/bulletin?region=${region}`);
    assertError(assert, r, 404, 'not_found');
    assert.doesNotMatch(r.text, /确诊病例\d/);
  }
  // The county's own page: small figures as "不足3", no breakdown below it.
  // (today asked for: the public page's default is the last complete day)
  let r = await anon.get(`/public/bulletin?region=431122&date=${day(0)}`);
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /全辖区累计报告确诊病例不足3例/);
  assert.match(r.text, /现有确诊病例不足3例.其中重症不足3例./);
  assert.doesNotMatch(r.text, /地区431122101|<table>/);
  // The city's page: exact at the top, its counties' small cells as "<3".
  r = await anon.get(`/public/bulletin?date=${day(0)}`);
  assert.match(r.text, /全市累计报告确诊病例2例/);
  assert.match(r.text, /<td>地区431122<\/td><td>&lt;3<\/td><td>&lt;3<\/td><td>&lt;3<\/td><td>&lt;3<\/td>/);
  assert.match(r.text, /注:为保护个人隐私/);
  // The depth is a profile setting; a grid published still hides the small figures.
  const profile = (await root.get('/api/v1/profile')).body;
  const put = (extra) => root.req('PUT', '/api/v1/profile', { ...profile, ...extra });
  assertError(assert, await put({ public_depth: 'street' }), 400, 'invalid_input', ['public_depth']);
  assertError(assert, await put({ public_min_cell: 0 }), 400, 'invalid_input', ['public_min_cell']);
  assert.equal((await put({ public_depth: 'grid' })).body.public_depth, 'grid');
  r = await anon.get(`/public/bulletin?region=${grid}&date=${day(0)}`);
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /现有确诊病例不足3例.其中重症不足3例./);
  assert.doesNotMatch(r.text, /现有确诊病例2例/);
  // A threshold of 1 publishes every figure exactly (the operator's choice).
  assert.equal((await put({ public_depth: 'grid', public_min_cell: 1 })).status, 200);
  assert.match((await anon.get(`/public/bulletin?region=${grid}&date=${day(0)}`)).text, /现有确诊病例2例.其中重症1例./);
  const back = await put({ public_depth: 'county', public_min_cell: 3 });
  assert.equal(back.status, 200, back.text);
});
