// supplies.test.mjs -- items, donors, warehouses, donations, the stock
// ledger, requests, funds and the public disclosure over HTTP: every
// endpoint; who may do what and where (scope); the bad-input matrix (each a
// 4xx with its fields, and nothing written); FIFO traceability from a
// donation to its allocations and back; reversing entries; no negative
// stock under 60 parallel allocations; the disclosure agreeing with the
// ledger to the unit and the fen; public pages without login and without
// phone numbers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, sql, xlsxRows } from './lib.mjs';

const CITY = '4311';
const COUNTY = '431122';
const GRID_A = '431122101201001';
const GRID_B = '431122101201002';
const OTHER_COUNTY = '431103';
const GRID_C = '431103001001001';
const PHONE = '13812345678';

let srv, admin, sup, supCounty, supOther, viewer, health, worker, organiser, commander;
const ids = {};

before(async () => {
  srv = await startServer();
  admin = await srv.as('admin');
  for (const [code, name] of [
    [COUNTY, '东安县'], ['431122101', '白牙市镇'], ['431122101201', '茶亭社区'],
    [GRID_A, '雍景园小区'], [GRID_B, '茶亭一组'],
    [OTHER_COUNTY, '冷水滩区'], ['431103001', '梅湾街道'], ['431103001001', '梅湾社区'],
    [GRID_C, '梅湾一网格'],
  ]) {
    const r = await admin.post('/api/v1/regions', { code, name });
    assert.equal(r.status, 201, r.text);
  }
  sup = await srv.as('supplies');
  supCounty = await srv.as('supplies', COUNTY);
  supOther = await srv.as('supplies', OTHER_COUNTY);
  viewer = await srv.as('viewer');
  health = await srv.as('health', COUNTY);
  worker = await srv.as('grid_worker', GRID_A);
  organiser = await srv.as('organiser');
  commander = await srv.as('commander');
});
after(async () => { await srv.stop(); });

// Expects a refusal with nothing written.
async function refused(send, status, code, fields = []) {
  const before_ = srv.snapshot();
  const r = await send();
  assertError(assert, r, status, code, fields);
  assert.equal(srv.snapshot(), before_, 'nothing may be written');
  return r;
}

function ok(r, status = 200) {
  assert.equal(r.status, status, r.text);
  return r.body;
}

const stockOf = (wh, item) =>
  sql(srv.db, `SELECT quantity FROM stock WHERE warehouse_id = ${wh} AND item_id = ${item}`)[0]?.quantity ?? 0;

// The ledger's invariants, straight from the database.
function assertBalanced() {
  const bad = sql(srv.db, `SELECT k.warehouse_id, k.item_id, k.quantity,
      (SELECT COALESCE(SUM(delta),0) FROM ledger_entries e WHERE e.warehouse_id = k.warehouse_id AND e.item_id = k.item_id) AS ledger,
      (SELECT COALESCE(SUM(remaining),0) FROM lots l WHERE l.warehouse_id = k.warehouse_id AND l.item_id = k.item_id) AS lots
    FROM stock k`).filter((r) => r.quantity !== r.ledger || r.quantity !== r.lots || r.quantity < 0);
  assert.deepEqual(bad, []);
  const lots = sql(srv.db, `SELECT id FROM lots l WHERE remaining <> quantity -
      (SELECT COALESCE(SUM(quantity),0) FROM lot_draws d WHERE d.lot_id = l.id)`);
  assert.deepEqual(lots, []);
  const funds = sql(srv.db, `SELECT id FROM fund_accounts a WHERE balance_fen <> (SELECT
      COALESCE(SUM(CASE direction WHEN 'in' THEN amount_fen ELSE -amount_fen END),0) FROM fund_entries e WHERE e.account_id = a.id)`);
  assert.deepEqual(funds, []);
  // Counters equal the ledger sums at the city level.
  const stockCounters = sql(srv.db, `SELECT metric, value FROM region_counters WHERE code = '4311' AND metric LIKE 'supply_stock.%' AND value <> 0 ORDER BY metric`);
  const stockSums = sql(srv.db, `SELECT 'supply_stock.' || item_id AS metric, SUM(quantity) AS value FROM stock GROUP BY item_id HAVING SUM(quantity) <> 0 ORDER BY 1`);
  assert.deepEqual(stockCounters, stockSums);
}

// ---- catalogue, donors, warehouses, accounts ---------------------------------------

test('items: created by supplies, listed to readers, duplicates 409, bad input writes nothing', async () => {
  const r = ok(await sup.post('/api/v1/items', { name: 'N95口罩', category: 'protective', unit: '只', pack_unit: '箱', pack_size: 50 }), 201);
  ids.mask = r.id;
  ids.alcohol = ok(await sup.post('/api/v1/items', { name: '75%酒精', category: 'disinfection', unit: '瓶' }), 201).id;
  ids.rice = ok(await sup.post('/api/v1/items', { name: '大米', category: 'food', unit: 'g' }), 201).id;
  const list = ok(await viewer.get('/api/v1/items'));
  assert.deepEqual(list.items.map((i) => i.name).sort(), ['75%酒精', 'N95口罩', '大米'].sort());
  assert.equal(list.items.find((i) => i.id === ids.mask).pack_size, 50);
  await refused(() => sup.post('/api/v1/items', { name: 'N95口罩', category: 'protective', unit: '只' }), 409, 'conflict');
  const bad = [
    [{ category: 'protective', unit: '只' }, ['name']],
    [{ name: 'x', category: 'weapons', unit: '只' }, ['category']],
    [{ name: 'x', category: 'other', unit: '' }, ['unit']],
    [{ name: 'x', category: 'other', unit: '只', pack_size: 10 }, ['pack_unit']],
    [{ name: 'x', category: 'other', unit: '只', pack_unit: '箱', pack_size: 0 }, ['pack_size']],
    [{ name: 'x', category: 'other', unit: '只', pack_size: 2.5, pack_unit: '箱' }, ['pack_size']],
    [{ name: 'x', category: 'other', unit: '只', colour: 'red' }, ['colour']],
  ];
  for (const [body, fields] of bad) await refused(() => sup.post('/api/v1/items', body), 400, 'invalid_input', fields);
  await refused(() => worker.post('/api/v1/items', { name: 'y', category: 'other', unit: '件' }), 403, 'forbidden');
  await refused(() => viewer.post('/api/v1/items', { name: 'y', category: 'other', unit: '件' }), 403, 'forbidden');
  assert.equal((await srv.anon().get('/api/v1/items')).status, 401);
});

test('donors: phone masked in every answer and in the audit log; bad phone 400', async () => {
  ids.donorCo = ok(await sup.post('/api/v1/donors', { name: '永州某医药公司', kind: 'enterprise', contact_name: '王经理', contact_phone: PHONE }), 201).id;
  ids.donorAnon = ok(await sup.post('/api/v1/donors', { name: '张三', kind: 'anonymous', contact_phone: '13900001111' }), 201).id;
  ids.donorParty = ok(await supCounty.post('/api/v1/donors', { name: '东安县流动党支部', kind: 'party_org' }), 201).id;
  const r = await sup.get('/api/v1/donors');
  assert.equal(r.status, 200);
  assert.ok(!r.text.includes(PHONE) && !r.text.includes('13900001111'));
  assert.equal(r.body.items.find((d) => d.id === ids.donorCo).contact_phone, '138****5678');
  const audit = sql(srv.db, "SELECT after_json FROM audit_log WHERE entity = 'donor'").map((x) => x.after_json).join();
  assert.ok(!audit.includes(PHONE));
  // The county officer sees the county's donors only.
  const county = ok(await supCounty.get('/api/v1/donors'));
  assert.deepEqual(county.items.map((d) => d.id), [ids.donorParty]);
  await refused(() => sup.post('/api/v1/donors', { name: 'x', kind: 'enterprise', contact_phone: '12345' }), 400, 'invalid_input', ['contact_phone']);
  await refused(() => sup.post('/api/v1/donors', { name: 'x', kind: 'alien' }), 400, 'invalid_input', ['kind']);
  await refused(() => supCounty.post('/api/v1/donors', { name: 'x', kind: 'individual', region_code: OTHER_COUNTY }), 404, 'not_found', ['region_code']);
});

