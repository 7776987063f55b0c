// redteam.test.mjs -- regression tests of the red-team findings (issue
// "Security hardening"), one test named after each finding fixed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, makeId, PASSWORD } from './lib.mjs';

const TOWN = '431122101';
const OTHER = '431124';
let srv, root, townAdmin;

before(async () => {
  srv = await startServer();
  root = await srv.token('admin', '4311');
  for (const county of ['431122', OTHER]) {
    for (const code of [county, `${county}101`, `${county}101201`, `${county}101201001`]) {
      const r = await root.post('/api/v1/regions', { code, name: `地区${code}` });
      assert.equal(r.status, 201, r.text);
    }
  }
  // Rows of the audit log in both counties: a household and a person in each.
  let seq = 1;
  for (const county of ['431122', OTHER]) {
    const h = await root.post('/api/v1/households', { grid_code: `${county}101201001`, address: '一号' });
    assert.equal(h.status, 201, h.text);
    const p = await root.post('/api/v1/persons', { name: '审计人', id_number: makeId(seq++, { area: county }), household_id: h.body.id });
    assert.equal(p.status, 201, p.text);
  }
  townAdmin = await srv.token('admin', TOWN);
});
after(async () => { await srv.stop(); });

test('finding 1: audit rows of other counties -- a region that is no region code is refused, never widened', async () => {
  for (const region of ['4311221019999999', '43112210199999999999', '431122x', '~', '43']) {
    const r = await townAdmin.get(`/api/v1/audit?limit=5&region=${encodeURIComponent(region)}`);
    assertError(assert, r, 400, 'invalid_input', ['region']);
    assert.doesNotMatch(r.text, new RegExp(OTHER));
  }
  assertError(assert, await townAdmin.get(`/api/v1/audit?region=${OTHER}`), 403, 'forbidden');
  // Whatever it asks, the township admin sees its own jurisdiction's rows only.
  const all = await townAdmin.get('/api/v1/audit?limit=500');
  assert.equal(all.status, 200, all.text);
  assert.ok(all.body.items.length > 0, 'its own rows are there');
  for (const row of all.body.items) assert.ok(row.region_code.startsWith(TOWN), JSON.stringify(row));
  const city = await root.get(`/api/v1/audit?limit=500&region=${OTHER}`);
  assert.ok(city.body.items.length > 0 && city.body.items.every((row) => row.region_code.startsWith(OTHER)));
});

test('finding 3: stored XSS -- every page and answer carries a Content-Security-Policy that runs no inline script', async () => {
  for (const p of ['/', '/coverage/431122', '/public/bulletin', '/public/donations', '/api/v1/health', '/app.js']) {
    const r = await srv.anon().get(p);
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self' 'sha256-[A-Za-z0-9+/=]+'(;|$)/, `${p}: ${csp}`);
    assert.doesNotMatch(csp, /script-src[^;]*unsafe-(inline|eval)/, p);
    assert.match(csp, /object-src 'none'/, p);
    assert.match(csp, /frame-ancestors 'none'/, p);
  }
});

test('finding 8: headers -- no Referer leaves any page; no /api/ answer is cached; Secure cookie and HSTS under --cookie-secure', async () => {
  const viewer = await srv.as('viewer', '4311');
  const answers = [
    ['/', srv.anon()], ['/app.js', srv.anon()], ['/public/bulletin', srv.anon()],
    ['/api/v1/health', srv.anon()], ['/api/v1/regions/4311', srv.anon()], // 401
    ['/api/v1/nothing-here', srv.anon()], ['/api/v1/session', viewer],
    ['/api/v1/regions/4311', viewer], ['/api/v1/persons?limit=0', root], // 400
    ['/api/v1/persons', root], ['/api/v1/audit', root], ['/api/v1/users', root],
  ];
  for (const [p, client] of answers) {
    const r = await client.get(p);
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer', p);
    assert.equal(r.headers.get('strict-transport-security'), null, `${p}: no HSTS over plain HTTP`);
    if (p.startsWith('/api/')) assert.equal(r.headers.get('cache-control'), 'no-store', `${p} (${r.status})`);
  }
  // The event stream too (its body never ends: look at the headers only).
  const ac = new AbortController();
  const ev = await fetch(`${srv.url}/api/v1/events`, { headers: { Cookie: viewer.cookie }, signal: ac.signal });
  assert.equal(ev.headers.get('cache-control'), 'no-store');
  assert.equal(ev.headers.get('referrer-policy'), 'no-referrer');
  ac.abort();
  const login = await srv.anon().post('/api/v1/session', { username: 'viewer_4311', password: PASSWORD });
  assert.doesNotMatch(login.headers.get('set-cookie'), /Secure/i);

  const tls = await startServer({ args: ['--cookie-secure'] });
  try {
    tls.user('viewer', '4311');
    const r = await tls.anon().post('/api/v1/session', { username: 'viewer_4311', password: PASSWORD });
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('set-cookie'), /; Secure(;|$)/);
    assert.match(r.headers.get('strict-transport-security'), /^max-age=\d{8}/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const c = await tls.login('viewer_4311', PASSWORD);
    const out = await c.del('/api/v1/session');
    assert.match(out.headers.get('set-cookie'), /Max-Age=0; Secure/);
    for (const p of ['/', '/public/bulletin'])
      assert.match((await tls.anon().get(p)).headers.get('strict-transport-security'), /max-age=/, p);
  } finally {
    await tls.stop();
  }
});
