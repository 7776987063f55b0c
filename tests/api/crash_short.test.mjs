// crash_short.test.mjs -- the crash test of tests/reliability/crash.mjs in
// its short form for `make check`: 3 cycles of concurrent acknowledged writes,
// kill -9 at a random moment, then integrity ok, every counter equal to its
// oracle, every acknowledged write present.  `make check-reliability` runs 20.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BIN } from './lib.mjs';
import { crashCycles } from '../reliability/crash.mjs';

test('3 kill -9 cycles lose no acknowledged write and leave the database consistent', async () => {
  const s = await crashCycles({ cycles: 3, bin: BIN, log: (line) => console.log(`# ${line}`) });
  assert.equal(s.cycles, 3);
  assert.equal(s.lost, 0);
  assert.ok(s.acked > 0, 'writes were acknowledged');
});
