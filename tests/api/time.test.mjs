// time.test.mjs -- issue 17: facts carry the time they happened (occurred)
// and the time they reached us (recorded).  A past outbreak (January and
// February 2020) loads through the API with its own dates; the bulletin of a
// past day shows it as known now, as it could be known at a moment (as_of),
// and as it was issued (frozen), with the corrections since ("订正:...");
// the four-concentrations alert resolves itself; bad occurred times are
// refused field by field and write nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, assertError, makeId, day } from './lib.mjs';

const COUNTY = '431122';
const GRID = '431122101201001';
const OTHER = '431103';
const OTHER_GRID = '431103001001001';

let srv, admin, health, commander, outsider;
let seq = 1;

async function person(grid = GRID) {
  const r = await admin.post('/api/v1/persons', { name: `病例${seq}`, id_number: makeId(seq++), grid_code: grid });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

async function bulletin(date, more = '') {
  const r = await health.get(`/api/v1/bulletin?region=${COUNTY}&date=${date}${more}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

before(async () => {
  srv = await startServer();
  admin = await srv.as('admin');
  for (const [code, name] of [[COUNTY, '东安县'], ['431122101', '白牙市镇'], ['431122101201', '茶亭社区'], [GRID, '雍景园小区'],
    [OTHER, '冷水滩区'], ['431103001', '梅湾街道'], ['431103001001', '梅湾社区'], [OTHER_GRID, '梅湾一网格']]) {
    const r = await admin.post('/api/v1/regions', { code, name });
    assert.equal(r.status, 201, r.text);
  }
  health = await srv.as('health');
  commander = await srv.as('commander');
  outsider = await srv.as('commander', OTHER);
});
after(async () => { await srv.stop(); });

test('a past outbreak loads with its dates: confirmation and discharge land on the days they happened', async () => {
  // Reported in 2020 with its report date: confirmed that day, not today.
  let r = await health.post('/api/v1/cases', { person_id: await person(), status: 'confirmed', onset_date: '2020-01-25', report_date: '2020-01-28' });
  assert.equal(r.status, 201, r.text);
  const a = r.body;
  assert.equal(a.confirmed_date, '2020-01-28');
  // A suspected case of 1 February, confirmed on the 3rd at 10:30, discharged on 8 February.
  r = await health.post('/api/v1/cases', { person_id: await person(), status: 'suspected', occurred_at: '2020-02-01' });
  assert.equal(r.status, 201, r.text);
  const b = r.body;
  assert.equal(b.report_date, '2020-02-01');
  r = await health.patch(`/api/v1/cases/${b.id}`, { status: 'confirmed', occurred_at: '2020-02-03T10:30:00+08:00' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.confirmed_date, '2020-02-03');
  r = await health.patch(`/api/v1/cases/${a.id}`, { status: 'discharged', occurred_at: '2020-02-08' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.outcome_date, '2020-02-08');
  // The history keeps both times: occurred (at) and recorded (today).
  r = await health.get(`/api/v1/cases/${b.id}`);
  const confirmed = r.body.history.find((h) => h.to === 'confirmed');
  assert.equal(confirmed.at, '2020-02-03T10:30:00+08:00');
  assert.equal(confirmed.recorded_at.slice(0, 10), day(0));
  // So does the audit row: recorded at its own time, occurred in its after image.
  const audit = await admin.get(`/api/v1/audit?entity=case&limit=50`);
  assert.equal(audit.status, 200, audit.text);
  const row = audit.body.items.find((x) => x.entity_id === String(a.id) && x.action === 'update');
  assert.ok(row, JSON.stringify(audit.body.items.slice(0, 3)));
  assert.equal(row.at.slice(0, 10), day(0));
  assert.equal(row.after.occurred_at, '2020-02-08T23:59:59+08:00');

  // The bulletins of those days, as known now.
  let x = await bulletin('2020-01-28');
  assert.equal(x.figures.confirmed_new, 1);
  x = await bulletin('2020-02-03');
  assert.deepEqual([x.figures.confirmed_new, x.figures.confirmed_total, x.figures.hospitalised_now], [1, 2, 2]);
  x = await bulletin('2020-02-08');
  assert.deepEqual([x.figures.discharged_new, x.figures.discharged_total, x.figures.hospitalised_now], [1, 1, 1]);
  x = await bulletin('2020-02-11');
  assert.deepEqual([x.figures.confirmed_total, x.figures.discharged_total, x.figures.discharged_new], [2, 1, 0]);
  // Before anything was recorded (as it could be known on 2020-02-11 itself): nothing.
  x = await bulletin('2020-02-11', '&as_of=2020-02-11');
  assert.deepEqual([x.figures.confirmed_total, x.figures.discharged_total], [0, 0]);

  // The curve by confirmation date equals the bulletin's new confirmed, day by day.
  const curve = await health.get(`/api/v1/cases/curve?region=${COUNTY}&from=2020-01-25&to=2020-02-12`);
  assert.equal(curve.status, 200, curve.text);
  for (const d of curve.body.days) {
    const b = await bulletin(d.date);
    assert.equal(d.confirmed, b.figures.confirmed_new, d.date);
  }
  assert.equal(curve.body.days.find((d) => d.date === '2020-01-25').onset, 1);
  assert.equal(curve.body.days.find((d) => d.date === '2020-01-28').report, 1);
  // The nowcast covers the 14 onset days ending at the last day shown.
  assert.equal(curve.body.nowcast.cutoff, '2020-02-12');
  assert.ok(curve.body.days.at(-1).nowcast && !curve.body.days[0].nowcast, JSON.stringify(curve.body.days[0]));

  // The dashboard of a past day shows that day, and says which figures are "now" only.
  let d = await health.get(`/api/v1/dashboard?region=${COUNTY}&date=2020-02-08`);
  assert.equal(d.status, 200, d.text);
  assert.deepEqual([d.body.cases.confirmed_total, d.body.cases.current_confirmed, d.body.cases.discharged_today,
    d.body.cases.discharged_total, d.body.cases.deaths_total], [2, 1, 1, 1, 0]);
  assert.ok(d.body.now_only.includes('registry') && d.body.now_only.includes('cases.outside_hospital'), d.text);
  d = await health.get(`/api/v1/dashboard?region=${COUNTY}&date=2020-02-03`);
  assert.deepEqual([d.body.cases.confirmed_today, d.body.cases.confirmed_total, d.body.cases.discharged_total], [1, 2, 0]);
  // Today's dashboard: the counters of now, the discharged among them.
  d = await health.get(`/api/v1/dashboard?region=${COUNTY}`);
  assert.deepEqual([d.body.cases.discharged_total, d.body.cases.deaths_total, d.body.cases.current_confirmed], [1, 0, 1]);
  assert.equal(d.body.now_only, undefined);
  // Stats of the current state only say so for another day, field by field; today is fine.
  for (const url of [`/api/v1/regions/${COUNTY}/stats`, `/api/v1/stats/inspections?region=${COUNTY}`, `/api/v1/supplies/summary?region=${COUNTY}`]) {
    const sep = url.includes('?') ? '&' : '?';
    const r = await admin.get(`${url}${sep}date=2020-02-08`);
    assertError(assert, r, 400, 'invalid_input', ['date']);
    assert.match(r.body.error.fields[0].message, /只有当前值/);
    assert.equal((await admin.get(`${url}${sep}date=${day(0)}`)).status, 200, url);
  }
});

test('a case cannot change before its last change, nor be dated before the outbreak or in the future; nothing written', async () => {
  const r = await health.post('/api/v1/cases', { person_id: await person(), status: 'confirmed', occurred_at: '2020-02-05' });
  assert.equal(r.status, 201, r.text);
  const id = r.body.id;
  const someone = await person();
  const snap = srv.snapshot();
  assertError(assert, await health.patch(`/api/v1/cases/${id}`, { status: 'discharged', occurred_at: '2020-02-04' }), 422, 'rule_violation', ['occurred_at']);
  assertError(assert, await health.patch(`/api/v1/cases/${id}`, { status: 'discharged', occurred_at: day(2) }), 400, 'invalid_input', ['occurred_at']);
  assertError(assert, await health.patch(`/api/v1/cases/${id}`, { status: 'discharged', occurred_at: '2020-02-10T10:00' }), 400, 'invalid_input', ['occurred_at']);
  const before = await health.post('/api/v1/cases', { person_id: someone, status: 'confirmed', occurred_at: '2019-11-30' });
  assertError(assert, before, 400, 'invalid_input', ['occurred_at']);
  assert.match(before.text, /疫情起始日 2019-12-01/);
  // A report date after the occurred time is refused too.
  assertError(assert, await health.post('/api/v1/cases', { person_id: someone, status: 'confirmed', occurred_at: '2020-02-01', report_date: '2020-02-02' }), 400, 'invalid_input', ['report_date']);
  assert.equal(srv.snapshot(), snap);
  // The outbreak's start is the profile's: moved earlier, 2019-11-30 is accepted.
  const p = await admin.get('/api/v1/profile');
  assert.equal(p.body.outbreak_start, '2019-12-01');
  const put = await admin.req('PUT', '/api/v1/profile', { ...p.body, outbreak_start: '2019-11-01' });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.body.outbreak_start, '2019-11-01');
  assertError(assert, await admin.req('PUT', '/api/v1/profile', { ...p.body, outbreak_start: day(1) }), 400, 'invalid_input', ['outbreak_start']);
  const ok = await health.post('/api/v1/cases', { person_id: someone, status: 'suspected', occurred_at: '2019-11-30' });
  assert.equal(ok.status, 201, ok.text);
});

test('issuing a bulletin freezes it; a late record shows as a correction; as_of the issue time equals what was issued', async () => {
  const D = '2020-02-10';
  let r = await health.post('/api/v1/cases', { person_id: await person(), status: 'confirmed', occurred_at: `${D}T09:00:00+08:00` });
  assert.equal(r.status, 201, r.text);
  const before = await bulletin(D);
  assert.equal(before.published, null);
  assert.deepEqual(before.corrections, []);
  // Issued by the commander: 201, then frozen (409 the second time), health may not issue.
  assertError(assert, await health.post('/api/v1/bulletins', { region: COUNTY, date: D }), 403, 'forbidden');
  r = await commander.post('/api/v1/bulletins', { region: COUNTY, date: D });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.figures.confirmed_new, before.figures.confirmed_new);
  const issuedAt = r.body.issued_at;
  assertError(assert, await commander.post('/api/v1/bulletins', { region: COUNTY, date: D }), 409, 'conflict');
  // Not a day that has not ended, not a region outside the scope (same answer as a missing one).
  assertError(assert, await commander.post('/api/v1/bulletins', { region: COUNTY, date: day(0) }), 400, 'invalid_input', ['date']);
  const out = await outsider.post('/api/v1/bulletins', { region: COUNTY, date: D });
  const missing = await outsider.post('/api/v1/bulletins', { region: '431199', date: D });
  assert.equal(out.status, 404, out.text);
  assert.equal(out.text.replace(COUNTY, 'X'), missing.text.replace('431199', 'X'));
  assert.ok(!out.text.includes('东安县'));

  // A case confirmed on D reaches us after publication.
  await new Promise((res) => setTimeout(res, 1100)); // a later second than the issue
  r = await health.post('/api/v1/cases', { person_id: await person(), status: 'confirmed', occurred_at: `${D}T20:00:00+08:00` });
  assert.equal(r.status, 201, r.text);
  const now = await bulletin(D);
  assert.equal(now.figures.confirmed_new, before.figures.confirmed_new + 1);
  assert.equal(now.published.figures.confirmed_new, before.figures.confirmed_new);
  assert.equal(now.published.issued_by, 'commander_4311');
  const c = now.corrections.find((x) => x.figure === 'confirmed_new' && x.region_code === COUNTY);
  assert.ok(c, JSON.stringify(now.corrections));
  assert.equal(c.text_zh, `订正:2月10日新增确诊由${before.figures.confirmed_new}例订正为${before.figures.confirmed_new + 1}例`);
  // The text bulletin prints the correction.
  const text = await health.get(`/api/v1/bulletin?region=${COUNTY}&date=${D}&format=text`);
  assert.match(text.text, /订正:2月10日新增确诊由\d+例订正为\d+例/);
  // As it could be known at the moment of issue: exactly what was issued.
  const asOf = await bulletin(D, `&as_of=${encodeURIComponent(issuedAt)}`);
  assert.deepEqual(asOf.figures, now.published.figures);
  assert.deepEqual(asOf.children.map((x) => x.figures), before.children.map((x) => x.figures));
  // A moment that is not one is refused on its field.
  assertError(assert, await health.get(`/api/v1/bulletin?region=${COUNTY}&date=${D}&as_of=yesterday`), 400, 'invalid_input', ['as_of']);
  // The same through the CLI: as of the issue, and now with the correction.
  const cli = srv.cli(['bulletin', '--region', COUNTY, '--date', D, '--as-of', issuedAt]);
  assert.equal(cli.status, 0, cli.stderr);
  assert.deepEqual(JSON.parse(cli.stdout).figures, now.published.figures);
  const cliText = srv.cli(['bulletin', '--region', COUNTY, '--date', D, '--format', 'text']);
  assert.match(cliText.stdout, /订正:2月10日新增确诊由\d+例订正为\d+例/);
  assert.equal(srv.cli(['bulletin', '--region', COUNTY, '--date', D, '--as-of', 'yesterday']).status, 2);
});

test('a past round from paper records: visits dated in its days are recorded now; outside its days they are refused', async () => {
  const worker = await srv.as('grid_worker', GRID);
  const house = await admin.post('/api/v1/households', { grid_code: GRID, address: '雍景园 1 栋 101' });
  assert.equal(house.status, 201, house.text);
  const member = await admin.post('/api/v1/persons', { name: '李四', id_number: makeId(seq++), household_id: house.body.id });
  assert.equal(member.status, 201, member.text);
  const round = await commander.post('/api/v1/rounds', { name: '2020年第一轮排查', region_code: COUNTY, start_date: '2020-01-28', end_date: '2020-02-05' });
  assert.equal(round.status, 201, round.text);
  const visit = (visited_at) => ({
    client_uuid: randomUUID(), round_id: round.body.id, household_id: house.body.id, members_present: 1, visited_at,
    persons: [{ person_id: member.body.id, returned_from_risk: false, fever: false, cough: false, contact_with_case: false, temperature: 36.6 }],
  });
  let r = await worker.post('/api/v1/visits', visit('2020-02-01T10:00:00+08:00'));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.visited_at, '2020-02-01T10:00:00+08:00');
  r = await worker.post('/api/v1/visits', visit('2020-02-06T10:00:00+08:00'));
  assertError(assert, r, 422, 'rule_violation');
  assert.match(r.text, /2020-01-28 至 2020-02-05/);
});

test('four concentrations: the alert of a case outside a designated hospital resolves itself when it is admitted, discharged or transferred out', async () => {
  const site = await health.post('/api/v1/sites', { kind: 'designated_hospital', name: '东安县人民医院', region_code: COUNTY, capacity: 50 });
  assert.equal(site.status, 201, site.text);
  const alertOf = async (caseId) => {
    const r = await health.get('/api/v1/alerts?rule=case_outside_hospital&limit=100');
    assert.equal(r.status, 200, r.text);
    return r.body.items.find((a) => a.source === `case:${caseId}`);
  };
  let r = await health.post('/api/v1/cases', { person_id: await person(), status: 'confirmed' });
  const placed = r.body.id;
  assert.equal((await alertOf(placed)).status, 'open');
  r = await health.patch(`/api/v1/cases/${placed}`, { site_id: site.body.id });
  assert.equal(r.status, 200, r.text);
  let a = await alertOf(placed);
  assert.equal(a.status, 'resolved');
  assert.match(a.note, /收治于定点医院/);

  r = await health.post('/api/v1/cases', { person_id: await person(), status: 'confirmed', occurred_at: '2020-02-09' });
  const home = r.body.id;
  assert.equal((await alertOf(home)).status, 'open');
  r = await health.patch(`/api/v1/cases/${home}`, { status: 'discharged', occurred_at: '2020-02-20' });
  assert.equal(r.status, 200, r.text);
  a = await alertOf(home);
  assert.equal(a.status, 'resolved');
  assert.match(a.note, /出院/);

  // Transferred out (转出) to care outside the jurisdiction, on the day it happened.
  r = await health.post('/api/v1/cases', { person_id: await person(), status: 'confirmed', occurred_at: '2020-02-09' });
  const away = r.body.id;
  assert.equal((await alertOf(away)).status, 'open');
  r = await health.patch(`/api/v1/cases/${away}`, { transferred_to: '<b>湖南省人民医院</b>'.repeat(8) + 'x'.repeat(30) });
  assert.equal(r.status, 400, r.text);
  assert.equal(r.body.error.fields[0].field, 'transferred_to');
  r = await health.patch(`/api/v1/cases/${away}`, { transferred_to: '湖南省人民医院', occurred_at: '2020-02-12' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.transferred_to, '湖南省人民医院');
  assert.equal(r.body.transferred_date, '2020-02-12');
  assert.equal(r.body.outside_hospital, false);
  a = await alertOf(away);
  assert.equal(a.status, 'resolved');
  assert.match(a.note, /转出/);
  // The dashboard's open alerts agree with the alerts themselves.
  const open = await health.get('/api/v1/alerts?rule=case_outside_hospital&status=unresolved&limit=100');
  assert.equal(open.body.items.filter((x) => [`case:${placed}`, `case:${home}`].includes(x.source)).length, 0);
});

// The regions of the test city, for a second server.
const REGIONS = [[COUNTY, '东安县'], ['431122101', '白牙市镇'], ['431122101201', '茶亭社区'], [GRID, '雍景园小区']];

test('epigrid import cases: a line list enters each case on the days it happened; bad rows by line, nothing imported', async () => {
  const file = path.join(srv.dir, 'cases.csv');
  const ids = [makeId(900), makeId(901), makeId(902)];
  const header = '身份证号,姓名,网格编码,状态,病情分型,发病日期,报告日期,确诊日期,转归日期';
  const rows = [
    `${ids[0]},张三,${GRID},治愈出院,普通型,2020-01-26,2020-01-29,2020-01-30,2020-02-15`,
    `${ids[1]},李四,${GRID},死亡,危重型,2020-01-27,2020-01-31,2020-01-31,2020-02-12`,
    `${ids[2]},王五,${GRID},病危,,2020-01-27,2020-01-31,,`,
  ];
  writeFileSync(file, [header, ...rows].join('\n') + '\n');
  const snap = srv.snapshot();
  let r = srv.cli(['import', 'cases', file]);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /第 4 行: status: 应为/);
  assert.equal(srv.snapshot(), snap, 'nothing imported');
  // A status by its code still reads in Chinese in a Chinese message.
  writeFileSync(file, [header, rows[0].replace('治愈出院', 'discharged').replace(/,2020-02-15$/, ',')].join('\n') + '\n');
  r = srv.cli(['import', 'cases', file], { env: { EPIGRID_LANG: 'zh-CN' } });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /第 2 行: outcome_date: 状态为治愈出院时必填/);
  assert.doesNotMatch(r.stderr, /discharged/);
  r = srv.cli(['import', 'cases', file], { env: { EPIGRID_LANG: 'en' } });
  assert.match(r.stderr, /line 2: outcome_date: is required when the status is discharged/);
  assert.equal(srv.snapshot(), snap, 'nothing imported');
  writeFileSync(file, [header, ...rows.slice(0, 2), rows[2].replace('病危', '疑似病例')].join('\n') + '\n');
  r = srv.cli(['import', 'cases', file]);
  assert.equal(r.status, 0, r.stderr);
  const caseIds = r.stdout.trim().split('\n').map((l) => Number(l.split(',')[1]));
  assert.equal(caseIds.length, 3);
  // Suspected on its report date, confirmed the next day, discharged on 15 February.
  const c = await health.get(`/api/v1/cases/${caseIds[0]}`);
  assert.deepEqual(c.body.history.map((h) => [h.to, h.at.slice(0, 10)]),
    [['suspected', '2020-01-29'], ['confirmed', '2020-01-30'], ['discharged', '2020-02-15']]);
  assert.equal(c.body.person_name, '张三');
  const b = await bulletin('2020-02-15');
  assert.equal(b.figures.discharged_new, 1);
  const d = await bulletin('2020-02-12');
  assert.equal(d.figures.deaths_new, 1);
});

test('a line list exported re-imports into another city system with the same columns and content', async () => {
  assertError(assert, await admin.get(`/api/v1/cases/export?region=${COUNTY}&format=csv&unmask=2`), 400, 'invalid_input', ['unmask']);
  const exported = await admin.get(`/api/v1/cases/export?region=${COUNTY}&format=csv&unmask=1`);
  assert.equal(exported.status, 200, exported.text);
  const other = await startServer();
  try {
    const root = await other.as('admin');
    for (const [code, name] of REGIONS) assert.equal((await root.post('/api/v1/regions', { code, name })).status, 201);
    const p = await root.get('/api/v1/profile');
    assert.equal((await root.req('PUT', '/api/v1/profile', { ...p.body, outbreak_start: '2019-11-01' })).status, 200);
    const h = await other.as('health');
    assert.equal((await h.post('/api/v1/sites', { kind: 'designated_hospital', name: '东安县人民医院', region_code: COUNTY, capacity: 50 })).status, 201);
    const file = path.join(other.dir, 'export.csv');
    writeFileSync(file, exported.text);
    const r = other.cli(['import', 'cases', file]);
    assert.equal(r.status, 0, r.stderr);
    const again = await root.get(`/api/v1/cases/export?region=${COUNTY}&format=csv&unmask=1`);
    // The same line list but for the case numbers (新的编号).
    const strip = (text) => text.trim().split('\n').map((l) => l.replace(/^[^,]*,/, '')).sort();
    assert.deepEqual(strip(again.text), strip(exported.text));
  } finally {
    await other.stop();
  }
});

test('an observation opens and is released on the days they happened; bad times refused, nothing written', async () => {
  const p = await person();
  const stats = async () => (await admin.get(`/api/v1/regions/${COUNTY}/stats`)).body.stats;
  const open = (body) => admin.post('/api/v1/observations', { person_id: p, kind: 'home', reason: 'contact', ...body });
  let snap = srv.snapshot();
  assertError(assert, await open({ occurred_at: '2019-01-01' }), 400, 'invalid_input', ['occurred_at']);
  assertError(assert, await open({ occurred_at: day(1) }), 400, 'invalid_input', ['occurred_at']);
  assertError(assert, await open({ occurred_at: '2020-02-01T10:00' }), 400, 'invalid_input', ['occurred_at']);
  assertError(assert, await open({ occurred_at: '2020-02-01', start_date: '2020-02-02' }), 400, 'invalid_input', ['start_date']);
  assertError(assert, await open({ occurred_at: '2020-02-01', opened_at: '2020-02-01T09:00:00+08:00' }), 400, 'invalid_input', ['opened_at']);
  assertError(assert, await open({ opened_at: '2019-01-01T09:00:00+08:00' }), 400, 'invalid_input', ['opened_at']);
  assertError(assert, await open({ start_date: '2019-01-01' }), 400, 'invalid_input', ['start_date']);
  assert.equal(srv.snapshot(), snap);

  // Opened on 1 February 2020, recorded today: it starts that day and counts there.
  const s0 = await stats();
  let r = await open({ occurred_at: '2020-02-01T09:00:00+08:00' });
  assert.equal(r.status, 201, r.text);
  const o = r.body;
  assert.deepEqual([o.start_date, o.planned_end, o.opened_at], ['2020-02-01', '2020-02-15', '2020-02-01T09:00:00+08:00']);
  assert.equal(o.created_at.slice(0, 10), day(0));
  let s1 = await stats();
  assert.equal((s1['obs_new.2020-02-01'] ?? 0) - (s0['obs_new.2020-02-01'] ?? 0), 1);
  assert.equal((s1[`obs_new.${day(0)}`] ?? 0) - (s0[`obs_new.${day(0)}`] ?? 0), 0);
  let audit = await admin.get('/api/v1/audit?entity=observation&limit=50');
  let row = audit.body.items.find((x) => x.entity_id === String(o.id) && x.action === 'create');
  assert.ok(row, audit.text);
  assert.equal(row.at.slice(0, 10), day(0));
  assert.equal(row.after.occurred_at, '2020-02-01T09:00:00+08:00');
  assert.equal((await bulletin('2020-01-31')).figures.observing_now, 0);
  assert.equal((await bulletin('2020-02-01')).figures.observing_now, 1);

  // The release: not before it was opened (422), not in the future, not before the
  // outbreak; within the period only by the health override; nothing written.
  snap = srv.snapshot();
  const release = (client, body) => client.post(`/api/v1/observations/${o.id}/release`, body);
  assertError(assert, await release(health, { override_reason: '专家会商', occurred_at: '2020-01-31' }), 422, 'rule_violation', ['occurred_at']);
  assertError(assert, await release(health, { override_reason: '专家会商', occurred_at: day(1) }), 400, 'invalid_input', ['occurred_at']);
  assertError(assert, await release(health, { override_reason: '专家会商', occurred_at: '2019-01-01' }), 400, 'invalid_input', ['occurred_at']);
  assertError(assert, await release(admin, { occurred_at: '2020-02-10' }), 422, 'rule_violation');
  assert.equal(srv.snapshot(), snap);
  r = await release(health, { override_reason: '专家会商,核酸阴性', occurred_at: '2020-02-10' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.released_at, '2020-02-10T23:59:59+08:00');
  assert.equal(r.body.released_recorded_at.slice(0, 10), day(0));
  const s2 = await stats();
  assert.equal((s2['obs_released.2020-02-10'] ?? 0) - (s1['obs_released.2020-02-10'] ?? 0), 1);
  assert.equal((s2[`obs_released.${day(0)}`] ?? 0) - (s1[`obs_released.${day(0)}`] ?? 0), 0);
  audit = await admin.get('/api/v1/audit?entity=observation&limit=50');
  row = audit.body.items.find((x) => x.entity_id === String(o.id) && x.action === 'release');
  assert.ok(row, audit.text);
  assert.equal(row.after.occurred_at, '2020-02-10T23:59:59+08:00');
  // The bulletins: under observation until the 10th, released that day; as it
  // could be known in 2020, nothing (it was recorded today).
  assert.equal((await bulletin('2020-02-09')).figures.observing_now, 1);
  let x = await bulletin('2020-02-10');
  assert.deepEqual([x.figures.observing_now, x.figures.released_new], [0, 1]);
  x = await bulletin('2020-02-09', '&as_of=2020-02-11');
  assert.equal(x.figures.observing_now, 0);
  // Recorded now but released on the 10th: as of now it is known released on the 10th.
  x = await bulletin('2020-02-10', `&as_of=${encodeURIComponent(r.body.released_recorded_at)}`);
  assert.deepEqual([x.figures.observing_now, x.figures.released_new], [0, 1]);
  // Without occurred_at the start date is still today.
  r = await admin.post('/api/v1/observations', { person_id: await person(), kind: 'home', reason: 'travel' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.start_date, day(0));
});

test('a checkpoint entry from paper records counts on the day it happened; before the outbreak or in the future refused', async () => {
  const cp = await admin.post('/api/v1/checkpoints', { name: 'S322 卡口(2020)', region_code: GRID, hours: '24h' });
  assert.equal(cp.status, 201, cp.text);
  const url = `/api/v1/checkpoints/${cp.body.id}/entries`;
  const entry = (entered_at) => ({ client_uuid: randomUUID(), plate: '湘M20200', outcome: 'pass', entered_at });
  const snap = srv.snapshot();
  assertError(assert, await admin.post(url, entry('2019-01-02T10:00:00+08:00')), 400, 'invalid_input', ['entered_at']);
  assertError(assert, await admin.post(url, entry(`${day(1)}T10:00:00+08:00`)), 400, 'invalid_input', ['entered_at']);
  assert.equal(srv.snapshot(), snap);
  const s0 = (await admin.get(`/api/v1/regions/${COUNTY}/stats`)).body.stats;
  const r = await admin.post(url, entry('2020-02-02T10:00:00+08:00'));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.entered_at, '2020-02-02T10:00:00+08:00');
  assert.equal(r.body.created_at.slice(0, 10), day(0));
  const s1 = (await admin.get(`/api/v1/regions/${COUNTY}/stats`)).body.stats;
  assert.equal((s1['checkpoint_entries.2020-02-02'] ?? 0) - (s0['checkpoint_entries.2020-02-02'] ?? 0), 1);
  const audit = await admin.get('/api/v1/audit?entity=checkpoint_entry&limit=50');
  const row = audit.body.items.find((x) => x.entity_id === String(r.body.id));
  assert.ok(row, audit.text);
  assert.equal(row.at.slice(0, 10), day(0));
  assert.equal(row.after.occurred_at, '2020-02-02T10:00:00+08:00');
});

test('donations, ledger operations and fund entries on the day they happened; before the outbreak, in the future or two days refused', async () => {
  const ok = async (p, status = 201) => { const r = await p; assert.equal(r.status, status, r.text); return r.body; };
  const item = (await ok(admin.post('/api/v1/items', { name: '医用口罩(2020)', category: 'protective', unit: '只' }))).id;
  const donor = (await ok(admin.post('/api/v1/donors', { name: '永州某药房', kind: 'enterprise' }))).id;
  const wh = (await ok(admin.post('/api/v1/warehouses', { name: '县储备库(2020)', region_code: GRID }))).id;
  const account = (await ok(admin.post('/api/v1/fund-accounts', { name: '捐赠款(2020)', kind: 'donation', region_code: COUNTY }))).id;
  const donation = (extra) => ({ donor_id: donor, receipt_no: `JZ-2020-${seq++}`, receiving_unit: '东安县红十字会',
    warehouse_id: wh, account_id: account, money_fen: 100, lines: [{ item_id: item, quantity: 50 }], ...extra });
  const op = (extra) => ({ kind: 'consume', warehouse_id: wh, lines: [{ item_id: item, quantity: 5 }], ...extra });
  const entry = (extra) => ({ account_id: account, direction: 'out', amount_fen: 10, purpose: '购买口罩', approver: '县长', ...extra });
  const snap = srv.snapshot();
  assertError(assert, await admin.post('/api/v1/donations', donation({ occurred_at: '2019-01-01' })), 400, 'invalid_input', ['occurred_at']);
  assertError(assert, await admin.post('/api/v1/donations', donation({ donated_on: '2019-01-01' })), 400, 'invalid_input', ['donated_on']);
  assertError(assert, await admin.post('/api/v1/donations', donation({ occurred_at: `${day(1)}T10:00:00+08:00` })), 400, 'invalid_input', ['occurred_at']);
  assertError(assert, await admin.post('/api/v1/donations', donation({ donated_on: '2020-02-02', occurred_at: '2020-02-03T10:00:00+08:00' })), 400, 'invalid_input', ['donated_on']);
  assertError(assert, await admin.post('/api/v1/ledger', op({ date: '2019-01-01' })), 400, 'invalid_input', ['date']);
  assertError(assert, await admin.post('/api/v1/ledger', op({ occurred_at: day(1) })), 400, 'invalid_input', ['occurred_at']);
  assertError(assert, await admin.post('/api/v1/fund-entries', entry({ occurred_at: '2019-01-01T08:00:00+08:00' })), 400, 'invalid_input', ['occurred_at']);
  assertError(assert, await admin.post('/api/v1/fund-entries', entry({ date: '2019-01-01' })), 400, 'invalid_input', ['date']);
  assert.equal(srv.snapshot(), snap);

  // Received on 3 February 2020 at 15:00, recorded today.
  const d = await ok(admin.post('/api/v1/donations', donation({ occurred_at: '2020-02-03T15:00:00+08:00' })));
  assert.equal(d.donated_on, '2020-02-03');
  // Used on the 4th (its date), the money spent on the 5th (occurred_at, a day).
  const o = await ok(admin.post('/api/v1/ledger', op({ date: '2020-02-04' })));
  assert.equal(o.op_date, '2020-02-04');
  await ok(admin.post('/api/v1/fund-entries', entry({ occurred_at: '2020-02-05' })));
  const entries = await ok(admin.get(`/api/v1/fund-accounts/${account}/entries`), 200);
  assert.deepEqual(entries.items.map((e) => e.entry_date), ['2020-02-05', '2020-02-03']);
  assert.equal(entries.account.balance_fen, 90);
  // The audit rows: recorded today, occurred then.
  const occurred = async (entity, id) => {
    const a = await admin.get(`/api/v1/audit?entity=${entity}&limit=50`);
    const row = a.body.items.find((x) => x.entity_id === String(id) && x.action === 'create');
    assert.ok(row, a.text);
    assert.equal(row.at.slice(0, 10), day(0));
    return row.after.occurred_at;
  };
  assert.equal(await occurred('donation', d.id), '2020-02-03T15:00:00+08:00');
  assert.equal(await occurred('ledger_op', o.id), '2020-02-04T23:59:59+08:00');
  assert.equal(await occurred('fund_entry', entries.items[0].id), '2020-02-05T23:59:59+08:00');
  // Undated: now, and the audit row says nothing more.
  const now = await ok(admin.post('/api/v1/ledger', op({})));
  assert.equal(now.op_date, day(0));
  assert.equal(await occurred('ledger_op', now.id), undefined);
});

test('a response level takes effect on its day, recorded now; before the outbreak, in the future or off its day refused', async () => {
  const set = (body) => commander.post('/api/v1/response-levels', { region_code: COUNTY, level: 1, ...body });
  const snap = srv.snapshot();
  assertError(assert, await set({ effective_date: '2019-01-01' }), 400, 'invalid_input', ['effective_date']);
  assertError(assert, await set({ effective_date: day(1) }), 400, 'invalid_input', ['effective_date']);
  assertError(assert, await set({ effective_date: '2020-01-23', occurred_at: '2020-01-24T10:00:00+08:00' }), 400, 'invalid_input', ['occurred_at']);
  assertError(assert, await set({ effective_date: '2020-01-23', occurred_at: '2020-01-23 10:00' }), 400, 'invalid_input', ['occurred_at']);
  assert.equal(srv.snapshot(), snap);
  const a = await set({ effective_date: '2020-01-23', occurred_at: '2020-01-23T10:00:00+08:00' });
  assert.equal(a.status, 201, a.text);
  const b = await set({ level: 2, effective_date: '2020-02-25' });
  assert.equal(b.status, 201, b.text);
  const audit = await admin.get('/api/v1/audit?entity=response_level&limit=50');
  const after = (id) => audit.body.items.find((x) => x.entity_id === String(id) && x.action === 'create');
  assert.equal(after(a.body.id).after.occurred_at, '2020-01-23T10:00:00+08:00');
  assert.equal(after(b.body.id).after.occurred_at, '2020-02-25T23:59:59+08:00');
  assert.equal(after(b.body.id).at.slice(0, 10), day(0));
});

test('a team deployed from paper records: active from the day it was deployed; before the outbreak or in the future refused', async () => {
  const org = await admin.post('/api/v1/orgs', { name: '东安县抗疫临时党委', kind: 'regular', region_code: COUNTY, founded_date: '2020-01-20' });
  assert.equal(org.status, 201, org.text);
  const leader = await person();
  const team = (extra) => admin.post('/api/v1/teams', { name: `党员突击队${seq++}`, type: 'commando', org_id: org.body.id, leader_person_id: leader, ...extra });
  const snap = srv.snapshot();
  assertError(assert, await team({ occurred_at: '2019-01-01' }), 400, 'invalid_input', ['occurred_at']);
  assertError(assert, await team({ occurred_at: `${day(1)}T08:00:00+08:00` }), 400, 'invalid_input', ['occurred_at']);
  assert.equal(srv.snapshot(), snap);
  const r = await team({ occurred_at: '2020-01-26T08:00:00+08:00' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.active_from, '2020-01-26');
  const audit = await admin.get('/api/v1/audit?entity=team&limit=50');
  const row = audit.body.items.find((x) => x.entity_id === String(r.body.id) && x.action === 'create');
  assert.ok(row, audit.text);
  assert.equal(row.at.slice(0, 10), day(0));
  assert.equal(row.after.occurred_at, '2020-01-26T08:00:00+08:00');
  // Undated: active from today, as before.
  const now = await team({});
  assert.equal(now.status, 201, now.text);
  assert.equal(now.body.active_from, day(0));
});

test('a close contact traced from paper records counts on the day it was traced; a contact after that day refused, nothing written', async () => {
  // In the other county, so that the bulletins of the tests above stay as they are.
  let r = await health.post('/api/v1/cases', { person_id: await person(OTHER_GRID), status: 'confirmed', occurred_at: '2020-02-04' });
  assert.equal(r.status, 201, r.text);
  const source = r.body.id;
  const contactPerson = await person(OTHER_GRID);
  const snap = srv.snapshot();
  assertError(assert, await health.post('/api/v1/contacts', { person_id: contactPerson, source_case_id: source, contact_type: 'household',
    last_contact_date: '2020-02-06', occurred_at: '2020-02-05' }), 400, 'invalid_input', ['last_contact_date']);
  assertError(assert, await health.post('/api/v1/contacts', { person_id: contactPerson, source_case_id: source, contact_type: 'household',
    last_contact_date: '2020-02-03', occurred_at: day(1) }), 400, 'invalid_input', ['occurred_at']);
  assert.equal(srv.snapshot(), snap);
  r = await health.post('/api/v1/contacts', { person_id: contactPerson, source_case_id: source, contact_type: 'household',
    last_contact_date: '2020-02-03', occurred_at: '2020-02-05T15:00:00+08:00' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.traced_at, '2020-02-05T15:00:00+08:00');
  assert.equal(r.body.recorded_at.slice(0, 10), day(0));
  const at = async (date, more = '') => {
    const b = await health.get(`/api/v1/bulletin?region=${OTHER}&date=${date}${more}`);
    assert.equal(b.status, 200, b.text);
    return b.body.figures;
  };
  // As known now: traced on the 5th, under observation from then.
  assert.deepEqual([(await at('2020-02-04')).contacts_total, (await at('2020-02-05')).contacts_total], [0, 1]);
  assert.equal((await at('2020-02-06')).observing_now, 1);
  // As it could be known on the 6th itself: not yet recorded.
  assert.equal((await at('2020-02-06', '&as_of=2020-02-06')).contacts_total, 0);
  const audit = await admin.get('/api/v1/audit?entity=contact&limit=20');
  const row = audit.body.items.find((x) => x.entity_id === String(r.body.id));
  assert.equal(row.after.occurred_at, '2020-02-05T15:00:00+08:00');
});
