// session.test.mjs -- login, logout, cookies, CSRF, bearer tokens, throttling,
// expiry, users list scoping, audit rows for every write of this module.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { startServer, assertError, PASSWORD, Client, sql, sqlWrite, PG } from './lib.mjs';

let srv;
before(async () => {
  srv = await startServer();
  const admin = await srv.as('admin');
  for (const [code, name] of [['431122', '东安县'], ['431124', '道县'], ['431122101', '白牙市镇']]) {
    const r = await admin.post('/api/v1/regions', { code, name });
    assert.equal(r.status, 201, r.text);
  }
});
after(async () => { await srv.stop(); });

test('health answers without login', async () => {
  const r = await srv.anon().get('/api/v1/health');
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'ok');
  assert.equal(r.body.engine, PG ? 'postgresql' : 'sqlite');
  assert.ok(r.body.schema_version >= 3);
  assert.match(r.body.time, /\+08:00$/);
});

test('protected routes answer 401 without a session, in zh by default and en on request', async () => {
  const r = await srv.anon().get('/api/v1/regions/4311');
  assertError(assert, r, 401, 'unauthenticated');
  assert.match(r.body.error.message, /登录/);
  const en = await srv.anon('en').get('/api/v1/regions/4311');
  assert.equal(en.body.error.message, 'please log in');
  const q = await srv.anon().get('/api/v1/regions/4311?lang=en');
  assert.equal(q.body.error.message, 'please log in');
});

