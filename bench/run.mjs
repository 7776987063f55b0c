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
mkdirSync(OUT, { recursive: true });

const results = { machine: machine(), scale: Number(SCALE), started: new Date().toISOString(), rows: {} };
const log = (...a) => console.error('[bench]', ...a);

function machine() {
  const mem = Math.round(os.totalmem() / 2 ** 30);
  return { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', memory_gib: mem, kernel: os.release() };
}

function wrk(url, script, { duration = DURATION, conns = CONNS } = {}) {
  const lua = path.join(OUT, `wrk-${path.basename(script)}`);
  writeFileSync(lua, readFileSync(script, 'utf8') + '\n' + readFileSync(path.join(ROOT, 'bench/report.lua'), 'utf8'));
  // Warm-up, then the measured run.
  spawnSync('wrk', ['-t2', `-c${conns}`, `-d${WARMUP}`, '-s', lua, url], { encoding: 'utf8', env: process.env });
  const r = spawnSync('wrk', ['-t2', `-c${conns}`, `-d${duration}`, '--latency', '-s', lua, url], { encoding: 'utf8', env: process.env });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`wrk failed: ${r.stdout}\n${r.stderr}`);
  return JSON.parse(line);
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

// ---- B6: the city (cached) ------------------------------------------------
const city = path.join(OUT, `city-${SCALE}.db`);
if (!existsSync(city) || want('B6') && ONLY.includes('B6')) {
  rmSync(city, { force: true });
  log(`generating the city at scale ${SCALE} ...`);
  const t = timed(BIN, ['demo', '--db', city, '--scale', SCALE, '--seed', '1']);
  row('B6', 'demo generation', t.seconds, 's', null, { peak_rss_mib: t.peak_rss_mib, target: '≤ 30 s, ≤ 1024 MiB' });
}

// ---- ceilings --------------------------------------------------------------
let httpCeiling = null;
if (want('B1') || want('B2') || want('B3') || want('B4')) {
  const ngx = await startNginx();
  try {
    const r = wrk('http://127.0.0.1:18081/', path.join(ROOT, 'bench/ceiling.lua'));
    httpCeiling = r.rps;
    row('C1', 'nginx return 204 (HTTP ceiling)', r.rps, 'req/s', null, { p50_ms: r.p50_ms, p99_ms: r.p99_ms });
  } finally { ngx.kill('SIGQUIT'); }
}
let storageCeiling = null;
if (want('B1') || want('B2') || want('B5')) {
  const db = path.join(OUT, 'ceiling.db');
  for (const f of [db, db + '-wal', db + '-shm']) rmSync(f, { force: true });
  const out = execFileSync(path.join(ROOT, 'build-release/sqlite_ceiling'), [db, QUICK ? '100000' : '1000000'], { encoding: 'utf8' });
  storageCeiling = Number(out.match(/rows_per_second (\d+)/)[1]);
  row('C2', 'SQLite batched insert, synchronous=FULL (storage ceiling)', storageCeiling, 'rows/s', null);
}

// ---- HTTP benchmarks on a copy of the city --------------------------------
const work = path.join(OUT, 'work.db');
for (const f of [work, work + '-wal', work + '-shm']) rmSync(f, { force: true });
copyFileSync(city, work);
ensureUser(work, 'bench_commander', 'commander', '4311');
const srv = await startServer(work, ['--threads', '2']);
try {
  const cmd = await login(srv.url, 'bench_commander');
  process.env.EPIGRID_COOKIE = cmd.cookie;
  process.env.EPIGRID_CSRF = cmd.csrf;
  if (want('B3')) {
    const county = '431122', township = firstChild(work, county);
    for (const [label, regions] of [['city', '4311'], ['county', county], ['township', township], ['mixed', `4311,${county},${township}`]]) {
      process.env.STATS_REGIONS = regions;
      const r = wrk(srv.url + '/', path.join(ROOT, 'bench/stats.lua'));
      row(`B3-${label}`, `GET /api/v1/stats (${label})`, r.rps, 'req/s', httpCeiling, { p50_ms: r.p50_ms, p99_ms: r.p99_ms, errors: r.errors + r.non2xx, target: '≥ 50 % of ceiling, p99 ≤ 5 ms' });
    }
  }
} finally {
  srv.child.kill('SIGTERM');
}

function firstChild(db, code) {
  const r = spawnSync('sqlite3', [db, `SELECT code FROM regions WHERE parent_code = '${code}' ORDER BY code LIMIT 1`], { encoding: 'utf8' });
  return r.stdout.trim();
}

results.finished = new Date().toISOString();
results.commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim();
writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(results, null, 2));
console.log('| id | benchmark | result | ceiling | ratio | p50 / p99 ms | errors |');
console.log('|---|---|---|---|---|---|---|');
for (const [id, r] of Object.entries(results.rows)) {
  console.log(`| ${id} | ${r.name} | ${r.value.toLocaleString('en')} ${r.unit} | ${r.ceiling ? r.ceiling.toLocaleString('en') : '—'} | ${r.ratio ? (100 * r.ratio).toFixed(1) + ' %' : '—'} | ${r.p50_ms !== undefined ? `${r.p50_ms} / ${r.p99_ms}` : (r.peak_rss_mib ? `peak RSS ${r.peak_rss_mib} MiB` : '—')} | ${r.errors ?? '—'} |`);
}
