/*
 * supply_catalog.c -- the catalogue of items and the warehouses (see
 * supply.h): creating and listing them, a warehouse's stock, and the
 * lookups the other supply files use (supply_internal.h).
 */
#include <stdio.h>
#include <string.h>

#include "core/region.h"
#include "core/supply_internal.h"
#include "core/write.h"
#include "util/text.h"
#include "util/timeutil.h"

const char *const supply_categories[] = {"protective", "disinfection", "medical", "vehicle",
                                         "food",       "other",        NULL};

/* ---- items --------------------------------------------------------------- */

#define ITEM_COLUMNS "id, name, category, unit, pack_unit, pack_size, created_at"
#define ITEM_SPEC    "issssIs"

int supply_item_create(struct store *s, const struct actor *who, const struct supply_item_input *in,
                       int64_t *id_out, struct ep_error *err)
{
    *id_out = 0;
    text_check(in->name, "name", SUPPLY_ITEM_NAME_MAX, TEXT_REQUIRED, err);
    if (!in_list(in->category, supply_categories))
        ep_error_field(err, "category",
                       "须为 protective(防护)、disinfection(消杀)、medical(医疗)、vehicle(车辆)、"
                       "food(食品)或 other",
                       "must be protective, disinfection, medical, vehicle, food or other");
    text_check(in->unit, "unit", SUPPLY_UNIT_MAX, TEXT_REQUIRED, err);
    text_check(in->pack_unit, "pack_unit", SUPPLY_UNIT_MAX, 0, err);
    if (in->pack_size < 0 || in->pack_size > 1000000)
        ep_error_field(err, "pack_size", "须为 1 至 1000000 的整数",
                       "must be an integer from 1 to 1000000");
    if ((in->pack_unit && *in->pack_unit) != (in->pack_size > 0))
        ep_error_field(err, in->pack_size > 0 ? "pack_unit" : "pack_size",
                       "包装单位和每包数量须同时填写", "pack_unit and pack_size go together");
    if (err->code)
        return -err->code;
    struct write w;
    int64_t id = 0;
    write_begin(&w, s, who, NULL, NULL, NULL, err);
    struct store_stmt *st = !write_ok(&w)
                                ? NULL
                                : store_prepare(s,
                                                "INSERT INTO items (name, category, unit,"
                                                " pack_unit, pack_size, created_by,"
                                                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                                err);
    if (write_ok(&w) && !st)
        write_fail(&w, -EP_EINTERNAL);
    if (write_ok(&w)) {
        store_bind_text(st, 1, in->name);
        store_bind_text(st, 2, in->category);
        store_bind_text(st, 3, in->unit);
        if (in->pack_size > 0) {
            store_bind_text(st, 4, in->pack_unit);
            store_bind_int64(st, 5, in->pack_size);
        }
        store_bind_text(st, 6, who->user->username);
        store_bind_text(st, 7, w.now);
        int rc = store_run(st, err);
        if (rc == -EP_ECONFLICT)
            ep_error_set(err, EP_ECONFLICT, "物资“%s”已存在", "item \"%s\" exists", in->name);
        write_fail(&w, rc);
    }
    if (write_ok(&w)) {
        id = store_last_insert_id(s);
        json_t *after =
            json_pack("{s:s, s:s, s:s, s:s?, s:I}", "name", in->name, "category", in->category,
                      "unit", in->unit, "pack_unit", in->pack_size > 0 ? in->pack_unit : NULL,
                      "pack_size", (json_int_t)in->pack_size);
        write_audit(&w, "create", "item", id, who->user->scope, NULL, after);
        json_decref(after);
    }
    int rc = write_end(&w, id);
    *id_out = rc ? 0 : id;
    return rc;
}

int supply_items_list(struct store *s, json_t *items, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT " ITEM_COLUMNS " FROM items ORDER BY name", err);
    if (!st)
        return -EP_EINTERNAL;
    return supply_rows_append(st, ITEM_SPEC, items, err);
}

