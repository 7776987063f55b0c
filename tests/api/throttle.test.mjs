// throttle.test.mjs -- failed-login throttling per (username, address) and per
// address, the client address behind a trusted proxy, and the security alert
// a burst of failures raises (own server: the per-address window would
// otherwise count other tests' failures).  The server trusts 127.0.0.1 as a
// proxy, so each test speaks for addresses of its own through
// X-Forwarded-For; the address budget is lowered to 8 to keep the test fast.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, PASSWORD, Client } from './lib.mjs';
import { openStream } from './sse.mjs';

const ADDRESS_BUDGET = 8;
const srv = await startServer({ args: ['--trusted-proxy', '127.0.0.1', '--login-address-failures', String(ADDRESS_BUDGET)] });
after(async () => { await srv.stop(); });

// POST /api/v1/session as if from "ip" (behind the trusted proxy).
function login(username, password, ip, lang) {
  return new Client(srv.url, { lang }).post('/api/v1/session', { username, password }, { headers: { 'X-Forwarded-For': ip } });
}

test('five failed logins per user and address within 15 minutes give 429 with Retry-After', async () => {
  srv.user('viewer', '4311');
  for (let i = 0; i < 5; i++) assert.equal((await login('viewer_4311', 'nope-nope', '10.0.0.1')).status, 401);
  const r = await login('viewer_4311', PASSWORD, '10.0.0.1');
  assertError(assert, r, 429, 'too_many_requests');
  const retry = Number(r.headers.get('retry-after'));
  assert.ok(retry > 0 && retry <= 900, `Retry-After ${retry}`);
  assert.match(r.body.error.message, /秒/);
  const en = await login('viewer_4311', PASSWORD, '10.0.0.1', 'en');
  assert.match(en.body.error.message, /retry in \d+ seconds/);
});

test('finding 5: failures of one user from one address lock neither the other users there nor the user elsewhere', async () => {
  srv.user('viewer', '4311', { username: 'victim1' });
  srv.user('admin', '4311');
  const office = '10.0.5.1';
  for (let i = 0; i < 5; i++) assert.equal((await login('victim1', 'wrong-guess', office)).status, 401);
  assertError(assert, await login('victim1', PASSWORD, office), 429, 'too_many_requests');
  // A colleague behind the same NAT logs in; so does the victim from home.
  assert.equal((await login('admin_4311', PASSWORD, office)).status, 200);
  assert.equal((await login('victim1', PASSWORD, '10.0.5.2')).status, 200);
  // Wrong passwords from elsewhere do not add to the office's count and vice versa.
  assert.equal((await login('victim1', 'wrong-guess', '10.0.5.3')).status, 401);
  assert.equal((await login('victim1', PASSWORD, '10.0.5.3')).status, 200);
});

test('finding 5: an address is throttled after its budget of failures across usernames (--login-address-failures)', async () => {
  srv.user('viewer', '4311');
  const nat = '10.0.6.1';
  for (let i = 0; i < ADDRESS_BUDGET; i++)
    assert.equal((await login(`someone_${i}`, 'whatever-1', nat)).status, 401);
  const r = await login('viewer_4311', PASSWORD, nat);
  assertError(assert, r, 429, 'too_many_requests');
  assert.ok(Number(r.headers.get('retry-after')) > 0);
  assert.equal((await login('viewer_4311', PASSWORD, '10.0.6.2')).status, 200);
});

test('finding 5: a burst of failures raises a security alert that admins see (audit log and live event), others do not', async () => {
  const admin = await srv.as('admin');
  const viewer = await srv.as('viewer');
  const adminStream = await openStream(admin, { lastEventId: 0 });
  const viewerStream = await openStream(viewer, { lastEventId: 0 });
  try {
    const alert = await adminStream.waitFor((e) => e.event === 'security.login_burst' && e.data.username === 'victim1', 5000);
    assert.ok(alert, 'the admin stream shows the burst of test 2');
    assert.deepEqual({ ...alert.data }, { kind: 'user_address', username: 'victim1', ip: '10.0.5.1', failures: 5, window_seconds: 900 });
    const byAddress = await adminStream.waitFor((e) => e.event === 'security.login_burst' && e.data.kind === 'address', 5000);
    assert.equal(byAddress?.data.ip, '10.0.6.1');
    assert.equal(byAddress.data.failures, ADDRESS_BUDGET);
    // The viewer's stream replays the same events without the security ones.
    await viewerStream.waitFor(() => false, 300);
    assert.ok(!viewerStream.events.some((e) => e.event.startsWith('security.')), JSON.stringify(viewerStream.events));
  } finally {
    await adminStream.close();
    await viewerStream.close();
  }
  const audit = await admin.get('/api/v1/audit?action=login_burst');
  assert.equal(audit.status, 200);
  const rows = audit.body.items.map((x) => `${x.entity_id} ${x.username} ${x.ip}`).sort();
  // One alert per burst: the 6th attempt (throttled) and later failures raise none.
  assert.deepEqual(rows, ['address someone_7 10.0.6.1', 'user_address victim1 10.0.5.1', 'user_address viewer_4311 10.0.0.1']);
});

test('finding 5: X-Forwarded-For counts only from the trusted proxy', async () => {
  const other = await startServer({ args: ['--trusted-proxy', '10.9.9.9'] });
  try {
    other.user('viewer', '4311');
    const as = (ip, password) => new Client(other.url).post('/api/v1/session', { username: 'viewer_4311', password },
      { headers: { 'X-Forwarded-For': ip } });
    // 127.0.0.1 is no trusted proxy here: whatever the header says, it is one address.
    for (let i = 0; i < 5; i++) assert.equal((await as(`10.1.0.${i}`, 'nope-nope')).status, 401);
    assertError(assert, await as('10.1.0.99', PASSWORD), 429, 'too_many_requests');
    const audit = await (await other.token('admin')).get('/api/v1/audit?action=login_failed');
    assert.ok(audit.body.items.every((x) => x.ip === '127.0.0.1'), JSON.stringify(audit.body.items.map((x) => x.ip)));
  } finally {
    await other.stop();
  }
  // From the trusted proxy, only the last entry (the one the proxy added) counts.
  assert.equal((await login('viewer_4311', 'nope-nope', '10.0.0.1, 10.0.7.1')).status, 401);
  const t = await srv.token('admin');
  const rows = (await t.get('/api/v1/audit?action=login_failed&username=viewer_4311')).body.items;
  assert.equal(rows[0].ip, '10.0.7.1');
  // An entry that is no address leaves the proxy's own.
  assert.equal((await login('viewer_4311', 'nope-nope', 'not-an-address')).status, 401);
  const last = (await t.get('/api/v1/audit?action=login_failed&username=viewer_4311')).body.items[0];
  assert.equal(last.ip, '127.0.0.1');
});

test('failed logins are audited with the client address', async () => {
  const t = await srv.token('admin');
  const audit = await t.get('/api/v1/audit?action=login_failed&username=victim1');
  assert.equal(audit.status, 200);
  assert.deepEqual(audit.body.items.map((x) => x.ip).sort(), [...Array(5).fill('10.0.5.1'), '10.0.5.3']);
});
