// run.mjs -- the benchmark driver (see bench/run).  Every figure is measured
// in this run on this machine together with its ceiling:
//   HTTP ceiling    nginx, one worker, `return 204`, same wrk settings
//   storage ceiling bench/sqlite_ceiling.c, same durability, batches of 1,000
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, existsSync, copyFileSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const OUT = path.join(ROOT, 'bench/out');
const BIN = path.join(ROOT, 'build-release/epigrid');
const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const ONLY = (args[args.indexOf('--only') + 1] ?? '').split(',').filter((x) => args.includes('--only') && x);
const SCALE = QUICK ? '0.01' : '1.0';
const DURATION = QUICK ? '5s' : '20s';
const WARMUP = QUICK ? '1s' : '5s';
const CONNS = '64';
const PASSWORD = 'Bench-pass-2026';
const want = (b) => ONLY.length === 0 || ONLY.includes(b);
// PostgreSQL rows (issue 11): --only PG runs them all, or B1pg, B3pg, C3pg, B6pg.
const PG_ROWS = ['B1pg', 'B3pg', 'C3pg', 'B6pg'];
const wantPg = (b) => want(b) || ONLY.includes('PG');
const PG_SCALE = QUICK ? '0.01' : (args.includes('--pg-scale') ? args[args.indexOf('--pg-scale') + 1] : '0.1');
const PERF = args.includes('--perf');
// --statements: with pg_stat_statements loaded in the bench's PostgreSQL
// (shared_preload_libraries), the statements of the B1pg1 run per report.
const STATEMENTS = args.includes('--statements');
mkdirSync(OUT, { recursive: true });

const results = { machine: machine(), scale: Number(SCALE), started: new Date().toISOString(), rows: {} };
const log = (...a) => console.error('[bench]', ...a);

function machine() {
  const mem = Math.round(os.totalmem() / 2 ** 30);
  return { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', memory_gib: mem, kernel: os.release() };
}

// Runs wrk asynchronously (the event loop must stay free: B7 watches an
// event stream during B1): a warm-up, then the measured run.
function runAsync(cmd, argv, env = process.env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { env });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err }));
  });
}

async function wrk(url, script, { duration = DURATION, conns = CONNS, threads = 2, env = process.env, warmup = true, tag = '' } = {}) {
  const lua = path.join(OUT, `wrk-${tag}${path.basename(script)}`);
  writeFileSync(lua, readFileSync(script, 'utf8') + '\n' + readFileSync(path.join(ROOT, 'bench/report.lua'), 'utf8'));
  const result = (r) => r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  // The measured run counts on from the warm-up's requests (BENCH_OFFSET,
  // read by the write scripts): before 2026-12-07 it started from 0 again,
  // and its first requests replayed the warm-up's idempotency keys (cheap
  // answers, no write) -- B1 and B2 counted about a fifth of replays.
  if (warmup) {
    const w = await runAsync('wrk', [`-t${threads}`, `-c${conns}`, `-d${WARMUP}`, '-s', lua, url], env);
    if (!result(w)) throw new Error(`wrk warm-up failed (exit ${w.code}, signal ${w.signal}): ${w.stderr}`);
    env = { ...env, BENCH_OFFSET: offsetAfter(env, JSON.parse(result(w)).requests) };
  }
  const argv = [`-t${threads}`, `-c${conns}`, `-d${duration}`, '--latency', '-s', lua, url];
  let r = await runAsync('wrk', argv, env);
  if (!result(r)) {
    // Once (2026-12-07, B1pg2) wrk ended with no output at all; say how it
    // ended and measure once more rather than lose the rest of the run.
    log(`wrk ${argv.join(' ')}: no result (exit ${r.code}, signal ${r.signal}): ${r.stdout.slice(-500)} ${r.stderr.slice(-500)}; once more`);
    r = await runAsync('wrk', argv, env);
  }
  if (!result(r)) throw new Error(`wrk failed (exit ${r.code}, signal ${r.signal}): ${r.stdout}\n${r.stderr}`);
  const out = JSON.parse(result(r));
  out.next_offset = offsetAfter(env, out.requests); // where a later run on the same rows goes on
  return out;
}

// The same load split over several servers: one wrk per server, each with
// its share of the threads and connections (2 threads, 64 connections in
// all, as in every other row), warm-up and measured run side by side.
// Throughput adds up; the percentiles cannot be merged exactly: p50 is the
// mean of the servers' p50 (equal shares of the requests), p99 the worst.
async function wrkSplit(urls, script, envs, opts = {}) {
  const n = urls.length;
  const share = { threads: 2 / n, conns: String(Number(CONNS) / n) };
  const each = (i) => ({ ...opts, ...share, env: envs[i], warmup: false, tag: `${i}-` });
  const ws = await Promise.all(urls.map((u, i) => wrk(u, script, { ...each(i), duration: WARMUP })));
  envs = envs.map((e, i) => ({ ...e, BENCH_OFFSET: offsetAfter(e, ws[i].requests) }));
  const rs = await Promise.all(urls.map((u, i) => wrk(u, script, each(i))));
  const sum = (k) => rs.reduce((a, r) => a + r[k], 0);
  return {
    rps: Math.round(sum('rps') * 10) / 10, requests: sum('requests'), errors: sum('errors'), non2xx: sum('non2xx'),
    timeout: sum('timeout'), read: sum('read'), max_ms: Math.max(...rs.map((r) => r.max_ms)),
    p50_ms: Math.round(sum('p50_ms') / n * 1000) / 1000, p99_ms: Math.max(...rs.map((r) => r.p99_ms)),
    per_server_rps: rs.map((r) => r.rps),
  };
}

