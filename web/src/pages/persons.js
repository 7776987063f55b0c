// pages/persons.js -- person search within a region, by name or by ID number.
//
// The query lives in the URL (/persons/431122?name=张三 or ?id_number=...),
// so reload and back repeat it.  ID numbers and phones are shown as the
// server gives them (masked for most roles, with the birth year instead of
// the date); a user holding pii_unmask can ask for the full values of one
// person, which the server audits.

import { useEffect, useState } from 'preact/hooks';
import * as api from '../api.js';
import { t } from '../i18n.js';
import { Breadcrumb, ErrorBox, html, Link, Loading, navigate, useLoad } from '../ui.js';

const PAGE_SIZE = 20;
const ID_NUMBER = /^\d{17}[\dXx]$/;

// Grid code -> name, looked up once per grid while the page lives.
const gridNames = new Map();
function useGridNames(codes) {
  const [, setVersion] = useState(0);
  useEffect(() => {
    const missing = [...new Set(codes)].filter((c) => !gridNames.has(c));
    missing.forEach((c) => gridNames.set(c, null)); // asked for: do not ask twice
    Promise.all(
      missing.map((c) =>
        api.get(`/api/v1/regions/${c}`).then(
          (r) => gridNames.set(c, r.name),
          () => gridNames.delete(c),
        ),
      ),
    ).then(() => missing.length && setVersion((n) => n + 1));
  }, [codes.join()]);
  return (code) => gridNames.get(code) ?? null;
}

// What the user typed -> the URL's query ("" lists everyone in the region).
function queryOf(text) {
  const s = text.trim();
  if (!s) return '';
  const q = new URLSearchParams();
  if (ID_NUMBER.test(s)) q.set('id_number', s.toUpperCase());
  else q.set('name', s);
  return `?${q}`;
}

function SearchForm({ code, initial }) {
  const [text, setText] = useState(initial);
  useEffect(() => setText(initial), [initial]);
  const submit = (e) => {
    e.preventDefault();
    navigate(`/persons/${code}${queryOf(text)}`);
  };
  return html`<form class="search" role="search" onSubmit=${submit}>
    <label for="person-query">${t('persons.query')}</label>
    <div class="search-row">
      <input
        id="person-query"
        name="q"
        type="search"
        enterkeyhint="search"
        autocomplete="off"
        placeholder=${t('persons.query_hint')}
        value=${text}
        onInput=${(e) => setText(e.currentTarget.value)}
      />
      <button type="submit" class="primary">${t('persons.search')}</button>
    </div>
  </form>`;
}

function PersonRow({ person, gridName, canUnmask, onUnmask }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const unmask = async () => {
    setBusy(true);
    setError(null);
    try {
      await onUnmask(person);
    } catch (e) {
      setError(e);
    }
    setBusy(false);
  };
  const sex = person.sex ? t(`persons.sex.${person.sex}`) : '';
  return html`<tr data-id=${person.id} class=${person.unmasked ? 'unmasked' : ''}>
    <td class="name" data-label=${t('persons.name')}>${person.name}</td>
    <td class="sex" data-label=${t('persons.sex')}>${sex}</td>
    <td class="birth" data-label=${t('persons.birth_date')}>${person.birth_date ?? person.birth_year}</td>
    <td class="id-number mono" data-label=${t('persons.id_number')}>${person.id_number}</td>
    <td class="phone mono" data-label=${t('persons.phone')}>${person.phone || '–'}</td>
    <td class="grid" data-label=${t('persons.grid')}>
      <div>
        ${gridName && html`<span class="grid-name">${gridName}</span>`}
        <small class="mono">${person.grid_code}</small>
      </div>
    </td>
    ${canUnmask &&
    html`<td class="actions" data-label=${t('persons.actions')}>
      ${person.pii_masked &&
      html`<button type="button" class="secondary unmask" disabled=${busy} onClick=${unmask}>
        ${busy ? t('persons.unmasking') : t('persons.unmask')}
      </button>`}
      ${person.unmasked && html`<span class="note">${t('persons.unmasked')}</span>`}
      <${ErrorBox} error=${error} />
    </td>`}
  </tr>`;
}

