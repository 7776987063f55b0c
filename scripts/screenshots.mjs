// screenshots.mjs -- docs/screenshots/<role>-<page>-<width>.png: every page
// of the app at 1440x900 and at 375x740 (the viewport, not the full page),
// as the crawler of tests/browser/crawl.test.mjs finds them (browser.mjs:
// crawl), on a server of its own with the demo city (scale 0.001, seed 1).
// A page (a route pattern: /persons/:n) is shot once, as the first role in
// DEMO_ROLES that reaches it; the login page and the public pages as
// "public-*".  PNGs go through pngquant when it is installed; without it
// they are as chromium writes them (already deflated well: zlib's best level
// gains nothing, measured), about 7.3 MB for the folder.  Run it as scripts/screenshots [OUT_DIR].
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT, startServer } from '../tests/api/lib.mjs';
import { crawl, DEMO_PASSWORD, DEMO_ROLES, launch, loginForm, openCrawlPage, PHONE, routeKey, settle, visit, WIDE } from '../tests/browser/browser.mjs';

const OUT = path.resolve(process.argv[2] ?? path.join(ROOT, 'docs/screenshots'));
mkdirSync(OUT, { recursive: true });
for (const f of readdirSync(OUT)) if (f.endsWith('.png')) rmSync(path.join(OUT, f));

// "/supplies/:n?tab=ledger" -> "supplies-tab-ledger", "/cases/:n/:n" -> "cases-n".
const slug = (href) => routeKey(href).replace(/^\/(\w+)\/:n\/:n/, '/$1-n').replace(/:n/g, '').replace(/[^a-z0-9_]+/gi, '-').replace(/^-|-$/g, '') || 'home';
const pngquant = spawnSync('pngquant', ['--version']).status === 0;
const shots = [];
async function shoot(page, name) {
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled', caret: 'hide' });
  if (pngquant) spawnSync('pngquant', ['--force', '--skip-if-larger', '--strip', '--quality', '60-90', '--ext', '.png', file]);
  shots.push(file);
}

const srv = await startServer({ demo: { scale: 0.001, seed: 1 } });
const browser = await launch();
try {
  const shot = new Set();
  for (const [role, username] of DEMO_ROLES) {
    const page = await openCrawlPage(browser, srv, { viewport: WIDE });
    await page.goto('/');
    await loginForm(page, username, DEMO_PASSWORD);
    const mine = [];
    await crawl(page, {
      perRoute: 1,
      onPage: async (href) => {
        if (shot.has(routeKey(href)) || routeKey(href) === '/') return; // "/" is the role's home, shot as itself
        shot.add(routeKey(href));
        mine.push(href);
        await shoot(page, `${role}-${slug(href)}-1440`);
      },
    });
    await page.setViewportSize(PHONE);
    for (const href of mine) {
      await visit(page, href);
      await shoot(page, `${role}-${slug(href)}-375`);
    }
    await page.context().close();
  }
  for (const viewport of [WIDE, PHONE]) {
    const page = await openCrawlPage(browser, srv, { viewport });
    for (const href of ['/', '/public/bulletin', '/public/donations']) {
      await page.goto(href);
      if (href === '/') await page.locator('input[name=username]').waitFor();
      else await settle(page);
      await shoot(page, `${href === '/' ? 'public-login' : slug(href)}-${viewport.width}`);
    }
    await page.context().close();
  }
} finally {
  await browser.close();
  await srv.stop();
}
const bytes = shots.reduce((s, f) => s + statSync(f).size, 0);
console.log(`${shots.length} screenshots in ${path.relative(process.cwd(), OUT) || '.'}: ${(bytes / 1048576).toFixed(1)} MB${pngquant ? ' (pngquant)' : ' (pngquant not installed)'}`);
