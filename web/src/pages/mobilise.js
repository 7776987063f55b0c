// pages/mobilise.js -- mobilisation: party organisations (the tree, members,
// roll-up figures by region), teams and applications to serve (请命书,
// approved into a team in one step), duty rosters with the 24-hour gap view,
// and the fast roadside checkpoint entry form for phones.
//
//   /orgs/{code}        organisations tree, members, figures of the region and its children
//   /teams/{code}       applications (approve into a team / decline), teams
//   /rosters/{code}?place=ID&date=D   shifts of a place and day, the gaps, a shift form
//   /checkpoint/{code}?cp=ID          checkpoint entries: one screen, big buttons

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { OrgPicker, PersonPicker, RegionPicker } from '../pickers.js';
import { getLang, num, t } from '../i18n.js';
import { ErrorBox, html, Link, Loading, navigate, useLoad, useSubmit, uuid } from '../ui.js';

const can = (session, p) => session.permissions.includes(p);

// Today in China as YYYY-MM-DD.
function chinaToday() {
  return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
}
function addDays(date, n) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86400e3).toISOString().slice(0, 10);
}
const hhmm = (iso) => iso.slice(11, 16);

// Every item of a keyset-paged list: pages of 1,000 (the API's largest),
// following next_cursor to the last page.
async function allPages(path, params) {
  const items = [];
  let cursor = null;
  do {
    const r = await api.get(api.withQuery(path, { ...params, limit: 1000, cursor }));
    items.push(...r.items);
    cursor = r.next_cursor;
  } while (cursor);
  return items;
}

// Styles of these pages only (kept here so that style.css stays shared).
const CSS = `
.mob-tabs { gap: 1rem; flex-wrap: wrap; }
.mob-tabs a { padding: .4rem .2rem; }
.mob-tabs a[aria-current=page] { font-weight: 700; border-bottom: 3px solid currentColor; }
.mob-columns { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); }
.org-filter { flex-wrap: wrap; align-items: flex-end; }
.org-filter .picker { min-width: 14rem; }
table.orgs tr.selected td { background: var(--info-bg); }
.pager { display: flex; gap: .75rem; align-items: center; margin: .5rem 0 1rem; }
.duty-filter { flex-wrap: wrap; align-items: flex-end; }
.village { margin: .3rem 0; }
.village h3 { margin: 0; font-size: 1rem; }
.village-head { display: flex; flex-wrap: wrap; gap: .2rem .6rem; align-items: baseline; width: 100%; min-height: 2.5rem;
  text-align: left; background: var(--card); color: inherit; border: 1px solid var(--line); border-radius: var(--radius); }
.village-head::before { content: "▸"; }
.village-head[aria-expanded=true]::before { content: "▾"; }
.village-name { font-weight: 700; }
.village-count { margin-left: auto; font-weight: 400; font-size: .9rem; }
.village-count .missing { color: #b71c1c; }
table.entries tr.febrile td { background: #fff3f3; }
.outcome-badge-pass { background: var(--ok-bg); color: var(--ok); }
.outcome-badge-refer { background: #ffe3cc; color: #8a3300; }
.outcome-badge-turn_back { background: #fdecec; color: #b71c1c; }
.org-node { background: none; color: inherit; border: none; padding: .2rem .3rem; min-height: auto; text-align: left; }
.org-node.active { background: var(--info-bg); border-radius: 4px; font-weight: 600; }
.kind-temporary { background: var(--warn-bg); color: var(--warn); }
.kind-mobile { background: var(--info-bg); color: var(--info); }
.mob-form { display: grid; gap: .6rem; margin: .75rem 0; }
.mob-form label { display: grid; gap: .2rem; }
.mob-form label.check { display: inline-flex; margin-right: .8rem; }
.mob-form fieldset { border: 1px solid var(--line); border-radius: var(--radius); }
.daybar { position: relative; height: 1.6rem; background: #c8e6c9; border-radius: 4px; margin: .4rem 0 1.4rem; }
.daybar .gap { position: absolute; top: 0; bottom: 0; background: #e53935; }
.daybar .tick { position: absolute; top: 1.7rem; font-size: .75rem; font-style: normal; transform: translateX(-50%); color: var(--muted); }
.cover-status.covered { color: var(--ok); font-weight: 700; }
.cover-status.uncovered { color: #b71c1c; font-weight: 700; }
.gaps { list-style: none; padding: 0; display: grid; gap: .3rem; }
.gap-time { font-weight: 700; font-variant-numeric: tabular-nums; margin-right: .4rem; }
.entry-form input { font-size: 1.2rem; min-height: 2.75rem; }
.outcomes { display: grid; grid-template-columns: repeat(3, 1fr); gap: .5rem; }
.outcome { min-height: 3.5rem; font-size: 1.1rem; }
.outcome-refer { background: #b34000; border-color: #b34000; color: #fff; }
.outcome-turn_back { background: #b71c1c; color: #fff; }
.toggle.active { background: var(--info-bg); font-weight: 700; }
.attendee { display: inline-flex; align-items: center; gap: .3rem; margin-right: .6rem; }
.attend { min-height: auto; padding: .1rem .5rem; font-size: .85rem; }
tr.unassigned td { background: #fff8f8; }
.grid-assign input { max-width: 12rem; }
`;

function Style() {
  return html`<style>${CSS}</style>`;
}

function SubNav({ code, page }) {
  const item = (p) =>
    html`<${Link} href=${`/${p}/${code}`} aria-current=${page === p ? 'page' : undefined}>${t(`mob.nav.${p}`)}<//>`;
  return html`<${Style} />
    <nav class="tabs mob-tabs" aria-label=${t('mob.nav.label')}>
      ${item('orgs')} ${item('teams')} ${item('rosters')} ${item('checkpoint')}
    </nav>`;
}

// ---- figures ------------------------------------------------------------------

// The roll-up figures of one region from its counters (GET /stats/mobilisation).
function figures(counters, today) {
  const sum = (prefix) =>
    Object.entries(counters)
      .filter(([k]) => k.startsWith(prefix))
      .reduce((s, [, v]) => s + v, 0);
  return {
    orgs: sum('orgs.'),
    temporary: counters['orgs.temporary'] ?? 0,
    mobile: counters['orgs.mobile'] ?? 0,
    members: sum('org_members.'),
    teams: sum('teams.'),
    pending: counters['applications.pending'] ?? 0,
    applications: sum('applications.'),
    grids: counters.grids_responsible ?? 0,
    hours: Math.round((counters.service_minutes ?? 0) / 6) / 10,
    entries: counters[`checkpoint_entries.${today}`] ?? 0,
    fevers: counters[`checkpoint_fevers.${today}`] ?? 0,
  };
}

