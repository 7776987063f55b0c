/*
 * org.c -- party organisations, members, applications to serve, grid
 * responsibility and the mobilisation roll-ups (see org.h).
 *
 * Each write is one transaction holding the fact, its counters and its
 * audit row; checks that need no database come first so that bad input
 * writes nothing.
 */
#include "core/org.h"
#include "core/ref.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/counter.h"
#include "core/person.h"
#include "core/region.h"
#include "core/write.h"
#include "util/idcheck.h"
#include "util/label.h"
#include "util/text.h"
#include "util/timeutil.h"

/* ---- shared checks ------------------------------------------------------------ */

void org_check_date(const char *date, const char *field, int required, int64_t *day,
                    struct ep_error *err)
{
    *day = -1;
    if (!date) {
        if (required)
            ep_error_field(err, field, "必填", "is required");
        return;
    }
    if (time_date_parse(date, day) != 0) {
        *day = -1;
        ep_error_field(err, field, "应为日期 YYYY-MM-DD", "must be a date YYYY-MM-DD");
    }
}

/* ---- small helpers -------------------------------------------------------------- */

static json_t *col_str(struct store_stmt *st, int col)
{
    return store_column_is_null(st, col) ? json_null() : json_string(store_column_text(st, col));
}

static json_t *col_int(struct store_stmt *st, int col)
{
    return store_column_is_null(st, col) ? json_null() : json_integer(store_column_int64(st, col));
}

const char *const org_kinds[] = {"regular", "temporary", "mobile", NULL};
const char *const org_member_roles[] = {"secretary", "deputy_secretary", "committee",
                                        "member",    "probationary",     NULL};
const char *const org_decisions[] = {"approve", "decline", NULL};

/* ---- Chinese names (org.h) ------------------------------------------------------ */

/* Per enum: the name shown for each code, and the other names that
 * spreadsheets use, read back as the code they stand for. */
static const struct label org_kind_names[] = {
    {"regular", "常设"}, {"temporary", "临时"}, {"mobile", "流动"}};
static const struct label org_kind_also[] = {
    {"regular", "常设党组织"}, {"regular", "党支部"},       {"regular", "党委"},
    {"regular", "党总支"},     {"temporary", "临时党支部"}, {"temporary", "临时党组织"},
    {"mobile", "流动党组织"},  {"mobile", "流动党支部"}};
static const struct label member_role_names[] = {{"secretary", "书记"},
                                                 {"deputy_secretary", "副书记"},
                                                 {"committee", "委员"},
                                                 {"member", "党员"},
                                                 {"probationary", "预备党员"}};
static const struct label activity_kind_names[] = {{"pledge", "誓师/请战"},
                                                   {"meeting", "会议"},
                                                   {"study", "学习"},
                                                   {"service", "志愿服务"},
                                                   {"other", "其他"}};
static const struct label activity_kind_also[] = {{"pledge", "誓师大会"},
                                                  {"pledge", "誓师"},
                                                  {"pledge", "请战"},
                                                  {"service", "服务"},
                                                  {"other", "其它"}};

/* The code "name" stands for in "names" or "also" (n_*: their counts);
 * anything else as given. */
static const char *code_of(const struct label *names, size_t n_names, const struct label *also,
                           size_t n_also, const char *name)
{
    const char *code = label_code(names, n_names, name);
    if (!code)
        code = label_code(also, n_also, name);
    return code ? code : name;
}

const char *org_kind_zh(const char *kind)
{
    return label_zh(org_kind_names, LABEL_COUNT(org_kind_names), kind);
}

const char *org_kind_code(const char *name)
{
    return code_of(org_kind_names, LABEL_COUNT(org_kind_names), org_kind_also,
                   LABEL_COUNT(org_kind_also), name);
}

const char *org_member_role_zh(const char *role)
{
    return label_zh(member_role_names, LABEL_COUNT(member_role_names), role);
}

const char *org_member_role_code(const char *name)
{
    return code_of(member_role_names, LABEL_COUNT(member_role_names), NULL, 0, name);
}

const char *org_activity_kind_zh(const char *kind)
{
    return label_zh(activity_kind_names, LABEL_COUNT(activity_kind_names), kind);
}

const char *org_activity_kind_code(const char *name)
{
    return code_of(activity_kind_names, LABEL_COUNT(activity_kind_names), activity_kind_also,
                   LABEL_COUNT(activity_kind_also), name);
}

static int audit_json(struct write *w, const char *action, const char *entity, int64_t id,
                      const char *region, json_t *before, json_t *after)
{
    return write_audit(w, action, entity, id, region, before, after);
}

/* "<family>.<name>" += delta at "code". */
static int bump(struct write *w, const char *code, const char *family, const char *name,
                int64_t delta)
{
    char metric[64];
    snprintf(metric, sizeof metric, "%s.%s", family, name);
    return write_count(w, code, metric, delta);
}

/* ---- organisations ---------------------------------------------------------------- */

#define ORG_COLUMNS                                                                                \
    "o.id, o.parent_id, o.name, o.kind, o.region_code, o.location, o.founded_date,"                \
    " o.dissolved_date, o.created_by, o.created_at,"                                               \
    " (SELECT COUNT(*) FROM org_members m WHERE m.org_id = o.id AND m.left_date IS NULL),"         \
    " (SELECT name FROM regions r WHERE r.code = o.region_code),"                                  \
    " (SELECT u.name FROM orgs u WHERE u.id = o.parent_id AND u.region_code >= ?"                  \
    " AND u.region_code < ?)"

static json_t *org_row(struct store_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(store_column_int64(st, 0)));
    json_object_set_new(o, "parent_id", col_int(st, 1));
    json_object_set_new(o, "name", json_string(store_column_text(st, 2)));
    json_object_set_new(o, "kind", json_string(store_column_text(st, 3)));
    json_object_set_new(o, "region_code", json_string(store_column_text(st, 4)));
    json_object_set_new(o, "location", col_str(st, 5));
    json_object_set_new(o, "founded_date", json_string(store_column_text(st, 6)));
    json_object_set_new(o, "dissolved_date", col_str(st, 7));
    json_object_set_new(o, "status",
                        json_string(store_column_is_null(st, 7) ? "active" : "dissolved"));
    json_object_set_new(o, "created_by", json_string(store_column_text(st, 8)));
    json_object_set_new(o, "created_at", json_string(store_column_text(st, 9)));
    json_object_set_new(o, "members", json_integer(store_column_int64(st, 10)));
    json_object_set_new(o, "region_name", col_str(st, 11));
    json_object_set_new(o, "parent_name", col_str(st, 12));
    return o;
}

