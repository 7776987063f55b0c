/*
 * test_supplies.c -- the stock ledger and funds on a temporary SQLite file:
 * ledger rules (no negative stock, writes nothing when refused, coded
 * adjustments, scope), FIFO traceability round trip (donation -> transfer ->
 * allocations -> back), reversing operations, a seeded 600-step random
 * sequence after which the ledger balances and the counters equal
 * supply_counters_rebuild, money that never loses a fen, stock_low alerts,
 * and the ¥ display format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/fund.h"
#include "core/region.h"
#include "core/supply.h"
#include "gen/supply_demo.h"
#include "store/store.h"
#include "util/buf.h"

#define CITY   "4311"
#define COUNTY "431122"
#define GRID_A "431122101201001"
#define GRID_B "431122101201002"
#define GRID_C "431103001001001" /* another county */

struct fixture {
    char path[64];
    struct store *s;
    struct auth_user admin_user, county_user, other_user;
    struct actor admin, county, other;
    int64_t mask, gown, rice;     /* items */
    int64_t wh_a, wh_b, wh_c;     /* warehouses in GRID_A, GRID_B, GRID_C */
    int64_t donor, anon, account; /* donors, a donation fund account */
};

static void user(struct auth_user *u, int64_t id, const char *name, int role, const char *scope)
{
    memset(u, 0, sizeof *u);
    u->id = id;
    snprintf(u->username, sizeof u->username, "%s", name);
    u->role = role;
    snprintf(u->scope, sizeof u->scope, "%s", scope);
}

static int64_t scalar(struct store *s, const char *sql)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(s, sql, &err);
    assert_non_null(st);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    int64_t v = store_column_int64(st, 0);
    store_stmt_reset(st);
    return v;
}

static int64_t item(struct fixture *fx, const char *name, const char *unit, int64_t pack)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct supply_item_input in = {name, "protective", unit, pack ? "箱" : NULL, pack};
    int64_t id;
    if (supply_item_create(fx->s, &fx->admin, &in, &id, &err) != 0)
        fail_msg("item: %s", ep_error_message(&err, EP_LANG_EN));
    return id;
}

