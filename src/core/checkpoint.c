/*
 * checkpoint.c -- checkpoints and their entries with consequences (see
 * checkpoint.h).  An entry is one transaction: the entry row, the person
 * looked up, the observation opened, the alert raised, the counters and the
 * audit row.
 */
#include "core/checkpoint.h"
#include "core/ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alert.h"
#include "core/counter.h"
#include "core/observation.h"
#include "core/org.h"
#include "core/person.h"
#include "core/profile.h"
#include "core/region.h"
#include "core/roster.h"
#include "core/write.h"
#include "util/idcheck.h"
#include "util/text.h"
#include "util/timeutil.h"

const char *const checkpoint_outcomes[] = {"pass", "refer", "turn_back", NULL};

#define DAY_SECONDS  86400
#define CLOCK_SKEW_S 300

static int64_t day_of_unix(int64_t t)
{
    int64_t local = t + TIME_CN_OFFSET_SECONDS;
    return local >= 0 ? local / DAY_SECONDS : (local - (DAY_SECONDS - 1)) / DAY_SECONDS;
}

/* "24h" or "HH:MM-HH:MM". */
static int hours_valid(const char *h)
{
    if (!h)
        return 0;
    if (strcmp(h, "24h") == 0)
        return 1;
    int a, b, c, d;
    char tail;
    if (strlen(h) != 11 || sscanf(h, "%2d:%2d-%2d:%2d%c", &a, &b, &c, &d, &tail) != 4)
        return 0;
    return a >= 0 && a <= 23 && b >= 0 && b <= 59 && c >= 0 && c <= 24 && d >= 0 && d <= 59 &&
           h[2] == ':' && h[5] == '-' && h[8] == ':';
}

#define CP_COLUMNS                                                                                 \
    "c.id, c.place_id, c.name, c.region_code, c.hours, c.created_by, c.created_at,"                \
    " (SELECT COUNT(*) FROM checkpoint_entries e WHERE e.checkpoint_id = c.id AND e.day = ?)"

static json_t *cp_row(struct store_stmt *st)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:I}", "id",
                     (json_int_t)store_column_int64(st, 0), "place_id",
                     (json_int_t)store_column_int64(st, 1), "name", store_column_text(st, 2),
                     "region_code", store_column_text(st, 3), "hours", store_column_text(st, 4),
                     "created_by", store_column_text(st, 5), "created_at", store_column_text(st, 6),
                     "entries_today", (json_int_t)store_column_int64(st, 7));
}

int checkpoint_get(struct store *s, const char *scope, int64_t id, json_t **out,
                   struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " CP_COLUMNS " FROM checkpoints c WHERE c.id = ?"
                                          " AND c.region_code >= ? AND c.region_code < ?",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    char upper[REGION_CODE_MAX], today[11];
    region_code_range(scope, upper);
    time_date_format(time_today_cn(), today);
    store_bind_text(st, 1, today);
    store_bind_int64(st, 2, id);
    store_bind_text(st, 3, scope);
    store_bind_text(st, 4, upper);
    int rc = ref_step_one(st, REF_CHECKPOINT, id, err);
    if (rc == 0)
        *out = cp_row(st);
    store_stmt_reset(st);
    return rc;
}

int checkpoint_list(struct store *s, const char *scope, const char *region, int64_t after_id,
                    int limit, json_t *items, struct ep_error *err)
{
    char lower[REGION_CODE_MAX];
    if (!region_narrow(scope, region, lower))
        return 0;
    char upper[REGION_CODE_MAX], today[11];
    region_code_range(lower, upper);
    time_date_format(time_today_cn(), today);
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " CP_COLUMNS " FROM checkpoints c"
                                          " WHERE c.region_code >= ? AND c.region_code < ?"
                                          " AND c.id > ? ORDER BY c.id LIMIT ?",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, today);
    store_bind_text(st, 2, lower);
    store_bind_text(st, 3, upper);
    store_bind_int64(st, 4, after_id);
    store_bind_int64(st, 5, limit > 0 ? limit : INT64_MAX);
    return ref_rows_json(st, cp_row, items, err);
}

