/*
 * observation.c -- observations, health reports and overdue follow-ups
 * (see observation.h).
 *
 * Every change of an observation's state moves its counters in the same
 * transaction: opening (obs_active, obs_new), ending (obs_active,
 * obs_released), a report (reports, reports_abnormal), an overdue row
 * opened or closed (overdue_now).  observation_counters_rebuild() is the
 * GROUP BY oracle the tests hold the live counters to.
 *
 * The overdue sweep needs no per-observation arithmetic: the current slot
 * depends on the moment alone, so one query finds every active observation
 * that was open at the slot's start and has no report for it.
 */
#include "core/observation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alert.h"
#include "core/counter.h"
#include "core/person.h"
#include "core/profile.h"
#include "core/ref.h"
#include "core/write.h"
#include "util/idcheck.h"
#include "util/json.h"
#include "util/label.h"
#include "util/timeutil.h"

const char *const observation_kinds[] = {"home", "centralized", "medical", NULL};
const char *const observation_reasons[] = {"travel", "contact", "fever", "other", NULL};

const char *observation_status_zh(const char *status)
{
    static const struct label names[] = {{"active", "观察中"},
                                         {"released", "已解除"},
                                         {"converted", "已转为病例"},
                                         {"transferred", "已转出"}};
    return label_zh(names, LABEL_COUNT(names), status);
}

/* The symptom vocabulary with the words people read. */
static const struct {
    const char *name, *zh, *en;
} symptoms[OBSERVATION_SYMPTOMS_MAX] = {
    {"fever", "发热", "fever"},
    {"cough", "咳嗽", "cough"},
    {"sore_throat", "咽痛", "sore throat"},
    {"fatigue", "乏力", "fatigue"},
    {"diarrhea", "腹泻", "diarrhea"},
    {"breathing", "呼吸困难", "difficulty breathing"},
    {"other", "其他症状", "other symptoms"},
};

static int in_list(const char *v, const char *const *list)
{
    for (; v && *list; list++)
        if (strcmp(v, *list) == 0)
            return 1;
    return 0;
}

static int symptom_index(const char *name)
{
    for (int i = 0; i < OBSERVATION_SYMPTOMS_MAX; i++)
        if (name && strcmp(name, symptoms[i].name) == 0)
            return i;
    return -1;
}

const char *observation_symptom_at(int i)
{
    return i >= 0 && i < OBSERVATION_SYMPTOMS_MAX ? symptoms[i].name : NULL;
}

int observation_symptom_valid(const char *name)
{
    return symptom_index(name) >= 0;
}

/* Parses "YYYY-MM-DDTHH:MM" into a day number and minutes after midnight.
 * Returns 0, or -1 when malformed. */
static int slot_parse(const char *text, int64_t *day, int *minutes)
{
    if (!text || strlen(text) != OBSERVATION_SLOT_LEN || text[10] != 'T' || text[13] != ':')
        return -1;
    char date[11];
    memcpy(date, text, 10);
    date[10] = '\0';
    if (time_date_parse(date, day) != 0)
        return -1;
    for (int i = 11; i < 16; i++)
        if (i != 13 && (text[i] < '0' || text[i] > '9'))
            return -1;
    int h = (text[11] - '0') * 10 + (text[12] - '0');
    int m = (text[14] - '0') * 10 + (text[15] - '0');
    if (h > 23 || m > 59)
        return -1;
    *minutes = h * 60 + m;
    return 0;
}

/* "YYYY-MM-DDTHH:MM" of slot (day, index) of profile p. */
static void slot_format(const struct profile *p, int64_t day, int index,
                        char out[OBSERVATION_SLOT_LEN + 1])
{
    char date[11];
    time_date_format(day, date);
    unsigned m = (unsigned)p->slot_minutes[index] % (24u * 60u);
    snprintf(out, OBSERVATION_SLOT_LEN + 1, "%.10sT%02u:%02u", date, m / 60, m % 60);
}

