/*
 * alert.c -- alerts: raise with dedup, acknowledge, resolve, scoped lists,
 * timeliness from histogram counters, and the counters' oracle (see alert.h).
 *
 * The seconds an alert took to be acknowledged and resolved are stored on
 * the alert and, in the same transaction, counted into a per-region
 * histogram of the day it was raised, so that the median and p90 for any
 * region are ten counter reads, never a scan of alerts.
 */
#include "core/alert.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/counter.h"
#include "core/ref.h"
#include "core/event.h"
#include "util/idcheck.h"
#include "util/timeutil.h"

static const char *severity_names[] = {"", "low", "medium", "high"};

static const char *bucket_names[ALERT_BUCKETS] = {
    "b60", "b300", "b900", "b1800", "b3600", "b7200", "b14400", "b28800", "b86400", "binf",
};
static const int64_t bucket_upper[ALERT_BUCKETS] = {
    60, 300, 900, 1800, 3600, 7200, 14400, 28800, 86400, -1,
};

const char *alert_severity_name(int severity)
{
    return severity >= ALERT_LOW && severity <= ALERT_HIGH ? severity_names[severity] : "";
}

int alert_severity_from_name(const char *name)
{
    for (int i = ALERT_LOW; i <= ALERT_HIGH; i++)
        if (name && strcmp(name, severity_names[i]) == 0)
            return i;
    return 0;
}

const char *alert_bucket_name(int i)
{
    return i >= 0 && i < ALERT_BUCKETS ? bucket_names[i] : "";
}

int64_t alert_bucket_upper(int i)
{
    return i >= 0 && i < ALERT_BUCKETS ? bucket_upper[i] : -1;
}

int alert_bucket_of(int64_t seconds)
{
    for (int i = 0; i < ALERT_BUCKETS - 1; i++)
        if (seconds <= bucket_upper[i])
            return i;
    return ALERT_BUCKETS - 1;
}

#define COLUMNS                                                                                    \
    "a.id, a.rule, a.severity, a.grid_code, COALESCE(a.person_id, 0), COALESCE(p.name, ''),"       \
    " COALESCE(a.household_id, 0), COALESCE(a.source, ''), a.title_zh, a.title_en, a.status,"      \
    " a.raised_at, a.raised_unix, COALESCE(a.ack_by, ''), COALESCE(a.ack_at, ''),"                 \
    " COALESCE(a.ack_seconds, -1), COALESCE(a.resolved_by, ''), COALESCE(a.resolved_at, ''),"      \
    " COALESCE(a.resolve_seconds, -1), COALESCE(a.note, ''), COALESCE(p.grid_code, ''),"           \
    " COALESCE(ua.display_name, ''), COALESCE(ua.scope, ''), COALESCE(ur.display_name, ''),"       \
    " COALESCE(ur.scope, '')"

/* The persons and the users (for their display names) of COLUMNS. */
#define JOINS                                                                                      \
    " LEFT JOIN persons p ON p.id = a.person_id"                                                   \
    " LEFT JOIN users ua ON ua.username = a.ack_by"                                                \
    " LEFT JOIN users ur ON ur.username = a.resolved_by"

