/*
 * assist.c -- cross-jurisdiction requests (see assist.h).  Every write goes
 * through the write path; the two views are built by two functions from one
 * row, so a field of the receiver's side cannot slip into the sender's.
 */
#include "core/assist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/contact.h"
#include "core/event.h"
#include "core/observation.h"
#include "core/org.h"
#include "core/region.h"
#include "core/write.h"
#include "util/idcheck.h"
#include "util/label.h"
#include "util/text.h"
#include "util/timeutil.h"

#define COLUMNS                                                                                    \
    "a.id, a.source_case_id, a.from_region, COALESCE(rf.name, ''), a.region_given,"                \
    " COALESCE(rg.name, ''), a.to_region, COALESCE(rt.name, ''), a.person_id,"                     \
    " COALESCE(p.name, ''), a.name, a.id_number, a.phone, a.contact_type, a.last_contact_date,"    \
    " a.note, a.status, a.requested_by, a.requested_at, a.acknowledged_by, a.acknowledged_at,"     \
    " a.ack_seconds, a.observation_id, a.reply, a.closed_at"

#define FROM                                                                                       \
    " FROM assist_requests a LEFT JOIN regions rf ON rf.code = a.from_region"                      \
    " LEFT JOIN regions rg ON rg.code = a.region_given"                                            \
    " LEFT JOIN regions rt ON rt.code = a.to_region LEFT JOIN persons p ON p.id = a.person_id"

/* Addressed to scope ?1 (to_region in [?2, ?3)) or above it. */
#define INBOX                                                                                      \
    " ((a.to_region >= ? AND a.to_region < ?) OR substr(?, 1, length(a.to_region)) = a.to_region)"
/* Sent from inside scope: from_region in [?, ?). */
#define OUTBOX " (a.from_region >= ? AND a.from_region < ?)"

const char *assist_status_zh(const char *status)
{
    static const struct label names[] = {{"pending", "待签收"},
                                         {"acknowledged", "已签收"},
                                         {"observing", "已落实观察"},
                                         {"not_found", "查无此人"}};
    return label_zh(names, LABEL_COUNT(names), status);
}

static json_t *text_or_null(struct store_stmt *st, int col)
{
    return store_column_is_null(st, col) ? json_null() : json_string(store_column_text(st, col));
}

static json_t *int_or_null(struct store_stmt *st, int col)
{
    return store_column_is_null(st, col) ? json_null() : json_integer(store_column_int64(st, col));
}

/* What both sides see: what the sender entered, and the status. */
static json_t *common_json(struct store_stmt *st)
{
    const char *type = store_column_text(st, 13);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(store_column_int64(st, 0)));
    json_object_set_new(o, "source_case_id", json_integer(store_column_int64(st, 1)));
    json_object_set_new(o, "from_region", json_string(store_column_text(st, 2)));
    json_object_set_new(o, "from_region_name", json_string(store_column_text(st, 3)));
    json_object_set_new(o, "region_given", json_string(store_column_text(st, 4)));
    json_object_set_new(o, "region_given_name", json_string(store_column_text(st, 5)));
    json_object_set_new(o, "name", json_string(store_column_text(st, 10)));
    json_object_set_new(o, "id_number", text_or_null(st, 11));
    json_object_set_new(o, "phone", text_or_null(st, 12));
    json_object_set_new(o, "contact_type", json_string(type));
    json_object_set_new(o, "contact_type_zh", json_string(text_or(contact_type_zh(type), type)));
    json_object_set_new(o, "last_contact_date", json_string(store_column_text(st, 14)));
    json_object_set_new(o, "note", text_or_null(st, 15));
    json_object_set_new(o, "status", json_string(store_column_text(st, 16)));
    json_object_set_new(o, "requested_by", json_string(store_column_text(st, 17)));
    json_object_set_new(o, "requested_at", json_string(store_column_text(st, 18)));
    json_object_set_new(o, "acknowledged_at", text_or_null(st, 20));
    json_object_set_new(o, "ack_seconds", int_or_null(st, 21));
    json_object_set_new(o, "reply", text_or_null(st, 23));
    json_object_set_new(o, "closed_at", text_or_null(st, 24));
    return o;
}

