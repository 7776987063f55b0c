/*
 * assists.c -- cross-jurisdiction requests (协查函) over HTTP:
 *   GET  /api/v1/assist-requests                 ?box=inbox|outbox (default inbox)
 *                                                &status=&limit=&cursor=: newest first,
 *                                                with a summary of the whole box
 *   POST /api/v1/assist-requests                 send one {source_case_id, name,
 *                                                id_number?, phone?, region_code,
 *                                                contact_type, last_contact_date, note?,
 *                                                client_uuid?}: the outbox view
 *   GET  /api/v1/assist-requests/destinations    counties and townships a request may go to
 *   GET  /api/v1/assist-requests/{id}            the view the caller may have
 *   POST /api/v1/assist-requests/{id}/acknowledge   the receiver signs for it
 *   POST /api/v1/assist-requests/{id}/observe    {person_id?, kind?, site?, start_date?,
 *                                                reply?}: opens the observation
 *   POST /api/v1/assist-requests/{id}/not-found  {reply}: the contact was not found
 * The reads show the contact's ID number and phone as the sender entered
 * them, so each writes an audit row ("view", entity "assist_request").
 */
#include <string.h>

#include "core/assist.h"
#include "core/contact.h"
#include "core/observation.h"
#include "http/handlers/handlers.h"
#include "util/json.h"

int handler_assists_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int limit;
    const char *cursor;
    http_list_params(req, 50, 500, &limit, &cursor, err);
    const char *box = http_query(req, "box");
    if (box && strcmp(box, "inbox") != 0 && strcmp(box, "outbox") != 0)
        ep_error_field(err, "box", "应为 inbox(收到的)或 outbox(发出的)",
                       "must be inbox or outbox");
    const char *status = http_query(req, "status");
    if (status && strcmp(status, "pending") != 0 && strcmp(status, "acknowledged") != 0 &&
        strcmp(status, "observing") != 0 && strcmp(status, "not_found") != 0)
        ep_error_field(err, "status", "应为 pending、acknowledged、observing 或 not_found",
                       "must be pending, acknowledged, observing or not_found");
    int64_t before = http_cursor_id(cursor, err);
    if (err->code)
        return -err->code;
    int which = box && strcmp(box, "outbox") == 0 ? ASSIST_OUTBOX : ASSIST_INBOX;
    json_t *items = json_array(), *summary = NULL;
    if (assist_request_list(req->store, &req->user, which, status, before, JSON_PAGE_FETCH(limit),
                            items, &summary, err) != 0) {
        json_decref(items);
        return -err->code;
    }
    json_t *next = json_page_cursor_id(items, limit);
    /* The contacts' ID numbers and phones are shown as entered: audited. */
    if (handler_pii_audit(req, "view", "assist_request", items, NULL, err) != 0) {
        json_decref(items);
        json_decref(next);
        json_decref(summary);
        return -err->code;
    }
    return http_reply_json(
        res, 200,
        json_pack("{s:o, s:o, s:o}", "items", items, "next_cursor", next, "summary", summary));
}

/* The contact is found by an ID number or a phone (check_input, core/assist.c). */
static const struct json_group request_groups[] = {
    {JG_ANY_OF, {"id_number", "phone"}},
    {0},
};

const struct json_field assists_request_fields[] = {
    {.name = "client_uuid", .type = JF_STRING, .max_len = 64},
    {.name = "source_case_id",
     .type = JF_INT,
     .required = 1,
     .min = 1,
     .max = 9.0e15,
     .ref = "case"},
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = ASSIST_NAME_CHARS},
    {.name = "id_number", .type = JF_STRING, .max_len = 18},
    {.name = "phone", .type = JF_STRING, .max_len = 20},
    {.name = "region_code", .type = JF_STRING, .required = 1, .max_len = 15},
    {.name = "contact_type",
     .type = JF_STRING,
     .required = 1,
     .max_len = 20,
     .value_at = contact_type_at},
    {.name = "last_contact_date", .type = JF_DATE, .required = 1},
    {.name = "note", .type = JF_STRING, .max_len = ASSIST_NOTE_CHARS},
    {JF_GROUPS(request_groups)},
};