const FIGURES = ['orgs', 'temporary', 'mobile', 'members', 'teams', 'applications', 'pending', 'grids', 'hours', 'entries', 'fevers'];

function Tiles({ counters, duty }) {
  const f = figures(counters, chinaToday());
  // The day's duty is computed from the day's shifts (roster_day_summary).
  f.deployed = duty.deployed;
  f.gaps = duty.places_with_gaps;
  f.uncovered = Math.round(duty.uncovered_seconds / 360) / 10;
  return html`<div class="tiles mob-tiles">
    ${[...FIGURES, 'deployed', 'gaps', 'uncovered'].map(
      (k) => html`<div class="tile" key=${k} data-figure=${k}>
        <span class="muted">${t(`mob.fig.${k}`)}</span><strong>${num(f[k])}</strong>
      </div>`,
    )}
  </div>`;
}

// ---- organisations ------------------------------------------------------------------

// The organisations of the region, a page at a time (keyset cursor, newest
// pages kept for "previous"), narrowed on the server by part of the name, the
// kind and a region below the page's (a city has 13,719 of them: no page lists
// them all).  "onSelect(org)" opens one; "tick" reloads.
const ORG_PAGE = 20;
const ORG_KINDS = ['regular', 'temporary', 'mobile'];

function OrgList({ code, selected, onSelect, tick }) {
  const [text, setText] = useState('');
  const [filter, setFilter] = useState({ q: '', kind: '', region: '' });
  const [cursors, setCursors] = useState([null]); // the cursor of each page seen
  const page = cursors.length - 1;
  // The typed name is asked for once typing pauses; a new filter starts at page 1.
  // The change goes onto the filter as it is when it applies: the timer's
  // render may be older than a kind or a region picked meanwhile.
  useEffect(() => {
    const timer = setTimeout(() => text.trim() !== filter.q && narrow({ q: text.trim() }), 300);
    return () => clearTimeout(timer);
  }, [text]);
  const narrow = (change) => {
    setFilter((now) => ({ ...now, ...change }));
    setCursors([null]);
  };
  // The answer carries the page it is of: while the next page loads, the rows
  // and the page number shown stay those of the same page.
  const list = useLoad(
    () => api.get(api.withQuery('/api/v1/orgs', { region: filter.region || code, kind: filter.kind, q: filter.q, limit: ORG_PAGE, cursor: cursors[page] }))
      .then((d) => ({ ...d, page })),
    [code, filter.q, filter.kind, filter.region, page, tick],
  );
  const shown = list.data ? list.data.page : page;
  const first = shown * ORG_PAGE + 1;
  return html`<div class="org-list">
    <form class="search-row org-filter" role="search" onSubmit=${(e) => { e.preventDefault(); narrow({ q: text.trim() }); }}>
      <label>${t('mob.org_search')}<input type="search" name="q" value=${text} maxlength="60"
        placeholder=${t('mob.org_search_hint')} onInput=${(e) => setText(e.target.value)} /></label>
      <label>${t('mob.kind')}
        <select name="kind" value=${filter.kind} onChange=${(e) => narrow({ kind: e.target.value })}>
          <option value="">${t('mob.all_kinds')}</option>
          ${ORG_KINDS.map((k) => html`<option value=${k}>${t(`mob.kind.${k}`)}</option>`)}
        </select>
      </label>
      <${RegionPicker} name="org_region" label=${t('mob.org_region')} value=${filter.region}
        onChange=${(v) => narrow({ region: v })} />
    </form>
    ${list.error && html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />`}
    ${!list.data && !list.error && html`<${Loading} />`}
    ${list.data &&
    (list.data.items.length === 0
      ? html`<p class="empty">${t(filter.q || filter.kind || filter.region ? 'mob.no_orgs_found' : 'mob.no_orgs')}</p>`
      : html`<table class="orgs stack">
          <thead><tr><th>${t('mob.name')}</th><th>${t('mob.kind')}</th><th>${t('mob.parent')}</th>
            <th>${t('mob.region_code')}</th><th class="num">${t('mob.fig.members')}</th></tr></thead>
          <tbody>
            ${list.data.items.map((o) => html`<tr key=${o.id} data-org=${o.id} class=${selected?.id === o.id ? 'selected' : ''}>
              <td data-label=${t('mob.name')}><button type="button" class=${`org-node ${selected?.id === o.id ? 'active' : ''}`}
                aria-pressed=${selected?.id === o.id} onClick=${() => onSelect(o)}>${o.name}</button>
                ${o.status === 'dissolved' && html` <span class="badge">${t('mob.dissolved')}</span>`}</td>
              <td data-label=${t('mob.kind')}><span class=${`badge kind-${o.kind}`}>${t(`mob.kind.${o.kind}`)}</span></td>
              <td data-label=${t('mob.parent')}>${o.parent_name ?? '—'}</td>
              <td data-label=${t('mob.region_code')}>${o.region_name ?? o.region_code}</td>
              <td data-label=${t('mob.fig.members')} class="num">${num(o.members)}</td>
            </tr>`)}
          </tbody>
        </table>`)}
    ${list.data && (shown > 0 || list.data.next_cursor) &&
    html`<nav class="pager" aria-label=${t('mob.pages')} aria-busy=${list.loading}>
      <button type="button" class="secondary prev" disabled=${list.loading || page === 0} onClick=${() => setCursors(cursors.slice(0, -1))}>${t('mob.prev_page')}</button>
      <span class="muted page-no">${t('mob.page_rows', { page: shown + 1, from: num(first), to: num(first + list.data.items.length - 1) })}</span>
      <button type="button" class="secondary next" disabled=${list.loading || !list.data.next_cursor} onClick=${() => setCursors([...cursors, list.data.next_cursor])}>${t('mob.next_page')}</button>
    </nav>`}
  </div>`;
}

function Members({ orgId }) {
  const { data, error } = useLoad(() => api.get(`/api/v1/orgs/${orgId}/members`), [orgId]);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (!data) return html`<${Loading} />`;
  if (data.items.length === 0) return html`<p class="empty">${t('mob.no_members')}</p>`;
  return html`<table class="members">
    <thead><tr><th>${t('mob.person')}</th><th>${t('mob.role')}</th><th>${t('mob.joined')}</th></tr></thead>
    <tbody>
      ${data.items.map(
        (m) => html`<tr key=${m.id}><td>${m.person_name}</td><td>${t(`mob.role.${m.role}`)}</td><td>${m.joined_date}</td></tr>`,
      )}
    </tbody>
  </table>`;
}

// An organisation's activities (a branch's pledge meeting, meetings, study), newest first:
// those of the selected organisation, else every one of the region.
const ACTIVITY_KINDS = ['pledge', 'meeting', 'study', 'service', 'other'];

function Activities({ code, orgId, manage }) {
  const [tick, setTick] = useState(0);
  const { data, error } = useLoad(
    () => api.get(api.withQuery('/api/v1/org-activities', { region: code, org: orgId || undefined, limit: 100 })),
    [code, orgId, tick],
  );
  return html`<div class="activities">
    <h3>${t('mob.activities')}</h3>
    ${error && html`<${ErrorBox} error=${error} />`}
    ${data &&
    (data.items.length === 0
      ? html`<p class="empty">${t('mob.no_activities')}</p>`
      : html`<table class="activities">
          <thead><tr><th>${t('mob.activity_date')}</th><th>${t('mob.kind')}</th><th>${t('mob.activity_title')}</th>
            <th>${t('mob.org')}</th><th class="num">${t('mob.participants')}</th></tr></thead>
          <tbody>
            ${data.items.map(
              (a) => html`<tr key=${a.id} data-activity=${a.id} data-kind=${a.kind}>
                <td>${a.occurred_at.slice(0, 10)}</td><td>${t(`mob.activity.${a.kind}`)}</td>
                <td>${a.title}${a.place ? html` <small class="muted">${a.place}</small>` : ''}</td>
                <td>${a.org_name}</td><td class="num">${num(a.participants)}</td>
              </tr>`,
            )}
          </tbody>
        </table>`)}
    ${manage && orgId && html`<${ActivityForm} orgId=${orgId} onDone=${() => setTick((n) => n + 1)} />`}
  </div>`;
}

function ActivityForm({ orgId, onDone }) {
  const empty = { kind: 'pledge', title: '', place: '', participants: '', date: chinaToday() };
  const [f, setF] = useState(empty);
  const s = useSubmit();
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const submit = (e) => {
    e.preventDefault();
    const body = { org_id: orgId, kind: f.kind, title: f.title, occurred_at: f.date };
    if (f.place) body.place = f.place;
    if (f.participants !== '') body.participants = Number(f.participants);
    s.run(() => api.post('/api/v1/org-activities', body)).then((ok) => {
      if (ok) {
        setF(empty);
        onDone();
      }
    });
  };
  return html`<form class="card mob-form activity-form" onSubmit=${submit}>
    <h3>${t('mob.activity_new')}</h3>
    <label>${t('mob.kind')}
      <select name="kind" value=${f.kind} onChange=${set('kind')}>
        ${ACTIVITY_KINDS.map((k) => html`<option value=${k}>${t(`mob.activity.${k}`)}</option>`)}
      </select>
    </label>
    <label>${t('mob.activity_title')}<input name="title" value=${f.title} onInput=${set('title')} required /></label>
    <label>${t('mob.activity_date')}<input name="occurred_at" type="date" value=${f.date} onInput=${set('date')} /></label>
    <label>${t('mob.activity_place')}<input name="place" value=${f.place} onInput=${set('place')} /></label>
    <label>${t('mob.participants')}<input name="participants" inputmode="numeric" value=${f.participants} onInput=${set('participants')} /></label>
    <${ErrorBox} error=${s.error} />
    <button type="submit" class="primary" disabled=${s.busy}>${t('mob.save')}</button>
  </form>`;
}

function OrgForm({ code, onDone }) {
  const [f, setF] = useState({ name: '', kind: 'temporary', region_code: code, parent_id: '', location: '', founded_date: chinaToday() });
  const s = useSubmit();
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const submit = (e) => {
    e.preventDefault();
    const body = { name: f.name, kind: f.kind, region_code: f.region_code, founded_date: f.founded_date };
    if (f.parent_id) body.parent_id = Number(f.parent_id);
    if (f.location) body.location = f.location;
    let made = null;
    s.run(async () => { made = await api.post('/api/v1/orgs', body); }).then((ok) => {
      if (!ok) return;
      setF({ ...f, name: '', parent_id: '', location: '' });
      onDone(made);
    });
  };
  return html`<form class="card mob-form org-form" onSubmit=${submit}>
    <h3>${t('mob.org_new')}</h3>
    <label>${t('mob.name')}<input name="name" value=${f.name} onInput=${set('name')} required /></label>
    <label>${t('mob.kind')}
      <select name="kind" value=${f.kind} onChange=${set('kind')}>
        ${['regular', 'temporary', 'mobile'].map((k) => html`<option value=${k}>${t(`mob.kind.${k}`)}</option>`)}
      </select>
    </label>
    <${RegionPicker} name="region_code" label=${t('mob.region_code')} value=${f.region_code}
      onChange=${(v) => setF({ ...f, region_code: v })} required />
    <${OrgPicker} name="parent_id" label=${t('mob.parent')} value=${f.parent_id} onChange=${(v) => setF({ ...f, parent_id: v })} />
    <label>${t('mob.location')}<input name="location" value=${f.location} onInput=${set('location')} /></label>
    <label>${t('mob.founded')}<input name="founded_date" type="date" value=${f.founded_date} onInput=${set('founded_date')} /></label>
    <${ErrorBox} error=${s.error} />
    <button type="submit" class="primary" disabled=${s.busy}>${t('mob.save')}</button>
  </form>`;
}

export function OrgsPage({ code, session }) {
  const [selected, setSelected] = useState(null); // the organisation opened
  const [tick, setTick] = useState(0);
  const { data, error, reload } = useLoad(
    () => api.get(api.withQuery('/api/v1/stats/mobilisation', { region: code })).then((stats) => ({ stats })),
    [code],
  );
  if (error) return html`<section class="page"><${ErrorBox} error=${error} onRetry=${reload} /></section>`;
  if (!data) return html`<section class="page"><${Loading} /></section>`;
  const { stats } = data;
  // A new organisation: the figures and the list follow, and it is opened.
  const changed = (made) => {
    reload();
    setTick(tick + 1);
    if (made) setSelected(made);
  };
  const today = chinaToday();
  return html`<section class="page mobilise orgs-page">
    <${SubNav} code=${code} page="orgs" />
    <h1>${t('mob.orgs_title')} · ${stats.name}</h1>
    <${Tiles} counters=${stats.counters} duty=${stats.duty} />
    ${stats.children.length > 0 &&
    html`<table class="children mob-children">
      <thead>
        <tr>
          <th scope="col">${t('regions.name')}</th>
          ${['orgs', 'temporary', 'members', 'teams', 'entries', 'deployed', 'gaps'].map((k) => html`<th scope="col" class="num">${t(`mob.fig.${k}`)}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${stats.children.map((c) => {
          const f = { ...figures(c.counters, today), deployed: c.duty.deployed, gaps: c.duty.places_with_gaps };
          return html`<tr key=${c.code} data-code=${c.code}>
            <td><${Link} href=${`/orgs/${c.code}`}>${c.name}<//></td>
            ${['orgs', 'temporary', 'members', 'teams', 'entries', 'deployed', 'gaps'].map((k) => html`<td class="num" data-figure=${k}>${num(f[k])}</td>`)}
          </tr>`;
        })}
      </tbody>
    </table>`}
    <h2>${t('mob.orgs_list')}</h2>
    <${OrgList} code=${code} selected=${selected} onSelect=${setSelected} tick=${tick} />
    <div class="mob-columns">
      <div>
        ${selected && html`<h2 class="org-open">${selected.name}</h2><${Members} orgId=${selected.id} />`}
        <${Activities} code=${code} orgId=${selected?.id} manage=${can(session, 'org_manage')} />
      </div>
      ${can(session, 'org_manage') && html`<div><${OrgForm} code=${code} onDone=${changed} /></div>`}
    </div>
    <${GridDuties} code=${code} session=${session} onChange=${reload} />
  </section>`;
}

