// openapi.test.mjs -- the OpenAPI document (GET /api/v1/openapi.json and
// `epigrid openapi`) describes the server as it behaves.  The document is made
// from the route table and the body specs the handlers check with; this test
// holds it to the server's answers: every route is there with its permission,
// and for every request body the server refuses exactly what the document
// says -- an unknown member, each required member, and the required members
// of the objects inside a list or nested -- field by field, and every member it answers
// 必填 to in a body without it is required in the document, and each member
// required only under a condition on another is if/then in the document, refused
// without it by the server and by ajv, taken when the condition is not met, and
// each "one of these members" rule is anyOf / oneOf, a body with none (or two of a
// oneOf) refused by both, one taken; every query parameter with
// a type, bounds, values or a pattern is refused with a bad value and taken
// with each of its values; every route says what it does in Chinese and
// English and what it answers.  (Every request of the API suite is also
// validated against the document: tests/api/lib.mjs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { startServer, epigrid, Client, day, makeId, expectOpenapiMismatch } from './lib.mjs';

let srv, admin, doc, docText, routes;

before(async () => {
  srv = await startServer();
  admin = await srv.token('admin', '4311');
  const r = await new Client(srv.url).get('/api/v1/openapi.json');
  assert.equal(r.status, 200, r.text);
  doc = r.body;
  docText = r.text;
  routes = JSON.parse(epigrid(['routes']).stdout).routes;
});
after(async () => { await srv.stop(); });

// The grid 431122101201001 and the regions above it, made once.
let gridMade = null;
const GRID = '431122101201001';
function grid() {
  gridMade ??= (async () => {
    for (const code of ['431122', '431122101', '431122101201', GRID]) {
      const r = await admin.post('/api/v1/regions', { code, name: `地区${code}` });
      assert.ok(r.status === 201 || r.status === 409, r.text);
    }
  })();
  return gridMade;
}

// A value for each path parameter: the handlers parse it before the body.
const fill = (pattern) => pattern.replace('{code}', '4311').replace('{user}', 'admin').replace(/\{\w+\}/g, '1');

test('the document is OpenAPI 3.1, served without login and printed by the CLI alike', () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.ok(doc.info.version);
  assert.deepEqual(JSON.parse(epigrid(['openapi']).stdout), doc);
});

test('every route is described with its permission and the roles that hold it', () => {
  const roles = JSON.parse(epigrid(['routes']).stdout).roles;
  for (const r of routes) {
    const op = doc.paths[r.pattern]?.[r.method.toLowerCase()];
    assert.ok(op, `${r.method} ${r.pattern} missing from the document`);
    assert.equal(op['x-permission'], r.perm, `${r.method} ${r.pattern}`);
    const holders = Object.keys(roles).filter((role) => roles[role].includes(r.perm));
    assert.deepEqual(op['x-roles'], holders, `${r.method} ${r.pattern}`);
    for (const name of r.pattern.match(/\{\w+\}/g) ?? [])
      assert.ok(op.parameters.some((p) => `{${p.name}}` === name && p.in === 'path'), `${r.pattern} ${name}`);
    // every reference the route table declares is marked in the body schema
    for (const ref of r.refs) {
      const path = ref.field.replace(/\[\]/g, '.[]').split('.');
      let s = op.requestBody.content['application/json'].schema;
      for (const part of path) s = part === '[]' ? s.items : s.properties[part];
      assert.equal(s['x-refers-to'], ref.kind, `${r.pattern} ${ref.field}`);
    }
  }
  const described = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
  assert.equal(described, routes.length, 'no operation the route table does not have');
});

test('each request body is refused as the document says: unknown and required members, also inside lists and nested objects', async () => {
  const checked = [];
  for (const [pattern, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const schema = op.requestBody?.content['application/json'].schema;
      if (!schema) continue;
      const body = { zz_unknown: 1 };
      const want = new Set(['zz_unknown', ...(schema.required ?? [])]);
      // one empty object in each list of objects, and each optional nested object empty:
      // their required members by path
      for (const [name, prop] of Object.entries(schema.properties)) {
        if (prop.type === 'array' && prop.items.type === 'object' && prop.items.required && !schema.required?.includes(name)) {
          body[name] = [{}];
          for (const m of prop.items.required) want.add(`${name}[0].${m}`);
        } else if ([prop.type].flat().includes('object') && prop.required && !schema.required?.includes(name)) {
          body[name] = {};
          for (const m of prop.required) want.add(`${name}.${m}`);
        }
      }
      const r = await admin.req(method.toUpperCase(), fill(pattern), body);
      const key = `${method.toUpperCase()} ${pattern}`;
      assert.equal(r.status, 400, `${key}: ${r.text}`);
      const got = new Set(r.body.error.fields.map((f) => f.field));
      for (const f of want) assert.ok(got.has(f), `${key}: the document says ${f} is refused, the server named ${[...got]}`);
      const unknown = r.body.error.fields.find((f) => f.field === 'zz_unknown');
      assert.match(unknown.message, /未知字段/, key);
      // and the other way round: what the server says is missing, the document requires
      for (const f of r.body.error.fields.filter((x) => x.message === '必填' && schema.properties[x.field])) {
        assert.ok(schema.required?.includes(f.field), `${key}: the server requires ${f.field}, the document has it optional`);
      }
      checked.push(key);
    }
  }
  const bodies = routes.filter((r) => doc.paths[r.pattern][r.method.toLowerCase()].requestBody).length;
  assert.equal(checked.length, bodies);
  assert.ok(checked.length >= 50, `write routes with a body: ${checked.length}`);
});

