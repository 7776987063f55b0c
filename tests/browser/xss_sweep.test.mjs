// xss_sweep.test.mjs -- issue 16 "Done when": every free-text field holds
// markup, and every page is opened as every role, every chart hovered, with no
// script run and no element injected.
//
// The fields come from the OpenAPI document: every string field of every
// write route is hostile unless it is structural (a code, an id, a date or a
// time, a password: STRUCTURAL below), so a new free-text field is attacked
// without anyone listing it, and a new write route fails the coverage test
// until the setup calls it (or SKIPPED says why not).  A field the server
// refuses to store as markup (an enum, a plate) is recorded and sent plain.
//
// Detection does not rely on the script running: the Content-Security-Policy
// would stop an inline handler anyway.  An init script watches the DOM from
// the first byte: an element with id xss-marker, an <xss> element, an inline
// <script> or any on* attribute that appears (even for a moment, as in a
// chart tooltip) is a finding, as is a CSP violation, a dialog, window.__xss,
// a page error or a page that shows an error box.
//
// One server, one browser, one context per role (two roles at a time); the
// pages each role's navigation offers, the links they show one level down
// (each shape of link once, by the first role that shows it), every other
// link a role is shown checked to open a page for that role, plus the public
// pages and the printable views.  The admin's security alerts (failed-login
// bursts, live) are tested here too, with a username that is markup.
// XSS_DEBUG=1 prints the time of each visit.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { day, makeId, PASSWORD, startServer } from '../api/lib.mjs';
import { buildCity, launch, openPage } from './browser.mjs';

const T0 = Date.now();
const ROLES = ['admin', 'commander', 'grid_worker', 'health', 'organiser', 'supplies', 'inspector', 'viewer'];
const COUNTY = '431122';
const TOWN = '431122101';
const VILLAGE = '431122101203'; // hostile names from the village down
const GRID = '431122101203001';

// ---- payloads ------------------------------------------------------------------

// Markup of every kind that would matter, longest first; each field gets the
// ones that fit its maxLength, then a token "@n@" that says which field's
// value a page showed (as text).
const VARIANTS = [
  `"'><img src=x onerror=__xss=1;alert(1) id=xss-marker>`,
  '</textarea><script>__xss=2;alert(2)</script>',
  '<svg onload=__xss=3 id=xss-marker>',
  '<b id=xss-marker>',
  '<xss>',
];
const sent = new Map(); // token -> "METHOD pattern field"
const refused = new Set(); // "METHOD pattern field" the server would not store as markup
const attacked = new Set(); // "METHOD pattern field" sent hostile at least once
let tokens = 0;
function payload(key, max = 200) {
  const token = `@${++tokens}@`;
  sent.set(String(tokens), key);
  if (max >= 120) return `${VARIANTS[0]}${VARIANTS[1]}${token}`;
  const fit = VARIANTS.filter((v) => v.length + token.length <= max);
  if (fit.length === 0) return VARIANTS.at(-1).slice(0, max);
  return fit[tokens % fit.length] + token;
}

// String fields that are not free text: references, codes, dates and times,
// uuids, credentials, numbers the server checks (fields with format "date"
// and x-refers-to are structural too).
const STRUCTURAL = new Set([
  'client_uuid', 'code', 'parent', 'grid_code', 'region_code', 'region', 'target_region', 'issuing_region',
  'recipient_region', 'birth_date', 'id_number', 'phone', 'contact_phone', 'opened_at', 'occurred_at',
  'start_date', 'visited_at', 'slot', 'slots[]', 'updated_at', 'outbreak_start', 'start', 'end', 'at', 'entered_at',
  'username', 'password', 'scope', 'role',
]);
const structural = (field, schema) =>
  schema.format === 'date' || schema['x-refers-to'] || STRUCTURAL.has(field.split('.').at(-1).replace(/^.*\[\]\./, ''));

// Write routes the setup does not call, and why.
const SKIPPED = {
  'POST /api/v1/session': 'the login form: hostile usernames are tried in the security-alert test',
  'PATCH /api/v1/persons/{id}': 'the same fields as POST /api/v1/persons',
  'POST /api/v1/applications/{id}/decision': 'called for one application (note, team.name): see setup',
};

let openapi;
// Every string field of a write operation: [{field, schema}] ("a", "a[]", "a.b", "a[].b").
function stringFields(method, pattern) {
  const op = openapi.paths[pattern]?.[method.toLowerCase()];
  assert.ok(op, `no ${method} ${pattern} in the OpenAPI document`);
  const out = [];
  const walk = (s, pre) => {
    if (!s) return;
    if (s.$ref) s = openapi.components.schemas[s.$ref.split('/').pop()];
    const type = Array.isArray(s.type) ? s.type : [s.type];
    if (s.properties) for (const [k, v] of Object.entries(s.properties)) walk(v, pre ? `${pre}.${k}` : k);
    else if (type.includes('array')) walk(s.items, `${pre}[]`);
    else if (type.includes('string')) out.push({ field: pre, schema: s });
  };
  walk(op.requestBody?.content?.['application/json']?.schema, '');
  return out;
}

