/*
 * roster.c -- duty places, shifts, the 24-hour cover check, attendance and
 * service hours (see roster.h).
 */
#include "core/roster.h"
#include "core/ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/counter.h"
#include "core/org.h"
#include "core/region.h"
#include "core/write.h"
#include "util/text.h"
#include "util/timeutil.h"

#define DAY_SECONDS       86400
#define CLOCK_SKEW_S      300
#define CHECKIN_EARLY_S   (2 * 3600)
#define ROSTER_DAY_SHIFTS 1000 /* shifts of one place read for a day's cover */

/* ---- the pure part ------------------------------------------------------------- */

static int by_start(const void *a, const void *b)
{
    const struct roster_interval *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

int roster_gaps(const struct roster_interval *shifts, int n, int64_t from, int64_t to,
                struct roster_interval *gaps, int max)
{
    struct roster_interval *c = calloc((size_t)n + 1, sizeof *c);
    if (!c)
        abort();
    int m = 0;
    for (int i = 0; i < n; i++) {
        int64_t a = shifts[i].start > from ? shifts[i].start : from;
        int64_t b = shifts[i].end < to ? shifts[i].end : to;
        if (a < b)
            c[m++] = (struct roster_interval){a, b};
    }
    qsort(c, (size_t)m, sizeof *c, by_start);
    int count = 0;
    int64_t covered_to = from; /* everything before this is covered or reported */
    for (int i = 0; i <= m; i++) {
        int64_t next = i < m ? c[i].start : to;
        if (next > covered_to) {
            if (count < max)
                gaps[count] = (struct roster_interval){covered_to, next};
            count++;
        }
        if (i < m && c[i].end > covered_to)
            covered_to = c[i].end;
    }
    free(c);
    return count;
}

static json_t *iso_json(int64_t t)
{
    char iso[32];
    time_iso_from_unix((time_t)t, iso);
    return json_string(iso);
}

/* ---- places -------------------------------------------------------------------- */

const char *const roster_place_kinds[] = {"checkpoint", "grid", "hospital", "site", NULL};

static json_t *place_row(struct store_stmt *st)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)store_column_int64(st, 0),
                     "name", store_column_text(st, 1), "kind", store_column_text(st, 2),
                     "region_code", store_column_text(st, 3), "created_by",
                     store_column_text(st, 4), "created_at", store_column_text(st, 5));
}

int roster_place_get(struct store *s, const char *scope, int64_t id, json_t **out, char *region_out,
                     struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT id, name, kind, region_code, created_by, created_at FROM duty_places"
                      " WHERE id = ? AND region_code >= ? AND region_code < ?",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    region_bind_range(st, 2, scope);
    int rc = ref_step_one(st, REF_DUTY_PLACE, id, err);
    if (rc == 0 && out)
        *out = place_row(st);
    if (rc == 0 && region_out)
        snprintf(region_out, REGION_CODE_MAX, "%s", store_column_text(st, 3));
    store_stmt_reset(st);
    return rc;
}

