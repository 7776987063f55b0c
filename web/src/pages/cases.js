// pages/cases.js -- cases, the transmission graph and the daily bulletin.
//
//   /cases/{code}?status=S   case registry of a region (GET /api/v1/cases): each status
//                            its colour, where each case lives; report a case
//   /cases/{code}/{id}       one case (code: the region the user came from): details,
//                            placement, the four-concentrations flag, history, contacts,
//                            changes through the state machine, a close contact added
//                            (in the jurisdiction: POST /contacts; living elsewhere: a
//                            协查函, POST /assist-requests), and the transmission graph of
//                            its cluster (ECharts graph series, a legend with counts)
//   /bulletin/{code}?date=D  the daily bulletin (figures, child regions, epidemic curve),
//                            with the printable public page, text and xlsx
//
// The strings of these pages are a block of their own in i18n.js.

import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api.js';
import { getLang, num, t } from '../i18n.js';
import { PersonPicker, RegionPicker } from '../pickers.js';
import { ErrorBox, escapeHtml, html, Link, loadECharts, Loading, navigate, useLoad, useWriteKey } from '../ui.js';
import { CONTACT_TYPES, Destinations } from './assists.js';

const STATUSES = ['suspected', 'confirmed', 'asymptomatic', 'excluded', 'discharged', 'deceased'];
const SEVERITIES = ['mild', 'moderate', 'severe', 'critical'];
// Days in China time (+08:00), as the server counts them: today, or "days" from it.
const today = (days = 0) => new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
const when = (iso) => (iso ? iso.slice(0, 16).replace('T', ' ') : '–');

// One colour per status, the same in the badges (style.css, .status-*) and the graph.
const COLOURS = { confirmed: '#c62828', suspected: '#f9a825', asymptomatic: '#ef6c00', excluded: '#9e9e9e',
  discharged: '#2e7d32', deceased: '#424242', close_contact: '#1565c0', secondary_contact: '#64b5f6' };

// Where a case lives, below the page's region: the first level under it and
// the grid ("东安县 · 雍景园小区" on the city's page, "雍景园小区" on its village's).
const CODE_LENGTHS = [6, 9, 12, 15]; // county, township, village, grid: region_names
function whereText(c, code) {
  const below = (c.region_names ?? []).filter((name, i) => name && CODE_LENGTHS[i] > code.length);
  if (below.length === 0) return '–';
  return below.length > 1 ? `${below[0]} · ${below.at(-1)}` : below[0];
}


// A chart in a div: "option" is redrawn whenever it changes; "onClick(params)".
function Chart({ option, onClick, className, label, height = '22rem' }) {
  const el = useRef(null);
  const chart = useRef(null);
  const click = useRef(onClick);
  click.current = onClick;
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let gone = false;
    const resize = () => chart.current?.resize();
    loadECharts().then(
      (echarts) => {
        if (gone || !el.current) return;
        chart.current = echarts.init(el.current, null, { renderer: 'canvas' });
        chart.current.on('click', (p) => click.current?.(p));
        chart.current.setOption(option);
        addEventListener('resize', resize);
      },
      () => setFailed(true),
    );
    return () => {
      gone = true;
      removeEventListener('resize', resize);
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [option]);
  if (failed) return html`<p class="muted">ECharts</p>`;
  return html`<div ref=${el} class=${`chart ${className ?? ''}`} style=${`height: ${height}`} role="img" aria-label=${label}></div>`;
}

// ---- the registry -----------------------------------------------------------

function StatusBadge({ c }) {
  return html`<span class=${`badge status-${c.status}`}>${t(`status.${c.status}`)}</span>
    ${c.outside_hospital && html` <span class="badge hot outside">${t('cases.outside')}</span>`}`;
}

