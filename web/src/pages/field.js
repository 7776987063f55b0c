// pages/field.js -- the grid worker's page (网格工作), phone first.
//
//   /field/{grid}                       households of the grid, visited or not in
//                                       the current open round
//   /field/{grid}?tab=obs               persons under observation, the current
//                                       report slot's state of each
//   /field/{grid}?household=ID          the visit form of one household
//   /field/{grid}?report=PERSON         the health report form (temperature keypad)
//   /field/{code}                       above grid level: pick a grid
//
// Everything the forms need (households, members, observations, profile) is
// loaded while online, so that a worker who loses the network in a stairwell
// can go on recording: saves go to the outbox (outbox.js), shown as pending
// until the server has them.  The slot state is computed here from the
// profile's slots and grace period in China time, like the server's sweep.
//
// On a cheap phone (issue 19 item 5): the grid streams in -- the first
// FIRST_PAGE households paint with a progress line, the rest and then the
// members follow page by page -- and every answer is kept on the phone
// (api.getKept), so that with the app shell of the service worker (sw.js)
// the page opens offline after one visit, showing when its data was saved.

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import * as api from '../api.js';
import { useEvents } from '../live.js';
import { num, t } from '../i18n.js';
import * as outbox from '../outbox.js';
import { Breadcrumb, ErrorBox, FieldErrors, html, Link, Loading, navigate, useLoad } from '../ui.js';

const PAGE = 500; // the API's largest page
const FIRST_PAGE = 60; // households painted before the rest streams in (SHOWN are listed)
const GRID_CODE_LEN = 15; // village (12) + 3 digits
const PROFILE = '/api/v1/profile';
const ROUNDS = '/api/v1/rounds?limit=100';
const MAX_PAGES = 40; // 20,000 rows: far beyond a grid
const SHOWN = 30; // households listed before "more"
const SYMPTOMS = ['fever', 'cough', 'sore_throat', 'fatigue', 'diarrhea', 'breathing', 'other'];
const TRANSPORTS = ['car', 'train', 'plane', 'bus', 'ship', 'other'];

// ---- China time and report slots ---------------------------------------------

const CN_OFFSET = 8 * 3600e3;

// Now in China: {date: 'YYYY-MM-DD', minutes: minutes since midnight}.
export function cnNow(ms = Date.now()) {
  const d = new Date(ms + CN_OFFSET);
  return { date: d.toISOString().slice(0, 10), minutes: d.getUTCHours() * 60 + d.getUTCMinutes() };
}

function addDays(date, n) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86400e3).toISOString().slice(0, 10);
}

const hhmm = (m) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const minutesOf = (s) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

// The latest "n" slots that have begun, newest first: [{slot, date, minutes}].
export function recentSlots(profile, now, n) {
  const mins = profile.slots.map(minutesOf).sort((a, b) => b - a);
  const out = [];
  for (let d = 0; out.length < n && d < 60; d++) {
    const date = addDays(now.date, -d);
    for (const m of mins) {
      if (d === 0 && m > now.minutes) continue;
      out.push({ slot: `${date}T${hhmm(m)}`, date, minutes: m });
      if (out.length === n) break;
    }
  }
  return out;
}

// The current slot's state for an observation: {state, slot} with state
// reported | pending (in the outbox) | due | overdue | notyet.
export function slotState(obs, profile, now, pendingSlots) {
  const [cur] = recentSlots(profile, now, 1);
  if (!cur || cur.date < obs.start_date) return { state: 'notyet', slot: null };
  // Owed only if under observation when the slot began (the server's sweep rule).
  if (obs.opened_at && Date.parse(obs.opened_at) > Date.parse(`${cur.slot}:00+08:00`)) return { state: 'notyet', slot: null };
  if (pendingSlots?.has(cur.slot)) return { state: 'pending', slot: cur.slot };
  if (obs.last_report && obs.last_report.slot >= cur.slot) return { state: 'reported', slot: cur.slot };
  // Overdue once grace_minutes have passed since the slot began, that minute
  // included: the sweep's rule (now >= slot start + grace, observation.c), so
  // with 08:00 and 120 minutes 09:59 is due and 10:00 overdue.  Whole minutes
  // suffice: slots and grace are whole minutes, so the seconds cannot decide.
  const elapsed = (cur.date === now.date ? now.minutes : now.minutes + 1440) - cur.minutes;
  return { state: elapsed >= profile.grace_minutes ? 'overdue' : 'due', slot: cur.slot };
}

// "2026-11-29T08:00" -> "11-29 08:00"
const slotText = (s) => (s ? `${s.slice(5, 10)} ${s.slice(11, 16)}` : '–');

// The moment as the API wants it, in China time: 2026-11-29T09:30:00+08:00.
function cnTimestamp(ms = Date.now()) {
  return `${new Date(ms + CN_OFFSET).toISOString().slice(0, 19)}+08:00`;
}

// ---- data --------------------------------------------------------------------

// The first answers the page of grid "code" asks for (FieldPage, useGrid):
// asked for by the app as it starts, with the session (app.js).
export function prefetchGrid(code) {
  api.prefetch(`/api/v1/regions/${code}`);
  api.prefetch(`/api/v1/regions/${code}/children`);
  if (code.length < GRID_CODE_LEN) return;
  api.prefetch(PROFILE);
  api.prefetch(ROUNDS);
  api.prefetch(api.withQuery('/api/v1/households', { region: code, limit: FIRST_PAGE }));
}