// Where a measured run's request counters start after a warm-up of
// "requests" that began at "env"'s offset: past all of them (the total
// bounds each thread's share).
function offsetAfter(env, requests) {
  return String(Number(env.BENCH_OFFSET || 0) + requests);
}

function timed(cmd, argv) {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...argv], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: ${r.stderr.slice(-2000)}`);
  const elapsed = r.stderr.match(/Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)/);
  const secs = elapsed ? Number(elapsed[1] ?? 0) * 3600 + Number(elapsed[2]) * 60 + Number(elapsed[3]) : NaN;
  const rss = Number(r.stderr.match(/Maximum resident set size \(kbytes\): (\d+)/)?.[1] ?? 0);
  return { seconds: secs, peak_rss_mib: Math.round(rss / 1024), stdout: r.stdout, stderr: r.stderr };
}

async function startNginx() {
  const dir = path.join(OUT, 'nginx');
  mkdirSync(path.join(dir, 'logs'), { recursive: true });
  const child = spawn('nginx', ['-p', dir, '-c', path.join(ROOT, 'bench/nginx.conf')], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  return child;
}

async function startServer(db, extra = []) {
  const child = spawn(BIN, ['serve', '--db', db, '--listen', '127.0.0.1:0', '--quiet', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => { out += d; const m = out.match(/on (http:\/\/[0-9.]+:\d+)\//); if (m) resolve(m[1]); });
    child.on('exit', (c) => reject(new Error(`serve exited ${c}: ${err}`)));
  });
  return { child, url, stderr: () => err };
}

async function login(url, username) {
  const res = await fetch(`${url}/api/v1/session`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  const body = await res.json();
  return { cookie: res.headers.get('set-cookie').split(';')[0], csrf: body.csrf_token };
}

function ensureUser(db, name, role, scope) {
  const r = spawnSync(BIN, ['user', 'add', name, '--role', role, '--scope', scope, '--db', db], { input: PASSWORD + '\n', encoding: 'utf8' });
  if (r.status !== 0 && !/已存在|exists/.test(r.stderr)) throw new Error(r.stderr);
}

function row(id, name, value, unit, ceiling, extra = {}) {
  results.rows[id] = { name, value, unit, ceiling, ratio: ceiling ? value / ceiling : null, ...extra };
  log(`${id} ${name}: ${value} ${unit}${ceiling ? ` (${(100 * value / ceiling).toFixed(1)} % of ceiling ${ceiling})` : ''}`, JSON.stringify(extra));
}

// ---- B6: the city (generated in every full run, else cached) -------------
// Its rows/s (every row of every table, over the wall time) is compared with
// the storage ceiling C2 once that is measured below.
const city = path.join(OUT, `city-${SCALE}.db`);
const sqliteWanted = ['B1', 'B2', 'B3', 'B4', 'B6', 'B7'].some(want);
if (want('B6') || sqliteWanted && !existsSync(city)) {
  rmSync(city, { force: true });
  log(`generating the city at scale ${SCALE} ...`);
  spawnSync('sync'); // from a settled machine, as B6pg (below)
  const t = timed(BIN, ['demo', '--db', city, '--scale', SCALE, '--seed', '1']);
  const tables = query(city, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  const rows = Number(query(city, `SELECT ${tables.map((t) => `(SELECT count(*) FROM "${t}")`).join(' + ')}`)[0]);
  row('B6', 'demo generation', t.seconds, 's', null, { peak_rss_mib: t.peak_rss_mib, rows, rows_per_s: Math.round(rows / t.seconds), target: '≤ 30 s, ≤ 1024 MiB' });
}

// ---- ceilings --------------------------------------------------------------
let httpCeiling = null;
if (want('B1') || want('B2') || want('B3') || want('B4') || wantPg('B1pg') || wantPg('B3pg')) {
  const ngx = await startNginx();
  try {
    const r = await wrk('http://127.0.0.1:18081/', path.join(ROOT, 'bench/ceiling.lua'));
    httpCeiling = r.rps;
    row('C1', 'nginx return 204 (HTTP ceiling)', r.rps, 'req/s', null, { p50_ms: r.p50_ms, p99_ms: r.p99_ms });
  } finally { ngx.kill('SIGQUIT'); }
}
let storageCeiling = null;
if (want('B1') || want('B2') || want('B5') || want('B6')) {
  const db = path.join(OUT, 'ceiling.db');
  for (const f of [db, db + '-wal', db + '-shm']) rmSync(f, { force: true });
  const out = execFileSync(path.join(ROOT, 'build-release/sqlite_ceiling'), [db, QUICK ? '100000' : '1000000'], { encoding: 'utf8' });
  storageCeiling = Number(out.match(/rows_per_second (\d+)/)[1]);
  row('C2', 'SQLite batched insert, synchronous=FULL (storage ceiling)', storageCeiling, 'rows/s', null);
}
if (results.rows.B6 && storageCeiling) results.rows.B6.vs_storage_ceiling = results.rows.B6.rows_per_s / storageCeiling;

// ---- B5: import of 1 M persons into a fresh registry ----------------------
if (want('B5')) {
  const rows = QUICK ? 100000 : 1000000;
  const db = path.join(OUT, 'import.db');
  const csv = path.join(OUT, `persons-${rows}.csv`);
  const grids = path.join(OUT, 'import-grids.sql');
  for (const f of [db, db + '-wal', db + '-shm']) rmSync(f, { force: true });
  if (!existsSync(csv)) execFileSync('python3', [path.join(ROOT, 'bench/gen_persons_csv.py'), String(rows), csv, grids]);
  execFileSync(BIN, ['init', '--db', db, '--city', '4311', '--city-name', '永州市', '--city-only'], { stdio: 'ignore' });
  execFileSync('sqlite3', [db], { input: readFileSync(grids) });
  const t = timed(BIN, ['import', 'persons', csv, '--db', db]);
  row('B5', `epigrid import persons (${rows.toLocaleString('en')} rows, durable)`, Math.round(rows / t.seconds), 'rows/s', storageCeiling, { seconds: t.seconds, peak_rss_mib: t.peak_rss_mib, target: '≥ 25 % of the storage ceiling' });
}

// ---- HTTP benchmarks on a copy of the city --------------------------------
const httpWanted = ['B1', 'B2', 'B3', 'B4', 'B7'].some(want);
if (httpWanted) {
  const work = path.join(OUT, 'work.db');
  for (const f of [work, work + '-wal', work + '-shm']) rmSync(f, { force: true });
  copyFileSync(city, work);
  ensureUser(work, 'bench_commander', 'commander', '4311');
  ensureUser(work, 'bench_admin', 'admin', '4311');
  // No overdue sweep while the field work is set up (its observations are
  // opened before the current slot, so they are all due); B1/B7 get a
  // server of their own whose first sweep falls inside their run (issue 20:
  // B7 in a run that contains at least one sweep, here the worst one).
  // B3's server has one HTTP thread, as C1 has one nginx worker (wrk takes
  // the other core). Measured on 2026-12-07: B3 with two threads 50.8-64.3k
  // req/s, p99 6.1-8.2 ms; with one 58.5-72.1k, p99 4.5-4.7 ms (four
  // runnable threads on two cores wait for each other's time slices). The
  // write rows keep two (B1 8.4k either way, but B4, whose reads of alert
  // and observation lists are heavier, 2.2k with one against 4.3-4.9k).
  let srv = await startServer(work, ['--threads', '1', '--sweep-seconds', '3600']);
  try {
    const cmd = await login(srv.url, 'bench_commander');
    const adm = await login(srv.url, 'bench_admin');
    const county = '431122', township = firstChild(work, county);
    process.env.STATS_REGIONS = `4311,${county},${township}`;
    if (want('B3')) {
      process.env.EPIGRID_COOKIE = cmd.cookie;
      for (const [label, regions] of [['city', '4311'], ['county', county], ['township', township], ['mixed', `4311,${county},${township}`]]) {
        process.env.STATS_REGIONS = regions;
        const r = await wrk(srv.url + '/', path.join(ROOT, 'bench/stats.lua'));
        row(`B3-${label}`, `GET /api/v1/stats (${label})`, r.rps, 'req/s', httpCeiling, { p50_ms: r.p50_ms, p99_ms: r.p99_ms, errors: r.errors, target: '≥ 50 % of ceiling, p99 ≤ 5 ms' });
      }
      process.env.STATS_REGIONS = `4311,${county},${township}`;
    }
    if (want('B1') || want('B2') || want('B4') || want('B7')) {
      process.env.EPIGRID_COOKIE = adm.cookie;
      process.env.EPIGRID_CSRF = adm.csrf;
      const setup = await prepareFieldWork(srv.url, adm, work);
      process.env.BENCH_PERSONS = setup.personsFile;
      process.env.BENCH_SLOTS = setup.slots.join(',');
      srv.child.kill('SIGTERM');
      await new Promise((r) => srv.child.once('exit', r));
      srv = await startServer(work, ['--threads', '2', '--sweep-seconds', QUICK ? '3' : '8']);
      // B1, B2 and B4 are measured once the first sweep is over, whichever
      // rows run (B7 is measured during it).
      let settled = false;
      const settle = async () => { if (!settled) await sweepSettled(work, QUICK ? 3 : 8); settled = true; };
      if (want('B1') || want('B7')) {
        // Two runs of the same load. The first holds the server's first
        // overdue sweep (8 s after its start), which finds every one of the
        // 20,000 observations due for the current slot and raises ~20,000
        // alerts within seconds: B7 is measured there (issue 20: a run that
        // contains a sweep, here the worst one), and the reports' rate
        // beside it is B1-sweep. B1 is the second run, once that sweep is
        // over: the reports' steady state, with the sweeps that find
        // nothing due running every 8 s as they would all day.
        const reports = path.join(ROOT, 'bench/reports.lua');
        const b1Extra = (r) => ({ p50_ms: r.p50_ms, p99_ms: r.p99_ms, errors: r.errors, vs_storage_ceiling: storageCeiling ? r.rps / storageCeiling : null });
        process.env.BENCH_RUN = runTag();
        const watcher = want('B7') ? timeToKnow(srv.url, cmd, adm, setup) : null;
        const rs = await wrk(srv.url + '/', reports);
        const t = watcher ? await watcher.stop() : null;
        const swept = Number(query(work, `SELECT count(*) FROM alerts WHERE rule = 'report_overdue'`)[0]);
        row('B1-sweep', 'POST /api/v1/health-reports during the overdue sweep of 20,000 observations', rs.rps, 'req/s', httpCeiling, { ...b1Extra(rs), overdue_alerts: swept });
        if (t) row('B7', 'time-to-know: abnormal report → alert on /api/v1/events, under B1 load', t.p99, 'ms p99', null, { p50_ms: t.p50, p99_ms: t.p99, samples: t.n, overdue_alerts_during_run: t.overdue, target: 'p99 ≤ 50 ms with an overdue sweep in the run' });
        if (want('B1')) {
          await settle();
          process.env.BENCH_RUN = runTag();
          process.env.BENCH_OFFSET = rs.next_offset; // new (person, slot) pairs: no replacements
          log(`epigrid serve pid ${srv.child.pid}`); // for reading perf by process
          const prof = PERF ? perfDuringRun('b1') : null;
          const r = await wrk(srv.url + '/', reports);
          if (prof) await prof;
          delete process.env.BENCH_OFFSET;
          row('B1', 'POST /api/v1/health-reports (durable, group commit), after the sweep', r.rps, 'req/s', httpCeiling, { ...b1Extra(r), target: '≥ 25 % of ceiling, p99 ≤ 10 ms' });
        }
      }
      if (want('B2')) {
        await settle();
        process.env.BENCH_RUN = runTag();
        process.env.BENCH_HOUSEHOLDS = setup.householdsFile;
        process.env.BENCH_ROUND = String(setup.round);
        const r = await wrk(srv.url + '/', path.join(ROOT, 'bench/visits.lua'));
        row('B2', 'POST /api/v1/visits (durable, counters)', r.rps, 'req/s', httpCeiling, { p50_ms: r.p50_ms, p99_ms: r.p99_ms, errors: r.errors, target: '≥ 15 % of ceiling' });
      }
      if (want('B4')) {
        await settle();
        process.env.BENCH_RUN = runTag();
        const rss = watchRss(srv.child.pid);
        const r = await wrk(srv.url + '/', path.join(ROOT, 'bench/mixed.lua'));
        row('B4', 'mixed: 90 % reads (stats, alerts, observations), 10 % report writes', r.rps, 'req/s', httpCeiling, { p50_ms: r.p50_ms, p99_ms: r.p99_ms, errors: r.errors, server_peak_rss_mib: rss.stop(), target: 'server RSS ≤ 256 MiB' });
      }
    }
  } finally {
    srv.child.kill('SIGTERM');
  }
}

// Waits until the overdue sweep has nothing left to open: the count of
// overdue rows stays the same over a sweep period and a second.
async function sweepSettled(db, periodSeconds) {
  const opened = () => Number(query(db, 'SELECT count(*) FROM overdue')[0]);
  const t0 = Date.now();
  for (let before = opened(); ;) {
    await new Promise((r) => setTimeout(r, (periodSeconds + 1) * 1000));
    const now = opened();
    if (now === before) break;
    before = now;
  }
  log(`overdue sweep settled (${opened().toLocaleString('en')} overdue rows) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function runTag() {
  return Math.floor(Math.random() * 0xffffffff).toString(16).padStart(8, '0');
}

