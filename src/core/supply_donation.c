/*
 * supply_donation.c -- donors and donations (see supply.h): registering a
 * donor (phones masked in every answer and in the audit log), recording a
 * donation (its lines, one receive operation with one lot per line, the
 * money as a fund entry), reading a donation with the trace of where every
 * unit went, and its printable certificate.
 */
#include <stdio.h>
#include <string.h>

#include "core/counter.h"
#include "core/fund.h"
#include "core/region.h"
#include "core/supply_internal.h"
#include "core/write.h"
#include "util/buf.h"
#include "util/idcheck.h"
#include "util/json.h"
#include "util/text.h"
#include "util/timeutil.h"

const char *const supply_donor_kinds[] = {"enterprise", "new_social", "party_org",
                                          "individual", "anonymous",  NULL};
/* The same kinds' names on the public page (zh-CN). */
static const char *const donor_kind_names[] = {"企业", "两新组织", "党组织", "个人", "匿名", NULL};

int supply_donor_kind_check(const char *kind, const char *field, struct ep_error *err)
{
    if (in_list(kind, supply_donor_kinds))
        return 0;
    ep_error_field(err, field,
                   "须为 enterprise(企业)、new_social(两新组织)、party_org(党组织)、"
                   "individual(个人)或 anonymous(匿名)",
                   "must be enterprise, new_social, party_org, individual or anonymous");
    return -EP_EINVAL;
}

const char *supply_donor_kind_name(const char *kind)
{
    int i = text_list_index(kind, supply_donor_kinds);
    return i >= 0 ? donor_kind_names[i] : "";
}

int supply_donor_kind_totals(struct store *s, const char *scope, const char *kind, json_t **out,
                             struct ep_error *err)
{
    *out = NULL;
    const char *k = kind ? kind : "";
    struct store_stmt *st = store_prepare(
        s,
        "SELECT dr.kind, count(*), COALESCE(SUM(d.money_fen), 0) FROM donations d"
        " JOIN donors dr ON dr.id = d.donor_id WHERE d.region_code >= ? AND d.region_code < ?"
        " AND (? = '' OR dr.kind = ?) GROUP BY dr.kind",
        err);
    if (!st)
        return -EP_EINTERNAL;
    /* Every kind in its fixed order, with zeros where none gave (one kind
     * only when "kind" is given). */
    json_t *rows = json_array();
    for (int i = 0; supply_donor_kinds[i]; i++)
        if (!*k || strcmp(k, supply_donor_kinds[i]) == 0)
            json_array_append_new(rows,
                                  json_pack("{s:s, s:s, s:i, s:i, s:[]}", "donor_kind",
                                            supply_donor_kinds[i], "name", donor_kind_names[i],
                                            "donations", 0, "money_fen", 0, "goods"));
    region_bind_range(st, 1, scope);
    store_bind_text_twice(st, 3, k);
    int rc;
    size_t i;
    json_t *r;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_foreach(rows, i,
                           r) if (strcmp(jstr(r, "donor_kind"), store_column_text(st, 0)) == 0)
        {
            json_object_set_new(r, "donations", json_integer(store_column_int64(st, 1)));
            json_object_set_new(r, "money_fen", json_integer(store_column_int64(st, 2)));
        }
    store_stmt_reset(st);
    if (rc < 0) {
        json_decref(rows);
        return rc;
    }
    st = store_prepare(
        s,
        "SELECT dr.kind, l.item_id, i.name, i.unit, SUM(l.quantity) FROM donation_lines l"
        " JOIN donations d ON d.id = l.donation_id JOIN donors dr ON dr.id = d.donor_id"
        " JOIN items i ON i.id = l.item_id WHERE d.region_code >= ? AND d.region_code < ?"
        " AND (? = '' OR dr.kind = ?) GROUP BY dr.kind, l.item_id, i.name, i.unit"
        " ORDER BY dr.kind, i.name",
        err);
    if (!st) {
        json_decref(rows);
        return -EP_EINTERNAL;
    }
    region_bind_range(st, 1, scope);
    store_bind_text_twice(st, 3, k);
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_foreach(rows, i,
                           r) if (strcmp(jstr(r, "donor_kind"), store_column_text(st, 0)) == 0)
            json_array_append_new(
                json_object_get(r, "goods"),
                json_pack("{s:I, s:s, s:s, s:I}", "item_id", (json_int_t)store_column_int64(st, 1),
                          "item_name", store_column_text(st, 2), "unit", store_column_text(st, 3),
                          "quantity", (json_int_t)store_column_int64(st, 4)));
    store_stmt_reset(st);
    if (rc < 0) {
        json_decref(rows);
        return rc;
    }
    *out = rows;
    return 0;
}

