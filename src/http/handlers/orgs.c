/*
 * orgs.c -- party organisations, members, teams, applications to serve,
 * grid responsibility and the mobilisation roll-up over HTTP:
 *   GET  /api/v1/orgs                       ?region=&kind=&q=&active=1&limit=&cursor=
 *                                           (q: part of the name)
 *   POST /api/v1/orgs                       create (org_manage)
 *   GET  /api/v1/orgs/{id}
 *   POST /api/v1/orgs/{id}/dissolve         {dissolved_date}
 *   GET  /api/v1/orgs/{id}/members
 *   POST /api/v1/orgs/{id}/members          {person_id, role, joined_date}
 *   DELETE /api/v1/orgs/{id}/members/{person_id}
 *   GET  /api/v1/team-types, POST /api/v1/team-types
 *   GET  /api/v1/teams, POST /api/v1/teams, GET /api/v1/teams/{id},
 *   POST /api/v1/teams/{id}/members          {person_id}
 *   GET  /api/v1/org-activities (?region=&org=&kind=), POST /api/v1/org-activities
 *                                            {org_id, kind, title, place, note, participants,
 *                                            person_ids, occurred_at}, GET .../{id}
 *   GET  /api/v1/applications (?region=&status=&org=), POST /api/v1/applications,
 *   GET  /api/v1/applications/{id},
 *   POST /api/v1/applications/{id}/decision  {decision, note, team}
 *   GET  /api/v1/grid-duties                 ?region=&unassigned=1&q=&limit=&cursor=
 *                                            (q: part of the name of the grid, its village
 *                                            or a person on duty there)
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
#include "util/text.h"
#include "util/timeutil.h"

/* The next cursor of grid duties (handler_cursor_fn): the last kept item's
 * "grid_code", or null on the last page. */
static json_t *grid_code_cursor(json_t *items, int limit)
{
    json_t *last = json_page_trim(items, limit);
    const char *code = last ? json_get_str(last, "grid_code") : NULL;
    return code ? json_string(code) : json_null();
}

/* ---- organisations ----------------------------------------------------------------- */

const struct json_field orgs_org_fields[] = {
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = ORG_NAME_CHARS},
    {.name = "kind", .type = JF_STRING, .required = 1, .max_len = 16, .values = org_kinds},
    {.name = "region_code", .type = JF_STRING, .required = 1, .max_len = 15, .ref = "region"},
    {.name = "parent_id", .type = JF_INT, .min = 1, .max = 1e15, .ref = "org"},
    /* a mobile branch says where it serves (org_insert) */
    {.name = "location",
     .type = JF_STRING,
     .max_len = ORG_NAME_CHARS,
     JF_REQUIRED_IF_IS("kind", "mobile")},
    {.name = "founded_date", .type = JF_DATE, .required = 1},
    {0},
};

int handler_orgs_create(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = handler_body(req, orgs_org_fields, err);
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
    struct handler_page p;
    struct org_filter f = {0};
    if (handler_page_params(req, 100, 1000, &p, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    f.region = p.region;
    f.after_id = p.cursor_id;
    f.kind = http_query(req, "kind");
    f.q = http_query(req, "q");
    if (f.q)
        text_check(f.q, "q", ORG_NAME_CHARS, TEXT_REQUIRED, err);
    const char *active = http_query(req, "active");
    f.active_only = active && strcmp(active, "1") == 0;
    if (err->code)
        return -err->code;
    f.scope = req->user.scope;
    f.limit = JSON_PAGE_FETCH(p.limit);
    json_t *items = json_array();
    int rc = org_list(req->store, &f, items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_id, err);
}

int handler_org_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    return handler_get_by_id(req, res, "党组织", "organisation", org_get, err);
}

const struct json_field orgs_dissolve_fields[] = {
    {.name = "dissolved_date", .type = JF_DATE, .required = 1},
    {0},
};

int handler_org_dissolve(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "党组织", "organisation", &id, err) != 0)
        return -err->code;
    json_t *body = handler_body(req, orgs_dissolve_fields, err);
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

const struct json_field orgs_member_fields[] = {
    {.name = "person_id", .type = JF_INT, .required = 1, .min = 1, .max = 1e15, .ref = "person"},
    {.name = "role", .type = JF_STRING, .required = 1, .max_len = 20, .values = org_member_roles},
    {.name = "joined_date", .type = JF_DATE},
    {0},
};

int handler_org_members_add(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "党组织", "organisation", &id, err) != 0)
        return -err->code;
    json_t *body = handler_body(req, orgs_member_fields, err);
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

const struct json_field orgs_team_type_fields[] = {
    {.name = "code", .type = JF_STRING, .required = 1, .max_len = 32},
    {.name = "name_zh", .type = JF_STRING, .required = 1, .max_len = 30},
    {.name = "name_en", .type = JF_STRING, .required = 1, .max_len = 30},
    {0},
};