static int64_t warehouse(struct fixture *fx, const char *name, const char *grid)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct supply_warehouse_input in = {name, grid, NULL};
    int64_t id;
    assert_int_equal(supply_warehouse_create(fx->s, &fx->admin, &in, &id, &err), 0);
    return id;
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct ep_error err;
    ep_error_clear(&err);
    snprintf(fx->path, sizeof fx->path, "/tmp/test_supplies_XXXXXX");
    int fd = mkstemp(fx->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(&fx->s, fx->path, STORE_OPEN_CREATE, &err), 0);
    assert_int_equal(store_migrate(fx->s, NULL, &err), 0);
    static const char *regions[][2] = {
        {CITY, "永州市"},
        {COUNTY, "东安县"},
        {"431122101", "白牙市镇"},
        {"431122101201", "茶亭社区"},
        {GRID_A, "雍景园小区"},
        {GRID_B, "茶亭一组"},
        {"431103", "冷水滩区"},
        {"431103001", "梅湾街道"},
        {"431103001001", "梅湾社区"},
        {GRID_C, "梅湾一网格"},
    };
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
        assert_int_equal(region_create(fx->s, regions[i][0], regions[i][1], &err), 0);
    user(&fx->admin_user, 1, "supplies_4311", ROLE_SUPPLIES, CITY);
    user(&fx->county_user, 2, "supplies_431122", ROLE_SUPPLIES, COUNTY);
    user(&fx->other_user, 3, "supplies_431103", ROLE_SUPPLIES, "431103");
    fx->admin = (struct actor){&fx->admin_user, "test"};
    fx->county = (struct actor){&fx->county_user, "test"};
    fx->other = (struct actor){&fx->other_user, "test"};
    fx->mask = item(fx, "N95口罩", "只", 50);
    fx->gown = item(fx, "防护服", "件", 0);
    fx->rice = item(fx, "大米", "g", 0);
    fx->wh_a = warehouse(fx, "东安县物资储备库", GRID_A);
    fx->wh_b = warehouse(fx, "茶亭中转仓", GRID_B);
    fx->wh_c = warehouse(fx, "冷水滩仓库", GRID_C);
    struct supply_donor_input d = {"永州某医药公司", "enterprise", "王经理", "13812345678", COUNTY};
    assert_int_equal(supply_donor_create(fx->s, &fx->admin, &d, &fx->donor, &err), 0);
    struct supply_donor_input a = {"张三", "anonymous", NULL, NULL, CITY};
    assert_int_equal(supply_donor_create(fx->s, &fx->admin, &a, &fx->anon, &err), 0);
    struct fund_account_input acc = {"东安县捐赠资金", "donation", COUNTY};
    assert_int_equal(fund_account_create(fx->s, &fx->admin, &acc, &fx->account, &err), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    store_close(fx->s);
    unlink(fx->path);
    char side[80];
    snprintf(side, sizeof side, "%s-wal", fx->path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", fx->path);
    unlink(side);
    free(fx);
    return 0;
}

/* One-line operations. */
static int op(struct fixture *fx, const struct actor *who, const char *kind, int64_t wh, int64_t to,
              int64_t itm, int64_t qty, int64_t *id, struct ep_error *err)
{
    struct supply_line line = {itm, qty, 0};
    struct supply_op_input in = {0};
    in.kind = kind;
    in.warehouse_id = wh;
    in.to_warehouse_id = to;
    if (strcmp(kind, "allocate") == 0) {
        in.recipient_kind = "hospital";
        in.recipient_region = COUNTY;
        in.recipient_name = "东安县人民医院";
    }
    if (strcmp(kind, "adjust") == 0) {
        in.reason_code = qty > 0 ? "count_gain" : "damaged";
        in.approver = "李科长";
    }
    in.nlines = 1;
    in.lines = &line;
    int64_t ignored;
    ep_error_clear(err);
    (void)fx;
    return supply_op_create(fx->s, who, &in, id ? id : &ignored, err);
}

static int64_t donate(struct fixture *fx, const char *receipt, int64_t donor, int64_t wh,
                      int64_t itm, int64_t qty, int64_t fen)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct supply_line line = {itm, qty, 0};
    struct supply_donation_input in = {0};
    in.donor_id = donor;
    in.receipt_no = receipt;
    in.receiving_unit = "东安县红十字会";
    in.warehouse_id = wh;
    in.account_id = fen ? fx->account : 0;
    in.money_fen = fen;
    in.nlines = qty ? 1 : 0;
    in.lines = qty ? &line : NULL;
    int64_t id;
    if (supply_donation_create(fx->s, &fx->admin, &in, &id, &err) != 0)
        fail_msg("donation: %s", ep_error_message(&err, EP_LANG_EN));
    return id;
}

static int64_t stock(struct fixture *fx, int64_t wh, int64_t itm)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(
        fx->s,
        "SELECT COALESCE(SUM(quantity), 0) FROM stock WHERE warehouse_id = ? AND item_id = ?",
        &err);
    store_bind_int64(st, 1, wh);
    store_bind_int64(st, 2, itm);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    int64_t v = store_column_int64(st, 0);
    store_stmt_reset(st);
    return v;
}

static void counters_text(struct store *s, struct buf *out)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(
        s,
        "SELECT code, metric, value FROM region_counters WHERE value <> 0 AND"
        " (metric LIKE 'supply_%' OR metric LIKE 'donation%' OR metric = 'fund_balance_fen')"
        " ORDER BY code, metric",
        &err);
    assert_non_null(st);
    buf_reset(out);
    while (store_step(st, &err) == STORE_ROW)
        buf_appendf(out, "%s %s %lld\n", store_column_text(st, 0), store_column_text(st, 1),
                    (long long)store_column_int64(st, 2));
    store_stmt_reset(st);
    buf_putc(out, '.');
}

