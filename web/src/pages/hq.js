// pages/hq.js -- the command HQ's own work (指挥部工作台), one page with tabs:
//
//   /hq/{code}?tab=directives   通知/指令: issue down a subtree, sign for it (签收),
//                               who has read it and who missed the deadline, replies,
//                               the printable view
//   /hq/{code}?tab=inspections  督查: record an inspection with findings, rectify with
//                               evidence, verify; overdue rectifications; printable report
//   /hq/{code}?tab=broadcasts   宣传/村村响: publish a notice, listen to its Mandarin
//                               audio, a village acknowledges it played it
//   /hq/{code}?tab=levels       应急响应级别: the level now (or inherited), history, set one
//   /hq/{code}?tab=leaders      市级领导联系督导: a leader's regions side by side with their
//                               headline figures; link and unlink
//
// Forms show the server's field messages next to the form; lists refresh
// after each write and when a directive or broadcast arrives over SSE.

import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { useEvents } from '../live.js';
import { num, t } from '../i18n.js';
import { RegionPicker } from '../pickers.js';
import { ErrorBox, html, Link, Loading, useLoad } from '../ui.js';

function today(days = 0) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}
const when = (iso) => (iso ? iso.slice(0, 16).replace('T', ' ') : '–');

// A form's state: values, the error of the last submit, busy flag.
function useForm(initial) {
  const [values, setValues] = useState(initial);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const bind = (name) => ({
    name,
    value: values[name] ?? '',
    onInput: (e) => setValues((v) => ({ ...v, [name]: e.currentTarget.value })),
  });
  const submit = (send, after) => async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await send(values);
      setValues(initial);
      after?.(r);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { values, setValues, error, busy, bind, submit };
}

// A region of a form chosen by name (pickers.js), kept in the form's values.
function RegionField({ f, name, label }) {
  return html`<${RegionPicker} name=${name} label=${label} value=${f.values[name] ?? ''}
    onChange=${(v) => f.setValues((x) => ({ ...x, [name]: v }))} />`;
}

const LEVELS = ['county', 'township', 'village', 'grid'];
const CATEGORIES = ['screening', 'quarantine', 'checkpoint', 'duty', 'supplies', 'publicity', 'information', 'other'];

// ---- directives ------------------------------------------------------------------

function IssueForm({ code, onDone }) {
  const f = useForm({ title: '', body: '', target_region: code, target_level: 'village', deadline: today(1) });
  return html`<form class="hq-form issue-form" onSubmit=${f.submit((v) => api.post('/api/v1/directives', v), onDone)}>
    <h3>${t('hq.issue')}</h3>
    <label>${t('hq.title')}<input ...${f.bind('title')} maxlength="60" required /></label>
    <label>${t('hq.body')}<textarea ...${f.bind('body')} rows="4" required></textarea></label>
    <div class="row">
      <${RegionField} f=${f} name="target_region" label=${t('hq.target')} />
      <label
        >${t('hq.down_to')}
        <select ...${f.bind('target_level')}>
          ${LEVELS.map((l) => html`<option key=${l} value=${l}>${t(`hq.level_${l}`)}</option>`)}
        </select>
      </label>
      <label>${t('hq.deadline')}<input type="date" ...${f.bind('deadline')} /></label>
    </div>
    <${ErrorBox} error=${f.error} />
    <button type="submit" disabled=${f.busy}>${t('hq.send')}</button>
  </form>`;
}

