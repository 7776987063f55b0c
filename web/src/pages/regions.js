// pages/regions.js -- the region browser: one region with its figures and
// its children (households and persons each); a child opens its own page,
// the breadcrumb goes back up to the jurisdiction root.

import * as api from '../api.js';
import { num, t } from '../i18n.js';
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

    <h2>${t('regions.children')}</h2>
    ${children.length === 0
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