// The objects of "body" a field path lands in, and the last key: for
// "findings[].description" every finding; a missing parent object: none.
function slots(body, field) {
  const parts = field.split('.');
  let objs = [body];
  for (const p of parts.slice(0, -1)) {
    objs = objs.flatMap((o) => {
      const v = o?.[p.replace(/\[\]$/, '')];
      if (p.endsWith('[]')) return Array.isArray(v) ? v : [];
      return v && typeof v === 'object' ? [v] : [];
    });
  }
  return { objs, key: parts.at(-1) };
}

let root; // the admin's client (city scope)
// Sends a write with every free-text field hostile; a field the server
// refuses (400 naming it) goes back to the body's plain value and is noted.
// "plain": fields left as "base" has them (a combination the route refuses as
// a whole, not field by field).
async function w(method, path, base, { pattern = path, client = root, status, plain = [] } = {}) {
  const op = `${method} ${pattern}`;
  const free = stringFields(method, pattern).filter(({ field, schema }) => !structural(field, schema) && !plain.includes(field));
  const body = structuredClone(base);
  // Each field steps down a ladder of lengths when refused (the document's
  // maxLength counts bytes, the server characters), then goes back plain.
  const CAPS = [Infinity, 40, 20, 10];
  const hostile = new Map(); // "field" -> {objs it was set in, max, step}
  const set = (field, h) => {
    const { objs, k, isArray } = h;
    const max = Math.min(h.max ?? 200, CAPS[h.step]);
    for (const o of objs) o[k] = isArray ? [payload(`${op} ${field}`, max)] : payload(`${op} ${field}`, max);
  };
  for (const { field, schema } of free) {
    const { objs, key } = slots(body, field);
    const isArray = key.endsWith('[]');
    const k = key.replace(/\[\]$/, '');
    const targets = field.includes('.') || isArray ? objs.filter((o) => !isArray || k in o) : objs;
    if (targets.length === 0) continue;
    const h = { objs: targets, k, isArray, max: schema.maxLength, step: 0 };
    hostile.set(field, h);
    set(field, h);
  }
  for (let attempt = 0; ; attempt++) {
    const r = await client.req(method, path, body);
    if (r.status < 300 && (!status || r.status === status)) {
      for (const f of hostile.keys()) attacked.add(`${op} ${f}`);
      return r.body;
    }
    const named = (r.body?.error?.fields ?? []).map((f) => f.field.replace(/\[\d+\]/g, '[]'));
    const back = [...new Set(named.flatMap((f) => [f, `${f}[]`]).filter((f) => hostile.has(f)))];
    assert.ok(r.status === 400 && back.length > 0 && attempt < 20, `${op}: ${r.status} ${r.text}\n${JSON.stringify(body)}`);
    for (const f of back) {
      const h = hostile.get(f);
      if (++h.step < CAPS.length) {
        set(f, h);
        continue;
      }
      refused.add(`${op} ${f}`);
      const plain = slots(base, f).objs;
      h.objs.forEach((o, i) => {
        if (plain[i] && h.k in plain[i]) o[h.k] = structuredClone(plain[i][h.k]);
        else delete o[h.k];
      });
      hostile.delete(f);
    }
  }
}

// ---- the hostile city -------------------------------------------------------------

const rec = {}; // ids the pages and the printable views need
const iso = (t) => new Date(t + 8 * 3600e3).toISOString().slice(0, 19) + '+08:00';