static void fill(struct store_stmt *st, void *out)
{
    struct alert *a = out;
    memset(a, 0, sizeof *a);
    a->id = store_column_int64(st, 0);
    snprintf(a->rule, sizeof a->rule, "%s", store_column_text(st, 1));
    a->severity = alert_severity_from_name(store_column_text(st, 2));
    snprintf(a->grid_code, sizeof a->grid_code, "%s", store_column_text(st, 3));
    a->person_id = store_column_int64(st, 4);
    snprintf(a->person_name, sizeof a->person_name, "%s", store_column_text(st, 5));
    a->household_id = store_column_int64(st, 6);
    snprintf(a->source, sizeof a->source, "%s", store_column_text(st, 7));
    snprintf(a->title_zh, sizeof a->title_zh, "%s", store_column_text(st, 8));
    snprintf(a->title_en, sizeof a->title_en, "%s", store_column_text(st, 9));
    snprintf(a->status, sizeof a->status, "%s", store_column_text(st, 10));
    snprintf(a->raised_at, sizeof a->raised_at, "%s", store_column_text(st, 11));
    a->raised_unix = store_column_int64(st, 12);
    snprintf(a->ack_by, sizeof a->ack_by, "%s", store_column_text(st, 13));
    snprintf(a->ack_at, sizeof a->ack_at, "%s", store_column_text(st, 14));
    a->ack_seconds = store_column_int64(st, 15);
    snprintf(a->resolved_by, sizeof a->resolved_by, "%s", store_column_text(st, 16));
    snprintf(a->resolved_at, sizeof a->resolved_at, "%s", store_column_text(st, 17));
    a->resolve_seconds = store_column_int64(st, 18);
    snprintf(a->note, sizeof a->note, "%s", store_column_text(st, 19));
    snprintf(a->person_grid, sizeof a->person_grid, "%s", store_column_text(st, 20));
    snprintf(a->ack_by_name, sizeof a->ack_by_name, "%s", store_column_text(st, 21));
    snprintf(a->ack_by_scope, sizeof a->ack_by_scope, "%s", store_column_text(st, 22));
    snprintf(a->resolved_by_name, sizeof a->resolved_by_name, "%s", store_column_text(st, 23));
    snprintf(a->resolved_by_scope, sizeof a->resolved_by_scope, "%s", store_column_text(st, 24));
}

/* 1 if a user of scope "user" is one the reader of "scope" may know: below
 * or above it (as GET /leaders/{user}/regions: neither is a missing one). */
static int user_visible(const char *user, const char *scope)
{
    return region_in_scope(user, scope) || region_in_scope(scope, user);
}

/* An alert lives in its grid, but the person it concerns may live outside
 * the reader's jurisdiction (a traveller stopped at a checkpoint): outside it
 * the person does not exist for the reader (ref.h), so neither id nor name
 * is shown.  "scope" "" = everything. */
static void hide_person(struct alert *a, const char *scope)
{
    if (a->person_id && !region_in_scope(a->person_grid, scope)) {
        a->person_id = 0;
        a->person_name[0] = '\0';
        a->person_grid[0] = '\0';
    }
    /* Whoever handled an alert of the reader's region holds a scope on the
     * reader's line, unless moved since: then only the recorded username. */
    if (!user_visible(a->ack_by_scope, scope))
        a->ack_by_name[0] = '\0';
    if (!user_visible(a->resolved_by_scope, scope))
        a->resolved_by_name[0] = '\0';
}

static json_t *opt_id(int64_t v)
{
    return v > 0 ? json_integer(v) : json_null();
}

static json_t *opt_text(const char *s)
{
    return *s ? json_string(s) : json_null();
}

