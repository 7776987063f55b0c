/*
 * case.c -- cases, their state machine and history (see case.h).
 *
 * The state machine is the table `transitions` below: one entry for every
 * (from, to) pair with its verdict and, when refused, the message the user
 * reads.  Every write keeps, in one transaction: the cases row, a
 * case_history row with the whole state after the change, the counters by
 * difference (before -> after), the audit row, the event, and the
 * four-concentrations alert when a confirmed case is not in a designated
 * hospital.
 */
#include "core/case.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alert.h"
#include "core/counter.h"
#include "core/event.h"
#include "core/nowcast.h"
#include "core/observation.h"
#include "core/person.h"
#include "core/ref.h"
#include "core/site.h"
#include "core/write.h"
#include "util/idcheck.h"
#include "util/json.h"
#include "util/text.h"
#include "util/timeutil.h"

const char *const case_statuses[] = {
    "suspected", "confirmed", "asymptomatic", "excluded", "discharged", "deceased", NULL};

const char *const case_severities[] = {"mild", "moderate", "severe", "critical", NULL};

/* Refusal messages shared by several entries. */
#define EXCLUDED_ZH   "已排除病例为最终状态,不能再变更;如再次发病请重新报告病例"
#define EXCLUDED_EN   "an excluded case is final; report a new case if the person falls ill again"
#define DISCHARGED_ZH "已出院病例为最终状态,不能再变更"
#define DISCHARGED_EN "a discharged case is final and cannot change"
#define DECEASED_ZH   "死亡病例为最终状态,不能再变更"
#define DECEASED_EN   "a deceased case is final and cannot change"
#define OK(from, to)                                                                               \
    {                                                                                              \
        from, to, 1, NULL, NULL                                                                    \
    }
#define NO(from, to, zh, en)                                                                       \
    {                                                                                              \
        from, to, 0, zh, en                                                                        \
    }

static const struct case_transition transitions[] = {
    /* a new case */
    OK("", "suspected"),
    OK("", "confirmed"),
    OK("", "asymptomatic"),
    NO("", "excluded", "新报告的病例不能为已排除", "a new case cannot be reported as excluded"),
    NO("", "discharged", "新报告的病例不能为已出院", "a new case cannot be reported as discharged"),
    NO("", "deceased", "新报告的病例不能直接登记死亡,请先报告为确诊病例",
       "a new case cannot be reported as deceased; report it as confirmed first"),
    /* suspected */
    NO("suspected", "suspected", "病例已是疑似病例", "the case is already suspected"),
    OK("suspected", "confirmed"),
    OK("suspected", "asymptomatic"),
    OK("suspected", "excluded"),
    NO("suspected", "discharged", "疑似病例须先确诊或排除,不能直接出院",
       "a suspected case must be confirmed or excluded before discharge"),
    NO("suspected", "deceased", "疑似病例须先确诊,不能直接登记死亡",
       "a suspected case must be confirmed before it is recorded as deceased"),
    /* confirmed */
    NO("confirmed", "suspected", "确诊病例不能改回疑似病例",
       "a confirmed case cannot go back to suspected"),
    NO("confirmed", "confirmed", "病例已是确诊病例", "the case is already confirmed"),
    NO("confirmed", "asymptomatic", "确诊病例不能改为无症状感染者",
       "a confirmed case cannot become asymptomatic"),
    NO("confirmed", "excluded", "确诊病例不能排除", "a confirmed case cannot be excluded"),
    OK("confirmed", "discharged"),
    OK("confirmed", "deceased"),
    /* asymptomatic */
    NO("asymptomatic", "suspected", "无症状感染者不能改为疑似病例",
       "an asymptomatic case cannot become suspected"),
    OK("asymptomatic", "confirmed"),
    NO("asymptomatic", "asymptomatic", "病例已是无症状感染者", "the case is already asymptomatic"),
    NO("asymptomatic", "excluded", "无症状感染者不能排除",
       "an asymptomatic case cannot be excluded"),
    OK("asymptomatic", "discharged"),
    OK("asymptomatic", "deceased"),
    /* final states */
    NO("excluded", "suspected", EXCLUDED_ZH, EXCLUDED_EN),
    NO("excluded", "confirmed", EXCLUDED_ZH, EXCLUDED_EN),
    NO("excluded", "asymptomatic", EXCLUDED_ZH, EXCLUDED_EN),
    NO("excluded", "excluded", EXCLUDED_ZH, EXCLUDED_EN),
    NO("excluded", "discharged", EXCLUDED_ZH, EXCLUDED_EN),
    NO("excluded", "deceased", EXCLUDED_ZH, EXCLUDED_EN),
    NO("discharged", "suspected", DISCHARGED_ZH, DISCHARGED_EN),
    NO("discharged", "confirmed", DISCHARGED_ZH, DISCHARGED_EN),
    NO("discharged", "asymptomatic", DISCHARGED_ZH, DISCHARGED_EN),
    NO("discharged", "excluded", DISCHARGED_ZH, DISCHARGED_EN),
    NO("discharged", "discharged", DISCHARGED_ZH, DISCHARGED_EN),
    NO("discharged", "deceased", DISCHARGED_ZH, DISCHARGED_EN),
    NO("deceased", "suspected", DECEASED_ZH, DECEASED_EN),
    NO("deceased", "confirmed", DECEASED_ZH, DECEASED_EN),
    NO("deceased", "asymptomatic", DECEASED_ZH, DECEASED_EN),
    NO("deceased", "excluded", DECEASED_ZH, DECEASED_EN),
    NO("deceased", "discharged", DECEASED_ZH, DECEASED_EN),
    NO("deceased", "deceased", DECEASED_ZH, DECEASED_EN),
};
#undef OK
#undef NO

static int in_list(const char *v, const char *const *list)
{
    for (; v && *list; list++)
        if (strcmp(v, *list) == 0)
            return 1;
    return 0;
}

const struct case_transition *case_transition_find(const char *from, const char *to)
{
    for (size_t i = 0; from && to && i < sizeof transitions / sizeof transitions[0]; i++)
        if (strcmp(transitions[i].from, from) == 0 && strcmp(transitions[i].to, to) == 0)
            return &transitions[i];
    return NULL;
}