test('limits in the document are the server\'s: a string one character too long is refused', async () => {
  const op = doc.paths['/api/v1/orgs'].post;
  const schema = op.requestBody.content['application/json'].schema;
  const max = schema.properties.name.maxLength;
  assert.ok(max > 0);
  const r = await admin.post('/api/v1/orgs', { name: '党'.repeat(max + 1), kind: 'regular', region_code: '431122101201001', founded_date: '2020-01-01' });
  assert.equal(r.status, 400, r.text);
  assert.deepEqual(r.body.error.fields.map((f) => f.field), ['name']);
  assert.equal(schema.additionalProperties, false);
});

test('every route says what it does in Chinese and in English', () => {
  for (const r of routes) {
    const op = doc.paths[r.pattern][r.method.toLowerCase()];
    const key = `${r.method} ${r.pattern}`;
    const zh = op['x-summary']?.['zh-CN'], en = op['x-summary']?.en;
    assert.match(zh ?? '', /[\u4e00-\u9fff]/, `${key}: no Chinese description in the route table`);
    assert.match(en ?? '', /^[A-Z][\x20-\x7e\u2026]+$/, `${key}: no English description in the route table`);
    assert.equal(op.summary, `${zh} / ${en}`, key);
    assert.ok(op.tags?.length === 1, key);
  }
  // each group of routes says what it is about, in both languages
  for (const t of doc.tags) assert.match(t.description ?? '', /[\u4e00-\u9fff].* \/ [A-Z]/, `group ${t.name}`);
});

test('answers are described: the success of each route, and errors by the error model', () => {
  const { schemas, responses } = doc.components;
  assert.deepEqual(schemas.Error.required, ['error']);
  assert.deepEqual(schemas.Error.properties.error.required, ['code', 'message', 'fields']);
  assert.deepEqual(schemas.Error.properties.error.properties.fields.items.required, ['field', 'message']);
  // one answer per error code, its code fixed
  const codes = { 400: 'invalid_input', 401: 'unauthenticated', 403: 'forbidden', 404: 'not_found', 409: 'conflict',
    413: 'too_large', 415: 'unsupported_media_type', 422: 'rule_violation', 429: 'too_many_requests', 500: 'internal', 503: 'unavailable' };
  for (const r of routes) {
    const op = doc.paths[r.pattern][r.method.toLowerCase()];
    const key = `${r.method} ${r.pattern}`;
    const ok = Object.keys(op.responses).filter((s) => s < '300');
    assert.ok(ok.length >= 1 && ok.every((s) => s === '204' || Object.keys(op.responses[s].content ?? {}).length), `${key}: ${ok}`);
    const want = ['400', '404', '413', '429', ...(r.perm === 'public' ? [] : ['401', '403']), ...(r.method === 'GET' ? [] : ['409'])];
    for (const status of want) {
      const ref = op.responses[status]?.$ref;
      assert.ok(ref, `${key}: ${status} not described`);
      const answer = responses[ref.split('/').pop()];
      assert.equal(answer.content['application/json'].schema.allOf[1].properties.error.properties.code.const, codes[status], `${key} ${status}`);
    }
    // lists that take ?limit answer a page with its cursor
    if (op.parameters.some((p) => p.name === 'limit') && r.pattern !== '/api/v1/fund-accounts/{id}/entries' && r.pattern !== '/public/donations')
      assert.match(JSON.stringify(op.responses['200'].content['application/json'].schema), /schemas\/Page/, key);
  }
});

// A value the document refuses for "schema", or null when it refuses none.
function badValue(schema) {
  if (schema.type === 'integer') return schema.maximum !== undefined && schema.maximum < 1e9 ? String(schema.maximum + 1) : 'x1';
  if (schema.format === 'date') return '2020-13-01';
  if (schema.enum) return 'zz_bogus';
  if (schema.pattern) return 'zz!';
  if (schema.maxLength) return '名'.repeat(schema.maxLength + 1);
  return null;
}
// A good value of a required query parameter: ids that may name nothing (404 is fine), today.
const goodValue = (schema) => (schema.type === 'integer' ? '1' : schema.format === 'date' ? day(0) : 'x');