// The pages of a list one by one, each {items, savedAt} (savedAt: when an
// offline copy was saved; null for a fresh page): "first" rows in the first
// page, the API's largest after.  Every page is kept for offline use.
async function* pages(path, params, first = PAGE) {
  let cursor = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const { data, savedAt } = await api.getKept(api.withQuery(path, { ...params, limit: i ? PAGE : first, cursor }));
    yield { items: data.items, savedAt };
    cursor = data.next_cursor;
    if (!cursor) return;
  }
}

// The oldest of two saving times (null: fresh).
const older = (a, b) => (a && (!b || a < b) ? a : b);

async function fetchAll(path, params) {
  const items = [];
  let savedAt = null;
  for await (const p of pages(path, params)) {
    items.push(...p.items);
    savedAt = older(p.savedAt, savedAt);
  }
  return { items, savedAt };
}

// The open round covering "grid" today (newest first), or null.
function currentRound(rounds, grid, today) {
  return (
    rounds.find(
      (r) => r.status === 'open' && grid.startsWith(r.region_code) && r.start_date <= today && today <= r.end_date,
    ) ?? null
  );
}

// ---- small pieces ---------------------------------------------------------------

function Toggle({ label, checked, onChange, name }) {
  return html`<button
    type="button"
    class=${`toggle ${checked ? 'on' : ''}`}
    aria-pressed=${checked}
    name=${name}
    onClick=${() => onChange(!checked)}
  >
    ${label}
  </button>`;
}

// A search box whose placeholder is its label; onChange gets the trimmed text.
function SearchBox({ cls, label, value, onChange }) {
  return html`<input type="search" class=${cls} placeholder=${label} aria-label=${label} value=${value}
    onInput=${(e) => onChange(e.currentTarget.value.trim())} />`;
}

function StateBadge({ state }) {
  return html`<span class=${`state state-${state}`}>${t(`field.state.${state}`)}</span>`;
}

// The outbox as the worker sees it: pending count and rejected writes.
export function OutboxPanel() {
  const items = outbox.useOutbox();
  const pending = items.filter((x) => x.state === 'pending');
  const rejected = items.filter((x) => x.state === 'rejected');
  if (items.length === 0) return null;
  return html`<section class="outbox" aria-label=${t('outbox.title')}>
    ${pending.length > 0 &&
    html`<div class="outbox-pending" role="status">
      <strong>${t('outbox.pending', { n: pending.length })}</strong>
      <span class="muted">${navigator.onLine ? t('outbox.sending') : t('outbox.offline')}</span>
      <button type="button" class="secondary small" onClick=${() => outbox.flush()}>${t('outbox.retry')}</button>
      <ul>
        ${pending.map(
          (x) => html`<li key=${x.uuid} data-uuid=${x.uuid} class="pending-item">
            ${t(`outbox.kind.${x.kind}`)}: ${x.meta.label}
            ${x.error?.status === 409 || x.error?.status === 429
              ? html` <small class="muted">${x.error.message}</small>`
              : null}
          </li>`,
        )}
      </ul>
    </div>`}
    ${rejected.map(
      (x) => html`<div class="error rejected" role="alert" key=${x.uuid} data-uuid=${x.uuid}>
        <p>
          <strong>${t('outbox.rejected')}</strong> ${t(`outbox.kind.${x.kind}`)}: ${x.meta.label}
        </p>
        <p>${x.error?.message}</p>
        <${FieldErrors} fields=${x.error?.fields} />
        <button type="button" class="secondary small dismiss" onClick=${() => outbox.dismiss(x.uuid)}>
          ${t('outbox.dismiss')}
        </button>
      </div>`,
    )}
  </section>`;
}

// ---- households and the visit form ----------------------------------------------

// The filter chosen last, kept while the app runs (a visit form and back keep it).
let lastFilter = 'todo';

function HouseholdList({ grid, households, visits, pendingVisits, round }) {
  let [filter, setFilterState] = useState(lastFilter);
  const setFilter = (f) => {
    lastFilter = f;
    setFilterState(f);
  };
  const [shown, setShown] = useState(SHOWN);
  const [q, setQ] = useState('');
  const stateOf = (h) => (pendingVisits.has(h.id) ? 'pending' : visits.has(h.id) ? 'visited' : 'todo');
  if (!round) filter = 'all'; // nothing to be visited for
  const counts = { todo: 0, visited: 0, pending: 0 };
  households.forEach((h) => counts[stateOf(h)]++);
  const list = households.filter(
    (h) =>
      (filter === 'all' || stateOf(h) === filter || (filter === 'visited' && stateOf(h) === 'pending')) &&
      (!q || h.address.includes(q)),
  );
  return html`<div class="households">
    ${round &&
    html`<div class="filters" role="group" aria-label=${t('field.filter')}>
      ${['todo', 'visited', 'all'].map(
        (f) => html`<button
          type="button"
          key=${f}
          class=${`chip ${filter === f ? 'active' : ''}`}
          aria-pressed=${filter === f}
          data-filter=${f}
          onClick=${() => (setFilter(f), setShown(SHOWN))}
        >
          ${t(`field.filter.${f}`)}
          <span class="n">${f === 'all' ? households.length : f === 'visited' ? counts.visited + counts.pending : counts.todo}</span>
        </button>`,
      )}
    </div>`}
    <${SearchBox} cls="address-search" label=${t('field.search_address')} value=${q} onChange=${(v) => (setQ(v), setShown(SHOWN))} />
    ${list.length === 0 && html`<p class="empty">${t('field.no_households')}</p>`}
    <ul class="cards">
      ${list.slice(0, shown).map((h) => {
        const s = stateOf(h);
        return html`<li key=${h.id} class=${`card household ${s}`} data-id=${h.id}>
          <div class="grow">
            <div class="address">${h.address}</div>
            <small class="muted">${t('field.members', { n: h.members })}</small>
          </div>
          ${round && html`<${StateBadge} state=${s === 'todo' ? 'not_visited' : s === 'pending' ? 'pending' : 'visited'} />`}
          ${round &&
          html`<${Link} class=${`button ${s === 'todo' ? 'primary' : 'secondary'} visit`} href=${`/field/${grid}?household=${h.id}`}>
            ${s === 'todo' ? t('field.visit') : t('field.visit_again')}
          <//>`}
        </li>`;
      })}
    </ul>
    ${list.length > shown &&
    html`<p class="more">
      <button type="button" class="secondary" onClick=${() => setShown(shown + SHOWN)}>
        ${t('field.more', { n: list.length - shown })}
      </button>
    </p>`}
  </div>`;
}

