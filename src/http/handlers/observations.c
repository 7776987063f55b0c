/*
 * observations.c -- observations and health reports over HTTP:
 *   GET  /api/v1/observations              scoped list (?region=&status=&kind=&person=
 *                                          &limit=&cursor=), ordered by (grid_code, id);
 *                                          status=overdue: persons overdue now, with the
 *                                          region's overdue_now and, with ?group=children,
 *                                          each child region's
 *   POST /api/v1/observations              open one by hand (client_uuid optional;
 *                                          occurred_at (or opened_at): when the person
 *                                          came under observation, default now)
 *   GET  /api/v1/observations/{id}         one observation with every report
 *   POST /api/v1/observations/{id}/release {note?, override_reason?, occurred_at?}
 *   POST /api/v1/health-reports            a report (client_uuid required), by group
 *                                          commit: the body is decoded and checked here,
 *                                          the write runs on the writer thread, the answer
 *                                          is encoded after the batch is durable
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/counter.h"
#include "core/observation.h"
#include "core/roster.h"
#include "http/handlers/handlers.h"
#include "util/json.h"
#include "util/timeutil.h"

static int one_of(const char *v, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(v, *list) == 0)
            return 1;
    return 0;
}

static int add_observation(const struct observation *o, void *items)
{
    json_array_append_new(items, observation_json_new(o));
    return 0;
}

struct child_ctx {
    struct store *store;
    json_t *items;
    struct ep_error *err;
};

static int add_child(const struct region *r, void *arg)
{
    struct child_ctx *c = arg;
    int64_t n;
    if (counter_get(c->store, r->code, "overdue_now", &n, c->err) != 0)
        return -EP_EINTERNAL;
    json_array_append_new(c->items, json_pack("{s:s, s:s, s:I}", "code", r->code, "name", r->name,
                                              "overdue_now", (json_int_t)n));
    return 0;
}

int handler_observations_list(struct http_request *req, struct http_response *res,
                              struct ep_error *err)
{
    static const char *const statuses[] = {"active",      "released", "converted",
                                           "transferred", "overdue",  NULL};
    static const char *const kinds[] = {"home", "centralized", "medical", NULL};
    struct handler_registry_page p;
    if (handler_registry_params(req, &p, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    struct observation_filter f = {
        .region = p.region, .after_grid = p.after_grid, .after_id = p.after_id};
    f.status = http_query(req, "status");
    if (f.status && !one_of(f.status, statuses))
        ep_error_field(err, "status", "应为 active、released、converted、transferred 或 overdue",
                       "must be active, released, converted, transferred or overdue");
    f.kind = http_query(req, "kind");
    if (f.kind && !one_of(f.kind, kinds))
        ep_error_field(err, "kind", "应为 home、centralized 或 medical",
                       "must be home, centralized or medical");
    f.person_id = http_query_id(req, "person", err);
    const char *group = http_query(req, "group");
    if (group && strcmp(group, "children") != 0)
        ep_error_field(err, "group", "只支持 children", "only children is supported");
    if (err->code)
        return -err->code;
    f.scope = req->user.scope;
    f.limit = JSON_PAGE_FETCH(p.limit);
    json_t *items = json_array();
    if (observation_list(req->store, &f, add_observation, items, err) != 0) {
        json_decref(items);
        return -err->code;
    }
    json_t *next = json_page_cursor_grid_id(items, p.limit);
    json_t *body = json_pack("{s:o, s:o}", "items", items, "next_cursor", next);
    if (f.status && strcmp(f.status, "overdue") == 0) {
        /* The roll-up: counters of the region and, if asked, its children. */
        const char *code = f.region ? f.region : req->user.scope;
        int64_t n = 0;
        if (region_level_of_code(code) &&
            counter_get(req->store, code, "overdue_now", &n, err) != 0)
            goto fail;
        json_object_set_new(body, "region", json_string(code));
        json_object_set_new(body, "overdue_now", json_integer(n));
        if (group) {
            struct child_ctx cc = {req->store, json_array(), err};
            json_object_set_new(body, "children", cc.items);
            if (region_children_list(req->store, code, add_child, &cc, err) != 0)
                goto fail;
        }
    }
    return http_reply_json(res, 200, body);
