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
 *            (a registered person: the grid's responsible, 包网格), 网格编码/code
 *            (the columns of `epigrid export grids`).  A grid takes the code
 *            given, else the next free 15-digit code under its village.
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
#include <string.h>

#include "cli/cli.h"
#include "cli/sheet.h"
#include "core/audit.h"
#include "core/org.h"
#include "core/region.h"
#include "core/write.h"
#include "util/buf.h"
#include "util/csvread.h"
#include "util/csvwrite.h"

static const char *HELP =
    "用法 usage: epigrid import regions|grids FILE.csv [--dry-run] [--map FILE] [--ids FILE]\n"
    "                                            [--db PATH]\n"
    "\n"
    "  regions: 编码/code, 名称/name*, 上级/parent(编码或名称路径,如 东安县/白牙市镇)\n"
    "           没有编码时取上级下一个空闲编码;编码与上级都给出时编码须含上级编码。\n"
    "           原编码/former_code, 原名称/former_name, 变更日期/changed_on:地区曾用的编码\n"
    "           (如 431181 祁阳市 原为 431121 祁阳县);该地区已存在时只登记原编码。\n"
    "  grids:   村社区/village*(12 位编码或名称路径,如 东安县/白牙市镇/茶亭社区),\n"
    "           网格名称/name*, 责任人ID/responsible_person_id, 网格编码/code\n"
    "           没有网格编码时取所在村/社区下一个空闲的 15 位编码。\n"
    "  编码 UTF-8 或 GBK。有任何一行有误时不导入任何数据(退出码 1);--dry-run 只检查。\n"
    "  导入后在标准输出打印 编码,名称,上级编码。\n"
    "\n"
    "  Imports custom regions or grids (UTF-8 or GBK).  regions: a code, or a parent (code\n"
    "  or name path) under which the next free code is taken.  grids: a village (code or\n"
    "  name path), the grid's name, optionally its responsible person's id; each grid gets\n"
    "  the code given or the next free 15-digit code under its village.  former_code,\n"
    "  former_name, changed_on: a code the region had before (recorded alone when the\n"
    "  region exists).  Nothing is imported if any row is bad; --dry-run only checks.\n"
    "  Prints \"code,name,parent\" of the rows made on stdout.  --map FILE writes \"key,new\n"
    "  code\" (key: the code column or the line); --ids FILE translates 责任人ID through a\n"
    "  persons mapping file.\n"
    "  See docs/import-export.md.";

enum { R_CODE, R_NAME, R_PARENT, R_FORMER_CODE, R_FORMER_NAME, R_CHANGED_ON };
static const struct sheet_column region_columns[] = {
    {"code", "编码", {"地区编码", "区划代码", NULL}, 0, NULL, 1},
    {"name", "名称", {"地区名称", NULL}, 1, NULL, 0},
    {"parent", "上级", {"上级编码", "上级地区", "parent_code", NULL}, 0, NULL, 0},
    {"former_code", "原编码", {"原区划代码", NULL}, 0, NULL, 0},
    {"former_name", "原名称", {NULL}, 0, NULL, 0},
    {"changed_on", "变更日期", {NULL}, 0, NULL, 0},
};

enum { G_CODE, G_VILLAGE, G_NAME, G_RESPONSIBLE };
static const struct sheet_column grid_columns[] = {
    {"code", "网格编码", {"编码", "grid_code", NULL}, 0, NULL, 1},
    {"village", "村社区", {"村/社区", "村", "社区", "village_code"}, 1, NULL, 0},
    {"name", "网格名称", {"网格", "名称", NULL}, 1, NULL, 0},
    {"responsible_person_id", "责任人ID", {"责任人", NULL}, 0, "人员ID", 0},
};

/* What the import keeps beside the sheet (sh->ctx). */
struct run {
    int grids;    /* 1: grids, 0: regions */
    long made;    /* regions made (a row that only records a former code makes none) */
    long formers; /* former codes recorded */
    int per_level[REGION_GRID + 1];
    struct buf made_rows;         /* "code,name,parent" lines of the rows made */
    char common[REGION_CODE_MAX]; /* longest prefix of every code made */
};

/* Regions: a code or a parent column is needed to place a row. */
static void header_check(struct sheet *sh, struct ep_error *err)
{
    const struct run *r = sh->ctx;
    if (!r->grids && sh->field_of_column[R_CODE] < 0 && sh->field_of_column[R_PARENT] < 0)
        ep_error_field(err, "code", "需要“编码”或“上级”列", "a code or parent column is required");
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
    csvwrite_row(&r->made_rows, fields, 3);
    if (r->made == 0)
        snprintf(r->common, sizeof r->common, "%s", made->code);
    size_t k = 0;
    while (r->common[k] && r->common[k] == made->code[k])
        k++;
    r->common[k] = '\0';
    r->per_level[made->level]++;
    r->made++;
}

/* A row with a former code: the region (made by the row unless it exists,
 * then under the same name) keeps the code and name it had. */
static void former_row(struct sheet *sh, struct write *w, char **v, struct region *made)
{
    struct run *r = sh->ctx;
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
    if (region_get(sh->s, code, made, &lookup) == 0 && region_in_scope(code, sh->who.user->scope)) {
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

/* One data row in a write of its own, nested in the file's (sheet.h). */
static int row(struct sheet *sh, char **v, long line, struct ep_error *e)
{
    struct run *r = sh->ctx;
    struct write w;
    if (write_begin(&w, sh->s, &sh->who, NULL, NULL, NULL, e) != 0)
        return w.rc;
    struct region made = {0};
    int64_t responsible = 0;
    if (r->grids) {
        responsible = sheet_id(v[G_RESPONSIBLE]);
        if (responsible < 0)
            ep_error_field(e, "responsible_person_id", "应为正整数", "must be a positive integer");
        struct region_input in = {.code = strip_apostrophe(v[G_CODE]),
                                  .parent = strip_apostrophe(v[G_VILLAGE]),
                                  .name = v[G_NAME],
                                  .level = REGION_GRID};
        if (write_check(&w) == 0)
            region_insert(&w, &in, &made);
    } else if (v[R_FORMER_CODE] || v[R_FORMER_NAME] || v[R_CHANGED_ON]) {
        former_row(sh, &w, v, &made);
    } else {
        struct region_input in = {.code = strip_apostrophe(v[R_CODE]),
                                  .parent = strip_apostrophe(v[R_PARENT]),
                                  .name = v[R_NAME]};
        region_insert(&w, &in, &made);
    }
    if (write_ok(&w) && responsible > 0) {
        json_t *duty = NULL;
        write_fail(&w,
                   org_grid_duty_set(sh->s, &sh->who, made.code, responsible, NULL, 0, &duty, e));
        json_decref(duty);
    }
    if (write_end(&w, 0) == 0) {
        note_made(r, &made);
        if (made.level)
            sheet_made(sh, sheet_key(sh, v), line, 0, made.code);
        return 0;
    }
    if (e->code == EP_EINTERNAL || e->code == EP_EUNAVAILABLE)
        return -e->code;
    for (int i = 0; i < e->nfields && r->grids; i++)
        if (strcmp(e->fields[i].field, "parent") == 0) /* a grid's parent is its village */
            snprintf(e->fields[i].field, sizeof e->fields[i].field, "village");
    return 1;
}

/* The file's audit row, then the end of its write. */
static int audit_file(struct sheet *sh, const char *path, int encoding)
{
    const struct run *r = sh->ctx;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char region[REGION_CODE_MAX];
    region_code_of_prefix(r->common, region);
    json_t *after = json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:{s:i, s:i, s:i, s:i, s:i}, s:s}", "file", base, "path", path,
        "encoding", csvread_encoding_name(encoding), "rows", (json_int_t)sh->rows, "former_codes",
        (json_int_t)r->formers, "created", "city", r->per_level[REGION_CITY], "county",
        r->per_level[REGION_COUNTY], "township", r->per_level[REGION_TOWNSHIP], "village",
        r->per_level[REGION_VILLAGE], "grid", r->per_level[REGION_GRID], "created_at", sh->w.now);
    write_audit_key(&sh->w, "import", r->grids ? "grid" : "region", base, region, NULL, after);
    json_decref(after);
    return write_end(&sh->w, 0);
}

/* The end of the file (sheet.h "finish"): nothing written when a row is bad,
 * with --dry-run or when nothing is to be made; else the audit row, the
 * commit and the rows made on stdout. */
static int finish(struct sheet *sh, const char *path, int encoding, struct ep_error *err)
{
    const struct run *r = sh->ctx;
    int en = sh->lang == EP_LANG_EN;
    const char *what = r->grids ? (en ? "grids" : "网格") : (en ? "regions" : "地区");
    if (sh->bad) {
        write_abort(&sh->w);
        fprintf(stderr,
                en ? "epigrid: %ld of %ld rows are bad; nothing imported\n"
                   : "epigrid: %ld 行有误(共 %ld 行),未导入任何数据\n",
                sh->bad, sh->rows);
        return CLI_FAIL;
    }
    if (sh->dry_run) {
        write_abort(&sh->w);
        fprintf(stderr,
                en ? "epigrid: dry run: %ld rows good, %s made: %ld (%s); nothing written\n"
                   : "epigrid: 试运行:%ld 行均正确,可新建的%s:%ld 个(%s 编码);未写入任何数据\n",
                sh->rows, what, r->made, csvread_encoding_name(encoding));
        return CLI_OK;
    }
    if (r->made == 0 && r->formers == 0) {
        write_abort(&sh->w);
        fprintf(stderr, en ? "epigrid: no rows to import\n" : "epigrid: 没有可导入的数据\n");
        return CLI_OK;
    }
    if (audit_file(sh, path, encoding) != 0) {
        cli_print_error(err);
        return CLI_FAIL;
    }
    const char *const title[] = {en ? "code" : "编码", en ? "name" : "名称",
                                 en ? "parent" : "上级编码"};
    struct buf head;
    buf_init(&head);
    csvwrite_row(&head, title, 3);
    fputs(head.data, stdout);
    buf_cleanup(&head);
    if (r->made_rows.len)
        fwrite(r->made_rows.data, 1, r->made_rows.len, stdout);
    fprintf(stderr,
            en ? "epigrid: %s imported from %s (%s): %ld\n"
               : "epigrid: 已导入%s(%s,%s 编码):%ld 个\n",
            what, path, csvread_encoding_name(encoding), r->made);
    return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}

int cli_import_regions(int argc, char **argv)
{
    struct sheet_options o;
    int status = sheet_options(argc, argv, HELP, 0, &o); /* no --skip-bad: no tree with holes */
    if (status >= 0)
        return status;
    if (strcmp(argv[optind], "regions") != 0 && strcmp(argv[optind], "grids") != 0) {
        return cli_usage(HELP);
    }
    struct run r;
    memset(&r, 0, sizeof r);
    r.grids = strcmp(argv[optind], "grids") == 0;
    buf_init(&r.made_rows);
    struct sheet sh = {
        .columns = r.grids ? grid_columns : region_columns,
        .ncolumns = r.grids ? (int)(sizeof grid_columns / sizeof *grid_columns)
                            : (int)(sizeof region_columns / sizeof *region_columns),
        .row = row,
        .ctx = &r,
        .strict_header = 1,
        .file_write = 1,
        .header_check = header_check,
        .finish = finish,
        .what_zh = r.grids ? "网格" : "地区",
        .what_en = r.grids ? "grids" : "regions",
        .id_kind = r.grids ? "网格编码" : "编码",
    };
    status = sheet_import(&sh, argv[optind + 1], &o);
    buf_cleanup(&r.made_rows);
    return status;
}
