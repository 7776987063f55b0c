/*
 * profile.c -- the disease profile and risk areas over HTTP:
 *   GET    /api/v1/profile              the profile (any logged-in user)
 *   PUT    /api/v1/profile              replace it (city-wide administrator)
 *   GET    /api/v1/risk-areas           risk areas by id (?date=D: those in force that day;
 *                                       &limit=&cursor=, the cursor an id)
 *   POST   /api/v1/risk-areas           add one
 *   PATCH  /api/v1/risk-areas/{id}      end one: {"to_date": D}
 *   DELETE /api/v1/risk-areas/{id}      remove one entered by mistake
 * Temperatures are °C in the API (37.3), tenths in the domain (373); slots
 * are "HH:MM" in the API, minutes after midnight in the domain.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/profile.h"
#include "core/region.h"
#include "http/handlers/handlers.h"
#include "util/json.h"
#include "util/timeutil.h"

static json_t *profile_api_json(const struct profile *p)
{
    json_t *slots = json_array();
    for (int i = 0; i < p->nslots; i++) {
        char hhmm[8];
        snprintf(hhmm, sizeof hhmm, "%02d:%02d", (p->slot_minutes[i] / 60) % 100,
                 p->slot_minutes[i] % 60);
        json_array_append_new(slots, json_string(hhmm));
    }
    return json_pack("{s:s, s:i, s:f, s:f, s:o, s:i, s:i, s:s, s:i, s:s, s:s}", "name", p->name,
                     "observation_days", p->observation_days, "fever_threshold",
                     p->fever_threshold_dc / 10.0, "high_fever", p->high_fever_dc / 10.0, "slots",
                     slots, "grace_minutes", p->grace_minutes, "lookback_days", p->lookback_days,
                     "public_depth", region_level_name(p->public_depth), "public_min_cell",
                     p->public_min_cell, "outbreak_start", p->outbreak_start, "updated_at",
                     p->updated_at);
}

int handler_profile_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    struct profile p;
    if (profile_get(req->store, &p, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, profile_api_json(&p));
}

const struct json_field profile_profile_fields[] = {
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = 60},
    {.name = "observation_days", .type = JF_INT, .required = 1, .min = 1, .max = 60},
    {.name = "fever_threshold", .type = JF_NUMBER, .required = 1, .min = 35, .max = 42},
    {.name = "high_fever", .type = JF_NUMBER, .min = 35, .max = 42}, /* optional: unchanged */
    {.name = "slots", .type = JF_ARRAY, .required = 1, .elem = JF_STRING, .max_len = 5},
    {.name = "grace_minutes", .type = JF_INT, .required = 1, .min = 1, .max = 720},
    {.name = "lookback_days", .type = JF_INT, .required = 1, .min = 1, .max = 60},
    {.name = "public_depth",
     .type = JF_STRING,
     .max_len = 16,
     .values = region_level_names}, /* optional: unchanged when absent */
    {.name = "public_min_cell", .type = JF_INT, .min = 1, .max = 100},
    {.name = "outbreak_start", .type = JF_STRING, .max_len = 10}, /* optional: unchanged */
    {.name = "updated_at", .type = JF_STRING, .max_len = 40},
    {0},
};

/* "HH:MM" -> minutes after midnight, or -1. */
static int hhmm_parse(const char *s)
{
    if (!s || strlen(s) != 5 || s[2] != ':')
        return -1;
    for (int i = 0; i < 5; i++)
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    return h < 24 && m < 60 ? h * 60 + m : -1;
}

