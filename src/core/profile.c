/*
 * profile.c -- the disease profile (one row of disease_profile) and risk
 * areas (see profile.h).
 *
 * Slots are minutes after midnight in China time (UTC+08:00, no DST), kept
 * ascending.  A moment belongs to the latest slot that has started; before the
 * first slot of a day it still belongs to the previous day's last slot, so a
 * report at 02:00 answers yesterday's 16:00 slot.
 *
 * Changes to the profile and to risk areas go through the one write path
 * (write.h).
 */
#include "core/profile.h"

#include <stdio.h>
#include <string.h>

#include "core/write.h"
#include "util/idcheck.h"
#include "util/text.h"
#include "util/timeutil.h"

const char *const profile_risk_levels[] = {"high", "medium", "low", NULL};

#define DAY_SECONDS 86400

/* ---- the profile --------------------------------------------------------- */

/* Parses "480,960" into p->slot_minutes; 0 or -1 when malformed. */
static int slots_parse(const char *text, struct profile *p)
{
    p->nslots = 0;
    const char *c = text;
    while (*c) {
        if (p->nslots == PROFILE_SLOTS_MAX || *c < '0' || *c > '9')
            return -1;
        int v = 0;
        while (*c >= '0' && *c <= '9' && v < 100000)
            v = v * 10 + (*c++ - '0');
        p->slot_minutes[p->nslots++] = v;
        if (*c == ',')
            c++;
        else if (*c)
            return -1;
    }
    return p->nslots > 0 ? 0 : -1;
}

static void slots_format(const struct profile *p, char out[64])
{
    size_t n = 0;
    out[0] = '\0';
    for (int i = 0; i < p->nslots && n < 56; i++)
        n += (size_t)snprintf(out + n, 64 - n, "%s%d", i ? "," : "", p->slot_minutes[i]);
}

/* The memo key of the profile inside a transaction (store_memo): a group
 * commit's batch reads it once; profile_update forgets it. */
static const char profile_memo = 0;

int profile_get(struct store *s, struct profile *out, struct ep_error *err)
{
    if (store_memo_get(s, &profile_memo, out, sizeof *out))
        return 0;
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT name, observation_days, fever_threshold_dc, slot_minutes,"
                      " grace_minutes, lookback_days, updated_at, public_depth, public_min_cell,"
                      " outbreak_start, high_fever_dc FROM disease_profile WHERE id = 1",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    memset(out, 0, sizeof *out);
    int rc = store_step(st, err);
    if (rc == STORE_ROW) {
        snprintf(out->name, sizeof out->name, "%s", store_column_text(st, 0));
        out->observation_days = (int)store_column_int64(st, 1);
        out->fever_threshold_dc = (int)store_column_int64(st, 2);
        rc = slots_parse(store_column_text(st, 3), out) == 0
                 ? 0
                 : ep_error_set(err, EP_EINTERNAL, "疾病配置中的报告时段无效",
                                "the disease profile's report slots are invalid");
        out->grace_minutes = (int)store_column_int64(st, 4);
        out->lookback_days = (int)store_column_int64(st, 5);
        snprintf(out->updated_at, sizeof out->updated_at, "%s", store_column_text(st, 6));
        out->public_depth = (int)store_column_int64(st, 7);
        out->public_min_cell = (int)store_column_int64(st, 8);
        snprintf(out->outbreak_start, sizeof out->outbreak_start, "%s", store_column_text(st, 9));
        out->high_fever_dc = (int)store_column_int64(st, 10);
    } else if (rc == STORE_DONE) {
        rc = ep_error_set(err, EP_EINTERNAL, "缺少疾病配置(迁移 0005 未执行?)",
                          "the disease profile is missing (migration 0005 not applied?)");
    }
    store_stmt_reset(st);
    if (rc == 0)
        store_memo_put(s, &profile_memo, out, sizeof *out);
    return rc;
}

static json_t *profile_json(const struct profile *p)
{
    json_t *slots = json_array();
    for (int i = 0; i < p->nslots; i++)
        json_array_append_new(slots, json_integer(p->slot_minutes[i]));
    return json_pack("{s:s, s:i, s:i, s:i, s:o, s:i, s:i, s:i, s:i, s:s}", "name", p->name,
                     "observation_days", p->observation_days, "fever_threshold_dc",
                     p->fever_threshold_dc, "high_fever_dc", p->high_fever_dc, "slot_minutes",
                     slots, "grace_minutes", p->grace_minutes, "lookback_days", p->lookback_days,
                     "public_depth", p->public_depth, "public_min_cell", p->public_min_cell,
                     "outbreak_start", p->outbreak_start);
}

