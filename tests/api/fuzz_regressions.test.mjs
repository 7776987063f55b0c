// fuzz_regressions.test.mjs -- what tests/fuzz found, end to end: a body with
// a JSON syntax error next to multibyte characters used to get a 400 with an
// empty body (the error message held a cut UTF-8 character, so the reply
// could not be encoded); it now gets the error model with a readable message.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, assertError, epigrid, ROOT } from './lib.mjs';

const srv = await startServer();
after(async () => { await srv.stop(); });

test('malformed JSON near multibyte characters: 400 with the error model, in both languages', async () => {
  const admin = await srv.as('admin');
  const body = Buffer.concat([Buffer.from('{"name":"\\u'), Buffer.from('éééé', 'utf8'),
    Buffer.from([0xcb, 0xa9]), Buffer.from('é"}')]);
  // zh-CN says what is wrong in words, with no English in it; English keeps
  // jansson's text; the member whose value holds the bad escape is named.
  const cases = [
    [admin, /^JSON 格式错误\(第 1 行第 \d+ 列\):字符串中的转义序列无效/, '转义序列无效'],
    [admin.withLang('en'), /^malformed JSON \(line 1, column \d+\): invalid escape near /, 'invalid escape sequence'],
  ];
  for (const [client, re, field] of cases) {
    const snap = srv.snapshot();
    const r = await client.post('/api/v1/regions', body);
    assertError(assert, r, 400, 'invalid_input', ['name']);
    assert.match(r.body.error.message, re);
    assert.deepEqual(r.body.error.fields, [{ field: 'name', message: field }]);
    assert.equal(srv.snapshot(), snap);
  }
  assert.doesNotMatch((await admin.post('/api/v1/regions', body)).body.error.message.replace(/JSON/g, ''), /[A-Za-z]{2,}/);
  const login = await srv.anon().post('/api/v1/session', body);
  assertError(assert, login, 400, 'invalid_input');
});

// finding 11 (issue #16): GET /api/v1/applications?after=%27 once answered
// 500.  Every GET route of `epigrid routes` gets hostile values in its cursor,
// limit and in each query parameter its handler reads (found in the handler
// sources, following the static helpers it calls, so a new filter is fuzzed
// without touching this test): quotes, huge and negative numbers, 2^63,
// non-ASCII digits, invalid UTF-8, long strings.  None may answer 5xx.
const HOSTILE = ["'", "' OR '1'='1", '-1', '0', '9223372036854775807', '9223372036854775808', '-9223372036854775809',
  '99999999999999999999999999', '1e309', '1.5', ' 1', '0x10', '１２３', '永州', '\u202e1',
  '%C3%28', '%FF%FE', 'a:1', '4311:-1', '4311:9223372036854775808', '9223372036854775807:1', ':',
  'x'.repeat(3000)];

// handler name -> the query parameter names it (or a static helper it calls) reads.
function queryParamsByHandler() {
  const dir = path.join(ROOT, 'src/http/handlers');
  const bodies = new Map();
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.c'))) {
    const text = readFileSync(path.join(dir, f), 'utf8');
    for (const m of text.matchAll(/^[a-z][^\n;]*?\b(\w+)\([^;{]*?\)\n\{\n([\s\S]*?)\n\}\n/gm))
      bodies.set(m[1], m[2]);
  }
  const server = readFileSync(path.join(ROOT, 'src/http/server.c'), 'utf8');
  const known = new Set();
  for (const text of [...bodies.values(), server])
    for (const m of text.matchAll(/http_query(?:_id)?\(req, "(\w+)"/g)) known.add(m[1]);
  for (const m of readFileSync(path.join(dir, 'duty.c'), 'utf8').matchAll(/kinds\[\] = \{([^}]*)\}/g))
    for (const s of m[1].matchAll(/"(\w+)"/g)) known.add(s[1]);
  const params = (name, seen = new Set()) => {
    if (seen.has(name) || !bodies.has(name)) return new Set();
    seen.add(name);
    const body = bodies.get(name);
    const out = new Set([...known].filter((k) => body.includes(`"${k}"`)));
    if (/http_list_params\(/.test(body)) { out.add('cursor'); out.add('limit'); }
    for (const m of body.matchAll(/\b(\w+)\(/g)) for (const p of params(m[1], seen)) out.add(p);
    return out;
  };
  return { params, known };
}

test('finding 11: hostile cursors and filters on every GET route never answer 5xx', async () => {
  const table = JSON.parse(epigrid(['routes']).stdout).routes.filter((r) => r.method === 'GET');
  const handlerOf = new Map();
  for (const m of readFileSync(path.join(ROOT, 'src/http/routes.c'), 'utf8').matchAll(/\{"GET", "([^"]+)", (\w+),/g))
    handlerOf.set(m[1], m[2]);
  const { params, known } = queryParamsByHandler();
  assert.ok(known.size >= 30, `query parameters found in the handlers: ${[...known]}`);
  const admin = await srv.as('admin');
  const fill = { code: '4311', id: '1', person_id: '1', user: 'admin_4311' };
  const jobs = [];
  let withFilters = 0;
  for (const r of table) {
    const names = new Set(['cursor', 'limit', ...params(handlerOf.get(r.pattern))]);
    if (names.size > 2) withFilters++;
    const base = r.pattern.replace(/\{(\w+)\}/g, (_, k) => fill[k]);
    for (const v of HOSTILE) {
      const value = v.startsWith('%') ? v : encodeURIComponent(v);
      for (const n of names) jobs.push(`${base}?${n}=${value}`);
      jobs.push(`${base}?${[...names].map((n) => `${n}=${value}`).join('&')}`);
    }
  }
  assert.ok(withFilters >= 30, `routes with filters: ${withFilters}`);
  const failures = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const url = jobs[next++];
      const ac = new AbortController();
      const res = await fetch(srv.url + url, { headers: { Cookie: admin.cookie }, signal: ac.signal });
      if (res.status >= 500) failures.push(`${url.slice(0, 200)} -> ${res.status} ${(await res.text()).slice(0, 200)}`);
      else ac.abort(); // the event stream never ends; no body is needed
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  assert.deepEqual(failures, [], `${failures.length} of ${jobs.length} requests failed`);
});