const blankPerson = (p) => ({
  person_id: p.id,
  present: true,
  returned_from_risk: false,
  origin: '',
  arrival_date: '',
  transport: '',
  fever: false,
  cough: false,
  other_symptoms: '',
  temperature: '',
  contact_with_case: false,
});

function MemberFields({ person, value, onChange, today }) {
  const set = (k) => (v) => onChange({ ...value, [k]: v });
  const id = `m${person.id}`;
  return html`<fieldset class=${`member ${value.present ? '' : 'absent'}`} data-person=${person.id}>
    <legend>
      <label class="check">
        <input type="checkbox" name="present" checked=${value.present} onChange=${(e) => set('present')(e.currentTarget.checked)} />
        <span class="name">${person.name}</span>
        <small class="muted">${value.present ? t('field.present') : t('field.absent')}</small>
      </label>
    </legend>
    ${value.present &&
    html`<div class="member-body">
      <div class="toggles">
        <${Toggle} name="returned_from_risk" label=${t('field.returned')} checked=${value.returned_from_risk} onChange=${set('returned_from_risk')} />
        <${Toggle} name="fever" label=${t('field.fever')} checked=${value.fever} onChange=${set('fever')} />
        <${Toggle} name="cough" label=${t('field.cough')} checked=${value.cough} onChange=${set('cough')} />
        <${Toggle} name="contact_with_case" label=${t('field.contact')} checked=${value.contact_with_case} onChange=${set('contact_with_case')} />
      </div>
      ${value.returned_from_risk &&
      html`<div class="travel">
        <label><span>${t('field.origin')}</span>
          <input name="origin" value=${value.origin} maxlength="100" placeholder=${t('field.origin_hint')} onInput=${(e) => set('origin')(e.currentTarget.value)} />
        </label>
        <label><span>${t('field.arrival_date')}</span>
          <input name="arrival_date" type="date" max=${today} value=${value.arrival_date} onInput=${(e) => set('arrival_date')(e.currentTarget.value)} />
        </label>
        <label><span>${t('field.transport')}</span>
          <input name="transport" list=${`${id}-transport`} value=${value.transport} maxlength="100" onInput=${(e) => set('transport')(e.currentTarget.value)} />
          <datalist id=${`${id}-transport`}>
            ${TRANSPORTS.map((k) => html`<option key=${k} value=${t(`field.transport.${k}`)} />`)}
          </datalist>
        </label>
      </div>`}
      <div class="row2">
        <label><span>${t('field.temperature')}</span>
          <input name="temperature" type="number" inputmode="decimal" step="0.1" min="34" max="43" placeholder="36.5" value=${value.temperature} onInput=${(e) => set('temperature')(e.currentTarget.value)} />
        </label>
        <label><span>${t('field.other_symptoms')}</span>
          <input name="other_symptoms" value=${value.other_symptoms} maxlength="100" onInput=${(e) => set('other_symptoms')(e.currentTarget.value)} />
        </label>
      </div>
    </div>`}
  </fieldset>`;
}

// The visit as the API wants it; field messages (as the server would give
// them) for what the form itself can see is wrong.
function visitBody(round, household, values, today) {
  const fields = [];
  const persons = values
    .filter((v) => v.present)
    .map((v, i) => {
      const p = {
        person_id: v.person_id,
        returned_from_risk: v.returned_from_risk,
        fever: v.fever,
        cough: v.cough,
        contact_with_case: v.contact_with_case,
      };
      if (v.returned_from_risk) {
        if (v.origin.trim()) p.origin = v.origin.trim();
        if (v.transport.trim()) p.transport = v.transport.trim();
        if (v.arrival_date) p.arrival_date = v.arrival_date;
        if (!v.arrival_date) fields.push({ field: `persons[${i}].arrival_date`, message: t('field.need_arrival', { name: v.name }) });
        else if (v.arrival_date > today) fields.push({ field: `persons[${i}].arrival_date`, message: t('field.arrival_future', { name: v.name }) });
      }
      if (v.other_symptoms.trim()) p.other_symptoms = v.other_symptoms.trim();
      if (String(v.temperature).trim() !== '') {
        const temp = Number(v.temperature);
        if (!(temp >= 34 && temp <= 43)) fields.push({ field: `persons[${i}].temperature`, message: t('field.bad_temperature', { name: v.name }) });
        else p.temperature = Math.round(temp * 10) / 10;
      }
      return p;
    });
  return {
    fields,
    body: {
      round_id: round.id,
      household_id: household.id,
      visited_at: cnTimestamp(),
      members_present: persons.length,
      persons,
    },
  };
}

