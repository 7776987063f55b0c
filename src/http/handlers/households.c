/*
 * households.c -- households over HTTP:
 *   GET  /api/v1/households       scoped list (?region=&limit=&cursor=), by (grid_code, id)
 *   POST /api/v1/households       create (client_uuid makes retries idempotent)
 *   GET  /api/v1/households/{id}  one household with its members (404 outside scope)
 */
#include <stdlib.h>
#include <string.h>

#include "core/household.h"
#include "core/person.h"
#include "http/handlers/handlers.h"
#include "util/json.h"

#define MEMBERS_MAX 1000 /* members listed with one household */

static json_t *household_json(const struct household *h)
{
    return json_pack("{s:I, s:s, s:s, s:o, s:I, s:s, s:s}", "id", (json_int_t)h->id, "grid_code",
                     h->grid_code, "address", h->address, "head_person_id",
                     h->head_person_id ? json_integer(h->head_person_id) : json_null(), "members",
                     (json_int_t)h->members, "created_at", h->created_at, "updated_at",
                     h->updated_at);
}

static int add_household(const struct household *h, void *items)
{
    json_array_append_new(items, household_json(h));
    return 0;
}

int handler_households_list(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    struct handler_registry_page p;
    if (handler_registry_params(req, &p, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    struct household_filter f = {
        .region = p.region, .after_grid = p.after_grid, .after_id = p.after_id};
    if (err->code)
        return -err->code;
    f.scope = req->user.scope;
    f.limit = JSON_PAGE_FETCH(p.limit);
    json_t *items = json_array();
    int rc = household_list(req->store, &f, add_household, items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_grid_id, err);
}

const struct json_field households_household_fields[] = {
    {.name = "client_uuid", .type = JF_STRING, .max_len = 64},
    /* required, reported by household_validate with the other problems */
    {.name = "grid_code",
     .type = JF_STRING,
     .required = JF_CORE_REQUIRED,
     .max_len = 40,
     .ref = "grid"},
    {.name = "address", .type = JF_STRING, .required = JF_CORE_REQUIRED, .max_len = 400},
    {.name = "head_person_id", .type = JF_INT, .ref = "person"},
    {0},
};

int handler_households_create(struct http_request *req, struct http_response *res,
                              struct ep_error *err)
{
    json_t *body = handler_body(req, households_household_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct idem_key key;
    handler_idem_key(body, &key, err);
    json_t *head = json_object_get(body, "head_person_id");
    struct household_input in = {json_get_str(body, "grid_code"), json_get_str(body, "address"),
                                 json_is_integer(head) ? (int64_t)json_integer_value(head) : 0};
    if (json_is_integer(head) && in.head_person_id <= 0)
        in.head_person_id = -1; /* given but not an id: let the domain say so */
    int rc;
    struct household h;
    struct actor who = {&req->user, req->client_ip};
    if (err->code) {
        /* Add what the domain says about the values too: every input problem
         * at once (the references are the write's, once the input is right). */
        struct ep_error domain;
        ep_error_clear(&domain);
        if (household_validate(&in, &h, &domain) != 0 && domain.code == EP_EINVAL)
            handler_fields_merge(err, &domain);
        rc = -EP_EINVAL;
    } else {
        rc = household_create(req->store, &who, &in, &key, &h, err);
    }
    return handler_write_reply(res, body, rc, &key, 201, rc == 0 ? household_json(&h) : NULL, err);
}

struct members_ctx {
    const struct auth_user *viewer;
    json_t *items;
};

static int add_member(const struct person *p, void *ctx)
{
    struct members_ctx *c = ctx;
    json_array_append_new(c->items, handler_person_json(c->viewer, p, 0));
    return 0;
}

int handler_household_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    struct household h;
    if (http_path_id(req, 0, "住户", "household", &id, err) != 0 ||
        household_get(req->store, req->user.scope, id, &h, err) != 0)
        return -err->code;
    struct person_filter f = {0};
    f.scope = req->user.scope;
    f.household_id = id;
    f.limit = MEMBERS_MAX;
    struct members_ctx c = {&req->user, json_array()};
    if (person_list(req->store, &f, add_member, &c, err) != 0) {
        json_decref(c.items);
        return -err->code;
    }
    if (handler_pii_audit(req, "view", "person", c.items, NULL, err) != 0) {
        json_decref(c.items);
        return -err->code;
    }
    json_t *body = household_json(&h);
    json_object_set_new(body, "persons", c.items);
    return http_reply_json(res, 200, body);
}