/* Ledger balanced and live counters equal to the rebuild from the facts. */
static void check_oracle(struct fixture *fx)
{
    struct ep_error err;
    ep_error_clear(&err);
    if (supply_ledger_verify(fx->s, &err) != 0)
        fail_msg("%s", ep_error_message(&err, EP_LANG_EN));
    struct buf live, oracle;
    buf_init(&live);
    buf_init(&oracle);
    counters_text(fx->s, &live);
    assert_int_equal(store_begin(fx->s, &err), 0);
    assert_int_equal(supply_counters_rebuild(fx->s, &err), 0);
    counters_text(fx->s, &oracle);
    store_rollback(fx->s);
    if (strcmp(live.data, oracle.data) != 0)
        fail_msg("counters differ from the oracle:\nlive:\n%s\noracle:\n%s", live.data,
                 oracle.data);
    buf_cleanup(&live);
    buf_cleanup(&oracle);
}

/* ---- tests -------------------------------------------------------------------- */

static void test_ledger_rules(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    assert_int_equal(op(fx, &fx->admin, "receive", fx->wh_a, 0, fx->gown, 10, NULL, &err), 0);
    assert_int_equal(stock(fx, fx->wh_a, fx->gown), 10);
    int64_t entries = scalar(fx->s, "SELECT COUNT(*) FROM ledger_entries");
    int64_t audits = scalar(fx->s, "SELECT COUNT(*) FROM audit_log");
    /* More than the stock: 409, and nothing of it written. */
    assert_int_equal(op(fx, &fx->admin, "allocate", fx->wh_a, 0, fx->gown, 11, NULL, &err),
                     -EP_ECONFLICT);
    assert_int_equal(op(fx, &fx->admin, "consume", fx->wh_a, 0, fx->gown, 11, NULL, &err),
                     -EP_ECONFLICT);
    assert_int_equal(op(fx, &fx->admin, "transfer", fx->wh_a, fx->wh_b, fx->gown, 11, NULL, &err),
                     -EP_ECONFLICT);
    assert_int_equal(op(fx, &fx->admin, "adjust", fx->wh_a, 0, fx->gown, -11, NULL, &err),
                     -EP_ECONFLICT);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM ledger_entries"), entries);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM ledger_ops"), 1);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM audit_log"), audits);
    /* Exactly the stock is fine; then nothing is left. */
    assert_int_equal(op(fx, &fx->admin, "allocate", fx->wh_a, 0, fx->gown, 10, NULL, &err), 0);
    assert_int_equal(stock(fx, fx->wh_a, fx->gown), 0);
    /* Packs are converted with the item's pack size; an item without one refuses packs. */
    struct supply_line packs = {fx->mask, 0, 3};
    struct supply_op_input in = {0};
    in.kind = "receive";
    in.warehouse_id = fx->wh_a;
    in.nlines = 1;
    in.lines = &packs;
    int64_t id;
    ep_error_clear(&err);
    assert_int_equal(supply_op_create(fx->s, &fx->admin, &in, &id, &err), 0);
    assert_int_equal(stock(fx, fx->wh_a, fx->mask), 150);
    packs.item_id = fx->gown;
    ep_error_clear(&err);
    assert_int_equal(supply_op_create(fx->s, &fx->admin, &in, &id, &err), -EP_EINVAL);
    assert_string_equal(err.fields[0].field, "lines[0].packs");
    /* An adjustment needs a coded reason and an approver. */
    in.kind = "adjust";
    packs = (struct supply_line){fx->mask, -1, 0};
    ep_error_clear(&err);
    assert_int_equal(supply_op_create(fx->s, &fx->admin, &in, &id, &err), -EP_EINVAL);
    assert_int_equal(err.nfields, 2);
    /* Scope: to another county's officer warehouse A does not exist (404, as if missing). */
    assert_int_equal(op(fx, &fx->other, "consume", fx->wh_a, 0, fx->mask, 1, NULL, &err),
                     -EP_ENOTFOUND);
    assert_int_equal(op(fx, &fx->county, "transfer", fx->wh_a, fx->wh_c, fx->mask, 1, NULL, &err),
                     -EP_ENOTFOUND);
    /* The tables refuse edits: the ledger is append-only. */
    assert_int_not_equal(store_exec(fx->s, "UPDATE ledger_entries SET delta = 99", &err), 0);
    assert_int_not_equal(store_exec(fx->s, "DELETE FROM ledger_ops", &err), 0);
    check_oracle(fx);
}

