// pg_reconnect.test.mjs -- PostgreSQL connections lost under a running server
// (a restarted or failed-over database, pg_terminate_backend): requests meet a
// 503 with a clear message or succeed, never a 500 or a crash; every worker
// connection, the group-commit writer and the event listener reconnect by
// themselves; nothing half-written appears.  PostgreSQL only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startServer, sql, PG, PSQL, makeId, day } from './lib.mjs';
import { openStream } from './sse.mjs';

const skip = PG ? false : 'PostgreSQL only';
const GRID = '431122101201001';
const UUID = () => crypto.randomUUID();

// Ends every connection to the server's database but this one (psql's).
function terminateAll(db) {
  const r = spawnSync(PSQL, ['-X', '-q', '-At', '-d', db, '-c',
    'SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()'],
  { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

// Sends "send" until it answers 2xx; every other answer must be a 503 with the
// error model.  Returns the successful response and the 503s seen.
async function untilServed(send, tries = 10) {
  const refused = [];
  for (let i = 0; i < tries; i++) {
    const r = await send();
    if (r.status >= 200 && r.status < 300) return { r, refused };
    assert.equal(r.status, 503, `a lost connection is a 503, not ${r.status}: ${r.text}`);
    assert.equal(r.body.error.code, 'unavailable');
    refused.push(r);
  }
  assert.fail(`not served after ${tries} tries`);
}

let srv, admin, worker;
before(async () => {
  if (!PG) return;
  srv = await startServer({ args: ['--threads', '2'] });
  admin = await srv.as('admin');
  for (const [code, name] of [['431122', '东安县'], ['431122101', '白牙市镇'], ['431122101201', '茶亭社区'], [GRID, '雍景园小区']]) {
    const r = await admin.post('/api/v1/regions', { code, name });
    assert.equal(r.status, 201, r.text);
  }
  worker = await srv.as('grid_worker', GRID);
});
after(async () => { if (PG) await srv.stop(); });

test('after every connection is cut, requests get 503 or succeed, then all succeed; nothing half-written', { skip }, async () => {
  const before = sql(srv.db, `SELECT count(*) AS n FROM households`)[0].n;
  let refusals = 0;
  for (let round = 0; round < 3; round++) {
    assert.ok(terminateAll(srv.db) >= 1, 'the server had connections to cut');
    const write = await untilServed(() => admin.post('/api/v1/households', { client_uuid: UUID(), grid_code: GRID, address: `茶亭 ${round} 号` }));
    assert.equal(write.r.status, 201, write.r.text);
    for (const m of write.refused) assert.match(m.body.error.message, /数据库/);
    const read = await untilServed(() => admin.get(`/api/v1/regions/431122/stats`));
    refusals += write.refused.length + read.refused.length;
    assert.equal(read.r.status, 200);
    // Once reconnected, several requests in a row all succeed (both worker threads).
    for (let i = 0; i < 6; i++) assert.equal((await admin.get('/api/v1/regions/431122/stats')).status, 200);
  }
  assert.ok(refusals >= 3, `a cut connection is found on use and answered 503 (${refusals})`);
  const after = sql(srv.db, `SELECT count(*) AS n FROM households`)[0].n;
  assert.equal(after, before + 3, 'each acknowledged write is there once, no other');
  const check = srv.cli(['check']);
  assert.equal(check.status, 0, check.stdout + check.stderr);
});

test('the group-commit writer and the event listener reconnect: a health report after the cut reaches an open stream', { skip }, async () => {
  const p = await admin.post('/api/v1/persons', { name: '孙八', id_number: makeId(54), grid_code: GRID });
  assert.equal(p.status, 201, p.text);
  const o = await admin.post('/api/v1/observations', { person_id: p.body.id, kind: 'home', reason: 'travel', start_date: day(-2) });
  assert.equal(o.status, 201, o.text);
  terminateAll(srv.db);
  const stream = await (async () => {
    for (let i = 0; i < 10; i++) {
      try { return await openStream(worker); } catch { await new Promise((r) => setTimeout(r, 100)); }
    }
    assert.fail('no stream after the cut');
  })();
  try {
    const body = { client_uuid: UUID(), person_id: p.body.id, slot: `${day(-1)}T08:00`, temperature: 38.7, symptoms: ['cough'] };
    const { r } = await untilServed(() => worker.post('/api/v1/health-reports', body));
    assert.ok(r.status === 201 || r.status === 200, r.text);
    const ev = await stream.waitFor((e) => e.event === 'alert.raised' && e.data.id === r.body.alert_id, 3000);
    assert.ok(ev, 'the alert reached the stream');
  } finally {
    await stream.close();
  }
});
