/*
 * supply_ledger.c -- stock and the append-only ledger (see supply.h):
 * thresholds, operations with their entries, lots and FIFO draws, reversals,
 * reading one operation, the ledger list and its xlsx export.
 *
 * Every write is one transaction (store_begin = BEGIN IMMEDIATE, or a
 * savepoint inside a group commit) holding the check and the write: the
 * stock row is read, the new balance computed and refused when negative,
 * then the entry, the stock row, the lots and draws, the counters, the
 * alert and the audit row are written.  Nothing of a refused write remains.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "core/alert.h"
#include "core/counter.h"
#include "core/region.h"
#include "core/supply_internal.h"
#include "core/write.h"
#include "util/json.h"
#include "util/label.h"
#include "util/text.h"
#include "util/timeutil.h"

const char *const supply_reason_codes[] = {"count_gain", "count_loss", "damaged", "expired",
                                           "lost",       "other",      NULL};
const char *const supply_op_kinds[] = {"receive", "allocate", "transfer",
                                       "consume", "adjust",   NULL};

const char *supply_op_kind_zh(const char *kind)
{
    static const struct label names[] = {{"receive", "采购入库"}, {"allocate", "分配"},
                                         {"transfer", "调拨"},    {"consume", "消耗"},
                                         {"adjust", "盘点调整"},  {"reversal", "冲销"}};
    return label_zh(names, LABEL_COUNT(names), kind);
}

const char *supply_entry_kind_zh(const char *kind)
{
    static const struct label names[] = {{"receive", "入库"},      {"allocate", "分配"},
                                         {"transfer_out", "调出"}, {"transfer_in", "调入"},
                                         {"consume", "消耗"},      {"adjust", "盘点调整"}};
    return label_zh(names, LABEL_COUNT(names), kind);
}

const char *supply_reason_zh(const char *reason_code)
{
    static const struct label names[] = {{"count_gain", "盘盈"}, {"count_loss", "盘亏"},
                                         {"damaged", "损坏"},    {"expired", "过期"},
                                         {"lost", "丢失"},       {"other", "其他"}};
    return label_zh(names, LABEL_COUNT(names), reason_code);
}

const char *supply_source_zh(const char *source)
{
    static const struct label names[] = {{"donation", "捐赠"}, {"purchase", "采购"}};
    return label_zh(names, LABEL_COUNT(names), source);
}

/* ---- stock and thresholds ------------------------------------------------------ */

