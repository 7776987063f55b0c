// persons.test.mjs -- person search in a real browser: by name and by ID
// number within a region, values masked as the API gives them, "load more"
// with the cursor, the unmask button only for pii_unmask (and what it
// shows), and the phone layout of the results.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, startServer } from '../api/lib.mjs';
import { buildCity, idNumber, launch, loginForm, openPage, PERSONS, SHOTS } from './browser.mjs';

let srv, admin, commander, browser;
const BY_NAME = Object.fromEntries(PERSONS.map(([grid, name, id, phone]) => [name, { grid, id, phone }]));
const CROWDED = '431122101201002'; // a grid with more persons than one page holds
const EXTRA = 23;

before(async () => {
  srv = await startServer();
  admin = await buildCity(srv, { persons: true });
  for (let i = 0; i < EXTRA; i++) {
    const r = await admin.post('/api/v1/persons', {
      name: `居民${String(i + 1).padStart(2, '0')}`,
      id_number: idNumber('431122', '20010101', 100 + i),
      grid_code: CROWDED,
    });
    assert.equal(r.status, 201, r.text);
  }
  commander = await srv.as('commander', '431122');
  await srv.as('grid_worker', '431122101201001');
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

// The result rows as the page shows them.
const rows = (page) =>
  page.locator('table.persons-table tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      id: Number(tr.dataset.id),
      name: tr.querySelector('td.name').textContent,
      id_number: tr.querySelector('td.id-number').textContent,
      phone: tr.querySelector('td.phone').textContent,
      unmask: tr.querySelector('button.unmask') !== null,
    })),
  );

// Searches through the form and waits for the answer.
async function search(page, text) {
  await page.locator('#person-query').fill(text);
  await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/persons?')),
    page.locator('form.search button[type=submit]').click(),
  ]);
  await page.locator('section.persons p.loading').waitFor({ state: 'detached' });
}

async function open(page, user, code) {
  await page.goto(`/persons/${code}`);
  await loginForm(page, user, PASSWORD);
  await page.locator('h1', { hasText: '人员查询' }).waitFor();
  await page.locator('section.persons p.loading').waitFor({ state: 'detached' });
}