test('warehouses: in a grid inside the scope; lists scoped; stock view 404 outside', async () => {
  ids.whA = ok(await sup.post('/api/v1/warehouses', { name: '东安县物资储备库', region_code: GRID_A }), 201).id;
  ids.whB = ok(await supCounty.post('/api/v1/warehouses', { name: '茶亭中转仓', region_code: GRID_B }), 201).id;
  ids.whC = ok(await supOther.post('/api/v1/warehouses', { name: '冷水滩仓库', region_code: GRID_C }), 201).id;
  const listed = ok(await supCounty.get('/api/v1/warehouses')).items;
  assert.deepEqual(listed.map((w) => w.id), [ids.whA, ids.whB]);
  // the grid and its village by name, apart from the warehouse's own
  assert.deepEqual([listed[0].name, listed[0].region_name, listed[0].village_name], ['东安县物资储备库', '雍景园小区', '茶亭社区']);
  assert.equal(ok(await viewer.get('/api/v1/warehouses')).items.length, 3);
  assertError(assert, await supCounty.get(`/api/v1/warehouses/${ids.whC}`), 404, 'not_found');
  assertError(assert, await supCounty.get(`/api/v1/warehouses?region=${OTHER_COUNTY}`), 403, 'forbidden');
  await refused(() => supCounty.post('/api/v1/warehouses', { name: 'x', region_code: GRID_C }), 404, 'not_found', ['region_code']);
  await refused(() => sup.post('/api/v1/warehouses', { name: 'x', region_code: COUNTY }), 400, 'invalid_input', ['region_code']);
  await refused(() => sup.post('/api/v1/warehouses', { name: '东安县物资储备库', region_code: GRID_A }), 409, 'conflict');
  await refused(() => sup.post('/api/v1/warehouses', { name: 'x', region_code: '431122101201999' }), 404, 'not_found', ['region_code']);
});

test('fund accounts: 专项党费 by the organisation department, donation account by supplies', async () => {
  ids.partyFee = ok(await organiser.post('/api/v1/fund-accounts', { name: '专项党费', kind: 'party_fee', region_code: CITY }), 201).id;
  ids.donated = ok(await sup.post('/api/v1/fund-accounts', { name: '东安县捐赠资金', kind: 'donation', region_code: COUNTY }), 201).id;
  const list = ok(await viewer.get('/api/v1/fund-accounts'));
  assert.equal(list.items.length, 2);
  assert.equal(list.items[0].balance_fen, 0);
  await refused(() => organiser.post('/api/v1/fund-accounts', { name: '专项党费', kind: 'party_fee', region_code: CITY }), 409, 'conflict');
  await refused(() => supCounty.post('/api/v1/fund-accounts', { name: 'y', kind: 'other', region_code: OTHER_COUNTY }), 404, 'not_found', ['region_code']);
  await refused(() => sup.post('/api/v1/fund-accounts', { name: 'y', kind: 'cash', region_code: CITY }), 400, 'invalid_input', ['kind']);
  await refused(() => viewer.post('/api/v1/fund-accounts', { name: 'y', kind: 'other', region_code: CITY }), 403, 'forbidden');
});

// ---- donations ------------------------------------------------------------------

test('donations: goods into a warehouse as lots, money into the fund in fen; certificate', async () => {
  let r = await sup.post('/api/v1/donations', {
    donor_id: ids.donorCo, receipt_no: 'JZ-2026-0001', donated_on: '2026-01-28', receiving_unit: '东安县红十字会',
    warehouse_id: ids.whA, account_id: ids.donated, money_fen: 12345678,
    lines: [{ item_id: ids.mask, packs: 20 }, { item_id: ids.alcohol, quantity: 300 }],
  });
  const d = ok(r, 201);
  ids.donation1 = d.id;
  assert.equal(d.lines[0].quantity, 1000);
  assert.equal(d.lines[0].in_stock, 1000);
  assert.equal(d.contact_phone, '138****5678');
  assert.equal(stockOf(ids.whA, ids.mask), 1000);
  ids.donation2 = ok(await sup.post('/api/v1/donations', {
    donor_id: ids.donorAnon, receipt_no: 'JZ-2026-0002', donated_on: '2026-02-03', receiving_unit: '东安县红十字会',
    warehouse_id: ids.whA, lines: [{ item_id: ids.mask, quantity: 500 }],
  }), 201).id;
  ids.donation3 = ok(await supCounty.post('/api/v1/donations', {
    donor_id: ids.donorParty, receipt_no: 'JZ-2026-0003', donated_on: '2026-02-04', receiving_unit: '东安县委组织部',
    account_id: ids.donated, money_fen: 1,
  }), 201).id;
  const account = ok(await sup.get(`/api/v1/fund-accounts/${ids.donated}/entries`));
  assert.equal(account.account.balance_fen, 12345679);
  assert.equal(account.items.length, 2);
  assert.ok(account.items.every((e) => e.direction === 'in' && e.donation_id));

  r = await sup.get(`/api/v1/donations/${ids.donation1}/certificate`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/html/);
  assert.ok(r.text.includes('捐赠证书') && r.text.includes('永州某医药公司') && r.text.includes('¥123,456.78'));
  assert.ok(r.text.includes('JZ-2026-0001') && !r.text.includes(PHONE) && !r.text.includes('138****'));
  r = await sup.get(`/api/v1/donations/${ids.donation2}/certificate`);
  assert.ok(r.text.includes('匿名') && !r.text.includes('张三'));

  const list = ok(await supCounty.get('/api/v1/donations'));
  assert.deepEqual(list.items.map((x) => x.id), [ids.donation3, ids.donation2, ids.donation1]);
  assertError(assert, await supOther.get(`/api/v1/donations/${ids.donation1}`), 404, 'not_found');
  assertError(assert, await supOther.get(`/api/v1/donations/${ids.donation1}/certificate`), 404, 'not_found');
  assertBalanced();
});

test('donations: bad input and scope write nothing', async () => {
  const good = {
    donor_id: ids.donorCo, receipt_no: 'JZ-X', receiving_unit: '东安县红十字会', warehouse_id: ids.whA,
    lines: [{ item_id: ids.mask, quantity: 1 }],
  };
  const bad = [
    [{ ...good, lines: [], money_fen: 0 }, ['lines']],
    [{ ...good, money_fen: 12.5, account_id: ids.donated }, ['money_fen']],
    [{ ...good, money_fen: '100', account_id: ids.donated }, ['money_fen']],
    [{ ...good, money_fen: 100 }, ['account_id']],
    [{ ...good, lines: [{ item_id: ids.mask, quantity: -5 }] }, ['lines[0].quantity']],
    [{ ...good, lines: [{ item_id: ids.mask, quantity: 1.5 }] }, ['lines[0].quantity']],
    [{ ...good, lines: [{ item_id: 99999, quantity: 1 }] }, ['lines[0].item_id'], 404],
    [{ ...good, lines: [{ item_id: ids.alcohol, packs: 2 }] }, ['lines[0].packs']],
    [{ ...good, lines: [{ item_id: ids.mask, quantity: 1 }, { item_id: ids.mask, quantity: 2 }] }, ['lines[1].item_id']],
    [{ ...good, warehouse_id: undefined }, ['warehouse_id']],
    [{ ...good, donated_on: '2099-01-01' }, ['donated_on']],
    [{ ...good, donated_on: '2026-02-30' }, ['donated_on']],
    [{ ...good, receipt_no: '' }, ['receipt_no']],
    [{ ...good, donor_id: 99999 }, ['donor_id'], 404],
    [{ ...good, warehouse_id: 99999 }, ['warehouse_id'], 404],
  ];
  for (const [body, fields, status = 400] of bad) await refused(() => sup.post('/api/v1/donations', body), status, status === 404 ? 'not_found' : 'invalid_input', fields);
  await refused(() => sup.post('/api/v1/donations', { ...good, receipt_no: 'JZ-2026-0001' }), 409, 'conflict');
  await refused(() => supOther.post('/api/v1/donations', { ...good, warehouse_id: ids.whA }), 404, 'not_found', ['donor_id', 'warehouse_id']);
  await refused(() => supOther.post('/api/v1/donations', { ...good, lines: [], warehouse_id: undefined, account_id: ids.donated, money_fen: 5 }), 404, 'not_found', ['donor_id', 'account_id']);
  const otherAccount = ok(await supOther.post('/api/v1/fund-accounts', { name: '冷水滩捐赠资金', kind: 'donation', region_code: OTHER_COUNTY }), 201).id;
  await refused(() => supOther.post('/api/v1/donations', { ...good, lines: [], warehouse_id: undefined, account_id: otherAccount, money_fen: 5 }), 404, 'not_found', ['donor_id']);
  await refused(() => viewer.post('/api/v1/donations', good), 403, 'forbidden');
});

// ---- the ledger and traceability ------------------------------------------------------

const allocate = (client, wh, lines, extra = {}) => client.post('/api/v1/ledger', {
  kind: 'allocate', warehouse_id: wh, recipient_kind: 'hospital', recipient_region: COUNTY,
  recipient_name: '东安县人民医院', lines, ...extra,
});