int handler_profile_put(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = http_body_json(req, err);
    if (!body)
        return -EP_EINVAL;
    json_object_check(body, profile_profile_fields, err);
    struct profile p, current;
    memset(&p, 0, sizeof p);
    if (profile_get(req->store, &current, err) != 0) {
        json_decref(body);
        return -err->code;
    }
    /* The public settings (finding 10) are optional: a page that does not
     * know them leaves them as they are. */
    p.public_depth = current.public_depth;
    p.public_min_cell = (int)json_get_int(body, "public_min_cell", current.public_min_cell);
    const char *start = json_get_str(body, "outbreak_start");
    snprintf(p.outbreak_start, sizeof p.outbreak_start, "%s",
             start ? start : current.outbreak_start);
    const char *depth = json_get_str(body, "public_depth");
    if (depth) {
        p.public_depth = 0;
        for (int l = REGION_CITY; l <= REGION_GRID; l++)
            if (strcmp(depth, region_level_name(l)) == 0)
                p.public_depth = l;
    }
    const char *name = json_get_str(body, "name");
    snprintf(p.name, sizeof p.name, "%s", name ? name : "");
    p.observation_days = (int)json_get_int(body, "observation_days", 0);
    json_t *t = json_object_get(body, "fever_threshold");
    p.fever_threshold_dc = json_is_number(t) ? (int)lround(json_number_value(t) * 10) : 0;
    json_t *high = json_object_get(body, "high_fever");
    p.high_fever_dc =
        json_is_number(high) ? (int)lround(json_number_value(high) * 10) : current.high_fever_dc;
    p.grace_minutes = (int)json_get_int(body, "grace_minutes", 0);
    p.lookback_days = (int)json_get_int(body, "lookback_days", 0);
    json_t *slots = json_object_get(body, "slots");
    if (json_is_array(slots)) {
        size_t n = json_array_size(slots);
        if (n == 0 || n > PROFILE_SLOTS_MAX)
            ep_error_field(err, "slots", "应为 1 到 %d 个时刻", "must hold 1 to %d times",
                           PROFILE_SLOTS_MAX);
        for (size_t i = 0; i < n && i < PROFILE_SLOTS_MAX; i++) {
            int m = hhmm_parse(json_string_value(json_array_get(slots, i)));
            if (m < 0) {
                char f[32];
                snprintf(f, sizeof f, "slots[%zu]", i);
                ep_error_field(err, f, "应为时刻 HH:MM(如 08:00)",
                               "must be a time HH:MM (e.g. 08:00)");
            }
            p.slot_minutes[p.nslots++] = m;
        }
    }
    json_decref(body);
    if (err->code)
        return -err->code;
    struct actor who = {&req->user, req->client_ip};
    if (profile_update(req->store, &who, &p, err) != 0 || profile_get(req->store, &p, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, profile_api_json(&p));
}

static json_t *risk_api_json(const struct risk_area *a)
{
    return json_pack("{s:I, s:s?, s:s?, s:s, s:s, s:s?, s:s, s:s}", "id", (json_int_t)a->id,
                     "region_code", a->region_code[0] ? a->region_code : NULL, "place",
                     a->place[0] ? a->place : NULL, "level", a->level, "from_date", a->from_date,
                     "to_date", a->to_date[0] ? a->to_date : NULL, "created_at", a->created_at,
                     "created_by", a->created_by);
}

static int add_risk(const struct risk_area *a, void *ctx)
{
    json_array_append_new(ctx, risk_api_json(a));
    return 0;
}

int handler_riskareas_list(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    int limit;
    const char *cursor;
    http_list_params(req, 200, 1000, &limit, &cursor, err);
    int64_t after = http_cursor_id(cursor, err);
    const char *date = http_query(req, "date");
    int64_t day = -1;
    if (date && time_date_parse(date, &day) != 0)
        ep_error_field(err, "date", "应为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD");
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    if (riskarea_list(req->store, day, after, JSON_PAGE_FETCH(limit), add_risk, items, err) != 0) {
        json_decref(items);
        return -err->code;
    }
    json_t *next = json_page_cursor_id(items, limit);
    return http_reply_json(res, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

/* A risk area is a region by its code or a place by its name (riskarea_check). */
static const struct json_group risk_groups[] = {
    {JG_ONE_OF, {"region_code", "place"}},
    {0},
};

const struct json_field profile_risk_fields[] = {
    {.name = "region_code", .type = JF_STRING, .max_len = 15},
    {.name = "place", .type = JF_STRING, .max_len = 40},
    {.name = "level",
     .type = JF_STRING,
     .required = 1,
     .max_len = 10,
     .values = profile_risk_levels},
    {.name = "from_date", .type = JF_DATE, .required = 1},
    {.name = "to_date", .type = JF_DATE},
    {JF_GROUPS(risk_groups)},
};

int handler_riskareas_create(struct http_request *req, struct http_response *res,
                             struct ep_error *err)
{
    json_t *body = http_body_json(req, err);
    if (!body)
        return -EP_EINVAL;
    int rc = json_object_check(body, profile_risk_fields, err);
    struct risk_area a;
    if (rc == 0) {
        struct riskarea_input in = {json_get_str(body, "region_code"), json_get_str(body, "place"),
                                    json_get_str(body, "level"), json_get_str(body, "from_date"),
                                    json_get_str(body, "to_date")};
        struct actor who = {&req->user, req->client_ip};
        rc = riskarea_create(req->store, &who, &in, &a, err);
    }
    json_decref(body);
    if (rc != 0)
        return -err->code;
    return http_reply_json(res, 201, risk_api_json(&a));
}

const struct json_field profile_end_fields[] = {
    {.name = "to_date", .type = JF_DATE, .required = 1},
    {0},
};

int handler_riskarea_end(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "风险地区", "risk area", &id, err) != 0)
        return -err->code;
    json_t *body = http_body_json(req, err);
    if (!body)
        return -EP_EINVAL;
    int rc = json_object_check(body, profile_end_fields, err);
    struct risk_area a;
    struct actor who = {&req->user, req->client_ip};
    if (rc == 0)
        rc = riskarea_end(req->store, &who, id, json_get_str(body, "to_date"), &a, err);
    json_decref(body);
    if (rc != 0)
        return -err->code;
    return http_reply_json(res, 200, risk_api_json(&a));
}

int handler_riskarea_delete(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "风险地区", "risk area", &id, err) != 0)
        return -err->code;
    struct actor who = {&req->user, req->client_ip};
    if (riskarea_delete(req->store, &who, id, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, json_pack("{s:I}", "deleted", (json_int_t)id));
}
