// redteam.test.mjs -- red-team findings fixed in the pages, one test named
// after each (issue "Security hardening").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, startServer } from '../api/lib.mjs';
import { buildCity, launch, loginForm, openPage } from './browser.mjs';

const HOSTILE = '<img src=x onerror="__xss=1;alert(1)">';
let srv, admin, browser, round;
const day = (d = 0) => new Date(Date.now() + 8 * 3600e3 + d * 86400e3).toISOString().slice(0, 10);

before(async () => {
  srv = await startServer();
  admin = await buildCity(srv);
  // A township admin may name a region: the name is hostile.
  const r = await admin.post('/api/v1/regions', { code: '431122103', name: HOSTILE });
  assert.equal(r.status, 201, r.text);
  const rr = await admin.post('/api/v1/rounds', { name: '第一轮', region_code: '431122', start_date: day(0), end_date: day(3) });
  assert.equal(rr.status, 201, rr.text);
  round = rr.body;
  srv.user('commander', '4311');
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

test('finding 3: stored XSS in a chart -- a hostile region name in the coverage tooltip stays text', async () => {
  const page = await openPage(browser, srv);
  let dialogs = 0;
  page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });
  await page.goto(`/coverage/431122?round=${round.id}`);
  await loginForm(page, 'commander_4311', PASSWORD, { path: `/coverage/431122?round=${round.id}` });
  const chart = page.locator('.chart[role=img] canvas');
  await chart.waitFor();
  // The formatter itself: the name comes back escaped.
  const html = await page.evaluate(async (name) => (await import('/pages/command.js')).coverageTooltip({ name, visited: 1, households: 2, coverage: 50 }), HOSTILE);
  assert.ok(html.startsWith('&lt;img src=x onerror=&quot;'), html);
  assert.ok(!html.includes('<img'), html);
  // And hovering every bar of the chart runs nothing.
  const box = await chart.boundingBox();
  for (let y = box.y + 10; y < box.y + box.height - 5; y += 12) {
    await page.mouse.move(box.x + box.width * 0.5, y);
    await page.waitForTimeout(30);
  }
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__xss ?? 0), 0, 'the name ran as script');
  assert.equal(dialogs, 0);
  await page.context().close();
});
