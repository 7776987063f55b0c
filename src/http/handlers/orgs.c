/*
 * orgs.c -- party organisations, members, teams, applications to serve,
 * grid responsibility and the mobilisation roll-up over HTTP:
 *   GET  /api/v1/orgs                       ?region=&kind=&active=1&limit=&cursor=
 *   POST /api/v1/orgs                       create (org_manage)
 *   GET  /api/v1/orgs/{id}
 *   POST /api/v1/orgs/{id}/dissolve         {dissolved_date}
 *   GET  /api/v1/orgs/{id}/members
 *   POST /api/v1/orgs/{id}/members          {person_id, role, joined_date}
 *   DELETE /api/v1/orgs/{id}/members/{person_id}
 *   GET  /api/v1/team-types, POST /api/v1/team-types
 *   GET  /api/v1/teams, POST /api/v1/teams, GET /api/v1/teams/{id},
 *   POST /api/v1/teams/{id}/members          {person_id}
 *   GET  /api/v1/applications (?region=&status=), POST /api/v1/applications,
 *   GET  /api/v1/applications/{id},
 *   POST /api/v1/applications/{id}/decision  {decision, note, team}
 *   GET  /api/v1/grid-duties                 ?region=&unassigned=1&limit=&cursor=
 *   PUT  /api/v1/grid-duties/{code}          {responsible_person_id, helper_person_ids}
 *   GET  /api/v1/stats/mobilisation          ?region=&date=: counters of the region and its
 *                                            children, and the day's duty (roster_day_summary)
 * Administrative writes: synchronous, one transaction each in the domain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/org.h"
#include "core/region.h"
#include "core/roster.h"
#include "core/team.h"
#include "http/handlers/handlers.h"
#include "util/json.h"
#include "util/timeutil.h"

/* A list of positive integers in body[key] copied to the arena; field errors. */
static void ids_decode(struct http_request *req, const json_t *body, const char *key, int max,
                       int64_t **ids, int *n, struct ep_error *err)
{
    *ids = NULL;
    *n = 0;
    json_t *a = json_object_get(body, key);
    if (!a || json_is_null(a))
        return;
    if (!json_is_array(a)) {
        ep_error_field(err, key, "应为数组", "must be an array");
        return;
    }
    size_t len = json_array_size(a);
    if (len > (size_t)max) {
        ep_error_field(err, key, "最多 %d 项", "at most %d entries", max);
        return;
    }
    *ids = arena_alloc(req->arena, (len + 1) * sizeof **ids);
    for (size_t i = 0; i < len; i++) {
        json_t *v = json_array_get(a, i);
        if (!json_is_integer(v) || json_integer_value(v) <= 0) {
            char f[64];
            snprintf(f, sizeof f, "%s[%zu]", key, i);
            ep_error_field(err, f, "应为正整数", "must be a positive integer");
            (*ids)[i] = 0;
        } else {
            (*ids)[i] = json_integer_value(v);
        }
    }
    *n = (int)len;
}

/* The next cursor of grid duties (handler_cursor_fn): the last kept item's
 * "grid_code", or null on the last page. */
static json_t *grid_code_cursor(json_t *items, int limit)
{
    json_t *last = json_page_trim(items, limit);
    const char *code = last ? json_get_str(last, "grid_code") : NULL;
    return code ? json_string(code) : json_null();
}

/* ---- organisations ----------------------------------------------------------------- */

static const struct json_field org_fields[] = {
    {"name", JF_STRING, 1, ORG_NAME_CHARS, 0, 0},
    {"kind", JF_STRING, 1, 16, 0, 0},
    {"region_code", JF_STRING, 1, 15, 0, 0},
    {"parent_id", JF_INT, 0, 0, 1, 1e15},
    {"location", JF_STRING, 0, ORG_NAME_CHARS, 0, 0},
    {"founded_date", JF_DATE, 1, 0, 0, 0},
    {NULL, 0, 0, 0, 0, 0},
};

