// diskfull.test.mjs -- a full disk under a running server: writes
// (synchronous and group-committed) get 503 with a clear message in both
// languages and write nothing, reads keep working, and writes resume by
// themselves once space returns -- no restart.  (Files that become read-only
// under a running server: readonly.test.mjs.  A server asked to start on a
// database it cannot write refuses, saying why: tested here.)
//
// The database lives on a small tmpfs mounted for the test, which needs root
// (mount); elsewhere the test is skipped (it says so).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, writeSync, closeSync, unlinkSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, epigrid, assertError, BIN } from './lib.mjs';
import { idNumber } from '../reliability/workload.mjs';

const UUID = () => crypto.randomUUID();
const GRID = '431122101201001';
let mnt = null;
let srv, admin, personId;

function tryMount() {
  if (process.getuid?.() !== 0) return 'not root';
  const dir = mkdtempSync(path.join(tmpdir(), 'epigrid-full-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) { rmSync(dir, { recursive: true, force: true }); return `mount failed: ${r.stderr}`; }
  mnt = dir;
  return null;
}
const why = tryMount();

// Fills the file system with "file" (appending to it with "more"); returns
// the bytes written.
function fill(file, more = false) {
  const fd = openSync(file, more ? 'a' : 'w');
  const chunk = Buffer.alloc(64 * 1024, 0x55);
  let n = 0;
  try {
    for (;;) n += writeSync(fd, chunk);
  } catch (e) {
    if (e.code !== 'ENOSPC') throw e;
  }
  // the last bytes: smaller pieces
  for (let size = 32 * 1024; size >= 512; size >>= 1) {
    try { for (;;) n += writeSync(fd, chunk.subarray(0, size)); } catch { /* full */ }
  }
  closeSync(fd);
  return n;
}

before(async () => {
  if (!mnt) return;
  const db = path.join(mnt, 'full.db');
  const r = epigrid(['init', '--db', db, '--city', '4311', '--city-name', '永州市', '--city-only']);
  assert.equal(r.status, 0, r.stderr);
  srv = await startServer({ db });
  admin = await srv.as('admin');
  for (const [code, name] of [['431122', '东安县'], ['431122101', '白牙市镇'], ['431122101201', '茶亭社区'], [GRID, '雍景园小区']]) {
    assert.equal((await admin.post('/api/v1/regions', { code, name })).status, 201);
  }
  const p = await admin.post('/api/v1/persons', { name: '观察', id_number: idNumber(1), grid_code: GRID });
  assert.equal(p.status, 201, p.text);
  personId = p.body.id;
  const day = new Date(Date.now() + 8 * 3600e3 - 2 * 86400e3).toISOString().slice(0, 10);
  const o = await admin.post('/api/v1/observations', { person_id: personId, kind: 'home', reason: 'travel', start_date: day });
  assert.equal(o.status, 201, o.text);
});
const yesterday = () => new Date(Date.now() + 8 * 3600e3 - 86400e3).toISOString().slice(0, 10);
after(async () => {
  if (!mnt) return;
  if (srv) await srv.stop({ keep: true });
  spawnSync('umount', [mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

// Opens a read transaction on "db" in a sqlite3 process and returns once it
// holds its snapshot; unpin() ends it.
async function pinLog(db) {
  const child = spawn('sqlite3', [db], { stdio: ['pipe', 'pipe', 'inherit'] });
  const counted = new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (c) => reject(new Error(`sqlite3 exited ${c} before reading`)));
  });
  child.stdin.write('BEGIN; SELECT count(*) FROM households;\n');
  await counted;
  return child;
}

async function unpin(child) {
  const gone = new Promise((r) => child.once('exit', r));
  child.stdin.end('COMMIT;\n.quit\n');
  await gone;
}

// Writes households until one is refused; returns the refusal (or null).
async function writeUntilRefused(client, max = 400) {
  for (let i = 0; i < max; i++) {
    const r = await client.post('/api/v1/households', { grid_code: GRID, address: `满盘 ${i} 号 ${'楼'.repeat(70)}`, client_uuid: UUID() });
    if (r.status !== 201) return r;
  }
  return null;
}

// Sends "send()" until it is refused with 503, topping the filler up before
// each try; every try that succeeds must have written (201), every refusal
// must have written nothing.  Returns the refusal.
async function refusedWhileFull(filler, send, tries = 20) {
  for (let i = 0; i < tries; i++) {
    fill(filler, true);
    const snap = srv.snapshot();
    const r = await send();
    if (r.status === 201) continue; // it fit (e.g. the WAL reused its own space)
    assertError(assert, r, 503, 'unavailable');
    assert.equal(srv.snapshot(), snap, 'a refused write wrote nothing');
    return r;
  }
  assert.fail(`never refused in ${tries} tries with the disk full`);
}

test('disk full: 503 with a clear message, nothing written, reads work, writes resume when space returns',
  { skip: why ?? false }, async () => {
    const filler = path.join(mnt, 'filler');
    // A reader holding a snapshot keeps the log from starting over, so every
    // write needs new space.  Without it, a write made after the checkpointer
    // had emptied the log fits in the log's own space, and whether one of
    // refusedWhileFull's tries is refused depends on timing (none of 20 was,
    // once, under AddressSanitizer on a loaded machine).
    const pin = await pinLog(srv.db);
    fill(filler);
    try {
      const refused = await writeUntilRefused(admin);
      assert.ok(refused, 'a write was refused once the disk was full');
      assertError(assert, refused, 503, 'unavailable');
      assert.match(refused.body.error.message, /磁盘已满/);
      // refused the same way in either language, on the synchronous path and
      // through group commit, writing nothing
      const en = await refusedWhileFull(filler, () => admin.withLang('en').post('/api/v1/households',
        { grid_code: GRID, address: `x ${'楼'.repeat(70)}`, client_uuid: UUID() }));
      assert.match(en.body.error.message, /disk full.*nothing was saved/);
      let n = 2;
      await refusedWhileFull(filler, () => admin.post('/api/v1/persons',
        { name: '满盘'.repeat(10), id_number: idNumber(n++), grid_code: GRID, client_uuid: UUID() }));
      const report = await refusedWhileFull(filler, () => admin.post('/api/v1/health-reports',
        { client_uuid: UUID(), person_id: personId, slot: `${yesterday()}T08:00`, temperature: 38.5, symptoms: ['cough', 'fever'] }));
      assert.match(report.body.error.message, /磁盘已满/);
      // reads keep working
      assert.equal((await admin.get('/api/v1/health')).status, 200);
      assert.equal((await admin.get(`/api/v1/households?region=${GRID}`)).status, 200);
      assert.equal((await admin.get('/api/v1/regions/4311/stats')).status, 200);
    } finally {
      await unpin(pin);
      // space returns: writes resume without a restart
      unlinkSync(filler);
    }
    const ok = await admin.post('/api/v1/households', { grid_code: GRID, address: '恢复 1 号', client_uuid: UUID() });
    assert.equal(ok.status, 201, ok.text);
    const rep = await admin.post('/api/v1/health-reports', { client_uuid: UUID(), person_id: personId, slot: `${yesterday()}T16:00`, temperature: 38.5 });
    assert.equal(rep.status, 201, rep.text);
    assert.equal(epigrid(['check', '--db', srv.db]).status, 0);
  });

test('a server refuses to start on a database it cannot write, saying why', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'epigrid-ro-'));
  try {
    const db = path.join(dir, 'ro.db');
    assert.equal(epigrid(['init', '--db', db]).status, 0);
    let cmd = BIN;
    let pre = [];
    if (process.getuid?.() === 0) {
      // root writes anything: run the server as nobody on root's files
      chmodSync(dir, 0o755);
      chmodSync(db, 0o644);
      cmd = 'setpriv';
      pre = ['--reuid=65534', '--regid=65534', '--clear-groups', BIN];
    } else {
      chmodSync(db, 0o444);
      chmodSync(dir, 0o555);
    }
    for (const [lang, re] of [['zh_CN.UTF-8', /不可写/], ['en', /cannot be written/]]) {
      const r = spawnSync(cmd, [...pre, 'serve', '--db', db, '--listen', '127.0.0.1:0'],
        { encoding: 'utf8', timeout: 10000, env: { ...process.env, EPIGRID_LANG: lang } });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr, re);
    }
  } finally {
    chmodSync(dir, 0o755);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the tmpfs tests ran or were skipped for a stated reason', () => {
  assert.ok(mnt || why);
  if (!mnt) console.log(`# disk-full tests skipped: ${why}`);
});
