/*
 * regions.c -- the region tree with roll-up figures:
 *   GET /api/v1/regions                  the caller's jurisdiction root; with ?q= the
 *                                        regions of the jurisdiction named like q (or
 *                                        coded q), ?level= of one level, with their paths
 *   GET /api/v1/regions/{code}           one region with its path and former codes
 *                                        (a former code finds the region that has it now)
 *   GET /api/v1/regions/{code}/children  children with their figures
 *   GET /api/v1/regions/{code}/stats     every counter of the subtree
 *   GET /api/v1/regions/{code}/map       the county polygons of a city (or of one county)
 *                                        for the dashboard's map (core/citymap.h)
 * A region outside the caller's scope is 403; nothing outside is listed.
 */
#include <string.h>

#include "core/audit.h"
#include "core/citymap.h"
#include "core/counter.h"
#include "core/region.h"
#include "http/handlers/handlers.h"
#include "util/json.h"
#include "util/text.h"

static int add_metric(const char *metric, int64_t value, void *ctx)
{
    json_object_set_new(ctx, metric, json_integer(value));
    return 0;
}

/* {"households":n,"persons":n,...}: always has the registry metrics. */
static json_t *stats_json(struct store *s, const char *code, struct ep_error *err)
{
    json_t *stats = json_pack("{s:i, s:i}", "households", 0, "persons", 0);
    if (counter_list(s, code, add_metric, stats, err) != 0) {
        json_decref(stats);
        return NULL;
    }
    return stats;
}

static json_t *region_json(const struct region *r)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:s?}", "code", r->code, "name", r->name, "level",
                     region_level_name(r->level), "level_no", r->level, "parent_code",
                     r->parent_code[0] ? r->parent_code : NULL);
}

static int add_path(const struct region *r, void *ctx)
{
    json_array_append_new(ctx, json_pack("{s:s, s:s, s:s}", "code", r->code, "name", r->name,
                                         "level", region_level_name(r->level)));
    return 0;
}

struct children_ctx {
    struct store *store;
    json_t *items;
    struct ep_error *err;
};

static int add_child(const struct region *r, void *ctx)
{
    struct children_ctx *c = ctx;
    json_t *item = region_json(r);
    json_t *stats = stats_json(c->store, r->code, c->err);
    if (!stats) {
        json_decref(item);
        return -EP_EINTERNAL;
    }
    json_object_set_new(item, "stats", stats);
    json_array_append_new(c->items, item);
    return 0;
}

/* Loads req->params[0] after checking the scope.  A former code (祁阳县
 * 431121) loads the region that has it now (祁阳市 431181); "by" (may be
 * NULL) then receives the former code, else its code is "". */
static int load(struct http_request *req, struct region *r, struct region_former *by,
                struct ep_error *err)
{
    const char *code = req->params[0];
    if (!region_level_of_code(code))
        return ep_error_set(err, EP_ENOTFOUND, "地区 %s 不存在", "region %s not found", code);
    struct region_former former = {0};
    struct ep_error quiet;
    ep_error_clear(&quiet);
    int rc = region_get(req->store, code, r, &quiet);
    if (rc == -EP_ENOTFOUND) {
        ep_error_clear(&quiet);
        rc = region_former_get(req->store, code, r, &former, &quiet);
    }
    if (rc != 0 && rc != -EP_ENOTFOUND)
        return *err = quiet, rc;
    if (by)
        *by = former;
    if (http_require_scope(req, rc == 0 ? r->code : code, err) != 0)
        return -EP_EFORBIDDEN;
    if (rc != 0)
        return ep_error_set(err, EP_ENOTFOUND, "地区 %s 不存在", "region %s not found", code);
    return 0;
}

static json_t *former_json(const struct region_former *f)
{
    return json_pack("{s:s, s:s, s:s?}", "code", f->code, "name", f->name, "changed_on",
                     f->changed_on[0] ? f->changed_on : NULL);
}

static int add_former(const struct region_former *f, void *ctx)
{
    json_array_append_new(ctx, former_json(f));
    return 0;
}

/* A search hit with the names of its path below the jurisdiction's root. */
static int add_hit(const struct region *r, void *ctx)
{
    struct children_ctx *c = ctx;
    json_t *item = region_json(r), *path = json_array();
    json_object_set_new(item, "path", path);
    json_array_append_new(c->items, item);
    return region_path_list(c->store, r->code, add_path, path, c->err);
}

#define SEARCH_LIMIT 20

int handler_regions_roots(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    const char *q = http_query(req, "q"), *level = http_query(req, "level");
    int lv = 0;
    if (level) {
        for (int l = REGION_CITY; l <= REGION_GRID; l++)
            if (!strcmp(level, region_level_name(l)))
                lv = l;
        if (!lv)
            ep_error_field(err, "level", "应为 city、county、township、village 或 grid",
                           "must be city, county, township, village or grid");
    }
    if (q)
        text_check(q, "q", REGION_NAME_CHARS, TEXT_REQUIRED, err);
    if (err->code)
        return -err->code;
    struct children_ctx c = {req->store, json_array(), err};
    if (q) {
        int rc = region_search(req->store, req->user.scope, q, lv, SEARCH_LIMIT, add_hit, &c, err);
        if (rc != 0) {
            json_decref(c.items);
            return rc;
        }
        return http_reply_json(res, 200, json_pack("{s:o}", "items", c.items));
    }
    struct region r;
    int rc = region_get(req->store, req->user.scope, &r, err);
    if (rc == 0)
        rc = add_child(&r, &c);
    if (rc != 0) {
        json_decref(c.items);
        return rc;
    }
    return http_reply_json(res, 200, json_pack("{s:o}", "items", c.items));
}