int handler_orgs_create(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = handler_body(req, org_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct org_input in = {json_get_str(body, "name"),        json_get_str(body, "kind"),
                           json_get_str(body, "region_code"), json_get_int(body, "parent_id", 0),
                           json_get_str(body, "location"),    json_get_str(body, "founded_date")};
    struct actor who = {&req->user, req->client_ip};
    json_t *out = NULL;
    int rc = err->code ? -EP_EINVAL : org_create(req->store, &who, &in, &out, err);
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

int handler_orgs_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int limit;
    const char *cursor;
    struct org_filter f = {0};
    http_list_params(req, 100, 1000, &limit, &cursor, err);
    if (handler_region_param(req, &f.region, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    f.after_id = http_cursor_id(cursor, err);
    f.kind = http_query(req, "kind");
    const char *active = http_query(req, "active");
    f.active_only = active && strcmp(active, "1") == 0;
    if (err->code)
        return -err->code;
    f.scope = req->user.scope;
    f.limit = JSON_PAGE_FETCH(limit);
    json_t *items = json_array();
    int rc = org_list(req->store, &f, items, err);
    return handler_page_reply(res, rc, items, limit, json_page_cursor_id, err);
}

int handler_org_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    return handler_get_by_id(req, res, "党组织", "organisation", org_get, err);
}

static const struct json_field dissolve_fields[] = {
    {"dissolved_date", JF_DATE, 1, 0, 0, 0},
    {NULL, 0, 0, 0, 0, 0},
};

int handler_org_dissolve(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "党组织", "organisation", &id, err) != 0)
        return -err->code;
    json_t *body = handler_body(req, dissolve_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct actor who = {&req->user, req->client_ip};
    json_t *out = NULL;
    int rc = err->code ? -EP_EINVAL
                       : org_dissolve(req->store, &who, id, json_get_str(body, "dissolved_date"),
                                      &out, err);
    return handler_write_reply(res, body, rc, NULL, 200, out, err);
}

int handler_org_members_list(struct http_request *req, struct http_response *res,
                             struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "党组织", "organisation", &id, err) != 0)
        return -err->code;
    json_t *items = json_array();
    int rc = org_members_list(req->store, req->user.scope, id, items, err);
    return handler_items_reply(res, rc, items, err);
}

static const struct json_field member_fields[] = {
    {"person_id", JF_INT, 1, 0, 1, 1e15},
    {"role", JF_STRING, 1, 20, 0, 0},
    {"joined_date", JF_DATE, 0, 0, 0, 0},
    {NULL, 0, 0, 0, 0, 0},
};

