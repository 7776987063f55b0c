/*
 * supply_request.c -- supply requests (see supply.h): a region, hospital,
 * team or checkpoint asks for goods; allocations fulfil it fully or in part
 * (supply_request_apply keeps its lines and status, also when an allocation
 * is reversed).
 */
#include <stdio.h>
#include <string.h>

#include "core/region.h"
#include "core/supply_internal.h"
#include "core/write.h"
#include "util/json.h"
#include "util/text.h"
#include "util/timeutil.h"

/* Applies a request fulfilment: checks and updates the lines and status. */
/* The body of supply_request_apply: its SQL. */
static int request_apply_sql(struct store *s, int64_t request_id, int nlines,
                             const struct supply_line *lines, const int64_t *qty, int sign,
                             struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT status FROM supply_requests WHERE id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, request_id);
    int rc = store_step(st, err);
    int fulfilled = rc == STORE_ROW && strcmp(store_column_text(st, 0), "fulfilled") == 0;
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    if (fulfilled && sign > 0)
        return ep_error_set(err, EP_ECONFLICT, "需求 %lld 已全部满足",
                            "request %lld is already fulfilled", (long long)request_id);
    for (int i = 0; i < nlines; i++) {
        st = store_prepare(s,
                           "UPDATE supply_request_lines SET fulfilled = fulfilled + ?"
                           " WHERE request_id = ? AND item_id = ? AND fulfilled + ? <= quantity"
                           " AND fulfilled + ? >= 0",
                           err);
        if (!st)
            return -EP_EINTERNAL;
        store_bind_int64(st, 1, sign * qty[i]);
        store_bind_int64(st, 2, request_id);
        store_bind_int64(st, 3, lines[i].item_id);
        store_bind_int64_twice(st, 4, sign * qty[i]);
        if ((rc = store_run(st, err)) != 0)
            return rc;
        if (store_changes(s) != 1) {
            char field[48];
            snprintf(field, sizeof field, "lines[%d].quantity", i);
            ep_error_field(err, field, "超出需求尚未满足的数量(或需求中没有该物资)",
                           "exceeds what is still requested (or the item is not requested)");
            return ep_error_set(err, EP_ERULE, "调拨数量超出需求", "more than was requested");
        }
    }
    st = store_prepare(s,
                       "UPDATE supply_requests SET status = CASE"
                       " WHEN NOT EXISTS (SELECT 1 FROM supply_request_lines l WHERE l.request_id"
                       "  = supply_requests.id AND l.fulfilled < l.quantity) THEN 'fulfilled'"
                       " WHEN EXISTS (SELECT 1 FROM supply_request_lines l WHERE l.request_id"
                       "  = supply_requests.id AND l.fulfilled > 0) THEN 'partial'"
                       " ELSE 'open' END WHERE id = ?",
                       err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, request_id);
    return store_run(st, err);
}

int supply_request_apply(struct write *w, int64_t request_id, int nlines,
                         const struct supply_line *lines, const int64_t *qty, int sign)
{
    if (write_target(w, REF_SUPPLY_REQUEST, request_id, NULL) != 0)
        return w->rc;
    return write_fail(w, request_apply_sql(w->s, request_id, nlines, lines, qty, sign, w->err));
}

/* ---- requests ----------------------------------------------------------------------- */