static void test_fifo_round_trip(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    int64_t d1 = donate(fx, "JZ-1", fx->donor, fx->wh_a, fx->mask, 1000, 0);
    int64_t d2 = donate(fx, "JZ-2", fx->anon, fx->wh_a, fx->mask, 500, 0);
    int64_t a1, t1, a2;
    assert_int_equal(op(fx, &fx->admin, "allocate", fx->wh_a, 0, fx->mask, 1200, &a1, &err), 0);
    assert_int_equal(op(fx, &fx->admin, "transfer", fx->wh_a, fx->wh_b, fx->mask, 100, &t1, &err),
                     0);
    assert_int_equal(op(fx, &fx->admin, "allocate", fx->wh_b, 0, fx->mask, 60, &a2, &err), 0);
    /* Allocation -> lots: 1000 from JZ-1 then 200 from JZ-2 (oldest first). */
    json_t *o;
    assert_int_equal(supply_op_json(fx->s, CITY, a1, &o, &err), 0);
    json_t *from = json_object_get(json_array_get(json_object_get(o, "entries"), 0), "drawn_from");
    assert_int_equal(json_array_size(from), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(from, 0), "receipt_no")),
                        "JZ-1");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(from, 0), "quantity")),
                     1000);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(from, 1), "quantity")), 200);
    assert_string_equal(json_string_value(json_object_get(json_array_get(from, 1), "donor")),
                        "匿名");
    json_decref(o);
    /* The allocation from warehouse B still names JZ-2 through the transfer. */
    assert_int_equal(supply_op_json(fx->s, CITY, a2, &o, &err), 0);
    from = json_object_get(json_array_get(json_object_get(o, "entries"), 0), "drawn_from");
    assert_string_equal(json_string_value(json_object_get(json_array_get(from, 0), "receipt_no")),
                        "JZ-2");
    json_decref(o);
    /* Donation -> where every unit went; received = allocated + other + in stock. */
    json_t *d;
    assert_int_equal(supply_donation_json(fx->s, CITY, d2, &d, &err), 0);
    json_t *line = json_array_get(json_object_get(d, "lines"), 0);
    assert_int_equal(json_integer_value(json_object_get(line, "allocated")), 260);
    assert_int_equal(json_integer_value(json_object_get(line, "in_stock")), 240);
    assert_int_equal(json_array_size(json_object_get(line, "went")), 2);
    json_decref(d);
    assert_int_equal(supply_donation_json(fx->s, CITY, d1, &d, &err), 0);
    line = json_array_get(json_object_get(d, "lines"), 0);
    assert_int_equal(json_integer_value(json_object_get(line, "allocated")), 1000);
    assert_int_equal(json_integer_value(json_object_get(line, "in_stock")), 0);
    json_decref(d);
    /* Scope: the other county does not see the donation or the operation. */
    assert_int_equal(supply_donation_json(fx->s, "431103", d1, &d, &err), -EP_ENOTFOUND);
    ep_error_clear(&err);
    assert_int_equal(supply_op_json(fx->s, "431103", a1, &o, &err), -EP_ENOTFOUND);
    check_oracle(fx);
}

