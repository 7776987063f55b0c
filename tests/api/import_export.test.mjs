// import_export.test.mjs -- `epigrid import` and `epigrid export` driven as a
// user would, against a server's database: UTF-8 and GBK files, bad rows
// (nothing written unless --skip-bad), header errors, bad bytes, duplicates,
// counters, CSV round trip (masked and --full), xlsx, and the audit rows;
// teams and activities from rosters, mapping files (--map, --ids), and every
// export re-imported into another system (issue 18, item 4).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, sql, unzip } from './lib.mjs';

const GRID_A = '431122101201001'; // 东安县白牙市镇茶亭社区雍景园小区
const GRID_B = '431122101201002';
const GRID_C = '431124101201001'; // 道县梅花镇贵头村

// A valid GB 11643 ID number: 17 digits + the ISO 7064 MOD 11-2 check.
function idNumber(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return first17 + '10X98765432'[sum % 11];
}
// The person with number n (sex from the 17th digit: odd = male).
function person(n, extra = {}) {
  const seq = String(100 + n).padStart(3, '0');
  const id = idNumber(`43112219850612${seq}`);
  return { name: `测试${n}号`, sex: n % 2 ? '男' : '女', birth: '1985-06-12', id,
    phone: `138${String(n).padStart(8, '0')}`, ...extra };
}

let srv, admin, n = 0;
// Writes a file into the server's temp dir; "gbk" converts it with iconv.
function file(text, { gbk = false, raw } = {}) {
  const p = path.join(srv.dir, `f${++n}.csv`);
  let bytes = raw ?? Buffer.from(text, 'utf8');
  if (gbk) {
    const r = spawnSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], { input: bytes });
    assert.equal(r.status, 0, String(r.stderr));
    bytes = r.stdout;
  }
  writeFileSync(p, bytes);
  return p;
}
const csvPersons = (rows, header = '姓名,性别,出生日期,身份证号,电话,网格编码') =>
  [header, ...rows.map((p) => [p.name, p.sex, p.birth, p.id, p.phone, p.grid].join(','))].join('\r\n') + '\r\n';

async function stats(code) {
  const r = await admin.get(`/api/v1/regions/${code}/stats`);
  assert.equal(r.status, 200, r.text);
  return r.body.stats;
}
async function auditRows(action) {
  const r = await admin.get(`/api/v1/audit?action=${action}&limit=100`);
  assert.equal(r.status, 200, r.text);
  return r.body.items;
}

// A small CSV parser (quotes, CRLF) for reading exports back.
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') q = false; else field += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n') { row.push(field.replace(/\r$/, '')); rows.push(row); row = []; field = ''; }
    else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

before(async () => {
  srv = await startServer();
  admin = await srv.as('admin');
  for (const [code, name] of [
    ['431122', '东安县'], ['431122101', '白牙市镇'], ['431122101201', '茶亭社区'],
    [GRID_A, '雍景园小区'], [GRID_B, '茶亭二组'],
    ['431124', '道县'], ['431124101', '梅花镇'], ['431124101201', '贵头村'], [GRID_C, '贵头一组'],
  ]) {
    const r = await admin.post('/api/v1/regions', { code, name });
    assert.equal(r.status, 201, r.text);
  }
});
after(async () => { await srv.stop(); });

test('--help describes both commands and exits 0', () => {
  const i = srv.cli(['import', '--help']);
  assert.equal(i.status, 0);
  assert.match(i.stdout, /身份证号\/id_number/);
  assert.match(i.stdout, /--skip-bad/);
  const e = srv.cli(['export', '--help']);
  assert.equal(e.status, 0);
  assert.match(e.stdout, /--region CODE/);
  assert.equal(srv.cli(['import', 'cars', 'x.csv']).status, 2);
  assert.equal(srv.cli(['export', 'persons']).status, 2); // --region missing
  assert.equal(srv.cli(['export', 'persons', '--region', '4311', '--format', 'xlsx']).status, 2);
});