// Every "id" and "..._id" member of an answer, at any depth, is a number (or null):
// ledger entries once gave "item_id":"1".
function idsAreNumbers(v, where = '$') {
  if (Array.isArray(v)) return v.forEach((x, i) => idsAreNumbers(x, `${where}[${i}]`));
  if (!v || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v)) {
    if ((k === 'id' || k.endsWith('_id')) && x !== null) assert.equal(typeof x, 'number', `${where}.${k} = ${JSON.stringify(x)}`);
    idsAreNumbers(x, `${where}.${k}`);
  }
}

test('FIFO traceability: donation -> transfer -> allocations -> back to the donation', async () => {
  // 1200 masks out of 1000 (donation 1) + 500 (donation 2): the first lot is used up first.
  let op = ok(await allocate(sup, ids.whA, [{ item_id: ids.mask, quantity: 1200 }]), 201);
  ids.alloc1 = op.id;
  idsAreNumbers(op);
  assert.equal(op.entries[0].item_id, ids.mask);
  idsAreNumbers(ok(await sup.get(`/api/v1/ledger/${op.id}`), 200));
  idsAreNumbers(ok(await sup.get('/api/v1/ledger'), 200));
  const from = op.entries[0].drawn_from;
  assert.deepEqual(from.map((f) => [f.receipt_no, f.quantity]), [['JZ-2026-0001', 1000], ['JZ-2026-0002', 200]]);
  assert.equal(from[1].donor, '匿名');
  assert.equal(op.entries[0].balance_after, 300);

  // 100 move to warehouse B, keeping their donation; 60 of them go to a checkpoint.
  op = ok(await supCounty.post('/api/v1/ledger', { kind: 'transfer', warehouse_id: ids.whA, to_warehouse_id: ids.whB, lines: [{ item_id: ids.mask, quantity: 100 }] }), 201);
  ids.transfer = op.id;
  assert.deepEqual(op.entries.map((e) => [e.kind, e.delta]), [['transfer_out', -100], ['transfer_in', 100]]);
  op = ok(await supCounty.post('/api/v1/ledger', { kind: 'allocate', warehouse_id: ids.whB, recipient_kind: 'checkpoint', recipient_region: GRID_B, recipient_name: '茶亭卡口', lines: [{ item_id: ids.mask, quantity: 60 }] }), 201);
  ids.alloc2 = op.id;
  assert.deepEqual(op.entries[0].drawn_from.map((f) => [f.receipt_no, f.quantity]), [['JZ-2026-0002', 60]]);
  // 10 consumed at warehouse A.
  ok(await sup.post('/api/v1/ledger', { kind: 'consume', warehouse_id: ids.whA, lines: [{ item_id: ids.mask, quantity: 10 }] }), 201);

  const d2 = ok(await sup.get(`/api/v1/donations/${ids.donation2}`));
  const line = d2.lines[0];
  assert.equal(line.quantity, 500);
  assert.equal(line.allocated, 260);
  assert.equal(line.consumed_or_adjusted, 10);
  assert.equal(line.in_stock, 230);
  assert.equal(line.quantity, line.allocated + line.consumed_or_adjusted + line.in_stock);
  assert.deepEqual(line.went.map((w) => [w.kind, w.recipient_name, w.quantity]),
    [['allocate', '东安县人民医院', 200], ['allocate', '茶亭卡口', 60], ['consume', null, 10]]);
  const d1 = ok(await sup.get(`/api/v1/donations/${ids.donation1}`));
  assert.equal(d1.lines[0].allocated, 1000);
  assert.equal(d1.lines[0].in_stock, 0);
  assertBalanced();
});

test('ledger: stock never negative (409, nothing written); adjust needs a coded reason and approver', async () => {
  const have = stockOf(ids.whA, ids.mask);
  await refused(() => allocate(sup, ids.whA, [{ item_id: ids.mask, quantity: have + 1 }]), 409, 'conflict');
  await refused(() => allocate(sup, ids.whA, [{ item_id: ids.alcohol, quantity: 1 }, { item_id: ids.mask, quantity: have + 1 }]), 409, 'conflict');
  await refused(() => sup.post('/api/v1/ledger', { kind: 'adjust', warehouse_id: ids.whA, reason_code: 'damaged', approver: '李科长', lines: [{ item_id: ids.rice, quantity: -1 }] }), 409, 'conflict');
  const bad = [
    [{ kind: 'steal', warehouse_id: ids.whA, lines: [{ item_id: ids.mask, quantity: 1 }] }, ['kind']],
    [{ kind: 'adjust', warehouse_id: ids.whA, lines: [{ item_id: ids.mask, quantity: -1 }] }, ['reason_code', 'approver']],
    [{ kind: 'adjust', warehouse_id: ids.whA, reason_code: 'whim', approver: '李', lines: [{ item_id: ids.mask, quantity: -1 }] }, ['reason_code']],
    [{ kind: 'allocate', warehouse_id: ids.whA, lines: [{ item_id: ids.mask, quantity: 1 }] }, ['recipient_kind', 'recipient_region', 'recipient_name']],
    [{ kind: 'allocate', warehouse_id: ids.whA, recipient_kind: 'hospital', recipient_region: '431122999', recipient_name: 'x', lines: [{ item_id: ids.mask, quantity: 1 }] }, ['recipient_region'], 404],
    [{ kind: 'transfer', warehouse_id: ids.whA, lines: [{ item_id: ids.mask, quantity: 1 }] }, ['to_warehouse_id']],
    [{ kind: 'transfer', warehouse_id: ids.whA, to_warehouse_id: ids.whA, lines: [{ item_id: ids.mask, quantity: 1 }] }, ['to_warehouse_id']],
    [{ kind: 'consume', warehouse_id: ids.whA, lines: [] }, ['lines']],
    [{ kind: 'consume', warehouse_id: ids.whA, lines: [{ item_id: ids.mask, quantity: 0 }] }, ['lines[0].quantity']],
    [{ kind: 'consume', warehouse_id: ids.whA, lines: [{ item_id: ids.mask }] }, ['lines[0].quantity']],
    [{ kind: 'consume', warehouse_id: ids.whA, lines: [{ item_id: ids.mask, quantity: 1, packs: 1 }] }, ['lines[0].packs']],
    [{ kind: 'consume', warehouse_id: ids.whA, date: '2099-01-01', lines: [{ item_id: ids.mask, quantity: 1 }] }, ['date']],
    [{ kind: 'consume', warehouse_id: 99999, lines: [{ item_id: ids.mask, quantity: 1 }] }, ['warehouse_id'], 404],
    [{ kind: 'consume', warehouse_id: ids.whA, recipient_name: 'x', lines: [{ item_id: ids.mask, quantity: 1 }] }, ['recipient_name']],
  ];
  for (const [body, fields, status = 400] of bad) await refused(() => sup.post('/api/v1/ledger', body), status, status === 404 ? 'not_found' : 'invalid_input', fields);
  // Scope: another county's warehouse, or a recipient outside the jurisdiction.
  await refused(() => supOther.post('/api/v1/ledger', { kind: 'consume', warehouse_id: ids.whA, lines: [{ item_id: ids.mask, quantity: 1 }] }), 404, 'not_found', ['warehouse_id']);
  await refused(() => allocate(supCounty, ids.whA, [{ item_id: ids.mask, quantity: 1 }], { recipient_region: OTHER_COUNTY }), 404, 'not_found', ['recipient_region']);
  await refused(() => commander.post('/api/v1/ledger', { kind: 'consume', warehouse_id: ids.whA, lines: [{ item_id: ids.mask, quantity: 1 }] }), 403, 'forbidden');

  // A count gain of 3 packs creates a lot without a donation; a loss takes it FIFO.
  const gain = ok(await sup.post('/api/v1/ledger', { kind: 'adjust', warehouse_id: ids.whA, reason_code: 'count_gain', approver: '李科长', lines: [{ item_id: ids.mask, packs: 3 }] }), 201);
  assert.equal(gain.entries[0].delta, 150);
  assert.equal(gain.entries[0].lots[0].donation_id, null);
  const loss = ok(await sup.post('/api/v1/ledger', { kind: 'adjust', warehouse_id: ids.whA, reason_code: 'damaged', approver: '李科长', note: '受潮', lines: [{ item_id: ids.mask, quantity: -5 }] }), 201);
  assert.equal(loss.entries[0].delta, -5);
  assert.equal(loss.reason_code, 'damaged');
  assertBalanced();
});