/* ---- donors -------------------------------------------------------------- */

int supply_donor_create(struct store *s, const struct actor *who,
                        const struct supply_donor_input *in, int64_t *id_out, struct ep_error *err)
{
    *id_out = 0;
    text_check(in->name, "name", SUPPLY_NAME_MAX, TEXT_REQUIRED, err);
    supply_donor_kind_check(in->kind, "kind", err);
    text_check(in->contact_name, "contact_name", SUPPLY_CONTACT_NAME_MAX, 0, err);
    if (in->contact_phone && *in->contact_phone && !idcheck_phone(in->contact_phone))
        ep_error_field(err, "contact_phone", "不是有效的手机号或固定电话",
                       "is not a valid mobile or landline number");
    const char *region = in->region_code && *in->region_code ? in->region_code : who->user->scope;
    if (!region_level_of_code(region))
        ep_error_field(err, "region_code", "不是有效的地区编码", "is not a valid region code");
    if (err->code)
        return -err->code;
    struct write w;
    int64_t id = 0;
    write_begin(&w, s, who, NULL, NULL, NULL, err);
    write_region(&w, region, 0, "region_code", NULL);
    write_check(&w);
    struct store_stmt *st =
        !write_ok(&w)
            ? NULL
            : store_prepare(s,
                            "INSERT INTO donors (name, kind, contact_name, contact_phone,"
                            " region_code, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            err);
    if (write_ok(&w) && !st)
        write_fail(&w, -EP_EINTERNAL);
    if (write_ok(&w)) {
        store_bind_text(st, 1, in->name);
        store_bind_text(st, 2, in->kind);
        store_bind_text(st, 3, in->contact_name && *in->contact_name ? in->contact_name : NULL);
        store_bind_text(st, 4, in->contact_phone && *in->contact_phone ? in->contact_phone : NULL);
        store_bind_text(st, 5, region);
        store_bind_text(st, 6, who->user->username);
        store_bind_text(st, 7, w.now);
        write_fail(&w, store_run(st, err));
    }
    if (write_ok(&w)) {
        id = store_last_insert_id(s);
        char masked[32] = "";
        if (in->contact_phone && *in->contact_phone)
            idcheck_mask_phone(in->contact_phone, masked, sizeof masked);
        /* The audit log keeps PII masked too. */
        json_t *after = json_pack("{s:s, s:s, s:s?}", "name", in->name, "kind", in->kind,
                                  "contact_phone", masked[0] ? masked : NULL);
        write_audit(&w, "create", "donor", id, region, NULL, after);
        json_decref(after);
    }
    int rc = write_end(&w, id);
    *id_out = rc ? 0 : id;
    return rc;
}

/* Replaces the "contact_phone" member of a donor object by its mask. */
static void mask_phone_member(json_t *o)
{
    const char *phone = json_string_value(json_object_get(o, "contact_phone"));
    if (!phone)
        return;
    char masked[32];
    idcheck_mask_phone(phone, masked, sizeof masked);
    json_object_set_new(o, "contact_phone", json_string(masked));
}

int supply_donors_list(struct store *s, const char *scope, int64_t before_id, int limit,
                       json_t *items, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s,
        "SELECT id, name, kind, contact_name, contact_phone, region_code, created_at FROM donors"
        " WHERE region_code >= ? AND region_code < ? AND id < ? ORDER BY id DESC LIMIT ?",
        err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, scope);
    store_bind_int64(st, 3, before_id > 0 ? before_id : INT64_MAX);
    store_bind_int64(st, 4, limit);
    size_t from = json_array_size(items);
    int rc = supply_rows_append(st, "issSSss", items, err);
    for (size_t i = from; rc == 0 && i < json_array_size(items); i++)
        mask_phone_member(json_array_get(items, i));
    return rc;
}