function ReportForm({ sites, onDone }) {
  const [personId, setPersonId] = useState('');
  const [status, setStatus] = useState('suspected');
  const [site, setSite] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { person_id: Number(personId), status };
      if (site) body.site_id = Number(site);
      const c = await api.request('POST', '/api/v1/cases', body);
      onDone(c);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="card report-case" onSubmit=${submit}>
    <h2>${t('cases.report_case')}</h2>
    <${PersonPicker} name="person_id" label=${t('cases.person')} value=${personId} onChange=${setPersonId} required />
    <label>${t('cases.status')} <select name="status" value=${status} onChange=${(e) => setStatus(e.target.value)}>
      ${['suspected', 'confirmed', 'asymptomatic'].map((s) => html`<option value=${s}>${t(`status.${s}`)}</option>`)}
    </select></label>
    <label>${t('cases.site')} <select name="site_id" value=${site} onChange=${(e) => setSite(e.target.value)}>
      <option value="">${t('cases.no_site')}</option>
      ${sites.map((s) => html`<option value=${s.id}>${s.name} (${t(`site.${s.kind}`)})</option>`)}
    </select></label>
    <button type="submit" class="primary" disabled=${busy}>${t('cases.submit')}</button>
    <${ErrorBox} error=${error} />
  </form>`;
}

export function CasesPage({ code, query, session }) {
  const status = query.get('status') ?? '';
  const can = (p) => session.permissions.includes(p);
  const list = useLoad(
    () => api.get(`/api/v1/cases?region=${code}&limit=200${status ? `&status=${status}` : ''}`),
    [code, status, getLang()],
  );
  const sites = useLoad(() => api.get('/api/v1/sites'), [code]);
  const setStatus = (s) => navigate(`/cases/${code}${s ? `?status=${s}` : ''}`);
  return html`<section class="page cases">
    <div class="region-head">
      <h1>${t('cases.title')}</h1>
      <${Link} class="button secondary" href=${`/bulletin/${code}`}>${t('nav.bulletin')}<//>
    </div>
    <label class="filter">${t('cases.status')}
      <select name="status" value=${status} onChange=${(e) => setStatus(e.target.value)}>
        <option value="">${t('cases.all')}</option>
        <option value="open">${t('cases.open')}</option>
        ${STATUSES.map((s) => html`<option value=${s}>${t(`status.${s}`)}</option>`)}
      </select>
    </label>
    ${list.error && html`<${ErrorBox} error=${list.error} onRetry=${list.reload} />`}
    ${list.loading && !list.data && html`<${Loading} />`}
    ${list.data &&
    (list.data.items.length === 0
      ? html`<p class="empty">${t('cases.none')}</p>`
      : html`<table class="case-list">
          <thead><tr>
            <th>${t('cases.id')}</th><th>${t('cases.name')}</th><th>${t('cases.status')}</th>
            <th>${t('cases.region')}</th><th>${t('cases.severity')}</th><th>${t('cases.onset')}</th>
            <th>${t('cases.report')}</th><th>${t('cases.site')}</th>
          </tr></thead>
          <tbody>
            ${list.data.items.map(
              (c) => html`<tr key=${c.id} data-id=${c.id}>
                <td data-label=${t('cases.id')}><${Link} href=${`/cases/${code}/${c.id}`}>${c.id}<//></td>
                <td data-label=${t('cases.name')}>${c.person_name}</td>
                <td data-label=${t('cases.status')}><${StatusBadge} c=${c} /></td>
                <td data-label=${t('cases.region')} class="where" title=${(c.region_names ?? []).filter(Boolean).join(' / ')}>${whereText(c, code)}</td>
                <td data-label=${t('cases.severity')}>${c.severity ? t(`severity.${c.severity}`) : '–'}</td>
                <td data-label=${t('cases.onset')}>${c.onset_date ?? '–'}</td>
                <td data-label=${t('cases.report')}>${c.report_date}</td>
                <td data-label=${t('cases.site')}>${c.site?.name ?? '–'}</td>
              </tr>`,
            )}
          </tbody>
        </table>`)}
    ${can('case_write') && sites.data &&
    html`<${ReportForm} sites=${sites.data.items} onDone=${(c) => navigate(`/cases/${code}/${c.id}`)} />`}
  </section>`;
}

// ---- one case ---------------------------------------------------------------

// A history row's changed fields, in words.
const FIELD_KEYS = { status: 'cases.status', severity: 'cases.severity', site_id: 'cases.site',
  onset_date: 'cases.onset', transferred_to: 'cases.transferred' };
const fieldName = (f) => (FIELD_KEYS[f] ? t(FIELD_KEYS[f]) : f);

function ChangeForm({ c, sites, onDone }) {
  const [status, setStatus] = useState('');
  const [severity, setSeverity] = useState('');
  const [site, setSite] = useState('');
  const [transfer, setTransfer] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    const body = {};
    if (status) body.status = status;
    if (severity) body.severity = severity;
    if (site !== '') body.site_id = Number(site);
    if (transfer.trim()) body.transferred_to = transfer.trim();
    if (note) body.note = note;
    setBusy(true);
    setError(null);
    try {
      await api.request('PATCH', `/api/v1/cases/${c.id}`, body);
      setStatus('');
      setSeverity('');
      setSite('');
      setTransfer('');
      setNote('');
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="card change-case" onSubmit=${submit}>
    <h2>${t('cases.change')}</h2>
    <label>${t('cases.status')} <select name="status" value=${status} onChange=${(e) => setStatus(e.target.value)}>
      <option value="">${t('cases.no_change')}</option>
      ${STATUSES.map((s) => html`<option value=${s}>${t(`status.${s}`)}</option>`)}
    </select></label>
    <label>${t('cases.severity')} <select name="severity" value=${severity} onChange=${(e) => setSeverity(e.target.value)}>
      <option value="">${t('cases.no_change')}</option>
      ${SEVERITIES.map((s) => html`<option value=${s}>${t(`severity.${s}`)}</option>`)}
    </select></label>
    <label>${t('cases.site')} <select name="site_id" value=${site} onChange=${(e) => setSite(e.target.value)}>
      <option value="">${t('cases.no_change')}</option>
      ${sites.map((s) => html`<option value=${s.id}>${s.name} (${t(`site.${s.kind}`)})</option>`)}
    </select></label>
    <label>${t('cases.transfer')} <input name="transferred_to" maxlength="100" placeholder=${t('cases.transfer_hint')}
      value=${transfer} onInput=${(e) => setTransfer(e.target.value)} /></label>
    <label>${t('cases.note')} <input name="note" value=${note} onInput=${(e) => setNote(e.target.value)} /></label>
    <button type="submit" class="primary" disabled=${busy}>${t('cases.save')}</button>
    <${ErrorBox} error=${error} />
  </form>`;
}

