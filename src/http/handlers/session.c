/*
 * session.c -- logging in and out:
 *   POST   /api/v1/session  {"username","password"} -> cookie + CSRF token
 *   GET    /api/v1/session  who am I (and the CSRF token for the page)
 *   DELETE /api/v1/session  log out
 * The cookie is HttpOnly and SameSite=Strict (and Secure under serve
 * --cookie-secure); a new random token is made at
 * every login, so a token planted before login is never promoted (no
 * session fixation).
 */
#include <stdio.h>

#include "core/auth.h"
#include "http/handlers/handlers.h"
#include "util/json.h"

static json_t *user_json(const struct auth_user *u)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)u->id, "username", u->username,
                     "display_name", u->display_name, "role", auth_role_name(u->role), "scope",
                     u->scope);
}

/* Permissions of the role, so the page can hide what the role may not do. */
static json_t *perms_json(int role)
{
    json_t *a = json_array();
    for (int p = PERM_LOGIN; p < PERM_COUNT; p++)
        if (auth_role_can(role, p))
            json_array_append_new(a, json_string(auth_perm_name(p)));
    return a;
}

const struct json_field session_login_fields[] = {
    {.name = "username", .type = JF_STRING, .required = 1, .max_len = 64},
    {.name = "password", .type = JF_STRING, .required = 1, .max_len = 128},
    {0},
};

int handler_session_create(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    json_t *body = http_body_json(req, err);
    if (!body)
        return -EP_EINVAL;
    if (json_object_check(body, session_login_fields, err) != 0) {
        json_decref(body);
        return -EP_EINVAL;
    }
    struct auth_user user;
    char token[AUTH_TOKEN_HEX + 1];
    int retry_after = 0;
    int rc = auth_login(req->store, json_get_str(body, "username"), json_get_str(body, "password"),
                        req->client_ip, req->login_limits, &user, token, &retry_after, err);
    json_decref(body);
    if (rc != 0) {
        if (err->code == EP_ETHROTTLE)
            http_add_header(res, "Retry-After", arena_sprintf(req->arena, "%d", retry_after));
        return rc;
    }
    http_add_header(res, "Set-Cookie",
                    arena_sprintf(req->arena,
                                  "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
                                  AUTH_COOKIE_NAME, token, AUTH_SESSION_ABSOLUTE_SECONDS,
                                  req->cookie_secure ? "; Secure" : ""));
    return http_reply_json(res, 200,
                           json_pack("{s:o, s:s, s:o}", "user", user_json(&user), "csrf_token",
                                     user.csrf, "permissions", perms_json(user.role)));
}

int handler_session_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    (void)err;
    return http_reply_json(res, 200,
                           json_pack("{s:o, s:s?, s:o}", "user", user_json(&req->user),
                                     "csrf_token", req->user.session_id ? req->user.csrf : NULL,
                                     "permissions", perms_json(req->user.role)));
}

int handler_session_delete(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    if (auth_logout(req->store, &req->user, req->client_ip, err) != 0)
        return -err->code;
    http_add_header(res, "Set-Cookie",
                    arena_sprintf(req->arena, "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
                                  AUTH_COOKIE_NAME, req->cookie_secure ? "; Secure" : ""));
    return http_reply_json(res, 200, json_pack("{s:b}", "logged_out", 1));
}
