// pickers.js -- choosing a region or a person by name, never by typing a code
// (issue 19 item 2).  Both are ARIA comboboxes: type to search, arrows to
// move, Enter to choose, Escape to close.  The chosen value travels in a
// hidden input named "name", so a form read through FormData sees the code
// or the id as before.
//
//   RegionPicker  GET /api/v1/regions?q=&level=  (part of a name, or a code);
//                 with nothing typed, the jurisdiction as a tree to open level
//                 by level (GET /api/v1/regions, /regions/{code}/children)
//   PersonPicker  GET /api/v1/persons?q=  (the beginning of a name; an ID number
//                 or a phone is an exact lookup, sent only once complete)
//   OrgPicker     GET /api/v1/orgs?q=&active=1  (part of an organisation's name)
//
// Only the caller's jurisdiction is ever listed: the server answers nothing else.

import { useEffect, useRef, useState } from 'preact/hooks';
import * as api from './api.js';
import { t } from './i18n.js';
import { html } from './ui.js';

let serial = 0;
const LEVELS = ['city', 'county', 'township', 'village', 'grid'];

// The typed text waits this long before a search, so that a word is one request.
const DEBOUNCE_MS = 200;

// The combobox both pickers share: "search(text)" gives {items} or null (not
// searched); "browse" (optional) gives the items to show with nothing typed.
// "browseKey" names what "browse" lists: when it changes, the open list follows.
function Combobox({ name, label, value, display, placeholder, required, search, browse, browseKey, onPick, renderItem, className }) {
  const [id] = useState(() => `picker-${++serial}`);
  const [text, setText] = useState('');
  const [items, setItems] = useState(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const timer = useRef(null);
  const asked = useRef(0);
  const box = useRef(null);

  // Every question gets a ticket; only the answer to the latest one is shown.
  const run = async (query, ticket) => {
    setBusy(true);
    setError(null);
    try {
      const got = query ? await search(query) : browse ? await browse() : null;
      if (ticket !== asked.current) return; // a later question was asked
      setItems(got);
      setActive(got && got.length ? 0 : -1);
    } catch (err) {
      if (ticket === asked.current) setError(err);
    } finally {
      if (ticket === asked.current) setBusy(false);
    }
  };
  const ask = (query) => {
    clearTimeout(timer.current);
    const ticket = ++asked.current;
    timer.current = setTimeout(() => run(query, ticket), query ? DEBOUNCE_MS : 0);
  };
  useEffect(() => () => clearTimeout(timer.current), []);
  useEffect(() => { if (open && !text.trim()) ask(''); }, [browseKey]);
  // A click outside closes the list.
  useEffect(() => {
    const away = (e) => { if (box.current && !box.current.contains(e.target)) setOpen(false); };
    document.addEventListener('pointerdown', away);
    return () => document.removeEventListener('pointerdown', away);
  }, []);

  const choose = (item) => {
    const next = onPick(item);
    if (next === 'keep-open') return; // browsing down the tree
    setText('');
    setOpen(false);
    setItems(null);
  };
  const onInput = (e) => {
    setText(e.target.value);
    setItems(null); // what was listed answered another text: Enter must not take it
    setActive(-1);
    setOpen(true);
    ask(e.target.value.trim());
  };
  const onKeyDown = (e) => {
    const n = items?.length ?? 0;
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (!open) { setOpen(true); ask(text.trim()); return; }
      if (n) setActive((active + 1) % n);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      if (n) setActive((active - 1 + n) % n);
    } else if (e.key === 'Enter') {
      if (open && n && active >= 0) {
        e.preventDefault();
        choose(items[active]);
      }
    } else if (e.key === 'Escape') {
      setOpen(false);
    }
  };
  const onFocus = () => {
    if (!open && browse && !text) { setOpen(true); ask(''); }
  };
  const listId = `${id}-list`;
  const shown = open && (busy || error || items);
  return html`<div class=${`picker ${className ?? ''}`} ref=${box}>
    <label for=${id}>${label}</label>
    ${value && html`<span class="picker-value">${display}
      <button type="button" class="link picker-clear" aria-label=${t('picker.clear')} onClick=${() => onPick(null)}>×</button></span>`}
    <input id=${id} type="search" role="combobox" autocomplete="off" aria-autocomplete="list"
      aria-expanded=${shown ? 'true' : 'false'} aria-controls=${listId}
      aria-activedescendant=${shown && active >= 0 ? `${id}-opt-${active}` : undefined}
      placeholder=${placeholder} value=${text} required=${required && !value}
      onInput=${onInput} onKeyDown=${onKeyDown} onFocus=${onFocus} />
    <input type="hidden" name=${name} value=${value ?? ''} />
    ${shown && html`<ul id=${listId} role="listbox" class="picker-list">
      ${busy && !items && html`<li class="muted" role="presentation">${t('app.loading')}</li>`}
      ${error && html`<li class="error" role="presentation">${error.message}</li>`}
      ${items && items.length === 0 && html`<li class="muted" role="presentation">${t('picker.none')}</li>`}
      ${(items ?? []).map((item, i) => html`<li id=${`${id}-opt-${i}`} key=${i} role="option"
        aria-selected=${i === active ? 'true' : 'false'} class=${i === active ? 'active' : ''}
        onPointerDown=${(e) => { e.preventDefault(); choose(item); }}>${renderItem(item)}</li>`)}
    </ul>`}
  </div>`;
}

// The names of a search hit's path below the root of the jurisdiction ("东安县 / 白牙市镇").
const pathText = (path) => (path ?? []).slice(0, -1).map((p) => p.name).join(' / ');

