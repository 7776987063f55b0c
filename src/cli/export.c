/*
 * export.c -- `epigrid export persons|households|grids|teams|orgs|members|
 * activities --region CODE`: the registry, the grids, the team rosters or the
 * party organisations, members and activities of a region as CSV (UTF-8 with
 * a BOM, so that Excel shows Chinese correctly) or xlsx (libxlsxwriter in
 * constant-memory mode).  The columns are those `epigrid import` reads, so
 * an export (with --full) re-imports; its id column is the row key of the
 * import's --map.
 *
 * Rows are streamed: person_list/household_list call back once per row and
 * each row is written at once, so memory does not grow with the region
 * (a million rows fit in a few MiB).  ID numbers and phones are masked
 * unless --full is given, and every export is audited (action "export",
 * with the count, the format and whether personal data left unmasked).
 * An export cut short -- a closed pipe, Ctrl-C -- stops cleanly and is
 * audited too, with "complete": false and the rows that did leave.
 */
#include <assert.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "cli/cli.h"
#include "core/audit.h"
#include "core/household.h"
#include "core/org.h"
#include "core/person.h"
#include "core/region.h"
#include "core/team.h"
#include "util/buf.h"
#include "util/csvwrite.h"
#include "util/idcheck.h"
#include "util/timeutil.h"

#define PROGRESS_EVERY 100000

static const char *HELP =
    "用法 usage: epigrid export persons|households|grids|teams|orgs|members|activities\n"
    "                           --region CODE\n"
    "                           [--format csv|xlsx] [--out FILE] [--full] [--db PATH]\n"
    "\n"
    "  导出一个地区(含下级)的人员、住户、网格、队伍(每名队员一行)、党组织、党员或组织活动。\n"
    "  CSV 为带 BOM 的 UTF-8,中文表头,默认写到标准输出;xlsx 必须用 --out 指定文件。\n"
    "  身份证号和电话默认脱敏\n"
    "  (4311**********1234、138****5678),--full 导出完整号码。每次导出都记入审计日志。\n"
    "  导出的列即 epigrid import 读取的列:--full 导出的文件可以再导入(ID 列作对照表的键)。\n"
    "\n"
    "  Exports the persons, households, grids, teams (one row per member), party\n"
    "  organisations, their members or their activities of a region and everything below it.\n"
    "  CSV is UTF-8 with a BOM and Chinese headers, to stdout unless --out is given;\n"
    "  xlsx needs --out.  ID numbers and phones are masked unless --full is\n"
    "  given.  The columns are those `epigrid import` reads: a --full export re-imports\n"
    "  (its id column is the row key of --map).  Every export is recorded in the audit log.\n"
    "  See docs/import-export.md.";

enum format { FORMAT_CSV, FORMAT_XLSX };

/* One cell of a row: text, or an integer when "text" is NULL. */
struct cell {
    const char *text;
    int64_t number;
};

static const char *person_header[] = {"人员ID", "姓名",   "性别",     "出生日期", "身份证号",
                                      "电话",   "住户ID", "网格编码", "是否户主", "责任网格"};
static const double person_widths[] = {10, 10, 6, 12, 21, 15, 10, 18, 8, 18};
static const char *household_header[] = {"住户ID", "网格编码", "地址", "户主人员ID", "人数"};
static const double household_widths[] = {10, 18, 40, 12, 6};
static const char *grid_header[] = {"网格编码", "村社区", "网格名称"};
static const double grid_widths[] = {18, 15, 30};
static const char *team_header[] = {"队伍ID",   "队伍名称", "队伍类型", "党组织ID", "开始日期",
                                    "结束日期", "职务",     "姓名",     "身份证号"};
static const double team_widths[] = {10, 24, 14, 10, 12, 12, 6, 10, 21};
static const char *org_header[] = {"编号",   "名称", "类别",     "地区编码", "上级编号",
                                   "上级ID", "驻地", "成立日期", "撤销日期"};
static const double org_widths[] = {10, 30, 8, 15, 10, 10, 20, 12, 12};
static const char *member_header[] = {"党员记录ID", "党组织ID", "姓名",
                                      "身份证号",   "职务",     "加入日期"};
static const double member_widths[] = {12, 10, 10, 21, 10, 12};
static const char *activity_header[] = {
    "活动ID", "党组织ID", "日期", "类型", "主题", "地点", "参加人数", "参加人员身份证号", "备注"};
static const double activity_widths[] = {10, 10, 26, 10, 30, 20, 8, 40, 40};