// Samples the server's resident memory every 200 ms.
function watchRss(pid) {
  let peak = 0;
  const t = setInterval(() => {
    try {
      const kb = Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
      peak = Math.max(peak, kb);
    } catch { /* gone */ }
  }, 200);
  return { stop() { clearInterval(t); return Math.round(peak / 1024); } };
}

function chinaDate(offsetDays) {
  return new Date(Date.now() + 8 * 3600e3 + offsetDays * 86400e3).toISOString().slice(0, 10);
}

// Puts persons spread over the whole city under observation (started 27
// days ago, so that 54+ past report slots are open to each), opens a round
// over the city, and writes the id lists the wrk scripts read.
async function prepareFieldWork(url, adm, db, { nPersons = QUICK ? 2000 : 20000, withRound = true, tag = '' } = {}) {
  const q = (sql) => query(db, sql);
  const total = Number(q('SELECT MAX(id) FROM persons')[0]);
  const step = Math.max(1, Math.floor(total / (nPersons + 300)));
  const ids = q(`SELECT id FROM persons WHERE id % ${step} = 0 LIMIT ${nPersons + 300}`);
  const start = chinaDate(-27);
  const headers = { 'Content-Type': 'application/json', Cookie: adm.cookie, 'X-CSRF-Token': adm.csrf };
  // One minute of grace instead of 120: with the default, a run made in the
  // two hours after 08:00 or 16:00 (China) finds nothing due, and B7 would
  // have no overdue sweep in it (the slots, 08:00 and 16:00, stay).
  const prof = await (await fetch(`${url}/api/v1/profile`, { headers })).json();
  const put = await fetch(`${url}/api/v1/profile`, { method: 'PUT', headers, body: JSON.stringify({ ...prof, grace_minutes: 1 }) });
  if (put.status !== 200) throw new Error(`profile: ${put.status} ${await put.text()}`);
  let i = 0, failed = 0;
  const opened = [];
  const t0 = Date.now();
  await Promise.all(Array.from({ length: 32 }, async () => {
    while (i < ids.length) {
      const id = ids[i++];
      const r = await fetch(`${url}/api/v1/observations`, { method: 'POST', headers, body: JSON.stringify({ person_id: Number(id), kind: 'home', reason: 'travel', start_date: start, opened_at: `${start}T00:00:00+08:00` }) });
      // Only observations opened now start 27 days back; a person the demo
      // already had under observation would refuse the older slots.
      if (r.status === 201) opened.push(id); else failed++;
      await r.arrayBuffer();
    }
  }));
  log(`opened ${opened.length} observations in ${((Date.now() - t0) / 1000).toFixed(1)} s (${failed} already under observation)`);
  ids.length = 0;
  ids.push(...opened);
  const personsFile = path.join(OUT, `persons${tag}.txt`);
  writeFileSync(personsFile, ids.slice(300).join('\n') + '\n');
  const slots = [];
  const nowChina = new Date(Date.now() + 8 * 3600e3);
  for (let d = -27; d <= 0; d++) {
    for (const hm of ['08:00', '16:00']) {
      const slot = `${chinaDate(d)}T${hm}`;
      if (new Date(`${slot}:00Z`).getTime() <= nowChina.getTime()) slots.push(slot);
    }
  }
  if (!withRound) return { personsFile, slots, persons: ids.slice(300), watchPersons: ids.slice(0, 300) };
  const round = await fetch(`${url}/api/v1/rounds`, { method: 'POST', headers, body: JSON.stringify({ name: '基准测试轮次', region_code: '4311', start_date: chinaDate(0), end_date: chinaDate(7) }) });
  const roundBody = await round.json();
  if (round.status !== 201) throw new Error(`round: ${round.status} ${JSON.stringify(roundBody)}`);
  const households = q(`SELECT h.id || ' ' || (SELECT p.id FROM persons p WHERE p.household_id = h.id LIMIT 1) FROM households h WHERE h.id % ${QUICK ? 1 : 5} = 0 AND EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.id) LIMIT 300000`);
  const householdsFile = path.join(OUT, 'households.txt');
  writeFileSync(householdsFile, households.join('\n') + '\n');
  return { personsFile, slots, round: roundBody.id, householdsFile, watchPersons: ids.slice(0, 300) };
}

