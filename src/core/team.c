/*
 * team.c -- teams, their members and places, and the team-type catalogue
 * (see team.h).
 */
#include "core/team.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/counter.h"
#include "core/org.h"
#include "core/region.h"
#include "core/write.h"
#include "util/text.h"
#include "util/timeutil.h"

static json_t *col_str(struct store_stmt *st, int col)
{
    return store_column_is_null(st, col) ? json_null() : json_string(store_column_text(st, col));
}

#define TEAM_COLUMNS                                                                               \
    "t.id, t.name, t.type_code, y.name_zh, y.name_en, t.org_id, o.name, t.region_code,"            \
    " t.leader_person_id, p.name, t.active_from, t.active_to, t.application_id, t.created_by,"     \
    " t.created_at, (SELECT COUNT(*) FROM team_members m WHERE m.team_id = t.id)"

#define TEAM_FROM                                                                                  \
    " FROM teams t JOIN team_types y ON y.code = t.type_code JOIN orgs o ON o.id = t.org_id"       \
    " JOIN persons p ON p.id = t.leader_person_id"

static json_t *team_row(struct store_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(store_column_int64(st, 0)));
    json_object_set_new(o, "name", json_string(store_column_text(st, 1)));
    json_object_set_new(o, "type", json_string(store_column_text(st, 2)));
    json_object_set_new(o, "type_name_zh", json_string(store_column_text(st, 3)));
    json_object_set_new(o, "type_name_en", json_string(store_column_text(st, 4)));
    json_object_set_new(o, "org_id", json_integer(store_column_int64(st, 5)));
    json_object_set_new(o, "org_name", json_string(store_column_text(st, 6)));
    json_object_set_new(o, "region_code", json_string(store_column_text(st, 7)));
    json_object_set_new(o, "leader_person_id", json_integer(store_column_int64(st, 8)));
    json_object_set_new(o, "leader_name", json_string(store_column_text(st, 9)));
    json_object_set_new(o, "active_from", json_string(store_column_text(st, 10)));
    json_object_set_new(o, "active_to", col_str(st, 11));
    json_object_set_new(o, "application_id",
                        store_column_is_null(st, 12) ? json_null()
                                                     : json_integer(store_column_int64(st, 12)));
    json_object_set_new(o, "created_by", json_string(store_column_text(st, 13)));
    json_object_set_new(o, "created_at", json_string(store_column_text(st, 14)));
    json_object_set_new(o, "member_count", json_integer(store_column_int64(st, 15)));
    return o;
}

int team_get(struct store *s, const char *scope, int64_t id, json_t **out, struct ep_error *err)
{
    json_t *o;
    int rc = ref_get_json(s,
                          "SELECT " TEAM_COLUMNS TEAM_FROM " WHERE t.id = ?"
                          " AND t.region_code >= ? AND t.region_code < ?",
                          NULL, scope, REF_TEAM, id, team_row, &o, err);
    if (rc != 0)
        return rc;
    json_t *members = json_array(), *places = json_array();
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT m.person_id, p.name FROM team_members m JOIN persons p"
                      " ON p.id = m.person_id WHERE m.team_id = ? ORDER BY m.rowid",
                      err);
    if (st) {
        store_bind_int64(st, 1, id);
        while (store_step(st, err) == STORE_ROW)
            json_array_append_new(members, json_pack("{s:I, s:s}", "person_id",
                                                     (json_int_t)store_column_int64(st, 0), "name",
                                                     store_column_text(st, 1)));
        store_stmt_reset(st);
    }
    st = store_prepare(s,
                       "SELECT d.id, d.name, d.kind, d.region_code FROM team_places tp"
                       " JOIN duty_places d ON d.id = tp.place_id WHERE tp.team_id = ?"
                       " ORDER BY d.id",
                       err);
    if (st) {
        store_bind_int64(st, 1, id);
        while (store_step(st, err) == STORE_ROW)
            json_array_append_new(places, json_pack("{s:I, s:s, s:s, s:s}", "id",
                                                    (json_int_t)store_column_int64(st, 0), "name",
                                                    store_column_text(st, 1), "kind",
                                                    store_column_text(st, 2), "region_code",
                                                    store_column_text(st, 3)));
        store_stmt_reset(st);
    }
    json_object_set_new(o, "members", members);
    json_object_set_new(o, "places", places);
    *out = o;
    return 0;
}

