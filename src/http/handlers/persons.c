/*
 * persons.c -- the person registry over HTTP:
 *   GET   /api/v1/persons              scoped list (?region=&name=&id_number=&household_id=
 *                                      &limit=&cursor=), ordered by (grid_code, id); ?q= for
 *                                      a picker: a name's beginning, an ID number or a phone
 *   POST  /api/v1/persons              create (client_uuid makes retries idempotent)
 *   GET   /api/v1/persons/{id}         one person (404 outside the caller's scope)
 *   PATCH /api/v1/persons/{id}         change the given fields
 *   POST  /api/v1/persons/{id}/unmask  full ID number and phone, audited
 * ID numbers and phones are masked unless auth_pii_visible() says otherwise
 * (with the birth year instead of the date); a read that shows them in full
 * writes an audit row naming the persons ("view"), and so does every exact
 * lookup by ID number ("lookup", also limited per user: 429 beyond).
 * The helpers other handlers share (person JSON, list cursors, ...) are in
 * common.c.
 */
#include <string.h>

#include "core/person.h"
#include "http/handlers/handlers.h"
#include "util/json.h"
#include "util/text.h"

struct list_ctx {
    const struct auth_user *viewer;
    json_t *items;
};

static int add_person(const struct person *p, void *ctx)
{
    struct list_ctx *c = ctx;
    json_array_append_new(c->items, handler_person_json(c->viewer, p, 0));
    return 0;
}

/* ?q= of a person picker: an ID number or a phone is an exact lookup
 * (counted and audited as one), anything else the beginning of a name. */
static int persons_search(struct http_request *req, struct http_response *res, const char *q,
                          int limit, struct person_filter *f, struct ep_error *err)
{
    if (text_check(q, "q", 20, TEXT_REQUIRED, err) != 0)
        return -err->code;
    size_t n = strlen(q), digits = strspn(q, "0123456789");
    int is_id = n == 18 && (digits == 18 || (digits == 17 && (q[17] == 'X' || q[17] == 'x')));
    int is_phone = n == 11 && digits == 11 && q[0] == '1';
    struct list_ctx c = {&req->user, json_array()};
    int rc;
    if (is_id) {
        f->id_number = q;
        f->limit = limit;
        if (http_lookup_take(req, res, err) != 0) {
            json_decref(c.items);
            return -err->code;
        }
        rc = person_list(req->store, f, add_person, &c, err);
    } else {
        if (is_phone && http_lookup_take(req, res, err) != 0) {
            json_decref(c.items);
            return -err->code;
        }
        char scope[REGION_CODE_MAX];
        if (!region_narrow(f->scope, f->region, scope))
            scope[0] = '\0', rc = 0; /* disjoint: nothing */
        else
            rc = person_search(req->store, scope, is_phone ? NULL : q, is_phone ? q : NULL, limit,
                               add_person, &c, err);
    }
    /* Exactly "limit" rows at most: a picker has no next page. */
    return handler_page_reply_pii(req, res, rc, c.items, limit, json_page_cursor_grid_id,
                                  is_id || is_phone ? "lookup" : "view", "person", is_id ? q : NULL,
                                  err);
}

