/*
 * supply.c -- what the supply files share (see supply.h, supply_internal.h):
 * the field checks, rows as JSON, money formatting, the roll-up of region
 * counters and the oracle (counters rebuilt from the ledger, the ledger's
 * invariants).
 *
 * The supplies are split by concept:
 *   supply_catalog.c   items and warehouses
 *   supply_donation.c  donors, donations and their certificate
 *   supply_ledger.c    stock, thresholds, ledger operations, lots, FIFO draws,
 *                      reversals, reading and exporting the ledger
 *   supply_request.c   supply requests and their fulfilment
 *   supply_public.c    the public donation disclosure
 *   supply_demo.c      the demo city's supplies
 *
 * Invariants the tests check (supply_ledger_verify):
 *   stock.quantity = SUM(ledger_entries.delta)      per warehouse and item
 *                  = SUM(lots.remaining)
 *   lots.remaining = lots.quantity - SUM(lot_draws.quantity) per lot
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/counter.h"
#include "core/fund.h"
#include "core/region.h"
#include "core/supply_internal.h"
#include "core/write.h"
#include "util/idcheck.h"
#include "util/json.h"
#include "util/label.h"
#include "util/text.h"
#include "util/timeutil.h"

/* ---- helpers ------------------------------------------------------------- */

const char *const supply_recipient_kinds[] = {"region", "hospital", "team", "checkpoint", NULL};

const char *supply_recipient_kind_zh(const char *kind)
{
    static const struct label names[] = {
        {"region", "地区"}, {"hospital", "医院"}, {"team", "队伍"}, {"checkpoint", "卡口"}};
    return label_zh(names, LABEL_COUNT(names), kind);
}

void supply_date_check(const char *date, const char *field, char out[11], struct ep_error *err)
{
    int64_t today = time_today_cn(), day = today;
    if (date && time_date_parse(date, &day) != 0) {
        ep_error_field(err, field, "日期格式应为 YYYY-MM-DD", "must be a date YYYY-MM-DD");
        day = today;
    } else if (day > today) {
        ep_error_field(err, field, "不能晚于今天", "must not be in the future");
        day = today;
    }
    time_date_format(day, out);
}

int supply_occurred_check(struct store *s, const char *date, const char *field,
                          const char *occurred_at, char out[11], int64_t *at, struct ep_error *err)
{
    int64_t now = (int64_t)time(NULL);
    *at = now;
    int before = err->nfields;
    supply_date_check(date, field, out, err);
    int rc = 0;
    if (occurred_at) {
        rc = occurred_parse(s, "occurred_at", occurred_at, now, at, err);
        char day[11];
        time_date_format(time_day_of_unix(*at), day);
        if (rc == 0 && date && err->nfields == before && strcmp(day, out) != 0)
            ep_error_field(err, field, "须与 occurred_at 为同一天(%s)",
                           "must be the day of occurred_at (%s)", day);
        if (rc == 0)
            memcpy(out, day, 11);
    } else if (date && err->nfields == before) {
        rc = occurred_parse(s, field, out, now, at, err);
    }
    if (rc == -EP_EINTERNAL)
        return rc;
    return occurred_at || date;
}

json_t *supply_row_json(struct store_stmt *st, const char *spec)
{
    json_t *o = json_object();
    for (int i = 0; spec[i]; i++) {
        const char *name = store_column_name(st, i);
        const char *dot = strrchr(name, '.');
        if (dot)
            name = dot + 1;
        int null = store_column_is_null(st, i);
        /* an id is a number in every answer ("item_id":"1" was a string once) */
        assert(!(spec[i] == 's' || spec[i] == 'S') ||
               !(strcmp(name, "id") == 0 ||
                 (strlen(name) > 3 && strcmp(name + strlen(name) - 3, "_id") == 0)));
        json_t *v;
        switch (spec[i]) {
        case 'i':
            v = json_integer(store_column_int64(st, i));
            break;
        case 'I':
            v = null ? json_null() : json_integer(store_column_int64(st, i));
            break;
        case 'b':
            v = json_boolean(store_column_int64(st, i) != 0);
            break;
        case 'S':
            v = null || !*store_column_text(st, i) ? json_null()
                                                   : json_string(store_column_text(st, i));
            break;
        default:
            v = json_string(store_column_text(st, i));
        }
        json_object_set_new(o, name, v ? v : json_null());
    }
    return o;
}

