/*
 * import_orgs.c -- `epigrid import orgs|members FILE.csv`: party
 * organisations and their members from the spreadsheets an organisation
 * department keeps, UTF-8 or GBK (util/csvread.h detects which).
 *
 * One transaction for the file; each row in a savepoint of its own, checked
 * and written by the domain (org_insert / org_member_insert: the same rules,
 * counters and audit rows as the API).  A bad row is reported with its line
 * and field; if any row is bad (and --skip-bad is not given), or with
 * --dry-run, everything is rolled back.
 *
 * orgs:    编号/ref (a local reference), 名称/name*, 类别/kind* (常设/临时/流动 or
 *          regular/temporary/mobile), 地区编码/region_code*, 上级编号/parent_ref
 *          (a ref of an earlier row) or 上级ID/parent_id, 驻地/location,
 *          成立日期/founded_date*.  Prints "ref,id" for rows with a ref.
 * members: 党组织ID/org_id*, 身份证号/id_number* (a registered person),
 *          职务/role (书记/副书记/委员/党员/预备党员 or the machine names; default
 *          党员), 加入日期/joined_date.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/audit.h"
#include "core/org.h"
#include "util/csvread.h"

#define ORG_COLUMNS_MAX 8
#define REFS_MAX        100000

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

struct column {
    const char *name, *zh, *alias;
    int required;
};

enum { O_REF, O_NAME, O_KIND, O_REGION, O_PARENT_REF, O_PARENT_ID, O_LOCATION, O_FOUNDED };
static const struct column org_columns[] = {
    {"ref", "编号", NULL, 0},
    {"name", "名称", "党组织名称", 1},
    {"kind", "类别", "类型", 1},
    {"region_code", "地区编码", NULL, 1},
    {"parent_ref", "上级编号", NULL, 0},
    {"parent_id", "上级ID", NULL, 0},
    {"location", "驻地", NULL, 0},
    {"founded_date", "成立日期", NULL, 1},
};

enum { M_ORG_ID, M_ID_NUMBER, M_ROLE, M_JOINED };
static const struct column member_columns[] = {
    {"org_id", "党组织ID", NULL, 1},
    {"id_number", "身份证号", "身份证号码", 1},
    {"role", "职务", NULL, 0},
    {"joined_date", "加入日期", NULL, 0},
};

struct ref {
    char *key;  /* the row's ref (heap) */
    int64_t id; /* the organisation created */
};

struct run {
    int orgs; /* 1: orgs, 0: members */
    const struct column *columns;
    int ncolumns;
    int field_of_column[ORG_COLUMNS_MAX];
    int header_seen;
    struct store *s;
    struct actor who;
    struct ep_error *err;
    int lang;
    long rows, imported, bad;
    struct ref *refs;
    size_t nrefs;
};

static char *trimmed(const struct csvread_field *f)
{
    const char *p = f->ptr;
    size_t len = f->len;
    while (len && (*p == ' ' || *p == '\t'))
        p++, len--;
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
        len--;
    char *out = malloc(len + 1);
    if (!out)
        abort();
    memcpy(out, p, len);
    out[len] = '\0';
    return out;
}

static int header(struct run *r, const struct csvread_field *f, size_t n)
{
    r->header_seen = 1;
    for (int c = 0; c < ORG_COLUMNS_MAX; c++)
        r->field_of_column[c] = -1;
    for (size_t i = 0; i < n; i++) {
        char *h = trimmed(&f[i]);
        int found = -1;
        for (int c = 0; c < r->ncolumns && found < 0; c++)
            if (strcasecmp(h, r->columns[c].name) == 0 || strcmp(h, r->columns[c].zh) == 0 ||
                (r->columns[c].alias && strcmp(h, r->columns[c].alias) == 0))
                found = c;
        if (found < 0 && *h)
            ep_error_field(r->err, h, "第 %zu 列:未知的列名", "column %zu: unknown column name",
                           i + 1);
        else if (found >= 0)
            r->field_of_column[found] = (int)i;
        free(h);
    }
    for (int c = 0; c < r->ncolumns; c++)
        if (r->columns[c].required && r->field_of_column[c] < 0)
            ep_error_field(r->err, r->columns[c].name, "缺少必需的列“%s”(%s)",
                           "required column %.0s%s is missing", r->columns[c].zh,
                           r->columns[c].name);
    if (r->err->nfields)
        return ep_error_set(r->err, EP_EINVAL, "表头有误,未导入任何数据",
                            "bad header row; nothing imported");
    return 0;
}

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

