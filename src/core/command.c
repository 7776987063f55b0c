/*
 * command.c -- response levels, leader links, directives and inspections
 * (see command.h).  Low-volume administrative writes: each goes through the
 * one write path (write.h) -- its own transaction (a savepoint inside a
 * group commit), its references checked against the writer's scope, audited,
 * with its counters.
 */
#include "core/command.h"
#include "core/ref.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/counter.h"
#include "core/event.h"
#include "core/region.h"
#include "core/stats.h"
#include "core/write.h"
#include "util/idcheck.h"
#include "util/label.h"
#include "util/text.h"
#include "util/timeutil.h"

/* ---- shared helpers ------------------------------------------------------------ */

/* Checks the form of a region code (required when "required"); whether it
 * exists and lies in the writer's scope is a reference, see region_ref(). */
static void check_region_form(const char *field, const char *code, int required,
                              struct ep_error *err)
{
    if (!code) {
        if (required)
            ep_error_field(err, field, "必填", "is required");
        return;
    }
    if (!region_level_of_code(code))
        ep_error_field(err, field, "地区编码应为 4、6、9、12 或 15 位数字",
                       "region code must be 4, 6, 9, 12 or 15 digits");
}

/* A region code of the body whose form check_region_form() accepted: it must
 * exist inside the writer's scope (missing and outside alike: "地区 X 不存在",
 * see write_region).  1 visible, 0 not (or malformed, already reported), <0. */
static int region_ref(struct write *w, const char *field, const char *code, struct region *out)
{
    if (!code || !region_level_of_code(code))
        return 0;
    return write_region(w, code, 0, field, out);
}

/* After a field error about how visible records relate to each other ("must
 * lie inside region X"): an input error, 400 even when a reference was
 * missing too. */
static void relation_error_code(struct ep_error *err)
{
    if (err->code == EP_ENOTFOUND)
        ep_error_set(err, EP_EINVAL, "输入有误", "invalid input");
}

static int check_date(const char *field, const char *v, int required, int64_t *days,
                      struct ep_error *err)
{
    if (!v) {
        if (required)
            ep_error_field(err, field, "必填", "is required");
        return -1;
    }
    if (time_date_parse(v, days) != 0) {
        ep_error_field(err, field, "日期无效,格式应为 YYYY-MM-DD",
                       "invalid date, expected YYYY-MM-DD");
        return -1;
    }
    return 0;
}

static json_t *text_or_null(const char *v)
{
    return v && *v ? json_string(v) : json_null();
}

/* ---- response levels ---------------------------------------------------------- */

const char *command_level_zh(int level)
{
    static const char *names[] = {"", "一级响应", "二级响应", "三级响应", "四级响应"};
    return level >= 1 && level <= 4 ? names[level] : "";
}

const char *command_level_roman(int level)
{
    static const char *names[] = {"", "I", "II", "III", "IV"};
    return level >= 1 && level <= 4 ? names[level] : "";
}

#define LEVEL_COLUMNS                                                                              \
    "l.id, l.region_code, COALESCE(r.name, ''), l.level, l.effective_date,"                        \
    " COALESCE(l.directive_id, 0), COALESCE(l.note, ''), l.created_by, l.created_at"

static json_t *level_row_json(struct store_stmt *st)
{
    int level = (int)store_column_int64(st, 3);
    int64_t directive = store_column_int64(st, 5);
    json_t *j = json_pack("{s:I, s:s, s:s, s:i, s:s, s:s, s:s}", "id",
                          (json_int_t)store_column_int64(st, 0), "region_code",
                          store_column_text(st, 1), "region_name", store_column_text(st, 2),
                          "level", level, "level_name", command_level_zh(level), "roman",
                          command_level_roman(level), "effective_date", store_column_text(st, 4));
    json_object_set_new(j, "directive_id", directive ? json_integer(directive) : json_null());
    json_object_set_new(j, "note", text_or_null(store_column_text(st, 6)));
    json_object_set_new(j, "created_by", json_string(store_column_text(st, 7)));
    json_object_set_new(j, "created_at", json_string(store_column_text(st, 8)));
    return j;
}

int command_level_check(const struct level_input *in, struct ep_error *err)
{
    check_region_form("region_code", in->region_code, 1, err);
    if (in->level < 1 || in->level > 4)
        ep_error_field(err, "level", "应为 1 到 4(一级至四级响应)",
                       "must be 1 to 4 (level I to IV)");
    check_date("effective_date", in->effective_date, 1, NULL, err);
    text_check(in->note, "note", COMMAND_TEXT_CHARS, TEXT_MULTILINE, err);
    if (in->directive_id < 0)
        ep_error_field(err, "directive_id", "应为正整数", "must be a positive integer");
    return err->code ? -err->code : 0;
}