int case_transition_check(const char *from, const char *to, struct ep_error *err)
{
    const struct case_transition *t = case_transition_find(from, to);
    if (!t) {
        ep_error_field(err, "status",
                       "应为 suspected、confirmed、asymptomatic、excluded、discharged 或 deceased",
                       "must be suspected, confirmed, asymptomatic, excluded, discharged or"
                       " deceased");
        return -EP_EINVAL;
    }
    if (t->allowed)
        return 0;
    ep_error_field(err, "status", "%s%.0s", "%.0s%s", t->msg_zh, t->msg_en);
    return ep_error_set(err, EP_ERULE, "%s%.0s", "%.0s%s", t->msg_zh, t->msg_en);
}

int case_status_open(const char *status)
{
    return status && (strcmp(status, "suspected") == 0 || strcmp(status, "confirmed") == 0 ||
                      strcmp(status, "asymptomatic") == 0);
}

const char *case_status_zh(const char *status)
{
    static const char *const zh[] = {"疑似病例", "确诊病例", "无症状感染者",
                                     "已排除",   "治愈出院", "死亡"};
    _Static_assert(sizeof zh / sizeof zh[0] == sizeof case_statuses / sizeof case_statuses[0] - 1,
                   "a name for each status");
    int i = text_list_index(status, case_statuses);
    return i >= 0 ? zh[i] : "";
}

const char *case_severity_zh(const char *severity)
{
    static const char *const zh[] = {"轻型", "普通型", "重型", "危重型"};
    _Static_assert(sizeof zh / sizeof zh[0] ==
                       sizeof case_severities / sizeof case_severities[0] - 1,
                   "a name for each severity");
    int i = text_list_index(severity, case_severities);
    return i >= 0 ? zh[i] : "";
}

static int64_t now_or(int64_t t)
{
    return t > 0 ? t : (int64_t)time(NULL);
}

/* "YYYY-MM-DD" (China) of a unix time. */
static void day_of(int64_t t, char out[11])
{
    time_date_format((t + TIME_CN_OFFSET_SECONDS) / 86400 - ((t + TIME_CN_OFFSET_SECONDS) < 0),
                     out);
}

static void check_note(const char *v, struct ep_error *err)
{
    if (!v)
        return;
    size_t len = strlen(v);
    if (!utf8_valid(v, len))
        ep_error_field(err, "note", "不是有效的 UTF-8 文本", "is not valid UTF-8 text");
    else if (utf8_length(v, len) > 300 || len >= CASE_TEXT_MAX)
        ep_error_field(err, "note", "不能超过 300 个字", "must be at most 300 characters");
}

static void check_date(const char *field, const char *v, int64_t today, int64_t *out,
                       struct ep_error *err)
{
    *out = -1;
    if (!v)
        return;
    if (time_date_parse(v, out) != 0) {
        ep_error_field(err, field, "日期无效,格式应为 YYYY-MM-DD",
                       "invalid date, expected YYYY-MM-DD");
        *out = -1;
    } else if (*out > today) {
        ep_error_field(err, field, "不能晚于今天", "cannot be in the future");
        *out = -1;
    }
}

/* ---- reading ------------------------------------------------------------ */

#define FLAG_EXPR                                                                                  \
    "(c.status = 'confirmed' AND c.transferred_to IS NULL AND (c.site_id IS NULL"                  \
    " OR s.kind IS NULL OR s.kind <> 'designated_hospital'))"

#define COLUMNS                                                                                    \
    "c.id, c.person_id, COALESCE(p.name, ''), c.grid_code, c.status, c.classification,"            \
    " COALESCE(c.severity, ''), COALESCE(c.onset_date, ''), c.report_date,"                        \
    " COALESCE(c.confirmed_date, ''), COALESCE(c.outcome_date, ''), COALESCE(c.site_id, 0),"       \
    " COALESCE(s.name, ''), COALESCE(s.kind, ''), COALESCE(c.observation_id, 0), " FLAG_EXPR       \
    ", COALESCE(c.note, ''), c.created_by, c.created_at, c.updated_at,"                            \
    " COALESCE(c.transferred_to, ''), COALESCE(c.transferred_date, ''),"                           \
    " (SELECT name FROM regions WHERE code = substr(c.grid_code, 1, 6)),"                          \
    " (SELECT name FROM regions WHERE code = substr(c.grid_code, 1, 9)),"                          \
    " (SELECT name FROM regions WHERE code = substr(c.grid_code, 1, 12)),"                         \
    " (SELECT name FROM regions WHERE code = c.grid_code)"

#define FROM                                                                                       \
    " FROM cases c JOIN persons p ON p.id = c.person_id LEFT JOIN sites s ON s.id = c.site_id"

static void fill(struct store_stmt *st, void *out)
{
    struct case_record *c = out;
    memset(c, 0, sizeof *c);
    c->id = store_column_int64(st, 0);
    c->person_id = store_column_int64(st, 1);
    snprintf(c->person_name, sizeof c->person_name, "%s", store_column_text(st, 2));
    snprintf(c->grid_code, sizeof c->grid_code, "%s", store_column_text(st, 3));
    snprintf(c->status, sizeof c->status, "%s", store_column_text(st, 4));
    snprintf(c->classification, sizeof c->classification, "%s", store_column_text(st, 5));
    snprintf(c->severity, sizeof c->severity, "%s", store_column_text(st, 6));
    snprintf(c->onset_date, sizeof c->onset_date, "%s", store_column_text(st, 7));
    snprintf(c->report_date, sizeof c->report_date, "%s", store_column_text(st, 8));
    snprintf(c->confirmed_date, sizeof c->confirmed_date, "%s", store_column_text(st, 9));
    snprintf(c->outcome_date, sizeof c->outcome_date, "%s", store_column_text(st, 10));
    c->site_id = store_column_int64(st, 11);
    snprintf(c->site_name, sizeof c->site_name, "%s", store_column_text(st, 12));
    snprintf(c->site_kind, sizeof c->site_kind, "%s", store_column_text(st, 13));
    c->observation_id = store_column_int64(st, 14);
    c->outside_hospital = (int)store_column_int64(st, 15);
    snprintf(c->note, sizeof c->note, "%s", store_column_text(st, 16));
    snprintf(c->created_by, sizeof c->created_by, "%s", store_column_text(st, 17));
    snprintf(c->created_at, sizeof c->created_at, "%s", store_column_text(st, 18));
    snprintf(c->updated_at, sizeof c->updated_at, "%s", store_column_text(st, 19));
    snprintf(c->transferred_to, sizeof c->transferred_to, "%s", store_column_text(st, 20));
    snprintf(c->transferred_date, sizeof c->transferred_date, "%s", store_column_text(st, 21));
    for (int i = 0; i < 4; i++)
        snprintf(c->region_names[i], sizeof c->region_names[i], "%s",
                 store_column_text(st, 22 + i));
}