/* A set of ids, appended in increasing order or sorted once, then searched. */
struct id_set {
    int64_t *ids;
    size_t n, cap;
};

static void id_set_add(struct id_set *set, int64_t id)
{
    if (set->n == set->cap) {
        set->cap = set->cap ? set->cap * 2 : 1024;
        set->ids = realloc(set->ids, set->cap * sizeof *set->ids);
        if (!set->ids)
            abort();
    }
    set->ids[set->n++] = id;
}

static int compare_ids(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int id_set_has(const struct id_set *set, int64_t id)
{
    return set->n && bsearch(&id, set->ids, set->n, sizeof id, compare_ids) != NULL;
}

struct export;
/* What can be exported: its columns, and the domain call streaming its rows. */
struct kind {
    const char *name;   /* the command's word: "persons" */
    const char *zh;     /* "人员": the sheet's name and the summary's */
    const char *entity; /* of the audit row: "person" */
    const char **header;
    const double *widths; /* xlsx column widths */
    int ncols;
    int pii; /* 1: holds ID numbers, masked unless --full (the audit row says which) */
    int (*list)(struct store *s, struct export *ex, const char *region, struct ep_error *err);
};

struct export
{
    const struct kind *kind;
    int format, full;
    const char **header;  /* column titles */
    const double *widths; /* xlsx column widths */
    int ncols;
    FILE *out;          /* csv */
    struct buf line;    /* csv: the record being written */
    lxw_workbook *book; /* xlsx */
    lxw_worksheet *sheet;
    lxw_format *bold;
    lxw_row_t row; /* next row of the current sheet */
    int sheets;
    struct auth_user viewer; /* the CLI identity: sees masked values */
    int64_t count;
    int failed; /* a write failed: stop */
    /* persons: who heads a household, who is responsible for a grid (loaded first) */
    struct id_set heads;
    json_t *duties; /* person id (text) -> "grid、grid" */
    /* orgs: the ids written, to tell a parent in the file from one outside */
    struct id_set orgs;
    int lang;
    int64_t started_us;
};

/* ---- CSV ------------------------------------------------------------------- */

/* Writes one record through the one CSV writer (util/csvwrite: quoting and
 * the formula guard), numbers as decimal text. */
static void csv_write_row(struct export *ex, const struct cell *cells)
{
    char numbers[16][24];
    const char *fields[16];
    assert(ex->ncols <= 16);
    for (int i = 0; i < ex->ncols; i++) {
        fields[i] = cells[i].text;
        if (!cells[i].text) {
            snprintf(numbers[i], sizeof numbers[i], "%" PRId64, cells[i].number);
            fields[i] = numbers[i];
        }
    }
    buf_reset(&ex->line);
    csvwrite_row(&ex->line, fields, (size_t)ex->ncols);
    if (fwrite(ex->line.data, 1, ex->line.len, ex->out) != ex->line.len || ferror(ex->out))
        ex->failed = 1;
}

/* ---- xlsx ------------------------------------------------------------------ */

/* Starts a sheet ("人员", "人员 2", ...) with the header row. */
static int xlsx_new_sheet(struct export *ex)
{
    char name[32];
    const char *base = ex->kind->zh;
    ex->sheets++;
    if (ex->sheets == 1)
        snprintf(name, sizeof name, "%s", base);
    else
        snprintf(name, sizeof name, "%s %d", base, ex->sheets);
    ex->sheet = workbook_add_worksheet(ex->book, name);
    if (!ex->sheet)
        return -1;
    for (int i = 0; i < ex->ncols; i++) {
        worksheet_set_column(ex->sheet, (lxw_col_t)i, (lxw_col_t)i, ex->widths[i], NULL);
        if (worksheet_write_string(ex->sheet, 0, (lxw_col_t)i, ex->header[i], ex->bold) !=
            LXW_NO_ERROR)
            return -1;
    }
    worksheet_freeze_panes(ex->sheet, 1, 0);
    ex->row = 1;
    return 0;
}

static void xlsx_write_row(struct export *ex, const struct cell *cells)
{
    if (ex->row >= LXW_ROW_MAX && xlsx_new_sheet(ex) != 0) {
        ex->failed = 1;
        return;
    }
    for (int i = 0; i < ex->ncols; i++) {
        lxw_error e;
        if (cells[i].text)
            e = cells[i].text[0]
                    ? worksheet_write_string(ex->sheet, ex->row, (lxw_col_t)i, cells[i].text, NULL)
                    : LXW_NO_ERROR;
        else
            e = worksheet_write_number(ex->sheet, ex->row, (lxw_col_t)i, (double)cells[i].number,
                                       NULL);
        if (e != LXW_NO_ERROR)
            ex->failed = 1;
    }
    ex->row++;
}

/* ---- rows ------------------------------------------------------------------ */

static volatile sig_atomic_t interrupted; /* SIGINT/SIGTERM seen: stop and audit */

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int emit(struct export *ex, const struct cell *cells)
{
    if (interrupted) {
        ex->failed = 1;
        return 1;
    }
    if (ex->format == FORMAT_CSV)
        csv_write_row(ex, cells);
    else
        xlsx_write_row(ex, cells);
    if (ex->failed)
        return 1;
    ex->count++;
    if (ex->count % PROGRESS_EVERY == 0) {
        double secs = (double)(time_monotonic_us() - ex->started_us) / 1e6;
        fprintf(stderr,
                ex->lang == EP_LANG_EN ? "epigrid: %" PRId64 " rows written (%.0f rows/s)\n"
                                       : "epigrid: 已写出 %" PRId64 " 行(%.0f 行/秒)\n",
                ex->count, secs > 0 ? (double)ex->count / secs : 0.0);
    }
    return 0;
}

/* The grids (of the export) "person" is responsible for, "" for none. */
static const char *grids_of(const struct export *ex, int64_t person)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)person);
    const char *v = json_string_value(json_object_get(ex->duties, key));
    return v ? v : "";
}