int command_level_set(struct store *s, const struct actor *who, const struct level_input *in,
                      json_t **out, struct ep_error *err)
{
    *out = NULL;
    /* When it happened: the effective day (its end, or now when today), or
     * the moment given on that day. */
    int64_t now = (int64_t)time(NULL), at = now;
    int rc = 0;
    if (in->effective_date && time_date_parse(in->effective_date, NULL) == 0) {
        rc = occurred_parse(s, "effective_date", in->effective_date, now, &at, err);
        if (rc == 0 && in->occurred_at) {
            rc = occurred_parse(s, "occurred_at", in->occurred_at, now, &at, err);
            char day[11];
            time_date_format(time_day_of_unix(at), day);
            if (rc == 0 && strcmp(day, in->effective_date) != 0)
                ep_error_field(err, "occurred_at", "须在生效日期 %s 当天",
                               "must be on the effective date, %s", in->effective_date);
        }
        if (rc == -EP_EINTERNAL)
            return rc;
    }
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    if (at != w.now_unix)
        write_occurred(&w, at);
    int64_t id = 0;
    command_level_check(in, err);
    region_ref(&w, "region_code", in->region_code, NULL);
    if (in->directive_id > 0)
        write_ref(&w, REF_DIRECTIVE, in->directive_id, "directive_id", NULL);
    if (write_check(&w) != 0)
        goto out;
    struct store_stmt *st = write_prepare(&w, "INSERT INTO response_levels (region_code, level,"
                                              " effective_date, directive_id, note, created_by,"
                                              " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        goto out;
    store_bind_text(st, 1, in->region_code);
    store_bind_int64(st, 2, in->level);
    store_bind_text(st, 3, in->effective_date);
    if (in->directive_id)
        store_bind_int64(st, 4, in->directive_id);
    else
        store_bind_null(st, 4);
    store_bind_text(st, 5, in->note && *in->note ? in->note : NULL);
    store_bind_text(st, 6, who->user->username);
    store_bind_text(st, 7, w.now);
    rc = store_run(st, err);
    if (rc == -EP_ECONFLICT) { /* the region is visible: the conflict may be told */
        ep_error_clear(err);
        ep_error_field(err, "effective_date", "该地区这一天已设定响应级别",
                       "this region already has a level from this date");
        rc = ep_error_set(err, EP_ECONFLICT, "响应级别已存在", "response level exists");
    }
    if (write_fail(&w, rc) != 0)
        goto out;
    id = store_last_insert_id(s);
    st = write_prepare(&w, "SELECT " LEVEL_COLUMNS " FROM response_levels l"
                           " LEFT JOIN regions r ON r.code = l.region_code WHERE l.id = ?");
    if (!st)
        goto out;
    store_bind_int64(st, 1, id);
    rc = store_step(st, err);
    if (rc == STORE_ROW)
        *out = level_row_json(st);
    store_stmt_reset(st);
    if (!*out)
        write_fail(&w, rc < 0 ? rc
                              : ep_error_set(err, EP_EINTERNAL, "响应级别 %lld 未写入",
                                             "response level %lld was not written", (long long)id));
    write_audit(&w, "create", "response_level", id, in->region_code, NULL, *out);
out:
    return write_end_json(&w, id, out);
}

/* Binds the ancestors-or-self of "code" (5 slots, unused ones repeat "code"). */
static void bind_ancestors(struct store_stmt *st, int idx, const char *code)
{
    int level = region_level_of_code(code);
    for (int l = REGION_CITY; l <= REGION_GRID; l++) {
        int n = region_code_length(l <= level ? l : level);
        store_bind_textn(st, idx + l - 1, code, (size_t)n);
    }
}

int command_level_at(struct store *s, const char *code, const char *date, json_t **out,
                     struct ep_error *err)
{
    *out = NULL;
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT " LEVEL_COLUMNS " FROM response_levels l"
                      " LEFT JOIN regions r ON r.code = l.region_code"
                      " WHERE l.region_code IN (?, ?, ?, ?, ?) AND l.effective_date <= ?"
                      " ORDER BY length(l.region_code) DESC, l.effective_date DESC, l.id DESC"
                      " LIMIT 1",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    bind_ancestors(st, 1, code);
    store_bind_text(st, 6, date);
    int rc = store_step(st, err);
    if (rc < 0)
        return rc;
    json_t *j = json_pack("{s:s, s:s}", "region", code, "date", date);
    if (rc == STORE_ROW) {
        json_t *row = level_row_json(st);
        int level = (int)store_column_int64(st, 3);
        json_object_set_new(j, "level", json_integer(level));
        json_object_set_new(j, "level_name", json_string(command_level_zh(level)));
        json_object_set_new(j, "roman", json_string(command_level_roman(level)));
        json_object_set_new(j, "set_at", json_string(store_column_text(st, 1)));
        json_object_set_new(j, "set_at_name", json_string(store_column_text(st, 2)));
        json_object_set_new(j, "inherited",
                            json_boolean(strcmp(store_column_text(st, 1), code) != 0));
        json_object_set_new(j, "effective_date", json_string(store_column_text(st, 4)));
        json_object_set(j, "directive_id", json_object_get(row, "directive_id"));
        json_object_set_new(j, "record", row);
    } else {
        json_object_set_new(j, "level", json_null());
        json_object_set_new(j, "level_name", json_string(""));
        json_object_set_new(j, "set_at", json_null());
        json_object_set_new(j, "inherited", json_false());
    }
    store_stmt_reset(st);
    *out = j;
    return 0;
}

int command_level_history(struct store *s, const char *code, json_t *items, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " LEVEL_COLUMNS " FROM response_levels l"
                                          " LEFT JOIN regions r ON r.code = l.region_code"
                                          " WHERE l.region_code IN (?, ?, ?, ?, ?)"
                                          " OR (l.region_code >= ? AND l.region_code < ?)"
                                          " ORDER BY l.effective_date DESC, l.id DESC",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    bind_ancestors(st, 1, code);
    region_bind_range(st, 6, code);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        json_t *row = level_row_json(st);
        const char *at = store_column_text(st, 1);
        json_object_set_new(row, "relation",
                            json_string(strcmp(at, code) == 0       ? "own"
                                        : strlen(at) < strlen(code) ? "ancestor"
                                                                    : "descendant"));
        json_array_append_new(items, row);
    }
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

/* ---- leader links ---------------------------------------------------------------- */

/* A user named in a request is seen like a record on the path: one whose
 * scope lies inside the caller's or contains it (a leader above).  Any other
 * -- another county's, a disabled one, none -- reads alike. */
static int user_visible(const struct auth_user *caller, const struct auth_user *user, int active)
{
    return active && (region_in_scope(user->scope, caller->scope) ||
                      region_in_scope(caller->scope, user->scope));
}

/* The field error of a username that is missing, disabled or outside: a
 * lone one is a 404 (a referenced record was not found), as ref.h answers. */
static void user_not_found(struct ep_error *err, const char *field, const char *username)
{
    int was_clear = err->code == EP_OK;
    ep_error_field(err, field, "用户 %s 不存在或已停用", "user %s does not exist or is disabled",
                   username);
    if (was_clear || err->code == EP_ENOTFOUND)
        ep_error_set(err, EP_ENOTFOUND, "所引用的记录不存在", "a referenced record was not found");
}

int command_leader_link(struct store *s, const struct actor *who, const char *username,
                        const char *region_code, json_t **out, struct ep_error *err)
{
    *out = NULL;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    int64_t id = 0;
    struct auth_user leader;
    int leader_ok = 0;
    /* Input errors first, then the references: the leader and the region. */
    if (!username)
        ep_error_field(err, "username", "必填", "is required");
    check_region_form("region_code", region_code, 1, err);
    if (username) {
        struct ep_error lookup;
        ep_error_clear(&lookup);
        int active = 0;
        int rc = auth_user_get(s, username, &leader, &active, &lookup);
        if (rc != 0 && rc != -EP_ENOTFOUND) {
            write_fail(&w, ep_error_set(err, lookup.code, "%s%.0s", "%.0s%s", lookup.msg[0],
                                        lookup.msg[1]));
            goto out;
        }
        leader_ok = rc == 0 && user_visible(who->user, &leader, active);
        if (!leader_ok)
            user_not_found(err, "username", username);
    }
    if (region_ref(&w, "region_code", region_code, NULL) == 1 && leader_ok &&
        !region_in_scope(region_code, leader.scope)) {
        ep_error_field(err, "region_code", "地区 %s 不在该领导的管辖范围(%s)内",
                       "region %s is outside the leader's jurisdiction (%s)", region_code,
                       leader.scope);
        relation_error_code(err);
    }
    if (write_check(&w) != 0)
        goto out;
    struct store_stmt *st = write_prepare(&w, "INSERT INTO leader_links (user_id, region_code,"
                                              " created_by, created_at) VALUES (?, ?, ?, ?)");
    if (!st)
        goto out;
    store_bind_int64(st, 1, leader.id);
    store_bind_text(st, 2, region_code);
    store_bind_text(st, 3, who->user->username);
    store_bind_text(st, 4, w.now);
    int rc = store_run(st, err);
    if (rc == -EP_ECONFLICT) /* both are visible: the conflict may be told */
        ep_error_set(err, EP_ECONFLICT, "%s 已联系督导 %s", "%s already supervises %s", username,
                     region_code);
    if (write_fail(&w, rc) != 0)
        goto out;
    id = store_last_insert_id(s);
    *out = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)id, "username",
                     leader.username, "display_name", leader.display_name, "region_code",
                     region_code, "created_by", who->user->username, "created_at", w.now);
    write_audit(&w, "create", "leader_link", id, region_code, NULL, *out);
