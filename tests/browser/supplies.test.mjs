// supplies.test.mjs -- the supplies pages in a real browser: stock of a
// warehouse and an allocation recorded through the form; donations with
// money shown as ¥ (from fen), the donor's phone masked and the printable
// certificate; a reversal from the ledger tab; a fund entry typed in yuan
// and kept to the fen; the public disclosure page without login and without
// phone numbers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, startServer } from '../api/lib.mjs';
import { buildCity, launch, loginForm, openPage, SHOTS, pickRegion } from './browser.mjs';

const GRID = '431122101201001';
let srv, sup, browser;
const ids = {};

before(async () => {
  srv = await startServer();
  await buildCity(srv);
  sup = await srv.as('supplies');
  const ok = (r) => {
    assert.ok(r.status === 201, r.text);
    return r.body.id;
  };
  ids.mask = ok(await sup.post('/api/v1/items', { name: 'N95口罩', category: 'protective', unit: '只', pack_unit: '箱', pack_size: 50 }));
  ids.wh = ok(await sup.post('/api/v1/warehouses', { name: '东安县物资储备库', region_code: GRID }));
  ids.donor = ok(await sup.post('/api/v1/donors', { name: '永州某医药公司', kind: 'enterprise', contact_phone: '13812345678' }));
  ids.account = ok(await sup.post('/api/v1/fund-accounts', { name: '东安县捐赠资金', kind: 'donation', region_code: '431122' }));
  ids.donation = ok(await sup.post('/api/v1/donations', {
    donor_id: ids.donor, receipt_no: 'JZ-0001', donated_on: '2026-01-28', receiving_unit: '东安县红十字会',
    warehouse_id: ids.wh, account_id: ids.account, money_fen: 12345678, lines: [{ item_id: ids.mask, packs: 20 }],
  }));
  // Rice is counted in grams, bought in 25 kg bags: 10 t, never added to masks.
  ids.rice = ok(await sup.post('/api/v1/items', { name: '大米', category: 'food', unit: 'g', pack_unit: '袋', pack_size: 25000 }));
  ids.wh2 = ok(await sup.post('/api/v1/warehouses', { name: '白牙市镇中转仓', region_code: '431122101201002' }));
  ok(await sup.post('/api/v1/ledger', { kind: 'receive', warehouse_id: ids.wh, lines: [{ item_id: ids.rice, packs: 400 }] }));
  ids.transfer = ok(await sup.post('/api/v1/ledger', { kind: 'transfer', warehouse_id: ids.wh, to_warehouse_id: ids.wh2, lines: [{ item_id: ids.rice, packs: 10 }] }));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

test('stock tab: warehouse stock, an allocation through the form updates it', async () => {
  const page = await openPage(browser, srv);
  await page.goto('/supplies/4311');
  await loginForm(page, 'supplies_4311', PASSWORD);
  await page.locator('h1', { hasText: '物资、捐赠与资金' }).waitFor();
  // Totals per item, each in the units people use; no figure adds rice to masks.
  const byItem = (name) => page.locator(`table.sup-by-item tr[data-item="${name}"]`);
  await byItem('大米').waitFor();
  assert.match(await byItem('大米').locator('td.received').textContent(), /^10 吨\s*\(400 袋\)$/);
  assert.match(await byItem('N95口罩').locator('td.in-stock').textContent(), /^1,000 只\s*\(20 箱\)$/);
  assert.deepEqual(await page.locator('.sup-figures dd').evaluateAll((dds) => dds.map((d) => d.dataset.figure)), ['items', 'supply_low']);
  // A warehouse's name, and apart from it the village and grid it stands in.
  const store = page.locator('ul.warehouses button.warehouse').first();
  assert.equal(await store.locator('.wh-name').textContent(), '东安县物资储备库');
  assert.equal(await store.locator('.wh-place').textContent(), '位于 茶亭社区 · 雍景园小区');
  const qty = page.locator('table.stock tr[data-item="N95口罩"] td.quantity');
  assert.equal(await qty.getAttribute('data-quantity'), '1000');
  assert.match(await page.locator('table.stock tr[data-item="大米"] td.quantity').textContent(), /^9.75 吨\s*\(390 袋\)$/);
  const form = page.locator('form.entry-form');
  await form.locator('select[name=kind]').selectOption('allocate');
  await form.locator('input[name=quantity]').fill('120');
  await form.locator('input[name=recipient_name]').fill('东安县人民医院');
  assert.equal(await pickRegion(form, 'recipient_region', '431122'), '431122');
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/ledger') && r.status() === 201),
    form.locator('button[type=submit]').click(),
  ]);
  await page.locator('table.stock tr[data-item="N95口罩"] td.quantity[data-quantity="880"]', { hasText: '880 只 (17 箱零 30 只)' }).waitFor();
  // More than the stock: the server's 409 message is shown, nothing changes.
  await form.locator('input[name=quantity]').fill('5000');
  await form.locator('button[type=submit]').click();
  await form.locator('.error', { hasText: '库存不足' }).waitFor();
  assert.equal(await qty.getAttribute('data-quantity'), '880');
  await page.screenshot({ path: `${SHOTS}/supplies-stock.png`, fullPage: true });
  assert.deepEqual(page.errors.filter((e) => !e.includes('409')), []);
});