static void test_reversal(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    int64_t d = donate(fx, "JZ-9", fx->donor, fx->wh_a, fx->mask, 100, 0);
    int64_t a, r, t, rt;
    assert_int_equal(op(fx, &fx->admin, "allocate", fx->wh_a, 0, fx->mask, 70, &a, &err), 0);
    int64_t lot_before = scalar(fx->s, "SELECT remaining FROM lots ORDER BY id LIMIT 1");
    ep_error_clear(&err);
    assert_int_equal(supply_op_reverse(fx->s, &fx->admin, a, "赵主任", "调错", &r, &err), 0);
    assert_int_equal(stock(fx, fx->wh_a, fx->mask), 100);
    assert_int_equal(scalar(fx->s, "SELECT remaining FROM lots ORDER BY id LIMIT 1"),
                     lot_before + 70);
    /* Once only, and a reversal is not reversed. */
    ep_error_clear(&err);
    int64_t again;
    assert_int_equal(supply_op_reverse(fx->s, &fx->admin, a, "赵主任", NULL, &again, &err),
                     -EP_ECONFLICT);
    assert_int_equal(again, 0);
    ep_error_clear(&err);
    int64_t rr;
    assert_int_equal(supply_op_reverse(fx->s, &fx->admin, r, "赵主任", NULL, &rr, &err),
                     -EP_ECONFLICT);
    /* A donation's receipt is never undone. */
    int64_t receipt = scalar(fx->s, "SELECT MAX(id) FROM ledger_ops WHERE donation_id IS NOT NULL");
    ep_error_clear(&err);
    assert_int_equal(supply_op_reverse(fx->s, &fx->admin, receipt, "赵主任", NULL, &rr, &err),
                     -EP_ERULE);
    /* A transfer is undone while its units are still at the destination. */
    assert_int_equal(op(fx, &fx->admin, "transfer", fx->wh_a, fx->wh_b, fx->mask, 30, &t, &err), 0);
    int64_t used;
    assert_int_equal(op(fx, &fx->admin, "consume", fx->wh_b, 0, fx->mask, 5, &used, &err), 0);
    ep_error_clear(&err);
    assert_int_equal(supply_op_reverse(fx->s, &fx->admin, t, "赵主任", NULL, &rt, &err),
                     -EP_ECONFLICT);
    ep_error_clear(&err);
    assert_int_equal(supply_op_reverse(fx->s, &fx->admin, used, "赵主任", NULL, &rr, &err), 0);
    ep_error_clear(&err);
    assert_int_equal(supply_op_reverse(fx->s, &fx->admin, t, "赵主任", NULL, &rt, &err), 0);
    assert_int_equal(stock(fx, fx->wh_a, fx->mask), 100);
    assert_int_equal(stock(fx, fx->wh_b, fx->mask), 0);
    /* Net of the reversals, the donation went nowhere. */
    json_t *dj;
    assert_int_equal(supply_donation_json(fx->s, CITY, d, &dj, &err), 0);
    json_t *line = json_array_get(json_object_get(dj, "lines"), 0);
    assert_int_equal(json_array_size(json_object_get(line, "went")), 0);
    assert_int_equal(json_integer_value(json_object_get(line, "in_stock")), 100);
    json_decref(dj);
    /* Outside the scope the operation does not exist. */
    ep_error_clear(&err);
    assert_int_equal(supply_op_reverse(fx->s, &fx->other, a, "x", NULL, &rr, &err), -EP_ENOTFOUND);
    check_oracle(fx);
}

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

/* 600 random operations and reversals: the ledger always balances, no
 * stock is ever negative, and the counters equal the oracle. */