// "level" ("grid", "village", ...) limits what may be chosen; "value" is a code.
// Without "onChange" the picker keeps its own value (for forms read through
// FormData), starting at "value".
export function RegionPicker({ name, label, value: given, onChange: report, level, required, placeholder }) {
  const [own, setOwn] = useState(given ?? '');
  const value = report ? given : own;
  const onChange = report ?? setOwn;
  const [chosen, setChosen] = useState(null); // {code, name, where}
  const [under, setUnder] = useState(null); // the region whose children the tree shows
  useEffect(() => {
    // A value set from outside (a page's default): show its name.
    if (!value) { setChosen(null); return; }
    if (chosen?.code === value) return;
    let live = true;
    api.get(`/api/v1/regions/${value}`).then(
      (r) => live && setChosen({ code: r.code, name: r.name, where: pathText(r.path) }),
      () => live && setChosen({ code: value, name: value, where: '' }),
    );
    return () => { live = false; };
  }, [value]);
  const allowed = (r) => !level || r.level === level;
  const deeper = (r) => r.level !== 'grid' && (!level || LEVELS.indexOf(r.level) < LEVELS.indexOf(level));
  const browse = async () => {
    const data = await api.get(under ? `/api/v1/regions/${under.code}/children` : '/api/v1/regions');
    return [...(under ? [{ up: true, ...under }] : []), ...data.items];
  };
  const search = async (q) => (await api.get(`/api/v1/regions?q=${encodeURIComponent(q)}${level ? `&level=${level}` : ''}`)).items;
  const pick = (r) => {
    if (!r) { setChosen(null); onChange(''); return undefined; }
    if (r.up) { setUnder(r.parent ?? null); return 'keep-open'; }
    if (!allowed(r)) { setUnder({ code: r.code, name: r.name, parent: under }); return 'keep-open'; }
    setChosen({ code: r.code, name: r.name, where: pathText(r.path) });
    onChange(r.code);
    return undefined;
  };
  const render = (r) => {
    if (r.up) return html`<span class="picker-up">‹ ${r.name}</span>`;
    return html`<span class="picker-item">
      <span class="picker-name">${r.name}</span>
      ${r.path && html`<small class="muted"> ${pathText(r.path)}</small>`}
      <small class="muted"> ${t(`level.${r.level}`)}</small>
      ${deeper(r) && !r.path && html`<button type="button" class="link picker-open" aria-label=${t('picker.open')}
        onPointerDown=${(e) => { e.preventDefault(); e.stopPropagation(); setUnder({ code: r.code, name: r.name, parent: under }); }}>›</button>`}
    </span>`;
  };
  return html`<${Combobox} className="region-picker" name=${name} label=${label} value=${value} required=${required}
    placeholder=${placeholder ?? t('picker.region_hint')} browseKey=${under?.code ?? ''}
    display=${chosen && html`<b>${chosen.name}</b>${chosen.where && html` <small class="muted">${chosen.where}</small>`} <small class="mono muted">${chosen.code}</small>`}
    search=${search} browse=${browse} onPick=${pick} renderItem=${render} />`;
}

const ID_NUMBER = /^\d{17}[\dXx]$/;
const PHONE = /^1\d{10}$/;

// "value" is a person id; the list shows the name, the (masked) ID number and the grid.
export function PersonPicker({ name, label, value, onChange, required, region }) {
  const [chosen, setChosen] = useState(null);
  useEffect(() => { if (!value) setChosen(null); }, [value]);
  const search = async (q) => {
    // Digits go out only as a whole ID number or phone: a lookup is counted.
    if (/^\d/.test(q) && !ID_NUMBER.test(q) && !PHONE.test(q)) return null;
    return (await api.get(`/api/v1/persons?q=${encodeURIComponent(q)}&limit=10${region ? `&region=${region}` : ''}`)).items;
  };
  const pick = (p) => {
    setChosen(p);
    onChange(p ? String(p.id) : '');
  };
  const render = (p) => html`<span class="picker-item"><span class="picker-name">${p.name}</span>
    <small class="mono muted"> ${p.id_number}</small> <small class="muted">${p.grid_code}</small></span>`;
  return html`<${Combobox} className="person-picker" name=${name} label=${label} value=${value} required=${required}
    placeholder=${t('picker.person_hint')}
    display=${chosen && html`<b>${chosen.name}</b> <small class="mono muted">${chosen.id_number}</small>`}
    search=${search} onPick=${pick} renderItem=${render} />`;
}

// "value" is an organisation id (active ones only); the list shows the name,
// the kind and the region, for the parent of a new organisation among thousands.
export function OrgPicker({ name, label, value, onChange, required }) {
  const [chosen, setChosen] = useState(null);
  useEffect(() => { if (!value) setChosen(null); }, [value]);
  const search = async (q) => (await api.get(`/api/v1/orgs?q=${encodeURIComponent(q)}&active=1&limit=10`)).items;
  const pick = (o) => {
    setChosen(o);
    onChange(o ? String(o.id) : '');
  };
  const render = (o) => html`<span class="picker-item"><span class="picker-name">${o.name}</span>
    <small class="muted"> ${t(`mob.kind.${o.kind}`)} · ${o.region_name ?? o.region_code}</small></span>`;
  return html`<${Combobox} className="org-picker" name=${name} label=${label} value=${value} required=${required}
    placeholder=${t('picker.org_hint')}
    display=${chosen && html`<b>${chosen.name}</b> <small class="muted">${chosen.region_name ?? ''}</small>`}
    search=${search} onPick=${pick} renderItem=${render} />`;
}
