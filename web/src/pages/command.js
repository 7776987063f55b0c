// pages/command.js -- the command's live pages.
//
//   /coverage/{code}?round=N   headline tiles of the region (GET /api/v1/stats),
//                              coverage of round N by child region (table and
//                              ECharts bars; a bar or a row opens the child),
//                              overdue persons now (GET /api/v1/observations?status=overdue)
//   /alerts/{code}?status=S&severity=V&rule=R
//                              the alert inbox: compact rows, high first then newest,
//                              filtered by status, severity, kind and child region (the
//                              path), 30 at a time; acknowledge, resolve with a note;
//                              for those who read the audit log (admins), the security
//                              alerts too: failed-login bursts (GET /api/v1/audit?action=login_burst),
//                              live on security.login_burst
//
// Both follow the event stream (live.js): a visit recorded refreshes the
// coverage and tiles, an alert raised or changed refreshes tiles, the
// overdue list and the inbox -- debounced, without reloading the page.

import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api.js';
import { useEvents, useLiveState } from '../live.js';
import { getLang, num, t } from '../i18n.js';
import { Breadcrumb, ErrorBox, escapeHtml, html, Link, loadECharts, Loading, navigate, useLiveLoad, useLoad } from '../ui.js';

// The coverage chart's tooltip of one region (HTML: ECharts inserts it as such,
// so the region's name is escaped -- red-team finding 3).
export function coverageTooltip(c) {
  return `${escapeHtml(c.name)}<br>${t('coverage.visited')}: ${num(c.visited)} / ${num(c.households)}<br>${pct(c.coverage)}`;
}

// ---- shared ------------------------------------------------------------------

// Where a grid's link goes: the field page for those who work there (it needs
// field_write), else the grid in the region browser -- a field link was a
// dead "page not found" for commanders, organisers and inspectors.
function gridHref(session, grid, query = '') {
  const can = (p) => session.permissions.includes(p);
  return can('field_write') && can('registry_read') ? `/field/${grid}${query}` : `/regions/${grid}`;
}

export function LiveBadge() {
  const on = useLiveState();
  return html`<span class=${`live ${on ? 'on' : 'off'}`} title=${t('live.hint')}>
    ${on ? t('live.on') : t('live.off')}
  </span>`;
}

// Grid code -> name, asked once per code while the app runs.
const regionNames = new Map();
export function useRegionNames(codes) {
  const [, setVersion] = useState(0);
  useEffect(() => {
    const missing = [...new Set(codes)].filter((c) => !regionNames.has(c));
    missing.forEach((c) => regionNames.set(c, null)); // asked for: do not ask twice
    Promise.all(
      missing.map((c) =>
        api.get(`/api/v1/regions/${c}`).then(
          (r) => regionNames.set(c, r.name),
          () => regionNames.delete(c),
        ),
      ),
    ).then(() => missing.length && setVersion((n) => n + 1));
  }, [codes.join()]);
  return (code) => regionNames.get(code) || code;
}

