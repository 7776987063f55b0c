/*
 * audit.c -- GET /api/v1/audit: the audit log of the caller's jurisdiction,
 * newest first, filterable by region, action, entity, entity_id, username;
 * cursor = the last id seen.
 */
#include <stdlib.h>

#include "core/audit.h"
#include "http/handlers/handlers.h"
#include "util/json.h"

struct list_ctx {
    json_t *items;
    int64_t last_id;
};

static json_t *json_or_null(const char *text)
{
    if (!*text)
        return json_null();
    json_t *v = json_loads(text, 0, NULL);
    return v ? v : json_string(text);
}

static int add_row(struct store_stmt *r, void *ctx)
{
    struct list_ctx *c = ctx;
    c->last_id = store_column_int64(r, 0);
    json_array_append_new(
        c->items,
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s?, s:s, s:o, s:o}", "id",
                  (json_int_t)c->last_id, "at", store_column_text(r, 1), "username",
                  store_column_text(r, 3), "ip", store_column_text(r, 4), "action",
                  store_column_text(r, 5), "entity", store_column_text(r, 6), "entity_id",
                  store_column_is_null(r, 7) ? NULL : store_column_text(r, 7), "region_code",
                  store_column_text(r, 8), "before", json_or_null(store_column_text(r, 9)), "after",
                  json_or_null(store_column_text(r, 10))));
    return 0;
}

int handler_audit_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int limit;
    const char *cursor;
    if (http_list_params(req, 50, 500, &limit, &cursor, err) != 0)
        return -EP_EINVAL;
    struct audit_filter f = {0};
    f.scope = req->user.scope;
    f.action = http_query(req, "action");
    f.entity = http_query(req, "entity");
    f.entity_id = http_query(req, "entity_id");
    f.username = http_query(req, "username");
    f.limit = JSON_PAGE_FETCH(limit);
    if ((f.before_id = http_cursor_id(cursor, err)) < 0)
        return -EP_EINVAL;
    /* Validated in one place: 4/6/9/12/15 digits inside the scope (a longer
     * "region" once widened the range to every county's rows). */
    int rc = handler_region_param(req, &f.region, err);
    if (rc != 0)
        return rc;
    struct list_ctx c = {json_array(), 0};
    if (audit_list(req->store, &f, add_row, &c, err) != 0) {
        json_decref(c.items);
        return -err->code;
    }
    json_t *next = json_page_cursor_id(c.items, limit);
    return http_reply_json(res, 200,
                           json_pack("{s:o, s:o}", "items", c.items, "next_cursor", next));
}
