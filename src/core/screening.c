/*
 * screening.c -- screening rounds and household visits with their
 * consequences and counters (see screening.h).
 *
 * A visit is written in one transaction with everything it implies: the
 * visit row (inserted, or updated after its previous version was copied to
 * visit_history), one visit_persons row per person with the flags the rules
 * derived, observations opened and alerts raised, the counters adjusted by
 * the difference between the previous and the new version, an event for the
 * live pages and an audit row.  A failure anywhere rolls all of it back.
 */
#include "core/screening.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alert.h"
#include "core/counter.h"
#include "core/event.h"
#include "core/observation.h"
#include "core/profile.h"
#include "util/idcheck.h"
#include "util/json.h"
#include "util/text.h"
#include "util/timeutil.h"

#define DAY_SECONDS 86400

/* ---- small helpers ------------------------------------------------------- */

static int64_t day_of_unix(int64_t t)
{
    int64_t local = t + TIME_CN_OFFSET_SECONDS;
    return local >= 0 ? local / DAY_SECONDS : (local - (DAY_SECONDS - 1)) / DAY_SECONDS;
}

static void copy_text(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

static json_t *str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *id_or_null(int64_t id)
{
    return id ? json_integer(id) : json_null();
}

/* ---- rounds -------------------------------------------------------------- */

#define ROUND_COLUMNS "id, name, region_code, start_date, end_date, status, created_by, created_at"

/* Reads ROUND_COLUMNS, the first of them at column "col". */
static void round_fill_at(struct store_stmt *st, int col, struct round *r)
{
    memset(r, 0, sizeof *r);
    r->id = store_column_int64(st, col);
    copy_text(r->name, sizeof r->name, store_column_text(st, col + 1));
    copy_text(r->region_code, sizeof r->region_code, store_column_text(st, col + 2));
    copy_text(r->start_date, sizeof r->start_date, store_column_text(st, col + 3));
    copy_text(r->end_date, sizeof r->end_date, store_column_text(st, col + 4));
    copy_text(r->status, sizeof r->status, store_column_text(st, col + 5));
    copy_text(r->created_by, sizeof r->created_by, store_column_text(st, col + 6));
    copy_text(r->created_at, sizeof r->created_at, store_column_text(st, col + 7));
}

static void round_fill(struct store_stmt *st, struct round *r)
{
    round_fill_at(st, 0, r);
}

json_t *round_json_new(const struct round *r)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)r->id, "name",
                     r->name, "region_code", r->region_code, "start_date", r->start_date,
                     "end_date", r->end_date, "status", r->status, "created_by", r->created_by,
                     "created_at", r->created_at);
}

/* 1 if the round's subtree and "scope" overlap. */
static int round_visible(const struct round *r, const char *scope)
{
    return region_in_scope(r->region_code, scope) || region_in_scope(scope, r->region_code);
}

int round_get(struct store *s, const char *scope, int64_t id, struct round *out,
              struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT " ROUND_COLUMNS " FROM rounds WHERE id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc = store_step(st, err), found = rc == STORE_ROW;
    if (found) {
        round_fill(st, out);
        rc = 0;
    }
    store_stmt_reset(st);
    if (rc == 0 && (!found || !round_visible(out, scope)))
        rc = ep_error_set(err, EP_ENOTFOUND, "排查轮次 %lld 不存在",
                          "screening round %lld not found", (long long)id);
    return rc;
}