fail:
    json_decref(body);
    return -err->code;
}

const struct json_field observations_create_fields[] = {
    {.name = "client_uuid", .type = JF_STRING, .max_len = 64},
    {.name = "person_id", .type = JF_INT, .required = 1, .min = 1, .max = 9.0e15, .ref = "person"},
    {.name = "kind", .type = JF_STRING, .required = 1, .max_len = 20, .values = observation_kinds},
    /* a centralized quarantine names its site (check_open_input) */
    {.name = "site", .type = JF_STRING, .max_len = 100, JF_REQUIRED_IF_IS("kind", "centralized")},
    {.name = "reason",
     .type = JF_STRING,
     .required = 1,
     .max_len = 20,
     .values = observation_reasons},
    {.name = "start_date", .type = JF_STRING, .max_len = 20},
    {.name = "opened_at", .type = JF_STRING, .max_len = 40},
    {JF_OCCURRED},
    {0},
};

int handler_observations_create(struct http_request *req, struct http_response *res,
                                struct ep_error *err)
{
    json_t *body = handler_body(req, observations_create_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct idem_key key;
    handler_idem_key(body, &key, err);
    /* When the person came under observation (occurred_at; opened_at, its
     * former name, is still read): slots that started before it are not due,
     * and the start date is that day unless given. */
    struct observation_open_input in = {
        .person_id = json_get_int(body, "person_id", 0),
        .kind = json_get_str(body, "kind"),
        .site = json_get_str(body, "site"),
        .reason = json_get_str(body, "reason"),
        .start_date = json_get_str(body, "start_date"),
        .occurred_at = json_get_str(body, "occurred_at"),
    };
    const char *opened_at = json_get_str(body, "opened_at");
    if (opened_at && in.occurred_at)
        ep_error_field(err, "opened_at", "与 occurred_at 只能给出一个",
                       "give occurred_at or opened_at, not both");
    else if (opened_at && time_iso_parse(opened_at, &in.opened_unix) != 0)
        ep_error_field(err, "opened_at", "应为带时区的时间,如 2020-01-28T09:30:00+08:00",
                       "must be a time with an offset, e.g. 2020-01-28T09:30:00+08:00");
    else if (opened_at) {
        in.occurred_at = opened_at;
        in.occurred_field = "opened_at";
    }
    struct observation o;
    struct actor who = {&req->user, req->client_ip};
    int rc = -EP_EINVAL;
    if (!err->code)
        rc = observation_create(req->store, &who, &in, &key, &o, err);
    return handler_write_reply(res, body, rc, &key, 201, rc == 0 ? observation_json_new(&o) : NULL,
                               err);
}

static int add_report(const struct health_report *r, void *arg)
{
    json_array_append_new(arg, observation_report_json_new(r));
    return 0;
}

int handler_observation_get(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    int64_t id;
    struct observation o;
    if (http_path_id(req, 0, "观察记录", "observation", &id, err) != 0 ||
        observation_get(req->store, req->user.scope, id, &o, err) != 0)
        return -err->code;
    json_t *body = observation_json_new(&o);
    json_t *reports = json_array();
    json_object_set_new(body, "reports", reports);
    if (observation_reports_list(req->store, id, add_report, reports, err) != 0) {
        json_decref(body);
        return -err->code;
    }
    return http_reply_json(res, 200, body);
}

const struct json_field observations_release_fields[] = {
    {.name = "note", .type = JF_STRING, .max_len = 300},
    {.name = "override_reason", .type = JF_STRING, .max_len = 300},
    {JF_OCCURRED},
    {0},
};

int handler_observation_release(struct http_request *req, struct http_response *res,
                                struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "观察记录", "observation", &id, err) != 0)
        return -err->code;
    json_t *body = req->body_len ? http_body_json(req, err) : json_object();
    if (!body)
        return -EP_EINVAL;
    json_object_check(body, observations_release_fields, err);
    struct observation_release_input in = {json_get_str(body, "note"),
                                           json_get_str(body, "override_reason"),
                                           json_get_str(body, "occurred_at")};
    struct observation o;
    struct actor who = {&req->user, req->client_ip};
    int rc = -EP_EINVAL;
    if (!err->code)
        rc = observation_release(req->store, &who, id, &in, &o, err);
    return handler_write_reply(res, body, rc, NULL, 200, rc == 0 ? observation_json_new(&o) : NULL,
                               err);
}

