// observations.test.mjs -- observations, health reports, overdue and alerts over
// HTTP: every endpoint; idempotent report retries (replay 200, other body 409,
// a new UUID replaces the slot's report and keeps history); the bad-input
// matrices (each a 4xx with its fields, and nothing written); release rules and
// the health override; overdue persons per grid and rolled up after
// `epigrid sweep --at`; the alert lifecycle and timeliness; counters.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';

const CITY = '4311';
const COUNTY = '431122';
const VILLAGE = '431122101201';
const GRID_A = '431122101201001';
const GRID_B = '431122101201002';
const OTHER_COUNTY = '431103';
const GRID_C = '431103001001001';
const UUID = () => crypto.randomUUID();

// China dates, "days" from today.
function day(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

function makeId(seq) {
  const id17 = `431122${'19900101'}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...id17].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return id17 + '10X98765432'[sum % 11];
}
let seq = 1;

let srv, admin, health, workerA, workerC, viewer, commander, adminOther;

async function person(grid, name = '王五') {
  const r = await admin.post('/api/v1/persons', { name, id_number: makeId(seq++), grid_code: grid });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

// Opened at 00:00 of its start date unless the body says otherwise: every
// slot since then is due.
async function observe(personId, body = {}, client = admin) {
  const b = { person_id: personId, kind: 'home', reason: 'travel', start_date: day(-3), ...body };
  if (b.start_date && !('opened_at' in b)) b.opened_at = `${b.start_date}T00:00:00+08:00`;
  const r = await client.post('/api/v1/observations', b);
  assert.equal(r.status, 201, r.text);
  return r.body;
}

async function stats(code) {
  const r = await admin.get(`/api/v1/regions/${code}/stats`);
  assert.equal(r.status, 200, r.text);
  return r.body.stats;
}

// A reference outside the caller's scope is answered exactly as one that does
// not exist: 404, the same body but for the id, never the record's name, and
// nothing written.  Returns the answer to the out-of-scope reference.
async function sameAsMissing(client, path, outBody, outId, missingBody, missingId, name, status = 404) {
  const snap = srv.snapshot();
  const out = await client.post(path, outBody);
  const missing = await client.post(path, missingBody);
  assert.equal(out.status, status, out.text);
  assert.equal(missing.status, status, missing.text);
  assert.equal(out.text.replaceAll(String(outId), '<id>'), missing.text.replaceAll(String(missingId), '<id>'));
  if (name) assert.ok(!out.text.includes(name), `no name in the answer: ${out.text}`);
  assert.ok(!/管辖|jurisdiction/.test(out.text), `no jurisdiction in the answer: ${out.text}`);
  assert.equal(srv.snapshot(), snap, 'nothing may be written');
  return out;
}

function reportBody(personId, extra = {}) {
  return { client_uuid: UUID(), person_id: personId, slot: `${day(-1)}T08:00`, temperature: 36.5, ...extra };
}

before(async () => {
  srv = await startServer();
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
  workerC = await srv.as('grid_worker', GRID_C);
  viewer = await srv.as('viewer');
  commander = await srv.as('commander');
  adminOther = await srv.as('admin', OTHER_COUNTY);
});
after(async () => { await srv.stop(); });

// First, while the server's own minute sweep has not run yet: a chosen moment.
test('epigrid sweep --at: overdue persons per grid, rolled up, with one alert per slot', async () => {
  const pa = await person(GRID_A, '逾期甲');
  const pb = await person(GRID_B, '逾期乙');
  const pc = await person(GRID_C, '逾期丙');
  const reported = await person(GRID_A, '按时丁');
  const oa = await observe(pa, { start_date: day(-2) });
  await observe(pb, { start_date: day(-2) });
  await observe(pc, { start_date: day(-2) });
  await observe(reported, { start_date: day(-2) });
  const r0 = await workerA.post('/api/v1/health-reports', reportBody(reported));
  assert.equal(r0.status, 201, r0.text);

  // 09:59 is within the 08:00 slot's 120 minutes of grace: nobody is overdue.
  let s = srv.cli(['sweep', '--at', `${day(-1)}T09:59+08:00`]);
  assert.equal(s.status, 0, s.stderr);
  assert.equal(JSON.parse(s.stdout).opened, 0);
  s = srv.cli(['sweep', '--at', `${day(-1)}T10:05`]);
  assert.equal(s.status, 0, s.stderr);
  assert.deepEqual(JSON.parse(s.stdout), { at: `${day(-1)}T10:05:00+08:00`, opened: 3, closed: 0 });
  s = srv.cli(['sweep', '--at', `${day(-1)}T10:30`]); // again: nothing new
  assert.equal(JSON.parse(s.stdout).opened, 0);

  let r = await admin.get(`/api/v1/observations?status=overdue&region=${COUNTY}&group=children`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.items.map((o) => o.person_name).sort(), ['逾期乙', '逾期甲']);
  assert.equal(r.body.items[0].overdue.slot, `${day(-1)}T08:00`);
  assert.equal(r.body.overdue_now, 2);
  assert.deepEqual(r.body.children, [{ code: '431122101', name: '白牙市镇', overdue_now: 2 }]);
  r = await admin.get(`/api/v1/observations?status=overdue&region=${VILLAGE}&group=children`);
  assert.deepEqual(r.body.children.map((c) => [c.code, c.overdue_now]), [[GRID_A, 1], [GRID_B, 1]]);
  r = await workerA.get('/api/v1/observations?status=overdue');
  assert.deepEqual(r.body.items.map((o) => o.id), [oa.id]);
  assert.equal(r.body.overdue_now, 1);
  assert.equal((await stats(CITY)).overdue_now, 3);

  r = await admin.get(`/api/v1/alerts?rule=report_overdue&person=${pa}`);
  assert.equal(r.body.items.length, 1);
  assert.equal(r.body.items[0].severity, 'medium');
  assert.match(r.body.items[0].title_zh, /^未按时报告健康情况/);
  assert.equal(r.body.items[0].person_name, '逾期甲');
  assert.ok(r.body.items[0].raised_at.startsWith(`${day(-1)}T10:05`));

  // The late report closes the row at once.
  r = await workerA.post('/api/v1/health-reports', reportBody(pa));
  assert.equal(r.status, 201, r.text);
  assert.equal((await stats(GRID_A)).overdue_now, 0);
  assert.equal((await stats(CITY)).overdue_now, 2);
  // Past midnight the 16:00 slot is the current one.
  s = srv.cli(['sweep', '--at', `${day(0)}T01:00`]);
  assert.deepEqual(JSON.parse(s.stdout), { at: `${day(0)}T01:00:00+08:00`, opened: 4, closed: 2 });
  r = await admin.get('/api/v1/observations?status=overdue&limit=2');
  assert.equal(r.body.items.length, 2);
  assert.ok(r.body.next_cursor);
  const r2 = await admin.get(`/api/v1/observations?status=overdue&cursor=${r.body.next_cursor}`);
  assert.equal(r2.body.items.length, 2);
  assert.ok(r2.body.items.every((o) => o.overdue.slot === `${day(-1)}T16:00`));
  // Bad --at.
  s = srv.cli(['sweep', '--at', 'yesterday']);
  assert.equal(s.status, 2);
});

// Due rule: a slot is owed only if the observation was open when it started.
test('epigrid sweep --at: a slot that began before the observation was opened is not overdue', async () => {
  const evening = await person(GRID_B, '晚到戊');
  const afternoon = await person(GRID_B, '午到己');
  const late = await observe(evening, { start_date: day(-2), opened_at: `${day(-2)}T20:25:00+08:00` });
  assert.equal(late.opened_at, `${day(-2)}T20:25:00+08:00`);
  await observe(afternoon, { start_date: day(-2), opened_at: `${day(-2)}T15:59:00+08:00` });
  // 20:30: the 16:00 slot is past its grace; only the one open at 16:00 owes it.
  let s = srv.cli(['sweep', '--at', `${day(-2)}T20:30`]);
  assert.equal(s.status, 0, s.stderr);
  const overdue = async (p) => (await admin.get(`/api/v1/alerts?rule=report_overdue&person=${p}`)).body.items;
  assert.equal((await overdue(evening)).length, 0);
  const owed = await overdue(afternoon);
  assert.equal(owed.length, 1);
  assert.match(owed[0].title_en, new RegExp(`${day(-2)}T16:00`));
  // The next morning's 08:00 slot is owed by both.
  s = srv.cli(['sweep', '--at', `${day(-1)}T10:05`]);
  assert.equal(s.status, 0, s.stderr);
  const next = await overdue(evening);
  assert.equal(next.length, 1);
  assert.match(next[0].title_en, new RegExp(`${day(-1)}T08:00`));
  assert.equal((await overdue(afternoon)).length, 2);
  // Opened without opened_at: now.
  const now = await observe(await person(GRID_B), { start_date: day(0), opened_at: undefined });
  assert.ok(Math.abs(Date.parse(now.opened_at) - Date.now()) < 60e3, now.opened_at);
});

test('POST /observations opens one, counts it, replays and refuses a second', async () => {
  const p = await person(GRID_A);
  const before_ = await stats(COUNTY);
  const body = { client_uuid: UUID(), person_id: p, kind: 'centralized', site: '县宾馆', reason: 'contact', start_date: day(-1) };
  const r = await workerA.post('/api/v1/observations', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.status, 'active');
  assert.equal(r.body.planned_end, day(13));
  assert.equal(r.body.site, '县宾馆');
  assert.equal(r.body.created_by, `grid_worker_${GRID_A}`);
  assert.equal(r.body.last_report, null);
  const after_ = await stats(COUNTY);
  assert.equal((after_['obs_active.centralized'] ?? 0) - (before_['obs_active.centralized'] ?? 0), 1);
  assert.equal((after_[`obs_new.${day(-1)}`] ?? 0) - (before_[`obs_new.${day(-1)}`] ?? 0), 1);
  const again = await workerA.post('/api/v1/observations', body);
  assert.equal(again.status, 200);
  assert.equal(again.headers.get('idempotent-replay'), 'true');
  assert.equal(again.body.id, r.body.id);
  const second = await workerA.post('/api/v1/observations', { ...body, client_uuid: UUID(), kind: 'home' });
  assertError(assert, second, 409, 'conflict');
  // Default start: today.
  const q = await observe(await person(GRID_B), { start_date: undefined });
  assert.equal(q.start_date, day(0));
});

test('POST /observations bad input: 4xx with fields, nothing written', async () => {
  const p = await person(GRID_A);
  const pc = await person(GRID_C, '远方甲');
  const ok = { person_id: p, kind: 'home', reason: 'travel', start_date: day(-1) };
  const cases = [
    ['kind', { ...ok, kind: 'tent' }, 400, ['kind']],
    ['no reason', { ...ok, reason: undefined }, 400, ['reason']],
    ['centralized without site', { ...ok, kind: 'centralized' }, 400, ['site']],
    ['future start', { ...ok, start_date: day(2) }, 400, ['start_date']],
    ['bad date', { ...ok, start_date: '2026-13-01' }, 400, ['start_date']],
    ['person as text', { ...ok, person_id: String(p) }, 400, ['person_id']],
    ['unknown field', { ...ok, colour: 'red' }, 400, ['colour']],
    ['bad uuid', { ...ok, client_uuid: 'x' }, 400, ['client_uuid']],
    ['opened_at without offset', { ...ok, opened_at: `${day(-1)}T09:00` }, 400, ['opened_at']],
    ['opened_at not a time', { ...ok, opened_at: 'yesterday' }, 400, ['opened_at']],
    ['opened_at in the future', { ...ok, opened_at: new Date(Date.now() + 3600e3).toISOString() }, 400, ['opened_at']],
  ];
  for (const [label, body, status, fields] of cases) {
    const snap = srv.snapshot();
    const r = await workerA.post('/api/v1/observations', body);
    assertError(assert, r, status, 'invalid_input', fields);
    assert.equal(srv.snapshot(), snap, `${label}: nothing may be written`);
  }
  // A person of another county, and one that does not exist: the same 404
  // on person_id; among input errors the same 400 naming every field.
  let r = await sameAsMissing(workerA, '/api/v1/observations', { ...ok, person_id: pc }, pc, { ...ok, person_id: 999999 }, 999999, '远方甲');
  assertError(assert, r, 404, 'not_found', ['person_id']);
  r = await sameAsMissing(workerA, '/api/v1/observations', { ...ok, kind: 'tent', person_id: pc }, pc,
    { ...ok, kind: 'tent', person_id: 999999 }, 999999, '远方甲', 400);
  assertError(assert, r, 400, 'invalid_input', ['kind', 'person_id']);
  let snap = srv.snapshot();
  r = await viewer.post('/api/v1/observations', ok);
  assertError(assert, r, 403, 'forbidden');
  r = await workerA.post('/api/v1/observations', '{"person_id":', { contentType: 'application/json' });
  assertError(assert, r, 400, 'invalid_input');
  assert.equal(srv.snapshot(), snap);
  // English messages on request.
  r = await workerA.withLang('en').post('/api/v1/observations', { ...ok, kind: 'tent' });
  assert.match(r.body.error.fields[0].message, /home, centralized or medical/);
});

test('GET /observations filters, scope, cursor; GET /observations/{id} with reports', async () => {
  const ids = [];
  for (const grid of [GRID_A, GRID_B, GRID_C]) ids.push((await observe(await person(grid), { kind: 'medical', reason: 'fever' })).id);
  let r = await admin.get('/api/v1/observations?kind=medical');
  assert.equal(r.status, 200);
  // (grid_code, id) order: 431103... (GRID_C) before 431122...
  assert.deepEqual(r.body.items.map((o) => o.id).filter((id) => ids.includes(id)), [ids[2], ids[0], ids[1]]);
  const grids = r.body.items.map((o) => o.grid_code);
  assert.deepEqual(grids, [...grids].sort());
  r = await admin.get(`/api/v1/observations?kind=medical&region=${COUNTY}`);
  assert.ok(r.body.items.every((o) => o.grid_code.startsWith(COUNTY)));
  r = await adminOther.get('/api/v1/observations?kind=medical');
  assert.ok(r.body.items.every((o) => o.grid_code.startsWith(OTHER_COUNTY)));
  assert.ok(r.body.items.some((o) => o.id === ids[2]));
  r = await adminOther.get(`/api/v1/observations?region=${COUNTY}`);
  assertError(assert, r, 403, 'forbidden');
  r = await admin.get('/api/v1/observations?status=lost&kind=tent&person=x&group=all');
  assertError(assert, r, 400, 'invalid_input', ['status', 'kind', 'person', 'group']);
  // Every row once across pages.
  const seen = [];
  let cursor = null;
  do {
    r = await admin.get(`/api/v1/observations?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    seen.push(...r.body.items.map((o) => o.id));
    cursor = r.body.next_cursor;
  } while (cursor);
  assert.equal(new Set(seen).size, seen.length);
  const all = await admin.get('/api/v1/observations?limit=500');
  assert.equal(seen.length, all.body.items.length);
  // One, by person and by id.
  const p = all.body.items.find((o) => o.id === ids[0]).person_id;
  r = await admin.get(`/api/v1/observations?person=${p}`);
  assert.deepEqual(r.body.items.map((o) => o.id), [ids[0]]);
  r = await admin.get(`/api/v1/observations/${ids[0]}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.reports, []);
  r = await workerC.get(`/api/v1/observations/${ids[0]}`);
  assertError(assert, r, 404, 'not_found');
  r = await admin.get('/api/v1/observations/abc');
  assertError(assert, r, 404, 'not_found');
});

test('POST /health-reports: created, replayed, conflicting, replaced with history; counters once', async () => {
  const p = await person(GRID_A);
  const obs = await observe(p, { reason: 'other' });
  const slotDay = day(-1);
  const before_ = await stats(GRID_A);
  const body = reportBody(p, { slot: `${slotDay}T16:00`, temperature: 36.6 });
  let r = await workerA.post('/api/v1/health-reports', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.temperature, 36.6);
  assert.equal(r.body.abnormal, false);
  assert.deepEqual(r.body.symptoms, []);
  assert.equal(r.body.reporter, `grid_worker_${GRID_A}`);
  const first = r.body;
  // Same UUID, same body (keys in another order): the first result.
  r = await workerA.post('/api/v1/health-reports', { temperature: 36.6, slot: body.slot, person_id: p, client_uuid: body.client_uuid });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('idempotent-replay'), 'true');
  assert.deepEqual(r.body, first);
  // Same UUID, other body: 409, nothing written.
  let snap = srv.snapshot();
  r = await workerA.post('/api/v1/health-reports', { ...body, temperature: 36.7 });
  assertError(assert, r, 409, 'conflict');
  assert.equal(srv.snapshot(), snap);
  // A new UUID for the slot: replaces it, abnormal now, alert at once.
  r = await workerA.post('/api/v1/health-reports', reportBody(p, { slot: body.slot, temperature: 38.4, symptoms: ['cough', 'fatigue'] }));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.replaces, first.id);
  assert.equal(r.body.abnormal, true);
  assert.ok(r.body.alert_id);
  const alert = await admin.get(`/api/v1/alerts/${r.body.alert_id}`);
  assert.equal(alert.status, 200);
  assert.equal(alert.body.rule, 'report_abnormal');
  assert.equal(alert.body.severity, 'medium'); // reason "other"
  assert.equal(alert.body.status, 'open');
  assert.equal(alert.body.person_id, p);
  assert.match(alert.body.title_zh, /38\.4℃,咳嗽、乏力/);
  // Counted once, on the day the reports were received (today), not on the slot's day.
  const after_ = await stats(GRID_A);
  const moved = (key) => (after_[key] ?? 0) - (before_[key] ?? 0);
  assert.deepEqual([moved(`reports.${day(0)}`), moved(`reports_abnormal.${day(0)}`)], [1, 1]);
  assert.deepEqual([moved(`reports.${slotDay}`), moved(`reports_abnormal.${slotDay}`)], [0, 0]);
  // The history: both reports, the first marked replaced.
  r = await admin.get(`/api/v1/observations/${obs.id}`);
  assert.deepEqual(r.body.reports.map((x) => [x.temperature, x.replaced_by !== null]), [[36.6, true], [38.4, false]]);
  assert.deepEqual(r.body.last_report, { slot: body.slot, temperature: 38.4, abnormal: true });
  // A travel observation's abnormal report is high.
  const q = await person(GRID_A);
  await observe(q, { reason: 'travel' });
  r = await workerA.post('/api/v1/health-reports', reportBody(q, { temperature: 37.3 }));
  assert.equal(r.status, 201, r.text);
  assert.equal((await admin.get(`/api/v1/alerts/${r.body.alert_id}`)).body.severity, 'high');
});

// Sent at once, these land in the writer's batches together (on PostgreSQL a
// report's writes then go with the next report's reads: docs/write-path.md).
// Whatever the order: the slot's two reports are one chain, the repeated key
// answers its first result, the refused reports write nothing, and the
// counters move once per current report.
test('POST /health-reports at once: one slot twice, a key twice, refusals between', async () => {
  const p = await person(GRID_A);
  const obs = await observe(p, { start_date: day(-2) });
  const others = [];
  for (let i = 0; i < 8; i++) {
    const o = await person(GRID_A);
    await observe(o, { start_date: day(-2) });
    others.push(o);
  }
  const idle = await person(GRID_A); // not under observation: 422
  const slot = `${day(-1)}T16:00`;
  const a = reportBody(p, { slot, temperature: 36.5 });
  const b = reportBody(p, { slot, temperature: 36.8 });
  const before_ = await stats(GRID_A);
  const sent = [a, b, { ...a }, reportBody(idle), reportBody(987654), ...others.map((o) => reportBody(o, { slot }))];
  const got = await Promise.all(sent.map((body) => workerA.post('/api/v1/health-reports', body)));
  const [ra, rb, again, rIdle, rMissing, ...rOthers] = got;
  assert.ok([ra.status, again.status].sort().join() === '200,201', `${ra.status} ${again.status}`);
  assert.equal(ra.body.id, again.body.id); // one write, one replay of it
  assert.equal(rb.status, 201, rb.text);
  assertError(assert, rIdle, 422, 'rule_violation', ['person_id']);
  assertError(assert, rMissing, 404, 'not_found', ['person_id']);
  for (const r of rOthers) assert.equal(r.status, 201, r.text);
  assert.equal(new Set(rOthers.map((r) => r.body.id)).size, others.length);
  // The slot: two reports, the later one current, replacing the earlier.
  const [first, second] = ra.body.id < rb.body.id ? [ra.body, rb.body] : [rb.body, ra.body];
  assert.equal(second.replaces, first.id);
  const history = (await admin.get(`/api/v1/observations/${obs.id}`)).body.reports;
  assert.deepEqual(history.map((x) => [x.id, x.replaced_by]), [[first.id, second.id], [second.id, null]]);
  // Counted once per current report, on today's received count.
  const after_ = await stats(GRID_A);
  assert.equal((after_[`reports.${day(0)}`] ?? 0) - (before_[`reports.${day(0)}`] ?? 0), 1 + others.length);
});

test('POST /health-reports bad input: 4xx with fields, nothing written', async () => {
  const p = await person(GRID_A);
  await observe(p, { start_date: day(-2) });
  const idle = await person(GRID_A); // not under observation
  const pc = await person(GRID_C, '远方乙');
  await observe(pc, { start_date: day(-2) });
  const pcIdle = await person(GRID_C, '远方丙'); // outside, not under observation
  const cases = [
    ['60 °C', reportBody(p, { temperature: 60 }), 400, 'invalid_input', ['temperature']],
    ['33.9 °C', reportBody(p, { temperature: 33.9 }), 400, 'invalid_input', ['temperature']],
    ['slot in the future', reportBody(p, { slot: `${day(1)}T08:00` }), 400, 'invalid_input', ['slot']],
    ['slot not a report time', reportBody(p, { slot: `${day(-1)}T09:00` }), 400, 'invalid_input', ['slot']],
    ['slot before the start', reportBody(p, { slot: `${day(-3)}T16:00` }), 400, 'invalid_input', ['slot']],
    ['slot syntax', reportBody(p, { slot: 'yesterday morning' }), 400, 'invalid_input', ['slot']],
    ['unknown symptom', reportBody(p, { symptoms: ['sneezing'] }), 400, 'invalid_input', ['symptoms']],
    ['symptoms as text', reportBody(p, { symptoms: 'cough' }), 400, 'invalid_input', ['symptoms']],
    ['symptoms of numbers', reportBody(p, { symptoms: [1] }), 400, 'invalid_input', ['symptoms[0]']],
    ['temperature as text', reportBody(p, { temperature: '38' }), 400, 'invalid_input', ['temperature']],
    ['person as text', reportBody(p, { person_id: String(p) }), 400, 'invalid_input', ['person_id']],
    ['unknown field', reportBody(p, { mood: 'fine' }), 400, 'invalid_input', ['mood']],
    ['no client_uuid', reportBody(p, { client_uuid: undefined }), 400, 'invalid_input', ['client_uuid']],
    ['bad client_uuid', reportBody(p, { client_uuid: '1234' }), 400, 'invalid_input', ['client_uuid']],
    ['everything missing', {}, 400, 'invalid_input', ['client_uuid', 'person_id', 'slot', 'temperature']],
    ['unknown person', reportBody(987654), 404, 'not_found', ['person_id']],
    ['no active observation', reportBody(idle), 422, 'rule_violation', ['person_id']],
    ['person outside scope', reportBody(pc), 404, 'not_found', ['person_id']],
    ['outside, not observed', reportBody(pcIdle), 404, 'not_found', ['person_id']],
  ];
  for (const [label, body, status, code, fields] of cases) {
    const snap = srv.snapshot();
    const r = await workerA.post('/api/v1/health-reports', body);
    assertError(assert, r, status, code, fields);
    assert.equal(srv.snapshot(), snap, `${label}: nothing may be written`);
  }
  // Outside the scope (observed or not) is answered exactly as a person that
  // does not exist.
  for (const [out, name] of [[pc, '远方乙'], [pcIdle, '远方丙']]) {
    const a = await sameAsMissing(workerA, '/api/v1/health-reports', reportBody(out), out, reportBody(987654), 987654, name);
    assertError(assert, a, 404, 'not_found', ['person_id']);
  }
  const r = await viewer.post('/api/v1/health-reports', reportBody(p));
  assertError(assert, r, 403, 'forbidden');
});

test('POST /observations/{id}/release: rules, health override, scope', async () => {
  const young = await observe(await person(GRID_A), { start_date: day(-1) });
  const oldPerson = await person(GRID_A);
  const old = await observe(oldPerson, { start_date: day(-20) });
  let r = await workerA.post(`/api/v1/observations/${young.id}/release`, {});
  assertError(assert, r, 422, 'rule_violation');
  assert.match(r.body.error.message, new RegExp(young.planned_end));
  r = await workerA.post(`/api/v1/observations/${old.id}/release`);
  assertError(assert, r, 422, 'rule_violation');
  r = await workerA.post('/api/v1/health-reports', reportBody(oldPerson, { temperature: 37.9 }));
  assert.equal(r.status, 201);
  r = await workerA.post(`/api/v1/observations/${old.id}/release`, { note: '期满' });
  assertError(assert, r, 422, 'rule_violation');
  assert.match(r.body.error.message, /异常/);
  r = await workerA.post('/api/v1/health-reports', reportBody(oldPerson, { slot: `${day(-1)}T16:00` }));
  assert.equal(r.status, 201);
  const snap = srv.snapshot();
  r = await workerA.post(`/api/v1/observations/${old.id}/release`, { note: 'x'.repeat(301) });
  assertError(assert, r, 400, 'invalid_input', ['note']);
  r = await workerA.post(`/api/v1/observations/${old.id}/release`, { reason: 'x' });
  assertError(assert, r, 400, 'invalid_input', ['reason']);
  r = await workerC.post(`/api/v1/observations/${old.id}/release`, {});
  assertError(assert, r, 404, 'not_found');
  r = await admin.post(`/api/v1/observations/${young.id}/release`, { override_reason: '专家会商' });
  assertError(assert, r, 403, 'forbidden');
  assert.equal(srv.snapshot(), snap);
  const before_ = await stats(GRID_A);
  r = await workerA.post(`/api/v1/observations/${old.id}/release`, { note: '期满' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'released');
  assert.equal(r.body.release_note, '期满');
  r = await workerA.post(`/api/v1/observations/${old.id}/release`, {});
  assertError(assert, r, 409, 'conflict');
  // The status in words: Chinese in Chinese (no English code), the code in English.
  assert.equal(r.body.error.message, `观察记录 ${old.id} 已结束(已解除)`);
  r = await workerA.withLang('en').post(`/api/v1/observations/${old.id}/release`, {});
  assertError(assert, r, 409, 'conflict');
  assert.equal(r.body.error.message, `observation ${old.id} has already ended (released)`);
  r = await health.post(`/api/v1/observations/${young.id}/release`, { override_reason: '专家会商,核酸阴性' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.override_by, 'health_4311');
  const after_ = await stats(GRID_A);
  assert.equal(after_['obs_active.home'] - before_['obs_active.home'], -2);
  assert.equal((after_[`obs_released.${day(0)}`] ?? 0) - (before_[`obs_released.${day(0)}`] ?? 0), 2);
  r = await admin.get(`/api/v1/audit?entity=observation&entity_id=${young.id}`);
  assert.equal(r.status, 200, r.text);
  assert.ok(r.body.items.some((a) => a.action === 'release' && a.username === 'health_4311'));
});

test('alerts: list, acknowledge, resolve, conflicts, scope, timeliness', async () => {
  const p = await person(GRID_A, '预警甲');
  await observe(p, { reason: 'contact' });
  let r = await workerA.post('/api/v1/health-reports', reportBody(p, { temperature: 38.8, symptoms: ['breathing'] }));
  assert.equal(r.status, 201, r.text);
  const id = r.body.alert_id;
  r = await admin.get(`/api/v1/alerts?person=${p}&status=open&severity=high&rule=report_abnormal`);
  assert.deepEqual(r.body.items.map((a) => a.id), [id]);
  assert.equal(r.body.items[0].person_name, '预警甲');
  r = await workerC.get(`/api/v1/alerts?person=${p}`);
  assert.deepEqual(r.body.items, []);
  r = await workerC.get(`/api/v1/alerts/${id}`);
  assertError(assert, r, 404, 'not_found');
  r = await admin.get('/api/v1/alerts?status=lost&severity=huge&rule=DROP%20TABLE&cursor=x');
  assertError(assert, r, 400, 'invalid_input', ['status', 'severity', 'rule', 'cursor']);
  r = await adminOther.get(`/api/v1/alerts?region=${COUNTY}`);
  assertError(assert, r, 403, 'forbidden');
  // Newest first, every alert once across pages.
  const seen = [];
  let cursor = null;
  do {
    r = await admin.get(`/api/v1/alerts?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    seen.push(...r.body.items.map((a) => a.id));
    cursor = r.body.next_cursor;
  } while (cursor);
  assert.deepEqual(seen, [...seen].sort((a, b) => b - a));
  assert.equal(new Set(seen).size, seen.length);

  // Who may handle: not a viewer, not another grid's worker.
  r = await viewer.post(`/api/v1/alerts/${id}/acknowledge`);
  assertError(assert, r, 403, 'forbidden');
  r = await workerC.post(`/api/v1/alerts/${id}/acknowledge`);
  assertError(assert, r, 404, 'not_found');
  r = await workerA.post(`/api/v1/alerts/${id}/acknowledge`, { by: 'me' });
  assertError(assert, r, 400, 'invalid_input', ['by']);
  r = await workerA.post(`/api/v1/alerts/${id}/acknowledge`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'acknowledged');
  assert.equal(r.body.ack_by, `grid_worker_${GRID_A}`);
  assert.ok(r.body.ack_seconds >= 0 && r.body.ack_seconds < 60);
  r = await commander.post(`/api/v1/alerts/${id}/acknowledge`, {});
  assertError(assert, r, 409, 'conflict');
  // Resolving needs a note.
  const snap = srv.snapshot();
  r = await workerA.post(`/api/v1/alerts/${id}/resolve`, {});
  assertError(assert, r, 400, 'invalid_input', ['note']);
  r = await workerA.post(`/api/v1/alerts/${id}/resolve`, { note: '   ' });
  assertError(assert, r, 400, 'invalid_input', ['note']);
  r = await workerA.post(`/api/v1/alerts/${id}/resolve`, { note: 5 });
  assertError(assert, r, 400, 'invalid_input', ['note']);
  assert.equal(srv.snapshot(), snap);
  const before_ = await stats(CITY);
  r = await health.post(`/api/v1/alerts/${id}/resolve`, { note: '已转运至发热门诊' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.status, 'resolved');
  assert.equal(r.body.note, '已转运至发热门诊');
  assert.equal(r.body.resolved_by, 'health_4311');
  assert.equal(r.body.resolved_by_name, 'health_4311'); // the display name (by default the username)
  const after_ = await stats(CITY);
  assert.equal(after_['alerts_open.high'] - before_['alerts_open.high'], -1);
  r = await health.post(`/api/v1/alerts/${id}/resolve`, { note: 'again' });
  assertError(assert, r, 409, 'conflict');
  r = await admin.get(`/api/v1/alerts?person=${p}&status=resolved`);
  assert.deepEqual(r.body.items.map((a) => a.id), [id]);

  // Who handled it by display name (issue 19); once that user moved off the
  // reader's line (neither below nor above its scope), the username only.
  const mover = await srv.as('grid_worker', GRID_A, { username: 'mover_a', displayName: '网格员乙' });
  const q = await person(GRID_A, '预警乙');
  await observe(q, { reason: 'contact' });
  r = await mover.post('/api/v1/health-reports', reportBody(q, { temperature: 38.6 }));
  assert.equal(r.status, 201, r.text);
  const moved = r.body.alert_id;
  r = await mover.post(`/api/v1/alerts/${moved}/acknowledge`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.ack_by_name, '网格员乙');
  assert.equal((await workerA.get(`/api/v1/alerts/${moved}`)).body.ack_by_name, '网格员乙');
  assert.equal(srv.cli(['user', 'set', 'mover_a', '--scope', GRID_C]).status, 0);
  r = await workerA.get(`/api/v1/alerts?person=${q}`);
  assert.deepEqual(r.body.items.map((a) => [a.ack_by, a.ack_by_name]), [['mover_a', null]]);
  assert.equal((await admin.get(`/api/v1/alerts/${moved}`)).body.ack_by_name, '网格员乙'); // the city sees both places

  // Timeliness of today's alerts, from the histogram counters.
  r = await commander.get(`/api/v1/stats/timeliness?region=${CITY}&date=${day(0)}&group=children`);
  assert.equal(r.status, 200, r.text);
  assert.ok(r.body.raised >= 1);
  assert.ok(r.body.acknowledge.count >= 1);
  assert.equal(r.body.acknowledge.median_seconds, 60);
  assert.equal(r.body.acknowledge.median_bucket, 'b60');
  assert.ok(r.body.resolve.count >= 1);
  assert.equal(r.body.resolve.histogram.b60, r.body.resolve.count);
  assert.deepEqual(r.body.children.map((c) => c.region), [OTHER_COUNTY, COUNTY]);
  assert.equal(r.body.children[0].name, '冷水滩区');
  assert.equal(r.body.children[0].acknowledge.count, 0);
  assert.equal(r.body.children[0].acknowledge.median_seconds, null);
  assert.equal(r.body.children[1].acknowledge.median_bucket, 'b60');
  r = await commander.get('/api/v1/stats/timeliness');
  assert.equal(r.body.region, CITY);
  assert.equal(r.body.date, day(0));
  r = await adminOther.get(`/api/v1/stats/timeliness?region=${COUNTY}`);
  assertError(assert, r, 403, 'forbidden');
  r = await admin.get('/api/v1/stats/timeliness?region=43&date=2026-02-30&group=x');
  assertError(assert, r, 400, 'invalid_input', ['region', 'date', 'group']);
});

