/*
 * supply.c -- items, donors, warehouses, donations, the stock ledger with
 * FIFO lots, requests and the public disclosure (see supply.h).
 *
 * Every write is one transaction (store_begin = BEGIN IMMEDIATE, or a
 * savepoint inside a group commit) holding the check and the write: the
 * stock row is read, the new balance computed and refused when negative,
 * then the entry, the stock row, the lots and draws, the counters, the
 * alert and the audit row are written.  Nothing of a refused write remains.
 *
 * Invariants the tests check (supply_ledger_verify):
 *   stock.quantity = SUM(ledger_entries.delta)      per warehouse and item
 *                  = SUM(lots.remaining)
 *   lots.remaining = lots.quantity - SUM(lot_draws.quantity) per lot
 */
#include "core/supply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/alert.h"
#include "core/counter.h"
#include "core/fund.h"
#include "core/region.h"
#include "util/idcheck.h"
#include "util/json.h"
#include "util/timeutil.h"

/* ---- helpers ------------------------------------------------------------- */

static const char *const categories[] = {"protective", "disinfection", "medical", "vehicle",
                                         "food",       "other",        NULL};
static const char *const donor_kinds[] = {"enterprise", "new_social", "party_org",
                                          "individual", "anonymous",  NULL};
static const char *const recipient_kinds[] = {"region", "hospital", "team", "checkpoint", NULL};
static const char *const reason_codes[] = {"count_gain", "count_loss", "damaged", "expired",
                                           "lost",       "other",      NULL};

static int in_list(const char *v, const char *const *list)
{
    for (int i = 0; v && list[i]; i++)
        if (strcmp(v, list[i]) == 0)
            return 1;
    return 0;
}

static void id_text(int64_t id, char out[24])
{
    snprintf(out, 24, "%lld", (long long)id);
}