const pct = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(1)}%`);
const when = (iso) => (iso ? iso.slice(5, 16).replace('T', ' ') : '–');

function Tiles({ stats }) {
  const o = stats.observation;
  const a = stats.alerts;
  const tiles = [
    ['active', t('tiles.active'), o.active_total, t('tiles.new_today', { n: o.new_today })],
    ['overdue', t('tiles.overdue'), o.overdue_now, null, o.overdue_now > 0],
    ['alerts', t('tiles.alerts_open'), a.open_high + a.open_medium + a.open_low, t('tiles.high', { n: a.open_high }), a.open_high > 0],
    ['reports', t('tiles.reports_today'), stats.reports.received_today, t('tiles.abnormal', { n: stats.reports.abnormal_today })],
    ['released', t('tiles.released_today'), o.released_today, null],
  ];
  return html`<div class="tiles">
    ${tiles.map(
      ([k, label, v, sub, hot]) => html`<div key=${k} class=${`tile tile-${k} ${hot ? 'hot' : ''}`}>
        <span class="label">${label}</span>
        <strong class="value">${num(v)}</strong>
        ${sub && html`<small>${sub}</small>`}
      </div>`,
    )}
  </div>`;
}

// ---- coverage ------------------------------------------------------------------

function CoverageChart({ children, onPick }) {
  const el = useRef(null);
  const chart = useRef(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let gone = false;
    const resize = () => chart.current?.resize();
    loadECharts().then(
      (echarts) => {
        if (gone || !el.current) return;
        chart.current = echarts.init(el.current, null, { renderer: 'canvas' });
        chart.current.on('click', (p) => onPick.current(p.dataIndex));
        addEventListener('resize', resize);
        draw();
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
  const draw = () => {
    if (!chart.current) return;
    chart.current.setOption(
      {
        animationDuration: 300,
        grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
        tooltip: {
          trigger: 'axis',
          axisPointer: { type: 'shadow' },
          formatter: (ps) => coverageTooltip(children[ps[0].dataIndex]),
        },
        xAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
        yAxis: { type: 'category', inverse: true, data: children.map((c) => c.name), axisLabel: { width: 110, overflow: 'truncate' } },
        series: [
          {
            type: 'bar',
            data: children.map((c) => ({
              value: c.coverage ?? 0,
              itemStyle: { color: (c.coverage ?? 0) >= 90 ? '#2e7d32' : (c.coverage ?? 0) >= 50 ? '#f9a825' : '#c62828' },
            })),
            label: { show: true, position: 'right', formatter: (p) => pct(children[p.dataIndex].coverage) },
            barMaxWidth: 28,
          },
        ],
      },
      true,
    );
  };
  useEffect(draw, [children, getLang()]);
  if (failed) return null;
  return html`<div class="chart" ref=${el} style=${{ height: `${Math.max(160, children.length * 36 + 40)}px` }} role="img" aria-label=${t('coverage.chart')}></div>`;
}

function RoundPicker({ rounds, round, code }) {
  if (rounds.length === 0) return null;
  return html`<label class="round-pick">
    <span>${t('coverage.round')}</span>
    <select name="round" value=${round?.id ?? ''} onChange=${(e) => navigate(`/coverage/${code}?round=${e.currentTarget.value}`)}>
      ${rounds.map(
        (r) => html`<option key=${r.id} value=${r.id}>
          ${r.name} (${r.start_date.slice(5)}–${r.end_date.slice(5)}${r.status === 'open' ? '' : ` · ${t('coverage.closed')}`})
        </option>`,
      )}
    </select>
  </label>`;
}

function OverdueList({ overdue, session }) {
  const items = overdue.items;
  const nameOf = useRegionNames(items.map((o) => o.grid_code));
  return html`<section class="overdue">
    <h2>
      ${t('overdue.title')} <small class="count">${num(overdue.overdue_now)}</small>
    </h2>
    ${items.length === 0
      ? html`<p class="empty">${t('overdue.none')}</p>`
      : html`<table class="overdue-table">
          <thead>
            <tr>
              <th scope="col">${t('overdue.person')}</th>
              <th scope="col">${t('overdue.grid')}</th>
              <th scope="col">${t('overdue.slot')}</th>
              <th scope="col">${t('overdue.last')}</th>
            </tr>
          </thead>
          <tbody>
            ${items.map(
              (o) => html`<tr key=${o.id} data-person=${o.person_id}>
                <td class="name" data-label=${t('overdue.person')}>${o.person_name} <small class="muted">${t(`obs.kind.${o.kind}`)}</small></td>
                <td class="grid" data-label=${t('overdue.grid')}><${Link} href=${gridHref(session, o.grid_code, '?tab=obs')}>${nameOf(o.grid_code)}<//></td>
                <td class="slot" data-label=${t('overdue.slot')}>${when(o.overdue?.slot)}</td>
                <td class="last" data-label=${t('overdue.last')}>${o.last_report ? `${when(o.last_report.slot)} · ${o.last_report.temperature.toFixed(1)} ℃` : '–'}</td>
              </tr>`,
            )}
          </tbody>
        </table>`}
    ${overdue.next_cursor && html`<p class="muted">${t('overdue.more', { n: items.length })}</p>`}
  </section>`;
}

export function CoveragePage({ code, query, session }) {
  const roundParam = Number(query.get('round')) || null;
  const head = useLoad(
    () =>
      Promise.all([api.get(`/api/v1/regions/${code}`), api.get('/api/v1/rounds?limit=100')]).then(([region, rounds]) => ({
        region,
        rounds: rounds.items.filter((r) => r.region_code.startsWith(code) || code.startsWith(r.region_code)),
      })),
    [code],
  );
  const rounds = head.data?.rounds ?? [];
  const round = roundParam ? rounds.find((r) => r.id === roundParam) : rounds.find((r) => r.status === 'open') ?? rounds[0];

  // The round covers only part of this region: open its area instead.
  useEffect(() => {
    if (round && !code.startsWith(round.region_code)) navigate(`/coverage/${round.region_code}?round=${round.id}`, { replace: true });
    else if (round && !roundParam) navigate(`/coverage/${code}?round=${round.id}`, { replace: true });
  }, [round?.id, code]);
  const ready = round && code.startsWith(round.region_code);

  const coverage = useLiveLoad(
    () => (ready ? api.get(`/api/v1/stats/coverage?region=${code}&round=${round.id}`) : Promise.resolve(null)),
    [code, round?.id, ready],
  );
  const stats = useLiveLoad(() => api.get(`/api/v1/stats?region=${code}`), [code]);
  // persons are for those who may read the registry
  const canRegistry = session.permissions.includes('registry_read');
  const overdue = useLiveLoad(
    () =>
      canRegistry
        ? api.get(`/api/v1/observations?status=overdue&region=${code}&group=children&limit=100`)
        : Promise.resolve(null),
    [code],
  );
  useEvents(['visit.recorded'], () => {
    coverage.refresh();
    stats.refresh();
  });
  useEvents(['alert.raised', 'alert.acknowledged', 'alert.resolved'], () => {
    stats.refresh();
    overdue.refresh();
  });
  // Health reports publish no event (a late one closes an overdue row, the
  // day's report counts move): read the counters again every minute too.
  useEffect(() => {
    const id = setInterval(() => {
      stats.refresh();
      overdue.refresh();
    }, 60000);
    return () => clearInterval(id);
  }, [code]);

  const children = coverage.data?.children ?? [];
  const overdueBy = new Map((overdue.data?.children ?? []).map((c) => [c.code, c.overdue_now]));
  const open = (c) => navigate(`/coverage/${c.code}?round=${round.id}`);
  const pick = useRef(null);
  pick.current = (i) => children[i] && open(children[i]);

  if (head.error) return html`<section class="page"><${ErrorBox} error=${head.error} onRetry=${head.reload} /></section>`;
  if (!head.data) return html`<section class="page"><${Loading} /></section>`;
  const { region } = head.data;
  const cov = coverage.data;
  return html`<section class="page command coverage-page">
    <${Breadcrumb} path=${region.path} scope=${session.user.scope} hrefOf=${(c) => `/coverage/${c}${round ? `?round=${round.id}` : ''}`} />
    <div class="page-head">
      <h1>${region.name} <small>${t('coverage.title')}</small></h1>
      <${LiveBadge} />
    </div>
    <${ErrorBox} error=${stats.error} />
    ${stats.data && html`<${Tiles} stats=${stats.data} />`}

    <h2>${t('coverage.heading')}</h2>
    ${rounds.length === 0
      ? html`<p class="empty">${t('coverage.no_rounds')}</p>`
      : html`<${RoundPicker} rounds=${rounds} round=${round} code=${code} />`}
    <${ErrorBox} error=${coverage.error} onRetry=${coverage.refresh} />
    ${cov &&
    html`<div class="coverage-total card">
        <span class="label">${t('coverage.total')}</span>
        <strong class="value total-coverage">${pct(cov.coverage)}</strong>
        <span class="muted">
          ${t('coverage.visited')} <strong class="total-visited">${num(cov.visited)}</strong> / <span class="total-households">${num(cov.households)}</span>
          ${t('coverage.unit')}
        </span>
        ${region.level === 'grid' &&
        session.permissions.includes('field_write') &&
        session.permissions.includes('registry_read') &&
        html`<${Link} class="button secondary" href=${`/field/${code}`}>${t('coverage.open_field')}<//>`}
      </div>
      ${children.length > 0 &&
      html`<${CoverageChart} children=${children} onPick=${pick} />
        <table class="coverage-table">
          <thead>
            <tr>
              <th scope="col">${t('regions.name')}</th>
              <th scope="col" class="num">${t('stats.households')}</th>
              <th scope="col" class="num">${t('coverage.visited')}</th>
              <th scope="col" class="num">${t('coverage.rate')}</th>
              ${canRegistry && html`<th scope="col" class="num">${t('overdue.short')}</th>`}
            </tr>
          </thead>
          <tbody>
            ${children.map(
              (c) => html`<tr key=${c.code} data-code=${c.code} class="clickable" onClick=${(e) => e.target.tagName !== 'A' && open(c)}>
                <td class="name"><${Link} href=${`/coverage/${c.code}?round=${round.id}`}>${c.name}<//></td>
                <td class="num households">${num(c.households)}</td>
                <td class="num visited">${num(c.visited)}</td>
                <td class="num rate">
                  <span class="bar" style=${{ '--w': `${c.coverage ?? 0}%` }}></span>${pct(c.coverage)}
                </td>
                ${canRegistry && html`<td class=${`num overdue ${overdueBy.get(c.code) ? 'hot' : ''}`}>${num(overdueBy.get(c.code) ?? 0)}</td>`}
              </tr>`,
            )}
          </tbody>
        </table>`}`}
    <${ErrorBox} error=${overdue.error} />
    ${overdue.data && html`<${OverdueList} overdue=${overdue.data} session=${session} />`}
  </section>`;
}