out:
    return write_end_json(&w, id, out);
}

int command_leader_unlink(struct store *s, const struct actor *who, int64_t id,
                          struct ep_error *err)
{
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    json_t *before = NULL;
    char region[REGION_CODE_MAX] = "";
    if (write_target(&w, REF_LEADER_LINK, id, region) != 0)
        goto out;
    struct store_stmt *st = write_prepare(&w, "SELECT u.username FROM leader_links l"
                                              " JOIN users u ON u.id = l.user_id WHERE l.id = ?");
    if (!st)
        goto out;
    store_bind_int64(st, 1, id);
    int rc = store_step(st, err);
    if (rc == STORE_ROW)
        before = json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "username",
                           store_column_text(st, 0), "region_code", region);
    store_stmt_reset(st);
    if (!before) {
        write_fail(&w, rc < 0 ? rc : ref_not_found(err, REF_LEADER_LINK, id));
        goto out;
    }
    st = write_prepare(&w, "DELETE FROM leader_links WHERE id = ?");
    if (!st)
        goto out;
    store_bind_int64(st, 1, id);
    if (write_fail(&w, store_run(st, err)) == 0)
        write_audit(&w, "delete", "leader_link", id, region, before, NULL);
out:
    json_decref(before);
    return write_end(&w, id);
}

int command_leader_regions(struct store *s, const char *scope, const char *username,
                           const char *date, json_t **out, struct ep_error *err)
{
    *out = NULL;
    struct auth_user leader;
    int active;
    if (auth_user_get(s, username, &leader, &active, err) != 0)
        return -err->code;
    /* A user of another jurisdiction (neither below the caller's scope nor
     * above it) does not exist for the caller: no name, no scope. */
    struct auth_user caller = {0};
    snprintf(caller.scope, sizeof caller.scope, "%s", scope);
    if (!user_visible(&caller, &leader, active))
        return ep_error_set(err, EP_ENOTFOUND, "用户 %s 不存在", "user %s not found", username);
    struct store_stmt *st = store_prepare(s,
                                          "SELECT l.id, l.region_code FROM leader_links l"
                                          " WHERE l.user_id = ? AND l.region_code >= ?"
                                          " AND l.region_code < ? ORDER BY l.region_code",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, leader.id);
    region_bind_range(st, 2, scope);
    /* Collect first: stats_region_day uses other statements. */
    struct {
        int64_t id;
        char code[REGION_CODE_MAX];
    } links[256];
    int n = 0, rc = 0;
    while (n < 256 && (rc = store_step(st, err)) == STORE_ROW) {
        links[n].id = store_column_int64(st, 0);
        snprintf(links[n].code, sizeof links[n].code, "%s", store_column_text(st, 1));
        n++;
    }
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        json_t *stats = stats_region_day(s, links[i].code, date, err);
        json_t *level = NULL;
        if (!stats || command_level_at(s, links[i].code, date, &level, err) != 0) {
            json_decref(stats);
            json_decref(items);
            return -err->code;
        }
        json_array_append_new(items, json_pack("{s:I, s:s, s:O, s:o, s:o}", "link_id",
                                               (json_int_t)links[i].id, "region", links[i].code,
                                               "name", json_object_get(stats, "name"),
                                               "response_level", level, "stats", stats));
    }
    *out = json_pack("{s:s, s:s, s:s, s:s, s:o}", "username", leader.username, "display_name",
                     leader.display_name, "scope", leader.scope, "date", date, "items", items);
    return 0;
}

int command_leader_links_list(struct store *s, const char *scope, int64_t after_id, int limit,
                              json_t *items, struct ep_error *err)
{
    /* The region of a link lies in the leader's scope (command_leader_link):
     * a link in the caller's scope names a leader who is visible to it. */
    struct store_stmt *st = store_prepare(
        s,
        "SELECT l.id, l.region_code, r.name, u.username, u.display_name, u.active,"
        " l.created_by, l.created_at FROM leader_links l JOIN users u ON u.id = l.user_id"
        " JOIN regions r ON r.code = l.region_code"
        " WHERE l.region_code >= ? AND l.region_code < ? AND l.id > ? ORDER BY l.id LIMIT ?",
        err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, scope);
    store_bind_int64(st, 3, after_id > 0 ? after_id : 0);
    store_bind_int64(st, 4, limit > 0 ? limit : INT64_MAX);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(
            items,
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:b, s:s, s:s}", "id",
                      (json_int_t)store_column_int64(st, 0), "region_code",
                      store_column_text(st, 1), "region_name", store_column_text(st, 2), "username",
                      store_column_text(st, 3), "display_name", store_column_text(st, 4), "active",
                      store_column_int64(st, 5) != 0, "created_by", store_column_text(st, 6),
                      "created_at", store_column_text(st, 7)));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

/* ---- directives --------------------------------------------------------------- */

static int level_from_name(const char *name)
{
    for (int l = REGION_CITY; l <= REGION_GRID; l++)
        if (name && strcmp(name, region_level_name(l)) == 0)
            return l;
    return 0;
}

int command_directive_check(const struct directive_input *in, struct ep_error *err)
{
    text_check(in->title, "title", COMMAND_TITLE_CHARS, TEXT_REQUIRED | TEXT_MULTILINE, err);
    text_check(in->body, "body", COMMAND_BODY_CHARS, TEXT_REQUIRED | TEXT_MULTILINE, err);
    check_region_form("target_region", in->target_region, 1, err);
    check_region_form("issuing_region", in->issuing_region, 0, err);
    int level = level_from_name(in->target_level);
    if (!in->target_level)
        ep_error_field(err, "target_level", "必填", "is required");
    else if (!level)
        ep_error_field(err, "target_level", "应为 city、county、township、village 或 grid",
                       "must be city, county, township, village or grid");
    else if (in->target_region && region_level_of_code(in->target_region) > level)
        ep_error_field(err, "target_level", "不能高于目标地区的层级",
                       "must not be above the target region's level");
    int64_t deadline;
    if (check_date("deadline", in->deadline, 1, &deadline, err) == 0 && deadline < time_today_cn())
        ep_error_field(err, "deadline", "不能早于今天", "must not be before today");
    return err->code ? -err->code : 0;
}

#define DIRECTIVE_COLUMNS                                                                          \
    "d.id, d.title, d.body, d.issuing_region, COALESCE(ri.name, ''), d.target_region,"             \
    " COALESCE(rt.name, ''), d.target_level, d.deadline, d.units, d.issued_by, d.issued_at,"       \
    " (SELECT read_at FROM directive_reads x WHERE x.directive_id = d.id AND x.user_id = ?)"

#define DIRECTIVE_FROM                                                                             \
    " FROM directives d LEFT JOIN regions ri ON ri.code = d.issuing_region"                        \
    " LEFT JOIN regions rt ON rt.code = d.target_region"

/* Visible from scope ?3 (recipient: scope inside the target) or range ?4..?5
 * (the target inside the scope). */
#define DIRECTIVE_VISIBLE                                                                          \
    " (substr(?, 1, length(d.target_region)) = d.target_region"                                    \
    " OR (d.target_region >= ? AND d.target_region < ?))"

/* A recipient's scope lies in the target subtree at a level the directive
 * was delivered to (a grid's staff belong to their village's unit). */