test('login sets an HttpOnly SameSite=Strict cookie and returns a CSRF token', async () => {
  await srv.as('viewer', '431122');
  const c = new Client(srv.url);
  const r = await c.post('/api/v1/session', { username: 'viewer_431122', password: PASSWORD });
  assert.equal(r.status, 200, r.text);
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, /^epigrid_session=[0-9a-f]{64};/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.match(cookie, /Path=\//);
  assert.match(r.body.csrf_token, /^[0-9a-f]{64}$/);
  assert.equal(r.body.user.role, 'viewer');
  assert.equal(r.body.user.scope, '431122');
  assert.ok(r.body.permissions.includes('region_read'));
  assert.ok(!r.body.permissions.includes('user_admin'));
  // Only a hash of the token is stored.
  const token = cookie.split(';')[0].split('=')[1];
  assert.equal(sql(srv.db, `SELECT COUNT(*) AS n FROM sessions WHERE token_hash = '${token}'`)[0].n, 0);
});

test('wrong password and unknown user get the same answer', async () => {
  const c = srv.anon();
  const a = await c.post('/api/v1/session', { username: 'viewer_431122', password: 'wrong-password' });
  const b = await c.post('/api/v1/session', { username: 'nobody_at_all', password: 'wrong-password' });
  assertError(assert, a, 401, 'unauthenticated');
  assert.deepEqual(a.body, b.body);
});

test('login body is validated field by field and writes nothing', async () => {
  const c = srv.anon();
  const snap = srv.snapshot();
  const syntax = await c.post('/api/v1/session', '{bad json');
  assertError(assert, syntax, 400, 'invalid_input');
  assert.equal(syntax.body.error.message, 'JSON 格式错误(第 1 行第 4 列):此处应为带双引号的键或 }');
  const twice = await c.post('/api/v1/session', '{"username": "a", "password": "b", "username": "c"}');
  assertError(assert, twice, 400, 'invalid_input', ['username']);
  assert.equal(twice.body.error.fields[0].message, '重复出现,每个字段只能给出一次');
  assertError(assert, await c.post('/api/v1/session', { username: 5 }), 400, 'invalid_input', ['username', 'password']);
  assertError(assert, await c.post('/api/v1/session', { username: 'a', password: 'b', extra: 1 }), 400, 'invalid_input', ['extra']);
  assertError(assert, await c.post('/api/v1/session', 'username=a', { contentType: 'application/x-www-form-urlencoded' }), 415, 'unsupported_media_type');
  assert.equal(srv.snapshot(), snap);
});

test('a session token planted before login is never promoted (no fixation)', async () => {
  const planted = 'a'.repeat(64);
  const c = new Client(srv.url, { cookie: `epigrid_session=${planted}` });
  const r = await c.post('/api/v1/session', { username: 'viewer_431122', password: PASSWORD });
  assert.equal(r.status, 200);
  assert.ok(!r.headers.get('set-cookie').includes(planted));
  assert.equal((await c.get('/api/v1/session')).status, 401); // the planted cookie is still nobody
});

test('state changes with a cookie need the CSRF token; bearer tokens need none', async () => {
  const admin = await srv.as('admin');
  const body = { code: '431124101', name: '梅花镇' };
  const noCsrf = new Client(srv.url, { cookie: admin.cookie });
  assertError(assert, await noCsrf.post('/api/v1/regions', body), 403, 'forbidden');
  const wrong = new Client(srv.url, { cookie: admin.cookie, csrf: 'f'.repeat(64) });
  assertError(assert, await wrong.post('/api/v1/regions', body), 403, 'forbidden');
  const bearer = await srv.token('admin');
  const r = await bearer.post('/api/v1/regions', body);
  assert.equal(r.status, 201, r.text);
});

test('logout ends the session and is audited', async () => {
  const c = await srv.as('viewer', '431122');
  assert.equal((await c.get('/api/v1/session')).status, 200);
  const out = await c.del('/api/v1/session');
  assert.equal(out.status, 200);
  assert.match(out.headers.get('set-cookie'), /Max-Age=0/);
  assert.equal((await c.get('/api/v1/session')).status, 401);
  const admin = await srv.as('admin');
  const audit = await admin.get('/api/v1/audit?action=logout&username=viewer_431122');
  assert.ok(audit.body.items.length >= 1);
});

test('expired sessions are refused (idle and absolute)', async () => {
  // The sessions are aged in the database behind the server's back, as time
  // would age them, before their first use: a server keeps a used session for
  // up to a minute and drops it on epigrid's own changes (logout, password,
  // role, scope, disable, revoke: the tests below), not on SQL typed into the
  // database.
  const c = await srv.as('viewer', '431124');
  const u = sql(srv.db, "SELECT id FROM users WHERE username = 'viewer_431124'")[0].id;
  runSql(`UPDATE sessions SET expires_at = 1 WHERE user_id = ${u}`); // past the absolute expiry
  assertError(assert, await c.get('/api/v1/session'), 401, 'unauthenticated');
  const d = await srv.login('viewer_431124', PASSWORD);
  runSql(`UPDATE sessions SET last_seen = 1 WHERE user_id = ${u}`); // idle for too long
  assertError(assert, await d.get('/api/v1/session'), 401, 'unauthenticated');
  const e = await srv.login('viewer_431124', PASSWORD);
  assert.equal((await e.get('/api/v1/session')).status, 200);
});

// The session cache (docs/scale.md): a used session is kept by the server for
// up to a minute, stamped with the database's change epoch, which every process
// sees move: on SQLite a word of "<database>-epoch" mapped into every process,
// on PostgreSQL a NOTIFY that the server's listener receives.  Seen from
// outside: a session row removed by SQL behind epigrid's back still works,
// until any epigrid process -- here the CLI, revoking another user's token --
// bumps the epoch.  On SQLite that is at once; on PostgreSQL within the
// notification's way to the listener, which is measured here.
test('the session cache: kept while nothing changes, dropped when another process changes sessions', async () => {
  const c = await srv.as('viewer', '431122101', { username: 'cached_viewer' });
  assert.equal((await c.get('/api/v1/session')).status, 200); // looked up, kept
  runSql("DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = 'cached_viewer')");
  assert.equal((await c.get('/api/v1/session')).status, 200, 'the kept session is used');
  if (!PG) assert.ok(existsSync(`${srv.db}-epoch`));
  const other = srv.cli(['token', 'create', srv.user('viewer', '431124')]);
  assert.equal(other.status, 0, other.stderr);
  const id = srv.cli(['token', 'list']).stdout.trim().split('\n').find((l) => l.includes('viewer_431124') && l.endsWith('active')).split('\t')[0];
  assert.equal(srv.cli(['token', 'revoke', id]).status, 0);
  const t0 = performance.now();
  let r = await c.get('/api/v1/session');
  while (PG && r.status === 200 && performance.now() - t0 < 1000)
    r = await c.get('/api/v1/session');
  const window = performance.now() - t0;
  assertError(assert, r, 401, 'unauthenticated');
  console.log(`# epoch window after the CLI's revoke: ${window.toFixed(1)} ms`);
});

test('bearer tokens can be listed and revoked', async () => {
  const c = await srv.token('commander', '431122');
  assert.equal((await c.get('/api/v1/regions/431122')).status, 200);
  const list = srv.cli(['token', 'list']);
  assert.equal(list.status, 0);
  const line = list.stdout.trim().split('\n').find((l) => l.includes('commander_431122') && l.endsWith('active'));
  assert.ok(line, list.stdout);
  const rev = srv.cli(['token', 'revoke', line.split('\t')[0]]);
  assert.equal(rev.status, 0, rev.stderr);
  // On PostgreSQL within the notification's window of at most 1 s (see the
  // session cache's test below; asked at once it failed once under load).
  const t0 = performance.now();
  let r = await c.get('/api/v1/regions/431122');
  while (PG && r.status === 200 && performance.now() - t0 < 1000) r = await c.get('/api/v1/regions/431122');
  assertError(assert, r, 401, 'unauthenticated');
});

test('the user list is scoped, masks phones, and creating users is limited to the scope', async () => {
  const county = await srv.as('admin', '431122');
  const r = await county.post('/api/v1/users', {
    username: 'worker_baiya', display_name: '张网格', role: 'grid_worker', scope: '431122101',
    phone: '13812345678', password: 'Worker-pass-1',
  });
  assert.equal(r.status, 201, r.text);
  const out = await county.post('/api/v1/users', { username: 'worker_dao', role: 'grid_worker', scope: '431124', password: 'Worker-pass-1' });
  assertError(assert, out, 403, 'forbidden');
  const list = await county.get('/api/v1/users');
  assert.equal(list.status, 200);
  const names = list.body.items.map((u) => u.username);
  assert.ok(names.includes('worker_baiya'));
  assert.ok(!names.includes('admin_4311'), 'a city user must not be visible to a county admin');
  assert.ok(list.body.items.every((u) => u.scope.startsWith('431122')));
  assert.equal(list.body.items.find((u) => u.username === 'worker_baiya').phone, '138****5678');
  const bad = await county.post('/api/v1/users', { username: 'X', role: 'chief', scope: '9999', password: 'short', phone: '12' });
  assertError(assert, bad, 400, 'invalid_input', ['username', 'role', 'scope', 'password', 'phone']);
  const dup = await county.post('/api/v1/users', { username: 'worker_baiya', role: 'viewer', scope: '431122', password: 'Another-pass-1' });
  assertError(assert, dup, 409, 'conflict');
});

test('disabled users cannot log in and lose their sessions', async () => {
  const c = await srv.as('viewer', '431122101');
  assert.equal(srv.cli(['user', 'disable', 'viewer_431122101']).status, 0);
  assertError(assert, await c.get('/api/v1/session'), 401, 'unauthenticated');
  const r = await srv.anon().post('/api/v1/session', { username: 'viewer_431122101', password: PASSWORD });
  assertError(assert, r, 401, 'unauthenticated');
});

test('finding 6: a password, role or scope change ends every session and token of the user', async () => {
  const name = srv.user('viewer', '4311', { username: 'victim2' });
  const changes = [
    ['passwd', ['user', 'passwd', name], { input: 'Victim2-pass-2\n' }, 'Victim2-pass-2'],
    ['role', ['user', 'set', name, '--role', 'commander'], {}, null],
    ['scope', ['user', 'set', name, '--scope', '431122'], {}, null],
    ['role and scope', ['user', 'set', name, '--role', 'viewer', '--scope', '4311'], {}, null],
  ];
  let password = PASSWORD;
  for (const [what, args, opts, next] of changes) {
    const cookie = await srv.login(name, password);
    const other = await srv.login(name, password); // a second browser
    const tok = srv.cli(['token', 'create', name]);
    assert.equal(tok.status, 0, tok.stderr);
    const bearer = new Client(srv.url, { token: tok.stdout.trim() });
    for (const c of [cookie, other, bearer]) assert.equal((await c.get('/api/v1/session')).status, 200);
    const r = srv.cli(args, opts);
    assert.equal(r.status, 0, `${what}: ${r.stderr}`);
    // On PostgreSQL the change reaches the server as a notification: the
    // same window of at most 1 s as above (it failed once in a CI run that
    // asked at once); on SQLite it is immediate.
    const t0 = performance.now();
    for (const c of [cookie, other, bearer]) {
      let s = await c.get('/api/v1/session');
      while (PG && s.status === 200 && performance.now() - t0 < 1000) s = await c.get('/api/v1/session');
      assertError(assert, s, 401, 'unauthenticated');
    }
    if (next) password = next;
    const again = await srv.login(name, password); // logging in again works, with the new rights
    assert.equal((await again.get('/api/v1/session')).status, 200, what);
  }
  assert.equal((await srv.login(name, password)).user.role, 'viewer');
  const admin = await srv.token('admin');
  const audit = await admin.get('/api/v1/audit?entity=user&action=update');
  const row = audit.body.items.find((x) => x.before?.role === 'viewer' && x.after?.role === 'commander');
  assert.ok(row, JSON.stringify(audit.body.items));
  assert.equal(row.after.sessions_ended, 3); // two browsers, and the login after the password change
  assert.equal(row.after.tokens_revoked, 1);
  const bad = srv.cli(['user', 'set', name, '--role', 'chief']);
  assert.equal(bad.status, 1);
  assert.equal(srv.cli(['user', 'set', name]).status, 1);
});

test('passwords never come from argv and are read from stdin', async () => {
  const r = srv.cli(['user', 'add', 'nopass_user', '--role', 'viewer', '--scope', '4311'], { input: '' });
  assert.equal(r.status, 1);
  const ok = srv.cli(['user', 'add', 'stdin_user', '--role', 'viewer', '--scope', '4311'], { input: 'Stdin-pass-1\n' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal((await srv.anon().post('/api/v1/session', { username: 'stdin_user', password: 'Stdin-pass-1' })).status, 200);
  const pw = srv.cli(['user', 'passwd', 'stdin_user'], { input: 'Changed-pass-2\n' });
  assert.equal(pw.status, 0, pw.stderr);
  assert.equal((await srv.anon().post('/api/v1/session', { username: 'stdin_user', password: 'Changed-pass-2' })).status, 200);
});

test('the audit log is append-only and filtered by scope', async () => {
  const county = await srv.as('admin', '431122');
  const a = await county.get('/api/v1/audit?limit=500');
  assert.equal(a.status, 200);
  assert.ok(a.body.items.length > 0);
  assert.ok(a.body.items.every((x) => x.region_code.startsWith('431122')), 'no rows outside scope');
  assertError(assert, await county.get('/api/v1/audit?region=431124'), 403, 'forbidden');
  const viewer = await srv.as('viewer', '4311');
  assertError(assert, await viewer.get('/api/v1/audit'), 403, 'forbidden');
  // Triggers refuse updates and deletes even from outside the program.
  assert.throws(() => runSql('DELETE FROM audit_log'), /append-only/);
  assert.throws(() => runSql("UPDATE audit_log SET action = 'x'"), /append-only/);
});

test('audit pagination walks every row once', async () => {
  const admin = await srv.as('admin');
  const seen = new Set();
  let cursor = null;
  for (let i = 0; i < 100; i++) {
    const r = await admin.get(`/api/v1/audit?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200);
    for (const it of r.body.items) { assert.ok(!seen.has(it.id)); seen.add(it.id); }
    cursor = r.body.next_cursor;
    if (!cursor) break;
  }
  const total = sql(srv.db, "SELECT COUNT(*) AS n FROM audit_log WHERE region_code >= '4311' AND region_code < '4312'")[0].n;
  assert.equal(seen.size, total);
  assertError(assert, await admin.get('/api/v1/audit?limit=0'), 400, 'invalid_input', ['limit']);
  assertError(assert, await admin.get('/api/v1/audit?cursor=abc'), 400, 'invalid_input', ['cursor']);
});

function runSql(q) {
  sqlWrite(srv.db, q);
}
