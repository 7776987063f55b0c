/*
 * org_activity.c -- an organisation's activities (see org.h): a branch's
 * pledge meeting (誓师大会), a meeting, a study session, a service day, each
 * dated (occurred_at: when it happened; created_at: when it was written),
 * with its head count and the registered persons among the participants.
 *
 * One write each (core/write.h): the organisation and every person named
 * are references checked against the writer's jurisdiction, the audit row
 * carries the occurred time, bad input writes nothing.
 */
#include "core/org.h"
#include "core/ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/region.h"
#include "core/write.h"
#include "util/text.h"
#include "util/timeutil.h"

const char *const org_activity_kinds[] = {"pledge", "meeting", "study", "service", "other", NULL};

#define ACTIVITY_COLUMNS                                                                           \
    "a.id, a.org_id, o.name, a.region_code, a.kind, a.title, a.place, a.note, a.participants,"     \
    " a.occurred_at, a.created_by, a.created_at"

static json_t *text_or_null(struct store_stmt *st, int col)
{
    return store_column_is_null(st, col) ? json_null() : json_string(store_column_text(st, col));
}

/* The row of "st" (ACTIVITY_COLUMNS) with its registered participants. */
static json_t *activity_row(struct store *s, struct store_stmt *st, struct ep_error *err)
{
    int64_t id = store_column_int64(st, 0);
    json_t *o =
        json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:s, s:s, s:s}", "id",
                  (json_int_t)id, "org_id", (json_int_t)store_column_int64(st, 1), "org_name",
                  store_column_text(st, 2), "region_code", store_column_text(st, 3), "kind",
                  store_column_text(st, 4), "title", store_column_text(st, 5), "place",
                  text_or_null(st, 6), "note", text_or_null(st, 7), "participants",
                  (json_int_t)store_column_int64(st, 8), "occurred_at", store_column_text(st, 9),
                  "created_by", store_column_text(st, 10), "created_at", store_column_text(st, 11));
    json_object_set_new(o, "persons",
                        org_persons_json(s,
                                         "SELECT ap.person_id, p.name FROM org_activity_persons ap"
                                         " JOIN persons p ON p.id = ap.person_id"
                                         " WHERE ap.activity_id = ? ORDER BY ap.person_id",
                                         id, err));
    return o;
}

int org_activity_get(struct store *s, const char *scope, int64_t id, json_t **out,
                     struct ep_error *err)
{
    *out = NULL;
    struct store_stmt *st = store_prepare(
        s,
        "SELECT " ACTIVITY_COLUMNS " FROM org_activities a JOIN orgs o ON o.id = a.org_id"
        " WHERE a.id = ? AND a.region_code >= ? AND a.region_code < ?",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    region_bind_range(st, 2, scope);
    int rc = store_step(st, err);
    json_t *row = NULL;
    if (rc == STORE_ROW) {
        row = activity_row(s, st, err);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = ep_error_set(err, EP_ENOTFOUND, "组织活动 %lld 不存在", "activity %lld not found",
                          (long long)id);
    }
    store_stmt_reset(st);
    *out = row;
    return rc;
}

int org_activity_list(struct store *s, const struct org_activity_filter *f, json_t *items,
                      struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s,
        "SELECT " ACTIVITY_COLUMNS " FROM org_activities a JOIN orgs o ON o.id = a.org_id"
        " WHERE a.region_code >= ? AND a.region_code < ? AND a.id < ?"
        " AND (? = 0 OR a.org_id = ?) AND (? = '' OR a.kind = ?)"
        " ORDER BY a.id DESC LIMIT ?",
        err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, f->scope);
    store_bind_int64(st, 3, f->before_id > 0 ? f->before_id : INT64_MAX);
    store_bind_int64_twice(st, 4, f->org_id > 0 ? f->org_id : 0);
    store_bind_text_twice(st, 6, f->kind ? f->kind : "");
    store_bind_int64(st, 8, f->limit > 0 ? f->limit : INT64_MAX);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items, activity_row(s, st, err));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

