// app.js -- the web shell: session, header, language switch and routes.
//
// Routes (real URLs; the server answers index.html for any path without a dot):
//   /                                   the user's home page at the jurisdiction root:
//                                       commanders the dashboard, everyone else the regions
//   /dashboard/{code}?figure=..&wall=1  the command dashboard (pages/dashboard.js)
//   /regions/{code}                     region browser (default: the jurisdiction root)
//   /persons/{code}?name=..|id_number=..  person search within a region
//   /field/{code}                       grid worker's page (pages/field.js)
//   /coverage/{code}?round=N            screening progress, overdue, tiles (pages/command.js)
//   /alerts/{code}?status=..            alert inbox (pages/command.js)
//   /orgs|teams|rosters|checkpoint/{code}  mobilisation (pages/mobilise.js)
// Without a session every route shows the login page, and after logging in
// the same URL opens, so links and reloads keep their place.

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import * as api from './api.js';
import { getLang, LANG_NAMES, LANGS, setLang, t } from './i18n.js';
import { ErrorBox, html, lazyPage, Link, Loading, navigate, useLocation } from './ui.js';
import * as outbox from './outbox.js';
import { FieldPage, prefetchGrid } from './pages/field.js';
import { LoginPage } from './pages/login.js';

// The login and the field page (the phone's) come with the app; every other
// page is loaded when first shown.
const command = () => import('./pages/command.js');
const mobilise = () => import('./pages/mobilise.js');
const cases = () => import('./pages/cases.js');
const AlertsPage = lazyPage(command, 'AlertsPage');
const CoveragePage = lazyPage(command, 'CoveragePage');
const CheckpointPage = lazyPage(mobilise, 'CheckpointPage');
const OrgsPage = lazyPage(mobilise, 'OrgsPage');
const RostersPage = lazyPage(mobilise, 'RostersPage');
const TeamsPage = lazyPage(mobilise, 'TeamsPage');
const PersonsPage = lazyPage(() => import('./pages/persons.js'), 'PersonsPage');
const BulletinPage = lazyPage(cases, 'BulletinPage');
const CasePage = lazyPage(cases, 'CasePage');
const CasesPage = lazyPage(cases, 'CasesPage');
const AssistsPage = lazyPage(() => import('./pages/assists.js'), 'AssistsPage');
const RegionsPage = lazyPage(() => import('./pages/regions.js'), 'RegionsPage');
const SuppliesPage = lazyPage(() => import('./pages/supplies.js'), 'SuppliesPage');
const DashboardPage = lazyPage(() => import('./pages/dashboard.js'), 'DashboardPage');
const HqPage = lazyPage(() => import('./pages/hq.js'), 'HqPage');

function LangSwitch({ lang, onChange }) {
  return html`<div class="lang" role="group" aria-label=${t('lang.switch')}>
    ${LANGS.map(
      (l) => html`<button
        type="button"
        key=${l}
        lang=${l}
        class=${l === lang ? 'active' : ''}
        aria-pressed=${l === lang}
        onClick=${() => onChange(l)}
      >
        ${LANG_NAMES[l]}
      </button>`,
    )}
  </div>`;
}

// Every page of the main navigation: its key (the path's first part), the
// permissions it needs, the pages it stands for when current.
const LINKS = {
  dashboard: { perms: ['region_read'] },
  hq: { perms: ['region_read'] },
  regions: { perms: ['region_read'] },
  persons: { perms: ['registry_read'] },
  field: { perms: ['field_write', 'registry_read'] },
  coverage: { perms: ['region_read'] },
  alerts: { perms: ['region_read', 'registry_read'] },
  cases: { perms: ['case_read'], also: ['case'] },
  assists: { perms: ['case_read'] },
  bulletin: { perms: ['region_read'] },
  orgs: { perms: ['region_read'], label: 'nav.mobilise', also: ['teams', 'rosters', 'checkpoint'] },
  supplies: { perms: ['supply_read'] },
};

