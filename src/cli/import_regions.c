/*
 * import_regions.c -- `epigrid import regions|grids FILE.csv`: custom
 * divisions and grids from a spreadsheet, UTF-8 or GBK (util/csvread.h
 * detects which).  The real counties, townships and villages come from
 * `epigrid init --city` (core/division.h); what a city adds by itself --
 * grids above all, ~13,000 of them in a city like Yongzhou -- comes from here.
 *
 *   regions: 编码/code, 名称/name*, 上级/parent -- a code, or a parent (its code
 *            or a name path 东安县/白牙市镇) under which the next free code is
 *            taken; both given, the code must hold the parent's.
 *            A row with 原编码/former_code (and 原名称/former_name*, 变更日期/
 *            changed_on) records that the region -- made by the row, or the
 *            existing one of that code and name -- had that code before
 *            (祁阳市 431181 was 祁阳县 431121 until 2021).
 *   grids:   村社区/village* (a 12-digit code or a name path
 *            东安县/白牙市镇/茶亭社区), 网格名称/name*, 责任人ID/responsible_person_id
 *            (a registered person: the grid's responsible, 包网格).  Each grid
 *            takes the next free 15-digit code under its village.
 *
 * One write for the file; each row in a write of its own nested in it (a
 * savepoint), checked and inserted by region_insert -- the same rules as
 * POST /api/v1/regions/bulk -- so rows may name parents made by earlier rows.
 * A bad row is reported with its line and field; if any row is bad, or with
 * --dry-run, nothing is written.  Otherwise one audit row for the file (the
 * responsible persons have their own, from org_grid_duty_set) and one commit;
 * then the rows made are printed on stdout as CSV (code, name, parent), so
 * the assigned codes can be put back into the spreadsheet.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/audit.h"
#include "core/org.h"
#include "core/region.h"
#include "core/write.h"
#include "util/buf.h"
#include "util/csvread.h"
#include "util/csvwrite.h"

static const char *HELP =
    "用法 usage: epigrid import regions|grids FILE.csv [--dry-run] [--db PATH]\n"
    "\n"
    "  regions: 编码/code, 名称/name*, 上级/parent(编码或名称路径,如 东安县/白牙市镇)\n"
    "           没有编码时取上级下一个空闲编码;编码与上级都给出时编码须含上级编码。\n"
    "           原编码/former_code, 原名称/former_name, 变更日期/changed_on:地区曾用的编码\n"
    "           (如 431181 祁阳市 原为 431121 祁阳县);该地区已存在时只登记原编码。\n"
    "  grids:   村社区/village*(12 位编码或名称路径,如 东安县/白牙市镇/茶亭社区),\n"
    "           网格名称/name*, 责任人ID/responsible_person_id\n"
    "           网格编码取所在村/社区下一个空闲的 15 位编码。\n"
    "  编码 UTF-8 或 GBK。有任何一行有误时不导入任何数据(退出码 1);--dry-run 只检查。\n"
    "  导入后在标准输出打印 编码,名称,上级编码。\n"
    "\n"
    "  Imports custom regions or grids (UTF-8 or GBK).  regions: a code, or a parent (code\n"
    "  or name path) under which the next free code is taken.  grids: a village (code or\n"
    "  name path), the grid's name, optionally its responsible person's id; each grid gets\n"
    "  the next free 15-digit code under its village.  former_code, former_name, changed_on:\n"
    "  a code the region had before (recorded alone when the region exists).\n"
    "  Nothing is imported if any row is\n"
    "  bad; --dry-run only checks.  Prints \"code,name,parent\" of the rows made on stdout.\n"
    "  See docs/import-export.md.";

struct column {
    const char *name;       /* machine name; also the field name in region_insert's errors */
    const char *zh;         /* Chinese header */
    const char *aliases[4]; /* other spellings */
    int required;
};

enum { R_CODE, R_NAME, R_PARENT, R_FORMER_CODE, R_FORMER_NAME, R_CHANGED_ON };
static const struct column region_columns[] = {
    {"code", "编码", {"地区编码", "区划代码", NULL}, 0},
    {"name", "名称", {"地区名称", NULL}, 1},
    {"parent", "上级", {"上级编码", "上级地区", "parent_code", NULL}, 0},
    {"former_code", "原编码", {"原区划代码", NULL}, 0},
    {"former_name", "原名称", {NULL}, 0},
    {"changed_on", "变更日期", {NULL}, 0},
};

enum { G_VILLAGE, G_NAME, G_RESPONSIBLE };
static const struct column grid_columns[] = {
    {"village", "村社区", {"村/社区", "村", "社区", "village_code"}, 1},
    {"name", "网格名称", {"网格", "名称", NULL}, 1},
    {"responsible_person_id", "责任人ID", {"责任人", NULL}, 0},
};