// What the ledger list says of an operation's reversal, from "client"'s view:
// [reversible, reversed_by_op_id] (the same on every entry of the operation).
async function reversal(client, opId) {
  const rows = ok(await client.get('/api/v1/ledger?limit=500')).items.filter((e) => e.op_id === opId);
  assert.ok(rows.length > 0, `operation ${opId} listed`);
  assert.ok(rows.every((e) => e.reversible === rows[0].reversible && e.reversed_by_op_id === rows[0].reversed_by_op_id));
  return [rows[0].reversible, rows[0].reversed_by_op_id];
}

test('reversing entries: an allocation is put back into the same lots, once; donation receipts are never undone', async () => {
  assert.deepEqual(await reversal(supCounty, ids.alloc2), [true, null]);
  const before_ = stockOf(ids.whB, ids.mask);
  let r = ok(await supCounty.post(`/api/v1/ledger/${ids.alloc2}/reverse`, { approver: '赵主任', note: '调错卡口' }), 201);
  assert.equal(r.kind, 'reversal');
  assert.equal(r.reverses_op_id, ids.alloc2);
  assert.deepEqual(r.entries[0].drawn_from.map((f) => [f.receipt_no, f.quantity]), [['JZ-2026-0002', -60]]);
  assert.equal(stockOf(ids.whB, ids.mask), before_ + 60);
  const d2 = ok(await sup.get(`/api/v1/donations/${ids.donation2}`));
  assert.ok(!d2.lines[0].went.some((w) => w.recipient_name === '茶亭卡口'));
  assert.equal(ok(await sup.get(`/api/v1/ledger/${ids.alloc2}`)).reversed_by_op_id, r.id);
  await refused(() => supCounty.post(`/api/v1/ledger/${ids.alloc2}/reverse`, { approver: '赵主任' }), 409, 'conflict');
  await refused(() => supCounty.post(`/api/v1/ledger/${r.id}/reverse`, { approver: '赵主任' }), 409, 'conflict');
  // The list says so: reversed once, by which; a reversal is not reversed.
  assert.deepEqual(await reversal(supCounty, ids.alloc2), [false, r.id]);
  assert.deepEqual(await reversal(supCounty, r.id), [false, null]);
  const receipt = sql(srv.db, `SELECT id FROM ledger_ops WHERE donation_id = ${ids.donation1}`)[0].id;
  assert.deepEqual(await reversal(sup, receipt), [false, null]);
  await refused(() => sup.post(`/api/v1/ledger/${receipt}/reverse`, { approver: '赵主任' }), 422, 'rule_violation');
  await refused(() => sup.post(`/api/v1/ledger/${ids.alloc1}/reverse`, {}), 400, 'invalid_input', ['approver']);
  await refused(() => supOther.post(`/api/v1/ledger/${ids.alloc1}/reverse`, { approver: 'x' }), 404, 'not_found');
  await refused(() => sup.post('/api/v1/ledger/99999/reverse', { approver: 'x' }), 404, 'not_found');

  // A purchase can be reversed while its units are all there, not after some went out.
  const buy = ok(await sup.post('/api/v1/ledger', { kind: 'receive', warehouse_id: ids.whA, lines: [{ item_id: ids.rice, quantity: 50000 }] }), 201);
  assert.equal(buy.source, 'purchase');
  const eat = ok(await sup.post('/api/v1/ledger', { kind: 'consume', warehouse_id: ids.whA, lines: [{ item_id: ids.rice, quantity: 1000 }] }), 201);
  assert.deepEqual(await reversal(sup, buy.id), [false, null]); // some of its rice is eaten
  await refused(() => sup.post(`/api/v1/ledger/${buy.id}/reverse`, { approver: '赵主任' }), 409, 'conflict');
  ok(await sup.post(`/api/v1/ledger/${eat.id}/reverse`, { approver: '赵主任' }), 201);
  assert.deepEqual(await reversal(sup, buy.id), [true, null]); // all back in its lot
  ok(await sup.post(`/api/v1/ledger/${buy.id}/reverse`, { approver: '赵主任' }), 201);
  assert.equal(stockOf(ids.whA, ids.rice), 0);
  // The transfer cannot be undone after units moved on... but can once they are back.
  assert.deepEqual(await reversal(supCounty, ids.transfer), [true, null]);
  r = ok(await supCounty.post(`/api/v1/ledger/${ids.transfer}/reverse`, { approver: '赵主任' }), 201);
  assert.equal(stockOf(ids.whB, ids.mask), 0);
  assertBalanced();
});

test('ledger list, one operation, xlsx export; scope filters', async () => {
  const all = ok(await sup.get('/api/v1/ledger?limit=500'));
  assert.ok(all.items.length > 10);
  assert.ok(all.items.every((e, i) => i === 0 || e.id < all.items[i - 1].id));
  const page = ok(await sup.get('/api/v1/ledger?limit=3'));
  assert.equal(page.items.length, 3);
  const next = ok(await sup.get(`/api/v1/ledger?limit=3&cursor=${page.next_cursor}`));
  assert.ok(next.items[0].id < page.items[2].id);
  const masks = ok(await sup.get(`/api/v1/ledger?item_id=${ids.mask}&warehouse_id=${ids.whB}&limit=500`));
  assert.ok(masks.items.every((e) => e.item_id === ids.mask && e.warehouse_id === ids.whB));
  assert.equal(ok(await supOther.get('/api/v1/ledger')).items.length, 0);
  assertError(assert, await supOther.get(`/api/v1/ledger/${ids.alloc1}`), 404, 'not_found');
  assertError(assert, await sup.get('/api/v1/ledger?warehouse_id=abc'), 400, 'invalid_input', ['warehouse_id']);

  const r = await sup.req('GET', '/api/v1/ledger.xlsx');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /spreadsheetml/);
  const res = await fetch(srv.url + '/api/v1/ledger.xlsx', { headers: { Cookie: sup.cookie } });
  const bytes = Buffer.from(await res.arrayBuffer());
  assert.equal(bytes.subarray(0, 2).toString(), 'PK');
  // For people: the coded columns in the pages' words, no code under a Chinese header.
  const [head, ...rows] = xlsxRows(bytes);
  assert.equal(rows.length, sql(srv.db, 'SELECT count(*) AS n FROM ledger_entries')[0].n);
  const column = (h) => {
    const i = head.indexOf(h);
    assert.ok(i >= 0, `header ${h}`);
    return rows.map((r) => r[i] ?? '').filter((v) => v !== '');
  };
  const words = {
    操作: ['采购入库', '捐赠入库', '分配', '调拨', '消耗', '盘点调整', '冲销'],
    分录: ['入库', '分配', '调出', '调入', '消耗', '盘点调整'],
    去向类别: ['地区', '医院', '队伍', '卡口'],
    调整原因: ['盘盈', '盘亏', '损坏', '过期', '丢失', '其他'],
    来源: ['捐赠', '采购'],
  };
  for (const [h, allowed] of Object.entries(words))
    for (const v of new Set(column(h))) assert.ok(allowed.includes(v), `${h}: ${v}`);
  // Every kind written by the tests above is there by its name.
  assert.deepEqual([...new Set(column('操作'))].sort(), [...words.操作].sort());
  assert.deepEqual([...new Set(column('分录'))].sort(), [...words.分录].sort());
  for (const [h, some] of [['去向类别', ['医院', '卡口']], ['调整原因', ['损坏', '盘盈']], ['来源', ['捐赠', '采购']]])
    for (const w of some) assert.ok(column(h).includes(w), `${h}: ${w}`);
  const codes = new Set([...'receive allocate transfer transfer_out transfer_in consume adjust reversal'.split(' '),
    'donation', 'purchase', 'region', 'hospital', 'team', 'checkpoint', 'count_gain', 'count_loss', 'damaged', 'expired', 'lost', 'other']);
  assert.deepEqual(rows.flat().filter((v) => codes.has(v)), []);
  assert.equal(sql(srv.db, "SELECT count(*) AS n FROM audit_log WHERE entity = 'ledger' AND action = 'export'")[0].n >= 1, true);
  assert.equal((await srv.anon().get('/api/v1/ledger.xlsx')).status, 401);
});

// ---- thresholds and roll-ups ---------------------------------------------------------