/* Reads stock (quantity, threshold) of a warehouse item; 0, 0 when none. */
static int stock_read(struct store *s, int64_t wh, int64_t item, int64_t *qty, int64_t *threshold,
                      struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s, "SELECT quantity, threshold FROM stock WHERE warehouse_id = ? AND item_id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, wh);
    store_bind_int64(st, 2, item);
    int rc = store_step(st, err);
    *qty = rc == STORE_ROW ? store_column_int64(st, 0) : 0;
    *threshold = rc == STORE_ROW ? store_column_int64(st, 1) : 0;
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

/* Raises "stock_low" for a warehouse item (dedup per warehouse, item, day). */
static int raise_low(struct store *s, const struct warehouse *w, int64_t item, int64_t qty,
                     int64_t threshold, struct ep_error *err)
{
    struct item_info it;
    int rc = supply_item_load(s, item, &it, err);
    if (rc != 0)
        return rc;
    char key[96], source[48], zh[ALERT_TITLE_MAX], en[ALERT_TITLE_MAX], today[11];
    time_date_format(time_today_cn(), today);
    snprintf(key, sizeof key, "stock_low:%lld:%lld:%s", (long long)w->id, (long long)item, today);
    snprintf(source, sizeof source, "warehouse:%lld", (long long)w->id);
    snprintf(zh, sizeof zh, "库存低于阈值:%.60s 剩 %lld/%lld %.12s(%.60s)", it.name, (long long)qty,
             (long long)threshold, it.unit, w->name);
    snprintf(en, sizeof en, "stock below threshold: %.60s %lld/%lld %.12s (%.60s)", it.name,
             (long long)qty, (long long)threshold, it.unit, w->name);
    struct alert_input in = {"stock_low", ALERT_MEDIUM, w->region, 0, 0, source, key, zh, en, 0};
    int64_t id;
    return alert_raise(s, &in, &id, err);
}

int supply_threshold_set(struct store *s, const struct actor *who, int64_t warehouse_id,
                         int64_t item_id, int64_t threshold, struct ep_error *err)
{
    if (threshold < 0 || threshold > SUPPLY_QUANTITY_MAX)
        ep_error_field(err, "threshold", "须为不小于 0 的整数", "must be an integer >= 0");
    if (err->code)
        return -err->code;
    struct write wr;
    struct warehouse w;
    int64_t qty = 0, old = 0;
    write_begin(&wr, s, who, NULL, NULL, NULL, err);
    write_target(&wr, REF_WAREHOUSE, warehouse_id, NULL);
    write_ref(&wr, REF_ITEM, item_id, "item_id", NULL);
    if (write_check(&wr) == 0)
        write_fail(&wr, supply_warehouse_load(s, warehouse_id, &w, err));
    if (write_ok(&wr))
        write_fail(&wr, stock_read(s, warehouse_id, item_id, &qty, &old, err));
    struct store_stmt *st =
        !write_ok(&wr)
            ? NULL
            : store_prepare(s,
                            "INSERT INTO stock (warehouse_id, item_id, quantity, threshold)"
                            " VALUES (?, ?, 0, ?) ON CONFLICT (warehouse_id, item_id)"
                            " DO UPDATE SET threshold = excluded.threshold",
                            err);
    if (write_ok(&wr) && !st)
        write_fail(&wr, -EP_EINTERNAL);
    if (write_ok(&wr)) {
        store_bind_int64(st, 1, warehouse_id);
        store_bind_int64(st, 2, item_id);
        store_bind_int64(st, 3, threshold);
        write_fail(&wr, store_run(st, err));
    }
    if (write_ok(&wr)) {
        int was = old > 0 && qty<old, now = threshold> 0 && qty < threshold;
        write_count(&wr, w.region, "supply_low", now - was);
        if (now && write_ok(&wr))
            write_fail(&wr, raise_low(s, &w, item_id, qty, threshold, err));
        char key[48];
        snprintf(key, sizeof key, "%lld:%lld", (long long)warehouse_id, (long long)item_id);
        json_t *b = json_pack("{s:I}", "threshold", (json_int_t)old);
        json_t *a = json_pack("{s:I}", "threshold", (json_int_t)threshold);
        write_audit_key(&wr, "update", "stock_threshold", key, w.region, b, a);
        json_decref(b);
        json_decref(a);
    }
    return write_end(&wr, 0);
}

/* ---- the ledger: entries, lots, draws ------------------------------------------ */

/* Writes one entry: the new balance checked (409 when negative), the stock
 * row, the entry row, the counters and, when it falls below its threshold,
 * the alert.  "kind" is the entry kind. */
int supply_entry_apply(struct write *wr, int64_t op_id, const char *kind, const struct warehouse *w,
                       int64_t item, int64_t delta, int64_t reverses_entry, int64_t *entry_id)
{
    if (!write_ok(wr))
        return wr->rc;
    struct store *s = wr->s;
    struct ep_error *err = wr->err;
    int64_t qty, threshold;
    int rc = stock_read(s, w->id, item, &qty, &threshold, err);
    if (rc != 0)
        return rc;
    if (qty + delta < 0) {
        struct item_info it;
        if ((rc = supply_item_load(s, item, &it, err)) != 0)
            return rc;
        return ep_error_set(err, EP_ECONFLICT, "库存不足:%s 在 %s 仅有 %lld %s,需要 %lld",
                            "insufficient stock: %s in %s has %lld %s, %lld needed", it.name,
                            w->name, (long long)qty, it.unit, (long long)-delta);
    }
    struct store_stmt *st = store_prepare(
        s,
        "INSERT INTO stock (warehouse_id, item_id, quantity) VALUES (?, ?, ?)"
        " ON CONFLICT (warehouse_id, item_id) DO UPDATE SET quantity = excluded.quantity",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, w->id);
    store_bind_int64(st, 2, item);
    store_bind_int64(st, 3, qty + delta);
    if ((rc = store_run(st, err)) != 0)
        return rc;
    st =
        store_prepare(s,
                      "INSERT INTO ledger_entries (op_id, kind, warehouse_id, region_code, item_id,"
                      " delta, balance_after, reverses_entry_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, op_id);
    store_bind_text(st, 2, kind);
    store_bind_int64(st, 3, w->id);
    store_bind_text(st, 4, w->region);
    store_bind_int64(st, 5, item);
    store_bind_int64(st, 6, delta);
    store_bind_int64(st, 7, qty + delta);
    if (reverses_entry)
        store_bind_int64(st, 8, reverses_entry);
    if ((rc = store_run(st, err)) != 0)
        return rc;
    *entry_id = store_last_insert_id(s);
    char metric[64];
    metric_name(metric, "supply_stock", item);
    if ((rc = write_count(wr, w->region, metric, delta)) != 0)
        return rc;
    if (strcmp(kind, "receive") == 0) {
        metric_name(metric, "supply_received", item);
        if ((rc = write_count(wr, w->region, metric, delta)) != 0)
            return rc;
    }
    int was = threshold > 0 && qty<threshold, now = threshold> 0 && qty + delta < threshold;
    if ((rc = write_count(wr, w->region, "supply_low", now - was)) != 0)
        return rc;
    if (now && delta < 0)
        return raise_low(s, w, item, qty + delta, threshold, err);
    return 0;
}

int supply_lot_create(struct store *s, int64_t wh, int64_t item, int64_t donation, int64_t entry,
                      int64_t origin, int64_t qty, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s,
        "INSERT INTO lots (warehouse_id, item_id, donation_id, entry_id, origin_lot_id, quantity,"
        " remaining) VALUES (?, ?, ?, ?, ?, ?, ?)",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, wh);
    store_bind_int64(st, 2, item);
    if (donation)
        store_bind_int64(st, 3, donation);
    store_bind_int64(st, 4, entry);
    if (origin)
        store_bind_int64(st, 5, origin);
    store_bind_int64_twice(st, 6, qty);
    return store_run(st, err);
}

/* Records a draw of "qty" (negative = put back) from a lot. */
static int lot_draw(struct store *s, int64_t entry, int64_t lot, int64_t qty, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "UPDATE lots SET remaining = remaining - ? WHERE id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, qty);
    store_bind_int64(st, 2, lot);
    int rc = store_run(st, err);
    if (rc != 0)
        return rc;
    st = store_prepare(s, "INSERT INTO lot_draws (entry_id, lot_id, quantity) VALUES (?, ?, ?)",
                       err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, entry);
    store_bind_int64(st, 2, lot);
    store_bind_int64(st, 3, qty);
    return store_run(st, err);
}

/* Draws (lot, donation, quantity) collected before they are applied. */
struct draws {
    int n, cap;
    struct draw {
        int64_t lot, donation, qty;
    } * v;
};

static void draws_push(struct draws *d, int64_t lot, int64_t donation, int64_t qty)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        struct draw *v = realloc(d->v, (size_t)d->cap * sizeof *v);
        if (!v)
            abort();
        d->v = v;
    }
    d->v[d->n++] = (struct draw){lot, donation, qty};
}