int handler_org_members_add(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "党组织", "organisation", &id, err) != 0)
        return -err->code;
    json_t *body = handler_body(req, member_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct org_member_input in = {json_get_int(body, "person_id", 0), json_get_str(body, "role"),
                                  json_get_str(body, "joined_date")};
    struct actor who = {&req->user, req->client_ip};
    json_t *out = NULL;
    int rc = err->code ? -EP_EINVAL : org_member_add(req->store, &who, id, &in, &out, err);
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

int handler_org_member_end(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    int64_t id, person;
    if (http_path_id(req, 0, "党组织", "organisation", &id, err) != 0 ||
        http_path_id(req, 1, "人员", "person", &person, err) != 0)
        return -err->code;
    struct actor who = {&req->user, req->client_ip};
    if (org_member_end(req->store, &who, id, person, err) != 0)
        return -err->code;
    return http_reply_json(res, 200,
                           json_pack("{s:I, s:I, s:b}", "org_id", (json_int_t)id, "person_id",
                                     (json_int_t)person, "ended", 1));
}

/* ---- team types and teams ------------------------------------------------------------ */

int handler_team_types_list(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    json_t *items = json_array();
    int rc = team_types_list(req->store, items, err);
    return handler_items_reply(res, rc, items, err);
}

static const struct json_field team_type_fields[] = {
    {"code", JF_STRING, 1, 32, 0, 0},
    {"name_zh", JF_STRING, 1, 30, 0, 0},
    {"name_en", JF_STRING, 1, 30, 0, 0},
    {NULL, 0, 0, 0, 0, 0},
};

int handler_team_types_create(struct http_request *req, struct http_response *res,
                              struct ep_error *err)
{
    json_t *body = handler_body(req, team_type_fields, err);
    if (!body)
        return -EP_EINVAL;
    const char *code = json_get_str(body, "code"), *name_zh = json_get_str(body, "name_zh"),
               *name_en = json_get_str(body, "name_en");
    struct actor who = {&req->user, req->client_ip};
    int rc =
        err->code ? -EP_EINVAL : team_type_create(req->store, &who, code, name_zh, name_en, err);
    json_t *out =
        rc == 0 ? json_pack("{s:s, s:s, s:s}", "code", code, "name_zh", name_zh, "name_en", name_en)
                : NULL;
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

static const struct json_field team_fields[] = {
    {"name", JF_STRING, 1, ORG_NAME_CHARS, 0, 0},
    {"type", JF_STRING, 1, 32, 0, 0},
    {"org_id", JF_INT, 1, 0, 1, 1e15},
    {"leader_person_id", JF_INT, 0, 0, 1, 1e15},
    {"member_ids", JF_ARRAY, 0, 0, 0, 0},
    {"place_ids", JF_ARRAY, 0, 0, 0, 0},
    {"active_from", JF_DATE, 0, 0, 0, 0},
    {"active_to", JF_DATE, 0, 0, 0, 0},
    {NULL, 0, 0, 0, 0, 0},
};

/* Decodes a team object (strings copied to the arena). */
static void team_decode(struct http_request *req, const json_t *obj, struct team_input *t,
                        struct ep_error *err)
{
    memset(t, 0, sizeof *t);
    const char *v;
    t->name = (v = json_get_str(obj, "name")) ? arena_strdup(req->arena, v) : NULL;
    t->type = (v = json_get_str(obj, "type")) ? arena_strdup(req->arena, v) : NULL;
    t->active_from = (v = json_get_str(obj, "active_from")) ? arena_strdup(req->arena, v) : NULL;
    t->active_to = (v = json_get_str(obj, "active_to")) ? arena_strdup(req->arena, v) : NULL;
    t->org_id = json_get_int(obj, "org_id", 0);
    t->leader_person_id = json_get_int(obj, "leader_person_id", 0);
    int64_t *ids;
    ids_decode(req, obj, "member_ids", TEAM_MEMBERS_MAX, &ids, &t->nmembers, err);
    t->member_ids = ids;
    ids_decode(req, obj, "place_ids", TEAM_PLACES_MAX, &ids, &t->nplaces, err);
    t->place_ids = ids;
}

int handler_teams_create(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = handler_body(req, team_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct team_input t;
    team_decode(req, body, &t, err);
    struct actor who = {&req->user, req->client_ip};
    json_t *out = NULL;
    int rc = err->code ? -EP_EINVAL : team_create(req->store, &who, &t, &out, err);
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

int handler_teams_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int limit;
    const char *cursor, *region;
    http_list_params(req, 100, 1000, &limit, &cursor, err);
    if (handler_region_param(req, &region, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    int64_t after = http_cursor_id(cursor, err), org = http_query_id(req, "org", err);
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    int rc = team_list(req->store, req->user.scope, region, http_query(req, "type"), org, after,
                       JSON_PAGE_FETCH(limit), items, err);
    return handler_page_reply(res, rc, items, limit, json_page_cursor_id, err);
}

int handler_team_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    return handler_get_by_id(req, res, "队伍", "team", team_get, err);
}

static const struct json_field team_member_fields[] = {
    {"person_id", JF_INT, 1, 0, 1, 1e15},
    {NULL, 0, 0, 0, 0, 0},
};

int handler_team_members_add(struct http_request *req, struct http_response *res,
                             struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "队伍", "team", &id, err) != 0)
        return -err->code;
    json_t *body = handler_body(req, team_member_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct actor who = {&req->user, req->client_ip};
    json_t *out = NULL;
    int rc = err->code
                 ? -EP_EINVAL
                 : team_member_add(req->store, &who, id, json_get_int(body, "person_id", 0), err);
    if (rc == 0) /* the team as it is now */
        rc = team_get(req->store, req->user.scope, id, &out, err);
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

/* ---- applications ------------------------------------------------------------------------ */

static const struct json_field application_fields[] = {
    {"org_id", JF_INT, 1, 0, 1, 1e15},
    {"person_ids", JF_ARRAY, 1, 0, 0, 0},
    {"group_name", JF_STRING, 0, ORG_NAME_CHARS, 0, 0},
    {"pledge", JF_STRING, 1, ORG_TEXT_CHARS, 0, 0},
    {"wish", JF_STRING, 0, ORG_NAME_CHARS, 0, 0},
    {NULL, 0, 0, 0, 0, 0},
};

int handler_applications_create(struct http_request *req, struct http_response *res,
                                struct ep_error *err)
{
    json_t *body = handler_body(req, application_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct org_application_input in = {0};
    int64_t *ids;
    ids_decode(req, body, "person_ids", ORG_APPLICANTS_MAX, &ids, &in.npersons, err);
    in.person_ids = ids;
    in.org_id = json_get_int(body, "org_id", 0);
    in.group_name = json_get_str(body, "group_name");
    in.pledge = json_get_str(body, "pledge");
    in.wish = json_get_str(body, "wish");
    struct actor who = {&req->user, req->client_ip};
    json_t *out = NULL;
    int rc = err->code ? -EP_EINVAL : org_application_create(req->store, &who, &in, &out, err);
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

int handler_applications_list(struct http_request *req, struct http_response *res,
                              struct ep_error *err)
{
    int limit;
    const char *cursor, *region;
    http_list_params(req, 50, 500, &limit, &cursor, err);
    if (handler_region_param(req, &region, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    int64_t before = http_cursor_id(cursor, err);
    const char *status = http_query(req, "status");
    if (status && strcmp(status, "pending") && strcmp(status, "approved") &&
        strcmp(status, "declined"))
        ep_error_field(err, "status", "应为 pending、approved 或 declined",
                       "must be pending, approved or declined");
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    /* ?region= lies inside the scope (checked above): it narrows the list. */
    int rc = org_application_list(req->store, region ? region : req->user.scope, status, before,
                                  JSON_PAGE_FETCH(limit), items, err);
    return handler_page_reply(res, rc, items, limit, json_page_cursor_id, err);
}

int handler_application_get(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    return handler_get_by_id(req, res, "请命书", "application", org_application_get, err);
}

static const struct json_field decision_fields[] = {
    {"decision", JF_STRING, 1, 16, 0, 0},
    {"note", JF_STRING, 0, ORG_TEXT_CHARS, 0, 0},
    {"team", JF_OBJECT, 0, 0, 0, 0},
    {NULL, 0, 0, 0, 0, 0},
};

static const struct json_field decision_team_fields[] = {
    {"name", JF_STRING, 1, ORG_NAME_CHARS, 0, 0},
    {"type", JF_STRING, 1, 32, 0, 0},
    {"leader_person_id", JF_INT, 0, 0, 1, 1e15},
    {"place_ids", JF_ARRAY, 0, 0, 0, 0},
    {"active_from", JF_DATE, 0, 0, 0, 0},
    {"active_to", JF_DATE, 0, 0, 0, 0},
    {NULL, 0, 0, 0, 0, 0},
};

int handler_application_decide(struct http_request *req, struct http_response *res,
                               struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "请命书", "application", &id, err) != 0)
        return -err->code;
    json_t *body = handler_body(req, decision_fields, err);
    if (!body)
        return -EP_EINVAL;
    json_t *team = json_object_get(body, "team");
    struct team_input t, *tp = NULL;
    if (json_is_object(team)) {
        int from = err->nfields;
        json_object_check(team, decision_team_fields, err);
        team_decode(req, team, &t, err);
        ep_error_fields_prefix(err, from, "team.");
        tp = &t;
    }
    struct actor who = {&req->user, req->client_ip};
    json_t *out = NULL;
    int rc = err->code
                 ? -EP_EINVAL
                 : org_application_decide(req->store, &who, id, json_get_str(body, "decision"),
                                          json_get_str(body, "note"), tp, &out, err);
    return handler_write_reply(res, body, rc, NULL, 200, out, err);
}

/* ---- grid responsibility ----------------------------------------------------------------------
 */

int handler_grid_duties_list(struct http_request *req, struct http_response *res,
                             struct ep_error *err)
{
    int limit;
    const char *cursor, *region;
    http_list_params(req, 100, 1000, &limit, &cursor, err);
    if (handler_region_param(req, &region, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    if (cursor && region_level_of_code(cursor) != REGION_GRID)
        ep_error_field(err, "cursor", "无效的游标", "invalid cursor");
    const char *unassigned = http_query(req, "unassigned");
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    int rc = org_grid_duty_list(req->store, req->user.scope, region,
                                unassigned && strcmp(unassigned, "1") == 0, cursor,
                                JSON_PAGE_FETCH(limit), items, err);
    return handler_page_reply(res, rc, items, limit, grid_code_cursor, err);
}

static const struct json_field duty_fields[] = {
    {"responsible_person_id", JF_INT, 0, 0, 1, 1e15},
    {"helper_person_ids", JF_ARRAY, 0, 0, 0, 0},
    {NULL, 0, 0, 0, 0, 0},
};

int handler_grid_duty_put(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = handler_body(req, duty_fields, err);
    if (!body)
        return -EP_EINVAL;
    int64_t *helpers;
    int n;
    ids_decode(req, body, "helper_person_ids", 50, &helpers, &n, err);
    int64_t responsible = json_get_int(body, "responsible_person_id", 0);
    struct actor who = {&req->user, req->client_ip};
    json_t *out = NULL;
    int rc = err->code ? -EP_EINVAL
                       : org_grid_duty_set(req->store, &who, req->params[0], responsible, helpers,
                                           n, &out, err);
    return handler_write_reply(res, body, rc, NULL, 200, out, err);
}

/* ---- roll-ups
 * ------------------------------------------------------------------------------------ */

struct children_ctx {
    struct store *store;
    int64_t day;
    json_t *list;
    struct ep_error *err;
};

static int add_child(const struct region *r, void *arg)
{
    struct children_ctx *c = arg;
    json_t *counters, *duty;
    int rc = mobilisation_counters_json(c->store, r->code, &counters, c->err);
    if (rc != 0)
        return rc;
    if ((rc = roster_day_summary(c->store, r->code, c->day, &duty, c->err)) != 0) {
        json_decref(counters);
        return rc;
    }
    json_array_append_new(c->list, json_pack("{s:s, s:s, s:o, s:o}", "code", r->code, "name",
                                             r->name, "counters", counters, "duty", duty));
    return 0;
}

int handler_stats_mobilisation(struct http_request *req, struct http_response *res,
                               struct ep_error *err)
{
    const char *region, *date = http_query(req, "date");
    int64_t day = time_today_cn();
    if (handler_region_param(req, &region, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    if (date && time_date_parse(date, &day) != 0)
        ep_error_field(err, "date", "应为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD");
    if (err->code)
        return -err->code;
    const char *code = region ? region : req->user.scope;
    struct region r;
    json_t *counters, *duty;
    if (region_get(req->store, code, &r, err) != 0 ||
        mobilisation_counters_json(req->store, code, &counters, err) != 0)
        return -err->code;
    if (roster_day_summary(req->store, code, day, &duty, err) != 0) {
        json_decref(counters);
        return -err->code;
    }
    struct children_ctx c = {req->store, day, json_array(), err};
    if (region_children_list(req->store, code, add_child, &c, err) != 0) {
        json_decref(counters);
        json_decref(duty);
        json_decref(c.list);
        return -err->code;
    }
    return http_reply_json(res, 200,
                           json_pack("{s:s, s:s, s:o, s:o, s:o}", "code", r.code, "name", r.name,
                                     "counters", counters, "duty", duty, "children", c.list));
}