static int person_row(const struct person *p, void *ctx)
{
    struct export *ex = ctx;
    struct person_pii pii; /* masked: the birth date as its year */
    if (ex->full)
        person_pii_fill(p, 0, &pii);
    else
        person_visible_pii(&ex->viewer, p, &pii);
    struct cell cells[] = {
        {NULL, p->id},
        {p->name, 0},
        {person_sex_zh(p->sex), 0},
        {pii.birth, 0},
        {pii.id_number, 0},
        {pii.phone, 0},
        {p->household_id ? NULL : "", p->household_id},
        {p->grid_code, 0},
        {id_set_has(&ex->heads, p->id) ? "是" : "", 0},
        {grids_of(ex, p->id), 0},
    };
    return emit(ex, cells);
}

static int household_row(const struct household *h, void *ctx)
{
    struct cell cells[] = {
        {NULL, h->id},      {h->grid_code, 0},
        {h->address, 0},    {h->head_person_id ? NULL : "", h->head_person_id},
        {NULL, h->members},
    };
    return emit(ctx, cells);
}

static int grid_row(const struct region *r, void *ctx)
{
    struct cell cells[] = {{r->code, 0}, {r->parent_code, 0}, {r->name, 0}};
    return emit(ctx, cells);
}

/* An ID number as the export shows it: in full with --full, else masked. */
static const char *shown_id(const struct export *ex, const char *id_number, char out[19])
{
    if (ex->full)
        snprintf(out, 19, "%s", id_number);
    else
        idcheck_mask_id(id_number, out, 19);
    return out;
}

static int team_row(const struct team_roster_row *t, void *ctx)
{
    struct export *ex = ctx;
    char id_number[19];
    shown_id(ex, t->id_number, id_number);
    struct cell cells[] = {
        {NULL, t->team_id},
        {t->name, 0},
        {t->type_name, 0},
        {NULL, t->org_id},
        {t->active_from, 0},
        {t->active_to ? t->active_to : "", 0},
        {t->leader ? "队长" : "队员", 0},
        {t->person_name, 0},
        {id_number, 0},
    };
    return emit(ex, cells);
}

static int note_head(const struct household *h, void *ctx)
{
    if (h->head_person_id)
        id_set_add(ctx, h->head_person_id);
    return 0;
}

/* Who is responsible for each grid of the region: person id -> "grid、grid"
 * (a page of grids at a time, by code). */