// B7: a commander's event stream; a poster sends one abnormal report at a
// time for persons outside the B1 set and measures until its alert arrives.
function timeToKnow(url, cmd, adm, setup) {
  const samples = [];
  const pending = new Map(); // person id -> send time
  const postDone = new Map(); // person id -> when its POST was answered (B7_TRACE=1 prints both)
  let overdue = 0; // report_overdue alerts seen: the sweep ran during the run
  const ac = new AbortController();
  let stopped = false;
  (async () => {
    const res = await fetch(`${url}/api/v1/events`, { headers: { Cookie: cmd.cookie }, signal: ac.signal });
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ done: true }));
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let k;
      while ((k = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, k);
        buf = buf.slice(k + 2);
        if (!/event: alert\.raised/.test(block)) continue;
        const data = JSON.parse(block.match(/data: (.*)/)[1]);
        if (data.rule === 'report_overdue') overdue++;
        const t = pending.get(String(data.person_id));
        if (t !== undefined) {
          samples.push(performance.now() - t);
          if (process.env.B7_TRACE) console.error(`[b7] t=${Math.round(t)} ttk=${(performance.now() - t).toFixed(1)} post=${(postDone.get(String(data.person_id)) ?? NaN) - t} overdue=${overdue}`);
          pending.delete(String(data.person_id));
        }
      }
    }
  })().catch(() => {});
  const poster = (async () => {
    const headers = { 'Content-Type': 'application/json', Cookie: adm.cookie, 'X-CSRF-Token': adm.csrf };
    let n = 0;
    await new Promise((r) => setTimeout(r, 1500));
    while (!stopped) {
      const person = setup.watchPersons[n % setup.watchPersons.length];
      const slot = setup.slots[Math.floor(n / setup.watchPersons.length) % setup.slots.length];
      n++;
      pending.set(String(person), performance.now());
      const r = await fetch(`${url}/api/v1/health-reports`, { method: 'POST', headers, body: JSON.stringify({ client_uuid: crypto.randomUUID(), person_id: Number(person), slot, temperature: 38.6 }) });
      await r.arrayBuffer();
      postDone.set(String(person), performance.now());
      await new Promise((r2) => setTimeout(r2, 200));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await poster;
      await new Promise((r) => setTimeout(r, 500));
      ac.abort();
      samples.sort((a, b) => a - b);
      const pct = (p) => samples.length ? Math.round(samples[Math.min(samples.length - 1, Math.floor(p / 100 * samples.length))] * 10) / 10 : NaN;
      return { n: samples.length, p50: pct(50), p99: pct(99), overdue };
    },
  };
}

