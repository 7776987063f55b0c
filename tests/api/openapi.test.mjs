// openapi.test.mjs -- the OpenAPI document (GET /api/v1/openapi.json and
// `epigrid openapi`) describes the server as it behaves.  The document is made
// from the route table and the body specs the handlers check with; this test
// holds it to the server's answers: every route is there with its permission,
// and for every request body the server refuses exactly what the document
// says -- an unknown member, each required member, and the required members
// of the objects inside a list -- field by field.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, epigrid, Client } from './lib.mjs';

let srv, admin, doc, routes;

before(async () => {
  srv = await startServer();
  admin = await srv.token('admin', '4311');
  const r = await new Client(srv.url).get('/api/v1/openapi.json');
  assert.equal(r.status, 200, r.text);
  doc = r.body;
  routes = JSON.parse(epigrid(['routes']).stdout).routes;
});
after(async () => { await srv.stop(); });

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

test('each request body is refused as the document says: unknown and required members, also inside lists', async () => {
  const checked = [];
  for (const [pattern, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const schema = op.requestBody?.content['application/json'].schema;
      if (!schema) continue;
      const body = { zz_unknown: 1 };
      const want = new Set(['zz_unknown', ...(schema.required ?? [])]);
      // one empty object in each list of objects: its required members by path
      for (const [name, prop] of Object.entries(schema.properties)) {
        if (prop.type === 'array' && prop.items.type === 'object' && prop.items.required && !schema.required?.includes(name)) {
          body[name] = [{}];
          for (const m of prop.items.required) want.add(`${name}[0].${m}`);
        }
      }
      const r = await admin.req(method.toUpperCase(), fill(pattern), body);
      const key = `${method.toUpperCase()} ${pattern}`;
      assert.equal(r.status, 400, `${key}: ${r.text}`);
      const got = new Set(r.body.error.fields.map((f) => f.field));
      for (const f of want) assert.ok(got.has(f), `${key}: the document says ${f} is refused, the server named ${[...got]}`);
      const unknown = r.body.error.fields.find((f) => f.field === 'zz_unknown');
      assert.match(unknown.message, /未知字段/, key);
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
