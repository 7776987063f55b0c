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

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import * as api from '../api.js';
import { useEvents } from '../live.js';
import { num, t } from '../i18n.js';
import * as outbox from '../outbox.js';
import { Breadcrumb, ErrorBox, FieldErrors, html, Link, Loading, navigate, useLoad } from '../ui.js';

const PAGE = 500; // the API's largest page
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

async function fetchAll(path, params) {
  const out = [];
  let cursor = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const r = await api.get(api.withQuery(path, { ...params, limit: PAGE, cursor }));
    out.push(...r.items);
    cursor = r.next_cursor;
    if (!cursor) break;
  }
  return out;
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
    <input
      type="search"
      class="address-search"
      placeholder=${t('field.search_address')}
      aria-label=${t('field.search_address')}
      value=${q}
      onInput=${(e) => (setQ(e.currentTarget.value.trim()), setShown(SHOWN))}
    />
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

function VisitForm({ grid, round, household, members, visit }) {
  const today = cnNow().date;
  const [values, setValues] = useState(() =>
    members.map((p) => {
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
    }),
  );
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const back = `/field/${grid}`;
  const save = async (e) => {
    e.preventDefault();
    const { fields, body } = visitBody(round, household, values, today);
    if (fields.length) {
      setError({ message: t('field.check_form'), fields });
      return;
    }
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
        onChange=${(v) => setValues(values.map((x, k) => (k === i ? v : x)))}
      />`,
    )}
    <p class="muted">${t('field.present_count', { n: values.filter((v) => v.present).length })}</p>
    <${ErrorBox} error=${error} />
    <div class="actions sticky">
      <button type="submit" class="primary big" disabled=${busy}>${t('field.save_visit')}</button>
    </div>
  </form>`;
}

// ---- observations and the report form -------------------------------------------

function ObservationList({ grid, observations, profile, now, pendingReports }) {
  if (observations.length === 0) return html`<p class="empty">${t('field.no_observations')}</p>`;
  const order = { overdue: 0, due: 1, pending: 2, notyet: 3, reported: 4 };
  const rows = observations
    .map((o) => ({ o, s: slotState(o, profile, now, pendingReports.get(o.person_id)) }))
    .sort((a, b) => order[a.s.state] - order[b.s.state] || a.o.id - b.o.id);
  return html`<ul class="cards observations">
    ${rows.map(({ o, s }) => {
      const day = Math.floor((Date.parse(now.date) - Date.parse(o.start_date)) / 86400e3) + 1;
      return html`<li key=${o.id} class=${`card observation ${s.state}`} data-person=${o.person_id}>
        <div class="grow">
          <div class="name">${o.person_name}</div>
          <small class="muted">
            ${t(`obs.kind.${o.kind}`)} · ${t(`obs.reason.${o.reason}`)} ·
            ${t('field.obs_day', { n: day, total: profile.observation_days })}
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
      </li>`;
    })}
  </ul>`;
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
      Promise.all([api.get(`/api/v1/regions/${code}`), api.get(`/api/v1/regions/${code}/children`)]).then(
        ([r, c]) => ({ region: r, children: c.items }),
      ),
    [code],
  );
  if (region.error) return html`<section class="page"><${ErrorBox} error=${region.error} onRetry=${region.reload} /></section>`;
  if (!region.data) return html`<section class="page"><${Loading} /></section>`;
  if (region.data.region.level !== 'grid')
    return html`<${GridPicker} region=${region.data.region} children=${region.data.children} session=${session} />`;
  return html`<${GridPage} key=${code} grid=${region.data.region} query=${query} session=${session} />`;
}

function GridPage({ grid, query, session }) {
  const code = grid.code;
  const base = useLoad(async () => {
    const [profile, rounds, households, persons] = await Promise.all([
      api.get('/api/v1/profile'),
      api.get('/api/v1/rounds?limit=100'),
      fetchAll('/api/v1/households', { region: code }),
      fetchAll('/api/v1/persons', { region: code }),
    ]);
    const members = new Map();
    for (const p of persons) {
      if (!p.household_id) continue;
      if (!members.has(p.household_id)) members.set(p.household_id, []);
      members.get(p.household_id).push(p);
    }
    return { profile, round: currentRound(rounds.items, code, cnNow().date), households, members };
  }, [code]);
  const roundId = base.data?.round?.id;

  // Visits of the round and observations: reloaded after our own writes
  // reach the server and when the event stream says a visit was recorded.
  const [tick, setTick] = useState(0);
  const live = useLoad(async () => {
    const [visits, observations] = await Promise.all([
      roundId ? fetchAll('/api/v1/visits', { round: roundId, region: code }) : [],
      fetchAll('/api/v1/observations', { region: code, status: 'active' }),
    ]);
    return { visits: new Map(visits.map((v) => [v.household_id, v])), observations };
  }, [code, roundId, tick]);
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

  if (base.error) return html`<section class="page"><${ErrorBox} error=${base.error} onRetry=${base.reload} /></section>`;
  if (!base.data) return html`<section class="page"><${Loading} /></section>`;
  const { profile, round, households, members } = base.data;
  const visits = live.data?.visits ?? new Map();
  const observations = live.data?.observations ?? [];
  const tab = query.get('tab') === 'obs' ? 'obs' : 'households';
  const householdId = Number(query.get('household')) || null;
  const reportFor = Number(query.get('report')) || null;
  const visited = households.filter((h) => visits.has(h.id) || pendingVisits.has(h.id)).length;
  const attention = observations.filter((o) => ['due', 'overdue'].includes(slotState(o, profile, now, pendingReports.get(o.person_id)).state)).length;

  let body;
  if (householdId) {
    const h = households.find((x) => x.id === householdId);
    body = !h
      ? html`<p class="empty">${t('field.household_missing')}</p>`
      : !round
        ? html`<p class="empty">${t('field.no_round')}</p>`
        : html`<${VisitForm} key=${h.id} grid=${code} round=${round} household=${h} members=${members.get(h.id) ?? []} visit=${visits.get(h.id)} />`;
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
        : html`<${ObservationList} grid=${code} observations=${observations} profile=${profile} now=${now} pendingReports=${pendingReports} />`}`;
  }

  return html`<section class="page field" aria-busy=${live.loading}>
    <${Breadcrumb} path=${grid.path} scope=${session.user.scope} hrefOf=${(c) => `/field/${c}`} />
    <div class="field-head">
      <h1>${grid.name}</h1>
      ${round
        ? html`<p class="muted round">
            ${round.name} · ${round.start_date.slice(5)}–${round.end_date.slice(5)} ·
            <strong class="coverage">${t('field.visited_of', { n: num(visited), total: num(households.length) })}</strong>
          </p>`
        : html`<p class="muted round">${t('field.no_round')}</p>`}
    </div>
    <${OutboxPanel} />
    ${body}
  </section>`;
}
