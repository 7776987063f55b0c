// redteam.test.mjs -- regression tests of the red-team findings (issue
// "Security hardening"), one test named after each finding fixed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, makeId } from './lib.mjs';

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

test('finding 7: CSV formula injection -- a person named =HYPERLINK(...) leaves the line list as text', async () => {
  const evil = '=HYPERLINK("//x.cn")';
  const p = await root.post('/api/v1/persons', { name: evil, id_number: makeId(701), grid_code: `${TOWN}201001` });
  assert.equal(p.status, 201, p.text);
  const c = await root.post('/api/v1/cases', { person_id: p.body.id, status: 'suspected' });
  assert.equal(c.status, 201, c.text);
  const r = await root.get('/api/v1/cases/export?format=csv');
  assert.equal(r.status, 200, r.text);
  // Quoted, with the apostrophe that makes a spreadsheet show it as text.
  assert.ok(r.text.includes(`,"'=HYPERLINK(""//x.cn"")",`), r.text);
  assert.doesNotMatch(r.text, /(^|,)[=+@]/m, 'no cell starts a formula');
});