int roster_place_insert(struct write *w, const char *name, const char *kind,
                        const char *region_code, int64_t *id_out)
{
    struct ep_error *err = w->err;
    text_check(name, "name", ORG_NAME_CHARS, TEXT_REQUIRED, err);
    int known = text_in_list(kind, roster_place_kinds);
    if (!known)
        ep_error_field(err, "kind",
                       "应为 checkpoint(卡口)、grid(网格)、hospital(医院)或 site(站点)",
                       "must be checkpoint, grid, hospital or site");
    struct region r;
    if (write_region(w, region_code, 0, "region_code", &r) == 1 && known &&
        (!strcmp(kind, "grid") || !strcmp(kind, "checkpoint")) && r.level != REGION_GRID)
        ep_error_field(err, "region_code", "应为网格(15 位)", "must be a grid (15 digits)");
    if (write_check(w) != 0)
        return w->rc;
    struct store_stmt *st = store_prepare(w->s,
                                          "INSERT INTO duty_places (name, kind, region_code,"
                                          " created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                                          err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    char now[32];
    time_now_iso(now);
    store_bind_text(st, 1, name);
    store_bind_text(st, 2, kind);
    store_bind_text(st, 3, region_code);
    store_bind_text(st, 4, w->who->user->username);
    store_bind_text(st, 5, now);
    if (write_fail(w, store_run(st, err)) == 0)
        *id_out = store_last_insert_id(w->s);
    return w->rc;
}

int roster_place_create(struct store *s, const struct actor *who, const char *name,
                        const char *kind, const char *region_code, json_t **out,
                        struct ep_error *err)
{
    *out = NULL;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    int64_t id = 0;
    if (roster_place_insert(&w, name, kind, region_code, &id) == 0 &&
        write_fail(&w, roster_place_get(s, "", id, out, NULL, err)) == 0)
        write_audit(&w, "create", "duty_place", id, region_code, NULL, *out);
    return write_end_json(&w, id, out);
}

int roster_place_list(struct store *s, const char *scope, const char *region, const char *kind,
                      int64_t after_id, int limit, json_t *items, struct ep_error *err)
{
    char lower[REGION_CODE_MAX];
    if (!region_narrow(scope, region, lower))
        return 0;
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT id, name, kind, region_code, created_by, created_at FROM duty_places"
                      " WHERE region_code >= ? AND region_code < ? AND id > ?"
                      " AND (? = '' OR kind = ?) ORDER BY id LIMIT ?",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, lower);
    store_bind_int64(st, 3, after_id);
    store_bind_text_twice(st, 4, kind ? kind : "");
    store_bind_int64(st, 6, limit > 0 ? limit : INT64_MAX);
    return ref_rows_json(st, place_row, items, err);
}

/* ---- shifts ---------------------------------------------------------------------- */

#define SHIFT_COLUMNS                                                                              \
    "s.id, s.place_id, d.name, s.region_code, s.team_id, s.start_unix, s.end_unix, s.note,"        \
    " s.created_by, s.created_at, (SELECT name FROM teams t WHERE t.id = s.team_id)"

static json_t *shift_row(struct store *s, struct store_stmt *st, struct ep_error *err)
{
    int64_t id = store_column_int64(st, 0);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "place_id", json_integer(store_column_int64(st, 1)));
    json_object_set_new(o, "place_name", json_string(store_column_text(st, 2)));
    json_object_set_new(o, "region_code", json_string(store_column_text(st, 3)));
    json_object_set_new(o, "team_id",
                        store_column_is_null(st, 4) ? json_null()
                                                    : json_integer(store_column_int64(st, 4)));
    json_object_set_new(o, "team_name",
                        store_column_is_null(st, 10) ? json_null()
                                                     : json_string(store_column_text(st, 10)));
    json_object_set_new(o, "start", iso_json(store_column_int64(st, 5)));
    json_object_set_new(o, "end", iso_json(store_column_int64(st, 6)));
    json_object_set_new(
        o, "hours",
        json_real((double)(store_column_int64(st, 6) - store_column_int64(st, 5)) / 3600.0));
    json_object_set_new(o, "note",
                        store_column_is_null(st, 7) ? json_null()
                                                    : json_string(store_column_text(st, 7)));
    json_object_set_new(o, "created_by", json_string(store_column_text(st, 8)));
    json_object_set_new(o, "created_at", json_string(store_column_text(st, 9)));
    json_t *people = json_array();
    struct store_stmt *p =
        store_prepare(s,
                      "SELECT sp.person_id, p.name, sp.checkin_unix, sp.checkout_unix"
                      " FROM shift_people sp JOIN persons p ON p.id = sp.person_id"
                      " WHERE sp.shift_id = ? ORDER BY sp.rowid",
                      err);
    if (p) {
        store_bind_int64(p, 1, id);
        while (store_step(p, err) == STORE_ROW)
            json_array_append_new(
                people,
                json_pack(
                    "{s:I, s:s, s:o, s:o}", "person_id", (json_int_t)store_column_int64(p, 0),
                    "name", store_column_text(p, 1), "checkin_at",
                    store_column_is_null(p, 2) ? json_null() : iso_json(store_column_int64(p, 2)),
                    "checkout_at",
                    store_column_is_null(p, 3) ? json_null() : iso_json(store_column_int64(p, 3))));
        store_stmt_reset(p);
    }
    json_object_set_new(o, "people", people);
    return o;
}

