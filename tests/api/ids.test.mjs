// ids.test.mjs -- ids in paths and queries are parsed one way everywhere
// (http_path_id, http_query_id, http_cursor_id): a path id that is not a
// positive integer is 404 naming the object (zh-CN, or en on request); a
// query id or a numeric cursor that is not one is 400 with that field; and
// a write to a bad path id writes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError } from './lib.mjs';

let srv, admin;

before(async () => {
  srv = await startServer();
  admin = await srv.as('admin');
});
after(async () => { await srv.stop(); });

// [path, status, field (400) or the zh-CN message (404)]
const reads = [
  ['/api/v1/alerts/abc', 404, '预警 abc 不存在'],
  ['/api/v1/alerts?person=x', 400, 'person'],
  ['/api/v1/alerts?cursor=x', 400, 'cursor'],
  ['/api/v1/audit?cursor=-3', 400, 'cursor'],
  ['/api/v1/cases/0', 404, '病例 0 不存在'],
  ['/api/v1/cases?site=-1', 400, 'site'],
  ['/api/v1/cases?person=1.5', 400, 'person'],
  ['/api/v1/sites/x1', 404, '场所 x1 不存在'],
  ['/api/v1/contacts/abc', 404, '密切接触者记录 abc 不存在'],
  ['/api/v1/contacts?case=x', 400, 'case'],
  ['/api/v1/contacts?source_contact=0', 400, 'source_contact'],
  ['/api/v1/contacts?cursor=1a', 400, 'cursor'],
  ['/api/v1/directives/abc', 404, '通知 abc 不存在'],
  ['/api/v1/directives?cursor=0', 400, 'cursor'],
  ['/api/v1/inspections?cursor=x', 400, 'cursor'],
  ['/api/v1/shifts/abc', 404, '班次 abc 不存在'],
  ['/api/v1/checkpoints/12x', 404, '卡口 12x 不存在'],
  ['/api/v1/checkpoints?cursor=x', 400, 'cursor'],
  ['/api/v1/places?cursor=x', 400, 'cursor'],
  ['/api/v1/households/abc', 404, '住户 abc 不存在'],
  ['/api/v1/observations/abc', 404, '观察记录 abc 不存在'],
  ['/api/v1/observations?person=x', 400, 'person'],
  ['/api/v1/orgs/abc', 404, '党组织 abc 不存在'],
  ['/api/v1/orgs?cursor=x', 400, 'cursor'],
  ['/api/v1/teams/abc', 404, '队伍 abc 不存在'],
  ['/api/v1/teams?org=x', 400, 'org'],
  ['/api/v1/applications/abc', 404, '请命书 abc 不存在'],
  ['/api/v1/applications?org=x', 400, 'org'],
  ['/api/v1/org-activities/abc', 404, '组织活动 abc 不存在'],
  ['/api/v1/org-activities?org=1x', 400, 'org'],
  ['/api/v1/leader-links?cursor=x', 400, 'cursor'],
  ['/api/v1/persons/abc', 404, '人员 abc 不存在'],
  ['/api/v1/persons?household_id=x', 400, 'household_id'],
  ['/api/v1/rounds/abc', 404, '排查轮次 abc 不存在'],
  ['/api/v1/rounds?cursor=x', 400, 'cursor'],
  ['/api/v1/visits/abc', 404, '入户排查记录 abc 不存在'],
  ['/api/v1/visits?round=x', 400, 'round'],
  ['/api/v1/warehouses/abc', 404, '仓库 abc 不存在'],
  ['/api/v1/donations/abc', 404, '捐赠 abc 不存在'],
  ['/api/v1/donations?cursor=x', 400, 'cursor'],
  ['/api/v1/donors?cursor=x', 400, 'cursor'],
  ['/api/v1/ledger/abc', 404, '台账记录 abc 不存在'],
  ['/api/v1/ledger?warehouse_id=x', 400, 'warehouse_id'],
  ['/api/v1/ledger?item_id=0', 400, 'item_id'],
  ['/api/v1/supply-requests/abc', 404, '需求 abc 不存在'],
  ['/api/v1/supply-requests?cursor=x', 400, 'cursor'],
  ['/api/v1/fund-accounts/abc/entries', 404, '资金账户 abc 不存在'],
];

test('bad ids in paths are 404 naming the object; in queries and cursors 400 naming the field', async () => {
  for (const [path, status, expect] of reads) {
    const r = await admin.get(path);
    if (status === 404) {
      assertError(assert, r, 404, 'not_found');
      assert.equal(r.body.error.message, expect, path);
    } else {
      assertError(assert, r, 400, 'invalid_input', [expect]);
    }
  }
  // English on request: the object first, then the id.
  const en = await admin.withLang('en').get('/api/v1/cases/abc');
  assert.equal(en.body.error.message, 'case abc not found');
  const field = await admin.withLang('en').get('/api/v1/alerts?person=x');
  assert.match(field.body.error.fields[0].message, /positive integer/);
});

test('writes to a bad path id are 404 and write nothing', async () => {
  const writes = [
    ['post', '/api/v1/observations/abc/release', {}, '观察记录 abc 不存在'],
    ['post', '/api/v1/alerts/0/acknowledge', {}, '预警 0 不存在'],
    ['patch', '/api/v1/risk-areas/abc', { to_date: '2020-02-01' }, '风险地区 abc 不存在'],
    ['del', '/api/v1/orgs/1/members/abc', undefined, '人员 abc 不存在'],
    ['del', '/api/v1/orgs/x/members/1', undefined, '党组织 x 不存在'],
    ['post', '/api/v1/ledger/abc/reverse', { reason: 'x' }, '台账记录 abc 不存在'],
    ['post', '/api/v1/fund-entries/abc/reverse', { reason: 'x' }, '资金记录 abc 不存在'],
    ['post', '/api/v1/shifts/abc/checkin', {}, '班次 abc 不存在'],
    ['post', '/api/v1/broadcasts/abc/ack', {}, '广播 abc 不存在'],
  ];
  const snap = srv.snapshot();
  for (const [method, path, body, message] of writes) {
    const r = await admin[method](path, body);
    assertError(assert, r, 404, 'not_found');
    assert.equal(r.body.error.message, message, path);
  }
  assert.equal(srv.snapshot(), snap);
});