static int is_recipient(const struct auth_user *user, const char *target, int target_level)
{
    int level = region_level_of_code(user->scope);
    return region_in_scope(user->scope, target) &&
           (level <= target_level || (level == REGION_GRID && target_level == REGION_VILLAGE));
}

/* The same test in SQL: scope ?, its level ?, ?. */
#define DIRECTIVE_RECIPIENT                                                                        \
    " (substr(?, 1, length(d.target_region)) = d.target_region"                                    \
    "  AND (? <= d.target_level OR (? = 5 AND d.target_level = 4)))"

static json_t *directive_row_json(struct store_stmt *st, const struct auth_user *user)
{
    const char *target = store_column_text(st, 5);
    json_t *j = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s}", "id",
        (json_int_t)store_column_int64(st, 0), "title", store_column_text(st, 1), "body",
        store_column_text(st, 2), "issuing_region", store_column_text(st, 3), "issuing_name",
        store_column_text(st, 4), "target_region", target, "target_name", store_column_text(st, 6),
        "target_level", region_level_name((int)store_column_int64(st, 7)), "deadline",
        store_column_text(st, 8), "units", (json_int_t)store_column_int64(st, 9), "issued_by",
        store_column_text(st, 10), "issued_at", store_column_text(st, 11));
    json_object_set_new(j, "recipient",
                        json_boolean(is_recipient(user, target, (int)store_column_int64(st, 7))));
    json_object_set_new(j, "read_at",
                        store_column_is_null(st, 12) ? json_null()
                                                     : json_string(store_column_text(st, 12)));
    return j;
}

static void bind_visible(struct store_stmt *st, int idx, const char *scope)
{
    store_bind_text(st, idx, scope);
    region_bind_range(st, idx + 1, scope);
}

/* The directive row visible to user, or -EP_ENOTFOUND. */
static int directive_load(struct store *s, const struct auth_user *user, int64_t id, json_t **out,
                          struct ep_error *err)
{
    *out = NULL;
    struct store_stmt *st = store_prepare(
        s, "SELECT " DIRECTIVE_COLUMNS DIRECTIVE_FROM " WHERE d.id = ? AND" DIRECTIVE_VISIBLE, err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, user->id);
    store_bind_int64(st, 2, id);
    bind_visible(st, 3, user->scope);
    int rc = ref_step_one(st, REF_DIRECTIVE, id, err);
    if (rc == 0)
        *out = directive_row_json(st, user);
    store_stmt_reset(st);
    return rc;
}

int command_directive_issue(struct store *s, const struct actor *who,
                            const struct directive_input *in, json_t **out, struct ep_error *err)
{
    *out = NULL;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    int64_t id = 0, units = 0;
    command_directive_check(in, err);
    /* The target and the issuing region are references; how they relate is
     * asked only of visible ones (outside the scope reads as missing). */
    const char *issuing = in->issuing_region ? in->issuing_region : who->user->scope;
    int target_ok = region_ref(&w, "target_region", in->target_region, NULL) == 1;
    int issuing_ok =
        !in->issuing_region || region_ref(&w, "issuing_region", in->issuing_region, NULL) == 1;
    if (target_ok && issuing_ok && !region_in_scope(in->target_region, issuing)) {
        ep_error_field(err, "issuing_region", "应为目标地区本身或其上级",
                       "must be the target region or one of its ancestors");
        relation_error_code(err);
    }
    if (write_check(&w) != 0)
        goto out;
    int level = level_from_name(in->target_level);
    struct store_stmt *st =
        write_prepare(&w, "INSERT INTO directives (title, body, issuing_region,"
                          " target_region, target_level, deadline, units,"
                          " issued_by, issued_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)");
    if (!st)
        goto out;
    store_bind_text(st, 1, in->title);
    store_bind_text(st, 2, in->body);
    store_bind_text(st, 3, issuing);
    store_bind_text(st, 4, in->target_region);
    store_bind_int64(st, 5, level);
    store_bind_text(st, 6, in->deadline);
    store_bind_text(st, 7, who->user->username);
    store_bind_text(st, 8, w.now);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    id = store_last_insert_id(s);
    /* One delivery per unit of the subtree down to the chosen level. */
    struct store_stmt *units_st = store_prepare(
        s, "SELECT code FROM regions WHERE code >= ? AND code < ? AND level <= ? ORDER BY code",
        err);
    struct store_stmt *ins = store_prepare(
        s, "INSERT INTO directive_deliveries (directive_id, region_code) VALUES (?, ?)", err);
    if (!units_st || !ins) {
        write_fail(&w, -EP_EINTERNAL);
        goto out;
    }
    region_bind_range(units_st, 1, in->target_region);
    store_bind_int64(units_st, 3, level);
    int rc;
    while ((rc = store_step(units_st, err)) == STORE_ROW) {
        char code[REGION_CODE_MAX];
        snprintf(code, sizeof code, "%s", store_column_text(units_st, 0));
        store_bind_int64(ins, 1, id);
        store_bind_text(ins, 2, code);
        if (write_fail(&w, store_run(ins, err)) != 0 ||
            write_count(&w, code, "directive_units", 1) != 0)
            break;
        units++;
    }
    store_stmt_reset(units_st);
    if (write_fail(&w, rc < 0 ? rc : 0) != 0)
        goto out;
    st = write_prepare(&w, "UPDATE directives SET units = ? WHERE id = ?");
    if (!st)
        goto out;
    store_bind_int64(st, 1, units);
    store_bind_int64(st, 2, id);
    if (write_fail(&w, store_run(st, err)) != 0 ||
        write_fail(&w, directive_load(s, who->user, id, out, err)) != 0)
        goto out;
    json_t *event = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "id", (json_int_t)id, "title",
                              in->title, "target_region", in->target_region, "deadline",
                              in->deadline, "issued_at", w.now, "units", (json_int_t)units);
    write_fail(&w, event_publish(s, in->target_region, "directive.issued", event, NULL, err));
    json_decref(event);
    write_audit(&w, "create", "directive", id, in->target_region, NULL, *out);
out:
    return write_end_json(&w, id, out);
}

static int replies_json(struct store *s, int64_t id, json_t *items, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT p.id, p.region_code, COALESCE(r.name, ''),"
                                          " p.username, p.body, p.created_at"
                                          " FROM directive_replies p"
                                          " LEFT JOIN regions r ON r.code = p.region_code"
                                          " WHERE p.directive_id = ? ORDER BY p.id",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(
            items,
            json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)store_column_int64(st, 0),
                      "region_code", store_column_text(st, 1), "region_name",
                      store_column_text(st, 2), "username", store_column_text(st, 3), "body",
                      store_column_text(st, 4), "created_at", store_column_text(st, 5)));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

static int delivery_counts(struct store *s, int64_t id, int64_t *units, int64_t *read,
                           struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT count(*), count(read_at) FROM"
                                          " directive_deliveries WHERE directive_id = ?",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int64_t counts[2];
    int rc = store_step_int64s(st, counts, 2, err);
    *units = counts[0];
    *read = counts[1];
    return rc;
}

