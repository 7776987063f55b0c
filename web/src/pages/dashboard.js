// pages/dashboard.js -- the commanders' home page (指挥部一张图).
//
//   /dashboard/{code}   headline tiles of the region today (GET /api/v1/dashboard,
//                       read from roll-ups only), 14-day trend lines, bars by child
//                       region (a bar or a row opens the child: drill down to any
//                       grid), the response level and the directives not yet read;
//                       the day's duty (mobilisation.duty: persons on duty, places
//                       rostered, places whose 24-hour cover has gaps, uncovered time).
//
// Live: alerts, visits, directives and broadcasts arriving over the event
// stream refresh the figures without a reload (debounced by live.js).  The
// layout is a grid that spreads over a wall screen and stacks on a laptop.

import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api.js';
import { useEvents, useLiveState } from '../live.js';
import { getLang, num, t } from '../i18n.js';
import { Breadcrumb, ErrorBox, html, Link, loadECharts, Loading, navigate, useLoad } from '../ui.js';

const LIVE_TYPES = ['alert.raised', 'alert.acknowledged', 'alert.resolved', 'visit.recorded', 'directive.issued', 'broadcast.published'];


// An ECharts chart whose option is rebuilt by "option()" when deps change.
function Chart({ option, deps, height, label, onClick }) {
  const el = useRef(null);
  const chart = useRef(null);
  const click = useRef(onClick);
  click.current = onClick;
  const [failed, setFailed] = useState(false);
  const draw = () => chart.current && chart.current.setOption(option(), true);
  useEffect(() => {
    let gone = false;
    const resize = () => chart.current?.resize();
    loadECharts().then(
      (echarts) => {
        if (gone || !el.current) return;
        chart.current = echarts.init(el.current, null, { renderer: 'canvas' });
        chart.current.on('click', (p) => click.current?.(p));
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
  useEffect(draw, [...deps, getLang()]);
  if (failed) return null;
  return html`<div class="dash-chart" ref=${el} style=${{ height: `${height}px` }} role="img" aria-label=${label}></div>`;
}

// The dashboard, refreshed on demand without flicker (old figures stay until new ones come).
function useDashboard(code) {
  const [state, setState] = useState({ data: null, error: null });
  const seq = useRef(0);
  const load = () => {
    const mine = ++seq.current;
    api.get(`/api/v1/dashboard?region=${code}`).then(
      (data) => mine === seq.current && setState({ data, error: null }),
      (error) => mine === seq.current && setState((s) => ({ data: s.data, error })),
    );
  };
  useEffect(load, [code]);
  return { ...state, refresh: load };
}

const seconds = (s) => (s === null || s === undefined ? '–' : s < 3600 ? `${Math.round(s / 60)}′` : `${(s / 3600).toFixed(1)}h`);
const rate = (r) => (r === null || r === undefined ? '–' : `${(r * 100).toFixed(1)}%`);

function Tiles({ d }) {
  const lv = d.response_level;
  const tiles = [
    ['level', t('dash.level'), lv.level ? (getLang() === 'en' ? `Level ${lv.roman}` : lv.level_name) : t('dash.level_none'),
      lv.level ? (lv.inherited ? t('dash.level_inherited', { name: lv.set_at_name }) : t('dash.level_since', { date: lv.effective_date })) : null, lv.level === 1],
    ['cases', t('dash.cases_current'), d.cases.current_confirmed + d.cases.current_suspected + d.cases.current_asymptomatic,
      t('dash.cases_sub', { today: num(d.cases.confirmed_today), total: num(d.cases.confirmed_total) }), d.cases.confirmed_today > 0],
    ['observation', t('dash.obs_active'), d.observation.active, t('dash.obs_sub', { n: num(d.observation.new_today) })],
    ['overdue', t('dash.overdue'), d.observation.overdue_now, null, d.observation.overdue_now > 0],
    ['alerts', t('dash.alerts_open'), d.alerts.open, t('dash.alerts_sub', { high: num(d.alerts.open_high), ack: seconds(d.alerts.ack_median_seconds) }), d.alerts.open_high > 0],
    ['reports', t('dash.reports_today'), d.reports.received_today, t('dash.abnormal', { n: num(d.reports.abnormal_today) }), d.reports.abnormal_today > 0],
    ['coverage', t('dash.coverage'), rate(d.coverage.rate), d.coverage.round ? `${d.coverage.round.name} · ${num(d.coverage.visited)}/${num(d.coverage.households)}` : t('dash.no_round')],
    ['directives', t('dash.unread'), d.directives.unread_for_me, t('dash.units_read', { read: num(d.directives.units_read), units: num(d.directives.units) }), d.directives.unread_for_me > 0],
    ['rectify', t('dash.rectify_open'), d.rectifications.open, t('dash.rectify_sub', { n: num(d.rectifications.overdue) }), d.rectifications.overdue > 0],
    ['teams', t('dash.teams'), d.mobilisation.teams, t('dash.checkpoint_sub', { n: num(d.mobilisation.checkpoint_entries_today), f: num(d.mobilisation.checkpoint_fevers_today) })],
    ['supplies', t('dash.supplies_low'), d.supplies.low, t('dash.donations', { n: num(d.supplies.donations) }), d.supplies.low > 0],
  ];
  return html`<div class="dash-tiles">
    ${tiles.map(
      ([k, label, v, sub, hot]) => html`<div key=${k} class=${`dash-tile ${hot ? 'hot' : ''}`} data-tile=${k}>
        <span class="label">${label}</span>
        <strong class=${`value ${typeof v === 'number' ? '' : 'text'}`}>${typeof v === 'number' ? num(v) : v}</strong>
        ${sub && html`<small>${sub}</small>`}
      </div>`,
    )}
  </div>`;
}

// Uncovered time: minutes under an hour, else hours with one decimal.
const uncoveredText = (s) =>
  s < 3600 ? t('dash.duty.minutes', { n: num(Math.round(s / 60)) }) : t('dash.duty.hours', { n: (s / 3600).toFixed(1) });

// The day's duty (值班值守): computed by the server from that day's shifts.
function Duty({ duty, code }) {
  const tiles = [
    ['deployed', t('dash.duty.deployed'), num(duty.deployed), t('dash.duty.deployed_sub'), false],
    ['places_rostered', t('dash.duty.places_rostered'), num(duty.places_rostered),
      t('dash.duty.checkpoints', { n: num(duty.checkpoints) }), false],
    ['places_with_gaps', t('dash.duty.gaps'), num(duty.places_with_gaps), t('dash.duty.gaps_sub'), duty.places_with_gaps > 0],
    ['uncovered_seconds', t('dash.duty.uncovered'), uncoveredText(duty.uncovered_seconds), t('dash.duty.uncovered_sub'),
      duty.uncovered_seconds > 0],
  ];
  return html`<section class="dash-panel dash-duty" aria-labelledby="dash-duty-h">
    <div class="dash-panel-head">
      <h2 id="dash-duty-h">${t('dash.duty.title')}</h2>
      <${Link} href=${`/rosters/${code}`}>${t('dash.duty.rosters')}<//>
    </div>
    <div class="dash-tiles">
      ${tiles.map(
        ([k, label, v, sub, hot]) => html`<div key=${k} class=${`dash-tile ${hot ? 'hot' : ''}`} data-duty=${k} data-value=${duty[k]}>
          <span class="label">${label}</span>
          <strong class="value">${v}</strong>
          <small>${sub}</small>
        </div>`,
      )}
    </div>
  </section>`;
}

function Trend({ trend }) {
  const series = [
    ['obs_new', t('dash.s_obs_new'), '#1565c0'],
    ['alerts_raised', t('dash.s_alerts'), '#c62828'],
    ['reports_abnormal', t('dash.s_abnormal'), '#ef6c00'],
    ['cases_confirmed', t('dash.s_cases'), '#6a1b9a'],
  ];
  return html`<${Chart}
    height=${260}
    label=${t('dash.trend_chart')}
    deps=${[trend]}
    option=${() => ({
      animationDuration: 300,
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: trend.dates.map((x) => x.slice(5)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: series.map(([k, name, color]) => ({ type: 'line', name, data: trend[k], itemStyle: { color } })),
    })}
  />`;
}

function ChildBars({ children, onPick }) {
  return html`<${Chart}
    height=${Math.max(180, children.length * 34 + 60)}
    label=${t('dash.children_chart')}
    deps=${[children]}
    onClick=${(p) => onPick(children[p.dataIndex])}
    option=${() => ({
      animationDuration: 300,
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { top: 0 },
      grid: { left: 8, right: 24, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: children.map((c) => c.name), axisLabel: { width: 120, overflow: 'truncate' } },
      series: [
        { type: 'bar', name: t('dash.obs_active'), data: children.map((c) => c.obs_active), itemStyle: { color: '#1565c0' }, barMaxWidth: 18 },
        { type: 'bar', name: t('dash.alerts_open'), data: children.map((c) => c.alerts_open), itemStyle: { color: '#c62828' }, barMaxWidth: 18 },
        { type: 'bar', name: t('dash.cases_current'), data: children.map((c) => c.cases_current), itemStyle: { color: '#6a1b9a' }, barMaxWidth: 18 },
      ],
    })}
  />`;
}

function ChildTable({ children }) {
  return html`<table class="dash-children">
    <thead>
      <tr>
        <th scope="col">${t('dash.region')}</th>
        <th scope="col">${t('dash.obs_active')}</th>
        <th scope="col">${t('dash.overdue')}</th>
        <th scope="col">${t('dash.alerts_open')}</th>
        <th scope="col">${t('dash.abnormal_col')}</th>
        <th scope="col">${t('dash.coverage')}</th>
        <th scope="col">${t('dash.cases_current')}</th>
        <th scope="col">${t('dash.rectify_open')}</th>
      </tr>
    </thead>
    <tbody>
      ${children.map(
        (c) => html`<tr key=${c.code} data-code=${c.code}>
          <th scope="row"><${Link} href=${`/dashboard/${c.code}`}>${c.name}<//></th>
          <td>${num(c.obs_active)}</td>
          <td class=${c.overdue_now ? 'hot' : ''}>${num(c.overdue_now)}</td>
          <td class=${c.alerts_open ? 'hot' : ''}>${num(c.alerts_open)}</td>
          <td>${num(c.abnormal_today)}</td>
          <td>${rate(c.coverage_rate)}</td>
          <td>${num(c.cases_current)}</td>
          <td>${num(c.findings_open)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function Directives({ code, tick }) {
  const [items, setItems] = useState(null);
  useEffect(() => {
    api.get(`/api/v1/directives?unread=1&limit=5`).then((r) => setItems(r.items), () => setItems([]));
  }, [code, tick]);
  if (!items || items.length === 0) return null;
  return html`<section class="dash-panel dash-directives">
    <h2>${t('dash.unread_list')}</h2>
    <ul>
      ${items.map(
        (d) => html`<li key=${d.id}>
          <a href=${`/api/v1/directives/${d.id}/print`} target="_blank" rel="noopener">${d.title}</a>
          <small> · ${d.issuing_name} · ${t('dash.deadline', { date: d.deadline })}</small>
        </li>`,
      )}
    </ul>
  </section>`;
}

const STYLE = `
.dash { display: grid; gap: 1rem; }
.dash-head { display: flex; flex-wrap: wrap; align-items: baseline; gap: .5rem 1rem; justify-content: space-between; }
.dash-head h1 { margin: 0; }
.dash-tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .6rem; }
.dash-tile { border: 1px solid #d0d7de; border-radius: 8px; padding: .6rem .8rem; display: flex; flex-direction: column; background: #fff; }
.dash-tile .label { font-size: .85rem; color: #555; }
.dash-tile .value { font-size: 1.8rem; line-height: 1.2; }
.dash-tile small { color: #666; }
.dash-tile .value.text { font-size: 1.4rem; }
.dash-tile.hot { border-color: #c62828; background: #fff5f5; }
.dash-tile.hot .value { color: #c62828; }
.dash-panels { display: grid; grid-template-columns: 1fr; gap: 1rem; }
.dash-panel { border: 1px solid #d0d7de; border-radius: 8px; padding: .6rem .8rem; background: #fff; min-width: 0; }
.dash-panel h2 { font-size: 1rem; margin: 0 0 .4rem; }
.dash-panel-head { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: .25rem 1rem; }
.dash-duty .dash-tile { background: #f8fafc; }
.dash-duty .dash-tile.hot { background: #fff5f5; }
.dash-children { width: 100%; border-collapse: collapse; }
.dash-children th, .dash-children td { padding: .25rem .4rem; border-bottom: 1px solid #eee; text-align: right; }
.dash-children th[scope=row], .dash-children thead th:first-child { text-align: left; }
.dash-children td.hot { color: #c62828; font-weight: bold; }
@media (max-width: 600px) {
  .dash-tiles { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: .4rem; }
  .dash-tile { padding: .5rem .6rem; }
  .dash-tile .value { font-size: 1.4rem; }
  .dash-tile .value.text { font-size: 1.2rem; }
}
@media (min-width: 1100px) { .dash-panels { grid-template-columns: 1fr 1fr; } }
@media (min-width: 1800px) {
  .dash-tile .value.text { font-size: 2rem; }
  main:has(> .dash) { max-width: none; padding: 1rem 2rem; }
  .dash { font-size: 1.25rem; }
  .dash-tiles { grid-template-columns: repeat(6, 1fr); }
  .dash-duty .dash-tiles { grid-template-columns: repeat(4, 1fr); }
  .dash-tile .value { font-size: 2.8rem; }
}
@media print { .dash-chart { break-inside: avoid; } }
`;

export function DashboardPage({ code, session }) {
  const dash = useDashboard(code);
  const [tick, setTick] = useState(0);
  const live = useLiveState();
  const region = useLoad(() => api.get(`/api/v1/regions/${code}`), [code]);
  useEvents(LIVE_TYPES, () => {
    dash.refresh();
    setTick((n) => n + 1);
  });
  const d = dash.data;
  if (!d && dash.error) return html`<section class="page"><${ErrorBox} error=${dash.error} onRetry=${dash.refresh} /></section>`;
  if (!d) return html`<section class="page"><${Loading} /></section>`;
  const path = region.data?.path ?? [];
  const drill = (c) => c && navigate(`/dashboard/${c.code}`);
  return html`<section class="page dash" data-region=${code}>
    <style>${STYLE}</style>
    <div class="dash-head">
      <h1>${d.region.name} · ${t('dash.title')}</h1>
      <span>
        ${d.date}
        <span class=${`live ${live ? 'on' : 'off'}`} title=${t('live.hint')}>${live ? t('live.on') : t('live.off')}</span>
      </span>
    </div>
    ${path.length > 0 && html`<${Breadcrumb} path=${path} scope=${session.user.scope} hrefOf=${(c) => `/dashboard/${c}`} />`}
    ${dash.error && html`<${ErrorBox} error=${dash.error} onRetry=${dash.refresh} />`}
    <${Tiles} d=${d} />
    <${Duty} duty=${d.mobilisation.duty} code=${code} />
    <div class="dash-panels">
      <section class="dash-panel">
        <h2>${t('dash.trend')}</h2>
        <${Trend} trend=${d.trend} />
      </section>
      ${d.children.length > 0
        ? html`<section class="dash-panel">
            <h2>${t('dash.children')}</h2>
            <${ChildBars} children=${d.children} onPick=${drill} />
          </section>`
        : html`<section class="dash-panel">
            <h2>${t('dash.grid_here')}</h2>
            <p>
              <${Link} href=${`/coverage/${code}`}>${t('nav.coverage')}<//> ·
              <${Link} href=${`/alerts/${code}`}>${t('nav.alerts')}<//> ·
              <${Link} href=${`/regions/${code}`}>${t('nav.regions')}<//>
            </p>
          </section>`}
    </div>
    ${d.children.length > 0 && html`<section class="dash-panel"><${ChildTable} children=${d.children} /></section>`}
    <${Directives} code=${code} tick=${tick} />
  </section>`;
}