int team_list(struct store *s, const char *scope, const char *region, const char *type,
              int64_t org_id, int64_t after_id, int limit, json_t *items, struct ep_error *err)
{
    char lower[REGION_CODE_MAX];
    if (!region_narrow(scope, region, lower))
        return 0;
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " TEAM_COLUMNS TEAM_FROM
                                          " WHERE t.region_code >= ? AND t.region_code < ?"
                                          " AND t.id > ? AND (? = '' OR t.type_code = ?)"
                                          " AND (? = 0 OR t.org_id = ?) ORDER BY t.id LIMIT ?",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, lower);
    store_bind_int64(st, 3, after_id);
    store_bind_text_twice(st, 4, type ? type : "");
    store_bind_int64_twice(st, 6, org_id);
    store_bind_int64(st, 8, limit > 0 ? limit : INT64_MAX);
    return ref_rows_json(st, team_row, items, err);
}

int team_roster_list(struct store *s, const char *region, team_roster_fn fn, void *ctx,
                     struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s,
        "SELECT t.id, t.name, y.name_zh, t.org_id, t.active_from, t.active_to,"
        " CASE WHEN p.id = t.leader_person_id THEN 1 ELSE 0 END, p.id, p.name, p.id_number"
        " FROM teams t JOIN team_types y ON y.code = t.type_code"
        " JOIN team_members m ON m.team_id = t.id JOIN persons p ON p.id = m.person_id"
        " WHERE t.region_code >= ? AND t.region_code < ?"
        " ORDER BY t.id, CASE WHEN p.id = t.leader_person_id THEN 0 ELSE 1 END, m.rowid",
        err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, region);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct team_roster_row row = {
            .team_id = store_column_int64(st, 0),
            .name = store_column_text(st, 1),
            .type_name = store_column_text(st, 2),
            .org_id = store_column_int64(st, 3),
            .active_from = store_column_text(st, 4),
            .active_to = store_column_is_null(st, 5) ? NULL : store_column_text(st, 5),
            .leader = store_column_int64(st, 6) != 0,
            .person_id = store_column_int64(st, 7),
            .person_name = store_column_text(st, 8),
            .id_number = store_column_text(st, 9),
        };
        if ((rc = fn(&row, ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc == STORE_DONE ? 0 : rc;
}

/* 1 if team type "code" exists, 0 if not, <0 on error. */
static int type_exists(struct store *s, const char *code, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s, "SELECT 1 FROM team_types WHERE code = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, code);
    int rc = store_step(st, err);
    store_stmt_reset(st);
    return rc;
}

int team_insert(struct write *w, const struct team_input *in, int64_t application_id,
                int64_t *id_out)
{
    struct store *s = w->s;
    struct ep_error *err = w->err;
    text_check(in->name, "name", ORG_NAME_CHARS, TEXT_REQUIRED, err);
    int rc;
    if (!in->type || !*in->type)
        ep_error_field(err, "type", "必填", "is required");
    else if ((rc = type_exists(s, in->type, err)) < 0)
        return write_fail(w, rc);
    else if (rc == STORE_DONE)
        ep_error_field(err, "type", "队伍类型 %s 不存在", "unknown team type %s", in->type);
    /* When it was deployed (issue 17): the audit row says so, and it is
     * active from that day unless told otherwise. */
    int64_t at = w->now_unix;
    if (in->occurred_at) {
        rc = occurred_parse(s, "occurred_at", in->occurred_at, w->now_unix, &at, err);
        if (rc < 0 && rc != -EP_EINVAL)
            return write_fail(w, rc);
        if (rc == 0 && at != w->now_unix)
            write_occurred(w, at);
    }
    int64_t from = time_day_of_unix(at), to = -1;
    if (in->active_from)
        org_check_date(in->active_from, "active_from", 0, &from, err);
    org_check_date(in->active_to, "active_to", 0, &to, err);
    if (to >= 0 && from >= 0 && to < from)
        ep_error_field(err, "active_to", "不能早于开始日期", "must not be before active_from");
    if (in->nmembers > TEAM_MEMBERS_MAX)
        ep_error_field(err, "member_ids", "最多 %d 人", "at most %d persons", TEAM_MEMBERS_MAX);
    if (in->leader_person_id < 0 || (in->leader_person_id == 0 && in->nmembers == 0))
        ep_error_field(err, "leader_person_id", "必填(或列出队员)",
                       "is required (or list members)");
    if (in->nplaces > TEAM_PLACES_MAX)
        ep_error_field(err, "place_ids", "最多 %d 处", "at most %d places", TEAM_PLACES_MAX);
    /* Every record named: the organisation, the persons, the places. */
    char region[REGION_CODE_MAX] = "";
    write_ref_inside(w, REF_ORG, in->org_id, "org_id", region);
    if (in->nmembers <= TEAM_MEMBERS_MAX)
        write_ref_list(w, REF_PERSON, in->member_ids, in->nmembers, "member_ids");
    if (in->leader_person_id > 0)
        write_ref(w, REF_PERSON, in->leader_person_id, "leader_person_id", NULL);
    if (in->nplaces <= TEAM_PLACES_MAX)
        write_ref_list(w, REF_DUTY_PLACE, in->place_ids, in->nplaces, "place_ids");
    if (write_check(w) != 0)
        return w->rc;
    struct store_stmt *st = store_prepare(s, "SELECT dissolved_date FROM orgs WHERE id = ?", err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_int64(st, 1, in->org_id);
    rc = store_step(st, err);
    int dissolved = rc == STORE_ROW && !store_column_is_null(st, 0);
    store_stmt_reset(st);
    if (rc < 0)
        return write_fail(w, rc);
    if (dissolved)
        return write_fail(w, ep_error_set(err, EP_ERULE, "党组织 %lld 已撤销",
                                          "organisation %lld is dissolved", (long long)in->org_id));
    int64_t leader = in->leader_person_id > 0 ? in->leader_person_id : in->member_ids[0];
    char from_s[11], to_s[11], now[32];
    time_date_format(from, from_s);
    if (to >= 0)
        time_date_format(to, to_s);
    snprintf(now, sizeof now, "%s", w->now);
    st = store_prepare(s,
                       "INSERT INTO teams (name, type_code, org_id, region_code, leader_person_id,"
                       " active_from, active_to, application_id, created_by, created_at)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_text(st, 1, in->name);
    store_bind_text(st, 2, in->type);
    store_bind_int64(st, 3, in->org_id);
    store_bind_text(st, 4, region);
    store_bind_int64(st, 5, leader);
    store_bind_text(st, 6, from_s);
    store_bind_text(st, 7, to >= 0 ? to_s : NULL);
    if (application_id)
        store_bind_int64(st, 8, application_id);
    else
        store_bind_null(st, 8);
    store_bind_text(st, 9, w->who->user->username);
    store_bind_text(st, 10, now);
    if (write_fail(w, store_run(st, err)) != 0)
        return w->rc;
    int64_t id = store_last_insert_id(s);
    st = store_prepare(s,
                       "INSERT INTO team_members (team_id, person_id) VALUES (?, ?)"
                       " ON CONFLICT DO NOTHING",
                       err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    for (int i = -1; i < in->nmembers && write_ok(w); i++) {
        store_bind_int64(st, 1, id);
        store_bind_int64(st, 2, i < 0 ? leader : in->member_ids[i]);
        write_fail(w, store_run(st, err));
    }
    st = store_prepare(s, "INSERT INTO team_places (team_id, place_id) VALUES (?, ?)", err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    for (int i = 0; i < in->nplaces && write_ok(w); i++) {
        store_bind_int64(st, 1, id);
        store_bind_int64(st, 2, in->place_ids[i]);
        write_fail(w, store_run(st, err));
    }
    char metric[64];
    snprintf(metric, sizeof metric, "teams.%s", in->type);
    if (write_count(w, region, metric, 1) != 0 || write_count(w, region, "teams_total", 1) != 0)
        return w->rc;
    json_t *after = NULL;
    if (write_fail(w, team_get(s, "", id, &after, err)) != 0)
        return w->rc;
    write_audit_new(w, "create", "team", id, region, NULL, after);
    if (w->rc == 0)
        *id_out = id;
    return w->rc;
}

int team_create(struct store *s, const struct actor *who, const struct team_input *in, json_t **out,
                struct ep_error *err)
{
    *out = NULL;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    int64_t id = 0;
    if (team_insert(&w, in, 0, &id) == 0)
        write_fail(&w, team_get(s, "", id, out, err));
    return write_end_json(&w, id, out);
}

int team_member_add(struct store *s, const struct actor *who, int64_t team_id, int64_t person_id,
                    struct ep_error *err)
{
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    char region[REGION_CODE_MAX] = "";
    if (write_target(&w, REF_TEAM, team_id, region) != 0)
        goto out;
    write_ref(&w, REF_PERSON, person_id, "person_id", NULL);
    if (write_check(&w) != 0)
        goto out;
    struct store_stmt *st =
        write_prepare(&w, "INSERT INTO team_members (team_id, person_id) VALUES (?, ?)");
    if (!st)
        goto out;
    store_bind_int64(st, 1, team_id);
    store_bind_int64(st, 2, person_id);
    int rc = store_run(st, err);
    if (rc == -EP_ECONFLICT) {
        ep_error_clear(err);
        rc = ep_error_set(err, EP_ECONFLICT, "人员 %lld 已是队伍 %lld 的队员",
                          "person %lld is already a member of team %lld", (long long)person_id,
                          (long long)team_id);
    }
    if (write_fail(&w, rc) != 0)
        goto out;
    write_audit_new(&w, "create", "team_member", team_id, region, NULL,
                    json_pack("{s:I, s:I}", "team_id", (json_int_t)team_id, "person_id",
                              (json_int_t)person_id));
out:
    return write_end(&w, team_id);
}

int team_types_list(struct store *s, json_t *items, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT code, name_zh, name_en FROM team_types ORDER BY sort, code", err);
    if (!st)
        return -EP_EINTERNAL;
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items, json_pack("{s:s, s:s, s:s}", "code", store_column_text(st, 0),
                                               "name_zh", store_column_text(st, 1), "name_en",
                                               store_column_text(st, 2)));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

int team_type_create(struct store *s, const struct actor *who, const char *code,
                     const char *name_zh, const char *name_en, struct ep_error *err)
{
    size_t n = code ? strlen(code) : 0;
    int ok = n >= 2 && n <= 32;
    for (size_t i = 0; ok && i < n; i++)
        ok = (code[i] >= 'a' && code[i] <= 'z') || (code[i] >= '0' && code[i] <= '9') ||
             code[i] == '_';
    if (!ok)
        ep_error_field(err, "code", "应为 2-32 个小写字母、数字或下划线",
                       "must be 2-32 lower-case letters, digits or underscores");
    text_check(name_zh, "name_zh", 30, TEXT_REQUIRED, err);
    text_check(name_en, "name_en", 30, TEXT_REQUIRED, err);
    if (err->code)
        return -err->code;
    if (who->user->scope[0] && region_level_of_code(who->user->scope) != REGION_CITY)
        return ep_error_set(err, EP_EFORBIDDEN, "只有市级用户可以增加队伍类型",
                            "only a city-wide user may add team types");
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    struct store_stmt *st =
        store_prepare(s, "INSERT INTO team_types (code, name_zh, name_en) VALUES (?, ?, ?)", err);
    int rc = -EP_EINTERNAL;
    if (st) {
        store_bind_text(st, 1, code);
        store_bind_text(st, 2, name_zh);
        store_bind_text(st, 3, name_en);
        rc = store_run(st, err);
        if (rc == -EP_ECONFLICT) {
            ep_error_clear(err);
            rc = ep_error_set(err, EP_ECONFLICT, "队伍类型 %s(%s)已存在",
                              "team type %s (%s) already exists", code, name_zh);
        }
    }
    if (write_fail(&w, rc) == 0) {
        json_t *after =
            json_pack("{s:s, s:s, s:s}", "code", code, "name_zh", name_zh, "name_en", name_en);
        write_audit_key(&w, "create", "team_type", code, who->user->scope, NULL, after);
        json_decref(after);
    }
    return write_end(&w, 0);
}