/* Takes "qty" units from the oldest lots of a warehouse item (FIFO) for
 * entry "entry"; the lots drawn are appended to "d".  The stock check has
 * passed, so the lots hold enough (stock = SUM(remaining)). */
static int draw_fifo(struct store *s, int64_t entry, int64_t wh, int64_t item, int64_t qty,
                     struct draws *d, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s,
        "SELECT id, COALESCE(donation_id, 0), remaining FROM lots WHERE warehouse_id = ?"
        " AND item_id = ? AND remaining > 0 ORDER BY id",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, wh);
    store_bind_int64(st, 2, item);
    int from = d->n, rc;
    int64_t left = qty;
    while (left > 0 && (rc = store_step(st, err)) == STORE_ROW) {
        int64_t take = store_column_int64(st, 2) < left ? store_column_int64(st, 2) : left;
        draws_push(d, store_column_int64(st, 0), store_column_int64(st, 1), take);
        left -= take;
    }
    store_stmt_reset(st);
    if (left > 0)
        return ep_error_set(err, EP_EINTERNAL, "批次余量与库存不一致",
                            "lot remainders disagree with the stock");
    for (int i = from; i < d->n; i++)
        if ((rc = lot_draw(s, entry, d->v[i].lot, d->v[i].qty, err)) != 0)
            return rc;
    return 0;
}