int checkpoint_create(struct store *s, const struct actor *who, const char *name,
                      const char *region_code, const char *hours, json_t **out,
                      struct ep_error *err)
{
    *out = NULL;
    if (!hours_valid(hours))
        ep_error_field(err, "hours", "应为 24h 或 HH:MM-HH:MM", "must be 24h or HH:MM-HH:MM");
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    int64_t place = 0, id = 0;
    if (roster_place_insert(&w, name, "checkpoint", region_code, &place) != 0)
        goto out;
    struct store_stmt *st =
        write_prepare(&w, "INSERT INTO checkpoints (place_id, name, region_code,"
                          " hours, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)");
    if (!st)
        goto out;
    store_bind_int64(st, 1, place);
    store_bind_text(st, 2, name);
    store_bind_text(st, 3, region_code);
    store_bind_text(st, 4, hours);
    store_bind_text(st, 5, who->user->username);
    store_bind_text(st, 6, w.now);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    id = store_last_insert_id(s);
    if (write_fail(&w, checkpoint_get(s, "", id, out, err)) == 0)
        write_audit(&w, "create", "checkpoint", id, region_code, NULL, *out);
out:
    return write_end_json(&w, id, out);
}

/* ---- entries -------------------------------------------------------------------- */

static int plate_valid(const char *p)
{
    size_t len = strlen(p);
    if (!utf8_valid(p, len))
        return 0;
    size_t chars = utf8_length(p, len);
    if (chars < 5 || chars > 10)
        return 0;
    for (const char *c = p; *c; c++)
        if ((unsigned char)*c < 0x80 && !((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
                                          (*c >= '0' && *c <= '9') || *c == '-' || *c == '.'))
            return 0;
    return 1;
}

int checkpoint_entry_check(const struct checkpoint_entry_input *in, struct ep_error *err)
{
    int by_id = in->id_number && *in->id_number;
    int by_name = (in->name && *in->name) || (in->phone && *in->phone);
    int by_plate = in->plate && *in->plate;
    if (in->checkpoint_id <= 0)
        ep_error_field(err, "checkpoint_id", "应为正整数", "must be a positive integer");
    if (!by_id && !by_name && !by_plate)
        ep_error_field(err, "id_number", "应填身份证号、姓名加电话或车牌号之一",
                       "give an ID number, a name and phone, or a vehicle plate");
    if (by_id) {
        char upper[19];
        snprintf(upper, sizeof upper, "%s", in->id_number);
        if (strlen(upper) == 18 && upper[17] == 'x')
            upper[17] = 'X';
        if (strlen(in->id_number) != 18 ||
            idcheck_id_number(upper, time_today_cn(), NULL, NULL) != 0)
            ep_error_field(err, "id_number", "身份证号无效(18 位,校验码须正确)",
                           "invalid ID number (18 characters with a valid check digit)");
    } else if (by_name) {
        text_check(in->name, "name", 20, TEXT_REQUIRED, err);
        if (!in->phone || !*in->phone)
            ep_error_field(err, "phone", "按姓名登记时必填", "is required with a name");
        else if (!idcheck_phone(in->phone))
            ep_error_field(err, "phone", "电话号码无效", "invalid phone number");
    }
    if (by_plate && !plate_valid(in->plate))
        ep_error_field(err, "plate", "车牌号应为 5-10 个字符,如 湘M12345",
                       "a plate is 5-10 characters, e.g. 湘M12345");
    int64_t t;
    if (in->entered_at && time_iso_parse(in->entered_at, &t) != 0)
        ep_error_field(err, "entered_at", "应为带时区的时间,如 2020-01-28T09:30:00+08:00",
                       "must be a time with offset, e.g. 2020-01-28T09:30:00+08:00");
    else if (in->entered_at && t > (int64_t)time(NULL) + CLOCK_SKEW_S)
        ep_error_field(err, "entered_at", "不能晚于现在", "must not be in the future");
    text_check(in->origin, "origin", CHECKPOINT_TEXT_CHARS, 0, err);
    text_check(in->destination, "destination", CHECKPOINT_TEXT_CHARS, 0, err);
    if (in->temperature_dc && (in->temperature_dc < 340 || in->temperature_dc > 430))
        ep_error_field(err, "temperature", "应在 34.0 到 43.0 之间",
                       "must be between 34.0 and 43.0");
    if (!text_in_list(in->outcome, checkpoint_outcomes))
        ep_error_field(err, "outcome", "应为 pass(放行)、refer(转交观察)或 turn_back(劝返)",
                       "must be pass, refer or turn_back");
    return err->code ? -err->code : 0;
}

/* The last three: where the matched person and the opened observation live
 * (shown only to readers whose scope holds them), and the person's risk
 * status that the checkpoint needs (under observation anywhere, 1/0). */
#define ENTRY_COLUMNS                                                                              \
    "id, checkpoint_id, region_code, person_id, id_number, name, phone, plate, entered_at, day,"   \
    " origin, destination, temperature_dc, outcome, from_risk, febrile, observation_id,"           \
    " alert_id, recorder, created_at,"                                                             \
    " (SELECT p.grid_code FROM persons p WHERE p.id = checkpoint_entries.person_id),"              \
    " (SELECT o.grid_code FROM observations o WHERE o.id = checkpoint_entries.observation_id),"    \
    " CASE WHEN EXISTS (SELECT 1 FROM observations o WHERE o.person_id ="                          \
    " checkpoint_entries.person_id AND o.status = 'active') THEN 1 ELSE 0 END"

static json_t *nstr(struct store_stmt *st, int col)
{
    return store_column_is_null(st, col) ? json_null() : json_string(store_column_text(st, col));
}

static json_t *nint(struct store_stmt *st, int col)
{
    return store_column_is_null(st, col) ? json_null() : json_integer(store_column_int64(st, col));
}

static json_t *entry_row(struct store_stmt *st, const struct auth_user *viewer)
{
    const char *grid = store_column_text(st, 2);
    int pii = !viewer || auth_pii_visible(viewer, grid);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(store_column_int64(st, 0)));
    json_object_set_new(o, "checkpoint_id", json_integer(store_column_int64(st, 1)));
    json_object_set_new(o, "region_code", json_string(grid));
    /* A person (or observation) of another jurisdiction does not exist for
     * the reader: the checkpoint learns the risk status, not who it is. */
    int person_seen = !viewer || region_in_scope(store_column_text(st, 20), viewer->scope);
    int observation_seen = !viewer || region_in_scope(store_column_text(st, 21), viewer->scope);
    json_object_set_new(o, "person_id", person_seen ? nint(st, 3) : json_null());
    json_object_set_new(o, "under_observation", json_boolean(store_column_int64(st, 22)));
    if (!pii && !store_column_is_null(st, 4)) {
        char masked[32];
        idcheck_mask_id(store_column_text(st, 4), masked, sizeof masked);
        json_object_set_new(o, "id_number", json_string(masked));
    } else {
        json_object_set_new(o, "id_number", nstr(st, 4));
    }
    json_object_set_new(o, "name", nstr(st, 5));
    if (!pii && !store_column_is_null(st, 6)) {
        char masked[32];
        idcheck_mask_phone(store_column_text(st, 6), masked, sizeof masked);
        json_object_set_new(o, "phone", json_string(masked));
    } else {
        json_object_set_new(o, "phone", nstr(st, 6));
    }
    json_object_set_new(o, "plate", nstr(st, 7));
    json_object_set_new(o, "entered_at", json_string(store_column_text(st, 8)));
    json_object_set_new(o, "day", json_string(store_column_text(st, 9)));
    json_object_set_new(o, "origin", nstr(st, 10));
    json_object_set_new(o, "destination", nstr(st, 11));
    json_object_set_new(
        o, "temperature",
        store_column_is_null(st, 12) ? json_null() : json_real(store_column_int64(st, 12) / 10.0));
    json_object_set_new(o, "outcome", json_string(store_column_text(st, 13)));
    json_object_set_new(o, "from_risk", json_boolean(store_column_int64(st, 14)));
    json_object_set_new(o, "febrile", json_boolean(store_column_int64(st, 15)));
    json_object_set_new(o, "observation_id", observation_seen ? nint(st, 16) : json_null());
    json_object_set_new(o, "alert_id", nint(st, 17));
    json_object_set_new(o, "recorder", json_string(store_column_text(st, 18)));
    json_object_set_new(o, "created_at", json_string(store_column_text(st, 19)));
    return o;
}

