// references.test.mjs -- every reference to a record in a write request, probed
// three ways: a record inside the caller's jurisdiction (the write succeeds),
// one outside it and one that was never created.  Outside, a record does not
// exist: the answer must equal the answer for a missing one byte for byte
// (apart from the id itself), never carry the record's name, ID number or
// phone, and write nothing.
//
// The routes and their reference fields come from the binary (`epigrid routes`,
// the `refs` of src/http/routes.c); the requests come from FIXTURES below.  A
// reference field without a fixture fails the test, as the route matrix does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, epigrid, makeId, day } from './lib.mjs';

const IN = '431122';  // the caller's county
const OUT = '431124'; // a sibling county
const grid = (county) => `${county}101201001`;
const SECRET = '机密'; // every record outside the scope carries it in its name

let srv, root, caller, outHealth, routes;
let seq = 0;
const uniq = () => String(++seq);
const rec = {}; // rec[kind] = { In: id, Out: id } -- standing records per county

// Creates records of each kind; `where` is 'In' or 'Out'.
const make = {
  async person(where) {
    const county = where === 'In' ? IN : OUT;
    const h = await root.post('/api/v1/households', { grid_code: grid(county), address: `${where}${uniq()}号` });
    assert.equal(h.status, 201, h.text);
    const n = Number(uniq());
    const p = await root.post('/api/v1/persons', {
      name: where === 'Out' ? `${SECRET}人员${n}` : `本县人员${n}`,
      id_number: makeId(n, { area: county }), phone: `1380000${String(n).padStart(4, '0')}`,
      household_id: h.body.id,
    });
    assert.equal(p.status, 201, p.text);
    return p.body.id;
  },
  async org(where, kind = 'regular') {
    const county = where === 'In' ? IN : OUT;
    const r = await root.post('/api/v1/orgs', { name: `${where === 'Out' ? SECRET : ''}党组织${uniq()}`, kind, region_code: grid(county), founded_date: '2020-01-01' });
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  },
  async duty_place(where) {
    const county = where === 'In' ? IN : OUT;
    const r = await root.post('/api/v1/places', { name: `${where === 'Out' ? SECRET : ''}地点${uniq()}`, kind: 'site', region_code: grid(county) });
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  },
  async team(where) {
    const r = await root.post('/api/v1/teams', { name: `${where === 'Out' ? SECRET : ''}队伍${uniq()}`, type: 'patrol', org_id: rec.org[where], leader_person_id: rec.person[where] });
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  },
  async case(where) {
    const r = await root.post('/api/v1/cases', { person_id: await make.person(where), status: 'suspected' });
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  },
  async directive(where) {
    const county = where === 'In' ? IN : OUT;
    const r = await root.post('/api/v1/directives', { title: `${where === 'Out' ? SECRET : ''}通知${uniq()}`, body: '正文', target_region: county, target_level: 'county', deadline: day(1) });
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  },
  async region(where) { return where === 'In' ? `${IN}101` : `${OUT}101`; },
  async village(where) { return `${where === 'In' ? IN : OUT}101201`; },
  async grid(where) { return grid(where === 'In' ? IN : OUT); },
};
// An id or code that was never created, of the right form.
const MISSING = { region: `${IN}199`, village: `${IN}101299`, grid: `${IN}101201099` };
const missing = (kind) => MISSING[kind] ?? 987654321;