int supply_op_insert(struct store *s, const struct actor *who, const char *kind, const char *date,
                     int64_t reverses, const char *source, int64_t donation,
                     const struct supply_op_input *in, int64_t *op_id, struct ep_error *err)
{
    char now[32];
    time_now_iso(now);
    struct store_stmt *st = store_prepare(
        s,
        "INSERT INTO ledger_ops (kind, op_date, reverses_op_id, source, donation_id,"
        " recipient_kind, recipient_region, recipient_name, request_id, reason_code, approver,"
        " note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, kind);
    store_bind_text(st, 2, date);
    if (reverses)
        store_bind_int64(st, 3, reverses);
    store_bind_text(st, 4, source);
    if (donation)
        store_bind_int64(st, 5, donation);
    if (in) {
        store_bind_text(st, 6, in->recipient_kind);
        store_bind_text(st, 7, in->recipient_region);
        store_bind_text(st, 8, in->recipient_name);
        if (in->request_id)
            store_bind_int64(st, 9, in->request_id);
        store_bind_text(st, 10, in->reason_code);
        store_bind_text(st, 11, in->approver && *in->approver ? in->approver : NULL);
        store_bind_text(st, 12, in->note && *in->note ? in->note : NULL);
    }
    store_bind_text(st, 13, who->user->username);
    store_bind_text(st, 14, now);
    int rc = store_run(st, err);
    if (rc == 0)
        *op_id = store_last_insert_id(s);
    return rc;
}

/* Checks lines and resolves packs into base units (into "out", same
 * order).  "signed_ok": adjustments take a signed quantity. */
void supply_lines_check(struct store *s, int nlines, const struct supply_line *lines, int signed_ok,
                        int required, int64_t *out, struct ep_error *err)
{
    if (nlines < (required ? 1 : 0) || nlines > SUPPLY_LINES_MAX) {
        ep_error_field(err, "lines", "须有 1 至 %d 行", "must have 1 to %d lines",
                       SUPPLY_LINES_MAX);
        return;
    }
    for (int i = 0; i < nlines; i++) {
        char field[48];
        const struct supply_line *l = &lines[i];
        out[i] = 0;
        struct item_info it;
        struct ep_error e2;
        ep_error_clear(&e2);
        /* A missing item is a reference, answered by supply_lines_refs(). */
        int known = l->item_id > 0 && supply_item_load(s, l->item_id, &it, &e2) == 0;
        for (int j = 0; j < i; j++)
            if (lines[j].item_id == l->item_id) {
                snprintf(field, sizeof field, "lines[%d].item_id", i);
                ep_error_field(err, field, "同一物资只能填一行", "an item may appear only once");
            }
        int64_t q = l->quantity;
        if (l->packs && l->quantity) {
            snprintf(field, sizeof field, "lines[%d].packs", i);
            ep_error_field(err, field, "数量和包数只能填一个", "give quantity or packs, not both");
            continue;
        }
        if (l->packs) {
            if (!known)
                continue;
            if (!it.pack_size) {
                snprintf(field, sizeof field, "lines[%d].packs", i);
                ep_error_field(err, field, "该物资没有包装规格", "this item has no pack size");
                continue;
            }
            if (l->packs > SUPPLY_QUANTITY_MAX / it.pack_size ||
                l->packs < -SUPPLY_QUANTITY_MAX / it.pack_size) {
                snprintf(field, sizeof field, "lines[%d].packs", i);
                ep_error_field(err, field, "数量过大", "is too large");
                continue;
            }
            q = l->packs * it.pack_size;
        }
        if (q == 0) { /* neither given (0 is none) */
            snprintf(field, sizeof field, "lines[%d].quantity", i);
            ep_error_field(err, field, "数量(quantity)和包数(packs)须填一个",
                           "give quantity or packs (one of them)");
            continue;
        }
        if ((!signed_ok && q < 0) || q > SUPPLY_QUANTITY_MAX || q < -SUPPLY_QUANTITY_MAX) {
            snprintf(field, sizeof field, "lines[%d].quantity", i);
            ep_error_field(err, field,
                           signed_ok ? "须为非零整数(盘亏为负)" : "须为正整数(以基本单位计)",
                           signed_ok ? "must be a non-zero integer (negative for a loss)"
                                     : "must be a positive integer of base units");
            continue;
        }
        out[i] = q;
    }
}

int supply_lines_refs(struct write *w, int nlines, const struct supply_line *lines)
{
    for (int i = 0; i < nlines && write_ok(w); i++) {
        char field[48];
        snprintf(field, sizeof field, "lines[%d].item_id", i);
        write_ref(w, REF_ITEM, lines[i].item_id, field, NULL);
    }
    return w->rc;
}
/* The audit representation of an operation (its input). */
json_t *supply_op_audit_json(const char *kind, int64_t wh, int64_t to_wh,
                             const struct supply_op_input *in, int nlines,
                             const struct supply_line *lines, const int64_t *qty)
{
    json_t *l = json_array();
    for (int i = 0; i < nlines; i++)
        json_array_append_new(l, json_pack("{s:I, s:I}", "item_id", (json_int_t)lines[i].item_id,
                                           "quantity", (json_int_t)qty[i]));
    json_t *o =
        json_pack("{s:s, s:I, s:o}", "kind", kind, "warehouse_id", (json_int_t)wh, "lines", l);
    if (to_wh)
        json_object_set_new(o, "to_warehouse_id", json_integer(to_wh));
    if (in && in->recipient_name)
        json_object_set_new(o, "recipient",
                            json_pack("{s:s?, s:s?, s:s?}", "kind", in->recipient_kind, "region",
                                      in->recipient_region, "name", in->recipient_name));
    if (in && in->reason_code)
        json_object_set_new(o, "reason_code", json_string(in->reason_code));
    if (in && in->approver)
        json_object_set_new(o, "approver", json_string(in->approver));
    if (in && in->request_id)
        json_object_set_new(o, "request_id", json_integer(in->request_id));
    return o;
}
/* Operation "in" inside write "wr": its references (warehouses, recipient
 * region, request, items) checked against the writer's scope, then the
 * operation, its entries, lots, draws, counters, the request's progress and
 * the audit row.  "qty" are the lines in base units (supply_lines_check). */
static int op_step(struct write *wr, const struct supply_op_input *in, const char *date,
                   const int64_t *qty, int64_t *op_id)
{
    struct store *s = wr->s;
    struct ep_error *err = wr->err;
    int transfer = strcmp(in->kind, "transfer") == 0;
    int allocate = strcmp(in->kind, "allocate") == 0;
    write_ref(wr, REF_WAREHOUSE, in->warehouse_id, "warehouse_id", NULL);
    if (transfer)
        write_ref(wr, REF_WAREHOUSE, in->to_warehouse_id, "to_warehouse_id", NULL);
    if (allocate)
        write_region(wr, in->recipient_region, 0, "recipient_region", NULL);
    if (in->request_id)
        write_ref(wr, REF_SUPPLY_REQUEST, in->request_id, "request_id", NULL);
    supply_lines_refs(wr, in->nlines, in->lines);
    if (write_check(wr) != 0)
        return wr->rc;
    struct warehouse w, to;
    if (write_fail(wr, supply_warehouse_load(s, in->warehouse_id, &w, err)) != 0 ||
        (transfer && write_fail(wr, supply_warehouse_load(s, in->to_warehouse_id, &to, err)) != 0))
        return wr->rc;
    int rc =
        supply_op_insert(s, wr->who, in->kind, date, 0,
                         strcmp(in->kind, "receive") == 0 ? "purchase" : NULL, 0, in, op_id, err);
    struct draws d = {0};
    for (int i = 0; i < in->nlines && rc == 0; i++) {
        int64_t item = in->lines[i].item_id, q = qty[i], entry;
        const char *ekind = transfer ? "transfer_out" : in->kind;
        /* Receipts and adjustments carry their sign; everything else goes out. */
        int64_t delta =
            strcmp(in->kind, "receive") == 0 || strcmp(in->kind, "adjust") == 0 ? q : -q;
        if ((rc = supply_entry_apply(wr, *op_id, ekind, &w, item, delta, 0, &entry)) != 0)
            break;
        if (delta > 0) {
            rc = supply_lot_create(s, w.id, item, 0, entry, 0, delta, err);
            continue;
        }
        d.n = 0;
        if ((rc = draw_fifo(s, entry, w.id, item, -delta, &d, err)) != 0)
            break;
        if (allocate) {
            char metric[64];
            metric_name(metric, "supply_allocated", item);
            rc = write_count(wr, in->recipient_region, metric, -delta);
        }
        if (transfer) {
            int64_t in_entry;
            if ((rc = supply_entry_apply(wr, *op_id, "transfer_in", &to, item, -delta, 0,
                                         &in_entry)) != 0)
                break;
            for (int k = 0; k < d.n && rc == 0; k++)
                rc = supply_lot_create(s, to.id, item, d.v[k].donation, in_entry, d.v[k].lot,
                                       d.v[k].qty, err);
        }
    }
    free(d.v);
    if (write_fail(wr, rc) == 0 && in->request_id)
        supply_request_apply(wr, in->request_id, in->nlines, in->lines, qty, 1);
    if (write_ok(wr)) {
        json_t *after = supply_op_audit_json(in->kind, w.id, transfer ? to.id : 0, in, in->nlines,
                                             in->lines, qty);
        write_audit(wr, "create", "ledger_op", *op_id, w.region, NULL, after);
        json_decref(after);
    }
    return wr->rc;
}

/* The input checks of an operation (field errors in "err"); "qty" receives
 * the lines in base units, "date" the operation's date and *at the moment it
 * happened.  Returns supply_occurred_check's answer (1: the caller dated it). */
static int op_check(struct store *s, const struct supply_op_input *in, char date[11], int64_t *qty,
                    int64_t *at, struct ep_error *err)
{
    *at = 0;
    if (!in_list(in->kind, supply_op_kinds)) {
        ep_error_field(err, "kind", "须为 receive、allocate、transfer、consume 或 adjust",
                       "must be receive, allocate, transfer, consume or adjust");
        return 0;
    }
    int dated = supply_occurred_check(s, in->op_date, "date", in->occurred_at, date, at, err);
    text_check(in->note, "note", SUPPLY_NOTE_MAX, 0, err);
    if (in->warehouse_id <= 0)
        ep_error_field(err, "warehouse_id", "必须填写仓库", "is required");
    int transfer = strcmp(in->kind, "transfer") == 0, allocate = strcmp(in->kind, "allocate") == 0,
        adjust = strcmp(in->kind, "adjust") == 0;
    if (transfer && in->to_warehouse_id <= 0)
        ep_error_field(err, "to_warehouse_id", "调拨须填写调入仓库", "is required for a transfer");
    if (transfer && in->to_warehouse_id > 0 && in->to_warehouse_id == in->warehouse_id)
        ep_error_field(err, "to_warehouse_id", "调入仓库不能与调出仓库相同",
                       "must differ from warehouse_id");
    if (!transfer && in->to_warehouse_id)
        ep_error_field(err, "to_warehouse_id", "只用于调拨", "is for transfers only");
    if (allocate) {
        if (!in_list(in->recipient_kind, supply_recipient_kinds))
            ep_error_field(err, "recipient_kind",
                           "须为 region(地区)、hospital(医院)、team(队伍)或 checkpoint(卡口)",
                           "must be region, hospital, team or checkpoint");
        if (!in->recipient_region || !region_level_of_code(in->recipient_region))
            ep_error_field(err, "recipient_region", "不是有效的地区编码",
                           "is not a valid region code");
        text_check(in->recipient_name, "recipient_name", SUPPLY_NAME_MAX, TEXT_REQUIRED, err);
    } else {
        if (in->recipient_kind || in->recipient_region || in->recipient_name)
            ep_error_field(err, "recipient_name", "只用于分配", "is for allocations only");
        if (in->request_id)
            ep_error_field(err, "request_id", "只用于分配", "is for allocations only");
    }
    if (adjust) {
        if (!in_list(in->reason_code, supply_reason_codes))
            ep_error_field(err, "reason_code",
                           "须为 count_gain(盘盈)、count_loss(盘亏)、damaged(损坏)、expired(过期)、"
                           "lost(丢失)或 other",
                           "must be count_gain, count_loss, damaged, expired, lost or other");
        text_check(in->approver, "approver", SUPPLY_APPROVER_MAX, TEXT_REQUIRED, err);
    } else {
        if (in->reason_code)
            ep_error_field(err, "reason_code", "只用于盘点调整", "is for adjustments only");
        text_check(in->approver, "approver", SUPPLY_APPROVER_MAX, 0, err);
    }
    supply_lines_check(s, in->nlines, in->lines, adjust, 1, qty, err);
    return dated;
}

int supply_op_create(struct store *s, const struct actor *who, const struct supply_op_input *in,
                     int64_t *op_id_out, struct ep_error *err)
{
    *op_id_out = 0;
    char date[11];
    int64_t qty[SUPPLY_LINES_MAX], at;
    int dated = op_check(s, in, date, qty, &at, err);
    if (dated < 0)
        return dated;
    if (err->code)
        return -err->code;
    struct write w;
    int64_t first = 0, id = 0;
    if (write_begin(&w, s, who, "ledger_op", in->idem, &first, err) == WRITE_REPLAY) {
        *op_id_out = first;
        return 0;
    }
    if (dated && at != w.now_unix)
        write_occurred(&w, at);
    if (write_ok(&w))
        op_step(&w, in, date, qty, &id);
    int rc = write_end(&w, id);
    *op_id_out = rc ? 0 : id;
    return rc;
}

int supply_op_fulfil(struct write *w, const struct supply_op_input *in, int64_t *op_id)
{
    char date[11];
    int64_t qty[SUPPLY_LINES_MAX], at;
    *op_id = 0;
    if (!write_ok(w))
        return w->rc;
    int dated = op_check(w->s, in, date, qty, &at, w->err);
    if (dated < 0)
        return write_fail(w, dated);
    if (write_check(w) != 0)
        return w->rc;
    return op_step(w, in, date, qty, op_id);
}

/* ---- reversal ------------------------------------------------------------------ */

struct op_entry {
    int64_t id, wh, item, delta;
    char kind[16];
    char region[REGION_CODE_MAX]; /* the warehouse's */
};

int supply_op_reverse(struct store *s, const struct actor *who, int64_t op_id, const char *approver,
                      const char *note, int64_t *new_op_id, struct ep_error *err)
{
    *new_op_id = 0;
    text_check(approver, "approver", SUPPLY_APPROVER_MAX, TEXT_REQUIRED, err);
    text_check(note, "note", SUPPLY_NOTE_MAX, 0, err);
    if (err->code)
        return -err->code;
    struct write wr;
    int rc = write_begin(&wr, s, who, NULL, NULL, NULL, err);
    if (rc != 0)
        return rc;
    struct op_entry *entries = NULL;
    int n = 0, cap = 0, visible = 1;
    struct store_stmt *st = store_prepare(
        s,
        "SELECT o.kind, o.source, COALESCE(o.donation_id, 0), COALESCE(o.reverses_op_id, 0),"
        " (SELECT r.id FROM ledger_ops r WHERE r.reverses_op_id = o.id), o.recipient_kind,"
        " o.recipient_region, o.recipient_name, COALESCE(o.request_id, 0)"
        " FROM ledger_ops o WHERE o.id = ?",
        err);
    if (!st) {
        rc = -EP_EINTERNAL;
        goto out;
    }
    store_bind_int64(st, 1, op_id);
    rc = store_step(st, err);
    char kind[16] = "", rkind[16] = "", rregion[REGION_CODE_MAX] = "", rname[512] = "";
    int64_t donation = 0, reverses = 0, reversed_by = 0, request = 0;
    if (rc == STORE_ROW) {
        snprintf(kind, sizeof kind, "%s", store_column_text(st, 0));
        donation = store_column_int64(st, 2);
        reverses = store_column_int64(st, 3);
        reversed_by = store_column_int64(st, 4);
        snprintf(rkind, sizeof rkind, "%s", store_column_text(st, 5));
        snprintf(rregion, sizeof rregion, "%s", store_column_text(st, 6));
        snprintf(rname, sizeof rname, "%s", store_column_text(st, 7));
        request = store_column_int64(st, 8);
    }
    store_stmt_reset(st);
    if (rc < 0)
        goto out;
    /* Its entries, newest first: a transfer's incoming side is undone before
     * its outgoing side.  Visible only when every warehouse is in scope. */
    st = store_prepare(s,
                       "SELECT id, warehouse_id, item_id, delta, kind, region_code"
                       " FROM ledger_entries WHERE op_id = ? ORDER BY id DESC",
                       err);
    if (!st) {
        rc = -EP_EINTERNAL;
        goto out;
    }
    store_bind_int64(st, 1, op_id);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            struct op_entry *v = realloc(entries, (size_t)cap * sizeof *v);
            if (!v)
                abort();
            entries = v;
        }
        struct op_entry *e = &entries[n++];
        e->id = store_column_int64(st, 0);
        e->wh = store_column_int64(st, 1);
        e->item = store_column_int64(st, 2);
        e->delta = store_column_int64(st, 3);
        snprintf(e->kind, sizeof e->kind, "%s", store_column_text(st, 4));
        snprintf(e->region, sizeof e->region, "%s", store_column_text(st, 5));
        if (!region_in_scope(store_column_text(st, 5), who->user->scope))
            visible = 0;
    }
    store_stmt_reset(st);
    if (rc < 0)
        goto out;
    if (!kind[0] || !visible || n == 0) {
        rc = ep_error_set(err, EP_ENOTFOUND, "台账记录 %lld 不存在",
                          "ledger operation %lld not found", (long long)op_id);
        goto out;
    }
    if (reverses || reversed_by) {
        rc = ep_error_set(err, EP_ECONFLICT, "台账记录 %lld 已冲销或本身是冲销记录",
                          "ledger operation %lld is already reversed or is a reversal",
                          (long long)op_id);
        goto out;
    }
    if (donation) {
        rc = ep_error_set(err, EP_ERULE, "捐赠入库不能冲销(捐赠一经登记即公示)",
                          "a donation's receipt cannot be reversed (donations are public)");
        goto out;
    }
    char date[11];
    time_date_format(time_today_cn(), date);
    struct supply_op_input copy = {0};
    copy.recipient_kind = rkind[0] ? rkind : NULL;
    copy.recipient_region = rregion[0] ? rregion : NULL;
    copy.recipient_name = rname[0] ? rname : NULL;
    copy.request_id = request;
    copy.approver = approver;
    copy.note = note;
    if ((rc = supply_op_insert(s, who, "reversal", date, op_id, NULL, 0, &copy, new_op_id, err)) !=
        0)
        goto out;
    int64_t qty[SUPPLY_LINES_MAX];
    struct supply_line lines[SUPPLY_LINES_MAX];
    int nreq = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        struct op_entry *e = &entries[i];
        struct warehouse w;
        int64_t entry;
        if ((rc = supply_warehouse_load(s, e->wh, &w, err)) != 0)
            break;
        if (e->delta > 0) {
            /* Its lots must still hold every unit. */
            st = store_prepare(s,
                               "SELECT id, quantity, remaining FROM lots WHERE entry_id = ?"
                               " ORDER BY id",
                               err);
            if (!st) {
                rc = -EP_EINTERNAL;
                break;
            }
            store_bind_int64(st, 1, e->id);
            struct draws d = {0};
            int gone = 0;
            while ((rc = store_step(st, err)) == STORE_ROW) {
                if (store_column_int64(st, 2) != store_column_int64(st, 1))
                    gone = 1;
                draws_push(&d, store_column_int64(st, 0), 0, store_column_int64(st, 1));
            }
            store_stmt_reset(st);
            if (rc == 0 && gone)
                rc = ep_error_set(err, EP_ECONFLICT, "该批物资已有出库,请先冲销后续出库记录",
                                  "units of this receipt have gone out since: reverse those first");
            if (rc == 0)
                rc = supply_entry_apply(&wr, *new_op_id, e->kind, &w, e->item, -e->delta, e->id,
                                        &entry);
            for (int k = 0; k < d.n && rc == 0; k++)
                rc = lot_draw(s, entry, d.v[k].lot, d.v[k].qty, err);
            free(d.v);
        } else {
            if ((rc = supply_entry_apply(&wr, *new_op_id, e->kind, &w, e->item, -e->delta, e->id,
                                         &entry)) != 0)
                break;
            st = store_prepare(s, "SELECT lot_id, quantity FROM lot_draws WHERE entry_id = ?", err);
            if (!st) {
                rc = -EP_EINTERNAL;
                break;
            }
            store_bind_int64(st, 1, e->id);
            struct draws d = {0};
            while ((rc = store_step(st, err)) == STORE_ROW)
                draws_push(&d, store_column_int64(st, 0), 0, store_column_int64(st, 1));
            store_stmt_reset(st);
            for (int k = 0; k < d.n && rc == 0; k++)
                rc = lot_draw(s, entry, d.v[k].lot, -d.v[k].qty, err);
            free(d.v);
            if (rc == 0 && strcmp(e->kind, "allocate") == 0) {
                char metric[64];
                metric_name(metric, "supply_allocated", e->item);
                rc = write_count(&wr, rregion, metric, e->delta);
                if (nreq < SUPPLY_LINES_MAX) {
                    lines[nreq] = (struct supply_line){e->item, 0, 0};
                    qty[nreq++] = -e->delta;
                }
            }
        }
    }
    if (rc == 0 && request && nreq)
        rc = supply_request_apply(&wr, request, nreq, lines, qty, -1);
    if (rc == 0) {
        json_t *after = json_pack("{s:s, s:I, s:s, s:s?}", "kind", "reversal", "reverses_op_id",
                                  (json_int_t)op_id, "approver", approver, "note", note);
        rc = write_audit(&wr, "reverse", "ledger_op", *new_op_id, entries[n - 1].region, NULL,
                         after);
        json_decref(after);
    }