// ---- alert inbox ------------------------------------------------------------------

const STATUSES = ['unresolved', 'open', 'acknowledged', 'resolved'];
const SEVERITIES = ['high', 'medium', 'low'];
// The rules that raise alerts (alert.h), most urgent first.
export const ALERT_RULES = ['visit_fever_travel', 'visit_fever', 'report_abnormal', 'checkpoint_fever',
  'case_outside_hospital', 'report_overdue', 'stock_low'];
const PAGE = 30;

// Parts of a local time "2026-12-05T16:03..." (the server writes +08:00).
function parts(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso ?? '');
  if (!m) return null;
  const [, y, mo, d, h, mi] = m;
  const mon = new Date(Date.UTC(Number(y), Number(mo) - 1, 1)).toLocaleString('en', { month: 'short', timeZone: 'UTC' });
  return { y, m: Number(mo), d: Number(d), mon, h: Number(h), hh: h, mi };
}

// A day and time in words: "12月5日 16:03" / "5 Dec 16:03".
export function whenWords(iso) {
  const p = parts(iso);
  return p ? `${t('time.day', p)} ${p.hh}:${p.mi}` : '–';
}

// A report slot in words: "12月5日 16时 报告时段" / "slot 16:00, 5 Dec".
export function slotWords(iso) {
  const p = parts(iso);
  if (!p) return iso;
  const hour = t(p.mi === '00' ? 'time.hour' : 'time.hour_min', p);
  return t('alerts.slot', { day: t('time.day', p), hour });
}

