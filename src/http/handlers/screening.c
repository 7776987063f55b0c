/*
 * screening.c -- screening rounds, household visits and coverage over HTTP:
 *   POST /api/v1/rounds              open a round over a subtree (command)
 *   GET  /api/v1/rounds              rounds overlapping the caller's scope, newest first
 *   GET  /api/v1/rounds/{id}         one round with its coverage in the caller's scope
 *   POST /api/v1/rounds/{id}/close   close a round
 *   POST /api/v1/visits              record a visit (client_uuid required; group commit)
 *   GET  /api/v1/visits              visits in scope (?round=&region=&limit=&cursor=)
 *   GET  /api/v1/visits/{id}         one visit with its persons
 *   GET  /api/v1/stats/coverage      ?region=&round=: coverage by child region, from counters
 *
 * POST /api/v1/visits is the busiest write of the field: the body is decoded
 * and checked for shape on the request's thread, the domain call runs on the
 * group-commit writer inside the batch transaction, and the answer is encoded
 * after the batch is durable.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/counter.h"
#include "core/screening.h"
#include "http/handlers/handlers.h"
#include "util/json.h"

/* One decimal of a percentage: 2 of 3 -> 66.7; null without households. */
static json_t *percent(int64_t visited, int64_t households)
{
    if (households <= 0)
        return json_null();
    return json_real(round((double)visited * 1000.0 / (double)households) / 10.0);
}

/* ---- rounds ---------------------------------------------------------------- */

const struct json_field screening_round_fields[] = {
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = 60},
    {.name = "region_code", .type = JF_STRING, .required = 1, .max_len = 15, .ref = "region"},
    {.name = "start_date", .type = JF_DATE, .required = 1},
    {.name = "end_date", .type = JF_DATE, .required = 1},
    {0},
};

int handler_rounds_create(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = http_body_json(req, err);
    if (!body)
        return -EP_EINVAL;
    int rc = json_object_check(body, screening_round_fields, err);
    struct round r;
    if (rc == 0) {
        struct round_input in = {json_get_str(body, "name"), json_get_str(body, "region_code"),
                                 json_get_str(body, "start_date"), json_get_str(body, "end_date")};
        struct actor who = {&req->user, req->client_ip};
        rc = round_open(req->store, &who, &in, &r, err);
    }
    json_decref(body);
    if (rc != 0)
        return -err->code;
    return http_reply_json(res, 201, round_json_new(&r));
}

static int add_round(const struct round *r, void *items)
{
    json_array_append_new(items, round_json_new(r));
    return 0;
}

int handler_rounds_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int limit;
    const char *cursor;
    http_list_params(req, 50, 500, &limit, &cursor, err);
    int64_t before = http_cursor_id(cursor, err);
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    if (round_list(req->store, req->user.scope, before, JSON_PAGE_FETCH(limit), add_round, items,
                   err) != 0) {
        json_decref(items);
        return -err->code;
    }
    json_t *next = json_page_cursor_id(items, limit);
    return http_reply_json(res, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

/* The region a caller sees of a round: the narrower of scope and round region. */
static const char *round_view(const struct round *r, const char *scope)
{
    return region_in_scope(r->region_code, scope) ? r->region_code : scope;
}

int handler_round_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    struct round r;
    if (http_path_id(req, 0, "排查轮次", "round", &id, err) != 0 ||
        round_get(req->store, req->user.scope, id, &r, err) != 0)
        return -err->code;
    const char *code = round_view(&r, req->user.scope);
    int64_t households, visited;
    if (screening_coverage(req->store, code, r.id, &households, &visited, err) != 0)
        return -err->code;
    json_t *body = round_json_new(&r);
    json_object_set_new(body, "coverage",
                        json_pack("{s:s, s:I, s:I, s:o}", "region", code, "households",
                                  (json_int_t)households, "visited", (json_int_t)visited,
                                  "coverage", percent(visited, households)));
    return http_reply_json(res, 200, body);
}

