// shell.test.mjs -- the web shell in a real browser: logging in and out, the
// server's error messages, throttling, the header, the language switch, the
// phone layout, and the API's documentation page (/api/docs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PASSWORD, startServer } from '../api/lib.mjs';
import { buildCity, launch, loginForm, openPage, SHOTS } from './browser.mjs';

let srv, browser;
// A commander lands on the dashboard, whose event stream a reload or a logout
// aborts (live.js keeps it a few seconds after leaving): not a page error.
const realErrors = (page) => page.errors.filter((e) => !/api\/v1\/events net::ERR_ABORTED/.test(e));

// A user with a display name, at county level, so that the header has
// something to show besides the username.
function addUser(s, username, role, scope, name) {
  const r = s.cli(['user', 'add', username, '--role', role, '--scope', scope, '--name', name],
    { input: PASSWORD + '\n' });
  assert.equal(r.status, 0, r.stderr);
}

before(async () => {
  srv = await startServer();
  await buildCity(srv);
  addUser(srv, 'zhou', 'commander', '431122', '周指挥');
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

describe('login and logout', () => {
  test('a wrong password shows the server message and no session', async () => {
    const page = await openPage(browser, srv);
    await page.goto('/');
    await page.locator('input[name=username]').fill('zhou');
    await page.locator('input[name=password]').fill('not-the-password');
    await page.locator('form button[type=submit]').click();
    await assert.doesNotReject(page.getByRole('alert').getByText('用户名或密码错误').waitFor());
    assert.equal(await page.locator('.topbar .display-name').count(), 0);
    assert.equal(await page.locator('.logout').count(), 0);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('empty fields are refused before asking the server', async () => {
    const page = await openPage(browser, srv);
    await page.goto('/');
    let asked = false;
    page.on('request', (r) => { if (r.url().endsWith('/api/v1/session') && r.method() === 'POST') asked = true; });
    await page.locator('form button[type=submit]').click();
    await page.getByRole('alert').getByText('请输入用户名和密码').waitFor();
    assert.equal(asked, false);
    await page.context().close();
  });

  test('login shows name, role and jurisdiction; reload keeps the session; logout ends it', async () => {
    const page = await openPage(browser, srv);
    await page.goto('/');
    await loginForm(page, 'zhou', PASSWORD);
    const head = page.locator('.topbar');
    assert.equal(await head.locator('.display-name').textContent(), '周指挥');
    assert.equal(await head.locator('.role').textContent(), '指挥部');
    assert.equal(await head.locator('.scope').textContent(), '东安县');
    // "/" opens a commander's home page: the dashboard of the jurisdiction root
    await page.waitForURL(/\/dashboard\/431122$/);
    await page.locator('section.dash h1', { hasText: '东安县' }).waitFor();
    // the region browser is one click away in the header
    await head.getByRole('link', { name: '地区', exact: true }).click();
    await page.waitForURL(/\/regions\/431122$/);
    await page.locator('h1', { hasText: '东安县' }).waitFor();
    await page.screenshot({ path: `${SHOTS}/epigrid-regions-desktop.png`, fullPage: true });

    await page.reload();
    await page.locator('.topbar .display-name', { hasText: '周指挥' }).waitFor();
    await page.locator('h1', { hasText: '东安县' }).waitFor();

    await page.locator('.topbar .logout').click();
    await page.locator('input[name=username]').waitFor();
    assert.equal(await page.locator('.topbar .display-name').count(), 0);
    // the cookie is gone on the server too: a reload asks for a login again
    await page.reload();
    await page.locator('input[name=username]').waitFor();
    const r = await page.evaluate(() => fetch('/api/v1/session').then((x) => x.status));
    assert.equal(r, 401);
    assert.deepEqual(realErrors(page), []);
    await page.context().close();
  });

  test('a deep link opens after logging in', async () => {
    const page = await openPage(browser, srv);
    await page.goto('/regions/431122101');
    await loginForm(page, 'zhou', PASSWORD);
    await page.locator('h1', { hasText: '白牙市镇' }).waitFor();
    assert.match(page.url(), /\/regions\/431122101$/);
    await page.context().close();
  });

  test('a region outside the jurisdiction shows the 403 message', async () => {
    const page = await openPage(browser, srv);
    await page.goto('/regions/431123');
    await loginForm(page, 'zhou', PASSWORD);
    await page.getByRole('alert').getByText('超出管辖范围').waitFor();
    assert.equal(await page.getByText('双牌县').count(), 0);
    await page.context().close();
  });
});

describe('language switch', () => {
  test('English and back, remembered across reloads; server messages follow', async () => {
    const page = await openPage(browser, srv);
    await page.goto('/');
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    await page.getByRole('button', { name: 'English' }).click();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await page.getByRole('heading', { name: 'Log in' }).waitFor();
    // the wrong-password message now comes from the server in English
    await page.locator('input[name=username]').fill('zhou');
    await page.locator('input[name=password]').fill('wrong-password');
    await page.locator('form button[type=submit]').click();
    await page.getByRole('alert').getByText('wrong username or password').waitFor();

    await page.reload();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await loginForm(page, 'zhou', PASSWORD);
    const head = page.locator('.topbar');
    assert.equal(await head.locator('.role').textContent(), 'Command HQ');
    // a commander lands on the dashboard; the region browser is in the header
    await page.locator('section.dash h1', { hasText: 'Command dashboard' }).waitFor();
    await head.getByRole('link', { name: 'Regions', exact: true }).click();
    await head.getByRole('button', { name: 'Log out' }).waitFor();
    await page.locator('th', { hasText: 'Households' }).waitFor();
    await page.getByText('Sub-regions').waitFor();
    // no Chinese UI text is left (names of places and people stay Chinese)
    const text = await page.locator('body').innerText();
    for (const zh of ['退出登录', '户数', '人数', '下级地区', '指挥部', '人员查询'])
      assert.ok(!text.includes(zh), `"${zh}" still shown in English mode`);
    await page.screenshot({ path: `${SHOTS}/epigrid-regions-en.png`, fullPage: true });

    await page.reload();
    await page.locator('.topbar .role', { hasText: 'Command HQ' }).waitFor();

    await page.getByRole('button', { name: '中文' }).click();
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    await page.locator('.topbar .role', { hasText: '指挥部' }).waitFor();
    await page.getByRole('button', { name: '退出登录' }).waitFor();
    await page.reload();
    await page.locator('.topbar .role', { hasText: '指挥部' }).waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('epigrid.lang')), 'zh-CN');
    assert.deepEqual(realErrors(page), []);
    await page.context().close();
  });
});

describe('phone layout (375 px)', () => {
  const phone = { width: 375, height: 740 };
  const overflow = (page) =>
    page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

  for (const lang of ['zh-CN', 'en']) {
    test(`no horizontal overflow on the login and region pages (${lang})`, async () => {
      const page = await openPage(browser, srv, { viewport: phone });
      await page.addInitScript((l) => localStorage.setItem('epigrid.lang', l), lang);
      await page.goto('/regions'); // a commander's "/" is the dashboard
      await page.locator('input[name=username]').waitFor();
      assert.equal(await overflow(page), 0, 'login page overflows');
      await loginForm(page, 'zhou', PASSWORD);
      await page.locator('table.children').waitFor();
      assert.equal(await overflow(page), 0, 'region page overflows');
      await page.locator('table.children a', { hasText: '白牙市镇' }).click();
      await page.locator('table.children a', { hasText: '茶亭社区' }).waitFor();
      assert.equal(await overflow(page), 0, 'township page overflows');
      if (lang === 'zh-CN') await page.screenshot({ path: `${SHOTS}/epigrid-regions-375.png`, fullPage: true });
      assert.deepEqual(page.errors, []);
      await page.context().close();
    });
  }
});

describe('API documentation (/api/docs)', () => {
  test('swagger-ui renders every operation of the OpenAPI document, offline, with the Chinese summaries', async () => {
    const page = await openPage(browser, srv);
    const elsewhere = [];
    page.on('request', (r) => { if (!r.url().startsWith(srv.url)) elsewhere.push(r.url()); });
    await page.goto('/api/docs');
    await page.locator('h1', { hasText: 'epigrid API 文档' }).waitFor();
    const doc = await (await fetch(`${srv.url}/api/v1/openapi.json`)).json();
    const tags = doc.tags.map((t) => t.name);
    await page.locator('.opblock-tag').nth(tags.length - 1).waitFor();
    assert.deepEqual(await page.locator('.opblock-tag').evaluateAll((els) => els.map((e) => e.dataset.tag)), tags);
    // one group opened (named in both languages): its operations with their bilingual summaries
    await page.locator('.opblock-tag[data-tag="persons"]', { hasText: '人员 / Persons' }).click();
    const persons = Object.entries(doc.paths).flatMap(([p, item]) =>
      Object.entries(item).filter(([, op]) => op.tags[0] === 'persons').map(([m, op]) => [m.toUpperCase(), p, op.summary]));
    const ops = page.locator('#operations-tag-persons + div .opblock');
    await ops.nth(persons.length - 1).waitFor();
    assert.equal(await ops.count(), persons.length);
    await page.locator('.opblock-summary-description', { hasText: '人员列表与查找' }).waitFor();
    // an operation opened: its query parameters and the error answers
    await page.locator('.opblock-summary-path[data-path="/api/v1/persons"]').first().click();
    await page.locator('.parameters tr[data-param-name="id_number"]').waitFor();
    await page.locator('.responses-table tr.response[data-code="403"]').waitFor();
    assert.deepEqual(elsewhere, []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});

describe('throttling', () => {
  test('after 5 failed logins the page shows the server\'s wait message', async () => {
    // A server of its own: throttling is per user and per IP (127.0.0.1).
    const s = await startServer();
    try {
      const page = await openPage(browser, s);
      await page.goto('/');
      const alert = page.getByRole('alert');
      for (let i = 1; i <= 6; i++) {
        await page.locator('input[name=username]').fill('nobody');
        await page.locator('input[name=password]').fill(`wrong-${i}`);
        await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'POST'),
          page.locator('form button[type=submit]').click(),
        ]);
      }
      await alert.getByText(/登录失败次数过多,请 \d+ 秒后再试/).waitFor();
      await page.context().close();
    } finally {
      await s.stop();
    }
  });
});