test('query parameters in the document are the server\'s: a bad value of each is refused naming it, each listed value is taken', async () => {
  const jobs = [];
  for (const [pattern, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (method !== 'get') continue;
      const query = op.parameters.filter((p) => p.in === 'query');
      const required = query.filter((p) => p.required);
      const url = (extra) => {
        const q = new URLSearchParams(extra);
        for (const p of required) if (!q.has(p.name)) q.set(p.name, goodValue(p.schema));
        return `${fill(pattern)}?${q}`;
      };
      for (const p of query) {
        const bad = badValue(p.schema);
        // ?date= of /leader-links is read with ?user= only (the leader's regions that day)
        const extra = pattern === '/api/v1/leader-links' && p.name === 'date' ? { user: 'admin_4311' } : {};
        if (bad !== null) jobs.push({ key: `${pattern} ?${p.name}=${bad}`, url: url({ ...extra, [p.name]: bad }), refused: p.name });
        for (const v of p.schema.enum ?? []) jobs.push({ key: `${pattern} ?${p.name}=${v}`, url: url({ ...extra, [p.name]: v }), taken: p.name });
      }
      for (const p of required) jobs.push({ key: `${pattern} without ${p.name}`, url: `${fill(pattern)}?${new URLSearchParams(required.filter((x) => x !== p).map((x) => [x.name, goodValue(x.schema)]))}`, refused: p.name });
    }
  }
  assert.ok(jobs.filter((j) => j.refused).length >= 80, `bad values sent: ${jobs.length}`);
  const wrong = [];
  await Promise.all([0, 1, 2, 3].map(async (w) => {
    for (let i = w; i < jobs.length; i += 4) {
      const j = jobs[i];
      const r = await admin.get(j.url);
      const named = (r.body?.error?.fields ?? []).map((f) => f.field);
      if (j.refused && !(r.status === 400 && named.includes(j.refused))) wrong.push(`${j.key}: ${r.status} ${r.text.slice(0, 160)}`);
      if (j.taken && r.status === 400 && named.includes(j.taken)) wrong.push(`${j.key} refused: ${r.text.slice(0, 160)}`);
    }
  }));
  assert.deepEqual(wrong, []);
});