out:
    free(entries);
    write_fail(&wr, rc < 0 ? rc : 0);
    rc = write_end(&wr, *new_op_id);
    if (rc != 0)
        *new_op_id = 0;
    return rc;
}

/* ---- reading the ledger ------------------------------------------------------------ */

#define OP_COLUMNS                                                                                 \
    "o.id, o.kind, o.op_date, o.reverses_op_id, (SELECT r.id FROM ledger_ops r"                    \
    " WHERE r.reverses_op_id = o.id) AS reversed_by_op_id, o.source, o.donation_id,"               \
    " o.recipient_kind, o.recipient_region, o.recipient_name, o.request_id, o.reason_code,"        \
    " o.approver, o.note, o.created_by, o.created_at"
#define OP_SPEC "issIISISSSISSSss"

int supply_op_json(struct store *s, const char *scope, int64_t op_id, json_t **out,
                   struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT " OP_COLUMNS " FROM ledger_ops o WHERE o.id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, op_id);
    int rc = store_step(st, err);
    json_t *op = rc == STORE_ROW ? supply_row_json(st, OP_SPEC) : NULL;
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    st =
        store_prepare(s,
                      "SELECT e.id, e.kind, e.warehouse_id, w.name AS warehouse_name,"
                      " e.region_code, e.item_id, i.name AS item_name, i.unit, e.delta,"
                      " e.balance_after, e.reverses_entry_id FROM ledger_entries e"
                      " JOIN warehouses w ON w.id = e.warehouse_id JOIN items i ON i.id = e.item_id"
                      " WHERE e.op_id = ? ORDER BY e.id",
                      err);
    json_t *entries = NULL;
    if (op && st) {
        store_bind_int64(st, 1, op_id);
        rc = supply_rows_json(st, "isississiiI", &entries, err);
    } else if (!st) {
        rc = -EP_EINTERNAL;
    }
    int visible = 0;
    size_t i;
    json_t *e;
    if (entries)
        json_array_foreach(
            entries, i, e) if (region_in_scope(json_string_value(json_object_get(e, "region_code")),
                                               scope)) visible = 1;
    if (rc < 0 || !visible) {
        json_decref(op);
        json_decref(entries);
        if (rc < 0)
            return rc;
        return ep_error_set(err, EP_ENOTFOUND, "台账记录 %lld 不存在",
                            "ledger operation %lld not found", (long long)op_id);
    }
    /* Per entry: the lots drawn from (where the units came from) or created. */
    json_array_foreach(entries, i, e)
    {
        int64_t entry = json_integer_value(json_object_get(e, "id"));
        st = store_prepare(s,
                           "SELECT d.lot_id, d.quantity, l.donation_id, dn.receipt_no,"
                           " CASE WHEN dr.kind = 'anonymous' THEN '匿名' ELSE dr.name END AS donor,"
                           " l.warehouse_id FROM lot_draws d JOIN lots l ON l.id = d.lot_id"
                           " LEFT JOIN donations dn ON dn.id = l.donation_id"
                           " LEFT JOIN donors dr ON dr.id = dn.donor_id"
                           " WHERE d.entry_id = ? ORDER BY d.lot_id",
                           err);
        json_t *from = NULL, *lots = NULL;
        if (st) {
            store_bind_int64(st, 1, entry);
            rc = supply_rows_json(st, "iiISSi", &from, err);
        }
        if (rc == 0 && st) {
            st = store_prepare(s,
                               "SELECT l.id AS lot_id, l.quantity, l.remaining, l.donation_id,"
                               " l.origin_lot_id FROM lots l WHERE l.entry_id = ? ORDER BY l.id",
                               err);
            if (st) {
                store_bind_int64(st, 1, entry);
                rc = supply_rows_json(st, "iiiII", &lots, err);
            }
        }
        if (!st || rc != 0) {
            json_decref(from);
            json_decref(op);
            json_decref(entries);
            return rc ? rc : -EP_EINTERNAL;
        }
        json_object_set_new(e, "drawn_from", from);
        json_object_set_new(e, "lots", lots);
    }
    json_object_set_new(op, "entries", entries);
    *out = op;
    return 0;
}