let households; // household_ref -> epigrid id
test('households import: UTF-8, English header, quoted address, ref -> id mapping on stdout', async () => {
  const f = file('household_ref,grid_code,address\n' +
    `H1,${GRID_A},"雍景园 1 栋, 101 室"\nH2,${GRID_A},雍景园 2 栋 202 室\nH3,${GRID_B},茶亭社区 3 号\n`);
  const r = srv.cli(['import', 'households', f]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\r\n'); // CSV records end in CRLF
  assert.equal(lines[0], '户编号,住户ID');
  households = Object.fromEntries(lines.slice(1).map((l) => l.split(',')));
  assert.deepEqual(Object.keys(households), ['H1', 'H2', 'H3']);
  const h = await admin.get(`/api/v1/households?region=${GRID_A}`);
  assert.equal(h.status, 200, h.text);
  assert.deepEqual(h.body.items.map((x) => x.address).sort(), ['雍景园 1 栋, 101 室', '雍景园 2 栋 202 室']);
  assert.equal((await stats('431122101201')).households, 3);
  assert.equal((await stats(GRID_B)).households, 1);
  assert.equal((await stats('4311')).households, 3);
});

const imported = []; // every person in the database, as imported
test('persons import (UTF-8 with BOM): household_id or grid_code, counters at every level', async () => {
  const rows = [
    person(1, { hid: households.H1 }), person(2, { hid: households.H1 }),
    person(3, { grid: GRID_B }), person(4, { grid: GRID_C, phone: '0746-1234567' }),
  ];
  const text = '\uFEFF住户ID,姓名,性别,出生日期,身份证号,电话,网格编码\r\n' + rows.map((p) =>
    [p.hid ?? '', p.name, p.sex, p.birth, p.id, p.phone, p.grid ?? ''].join(',')).join('\r\n') + '\r\n';
  const r = srv.cli(['import', 'persons', file(text)]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /导入人员 4 条/);
  rows[0].grid = rows[1].grid = GRID_A;
  imported.push(...rows);
  // the new ids are printed: teams, shifts and duties name them
  const [, first, last] = r.stderr.match(/新人员编号:(\d+) 至 (\d+)/);
  const byId = await Promise.all([first, last].map((id) => admin.get(`/api/v1/persons/${id}`)));
  assert.deepEqual(byId.map((x) => x.body.name).sort(), [rows[0].name, rows[3].name].sort());
  assert.equal(Number(last) - Number(first), 3);
  const l = await admin.get(`/api/v1/persons?region=${GRID_A}`);
  assert.deepEqual(l.body.items.map((p) => p.name), ['测试1号', '测试2号']);
  assert.equal(l.body.items[0].household_id, Number(households.H1));
  assert.equal(l.body.items[0].sex, 'M');
  assert.equal((await stats(GRID_A)).persons, 2);
  assert.equal((await stats('431122')).persons, 3);
  assert.equal((await stats('431124')).persons, 1);
  assert.equal((await stats('4311')).persons, 4);
});

test('persons import (GBK, as Chinese Excel saves it): names arrive as UTF-8', async () => {
  const rows = [person(5, { name: '李四', grid: GRID_C, birth: '1985/6/12' }), person(6, { name: '欧阳娜娜', grid: GRID_C })];
  const r = srv.cli(['import', 'persons', file(csvPersons(rows), { gbk: true })]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /GB18030/);
  rows[0].birth = '1985-06-12';
  imported.push(...rows);
  const got = await admin.get(`/api/v1/persons?region=${GRID_C}&name=${encodeURIComponent('欧阳娜娜')}`);
  assert.equal(got.body.items.length, 1);
  assert.equal(got.body.items[0].sex, 'F');
  assert.equal((await stats('431124')).persons, 3);
});

test('one bad row: nothing is imported, exit 1, the line and field are named (zh and en)', async () => {
  const bad = person(7, { grid: GRID_A });
  bad.id = bad.id.slice(0, 17) + (bad.id[17] === '0' ? '1' : '0'); // wrong check digit
  const rows = [person(8, { grid: GRID_A }), bad, person(9, { grid: GRID_A })];
  const f = file(csvPersons(rows));
  const snap = srv.snapshot();
  const r = srv.cli(['import', 'persons', f]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /第 3 行: 身份证号 \(id_number\): 身份证号校验位错误/);
  assert.match(r.stderr, /未导入任何数据/);
  assert.doesNotMatch(r.stderr, /第 [24] 行/);
  assert.equal(srv.snapshot(), snap);
  const en = srv.cli(['import', 'persons', f], { env: { EPIGRID_LANG: 'en' } });
  assert.equal(en.status, 1);
  assert.match(en.stderr, /line 3: 身份证号 \(id_number\): wrong check digit/);
  assert.match(en.stderr, /nothing imported/);
  assert.equal(srv.snapshot(), snap);
});

// One bad row per file; each must import nothing and name line 2 and the field.
const badRows = [
  ['empty name', { name: '' }, 'name'],
  ['name of 21 characters', { name: '张'.repeat(21) }, 'name'],
  ['wrong check digit', { id: '431122198506121010' }, 'id_number'],
  ['impossible birth date in the ID number', { id: idNumber('43112219900230101') }, 'id_number'],
  ['ID number of 17 characters', { id: '43112219850612101' }, 'id_number'],
  ['sex disagreeing with the ID number', { sex: '女' }, 'sex'], // person(1) is male
  ['birth date disagreeing with the ID number', { birth: '1985-06-13' }, 'birth_date'],
  ['bad phone', { phone: '1381234' }, 'phone'],
  ['unknown grid', { grid: '431122101201099' }, 'grid_code'],
  ['a county code where a grid is needed', { grid: '431122' }, 'grid_code'],
  ['household_id not a number', { hid: 'abc' }, 'household_id'],
  ['household that does not exist', { hid: '999999' }, 'household_id'],
];
for (const [what, change, field] of badRows) {
  test(`bad row: ${what} -> line 2, ${field}, nothing written`, () => {
    const p = { ...person(31), grid: GRID_A, hid: '', ...change };
    const text = '姓名,性别,出生日期,身份证号,电话,住户ID,网格编码\n' +
      [p.name, p.sex, p.birth, p.id, p.phone, p.hid, p.hid ? '' : p.grid].join(',') + '\n';
    const snap = srv.snapshot();
    const r = srv.cli(['import', 'persons', file(text)], { env: { EPIGRID_LANG: 'en' } });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^line 2: .*\\(?${field}\\)?: `, 'm'));
    assert.equal(srv.snapshot(), snap);
  });
}

test('a grid that differs from the household grid is refused', () => {
  const p = person(32);
  const text = `姓名,身份证号,住户ID,网格编码\n${p.name},${p.id},${households.H3},${GRID_A}\n`;
  const snap = srv.snapshot();
  const r = srv.cli(['import', 'persons', file(text)]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /第 2 行: 网格编码 \(grid_code\): /);
  assert.equal(srv.snapshot(), snap);
});

test('duplicates inside the file and against the database are bad rows', () => {
  const again = person(1, { grid: GRID_A }); // imported earlier
  const twice = person(10, { grid: GRID_A });
  const f = file(csvPersons([twice, again, person(11, { grid: GRID_A }), twice]));
  const snap = srv.snapshot();
  const r = srv.cli(['import', 'persons', f]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /第 3 行: 身份证号 \(id_number\): 该身份证号已登记/);
  assert.match(r.stderr, /第 5 行: 身份证号 \(id_number\): 与本文件第 2 行的身份证号重复/);
  assert.equal(srv.snapshot(), snap);
});

test('--dry-run checks everything and writes nothing', () => {
  const f = file(csvPersons([person(12, { grid: GRID_A })]));
  const snap = srv.snapshot();
  const r = srv.cli(['import', 'persons', f, '--dry-run']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /试运行/);
  assert.equal(srv.snapshot(), snap);
});

test('--skip-bad imports the good rows, reports the bad ones, and counts right', async () => {
  const before = (await stats(GRID_B)).persons;
  const rows = [
    person(13, { grid: GRID_B }),
    person(14, { grid: '431122101201009' }), // no such grid
    person(15, { grid: GRID_B, sex: '未知' }),
    person(16, { grid: GRID_B, phone: '12345' }),
    person(17, { grid: GRID_B }),
  ];
  const r = srv.cli(['import', 'persons', file(csvPersons(rows)), '--skip-bad']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /第 3 行: 网格编码 \(grid_code\)/);
  assert.match(r.stderr, /第 4 行: 性别 \(sex\)/);
  assert.match(r.stderr, /第 5 行: 电话 \(phone\)/);
  assert.match(r.stderr, /导入人员 2 条.*跳过有误的行 3 行/);
  imported.push(rows[0], rows[4]);
  assert.equal((await stats(GRID_B)).persons, before + 2);
  const l = await admin.get(`/api/v1/persons?region=${GRID_B}`);
  assert.deepEqual(l.body.items.map((p) => p.name), ['测试3号', '测试13号', '测试17号']);
});

test('header problems are reported before any row is read', () => {
  const snap = srv.snapshot();
  const unknown = srv.cli(['import', 'persons', file(`姓名,身份证号,网格编码,籍贯\n${person(20).name},${person(20).id},${GRID_A},湖南\n`)]);
  assert.equal(unknown.status, 1);
  assert.match(unknown.stderr, /籍贯: 第 4 列:未知的列名/);
  assert.match(unknown.stderr, /可用的列/);
  const missing = srv.cli(['import', 'persons', file(`姓名,电话\n张三,13812345678\n`)],
    { env: { EPIGRID_LANG: 'en' } });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /required column id_number is missing/);
  assert.match(missing.stderr, /household_id or grid_code column is required/);
  // Excel's trailing commas are fine; a value under a column without a title is not.
  const p = person(23, { grid: GRID_A });
  const trailing = srv.cli(['import', 'persons', '--dry-run',
    file(`姓名,身份证号,网格编码,,\n${p.name},${p.id},${GRID_A},,\n`)]);
  assert.equal(trailing.status, 0, trailing.stderr);
  const stray = srv.cli(['import', 'persons', '--dry-run',
    file(`姓名,身份证号,网格编码,,\n${p.name},${p.id},${GRID_A},,x\n`)]);
  assert.equal(stray.status, 1);
  assert.match(stray.stderr, /第 2 行: 第 5 列有内容,但表头没有这一列/);
  const empty = srv.cli(['import', 'households', file('')]);
  assert.equal(empty.status, 1);
  assert.match(empty.stderr, /表头/);
  assert.equal(srv.snapshot(), snap);
});

test('bytes invalid in the encoding of the file stop the import with the line number', () => {
  const snap = srv.snapshot();
  const text = csvPersons([person(21, { grid: GRID_A }), person(22, { grid: GRID_A })]);
  const bad = Buffer.from([0x41, 0x2c, 0xff, 0x0a]); // "A,\xff": invalid in UTF-8 and GBK
  // A GBK file: "\xff" is invalid in both encodings.
  const gbk = spawnSync('iconv', ['-f', 'UTF-8', '-t', 'GBK'], { input: text }).stdout;
  const r = srv.cli(['import', 'persons', file(null, { raw: Buffer.concat([gbk, bad]) })],
    { env: { EPIGRID_LANG: 'en' } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /line 4: invalid byte sequence \(neither UTF-8 nor GBK\/GB18030\)/);
  // A UTF-8 file with the same bad line.
  const u = srv.cli(['import', 'persons', file(null, { raw: Buffer.concat([Buffer.from(text), bad]) })]);
  assert.equal(u.status, 1);
  assert.match(u.stderr, /第 4 行:无效的 UTF-8 字节序列/);
  assert.equal(srv.snapshot(), snap);
});

test('export persons CSV: BOM, Chinese header, masked by default, round trip with --full', () => {
  const masked = srv.cli(['export', 'persons', '--region', '4311']);
  assert.equal(masked.status, 0, masked.stderr);
  assert.ok(masked.stdout.startsWith('\uFEFF人员ID,姓名,性别,出生日期,身份证号,电话,住户ID,网格编码,是否户主,责任网格\r\n'));
  const rows = parseCsv(masked.stdout.slice(1)).slice(1);
  assert.equal(rows.length, imported.length);
  for (const r of rows) {
    assert.match(r[4], /^\d{4}\*{10}[\dX]{4}$/);
    assert.match(r[5], /\*{4}/);
  }
  const out = path.join(srv.dir, 'full.csv');
  const full = srv.cli(['export', 'persons', '--region', '4311', '--full', '--out', out]);
  assert.equal(full.status, 0, full.stderr);
  assert.equal(full.stdout, '');
  const back = parseCsv(readFileSync(out, 'utf8').slice(1)).slice(1);
  const key = (p) => [p.name, p.sex, p.birth, p.id, p.phone, p.grid].join('|');
  assert.deepEqual(back.map((r) => [r[1], r[2], r[3], r[4], r[5], r[7]].join('|')).sort(),
    imported.map(key).sort());
  // Region filter: only the subtree.
  const dao = parseCsv(srv.cli(['export', 'persons', '--region', '431124']).stdout.slice(1)).slice(1);
  assert.deepEqual(dao.map((r) => r[7]), [GRID_C, GRID_C, GRID_C]);
  // Unknown region: an error, not an empty file.
  const none = srv.cli(['export', 'persons', '--region', '431199']);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /431199/);
});

test('export households xlsx is a valid workbook holding the rows', () => {
  const out = path.join(srv.dir, 'h.xlsx');
  const r = srv.cli(['export', 'households', '--region', '431122', '--format', 'xlsx', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const buf = readFileSync(out);
  assert.equal(buf.subarray(0, 2).toString(), 'PK');
  const sheet = unzip(buf, 'xl/worksheets/sheet1.xml');
  assert.match(sheet, /雍景园 1 栋, 101 室/);
  assert.match(sheet, /户主人员ID/);
  assert.match(unzip(buf, 'xl/workbook.xml'), /name="住户"/);
  const p = path.join(srv.dir, 'p.xlsx');
  assert.equal(srv.cli(['export', 'persons', '--region', '4311', '--format', 'xlsx', '--out', p]).status, 0);
  const persons = unzip(readFileSync(p), 'xl/worksheets/sheet1.xml');
  assert.match(persons, /欧阳娜娜/);
  assert.doesNotMatch(persons, new RegExp(imported[0].id)); // masked
});

// An import that brings as many persons as the table holds sets persons'
// non-unique indexes aside for the rest of its rows and builds them before
// the commit (cli/import.c).  A bad row on the last line, after the indexes
// went, rolls everything back: rows, counters and every index as it was.
test('a persons import that fails after setting the indexes aside leaves every index in place', () => {
  const indexes = () => sql(srv.db, /^postgres/.test(srv.db)
    ? "SELECT indexname AS name, indexdef AS def FROM pg_indexes WHERE tablename = 'persons' ORDER BY 1"
    : "SELECT name, sql AS def FROM sqlite_master WHERE type = 'index' AND tbl_name = 'persons' ORDER BY 1");
  const before = indexes();
  assert.ok(before.some((i) => i.name === 'persons_name'), JSON.stringify(before));
  const held = Number(sql(srv.db, 'SELECT max(id) AS id FROM persons')[0].id);
  assert.ok(held > 0 && held < 290, `persons max id ${held}`);
  const rows = Array.from({ length: held + 5 }, (_, i) => person(600 + i, { grid: GRID_B }));
  const bad = rows[rows.length - 1];
  bad.id = bad.id.slice(0, 17) + (bad.id[17] === '0' ? '1' : '0'); // wrong check digit
  const snap = srv.snapshot();
  const r = srv.cli(['import', 'persons', file(csvPersons(rows))], { env: { EPIGRID_LANG: 'en' } });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`line ${rows.length + 1}: .*id_number`));
  assert.equal(srv.snapshot(), snap);
  assert.deepEqual(indexes(), before);
});

test('one audit row per import and per export, with counts', async () => {
  const imports = await auditRows('import');
  // households, UTF-8 persons, GBK persons, --skip-bad persons; failed and dry runs left none
  assert.equal(imports.length, 4);
  const [skip, gbk, utf8, hh] = imports; // newest first
  assert.equal(hh.entity, 'household');
  assert.equal(hh.after.imported, 3);
  assert.equal(utf8.entity, 'person');
  assert.match(utf8.entity_id, /^f\d+\.csv$/);
  assert.equal(utf8.after.imported, 4);
  assert.equal(utf8.region_code, '4311'); // spans two counties
  assert.equal(gbk.after.encoding, 'GB18030');
  assert.equal(gbk.region_code, GRID_C);
  assert.deepEqual([skip.after.rows, skip.after.imported, skip.after.skipped], [5, 2, 3]);
  assert.equal(skip.username, 'cli');
  const exports = await auditRows('export');
  assert.equal(exports.length, 5, JSON.stringify(exports)); // the unknown region exported nothing
  const full = exports.find((e) => e.entity === 'person' && e.after.pii === 'full');
  assert.equal(full.after.count, imported.length);
  assert.equal(full.entity_id, '4311');
  const xlsx = exports.find((e) => e.entity === 'household' && e.after.format === 'xlsx');
  assert.equal(xlsx.after.count, 3);
  assert.equal(xlsx.region_code, '431122');
  assert.ok(exports.some((e) => e.entity === 'person' && e.after.pii === 'masked' && e.after.format === 'csv'));
});

// ---- teams, activities, mapping files, round trips (issue 18, item 4) ----

// A mapping file (--map): its header, and key -> new id.
function readMap(p) {
  const text = readFileSync(p, 'utf8');
  assert.ok(text.startsWith('\uFEFF'), 'mapping files carry a BOM for Excel');
  const [header, ...rows] = parseCsv(text.slice(1));
  return { header: header.join(','), ids: Object.fromEntries(rows) };
}

let orgMap; // the organisations file's 编号 -> id
test('import teams from a roster (one row per member, merged cells) and activities; --ids translates 党组织ID, --map keys each team', async () => {
  const orgFile = path.join(srv.dir, 'orgs.map.csv');
  const o = srv.cli(['import', 'orgs', file('编号,名称,类别,地区编码,成立日期\nO1,茶亭社区党支部,常设,431122101201,2020-01-01\n'), '--map', orgFile]);
  assert.equal(o.status, 0, o.stderr);
  orgMap = readMap(orgFile);
  assert.equal(orgMap.header, '编号,新党组织ID');
  const orgId = orgMap.ids.O1;
  assert.match(o.stderr, new RegExp(`新党组织编号:${orgId} 至 ${orgId}`));
  const [a, b, c] = imported;
  const roster = [
    '队伍名称,队伍类型,党组织ID,开始日期,职务,姓名,身份证号',
    `雍景园党员突击队,党员突击队,O1,2020-02-01,队员,${a.name},${a.id}`,
    `,,,,队长,${b.name},${b.id}`, // merged cells: the team's columns left empty
    `茶亭志愿服务队,volunteer,O1,,,,${c.id}`,
    `茶亭志愿服务队,volunteer,O1,,,${a.name},${a.id}`, // or repeated
  ].join('\r\n') + '\r\n';
  const mapFile = path.join(srv.dir, 'teams.map.csv');
  const r = srv.cli(['import', 'teams', file(roster), '--ids', orgFile, '--map', mapFile]);
  assert.equal(r.status, 0, r.stderr);
  const teams = readMap(mapFile);
  assert.equal(teams.header, '行号,新队伍ID'); // no key column: each team's first line
  assert.deepEqual(Object.keys(teams.ids), ['2', '4']);
  assert.match(r.stderr, new RegExp(`新队伍编号:${teams.ids[2]} 至 ${teams.ids[4]}`));
  const [t1, t2] = await Promise.all([2, 4].map((k) => admin.get(`/api/v1/teams/${teams.ids[k]}`)));
  assert.deepEqual([t1.body.name, t1.body.type, t1.body.org_id, t1.body.active_from, t1.body.leader_name],
    ['雍景园党员突击队', 'commando', Number(orgId), '2020-02-01', b.name]);
  assert.deepEqual(t1.body.members.map((m) => m.name), [b.name, a.name]);
  assert.deepEqual([t2.body.type, t2.body.leader_name], ['volunteer', c.name]); // the first member leads
  assert.deepEqual(t2.body.members.map((m) => m.name), [c.name, a.name]);

  // Bad rows: each named by its line and column, nothing written, no map.
  const snap = srv.snapshot();
  const badMap = path.join(srv.dir, 'bad.map.csv');
  const bad = file([
    '队伍ID,队伍名称,队伍类型,党组织ID,职务,身份证号',
    `T1,甲队,党员突击队,${orgId},队长,${a.id}`,
    `T1,,,,队长,${b.id}`, // 3: a second leader
    `T2,乙队,党员突击队,${orgId},,${idNumber('43112219850612999')}`, // 4: not registered
    `T1,甲队,党员突击队,${orgId},,${c.id}`, // 5: team T1 again, apart from its rows
    `T3,丙队,没有这种队,${orgId},,${c.id}`, // 6: no such type
  ].join('\n') + '\n');
  const no = srv.cli(['import', 'teams', bad, '--map', badMap]);
  assert.equal(no.status, 1);
  assert.match(no.stderr, /第 3 行: 职务: 本队已有队长\(第 2 行\)/);
  assert.match(no.stderr, /第 4 行: 身份证号: 身份证号 \d{17}[\dX] 未登记/);
  assert.match(no.stderr, /第 5 行: 队伍ID: T1 已在第 2 行出现/);
  assert.match(no.stderr, /第 6 行: 队伍类型: 队伍类型 没有这种队 不存在/);
  const en = srv.cli(['import', 'teams', bad], { env: { EPIGRID_LANG: 'en' } });
  assert.match(en.stderr, /line 3: 职务: the team has a leader already \(line 2\)/);
  assert.equal(existsSync(badMap), false);
  assert.equal(srv.snapshot(), snap);

  // Activities: kinds in Chinese, registered participants by ID number.
  const actFile = path.join(srv.dir, 'acts.map.csv');
  const acts = srv.cli(['import', 'activities', file([
    '活动ID,党组织ID,日期,类型,主题,地点,参加人数,参加人员身份证号',
    `A1,O1,2020-02-01,誓师/请战,茶亭社区抗疫誓师大会,社区广场,30,"${a.id}、${b.id}"`,
    `A2,O1,2020-02-03,学习,学习防控指南,,,${c.id}`,
  ].join('\n') + '\n'), '--ids', orgFile, '--map', actFile]);
  assert.equal(acts.status, 0, acts.stderr);
  const actIds = readMap(actFile).ids;
  assert.deepEqual(Object.keys(actIds), ['A1', 'A2']);
  const [a1, a2] = await Promise.all(['A1', 'A2'].map((k) => admin.get(`/api/v1/org-activities/${actIds[k]}`)));
  assert.deepEqual([a1.body.kind, a1.body.org_id, a1.body.participants, a1.body.place, a1.body.occurred_at.slice(0, 10)],
    ['pledge', Number(orgId), 30, '社区广场', '2020-02-01']);
  assert.deepEqual(a1.body.persons.map((x) => x.name).sort(), [a.name, b.name].sort());
  assert.deepEqual([a2.body.kind, a2.body.participants], ['study', 1]);
  const badAct = srv.cli(['import', 'activities', file(`党组织ID,日期,类型,主题,参加人员身份证号\n${orgId},2020-02-05,联欢,春节联欢,${c.id}\n${orgId},2020-02-05,会议,例会,${idNumber('43112219850612998')}\n`)]);
  assert.equal(badAct.status, 1);
  assert.match(badAct.stderr, /第 2 行: 类型: 须为 pledge/);
  assert.match(badAct.stderr, /第 3 行: 参加人员身份证号: 身份证号 \d+ 未登记/);
});

let householdMap; // the households of the next test: 户编号 -> id
test('--map and --ids: a persons file names its households by the 户编号 of the households file', async () => {
  const hmap = path.join(srv.dir, 'hh.map.csv');
  const h = srv.cli(['import', 'households', file(`户编号,网格编码,地址\nK1,${GRID_C},贵头村 8 号\nK2,${GRID_C},=贵头村 9 号\n`), '--map', hmap]);
  assert.equal(h.status, 0, h.stderr);
  householdMap = readMap(hmap);
  assert.equal(householdMap.header, '户编号,新住户ID');
  const p = person(40);
  const pmap = path.join(srv.dir, 'p.map.csv');
  const text = `人员ID,姓名,身份证号,住户ID\nP40,${p.name},${p.id},K2\n`;
  const dry = srv.cli(['import', 'persons', file(text), '--ids', hmap, '--map', pmap, '--dry-run']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.equal(existsSync(pmap), false, 'a dry run writes no mapping file');
  const r = srv.cli(['import', 'persons', file(text), '--ids', hmap, '--map', pmap]);
  assert.equal(r.status, 0, r.stderr);
  const pid = readMap(pmap).ids.P40; // the file's 人员ID is the key
  const got = await admin.get(`/api/v1/persons/${pid}`);
  assert.deepEqual([got.body.name, got.body.household_id, got.body.grid_code], [p.name, Number(householdMap.ids.K2), GRID_C]);
  imported.push({ ...p, grid: GRID_C });
  // A key the map does not hold is a bad row; a map no column takes is a header error.
  const snap = srv.snapshot();
  const missing = srv.cli(['import', 'persons', file(`姓名,身份证号,住户ID\n${person(41).name},${person(41).id},K9\n`), '--ids', hmap]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /第 2 行: 住户ID \(household_id\): K9 不在对照表 .*hh\.map\.csv 中/);
  const useless = srv.cli(['import', 'households', file(`网格编码,地址\n${GRID_C},贵头村 10 号\n`), '--ids', hmap]);
  assert.equal(useless.status, 1);
  assert.match(useless.stderr, /对照表 .*hh\.map\.csv\(新住户ID\)用不上/);
  assert.equal(srv.snapshot(), snap);
});

let branchId; // a temporary branch of O1, dissolved
test('orgs (a dissolved branch), members, household heads and grid duties go in by the columns the exports write; bad rows name line and column', async () => {
  const orgId = orgMap.ids.O1;
  const [a, b, c] = imported;
  // 撤销日期: the branch is dissolved after the last row (branches first).
  const branch = srv.cli(['import', 'orgs', file('编号,名称,类别,地区编码,上级ID,成立日期,撤销日期\n'
    + `T9,茶亭临时党支部,临时,431122101201,${orgId},2020-01-20,2020-03-01\n`)]);
  assert.equal(branch.status, 0, branch.stderr);
  branchId = branch.stdout.trim().split(',')[1];
  const got = await admin.get(`/api/v1/orgs/${branchId}`);
  assert.deepEqual([got.body.parent_id, got.body.status, got.body.dissolved_date], [Number(orgId), 'dissolved', '2020-03-01']);
  const m = srv.cli(['import', 'members', file(`党组织ID,姓名,身份证号,职务,加入日期\n${orgId},${a.name},${a.id},书记,2020-01-05\n${orgId},,${b.id},,2020-01-06\n`)]);
  assert.equal(m.status, 0, m.stderr);
  assert.match(m.stderr, /新党员编号:\d+ 至 \d+/);
  // An activity of the branch before it was dissolved; a hostile note.
  const act = srv.cli(['import', 'activities', file('党组织ID,日期,类型,主题,参加人员身份证号,备注\n'
    + `${branchId},2020-02-10T09:30:00+08:00,志愿服务,"卡口值守, 第一天",${c.id},"=1+1\n<b>两行</b>"\n`)]);
  assert.equal(act.status, 0, act.stderr);
  assert.match(act.stderr, /新组织活动编号:\d+ 至 \d+/);
  // The persons file carries the back-references: 是否户主, 责任网格.
  const head = person(50);
  const p = srv.cli(['import', 'persons', file(`姓名,身份证号,住户ID,是否户主,责任网格\n${head.name},${head.id},${households.H2},是,${GRID_B}\n`)]);
  assert.equal(p.status, 0, p.stderr);
  const pid = Number(p.stderr.match(/新人员编号:(\d+)/)[1]);
  imported.push({ ...head, grid: GRID_A });
  assert.equal((await admin.get(`/api/v1/households/${households.H2}`)).body.head_person_id, pid);
  const idOf = async (x) => (await admin.get(`/api/v1/persons?region=4311&name=${encodeURIComponent(x.name)}`)).body.items[0].id;
  const put = await admin.req('PUT', `/api/v1/grid-duties/${GRID_A}`, { responsible_person_id: await idOf(a), helper_person_ids: [await idOf(b)] });
  assert.equal(put.status, 200, put.text);
  const duties = (await admin.get('/api/v1/grid-duties?region=431122101201')).body.items;
  assert.deepEqual(duties.map((d) => d.responsible?.person_id), [await idOf(a), pid]);

  const snap = srv.snapshot();
  const [p51, p52, p53, p54] = [51, 52, 53, 54].map((k) => person(k));
  const bad = srv.cli(['import', 'persons', file('姓名,身份证号,网格编码,是否户主,责任网格\n'
    + `${p51.name},${p51.id},${GRID_A},是,\n${p52.name},${p52.id},${GRID_A},,${GRID_B}\n`
    + `${p53.name},${p53.id},${GRID_A},也许,\n${p54.name},${p54.id},${GRID_A},,431122101201099\n`)]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /第 2 行: 是否户主 \(is_head\): 没有住户ID,不能是户主/);
  assert.match(bad.stderr, new RegExp(`第 3 行: 责任网格 \\(responsible_grids\\): ${GRID_B}:网格 ${GRID_B} 已有责任人 ${head.name}`));
  assert.match(bad.stderr, /第 4 行: 是否户主 \(is_head\): 应为 是 或 否/);
  assert.match(bad.stderr, /第 5 行: 责任网格 \(responsible_grids\): 431122101201099:.*不存在/);
  const badOrg = srv.cli(['import', 'orgs', file(`编号,名称,类别,地区编码,成立日期,撤销日期\nX,某支部,临时,431122101201,2020-02-01,2020-01-01\n`)]);
  assert.equal(badOrg.status, 1);
  assert.match(badOrg.stderr, /第 2 行: 撤销日期: 不能早于成立日期/);
  const badMember = srv.cli(['import', 'members', file(`党组织ID,姓名,身份证号\n${orgId},张冠李戴,${c.id}\n`)], { env: { EPIGRID_LANG: 'en' } });
  assert.equal(badMember.status, 1);
  assert.match(badMember.stderr, /line 2: person_name: differs from the name registered/);
  assert.equal(srv.snapshot(), snap);
  // Without --full the ID numbers leave masked, like the persons'.
  const masked = parseCsv(srv.cli(['export', 'members', '--region', '431122']).stdout.slice(1));
  assert.deepEqual(masked[0], ['党员记录ID', '党组织ID', '姓名', '身份证号', '职务', '加入日期']);
  assert.deepEqual(masked.slice(1).map((r) => [r[2], r[4], r[5]]), [[a.name, '书记', '2020-01-05'], [b.name, '党员', '2020-01-06']]);
  assert.match(masked[1][3], /^\d{4}\*{10}[\dX]{4}$/);
});

test('every export re-imports into another system: grids, households, persons (heads, grid duties), orgs, members, teams and activities come back in the same columns', async () => {
  const kinds = ['grids', 'households', 'persons', 'orgs', 'members', 'teams', 'activities'];
  const exported = (s, kind) => {
    const r = s.cli(['export', kind, '--region', '4311', '--full']);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  const files = Object.fromEntries(kinds.map((k) => [k, file(exported(srv, k))]));
  const other = await startServer();
  try {
    const root = await other.as('admin');
    for (const [code, name] of [['431122', '东安县'], ['431122101', '白牙市镇'], ['431122101201', '茶亭社区'],
      ['431124', '道县'], ['431124101', '梅花镇'], ['431124101201', '贵头村']]) {
      assert.equal((await root.post('/api/v1/regions', { code, name })).status, 201);
    }
    const run = (...args) => { // every import says which ids (or codes) it made
      const r = other.cli(args);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /新\S+(编号|编码):\d+ 至 \d+/);
      return r.stdout;
    };
    const into = (name, text) => { const p = path.join(other.dir, name); writeFileSync(p, text); return p; };
    const map = (name) => path.join(other.dir, name);
    run('import', 'grids', files.grids); // the grids keep their codes
    // This system has records of its own first, so that every id differs.
    run('import', 'households', into('own-h.csv', `网格编码,地址\n${GRID_C},本地一户\n`));
    const own = idNumber('43112419700101555');
    run('import', 'persons', into('own-p.csv', `姓名,身份证号,网格编码\n本地人员,${own},${GRID_C}\n`));
    const ownOrg = run('import', 'orgs', into('own-o.csv', '编号,名称,类别,地区编码,成立日期\nown,本地党支部,常设,431124101201,2020-01-01\n')).trim().split(',')[1];
    run('import', 'members', into('own-m.csv', `党组织ID,身份证号\n${ownOrg},${own}\n`));
    run('import', 'activities', into('own-a.csv', `党组织ID,日期,类型,主题,参加人数\n${ownOrg},2020-02-02,会议,本地例会,5\n`));
    run('import', 'households', files.households, '--map', map('h.csv'));
    run('import', 'persons', files.persons, '--ids', map('h.csv'), '--map', map('p.csv'));
    run('import', 'orgs', files.orgs, '--map', map('o.csv'));
    run('import', 'members', files.members, '--ids', map('o.csv'), '--map', map('m.csv'));
    run('import', 'teams', files.teams, '--ids', map('o.csv'), '--map', map('t.csv'));
    run('import', 'activities', files.activities, '--ids', map('o.csv'), '--map', map('a.csv'));
    const ids = Object.fromEntries(['h', 'p', 'o', 'm', 't', 'a'].map((m) => [m, readMap(map(`${m}.csv`)).ids]));
    assert.ok(Object.entries(ids.h).every(([from, to]) => from !== to), 'new household ids');
    // Export again: the same rows, the ids translated through the mapping files.
    const via = (m, v) => (v === '' ? '' : ids[m][v]);
    const again = {}, before = {};
    for (const k of kinds) {
      const [head, ...rows] = parseCsv(exported(other, k).slice(1));
      const [headBefore, ...rowsBefore] = parseCsv(readFileSync(files[k], 'utf8').slice(1));
      assert.deepEqual(head, headBefore);
      again[k] = rows;
      before[k] = rowsBefore;
    }
    assert.deepEqual(again.grids, before.grids);
    assert.deepEqual(again.households.filter((r) => r[2] !== '本地一户'),
      before.households.map(([id, grid, address, head, n]) => [via('h', id), grid, address, via('p', head), n]));
    assert.ok(before.households.some((r) => r[3] !== ''), 'a household with a head');
    assert.deepEqual(again.persons.filter((r) => r[1] !== '本地人员'),
      before.persons.map((r) => [via('p', r[0]), ...r.slice(1, 6), via('h', r[6]), ...r.slice(7)]));
    assert.deepEqual(before.persons.filter((r) => r[9]).map((r) => r[9]).sort(), [GRID_A, GRID_B]);
    assert.equal(before.persons.filter((r) => r[8] === '是').length, 1);
    // orgs: 编号, 名称, 类别, 地区编码, 上级编号 (a row above), 上级ID, 驻地, 成立日期, 撤销日期
    assert.deepEqual(again.orgs.slice(1), before.orgs.map((r) => [via('o', r[0]), ...r.slice(1, 4), via('o', r[4]), ...r.slice(5)]));
    assert.deepEqual(before.orgs.map((r) => [r[4] !== '', r[8]]), [[false, ''], [true, '2020-03-01']]);
    assert.deepEqual(again.members.slice(1), before.members.map((r) => [via('m', r[0]), via('o', r[1]), ...r.slice(2)]));
    assert.equal(again.members.length, 3);
    assert.deepEqual(again.teams, before.teams.map((r) => [via('t', r[0]), r[1], r[2], via('o', r[3]), ...r.slice(4)]));
    assert.equal(again.teams.length, 4); // both teams, two members each
    assert.deepEqual(again.activities.slice(1), before.activities.map((r) => [via('a', r[0]), via('o', r[1]), ...r.slice(2)]));
    assert.deepEqual(before.activities.map((r) => [r[3], r[6], r[7].split('、').length]), [['誓师/请战', '30', 2], ['学习', '1', 1], ['志愿服务', '1', 1]]);
    assert.equal(before.activities[2][8], "'=1+1\n<b>两行</b>"); // guarded on the way out, not in the data
    const note = (await root.get(`/api/v1/org-activities/${ids.a[before.activities[2][0]]}`)).body.note;
    assert.equal(note, '=1+1\n<b>两行</b>');
    // The export's formula guard ("'=...") did not stay in the data.
    const hh = await root.get(`/api/v1/households?region=${GRID_C}`);
    assert.ok(hh.body.items.some((x) => x.address === '=贵头村 9 号'), JSON.stringify(hh.body.items));
  } finally {
    await other.stop();
  }
});