/* The ID numbers of activity "id"'s registered persons into "out" (heap
 * copies, at most ORG_ACTIVITY_PERSONS_MAX): their count, or negative. */
static int activity_id_numbers(struct store *s, int64_t id, char **out, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT p.id_number FROM org_activity_persons ap"
                                          " JOIN persons p ON p.id = ap.person_id"
                                          " WHERE ap.activity_id = ? ORDER BY ap.person_id",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int n = 0, rc;
    while ((rc = store_step(st, err)) == STORE_ROW && n < ORG_ACTIVITY_PERSONS_MAX)
        out[n++] = strdup(store_column_text(st, 0));
    store_stmt_reset(st);
    for (int i = 0; i < n; i++)
        if (!out[i])
            abort();
    return rc < 0 ? rc : n;
}

int org_activity_export_list(struct store *s, const char *region, org_activity_fn fn, void *ctx,
                             struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s,
        "SELECT a.id, a.org_id, a.kind, a.title, a.place, a.note, a.participants, a.occurred_at"
        " FROM org_activities a WHERE a.region_code >= ? AND a.region_code < ? ORDER BY a.id",
        err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, region);
    char *numbers[ORG_ACTIVITY_PERSONS_MAX];
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct org_activity_row row = {
            .id = store_column_int64(st, 0),
            .org_id = store_column_int64(st, 1),
            .kind = store_column_text(st, 2),
            .title = store_column_text(st, 3),
            .place = store_column_is_null(st, 4) ? NULL : store_column_text(st, 4),
            .note = store_column_is_null(st, 5) ? NULL : store_column_text(st, 5),
            .participants = store_column_int64(st, 6),
            .occurred_at = store_column_text(st, 7),
            .id_numbers = (const char *const *)numbers,
        };
        if ((rc = activity_id_numbers(s, row.id, numbers, err)) < 0)
            break;
        row.npersons = rc;
        rc = fn(&row, ctx);
        for (int i = 0; i < row.npersons; i++)
            free(numbers[i]);
        if (rc != 0)
            break;
    }
    store_stmt_reset(st);
    return rc == STORE_DONE ? 0 : rc;
}

int org_activity_kind_check(const char *kind, const char *field, struct ep_error *err)
{
    if (text_in_list(kind, org_activity_kinds))
        return 0;
    ep_error_field(err, field,
                   "须为 pledge(誓师/请战)、meeting(会议)、study(学习)、service(志愿服务)"
                   "或 other(其他)",
                   "must be pledge, meeting, study, service or other");
    return -EP_EINVAL;
}