// A member's values in the form: blank, or as the earlier visit has them.
function memberValues(p, visit) {
  const old = visit?.persons?.find((x) => x.person_id === p.id);
  const v = { ...blankPerson(p), name: p.name };
  if (visit) v.present = !!old;
  if (old)
    Object.assign(v, {
      returned_from_risk: old.returned_from_risk,
      origin: old.origin ?? '',
      arrival_date: old.arrival_date ?? '',
      transport: old.transport ?? '',
      fever: old.fever,
      cough: old.cough,
      other_symptoms: old.other_symptoms ?? '',
      temperature: old.temperature ?? '',
      contact_with_case: old.contact_with_case,
    });
  return v;
}

function VisitForm({ grid, round, household, members, visit, onPerson }) {
  const today = cnNow().date;
  const [changed, setChanged] = useState({}); // person id -> values the worker set
  const values = members.map((p) => changed[p.id] ?? memberValues(p, visit));
  // After a refused save the messages follow the form: each goes once its
  // field is put right, so no stale message is left.
  const [tried, setTried] = useState(false);
  const [error, setError] = useState(null); // the outbox could not store it
  const [busy, setBusy] = useState(false);
  const back = `/field/${grid}`;
  const { fields, body } = visitBody(round, household, values, today);
  const shown = error ?? (tried && fields.length ? { message: t('field.check_form'), fields } : null);
  const save = async (e) => {
    e.preventDefault();
    setTried(true);
    if (fields.length) return;
    setBusy(true);
    try {
      await outbox.add('visit', '/api/v1/visits', body, {
        household_id: household.id,
        round_id: round.id,
        label: household.address,
      });
      navigate(back);
    } catch (err) {
      setError({ message: t('outbox.store_failed', { reason: err.message }) });
      setBusy(false);
    }
  };
  return html`<form class="visit-form" onSubmit=${save} novalidate>
      <p><${Link} href=${back}>‹ ${t('field.back')}<//></p>
      <h2>${t('field.visit_title')}: ${household.address}</h2>
      <p class="muted">${round.name} · ${t('field.members', { n: members.length })}
        ${visit && html` · <span class="state state-visited">${t('field.visited_before', { at: visit.visited_at.slice(5, 16).replace('T', ' ') })}</span>`}
      </p>
      ${members.length === 0 && html`<p class="empty">${t('field.no_members')}</p>`}
      ${members.map(
        (p, i) => html`<${MemberFields}
          key=${p.id}
          person=${p}
          today=${today}
          value=${values[i]}
          onChange=${(v) => setChanged({ ...changed, [p.id]: v })}
        />`,
      )}
      <p class="muted">${t('field.present_count', { n: values.filter((v) => v.present).length })}</p>
      <${ErrorBox} error=${shown} />
      <div class="actions sticky">
        <button type="submit" class="primary big" disabled=${busy}>${t('field.save_visit')}</button>
      </div>
    </form>
    <${NewPerson} household=${household} onPerson=${onPerson} />`;
}

// ---- registering a person in a household ------------------------------------------

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

// The form's own messages, field by field (the server checks again and may
// add its own: a number registered already, a birth date that does not exist).
function personErrors(v) {
  const e = {};
  if (!v.name.trim()) e.name = t('field.person.need_name');
  const id = v.id_number.trim();
  if (!/^\d{17}[\dX]$/.test(id)) e.id_number = t('field.person.bad_id');
  else if ('10X98765432'[ID_WEIGHTS.reduce((s, w, i) => s + w * Number(id[i]), 0) % 11] !== id[17])
    e.id_number = t('field.person.bad_check');
  if (v.phone.trim() && !/^1\d{10}$/.test(v.phone.trim())) e.phone = t('field.person.bad_phone');
  return e;
}

const PERSON_FIELDS = ['name', 'id_number', 'phone'];

