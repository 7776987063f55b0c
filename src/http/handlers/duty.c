/*
 * duty.c -- duty places, rosters and checkpoints over HTTP:
 *   GET  /api/v1/places, POST /api/v1/places     ?region=&kind=&limit=&cursor=
 *   GET  /api/v1/shifts                          ?region=&place=&date=&team=&limit=&cursor=,
 *                                                by (start, id), cursor "<start unix>:<id>"
 *   POST /api/v1/shifts                          {place_id, start, end, team_id, person_ids, note}
 *   GET  /api/v1/shifts/gaps                     ?place=ID&date=YYYY-MM-DD
 *   GET  /api/v1/shifts/{id}
 *   POST /api/v1/shifts/{id}/checkin, /checkout  {person_id, at}
 *   GET  /api/v1/service-hours                   ?person= | ?team= | ?org=
 *   GET  /api/v1/checkpoints, POST /api/v1/checkpoints, GET /api/v1/checkpoints/{id}
 *   GET  /api/v1/checkpoints/{id}/entries        ?date=&limit=&cursor=
 *   POST /api/v1/checkpoints/{id}/entries        a field write: client_uuid, group commit
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/checkpoint.h"
#include "core/org.h"
#include "core/roster.h"
#include "http/handlers/handlers.h"
#include "util/json.h"
#include "util/timeutil.h"

/* ?date= as a day number: -1 when absent; a field error when malformed. */
static int64_t query_day(struct http_request *req, struct ep_error *err)
{
    const char *v = http_query(req, "date");
    int64_t day;
    if (!v)
        return -1;
    if (time_date_parse(v, &day) != 0) {
        ep_error_field(err, "date", "应为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD");
        return -1;
    }
    return day;
}

/* ---- places --------------------------------------------------------------------------- */

const struct json_field duty_place_fields[] = {
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = ORG_NAME_CHARS},
    {.name = "kind", .type = JF_STRING, .required = 1, .max_len = 16, .values = roster_place_kinds},
    {.name = "region_code", .type = JF_STRING, .required = 1, .max_len = 15, .ref = "region"},
    {0},
};