void supply_text_check(const char *text, const char *field, int chars, int required,
                       struct ep_error *err)
{
    if (!text || !*text) {
        if (required)
            ep_error_field(err, field, "必须填写", "is required");
        return;
    }
    size_t len = strlen(text);
    if (!utf8_valid(text, len)) {
        ep_error_field(err, field, "不是有效的 UTF-8 文本", "is not valid UTF-8 text");
        return;
    }
    if (utf8_length(text, len) > (size_t)chars) {
        ep_error_field(err, field, "不能超过 %d 个字", "must be at most %d characters", chars);
        return;
    }
    for (const char *c = text; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            ep_error_field(err, field, "不能包含控制字符", "must not contain control characters");
            return;
        }
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

json_t *supply_row_json(struct store_stmt *st, const char *spec)
{
    json_t *o = json_object();
    for (int i = 0; spec[i]; i++) {
        const char *name = store_column_name(st, i);
        const char *dot = strrchr(name, '.');
        if (dot)
            name = dot + 1;
        int null = store_column_is_null(st, i);
        json_t *v;
        switch (spec[i]) {
        case 'i':
            v = json_integer(store_column_int64(st, i));
            break;
        case 'I':
            v = null ? json_null() : json_integer(store_column_int64(st, i));
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
static int rows_json(struct store_stmt *st, const char *spec, json_t **out, struct ep_error *err)
{
    json_t *items = json_array();
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items, supply_row_json(st, spec));
    store_stmt_reset(st);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = items;
    return 0;
}

static int finish(struct store *s, int rc, struct ep_error *err)
{
    if (rc == 0)
        rc = store_commit(s, err);
    if (rc != 0)
        store_rollback(s);
    return rc;
}

/* Scope check of a region for writes: -EP_EFORBIDDEN outside. */
static int require_scope(const struct actor *who, const char *code, struct ep_error *err)
{
    if (region_in_scope(code, who->user->scope))
        return 0;
    return ep_error_set(err, EP_EFORBIDDEN, "%s 不在您的管辖范围内",
                        "%s is outside your jurisdiction", code);
}

/* An existing region named by field "field": field error when absent or malformed. */
static int region_exists(struct store *s, const char *code, const char *field, struct ep_error *err)
{
    struct region r;
    struct ep_error e2;
    ep_error_clear(&e2);
    if (!code || !region_level_of_code(code) || region_get(s, code, &r, &e2) != 0) {
        ep_error_field(err, field, "地区不存在", "region does not exist");
        return -EP_EINVAL;
    }
    return 0;
}

/* ---- items --------------------------------------------------------------- */

#define ITEM_COLUMNS "id, name, category, unit, pack_unit, pack_size, created_at"
#define ITEM_SPEC    "issssIs"

int supply_item_create(struct store *s, const struct actor *who, const struct supply_item_input *in,
                       int64_t *id_out, struct ep_error *err)
{
    *id_out = 0;
    supply_text_check(in->name, "name", 60, 1, err);
    if (!in_list(in->category, categories))
        ep_error_field(err, "category",
                       "须为 protective(防护)、disinfection(消杀)、medical(医疗)、vehicle(车辆)、"
                       "food(食品)或 other",
                       "must be protective, disinfection, medical, vehicle, food or other");
    supply_text_check(in->unit, "unit", 8, 1, err);
    supply_text_check(in->pack_unit, "pack_unit", 8, 0, err);
    if (in->pack_size < 0 || in->pack_size > 1000000)
        ep_error_field(err, "pack_size", "须为 1 至 1000000 的整数",
                       "must be an integer from 1 to 1000000");
    if ((in->pack_unit && *in->pack_unit) != (in->pack_size > 0))
        ep_error_field(err, in->pack_size > 0 ? "pack_unit" : "pack_size",
                       "包装单位和每包数量须同时填写", "pack_unit and pack_size go together");
    if (err->code)
        return -err->code;
    if (store_begin(s, err) != 0)
        return -err->code;
    char now[32];
    time_now_iso(now);
    struct store_stmt *st = store_prepare(s,
                                          "INSERT INTO items (name, category, unit, pack_unit,"
                                          " pack_size, created_by, created_at)"
                                          " VALUES (?, ?, ?, ?, ?, ?, ?)",
                                          err);
    int rc = st ? 0 : -EP_EINTERNAL;
    if (rc == 0) {
        store_bind_text(st, 1, in->name);
        store_bind_text(st, 2, in->category);
        store_bind_text(st, 3, in->unit);
        if (in->pack_size > 0) {
            store_bind_text(st, 4, in->pack_unit);
            store_bind_int64(st, 5, in->pack_size);
        }
        store_bind_text(st, 6, who->user->username);
        store_bind_text(st, 7, now);
        if ((rc = store_run(st, err)) == -EP_ECONFLICT)
            ep_error_set(err, EP_ECONFLICT, "物资“%s”已存在", "item \"%s\" exists", in->name);
    }
    if (rc == 0) {
        *id_out = store_last_insert_id(s);
        char key[24];
        id_text(*id_out, key);
        json_t *after =
            json_pack("{s:s, s:s, s:s, s:s?, s:I}", "name", in->name, "category", in->category,
                      "unit", in->unit, "pack_unit", in->pack_size > 0 ? in->pack_unit : NULL,
                      "pack_size", (json_int_t)in->pack_size);
        rc = audit_record(s, who, "create", "item", key, who->user->scope, NULL, after, err);
        json_decref(after);
    }
    rc = finish(s, rc, err);
    if (rc != 0)
        *id_out = 0;
    return rc;
}

int supply_items_json(struct store *s, json_t **out, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT " ITEM_COLUMNS " FROM items ORDER BY name", err);
    if (!st)
        return -EP_EINTERNAL;
    json_t *items;
    int rc = rows_json(st, ITEM_SPEC, &items, err);
    if (rc == 0)
        *out = json_pack("{s:o}", "items", items);
    return rc;
}

struct item_info {
    char name[256];
    char unit[40];
    int64_t pack_size; /* 0 when none */
};

static int item_load(struct store *s, int64_t id, struct item_info *it, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT name, unit, COALESCE(pack_size, 0) FROM items WHERE id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc = store_step(st, err);
    if (rc == STORE_ROW) {
        snprintf(it->name, sizeof it->name, "%s", store_column_text(st, 0));
        snprintf(it->unit, sizeof it->unit, "%s", store_column_text(st, 1));
        it->pack_size = store_column_int64(st, 2);
    }
    store_stmt_reset(st);
    if (rc == STORE_DONE)
        return -EP_ENOTFOUND;
    return rc < 0 ? rc : 0;
}

/* ---- donors -------------------------------------------------------------- */

int supply_donor_create(struct store *s, const struct actor *who,
                        const struct supply_donor_input *in, int64_t *id_out, struct ep_error *err)
{
    *id_out = 0;
    supply_text_check(in->name, "name", 100, 1, err);
    if (!in_list(in->kind, donor_kinds))
        ep_error_field(err, "kind",
                       "须为 enterprise(企业)、new_social(两新组织)、party_org(党组织)、"
                       "individual(个人)或 anonymous(匿名)",
                       "must be enterprise, new_social, party_org, individual or anonymous");
    supply_text_check(in->contact_name, "contact_name", 40, 0, err);
    if (in->contact_phone && *in->contact_phone && !idcheck_phone(in->contact_phone))
        ep_error_field(err, "contact_phone", "不是有效的手机号或固定电话",
                       "is not a valid mobile or landline number");
    const char *region = in->region_code && *in->region_code ? in->region_code : who->user->scope;
    if (!region_level_of_code(region))
        ep_error_field(err, "region_code", "不是有效的地区编码", "is not a valid region code");
    if (err->code)
        return -err->code;
    if (require_scope(who, region, err) != 0)
        return -err->code;
    if (store_begin(s, err) != 0)
        return -err->code;
    int rc = region_exists(s, region, "region_code", err);
    char now[32];
    time_now_iso(now);
    struct store_stmt *st =
        rc ? NULL
           : store_prepare(s,
                           "INSERT INTO donors (name, kind, contact_name, contact_phone,"
                           " region_code, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           err);
    if (rc == 0 && !st)
        rc = -EP_EINTERNAL;
    if (rc == 0) {
        store_bind_text(st, 1, in->name);
        store_bind_text(st, 2, in->kind);
        store_bind_text(st, 3, in->contact_name && *in->contact_name ? in->contact_name : NULL);
        store_bind_text(st, 4, in->contact_phone && *in->contact_phone ? in->contact_phone : NULL);
        store_bind_text(st, 5, region);
        store_bind_text(st, 6, who->user->username);
        store_bind_text(st, 7, now);
        rc = store_run(st, err);
    }
    if (rc == 0) {
        *id_out = store_last_insert_id(s);
        char key[24], masked[32] = "";
        id_text(*id_out, key);
        if (in->contact_phone && *in->contact_phone)
            idcheck_mask_phone(in->contact_phone, masked, sizeof masked);
        /* The audit log keeps PII masked too. */
        json_t *after = json_pack("{s:s, s:s, s:s?}", "name", in->name, "kind", in->kind,
                                  "contact_phone", masked[0] ? masked : NULL);
        rc = audit_record(s, who, "create", "donor", key, region, NULL, after, err);
        json_decref(after);
    }
    rc = finish(s, rc, err);
    if (rc != 0)
        *id_out = 0;
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

int supply_donors_json(struct store *s, const char *scope, int64_t before_id, int limit,
                       json_t **out, struct ep_error *err)
{
    char upper[REGION_CODE_MAX];
    region_code_range(scope, upper);
    struct store_stmt *st = store_prepare(
        s,
        "SELECT id, name, kind, contact_name, contact_phone, region_code, created_at FROM donors"
        " WHERE region_code >= ? AND region_code < ? AND id < ? ORDER BY id DESC LIMIT ?",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, scope);
    store_bind_text(st, 2, upper);
    store_bind_int64(st, 3, before_id > 0 ? before_id : INT64_MAX);
    store_bind_int64(st, 4, JSON_PAGE_FETCH(limit));
    json_t *items;
    int rc = rows_json(st, "issSSss", &items, err);
    if (rc != 0)
        return rc;
    json_t *next = json_page_cursor_id(items, limit);
    size_t i;
    json_t *o;
    json_array_foreach(items, i, o) mask_phone_member(o);
    *out = json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
    return 0;
}

/* ---- warehouses and stock -------------------------------------------------- */

struct warehouse {
    int64_t id;
    char name[256];
    char region[REGION_CODE_MAX];
};

static int warehouse_load(struct store *s, int64_t id, struct warehouse *w, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT name, region_code FROM warehouses WHERE id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc = store_step(st, err);
    if (rc == STORE_ROW) {
        w->id = id;
        snprintf(w->name, sizeof w->name, "%s", store_column_text(st, 0));
        snprintf(w->region, sizeof w->region, "%s", store_column_text(st, 1));
    }
    store_stmt_reset(st);
    if (rc == STORE_DONE)
        return -EP_ENOTFOUND;
    return rc < 0 ? rc : 0;
}

/* A warehouse named by an input field for a write: field error when absent,
 * 403 outside who's scope. */
static int warehouse_for_write(struct store *s, const struct actor *who, int64_t id,
                               const char *field, struct warehouse *w, struct ep_error *err)
{
    int rc = id > 0 ? warehouse_load(s, id, w, err) : -EP_ENOTFOUND;
    if (rc == -EP_ENOTFOUND) {
        ep_error_field(err, field, "仓库不存在", "warehouse does not exist");
        return -EP_EINVAL;
    }
    if (rc != 0)
        return rc;
    return require_scope(who, w->region, err);
}

int supply_warehouse_create(struct store *s, const struct actor *who,
                            const struct supply_warehouse_input *in, int64_t *id_out,
                            struct ep_error *err)
{
    *id_out = 0;
    supply_text_check(in->name, "name", 60, 1, err);
    supply_text_check(in->address, "address", 100, 0, err);
    if (!in->region_code || region_level_of_code(in->region_code) != REGION_GRID)
        ep_error_field(err, "region_code", "仓库须设在一个网格(15 位编码)",
                       "a warehouse lies in a grid (a 15-digit code)");
    if (err->code)
        return -err->code;
    if (require_scope(who, in->region_code, err) != 0)
        return -err->code;
    if (store_begin(s, err) != 0)
        return -err->code;
    int rc = region_exists(s, in->region_code, "region_code", err);
    char now[32];
    time_now_iso(now);
    struct store_stmt *st = rc ? NULL
                               : store_prepare(s,
                                               "INSERT INTO warehouses (name, region_code, address,"
                                               " created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                                               err);
    if (rc == 0 && !st)
        rc = -EP_EINTERNAL;
    if (rc == 0) {
        store_bind_text(st, 1, in->name);
        store_bind_text(st, 2, in->region_code);
        store_bind_text(st, 3, in->address && *in->address ? in->address : NULL);
        store_bind_text(st, 4, who->user->username);
        store_bind_text(st, 5, now);
        if ((rc = store_run(st, err)) == -EP_ECONFLICT)
            ep_error_set(err, EP_ECONFLICT, "该网格已有仓库“%s”", "warehouse \"%s\" exists there",
                         in->name);
    }
    if (rc == 0) {
        *id_out = store_last_insert_id(s);
        char key[24];
        id_text(*id_out, key);
        json_t *after = json_pack("{s:s, s:s}", "name", in->name, "region_code", in->region_code);
        rc = audit_record(s, who, "create", "warehouse", key, in->region_code, NULL, after, err);
        json_decref(after);
    }
    rc = finish(s, rc, err);
    if (rc != 0)
        *id_out = 0;
    return rc;
}

int supply_warehouses_json(struct store *s, const char *scope, json_t **out, struct ep_error *err)
{
    char upper[REGION_CODE_MAX];
    region_code_range(scope, upper);
    struct store_stmt *st = store_prepare(
        s,
        "SELECT w.id, w.name, w.region_code, r.name AS region_name, w.address, w.created_at,"
        " (SELECT count(*) FROM stock k WHERE k.warehouse_id = w.id AND k.threshold > 0"
        "  AND k.quantity < k.threshold) AS below_threshold"
        " FROM warehouses w JOIN regions r ON r.code = w.region_code"
        " WHERE w.region_code >= ? AND w.region_code < ? ORDER BY w.id",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, scope);
    store_bind_text(st, 2, upper);
    json_t *items;
    int rc = rows_json(st, "isssSsi", &items, err);
    if (rc == 0)
        *out = json_pack("{s:o}", "items", items);
    return rc;
}

int supply_stock_json(struct store *s, const char *scope, int64_t warehouse_id, json_t **out,
                      struct ep_error *err)
{
    struct warehouse w;
    int rc = warehouse_load(s, warehouse_id, &w, err);
    if (rc == -EP_ENOTFOUND || (rc == 0 && !region_in_scope(w.region, scope)))
        return ep_error_set(err, EP_ENOTFOUND, "仓库 %lld 不存在", "warehouse %lld not found",
                            (long long)warehouse_id);
    if (rc != 0)
        return rc;
    struct store_stmt *st = store_prepare(
        s,
        "SELECT k.item_id, i.name AS item_name, i.unit, i.pack_unit, i.pack_size, k.quantity,"
        " k.threshold, (k.threshold > 0 AND k.quantity < k.threshold) AS below"
        " FROM stock k JOIN items i ON i.id = k.item_id WHERE k.warehouse_id = ? ORDER BY i.name",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, warehouse_id);
    json_t *items;
    if ((rc = rows_json(st, "issSIiii", &items, err)) != 0)
        return rc;
    size_t i;
    json_t *o;
    json_array_foreach(items, i, o)
        json_object_set(o, "below", json_boolean(json_integer_value(json_object_get(o, "below"))));
    *out = json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)w.id, "name", w.name, "region_code",
                     w.region, "items", items);
    return 0;
}

static void metric_name(char out[64], const char *family, int64_t item_id)
{
    snprintf(out, 64, "%s.%lld", family, (long long)item_id);
}

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
    int rc = item_load(s, item, &it, err);
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
    if (store_begin(s, err) != 0)
        return -err->code;
    struct warehouse w;
    struct item_info it;
    int64_t qty = 0, old = 0;
    int rc = warehouse_load(s, warehouse_id, &w, err);
    if (rc == -EP_ENOTFOUND || (rc == 0 && !region_in_scope(w.region, who->user->scope))) {
        rc = ep_error_set(err, EP_ENOTFOUND, "仓库 %lld 不存在", "warehouse %lld not found",
                          (long long)warehouse_id);
        goto out;
    }
    if (rc == 0 && (rc = item_load(s, item_id, &it, err)) == -EP_ENOTFOUND) {
        ep_error_field(err, "item_id", "物资不存在", "item does not exist");
        rc = -EP_EINVAL;
    }
    if (rc == 0)
        rc = stock_read(s, warehouse_id, item_id, &qty, &old, err);
    if (rc != 0)
        goto out;
    struct store_stmt *st = store_prepare(
        s,
        "INSERT INTO stock (warehouse_id, item_id, quantity, threshold) VALUES (?, ?, 0, ?)"
        " ON CONFLICT (warehouse_id, item_id) DO UPDATE SET threshold = excluded.threshold",
        err);
    if (!st) {
        rc = -EP_EINTERNAL;
        goto out;
    }
    store_bind_int64(st, 1, warehouse_id);
    store_bind_int64(st, 2, item_id);
    store_bind_int64(st, 3, threshold);
    if ((rc = store_run(st, err)) != 0)
        goto out;
    int was = old > 0 && qty<old, now = threshold> 0 && qty < threshold;
    if (was != now && (rc = counter_add(s, w.region, "supply_low", now - was, err)) != 0)
        goto out;
    if (now && (rc = raise_low(s, &w, item_id, qty, threshold, err)) != 0)
        goto out;
    char key[48];
    snprintf(key, sizeof key, "%lld:%lld", (long long)warehouse_id, (long long)item_id);
    json_t *b = json_pack("{s:I}", "threshold", (json_int_t)old);
    json_t *a = json_pack("{s:I}", "threshold", (json_int_t)threshold);
    rc = audit_record(s, who, "update", "stock_threshold", key, w.region, b, a, err);
    json_decref(b);
    json_decref(a);
out:
    return finish(s, rc, err);
}

/* ---- the ledger: entries, lots, draws ------------------------------------------ */

/* Writes one entry: the new balance checked (409 when negative), the stock
 * row, the entry row, the counters and, when it falls below its threshold,
 * the alert.  "kind" is the entry kind. */
static int entry_apply(struct store *s, int64_t op_id, const char *kind, const struct warehouse *w,
                       int64_t item, int64_t delta, int64_t reverses_entry, int64_t *entry_id,
                       struct ep_error *err)
{
    int64_t qty, threshold;
    int rc = stock_read(s, w->id, item, &qty, &threshold, err);
    if (rc != 0)
        return rc;
    if (qty + delta < 0) {
        struct item_info it;
        if ((rc = item_load(s, item, &it, err)) != 0)
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
    if ((rc = counter_add(s, w->region, metric, delta, err)) != 0)
        return rc;
    if (strcmp(kind, "receive") == 0) {
        metric_name(metric, "supply_received", item);
        if ((rc = counter_add(s, w->region, metric, delta, err)) != 0)
            return rc;
    }
    int was = threshold > 0 && qty<threshold, now = threshold> 0 && qty + delta < threshold;
    if (was != now && (rc = counter_add(s, w->region, "supply_low", now - was, err)) != 0)
        return rc;
    if (now && delta < 0)
        return raise_low(s, w, item, qty + delta, threshold, err);
    return 0;
}

static int lot_create(struct store *s, int64_t wh, int64_t item, int64_t donation, int64_t entry,
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
    store_bind_int64(st, 6, qty);
    store_bind_int64(st, 7, qty);
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

static int op_insert(struct store *s, const struct actor *who, const char *kind, const char *date,
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
static void lines_check(struct store *s, int nlines, const struct supply_line *lines, int signed_ok,
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
        if (l->item_id <= 0 || item_load(s, l->item_id, &it, &e2) != 0) {
            snprintf(field, sizeof field, "lines[%d].item_id", i);
            ep_error_field(err, field, "物资不存在", "item does not exist");
            continue;
        }
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
        if (q == 0 || (!signed_ok && q < 0) || q > SUPPLY_QUANTITY_MAX ||
            q < -SUPPLY_QUANTITY_MAX) {
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

/* Applies a request fulfilment: checks and updates the lines and status. */
static int request_apply(struct store *s, const struct actor *who, int64_t request_id, int nlines,
                         const struct supply_line *lines, const int64_t *qty, int sign,
                         struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT region_code, status FROM supply_requests WHERE id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, request_id);
    int rc = store_step(st, err);
    int visible = rc == STORE_ROW && region_in_scope(store_column_text(st, 0), who->user->scope);
    int fulfilled = rc == STORE_ROW && strcmp(store_column_text(st, 1), "fulfilled") == 0;
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    if (!visible)
        return ep_error_set(err, EP_ENOTFOUND, "需求 %lld 不存在", "request %lld not found",
                            (long long)request_id);
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
        store_bind_int64(st, 4, sign * qty[i]);
        store_bind_int64(st, 5, sign * qty[i]);
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

/* The audit representation of an operation (its input). */
static json_t *op_audit_json(const char *kind, int64_t wh, int64_t to_wh,
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

/* A write with a client UUID seen before: *id_out = the first result and
 * idem->replayed = 1 (0 and *id_out untouched when new or without a key). */
static int idem_replay(struct store *s, struct idem_key *idem, const char *entity, int64_t *id_out,
                       struct ep_error *err)
{
    if (!idem || !idem->uuid)
        return 0;
    int64_t first = 0;
    int rc = idem_check(s, idem->uuid, entity, idem->hash, &first, err);
    if (rc == IDEM_REPLAY) {
        *id_out = first;
        idem->replayed = 1;
        return 0;
    }
    return rc < 0 ? rc : 0;
}

/* The body of supply_op_create inside its transaction. */
static int op_write(struct store *s, const struct actor *who, const struct supply_op_input *in,
                    const char *date, const int64_t *qty, int64_t *op_id, struct ep_error *err)
{
    struct warehouse w, to;
    int rc = warehouse_for_write(s, who, in->warehouse_id, "warehouse_id", &w, err);
    if (rc != 0)
        return rc;
    int transfer = strcmp(in->kind, "transfer") == 0;
    int allocate = strcmp(in->kind, "allocate") == 0;
    if (transfer) {
        if ((rc = warehouse_for_write(s, who, in->to_warehouse_id, "to_warehouse_id", &to, err)) !=
            0)
            return rc;
        if (to.id == w.id) {
            ep_error_field(err, "to_warehouse_id", "调入仓库不能与调出仓库相同",
                           "must differ from warehouse_id");
            return -EP_EINVAL;
        }
    }
    if (allocate) {
        if ((rc = region_exists(s, in->recipient_region, "recipient_region", err)) != 0)
            return rc;
        if ((rc = require_scope(who, in->recipient_region, err)) != 0)
            return rc;
    }
    if ((rc = op_insert(s, who, in->kind, date, 0,
                        strcmp(in->kind, "receive") == 0 ? "purchase" : NULL, 0, in, op_id, err)) !=
        0)
        return rc;
    struct draws d = {0};
    for (int i = 0; i < in->nlines && rc == 0; i++) {
        int64_t item = in->lines[i].item_id, q = qty[i], entry;
        const char *ekind = transfer ? "transfer_out" : in->kind;
        /* Receipts and adjustments carry their sign; everything else goes out. */
        int64_t delta =
            strcmp(in->kind, "receive") == 0 || strcmp(in->kind, "adjust") == 0 ? q : -q;
        if ((rc = entry_apply(s, *op_id, ekind, &w, item, delta, 0, &entry, err)) != 0)
            break;
        if (delta > 0) {
            rc = lot_create(s, w.id, item, 0, entry, 0, delta, err);
            continue;
        }
        d.n = 0;
        if ((rc = draw_fifo(s, entry, w.id, item, -delta, &d, err)) != 0)
            break;
        if (allocate) {
            char metric[64];
            metric_name(metric, "supply_allocated", item);
            rc = counter_add(s, in->recipient_region, metric, -delta, err);
        }
        if (transfer) {
            int64_t in_entry;
            if ((rc = entry_apply(s, *op_id, "transfer_in", &to, item, -delta, 0, &in_entry,
                                  err)) != 0)
                break;
            for (int k = 0; k < d.n && rc == 0; k++)
                rc = lot_create(s, to.id, item, d.v[k].donation, in_entry, d.v[k].lot, d.v[k].qty,
                                err);
        }
    }
    free(d.v);
    if (rc == 0 && in->request_id)
        rc = request_apply(s, who, in->request_id, in->nlines, in->lines, qty, 1, err);
    if (rc == 0) {
        char key[24];
        id_text(*op_id, key);
        json_t *after =
            op_audit_json(in->kind, w.id, transfer ? to.id : 0, in, in->nlines, in->lines, qty);
        rc = audit_record(s, who, "create", "ledger_op", key, w.region, NULL, after, err);
        json_decref(after);
    }
    return rc;
}

int supply_op_create(struct store *s, const struct actor *who, const struct supply_op_input *in,
                     int64_t *op_id_out, struct ep_error *err)
{
    *op_id_out = 0;
    static const char *const kinds[] = {"receive", "allocate", "transfer",
                                        "consume", "adjust",   NULL};
    if (!in_list(in->kind, kinds)) {
        ep_error_field(err, "kind", "须为 receive、allocate、transfer、consume 或 adjust",
                       "must be receive, allocate, transfer, consume or adjust");
        return -EP_EINVAL;
    }
    char date[11];
    supply_date_check(in->op_date, "date", date, err);
    supply_text_check(in->note, "note", 200, 0, err);
    if (in->warehouse_id <= 0)
        ep_error_field(err, "warehouse_id", "必须填写仓库", "is required");
    int transfer = strcmp(in->kind, "transfer") == 0, allocate = strcmp(in->kind, "allocate") == 0,
        adjust = strcmp(in->kind, "adjust") == 0;
    if (transfer && in->to_warehouse_id <= 0)
        ep_error_field(err, "to_warehouse_id", "调拨须填写调入仓库", "is required for a transfer");
    if (!transfer && in->to_warehouse_id)
        ep_error_field(err, "to_warehouse_id", "只用于调拨", "is for transfers only");
    if (allocate) {
        if (!in_list(in->recipient_kind, recipient_kinds))
            ep_error_field(err, "recipient_kind",
                           "须为 region(地区)、hospital(医院)、team(队伍)或 checkpoint(卡口)",
                           "must be region, hospital, team or checkpoint");
        if (!in->recipient_region || !region_level_of_code(in->recipient_region))
            ep_error_field(err, "recipient_region", "不是有效的地区编码",
                           "is not a valid region code");
        supply_text_check(in->recipient_name, "recipient_name", 100, 1, err);
    } else {
        if (in->recipient_kind || in->recipient_region || in->recipient_name)
            ep_error_field(err, "recipient_name", "只用于分配", "is for allocations only");
        if (in->request_id)
            ep_error_field(err, "request_id", "只用于分配", "is for allocations only");
    }
    if (adjust) {
        if (!in_list(in->reason_code, reason_codes))
            ep_error_field(err, "reason_code",
                           "须为 count_gain(盘盈)、count_loss(盘亏)、damaged(损坏)、expired(过期)、"
                           "lost(丢失)或 other",
                           "must be count_gain, count_loss, damaged, expired, lost or other");
        supply_text_check(in->approver, "approver", 40, 1, err);
    } else {
        if (in->reason_code)
            ep_error_field(err, "reason_code", "只用于盘点调整", "is for adjustments only");
        supply_text_check(in->approver, "approver", 40, 0, err);
    }
    int64_t qty[SUPPLY_LINES_MAX];
    lines_check(s, in->nlines, in->lines, adjust, 1, qty, err);
    if (err->code)
        return -err->code;
    if (store_begin(s, err) != 0)
        return -err->code;
    int rc = idem_replay(s, in->idem, "ledger_op", op_id_out, err);
    if (rc == 0 && !*op_id_out && (rc = op_write(s, who, in, date, qty, op_id_out, err)) == 0 &&
        in->idem && in->idem->uuid)
        rc = idem_record(s, in->idem->uuid, "ledger_op", *op_id_out, in->idem->hash, err);
    rc = finish(s, rc, err);
    if (rc != 0)
        *op_id_out = 0;
    return rc;
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
    supply_text_check(approver, "approver", 40, 1, err);
    supply_text_check(note, "note", 200, 0, err);
    if (err->code)
        return -err->code;
    if (store_begin(s, err) != 0)
        return -err->code;
    struct op_entry *entries = NULL;
    int n = 0, cap = 0, rc, visible = 1;
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
    if ((rc = op_insert(s, who, "reversal", date, op_id, NULL, 0, &copy, new_op_id, err)) != 0)
        goto out;
    int64_t qty[SUPPLY_LINES_MAX];
    struct supply_line lines[SUPPLY_LINES_MAX];
    int nreq = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        struct op_entry *e = &entries[i];
        struct warehouse w;
        int64_t entry;
        if ((rc = warehouse_load(s, e->wh, &w, err)) != 0)
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
                rc =
                    entry_apply(s, *new_op_id, e->kind, &w, e->item, -e->delta, e->id, &entry, err);
            for (int k = 0; k < d.n && rc == 0; k++)
                rc = lot_draw(s, entry, d.v[k].lot, d.v[k].qty, err);
            free(d.v);
        } else {
            if ((rc = entry_apply(s, *new_op_id, e->kind, &w, e->item, -e->delta, e->id, &entry,
                                  err)) != 0)
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
                rc = counter_add(s, rregion, metric, e->delta, err);
                if (nreq < SUPPLY_LINES_MAX) {
                    lines[nreq] = (struct supply_line){e->item, 0, 0};
                    qty[nreq++] = -e->delta;
                }
            }
        }
    }
    if (rc == 0 && request && nreq)
        rc = request_apply(s, who, request, nreq, lines, qty, -1, err);
    if (rc == 0) {
        char key[24];
        id_text(*new_op_id, key);
        json_t *after = json_pack("{s:s, s:I, s:s, s:s?}", "kind", "reversal", "reverses_op_id",
                                  (json_int_t)op_id, "approver", approver, "note", note);
        rc = audit_record(s, who, "reverse", "ledger_op", key, entries[n - 1].region, NULL, after,
                          err);
        json_decref(after);
    }
out:
    free(entries);
    rc = finish(s, rc, err);
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
        rc = rows_json(st, "isisssssiiI", &entries, err);
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
            rc = rows_json(st, "iiISSi", &from, err);
        }
        if (rc == 0 && st) {
            st = store_prepare(s,
                               "SELECT l.id AS lot_id, l.quantity, l.remaining, l.donation_id,"
                               " l.origin_lot_id FROM lots l WHERE l.entry_id = ? ORDER BY l.id",
                               err);
            if (st) {
                store_bind_int64(st, 1, entry);
                rc = rows_json(st, "iiiII", &lots, err);
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

int supply_ledger_json(struct store *s, const struct supply_ledger_filter *f, json_t **out,
                       struct ep_error *err)
{
    char upper[REGION_CODE_MAX];
    region_code_range(f->scope, upper);
    struct store_stmt *st = store_prepare(
        s,
        "SELECT " LEDGER_COLUMNS " FROM ledger_entries e JOIN ledger_ops o ON o.id = e.op_id"
        " JOIN warehouses w ON w.id = e.warehouse_id JOIN items i ON i.id = e.item_id"
        " WHERE e.region_code >= ? AND e.region_code < ? AND e.id < ?"
        " AND (? = 0 OR e.warehouse_id = ?) AND (? = 0 OR e.item_id = ?)"
        " ORDER BY e.id DESC LIMIT ?",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, f->scope);
    store_bind_text(st, 2, upper);
    store_bind_int64(st, 3, f->before_id > 0 ? f->before_id : INT64_MAX);
    store_bind_int64(st, 4, f->warehouse_id);
    store_bind_int64(st, 5, f->warehouse_id);
    store_bind_int64(st, 6, f->item_id);
    store_bind_int64(st, 7, f->item_id);
    store_bind_int64(st, 8, JSON_PAGE_FETCH(f->limit));
    json_t *items;
    int rc = rows_json(st, LEDGER_SPEC, &items, err);
    if (rc != 0)
        return rc;
    json_t *next = json_page_cursor_id(items, f->limit);
    *out = json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
    return 0;
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
    char upper[REGION_CODE_MAX];
    region_code_range(scope, upper);
    struct store_stmt *st = store_prepare(
        s,
        "SELECT " LEDGER_COLUMNS " FROM ledger_entries e JOIN ledger_ops o ON o.id = e.op_id"
        " JOIN warehouses w ON w.id = e.warehouse_id JOIN items i ON i.id = e.item_id"
        " WHERE e.region_code >= ? AND e.region_code < ? ORDER BY e.id",
        err);
    int rc = st ? 0 : -EP_EINTERNAL;
    lxw_row_t row = 1;
    if (st) {
        store_bind_text(st, 1, scope);
        store_bind_text(st, 2, upper);
        while ((rc = store_step(st, err)) == STORE_ROW && row < LXW_ROW_MAX) {
            for (int c = 0; c < ncols; c++) {
                int col = cols[c];
                if (store_column_is_null(st, col))
                    continue;
                if (numeric[c])
                    worksheet_write_number(sheet, row, (lxw_col_t)c,
                                           (double)store_column_int64(st, col), NULL);
                else
                    worksheet_write_string(sheet, row, (lxw_col_t)c, store_column_text(st, col),
                                           NULL);
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

/* ---- donations ------------------------------------------------------------------------ */

static int donation_write(struct store *s, const struct actor *who,
                          const struct supply_donation_input *in, const char *date,
                          const int64_t *qty, int64_t *id_out, struct ep_error *err)
{
    struct warehouse w = {0};
    int rc = 0;
    if (in->nlines > 0 &&
        (rc = warehouse_for_write(s, who, in->warehouse_id, "warehouse_id", &w, err)) != 0 &&
        rc != -EP_EINVAL)
        return rc;
    /* The donor must be registered inside who's jurisdiction. */
    struct store_stmt *st = store_prepare(s, "SELECT region_code FROM donors WHERE id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, in->donor_id);
    rc = store_step(st, err);
    int ok = rc == STORE_ROW && region_in_scope(store_column_text(st, 0), who->user->scope);
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    if (!ok)
        ep_error_field(err, "donor_id", "捐赠方不存在", "donor does not exist");
    char region[REGION_CODE_MAX] = "";
    if (in->money_fen > 0) {
        st = store_prepare(s, "SELECT region_code FROM fund_accounts WHERE id = ?", err);
        if (!st)
            return -EP_EINTERNAL;
        store_bind_int64(st, 1, in->account_id);
        rc = store_step(st, err);
        if (rc == STORE_ROW)
            snprintf(region, sizeof region, "%s", store_column_text(st, 0));
        store_stmt_reset(st);
        if (rc < 0)
            return rc;
        if (!region[0])
            ep_error_field(err, "account_id", "资金账户不存在", "fund account does not exist");
        else if ((rc = require_scope(who, region, err)) != 0)
            return rc;
    }
    if (err->code)
        return -err->code;
    if (w.id)
        snprintf(region, sizeof region, "%s", w.region);
    char now[32];
    time_now_iso(now);
    st = store_prepare(s,
                       "INSERT INTO donations (receipt_no, donor_id, donated_on, region_code,"
                       " receiving_unit, warehouse_id, account_id, money_fen, note, created_by,"
                       " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       err);
    if (!st)
        return -EP_EINTERNAL;
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
    if ((rc = store_run(st, err)) != 0) {
        if (rc == -EP_ECONFLICT)
            ep_error_set(err, EP_ECONFLICT, "收据号 %s 已使用", "receipt number %s is in use",
                         in->receipt_no);
        return rc;
    }
    int64_t id = store_last_insert_id(s);
    if (in->nlines > 0) {
        int64_t op_id;
        if ((rc = op_insert(s, who, "receive", date, 0, "donation", id, NULL, &op_id, err)) != 0)
            return rc;
        for (int i = 0; i < in->nlines; i++) {
            int64_t entry;
            st =
                store_prepare(s,
                              "INSERT INTO donation_lines (donation_id, line_no, item_id, quantity)"
                              " VALUES (?, ?, ?, ?)",
                              err);
            if (!st)
                return -EP_EINTERNAL;
            store_bind_int64(st, 1, id);
            store_bind_int64(st, 2, i + 1);
            store_bind_int64(st, 3, in->lines[i].item_id);
            store_bind_int64(st, 4, qty[i]);
            if ((rc = store_run(st, err)) != 0 ||
                (rc = entry_apply(s, op_id, "receive", &w, in->lines[i].item_id, qty[i], 0, &entry,
                                  err)) != 0 ||
                (rc = lot_create(s, w.id, in->lines[i].item_id, id, entry, 0, qty[i], err)) != 0)
                return rc;
        }
    }
    if (in->money_fen > 0) {
        int64_t entry;
        if ((rc = fund_entry_write_donation(s, who, in->account_id, in->money_fen, id,
                                            in->receipt_no, date, &entry, err)) != 0 ||
            (rc = counter_add(s, region, "donation_money_fen", in->money_fen, err)) != 0)
            return rc;
    }
    if ((rc = counter_add(s, region, "donations", 1, err)) != 0)
        return rc;
    char key[24];
    id_text(id, key);
    json_t *after = op_audit_json("donation", w.id, 0, NULL, in->nlines, in->lines, qty);
    json_object_set_new(after, "receipt_no", json_string(in->receipt_no));
    json_object_set_new(after, "donor_id", json_integer(in->donor_id));
    json_object_set_new(after, "money_fen", json_integer(in->money_fen));
    rc = audit_record(s, who, "create", "donation", key, region, NULL, after, err);
    json_decref(after);
    if (rc == 0)
        *id_out = id;
    return rc;
}

int supply_donation_create(struct store *s, const struct actor *who,
                           const struct supply_donation_input *in, int64_t *id_out,
                           struct ep_error *err)
{
    *id_out = 0;
    if (in->donor_id <= 0)
        ep_error_field(err, "donor_id", "必须填写捐赠方", "is required");
    supply_text_check(in->receipt_no, "receipt_no", 40, 1, err);
    char date[11];
    supply_date_check(in->donated_on, "donated_on", date, err);
    supply_text_check(in->receiving_unit, "receiving_unit", 100, 1, err);
    supply_text_check(in->note, "note", 200, 0, err);
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
    lines_check(s, in->nlines, in->lines, 0, 0, qty, err);
    if (err->code)
        return -err->code;
    if (store_begin(s, err) != 0)
        return -err->code;
    int rc = idem_replay(s, in->idem, "donation", id_out, err);
    if (rc == 0 && !*id_out && (rc = donation_write(s, who, in, date, qty, id_out, err)) == 0 &&
        in->idem && in->idem->uuid)
        rc = idem_record(s, in->idem->uuid, "donation", *id_out, in->idem->hash, err);
    rc = finish(s, rc, err);
    if (rc != 0)
        *id_out = 0;
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
    int rc = rows_json(st, "issii", &lines, err);
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
        if ((rc = rows_json(st, "issSSSi", &went, err)) != 0) {
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
static int donation_load(struct store *s, const char *scope, int64_t id, json_t **out,
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
    return donation_load(s, scope, id, out, err);
}

int supply_donations_json(struct store *s, const char *scope, int64_t before_id, int limit,
                          json_t **out, struct ep_error *err)
{
    char upper[REGION_CODE_MAX];
    region_code_range(scope, upper);
    struct store_stmt *st = store_prepare(
        s,
        "SELECT " DONATION_COLUMNS DONATION_FROM
        " WHERE d.region_code >= ? AND d.region_code < ? AND d.id < ? ORDER BY d.id DESC LIMIT ?",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, scope);
    store_bind_text(st, 2, upper);
    store_bind_int64(st, 3, before_id > 0 ? before_id : INT64_MAX);
    store_bind_int64(st, 4, JSON_PAGE_FETCH(limit));
    json_t *items;
    int rc = rows_json(st, DONATION_SPEC, &items, err);
    if (rc != 0)
        return rc;
    json_t *next = json_page_cursor_id(items, limit); /* before the lines: not for the extra row */
    size_t i;
    json_t *o;
    json_array_foreach(items, i, o)
    {
        mask_phone_member(o);
        json_t *lines;
        if ((rc = donation_lines_json(s, json_integer_value(json_object_get(o, "id")), &lines,
                                      err)) != 0) {
            json_decref(items);
            json_decref(next);
            return rc;
        }
        json_object_set_new(o, "lines", lines);
    }
    *out = json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
    return 0;
}

/* Appends text with HTML special characters escaped. */
static void html_text(struct buf *b, const char *t)
{
    for (; t && *t; t++) {
        switch (*t) {
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '"':
            buf_puts(b, "&quot;");
            break;
        case '\'':
            buf_puts(b, "&#39;");
            break;
        default:
            buf_putc(b, *t);
        }
    }
}

static const char *jstr(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

int supply_donation_certificate(struct store *s, const char *scope, int64_t id, struct buf *html,
                                struct ep_error *err)
{
    json_t *d;
    int rc = donation_load(s, scope, id, &d, err);
    if (rc != 0)
        return rc;
    int anonymous = strcmp(jstr(d, "donor_kind"), "anonymous") == 0;
    buf_puts(html, "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                   "<title>捐赠证书 ");
    html_text(html, jstr(d, "receipt_no"));
    buf_puts(html, "</title><style>body{font-family:serif;max-width:760px;margin:40px auto;"
                   "padding:40px;border:6px double #b22;}h1{text-align:center;color:#b22;"
                   "letter-spacing:.5em}table{border-collapse:collapse;width:100%}td,th{border:1px "
                   "solid #999;padding:6px 10px}td.n{text-align:right}.sign{text-align:right;"
                   "margin-top:48px}@media print{button{display:none}}</style></head><body>"
                   "<h1>捐赠证书</h1><p class=\"receipt\">收据号 No. ");
    html_text(html, jstr(d, "receipt_no"));
    buf_puts(html, "</p><p><strong class=\"donor\">");
    html_text(html, anonymous ? "爱心人士(匿名)" : jstr(d, "donor_name"));
    buf_puts(html, "</strong>:</p><p>感谢您于 ");
    html_text(html, jstr(d, "donated_on"));
    buf_puts(html, " 向 ");
    html_text(html, jstr(d, "receiving_unit"));
    buf_puts(html, " 捐赠疫情防控物资和款项,详列如下:</p><table><tr><th>物资</th><th>数量</th>"
                   "<th>单位</th></tr>");
    size_t i;
    json_t *line;
    json_array_foreach(json_object_get(d, "lines"), i, line)
    {
        buf_puts(html, "<tr><td>");
        html_text(html, jstr(line, "item_name"));
        buf_appendf(html, "</td><td class=\"n\">%lld</td><td>",
                    (long long)json_integer_value(json_object_get(line, "quantity")));
        html_text(html, jstr(line, "unit"));
        buf_puts(html, "</td></tr>");
    }
    char money[32];
    supply_money_format(json_integer_value(json_object_get(d, "money_fen")), money);
    buf_appendf(html,
                "<tr><td>捐款</td><td class=\"n money\">%s</td><td>元</td></tr></table>"
                "<p>您的善举已登记入账,并将在捐赠公示中公开其去向。特发此证,以致谢忱!</p>"
                "<p class=\"sign\">",
                money);
    html_text(html, jstr(d, "receiving_unit"));
    buf_puts(html, "<br>");
    html_text(html, jstr(d, "donated_on"));
    buf_puts(html, "</p><button onclick=\"window.print()\">打印 Print</button></body></html>");
    json_decref(d);
    return 0;
}

/* ---- requests ----------------------------------------------------------------------- */

int supply_request_create(struct store *s, const struct actor *who,
                          const struct supply_request_input *in, int64_t *id_out,
                          struct ep_error *err)
{
    *id_out = 0;
    if (!in_list(in->requester_kind, recipient_kinds))
        ep_error_field(err, "requester_kind",
                       "须为 region(地区)、hospital(医院)、team(队伍)或 checkpoint(卡口)",
                       "must be region, hospital, team or checkpoint");
    if (!in->region_code || !region_level_of_code(in->region_code))
        ep_error_field(err, "region_code", "不是有效的地区编码", "is not a valid region code");
    supply_text_check(in->requester_name, "requester_name", 100, 1, err);
    supply_text_check(in->note, "note", 200, 0, err);
    int64_t day;
    if (in->needed_by && time_date_parse(in->needed_by, &day) != 0)
        ep_error_field(err, "needed_by", "日期格式应为 YYYY-MM-DD", "must be a date YYYY-MM-DD");
    int64_t qty[SUPPLY_LINES_MAX];
    lines_check(s, in->nlines, in->lines, 0, 1, qty, err);
    if (err->code)
        return -err->code;
    if (require_scope(who, in->region_code, err) != 0)
        return -err->code;
    if (store_begin(s, err) != 0)
        return -err->code;
    int rc = region_exists(s, in->region_code, "region_code", err);
    char now[32];
    time_now_iso(now);
    struct store_stmt *st =
        rc ? NULL
           : store_prepare(s,
                           "INSERT INTO supply_requests (requester_kind, region_code,"
                           " requester_name, needed_by, note, created_by, created_at)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?)",
                           err);
    if (rc == 0 && !st)
        rc = -EP_EINTERNAL;
    if (rc == 0) {
        store_bind_text(st, 1, in->requester_kind);
        store_bind_text(st, 2, in->region_code);
        store_bind_text(st, 3, in->requester_name);
        store_bind_text(st, 4, in->needed_by);
        store_bind_text(st, 5, in->note && *in->note ? in->note : NULL);
        store_bind_text(st, 6, who->user->username);
        store_bind_text(st, 7, now);
        rc = store_run(st, err);
    }
    int64_t id = rc == 0 ? store_last_insert_id(s) : 0;
    for (int i = 0; i < in->nlines && rc == 0; i++) {
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
    if (rc == 0) {
        char key[24];
        id_text(id, key);
        json_t *after = op_audit_json("request", 0, 0, NULL, in->nlines, in->lines, qty);
        json_object_set_new(after, "requester_name", json_string(in->requester_name));
        rc = audit_record(s, who, "create", "supply_request", key, in->region_code, NULL, after,
                          err);
        json_decref(after);
    }
    rc = finish(s, rc, err);
    if (rc == 0)
        *id_out = id;
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
    int rc = rows_json(st, "issii", &lines, err);
    if (rc == 0)
        json_object_set_new(r, "lines", lines);
    return rc;
}

#define REQUEST_COLUMNS                                                                            \
    "id, requester_kind, region_code, requester_name, needed_by, note, status, created_by,"        \
    " created_at"
#define REQUEST_SPEC "issssSSss"

int supply_requests_json(struct store *s, const char *scope, const char *status, int64_t before_id,
                         int limit, json_t **out, struct ep_error *err)
{
    char upper[REGION_CODE_MAX];
    region_code_range(scope, upper);
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT " REQUEST_COLUMNS " FROM supply_requests WHERE region_code >= ?"
                      " AND region_code < ? AND id < ? AND (? = '' OR status = ?"
                      " OR (? = 'open' AND status = 'partial')) ORDER BY id DESC LIMIT ?",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    const char *want = status ? status : "";
    store_bind_text(st, 1, scope);
    store_bind_text(st, 2, upper);
    store_bind_int64(st, 3, before_id > 0 ? before_id : INT64_MAX);
    store_bind_text(st, 4, want);
    store_bind_text(st, 5, want);
    store_bind_text(st, 6, want);
    store_bind_int64(st, 7, JSON_PAGE_FETCH(limit));
    json_t *items;
    int rc = rows_json(st, REQUEST_SPEC, &items, err);
    if (rc != 0)
        return rc;
    json_t *next = json_page_cursor_id(items, limit);
    size_t i;
    json_t *o;
    json_array_foreach(items, i, o) if ((rc = request_lines(s, o, err)) != 0) break;
    if (rc != 0) {
        json_decref(items);
        json_decref(next);
        return rc;
    }
    *out = json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
    return 0;
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
    if ((rc = rows_json(st, "issI", &ops, err)) != 0) {
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
    struct store_stmt *st = store_prepare(
        s, "SELECT requester_kind, region_code, requester_name FROM supply_requests WHERE id = ?",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc = store_step(st, err);
    char kind[16] = "", region[REGION_CODE_MAX] = "", name[512] = "";
    if (rc == STORE_ROW && region_in_scope(store_column_text(st, 1), who->user->scope)) {
        snprintf(kind, sizeof kind, "%s", store_column_text(st, 0));
        snprintf(region, sizeof region, "%s", store_column_text(st, 1));
        snprintf(name, sizeof name, "%s", store_column_text(st, 2));
    }
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    if (!kind[0])
        return ep_error_set(err, EP_ENOTFOUND, "需求 %lld 不存在", "request %lld not found",
                            (long long)id);
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
    return supply_op_create(s, who, &in, op_id_out, err);
}

/* ---- public disclosure ----------------------------------------------------------------- */

/* Totals by item (donated, allocated, consumed or adjusted, in stock) and
 * by month (donations, money, goods by item) over every donation. */
static int public_totals(struct store *s, json_t **by_item, json_t **by_month, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s,
        "SELECT i.id AS item_id, i.name AS item_name, i.unit,"
        " (SELECT COALESCE(SUM(l.quantity), 0) FROM donation_lines l WHERE l.item_id = i.id)"
        "  AS donated,"
        " (SELECT COALESCE(SUM(d.quantity), 0) FROM lot_draws d JOIN lots t ON t.id = d.lot_id"
        "  JOIN ledger_entries e ON e.id = d.entry_id WHERE t.item_id = i.id"
        "  AND t.donation_id IS NOT NULL AND e.kind = 'allocate') AS allocated,"
        " (SELECT COALESCE(SUM(d.quantity), 0) FROM lot_draws d JOIN lots t ON t.id = d.lot_id"
        "  JOIN ledger_entries e ON e.id = d.entry_id WHERE t.item_id = i.id"
        "  AND t.donation_id IS NOT NULL AND e.kind IN ('consume', 'adjust'))"
        "  AS consumed_or_adjusted,"
        " (SELECT COALESCE(SUM(t.remaining), 0) FROM lots t WHERE t.item_id = i.id"
        "  AND t.donation_id IS NOT NULL) AS in_stock"
        " FROM items i WHERE EXISTS (SELECT 1 FROM donation_lines l WHERE l.item_id = i.id)"
        " ORDER BY i.name",
        err);
    if (!st)
        return -EP_EINTERNAL;
    int rc = rows_json(st, "issiiii", by_item, err);
    if (rc != 0)
        return rc;
    st = store_prepare(s,
                       "SELECT substr(donated_on, 1, 7) AS month, count(*) AS donations,"
                       " SUM(money_fen) AS money_fen FROM donations GROUP BY 1 ORDER BY 1",
                       err);
    if (!st || (rc = rows_json(st, "sii", by_month, err)) != 0) {
        json_decref(*by_item);
        return st ? rc : -EP_EINTERNAL;
    }
    size_t i;
    json_t *m;
    json_array_foreach(*by_month, i, m)
    {
        st = store_prepare(
            s,
            "SELECT l.item_id, i.name AS item_name, i.unit,"
            " SUM(l.quantity) AS quantity FROM donation_lines l"
            " JOIN donations d ON d.id = l.donation_id JOIN items i ON i.id = l.item_id"
            " WHERE substr(d.donated_on, 1, 7) = ? GROUP BY l.item_id, i.name, i.unit ORDER BY "
            "i.name",
            err);
        json_t *goods;
        if (!st)
            rc = -EP_EINTERNAL;
        else {
            store_bind_text(st, 1, jstr(m, "month"));
            rc = rows_json(st, "issi", &goods, err);
        }
        if (rc != 0) {
            json_decref(*by_item);
            json_decref(*by_month);
            return rc;
        }
        json_object_set_new(m, "goods", goods);
    }
    return 0;
}

/* A donation's public form: no contact data, the donor's name unless anonymous. */
static json_t *public_donation(json_t *d)
{
    int anonymous = strcmp(jstr(d, "donor_kind"), "anonymous") == 0;
    json_t *lines = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(d, "lines"), i, l)
    {
        json_t *went = json_array();
        size_t k;
        json_t *w;
        json_array_foreach(json_object_get(l, "went"), k, w) json_array_append_new(
            went, json_pack("{s:O, s:O, s:O, s:O, s:O}", "kind", json_object_get(w, "kind"), "date",
                            json_object_get(w, "date"), "recipient_kind",
                            json_object_get(w, "recipient_kind"), "recipient_name",
                            json_object_get(w, "recipient_name"), "quantity",
                            json_object_get(w, "quantity")));
        json_array_append_new(
            lines,
            json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:o}", "item_id",
                      json_object_get(l, "item_id"), "item_name", json_object_get(l, "item_name"),
                      "unit", json_object_get(l, "unit"), "quantity",
                      json_object_get(l, "quantity"), "allocated", json_object_get(l, "allocated"),
                      "consumed_or_adjusted", json_object_get(l, "consumed_or_adjusted"),
                      "in_stock", json_object_get(l, "in_stock"), "went", went));
    }
    return json_pack("{s:O, s:O, s:s, s:s, s:O, s:O, s:O, s:o}", "id", json_object_get(d, "id"),
                     "receipt_no", json_object_get(d, "receipt_no"), "donor",
                     anonymous ? "匿名" : jstr(d, "donor_name"), "donor_kind",
                     jstr(d, "donor_kind"), "donated_on", json_object_get(d, "donated_on"),
                     "receiving_unit", json_object_get(d, "receiving_unit"), "money_fen",
                     json_object_get(d, "money_fen"), "lines", lines);
}

/* The public form of the donations with id > after_id, oldest first, at
 * most "limit", into a new array; *last = the last id when more follow (the
 * next page's "after"), 0 when this page is the last. */
static int public_items(struct store *s, int64_t after_id, int limit, json_t **items, int64_t *last,
                        struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT id FROM donations WHERE id > ? ORDER BY id LIMIT ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, after_id);
    store_bind_int64(st, 2, JSON_PAGE_FETCH(limit));
    json_t *ids;
    int rc = rows_json(st, "i", &ids, err);
    if (rc != 0)
        return rc;
    json_t *more = json_page_trim(ids, limit);
    *last = more ? json_integer_value(json_object_get(more, "id")) : 0;
    *items = json_array();
    size_t i;
    json_t *o;
    json_array_foreach(ids, i, o)
    {
        json_t *d;
        if ((rc = donation_load(s, NULL, json_integer_value(json_object_get(o, "id")), &d, err)) !=
            0)
            break;
        json_array_append_new(*items, public_donation(d));
        json_decref(d);
    }
    json_decref(ids);
    if (rc != 0) {
        json_decref(*items);
        *items = NULL;
    }
    return rc;
}

int supply_public_json(struct store *s, int64_t after_id, int limit, json_t **out,
                       struct ep_error *err)
{
    json_t *items = NULL, *by_item = NULL, *by_month = NULL;
    int64_t last;
    int rc = public_items(s, after_id, limit, &items, &last, err);
    if (rc == 0 && (rc = public_totals(s, &by_item, &by_month, err)) != 0)
        json_decref(items);
    if (rc != 0)
        return rc;
    struct store_stmt *t =
        store_prepare(s, "SELECT count(*), COALESCE(SUM(money_fen), 0) FROM donations", err);
    int64_t count = 0, money = 0;
    if (!t)
        rc = -EP_EINTERNAL;
    else if ((rc = store_step(t, err)) == STORE_ROW) {
        count = store_column_int64(t, 0);
        money = store_column_int64(t, 1);
        rc = 0;
    }
    store_stmt_reset(t);
    char cursor[24];
    id_text(last, cursor);
    *out = json_pack("{s:o, s:o, s:{s:I, s:I, s:o, s:o}}", "items", items, "next_cursor",
                     last ? json_string(cursor) : json_null(), "totals", "donations",
                     (json_int_t)count, "money_fen", (json_int_t)money, "by_item", by_item,
                     "by_month", by_month);
    if (rc < 0) {
        json_decref(*out);
        *out = NULL;
        return rc;
    }
    return 0;
}

/* One CSV field, quoted when needed (RFC 4180); a leading =+-@ is
 * neutralised so that spreadsheets do not run it as a formula. */
static void csv_field(struct buf *b, const char *v, int last)
{
    int quote = strpbrk(v, ",\"\r\n") != NULL || (*v && strchr("=+-@", *v));
    if (quote)
        buf_putc(b, '"');
    if (*v && strchr("=+-@", *v))
        buf_putc(b, '\'');
    for (; *v; v++) {
        if (*v == '"')
            buf_putc(b, '"');
        buf_putc(b, *v);
    }
    if (quote)
        buf_putc(b, '"');
    buf_puts(b, last ? "\r\n" : ",");
}

int supply_public_csv(struct store *s, struct buf *csv, struct ep_error *err)
{
    buf_puts(csv, "\xEF\xBB\xBF收据号,捐赠日期,捐赠方,类别,受赠单位,物资,数量,单位,已分配,"
                  "消耗或调整,库存,捐款(元),去向\r\n");
    int64_t after = 0;
    for (;;) {
        json_t *items;
        int64_t last;
        int rc = public_items(s, after, 200, &items, &last, err);
        if (rc != 0)
            return rc;
        size_t i;
        json_t *d;
        json_array_foreach(items, i, d)
        {
            char money[32] = "";
            int64_t fen = json_integer_value(json_object_get(d, "money_fen"));
            if (fen)
                snprintf(money, sizeof money, "%lld.%02lld", (long long)(fen / 100),
                         (long long)(fen % 100));
            json_t *lines = json_object_get(d, "lines");
            size_t n = json_array_size(lines);
            for (size_t k = 0; k < (n ? n : 1); k++) {
                json_t *l = n ? json_array_get(lines, k) : NULL;
                csv_field(csv, jstr(d, "receipt_no"), 0);
                csv_field(csv, jstr(d, "donated_on"), 0);
                csv_field(csv, jstr(d, "donor"), 0);
                csv_field(csv, jstr(d, "donor_kind"), 0);
                csv_field(csv, jstr(d, "receiving_unit"), 0);
                csv_field(csv, l ? jstr(l, "item_name") : "", 0);
                char q[4][24] = {"", "", "", ""};
                static const char *const keys[] = {"quantity", "allocated", "consumed_or_adjusted",
                                                   "in_stock"};
                for (int c = 0; l && c < 4; c++)
                    snprintf(q[c], sizeof q[c], "%lld",
                             (long long)json_integer_value(json_object_get(l, keys[c])));
                csv_field(csv, q[0], 0);
                csv_field(csv, l ? jstr(l, "unit") : "", 0);
                csv_field(csv, q[1], 0);
                csv_field(csv, q[2], 0);
                csv_field(csv, q[3], 0);
                csv_field(csv, k == 0 ? money : "", 0);
                struct buf went;
                buf_init(&went);
                size_t j;
                json_t *w;
                json_array_foreach(l ? json_object_get(l, "went") : NULL, j, w) buf_appendf(
                    &went, "%s%s %s %lld", j ? "; " : "", jstr(w, "date"),
                    *jstr(w, "recipient_name") ? jstr(w, "recipient_name") : jstr(w, "kind"),
                    (long long)json_integer_value(json_object_get(w, "quantity")));
                csv_field(csv, went.data ? went.data : "", 1);
                buf_cleanup(&went);
            }
            after = json_integer_value(json_object_get(d, "id"));
        }
        int more = json_array_size(items) == 200;
        json_decref(items);
        if (!more)
            return 0;
    }
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
        if (item_load(s, json_integer_value(json_object_get(v, "item_id")), &it, &e2) == 0) {
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

/* ---- demo data ----------------------------------------------------------------------------- */

/* Runs one domain call of the demo; stops the seeding at the first error. */
#define DEMO(call)                                                                                 \
    do {                                                                                           \
        if ((rc = (call)) != 0)                                                                    \
            return rc;                                                                             \
    } while (0)

int supply_demo_seed(struct store *s, const struct actor *who, const char *const *grids, int ngrids,
                     struct ep_error *err)
{
    if (ngrids < 1)
        return ep_error_set(err, EP_EINTERNAL, "示范物资需要至少一个网格",
                            "demo supplies need at least one grid");
    int rc;
    static const struct supply_item_input items[] = {
        {"N95口罩", "protective", "只", "箱", 50},
        {"医用外科口罩", "protective", "只", "箱", 100},
        {"医用防护服", "protective", "件", "箱", 20},
        {"75%酒精", "disinfection", "瓶", "箱", 24},
        {"84消毒液", "disinfection", "瓶", NULL, 0},
        {"红外额温枪", "medical", "台", NULL, 0},
        {"大米", "food", "g", "袋", 25000},
    };
    enum { N95, SURGICAL, GOWN, ALCOHOL, BLEACH, THERMO, RICE, NITEMS };
    int64_t item[NITEMS], wh[8], donor[5], party_fee, donated;
    for (int i = 0; i < NITEMS; i++)
        DEMO(supply_item_create(s, who, &items[i], &item[i], err));
    int nwh = ngrids < 8 ? ngrids : 8;
    for (int i = 0; i < nwh; i++) {
        char name[64];
        snprintf(name, sizeof name, i == 0 ? "市应急物资储备库" : "县级物资中转仓 %d 号", i);
        struct supply_warehouse_input w = {name, grids[i], NULL};
        DEMO(supply_warehouse_create(s, who, &w, &wh[i], err));
    }
    char city[5];
    snprintf(city, sizeof city, "%.4s", grids[0]);
    struct fund_account_input fee = {"专项党费", "party_fee", city};
    struct fund_account_input don = {"社会捐赠资金", "donation", city};
    DEMO(fund_account_create(s, who, &fee, &party_fee, err));
    DEMO(fund_account_create(s, who, &don, &donated, err));
    static const struct supply_donor_input donors[] = {
        {"湖南某医药有限公司", "enterprise", "王经理", "13807460001", NULL},
        {"永州市某商会", "new_social", "李会长", "0746-3221234", NULL},
        {"某村流动党支部", "party_org", NULL, NULL, NULL},
        {"张某某", "individual", NULL, "13907460002", NULL},
        {"爱心人士", "anonymous", NULL, NULL, NULL},
    };
    for (int i = 0; i < 5; i++) {
        struct supply_donor_input d = donors[i];
        d.region_code = city;
        DEMO(supply_donor_create(s, who, &d, &donor[i], err));
    }
    /* Donations of late January and February 2020: goods into the city store, money. */
    static const struct {
        int donor;
        const char *date;
        int item;
        int64_t packs;
        int64_t fen;
    } gifts[] = {
        {0, "2020-01-25", N95, 200, 0},         {1, "2020-01-27", SURGICAL, 300, 5000000},
        {2, "2020-01-28", -1, 0, 1280000},      {0, "2020-01-30", GOWN, 50, 0},
        {3, "2020-02-02", ALCOHOL, 40, 200000}, {4, "2020-02-05", N95, 60, 0},
        {1, "2020-02-08", RICE, 400, 0},        {4, "2020-02-12", -1, 0, 88888},
        {0, "2020-02-15", THERMO, 0, 0},
    };
    for (size_t i = 0; i < sizeof gifts / sizeof gifts[0]; i++) {
        char receipt[32];
        snprintf(receipt, sizeof receipt, "YZJZ-2020-%04zu", i + 1);
        struct supply_line line = {gifts[i].item >= 0 ? item[gifts[i].item] : 0,
                                   gifts[i].item == THERMO ? 120 : 0, gifts[i].packs};
        struct supply_donation_input d = {0};
        d.donor_id = donor[gifts[i].donor];
        d.receipt_no = receipt;
        d.donated_on = gifts[i].date;
        d.receiving_unit = "永州市红十字会";
        d.warehouse_id = gifts[i].item >= 0 ? wh[0] : 0;
        d.account_id = gifts[i].fen ? donated : 0;
        d.money_fen = gifts[i].fen;
        d.nlines = gifts[i].item >= 0;
        d.lines = &line;
        int64_t id;
        DEMO(supply_donation_create(s, who, &d, &id, err));
    }
    /* A purchase of disinfectant, transfers to the county stores, allocations. */
    struct supply_line bleach = {item[BLEACH], 3000, 0};
    struct supply_op_input op = {0};
    op.kind = "receive";
    op.op_date = "2020-01-26";
    op.warehouse_id = wh[0];
    op.nlines = 1;
    op.lines = &bleach;
    int64_t id;
    DEMO(supply_op_create(s, who, &op, &id, err));
    for (int i = 1; i < nwh; i++) {
        struct supply_line moved[2] = {{item[N95], 0, 10}, {item[ALCOHOL], 0, 2}};
        struct supply_op_input t = {0};
        t.kind = "transfer";
        t.op_date = "2020-02-01";
        t.warehouse_id = wh[0];
        t.to_warehouse_id = wh[i];
        t.nlines = 2;
        t.lines = moved;
        DEMO(supply_op_create(s, who, &t, &id, err));
        DEMO(supply_threshold_set(s, who, wh[i], item[N95], 300, err));
        struct supply_line given = {item[N95], 260, 0};
        struct supply_op_input a = {0};
        char county[7];
        snprintf(county, sizeof county, "%.6s", grids[i]);
        a.kind = "allocate";
        a.op_date = "2020-02-03";
        a.warehouse_id = wh[i];
        a.recipient_kind = i % 2 ? "hospital" : "checkpoint";
        a.recipient_region = county;
        a.recipient_name = i % 2 ? "县人民医院(定点医院)" : "高速路口卡口";
        a.nlines = 1;
        a.lines = &given;
        DEMO(supply_op_create(s, who, &a, &id, err));
    }
    static const struct {
        int item;
        int64_t quantity;
        const char *kind, *name;
    } outs[] = {
        {N95, 4000, "hospital", "永州市中心医院(定点医院)"},
        {GOWN, 600, "hospital", "永州市中心医院(定点医院)"},
        {SURGICAL, 12000, "team", "党员突击队"},
        {BLEACH, 1200, "region", "各街道社区"},
        {THERMO, 80, "checkpoint", "各交通卡口"},
        {RICE, 2500000, "team", "志愿服务队(居家隔离户配送)"},
    };
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
        struct supply_line line = {item[outs[i].item], outs[i].quantity, 0};
        struct supply_op_input a = {0};
        a.kind = "allocate";
        a.op_date = "2020-02-06";
        a.warehouse_id = wh[0];
        a.recipient_kind = outs[i].kind;
        a.recipient_region = city;
        a.recipient_name = outs[i].name;
        a.nlines = 1;
        a.lines = &line;
        DEMO(supply_op_create(s, who, &a, &id, err));
    }
    DEMO(supply_threshold_set(s, who, wh[0], item[N95], 5000, err));
    /* An open request from a hospital, half fulfilled. */
    struct supply_line asked[2] = {{item[GOWN], 400, 0}, {item[N95], 2000, 0}};
    struct supply_request_input rq = {
        "hospital", city, "永州市中心医院(定点医院)", NULL, "发热门诊扩容", 2, asked};
    int64_t request;
    DEMO(supply_request_create(s, who, &rq, &request, err));
    struct supply_line part = {item[GOWN], 200, 0};
    DEMO(supply_request_fulfil(s, who, request, wh[0], 1, &part, NULL, &id, err));
    /* Special party fees in and out. */
    static const struct {
        const char *direction;
        int64_t fen;
        const char *purpose, *date;
    } fees[] = {
        {"in", 20000000, "上级拨付专项党费", "2020-01-28"},
        {"out", 3000000, "慰问战斗在防控一线的党员和群众", "2020-02-04"},
        {"out", 1500000, "为临时党支部购买防护物资", "2020-02-10"},
    };
    for (size_t i = 0; i < sizeof fees / sizeof fees[0]; i++) {
        struct fund_entry_input f = {party_fee,
                                     fees[i].direction,
                                     fees[i].fen,
                                     fees[i].purpose,
                                     "市委组织部部长",
                                     fees[i].date,
                                     0};
        DEMO(fund_entry_add(s, who, &f, &id, err));
    }
    return 0;
}
#undef DEMO