static void report(const struct run *r, long line, const struct ep_error *e)
{
    int en = r->lang == EP_LANG_EN;
    if (e->nfields == 0)
        fprintf(stderr, en ? "line %ld: %s\n" : "第 %ld 行: %s\n", line,
                ep_error_message(e, r->lang));
    for (int i = 0; i < e->nfields; i++)
        fprintf(stderr, en ? "line %ld: %s: %s\n" : "第 %ld 行: %s: %s\n", line, e->fields[i].field,
                e->fields[i].msg[r->lang]);
}

static int64_t parse_id(const char *v)
{
    if (!v || !*v)
        return 0;
    char *end;
    long long n = strtoll(v, &end, 10);
    return *end || n <= 0 ? -1 : n;
}

/* One data row in a savepoint: 0 imported, 1 bad (reported), <0 fatal. */
static int row(struct run *r, char **v, long line)
{
    struct ep_error e;
    ep_error_clear(&e);
    int rc;
    struct write w;
    if (write_begin(&w, r->s, &r->who, NULL, NULL, NULL, &e) != 0)
        return *r->err = e, w.rc;
    if (r->orgs) {
        int64_t parent = parse_id(v[O_PARENT_ID]);
        if (parent < 0)
            ep_error_field(&e, "parent_id", "应为正整数", "must be a positive integer");
        if (v[O_PARENT_REF] && *v[O_PARENT_REF]) {
            parent = -1;
            for (size_t i = 0; i < r->nrefs && parent < 0; i++)
                if (strcmp(r->refs[i].key, v[O_PARENT_REF]) == 0)
                    parent = r->refs[i].id;
            if (parent < 0)
                ep_error_field(&e, "parent_ref", "上级编号 %s 不在前面的行中",
                               "parent_ref %s is not a ref of an earlier row", v[O_PARENT_REF]);
        }
        int64_t id = 0;
        if (e.code)
            rc = -e.code;
        else {
            struct org_input in = {v[O_NAME],
                                   kind_code(v[O_KIND]),
                                   v[O_REGION],
                                   parent,
                                   v[O_LOCATION] && *v[O_LOCATION] ? v[O_LOCATION] : NULL,
                                   v[O_FOUNDED]};
            rc = org_insert(&w, &in, &id);
        }
        if (rc == 0 && v[O_REF] && *v[O_REF]) {
            for (size_t i = 0; i < r->nrefs; i++)
                if (strcmp(r->refs[i].key, v[O_REF]) == 0) {
                    ep_error_field(&e, "ref", "编号 %s 重复", "ref %s is repeated", v[O_REF]);
                    rc = -EP_EINVAL;
                }
            if (rc == 0 && r->nrefs < REFS_MAX) {
                struct ref *more = realloc(r->refs, (r->nrefs + 1) * sizeof *more);
                if (!more)
                    abort();
                r->refs = more;
                r->refs[r->nrefs].key = strdup(v[O_REF]);
                r->refs[r->nrefs++].id = id;
            }
        }
    } else {
        int64_t org = parse_id(v[M_ORG_ID]), person = 0;
        if (org <= 0)
            ep_error_field(&e, "org_id", "应为正整数", "must be a positive integer");
        struct store_stmt *st =
            store_prepare(r->s, "SELECT id FROM persons WHERE id_number = upper(?)", &e);
        if (!st) {
            write_end(&w, 0);
            return *r->err = e, -EP_EINTERNAL;
        }
        store_bind_text(st, 1, v[M_ID_NUMBER] ? v[M_ID_NUMBER] : "");
        if (store_step(st, &e) == STORE_ROW)
            person = store_column_int64(st, 0);
        store_stmt_reset(st);
        if (!person)
            ep_error_field(&e, "id_number", "身份证号 %s 未登记", "ID number %s is not registered",
                           v[M_ID_NUMBER] ? v[M_ID_NUMBER] : "");
        if (e.code)
            rc = -e.code;
        else {
            struct org_member_input in = {person, role_code(v[M_ROLE]),
                                          v[M_JOINED] && *v[M_JOINED] ? v[M_JOINED] : NULL};
            int64_t id;
            rc = org_member_insert(&w, org, &in, &id);
        }
    }
    write_fail(&w, rc);
    if (write_end(&w, 0) == 0)
        return 0;
    if (e.code == EP_EINTERNAL || e.code == EP_EUNAVAILABLE)
        return *r->err = e, rc;
    report(r, line, &e);
    return 1;
}