/* ---- donations ------------------------------------------------------------------------ */

/* The donation inside write "wr": references (donor, warehouse, fund
 * account, items) checked against the writer's scope, then the donation, its
 * lines, one receive operation with one lot per line, the fund entry for the
 * money, counters and the audit row. */
static int donation_step(struct write *wr, const struct supply_donation_input *in, const char *date,
                         const int64_t *qty, int64_t *id_out)
{
    struct store *s = wr->s;
    struct ep_error *err = wr->err;
    const struct actor *who = wr->who;
    char region[REGION_CODE_MAX] = "";
    write_ref(wr, REF_DONOR, in->donor_id, "donor_id", NULL);
    if (in->nlines > 0)
        write_ref(wr, REF_WAREHOUSE, in->warehouse_id, "warehouse_id", NULL);
    if (in->money_fen > 0)
        write_ref(wr, REF_FUND_ACCOUNT, in->account_id, "account_id", region);
    supply_lines_refs(wr, in->nlines, in->lines);
    if (write_check(wr) != 0)
        return wr->rc;
    struct warehouse w = {0};
    if (in->nlines > 0 && write_fail(wr, supply_warehouse_load(s, in->warehouse_id, &w, err)) != 0)
        return wr->rc;
    if (w.id)
        snprintf(region, sizeof region, "%s", w.region);
    char now[32];
    time_now_iso(now);
    struct store_stmt *st =
        store_prepare(s,
                      "INSERT INTO donations (receipt_no, donor_id, donated_on, region_code,"
                      " receiving_unit, warehouse_id, account_id, money_fen, note, created_by,"
                      " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      err);
    if (!st)
        return write_fail(wr, -EP_EINTERNAL);
    store_bind_text(st, 1, in->receipt_no);
    store_bind_int64(st, 2, in->donor_id);
    store_bind_text(st, 3, date);
    store_bind_text(st, 4, region);
    store_bind_text(st, 5, in->receiving_unit);
    if (w.id)
        store_bind_int64(st, 6, w.id);
    if (in->money_fen > 0)
        store_bind_int64(st, 7, in->account_id);
    store_bind_int64(st, 8, in->money_fen);
    store_bind_text(st, 9, in->note && *in->note ? in->note : NULL);
    store_bind_text(st, 10, who->user->username);
    store_bind_text(st, 11, now);
    int rc = store_run(st, err);
    if (rc == -EP_ECONFLICT)
        ep_error_set(err, EP_ECONFLICT, "收据号 %s 已使用", "receipt number %s is in use",
                     in->receipt_no);
    if (write_fail(wr, rc) != 0)
        return wr->rc;
    int64_t id = store_last_insert_id(s);
    if (in->nlines > 0) {
        int64_t op_id;
        if ((rc = supply_op_insert(s, who, "receive", date, 0, "donation", id, NULL, &op_id,
                                   err)) != 0)
            return write_fail(wr, rc);
        for (int i = 0; i < in->nlines; i++) {
            int64_t entry;
            st =
                store_prepare(s,
                              "INSERT INTO donation_lines (donation_id, line_no, item_id, quantity)"
                              " VALUES (?, ?, ?, ?)",
                              err);
            if (!st)
                return write_fail(wr, -EP_EINTERNAL);
            store_bind_int64(st, 1, id);
            store_bind_int64(st, 2, i + 1);
            store_bind_int64(st, 3, in->lines[i].item_id);
            store_bind_int64(st, 4, qty[i]);
            if ((rc = store_run(st, err)) != 0 ||
                (rc = supply_entry_apply(wr, op_id, "receive", &w, in->lines[i].item_id, qty[i], 0,
                                         &entry)) != 0 ||
                (rc = supply_lot_create(s, w.id, in->lines[i].item_id, id, entry, 0, qty[i],
                                        err)) != 0)
                return write_fail(wr, rc);
        }
    }
    if (in->money_fen > 0) {
        int64_t entry;
        fund_entry_write_donation(wr, in->account_id, in->money_fen, id, in->receipt_no, date,
                                  &entry);
        write_count(wr, region, "donation_money_fen", in->money_fen);
    }
    write_count(wr, region, "donations", 1);
    json_t *after = supply_op_audit_json("donation", w.id, 0, NULL, in->nlines, in->lines, qty);
    json_object_set_new(after, "receipt_no", json_string(in->receipt_no));
    json_object_set_new(after, "donor_id", json_integer(in->donor_id));
    json_object_set_new(after, "money_fen", json_integer(in->money_fen));
    write_audit(wr, "create", "donation", id, region, NULL, after);
    json_decref(after);
    if (write_ok(wr))
        *id_out = id;
    return wr->rc;
}

int supply_donation_create(struct store *s, const struct actor *who,
                           const struct supply_donation_input *in, int64_t *id_out,
                           struct ep_error *err)
{
    *id_out = 0;
    if (in->donor_id <= 0)
        ep_error_field(err, "donor_id", "必须填写捐赠方", "is required");
    text_check(in->receipt_no, "receipt_no", SUPPLY_RECEIPT_NO_MAX, TEXT_REQUIRED, err);
    char date[11];
    int64_t at;
    int dated =
        supply_occurred_check(s, in->donated_on, "donated_on", in->occurred_at, date, &at, err);
    if (dated < 0)
        return dated;
    text_check(in->receiving_unit, "receiving_unit", SUPPLY_NAME_MAX, TEXT_REQUIRED, err);
    text_check(in->note, "note", SUPPLY_NOTE_MAX, 0, err);
    if (in->money_fen < 0 || in->money_fen > SUPPLY_MONEY_MAX)
        ep_error_field(err, "money_fen", "金额须为 0 至 10^14 分之间的整数",
                       "must be an integer from 0 to 10^14 fen");
    if (in->nlines == 0 && in->money_fen <= 0)
        ep_error_field(err, "lines", "捐赠须有物资或款项", "a donation has goods or money");
    if (in->nlines > 0 && in->warehouse_id <= 0)
        ep_error_field(err, "warehouse_id", "捐赠物资须填写入库仓库",
                       "goods need a receiving warehouse");
    if (in->money_fen > 0 && in->account_id <= 0)
        ep_error_field(err, "account_id", "捐赠款项须填写资金账户", "money needs a fund account");
    int64_t qty[SUPPLY_LINES_MAX];
    supply_lines_check(s, in->nlines, in->lines, 0, 0, qty, err);
    if (err->code)
        return -err->code;
    struct write w;
    int64_t first = 0, id = 0;
    if (write_begin(&w, s, who, "donation", in->idem, &first, err) == WRITE_REPLAY) {
        *id_out = first;
        return 0;
    }
    if (dated && at != w.now_unix)
        write_occurred(&w, at);
    if (write_ok(&w))
        donation_step(&w, in, date, qty, &id);
    int rc = write_end(&w, id);
    *id_out = rc ? 0 : id;
    return rc;
}

#define DONATION_COLUMNS                                                                           \
    "d.id, d.receipt_no, d.donated_on, d.region_code, d.receiving_unit, d.warehouse_id,"           \
    " w.name AS warehouse_name, d.account_id, a.name AS account_name, d.money_fen, d.note,"        \
    " d.created_by, d.created_at, d.donor_id, dr.name AS donor_name, dr.kind AS donor_kind,"       \
    " dr.contact_name, dr.contact_phone"
#define DONATION_FROM                                                                              \
    " FROM donations d JOIN donors dr ON dr.id = d.donor_id"                                       \
    " LEFT JOIN warehouses w ON w.id = d.warehouse_id"                                             \
    " LEFT JOIN fund_accounts a ON a.id = d.account_id"
#define DONATION_SPEC "issssISISiSssissSS"

/* Lines of a donation with their trace: for each item received, where the
 * units went (allocations and other outflows, net of reversals; transfers
 * are moves between warehouses, not destinations) and what is in stock. */
static int donation_lines_json(struct store *s, int64_t id, json_t **out, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s,
        "SELECT l.item_id, i.name AS item_name, i.unit, l.quantity,"
        " (SELECT COALESCE(SUM(t.remaining), 0) FROM lots t WHERE t.donation_id = l.donation_id"
        "  AND t.item_id = l.item_id) AS in_stock"
        " FROM donation_lines l JOIN items i ON i.id = l.item_id WHERE l.donation_id = ?"
        " ORDER BY l.line_no",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    json_t *lines;
    int rc = supply_rows_json(st, "issii", &lines, err);
    if (rc != 0)
        return rc;
    size_t i;
    json_t *line;
    json_array_foreach(lines, i, line)
    {
        st = store_prepare(
            s,
            /* grouped by the original operation (a reversal counts against
             * it); the recipient is the original's */
            "SELECT g.op_id, g.kind, g.date, r.recipient_kind, r.recipient_name,"
            " r.recipient_region, g.quantity FROM"
            " (SELECT COALESCE(o.reverses_op_id, o.id) AS op_id, e.kind AS kind,"
            "  MIN(o.op_date) AS date, SUM(d.quantity) AS quantity"
            "  FROM lot_draws d JOIN lots l ON l.id = d.lot_id"
            "  JOIN ledger_entries e ON e.id = d.entry_id JOIN ledger_ops o ON o.id = e.op_id"
            "  WHERE l.donation_id = ? AND l.item_id = ?"
            "  AND e.kind NOT IN ('transfer_out', 'transfer_in')"
            "  GROUP BY COALESCE(o.reverses_op_id, o.id), e.kind HAVING SUM(d.quantity) <> 0) AS g"
            " JOIN ledger_ops r ON r.id = g.op_id ORDER BY 1",
            err);
        if (!st) {
            json_decref(lines);
            return -EP_EINTERNAL;
        }
        store_bind_int64(st, 1, id);
        store_bind_int64(st, 2, json_integer_value(json_object_get(line, "item_id")));
        json_t *went;
        if ((rc = supply_rows_json(st, "issSSSi", &went, err)) != 0) {
            json_decref(lines);
            return rc;
        }
        int64_t allocated = 0, other = 0;
        size_t k;
        json_t *w;
        json_array_foreach(went, k, w)
        {
            int64_t q = json_integer_value(json_object_get(w, "quantity"));
            if (strcmp(json_string_value(json_object_get(w, "kind")), "allocate") == 0)
                allocated += q;
            else
                other += q;
        }
        json_object_set_new(line, "allocated", json_integer(allocated));
        json_object_set_new(line, "consumed_or_adjusted", json_integer(other));
        json_object_set_new(line, "went", went);
    }
    *out = lines;
    return 0;
}

/* The donation row (masked phone) inside scope, with lines and trace. */
int supply_donation_load(struct store *s, const char *scope, int64_t id, json_t **out,
                         struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT " DONATION_COLUMNS DONATION_FROM " WHERE d.id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc = store_step(st, err);
    json_t *d = NULL;
    if (rc == STORE_ROW && (!scope || region_in_scope(store_column_text(st, 3), scope)))
        d = supply_row_json(st, DONATION_SPEC);
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    if (!d)
        return ep_error_set(err, EP_ENOTFOUND, "捐赠 %lld 不存在", "donation %lld not found",
                            (long long)id);
    mask_phone_member(d);
    json_t *lines;
    if ((rc = donation_lines_json(s, id, &lines, err)) != 0) {
        json_decref(d);
        return rc;
    }
    json_object_set_new(d, "lines", lines);
    *out = d;
    return 0;
}

int supply_donation_json(struct store *s, const char *scope, int64_t id, json_t **out,
                         struct ep_error *err)
{
    return supply_donation_load(s, scope, id, out, err);
}

int supply_donations_list(struct store *s, const char *scope, const char *donor_kind,
                          int64_t before_id, int limit, json_t *items, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " DONATION_COLUMNS DONATION_FROM
                                          " WHERE d.region_code >= ? AND d.region_code < ?"
                                          " AND d.id < ? AND (? = '' OR dr.kind = ?)"
                                          " ORDER BY d.id DESC LIMIT ?",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, scope);
    store_bind_int64(st, 3, before_id > 0 ? before_id : INT64_MAX);
    store_bind_text_twice(st, 4, donor_kind ? donor_kind : "");
    store_bind_int64(st, 6, limit);
    size_t from = json_array_size(items);
    int rc = supply_rows_append(st, DONATION_SPEC, items, err);
    for (size_t i = from; rc == 0 && i < json_array_size(items); i++) {
        json_t *o = json_array_get(items, i), *lines;
        mask_phone_member(o);
        rc = donation_lines_json(s, json_integer_value(json_object_get(o, "id")), &lines, err);
        if (rc == 0)
            json_object_set_new(o, "lines", lines);
    }
    return rc;
}

