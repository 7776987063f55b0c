// fuzz_regressions.test.mjs -- what tests/fuzz found, end to end: a body with
// a JSON syntax error next to multibyte characters used to get a 400 with an
// empty body (the error message held a cut UTF-8 character, so the reply
// could not be encoded); it now gets the error model with a readable message.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';

const srv = await startServer();
after(async () => { await srv.stop(); });

test('malformed JSON near multibyte characters: 400 with the error model, in both languages', async () => {
  const admin = await srv.as('admin');
  const body = Buffer.concat([Buffer.from('{"name":"\\u'), Buffer.from('éééé', 'utf8'),
    Buffer.from([0xcb, 0xa9]), Buffer.from('é"}')]);
  for (const [client, re] of [[admin, /JSON 格式错误/], [admin.withLang('en'), /malformed JSON/]]) {
    const snap = srv.snapshot();
    const r = await client.post('/api/v1/regions', body);
    assertError(assert, r, 400, 'invalid_input');
    assert.match(r.body.error.message, re);
    assert.equal(srv.snapshot(), snap);
  }
  const login = await srv.anon().post('/api/v1/session', body);
  assertError(assert, login, 400, 'invalid_input');
});