static int on_record(const struct csvread_field *f, size_t n, long line, void *ctx)
{
    struct run *r = ctx;
    if (!r->header_seen)
        return header(r, f, n);
    char *v[ORG_COLUMNS_MAX] = {0};
    int empty = 1;
    for (int c = 0; c < r->ncolumns; c++) {
        int i = r->field_of_column[c];
        if (i >= 0 && (size_t)i < n) {
            v[c] = trimmed(&f[i]);
            if (*v[c])
                empty = 0;
            else {
                free(v[c]);
                v[c] = NULL;
            }
        }
    }
    int rc = 0;
    if (!empty) {
        r->rows++;
        rc = row(r, v, line);
        if (rc == 0)
            r->imported++;
        else if (rc == 1)
            r->bad++, rc = 0;
    }
    for (int c = 0; c < r->ncolumns; c++)
        free(v[c]);
    return rc;
}

int cli_import_orgs(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"skip-bad", no_argument, 0, 's'},
                                         {"dry-run", no_argument, 0, 'n'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL;
    int skip_bad = 0, dry_run = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:snh", opts, NULL)) != -1) {
        if (c == 'd')
            db = optarg;
        else if (c == 's')
            skip_bad = 1;
        else if (c == 'n')
            dry_run = 1;
        else if (c == 'h')
            return puts(HELP), CLI_OK;
        else
            return CLI_USAGE;
    }
    if (argc - optind != 2 ||
        (strcmp(argv[optind], "orgs") != 0 && strcmp(argv[optind], "members") != 0)) {
        fprintf(stderr, "%s\n", HELP);
        return CLI_USAGE;
    }
    struct run r;
    memset(&r, 0, sizeof r);
    r.orgs = strcmp(argv[optind], "orgs") == 0;
    r.columns = r.orgs ? org_columns : member_columns;
    r.ncolumns = r.orgs ? (int)(sizeof org_columns / sizeof *org_columns)
                        : (int)(sizeof member_columns / sizeof *member_columns);
    r.lang = cli_lang();
    int en = r.lang == EP_LANG_EN;
    const char *path = argv[optind + 1];
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, en ? "epigrid: cannot open %s\n" : "epigrid: 无法打开文件 %s\n", path);
        return CLI_FAIL;
    }
    r.s = cli_open_store(cli_db_path(db), 0);
    if (!r.s) {
        fclose(f);
        return CLI_FAIL;
    }
    struct auth_user user;
    audit_cli_actor(&user, &r.who);
    struct ep_error err;
    ep_error_clear(&err);
    r.err = &err;
    int status = CLI_FAIL, encoding = CSVREAD_ASCII;
    int rc = store_begin(r.s, &err);
    if (rc == 0)
        rc = csvread_file(f, on_record, &r, &encoding, &err);
    if (rc == 0 && !r.header_seen)
        rc = ep_error_set(&err, EP_EINVAL, "文件为空:第一行应为表头",
                          "empty file: the first row must be the header");
    if (rc != 0) {
        store_rollback(r.s);
        cli_print_error(&err);
    } else if ((r.bad && !skip_bad) || dry_run) {
        store_rollback(r.s);
        if (r.bad && !skip_bad)
            fprintf(stderr,
                    en ? "epigrid: %ld of %ld rows are bad; nothing imported\n"
                       : "epigrid: %ld 行中有 %ld 行有误,未导入任何数据\n",
                    en ? r.bad : r.rows, en ? r.rows : r.bad);
        else {
            fprintf(stderr,
                    en ? "epigrid: dry run: %ld rows good, %ld bad (%s)\n"
                       : "epigrid: 仅检查:%ld 行正确,%ld 行有误(%s)\n",
                    r.imported, r.bad, csvread_encoding_name(encoding));
            status = r.bad ? CLI_FAIL : CLI_OK;
        }
    } else if (store_commit(r.s, &err) != 0) {
        cli_print_error(&err);
    } else {
        if (r.orgs)
            for (size_t i = 0; i < r.nrefs; i++)
                printf("%s,%lld\n", r.refs[i].key, (long long)r.refs[i].id);
        fprintf(stderr,
                en ? "epigrid: imported %ld %s (%ld bad rows skipped; %s)\n"
                   : "epigrid: 已导入 %ld 条%s(跳过 %ld 行有误的数据;编码 %s)\n",
                r.imported,
                en ? (r.orgs ? "organisations" : "members") : (r.orgs ? "党组织" : "党员"), r.bad,
                csvread_encoding_name(encoding));
        status = CLI_OK;
    }
    for (size_t i = 0; i < r.nrefs; i++)
        free(r.refs[i].key);
    free(r.refs);
    store_close(r.s);
    fclose(f);
    return status;
}
