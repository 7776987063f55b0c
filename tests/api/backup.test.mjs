// backup.test.mjs -- `epigrid backup` under write load and `epigrid restore`:
// a backup taken while four clients keep writing (households, persons and
// group-committed health reports) restores, a server starts on the restored
// database, its integrity check is ok, the roll-up counters equal their
// oracle, and every write acknowledged before the backup started is in it.
// Restore refuses to overwrite without --force and refuses files that are
// not sound epigrid databases, leaving the target untouched.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, copyFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { startServer, epigrid, BIN, PASSWORD } from './lib.mjs';
import { Workload, verifyAcked, integrity } from '../reliability/workload.mjs';

const srv = await startServer();
after(async () => { await srv.stop(); });

// Runs the CLI without blocking the event loop (the writers keep going).
function epigridAsync(args) {
  return new Promise((resolve) => {
    execFile(BIN, args, { encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ status: error ? error.code : 0, stdout, stderr }));
  });
}

test('a backup taken under write load restores, serves and holds every earlier acknowledged write', async () => {
  const w = new Workload(srv.url);
  await w.session(srv.user('admin'), PASSWORD);
  await w.setup(12);
  const stop = w.drive(4);
  // At least 1.5 s and 50 acknowledged writes before the backup (a slow
  // machine, e.g. the sanitizer pass, needs longer for the 50).
  const t0 = performance.now();
  while (performance.now() - t0 < 1500 || (w.acks.length < 60 && performance.now() - t0 < 15000))
    await new Promise((r) => setTimeout(r, 100));
  const file = path.join(srv.dir, 'backup.db');
  const started = performance.now();
  const b = await epigridAsync(['backup', '--db', srv.db, '--to', file]);
  const finished = performance.now();
  await new Promise((r) => setTimeout(r, 300));
  await stop();
  assert.equal(b.status, 0, b.stderr);
  const out = JSON.parse(b.stdout);
  assert.equal(out.integrity, 'ok');
  assert.ok(out.bytes > 0);
  assert.equal(w.counts.failed, 0, 'no write failed while the backup ran');
  const before = w.acks.filter((a) => a.ackAt < started);
  const during = w.acks.filter((a) => a.sentAt < finished && a.ackAt > started);
  const afterwards = w.acks.filter((a) => a.sentAt > finished);
  assert.ok(before.length >= 50, `writes before the backup: ${before.length}`);
  assert.ok(afterwards.length > 0, 'the server kept writing after the backup');
  console.log(`# acknowledged: ${before.length} before, ${during.length} during, ` +
    `${afterwards.length} after a ${(finished - started).toFixed(0)} ms backup`);

  // Restore into a new path and serve it.
  const restored = path.join(srv.dir, 'restored.db');
  const r = epigrid(['restore', '--from', file, '--db', restored]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).integrity, 'ok');
  assert.ok(!existsSync(restored + '-wal') || readFileSync(restored + '-wal').length === 0);
  const srv2 = await startServer({ db: restored });
  try {
    const health = await srv2.anon().get('/api/v1/health');
    assert.equal(health.status, 200);
    // A user that existed before the backup logs in on the restored server.
    await srv2.login(srv.user('admin'), PASSWORD);
    assert.equal(integrity(restored), 'ok');
    assert.deepEqual(verifyAcked(restored, before), []);
    // The backup is a snapshot: writes sent after it finished are not in it
    // (which also shows that verifyAcked can fail).
    assert.equal(verifyAcked(restored, afterwards).length, afterwards.length);
    const check = epigrid(['check', '--db', restored]);
    assert.equal(check.status, 0, check.stdout + check.stderr);
  } finally {
    await srv2.stop({ keep: true });
  }
});