void supply_money_format(int64_t fen, char out[32])
{
    char digits[24];
    uint64_t v = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)(v / 100));
    size_t n = strlen(digits), o = 0;
    if (fen < 0)
        out[o++] = '-';
    memcpy(out + o, "¥", 2); /* U+00A5 in UTF-8 */
    o += 2;
    for (size_t i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    snprintf(out + o, 32 - o, ".%02u", (unsigned)(v % 100));
}

/* Runs "st" (bound) and collects every row as JSON into a new array. */
int supply_rows_append(struct store_stmt *st, const char *spec, json_t *items, struct ep_error *err)
{
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items, supply_row_json(st, spec));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

int supply_rows_json(struct store_stmt *st, const char *spec, json_t **out, struct ep_error *err)
{
    json_t *items = json_array();
    int rc = supply_rows_append(st, spec, items, err);
    if (rc != 0) {
        json_decref(items);
        return rc;
    }
    *out = items;
    return 0;
}

/* ---- roll-ups and the oracle ------------------------------------------------------------ */

struct summary_ctx {
    json_t *items; /* item id (text) -> {received, allocated, in_stock} */
    json_t *out;
};

static int summary_metric(const char *metric, int64_t value, void *ctx)
{
    struct summary_ctx *c = ctx;
    static const char *const families[][2] = {{"supply_received.", "received"},
                                              {"supply_allocated.", "allocated"},
                                              {"supply_stock.", "in_stock"}};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(families[i][0]);
        if (strncmp(metric, families[i][0], n) == 0) {
            json_t *it = json_object_get(c->items, metric + n);
            if (!it) {
                it = json_pack("{s:I, s:i, s:i, s:i}", "item_id",
                               (json_int_t)strtoll(metric + n, NULL, 10), "received", 0,
                               "allocated", 0, "in_stock", 0);
                json_object_set_new(c->items, metric + n, it);
            }
            json_object_set_new(it, families[i][1], json_integer(value));
            return 0;
        }
    }
    if (strcmp(metric, "supply_low") == 0 || strcmp(metric, "donations") == 0 ||
        strcmp(metric, "donation_money_fen") == 0 || strcmp(metric, "fund_balance_fen") == 0)
        json_object_set_new(c->out, metric, json_integer(value));
    return 0;
}

int supply_summary_json(struct store *s, const char *code, json_t **out, struct ep_error *err)
{
    struct summary_ctx c = {
        json_object(), json_pack("{s:s, s:i, s:i, s:i, s:i}", "code", code, "supply_low", 0,
                                 "donations", 0, "donation_money_fen", 0, "fund_balance_fen", 0)};
    int rc = counter_list(s, code, summary_metric, &c, err);
    json_t *items = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(c.items, k, v)
    {
        struct item_info it;
        struct ep_error e2;
        ep_error_clear(&e2);
        if (supply_item_load(s, json_integer_value(json_object_get(v, "item_id")), &it, &e2) == 0) {
            json_object_set_new(v, "item_name", json_string(it.name));
            json_object_set_new(v, "unit", json_string(it.unit));
        }
        json_array_append(items, v);
    }
    json_decref(c.items);
    if (rc != 0) {
        json_decref(items);
        json_decref(c.out);
        return rc;
    }
    json_object_set_new(c.out, "items", items);
    json_t *kinds;
    if ((rc = supply_donor_kind_totals(s, code, NULL, &kinds, err)) != 0) {
        json_decref(c.out);
        return rc;
    }
    json_object_set_new(c.out, "by_donor_kind", kinds);
    *out = c.out;
    return 0;
}