// A shift at the in-scope place around now (check-in is open), with "persons".
async function shiftNow(persons) {
  const iso = (t) => new Date(t + 8 * 3600e3).toISOString().slice(0, 19) + '+08:00';
  const now = Date.now();
  const r = await root.post('/api/v1/shifts', { place_id: rec.duty_place.In, start: iso(now - 3600e3), end: iso(now + 7200e3), person_ids: persons });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

// Per "METHOD pattern field": base() gives a valid request with every
// reference inside the scope; inValue() an in-scope value for the probed field
// that makes the write succeed (default: a fresh record of the kind).
const FIXTURES = {
  'POST /api/v1/orgs region_code': {
    base: async () => ({ path: '/api/v1/orgs', body: { name: `支部${uniq()}`, kind: 'temporary', region_code: grid(IN), founded_date: '2020-02-01' } }),
  },
  'POST /api/v1/orgs parent_id': {
    base: async () => ({ path: '/api/v1/orgs', body: { name: `支部${uniq()}`, kind: 'temporary', region_code: grid(IN), founded_date: '2020-02-01' } }),
  },
  'POST /api/v1/orgs/{id}/members person_id': {
    base: async () => ({ path: `/api/v1/orgs/${rec.tempOrg}/members`, body: { person_id: rec.person.In, role: 'member' } }),
  },
  'POST /api/v1/teams org_id': {
    base: async () => ({ path: '/api/v1/teams', body: { name: `队${uniq()}`, type: 'patrol', org_id: rec.org.In, leader_person_id: rec.person.In } }),
    inValue: async () => rec.org.In,
  },
  'POST /api/v1/teams leader_person_id': {
    base: async () => ({ path: '/api/v1/teams', body: { name: `队${uniq()}`, type: 'patrol', org_id: rec.org.In, leader_person_id: rec.person.In } }),
  },
  'POST /api/v1/teams member_ids[]': {
    base: async () => ({ path: '/api/v1/teams', body: { name: `队${uniq()}`, type: 'patrol', org_id: rec.org.In, leader_person_id: rec.person.In } }),
  },
  'POST /api/v1/teams place_ids[]': {
    base: async () => ({ path: '/api/v1/teams', body: { name: `队${uniq()}`, type: 'patrol', org_id: rec.org.In, leader_person_id: rec.person.In } }),
  },
  'POST /api/v1/teams/{id}/members person_id': {
    base: async () => ({ path: `/api/v1/teams/${rec.team.In}/members`, body: { person_id: rec.person.In } }),
  },
  'POST /api/v1/applications org_id': {
    base: async () => ({ path: '/api/v1/applications', body: { org_id: rec.tempOrg, person_ids: [rec.member], pledge: '请战' } }),
    inValue: async () => rec.tempOrg,
  },
  'POST /api/v1/applications person_ids[]': {
    base: async () => ({ path: '/api/v1/applications', body: { org_id: rec.tempOrg, person_ids: [rec.member], pledge: '请战' } }),
    inValue: async () => rec.member,
  },
  'POST /api/v1/applications/{id}/decision team.leader_person_id': {
    base: async () => ({ path: `/api/v1/applications/${await application()}/decision`, body: { decision: 'approve', team: { name: `队${uniq()}`, type: 'vanguard' } } }),
  },
  'POST /api/v1/applications/{id}/decision team.place_ids[]': {
    base: async () => ({ path: `/api/v1/applications/${await application()}/decision`, body: { decision: 'approve', team: { name: `队${uniq()}`, type: 'vanguard' } } }),
  },
  'PUT /api/v1/grid-duties/{code} responsible_person_id': {
    method: 'PUT', base: async () => ({ path: `/api/v1/grid-duties/${grid(IN)}`, body: {} }),
  },
  'PUT /api/v1/grid-duties/{code} helper_person_ids[]': {
    method: 'PUT', base: async () => ({ path: `/api/v1/grid-duties/${grid(IN)}`, body: { responsible_person_id: rec.person.In } }),
  },
  'POST /api/v1/places region_code': {
    base: async () => ({ path: '/api/v1/places', body: { name: `点${uniq()}`, kind: 'site', region_code: grid(IN) } }),
  },
  'POST /api/v1/shifts place_id': {
    base: async () => ({ path: '/api/v1/shifts', body: { place_id: rec.duty_place.In, start: `${day(1)}T08:00:00+08:00`, end: `${day(1)}T20:00:00+08:00`, person_ids: [rec.person.In] } }),
  },
  'POST /api/v1/shifts team_id': {
    base: async () => ({ path: '/api/v1/shifts', body: { place_id: rec.duty_place.In, start: `${day(1)}T08:00:00+08:00`, end: `${day(1)}T20:00:00+08:00`, person_ids: [rec.person.In] } }),
  },
  'POST /api/v1/shifts person_ids[]': {
    base: async () => ({ path: '/api/v1/shifts', body: { place_id: rec.duty_place.In, start: `${day(1)}T08:00:00+08:00`, end: `${day(1)}T20:00:00+08:00`, person_ids: [rec.person.In] } }),
  },
  'POST /api/v1/shifts/{id}/checkin person_id': {
    base: async (ctx) => {
      ctx.person = await make.person('In');
      return { path: `/api/v1/shifts/${await shiftNow([ctx.person])}/checkin`, body: { person_id: ctx.person } };
    },
    inValue: async (ctx) => ctx.person,
  },
  'POST /api/v1/shifts/{id}/checkout person_id': {
    base: async (ctx) => {
      ctx.person = await make.person('In');
      const shift = await shiftNow([ctx.person]);
      const r = await root.post(`/api/v1/shifts/${shift}/checkin`, { person_id: ctx.person });
      assert.equal(r.status, 200, r.text);
      return { path: `/api/v1/shifts/${shift}/checkout`, body: { person_id: ctx.person } };
    },
    inValue: async (ctx) => ctx.person,
  },
  'POST /api/v1/response-levels region_code': {
    base: async () => ({ path: '/api/v1/response-levels', body: { region_code: `${IN}101`, level: 2, effective_date: day(-1000 - Number(uniq())) } }),
  },
  'POST /api/v1/response-levels directive_id': {
    base: async () => ({ path: '/api/v1/response-levels', body: { region_code: `${IN}101`, level: 2, effective_date: day(-1000 - Number(uniq())) } }),
  },
  'POST /api/v1/leader-links region_code': {
    base: async () => ({ path: '/api/v1/leader-links', body: { username: rec.leader } }),
  },
  'POST /api/v1/directives target_region': {
    base: async () => ({ path: '/api/v1/directives', body: { title: `通知${uniq()}`, body: '正文', target_level: 'village', deadline: day(1) } }),
  },
  'POST /api/v1/directives issuing_region': {
    base: async () => ({ path: '/api/v1/directives', body: { title: `通知${uniq()}`, body: '正文', target_region: `${IN}101201`, target_level: 'village', deadline: day(1) } }),
  },
  'POST /api/v1/inspections region_code': {
    base: async () => ({ path: '/api/v1/inspections', body: { inspected_on: day(0) } }),
  },
  'POST /api/v1/inspections findings[].region_code': {
    base: async () => ({ path: '/api/v1/inspections', body: { region_code: IN, inspected_on: day(0), findings: [{ category: 'duty', description: '夜间无人值守', responsible_unit: '镇政府', deadline: day(1) }] } }),
  },
  'POST /api/v1/broadcasts region_code': {
    base: async () => ({ path: '/api/v1/broadcasts', body: { title: `通知${uniq()}`, body: '请戴口罩' } }),
  },
  'POST /api/v1/broadcasts/{id}/ack region_code': {
    base: async () => ({ path: `/api/v1/broadcasts/${rec.cityBroadcast}/ack`, body: {} }),
  },
  'POST /api/v1/checkpoints region_code': {
    base: async () => ({ path: '/api/v1/checkpoints', body: { name: `卡口${uniq()}`, region_code: grid(IN), hours: '24h' } }),
  },
  'POST /api/v1/assist-requests source_case_id': {
    base: async () => ({ path: '/api/v1/assist-requests', body: { source_case_id: rec.case.In, name: '接触者', phone: '13912345678', region_code: OUT, contact_type: 'work', last_contact_date: day(-1) } }),
  },
  'POST /api/v1/assist-requests/{id}/observe person_id': {
    // A request from the other county addressed to the caller's, not matched to anyone.
    base: async () => {
      const r = await outHealth.post('/api/v1/assist-requests', { source_case_id: rec.case.Out, name: '接触者', phone: '13912345678', region_code: IN, contact_type: 'work', last_contact_date: day(-1) });
      assert.equal(r.status, 201, r.text);
      return { path: `/api/v1/assist-requests/${r.body.id}/observe`, body: { kind: 'home' } };
    },
  },
};

// A pending application of the temporary organisation's member.
async function application() {
  const r = await root.post('/api/v1/applications', { org_id: rec.tempOrg, person_ids: [rec.member], pledge: '请战' });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

// Sets "field" ("a", "a[]", "team.a[]", "findings[].a": in the first
// object of the list) of "body" to "value".
function put(body, field, value) {
  const parts = field.split('.');
  let o = body;
  for (const p of parts.slice(0, -1)) o = p.endsWith('[]') ? (o[p.slice(0, -2)] ??= [{}])[0] : (o[p] ??= {});
  const last = parts.at(-1);
  if (last.endsWith('[]')) o[last.slice(0, -2)] = [value];
  else o[last] = value;
  return body;
}

before(async () => {
  srv = await startServer();
  const admin = await srv.token('admin', '4311');
  root = admin;
  for (const county of [IN, OUT]) {
    for (const code of [county, `${county}101`, `${county}101201`, grid(county)]) {
      const r = await root.post('/api/v1/regions', { code, name: code.startsWith(OUT) ? `${SECRET}${code}` : `地区${code}` });
      assert.equal(r.status, 201, r.text);
    }
  }
  for (const kind of ['person', 'org', 'duty_place', 'team', 'case', 'region', 'village', 'grid', 'directive']) {
    rec[kind] = { In: await make[kind]('In'), Out: await make[kind]('Out') };
  }
  // A leader above the caller (city-wide: seen from the county) and a
  // city-wide notice that the villages of both counties play.
  rec.leader = srv.user('commander', '4311', { username: 'leader_ref' });
  const b = await root.post('/api/v1/broadcasts', { region_code: '4311', title: '全市通知', body: '请戴口罩' });
  assert.equal(b.status, 201, b.text);
  rec.cityBroadcast = b.body.id;
  rec.tempOrg = await make.org('In', 'temporary');
  rec.member = await make.person('In');
  const m = await root.post(`/api/v1/orgs/${rec.tempOrg}/members`, { person_id: rec.member, role: 'member' });
  assert.equal(m.status, 201, m.text);
  caller = await srv.token('admin', IN);
  outHealth = await srv.token('health', OUT);
  const r = epigrid(['routes']);
  assert.equal(r.status, 0, r.stderr);
  routes = JSON.parse(r.stdout).routes;
});
after(async () => { await srv.stop(); });

test('every reference field of every route has a fixture, and every fixture a route', () => {
  const declared = routes.flatMap((r) => r.refs.map((f) => `${r.method} ${r.pattern} ${f.field}`));
  assert.ok(declared.length >= 20, `routes declare references: ${declared.length}`);
  const missingFixtures = declared.filter((k) => !FIXTURES[k]);
  assert.deepEqual(missingFixtures, [], 'reference fields without a fixture');
  const stale = Object.keys(FIXTURES).filter((k) => !declared.includes(k));
  assert.deepEqual(stale, [], 'fixtures of fields no route declares');
  for (const r of routes) for (const f of r.refs) assert.ok(make[f.kind], `no way to make a ${f.kind} (${r.pattern} ${f.field})`);
});

test('outside the jurisdiction a referenced record answers exactly as a missing one, and nothing is written', async () => {
  let probes = 0;
  for (const r of routes) {
    for (const { field, kind } of r.refs) {
      const key = `${r.method} ${r.pattern} ${field}`;
      const fx = FIXTURES[key];
      if (!fx) continue; // reported by the test above
      const send = async (value) => {
        const ctx = {};
        const req = await fx.base(ctx);
        put(req.body, field, value);
        const before = srv.snapshot();
        const res = await caller.req(r.method, req.path, req.body);
        return { res, before, after: srv.snapshot(), ctx };
      };
      const out = rec[kind].Out;
      const gone = missing(kind);
      const a = await send(out);
      const b = await send(gone);
      // Outside: refused like a missing record, without a name, and nothing written.
      assert.equal(a.res.status, 404, `${key} out of scope: ${a.res.text}`);
      assert.equal(a.res.body.error.code, 'not_found', key);
      assert.ok((a.res.body.error.fields ?? []).length === 0 || a.res.body.error.fields.some((f) => f.field.replace(/\[\d+\]/, '[]') === field),
        `${key}: the field is named ${a.res.text}`);
      const norm = (text, id) => text.split(String(id)).join('<id>');
      assert.equal(norm(a.res.text, out), norm(b.res.text, gone), `${key}: out of scope must read as missing`);
      assert.ok(!a.res.text.includes(SECRET), `${key} leaks a name: ${a.res.text}`);
      assert.equal(a.after, a.before, `${key}: nothing written for an out-of-scope reference`);
      assert.equal(b.after, b.before, `${key}: nothing written for a missing reference`);
      // Inside: the same request succeeds (the fixture is otherwise valid).
      const ctx = {};
      const req = await fx.base(ctx);
      const value = fx.inValue ? await fx.inValue(ctx) : await make[kind]('In');
      put(req.body, field, value);
      const ok = await caller.req(r.method, req.path, req.body);
      assert.ok(ok.status >= 200 && ok.status < 300, `${key} in scope: ${ok.status} ${ok.text}`);
      probes++;
    }
  }
  assert.ok(probes >= 20, `probes run: ${probes}`);
});

test('English answers read the same way: the kind and the id, nothing else', async () => {
  const en = caller.withLang('en');
  const r = await en.post(`/api/v1/orgs/${rec.tempOrg}/members`, { person_id: rec.person.Out, role: 'member' });
  assert.equal(r.status, 404, r.text);
  assert.equal(r.body.error.fields[0].message, `person ${rec.person.Out} not found`);
  const z = await caller.post(`/api/v1/orgs/${rec.tempOrg}/members`, { person_id: rec.person.Out, role: 'member' });
  assert.equal(z.body.error.fields[0].message, `人员 ${rec.person.Out} 不存在`);
});