function firstChild(db, code) {
  return query(db, `SELECT code FROM regions WHERE parent_code = '${code}' ORDER BY code LIMIT 1`)[0];
}

// One query's rows (one column, or columns joined by '|'), on a SQLite file
// or a postgresql:// URI.
function query(db, sql) {
  const r = db.startsWith('postgresql://')
    ? spawnSync('psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql, db], { encoding: 'utf8', maxBuffer: 1 << 28 })
    : spawnSync('sqlite3', [db, sql], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${sql}: ${r.stderr}`);
  return r.stdout.trim().split('\n').filter(Boolean);
}

// ---- PostgreSQL (issue 11): B1 and B3 on one and on two server processes --
// A durable PostgreSQL (PG_DURABLE=1: fsync, synchronous_commit and
// full_page_writes on) from scripts/pg-test-server, its cluster kept between
// runs (PG_KEEP=1) so that the city is generated once: database city_<scale>
// is the template, each run works on a file copy of it (bench_work).
if (PG_ROWS.some(wantPg)) await pgBench();

async function pgBench() {
  const pgDir = path.join(OUT, 'pg');
  const pgEnv = { ...process.env, PG_DURABLE: '1', PG_KEEP: '1' };
  const pgctl = (cmd) => execFileSync(path.join(ROOT, 'scripts/pg-test-server'), [cmd, pgDir], { env: pgEnv, encoding: 'utf8' }).trim();
  // A server already running for bench/out/pg (started by hand) is used and left running.
  const running = existsSync(path.join(pgDir, 'uri')) && spawnSync('psql', ['-XAtqc', 'SELECT 1', readFileSync(path.join(pgDir, 'uri'), 'utf8').trim()]).status === 0;
  let admin = pgctl('start');
  const durable = (uri) => query(uri, "SELECT current_setting('fsync') || current_setting('synchronous_commit') || current_setting('full_page_writes')")[0] === 'ononon';
  if (!durable(admin) && !running) { pgctl('stop'); admin = pgctl('start'); }
  if (!durable(admin)) throw new Error('PostgreSQL is not durable');
  const base = admin.replace(/\/postgres$/, '');
  const sql = (s) => query(admin, s);
  const cityDb = `city_${PG_SCALE.replace('.', '_')}`;
  const servers = [];
  let pgCeiling = null;
  try {
    // C3: PostgreSQL's own durable single-row insert, 1 and 64 connections.
    if (wantPg('C3pg')) {
      sql('DROP DATABASE IF EXISTS bench_ceiling');
      sql('CREATE DATABASE bench_ceiling');
      const ceil = `${base}/bench_ceiling`;
      query(ceil, 'CREATE TABLE reports (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, observation_id bigint,'
        + ' person_id bigint, grid_code text, slot_day bigint, slot_index int, temperature_dc int, symptoms text,'
        + ' abnormal int, reported_at text, client_uuid text UNIQUE)');
      const pgbench = async (script, c) => {
        const r = await runAsync('pgbench', ['-n', '-M', 'prepared', '-f', path.join(ROOT, 'bench', script), '-c', String(c), '-j', String(Math.min(c, 2)), '-T', QUICK ? '5' : '20', ceil]);
        const tps = Number(r.stdout.match(/tps = ([\d.]+) \(without initial connection time\)/)?.[1]);
        if (!tps) throw new Error(`pgbench: ${r.stdout}\n${r.stderr}`);
        return { tps: Math.round(tps), latency_avg_ms: Number(r.stdout.match(/latency average = ([\d.]+) ms/)?.[1]) };
      };
      for (const c of [1, Number(CONNS)]) {
        const r = await pgbench('pg_ceiling.sql', c);
        if (c > 1) pgCeiling = r.tps;
        row(`C3pg-${c}`, `PostgreSQL durable one-row INSERT per transaction, ${c} connection${c > 1 ? 's' : ''} (pgbench)`, r.tps, 'tx/s', null, { latency_avg_ms: r.latency_avg_ms });
      }
      const rt = await pgbench('pg_roundtrip.sql', 1);
      row('C3pg-rt', 'PostgreSQL round trip: SELECT 1, 1 connection (pgbench)', rt.tps, 'statements/s', null, { latency_avg_ms: rt.latency_avg_ms });
      sql('DROP DATABASE bench_ceiling');
    }
    // B6pg (issue 20): `epigrid demo` at the SQLite rows' scale into a scratch
    // database, dropped after, against B6 (SQLite) of the same run: when the
    // SQLite city came from the cache, B6 is timed again into a scratch file.
    if (wantPg('B6pg')) {
      if (!results.rows.B6) {
        const scratch = path.join(OUT, 'city-b6-scratch.db');
        const clean = () => ['', '-wal', '-shm', '-journal', '-epoch'].forEach((x) => rmSync(scratch + x, { force: true }));
        clean();
        log(`B6 for B6pg: the SQLite city at scale ${SCALE} into a scratch file ...`);
        try {
          const t = timed(BIN, ['demo', '--db', scratch, '--scale', SCALE, '--seed', '1']);
          row('B6', 'demo generation', t.seconds, 's', null, { peak_rss_mib: t.peak_rss_mib, target: '≤ 30 s, ≤ 1024 MiB' });
        } finally { clean(); }
      }
      sql('DROP DATABASE IF EXISTS bench_demo WITH (FORCE)');
      sql('CREATE DATABASE bench_demo');
      // From a settled machine, as B6 (above): the rows before (pgbench, the
      // import, the HTTP rows) leave gigabytes of dirty pages and a pending
      // checkpoint that would otherwise be written during the load (two full
      // runs of the same build: 75.0 and 95.3 s, 63 s run alone).
      sql('CHECKPOINT');
      spawnSync('sync');
      log(`B6pg: the city at scale ${SCALE} on PostgreSQL (COPY) ...`);
      try {
        const t = timed(BIN, ['demo', '--db', `${base}/bench_demo`, '--scale', SCALE, '--seed', '1']);
        row('B6pg', `demo generation on PostgreSQL (scale ${SCALE}); ceiling: B6 of this run`, t.seconds, 's', results.rows.B6.value, { peak_rss_mib: t.peak_rss_mib, target: '≤ 300 % of B6' });
      } finally { sql('DROP DATABASE IF EXISTS bench_demo WITH (FORCE)'); }
    }
    if (!['B1pg', 'B3pg'].some(wantPg)) return;
    const done = sql(`SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '${cityDb}'`)[0];
    if (done !== 'epigrid bench city, complete') {
      sql(`DROP DATABASE IF EXISTS ${cityDb}`);
      sql(`CREATE DATABASE ${cityDb}`);
      log(`generating the PostgreSQL city at scale ${PG_SCALE} ...`);
      const t = timed(BIN, ['demo', '--db', `${base}/${cityDb}`, '--scale', PG_SCALE, '--seed', '1']);
      query(`${base}/${cityDb}`, 'VACUUM (ANALYZE)'); // planner statistics, visibility map: copies inherit them
      sql(`COMMENT ON DATABASE ${cityDb} IS 'epigrid bench city, complete'`);
      row('B6pg-city', `the B1pg/B3pg city on PostgreSQL (scale ${PG_SCALE}, cached)`, t.seconds, 's', null, { peak_rss_mib: t.peak_rss_mib });
    }
    const t0 = Date.now();
    sql('DROP DATABASE IF EXISTS bench_work WITH (FORCE)');
    sql(`CREATE DATABASE bench_work TEMPLATE ${cityDb} STRATEGY FILE_COPY`);
    log(`bench_work copied from ${cityDb} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const work = `${base}/bench_work`;
    ensureUser(work, 'bench_commander', 'commander', '4311');
    ensureUser(work, 'bench_admin', 'admin', '4311');
    const start = async () => {
      const s = await startServer(work, ['--threads', '2']);
      servers.push(s);
      log(`epigrid serve pid ${s.child.pid} on ${s.url}`); // for reading perf by process
      return s;
    };
    const a = await start();
    const cmd = await login(a.url, 'bench_commander');
    const adm = await login(a.url, 'bench_admin');
    const county = '431122', township = firstChild(work, county);
    const setup = await prepareFieldWork(a.url, adm, work, { withRound: false, tag: '-pg' });
    // Disjoint persons for each B1 run, so that every report is a first report.
    const p = setup.persons, h = Math.floor(p.length / 2), k = Math.floor(p.length / 4);
    const files = { one: p.slice(0, h), a: p.slice(h, h + k), b: p.slice(h + k) };
    for (const [name, ids] of Object.entries(files)) {
      files[name] = path.join(OUT, `persons-pg-${name}.txt`);
      writeFileSync(files[name], ids.join('\n') + '\n');
    }
    const statsEnv = (regions) => ({ ...process.env, EPIGRID_COOKIE: cmd.cookie, STATS_REGIONS: regions });
    const reportEnv = (file, threads) => ({ ...process.env, EPIGRID_COOKIE: adm.cookie, EPIGRID_CSRF: adm.csrf, BENCH_PERSONS: file, BENCH_SLOTS: setup.slots.join(','), BENCH_RUN: runTag(), BENCH_THREADS: String(threads) });
    const levels = [['city', '4311'], ['county', county], ['township', township], ['mixed', `4311,${county},${township}`]];
    const stats = path.join(ROOT, 'bench/stats.lua'), reports = path.join(ROOT, 'bench/reports.lua');
    const b1Target = { target: '≥ 25 % of ceiling, p99 ≤ 10 ms' };
    const b3Target = { target: '≥ 50 % of ceiling, p99 ≤ 5 ms' };
    const extra = (r) => ({ p50_ms: r.p50_ms, p99_ms: r.p99_ms, max_ms: r.max_ms, errors: r.errors, non2xx: r.non2xx, timeouts: r.timeout, ...(r.per_server_rps ? { per_server_rps: r.per_server_rps } : {}) });

    // Counters and sessions were just updated 20,000 times (the observations
    // opened above): vacuum once, as autovacuum would at some point, so that
    // every run starts from the same state.
    query(work, 'VACUUM (ANALYZE)');

    // B3 on one process, then on two (wrk split over both, see wrkSplit).
    if (wantPg('B3pg')) {
      for (const [label, regions] of levels) {
        const prof = PERF && label === 'mixed' ? perfDuringRun('b3pg1') : null;
        const r = await wrk(a.url + '/', stats, { env: statsEnv(regions) });
        if (prof) await prof;
        row(`B3pg1-${label}`, `PostgreSQL, 1 process: GET /api/v1/stats (${label})`, r.rps, 'req/s', httpCeiling, { ...extra(r), ...b3Target });
      }
      const b = await start();
      for (const [label, regions] of levels) {
        const r = await wrkSplit([a.url + '/', b.url + '/'], stats, [statsEnv(regions), statsEnv(regions)]);
        row(`B3pg2-${label}`, `PostgreSQL, 2 processes: GET /api/v1/stats (${label})`, r.rps, 'req/s', httpCeiling, { ...extra(r), ...b3Target });
      }
      await stopServer(servers.pop());
    }
    // B1 on one process (the other one stopped: its overdue sweep would write
    // too), then on two, each run with persons of its own.
    if (wantPg('B1pg')) {
      if (STATEMENTS) { sql('CREATE EXTENSION IF NOT EXISTS pg_stat_statements'); sql('SELECT pg_stat_statements_reset()'); }
      const before = Number(query(work, `SELECT count(*) FROM health_reports WHERE reporter = 'bench_admin'`)[0]);
      const prof1 = PERF ? perfDuringRun('b1pg1') : null;
      const r1 = await wrk(a.url + '/', reports, { env: reportEnv(files.one, 2) });
      if (prof1) await prof1;
      if (STATEMENTS) statementsPerReport(sql, work, before);
      row('B1pg1', 'PostgreSQL, 1 process: POST /api/v1/health-reports (durable)', r1.rps, 'req/s', httpCeiling, { ...extra(r1), vs_pg_ceiling: pgCeiling && r1.rps / pgCeiling, ...b1Target });
      const b = await start();
      const prof = PERF ? perfDuringRun('b1pg2') : null;
      const r2 = await wrkSplit([a.url + '/', b.url + '/'], reports, [reportEnv(files.a, 1), reportEnv(files.b, 1)]);
      if (prof) await prof;
      row('B1pg2', 'PostgreSQL, 2 processes: POST /api/v1/health-reports (durable)', r2.rps, 'req/s', httpCeiling, { ...extra(r2), vs_pg_ceiling: pgCeiling && r2.rps / pgCeiling, ...b1Target });
      // Every 201 is a row: reports written by this bench (wrk counts the warm-up apart).
      const n = Number(query(work, `SELECT count(*) FROM health_reports WHERE reporter = 'bench_admin'`)[0]);
      log(`health_reports by bench_admin: ${n.toLocaleString('en')}`);
    }
  } finally {
    for (const s of servers) await stopServer(s);
    try { sql('DROP DATABASE IF EXISTS bench_work WITH (FORCE)'); } catch { /* stopped anyway */ }
    if (!running) pgctl('stop');
  }
}

// Writes bench/out/pg-statements-b1pg1.txt: every statement of bench_work
// since the reset, its calls per report (warm-up included in both) and its
// mean execution time; prints the total per report.
function statementsPerReport(sql, work, before) {
  const n = Number(query(work, `SELECT count(*) FROM health_reports WHERE reporter = 'bench_admin'`)[0]) - before;
  const rows = sql("SELECT calls, round(mean_exec_time::numeric, 4), regexp_replace(query, '\\s+', ' ', 'g')"
    + " FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'bench_work') ORDER BY calls DESC");
  const lines = rows.map((r) => { const [calls, ms, q] = r.split('|'); return `${(calls / n).toFixed(3)}\t${ms}\t${q.slice(0, 160)}`; });
  const total = rows.reduce((a, r) => a + Number(r.split('|')[0]), 0) / n;
  writeFileSync(path.join(OUT, 'pg-statements-b1pg1.txt'), `reports ${n}, statements per report ${total.toFixed(2)}\nper report\tmean ms\tstatement\n${lines.join('\n')}\n`);
  log(`B1pg1: ${n} reports, ${total.toFixed(2)} statements per report (bench/out/pg-statements-b1pg1.txt)`);
}

async function stopServer(s) {
  if (s.child.exitCode !== null) return;
  const gone = new Promise((r) => s.child.on('exit', r));
  s.child.kill('SIGTERM');
  await gone;
}

// perf over the whole machine (-a: the servers, PostgreSQL, wrk, and
// whatever else runs) for 15 s of the measured run: bench/out/perf-NAME.data,
// a summary by process in perf-NAME.txt.
async function perfDuringRun(name) {
  await new Promise((r) => setTimeout(r, (parseInt(WARMUP, 10) + 2) * 1000));
  const data = path.join(OUT, `perf-${name}.data`);
  await runAsync('perf', ['record', '-e', 'cpu-clock', '-g', '-a', '-o', data, '--', 'sleep', '15']);
  const rep = spawnSync('perf', ['report', '-i', data, '--no-children', '--sort', 'pid,dso', '--stdio', '-g', 'none'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  writeFileSync(path.join(OUT, `perf-${name}.txt`), rep.stdout);
}

results.finished = new Date().toISOString();
results.commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();

// Every target of issue 20, judged on this run's numbers: [row, target, met?].
function judge(id, r) {
  const R = results.rows;
  const p99 = (ms) => r.p99_ms !== undefined && r.p99_ms <= ms;
  if (id === 'B1') return ['≥ 25 % of C1, p99 ≤ 10 ms', r.ratio >= 0.25 && p99(10)];
  if (id === 'B1-sweep') return ['— (B1 while the sweep raises its alerts; B7 is judged in this run)', null];
  if (id === 'B2') return ['≥ 15 % of C1', r.ratio >= 0.15];
  if (id.startsWith('B3-')) return ['≥ 50 % of C1, p99 ≤ 5 ms', r.ratio >= 0.5 && p99(5)];
  if (id === 'B4') return ['server RSS ≤ 256 MiB', r.server_peak_rss_mib <= 256];
  if (id === 'B5') return ['≥ 25 % of C2', r.ratio >= 0.25];
  if (id === 'B6') return ['≤ 30 s, ≤ 1 GiB', r.value <= 30 && r.peak_rss_mib <= 1024];
  if (id === 'B7') return ['p99 ≤ 50 ms, ≥ 1 overdue sweep in the run', r.value <= 50 && r.overdue_alerts_during_run > 0];
  if (id.startsWith('B3pg2') || id === 'B1pg2') return ['— (two processes, for comparison)', null];
  if (id === 'B1pg1') return r.vs_pg_ceiling ? [`≥ 50 % of C3pg-64 (${Math.round(100 * r.vs_pg_ceiling)} %)`, r.vs_pg_ceiling >= 0.5] : ['≥ 50 % of C3pg-64 (not run)', null];
  if (id.startsWith('B3pg1-')) {
    const sq = R[`B3-${id.slice(6)}`];
    return sq ? [`≥ 50 % of B3-${id.slice(6)} (${Math.round(100 * r.value / sq.value)} %)`, r.value >= 0.5 * sq.value] : ['≥ 50 % of B3 (not run)', null];
  }
  if (id === 'B6pg') {
    if (!r.ceiling) return ['≤ 3 × B6 (B6 not run)', null];
    return [`≤ 3 × B6 (${(r.value / r.ceiling).toFixed(2)} ×)`, r.value <= 3 * r.ceiling];
  }
  return ['', null];
}
for (const [id, r] of Object.entries(results.rows)) {
  const [target, met] = judge(id, r);
  if (target) Object.assign(r, { target, met });
}
writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(results, null, 2));
console.log('| id | benchmark | result | ceiling | ratio | p50 / p99 ms | errors | target | met |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const [id, r] of Object.entries(results.rows)) {
  const other = r.peak_rss_mib ? `peak RSS ${r.peak_rss_mib} MiB` + (r.rows_per_s ? `, ${r.rows_per_s.toLocaleString('en')} rows/s${r.vs_storage_ceiling ? ` = ${(100 * r.vs_storage_ceiling).toFixed(1)} % of C2` : ''}` : '') : '—';
  const ratio = r.ratio ? (100 * r.ratio).toFixed(1) + ' %' : (r.vs_pg_ceiling ? `${(100 * r.vs_pg_ceiling).toFixed(1)} % of C3pg-64` : '—');
  console.log(`| ${id} | ${r.name} | ${r.value.toLocaleString('en')} ${r.unit} | ${r.ceiling ? r.ceiling.toLocaleString('en') : '—'} | ${ratio} | ${r.p50_ms !== undefined ? `${r.p50_ms} / ${r.p99_ms}` : other} | ${r.errors ?? '—'} | ${r.target ?? ''} | ${r.met === undefined || r.met === null ? '' : r.met ? 'yes' : 'no'} |`);
}