// An alert's title in the page's language, its report slot in words
// (titles carry it as "(2026-12-05T16:00)", in full-width brackets in Chinese).
export function alertTitle(a) {
  const title = (getLang() === 'en' ? a.title_en : a.title_zh) ?? '';
  return title.replace(/[(\uff08](\d{4}-\d{2}-\d{2}T\d{2}:\d{2})[)\uff09]/g, (m, iso) => t('alerts.slot_paren', { slot: slotWords(iso) }));
}

// Who handled it: the display name when the server gives one.
const who = (name, username) => name || username;

// Loads up to "want" alerts in the inbox's order -- severity by severity
// (high first; only the chosen one when filtered), newest first within
// each -- starting at "from" ({i: severity index, cursor}).  Returns the
// items and where the next page starts (null at the end).
export async function loadOrdered(query, severities, from, want) {
  const items = [];
  for (let i = from.i, cursor = from.cursor; i < severities.length; i++, cursor = null) {
    do {
      const r = await api.get(api.withQuery('/api/v1/alerts', { ...query, severity: severities[i], limit: Math.min(500, want - items.length), cursor }));
      items.push(...r.items);
      cursor = r.next_cursor;
      if (items.length >= want) {
        const next = cursor ? { i, cursor } : i + 1 < severities.length ? { i: i + 1, cursor: null } : null;
        return { items, next };
      }
    } while (cursor);
  }
  return { items, next: null };
}