// The categories of the graph, in the legend's order: the case statuses, then contacts.
const NODE_CLASSES = [...STATUSES, 'close_contact', 'secondary_contact'];
const nodeClassName = (k) => (STATUSES.includes(k) ? t(`status.${k}`) : t(`cases.node.${k}`));
// An edge's kind in words: how the two met, or "became a case".
const edgeName = (type) => (type === 'became_case' ? t('cases.edge.became_case') : CONTACT_TYPES.includes(type) ? t(`assists.type.${type}`) : type);

// The cluster's graph: cases as circles, contacts as squares, one colour per
// status; a legend of what is shown with how many of each (a click hides them).
function ChainGraph({ id, code }) {
  const g = useLoad(() => api.get(`/api/v1/cases/${id}/chain`), [id]);
  if (g.error) return html`<${ErrorBox} error=${g.error} onRetry=${g.reload} />`;
  if (!g.data) return html`<${Loading} />`;
  const { nodes, edges } = g.data;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const counts = {};
  for (const n of nodes) counts[n.classification] = (counts[n.classification] ?? 0) + 1;
  const shown = NODE_CLASSES.filter((k) => counts[k]);
  const categories = shown.map((k) => ({
    name: `${nodeClassName(k)} ${num(counts[k])}`,
    symbol: STATUSES.includes(k) ? 'circle' : 'rect',
    itemStyle: { color: COLOURS[k] },
  }));
  const cases = nodes.filter((n) => n.kind === 'case').length;
  const option = {
    tooltip: {
      formatter: (p) => escapeHtml(p.dataType === 'node'
        ? `${p.data.name} · ${p.data.text}`
        : `${byId.get(p.data.source)?.label ?? ''} → ${byId.get(p.data.target)?.label ?? ''} · ${p.data.text}`),
    },
    legend: { data: categories.map((c) => c.name), top: 0, left: 0, type: 'scroll' },
    series: [{
      type: 'graph',
      layout: 'force',
      top: 40,
      roam: true,
      draggable: true,
      categories,
      force: { repulsion: 260, edgeLength: 100 },
      label: { show: true, position: 'bottom' },
      edgeSymbol: ['none', 'arrow'],
      lineStyle: { width: 1.5, curveness: 0.1 },
      data: nodes.map((n) => ({
        id: n.id, name: n.label, kind: n.kind,
        text: nodeClassName(n.classification),
        category: shown.indexOf(n.classification),
        symbol: n.kind === 'case' ? 'circle' : 'rect',
        symbolSize: n.id === g.data.root ? 40 : n.kind === 'case' ? 28 : 16,
      })),
      links: edges.map((e) => ({ source: e.from, target: e.to, text: edgeName(e.type) })),
    }],
  };
  return html`<div class="chain">
    <p class="muted">${t('cases.chain_hint')}</p>
    <${Chart} className="chain-graph" height="min(36rem, 80vh)" label=${t('cases.chain')} option=${option}
      onClick=${(p) => p.dataType === 'node' && p.data.kind === 'case' && navigate(`/cases/${code}/${p.data.id.slice(5)}`)} />
    <p class="muted chain-count" data-nodes=${nodes.length} data-edges=${edges.length}>
      ${nodes.length > 1
        ? t('cases.chain_counts', { cases: num(cases), contacts: num(nodes.length - cases), edges: num(edges.length) })
        : t('cases.chain_empty')}
      ${g.data.truncated && ` ${t('cases.chain_truncated')}`}
    </p>
  </div>`;
}