// ---- grid responsibility (包网格) ------------------------------------------------------

// One grid's duty with, for organisers, a form naming the responsible person
// (chosen among the grid's persons by name, ID number or phone) and keeping
// the helpers.
function GridDutyRow({ g, manage, onDone }) {
  const [personId, setPersonId] = useState('');
  const s = useSubmit();
  const assign = (e) => {
    e.preventDefault();
    s.run(async () => {
      if (!personId) throw new api.ApiError(400, { message: t('mob.no_such_person') });
      const id = Number(personId);
      const duty = await api.request('PUT', `/api/v1/grid-duties/${g.grid_code}`, {
        responsible_person_id: id,
        helper_person_ids: g.helpers.map((h) => h.person_id).filter((x) => x !== id),
      });
      setPersonId('');
      onDone(duty);
    });
  };
  return html`<tr data-grid=${g.grid_code} class=${g.responsible ? '' : 'unassigned'}>
    <td data-label=${t('level.grid')}>${g.name}</td>
    <td data-label=${t('mob.responsible')} class="responsible">${g.responsible ? g.responsible.name : html`<span class="status status-open">${t('mob.no_responsible')}</span>`}</td>
    <td data-label=${t('mob.helpers')}>${g.helpers.map((h) => h.name).join('、')}</td>
    ${manage &&
    html`<td class="assign">
      <form class="search-row grid-assign" onSubmit=${assign}>
        <${PersonPicker} name="responsible_person_id" label=${t('mob.responsible')} value=${personId} onChange=${setPersonId} region=${g.grid_code} />
        <button type="submit" class="secondary" disabled=${s.busy}>${t('mob.assign')}</button>
      </form>
      <${ErrorBox} error=${s.error} />
    </td>`}
  </tr>`;
}

