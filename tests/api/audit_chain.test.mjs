// audit_chain.test.mjs -- the tamper-evident audit log (issue #16, part A):
//   - writes of every kind, sent at once and from two processes (the server's
//     group-commit writer and a CLI export), form one chain: `epigrid check`
//     passes on the untouched database;
//   - an insider who edits the database file (the sqlite3 tool, or psql on
//     PostgreSQL) is named by `epigrid check`: the first row edited, a row
//     deleted in the middle, the newest row cut off; putting the edited value
//     back makes the chain whole again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sql, sqlWrite, PG, PASSWORD, makeId, day } from './lib.mjs';

const GRID = '431122101201001';
let srv, admin;

// The append-only triggers stand in the way of an honest user, not of
// someone who holds the file: they drop them first.
function dropTriggers() {
  for (const t of ['audit_log_no_update', 'audit_log_no_delete']) {
    sqlWrite(srv.db, PG ? `DROP TRIGGER IF EXISTS ${t} ON audit_log` : `DROP TRIGGER IF EXISTS ${t}`);
  }
}

function check() {
  const r = srv.cli(['check']);
  return { status: r.status, out: r.stdout + r.stderr };
}

before(async () => {
  srv = await startServer();
  admin = await srv.as('admin');
  for (const code of ['431122', '431122101', '431122101201', GRID]) {
    const r = await admin.post('/api/v1/regions', { code, name: `地区${code}` });
    assert.equal(r.status, 201, r.text);
  }
  const p = await admin.post('/api/v1/persons', { name: '链上人', id_number: makeId(7), grid_code: GRID });
  assert.equal(p.status, 201, p.text);
  const o = await admin.post('/api/v1/observations', { person_id: p.body.id, kind: 'home', reason: 'travel', start_date: day(-6) });
  assert.equal(o.status, 201, o.text);
  // Health reports (group commit), households, logins, all in flight at once,
  // while a second process (the CLI) writes its export row into the chain.
  const worker = await srv.as('grid_worker', GRID);
  const slots = [];
  for (let d = -5; d <= -1; d++) for (const h of ['08:00', '16:00']) slots.push(`${day(d)}T${h}`);
  const writes = [
    ...slots.map((slot) => worker.post('/api/v1/health-reports',
      { client_uuid: crypto.randomUUID(), person_id: p.body.id, slot, temperature: 36.6, symptoms: [] })),
    ...Array.from({ length: 10 }, (_, i) => admin.post('/api/v1/households', { grid_code: GRID, address: `${i + 1} 栋` })),
    ...Array.from({ length: 2 }, () => srv.login(admin.user.username, PASSWORD)),
  ];
  const exported = srv.cli(['export', 'persons', '--region', '431122', '--out', `${srv.dir}/p.csv`]);
  assert.equal(exported.status, 0, exported.stderr);
  for (const r of await Promise.all(writes)) if (r.status !== undefined) assert.equal(r.status, 201, r.text);
});
after(async () => { await srv.stop(); });

test('audit chain: an untouched database passes `epigrid check`, every row verified', () => {
  const r = check();
  assert.equal(r.status, 0, r.out);
  const rows = Number(sql(srv.db, 'SELECT count(*) AS n FROM audit_log')[0].n);
  assert.ok(rows >= 30, `${rows} audit rows`);
  const m = r.out.match(/audit chain ok: (\d+) rows verified, 0 older rows not chained/);
  assert.ok(m, r.out);
  assert.equal(Number(m[1]), rows);
  assert.match(r.out, /audit head \d+:[0-9a-f]{64}/);
});

// A copy kept without a foreign key (sql/migrations/0033_*): a health
// report's person is its observation's, and `epigrid check` says so.
test('copies: a report whose person is not its observation\'s is named by `epigrid check`; no key to persons', async () => {
  const keys = PG
    ? sql(srv.db, "SELECT confrelid::regclass::text AS parent FROM pg_constraint WHERE conrelid = 'health_reports'::regclass AND contype = 'f'")
    : sql(srv.db, "SELECT \"table\" AS parent FROM pragma_foreign_key_list('health_reports')");
  assert.deepEqual(keys.map((k) => k.parent), ['observations']);
  const other = await admin.post('/api/v1/persons', { name: '别人', id_number: makeId(8), grid_code: GRID });
  assert.equal(other.status, 201, other.text);
  const report = sql(srv.db, 'SELECT id, person_id FROM health_reports ORDER BY id LIMIT 1')[0];
  sqlWrite(srv.db, `UPDATE health_reports SET person_id = ${other.body.id} WHERE id = ${report.id}`);
  let r = check();
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, new RegExp(`copy FAILED: health_reports ${report.id} person_id=${other.body.id}, source ${report.person_id}\n`));
  assert.match(r.out, new RegExp(`副本不一致:health_reports 第 ${report.id} 行 person_id=${other.body.id},应为 ${report.person_id}`));
  assert.match(r.out, /copies 1 checked, 1 rows different/);
  sqlWrite(srv.db, `UPDATE health_reports SET person_id = ${report.person_id} WHERE id = ${report.id}`);
  r = check();
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /copies 1 checked, 0 rows different/);
});

test('audit chain: an edited row, a deleted row and a cut-off tail are each named by `epigrid check`', () => {
  dropTriggers();
  const rows = sql(srv.db, "SELECT id, username FROM audit_log WHERE entity = 'household' ORDER BY id");
  assert.ok(rows.length >= 10);
  const edited = rows[3];
  // Edited: the row, by id, and in Chinese too.
  sqlWrite(srv.db, `UPDATE audit_log SET username = 'someone_else' WHERE id = ${edited.id}`);
  let r = check();
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, new RegExp(`audit chain FAILED: row ${edited.id} edited; 1 rows broken`));
  assert.match(r.out, new RegExp(`第 ${edited.id} 条审计记录被改动`));
  // The value put back: the chain is whole again (the hash is of the content).
  sqlWrite(srv.db, `UPDATE audit_log SET username = '${edited.username}' WHERE id = ${edited.id}`);
  r = check();
  assert.equal(r.status, 0, r.out);

  // Deleted: the insider removes the row of the CLI export.
  const exportRow = sql(srv.db, "SELECT id FROM audit_log WHERE action = 'export'")[0].id;
  sqlWrite(srv.db, `DELETE FROM audit_log WHERE id = ${exportRow}`);
  r = check();
  assert.equal(r.status, 1, r.out);
  assert.match(r.out, new RegExp(`audit chain FAILED: row ${exportRow} missing`));
  assert.match(r.out, new RegExp(`第 ${exportRow} 条审计记录缺失`));
});

test('audit chain: the newest row cut off is missing too (the head remembers it)', async () => {
  // After the previous test the first break is the export row; a new write
  // and then its deletion must still be seen (the count of broken rows grows).
  const before = check().out.match(/; (\d+) rows broken/)[1];
  const h = await admin.post('/api/v1/households', { grid_code: GRID, address: '最后一栋' });
  assert.equal(h.status, 201, h.text);
  const last = sql(srv.db, 'SELECT max(id) AS id FROM audit_log')[0].id;
  sqlWrite(srv.db, `DELETE FROM audit_log WHERE id = ${last}`);
  const r = check();
  assert.equal(r.status, 1, r.out);
  assert.equal(Number(r.out.match(/; (\d+) rows broken/)[1]), Number(before) + 1, r.out);
  assert.match(r.out, new RegExp(`audit head ${last}:`));
});