static int load_duties(struct store *s, struct export *ex, const char *region, struct ep_error *err)
{
    ex->duties = json_object();
    char after[REGION_CODE_MAX] = "";
    for (;;) {
        json_t *items = json_array();
        struct grid_duty_filter f = {
            .scope = "", .region = region, .after_code = after[0] ? after : NULL, .limit = 1000};
        int rc = org_grid_duty_list(s, &f, items, err);
        size_t i, n = json_array_size(items);
        json_t *g;
        json_array_foreach(items, i, g)
        {
            const char *code = json_string_value(json_object_get(g, "grid_code"));
            int64_t id =
                json_integer_value(json_object_get(json_object_get(g, "responsible"), "person_id"));
            snprintf(after, sizeof after, "%s", code);
            if (!id)
                continue;
            char key[24];
            snprintf(key, sizeof key, "%lld", (long long)id);
            const char *had = json_string_value(json_object_get(ex->duties, key));
            json_object_set_new(ex->duties, key,
                                had ? json_sprintf("%s、%s", had, code) : json_string(code));
        }
        json_decref(items);
        if (rc < 0)
            return rc;
        if (n < 1000)
            return 0;
    }
}

static int list_persons(struct store *s, struct export *ex, const char *region,
                        struct ep_error *err)
{
    /* The heads and the responsible persons first: the persons file carries
     * them, as it is imported after the households and grids it names. */
    struct household_filter hf = {.scope = "", .region = region, .limit = 0};
    int rc = household_list(s, &hf, note_head, &ex->heads, err);
    if (rc == 0 && ex->heads.n)
        qsort(ex->heads.ids, ex->heads.n, sizeof *ex->heads.ids, compare_ids);
    if (rc == 0)
        rc = load_duties(s, ex, region, err);
    struct person_filter f = {.scope = "", .region = region, .limit = 0};
    return rc ? rc : person_list(s, &f, person_row, ex, err);
}

static int org_row(struct export *ex, json_t *o)
{
    int64_t id = json_integer_value(json_object_get(o, "id"));
    int64_t parent = json_integer_value(json_object_get(o, "parent_id"));
    int inside = parent && id_set_has(&ex->orgs, parent); /* a row above: 上级编号 */
    const char *location = json_string_value(json_object_get(o, "location"));
    const char *dissolved = json_string_value(json_object_get(o, "dissolved_date"));
    struct cell cells[] = {
        {NULL, id},
        {json_string_value(json_object_get(o, "name")), 0},
        {org_kind_zh(json_string_value(json_object_get(o, "kind"))), 0},
        {json_string_value(json_object_get(o, "region_code")), 0},
        {inside ? NULL : "", parent},
        {parent && !inside ? NULL : "", parent},
        {location ? location : "", 0},
        {json_string_value(json_object_get(o, "founded_date")), 0},
        {dissolved ? dissolved : "", 0},
    };
    id_set_add(&ex->orgs, id); /* ids come in increasing order */
    return emit(ex, cells);
}

static int list_orgs(struct store *s, struct export *ex, const char *region, struct ep_error *err)
{
    for (int64_t after = 0;;) {
        json_t *items = json_array();
        struct org_filter f = {.scope = "", .region = region, .after_id = after, .limit = 500};
        int rc = org_list(s, &f, items, err);
        size_t i, n = json_array_size(items);
        json_t *o;
        json_array_foreach(items, i, o)
        {
            if (rc == 0)
                rc = org_row(ex, o);
            after = json_integer_value(json_object_get(o, "id"));
        }
        json_decref(items);
        if (rc != 0 || n < 500)
            return rc;
    }
}

static int member_row(const struct org_member_row *m, void *ctx)
{
    struct export *ex = ctx;
    char id_number[19];
    struct cell cells[] = {
        {NULL, m->id},
        {NULL, m->org_id},
        {m->person_name, 0},
        {shown_id(ex, m->id_number, id_number), 0},
        {org_member_role_zh(m->role), 0},
        {m->joined_date, 0},
    };
    return emit(ex, cells);
}

static int list_members(struct store *s, struct export *ex, const char *region,
                        struct ep_error *err)
{
    return org_member_roster_list(s, region, member_row, ex, err);
}

static int activity_row(const struct org_activity_row *a, void *ctx)
{
    struct export *ex = ctx;
    struct buf persons;
    buf_init(&persons);
    for (int i = 0; i < a->npersons; i++) {
        char id_number[19];
        if (i)
            buf_append(&persons, "、", strlen("、"));
        shown_id(ex, a->id_numbers[i], id_number);
        buf_append(&persons, id_number, strlen(id_number));
    }
    struct cell cells[] = {
        {NULL, a->id},
        {NULL, a->org_id},
        {a->occurred_at, 0},
        {org_activity_kind_zh(a->kind), 0},
        {a->title, 0},
        {a->place ? a->place : "", 0},
        {NULL, a->participants},
        {persons.data ? persons.data : "", 0},
        {a->note ? a->note : "", 0},
    };
    int rc = emit(ex, cells);
    buf_cleanup(&persons);
    return rc;
}

