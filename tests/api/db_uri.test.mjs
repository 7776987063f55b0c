// db_uri.test.mjs -- a PostgreSQL URI that leads nowhere (--db or EPIGRID_DB):
// every command says clearly that it cannot connect, in Chinese and English,
// exits 1, never prints the URI's password, and the server does not start.
// Needs no PostgreSQL server (a closed loopback port), so it runs everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { epigrid } from './lib.mjs';

const URI = 'postgresql://epigrid:s3cret-pw@127.0.0.1:1/city?connect_timeout=2';

test('an unreachable PostgreSQL URI: a clear error in both languages, exit 1, no password shown', () => {
  for (const args of [['init', '--db', URI, '--city', '4311', '--city-name', '永州市', '--city-only'],
    ['serve', '--db', URI, '--listen', '127.0.0.1:0'], ['stats', '--region', '4311', '--db', URI], ['check', '--db', URI]]) {
    const zh = epigrid(args);
    assert.equal(zh.status, 1, `${args[0]}: ${zh.stderr}`);
    assert.match(zh.stderr, /无法连接数据库/, args[0]);
    assert.doesNotMatch(zh.stdout + zh.stderr, /s3cret-pw/, `${args[0]} printed the password`);
    const en = epigrid(args, { env: { EPIGRID_LANG: 'en', LANG: 'en_US.UTF-8' } });
    assert.equal(en.status, 1);
    assert.match(en.stderr, /cannot connect to the database/, args[0]);
    assert.doesNotMatch(en.stdout + en.stderr, /s3cret-pw/);
  }
  const viaEnv = epigrid(['stats', '--region', '4311'], { env: { EPIGRID_DB: URI } });
  assert.equal(viaEnv.status, 1, viaEnv.stderr);
  assert.match(viaEnv.stderr, /无法连接数据库/);
});