// "登记新成员": name, ID number (check digit), phone; the household is this
// one.  Sent at once so that the server's messages come back beside the
// fields; without the network it waits in the outbox under the same UUID.
function NewPerson({ household, onPerson }) {
  const [open, setOpen] = useState(false);
  const blank = { name: '', id_number: '', phone: '' };
  const [v, setV] = useState(blank);
  const [tried, setTried] = useState(false);
  const [server, setServer] = useState(null); // {message, fields: {field: {message, value}}, other: []}
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(null); // {name, queued}
  const uuid = useRef(null);
  if (!open)
    return html`<p class="new-person-open">
      ${done && html`<span class="state state-${done.queued ? 'pending' : 'visited'}" role="status">${t(done.queued ? 'field.person.queued' : 'field.person.added', { name: done.name })}</span> `}
      <button type="button" class="secondary add-person" onClick=${() => setOpen(true)}>${t('field.person.add')}</button>
    </p>`;
  // A server message stays while its field still holds what it was about.
  const errors = {
    ...Object.fromEntries(Object.entries(server?.fields ?? {}).filter(([f, x]) => v[f] === x.value).map(([f, x]) => [f, x.message])),
    ...(tried ? personErrors(v) : {}),
  };
  const set = (k) => (e) => setV({ ...v, [k]: k === 'id_number' ? e.currentTarget.value.toUpperCase() : e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    setTried(true);
    setServer(null);
    if (Object.keys(personErrors(v)).length) return;
    uuid.current ??= crypto.randomUUID();
    const body = { client_uuid: uuid.current, name: v.name.trim(), id_number: v.id_number.trim(), household_id: household.id };
    if (v.phone.trim()) body.phone = v.phone.trim();
    setBusy(true);
    try {
      onPerson(await api.post('/api/v1/persons', body));
      setDone({ name: body.name, queued: false });
    } catch (err) {
      if (err.status !== 0) {
        const fields = {};
        const other = [];
        for (const f of err.fields) (PERSON_FIELDS.includes(f.field) ? (fields[f.field] = { message: f.message, value: v[f.field] }) : other.push(f));
        setServer({ message: err.message, fields, other });
        setBusy(false);
        return;
      }
      await outbox.add('person', '/api/v1/persons', body, { household_id: household.id, label: `${body.name} · ${household.address}` });
      setDone({ name: body.name, queued: true });
    }
    uuid.current = null;
    setV(blank);
    setTried(false);
    setBusy(false);
    setOpen(false);
  };
  const field = (k, attrs) => html`<label class=${errors[k] ? 'invalid' : ''}>
    <span>${t(`field.person.${k}`)}</span>
    <input name=${k} value=${v[k]} onInput=${set(k)} aria-invalid=${errors[k] ? 'true' : undefined} ...${attrs} />
    ${errors[k] && html`<small class="field-error" role="alert">${errors[k]}</small>`}
  </label>`;
  return html`<form class="new-person" onSubmit=${submit} novalidate>
    <h3>${t('field.person.title', { address: household.address })}</h3>
    ${field('name', { maxlength: 50, autocomplete: 'off' })}
    ${field('id_number', { maxlength: 18, inputmode: 'text', autocomplete: 'off', placeholder: t('field.person.id_hint') })}
    ${field('phone', { type: 'tel', inputmode: 'numeric', maxlength: 11, autocomplete: 'off', placeholder: t('field.person.optional') })}
    ${server && (server.other.length > 0 || Object.keys(server.fields).length === 0) && html`<${ErrorBox} error=${{ message: server.message, fields: server.other }} />`}
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>${t('field.person.save')}</button>
      <button type="button" class="secondary" onClick=${() => (setOpen(false), setTried(false), setServer(null))}>${t('field.person.cancel')}</button>
    </div>
  </form>`;
}

// ---- observations and the report form -------------------------------------------

// The last search among the persons under observation, kept while the app
// runs (a report form and back keep it).
let lastObsQuery = '';

function ObservationList({ grid, observations, profile, now, pendingReports, release, onRelease }) {
  const [q, setQState] = useState(lastObsQuery);
  const setQ = (v) => {
    lastObsQuery = v;
    setQState(v);
  };
  const [endedOnly, setEndedOnly] = useState(false);
  // Past the planned end: the server's rule for a release by the field.
  const ended = (o) => now.date >= o.planned_end;
  const nEnded = observations.filter(ended).length;
  const order = { overdue: 0, due: 1, pending: 2, notyet: 3, reported: 4 };
  const rows = observations
    .filter((o) => (!q || o.person_name.includes(q)) && (!endedOnly || ended(o)))
    .map((o) => ({ o, s: slotState(o, profile, now, pendingReports.get(o.person_id)) }))
    .sort((a, b) => order[a.s.state] - order[b.s.state] || a.o.id - b.o.id);
  return html`<div class="obs-list">
    ${release?.done && html`<p class="released-note state state-reported" role="status">${t('field.released', { name: release.done })}</p>`}
    ${observations.length === 0
      ? html`<p class="empty">${t('field.no_observations')}</p>`
      : html`<div class="filters">
            <${SearchBox} cls="obs-search" label=${t('field.search_person')} value=${q} onChange=${setQ} />
            ${nEnded > 0 &&
            html`<button type="button" class=${`chip ended-filter ${endedOnly ? 'active' : ''}`} aria-pressed=${endedOnly} onClick=${() => setEndedOnly(!endedOnly)}>
              ${t('field.ended_filter')} <span class="n">${num(nEnded)}</span>
            </button>`}
          </div>
          ${rows.length === 0 && html`<p class="empty">${t('field.no_match')}</p>`}`}
    <ul class="cards observations">
      ${rows.map(({ o, s }) => {
        const day = Math.floor((Date.parse(now.date) - Date.parse(o.start_date)) / 86400e3) + 1;
        const failed = release?.id === o.id && release.error;
        return html`<li key=${o.id} class=${`card observation ${s.state} ${ended(o) ? 'ended' : ''}`} data-person=${o.person_id} data-id=${o.id}>
          <div class="grow">
            <div class="name">${o.person_name}</div>
            <small class="muted">
              ${t(`obs.kind.${o.kind}`)} · ${t(`obs.reason.${o.reason}`)} ·
              <span class=${ended(o) ? 'over' : ''}>${t('field.obs_day', { n: day, total: profile.observation_days })}</span>
            </small>
            <small class="muted last">
              ${t('field.last_report')}:
              ${o.last_report
                ? html`${slotText(o.last_report.slot)} <span class=${o.last_report.abnormal ? 'abnormal' : ''}>${o.last_report.temperature.toFixed(1)} ℃</span>`
                : t('field.none_yet')}
            </small>
          </div>
          <div class="side">
            <${StateBadge} state=${s.state} />
            ${s.slot && html`<small class="muted slot">${slotText(s.slot)}</small>`}
          </div>
          <${Link} class=${`button ${s.state === 'overdue' || s.state === 'due' ? 'primary' : 'secondary'} report`} href=${`/field/${grid}?tab=obs&report=${o.person_id}`}>
            ${t('field.report')}
          <//>
          ${ended(o) &&
          html`<div class="release-row">
            <span class="state state-ended">${t('field.period_over', { date: o.planned_end.slice(5) })}</span>
            <button type="button" class="secondary release" disabled=${release?.id === o.id && release.busy} onClick=${() => onRelease(o)}>
              ${t('field.release')}
            </button>
            ${failed && html`<p class="error release-error" role="alert">${failed.message}</p>`}
          </div>`}
        </li>`;
      })}
    </ul>
  </div>`;
}

// Temperature keypad: the whole degrees, then the tenth.
function TempPad({ value, onChange, threshold }) {
  const [whole, setWhole] = useState(value ? Math.floor(value) : 36);
  const tenth = value ? Math.round((value - Math.floor(value)) * 10) : null;
  const set = (w, d) => {
    setWhole(w);
    onChange(d === null ? null : Math.round(w * 10 + d) / 10);
  };
  const fever = value !== null && value >= threshold;
  return html`<div class="temppad">
    <output class=${`temp-display ${fever ? 'fever' : ''}`} aria-live="polite">
      ${value === null ? `${whole}.–` : value.toFixed(1)} <small>℃</small>
    </output>
    <div class="wholes" role="group" aria-label=${t('field.temp_whole')}>
      ${[35, 36, 37, 38, 39, 40].map(
        (w) => html`<button type="button" key=${w} class=${w === whole ? 'on' : ''} aria-pressed=${w === whole}
          onClick=${() => set(w, tenth)}>${w}.</button>`,
      )}
    </div>
    <div class="tenths" role="group" aria-label=${t('field.temp_tenth')}>
      ${[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(
        (d) => html`<button type="button" key=${d} data-temp=${`${whole}.${d}`} class=${d === tenth ? 'on' : ''} aria-pressed=${d === tenth}
          onClick=${() => set(whole, d)}>${whole}.${d}</button>`,
      )}
    </div>
    ${fever && html`<p class="fever-note" role="status">${t('field.fever_note', { v: value.toFixed(1), t: threshold })}</p>`}
  </div>`;
}

function ReportForm({ grid, obs, profile, now, pendingSlots }) {
  const slots = recentSlots(profile, now, profile.slots.length * 2).filter((s) => s.date >= obs.start_date);
  const [slot, setSlot] = useState(slots[0]?.slot ?? '');
  const [temp, setTemp] = useState(null);
  const [symptoms, setSymptoms] = useState([]);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const back = `/field/${grid}?tab=obs`;
  const save = async (e) => {
    e.preventDefault();
    if (temp === null) {
      setError({ message: t('field.need_temperature') });
      return;
    }
    setBusy(true);
    try {
      await outbox.add(
        'report',
        '/api/v1/health-reports',
        { person_id: obs.person_id, slot, temperature: temp, symptoms },
        { person_id: obs.person_id, slot, label: `${obs.person_name} ${slotText(slot)} ${temp.toFixed(1)} ℃` },
      );
      navigate(back);
    } catch (err) {
      setError({ message: t('outbox.store_failed', { reason: err.message }) });
      setBusy(false);
    }
  };
  const toggle = (s) => setSymptoms(symptoms.includes(s) ? symptoms.filter((x) => x !== s) : [...symptoms, s]);
  // 发热 follows the reading from the profile's threshold on (issue 19 item 5);
  // a tap on the toggle still decides.
  const onTemp = (v) => {
    setTemp(v);
    if (v !== null) setError(null); // "请先点选体温" is answered
    const hot = v !== null && v >= profile.fever_threshold;
    const was = temp !== null && temp >= profile.fever_threshold;
    if (hot && !was && !symptoms.includes('fever')) setSymptoms([...symptoms, 'fever']);
    if (!hot && was) setSymptoms(symptoms.filter((x) => x !== 'fever'));
  };
  return html`<form class="report-form" onSubmit=${save} novalidate>
    <p><${Link} href=${back}>‹ ${t('field.back')}<//></p>
    <h2>${t('field.report_title')}: ${obs.person_name}</h2>
    ${slots.length === 0
      ? html`<p class="empty">${t('field.no_slot')}</p>`
      : html`<label class="slot-pick"><span>${t('field.slot')}</span>
          <select name="slot" value=${slot} onChange=${(e) => setSlot(e.currentTarget.value)}>
            ${slots.map(
              (s, i) => html`<option key=${s.slot} value=${s.slot}>
                ${slotText(s.slot)}${i === 0 ? ` (${t('field.slot_current')})` : ''}${pendingSlots?.has(s.slot) ? ` · ${t('field.state.pending')}` : obs.last_report?.slot === s.slot ? ` · ${t('field.state.reported')}` : ''}
              </option>`,
            )}
          </select>
        </label>`}
    <${TempPad} value=${temp} onChange=${onTemp} threshold=${profile.fever_threshold} />
    <div class="symptoms" role="group" aria-label=${t('field.symptoms')}>
      <span class="label">${t('field.symptoms')}</span>
      <div class="toggles">
        ${SYMPTOMS.map((s) => html`<${Toggle} key=${s} name=${s} label=${t(`symptom.${s}`)} checked=${symptoms.includes(s)} onChange=${() => toggle(s)} />`)}
      </div>
    </div>
    <${ErrorBox} error=${error} />
    <div class="actions sticky">
      <button type="submit" class="primary big" disabled=${busy || slots.length === 0}>${t('field.save_report')}</button>
    </div>
  </form>`;
}

// ---- the page ----------------------------------------------------------------------

function GridPicker({ region, children, session }) {
  return html`<section class="page field">
    <${Breadcrumb} path=${region.path} scope=${session.user.scope} hrefOf=${(c) => `/field/${c}`} />
    <h1>${t('field.title')}</h1>
    <p class="muted">${t('field.pick_grid')}</p>
    ${children.length === 0
      ? html`<p class="empty">${t('regions.none')}</p>`
      : html`<ul class="cards pick">
          ${children.map(
            (c) => html`<li key=${c.code} class="card" data-code=${c.code}>
              <${Link} href=${`/field/${c.code}`}>${c.name}<//>
              <small class="muted">${t(`level.${c.level}`)} · ${num(c.stats.households)} ${t('stats.households')}</small>
            </li>`,
          )}
        </ul>`}
  </section>`;
}

export function FieldPage({ code, query, session }) {
  const region = useLoad(
    () =>
      Promise.all([api.getKept(`/api/v1/regions/${code}`), api.getKept(`/api/v1/regions/${code}/children`)]).then(
        ([r, c]) => ({ region: r.data, children: c.data.items }),
      ),
    [code],
    { early: true }, // asked for as the app started (prefetchGrid)
  );
  // A code of a grid's length (15 digits) asks for the grid's data together
  // with the region: a round trip less before the first paint.
  const isGrid = region.data ? region.data.region.level === 'grid' : code.length >= GRID_CODE_LEN;
  const data = useGrid(isGrid ? code : null);
  if (region.error) return html`<section class="page"><${ErrorBox} error=${region.error} onRetry=${region.reload} /></section>`;
  if (!region.data) return html`<section class="page"><${Loading} /></section>`;
  if (region.data.region.level !== 'grid')
    return html`<${GridPicker} region=${region.data.region} children=${region.data.children} session=${session} />`;
  return html`<${GridPage} key=${code} grid=${region.data.region} data=${data} query=${query} session=${session} />`;
}

// The grid's data, streamed: the profile, the rounds and the first
// FIRST_PAGE households come first (the page paints with them); the other
// households, then the persons (the members the visit forms need) follow
// page by page.  {profile, round, households, householdsDone, members,
// persons (loaded so far), personsDone, savedAt, error, addPerson(p)}.
function useGrid(code) {
  const [state, setState] = useState(null);
  // before the paint: the first answers were asked for as the app started
  useLayoutEffect(() => {
    setState(null);
    if (!code) return undefined;
    let live = true;
    const set = (fn) => live && setState((g) => ({ ...g, ...fn(g) }));
    setState({ profile: null, round: null, households: [], householdsDone: false, members: new Map(), persons: 0, personsDone: false, savedAt: null, error: null });
    const head = Promise.all([api.getKept(PROFILE), api.getKept(ROUNDS)]);
    head.catch(() => {}); // awaited below: its failure is the page's error
    (async () => {
      for await (const p of pages('/api/v1/households', { region: code }, FIRST_PAGE)) {
        const [profile, rounds] = await head;
        set((g) => ({
          profile: profile.data,
          round: g.round ?? currentRound(rounds.data.items, code, cnNow().date),
          households: [...g.households, ...p.items],
          savedAt: older(older(p.savedAt, g.savedAt), older(profile.savedAt, rounds.savedAt)),
        }));
      }
      set(() => ({ householdsDone: true }));
      for await (const p of pages('/api/v1/persons', { region: code })) {
        set((g) => {
          const members = new Map(g.members);
          for (const x of p.items) if (x.household_id) members.set(x.household_id, [...(members.get(x.household_id) ?? []), x]);
          return { members, persons: g.persons + p.items.length, savedAt: older(p.savedAt, g.savedAt) };
        });
      }
      set(() => ({ personsDone: true }));
    })().catch((error) => set(() => ({ error })));
    return () => {
      live = false;
    };
  }, [code]);
  // A person registered here joins their household at once.
  const addPerson = (p) =>
    setState((g) => ({ ...g, members: new Map(g.members).set(p.household_id, [...(g.members.get(p.household_id) ?? []), p]) }));
  return state && { ...state, addPerson };
}

// The service worker (sw.js) keeps the app shell on the phone, so that this
// page opens offline: registered once the grid is loaded, so that filling
// its cache does not compete with the grid for a slow network.  Without it
// (no secure context) the page works online as before.
function registerWorker() {
  if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});
}