int roster_shift_get(struct store *s, const char *scope, int64_t id, json_t **out,
                     struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT " SHIFT_COLUMNS " FROM shifts s JOIN duty_places d"
                      " ON d.id = s.place_id WHERE s.id = ?"
                      " AND s.region_code >= ? AND s.region_code < ?",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    region_bind_range(st, 2, scope);
    int rc = ref_step_one(st, REF_SHIFT, id, err);
    if (rc == 0)
        *out = shift_row(s, st, err);
    store_stmt_reset(st);
    return rc;
}

int roster_shift_list(struct store *s, const struct roster_shift_filter *f, json_t *items,
                      struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT " SHIFT_COLUMNS " FROM shifts s JOIN duty_places d"
                      " ON d.id = s.place_id WHERE s.region_code >= ? AND s.region_code < ?"
                      " AND (? = 0 OR s.place_id = ?) AND (? = 0 OR s.team_id = ?)"
                      " AND s.start_unix < ? AND s.end_unix > ?"
                      " AND (? = 0 OR s.start_unix > ? OR (s.start_unix = ? AND s.id > ?))"
                      " ORDER BY s.start_unix, s.id LIMIT ?",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    int64_t from = f->day >= 0 ? f->day * DAY_SECONDS - TIME_CN_OFFSET_SECONDS : INT64_MIN;
    int64_t to = f->day >= 0 ? from + DAY_SECONDS : INT64_MAX;
    region_bind_range(st, 1, f->scope);
    store_bind_int64_twice(st, 3, f->place_id);
    store_bind_int64_twice(st, 5, f->team_id);
    store_bind_int64(st, 7, to);
    store_bind_int64(st, 8, from);
    store_bind_int64(st, 9, f->after_id);
    store_bind_int64_twice(st, 10, f->after_start);
    store_bind_int64(st, 12, f->after_id);
    store_bind_int64(st, 13, f->limit > 0 ? f->limit : INT64_MAX);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items, shift_row(s, st, err));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