int org_activity_create(struct store *s, const struct actor *who,
                        const struct org_activity_input *in, json_t **out, struct ep_error *err)
{
    *out = NULL;
    /* Input first: nothing of it needs the database but the occurred time
     * (the outbreak's start bounds it). */
    if (in->org_id <= 0)
        ep_error_field(err, "org_id", "必填,应为正整数", "is required: a positive integer");
    if (!in->kind)
        ep_error_field(err, "kind", "必填", "is required");
    else
        org_activity_kind_check(in->kind, "kind", err);
    text_check(in->title, "title", ORG_NAME_CHARS, TEXT_REQUIRED, err);
    text_check(in->place, "place", ORG_NAME_CHARS, 0, err);
    text_check(in->note, "note", ORG_TEXT_CHARS, TEXT_MULTILINE, err);
    if (in->npersons > ORG_ACTIVITY_PERSONS_MAX)
        ep_error_field(err, "person_ids", "最多 %d 人", "at most %d persons",
                       ORG_ACTIVITY_PERSONS_MAX);
    int64_t participants = in->participants > 0 ? in->participants : in->npersons;
    if (in->participants < 0 || in->participants > ORG_ACTIVITY_PARTICIPANTS_MAX)
        ep_error_field(err, "participants", "应在 1 到 %d 之间", "must be 1 to %d",
                       ORG_ACTIVITY_PARTICIPANTS_MAX);
    else if (participants < 1)
        ep_error_field(err, "participants", "必填(或列出参加人员)",
                       "is required (or list the persons who took part)");
    else if (participants < in->npersons)
        ep_error_field(err, "participants", "不能少于所列参加人员(%d 人)",
                       "must not be fewer than the persons listed (%d)", in->npersons);
    int64_t now = (int64_t)time(NULL), at = now;
    if (in->occurred_at) {
        int rc = occurred_parse(s, "occurred_at", in->occurred_at, now, &at, err);
        if (rc < 0 && rc != -EP_EINVAL)
            return rc;
    }
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    if (in->occurred_at)
        write_occurred(&w, at);
    else
        at = w.now_unix;
    char region[REGION_CODE_MAX] = "";
    int64_t id = 0;
    if (in->org_id > 0)
        write_ref_inside(&w, REF_ORG, in->org_id, "org_id", region);
    if (in->npersons <= ORG_ACTIVITY_PERSONS_MAX)
        write_ref_list(&w, REF_PERSON, in->person_ids, in->npersons, "person_ids");
    if (write_check(&w) != 0)
        goto out;
    /* The organisation existed then: founded by that day, not dissolved before it. */
    struct store_stmt *st =
        write_prepare(&w, "SELECT founded_date, dissolved_date FROM orgs WHERE id = ?");
    if (!st)
        goto out;
    store_bind_int64(st, 1, in->org_id);
    int rc = store_step(st, err);
    int64_t founded = -1, dissolved = -1, day = time_day_of_unix(at);
    if (rc == STORE_ROW) {
        if (time_date_parse(store_column_text(st, 0), &founded) != 0)
            founded = -1;
        if (!store_column_is_null(st, 1) &&
            time_date_parse(store_column_text(st, 1), &dissolved) != 0)
            dissolved = -1;
    }
    store_stmt_reset(st);
    if (rc < 0) {
        write_fail(&w, rc);
        goto out;
    }
    if (founded >= 0 && day < founded) {
        write_fail(&w, ep_error_set(err, EP_ERULE, "党组织 %lld 当时尚未成立",
                                    "organisation %lld was not founded yet then",
                                    (long long)in->org_id));
        goto out;
    }
    if (dissolved >= 0 && day > dissolved) {
        write_fail(&w, ep_error_set(err, EP_ERULE, "党组织 %lld 已撤销",
                                    "organisation %lld is dissolved", (long long)in->org_id));
        goto out;
    }
    char when[32];
    time_iso_from_unix((time_t)at, when);
    st = write_prepare(&w, "INSERT INTO org_activities (org_id, region_code, kind, title, place,"
                           " note, participants, occurred_at, created_by, created_at)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        goto out;
    store_bind_int64(st, 1, in->org_id);
    store_bind_text(st, 2, region);
    store_bind_text(st, 3, in->kind);
    store_bind_text(st, 4, in->title);
    store_bind_text(st, 5, in->place && *in->place ? in->place : NULL);
    store_bind_text(st, 6, in->note && *in->note ? in->note : NULL);
    store_bind_int64(st, 7, participants);
    store_bind_text(st, 8, when);
    store_bind_text(st, 9, who->user->username);
    store_bind_text(st, 10, w.now);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    id = store_last_insert_id(s);
    st = write_prepare(&w, "INSERT INTO org_activity_persons (activity_id, person_id)"
                           " VALUES (?, ?)");
    for (int i = 0; st && i < in->npersons && write_ok(&w); i++) {
        store_bind_int64(st, 1, id);
        store_bind_int64(st, 2, in->person_ids[i]);
        write_fail(&w, store_run(st, err));
    }
    if (!write_ok(&w))
        goto out;
    if ((rc = org_activity_get(s, region, id, out, err)) != 0) {
        write_fail(&w, rc);
        goto out;
    }
    write_audit(&w, "create", "org_activity", id, region, NULL, *out);
out:
    return write_end_json(&w, id, out);
}
