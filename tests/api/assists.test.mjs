// assists.test.mjs -- cross-jurisdiction requests (协查函): a township health
// user names a close contact living in another county; the request reaches
// that county's inbox live, is acknowledged there (time measured), and the
// observation is opened there.  The sender sees what it entered and the
// status, never the record it was matched to.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServer, assertError, makeId, day } from './lib.mjs';
import { openStream } from './sse.mjs';

const A = '431122';        // the sender's county
const A_TOWN = '431122101';
const B = '431124';        // where the contact lives
const C = '431126';        // a third county: sees nothing
const grid = (county) => `${county}101201001`;

let srv, root, senderHealth, senderAdmin, receiverHealth, receiverWorker, thirdHealth;
const ids = {};

async function person(county, name, seq) {
  const h = await root.post('/api/v1/households', { grid_code: grid(county), address: `${name}家` });
  assert.equal(h.status, 201, h.text);
  const p = await root.post('/api/v1/persons', { name, id_number: makeId(seq, { area: county }), phone: `1390000${String(seq).padStart(4, '0')}`, household_id: h.body.id });
  assert.equal(p.status, 201, p.text);
  return { ...p.body, id_number: makeId(seq, { area: county }) }; // the reply masks it
}

before(async () => {
  srv = await startServer();
  root = await srv.token('admin', '4311');
  for (const county of [A, B, C]) {
    for (const code of [county, `${county}101`, `${county}101201`, grid(county)]) {
      const r = await root.post('/api/v1/regions', { code, name: `地区${code}` });
      assert.equal(r.status, 201, r.text);
    }
  }
  const patient = await person(A, '病例甲', 1);
  ids.contact = await person(B, '李四', 2);
  ids.otherCountyCase = (await root.post('/api/v1/cases', { person_id: (await person(C, '病例丙', 3)).id, status: 'suspected' })).body.id;
  const c = await root.post('/api/v1/cases', { person_id: patient.id, status: 'confirmed' });
  assert.equal(c.status, 201, c.text);
  ids.case = c.body.id;
  senderHealth = await srv.as('health', A_TOWN);
  senderAdmin = await srv.as('admin', A);
  receiverHealth = await srv.as('health', B);
  receiverWorker = await srv.as('grid_worker', grid(B));
  thirdHealth = await srv.as('health', C);
});
after(async () => { await srv.stop(); });

const request = (over = {}) => ({
  source_case_id: ids.case, name: '李四', id_number: ids.contact.id_number, region_code: B,
  contact_type: 'household', last_contact_date: day(-1), note: '同乘 K123 次列车', ...over,
});

