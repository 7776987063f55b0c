// crash.mjs -- the crash test: start `epigrid serve`, drive concurrent writes
// (households and persons on the synchronous path, screening visits and
// health reports through group commit, all with client UUIDs) recording
// every acknowledgement, `kill -9` the server at a random moment, and check
// the database the dead server left: PRAGMA integrity_check ok, every
// roll-up counter equal to its oracle (`epigrid check`), every acknowledged
// write present under its client UUID and id, no idempotency key without its
// row and no fact without its audit row (nothing half-written).  Then restart
// on the same database and go again.
//
//   node tests/reliability/crash.mjs [--cycles 20]     (make check-reliability)
//   tests/api/crash_short.test.mjs runs 3 cycles inside `make check`.
//
// EPIGRID_BIN selects the binary (default build/epigrid).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Workload, verifyAcked, integrity } from './workload.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../..');
const PASSWORD = 'Crash-test-2026';

function cli(bin, args, input = '') {
  return spawnSync(bin, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
}

// Starts a server on "db"; resolves {child, url, exited}.
function serve(bin, db) {
  const child = spawn(bin, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--quiet'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/on (http:\/\/[0-9.]+:\d+)\//);
      if (m) resolve(m[1]);
    });
    exited.then(({ code }) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  return url.then((u) => ({ child, url: u, exited, stderr: () => stderr }));
}

// Rows whose idempotency key exists without the row it names.
function orphanKeys(db) {
  const r = spawnSync('sqlite3', [db,
    "SELECT count(*) FROM idempotency_keys k WHERE" +
    " (k.entity = 'household' AND NOT EXISTS (SELECT 1 FROM households h WHERE h.id = k.entity_id)) OR" +
    " (k.entity = 'person' AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.id = k.entity_id)) OR" +
    " (k.entity = 'health_report' AND NOT EXISTS (SELECT 1 FROM health_reports r WHERE r.id = k.entity_id)) OR" +
    " (k.entity = 'visit' AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.id = k.entity_id))"],
  { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return Number(r.stdout.trim());
}

// Facts without their audit row (written in the same transaction).
export function unaudited(db) {
  const missing = (table, entity) => `(SELECT count(*) FROM ${table} t WHERE NOT EXISTS` +
    ` (SELECT 1 FROM audit_log a WHERE a.entity = '${entity}' AND a.entity_id = CAST(t.id AS TEXT)))`;
  const q = 'SELECT ' + [missing('households', 'household'), missing('persons', 'person'),
    missing('health_reports', 'health_report'), missing('visits', 'visit')].join(' + ');
  const r = spawnSync('sqlite3', [db, q], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return Number(r.stdout.trim());
}

// Runs "cycles" crash cycles.  Returns a summary; throws on the first
// lost acknowledged write or inconsistency.  "log" receives progress lines.
export async function crashCycles({ cycles = 20, bin = process.env.EPIGRID_BIN || path.join(ROOT, 'build/epigrid'),
  writers = 4, minMs = 300, maxMs = 2000, log = console.log } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'epigrid-crash-'));
  const db = path.join(dir, 'crash.db');
  const summary = { cycles: 0, acked: 0, sent: 0, failed: 0, lost: 0, kills: [] };
  try {
    let r = cli(bin, ['init', '--db', db, '--city', '4311', '--city-name', '永州市', '--city-only']);
    if (r.status !== 0) throw new Error(`init: ${r.stderr}`);
    r = cli(bin, ['user', 'add', 'crash_admin', '--role', 'admin', '--scope', '4311', '--db', db], PASSWORD + '\n');
    if (r.status !== 0) throw new Error(`user add: ${r.stderr}`);
    const state = {};
    for (let cycle = 1; cycle <= cycles; cycle++) {
      const server = await serve(bin, db);
      const w = new Workload(server.url, state);
      await w.session('crash_admin', PASSWORD);
      await w.setup(12);
      const before = state.acks.length;
      const stop = w.drive(writers);
      const killAfter = minMs + Math.floor(Math.random() * (maxMs - minMs));
      await new Promise((res) => setTimeout(res, killAfter));
      server.child.kill('SIGKILL');
      const { signal } = await server.exited;
      await stop();
      if (signal !== 'SIGKILL') throw new Error(`server ended by ${signal}, not the kill: ${server.stderr()}`);
      // The database as the dead server left it.
      const ok = integrity(db);
      if (ok !== 'ok') throw new Error(`cycle ${cycle}: integrity_check: ${ok}`);
      const check = cli(bin, ['check', '--db', db]);
      if (check.status !== 0) throw new Error(`cycle ${cycle}: epigrid check:\n${check.stdout}${check.stderr}`);
      const missing = verifyAcked(db, state.acks);
      summary.lost += missing.length;
      if (missing.length) throw new Error(`cycle ${cycle}: ${missing.length} acknowledged write(s) lost: ${JSON.stringify(missing.slice(0, 5))}`);
      const orphans = orphanKeys(db);
      if (orphans) throw new Error(`cycle ${cycle}: ${orphans} idempotency key(s) without their row`);
      const silent = unaudited(db);
      if (silent) throw new Error(`cycle ${cycle}: ${silent} fact(s) without their audit row`);
      const acked = state.acks.length - before;
      summary.cycles++;
      summary.acked += acked;
      summary.sent += w.counts.sent;
      summary.failed += w.counts.failed;
      summary.kills.push(killAfter);
      log(`cycle ${cycle}/${cycles}: kill -9 after ${killAfter} ms; ${acked} acknowledged ` +
        `(${w.counts.sent} sent, ${w.counts.failed} unanswered); ${state.acks.length} acknowledged in all, 0 lost; check ok`);
    }
    summary.byKind = {};
    for (const a of state.acks) summary.byKind[a.kind] = (summary.byKind[a.kind] ?? 0) + 1;
    return summary;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--cycles');
  const cycles = i > 0 ? Number(process.argv[i + 1]) : 20;
  crashCycles({ cycles }).then((s) => {
    console.log(`crash test: ${s.cycles}/${cycles} cycles passed, ${s.acked} acknowledged writes ` +
      `(${Object.entries(s.byKind).map(([k, n]) => `${n} ${k}`).join(', ')}), ${s.lost} lost`);
  }, (e) => {
    console.error(`crash test FAILED: ${e.message}`);
    process.exit(1);
  });
}
