// pages/regions.js -- the region browser: one region with its figures and
// its children (households and persons each); a child opens its own page,
// the breadcrumb goes back up to the jurisdiction root.  A grid is not a dead
// end: it shows, read-only, who is responsible for it, its open alerts, the
// persons under observation and its households (each block to the roles that
// may read it).

import * as api from '../api.js';
import { getLang, num, t } from '../i18n.js';
import { Breadcrumb, ErrorBox, html, Link, Loading, useLoad } from '../ui.js';

export function RegionsPage({ code, session }) {
  const { data, error, loading, reload } = useLoad(
    () =>
      Promise.all([api.get(`/api/v1/regions/${code}`), api.get(`/api/v1/regions/${code}/children`)]).then(
        ([region, children]) => ({ region, children: children.items }),
      ),
    [code],
  );
  if (error) return html`<section class="page"><${ErrorBox} error=${error} onRetry=${reload} /></section>`;
  if (!data) return html`<section class="page"><${Loading} /></section>`;
  const { region, children } = data;
  const canSearch = session.permissions.includes('registry_read');

  return html`<section class="page regions" aria-busy=${loading}>
    <${Breadcrumb} path=${region.path} scope=${session.user.scope} hrefOf=${(c) => `/regions/${c}`} />
    <div class="region-head">
      <div>
        <h1>${region.name}</h1>
        <p class="muted">
          <span class="badge">${t(`level.${region.level}`)}</span>
          <span class="code">${t('regions.code')} ${region.code}</span>
        </p>
      </div>
      <dl class="figures">
        <div><dt>${t('stats.households')}</dt><dd class="households">${num(region.stats.households)}</dd></div>
        <div><dt>${t('stats.persons')}</dt><dd class="persons">${num(region.stats.persons)}</dd></div>
      </dl>
    </div>
    ${canSearch &&
    html`<p><${Link} class="button secondary" href=${`/persons/${region.code}`}>${t('regions.search_here')}<//></p>`}

    ${region.level === 'grid' && html`<${GridView} code=${region.code} session=${session} />`}
    ${region.level !== 'grid' && html`<h2>${t('regions.children')}</h2>`}
    ${region.level === 'grid' ? null : children.length === 0
      ? html`<p class="empty">${t('regions.none')}</p>`
      : html`<table class="children">
          <thead>
            <tr>
              <th scope="col">${t('regions.name')}</th>
              <th scope="col" class="num">${t('stats.households')}</th>
              <th scope="col" class="num">${t('stats.persons')}</th>
            </tr>
          </thead>
          <tbody>
            ${children.map(
              (c) => html`<tr key=${c.code} data-code=${c.code}>
                <td class="name">
                  <${Link} href=${`/regions/${c.code}`}>${c.name}<//>
                  <small>${t(`level.${c.level}`)} · ${c.code}</small>
                </td>
                <td class="num households">${num(c.stats.households)}</td>
                <td class="num persons">${num(c.stats.persons)}</td>
              </tr>`,
            )}
          </tbody>
        </table>`}
  </section>`;
}

const when = (iso) => (iso ? iso.slice(5, 16).replace('T', ' ') : '–');

// One block of the grid view: its own load, error and empty state.
function Block({ title, className, load, deps, render, empty }) {
  const d = useLoad(load, deps);
  return html`<section class=${`grid-block ${className}`}>
    <h2>${title}</h2>
    ${d.error ? html`<${ErrorBox} error=${d.error} onRetry=${d.reload} />`
      : !d.data ? html`<${Loading} />`
      : d.data.items.length === 0 ? html`<p class="empty">${empty}</p>`
      : render(d.data.items)}
  </section>`;
}

function GridView({ code, session }) {
  const can = (p) => session.permissions.includes(p);
  const lang = getLang();
  return html`<div class="grid-view">
    <${Block} title=${t('regions.grid_duty')} className="grid-duty" deps=${[code]}
      load=${() => api.get(`/api/v1/grid-duties?region=${code}&limit=1`)}
      empty=${t('mob.no_responsible')}
      render=${(items) => html`<p class="responsible">${items[0].responsible
        ? html`<strong>${items[0].responsible.name}</strong>`
        : html`<span class="status status-open">${t('mob.no_responsible')}</span>`}
        ${items[0].helpers?.length > 0 && html` <small class="muted">${t('mob.helpers')}: ${items[0].helpers.map((h) => h.name).join('、')}</small>`}</p>`} />
    ${can('registry_read') && html`<${Block} title=${t('regions.grid_alerts')} className="grid-alerts" deps=${[code, lang]}
      load=${() => api.get(`/api/v1/alerts?region=${code}&status=unresolved&limit=50`)}
      empty=${t('regions.no_alerts')}
      render=${(items) => html`<ul class="plain">${items.map((a) => html`<li key=${a.id} data-id=${a.id}>
        <span class=${`sev sev-${a.severity}`}>${t(`alerts.severity.${a.severity}`)}</span>
        ${lang === 'en' ? a.title_en : a.title_zh} <small class="muted">${when(a.raised_at)}</small></li>`)}</ul>`} />`}
    ${can('registry_read') && html`<${Block} title=${t('regions.grid_observed')} className="grid-observed" deps=${[code]}
      load=${() => api.get(`/api/v1/observations?region=${code}&status=active&limit=200`)}
      empty=${t('regions.no_observed')}
      render=${(items) => html`<table class="observed"><thead><tr><th>${t('regions.name')}</th><th>${t('regions.obs_kind')}</th>
        <th>${t('regions.obs_until')}</th></tr></thead><tbody>${items.map((o) => html`<tr key=${o.id} class=${o.overdue ? 'hot' : ''}>
          <td>${o.person_name}</td><td>${t(`obs.kind.${o.kind}`)}</td><td>${o.planned_end}</td></tr>`)}</tbody></table>`} />`}
    ${can('registry_read') && html`<${Block} title=${t('regions.grid_households')} className="grid-households" deps=${[code]}
      load=${() => api.get(`/api/v1/households?region=${code}&limit=100`)}
      empty=${t('regions.no_households')}
      render=${(items) => html`<ul class="plain households">${items.map((h) => html`<li key=${h.id}>${h.address}
        <small class="muted"> ${t('regions.members', { n: h.members })}</small></li>`)}</ul>`} />`}
  </div>`;
}
