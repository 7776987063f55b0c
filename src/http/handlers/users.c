/*
 * users.c -- GET /api/v1/users (scoped list), POST /api/v1/users (create).
 * The list shows only users whose scope lies inside the caller's, and masks
 * their phones (need-to-know: Go.Data's user list leaked every e-mail).
 */
#include <string.h>

#include "core/auth.h"
#include "http/handlers/handlers.h"
#include "util/idcheck.h"
#include "util/json.h"

static int add_user(const struct auth_user *u, int active, const char *phone, void *items)
{
    char masked[32] = "";
    if (*phone)
        idcheck_mask_phone(phone, masked, sizeof masked);
    json_array_append_new(items,
                          json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:s?}", "id", (json_int_t)u->id,
                                    "username", u->username, "display_name", u->display_name,
                                    "role", auth_role_name(u->role), "scope", u->scope, "active",
                                    active, "phone", *phone ? masked : NULL));
    return 0;
}

int handler_users_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int limit;
    const char *cursor;
    if (http_list_params(req, 50, 500, &limit, &cursor, err) != 0)
        return -EP_EINVAL;
    json_t *items = json_array();
    if (auth_user_list(req->store, req->user.scope, cursor, JSON_PAGE_FETCH(limit), add_user, items,
                       err) != 0) {
        json_decref(items);
        return -err->code;
    }
    json_t *last = json_page_trim(items, limit); /* ordered by username */
    return http_reply_json(res, 200,
                           json_pack("{s:o, s:s?}", "items", items, "next_cursor",
                                     last ? json_get_str(last, "username") : NULL));
}

/* The i-th role name, NULL past the last (the body's enum). */
static const char *role_at(int i)
{
    return i >= 0 && i < ROLE_COUNT ? auth_role_name(i) : NULL;
}

const struct json_field users_user_fields[] = {
    {.name = "username", .type = JF_STRING, .required = 1, .max_len = 32},
    {.name = "display_name", .type = JF_STRING, .max_len = 40},
    {.name = "role", .type = JF_STRING, .required = 1, .max_len = 32, .value_at = role_at},
    {.name = "scope", .type = JF_STRING, .required = 1, .max_len = 15},
    {.name = "phone", .type = JF_STRING, .max_len = 20},
    {.name = "password", .type = JF_STRING, .required = 1, .max_len = 128},
    {0},
};

int handler_users_create(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = http_body_json(req, err);
    if (!body)
        return -EP_EINVAL;
    if (json_object_check(body, users_user_fields, err) != 0) {
        json_decref(body);
        return -EP_EINVAL;
    }
    struct auth_user_input in = {
        json_get_str(body, "username"), json_get_str(body, "display_name"),
        json_get_str(body, "role"),     json_get_str(body, "scope"),
        json_get_str(body, "phone"),    json_get_str(body, "password"),
    };
    int64_t id = 0;
    int rc = auth_user_create(req->store, &req->user, req->client_ip, &in, &id, err);
    if (rc != 0) {
        json_decref(body);
        return rc;
    }
    json_t *out = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "username", in.username,
                            "role", in.role, "scope", in.scope);
    json_decref(body);
    return http_reply_json(res, 201, out);
}