test('donations tab: money as ¥ from fen, phone masked, certificate; ledger reversal; funds in yuan to the fen', async () => {
  const page = await openPage(browser, srv);
  await page.goto('/supplies/4311?tab=donations');
  await loginForm(page, 'supplies_4311', PASSWORD);
  const row = page.locator('table.donations tr[data-receipt="JZ-0001"]');
  await row.waitFor();
  assert.equal((await row.locator('td.money').textContent()).trim(), '¥123,456.78');
  const text = await row.textContent();
  assert.ok(text.includes('138****5678') && !text.includes('13812345678'));
  assert.ok(text.includes('东安县人民医院'), 'where the goods went');
  const href = await row.locator('a.certificate').getAttribute('href');
  const cert = await page.request.get(href);
  assert.equal(cert.status(), 200);
  assert.ok((await cert.text()).includes('捐赠证书'));
  // subtotals by donor kind; a kind filters the list
  const ent = page.locator('table.donor-kinds tr[data-kind="enterprise"]');
  assert.match(await ent.textContent(), /企业\s*1\s*¥123,456\.78/);
  await page.locator('table.donor-kinds tr[data-kind="party_org"] a').click();
  await row.waitFor({ state: 'detached' });
  await page.locator('table.donor-kinds a.all-kinds').click();
  await row.waitFor();

  await page.locator('nav.sup-tabs a', { hasText: '台账' }).click();
  const alloc = page.locator('table.ledger tbody tr', { hasText: '东安县人民医院' }).first();
  await alloc.waitFor();
  // Where the allocated units came from: the donation's lot.
  await alloc.locator('button.trace-toggle').click();
  await page.locator('tr.trace-row', { hasText: 'JZ-0001 永州某医药公司 · 120' }).waitFor();
  const allocOp = Number(await alloc.getAttribute('data-op'));
  page.once('dialog', (d) => d.accept('赵主任'));
  await Promise.all([
    page.waitForResponse((r) => r.url().includes('/reverse') && r.status() === 201),
    alloc.locator('button.reverse').click(),
  ]);
  await page.locator('table.ledger tr.reversal').first().waitFor();
  // 冲销 once per operation and only where it applies: not the reversed allocation
  // (it says by which), not the reversal, not a donation; the transfer once for its two rows.
  const opRows = (op) => page.locator(`table.ledger tr[data-op="${op}"]`);
  const reversalOp = Number(await page.locator('table.ledger tr.reversal').first().getAttribute('data-op'));
  await opRows(allocOp).locator('.reversed', { hasText: `已由 #${reversalOp} 冲销` }).waitFor();
  assert.equal(await opRows(allocOp).locator('button.reverse').count(), 0);
  assert.equal(await opRows(reversalOp).locator('button.reverse').count(), 0);
  assert.equal(await page.locator('table.ledger tr', { hasText: '捐赠入库' }).locator('button.reverse').count(), 0);
  assert.equal(await opRows(ids.transfer).count(), 2);
  assert.equal(await opRows(ids.transfer).locator('button.reverse').count(), 1);
  assert.match(await opRows(ids.transfer).first().locator('td.delta').textContent(), /^[+-]250 千克\s*\(10 袋\)$/);

  await page.locator('nav.sup-tabs a', { hasText: '资金' }).click();
  const form = page.locator('form.fund-entry-form');
  await form.locator('select[name=direction]').selectOption('out');
  await form.locator('input[name=amount]').fill('0.1');
  await form.locator('input[name=purpose]').fill('购买消毒液');
  await form.locator('input[name=approver]').fill('李科长');
  assert.equal(await pickRegion(form, 'recipient_region', '431122'), '431122');
  await form.locator('button[type=submit]').click();
  await page.locator('table.accounts td.balance', { hasText: '¥123,456.68' }).waitFor();
  // allocated to the county: the roll-up per county shows it
  await page.locator('table.allocations tr[data-code="431122"]', { hasText: '¥0.10' }).waitFor();
  // The donated money cannot be reversed from the page; the payment can, once.
  const rows = page.locator('table.fund-entries tbody tr');
  assert.equal(await rows.count(), 2);
  assert.equal(await rows.nth(1).locator('button.reverse').count(), 0);
  page.once('dialog', (d) => d.accept('李科长'));
  await Promise.all([
    page.waitForResponse((r) => r.url().includes('/fund-entries/') && r.status() === 201),
    rows.nth(0).locator('button.reverse').click(),
  ]);
  await page.locator('table.accounts td.balance', { hasText: '¥123,456.78' }).waitFor();
  await page.locator('table.fund-entries tbody tr', { hasText: '已冲销' }).waitFor();
  // ... and the allocations per county follow the reversal (they did not, once).
  await page.locator('table.allocations tr[data-code="431122"]', { hasText: '¥0.10' }).waitFor({ state: 'detached' });
  // A float-looking amount with three decimals is refused before it is sent.
  await form.locator('input[name=amount]').fill('1.005');
  await form.locator('input[name=purpose]').fill('x');
  await form.locator('input[name=approver]').fill('y');
  await form.locator('button[type=submit]').click();
  await form.locator('.error').waitFor();
  assert.equal((await page.locator('table.accounts td.balance').first().textContent()).trim(), '¥123,456.78');
  assert.deepEqual(page.errors, []);
});