int org_get(struct store *s, const char *scope, int64_t id, json_t **out, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " ORG_COLUMNS " FROM orgs o WHERE o.id = ?"
                                          " AND o.region_code >= ? AND o.region_code < ?",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, scope); /* the parent's name, only when in scope */
    store_bind_int64(st, 3, id);
    region_bind_range(st, 4, scope);
    int rc = ref_step_one(st, REF_ORG, id, err);
    if (rc == 0)
        *out = org_row(st);
    store_stmt_reset(st);
    return rc;
}

/* The raw facts of an organisation needed by checks. */
struct org_facts {
    char kind[16];
    char region[REGION_CODE_MAX];
    int64_t founded;
    int dissolved;
};

static int org_facts_get(struct store *s, int64_t id, struct org_facts *f, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s, "SELECT kind, region_code, founded_date, dissolved_date FROM orgs WHERE id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc = store_step(st, err);
    if (rc == STORE_ROW) {
        snprintf(f->kind, sizeof f->kind, "%s", store_column_text(st, 0));
        snprintf(f->region, sizeof f->region, "%s", store_column_text(st, 1));
        if (time_date_parse(store_column_text(st, 2), &f->founded) != 0)
            f->founded = 0;
        f->dissolved = !store_column_is_null(st, 3);
        rc = 1;
    }
    store_stmt_reset(st);
    return rc;
}