/* "HH:MM, HH:MM" of the profile's slots, for messages. */
static void slot_times(const struct profile *p, char *out, size_t size)
{
    size_t n = 0;
    out[0] = '\0';
    for (int i = 0; i < p->nslots && n < size; i++) {
        int w = snprintf(out + n, size - n, "%s%02d:%02d", i ? ", " : "",
                         (p->slot_minutes[i] / 60) % 100, p->slot_minutes[i] % 60);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

static int64_t now_or(int64_t t)
{
    return t > 0 ? t : (int64_t)time(NULL);
}

/* Checks an optional text of at most 300 characters; field error if bad. */
static void check_text(const char *field, const char *v, struct ep_error *err)
{
    if (!v)
        return;
    size_t len = strlen(v);
    if (!utf8_valid(v, len))
        ep_error_field(err, field, "不是有效的 UTF-8 文本", "is not valid UTF-8 text");
    else if (utf8_length(v, len) > 300 || len >= OBSERVATION_TEXT_MAX)
        ep_error_field(err, field, "不能超过 300 个字", "must be at most 300 characters");
}

static int is_blank(const char *v)
{
    return !v || strspn(v, " \t\r\n") == strlen(v);
}

/* ---- reading ----------------------------------------------------------- */

#define COLUMNS                                                                                    \
    "o.id, o.person_id, COALESCE(p.name, ''), o.grid_code, o.kind, COALESCE(o.site, ''),"          \
    " o.reason, o.start_date, o.planned_end, o.status, COALESCE(o.released_at, ''),"               \
    " COALESCE(o.release_note, ''), COALESCE(o.override_by, ''),"                                  \
    " COALESCE(o.override_reason, ''), COALESCE(o.source, ''), o.created_by, o.created_at,"        \
    " o.updated_at, COALESCE(d.slot, ''), COALESCE(d.opened_at, ''),"                              \
    " COALESCE((SELECT h.slot || ' ' || h.temperature_dc || ' ' || h.abnormal"                     \
    " FROM health_reports h WHERE h.observation_id = o.id AND h.replaced_by IS NULL"               \
    " ORDER BY h.slot_day DESC, h.slot_index DESC LIMIT 1), ''), o.opened_at,"                     \
    " COALESCE(o.released_recorded_at, o.released_at, '')"

#define FROM                                                                                       \
    " FROM observations o JOIN persons p ON p.id = o.person_id"                                    \
    " LEFT JOIN overdue d ON d.observation_id = o.id AND d.closed_at IS NULL"

static void fill(struct store_stmt *st, void *out)
{
    struct observation *o = out;
    memset(o, 0, sizeof *o);
    o->id = store_column_int64(st, 0);
    o->person_id = store_column_int64(st, 1);
    snprintf(o->person_name, sizeof o->person_name, "%s", store_column_text(st, 2));
    snprintf(o->grid_code, sizeof o->grid_code, "%s", store_column_text(st, 3));
    snprintf(o->kind, sizeof o->kind, "%s", store_column_text(st, 4));
    snprintf(o->site, sizeof o->site, "%s", store_column_text(st, 5));
    snprintf(o->reason, sizeof o->reason, "%s", store_column_text(st, 6));
    snprintf(o->start_date, sizeof o->start_date, "%s", store_column_text(st, 7));
    snprintf(o->planned_end, sizeof o->planned_end, "%s", store_column_text(st, 8));
    snprintf(o->status, sizeof o->status, "%s", store_column_text(st, 9));
    snprintf(o->released_at, sizeof o->released_at, "%s", store_column_text(st, 10));
    snprintf(o->release_note, sizeof o->release_note, "%s", store_column_text(st, 11));
    snprintf(o->override_by, sizeof o->override_by, "%s", store_column_text(st, 12));
    snprintf(o->override_reason, sizeof o->override_reason, "%s", store_column_text(st, 13));
    snprintf(o->source, sizeof o->source, "%s", store_column_text(st, 14));
    snprintf(o->created_by, sizeof o->created_by, "%s", store_column_text(st, 15));
    snprintf(o->created_at, sizeof o->created_at, "%s", store_column_text(st, 16));
    snprintf(o->updated_at, sizeof o->updated_at, "%s", store_column_text(st, 17));
    snprintf(o->overdue_slot, sizeof o->overdue_slot, "%s", store_column_text(st, 18));
    snprintf(o->overdue_since, sizeof o->overdue_since, "%s", store_column_text(st, 19));
    const char *last = store_column_text(st, 20);
    if (*last && strlen(last) > OBSERVATION_SLOT_LEN) {
        memcpy(o->last_slot, last, OBSERVATION_SLOT_LEN);
        o->last_slot[OBSERVATION_SLOT_LEN] = '\0';
        sscanf(last + OBSERVATION_SLOT_LEN, " %d %d", &o->last_temperature_dc, &o->last_abnormal);
    }
    snprintf(o->opened_at, sizeof o->opened_at, "%s", store_column_text(st, 21));
    snprintf(o->released_recorded_at, sizeof o->released_recorded_at, "%s",
             store_column_text(st, 22));
}

int observation_get(struct store *s, const char *scope, int64_t id, struct observation *out,
                    struct ep_error *err)
{
    return ref_get_one(s,
                       "SELECT " COLUMNS FROM " WHERE o.id = ?"
                       " AND o.grid_code >= ? AND o.grid_code < ?",
                       NULL, scope, REF_OBSERVATION, id, fill, out, err);
}

int observation_list(struct store *s, const struct observation_filter *f, observation_fn fn,
                     void *ctx, struct ep_error *err)
{
    char lower[REGION_CODE_MAX], upper[REGION_CODE_MAX];
    if (!region_narrow(f->scope, f->region, lower))
        return 0;
    region_code_range(lower, upper);
    const char *status = f->status && *f->status ? f->status : NULL;
    struct store_stmt *st;
    int i = 1;
    /* One statement per driving index: open overdue rows, a status, or the
     * grid range; the rest are residual conditions. */
    if (status && strcmp(status, "overdue") == 0) {
        st = store_prepare(s,
                           "SELECT " COLUMNS
                           " FROM overdue d JOIN observations o ON o.id = d.observation_id"
                           " JOIN persons p ON p.id = o.person_id"
                           " WHERE d.closed_at IS NULL AND (d.grid_code, d.observation_id) > (?, ?)"
                           " AND d.grid_code < ? AND (? IS NULL OR o.kind = ?)"
                           " AND (? = 0 OR o.person_id = ?)"
                           " ORDER BY d.grid_code, d.observation_id LIMIT ?",
                           err);
    } else if (status) {
        st = store_prepare(s,
                           "SELECT " COLUMNS FROM " WHERE o.status = ?"
                           " AND (o.grid_code, o.id) > (?, ?) AND o.grid_code < ?"
                           " AND (? IS NULL OR o.kind = ?) AND (? = 0 OR o.person_id = ?)"
                           " ORDER BY o.grid_code, o.id LIMIT ?",
                           err);
        if (st)
            store_bind_text(st, i++, status);
    } else {
        st = store_prepare(s,
                           "SELECT " COLUMNS FROM " WHERE (o.grid_code, o.id) > (?, ?)"
                           " AND o.grid_code < ?"
                           " AND (? IS NULL OR o.kind = ?) AND (? = 0 OR o.person_id = ?)"
                           " ORDER BY o.grid_code, o.id LIMIT ?",
                           err);
    }
    if (!st)
        return -EP_EINTERNAL;
    int cursor = f->after_grid && strcmp(f->after_grid, lower) >= 0;
    store_bind_text(st, i++, cursor ? f->after_grid : lower);
    store_bind_int64(st, i++, cursor ? f->after_id : 0);
    store_bind_text(st, i++, upper);
    const char *kind = f->kind && *f->kind ? f->kind : NULL;
    store_bind_text(st, i++, kind);
    store_bind_text(st, i++, kind);
    store_bind_int64(st, i++, f->person_id);
    store_bind_int64(st, i++, f->person_id);
    store_bind_int64(st, i, f->limit > 0 ? f->limit : INT64_MAX);
    int rc;
    struct observation o;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        fill(st, &o);
        if ((rc = fn(&o, ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc;
}

static json_t *opt_text(const char *v)
{
    return *v ? json_string(v) : json_null();
}

json_t *observation_json_new(const struct observation *o)
{
    json_t *j =
        json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s}", "id", (json_int_t)o->id,
                  "person_id", (json_int_t)o->person_id, "person_name", o->person_name, "grid_code",
                  o->grid_code, "kind", o->kind, "site", opt_text(o->site), "reason", o->reason,
                  "start_date", o->start_date, "planned_end", o->planned_end, "status", o->status);
    json_object_set_new(j, "released_at", opt_text(o->released_at));
    json_object_set_new(j, "released_recorded_at", opt_text(o->released_recorded_at));
    json_object_set_new(j, "release_note", opt_text(o->release_note));
    json_object_set_new(j, "override_by", opt_text(o->override_by));
    json_object_set_new(j, "override_reason", opt_text(o->override_reason));
    json_object_set_new(j, "source", opt_text(o->source));
    json_object_set_new(j, "created_by", json_string(o->created_by));
    json_object_set_new(j, "created_at", json_string(o->created_at));
    json_object_set_new(j, "updated_at", json_string(o->updated_at));
    json_object_set_new(j, "opened_at", json_string(o->opened_at));
    json_object_set_new(j, "last_report",
                        o->last_slot[0]
                            ? json_pack("{s:s, s:f, s:b}", "slot", o->last_slot, "temperature",
                                        o->last_temperature_dc / 10.0, "abnormal", o->last_abnormal)
                            : json_null());
    json_object_set_new(j, "overdue",
                        o->overdue_slot[0] ? json_pack("{s:s, s:s}", "slot", o->overdue_slot,
                                                       "since", o->overdue_since)
                                           : json_null());
    return j;
}

/* The observation as the audit log keeps it. */
static json_t *audit_json(const struct observation *o)
{
    json_t *j =
        json_pack("{s:I, s:I, s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?}", "id",
                  (json_int_t)o->id, "person_id", (json_int_t)o->person_id, "grid_code",
                  o->grid_code, "kind", o->kind, "site", o->site[0] ? o->site : NULL, "reason",
                  o->reason, "start_date", o->start_date, "planned_end", o->planned_end, "status",
                  o->status, "release_note", o->release_note[0] ? o->release_note : NULL,
                  "override_by", o->override_by[0] ? o->override_by : NULL, "override_reason",
                  o->override_reason[0] ? o->override_reason : NULL, "source",
                  o->source[0] ? o->source : NULL);
    json_object_set_new(j, "opened_at", json_string(o->opened_at));
    return j;
}

/* ---- opening ------------------------------------------------------------ */

/* Field checks of an open input that need no database. */
static void check_open_input(const struct observation_open_input *in, struct ep_error *err)
{
    if (in->person_id <= 0)
        ep_error_field(err, "person_id", "必填,应为人员编号", "is required: a person id");
    if (!in->kind)
        ep_error_field(err, "kind", "必填", "is required");
    else if (!in_list(in->kind, observation_kinds))
        ep_error_field(err, "kind",
                       "应为 home(居家隔离)、centralized(集中隔离)或 medical(医学观察)",
                       "must be home, centralized or medical");
    if (!in->reason)
        ep_error_field(err, "reason", "必填", "is required");
    else if (!in_list(in->reason, observation_reasons))
        ep_error_field(err, "reason",
                       "应为 travel(旅居史)、contact(密切接触)、fever(发热)或 other(其他)",
                       "must be travel, contact, fever or other");
    if (in->kind && strcmp(in->kind, "centralized") == 0 && is_blank(in->site))
        ep_error_field(err, "site", "集中隔离须填写隔离点",
                       "is required for centralized quarantine");
    else if (in->site && strlen(in->site) >= sizeof(((struct observation *)0)->site))
        ep_error_field(err, "site", "过长", "is too long");
    else
        check_text("site", in->site, err);
    int64_t start;
    if (!in->start_date)
        ep_error_field(err, "start_date", "必填", "is required");
    else if (time_date_parse(in->start_date, &start) != 0)
        ep_error_field(err, "start_date", "日期无效,格式应为 YYYY-MM-DD",
                       "invalid date, expected YYYY-MM-DD");
    else if (start > time_today_cn())
        ep_error_field(err, "start_date", "不能晚于今天", "cannot be in the future");
    if (in->source && strlen(in->source) >= 64)
        ep_error_field(err, "source", "过长", "is too long");
    if (in->opened_unix < 0 || in->opened_unix > (int64_t)time(NULL) + OBSERVATION_CLOCK_SKEW_S)
        ep_error_field(err, "opened_at", "不能晚于当前时间", "must not be in the future");
}

/* The active observation of a person: its id (0 if none). */
static int active_of(struct store *s, int64_t person_id, int64_t *id, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s, "SELECT id FROM observations WHERE person_id = ? AND status = 'active'", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, person_id);
    return store_step_int64s(st, id, 1, err);
}

/* Runs "rc" (a store or lookup call's result, err filled) into the write. */
static int step(struct write *w, int rc)
{
    return rc < 0 ? write_fail(w, rc) : w->rc;
}

/* Opens the observation of a checked input for a person living in "grid":
 * nothing when the person already has an active one (*id_out = its id). */
static int open_insert(struct write *w, const struct observation_open_input *in, const char *grid,
                       int64_t *id_out, int *opened)
{
    *id_out = 0;
    *opened = 0;
    if (!write_ok(w))
        return w->rc;
    struct store *s = w->s;
    struct ep_error *err = w->err;
    if (step(w, active_of(s, in->person_id, id_out, err)) != 0 || *id_out)
        return w->rc;
    struct profile prof;
    if (step(w, profile_get(s, &prof, err)) != 0)
        return w->rc;
    struct observation o;
    memset(&o, 0, sizeof o);
    int64_t start;
    time_date_parse(in->start_date, &start);
    o.person_id = in->person_id;
    snprintf(o.grid_code, sizeof o.grid_code, "%s", grid);
    snprintf(o.kind, sizeof o.kind, "%s", in->kind);
    snprintf(o.site, sizeof o.site, "%s", is_blank(in->site) ? "" : in->site);
    snprintf(o.reason, sizeof o.reason, "%s", in->reason);
    snprintf(o.start_date, sizeof o.start_date, "%s", in->start_date);
    time_date_format(start + prof.observation_days, o.planned_end);
    snprintf(o.status, sizeof o.status, "active");
    snprintf(o.source, sizeof o.source, "%s", in->source ? in->source : "");
    snprintf(o.created_by, sizeof o.created_by, "%s", w->who->user->username);
    time_now_iso(o.created_at);
    memcpy(o.updated_at, o.created_at, sizeof o.updated_at);
    /* A moment a little ahead of this clock (the caller's skew) is now. */
    int64_t now = (int64_t)time(NULL);
    time_iso_from_unix(
        (time_t)(in->opened_unix > 0 && in->opened_unix < now ? in->opened_unix : now),
        o.opened_at);

    struct store_stmt *st = store_prepare(
        s,
        "INSERT INTO observations (person_id, grid_code, kind, site, reason,"
        " start_date, planned_end, status, source, created_by, created_at,"
        " updated_at, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?)",
        err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_int64(st, 1, o.person_id);
    store_bind_text(st, 2, o.grid_code);
    store_bind_text(st, 3, o.kind);
    store_bind_text(st, 4, o.site[0] ? o.site : NULL);
    store_bind_text(st, 5, o.reason);
    store_bind_text(st, 6, o.start_date);
    store_bind_text(st, 7, o.planned_end);
    store_bind_text(st, 8, o.source[0] ? o.source : NULL);
    store_bind_text(st, 9, o.created_by);
    store_bind_text(st, 10, o.created_at);
    store_bind_text(st, 11, o.updated_at);
    store_bind_text(st, 12, o.opened_at);
    if (step(w, store_run(st, err)) != 0)
        return w->rc;
    o.id = store_last_insert_id(s);
    char metric[64];
    snprintf(metric, sizeof metric, "obs_active.%s", o.kind);
    write_count(w, o.grid_code, metric, 1);
    snprintf(metric, sizeof metric, "obs_new.%s", o.start_date);
    write_count(w, o.grid_code, metric, 1);
    write_audit_new(w, "create", "observation", o.id, o.grid_code, NULL, audit_json(&o));
    if (!write_ok(w))
        return w->rc;
    *id_out = o.id;
    *opened = 1;
    return 0;
}

int observation_open_step(struct write *w, const struct observation_open_input *in, int64_t *id_out,
                          int *opened)
{
    *id_out = 0;
    *opened = 0;
    if (!write_ok(w))
        return w->rc;
    check_open_input(in, w->err);
    char grid[REGION_CODE_MAX] = "";
    if (in->person_id > 0) {
        /* Scope "": a consequence may concern a person living elsewhere. */
        int rc = ref_visible(w->s, "", REF_PERSON, in->person_id, grid, w->err);
        if (rc < 0)
            return write_fail(w, rc);
        if (rc == 0)
            ref_field_not_found(w->err, "person_id", REF_PERSON, in->person_id);
    }
    if (write_check(w) != 0)
        return w->rc;
    return open_insert(w, in, grid, id_out, opened);
}

int observation_open(struct store *s, const struct actor *who,
                     const struct observation_open_input *in, int64_t *id_out, int *opened,
                     struct ep_error *err)
{
    *id_out = 0;
    *opened = 0;
    struct write w;
    int rc = write_begin(&w, s, who, NULL, NULL, NULL, err);
    if (rc != 0)
        return rc;
    observation_open_step(&w, in, id_out, opened);
    return write_end(&w, *id_out);
}

int observation_create(struct store *s, const struct actor *who,
                       const struct observation_open_input *in, struct idem_key *idem,
                       struct observation *out, struct ep_error *err)
{
    /* When the person came under observation (issue 17): the start date is
     * that day unless given, and not after it. */
    const char *field = in->occurred_field ? in->occurred_field : "occurred_at";
    int64_t now = (int64_t)time(NULL), at = now;
    int rc = occurred_parse(s, field, in->occurred_at, now, &at, err);
    if (rc < 0 && rc != -EP_EINVAL)
        return rc;
    if (!in->occurred_at && in->opened_unix > 0 && in->opened_unix < now)
        at = in->opened_unix; /* a caller's own moment (checked with the input) */
    struct observation_open_input input = *in;
    char at_day[11], start_day[11];
    int64_t start;
    time_date_format(time_day_of_unix(at), at_day);
    if (!input.start_date) {
        memcpy(start_day, at_day, sizeof start_day);
        input.start_date = start_day;
    } else if (rc == 0 && in->occurred_at && time_date_parse(in->start_date, NULL) == 0 &&
               strcmp(in->start_date, at_day) > 0) {
        ep_error_field(err, "start_date", "不能晚于发生时间 %s(%s)", "cannot be after %s (%s)",
                       field, at_day);
    } else if (time_date_parse(in->start_date, &start) == 0 && start <= time_today_cn()) {
        /* Not before the outbreak's start either (a later day is named by
         * the input check). */
        int64_t ignored;
        int rs = occurred_parse(s, "start_date", in->start_date, now, &ignored, err);
        if (rs < 0 && rs != -EP_EINVAL)
            return rs;
    }
    if (in->occurred_at)
        input.opened_unix = at;
    in = &input;

    struct write w;
    int64_t id = 0;
    rc = write_begin(&w, s, who, "observation", idem, &id, err);
    if (rc == WRITE_REPLAY)
        return observation_get(s, who->user->scope, id, out, err);
    if (rc != 0)
        return rc;
    if (in->occurred_at && at != w.now_unix)
        write_occurred(&w, at);
    /* The input, then the person: the caller's, or not found. */
    check_open_input(in, err);
    char grid[REGION_CODE_MAX] = "";
    if (in->person_id > 0)
        write_ref(&w, REF_PERSON, in->person_id, "person_id", grid);
    write_check(&w);
    int opened = 0;
    open_insert(&w, in, grid, &id, &opened);
    if (write_ok(&w) && !opened) {
        /* The conflict names the observation only when the caller may see it
         * (one opened in the person's former grid may lie outside). */
        rc = ref_visible(s, who->user->scope, REF_OBSERVATION, id, NULL, err);
        if (rc < 0)
            write_fail(&w, rc);
        else if (rc == 1)
            write_fail(&w, ep_error_set(err, EP_ECONFLICT, "此人已在观察中(观察记录 %lld)",
                                        "this person is already under observation"
                                        " (observation %lld)",
                                        (long long)id));
        else
            write_fail(&w, ep_error_set(err, EP_ECONFLICT, "此人已在观察中",
                                        "this person is already under observation"));
    }
    if (write_ok(&w))
        step(&w, observation_get(s, "", id, out, err));
    return write_end(&w, id);
}

/* ---- overdue rows ------------------------------------------------------ */

/* Closes the open overdue row of observation "obs_id" (if any, and if it is
 * for slot (day, index) when "day" >= 0): overdue_now -1.  *closed counts. */
static int overdue_close_row(struct write *w, int64_t id, const char *grid, const char *reason,
                             int64_t at_unix, int *closed);

static int overdue_close(struct write *w, int64_t obs_id, int64_t day, int index,
                         const char *reason, int64_t at_unix, int *closed)
{
    if (!write_ok(w))
        return w->rc;
    struct store *s = w->s;
    struct ep_error *err = w->err;
    struct store_stmt *st = store_prepare(s,
                                          "SELECT id, grid_code, slot_day, slot_index FROM overdue"
                                          " WHERE observation_id = ? AND closed_at IS NULL",
                                          err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_int64(st, 1, obs_id);
    int rc = store_step(st, err);
    int64_t id = 0;
    char grid[REGION_CODE_MAX] = "";
    if (rc == STORE_ROW &&
        (day < 0 || (store_column_int64(st, 2) == day && store_column_int64(st, 3) == index))) {
        id = store_column_int64(st, 0);
        snprintf(grid, sizeof grid, "%s", store_column_text(st, 1));
    }
    store_stmt_reset(st);
    if (rc < 0)
        return write_fail(w, rc);
    return overdue_close_row(w, id, grid, reason, at_unix, closed);
}

/* Closes open overdue row "id" of "grid" (nothing when id is 0). */
static int overdue_close_row(struct write *w, int64_t id, const char *grid, const char *reason,
                             int64_t at_unix, int *closed)
{
    if (!id || !write_ok(w))
        return w->rc;
    struct store *s = w->s;
    struct ep_error *err = w->err;
    char at[32];
    time_iso_from_unix((time_t)now_or(at_unix), at);
    struct store_stmt *st =
        store_prepare(s, "UPDATE overdue SET closed_at = ?, close_reason = ? WHERE id = ?", err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_text(st, 1, at);
    store_bind_text(st, 2, reason);
    store_bind_int64(st, 3, id);
    if (step(w, store_run_deferred(st, err)) != 0) /* its failure fails the write */
        return w->rc;
    if (closed)
        (*closed)++;
    return write_count(w, grid, "overdue_now", -1);
}

/* ---- ending ------------------------------------------------------------ */

/* Latest current report of an observation: *found, and whether abnormal. */
static int last_report(struct store *s, int64_t obs_id, int *found,
                       char slot[OBSERVATION_SLOT_LEN + 1], int *temperature_dc, int *abnormal,
                       struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT slot, temperature_dc, abnormal FROM health_reports"
                      " WHERE observation_id = ? AND replaced_by IS NULL"
                      " ORDER BY slot_day DESC, slot_index DESC LIMIT 1",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, obs_id);
    int rc = store_step(st, err);
    *found = rc == STORE_ROW;
    if (*found) {
        snprintf(slot, OBSERVATION_SLOT_LEN + 1, "%s", store_column_text(st, 0));
        *temperature_dc = (int)store_column_int64(st, 1);
        *abnormal = (int)store_column_int64(st, 2);
    }
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

/* Moves an active observation to "status" with the release fields; counters,
 * overdue and audit, as steps of "w". */
static int finish(struct write *w, const struct observation *before, const char *status,
                  const char *note, const char *override_reason, struct observation *out)
{
    if (!write_ok(w))
        return w->rc;
    struct store *s = w->s;
    struct ep_error *err = w->err;
    /* Ended when it happened (the write's occurred time), recorded now. */
    char ended[32], day[11];
    time_iso_from_unix((time_t)(w->occurred ? w->occurred : w->now_unix), ended);
    memcpy(day, ended, 10);
    day[10] = '\0';
    struct store_stmt *st =
        store_prepare(s,
                      "UPDATE observations SET status = ?, released_at = ?, release_note = ?,"
                      " override_by = ?, override_reason = ?, updated_at = ?,"
                      " released_recorded_at = ? WHERE id = ? AND status = 'active'",
                      err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_text(st, 1, status);
    store_bind_text(st, 2, ended);
    store_bind_text(st, 3, is_blank(note) ? NULL : note);
    store_bind_text(st, 4, override_reason ? w->who->user->username : NULL);
    store_bind_text(st, 5, override_reason);
    store_bind_text(st, 6, w->now);
    store_bind_text(st, 7, w->now);
    store_bind_int64(st, 8, before->id);
    if (step(w, store_run(st, err)) != 0)
        return w->rc;
    char metric[64];
    snprintf(metric, sizeof metric, "obs_active.%s", before->kind);
    write_count(w, before->grid_code, metric, -1);
    if (strcmp(status, "released") == 0) {
        snprintf(metric, sizeof metric, "obs_released.%s", day);
        write_count(w, before->grid_code, metric, 1);
    }
    if (overdue_close(w, before->id, -1, 0, "ended", 0, NULL) != 0 ||
        step(w, observation_get(s, "", before->id, out, err)) != 0)
        return w->rc;
    write_audit_new(w, strcmp(status, "released") == 0 ? "release" : status, "observation",
                    before->id, before->grid_code, audit_json(before), audit_json(out));
    return w->rc;
}

/* Loads active observation "id" into "o" (no scope check: the caller has
 * checked it); 409 when it has ended. */
static int load_active(struct write *w, int64_t id, struct observation *o)
{
    if (!write_ok(w) || step(w, observation_get(w->s, "", id, o, w->err)) != 0)
        return w->rc;
    if (strcmp(o->status, "active") != 0)
        write_fail(w, ep_error_set(w->err, EP_ECONFLICT, "观察记录 %lld 已结束(%s%.0s)",
                                   "observation %lld has already ended (%.0s%s)", (long long)id,
                                   observation_status_zh(o->status), o->status));
    return w->rc;
}

int observation_release(struct store *s, const struct actor *who, int64_t id,
                        const struct observation_release_input *in, struct observation *out,
                        struct ep_error *err)
{
    check_text("note", in->note, err);
    const char *override = in->override_reason;
    if (override && is_blank(override))
        ep_error_field(err, "override_reason", "不能为空", "must not be empty");
    else
        check_text("override_reason", override, err);
    /* When it was released (issue 17): given, else now. */
    int64_t now = (int64_t)time(NULL), at = now;
    int rc = occurred_parse(s, "occurred_at", in->occurred_at, now, &at, err);
    if (rc < 0 && rc != -EP_EINVAL)
        return rc;
    if (err->code)
        return -err->code;
    if (override && who->user->role != ROLE_HEALTH)
        return ep_error_set(err, EP_EFORBIDDEN, "只有卫健(health)角色可以提前解除观察",
                            "only the health role may release before the rules allow");
    struct write w;
    rc = write_begin(&w, s, who, NULL, NULL, NULL, err);
    if (rc != 0)
        return rc;
    struct observation o;
    if (write_target(&w, REF_OBSERVATION, id, NULL) != 0 || load_active(&w, id, &o) != 0)
        return write_end(&w, 0);
    int64_t opened = 0;
    if (in->occurred_at && time_iso_parse(o.opened_at, &opened) == 0 && at < opened) {
        ep_error_field(err, "occurred_at", "不能早于观察开始的时间(%s)",
                       "cannot be before the observation was opened (%s)", o.opened_at);
        write_fail(&w, ep_error_set(err, EP_ERULE, "解除时间不能早于观察开始的时间(%s)",
                                    "a release cannot be dated before the observation was"
                                    " opened (%s)",
                                    o.opened_at));
        return write_end(&w, 0);
    }
    if (in->occurred_at && at != w.now_unix)
        write_occurred(&w, at);
    if (!override) {
        char today[11]; /* the day of release */
        time_date_format(time_day_of_unix(at), today);
        int found = 0, temperature = 0, abnormal = 0;
        char slot[OBSERVATION_SLOT_LEN + 1] = "";
        if (strcmp(today, o.planned_end) < 0)
            write_fail(&w, ep_error_set(err, EP_ERULE, "观察期未满:%s 起方可解除",
                                        "the observation period is not over: release is possible"
                                        " from %s",
                                        o.planned_end));
        else if (step(&w, last_report(s, id, &found, slot, &temperature, &abnormal, err)) == 0) {
            if (!found)
                write_fail(&w, ep_error_set(err, EP_ERULE, "尚无健康报告,不能解除观察",
                                            "there is no health report yet; cannot release"));
            else if (abnormal)
                write_fail(&w, ep_error_set(err, EP_ERULE,
                                            "最近一次健康报告(%s,体温 %.1f℃)异常,不能解除观察",
                                            "the latest health report (%s, %.1f °C) was abnormal;"
                                            " cannot release",
                                            slot, temperature / 10.0));
        }
    }
    finish(&w, &o, "released", in->note, override, out);
    return write_end(&w, id);
}

int observation_end_step(struct write *w, int64_t id, const char *status, const char *note,
                         struct observation *out)
{
    if (!write_ok(w))
        return w->rc;
    if (!status || (strcmp(status, "converted") != 0 && strcmp(status, "transferred") != 0))
        ep_error_field(w->err, "status", "应为 converted(转为病例)或 transferred(转出)",
                       "must be converted or transferred");
    check_text("note", note, w->err);
    struct observation o;
    if (write_check(w) != 0 || load_active(w, id, &o) != 0)
        return w->rc;
    return finish(w, &o, status, note, NULL, out);
}

/* ---- health reports ---------------------------------------------------- */

int observation_report_check(const struct health_report_input *in, struct ep_error *err)
{
    int before = err->nfields;
    if (in->person_id <= 0)
        ep_error_field(err, "person_id", "必填,应为人员编号", "is required: a person id");
    int64_t day;
    int minutes;
    if (!in->slot)
        ep_error_field(err, "slot", "必填", "is required");
    else if (slot_parse(in->slot, &day, &minutes) != 0)
        ep_error_field(err, "slot", "格式应为 YYYY-MM-DDTHH:MM(如 2026-11-29T08:00)",
                       "must be YYYY-MM-DDTHH:MM (e.g. 2026-11-29T08:00)");
    if (in->temperature_dc < 340 || in->temperature_dc > 430)
        ep_error_field(err, "temperature", "体温应在 34.0 到 43.0 ℃ 之间",
                       "temperature must be between 34.0 and 43.0 °C");
    if (in->nsymptoms < 0 || in->nsymptoms > OBSERVATION_SYMPTOMS_MAX) {
        ep_error_field(err, "symptoms", "症状过多", "too many symptoms");
    } else {
        for (int i = 0; i < in->nsymptoms; i++) {
            int dup = 0;
            for (int k = 0; k < i; k++)
                dup |= in->symptoms[k] && in->symptoms[i] &&
                       strcmp(in->symptoms[k], in->symptoms[i]) == 0;
            if (!observation_symptom_valid(in->symptoms[i]) || dup) {
                ep_error_field(err, "symptoms",
                               "症状应取自:fever, cough, sore_throat, fatigue, diarrhea, breathing,"
                               " other(不重复)",
                               "symptoms must be distinct names from: fever, cough, sore_throat,"
                               " fatigue, diarrhea, breathing, other");
                break;
            }
        }
    }
    return err->nfields > before ? -EP_EINVAL : 0;
}

#define REPORT_COLUMNS                                                                             \
    "id, observation_id, person_id, grid_code, slot_day, slot_index, slot, temperature_dc,"        \
    " symptoms, abnormal, reporter, reported_at, COALESCE(replaces, 0), COALESCE(replaced_by, 0)"

static void fill_report(struct store_stmt *st, struct health_report *r)
{
    memset(r, 0, sizeof *r);
    r->id = store_column_int64(st, 0);
    r->observation_id = store_column_int64(st, 1);
    r->person_id = store_column_int64(st, 2);
    snprintf(r->grid_code, sizeof r->grid_code, "%s", store_column_text(st, 3));
    r->slot_day = store_column_int64(st, 4);
    r->slot_index = (int)store_column_int64(st, 5);
    snprintf(r->slot, sizeof r->slot, "%s", store_column_text(st, 6));
    r->temperature_dc = (int)store_column_int64(st, 7);
    snprintf(r->symptoms, sizeof r->symptoms, "%s", store_column_text(st, 8));
    r->abnormal = (int)store_column_int64(st, 9);
    snprintf(r->reporter, sizeof r->reporter, "%s", store_column_text(st, 10));
    snprintf(r->reported_at, sizeof r->reported_at, "%s", store_column_text(st, 11));
    r->replaces = store_column_int64(st, 12);
    r->replaced_by = store_column_int64(st, 13);
}

static int report_get(struct store *s, int64_t id, struct health_report *out, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT " REPORT_COLUMNS " FROM health_reports WHERE id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc = ref_step_named(st, "健康报告", "health report", id, err);
    if (rc == 0)
        fill_report(st, out);
    store_stmt_reset(st);
    return rc;
}

int observation_reports_list(struct store *s, int64_t observation_id, health_report_fn fn,
                             void *ctx, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " REPORT_COLUMNS " FROM health_reports"
                                          " WHERE observation_id = ?"
                                          " ORDER BY slot_day, slot_index, id",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, observation_id);
    int rc;
    struct health_report r;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        fill_report(st, &r);
        if ((rc = fn(&r, ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc;
}

json_t *observation_report_json_new(const struct health_report *r)
{
    json_error_t jerr;
    json_t *symptom_list = json_loads(r->symptoms, 0, &jerr);
    if (!json_is_array(symptom_list)) {
        json_decref(symptom_list);
        symptom_list = json_array();
    }
    json_t *j =
        json_pack("{s:I, s:I, s:I, s:s, s:s, s:f, s:o, s:b, s:s, s:s}", "id", (json_int_t)r->id,
                  "observation_id", (json_int_t)r->observation_id, "person_id",
                  (json_int_t)r->person_id, "grid_code", r->grid_code, "slot", r->slot,
                  "temperature", r->temperature_dc / 10.0, "symptoms", symptom_list, "abnormal",
                  r->abnormal, "reporter", r->reporter, "reported_at", r->reported_at);
    json_object_set_new(j, "replaces", r->replaces ? json_integer(r->replaces) : json_null());
    json_object_set_new(j, "replaced_by",
                        r->replaced_by ? json_integer(r->replaced_by) : json_null());
    json_object_set_new(j, "alert_id", r->alert_id ? json_integer(r->alert_id) : json_null());
    return j;
}

/* What a report needs to know, read in one statement on the hot path (one
 * round trip on PostgreSQL): the person's active observation (one lookup in
 * the one-active-per-person index), the current report of slot (day, index)
 * and the observation's open overdue row.  o.id is 0 when the person has no
 * active observation. */
struct report_state {
    struct observation o;               /* id, person, grid, kind, reason, start date */
    int64_t current_id;                 /* current report of the slot, 0 when none */
    int current_abnormal;               /* and whether it was abnormal */
    char current_day[11];               /* the day it was received, YYYY-MM-DD */
    int64_t overdue_id;                 /* open overdue row, 0 when none */
    char overdue_grid[REGION_CODE_MAX]; /* its grid */
    int64_t overdue_day;                /* its slot */
    int overdue_index;
};

/* The read of report_state_read, prepared and bound: NULL with "err" set. */
static struct store_stmt *report_state_stmt(struct store *s, int64_t person_id, int64_t day,
                                            int index, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT o.id, o.grid_code, o.kind, o.reason, o.start_date,"
                      " h.id, h.abnormal, h.reported_at, d.id, d.grid_code, d.slot_day,"
                      " d.slot_index FROM observations o"
                      " LEFT JOIN health_reports h ON h.observation_id = o.id AND h.slot_day = ?"
                      " AND h.slot_index = ? AND h.replaced_by IS NULL"
                      " LEFT JOIN overdue d ON d.observation_id = o.id AND d.closed_at IS NULL"
                      " WHERE o.person_id = ? AND o.status = 'active'",
                      err);
    if (!st)
        return NULL;
    store_bind_int64(st, 1, day);
    store_bind_int64(st, 2, index);
    store_bind_int64(st, 3, person_id);
    return st;
}

/* Steps "st" (report_state_stmt, perhaps prefetched) into "out". */
static int report_state_read(struct store_stmt *st, int64_t person_id, struct report_state *out,
                             struct ep_error *err)
{
    int rc = store_step(st, err);
    memset(out, 0, sizeof *out);
    struct observation *o = &out->o;
    if (rc == STORE_ROW) {
        o->id = store_column_int64(st, 0);
        o->person_id = person_id;
        snprintf(o->grid_code, sizeof o->grid_code, "%s", store_column_text(st, 1));
        snprintf(o->kind, sizeof o->kind, "%s", store_column_text(st, 2));
        snprintf(o->reason, sizeof o->reason, "%s", store_column_text(st, 3));
        snprintf(o->start_date, sizeof o->start_date, "%s", store_column_text(st, 4));
        snprintf(o->status, sizeof o->status, "active");
        out->current_id = store_column_int64(st, 5);
        out->current_abnormal = (int)store_column_int64(st, 6);
        snprintf(out->current_day, sizeof out->current_day, "%.10s", store_column_text(st, 7));
        out->overdue_id = store_column_int64(st, 8);
        snprintf(out->overdue_grid, sizeof out->overdue_grid, "%s", store_column_text(st, 9));
        out->overdue_day = store_column_int64(st, 10);
        out->overdue_index = (int)store_column_int64(st, 11);
    }
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

/* The observation a report is for ("o", read by report_state_read): the
 * person's active observation inside who's scope.  A person missing and one outside the scope get
 * the same answer (404 on "person_id"); a person of the scope without an active observation is a
 * rule violation.  On the hot path: one lookup when the person is under observation. */
static int report_target(struct write *w, int64_t person_id, const struct observation *o)
{
    if (!write_ok(w))
        return w->rc;
    if (o->id) {
        if (!region_in_scope(o->grid_code, w->who->user->scope))
            ref_field_not_found(w->err, "person_id", REF_PERSON, person_id);
        return write_check(w);
    }
    if (write_ref(w, REF_PERSON, person_id, "person_id", NULL) != 1)
        return write_check(w);
    ep_error_field(w->err, "person_id", "此人不在观察中", "this person is not under observation");
    return write_fail(w,
                      ep_error_set(w->err, EP_ERULE, "人员 %lld 没有进行中的观察,不能填报健康情况",
                                   "person %lld has no active observation; no health report"
                                   " can be recorded",
                                   (long long)person_id));
}

/* The day and index of the slot of a checked input (index -1 when its time
 * is not one of the profile's report times). */
static void report_slot_index(const struct profile *p, const struct health_report_input *in,
                              int64_t *day, int *index)
{
    int minutes;
    slot_parse(in->slot, day, &minutes); /* syntax checked by observation_report_check */
    *index = -1;
    for (int i = 0; i < p->nslots; i++)
        if (p->slot_minutes[i] == minutes)
            *index = i;
}

/* Resolves the slot of a report against the profile and the observation:
 * its index and start, or a field error "slot". */
static int report_slot(const struct profile *p, const struct observation *o,
                       const struct health_report_input *in, int64_t *day, int *index,
                       struct ep_error *err)
{
    report_slot_index(p, in, day, index);
    if (*index < 0) {
        char times[64];
        slot_times(p, times, sizeof times);
        ep_error_field(err, "slot", "不是规定的报告时间(%s)", "is not a report time (%s)", times);
        return -EP_EINVAL;
    }
    if (profile_slot_start(p, *day, *index) > now_or(in->now_unix)) {
        ep_error_field(err, "slot", "报告时间 %s 尚未到", "slot %s is in the future", in->slot);
        return -EP_EINVAL;
    }
    char date[11];
    time_date_format(*day, date);
    if (strcmp(date, o->start_date) < 0) {
        ep_error_field(err, "slot", "早于观察开始日期 %s", "is before the observation began on %s",
                       o->start_date);
        return -EP_EINVAL;
    }
    return 0;
}

/* Moves the day counters of the reports received on "day" (YYYY-MM-DD) in
 * "grid" by "reports" and "abnormal". */
static void count_received(struct write *w, const char *grid, const char *day, int reports,
                           int abnormal)
{
    char metric[64];
    snprintf(metric, sizeof metric, "reports.%s", day);
    write_count(w, grid, metric, reports);
    if (abnormal) {
        snprintf(metric, sizeof metric, "reports_abnormal.%s", day);
        write_count(w, grid, metric, abnormal);
    }
}

static int set_replaced_by(struct store *s, int64_t id, int64_t by, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "UPDATE health_reports SET replaced_by = ? WHERE id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, by);
    store_bind_int64(st, 2, id);
    return store_run(st, err);
}

/* Raises the report_abnormal alert of report "r". */
static int raise_abnormal(struct write *w, const struct profile *prof, const struct observation *o,
                          struct health_report *r, const struct health_report_input *in)
{
    /* No names in titles: events reach every role of the region, and who
     * it is about is shown only to those who may read the registry. */
    char zh[ALERT_TITLE_MAX], en[ALERT_TITLE_MAX], key[64], source[32];
    int nz = snprintf(zh, sizeof zh, "健康报告异常:体温 %.1f℃", r->temperature_dc / 10.0);
    int ne = snprintf(en, sizeof en, "abnormal health report: %.1f °C", r->temperature_dc / 10.0);
    for (int i = 0; i < in->nsymptoms; i++) {
        int k = symptom_index(in->symptoms[i]);
        if (nz > 0 && (size_t)nz < sizeof zh)
            nz += snprintf(zh + nz, sizeof zh - (size_t)nz, "%s%s", i ? "、" : ",", symptoms[k].zh);
        if (ne > 0 && (size_t)ne < sizeof en)
            ne += snprintf(en + ne, sizeof en - (size_t)ne, ", %s", symptoms[k].en);
    }
    if (nz > 0 && (size_t)nz < sizeof zh)
        snprintf(zh + nz, sizeof zh - (size_t)nz, "(%s)", r->slot);
    if (ne > 0 && (size_t)ne < sizeof en)
        snprintf(en + ne, sizeof en - (size_t)ne, " (%s)", r->slot);
    snprintf(key, sizeof key, "report_abnormal:%lld", (long long)r->id);
    snprintf(source, sizeof source, "report:%lld", (long long)r->id);
    int risk = strcmp(o->reason, "travel") == 0 || strcmp(o->reason, "contact") == 0;
    int high = profile_fever_is_high(prof, r->temperature_dc, risk);
    struct alert_input a = {
        .rule = "report_abnormal",
        .severity = high ? ALERT_HIGH : ALERT_MEDIUM,
        .grid_code = o->grid_code,
        .person_id = o->person_id,
        .source = source,
        .dedup_key = key,
        .title_zh = zh,
        .title_en = en,
        .raised_unix = in->now_unix, /* the moment of reporting (0 = now) */
    };
    return alert_raise_step(w, &a, &r->alert_id);
}

int observation_report_add(struct store *s, const struct actor *who,
                           const struct health_report_input *in, struct idem_key *idem,
                           struct health_report *out, struct ep_error *err)
{
    if (!idem || !idem->uuid || !idem_uuid_valid(idem->uuid)) {
        ep_error_field(err, "client_uuid", "必填,应为 UUID", "is required: a UUID");
        return -EP_EINVAL;
    }
    if (observation_report_check(in, err) != 0)
        return -EP_EINVAL;
    /* The profile first (read once per transaction): the slot's index is a
     * parameter of the one read of the state, which goes to the server with
     * the idempotency key's lookup.  report_slot() names its errors after the
     * person's (index -1 matches no report). */
    struct profile prof;
    struct report_state state;
    int64_t day;
    int index;
    int rc = profile_get(s, &prof, err);
    if (rc != 0)
        return rc;
    report_slot_index(&prof, in, &day, &index);
    struct store_stmt *read = report_state_stmt(s, in->person_id, day, index, err);
    if (!read)
        return -EP_EINTERNAL;
    struct write w;
    int64_t first = 0;
    rc = write_begin_prefetch(&w, s, who, "health_report", idem, &first, read, err);
    if (rc == WRITE_REPLAY)
        return report_get(s, first, out, err); /* nothing was written */
    if (rc != 0)
        return rc;
    if (step(&w, report_state_read(read, in->person_id, &state, err)) != 0 ||
        report_target(&w, in->person_id, &state.o) != 0 ||
        step(&w, report_slot(&prof, &state.o, in, &day, &index, err)) != 0)
        return write_end(&w, 0);
    const struct observation o = state.o;

    memset(out, 0, sizeof *out);
    out->observation_id = o.id;
    out->person_id = o.person_id;
    memcpy(out->grid_code, o.grid_code, sizeof out->grid_code);
    out->slot_day = day;
    out->slot_index = index;
    slot_format(&prof, day, index, out->slot);
    out->temperature_dc = in->temperature_dc;
    json_t *list = json_array();
    for (int i = 0; i < in->nsymptoms; i++)
        json_array_append_new(list, json_string(in->symptoms[i]));
    char *text = json_dump_compact(list);
    snprintf(out->symptoms, sizeof out->symptoms, "%s", text ? text : "[]");
    free(text);
    json_decref(list);
    out->abnormal = profile_is_fever(&prof, in->temperature_dc) || in->nsymptoms > 0;
    snprintf(out->reporter, sizeof out->reporter, "%s", who->user->username);
    time_iso_from_unix((time_t)now_or(in->now_unix), out->reported_at);

    out->replaces = state.current_id;
    int old_abnormal = state.current_abnormal;
    const char *old_day = state.current_day;
    /* A replaced report leaves the unique "current" index before the new
     * one enters it; its replaced_by is set to the new id just after. */
    if (out->replaces && step(&w, set_replaced_by(s, out->replaces, -1, err)) != 0)
        return write_end(&w, 0);
    struct store_stmt *st = store_prepare(
        s,
        "INSERT INTO health_reports (observation_id, person_id, grid_code, slot_day, slot_index,"
        " slot, temperature_dc, symptoms, abnormal, reporter_id, reporter, reported_at, replaces,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        err);
    if (!st) {
        write_fail(&w, -EP_EINTERNAL);
        return write_end(&w, 0);
    }
    store_bind_int64(st, 1, out->observation_id);
    store_bind_int64(st, 2, out->person_id);
    store_bind_text(st, 3, out->grid_code);
    store_bind_int64(st, 4, out->slot_day);
    store_bind_int64(st, 5, out->slot_index);
    store_bind_text(st, 6, out->slot);
    store_bind_int64(st, 7, out->temperature_dc);
    store_bind_text(st, 8, out->symptoms);
    store_bind_int64(st, 9, out->abnormal);
    store_bind_int64(st, 10, who->user->id);
    store_bind_text(st, 11, out->reporter);
    store_bind_text(st, 12, out->reported_at);
    if (out->replaces)
        store_bind_int64(st, 13, out->replaces);
    store_bind_text(st, 14, w.now);
    if (step(&w, store_run_insert(st, &out->id, err)) != 0)
        return write_end(&w, 0);
    if (out->replaces && step(&w, set_replaced_by(s, out->replaces, out->id, err)) != 0)
        return write_end(&w, 0);

    /* Counters: the current reports by the day they were received (China
     * time), which is what "today's reports" means to the command -- a
     * report at 07:00 for yesterday's 16:00 slot, or late for any past slot,
     * is one of today's (issue 19).  A replacement takes its predecessor
     * off the day that one was received. */
    char today[11];
    snprintf(today, sizeof today, "%.10s", out->reported_at);
    if (out->replaces)
        count_received(&w, out->grid_code, old_day, -1, -old_abnormal);
    count_received(&w, out->grid_code, today, 1, out->abnormal);
    if (state.overdue_day == day && state.overdue_index == index)
        overdue_close_row(&w, state.overdue_id, state.overdue_grid, "reported", 0, NULL);
    if (out->abnormal)
        raise_abnormal(&w, &prof, &o, out, in);
    if (write_ok(&w))
        write_audit_new(&w, out->replaces ? "replace" : "create", "health_report", out->id,
                        out->grid_code, NULL, observation_report_json_new(out));
    return write_end(&w, out->id);
}

/* ---- the overdue sweep ------------------------------------------------- */

struct candidate {
    int64_t obs_id, person_id;
    char grid_code[REGION_CODE_MAX];
};

/* Closes open overdue rows whose slot is not (day, index), at most
 * OBSERVATION_SWEEP_BATCH of them ("more" set when some are left). */
static int close_stale(struct write *w, int64_t day, int index, int64_t now,
                       struct observation_sweep_result *res)
{
    struct store_stmt *st = store_prepare(w->s,
                                          "SELECT observation_id FROM overdue"
                                          " WHERE closed_at IS NULL"
                                          " AND (slot_day <> ? OR slot_index <> ?)"
                                          " ORDER BY observation_id LIMIT ?",
                                          w->err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_int64(st, 1, day);
    store_bind_int64(st, 2, index);
    store_bind_int64(st, 3, OBSERVATION_SWEEP_BATCH + 1);
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int rc;
    while ((rc = store_step(st, w->err)) == STORE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            int64_t *grown = realloc(ids, cap * sizeof *ids);
            if (!grown) {
                rc = ep_error_set(w->err, EP_EINTERNAL, "内存不足", "out of memory");
                break;
            }
            ids = grown;
        }
        ids[n++] = store_column_int64(st, 0);
    }
    store_stmt_reset(st);
    step(w, rc);
    if (n > OBSERVATION_SWEEP_BATCH) {
        n = OBSERVATION_SWEEP_BATCH;
        res->more = 1;
    }
    for (size_t i = 0; write_ok(w) && i < n; i++)
        overdue_close(w, ids[i], -1, 0, "slot_passed", now, &res->closed);
    free(ids);
    return w->rc;
}

/* Opens an overdue row for observation c at slot (day, index) and raises
 * its alert. */
static int open_overdue(struct write *w, const struct profile *p, const struct candidate *c,
                        int64_t day, int index, int64_t now)
{
    char slot[OBSERVATION_SLOT_LEN + 1], at[32];
    slot_format(p, day, index, slot);
    time_iso_from_unix((time_t)now, at);
    struct store_stmt *st = store_prepare(
        w->s,
        "INSERT INTO overdue (observation_id, person_id, grid_code, slot_day, slot_index, slot,"
        " opened_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        w->err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_int64(st, 1, c->obs_id);
    store_bind_int64(st, 2, c->person_id);
    store_bind_text(st, 3, c->grid_code);
    store_bind_int64(st, 4, day);
    store_bind_int64(st, 5, index);
    store_bind_text(st, 6, slot);
    store_bind_text(st, 7, at);
    if (step(w, store_run(st, w->err)) != 0 || write_count(w, c->grid_code, "overdue_now", 1) != 0)
        return w->rc;
    char zh[ALERT_TITLE_MAX], en[ALERT_TITLE_MAX], key[80], source[40];
    snprintf(zh, sizeof zh, "未按时报告健康情况(%s)", slot);
    snprintf(en, sizeof en, "health report overdue (%s)", slot);
    snprintf(key, sizeof key, "report_overdue:%lld:%.10s#%d", (long long)c->obs_id, slot, index);
    snprintf(source, sizeof source, "observation:%lld", (long long)c->obs_id);
    struct alert_input a = {
        .rule = "report_overdue",
        .severity = ALERT_MEDIUM,
        .grid_code = c->grid_code,
        .person_id = c->person_id,
        .source = source,
        .dedup_key = key,
        .title_zh = zh,
        .title_en = en,
        .raised_unix = now,
    };
    int64_t alert_id;
    return alert_raise_step(w, &a, &alert_id);
}

/* The candidates of a sweep: active observations due for slot (day, index)
 * without a report and without an open overdue row, among the next
 * OBSERVATION_SWEEP_SCAN active observations after id "after", at most
 * "budget" of them.  "*list" is malloc'd (caller frees); "*last" gets the id
 * up to which the observations were looked at (the last candidate when the
 * budget was reached), "*more" 1 when some are left to look at.  A call
 * reads a bounded number of rows even when nothing is due: a sweep that
 * finds nothing in a city of 20,000 under observation held the writer
 * ~30 ms in one job, and a province's would hold it ten times longer. */
static int sweep_candidates(struct write *w, const struct profile *prof, int64_t day, int index,
                            int64_t after, size_t budget, struct candidate **list, size_t *count,
                            int64_t *last, int *more)
{
    /* Due: open when the slot started (opened_at is the same "+08:00" text
     * form, so text order is time order), slot on or after the start date. */
    char date[11], slot_start[32];
    time_date_format(day, date);
    time_iso_from_unix((time_t)profile_slot_start(prof, day, index), slot_start);
    struct store_stmt *st = store_prepare(
        w->s,
        "SELECT o.id, o.person_id, o.grid_code,"
        " CASE WHEN o.start_date <= ? AND o.opened_at <= ?"
        " AND NOT EXISTS (SELECT 1 FROM health_reports h WHERE h.observation_id = o.id"
        "  AND h.slot_day = ? AND h.slot_index = ? AND h.replaced_by IS NULL)"
        " AND NOT EXISTS (SELECT 1 FROM overdue d WHERE d.observation_id = o.id"
        "  AND d.closed_at IS NULL) THEN 1 ELSE 0 END"
        " FROM observations o WHERE o.status = 'active' AND o.id > ?"
        " ORDER BY o.id LIMIT ?",
        w->err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_text(st, 1, date);
    store_bind_text(st, 2, slot_start);
    store_bind_int64(st, 3, day);
    store_bind_int64(st, 4, index);
    store_bind_int64(st, 5, after);
    store_bind_int64(st, 6, OBSERVATION_SWEEP_SCAN);
    size_t n = 0, cap = 0, seen = 0;
    *last = after;
    *more = 0;
    int rc;
    while ((rc = store_step(st, w->err)) == STORE_ROW) {
        if (n == budget) { /* this call opens no more: the next goes on here */
            *more = 1;
            break;
        }
        seen++;
        *last = store_column_int64(st, 0);
        if (!store_column_int64(st, 3))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            struct candidate *grown = realloc(*list, cap * sizeof *grown);
            if (!grown) {
                rc = ep_error_set(w->err, EP_EINTERNAL, "内存不足", "out of memory");
                break;
            }
            *list = grown;
        }
        (*list)[n].obs_id = *last;
        (*list)[n].person_id = store_column_int64(st, 1);
        snprintf((*list)[n].grid_code, sizeof(*list)[n].grid_code, "%s", store_column_text(st, 2));
        n++;
    }
    store_stmt_reset(st);
    if (rc == STORE_ROW || rc == STORE_DONE)
        rc = 0;
    if (seen == OBSERVATION_SWEEP_SCAN)
        *more = 1;
    *count = n;
    return step(w, rc);
}

int observation_sweep(struct store *s, int64_t now_unix, struct observation_sweep_result *out,
                      struct ep_error *err)
{
    struct observation_sweep_result res = {0};
    int64_t after = out ? out->after : 0;
    res.stale_done = out ? out->stale_done : 0;
    int64_t now = now_or(now_unix);
    /* A system job: the machine's own actor (no user, every region). */
    struct auth_user system;
    struct actor who;
    audit_cli_actor(&system, &who);
    struct write w;
    int rc = write_begin(&w, s, &who, NULL, NULL, NULL, err);
    if (rc != 0)
        return rc;
    struct profile prof;
    int64_t day;
    int index;
    if (step(&w, profile_get(s, &prof, err)) != 0)
        return write_end(&w, 0);
    profile_slot_at(&prof, now, &day, &index);
    /* Closing needs a walk of every open row: once per sweep, not per call
     * (the calls only open rows of the current slot). */
    if (!res.stale_done && close_stale(&w, day, index, now, &res) == 0 && !res.more)
        res.stale_done = 1;
    if (res.more)
        res.after = after; /* closing first; the opening goes on where it was */
    /* Nothing is due while the current slot is within its grace period. */
    else if (write_ok(&w) &&
             now >= profile_slot_start(&prof, day, index) + (int64_t)prof.grace_minutes * 60) {
        /* Collected first: the loop below writes the tables the query reads. */
        struct candidate *list = NULL;
        size_t n = 0;
        size_t budget = (size_t)(OBSERVATION_SWEEP_BATCH - res.closed); /* rows per call */
        sweep_candidates(&w, &prof, day, index, after, budget, &list, &n, &res.after, &res.more);
        for (size_t i = 0; write_ok(&w) && i < n; i++)
            if (open_overdue(&w, &prof, &list[i], day, index, now) == 0)
                res.opened++;
        free(list);
    }
    rc = write_end(&w, 0);
    if (rc == 0 && out)
        *out = res;
    return rc;
}

int observation_counters_rebuild(struct store *s, struct ep_error *err)
{
    int rc = counter_rebuild_family(s, "obs_active.",
                                    "SELECT grid_code, 'obs_active.' || kind, count(*)"
                                    " FROM observations WHERE status = 'active' GROUP BY 1, 2",
                                    err);
    if (rc == 0)
        rc = counter_rebuild_family(s, "obs_new.",
                                    "SELECT grid_code, 'obs_new.' || start_date, count(*)"
                                    " FROM observations GROUP BY 1, 2",
                                    err);
    if (rc == 0)
        rc = counter_rebuild_family(
            s, "obs_released.",
            "SELECT grid_code, 'obs_released.' || substr(released_at, 1, 10), count(*)"
            " FROM observations WHERE status = 'released' GROUP BY 1, 2",
            err);
    if (rc == 0)
        rc = counter_rebuild(s, "overdue_now",
                             "SELECT grid_code, count(*) FROM overdue WHERE closed_at IS NULL"
                             " GROUP BY grid_code",
                             err);
    if (rc == 0)
        rc = counter_rebuild_family(
            s, "reports.",
            "SELECT grid_code, 'reports.' || substr(reported_at, 1, 10), count(*)"
            " FROM health_reports WHERE replaced_by IS NULL GROUP BY 1, 2",
            err);
    if (rc == 0)
        rc = counter_rebuild_family(
            s, "reports_abnormal.",
            "SELECT grid_code, 'reports_abnormal.' || substr(reported_at, 1, 10), count(*)"
            " FROM health_reports WHERE replaced_by IS NULL AND abnormal = 1 GROUP BY 1, 2",
            err);
    return rc;
}