int supply_item_load(struct store *s, int64_t id, struct item_info *it, struct ep_error *err)
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
        return ref_not_found(err, REF_ITEM, id);
    return rc < 0 ? rc : 0;
}

/* ---- warehouses and stock -------------------------------------------------- */

int supply_warehouse_load(struct store *s, int64_t id, struct warehouse *w, struct ep_error *err)
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
        return ref_not_found(err, REF_WAREHOUSE, id);
    return rc < 0 ? rc : 0;
}

int supply_warehouse_create(struct store *s, const struct actor *who,
                            const struct supply_warehouse_input *in, int64_t *id_out,
                            struct ep_error *err)
{
    *id_out = 0;
    text_check(in->name, "name", SUPPLY_WAREHOUSE_NAME_MAX, TEXT_REQUIRED, err);
    text_check(in->address, "address", SUPPLY_ADDRESS_MAX, 0, err);
    if (!in->region_code || region_level_of_code(in->region_code) != REGION_GRID)
        ep_error_field(err, "region_code", "仓库须设在一个网格(15 位编码)",
                       "a warehouse lies in a grid (a 15-digit code)");
    if (err->code)
        return -err->code;
    struct write w;
    int64_t id = 0;
    write_begin(&w, s, who, NULL, NULL, NULL, err);
    write_region(&w, in->region_code, REGION_GRID, "region_code", NULL);
    write_check(&w);
    struct store_stmt *st = !write_ok(&w)
                                ? NULL
                                : store_prepare(s,
                                                "INSERT INTO warehouses (name, region_code,"
                                                " address, created_by, created_at)"
                                                " VALUES (?, ?, ?, ?, ?)",
                                                err);
    if (write_ok(&w) && !st)
        write_fail(&w, -EP_EINTERNAL);
    if (write_ok(&w)) {
        store_bind_text(st, 1, in->name);
        store_bind_text(st, 2, in->region_code);
        store_bind_text(st, 3, in->address && *in->address ? in->address : NULL);
        store_bind_text(st, 4, who->user->username);
        store_bind_text(st, 5, w.now);
        int rc = store_run(st, err);
        if (rc == -EP_ECONFLICT)
            ep_error_set(err, EP_ECONFLICT, "该网格已有仓库“%s”", "warehouse \"%s\" exists there",
                         in->name);
        write_fail(&w, rc);
    }
    if (write_ok(&w)) {
        id = store_last_insert_id(s);
        json_t *after = json_pack("{s:s, s:s}", "name", in->name, "region_code", in->region_code);
        write_audit(&w, "create", "warehouse", id, in->region_code, NULL, after);
        json_decref(after);
    }
    int rc = write_end(&w, id);
    *id_out = rc ? 0 : id;
    return rc;
}

int supply_warehouses_list(struct store *s, const char *scope, json_t *items, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s,
        "SELECT w.id, w.name, w.region_code, r.name AS region_name, w.address, w.created_at,"
        " (SELECT count(*) FROM stock k WHERE k.warehouse_id = w.id AND k.threshold > 0"
        "  AND k.quantity < k.threshold) AS below_threshold,"
        " (SELECT v.name FROM regions v WHERE v.code = substr(w.region_code, 1, 12))"
        " AS village_name"
        " FROM warehouses w JOIN regions r ON r.code = w.region_code"
        " WHERE w.region_code >= ? AND w.region_code < ? ORDER BY w.id",
        err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, scope);
    return supply_rows_append(st, "isssSsiS", items, err);
}

int supply_stock_json(struct store *s, const char *scope, int64_t warehouse_id, json_t **out,
                      struct ep_error *err)
{
    struct warehouse w;
    int rc = supply_warehouse_load(s, warehouse_id, &w, err);
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
    if ((rc = supply_rows_json(st, "issSIiii", &items, err)) != 0)
        return rc;
    size_t i;
    json_t *o;
    json_array_foreach(items, i, o)
        json_object_set(o, "below", json_boolean(json_integer_value(json_object_get(o, "below"))));
    *out = json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)w.id, "name", w.name, "region_code",
                     w.region, "items", items);
    return 0;
}