int handler_team_types_create(struct http_request *req, struct http_response *res,
                              struct ep_error *err)
{
    json_t *body = handler_body(req, orgs_team_type_fields, err);
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

const struct json_field orgs_team_fields[] = {
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = ORG_NAME_CHARS},
    {.name = "type", .type = JF_STRING, .required = 1, .max_len = 32},
    {.name = "org_id", .type = JF_INT, .required = 1, .min = 1, .max = 1e15, .ref = "org"},
    /* a leader, or members (team_insert) */
    {.name = "leader_person_id",
     .type = JF_INT,
     .min = 1,
     .max = 1e15,
     .ref = "person",
     JF_REQUIRED_IF_ABSENT("member_ids")},
    {JF_ID_LIST("member_ids", "person", TEAM_MEMBERS_MAX)},
    {JF_ID_LIST("place_ids", "duty_place", TEAM_PLACES_MAX)},
    {.name = "active_from", .type = JF_DATE},
    {.name = "active_to", .type = JF_DATE},
    {JF_OCCURRED},
    {0},
};

/* Decodes a team object (strings copied to the arena). */
static void team_decode(struct http_request *req, const json_t *obj, struct team_input *t)
{
    memset(t, 0, sizeof *t);
    const char *v;
    t->name = (v = json_get_str(obj, "name")) ? arena_strdup(req->arena, v) : NULL;
    t->type = (v = json_get_str(obj, "type")) ? arena_strdup(req->arena, v) : NULL;
    t->active_from = (v = json_get_str(obj, "active_from")) ? arena_strdup(req->arena, v) : NULL;
    t->active_to = (v = json_get_str(obj, "active_to")) ? arena_strdup(req->arena, v) : NULL;
    t->occurred_at = (v = json_get_str(obj, "occurred_at")) ? arena_strdup(req->arena, v) : NULL;
    t->org_id = json_get_int(obj, "org_id", 0);
    t->leader_person_id = json_get_int(obj, "leader_person_id", 0);
    t->member_ids = json_get_ids(obj, "member_ids", req->arena, &t->nmembers);
    t->place_ids = json_get_ids(obj, "place_ids", req->arena, &t->nplaces);
}

