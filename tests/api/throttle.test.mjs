// throttle.test.mjs -- failed-login throttling per user and per IP (own
// server: the per-IP window would otherwise count other tests' failures).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, PASSWORD, Client } from './lib.mjs';

const srv = await startServer();
after(async () => { await srv.stop(); });

test('five failed logins per user within 15 minutes give 429 with Retry-After', async () => {
  await srv.as('viewer', '4311');
  const c = new Client(srv.url);
  for (let i = 0; i < 5; i++) {
    const r = await c.post('/api/v1/session', { username: 'viewer_4311', password: 'nope-nope' });
    assert.equal(r.status, 401);
  }
  const r = await c.post('/api/v1/session', { username: 'viewer_4311', password: PASSWORD });
  assertError(assert, r, 429, 'too_many_requests');
  const retry = Number(r.headers.get('retry-after'));
  assert.ok(retry > 0 && retry <= 900, `Retry-After ${retry}`);
  assert.match(r.body.error.message, /秒/);
});

test('failures from one IP across many usernames are throttled too', async () => {
  // The previous test left 5 failures from 127.0.0.1: any username is refused now.
  const r = await srv.anon('en').post('/api/v1/session', { username: 'someone_else', password: 'whatever-1' });
  assertError(assert, r, 429, 'too_many_requests');
  assert.match(r.body.error.message, /retry in \d+ seconds/);
});

test('failed logins are audited', async () => {
  const t = await srv.token('admin');
  const audit = await t.get('/api/v1/audit?action=login_failed&username=viewer_4311');
  assert.equal(audit.status, 200);
  assert.equal(audit.body.items.length, 5);
});