async function buildHostileCity(srv) {
  const health = await srv.as('health', '4311'); // an early release is theirs
  // Regions: a hostile county, township, village, grids (one by the bulk route).
  await w('POST', '/api/v1/regions', { code: '431124', name: '道县' });
  await w('POST', '/api/v1/regions', { code: '431122103', name: '镇' });
  await w('POST', '/api/v1/regions', { code: VILLAGE, name: '村' });
  await w('POST', '/api/v1/regions', { code: GRID, name: '网格' });
  await w('POST', '/api/v1/regions/bulk', { items: [{ parent: VILLAGE, code: `${VILLAGE}002`, name: '网格二' }] });

  // Registry: households and persons in the hostile grid.
  const person = async (n, grid = GRID) => {
    const h = await w('POST', '/api/v1/households', { grid_code: grid, address: `${n}号` });
    return (await w('POST', '/api/v1/persons', { name: `人员${n}`, id_number: makeId(n), phone: `138000000${String(n).padStart(2, '0')}`, household_id: h.id })).id;
  };
  rec.persons = [];
  for (let n = 1; n <= 8; n++) rec.persons.push(await person(n));
  const [p1, p2, p3, p4, p5, p6, p7, p8] = rec.persons;

  // Users: a leader with a hostile display name, linked to the county.
  await w('POST', '/api/v1/users', { username: 'leader_x', display_name: '王', role: 'commander', scope: '4311', password: PASSWORD });
  await w('POST', '/api/v1/leader-links', { username: 'leader_x', region_code: COUNTY });

  // Disease profile: its name.
  const profile = (await root.get('/api/v1/profile')).body;
  await w('PUT', '/api/v1/profile', { ...profile, name: '新冠' });

  // Observations, health reports (a fever raises an alert), alerts resolved.
  const obs = await w('POST', '/api/v1/observations', { person_id: p1, kind: 'home', reason: 'travel', site: '家', start_date: day(-2) });
  const obs2 = await w('POST', '/api/v1/observations', { person_id: p2, kind: 'centralized', reason: 'contact', site: '点', start_date: day(-2) });
  await w('POST', `/api/v1/observations/${obs2.id}/release`, { note: '解除', override_reason: '提前' }, { pattern: '/api/v1/observations/{id}/release', client: health });
  await w('POST', '/api/v1/health-reports', { client_uuid: randomUUID(), person_id: p1, slot: `${day(-1)}T08:00`, temperature: 38.6, symptoms: ['cough'] });
  const obs3 = await w('POST', '/api/v1/observations', { person_id: p3, kind: 'home', reason: 'travel', start_date: day(-2) });
  await w('POST', '/api/v1/health-reports', { client_uuid: randomUUID(), person_id: p3, slot: `${day(-1)}T08:00`, temperature: 38.9 });
  const alerts = (await root.get(`/api/v1/alerts?region=${GRID}`)).body.items;
  assert.ok(alerts.length >= 2, JSON.stringify(alerts));
  await w('POST', `/api/v1/alerts/${alerts[0].id}/resolve`, { note: '已处置' }, { pattern: '/api/v1/alerts/{id}/resolve' });
  rec.obs = [obs.id, obs3.id];

  // Risk areas, screening rounds and visits.
  await w('POST', '/api/v1/risk-areas', { place: '华南海鲜市场', level: 'high', from_date: day(-3) });
  const round = await w('POST', '/api/v1/rounds', { name: '第一轮', region_code: COUNTY, start_date: day(-1), end_date: day(3) });
  rec.round = round.id;
  const hh = (await root.get(`/api/v1/households?region=${GRID}`)).body.items;
  await w('POST', '/api/v1/visits', {
    client_uuid: randomUUID(), round_id: round.id, household_id: hh[0].id, members_present: 1, note: '记',
    persons: [{ person_id: (await root.get(`/api/v1/persons?region=${GRID}&limit=50`)).body.items.find((p) => p.household_id === hh[0].id)?.id ?? p1,
      returned_from_risk: true, origin: '武汉', arrival_date: day(-2), transport: '火车', fever: true, cough: false, other_symptoms: '乏力', temperature: 37.8, contact_with_case: false }],
  });

  // Sites, cases, contacts, cross-county assists.
  const site = await w('POST', '/api/v1/sites', { kind: 'quarantine_site', name: '隔离点', region_code: COUNTY, capacity: 10, address: '路' });
  const c1 = await w('POST', '/api/v1/cases', { person_id: p4, status: 'confirmed', severity: 'mild', onset_date: day(-3), report_date: day(-1), site_id: site.id, note: '确诊' });
  await w('PATCH', `/api/v1/cases/${c1.id}`, { severity: 'severe', note: '更新' }, { pattern: '/api/v1/cases/{id}' });
  await w('POST', '/api/v1/cases', { person_id: p5, status: 'suspected', note: '疑似' });
  rec.case = c1.id;
  await w('POST', '/api/v1/contacts', { source_case_id: c1.id, contact_type: 'household', last_contact_date: day(-1), note: '同住',
    person: { name: '密接', id_number: makeId(90), grid_code: GRID } });
  await w('POST', '/api/v1/contacts', { source_case_id: c1.id, person_id: p6, contact_type: 'work', last_contact_date: day(-1), note: '同事' });
  // Sent from the county to its neighbour (within one jurisdiction a contact is registered directly).
  const countyHealth = await srv.as('health', COUNTY);
  const a1 = await w('POST', '/api/v1/assist-requests', { source_case_id: c1.id, name: '外县', phone: '13912345678', region_code: '431123', contact_type: 'work', last_contact_date: day(-1), note: '协查' }, { client: countyHealth });
  const a2 = await w('POST', '/api/v1/assist-requests', { source_case_id: c1.id, name: '外县二', phone: '13912345679', region_code: '431123', contact_type: 'work', last_contact_date: day(-1), note: '协查' }, { client: countyHealth });
  const a3 = await w('POST', '/api/v1/assist-requests', { source_case_id: c1.id, name: '外县三', phone: '13912345670', region_code: '431123', contact_type: 'work', last_contact_date: day(-1), note: '协查' }, { client: countyHealth });
  await w('POST', '/api/v1/regions', { code: '431123101201', name: '村' });
  await w('POST', '/api/v1/regions', { code: '431123101201001', name: '网格' });
  const there = await person(9, '431123101201001');
  await w('POST', `/api/v1/assist-requests/${a1.id}/observe`, { person_id: there, kind: 'home', site: '家', reply: '已落实' }, { pattern: '/api/v1/assist-requests/{id}/observe' });
  await w('POST', `/api/v1/assist-requests/${a2.id}/not-found`, { reply: '查无' }, { pattern: '/api/v1/assist-requests/{id}/not-found' });
  void a3;

  // Mobilisation: organisations, members, team types, teams, applications,
  // places, shifts, checkpoints and their entries.
  const org = await w('POST', '/api/v1/orgs', { name: '党委', kind: 'temporary', region_code: GRID, location: '村部', founded_date: '2020-01-20' });
  await w('POST', `/api/v1/orgs/${org.id}/members`, { person_id: p7, role: 'member' }, { pattern: '/api/v1/orgs/{id}/members' });
  await w('POST', '/api/v1/orgs/{id}/members'.replace('{id}', org.id), { person_id: p8, role: 'secretary' }, { pattern: '/api/v1/orgs/{id}/members' });
  await w('POST', '/api/v1/org-activities', { org_id: org.id, kind: 'pledge', title: '誓师大会', place: '村部', note: '全体党员', person_ids: [p7, p8] });
  const tt = await w('POST', '/api/v1/team-types', { code: 'xss_squad', name_zh: '队', name_en: 'squad' });
  void tt;
  const place = await w('POST', '/api/v1/places', { name: '值守点', kind: 'site', region_code: GRID });
  const team = await w('POST', '/api/v1/teams', { name: '突击队', type: 'xss_squad', org_id: org.id, leader_person_id: p7, member_ids: [p8], place_ids: [place.id] });
  await w('POST', '/api/v1/teams', { name: '先锋队', type: 'commando', org_id: org.id, leader_person_id: p8 });
  const app1 = await w('POST', '/api/v1/applications', { org_id: org.id, person_ids: [p7], group_name: '请命', pledge: '请战', wish: '卡口' });
  await w('POST', '/api/v1/applications', { org_id: org.id, person_ids: [p8], group_name: '请命二', pledge: '请战', wish: '卡口' });
  await w('POST', `/api/v1/applications/${app1.id}/decision`, { decision: 'approve', note: '同意', team: { name: '请战队', type: 'vanguard' } }, { pattern: '/api/v1/applications/{id}/decision' });
  const now = Date.now();
  const shift = await w('POST', '/api/v1/shifts', { place_id: place.id, team_id: team.id, start: iso(now - 3600e3), end: iso(now + 7200e3), person_ids: [p7, p8], note: '夜班' });
  void shift;
  const cp = await w('POST', '/api/v1/checkpoints', { name: '卡口', region_code: GRID, hours: '24h' });
  await w('POST', `/api/v1/checkpoints/${cp.id}/entries`, { client_uuid: randomUUID(), id_number: makeId(91), name: '过客', phone: '13900000000', plate: '湘M12345', origin: '武汉', destination: '东安', temperature: 38.2, outcome: 'pass' }, { pattern: '/api/v1/checkpoints/{id}/entries' });

  // Supplies and funds.
  const item = await w('POST', '/api/v1/items', { name: '口罩', category: 'protective', unit: '只', pack_unit: '箱', pack_size: 50 });
  const donor = await w('POST', '/api/v1/donors', { name: '药房', kind: 'enterprise', contact_name: '李', contact_phone: '13800000000', region_code: COUNTY });
  const wh = await w('POST', '/api/v1/warehouses', { name: '县储备库', region_code: GRID, address: '路' });
  await w('PUT', `/api/v1/warehouses/${wh.id}/thresholds`, { item_id: item.id, threshold: 1000000 }, { pattern: '/api/v1/warehouses/{id}/thresholds' });
  const account = await w('POST', '/api/v1/fund-accounts', { name: '捐赠款', kind: 'donation', region_code: COUNTY });
  const gift = await w('POST', '/api/v1/donations', { donor_id: donor.id, receipt_no: 'JZ-1', receiving_unit: '红十字会', note: '捐', warehouse_id: wh.id, lines: [{ item_id: item.id, quantity: 500 }] });
  await w('POST', '/api/v1/donations', { donor_id: donor.id, receipt_no: 'JZ-2', receiving_unit: '红十字会', note: '款', account_id: account.id, money_fen: 100000 });
  rec.donation = gift.id;
  const op = await w('POST', '/api/v1/ledger', { kind: 'allocate', warehouse_id: wh.id, recipient_kind: 'region', recipient_region: GRID, recipient_name: '村', approver: '张', note: '拨', lines: [{ item_id: item.id, quantity: 10 }] });
  await w('POST', '/api/v1/ledger', { kind: 'adjust', warehouse_id: wh.id, reason_code: 'damaged', approver: '张', note: '损', lines: [{ item_id: item.id, quantity: -1 }] },
    { plain: ['recipient_kind', 'recipient_name'] }); // only for allocations: refused under recipient_name
  await w('POST', `/api/v1/ledger/${op.id}/reverse`, { approver: '张', note: '冲' }, { pattern: '/api/v1/ledger/{id}/reverse' });
  const req = await w('POST', '/api/v1/supply-requests', { requester_kind: 'region', region_code: GRID, requester_name: '村', note: '急', lines: [{ item_id: item.id, quantity: 5 }] });
  await w('POST', '/api/v1/supply-requests', { requester_kind: 'region', region_code: GRID, requester_name: '村二', note: '急', lines: [{ item_id: item.id, quantity: 5 }] });
  await w('POST', `/api/v1/supply-requests/${req.id}/fulfil`, { warehouse_id: wh.id, note: '发', lines: [{ item_id: item.id, quantity: 5 }] }, { pattern: '/api/v1/supply-requests/{id}/fulfil' });
  const entry = await w('POST', '/api/v1/fund-entries', { account_id: account.id, direction: 'out', amount_fen: 100, purpose: '购', approver: '张' });
  await w('POST', '/api/v1/fund-entries', { account_id: account.id, direction: 'out', amount_fen: 200, purpose: '购二', approver: '张' });
  await w('POST', `/api/v1/fund-entries/${entry.id}/reverse`, { approver: '张' }, { pattern: '/api/v1/fund-entries/{id}/reverse' });

  // Command: levels, directives and replies, inspections, findings, broadcasts, bulletins.
  const dir = await w('POST', '/api/v1/directives', { title: '通知', body: '正文', target_region: COUNTY, target_level: 'village', deadline: day(2) });
  rec.directive = dir.id;
  await w('POST', `/api/v1/directives/${dir.id}/replies`, { body: '收到' },
    { pattern: '/api/v1/directives/{id}/replies', client: await srv.as('grid_worker', VILLAGE) }); // a receiving unit
  await w('POST', '/api/v1/response-levels', { region_code: COUNTY, level: 1, effective_date: day(-1), directive_id: dir.id, note: '一级' });
  const insp = await w('POST', '/api/v1/inspections', { region_code: COUNTY, unit: '督查组', inspected_on: day(0), summary: '总结',
    findings: [{ category: 'duty', description: '无人', responsible_unit: '镇', region_code: TOWN, deadline: day(1) },
      { category: 'duty', description: '无人二', responsible_unit: '镇二', region_code: TOWN, deadline: day(1) }] });
  rec.inspection = insp.id;
  const findings = (await root.get(`/api/v1/findings?region=${COUNTY}`)).body.items;
  await w('POST', `/api/v1/findings/${findings[0].id}/rectify`, { evidence_note: '已整改' }, { pattern: '/api/v1/findings/{id}/rectify' });
  await w('POST', `/api/v1/findings/${findings[0].id}/verify`, {}, { pattern: '/api/v1/findings/{id}/verify' });
  const bc = await w('POST', '/api/v1/broadcasts', { region_code: COUNTY, title: '广播', body: '请戴口罩' });
  await w('POST', `/api/v1/broadcasts/${bc.id}/ack`, { region_code: VILLAGE }, { pattern: '/api/v1/broadcasts/{id}/ack' });
  await w('POST', '/api/v1/bulletins', { region: COUNTY, date: day(-1) });
  await w('PUT', `/api/v1/grid-duties/${GRID}`, { responsible_person_id: p7, helper_person_ids: [p8] }, { pattern: '/api/v1/grid-duties/{code}' });
  void srv;
}