test('thresholds: below-threshold counter and a stock_low alert deduplicated per warehouse, item and day', async () => {
  const have = stockOf(ids.whA, ids.alcohol);
  let w = ok(await sup.req('PUT', `/api/v1/warehouses/${ids.whA}/thresholds`, { item_id: ids.alcohol, threshold: have - 10 }));
  assert.equal(w.items.find((i) => i.item_id === ids.alcohol).below, false);
  let summary = ok(await sup.get(`/api/v1/supplies/summary?region=${COUNTY}`));
  assert.equal(summary.supply_low, 0);
  ok(await allocate(sup, ids.whA, [{ item_id: ids.alcohol, quantity: 20 }]), 201);
  ok(await allocate(sup, ids.whA, [{ item_id: ids.alcohol, quantity: 5 }]), 201);
  summary = ok(await sup.get(`/api/v1/supplies/summary?region=${GRID_A}`));
  assert.equal(summary.supply_low, 1);
  const alerts = ok(await admin.get('/api/v1/alerts?rule=stock_low'));
  assert.equal(alerts.items.length, 1);
  assert.equal(alerts.items[0].grid_code, GRID_A);
  assert.match(alerts.items[0].title_zh, /75%酒精/);
  w = ok(await sup.get(`/api/v1/warehouses/${ids.whA}`));
  assert.equal(w.items.find((i) => i.item_id === ids.alcohol).below, true);
  assert.equal(ok(await sup.get('/api/v1/warehouses')).items.find((x) => x.id === ids.whA).below_threshold, 1);
  // Lowering the threshold clears the counter.
  ok(await sup.req('PUT', `/api/v1/warehouses/${ids.whA}/thresholds`, { item_id: ids.alcohol, threshold: 0 }));
  assert.equal(ok(await sup.get(`/api/v1/supplies/summary?region=${CITY}`)).supply_low, 0);
  await refused(() => sup.req('PUT', `/api/v1/warehouses/${ids.whA}/thresholds`, { item_id: ids.alcohol, threshold: -1 }), 400, 'invalid_input', ['threshold']);
  await refused(() => supOther.req('PUT', `/api/v1/warehouses/${ids.whA}/thresholds`, { item_id: ids.alcohol, threshold: 1 }), 404, 'not_found');

  // Per-item roll-up: received at the warehouse's grid, allocated at the recipient's region.
  summary = ok(await sup.get(`/api/v1/supplies/summary?region=${CITY}`));
  const mask = summary.items.find((i) => i.item_id === ids.mask);
  assert.equal(mask.received, 1500);
  assert.equal(mask.in_stock, sql(srv.db, `SELECT SUM(quantity) AS n FROM stock WHERE item_id = ${ids.mask}`)[0].n);
  assert.equal(mask.allocated, sql(srv.db, `SELECT -SUM(delta) AS n FROM ledger_entries WHERE kind = 'allocate' AND item_id = ${ids.mask}`)[0].n);
  assert.equal(summary.donations, 3);
  assert.equal(summary.donation_money_fen, 12345679);
  assertError(assert, await supCounty.get(`/api/v1/supplies/summary?region=${OTHER_COUNTY}`), 403, 'forbidden');
});

// ---- requests ----------------------------------------------------------------------------

test('requests: a hospital asks, officers fulfil in part then fully; open list; beyond the request is 422', async () => {
  const req = ok(await health.post('/api/v1/supply-requests', {
    requester_kind: 'hospital', region_code: COUNTY, requester_name: '东安县人民医院', needed_by: '2026-02-10',
    lines: [{ item_id: ids.mask, quantity: 100 }, { item_id: ids.alcohol, quantity: 10 }],
  }), 201);
  assert.equal(req.status, 'open');
  assert.equal(req.region_name, '东安县'); // the region in words beside its code
  assert.ok(ok(await sup.get('/api/v1/supply-requests?status=open')).items.some((x) => x.id === req.id && x.region_name === '东安县'));
  let r = ok(await sup.post(`/api/v1/supply-requests/${req.id}/fulfil`, { warehouse_id: ids.whA, lines: [{ item_id: ids.mask, quantity: 40 }] }), 201);
  assert.equal(r.status, 'partial');
  assert.equal(r.lines.find((l) => l.item_id === ids.mask).fulfilled, 40);
  const op = ok(await sup.get(`/api/v1/ledger/${r.op_id}`));
  assert.equal(op.recipient_name, '东安县人民医院');
  assert.equal(op.request_id, req.id);
  assert.ok(ok(await sup.get('/api/v1/supply-requests?status=open')).items.some((x) => x.id === req.id));
  await refused(() => sup.post(`/api/v1/supply-requests/${req.id}/fulfil`, { warehouse_id: ids.whA, lines: [{ item_id: ids.mask, quantity: 61 }] }), 422, 'rule_violation', ['lines[0].quantity']);
  await refused(() => sup.post(`/api/v1/supply-requests/${req.id}/fulfil`, { warehouse_id: ids.whA, lines: [{ item_id: ids.rice, quantity: 1 }] }), 409, 'conflict');
  r = ok(await sup.post(`/api/v1/supply-requests/${req.id}/fulfil`, { warehouse_id: ids.whA, lines: [{ item_id: ids.mask, quantity: 60 }, { item_id: ids.alcohol, quantity: 10 }] }), 201);
  assert.equal(r.status, 'fulfilled');
  assert.ok(!ok(await sup.get('/api/v1/supply-requests?status=open')).items.some((x) => x.id === req.id));
  await refused(() => sup.post(`/api/v1/supply-requests/${req.id}/fulfil`, { warehouse_id: ids.whA, lines: [{ item_id: ids.mask, quantity: 1 }] }), 409, 'conflict');
  // Reversing a fulfilment reopens the request.
  ok(await sup.post(`/api/v1/ledger/${r.op_id}/reverse`, { approver: '赵主任' }), 201);
  r = ok(await sup.get(`/api/v1/supply-requests/${req.id}`));
  assert.equal(r.status, 'partial');
  assert.equal(r.operations.length, 3);

  await refused(() => health.post('/api/v1/supply-requests', { requester_kind: 'hospital', region_code: OTHER_COUNTY, requester_name: 'x', lines: [{ item_id: ids.mask, quantity: 1 }] }), 404, 'not_found', ['region_code']);
  await refused(() => health.post('/api/v1/supply-requests', { requester_kind: 'shop', region_code: COUNTY, requester_name: 'x', lines: [] }), 400, 'invalid_input', ['requester_kind', 'lines']);
  await refused(() => health.post('/api/v1/supply-requests', { requester_kind: 'hospital', region_code: COUNTY, lines: [{ item_id: ids.mask, quantity: 1 }] }), 400, 'invalid_input', ['requester_name']);
  await refused(() => worker.post('/api/v1/supply-requests', { requester_kind: 'region', region_code: GRID_A, requester_name: 'x', lines: [{ item_id: ids.mask, quantity: 1 }] }), 403, 'forbidden');
  await refused(() => health.post(`/api/v1/supply-requests/${req.id}/fulfil`, { warehouse_id: ids.whA, lines: [{ item_id: ids.mask, quantity: 1 }] }), 403, 'forbidden');
  assertError(assert, await sup.get('/api/v1/supply-requests?status=closed'), 400, 'invalid_input', ['status']);
  assertError(assert, await supOther.get(`/api/v1/supply-requests/${req.id}`), 404, 'not_found');
  assertBalanced();
});

// ---- funds ----------------------------------------------------------------------------------

