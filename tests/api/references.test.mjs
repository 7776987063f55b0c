// references.test.mjs -- every reference to a record in a write request, probed
// three ways: a record inside the caller's jurisdiction (the write succeeds),
// one outside it and one that was never created.  Outside, a record does not
// exist: the answer must equal the answer for a missing one byte for byte
// (apart from the id itself), never carry the record's name, ID number or
// phone, and write nothing.  A kind without a jurisdiction (UNSCOPED: the
// national supply catalogue) has no record outside; it is probed missing and
// inside only.
//
// The routes and their reference fields come from the binary (`epigrid routes`,
// the `refs` of src/http/routes.c); the requests come from FIXTURES below.  A
// reference field without a fixture fails the test, as the route matrix does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer, epigrid, makeId, day } from './lib.mjs';

const IN = '431122';  // the caller's county
const OUT = '431124'; // a sibling county
const grid = (county) => `${county}101201001`;
const SECRET = '机密'; // every record outside the scope carries it in its name

let srv, root, caller, outHealth, routes;
let seq = 0;
const uniq = () => String(++seq);
const rec = {}; // rec[kind] = { In: id, Out: id } -- standing records per county

// Kinds without a jurisdiction: the supply catalogue is one for the whole
// country, so there is no record outside the scope to probe (a missing one is).
const UNSCOPED = new Set(['item']);