int roster_shift_create(struct store *s, const struct actor *who,
                        const struct roster_shift_input *in, json_t **out, struct ep_error *err)
{
    *out = NULL;
    int64_t start = 0, end = 0;
    int times_ok = 1;
    if (in->place_id <= 0)
        ep_error_field(err, "place_id", "必填,应为正整数", "is required: a positive integer");
    if (!in->start || time_iso_parse(in->start, &start) != 0) {
        times_ok = 0;
        ep_error_field(err, "start", "应为带时区的时间,如 2020-01-28T08:00:00+08:00",
                       "must be a time with offset, e.g. 2020-01-28T08:00:00+08:00");
    }
    if (!in->end || time_iso_parse(in->end, &end) != 0) {
        times_ok = 0;
        ep_error_field(err, "end", "应为带时区的时间,如 2020-01-28T20:00:00+08:00",
                       "must be a time with offset, e.g. 2020-01-28T20:00:00+08:00");
    }
    if (times_ok && end <= start)
        ep_error_field(err, "end", "应晚于开始时间", "must be after start");
    else if (times_ok && end - start > ROSTER_SHIFT_MAX_S)
        ep_error_field(err, "end", "班次不能超过 48 小时", "a shift must not exceed 48 hours");
    if (in->npersons < 1 || in->npersons > ROSTER_PEOPLE_MAX)
        ep_error_field(err, "person_ids", "应有 1 到 %d 人", "must list 1 to %d persons",
                       ROSTER_PEOPLE_MAX);
    text_check(in->note, "note", 200, 0, err);
    if (in->team_id < 0)
        ep_error_field(err, "team_id", "应为正整数", "must be a positive integer");
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    char region[REGION_CODE_MAX] = "";
    int64_t id = 0;
    if (in->place_id > 0)
        write_ref(&w, REF_DUTY_PLACE, in->place_id, "place_id", region);
    if (in->team_id > 0)
        write_ref(&w, REF_TEAM, in->team_id, "team_id", NULL);
    write_ref_list(&w, REF_PERSON, in->person_ids,
                   in->npersons > ROSTER_PEOPLE_MAX ? 0 : in->npersons, "person_ids");
    if (write_check(&w) != 0)
        goto out;
    struct store_stmt *st = store_prepare(
        s,
        "INSERT INTO shifts (place_id, region_code, team_id, start_unix, end_unix, start_at,"
        " end_at, note, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        err);
    if (!st) {
        write_fail(&w, -EP_EINTERNAL);
        goto out;
    }
    char start_iso[32], end_iso[32], now[32];
    time_iso_from_unix((time_t)start, start_iso);
    time_iso_from_unix((time_t)end, end_iso);
    time_now_iso(now);
    store_bind_int64(st, 1, in->place_id);
    store_bind_text(st, 2, region);
    if (in->team_id > 0)
        store_bind_int64(st, 3, in->team_id);
    else
        store_bind_null(st, 3);
    store_bind_int64(st, 4, start);
    store_bind_int64(st, 5, end);
    store_bind_text(st, 6, start_iso);
    store_bind_text(st, 7, end_iso);
    store_bind_text(st, 8, in->note && *in->note ? in->note : NULL);
    store_bind_text(st, 9, who->user->username);
    store_bind_text(st, 10, now);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    id = store_last_insert_id(s);
    st = write_prepare(&w, "INSERT INTO shift_people (shift_id, person_id) VALUES (?, ?)");
    if (!st)
        goto out;
    for (int i = 0; i < in->npersons && write_ok(&w); i++) {
        store_bind_int64(st, 1, id);
        store_bind_int64(st, 2, in->person_ids[i]);
        write_fail(&w, store_run(st, err));
    }
    if (write_ok(&w) && write_fail(&w, roster_shift_get(s, "", id, out, err)) == 0)
        write_audit(&w, "create", "shift", id, region, NULL, *out);
out:
    return write_end_json(&w, id, out);
}

int roster_day_gaps(struct store *s, const char *scope, int64_t place_id, int64_t day, json_t **out,
                    struct ep_error *err)
{
    json_t *place = NULL;
    int rc = roster_place_get(s, scope, place_id, &place, NULL, err);
    if (rc != 0)
        return rc;
    int64_t from = day * DAY_SECONDS - TIME_CN_OFFSET_SECONDS, to = from + DAY_SECONDS;
    struct store_stmt *st = store_prepare(s,
                                          "SELECT start_unix, end_unix FROM shifts"
                                          " WHERE place_id = ? AND start_unix >= ?"
                                          " AND start_unix < ? AND end_unix > ?"
                                          " ORDER BY start_unix LIMIT ?",
                                          err);
    if (!st) {
        json_decref(place);
        return -EP_EINTERNAL;
    }
    struct roster_interval *shifts = calloc(ROSTER_DAY_SHIFTS, sizeof *shifts);
    struct roster_interval gaps[64];
    if (!shifts)
        abort();
    int n = 0;
    store_bind_int64(st, 1, place_id);
    store_bind_int64(st, 2, from - ROSTER_SHIFT_MAX_S); /* no shift is longer */
    store_bind_int64(st, 3, to);
    store_bind_int64(st, 4, from);
    store_bind_int64(st, 5, ROSTER_DAY_SHIFTS);
    while ((rc = store_step(st, err)) == STORE_ROW)
        shifts[n++] =
            (struct roster_interval){store_column_int64(st, 0), store_column_int64(st, 1)};
    store_stmt_reset(st);
    if (rc < 0) {
        free(shifts);
        json_decref(place);
        return rc;
    }
    int ngaps = roster_gaps(shifts, n, from, to, gaps, 64);
    free(shifts);
    json_t *list = json_array();
    int64_t uncovered = 0;
    for (int i = 0; i < ngaps && i < 64; i++) {
        uncovered += gaps[i].end - gaps[i].start;
        json_array_append_new(list, json_pack("{s:o, s:o, s:I}", "start", iso_json(gaps[i].start),
                                              "end", iso_json(gaps[i].end), "seconds",
                                              (json_int_t)(gaps[i].end - gaps[i].start)));
    }
    char date[11];
    time_date_format(day, date);
    *out = json_pack("{s:I, s:O, s:s, s:I, s:I, s:b, s:o}", "place_id", (json_int_t)place_id,
                     "place_name", json_object_get(place, "name"), "date", date, "covered_seconds",
                     (json_int_t)(DAY_SECONDS - uncovered), "uncovered_seconds",
                     (json_int_t)uncovered, "covered_24h", ngaps == 0, "gaps", list);
    json_decref(place);
    return 0;
}

int roster_day_summary(struct store *s, const char *code, int64_t day, json_t **out,
                       struct ep_error *err)
{
    int64_t from = day * DAY_SECONDS - TIME_CN_OFFSET_SECONDS, to = from + DAY_SECONDS;
    /* Distinct persons on duty that day in the region. */
    struct store_stmt *st = store_prepare(
        s,
        "SELECT COUNT(DISTINCT sp.person_id) FROM duty_places d"
        " JOIN shifts s ON s.place_id = d.id AND s.start_unix >= ? AND s.start_unix < ?"
        " AND s.end_unix > ? JOIN shift_people sp ON sp.shift_id = s.id"
        " WHERE d.region_code >= ? AND d.region_code < ?",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, from - ROSTER_SHIFT_MAX_S);
    store_bind_int64(st, 2, to);
    store_bind_int64(st, 3, from);
    region_bind_range(st, 4, code);
    int rc = store_step(st, err);
    int64_t deployed = rc == STORE_ROW ? store_column_int64(st, 0) : 0;
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    /* Each place's shifts of the day (by place, then start), and the 24 h
     * checkpoints even without any shift. */
    st = store_prepare(
        s,
        "SELECT d.id, s.start_unix, s.end_unix, (c.hours = '24h') FROM duty_places d"
        " LEFT JOIN checkpoints c ON c.place_id = d.id"
        " LEFT JOIN shifts s ON s.place_id = d.id AND s.start_unix >= ? AND s.start_unix < ?"
        " AND s.end_unix > ?"
        " WHERE d.region_code >= ? AND d.region_code < ?"
        " AND (s.id IS NOT NULL OR c.hours = '24h') ORDER BY d.id, s.start_unix",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, from - ROSTER_SHIFT_MAX_S);
    store_bind_int64(st, 2, to);
    store_bind_int64(st, 3, from);
    region_bind_range(st, 4, code);
    size_t cap = 64, n = 0;
    struct roster_interval *list = malloc(cap * sizeof *list);
    if (!list)
        abort();
    int64_t place = 0, rostered = 0, checkpoints = 0, with_gaps = 0, uncovered = 0;
    for (;;) {
        rc = store_step(st, err);
        int64_t id = rc == STORE_ROW ? store_column_int64(st, 0) : -1;
        if (id != place && place) {
            /* the previous place is complete: at most n + 1 gaps */
            struct roster_interval *gaps = malloc((n + 1) * sizeof *gaps);
            if (!gaps)
                abort();
            int ng = roster_gaps(list, (int)n, from, to, gaps, (int)n + 1);
            for (int i = 0; i < ng; i++)
                uncovered += gaps[i].end - gaps[i].start;
            with_gaps += ng > 0;
            free(gaps);
            n = 0;
        }
        if (rc != STORE_ROW)
            break;
        if (id != place) {
            place = id;
            if (store_column_int64(st, 3) == 1)
                checkpoints++;
            if (!store_column_is_null(st, 1))
                rostered++;
        }
        if (!store_column_is_null(st, 1)) {
            if (n == cap) {
                cap *= 2;
                struct roster_interval *more = realloc(list, cap * sizeof *more);
                if (!more)
                    abort();
                list = more;
            }
            list[n++] =
                (struct roster_interval){store_column_int64(st, 1), store_column_int64(st, 2)};
        }
    }
    store_stmt_reset(st);
    free(list);
    if (rc < 0)
        return rc;
    char date[11];
    time_date_format(day, date);
    *out = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "date", date, "deployed",
                     (json_int_t)deployed, "places_rostered", (json_int_t)rostered, "checkpoints",
                     (json_int_t)checkpoints, "places_with_gaps", (json_int_t)with_gaps,
                     "uncovered_seconds", (json_int_t)uncovered);
    return 0;
}

