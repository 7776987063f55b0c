// pages/supplies.js -- supplies, donations and funds (物资、捐赠、资金).
//
//   /supplies/{code}?tab=stock      warehouses with their stock, thresholds, items;
//                                   a ledger entry (receive, allocate, transfer, consume, adjust)
//   /supplies/{code}?tab=donations  donations with the printable certificate; register one
//   /supplies/{code}?tab=ledger     ledger entries newest first, where units came from,
//                                   reversal, xlsx export
//   /supplies/{code}?tab=requests   open requests, fulfil fully or in part; ask for supplies
//   /supplies/{code}?tab=funds      fund accounts and entries in fen
// The public disclosure is the server-rendered page /public/donations (no login).
//
// Money is integer fen end to end: amounts typed in yuan ("1234.56") are
// converted by string arithmetic, never through floating point, and shown
// as ¥1,234.56.  Quantities are integers in an item's base unit and are never
// added across items (grams of rice and masks do not make a total): each
// shows in the units people use -- grams as 千克 or 吨 once large, with the
// item's packs (箱, 袋) beside.  The strings are the "supplies" block of i18n.js.

import { useState } from 'preact/hooks';
import * as api from '../api.js';
import { RegionPicker } from '../pickers.js';
import { getLang, num, t, UNIT_SYMBOLS } from '../i18n.js';
import { ErrorBox, html, Link, Loading, useLoad, useSubmit, useWriteKey } from '../ui.js';

const TABS = ['stock', 'donations', 'ledger', 'requests', 'funds'];
const CATEGORIES = ['protective', 'disinfection', 'medical', 'vehicle', 'food', 'other'];
const RECIPIENTS = ['region', 'hospital', 'team', 'checkpoint'];
const REASONS = ['count_gain', 'count_loss', 'damaged', 'expired', 'lost', 'other'];
const DONOR_KINDS = ['enterprise', 'new_social', 'party_org', 'individual', 'anonymous'];
const ACCOUNT_KINDS = ['party_fee', 'donation', 'fiscal', 'other'];