int case_get(struct store *s, const char *scope, int64_t id, struct case_record *out,
             struct ep_error *err)
{
    return ref_get_one(s,
                       "SELECT " COLUMNS FROM " WHERE c.id = ?"
                       " AND c.grid_code >= ? AND c.grid_code < ?",
                       NULL, scope, REF_CASE, id, fill, out, err);
}

#define CASE_LIST_REST                                                                             \
    " (c.grid_code, c.id) > (?, ?) AND c.grid_code < ?"                                            \
    " AND (? IS NULL OR c.status = ? OR (? = 'open' AND c.status IN"                               \
    " ('suspected', 'confirmed', 'asymptomatic')))"                                                \
    " AND (? = 0 OR c.site_id = ?) AND (? = 0 OR c.person_id = ?)"                                 \
    " AND (? = 0 OR " FLAG_EXPR ") ORDER BY c.grid_code, c.id LIMIT ?"

int case_list(struct store *s, const struct case_filter *f, case_fn fn, void *ctx,
              struct ep_error *err)
{
    char lower[REGION_CODE_MAX], upper[REGION_CODE_MAX];
    if (!region_narrow(f->scope, f->region, lower))
        return 0;
    region_code_range(lower, upper);
    /* By person (the chain, one person's cases) through its index, else the
     * grid range; the other conditions are residual. */
    struct store_stmt *st;
    if (f->person_id > 0)
        st = store_prepare(s, "SELECT " COLUMNS FROM " WHERE c.person_id = ? AND" CASE_LIST_REST,
                           err);
    else
        st = store_prepare(s, "SELECT " COLUMNS FROM " WHERE ? = 0 AND" CASE_LIST_REST, err);
    if (!st)
        return -EP_EINTERNAL;
    int cursor = f->after_grid && strcmp(f->after_grid, lower) >= 0;
    store_bind_int64(st, 1, f->person_id > 0 ? f->person_id : 0);
    const char *status = f->status && *f->status ? f->status : NULL;
    store_bind_text(st, 2, cursor ? f->after_grid : lower);
    store_bind_int64(st, 3, cursor ? f->after_id : 0);
    store_bind_text(st, 4, upper);
    store_bind_text_twice(st, 5, status);
    store_bind_text(st, 7, status);
    store_bind_int64_twice(st, 8, f->site_id);
    store_bind_int64_twice(st, 10, f->person_id);
    store_bind_int64(st, 12, f->outside_hospital);
    store_bind_int64(st, 13, f->limit > 0 ? f->limit : INT64_MAX);
    int rc;
    struct case_record c;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        fill(st, &c);
        if ((rc = fn(&c, ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc;
}

int case_history_list(struct store *s, int64_t id, case_history_fn fn, void *ctx,
                      struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT id, at, actor, COALESCE(from_status, ''), to_status, classification,"
                      " COALESCE(severity, ''), COALESCE(site_id, 0), fields, COALESCE(note, ''),"
                      " COALESCE(recorded_at, at) FROM case_history WHERE case_id = ? ORDER BY id",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc;
    struct case_history_row h;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        memset(&h, 0, sizeof h);
        h.id = store_column_int64(st, 0);
        snprintf(h.at, sizeof h.at, "%s", store_column_text(st, 1));
        snprintf(h.actor, sizeof h.actor, "%s", store_column_text(st, 2));
        snprintf(h.from_status, sizeof h.from_status, "%s", store_column_text(st, 3));
        snprintf(h.to_status, sizeof h.to_status, "%s", store_column_text(st, 4));
        snprintf(h.classification, sizeof h.classification, "%s", store_column_text(st, 5));
        snprintf(h.severity, sizeof h.severity, "%s", store_column_text(st, 6));
        h.site_id = store_column_int64(st, 7);
        snprintf(h.fields, sizeof h.fields, "%s", store_column_text(st, 8));
        snprintf(h.note, sizeof h.note, "%s", store_column_text(st, 9));
        snprintf(h.recorded_at, sizeof h.recorded_at, "%s", store_column_text(st, 10));
        if ((rc = fn(&h, ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc;
}

static json_t *opt_text(const char *v)
{
    return v && *v ? json_string(v) : json_null();
}

json_t *case_json_new(const struct case_record *c)
{
    json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)c->id,
                          "person_id", (json_int_t)c->person_id, "person_name", c->person_name,
                          "grid_code", c->grid_code, "status", c->status, "status_zh",
                          text_or(case_status_zh(c->status), c->status), "classification",
                          c->classification);
    json_object_set_new(j, "severity", opt_text(c->severity));
    json_object_set_new(j, "onset_date", opt_text(c->onset_date));
    json_object_set_new(j, "report_date", json_string(c->report_date));
    json_object_set_new(j, "confirmed_date", opt_text(c->confirmed_date));
    json_object_set_new(j, "outcome_date", opt_text(c->outcome_date));
    json_object_set_new(j, "site",
                        c->site_id ? json_pack("{s:I, s:s, s:s}", "id", (json_int_t)c->site_id,
                                               "name", c->site_name, "kind", c->site_kind)
                                   : json_null());
    json_object_set_new(j, "observation_id",
                        c->observation_id ? json_integer(c->observation_id) : json_null());
    json_object_set_new(j, "outside_hospital", json_boolean(c->outside_hospital));
    json_object_set_new(j, "transferred_to", opt_text(c->transferred_to));
    json_object_set_new(j, "transferred_date", opt_text(c->transferred_date));
    json_object_set_new(j, "note", opt_text(c->note));
    json_object_set_new(j, "created_by", json_string(c->created_by));
    json_object_set_new(j, "created_at", json_string(c->created_at));
    json_object_set_new(j, "updated_at", json_string(c->updated_at));
    json_t *names = json_array();
    for (int i = 0; i < 4; i++)
        json_array_append_new(names, json_string(c->region_names[i]));
    json_object_set_new(j, "region_names", names);
    return j;
}

json_t *case_history_json_new(const struct case_history_row *h)
{
    json_t *fields = json_loads(h->fields, 0, NULL);
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o}", "id",
                          (json_int_t)h->id, "at", h->at, "recorded_at", h->recorded_at, "actor",
                          h->actor, "from", opt_text(h->from_status), "to", h->to_status,
                          "classification", h->classification, "severity", opt_text(h->severity),
                          "site_id", h->site_id ? json_integer(h->site_id) : json_null(), "fields",
                          fields ? fields : json_array(), "note", opt_text(h->note));
    return j;
}

/* The case as the audit log keeps it (no personal data beyond the ids). */
static json_t *audit_json(const struct case_record *c)
{
    json_t *j = case_json_new(c);
    json_object_del(j, "person_name");
    json_object_del(j, "region_names"); /* the grid code says where */
    return j;
}

/* ---- writing ------------------------------------------------------------ */

/* Last history moment of a case (0 when none). */
static int last_change(struct store *s, int64_t id, int64_t *at_unix, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s, "SELECT COALESCE(max(at_unix), 0) FROM case_history WHERE case_id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    return store_step_int64s(st, at_unix, 1, err);
}

/* Runs "rc" (a store or lookup call's result, err filled) into the write. */
static int step(struct write *w, int rc)
{
    return rc < 0 ? write_fail(w, rc) : w->rc;
}

/* Appends the history row of a change to "after" (from "from", "" when new). */
static int history_add(struct write *w, const struct case_record *after, const char *from,
                       int64_t at_unix, const json_t *fields, const char *note)
{
    if (!write_ok(w))
        return w->rc;
    char at[32], day[11];
    time_iso_from_unix((time_t)at_unix, at);
    day_of(at_unix, day);
    char *fields_text = json_dump_compact(fields);
    struct store_stmt *st =
        store_prepare(w->s,
                      "INSERT INTO case_history (case_id, grid_code, at, at_unix, at_day, actor,"
                      " from_status, to_status, classification, severity, site_id, fields, note,"
                      " recorded_at, recorded_unix)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      w->err);
    int rc = -EP_EINTERNAL;
    if (st && fields_text) {
        store_bind_int64(st, 1, after->id);
        store_bind_text(st, 2, after->grid_code);
        store_bind_text(st, 3, at);
        store_bind_int64(st, 4, at_unix);
        store_bind_text(st, 5, day);
        store_bind_text(st, 6, w->who->user->username);
        store_bind_text(st, 7, *from ? from : NULL);
        store_bind_text(st, 8, after->status);
        store_bind_text(st, 9, after->classification);
        store_bind_text(st, 10, after->severity[0] ? after->severity : NULL);
        if (after->site_id)
            store_bind_int64(st, 11, after->site_id);
        else
            store_bind_null(st, 11);
        store_bind_text(st, 12, fields_text);
        store_bind_text(st, 13, note && *note ? note : NULL);
        store_bind_text(st, 14, w->now);
        store_bind_int64(st, 15, w->now_unix);
        rc = store_run(st, w->err);
    } else if (st) {
        ep_error_set(w->err, EP_EINTERNAL, "内存不足", "out of memory");
    }
    free(fields_text);
    return step(w, rc);
}

/* Counters, event and alert of a change from "before" (NULL when new) to
 * "after" recorded at "at_unix", as steps of "w". */
static int consequences(struct write *w, const struct case_record *before,
                        const struct case_record *after, int64_t at_unix)
{
    char metric[64], day[11];
    const char *from = before ? before->status : "";
    if (strcmp(from, after->status) != 0) {
        if (case_status_open(from)) {
            snprintf(metric, sizeof metric, "cases_current.%s", from);
            write_count(w, after->grid_code, metric, -1);
        }
        if (case_status_open(after->status)) {
            snprintf(metric, sizeof metric, "cases_current.%s", after->status);
            write_count(w, after->grid_code, metric, 1);
        }
        if (strcmp(after->status, "confirmed") == 0) {
            day_of(at_unix, day);
            snprintf(metric, sizeof metric, "cases_confirmed.%s", day);
            write_count(w, after->grid_code, metric, 1);
            write_count(w, after->grid_code, "cases_confirmed_total", 1);
        }
        /* Outcomes of confirmed cases, as the bulletin counts them. */
        const char *outcome = !strcmp(after->status, "discharged") ? "cases_discharged"
                              : !strcmp(after->status, "deceased") ? "cases_deaths"
                                                                   : NULL;
        if (outcome && strcmp(after->classification, "confirmed") == 0) {
            day_of(at_unix, day);
            snprintf(metric, sizeof metric, "%s.%s", outcome, day);
            write_count(w, after->grid_code, metric, 1);
            snprintf(metric, sizeof metric, "%s_total", outcome);
            write_count(w, after->grid_code, metric, 1);
        }
    }
    int was = before ? before->outside_hospital : 0;
    write_count(w, after->grid_code, "cases_outside_hospital", after->outside_hospital - was);
    if (after->outside_hospital && !was) {
        char source[32], key[64];
        snprintf(source, sizeof source, "case:%lld", (long long)after->id);
        snprintf(key, sizeof key, "case_outside_hospital:%lld", (long long)after->id);
        struct alert_input a = {
            .rule = "case_outside_hospital",
            .severity = ALERT_HIGH,
            .grid_code = after->grid_code,
            .person_id = after->person_id,
            .source = source,
            .dedup_key = key,
            .title_zh = "确诊病例未收治于定点医院(四个集中)",
            .title_en = "confirmed case not placed in a designated hospital",
            .raised_unix = at_unix,
        };
        int64_t alert_id;
        alert_raise_step(w, &a, &alert_id);
    } else if (was && !after->outside_hospital) {
        /* The cause has gone: the case's own alert closes itself. */
        char key[64];
        snprintf(key, sizeof key, "case_outside_hospital:%lld", (long long)after->id);
        const char *why = !strcmp(after->status, "discharged") ? "病例已出院,自动处置"
                          : after->transferred_to[0] && !before->transferred_to[0]
                              ? "病例已转出至辖区外救治,自动处置"
                          : !strcmp(after->status, "deceased") ? "病例已死亡,自动处置"
                          : case_status_open(after->status) && after->site_id
                              ? "病例已收治于定点医院,自动处置"
                              : "病例已不属确诊在治,自动处置";
        alert_resolve_key_step(w, key, why, at_unix);
    }
    if (!write_ok(w))
        return w->rc;
    json_t *payload =
        json_pack("{s:I, s:s, s:s, s:b}", "id", (json_int_t)after->id, "status", after->status,
                  "grid_code", after->grid_code, "outside_hospital", after->outside_hospital);
    int rc = event_publish(w->s, after->grid_code, before ? "case.updated" : "case.created",
                           payload, NULL, w->err);
    json_decref(payload);
    return step(w, rc);
}

static int find_active_observation(const struct observation *o, void *ctx)
{
    *(int64_t *)ctx = o->id;
    return 1;
}

/* The references of a new case: the observation to convert (visible, still
 * active, of the person given), the person (visible) and the site (visible).
 * Field errors are gathered in w->err; *person_id and *obs_id receive the
 * person and the observation (0 when none), "grid" the person's grid. */
static void create_refs(struct write *w, const struct case_input *in, int64_t *person_id,
                        int64_t *obs_id, char grid[REGION_CODE_MAX])
{
    *person_id = in->person_id;
    *obs_id = 0;
    if (in->observation_id > 0 &&
        write_ref(w, REF_OBSERVATION, in->observation_id, "observation_id", NULL) == 1) {
        struct observation o;
        if (step(w, observation_get(w->s, "", in->observation_id, &o, w->err)) != 0)
            return;
        if (strcmp(o.status, "active") != 0)
            ep_error_field(w->err, "observation_id", "观察记录已结束(%s%.0s)",
                           "the observation is no longer active (%.0s%s)",
                           observation_status_zh(o.status), o.status);
        else if (*person_id > 0 && *person_id != o.person_id)
            ep_error_field(w->err, "person_id", "与观察记录的人员不符",
                           "does not match the observation's person");
        else
            *person_id = o.person_id, *obs_id = o.id;
    }
    if (*person_id > 0)
        write_ref(w, REF_PERSON, *person_id, "person_id", grid);
    if (in->site_id > 0)
        write_ref(w, REF_SITE, in->site_id, "site_id", NULL);
}

int case_create(struct store *s, const struct actor *who, const struct case_input *in,
                struct idem_key *idem, struct case_record *out, struct ep_error *err)
{
    int64_t now = now_or(in->at_unix), at_unix = now;
    char at_day[11];
    day_of(now, at_day);
    int64_t today, onset, report;
    time_date_parse(at_day, &today);
    if (in->person_id <= 0 && in->observation_id <= 0)
        ep_error_field(err, "person_id", "必填(或给出 observation_id)",
                       "is required (or give observation_id)");
    if (!in->status)
        ep_error_field(err, "status", "必填", "is required");
    else if (case_transition_check("", in->status, err) != 0)
        err->code = EP_EINVAL; /* a bad initial status is bad input */
    if (in->severity && !in_list(in->severity, case_severities))
        ep_error_field(err, "severity", "应为 mild、moderate、severe 或 critical",
                       "must be mild, moderate, severe or critical");
    check_date("onset_date", in->onset_date, today, &onset, err);
    check_date("report_date", in->report_date, today, &report, err);
    /* When it happened: as given, else at the end of the report date. */
    if (in->occurred_at) {
        if (occurred_parse(s, "occurred_at", in->occurred_at, now, &at_unix, err) == -EP_EINTERNAL)
            return -EP_EINTERNAL;
    } else if (report >= 0) {
        occurred_parse(s, "report_date", in->report_date, now, &at_unix, err);
    }
    day_of(at_unix, at_day);
    int64_t occurred_day;
    time_date_parse(at_day, &occurred_day);
    if (!in->report_date)
        report = occurred_day;
    else if (report > occurred_day && in->occurred_at)
        ep_error_field(err, "report_date", "不能晚于发生时间 occurred_at(%s)",
                       "cannot be after occurred_at (%s)", at_day);
    if (onset >= 0 && report >= 0 && onset > report)
        ep_error_field(err, "onset_date", "不能晚于报告日期", "cannot be after the report date");
    check_note(in->note, err);
    if (in->site_id < 0)
        ep_error_field(err, "site_id", "应为场所编号", "must be a site id");
    if (err->code)
        return -err->code;

    struct write w;
    int64_t case_id = 0;
    int rc = write_begin(&w, s, who, "case", idem, &case_id, err);
    if (rc == WRITE_REPLAY)
        return case_get(s, who->user->scope, case_id, out, err);
    if (rc != 0)
        return rc;
    write_clock(&w, in->at_unix);
    if (at_unix != w.now_unix)
        write_occurred(&w, at_unix);
    /* The person, directly or through the observation to convert: visible to
     * who, or not found (the same answer for a record of another county). */
    int64_t person_id = 0, obs_id = 0;
    char grid[REGION_CODE_MAX] = "";
    create_refs(&w, in, &person_id, &obs_id, grid);
    if (write_check(&w) != 0)
        return write_end(&w, 0);
    /* The person's active observation ends: a case is managed as a case. */
    if (!obs_id) {
        struct observation_filter of = {
            .scope = "", .status = "active", .person_id = person_id, .limit = 1};
        if (step(&w, observation_list(s, &of, find_active_observation, &obs_id, err)) != 0)
            return write_end(&w, 0);
    }

    struct store_stmt *st =
        store_prepare(s,
                      "INSERT INTO cases (person_id, grid_code, status, classification, severity,"
                      " onset_date, report_date, confirmed_date, site_id, observation_id, note,"
                      " created_by, created_at, updated_at)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      err);
    if (!st) {
        write_fail(&w, -EP_EINTERNAL);
        return write_end(&w, 0);
    }
    char report_text[11];
    time_date_format(report, report_text);
    int confirmed = strcmp(in->status, "confirmed") == 0;
    store_bind_int64(st, 1, person_id);
    store_bind_text(st, 2, grid);
    store_bind_text_twice(st, 3, in->status);
    store_bind_text(st, 5, in->severity);
    store_bind_text(st, 6, in->onset_date);
    store_bind_text(st, 7, report_text);
    store_bind_text(st, 8, confirmed ? at_day : NULL);
    if (in->site_id > 0)
        store_bind_int64(st, 9, in->site_id);
    else
        store_bind_null(st, 9);
    if (obs_id)
        store_bind_int64(st, 10, obs_id);
    else
        store_bind_null(st, 10);
    store_bind_text(st, 11, in->note && *in->note ? in->note : NULL);
    store_bind_text(st, 12, who->user->username);
    store_bind_text_twice(st, 13, w.now);
    if ((rc = store_run(st, err)) != 0) {
        if (rc == -EP_ECONFLICT) { /* the person is visible: saying so leaks nothing */
            ep_error_clear(err);
            ep_error_field(err, "person_id", "此人已有未结案的病例",
                           "this person has an open case");
            rc = ep_error_set(err, EP_ECONFLICT, "此人已有未结案的病例",
                              "this person already has an open case");
        }
        write_fail(&w, rc);
        return write_end(&w, 0);
    }
    case_id = store_last_insert_id(s);
    if (obs_id) {
        char note[40];
        snprintf(note, sizeof note, "case:%lld", (long long)case_id);
        struct observation ended;
        observation_end_step(&w, obs_id, "converted", note, &ended);
    }
    struct case_record c;
    memset(&c, 0, sizeof c);
    if (write_ok(&w) && step(&w, case_get(s, "", case_id, &c, err)) == 0) {
        json_t *fields = json_pack("[s]", "status");
        if (in->severity)
            json_array_append_new(fields, json_string("severity"));
        if (in->site_id)
            json_array_append_new(fields, json_string("site_id"));
        if (in->onset_date)
            json_array_append_new(fields, json_string("onset_date"));
        history_add(&w, &c, "", at_unix, fields, in->note);
        json_decref(fields);
        consequences(&w, NULL, &c, at_unix);
        write_audit_new(&w, "create", "case", case_id, c.grid_code, NULL, audit_json(&c));
    }
    if ((rc = write_end(&w, case_id)) == 0)
        *out = c;
    return rc;
}

/* The changes of "ch" applied to "before" into "c", the names of the fields
 * changed appended to "fields": rule violations and a site that is not
 * visible end the write. */
static int change_apply(struct write *w, const struct case_record *before,
                        const struct case_change *ch, const char *at_day, int64_t onset,
                        struct case_record *c, json_t *fields)
{
    struct ep_error *err = w->err;
    *c = *before;
    if (ch->status) {
        if (step(w, case_transition_check(before->status, ch->status, err)) != 0)
            return w->rc;
        snprintf(c->status, sizeof c->status, "%s", ch->status);
        if (!strcmp(ch->status, "discharged") || !strcmp(ch->status, "deceased"))
            memcpy(c->outcome_date, at_day, sizeof c->outcome_date);
        else
            snprintf(c->classification, sizeof c->classification, "%s", ch->status);
        if (!strcmp(ch->status, "confirmed"))
            memcpy(c->confirmed_date, at_day, sizeof c->confirmed_date);
        json_array_append_new(fields, json_string("status"));
    }
    int open_before = case_status_open(before->status), open_after = case_status_open(c->status);
    if (ch->severity && strcmp(ch->severity, before->severity) != 0) {
        if (!open_before || !open_after) {
            ep_error_set(err, EP_ERULE, "只有在院(未结案)的病例才能变更病情分型",
                         "severity can change only while the case is open");
            ep_error_field(err, "severity", "%s%.0s", "%.0s%s", err->msg[0], err->msg[1]);
            return write_fail(w, -EP_ERULE);
        }
        snprintf(c->severity, sizeof c->severity, "%s", ch->severity);
        json_array_append_new(fields, json_string("severity"));
    }
    if (ch->site_given && ch->site_id != before->site_id) {
        if (!open_before) {
            ep_error_set(err, EP_ERULE, "已结案的病例不能变更收治场所",
                         "a closed case cannot be moved to another site");
            ep_error_field(err, "site_id", "%s%.0s", "%.0s%s", err->msg[0], err->msg[1]);
            return write_fail(w, -EP_ERULE);
        }
        if (ch->site_id > 0 && write_ref(w, REF_SITE, ch->site_id, "site_id", NULL) != 1)
            return write_check(w);
        c->site_id = ch->site_id;
        json_array_append_new(fields, json_string("site_id"));
    }
    if (ch->transferred_to && strcmp(ch->transferred_to, before->transferred_to) != 0) {
        if (!open_before || !open_after) {
            ep_error_set(err, EP_ERULE, "只有在院(未结案)的病例才能转出",
                         "only an open case can be transferred out");
            ep_error_field(err, "transferred_to", "%s%.0s", "%.0s%s", err->msg[0], err->msg[1]);
            return write_fail(w, -EP_ERULE);
        }
        snprintf(c->transferred_to, sizeof c->transferred_to, "%s", ch->transferred_to);
        if (ch->transferred_to[0])
            memcpy(c->transferred_date, at_day, sizeof c->transferred_date);
        else
            c->transferred_date[0] = '\0';
        json_array_append_new(fields, json_string("transferred_to"));
    }
    if (ch->onset_date && strcmp(ch->onset_date, before->onset_date) != 0) {
        int64_t report;
        time_date_parse(before->report_date, &report);
        if (onset > report) {
            ep_error_set(err, EP_EINVAL, "发病日期不能晚于报告日期",
                         "the onset date cannot be after the report date");
            ep_error_field(err, "onset_date", "不能晚于报告日期",
                           "cannot be after the report date");
            return write_fail(w, -EP_EINVAL);
        }
        snprintf(c->onset_date, sizeof c->onset_date, "%s", ch->onset_date);
        json_array_append_new(fields, json_string("onset_date"));
    }
    if (json_array_size(fields) == 0)
        return write_fail(w,
                          ep_error_set(err, EP_EINVAL, "没有需要变更的内容", "nothing to change"));
    return 0;
}

int case_update(struct store *s, const struct actor *who, int64_t id, const struct case_change *ch,
                struct case_record *out, struct ep_error *err)
{
    int64_t now = now_or(ch->at_unix), at_unix = now;
    char at_day[11];
    day_of(now, at_day);
    int64_t today, onset;
    time_date_parse(at_day, &today);
    if (occurred_parse(s, "occurred_at", ch->occurred_at, now, &at_unix, err) == -EP_EINTERNAL)
        return -EP_EINTERNAL;
    day_of(at_unix, at_day);
    if (ch->status && !in_list(ch->status, case_statuses))
        case_transition_check("", ch->status, err); /* names the valid statuses */
    if (ch->severity && !in_list(ch->severity, case_severities))
        ep_error_field(err, "severity", "应为 mild、moderate、severe 或 critical",
                       "must be mild, moderate, severe or critical");
    check_date("onset_date", ch->onset_date, today, &onset, err);
    check_note(ch->note, err);
    text_check(ch->transferred_to, "transferred_to", CASE_TRANSFER_CHARS, 0, err);
    if (ch->site_given && ch->site_id < 0)
        ep_error_field(err, "site_id", "应为场所编号", "must be a site id");
    if (err->code)
        return -err->code;

    struct write w;
    int rc = write_begin(&w, s, who, NULL, NULL, NULL, err);
    if (rc != 0)
        return rc;
    struct case_record before, c;
    memset(&c, 0, sizeof c);
    int64_t last = 0;
    if (write_target(&w, REF_CASE, id, NULL) != 0 ||
        step(&w, case_get(s, "", id, &before, err)) != 0 ||
        step(&w, last_change(s, id, &last, err)) != 0)
        return write_end(&w, 0);
    if (at_unix < last) {
        char last_at[32];
        time_iso_from_unix((time_t)last, last_at);
        ep_error_field(err, "occurred_at", "不能早于病例的上一次变更(%s)",
                       "cannot be before the case's last change (%s)", last_at);
        write_fail(&w, ep_error_set(err, EP_ERULE, "变更时间不能早于病例的上一次变更(%s)",
                                    "a change cannot be dated before the case's last change (%s)",
                                    last_at));
        return write_end(&w, 0);
    }
    write_clock(&w, ch->at_unix);
    if (at_unix != w.now_unix)
        write_occurred(&w, at_unix);
    json_t *fields = json_array();
    if (change_apply(&w, &before, ch, at_day, onset, &c, fields) == 0) {
        struct store_stmt *st =
            store_prepare(s,
                          "UPDATE cases SET status = ?, classification = ?, severity = ?,"
                          " onset_date = ?, confirmed_date = ?, outcome_date = ?, site_id = ?,"
                          " transferred_to = ?, transferred_date = ?, updated_at = ? WHERE id = ?",
                          err);
        if (!st) {
            write_fail(&w, -EP_EINTERNAL);
        } else {
            store_bind_text(st, 1, c.status);
            store_bind_text(st, 2, c.classification);
            store_bind_text(st, 3, c.severity[0] ? c.severity : NULL);
            store_bind_text(st, 4, c.onset_date[0] ? c.onset_date : NULL);
            store_bind_text(st, 5, c.confirmed_date[0] ? c.confirmed_date : NULL);
            store_bind_text(st, 6, c.outcome_date[0] ? c.outcome_date : NULL);
            if (c.site_id)
                store_bind_int64(st, 7, c.site_id);
            else
                store_bind_null(st, 7);
            store_bind_text(st, 8, c.transferred_to[0] ? c.transferred_to : NULL);
            store_bind_text(st, 9, c.transferred_date[0] ? c.transferred_date : NULL);
            store_bind_text(st, 10, w.now);
            store_bind_int64(st, 11, id);
            if (step(&w, store_run(st, err)) == 0 && step(&w, case_get(s, "", id, &c, err)) == 0 &&
                history_add(&w, &c, before.status, at_unix, fields, ch->note) == 0 &&
                consequences(&w, &before, &c, at_unix) == 0) {
                write_audit_new(&w, "update", "case", id, c.grid_code, audit_json(&before),
                                audit_json(&c));
            }
        }
    }
    json_decref(fields);
    if ((rc = write_end(&w, id)) == 0)
        *out = c;
    return rc;
}

/* ---- the epidemic curve ---------------------------------------------- */

json_t *case_curve_new(struct store *s, const char *region, int64_t from, int64_t to,
                       struct ep_error *err)
{
    if (to < from || to - from > 400) {
        ep_error_field(err, "to", "日期范围应在 0 到 400 天之间",
                       "the range must be 0 to 400 days");
        return NULL;
    }
    size_t n = (size_t)(to - from + 1);
    int64_t *onset = calloc(n, sizeof *onset), *report = calloc(n, sizeof *report),
            *confirmed = calloc(n, sizeof *confirmed);
    json_t *out = NULL;
    int64_t total = 0, no_onset = 0;
    struct nowcast_case *pairs = NULL; /* (onset, report) of each case with both */
    size_t npairs = 0, cap = 0;
    struct nowcast *nc = calloc(1, sizeof *nc);
    char upper[REGION_CODE_MAX];
    region_code_range(region, upper);
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT COALESCE(onset_date, ''), report_date, COALESCE(confirmed_date, '')"
                      " FROM cases"
                      " WHERE grid_code >= ? AND grid_code < ? AND classification = 'confirmed'",
                      err);
    if (!st || !onset || !report || !confirmed || !nc)
        goto done;
    store_bind_text(st, 1, region);
    store_bind_text(st, 2, upper);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        int64_t d, r;
        total++;
        int has_onset = time_date_parse(store_column_text(st, 0), &d) == 0;
        if (!has_onset)
            no_onset++;
        else if (d >= from && d <= to)
            onset[d - from]++;
        if (time_date_parse(store_column_text(st, 1), &r) == 0) {
            if (r >= from && r <= to)
                report[r - from]++;
            if (has_onset) {
                if (npairs == cap) {
                    cap = cap ? cap * 2 : 256;
                    struct nowcast_case *more = realloc(pairs, cap * sizeof *more);
                    if (!more) {
                        rc = ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
                        break;
                    }
                    pairs = more;
                }
                pairs[npairs++] = (struct nowcast_case){d, r};
            }
        }
        if (time_date_parse(store_column_text(st, 2), &d) == 0 && d >= from && d <= to)
            confirmed[d - from]++;
    }
    store_stmt_reset(st);
    if (rc < 0)
        goto done;
    /* The nowcast of the onsets up to the last day shown, from what is reported by today. */
    int64_t today = time_today_cn(), cutoff = to < today ? to : today;
    nowcast_compute(pairs, npairs, cutoff, nc);
    json_t *days = json_array();
    for (size_t i = 0; i < n; i++) {
        char date[11];
        int64_t day = from + (int64_t)i;
        time_date_format(day, date);
        json_t *d =
            json_pack("{s:s, s:I, s:I, s:I}", "date", date, "onset", (json_int_t)onset[i], "report",
                      (json_int_t)report[i], "confirmed", (json_int_t)confirmed[i]);
        int64_t k = day - (cutoff - NOWCAST_DAYS + 1);
        if (k >= 0 && k < NOWCAST_DAYS)
            json_object_set_new(d, "nowcast",
                                json_pack("{s:f, s:f, s:f}", "expected",
                                          round(nc->days[k].expected * 10) / 10, "low",
                                          nc->days[k].low, "high", nc->days[k].high));
        json_array_append_new(days, d);
    }
    json_t *cdf = json_array();
    for (int d = 0; d <= NOWCAST_DELAY_MAX; d++)
        json_array_append_new(cdf, json_real(round(nc->cdf[d] * 1000) / 1000));
    char cutoff_text[11];
    time_date_format(cutoff, cutoff_text);
    out = json_pack("{s:o, s:I, s:I, s:{s:s, s:I, s:b, s:o, s:s}}", "days", days, "total",
                    (json_int_t)total, "no_onset", (json_int_t)no_onset, "nowcast", "cutoff",
                    cutoff_text, "delays_seen", (json_int_t)nc->delays_seen, "estimated",
                    nc->estimated, "delay_cdf", cdf, "method",
                    "reverse-time hazard delay distribution (56-day window) and a log-linear "
                    "Poisson trend over 28 days; band: 90% Poisson quantiles of the onsets "
                    "not reported yet (docs/time.md)");
done:
    free(pairs);
    free(nc);
    free(onset);
    free(report);
    free(confirmed);
    if (!out && !err->code)
        ep_error_set(err, EP_EINTERNAL, "服务器内部错误", "internal error");
    return out;
}

/* ---- the counters' oracle -------------------------------------------- */

/* Outcomes of confirmed cases, for the table below. */
#define OUTCOME_ROWS(status)                                                                       \
    " FROM case_history WHERE to_status = '" status "' AND COALESCE(from_status, '') <> '" status  \
    "' AND classification = 'confirmed'"

/* The case counters and the facts each is rebuilt from, in order.  The
 * statements are literals: the store caches them by address. */
static const struct {
    const char *metric; /* the metric, or the prefix of a family ("cases_confirmed.") */
    int family;         /* 1: the statement names each row's metric (counter_rebuild_family) */
    const char *sql;
} counter_rebuilds[] = {
    {"cases_confirmed.", 1,
     "SELECT grid_code, 'cases_confirmed.' || at_day, count(*) FROM case_history"
     " WHERE to_status = 'confirmed' AND COALESCE(from_status, '') <> 'confirmed'"
     " GROUP BY grid_code, at_day"},
    {"cases_confirmed_total", 0,
     "SELECT grid_code, count(*) FROM case_history"
     " WHERE to_status = 'confirmed' AND COALESCE(from_status, '') <> 'confirmed'"
     " GROUP BY grid_code"},
    {"cases_discharged.", 1,
     "SELECT grid_code, 'cases_discharged.' || at_day, count(*)" OUTCOME_ROWS(
         "discharged") " GROUP BY grid_code, at_day"},
    {"cases_discharged_total", 0,
     "SELECT grid_code, count(*)" OUTCOME_ROWS("discharged") " GROUP BY grid_code"},
    {"cases_deaths.", 1,
     "SELECT grid_code, 'cases_deaths.' || at_day, count(*)" OUTCOME_ROWS(
         "deceased") " GROUP BY grid_code, at_day"},
    {"cases_deaths_total", 0,
     "SELECT grid_code, count(*)" OUTCOME_ROWS("deceased") " GROUP BY grid_code"},
    {"cases_current.", 1,
     "SELECT grid_code, 'cases_current.' || status, count(*) FROM cases"
     " WHERE status IN ('suspected', 'confirmed', 'asymptomatic')"
     " GROUP BY grid_code, status"},
    {"cases_outside_hospital", 0,
     "SELECT c.grid_code, count(*) FROM cases c"
     " LEFT JOIN sites s ON s.id = c.site_id WHERE " FLAG_EXPR " GROUP BY c.grid_code"},
};
#undef OUTCOME_ROWS

int case_counters_rebuild(struct store *s, struct ep_error *err)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof counter_rebuilds / sizeof *counter_rebuilds; i++)
        rc = counter_rebuilds[i].family
                 ? counter_rebuild_family(s, counter_rebuilds[i].metric, counter_rebuilds[i].sql,
                                          err)
                 : counter_rebuild(s, counter_rebuilds[i].metric, counter_rebuilds[i].sql, err);
    return rc;
}