export function PersonsPage({ code, query, session }) {
  const name = query.get('name') ?? '';
  const idNumber = query.get('id_number') ?? '';
  const canUnmask = session.permissions.includes('pii_unmask');
  const region = useLoad(() => api.get(`/api/v1/regions/${code}`), [code]);

  // Results: the first page follows the URL; "load more" appends pages.
  const [items, setItems] = useState([]);
  const [cursor, setCursor] = useState(null);
  const [busy, setBusy] = useState(true);
  const [error, setError] = useState(null);
  const fetchPage = (after) =>
    api.get(
      api.withQuery('/api/v1/persons', {
        region: code,
        name,
        id_number: idNumber,
        limit: PAGE_SIZE,
        cursor: after,
      }),
    );
  useEffect(() => {
    let live = true;
    setBusy(true);
    setError(null);
    setItems([]);
    setCursor(null);
    fetchPage(null).then(
      (r) => {
        if (!live) return;
        setItems(r.items);
        setCursor(r.next_cursor ?? null);
        setBusy(false);
      },
      (e) => live && (setError(e), setBusy(false)),
    );
    return () => {
      live = false;
    };
  }, [code, name, idNumber]);

  const more = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await fetchPage(cursor);
      setItems((old) => old.concat(r.items));
      setCursor(r.next_cursor ?? null);
    } catch (e) {
      setError(e);
    }
    setBusy(false);
  };

  // Full values for one person (audited by the server), kept in this list only.
  const unmask = async (p) => {
    const r = await api.post(`/api/v1/persons/${p.id}/unmask`);
    const full = r.person ?? r;
    setItems((old) =>
      old.map((x) =>
        x.id === p.id
          ? { ...x, id_number: full.id_number ?? x.id_number, phone: full.phone ?? x.phone, birth_date: full.birth_date ?? x.birth_date, pii_masked: false, unmasked: true }
          : x,
      ),
    );
  };

  const gridName = useGridNames(items.map((p) => p.grid_code));
  const anyMasked = items.some((p) => p.pii_masked);
  return html`<section class="page persons">
    ${region.data &&
    html`<${Breadcrumb} path=${region.data.path} scope=${session.user.scope} hrefOf=${(c) => `/persons/${c}${queryOf(name || idNumber)}`} />`}
    <h1>${t('persons.title')}</h1>
    <p class="muted in-region">
      ${t('persons.in_region')}: <strong>${region.data?.name ?? code}</strong>
      ${' '}<${Link} href=${`/regions/${code}`}>${t('persons.change_region')}<//>
    </p>
    <${SearchForm} code=${code} initial=${name || idNumber} />
    <${ErrorBox} error=${region.error} />

    <h2 class="results-title">
      ${t('persons.results')}
      ${!busy && items.length > 0 && html` <small class="count">${t('persons.count', { n: items.length })}</small>`}
    </h2>
    ${anyMasked && html`<p class="muted note">${t('persons.masked_note')}</p>`}
    ${items.length > 0 &&
    html`<table class="persons-table">
      <thead>
        <tr>
          <th scope="col">${t('persons.name')}</th>
          <th scope="col">${t('persons.sex')}</th>
          <th scope="col">${t('persons.birth_date')}</th>
          <th scope="col">${t('persons.id_number')}</th>
          <th scope="col">${t('persons.phone')}</th>
          <th scope="col">${t('persons.grid')}</th>
          ${canUnmask && html`<th scope="col">${t('persons.actions')}</th>`}
        </tr>
      </thead>
      <tbody>
        ${items.map((p) => html`<${PersonRow} key=${p.id} person=${p} gridName=${gridName(p.grid_code)} canUnmask=${canUnmask} onUnmask=${unmask} />`)}
      </tbody>
    </table>`}
    ${!busy && !error && items.length === 0 && html`<p class="empty">${t('persons.none')}</p>`}
    <${ErrorBox} error=${error} />
    ${busy && html`<${Loading} />`}
    ${!busy &&
    cursor &&
    html`<p class="more"><button type="button" class="secondary load-more" onClick=${more}>${t('persons.more')}</button></p>`}
  </section>`;
}
