// pages/assists.js -- cross-jurisdiction requests (协查函).
//
//   /assists/{code}?box=inbox|outbox   the health team's two boxes:
//     收到的 (inbox)   requests addressed to this jurisdiction, live: sign for one,
//                      open the observation of the matched (or named) person, or
//                      answer that the contact could not be found
//     发出的 (outbox)  requests this jurisdiction sent: what was entered and the
//                      status, never the record it was matched to; a form to send one
//
// Events "assist.requested" and "assist.updated" refresh the list; they carry
// ids and statuses only, the rows come from GET /api/v1/assist-requests.

import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { PersonPicker } from '../pickers.js';
import { getLang, num, t } from '../i18n.js';
import { useEvents } from '../live.js';
import { ErrorBox, html, Link, Loading, useLoad } from '../ui.js';

// How a contact met the case (contact.c); the case page's contact form uses them too.
export const CONTACT_TYPES = ['household', 'work', 'social', 'medical', 'transport', 'other'];
const today = () => new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
const when = (iso) => (iso ? iso.slice(0, 16).replace('T', ' ') : '–');

// "3 分 20 秒" / "3 min 20 s" from seconds; '–' when none.
function duration(s) {
  if (s === null || s === undefined) return '–';
  if (s < 60) return t('assists.seconds', { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('assists.minutes', { m, s: s % 60 });
  return t('assists.hours', { h: Math.floor(m / 60), m: m % 60 });
}

function StatusBadge({ status }) {
  return html`<span class=${`badge assist-${status}`}>${t(`assists.status.${status}`)}</span>`;
}

// The receiver's actions on one request.
function InboxActions({ r, onDone }) {
  const [personId, setPersonId] = useState('');
  const [reply, setReply] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const act = async (path, body) => {
    setBusy(true);
    setError(null);
    try {
      await api.request('POST', `/api/v1/assist-requests/${r.id}/${path}`, body);
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const open = r.status === 'pending' || r.status === 'acknowledged';
  if (!open) return html`<span class="muted">${r.reply ?? ''}</span>`;
  const observeBody = () => {
    const b = { kind: 'medical' };
    if (!r.person_id) b.person_id = Number(personId);
    if (reply) b.reply = reply;
    return b;
  };
  return html`<div class="assist-actions">
    ${r.status === 'pending' &&
    html`<button type="button" class="primary acknowledge" disabled=${busy} onClick=${() => act('acknowledge')}>${t('assists.acknowledge')}</button>`}
    ${!r.person_id &&
    html`<${PersonPicker} name="person_id" label=${t('assists.person')} value=${personId} onChange=${setPersonId} />`}
    <label>${t('assists.reply')} <input name="reply" size="16" value=${reply} onInput=${(e) => setReply(e.target.value)} /></label>
    <button type="button" class="observe" disabled=${busy} onClick=${() => act('observe', observeBody())}>${t('assists.observe')}</button>
    <button type="button" class="secondary not-found" disabled=${busy || !reply}
      title=${t('assists.not_found_hint')} onClick=${() => act('not-found', { reply })}>${t('assists.not_found')}</button>
    <${ErrorBox} error=${error} />
  </div>`;
}

// Where a contact lives, for a request: a county or township of the territory
// (GET /assist-requests/destinations), townships indented under their county.
export function Destinations({ value, onChange }) {
  const places = useLoad(() => api.get('/api/v1/assist-requests/destinations'), []);
  return html`<label>${t('assists.lives_in')} <select name="region_code" required value=${value ?? ''} onChange=${onChange}>
    <option value="">${t('assists.choose')}</option>
    ${(places.data?.items ?? []).map((p) => html`<option value=${p.code}>${p.level === 'township' ? '　' : ''}${p.name}</option>`)}
  </select></label>`;
}

function SendForm({ code, onDone }) {
  const cases = useLoad(() => api.get(`/api/v1/cases?region=${code}&status=open&limit=200`), [code]);
  const [f, setF] = useState({ contact_type: 'household', last_contact_date: today() });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { ...f, source_case_id: Number(f.source_case_id) };
      for (const k of ['id_number', 'phone', 'note']) if (!body[k]) delete body[k];
      await api.request('POST', '/api/v1/assist-requests', body);
      setF({ contact_type: 'household', last_contact_date: today() });
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="card assist-send" onSubmit=${submit}>
    <h2>${t('assists.send')}</h2>
    <p class="muted">${t('assists.send_hint')}</p>
    <label>${t('assists.source_case')} <select name="source_case_id" value=${f.source_case_id ?? ''} onChange=${set('source_case_id')}>
      <option value="">${t('assists.choose')}</option>
      ${(cases.data?.items ?? []).map((c) => html`<option value=${c.id}>${c.id} ${c.person_name}</option>`)}
    </select></label>
    <label>${t('assists.name')} <input name="name" value=${f.name ?? ''} onInput=${set('name')} /></label>
    <label>${t('assists.id_number')} <input name="id_number" value=${f.id_number ?? ''} onInput=${set('id_number')} /></label>
    <label>${t('assists.phone')} <input name="phone" inputmode="tel" value=${f.phone ?? ''} onInput=${set('phone')} /></label>
    <${Destinations} value=${f.region_code} onChange=${set('region_code')} />
    <label>${t('assists.contact_type')} <select name="contact_type" value=${f.contact_type} onChange=${set('contact_type')}>
      ${CONTACT_TYPES.map((x) => html`<option value=${x}>${t(`assists.type.${x}`)}</option>`)}
    </select></label>
    <label>${t('assists.last_contact')} <input name="last_contact_date" type="date" value=${f.last_contact_date} onInput=${set('last_contact_date')} /></label>
    <label>${t('assists.note')} <input name="note" value=${f.note ?? ''} onInput=${set('note')} /></label>
    <button type="submit" class="primary" disabled=${busy}>${t('assists.submit')}</button>
    <${ErrorBox} error=${error} />
  </form>`;
}

export function AssistsPage({ code, query, session }) {
  const box = query.get('box') === 'outbox' ? 'outbox' : 'inbox';
  const can = (p) => session.permissions.includes(p);
  const list = useLoad(() => api.get(`/api/v1/assist-requests?box=${box}&limit=100`), [box, getLang()]);
  useEvents(['assist.requested', 'assist.updated'], () => list.reload());
  const s = list.data?.summary;
  const inbox = box === 'inbox';
  return html`<section class="page assists">
    <div class="region-head">
      <h1>${t('assists.title')}</h1>
      <${Link} class="button secondary" href=${`/cases/${code}`}>${t('nav.cases')}<//>
    </div>
    <nav class="tabs" aria-label=${t('assists.boxes')}>
      <${Link} href=${`/assists/${code}?box=inbox`} aria-current=${inbox ? 'page' : undefined}>${t('assists.inbox')}<//>
      <${Link} href=${`/assists/${code}?box=outbox`} aria-current=${inbox ? undefined : 'page'}>${t('assists.outbox')}<//>
    </nav>
    ${s &&
    html`<p class="assist-summary" role="status">
      ${t('assists.summary', { pending: num(s.pending), acknowledged: num(s.acknowledged), observing: num(s.observing), not_found: num(s.not_found) })}
      · ${t('assists.median_ack')} ${duration(s.median_ack_seconds)} · P90 ${duration(s.p90_ack_seconds)}
    </p>`}
    ${list.error && html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />`}
    ${list.loading && !list.data && html`<${Loading} />`}
    ${list.data &&
    (list.data.items.length === 0
      ? html`<p class="empty">${t(inbox ? 'assists.none_in' : 'assists.none_out')}</p>`
      : html`<table class="assist-list">
          <thead><tr>
            <th>${t('assists.id')}</th><th>${t('assists.name')}</th><th>${t('assists.contact_type')}</th>
            <th>${t('assists.last_contact')}</th><th>${t(inbox ? 'assists.from' : 'assists.to')}</th>
            ${inbox && html`<th>${t('assists.matched')}</th>`}
            <th>${t('assists.status')}</th><th>${t('assists.requested_at')}</th><th>${t('assists.ack')}</th>
            ${inbox && can('case_write') && html`<th>${t('assists.actions')}</th>`}
            ${!inbox && html`<th>${t('assists.reply')}</th>`}
          </tr></thead>
          <tbody>
            ${list.data.items.map(
              (r) => html`<tr key=${r.id} data-id=${r.id} data-status=${r.status}>
                <td data-label=${t('assists.id')}>${r.id}</td>
                <td data-label=${t('assists.name')}>${r.name}<br /><small class="muted">${r.id_number ?? ''} ${r.phone ?? ''}</small></td>
                <td data-label=${t('assists.contact_type')}>${t(`assists.type.${r.contact_type}`)}</td>
                <td data-label=${t('assists.last_contact')}>${r.last_contact_date}</td>
                <td data-label=${t(inbox ? 'assists.from' : 'assists.to')}>${inbox ? r.from_region_name : r.region_given_name}</td>
                ${inbox && html`<td data-label=${t('assists.matched')}>${r.person_id ? `${r.person_name}(${r.to_region_name})` : t('assists.unmatched')}</td>`}
                <td data-label=${t('assists.status')}><${StatusBadge} status=${r.status} /></td>
                <td data-label=${t('assists.requested_at')}>${when(r.requested_at)}</td>
                <td data-label=${t('assists.ack')}>${duration(r.ack_seconds)}</td>
                ${inbox && can('case_write') && html`<td data-label=${t('assists.actions')}><${InboxActions} r=${r} onDone=${list.reload} /></td>`}
                ${!inbox && html`<td data-label=${t('assists.reply')}>${r.reply ?? '–'}</td>`}
              </tr>`,
            )}
          </tbody>
        </table>`)}
    ${!inbox && can('case_write') && html`<${SendForm} code=${code} onDone=${list.reload} />`}
  </section>`;
}