int command_directive_get(struct store *s, const struct auth_user *user, int64_t id, json_t **out,
                          struct ep_error *err)
{
    if (directive_load(s, user, id, out, err) != 0)
        return -err->code;
    int64_t units, read;
    json_t *replies = json_array();
    json_object_set_new(*out, "replies", replies);
    if (delivery_counts(s, id, &units, &read, err) != 0 || replies_json(s, id, replies, err) != 0) {
        json_decref(*out);
        *out = NULL;
        return -err->code;
    }
    json_object_set_new(*out, "units_read", json_integer(read));
    json_object_set_new(*out, "units_unread", json_integer(units - read));
    return 0;
}

int command_directive_list(struct store *s, const struct auth_user *user, const char *region,
                           int unread_only, int64_t before_id, int limit, json_t *items,
                           struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT " DIRECTIVE_COLUMNS DIRECTIVE_FROM " WHERE" DIRECTIVE_VISIBLE
                      " AND (? = 0 OR d.id < ?)"
                      " AND (? IS NULL OR (d.target_region >= ? AND d.target_region < ?)"
                      "      OR substr(?, 1, length(d.target_region)) = d.target_region)"
                      " AND (? = 0 OR (" DIRECTIVE_RECIPIENT
                      "      AND NOT EXISTS (SELECT 1 FROM directive_reads x"
                      "                      WHERE x.directive_id = d.id AND x.user_id = ?)))"
                      " ORDER BY d.id DESC LIMIT ?",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, user->id);
    bind_visible(st, 2, user->scope);
    store_bind_int64_twice(st, 5, before_id);
    char upper[REGION_CODE_MAX] = "";
    if (region)
        region_code_range(region, upper);
    store_bind_text_twice(st, 7, region);
    store_bind_text(st, 9, region ? upper : NULL);
    store_bind_text(st, 10, region);
    int level = region_level_of_code(user->scope);
    store_bind_int64(st, 11, unread_only);
    store_bind_text(st, 12, user->scope);
    store_bind_int64_twice(st, 13, level);
    store_bind_int64(st, 15, user->id);
    store_bind_int64(st, 16, limit);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        json_t *j = directive_row_json(st, user);
        json_object_del(j, "body");
        json_array_append_new(items, j);
    }
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

int command_directive_unread_count(struct store *s, const struct auth_user *user, int64_t *out,
                                   struct ep_error *err)
{
    /* Directives addressed to the user: the target is an ancestor-or-self of
     * the scope, i.e. one of at most five codes (an index lookup each). */
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT count(*) FROM directives d WHERE d.target_region IN (?, ?, ?, ?, ?)"
                      " AND" DIRECTIVE_RECIPIENT " AND NOT EXISTS (SELECT 1 FROM directive_reads x"
                      "                 WHERE x.directive_id = d.id AND x.user_id = ?)",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    int level = region_level_of_code(user->scope);
    bind_ancestors(st, 1, user->scope);
    store_bind_text(st, 6, user->scope);
    store_bind_int64_twice(st, 7, level);
    store_bind_int64(st, 9, user->id);
    return store_step_int64s(st, out, 1, err);
}

/* The deepest delivery unit of directive "id" that contains "scope"; "" if none. */
static int unit_of(struct store *s, int64_t id, const char *scope, char unit[REGION_CODE_MAX],
                   struct ep_error *err)
{
    unit[0] = '\0';
    struct store_stmt *st = store_prepare(s,
                                          "SELECT region_code FROM directive_deliveries"
                                          " WHERE directive_id = ? AND region_code IN"
                                          " (?, ?, ?, ?, ?) ORDER BY length(region_code) DESC"
                                          " LIMIT 1",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    bind_ancestors(st, 2, scope);
    int rc = store_step(st, err);
    if (rc == STORE_ROW)
        snprintf(unit, REGION_CODE_MAX, "%s", store_column_text(st, 0));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

/* In write "w": directive "id" is visible to the writer (else the write fails
 * with 404) and the writer is one of its recipients (else 422 "zh"/"en"). */
static int directive_recipient(struct write *w, int64_t id, const char *zh, const char *en)
{
    if (write_target(w, REF_DIRECTIVE, id, NULL) != 0)
        return w->rc;
    json_t *d = NULL;
    if (write_fail(w, directive_load(w->s, w->who->user, id, &d, w->err)) != 0)
        return w->rc;
    int recipient = json_is_true(json_object_get(d, "recipient"));
    json_decref(d);
    if (!recipient)
        write_fail(w, ep_error_set(w->err, EP_ERULE, "%s%.0s", "%.0s%s", zh, en));
    return w->rc;
}

int command_directive_read(struct store *s, const struct actor *who, int64_t id, json_t **out,
                           struct ep_error *err)
{
    *out = NULL;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    char now[32], unit[REGION_CODE_MAX] = "";
    time_now_iso(now);
    if (directive_recipient(&w, id, "只有接收单位的人员才能签收通知",
                            "only recipients can mark a directive as read") != 0 ||
        write_fail(&w, unit_of(s, id, who->user->scope, unit, err)) != 0)
        goto out;
    struct store_stmt *st =
        write_prepare(&w, "INSERT INTO directive_reads (directive_id, user_id,"
                          " username, unit_code, read_at) VALUES (?, ?, ?, ?, ?)"
                          " ON CONFLICT (directive_id, user_id) DO NOTHING");
    if (!st)
        goto out;
    store_bind_int64(st, 1, id);
    store_bind_int64(st, 2, who->user->id);
    store_bind_text(st, 3, who->user->username);
    store_bind_text(st, 4, unit[0] ? unit : NULL);
    store_bind_text(st, 5, now);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    int first_of_user = store_changes(s) > 0;
    if (first_of_user && unit[0]) {
        st = write_prepare(&w, "UPDATE directive_deliveries SET read_at = ?, read_by = ?"
                               " WHERE directive_id = ? AND region_code = ? AND read_at IS NULL");
        if (!st)
            goto out;
        store_bind_text(st, 1, now);
        store_bind_text(st, 2, who->user->username);
        store_bind_int64(st, 3, id);
        store_bind_text(st, 4, unit);
        if (write_fail(&w, store_run(st, err)) != 0)
            goto out;
        if (store_changes(s) > 0 && write_count(&w, unit, "directive_units_read", 1) != 0)
            goto out;
    }
    if (write_fail(&w, directive_load(s, who->user, id, out, err)) != 0)
        goto out;
    json_object_del(*out, "body");
    json_object_set_new(*out, "unit", unit[0] ? json_string(unit) : json_null());
    if (first_of_user) /* a repeat writes nothing: no audit row either */
        write_audit(&w, "read", "directive", id, unit[0] ? unit : who->user->scope, NULL, *out);
out:
    return write_end_json(&w, id, out);
}

int command_directive_receipts(struct store *s, const struct auth_user *user, int64_t id,
                               const char *region, json_t **out, struct ep_error *err)
{
    if (directive_load(s, user, id, out, err) != 0)
        return -err->code;
    const char *deadline = json_string_value(json_object_get(*out, "deadline"));
    char deadline_copy[11];
    snprintf(deadline_copy, sizeof deadline_copy, "%s", deadline ? deadline : "");
    json_t *body = json_pack("{s:I, s:s, s:O}", "directive_id", (json_int_t)id, "deadline",
                             deadline_copy, "title", json_object_get(*out, "title"));
    json_decref(*out);
    *out = NULL;
    char today[11];
    time_date_format(time_today_cn(), today);
    int past = strcmp(today, deadline_copy) > 0;
    /* A recipient sees the units of its own subtree; the issuing side all. */
    const char *within = region ? region : user->scope;
    struct store_stmt *st = store_prepare(s,
                                          "SELECT v.region_code, COALESCE(r.name, ''),"
                                          " COALESCE(r.level, 0), v.read_at, v.read_by,"
                                          " COALESCE(u.display_name, ''), COALESCE(u.scope, '')"
                                          " FROM directive_deliveries v"
                                          " LEFT JOIN regions r ON r.code = v.region_code"
                                          " LEFT JOIN users u ON u.username = v.read_by"
                                          " WHERE v.directive_id = ? AND v.region_code >= ?"
                                          " AND v.region_code < ? ORDER BY v.region_code",
                                          err);
    if (!st) {
        json_decref(body);
        return -EP_EINTERNAL;
    }
    store_bind_int64(st, 1, id);
    region_bind_range(st, 2, within);
    json_t *items = json_array(), *missing = json_array();
    int64_t n = 0, read = 0;
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        int is_read = !store_column_is_null(st, 3);
        const char *read_at = store_column_text(st, 3);
        /* Late: read after the deadline day (read_at starts with its date). */
        int late = is_read && strncmp(read_at, deadline_copy, 10) > 0;
        json_t *j = json_pack("{s:s, s:s, s:s}", "region", store_column_text(st, 0), "name",
                              store_column_text(st, 1), "level",
                              region_level_name((int)store_column_int64(st, 2)));
        json_object_set_new(j, "read_at", is_read ? json_string(read_at) : json_null());
        json_object_set_new(j, "read_by",
                            is_read ? json_string(store_column_text(st, 4)) : json_null());
        /* The reader's display name, for a user on the caller's line (below
         * or above: one who moved elsewhere since keeps only the username). */
        const char *name = store_column_text(st, 5), *scope = store_column_text(st, 6);
        int known = region_in_scope(scope, user->scope) || region_in_scope(user->scope, scope);
        json_object_set_new(j, "read_by_name",
                            is_read && *name && known ? json_string(name) : json_null());
        json_object_set_new(j, "late", json_boolean(late));
        if ((!is_read && past) || late)
            json_array_append_new(missing, json_string(store_column_text(st, 0)));
        json_array_append_new(items, j);
        n++;
        read += is_read;
    }
    store_stmt_reset(st);
    if (rc < 0) {
        json_decref(body);
        json_decref(items);
        json_decref(missing);
        return rc;
    }
    json_object_set_new(body, "deadline_passed", json_boolean(past));
    json_object_set_new(body, "units", json_integer(n));
    json_object_set_new(body, "read", json_integer(read));
    json_object_set_new(body, "unread", json_integer(n - read));
    json_object_set_new(body, "items", items);
    json_object_set_new(body, "not_read_by_deadline", missing);
    *out = body;
    return 0;
}

int command_directive_reply(struct store *s, const struct actor *who, int64_t id, const char *body,
                            json_t **out, struct ep_error *err)
{
    *out = NULL;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    int64_t reply_id = 0;
    text_check(body, "body", COMMAND_TEXT_CHARS, TEXT_REQUIRED | TEXT_MULTILINE, err);
    if (write_check(&w) != 0 ||
        directive_recipient(&w, id, "只有接收单位的人员才能回复通知",
                            "only recipients can reply to a directive") != 0)
        goto out;
    struct store_stmt *st = write_prepare(&w, "INSERT INTO directive_replies (directive_id,"
                                              " region_code, username, body, created_at)"
                                              " VALUES (?, ?, ?, ?, ?)");
    if (!st)
        goto out;
    store_bind_int64(st, 1, id);
    store_bind_text(st, 2, who->user->scope);
    store_bind_text(st, 3, who->user->username);
    store_bind_text(st, 4, body);
    store_bind_text(st, 5, w.now);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    reply_id = store_last_insert_id(s);
    *out = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)reply_id, "directive_id",
                     (json_int_t)id, "region_code", who->user->scope, "username",
                     who->user->username, "body", body, "created_at", w.now);
    write_audit(&w, "create", "directive_reply", reply_id, who->user->scope, NULL, *out);
