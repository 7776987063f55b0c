// authz_matrix.test.mjs -- every route x every role x (in scope, out of scope)
// against the expected status.  The routes come from the binary (`epigrid
// routes`); the expectations come from this file's own copy of the rules
// (SPEC below), written from the issue, not from the C table.  A new route
// without a fixture here, or a permission change in C that the spec does not
// share, fails this test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer, epigrid, Client } from './lib.mjs';

// A date n days from today in China (UTC+8), YYYY-MM-DD.
function today(n) {
  return new Date(Date.now() + 8 * 3600e3 + n * 86400e3).toISOString().slice(0, 10);
}
// The latest report slot that has started today in China, or null before 08:00.
function currentSlot() {
  const h = new Date(Date.now() + 8 * 3600e3).getUTCHours();
  return h >= 16 ? `${today(0)}T16:00` : h >= 8 ? `${today(0)}T08:00` : null;
}

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
  admin: ['login', 'region_read', 'region_write', 'registry_read', 'registry_write', 'pii_unmask', 'export', 'user_read', 'user_admin', 'audit_read',
    'round_manage', 'field_write', 'alert_handle', 'org_manage', 'duty_write', 'supply_read', 'supply_write', 'fund_write', 'supply_request',
    'case_read', 'case_write', 'site_manage', 'command_write', 'inspect_write'],
  commander: ['login', 'region_read', 'registry_read', 'export', 'user_read', 'round_manage', 'alert_handle', 'org_manage',
    'supply_read', 'supply_request', 'case_read', 'site_manage', 'command_write'],
  grid_worker: ['login', 'region_read', 'registry_read', 'registry_write', 'field_write', 'alert_handle', 'duty_write'],
  health: ['login', 'region_read', 'registry_read', 'registry_write', 'pii_unmask', 'field_write', 'alert_handle', 'duty_write',
    'supply_read', 'supply_request', 'case_read', 'case_write', 'site_manage'],
  organiser: ['login', 'region_read', 'registry_read', 'org_manage', 'duty_write', 'supply_read', 'fund_write'],
  supplies: ['login', 'region_read', 'supply_read', 'supply_write', 'fund_write', 'supply_request'],
  inspector: ['login', 'region_read', 'registry_read', 'supply_read', 'inspect_write'],
  viewer: ['login', 'region_read', 'supply_read'],
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
  'GET /api/v1/openapi.json': { in: () => ({ path: '/api/v1/openapi.json' }), ok: [200] },
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
  'POST /api/v1/regions/bulk': {
    in: () => ({ path: '/api/v1/regions/bulk', body: { items: [{ parent: IN, name: `测试镇${next()}` }] } }),
    out: () => ({ path: '/api/v1/regions/bulk', body: { items: [{ parent: OUT, name: `测试镇${next()}` }] } }),
    ok: [201], outStatus: [404],
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
  'GET /api/v1/regions/{code}/map': {
    in: () => ({ path: `/api/v1/regions/${IN}/map` }), out: () => ({ path: `/api/v1/regions/${OUT}/map` }), ok: [200], outStatus: [403],
  },
  'GET /api/v1/households': {
    in: () => ({ path: `/api/v1/households?region=${IN}` }), out: () => ({ path: `/api/v1/households?region=${OUT}` }),
    ok: [200], outStatus: [403],
  },
  'POST /api/v1/households': {
    in: () => ({ path: '/api/v1/households', body: { grid_code: `${IN}101201001`, address: `测试路${next()}号` } }),
    out: () => ({ path: '/api/v1/households', body: { grid_code: `${OUT}101201001`, address: `测试路${next()}号` } }),
    ok: [201], outStatus: [404], // a grid outside the scope is not found
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
    ok: [201, 409], outStatus: [404], // a household outside the scope is not found
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

  // ---- the daily loop --------------------------------------------------------
  'GET /api/v1/profile': { in: () => ({ path: '/api/v1/profile' }), ok: [200] },
  'PUT /api/v1/profile': {
    city: true, // only a city-wide jurisdiction may change the disease profile
    in: () => ({ path: '/api/v1/profile', body: ids.profile }), ok: [200],
  },
  'GET /api/v1/risk-areas': { in: () => ({ path: '/api/v1/risk-areas' }), ok: [200] },
  'POST /api/v1/risk-areas': {
    in: () => ({ path: '/api/v1/risk-areas', body: { region_code: `${IN}101`, level: 'medium', from_date: today(0) } }),
    out: () => ({ path: '/api/v1/risk-areas', body: { region_code: `${OUT}101`, level: 'medium', from_date: today(0) } }),
    ok: [201], outStatus: [403],
  },
  'PATCH /api/v1/risk-areas/{id}': {
    in: () => ({ path: `/api/v1/risk-areas/${ids.riskIn}`, body: { to_date: today(3) } }),
    out: () => ({ path: `/api/v1/risk-areas/${ids.riskOut}`, body: { to_date: today(3) } }),
    ok: [200], outStatus: [403, 404],
  },
  'DELETE /api/v1/risk-areas/{id}': {
    in: async () => ({ path: `/api/v1/risk-areas/${(await root.post('/api/v1/risk-areas', { region_code: IN, level: 'low', from_date: today(0) })).body.id}` }),
    out: () => ({ path: `/api/v1/risk-areas/${ids.riskOut}` }),
    ok: [200], outStatus: [403, 404],
  },
  'GET /api/v1/rounds': { in: () => ({ path: '/api/v1/rounds' }), ok: [200] },
  'POST /api/v1/rounds': {
    in: () => ({ path: '/api/v1/rounds', body: { name: `轮${next()}`, region_code: IN, start_date: today(0), end_date: today(1) } }),
    out: () => ({ path: '/api/v1/rounds', body: { name: `轮${next()}`, region_code: OUT, start_date: today(0), end_date: today(1) } }),
    ok: [201], outStatus: [404], // a region outside the scope is not found
  },
  'GET /api/v1/rounds/{id}': {
    in: () => ({ path: `/api/v1/rounds/${ids.roundIn}` }), out: () => ({ path: `/api/v1/rounds/${ids.roundOut}` }),
    ok: [200], outStatus: [403, 404],
  },
  'POST /api/v1/rounds/{id}/close': {
    in: async () => ({ path: `/api/v1/rounds/${(await root.post('/api/v1/rounds', { name: `关${next()}`, region_code: IN, start_date: today(0), end_date: today(1) })).body.id}/close` }),
    out: () => ({ path: `/api/v1/rounds/${ids.roundOut}/close` }),
    ok: [200], outStatus: [404],
  },
  'GET /api/v1/visits': {
    in: () => ({ path: `/api/v1/visits?region=${IN}` }), out: () => ({ path: `/api/v1/visits?region=${OUT}` }),
    ok: [200], outStatus: [403],
  },
  'POST /api/v1/visits': {
    in: () => ({ path: '/api/v1/visits', body: { client_uuid: randomUUID(), round_id: ids.roundIn, household_id: ids.hIn, members_present: 1, persons: [] } }),
    out: () => ({ path: '/api/v1/visits', body: { client_uuid: randomUUID(), round_id: ids.roundOut, household_id: ids.hOut, members_present: 1, persons: [] } }),
    ok: [200, 201], outStatus: [404], // round and household outside the scope are not found
  },
  'GET /api/v1/visits/{id}': {
    in: () => ({ path: `/api/v1/visits/${ids.visitIn}` }), out: () => ({ path: `/api/v1/visits/${ids.visitOut}` }),
    ok: [200], outStatus: [403, 404],
  },
  'GET /api/v1/stats/coverage': {
    in: () => ({ path: `/api/v1/stats/coverage?region=${IN}&round=${ids.roundIn}` }),
    out: () => ({ path: `/api/v1/stats/coverage?region=${OUT}&round=${ids.roundOut}` }),
    ok: [200], outStatus: [403],
  },
  'GET /api/v1/observations': {
    in: () => ({ path: `/api/v1/observations?region=${IN}` }), out: () => ({ path: `/api/v1/observations?region=${OUT}` }),
    ok: [200], outStatus: [403],
  },
  'POST /api/v1/observations': {
    in: () => ({ path: '/api/v1/observations', body: { person_id: ids.pIn, kind: 'home', reason: 'other' } }),
    out: () => ({ path: '/api/v1/observations', body: { person_id: ids.pOut, kind: 'home', reason: 'other' } }),
    ok: [200, 201, 409], outStatus: [404],
  },
  'GET /api/v1/observations/{id}': {
    in: () => ({ path: `/api/v1/observations/${ids.obsIn}` }), out: () => ({ path: `/api/v1/observations/${ids.obsOut}` }),
    ok: [200], outStatus: [404],
  },
  'POST /api/v1/observations/{id}/release': {
    in: () => ({ path: `/api/v1/observations/${ids.obsIn}/release`, body: { note: '测试' } }),
    out: () => ({ path: `/api/v1/observations/${ids.obsOut}/release`, body: { note: '测试' } }),
    ok: [422], outStatus: [404], // the planned end has not passed: refused by the rule, not by the role
  },
  'POST /api/v1/health-reports': {
    in: () => ({ path: '/api/v1/health-reports', body: { client_uuid: randomUUID(), person_id: ids.pIn, slot: currentSlot() ?? `${today(0)}T08:00`, temperature: 36.5 } }),
    out: () => ({ path: '/api/v1/health-reports', body: { client_uuid: randomUUID(), person_id: ids.pOut, slot: currentSlot() ?? `${today(0)}T08:00`, temperature: 36.5 } }),
    ok: currentSlot() ? [200, 201] : [400, 422], outStatus: [404],
  },
  'GET /api/v1/alerts': {
    in: () => ({ path: `/api/v1/alerts?region=${IN}` }), out: () => ({ path: `/api/v1/alerts?region=${OUT}` }),
    ok: [200], outStatus: [403],
  },
  'GET /api/v1/alerts/{id}': {
    in: () => ({ path: `/api/v1/alerts/${ids.alertsIn[0]}` }), out: () => ({ path: `/api/v1/alerts/${ids.alertsOut[0]}` }),
    ok: [200], outStatus: [404],
  },
  'POST /api/v1/alerts/{id}/acknowledge': {
    in: () => ({ path: `/api/v1/alerts/${ids.alertsIn[0]}/acknowledge` }), out: () => ({ path: `/api/v1/alerts/${ids.alertsOut[0]}/acknowledge` }),
    ok: [200, 409], outStatus: [404],
  },
  'POST /api/v1/alerts/{id}/resolve': {
    in: () => ({ path: `/api/v1/alerts/${ids.alertsIn[0]}/resolve`, body: { note: '已转诊' } }),
    out: () => ({ path: `/api/v1/alerts/${ids.alertsOut[0]}/resolve`, body: { note: '已转诊' } }),
    ok: [200, 409], outStatus: [404],
  },
  'GET /api/v1/stats/timeliness': {
    in: () => ({ path: `/api/v1/stats/timeliness?region=${IN}&date=${today(0)}` }),
    out: () => ({ path: `/api/v1/stats/timeliness?region=${OUT}&date=${today(0)}` }),
    ok: [200], outStatus: [403],
  },

  // ---- cases, contacts, sites, bulletin ----------------------------------------
  'GET /api/v1/sites': { in: () => ({ path: `/api/v1/sites?region=${IN}` }), out: () => ({ path: `/api/v1/sites?region=${OUT}` }), ok: [200], outStatus: [403] },
  'POST /api/v1/sites': {
    in: () => ({ path: '/api/v1/sites', body: { kind: 'fever_clinic', name: `发热门诊${next()}`, region_code: IN, capacity: 5 } }),
    out: () => ({ path: '/api/v1/sites', body: { kind: 'fever_clinic', name: `发热门诊${next()}`, region_code: OUT, capacity: 5 } }),
    ok: [201], outStatus: [404],
  },
  'GET /api/v1/sites/{id}': { in: () => ({ path: `/api/v1/sites/${ids.siteIn}` }), out: () => ({ path: `/api/v1/sites/${ids.siteOut}` }), ok: [200], outStatus: [404] },
  'GET /api/v1/cases': { in: () => ({ path: `/api/v1/cases?region=${IN}` }), out: () => ({ path: `/api/v1/cases?region=${OUT}` }), ok: [200], outStatus: [403] },
  'POST /api/v1/cases': {
    in: async () => ({ path: '/api/v1/cases', body: { person_id: await freshPerson('In'), status: 'suspected' } }),
    out: async () => ({ path: '/api/v1/cases', body: { person_id: await freshPerson('Out'), status: 'suspected' } }),
    ok: [201], outStatus: [404],
  },
  'GET /api/v1/cases/curve': { in: () => ({ path: `/api/v1/cases/curve?region=${IN}` }), out: () => ({ path: `/api/v1/cases/curve?region=${OUT}` }), ok: [200], outStatus: [403] },
  'GET /api/v1/cases/export': { in: () => ({ path: `/api/v1/cases/export?region=${IN}` }), out: () => ({ path: `/api/v1/cases/export?region=${OUT}` }), ok: [200], outStatus: [403] },
  'GET /api/v1/cases/{id}': { in: () => ({ path: `/api/v1/cases/${ids.caseIn}` }), out: () => ({ path: `/api/v1/cases/${ids.caseOut}` }), ok: [200], outStatus: [404] },
  'PATCH /api/v1/cases/{id}': {
    in: () => ({ path: `/api/v1/cases/${ids.caseIn}`, body: { onset_date: today(-2 - (Number(next()) % 5)) } }),
    out: () => ({ path: `/api/v1/cases/${ids.caseOut}`, body: { onset_date: today(-2) } }),
    ok: [200, 400], outStatus: [404], // 400: the same onset date again is "nothing to change"
  },
  'GET /api/v1/cases/{id}/chain': { in: () => ({ path: `/api/v1/cases/${ids.caseIn}/chain` }), out: () => ({ path: `/api/v1/cases/${ids.caseOut}/chain` }), ok: [200], outStatus: [404] },
  'GET /api/v1/contacts': { in: () => ({ path: `/api/v1/contacts?region=${IN}` }), out: () => ({ path: `/api/v1/contacts?region=${OUT}` }), ok: [200], outStatus: [403] },
  'POST /api/v1/contacts': {
    in: async () => ({ path: '/api/v1/contacts', body: { person_id: await freshPerson('In'), source_case_id: ids.caseIn, contact_type: 'household', last_contact_date: today(-1) } }),
    out: async () => ({ path: '/api/v1/contacts', body: { person_id: await freshPerson('Out'), source_case_id: ids.caseOut, contact_type: 'household', last_contact_date: today(-1) } }),
    ok: [201], outStatus: [404],
  },
  'GET /api/v1/contacts/{id}': { in: () => ({ path: `/api/v1/contacts/${ids.contactIn}` }), out: () => ({ path: `/api/v1/contacts/${ids.contactOut}` }), ok: [200], outStatus: [404] },
  // ---- cross-jurisdiction requests: "In" ones are addressed to the caller's county, "Out"
  // ones travel between two units of the other county
  'GET /api/v1/assist-requests': { in: () => ({ path: '/api/v1/assist-requests?box=inbox' }), ok: [200] },
  'POST /api/v1/assist-requests': {
    in: () => ({ path: '/api/v1/assist-requests', body: assistBody(ids.caseIn, OUT) }),
    out: () => ({ path: '/api/v1/assist-requests', body: assistBody(ids.caseOut, OUT) }),
    ok: [201], outStatus: [404],
  },
  'GET /api/v1/assist-requests/destinations': { in: () => ({ path: '/api/v1/assist-requests/destinations' }), ok: [200] },
  'GET /api/v1/assist-requests/{id}': {
    in: async () => ({ path: `/api/v1/assist-requests/${await assist('In')}` }),
    out: async () => ({ path: `/api/v1/assist-requests/${await assist('Out')}` }), ok: [200], outStatus: [404],
  },
  'POST /api/v1/assist-requests/{id}/acknowledge': {
    in: async () => ({ path: `/api/v1/assist-requests/${await assist('In', true)}/acknowledge` }),
    out: async () => ({ path: `/api/v1/assist-requests/${await assist('Out', true)}/acknowledge` }), ok: [200], outStatus: [404],
  },
  'POST /api/v1/assist-requests/{id}/observe': {
    in: async () => ({ path: `/api/v1/assist-requests/${await assist('In', true)}/observe`, body: { person_id: await freshPerson('In') } }),
    out: async () => ({ path: `/api/v1/assist-requests/${await assist('Out', true)}/observe`, body: { person_id: await freshPerson('Out') } }),
    ok: [200], outStatus: [404],
  },
  'POST /api/v1/assist-requests/{id}/not-found': {
    in: async () => ({ path: `/api/v1/assist-requests/${await assist('In', true)}/not-found`, body: { reply: '查无此人' } }),
    out: async () => ({ path: `/api/v1/assist-requests/${await assist('Out', true)}/not-found`, body: { reply: '查无此人' } }),
    ok: [200], outStatus: [404],
  },
  'GET /api/v1/bulletin': { in: () => ({ path: `/api/v1/bulletin?region=${IN}` }), out: () => ({ path: `/api/v1/bulletin?region=${OUT}` }), ok: [200], outStatus: [403] },
  'GET /public/bulletin': { in: () => ({ path: '/public/bulletin?region=4311' }), ok: [200] },
  // ---- mobilisation, supplies, command: the role check on every route (their
  // own API tests cover bodies and scope in depth); region reads in and out of scope
  'GET /api/v1/orgs': scopedRead('/api/v1/orgs?region=%s'),
  'POST /api/v1/orgs': roleOnly(`/api/v1/orgs`, true),
  'GET /api/v1/orgs/{id}': roleOnly(`/api/v1/orgs/999999`),
  'POST /api/v1/orgs/{id}/dissolve': roleOnly(`/api/v1/orgs/999999/dissolve`, true),
  'GET /api/v1/orgs/{id}/members': roleOnly(`/api/v1/orgs/999999/members`),
  'POST /api/v1/orgs/{id}/members': roleOnly(`/api/v1/orgs/999999/members`, true),
  'DELETE /api/v1/orgs/{id}/members/{person_id}': roleOnly(`/api/v1/orgs/999999/members/999999`),
  'GET /api/v1/team-types': roleOnly(`/api/v1/team-types`),
  'POST /api/v1/team-types': roleOnly(`/api/v1/team-types`, true),
  'GET /api/v1/teams': scopedRead('/api/v1/teams?region=%s'),
  'POST /api/v1/teams': roleOnly(`/api/v1/teams`, true),
  'GET /api/v1/teams/{id}': roleOnly(`/api/v1/teams/999999`),
  'POST /api/v1/teams/{id}/members': roleOnly(`/api/v1/teams/999999/members`, true),
  'GET /api/v1/org-activities': scopedRead('/api/v1/org-activities?region=%s'),
  'POST /api/v1/org-activities': roleOnly('/api/v1/org-activities', true),
  'GET /api/v1/org-activities/{id}': roleOnly('/api/v1/org-activities/999999'),
  'GET /api/v1/applications': scopedRead('/api/v1/applications?region=%s'),
  'POST /api/v1/applications': roleOnly(`/api/v1/applications`, true),
  'GET /api/v1/applications/{id}': roleOnly(`/api/v1/applications/999999`),
  'POST /api/v1/applications/{id}/decision': roleOnly(`/api/v1/applications/999999/decision`, true),
  'GET /api/v1/grid-duties': scopedRead('/api/v1/grid-duties?region=%s'),
  'PUT /api/v1/grid-duties/{code}': roleOnly(`/api/v1/grid-duties/${IN}101201001`, true),
  'GET /api/v1/places': scopedRead('/api/v1/places?region=%s'),
  'POST /api/v1/places': roleOnly(`/api/v1/places`, true),
  'GET /api/v1/shifts': scopedRead('/api/v1/shifts?region=%s'),
  'POST /api/v1/shifts': roleOnly(`/api/v1/shifts`, true),
  'GET /api/v1/shifts/gaps': roleOnly(`/api/v1/shifts/gaps?place=999999&date=2026-01-01`),
  'GET /api/v1/shifts/{id}': roleOnly(`/api/v1/shifts/999999`),
  'POST /api/v1/shifts/{id}/checkin': roleOnly(`/api/v1/shifts/999999/checkin`, true),
  'POST /api/v1/shifts/{id}/checkout': roleOnly(`/api/v1/shifts/999999/checkout`, true),
  'GET /api/v1/service-hours': roleOnly(`/api/v1/service-hours?region=${IN}`),
  'GET /api/v1/checkpoints': scopedRead('/api/v1/checkpoints?region=%s'),
  'POST /api/v1/checkpoints': roleOnly(`/api/v1/checkpoints`, true),
  'GET /api/v1/checkpoints/{id}': roleOnly(`/api/v1/checkpoints/999999`),
  'GET /api/v1/checkpoints/{id}/entries': roleOnly(`/api/v1/checkpoints/999999/entries`),
  'POST /api/v1/checkpoints/{id}/entries': roleOnly(`/api/v1/checkpoints/999999/entries`, true),
  'GET /api/v1/stats/mobilisation': scopedRead('/api/v1/stats/mobilisation?region=%s'),
  'GET /api/v1/items': roleOnly(`/api/v1/items`),
  'POST /api/v1/items': roleOnly(`/api/v1/items`, true),
  'GET /api/v1/donors': roleOnly(`/api/v1/donors`),
  'POST /api/v1/donors': roleOnly(`/api/v1/donors`, true),
  'GET /api/v1/warehouses': scopedRead('/api/v1/warehouses?region=%s'),
  'POST /api/v1/warehouses': roleOnly(`/api/v1/warehouses`, true),
  'GET /api/v1/warehouses/{id}': roleOnly(`/api/v1/warehouses/999999`),
  'PUT /api/v1/warehouses/{id}/thresholds': roleOnly(`/api/v1/warehouses/999999/thresholds`, true),
  'GET /api/v1/donations': scopedRead('/api/v1/donations?region=%s'),
  'POST /api/v1/donations': roleOnly(`/api/v1/donations`, true),
  'GET /api/v1/donations/{id}': roleOnly(`/api/v1/donations/999999`),
  'GET /api/v1/donations/{id}/certificate': roleOnly(`/api/v1/donations/999999/certificate`),
  'GET /api/v1/ledger': scopedRead('/api/v1/ledger?region=%s'),
  'POST /api/v1/ledger': roleOnly(`/api/v1/ledger`, true),
  'GET /api/v1/ledger.xlsx': scopedRead('/api/v1/ledger.xlsx?region=%s'),
  'GET /api/v1/ledger/{id}': roleOnly(`/api/v1/ledger/999999`),
  'POST /api/v1/ledger/{id}/reverse': roleOnly(`/api/v1/ledger/999999/reverse`, true),
  'GET /api/v1/supply-requests': scopedRead('/api/v1/supply-requests?region=%s'),
  'POST /api/v1/supply-requests': roleOnly(`/api/v1/supply-requests`, true),
  'GET /api/v1/supply-requests/{id}': roleOnly(`/api/v1/supply-requests/999999`),
  'POST /api/v1/supply-requests/{id}/fulfil': roleOnly(`/api/v1/supply-requests/999999/fulfil`, true),
  'GET /api/v1/fund-accounts': roleOnly(`/api/v1/fund-accounts`),
  'POST /api/v1/fund-accounts': roleOnly(`/api/v1/fund-accounts`, true),
  'GET /api/v1/fund-accounts/{id}/entries': roleOnly(`/api/v1/fund-accounts/999999/entries`),
  'POST /api/v1/fund-entries': roleOnly(`/api/v1/fund-entries`, true),
  'POST /api/v1/fund-entries/{id}/reverse': roleOnly(`/api/v1/fund-entries/999999/reverse`, true),
  'GET /api/v1/fund-allocations': scopedRead('/api/v1/fund-allocations?region=%s'),
  'GET /api/v1/supplies/summary': scopedRead('/api/v1/supplies/summary?region=%s'),
  'GET /public/donations': { in: () => ({ path: '/public/donations' }), ok: [200] },
  'GET /public/donations.csv': { in: () => ({ path: '/public/donations.csv' }), ok: [200] },
  'GET /api/v1/response-levels': scopedRead('/api/v1/response-levels?region=%s'),
  // A region named in the body outside the scope reads as a missing one: 404.
  'POST /api/v1/response-levels': {
    in: () => ({ path: '/api/v1/response-levels', body: { region_code: IN, level: 2, effective_date: today(-100 - Number(next())) } }),
    out: () => ({ path: '/api/v1/response-levels', body: { region_code: OUT, level: 2, effective_date: today(-100 - Number(next())) } }),
    ok: [201], outStatus: [404],
  },
  'GET /api/v1/leader-links': scopedRead('/api/v1/leader-links?region=%s'),
  'POST /api/v1/leader-links': {
    in: () => ({ path: '/api/v1/leader-links', body: { username: srv.user('viewer', IN, { username: 'matrix_leader' }), region_code: IN } }),
    out: () => ({ path: '/api/v1/leader-links', body: { username: srv.user('viewer', IN, { username: 'matrix_leader' }), region_code: OUT } }),
    ok: [201, 409], outStatus: [404],
  },
  'DELETE /api/v1/leader-links/{id}': roleOnly(`/api/v1/leader-links/999999`),
  'GET /api/v1/leaders/{user}/regions': roleOnly(`/api/v1/leaders/999999/regions`),
  'GET /api/v1/directives': roleOnly(`/api/v1/directives`),
  'POST /api/v1/directives': {
    in: () => ({ path: '/api/v1/directives', body: { title: '通知', body: '正文', target_region: IN, target_level: 'county', deadline: today(1) } }),
    out: () => ({ path: '/api/v1/directives', body: { title: '通知', body: '正文', target_region: OUT, target_level: 'county', deadline: today(1) } }),
    ok: [201], outStatus: [404],
  },
  'GET /api/v1/directives/{id}': roleOnly(`/api/v1/directives/999999`),
  'GET /api/v1/directives/{id}/print': roleOnly(`/api/v1/directives/999999/print`),
  'POST /api/v1/directives/{id}/read': roleOnly(`/api/v1/directives/999999/read`, true),
  'GET /api/v1/directives/{id}/receipts': roleOnly(`/api/v1/directives/999999/receipts`),
  'POST /api/v1/directives/{id}/replies': roleOnly(`/api/v1/directives/999999/replies`, true),
  'GET /api/v1/inspections': scopedRead('/api/v1/inspections?region=%s'),
  'POST /api/v1/inspections': {
    in: () => ({ path: '/api/v1/inspections', body: { region_code: IN, inspected_on: today(0) } }),
    out: () => ({ path: '/api/v1/inspections', body: { region_code: OUT, inspected_on: today(0) } }),
    ok: [201], outStatus: [404],
  },
  'GET /api/v1/inspections/{id}': roleOnly(`/api/v1/inspections/999999`),
  'GET /api/v1/inspections/{id}/report': roleOnly(`/api/v1/inspections/999999/report`),
  'GET /api/v1/findings': scopedRead('/api/v1/findings?region=%s'),
  'POST /api/v1/findings/{id}/rectify': roleOnly(`/api/v1/findings/999999/rectify`, true),
  'POST /api/v1/findings/{id}/verify': roleOnly(`/api/v1/findings/999999/verify`, true),
  'GET /api/v1/stats/inspections': scopedRead('/api/v1/stats/inspections?region=%s'),
  'POST /api/v1/bulletins': {
    in: () => ({ path: '/api/v1/bulletins', body: { region: IN, date: '2020-02-10' } }),
    out: () => ({ path: '/api/v1/bulletins', body: { region: OUT, date: '2020-02-10' } }),
    ok: [201, 409], outStatus: [404], // issued once: the next role finds it issued
  },
  'GET /api/v1/broadcasts': roleOnly(`/api/v1/broadcasts`),
  'POST /api/v1/broadcasts': {
    in: () => ({ path: '/api/v1/broadcasts', body: { region_code: IN, title: '通知', body: '请戴口罩' } }),
    out: () => ({ path: '/api/v1/broadcasts', body: { region_code: OUT, title: '通知', body: '请戴口罩' } }),
    ok: [201], outStatus: [404],
  },
  'GET /api/v1/broadcasts/{id}': roleOnly(`/api/v1/broadcasts/999999`),
  'GET /api/v1/broadcasts/{id}/audio': roleOnly(`/api/v1/broadcasts/999999/audio`),
  'POST /api/v1/broadcasts/{id}/ack': roleOnly(`/api/v1/broadcasts/999999/ack`, true),
  'GET /api/v1/dashboard': scopedRead('/api/v1/dashboard?region=%s'),
};

// A route checked for its role rule only: a role without the permission gets
// 403; a role with it gets past authorization -- the empty body or the
// unknown id then gives 400/404/409/422, or 200/201 when nothing is needed.
function roleOnly(path, write = false) {
  return { in: () => ({ path, body: write ? {} : undefined }), ok: [200, 201, 400, 404, 409, 422] };
}
// A list or figure read with ?region=: inside the scope 200, outside 403.
function scopedRead(pattern) {
  return { in: () => ({ path: pattern.replace('%s', IN) }), out: () => ({ path: pattern.replace('%s', OUT) }), ok: [200], outStatus: [403] };
}

// A new person in the county's grid household (for writes that need a
// person without a case or contact yet).
function assistBody(caseId, region) {
  return { source_case_id: caseId, name: '接触者', phone: '13912345678', region_code: region, contact_type: 'work', last_contact_date: today(-1) };
}
// A request in the caller's inbox ("In": sent by the other county to the
// caller's) or out of its sight ("Out": from a grid of the other county to
// its township); a fresh one when asked, else one kept.
const assists = {};
async function assist(where, fresh = false) {
  if (!fresh && assists[where]) return assists[where];
  const sender = where === 'In' ? await srv.token('health', OUT) : await srv.token('health', `${OUT}101201001`);
  const r = await sender.post('/api/v1/assist-requests', assistBody(ids.caseOut, where === 'In' ? IN : `${OUT}101`));
  assert.equal(r.status, 201, r.text);
  if (!fresh) assists[where] = r.body.id;
  return r.body.id;
}
async function freshPerson(where) {
  const r = await root.post('/api/v1/persons', { name: '李四', id_number: idNumber(500 + Number(next())), household_id: ids[`h${where}`] });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

let srv, routes, root, clients = {}, cityClients = {};
before(async () => {
  srv = await startServer();
  root = await srv.token('admin', '4311');
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
  for (const role of ROLES) cityClients[role] = await srv.token(role, '4311');
  // The daily loop: a round per county, a visit that finds a returnee with
  // fever (opens an observation, raises an alert), a risk area per county.
  for (const [where, county] of [['In', IN], ['Out', OUT]]) {
    const round = await root.post('/api/v1/rounds', { name: `第一轮${where}`, region_code: county, start_date: today(0), end_date: today(7) });
    assert.equal(round.status, 201, round.text);
    ids[`round${where}`] = round.body.id;
    const visit = await root.post('/api/v1/visits', {
      client_uuid: randomUUID(), round_id: round.body.id, household_id: ids[`h${where}`], members_present: 1,
      persons: [{ person_id: ids[`p${where}`], returned_from_risk: true, origin: '湖北省武汉市', arrival_date: today(0),
        fever: true, cough: false, temperature: 38.2, contact_with_case: false }],
    });
    assert.equal(visit.status, 201, visit.text);
    ids[`visit${where}`] = visit.body.id;
    const obs = await root.get(`/api/v1/observations?region=${county}`);
    ids[`obs${where}`] = obs.body.items[0].id;
    const alerts = await root.get(`/api/v1/alerts?region=${county}`);
    ids[`alerts${where}`] = alerts.body.items.map((a) => a.id);
    const ra = await root.post('/api/v1/risk-areas', { region_code: county, level: 'high', from_date: today(0) });
    assert.equal(ra.status, 201, ra.text);
    ids[`risk${where}`] = ra.body.id;
  }
  for (const [where, county] of [['In', IN], ['Out', OUT]]) {
    const site = await root.post('/api/v1/sites', { kind: 'designated_hospital', name: `定点医院${where}`, region_code: county, capacity: 50 });
    assert.equal(site.status, 201, site.text);
    ids[`site${where}`] = site.body.id;
    const c = await root.post('/api/v1/cases', { person_id: await freshPerson(where), status: 'suspected' });
    assert.equal(c.status, 201, c.text);
    ids[`case${where}`] = c.body.id;
    const k = await root.post('/api/v1/contacts', { person_id: await freshPerson(where), source_case_id: c.body.id, contact_type: 'household', last_contact_date: today(-1) });
    assert.equal(k.status, 201, k.text);
    ids[`contact${where}`] = k.body.id;
  }
  const prof = await root.get('/api/v1/profile');
  ids.profile = prof.body;
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
    if (!FIXTURES[key]) continue; // reported by the fixture test above
    const req = await FIXTURES[key].in();
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
    if (!fx) continue; // reported by the fixture test above
    if (r.perm === 'public' || key === 'DELETE /api/v1/session') continue; // logout would end the token-less session; covered in session tests
    for (const role of ROLES) {
      const allowed = SPEC[role].includes(r.perm);
      for (const where of ['in', 'out']) {
        if (where === 'out' && !fx.out) continue;
        const req = await fx[where]();
        const res = await send((fx.city ? cityClients : clients)[role], r.method, req);
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