/* 1 if who's scope is a root region (the whole city): -EP_EFORBIDDEN in err
 * otherwise, or a database error. */
static int require_root(struct store *s, const struct actor *who, struct ep_error *err)
{
    struct region r;
    int rc = region_get(s, who->user->scope, &r, err);
    if (rc != 0)
        return rc == -EP_ENOTFOUND ? ep_error_set(err, EP_EFORBIDDEN, "只有全市管理员可以修改",
                                                  "only a city-wide administrator may change this")
                                   : rc;
    if (r.parent_code[0])
        return ep_error_set(err, EP_EFORBIDDEN, "只有全市管理员可以修改(您的范围是 %s)",
                            "only a city-wide administrator may change this (your scope is %s)",
                            who->user->scope);
    return 0;
}

static void profile_check(const struct profile *in, struct ep_error *err)
{
    size_t len = strnlen(in->name, sizeof in->name);
    if (len == 0)
        ep_error_field(err, "name", "必填", "is required");
    else if (len == sizeof in->name || !utf8_valid(in->name, len))
        ep_error_field(err, "name", "不是有效的 UTF-8 文本", "is not valid UTF-8 text");
    else if (utf8_length(in->name, len) > 60)
        ep_error_field(err, "name", "不能超过 60 个字", "must be at most 60 characters");
    if (in->observation_days < 1 || in->observation_days > 60)
        ep_error_field(err, "observation_days", "应在 1 到 60 天之间",
                       "must be between 1 and 60 days");
    if (in->fever_threshold_dc < 350 || in->fever_threshold_dc > 420)
        ep_error_field(err, "fever_threshold", "应在 35.0 到 42.0 ℃ 之间",
                       "must be between 35.0 and 42.0 °C");
    else if (in->high_fever_dc <= in->fever_threshold_dc || in->high_fever_dc > 420)
        ep_error_field(err, "high_fever", "应高于发热标准,且不超过 42.0 ℃",
                       "must be above the fever threshold and at most 42.0 °C");
    int slots_ok = in->nslots >= 1 && in->nslots <= PROFILE_SLOTS_MAX;
    for (int i = 0; slots_ok && i < in->nslots; i++)
        slots_ok = in->slot_minutes[i] >= 0 && in->slot_minutes[i] < 24 * 60 &&
                   (i == 0 || in->slot_minutes[i] > in->slot_minutes[i - 1]);
    if (!slots_ok)
        ep_error_field(err, "slots", "应为 1 到 %d 个递增的时刻(00:00-23:59)",
                       "must be 1 to %d ascending times of day (00:00-23:59)", PROFILE_SLOTS_MAX);
    if (in->grace_minutes < 1 || in->grace_minutes > 720) {
        ep_error_field(err, "grace_minutes", "应在 1 到 720 分钟之间",
                       "must be between 1 and 720 minutes");
    } else if (slots_ok) {
        /* The smallest gap between consecutive slots, across midnight too. */
        int gap = 24 * 60 - in->slot_minutes[in->nslots - 1] + in->slot_minutes[0];
        for (int i = 1; i < in->nslots; i++)
            if (in->slot_minutes[i] - in->slot_minutes[i - 1] < gap)
                gap = in->slot_minutes[i] - in->slot_minutes[i - 1];
        if (in->grace_minutes >= gap)
            ep_error_field(err, "grace_minutes", "应短于两个时段的间隔(%d 分钟)",
                           "must be shorter than the gap between slots (%d minutes)", gap);
    }
    if (in->lookback_days < 1 || in->lookback_days > 60)
        ep_error_field(err, "lookback_days", "应在 1 到 60 天之间",
                       "must be between 1 and 60 days");
    if (in->public_depth < REGION_CITY || in->public_depth > REGION_GRID)
        ep_error_field(err, "public_depth", "应为 city、county、township、village 或 grid",
                       "must be city, county, township, village or grid");
    if (in->public_min_cell < 1 || in->public_min_cell > 100)
        ep_error_field(err, "public_min_cell", "应在 1 到 100 之间", "must be between 1 and 100");
    int64_t start;
    if (time_date_parse(in->outbreak_start, &start) != 0)
        ep_error_field(err, "outbreak_start", "应为日期,格式 YYYY-MM-DD",
                       "must be a date, YYYY-MM-DD");
    else if (start > time_today_cn())
        ep_error_field(err, "outbreak_start", "不能晚于今天", "cannot be after today");
}