test('funds: in/out in fen with purpose and approver; never below zero; reversal once; random entries sum to the fen', async () => {
  const post = (body) => organiser.post('/api/v1/fund-entries', { account_id: ids.partyFee, purpose: '上级下拨专项党费', approver: '组织部长', ...body });
  ok(await post({ direction: 'in', amount_fen: 5000000 }), 201);
  await refused(() => post({ direction: 'out', amount_fen: 5000001 }), 409, 'conflict');
  const bad = [
    [{ direction: 'in', amount_fen: 12.34 }, ['amount_fen']],
    [{ direction: 'in', amount_fen: '1234' }, ['amount_fen']],
    [{ direction: 'in', amount_fen: 0 }, ['amount_fen']],
    [{ direction: 'sideways', amount_fen: 1 }, ['direction']],
    [{ direction: 'in', amount_fen: 1, purpose: '' }, ['purpose']],
    [{ direction: 'in', amount_fen: 1, approver: undefined }, ['approver']],
    [{ direction: 'in', amount_fen: 1, account_id: 99999 }, ['account_id'], 404],
  ];
  for (const [body, fields, status = 400] of bad) await refused(() => post(body), status, status === 404 ? 'not_found' : 'invalid_input', fields);
  await refused(() => viewer.post('/api/v1/fund-entries', { account_id: ids.partyFee, direction: 'in', amount_fen: 1, purpose: 'x', approver: 'y' }), 403, 'forbidden');

  // Random entries: the balance equals their sum to the fen.
  let expected = 5000000;
  let seed = 7;
  const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed; };
  for (let i = 0; i < 60; i++) {
    const amount = 1 + (rnd() % 99999);
    const dir = rnd() % 3 === 0 && expected >= amount ? 'out' : 'in';
    ok(await post({ direction: dir, amount_fen: amount, purpose: `慰问一线党员 #${i}` }), 201);
    expected += dir === 'in' ? amount : -amount;
  }
  let account = ok(await organiser.get(`/api/v1/fund-accounts/${ids.partyFee}/entries?limit=500`));
  assert.equal(account.account.balance_fen, expected);
  assert.equal(account.items[0].balance_after, expected);
  const last = account.items[0];
  const rev = ok(await organiser.post(`/api/v1/fund-entries/${last.id}/reverse`, { approver: '组织部长' }), 201);
  account = ok(await organiser.get(`/api/v1/fund-accounts/${ids.partyFee}/entries?limit=1`));
  assert.equal(account.items[0].id, rev.id);
  assert.equal(account.items[0].reverses_id, last.id);
  assert.equal(account.account.balance_fen, expected + (last.direction === 'in' ? -last.amount_fen : last.amount_fen));
  await refused(() => organiser.post(`/api/v1/fund-entries/${last.id}/reverse`, { approver: '组织部长' }), 409, 'conflict');
  const donationEntry = sql(srv.db, 'SELECT id FROM fund_entries WHERE donation_id IS NOT NULL LIMIT 1')[0].id;
  await refused(() => sup.post(`/api/v1/fund-entries/${donationEntry}/reverse`, { approver: 'x' }), 422, 'rule_violation');
  const city = sql(srv.db, "SELECT value FROM region_counters WHERE code = '4311' AND metric = 'fund_balance_fen'")[0].value;
  assert.equal(city, sql(srv.db, 'SELECT SUM(balance_fen) AS n FROM fund_accounts')[0].n);
  assertBalanced();
});

test('fund allocations: payments to a recipient region, undone there by a reversal, rolled up per county, in scope', async () => {
  const pay = (body, c = organiser) => c.post('/api/v1/fund-entries', { account_id: ids.partyFee, direction: 'out', purpose: '拨付一线防控经费', approver: '组织部长', ...body });
  ok(await organiser.post('/api/v1/fund-entries', { account_id: ids.partyFee, direction: 'in', amount_fen: 3000000, purpose: '上级下拨', approver: '组织部长' }), 201);
  const first = ok(await pay({ amount_fen: 1000000, recipient_region: COUNTY }), 201).items[0];
  assert.equal(first.recipient_region, COUNTY);
  ok(await pay({ amount_fen: 250000, recipient_region: GRID_A }), 201); // a grid of the county: counted for the county
  ok(await pay({ amount_fen: 400000, recipient_region: OTHER_COUNTY }), 201);
  const undone = ok(await pay({ amount_fen: 50000, recipient_region: OTHER_COUNTY }), 201).items[0];
  const revId = ok(await organiser.post(`/api/v1/fund-entries/${undone.id}/reverse`, { approver: '组织部长' }), 201).id;
  const rev = ok(await organiser.get(`/api/v1/fund-accounts/${ids.partyFee}/entries?limit=1`)).items[0];
  assert.deepEqual([rev.id, rev.direction, rev.recipient_region], [revId, 'in', OTHER_COUNTY]);
  let r = ok(await organiser.get('/api/v1/fund-allocations'));
  assert.deepEqual(r.items.map((c) => [c.code, c.name, c.allocated_fen, c.entries]),
    [[OTHER_COUNTY, '冷水滩区', 400000, 1], [COUNTY, '东安县', 1250000, 2]].sort());
  assert.equal(r.total_fen, 1650000);
  // The roll-up equals the entries themselves.
  const oracle = sql(srv.db, `SELECT substr(recipient_region, 1, 6) AS code, SUM(CASE direction WHEN 'out' THEN amount_fen ELSE -amount_fen END) AS fen
    FROM fund_entries WHERE recipient_region IS NOT NULL GROUP BY 1 ORDER BY 1`);
  assert.deepEqual(r.items.map((c) => [c.code, c.allocated_fen]), oracle.map((o) => [o.code, Number(o.fen)]));
  // A county sees what was allocated to it (from the city's account too), nothing of the other county.
  r = ok(await supCounty.get('/api/v1/fund-allocations'));
  assert.deepEqual(r.items.map((c) => [c.code, c.allocated_fen]), [[COUNTY, 1250000]]);
  assert.deepEqual(ok(await supCounty.get(`/api/v1/fund-allocations?region=${GRID_A}`)).items.map((c) => c.allocated_fen), [250000]);
  assertError(assert, await supCounty.get(`/api/v1/fund-allocations?region=${OTHER_COUNTY}`), 403, 'forbidden');
  // Bad input writes nothing: an income to a region, a code that is not one; outside = missing.
  await refused(() => pay({ direction: 'in', amount_fen: 1, recipient_region: COUNTY }), 400, 'invalid_input', ['recipient_region']);
  await refused(() => pay({ amount_fen: 1, recipient_region: '43x' }), 400, 'invalid_input', ['recipient_region']);
  const out = await refused(() => pay({ account_id: ids.donated, amount_fen: 1, recipient_region: OTHER_COUNTY }, supCounty), 404, 'not_found', ['recipient_region']);
  const gone = await refused(() => pay({ account_id: ids.donated, amount_fen: 1, recipient_region: '431199' }, supCounty), 404, 'not_found', ['recipient_region']);
  assert.equal(out.text.replace(OTHER_COUNTY, '<code>'), gone.text.replace('431199', '<code>'));
  const en = await refused(() => pay({ direction: 'in', amount_fen: 1, recipient_region: COUNTY }, organiser.withLang('en')), 400, 'invalid_input', ['recipient_region']);
  assert.match(en.body.error.fields[0].message, /only a payment \(out\)/);
  // Audited with the region.
  const audit = JSON.parse(sql(srv.db, `SELECT after_json FROM audit_log WHERE entity = 'fund_entry' AND entity_id = '${first.id}'`)[0].after_json);
  assert.equal(audit.recipient_region, COUNTY);
  assertBalanced();
});

// ---- concurrency ------------------------------------------------------------------------------

test('60 parallel allocations of one unit against a stock of 25: exactly 25 succeed, never below zero', async () => {
  const item = ok(await sup.post('/api/v1/items', { name: '防护服', category: 'protective', unit: '件' }), 201).id;
  ok(await sup.post('/api/v1/ledger', { kind: 'receive', warehouse_id: ids.whB, lines: [{ item_id: item, quantity: 25 }] }), 201);
  const clients = [sup, supCounty, await srv.as('supplies', COUNTY, { username: 'supplies_extra' })];
  const results = await Promise.all(Array.from({ length: 60 }, (_, i) =>
    allocate(clients[i % 3], ids.whB, [{ item_id: item, quantity: 1 }], { recipient_name: `卡口 ${i}` })));
  const statuses = results.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 201).length, 25, JSON.stringify(statuses));
  assert.equal(statuses.filter((s) => s === 409).length, 35);
  assert.equal(stockOf(ids.whB, item), 0);
  assert.equal(sql(srv.db, `SELECT MIN(balance_after) AS m FROM ledger_entries WHERE item_id = ${item}`)[0].m, 0);
  assert.equal(sql(srv.db, `SELECT SUM(delta) AS s FROM ledger_entries WHERE item_id = ${item}`)[0].s, 0);
  assertBalanced();
});

test('client_uuid: a retried allocation or donation is written once; another body under the same UUID is 409', async () => {
  const item = ok(await sup.post('/api/v1/items', { name: '医用手套', category: 'medical', unit: '副' }), 201).id;
  ok(await sup.post('/api/v1/ledger', { kind: 'receive', warehouse_id: ids.whB, lines: [{ item_id: item, quantity: 100 }] }), 201);
  const uuid = crypto.randomUUID();
  const body = { kind: 'allocate', warehouse_id: ids.whB, recipient_kind: 'team', recipient_region: COUNTY, recipient_name: '党员突击队', lines: [{ item_id: item, quantity: 30 }], client_uuid: uuid };
  // Ten copies at once (a flaky network retrying): one write, nine replays of it.
  const results = await Promise.all(Array.from({ length: 10 }, () => sup.post('/api/v1/ledger', body)));
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
  assert.equal(new Set(results.map((r) => r.body.id)).size, 1);
  assert.ok(results.filter((r) => r.status === 200).every((r) => r.headers.get('idempotent-replay') === 'true'));
  assert.equal(stockOf(ids.whB, item), 70);
  await refused(() => sup.post('/api/v1/ledger', { ...body, lines: [{ item_id: item, quantity: 31 }] }), 409, 'conflict');
  await refused(() => sup.post('/api/v1/ledger', { ...body, client_uuid: 'not-a-uuid' }), 400, 'invalid_input', ['client_uuid']);

  const donation = { donor_id: ids.donorCo, receipt_no: 'JZ-2026-0100', receiving_unit: '东安县红十字会', warehouse_id: ids.whB, lines: [{ item_id: item, quantity: 5 }], client_uuid: crypto.randomUUID() };
  const first = ok(await sup.post('/api/v1/donations', donation), 201);
  const again = await sup.post('/api/v1/donations', donation);
  assert.equal(again.status, 200);
  assert.equal(again.body.id, first.id);
  assert.equal(stockOf(ids.whB, item), 75);
  assertBalanced();
});