#define LEDGER_COLUMNS                                                                             \
    "e.id, e.op_id, o.kind AS op_kind, e.kind, o.op_date, e.warehouse_id, w.name AS"               \
    " warehouse_name, e.item_id, i.name AS item_name, i.unit, e.delta, e.balance_after,"           \
    " o.recipient_kind, o.recipient_name, o.recipient_region, o.reason_code, o.approver,"          \
    " o.source, o.donation_id, o.reverses_op_id, o.note, o.created_by, o.created_at"
#define LEDGER_SPEC "iisssisissiiSSSSSSIISss"
/* Columns of LEDGER_COLUMNS the xlsx shows by their Chinese names. */
enum {
    LEDGER_OP_KIND = 2,
    LEDGER_KIND = 3,
    LEDGER_RECIPIENT_KIND = 12,
    LEDGER_REASON = 15,
    LEDGER_SOURCE = 17
};

int supply_ledger_list(struct store *s, const struct supply_ledger_filter *f, json_t *items,
                       struct ep_error *err)
{
    /* Whether supply_op_reverse may take the entry's operation: not a
     * reversal, not reversed, not a donation, every warehouse in the scope,
     * and every unit its inflows brought still in their lots. */
    struct store_stmt *st = store_prepare(
        s,
        "SELECT " LEDGER_COLUMNS ", (SELECT r.id FROM ledger_ops r WHERE r.reverses_op_id = o.id)"
        " AS reversed_by_op_id, CASE WHEN o.kind <> 'reversal' AND o.donation_id IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM ledger_ops r WHERE r.reverses_op_id = o.id)"
        " AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.op_id = o.id"
        " AND (x.region_code < ? OR x.region_code >= ?))"
        " AND NOT EXISTS (SELECT 1 FROM ledger_entries x JOIN lots l ON l.entry_id = x.id"
        " WHERE x.op_id = o.id AND l.remaining < l.quantity) THEN 1 ELSE 0 END AS reversible"
        " FROM ledger_entries e JOIN ledger_ops o ON o.id = e.op_id"
        " JOIN warehouses w ON w.id = e.warehouse_id JOIN items i ON i.id = e.item_id"
        " WHERE e.region_code >= ? AND e.region_code < ? AND e.id < ?"
        " AND (? = 0 OR e.warehouse_id = ?) AND (? = 0 OR e.item_id = ?)"
        " ORDER BY e.id DESC LIMIT ?",
        err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, f->scope);
    region_bind_range(st, 3, f->scope);
    store_bind_int64(st, 5, f->before_id > 0 ? f->before_id : INT64_MAX);
    store_bind_int64_twice(st, 6, f->warehouse_id);
    store_bind_int64_twice(st, 8, f->item_id);
    store_bind_int64(st, 10, f->limit);
    return supply_rows_append(st, LEDGER_SPEC "Ib", items, err);
}