// The grids' duty grouped by village, each village a heading that opens and
// closes (closed at first, open when a search found it or it is the only
// one) and says how many grids it has and how many lack a responsible person.
// A search asks the server for the grids whose name, village or person on
// duty contains the text; pages of DUTY_PAGE grids follow one another ("more").
const DUTY_PAGE = 50;
function GridDuties({ code, session, onChange }) {
  const [onlyMissing, setOnlyMissing] = useState(false);
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const [list, setList] = useState(null); // {items, next}
  const [error, setError] = useState(null);
  const [open, setOpen] = useState({}); // village code -> true/false as the user chose
  const params = { region: code, unassigned: onlyMissing ? 1 : '', q, limit: DUTY_PAGE };
  useEffect(() => {
    const timer = setTimeout(() => setQ(text.trim()), 300);
    return () => clearTimeout(timer);
  }, [text]);
  useEffect(() => {
    let live = true;
    setError(null);
    setOpen({});
    api.get(api.withQuery('/api/v1/grid-duties', params)).then(
      (d) => live && setList({ items: d.items, next: d.next_cursor }),
      (e) => live && setError(e),
    );
    return () => { live = false; };
  }, [code, onlyMissing, q]);
  const more = () =>
    api.get(api.withQuery('/api/v1/grid-duties', { ...params, cursor: list.next })).then(
      (d) => setList({ items: [...list.items, ...d.items], next: d.next_cursor }),
      setError,
    );
  // A grid's new duty replaces its row (kept in its village); without a
  // responsible person only, an assigned grid leaves the list.
  const assigned = (duty) => {
    setList({
      ...list,
      items: list.items
        .map((g) => (g.grid_code === duty.grid_code ? { ...g, ...duty } : g))
        .filter((g) => !onlyMissing || !g.responsible),
    });
    onChange();
  };
  const manage = can(session, 'org_manage') && can(session, 'registry_read');
  const villages = [];
  for (const g of list?.items ?? []) {
    const last = villages.at(-1);
    if (last?.code === g.village_code) last.grids.push(g);
    else villages.push({ code: g.village_code, name: g.village_name, township: g.township_name, grids: [g] });
  }
  const isOpen = (v) => open[v.code] ?? (q !== '' || villages.length === 1);
  return html`<div class="grid-duties">
    <h2>${t('mob.grid_duty')}</h2>
    <div class="search-row duty-filter" role="search">
      <label>${t('mob.duty_search')}<input type="search" name="duty_q" value=${text} maxlength="40"
        placeholder=${t('mob.duty_search_hint')} onInput=${(e) => setText(e.target.value)} /></label>
      <label class="check"><input type="checkbox" name="unassigned" checked=${onlyMissing} onChange=${(e) => setOnlyMissing(e.target.checked)} />${t('mob.only_unassigned')}</label>
      ${villages.length > 1 && html`<button type="button" class="secondary open-all"
        onClick=${() => setOpen(Object.fromEntries(villages.map((v) => [v.code, !villages.every(isOpen)])))}>
        ${villages.every(isOpen) ? t('mob.close_all') : t('mob.open_all')}</button>`}
    </div>
    ${error && html`<${ErrorBox} error=${error} onRetry=${() => setQ(text.trim())} />`}
    ${!list && !error && html`<${Loading} />`}
    ${list && list.items.length === 0 && html`<p class="empty">${t(q ? 'mob.no_grids_found' : onlyMissing ? 'mob.all_assigned' : 'mob.no_grids')}</p>`}
    ${villages.map((v) => {
      const missing = v.grids.filter((g) => !g.responsible).length;
      return html`<section class="village" key=${v.code} data-village=${v.code}>
        <h3><button type="button" class="village-head" aria-expanded=${isOpen(v) ? 'true' : 'false'}
          onClick=${() => setOpen({ ...open, [v.code]: !isOpen(v) })}>
          <span class="village-name">${v.name}</span> <small class="muted">${v.township}</small>
          <span class="village-count">${t('mob.village_grids', { n: num(v.grids.length) })}${missing > 0 ? html` · <b class="missing">${t('mob.village_missing', { n: num(missing) })}</b>` : ''}</span>
        </button></h3>
        ${isOpen(v) && html`<table class="duties stack">
          <thead><tr><th>${t('level.grid')}</th><th>${t('mob.responsible')}</th><th>${t('mob.helpers')}</th>${manage && html`<th></th>`}</tr></thead>
          <tbody>${v.grids.map((g) => html`<${GridDutyRow} key=${g.grid_code} g=${g} manage=${manage} onDone=${assigned} />`)}</tbody>
        </table>`}
      </section>`;
    })}
    ${list?.next && html`<p class="more"><button type="button" class="secondary more-grids" onClick=${more}>${t('mob.more_grids')}</button></p>`}
  </div>`;
}