int supply_request_create(struct store *s, const struct actor *who,
                          const struct supply_request_input *in, int64_t *id_out,
                          struct ep_error *err)
{
    *id_out = 0;
    if (!in_list(in->requester_kind, supply_recipient_kinds))
        ep_error_field(err, "requester_kind",
                       "须为 region(地区)、hospital(医院)、team(队伍)或 checkpoint(卡口)",
                       "must be region, hospital, team or checkpoint");
    if (!in->region_code || !region_level_of_code(in->region_code))
        ep_error_field(err, "region_code", "不是有效的地区编码", "is not a valid region code");
    text_check(in->requester_name, "requester_name", SUPPLY_NAME_MAX, TEXT_REQUIRED, err);
    text_check(in->note, "note", SUPPLY_NOTE_MAX, 0, err);
    int64_t day;
    if (in->needed_by && time_date_parse(in->needed_by, &day) != 0)
        ep_error_field(err, "needed_by", "日期格式应为 YYYY-MM-DD", "must be a date YYYY-MM-DD");
    int64_t qty[SUPPLY_LINES_MAX];
    supply_lines_check(s, in->nlines, in->lines, 0, 1, qty, err);
    if (err->code)
        return -err->code;
    struct write w;
    int64_t id = 0;
    write_begin(&w, s, who, NULL, NULL, NULL, err);
    write_region(&w, in->region_code, 0, "region_code", NULL);
    supply_lines_refs(&w, in->nlines, in->lines);
    write_check(&w);
    struct store_stmt *st = !write_ok(&w) ? NULL
                                          : store_prepare(s,
                                                          "INSERT INTO supply_requests"
                                                          " (requester_kind, region_code,"
                                                          " requester_name, needed_by, note,"
                                                          " created_by, created_at)"
                                                          " VALUES (?, ?, ?, ?, ?, ?, ?)",
                                                          err);
    int rc = write_ok(&w) && !st ? -EP_EINTERNAL : 0;
    if (write_ok(&w) && rc == 0) {
        store_bind_text(st, 1, in->requester_kind);
        store_bind_text(st, 2, in->region_code);
        store_bind_text(st, 3, in->requester_name);
        store_bind_text(st, 4, in->needed_by);
        store_bind_text(st, 5, in->note && *in->note ? in->note : NULL);
        store_bind_text(st, 6, who->user->username);
        store_bind_text(st, 7, w.now);
        rc = store_run(st, err);
        id = rc == 0 ? store_last_insert_id(s) : 0;
    }
    for (int i = 0; i < in->nlines && rc == 0 && write_ok(&w); i++) {
        st = store_prepare(s,
                           "INSERT INTO supply_request_lines (request_id, item_id, quantity)"
                           " VALUES (?, ?, ?)",
                           err);
        if (!st) {
            rc = -EP_EINTERNAL;
            break;
        }
        store_bind_int64(st, 1, id);
        store_bind_int64(st, 2, in->lines[i].item_id);
        store_bind_int64(st, 3, qty[i]);
        rc = store_run(st, err);
    }
    if (write_fail(&w, rc) == 0) {
        json_t *after = supply_op_audit_json("request", 0, 0, NULL, in->nlines, in->lines, qty);
        json_object_set_new(after, "requester_name", json_string(in->requester_name));
        write_audit(&w, "create", "supply_request", id, in->region_code, NULL, after);
        json_decref(after);
    }
    rc = write_end(&w, id);
    *id_out = rc ? 0 : id;
    return rc;
}

static int request_lines(struct store *s, json_t *r, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s,
        "SELECT l.item_id, i.name AS item_name, i.unit, l.quantity, l.fulfilled"
        " FROM supply_request_lines l JOIN items i ON i.id = l.item_id WHERE l.request_id = ?"
        " ORDER BY i.name",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, json_integer_value(json_object_get(r, "id")));
    json_t *lines;
    int rc = supply_rows_json(st, "issii", &lines, err);
    if (rc == 0)
        json_object_set_new(r, "lines", lines);
    return rc;
}

/* region_name: the region in words for the page ("" if it is gone). */
#define REQUEST_COLUMNS                                                                            \
    "id, requester_kind, region_code, COALESCE((SELECT g.name FROM regions g"                      \
    " WHERE g.code = supply_requests.region_code), '') AS region_name, requester_name, needed_by," \
    " note, status, created_by, created_at"
#define REQUEST_SPEC "isssssSSss"