// ---- the browser side -------------------------------------------------------------

// Runs in every page before its own scripts: records every hostile element
// that appears, CSP violations and the tokens of the text shown.
function watch() {
  window.__xssSeen = [];
  window.__xssTokens = [];
  const note = (text) => {
    for (const m of String(text ?? '').matchAll(/@(\d+)@/g)) window.__xssTokens.push(m[1]);
  };
  const bad = (el) => {
    const tag = el.tagName.toLowerCase();
    if (el.id === 'xss-marker') return `#xss-marker <${tag}>`;
    if (tag === 'xss') return '<xss>';
    if (tag === 'script' && !el.src && el.type !== 'importmap') return `inline <script>${el.textContent.slice(0, 40)}`;
    for (const a of el.attributes) if (/^on/i.test(a.name)) return `<${tag} ${a.name}=${a.value.slice(0, 40)}>`;
    return null;
  };
  const scan = (node) => {
    if (node.nodeType === 3) return note(node.data);
    if (node.nodeType !== 1) return;
    for (const el of [node, ...node.querySelectorAll('*')]) {
      const b = bad(el);
      if (b) window.__xssSeen.push(`${b} in ${(el.parentElement?.className || el.parentElement?.tagName || '').toString().slice(0, 40)}`);
    }
    note(node.textContent);
    if (node.title) note(node.title);
  };
  new MutationObserver((ms) => {
    for (const m of ms) {
      if (m.type === 'characterData') note(m.target.data);
      else m.addedNodes.forEach(scan);
    }
  }).observe(document, { childList: true, subtree: true, characterData: true });
  document.addEventListener('securitypolicyviolation', (e) => window.__xssSeen.push(`CSP ${e.violatedDirective}: ${e.sample}`));
}

