// floods.test.mjs -- slow clients and floods: a slowloris on loopback (many
// sockets sending their headers a byte at a time, from 127.0.0.2) does not
// stop other clients (127.0.0.1) from being served, and is cut at the
// per-address connection cap; idle connections close after --timeout; the
// --max-connections cap; an oversized header gets 431 or a closed connection;
// an oversized body 413; the per-address write limit (--write-rate) answers
// 429 with Retry-After and the error model, writes nothing, leaves reads
// alone and lets writes in again after Retry-After; loopback is exempt by
// default.  Both event loops (--event-loop poll, the default, and epoll)
// answer writes that wait for the writer with many idle connections open.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, assertError, epigrid } from './lib.mjs';

const servers = [];
after(async () => { for (const s of servers) await s.stop(); });
async function server(args = []) {
  const s = await startServer({ args });
  servers.push(s);
  return s;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Opens a socket from "localAddress" to the server; resolves once connected
// (or closed first).  The socket records when the server closed it.
function open(srv, localAddress) {
  const { hostname, port } = new URL(srv.url);
  return new Promise((resolve) => {
    const s = net.connect({ host: hostname, port: Number(port), localAddress });
    s.closedAt = null;
    s.received = '';
    s.on('data', (d) => { s.received += d; });
    s.on('error', () => {});
    s.on('close', () => { s.closedAt = performance.now(); resolve(s); });
    s.on('connect', () => resolve(s));
  });
}

// A GET /api/v1/health that must answer within "ms".
async function timedHealthWithin(srv, ms) {
  const r = await fetch(srv.url + '/api/v1/health', { signal: AbortSignal.timeout(ms) });
  return r.text();
}

// A GET /api/v1/health from 127.0.0.1, timed.
async function timedHealth(srv) {
  const t = performance.now();
  const r = await fetch(srv.url + '/api/v1/health', { signal: AbortSignal.timeout(5000) });
  await r.text();
  return { status: r.status, ms: performance.now() - t };
}

test('slowloris from another address does not stop other clients; it is cut at the per-address cap', async () => {
  const srv = await server();
  const SLOW = 300; // more than the default cap of 256 per address
  const sockets = [];
  for (let i = 0; i < SLOW; i++) sockets.push(await open(srv, '127.0.0.2'));
  const header = 'GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(200);
  let pos = 0;
  const drip = setInterval(() => {
    for (const s of sockets) if (!s.closedAt && pos < header.length) s.write(header[pos]);
    pos++;
  }, 100);
  try {
    await sleep(1500);
    const times = [];
    for (let i = 0; i < 20; i++) {
      const r = await timedHealth(srv);
      assert.equal(r.status, 200);
      times.push(r.ms);
    }
    const worst = Math.max(...times);
    console.log(`# health under slowloris: worst ${worst.toFixed(1)} ms of 20`);
    assert.ok(worst < 1000, `a normal GET waited ${worst} ms`);
    const open_ = sockets.filter((s) => !s.closedAt).length;
    assert.ok(open_ <= 256, `${open_} slow sockets still open (cap 256 per address)`);
    assert.ok(open_ >= 200, `the slow sockets below the cap stay open (${open_})`);
    // no slow socket got an answer: their requests never completed
    assert.ok(sockets.every((s) => s.received === ''));
  } finally {
    clearInterval(drip);
    for (const s of sockets) s.destroy();
  }
  assert.equal((await timedHealth(srv)).status, 200);
});

test('--timeout closes idle connections; --max-connections caps them all', async () => {
  const srv = await server(['--timeout', '2', '--max-connections', '30']);
  const idle = await open(srv, '127.0.0.3');
  idle.write('GET /api/v1/health HTTP/1.1\r\nHost: x\r\n'); // and then nothing
  const t = performance.now();
  while (!idle.closedAt && performance.now() - t < 8000) await sleep(100);
  assert.ok(idle.closedAt, 'the idle connection was closed');
  const after_ = idle.closedAt - t;
  assert.ok(after_ > 1500 && after_ < 6000, `closed after ${after_} ms, timeout 2 s`);

  // 30 held connections fill the cap: the next one waits in the listen
  // backlog (libmicrohttpd stops accepting) until one of them goes.
  const many = [];
  for (let i = 0; i < 30; i++) many.push(await open(srv, `127.0.0.${4 + (i % 5)}`));
  await sleep(200);
  await assert.rejects(timedHealthWithin(srv, 800), /aborted|timeout/i);
  for (const s of many) s.destroy();
  await sleep(200);
  assert.equal((await timedHealth(srv)).status, 200);
});

test('an oversized header gets 431 or a closed connection; an oversized body 413', async () => {
  const srv = await server();
  const s = await open(srv, '127.0.0.1');
  s.write('GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'b'.repeat(100 * 1024) + '\r\n\r\n');
  const t = performance.now();
  while (!s.closedAt && !/\r\n\r\n/.test(s.received) && performance.now() - t < 5000) await sleep(50);
  const status = s.received.match(/^HTTP\/1\.[01] (\d{3})/)?.[1];
  assert.ok(s.closedAt || status, 'answered or closed');
  if (status) assert.equal(status, '431', s.received.slice(0, 200));
  s.destroy();
  console.log(`# 100 KiB header: ${status ? 'HTTP ' + status : 'connection closed'}`);

  // a request with 6 KiB of cookies is answered
  const ok = await open(srv, '127.0.0.1');
  ok.write('GET /api/v1/health HTTP/1.1\r\nHost: x\r\nCookie: c=' + 'c'.repeat(6 * 1024) + '\r\n\r\n');
  const t2 = performance.now();
  while (!ok.closedAt && !/\r\n\r\n/.test(ok.received) && performance.now() - t2 < 5000) await sleep(50);
  assert.equal(ok.received.match(/^HTTP\/1\.[01] (\d{3})/)?.[1], '200', ok.received.slice(0, 200));
  ok.destroy();

  const admin = await srv.as('admin');
  const snap = srv.snapshot();
  const r = await admin.post('/api/v1/households', { grid_code: '4311', address: 'x'.repeat(2 << 20) });
  assertError(assert, r, 413, 'too_large');
  assert.equal(srv.snapshot(), snap);
  assert.equal((await timedHealth(srv)).status, 200);
});

test('--write-rate: 429 with Retry-After and the error model beyond the rate, nothing written, reads unaffected', async () => {
  // one write per 2 s, burst 1, loopback limited (given explicitly): slow
  // enough that a sanitizer build's requests do not refill it meanwhile
  const srv = await server(['--write-rate', '0.5/s']);
  await srv.as('admin', '4311'); // creates the user; the login is a write: the one token
  await sleep(2100); // one token back
  const admin = await srv.login('admin_4311', 'Test-pass-2026');
  const body = { code: '431122', name: '东安县' };
  const refused = await admin.post('/api/v1/regions', { code: 'bad', name: '' });
  assertError(assert, refused, 429, 'too_many_requests');
  const retry = Number(refused.headers.get('retry-after'));
  assert.ok(retry >= 1 && retry <= 2, `Retry-After ${retry}`);
  assert.match(refused.body.error.message, /写入过于频繁.*秒/);
  const en = await admin.withLang('en').post('/api/v1/regions', body);
  assertError(assert, en, 429, 'too_many_requests');
  assert.match(en.body.error.message, /too many writes; retry in \d+ s$/);
  // a refused valid write wrote nothing
  const snap = srv.snapshot();
  const again = await admin.post('/api/v1/regions', body);
  assert.equal(again.status, 429);
  assert.equal(srv.snapshot(), snap);
  // reads are not limited
  for (let i = 0; i < 20; i++) assert.equal((await admin.get('/api/v1/regions/4311')).status, 200);
  // after Retry-After, writes go through again: one, then refused again
  await sleep(Number(again.headers.get('retry-after')) * 1000 + 100);
  const done = await admin.post('/api/v1/regions', body);
  assert.equal(done.status, 201, done.text);
  assert.equal((await admin.post('/api/v1/regions', { code: '431103', name: '冷水滩区' })).status, 429);
});

test('by default loopback writes are not rate-limited (tests and benchmarks)', async () => {
  const srv = await server();
  const admin = await srv.as('admin');
  const statuses = new Map();
  for (let round = 0; round < 12; round++) {
    const rs = await Promise.all(Array.from({ length: 50 }, () =>
      admin.post('/api/v1/regions', { code: 'bad', name: '' })));
    for (const r of rs) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
  }
  assert.deepEqual([...statuses.entries()], [[400, 600]]);
});

for (const loop of ['poll', 'epoll']) {
  test(`--event-loop ${loop}: 200 writes at once are all answered beside 300 idle connections`, async () => {
    const srv = await server(['--event-loop', loop, '--max-per-ip', '0']);
    const admin = await srv.as('admin');
    const idle = [];
    for (let i = 0; i < 300; i++) idle.push(await open(srv, '127.0.0.3'));
    try {
      assert.equal((await admin.post('/api/v1/regions', { code: '431122', name: '东安县' })).status, 201);
      const codes = Array.from({ length: 200 }, (_, i) => `431122${String(i + 1).padStart(3, '0')}`);
      const rs = await Promise.all(codes.map((code) => admin.post('/api/v1/regions', { code, name: `镇${code}` })));
      assert.deepEqual(rs.filter((r) => r.status !== 201).map((r) => r.text), []);
      for (const [i, r] of rs.entries()) assert.equal(r.body.code, codes[i]);
      const list = await admin.get('/api/v1/regions/431122/children');
      assert.equal(list.status, 200, list.text);
      assert.equal(list.body.items.length, 200);
      assert.ok(idle.filter((s) => !s.closedAt).length >= 290, 'the idle connections stay open');
    } finally {
      for (const s of idle) s.destroy();
    }
  });
}

test('--event-loop takes poll or epoll; anything else is refused in both languages', () => {
  const r = epigrid(['serve', '--event-loop', 'select', '--listen', '127.0.0.1:0']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--event-loop 应为 poll 或 epoll/);
  assert.match(r.stderr, /must be poll or epoll/);
});