#define COLUMNS 6 /* at most */

struct run {
    int grids;                    /* 1: grids, 0: regions */
    const struct column *columns; /* grid_columns or region_columns */
    int ncolumns;
    int field_of_column[COLUMNS]; /* header field of each column, -1 when absent */
    char label[COLUMNS][96];      /* the header as written, for messages */
    int header_seen;
    struct store *s;
    struct auth_user user;
    struct actor who;
    struct write w;       /* the file's write: every row's nests in it */
    struct ep_error *err; /* a fatal error */
    int lang;
    long rows, imported, bad;
    long formers; /* former codes recorded */
    int per_level[REGION_GRID + 1];
    struct buf made;              /* "code,name,parent" lines of the rows made */
    char common[REGION_CODE_MAX]; /* longest prefix of every code made */
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

static int column_matches(const struct column *c, const char *h)
{
    if (strcasecmp(h, c->name) == 0 || strcmp(h, c->zh) == 0)
        return 1;
    for (int i = 0; i < 4 && c->aliases[i]; i++)
        if (strcasecmp(h, c->aliases[i]) == 0)
            return 1;
    return 0;
}

static int header(struct run *r, const struct csvread_field *f, size_t n)
{
    r->header_seen = 1;
    for (int c = 0; c < COLUMNS; c++)
        r->field_of_column[c] = -1;
    for (size_t i = 0; i < n; i++) {
        char *h = trimmed(&f[i]);
        int found = -1;
        for (int c = 0; c < r->ncolumns && found < 0; c++)
            if (column_matches(&r->columns[c], h))
                found = c;
        if (found < 0 && *h)
            ep_error_field(r->err, h, "第 %zu 列:未知的列名", "column %zu: unknown column name",
                           i + 1);
        else if (found >= 0 && r->field_of_column[found] >= 0)
            ep_error_field(r->err, h, "第 %zu 列:与第 %d 列重复", "column %zu: repeats column %d",
                           i + 1, r->field_of_column[found] + 1);
        else if (found >= 0) {
            r->field_of_column[found] = (int)i;
            snprintf(r->label[found], sizeof r->label[found], "%s", h);
        }
        free(h);
    }
    for (int c = 0; c < r->ncolumns; c++)
        if (r->columns[c].required && r->field_of_column[c] < 0)
            ep_error_field(r->err, r->columns[c].name, "缺少必需的列“%s”(%s)",
                           "required column %.0s%s is missing", r->columns[c].zh,
                           r->columns[c].name);
    if (!r->grids && r->field_of_column[R_CODE] < 0 && r->field_of_column[R_PARENT] < 0)
        ep_error_field(r->err, "code", "需要“编码”或“上级”列",
                       "a code or parent column is required");
    if (r->err->nfields)
        return ep_error_set(r->err, EP_EINVAL, "表头有误,未导入任何数据",
                            "bad header row; nothing imported");
    return 0;
}

/* The column a field error names, as the header spelled it. */
static const char *label_of(const struct run *r, const char *field)
{
    const char *name = strcmp(field, "parent") == 0 && r->grids ? "village" : field;
    for (int c = 0; c < r->ncolumns; c++)
        if (strcmp(r->columns[c].name, name) == 0 && r->field_of_column[c] >= 0)
            return r->label[c];
    return field;
}

static void report(const struct run *r, long line, const struct ep_error *e)
{
    int en = r->lang == EP_LANG_EN;
    if (e->nfields == 0)
        fprintf(stderr, en ? "line %ld: %s\n" : "第 %ld 行: %s\n", line,
                ep_error_message(e, r->lang));
    for (int i = 0; i < e->nfields; i++)
        fprintf(stderr, en ? "line %ld: %s: %s\n" : "第 %ld 行: %s: %s\n", line,
                label_of(r, e->fields[i].field), e->fields[i].msg[r->lang]);
}

/* Excel users type an apostrophe to keep digits as text; it is not data. */
static const char *strip_apostrophe(const char *v)
{
    return v && (v[0] == '\'' || v[0] == '`') && v[1] ? v + 1 : v;
}

static void note_made(struct run *r, const struct region *made)
{
    if (!made->level)
        return; /* a row that only recorded a former code */
    const char *const fields[] = {made->code, made->name, made->parent_code};
    csvwrite_row(&r->made, fields, 3);
    if (r->imported == 0)
        snprintf(r->common, sizeof r->common, "%s", made->code);
    size_t k = 0;
    while (r->common[k] && r->common[k] == made->code[k])
        k++;
    r->common[k] = '\0';
    r->per_level[made->level]++;
    r->imported++;
}

/* A row with a former code: the region (made by the row unless it exists,
 * then under the same name) keeps the code and name it had. */
static void former_row(struct run *r, struct write *w, char **v, struct region *made)
{
    struct ep_error *e = w->err;
    const char *code = strip_apostrophe(v[R_CODE]);
    if (!code)
        ep_error_field(e, "code", "有原编码时必填", "is required with a former code");
    if (!v[R_FORMER_CODE])
        ep_error_field(e, "former_code", "有原名称或变更日期时必填",
                       "is required with a former name or date");
    if (write_check(w) != 0)
        return;
    struct ep_error lookup;
    ep_error_clear(&lookup);
    if (region_get(r->s, code, made, &lookup) == 0 && region_in_scope(code, r->who.user->scope)) {
        if (!v[R_NAME] || strcmp(made->name, v[R_NAME]) != 0) {
            ep_error_field(e, "name", "与现有地区 %s 的名称“%s”不符",
                           "differs from the name of region %s (%s)", code, made->name);
            write_check(w);
            return;
        }
        made->level = 0; /* nothing made: the row only records the former code */
    } else {
        struct region_input in = {
            .code = code, .parent = strip_apostrophe(v[R_PARENT]), .name = v[R_NAME]};
        if (region_insert(w, &in, made) != 0)
            return;
    }
    struct region_former f = {0};
    snprintf(f.code, sizeof f.code, "%s", strip_apostrophe(v[R_FORMER_CODE]));
    snprintf(f.name, sizeof f.name, "%s", v[R_FORMER_NAME] ? v[R_FORMER_NAME] : "");
    snprintf(f.changed_on, sizeof f.changed_on, "%s", v[R_CHANGED_ON] ? v[R_CHANGED_ON] : "");
    if (v[R_CHANGED_ON] && strlen(v[R_CHANGED_ON]) >= sizeof f.changed_on)
        f.changed_on[0] = 'x'; /* too long: refused by its form */
    if (strlen(strip_apostrophe(v[R_FORMER_CODE])) >= sizeof f.code)
        f.code[0] = 'x'; /* too long: refused by its form */
    if (region_former_add(w, code, &f) == 0)
        r->formers++;
}

/* One data row in a write of its own: 0 made, 1 bad (reported), <0 fatal. */
static int row(struct run *r, char **v, long line)
{
    struct ep_error e;
    ep_error_clear(&e);
    struct write w;
    if (write_begin(&w, r->s, &r->who, NULL, NULL, NULL, &e) != 0)
        return *r->err = e, w.rc;
    struct region made = {0};
    int64_t responsible = 0;
    if (r->grids) {
        const char *person = v[G_RESPONSIBLE];
        if (person) {
            char *end;
            long long id = strtoll(person, &end, 10);
            responsible = *end || id <= 0 ? -1 : id;
            if (responsible < 0)
                ep_error_field(&e, "responsible_person_id", "应为正整数",
                               "must be a positive integer");
        }
        struct region_input in = {
            .parent = strip_apostrophe(v[G_VILLAGE]), .name = v[G_NAME], .level = REGION_GRID};
        if (write_check(&w) == 0)
            region_insert(&w, &in, &made);
    } else if (v[R_FORMER_CODE] || v[R_FORMER_NAME] || v[R_CHANGED_ON]) {
        former_row(r, &w, v, &made);
    } else {
        struct region_input in = {.code = strip_apostrophe(v[R_CODE]),
                                  .parent = strip_apostrophe(v[R_PARENT]),
                                  .name = v[R_NAME]};
        region_insert(&w, &in, &made);
    }
    if (write_ok(&w) && responsible > 0) {
        json_t *duty = NULL;
        write_fail(&w,
                   org_grid_duty_set(r->s, &r->who, made.code, responsible, NULL, 0, &duty, &e));
        json_decref(duty);
    }
    if (write_end(&w, 0) == 0) {
        note_made(r, &made);
        return 0;
    }
    if (e.code == EP_EINTERNAL || e.code == EP_EUNAVAILABLE)
        return *r->err = e, -e.code;
    report(r, line, &e);
    return 1;
}

static int on_record(const struct csvread_field *f, size_t n, long line, void *ctx)
{
    struct run *r = ctx;
    if (!r->header_seen)
        return header(r, f, n);
    char *v[COLUMNS] = {0};
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
    if (!empty) { /* Excel writes ",,," for rows that once held something */
        r->rows++;
        rc = row(r, v, line);
        if (rc == 1)
            r->bad++, rc = 0;
    }
    for (int c = 0; c < COLUMNS; c++)
        free(v[c]);
    return rc;
}

/* The deepest whole region code that is a prefix of "common" ("" if none). */
static void region_of_prefix(const char *common, char out[REGION_CODE_MAX])
{
    size_t len = strlen(common);
    out[0] = '\0';
    for (int level = REGION_GRID; level >= REGION_CITY; level--) {
        size_t l = (size_t)region_code_length(level);
        if (l <= len) {
            memcpy(out, common, l);
            out[l] = '\0';
            return;
        }
    }
}

/* The file's audit row, then the end of its write. */
static int finish(struct run *r, const char *path, int encoding)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char region[REGION_CODE_MAX];
    region_of_prefix(r->common, region);
    json_t *after = json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:{s:i, s:i, s:i, s:i, s:i}, s:s}", "file", base, "path", path,
        "encoding", csvread_encoding_name(encoding), "rows", (json_int_t)r->rows, "former_codes",
        (json_int_t)r->formers, "created", "city", r->per_level[REGION_CITY], "county",
        r->per_level[REGION_COUNTY], "township", r->per_level[REGION_TOWNSHIP], "village",
        r->per_level[REGION_VILLAGE], "grid", r->per_level[REGION_GRID], "created_at", r->w.now);
    write_audit_key(&r->w, "import", r->grids ? "grid" : "region", base, region, NULL, after);
    json_decref(after);
    return write_end(&r->w, 0);
}