int roster_attend(struct store *s, const struct actor *who, int64_t shift_id, int64_t person_id,
                  int in, int64_t at_unix, json_t **out, struct ep_error *err)
{
    *out = NULL;
    int64_t now = (int64_t)time(NULL);
    if (at_unix == 0)
        at_unix = now;
    if (person_id <= 0)
        ep_error_field(err, "person_id", "必填,应为正整数", "is required: a positive integer");
    if (at_unix > now + CLOCK_SKEW_S)
        ep_error_field(err, "at", "不能晚于现在", "must not be in the future");
    if (err->code)
        return -err->code;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    char region[REGION_CODE_MAX] = "";
    if (write_target(&w, REF_SHIFT, shift_id, region) != 0)
        goto out;
    write_ref(&w, REF_PERSON, person_id, "person_id", NULL);
    if (write_check(&w) != 0)
        goto out;
    struct store_stmt *st =
        write_prepare(&w, "SELECT s.start_unix, s.end_unix, p.checkin_unix, p.checkout_unix,"
                          " p.shift_id FROM shifts s LEFT JOIN shift_people p"
                          " ON p.shift_id = s.id AND p.person_id = ? WHERE s.id = ?");
    if (!st)
        goto out;
    store_bind_int64(st, 1, person_id);
    store_bind_int64(st, 2, shift_id);
    int rc = store_step(st, err);
    int64_t start = 0, end = 0, checkin = 0;
    int on_shift = 0, has_in = 0, has_out = 0;
    if (rc == STORE_ROW) {
        start = store_column_int64(st, 0);
        end = store_column_int64(st, 1);
        has_in = !store_column_is_null(st, 2);
        checkin = store_column_int64(st, 2);
        has_out = !store_column_is_null(st, 3);
        on_shift = !store_column_is_null(st, 4);
    }
    store_stmt_reset(st);
    if (rc < 0) {
        write_fail(&w, rc);
        goto out;
    }
    if (!on_shift) {
        write_fail(&w, ep_error_set(err, EP_ERULE, "人员 %lld 不在班次 %lld 上",
                                    "person %lld is not on shift %lld", (long long)person_id,
                                    (long long)shift_id));
        goto out;
    }
    if (in) {
        if (has_in) {
            write_fail(&w,
                       ep_error_set(err, EP_ECONFLICT, "人员 %lld 已签到",
                                    "person %lld has already checked in", (long long)person_id));
            goto out;
        }
        if (at_unix < start - CHECKIN_EARLY_S || at_unix >= end) {
            write_fail(
                &w, ep_error_set(err, EP_ERULE, "签到时间应在班次开始前 2 小时到班次结束之间",
                                 "check-in must be between 2 hours before the start and the end"));
            goto out;
        }
    } else {
        if (!has_in) {
            write_fail(&w, ep_error_set(err, EP_ERULE, "人员 %lld 尚未签到",
                                        "person %lld has not checked in", (long long)person_id));
            goto out;
        }
        if (has_out) {
            write_fail(&w,
                       ep_error_set(err, EP_ECONFLICT, "人员 %lld 已签退",
                                    "person %lld has already checked out", (long long)person_id));
            goto out;
        }
        if (at_unix < checkin) {
            ep_error_field(err, "at", "不能早于签到时间", "must not be before the check-in");
            write_check(&w);
            goto out;
        }
    }
    st = write_prepare(&w, in ? "UPDATE shift_people SET checkin_unix = ?"
                                " WHERE shift_id = ? AND person_id = ?"
                              : "UPDATE shift_people SET checkout_unix = ?"
                                " WHERE shift_id = ? AND person_id = ?");
    if (!st)
        goto out;
    store_bind_int64(st, 1, at_unix);
    store_bind_int64(st, 2, shift_id);
    store_bind_int64(st, 3, person_id);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    int64_t minutes = in ? 0 : (at_unix - checkin) / 60;
    if (write_count(&w, region, "service_minutes", minutes) != 0 ||
        write_fail(&w, roster_shift_get(s, "", shift_id, out, err)) != 0)
        goto out;
    write_audit_new(&w, in ? "checkin" : "checkout", "shift", shift_id, region, NULL,
                    json_pack("{s:I, s:I, s:o}", "shift_id", (json_int_t)shift_id, "person_id",
                              (json_int_t)person_id, "at", iso_json(at_unix)));
out:
    return write_end_json(&w, shift_id, out);
}