int org_insert(struct write *w, const struct org_input *in, int64_t *id_out)
{
    struct ep_error *err = w->err;
    text_check(in->name, "name", ORG_NAME_CHARS, TEXT_REQUIRED, err);
    if (!text_in_list(in->kind, org_kinds))
        ep_error_field(err, "kind", "应为 regular(常设)、temporary(临时)或 mobile(流动)",
                       "must be regular, temporary or mobile");
    text_check(in->location, "location", ORG_NAME_CHARS,
               in->kind && !strcmp(in->kind, ("mobile")) ? TEXT_REQUIRED : 0, err);
    int64_t founded;
    org_check_date(in->founded_date, "founded_date", 1, &founded, err);
    if (founded > time_today_cn())
        ep_error_field(err, "founded_date", "不能晚于今天", "must not be after today");
    if (in->parent_id < 0)
        ep_error_field(err, "parent_id", "应为正整数", "must be a positive integer");
    write_region(w, in->region_code, 0, "region_code", NULL);
    if (in->parent_id > 0)
        write_ref(w, REF_ORG, in->parent_id, "parent_id", NULL);
    if (write_check(w))
        return w->rc;
    if (in->parent_id > 0) {
        struct org_facts parent;
        int rc = org_facts_get(w->s, in->parent_id, &parent, err);
        if (rc < 0)
            return write_fail(w, rc);
        if (parent.dissolved)
            return write_fail(w, ep_error_set(err, EP_ERULE, "上级党组织 %lld 已撤销",
                                              "parent organisation %lld is dissolved",
                                              (long long)in->parent_id));
        if (!region_in_scope(in->region_code, parent.region))
            return write_fail(w, ep_error_set(err, EP_ERULE, "地区 %s 不在上级党组织的地区 %s 内",
                                              "region %s is not inside the parent's region %s",
                                              in->region_code, parent.region));
    }
    struct store_stmt *st = store_prepare(
        w->s,
        "INSERT INTO orgs (parent_id, name, kind, region_code, location, founded_date,"
        " created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    char now[32];
    time_now_iso(now);
    if (in->parent_id > 0)
        store_bind_int64(st, 1, in->parent_id);
    else
        store_bind_null(st, 1);
    store_bind_text(st, 2, in->name);
    store_bind_text(st, 3, in->kind);
    store_bind_text(st, 4, in->region_code);
    store_bind_text(st, 5, in->location && *in->location ? in->location : NULL);
    store_bind_text(st, 6, in->founded_date);
    store_bind_text(st, 7, w->who->user->username);
    store_bind_text_twice(st, 8, now);
    int rc = store_run(st, err);
    if (rc != 0)
        return write_fail(w, rc);
    *id_out = store_last_insert_id(w->s);
    if (bump(w, in->region_code, "orgs", in->kind, 1) != 0)
        return w->rc;
    json_t *after = NULL;
    if ((rc = org_get(w->s, "", *id_out, &after, err)) != 0)
        return write_fail(w, rc);
    audit_json(w, "create", "org", *id_out, in->region_code, NULL, after);
    json_decref(after);
    return w->rc;
}

int org_create(struct store *s, const struct actor *who, const struct org_input *in, json_t **out,
               struct ep_error *err)
{
    *out = NULL;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    int64_t id = 0;
    if (org_insert(&w, in, &id) == 0)
        write_fail(&w, org_get(s, "", id, out, err));
    return write_end_json(&w, id, out);
}

int org_list(struct store *s, const struct org_filter *f, json_t *items, struct ep_error *err)
{
    const char *lower = f->scope;
    if (f->region && *f->region) {
        if (region_in_scope(f->region, f->scope))
            lower = f->region;
        else if (!region_in_scope(f->scope, f->region))
            return 0;
    }
    /* A name part: LIKE's own characters in it match themselves. */
    char pattern[4 * ORG_NAME_CHARS * 2 + 3] = "";
    if (f->q && *f->q && text_like_pattern(f->q, pattern, sizeof pattern) != 0)
        return 0; /* longer than any name: nothing matches */
    struct store_stmt *st = store_prepare(
        s,
        "SELECT " ORG_COLUMNS " FROM orgs o WHERE o.region_code >= ?"
        " AND o.region_code < ? AND o.id > ? AND (? = '' OR o.kind = ?)"
        " AND (? = 0 OR o.dissolved_date IS NULL) AND (? = '' OR o.name LIKE ? ESCAPE '\\')"
        " ORDER BY o.id LIMIT ?",
        err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, f->scope); /* the parent's name, only when in scope */
    region_bind_range(st, 3, lower);
    store_bind_int64(st, 5, f->after_id);
    store_bind_text_twice(st, 6, f->kind ? f->kind : "");
    store_bind_int64(st, 8, f->active_only);
    store_bind_text_twice(st, 9, pattern);
    store_bind_int64(st, 11, f->limit > 0 ? f->limit : INT64_MAX);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items, org_row(st));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

/* Ends every active membership of "org_id" on "date", moving the counters. */
static int members_end_all(struct write *w, int64_t org_id, const char *kind, const char *region,
                           const char *date)
{
    struct store_stmt *st = store_prepare(
        w->s, "SELECT COUNT(*) FROM org_members WHERE org_id = ? AND left_date IS NULL", w->err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_int64(st, 1, org_id);
    int rc = store_step(st, w->err);
    int64_t n = rc == STORE_ROW ? store_column_int64(st, 0) : 0;
    store_stmt_reset(st);
    if (rc < 0)
        return write_fail(w, rc);
    st = store_prepare(
        w->s, "UPDATE org_members SET left_date = ? WHERE org_id = ? AND left_date IS NULL",
        w->err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_text(st, 1, date);
    store_bind_int64(st, 2, org_id);
    if ((rc = store_run(st, w->err)) != 0)
        return write_fail(w, rc);
    return bump(w, region, "org_members", kind, -n);
}

int org_dissolve(struct store *s, const struct actor *who, int64_t id, const char *date,
                 json_t **out, struct ep_error *err)
{
    *out = NULL;
    int64_t day;
    org_check_date(date, "dissolved_date", 1, &day, err);
    if (day > time_today_cn())
        ep_error_field(err, "dissolved_date", "不能晚于今天", "must not be after today");
    if (err->code)
        return -err->code;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    json_t *before = NULL;
    struct org_facts f;
    int rc;
    if (write_target(&w, REF_ORG, id, NULL) != 0 ||
        write_fail(&w, org_get(s, "", id, &before, err)) != 0)
        goto out;
    if ((rc = org_facts_get(s, id, &f, err)) < 0) {
        write_fail(&w, rc);
        goto out;
    }
    if (f.dissolved) {
        write_fail(&w, ep_error_set(err, EP_ECONFLICT, "党组织 %lld 已撤销",
                                    "organisation %lld is already dissolved", (long long)id));
        goto out;
    }
    if (day < f.founded) {
        ep_error_field(err, "dissolved_date", "不能早于成立日期",
                       "must not be before founded_date");
        write_check(&w);
        goto out;
    }
    struct store_stmt *st = store_prepare(
        s, "SELECT COUNT(*) FROM orgs WHERE parent_id = ? AND dissolved_date IS NULL", err);
    if (!st) {
        write_fail(&w, -EP_EINTERNAL);
        goto out;
    }
    store_bind_int64(st, 1, id);
    rc = store_step(st, err);
    int64_t children = rc == STORE_ROW ? store_column_int64(st, 0) : 0;
    store_stmt_reset(st);
    if (rc < 0) {
        write_fail(&w, rc);
        goto out;
    }
    if (children) {
        write_fail(&w, ep_error_set(err, EP_ERULE, "党组织 %lld 还有 %lld 个未撤销的下级组织",
                                    "organisation %lld still has %lld active child organisations",
                                    (long long)id, (long long)children));
        goto out;
    }
    st = write_prepare(&w, "UPDATE orgs SET dissolved_date = ?, updated_at = ? WHERE id = ?");
    if (!st)
        goto out;
    store_bind_text(st, 1, date);
    store_bind_text(st, 2, w.now);
    store_bind_int64(st, 3, id);
    if (write_fail(&w, store_run(st, err)) != 0 ||
        members_end_all(&w, id, f.kind, f.region, date) != 0 ||
        bump(&w, f.region, "orgs", f.kind, -1) != 0 ||
        write_fail(&w, org_get(s, "", id, out, err)) != 0)
        goto out;
    audit_json(&w, "dissolve", "org", id, f.region, before, *out);
out:
    write_end_json(&w, id, out);
    json_decref(before);
    return w.rc;
}

/* ---- members ------------------------------------------------------------------------ */

static json_t *member_json(struct store *s, int64_t id, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s,
        "SELECT m.id, m.org_id, m.person_id, p.name, m.role, m.joined_date, m.left_date, m.kind"
        " FROM org_members m JOIN persons p ON p.id = m.person_id WHERE m.id = ?",
        err);
    if (!st)
        return NULL;
    store_bind_int64(st, 1, id);
    json_t *o = NULL;
    if (store_step(st, err) == STORE_ROW)
        o = json_pack(
            "{s:I, s:I, s:I, s:s, s:s, s:s, s:o, s:s}", "id", (json_int_t)store_column_int64(st, 0),
            "org_id", (json_int_t)store_column_int64(st, 1), "person_id",
            (json_int_t)store_column_int64(st, 2), "person_name", store_column_text(st, 3), "role",
            store_column_text(st, 4), "joined_date", store_column_text(st, 5), "left_date",
            col_str(st, 6), "org_kind", store_column_text(st, 7));
    store_stmt_reset(st);
    return o;
}

int org_member_insert(struct write *w, int64_t org_id, const struct org_member_input *in,
                      int64_t *id_out)
{
    struct ep_error *err = w->err;
    if (!text_in_list(in->role, org_member_roles))
        ep_error_field(err, "role",
                       "应为 secretary(书记)、deputy_secretary(副书记)、committee(委员)、"
                       "member(党员)或 probationary(预备党员)",
                       "must be secretary, deputy_secretary, committee, member or probationary");
    int64_t joined = time_today_cn();
    if (in->joined_date) {
        org_check_date(in->joined_date, "joined_date", 0, &joined, err);
        if (joined > time_today_cn())
            ep_error_field(err, "joined_date", "不能晚于今天", "must not be after today");
    }
    if (write_target(w, REF_ORG, org_id, NULL) != 0)
        return w->rc;
    write_ref(w, REF_PERSON, in->person_id, "person_id", NULL);
    if (write_check(w))
        return w->rc;
    struct org_facts f;
    int rc = org_facts_get(w->s, org_id, &f, err);
    if (rc < 0)
        return write_fail(w, rc);
    if (f.dissolved)
        return write_fail(w, ep_error_set(err, EP_ERULE, "党组织 %lld 已撤销",
                                          "organisation %lld is dissolved", (long long)org_id));
    /* Already here, or (regular) already in another regular organisation. */
    struct store_stmt *st =
        store_prepare(w->s,
                      "SELECT org_id FROM org_members WHERE person_id = ? AND left_date IS NULL"
                      " AND (org_id = ? OR (? = 'regular' AND kind = 'regular')) LIMIT 1",
                      err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_int64(st, 1, in->person_id);
    store_bind_int64(st, 2, org_id);
    store_bind_text(st, 3, f.kind);
    rc = store_step(st, err);
    int64_t other = rc == STORE_ROW ? store_column_int64(st, 0) : 0;
    store_stmt_reset(st);
    if (rc < 0)
        return write_fail(w, rc);
    if (other == org_id)
        return write_fail(w, ep_error_set(err, EP_ECONFLICT, "人员 %lld 已是党组织 %lld 的成员",
                                          "person %lld is already a member of organisation %lld",
                                          (long long)in->person_id, (long long)org_id));
    if (other) {
        /* The other organisation is named only when the caller may see it. */
        rc = ref_visible(w->s, w->who->user->scope, REF_ORG, other, NULL, err);
        if (rc < 0)
            return write_fail(w, rc);
        if (rc == 1)
            return write_fail(
                w, ep_error_set(err, EP_ECONFLICT,
                                "人员 %lld 已是常设党组织 %lld 的成员(可同时加入临时或流动党组织)",
                                "person %lld already belongs to regular organisation %lld (a "
                                "temporary or mobile one may be joined as well)",
                                (long long)in->person_id, (long long)other));
        return write_fail(
            w, ep_error_set(err, EP_ECONFLICT,
                            "人员 %lld 已是另一常设党组织的成员(可同时加入临时或流动党组织)",
                            "person %lld already belongs to another regular "
                            "organisation (a temporary or mobile one may be joined "
                            "as well)",
                            (long long)in->person_id));
    }
    st = store_prepare(w->s,
                       "INSERT INTO org_members (org_id, person_id, kind, region_code, role,"
                       " joined_date, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    char date[11], now[32];
    time_date_format(joined, date);
    time_now_iso(now);
    store_bind_int64(st, 1, org_id);
    store_bind_int64(st, 2, in->person_id);
    store_bind_text(st, 3, f.kind);
    store_bind_text(st, 4, f.region);
    store_bind_text(st, 5, in->role);
    store_bind_text(st, 6, date);
    store_bind_text(st, 7, now);
    if ((rc = store_run(st, err)) != 0)
        return write_fail(w, rc);
    *id_out = store_last_insert_id(w->s);
    if (bump(w, f.region, "org_members", f.kind, 1) != 0)
        return w->rc;
    json_t *after = member_json(w->s, *id_out, err);
    audit_json(w, "create", "org_member", *id_out, f.region, NULL, after);
    json_decref(after);
    return w->rc;
}

int org_member_add(struct store *s, const struct actor *who, int64_t org_id,
                   const struct org_member_input *in, json_t **out, struct ep_error *err)
{
    *out = NULL;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    int64_t id = 0;
    if (org_member_insert(&w, org_id, in, &id) == 0 && !(*out = member_json(s, id, err)))
        write_fail(&w, -EP_EINTERNAL);
    return write_end_json(&w, id, out);
}

int org_member_end(struct store *s, const struct actor *who, int64_t org_id, int64_t person_id,
                   struct ep_error *err)
{
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    struct org_facts f;
    int64_t mid = 0;
    if (write_target(&w, REF_ORG, org_id, NULL) != 0)
        goto out;
    int rc = org_facts_get(s, org_id, &f, err);
    if (rc < 0) {
        write_fail(&w, rc);
        goto out;
    }
    struct store_stmt *st = store_prepare(
        s, "SELECT id FROM org_members WHERE org_id = ? AND person_id = ? AND left_date IS NULL",
        err);
    if (!st) {
        write_fail(&w, -EP_EINTERNAL);
        goto out;
    }
    store_bind_int64(st, 1, org_id);
    store_bind_int64(st, 2, person_id);
    rc = store_step(st, err);
    mid = rc == STORE_ROW ? store_column_int64(st, 0) : 0;
    store_stmt_reset(st);
    if (rc < 0) {
        write_fail(&w, rc);
        goto out;
    }
    if (!mid) {
        write_fail(&w, ep_error_set(err, EP_ENOTFOUND, "人员 %lld 不是党组织 %lld 的成员",
                                    "person %lld is not a member of organisation %lld",
                                    (long long)person_id, (long long)org_id));
        goto out;
    }
    json_t *before = member_json(s, mid, err);
    st = store_prepare(s, "UPDATE org_members SET left_date = ? WHERE id = ?", err);
    if (!st) {
        json_decref(before);
        write_fail(&w, -EP_EINTERNAL);
        goto out;
    }
    char today[11];
    time_date_format(time_today_cn(), today);
    store_bind_text(st, 1, today);
    store_bind_int64(st, 2, mid);
    if (write_fail(&w, store_run(st, err)) == 0 &&
        bump(&w, f.region, "org_members", f.kind, -1) == 0) {
        json_t *after = member_json(s, mid, err);
        audit_json(&w, "end", "org_member", mid, f.region, before, after);
        json_decref(after);
    }
    json_decref(before);
out:
    return write_end(&w, mid);
}

int org_members_list(struct store *s, const char *scope, int64_t org_id, json_t *items,
                     struct ep_error *err)
{
    json_t *org = NULL;
    int rc = org_get(s, scope, org_id, &org, err);
    json_decref(org);
    if (rc != 0)
        return rc;
    struct store_stmt *st = store_prepare(
        s,
        "SELECT m.id, m.person_id, p.name, m.role, m.joined_date FROM org_members m"
        " JOIN persons p ON p.id = m.person_id WHERE m.org_id = ? AND m.left_date IS NULL"
        " ORDER BY CASE m.role WHEN 'secretary' THEN 0 WHEN 'deputy_secretary' THEN 1"
        " WHEN 'committee' THEN 2 ELSE 3 END, m.id",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, org_id);
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items,
                              json_pack("{s:I, s:I, s:s, s:s, s:s}", "id",
                                        (json_int_t)store_column_int64(st, 0), "person_id",
                                        (json_int_t)store_column_int64(st, 1), "person_name",
                                        store_column_text(st, 2), "role", store_column_text(st, 3),
                                        "joined_date", store_column_text(st, 4)));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

int org_member_roster_list(struct store *s, const char *region, org_member_fn fn, void *ctx,
                           struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s,
        "SELECT m.id, m.org_id, p.name, p.id_number, m.role, m.joined_date FROM org_members m"
        " JOIN persons p ON p.id = m.person_id WHERE m.region_code >= ? AND m.region_code < ?"
        " AND m.left_date IS NULL ORDER BY m.org_id, CASE m.role WHEN 'secretary' THEN 0"
        " WHEN 'deputy_secretary' THEN 1 WHEN 'committee' THEN 2 ELSE 3 END, m.id",
        err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, region);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        struct org_member_row row = {
            .id = store_column_int64(st, 0),
            .org_id = store_column_int64(st, 1),
            .person_name = store_column_text(st, 2),
            .id_number = store_column_text(st, 3),
            .role = store_column_text(st, 4),
            .joined_date = store_column_text(st, 5),
        };
        if ((rc = fn(&row, ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc == STORE_DONE ? 0 : rc;
}

/* ---- applications -------------------------------------------------------------------- */

#define APP_COLUMNS                                                                                \
    "a.id, a.org_id, o.name, a.region_code, a.group_name, a.pledge, a.wish, a.status,"             \
    " a.decided_by, a.decided_at, a.decision_note, a.team_id, a.created_by, a.created_at"

const char *org_application_status_zh(const char *status)
{
    static const struct label names[] = {
        {"pending", "待审批"}, {"approved", "已批准"}, {"declined", "未批准"}};
    return label_zh(names, LABEL_COUNT(names), status);
}

static json_t *app_row(struct store *s, struct store_stmt *st, struct ep_error *err)
{
    json_t *o = json_object();
    int64_t id = store_column_int64(st, 0);
    json_object_set_new(o, "id", json_integer(id));
    json_object_set_new(o, "org_id", json_integer(store_column_int64(st, 1)));
    json_object_set_new(o, "org_name", json_string(store_column_text(st, 2)));
    json_object_set_new(o, "region_code", json_string(store_column_text(st, 3)));
    json_object_set_new(o, "group_name", col_str(st, 4));
    json_object_set_new(o, "pledge", json_string(store_column_text(st, 5)));
    json_object_set_new(o, "wish", col_str(st, 6));
    json_object_set_new(o, "status", json_string(store_column_text(st, 7)));
    json_object_set_new(o, "decided_by", col_str(st, 8));
    json_object_set_new(o, "decided_at", col_str(st, 9));
    json_object_set_new(o, "decision_note", col_str(st, 10));
    json_object_set_new(o, "team_id", col_int(st, 11));
    json_object_set_new(o, "created_by", json_string(store_column_text(st, 12)));
    json_object_set_new(o, "created_at", json_string(store_column_text(st, 13)));
    json_object_set_new(o, "persons",
                        org_persons_json(s,
                                         "SELECT ap.person_id, p.name FROM application_persons ap"
                                         " JOIN persons p ON p.id = ap.person_id"
                                         " WHERE ap.application_id = ? ORDER BY ap.rowid",
                                         id, err));
    return o;
}

json_t *org_persons_json(struct store *s, const char *sql, int64_t id, struct ep_error *err)
{
    json_t *persons = json_array();
    struct store_stmt *p = store_prepare(s, sql, err);
    if (p) {
        store_bind_int64(p, 1, id);
        while (store_step(p, err) == STORE_ROW)
            json_array_append_new(persons, json_pack("{s:I, s:s}", "person_id",
                                                     (json_int_t)store_column_int64(p, 0), "name",
                                                     store_column_text(p, 1)));
        store_stmt_reset(p);
    }
    return persons;
}

int org_application_get(struct store *s, const char *scope, int64_t id, json_t **out,
                        struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT " APP_COLUMNS " FROM applications a JOIN orgs o ON o.id = a.org_id"
                      " WHERE a.id = ? AND a.region_code >= ? AND a.region_code < ?",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    region_bind_range(st, 2, scope);
    int rc = store_step(st, err);
    json_t *row = NULL;
    if (rc == STORE_ROW) {
        /* app_row prepares another statement: copy out of "st" first is not
         * needed, the two statements are distinct. */
        row = app_row(s, st, err);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = ep_error_set(err, EP_ENOTFOUND, "请命书 %lld 不存在", "application %lld not found",
                          (long long)id);
    }
    store_stmt_reset(st);
    if (rc == 0)
        *out = row;
    return rc;
}

int org_application_list(struct store *s, const char *scope, const char *status, int64_t org_id,
                         int64_t before_id, int limit, json_t *items, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT " APP_COLUMNS " FROM applications a JOIN orgs o ON o.id = a.org_id"
                      " WHERE a.region_code >= ? AND a.region_code < ? AND a.id < ?"
                      " AND (? = '' OR a.status = ?) AND (? = 0 OR a.org_id = ?)"
                      " ORDER BY a.id DESC LIMIT ?",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, scope);
    store_bind_int64(st, 3, before_id > 0 ? before_id : INT64_MAX);
    store_bind_text_twice(st, 4, status ? status : "");
    store_bind_int64_twice(st, 6, org_id > 0 ? org_id : 0);
    store_bind_int64(st, 8, limit > 0 ? limit : INT64_MAX);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items, app_row(s, st, err));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

int org_application_create(struct store *s, const struct actor *who,
                           const struct org_application_input *in, json_t **out,
                           struct ep_error *err)
{
    *out = NULL;
    if (in->org_id <= 0)
        ep_error_field(err, "org_id", "必填,应为正整数", "is required: a positive integer");
    if (in->npersons < 1 || in->npersons > ORG_APPLICANTS_MAX)
        ep_error_field(err, "person_ids", "应有 1 到 %d 人", "must list 1 to %d persons",
                       ORG_APPLICANTS_MAX);
    text_check(in->group_name, "group_name", ORG_NAME_CHARS, (in->npersons > 1) ? TEXT_REQUIRED : 0,
               err);
    text_check(in->pledge, "pledge", ORG_TEXT_CHARS, TEXT_REQUIRED, err);
    text_check(in->wish, "wish", ORG_NAME_CHARS, 0, err);
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    char region[REGION_CODE_MAX] = "";
    int64_t id = 0;
    if (in->org_id > 0)
        write_ref_inside(&w, REF_ORG, in->org_id, "org_id", region);
    write_ref_list(&w, REF_PERSON, in->person_ids,
                   in->npersons > ORG_APPLICANTS_MAX ? 0 : in->npersons, "person_ids");
    if (write_check(&w) != 0)
        goto out;
    struct org_facts f;
    int rc = org_facts_get(s, in->org_id, &f, err);
    if (rc < 0) {
        write_fail(&w, rc);
        goto out;
    }
    if (f.dissolved) {
        write_fail(&w, ep_error_set(err, EP_ERULE, "党组织 %lld 已撤销",
                                    "organisation %lld is dissolved", (long long)in->org_id));
        goto out;
    }
    struct store_stmt *st = store_prepare(
        s, "SELECT 1 FROM org_members WHERE org_id = ? AND person_id = ? AND left_date IS NULL",
        err);
    if (!st) {
        write_fail(&w, -EP_EINTERNAL);
        goto out;
    }
    for (int i = 0; i < in->npersons; i++) {
        store_bind_int64(st, 1, in->org_id);
        store_bind_int64(st, 2, in->person_ids[i]);
        rc = store_step(st, err);
        store_stmt_reset(st);
        if (rc < 0) {
            write_fail(&w, rc);
            goto out;
        }
        if (rc == STORE_DONE) {
            char field[32];
            snprintf(field, sizeof field, "person_ids[%d]", i);
            ep_error_field(err, field, "人员 %lld 不是党组织 %lld 的成员",
                           "person %lld is not a member of organisation %lld",
                           (long long)in->person_ids[i], (long long)in->org_id);
        }
    }
    if (write_check(&w) != 0)
        goto out;
    st =
        write_prepare(&w, "INSERT INTO applications (org_id, region_code, group_name, pledge, wish,"
                          " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    if (!st)
        goto out;
    store_bind_int64(st, 1, in->org_id);
    store_bind_text(st, 2, region);
    store_bind_text(st, 3, in->group_name && *in->group_name ? in->group_name : NULL);
    store_bind_text(st, 4, in->pledge);
    store_bind_text(st, 5, in->wish && *in->wish ? in->wish : NULL);
    store_bind_text(st, 6, who->user->username);
    store_bind_text(st, 7, w.now);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    id = store_last_insert_id(s);
    st = store_prepare(
        s, "INSERT INTO application_persons (application_id, person_id) VALUES (?, ?)", err);
    if (!st) {
        write_fail(&w, -EP_EINTERNAL);
        goto out;
    }
    for (int i = 0; i < in->npersons && write_ok(&w); i++) {
        store_bind_int64(st, 1, id);
        store_bind_int64(st, 2, in->person_ids[i]);
        write_fail(&w, store_run(st, err));
    }
    if (bump(&w, region, "applications", "pending", 1) != 0 ||
        write_fail(&w, org_application_get(s, "", id, out, err)) != 0)
        goto out;
    audit_json(&w, "create", "application", id, region, NULL, *out);
out:
    return write_end_json(&w, id, out);
}

int org_application_decide(struct store *s, const struct actor *who, int64_t id,
                           const char *decision, const char *note, const struct team_input *team,
                           json_t **out, struct ep_error *err)
{
    *out = NULL;
    int approve = decision && strcmp(decision, org_decisions[0]) == 0;
    if (!text_in_list(decision, org_decisions))
        ep_error_field(err, "decision", "应为 approve(批准)或 decline(不批准)",
                       "must be approve or decline");
    text_check(note, "note", ORG_TEXT_CHARS, 0, err);
    if (team && !approve && decision)
        ep_error_field(err, "team", "只有批准时才能组建队伍",
                       "a team can only be formed on approval");
    if (err->code)
        return -err->code;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    json_t *before = NULL;
    int64_t *ids = NULL;
    if (write_target(&w, REF_APPLICATION, id, NULL) != 0 ||
        write_fail(&w, org_application_get(s, "", id, &before, err)) != 0)
        goto out;
    const char *status = json_string_value(json_object_get(before, "status"));
    if (strcmp(status, "pending") != 0) {
        write_fail(&w, ep_error_set(err, EP_ECONFLICT, "请命书 %lld 已处理(%s%.0s)",
                                    "application %lld was already decided (%.0s%s)", (long long)id,
                                    org_application_status_zh(status), status));
        goto out;
    }
    const char *region = json_string_value(json_object_get(before, "region_code"));
    int64_t team_id = 0;
    if (team) {
        json_t *persons = json_object_get(before, "persons");
        size_t n = json_array_size(persons);
        ids = calloc(n + 1, sizeof *ids);
        if (!ids)
            abort();
        for (size_t i = 0; i < n; i++)
            ids[i] = json_integer_value(json_object_get(json_array_get(persons, i), "person_id"));
        struct team_input t = *team;
        t.org_id = json_integer_value(json_object_get(before, "org_id"));
        t.member_ids = ids;
        t.nmembers = (int)n;
        int from = err->nfields;
        if (team_insert(&w, &t, id, &team_id) != 0) {
            if (w.rc == -EP_EINVAL || w.rc == -EP_ENOTFOUND)
                ep_error_fields_prefix(err, from, "team.");
            goto out;
        }
    }
    struct store_stmt *st = write_prepare(&w, "UPDATE applications SET status = ?, decided_by = ?,"
                                              " decided_at = ?, decision_note = ?, team_id = ?"
                                              " WHERE id = ?");
    if (!st)
        goto out;
    const char *now_status = approve ? "approved" : "declined";
    store_bind_text(st, 1, now_status);
    store_bind_text(st, 2, who->user->username);
    store_bind_text(st, 3, w.now);
    store_bind_text(st, 4, note && *note ? note : NULL);
    if (team_id)
        store_bind_int64(st, 5, team_id);
    else
        store_bind_null(st, 5);
    store_bind_int64(st, 6, id);
    if (write_fail(&w, store_run(st, err)) != 0 ||
        bump(&w, region, "applications", "pending", -1) != 0 ||
        bump(&w, region, "applications", now_status, 1) != 0 ||
        write_fail(&w, org_application_get(s, "", id, out, err)) != 0)
        goto out;
    audit_json(&w, approve ? "approve" : "decline", "application", id, region, before, *out);
out:
    write_end_json(&w, id, out);
    json_decref(before);
    free(ids);
    return w.rc;
}

/* ---- grid responsibility --------------------------------------------------------------- */

static json_t *grid_duty_json(struct store *s, const char *grid, const char *name,
                              struct ep_error *err)
{
    json_t *o = json_pack("{s:s, s:s, s:n}", "grid_code", grid, "name", name, "responsible");
    json_t *helpers = json_array();
    struct store_stmt *st = store_prepare(s,
                                          "SELECT d.person_id, p.name, d.role, d.since"
                                          " FROM grid_duties d JOIN persons p ON p.id = d.person_id"
                                          " WHERE d.grid_code = ? ORDER BY d.role DESC, p.id",
                                          err);
    if (st) {
        store_bind_text(st, 1, grid);
        while (store_step(st, err) == STORE_ROW) {
            json_t *p =
                json_pack("{s:I, s:s, s:s}", "person_id", (json_int_t)store_column_int64(st, 0),
                          "name", store_column_text(st, 1), "since", store_column_text(st, 3));
            if (strcmp(store_column_text(st, 2), "responsible") == 0)
                json_object_set_new(o, "responsible", p);
            else
                json_array_append_new(helpers, p);
        }
        store_stmt_reset(st);
    }
    json_object_set_new(o, "helpers", helpers);
    return o;
}

int org_grid_duty_set(struct store *s, const struct actor *who, const char *grid_code,
                      int64_t responsible, const int64_t *helpers, int nhelpers, json_t **out,
                      struct ep_error *err)
{
    *out = NULL;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    json_t *before = NULL;
    struct region r;
    if (write_target_region(&w, grid_code, REGION_GRID, &r) != 0)
        goto out;
    if (responsible < 0)
        ep_error_field(err, "responsible_person_id", "应为正整数", "must be a positive integer");
    for (int i = 0; i < nhelpers; i++)
        if (helpers[i] == responsible) {
            char f[48];
            snprintf(f, sizeof f, "helper_person_ids[%d]", i);
            ep_error_field(err, f, "责任人不能同时是协助人",
                           "the responsible person cannot also be a helper");
        }
    if (responsible > 0)
        write_ref(&w, REF_PERSON, responsible, "responsible_person_id", NULL);
    write_ref_list(&w, REF_PERSON, helpers, nhelpers, "helper_person_ids");
    if (write_check(&w) != 0)
        goto out;
    before = grid_duty_json(s, grid_code, r.name, err);
    int had = !json_is_null(json_object_get(before, "responsible"));
    struct store_stmt *st = write_prepare(&w, "DELETE FROM grid_duties WHERE grid_code = ?");
    if (!st)
        goto out;
    store_bind_text(st, 1, grid_code);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    st = write_prepare(&w, "INSERT INTO grid_duties (grid_code, person_id, role, since)"
                           " VALUES (?, ?, ?, ?)");
    if (!st)
        goto out;
    char today[11];
    time_date_format(time_today_cn(), today);
    for (int i = -1; i < nhelpers && write_ok(&w); i++) {
        int64_t pid = i < 0 ? responsible : helpers[i];
        if (pid <= 0)
            continue;
        store_bind_text(st, 1, grid_code);
        store_bind_int64(st, 2, pid);
        store_bind_text(st, 3, i < 0 ? "responsible" : "helper");
        store_bind_text(st, 4, today);
        write_fail(&w, store_run(st, err));
    }
    int has = responsible > 0;
    if (write_count(&w, grid_code, "grids_responsible", has - had) != 0)
        goto out;
    *out = grid_duty_json(s, grid_code, r.name, err);
    write_audit_key(&w, "update", "grid_duty", grid_code, grid_code, before, *out);
out:
    write_end_json(&w, 0, out);
    json_decref(before);
    return w.rc;
}

int org_grid_responsible_add(struct store *s, const struct actor *who, const char *grid_code,
                             int64_t person_id, struct ep_error *err)
{
    json_t *duty = grid_duty_json(s, grid_code, "", err);
    if (!duty)
        return -EP_EINTERNAL;
    json_t *now = json_object_get(duty, "responsible"), *helpers = json_object_get(duty, "helpers");
    int64_t current = json_integer_value(json_object_get(now, "person_id"));
    int64_t kept[ORG_GRID_HELPERS_MAX];
    int nkept = 0, rc = 0;
    if (current && current != person_id)
        rc = ep_error_set(err, EP_ECONFLICT, "网格 %s 已有责任人 %s(人员ID %lld)",
                          "grid %s has a responsible person already: %s (person %lld)", grid_code,
                          json_string_value(json_object_get(now, "name")), (long long)current);
    size_t i;
    json_t *h;
    json_array_foreach(helpers, i, h)
    {
        int64_t id = json_integer_value(json_object_get(h, "person_id"));
        if (id != person_id && nkept < ORG_GRID_HELPERS_MAX)
            kept[nkept++] = id;
    }
    json_decref(duty);
    if (rc != 0 || current == person_id)
        return rc;
    json_t *out = NULL;
    rc = org_grid_duty_set(s, who, grid_code, person_id, kept, nkept, &out, err);
    json_decref(out);
    return rc;
}

int org_grid_duty_list(struct store *s, const struct grid_duty_filter *f, json_t *items,
                       struct ep_error *err)
{
    const char *lower = f->scope;
    if (f->region && *f->region) {
        if (region_in_scope(f->region, f->scope))
            lower = f->region;
        else if (!region_in_scope(f->scope, f->region))
            return 0;
    }
    /* A name part: LIKE's own characters in it match themselves. */
    char pattern[2 * REGION_NAME_MAX + 3] = "";
    if (f->q && *f->q && text_like_pattern(f->q, pattern, sizeof pattern) != 0)
        return 0; /* longer than any name: nothing matches */
    struct store_stmt *st = store_prepare(
        s,
        "SELECT r.code, r.name, substr(r.code, 1, 12),"
        " (SELECT v.name FROM regions v WHERE v.code = substr(r.code, 1, 12)),"
        " (SELECT t.name FROM regions t WHERE t.code = substr(r.code, 1, 9))"
        " FROM regions r WHERE r.code > ? AND r.code >= ? AND r.code < ?"
        " AND length(r.code) = 15 AND (? = 0 OR NOT EXISTS (SELECT 1 FROM grid_duties d"
        " WHERE d.grid_code = r.code AND d.role = 'responsible'))"
        " AND (? = '' OR r.name LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM regions v"
        " WHERE v.code = substr(r.code, 1, 12) AND v.name LIKE ? ESCAPE '\\')"
        " OR EXISTS (SELECT 1 FROM grid_duties d JOIN persons p ON p.id = d.person_id"
        " WHERE d.grid_code = r.code AND p.name LIKE ? ESCAPE '\\'))"
        " ORDER BY r.code LIMIT ?",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, f->after_code ? f->after_code : "");
    region_bind_range(st, 2, lower);
    store_bind_int64(st, 4, f->unassigned_only);
    store_bind_text_twice(st, 5, pattern);
    store_bind_text_twice(st, 7, pattern);
    store_bind_int64(st, 9, f->limit > 0 ? f->limit : INT64_MAX);
    int rc;
    /* Collect the rows first: grid_duty_json prepares its own statement. */
    json_t *rows = json_array();
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(rows, json_pack("[s, s, s, s?, s?]", store_column_text(st, 0),
                                              store_column_text(st, 1), store_column_text(st, 2),
                                              store_column_text(st, 3), store_column_text(st, 4)));
    store_stmt_reset(st);
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        json_t *o = grid_duty_json(s, json_string_value(json_array_get(row, 0)),
                                   json_string_value(json_array_get(row, 1)), err);
        json_object_set(o, "village_code", json_array_get(row, 2));
        json_object_set(o, "village_name", json_array_get(row, 3));
        json_object_set(o, "township_name", json_array_get(row, 4));
        json_array_append_new(items, o);
    }
    json_decref(rows);
    return rc < 0 ? rc : 0;
}

/* ---- roll-ups ---------------------------------------------------------------------------- */

static const char *families[] = {
    "orgs.", "org_members.", "teams.", "applications.", "checkpoint_entries.", "checkpoint_fevers.",
    NULL};

struct counters_ctx {
    json_t *obj;
};

static int add_counter(const char *metric, int64_t value, void *arg)
{
    struct counters_ctx *c = arg;
    int mine = strcmp(metric, "service_minutes") == 0 || strcmp(metric, "grids_responsible") == 0;
    for (int i = 0; families[i] && !mine; i++)
        mine = strncmp(metric, families[i], strlen(families[i])) == 0;
    if (mine)
        json_object_set_new(c->obj, metric, json_integer(value));
    return 0;
}

int mobilisation_counters_json(struct store *s, const char *code, json_t **out,
                               struct ep_error *err)
{
    struct counters_ctx c = {json_object()};
    int rc = counter_list(s, code, add_counter, &c, err);
    if (rc != 0) {
        json_decref(c.obj);
        return rc;
    }
    *out = c.obj;
    return 0;
}

int mobilisation_counters_rebuild(struct store *s, struct ep_error *err)
{
    int rc = counter_rebuild_family(s, "orgs.",
                                    "SELECT region_code, 'orgs.' || kind, COUNT(*) FROM orgs"
                                    " WHERE dissolved_date IS NULL GROUP BY region_code, kind",
                                    err);
    if (rc == 0)
        rc = counter_rebuild_family(s, "org_members.",
                                    "SELECT region_code, 'org_members.' || kind, COUNT(*)"
                                    " FROM org_members WHERE left_date IS NULL"
                                    " GROUP BY region_code, kind",
                                    err);
    if (rc == 0)
        rc = counter_rebuild_family(s, "teams.",
                                    "SELECT region_code, 'teams.' || type_code, COUNT(*)"
                                    " FROM teams GROUP BY region_code, type_code",
                                    err);
    if (rc == 0)
        rc = counter_rebuild(s, "teams_total",
                             "SELECT region_code, COUNT(*) FROM teams GROUP BY region_code", err);
    if (rc == 0)
        rc = counter_rebuild_family(s, "applications.",
                                    "SELECT region_code, 'applications.' || status, COUNT(*)"
                                    " FROM applications GROUP BY region_code, status",
                                    err);
    if (rc == 0)
        rc = counter_rebuild(s, "grids_responsible",
                             "SELECT grid_code, COUNT(*) FROM grid_duties"
                             " WHERE role = 'responsible' GROUP BY grid_code",
                             err);
    if (rc == 0)
        rc = counter_rebuild(s, "service_minutes",
                             "SELECT s.region_code, SUM((p.checkout_unix - p.checkin_unix) / 60)"
                             " FROM shift_people p JOIN shifts s ON s.id = p.shift_id"
                             " WHERE p.checkout_unix IS NOT NULL GROUP BY s.region_code",
                             err);
    if (rc == 0)
        rc = counter_rebuild_family(s, "checkpoint_entries.",
                                    "SELECT region_code, 'checkpoint_entries.' || day, COUNT(*)"
                                    " FROM checkpoint_entries GROUP BY region_code, day",
                                    err);
    if (rc == 0)
        rc = counter_rebuild_family(s, "checkpoint_fevers.",
                                    "SELECT region_code, 'checkpoint_fevers.' || day, COUNT(*)"
                                    " FROM checkpoint_entries WHERE febrile = 1"
                                    " GROUP BY region_code, day",
                                    err);
    return rc;
}