function AlertRow({ alert, canHandle, onChanged, fresh, gridName, session }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [resolving, setResolving] = useState(false);
  const [note, setNote] = useState('');
  const act = async (path, body) => {
    setBusy(true);
    setError(null);
    try {
      const a = await api.post(`/api/v1/alerts/${alert.id}/${path}`, body);
      setResolving(false);
      onChanged(a);
    } catch (e) {
      setError(e);
    }
    setBusy(false);
  };
  const resolve = (e) => {
    e.preventDefault();
    if (!note.trim()) {
      setError({ message: t('alerts.note_required') });
      return;
    }
    act('resolve', { note: note.trim() });
  };
  const handled = [
    alert.ack_by && t('alerts.acked_by', { who: who(alert.ack_by_name, alert.ack_by), at: whenWords(alert.ack_at) }),
    alert.resolved_by && t('alerts.resolved_by', { who: who(alert.resolved_by_name, alert.resolved_by), at: whenWords(alert.resolved_at) }),
  ].filter(Boolean);
  return html`<tr class=${`alert sev-${alert.severity} st-${alert.status} ${fresh ? 'fresh' : ''}`} data-id=${alert.id} data-severity=${alert.severity}>
    <td class="sev-cell" data-label=${t('alerts.col.severity')}><span class=${`sev sev-${alert.severity}`}>${t(`alerts.severity.${alert.severity}`)}</span></td>
    <td class="what" data-label=${t('alerts.col.what')}>
      <span class="title">${alertTitle(alert)}</span>
      <small class="muted kind">${t(`alerts.rule.${alert.rule}`)}${alert.person_name ? ' · ' : ''}${alert.person_name && html`<span class="person">${alert.person_name}</span>`}</small>
      ${alert.note && html`<small class="note">${t('alerts.note')}: ${alert.note}</small>`}
    </td>
    <td class="where" data-label=${t('alerts.col.where')}><${Link} href=${gridHref(session, alert.grid_code, '?tab=obs')} class="grid" title=${alert.grid_code}>${gridName}<//></td>
    <td class="raised" data-label=${t('alerts.col.raised')}><time datetime=${alert.raised_at}>${whenWords(alert.raised_at)}</time></td>
    <td class="handling" data-label=${t('alerts.col.status')}>
      <span class=${`status status-${alert.status}`}>${t(`alerts.status.${alert.status}`)}</span>
      ${handled.map((h) => html`<small class="muted handled">${h}</small>`)}
    </td>
    <td class="actions">
      ${canHandle &&
      alert.status !== 'resolved' &&
      !resolving &&
      html`<div class="alert-actions">
        ${alert.status === 'open' &&
        html`<button type="button" class="primary acknowledge" disabled=${busy} onClick=${() => act('acknowledge')}>${t('alerts.acknowledge')}</button>`}
        <button type="button" class="secondary resolve" disabled=${busy} onClick=${() => setResolving(true)}>${t('alerts.resolve')}</button>
      </div>`}
      ${resolving &&
      html`<form class="resolve-form" onSubmit=${resolve} novalidate>
        <label><span>${t('alerts.note_label')}</span>
          <textarea name="note" rows="2" maxlength="300" placeholder=${t('alerts.note_hint')} value=${note} onInput=${(e) => setNote(e.currentTarget.value)}></textarea>
        </label>
        <div class="alert-actions">
          <button type="submit" class="primary" disabled=${busy}>${t('alerts.resolve_confirm')}</button>
          <button type="button" class="secondary" onClick=${() => (setResolving(false), setError(null))}>${t('alerts.cancel')}</button>
        </div>
      </form>`}
      <${ErrorBox} error=${error} />
    </td>
  </tr>`;
}