int roster_service_hours(struct store *s, const char *scope, const char *kind, int64_t id,
                         json_t **out, struct ep_error *err)
{
    struct store_stmt *st;
    if (kind && strcmp(kind, "person") == 0)
        st = store_prepare(
            s,
            "SELECT COUNT(*), COALESCE(SUM((p.checkout_unix - p.checkin_unix) / 60), 0)"
            " FROM shift_people p JOIN shifts s ON s.id = p.shift_id"
            " WHERE p.person_id = ? AND p.checkout_unix IS NOT NULL"
            " AND s.region_code >= ? AND s.region_code < ?",
            err);
    else if (kind && strcmp(kind, "team") == 0)
        st = store_prepare(
            s,
            "SELECT COUNT(*), COALESCE(SUM((p.checkout_unix - p.checkin_unix) / 60), 0)"
            " FROM shift_people p JOIN shifts s ON s.id = p.shift_id"
            " WHERE s.team_id = ? AND p.checkout_unix IS NOT NULL"
            " AND s.region_code >= ? AND s.region_code < ?",
            err);
    else if (kind && strcmp(kind, "org") == 0)
        st = store_prepare(
            s,
            "SELECT COUNT(*), COALESCE(SUM((p.checkout_unix - p.checkin_unix) / 60), 0)"
            " FROM shift_people p JOIN shifts s ON s.id = p.shift_id"
            " JOIN teams t ON t.id = s.team_id"
            " WHERE t.org_id = ? AND p.checkout_unix IS NOT NULL"
            " AND s.region_code >= ? AND s.region_code < ?",
            err);
    else
        return ep_error_set(err, EP_EINTERNAL, "服务时长类别无效", "invalid service-hours kind");
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    region_bind_range(st, 2, scope);
    int rc = store_step(st, err);
    if (rc == STORE_ROW) {
        int64_t minutes = store_column_int64(st, 1);
        *out = json_pack("{s:s, s:I, s:I, s:I, s:f}", "kind", kind, "id", (json_int_t)id,
                         "attendances", (json_int_t)store_column_int64(st, 0), "minutes",
                         (json_int_t)minutes, "hours", (double)(minutes / 6) / 10.0);
        rc = 0;
    }
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}
