// lib.mjs -- what every API and browser test uses: a real `epigrid serve` on a
// free port with a temporary database, users of any role, and an HTTP client
// that logs in through POST /api/v1/session like the pages do.
//
//   const srv = await startServer();            // init + city 4311 永州市
//   const admin = await srv.as('admin');        // user admin_4311, logged in
//   const r = await admin.post('/api/v1/regions', {code: '431122', name: '东安县'});
//   assert.equal(r.status, 201);
//   await srv.stop();                            // fails on crash, leak or UB report
//
// Every request a Client makes, and its answer, is checked against the
// server's OpenAPI document (see "The OpenAPI check" below): a mismatch fails
// the test that made it.
//
// EPIGRID_BIN selects the binary (ctest sets it; default build/epigrid).
// EPIGRID_TEST_PG (an admin URI) or EPIGRID_TEST_PG_FILE (a file holding one,
// as scripts/pg-test-server writes it) runs the same tests on PostgreSQL: each
// server then gets a fresh database of its own, dropped when it stops.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '../..');
export const BIN = process.env.EPIGRID_BIN || path.join(ROOT, 'build/epigrid');
export const SANITIZED = process.env.EPIGRID_SANITIZE === 'ON';
export const PASSWORD = 'Test-pass-2026';
// The PostgreSQL admin URI when the suite runs on PostgreSQL, else null.
export const PG = process.env.EPIGRID_TEST_PG ||
  (process.env.EPIGRID_TEST_PG_FILE && existsSync(process.env.EPIGRID_TEST_PG_FILE)
    ? readFileSync(process.env.EPIGRID_TEST_PG_FILE, 'utf8').trim() : null);
if (process.env.EPIGRID_TEST_PG_FILE && !PG) throw new Error('EPIGRID_TEST_PG_FILE names no URI: is the test server up?');
// For tests of SQLite-only behaviour: `test(name, { skip: sqliteOnly('why') }, fn)`.
export function sqliteOnly(why) { return PG ? `SQLite only: ${why}` : false; }
const isPg = (db) => /^postgres(ql)?:\/\//.test(db);

// Debian's /usr/bin/psql is a Perl wrapper that spends ~60 ms choosing a
// version before anything runs; the server's own bin folder skips it.
const PG_BIN = (() => {
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b));
    const bin = path.join('/usr/lib/postgresql', versions.at(-1) ?? '', 'bin');
    return existsSync(path.join(bin, 'psql')) ? bin : null;
  } catch { return null; }
})();
export const PSQL = PG_BIN ? path.join(PG_BIN, 'psql') : 'psql';

