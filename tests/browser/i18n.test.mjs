// i18n.test.mjs -- the string tables of the pages, checked without a browser:
// both languages have the same keys, none empty; every key the pages use
// exists; no page hard-codes Chinese text outside the tables; every role,
// level and permission-guarded name the server can send has a translation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, epigrid } from '../api/lib.mjs';

const SRC = path.join(ROOT, 'web/src');
const { messages, t, setLang, LANGS } = await import(path.join(SRC, 'i18n.js'));

function sources(dir = SRC) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.js') ? [path.join(dir, e.name)] : [],
  );
}
// Source text without comments (a line comment starts with // after a space or at the line start).
const code = (f) => readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');

test('zh-CN and en have the same keys, none empty', () => {
  const zh = Object.keys(messages['zh-CN']).sort();
  const en = Object.keys(messages.en).sort();
  assert.deepEqual(en, zh);
  for (const l of LANGS)
    for (const [k, v] of Object.entries(messages[l])) assert.ok(v.trim().length > 0, `${l} ${k} is empty`);
});

test('every literal key the pages use exists', () => {
  const used = new Set();
  for (const f of sources())
    for (const m of code(f).matchAll(/\bt\('([\w.]+)'/g)) used.add(m[1]);
  assert.ok(used.size > 40, `only ${used.size} keys found: is the scan broken?`);
  for (const k of used) assert.ok(k in messages['zh-CN'], `missing key ${k}`);
});

test('no Chinese text in the pages outside the string tables', () => {
  for (const f of sources()) {
    if (f.endsWith('i18n.js')) continue;
    const hits = code(f).match(/[\u3400-\u9fff\uff00-\uffef]+/g);
    // LANG_NAMES lives in i18n.js; a page must not name languages itself
    assert.equal(hits, null, `${path.relative(ROOT, f)}: ${hits}`);
  }
});

test('every role the server knows is translated in both languages', () => {
  const r = epigrid(['user', 'add', '--help']);
  const roles = (r.stdout + r.stderr).match(/ROLE: (.*)/)[1].trim().split(/\s+/);
  assert.ok(roles.length >= 8, roles.join(' '));
  for (const l of LANGS)
    for (const role of roles) assert.ok(messages[l][`role.${role}`], `${l}: role.${role}`);
  for (const l of LANGS)
    for (const level of ['city', 'county', 'township', 'village', 'grid']) assert.ok(messages[l][`level.${level}`]);
});

test('t() fills parameters and follows the chosen language', () => {
  setLang('en');
  assert.equal(t('persons.count', { n: 3 }), '3 shown');
  setLang('zh-CN');
  assert.equal(t('persons.count', { n: 3 }), '已显示 3 人');
  setLang('fr'); // unknown: ignored
  assert.equal(t('nav.regions'), '地区');
  assert.equal(t('no.such.key'), 'no.such.key');
});