// ---- teams and applications -----------------------------------------------------------

function ApplicationForm({ onDone }) {
  const [orgId, setOrgId] = useState('');
  const [picked, setPicked] = useState([]);
  const [group, setGroup] = useState('');
  const [pledge, setPledge] = useState('');
  const [wish, setWish] = useState('');
  const members = useLoad(() => (orgId ? api.get(`/api/v1/orgs/${orgId}/members`) : Promise.resolve({ items: [] })), [orgId]);
  const s = useSubmit();
  const toggle = (id) => setPicked(picked.includes(id) ? picked.filter((x) => x !== id) : [...picked, id]);
  const submit = (e) => {
    e.preventDefault();
    const body = { org_id: Number(orgId), person_ids: picked, pledge };
    if (group) body.group_name = group;
    if (wish) body.wish = wish;
    s.run(() => api.post('/api/v1/applications', body)).then((ok) => {
      if (!ok) return;
      setPicked([]);
      setPledge('');
      onDone();
    });
  };
  return html`<form class="card mob-form application-form" onSubmit=${submit}>
    <h3>${t('mob.app_new')}</h3>
    <${OrgPicker} name="org_id" label=${t('mob.org')} value=${orgId} required
      onChange=${(v) => { setOrgId(v); setPicked([]); }} />
    <fieldset class="people">
      <legend>${t('mob.applicants')}</legend>
      ${(members.data?.items ?? []).map(
        (m) => html`<label class="check" key=${m.person_id}>
          <input type="checkbox" name="applicant" value=${m.person_id} checked=${picked.includes(m.person_id)} onChange=${() => toggle(m.person_id)} />
          ${m.person_name}
        </label>`,
      )}
    </fieldset>
    <label>${t('mob.group_name')}<input name="group_name" value=${group} onInput=${(e) => setGroup(e.target.value)} /></label>
    <label>${t('mob.pledge')}<textarea name="pledge" value=${pledge} onInput=${(e) => setPledge(e.target.value)}></textarea></label>
    <label>${t('mob.wish')}<input name="wish" value=${wish} onInput=${(e) => setWish(e.target.value)} /></label>
    <${ErrorBox} error=${s.error} />
    <button type="submit" class="primary" disabled=${s.busy}>${t('mob.submit_app')}</button>
  </form>`;
}

function Decide({ app, types, places, onDone }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(app.group_name ? `${app.group_name}` : '');
  const [type, setType] = useState('commando');
  const [placeIds, setPlaceIds] = useState([]);
  const s = useSubmit();
  const decide = (decision, team) =>
    s.run(() => api.post(`/api/v1/applications/${app.id}/decision`, team ? { decision, team } : { decision })).then((ok) => ok && onDone());
  const approve = (e) => {
    e.preventDefault();
    const team = { name, type };
    if (placeIds.length) team.place_ids = placeIds;
    decide('approve', team);
  };
  return html`<div class="decide">
    ${!open &&
    html`<div class="alert-actions">
      <button type="button" class="approve" onClick=${() => setOpen(true)}>${t('mob.approve_team')}</button>
      <button type="button" class="secondary approve-only" onClick=${() => decide('approve')}>${t('mob.approve')}</button>
      <button type="button" class="secondary decline" onClick=${() => decide('decline')}>${t('mob.decline')}</button>
    </div>`}
    ${open &&
    html`<form class="mob-form team-form" onSubmit=${approve}>
      <label>${t('mob.team_name')}<input name="team_name" value=${name} onInput=${(e) => setName(e.target.value)} required /></label>
      <label>${t('mob.team_type')}
        <select name="team_type" value=${type} onChange=${(e) => setType(e.target.value)}>
          ${types.map((ty) => html`<option value=${ty.code}>${getLang() === 'en' ? ty.name_en : ty.name_zh}</option>`)}
        </select>
      </label>
      <fieldset class="places">
        <legend>${t('mob.places')}</legend>
        ${places.map(
          (p) => html`<label class="check" key=${p.id}>
            <input type="checkbox" name="place" value=${p.id} checked=${placeIds.includes(p.id)}
              onChange=${() => setPlaceIds(placeIds.includes(p.id) ? placeIds.filter((x) => x !== p.id) : [...placeIds, p.id])} />
            ${p.name}
          </label>`,
        )}
      </fieldset>
      <div class="alert-actions">
        <button type="submit" class="primary confirm-approve" disabled=${s.busy}>${t('mob.approve_confirm')}</button>
        <button type="button" class="secondary" onClick=${() => setOpen(false)}>${t('mob.cancel')}</button>
      </div>
    </form>`}
    <${ErrorBox} error=${s.error} />
  </div>`;
}