int checkpoint_entry_get(struct store *s, const struct auth_user *viewer, int64_t id, json_t **out,
                         struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT " ENTRY_COLUMNS " FROM checkpoint_entries WHERE id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc = store_step(st, err);
    if (rc == STORE_ROW && viewer && !region_in_scope(store_column_text(st, 2), viewer->scope))
        rc = STORE_DONE;
    if (rc == STORE_ROW) {
        *out = entry_row(st, viewer);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = ep_error_set(err, EP_ENOTFOUND, "卡口登记 %lld 不存在",
                          "checkpoint entry %lld not found", (long long)id);
    }
    store_stmt_reset(st);
    return rc;
}

int checkpoint_entries_list(struct store *s, const struct auth_user *viewer, int64_t checkpoint_id,
                            int64_t day, int64_t before_id, int limit, json_t *items,
                            struct ep_error *err)
{
    json_t *cp = NULL;
    int rc = checkpoint_get(s, viewer->scope, checkpoint_id, &cp, err);
    json_decref(cp);
    if (rc != 0)
        return rc;
    char date[11] = "";
    if (day >= 0)
        time_date_format(day, date);
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " ENTRY_COLUMNS " FROM checkpoint_entries"
                                          " WHERE checkpoint_id = ? AND id < ?"
                                          " AND (? = '' OR day = ?) ORDER BY id DESC LIMIT ?",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, checkpoint_id);
    store_bind_int64(st, 2, before_id > 0 ? before_id : INT64_MAX);
    store_bind_text_twice(st, 3, date);
    store_bind_int64(st, 5, limit > 0 ? limit : INT64_MAX);
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items, entry_row(st, viewer));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