/* Appends text with HTML special characters escaped. */
int supply_donation_certificate(struct store *s, const char *scope, int64_t id, struct buf *html,
                                struct ep_error *err)
{
    json_t *d;
    int rc = supply_donation_load(s, scope, id, &d, err);
    if (rc != 0)
        return rc;
    int anonymous = strcmp(jstr(d, "donor_kind"), "anonymous") == 0;
    buf_puts(html, "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                   "<title>捐赠证书 ");
    buf_put_html(html, jstr(d, "receipt_no"));
    buf_puts(html, "</title><style>body{font-family:serif;max-width:760px;margin:40px auto;"
                   "padding:40px;border:6px double #b22;}h1{text-align:center;color:#b22;"
                   "letter-spacing:.5em}table{border-collapse:collapse;width:100%}td,th{border:1px "
                   "solid #999;padding:6px 10px}td.n{text-align:right}.sign{text-align:right;"
                   "margin-top:48px}@media print{button{display:none}}</style></head><body>"
                   "<h1>捐赠证书</h1><p class=\"receipt\">收据号 No. ");
    buf_put_html(html, jstr(d, "receipt_no"));
    buf_puts(html, "</p><p><strong class=\"donor\">");
    buf_put_html(html, anonymous ? "爱心人士(匿名)" : jstr(d, "donor_name"));
    buf_puts(html, "</strong>:</p><p>感谢您于 ");
    buf_put_html(html, jstr(d, "donated_on"));
    buf_puts(html, " 向 ");
    buf_put_html(html, jstr(d, "receiving_unit"));
    buf_puts(html, " 捐赠疫情防控物资和款项,详列如下:</p><table><tr><th>物资</th><th>数量</th>"
                   "<th>单位</th></tr>");
    size_t i;
    json_t *line;
    json_array_foreach(json_object_get(d, "lines"), i, line)
    {
        buf_puts(html, "<tr><td>");
        buf_put_html(html, jstr(line, "item_name"));
        buf_appendf(html, "</td><td class=\"n\">%lld</td><td>",
                    (long long)json_integer_value(json_object_get(line, "quantity")));
        buf_put_html(html, jstr(line, "unit"));
        buf_puts(html, "</td></tr>");
    }
    char money[32];
    supply_money_format(json_integer_value(json_object_get(d, "money_fen")), money);
    buf_appendf(html,
                "<tr><td>捐款</td><td class=\"n money\">%s</td><td>元</td></tr></table>"
                "<p>您的善举已登记入账,并将在捐赠公示中公开其去向。特发此证,以致谢忱!</p>"
                "<p class=\"sign\">",
                money);
    buf_put_html(html, jstr(d, "receiving_unit"));
    buf_puts(html, "<br>");
    buf_put_html(html, jstr(d, "donated_on"));
    /* the button works through /print.js: the CSP runs no inline handler */
    buf_puts(html, "</p><button type=\"button\" class=\"print\">打印 Print</button>"
                   "<script src=\"/print.js\"></script></body></html>");
    json_decref(d);
    return 0;
}
