// authz_matrix.test.mjs -- every route x every role x (in scope, out of scope)
// against the expected status.  The routes come from the binary (`epigrid
// routes`); the expectations come from this file's own copy of the rules
// (SPEC below), written from the issue, not from the C table.  A new route
// without a fixture here, or a permission change in C that the spec does not
// share, fails this test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, epigrid, Client } from './lib.mjs';

// Sends a fixture request; streams (server-sent events) are cut after the headers.
async function send(client, method, req) {
  if (!req.stream) return client.req(method, req.path, req.body);
  const headers = {};
  if (client.token) headers.Authorization = `Bearer ${client.token}`;
  const ac = new AbortController();
  const res = await fetch(client.base + req.path, { headers, signal: ac.signal });
  const text = res.status === 200 ? '' : await res.text();
  ac.abort();
  return { status: res.status, text };
}

// The role -> permission specification (issue "Security spine").
const SPEC = {
  admin: ['login', 'region_read', 'region_write', 'registry_read', 'registry_write', 'pii_unmask', 'export', 'user_read', 'user_admin', 'audit_read'],
  commander: ['login', 'region_read', 'registry_read', 'export', 'user_read'],
  grid_worker: ['login', 'region_read', 'registry_read', 'registry_write'],
  health: ['login', 'region_read', 'registry_read', 'registry_write', 'pii_unmask'],
  organiser: ['login', 'region_read', 'registry_read'],
  supplies: ['login', 'region_read'],
  inspector: ['login', 'region_read', 'registry_read'],
  viewer: ['login', 'region_read'],
};
const ROLES = Object.keys(SPEC);
const IN = '431122';   // every user's scope
const OUT = '431124';  // a sibling county: out of scope