/* ---- POST /api/v1/health-reports (group commit) ------------------------ */

const struct json_field observations_report_fields[] = {
    {.name = "client_uuid", .type = JF_STRING, .required = 1, .max_len = 64},
    {.name = "person_id", .type = JF_INT, .required = 1, .min = 1, .max = 9.0e15, .ref = "person"},
    {.name = "slot", .type = JF_STRING, .required = 1, .max_len = 32},
    {.name = "temperature", .type = JF_NUMBER, .required = 1},
    {.name = "symptoms",
     .type = JF_ARRAY,
     .elem = JF_STRING,
     .max_len = 40,
     .max_items = OBSERVATION_SYMPTOMS_MAX,
     .value_at = observation_symptom_at},
    {0},
};

/* Everything the deferred write needs, in req->arena. */
struct report_ctx {
    struct health_report_input in;
    struct idem_key key;
    struct health_report out;
};

static int report_write(struct store *s, struct http_request *req, void *arg, struct ep_error *err)
{
    struct report_ctx *c = arg;
    struct actor who = {&req->user, req->client_ip};
    return observation_report_add(s, &who, &c->in, &c->key, &c->out, err);
}

static int report_encode(struct http_request *req, struct http_response *res, void *arg,
                         struct ep_error *err)
{
    (void)req;
    struct report_ctx *c = arg;
    return handler_write_reply(res, NULL, 0, &c->key, 201, observation_report_json_new(&c->out),
                               err);
}

int handler_health_reports_create(struct http_request *req, struct http_response *res,
                                  struct ep_error *err)
{
    (void)res;
    json_t *body = handler_body(req, observations_report_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct report_ctx *c = arena_alloc(req->arena, sizeof *c);
    memset(c, 0, sizeof *c);
    handler_idem_key(body, &c->key, err);
    if (c->key.uuid)
        c->key.uuid = arena_strdup(req->arena, c->key.uuid);
    c->in.person_id = json_get_int(body, "person_id", 0);
    const char *slot = json_get_str(body, "slot");
    c->in.slot = slot ? arena_strdup(req->arena, slot) : NULL;
    json_t *t = json_object_get(body, "temperature");
    double v = json_is_number(t) ? json_number_value(t) : 0;
    /* Out-of-range values are not converted (no overflow): the check names them. */
    c->in.temperature_dc = v >= 0 && v <= 100 ? (int)lround(v * 10.0) : -1;
    json_t *symptoms = json_object_get(body, "symptoms");
    if (json_is_array(symptoms)) {
        size_t i;
        json_t *item;
        json_array_foreach(symptoms, i, item)
        {
            if (!json_is_string(item))
                break; /* named by the body's spec */
            if (c->in.nsymptoms == OBSERVATION_SYMPTOMS_MAX) {
                c->in.nsymptoms = OBSERVATION_SYMPTOMS_MAX + 1; /* the check reports it */
                break;
            }
            c->in.symptoms[c->in.nsymptoms++] = arena_strdup(req->arena, json_string_value(item));
        }
    }
    /* Name every problem at once: the domain's own checks of the values
     * (fields already blamed by the body check are not named twice). */
    struct ep_error more;
    ep_error_clear(&more);
    if (observation_report_check(&c->in, &more) != 0)
        handler_fields_merge(err, &more);
    json_decref(body);
    if (err->code)
        return -err->code;
    return http_defer_rerunnable_write(req, report_write, report_encode, c);
}
