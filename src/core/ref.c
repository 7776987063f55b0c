/*
 * ref.c -- visibility of referenced records (see ref.h): one table, one
 * statement per kind that yields the record's region code, one rule.
 */
#include "core/ref.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

enum ref_rule {
    RULE_INSIDE,   /* the record's region lies in the scope */
    RULE_PATH,     /* ... or is an ancestor of the scope (as a reference only) */
    RULE_PATH_ALL, /* ... or is an ancestor, also as a write's target */
    RULE_EITHER,   /* the record's region or its second one (column 1) lies in the scope */
};

struct ref_spec {
    const char *name; /* machine name */
    const char *zh;   /* how a message names it */
    const char *en;
    const char *sql; /* yields the region code of record ?; a string literal (statement cache) */
    int rule;        /* enum ref_rule */
};

/* Indexed by enum ref_kind. */
static const struct ref_spec specs[REF_KIND_COUNT] = {
    [REF_PERSON] = {"person", "人员", "person", "SELECT grid_code FROM persons WHERE id = ?",
                    RULE_INSIDE},
    [REF_HOUSEHOLD] = {"household", "住户", "household",
                       "SELECT grid_code FROM households WHERE id = ?", RULE_INSIDE},
    [REF_OBSERVATION] = {"observation", "观察记录", "observation",
                         "SELECT grid_code FROM observations WHERE id = ?", RULE_INSIDE},
    [REF_ALERT] = {"alert", "预警", "alert", "SELECT grid_code FROM alerts WHERE id = ?",
                   RULE_INSIDE},
    [REF_CASE] = {"case", "病例", "case", "SELECT grid_code FROM cases WHERE id = ?", RULE_INSIDE},
    /* A county traces contacts living elsewhere: the source's grid counts too. */
    [REF_CONTACT] = {"contact", "密切接触者记录", "contact",
                     "SELECT grid_code, source_grid FROM contacts WHERE id = ?", RULE_EITHER},
    [REF_SITE] = {"site", "收治/隔离场所", "site", "SELECT region_code FROM sites WHERE id = ?",
                  RULE_PATH},
    [REF_ROUND] = {"round", "排查轮次", "screening round",
                   "SELECT region_code FROM rounds WHERE id = ?", RULE_PATH},
    [REF_ORG] = {"org", "党组织", "organisation", "SELECT region_code FROM orgs WHERE id = ?",
                 RULE_PATH},
    [REF_TEAM] = {"team", "队伍", "team", "SELECT region_code FROM teams WHERE id = ?",
                  RULE_INSIDE},
    [REF_APPLICATION] = {"application", "请命书", "application",
                         "SELECT region_code FROM applications WHERE id = ?", RULE_INSIDE},
    [REF_DUTY_PLACE] = {"duty_place", "值守地点", "duty place",
                        "SELECT region_code FROM duty_places WHERE id = ?", RULE_INSIDE},
    [REF_SHIFT] = {"shift", "班次", "shift", "SELECT region_code FROM shifts WHERE id = ?",
                   RULE_INSIDE},
    [REF_CHECKPOINT] = {"checkpoint", "卡口", "checkpoint",
                        "SELECT region_code FROM checkpoints WHERE id = ?", RULE_INSIDE},
    [REF_WAREHOUSE] = {"warehouse", "仓库", "warehouse",
                       "SELECT region_code FROM warehouses WHERE id = ?", RULE_INSIDE},
    [REF_FUND_ACCOUNT] = {"fund_account", "资金账户", "fund account",
                          "SELECT region_code FROM fund_accounts WHERE id = ?", RULE_INSIDE},
    [REF_DONOR] = {"donor", "捐赠方", "donor", "SELECT region_code FROM donors WHERE id = ?",
                   RULE_INSIDE},
    [REF_DONATION] = {"donation", "捐赠", "donation",
                      "SELECT region_code FROM donations WHERE id = ?", RULE_INSIDE},
    [REF_SUPPLY_REQUEST] = {"supply_request", "物资申请", "supply request",
                            "SELECT region_code FROM supply_requests WHERE id = ?", RULE_INSIDE},
    [REF_DIRECTIVE] = {"directive", "通知", "directive",
                       "SELECT target_region FROM directives WHERE id = ?", RULE_PATH_ALL},
    [REF_INSPECTION] = {"inspection", "督查记录", "inspection",
                        "SELECT region_code FROM inspections WHERE id = ?", RULE_INSIDE},
    [REF_FINDING] = {"finding", "督查问题", "finding",
                     "SELECT region_code FROM inspection_findings WHERE id = ?", RULE_INSIDE},
    [REF_BROADCAST] = {"broadcast", "广播", "broadcast",
                       "SELECT region_code FROM broadcasts WHERE id = ?", RULE_PATH_ALL},
    [REF_LEADER_LINK] = {"leader_link", "联系督导关系", "leader link",
                         "SELECT region_code FROM leader_links WHERE id = ?", RULE_INSIDE},
    /* Items have no region: "" is an ancestor of every scope. */
    [REF_ITEM] = {"item", "物资", "item", "SELECT '' FROM items WHERE id = ?", RULE_PATH},
    [REF_FUND_ENTRY] = {"fund_entry", "资金记录", "fund entry",
                        "SELECT a.region_code FROM fund_entries e JOIN fund_accounts a"
                        " ON a.id = e.account_id WHERE e.id = ?",
                        RULE_INSIDE},
};

