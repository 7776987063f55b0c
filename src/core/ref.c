/*
 * ref.c -- visibility of referenced records (see ref.h): one table, one
 * statement per kind that yields the record's region code, one rule.
 */
#include "core/ref.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

enum ref_rule {
    RULE_INSIDE, /* the record's region lies in the scope */
    RULE_PATH,   /* ... or is an ancestor of the scope */
    RULE_EITHER, /* the record's region or its second one (column 1) lies in the scope */
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
    [REF_CONTACT] = {"contact", "密切接触者", "contact",
                     "SELECT grid_code, source_grid FROM contacts WHERE id = ?", RULE_EITHER},
    [REF_SITE] = {"site", "收治/隔离场所", "site", "SELECT region_code FROM sites WHERE id = ?",
                  RULE_PATH},
    [REF_ROUND] = {"round", "排查轮次", "screening round",
                   "SELECT region_code FROM rounds WHERE id = ?", RULE_PATH},
    [REF_ORG] = {"org", "党组织", "organisation", "SELECT region_code FROM orgs WHERE id = ?",
                 RULE_INSIDE},
    [REF_TEAM] = {"team", "队伍", "team", "SELECT region_code FROM teams WHERE id = ?",
                  RULE_INSIDE},
    [REF_APPLICATION] = {"application", "请战申请", "application",
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
    [REF_DIRECTIVE] = {"directive", "指令", "directive",
                       "SELECT target_region FROM directives WHERE id = ?", RULE_PATH},
    [REF_INSPECTION] = {"inspection", "督查", "inspection",
                        "SELECT region_code FROM inspections WHERE id = ?", RULE_INSIDE},
    [REF_FINDING] = {"finding", "督查问题", "finding",
                     "SELECT region_code FROM inspection_findings WHERE id = ?", RULE_INSIDE},
    [REF_BROADCAST] = {"broadcast", "广播", "broadcast",
                       "SELECT region_code FROM broadcasts WHERE id = ?", RULE_PATH},
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

int ref_visible(struct store *s, const char *scope, int kind, int64_t id,
                char region_out[REGION_CODE_MAX], struct ep_error *err)
{
    assert(kind >= 0 && kind < REF_KIND_COUNT && specs[kind].sql);
    if (id <= 0)
        return 0;
    struct store_stmt *st = store_prepare(s, specs[kind].sql, err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc = store_step(st, err);
    int visible = 0;
    if (rc == STORE_ROW) {
        const char *region = store_column_text(st, 0);
        visible =
            region_in_scope(region, scope) ||
            (specs[kind].rule == RULE_PATH && region_in_scope(scope, region)) ||
            (specs[kind].rule == RULE_EITHER && region_in_scope(store_column_text(st, 1), scope));
        if (visible && region_out)
            snprintf(region_out, REGION_CODE_MAX, "%s", region);
    }
    store_stmt_reset(st);
    return rc < 0 ? rc : visible;
}

int ref_not_found(struct ep_error *err, int kind, int64_t id)
{
    assert(kind >= 0 && kind < REF_KIND_COUNT);
    return ep_error_set(err, EP_ENOTFOUND, "%s%.0s %lld 不存在", "%.0s%s %lld not found",
                        specs[kind].zh, specs[kind].en, (long long)id);
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
    int was_clear = err->code == EP_OK;
    int code_level = code ? region_level_of_code(code) : 0;
    int visible = code_level && (!level || code_level == level) && region_in_scope(code, scope);
    struct region found;
    if (visible) {
        struct ep_error lookup;
        ep_error_clear(&lookup);
        int rc = region_get(s, code, &found, &lookup);
        if (rc != 0 && rc != -EP_ENOTFOUND)
            return *err = lookup, rc;
        visible = rc == 0;
    }
    if (visible) {
        if (r)
            *r = found;
        return 1;
    }
    const char *zh = level == REGION_GRID ? "网格" : "地区";
    const char *en = level == REGION_GRID ? "grid" : "region";
    ep_error_field(err, field, "%s%.0s %s 不存在", "%.0s%s %s not found", zh, en, code ? code : "");
    not_found_code(err, was_clear);
    return 0;
}