int profile_update(struct store *s, const struct actor *who, const struct profile *in,
                   struct ep_error *err)
{
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    profile_check(in, err);
    struct profile before;
    if (write_check(&w) != 0 || write_fail(&w, require_root(s, who, err)) != 0 ||
        write_fail(&w, profile_get(s, &before, err)) != 0)
        goto out;
    struct store_stmt *st = write_prepare(
        &w, "UPDATE disease_profile SET name = ?, observation_days = ?,"
            " fever_threshold_dc = ?, slot_minutes = ?,"
            " grace_minutes = ?, lookback_days = ?, updated_at = ?,"
            " public_depth = ?, public_min_cell = ?, outbreak_start = ?, high_fever_dc = ?"
            " WHERE id = 1");
    if (!st)
        goto out;
    char slots[64];
    slots_format(in, slots);
    store_bind_text(st, 1, in->name);
    store_bind_int64(st, 2, in->observation_days);
    store_bind_int64(st, 3, in->fever_threshold_dc);
    store_bind_text(st, 4, slots);
    store_bind_int64(st, 5, in->grace_minutes);
    store_bind_int64(st, 6, in->lookback_days);
    store_bind_text(st, 7, w.now);
    store_bind_int64(st, 8, in->public_depth);
    store_bind_int64(st, 9, in->public_min_cell);
    store_bind_text(st, 10, in->outbreak_start);
    store_bind_int64(st, 11, in->high_fever_dc);
    store_memo_forget(s, &profile_memo);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    json_t *jb = profile_json(&before), *ja = profile_json(in);
    write_audit_key(&w, "update", "profile", "1", who->user->scope, jb, ja);
    json_decref(jb);
    json_decref(ja);
out:
    return write_end(&w, 1);
}

void profile_slot_at(const struct profile *p, int64_t unix_time, int64_t *day, int *index)
{
    int64_t local = unix_time + TIME_CN_OFFSET_SECONDS;
    int64_t d = local >= 0 ? local / DAY_SECONDS : (local - (DAY_SECONDS - 1)) / DAY_SECONDS;
    int64_t second = local - d * DAY_SECONDS;
    int i = -1;
    for (int k = 0; k < p->nslots; k++)
        if ((int64_t)p->slot_minutes[k] * 60 <= second)
            i = k;
    if (i < 0) {
        d -= 1; /* before the first slot: still the previous day's last */
        i = p->nslots > 0 ? p->nslots - 1 : 0;
    }
    *day = d;
    *index = i;
}

int64_t profile_slot_start(const struct profile *p, int64_t day, int index)
{
    int minutes = index >= 0 && index < p->nslots ? p->slot_minutes[index] : 0;
    return day * DAY_SECONDS + (int64_t)minutes * 60 - TIME_CN_OFFSET_SECONDS;
}

int profile_is_fever(const struct profile *p, int temperature_dc)
{
    return temperature_dc >= p->fever_threshold_dc;
}

int profile_fever_is_high(const struct profile *p, int temperature_dc, int risk)
{
    return risk || (temperature_dc > 0 && temperature_dc >= p->high_fever_dc);
}

/* ---- risk areas ---------------------------------------------------------- */

#define RISK_COLUMNS                                                                               \
    "id, COALESCE(region_code, ''), COALESCE(place, ''), level, from_date,"                        \
    " COALESCE(to_date, ''), created_at, created_by"

static void risk_fill(struct store_stmt *st, struct risk_area *a)
{
    memset(a, 0, sizeof *a);
    a->id = store_column_int64(st, 0);
    snprintf(a->region_code, sizeof a->region_code, "%s", store_column_text(st, 1));
    snprintf(a->place, sizeof a->place, "%s", store_column_text(st, 2));
    snprintf(a->level, sizeof a->level, "%s", store_column_text(st, 3));
    snprintf(a->from_date, sizeof a->from_date, "%s", store_column_text(st, 4));
    snprintf(a->to_date, sizeof a->to_date, "%s", store_column_text(st, 5));
    snprintf(a->created_at, sizeof a->created_at, "%s", store_column_text(st, 6));
    snprintf(a->created_by, sizeof a->created_by, "%s", store_column_text(st, 7));
}