const char *ref_kind_name(int kind)
{
    return kind >= 0 && kind < REF_KIND_COUNT ? specs[kind].name : "";
}

int ref_kind_from_name(const char *name)
{
    for (int k = 0; name && k < REF_KIND_COUNT; k++)
        if (strcmp(specs[k].name, name) == 0)
            return k;
    return -1;
}

/* Reads record "id" of "kind" with "sql" (column 0 its region code, for
 * RULE_EITHER column 1 its second one) and applies the kind's rule: 1 when it
 * exists and is visible from "scope" -- then its region is copied to
 * "region_out" (may be NULL) and "fill" (may be NULL) reads the row into
 * "out" --, 0 when it is missing or outside (nothing of it is read), <0. */
static int check(struct store *s, const char *scope, int kind, const char *sql, int64_t id,
                 int as_target, ref_fill_fn fill, void *out, char region_out[REGION_CODE_MAX],
                 struct ep_error *err)
{
    assert(kind >= 0 && kind < REF_KIND_COUNT && sql);
    if (id <= 0)
        return 0;
    struct store_stmt *st = store_prepare(s, sql, err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc = store_step(st, err), visible = 0;
    if (rc == STORE_ROW) {
        char region[REGION_CODE_MAX], second[REGION_CODE_MAX];
        int rule = specs[kind].rule;
        snprintf(region, sizeof region, "%s", store_column_text(st, 0));
        snprintf(second, sizeof second, "%s", rule == RULE_EITHER ? store_column_text(st, 1) : "");
        int above_ok = rule == RULE_PATH_ALL || (rule == RULE_PATH && !as_target);
        visible = region_in_scope(region, scope) || (above_ok && region_in_scope(scope, region)) ||
                  (rule == RULE_EITHER && *second && region_in_scope(second, scope));
        if (visible && region_out)
            memcpy(region_out, region, REGION_CODE_MAX);
        if (visible && fill)
            fill(st, out);
    }
    store_stmt_reset(st);
    return rc < 0 ? rc : visible;
}

int ref_visible(struct store *s, const char *scope, int kind, int64_t id,
                char region_out[REGION_CODE_MAX], struct ep_error *err)
{
    assert(kind >= 0 && kind < REF_KIND_COUNT);
    return check(s, scope, kind, specs[kind].sql, id, 0, NULL, NULL, region_out, err);
}

int ref_writable(struct store *s, const char *scope, int kind, int64_t id,
                 char region_out[REGION_CODE_MAX], struct ep_error *err)
{
    assert(kind >= 0 && kind < REF_KIND_COUNT);
    return check(s, scope, kind, specs[kind].sql, id, 1, NULL, NULL, region_out, err);
}

int ref_visible_read(struct store *s, const char *scope, int kind, int64_t id, const char *sql,
                     int as_target, ref_fill_fn fill, void *out, char region_out[REGION_CODE_MAX],
                     struct ep_error *err)
{
    return check(s, scope, kind, sql, id, as_target, fill, out, region_out, err);
}

static int not_found_named(struct ep_error *err, const char *zh, const char *en, int64_t id)
{
    return ep_error_set(err, EP_ENOTFOUND, "%s%.0s %lld 不存在", "%.0s%s %lld not found", zh, en,
                        (long long)id);
}

int ref_not_found(struct ep_error *err, int kind, int64_t id)
{
    assert(kind >= 0 && kind < REF_KIND_COUNT);
    return not_found_named(err, specs[kind].zh, specs[kind].en, id);
}

int ref_step_one(struct store_stmt *st, int kind, int64_t id, struct ep_error *err)
{
    assert(kind >= 0 && kind < REF_KIND_COUNT);
    return ref_step_named(st, specs[kind].zh, specs[kind].en, id, err);
}

int ref_step_named(struct store_stmt *st, const char *zh, const char *en, int64_t id,
                   struct ep_error *err)
{
    int rc = store_step(st, err);
    if (rc == STORE_ROW)
        return 0;
    return rc == STORE_DONE ? not_found_named(err, zh, en, id) : rc;
}

int ref_get_one(struct store *s, const char *sql, ref_bind_fn bind, const char *scope, int kind,
                int64_t id, ref_fill_fn fill, void *out, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s, sql, err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    (bind ? bind : region_bind_range)(st, 2, scope);
    int rc = ref_step_one(st, kind, id, err);
    if (rc == 0)
        fill(st, out);
    store_stmt_reset(st);
    return rc;
}

struct json_read {
    ref_row_fn row;
    json_t **out;
};

static void json_fill(struct store_stmt *st, void *arg)
{
    struct json_read *r = arg;
    *r->out = r->row(st);
}

int ref_get_json(struct store *s, const char *sql, ref_bind_fn bind, const char *scope, int kind,
                 int64_t id, ref_row_fn row, json_t **out, struct ep_error *err)
{
    struct json_read r = {row, out};
    *out = NULL;
    return ref_get_one(s, sql, bind, scope, kind, id, json_fill, &r, err);
}

int ref_rows_json(struct store_stmt *st, ref_row_fn row, json_t *items, struct ep_error *err)
{
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items, row(st));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

/* A lone reference error is a 404; among input errors the reply stays 400. */
static void not_found_code(struct ep_error *err, int was_clear)
{
    if (was_clear || err->code == EP_ENOTFOUND)
        ep_error_set(err, EP_ENOTFOUND, "所引用的记录不存在", "a referenced record was not found");
}

void ref_field_not_found(struct ep_error *err, const char *field, int kind, int64_t id)
{
    assert(kind >= 0 && kind < REF_KIND_COUNT);
    int was_clear = err->code == EP_OK;
    /* Both formats take (zh name, en name, id); each skips the other's name. */
    ep_error_field(err, field, "%s%.0s %lld 不存在", "%.0s%s %lld not found", specs[kind].zh,
                   specs[kind].en, (long long)id);
    not_found_code(err, was_clear);
}

int ref_region(struct store *s, const char *scope, const char *code, int level, const char *field,
               struct region *r, struct ep_error *err)
{
    /* The form of a code is no secret: a missing or malformed one is an input error. */
    if (!code || !*code) {
        ep_error_field(err, field, "必填", "is required");
        return 0;
    }
    int code_level = region_level_of_code(code);
    if (!code_level) {
        ep_error_field(err, field, "地区编码应为 4、6、9、12 或 15 位数字",
                       "region code must be 4, 6, 9, 12 or 15 digits");
        return 0;
    }
    int was_clear = err->code == EP_OK;
    struct region found;
    int rc = ref_region_visible(s, scope, code, level, &found, err);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        if (r)
            *r = found;
        return 1;
    }
    const char *zh = level == REGION_GRID ? "网格" : "地区";
    const char *en = level == REGION_GRID ? "grid" : "region";
    ep_error_field(err, field, "%s%.0s %s 不存在", "%.0s%s %s not found", zh, en, code);
    not_found_code(err, was_clear);
    return 0;
}

int ref_region_visible(struct store *s, const char *scope, const char *code, int level,
                       struct region *r, struct ep_error *err)
{
    int code_level = code ? region_level_of_code(code) : 0;
    if (!code_level || (level && code_level != level) || !region_in_scope(code, scope))
        return 0;
    struct ep_error lookup;
    ep_error_clear(&lookup);
    struct region found;
    int rc = region_get(s, code, &found, &lookup);
    if (rc == -EP_ENOTFOUND)
        return 0;
    if (rc != 0)
        return *err = lookup, rc;
    if (r)
        *r = found;
    return 1;
}