// ---- public disclosure ---------------------------------------------------------------------------

test('references: a record outside the scope answers exactly as a missing one (404, same body, no name, nothing written)', async () => {
  const MISSING = 999999;
  // Records of the other county, each with a name that must never leak.
  const donorOut = ok(await supOther.post('/api/v1/donors', { name: '冷水滩秘密捐赠方', kind: 'enterprise', region_code: OTHER_COUNTY }), 201).id;
  const accountOut = ok(await supOther.post('/api/v1/fund-accounts', { name: '冷水滩秘密账户', kind: 'other', region_code: OTHER_COUNTY }), 201).id;
  const requestOut = ok(await supOther.post('/api/v1/supply-requests', { requester_kind: 'hospital', region_code: OTHER_COUNTY, requester_name: '冷水滩秘密医院', lines: [{ item_id: ids.mask, quantity: 1 }] }), 201).id;
  // In-scope records of the county officer.
  const donorIn = ok(await supCounty.post('/api/v1/donors', { name: '东安县某企业', kind: 'enterprise', region_code: COUNTY }), 201).id;
  const requestIn = ok(await supCounty.post('/api/v1/supply-requests', { requester_kind: 'hospital', region_code: COUNTY, requester_name: '东安县人民医院', lines: [{ item_id: ids.mask, quantity: 1 }] }), 201).id;
  const line = [{ item_id: ids.mask, quantity: 1 }];
  const cases = [
    ['POST', '/api/v1/donations', (x) => ({ donor_id: x, receipt_no: 'JZ-REF', receiving_unit: '东安县红十字会', warehouse_id: ids.whA, lines: line }), donorOut, '冷水滩秘密捐赠方'],
    ['POST', '/api/v1/donations', (x) => ({ donor_id: donorIn, receipt_no: 'JZ-REF', receiving_unit: '东安县红十字会', warehouse_id: x, lines: line }), ids.whC, '冷水滩仓库'],
    ['POST', '/api/v1/donations', (x) => ({ donor_id: donorIn, receipt_no: 'JZ-REF', receiving_unit: '东安县红十字会', account_id: x, money_fen: 100 }), accountOut, '冷水滩秘密账户'],
    ['POST', '/api/v1/ledger', (x) => ({ kind: 'consume', warehouse_id: x, lines: line }), ids.whC, '冷水滩仓库'],
    ['POST', '/api/v1/ledger', (x) => ({ kind: 'transfer', warehouse_id: ids.whA, to_warehouse_id: x, lines: line }), ids.whC, '冷水滩仓库'],
    ['POST', '/api/v1/ledger', (x) => ({ kind: 'allocate', warehouse_id: ids.whA, recipient_kind: 'hospital', recipient_region: COUNTY, recipient_name: '医院', request_id: x, lines: line }), requestOut, '冷水滩秘密医院'],
    ['POST', `/api/v1/supply-requests/${requestIn}/fulfil`, (x) => ({ warehouse_id: x, lines: line }), ids.whC, '冷水滩仓库'],
    ['POST', '/api/v1/fund-entries', (x) => ({ account_id: x, direction: 'in', amount_fen: 1, purpose: 'x', approver: 'y' }), accountOut, '冷水滩秘密账户'],
    ['POST', '/api/v1/donors', (x) => ({ name: 'x', kind: 'individual', region_code: x }), OTHER_COUNTY, null, '431199'],
    ['POST', '/api/v1/warehouses', (x) => ({ name: 'x', region_code: x }), GRID_C, null, '431122101201999'],
    ['POST', '/api/v1/fund-accounts', (x) => ({ name: 'x', kind: 'other', region_code: x }), OTHER_COUNTY, null, '431199'],
    ['POST', '/api/v1/supply-requests', (x) => ({ requester_kind: 'hospital', region_code: x, requester_name: 'x', lines: line }), OTHER_COUNTY, null, '431199'],
  ];
  for (const [method, path, body, outId, name, missing = MISSING] of cases) {
    const out = await refused(() => supCounty.req(method, path, body(outId)), 404, 'not_found');
    const gone = await refused(() => supCounty.req(method, path, body(missing)), 404, 'not_found');
    const shape = (r, id) => r.text.split(String(id)).join('<id>');
    assert.equal(shape(out, outId), shape(gone, missing), `${path}: out of scope and missing answer alike`);
    if (name) assert.ok(!out.text.includes(name), `${path}: no name of the referenced record`);
  }
});