int supply_counters_rebuild(struct store *s, struct ep_error *err)
{
    int rc;
    if ((rc = counter_rebuild_family(s, "supply_received.",
                                     "SELECT region_code, 'supply_received.' || item_id,"
                                     " SUM(delta) FROM ledger_entries WHERE kind = 'receive'"
                                     " GROUP BY region_code, item_id",
                                     err)) != 0 ||
        (rc = counter_rebuild_family(s, "supply_stock.",
                                     "SELECT region_code, 'supply_stock.' || item_id, SUM(delta)"
                                     " FROM ledger_entries GROUP BY region_code, item_id",
                                     err)) != 0 ||
        (rc = counter_rebuild_family(
             s, "supply_allocated.",
             "SELECT o.recipient_region, 'supply_allocated.' || e.item_id, -SUM(e.delta)"
             " FROM ledger_entries e JOIN ledger_ops o ON o.id = e.op_id"
             " WHERE e.kind = 'allocate' GROUP BY o.recipient_region, e.item_id",
             err)) != 0 ||
        (rc = counter_rebuild(s, "supply_low",
                              "SELECT w.region_code, count(*) FROM stock k"
                              " JOIN warehouses w ON w.id = k.warehouse_id"
                              " WHERE k.threshold > 0 AND k.threshold > (SELECT"
                              " COALESCE(SUM(e.delta), 0) FROM ledger_entries e WHERE"
                              " e.warehouse_id = k.warehouse_id AND e.item_id = k.item_id)"
                              " GROUP BY w.region_code",
                              err)) != 0 ||
        (rc = counter_rebuild(s, "donations",
                              "SELECT region_code, count(*) FROM donations GROUP BY region_code",
                              err)) != 0 ||
        (rc = counter_rebuild(s, "donation_money_fen",
                              "SELECT region_code, SUM(money_fen) FROM donations"
                              " WHERE money_fen > 0 GROUP BY region_code",
                              err)) != 0)
        return rc;
    return fund_counters_rebuild(s, err);
}

/* Runs a query that yields rows only when an invariant is broken. */
static int verify_none(struct store *s, const char *sql, const char *what, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s, sql, err);
    if (!st)
        return -EP_EINTERNAL;
    int rc = store_step(st, err);
    int64_t a = rc == STORE_ROW ? store_column_int64(st, 0) : 0;
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    if (rc == STORE_ROW)
        return ep_error_set(err, EP_EINTERNAL, "台账不平:%s(%lld)",
                            "ledger out of balance: %s (%lld)", what, (long long)a);
    return 0;
}

int supply_ledger_verify(struct store *s, struct ep_error *err)
{
    int rc;
    if ((rc = verify_none(s,
                          "SELECT k.warehouse_id FROM stock k WHERE k.quantity <> (SELECT"
                          " COALESCE(SUM(e.delta), 0) FROM ledger_entries e WHERE e.warehouse_id"
                          " = k.warehouse_id AND e.item_id = k.item_id) OR k.quantity <> (SELECT"
                          " COALESCE(SUM(l.remaining), 0) FROM lots l WHERE l.warehouse_id ="
                          " k.warehouse_id AND l.item_id = k.item_id)",
                          "stock", err)) != 0 ||
        (rc = verify_none(s,
                          "SELECT e.warehouse_id FROM ledger_entries e LEFT JOIN stock k ON"
                          " k.warehouse_id = e.warehouse_id AND k.item_id = e.item_id"
                          " WHERE k.warehouse_id IS NULL",
                          "entries without stock", err)) != 0 ||
        (rc = verify_none(s,
                          "SELECT l.id FROM lots l WHERE l.remaining <> l.quantity - (SELECT"
                          " COALESCE(SUM(d.quantity), 0) FROM lot_draws d WHERE d.lot_id = l.id)",
                          "lots", err)) != 0 ||
        (rc = verify_none(s,
                          "SELECT a.id FROM fund_accounts a WHERE a.balance_fen <> (SELECT"
                          " COALESCE(SUM(CASE e.direction WHEN 'in' THEN e.amount_fen ELSE"
                          " -e.amount_fen END), 0) FROM fund_entries e WHERE e.account_id = a.id)",
                          "funds", err)) != 0)
        return rc;
    return 0;
}