int handler_assists_create(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    json_t *body = http_body_json(req, err);
    if (!body)
        return -EP_EINVAL;
    struct idem_key key;
    json_object_check(body, assists_request_fields, err);
    handler_idem_key(body, &key, err);
    struct assist_input in = {
        .source_case_id = json_get_int(body, "source_case_id", 0),
        .name = json_get_str(body, "name"),
        .id_number = json_get_str(body, "id_number"),
        .phone = json_get_str(body, "phone"),
        .region_code = json_get_str(body, "region_code"),
        .contact_type = json_get_str(body, "contact_type"),
        .last_contact_date = json_get_str(body, "last_contact_date"),
        .note = json_get_str(body, "note"),
    };
    json_t *out = NULL;
    struct actor who = {&req->user, req->client_ip};
    int rc = err->code ? -err->code : assist_request_create(req->store, &who, &in, &key, &out, err);
    json_decref(body);
    if (rc != 0)
        return -err->code;
    if (key.replayed)
        http_add_header(res, "Idempotent-Replay", "true");
    return http_reply_json(res, key.replayed ? 200 : 201, out);
}

int handler_assist_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    json_t *out = NULL;
    if (http_path_id(req, 0, "协查函", "assist request", &id, err) != 0 ||
        assist_request_get(req->store, &req->user, id, &out, err) != 0)
        return -err->code;
    if (handler_pii_audit(req, "view", "assist_request", out, NULL, err) != 0) {
        json_decref(out);
        return -err->code;
    }
    return http_reply_json(res, 200, out);
}

int handler_assist_acknowledge(struct http_request *req, struct http_response *res,
                               struct ep_error *err)
{
    int64_t id;
    json_t *out = NULL;
    struct actor who = {&req->user, req->client_ip};
    if (http_path_id(req, 0, "协查函", "assist request", &id, err) != 0 ||
        assist_request_acknowledge(req->store, &who, id, &out, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, out);
}

/* The request id of the path and the checked body of a receiver's action:
 * 0, or the error code (the body is NULL then). */
static int receiver_request(struct http_request *req, const struct json_field *fields, int64_t *id,
                            json_t **body, struct ep_error *err)
{
    *body = NULL;
    if (http_path_id(req, 0, "协查函", "assist request", id, err) != 0)
        return -err->code;
    if (!(*body = http_body_json(req, err)))
        return -EP_EINVAL;
    json_object_check(*body, fields, err);
    return 0;
}

/* Replies with the inbox view after a receiver's action ("rc" its result). */
static int receiver_reply(struct http_response *res, json_t *body, int rc, json_t *out,
                          struct ep_error *err)
{
    json_decref(body);
    return rc != 0 ? -err->code : http_reply_json(res, 200, out);
}

const struct json_field assists_observe_fields[] = {
    {.name = "person_id", .type = JF_INT, .min = 1, .max = 9.0e15, .ref = "person"},
    {.name = "kind", .type = JF_STRING, .max_len = 16, .values = observation_kinds},
    /* a centralized quarantine names its site (check_open_input, core/observation.c) */
    {.name = "site", .type = JF_STRING, .max_len = 60, JF_REQUIRED_IF_IS("kind", "centralized")},
    {.name = "start_date", .type = JF_DATE},
    {.name = "reply", .type = JF_STRING, .max_len = ASSIST_NOTE_CHARS},
    {0},
};

int handler_assist_observe(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    int64_t id;
    json_t *body, *out = NULL;
    if (receiver_request(req, assists_observe_fields, &id, &body, err) != 0)
        return -err->code;
    struct assist_observe_input in = {
        .person_id = json_get_int(body, "person_id", 0),
        .kind = json_get_str(body, "kind"),
        .site = json_get_str(body, "site"),
        .start_date = json_get_str(body, "start_date"),
        .reply = json_get_str(body, "reply"),
    };
    struct actor who = {&req->user, req->client_ip};
    int rc = err->code ? -err->code : assist_request_observe(req->store, &who, id, &in, &out, err);
    return receiver_reply(res, body, rc, out, err);
}

const struct json_field assists_not_found_fields[] = {
    {.name = "reply", .type = JF_STRING, .required = 1, .max_len = ASSIST_NOTE_CHARS},
    {0},
};

int handler_assist_not_found(struct http_request *req, struct http_response *res,
                             struct ep_error *err)
{
    int64_t id;
    json_t *body, *out = NULL;
    if (receiver_request(req, assists_not_found_fields, &id, &body, err) != 0)
        return -err->code;
    struct actor who = {&req->user, req->client_ip};
    int rc = err->code ? -err->code
                       : assist_request_not_found(req->store, &who, id, json_get_str(body, "reply"),
                                                  &out, err);
    return receiver_reply(res, body, rc, out, err);
}

int handler_assist_destinations(struct http_request *req, struct http_response *res,
                                struct ep_error *err)
{
    json_t *items = json_array();
    if (assist_destinations(req->store, items, err) != 0) {
        json_decref(items);
        return -err->code;
    }
    return http_reply_json(res, 200, json_pack("{s:o}", "items", items));
}