test('the documentation page /api/docs is served from the binary, with swagger-ui', async () => {
  const anon = new Client(srv.url);
  const page = await anon.get('/api/docs');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  assert.match(page.text, /<html lang="zh-CN">/);
  assert.match(page.text, /epigrid API 文档/);
  // nothing from another origin: the page works offline
  assert.doesNotMatch(page.text, /(src|href)="(https?:)?\/\//);
  for (const asset of [...page.text.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((m) => m[1])) {
    const r = await anon.get(asset);
    assert.equal(r.status, 200, asset);
  }
  assert.match((await anon.get('/api-docs.js')).text, /\/api\/v1\/openapi\.json/);
});

test('the check of the API suite fails on answers and accepted requests that leave the document', async () => {
  // A stand-in server publishing the real document but answering beside it.
  // a person as the server answers one: the fakes below break it one way each
  await grid();
  const made = await admin.post('/api/v1/persons', { name: '张三', id_number: makeId(7), grid_code: GRID });
  assert.equal(made.status, 201, made.text);
  const person = made.body;
  const fake = createServer((req, res) => {
    const json = (status, body) => { res.writeHead(status, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(body)); };
    if (req.url === '/api/v1/openapi.json') { res.writeHead(200, { 'Content-Type': 'application/json' }); return res.end(docText); }
    if (req.url.startsWith('/api/v1/persons?')) return json(200, { items: [], next_cursor: null });
    if (req.url === '/api/v1/persons') return json(200, { items: 3 });
    if (req.url === '/api/v1/households/7') return json(200, { address: 'no id' });
    if (req.url === '/api/v1/persons/9') return json(200, { ...person, name: 5 });
    if (req.url === '/api/v1/persons/8') return json(200, { ...person, nickname: 'x' });
    if (req.url === '/api/v1/cases?limit=1') return json(200, { items: [{ id: 1 }], next_cursor: null });
    if (req.url === '/api/v1/regions') return json(400, { error: { code: 'invalid_input', message: 'x' } });
    if (req.url === '/api/v1/alerts/1/acknowledge') return json(409, { error: { code: 'not_found', message: 'x', fields: [] } });
    if (req.url === '/api/v1/health') { res.writeHead(200, { 'Content-Type': 'text/html' }); return res.end('<p>ok'); }
    return json(201, { id: 1 });
  });
  await new Promise((resolve) => fake.listen(0, '127.0.0.1', resolve));
  try {
    const c = new Client(`http://127.0.0.1:${fake.address().port}`);
    const cases = [
      [() => c.get('/api/v1/persons'), /answer 200: .*\/items must be array/],
      [() => c.get('/api/v1/households/7'), /must have required property 'id'/],
      // the record of an answer: each property's type, none beyond the table, the list's items too
      [() => c.get('/api/v1/persons/9'), /answer 200: \/name must be string/],
      [() => c.get('/api/v1/persons/8'), /answer 200: \/ must NOT have additional properties/],
      [() => c.get('/api/v1/cases?limit=1'), /answer 200: \/items\/0 must have required property 'person_id'/],
      [() => c.get('/api/v1/persons?zz_filter=1'), /query parameter zz_filter is not documented/],
      [() => c.get('/api/v1/persons?limit=501'), /limit="501": \/ must be <= 500/],
      [() => c.post('/api/v1/regions', { code: '431122' }), /does not follow the error model/],
      [() => c.post('/api/v1/households', { zz_unknown: 1 }), /answered 201 to a request the document refuses: body: .* must NOT have additional properties/],
      [() => c.post('/api/v1/alerts/1/acknowledge'), /error 409: \/error\/code must be equal to constant/],
      [() => c.get('/api/v1/health'), /answer of type text\/html is not documented/],
      [() => c.get('/api/v1/no-such-route'), /answered 201 to a request the document refuses: its path is not in the document/],
    ];
    for (const [request, want] of cases) assert.match((await expectOpenapiMismatch(request())).join(' | '), want);
  } finally {
    fake.close();
  }
});

test('each answer\'s record is a named schema with typed properties, referenced by its single, list and write answers', () => {
  const { schemas } = doc.components;
  const named = ['Person', 'Household', 'Region', 'Observation', 'HealthReport', 'Alert', 'Case', 'Contact', 'Team', 'Org',
    'Donation', 'LedgerEntry', 'Site', 'Round', 'Visit', 'User', 'Directive', 'Finding', 'Donor', 'Item', 'Warehouse', 'FundAccount'];
  for (const name of named) {
    const s = schemas[name];
    assert.ok(s, `components/schemas/${name}`);
    assert.match(s.description, /[\u4e00-\u9fff].* \/ [a-z]/, name);
    assert.equal(s.additionalProperties, false, name);
    assert.ok(Object.keys(s.properties).length >= 3, name);
    for (const [k, p] of Object.entries(s.properties)) assert.ok(p.type || p.$ref || p.anyOf, `${name}.${k} has no type`);
    for (const k of s.required) assert.ok(s.properties[k], `${name} requires ${k}`);
  }
  assert.deepEqual(schemas.Person.properties.phone.type, ['string', 'null']);
  assert.equal(schemas.Case.properties.outside_hospital.type, 'boolean');
  const answer = (m, p, status) => JSON.stringify(doc.paths[p][m].responses[status].content['application/json'].schema);
  for (const [m, p, status, name] of [['get', '/api/v1/persons', '200', 'Person'], ['get', '/api/v1/persons/{id}', '200', 'Person'],
    ['post', '/api/v1/persons', '201', 'Person'], ['patch', '/api/v1/persons/{id}', '200', 'Person'], ['get', '/api/v1/cases', '200', 'Case'],
    ['get', '/api/v1/alerts/{id}', '200', 'Alert'], ['get', '/api/v1/ledger', '200', 'LedgerEntry'], ['get', '/api/v1/donations/{id}', '200', 'Donation']])
    assert.match(answer(m, p, status), new RegExp(`"#/components/schemas/${name}"`), `${m} ${p}`);
  // a page of records: the envelope and its items
  const page = doc.paths['/api/v1/cases'].get.responses['200'].content['application/json'].schema.allOf;
  assert.equal(page[0].$ref, '#/components/schemas/Page');
  assert.equal(page[1].properties.items.items.$ref, '#/components/schemas/Case');
});

test('body fields that take a closed set list it, and the server takes each value and refuses others naming the field', async () => {
  const prop = (m, p, name) => doc.paths[p][m].requestBody.content['application/json'].schema.properties[name];
  // the lists are the core's: a few of them by name
  assert.deepEqual(prop('post', '/api/v1/observations', 'kind').enum, ['home', 'centralized', 'medical']);
  assert.deepEqual(prop('post', '/api/v1/cases', 'severity').enum, ['mild', 'moderate', 'severe', 'critical', null]);
  assert.deepEqual(prop('post', '/api/v1/health-reports', 'symptoms').items.enum.slice(0, 2), ['fever', 'cough']);
  assert.deepEqual(prop('post', '/api/v1/users', 'role').enum, Object.keys(JSON.parse(epigrid(['routes']).stdout).roles));
  const enums = Object.values(doc.paths).flatMap((item) => Object.values(item))
    .flatMap((op) => Object.values(op.requestBody?.content['application/json'].schema.properties ?? {}))
    .filter((p) => p.enum || p.items?.enum);
  assert.ok(enums.length >= 30, `body fields with a list: ${enums.length}`);
  await grid();
  const cases = [
    ...prop('post', '/api/v1/orgs', 'kind').enum.map((kind, i) => ['/api/v1/orgs', 'kind', kind,
      { name: `第${i}党支部`, kind, region_code: GRID, location: '茶亭社区', founded_date: '2020-01-01' }]),
    ...prop('post', '/api/v1/users', 'role').enum.map((role) => ['/api/v1/users', 'role', role,
      { username: `enum_${role}`, role, scope: '431122', password: 'Enum-pass-2026' }]),
  ];
  for (const [p, field, value, body] of cases) {
    const r = await admin.post(p, body);
    assert.equal(r.status, 201, `${p} ${field}=${value}: ${r.text}`);
    const bad = await admin.post(p, { ...body, [field]: 'zz_bogus', username: body.username && `${body.username}_x` });
    assert.equal(bad.status, 400, `${p} ${field}=zz_bogus`);
    assert.deepEqual(bad.body.error.fields.map((f) => f.field), [field], `${p} ${field}=zz_bogus: ${bad.text}`);
  }
});

// Where a rule's object lies in a body ("at"): "lines[]" the first object of
// the list "lines", "person" the nested object "person", none the body itself.
// Its schema in the body's, the object in a body, its path in ajv's errors,
// and a member's name as the server gives it ("lines[0].packs", "person.grid_code").
function within(body, at) {
  if (!at) return { object: body, pick: (b) => b, path: '', field: (m) => m };
  const list = at.endsWith('[]'), name = list ? at.slice(0, -2) : at;
  return {
    object: list ? body.properties[name].items : body.properties[name],
    pick: (b) => (list ? b[name][0] : b[name]),
    path: list ? `/${name}/0` : `/${name}`,
    field: (m) => (list ? `${name}[0].${m}` : `${name}.${m}`),
  };
}

// Members required only under a condition on another member of the same object
// (json_field.required_when, util/json.h), one row per rule of the core: the
// route, the object ("at", see within()), the member, the body meeting the
// condition without it ("when"), and the same body with the condition not met
// ("other"); "said" and "en" are the server's words for the missing member.
const conditional = (inbox) => {
  const ledger = { warehouse_id: 1, lines: [{ item_id: 1, quantity: 1 }] };
  const org = { name: '流动党支部', region_code: GRID, founded_date: '2020-01-01' };
  const visitPerson = { person_id: 1, fever: false, cough: false, contact_with_case: false };
  const contact = { source_case_id: 1, contact_type: 'household', last_contact_date: day(-1) };
  return [
    // core/supply_ledger.c op_check: by the operation's kind
    { route: 'POST /api/v1/ledger', field: 'approver', said: /^必填$/, en: /^is required$/,
      when: { ...ledger, kind: 'adjust', reason_code: 'count_loss' }, other: { ...ledger, kind: 'consume' } },
    { route: 'POST /api/v1/ledger', field: 'reason_code', said: /^须为/, en: /^must be count_gain/,
      when: { ...ledger, kind: 'adjust', approver: '王会计' }, other: { ...ledger, kind: 'receive', approver: '王会计' } },
    { route: 'POST /api/v1/ledger', field: 'to_warehouse_id', said: /调拨须填写调入仓库/, en: /required for a transfer/,
      when: { ...ledger, kind: 'transfer' }, other: { ...ledger, kind: 'consume' } },
    { route: 'POST /api/v1/ledger', field: 'recipient_name', said: /^必填$/, en: /^is required$/,
      when: { ...ledger, kind: 'allocate', recipient_kind: 'region', recipient_region: GRID },
      other: { ...ledger, kind: 'consume' } },
    { route: 'POST /api/v1/ledger', field: 'recipient_kind', said: /^须为/, en: /^must be region/,
      when: { ...ledger, kind: 'allocate', recipient_region: GRID, recipient_name: '茶亭社区' },
      other: { ...ledger, kind: 'receive' } },
    { route: 'POST /api/v1/ledger', field: 'recipient_region', said: /不是有效的地区编码/, en: /not a valid region code/,
      when: { ...ledger, kind: 'allocate', recipient_kind: 'region', recipient_name: '茶亭社区' },
      other: { ...ledger, kind: 'receive' } },
    // core/org.c org_insert: a mobile branch says where it serves
    { route: 'POST /api/v1/orgs', field: 'location', said: /^必填$/, en: /^is required$/, created: true,
      when: { ...org, kind: 'mobile' }, other: { ...org, kind: 'regular' } },
    // core/org.c org_application_create: a group applying together is named
    { route: 'POST /api/v1/applications', field: 'group_name', said: /^必填$/, en: /^is required$/,
      when: { org_id: 1, pledge: '请战', person_ids: [1, 2] }, other: { org_id: 1, pledge: '请战', person_ids: [1] } },
    // core/observation.c check_open_input: a centralized quarantine names its site
    { route: 'POST /api/v1/observations', field: 'site', said: /集中隔离须填写隔离点/, en: /required for centralized quarantine/,
      when: { person_id: 1, reason: 'contact', kind: 'centralized' }, other: { person_id: 1, reason: 'contact', kind: 'home' } },
    // core/screening.c check_input: a person back from a risk area says when
    { route: 'POST /api/v1/visits', at: 'persons[]', field: 'arrival_date', said: /从风险地区返回时必填/, en: /required when returned from a risk area/,
      when: { client_uuid: randomUUID(), round_id: 1, household_id: 1, members_present: 1, persons: [{ ...visitPerson, returned_from_risk: true }] },
      other: { client_uuid: randomUUID(), round_id: 1, household_id: 1, members_present: 1, persons: [{ ...visitPerson, returned_from_risk: false }] } },
    // core/person.c: a person without a household names the grid
    { route: 'POST /api/v1/persons', field: 'grid_code', said: /没有住户时必填/, en: /required when there is no household/,
      when: { name: '李四', id_number: makeId(31), household_id: null }, other: { name: '李四', id_number: makeId(32), household_id: 1 } },
    // ... also one registered with a close contact (core/contact.c contact_input_check, inline "person")
    { route: 'POST /api/v1/contacts', at: 'person', field: 'grid_code', said: /没有住户时必填/, en: /required when there is no household/,
      when: { ...contact, person: { name: '赵六', id_number: makeId(35) } },
      other: { ...contact, person: { name: '赵六', id_number: makeId(36), household_id: 1 } } },
    // core/region.c region_insert: without a code the parent says where
    { route: 'POST /api/v1/regions/bulk', at: 'items[]', field: 'parent', said: /未给出编码时必填/, en: /required when no code is given/,
      when: { items: [{ name: '新村', code: '' }] }, other: { items: [{ name: '新村', code: '431122101201002' }] } },
    // core/case.c case_create: the person, or the observation of the person
    { route: 'POST /api/v1/cases', field: 'person_id', said: /^必填/, en: /^is required \(or give observation_id\)/,
      when: { status: 'suspected' }, other: { status: 'suspected', observation_id: 1 } },
    // core/team.c team_insert: a leader, or members
    { route: 'POST /api/v1/teams', field: 'leader_person_id', said: /^必填/, en: /^is required \(or list members\)/,
      when: { name: '突击队', type: 'volunteer', org_id: 1, member_ids: [] }, other: { name: '突击队', type: 'volunteer', org_id: 1, member_ids: [1] } },
    // core/org_activity.c org_activity_create: a number, or the persons listed
    { route: 'POST /api/v1/org-activities', field: 'participants', said: /^必填/, en: /^is required \(or list the persons/,
      when: { org_id: 1, kind: 'meeting', title: '学习会' }, other: { org_id: 1, kind: 'meeting', title: '学习会', person_ids: [1] } },
    // core/assist.c open_observation (check_open_input): the receiver's centralized quarantine names its site
    { route: 'POST /api/v1/assist-requests/{id}/observe', url: inbox.url, client: inbox.receiver, field: 'site', said: /集中隔离须填写隔离点/, en: /required for centralized quarantine/,
      when: { kind: 'centralized' }, other: { kind: 'home' } },
    // core/checkpoint.c checkpoint_entry_check: without an ID number a name goes with a phone (two conditions)
    { route: 'POST /api/v1/checkpoints/{id}/entries', url: '/api/v1/checkpoints/1/entries', field: 'phone', said: /按姓名登记时必填/, en: /required with a name/,
      when: entry({ name: '张三', plate: '湘M12345' }), other: entry({ name: '张三', id_number: makeId(33) }) },
    { route: 'POST /api/v1/checkpoints/{id}/entries', url: '/api/v1/checkpoints/1/entries', field: 'name', said: /^必填/, en: /^is required$/,
      when: entry({ phone: '13900001234', plate: '湘M12345' }), other: entry({ phone: '13900001234', id_number: makeId(34) }) },
    // core/supply_donation.c supply_donation_create: goods go into a warehouse, money into a fund account
    { route: 'POST /api/v1/donations', field: 'warehouse_id', said: /捐赠物资须填写入库仓库/, en: /goods need a receiving warehouse/,
      when: { ...donation, lines: [{ item_id: 1, quantity: 5 }] }, other: { ...donation, money_fen: 100, account_id: 1 } },
    { route: 'POST /api/v1/donations', field: 'account_id', said: /捐赠款项须填写资金账户/, en: /money needs a fund account/,
      when: { ...donation, money_fen: 100 }, other: { ...donation, money_fen: 0, lines: [{ item_id: 1, quantity: 5 }], warehouse_id: 1 } },
  ];
};

// A 协查函 from county 431122 waiting in county 431124's inbox, with its
// receiver and the path of its observe: the rule of that body is the
// observation's, met only once the request is found.
async function assistInbox() {
  const county = '431124', contactGrid = '431124101201001';
  for (const code of [county, '431124101', '431124101201', contactGrid]) {
    const r = await admin.post('/api/v1/regions', { code, name: `地区${code}` });
    assert.ok(r.status === 201 || r.status === 409, r.text);
  }
  const person = async (name, idNumber, gridCode) => {
    const h = await admin.post('/api/v1/households', { grid_code: gridCode, address: `${name}家` });
    const p = await admin.post('/api/v1/persons', { name, id_number: idNumber, household_id: h.body.id });
    assert.equal(p.status, 201, p.text);
    return p.body.id;
  };
  const c = await admin.post('/api/v1/cases', { person_id: await person('病例甲', makeId(61), GRID), status: 'confirmed' });
  assert.equal(c.status, 201, c.text);
  const contactId = makeId(62, { area: county });
  await person('李四', contactId, contactGrid);
  const sent = await (await srv.as('health', '431122101')).post('/api/v1/assist-requests',
    { source_case_id: c.body.id, name: '李四', id_number: contactId, region_code: county, contact_type: 'household', last_contact_date: day(-1) });
  assert.equal(sent.status, 201, sent.text);
  return { receiver: await srv.as('health', county), url: `/api/v1/assist-requests/${sent.body.id}/observe` };
}

// A checkpoint entry with "over" (a new client_uuid each), and a donation's own members.
const entry = (over) => ({ client_uuid: randomUUID(), outcome: 'pass', ...over });
const donation = { donor_id: 1, receipt_no: 'JZ-2020-001', receiving_unit: '县红十字会' };

// ajv as the suite's check uses it (tests/api/lib.mjs): JSON Schema 2020-12.
function ajv2020() {
  const require = createRequire(new URL('../../web/package.json', import.meta.url));
  const Ajv2020 = require('ajv/dist/2020.js').default;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  require('ajv-formats').default(ajv);
  return ajv;
}

test('members required under a condition on another member are if/then in the document, and the server and ajv agree on each', async () => {
  await grid();
  const ajv = ajv2020();
  const rows = conditional(await assistInbox());
  assert.ok(rows.length >= 15);
  for (const row of rows) {
    const [method, pattern] = row.route.split(' ');
    const key = `${row.route} ${row.at ? `${row.at}.` : ''}${row.field}`;
    const body = doc.paths[pattern][method.toLowerCase()].requestBody.content['application/json'].schema;
    const { object, pick, path, field: named } = within(body, row.at);
    // (1) the object's schema has the rule: an if the condition meets and the other body does not
    const rules = [...(object.if ? [{ if: object.if, then: object.then }] : []), ...(object.allOf ?? [])];
    const rule = rules.find((r) => r.then?.required?.includes(row.field));
    assert.ok(rule, `${key}: no if/then requires it`);
    assert.ok(!object.required?.includes(row.field), `${key}: required always`);
    assert.equal(ajv.validate(rule.if, pick(row.when)), true, `${key}: the condition's body does not meet the if`);
    assert.equal(ajv.validate(rule.if, pick(row.other)), false, `${key}: the other body meets the if`);
    // (2) meeting the condition without it: refused by the document for it, and by the server
    // naming it in both languages
    const validate = ajv.compile(body);
    assert.equal(validate(row.when), false, `${key}: the document takes the body without it`);
    assert.ok(validate.errors.some((e) => e.keyword === 'required' && e.instancePath === path && e.params.missingProperty === row.field),
      `${key}: ${ajv.errorsText(validate.errors)}`);
    const field = named(row.field);
    const client = row.client ?? admin;
    for (const [asker, words] of [[client, row.said], [client.withLang('en'), row.en]]) {
      const refused = await asker.req(method, row.url ?? pattern, row.when);
      assert.equal(refused.status, 400, `${key}: ${refused.text}`);
      const said = refused.body.error.fields.find((f) => f.field === field);
      assert.ok(said, `${key}: the server did not name ${field}: ${refused.text}`);
      assert.match(said.message, words, key);
    }
    // (3) the condition not met: the document takes the body, the server does not ask for the member
    assert.equal(validate(row.other), true, `${key}: the other body: ${ajv.errorsText(validate.errors)}`);
    const taken = await client.req(method, row.url ?? pattern, row.other);
    assert.ok(!(taken.body?.error?.fields ?? []).some((f) => f.field === field), `${key}: the other body: ${taken.text}`);
    if (row.created) assert.equal(taken.status, 201, `${key}: ${taken.text}`);
  }
});

// "One of several members" rules (json_field.groups, util/json.h), one row per
// group of the core: the route ("url" when it has a parameter), the object
// ("at", see within()), anyOf (at least one)
// or oneOf (exactly one), the alternatives (each a set of members), the body
// with none of them ("none") and, for oneOf, with two ("two") -- each with the
// member the server names and its words in Chinese and English -- and bodies
// with one alternative each ("one").
const groups = () => {
  const assist = { source_case_id: 1, name: '李四', region_code: '431124', contact_type: 'household', last_contact_date: day(-1) };
  const contact = { contact_type: 'household', last_contact_date: day(-1) };
  const person = { name: '王五', id_number: makeId(51), grid_code: GRID };
  const ledger = (line) => ({ kind: 'receive', warehouse_id: 1, lines: [{ item_id: 1, ...line }] });
  const risk = { level: 'high', from_date: day(-1) };
  return [
    // core/assist.c check_input: the contact is found by an ID number or a phone
    { route: 'POST /api/v1/assist-requests', kind: 'anyOf', of: [['id_number'], ['phone']],
      none: { body: assist, field: 'id_number', zh: /身份证号和电话至少填一项/, en: /ID number or a phone/ },
      one: [{ ...assist, id_number: makeId(52) }, { ...assist, phone: '13900001111' }] },
    // core/contact.c contact_input_check: the person, known or registered now
    { route: 'POST /api/v1/contacts', kind: 'oneOf', of: [['person_id'], ['person']],
      none: { body: { ...contact, source_case_id: 1 }, field: 'person_id', zh: /须给出 person_id 或 person/, en: /exactly one of person_id and person/ },
      two: { body: { ...contact, source_case_id: 1, person_id: 1, person }, field: 'person_id', zh: /须给出 person_id 或 person/, en: /exactly one of person_id and person/ },
      one: [{ ...contact, source_case_id: 1, person_id: 1 }, { ...contact, source_case_id: 1, person }] },
    // ... and its source, a case or another contact
    { route: 'POST /api/v1/contacts', kind: 'oneOf', of: [['source_case_id'], ['source_contact_id']],
      none: { body: { ...contact, person_id: 1 }, field: 'source_case_id', zh: /须给出 source_case_id 或 source_contact_id 之一/, en: /exactly one of source_case_id and source_contact_id/ },
      two: { body: { ...contact, person_id: 1, source_case_id: 1, source_contact_id: 1 }, field: 'source_case_id',
        zh: /须给出 source_case_id 或 source_contact_id 之一/, en: /exactly one of source_case_id and source_contact_id/ },
      one: [{ ...contact, person_id: 1, source_case_id: 1 }, { ...contact, person_id: 1, source_contact_id: 1, source_case_id: null }] },
    // core/checkpoint.c checkpoint_entry_check: who passes
    { route: 'POST /api/v1/checkpoints/{id}/entries', url: '/api/v1/checkpoints/1/entries', kind: 'anyOf', of: [['id_number'], ['name', 'phone'], ['plate']],
      none: { body: entry({ origin: '长沙' }), field: 'id_number', zh: /应填身份证号、姓名加电话或车牌号之一/, en: /an ID number, a name and phone, or a vehicle plate/ },
      one: [entry({ id_number: makeId(53) }), entry({ name: '张三', phone: '13900001234' }), entry({ plate: '湘M12345', name: '' })] },
    // core/profile.c riskarea_check: a region by its code or a place by its name
    { route: 'POST /api/v1/risk-areas', kind: 'oneOf', of: [['region_code'], ['place']],
      none: { body: risk, field: 'region_code', zh: /地区编码与地名须且只须填一项/, en: /exactly one of region_code and place/ },
      two: { body: { ...risk, region_code: '431122', place: '茶亭小区' }, field: 'place', zh: /地区编码与地名须且只须填一项/, en: /exactly one of region_code and place/ },
      one: [{ ...risk, region_code: '431122' }, { ...risk, place: '茶亭小区', region_code: '' }] },
    // core/supply_ledger.c supply_lines_check: a line counts base units or packs (0 is none)
    { route: 'POST /api/v1/ledger', at: 'lines[]', kind: 'oneOf', of: [['quantity'], ['packs']],
      none: { body: ledger({}), field: 'quantity', zh: /数量\(quantity\)和包数\(packs\)须填一个/, en: /give quantity or packs/ },
      two: { body: ledger({ quantity: 5, packs: 2 }), field: 'packs', zh: /数量和包数只能填一个/, en: /quantity or packs, not both/ },
      one: [ledger({ quantity: 5 }), ledger({ packs: 2, quantity: 0 })] },
    // core/supply_donation.c supply_donation_create: goods, money, or both
    { route: 'POST /api/v1/donations', kind: 'anyOf', of: [['lines'], ['money_fen']],
      none: { body: { ...donation, money_fen: 0, lines: [] }, field: 'lines', zh: /捐赠须有物资或款项/, en: /goods or money/ },
      one: [{ ...donation, lines: [{ item_id: 1, quantity: 5 }], warehouse_id: 1 }, { ...donation, money_fen: 100, account_id: 1 }] },
  ];
};

test('"one of these members" rules are anyOf / oneOf in the document, and the server and ajv agree on each', async () => {
  await grid();
  const ajv = ajv2020();
  const rows = groups();
  assert.ok(rows.length >= 7);
  for (const row of rows) {
    const [method, pattern] = row.route.split(' ');
    const key = `${row.route} ${row.at ? `${row.at}.` : ''}${row.kind} ${row.of.map((a) => a.join('+')).join(' | ')}`;
    const body = doc.paths[pattern][method.toLowerCase()].requestBody.content['application/json'].schema;
    const { object, path, field: named } = within(body, row.at);
    // (1) the object's schema has the group: its alternatives, each a required set; none of them always required
    const group = [object, ...(object.allOf ?? [])].find((r) => r[row.kind]?.[0]?.required?.includes(row.of[0][0]));
    assert.ok(group, `${key}: no ${row.kind} in the document`);
    assert.deepEqual(group[row.kind].map((a) => a.required), row.of, key);
    for (const m of row.of.flat()) assert.ok(!object.required?.includes(m), `${key}: ${m} required always`);
    const validate = ajv.compile(body);
    // (2) none of them, or two of one oneOf: refused by the document for the group, and by the server naming the member in both languages
    for (const bad of [row.none, row.two].filter(Boolean)) {
      const what = `${key}: ${bad === row.none ? 'none' : 'two'}`;
      assert.equal(validate(bad.body), false, `${what}: the document takes it`);
      assert.ok(validate.errors.some((e) => e.keyword === row.kind && e.instancePath === path), `${what}: ${ajv.errorsText(validate.errors)}`);
      const field = named(bad.field);
      for (const [client, words] of [[admin, bad.zh], [admin.withLang('en'), bad.en]]) {
        const refused = await client.req(method, row.url ?? pattern, bad.body);
        assert.equal(refused.status, 400, `${what}: ${refused.text}`);
        const said = refused.body.error.fields.find((f) => f.field === field);
        assert.ok(said, `${what}: the server did not name ${field}: ${refused.text}`);
        assert.match(said.message, words, what);
      }
    }
    // (3) one alternative: the document takes it, the server does not say the group's words
    // (it may refuse the body for another reason: the records it names need not exist)
    for (const one of row.one) {
      assert.equal(validate(one), true, `${key}: ${JSON.stringify(one)}: ${ajv.errorsText(validate.errors)}`);
      const taken = await admin.req(method, row.url ?? pattern, one);
      const named = (taken.body?.error?.fields ?? []).filter((f) => [row.none, row.two].some((bad) => bad?.zh.test(f.message)));
      assert.deepEqual(named, [], `${key}: ${JSON.stringify(one)}: ${taken.text}`);
    }
  }
});