/* The registered person an entry names: by ID number, or by name and phone
 * when exactly one person matches.  0 when none. */
static int find_person(struct store *s, const struct checkpoint_entry_input *in, char *id_upper,
                       int64_t *person_id, struct ep_error *err)
{
    *person_id = 0;
    struct store_stmt *st;
    if (in->id_number && *in->id_number) {
        st = store_prepare(s, "SELECT id FROM persons WHERE id_number = ?", err);
        if (!st)
            return -EP_EINTERNAL;
        store_bind_text(st, 1, id_upper);
    } else if (in->name && *in->name) {
        st = store_prepare(s, "SELECT id FROM persons WHERE name = ? AND phone = ? LIMIT 2", err);
        if (!st)
            return -EP_EINTERNAL;
        store_bind_text(st, 1, in->name);
        store_bind_text(st, 2, in->phone);
    } else {
        return 0;
    }
    int rc, n = 0;
    int64_t found = 0;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        found = store_column_int64(st, 0);
        n++;
    }
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    if (n == 1)
        *person_id = found;
    return 0;
}

int checkpoint_entry_add(struct store *s, const struct actor *who,
                         const struct checkpoint_entry_input *in, struct idem_key *idem,
                         int64_t *id_out, struct ep_error *err)
{
    if (checkpoint_entry_check(in, err) != 0)
        return -err->code;
    /* entered_at is when the entry happened (issue 17): not before the
     * outbreak's start either; the audit row carries it as occurred_at. */
    int64_t now = (int64_t)time(NULL), entered = now;
    int rc = occurred_parse(s, "entered_at", in->entered_at, now, &entered, err);
    if (rc != 0)
        return rc;
    struct write w;
    int64_t first = 0, id = 0;
    rc = write_begin(&w, s, who, "checkpoint_entry", idem, &first, err);
    if (rc == WRITE_REPLAY) {
        *id_out = first;
        return 0;
    }
    if (rc != 0)
        return rc;
    if (in->entered_at && entered != w.now_unix)
        write_occurred(&w, entered);
    char grid[REGION_CODE_MAX] = "", cp_name[256] = "";
    if (write_target(&w, REF_CHECKPOINT, in->checkpoint_id, grid) != 0)
        goto out;
    struct store_stmt *st = store_prepare(s, "SELECT name FROM checkpoints WHERE id = ?", err);
    if (!st) {
        rc = -EP_EINTERNAL;
        goto out;
    }
    store_bind_int64(st, 1, in->checkpoint_id);
    rc = store_step(st, err);
    if (rc == STORE_ROW)
        snprintf(cp_name, sizeof cp_name, "%s", store_column_text(st, 0));
    store_stmt_reset(st);
    if (rc < 0)
        goto out;
    char id_upper[19] = "";
    if (in->id_number && *in->id_number) {
        snprintf(id_upper, sizeof id_upper, "%s", in->id_number);
        if (id_upper[17] == 'x')
            id_upper[17] = 'X';
    }
    int64_t person_id;
    if ((rc = find_person(s, in, id_upper, &person_id, err)) != 0)
        goto out;
    struct profile prof;
    if ((rc = profile_get(s, &prof, err)) != 0)
        goto out;
    int64_t day = day_of_unix(entered);
    int from_risk = 0;
    if (in->origin && *in->origin &&
        (rc = riskarea_match(s, in->origin, day, &from_risk, err)) != 0)
        goto out;
    int febrile = in->temperature_dc && profile_is_fever(&prof, in->temperature_dc);
    char date[11], entered_iso[32], now_iso[32];
    time_date_format(day, date);
    time_iso_from_unix((time_t)entered, entered_iso);
    snprintf(now_iso, sizeof now_iso, "%s", w.now);
    st = store_prepare(s,
                       "INSERT INTO checkpoint_entries (checkpoint_id, region_code, person_id,"
                       " id_number, name, phone, plate, entered_unix, entered_at, day, origin,"
                       " destination, temperature_dc, outcome, from_risk, febrile, recorder,"
                       " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       err);
    if (!st) {
        rc = -EP_EINTERNAL;
        goto out;
    }
    store_bind_int64(st, 1, in->checkpoint_id);
    store_bind_text(st, 2, grid);
    if (person_id)
        store_bind_int64(st, 3, person_id);
    else
        store_bind_null(st, 3);
    store_bind_text(st, 4, *id_upper ? id_upper : NULL);
    store_bind_text(st, 5, in->name && *in->name ? in->name : NULL);
    store_bind_text(st, 6, in->phone && *in->phone ? in->phone : NULL);
    store_bind_text(st, 7, in->plate && *in->plate ? in->plate : NULL);
    store_bind_int64(st, 8, entered);
    store_bind_text(st, 9, entered_iso);
    store_bind_text(st, 10, date);
    store_bind_text(st, 11, in->origin && *in->origin ? in->origin : NULL);
    store_bind_text(st, 12, in->destination && *in->destination ? in->destination : NULL);
    if (in->temperature_dc)
        store_bind_int64(st, 13, in->temperature_dc);
    else
        store_bind_null(st, 13);
    store_bind_text(st, 14, in->outcome);
    store_bind_int64(st, 15, from_risk);
    store_bind_int64(st, 16, febrile);
    store_bind_text(st, 17, who->user->username);
    store_bind_text(st, 18, now_iso);
    if ((rc = store_run(st, err)) != 0)
        goto out;
    id = store_last_insert_id(s);
    int64_t observation_id = 0, alert_id = 0;
    char source[48];
    snprintf(source, sizeof source, "checkpoint_entry:%lld", (long long)id);
    if (from_risk && person_id) {
        struct observation_open_input oi = {.person_id = person_id,
                                            .kind = "home",
                                            .reason = "travel",
                                            .start_date = date,
                                            .source = source,
                                            .opened_unix = entered}; /* at the checkpoint */
        int opened;
        if ((rc = observation_open_step(&w, &oi, &observation_id, &opened)) != 0)
            goto out;
    }
    if (febrile) {
        char key[64], title_zh[ALERT_TITLE_MAX], title_en[ALERT_TITLE_MAX];
        snprintf(key, sizeof key, "checkpoint_fever:%lld", (long long)id);
        snprintf(title_zh, sizeof title_zh, "%s %d.%d℃(卡口:%s)",
                 from_risk ? "发热且来自风险地区" : "发热", in->temperature_dc / 10,
                 in->temperature_dc % 10, cp_name);
        snprintf(title_en, sizeof title_en, "%s %d.%d °C (checkpoint: %s)",
                 from_risk ? "Fever, arriving from a risk area" : "Fever", in->temperature_dc / 10,
                 in->temperature_dc % 10, cp_name);
        struct alert_input ai = {0};
        ai.rule = "checkpoint_fever";
        ai.severity =
            profile_fever_is_high(&prof, in->temperature_dc, from_risk) ? ALERT_HIGH : ALERT_MEDIUM;
        ai.grid_code = grid;
        ai.person_id = person_id;
        ai.source = source;
        ai.dedup_key = key;
        ai.title_zh = title_zh;
        ai.title_en = title_en;
        if ((rc = alert_raise_step(&w, &ai, &alert_id)) != 0)
            goto out;
    }
    if (observation_id || alert_id) {
        st = store_prepare(s,
                           "UPDATE checkpoint_entries SET observation_id = ?, alert_id = ?"
                           " WHERE id = ?",
                           err);
        if (!st) {
            rc = -EP_EINTERNAL;
            goto out;
        }
        if (observation_id)
            store_bind_int64(st, 1, observation_id);
        else
            store_bind_null(st, 1);
        if (alert_id)
            store_bind_int64(st, 2, alert_id);
        else
            store_bind_null(st, 2);
        store_bind_int64(st, 3, id);
        if ((rc = store_run(st, err)) != 0)
            goto out;
    }
    char metric[64];
    snprintf(metric, sizeof metric, "checkpoint_entries.%s", date);
    if (write_count(&w, grid, metric, 1) != 0)
        goto out;
    if (febrile) {
        snprintf(metric, sizeof metric, "checkpoint_fevers.%s", date);
        if (write_count(&w, grid, metric, 1) != 0)
            goto out;
    }
    {
        /* The audit row keeps the ID number and phone masked: a viewer
         * with the whole city in scope but no right to see them. */
        json_t *masked = NULL;
        struct auth_user nobody = {0};
        nobody.role = ROLE_VIEWER;
        if ((rc = checkpoint_entry_get(s, &nobody, id, &masked, err)) != 0)
            goto out;
        write_audit_new(&w, "create", "checkpoint_entry", id, grid, NULL, masked);
    }
    rc = 0;
out:
    write_fail(&w, rc);
    if (write_end(&w, id) == 0)
        *id_out = id;
    return w.rc;
}