test('requests tab: a request of a hospital fulfilled from stock through the form leaves the open list', async () => {
  const health = await srv.as('health', '431122');
  const r = await health.post('/api/v1/supply-requests', {
    requester_kind: 'hospital', region_code: '431122', requester_name: '东安县人民医院', lines: [{ item_id: ids.mask, quantity: 30 }],
  });
  assert.equal(r.status, 201, r.text);
  const page = await openPage(browser, srv);
  await page.goto('/supplies/4311?tab=requests');
  await loginForm(page, 'supplies_4311', PASSWORD);
  const card = page.locator(`li.request[data-request="${r.body.id}"]`);
  await card.waitFor();
  // Who asks, and where, in words: 医院 · 东安县, not the region's code.
  const where = (await card.locator('p.muted').first().textContent()).trim();
  assert.match(where, /^医院 · 东安县/);
  assert.ok(!where.includes('431122'), where);
  assert.equal(await card.locator('input[name=q' + ids.mask + ']').inputValue(), '30');
  await Promise.all([
    page.waitForResponse((x) => x.url().includes('/fulfil') && x.status() === 201),
    card.locator('form.fulfil-form button[type=submit]').click(),
  ]);
  await card.waitFor({ state: 'detached' });
  await page.locator('p.empty', { hasText: '没有待满足的需求' }).waitFor();
  const stock = (await sup.get(`/api/v1/warehouses/${ids.wh}`)).body.items.find((i) => i.item_id === ids.mask).quantity;
  assert.equal(stock, 1000 - 30);
  await page.screenshot({ path: `${SHOTS}/supplies-requests.png`, fullPage: true });
  assert.deepEqual(page.errors, []);
});

test('public disclosure: no login, totals, no phone numbers; the page on a phone', async () => {
  const page = await openPage(browser, srv, { viewport: { width: 375, height: 740 } });
  await page.goto('/public/donations');
  await page.locator('h1', { hasText: '社会捐赠公示' }).waitFor();
  assert.equal((await page.locator('#total-donations').textContent()).trim(), '1');
  assert.equal((await page.locator('#total-money').textContent()).trim(), '¥123,456.78');
  const body = await page.locator('body').textContent();
  assert.ok(!/1[3-9]\d{9}/.test(body) && !body.includes('****'));
  assert.ok(body.includes('永州某医药公司') && body.includes('N95口罩'));
  // styled as the public bulletin, counts with thousands separators, nothing clipped on a phone
  assert.equal((await page.locator('#by-item tbody td.n').first().textContent()).trim(), '1,000');
  assert.match(await page.locator('#donations tbody td').nth(4).textContent(), /N95口罩 1,000 只/);
  assert.equal(await page.locator('h1').evaluate((h) => getComputedStyle(h).color), 'rgb(204, 0, 0)');
  const phone = await page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    stacked: getComputedStyle(document.querySelector('#donations tbody tr')).display,
  }));
  assert.ok(phone.overflow <= 0, `phone: page wider than the window by ${phone.overflow} px`);
  assert.equal(phone.stacked, 'block', 'on a phone each donation is a block of its own');
  await page.screenshot({ path: `${SHOTS}/supplies-public.png`, fullPage: true });
  // subtotals by donor kind, each a link to the page of that kind
  assert.match(await page.locator('#by-donor-kind tr[data-kind="enterprise"]').textContent(), /企业\s*1\s*¥123,456\.78/);
  await page.locator('#by-donor-kind tr[data-kind="individual"] a').click();
  await page.locator('#donor-kind', { hasText: '个人' }).waitFor();
  assert.equal((await page.locator('#total-donations').textContent()).trim(), '0');
  assert.deepEqual(page.errors, []);
});