static json_t *outbox_json(struct store_stmt *st)
{
    json_t *o = common_json(st);
    json_object_set_new(o, "box", json_string("outbox"));
    return o;
}

static json_t *inbox_json(struct store_stmt *st)
{
    json_t *o = common_json(st);
    json_object_set_new(o, "box", json_string("inbox"));
    json_object_set_new(o, "to_region", json_string(store_column_text(st, 6)));
    json_object_set_new(o, "to_region_name", json_string(store_column_text(st, 7)));
    json_object_set_new(o, "person_id", int_or_null(st, 8));
    json_object_set_new(o, "person_name",
                        store_column_is_null(st, 8) ? json_null()
                                                    : json_string(store_column_text(st, 9)));
    json_object_set_new(o, "acknowledged_by", text_or_null(st, 19));
    json_object_set_new(o, "observation_id", int_or_null(st, 22));
    return o;
}

/* The row of request "id" in the view "box" if the user may see it there:
 * 0 with *out set, or -EP_ENOTFOUND. */
static int load(struct store *s, const char *scope, int64_t id, int box, json_t **out,
                struct ep_error *err)
{
    struct store_stmt *st =
        box == ASSIST_INBOX
            ? store_prepare(s, "SELECT " COLUMNS FROM " WHERE a.id = ? AND" INBOX, err)
            : store_prepare(s, "SELECT " COLUMNS FROM " WHERE a.id = ? AND" OUTBOX, err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    region_bind_range(st, 2, scope);
    if (box == ASSIST_INBOX)
        store_bind_text(st, 4, scope);
    int rc = ref_step_named(st, "协查函", "assist request", id, err);
    if (rc == 0)
        *out = box == ASSIST_INBOX ? inbox_json(st) : outbox_json(st);
    store_stmt_reset(st);
    return rc;
}

int assist_request_get(struct store *s, const struct auth_user *user, int64_t id, json_t **out,
                       struct ep_error *err)
{
    *out = NULL;
    int rc = load(s, user->scope, id, ASSIST_INBOX, out, err);
    if (rc == -EP_ENOTFOUND) {
        ep_error_clear(err);
        rc = load(s, user->scope, id, ASSIST_OUTBOX, out, err);
    }
    return rc;
}

/* ---- sending ------------------------------------------------------------------ */

static void check_input(const struct assist_input *in, char id_upper[19], struct ep_error *err)
{
    if (in->source_case_id <= 0)
        ep_error_field(err, "source_case_id", "必填,应为病例编号", "is required: a case id");
    text_check(in->name, "name", ASSIST_NAME_CHARS, TEXT_REQUIRED, err);
    int has_id = in->id_number && *in->id_number, has_phone = in->phone && *in->phone;
    id_upper[0] = '\0';
    if (has_id) {
        snprintf(id_upper, 19, "%s", in->id_number);
        if (strlen(in->id_number) == 18 && id_upper[17] == 'x')
            id_upper[17] = 'X';
        if (strlen(in->id_number) != 18 || idcheck_id_number(id_upper, time_today_cn(), NULL, NULL))
            ep_error_field(err, "id_number", "身份证号无效(18 位,校验码须正确)",
                           "invalid ID number (18 characters with a valid check digit)");
    }
    if (has_phone && !idcheck_phone(in->phone))
        ep_error_field(err, "phone", "电话号码无效", "invalid phone number");
    if (!has_id && !has_phone)
        ep_error_field(err, "id_number", "身份证号和电话至少填一项",
                       "give an ID number or a phone (or both)");
    if (!in->contact_type)
        ep_error_field(err, "contact_type", "必填", "is required");
    else if (!contact_type_valid(in->contact_type))
        ep_error_field(err, "contact_type",
                       "应为 household(同住)、work(同事)、social(聚会/社交)、medical(诊疗)、"
                       "transport(同乘)或 other(其他)",
                       "must be household, work, social, medical, transport or other");
    int64_t day;
    org_check_date(in->last_contact_date, "last_contact_date", 1, &day, err);
    if (day > time_today_cn())
        ep_error_field(err, "last_contact_date", "不能晚于今天", "must not be after today");
    text_check(in->note, "note", ASSIST_NOTE_CHARS, 0, err);
}

/* The registered person with this ID number, anywhere: id and grid, or 0. */
static int match_person(struct store *s, const char *id_upper, int64_t *person_id,
                        char grid[REGION_CODE_MAX], struct ep_error *err)
{
    *person_id = 0;
    if (!*id_upper)
        return 0;
    struct store_stmt *st =
        store_prepare(s, "SELECT id, grid_code FROM persons WHERE id_number = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, id_upper);
    int rc = store_step(st, err);
    if (rc == STORE_ROW) {
        *person_id = store_column_int64(st, 0);
        snprintf(grid, REGION_CODE_MAX, "%s", store_column_text(st, 1));
    }
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

int assist_request_create(struct store *s, const struct actor *who, const struct assist_input *in,
                          struct idem_key *idem, json_t **out, struct ep_error *err)
{
    *out = NULL;
    char id_upper[19];
    check_input(in, id_upper, err);
    struct write w;
    int64_t id = 0;
    int rc = write_begin(&w, s, who, "assist_request", idem, &id, err);
    if (rc == WRITE_REPLAY)
        return load(s, who->user->scope, id, ASSIST_OUTBOX, out, err);
    if (rc != 0)
        return rc;
    const char *scope = who->user->scope;
    if (in->source_case_id > 0)
        write_ref(&w, REF_CASE, in->source_case_id, "source_case_id", NULL);
    /* Where the contact lives is any region of the territory (codes are
     * public); inside the sender's own scope the contact is registered
     * directly instead. */
    if ((rc = ref_region(s, "", in->region_code, 0, "region_code", NULL, err)) < 0) {
        write_fail(&w, rc);
        goto out;
    }
    if (write_check(&w) != 0)
        goto out;
    if (region_in_scope(in->region_code, scope)) {
        write_fail(&w,
                   ep_error_set(err, EP_ERULE, "地区 %s 在您的管辖范围内,请直接登记密切接触者",
                                "region %s is in your jurisdiction: record the contact directly",
                                in->region_code));
        goto out;
    }
    int64_t person_id = 0;
    char to_region[REGION_CODE_MAX];
    snprintf(to_region, sizeof to_region, "%s", in->region_code);
    char grid[REGION_CODE_MAX] = "";
    if ((rc = match_person(s, id_upper, &person_id, grid, err)) != 0) {
        write_fail(&w, rc);
        goto out;
    }
    if (person_id)
        memcpy(to_region, grid, sizeof to_region);
    struct store_stmt *st = store_prepare(
        s,
        "INSERT INTO assist_requests (source_case_id, from_region, region_given, to_region,"
        " person_id, name, id_number, phone, contact_type, last_contact_date, note,"
        " requested_by, requested_at, requested_unix)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        err);
    if (!st) {
        write_fail(&w, -EP_EINTERNAL);
        goto out;
    }
    store_bind_int64(st, 1, in->source_case_id);
    store_bind_text(st, 2, scope);
    store_bind_text(st, 3, in->region_code);
    store_bind_text(st, 4, to_region);
    if (person_id)
        store_bind_int64(st, 5, person_id);
    else
        store_bind_null(st, 5);
    store_bind_text(st, 6, in->name);
    store_bind_text(st, 7, *id_upper ? id_upper : NULL);
    store_bind_text(st, 8, in->phone && *in->phone ? in->phone : NULL);
    store_bind_text(st, 9, in->contact_type);
    store_bind_text(st, 10, in->last_contact_date);
    store_bind_text(st, 11, in->note && *in->note ? in->note : NULL);
    store_bind_text(st, 12, who->user->username);
    store_bind_text(st, 13, w.now);
    store_bind_int64(st, 14, (int64_t)time(NULL));
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    id = store_last_insert_id(s);
    if (write_fail(&w, load(s, "", id, ASSIST_OUTBOX, out, err)) != 0)
        goto out;
    /* Live in the receiving inbox.  Every login of the region reads the
     * stream, so it carries no name, ID number or phone: the page fetches
     * the request with the health role's rights.  The audit row at the
     * sender's keeps the sender's view (its admins must not learn the
     * routing). */
    json_t *event = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "status", "pending",
                              "contact_type", in->contact_type, "requested_at", w.now);
    write_fail(&w, event_publish(s, to_region, "assist.requested", event, NULL, err));
    json_decref(event);
    write_audit(&w, "create", "assist_request", id, scope, NULL, *out);
out:
    return write_end_json(&w, id, out);
}

/* ---- receiving ------------------------------------------------------------------ */

/* Loads the inbox row of "id" for the writer: the target of every receiver's
 * write (404 otherwise).  *status gets the status. */
static int inbox_target(struct write *w, int64_t id, json_t **row)
{
    if (w->rc)
        return w->rc;
    int rc = load(w->s, w->who->user->scope, id, ASSIST_INBOX, row, w->err);
    return rc ? write_fail(w, rc) : 0;
}

static int set_acknowledged(struct write *w, int64_t id, const char *now)
{
    struct store_stmt *st = store_prepare(
        w->s,
        "UPDATE assist_requests SET status = 'acknowledged', acknowledged_by = ?,"
        " acknowledged_at = ?,"
        " ack_seconds = CASE WHEN ? > requested_unix THEN ? - requested_unix ELSE 0 END"
        " WHERE id = ?",
        w->err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_text(st, 1, w->who->user->username);
    store_bind_text(st, 2, now);
    int64_t now_unix = (int64_t)time(NULL);
    store_bind_int64_twice(st, 3, now_unix);
    store_bind_int64(st, 5, id);
    return write_fail(w, store_run(st, w->err));
}

/* Tells both sides that request "id" moved: the sender's region (its
 * outbox) and the receiver's (other inbox pages).  Id and status only. */
static int tell_both(struct write *w, int64_t id)
{
    json_t *view = NULL;
    if (write_fail(w, load(w->s, "", id, ASSIST_INBOX, &view, w->err)) != 0)
        return w->rc;
    json_t *event =
        json_pack("{s:I, s:O}", "id", (json_int_t)id, "status", json_object_get(view, "status"));
    const char *from = json_string_value(json_object_get(view, "from_region"));
    const char *to = json_string_value(json_object_get(view, "to_region"));
    if (write_fail(w, event_publish(w->s, from, "assist.updated", event, NULL, w->err)) == 0 &&
        !region_in_scope(to, from))
        write_fail(w, event_publish(w->s, to, "assist.updated", event, NULL, w->err));
    json_decref(event);
    json_decref(view);
    return w->rc;
}

/* Ends a receiver's write: the new inbox view in *out, the audit row. */
static int receiver_done(struct write *w, int64_t id, const char *action, json_t *before,
                         json_t **out)
{
    if (tell_both(w, id) != 0 || write_fail(w, load(w->s, "", id, ASSIST_INBOX, out, w->err)) != 0)
        return w->rc;
    const char *region = json_string_value(json_object_get(*out, "to_region"));
    return write_audit(w, action, "assist_request", id, region, before, *out);
}

/* Ends a receiver's write (see write_end); *out is dropped on failure. */
static int receiver_end(struct write *w, int64_t id, json_t *before, json_t **out)
{
    write_end_json(w, id, out);
    json_decref(before);
    return w->rc;
}

/* A request still to be handled (pending or acknowledged; -EP_ECONFLICT
 * once closed) is acknowledged now if it was pending: answering a request
 * signs for it. */
static int still_open(struct write *w, int64_t id, const json_t *before, const char *now)
{
    const char *status = json_string_value(json_object_get(before, "status"));
    if (strcmp(status, "pending") != 0 && strcmp(status, "acknowledged") != 0)
        return write_fail(w, ep_error_set(w->err, EP_ECONFLICT, "协查函 %lld 已办结(%s%.0s)",
                                          "assist request %lld is already closed (%.0s%s)",
                                          (long long)id, assist_status_zh(status), status));
    return strcmp(status, "pending") == 0 ? set_acknowledged(w, id, now) : 0;
}

int assist_request_acknowledge(struct store *s, const struct actor *who, int64_t id, json_t **out,
                               struct ep_error *err)
{
    *out = NULL;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    json_t *before = NULL;
    if (inbox_target(&w, id, &before) != 0)
        goto out;
    const char *status = json_string_value(json_object_get(before, "status"));
    if (strcmp(status, "pending") != 0) {
        write_fail(&w, ep_error_set(err, EP_ECONFLICT, "协查函 %lld 已签收(当前状态:%s%.0s)",
                                    "assist request %lld was already acknowledged (%.0s%s)",
                                    (long long)id, assist_status_zh(status), status));
        goto out;
    }
    if (set_acknowledged(&w, id, w.now) == 0)
        receiver_done(&w, id, "acknowledge", before, out);
out:
    return receiver_end(&w, id, before, out);
}

static int close_with(struct write *w, int64_t id, const char *status, int64_t observation_id,
                      const char *reply, const char *now)
{
    struct store_stmt *st =
        store_prepare(w->s,
                      "UPDATE assist_requests SET status = ?, observation_id = ?,"
                      " reply = ?, closed_by = ?, closed_at = ? WHERE id = ?",
                      w->err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_text(st, 1, status);
    if (observation_id)
        store_bind_int64(st, 2, observation_id);
    else
        store_bind_null(st, 2);
    store_bind_text(st, 3, reply && *reply ? reply : NULL);
    store_bind_text(st, 4, w->who->user->username);
    store_bind_text(st, 5, now);
    store_bind_int64(st, 6, id);
    return write_fail(w, store_run(st, w->err));
}

/* Opens (or finds) the observation of "person_id" for request "id". */
static int open_observation(struct write *w, int64_t id, int64_t person_id,
                            const struct assist_observe_input *in, int64_t *obs_id)
{
    char today[11], source[32];
    time_date_format(time_today_cn(), today);
    snprintf(source, sizeof source, "assist:%lld", (long long)id);
    struct observation_open_input oi = {
        .person_id = person_id,
        .kind = in->kind ? in->kind : "medical",
        .site = in->site,
        .reason = "contact",
        .start_date = in->start_date ? in->start_date : today,
        .source = source,
    };
    int opened = 0;
    return observation_open_step(w, &oi, obs_id, &opened);
}

int assist_request_observe(struct store *s, const struct actor *who, int64_t id,
                           const struct assist_observe_input *in, json_t **out,
                           struct ep_error *err)
{
    *out = NULL;
    text_check(in->reply, "reply", ASSIST_NOTE_CHARS, 0, err);
    if (in->person_id < 0)
        ep_error_field(err, "person_id", "应为正整数", "must be a positive integer");
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    json_t *before = NULL;
    if (inbox_target(&w, id, &before) != 0)
        goto out;
    int64_t person_id = in->person_id;
    if (!person_id)
        person_id = json_integer_value(json_object_get(before, "person_id"));
    if (!person_id) {
        ep_error_field(err, "person_id", "未匹配到登记人员,请指明人员编号",
                       "no registered person matched: name the person id");
    } else {
        /* A person matched in a grid above the receiver's own scope is not
         * the receiver's to place under observation. */
        write_ref_inside(&w, REF_PERSON, person_id, "person_id", NULL);
    }
    if (write_check(&w) != 0)
        goto out;
    int64_t obs_id = 0;
    if (still_open(&w, id, before, w.now) != 0 ||
        open_observation(&w, id, person_id, in, &obs_id) != 0 ||
        close_with(&w, id, "observing", obs_id, in->reply, w.now) != 0)
        goto out;
    receiver_done(&w, id, "observe", before, out);
out:
    return receiver_end(&w, id, before, out);
}

int assist_request_not_found(struct store *s, const struct actor *who, int64_t id,
                             const char *reply, json_t **out, struct ep_error *err)
{
    *out = NULL;
    text_check(reply, "reply", ASSIST_NOTE_CHARS, TEXT_REQUIRED, err);
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    json_t *before = NULL;
    if (write_check(&w) != 0 || inbox_target(&w, id, &before) != 0)
        goto out;
    if (still_open(&w, id, before, w.now) != 0 ||
        close_with(&w, id, "not_found", 0, reply, w.now) != 0)
        goto out;
    receiver_done(&w, id, "not_found", before, out);
out:
    return receiver_end(&w, id, before, out);
}

/* ---- lists -------------------------------------------------------------------- */

static int cmp_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Summary of a box: counts per status, median and p90 of ack_seconds. */
static int summary_json(struct store *s, const char *scope, int box, json_t **out,
                        struct ep_error *err)
{
    struct store_stmt *st =
        box == ASSIST_INBOX
            ? store_prepare(s, "SELECT a.status, a.ack_seconds FROM assist_requests a WHERE" INBOX,
                            err)
            : store_prepare(s, "SELECT a.status, a.ack_seconds FROM assist_requests a WHERE" OUTBOX,
                            err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, scope);
    if (box == ASSIST_INBOX)
        store_bind_text(st, 3, scope);
    int64_t count = 0, pending = 0, acknowledged = 0, observing = 0, not_found = 0;
    int64_t *acks = NULL;
    size_t nacks = 0, cap = 0;
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        const char *status = store_column_text(st, 0);
        count++;
        pending += strcmp(status, "pending") == 0;
        acknowledged += strcmp(status, "acknowledged") == 0;
        observing += strcmp(status, "observing") == 0;
        not_found += strcmp(status, "not_found") == 0;
        if (!store_column_is_null(st, 1)) {
            if (nacks == cap) {
                cap = cap ? cap * 2 : 64;
                int64_t *more = realloc(acks, cap * sizeof *more);
                if (!more)
                    abort();
                acks = more;
            }
            acks[nacks++] = store_column_int64(st, 1);
        }
    }
    store_stmt_reset(st);
    if (rc < 0) {
        free(acks);
        return rc;
    }
    if (nacks)
        qsort(acks, nacks, sizeof *acks, cmp_int64);
    /* Nearest-rank percentiles. */
    json_t *median = nacks ? json_integer(acks[(nacks * 50 + 99) / 100 - 1]) : json_null();
    json_t *p90 = nacks ? json_integer(acks[(nacks * 90 + 99) / 100 - 1]) : json_null();
    free(acks);
    *out = json_pack("{s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "count", (json_int_t)count, "pending",
                     (json_int_t)pending, "acknowledged", (json_int_t)acknowledged, "observing",
                     (json_int_t)observing, "not_found", (json_int_t)not_found,
                     "median_ack_seconds", median, "p90_ack_seconds", p90);
    return 0;
}

int assist_request_list(struct store *s, const struct auth_user *user, int box, const char *status,
                        int64_t before_id, int limit, json_t *items, json_t **summary,
                        struct ep_error *err)
{
    struct store_stmt *st =
        box == ASSIST_INBOX
            ? store_prepare(s,
                            "SELECT " COLUMNS FROM " WHERE" INBOX " AND (? IS NULL OR a.status = ?)"
                            " AND (? = 0 OR a.id < ?) ORDER BY a.id DESC LIMIT ?",
                            err)
            : store_prepare(s,
                            "SELECT " COLUMNS FROM " WHERE" OUTBOX
                            " AND (? IS NULL OR a.status = ?)"
                            " AND (? = 0 OR a.id < ?) ORDER BY a.id DESC LIMIT ?",
                            err);
    if (!st)
        return -EP_EINTERNAL;
    int i = 1;
    region_bind_range(st, i, user->scope);
    i += 2;
    if (box == ASSIST_INBOX)
        store_bind_text(st, i++, user->scope);
    store_bind_text(st, i++, status);
    store_bind_text(st, i++, status);
    store_bind_int64(st, i++, before_id);
    store_bind_int64(st, i++, before_id);
    store_bind_int64(st, i, limit);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items, box == ASSIST_INBOX ? inbox_json(st) : outbox_json(st));
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    return summary ? summary_json(s, user->scope, box, summary, err) : 0;
}

int assist_destinations(struct store *s, json_t *items, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s, "SELECT code, name, level FROM regions WHERE level IN (2, 3) ORDER BY code", err);
    if (!st)
        return -EP_EINTERNAL;
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items, json_pack("{s:s, s:s, s:s}", "code", store_column_text(st, 0),
                                               "name", store_column_text(st, 1), "level",
                                               region_level_name((int)store_column_int64(st, 2))));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}