// "11-29 08:05": when an offline copy was saved, China time.
const savedText = (d) => new Date(d.getTime() + CN_OFFSET).toISOString().slice(5, 16).replace('T', ' ');

function GridPage({ grid, data, query, session }) {
  const code = grid.code;
  const ready = !!data?.profile && (data.households.length > 0 || data.householdsDone);
  const roundId = data?.round?.id;

  // Visits of the round and observations, once the first households are
  // shown: reloaded after our own writes reach the server and when the
  // event stream says a visit was recorded.
  const [tick, setTick] = useState(0);
  const live = useLoad(async () => {
    if (!ready) return null;
    const [visits, observations] = await Promise.all([
      roundId ? fetchAll('/api/v1/visits', { round: roundId, region: code }) : { items: [], savedAt: null },
      fetchAll('/api/v1/observations', { region: code, status: 'active' }),
    ]);
    return {
      visits: new Map(visits.items.map((v) => [v.household_id, v])),
      observations: observations.items,
      savedAt: older(visits.savedAt, observations.savedAt),
    };
  }, [code, ready, roundId, tick]);
  useEvents(['visit.recorded', 'alert.raised'], (events) => {
    if (events.some((e) => !e.data?.grid_code || e.data.grid_code === code)) setTick((n) => n + 1);
  });

  const items = outbox.useOutbox();
  const confirmed = useRef(new Set());
  useEffect(() => {
    // An item that left the outbox was confirmed (or dismissed): reload.
    const now = new Set(items.map((x) => x.uuid));
    const gone = [...confirmed.current].some((u) => !now.has(u));
    confirmed.current = now;
    if (gone) setTick((n) => n + 1);
  }, [items]);

  // The clock moves the slot states: re-render every half minute.
  const [, setClock] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setClock((n) => n + 1), 30000);
    return () => clearInterval(id);
  }, []);
  const now = cnNow();

  const pendingVisits = useMemo(
    () => new Set(items.filter((x) => x.kind === 'visit' && x.state === 'pending' && x.meta.round_id === roundId).map((x) => x.meta.household_id)),
    [items, roundId],
  );
  const pendingReports = useMemo(() => {
    const m = new Map();
    for (const x of items)
      if (x.kind === 'report' && x.state === 'pending') {
        if (!m.has(x.meta.person_id)) m.set(x.meta.person_id, new Set());
        m.get(x.meta.person_id).add(x.meta.slot);
      }
    return m;
  }, [items]);

  const loaded = !!data?.personsDone;
  useEffect(() => {
    if (loaded) registerWorker();
  }, [loaded]);

  // Releasing a person past their period (one tap): the server's rules and
  // its answer decide; the list reloads without them.
  const [release, setRelease] = useState(null); // {id, error} | {done: name}
  const onRelease = async (o) => {
    setRelease({ id: o.id, busy: true });
    try {
      await api.post(`/api/v1/observations/${o.id}/release`, {});
      setRelease({ done: o.person_name });
      setTick((n) => n + 1);
    } catch (error) {
      setRelease({ id: o.id, error });
    }
  };

  if (data?.error && !ready) return html`<section class="page"><${ErrorBox} error=${data.error} onRetry=${() => location.reload()} /></section>`;
  if (!ready) return html`<section class="page"><${Loading} /></section>`;
  const { profile, round, households, members } = data;
  const visits = live.data?.visits ?? new Map();
  const observations = live.data?.observations ?? [];
  const savedAt = older(data.savedAt, live.data?.savedAt);
  const tab = query.get('tab') === 'obs' ? 'obs' : 'households';
  const householdId = Number(query.get('household')) || null;
  const reportFor = Number(query.get('report')) || null;
  const visited = households.filter((h) => visits.has(h.id) || pendingVisits.has(h.id)).length;
  const attention = observations.filter((o) => ['due', 'overdue'].includes(slotState(o, profile, now, pendingReports.get(o.person_id)).state)).length;
  const total = Math.max(grid.stats?.households ?? 0, households.length);

  let body;
  if (householdId) {
    const h = households.find((x) => x.id === householdId);
    body = !h
      ? data.householdsDone
        ? html`<p class="empty">${t('field.household_missing')}</p>`
        : html`<${Loading} />`
      : !round
        ? html`<p class="empty">${t('field.no_round')}</p>`
        : !data.personsDone
          ? html`<p class="loading load-progress" role="status">${t('field.loading_members', { n: num(data.persons), total: num(grid.stats?.persons ?? data.persons) })}</p>`
          : html`<${VisitForm} key=${h.id} grid=${code} round=${round} household=${h} members=${members.get(h.id) ?? []} visit=${visits.get(h.id)} onPerson=${data.addPerson} />`;
  } else if (reportFor) {
    const o = observations.find((x) => x.person_id === reportFor);
    body = !o
      ? live.data
        ? html`<p class="empty">${t('field.observation_missing')}</p>`
        : html`<${Loading} />`
      : html`<${ReportForm} key=${o.id} grid=${code} obs=${o} profile=${profile} now=${now} pendingSlots=${pendingReports.get(o.person_id)} />`;
  } else {
    body = html`<nav class="tabs" aria-label=${t('field.tabs')}>
        <${Link} href=${`/field/${code}`} aria-current=${tab === 'households' ? 'page' : undefined} class="tab-households">
          ${t('field.tab.households')} ${round && html`<span class="n">${num(households.length - visited)}</span>`}
        <//>
        <${Link} href=${`/field/${code}?tab=obs`} aria-current=${tab === 'obs' ? 'page' : undefined} class="tab-obs">
          ${t('field.tab.obs')} <span class=${`n ${attention ? 'hot' : ''}`}>${num(observations.length)}</span>
        <//>
      </nav>
      <${ErrorBox} error=${live.error} onRetry=${live.reload} />
      ${tab === 'households'
        ? html`<${HouseholdList} grid=${code} households=${households} visits=${visits} pendingVisits=${pendingVisits} round=${round} />`
        : html`<${ObservationList} grid=${code} observations=${observations} profile=${profile} now=${now} pendingReports=${pendingReports}
            release=${release} onRelease=${onRelease} />`}`;
  }

  return html`<section class="page field" aria-busy=${live.loading || !data.householdsDone}>
    <${Breadcrumb} path=${grid.path} scope=${session.user.scope} hrefOf=${(c) => `/field/${c}`} />
    <div class="field-head">
      <h1>${grid.name}</h1>
      ${round
        ? html`<p class="muted round">
            ${round.name} · ${round.start_date.slice(5)}–${round.end_date.slice(5)} ·
            <strong class="coverage">${t('field.visited_of', { n: num(visited), total: num(households.length) })}</strong>
          </p>`
        : html`<p class="muted round">${t('field.no_round')}</p>`}
      ${!data.householdsDone &&
      html`<p class="load-progress" role="status">
        <progress max=${total} value=${households.length}></progress>
        ${t('field.loaded_of', { n: num(households.length), total: num(total) })}
      </p>`}
      ${data.error && html`<${ErrorBox} error=${data.error} onRetry=${() => location.reload()} />`}
      ${savedAt && html`<p class="offline-note" role="status">${t('field.offline_copy', { at: savedText(savedAt) })}</p>`}
    </div>
    <${OutboxPanel} />
    ${body}
  </section>`;
}