// ¥1,234.56 from integer fen, by string arithmetic (no floating point).
export function money(fen) {
  if (typeof fen !== 'number') return '–';
  const neg = fen < 0;
  const s = String(Math.abs(fen)).padStart(3, '0');
  const yuan = s.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${neg ? '-' : ''}¥${yuan}.${s.slice(-2)}`;
}

// "1234.5" -> 123450 fen; null when not a yuan amount with at most two decimals.
export function yuanToFen(text) {
  const m = /^\s*(\d{1,12})(?:\.(\d{1,2}))?\s*$/.exec(text ?? '');
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}

const int = (v) => (v === '' || v === undefined ? undefined : Number(v));

// Base units of mass and volume, with the larger units a quantity of them is
// read in, largest first: [base units per unit, i18n key].
const TONNE = [[1e6, 'sup.unit.t'], [1e3, 'sup.unit.kg']];
const SCALES = { g: TONNE, kg: [[1e3, 'sup.unit.t']], mL: [[1e3, 'sup.unit.l']], ml: [[1e3, 'sup.unit.l']] };

// "7.5 吨" for 7,500,000 g, "624 瓶" for 624 瓶 (q >= 0).
function inUnit(q, unit) {
  for (const [size, key] of SCALES[UNIT_SYMBOLS[unit] ?? unit] ?? [])
    if (q >= size) return `${(q / size).toLocaleString(getLang(), { maximumFractionDigits: 3 })} ${t(key)}`;
  return `${num(q)} ${unit}`;
}

// A quantity of "item" ({unit, pack_unit, pack_size}) as people say it:
// [main, packs] -- "5,500 只" and "110 箱", "7.5 吨" and "300 袋",
// "629 瓶" and "26 箱零 5 瓶"; packs is '' when the item has none or q is
// less than one.  The sign is the caller's.
export function quantityParts(q, item) {
  const n = Math.abs(q);
  const main = inUnit(n, item?.unit ?? '');
  const size = item?.pack_size;
  if (!size || !item.pack_unit || n < size) return [main, ''];
  const packs = `${num(Math.floor(n / size))} ${item.pack_unit}`;
  const rest = n % size;
  return [main, rest ? t('sup.packs_rest', { packs, rest: inUnit(rest, item.unit) }) : packs];
}

// The same as an element: the packs in a smaller second part.
function Qty({ q, item, signed }) {
  const [main, packs] = quantityParts(q, item);
  const sign = q < 0 ? '-' : signed && q > 0 ? '+' : '';
  return html`<span class="qty">${sign}${main}${packs && html` <small class="packs">(${packs})</small>`}</span>`;
}

// The catalogue's item of an id (its units), from the page's refs.
const itemOf = (refs, id) => refs.items.find((i) => i.id === id);

// A form's submit wrapper (useSubmit): busy state, error box, "saved" note.
// [state, submit(event)]; "action" gets the form.
function useFormSubmit(action) {
  const state = useSubmit();
  const submit = (e) => {
    e.preventDefault();
    return state.run(() => action(e.target));
  };
  return [state, submit];
}

function FormFoot({ state, label }) {
  return html`<${ErrorBox} error=${state.error} />
    <button type="submit" disabled=${state.busy}>${label ?? t('sup.save')}</button>
    ${state.done && html`<span class="note saved" role="status">${t('sup.saved')}</span>`}`;
}

function Tabs({ code, tab }) {
  return html`<nav class="tabs sup-tabs" aria-label=${t('sup.title')}>
    ${TABS.map(
      (k) => html`<${Link} key=${k} href=${`/supplies/${code}?tab=${k}`} aria-current=${tab === k ? 'page' : undefined}>
        ${t(`sup.tab.${k}`)}
      <//>`,
    )}
    <a href="/public/donations" target="_blank" rel="noopener" class="public-link">${t('sup.public')}</a>
  </nav>`;
}

function Options({ items, label, value }) {
  return items.map((x) => html`<option key=${x.id ?? x} value=${x.id ?? x} selected=${value === (x.id ?? x)}>${label(x)}</option>`);
}

// ---- stock ------------------------------------------------------------------------

// Per item what was received, allocated and is in stock in the region: each
// in its own units (a sum across items would add grams to masks).
function Summary({ code, refs }) {
  const { data } = useLoad(() => api.get(`/api/v1/supplies/summary?region=${code}`), [code]);
  if (!data) return null;
  const items = [...data.items].sort((a, b) => (a.item_name ?? '').localeCompare(b.item_name ?? '', 'zh-CN'));
  return html`<div class="sup-summary">
    <dl class="figures sup-figures">
      <div><dt>${t('sup.items_n')}</dt><dd data-figure="items">${num(items.length)}</dd></div>
      <div><dt>${t('sup.low')}</dt><dd data-figure="supply_low">${num(data.supply_low)}</dd></div>
    </dl>
    ${items.length > 0 && html`<table class="sup-by-item stack">
      <caption>${t('sup.by_item')}</caption>
      <thead><tr><th scope="col">${t('sup.item')}</th><th scope="col" class="num">${t('sup.received')}</th>
        <th scope="col" class="num">${t('sup.allocated')}</th><th scope="col" class="num">${t('sup.in_stock')}</th></tr></thead>
      <tbody>
        ${items.map((i) => {
          const item = itemOf(refs, i.item_id) ?? i;
          return html`<tr key=${i.item_id} data-item=${i.item_name}>
            <th scope="row">${i.item_name}</th>
            <td class="num received" data-label=${t('sup.received')}><${Qty} q=${i.received} item=${item} /></td>
            <td class="num allocated" data-label=${t('sup.allocated')}><${Qty} q=${i.allocated} item=${item} /></td>
            <td class="num in-stock" data-label=${t('sup.in_stock')}><${Qty} q=${i.in_stock} item=${item} /></td>
          </tr>`;
        })}
      </tbody>
    </table>`}
  </div>`;
}

function StockTable({ id, canWrite, onChange }) {
  const { data, error, reload } = useLoad(() => api.get(`/api/v1/warehouses/${id}`), [id]);
  const [edit, setEdit] = useState({});
  if (error) return html`<${ErrorBox} error=${error} onRetry=${reload} />`;
  if (!data) return html`<${Loading} />`;
  const setThreshold = async (itemId) => {
    await api.request('PUT', `/api/v1/warehouses/${id}/thresholds`, { item_id: itemId, threshold: Number(edit[itemId]) });
    reload();
    onChange();
  };
  if (data.items.length === 0) return html`<p class="empty">${t('sup.no_stock')}</p>`;
  return html`<table class="stock stack">
    <thead><tr><th scope="col">${t('sup.item')}</th><th scope="col" class="num">${t('sup.quantity')}</th>
      <th scope="col">${t('sup.unit')}</th><th scope="col" class="num">${t('sup.threshold')}</th></tr></thead>
    <tbody>
      ${data.items.map(
        (s) => html`<tr key=${s.item_id} class=${s.below ? 'below' : ''} data-item=${s.item_name}>
          <td class="item-name">${s.item_name} ${s.below && html`<span class="badge hot">${t('sup.below')}</span>`}</td>
          <td class="num quantity" data-quantity=${s.quantity} data-label=${t('sup.quantity')}><${Qty} q=${s.quantity} item=${s} /></td>
          <td class="unit" data-label=${t('sup.unit')}>${s.unit}${s.pack_size && s.pack_unit ? html` <small class="muted">${t('sup.pack_def', { pack: s.pack_unit, size: num(s.pack_size), unit: s.unit })}</small>` : ''}</td>
          <td class="num" data-label=${t('sup.threshold')}>
            ${canWrite
              ? html`<input class="threshold" inputmode="numeric" size="6" aria-label=${t('sup.threshold')} value=${edit[s.item_id] ?? s.threshold}
                  onInput=${(e) => setEdit({ ...edit, [s.item_id]: e.target.value })} />
                  <button type="button" class="secondary" onClick=${() => setThreshold(s.item_id)}>${t('sup.set_threshold')}</button>`
              : num(s.threshold)}
          </td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

// An item with its quantity, in base units or in packs; the labels name the
// chosen item's units ("数量(只)", "箱数").
function LinesInput({ items, prefix = '' }) {
  const [id, setId] = useState(items[0]?.id);
  const item = items.find((i) => i.id === id) ?? items[0];
  return html`<label>${t('sup.item')} <select name=${`${prefix}item_id`} required onChange=${(e) => setId(Number(e.target.value))}>
      <${Options} items=${items} label=${(i) => `${i.name}(${i.unit})`} value=${item?.id} />
    </select></label>
    <label>${t('sup.quantity_in', { unit: item?.unit ?? '' })} <input name=${`${prefix}quantity`} inputmode="numeric" /></label>
    ${item?.pack_unit
      ? html`<label>${t('sup.packs_of', { pack: item.pack_unit, size: num(item.pack_size), unit: item.unit })} <input name=${`${prefix}packs`} inputmode="numeric" /></label>`
      : html`<input type="hidden" name=${`${prefix}packs`} value="" />`}`;
}

function lineOf(f) {
  const line = { item_id: Number(f.item_id.value) };
  if (f.quantity.value) line.quantity = Number(f.quantity.value);
  if (f.packs.value) line.packs = Number(f.packs.value);
  return line;
}

function EntryForm({ warehouses, items, code, onDone }) {
  const [kind, setKind] = useState('allocate');
  const [key, nextKey] = useWriteKey();
  const [state, submit] = useFormSubmit(async (f) => {
    const body = { kind, warehouse_id: Number(f.warehouse_id.value), lines: [lineOf(f)], client_uuid: key };
    if (kind === 'transfer') body.to_warehouse_id = Number(f.to_warehouse_id.value);
    if (kind === 'allocate') {
      body.recipient_kind = f.recipient_kind.value;
      body.recipient_region = f.recipient_region.value;
      body.recipient_name = f.recipient_name.value;
    }
    if (kind === 'adjust') body.reason_code = f.reason_code.value;
    if (f.approver.value) body.approver = f.approver.value;
    if (f.note.value) body.note = f.note.value;
    await api.post('/api/v1/ledger', body);
    nextKey();
    onDone();
  });
  return html`<form class="card sup-form entry-form" onSubmit=${submit}>
    <h2>${t('sup.entry')}</h2>
    <label>${t('sup.kind')} <select name="kind" value=${kind} onChange=${(e) => setKind(e.target.value)}>
      <${Options} items=${['receive', 'allocate', 'transfer', 'consume', 'adjust']} label=${(k) => t(`sup.kind.${k}`)} value=${kind} />
    </select></label>
    <label>${t('sup.warehouse')} <select name="warehouse_id"><${Options} items=${warehouses} label=${(w) => w.name} /></select></label>
    ${kind === 'transfer' &&
    html`<label>${t('sup.to_warehouse')} <select name="to_warehouse_id"><${Options} items=${warehouses} label=${(w) => w.name} /></select></label>`}
    <${LinesInput} items=${items} />
    ${kind === 'allocate' &&
    html`<label>${t('sup.recipient_kind')} <select name="recipient_kind">
        <${Options} items=${RECIPIENTS} label=${(k) => t(`sup.recipient.${k}`)} />
      </select></label>
      <${RegionPicker} name="recipient_region" label=${t('sup.recipient_region')} value=${code} />
      <label>${t('sup.recipient_name')} <input name="recipient_name" /></label>`}
    ${kind === 'adjust' &&
    html`<label>${t('sup.reason')} <select name="reason_code"><${Options} items=${REASONS} label=${(k) => t(`sup.reason.${k}`)} /></select></label>`}
    <label>${t('sup.approver')} <input name="approver" /></label>
    <label>${t('sup.note')} <input name="note" /></label>
    <${FormFoot} state=${state} label=${t('sup.submit')} />
  </form>`;
}

function ItemForm({ onDone }) {
  const [state, submit] = useFormSubmit(async (f) => {
    const body = { name: f.name.value, category: f.category.value, unit: f.unit.value };
    if (f.pack_unit.value) body.pack_unit = f.pack_unit.value;
    if (f.pack_size.value) body.pack_size = Number(f.pack_size.value);
    await api.post('/api/v1/items', body);
    f.reset();
    onDone();
  });
  return html`<form class="card sup-form item-form" onSubmit=${submit}>
    <h2>${t('sup.new_item')}</h2>
    <label>${t('sup.name')} <input name="name" required /></label>
    <label>${t('sup.category')} <select name="category">
      <${Options} items=${CATEGORIES} label=${(c) => t(`sup.cat.${c}`)} />
    </select></label>
    <label>${t('sup.unit')} <input name="unit" required size="4" /></label>
    <label>${t('sup.pack_unit')} <input name="pack_unit" size="4" /></label>
    <label>${t('sup.pack_size')} <input name="pack_size" inputmode="numeric" size="6" /></label>
    <${FormFoot} state=${state} />
  </form>`;
}

function WarehouseForm({ onDone }) {
  const [state, submit] = useFormSubmit(async (f) => {
    await api.post('/api/v1/warehouses', { name: f.name.value, region_code: f.region_code.value });
    f.reset();
    onDone();
  });
  return html`<form class="card sup-form warehouse-form" onSubmit=${submit}>
    <h2>${t('sup.new_warehouse')}</h2>
    <label>${t('sup.name')} <input name="name" required /></label>
    <${RegionPicker} name="region_code" label=${t('sup.grid_code')} level="grid" required />
    <${FormFoot} state=${state} />
  </form>`;
}

function StockTab({ code, canWrite, refs, reloadRefs }) {
  const [selected, setSelected] = useState(null);
  const [tick, setTick] = useState(0);
  const { warehouses, items } = refs;
  const current = selected ?? warehouses[0]?.id;
  const changed = () => {
    setTick(tick + 1);
    reloadRefs();
  };
  return html`<${Summary} key=${`s${tick}`} code=${code} refs=${refs} />
    ${warehouses.length === 0
      ? html`<p class="empty">${t('sup.no_warehouses')}</p>`
      : html`<ul class="warehouses">
          ${warehouses.map(
            (w) => html`<li key=${w.id}>
              <button type="button" class=${`warehouse ${w.id === current ? '' : 'secondary'}`} aria-pressed=${w.id === current}
                onClick=${() => setSelected(w.id)}>
                <span class="wh-name">${w.name}</span>
                <small class="wh-place">${t('sup.located_in', { place: [w.village_name, w.region_name ?? w.region_code].filter(Boolean).join(' · ') })}</small>
                ${w.below_threshold > 0 && html`<span class="badge hot">${t('sup.low')} ${w.below_threshold}</span>`}
              </button>
            </li>`,
          )}
        </ul>
        <${StockTable} key=${`${current}:${tick}`} id=${current} canWrite=${canWrite} onChange=${changed} />`}
    ${canWrite &&
    html`<div class="sup-columns">
      ${warehouses.length > 0 && items.length > 0 && html`<${EntryForm} warehouses=${warehouses} items=${items} code=${code} onDone=${changed} />`}
      <${ItemForm} onDone=${reloadRefs} />
      <${WarehouseForm} onDone=${reloadRefs} />
    </div>`}`;
}

// ---- donations ----------------------------------------------------------------------

function Went({ line, item }) {
  return line.went.map(
    (w) => html`<div key=${`${w.op_id}${w.kind}`} class="went">
      ${w.date} ${w.recipient_name ?? t(`sup.kind.${w.kind}`)} <${Qty} q=${w.quantity} item=${item ?? line} />
    </div>`,
  );
}

function DonorForm({ onDone }) {
  const [state, submit] = useFormSubmit(async (f) => {
    const body = { name: f.name.value, kind: f.kind.value };
    if (f.contact_name.value) body.contact_name = f.contact_name.value;
    if (f.contact_phone.value) body.contact_phone = f.contact_phone.value;
    await api.post('/api/v1/donors', body);
    f.reset();
    onDone();
  });
  return html`<form class="card sup-form donor-form" onSubmit=${submit}>
    <h2>${t('sup.new_donor')}</h2>
    <label>${t('sup.name')} <input name="name" required /></label>
    <label>${t('sup.donor_kind')} <select name="kind"><${Options} items=${DONOR_KINDS} label=${(k) => t(`sup.donor.${k}`)} /></select></label>
    <label>${t('sup.contact_name')} <input name="contact_name" /></label>
    <label>${t('sup.contact_phone')} <input name="contact_phone" inputmode="tel" /></label>
    <${FormFoot} state=${state} />
  </form>`;
}

function DonationForm({ refs, onDone }) {
  const [key, nextKey] = useWriteKey();
  const [state, submit] = useFormSubmit(async (f) => {
    const body = { donor_id: Number(f.donor_id.value), receipt_no: f.receipt_no.value, receiving_unit: f.receiving_unit.value, client_uuid: key };
    if (f.donated_on.value) body.donated_on = f.donated_on.value;
    if (f.quantity.value || f.packs.value) {
      body.lines = [lineOf(f)];
      body.warehouse_id = Number(f.warehouse_id.value);
    }
    if (f.money.value) {
      const fen = yuanToFen(f.money.value);
      if (fen === null) throw new Error(t('sup.bad_amount'));
      body.money_fen = fen;
      body.account_id = Number(f.account_id.value);
    }
    await api.post('/api/v1/donations', body);
    nextKey();
    f.reset();
    onDone();
  });
  return html`<form class="card sup-form donation-form" onSubmit=${submit}>
    <h2>${t('sup.new_donation')}</h2>
    <label>${t('sup.donor')} <select name="donor_id"><${Options} items=${refs.donors} label=${(d) => d.name} /></select></label>
    <label>${t('sup.receipt_no')} <input name="receipt_no" required /></label>
    <label>${t('sup.date')} <input name="donated_on" type="date" /></label>
    <label>${t('sup.receiving_unit')} <input name="receiving_unit" required /></label>
    <label>${t('sup.warehouse')} <select name="warehouse_id"><${Options} items=${refs.warehouses} label=${(w) => w.name} /></select></label>
    <${LinesInput} items=${refs.items} />
    <label>${t('sup.money')} <input name="money" inputmode="decimal" placeholder="1234.56" /></label>
    <label>${t('sup.account')} <select name="account_id"><${Options} items=${refs.accounts} label=${(a) => a.name} /></select></label>
    <${FormFoot} state=${state} label=${t('sup.submit')} />
  </form>`;
}

// Subtotals per donor kind (企业, 两新组织, …) of the region's donations; a row filters the list.
function DonorKinds({ code, kind, setKind, tick, refs }) {
  const { data } = useLoad(() => api.get(`/api/v1/supplies/summary?region=${code}`), [code, tick]);
  if (!data) return null;
  return html`<table class="donor-kinds">
    <caption>${t('sup.by_donor_kind')}${kind && html` · <a href="#" class="all-kinds" onClick=${(e) => { e.preventDefault(); setKind(''); }}>${t('sup.all_kinds')}</a>`}</caption>
    <thead><tr><th scope="col">${t('sup.donor_kind')}</th><th scope="col" class="num">${t('sup.donation_count')}</th>
      <th scope="col" class="num">${t('sup.money')}</th><th scope="col">${t('sup.goods')}</th></tr></thead>
    <tbody>
      ${data.by_donor_kind.map(
        (k) => html`<tr key=${k.donor_kind} data-kind=${k.donor_kind} class=${k.donor_kind === kind ? 'selected' : ''}>
          <td><a href="#" onClick=${(e) => { e.preventDefault(); setKind(k.donor_kind); }}>${t(`sup.donor.${k.donor_kind}`)}</a></td>
          <td class="num">${num(k.donations)}</td>
          <td class="num money">${money(k.money_fen)}</td>
          <td>${k.goods.map((g) => html`<span key=${g.item_id} class="good">${g.item_name} <${Qty} q=${g.quantity} item=${itemOf(refs, g.item_id) ?? g} /> </span>`)}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function DonationsTab({ code, canWrite, refs, reloadRefs }) {
  const [kind, setKind] = useState('');
  const [tick, setTick] = useState(0);
  const { data, error, reload } = useLoad(
    () => api.get(`/api/v1/donations?region=${code}&limit=100${kind ? `&donor_kind=${kind}` : ''}`),
    [code, kind, tick],
  );
  if (error) return html`<${ErrorBox} error=${error} onRetry=${reload} />`;
  if (!data) return html`<${Loading} />`;
  return html`<${DonorKinds} code=${code} kind=${kind} setKind=${setKind} tick=${tick} refs=${refs} />
    ${data.items.length === 0
      ? html`<p class="empty">${t('sup.no_donations')}</p>`
      : html`<table class="donations">
          <thead><tr><th scope="col">${t('sup.receipt_no')}</th><th scope="col">${t('sup.date')}</th>
            <th scope="col">${t('sup.donor')}</th><th scope="col">${t('sup.goods')}</th>
            <th scope="col" class="num">${t('sup.money')}</th><th scope="col">${t('sup.went')}</th><th></th></tr></thead>
          <tbody>
            ${data.items.map(
              (d) => html`<tr key=${d.id} data-receipt=${d.receipt_no}>
                <td class="mono">${d.receipt_no}</td>
                <td>${d.donated_on}</td>
                <td>${d.donor_kind === 'anonymous' ? t('sup.donor.anonymous') : d.donor_name}
                  ${d.contact_phone && html`<small class="muted phone"> ${d.contact_phone}</small>`}</td>
                <td>${d.lines.map((l) => html`<div key=${l.item_id}>${l.item_name} <${Qty} q=${l.quantity} item=${itemOf(refs, l.item_id) ?? l} /></div>`)}</td>
                <td class="num money">${d.money_fen ? money(d.money_fen) : ''}</td>
                <td>${d.lines.map((l) => html`<${Went} key=${l.item_id} line=${l} item=${itemOf(refs, l.item_id)} />`)}</td>
                <td><a class="certificate" href=${`/api/v1/donations/${d.id}/certificate`} target="_blank" rel="noopener">${t('sup.certificate')}</a></td>
              </tr>`,
            )}
          </tbody>
        </table>`}
    ${canWrite &&
    html`<div class="sup-columns">
      ${refs.donors.length > 0 && html`<${DonationForm} refs=${refs} onDone=${() => { setTick((n) => n + 1); reloadRefs(); }} />`}
      <${DonorForm} onDone=${reloadRefs} />
    </div>`}`;
}

// ---- ledger ------------------------------------------------------------------------------

// Where the units of one ledger entry came from (the lots it drew from,
// with their donation) or which lots it created.
function EntryTrace({ opId, entryId, item }) {
  const { data, error } = useLoad(() => api.get(`/api/v1/ledger/${opId}`), [opId]);
  if (error) return html`<${ErrorBox} error=${error} />`;
  if (!data) return html`<${Loading} />`;
  const entry = data.entries.find((x) => x.id === entryId);
  if (!entry) return null;
  const from = entry.drawn_from.map(
    (d) => html`<li key=${`d${d.lot_id}`}>${d.receipt_no ? `${d.receipt_no} ${d.donor}` : t('sup.lot_purchase')} · <${Qty} q=${d.quantity} item=${item ?? entry} /></li>`,
  );
  const lots = entry.lots.map(
    (l) => html`<li key=${`l${l.lot_id}`}>${t('sup.lot')} ${l.lot_id} · <${Qty} q=${l.quantity} item=${item ?? entry} /> (${t('sup.in_stock')} <${Qty} q=${l.remaining} item=${item ?? entry} />)</li>`,
  );
  return html`<div class="trace"><strong>${t('sup.trace')}</strong><ul>${from}${lots}</ul></div>`;
}

// The ledger, newest first.  冲销 is offered once per operation, on its first
// row, and only where the server would take it ("reversible": not a reversal,
// not reversed, not a donation, every unit an inflow brought still in its
// lots); a reversed operation says by which.
function LedgerTab({ code, canWrite, refs }) {
  const [cursor, setCursor] = useState(null);
  const { data, error, reload } = useLoad(
    () => api.get(api.withQuery('/api/v1/ledger', { region: code, limit: 100, cursor })),
    [code, cursor],
  );
  const [opError, setOpError] = useState(null);
  const [open, setOpen] = useState(null); // entry id whose trace is shown
  if (error) return html`<${ErrorBox} error=${error} onRetry=${reload} />`;
  if (!data) return html`<${Loading} />`;
  const reverse = async (opId) => {
    const approver = prompt(t('sup.reverse_prompt'));
    if (!approver) return;
    setOpError(null);
    try {
      await api.post(`/api/v1/ledger/${opId}/reverse`, { approver });
      reload();
    } catch (e) {
      setOpError(e);
    }
  };
  return html`<p><a class="xlsx" href=${`/api/v1/ledger.xlsx?region=${code}`} download>${t('sup.xlsx')}</a></p>
    <${ErrorBox} error=${opError} />
    ${data.items.length === 0
      ? html`<p class="empty">${t('sup.no_ledger')}</p>`
      : html`<table class="ledger">
          <thead><tr><th scope="col">${t('sup.date')}</th><th scope="col">${t('sup.op')}</th><th scope="col">${t('sup.warehouse')}</th>
            <th scope="col">${t('sup.item')}</th><th scope="col" class="num">${t('sup.delta')}</th><th scope="col" class="num">${t('sup.balance')}</th>
            <th scope="col">${t('sup.went')}</th><th scope="col">${t('sup.approver')}</th><th></th></tr></thead>
          <tbody>
            ${data.items.map(
              (e, i) => html`<tr key=${e.id} data-op=${e.op_id} class=${e.op_kind === 'reversal' ? 'reversal' : ''}>
                <td>${e.op_date}</td>
                <td><button type="button" class="linklike trace-toggle" aria-expanded=${open === e.id}
                  onClick=${() => setOpen(open === e.id ? null : e.id)}>#${e.op_id}</button>
                  ${' '}${e.source === 'donation' ? t('sup.kind.donation_in') : t(`sup.kind.${e.op_kind}`)}${e.reverses_op_id ? ` ← #${e.reverses_op_id}` : ''}</td>
                <td>${e.warehouse_name}</td>
                <td>${e.item_name}</td>
                <td class="num delta"><${Qty} q=${e.delta} item=${itemOf(refs, e.item_id) ?? e} signed /></td>
                <td class="num"><${Qty} q=${e.balance_after} item=${itemOf(refs, e.item_id) ?? e} /></td>
                <td>${e.recipient_name ?? (e.reason_code ? t(`sup.reason.${e.reason_code}`) : '')}</td>
                <td>${e.approver ?? ''}</td>
                <td>${e.reversed_by_op_id
                  ? html`<small class="muted reversed">${t('sup.reversed_by', { op: e.reversed_by_op_id })}</small>`
                  : canWrite && e.reversible && data.items.findIndex((x) => x.op_id === e.op_id) === i &&
                    html`<button type="button" class="secondary reverse" onClick=${() => reverse(e.op_id)}>${t('sup.reverse')}</button>`}</td>
              </tr>
              ${open === e.id && html`<tr key=${`t${e.id}`} class="trace-row"><td colspan="9"><${EntryTrace} opId=${e.op_id} entryId=${e.id} item=${itemOf(refs, e.item_id)} /></td></tr>`}`,
            )}
          </tbody>
        </table>`}
    ${data.next_cursor && html`<p class="more"><button type="button" class="secondary" onClick=${() => setCursor(data.next_cursor)}>›</button></p>`}`;
}

// ---- requests ------------------------------------------------------------------------------

function FulfilForm({ request, warehouses, onDone }) {
  const [state, submit] = useFormSubmit(async (f) => {
    const lines = request.lines
      .map((l) => ({ item_id: l.item_id, quantity: int(f[`q${l.item_id}`].value) }))
      .filter((l) => l.quantity);
    await api.post(`/api/v1/supply-requests/${request.id}/fulfil`, { warehouse_id: Number(f.warehouse_id.value), lines });
    onDone();
  });
  return html`<form class="sup-form fulfil-form" onSubmit=${submit}>
    <label>${t('sup.warehouse')} <select name="warehouse_id"><${Options} items=${warehouses} label=${(w) => w.name} /></select></label>
    ${request.lines.map(
      (l) => html`<label key=${l.item_id}>${l.item_name}(${l.unit}) <input name=${`q${l.item_id}`} inputmode="numeric" size="6"
        value=${l.quantity - l.fulfilled || ''} /></label>`,
    )}
    <${FormFoot} state=${state} label=${t('sup.fulfil')} />
  </form>`;
}

function RequestForm({ code, items, onDone }) {
  const [state, submit] = useFormSubmit(async (f) => {
    const body = { requester_kind: f.requester_kind.value, region_code: f.region_code.value, requester_name: f.requester_name.value, lines: [lineOf(f)] };
    if (f.needed_by.value) body.needed_by = f.needed_by.value;
    await api.post('/api/v1/supply-requests', body);
    onDone();
  });
  return html`<form class="card sup-form request-form" onSubmit=${submit}>
    <h2>${t('sup.new_request')}</h2>
    <label>${t('sup.requester_kind')} <select name="requester_kind"><${Options} items=${RECIPIENTS} label=${(k) => t(`sup.recipient.${k}`)} /></select></label>
    <${RegionPicker} name="region_code" label=${t('sup.region_code')} value=${code} />
    <label>${t('sup.requester')} <input name="requester_name" required /></label>
    <label>${t('sup.needed_by')} <input name="needed_by" type="date" /></label>
    <${LinesInput} items=${items} />
    <${FormFoot} state=${state} label=${t('sup.submit')} />
  </form>`;
}

function RequestsTab({ code, session, refs }) {
  const [onlyOpen, setOnlyOpen] = useState(true);
  const { data, error, reload } = useLoad(
    () => api.get(api.withQuery('/api/v1/supply-requests', { region: code, status: onlyOpen ? 'open' : '' })),
    [code, onlyOpen],
  );
  const can = (p) => session.permissions.includes(p);
  if (error) return html`<${ErrorBox} error=${error} onRetry=${reload} />`;
  if (!data) return html`<${Loading} />`;
  return html`<label class="check"><input type="checkbox" checked=${onlyOpen} onChange=${(e) => setOnlyOpen(e.target.checked)} /> ${t('sup.only_open')}</label>
    ${data.items.length === 0
      ? html`<p class="empty">${t('sup.no_requests')}</p>`
      : html`<ul class="cards requests">
          ${data.items.map(
            (r) => html`<li key=${r.id} class="card request" data-request=${r.id}>
              <h3>${r.requester_name} <span class="badge status">${t(`sup.status.${r.status}`)}</span></h3>
              <p class="muted">${t(`sup.recipient.${r.requester_kind}`)} · ${r.region_name || r.region_code}${r.needed_by ? ` · ${t('sup.needed_by')} ${r.needed_by}` : ''}</p>
              <table><tbody>
                ${r.lines.map((l) => html`<tr key=${l.item_id}><td>${l.item_name}</td>
                  <td class="num"><${Qty} q=${l.fulfilled} item=${itemOf(refs, l.item_id) ?? l} /> / <${Qty} q=${l.quantity} item=${itemOf(refs, l.item_id) ?? l} /></td></tr>`)}
              </tbody></table>
              ${can('supply_write') && r.status !== 'fulfilled' && refs.warehouses.length > 0 &&
              html`<${FulfilForm} request=${r} warehouses=${refs.warehouses} onDone=${reload} />`}
            </li>`,
          )}
        </ul>`}
    ${can('supply_request') && refs.items.length > 0 && html`<${RequestForm} code=${code} items=${refs.items} onDone=${reload} />`}`;
}

// ---- funds ----------------------------------------------------------------------------------

// An account's entries.  冲销 only where it may apply: not a donation, not a
// reversal, not reversed, and an income only while the balance still holds it.
// "onChange" after a reversal: the page reloads what follows from it (the
// balances, the allocations per county, this table).
function EntriesTable({ id, balance, canWrite, onChange }) {
  const { data, error, reload } = useLoad(() => api.get(`/api/v1/fund-accounts/${id}/entries?limit=100`), [id]);
  const [opError, setOpError] = useState(null);
  const reverse = async (entryId) => {
    const approver = prompt(t('sup.reverse_prompt'));
    if (!approver) return;
    setOpError(null);
    try {
      await api.post(`/api/v1/fund-entries/${entryId}/reverse`, { approver });
      onChange();
    } catch (e) {
      setOpError(e);
    }
  };
  if (error) return html`<${ErrorBox} error=${error} onRetry=${reload} />`;
  if (!data) return html`<${Loading} />`;
  if (data.items.length === 0) return html`<p class="empty">${t('sup.no_entries')}</p>`;
  return html`<${ErrorBox} error=${opError} /><table class="fund-entries">
    <thead><tr><th scope="col">${t('sup.date')}</th><th scope="col">${t('sup.direction')}</th><th scope="col" class="num">${t('sup.amount')}</th>
      <th scope="col" class="num">${t('sup.balance')}</th><th scope="col">${t('sup.purpose')}</th><th scope="col">${t('sup.approver')}</th><th></th></tr></thead>
    <tbody>
      ${data.items.map(
        (e) => html`<tr key=${e.id}>
          <td>${e.entry_date}</td><td>${t(`sup.direction.${e.direction}`)}</td>
          <td class="num money">${e.direction === 'out' ? '-' : ''}${money(e.amount_fen)}</td>
          <td class="num">${money(e.balance_after)}</td><td>${e.purpose}${e.recipient_region ? html` <small class="muted recipient">→ ${e.recipient_region}</small>` : ''}</td><td>${e.approver}</td>
          <td>${e.reversed_by_id ? t('sup.reversed') : canWrite && !e.donation_id && !e.reverses_id &&
            (e.direction === 'out' || balance >= e.amount_fen) &&
            html`<button type="button" class="secondary reverse" onClick=${() => reverse(e.id)}>${t('sup.reverse')}</button>`}</td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

// Money allocated to the regions here (payments naming a recipient region), per county.
function Allocations({ code, tick }) {
  const { data } = useLoad(() => api.get(`/api/v1/fund-allocations?region=${code}`), [code, tick]);
  if (!data || data.items.length === 0) return null;
  return html`<table class="allocations">
    <caption>${t('sup.allocations')}</caption>
    <thead><tr><th scope="col">${t('sup.county')}</th><th scope="col" class="num">${t('sup.alloc_entries')}</th>
      <th scope="col" class="num">${t('sup.allocated_money')}</th></tr></thead>
    <tbody>
      ${data.items.map(
        (c) => html`<tr key=${c.code} data-code=${c.code}><td>${c.name}</td><td class="num">${num(c.entries)}</td>
          <td class="num money">${money(c.allocated_fen)}</td></tr>`,
      )}
    </tbody>
    <tfoot><tr><th scope="row">${t('sup.total')}</th><td></td><td class="num money total">${money(data.total_fen)}</td></tr></tfoot>
  </table>`;
}

function FundsTab({ code, session, refs, reloadRefs }) {
  const [selected, setSelected] = useState(null);
  const [tick, setTick] = useState(0);
  const canWrite = session.permissions.includes('fund_write');
  const current = selected ?? refs.accounts[0]?.id;
  // After an entry or a reversal: the balances, the entries and the allocations per county.
  const changed = () => {
    setTick((n) => n + 1);
    reloadRefs();
  };
  const [state, submit] = useFormSubmit(async (f) => {
    const fen = yuanToFen(f.amount.value);
    if (fen === null) throw new Error(t('sup.bad_amount'));
    const body = {
      account_id: Number(f.account_id.value), direction: f.direction.value, amount_fen: fen,
      purpose: f.purpose.value, approver: f.approver.value,
    };
    if (f.recipient_region.value.trim()) body.recipient_region = f.recipient_region.value.trim();
    await api.post('/api/v1/fund-entries', body);
    f.reset();
    changed();
  });
  const [accState, addAccount] = useFormSubmit(async (f) => {
    await api.post('/api/v1/fund-accounts', { name: f.name.value, kind: f.kind.value, region_code: f.region_code.value });
    f.reset();
    reloadRefs();
  });
  return html`<table class="accounts">
      <thead><tr><th scope="col">${t('sup.accounts')}</th><th scope="col">${t('sup.category')}</th><th scope="col" class="num">${t('sup.fund_balance')}</th></tr></thead>
      <tbody>
        ${refs.accounts.map(
          (a) => html`<tr key=${a.id} class=${a.id === current ? 'selected' : ''}>
            <td><button type="button" class="linklike" translate=${false} onClick=${() => setSelected(a.id)}>${a.name}</button></td>
            <td>${t(`sup.account_kind.${a.kind}`)}</td><td class="num money balance">${money(a.balance_fen)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    ${current && html`<${EntriesTable} key=${`${current}:${tick}`} id=${current} canWrite=${canWrite} onChange=${changed}
      balance=${refs.accounts.find((a) => a.id === current)?.balance_fen ?? 0} />`}
    <${Allocations} code=${code} tick=${tick} />
    ${canWrite &&
    html`<div class="sup-columns">
      ${refs.accounts.length > 0 &&
      html`<form class="card sup-form fund-entry-form" onSubmit=${submit}>
        <h2>${t('sup.new_entry')}</h2>
        <label>${t('sup.account')} <select name="account_id"><${Options} items=${refs.accounts} label=${(a) => a.name} value=${current} /></select></label>
        <label>${t('sup.direction')} <select name="direction"><${Options} items=${['in', 'out']} label=${(d) => t(`sup.direction.${d}`)} /></select></label>
        <label>${t('sup.amount')} <input name="amount" inputmode="decimal" required placeholder="1234.56" /></label>
        <label>${t('sup.purpose')} <input name="purpose" required /></label>
        <label>${t('sup.approver')} <input name="approver" required /></label>
        <${RegionPicker} name="recipient_region" label=${t('sup.recipient_region')} placeholder=${t('sup.recipient_region_hint')} />
        <${FormFoot} state=${state} label=${t('sup.submit')} />
      </form>`}
      <form class="card sup-form account-form" onSubmit=${addAccount}>
        <h2>${t('sup.new_account')}</h2>
        <label>${t('sup.name')} <input name="name" required /></label>
        <label>${t('sup.category')} <select name="kind"><${Options} items=${ACCOUNT_KINDS} label=${(k) => t(`sup.account_kind.${k}`)} /></select></label>
        <${RegionPicker} name="region_code" label=${t('sup.region_code')} value=${code} />
        <${FormFoot} state=${accState} />
      </form>
    </div>`}`;
}

// ---- the page -------------------------------------------------------------------------------

export function SuppliesPage({ code, query, session }) {
  const tab = TABS.includes(query.get('tab')) ? query.get('tab') : 'stock';
  const can = (p) => session.permissions.includes(p);
  const refsLoad = useLoad(async () => {
    const [warehouses, items, accounts, donors] = await Promise.all([
      api.get(`/api/v1/warehouses?region=${code}`),
      api.get('/api/v1/items'),
      api.get(`/api/v1/fund-accounts?region=${code}`),
      can('supply_read') ? api.get(`/api/v1/donors?region=${code}&limit=500`) : { items: [] },
    ]);
    return { warehouses: warehouses.items, items: items.items, accounts: accounts.items, donors: donors.items };
  }, [code]);
  let body;
  if (refsLoad.error) body = html`<${ErrorBox} error=${refsLoad.error} onRetry=${refsLoad.reload} />`;
  else if (!refsLoad.data) body = html`<${Loading} />`;
  else {
    const props = { code, session, refs: refsLoad.data, reloadRefs: refsLoad.reload, canWrite: can('supply_write') };
    if (tab === 'stock') body = html`<${StockTab} ...${props} />`;
    else if (tab === 'donations') body = html`<${DonationsTab} ...${props} />`;
    else if (tab === 'ledger') body = html`<${LedgerTab} ...${props} />`;
    else if (tab === 'requests') body = html`<${RequestsTab} ...${props} />`;
    else body = html`<${FundsTab} ...${props} />`;
  }
  return html`<section class="page supplies">
    <h1>${t('sup.title')}</h1>
    <${Tabs} code=${code} tab=${tab} />
    ${body}
  </section>`;
}