// Adds a close contact of the case.  Who lives in the jurisdiction is chosen
// by name (or registered on the spot); who lives elsewhere cannot be
// registered here: the form sends that jurisdiction a 协查函 instead
// (docs/write-path.md), and says where to follow it.
const contactBlank = () => ({ contact_type: 'household', last_contact_date: today(), note: '',
  person_id: '', name: '', id_number: '', phone: '', grid_code: '', region_code: '' });

function ContactForm({ c, code, canRegister, onDone }) {
  const [where, setWhere] = useState('here'); // here | new | elsewhere
  const [f, setF] = useState(contactBlank);
  const [key, nextKey] = useWriteKey();
  const [state, setState] = useState({ busy: false, error: null, sent: null });
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const submit = async (e) => {
    e.preventDefault();
    setState({ busy: true, error: null, sent: null });
    const body = { client_uuid: key, source_case_id: c.id, contact_type: f.contact_type, last_contact_date: f.last_contact_date };
    if (f.note.trim()) body.note = f.note.trim();
    const given = (k) => f[k].trim() || undefined;
    try {
      let sent = null;
      if (where === 'elsewhere') {
        sent = await api.post('/api/v1/assist-requests', { ...body, name: f.name.trim(), id_number: given('id_number'), phone: given('phone'), region_code: f.region_code });
      } else if (where === 'new') {
        await api.post('/api/v1/contacts', { ...body, person: { name: f.name.trim(), id_number: f.id_number.trim(), phone: given('phone'), grid_code: f.grid_code } });
      } else {
        if (!f.person_id) throw new api.ApiError(400, { message: t('cases.pick_person'), fields: [{ field: 'person_id', message: t('cases.pick_person') }] });
        await api.post('/api/v1/contacts', { ...body, person_id: Number(f.person_id) });
      }
      nextKey();
      setF({ ...contactBlank(), contact_type: f.contact_type, last_contact_date: f.last_contact_date });
      setState({ busy: false, error: null, sent });
      onDone();
    } catch (err) {
      setState({ busy: false, error: err, sent: null });
    }
  };
  const modes = ['here', ...(canRegister ? ['new'] : []), 'elsewhere'];
  return html`<form class="card add-contact" onSubmit=${submit}>
    <h2>${t('cases.add_contact')}</h2>
    <fieldset class="contact-where">
      <legend>${t('cases.contact_where')}</legend>
      ${modes.map((m) => html`<label class="check" key=${m}>
        <input type="radio" name="where" value=${m} checked=${where === m} onChange=${() => { setWhere(m); setState({ busy: false, error: null, sent: null }); }} />
        ${t(`cases.where.${m}`)}</label>`)}
    </fieldset>
    ${where === 'here' && html`<${PersonPicker} name="person_id" label=${t('cases.contact_person')} value=${f.person_id} required
        onChange=${(v) => setF({ ...f, person_id: v })} />
      <p class="muted hint">${t('cases.not_found_hint')}</p>`}
    ${where !== 'here' && html`<label>${t('assists.name')} <input name="name" required maxlength="20" value=${f.name} onInput=${set('name')} /></label>
      <label>${t('assists.id_number')} <input name="id_number" required=${where === 'new'} maxlength="18" autocomplete="off" value=${f.id_number} onInput=${set('id_number')} /></label>
      <label>${t('assists.phone')} <input name="phone" inputmode="tel" maxlength="20" value=${f.phone} onInput=${set('phone')} /></label>`}
    ${where === 'new' && html`<${RegionPicker} name="grid_code" label=${t('cases.contact_grid')} level="grid" required
      value=${f.grid_code} onChange=${(v) => setF({ ...f, grid_code: v })} />`}
    ${where === 'elsewhere' && html`<p class="muted hint">${t('cases.elsewhere_hint')}</p>
      <${Destinations} value=${f.region_code} onChange=${set('region_code')} />`}
    <label>${t('cases.contact_type')} <select name="contact_type" value=${f.contact_type} onChange=${set('contact_type')}>
      ${CONTACT_TYPES.map((x) => html`<option value=${x}>${t(`assists.type.${x}`)}</option>`)}
    </select></label>
    <label>${t('cases.last_contact')} <input name="last_contact_date" type="date" required max=${today()} value=${f.last_contact_date} onInput=${set('last_contact_date')} /></label>
    <label>${t('cases.note')} <input name="note" maxlength="300" value=${f.note} onInput=${set('note')} /></label>
    <button type="submit" class="primary" disabled=${state.busy}>${t(where === 'elsewhere' ? 'assists.submit' : 'cases.add_contact_submit')}</button>
    <${ErrorBox} error=${state.error} />
    ${state.sent && html`<p class="note assist-sent" role="status">${t('cases.assist_sent', { id: state.sent.id })}
      <${Link} href=${`/assists/${code}?box=outbox`}>${t('cases.assist_follow')}<//></p>`}
  </form>`;
}

export function CasePage({ id, code, session }) {
  const c = useLoad(() => api.get(`/api/v1/cases/${id}`), [id]);
  const sites = useLoad(() => api.get('/api/v1/sites'), [id]);
  const [tick, setTick] = useState(0);
  if (c.error) return html`<section class="page"><${ErrorBox} error=${c.error} onRetry=${c.reload} /></section>`;
  if (!c.data) return html`<section class="page"><${Loading} /></section>`;
  const x = c.data;
  const can = (p) => session.permissions.includes(p);
  return html`<section class="page case" data-id=${x.id}>
    <p><${Link} href=${`/cases/${code}`}>${t('cases.list')}<//></p>
    <div class="region-head">
      <h1>${x.person_name} <small class="mono">#${x.id}</small></h1>
      <${StatusBadge} c=${x} />
    </div>
    ${x.outside_hospital && html`<p class="error outside-note" role="alert">${t('cases.outside_note')}</p>`}
    <dl class="details">
      <div><dt>${t('cases.severity')}</dt><dd>${x.severity ? t(`severity.${x.severity}`) : '–'}</dd></div>
      <div><dt>${t('cases.onset')}</dt><dd>${x.onset_date ?? '–'}</dd></div>
      <div><dt>${t('cases.report')}</dt><dd>${x.report_date}</dd></div>
      <div><dt>${t('cases.confirmed')}</dt><dd>${x.confirmed_date ?? '–'}</dd></div>
      <div><dt>${t('cases.outcome')}</dt><dd>${x.outcome_date ?? '–'}</dd></div>
      ${x.transferred_to && html`<div class="transferred"><dt>${t('cases.transferred')}</dt>
        <dd>${x.transferred_to} (${x.transferred_date})</dd></div>`}
      <div class="placement"><dt>${t('cases.placement')}</dt>
        <dd>${x.placement ? `${x.placement.name} (${t(`site.${x.placement.kind}`)}, ${x.placement.occupancy}/${x.placement.capacity})` : '–'}</dd></div>
    </dl>
    ${can('case_write') && sites.data &&
    html`<${ChangeForm} c=${x} sites=${sites.data.items} onDone=${() => { c.reload(); setTick(tick + 1); }} />`}
    <h2>${t('cases.history')}</h2>
    <table class="history">
      <thead><tr><th>${t('cases.history_at')}</th><th>${t('cases.history_by')}</th>
        <th>${t('cases.history_change')}</th><th>${t('cases.history_fields')}</th></tr></thead>
      <tbody>
        ${x.history.map((h) => html`<tr key=${h.id}>
          <td>${when(h.at)}</td><td>${h.actor}</td>
          <td>${h.from ? `${t(`status.${h.from}`)} → ` : ''}${t(`status.${h.to}`)}${h.severity ? ` · ${t(`severity.${h.severity}`)}` : ''}</td>
          <td>${h.fields.map(fieldName).join('、')}${h.note ? ` · ${h.note}` : ''}</td>
        </tr>`)}
      </tbody>
    </table>
    <h2>${t('cases.contacts')}</h2>
    ${x.contacts.length === 0
      ? html`<p class="empty">${t('cases.no_contacts')}</p>`
      : html`<table class="contacts">
          <thead><tr><th>${t('cases.name')}</th><th>${t('cases.contact_type')}</th>
            <th>${t('cases.last_contact')}</th><th>${t('cases.observation_end')}</th></tr></thead>
          <tbody>
            ${x.contacts.map((k) => html`<tr key=${k.id}>
              <td>${k.case_id ? html`<${Link} href=${`/cases/${code}/${k.case_id}`}>${k.person_name}<//>` : k.person_name}</td>
              <td>${t(`assists.type.${k.contact_type}`)}</td><td>${k.last_contact_date}</td>
              <td>${k.observation?.planned_end ?? '–'}</td>
            </tr>`)}
          </tbody>
        </table>`}
    ${can('case_write') && html`<${ContactForm} c=${x} code=${code} canRegister=${can('registry_write')}
      onDone=${() => { c.reload(); setTick(tick + 1); }} />`}
    <h2>${t('cases.chain')}</h2>
    <${ChainGraph} key=${`${id}-${tick}`} id=${id} code=${code} />
  </section>`;
}

// ---- the bulletin -----------------------------------------------------------

const FIGS = ['confirmed_new', 'confirmed_total', 'hospitalised_now', 'severe_now', 'discharged_total',
  'deaths_total', 'suspected_now', 'asymptomatic_now', 'contacts_total', 'observing_now', 'released_new'];

function Curve({ code, date }) {
  const from = new Date(Date.parse(date) - 45 * 86400e3).toISOString().slice(0, 10);
  const curve = useLoad(() => api.get(`/api/v1/cases/curve?region=${code}&from=${from}&to=${date}`), [code, date]);
  if (curve.error) return html`<${ErrorBox} error=${curve.error} onRetry=${curve.reload} />`;
  if (!curve.data) return html`<${Loading} />`;
  const days = curve.data.days;
  // The nowcast (issue 17): onsets of the last 14 days expected once every
  // report is in, with its 90 % band drawn as a stacked area (low, high - low).
  const now = (f) => days.map((d) => (d.nowcast ? f(d.nowcast) : null));
  const option = {
    tooltip: { trigger: 'axis' },
    legend: { data: [t('bulletin.by_onset'), t('bulletin.by_report'), t('bulletin.by_confirmed'), t('bulletin.nowcast')] },
    grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: days.map((d) => d.date.slice(5)) },
    yAxis: { type: 'value', minInterval: 1 },
    series: [
      { name: t('bulletin.by_onset'), type: 'bar', data: days.map((d) => d.onset), itemStyle: { color: '#c62828' } },
      { name: t('bulletin.by_report'), type: 'line', data: days.map((d) => d.report), itemStyle: { color: '#1565c0' } },
      { name: t('bulletin.by_confirmed'), type: 'line', data: days.map((d) => d.confirmed), itemStyle: { color: '#6a1b9a' } },
      { name: t('bulletin.nowcast'), type: 'line', data: now((n) => n.expected), lineStyle: { type: 'dashed' }, itemStyle: { color: '#ef6c00' } },
      { name: t('bulletin.nowcast_low'), type: 'line', stack: 'band', data: now((n) => n.low), lineStyle: { opacity: 0 }, symbol: 'none', tooltip: { show: false } },
      { name: t('bulletin.nowcast_band'), type: 'line', stack: 'band', data: now((n) => n.high - n.low), lineStyle: { opacity: 0 }, symbol: 'none', areaStyle: { color: 'rgba(239,108,0,0.2)' } },
    ],
  };
  return html`<${Chart} className="curve" label=${t('bulletin.curve')} option=${option} />`;
}

const PUBLIC_LEVELS = { city: 1, county: 2, township: 3, village: 4, grid: 5 };
const CODE_LEVELS = { 4: 1, 6: 2, 9: 3, 12: 4, 15: 5 };

// Issue 17: a bulletin issued for its day is frozen; what changed since shows
// as corrections, in the official wording.  A commander issues a finished day.
function Publication({ code, date, data, session, onIssued }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const lang = getLang();
  const issue = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.post('/api/v1/bulletins', { region: code, date });
      onIssued();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  if (data.published) {
    const p = data.published;
    return html`<div class="publication">
      <p class="published">${t('bulletin.published', { at: p.issued_at.slice(0, 16).replace('T', ' '), by: p.issued_by })}</p>
      ${data.corrections.length > 0 && html`<ul class="corrections">
        ${data.corrections.map((c) => html`<li key=${`${c.region_code}-${c.figure}`}>${lang === 'en' ? c.text_en : c.text_zh}</li>`)}
      </ul>`}
    </div>`;
  }
  const canIssue = session?.permissions?.includes('command_write') && date < today();
  return html`<div class="publication">
    <p class="unpublished">${t('bulletin.unpublished')}</p>
    ${canIssue && html`<button type="button" class="primary issue" disabled=${busy} onClick=${issue}>${t('bulletin.issue')}</button>`}
    <${ErrorBox} error=${error} />
  </div>`;
}

export function BulletinPage({ code, query, session }) {
  // The last complete day by default: today's figures are not final before
  // 24:00 ("截至12月6日24时" read at 05:40 on 6 December was not true yet).
  const date = query.get('date') ?? today(-1);
  const lang = getLang();
  const b = useLoad(() => api.get(`/api/v1/bulletin?region=${code}&date=${date}`), [code, date]);
  // the narrative in the page's language (the server writes both)
  const text = useLoad(
    () => fetch(`/api/v1/bulletin?region=${code}&date=${date}&format=text&lang=${lang === 'en' ? 'en' : 'zh-CN'}`, { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.text() : '')),
    [code, date, lang],
  );
  const setDate = (d) => d && navigate(`/bulletin/${code}?date=${d}`);
  // The public page goes only as deep as the profile publishes (default: county).
  const profile = useLoad(() => api.get('/api/v1/profile'), []);
  const depth = PUBLIC_LEVELS[profile.data?.public_depth] ?? 2;
  const isPublic = (CODE_LEVELS[code.length] ?? 5) <= depth;
  return html`<section class="page bulletin">
    <div class="region-head">
      <h1>${b.data ? `${b.data.region.name} ` : ''}${t('bulletin.title')}</h1>
      <label>${t('bulletin.date')} <input type="date" name="date" value=${date} max=${today()}
        onChange=${(e) => setDate(e.target.value)} /></label>
    </div>
    <p class="links">
      ${isPublic && html`<a class="print" href=${`/public/bulletin?region=${code}&date=${date}`} target="_blank" rel="noopener">${t('bulletin.print')}</a>
      · `}<a class="xlsx" href=${`/api/v1/bulletin?region=${code}&date=${date}&format=xlsx`} download>${t('bulletin.xlsx')}</a>
    </p>
    ${date === today() && html`<p class="note partial">${t('bulletin.partial')}</p>`}
    ${b.error && html`<${ErrorBox} error=${b.error} onRetry=${b.reload} />`}
    ${!b.data && !b.error && html`<${Loading} />`}
    ${b.data &&
    html`<div class="tiles bulletin-figures">
        ${FIGS.map((f) => html`<div key=${f} class=${`tile fig-${f}`} data-figure=${f} data-value=${b.data.figures[f]}>
          <span class="label">${t(`fig.${f}`)}</span>
          <strong class="value">${num(b.data.figures[f])}</strong>
        </div>`)}
      </div>
      <${Publication} code=${code} date=${date} data=${b.data} session=${session} onIssued=${() => { b.reload(); text.reload(); }} />
      ${text.data && html`<pre class="bulletin-text" lang=${lang}>${text.data}</pre>`}
      ${b.data.children.length > 0 &&
      html`<h2>${t('bulletin.children')}</h2>
        <table class="bulletin-children">
          <thead><tr><th>${t('bulletin.region')}</th>
            ${FIGS.slice(0, 8).map((f) => html`<th key=${f}>${t(`fig.${f}`)}</th>`)}</tr></thead>
          <tbody>
            ${b.data.children.map((c) => html`<tr key=${c.code} data-code=${c.code}>
              <td><${Link} href=${`/bulletin/${c.code}?date=${date}`}>${c.name}<//></td>
              ${FIGS.slice(0, 8).map((f) => html`<td key=${f}>${num(c.figures[f])}</td>`)}
            </tr>`)}
          </tbody>
        </table>`}
      <h2>${t('bulletin.curve')}</h2>
      <${Curve} code=${code} date=${date} />`}
  </section>`;
}