test('restore refuses to overwrite an existing database without --force; --force replaces it', async () => {
  const file = path.join(srv.dir, 'b2.db');
  assert.equal(epigrid(['backup', '--db', srv.db, '--to', file]).status, 0);
  // backup itself does not overwrite either
  const again = epigrid(['backup', '--db', srv.db, '--to', file], { env: { EPIGRID_LANG: 'en' } });
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists; add --force/);

  const target = path.join(srv.dir, 'target.db');
  const init = epigrid(['init', '--db', target]);
  assert.equal(init.status, 0, init.stderr);
  const beforeBytes = readFileSync(target);
  let r = epigrid(['restore', '--from', file, '--db', target]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /已存在.*--force/);
  assert.deepEqual(readFileSync(target), beforeBytes, 'target untouched');
  // a stale WAL of the old database must not survive the restore
  writeFileSync(target + '-wal', Buffer.alloc(0));
  r = epigrid(['restore', '--from', file, '--db', target, '--force']);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!existsSync(target + '-wal'));
  assert.equal(integrity(target), 'ok');
  const users = epigrid(['user', 'list', '--db', target]);
  assert.match(users.stdout, new RegExp(srv.user('admin')));
});

test('restore refuses to replace the database of a running server', async () => {
  const file = path.join(srv.dir, 'live.db');
  assert.equal(epigrid(['backup', '--db', srv.db, '--to', file]).status, 0);
  const before = srv.snapshot();
  const r = epigrid(['restore', '--from', file, '--db', srv.db, '--force'], { env: { EPIGRID_LANG: 'en' } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /in use \(is the server running\?\)/);
  assert.equal(srv.snapshot(), before);
  assert.equal((await srv.anon().get('/api/v1/health')).status, 200);
});

test('restore refuses a file that is not a sound epigrid database, writing nothing', async () => {
  const target = path.join(srv.dir, 'never.db');
  const junk = path.join(srv.dir, 'junk.db');
  writeFileSync(junk, 'not a database at all, just text\n'.repeat(100));
  let r = epigrid(['restore', '--from', junk, '--db', target], { env: { EPIGRID_LANG: 'en' } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not an epigrid backup/);
  assert.ok(!existsSync(target));

  // An SQLite file that is not an epigrid database.
  const other = path.join(srv.dir, 'other.db');
  const s = epigrid(['init', '--db', other]); // then drop its migration record
  assert.equal(s.status, 0);
  const q = spawnSync('sqlite3', [other, 'DELETE FROM schema_migrations']);
  assert.equal(q.status, 0);
  r = epigrid(['restore', '--from', other, '--db', target], { env: { EPIGRID_LANG: 'en' } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not an epigrid database/);
  assert.ok(!existsSync(target));

  // A damaged copy of a real backup (a page in the middle overwritten).
  const good = path.join(srv.dir, 'b3.db');
  assert.equal(epigrid(['backup', '--db', srv.db, '--to', good]).status, 0);
  const damaged = path.join(srv.dir, 'damaged.db');
  copyFileSync(good, damaged);
  const bytes = readFileSync(damaged);
  const page = bytes.readUInt16BE(16) || 65536;
  const pages = Math.floor(bytes.length / page);
  for (let p = Math.floor(pages / 2); p < Math.floor(pages / 2) + 3 && p < pages; p++)
    bytes.fill(0x5a, p * page, p * page + page);
  writeFileSync(damaged, bytes);
  r = epigrid(['restore', '--from', damaged, '--db', target], { env: { EPIGRID_LANG: 'en' } });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /integrity check failed|malformed|not a database/);
  assert.ok(!existsSync(target));
  assert.deepEqual(readdirTemp(srv.dir), [], 'no temporary file left behind');

  r = epigrid(['restore', '--from', path.join(srv.dir, 'missing.db'), '--db', target]);
  assert.equal(r.status, 1);
  assert.equal(epigrid(['restore', '--db', target]).status, 2); // usage
  assert.equal(epigrid(['backup', '--db', srv.db]).status, 2);
});

function readdirTemp(dir) {
  return readdirSync(dir).filter((f) => /\.(restoring|partial)-/.test(f));
}