out:
    return write_end_json(&w, reply_id, out);
}

/* ---- inspections ---------------------------------------------------------------- */

static const struct label categories[] = {
    {"screening", "排查不到位"}, {"quarantine", "隔离管控"}, {"checkpoint", "卡口值守"},
    {"duty", "值班值守"},        {"supplies", "物资保障"},   {"publicity", "宣传引导"},
    {"information", "信息报送"}, {"other", "其他"},
};

const char *command_finding_category_at(int i)
{
    return i >= 0 && (size_t)i < LABEL_COUNT(categories) ? categories[i].code : NULL;
}

int command_finding_category_valid(const char *category)
{
    return *command_finding_category_zh(category) != '\0';
}

const char *command_finding_category_zh(const char *category)
{
    const struct label *l = label_find(categories, LABEL_COUNT(categories), category);
    return l ? l->zh : "";
}

const char *command_finding_status_zh(const char *status)
{
    static const struct label names[] = {
        {"open", "待整改"}, {"rectified", "已整改待核查"}, {"verified", "已核查销号"}};
    return label_zh(names, LABEL_COUNT(names), status);
}

int command_inspection_check(const struct inspection_input *in, struct ep_error *err)
{
    check_region_form("region_code", in->region_code, 1, err);
    text_check(in->unit, "unit", 60, TEXT_MULTILINE, err);
    text_check(in->summary, "summary", COMMAND_TEXT_CHARS, TEXT_MULTILINE, err);
    int64_t on = 0;
    int date_ok = check_date("inspected_on", in->inspected_on, 1, &on, err) == 0;
    if (date_ok && on > time_today_cn())
        ep_error_field(err, "inspected_on", "不能晚于今天", "must not be after today");
    if (in->nfindings < 0 || in->nfindings > COMMAND_FINDINGS_MAX)
        ep_error_field(err, "findings", "最多 %d 条", "at most %d entries", COMMAND_FINDINGS_MAX);
    for (int i = 0; i < in->nfindings && i < COMMAND_FINDINGS_MAX; i++) {
        const struct finding_input *f = &in->findings[i];
        char name[64];
        snprintf(name, sizeof name, "findings[%d].category", i);
        if (!f->category)
            ep_error_field(err, name, "必填", "is required");
        else if (!command_finding_category_valid(f->category))
            ep_error_field(err, name,
                           "应为 screening、quarantine、checkpoint、duty、supplies、publicity、"
                           "information 或 other",
                           "must be screening, quarantine, checkpoint, duty, supplies, "
                           "publicity, information or other");
        snprintf(name, sizeof name, "findings[%d].description", i);
        text_check(f->description, name, COMMAND_TEXT_CHARS, TEXT_REQUIRED | TEXT_MULTILINE, err);
        snprintf(name, sizeof name, "findings[%d].responsible_unit", i);
        text_check(f->responsible_unit, name, 60, TEXT_REQUIRED | TEXT_MULTILINE, err);
        snprintf(name, sizeof name, "findings[%d].region_code", i);
        check_region_form(name, f->region_code, 0, err);
        snprintf(name, sizeof name, "findings[%d].deadline", i);
        int64_t deadline;
        if (check_date(name, f->deadline, 1, &deadline, err) == 0 && date_ok && deadline < on)
            ep_error_field(err, name, "不能早于督查日期", "must not be before the inspection date");
    }
    return err->code ? -err->code : 0;
}