test('a request reaches the contact\'s jurisdiction live; the sender sees only what it entered', async () => {
  // The tracer cannot see the person: outside its scope the record does not exist.
  assertError(assert, await senderHealth.get(`/api/v1/persons/${ids.contact.id}`), 404, 'not_found');
  const inbox = await openStream(receiverHealth);
  const outbox = await openStream(senderHealth);
  const worker = await openStream(receiverWorker);
  try {
    const t0 = Date.now();
    const r = await senderHealth.post('/api/v1/assist-requests', { ...request(), client_uuid: randomUUID() });
    assert.equal(r.status, 201, r.text);
    ids.request = r.body.id;
    assert.equal(r.body.box, 'outbox');
    assert.equal(r.body.status, 'pending');
    assert.equal(r.body.region_given, B);
    for (const k of ['person_id', 'person_name', 'to_region', 'to_region_name', 'observation_id']) {
      assert.ok(!(k in r.body), `the sender's view has no ${k}: ${r.text}`);
    }
    const ev = await inbox.waitFor((e) => e.event === 'assist.requested' && e.data.id === ids.request, 1000);
    assert.ok(ev, 'the receiving inbox hears of it within a second');
    assert.ok(ev.at - t0 < 1000);
    // The stream reaches every login of the region: no name, ID number or phone on it.
    const onStream = await worker.waitFor((e) => e.event === 'assist.requested', 1000);
    assert.ok(onStream);
    assert.doesNotMatch(JSON.stringify(onStream.data), /李四|\d{17}[\dX]|1390000/);
    assert.equal(outbox.events.filter((e) => e.event === 'assist.requested').length, 0, 'nothing of the routing reaches the sender');

    // The receiver sees the matched person and the grid it was routed to.
    const list = await receiverHealth.get('/api/v1/assist-requests?box=inbox');
    assert.equal(list.status, 200, list.text);
    const got = list.body.items.find((x) => x.id === ids.request);
    assert.equal(got.person_id, ids.contact.id);
    assert.equal(got.person_name, '李四');
    assert.equal(got.to_region, grid(B));
    assert.equal(got.from_region, A_TOWN);
    assert.equal(list.body.summary.pending, 1);

    // The sender's views: outbox list and by id; never in its inbox.
    const mine = await senderHealth.get('/api/v1/assist-requests?box=outbox');
    assert.deepEqual(mine.body.items.map((x) => x.id), [ids.request]);
    assert.ok(!('person_id' in mine.body.items[0]));
    assert.equal((await senderHealth.get('/api/v1/assist-requests')).body.items.length, 0);
    const one = await senderHealth.get(`/api/v1/assist-requests/${ids.request}`);
    assert.equal(one.body.box, 'outbox');
    assert.ok(!('to_region' in one.body));
    // The sender's county sees its township's request; a third county sees nothing.
    assert.equal((await senderAdmin.get('/api/v1/assist-requests?box=outbox')).body.items.length, 1);
    assertError(assert, await thirdHealth.get(`/api/v1/assist-requests/${ids.request}`), 404, 'not_found');
    assert.equal((await thirdHealth.get('/api/v1/assist-requests')).body.items.length, 0);

    // Only the receiver signs for it; the sender and a third county get the answer of a missing one.
    const missing = await senderHealth.post('/api/v1/assist-requests/999999/acknowledge');
    const notMine = await senderHealth.post(`/api/v1/assist-requests/${ids.request}/acknowledge`);
    assertError(assert, notMine, 404, 'not_found');
    assert.equal(notMine.text.replace(String(ids.request), '<id>'), missing.text.replace('999999', '<id>'));
    assertError(assert, await thirdHealth.post(`/api/v1/assist-requests/${ids.request}/acknowledge`), 404, 'not_found');

    const ack = await receiverHealth.post(`/api/v1/assist-requests/${ids.request}/acknowledge`);
    assert.equal(ack.status, 200, ack.text);
    assert.equal(ack.body.status, 'acknowledged');
    assert.ok(ack.body.ack_seconds >= 0 && ack.body.ack_seconds < 60);
    const twice = await receiverHealth.post(`/api/v1/assist-requests/${ids.request}/acknowledge`);
    assertError(assert, twice, 409, 'conflict');
    assert.equal(twice.body.error.message, `协查函 ${ids.request} 已签收(当前状态:已签收)`);
    const twiceEn = await receiverHealth.withLang('en').post(`/api/v1/assist-requests/${ids.request}/acknowledge`);
    assert.equal(twiceEn.body.error.message, `assist request ${ids.request} was already acknowledged (acknowledged)`);
    const told = await outbox.waitFor((e) => e.event === 'assist.updated' && e.data.id === ids.request, 1000);
    assert.ok(told, 'the sender hears of the acknowledgement live');
    assert.equal(told.data.status, 'acknowledged');
  } finally {
    await inbox.close();
    await outbox.close();
    await worker.close();
  }

  // The receiver opens the observation; the sender sees "observing", not the observation.
  const obs = await receiverHealth.post(`/api/v1/assist-requests/${ids.request}/observe`, { kind: 'medical', reply: '已落实居家医学观察' });
  assert.equal(obs.status, 200, obs.text);
  assert.equal(obs.body.status, 'observing');
  const o = await receiverHealth.get(`/api/v1/observations/${obs.body.observation_id}`);
  assert.equal(o.status, 200, o.text);
  assert.equal(o.body.person_id, ids.contact.id);
  assert.equal(o.body.reason, 'contact');
  assert.equal(o.body.source, `assist:${ids.request}`);
  const seen = await senderHealth.get(`/api/v1/assist-requests/${ids.request}`);
  assert.equal(seen.body.status, 'observing');
  assert.equal(seen.body.reply, '已落实居家医学观察');
  assert.ok(!('observation_id' in seen.body));
  const closed = await receiverHealth.post(`/api/v1/assist-requests/${ids.request}/not-found`, { reply: 'x' });
  assertError(assert, closed, 409, 'conflict');
  assert.equal(closed.body.error.message, `协查函 ${ids.request} 已办结(已落实观察)`);
  const closedEn = await receiverHealth.withLang('en').post(`/api/v1/assist-requests/${ids.request}/not-found`, { reply: 'x' });
  assert.equal(closedEn.body.error.message, `assist request ${ids.request} is already closed (observing)`);
  const summary = (await senderHealth.get('/api/v1/assist-requests?box=outbox')).body.summary;
  assert.equal(summary.observing, 1);
  assert.ok(summary.median_ack_seconds >= 0);

  // The audit row of the sending lies at the sender's and names no routing.
  const audit = await senderAdmin.get('/api/v1/audit?entity=assist_request');
  assert.equal(audit.status, 200, audit.text);
  const row = audit.body.items.find((a) => a.action === 'create');
  assert.ok(row, audit.text);
  assert.doesNotMatch(JSON.stringify(row), new RegExp(`${grid(B)}|"person_id"`));
});

