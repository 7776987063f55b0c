/*
 * import_orgs.c -- `epigrid import orgs|members FILE.csv`: party
 * organisations and their members from the spreadsheets an organisation
 * department keeps, UTF-8 or GBK (util/csvread.h detects which).
 *
 * The frame (one transaction, a savepoint per row, bad rows by line,
 * --skip-bad, --dry-run) is cli/sheet.h; each row is checked and written by
 * the domain (org_insert / org_member_insert: the same rules, counters and
 * audit rows as the API).
 *
 * orgs:    编号/ref (a local reference), 名称/name*, 类别/kind* (常设/临时/流动 or
 *          regular/temporary/mobile), 地区编码/region_code*, 上级编号/parent_ref
 *          (a ref of an earlier row) or 上级ID/parent_id, 驻地/location,
 *          成立日期/founded_date*.  Prints "ref,id" for rows with a ref.
 * members: 党组织ID/org_id*, 身份证号/id_number* (a registered person),
 *          职务/role (书记/副书记/委员/党员/预备党员 or the machine names; default
 *          党员), 加入日期/joined_date.
 */
#include <getopt.h> /* optind */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/sheet.h"
#include "core/org.h"

#define REFS_MAX 100000

static const char *HELP =
    "用法 usage: epigrid import orgs|members FILE.csv [--skip-bad] [--dry-run] [--db PATH]\n"
    "\n"
    "  orgs:    编号/ref, 名称/name*, 类别/kind* (常设/临时/流动), 地区编码/region_code*,\n"
    "           上级编号/parent_ref 或 上级ID/parent_id, 驻地/location, 成立日期/founded_date*\n"
    "  members: 党组织ID/org_id*, 身份证号/id_number*, 职务/role "
    "(书记/副书记/委员/党员/预备党员),\n"
    "           加入日期/joined_date\n"
    "  编码 UTF-8 或 GBK。有任何一行有误时不导入任何数据(退出码 1);--skip-bad 导入其余行。\n"
    "  Imports party organisations or members (UTF-8 or GBK).  Nothing is imported if any\n"
    "  row is bad unless --skip-bad; --dry-run only checks.  orgs prints \"ref,id\" pairs.";

enum { O_REF, O_NAME, O_KIND, O_REGION, O_PARENT_REF, O_PARENT_ID, O_LOCATION, O_FOUNDED };
static const struct sheet_column org_columns[] = {
    {"ref", "编号", {NULL}, 0},
    {"name", "名称", {"党组织名称"}, 1},
    {"kind", "类别", {"类型"}, 1},
    {"region_code", "地区编码", {NULL}, 1},
    {"parent_ref", "上级编号", {NULL}, 0},
    {"parent_id", "上级ID", {NULL}, 0},
    {"location", "驻地", {NULL}, 0},
    {"founded_date", "成立日期", {NULL}, 1},
};

enum { M_ORG_ID, M_ID_NUMBER, M_ROLE, M_JOINED };
static const struct sheet_column member_columns[] = {
    {"org_id", "党组织ID", {NULL}, 1},
    {"id_number", "身份证号", {"身份证号码"}, 1},
    {"role", "职务", {NULL}, 0},
    {"joined_date", "加入日期", {NULL}, 0},
};

struct ref {
    char *key;  /* the row's ref (heap) */
    int64_t id; /* the organisation created */
};

struct refs {
    struct ref *refs;
    size_t nrefs;
};

static const char *kind_code(const char *v)
{
    if (!v)
        return NULL;
    if (!strcmp(v, "常设") || !strcmp(v, "常设党组织") || !strcmp(v, "党支部") ||
        !strcmp(v, "党委") || !strcmp(v, "党总支"))
        return "regular";
    if (!strcmp(v, "临时") || !strcmp(v, "临时党支部") || !strcmp(v, "临时党组织"))
        return "temporary";
    if (!strcmp(v, "流动") || !strcmp(v, "流动党组织") || !strcmp(v, "流动党支部"))
        return "mobile";
    return v;
}

static const char *role_code(const char *v)
{
    if (!v || !*v || !strcmp(v, "党员"))
        return "member";
    if (!strcmp(v, "书记"))
        return "secretary";
    if (!strcmp(v, "副书记"))
        return "deputy_secretary";
    if (!strcmp(v, "委员"))
        return "committee";
    if (!strcmp(v, "预备党员"))
        return "probationary";
    return v;
}