function Receipts({ id }) {
  const r = useLoad(() => api.get(`/api/v1/directives/${id}/receipts`), [id]);
  if (r.error) return html`<${ErrorBox} error=${r.error} />`;
  if (!r.data) return html`<${Loading} />`;
  const missed = new Set(r.data.not_read_by_deadline);
  return html`<div class="receipts">
    <p>
      ${t('hq.receipts_sum', { read: num(r.data.read), units: num(r.data.units) })}
      ${r.data.deadline_passed && html` · <strong>${t('hq.missed', { n: num(missed.size) })}</strong>`}
    </p>
    <table class="hq-table receipts-table">
      <thead>
        <tr><th>${t('hq.unit')}</th><th>${t('hq.read_at')}</th><th>${t('hq.read_by')}</th></tr>
      </thead>
      <tbody>
        ${r.data.items.map(
          (u) => html`<tr key=${u.region} data-unit=${u.region} class=${missed.has(u.region) ? 'hot' : u.read_at ? '' : 'unread'}>
            <td>${u.name}</td>
            <td>${u.read_at ? when(u.read_at) : t('hq.unread')}</td>
            <td class="read-by" title=${u.read_by ?? ''}>${u.read_by_name ?? u.read_by ?? ''}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function DirectiveDetail({ id, onChange }) {
  const [tick, setTick] = useState(0);
  const d = useLoad(() => api.get(`/api/v1/directives/${id}`), [id, tick]);
  const reply = useForm({ body: '' });
  const [error, setError] = useState(null);
  if (d.error) return html`<${ErrorBox} error=${d.error} />`;
  if (!d.data) return html`<${Loading} />`;
  const x = d.data;
  const read = async () => {
    try {
      await api.post(`/api/v1/directives/${id}/read`);
      setTick((n) => n + 1);
      onChange();
    } catch (e) {
      setError(e);
    }
  };
  return html`<div class="directive-detail">
    <p class="directive-body">${x.body}</p>
    <p>
      ${x.recipient && !x.read_at && html`<button type="button" class="sign" onClick=${read}>${t('hq.sign')}</button>`}
      ${x.read_at && html`<span class="signed">${t('hq.signed_at', { at: when(x.read_at) })}</span>`}
      <a href=${`/api/v1/directives/${id}/print`} target="_blank" rel="noopener">${t('hq.print')}</a>
    </p>
    <${ErrorBox} error=${error} />
    <${Receipts} id=${id} key=${tick} />
    <h4>${t('hq.replies')}</h4>
    <ul class="replies">
      ${x.replies.map((r) => html`<li key=${r.id}><strong>${r.region_name}</strong> ${r.username}: ${r.body} <small>${when(r.created_at)}</small></li>`)}
    </ul>
    ${x.recipient &&
    html`<form class="hq-form reply-form" onSubmit=${reply.submit((v) => api.post(`/api/v1/directives/${id}/replies`, v), () => setTick((n) => n + 1))}>
      <label>${t('hq.reply')}<input ...${reply.bind('body')} maxlength="300" /></label>
      <${ErrorBox} error=${reply.error} />
      <button type="submit" disabled=${reply.busy}>${t('hq.send_reply')}</button>
    </form>`}
  </div>`;
}

function DirectivesTab({ code, can, tick }) {
  const [mine, setMine] = useState(0);
  const [open, setOpen] = useState(null);
  const list = useLoad(() => api.get(`/api/v1/directives?region=${code}&limit=100`), [code, tick, mine]);
  const changed = () => setMine((n) => n + 1);
  return html`<div class="hq-directives">
    ${can('command_write') && html`<${IssueForm} code=${code} onDone=${(d) => { changed(); setOpen(d.id); }} />`}
    ${list.error && html`<${ErrorBox} error=${list.error} />`}
    ${list.data &&
    (list.data.items.length === 0
      ? html`<p class="empty">${t('hq.no_directives')}</p>`
      : html`<ul class="hq-list directives">
          ${list.data.items.map(
            (d) => html`<li key=${d.id} data-id=${d.id} class=${d.recipient && !d.read_at ? 'unread' : ''}>
              <button type="button" class="link" aria-expanded=${open === d.id} onClick=${() => setOpen(open === d.id ? null : d.id)}>
                ${d.title}
              </button>
              <small> ${d.issuing_name} → ${d.target_name} · ${t('hq.units', { n: num(d.units) })} · ${t('hq.deadline_at', { date: d.deadline })}
                ${d.recipient && !d.read_at ? ` · ${t('hq.unread')}` : ''}</small>
              ${open === d.id && html`<${DirectiveDetail} id=${d.id} onChange=${changed} />`}
            </li>`,
          )}
        </ul>`)}
  </div>`;
}

// ---- inspections --------------------------------------------------------------------

function InspectionForm({ code, onDone }) {
  const blank = { category: 'screening', description: '', responsible_unit: '', deadline: today(3) };
  const f = useForm({ region_code: code, unit: '', inspected_on: today(0), summary: '' });
  const [findings, setFindings] = useState([{ ...blank }]);
  const setFinding = (i, k) => (e) => {
    const v = e.currentTarget.value;
    setFindings((fs) => fs.map((x, j) => (j === i ? { ...x, [k]: v } : x)));
  };
  const send = (v) =>
    api.post('/api/v1/inspections', {
      region_code: v.region_code,
      inspected_on: v.inspected_on,
      ...(v.unit ? { unit: v.unit } : {}),
      ...(v.summary ? { summary: v.summary } : {}),
      findings: findings.filter((x) => x.description),
    });
  return html`<form class="hq-form inspection-form" onSubmit=${f.submit(send, (r) => { setFindings([{ ...blank }]); onDone(r); })}>
    <h3>${t('hq.new_inspection')}</h3>
    <div class="row">
      <${RegionField} f=${f} name="region_code" label=${t('hq.region')} />
      <label>${t('hq.unit_name')}<input ...${f.bind('unit')} /></label>
      <label>${t('hq.inspected_on')}<input type="date" ...${f.bind('inspected_on')} /></label>
    </div>
    <label>${t('hq.summary')}<input ...${f.bind('summary')} /></label>
    ${findings.map(
      (x, i) => html`<fieldset key=${i} class="finding-input">
        <legend>${t('hq.finding_n', { n: i + 1 })}</legend>
        <div class="row">
          <label>${t('hq.category')}
            <select name=${`findings[${i}].category`} value=${x.category} onChange=${setFinding(i, 'category')}>
              ${CATEGORIES.map((c) => html`<option key=${c} value=${c}>${t(`hq.cat_${c}`)}</option>`)}
            </select>
          </label>
          <label>${t('hq.responsible')}<input name=${`findings[${i}].responsible_unit`} value=${x.responsible_unit} onInput=${setFinding(i, 'responsible_unit')} /></label>
          <label>${t('hq.rectify_by')}<input type="date" name=${`findings[${i}].deadline`} value=${x.deadline} onInput=${setFinding(i, 'deadline')} /></label>
        </div>
        <label>${t('hq.description')}<input name=${`findings[${i}].description`} value=${x.description} onInput=${setFinding(i, 'description')} /></label>
      </fieldset>`,
    )}
    <button type="button" class="secondary" onClick=${() => setFindings((fs) => [...fs, { ...blank }])}>${t('hq.add_finding')}</button>
    <${ErrorBox} error=${f.error} />
    <button type="submit" disabled=${f.busy}>${t('hq.save')}</button>
  </form>`;
}

const STATUS = { open: 'hq.st_open', rectified: 'hq.st_rectified', verified: 'hq.st_verified' };

function Finding({ f, can, onChange }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  const act = (path, body) => async (e) => {
    e?.preventDefault();
    setError(null);
    try {
      await api.post(path, body);
      onChange();
    } catch (err) {
      setError(err);
    }
  };
  return html`<tr data-finding=${f.id} class=${f.overdue ? 'hot' : ''}>
    <td>${t(`hq.cat_${f.category}`)}</td>
    <td>${f.description}</td>
    <td>${f.responsible_unit}<br /><small>${f.region_name}</small></td>
    <td>${f.deadline}${f.overdue ? ` (${t('hq.overdue')})` : ''}</td>
    <td class="status">${t(STATUS[f.status])}${f.evidence_note ? html`<br /><small>${f.evidence_note}</small>` : ''}</td>
    <td>
      ${f.status === 'open' &&
      can('command_write') &&
      html`<form class="rectify-form" onSubmit=${act(`/api/v1/findings/${f.id}/rectify`, { evidence_note: note })}>
        <input name="evidence_note" value=${note} onInput=${(e) => setNote(e.currentTarget.value)} placeholder=${t('hq.evidence')} />
        <button type="submit">${t('hq.rectify')}</button>
      </form>`}
      ${f.status === 'rectified' && can('inspect_write') && html`<button type="button" class="verify" onClick=${act(`/api/v1/findings/${f.id}/verify`, {})}>${t('hq.verify')}</button>`}
      <${ErrorBox} error=${error} />
    </td>
  </tr>`;
}

function FindingsTable({ items, can, onChange }) {
  return html`<table class="hq-table findings-table">
    <thead>
      <tr>
        <th>${t('hq.category')}</th><th>${t('hq.description')}</th><th>${t('hq.responsible')}</th>
        <th>${t('hq.rectify_by')}</th><th>${t('hq.status')}</th><th></th>
      </tr>
    </thead>
    <tbody>${items.map((f) => html`<${Finding} key=${f.id} f=${f} can=${can} onChange=${onChange} />`)}</tbody>
  </table>`;
}

function InspectionDetail({ id, can, onChange }) {
  const [tick, setTick] = useState(0);
  const d = useLoad(() => api.get(`/api/v1/inspections/${id}`), [id, tick]);
  if (d.error) return html`<${ErrorBox} error=${d.error} />`;
  if (!d.data) return html`<${Loading} />`;
  return html`<div class="inspection-detail">
    ${d.data.summary && html`<p>${d.data.summary}</p>`}
    <p><a href=${`/api/v1/inspections/${id}/report`} target="_blank" rel="noopener">${t('hq.report')}</a></p>
    <${FindingsTable} items=${d.data.findings} can=${can} onChange=${() => { setTick((n) => n + 1); onChange(); }} />
  </div>`;
}

function InspectionsTab({ code, can }) {
  const [tick, setTick] = useState(0);
  const [open, setOpen] = useState(null);
  const list = useLoad(() => api.get(`/api/v1/inspections?region=${code}&limit=100`), [code, tick]);
  const overdue = useLoad(() => api.get(`/api/v1/findings?region=${code}&overdue=1`), [code, tick]);
  const counts = useLoad(() => api.get(`/api/v1/stats/inspections?region=${code}`), [code, tick]);
  const changed = () => setTick((n) => n + 1);
  return html`<div class="hq-inspections">
    ${counts.data &&
    html`<p class="counts">
      ${t('hq.counts', { inspections: num(counts.data.inspections), open: num(counts.data.open), rectified: num(counts.data.rectified), verified: num(counts.data.verified), overdue: num(counts.data.overdue) })}
    </p>`}
    ${can('inspect_write') && html`<${InspectionForm} code=${code} onDone=${(r) => { changed(); setOpen(r.id); }} />`}
    ${overdue.data?.items.length > 0 &&
    html`<section class="overdue-findings">
      <h3>${t('hq.overdue_title')}</h3>
      <${FindingsTable} items=${overdue.data.items} can=${can} onChange=${changed} />
    </section>`}
    ${list.error && html`<${ErrorBox} error=${list.error} />`}
    ${list.data &&
    (list.data.items.length === 0
      ? html`<p class="empty">${t('hq.no_inspections')}</p>`
      : html`<ul class="hq-list inspections">
          ${list.data.items.map(
            (i) => html`<li key=${i.id} data-id=${i.id}>
              <button type="button" class="link" aria-expanded=${open === i.id} onClick=${() => setOpen(open === i.id ? null : i.id)}>
                ${i.region_name}${i.unit ? ` · ${i.unit}` : ''} · ${i.inspected_on}
              </button>
              <small> ${i.inspector} · ${t('hq.findings_sum', { n: num(i.findings_count), open: num(i.findings_open) })}</small>
              ${open === i.id && html`<${InspectionDetail} id=${i.id} can=${can} onChange=${changed} />`}
            </li>`,
          )}
        </ul>`)}
  </div>`;
}

// ---- broadcasts ------------------------------------------------------------------------

function BroadcastsTab({ code, can, tick }) {
  const [mine, setMine] = useState(0);
  const [error, setError] = useState(null);
  const list = useLoad(() => api.get('/api/v1/broadcasts?limit=50'), [code, tick, mine]);
  const f = useForm({ region_code: code, title: '', body: '' });
  const ack = (id) => async () => {
    setError(null);
    try {
      await api.post(`/api/v1/broadcasts/${id}/ack`);
      setMine((n) => n + 1);
    } catch (e) {
      setError(e);
    }
  };
  return html`<div class="hq-broadcasts">
    ${can('command_write') &&
    html`<form class="hq-form broadcast-form" onSubmit=${f.submit((v) => api.post('/api/v1/broadcasts', v), () => setMine((n) => n + 1))}>
      <h3>${t('hq.publish')}</h3>
      <div class="row">
        <${RegionField} f=${f} name="region_code" label=${t('hq.region')} />
        <label>${t('hq.title')}<input ...${f.bind('title')} maxlength="60" /></label>
      </div>
      <label>${t('hq.spoken_text')}<textarea ...${f.bind('body')} rows="3"></textarea></label>
      <${ErrorBox} error=${f.error} />
      <button type="submit" disabled=${f.busy}>${t('hq.publish_btn')}</button>
    </form>`}
    <${ErrorBox} error=${error} />
    ${list.error && html`<${ErrorBox} error=${list.error} />`}
    ${list.data &&
    (list.data.items.length === 0
      ? html`<p class="empty">${t('hq.no_broadcasts')}</p>`
      : html`<ul class="hq-list broadcasts">
          ${list.data.items.map(
            (b) => html`<li key=${b.id} data-id=${b.id}>
              <strong>${b.title}</strong> <small>${b.region_name} · ${when(b.published_at)} · ${t('hq.played_by', { n: num(b.acks) })}</small>
              <p>${b.body}</p>
              <audio controls preload="none" src=${`/api/v1/broadcasts/${b.id}/audio`}></audio>
              ${can('field_write') && html`<button type="button" class="ack" onClick=${ack(b.id)}>${t('hq.ack')}</button>`}
            </li>`,
          )}
        </ul>`)}
  </div>`;
}

// ---- response levels ----------------------------------------------------------------------

function LevelsTab({ code, can }) {
  const [tick, setTick] = useState(0);
  const d = useLoad(() => api.get(`/api/v1/response-levels?region=${code}`), [code, tick]);
  const f = useForm({ level: '1', effective_date: today(0), note: '' });
  const send = (v) =>
    api.post('/api/v1/response-levels', {
      region_code: code,
      level: Number(v.level),
      effective_date: v.effective_date,
      ...(v.note ? { note: v.note } : {}),
    });
  if (d.error) return html`<${ErrorBox} error=${d.error} />`;
  if (!d.data) return html`<${Loading} />`;
  const c = d.data.current;
  return html`<div class="hq-levels">
    <p class="current-level">
      ${c.level ? html`<strong>${t(`hq.level_n${c.level}`)}</strong> ${c.inherited ? t('hq.inherited_from', { name: c.set_at_name }) : t('hq.since', { date: c.effective_date })}` : t('hq.no_level')}
    </p>
    ${can('command_write') &&
    html`<form class="hq-form level-form" onSubmit=${f.submit(send, () => setTick((n) => n + 1))}>
      <div class="row">
        <label>${t('hq.level')}
          <select ...${f.bind('level')}>
            ${[1, 2, 3, 4].map((l) => html`<option key=${l} value=${l}>${t(`hq.level_n${l}`)}</option>`)}
          </select>
        </label>
        <label>${t('hq.effective')}<input type="date" max=${today(0)} ...${f.bind('effective_date')} /></label>
        <label>${t('hq.note')}<input ...${f.bind('note')} /></label>
      </div>
      <${ErrorBox} error=${f.error} />
      <button type="submit" disabled=${f.busy}>${t('hq.set_level')}</button>
    </form>`}
    <table class="hq-table levels-table">
      <thead><tr><th>${t('hq.effective')}</th><th>${t('hq.region')}</th><th>${t('hq.level')}</th><th>${t('hq.note')}</th></tr></thead>
      <tbody>
        ${d.data.items.map(
          (l) => html`<tr key=${l.id}>
            <td>${l.effective_date}</td>
            <td>${l.region_name} <small>(${t(`hq.rel_${l.relation}`)})</small></td>
            <td>${t(`hq.level_n${l.level}`)}</td>
            <td>${l.note ?? ''}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

// ---- leaders and the regions they supervise ------------------------------------------------

function LeadersTab({ code, can, session }) {
  const [user, setUser] = useState(session.user.username);
  const [shown, setShown] = useState(session.user.username);
  const [tick, setTick] = useState(0);
  const [error, setError] = useState(null);
  const d = useLoad(() => api.get(`/api/v1/leaders/${encodeURIComponent(shown)}/regions`), [shown, tick]);
  // who supervises this region and the regions below it (in the caller's scope)
  const here = useLoad(() => api.get(`/api/v1/leader-links?region=${code}&limit=1000`), [code, tick]);
  const f = useForm({ username: '', region_code: code });
  const unlink = (id) => async () => {
    setError(null);
    try {
      await api.request('DELETE', `/api/v1/leader-links/${id}`);
      setTick((n) => n + 1);
    } catch (e) {
      setError(e);
    }
  };
  const total = (a) => a.open_high + a.open_medium + a.open_low;
  return html`<div class="hq-leaders">
    <form class="hq-form leader-pick" onSubmit=${(e) => { e.preventDefault(); setShown(user.trim()); }}>
      <div class="row">
        <label>${t('hq.leader')}<input name="leader" value=${user} onInput=${(e) => setUser(e.currentTarget.value)} /></label>
      </div>
      <button type="submit">${t('hq.show')}</button>
    </form>
    ${can('command_write') &&
    html`<form class="hq-form link-form" onSubmit=${f.submit((v) => api.post('/api/v1/leader-links', v), (r) => { setShown(r.username); setUser(r.username); setTick((n) => n + 1); })}>
      <h3>${t('hq.link')}</h3>
      <div class="row">
        <label>${t('hq.leader')}<input ...${f.bind('username')} /></label>
        <${RegionField} f=${f} name="region_code" label=${t('hq.region')} />
      </div>
      <${ErrorBox} error=${f.error} />
      <button type="submit" disabled=${f.busy}>${t('hq.link_btn')}</button>
    </form>`}
    <${ErrorBox} error=${error} />
    ${d.error && html`<${ErrorBox} error=${d.error} />`}
    ${d.data &&
    (d.data.items.length === 0
      ? html`<p class="empty">${t('hq.no_links', { name: d.data.display_name })}</p>`
      : html`<table class="hq-table leader-regions">
          <caption>${t('hq.supervises', { name: d.data.display_name, date: d.data.date })}</caption>
          <thead>
            <tr>
              <th>${t('hq.region')}</th><th>${t('hq.level')}</th><th>${t('dash.obs_active')}</th><th>${t('dash.overdue')}</th>
              <th>${t('dash.alerts_open')}</th><th>${t('dash.reports_today')}</th><th>${t('dash.abnormal_col')}</th><th></th>
            </tr>
          </thead>
          <tbody>
            ${d.data.items.map(
              (x) => html`<tr key=${x.link_id} data-code=${x.region}>
                <td><${Link} href=${`/dashboard/${x.region}`}>${x.name}<//></td>
                <td>${x.response_level.level ? t(`hq.level_n${x.response_level.level}`) : '–'}</td>
                <td>${num(x.stats.observation.active_total)}</td>
                <td>${num(x.stats.observation.overdue_now)}</td>
                <td class=${total(x.stats.alerts) ? 'hot' : ''}>${num(total(x.stats.alerts))}</td>
                <td>${num(x.stats.reports.received_today)}</td>
                <td>${num(x.stats.reports.abnormal_today)}</td>
                <td>${can('command_write') && html`<button type="button" class="secondary unlink" onClick=${unlink(x.link_id)}>${t('hq.unlink')}</button>`}</td>
              </tr>`,
            )}
          </tbody>
        </table>`)}
    ${here.data &&
    html`<table class="hq-table region-leaders">
      <caption>${t('hq.region_leaders')}</caption>
      ${here.data.items.length === 0
        ? html`<tbody><tr><td class="empty">${t('hq.no_region_leaders')}</td></tr></tbody>`
        : html`<thead><tr><th>${t('hq.region')}</th><th>${t('hq.leader_name')}</th><th>${t('hq.linked_on')}</th></tr></thead>
          <tbody>
            ${[...here.data.items].sort((a, b) => a.region_code.localeCompare(b.region_code) || a.id - b.id).map(
              (l) => html`<tr key=${l.id} data-code=${l.region_code}>
                <td><${Link} href=${`/dashboard/${l.region_code}`}>${l.region_name}<//></td>
                <td><a href="#" class=${l.active ? '' : 'inactive'} onClick=${(e) => { e.preventDefault(); setUser(l.username); setShown(l.username); }}>${l.display_name} (${l.username})</a></td>
                <td>${l.created_at.slice(0, 10)}</td>
              </tr>`,
            )}
          </tbody>`}
    </table>`}
  </div>`;
}

// ---- the page ------------------------------------------------------------------------------

const TABS = ['directives', 'inspections', 'broadcasts', 'levels', 'leaders'];

const STYLE = `
.hq-tabs { display: flex; gap: .3rem; flex-wrap: wrap; margin: .5rem 0 1rem; }
.hq-tabs a { padding: .3rem .8rem; border: 1px solid #d0d7de; border-radius: 999px; text-decoration: none; }
.hq-tabs a[aria-current=page] { background: #b71c1c; color: #fff; border-color: #b71c1c; }
.hq-form { border: 1px solid #d0d7de; border-radius: 8px; padding: .6rem .8rem; margin-bottom: 1rem; display: grid; gap: .4rem; background: #fff; }
.hq-form h3 { margin: 0; font-size: 1rem; }
.hq-form label { display: grid; gap: .15rem; font-size: .9rem; }
.hq-form .row { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .5rem; }
.hq-list { list-style: none; padding: 0; display: grid; gap: .4rem; }
.hq-list > li { border: 1px solid #e0e0e0; border-radius: 6px; padding: .4rem .6rem; background: #fff; }
.hq-list > li.unread { border-left: 4px solid #c62828; }
.hq-list button.link { background: none; border: none; color: inherit; font-weight: bold; padding: 0; cursor: pointer; text-align: left; }
.hq-table { width: 100%; border-collapse: collapse; margin: .4rem 0; }
.hq-table th, .hq-table td { border-bottom: 1px solid #eee; padding: .25rem .4rem; text-align: left; vertical-align: top; }
.hq-table tr.hot td { color: #c62828; }
.hq-table tr.unread td { color: #ef6c00; }
.directive-body { white-space: pre-wrap; }
.leader-regions caption { text-align: left; font-weight: bold; padding: .3rem 0; }
.hq-broadcasts audio { display: block; width: 100%; max-width: 28rem; margin: .3rem 0; }
`;

export function HqPage({ code, query, session }) {
  const can = (p) => session.permissions.includes(p);
  const tab = TABS.includes(query.get('tab')) ? query.get('tab') : 'directives';
  const [tick, setTick] = useState(0);
  useEvents(['directive.issued', 'broadcast.published'], () => setTick((n) => n + 1));
  const region = useLoad(() => api.get(`/api/v1/regions/${code}`), [code]);
  return html`<section class="page hq" data-region=${code}>
    <style>${STYLE}</style>
    <h1>${region.data?.name ?? code} · ${t('hq.heading')}</h1>
    <nav class="hq-tabs" aria-label=${t('hq.heading')}>
      ${TABS.map((x) => html`<${Link} key=${x} href=${`/hq/${code}?tab=${x}`} aria-current=${x === tab ? 'page' : undefined}>${t(`hq.tab_${x}`)}<//>`)}
    </nav>
    ${tab === 'directives' && html`<${DirectivesTab} code=${code} can=${can} tick=${tick} />`}
    ${tab === 'inspections' && html`<${InspectionsTab} code=${code} can=${can} />`}
    ${tab === 'broadcasts' && html`<${BroadcastsTab} code=${code} can=${can} tick=${tick} />`}
    ${tab === 'levels' && html`<${LevelsTab} code=${code} can=${can} />`}
    ${tab === 'leaders' && html`<${LeadersTab} code=${code} can=${can} session=${session} />`}
  </section>`;
}