static int list_activities(struct store *s, struct export *ex, const char *region,
                           struct ep_error *err)
{
    return org_activity_export_list(s, region, activity_row, ex, err);
}

static int list_households(struct store *s, struct export *ex, const char *region,
                           struct ep_error *err)
{
    struct household_filter f = {.scope = "", .region = region, .limit = 0};
    return household_list(s, &f, household_row, ex, err);
}

static int list_grids(struct store *s, struct export *ex, const char *region, struct ep_error *err)
{
    /* Every grid of the subtree in code order: a search for any name. */
    return region_search(s, region, "", REGION_GRID, INT_MAX, grid_row, ex, err);
}

static int list_teams(struct store *s, struct export *ex, const char *region, struct ep_error *err)
{
    return team_roster_list(s, region, team_row, ex, err);
}

#define COLUMNS(header, widths) header, widths, (int)(sizeof header / sizeof *header)
static const struct kind kinds[] = {
    {"persons", "人员", "person", COLUMNS(person_header, person_widths), 1, list_persons},
    {"households", "住户", "household", COLUMNS(household_header, household_widths), 0,
     list_households},
    {"grids", "网格", "grid", COLUMNS(grid_header, grid_widths), 0, list_grids},
    {"teams", "队伍", "team", COLUMNS(team_header, team_widths), 1, list_teams},
    {"orgs", "党组织", "org", COLUMNS(org_header, org_widths), 0, list_orgs},
    {"members", "党员", "org_member", COLUMNS(member_header, member_widths), 1, list_members},
    {"activities", "组织活动", "org_activity", COLUMNS(activity_header, activity_widths), 1,
     list_activities},
};

/* ---- the command ----------------------------------------------------------- */

static int open_output(struct export *ex, const char *out_path)
{
    if (ex->format == FORMAT_CSV) {
        ex->out = out_path ? fopen(out_path, "wb") : stdout;
        if (!ex->out)
            return -1;
        setvbuf(ex->out, NULL, _IOFBF, 1 << 18);
        fputs(CSVWRITE_BOM, ex->out); /* Excel then reads UTF-8 */
        buf_reset(&ex->line);
        csvwrite_row(&ex->line, ex->header, (size_t)ex->ncols);
        fputs(ex->line.data, ex->out);
        return ferror(ex->out) ? -1 : 0;
    }
    lxw_workbook_options options = {.constant_memory = LXW_TRUE, .tmpdir = NULL};
    ex->book = workbook_new_opt(out_path, &options);
    if (!ex->book)
        return -1;
    ex->bold = workbook_add_format(ex->book);
    format_set_bold(ex->bold);
    return xlsx_new_sheet(ex);
}

/* Flushes and closes; returns -1 if anything failed on the way. */
static int close_output(struct export *ex)
{
    int rc = ex->failed ? -1 : 0;
    if (ex->format == FORMAT_CSV) {
        if (ex->out && (fflush(ex->out) != 0 || ferror(ex->out)))
            rc = -1;
        if (ex->out && ex->out != stdout && fclose(ex->out) != 0)
            rc = -1;
        ex->out = NULL;
    } else if (ex->book) {
        lxw_error e = workbook_close(ex->book);
        ex->book = NULL;
        if (e != LXW_NO_ERROR) {
            fprintf(stderr, "epigrid: xlsx: %s\n", lxw_strerror(e));
            rc = -1;
        }
    }
    return rc;
}

static int audit_export(struct store *s, const struct export *ex, const char *region,
                        const char *out_path, int complete, struct ep_error *err)
{
    struct auth_user user;
    struct actor who;
    audit_cli_actor(&user, &who);
    json_t *after = json_pack("{s:I, s:s, s:s, s:b}", "count", (json_int_t)ex->count, "format",
                              ex->format == FORMAT_CSV ? "csv" : "xlsx", "out",
                              out_path ? out_path : "-", "complete", complete);
    if (ex->kind->pii) /* did ID numbers (and phones) leave unmasked? */
        json_object_set_new(after, "pii", json_string(ex->full ? "full" : "masked"));
    int rc = store_begin(s, err);
    if (rc == 0)
        rc = audit_record(s, &who, "export", ex->kind->entity, region, region, NULL, after, err);
    if (rc == 0)
        rc = store_commit(s, err);
    else
        store_rollback(s);
    json_decref(after);
    return rc;
}