function psql(uri, args, opts = {}) {
  const r = spawnSync(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', uri, ...args],
    { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout;
}

// A fresh PostgreSQL database on the test server: its URI.
let pgDatabases = 0;
function pgCreateDatabase() {
  const name = `epigrid_t${process.pid}_${++pgDatabases}_${Math.floor(Math.random() * 1e6)}`;
  psql(PG, ['-c', `CREATE DATABASE ${name}`]);
  return PG.replace(/\/[^/?]*(\?.*)?$/, (m, query) => `/${name}${query ?? ''}`);
}
function pgDropDatabase(uri) {
  const name = uri.replace(/^.*\//, '').replace(/\?.*$/, '');
  psql(PG, ['-c', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
}

// Runs the CLI synchronously: {status, stdout, stderr}.
export function epigrid(args, { input, env } = {}) {
  const r = spawnSync(BIN, args, {
    input: input ?? '',
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Runs a query on the database (sqlite3, or psql on PostgreSQL): rows as
// arrays of objects (read-only use).
export function sql(db, query) {
  if (isPg(db)) {
    const out = psql(db, ['-At', '-c', `SELECT coalesce(json_agg(t), '[]'::json) FROM (${query}) t`]);
    return JSON.parse(out);
  }
  const r = spawnSync('sqlite3', ['-json', db, query], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return r.stdout.trim() ? JSON.parse(r.stdout) : [];
}

// A valid GB 11643 ID number: area code, birth date, sequence "seq" (0-999)
// and its check digit.
export function makeId(seq, { area = '431122', birth = '19800101' } = {}) {
  const id17 = `${area}${birth}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...id17].reduce((acc, c, i) => acc + Number(c) * w[i], 0);
  return id17 + '10X98765432'[sum % 11];
}

// The date in China (+08:00) "days" from today, YYYY-MM-DD.
export function day(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

// Runs a writing statement on the database (tests that age sessions, or
// prove a table refuses changes); throws with the engine's message.
export function sqlWrite(db, statement) {
  if (isPg(db)) return void psql(db, ['-c', statement]);
  const r = spawnSync('sqlite3', [db, statement], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}

export class Client {
  constructor(base, { cookie = null, csrf = null, token = null, lang = null } = {}) {
    Object.assign(this, { base, cookie, csrf, token, lang });
  }
  // Sends a request; body objects become JSON, strings/Buffers are sent raw.
  async req(method, p, body, { headers = {}, contentType } = {}) {
    const h = { ...headers };
    if (this.cookie) h['Cookie'] = this.cookie;
    if (this.token) h['Authorization'] = `Bearer ${this.token}`;
    if (this.csrf && method !== 'GET' && h['X-CSRF-Token'] === undefined) h['X-CSRF-Token'] = this.csrf;
    if (this.lang) h['Accept-Language'] = this.lang;
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      h['Content-Type'] = contentType ?? 'application/json';
    }
    const res = await fetch(this.base + p, { method, headers: h, body: payload, redirect: 'manual' });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    const r = { status: res.status, body: json, text, headers: res.headers, method, path: p };
    if (OPENAPI_CHECK) await openapiCheck(this.base, { method, path: p, body: payload, contentType: h['Content-Type'] }, r);
    return r;
  }
  get(p, o) { return this.req('GET', p, undefined, o); }
  post(p, b, o) { return this.req('POST', p, b, o); }
  patch(p, b, o) { return this.req('PATCH', p, b, o); }
  del(p, o) { return this.req('DELETE', p, undefined, o); }
  // A copy of this client answering in another language ('en' or 'zh-CN').
  withLang(lang) { return new Client(this.base, { ...this, lang }); }
}

// Starts a server.  Options:
//   db:     an existing database file to serve (else a fresh one is made)
//   demo:   {scale, seed} -> run `epigrid demo` on the fresh database
//   args:   extra `serve` arguments
export async function startServer({ db, demo, args = [] } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'epigrid-test-'));
  const ownPg = !db && PG;
  const dbPath = db ?? (PG ? pgCreateDatabase() : path.join(dir, 'test.db'));
  if (!db) {
    let r;
    if (demo) {
      r = epigrid(['demo', '--db', dbPath, '--scale', String(demo.scale ?? 0.001),
        '--seed', String(demo.seed ?? 1), ...(demo.args ?? [])]);
    } else {
      r = epigrid(['init', '--db', dbPath, '--city', '4311', '--city-name', '永州市', '--city-only']);
    }
    if (r.status !== 0) throw new Error(`setup failed: ${r.stderr}`);
  }
  const child = spawn(BIN, ['serve', '--db', dbPath, '--listen', '127.0.0.1:0', '--quiet', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; if (process.env.EPIGRID_TEST_STDERR) process.stderr.write(d); });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/on (http:\/\/[0-9.]+:\d+)\//);
      if (m) resolve(m[1]);
    });
    exited.then(({ code }) => reject(new Error(`server exited ${code}: ${stderr}`)));
    // unref: a pending timer must not keep node alive after the tests finished
    setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 20000).unref();
  });
  const users = new Map();
  let pgSnapshotSql = null;
  const srv = {
    url, db: dbPath, dir,
    get stderr() { return stderr; },
    anon(lang) { return new Client(url, { lang }); },
    cli(args, opts) { return epigrid([...args, '--db', dbPath], opts); },
    // Creates (once) a user "<role>_<scope>" and returns a logged-in client.
    async as(role, scope = '4311', { username, displayName } = {}) {
      const name = srv.user(role, scope, { username, displayName });
      return srv.login(name, PASSWORD);
    },
    // Creates (once) the user "<role>_<scope>" with PASSWORD (and a display
    // name when given; else the username); returns the username.
    user(role, scope = '4311', { username, displayName } = {}) {
      const name = username ?? `${role}_${scope}`;
      if (!users.has(name)) {
        const r = epigrid(['user', 'add', name, '--role', role, '--scope', scope, '--db', dbPath,
          ...(displayName ? ['--name', displayName] : [])], { input: PASSWORD + '\n' });
        if (r.status !== 0) throw new Error(`user add ${name}: ${r.stderr}`);
        users.set(name, true);
      }
      return name;
    },
    async login(username, password) {
      const c = new Client(url);
      const r = await c.post('/api/v1/session', { username, password });
      if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
      c.cookie = r.headers.get('set-cookie').split(';')[0];
      c.csrf = r.body.csrf_token;
      c.user = r.body.user;
      return c;
    },
    // A bearer-token client for "role" at "scope".
    async token(role, scope = '4311') {
      const name = srv.user(role, scope);
      const r = epigrid(['token', 'create', name, '--db', dbPath]);
      if (r.status !== 0) throw new Error(`token: ${r.stderr}`);
      return new Client(url, { token: r.stdout.trim() });
    },
    // Everything in the database except session bookkeeping, as text: equal
    // snapshots before and after a bad request prove that nothing was written.
    snapshot() {
      if (isPg(dbPath)) {
        // Every row of every table but the session bookkeeping, in one
        // query (pg_dump spent ~190 ms a call on its catalog queries, most
        // of the PostgreSQL suite's time).  Sequences are left out:
        // PostgreSQL spends a sequence number on a rolled-back insert,
        // which writes no row.
        pgSnapshotSql ??= psql(dbPath, ['-At', '-c',
          "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' "
          + "AND table_name NOT IN ('sessions', 'login_failures') ORDER BY 1"])
          .split('\n').filter(Boolean)
          .map((t) => `SELECT '${t}' AS t, r::text AS row FROM "${t}" r`).join(' UNION ALL ') + ' ORDER BY 1, 2';
        return psql(dbPath, ['-At', '-c', pgSnapshotSql]);
      }
      const r = spawnSync('sqlite3', [dbPath, '.dump'], { encoding: 'utf8', maxBuffer: 1 << 30 });
      return r.stdout.split('\n').filter((l) => !/^INSERT INTO (sessions|login_failures)\b/.test(l)).join('\n');
    },
    // Stops with SIGTERM; throws if the server crashed or a sanitizer spoke.
    async stop({ keep = false } = {}) {
      if (child.exitCode === null) child.kill('SIGTERM');
      const { code, signal } = await exited;
      if (!keep) rmSync(dir, { recursive: true, force: true });
      if (ownPg && !keep) pgDropDatabase(dbPath);
      if (code !== 0 || /ERROR: (Address|Leak)Sanitizer|runtime error:/.test(stderr)) {
        throw new Error(`server exit code=${code} signal=${signal}\n${stderr.slice(-4000)}`);
      }
    },
  };
  return srv;
}

// Reads one member of a zip file (an xlsx) through its central directory.
export function unzip(buf, name) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('zip: no end of central directory');
  let p = buf.readUInt32LE(eocd + 16);
  const count = buf.readUInt16LE(eocd + 10);
  const names = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('zip: bad central directory entry');
    const method = buf.readUInt16LE(p + 10), csize = buf.readUInt32LE(p + 20);
    const nlen = buf.readUInt16LE(p + 28), elen = buf.readUInt16LE(p + 30), clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const member = buf.toString('utf8', p + 46, p + 46 + nlen);
    names.push(member);
    if (member === name) {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const data = buf.subarray(start, start + csize);
      return (method === 8 ? inflateRawSync(data) : data).toString('utf8');
    }
    p += 46 + nlen + elen + clen;
  }
  throw new Error(`${name} not in zip: ${names}`);
}

// The first sheet of an xlsx as rows of cell texts (inline strings or
// numbers, as libxlsxwriter's constant-memory mode writes them; '' for an
// empty cell).
export function xlsxRows(buf) {
  const xml = unzip(buf, 'xl/worksheets/sheet1.xml');
  const text = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  const column = (letters) => [...letters].reduce((n, c) => n * 26 + c.charCodeAt(0) - 64, 0) - 1;
  return [...xml.matchAll(/<row [^>]*>(.*?)<\/row>/gs)].map(([, row]) => {
    const cells = [];
    for (const [, ref, body] of row.matchAll(/<c r="([A-Z]+)\d+"[^>]*?(?:\/>|>(.*?)<\/c>)/gs)) {
      const m = /<t[^>]*>(.*?)<\/t>/s.exec(body ?? '') ?? /<v>(.*?)<\/v>/s.exec(body ?? '');
      cells[column(ref)] = m ? text(m[1]) : '';
    }
    return Array.from(cells, (c) => c ?? '');
  });
}

// Asserts the error model of DESIGN §5: status, code, and (optionally) that
// each named field has a message.
export function assertError(assert, r, status, code, fields = []) {
  if (process.env.EPIGRID_BADINPUT_LOG && r.method) logBadInput(r, status, code);
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text}`);
  assert.ok(r.body && r.body.error, `error body expected: ${r.text}`);
  assert.equal(r.body.error.code, code);
  assert.ok(r.body.error.message.length > 0);
  const got = (r.body.error.fields || []).map((f) => f.field);
  for (const f of fields) assert.ok(got.includes(f), `field ${f} expected in ${JSON.stringify(got)}`);
}

// With EPIGRID_BADINPUT_LOG=FILE, every asserted error is appended to FILE as
// one JSON line; tests/api/badinput-report.mjs renders docs/bad-input.md.
function logBadInput(r, status, code) {
  const e = r.body?.error ?? {};
  const rec = { method: r.method, path: r.path, expected: status, status: r.status, code: e.code ?? code,
    message: e.message ?? '', fields: (e.fields ?? []).map((f) => [f.field, f.message]),
    file: path.basename(process.argv[1] ?? '') };
  appendFileSync(process.env.EPIGRID_BADINPUT_LOG, JSON.stringify(rec) + '\n');
}

// ---- The OpenAPI check ------------------------------------------------------
// Every Client request and its answer are held to the document the server
// publishes (GET /api/v1/openapi.json, made from the route table and the field
// specs), so that the document cannot drift from the server:
//   - the request: a documented path and method, its path and query
//     parameters (types, bounds, values, patterns; no undocumented one but
//     ?lang=), its body against the request schema (no body where none is
//     described);
//   - the answer: a documented status; for an error the error model with the
//     code of its status; for a success the media type and, for JSON, the
//     schema of that status.
// A request outside the document is how the suite tests bad input: the
// server must then refuse it (4xx) with the error model.  If it answers 2xx
// instead, the document is wrong (or the server too lax): a mismatch.
// A mismatch throws from Client.req (the test that made the request fails)
// and fails the process at exit even if a test swallowed the error.  With
// EPIGRID_OPENAPI_LOG=FILE mismatches are appended to FILE (one JSON line
// each) instead of thrown, to see all of them in one run; with
// EPIGRID_OPENAPI_CHECK=0 nothing is checked.
//
// The schemas are JSON Schema 2020-12 (OpenAPI 3.1), checked with ajv and
// ajv-formats, all compiled once per document: the first process that meets
// a document writes them as one module (ajv's standalone code) beside the
// binary, named by the document's hash, and every test process loads that
// (~30 ms instead of ~0.5 s of compiling per process).
const OPENAPI_CHECK = process.env.EPIGRID_OPENAPI_CHECK !== '0';
const OPENAPI_LOG = process.env.EPIGRID_OPENAPI_LOG || null;
const openapiMismatches = [];
const openapiDocs = new Map(); // base URL -> Promise of a checker
const openapiCheckers = new Map(); // document text -> checker

const mediaType = (ct) => (ct ?? '').split(';')[0].trim().toLowerCase();

// Every schema of the document (parameters, bodies, answers, the error
// model), each distinct one once: JSON text -> id.
function openapiSchemas(doc) {
  const ids = new Map();
  const add = (schema) => { const k = JSON.stringify(schema); if (schema && !ids.has(k)) ids.set(k, `s${ids.size}`); };
  add({ $ref: '#/components/schemas/Error' });
  for (const r of Object.values(doc.components.responses)) add(r.content['application/json'].schema);
  for (const p of Object.values(doc.components.parameters)) add(p.schema);
  for (const item of Object.values(doc.paths)) {
    for (const op of Object.values(item)) {
      for (const p of op.parameters ?? []) add(p.schema);
      add(op.requestBody?.content['application/json'].schema);
      for (const r of Object.values(op.responses)) add(r.content?.['application/json']?.schema);
    }
  }
  return ids;
}

// The compiled validators of "doc" (id -> function), from the module of its
// hash, made first if need be.
function openapiValidators(text, doc, ids) {
  const require = createRequire(path.join(ROOT, 'web/package.json'));
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const file = path.join(path.dirname(BIN), `openapi-validators-${hash}.cjs`);
  if (existsSync(file)) {
    try { return require(file); } catch { /* half-written by a crash: made again below */ }
  }
  const Ajv2020 = require('ajv/dist/2020.js').default;
  const addFormats = require('ajv-formats').default;
  const standalone = require('ajv/dist/standalone').default;
  const ajv = new Ajv2020({ strict: false, allErrors: true, code: { source: true, optimize: false } });
  addFormats(ajv);
  ajv.addSchema({ $id: 'components', $defs: doc.components.schemas });
  const local = (json) => JSON.parse(json.replace(/"#\/components\/schemas\/(\w+)"/g, '"components#/$defs/$1"'));
  for (const [json, id] of ids) ajv.addSchema({ ...local(json), $id: id });
  // the module requires ajv's runtime helpers by absolute path: it lives beside the binary
  const code = standalone(ajv, Object.fromEntries([...ids.values()].map((id) => [id, id])))
    .replace(/require\("([^"]+)"\)/g, (m, mod) => `require(${JSON.stringify(require.resolve(mod))})`);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, file); // atomic: a process running beside this one reads all or nothing
  return require(file);
}

function openapiChecker(text) {
  if (openapiCheckers.has(text)) return openapiCheckers.get(text);
  const doc = JSON.parse(text);
  const ids = openapiSchemas(doc);
  const compiled = openapiValidators(text, doc, ids);
  const validator = (schema) => compiled[ids.get(JSON.stringify(schema))];
  const routes = Object.entries(doc.paths).map(([pattern, item]) => ({
    pattern, item,
    params: (pattern.match(/\{/g) ?? []).length,
    re: new RegExp('^' + pattern.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '([^/]+)') + '$'),
  }));
  const deref = (obj) => {
    let o = obj;
    while (o?.$ref) o = o.$ref.slice(2).split('/').reduce((x, k) => x[k.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
    return o;
  };
  const errorsText = (v) => v.errors.map((e) => `${e.instancePath || '/'} ${e.message}${e.params?.allowedValues ? ' ' + JSON.stringify(e.params.allowedValues) : ''}`).join('; ');
  // The route of a path: literal segments before placeholders (cases/curve before cases/{id}).
  const find = (p) => routes.filter((r) => r.re.test(p)).sort((a, b) => a.params - b.params)[0] ?? null;
  const checker = { doc, validator, find, deref, errorsText };
  openapiCheckers.set(text, checker);
  return checker;
}

async function openapiFor(base) {
  if (!openapiDocs.has(base)) {
    openapiDocs.set(base, (async () => {
      let text;
      try {
        const res = await fetch(base + '/api/v1/openapi.json');
        if (res.status === 200) text = await res.text();
      } catch { /* the server is gone: the binary's document is the same (openapi.test.mjs) */ }
      return openapiChecker(text ?? epigrid(['openapi']).stdout);
    })());
  }
  return openapiDocs.get(base);
}

// The reasons "req" is outside the document (none: it is a documented request).
function requestProblems(c, route, op, method, url, req) {
  const bad = [];
  if (!route) return ['its path is not in the document'];
  if (!op) return [`${method} is not documented for ${route.pattern}`];
  const params = (op.parameters ?? []).map((x) => c.deref(x));
  const values = route.re.exec(url.pathname).slice(1);
  const names = (route.pattern.match(/\{(\w+)\}/g) ?? []).map((n) => n.slice(1, -1));
  const check = (prm, raw) => {
    const v = prm.schema?.type === 'integer' && /^-?[0-9]+$/.test(raw) ? Number(raw) : raw;
    const valid = c.validator(prm.schema);
    if (!valid(v)) bad.push(`${prm.in} parameter ${prm.name}=${JSON.stringify(raw)}: ${c.errorsText(valid)}`);
  };
  names.forEach((n, i) => {
    const prm = params.find((x) => x.in === 'path' && x.name === n);
    if (!prm) bad.push(`path parameter ${n} is not documented`);
    else check(prm, decodeURIComponent(values[i]));
  });
  const seen = new Set();
  for (const [k, v] of url.searchParams) {
    seen.add(k);
    const prm = params.find((x) => x.in === 'query' && x.name === k);
    if (!prm) bad.push(`query parameter ${k} is not documented`);
    else check(prm, v);
  }
  for (const prm of params) if (prm.in === 'query' && prm.required && !seen.has(prm.name)) bad.push(`query parameter ${prm.name} is required`);
  const body = req.body;
  const sent = body !== undefined && body !== null && String(body) !== '';
  if (op.requestBody) {
    if (!sent) { if (op.requestBody.required) bad.push('no body, the document requires one'); }
    else if (mediaType(req.contentType) !== 'application/json') bad.push(`body of type ${req.contentType}`);
    else {
      let json;
      try { json = JSON.parse(String(body)); } catch { bad.push('body is not JSON'); return bad; }
      const valid = c.validator(op.requestBody.content['application/json'].schema);
      if (!valid(json)) bad.push(`body: ${c.errorsText(valid)}`);
    }
  } else if (sent && !/^\s*\{\s*\}\s*$/.test(String(body))) {
    bad.push('a body where the document describes none');
  }
  return bad;
}

// The mismatches between the answer "r" and the document.
function answerProblems(c, op, r, bad) {
  const out = [];
  const ct = mediaType(r.headers.get('content-type'));
  if (r.status >= 400) {
    // Every error, documented request or not, follows the error model.
    const valid = c.validator({ $ref: '#/components/schemas/Error' });
    if (ct !== 'application/json' || !r.body) out.push(`error ${r.status} is not JSON: ${r.text.slice(0, 200)}`);
    else if (!valid(r.body)) out.push(`error ${r.status} does not follow the error model: ${c.errorsText(valid)}`);
    if (!op) return out; // 404 of an unknown path, 405 of an undocumented method
    const resp = op.responses[String(r.status)];
    if (!resp) return [...out, `status ${r.status} (${r.body?.error?.code}) is not documented`];
    const schema = c.deref(resp).content?.['application/json']?.schema;
    if (schema && !out.length) {
      const v = c.validator(schema);
      if (!v(r.body)) out.push(`error ${r.status}: ${c.errorsText(v)}`);
    }
    return out;
  }
  if (bad.length) return [`the server answered ${r.status} to a request the document refuses: ${bad.join('; ')}`];
  const resp = op.responses[String(r.status)];
  if (!resp) return [`status ${r.status} is not documented (documented: ${Object.keys(op.responses).join(', ')})`];
  const content = c.deref(resp).content ?? {};
  if (!Object.keys(content).length) return out;
  if (!content[ct]) return [`answer of type ${ct || 'none'} is not documented (documented: ${Object.keys(content).join(', ')})`];
  if (ct === 'application/json') {
    const v = c.validator(content[ct].schema);
    if (r.body === null) out.push('the answer is not JSON');
    else if (!v(r.body)) out.push(`answer ${r.status}: ${c.errorsText(v)}`);
  }
  return out;
}

async function openapiCheck(base, req, r) {
  const url = new URL(req.path, 'http://host');
  // pages and assets (and /api/docs, a page) are not API operations
  if (!/^\/(api|public)\//.test(url.pathname) || url.pathname === '/api/docs') return;
  const c = await openapiFor(base);
  const route = c.find(url.pathname);
  const op = route?.item[req.method.toLowerCase()] ?? null;
  const bad = requestProblems(c, route, op, req.method, url, req);
  const problems = answerProblems(c, op, r, bad);
  if (!problems.length) return;
  const rec = { file: path.basename(process.argv[1] ?? ''), method: req.method, path: req.path.slice(0, 300), status: r.status,
    route: route?.pattern ?? null, problems };
  openapiMismatches.push(rec);
  if (OPENAPI_LOG) return void appendFileSync(OPENAPI_LOG, JSON.stringify(rec) + '\n');
  throw new Error(`OpenAPI mismatch: ${req.method} ${rec.path} -> ${r.status}: ${problems.join(' | ')}`);
}

// For the test of this check itself: awaits "request" (a Client call), which
// must fail the check; returns the mismatch's problems and forgets it.
export async function expectOpenapiMismatch(request) {
  const before = openapiMismatches.length;
  let thrown = null;
  try { await request; } catch (e) { thrown = e; }
  const rec = openapiMismatches.splice(before)[0];
  if (!rec || !/^OpenAPI mismatch/.test(thrown?.message ?? '')) throw new Error(`no OpenAPI mismatch: ${thrown?.message ?? 'none'}`);
  return rec.problems;
}

// A mismatch a test caught and ignored still fails the run.
process.on('exit', () => {
  if (!openapiMismatches.length || OPENAPI_LOG) return;
  process.stderr.write(`${openapiMismatches.length} request(s) did not match the OpenAPI document:\n`
    + openapiMismatches.slice(0, 20).map((m) => `  ${m.method} ${m.path} -> ${m.status}: ${m.problems.join(' | ')}`).join('\n') + '\n');
  process.exitCode = 1;
});