test('public disclosure: no login, no phone numbers, totals equal the ledger; HTML and CSV', async () => {
  const anon = srv.anon();
  const r = await anon.get('/public/donations');
  assert.equal(r.status, 200, r.text);
  assert.ok(!/1[3-9]\d{9}/.test(r.text) && !r.text.includes('****'), 'no phone numbers');
  assert.ok(!r.text.includes('张三'), 'anonymous donors stay anonymous');
  const pub = r.body;
  assert.equal(pub.items.length, 4);
  assert.deepEqual(pub.items.map((d) => d.donor), ['永州某医药公司', '匿名', '东安县流动党支部', '永州某医药公司']);
  assert.equal(pub.totals.donations, 4);
  assert.equal(pub.totals.money_fen, sql(srv.db, "SELECT SUM(amount_fen) AS n FROM fund_entries WHERE donation_id IS NOT NULL")[0].n);
  for (const t of pub.totals.by_item) {
    const received = sql(srv.db, `SELECT SUM(e.delta) AS n FROM ledger_entries e JOIN ledger_ops o ON o.id = e.op_id
      WHERE o.source = 'donation' AND e.item_id = ${t.item_id}`)[0].n;
    assert.equal(t.donated, received, `donated ${t.item_name}`);
    const allocated = sql(srv.db, `SELECT COALESCE(SUM(d.quantity),0) AS n FROM lot_draws d JOIN lots l ON l.id = d.lot_id
      JOIN ledger_entries e ON e.id = d.entry_id WHERE l.donation_id IS NOT NULL AND e.kind = 'allocate' AND l.item_id = ${t.item_id}`)[0].n;
    assert.equal(t.allocated, allocated);
    assert.equal(t.donated, t.allocated + t.consumed_or_adjusted + t.in_stock);
    // The sum over donations of their lines' trace agrees with the totals.
    const lines = pub.items.flatMap((d) => d.lines).filter((l) => l.item_id === t.item_id);
    assert.equal(lines.reduce((s, l) => s + l.allocated, 0), t.allocated);
    assert.equal(lines.reduce((s, l) => s + l.went.filter((w) => w.kind === 'allocate').reduce((a, w) => a + w.quantity, 0), 0), t.allocated);
  }
  const month = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 7);
  assert.deepEqual(pub.totals.by_month.map((m) => [m.month, m.donations, m.money_fen]), [['2026-01', 1, 12345678], ['2026-02', 2, 1], [month, 1, 0]]);

  const html = await anon.get('/public/donations', { headers: { Accept: 'text/html' } });
  assert.equal(html.status, 200);
  assert.match(html.headers.get('content-type'), /text\/html/);
  assert.ok(html.text.includes('社会捐赠公示') && html.text.includes('¥123,456.79') && html.text.includes('东安县人民医院'));
  assert.ok(!/1[3-9]\d{9}/.test(html.text));

  const csv = await anon.get('/public/donations.csv');
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /text\/csv/);
  assert.ok(csv.text.startsWith('收据号'));
  const raw = Buffer.from(await (await fetch(srv.url + '/public/donations.csv')).arrayBuffer());
  assert.deepEqual([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM for Excel');
  const rows = csv.text.trim().split('\r\n');
  assert.equal(rows.length, 1 + 2 + 1 + 1 + 1);
  assert.ok(rows[1].includes('JZ-2026-0001') && rows[1].includes('123456.78'));
  // For people: the donor kind (类别) and where goods went without a recipient
  // (去向) in Chinese, in the HTML page too; the JSON keeps the codes.
  assert.equal(rows[0].split(',')[3], '类别');
  const kindsShown = rows.slice(1).map((row) => row.split(',')[3]);
  assert.ok(kindsShown.includes('企业') && kindsShown.includes('匿名') && kindsShown.includes('党组织'), kindsShown.join());
  assert.ok(kindsShown.every((k) => ['企业', '两新组织', '党组织', '个人', '匿名'].includes(k)), kindsShown.join());
  const bare = pub.items.flatMap((d) => d.lines.flatMap((l) => l.went)).filter((w) => !w.recipient_name);
  assert.ok(bare.length > 0 && bare.every((w) => ['consume', 'adjust'].includes(w.kind)), JSON.stringify(bare));
  for (const w of bare) {
    const zh = { consume: '消耗', adjust: '盘点调整' }[w.kind];
    assert.ok(csv.text.includes(`${w.date} ${zh} ${w.quantity}`), `CSV: ${w.date} ${zh}`);
    assert.ok(html.text.includes(`${w.date} ${zh} `), `HTML: ${w.date} ${zh}`);
  }
  for (const code of ['consume', 'adjust', 'enterprise', 'party_org', 'anonymous'])
    assert.ok(!new RegExp(`[,; ]${code}[,; ]`).test(csv.text) && !html.text.includes(` ${code} `), code);
  assert.ok(!/1[3-9]\d{9}/.test(csv.text));
  assertError(assert, await anon.get('/public/donations?after=x'), 400, 'invalid_input', ['after']);
  // Paging: the JSON cursor and the HTML page's next link.
  const p1 = ok(await anon.get('/public/donations?limit=2'));
  assert.equal(p1.items.length, 2);
  const p2 = ok(await anon.get(`/public/donations?limit=2&after=${p1.next_cursor}`));
  assert.deepEqual(p2.items.map((d) => d.id), pub.items.slice(2, 4).map((d) => d.id));
  const h1 = await anon.get('/public/donations?limit=2', { headers: { Accept: 'text/html' } });
  assert.ok(h1.text.includes(`href="/public/donations?after=${p1.next_cursor}"`));
  // A page ending at the last donation is the last: no cursor, no next link.
  const n = pub.items.length;
  const all = ok(await anon.get(`/public/donations?limit=${n}`));
  assert.equal(all.items.length, n);
  assert.equal(all.next_cursor, null);
  const hAll = await anon.get(`/public/donations?limit=${n}`, { headers: { Accept: 'text/html' } });
  assert.ok(!hAll.text.includes('class="next"'));
  const most = ok(await anon.get(`/public/donations?limit=${n - 1}`));
  const rest = ok(await anon.get(`/public/donations?limit=${n - 1}&after=${most.next_cursor}`));
  assert.deepEqual(rest.items.map((d) => d.id), [pub.items[n - 1].id]);
  assert.equal(rest.next_cursor, null);

  // Subtotals by donor kind: every kind in a fixed order, equal to the donations themselves;
  // ?donor_kind= narrows the donations and every total to that kind (JSON, HTML, CSV).
  const KINDS = ['enterprise', 'new_social', 'party_org', 'individual', 'anonymous'];
  assert.equal(pub.donor_kind, null);
  assert.deepEqual(pub.totals.by_donor_kind.map((k) => k.donor_kind), KINDS);
  assert.deepEqual(pub.totals.by_donor_kind.map((k) => k.name), ['企业', '两新组织', '党组织', '个人', '匿名']);
  const kindSql = (k) => sql(srv.db, `SELECT count(*) AS n, COALESCE(SUM(d.money_fen), 0) AS fen FROM donations d
    JOIN donors r ON r.id = d.donor_id WHERE r.kind = '${k}'`)[0];
  for (const k of pub.totals.by_donor_kind) {
    const o = kindSql(k.donor_kind);
    assert.deepEqual([k.donations, k.money_fen], [Number(o.n), Number(o.fen)], k.donor_kind);
  }
  assert.equal(pub.totals.by_donor_kind.reduce((a, k) => a + k.donations, 0), pub.totals.donations);
  assert.equal(pub.totals.by_donor_kind.reduce((a, k) => a + k.money_fen, 0), pub.totals.money_fen);
  const enterprise = pub.totals.by_donor_kind.find((k) => k.donor_kind === 'enterprise');
  assert.equal(enterprise.donations, 2);
  const ent = ok(await anon.get('/public/donations?donor_kind=enterprise'));
  assert.equal(ent.donor_kind, 'enterprise');
  assert.deepEqual(ent.items.map((d) => d.donor), ['永州某医药公司', '永州某医药公司']);
  assert.deepEqual([ent.totals.donations, ent.totals.money_fen], [enterprise.donations, enterprise.money_fen]);
  assert.deepEqual(ent.totals.by_donor_kind, [enterprise]);
  for (const t of ent.totals.by_item) {
    const given = enterprise.goods.find((g) => g.item_id === t.item_id);
    assert.equal(t.donated, given.quantity, t.item_name);
    assert.equal(t.donated, t.allocated + t.consumed_or_adjusted + t.in_stock);
  }
  assert.equal(ent.totals.by_month.reduce((a, m) => a + m.donations, 0), 2);
  const none = ok(await anon.get('/public/donations?donor_kind=new_social'));
  assert.deepEqual([none.items, none.totals.donations, none.totals.by_item, none.totals.by_month], [[], 0, [], []]);
  assertError(assert, await anon.get('/public/donations?donor_kind=alien'), 400, 'invalid_input', ['donor_kind']);
  const en = await anon.withLang('en').get('/public/donations.csv?donor_kind=alien');
  assertError(assert, en, 400, 'invalid_input', ['donor_kind']);
  assert.match(en.body.error.fields[0].message, /must be enterprise, new_social/);
  const entHtml = await anon.get('/public/donations?donor_kind=enterprise&limit=1', { headers: { Accept: 'text/html' } });
  assert.ok(entHtml.text.includes('id="by-donor-kind"') && entHtml.text.includes('<strong id="donor-kind">企业</strong>'));
  assert.ok(entHtml.text.includes('&amp;donor_kind=enterprise">下一页') && entHtml.text.includes('/public/donations.csv?donor_kind=enterprise'));
  assert.ok(html.text.includes('<tr data-kind="party_org"><td><a href="/public/donations?donor_kind=party_org">党组织</a>'));
  const partyCsv = (await anon.get('/public/donations.csv?donor_kind=party_org')).text.trim().split('\r\n');
  assert.ok(partyCsv.length > 1 && partyCsv.slice(1).every((row) => row.includes('东安县流动党支部')), partyCsv.join('\n'));
  // The same subtotals in the ledger (in scope) and the list narrowed by kind.
  const county = ok(await sup.get(`/api/v1/supplies/summary?region=${COUNTY}`)).by_donor_kind;
  for (const k of county) {
    const o = sql(srv.db, `SELECT count(*) AS n, COALESCE(SUM(d.money_fen), 0) AS fen FROM donations d
      JOIN donors r ON r.id = d.donor_id WHERE r.kind = '${k.donor_kind}' AND d.region_code LIKE '${COUNTY}%'`)[0];
    assert.deepEqual([k.donations, k.money_fen], [Number(o.n), Number(o.fen)], k.donor_kind);
  }
  const listed = ok(await sup.get('/api/v1/donations?donor_kind=enterprise')).items;
  assert.ok(listed.length === 2 && listed.every((d) => d.donor_kind === 'enterprise'));
  assertError(assert, await sup.get('/api/v1/donations?donor_kind=x'), 400, 'invalid_input', ['donor_kind']);

  // Names are text, never markup or spreadsheet formulas.
  const evil = ok(await sup.post('/api/v1/donors', { name: '<script>alert(1)</script>公司', kind: 'enterprise' }), 201).id;
  const d = ok(await sup.post('/api/v1/donations', { donor_id: evil, receipt_no: '=HYPERLINK("x")', receiving_unit: '红十字会&<b>', account_id: ids.donated, money_fen: 100 }), 201);
  for (const page of [await anon.get('/public/donations', { headers: { Accept: 'text/html' } }), await sup.get(`/api/v1/donations/${d.id}/certificate`)]) {
    assert.ok(!page.text.includes('<script>alert') && !page.text.includes('<b>'));
    assert.ok(page.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;公司'));
  }
  const csv2 = await anon.get('/public/donations.csv');
  assert.ok(csv2.text.includes(`"'=HYPERLINK(""x"")"`), 'a formula-looking cell is quoted and prefixed');
});
