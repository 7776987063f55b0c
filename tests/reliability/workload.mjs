// workload.mjs -- a write workload whose acknowledgements are recorded, and
// the check that every acknowledged write is in a database.  Used by the
// crash test (tests/reliability/crash.mjs), the short crash test in ctest and
// the backup test (tests/api/*.test.mjs).
//
//   const w = new Workload(url, state);   // state survives server restarts
//   await w.setup();                      // regions, users, persons under observation
//   const stop = w.drive(4);              // 4 concurrent writers until stop()
//   await stop();
//   const missing = verifyAcked(dbPath, w.acks);   // [] when nothing was lost
//
// Writes: households and persons (synchronous path, client_uuid), household
// visits of a screening round and health reports (group-commit path,
// client_uuid; some feverish, which raise alerts and move counters).  An
// acknowledgement is a 2xx with the created id.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

export const COUNTY = '431122';
export const GRIDS = ['431122101201001', '431122101201002', '431122101202001'];
const REGIONS = [
  ['431122', '东安县'], ['431122101', '白牙市镇'], ['431122101201', '茶亭社区'],
  ['431122101202', '芦洪市社区'],
  ['431122101201001', '雍景园小区'], ['431122101201002', '茶亭一组'], ['431122101202001', '芦洪一组'],
];