static void test_random_property(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    int64_t whs[3] = {fx->wh_a, fx->wh_b, fx->wh_c};
    int64_t items[3] = {fx->mask, fx->gown, fx->rice};
    static const char *kinds[] = {"receive", "allocate", "transfer", "consume", "adjust"};
    rng_state = 0x9e3779b97f4a7c15ull;
    int ok = 0, refused = 0, reversed = 0, donations = 0;
    for (int step = 1; step <= 600; step++) {
        int64_t wh = whs[rnd(3)], itm = items[rnd(3)], qty = 1 + rnd(40), id;
        unsigned k = rnd(8);
        if (k == 7) {
            int64_t last = scalar(fx->s, "SELECT COALESCE(MAX(id), 0) FROM ledger_ops");
            int64_t target = last ? 1 + rnd((uint32_t)last) : 0;
            ep_error_clear(&err);
            int rc = target
                         ? supply_op_reverse(fx->s, &fx->admin, target, "审批人", NULL, &id, &err)
                         : -EP_ENOTFOUND;
            if (rc == 0)
                reversed++;
            else
                assert_true(rc == -EP_ECONFLICT || rc == -EP_ERULE || rc == -EP_ENOTFOUND);
        } else if (k == 6) {
            char receipt[32];
            snprintf(receipt, sizeof receipt, "R-%d", step);
            donate(fx, receipt, fx->donor, wh, itm, qty * 3, rnd(3) ? 0 : 1 + rnd(100000));
            donations++;
        } else {
            const char *kind = kinds[k % 5];
            int64_t to = strcmp(kind, "transfer") == 0
                             ? whs[(rnd(2) + 1 + (wh == fx->wh_b) + 2 * (wh == fx->wh_c)) % 3]
                             : 0;
            if (to == wh)
                to = whs[(wh == fx->wh_a) ? 1 : 0];
            if (strcmp(kind, "adjust") == 0 && rnd(2))
                qty = -qty;
            int64_t before = stock(fx, wh, itm);
            int rc = op(fx, &fx->admin, kind, wh, to, itm, qty, &id, &err);
            int outflow = strcmp(kind, "receive") != 0 && !(strcmp(kind, "adjust") == 0 && qty > 0);
            int64_t need = qty < 0 ? -qty : qty;
            if (outflow && need > before) {
                assert_int_equal(rc, -EP_ECONFLICT);
                assert_int_equal(stock(fx, wh, itm), before);
                refused++;
            } else {
                if (rc != 0)
                    fail_msg("step %d %s: %s", step, kind, ep_error_message(&err, EP_LANG_EN));
                ok++;
            }
        }
        assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM stock WHERE quantity < 0"), 0);
        if (step % 100 == 0)
            check_oracle(fx);
    }
    assert_true(ok > 200 && refused > 20 && reversed > 10 && donations > 30);
}

static void test_money_never_loses_a_fen(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    struct fund_account_input acc = {"专项党费", "party_fee", CITY};
    int64_t account;
    ep_error_clear(&err);
    assert_int_equal(fund_account_create(fx->s, &fx->admin, &acc, &account, &err), 0);
    rng_state = 0x243f6a8885a308d3ull;
    int64_t expected = 0;
    int refused = 0;
    for (int i = 0; i < 1000; i++) {
        int64_t amount = 1 + rnd(10000000); /* up to ¥100,000.00 */
        const char *dir = rnd(3) == 0 ? "out" : "in";
        struct fund_entry_input in = {account, dir,  amount, "慰问一线党员", "组织部长", NULL,
                                      0,       NULL, NULL};
        int64_t id;
        ep_error_clear(&err);
        int rc = fund_entry_add(fx->s, &fx->admin, &in, &id, &err);
        if (strcmp(dir, "out") == 0 && amount > expected) {
            assert_int_equal(rc, -EP_ECONFLICT);
            refused++;
            continue;
        }
        assert_int_equal(rc, 0);
        expected += strcmp(dir, "in") == 0 ? amount : -amount;
    }
    assert_int_equal(scalar(fx->s, "SELECT balance_fen FROM fund_accounts WHERE name = '专项党费'"),
                     expected);
    assert_int_equal(
        scalar(fx->s, "SELECT SUM(CASE direction WHEN 'in' THEN amount_fen ELSE -amount_fen END)"
                      " FROM fund_entries e JOIN fund_accounts a ON a.id = e.account_id"
                      " WHERE a.name = '专项党费'"),
        expected);
    /* Donated money goes into its account to the fen and cannot be reversed. */
    donate(fx, "M-1", fx->donor, 0, 0, 0, 123456789);
    assert_int_equal(scalar(fx->s, "SELECT balance_fen FROM fund_accounts WHERE name = "
                                   "'东安县捐赠资金'"),
                     123456789);
    int64_t entry = scalar(fx->s, "SELECT id FROM fund_entries WHERE donation_id IS NOT NULL");
    int64_t rev;
    ep_error_clear(&err);
    assert_int_equal(fund_entry_reverse(fx->s, &fx->admin, entry, "x", &rev, &err), -EP_ERULE);
    /* A reversal restores the balance, once. */
    struct fund_entry_input in = {account, "in", 500, "误记", "组织部长", NULL, 0, NULL, NULL};
    int64_t wrong;
    ep_error_clear(&err);
    assert_int_equal(fund_entry_add(fx->s, &fx->admin, &in, &wrong, &err), 0);
    ep_error_clear(&err);
    assert_int_equal(fund_entry_reverse(fx->s, &fx->admin, wrong, "组织部长", &rev, &err), 0);
    assert_int_equal(scalar(fx->s, "SELECT balance_fen FROM fund_accounts WHERE name = '专项党费'"),
                     expected);
    ep_error_clear(&err);
    int64_t again;
    assert_int_equal(fund_entry_reverse(fx->s, &fx->admin, wrong, "组织部长", &again, &err),
                     -EP_ECONFLICT);
    ep_error_clear(&err);
    assert_int_equal(fund_entry_reverse(fx->s, &fx->admin, rev, "组织部长", &again, &err),
                     -EP_ECONFLICT);
    assert_true(refused > 0);
    check_oracle(fx);
}