// Failed-login bursts in the region (the audit log's login_burst rows), newest
// first, refreshed when the server sends a security.login_burst event.  The
// username is whatever someone typed: text, never markup.
const SECURITY_WINDOW_MINUTES = 15; // AUTH_THROTTLE_WINDOW_SECONDS of src/core/auth.h
function SecurityAlerts({ code }) {
  const load = () => api.get(api.withQuery('/api/v1/audit', { action: 'login_burst', region: code, limit: 10 }));
  const { data, error, refresh } = useLiveLoad(load, [code]);
  const [fresh, setFresh] = useState(new Set());
  const known = useRef(null);
  useEffect(() => {
    if (!data) return;
    if (known.current) setFresh(new Set(data.items.filter((a) => !known.current.has(a.id)).map((a) => a.id)));
    known.current = new Set(data.items.map((a) => a.id));
  }, [data]);
  useEvents(['security.login_burst'], refresh);
  return html`<section class="security-alerts" aria-labelledby="security-title">
    <h2 id="security-title">${t('security.title')}</h2>
    <p class="muted">${t('security.hint', { minutes: SECURITY_WINDOW_MINUTES })}</p>
    <${ErrorBox} error=${error} />
    ${data?.items.length === 0 && html`<p class="empty">${t('security.none')}</p>`}
    ${data?.items.length > 0 &&
    html`<table class="security-list">
      <thead><tr>
        <th scope="col">${t('security.col.at')}</th>
        <th scope="col">${t('security.col.kind')}</th>
        <th scope="col">${t('security.col.username')}</th>
        <th scope="col">${t('security.col.ip')}</th>
      </tr></thead>
      <tbody>
        ${data.items.map(
          (a) => html`<tr key=${a.id} class=${`security-alert ${fresh.has(a.id) ? 'fresh' : ''}`} data-id=${a.id} data-kind=${a.entity_id}>
            <td><time datetime=${a.at}>${whenWords(a.at)}</time></td>
            <td>${t(`security.kind.${a.entity_id}`)}</td>
            <td class="username">${a.username}</td>
            <td class="ip">${a.ip}</td>
          </tr>`,
        )}
      </tbody>
    </table>`}
  </section>`;
}