/* One organisation row. */
static int org_row(struct sheet *sh, char **v, long line, struct ep_error *e)
{
    (void)line;
    struct refs *r = sh->ctx;
    struct write w;
    if (write_begin(&w, sh->s, &sh->who, NULL, NULL, NULL, e) != 0)
        return w.rc;
    int64_t parent = sheet_id(v[O_PARENT_ID]), id = 0;
    if (parent < 0)
        ep_error_field(e, "parent_id", "应为正整数", "must be a positive integer");
    if (v[O_PARENT_REF]) {
        parent = -1;
        for (size_t i = 0; i < r->nrefs && parent < 0; i++)
            if (strcmp(r->refs[i].key, v[O_PARENT_REF]) == 0)
                parent = r->refs[i].id;
        if (parent < 0)
            ep_error_field(e, "parent_ref", "上级编号 %s 不在前面的行中",
                           "parent_ref %s is not a ref of an earlier row", v[O_PARENT_REF]);
    }
    for (size_t i = 0; v[O_REF] && i < r->nrefs; i++)
        if (strcmp(r->refs[i].key, v[O_REF]) == 0)
            ep_error_field(e, "ref", "编号 %s 重复", "ref %s is repeated", v[O_REF]);
    int rc = -e->code;
    if (!e->code) {
        struct org_input in = {v[O_NAME], kind_code(v[O_KIND]), v[O_REGION],
                               parent,    v[O_LOCATION],        v[O_FOUNDED]};
        rc = org_insert(&w, &in, &id);
    }
    write_fail(&w, rc);
    if (write_end(&w, 0) != 0)
        return e->code == EP_EINTERNAL || e->code == EP_EUNAVAILABLE ? -e->code : 1;
    if (v[O_REF] && r->nrefs < REFS_MAX) {
        struct ref *more = realloc(r->refs, (r->nrefs + 1) * sizeof *more);
        if (!more)
            abort();
        r->refs = more;
        r->refs[r->nrefs].key = strdup(v[O_REF]);
        r->refs[r->nrefs++].id = id;
    }
    return 0;
}

/* One member row. */
static int member_row(struct sheet *sh, char **v, long line, struct ep_error *e)
{
    (void)line;
    struct write w;
    if (write_begin(&w, sh->s, &sh->who, NULL, NULL, NULL, e) != 0)
        return w.rc;
    int64_t org = sheet_id(v[M_ORG_ID]), person = 0;
    if (org <= 0)
        ep_error_field(e, "org_id", "应为正整数", "must be a positive integer");
    struct store_stmt *st = write_prepare(&w, "SELECT id FROM persons WHERE id_number = upper(?)");
    if (!st) {
        write_end(&w, 0);
        return -EP_EINTERNAL;
    }
    store_bind_text(st, 1, v[M_ID_NUMBER] ? v[M_ID_NUMBER] : "");
    if (store_step(st, e) == STORE_ROW)
        person = store_column_int64(st, 0);
    store_stmt_reset(st);
    if (!person)
        ep_error_field(e, "id_number", "身份证号 %s 未登记", "ID number %s is not registered",
                       v[M_ID_NUMBER] ? v[M_ID_NUMBER] : "");
    int rc = -e->code;
    if (!e->code) {
        struct org_member_input in = {person, role_code(v[M_ROLE]), v[M_JOINED]};
        int64_t id;
        rc = org_member_insert(&w, org, &in, &id);
    }
    write_fail(&w, rc);
    if (write_end(&w, 0) != 0)
        return e->code == EP_EINTERNAL || e->code == EP_EUNAVAILABLE ? -e->code : 1;
    return 0;
}

/* After the commit: "ref,id" of each organisation that had a ref. */
static void print_refs(struct sheet *sh)
{
    const struct refs *r = sh->ctx;
    for (size_t i = 0; i < r->nrefs; i++)
        printf("%s,%lld\n", r->refs[i].key, (long long)r->refs[i].id);
}

int cli_import_orgs(int argc, char **argv)
{
    const char *db;
    int skip_bad, dry_run;
    int rc = sheet_options(argc, argv, HELP, &db, &skip_bad, &dry_run);
    if (rc >= 0)
        return rc;
    if (strcmp(argv[optind], "orgs") != 0 && strcmp(argv[optind], "members") != 0) {
        return cli_usage(HELP);
    }
    int orgs = strcmp(argv[optind], "orgs") == 0;
    struct refs refs = {NULL, 0};
    struct sheet sh = {
        .columns = orgs ? org_columns : member_columns,
        .ncolumns = orgs ? (int)(sizeof org_columns / sizeof *org_columns)
                         : (int)(sizeof member_columns / sizeof *member_columns),
        .row = orgs ? org_row : member_row,
        .committed = orgs ? print_refs : NULL,
        .ctx = &refs,
        .what_zh = orgs ? "党组织" : "党员",
        .what_en = orgs ? "organisations" : "members",
    };
    int status = sheet_import(&sh, argv[optind + 1], db, skip_bad, dry_run);
    for (size_t i = 0; i < refs.nrefs; i++)
        free(refs.refs[i].key);
    free(refs.refs);
    return status;
}