#define FINDING_COLUMNS                                                                            \
    "f.id, f.inspection_id, f.region_code, COALESCE(r.name, ''), f.category, f.description,"       \
    " f.responsible_unit, f.deadline, f.status, COALESCE(f.evidence_note, ''),"                    \
    " COALESCE(f.rectified_by, ''), COALESCE(f.rectified_at, ''), COALESCE(f.verified_by, ''),"    \
    " COALESCE(f.verified_at, '')"

static json_t *finding_row_json(struct store_stmt *st, const char *today)
{
    const char *status = store_column_text(st, 8), *deadline = store_column_text(st, 7);
    json_t *j = json_pack(
        "{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
        (json_int_t)store_column_int64(st, 0), "inspection_id",
        (json_int_t)store_column_int64(st, 1), "region_code", store_column_text(st, 2),
        "region_name", store_column_text(st, 3), "category", store_column_text(st, 4),
        "category_zh",
        text_or(command_finding_category_zh(store_column_text(st, 4)), store_column_text(st, 4)),
        "description", store_column_text(st, 5), "responsible_unit", store_column_text(st, 6),
        "deadline", deadline, "status", status);
    json_object_set_new(j, "evidence_note", text_or_null(store_column_text(st, 9)));
    json_object_set_new(j, "rectified_by", text_or_null(store_column_text(st, 10)));
    json_object_set_new(j, "rectified_at", text_or_null(store_column_text(st, 11)));
    json_object_set_new(j, "verified_by", text_or_null(store_column_text(st, 12)));
    json_object_set_new(j, "verified_at", text_or_null(store_column_text(st, 13)));
    json_object_set_new(j, "overdue",
                        json_boolean(strcmp(status, "open") == 0 && strcmp(deadline, today) < 0));
    return j;
}

static int findings_of(struct store *s, int64_t inspection_id, json_t *items, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " FINDING_COLUMNS " FROM inspection_findings f"
                                          " LEFT JOIN regions r ON r.code = f.region_code"
                                          " WHERE f.inspection_id = ? ORDER BY f.id",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    char today[11];
    time_date_format(time_today_cn(), today);
    store_bind_int64(st, 1, inspection_id);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items, finding_row_json(st, today));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

#define INSPECTION_COLUMNS                                                                         \
    "i.id, i.region_code, COALESCE(r.name, ''), COALESCE(i.unit, ''), i.inspector,"                \
    " i.inspected_on, COALESCE(i.summary, ''), i.created_at,"                                      \
    " (SELECT count(*) FROM inspection_findings f WHERE f.inspection_id = i.id),"                  \
    " (SELECT count(*) FROM inspection_findings f WHERE f.inspection_id = i.id"                    \
    "  AND f.status = 'open')"

static json_t *inspection_row_json(struct store_stmt *st)
{
    json_t *j = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:I, s:I}", "id", (json_int_t)store_column_int64(st, 0),
        "region_code", store_column_text(st, 1), "region_name", store_column_text(st, 2),
        "inspector", store_column_text(st, 4), "inspected_on", store_column_text(st, 5),
        "findings_count", (json_int_t)store_column_int64(st, 8), "findings_open",
        (json_int_t)store_column_int64(st, 9));
    json_object_set_new(j, "unit", text_or_null(store_column_text(st, 3)));
    json_object_set_new(j, "summary", text_or_null(store_column_text(st, 6)));
    json_object_set_new(j, "created_at", json_string(store_column_text(st, 7)));
    return j;
}

int command_inspection_get(struct store *s, const char *scope, int64_t id, json_t **out,
                           struct ep_error *err)
{
    int rc = ref_get_json(s,
                          "SELECT " INSPECTION_COLUMNS " FROM inspections i"
                          " LEFT JOIN regions r ON r.code = i.region_code"
                          " WHERE i.id = ? AND i.region_code >= ?"
                          " AND i.region_code < ?",
                          NULL, scope, REF_INSPECTION, id, inspection_row_json, out, err);
    if (rc != 0)
        return rc;
    json_t *findings = json_array();
    json_object_set_new(*out, "findings", findings);
    if ((rc = findings_of(s, id, findings, err)) != 0) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

int command_inspection_list(struct store *s, const char *scope, const char *region,
                            int64_t before_id, int limit, json_t *items, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " INSPECTION_COLUMNS " FROM inspections i"
                                          " LEFT JOIN regions r ON r.code = i.region_code"
                                          " WHERE i.region_code >= ? AND i.region_code < ?"
                                          " AND i.region_code >= ? AND i.region_code < ?"
                                          " AND (? = 0 OR i.id < ?) ORDER BY i.id DESC LIMIT ?",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, scope);
    region_bind_range(st, 3, region ? region : scope);
    store_bind_int64_twice(st, 5, before_id);
    store_bind_int64(st, 7, limit);
    return ref_rows_json(st, inspection_row_json, items, err);
}

int command_inspection_create(struct store *s, const struct actor *who,
                              const struct inspection_input *in, json_t **out, struct ep_error *err)
{
    *out = NULL;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    int64_t id = 0;
    command_inspection_check(in, err);
    /* The inspected region and each finding's region are references; whether
     * a finding lies inside the inspected region is asked of visible ones. */
    int region_ok = region_ref(&w, "region_code", in->region_code, NULL) == 1;
    for (int i = 0; i < in->nfindings && i < COMMAND_FINDINGS_MAX; i++) {
        const char *where = in->findings[i].region_code;
        char name[64];
        snprintf(name, sizeof name, "findings[%d].region_code", i);
        if (region_ref(&w, name, where, NULL) == 1 && region_ok &&
            !region_in_scope(where, in->region_code)) {
            ep_error_field(err, name, "应在被督查地区 %s 之内", "must lie inside region %s",
                           in->region_code);
            relation_error_code(err);
        }
    }
    if (write_check(&w) != 0)
        goto out;
    struct store_stmt *st =
        write_prepare(&w, "INSERT INTO inspections (region_code, unit, inspector,"
                          " inspected_on, summary, created_at)"
                          " VALUES (?, ?, ?, ?, ?, ?)");
    if (!st)
        goto out;
    store_bind_text(st, 1, in->region_code);
    store_bind_text(st, 2, in->unit && *in->unit ? in->unit : NULL);
    store_bind_text(st, 3, who->user->username);
    store_bind_text(st, 4, in->inspected_on);
    store_bind_text(st, 5, in->summary && *in->summary ? in->summary : NULL);
    store_bind_text(st, 6, w.now);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    id = store_last_insert_id(s);
    if (write_count(&w, in->region_code, "inspections", 1) != 0)
        goto out;
    st = write_prepare(&w, "INSERT INTO inspection_findings (inspection_id, region_code, category,"
                           " description, responsible_unit, deadline) VALUES (?, ?, ?, ?, ?, ?)");
    if (!st)
        goto out;
    for (int i = 0; i < in->nfindings && write_ok(&w); i++) {
        const struct finding_input *f = &in->findings[i];
        const char *where = f->region_code ? f->region_code : in->region_code;
        store_bind_int64(st, 1, id);
        store_bind_text(st, 2, where);
        store_bind_text(st, 3, f->category);
        store_bind_text(st, 4, f->description);
        store_bind_text(st, 5, f->responsible_unit);
        store_bind_text(st, 6, f->deadline);
        if (write_fail(&w, store_run(st, err)) == 0)
            write_count(&w, where, "findings.open", 1);
    }
    if (write_ok(&w))
        write_fail(&w, command_inspection_get(s, "", id, out, err));
    write_audit(&w, "create", "inspection", id, in->region_code, NULL, *out);
out:
    return write_end_json(&w, id, out);
}

