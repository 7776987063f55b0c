/*
 * alerts.c -- alerts and their timeliness over HTTP:
 *   GET  /api/v1/alerts                    scoped list, newest first (?region=&status=
 *                                          open|acknowledged|resolved|unresolved&severity=
 *                                          &rule=&person=&limit=&cursor=)
 *   GET  /api/v1/alerts/{id}               one alert (404 outside the caller's scope)
 *   POST /api/v1/alerts/{id}/acknowledge   open -> acknowledged (409 if not open)
 *   POST /api/v1/alerts/{id}/resolve       {note} -> resolved (409 if already)
 *   GET  /api/v1/stats/timeliness          ?region=&date=[&group=children]: time to
 *                                          acknowledge and to resolve (median, p90) of
 *                                          the alerts raised that day, from counters
 */
#include <stdlib.h>
#include <string.h>

#include "core/alert.h"
#include "http/handlers/handlers.h"
#include "util/json.h"
#include "util/timeutil.h"

static int add_alert(const struct alert *a, void *items)
{
    json_array_append_new(items, alert_json_new(a));
    return 0;
}

int handler_alerts_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    struct handler_page p;
    struct alert_filter f = {0};
    if (handler_page_params(req, 50, 500, &p, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    f.region = p.region;
    f.before_id = p.cursor_id;
    f.status = http_query(req, "status");
    if (f.status && strcmp(f.status, "open") != 0 && strcmp(f.status, "acknowledged") != 0 &&
        strcmp(f.status, "resolved") != 0 && strcmp(f.status, "unresolved") != 0)
        ep_error_field(err, "status", "应为 open、acknowledged、resolved 或 unresolved",
                       "must be open, acknowledged, resolved or unresolved");
    const char *severity = http_query(req, "severity");
    if (severity && !(f.severity = alert_severity_from_name(severity)))
        ep_error_field(err, "severity", "应为 high、medium 或 low", "must be high, medium or low");
    f.rule = http_query(req, "rule");
    if (f.rule && (!*f.rule || strlen(f.rule) >= ALERT_RULE_MAX ||
                   strspn(f.rule, "abcdefghijklmnopqrstuvwxyz_") != strlen(f.rule)))
        ep_error_field(err, "rule", "规则名称无效", "invalid rule name");
    f.person_id = http_query_id(req, "person", err);
    if (err->code)
        return -err->code;
    f.scope = req->user.scope;
    f.limit = JSON_PAGE_FETCH(p.limit);
    json_t *items = json_array();
    int rc = alert_list(req->store, &f, add_alert, items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_id, err);
}

int handler_alert_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id = 0;
    struct alert a;
    if (http_path_id(req, 0, "预警", "alert", &id, err) != 0 ||
        alert_get(req->store, req->user.scope, id, &a, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, alert_json_new(&a));
}

/* Acknowledge and resolve go through the group-commit writer like every
 * write that publishes events: its commit hook wakes the event streams. */
struct change_ctx {
    int64_t id;
    const char *note; /* resolve only, in req->arena */
    struct alert out;
};

static int acknowledge_write(struct store *s, struct http_request *req, void *arg,
                             struct ep_error *err)
{
    struct change_ctx *c = arg;
    struct actor who = {&req->user, req->client_ip};
    return alert_acknowledge(s, &who, c->id, 0, &c->out, err);
}

static int resolve_write(struct store *s, struct http_request *req, void *arg, struct ep_error *err)
{
    struct change_ctx *c = arg;
    struct actor who = {&req->user, req->client_ip};
    return alert_resolve(s, &who, c->id, c->note, 0, &c->out, err);
}

static int change_encode(struct http_request *req, struct http_response *res, void *arg,
                         struct ep_error *err)
{
    (void)req;
    (void)err;
    struct change_ctx *c = arg;
    return http_reply_json(res, 200, alert_json_new(&c->out));
}

const struct json_field alerts_no_fields[] = {{0}};

int handler_alert_acknowledge(struct http_request *req, struct http_response *res,
                              struct ep_error *err)
{
    (void)res;
    int64_t id = 0;
    if (http_path_id(req, 0, "预警", "alert", &id, err) != 0)
        return -err->code;
    /* No body, or an empty object. */
    json_t *body = req->body_len ? http_body_json(req, err) : json_object();
    if (!body)
        return -EP_EINVAL;
    json_object_check(body, alerts_no_fields, err);
    json_decref(body);
    if (err->code)
        return -err->code;
    struct change_ctx *c = arena_alloc(req->arena, sizeof *c);
    memset(c, 0, sizeof *c);
    c->id = id;
    return http_defer_write(req, acknowledge_write, change_encode, c);
}

const struct json_field alerts_resolve_fields[] = {
    {.name = "note", .type = JF_STRING, .required = 1, .max_len = 300},
    {0},
};

int handler_alert_resolve(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    (void)res;
    int64_t id = 0;
    if (http_path_id(req, 0, "预警", "alert", &id, err) != 0)
        return -err->code;
    json_t *body = handler_body(req, alerts_resolve_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct change_ctx *c = arena_alloc(req->arena, sizeof *c);
    memset(c, 0, sizeof *c);
    c->id = id;
    const char *note = json_get_str(body, "note");
    c->note = note ? arena_strdup(req->arena, note) : NULL;
    json_decref(body);
    if (err->code)
        return -err->code;
    return http_defer_write(req, resolve_write, change_encode, c);
}

/* {"count", "median_seconds", "median_bucket", "p90_seconds", "p90_bucket",
 * "histogram": {"b60": n, ...}}; seconds are null when there is no data or
 * the rank lies beyond a day ("binf"). */
static json_t *part_json(const struct alert_timeliness_part *p)
{
    json_t *hist = json_object();
    for (int i = 0; i < ALERT_BUCKETS; i++)
        json_object_set_new(hist, alert_bucket_name(i), json_integer(p->hist[i]));
    int64_t median = alert_bucket_upper(p->median_bucket);
    int64_t p90 = alert_bucket_upper(p->p90_bucket);
    return json_pack(
        "{s:I, s:o, s:o, s:o, s:o, s:o}", "count", (json_int_t)p->count, "median_seconds",
        median >= 0 ? json_integer(median) : json_null(), "median_bucket",
        p->median_bucket >= 0 ? json_string(alert_bucket_name(p->median_bucket)) : json_null(),
        "p90_seconds", p90 >= 0 ? json_integer(p90) : json_null(), "p90_bucket",
        p->p90_bucket >= 0 ? json_string(alert_bucket_name(p->p90_bucket)) : json_null(),
        "histogram", hist);
}

static json_t *timeliness_json(struct store *s, const char *code, const char *date,
                               struct ep_error *err)
{
    struct alert_timeliness t;
    if (alert_timeliness_get(s, code, date, &t, err) != 0)
        return NULL;
    return json_pack("{s:s, s:s, s:I, s:o, s:o}", "region", code, "date", date, "raised",
                     (json_int_t)t.raised, "acknowledge", part_json(&t.ack), "resolve",
                     part_json(&t.resolve));
}

struct child_ctx {
    struct store *store;
    const char *date;
    json_t *items;
    struct ep_error *err;
};

static int add_child(const struct region *r, void *arg)
{
    struct child_ctx *c = arg;
    json_t *item = timeliness_json(c->store, r->code, c->date, c->err);
    if (!item)
        return -EP_EINTERNAL;
    json_object_set_new(item, "name", json_string(r->name));
    json_array_append_new(c->items, item);
    return 0;
}

int handler_stats_timeliness(struct http_request *req, struct http_response *res,
                             struct ep_error *err)
{
    const char *region = http_query(req, "region");
    char today[11];
    const char *date = handler_date_param(req, today, err);
    const char *group = http_query(req, "group");
    if (!region)
        region = req->user.scope;
    if (!region_level_of_code(region))
        ep_error_field(err, "region", "地区编码应为 4、6、9、12 或 15 位数字",
                       "region code must be 4, 6, 9, 12 or 15 digits");
    if (group && strcmp(group, "children") != 0)
        ep_error_field(err, "group", "只支持 children", "only children is supported");
    if (err->code)
        return -EP_EINVAL;
    if (http_require_scope(req, region, err) != 0)
        return -EP_EFORBIDDEN;
    json_t *body = timeliness_json(req->store, region, date, err);
    if (!body)
        return -err->code;
    if (group) {
        struct child_ctx c = {req->store, date, json_array(), err};
        json_object_set_new(body, "children", c.items);
        if (region_children_list(req->store, region, add_child, &c, err) != 0) {
            json_decref(body);
            return -err->code;
        }
    }
    return http_reply_json(res, 200, body);
}
