// assists.test.mjs -- 协查 in two real browsers: a township health user names a
// close contact who lives in another county; that county's health user sees
// the request arrive live (no reload), signs for it and places the person
// under observation; the sender's outbox follows the status live and never
// shows the record the request was matched to.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, startServer } from '../api/lib.mjs';
import { buildCity, idNumber, launch, loginForm, openPage } from './browser.mjs';

let srv, admin, browser, caseId, contact;
const CONTACT_ID = idNumber('431123', '19900512', 17);
const day = (d = 0) => new Date(Date.now() + 8 * 3600e3 + d * 86400e3).toISOString().slice(0, 10);

before(async () => {
  srv = await startServer();
  admin = await buildCity(srv, { persons: true });
  for (const [code, name] of [['431123101201', '泷泊社区'], ['431123101201001', '泷泊一网格']]) {
    const r = await admin.post('/api/v1/regions', { code, name });
    assert.equal(r.status, 201, r.text);
  }
  const h = await admin.post('/api/v1/households', { grid_code: '431123101201001', address: '泷泊镇一号' });
  const p = await admin.post('/api/v1/persons', { name: '赵敏', id_number: CONTACT_ID, phone: '13607461111', household_id: h.body.id });
  assert.equal(p.status, 201, p.text);
  contact = p.body;
  const persons = (await admin.get('/api/v1/persons?limit=50')).body.items;
  const patient = persons.find((x) => x.name === '李建国');
  const c = await admin.post('/api/v1/cases', { person_id: patient.id, status: 'confirmed' });
  assert.equal(c.status, 201, c.text);
  caseId = c.body.id;
  srv.user('health', '431122101');
  srv.user('health', '431123');
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

test('a request crosses the county line: received live, signed for, observation opened', async () => {
  const receiver = await openPage(browser, srv);
  await receiver.goto('/assists/431123');
  await loginForm(receiver, 'health_431123', PASSWORD, { path: '/assists/431123' });
  await receiver.locator('p.empty', { hasText: '暂无发来的协查函' }).waitFor();

  const sender = await openPage(browser, srv);
  await sender.goto('/assists/431122101?box=outbox');
  await loginForm(sender, 'health_431122101', PASSWORD, { path: '/assists/431122101?box=outbox' });
  const form = sender.locator('form.assist-send');
  await form.locator(`select[name=source_case_id] option[value="${caseId}"]`).waitFor({ state: 'attached' });
  await form.locator('select[name=source_case_id]').selectOption(String(caseId));
  await form.locator('input[name=name]').fill('赵敏');
  await form.locator('input[name=id_number]').fill(CONTACT_ID);
  await form.locator('select[name=region_code] option[value="431123"]').waitFor({ state: 'attached' });
  await form.locator('select[name=region_code]').selectOption('431123');
  await form.locator('select[name=contact_type]').selectOption('transport');
  await form.locator('input[name=last_contact_date]').fill(day(-1));
  await form.locator('input[name=note]').fill('同乘 K123 次列车');
  const t0 = Date.now();
  await form.locator('button[type=submit]').click();
  const sent = sender.locator('table.assist-list tbody tr[data-status=pending]');
  await sent.waitFor();
  assert.match(await sent.textContent(), /赵敏/);
  assert.match(await sent.textContent(), /双牌县/);
  // The sender's page never shows where it was routed or who it matched.
  const senderText = await sender.locator('main, body').first().textContent();
  assert.doesNotMatch(senderText, /泷泊一网格|本辖区人员/);

  // The receiver's inbox shows it without a reload, with the matched resident.
  const row = receiver.locator('table.assist-list tbody tr[data-status=pending]');
  await row.waitFor({ timeout: 5000 });
  const seenAfter = Date.now() - t0;
  assert.ok(seenAfter < 5000, `arrived after ${seenAfter} ms`);
  assert.ok((await row.textContent()).includes('赵敏(泷泊一网格)'), 'the matched resident and grid');
  assert.match(await row.textContent(), /白牙市镇/);
  await row.locator('button.acknowledge').click();
  await receiver.locator('table.assist-list tbody tr[data-status=acknowledged]').waitFor();
  // ... and the sender sees it signed for, live.
  await sender.locator('table.assist-list tbody tr[data-status=acknowledged]').waitFor({ timeout: 5000 });

  const signed = receiver.locator('table.assist-list tbody tr[data-status=acknowledged]');
  await signed.locator('input[name=reply]').fill('已落实居家医学观察');
  await signed.locator('button.observe').click();
  await receiver.locator('table.assist-list tbody tr[data-status=observing]').waitFor();
  await sender.locator('table.assist-list tbody tr[data-status=observing]').waitFor({ timeout: 5000 });
  assert.match(await sender.locator('table.assist-list tbody tr').first().textContent(), /已落实居家医学观察/);

  const health = await srv.login('health_431123', PASSWORD);
  const obs = await health.get(`/api/v1/observations?person=${contact.id}`);
  assert.equal(obs.status, 200, obs.text);
  assert.equal(obs.body.items.length, 1, obs.text);
  assert.equal(obs.body.items[0].reason, 'contact');
  assert.deepEqual(receiver.errors, []);
  assert.deepEqual(sender.errors, []);
  await receiver.screenshot({ path: `${process.env.EPIGRID_SHOTS || '/tmp'}/assists-inbox.png`, fullPage: true });
  await receiver.context().close();
  await sender.context().close();
});