int handler_round_close(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    struct round r;
    struct actor who = {&req->user, req->client_ip};
    if (http_path_id(req, 0, "排查轮次", "round", &id, err) != 0 ||
        round_close(req->store, &who, id, &r, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, round_json_new(&r));
}

/* ---- visits ---------------------------------------------------------------- */

static const struct json_field person_fields[] = {
    {.name = "person_id", .type = JF_INT, .required = 1, .ref = "person"},
    {.name = "returned_from_risk", .type = JF_BOOL, .required = 1},
    {.name = "origin", .type = JF_STRING, .max_len = VISIT_TEXT_CHARS},
    /* when back from a risk area (check_input, core/screening.c) */
    {.name = "arrival_date", .type = JF_DATE, JF_REQUIRED_IF_TRUE("returned_from_risk")},
    {.name = "transport", .type = JF_STRING, .max_len = VISIT_TEXT_CHARS},
    {.name = "fever", .type = JF_BOOL, .required = 1},
    {.name = "cough", .type = JF_BOOL, .required = 1},
    {.name = "other_symptoms", .type = JF_STRING, .max_len = VISIT_TEXT_CHARS},
    {.name = "temperature",
     .type = JF_NUMBER,
     .min = VISIT_TEMP_MIN_DC / 10.0,
     .max = VISIT_TEMP_MAX_DC / 10.0},
    {.name = "contact_with_case", .type = JF_BOOL, .required = 1},
    {0},
};

const struct json_field screening_visit_fields[] = {
    {.name = "client_uuid", .type = JF_STRING, .required = 1, .max_len = 64},
    {.name = "round_id", .type = JF_INT, .required = 1, .ref = "round"},
    {.name = "household_id", .type = JF_INT, .required = 1, .ref = "household"},
    {.name = "visited_at", .type = JF_STRING, .max_len = 40},
    {.name = "members_present", .type = JF_INT, .required = 1, .min = 0, .max = VISIT_MEMBERS_MAX},
    {.name = "note", .type = JF_STRING, .max_len = VISIT_NOTE_CHARS},
    {.name = "persons",
     .type = JF_ARRAY,
     .required = 1,
     .max_items = VISIT_PERSONS_MAX,
     .members = person_fields},
    {0},
};

/* What the deferred write needs; lives in req->arena. */
struct visit_job {
    struct visit_input in;
    struct idem_key key;
    char uuid[40];
    struct actor who;
    struct visit out;
};

static const char *arena_str(struct arena *a, const json_t *obj, const char *key)
{
    const char *s = json_get_str(obj, key);
    return s ? arena_strdup(a, s) : NULL;
}

static int64_t int_member(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/* Decodes the persons array, checked against the visit's spec, into the job
 * (strings copied to the arena). */
static void persons_decode(struct http_request *req, const json_t *persons, struct visit_job *job)
{
    size_t n = json_array_size(persons);
    struct visit_person_input *list = arena_alloc(req->arena, (n + 1) * sizeof *list);
    memset(list, 0, (n + 1) * sizeof *list);
    for (size_t i = 0; i < n; i++) {
        const json_t *p = json_array_get(persons, i);
        struct visit_person_input *o = &list[i];
        o->person_id = int_member(p, "person_id");
        o->returned_from_risk = json_is_true(json_object_get(p, "returned_from_risk"));
        o->origin = arena_str(req->arena, p, "origin");
        o->arrival_date = arena_str(req->arena, p, "arrival_date");
        o->transport = arena_str(req->arena, p, "transport");
        o->fever = json_is_true(json_object_get(p, "fever"));
        o->cough = json_is_true(json_object_get(p, "cough"));
        o->other_symptoms = arena_str(req->arena, p, "other_symptoms");
        json_t *t = json_object_get(p, "temperature");
        o->temperature_dc = json_is_number(t) ? (int)lround(json_number_value(t) * 10.0) : 0;
        o->contact_with_case = json_is_true(json_object_get(p, "contact_with_case"));
    }
    job->in.persons = list;
    job->in.npersons = (int)n;
}

/* Runs on the writer thread inside the batch transaction. */
static int visit_write(struct store *s, struct http_request *req, void *ctx, struct ep_error *err)
{
    (void)req;
    struct visit_job *job = ctx;
    return visit_record(s, &job->who, &job->in, &job->key, &job->out, err);
}

/* Runs on the request's thread after the batch is durable. */
static int visit_encode(struct http_request *req, struct http_response *res, void *ctx,
                        struct ep_error *err)
{
    (void)req;
    (void)err;
    struct visit_job *job = ctx;
    if (job->key.replayed)
        http_add_header(res, "Idempotent-Replay", "true");
    return http_reply_json(res, job->key.replayed ? 200 : 201, visit_json_new(&job->out));
}

int handler_visits_create(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    (void)res;
    json_t *body = http_body_json(req, err);
    if (!body)
        return -EP_EINVAL;
    struct visit_job *job = arena_alloc(req->arena, sizeof *job);
    memset(job, 0, sizeof *job);
    json_object_check(body, screening_visit_fields, err);
    handler_idem_key(body, &job->key, err);
    if (job->key.uuid) {
        snprintf(job->uuid, sizeof job->uuid, "%s", job->key.uuid); /* outlives the body */
        job->key.uuid = job->uuid;
    }
    job->in.round_id = int_member(body, "round_id");
    job->in.household_id = int_member(body, "household_id");
    job->in.visited_at = arena_str(req->arena, body, "visited_at");
    job->in.members_present = (int)int_member(body, "members_present");
    job->in.note = arena_str(req->arena, body, "note");
    json_t *persons = json_object_get(body, "persons");
    if (json_is_array(persons))
        persons_decode(req, persons, job);
    json_decref(body);
    if (err->code)
        return -err->code;
    job->who.user = &req->user;
    job->who.ip = req->client_ip;
    /* Room for every person: a replay returns the visit as it is now. */
    job->out.persons = arena_alloc(req->arena, VISIT_PERSONS_MAX * sizeof *job->out.persons);
    job->out.max_persons = VISIT_PERSONS_MAX;
    return http_defer_rerunnable_write(req, visit_write, visit_encode, job);
}

static int add_visit(const struct visit *v, void *items)
{
    json_array_append_new(items, visit_json_new(v));
    return 0;
}

int handler_visits_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int limit;
    const char *cursor;
    struct visit_filter f = {0};
    char after[REGION_CODE_MAX];
    http_list_params(req, 50, 500, &limit, &cursor, err);
    handler_region_param(req, &f.region, err);
    if (cursor && handler_registry_cursor_parse(cursor, after, &f.after_id, err) == 0)
        f.after_grid = after;
    f.round_id = http_query_id(req, "round", err);
    if (err->code)
        return -err->code;
    f.scope = req->user.scope;
    f.limit = JSON_PAGE_FETCH(limit);
    json_t *items = json_array();
    if (visit_list(req->store, &f, add_visit, items, err) != 0) {
        json_decref(items);
        return -err->code;
    }
    json_t *next = json_page_cursor_grid_id(items, limit);
    return http_reply_json(res, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

int handler_visit_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    struct visit v = {0};
    v.persons = arena_alloc(req->arena, VISIT_PERSONS_MAX * sizeof *v.persons);
    v.max_persons = VISIT_PERSONS_MAX;
    if (http_path_id(req, 0, "入户排查记录", "visit", &id, err) != 0 ||
        visit_get(req->store, req->user.scope, id, &v, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, visit_json_new(&v));
}

/* ---- coverage -------------------------------------------------------------- */

struct coverage_ctx {
    struct store *store;
    int64_t round_id;
    json_t *children;
    struct ep_error *err;
};

static int add_child(const struct region *r, void *arg)
{
    struct coverage_ctx *c = arg;
    int64_t households, visited;
    int rc = screening_coverage(c->store, r->code, c->round_id, &households, &visited, c->err);
    if (rc != 0)
        return rc;
    json_array_append_new(c->children,
                          json_pack("{s:s, s:s, s:I, s:I, s:o}", "code", r->code, "name", r->name,
                                    "households", (json_int_t)households, "visited",
                                    (json_int_t)visited, "coverage", percent(visited, households)));
    return 0;
}

int handler_coverage_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    const char *region;
    handler_region_param(req, &region, err);
    int64_t round_id = http_query_id(req, "round", err);
    if (round_id == 0)
        ep_error_field(err, "round", "必填", "is required");
    if (err->code)
        return -err->code;
    struct round r;
    if (round_get(req->store, req->user.scope, round_id, &r, err) != 0)
        return -err->code;
    const char *code = region ? region : round_view(&r, req->user.scope);
    if (http_require_scope(req, code, err) != 0)
        return -err->code;
    if (!region_in_scope(code, r.region_code))
        return ep_error_set(err, EP_ERULE, "地区 %s 不在排查轮次 %lld 的范围(%s)内",
                            "region %s is not in the area of round %lld (%s)", code,
                            (long long)r.id, r.region_code);
    struct region reg;
    int64_t households, visited;
    if (region_get(req->store, code, &reg, err) != 0 ||
        screening_coverage(req->store, code, r.id, &households, &visited, err) != 0)
        return -err->code;
    struct coverage_ctx c = {req->store, r.id, json_array(), err};
    if (region_children_list(req->store, code, add_child, &c, err) != 0) {
        json_decref(c.children);
        return -err->code;
    }
    return http_reply_json(res, 200,
                           json_pack("{s:I, s:s, s:s, s:I, s:I, s:o, s:o}", "round",
                                     (json_int_t)r.id, "region", code, "name", reg.name,
                                     "households", (json_int_t)households, "visited",
                                     (json_int_t)visited, "coverage", percent(visited, households),
                                     "children", c.children));
}