export function AlertsPage({ code, query, session }) {
  const status = STATUSES.includes(query.get('status')) ? query.get('status') : 'unresolved';
  const severity = SEVERITIES.includes(query.get('severity')) ? query.get('severity') : '';
  const rule = ALERT_RULES.includes(query.get('rule')) ? query.get('rule') : '';
  const canHandle = session.permissions.includes('alert_handle');
  const region = useLoad(
    () => Promise.all([api.get(`/api/v1/regions/${code}`), api.get(`/api/v1/regions/${code}/children`).catch(() => ({ items: [] }))])
      .then(([r, children]) => ({ ...r, children: children.items ?? [] })),
    [code],
  );
  const [items, setItems] = useState(null);
  const [next, setNext] = useState(null);
  const [error, setError] = useState(null);
  const [fresh, setFresh] = useState(new Set());
  const known = useRef(null);
  const shown = useRef(0); // how many the page shows: a live refresh reloads as many
  const severities = severity ? [severity] : SEVERITIES;
  const q = { region: code, status, rule };
  const href = (over) => {
    const p = { status, severity, rule, ...over };
    return api.withQuery(`/alerts/${over.code ?? code}`, { status: p.status, severity: p.severity, rule: p.rule });
  };
  // The newest load wins: a live reload begun under the filter just left (its
  // event came in before the user switched), or the first load of a filter
  // answered after a live reload begun since, must not replace the newer list
  // when its answer arrives last.  Every load takes a number; only the last
  // one begun is shown (a navigation also moves the count on).
  const seq = useRef(0);
  const take = (r, mark, raised = []) => {
    if (mark) {
      // new since the last list, and those the events said were raised (the
      // first list may not have been there yet to compare with)
      const fresh = new Set(raised);
      if (known.current) r.items.forEach((a) => !known.current.has(a.id) && fresh.add(a.id));
      setFresh(fresh);
    }
    known.current = new Set(r.items.map((a) => a.id));
    shown.current = r.items.length;
    setItems(r.items);
    setNext(r.next);
    setError(null);
  };
  const load = (size, then) => {
    const mine = ++seq.current;
    loadOrdered(q, severities, { i: 0, cursor: null }, size).then(
      (r) => seq.current === mine && then(r),
      (e) => seq.current === mine && setError(e),
    );
  };
  useEffect(() => {
    setItems(null);
    setNext(null);
    known.current = null;
    load(PAGE, (r) => take(r, false));
    return () => {
      seq.current++;
    };
  }, [code, status, severity, rule]);
  useEvents(['alert.raised', 'alert.acknowledged', 'alert.resolved'], (events) => {
    const raised = events.filter((e) => e.type === 'alert.raised' && e.data?.id).map((e) => e.data.id);
    load(Math.max(PAGE, shown.current), (r) => take(r, true, raised));
  });
  const more = async () => {
    const mine = seq.current; // a newer list (reload, navigation) drops this page
    try {
      const r = await loadOrdered(q, severities, next, PAGE);
      if (seq.current !== mine) return;
      setItems((old) => {
        const ids = new Set(old.map((a) => a.id));
        const all = old.concat(r.items.filter((a) => !ids.has(a.id)));
        shown.current = all.length;
        r.items.forEach((a) => known.current?.add(a.id));
        return all;
      });
      setNext(r.next);
    } catch (e) {
      if (seq.current === mine) setError(e);
    }
  };
  const nameOf = useRegionNames((items ?? []).map((a) => a.grid_code));
  const changed = (a) => {
    const stays = status === 'unresolved' ? a.status !== 'resolved' : a.status === status;
    setItems((old) => (stays ? old.map((x) => (x.id === a.id ? a : x)) : old.filter((x) => x.id !== a.id)));
  };
  const children = region.data?.children ?? [];

  return html`<section class="page command alerts-page">
    ${region.data && html`<${Breadcrumb} path=${region.data.path} scope=${session.user.scope} hrefOf=${(c) => href({ code: c })} />`}
    <div class="page-head">
      <h1>${region.data?.name ?? code} <small>${t('alerts.title')}</small></h1>
      <${LiveBadge} />
    </div>
    <nav class="filters" aria-label=${t('alerts.filter')}>
      ${STATUSES.map(
        (s) => html`<${Link} key=${s} class=${`chip ${s === status ? 'active' : ''}`} aria-current=${s === status ? 'page' : undefined}
          href=${href({ status: s })}>${t(`alerts.filter.${s}`)}<//>`,
      )}
    </nav>
    <form class="alert-filters" onSubmit=${(e) => e.preventDefault()}>
      <label><span>${t('alerts.col.severity')}</span>
        <select name="severity" value=${severity} onChange=${(e) => navigate(href({ severity: e.currentTarget.value }))}>
          <option value="">${t('alerts.any_severity')}</option>
          ${SEVERITIES.map((s) => html`<option key=${s} value=${s}>${t(`alerts.severity.${s}`)}</option>`)}
        </select>
      </label>
      <label><span>${t('alerts.kind')}</span>
        <select name="rule" value=${rule} onChange=${(e) => navigate(href({ rule: e.currentTarget.value }))}>
          <option value="">${t('alerts.any_kind')}</option>
          ${ALERT_RULES.map((r) => html`<option key=${r} value=${r}>${t(`alerts.rule.${r}`)}</option>`)}
        </select>
      </label>
      ${children.length > 0 &&
      html`<label><span>${t('alerts.region')}</span>
        <select name="region" value="" onChange=${(e) => e.currentTarget.value && navigate(href({ code: e.currentTarget.value }))}>
          <option value="">${t('alerts.whole', { name: region.data.name })}</option>
          ${children.map((c) => html`<option key=${c.code} value=${c.code}>${c.name}</option>`)}
        </select>
      </label>`}
    </form>
    <${ErrorBox} error=${error || region.error} />
    ${items === null && !error && html`<${Loading} />`}
    ${items?.length === 0 && html`<p class="empty">${t('alerts.none')}</p>`}
    ${items?.length > 0 &&
    html`<table class="alert-list">
      <thead><tr>
        <th scope="col">${t('alerts.col.severity')}</th>
        <th scope="col">${t('alerts.col.what')}</th>
        <th scope="col">${t('alerts.col.where')}</th>
        <th scope="col">${t('alerts.col.raised')}</th>
        <th scope="col">${t('alerts.col.status')}</th>
        <th scope="col"><span class="sr-only">${t('alerts.col.actions')}</span></th>
      </tr></thead>
      <tbody>
        ${items.map((a) => html`<${AlertRow} key=${a.id} alert=${a} canHandle=${canHandle} onChanged=${changed} fresh=${fresh.has(a.id)} gridName=${nameOf(a.grid_code)} session=${session} />`)}
      </tbody>
    </table>`}
    ${next && html`<p class="more"><button type="button" class="secondary" onClick=${more}>${t('alerts.more')}</button></p>`}
    ${session.permissions.includes('audit_read') && html`<${SecurityAlerts} code=${code} />`}
  </section>`;
}