const county = (where) => (where === 'In' ? IN : OUT);
const secret = (where) => (where === 'Out' ? SECRET : '');
// The body of a person registered now (no household, no grid: the fixture adds them).
const newPerson = (where = 'In') => {
  const n = Number(uniq());
  return {
    name: where === 'Out' ? `${SECRET}人员${n}` : `本县人员${n}`,
    id_number: makeId(n, { area: county(where) }), phone: `1380000${String(n).padStart(4, '0')}`,
  };
};
async function created(r) {
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

// Creates records of each kind; `where` is 'In' or 'Out'.  A kind seen on the
// path above the scope (site, round, org) is made in the other county for
// 'Out', never at the city: the city's would be visible from the county.
const make = {
  async household(where) {
    return created(await root.post('/api/v1/households', { grid_code: grid(county(where)), address: `${secret(where)}${where}${uniq()}号` }));
  },
  async person(where, household) {
    return created(await root.post('/api/v1/persons', { ...newPerson(where), household_id: household ?? await make.household(where) }));
  },
  async org(where, kind = 'regular') {
    return created(await root.post('/api/v1/orgs', { name: `${secret(where)}党组织${uniq()}`, kind, region_code: grid(county(where)), founded_date: '2020-01-01' }));
  },
  async duty_place(where) {
    return created(await root.post('/api/v1/places', { name: `${secret(where)}地点${uniq()}`, kind: 'site', region_code: grid(county(where)) }));
  },
  async team(where) {
    return created(await root.post('/api/v1/teams', { name: `${secret(where)}队伍${uniq()}`, type: 'patrol', org_id: rec.org[where], leader_person_id: rec.person[where] }));
  },
  async observation(where) {
    return created(await root.post('/api/v1/observations', { person_id: await make.person(where), kind: 'home', reason: 'travel', start_date: day(-2) }));
  },
  async case(where) {
    return created(await root.post('/api/v1/cases', { person_id: await make.person(where), status: 'suspected' }));
  },
  async contact(where) {
    return created(await root.post('/api/v1/contacts', { source_case_id: rec.case[where], person_id: await make.person(where), contact_type: 'work', last_contact_date: day(-1) }));
  },
  async site(where) {
    return created(await root.post('/api/v1/sites', { kind: 'quarantine_site', name: `${secret(where)}隔离点${uniq()}`, region_code: county(where), capacity: 10 }));
  },
  async round(where) {
    return created(await root.post('/api/v1/rounds', { name: `${secret(where)}排查${uniq()}`, region_code: county(where), start_date: day(-1), end_date: day(1) }));
  },
  async directive(where) {
    return created(await root.post('/api/v1/directives', { title: `${secret(where)}通知${uniq()}`, body: '正文', target_region: county(where), target_level: 'county', deadline: day(1) }));
  },
  async item() {
    return created(await root.post('/api/v1/items', { name: `物资${uniq()}`, category: 'other', unit: '件' }));
  },
  async warehouse(where) {
    return created(await root.post('/api/v1/warehouses', { name: `${secret(where)}仓库${uniq()}`, region_code: grid(county(where)) }));
  },
  async donor(where) {
    return created(await root.post('/api/v1/donors', { name: `${secret(where)}捐赠方${uniq()}`, kind: 'enterprise', region_code: county(where) }));
  },
  async fund_account(where) {
    return created(await root.post('/api/v1/fund-accounts', { name: `${secret(where)}账户${uniq()}`, kind: 'donation', region_code: county(where) }));
  },
  async supply_request(where) {
    return created(await root.post('/api/v1/supply-requests', { requester_kind: 'region', region_code: county(where), requester_name: `${secret(where)}需求${uniq()}`, lines: [{ item_id: rec.item.In, quantity: 1 }] }));
  },
  async region(where) { return `${county(where)}101`; },
  async village(where) { return `${county(where)}101201`; },
  async grid(where) { return grid(county(where)); },
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
  'POST /api/v1/org-activities org_id': {
    base: async () => ({ path: '/api/v1/org-activities', body: { org_id: rec.org.In, kind: 'pledge', title: `誓师大会${uniq()}`, participants: 30 } }),
    inValue: async () => rec.org.In,
  },
  'POST /api/v1/org-activities person_ids[]': {
    base: async () => ({ path: '/api/v1/org-activities', body: { org_id: rec.org.In, kind: 'meeting', title: `支部会议${uniq()}`, participants: 30 } }),
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
  'POST /api/v1/bulletins region': {
    base: async () => ({ path: '/api/v1/bulletins', body: { date: day(-1) } }),
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

  // region spine: a region or a grid under a parent, with the grid's responsible person
  'POST /api/v1/regions/bulk items[].parent': {
    base: async () => ({ path: '/api/v1/regions/bulk', body: { items: [{ name: `村${uniq()}` }] } }),
  },
  'POST /api/v1/regions/bulk items[].responsible_person_id': {
    base: async () => ({ path: '/api/v1/regions/bulk', body: { items: [{ parent: `${IN}101201`, name: `网格${uniq()}` }] } }),
  },

  // registry
  'POST /api/v1/households grid_code': {
    base: async () => ({ path: '/api/v1/households', body: { address: `${uniq()}号` } }),
  },
  'POST /api/v1/households head_person_id': {
    base: async () => ({ path: '/api/v1/households', body: { grid_code: grid(IN), address: `${uniq()}号` } }),
  },
  'POST /api/v1/persons household_id': {
    base: async () => ({ path: '/api/v1/persons', body: newPerson() }),
  },
  'POST /api/v1/persons grid_code': {
    base: async () => ({ path: '/api/v1/persons', body: newPerson() }),
  },
  'PATCH /api/v1/persons/{id} household_id': {
    base: async () => ({ path: `/api/v1/persons/${await loner()}`, body: {} }),
  },
  'PATCH /api/v1/persons/{id} grid_code': {
    base: async () => ({ path: `/api/v1/persons/${await loner()}`, body: {} }),
  },

  // health: observations, reports, screening, cases, sites, contacts
  'POST /api/v1/observations person_id': {
    base: async () => ({ path: '/api/v1/observations', body: { kind: 'home', reason: 'travel' } }),
  },
  'POST /api/v1/health-reports person_id': {
    base: async () => ({ path: '/api/v1/health-reports', body: { client_uuid: randomUUID(), slot: `${day(-1)}T08:00`, temperature: 36.5 } }),
    inValue: async () => (await root.get(`/api/v1/observations/${await make.observation('In')}`)).body.person_id,
  },
  'POST /api/v1/rounds region_code': {
    base: async () => ({ path: '/api/v1/rounds', body: { name: `排查${uniq()}`, start_date: day(-1), end_date: day(1) } }),
  },
  'POST /api/v1/visits round_id': {
    base: async () => ({ path: '/api/v1/visits', body: visit(rec.household.In) }),
  },
  'POST /api/v1/visits household_id': {
    base: async () => ({ path: '/api/v1/visits', body: visit() }),
  },
  'POST /api/v1/visits persons[].person_id': {
    base: async (ctx) => {
      ctx.household = await make.household('In');
      return { path: '/api/v1/visits', body: visit(ctx.household, [{ returned_from_risk: false, fever: false, cough: false, contact_with_case: false }]) };
    },
    inValue: async (ctx) => make.person('In', ctx.household),
  },
  'POST /api/v1/sites region_code': {
    base: async () => ({ path: '/api/v1/sites', body: { kind: 'quarantine_site', name: `隔离点${uniq()}`, capacity: 10 } }),
  },
  'POST /api/v1/cases observation_id': {
    base: async () => ({ path: '/api/v1/cases', body: { status: 'suspected' } }),
  },
  'POST /api/v1/cases person_id': {
    base: async () => ({ path: '/api/v1/cases', body: { status: 'suspected' } }),
  },
  'POST /api/v1/cases site_id': {
    base: async () => ({ path: '/api/v1/cases', body: { person_id: await make.person('In'), status: 'suspected' } }),
  },
  'PATCH /api/v1/cases/{id} site_id': {
    base: async () => ({ path: `/api/v1/cases/${await make.case('In')}`, body: {} }),
  },
  'POST /api/v1/contacts source_case_id': {
    base: async () => ({ path: '/api/v1/contacts', body: { person_id: await make.person('In'), contact_type: 'work', last_contact_date: day(-1) } }),
  },
  'POST /api/v1/contacts source_contact_id': {
    base: async () => ({ path: '/api/v1/contacts', body: { person_id: await make.person('In'), contact_type: 'work', last_contact_date: day(-1) } }),
  },
  'POST /api/v1/contacts person_id': {
    base: async () => ({ path: '/api/v1/contacts', body: { source_case_id: rec.case.In, contact_type: 'work', last_contact_date: day(-1) } }),
  },
  'POST /api/v1/contacts person.household_id': {
    base: async () => ({ path: '/api/v1/contacts', body: { source_case_id: rec.case.In, contact_type: 'work', last_contact_date: day(-1), person: newPerson() } }),
  },
  'POST /api/v1/contacts person.grid_code': {
    base: async () => ({ path: '/api/v1/contacts', body: { source_case_id: rec.case.In, contact_type: 'work', last_contact_date: day(-1), person: newPerson() } }),
  },

  // supplies and funds
  'POST /api/v1/donors region_code': {
    base: async () => ({ path: '/api/v1/donors', body: { name: `捐赠方${uniq()}`, kind: 'enterprise' } }),
  },
  'POST /api/v1/warehouses region_code': {
    base: async () => ({ path: '/api/v1/warehouses', body: { name: `仓库${uniq()}` } }),
  },
  'PUT /api/v1/warehouses/{id}/thresholds item_id': {
    base: async () => ({ path: `/api/v1/warehouses/${rec.warehouse.In}/thresholds`, body: { threshold: 0 } }),
  },
  'POST /api/v1/donations donor_id': {
    base: async () => ({ path: '/api/v1/donations', body: donation({ warehouse_id: rec.warehouse.In, lines: [{ item_id: rec.item.In, quantity: 1 }] }) }),
  },
  'POST /api/v1/donations warehouse_id': {
    base: async () => ({ path: '/api/v1/donations', body: donation({ donor_id: rec.donor.In, lines: [{ item_id: rec.item.In, quantity: 1 }] }) }),
  },
  'POST /api/v1/donations account_id': {
    base: async () => ({ path: '/api/v1/donations', body: donation({ donor_id: rec.donor.In, money_fen: 100 }) }),
  },
  'POST /api/v1/donations lines[].item_id': {
    base: async () => ({ path: '/api/v1/donations', body: donation({ donor_id: rec.donor.In, warehouse_id: rec.warehouse.In, lines: [{ quantity: 1 }] }) }),
  },
  'POST /api/v1/ledger warehouse_id': {
    base: async () => ({ path: '/api/v1/ledger', body: { kind: 'receive', lines: [{ item_id: rec.item.In, quantity: 1 }] } }),
  },
  'POST /api/v1/ledger to_warehouse_id': {
    base: async () => ({ path: '/api/v1/ledger', body: { kind: 'transfer', warehouse_id: rec.warehouse.In, lines: [{ item_id: rec.item.In, quantity: 1 }] } }),
  },
  'POST /api/v1/ledger recipient_region': {
    base: async () => ({ path: '/api/v1/ledger', body: allocation() }),
  },
  'POST /api/v1/ledger request_id': {
    base: async () => ({ path: '/api/v1/ledger', body: { ...allocation(), recipient_region: IN } }),
  },
  'POST /api/v1/ledger lines[].item_id': {
    base: async () => ({ path: '/api/v1/ledger', body: { kind: 'receive', warehouse_id: rec.warehouse.In, lines: [{ quantity: 1 }] } }),
  },
  'POST /api/v1/supply-requests region_code': {
    base: async () => ({ path: '/api/v1/supply-requests', body: { requester_kind: 'region', requester_name: `需求${uniq()}`, lines: [{ item_id: rec.item.In, quantity: 1 }] } }),
  },
  'POST /api/v1/supply-requests lines[].item_id': {
    base: async () => ({ path: '/api/v1/supply-requests', body: { requester_kind: 'region', region_code: IN, requester_name: `需求${uniq()}`, lines: [{ quantity: 1 }] } }),
  },
  // A fresh request for one of the stocked item each time: fulfilling uses it up.
  'POST /api/v1/supply-requests/{id}/fulfil warehouse_id': {
    base: async () => ({ path: `/api/v1/supply-requests/${await make.supply_request('In')}/fulfil`, body: { lines: [{ item_id: rec.item.In, quantity: 1 }] } }),
    inValue: async () => rec.warehouse.In,
  },
  'POST /api/v1/supply-requests/{id}/fulfil lines[].item_id': {
    base: async () => ({ path: `/api/v1/supply-requests/${await make.supply_request('In')}/fulfil`, body: { warehouse_id: rec.warehouse.In, lines: [{ quantity: 1 }] } }),
    inValue: async () => rec.item.In,
  },
  'POST /api/v1/fund-accounts region_code': {
    base: async () => ({ path: '/api/v1/fund-accounts', body: { name: `账户${uniq()}`, kind: 'donation' } }),
  },
  'POST /api/v1/fund-entries account_id': {
    base: async () => ({ path: '/api/v1/fund-entries', body: { direction: 'in', amount_fen: 100, purpose: '拨款', approver: '张三' } }),
  },
  // A payment allocated to a region: the account gets the money first.
  'POST /api/v1/fund-entries recipient_region': {
    base: async () => {
      const account = rec.fund_account?.In ?? await make.fund_account('In');
      const r = await root.post('/api/v1/fund-entries', { account_id: account, direction: 'in', amount_fen: 100, purpose: '拨款', approver: '张三' });
      assert.equal(r.status, 201, r.text);
      return { path: '/api/v1/fund-entries', body: { account_id: account, direction: 'out', amount_fen: 1, purpose: '拨付', approver: '张三' } };
    },
  },
};

// A person of the caller's county registered without a household.
async function loner() {
  return created(await root.post('/api/v1/persons', { ...newPerson(), grid_code: grid(IN) }));
}

// A household visit of the in-scope round (fields added by the fixture).
const visit = (household, persons = []) => ({
  client_uuid: randomUUID(), round_id: rec.round.In, household_id: household, members_present: persons.length, persons,
});

// A donation (donor, warehouse, account and lines added by the fixture).
const donation = (more) => ({ receipt_no: `JZ-${uniq()}`, receiving_unit: '红十字会', ...more });

// One of the stocked item from the in-scope warehouse to a region.
const allocation = () => ({
  kind: 'allocate', warehouse_id: rec.warehouse.In, recipient_kind: 'region', recipient_name: '本县', lines: [{ item_id: rec.item.In, quantity: 1 }],
});

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
  // In order: a team takes an organisation and a person, a contact a case, a supply request an item.
  for (const kind of ['household', 'person', 'org', 'duty_place', 'team', 'observation', 'case', 'contact', 'site', 'round',
    'directive', 'item', 'warehouse', 'donor', 'fund_account', 'supply_request', 'region', 'village', 'grid']) {
    rec[kind] = { In: await make[kind]('In'), Out: UNSCOPED.has(kind) ? undefined : await make[kind]('Out') };
  }
  // Stock to allocate, transfer and fulfil from.
  const stock = await root.post('/api/v1/ledger', { kind: 'receive', warehouse_id: rec.warehouse.In, lines: [{ item_id: rec.item.In, quantity: 100000 }] });
  assert.equal(stock.status, 201, stock.text);
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
      const gone = missing(kind);
      const b = await send(gone);
      // Missing: refused on the field, and nothing written.
      assert.equal(b.res.status, 404, `${key} missing: ${b.res.text}`);
      assert.equal(b.res.body.error.code, 'not_found', key);
      assert.ok((b.res.body.error.fields ?? []).length === 0 || b.res.body.error.fields.some((f) => f.field.replace(/\[\d+\]/, '[]') === field),
        `${key}: the field is named ${b.res.text}`);
      assert.equal(b.after, b.before, `${key}: nothing written for a missing reference`);
      if (!UNSCOPED.has(kind)) {
        const out = rec[kind].Out;
        const a = await send(out);
        // Outside (skipped for a kind without jurisdiction): refused exactly like a
        // missing record, without a name, and nothing written.
        assert.equal(a.res.status, 404, `${key} out of scope: ${a.res.text}`);
        assert.equal(a.res.body.error.code, 'not_found', key);
        const norm = (text, id) => text.split(String(id)).join('<id>');
        assert.equal(norm(a.res.text, out), norm(b.res.text, gone), `${key}: out of scope must read as missing`);
        assert.ok(!a.res.text.includes(SECRET), `${key} leaks a name: ${a.res.text}`);
        assert.equal(a.after, a.before, `${key}: nothing written for an out-of-scope reference`);
      }
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