// The server's own sweep (every 60 s by default) at the period `serve
// --sweep-seconds` asks for: on a fresh city with one person owing the last
// slots, the overdue alert is raised by the server alone within seconds.
test('serve --sweep-seconds 1: the server raises the overdue alert by itself; bad periods refused', async () => {
  const fast = await startServer({ args: ['--sweep-seconds', '1'] });
  try {
    const boss = await fast.as('admin');
    for (const [code, name] of [[COUNTY, '东安县'], ['431122101', '白牙市镇'], [VILLAGE, '茶亭社区'], [GRID_A, '雍景园小区']]) {
      const r = await boss.post('/api/v1/regions', { code, name });
      assert.equal(r.status, 201, r.text);
    }
    // Nothing is due while the current slot is in its grace period (08:00 and
    // 16:00 + 120 min by default): one slot a day that began three hours ago,
    // one minute of grace, so the test does not depend on the time it runs at.
    const prof = (await boss.get('/api/v1/profile')).body;
    const m = (Math.floor((Date.now() + 8 * 3600e3) / 60e3) - 180 + 1440) % 1440;
    const slot = `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    const put = await boss.req('PUT', '/api/v1/profile', { ...prof, slots: [slot], grace_minutes: 1 });
    assert.equal(put.status, 200, put.text);
    const p = await boss.post('/api/v1/persons', { name: '自动逾期', id_number: makeId(seq++), grid_code: GRID_A });
    assert.equal(p.status, 201, p.text);
    const o = await boss.post('/api/v1/observations', {
      person_id: p.body.id, kind: 'home', reason: 'travel', start_date: day(-2), opened_at: `${day(-2)}T00:00:00+08:00`,
    });
    assert.equal(o.status, 201, o.text);
    const started = Date.now();
    let items = [];
    while (items.length === 0 && Date.now() - started < 8000) {
      await new Promise((r) => setTimeout(r, 200));
      items = (await boss.get(`/api/v1/alerts?rule=report_overdue&person=${p.body.id}`)).body.items;
    }
    assert.equal(items.length, 1, 'no overdue alert within 8 s: the sweep did not run at the period asked');
    const st = (await boss.get(`/api/v1/regions/${GRID_A}/stats`)).body;
    assert.equal(st.stats.overdue_now, 1, `the grid's counters: ${JSON.stringify(st)}; alert ${JSON.stringify(items[0])}`);
  } finally {
    await fast.stop();
  }
  for (const bad of ['0', '3601', 'often']) {
    const r = srv.cli(['serve', '--listen', '127.0.0.1:0', '--sweep-seconds', bad]);
    assert.equal(r.status, 2, `--sweep-seconds ${bad}: ${r.stderr}`);
    assert.match(r.stderr, /--sweep-seconds 应为 1-3600/);
  }
});