/* Loads finding "id" inside scope as JSON; -EP_ENOTFOUND otherwise. */
static int finding_load(struct store *s, const char *scope, int64_t id, json_t **out,
                        struct ep_error *err)
{
    *out = NULL;
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " FINDING_COLUMNS " FROM inspection_findings f"
                                          " LEFT JOIN regions r ON r.code = f.region_code"
                                          " WHERE f.id = ? AND f.region_code >= ?"
                                          " AND f.region_code < ?",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    char today[11];
    time_date_format(time_today_cn(), today);
    store_bind_int64(st, 1, id);
    region_bind_range(st, 2, scope);
    int rc = ref_step_one(st, REF_FINDING, id, err);
    if (rc == 0)
        *out = finding_row_json(st, today);
    store_stmt_reset(st);
    return rc;
}

/* Moves a finding from "from" to "to"; the evidence note when rectifying. */
static int finding_move(struct store *s, const struct actor *who, int64_t id, const char *from,
                        const char *to, const char *note, json_t **out, struct ep_error *err)
{
    *out = NULL;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    int rectify = strcmp(to, "rectified") == 0;
    if (note)
        text_check(note, "evidence_note", COMMAND_TEXT_CHARS, TEXT_REQUIRED | TEXT_MULTILINE, err);
    else if (rectify)
        ep_error_field(err, "evidence_note", "必填", "is required");
    json_t *before = NULL;
    char region[REGION_CODE_MAX] = "";
    if (write_check(&w) != 0 || write_target(&w, REF_FINDING, id, region) != 0 ||
        write_fail(&w, finding_load(s, "", id, &before, err)) != 0)
        goto out;
    const char *status = json_string_value(json_object_get(before, "status"));
    if (strcmp(status, from) != 0) {
        write_fail(&w, ep_error_set(err, EP_ECONFLICT, "该问题当前状态为%s%.0s,不能改为%s%.0s",
                                    "the finding is %.0s%s and cannot become %.0s%s",
                                    command_finding_status_zh(status), status,
                                    command_finding_status_zh(to), to));
        goto out;
    }
    struct store_stmt *st =
        write_prepare(&w, rectify ? "UPDATE inspection_findings SET status = 'rectified',"
                                    " evidence_note = ?, rectified_by = ?, rectified_at = ?"
                                    " WHERE id = ? AND status = 'open'"
                                  : "UPDATE inspection_findings SET status = 'verified',"
                                    " verified_by = ?, verified_at = ?, evidence_note = COALESCE(?,"
                                    " evidence_note) WHERE id = ? AND status = 'rectified'");
    if (!st)
        goto out;
    if (rectify) {
        store_bind_text(st, 1, note);
        store_bind_text(st, 2, who->user->username);
        store_bind_text(st, 3, w.now);
    } else {
        store_bind_text(st, 1, who->user->username);
        store_bind_text(st, 2, w.now);
        store_bind_null(st, 3);
    }
    store_bind_int64(st, 4, id);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    if (store_changes(s) != 1) {
        write_fail(&w, ep_error_set(err, EP_ECONFLICT, "该问题状态已被他人更改",
                                    "the finding was changed by someone else"));
        goto out;
    }
    char from_metric[32], to_metric[32];
    snprintf(from_metric, sizeof from_metric, "findings.%s", from);
    snprintf(to_metric, sizeof to_metric, "findings.%s", to);
    if (write_count(&w, region, from_metric, -1) != 0 ||
        write_count(&w, region, to_metric, 1) != 0 ||
        write_fail(&w, finding_load(s, "", id, out, err)) != 0)
        goto out;
    write_audit(&w, rectify ? "rectify" : "verify", "finding", id, region, before, *out);
out:
    json_decref(before);
    return write_end_json(&w, id, out);
}

int command_finding_rectify(struct store *s, const struct actor *who, int64_t id,
                            const char *evidence_note, json_t **out, struct ep_error *err)
{
    if (!evidence_note) {
        ep_error_field(err, "evidence_note", "必填", "is required");
        return -EP_EINVAL;
    }
    return finding_move(s, who, id, "open", "rectified", evidence_note, out, err);
}

int command_finding_verify(struct store *s, const struct actor *who, int64_t id, json_t **out,
                           struct ep_error *err)
{
    return finding_move(s, who, id, "rectified", "verified", NULL, out, err);
}

int command_finding_list(struct store *s, const char *scope, const char *region, const char *status,
                         int overdue_only, const char *today, json_t *items, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " FINDING_COLUMNS " FROM inspection_findings f"
                                          " LEFT JOIN regions r ON r.code = f.region_code"
                                          " WHERE f.region_code >= ? AND f.region_code < ?"
                                          " AND f.region_code >= ? AND f.region_code < ?"
                                          " AND (? IS NULL OR f.status = ?)"
                                          " AND (? = 0 OR (f.status = 'open' AND f.deadline < ?))"
                                          " ORDER BY f.deadline, f.id LIMIT 1000",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, scope);
    region_bind_range(st, 3, region ? region : scope);
    store_bind_text_twice(st, 5, status);
    store_bind_int64(st, 7, overdue_only);
    store_bind_text(st, 8, today);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items, finding_row_json(st, today));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

int command_findings_overdue_count(struct store *s, const char *code, const char *today,
                                   int64_t *out, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT count(*) FROM inspection_findings"
                                          " WHERE status = 'open' AND region_code >= ?"
                                          " AND region_code < ? AND deadline < ?",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, code);
    store_bind_text(st, 3, today);
    return store_step_int64s(st, out, 1, err);
}

int command_counters_rebuild(struct store *s, struct ep_error *err)
{
    int rc = counter_rebuild(s, "directive_units",
                             "SELECT region_code, count(*) FROM directive_deliveries"
                             " GROUP BY region_code",
                             err);
    if (rc == 0)
        rc = counter_rebuild(s, "directive_units_read",
                             "SELECT region_code, count(*) FROM directive_deliveries"
                             " WHERE read_at IS NOT NULL GROUP BY region_code",
                             err);
    if (rc == 0)
        rc = counter_rebuild(s, "inspections",
                             "SELECT region_code, count(*) FROM inspections GROUP BY region_code",
                             err);
    if (rc == 0)
        rc = counter_rebuild_family(s, "findings.",
                                    "SELECT region_code, 'findings.' || status, count(*)"
                                    " FROM inspection_findings GROUP BY region_code, status",
                                    err);
    return rc;
}