static void test_threshold_alert(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    assert_int_equal(op(fx, &fx->admin, "receive", fx->wh_a, 0, fx->gown, 100, NULL, &err), 0);
    ep_error_clear(&err);
    assert_int_equal(supply_threshold_set(fx->s, &fx->admin, fx->wh_a, fx->gown, 50, &err), 0);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM alerts"), 0);
    assert_int_equal(op(fx, &fx->admin, "allocate", fx->wh_a, 0, fx->gown, 60, NULL, &err), 0);
    assert_int_equal(op(fx, &fx->admin, "consume", fx->wh_a, 0, fx->gown, 10, NULL, &err), 0);
    /* One alert per warehouse, item and day. */
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM alerts WHERE rule = 'stock_low'"), 1);
    assert_int_equal(scalar(fx->s,
                            "SELECT value FROM region_counters WHERE code = '4311' AND metric = "
                            "'supply_low'"),
                     1);
    check_oracle(fx);
    /* Restocking above the threshold clears the counter. */
    assert_int_equal(op(fx, &fx->admin, "receive", fx->wh_a, 0, fx->gown, 30, NULL, &err), 0);
    assert_int_equal(scalar(fx->s,
                            "SELECT value FROM region_counters WHERE code = '4311' AND metric = "
                            "'supply_low'"),
                     0);
    check_oracle(fx);
}

/* The demo seed goes through the domain calls: balanced, counters equal the
 * oracle, a stock below its threshold alerted, a request half fulfilled. */