static json_t *risk_json(const struct risk_area *a)
{
    return json_pack("{s:I, s:s?, s:s?, s:s, s:s, s:s?}", "id", (json_int_t)a->id, "region_code",
                     a->region_code[0] ? a->region_code : NULL, "place",
                     a->place[0] ? a->place : NULL, "level", a->level, "from_date", a->from_date,
                     "to_date", a->to_date[0] ? a->to_date : NULL);
}

/* 1 if "code" is 2, 4, 6, 9, 12 or 15 digits (GB/T 2260 and below). */
static int code_valid(const char *code)
{
    size_t n = strlen(code);
    if (n != 2 && n != 4 && n != 6 && n != 9 && n != 12 && n != 15)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (code[i] < '0' || code[i] > '9')
            return 0;
    return 1;
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

static void riskarea_check(const struct riskarea_input *in, struct ep_error *err)
{
    int has_code = in->region_code && *in->region_code, has_place = in->place && *in->place;
    if (has_code == has_place) {
        ep_error_field(err, has_code ? "place" : "region_code", "地区编码与地名须且只须填一项",
                       "give exactly one of region_code and place");
    } else if (has_code && !code_valid(in->region_code)) {
        ep_error_field(err, "region_code", "应为 2、4、6、9、12 或 15 位数字",
                       "must be 2, 4, 6, 9, 12 or 15 digits");
    } else if (has_place) {
        size_t len = strlen(in->place);
        if (!utf8_valid(in->place, len))
            ep_error_field(err, "place", "不是有效的 UTF-8 文本", "is not valid UTF-8 text");
        else if (utf8_length(in->place, len) < 2 ||
                 utf8_length(in->place, len) > RISKAREA_PLACE_CHARS)
            ep_error_field(err, "place", "应为 2 到 %d 个字", "must be 2 to %d characters",
                           RISKAREA_PLACE_CHARS);
        else if (has_control(in->place))
            ep_error_field(err, "place", "不能包含控制字符", "must not contain control characters");
    }
    if (!text_in_list(in->level, profile_risk_levels))
        ep_error_field(err, "level", "应为 high、medium 或 low", "must be high, medium or low");
    int64_t from = 0, to = 0;
    int from_ok = 0;
    if (!in->from_date)
        ep_error_field(err, "from_date", "必填", "is required");
    else if (time_date_parse(in->from_date, &from) != 0)
        ep_error_field(err, "from_date", "应为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD");
    else
        from_ok = 1;
    if (in->to_date) {
        if (time_date_parse(in->to_date, &to) != 0)
            ep_error_field(err, "to_date", "应为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD");
        else if (from_ok && to < from)
            ep_error_field(err, "to_date", "不能早于开始日期", "must not be before from_date");
    }
}

/* A risk area given by a code inside who's scope may be managed by who; any
 * other needs a city-wide scope. */
static int risk_permitted(struct store *s, const struct actor *who, const char *region_code,
                          struct ep_error *err)
{
    if (region_code && *region_code && region_in_scope(region_code, who->user->scope))
        return 0;
    return require_root(s, who, err);
}

int riskarea_create(struct store *s, const struct actor *who, const struct riskarea_input *in,
                    struct risk_area *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    riskarea_check(in, err);
    if (write_check(&w) != 0 || write_fail(&w, risk_permitted(s, who, in->region_code, err)) != 0)
        goto out;
    struct store_stmt *st = write_prepare(&w, "INSERT INTO risk_areas (region_code, place, level,"
                                              " from_date, to_date, created_at, created_by)"
                                              " VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        goto out;
    int has_code = in->region_code && *in->region_code;
    store_bind_text(st, 1, has_code ? in->region_code : NULL);
    store_bind_text(st, 2, has_code ? NULL : in->place);
    store_bind_text(st, 3, in->level);
    store_bind_text(st, 4, in->from_date);
    store_bind_text(st, 5, in->to_date);
    store_bind_text(st, 6, w.now);
    store_bind_text(st, 7, who->user->username);
    if (write_fail(&w, store_run(st, err)) != 0 ||
        write_fail(&w, riskarea_get(s, store_last_insert_id(s), out, err)) != 0)
        goto out;
    write_audit_new(&w, "create", "risk_area", out->id, who->user->scope, NULL, risk_json(out));
out:
    return write_end(&w, out->id);
}

int riskarea_get(struct store *s, int64_t id, struct risk_area *out, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT " RISK_COLUMNS " FROM risk_areas WHERE id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc = ref_step_named(st, "风险地区", "risk area", id, err);
    if (rc == 0)
        risk_fill(st, out);
    store_stmt_reset(st);
    return rc;
}

int riskarea_list(struct store *s, int64_t active_day, int64_t after_id, int limit, riskarea_fn fn,
                  void *ctx, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT " RISK_COLUMNS " FROM risk_areas WHERE id > ?"
                      " AND (? = '' OR (from_date <= ? AND (to_date IS NULL OR to_date >= ?)))"
                      " ORDER BY id LIMIT ?",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    char day[11] = "";
    if (active_day >= 0)
        time_date_format(active_day, day);
    store_bind_int64(st, 1, after_id);
    store_bind_text_twice(st, 2, day);
    store_bind_text(st, 4, day);
    store_bind_int64(st, 5, limit > 0 ? limit : INT64_MAX);
    int rc;
    struct risk_area a;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        risk_fill(st, &a);
        if ((rc = fn(&a, ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc;
}

int riskarea_end(struct store *s, const struct actor *who, int64_t id, const char *to_date,
                 struct risk_area *out, struct ep_error *err)
{
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    int64_t to;
    if (!to_date || time_date_parse(to_date, &to) != 0)
        ep_error_field(err, "to_date", "应为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD");
    /* Risk areas are public (every screening matches against them): no
     * jurisdiction hides one, the permission decides who may change it. */
    struct risk_area before;
    if (write_check(&w) != 0 || write_fail(&w, riskarea_get(s, id, &before, err)) != 0 ||
        write_fail(&w, risk_permitted(s, who, before.region_code, err)) != 0)
        goto out;
    if (strcmp(to_date, before.from_date) < 0) {
        ep_error_field(err, "to_date", "不能早于开始日期 %s", "must not be before from_date %s",
                       before.from_date);
        write_check(&w);
        goto out;
    }
    struct store_stmt *st = write_prepare(&w, "UPDATE risk_areas SET to_date = ? WHERE id = ?");
    if (!st)
        goto out;
    store_bind_text(st, 1, to_date);
    store_bind_int64(st, 2, id);
    if (write_fail(&w, store_run(st, err)) != 0 ||
        write_fail(&w, riskarea_get(s, id, out, err)) != 0)
        goto out;
    write_audit_new(&w, "update", "risk_area", id, who->user->scope, risk_json(&before),
                    risk_json(out));
out:
    return write_end(&w, id);
}

int riskarea_delete(struct store *s, const struct actor *who, int64_t id, struct ep_error *err)
{
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    struct risk_area before;
    if (write_fail(&w, riskarea_get(s, id, &before, err)) != 0 ||
        write_fail(&w, risk_permitted(s, who, before.region_code, err)) != 0)
        goto out;
    struct store_stmt *st = write_prepare(&w, "DELETE FROM risk_areas WHERE id = ?");
    if (!st)
        goto out;
    store_bind_int64(st, 1, id);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    write_audit_new(&w, "delete", "risk_area", id, who->user->scope, risk_json(&before), NULL);
out:
    return write_end(&w, id);
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

int riskarea_match(struct store *s, const char *origin, int64_t arrival_day, int *matched,
                   struct ep_error *err)
{
    *matched = 0;
    if (!origin || !*origin)
        return 0;
    /* Few areas are in force at a time: fetch them and compare here. */
    struct store_stmt *st = store_prepare(s,
                                          "SELECT COALESCE(a.region_code, ''),"
                                          " COALESCE(a.place, ''), COALESCE(r.name, '')"
                                          " FROM risk_areas a"
                                          " LEFT JOIN regions r ON r.code = a.region_code"
                                          " WHERE a.from_date <= ?"
                                          " AND (a.to_date IS NULL OR a.to_date >= ?)",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    char day[11];
    time_date_format(arrival_day, day);
    store_bind_text_twice(st, 1, day);
    int digits = all_digits(origin), rc = 0;
    while (!*matched && (rc = store_step(st, err)) == STORE_ROW) {
        const char *code = store_column_text(st, 0), *place = store_column_text(st, 1),
                   *name = store_column_text(st, 2);
        if (digits)
            *matched = *code && strncmp(origin, code, strlen(code)) == 0;
        else
            *matched = (*place && strstr(origin, place)) || (*name && strstr(origin, name));
    }
    store_stmt_reset(st);
    return *matched ? 0 : (rc < 0 ? rc : 0);
}