describe('a role without pii_unmask (commander)', () => {
  test('finds a person by name, masked as the API masks, with no unmask button', async () => {
    const page = await openPage(browser, srv);
    await open(page, 'commander_431122', '431122');
    await search(page, '李明');
    assert.match(decodeURI(page.url()), /\/persons\/431122\?name=李明$/);
    const api = (await commander.get(`/api/v1/persons?region=431122&name=${encodeURIComponent('李明')}`)).body.items;
    assert.equal(api.length, 1);
    assert.ok(api[0].pii_masked);
    const got = await rows(page);
    assert.deepEqual(got, [{ id: api[0].id, name: '李明', id_number: api[0].id_number, phone: api[0].phone, unmask: false }]);
    assert.notEqual(got[0].id_number, BY_NAME['李明'].id, 'the full ID number must not be shown');
    assert.match(got[0].id_number, /\*{4}/);
    assert.equal(await page.locator('button.unmask').count(), 0);
    assert.equal(await page.getByText('查看完整信息').count(), 0);
    // the search is in the URL: a reload repeats it
    await page.reload();
    await page.locator('table.persons-table td.name', { hasText: '李明' }).waitFor();
    assert.equal(await page.locator('#person-query').inputValue(), '李明');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('finds a person by ID number; a miss and another region say so', async () => {
    const page = await openPage(browser, srv);
    await open(page, 'commander_431122', '431122');
    const { id } = BY_NAME['张伟'];
    await search(page, id.toLowerCase()); // an 'x' check digit is upper-cased either way
    assert.match(page.url(), new RegExp(`\\?id_number=${id}$`));
    assert.deepEqual((await rows(page)).map((r) => r.name), ['张伟']);

    await search(page, '查无此人');
    await page.locator('p.empty', { hasText: '没有找到符合条件的人员' }).waitFor();
    assert.equal(await page.locator('table.persons-table').count(), 0);

    // 陈桂兰 lives in 大庙口镇: not found from 白牙市镇, found from the county
    await page.goto(`/persons/431122101?name=${encodeURIComponent('陈桂兰')}`);
    await page.locator('p.empty').waitFor();
    await page.locator('.breadcrumb a', { hasText: '东安县' }).click();
    await page.waitForURL(/\/persons\/431122\?name=/);
    await page.locator('table.persons-table td.name', { hasText: '陈桂兰' }).waitFor();
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('"load more" follows the cursor until the list ends', async () => {
    const page = await openPage(browser, srv);
    await open(page, 'commander_431122', CROWDED);
    const first = await rows(page);
    assert.equal(first.length, 20);
    await Promise.all([
      page.waitForResponse((r) => r.url().includes('cursor=')),
      page.locator('button.load-more').click(),
    ]);
    await page.locator('section.persons p.loading').waitFor({ state: 'detached' });
    const all = await rows(page);
    const api = (await commander.get(`/api/v1/persons?region=${CROWDED}&limit=500`)).body.items;
    assert.equal(api.length, EXTRA + 1);
    assert.deepEqual(all.map((r) => r.id), api.map((p) => p.id), 'same persons, same order, no repeats');
    assert.equal(await page.locator('button.load-more').count(), 0);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});

describe('a role with pii_unmask (admin)', () => {
  test('the unmask button shows the full ID number and phone, and the view is audited', async () => {
    const page = await openPage(browser, srv);
    await open(page, 'admin_4311', '4311');
    await search(page, '王秀英');
    const [row] = await rows(page);
    const want = BY_NAME['王秀英'];
    assert.equal(row.unmask, true);
    assert.notEqual(row.id_number, want.id);
    await Promise.all([
      page.waitForResponse((r) => r.url().endsWith(`/api/v1/persons/${row.id}/unmask`) && r.status() === 200),
      page.locator(`tr[data-id="${row.id}"] button.unmask`, { hasText: '查看完整信息' }).click(),
    ]);
    await page.locator(`tr[data-id="${row.id}"] .note`).waitFor();
    const [after1] = await rows(page);
    assert.deepEqual(after1, { id: row.id, name: '王秀英', id_number: want.id, phone: want.phone, unmask: false });
    const audit = await admin.get('/api/v1/audit?limit=500');
    assert.equal(audit.status, 200, audit.text);
    assert.ok(audit.body.items.some((a) => a.action === 'unmask' && String(a.entity_id) === String(row.id)),
      'an audit row for the unmask');
    await page.screenshot({ path: `${SHOTS}/epigrid-persons-desktop.png`, fullPage: true });
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});

describe('a grid worker in their own grid', () => {
  test('sees full values without asking, and only their grid', async () => {
    const page = await openPage(browser, srv);
    await page.goto('/');
    await loginForm(page, 'grid_worker_431122101201001', PASSWORD);
    await page.getByRole('link', { name: '人员查询' }).click();
    await page.waitForURL(/\/persons\/431122101201001$/);
    // The grid's rows, not only the loader gone: the loader may not be
    // attached yet when the URL has changed (a CI run read an empty table).
    await page.locator('table.persons-table tbody tr').first().waitFor();
    await page.locator('section.persons p.loading').waitFor({ state: 'detached' });
    const got = await rows(page);
    const mine = PERSONS.filter(([grid]) => grid === '431122101201001');
    assert.deepEqual(got.map((r) => r.name).sort(), mine.map(([, name]) => name).sort());
    for (const r of got) {
      assert.equal(r.id_number, BY_NAME[r.name].id);
      assert.equal(r.unmask, false);
    }
    assert.equal(await page.getByText('已按权限脱敏显示').count(), 0);
    // the grid is named, not only coded
    await page.locator('td.grid .grid-name', { hasText: '雍景园小区' }).first().waitFor();
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});

describe('phone layout (375 px)', () => {
  test('results become cards with no horizontal overflow', async () => {
    const page = await openPage(browser, srv, { viewport: { width: 375, height: 740 } });
    await open(page, 'admin_4311', '431122101201001');
    assert.equal((await rows(page)).length, 3);
    // each value sits under its label: the table header is hidden
    assert.equal(await page.locator('table.persons-table thead').isVisible(), false);
    const width = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(width, 0, 'the person page overflows');
    await page.locator('button.unmask').first().click();
    await page.locator('.persons-table .note').first().waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);
    await page.screenshot({ path: `${SHOTS}/epigrid-persons-375.png`, fullPage: true });
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