int handler_places_create(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = handler_body(req, duty_place_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct actor who = {&req->user, req->client_ip};
    json_t *out = NULL;
    int rc = err->code ? -EP_EINVAL
                       : roster_place_create(req->store, &who, json_get_str(body, "name"),
                                             json_get_str(body, "kind"),
                                             json_get_str(body, "region_code"), &out, err);
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

int handler_places_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    struct handler_page p;
    if (handler_page_params(req, 100, 1000, &p, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    int64_t after = p.cursor_id;
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    int rc = roster_place_list(req->store, req->user.scope, p.region, http_query(req, "kind"),
                               after, JSON_PAGE_FETCH(p.limit), items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_id, err);
}

/* ---- shifts ----------------------------------------------------------------------------- */

const struct json_field duty_shift_fields[] = {
    {.name = "place_id", .type = JF_INT, .required = 1, .min = 1, .max = 1e15, .ref = "duty_place"},
    {.name = "start", .type = JF_STRING, .required = 1, .max_len = 40},
    {.name = "end", .type = JF_STRING, .required = 1, .max_len = 40},
    {.name = "team_id", .type = JF_INT, .min = 1, .max = 1e15, .ref = "team"},
    {JF_ID_LIST("person_ids", "person", ROSTER_PEOPLE_MAX), .required = 1},
    {.name = "note", .type = JF_STRING, .max_len = 200},
    {0},
};

int handler_shifts_create(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = handler_body(req, duty_shift_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct roster_shift_input in = {0};
    in.place_id = json_get_int(body, "place_id", 0);
    in.start = json_get_str(body, "start");
    in.end = json_get_str(body, "end");
    in.team_id = json_get_int(body, "team_id", 0);
    in.note = json_get_str(body, "note");
    in.person_ids = json_get_ids(body, "person_ids", req->arena, &in.npersons);
    struct actor who = {&req->user, req->client_ip};
    json_t *out = NULL;
    int rc = err->code ? -EP_EINVAL : roster_shift_create(req->store, &who, &in, &out, err);
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

/* The shifts' keyset cursor "<start unix seconds>:<id>" (their order is
 * (start, id)) into *start and *id; absent: both 0.  A field error "cursor"
 * when malformed. */
static void shift_cursor_parse(const char *cursor, int64_t *start, int64_t *id,
                               struct ep_error *err)
{
    *start = *id = 0;
    if (!cursor)
        return;
    const char *colon = strchr(cursor, ':');
    const char *digits = cursor + (*cursor == '-');
    char *end = NULL;
    errno = 0;
    long long v = strtoll(cursor, &end, 10);
    if (!colon || *digits < '0' || *digits > '9' || end != colon || errno == ERANGE ||
        v > HTTP_ID_MAX || v < -HTTP_ID_MAX) {
        ep_error_field(err, "cursor", "分页游标无效", "invalid cursor");
        return;
    }
    if ((*id = http_cursor_id(colon + 1, err)) > 0)
        *start = v;
}

/* The next cursor of shifts (handler_cursor_fn): the last kept shift's start
 * (read back from its "start") and id, or null on the last page. */
static json_t *shift_cursor(json_t *items, int limit)
{
    json_t *last = json_page_trim(items, limit);
    int64_t start;
    return last && time_iso_parse(json_get_str(last, "start"), &start) == 0
               ? json_sprintf("%lld:%lld", (long long)start,
                              (long long)json_integer_value(json_object_get(last, "id")))
               : json_null();
}

int handler_shifts_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int limit;
    const char *cursor, *region;
    http_list_params(req, 200, 1000, &limit, &cursor, err);
    if (handler_region_param(req, &region, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    struct roster_shift_filter f = {0};
    f.place_id = http_query_id(req, "place", err);
    f.team_id = http_query_id(req, "team", err);
    f.day = query_day(req, err);
    shift_cursor_parse(cursor, &f.after_start, &f.after_id, err);
    if (err->code)
        return -err->code;
    /* ?region= lies inside the scope (checked above): it narrows the list. */
    f.scope = region ? region : req->user.scope;
    f.limit = JSON_PAGE_FETCH(limit);
    json_t *items = json_array();
    int rc = roster_shift_list(req->store, &f, items, err);
    return handler_page_reply(res, rc, items, limit, shift_cursor, err);
}

int handler_shift_gaps(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t place = http_query_id(req, "place", err);
    int64_t day = query_day(req, err);
    if (place == 0)
        ep_error_field(err, "place", "必填", "is required");
    if (day < 0 && !http_query(req, "date"))
        ep_error_field(err, "date", "必填", "is required");
    if (err->code)
        return -err->code;
    json_t *out = NULL;
    if (roster_day_gaps(req->store, req->user.scope, place, day, &out, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, out);
}

int handler_shift_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    return handler_get_by_id(req, res, "班次", "shift", roster_shift_get, err);
}

const struct json_field duty_attend_fields[] = {
    {.name = "person_id", .type = JF_INT, .required = 1, .min = 1, .max = 1e15, .ref = "person"},
    {.name = "at", .type = JF_STRING, .max_len = 40},
    {0},
};

static int attend(struct http_request *req, struct http_response *res, struct ep_error *err, int in)
{
    int64_t id;
    if (http_path_id(req, 0, "班次", "shift", &id, err) != 0)
        return -err->code;
    json_t *body = handler_body(req, duty_attend_fields, err);
    if (!body)
        return -EP_EINVAL;
    int64_t person = json_get_int(body, "person_id", 0), at = 0;
    const char *at_text = json_get_str(body, "at");
    if (at_text && time_iso_parse(at_text, &at) != 0)
        ep_error_field(err, "at", "应为带时区的时间,如 2020-01-28T08:00:00+08:00",
                       "must be a time with offset, e.g. 2020-01-28T08:00:00+08:00");
    struct actor who = {&req->user, req->client_ip};
    json_t *out = NULL;
    int rc =
        err->code ? -EP_EINVAL : roster_attend(req->store, &who, id, person, in, at, &out, err);
    return handler_write_reply(res, body, rc, NULL, 200, out, err);
}

int handler_shift_checkin(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    return attend(req, res, err, 1);
}

int handler_shift_checkout(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    return attend(req, res, err, 0);
}

int handler_service_hours(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    static const char *kinds[] = {"person", "team", "org"};
    const char *kind = NULL;
    int64_t id = 0;
    for (int i = 0; i < 3; i++) {
        int64_t v = http_query_id(req, kinds[i], err);
        if (v > 0) {
            if (kind)
                ep_error_field(err, kinds[i], "person、team、org 只能给一个",
                               "give only one of person, team, org");
            kind = kinds[i];
            id = v;
        }
    }
    if (!kind && !err->code)
        ep_error_field(err, "person", "应给出 person、team 或 org", "give person, team or org");
    if (err->code)
        return -err->code;
    json_t *out = NULL;
    if (roster_service_hours(req->store, req->user.scope, kind, id, &out, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, out);
}

/* ---- checkpoints ---------------------------------------------------------------------------- */

const struct json_field duty_checkpoint_fields[] = {
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = ORG_NAME_CHARS},
    {.name = "region_code", .type = JF_STRING, .required = 1, .max_len = 15, .ref = "grid"},
    {.name = "hours", .type = JF_STRING, .required = 1, .max_len = 11},
    {0},
};

int handler_checkpoints_create(struct http_request *req, struct http_response *res,
                               struct ep_error *err)
{
    json_t *body = handler_body(req, duty_checkpoint_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct actor who = {&req->user, req->client_ip};
    json_t *out = NULL;
    int rc = err->code ? -EP_EINVAL
                       : checkpoint_create(req->store, &who, json_get_str(body, "name"),
                                           json_get_str(body, "region_code"),
                                           json_get_str(body, "hours"), &out, err);
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

int handler_checkpoints_list(struct http_request *req, struct http_response *res,
                             struct ep_error *err)
{
    struct handler_page p;
    if (handler_page_params(req, 100, 1000, &p, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    int64_t after = p.cursor_id;
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    int rc = checkpoint_list(req->store, req->user.scope, p.region, after, JSON_PAGE_FETCH(p.limit),
                             items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_id, err);
}

int handler_checkpoint_get(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    return handler_get_by_id(req, res, "卡口", "checkpoint", checkpoint_get, err);
}

int handler_checkpoint_entries_list(struct http_request *req, struct http_response *res,
                                    struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "卡口", "checkpoint", &id, err) != 0)
        return -err->code;
    int limit;
    const char *cursor;
    http_list_params(req, 50, 500, &limit, &cursor, err);
    int64_t before = http_cursor_id(cursor, err), day = query_day(req, err);
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    int rc = checkpoint_entries_list(req->store, &req->user, id, day, before,
                                     JSON_PAGE_FETCH(limit), items, err);
    /* Entries shown with full ID numbers or phones are audited. */
    return handler_page_reply_pii(req, res, rc, items, limit, json_page_cursor_id, "view",
                                  "checkpoint_entry", NULL, err);
}

/* Who passes: an ID number, a name and phone, or a vehicle plate
 * (checkpoint_entry_check). */
static const struct json_group entry_groups[] = {
    {JG_ANY_OF, {"id_number", "name phone", "plate"}},
    {0},
};

const struct json_field duty_entry_fields[] = {
    {.name = "client_uuid", .type = JF_STRING, .required = 1, .max_len = 64},
    {.name = "id_number", .type = JF_STRING, .max_len = 18},
    /* without an ID number a name goes with a phone, and a phone with a name */
    {.name = "name",
     .type = JF_STRING,
     .max_len = 20,
     JF_REQUIRED_IF_GIVEN_WITHOUT("phone", "id_number")},
    {.name = "phone",
     .type = JF_STRING,
     .max_len = 20,
     JF_REQUIRED_IF_GIVEN_WITHOUT("name", "id_number")},
    {.name = "plate", .type = JF_STRING, .max_len = 10},
    {.name = "entered_at", .type = JF_STRING, .max_len = 40},
    {.name = "origin", .type = JF_STRING, .max_len = CHECKPOINT_TEXT_CHARS},
    {.name = "destination", .type = JF_STRING, .max_len = CHECKPOINT_TEXT_CHARS},
    {.name = "temperature", .type = JF_NUMBER, .min = 34.0, .max = 43.0},
    {.name = "outcome",
     .type = JF_STRING,
     .required = 1,
     .max_len = 16,
     .values = checkpoint_outcomes},
    {JF_GROUPS(entry_groups)},
};

/* What the deferred write needs; lives in req->arena. */
struct entry_job {
    struct checkpoint_entry_input in;
    struct idem_key key;
    char uuid[40];
    struct actor who;
    int64_t id; /* the entry written (or first written, on a replay) */
};

static const char *arena_str(struct arena *a, const json_t *obj, const char *key)
{
    const char *s = json_get_str(obj, key);
    return s ? arena_strdup(a, s) : NULL;
}

/* Runs on the writer thread inside the batch transaction. */
static int entry_write(struct store *s, struct http_request *req, void *ctx, struct ep_error *err)
{
    (void)req;
    struct entry_job *job = ctx;
    return checkpoint_entry_add(s, &job->who, &job->in, &job->key, &job->id, err);
}

/* Runs on the request's thread after the batch is durable. */
static int entry_encode(struct http_request *req, struct http_response *res, void *ctx,
                        struct ep_error *err)
{
    struct entry_job *job = ctx;
    json_t *out = NULL;
    int rc = checkpoint_entry_get(req->store, &req->user, job->id, &out, err);
    return handler_write_reply(res, NULL, rc, &job->key, 201, out, err);
}

int handler_checkpoint_entries_create(struct http_request *req, struct http_response *res,
                                      struct ep_error *err)
{
    (void)res;
    int64_t id;
    if (http_path_id(req, 0, "卡口", "checkpoint", &id, err) != 0)
        return -err->code;
    json_t *body = handler_body(req, duty_entry_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct entry_job *job = arena_alloc(req->arena, sizeof *job);
    memset(job, 0, sizeof *job);
    handler_idem_key(body, &job->key, err);
    if (job->key.uuid) {
        snprintf(job->uuid, sizeof job->uuid, "%s", job->key.uuid); /* outlives the body */
        job->key.uuid = job->uuid;
    }
    job->in.checkpoint_id = id;
    job->in.id_number = arena_str(req->arena, body, "id_number");
    job->in.name = arena_str(req->arena, body, "name");
    job->in.phone = arena_str(req->arena, body, "phone");
    job->in.plate = arena_str(req->arena, body, "plate");
    job->in.entered_at = arena_str(req->arena, body, "entered_at");
    job->in.origin = arena_str(req->arena, body, "origin");
    job->in.destination = arena_str(req->arena, body, "destination");
    job->in.outcome = arena_str(req->arena, body, "outcome");
    json_t *t = json_object_get(body, "temperature");
    job->in.temperature_dc = json_is_number(t) ? (int)lround(json_number_value(t) * 10.0) : 0;
    json_decref(body);
    /* Every problem at once: the domain's own checks, fields not yet named. */
    struct ep_error more;
    ep_error_clear(&more);
    if (checkpoint_entry_check(&job->in, &more) != 0)
        handler_fields_merge(err, &more);
    if (err->code)
        return -err->code;
    job->who.user = &req->user;
    job->who.ip = req->client_ip;
    return http_defer_write(req, entry_write, entry_encode, job);
}