export function TeamsPage({ code, session }) {
  const { data, error, reload } = useLoad(
    () =>
      Promise.all([
        api.get(api.withQuery('/api/v1/applications', { region: code, limit: 100 })),
        api.get(api.withQuery('/api/v1/teams', { region: code, limit: 500 })),
        api.get('/api/v1/team-types'),
        api.get(api.withQuery('/api/v1/places', { region: code, limit: 500 })),
      ]).then(([apps, teams, types, places]) => ({
        apps: apps.items,
        teams: teams.items,
        types: types.items,
        places: places.items,
      })),
    [code],
  );
  if (error) return html`<section class="page"><${ErrorBox} error=${error} onRetry=${reload} /></section>`;
  if (!data) return html`<section class="page"><${Loading} /></section>`;
  const manage = can(session, 'org_manage');
  const typeName = (c) => {
    const ty = data.types.find((x) => x.code === c);
    return ty ? (getLang() === 'en' ? ty.name_en : ty.name_zh) : c;
  };
  return html`<section class="page mobilise teams-page">
    <${SubNav} code=${code} page="teams" />
    <h1>${t('mob.teams_title')}</h1>
    <h2>${t('mob.applications')}</h2>
    ${data.apps.length === 0
      ? html`<p class="empty">${t('mob.no_apps')}</p>`
      : html`<ul class="cards applications">
          ${data.apps.map(
            (a) => html`<li class="card application" key=${a.id} data-app=${a.id}>
              <div class="alert-head">
                <strong>${a.group_name ?? a.persons.map((p) => p.name).join('、')}</strong>
                <span class=${`status status-${a.status}`}>${t(`mob.status.${a.status}`)}</span>
                <small class="muted">${a.org_name}</small>
              </div>
              <p>${a.pledge}${a.wish ? ` · ${a.wish}` : ''}</p>
              <p class="muted">${a.persons.map((p) => p.name).join('、')}</p>
              ${a.team_id && html`<p class="muted">${t('mob.team_formed')} #${a.team_id}</p>`}
              ${manage && a.status === 'pending' && html`<${Decide} app=${a} types=${data.types} places=${data.places} onDone=${reload} />`}
            </li>`,
          )}
        </ul>`}
    ${manage && html`<${ApplicationForm} onDone=${reload} />`}
    <h2>${t('mob.teams')}</h2>
    ${data.teams.length === 0
      ? html`<p class="empty">${t('mob.no_teams')}</p>`
      : html`<table class="teams">
          <thead><tr><th>${t('mob.team_name')}</th><th>${t('mob.team_type')}</th><th>${t('mob.org')}</th><th>${t('mob.leader')}</th><th class="num">${t('mob.fig.members')}</th><th></th></tr></thead>
          <tbody>
            ${data.teams.map(
              (tm) => html`<tr key=${tm.id} data-team=${tm.id}>
                <td>${tm.name}</td><td>${typeName(tm.type)}</td><td>${tm.org_name}</td><td>${tm.leader_name}</td>
                <td class="num">${tm.member_count}</td>
                <td><${Link} href=${`/rosters/${code}?team=${tm.id}`}>${t('mob.roster')}<//></td>
              </tr>`,
            )}
          </tbody>
        </table>`}
  </section>`;
}

// ---- rosters ------------------------------------------------------------------------------

// The day as a bar: covered parts green, gaps red (positions in % of 24 h).
function DayBar({ date, gaps }) {
  const start = Date.parse(`${date}T00:00:00+08:00`);
  const pct = (iso) => ((Date.parse(iso) - start) / 864e5) * 100;
  return html`<div class="daybar" role="img" aria-label=${t('mob.daybar')}>
    ${gaps.map(
      (g) => html`<span class="gap" style=${`left:${pct(g.start)}%;width:${pct(g.end) - pct(g.start)}%`} title=${`${hhmm(g.start)}–${hhmm(g.end)}`}></span>`,
    )}
    ${[0, 6, 12, 18, 24].map((h) => html`<i class="tick" style=${`left:${(h / 24) * 100}%`}>${h}</i>`)}
  </div>`;
}

function ShiftForm({ placeId, date, teams, preset, defaultTeam, onDone }) {
  const [teamId, setTeamId] = useState(defaultTeam ?? teams[0]?.id ?? '');
  const [start, setStart] = useState('08:00');
  const [end, setEnd] = useState('20:00');
  const [picked, setPicked] = useState([]);
  const team = useLoad(() => (teamId ? api.get(`/api/v1/teams/${teamId}`) : Promise.resolve(null)), [teamId]);
  useEffect(() => {
    if (preset) {
      setStart(preset.start);
      setEnd(preset.end);
    }
  }, [preset]);
  useEffect(() => setPicked([]), [teamId]);
  const s = useSubmit();
  const submit = (e) => {
    e.preventDefault();
    // An end at or before the start is on the next day (a night shift).
    const endDate = end <= start ? addDays(date, 1) : date;
    const body = { place_id: Number(placeId), start: `${date}T${start}:00+08:00`, end: `${endDate}T${end}:00+08:00`, person_ids: picked };
    if (teamId) body.team_id = Number(teamId);
    s.run(() => api.post('/api/v1/shifts', body)).then((ok) => {
      if (!ok) return;
      setPicked([]);
      onDone();
    });
  };
  const members = team.data?.members ?? [];
  return html`<form class="card mob-form shift-form" onSubmit=${submit}>
    <h3>${t('mob.shift_new')}</h3>
    <label>${t('mob.team')}
      <select name="team_id" value=${teamId} onChange=${(e) => setTeamId(e.target.value)}>
        ${teams.map((tm) => html`<option value=${tm.id}>${tm.name}</option>`)}
      </select>
    </label>
    <div class="search-row">
      <label>${t('mob.start')}<input name="start" type="time" value=${start} onInput=${(e) => setStart(e.target.value)} /></label>
      <label>${t('mob.end')}<input name="end" type="time" value=${end} onInput=${(e) => setEnd(e.target.value)} /></label>
    </div>
    ${end <= start && html`<p class="muted">${t('mob.next_day')}</p>`}
    <fieldset class="people">
      <legend>${t('mob.on_duty')}</legend>
      ${members.map(
        (m) => html`<label class="check" key=${m.person_id}>
          <input type="checkbox" name="person" value=${m.person_id} checked=${picked.includes(m.person_id)}
            onChange=${() => setPicked(picked.includes(m.person_id) ? picked.filter((x) => x !== m.person_id) : [...picked, m.person_id])} />
          ${m.name}
        </label>`,
      )}
    </fieldset>
    <${ErrorBox} error=${s.error} />
    <button type="submit" class="primary" disabled=${s.busy}>${t('mob.save')}</button>
  </form>`;
}

export function RostersPage({ code, query, session }) {
  const date = query.get('date') || chinaToday();
  const teamParam = query.get('team');
  const places = useLoad(() => api.get(api.withQuery('/api/v1/places', { region: code, limit: 500 })), [code]);
  const teams = useLoad(() => api.get(api.withQuery('/api/v1/teams', { region: code, limit: 500 })), [code]);
  const placeId = query.get('place') || places.data?.items[0]?.id;
  const [preset, setPreset] = useState(null);
  const day = useLoad(
    () =>
      placeId
        ? Promise.all([
            api.get(`/api/v1/shifts/gaps?place=${placeId}&date=${date}`),
            allPages('/api/v1/shifts', { place: placeId, date }),
          ]).then(([gaps, shifts]) => ({ gaps, shifts }))
        : Promise.resolve(null),
    [placeId, date],
  );
  const [attendError, setAttendError] = useState(null);
  const attend = (shiftId, personId, checkIn) =>
    api.post(`/api/v1/shifts/${shiftId}/${checkIn ? 'checkin' : 'checkout'}`, { person_id: personId }).then(
      () => {
        setAttendError(null);
        day.reload();
      },
      setAttendError,
    );
  const go = (p, d) => {
    const q = new URLSearchParams(query);
    q.set('place', p);
    q.set('date', d);
    navigate(`/rosters/${code}?${q}`);
  };
  if (places.error) return html`<section class="page"><${ErrorBox} error=${places.error} /></section>`;
  if (!places.data || !teams.data) return html`<section class="page"><${Loading} /></section>`;
  return html`<section class="page mobilise rosters-page">
    <${SubNav} code=${code} page="rosters" />
    <h1>${t('mob.rosters_title')}</h1>
    ${places.data.items.length === 0
      ? html`<p class="empty">${t('mob.no_places')}</p>`
      : html`<div class="search-row roster-pick">
          <label>${t('mob.place')}
            <select name="place" value=${placeId} onChange=${(e) => go(e.target.value, date)}>
              ${places.data.items.map((p) => html`<option value=${p.id}>${p.name}</option>`)}
            </select>
          </label>
          <label>${t('mob.date')}<input name="date" type="date" value=${date} onChange=${(e) => go(placeId, e.target.value)} /></label>
        </div>`}
    ${day.error && html`<${ErrorBox} error=${day.error} onRetry=${day.reload} />`}
    <${ErrorBox} error=${attendError} />
    ${day.data &&
    html`<div class="cover">
      <p class=${`cover-status ${day.data.gaps.covered_24h ? 'covered' : 'uncovered'}`} role="status">
        ${day.data.gaps.covered_24h ? t('mob.covered') : t('mob.uncovered', { n: day.data.gaps.gaps.length })}
      </p>
      <${DayBar} date=${date} gaps=${day.data.gaps.gaps} />
      <ul class="gaps">
        ${day.data.gaps.gaps.map(
          (g) => html`<li class="gap-item" key=${g.start}>
            <span class="gap-time">${hhmm(g.start)}–${g.end.slice(0, 10) > date ? '24:00' : hhmm(g.end)}</span>
            ${t('mob.gap_none')}
            ${can(session, 'org_manage') &&
            html`<button type="button" class="secondary fill-gap" onClick=${() => setPreset({ start: hhmm(g.start), end: hhmm(g.end) })}>
              ${t('mob.fill_gap')}
            </button>`}
          </li>`,
        )}
      </ul>
      <table class="shifts">
        <thead><tr><th>${t('mob.start')}</th><th>${t('mob.end')}</th><th>${t('mob.team')}</th><th>${t('mob.on_duty')}</th></tr></thead>
        <tbody>
          ${day.data.shifts.map(
            (s) => html`<tr key=${s.id} data-shift=${s.id}>
              <td>${s.start.slice(5, 16).replace('T', ' ')}</td><td>${s.end.slice(5, 16).replace('T', ' ')}</td>
              <td>${s.team_name ?? ''}</td>
              <td>
                ${s.people.map(
                  (p) => html`<span class="attendee" key=${p.person_id} data-person=${p.person_id}>
                    ${p.name}
                    ${p.checkout_at
                      ? html`<small class="muted"> ${hhmm(p.checkin_at)}–${hhmm(p.checkout_at)}</small>`
                      : p.checkin_at
                        ? html`<small class="muted"> ${hhmm(p.checkin_at)}</small>`
                        : ''}
                    ${can(session, 'duty_write') &&
                    !p.checkout_at &&
                    html`<button type="button" class="secondary attend" onClick=${() => attend(s.id, p.person_id, !p.checkin_at)}>
                      ${p.checkin_at ? t('mob.checkout') : t('mob.checkin')}
                    </button>`}
                  </span>`,
                )}
              </td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>`}
    ${can(session, 'org_manage') &&
    placeId &&
    teams.data.items.length > 0 &&
    html`<${ShiftForm} placeId=${placeId} date=${date} teams=${teams.data.items} preset=${preset} defaultTeam=${teamParam} onDone=${day.reload} />`}
  </section>`;
}

// ---- checkpoint entries (for a phone at the roadside) -------------------------------------

const OUTCOMES = ['pass', 'refer', 'turn_back'];

// Today's entries of a checkpoint, newest first, for every role that may read
// them (registry_read: ID numbers and phones masked unless it may see them).
function TodayEntries({ cpId, tick }) {
  const today = chinaToday();
  const list = useLoad(() => api.get(`/api/v1/checkpoints/${cpId}/entries?date=${today}&limit=100`), [cpId, today, tick]);
  return html`<div class="today-entries">
    <h2>${t('mob.today_entries')}</h2>
    ${list.error && html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />`}
    ${!list.data && !list.error && html`<${Loading} />`}
    ${list.data &&
    (list.data.items.length === 0
      ? html`<p class="empty">${t('mob.no_entries_today')}</p>`
      : html`<table class="entries stack">
          <thead><tr><th>${t('mob.entered_at')}</th><th>${t('mob.entry_who')}</th><th>${t('mob.origin')}</th>
            <th class="num">${t('mob.temperature')}</th><th>${t('mob.outcome_col')}</th></tr></thead>
          <tbody>
            ${list.data.items.map((x) => html`<tr key=${x.id} data-entry=${x.id} class=${x.febrile ? 'febrile' : ''}>
              <td data-label=${t('mob.entered_at')}>${hhmm(x.entered_at)}</td>
              <td data-label=${t('mob.entry_who')}>${[x.name, x.id_number, x.plate].filter(Boolean).join(' ')}</td>
              <td data-label=${t('mob.origin')}>${x.origin ?? ''}${x.from_risk ? html` <span class="badge hot">${t('mob.risk_area')}</span>` : ''}</td>
              <td data-label=${t('mob.temperature')} class="num">${x.temperature ?? '–'}</td>
              <td data-label=${t('mob.outcome_col')}><span class=${`badge outcome-badge-${x.outcome}`}>${t(`mob.outcome.${x.outcome}`)}</span></td>
            </tr>`)}
          </tbody>
        </table>`)}
    ${list.data?.next_cursor && html`<p class="muted">${t('mob.entries_first', { n: 100 })}</p>`}
  </div>`;
}

export function CheckpointPage({ code, query, session }) {
  const cps = useLoad(() => api.get(api.withQuery('/api/v1/checkpoints', { region: code, limit: 500 })), [code]);
  const cpId = query.get('cp') || cps.data?.items[0]?.id;
  const [mode, setMode] = useState('id');
  const [f, setF] = useState({ id_number: '', name: '', phone: '', plate: '', origin: '', destination: '', temperature: '' });
  const [pendingUuid, setPendingUuid] = useState(null); // kept until the server confirms: a retry is a replay
  const [last, setLast] = useState(null);
  const [tick, setTick] = useState(0); // a new entry reloads today's list
  const s = useSubmit();
  const set = (k) => (e) => {
    setF({ ...f, [k]: e.target.value });
    setPendingUuid(null);
  };
  const save = (outcome) => {
    const id = pendingUuid ?? uuid();
    setPendingUuid(id);
    const body = { client_uuid: id, outcome };
    if (mode === 'id') body.id_number = f.id_number.trim().toUpperCase();
    if (mode === 'name') Object.assign(body, { name: f.name.trim(), phone: f.phone.trim() });
    if (mode === 'plate') body.plate = f.plate.trim().toUpperCase();
    if (f.origin) body.origin = f.origin.trim();
    if (f.destination) body.destination = f.destination.trim();
    if (f.temperature) body.temperature = Number(f.temperature);
    s.run(async () => {
      const r = await api.post(`/api/v1/checkpoints/${cpId}/entries`, body);
      setLast(r);
      setPendingUuid(null);
      setTick((n) => n + 1);
      cps.reload();
      setF({ id_number: '', name: '', phone: '', plate: '', origin: f.origin, destination: '', temperature: '' });
    });
  };
  if (cps.error) return html`<section class="page"><${ErrorBox} error=${cps.error} /></section>`;
  if (!cps.data) return html`<section class="page"><${Loading} /></section>`;
  if (cps.data.items.length === 0)
    return html`<section class="page"><${SubNav} code=${code} page="checkpoint" /><p class="empty">${t('mob.no_checkpoints')}</p></section>`;
  const writable = can(session, 'duty_write');
  return html`<section class="page mobilise checkpoint-page">
    <${SubNav} code=${code} page="checkpoint" />
    <label class="round-pick">${t('mob.checkpoint')}
      <select name="cp" value=${cpId} onChange=${(e) => navigate(`/checkpoint/${code}?cp=${e.target.value}`)}>
        ${cps.data.items.map((c) => html`<option value=${c.id}>${c.name} (${t('mob.today_n', { n: c.entries_today })})</option>`)}
      </select>
    </label>
    ${writable &&
    html`<form class="card mob-form entry-form" onSubmit=${(e) => e.preventDefault()}>
      <div class="toggles" role="group" aria-label=${t('mob.who')}>
        ${['id', 'name', 'plate'].map(
          (m) => html`<button type="button" class=${`toggle ${mode === m ? 'active' : ''}`} aria-pressed=${mode === m} onClick=${() => setMode(m)}>
            ${t(`mob.mode.${m}`)}
          </button>`,
        )}
      </div>
      ${mode === 'id' && html`<label>${t('mob.id_number')}<input name="id_number" value=${f.id_number} onInput=${set('id_number')} inputmode="text" autocomplete="off" maxlength="18" /></label>`}
      ${mode === 'name' &&
      html`<label>${t('mob.person')}<input name="name" value=${f.name} onInput=${set('name')} /></label>
        <label>${t('mob.phone')}<input name="phone" value=${f.phone} onInput=${set('phone')} inputmode="tel" /></label>`}
      ${mode === 'plate' && html`<label>${t('mob.plate')}<input name="plate" value=${f.plate} onInput=${set('plate')} placeholder=${t('mob.plate_example')} /></label>`}
      <label>${t('mob.origin')}<input name="origin" value=${f.origin} onInput=${set('origin')} /></label>
      <label>${t('mob.destination')}<input name="destination" value=${f.destination} onInput=${set('destination')} /></label>
      <label>${t('mob.temperature')}<input name="temperature" value=${f.temperature} onInput=${set('temperature')} inputmode="decimal" placeholder="36.5" /></label>
      <${ErrorBox} error=${s.error} />
      <div class="outcomes">
        ${OUTCOMES.map(
          (o) => html`<button type="button" class=${`outcome outcome-${o}`} disabled=${s.busy} onClick=${() => save(o)}>${t(`mob.outcome.${o}`)}</button>`,
        )}
      </div>
    </form>`}
    ${last &&
    html`<div class="card last-entry" role="status">
      <strong>${t('mob.saved')}</strong> ${t(`mob.outcome.${last.outcome}`)}
      ${last.febrile && html`<p class="fever-note">${t('mob.fever_alert')}</p>`}
      ${last.observation_id && html`<p class="fever-note">${t('mob.observation_opened')}</p>`}
      ${last.from_risk && !last.observation_id && html`<p class="fever-note">${t('mob.from_risk')}</p>`}
    </div>`}
    ${can(session, 'registry_read')
      ? html`<${TodayEntries} cpId=${cpId} tick=${tick} />`
      : html`<p class="muted entries-hidden">${t('mob.entries_need_registry')}</p>`}
  </section>`;
}
