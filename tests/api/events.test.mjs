// events.test.mjs -- GET /api/v1/events (server-sent events) read by a client
// with a streaming body reader: an abnormal health report reaches a
// subscriber of its region within a second as "alert.raised"; a subscriber
// outside the region never sees it; acknowledging and resolving follow; a
// client reconnecting with Last-Event-ID receives exactly what it missed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './lib.mjs';
import { openStream } from './sse.mjs';

const COUNTY = '431122';
const GRID_A = '431122101201001';
const OTHER_COUNTY = '431103';
const GRID_C = '431103001001001';

function day(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

function makeId(seq) {
  const id17 = `431122${'19800101'}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...id17].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return id17 + '10X98765432'[sum % 11];
}
let seq = 1;

let srv, admin, workerA, workerC, countyC;
let personA, personC;

before(async () => {
  srv = await startServer();
  admin = await srv.as('admin');
  for (const [code, name] of [
    [COUNTY, '东安县'], ['431122101', '白牙市镇'], ['431122101201', '茶亭社区'], [GRID_A, '雍景园小区'],
    [OTHER_COUNTY, '冷水滩区'], ['431103001', '梅湾街道'], ['431103001001', '梅湾社区'], [GRID_C, '梅湾一网格'],
  ]) {
    const r = await admin.post('/api/v1/regions', { code, name });
    assert.equal(r.status, 201, r.text);
  }
  workerA = await srv.as('grid_worker', GRID_A);
  workerC = await srv.as('grid_worker', GRID_C);
  countyC = await srv.as('commander', OTHER_COUNTY);
  for (const grid of [GRID_A, GRID_C]) {
    const p = await admin.post('/api/v1/persons', { name: '赵六', id_number: makeId(seq++), grid_code: grid });
    assert.equal(p.status, 201, p.text);
    const o = await admin.post('/api/v1/observations',
      { person_id: p.body.id, kind: 'home', reason: 'travel', start_date: day(-2) });
    assert.equal(o.status, 201, o.text);
    if (grid === GRID_A) personA = p.body.id; else personC = p.body.id;
  }
});
after(async () => { await srv.stop(); });

function abnormal(personId, slot) {
  return { client_uuid: crypto.randomUUID(), person_id: personId, slot, temperature: 38.6, symptoms: ['cough'] };
}

test('alert.raised reaches the region within a second and nobody outside it', async () => {
  const inside = await openStream(workerA);
  const above = await openStream(admin);
  const outside = await openStream(countyC);
  const outsideWorker = await openStream(workerC);
  try {
    const t0 = Date.now();
    const r = await workerA.post('/api/v1/health-reports', abnormal(personA, `${day(-1)}T08:00`));
    assert.equal(r.status, 201, r.text);
    const alertId = r.body.alert_id;
    for (const stream of [inside, above]) {
      const ev = await stream.waitFor((e) => e.event === 'alert.raised' && e.data.id === alertId, 1000);
      assert.ok(ev, 'alert.raised must arrive within a second');
      assert.ok(ev.at - t0 < 1000, `took ${ev.at - t0} ms`);
      assert.equal(ev.data.rule, 'report_abnormal');
      assert.equal(ev.data.severity, 'high');
      assert.equal(ev.data.grid_code, GRID_A);
      assert.equal(ev.data.person_id, personA);
      assert.equal(ev.data.person_name, undefined, 'no names on the stream');
      assert.doesNotMatch(ev.data.title_zh, /赵六/);
    }
    // Changes follow on the same stream.
    let x = await workerA.post(`/api/v1/alerts/${alertId}/acknowledge`);
    assert.equal(x.status, 200, x.text);
    x = await workerA.post(`/api/v1/alerts/${alertId}/resolve`, { note: '已处置' });
    assert.equal(x.status, 200, x.text);
    const resolved = await inside.waitFor((e) => e.event === 'alert.resolved' && e.data.id === alertId, 1000);
    assert.ok(resolved);
    assert.equal(resolved.data.note, '已处置');
    const types = inside.events.filter((e) => e.data.id === alertId).map((e) => e.event);
    assert.deepEqual(types, ['alert.raised', 'alert.acknowledged', 'alert.resolved']);
    // Ids increase along the stream.
    const ids = inside.events.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    // The other county's own alert reaches it; ours never did.
    const rc = await workerC.post('/api/v1/health-reports', abnormal(personC, `${day(-1)}T08:00`));
    assert.equal(rc.status, 201, rc.text);
    const theirs = await outside.waitFor((e) => e.data.id === rc.body.alert_id, 1000);
    assert.ok(theirs, 'the other county sees its own alert');
    assert.ok(await outsideWorker.waitFor((e) => e.data.id === rc.body.alert_id, 1000));
    assert.equal(outside.events.filter((e) => e.data.grid_code !== GRID_C).length, 0);
    assert.equal(outsideWorker.events.filter((e) => e.data.id === alertId).length, 0);
    assert.equal(inside.events.filter((e) => e.data.id === rc.body.alert_id).length, 0);
    assert.ok(await above.waitFor((e) => e.data.id === rc.body.alert_id, 1000), 'the city sees both');
  } finally {
    await Promise.all([inside, above, outside, outsideWorker].map((s) => s.close()));
  }
});

test('reconnecting with Last-Event-ID delivers what was missed, in order, once', async () => {
  const first = await openStream(workerA);
  const r1 = await workerA.post('/api/v1/health-reports', abnormal(personA, `${day(-1)}T16:00`));
  assert.equal(r1.status, 201, r1.text);
  const seen = await first.waitFor((e) => e.data.id === r1.body.alert_id, 1000);
  assert.ok(seen);
  await first.close();
  // While disconnected: two more alerts (one outside the scope) and an acknowledgement.
  const r2 = await workerA.post('/api/v1/health-reports', abnormal(personA, `${day(-2)}T16:00`));
  assert.equal(r2.status, 201, r2.text);
  const r3 = await workerC.post('/api/v1/health-reports', abnormal(personC, `${day(-1)}T16:00`));
  assert.equal(r3.status, 201, r3.text);
  const missed2 = r2.body.alert_id;
  const ack = await admin.post(`/api/v1/alerts/${r1.body.alert_id}/acknowledge`);
  assert.equal(ack.status, 200, ack.text);

  const resumed = await openStream(workerA, { lastEventId: seen.id });
  try {
    const last = await resumed.waitFor((e) => e.event === 'alert.acknowledged', 1000);
    assert.ok(last, 'the acknowledgement made while away arrives');
    assert.deepEqual(resumed.events.map((e) => [e.event, e.data.id]),
      [['alert.raised', missed2], ['alert.acknowledged', r1.body.alert_id]]);
    assert.ok(resumed.events.every((e) => e.id > seen.id));
  } finally {
    await resumed.close();
  }
  // ?after= does the same for clients that cannot set the header.
  const viaQuery = await (async () => {
    const ac = new AbortController();
    const res = await fetch(`${workerA.base}/api/v1/events?after=${seen.id}`,
      { headers: { Cookie: workerA.cookie }, signal: ac.signal });
    const reader = res.body.getReader();
    let text = '';
    const dec = new TextDecoder();
    const deadline = Date.now() + 1000;
    while (!text.includes('alert.acknowledged') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
    }
    ac.abort();
    return text;
  })();
  assert.match(viaQuery, /event: alert\.raised/);
  assert.match(viaQuery, /event: alert\.acknowledged/);
  // A new client without Last-Event-ID starts from now: nothing old.
  const fresh = await openStream(workerA);
  try {
    assert.equal(await fresh.waitFor(() => true, 300), null);
  } finally {
    await fresh.close();
  }
  // Without a login there is no stream.
  const anon = await fetch(`${srv.url}/api/v1/events`);
  assert.equal(anon.status, 401);
  await anon.text();
});

test("an event at an ancestor region reaches the streams below it, and not the neighbours", async () => {
  const commander = await srv.as('commander', COUNTY);
  const grid = await openStream(workerA);      // below the county: must receive
  const neighbour = await openStream(workerC); // another county: must not
  try {
    const r = await commander.post('/api/v1/directives', {
      title: '关于加强返乡人员排查的通知', body: '请各网格今日内完成排查。', target_region: COUNTY,
      target_level: 'village', deadline: day(1),
    });
    assert.equal(r.status, 201, r.text);
    const ev = await grid.waitFor((e) => e.event === 'directive.issued', 2000);
    assert.ok(ev, 'a county directive reaches a grid worker of that county live');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(neighbour.events.filter((e) => e.event === 'directive.issued').length, 0);
  } finally {
    await grid.close();
    await neighbour.close();
  }
});