int supply_requests_list(struct store *s, const char *scope, const char *status, int64_t before_id,
                         int limit, json_t *items, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT " REQUEST_COLUMNS " FROM supply_requests WHERE region_code >= ?"
                      " AND region_code < ? AND id < ? AND (? = '' OR status = ?"
                      " OR (? = 'open' AND status = 'partial')) ORDER BY id DESC LIMIT ?",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    const char *want = status ? status : "";
    region_bind_range(st, 1, scope);
    store_bind_int64(st, 3, before_id > 0 ? before_id : INT64_MAX);
    store_bind_text_twice(st, 4, want);
    store_bind_text(st, 6, want);
    store_bind_int64(st, 7, limit);
    size_t from = json_array_size(items);
    int rc = supply_rows_append(st, REQUEST_SPEC, items, err);
    for (size_t i = from; rc == 0 && i < json_array_size(items); i++)
        rc = request_lines(s, json_array_get(items, i), err);
    return rc;
}

int supply_request_json(struct store *s, const char *scope, int64_t id, json_t **out,
                        struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT " REQUEST_COLUMNS " FROM supply_requests WHERE id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc = store_step(st, err);
    json_t *r = NULL;
    if (rc == STORE_ROW && region_in_scope(store_column_text(st, 2), scope))
        r = supply_row_json(st, REQUEST_SPEC);
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    if (!r)
        return ep_error_set(err, EP_ENOTFOUND, "需求 %lld 不存在", "request %lld not found",
                            (long long)id);
    st = store_prepare(s,
                       "SELECT id, op_date, kind, reverses_op_id FROM ledger_ops"
                       " WHERE request_id = ? ORDER BY id",
                       err);
    json_t *ops = NULL;
    if (!st || (rc = request_lines(s, r, err)) != 0) {
        json_decref(r);
        return st ? rc : -EP_EINTERNAL;
    }
    store_bind_int64(st, 1, id);
    if ((rc = supply_rows_json(st, "issI", &ops, err)) != 0) {
        json_decref(r);
        return rc;
    }
    json_object_set_new(r, "operations", ops);
    *out = r;
    return 0;
}

int supply_request_fulfil(struct store *s, const struct actor *who, int64_t id,
                          int64_t warehouse_id, int nlines, const struct supply_line *lines,
                          const char *note, int64_t *op_id_out, struct ep_error *err)
{
    *op_id_out = 0;
    struct write w;
    char kind[16] = "", region[REGION_CODE_MAX] = "", name[512] = "";
    int64_t op_id = 0;
    write_begin(&w, s, who, NULL, NULL, NULL, err);
    if (write_target(&w, REF_SUPPLY_REQUEST, id, NULL) == 0) {
        struct store_stmt *st = store_prepare(
            s,
            "SELECT requester_kind, region_code, requester_name FROM supply_requests WHERE id = ?",
            err);
        if (st)
            store_bind_int64(st, 1, id);
        int rc = st ? store_step(st, err) : -EP_EINTERNAL;
        if (rc == STORE_ROW) {
            snprintf(kind, sizeof kind, "%s", store_column_text(st, 0));
            snprintf(region, sizeof region, "%s", store_column_text(st, 1));
            snprintf(name, sizeof name, "%s", store_column_text(st, 2));
        }
        if (st)
            store_stmt_reset(st);
        write_fail(&w, rc < 0 ? rc : 0);
    }
    if (write_ok(&w)) {
        struct supply_op_input in = {0};
        in.kind = "allocate";
        in.warehouse_id = warehouse_id;
        in.recipient_kind = kind;
        in.recipient_region = region;
        in.recipient_name = name;
        in.note = note;
        in.request_id = id;
        in.nlines = nlines;
        in.lines = lines;
        supply_op_fulfil(&w, &in, &op_id);
    }
    int rc = write_end(&w, op_id);
    *op_id_out = rc ? 0 : op_id;
    return rc;
}