// Each role's own work first, and only its work (issue 19 item 1): the first
// link is its home page; on a phone the first four are the bottom tab bar.
const ROLE_LINKS = {
  grid_worker: ['field', 'alerts', 'persons', 'regions', 'coverage'],
  commander: ['dashboard', 'alerts', 'hq', 'cases', 'bulletin', 'coverage', 'regions', 'persons', 'orgs', 'supplies', 'assists'],
  health: ['cases', 'assists', 'alerts', 'bulletin', 'persons', 'regions', 'dashboard'],
  supplies: ['supplies', 'regions', 'dashboard', 'bulletin'],
  organiser: ['orgs', 'regions', 'dashboard', 'bulletin'],
  inspector: ['hq', 'alerts', 'coverage', 'regions', 'dashboard', 'bulletin'],
  viewer: ['dashboard', 'bulletin', 'coverage', 'regions'],
  admin: ['regions', 'dashboard', 'hq', 'persons', 'field', 'coverage', 'alerts', 'cases', 'assists', 'bulletin', 'orgs', 'supplies'],
};

// The links a session may open, its role's order.
function roleLinks(session) {
  const order = ROLE_LINKS[session.user.role] ?? Object.keys(LINKS);
  return order.filter((k) => LINKS[k].perms.every((p) => session.permissions.includes(p)));
}

const TABS = 4; // links in a phone's bottom tab bar; the rest under "更多"

function MainNav({ links, here, page }) {
  const current = (k) => (page === k || LINKS[k].also?.includes(page) ? 'page' : undefined);
  const link = (k) => html`<${Link} key=${k} href=${`/${k}/${here}`} class=${`nav-${k}`} aria-current=${current(k)}>
    ${t(LINKS[k].label ?? `nav.${k}`)}<//>`;
  const rest = links.slice(TABS);
  return html`<nav class=${`mainnav ${rest.length ? 'has-more' : ''}`} aria-label=${t('nav.main')}>
    ${links.map(link)}
    ${rest.length > 0 && html`<details class="nav-more">
      <summary>${t('nav.more')}</summary>
      <div class="nav-more-list" onClick=${(e) => { e.currentTarget.parentElement.open = false; }}>${rest.map(link)}</div>
    </details>`}
  </nav>`;
}

function Header({ session, root, lang, onLang, onLogout, page, regionCode }) {
  const here = regionCode ?? root?.code;
  return html`<header class="topbar">
    <div class="brand">
      <${Link} href="/">${t('app.name')}<//>
      <span class="subtitle">${t('app.title')}</span>
    </div>
    ${session && html`<${MainNav} links=${roleLinks(session)} here=${here} page=${page} />`}
    <div class="tools">
      ${session &&
      html`<div class="whoami" aria-label=${t('header.user')}>
        <span class="display-name" translate=${false}>${session.user.display_name}</span>
        <span class="role">${t(`role.${session.user.role}`)}</span>
        <span class="scope" translate=${false} title=${t('header.scope')}>${root?.name ?? session.user.scope}</span>
        <${OutboxCount} />
      </div>`}
      <${LangSwitch} lang=${lang} onChange=${onLang} />
      ${session &&
      html`<button type="button" class="secondary logout" onClick=${onLogout}>${t('header.logout')}</button>`}
    </div>
  </header>`;
}

// The number of field writes not yet on the server (shown only when there are some).
function OutboxCount() {
  const items = outbox.useOutbox();
  const bad = items.some((x) => x.state !== 'pending');
  if (items.length === 0) return null;
  return html`<span class=${`outbox-count ${bad ? 'bad' : ''}`} role="status" title=${t('header.outbox_title')}>
    ${t('header.outbox', { n: items.length })}
  </span>`;
}

function NotFound() {
  return html`<section class="page">
    <h1>${t('app.not_found')}</h1>
    <p><${Link} href="/">${t('app.back_home')}<//></p>
  </section>`;
}