int handler_region_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    struct region r;
    struct region_former by;
    if (load(req, &r, &by, err) != 0)
        return -err->code;
    json_t *body = region_json(&r);
    json_t *path = json_array();
    json_t *formers = json_array();
    json_t *stats = stats_json(req->store, r.code, err);
    if (region_path_list(req->store, r.code, add_path, path, err) != 0 || !stats ||
        region_former_list(req->store, r.code, add_former, formers, err) != 0) {
        json_decref(body);
        json_decref(path);
        json_decref(formers);
        json_decref(stats);
        return -EP_EINTERNAL;
    }
    json_object_set_new(body, "path", path);
    json_object_set_new(body, "former_codes", formers);
    if (by.code[0]) /* looked up by a former code */
        json_object_set_new(body, "found_by_former_code", former_json(&by));
    json_object_set_new(body, "stats", stats);
    return http_reply_json(res, 200, body);
}

int handler_region_children(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    struct region r;
    if (load(req, &r, NULL, err) != 0)
        return -err->code;
    struct children_ctx c = {req->store, json_array(), err};
    if (region_children_list(req->store, r.code, add_child, &c, err) != 0) {
        json_decref(c.items);
        return -EP_EINTERNAL;
    }
    return http_reply_json(res, 200, json_pack("{s:s, s:o}", "code", r.code, "items", c.items));
}

int handler_region_stats(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    struct region r;
    if (load(req, &r, NULL, err) != 0 || handler_now_only(req, err) != 0)
        return -err->code;
    json_t *stats = stats_json(req->store, r.code, err);
    if (!stats)
        return -EP_EINTERNAL;
    return http_reply_json(
        res, 200, json_pack("{s:s, s:s, s:o}", "code", r.code, "name", r.name, "stats", stats));
}

int handler_region_map(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    struct region r;
    json_t *map;
    if (load(req, &r, NULL, err) != 0 || citymap_get(req->store, r.code, &map, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, map);
}

const struct json_field regions_region_fields[] = {
    {.name = "code", .type = JF_STRING, .required = 1, .max_len = 15},
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = 40},
    {0},
};

int handler_region_create(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = http_body_json(req, err);
    if (!body)
        return -EP_EINVAL;
    int rc = json_object_check(body, regions_region_fields, err);
    const char *code = json_get_str(body, "code"), *name = json_get_str(body, "name");
    struct actor who = {&req->user, req->client_ip};
    if (rc == 0) /* strictly inside the caller's jurisdiction, or 403 */
        rc = region_create_audited(req->store, &who, code, name, err);
    struct region r;
    if (rc == 0)
        rc = region_get(req->store, code, &r, err); /* before decref: "code" lives in body */
    json_decref(body);
    if (rc != 0)
        return rc;
    return http_reply_json(res, 201, region_json(&r));
}

/* POST /api/v1/regions/bulk: {"items": [{code?, parent?, name, responsible_person_id?}]}.
 * A parent (a code, or a name path 东安县/白牙市镇 below the caller's scope) is
 * a reference: outside the scope it answers as a missing one. */
static const struct json_field bulk_item_fields[] = {
    {.name = "code", .type = JF_STRING, .max_len = 15},
    /* without a code the parent says where (region_insert) */
    {.name = "parent",
     .type = JF_STRING,
     .max_len = 200,
     .ref = "region",
     JF_REQUIRED_IF_ABSENT("code")},
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = REGION_NAME_CHARS},
    {.name = "responsible_person_id", .type = JF_INT, .min = 1, .max = JF_ID_MAX, .ref = "person"},
    {0},
};
const struct json_field regions_bulk_fields[] = {
    {.name = "items",
     .type = JF_ARRAY,
     .required = 1,
     .max_items = REGION_BULK_MAX,
     .members = bulk_item_fields},
    {0},
};

int handler_regions_bulk(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = handler_body(req, regions_bulk_fields, err);
    if (!body)
        return -EP_EINVAL;
    json_t *list = json_object_get(body, "items");
    int n = json_is_array(list) ? (int)json_array_size(list) : 0;
    if (!err->code && n == 0)
        ep_error_field(err, "items", "至少一项", "needs at least one item");
    struct region_input *items = arena_alloc(req->arena, (size_t)(n ? n : 1) * sizeof *items);
    int64_t *persons = arena_alloc(req->arena, (size_t)(n ? n : 1) * sizeof *persons);
    struct region *made = arena_alloc(req->arena, (size_t)(n ? n : 1) * sizeof *made);
    for (int i = 0; i < n && !err->code; i++) {
        json_t *it = json_array_get(list, (size_t)i);
        items[i] = (struct region_input){.code = json_get_str(it, "code"),
                                         .parent = json_get_str(it, "parent"),
                                         .name = json_get_str(it, "name")};
        persons[i] = json_get_int(it, "responsible_person_id", 0);
    }
    struct actor who = {&req->user, req->client_ip};
    int rc =
        err->code ? -EP_EINVAL : region_bulk_create(req->store, &who, items, persons, n, made, err);
    json_t *out = NULL;
    if (rc == 0) {
        json_t *list_out = json_array();
        for (int i = 0; i < n; i++)
            json_array_append_new(list_out, region_json(&made[i]));
        out = json_pack("{s:i, s:o}", "count", n, "items", list_out);
    }
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}
