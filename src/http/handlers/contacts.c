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
#include "core/person.h"
#include "http/handlers/handlers.h"
#include "util/json.h"

static int add_contact(const struct contact *k, void *arg)
{
    json_array_append_new(arg, contact_json_new(k));
    return 0;
}

int handler_contacts_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    struct handler_page p;
    struct contact_filter f = {0};
    if (handler_page_params(req, 50, 500, &p, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    f.region = p.region;
    f.after_id = p.cursor_id;
    f.source_case_id = http_query_id(req, "case", err);
    f.source_contact_id = http_query_id(req, "source_contact", err);
    f.person_id = http_query_id(req, "person", err);
    if (err->code)
        return -err->code;
    f.scope = req->user.scope;
    f.limit = JSON_PAGE_FETCH(p.limit);
    json_t *items = json_array();
    int rc = contact_list(req->store, &f, add_contact, items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_id, err);
}

/* The person registered now: a name and an ID number, and a grid unless a
 * household says it (person_validate, under "person." in the answer). */
static const struct json_field person_fields[] = {
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = 20},
    {.name = "id_number", .type = JF_STRING, .required = 1, .max_len = 18},
    {.name = "sex", .type = JF_STRING, .max_len = 1, .values = person_sexes},
    {.name = "birth_date", .type = JF_DATE},
    {.name = "phone", .type = JF_STRING, .max_len = 20},
    {.name = "household_id", .type = JF_INT, .min = 1, .max = 9.0e15, .ref = "household"},
    {.name = "grid_code",
     .type = JF_STRING,
     .max_len = 15,
     .ref = "grid",
     JF_REQUIRED_IF_ABSENT("household_id")},
    {0},
};

/* The person, known or registered now, and the source, a case or another
 * contact: one of each (contact_input_check). */
static const struct json_group contact_groups[] = {
    {JG_ONE_OF, {"person_id", "person"}},
    {JG_ONE_OF, {"source_case_id", "source_contact_id"}},
    {0},
};

const struct json_field contacts_contact_fields[] = {
    {.name = "client_uuid", .type = JF_STRING, .max_len = 64},
    {.name = "person_id", .type = JF_INT, .min = 1, .max = 9.0e15, .ref = "person"},
    {.name = "person", .type = JF_OBJECT, .members = person_fields},
    {.name = "source_case_id", .type = JF_INT, .min = 1, .max = 9.0e15, .ref = "case"},
    {.name = "source_contact_id", .type = JF_INT, .min = 1, .max = 9.0e15, .ref = "contact"},
    {.name = "contact_type",
     .type = JF_STRING,
     .required = 1,
     .max_len = 20,
     .value_at = contact_type_at},
    {.name = "last_contact_date", .type = JF_DATE, .required = 1},
    {JF_OCCURRED},
    {.name = "note", .type = JF_STRING, .max_len = 300},
    {JF_GROUPS(contact_groups)},
};

int handler_contacts_create(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    json_t *body = handler_body(req, contacts_contact_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct idem_key key;
    handler_idem_key(body, &key, err);
    json_t *pj = json_object_get(body, "person");
    struct person_input pin = {0};
    if (json_is_object(pj)) {
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
        .occurred_at = json_get_str(body, "occurred_at"),
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