// Which page the path names: {page, code}.
function route(path) {
  const hq = path.match(/^\/hq(?:\/(\d{1,15}))?\/?$/); // pages/hq.js
  if (hq) return { page: 'hq', code: hq[1] ?? null };
  const dash = path.match(/^\/dashboard(?:\/(\d{1,15}))?\/?$/); // pages/dashboard.js
  if (dash) return { page: 'dashboard', code: dash[1] ?? null };
  const s = path.match(/^\/supplies(?:\/(\d{1,15}))?\/?$/); // pages/supplies.js
  if (s) return { page: 'supplies', code: s[1] ?? null };
  const c = path.match(/^\/(cases|bulletin)\/(\d{1,15})(?:\/(\d{1,18}))?\/?$/); // pages/cases.js
  if (c && (c[1] === 'cases' || !c[3])) return { page: c[3] ? 'case' : c[1], code: c[2], id: c[3] };
  const m = path.match(/^\/(regions|persons|field|coverage|alerts|orgs|teams|rosters|checkpoint|assists)\/(\d{1,15})\/?$/);
  if (m) return { page: m[1], code: m[2] };
  if (/^\/(field|coverage|alerts|orgs|teams|rosters|checkpoint|assists)\/?$/.test(path)) return { page: path.replace(/\//g, ''), code: null };
  if (path === '/' || path === '/index.html') return { page: 'home', code: null };
  if (path === '/regions' || path === '/persons') return { page: path.slice(1), code: null };
  return { page: 'notfound' };
}

// The page "/" opens after logging in: the first of the role's own links
// (commanders the dashboard, grid workers their grid's field work, health
// users the cases, supplies users the supplies, ...).
function homePage(session) {
  return roleLinks(session)[0] ?? 'regions';
}

function App() {
  const [lang, setLangState] = useState(getLang());
  const [session, setSession] = useState(undefined); // undefined: asking; null: logged out
  const [root, setRoot] = useState(null); // the jurisdiction root region
  const [bootError, setBootError] = useState(null);
  const loc = useLocation();

  // A session begins (after the page loads or a login): find the root region.
  // A page whose URL names its region need not wait for it (on a slow
  // network that is a round trip less before the field page paints).
  const begin = async (s) => {
    if (s && s.permissions.includes('region_read')) {
      const r = api.getKept('/api/v1/regions', () => s.permissions.includes('field_write')).then((x) => setRoot(x.data.items[0] ?? null));
      if (!route(location.pathname).code) await r;
      else r.catch(setBootError);
    }
    if (s) outbox.start(s.user.username).catch(() => {}); // no IndexedDB: the pages say so on save
    setSession(s);
  };
  const boot = () => {
    setBootError(null);
    const asked = firstSession ?? api.sessionGet();
    firstSession = null;
    asked.then(begin).catch(setBootError);
  };
  useEffect(() => {
    api.setUnauthorizedHandler(() => {
      setSession(null);
      setRoot(null);
    });
    boot();
  }, []);

  const onLang = (l) => {
    setLang(l);
    setLangState(l);
  };
  const onLogout = async () => {
    try {
      await api.sessionLogout();
    } catch {
      /* already gone on the server: log out here anyway */
    }
    outbox.stop();
    setSession(null);
    setRoot(null);
    navigate('/', { replace: true });
  };

  const r = route(loc.path);
  if (r.page === 'home') r.page = session ? homePage(session) : 'regions';
  const code = r.code ?? root?.code ?? null;
  useEffect(() => {
    document.title = `${t('app.name')} · ${t('app.title')}`;
  }, [lang]);
  // "/" becomes the root region's URL, so reload and back work from there.
  useEffect(() => {
    if (session && r.page !== 'notfound' && !r.code && root)
      navigate(`/${r.page}/${root.code}${loc.query.toString() ? `?${loc.query}` : ''}`, { replace: true });
  }, [session, root, loc.path]);

  const can = (p) => session?.permissions.includes(p);
  let body;
  if (bootError) body = html`<section class="page"><${ErrorBox} error=${bootError} onRetry=${boot} /></section>`;
  else if (session === undefined) body = html`<section class="page"><${Loading} /></section>`;
  else if (session === null) body = html`<${LoginPage} onLogin=${begin} />`;
  else if (r.page === 'notfound' || !code) body = html`<${NotFound} />`;
  else if (r.page === 'persons' && session.permissions.includes('registry_read'))
    body = html`<${PersonsPage} key=${code} code=${code} query=${loc.query} session=${session} />`;
  else if (r.page === 'hq' && can('region_read'))
    body = html`<${HqPage} key=${code} code=${code} query=${loc.query} session=${session} />`;
  else if (r.page === 'dashboard' && can('region_read'))
    body = html`<${DashboardPage} key=${code} code=${code} query=${loc.query} session=${session} />`;
  else if (r.page === 'regions') body = html`<${RegionsPage} code=${code} session=${session} />`;
  else if (r.page === 'field' && can('field_write') && can('registry_read'))
    body = html`<${FieldPage} code=${code} query=${loc.query} session=${session} />`;
  else if (r.page === 'coverage' && can('region_read'))
    body = html`<${CoveragePage} key=${code} code=${code} query=${loc.query} session=${session} />`;
  else if (r.page === 'alerts' && can('region_read') && can('registry_read'))
    body = html`<${AlertsPage} code=${code} query=${loc.query} session=${session} />`;
  else if (r.page === 'orgs' && can('region_read')) body = html`<${OrgsPage} key=${code} code=${code} session=${session} />`;
  else if (r.page === 'teams' && can('region_read')) body = html`<${TeamsPage} key=${code} code=${code} session=${session} />`;
  else if (r.page === 'rosters' && can('region_read'))
    body = html`<${RostersPage} key=${code} code=${code} query=${loc.query} session=${session} />`;
  else if (r.page === 'checkpoint' && can('region_read'))
    body = html`<${CheckpointPage} key=${code} code=${code} query=${loc.query} session=${session} />`;
  else if (r.page === 'supplies' && can('supply_read'))
    body = html`<${SuppliesPage} key=${code} code=${code} query=${loc.query} session=${session} />`;
  else if (r.page === 'cases' && session.permissions.includes('case_read'))
    body = html`<${CasesPage} key=${code} code=${code} query=${loc.query} session=${session} />`;
  else if (r.page === 'assists' && session.permissions.includes('case_read'))
    body = html`<${AssistsPage} key=${code} code=${code} query=${loc.query} session=${session} />`;
  else if (r.page === 'case' && session.permissions.includes('case_read'))
    body = html`<${CasePage} key=${r.id} id=${r.id} code=${code} session=${session} />`;
  else if (r.page === 'bulletin' && session.permissions.includes('region_read'))
    body = html`<${BulletinPage} key=${code} code=${code} query=${loc.query} session=${session} />`;
  else body = html`<${NotFound} />`;

  return html`<${Header}
      session=${session}
      root=${root}
      lang=${lang}
      onLang=${onLang}
      onLogout=${onLogout}
      page=${r.page}
      regionCode=${r.code}
    />
    <main id="main">${body}</main>`;
}

// The session, and the field page's first answers with it, are asked for as
// the app starts, before its first render: on a slow phone network that is a
// round trip (and a frame) less before the grid paints.
let firstSession = api.sessionGet();
firstSession.catch(() => {}); // boot() takes it and reports its failure
const start = route(location.pathname);
if (start.page === 'field' && start.code) prefetchGrid(start.code);

// Preact renders beside existing children: drop the "loading" placeholder first.
const mount = document.getElementById('app');
mount.textContent = '';
render(html`<${App} />`, mount);