int cli_export(int argc, char **argv)
{
    const char *db = NULL, *region = NULL, *format = "csv", *out_path = NULL;
    struct export ex;
    memset(&ex, 0, sizeof ex);
    const struct cli_option opts[] = {
        {"db", 'd', &db, NULL},         {"region", 'r', &region, NULL},
        {"format", 'f', &format, NULL}, {"out", 'o', &out_path, NULL},
        {"full", 'F', NULL, &ex.full},  {NULL, 0, NULL, NULL}};
    int status = cli_options_parse(argc, argv, opts, HELP, 0);
    if (status >= 0)
        return status;
    ex.lang = cli_lang();
    int en = ex.lang == EP_LANG_EN;
    for (size_t i = 0; argc - optind == 1 && i < sizeof kinds / sizeof *kinds; i++)
        if (strcmp(argv[optind], kinds[i].name) == 0)
            ex.kind = &kinds[i];
    if (!ex.kind || !region || (strcmp(format, "csv") != 0 && strcmp(format, "xlsx") != 0))
        return cli_usage(HELP);
    ex.format = strcmp(format, "csv") == 0 ? FORMAT_CSV : FORMAT_XLSX;
    if (ex.format == FORMAT_XLSX && !out_path) {
        fputs(en ? "epigrid: xlsx needs --out FILE\n" : "epigrid: 导出 xlsx 须用 --out 指定文件\n",
              stderr);
        return CLI_USAGE;
    }
    if (!region_level_of_code(region)) {
        fputs(en ? "epigrid: --region must be a region code of 4, 6, 9, 12 or 15 digits\n"
                 : "epigrid: --region 应为 4、6、9、12 或 15 位地区编码\n",
              stderr);
        return CLI_USAGE;
    }
    ex.header = ex.kind->header;
    ex.widths = ex.kind->widths;
    ex.ncols = ex.kind->ncols;
    struct actor who;
    audit_cli_actor(&ex.viewer, &who);

    struct ep_error err;
    struct store *s = cli_store(db, &err);
    if (!s)
        return CLI_FAIL;
    struct region r;
    status = CLI_FAIL;
    if (region_get(s, region, &r, &err) != 0) {
        cli_print_error(&err);
        goto out;
    }
    if (open_output(&ex, out_path) != 0) {
        fprintf(stderr, en ? "epigrid: cannot write %s\n" : "epigrid: 无法写入 %s\n",
                out_path ? out_path : "stdout");
        close_output(&ex);
        goto out;
    }
    ex.started_us = time_monotonic_us();
    /* A closed pipe becomes a write error and signals a clean stop, so that
     * what was already written still gets its audit row. */
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term, old_pipe;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old_pipe);
    int rc = ex.kind->list(s, &ex, region, &err);
    int write_rc = close_output(&ex);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    sigaction(SIGPIPE, &old_pipe, NULL);
    int complete = rc == 0 && write_rc == 0;
    /* Rows that left the database are audited even when the export broke off. */
    struct ep_error audit_err;
    ep_error_clear(&audit_err);
    int audit_rc = audit_export(s, &ex, region, out_path, complete, &audit_err);
    if (interrupted)
        fputs(en ? "epigrid: interrupted\n" : "epigrid: 已中断\n", stderr);
    else if (rc < 0)
        cli_print_error(&err);
    else if (write_rc != 0)
        fprintf(stderr, en ? "epigrid: writing %s failed\n" : "epigrid: 写入 %s 失败\n",
                out_path ? out_path : "stdout");
    if (audit_rc != 0)
        cli_print_error(&audit_err);
    if (complete && audit_rc == 0) {
        double secs = (double)(time_monotonic_us() - ex.started_us) / 1e6;
        const char *pii = !ex.kind->pii ? (en ? "no ID numbers" : "无身份证号")
                          : ex.full     ? (en ? "full" : "完整号码")
                                        : (en ? "masked" : "已脱敏");
        if (en)
            fprintf(stderr, "epigrid: exported %" PRId64 " %s of %s (%s, %s) in %.1f s\n", ex.count,
                    ex.kind->name, region, format, pii, secs);
        else
            fprintf(stderr, "epigrid: 已导出%s %" PRId64 " 条(%s %s,%s,%s),用时 %.1f 秒\n",
                    ex.kind->zh, ex.count, region, r.name, format, pii, secs);
        status = CLI_OK;
    }
out:
    buf_cleanup(&ex.line);
    free(ex.heads.ids);
    free(ex.orgs.ids);
    json_decref(ex.duties);
    store_close(s);
    return status;
}
