// browser.mjs -- what the browser tests share: Debian's chromium driven by
// playwright-core (from web/node_modules; never a downloaded browser), a page
// that records script errors, logging in through the form, and a small city
// built through the API.
//
//   const srv = await startServer();
//   const city = await buildCity(srv);          // regions (+ persons when given)
//   const browser = await launch();
//   const page = await openPage(browser, srv);  // page.errors: uncaught errors
//   await loginForm(page, 'admin_4311', PASSWORD);
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from '../api/lib.mjs';

const require = createRequire(path.join(ROOT, 'web/package.json'));
const { chromium } = require('playwright-core');

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const SHOTS = process.env.EPIGRID_SHOTS || '/tmp'; // where screenshots go

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// A fresh context (own cookies and localStorage) and page on the server.
// page.errors collects uncaught page errors, console errors and failed
// requests (other than API answers the test provoked on purpose).
export async function openPage(browser, srv, { viewport = { width: 1280, height: 800 }, locale = 'zh-CN' } = {}) {
  const context = await browser.newContext({ baseURL: srv.url, viewport, locale });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // the browser logs every 4xx fetch as a console error; those are expected answers
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) page.errors.push(`console: ${m.text()}`);
  });
  page.on('requestfailed', (r) => page.errors.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 500) page.errors.push(`HTTP ${r.status()} ${r.url()}`);
  });
  return page;
}

// Logs in through the form and waits for the header to show the user.
export async function loginForm(page, username, password, { path = '/' } = {}) {
  if (!page.url().startsWith('http')) await page.goto(path);
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(password);
  await page.locator('form button[type=submit]').click();
  await page.locator('.topbar .display-name').waitFor();
}

// GB 11643: the check character of the first 17 digits.
export function idCheck(first17) {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return '10X98765432'[sum % 11];
}

// An 18-character ID number: county, birth date (YYYYMMDD), sequence (3 digits; odd = male).
export function idNumber(county, birth, seq) {
  const first = `${county}${birth}${String(seq).padStart(3, '0')}`;
  return first + idCheck(first);
}

// Regions of a small city, created through the API as admin (in tree order).
export const REGIONS = [
  ['431122', '东安县'],
  ['431123', '双牌县'],
  ['431122101', '白牙市镇'],
  ['431122102', '大庙口镇'],
  ['431122101201', '茶亭社区'],
  ['431122101202', '城北社区'],
  ['431122101201001', '雍景园小区'],
  ['431122101201002', '茶亭街网格'],
  ['431122102201', '大庙口村'],
  ['431122102201001', '大庙口一组'],
  ['431123101', '泷泊镇'],
];

// Persons: [grid, name, id number, phone].
export const PERSONS = [
  ['431122101201001', '李建国', idNumber('431122', '19680314', 31), '13807461234'],
  ['431122101201001', '王秀英', idNumber('431122', '19720921', 42), '13907465678'],
  ['431122101201001', '李明', idNumber('431122', '19950607', 13), '15807460001'],
  ['431122101201002', '张伟', idNumber('431121', '19880102', 55), '18674600022'],
  ['431122102201001', '陈桂兰', idNumber('431122', '19540811', 22), ''],
];

// Builds the city through the API: regions always, persons with their
// households when "persons" is true.  Returns the admin client.
export async function buildCity(srv, { persons = false } = {}) {
  const admin = await srv.as('admin');
  for (const [code, name] of REGIONS) {
    const r = await admin.post('/api/v1/regions', { code, name });
    if (r.status !== 201) throw new Error(`region ${code}: ${r.status} ${r.text}`);
  }
  if (persons) {
    for (const [grid, name, id, phone] of PERSONS) {
      const h = await admin.post('/api/v1/households', { grid_code: grid, address: `${name}家` });
      if (h.status !== 201) throw new Error(`household for ${name}: ${h.status} ${h.text}`);
      const body = { name, id_number: id, household_id: h.body.id };
      if (phone) body.phone = phone;
      const r = await admin.post('/api/v1/persons', body);
      if (r.status !== 201) throw new Error(`person ${name}: ${r.status} ${r.text}`);
    }
  }
  return admin;
}

// Digits of a formatted count ("1,183" -> 1183).
export const count = (s) => Number(String(s).replace(/[^\d]/g, ''));

// Chooses in the picker of "scope" ("region" or "person") whose value goes out
// as "name": types "text" (a name, a code; for a person a name's beginning or a
// whole ID number or phone), takes the first match, returns the value chosen.
async function pick(kind, scope, name, text) {
  const picker = scope.locator(`.${kind}-picker:has(input[type=hidden][name="${name}"])`);
  const box = picker.locator('input[role=combobox]');
  await box.fill(text);
  await picker.locator('[role=option]').first().waitFor();
  await box.press('Enter');
  await picker.locator('.picker-value').waitFor();
  return picker.locator(`input[type=hidden][name="${name}"]`).inputValue();
}
export const pickRegion = (scope, name, text) => pick('region', scope, name, text);
export const pickPerson = (scope, name, text) => pick('person', scope, name, text);
export const pickOrg = (scope, name, text) => pick('org', scope, name, text);