// An 18-character ID number with a correct GB 11643 check digit.
function idNumber(seq) {
  const body = `43112219900101${String(seq % 1000).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((a, c, i) => a + Number(c) * w[i], 0);
  return body + '10X98765432'[sum % 11];
}
const ids = {}; // household and person ids in and out of scope, filled in before()

let serial = 0;
const next = () => String(++serial).padStart(3, '0');

// Per route: a request inside the caller's scope and one outside, and the
// statuses each may give when the role holds the permission.
const FIXTURES = {
  'GET /api/v1/health': { in: () => ({ path: '/api/v1/health' }), ok: [200] },
  'POST /api/v1/session': { in: () => ({ path: '/api/v1/session', body: { username: 'nobody', password: 'x' } }), ok: [401] },
  'GET /api/v1/session': { in: () => ({ path: '/api/v1/session' }), ok: [200] },
  'DELETE /api/v1/session': { in: () => ({ path: '/api/v1/session' }), ok: [200] },
  'GET /api/v1/users': { in: () => ({ path: '/api/v1/users' }), ok: [200] },
  'POST /api/v1/users': {
    in: () => ({ path: '/api/v1/users', body: { username: `u${next()}`, role: 'viewer', scope: IN, password: 'Matrix-pass-1' } }),
    out: () => ({ path: '/api/v1/users', body: { username: `u${next()}`, role: 'viewer', scope: OUT, password: 'Matrix-pass-1' } }),
    ok: [201], outStatus: [403],
  },
  'GET /api/v1/audit': {
    in: () => ({ path: `/api/v1/audit?region=${IN}` }), out: () => ({ path: `/api/v1/audit?region=${OUT}` }),
    ok: [200], outStatus: [403],
  },
  'GET /api/v1/regions': { in: () => ({ path: '/api/v1/regions' }), ok: [200] },
  'GET /api/v1/events': { in: () => ({ path: '/api/v1/events', stream: true }), ok: [200] },
  'GET /api/v1/stats': {
    in: () => ({ path: `/api/v1/stats?region=${IN}` }), out: () => ({ path: `/api/v1/stats?region=${OUT}` }), ok: [200], outStatus: [403],
  },
  'POST /api/v1/regions': {
    in: () => ({ path: '/api/v1/regions', body: { code: `${IN}${next()}`, name: '测试镇' } }),
    out: () => ({ path: '/api/v1/regions', body: { code: `${OUT}${next()}`, name: '测试镇' } }),
    ok: [201], outStatus: [403],
  },
  'GET /api/v1/regions/{code}': {
    in: () => ({ path: `/api/v1/regions/${IN}` }), out: () => ({ path: `/api/v1/regions/${OUT}` }), ok: [200], outStatus: [403],
  },
  'GET /api/v1/regions/{code}/children': {
    in: () => ({ path: `/api/v1/regions/${IN}/children` }), out: () => ({ path: `/api/v1/regions/${OUT}/children` }), ok: [200], outStatus: [403],
  },
  'GET /api/v1/regions/{code}/stats': {
    in: () => ({ path: `/api/v1/regions/${IN}/stats` }), out: () => ({ path: `/api/v1/regions/${OUT}/stats` }), ok: [200], outStatus: [403],
  },
  'GET /api/v1/households': {
    in: () => ({ path: `/api/v1/households?region=${IN}` }), out: () => ({ path: `/api/v1/households?region=${OUT}` }),
    ok: [200], outStatus: [403],
  },
  'POST /api/v1/households': {
    in: () => ({ path: '/api/v1/households', body: { grid_code: `${IN}101201001`, address: `测试路${next()}号` } }),
    out: () => ({ path: '/api/v1/households', body: { grid_code: `${OUT}101201001`, address: `测试路${next()}号` } }),
    ok: [201], outStatus: [403],
  },
  'GET /api/v1/households/{id}': {
    in: () => ({ path: `/api/v1/households/${ids.hIn}` }), out: () => ({ path: `/api/v1/households/${ids.hOut}` }),
    ok: [200], outStatus: [404],
  },
  'GET /api/v1/persons': {
    in: () => ({ path: `/api/v1/persons?region=${IN}` }), out: () => ({ path: `/api/v1/persons?region=${OUT}` }),
    ok: [200], outStatus: [403],
  },
  'POST /api/v1/persons': {
    in: () => ({ path: '/api/v1/persons', body: { name: '测试', id_number: idNumber(Number(next()) + 100), household_id: ids.hIn } }),
    out: () => ({ path: '/api/v1/persons', body: { name: '测试', id_number: idNumber(Number(next()) + 100), household_id: ids.hOut } }),
    ok: [201, 409], outStatus: [403],
  },
  'GET /api/v1/persons/{id}': {
    in: () => ({ path: `/api/v1/persons/${ids.pIn}` }), out: () => ({ path: `/api/v1/persons/${ids.pOut}` }),
    ok: [200], outStatus: [404],
  },
  'PATCH /api/v1/persons/{id}': {
    in: () => ({ path: `/api/v1/persons/${ids.pIn}`, body: { phone: '13812345678' } }),
    out: () => ({ path: `/api/v1/persons/${ids.pOut}`, body: { phone: '13812345678' } }),
    ok: [200], outStatus: [404],
  },
  'POST /api/v1/persons/{id}/unmask': {
    in: () => ({ path: `/api/v1/persons/${ids.pIn}/unmask` }), out: () => ({ path: `/api/v1/persons/${ids.pOut}/unmask` }),
    ok: [200], outStatus: [404],
  },
};

let srv, routes, clients = {};
before(async () => {
  srv = await startServer();
  const root = await srv.token('admin', '4311');
  for (const county of [IN, OUT]) {
    for (const code of [county, `${county}101`, `${county}101201`, `${county}101201001`]) {
      const r = await root.post('/api/v1/regions', { code, name: `地区${code}` });
      assert.equal(r.status, 201, r.text);
    }
  }
  for (const [where, county, seq] of [['In', IN, 1], ['Out', OUT, 2]]) {
    const h = await root.post('/api/v1/households', { grid_code: `${county}101201001`, address: '一号' });
    assert.equal(h.status, 201, h.text);
    ids[`h${where}`] = h.body.id;
    const p = await root.post('/api/v1/persons', { name: '张三', id_number: idNumber(seq), household_id: h.body.id });
    assert.equal(p.status, 201, p.text);
    ids[`p${where}`] = p.body.id;
  }
  for (const role of ROLES) clients[role] = await srv.token(role, IN);
  const r = epigrid(['routes']);
  assert.equal(r.status, 0, r.stderr);
  routes = JSON.parse(r.stdout);
});
after(async () => { await srv.stop(); });

test('the binary grants exactly the specified permissions to each role', () => {
  for (const role of ROLES) {
    assert.deepEqual([...routes.roles[role]].sort(), ['public', ...SPEC[role]].sort(), `role ${role}`);
  }
  assert.deepEqual(Object.keys(routes.roles).sort(), [...ROLES].sort());
});

test('every route has a fixture in this test', () => {
  const missing = routes.routes.map((r) => `${r.method} ${r.pattern}`).filter((k) => !FIXTURES[k]);
  assert.deepEqual(missing, [], 'add these routes to FIXTURES in authz_matrix.test.mjs');
});

test('only health, session login and public pages answer without a session', async () => {
  const anon = new Client(srv.url);
  for (const r of routes.routes) {
    const key = `${r.method} ${r.pattern}`;
    const req = FIXTURES[key].in();
    const res = await send(anon, r.method, req);
    if (r.perm === 'public') assert.ok(FIXTURES[key].ok.includes(res.status), `${key}: ${res.status}`);
    else assert.equal(res.status, 401, `${key} without login: ${res.text}`);
  }
});

test('route x role x scope gives the expected status', async () => {
  const failures = [];
  for (const r of routes.routes) {
    const key = `${r.method} ${r.pattern}`;
    const fx = FIXTURES[key];
    if (r.perm === 'public' || key === 'DELETE /api/v1/session') continue; // logout would end the token-less session; covered in session tests
    for (const role of ROLES) {
      const allowed = SPEC[role].includes(r.perm);
      for (const where of ['in', 'out']) {
        if (where === 'out' && !fx.out) continue;
        const req = fx[where]();
        const res = await send(clients[role], r.method, req);
        const want = !allowed ? [403] : where === 'in' ? fx.ok : fx.outStatus;
        if (!want.includes(res.status)) failures.push(`${key} as ${role} (${where} scope): got ${res.status}, want ${want} ${res.text.slice(0, 120)}`);
        if (!allowed || where === 'out') {
          assert.ok(!/"items":\[\{/.test(res.text), `${key} ${role} ${where} must not list anything`);
        }
      }
    }
  }
  assert.deepEqual(failures, []);
});