test('an unregistered contact goes to the region named; the receiver names the person or answers not found', async () => {
  const r = await senderHealth.post('/api/v1/assist-requests', request({ name: '王五', id_number: makeId(77, { area: B }), phone: '13911112222' }));
  assert.equal(r.status, 201, r.text);
  const got = (await receiverHealth.get('/api/v1/assist-requests?status=pending')).body.items.find((x) => x.id === r.body.id);
  assert.equal(got.person_id, null);
  assert.equal(got.to_region, B);
  assertError(assert, await receiverHealth.post(`/api/v1/assist-requests/${r.body.id}/observe`, {}), 400, 'invalid_input', ['person_id']);
  const nf = await receiverHealth.post(`/api/v1/assist-requests/${r.body.id}/not-found`, { reply: '查无此人,电话停机' });
  assert.equal(nf.status, 200, nf.text);
  assert.equal(nf.body.status, 'not_found');
  assert.ok(nf.body.ack_seconds >= 0, 'answering acknowledges too');
  const seen = await senderHealth.get(`/api/v1/assist-requests/${r.body.id}`);
  assert.equal(seen.body.status, 'not_found');
  assert.equal(seen.body.reply, '查无此人,电话停机');
});

test('a sender chooses among every county and township of the territory', async () => {
  const r = await senderHealth.get('/api/v1/assist-requests/destinations');
  assert.equal(r.status, 200, r.text);
  const codes = r.body.items.map((x) => x.code);
  for (const c of [A, B, C, `${B}101`]) assert.ok(codes.includes(c), c);
  assert.ok(!codes.includes(grid(B)) && !codes.includes('4311'), 'counties and townships only');
  assert.equal(r.body.items.find((x) => x.code === B).level, 'county');
});

test('bad input names each field and writes nothing; a case outside the scope reads as missing', async () => {
  const cases = [
    [request({ name: '' }), 400, ['name']],
    [request({ id_number: '431124199001011234', phone: undefined }), 400, ['id_number']],
    [request({ id_number: undefined, phone: undefined }), 400, ['id_number']],
    [request({ phone: '12' }), 400, ['phone']],
    [request({ contact_type: 'hug' }), 400, ['contact_type']],
    [request({ last_contact_date: day(2) }), 400, ['last_contact_date']],
    [request({ region_code: '43112' }), 400, ['region_code']],
    [request({ region_code: '431199' }), 404, ['region_code']],
    [request({ source_case_id: 999999 }), 404, ['source_case_id']],
    [request({ source_case_id: ids.otherCountyCase }), 404, ['source_case_id']],
    [request({ region_code: grid(A) }), 422, []],
    [request({ region_code: A_TOWN }), 422, []],
  ];
  for (const [body, status, fields] of cases) {
    const before = srv.snapshot();
    const r = await senderHealth.post('/api/v1/assist-requests', body);
    const code = { 400: 'invalid_input', 404: 'not_found', 422: 'rule_violation' }[status];
    assertError(assert, r, status, code, fields);
    assert.doesNotMatch(r.text, /病例丙/);
    assert.equal(srv.snapshot(), before, `nothing written: ${r.text}`);
  }
  const out = await senderHealth.post('/api/v1/assist-requests', request({ source_case_id: ids.otherCountyCase }));
  const gone = await senderHealth.post('/api/v1/assist-requests', request({ source_case_id: 999999 }));
  assert.equal(out.text.replace(String(ids.otherCountyCase), '<id>'), gone.text.replace('999999', '<id>'));
  // Roles without case writing cannot send; a grid worker cannot read the inbox.
  assertError(assert, await receiverWorker.post('/api/v1/assist-requests', request()), 403, 'forbidden');
  assertError(assert, await receiverWorker.get('/api/v1/assist-requests'), 403, 'forbidden');
  assertError(assert, await senderHealth.get('/api/v1/assist-requests?box=sideways'), 400, 'invalid_input', ['box']);
});