/* Column "col" of a ledger row as the sheet shows it: codes by their
 * Chinese names, a receipt from a donation as 捐赠入库 (as the page does). */
static const char *ledger_cell(struct store_stmt *st, int col)
{
    const char *v = store_column_text(st, col);
    switch (col) {
    case LEDGER_OP_KIND:
        if (strcmp(v, "receive") == 0 && !store_column_is_null(st, LEDGER_SOURCE) &&
            strcmp(store_column_text(st, LEDGER_SOURCE), "donation") == 0)
            return "捐赠入库";
        return supply_op_kind_zh(v);
    case LEDGER_KIND:
        return supply_entry_kind_zh(v);
    case LEDGER_RECIPIENT_KIND:
        return supply_recipient_kind_zh(v);
    case LEDGER_REASON:
        return supply_reason_zh(v);
    case LEDGER_SOURCE:
        return supply_source_zh(v);
    default:
        return v;
    }
}

int supply_ledger_xlsx(struct store *s, const char *scope, const char *path, int64_t *rows,
                       struct ep_error *err)
{
    *rows = 0;
    static const char *const headers[] = {
        "流水号", "操作号",   "操作", "分录",     "日期",     "仓库",     "物资",
        "单位",   "数量变动", "结存", "去向类别", "去向单位", "去向地区", "调整原因",
        "审批人", "来源",     "捐赠", "冲销操作", "备注",     "经办人",   "登记时间"};
    static const int cols[] = {0,  1,  2,  3,  4,  6,  8,  9,  10, 11, 12,
                               13, 14, 15, 16, 17, 18, 19, 20, 21, 22};
    static const int numeric[] = {1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0};
    lxw_workbook_options options = {.constant_memory = LXW_TRUE, .tmpdir = NULL};
    lxw_workbook *book = workbook_new_opt(path, &options);
    if (!book)
        return ep_error_set(err, EP_EINTERNAL, "无法创建 xlsx 文件", "cannot create the xlsx file");
    lxw_worksheet *sheet = workbook_add_worksheet(book, "物资台账");
    lxw_format *bold = workbook_add_format(book);
    format_set_bold(bold);
    int ncols = (int)(sizeof headers / sizeof headers[0]);
    for (int c = 0; c < ncols; c++)
        worksheet_write_string(sheet, 0, (lxw_col_t)c, headers[c], bold);
    struct store_stmt *st = store_prepare(
        s,
        "SELECT " LEDGER_COLUMNS " FROM ledger_entries e JOIN ledger_ops o ON o.id = e.op_id"
        " JOIN warehouses w ON w.id = e.warehouse_id JOIN items i ON i.id = e.item_id"
        " WHERE e.region_code >= ? AND e.region_code < ? ORDER BY e.id",
        err);
    int rc = st ? 0 : -EP_EINTERNAL;
    lxw_row_t row = 1;
    if (st) {
        region_bind_range(st, 1, scope);
        while ((rc = store_step(st, err)) == STORE_ROW && row < LXW_ROW_MAX) {
            for (int c = 0; c < ncols; c++) {
                int col = cols[c];
                if (store_column_is_null(st, col))
                    continue;
                if (numeric[c])
                    worksheet_write_number(sheet, row, (lxw_col_t)c,
                                           (double)store_column_int64(st, col), NULL);
                else
                    worksheet_write_string(sheet, row, (lxw_col_t)c, ledger_cell(st, col), NULL);
            }
            row++;
        }
        store_stmt_reset(st);
        if (rc > 0)
            rc = 0;
    }
    lxw_error e = workbook_close(book);
    if (rc == 0 && e != LXW_NO_ERROR)
        rc = ep_error_set(err, EP_EINTERNAL, "写 xlsx 失败:%s", "writing xlsx failed: %s",
                          lxw_strerror(e));
    *rows = (int64_t)row - 1;
    return rc;
}
