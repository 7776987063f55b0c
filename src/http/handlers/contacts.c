/*
 * contacts.c -- close contacts over HTTP:
 *   GET  /api/v1/contacts        visible contacts (?region=&case=&source_contact=&person=
 *                                &limit=&cursor=), by id
 *   POST /api/v1/contacts        record one {person_id | person{...}, source_case_id |
 *                                source_contact_id, contact_type, last_contact_date, note?,
 *                                client_uuid?}: opens the medical observation
 *   GET  /api/v1/contacts/{id}   one contact
 */
#include <stdlib.h>
#include <string.h>

#include "core/contact.h"
#include "http/handlers/handlers.h"
#include "util/json.h"

static int add_contact(const struct contact *k, void *arg)
{
    json_array_append_new(arg, contact_json_new(k));
    return 0;
}

int handler_contacts_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int limit;
    const char *cursor;
    struct contact_filter f = {0};
    http_list_params(req, 50, 500, &limit, &cursor, err);
    if (handler_region_param(req, &f.region, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    f.after_id = http_cursor_id(cursor, err);
    f.source_case_id = http_query_id(req, "case", err);
    f.source_contact_id = http_query_id(req, "source_contact", err);
    f.person_id = http_query_id(req, "person", err);
    if (err->code)
        return -err->code;
    f.scope = req->user.scope;
    f.limit = JSON_PAGE_FETCH(limit);
    json_t *items = json_array();
    int rc = contact_list(req->store, &f, add_contact, items, err);
    return handler_page_reply(res, rc, items, limit, json_page_cursor_id, err);
}

static const struct json_field contact_fields[] = {
    {"client_uuid", JF_STRING, 0, 64, 0, 0},
    {"person_id", JF_INT, 0, 0, 1, 9.0e15},
    {"person", JF_OBJECT, 0, 0, 0, 0},
    {"source_case_id", JF_INT, 0, 0, 1, 9.0e15},
    {"source_contact_id", JF_INT, 0, 0, 1, 9.0e15},
    {"contact_type", JF_STRING, 1, 20, 0, 0},
    {"last_contact_date", JF_DATE, 1, 0, 0, 0},
    {"note", JF_STRING, 0, 300, 0, 0},
    {NULL, 0, 0, 0, 0, 0},
};

static const struct json_field person_fields[] = {
    {"name", JF_STRING, 1, 20, 0, 0},      {"id_number", JF_STRING, 1, 18, 0, 0},
    {"sex", JF_STRING, 0, 1, 0, 0},        {"birth_date", JF_DATE, 0, 0, 0, 0},
    {"phone", JF_STRING, 0, 20, 0, 0},     {"household_id", JF_INT, 0, 0, 1, 9.0e15},
    {"grid_code", JF_STRING, 0, 15, 0, 0}, {NULL, 0, 0, 0, 0, 0},
};

int handler_contacts_create(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    json_t *body = handler_body(req, contact_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct idem_key key;
    handler_idem_key(body, &key, err);
    json_t *pj = json_object_get(body, "person");
    struct person_input pin = {0};
    if (json_is_object(pj)) {
        int from = err->nfields;
        json_object_check(pj, person_fields, err);
        ep_error_fields_prefix(err, from, "person.");
        pin.name = json_get_str(pj, "name");
        pin.id_number = json_get_str(pj, "id_number");
        pin.sex = json_get_str(pj, "sex");
        pin.birth_date = json_get_str(pj, "birth_date");
        pin.phone = json_get_str(pj, "phone");
        pin.household_id = json_get_int(pj, "household_id", 0);
        pin.grid_code = json_get_str(pj, "grid_code");
    }
    struct contact_input in = {
        .person_id = json_get_int(body, "person_id", 0),
        .person = json_is_object(pj) ? &pin : NULL,
        .source_case_id = json_get_int(body, "source_case_id", 0),
        .source_contact_id = json_get_int(body, "source_contact_id", 0),
        .contact_type = json_get_str(body, "contact_type"),
        .last_contact_date = json_get_str(body, "last_contact_date"),
        .note = json_get_str(body, "note"),
    };
    struct contact out;
    struct actor who = {&req->user, req->client_ip};
    int rc = -EP_EINVAL;
    if (!err->code) {
        rc = contact_create(req->store, &who, &in, &key, &out, err);
    } else {
        struct ep_error more; /* name the domain's complaints too */
        ep_error_clear(&more);
        if (contact_input_check(req->store, &in, &more) == -EP_EINVAL)
            handler_fields_merge(err, &more);
    }
    return handler_write_reply(res, body, rc, &key, 201, rc == 0 ? contact_json_new(&out) : NULL,
                               err);
}

int handler_contact_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    struct contact k;
    if (http_path_id(req, 0, "密切接触者记录", "contact", &id, err) != 0 ||
        contact_get(req->store, req->user.scope, id, &k, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, contact_json_new(&k));
}