// Requests in flight (the event stream aside), for waiting until a page is quiet.
function trackRequests(page) {
  const pending = new Set();
  page.on('request', (r) => !r.url().includes('/api/v1/events') && pending.add(r));
  page.on('requestfinished', (r) => pending.delete(r));
  page.on('requestfailed', (r) => pending.delete(r));
  // Quiet: nothing in flight for "quiet" ms and no loading indicator; false
  // when that never happens within "max" ms.
  page.settle = async ({ quiet = 40, max = 8000 } = {}) => {
    const end = Date.now() + max;
    let since = Date.now();
    while (Date.now() < end) {
      if (pending.size > 0) since = Date.now();
      else if (Date.now() - since >= quiet) {
        const busy = await page.evaluate(() => !!document.querySelector('.loading')).catch(() => false);
        if (!busy) return true;
        since = Date.now();
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  };
}

let srv, browser;
const problems = []; // every finding of the sweep, reported together
const visits = []; // [role, url] visited
const csp = new Map(); // document url -> its CSP header
const shownTokens = new Set();
const dialogs = [];

async function newPage(role) {
  const page = await openPage(browser, srv);
  await page.context().addInitScript(watch);
  if (sessions[role]) {
    const [name, value] = sessions[role].split('=');
    await page.context().addCookies([{ name, value, url: srv.url }]);
  }
  trackRequests(page);
  page.on('dialog', async (d) => {
    dialogs.push(`${role} ${page.url()}: ${d.type()} ${d.message()}`);
    await d.dismiss().catch(() => {});
  });
  return page;
}

// Every chart of the page: the mouse over a grid of points on each canvas,
// then every data item's tooltip shown through ECharts itself (a grid of
// moves can miss a thin bar; showTip cannot).  Returns the charts hovered.
async function hoverCharts(page) {
  const canvases = page.locator('canvas');
  const n = await canvases.count();
  let hovered = 0;
  for (let i = 0; i < n; i++) {
    const c = canvases.nth(i);
    await c.scrollIntoViewIfNeeded().catch(() => {});
    const box = await c.boundingBox();
    if (!box || box.width < 20 || box.height < 20) continue;
    hovered++;
    const cols = 2;
    const rows = 3;
    for (let r = 0; r < rows; r++)
      for (let k = 0; k < cols; k++)
        await page.mouse.move(box.x + (box.width * (k + 0.5)) / cols, box.y + (box.height * (r + 0.5)) / rows);
  }
  if (hovered === 0) return 0;
  await page.mouse.move(0, 0);
  const tips = await page.evaluate(() => {
    let count = 0;
    for (const el of document.querySelectorAll('[_echarts_instance_]')) {
      const chart = window.echarts?.getInstanceByDom(el);
      if (!chart) continue;
      const option = chart.getOption();
      const axis = option.tooltip?.[0]?.trigger === 'axis'; // one tooltip shows every series
      (option.series ?? []).forEach((s, seriesIndex) => {
        if (axis && seriesIndex > 0) return;
        const data = s.data ?? [];
        // the first 50 items of a series (a curve of many days holds no names)
        for (let dataIndex = 0; dataIndex < Math.min(50, data.length); dataIndex++, count++) chart.dispatchAction({ type: 'showTip', seriesIndex, dataIndex });
        for (let dataIndex = 0; dataIndex < (s.links ?? s.edges ?? []).length; dataIndex++, count++)
          chart.dispatchAction({ type: 'showTip', seriesIndex, dataIndex, dataType: 'edge' });
      });
      chart.dispatchAction({ type: 'hideTip' });
    }
    return count;
  });
  return `${hovered} (${tips} tooltips)`;
}

const isApp = (url) => !/^\/(public|api)\//.test(url);

// Opens "url" as "role" in "page" (a page of the app by the app's own
// navigation once it runs, like a click on a link; others by loading them):
// waits until quiet, hovers the charts, records what was found; returns the
// same-origin links the page shows.
async function visit(role, page, url) {
  const first = page.errors.length;
  const t0 = Date.now();
  const where = `${role} ${url}`;
  try {
    if (isApp(url) && page.url().startsWith(srv.url) && isApp(new URL(page.url()).pathname)) {
      await page.evaluate((u) => {
        window.__xssSeen.length = 0;
        history.pushState(null, '', u);
        dispatchEvent(new PopStateEvent('popstate'));
      }, url);
      const doc = await fetch(srv.url + url); // the document a reload would get
      await doc.arrayBuffer();
      csp.set(url, doc.headers.get('content-security-policy'));
    } else {
      const res = await page.goto(url, { waitUntil: 'domcontentloaded' });
      if ((res?.headers()['content-type'] ?? '').startsWith('text/html')) csp.set(url, res.headers()['content-security-policy'] ?? null);
    }
  } catch (e) {
    problems.push(`${where}: ${e.message.split('\n')[0]}`);
    return [];
  }
  visits.push([role, url]);
  if (!(await page.settle())) problems.push(`${where}: still loading after 8 s`);
  // A chart draws once ECharts has loaded: wait for each chart's canvas.
  await page.waitForFunction(() => [...document.querySelectorAll('.chart, .dash-chart')].every((c) => c.querySelector('canvas')), null, { timeout: 4000 })
    .catch(() => problems.push(`${where}: a chart never drew`));
  const t1 = Date.now();
  const charts = await hoverCharts(page);
  if (charts) await page.settle();
  const t2 = Date.now();
  const state = await page.evaluate(() => ({
    xss: window.__xss,
    seen: window.__xssSeen ?? [],
    tokens: [...new Set([...(window.__xssTokens ?? []), ...[...document.body.innerText.matchAll(/@(\d+)@/g)].map((m) => m[1])])],
    marker: !!document.querySelector('#xss-marker, xss'),
    onAttr: [...document.querySelectorAll('*')].filter((el) => [...el.attributes].some((a) => /^on/i.test(a.name))).map((el) => el.outerHTML.slice(0, 80)),
    error: [...document.querySelectorAll('main div.error')].map((e) => e.textContent.trim().slice(0, 120)).filter(Boolean),
    notFound: document.querySelector('main h1')?.textContent.trim() === '页面不存在',
    links: [...document.querySelectorAll('a[href]')].filter((a) => !a.hasAttribute('download')).map((a) => a.href),
  }));
  if (process.env.XSS_DEBUG) console.log(`# ${where}: load ${t1 - t0} ms, charts ${charts} hovered in ${t2 - t1} ms, checked in ${Date.now() - t2} ms`);
  if (state.xss !== undefined) problems.push(`${where}: window.__xss = ${state.xss}`);
  for (const s of state.seen) problems.push(`${where}: ${s}`);
  if (state.marker) problems.push(`${where}: an injected element is in the page`);
  for (const s of state.onAttr) problems.push(`${where}: element with an on* attribute: ${s}`);
  for (const s of state.error) problems.push(`${where}: error box: ${s}`);
  if (state.notFound) problems.push(`${where}: page not found`);
  for (const e of page.errors.slice(first)) if (!/api\/v1\/events.*ERR_ABORTED/.test(e)) problems.push(`${where}: ${e}`);
  state.tokens.forEach((t) => shownTokens.add(t));
  const origin = new URL(srv.url).origin;
  return state.links.filter((h) => h.startsWith(origin)).map((h) => h.slice(origin.length));
}

// The shape of a link: numbers by their length (a county's page and a grid's
// differ, two grids' do not), query keys without values but the tab or box
// (a tab is a page of its own).
function shape(href) {
  const u = new URL(href, 'http://x');
  const keys = [...u.searchParams].map(([k, v]) => (['tab', 'box'].includes(k) ? `${k}=${v}` : k)).sort().join('&');
  return `${u.pathname.replace(/\d+/g, (d) => `N${d.length}`)}?${keys}`;
}
const SKIP_LINK = /\.(csv|xlsx)(\?|$)|\/audio(\?|$)|format=xlsx/;

const sessions = {}; // role -> the session cookie of "<role>_4311"
before(async () => {
  const t = [Date.now()];
  const launching = launch(); // starts while the city is built
  srv = await startServer();
  root = await buildCity(srv);
  openapi = (await root.get('/api/v1/openapi.json')).body;
  t.push(Date.now());
  await buildHostileCity(srv);
  t.push(Date.now());
  // Logged in through the API (the login form is tested elsewhere), all at once.
  // Each role's display name is markup too: the header shows it on every page.
  for (const role of ROLES) srv.user(role, '4311', { displayName: payload('epigrid user add --name', 40) });
  t.push(Date.now());
  await Promise.all(ROLES.map(async (role) => {
    sessions[role] = (await srv.login(`${role}_4311`, PASSWORD)).cookie;
  }));
  t.push(Date.now());
  browser = await launching;
  t.push(Date.now());
  if (process.env.XSS_DEBUG) console.log(`# before: ${t.slice(1).map((x, i) => x - t[i]).join(' / ')} ms (server+city, hostile city, users, logins, browser)`);
});
after(async () => {
  await browser?.close();
  await srv?.stop();
  console.log(`# xss_sweep: ${((Date.now() - T0) / 1000).toFixed(1)} s wall time`);
});

test('every free-text field of every write route was sent hostile (or refused as markup)', () => {
  const writes = Object.entries(openapi.paths).flatMap(([p, ops]) =>
    Object.keys(ops).filter((m) => ['post', 'put', 'patch'].includes(m)).map((m) => `${m.toUpperCase()} ${p}`));
  const missing = [];
  for (const op of writes) {
    if (SKIPPED[op]) continue;
    const [method, pattern] = op.split(' ');
    for (const { field, schema } of stringFields(method, pattern)) {
      if (structural(field, schema)) continue;
      const key = `${op} ${field}`;
      if (!attacked.has(key) && !refused.has(key)) missing.push(key);
    }
  }
  assert.deepEqual(missing, [], 'free-text fields never sent hostile: call the route in buildHostileCity or add it to SKIPPED');
  assert.ok(attacked.size >= 60, `fields attacked: ${attacked.size}`);
  console.log(`# ${attacked.size} free-text fields sent hostile; refused as markup by the server: ${[...refused].join(', ') || 'none'}`);
});

// Before the sweep, so that the sweep also finds the hostile username on the admin's page.
test('security alerts: a burst of failed logins shows on the admin\'s alerts page, live, as text, in both languages', async () => {
  const page = await newPage('admin');
  await page.goto('/alerts/4311');
  const panel = page.locator('section.security-alerts');
  await panel.locator('p.empty').waitFor();
  await page.locator('.live.on').waitFor(); // the event stream is open
  // Someone guesses passwords for a username that is markup: five failures
  // from one address raise the alert (AUTH_THROTTLE_PER_USER_ADDRESS).
  const username = '<img src=x onerror=__xss=9 id=xss-marker>';
  const tries = await Promise.all([0, 1, 2, 3, 4].map((i) => srv.anon().post('/api/v1/session', { username, password: `wrong-${i}` })));
  for (const r of tries) assert.equal(r.status, 401, r.text);
  const row = panel.locator('tr.security-alert[data-kind=user_address]');
  await row.waitFor(); // without a reload: the security.login_burst event refreshed it
  assert.equal(await row.locator('td.username').textContent(), username);
  assert.equal(await row.locator('td.ip').textContent(), '127.0.0.1');
  assert.equal(await panel.locator('h2').textContent(), '安全警报');
  assert.equal(await row.locator('td').nth(1).textContent(), '同一账号从同一地址多次登录失败');
  await page.locator('.lang button[lang=en]').click();
  await panel.locator('h2', { hasText: 'Security alerts' }).waitFor();
  assert.equal(await row.locator('td').nth(1).textContent(), 'Repeated failed logins for one username from one address');
  await page.locator('.lang button[lang=zh-CN]').click();
  const state = await page.evaluate(() => ({ xss: window.__xss, seen: window.__xssSeen, marker: !!document.querySelector('#xss-marker') }));
  assert.deepEqual(state, { xss: undefined, seen: [], marker: false });
  assert.deepEqual(page.errors, []);
  await page.context().close();
  // A commander does not read the audit log: no security panel (and no such events).
  const commander = await newPage('commander');
  await commander.goto('/alerts/4311');
  await commander.locator('table.alert-list').waitFor();
  assert.equal(await commander.locator('section.security-alerts').count(), 0);
  await commander.context().close();
});

test('every page as every role, every chart hovered: no script runs, nothing is injected', async () => {
  const crawled = new Set(); // shapes of links visited below the navigation
  let linkChecks = 0;
  const sweepRole = async (role) => {
    const page = await newPage(role);
    // The home page first (it opens the role's own start page), then the navigation.
    const links = new Set(await visit(role, page, '/'));
    const home = new URL(page.url()).pathname;
    const nav = await page.locator('.mainnav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(nav.length > 0, `${role}: no navigation`);
    const done = new Set([...nav, '/']);
    for (const href of nav) if (href !== home) for (const l of await visit(role, page, href)) links.add(l);
    // One level down: each shape of link once, by the first role that shows it.
    for (const href of links) {
      if (done.has(href) || SKIP_LINK.test(href) || crawled.has(shape(href))) continue;
      done.add(href);
      crawled.add(shape(href));
      await visit(role, page, href);
    }
    // Every other link the role was shown must open a page for it too (the
    // app decides that on the route and the permissions alone, at once).
    const checked = new Set([...done].map(shape)); // the route decides: one link of a shape is enough
    const rest = [...links].filter((href) => !SKIP_LINK.test(href) && isApp(href) && !checked.has(shape(href)) && checked.add(shape(href)));
    const dead = await page.evaluate(async (hrefs) => {
      const out = [];
      for (const u of hrefs) {
        history.pushState(null, '', u);
        dispatchEvent(new PopStateEvent('popstate'));
        await new Promise((r) => requestAnimationFrame(() => setTimeout(r)));
        if (document.querySelector('main h1')?.textContent.trim() === '页面不存在') out.push(u);
      }
      return out;
    }, rest);
    for (const href of dead) problems.push(`${role} ${href}: page not found, yet the role is shown a link to it`);
    linkChecks += rest.length;
    await page.settle();
    await page.context().close();
  };
  // Two roles at a time (the machine has two cores): about half the time.
  const queue = [...ROLES];
  const lane = async () => {
    for (let role; (role = queue.shift());) await sweepRole(role);
  };
  await Promise.all([lane(), lane()]);
  // The public pages and the printable views, without a session.
  const anon = await newPage('public');
  for (const href of ['/public/bulletin', `/public/bulletin?region=${COUNTY}&date=${day(-1)}`, '/public/donations']) await visit('public', anon, href);
  await anon.context().close();
  const admin = await newPage('admin');
  for (const href of [`/api/v1/directives/${rec.directive}/print`, `/api/v1/inspections/${rec.inspection}/report`, `/api/v1/donations/${rec.donation}/certificate`])
    await visit('admin', admin, href);
  // The certificate's print button works under the CSP (an inline onclick did not).
  await admin.evaluate(() => { window.print = () => { window.__printed = true; }; });
  await admin.locator('button.print').click();
  assert.equal(await admin.evaluate(() => window.__printed), true, 'the certificate prints');
  await admin.context().close();

  console.log(`# ${visits.length} page visits (${new Set(visits.map((v) => shape(v[1]))).size} shapes), ${linkChecks} more links checked`);
  const missingCsp = [...csp].filter(([, v]) => !v || !/script-src 'self'/.test(v)).map(([k]) => k);
  console.log(`# CSP on ${csp.size - missingCsp.length} of ${csp.size} HTML documents`);
  const shownKeys = new Set([...sent].filter(([t]) => shownTokens.has(t)).map(([, k]) => k));
  const never = [...new Set(sent.values())].filter((k) => !shownKeys.has(k) && !refused.has(k));
  console.log(`# ${shownKeys.size} hostile fields shown as text on some page; never shown as text (or only drawn on a canvas): ${never.join(', ')}`);
  assert.deepEqual(dialogs, [], 'dialogs opened');
  assert.deepEqual(problems, []);
  assert.deepEqual(missingCsp, [], 'HTML documents without the CSP');
});