int round_list(struct store *s, const char *scope, int64_t before_id, int limit, round_fn fn,
               void *ctx, struct ep_error *err)
{
    /* Rounds inside the scope (a range) or covering it (a prefix of it). */
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT " ROUND_COLUMNS " FROM rounds"
                      " WHERE id < ? AND ((region_code >= ? AND region_code < ?)"
                      " OR substr(?, 1, length(region_code)) = region_code)"
                      " ORDER BY id DESC LIMIT ?",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, before_id > 0 ? before_id : INT64_MAX);
    region_bind_range(st, 2, scope);
    store_bind_text(st, 4, scope);
    store_bind_int64(st, 5, limit > 0 ? limit : INT64_MAX);
    int rc;
    struct round r;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        round_fill(st, &r);
        if ((rc = fn(&r, ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc;
}

int round_open(struct store *s, const struct actor *who, const struct round_input *in,
               struct round *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    if (!in->name || !*in->name)
        ep_error_field(err, "name", "必填", "is required");
    else
        text_check(in->name, "name", ROUND_NAME_CHARS, 0, err);
    int64_t start = 0, end = 0;
    int start_ok = 0, end_ok = 0;
    if (!in->start_date)
        ep_error_field(err, "start_date", "必填", "is required");
    else if (!(start_ok = time_date_parse(in->start_date, &start) == 0))
        ep_error_field(err, "start_date", "应为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD");
    if (!in->end_date)
        ep_error_field(err, "end_date", "必填", "is required");
    else if (!(end_ok = time_date_parse(in->end_date, &end) == 0))
        ep_error_field(err, "end_date", "应为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD");
    else if (start_ok && end < start)
        ep_error_field(err, "end_date", "不能早于开始日期", "must not be before start_date");
    /* A past round is allowed (issue 17): a commander enters a round from
     * the paper records of its days; it starts no earlier than the outbreak. */
    struct profile prof;
    int64_t outbreak;
    if (start_ok && profile_get(s, &prof, err) == 0 &&
        time_date_parse(prof.outbreak_start, &outbreak) == 0 && start < outbreak)
        ep_error_field(err, "start_date", "不能早于疫情起始日 %s(见疾病配置)",
                       "cannot be before the outbreak's start, %s (see the disease profile)",
                       prof.outbreak_start);
    if (!in->region_code || !*in->region_code)
        ep_error_field(err, "region_code", "必填", "is required");
    else if (!region_level_of_code(in->region_code))
        ep_error_field(err, "region_code", "地区编码应为 4、6、9、12 或 15 位数字",
                       "region code must be 4, 6, 9, 12 or 15 digits");
    (void)end_ok;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    /* The region: existing and inside the scope (outside = missing). */
    if (in->region_code && region_level_of_code(in->region_code))
        write_region(&w, in->region_code, 0, "region_code", NULL);
    struct store_stmt *st = NULL;
    if (write_check(&w) == 0 &&
        !(st = store_prepare(s,
                             "INSERT INTO rounds (name, region_code,"
                             " start_date, end_date, status, created_by,"
                             " created_at) VALUES (?, ?, ?, ?, 'open', ?, ?)",
                             err)))
        write_fail(&w, -EP_EINTERNAL);
    if (write_ok(&w)) {
        char now[32];
        time_now_iso(now);
        store_bind_text(st, 1, in->name);
        store_bind_text(st, 2, in->region_code);
        store_bind_text(st, 3, in->start_date);
        store_bind_text(st, 4, in->end_date);
        store_bind_text(st, 5, who->user->username);
        store_bind_text(st, 6, now);
        if (write_fail(&w, store_run(st, err)) == 0)
            write_fail(&w, round_get(s, "", store_last_insert_id(s), out, err));
    }
    if (write_ok(&w)) {
        write_audit_new(&w, "create", "round", out->id, out->region_code, NULL,
                        round_json_new(out));
    }
    return write_end(&w, out->id);
}

int round_close(struct store *s, const struct actor *who, int64_t id, struct round *out,
                struct ep_error *err)
{
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    struct round before;
    if (write_target(&w, REF_ROUND, id, NULL) == 0)
        write_fail(&w, round_get(s, "", id, &before, err));
    /* A round over a wider area than the scope is seen (it covers the
     * grids below) but is not the writer's to close: for the write it does
     * not exist, as for any record outside the scope. */
    if (write_ok(&w) && !region_in_scope(before.region_code, who->user->scope))
        write_fail(&w, ref_not_found(err, REF_ROUND, id));
    if (write_ok(&w) && strcmp(before.status, "open") != 0)
        write_fail(&w, ep_error_set(err, EP_ECONFLICT, "轮次 %lld 已结束",
                                    "round %lld is already closed", (long long)id));
    struct store_stmt *st = NULL;
    if (write_ok(&w) &&
        !(st = store_prepare(s, "UPDATE rounds SET status = 'closed' WHERE id = ?", err)))
        write_fail(&w, -EP_EINTERNAL);
    if (write_ok(&w)) {
        store_bind_int64(st, 1, id);
        if (write_fail(&w, store_run(st, err)) == 0)
            write_fail(&w, round_get(s, "", id, out, err));
    }
    if (write_ok(&w)) {
        write_audit_new(&w, "update", "round", id, out->region_code, round_json_new(&before),
                        round_json_new(out));
    }
    return write_end(&w, id);
}

/* ---- visits: reading ----------------------------------------------------- */

#define VISIT_COLUMNS                                                                              \
    "id, round_id, household_id, grid_code, visitor_id, visitor, visited_at,"                      \
    " members_present, COALESCE(note, ''), version, returnees, fevers, created_at, updated_at"

static void visit_fill(struct store_stmt *st, struct visit *v)
{
    struct visit_person *persons = v->persons;
    int max = v->max_persons;
    memset(v, 0, sizeof *v);
    v->persons = persons;
    v->max_persons = max;
    v->id = store_column_int64(st, 0);
    v->round_id = store_column_int64(st, 1);
    v->household_id = store_column_int64(st, 2);
    copy_text(v->grid_code, sizeof v->grid_code, store_column_text(st, 3));
    v->visitor_id = store_column_int64(st, 4);
    copy_text(v->visitor, sizeof v->visitor, store_column_text(st, 5));
    copy_text(v->visited_at, sizeof v->visited_at, store_column_text(st, 6));
    v->members_present = (int)store_column_int64(st, 7);
    copy_text(v->note, sizeof v->note, store_column_text(st, 8));
    v->version = (int)store_column_int64(st, 9);
    v->returnees = (int)store_column_int64(st, 10);
    v->fevers = (int)store_column_int64(st, 11);
    copy_text(v->created_at, sizeof v->created_at, store_column_text(st, 12));
    copy_text(v->updated_at, sizeof v->updated_at, store_column_text(st, 13));
}

/* Reads the persons of visit "id" into persons[0..max) and sets *n. */
static int persons_load(struct store *s, int64_t id, struct visit_person *persons, int max, int *n,
                        struct ep_error *err)
{
    *n = 0;
    struct store_stmt *st = store_prepare(
        s,
        "SELECT person_id, returned_from_risk, COALESCE(origin, ''), COALESCE(arrival_date, ''),"
        " COALESCE(transport, ''), fever, cough, COALESCE(other_symptoms, ''),"
        " COALESCE(temperature_dc, 0), contact_with_case, returnee, febrile,"
        " COALESCE(observation_id, 0), COALESCE(alert_id, 0)"
        " FROM visit_persons WHERE visit_id = ? ORDER BY person_id",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW && *n < max) {
        struct visit_person *p = &persons[(*n)++];
        memset(p, 0, sizeof *p);
        p->person_id = store_column_int64(st, 0);
        p->returned_from_risk = (int)store_column_int64(st, 1);
        copy_text(p->origin, sizeof p->origin, store_column_text(st, 2));
        copy_text(p->arrival_date, sizeof p->arrival_date, store_column_text(st, 3));
        copy_text(p->transport, sizeof p->transport, store_column_text(st, 4));
        p->fever = (int)store_column_int64(st, 5);
        p->cough = (int)store_column_int64(st, 6);
        copy_text(p->other_symptoms, sizeof p->other_symptoms, store_column_text(st, 7));
        p->temperature_dc = (int)store_column_int64(st, 8);
        p->contact_with_case = (int)store_column_int64(st, 9);
        p->returnee = (int)store_column_int64(st, 10);
        p->febrile = (int)store_column_int64(st, 11);
        p->observation_id = store_column_int64(st, 12);
        p->alert_id = store_column_int64(st, 13);
    }
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

int visit_get(struct store *s, const char *scope, int64_t id, struct visit *out,
              struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " VISIT_COLUMNS " FROM visits WHERE id = ?"
                                          " AND grid_code >= ? AND grid_code < ?",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    region_bind_range(st, 2, scope);
    int rc = ref_step_named(st, "入户排查记录", "visit", id, err);
    if (rc == 0)
        visit_fill(st, out);
    store_stmt_reset(st);
    if (rc == 0 && out->persons)
        rc = persons_load(s, id, out->persons, out->max_persons, &out->npersons, err);
    return rc;
}

int visit_list(struct store *s, const struct visit_filter *f, visit_fn fn, void *ctx,
               struct ep_error *err)
{
    char lower[REGION_CODE_MAX], upper[REGION_CODE_MAX];
    if (!region_narrow(f->scope, f->region, lower))
        return 0;
    region_code_range(lower, upper);
    struct store_stmt *st;
    if (f->round_id)
        st = store_prepare(s,
                           "SELECT " VISIT_COLUMNS " FROM visits WHERE round_id = ?"
                           " AND (grid_code, id) > (?, ?) AND grid_code < ?"
                           " ORDER BY grid_code, id LIMIT ?",
                           err);
    else
        st = store_prepare(s,
                           "SELECT " VISIT_COLUMNS " FROM visits WHERE ? = 0"
                           " AND (grid_code, id) > (?, ?) AND grid_code < ?"
                           " ORDER BY grid_code, id LIMIT ?",
                           err);
    if (!st)
        return -EP_EINTERNAL;
    int cursor = f->after_grid && strcmp(f->after_grid, lower) >= 0;
    store_bind_int64(st, 1, f->round_id);
    store_bind_text(st, 2, cursor ? f->after_grid : lower);
    store_bind_int64(st, 3, cursor ? f->after_id : 0);
    store_bind_text(st, 4, upper);
    store_bind_int64(st, 5, f->limit > 0 ? f->limit : INT64_MAX);
    int rc;
    struct visit v = {0};
    while ((rc = store_step(st, err)) == STORE_ROW) {
        visit_fill(st, &v);
        if ((rc = fn(&v, ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc;
}

static json_t *person_json(const struct visit_person *p)
{
    json_t *o = json_object();
    json_object_set_new(o, "person_id", json_integer(p->person_id));
    json_object_set_new(o, "returned_from_risk", json_boolean(p->returned_from_risk));
    json_object_set_new(o, "origin", str_or_null(p->origin));
    json_object_set_new(o, "arrival_date", str_or_null(p->arrival_date));
    json_object_set_new(o, "transport", str_or_null(p->transport));
    json_object_set_new(o, "fever", json_boolean(p->fever));
    json_object_set_new(o, "cough", json_boolean(p->cough));
    json_object_set_new(o, "other_symptoms", str_or_null(p->other_symptoms));
    json_object_set_new(o, "temperature",
                        p->temperature_dc ? json_real(p->temperature_dc / 10.0) : json_null());
    json_object_set_new(o, "contact_with_case", json_boolean(p->contact_with_case));
    json_object_set_new(o, "returnee", json_boolean(p->returnee));
    json_object_set_new(o, "febrile", json_boolean(p->febrile));
    json_object_set_new(o, "observation_id", id_or_null(p->observation_id));
    json_object_set_new(o, "alert_id", id_or_null(p->alert_id));
    return o;
}

json_t *visit_json_new(const struct visit *v)
{
    json_t *o =
        json_pack("{s:I, s:I, s:I, s:s, s:s, s:s, s:i, s:o, s:i, s:i, s:i, s:s, s:s}", "id",
                  (json_int_t)v->id, "round_id", (json_int_t)v->round_id, "household_id",
                  (json_int_t)v->household_id, "grid_code", v->grid_code, "visitor", v->visitor,
                  "visited_at", v->visited_at, "members_present", v->members_present, "note",
                  str_or_null(v->note), "version", v->version, "returnees", v->returnees, "fevers",
                  v->fevers, "created_at", v->created_at, "updated_at", v->updated_at);
    if (v->persons) {
        json_t *persons = json_array();
        for (int i = 0; i < v->npersons; i++)
            json_array_append_new(persons, person_json(&v->persons[i]));
        json_object_set_new(o, "persons", persons);
    }
    return o;
}

/* ---- visits: recording --------------------------------------------------- */

/* Checks what needs no database; sets *visited_unix.  Field errors only. */
static void check_input(const struct visit_input *in, int64_t now, int64_t *visited_unix,
                        struct ep_error *err)
{
    if (in->round_id <= 0)
        ep_error_field(err, "round_id", "必填,应为正整数", "is required: a positive integer");
    if (in->household_id <= 0)
        ep_error_field(err, "household_id", "必填,应为正整数", "is required: a positive integer");
    if (in->members_present < 0 || in->members_present > VISIT_MEMBERS_MAX)
        ep_error_field(err, "members_present", "应在 0 到 %d 之间", "must be between 0 and %d",
                       VISIT_MEMBERS_MAX);
    text_check(in->note, "note", VISIT_NOTE_CHARS, TEXT_MULTILINE, err);
    *visited_unix = now;
    int visited_ok = 1;
    if (in->visited_at) {
        if (time_iso_parse(in->visited_at, visited_unix) != 0) {
            visited_ok = 0;
            ep_error_field(err, "visited_at", "应为带时区的时间,如 2020-01-28T09:30:00+08:00",
                           "must be a time with offset, e.g. 2020-01-28T09:30:00+08:00");
        } else if (*visited_unix > now + VISIT_CLOCK_SKEW_S) {
            visited_ok = 0;
            ep_error_field(err, "visited_at", "不能晚于当前时间", "must not be in the future");
        }
    }
    int64_t visit_day = day_of_unix(*visited_unix);
    if (in->npersons < 0 || in->npersons > VISIT_PERSONS_MAX) {
        ep_error_field(err, "persons", "最多 %d 人", "at most %d persons", VISIT_PERSONS_MAX);
        return;
    }
    for (int i = 0; i < in->npersons; i++) {
        const struct visit_person_input *p = &in->persons[i];
        char f[64];
#define FIELD(name) (snprintf(f, sizeof f, "persons[%d].%s", i, name), f)
        if (p->person_id <= 0)
            ep_error_field(err, FIELD("person_id"), "必填,应为正整数",
                           "is required: a positive integer");
        for (int k = 0; k < i; k++)
            if (p->person_id > 0 && in->persons[k].person_id == p->person_id) {
                ep_error_field(err, FIELD("person_id"), "人员 %lld 重复",
                               "person %lld is listed twice", (long long)p->person_id);
                break;
            }
        if (p->temperature_dc != 0 &&
            (p->temperature_dc < VISIT_TEMP_MIN_DC || p->temperature_dc > VISIT_TEMP_MAX_DC))
            ep_error_field(err, FIELD("temperature"), "体温应在 34.0 到 43.0 ℃ 之间",
                           "temperature must be between 34.0 and 43.0 °C");
        text_check(p->origin, FIELD("origin"), VISIT_TEXT_CHARS, 0, err);
        text_check(p->transport, FIELD("transport"), VISIT_TEXT_CHARS, 0, err);
        text_check(p->other_symptoms, FIELD("other_symptoms"), VISIT_TEXT_CHARS, 0, err);
        int64_t arrival;
        if (p->arrival_date) {
            if (time_date_parse(p->arrival_date, &arrival) != 0)
                ep_error_field(err, FIELD("arrival_date"), "应为日期 YYYY-MM-DD",
                               "must be a date YYYY-MM-DD");
            else if (visited_ok && arrival > visit_day)
                ep_error_field(err, FIELD("arrival_date"), "不能晚于排查日期",
                               "must not be after the visit");
        } else if (p->returned_from_risk) {
            ep_error_field(err, FIELD("arrival_date"), "从风险地区返回时必填",
                           "is required when returned from a risk area");
        }
#undef FIELD
    }
}

/* The visit's persons after the rules: flags derived, consequences to come. */
static int derive(struct store *s, const struct profile *prof, const struct visit_input *in,
                  int64_t visit_day, struct visit_person *out, struct ep_error *err)
{
    for (int i = 0; i < in->npersons; i++) {
        const struct visit_person_input *p = &in->persons[i];
        struct visit_person *o = &out[i];
        memset(o, 0, sizeof *o);
        o->person_id = p->person_id;
        o->returned_from_risk = p->returned_from_risk != 0;
        copy_text(o->origin, sizeof o->origin, p->origin);
        copy_text(o->arrival_date, sizeof o->arrival_date, p->arrival_date);
        copy_text(o->transport, sizeof o->transport, p->transport);
        o->fever = p->fever != 0;
        o->cough = p->cough != 0;
        copy_text(o->other_symptoms, sizeof o->other_symptoms, p->other_symptoms);
        o->temperature_dc = p->temperature_dc;
        o->contact_with_case = p->contact_with_case != 0;
        o->febrile = o->fever || (o->temperature_dc && profile_is_fever(prof, o->temperature_dc));
        int64_t arrival;
        if (p->arrival_date && time_date_parse(p->arrival_date, &arrival) == 0 &&
            visit_day - arrival < prof->lookback_days) {
            int matched = o->returned_from_risk;
            if (!matched && riskarea_match(s, p->origin, arrival, &matched, err) != 0)
                return -err->code;
            o->returnee = matched;
        }
    }
    return 0;
}

/* Reads the visit of (round, household) if any: 1 found, 0 none, <0 error. */
static int visit_find(struct store *s, int64_t round_id, int64_t household_id, struct visit *out,
                      struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s, "SELECT " VISIT_COLUMNS " FROM visits WHERE round_id = ? AND household_id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, round_id);
    store_bind_int64(st, 2, household_id);
    int rc = store_step(st, err);
    if (rc == STORE_ROW) {
        visit_fill(st, out);
        rc = 1;
    }
    store_stmt_reset(st);
    return rc;
}

static int persons_insert(struct store *s, int64_t visit_id, const struct visit_person *p, int n,
                          struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "INSERT INTO visit_persons (visit_id, person_id, returned_from_risk, origin,"
                      " arrival_date, transport, fever, cough, other_symptoms, temperature_dc,"
                      " contact_with_case, returnee, febrile, observation_id, alert_id)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    for (int i = 0; i < n; i++) {
        store_bind_int64(st, 1, visit_id);
        store_bind_int64(st, 2, p[i].person_id);
        store_bind_int64(st, 3, p[i].returned_from_risk);
        store_bind_text(st, 4, p[i].origin[0] ? p[i].origin : NULL);
        store_bind_text(st, 5, p[i].arrival_date[0] ? p[i].arrival_date : NULL);
        store_bind_text(st, 6, p[i].transport[0] ? p[i].transport : NULL);
        store_bind_int64(st, 7, p[i].fever);
        store_bind_int64(st, 8, p[i].cough);
        store_bind_text(st, 9, p[i].other_symptoms[0] ? p[i].other_symptoms : NULL);
        if (p[i].temperature_dc)
            store_bind_int64(st, 10, p[i].temperature_dc);
        else
            store_bind_null(st, 10);
        store_bind_int64(st, 11, p[i].contact_with_case);
        store_bind_int64(st, 12, p[i].returnee);
        store_bind_int64(st, 13, p[i].febrile);
        if (p[i].observation_id)
            store_bind_int64(st, 14, p[i].observation_id);
        else
            store_bind_null(st, 14);
        if (p[i].alert_id)
            store_bind_int64(st, 15, p[i].alert_id);
        else
            store_bind_null(st, 15);
        /* Queued on PostgreSQL, sent with the next read: the persons were
         * checked (check_input, check_refs), and a failure fails the write. */
        int rc = store_run_deferred(st, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The previous version's row of "person_id", or NULL. */
static const struct visit_person *previous(const struct visit_person *old, int nold,
                                           int64_t person_id)
{
    for (int i = 0; i < nold; i++)
        if (old[i].person_id == person_id)
            return &old[i];
    return NULL;
}

/* Opens observations and raises alerts for the new persons, keeping what
 * the previous version already caused (an update must not reopen an
 * observation released since, nor raise the same alert again).  An
 * observation opens at the visit's moment "visited_unix". */
static int consequences(struct store *s, const struct actor *who, const struct profile *prof,
                        const struct visit *v, int64_t visited_unix, struct visit_person *cur,
                        int n, const struct visit_person *old, int nold, struct ep_error *err)
{
    char start[11], source[40];
    time_date_format(day_of_unix(visited_unix), start);
    snprintf(source, sizeof source, "visit:%lld", (long long)v->id);
    for (int i = 0; i < n; i++) {
        struct visit_person *p = &cur[i];
        const struct visit_person *was = previous(old, nold, p->person_id);
        if (p->returnee) {
            if (was && was->returnee && was->observation_id) {
                p->observation_id = was->observation_id;
            } else {
                struct observation_open_input oi = {.person_id = p->person_id,
                                                    .kind = "home",
                                                    .reason = "travel",
                                                    .start_date = start,
                                                    .source = source,
                                                    .opened_unix = visited_unix};
                int opened;
                int rc = observation_open(s, who, &oi, &p->observation_id, &opened, err);
                if (rc != 0)
                    return rc;
            }
        }
        if (p->febrile) {
            int high = p->returnee;
            if (was && was->febrile && was->alert_id && (was->returnee || !high)) {
                p->alert_id = was->alert_id; /* the same or a higher alert exists */
                continue;
            }
            char key[96], temp[16] = "", title_zh[160], title_en[160];
            snprintf(key, sizeof key, "%s:%lld:%lld", high ? "visit_fever_travel" : "visit_fever",
                     (long long)v->id, (long long)p->person_id);
            if (p->temperature_dc)
                snprintf(temp, sizeof temp, " %d.%d", p->temperature_dc / 10,
                         p->temperature_dc % 10);
            snprintf(title_zh, sizeof title_zh, "%s%s%s(入户排查)",
                     high ? "发热且有风险地区旅居史" : "发热", temp, *temp ? "℃" : "");
            snprintf(title_en, sizeof title_en, "%s%s%s (household visit)",
                     high ? "Fever after travel from a risk area" : "Fever", temp,
                     *temp ? " °C" : "");
            struct alert_input ai = {0};
            ai.rule = high ? "visit_fever_travel" : "visit_fever";
            ai.severity =
                profile_fever_is_high(prof, p->temperature_dc, high) ? ALERT_HIGH : ALERT_MEDIUM;
            ai.grid_code = v->grid_code;
            ai.person_id = p->person_id;
            ai.household_id = v->household_id;
            ai.source = source;
            ai.dedup_key = key;
            ai.title_zh = title_zh;
            ai.title_en = title_en;
            int rc = alert_raise(s, &ai, &p->alert_id, err);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

static int count_flags(const struct visit_person *p, int n, int *returnees, int *fevers)
{
    *returnees = *fevers = 0;
    for (int i = 0; i < n; i++) {
        *returnees += p[i].returnee;
        *fevers += p[i].febrile;
    }
    return 0;
}

/* Adds "delta" to "<family>.r<round>" of grid_code in the write. */
static int count(struct write *w, const char *grid_code, const char *family, int64_t round_id,
                 int64_t delta)
{
    char metric[64];
    snprintf(metric, sizeof metric, "%s.r%lld", family, (long long)round_id);
    return write_count(w, grid_code, metric, delta);
}

/* Copies the previous version (row and persons) into visit_history. */
static int history_add(struct store *s, const struct actor *who, const struct visit *old,
                       struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "INSERT INTO visit_history (visit_id, version, snapshot,"
                                          " replaced_at, replaced_by) VALUES (?, ?, ?, ?, ?)",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    json_t *snap = visit_json_new(old);
    char *text = json_dump_compact(snap);
    json_decref(snap);
    char now[32];
    time_now_iso(now);
    store_bind_int64(st, 1, old->id);
    store_bind_int64(st, 2, old->version);
    store_bind_text(st, 3, text ? text : "{}");
    store_bind_text(st, 4, now);
    store_bind_text(st, 5, who->user->username);
    int rc = store_run(st, err);
    free(text);
    return rc;
}

/* write_ref_read's readers for check_refs: the statements yield the
 * record's region code (column 0), then what the visit needs of it. */
#define VISIT_ROUND_SQL  "SELECT region_code, " ROUND_COLUMNS " FROM rounds WHERE id = ?"
#define VISIT_PERSON_SQL "SELECT grid_code, COALESCE(household_id, 0) FROM persons WHERE id = ?"

static void round_read(struct store_stmt *st, void *out)
{
    round_fill_at(st, 1, out);
}

static void person_household_read(struct store_stmt *st, void *out)
{
    *(int64_t *)out = store_column_int64(st, 1);
}

/* Checks the references of a visit in "w": round, household and persons
 * visible to the writer (outside the scope = missing: field errors, 404
 * alone), each person a member of the household (input error); then, the
 * input settled, the round's rules (422).  Each record is read once, by the
 * statement that checks its scope (write_ref_read): the round into *round,
 * the household's grid into "household_grid". */
static int check_refs(struct write *w, const struct visit_input *in, int64_t visit_day,
                      struct round *round, char household_grid[REGION_CODE_MAX])
{
    struct ep_error *err = w->err;
    write_ref_read(w, REF_ROUND, in->round_id, "round_id", VISIT_ROUND_SQL, round_read, round);
    int household_ok =
        write_ref(w, REF_HOUSEHOLD, in->household_id, "household_id", household_grid) == 1;
    for (int i = 0; i < in->npersons && write_ok(w); i++) {
        char f[64];
        snprintf(f, sizeof f, "persons[%d].person_id", i);
        int64_t person_id = in->persons[i].person_id, household_id = 0;
        if (write_ref_read(w, REF_PERSON, person_id, f, VISIT_PERSON_SQL, person_household_read,
                           &household_id) != 1 ||
            !household_ok || household_id == in->household_id)
            continue;
        /* An input error among references: 400, every field listed. */
        if (err->code == EP_ENOTFOUND)
            ep_error_set(err, EP_EINVAL, "输入有误", "invalid input");
        ep_error_field(err, f, "人员 %lld 不是住户 %lld 的成员",
                       "person %lld is not a member of household %lld", (long long)person_id,
                       (long long)in->household_id);
    }
    if (write_check(w) != 0)
        return w->rc;
    if (!region_in_scope(household_grid, round->region_code))
        return write_fail(w, ep_error_set(err, EP_ERULE, "住户 %lld 不在排查轮次 %lld 的范围(%s)内",
                                          "household %lld is not in the area of round %lld (%s)",
                                          (long long)in->household_id, (long long)round->id,
                                          round->region_code));
    if (strcmp(round->status, "open") != 0)
        return write_fail(w, ep_error_set(err, EP_ERULE, "排查轮次 %lld 已结束",
                                          "round %lld is closed", (long long)round->id));
    /* The visit happened during the round; it may be recorded later (paper
     * sheets typed in after the round's end) while the round is open. */
    int64_t start, end;
    time_date_parse(round->start_date, &start);
    time_date_parse(round->end_date, &end);
    if (visit_day < start || visit_day > end)
        return write_fail(
            w, ep_error_set(err, EP_ERULE, "排查时间不在排查轮次 %lld 的日期(%s 至 %s)内",
                            "the visit time is outside the dates of round %lld (%s "
                            "to %s)",
                            (long long)round->id, round->start_date, round->end_date));
    return 0;
}

/* Writes the visit row: an update of the previous version "prev" (found)
 * or an insert.  Sets *id. */
static int visit_row_write(struct write *w, const struct visit_input *in, const struct visit *prev,
                           int found, const char *grid_code, const char *visited_iso, int returnees,
                           int fevers, int64_t *id)
{
    struct store *s = w->s;
    struct store_stmt *st;
    const char *now_iso = w->now; /* visit_record's answer says the same */
    if (found) {
        st = store_prepare(s,
                           "UPDATE visits SET grid_code = ?, visitor_id = ?, visitor = ?,"
                           " visited_at = ?, members_present = ?, note = ?, version = version + 1,"
                           " returnees = ?, fevers = ?, updated_at = ? WHERE id = ?",
                           w->err);
        if (!st)
            return write_fail(w, -EP_EINTERNAL);
        store_bind_int64(st, 10, prev->id);
    } else {
        st = store_prepare(s,
                           "INSERT INTO visits (grid_code, visitor_id, visitor, visited_at,"
                           " members_present, note, returnees, fevers, updated_at, round_id,"
                           " household_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           w->err);
        if (!st)
            return write_fail(w, -EP_EINTERNAL);
        store_bind_int64(st, 10, in->round_id);
        store_bind_int64(st, 11, in->household_id);
        store_bind_text(st, 12, now_iso);
    }
    store_bind_text(st, 1, grid_code);
    store_bind_int64(st, 2, w->who->user->id);
    store_bind_text(st, 3, w->who->user->username);
    store_bind_text(st, 4, visited_iso);
    store_bind_int64(st, 5, in->members_present);
    store_bind_text(st, 6, in->note && *in->note ? in->note : NULL);
    store_bind_int64(st, 7, returnees);
    store_bind_int64(st, 8, fevers);
    store_bind_text(st, 9, now_iso);
    if (write_fail(w, store_run(st, w->err)) != 0)
        return w->rc;
    *id = found ? prev->id : store_last_insert_id(s);
    if (!found)
        return 0;
    st = store_prepare(s, "DELETE FROM visit_persons WHERE visit_id = ?", w->err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_int64(st, 1, *id);
    return write_fail(w, store_run(st, w->err));
}

static int person_id_cmp(const void *a, const void *b)
{
    int64_t x = ((const struct visit_person *)a)->person_id;
    int64_t y = ((const struct visit_person *)b)->person_id;
    return (x > y) - (x < y);
}

/* The answer "out" (persons into out->persons when given, up to
 * out->max_persons) from the visit "v" as written, its persons in
 * visit_get's order: what reading it back would give. */
static void visit_answer(struct visit *out, const struct visit *v)
{
    struct visit_person *persons = out->persons;
    int max = out->max_persons;
    *out = *v;
    out->persons = persons;
    out->max_persons = max;
    out->npersons = 0;
    if (!persons)
        return;
    out->npersons = v->npersons < max ? v->npersons : max;
    memcpy(persons, v->persons, (size_t)out->npersons * sizeof *persons);
}

int visit_record(struct store *s, const struct actor *who, const struct visit_input *in,
                 struct idem_key *idem, struct visit *out, struct ep_error *err)
{
    int64_t now = (int64_t)time(NULL), visited_unix;
    check_input(in, now, &visited_unix, err);
    if (err->code)
        return -err->code;
    int64_t visit_day = day_of_unix(visited_unix);
    struct write w;
    int64_t first = 0;
    int rc = write_begin(&w, s, who, "visit", idem, &first, err);
    if (rc == WRITE_REPLAY)
        return visit_get(s, who->user->scope, first, out, err);
    if (rc != 0)
        return rc;
    struct visit_person *cur = NULL, *old = NULL;
    json_t *before = NULL, *after = NULL;
    struct visit prev = {0}, v = {0};
    struct round round;
    char household_grid[REGION_CODE_MAX];
    struct profile prof;
    if (check_refs(&w, in, visit_day, &round, household_grid) != 0 ||
        write_fail(&w, profile_get(s, &prof, err)) != 0)
        goto out;
    cur = calloc((size_t)in->npersons + 1, sizeof *cur);
    if (!cur)
        abort();
    if (write_fail(&w, derive(s, &prof, in, visit_day, cur, err)) != 0)
        goto out;

    int found = visit_find(s, in->round_id, in->household_id, &prev, err);
    if (write_fail(&w, found < 0 ? found : 0) != 0)
        goto out;
    int old_returnees = 0, old_fevers = 0, new_returnees, new_fevers;
    char visited_iso[32];
    time_iso_from_unix((time_t)visited_unix, visited_iso);
    count_flags(cur, in->npersons, &new_returnees, &new_fevers);
    if (found) {
        /* Room for the most persons a visit lists: 40 KB, zeroed -- only
         * for a visit that is there (for every visit it showed in B2's
         * writer profile as malloc_consolidate and memset). */
        old = calloc(VISIT_PERSONS_MAX, sizeof *old);
        if (!old)
            abort();
        prev.persons = old;
        prev.max_persons = VISIT_PERSONS_MAX;
        if (write_fail(&w, persons_load(s, prev.id, old, VISIT_PERSONS_MAX, &prev.npersons, err)) !=
                0 ||
            write_fail(&w, history_add(s, who, &prev, err)) != 0)
            goto out;
        old_returnees = prev.returnees;
        old_fevers = prev.fevers;
        before = visit_json_new(&prev);
    }
    if (visit_row_write(&w, in, &prev, found, household_grid, visited_iso, new_returnees,
                        new_fevers, &v.id) != 0)
        goto out;
    /* The visit as written (visit_row_write): the answer and the audit row
     * are made from it, not read back. */
    v.round_id = in->round_id;
    v.household_id = in->household_id;
    copy_text(v.grid_code, sizeof v.grid_code, household_grid);
    v.visitor_id = who->user->id;
    copy_text(v.visitor, sizeof v.visitor, who->user->username);
    copy_text(v.visited_at, sizeof v.visited_at, visited_iso);
    v.members_present = in->members_present;
    copy_text(v.note, sizeof v.note, in->note);
    v.version = found ? prev.version + 1 : 1;
    v.returnees = new_returnees;
    v.fevers = new_fevers;
    copy_text(v.created_at, sizeof v.created_at, found ? prev.created_at : w.now);
    copy_text(v.updated_at, sizeof v.updated_at, w.now);
    if (write_fail(&w, consequences(s, who, &prof, &v, visited_unix, cur, in->npersons, old,
                                    prev.npersons, err)) != 0 ||
        write_fail(&w, persons_insert(s, v.id, cur, in->npersons, err)) != 0)
        goto out;
    /* visit_get reads the persons by person_id; cur is no longer needed in
     * the body's order. */
    qsort(cur, (size_t)in->npersons, sizeof *cur, person_id_cmp);
    v.persons = cur;
    v.npersons = v.max_persons = in->npersons;

    /* Counters: the previous version out of its grid, the new one in. */
    if (found && strcmp(prev.grid_code, v.grid_code) != 0) {
        count(&w, prev.grid_code, "visited", v.round_id, -1);
        count(&w, prev.grid_code, "returnees", v.round_id, -old_returnees);
        count(&w, prev.grid_code, "fever_found", v.round_id, -old_fevers);
        found = 0, old_returnees = old_fevers = 0;
    }
    count(&w, v.grid_code, "visited", v.round_id, found ? 0 : 1);
    count(&w, v.grid_code, "returnees", v.round_id, new_returnees - old_returnees);
    count(&w, v.grid_code, "fever_found", v.round_id, new_fevers - old_fevers);
    if (!write_ok(&w))
        goto out;
    json_t *payload =
        json_pack("{s:I, s:I, s:I, s:s, s:i}", "visit_id", (json_int_t)v.id, "round_id",
                  (json_int_t)v.round_id, "household_id", (json_int_t)v.household_id, "grid_code",
                  v.grid_code, "version", v.version);
    rc = event_publish(s, v.grid_code, "visit.recorded", payload, NULL, err);
    json_decref(payload);
    if (write_fail(&w, rc) != 0)
        goto out;
    after = visit_json_new(&v);
    if (write_audit(&w, before ? "update" : "create", "visit", v.id, v.grid_code, before, after) ==
        0)
        visit_answer(out, &v);
out:
    rc = write_end(&w, v.id);
    json_decref(before);
    json_decref(after);
    free(cur);
    free(old);
    return rc;
}

/* ---- coverage and counters ------------------------------------------------ */

int screening_coverage(struct store *s, const char *code, int64_t round_id, int64_t *households,
                       int64_t *visited, struct ep_error *err)
{
    char metric[64];
    snprintf(metric, sizeof metric, "visited.r%lld", (long long)round_id);
    int rc = counter_get(s, code, "households", households, err);
    if (rc == 0)
        rc = counter_get(s, code, metric, visited, err);
    return rc;
}

int screening_counters_rebuild(struct store *s, struct ep_error *err)
{
    int rc = counter_rebuild_family(s, "visited.r",
                                    "SELECT grid_code, 'visited.r' || round_id, COUNT(*)"
                                    " FROM visits GROUP BY grid_code, round_id",
                                    err);
    if (rc == 0)
        rc = counter_rebuild_family(s, "returnees.r",
                                    "SELECT v.grid_code, 'returnees.r' || v.round_id, COUNT(*)"
                                    " FROM visit_persons p JOIN visits v ON v.id = p.visit_id"
                                    " WHERE p.returnee = 1 GROUP BY v.grid_code, v.round_id",
                                    err);
    if (rc == 0)
        rc = counter_rebuild_family(s, "fever_found.r",
                                    "SELECT v.grid_code, 'fever_found.r' || v.round_id, COUNT(*)"
                                    " FROM visit_persons p JOIN visits v ON v.id = p.visit_id"
                                    " WHERE p.febrile = 1 GROUP BY v.grid_code, v.round_id",
                                    err);
    return rc;
}