static void test_demo_seed(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    ep_error_clear(&err);
    struct auth_user cli_user;
    struct actor cli;
    audit_cli_actor(&cli_user, &cli);
    /* The fixture's own items would clash with the demo's names: start from a fresh catalogue. */
    assert_int_equal(store_exec(fx->s, "DELETE FROM items", &err), 0);
    static const char *const grids[] = {GRID_A, GRID_B, GRID_C};
    if (supply_demo_seed(fx->s, &cli, grids, 3, &err) != 0)
        fail_msg("seed: %s %s", ep_error_message(&err, EP_LANG_EN),
                 err.nfields ? err.fields[0].field : "");
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM donations"), 9);
    assert_true(scalar(fx->s, "SELECT COUNT(*) FROM ledger_entries") > 20);
    assert_true(scalar(fx->s, "SELECT COUNT(*) FROM alerts WHERE rule = 'stock_low'") >= 2);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM supply_requests WHERE status = 'partial'"),
                     1);
    assert_int_equal(scalar(fx->s, "SELECT balance_fen FROM fund_accounts WHERE name = '专项党费'"),
                     15500000);
    json_t *pub;
    assert_int_equal(supply_public_json(fx->s, NULL, 0, 100, &pub, &err), 0);
    assert_int_equal(json_array_size(json_object_get(pub, "items")), 9);
    json_t *t;
    size_t i;
    json_array_foreach(json_object_get(json_object_get(pub, "totals"), "by_item"), i, t)
        assert_int_equal(json_integer_value(json_object_get(t, "donated")),
                         json_integer_value(json_object_get(t, "allocated")) +
                             json_integer_value(json_object_get(t, "consumed_or_adjusted")) +
                             json_integer_value(json_object_get(t, "in_stock")));
    json_decref(pub);
    check_oracle(fx);
}

static void test_money_format(void **state)
{
    (void)state;
    static const struct {
        int64_t fen;
        const char *text;
    } cases[] = {
        {0, "¥0.00"},
        {5, "¥0.05"},
        {123456, "¥1,234.56"},
        {100000000, "¥1,000,000.00"},
        {12345678, "¥123,456.78"},
        {-250, "-¥2.50"},
        {INT64_MAX, "¥92,233,720,368,547,758.07"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[32];
        supply_money_format(cases[i].fen, out);
        assert_string_equal(out, cases[i].text);
    }
}

/* The xlsx ledger and the public disclosure name codes in the pages' words;
 * every code of a list has a name of its own; an unknown code stays. */
static void test_labels(void **state)
{
    (void)state;
    static const struct {
        const char *const *codes;
        const char *(*zh)(const char *);
    } lists[] = {{supply_op_kinds, supply_op_kind_zh},
                 {supply_reason_codes, supply_reason_zh},
                 {supply_recipient_kinds, supply_recipient_kind_zh}};
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        for (int i = 0; lists[l].codes[i]; i++) {
            const char *zh = lists[l].zh(lists[l].codes[i]);
            assert_true(*zh && strcmp(zh, lists[l].codes[i]) != 0);
            for (int j = 0; j < i; j++)
                assert_string_not_equal(lists[l].zh(lists[l].codes[j]), zh);
        }
        assert_string_equal(lists[l].zh("whim"), "whim");
        assert_string_equal(lists[l].zh(NULL), "");
    }
    static const char *const names[][3] = {
        {"op", "receive", "采购入库"},       {"op", "reversal", "冲销"},
        {"op", "adjust", "盘点调整"},        {"entry", "receive", "入库"},
        {"entry", "transfer_out", "调出"},   {"entry", "transfer_in", "调入"},
        {"entry", "allocate", "分配"},       {"entry", "consume", "消耗"},
        {"entry", "adjust", "盘点调整"},     {"entry", "transfer", "transfer"},
        {"reason", "count_gain", "盘盈"},    {"reason", "lost", "丢失"},
        {"recipient", "checkpoint", "卡口"}, {"source", "donation", "捐赠"},
        {"source", "purchase", "采购"},      {"source", "gift", "gift"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *list = names[i][0], *code = names[i][1];
        const char *zh = !strcmp(list, "op")       ? supply_op_kind_zh(code)
                         : !strcmp(list, "entry")  ? supply_entry_kind_zh(code)
                         : !strcmp(list, "reason") ? supply_reason_zh(code)
                         : !strcmp(list, "source") ? supply_source_zh(code)
                                                   : supply_recipient_kind_zh(code);
        assert_string_equal(zh, names[i][2]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ledger_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reversal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_property, setup, teardown),
        cmocka_unit_test_setup_teardown(test_money_never_loses_a_fen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_threshold_alert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_demo_seed, setup, teardown),
        cmocka_unit_test(test_money_format),
        cmocka_unit_test(test_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