static json_t *opt_seconds(int64_t v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

json_t *alert_json_new(const struct alert *a)
{
    json_t *j = json_pack(
        "{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s, s:s, s:s}", "id", (json_int_t)a->id,
        "rule", a->rule, "severity", alert_severity_name(a->severity), "grid_code", a->grid_code,
        "person_id", opt_id(a->person_id), "person_name", opt_text(a->person_name), "household_id",
        opt_id(a->household_id), "source", opt_text(a->source), "title_zh", a->title_zh, "title_en",
        a->title_en, "status", a->status, "raised_at", a->raised_at);
    json_object_set_new(j, "ack_by", opt_text(a->ack_by));
    json_object_set_new(j, "ack_by_name", opt_text(a->ack_by_name));
    json_object_set_new(j, "ack_at", opt_text(a->ack_at));
    json_object_set_new(j, "ack_seconds", opt_seconds(a->ack_seconds));
    json_object_set_new(j, "resolved_by", opt_text(a->resolved_by));
    json_object_set_new(j, "resolved_by_name", opt_text(a->resolved_by_name));
    json_object_set_new(j, "resolved_at", opt_text(a->resolved_at));
    json_object_set_new(j, "resolve_seconds", opt_seconds(a->resolve_seconds));
    json_object_set_new(j, "note", opt_text(a->note));
    return j;
}

/* Reads one alert by id (any region when scope is ""). */
static int get(struct store *s, const char *scope, int64_t id, struct alert *out,
               struct ep_error *err)
{
    return ref_get_one(s,
                       "SELECT " COLUMNS " FROM alerts a" JOINS
                       " WHERE a.id = ? AND a.grid_code >= ? AND a.grid_code < ?",
                       NULL, scope, REF_ALERT, id, fill, out, err);
}

int alert_get(struct store *s, const char *scope, int64_t id, struct alert *out,
              struct ep_error *err)
{
    int rc = get(s, scope, id, out, err);
    if (rc == 0)
        hide_person(out, scope);
    return rc;
}

/* Publishes "type" with the alert's current state. */
static int publish(struct store *s, const char *type, int64_t id, struct ep_error *err)
{
    struct alert a;
    int rc = get(s, "", id, &a, err);
    if (rc != 0)
        return rc;
    json_t *payload = alert_json_new(&a);
    /* Streams are open to every role of the region: the person's name is
     * for those who may read the registry (GET /api/v1/alerts). */
    json_object_del(payload, "person_name");
    rc = event_publish(s, a.grid_code, type, payload, NULL, err);
    json_decref(payload);
    return rc;
}

int alert_raise_step(struct write *w, const struct alert_input *in, int64_t *id_out)
{
    *id_out = 0;
    if (!write_ok(w))
        return w->rc;
    struct store *s = w->s;
    struct ep_error *err = w->err;
    if (!in->rule || !*in->rule || strlen(in->rule) >= ALERT_RULE_MAX ||
        !alert_severity_name(in->severity)[0] || !in->grid_code ||
        region_level_of_code(in->grid_code) != REGION_GRID || !in->dedup_key || !*in->dedup_key ||
        !in->title_zh || !in->title_en)
        return write_fail(w, ep_error_set(err, EP_EINTERNAL, "预警参数无效(规则 %s)",
                                          "invalid alert (rule %s)", in->rule ? in->rule : "?"));
    struct store_stmt *st = store_prepare(s, "SELECT id FROM alerts WHERE dedup_key = ?", err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_text(st, 1, in->dedup_key);
    int rc = store_step(st, err);
    if (rc == STORE_ROW)
        *id_out = store_column_int64(st, 0);
    store_stmt_reset(st);
    if (rc < 0)
        return write_fail(w, rc);
    if (*id_out)
        return 0; /* raised before: one alert per key */

    int64_t now = in->raised_unix > 0 ? in->raised_unix : (int64_t)time(NULL);
    char at[32], day[11];
    time_iso_from_unix((time_t)now, at);
    memcpy(day, at, 10);
    day[10] = '\0';
    const char *severity = alert_severity_name(in->severity);
    st = store_prepare(s,
                       "INSERT INTO alerts (rule, severity, grid_code, person_id, household_id,"
                       " source, dedup_key, title_zh, title_en, status, raised_at, raised_unix,"
                       " raised_day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?)",
                       err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_text(st, 1, in->rule);
    store_bind_text(st, 2, severity);
    store_bind_text(st, 3, in->grid_code);
    if (in->person_id > 0)
        store_bind_int64(st, 4, in->person_id);
    if (in->household_id > 0)
        store_bind_int64(st, 5, in->household_id);
    store_bind_text(st, 6, in->source);
    store_bind_text(st, 7, in->dedup_key);
    store_bind_text(st, 8, in->title_zh);
    store_bind_text(st, 9, in->title_en);
    store_bind_text(st, 10, at);
    store_bind_int64(st, 11, now);
    store_bind_text(st, 12, day);
    if ((rc = store_run(st, err)) != 0)
        return write_fail(w, rc);
    int64_t id = store_last_insert_id(s);
    char metric[64];
    snprintf(metric, sizeof metric, "alerts_open.%s", severity);
    write_count(w, in->grid_code, metric, 1);
    snprintf(metric, sizeof metric, "alerts_raised.%s", day);
    if (write_count(w, in->grid_code, metric, 1) != 0)
        return w->rc;
    if ((rc = publish(s, "alert.raised", id, err)) != 0)
        return write_fail(w, rc);
    *id_out = id;
    return 0;
}

int alert_raise(struct store *s, const struct alert_input *in, int64_t *id_out,
                struct ep_error *err)
{
    struct auth_user system;
    struct actor who;
    audit_cli_actor(&system, &who);
    struct write w;
    *id_out = 0;
    int rc = write_begin(&w, s, &who, NULL, NULL, NULL, err);
    if (rc != 0)
        return rc;
    alert_raise_step(&w, in, id_out);
    return write_end(&w, *id_out);
}

/* Seconds from raising to "now", never negative (an alert raised by a
 * simulated sweep may carry a later moment than the wall clock). */
static int64_t elapsed(const struct alert *a, int64_t now)
{
    return now > a->raised_unix ? now - a->raised_unix : 0;
}

/* Counts one alert raised on a's day into "<family>.<day>.<bucket>". */
static int count_hist(struct write *w, const struct alert *a, const char *family, int64_t seconds)
{
    char day[11], metric[64];
    time_iso_from_unix((time_t)a->raised_unix, metric);
    memcpy(day, metric, 10);
    day[10] = '\0';
    snprintf(metric, sizeof metric, "%s.%s.%s", family, day,
             alert_bucket_name(alert_bucket_of(seconds)));
    return write_count(w, a->grid_code, metric, 1);
}

static int audit_change(struct write *w, const char *action, const struct alert *before)
{
    struct alert after;
    if (!write_ok(w))
        return w->rc;
    int rc = get(w->s, "", before->id, &after, w->err);
    if (rc != 0)
        return write_fail(w, rc);
    return write_audit_new(w, action, "alert", before->id, after.grid_code,
                           json_pack("{s:s}", "status", before->status),
                           json_pack("{s:s, s:o, s:o, s:o}", "status", after.status, "ack_seconds",
                                     opt_seconds(after.ack_seconds), "resolve_seconds",
                                     opt_seconds(after.resolve_seconds), "note",
                                     opt_text(after.note)));
}

/* Opens the write of a change to alert "id": the alert must be visible to
 * who (404 like a missing one otherwise); "out" receives it. */
static int change_begin(struct write *w, struct store *s, const struct actor *who, int64_t id,
                        struct alert *out, struct ep_error *err)
{
    int rc = write_begin(w, s, who, NULL, NULL, NULL, err);
    if (rc != 0)
        return rc;
    if (write_target(w, REF_ALERT, id, NULL) == 0 && (rc = get(s, "", id, out, err)) != 0)
        write_fail(w, rc);
    return w->rc;
}

/* Runs "rc" (a store call's result) into the write. */
static int step(struct write *w, int rc)
{
    return rc ? write_fail(w, rc < 0 ? rc : -EP_EINTERNAL) : w->rc;
}

int alert_acknowledge(struct store *s, const struct actor *who, int64_t id, int64_t now_unix,
                      struct alert *out, struct ep_error *err)
{
    struct write w;
    struct alert a;
    if (change_begin(&w, s, who, id, &a, err) != 0)
        return write_end(&w, 0);
    if (strcmp(a.status, "open") != 0) {
        if (strcmp(a.status, "acknowledged") == 0)
            write_fail(&w, ep_error_set(err, EP_ECONFLICT, "预警 %lld 已由 %s 于 %s 确认",
                                        "alert %lld was already acknowledged by %s at %s",
                                        (long long)id, a.ack_by, a.ack_at));
        else
            write_fail(&w, ep_error_set(err, EP_ECONFLICT, "预警 %lld 已处置完毕(%s %s)",
                                        "alert %lld is already resolved (%s %s)", (long long)id,
                                        a.resolved_by, a.resolved_at));
        return write_end(&w, 0);
    }
    int64_t now = now_unix > 0 ? now_unix : (int64_t)time(NULL);
    int64_t seconds = elapsed(&a, now);
    char at[32];
    time_iso_from_unix((time_t)now, at);
    struct store_stmt *st = store_prepare(s,
                                          "UPDATE alerts SET status = 'acknowledged', ack_by = ?,"
                                          " ack_at = ?, ack_seconds = ? WHERE id = ?",
                                          err);
    if (!st) {
        write_fail(&w, -EP_EINTERNAL);
        return write_end(&w, 0);
    }
    store_bind_text(st, 1, who->user->username);
    store_bind_text(st, 2, at);
    store_bind_int64(st, 3, seconds);
    store_bind_int64(st, 4, id);
    if (step(&w, store_run(st, err)) == 0 && count_hist(&w, &a, "ack_hist", seconds) == 0 &&
        audit_change(&w, "acknowledge", &a) == 0 &&
        step(&w, publish(s, "alert.acknowledged", id, err)) == 0)
        step(&w, alert_get(s, who->user->scope, id, out, err));
    return write_end(&w, id);
}

/* Checks a resolution note: 1-300 characters of text. */
static int check_note(const char *note, struct ep_error *err)
{
    size_t len = note ? strlen(note) : 0;
    size_t blank = note ? strspn(note, " \t\r\n") : 0;
    if (len == 0 || blank == len)
        ep_error_field(err, "note", "处置说明必填", "a note on how it was resolved is required");
    else if (!utf8_valid(note, len))
        ep_error_field(err, "note", "不是有效的 UTF-8 文本", "is not valid UTF-8 text");
    else if (utf8_length(note, len) > 300 || len >= ALERT_NOTE_MAX)
        ep_error_field(err, "note", "不能超过 300 个字", "must be at most 300 characters");
    else
        return 0;
    return -EP_EINVAL;
}

/* Resolves alert "a" (not yet resolved) at "now" with "note", as steps of
 * "w": the row, the histograms, the open counter, the audit row and the
 * event. */
static int resolve_step(struct write *w, const struct alert *a, const char *note, int64_t now)
{
    if (!write_ok(w))
        return w->rc;
    int64_t seconds = elapsed(a, now);
    char at[32];
    time_iso_from_unix((time_t)now, at);
    int was_open = strcmp(a->status, "open") == 0;
    const char *by = w->who->user->username;
    /* Resolving an open alert acknowledges it at the same moment: it was
     * clearly taken in hand, and the time to acknowledge must count it. */
    struct store_stmt *st =
        write_prepare(w, "UPDATE alerts SET status = 'resolved', resolved_by = ?, resolved_at = ?,"
                         " resolve_seconds = ?, note = ?, ack_by = COALESCE(ack_by, ?),"
                         " ack_at = COALESCE(ack_at, ?), ack_seconds = COALESCE(ack_seconds, ?)"
                         " WHERE id = ?");
    if (!st)
        return w->rc;
    store_bind_text(st, 1, by);
    store_bind_text(st, 2, at);
    store_bind_int64(st, 3, seconds);
    store_bind_text(st, 4, note);
    store_bind_text(st, 5, by);
    store_bind_text(st, 6, at);
    store_bind_int64(st, 7, seconds);
    store_bind_int64(st, 8, a->id);
    if (step(w, store_run(st, w->err)) != 0)
        return w->rc;
    if (was_open)
        count_hist(w, a, "ack_hist", seconds);
    char metric[64];
    snprintf(metric, sizeof metric, "alerts_open.%s", alert_severity_name(a->severity));
    count_hist(w, a, "resolve_hist", seconds);
    write_count(w, a->grid_code, metric, -1);
    if (audit_change(w, "resolve", a) == 0)
        step(w, publish(w->s, "alert.resolved", a->id, w->err));
    return w->rc;
}

int alert_resolve(struct store *s, const struct actor *who, int64_t id, const char *note,
                  int64_t now_unix, struct alert *out, struct ep_error *err)
{
    if (check_note(note, err) != 0)
        return -EP_EINVAL;
    struct write w;
    struct alert a;
    if (change_begin(&w, s, who, id, &a, err) != 0)
        return write_end(&w, 0);
    if (strcmp(a.status, "resolved") == 0) {
        write_fail(&w, ep_error_set(err, EP_ECONFLICT, "预警 %lld 已由 %s 于 %s 处置完毕",
                                    "alert %lld was already resolved by %s at %s", (long long)id,
                                    a.resolved_by, a.resolved_at));
        return write_end(&w, 0);
    }
    int64_t now = now_unix > 0 ? now_unix : (int64_t)time(NULL);
    if (resolve_step(&w, &a, note, now) == 0)
        step(&w, alert_get(s, who->user->scope, id, out, err));
    return write_end(&w, id);
}

int alert_resolve_key_step(struct write *w, const char *dedup_key, const char *note, int64_t now)
{
    if (!write_ok(w))
        return w->rc;
    struct store_stmt *st =
        write_prepare(w, "SELECT id FROM alerts WHERE dedup_key = ? AND status <> 'resolved'");
    if (!st)
        return w->rc;
    store_bind_text(st, 1, dedup_key);
    int rc = store_step(st, w->err);
    int64_t id = rc == STORE_ROW ? store_column_int64(st, 0) : 0;
    store_stmt_reset(st);
    if (rc < 0)
        return write_fail(w, rc);
    struct alert a;
    if (!id || step(w, get(w->s, "", id, &a, w->err)) != 0)
        return w->rc;
    return resolve_step(w, &a, note, now > 0 ? now : w->now_unix);
}

int alert_list(struct store *s, const struct alert_filter *f, alert_fn fn, void *ctx,
               struct ep_error *err)
{
    char lower[REGION_CODE_MAX], upper[REGION_CODE_MAX];
    if (!region_narrow(f->scope, f->region, lower))
        return 0;
    region_code_range(lower, upper);
    /* Newest first.  For a city or a county the region holds a large share
     * of all alerts: walking the primary key backwards and keeping the rows
     * in range stops after about "limit" rows (the "+" keeps SQLite off the
     * grid index, which would collect the whole region and sort it: 130 ms
     * for a city of 21,000 alerts).  Below a county the region is a small
     * share, and the grid index finds its few rows directly. */
    struct store_stmt *st;
    if (region_level_of_code(lower) <= REGION_COUNTY)
        st = store_prepare(
            s,
            "SELECT " COLUMNS " FROM alerts a" JOINS
            " WHERE +a.grid_code >= ? AND +a.grid_code < ? AND a.id < ?"
            " AND (? IS NULL OR a.status = ? OR (? = 'unresolved' AND a.status <> 'resolved'))"
            " AND (? IS NULL OR a.severity = ?) AND (? IS NULL OR a.rule = ?)"
            " AND (? = 0 OR a.person_id = ?)"
            " ORDER BY a.id DESC LIMIT ?",
            err);
    else
        st = store_prepare(
            s,
            "SELECT " COLUMNS " FROM alerts a" JOINS
            " WHERE a.grid_code >= ? AND a.grid_code < ? AND a.id < ?"
            " AND (? IS NULL OR a.status = ? OR (? = 'unresolved' AND a.status <> 'resolved'))"
            " AND (? IS NULL OR a.severity = ?) AND (? IS NULL OR a.rule = ?)"
            " AND (? = 0 OR a.person_id = ?)"
            " ORDER BY a.id DESC LIMIT ?",
            err);
    if (!st)
        return -EP_EINTERNAL;
    const char *severity = f->severity ? alert_severity_name(f->severity) : NULL;
    const char *status = f->status && *f->status ? f->status : NULL;
    const char *rule = f->rule && *f->rule ? f->rule : NULL;
    store_bind_text(st, 1, lower);
    store_bind_text(st, 2, upper);
    store_bind_int64(st, 3, f->before_id > 0 ? f->before_id : INT64_MAX);
    store_bind_text_twice(st, 4, status);
    store_bind_text(st, 6, status);
    store_bind_text_twice(st, 7, severity);
    store_bind_text_twice(st, 9, rule);
    store_bind_int64_twice(st, 11, f->person_id);
    store_bind_int64(st, 13, f->limit > 0 ? f->limit : INT64_MAX);
    int rc;
    struct alert a;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        fill(st, &a);
        hide_person(&a, f->scope);
        if ((rc = fn(&a, ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc;
}

/* Bucket index holding rank ceil(q * count), or -1 when count is 0. */
static int rank_bucket(const struct alert_timeliness_part *p, int percent)
{
    if (p->count <= 0)
        return -1;
    int64_t rank = (p->count * percent + 99) / 100;
    if (rank < 1)
        rank = 1;
    int64_t seen = 0;
    for (int i = 0; i < ALERT_BUCKETS; i++) {
        seen += p->hist[i];
        if (seen >= rank)
            return i;
    }
    return ALERT_BUCKETS - 1;
}

static int read_part(struct store *s, const char *code, const char *family, const char *date,
                     struct alert_timeliness_part *p, struct ep_error *err)
{
    memset(p, 0, sizeof *p);
    for (int i = 0; i < ALERT_BUCKETS; i++) {
        char metric[64];
        snprintf(metric, sizeof metric, "%s.%s.%s", family, date, bucket_names[i]);
        int rc = counter_get(s, code, metric, &p->hist[i], err);
        if (rc != 0)
            return rc;
        p->count += p->hist[i];
    }
    p->median_bucket = rank_bucket(p, 50);
    p->p90_bucket = rank_bucket(p, 90);
    return 0;
}

int alert_timeliness_get(struct store *s, const char *code, const char *date,
                         struct alert_timeliness *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    char metric[64];
    snprintf(metric, sizeof metric, "alerts_raised.%s", date);
    int rc = counter_get(s, code, metric, &out->raised, err);
    if (rc == 0)
        rc = read_part(s, code, "ack_hist", date, &out->ack, err);
    if (rc == 0)
        rc = read_part(s, code, "resolve_hist", date, &out->resolve, err);
    return rc;
}

/* The bucket of a seconds column as SQL, matching alert_bucket_of(). */
#define BUCKET_SQL(col)                                                                            \
    "CASE WHEN " col " <= 60 THEN 'b60' WHEN " col " <= 300 THEN 'b300'"                           \
    " WHEN " col " <= 900 THEN 'b900' WHEN " col " <= 1800 THEN 'b1800'"                           \
    " WHEN " col " <= 3600 THEN 'b3600' WHEN " col " <= 7200 THEN 'b7200'"                         \
    " WHEN " col " <= 14400 THEN 'b14400' WHEN " col " <= 28800 THEN 'b28800'"                     \
    " WHEN " col " <= 86400 THEN 'b86400' ELSE 'binf' END"

int alert_counters_rebuild(struct store *s, struct ep_error *err)
{
    int rc = counter_rebuild_family(s, "alerts_open.",
                                    "SELECT grid_code, 'alerts_open.' || severity, count(*)"
                                    " FROM alerts WHERE status <> 'resolved' GROUP BY 1, 2",
                                    err);
    if (rc == 0)
        rc = counter_rebuild_family(s, "alerts_raised.",
                                    "SELECT grid_code, 'alerts_raised.' || raised_day, count(*)"
                                    " FROM alerts GROUP BY 1, 2",
                                    err);
    if (rc == 0)
        rc = counter_rebuild_family(
            s, "ack_hist.",
            "SELECT grid_code, 'ack_hist.' || raised_day || '.' || " BUCKET_SQL(
                "ack_seconds") ", count(*) FROM alerts WHERE ack_seconds IS NOT NULL GROUP BY 1, 2",
            err);
    if (rc == 0)
        rc = counter_rebuild_family(
            s, "resolve_hist.",
            "SELECT grid_code, 'resolve_hist.' || raised_day || '.' || " BUCKET_SQL(
                "resolve_seconds") ", count(*) FROM alerts WHERE resolve_seconds IS NOT NULL"
                                   " GROUP BY 1, 2",
            err);
    return rc;
}