int cli_import_regions(int argc, char **argv)
{
    const char *db = NULL;
    int dry_run = 0;
    const struct cli_option opts[] = {
        {"db", 'd', &db, NULL}, {"dry-run", 'n', NULL, &dry_run}, {NULL, 0, NULL, NULL}};
    int status = cli_options_parse(argc, argv, opts, HELP, 0);
    if (status >= 0)
        return status;
    if (argc - optind != 2 ||
        (strcmp(argv[optind], "regions") != 0 && strcmp(argv[optind], "grids") != 0)) {
        fprintf(stderr, "%s\n", HELP);
        return CLI_USAGE;
    }
    struct run r;
    memset(&r, 0, sizeof r);
    r.grids = strcmp(argv[optind], "grids") == 0;
    r.columns = r.grids ? grid_columns : region_columns;
    r.ncolumns = r.grids ? (int)(sizeof grid_columns / sizeof *grid_columns)
                         : (int)(sizeof region_columns / sizeof *region_columns);
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
    buf_init(&r.made);
    audit_cli_actor(&r.user, &r.who);
    struct ep_error err;
    ep_error_clear(&err);
    r.err = &err;
    int encoding = CSVREAD_ASCII;
    status = CLI_FAIL;
    int rc = write_begin(&r.w, r.s, &r.who, NULL, NULL, NULL, &err);
    if (rc == 0)
        rc = csvread_file(f, on_record, &r, &encoding, &err);
    if (rc == 0 && !r.header_seen)
        rc = ep_error_set(&err, EP_EINVAL, "文件为空:第一行应为表头",
                          "empty file: the first row must be the header");
    const char *what = r.grids ? (en ? "grids" : "网格") : (en ? "regions" : "地区");
    if (rc != 0) {
        write_abort(&r.w);
        cli_print_error(&err);
    } else if (r.bad) {
        write_abort(&r.w);
        fprintf(stderr,
                en ? "epigrid: %ld of %ld rows are bad; nothing imported\n"
                   : "epigrid: %ld 行有误(共 %ld 行),未导入任何数据\n",
                r.bad, r.rows);
    } else if (dry_run) {
        write_abort(&r.w);
        fprintf(stderr,
                en ? "epigrid: dry run: %ld rows good, %s made: %ld (%s); nothing written\n"
                   : "epigrid: 试运行:%ld 行均正确,可新建的%s:%ld 个(%s 编码);未写入任何数据\n",
                r.rows, what, r.imported, csvread_encoding_name(encoding));
        status = CLI_OK;
    } else if (r.imported == 0 && r.formers == 0) {
        write_abort(&r.w);
        fprintf(stderr, en ? "epigrid: no rows to import\n" : "epigrid: 没有可导入的数据\n");
        status = CLI_OK;
    } else if (finish(&r, path, encoding) != 0) {
        cli_print_error(&err);
    } else {
        const char *const title[] = {en ? "code" : "编码", en ? "name" : "名称",
                                     en ? "parent" : "上级编码"};
        struct buf head;
        buf_init(&head);
        csvwrite_row(&head, title, 3);
        fputs(head.data, stdout);
        buf_cleanup(&head);
        if (r.made.len)
            fwrite(r.made.data, 1, r.made.len, stdout);
        fprintf(stderr,
                en ? "epigrid: %s imported from %s (%s): %ld\n"
                   : "epigrid: 已导入%s(%s,%s 编码):%ld 个\n",
                what, path, csvread_encoding_name(encoding), r.imported);
        status = fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
    }
    buf_cleanup(&r.made);
    store_close(r.s);
    fclose(f);
    return status;
}