int handler_teams_create(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = handler_body(req, orgs_team_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct team_input t;
    team_decode(req, body, &t);
    struct actor who = {&req->user, req->client_ip};
    json_t *out = NULL;
    int rc = err->code ? -EP_EINVAL : team_create(req->store, &who, &t, &out, err);
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

int handler_teams_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    struct handler_page p;
    if (handler_page_params(req, 100, 1000, &p, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    int64_t after = p.cursor_id, org = http_query_id(req, "org", err);
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    int rc = team_list(req->store, req->user.scope, p.region, http_query(req, "type"), org, after,
                       JSON_PAGE_FETCH(p.limit), items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_id, err);
}

int handler_team_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    return handler_get_by_id(req, res, "队伍", "team", team_get, err);
}

const struct json_field orgs_team_member_fields[] = {
    {.name = "person_id", .type = JF_INT, .required = 1, .min = 1, .max = 1e15, .ref = "person"},
    {0},
};

int handler_team_members_add(struct http_request *req, struct http_response *res,
                             struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "队伍", "team", &id, err) != 0)
        return -err->code;
    json_t *body = handler_body(req, orgs_team_member_fields, err);
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

/* ---- activities (a branch's pledge meeting, meetings, study) ------------------------------ */

const struct json_field orgs_activity_fields[] = {
    {.name = "org_id", .type = JF_INT, .required = 1, .min = 1, .max = 1e15, .ref = "org"},
    {.name = "kind", .type = JF_STRING, .required = 1, .max_len = 16, .values = org_activity_kinds},
    {.name = "title", .type = JF_STRING, .required = 1, .max_len = ORG_NAME_CHARS},
    {.name = "place", .type = JF_STRING, .max_len = ORG_NAME_CHARS},
    {.name = "note", .type = JF_STRING, .max_len = ORG_TEXT_CHARS},
    /* a number, or the persons listed (org_activity_create) */
    {.name = "participants",
     .type = JF_INT,
     .min = 1,
     .max = ORG_ACTIVITY_PARTICIPANTS_MAX,
     JF_REQUIRED_IF_ABSENT("person_ids")},
    {JF_ID_LIST("person_ids", "person", ORG_ACTIVITY_PERSONS_MAX)},
    {JF_OCCURRED},
    {0},
};

int handler_org_activities_create(struct http_request *req, struct http_response *res,
                                  struct ep_error *err)
{
    json_t *body = handler_body(req, orgs_activity_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct org_activity_input in = {0};
    in.org_id = json_get_int(body, "org_id", 0);
    in.kind = json_get_str(body, "kind");
    in.title = json_get_str(body, "title");
    in.place = json_get_str(body, "place");
    in.note = json_get_str(body, "note");
    in.participants = json_get_int(body, "participants", 0);
    in.person_ids = json_get_ids(body, "person_ids", req->arena, &in.npersons);
    in.occurred_at = json_get_str(body, "occurred_at");
    if (err->code && in.kind) /* named with the body's other errors */
        org_activity_kind_check(in.kind, "kind", err);
    struct actor who = {&req->user, req->client_ip};
    json_t *out = NULL;
    int rc = err->code ? -EP_EINVAL : org_activity_create(req->store, &who, &in, &out, err);
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

int handler_org_activities_list(struct http_request *req, struct http_response *res,
                                struct ep_error *err)
{
    struct handler_page p;
    if (handler_page_params(req, 50, 500, &p, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    struct org_activity_filter f = {
        .scope = p.scope, .before_id = p.cursor_id, .limit = JSON_PAGE_FETCH(p.limit)};
    f.org_id = http_query_id(req, "org", err);
    f.kind = http_query(req, "kind");
    if (f.kind)
        org_activity_kind_check(f.kind, "kind", err);
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    int rc = org_activity_list(req->store, &f, items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_id, err);
}

int handler_org_activity_get(struct http_request *req, struct http_response *res,
                             struct ep_error *err)
{
    return handler_get_by_id(req, res, "组织活动", "activity", org_activity_get, err);
}

/* ---- applications ------------------------------------------------------------------------ */

const struct json_field orgs_application_fields[] = {
    {.name = "org_id", .type = JF_INT, .required = 1, .min = 1, .max = 1e15, .ref = "org"},
    {JF_ID_LIST("person_ids", "person", ORG_APPLICANTS_MAX), .required = 1},
    /* a group applying together is named (org_application_create) */
    {.name = "group_name",
     .type = JF_STRING,
     .max_len = ORG_NAME_CHARS,
     JF_REQUIRED_IF_ITEMS("person_ids", 2)},
    {.name = "pledge", .type = JF_STRING, .required = 1, .max_len = ORG_TEXT_CHARS},
    {.name = "wish", .type = JF_STRING, .max_len = ORG_NAME_CHARS},
    {0},
};

int handler_applications_create(struct http_request *req, struct http_response *res,
                                struct ep_error *err)
{
    json_t *body = handler_body(req, orgs_application_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct org_application_input in = {0};
    in.person_ids = json_get_ids(body, "person_ids", req->arena, &in.npersons);
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
    struct handler_page p;
    if (handler_page_params(req, 50, 500, &p, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    int64_t before = p.cursor_id, org = http_query_id(req, "org", err);
    const char *status = http_query(req, "status");
    if (status && strcmp(status, "pending") && strcmp(status, "approved") &&
        strcmp(status, "declined"))
        ep_error_field(err, "status", "应为 pending、approved 或 declined",
                       "must be pending, approved or declined");
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    /* ?p.region= lies inside the scope (checked above): it narrows the list. */
    int rc = org_application_list(req->store, p.region ? p.region : req->user.scope, status, org,
                                  before, JSON_PAGE_FETCH(p.limit), items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_id, err);
}

int handler_application_get(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    return handler_get_by_id(req, res, "请命书", "application", org_application_get, err);
}

static const struct json_field decision_team_fields[] = {
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = ORG_NAME_CHARS},
    {.name = "type", .type = JF_STRING, .required = 1, .max_len = 32},
    {.name = "leader_person_id", .type = JF_INT, .min = 1, .max = 1e15, .ref = "person"},
    {JF_ID_LIST("place_ids", "duty_place", TEAM_PLACES_MAX)},
    {.name = "active_from", .type = JF_DATE},
    {.name = "active_to", .type = JF_DATE},
    {JF_OCCURRED},
    {0},
};

const struct json_field orgs_decision_fields[] = {
    {.name = "decision", .type = JF_STRING, .required = 1, .max_len = 16, .values = org_decisions},
    {.name = "note", .type = JF_STRING, .max_len = ORG_TEXT_CHARS},
    {.name = "team", .type = JF_OBJECT, .members = decision_team_fields},
    {0},
};

int handler_application_decide(struct http_request *req, struct http_response *res,
                               struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "请命书", "application", &id, err) != 0)
        return -err->code;
    json_t *body = handler_body(req, orgs_decision_fields, err);
    if (!body)
        return -EP_EINVAL;
    json_t *team = json_object_get(body, "team");
    struct team_input t, *tp = NULL;
    if (json_is_object(team)) {
        team_decode(req, team, &t);
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
    struct grid_duty_filter f = {
        req->user.scope,      region, unassigned && strcmp(unassigned, "1") == 0,
        http_query(req, "q"), cursor, JSON_PAGE_FETCH(limit)};
    if (f.q)
        text_check(f.q, "q", REGION_NAME_CHARS, TEXT_REQUIRED, err);
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    int rc = org_grid_duty_list(req->store, &f, items, err);
    return handler_page_reply(res, rc, items, limit, grid_code_cursor, err);
}

const struct json_field orgs_duty_fields[] = {
    {.name = "responsible_person_id", .type = JF_INT, .min = 1, .max = 1e15, .ref = "person"},
    {JF_ID_LIST("helper_person_ids", "person", 50)},
    {0},
};

int handler_grid_duty_put(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = handler_body(req, orgs_duty_fields, err);
    if (!body)
        return -EP_EINVAL;
    int n;
    int64_t *helpers = json_get_ids(body, "helper_person_ids", req->arena, &n);
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