// China date "days" from today.
export function day(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

// A valid GB 11643 ID number, unique per n (birth date and sequence from n).
export function idNumber(n) {
  const birth = new Date(Date.UTC(1950, 0, 1) + Math.floor(n / 400) * 86400e3);
  const b = birth.toISOString().slice(0, 10).replaceAll('-', '');
  const id17 = `431122${b}${String((n % 400) * 2 + 1).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...id17].reduce((s, c, i) => s + Number(c) * w[i], 0);
  return id17 + '10X98765432'[sum % 11];
}

async function call(url, cookie, csrf, method, p, body) {
  const h = { 'Content-Type': 'application/json' };
  if (cookie) { h.Cookie = cookie; h['X-CSRF-Token'] = csrf; }
  const res = await fetch(url + p, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, body: json, text };
}

export class Workload {
  // "state" carries what must survive restarts: {persons, acks, seq, setupDone}.
  constructor(url, state = {}) {
    this.url = url;
    this.state = state;
    state.persons ??= [];
    state.houses ??= []; // [{id, person}] households with one member, for visits
    state.acks ??= [];
    state.seq ??= Math.floor(Math.random() * 1e6);
    this.counts = { sent: 0, acked: 0, refused: 0, failed: 0 };
  }
  get acks() { return this.state.acks; }

  // Logs in through the API (the user must exist: see addUsers).
  async session(username, password) {
    const res = await fetch(this.url + '/api/v1/session', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${JSON.stringify(body)}`);
    this.cookie = res.headers.get('set-cookie').split(';')[0];
    this.csrf = body.csrf_token;
  }

  req(method, p, body) { return call(this.url, this.cookie, this.csrf, method, p, body); }

  // Regions and persons under observation (once per state).
  async setup(nPersons = 12) {
    if (this.state.setupDone) return;
    for (const [code, name] of REGIONS) {
      const r = await this.req('POST', '/api/v1/regions', { code, name });
      if (r.status !== 201 && r.status !== 409) throw new Error(`region ${code}: ${r.status} ${r.text}`);
    }
    for (let i = 0; i < nPersons; i++) {
      const grid = GRIDS[i % GRIDS.length];
      const p = await this.req('POST', '/api/v1/persons', { name: `观察${i}`, id_number: idNumber(this.state.seq++), grid_code: grid });
      if (p.status !== 201) throw new Error(`person: ${p.status} ${p.text}`);
      const o = await this.req('POST', '/api/v1/observations',
        { person_id: p.body.id, kind: 'home', reason: 'travel', start_date: day(-4) });
      if (o.status !== 201) throw new Error(`observation: ${o.status} ${o.text}`);
      this.state.persons.push(p.body.id);
    }
    // households with a member, and a screening round over the county, for visits
    for (let i = 0; i < 6; i++) {
      const grid = GRIDS[i % GRIDS.length];
      const h = await this.req('POST', '/api/v1/households', { grid_code: grid, address: `排查 ${i} 号` });
      if (h.status !== 201) throw new Error(`household: ${h.status} ${h.text}`);
      const p = await this.req('POST', '/api/v1/persons', { name: `住户${i}`, id_number: idNumber(this.state.seq++), grid_code: grid, household_id: h.body.id });
      if (p.status !== 201) throw new Error(`member: ${p.status} ${p.text}`);
      this.state.houses.push({ id: h.body.id, person: p.body.id });
    }
    const round = await this.req('POST', '/api/v1/rounds', { name: '崩溃测试轮', region_code: COUNTY, start_date: day(-1), end_date: day(7) });
    if (round.status !== 201) throw new Error(`round: ${round.status} ${round.text}`);
    this.state.round = round.body.id;
    this.state.setupDone = true;
  }

  // One random write; records it in acks when acknowledged.
  async writeOne() {
    const uuid = randomUUID();
    const grid = GRIDS[Math.floor(Math.random() * GRIDS.length)];
    const pick = Math.random();
    let kind, r;
    this.counts.sent++;
    const sentAt = performance.now();
    try {
      if (pick < 0.2) {
        kind = 'household';
        r = await this.req('POST', '/api/v1/households', { grid_code: grid, address: `${uuid.slice(0, 8)} 号`, client_uuid: uuid });
      } else if (pick < 0.35) {
        kind = 'person';
        r = await this.req('POST', '/api/v1/persons', { name: '测试', id_number: idNumber(this.state.seq++), grid_code: grid, client_uuid: uuid });
      } else if (pick < 0.55) {
        kind = 'visit';
        const house = this.state.houses[Math.floor(Math.random() * this.state.houses.length)];
        const fever = Math.random() < 0.1;
        r = await this.req('POST', '/api/v1/visits', {
          client_uuid: uuid, round_id: this.state.round, household_id: house.id, members_present: 1,
          persons: [{ person_id: house.person, fever, cough: false, contact_with_case: false,
            temperature: fever ? 38.1 : 36.5,
            ...(Math.random() < 0.2 ? { returned_from_risk: true, arrival_date: day(-2) } : { returned_from_risk: false }) }],
        });
      } else {
        kind = 'health_report';
        const persons = this.state.persons;
        const person = persons[Math.floor(Math.random() * persons.length)];
        const slot = `${day(-1 - Math.floor(Math.random() * 3))}T${Math.random() < 0.5 ? '08:00' : '16:00'}`;
        const temperature = Math.random() < 0.1 ? 38.2 : 36.5;
        r = await this.req('POST', '/api/v1/health-reports', { client_uuid: uuid, person_id: person, slot, temperature });
      }
    } catch {
      this.counts.failed++; // connection refused or reset: not acknowledged
      return;
    }
    if (r.status >= 200 && r.status < 300 && r.body && r.body.id) {
      this.counts.acked++;
      this.state.acks.push({ uuid, kind, id: r.body.id, sentAt, ackAt: performance.now() });
    } else if (r.status >= 500) {
      this.counts.failed++;
    } else {
      this.counts.refused++;
      throw new Error(`unexpected ${r.status} for ${kind}: ${r.text}`);
    }
  }

  // Starts "n" concurrent writers; returns an async stop() that waits for them.
  drive(n = 4) {
    let running = true;
    const loops = [];
    for (let i = 0; i < n; i++) {
      loops.push((async () => {
        while (running) await this.writeOne();
      })());
    }
    return async () => { running = false; await Promise.all(loops); };
  }
}

const TABLE = { household: 'households', person: 'persons', health_report: 'health_reports', visit: 'visits' };

// Every acknowledged write of "acks" that is not in the database at "db":
// its client_uuid must map to its id, and the row must exist.
export function verifyAcked(db, acks) {
  const q = (sql) => {
    const r = spawnSync('sqlite3', ['-json', db, sql], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
    return r.stdout.trim() ? JSON.parse(r.stdout) : [];
  };
  const keys = new Map(q('SELECT client_uuid, entity, entity_id FROM idempotency_keys').map((k) => [k.client_uuid, k]));
  const ids = {};
  for (const [kind, table] of Object.entries(TABLE)) ids[kind] = new Set(q(`SELECT id FROM ${table}`).map((x) => x.id));
  const missing = [];
  for (const a of acks) {
    const k = keys.get(a.uuid);
    if (!k || k.entity_id !== a.id || !ids[a.kind].has(a.id)) missing.push(a);
  }
  return missing;
}

// PRAGMA integrity_check through the sqlite3 shell: "ok" or the problems.
export function integrity(db) {
  const r = spawnSync('sqlite3', [db, 'PRAGMA integrity_check'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : `sqlite3 failed: ${r.stderr}`;
}