int handler_persons_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    struct handler_registry_page p;
    if (handler_registry_params(req, &p, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    struct person_filter f = {
        .region = p.region, .after_grid = p.after_grid, .after_id = p.after_id};
    f.household_id = http_query_id(req, "household_id", err);
    if (err->code)
        return -err->code;
    f.scope = req->user.scope;
    const char *q = http_query(req, "q");
    if (q)
        return persons_search(req, res, q, p.limit, &f, err);
    f.name = http_query(req, "name");
    f.id_number = http_query(req, "id_number");
    if (f.id_number && !*f.id_number)
        f.id_number = NULL;
    /* An exact lookup confirms a guessed ID number: counted per user and
     * audited, whatever it finds (issue #16, finding 2). */
    if (f.id_number && http_lookup_take(req, res, err) != 0)
        return -err->code;
    f.limit = JSON_PAGE_FETCH(p.limit);
    struct list_ctx c = {&req->user, json_array()};
    int rc = person_list(req->store, &f, add_person, &c, err);
    /* Full ID numbers and phones leave audited (finding 4). */
    return handler_page_reply_pii(req, res, rc, c.items, p.limit, json_page_cursor_grid_id,
                                  f.id_number ? "lookup" : "view", "person", f.id_number, err);
}

/* Body members; the domain checks content (required, lengths, formats), so
 * that every problem is reported at once in the domain's words.  A new
 * person must have a name and an ID number (person_validate): "must" is
 * JF_CORE_REQUIRED on POST, so that the OpenAPI document requires them too;
 * and a grid unless a household says it: "grid" is JF_REQUIRED_IF_ABSENT
 * there. */
/* clang-format off */
#define PERSON_MEMBERS(must, grid)                                                                 \
    {.name = "name", .type = JF_STRING, .required = (must), .max_len = PERSON_NAME_CHARS},         \
    {.name = "sex", .type = JF_STRING, .max_len = 10, .values = person_sexes},                     \
    {.name = "birth_date", .type = JF_STRING, .max_len = 20},                                      \
    {.name = "id_number", .type = JF_STRING, .required = (must), .max_len = 40},                   \
    {.name = "phone", .type = JF_STRING, .max_len = 40},                                           \
    {.name = "household_id", .type = JF_INT, .ref = "household"},                                  \
    {.name = "grid_code", .type = JF_STRING, .max_len = 40, .ref = "grid", grid}
/* clang-format on */

/* POST /persons: a new person. */
const struct json_field persons_person_fields[] = {
    {.name = "client_uuid", .type = JF_STRING, .max_len = 64},
    PERSON_MEMBERS(JF_CORE_REQUIRED, JF_REQUIRED_IF_ABSENT("household_id")),
    {0},
};

/* PATCH /persons/{id}: the members to change, none required, no client_uuid. */
const struct json_field persons_person_change_fields[] = {
    PERSON_MEMBERS(0, .required_when = NULL),
    {0},
};

/* struct person_input from a checked body (strings borrowed from it). */
static void person_input_from(const json_t *body, struct person_input *in)
{
    in->name = json_get_str(body, "name");
    in->sex = json_get_str(body, "sex");
    in->birth_date = json_get_str(body, "birth_date");
    in->id_number = json_get_str(body, "id_number");
    in->phone = json_get_str(body, "phone");
    in->grid_code = json_get_str(body, "grid_code");
    json_t *h = json_object_get(body, "household_id");
    in->household_id = json_is_integer(h) ? (int64_t)json_integer_value(h) : 0;
    if (json_is_integer(h) && in->household_id <= 0)
        in->household_id = -1; /* given but not an id: let the domain say so */
}

/* After a failed body check, adds what the domain would say of the values
 * as well, so that the client sees every input problem in one answer (the
 * references are checked by the write, once the input is right). */
static int body_errors(const struct person_input *in, int for_update, struct person *current,
                       struct ep_error *err)
{
    struct ep_error domain;
    ep_error_clear(&domain);
    if (person_validate(in, for_update, current, &domain) != 0 && domain.code == EP_EINVAL)
        handler_fields_merge(err, &domain);
    return -EP_EINVAL;
}

int handler_persons_create(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    json_t *body = handler_body(req, persons_person_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct person_input in = {0};
    struct idem_key key;
    handler_idem_key(body, &key, err);
    person_input_from(body, &in);
    int rc;
    struct person p;
    struct actor who = {&req->user, req->client_ip};
    struct person scratch = {0};
    if (err->code)
        rc = body_errors(&in, 0, &scratch, err);
    else
        rc = person_create(req->store, &who, &in, &key, &p, err);
    return handler_write_reply(res, body, rc, &key, 201,
                               rc == 0 ? handler_person_json(&req->user, &p, 0) : NULL, err);
}

int handler_person_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    struct person p;
    if (http_path_id(req, 0, "人员", "person", &id, err) != 0 ||
        person_get(req->store, req->user.scope, id, &p, err) != 0)
        return -err->code;
    json_t *out = handler_person_json(&req->user, &p, 0);
    if (handler_pii_audit(req, "view", "person", out, NULL, err) != 0) {
        json_decref(out);
        return -err->code;
    }
    return http_reply_json(res, 200, out);
}

int handler_person_update(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "人员", "person", &id, err) != 0)
        return -err->code;
    json_t *body = http_body_json(req, err);
    if (!body)
        return -EP_EINVAL;
    struct person_input in = {0};
    json_object_check(body, persons_person_change_fields, err);
    person_input_from(body, &in);
    if (!err->code && json_object_size(body) == 0)
        ep_error_set(err, EP_EINVAL, "没有要修改的字段", "no fields to change");
    int rc;
    struct person p;
    struct actor who = {&req->user, req->client_ip};
    if (err->code) {
        /* Field errors of the body and of the values, against the record
         * as the caller may see it. */
        struct person current;
        struct ep_error lookup;
        ep_error_clear(&lookup);
        rc = -EP_EINVAL;
        if (err->nfields && person_get(req->store, req->user.scope, id, &current, &lookup) == 0)
            body_errors(&in, 1, &current, err);
    } else {
        rc = person_update(req->store, &who, id, &in, &p, err);
    }
    json_decref(body);
    if (rc != 0)
        return rc;
    return http_reply_json(res, 200, handler_person_json(&req->user, &p, 0));
}

int handler_person_unmask(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    struct person p;
    struct actor who = {&req->user, req->client_ip};
    if (http_path_id(req, 0, "人员", "person", &id, err) != 0 ||
        person_unmask(req->store, &who, id, &p, err) != 0)
        return -err->code;
    http_add_header(res, "Cache-Control", "no-store");
    return http_reply_json(res, 200, handler_person_json(&req->user, &p, 1));
}
