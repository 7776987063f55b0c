/*
 * import.c -- `epigrid import households|persons FILE.csv`: bulk loading of
 * the registry from CSV files as Chinese offices keep them in Excel.
 *
 * One streaming pass inside one write (write.h): the header row is mapped
 * to columns (Chinese or English names) before any row is read; every row is
 * checked and inserted by the domain module's step (person_insert /
 * household_insert) in a write of its own nested in the import's (a
 * savepoint), so that a refused row is undone alone; bad rows are reported
 * with their line number and field.  At the end, if any row was bad and
 * --skip-bad was not given, or with --dry-run, the import's write is
 * abandoned and nothing is written.  Otherwise the counters, aggregated per
 * grid in memory while reading, are added with write_count(), one audit row
 * is written, and everything commits together with one fsync.
 *
 * Why one audit row and not one per person: the audit log answers "who
 * changed the registry, when, and how" -- for an import the answer is one
 * act by one operator with one file.  A row per person would double the
 * writes of a million-row import and bury every other entry of the log; the
 * rows themselves carry created_at and their ids form the range recorded in
 * the audit row ("id_first".."id_last"), so each imported record can be
 * traced back to the import that made it.
 *
 * A persons import that brings at least as many rows as persons already has
 * (every import into a fresh registry) sets the non-unique indexes of
 * persons aside once it has written that many and builds them again before
 * the commit (store_indexes_defer): one sort each instead of a B-tree insert
 * per row and index, the import's main cost (BENCH.md, B5).  Nothing the
 * import reads needs them: households, grids and persons are found by their
 * keys, an earlier ID number by its UNIQUE index, which stays and still
 * refuses duplicates.  They are dropped and built in the import's
 * transaction, so an import that fails or is abandoned leaves them as they
 * were.  A small import into a large registry keeps them (a sort of the
 * whole table would cost more than its rows' inserts).
 *
 * Memory stays bounded by the number of grids (counters) plus 12 bytes per
 * imported person (ids and line numbers, to name the line of an earlier
 * duplicate); the file itself is streamed.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/idmap.h"
#include "core/audit.h"
#include "core/household.h"
#include "core/org.h"
#include "core/person.h"
#include "core/write.h"
#include "util/buf.h"
#include "util/csvread.h"
#include "util/csvwrite.h"
#include "util/timeutil.h"

#define PROGRESS_EVERY 100000

static const char *HELP =
    "用法 usage: epigrid import households|persons FILE.csv [--skip-bad] [--dry-run]\n"
    "                           [--map FILE] [--ids FILE] [--db PATH]\n"
    "       党组织与党员 party organisations and members: epigrid import orgs|members --help\n"
    "       病例一览表 line list of cases: epigrid import cases --help\n"
    "       地区与网格 regions and grids: epigrid import regions|grids --help\n"
    "       队伍与队员 teams with members: epigrid import teams --help\n"
    "       党组织活动 organisation activities: epigrid import activities --help\n"
    "\n"
    "  从 CSV 文件导入住户或人员。编码:UTF-8(可带 BOM)或 GBK/GB18030(Excel 默认),自动识别。\n"
    "  第一行为表头,列名用中文或英文:\n"
    "    households: 网格编码/grid_code, 地址/address, [户编号/household_ref], [住户ID],\n"
    "                [户主人员ID], [人数] (导出的列:住户ID 作对照表的键,后两列不导入)\n"
    "    persons:    姓名/name, 身份证号/id_number, 住户ID/household_id 或 网格编码/grid_code,\n"
    "                [性别/sex (男/女/M/F)], [出生日期/birth_date], [电话/phone], [人员ID],\n"
    "                [是否户主/is_head (是/否)], [责任网格/responsible_grids "
    "(网格编码,用顿号分隔)]\n"
    "  有任何一行有误时不导入任何数据(退出码 1);--skip-bad 导入其余正确的行。\n"
    "  --dry-run 只检查,不写入。给出户编号时,导入住户后在标准输出打印 户编号,住户ID 对照表。\n"
    "  --map FILE  导入后写出对照表:行的键(户编号/住户ID/人员ID 列,否则行号)→ 新ID。\n"
    "  --ids FILE  人员文件的 住户ID 按住户导入写出的对照表换算(可用逗号分隔多个文件)。\n"
    "\n"
    "  Imports households or persons from a CSV file, UTF-8 (with or without BOM) or\n"
    "  GBK/GB18030 (what Chinese Excel writes), detected automatically.  The first row is\n"
    "  the header; column names in Chinese or English as above.  If any row is bad nothing\n"
    "  is imported (exit 1) unless --skip-bad is given; --dry-run checks without writing.\n"
    "  With a household_ref column, prints \"household_ref,household_id\" pairs on stdout.\n"
    "  An export re-imports: its id column (人员ID, 住户ID) is the row's key.  --map FILE\n"
    "  writes \"key,new id\" (key: 户编号, 住户ID or 人员ID, else the line) after the commit;\n"
    "  --ids FILE translates a persons file's 住户ID through a households mapping file.\n"
    "  See docs/import-export.md.";

enum kind { KIND_HOUSEHOLDS, KIND_PERSONS };

/* A column the importer understands. */
struct column {
    const char *name;       /* machine name; also the field name in domain errors */
    const char *zh;         /* Chinese header */
    const char *aliases[4]; /* other spellings found in office spreadsheets */
    int required;           /* 1 = the header must have it */
    const char *ref;        /* the kind of id it names ("住户ID"): --ids may translate it */
    int key;                /* 1 = the row's own id (the key of --map), in order of preference */
};

/* The columns of `epigrid export persons`, all of them: 人员ID is the key of
 * --map (the person gets a new id). */
enum person_col {
    P_PERSON_ID,
    P_NAME,
    P_SEX,
    P_BIRTH_DATE,
    P_ID_NUMBER,
    P_PHONE,
    P_HOUSEHOLD_ID,
    P_GRID_CODE,
    P_IS_HEAD,
    P_RESPONSIBLE_GRIDS
};
static const struct column person_columns[] = {
    {"person_id", "人员ID", {NULL}, 0, NULL, 1},
    {"name", "姓名", {NULL}, 1, NULL, 0},
    {"sex", "性别", {NULL}, 0, NULL, 0},
    {"birth_date", "出生日期", {"出生年月日", NULL}, 0, NULL, 0},
    {"id_number", "身份证号", {"身份证号码", "公民身份号码", "身份证", NULL}, 1, NULL, 0},
    {"phone", "电话", {"联系电话", "手机号", "手机号码", NULL}, 0, NULL, 0},
    {"household_id", "住户ID", {NULL}, 0, "住户ID", 0},
    {"grid_code", "网格编码", {NULL}, 0, NULL, 0},
    {"is_head", "是否户主", {"户主", NULL}, 0, NULL, 0},
    {"responsible_grids", "责任网格", {"包网格", NULL}, 0, NULL, 0},
};

/* Those of `epigrid export households` too: 住户ID is a key of --map (after
 * the user's own 户编号); 户主人员ID and 人数 are derived from the persons
 * (who come after their households) and read as nothing. */
enum household_col {
    H_HOUSEHOLD_REF,
    H_HOUSEHOLD_ID,
    H_GRID_CODE,
    H_ADDRESS,
    H_HEAD_PERSON_ID,
    H_MEMBERS
};
static const struct column household_columns[] = {
    {"household_ref", "户编号", {NULL}, 0, NULL, 1},
    {"household_id", "住户ID", {NULL}, 0, NULL, 1},
    {"grid_code", "网格编码", {NULL}, 1, NULL, 0},
    {"address", "地址", {"住址", "家庭住址", NULL}, 1, NULL, 0},
    {"head_person_id", "户主人员ID", {NULL}, 0, NULL, 0},
    {"members", "人数", {NULL}, 0, NULL, 0},
};

#define COLUMNS_MAX 10

/* Rows counted per grid while importing; added to the counters at the end. */
struct grid_count {
    char code[REGION_CODE_MAX]; /* "" = empty slot */
    int64_t n;                  /* rows imported in this grid */
};
struct grid_counts {
    struct grid_count *slots; /* open addressing, linear probing */
    size_t cap;               /* a power of two */
    size_t used;
};

struct import {
    int kind;                     /* enum kind */
    const struct column *columns; /* person_columns or household_columns */
    int ncolumns;
    int header_seen;
    size_t header_count;              /* fields in the header row */
    int *column_of_field;             /* header field -> column index, or -1 (never: refused) */
    int field_of_column[COLUMNS_MAX]; /* column -> header field, or -1 when absent */
    char label[COLUMNS_MAX][96];      /* the header as written, for messages */
    struct store *s;
    struct auth_user user; /* the operator (audit_cli_actor) ... */
    struct actor who;      /* ... who writes every row */
    struct write w;        /* the import: every row's write nests in it */
    struct ep_error *err;  /* where a fatal error goes (the csvread_file one) */
    int skip_bad, dry_run, lang;
    long rows, imported, bad;
    struct grid_counts counts;
    int64_t *ids;    /* persons inserted, in insertion order (increasing) ... */
    uint32_t *lines; /* ... and the line each came from */
    size_t nids, ids_cap;
    int64_t id_first, id_last;
    long heads, duties;           /* households headed, grids made responsible for */
    char common[REGION_CODE_MAX]; /* longest prefix shared by every imported grid */
    FILE *mapping;                /* households with household_ref: "ref,id" until commit */
    int key_column;               /* the column of the rows' keys for --map, -1: the line */
    struct idmap *household_ids;  /* --ids: the map translating household_id, or NULL */
    struct idmaps refs;           /* --ids */
    struct idmap_out map;         /* --map */
    struct buf scratch;           /* trimmed values of the current row */
    int64_t started_us;
    int64_t persons_before;        /* persons: highest id before the import (a row count bound) */
    int indexes_deferred;          /* persons' indexes set aside (in "deferred") */
    struct store_indexes deferred; /* what store_indexes_restore() builds before the commit */
};

/* ---- per-grid counts ------------------------------------------------------- */

static size_t hash_code(const char *s)
{
    size_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void counts_add(struct grid_counts *c, const char *code)
{
    if (c->used * 2 >= c->cap) {
        struct grid_counts bigger = {calloc(c->cap ? c->cap * 2 : 1024, sizeof *c->slots),
                                     c->cap ? c->cap * 2 : 1024, 0};
        if (!bigger.slots)
            abort();
        for (size_t i = 0; i < c->cap; i++) {
            if (!c->slots[i].code[0])
                continue;
            size_t j = hash_code(c->slots[i].code) & (bigger.cap - 1);
            while (bigger.slots[j].code[0])
                j = (j + 1) & (bigger.cap - 1);
            bigger.slots[j] = c->slots[i];
            bigger.used++;
        }
        free(c->slots);
        *c = bigger;
    }
    size_t j = hash_code(code) & (c->cap - 1);
    while (c->slots[j].code[0] && strcmp(c->slots[j].code, code) != 0)
        j = (j + 1) & (c->cap - 1);
    if (!c->slots[j].code[0]) {
        snprintf(c->slots[j].code, sizeof c->slots[j].code, "%s", code);
        c->used++;
    }
    c->slots[j].n++;
}

/* ---- messages -------------------------------------------------------------- */

/* "身份证号 (id_number)" when the header spelled it differently, else the name. */
static void field_label(const struct import *im, const char *field, char *out, size_t size)
{
    for (int c = 0; c < im->ncolumns; c++) {
        if (strcmp(im->columns[c].name, field) == 0 && im->field_of_column[c] >= 0 &&
            strcmp(im->label[c], field) != 0) {
            snprintf(out, size, "%s (%s)", im->label[c], field);
            return;
        }
    }
    snprintf(out, size, "%s", field);
}

/* Prints the problems of row "line" on stderr, one line per field. */
static void report(const struct import *im, long line, const struct ep_error *e,
                   const char *id_number_raw)
{
    int en = im->lang == EP_LANG_EN;
    char prefix[48];
    snprintf(prefix, sizeof prefix, en ? "line %ld: " : "第 %ld 行: ", line);
    if (e->nfields == 0)
        fprintf(stderr, "%s%s\n", prefix, ep_error_message(e, im->lang));
    for (int i = 0; i < e->nfields; i++) {
        char label[128];
        field_label(im, e->fields[i].field, label, sizeof label);
        fprintf(stderr, "%s%s: %s\n", prefix, label, e->fields[i].msg[im->lang]);
        /* An export without --full masks ID numbers: they cannot come back. */
        if (strcmp(e->fields[i].field, "id_number") == 0 && id_number_raw &&
            strchr(id_number_raw, '*'))
            fprintf(stderr, "%s%s\n", prefix,
                    en ? "  hint: the ID number is masked; export with --full to import it again"
                       : "  提示:身份证号已脱敏;再导入须用 epigrid export --full 导出的文件");
        /* Excel turns long digit strings into numbers (4.31122E+17) and loses digits. */
        if (strcmp(e->fields[i].field, "id_number") == 0 && id_number_raw &&
            (strstr(id_number_raw, "E+") || strstr(id_number_raw, "e+")))
            fprintf(stderr, "%s%s\n", prefix,
                    en ? "  hint: Excel stored the ID number as a number; format the column as "
                         "Text and type the numbers again"
                       : "  提示:Excel 把身份证号存成了数字(科学计数法),后几位已丢失;"
                         "请把该列设为“文本”格式后重新录入");
    }
}

/* ---- header ---------------------------------------------------------------- */

static int column_matches(const struct column *c, const char *h)
{
    if (strcasecmp(h, c->name) == 0 || strcmp(h, c->zh) == 0)
        return 1;
    for (int i = 0; i < 4 && c->aliases[i]; i++)
        if (strcmp(h, c->aliases[i]) == 0)
            return 1;
    return 0;
}

/* Trims ASCII spaces and tabs (and a full-width space) around f into "out". */
static void trim_copy(const char *p, size_t len, struct buf *out)
{
    for (;;) {
        if (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        else if (len >= 3 && memcmp(p, "\xE3\x80\x80", 3) == 0)
            p += 3, len -= 3;
        else
            break;
    }
    for (;;) {
        if (len &&
            (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r' || p[len - 1] == '\n'))
            len--;
        else if (len >= 3 && memcmp(p + len - 3, "\xE3\x80\x80", 3) == 0)
            len -= 3;
        else
            break;
    }
    buf_append(out, p, len);
}

static void print_accepted(const struct import *im)
{
    fputs(im->lang == EP_LANG_EN ? "  accepted columns:" : "  可用的列:", stderr);
    for (int c = 0; c < im->ncolumns; c++)
        fprintf(stderr, " %s/%s%s", im->columns[c].zh, im->columns[c].name,
                im->columns[c].required ? "*" : "");
    fputs(im->kind == KIND_PERSONS
              ? (im->lang == EP_LANG_EN ? "  (* required; household_id or grid_code required)\n"
                                        : "  (* 必需;住户ID 与 网格编码 至少有一列)\n")
              : (im->lang == EP_LANG_EN ? "  (* required)\n" : "  (* 必需)\n"),
          stderr);
}

static int blank_field(const struct csvread_field *f)
{
    for (size_t k = 0; k < f->len; k++)
        if (f->ptr[k] != ' ' && f->ptr[k] != '\t')
            return 0;
    return 1;
}

static int header(struct import *im, const struct csvread_field *f, size_t n)
{
    struct ep_error *err = im->err;
    im->header_seen = 1;
    im->header_count = n;
    im->column_of_field = calloc(n ? n : 1, sizeof *im->column_of_field);
    if (!im->column_of_field)
        abort();
    for (int c = 0; c < COLUMNS_MAX; c++)
        im->field_of_column[c] = -1;
    struct buf h;
    buf_init(&h);
    /* Empty titles after the last one are Excel's trailing commas. */
    size_t used = n;
    while (used > 1 && blank_field(&f[used - 1]))
        used--;
    for (size_t i = 0; i < n; i++) {
        buf_reset(&h);
        trim_copy(f[i].ptr, f[i].len, &h);
        const char *name = h.data ? h.data : "";
        im->column_of_field[i] = -1;
        if (i >= used)
            continue;
        int found = -1;
        for (int c = 0; c < im->ncolumns && found < 0; c++)
            if (column_matches(&im->columns[c], name))
                found = c;
        char field[32];
        snprintf(field, sizeof field, "%zu", i + 1);
        if (!*name) {
            char label[48];
            snprintf(label, sizeof label, im->lang == EP_LANG_EN ? "column %zu" : "第 %zu 列",
                     i + 1);
            ep_error_field(err, label, "列名为空", "has no name");
        } else if (found < 0) {
            ep_error_field(err, name, "第 %s 列:未知的列名", "column %s: unknown column name",
                           field);
        } else if (im->field_of_column[found] >= 0) {
            ep_error_field(err, name, "第 %s 列:与第 %d 列重复", "column %s: repeats column %d",
                           field, im->field_of_column[found] + 1);
        } else {
            im->field_of_column[found] = (int)i;
            im->column_of_field[i] = found;
            snprintf(im->label[found], sizeof im->label[found], "%s", name);
        }
    }
    buf_cleanup(&h);
    for (int c = 0; c < im->ncolumns; c++)
        if (im->columns[c].required && im->field_of_column[c] < 0)
            ep_error_field(err, im->columns[c].name, "缺少必需的列“%s”(%s)",
                           "required column %.0s%s is missing", im->columns[c].zh,
                           im->columns[c].name);
    if (im->kind == KIND_PERSONS && im->field_of_column[P_HOUSEHOLD_ID] < 0 &&
        im->field_of_column[P_GRID_CODE] < 0)
        ep_error_field(err, "grid_code", "需要“住户ID”或“网格编码”列",
                       "a household_id or grid_code column is required");
    im->key_column = -1;
    for (int c = 0; c < im->ncolumns; c++)
        if (im->columns[c].key && im->key_column < 0 && im->field_of_column[c] >= 0)
            im->key_column = c;
    if (im->kind == KIND_PERSONS && im->field_of_column[P_HOUSEHOLD_ID] >= 0)
        im->household_ids = idmaps_find(&im->refs, "住户ID");
    idmaps_check_used(&im->refs, err);
    if (err->nfields) {
        ep_error_set(err, EP_EINVAL, "表头有误,未导入任何数据", "bad header row; nothing imported");
        return -EP_EINVAL;
    }
    idmap_out_header(&im->map, im->key_column >= 0 ? im->label[im->key_column] : IDMAP_LINE_KEY,
                     im->kind == KIND_PERSONS ? "人员ID" : "住户ID");
    if (im->kind == KIND_HOUSEHOLDS && im->field_of_column[H_HOUSEHOLD_REF] >= 0 && !im->dry_run) {
        im->mapping = tmpfile();
        if (!im->mapping)
            return ep_error_set(err, EP_EINTERNAL, "无法创建临时文件", "cannot create a temp file");
    }
    return 0;
}

/* ---- rows ------------------------------------------------------------------ */

/* The trimmed value of column "col" in the row, NULL when absent or empty.
 * Values live in im->scratch, which collect_values() sized beforehand. */
struct row_values {
    const char *v[COLUMNS_MAX];
};

static int collect_values(struct import *im, const struct csvread_field *f, size_t n,
                          struct row_values *out, long line)
{
    /* Fields without a column title must be empty (Excel's trailing commas). */
    for (size_t i = 0; i < n; i++) {
        if ((i >= im->header_count || im->column_of_field[i] < 0) && !blank_field(&f[i])) {
            struct ep_error e;
            ep_error_clear(&e);
            ep_error_set(&e, EP_EINVAL, "第 %zu 列有内容,但表头没有这一列",
                         "field %zu has a value but the header has no such column", i + 1);
            report(im, line, &e, NULL);
            return -1;
        }
    }
    size_t offsets[COLUMNS_MAX];
    buf_reset(&im->scratch);
    for (int c = 0; c < im->ncolumns; c++) {
        int i = im->field_of_column[c];
        offsets[c] = SIZE_MAX;
        if (i < 0 || (size_t)i >= n)
            continue;
        size_t at = im->scratch.len;
        trim_copy(f[i].ptr, f[i].len, &im->scratch);
        if (im->scratch.len == at)
            continue;
        buf_putc(&im->scratch, '\0');
        /* An export's formula guard ("'=...") is not part of the value. */
        offsets[c] =
            at + (size_t)(csvwrite_unguard(im->scratch.data + at) - (im->scratch.data + at));
    }
    for (int c = 0; c < COLUMNS_MAX; c++)
        out->v[c] =
            c < im->ncolumns && offsets[c] != SIZE_MAX ? im->scratch.data + offsets[c] : NULL;
    return 0;
}

static int all_empty(const struct csvread_field *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < f[i].len; k++)
            if (f[i].ptr[k] != ' ' && f[i].ptr[k] != '\t')
                return 0;
    return 1;
}

/* 男/女/M/F (any case, also male/female) -> "M"/"F"; anything else as given,
 * for person_validate to refuse. */
static const char *sex_code(const char *v)
{
    if (!v)
        return NULL;
    if (strcmp(v, "男") == 0 || strcasecmp(v, "M") == 0 || strcasecmp(v, "male") == 0)
        return "M";
    if (strcmp(v, "女") == 0 || strcasecmp(v, "F") == 0 || strcasecmp(v, "female") == 0)
        return "F";
    return v;
}

static int read_digits(const char **p, int min, int max, int *out)
{
    int n = 0, v = 0;
    while (**p >= '0' && **p <= '9' && n < max) {
        v = v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    *out = v;
    return n >= min;
}

static int skip_sep(const char **p, const char *cjk)
{
    if (**p == '-' || **p == '/' || **p == '.') {
        (*p)++;
        return 1;
    }
    size_t n = strlen(cjk);
    if (strncmp(*p, cjk, n) == 0) {
        *p += n;
        return 1;
    }
    return 0;
}

/* Dates as Excel and people write them -- 1985/6/12, 1985-6-12, 1985.6.12,
 * 1985年6月12日, "1985/6/12 0:00" -- into YYYY-MM-DD in out[32].  Anything
 * else is returned unchanged for person_validate to judge. */
static const char *date_iso(const char *v, char out[32])
{
    if (!v)
        return NULL;
    const char *p = v;
    int y, m, d;
    if (!read_digits(&p, 4, 4, &y) || !skip_sep(&p, "年") || !read_digits(&p, 1, 2, &m) ||
        !skip_sep(&p, "月") || !read_digits(&p, 1, 2, &d))
        return v;
    if (strncmp(p, "日", 3) == 0)
        p += 3;
    if (*p == ' ' && (strcmp(p, " 0:00") == 0 || strcmp(p, " 00:00") == 0 ||
                      strcmp(p, " 0:00:00") == 0 || strcmp(p, " 00:00:00") == 0))
        p += strlen(p);
    if (*p || m < 1 || m > 12 || d < 1 || d > 31)
        return v;
    snprintf(out, 32, "%04d-%02d-%02d", y, m, d);
    return out;
}

/* Excel users type an apostrophe to keep digits as text; it is not data. */
static const char *strip_apostrophe(const char *v)
{
    return v && (v[0] == '\'' || v[0] == '`') && v[1] ? v + 1 : v;
}

static void note_imported(struct import *im, const struct row_values *rv, const char *grid,
                          int64_t id, long line)
{
    counts_add(&im->counts, grid);
    if (im->map.f) {
        char number[32], text[24];
        const char *key = im->key_column >= 0 ? rv->v[im->key_column] : NULL;
        if (!key) /* as sheet_made: "第 N 行" when the row's key cell is empty */
            snprintf(number, sizeof number, im->key_column >= 0 ? "第%ld行" : "%ld", line);
        if (!key)
            key = number;
        snprintf(text, sizeof text, "%lld", (long long)id);
        idmap_out_add(&im->map, key, text);
    }
    if (im->imported == 0) {
        snprintf(im->common, sizeof im->common, "%s", grid);
        im->id_first = id;
    } else {
        size_t k = 0;
        while (im->common[k] && im->common[k] == grid[k])
            k++;
        im->common[k] = '\0';
    }
    if (id < im->id_first)
        im->id_first = id;
    if (id > im->id_last)
        im->id_last = id;
    im->imported++;
    if (im->kind != KIND_PERSONS)
        return;
    if (im->nids == im->ids_cap) {
        im->ids_cap = im->ids_cap ? im->ids_cap * 2 : 4096;
        im->ids = realloc(im->ids, im->ids_cap * sizeof *im->ids);
        im->lines = realloc(im->lines, im->ids_cap * sizeof *im->lines);
        if (!im->ids || !im->lines)
            abort();
    }
    im->ids[im->nids] = id;
    im->lines[im->nids] = line > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)line;
    im->nids++;
}

/* Line of the earlier row of this file that inserted person "id", or 0 when
 * the person was there before the import. */
static long line_of_person(const struct import *im, int64_t id)
{
    size_t lo = 0, hi = im->nids;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (im->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < im->nids && im->ids[lo] == id ? (long)im->lines[lo] : 0;
}

static int first_person(const struct person *p, void *ctx)
{
    *(int64_t *)ctx = p->id;
    return 1;
}

/* A row's write: nested in the import's (a savepoint of its own), so that
 * a refused row (a duplicate) is undone alone and the import goes on
 * (PostgreSQL, unlike SQLite, would otherwise abort the whole transaction at
 * the first refused statement).  The caller runs the step, then write_end. */
static int row_begin(struct import *im, struct write *row, struct ep_error *e)
{
    return write_begin(row, im->s, &im->who, NULL, NULL, NULL, e);
}

/* 1 if a row's failure "e" is the row's fault (reported, the import goes
 * on), 0 if the database failed (the import stops). */
static int row_fault(const struct ep_error *e)
{
    return e->code != EP_EINTERNAL && e->code != EP_EUNAVAILABLE;
}

/* Rewrites the 409 of a duplicate ID number as a row error naming the
 * earlier line of the file or the person already registered. */
static int explain_duplicate(struct import *im, const char *id_number, struct ep_error *e)
{
    int64_t existing = 0;
    struct person_filter f = {.scope = "", .id_number = id_number, .limit = 1};
    struct ep_error lookup;
    ep_error_clear(&lookup);
    if (person_list(im->s, &f, first_person, &existing, &lookup) < 0) {
        *im->err = lookup;
        return -1;
    }
    long earlier = existing ? line_of_person(im, existing) : 0;
    ep_error_clear(e);
    if (earlier)
        ep_error_field(e, "id_number", "与本文件第 %ld 行的身份证号重复",
                       "duplicates the ID number on line %ld of this file", earlier);
    else
        ep_error_field(e, "id_number", "该身份证号已登记(人员ID %lld)",
                       "this ID number is already registered (person %lld)", (long long)existing);
    return 0;
}

/* 是否户主: 1 yes, 0 no (empty too), -1 neither. */
static int yes_no(const char *v)
{
    if (!v || !strcmp(v, "否") || !strcasecmp(v, "no") || !strcmp(v, "0"))
        return 0;
    return !strcmp(v, "是") || !strcasecmp(v, "yes") || !strcmp(v, "1") ? 1 : -1;
}

/* A new person's back-references, in the row's write: the head of the
 * household (是否户主) and the responsible person of the grids listed
 * (责任网格: codes separated by 、 , ; or spaces).  The persons file carries
 * them because it comes after the households and grids it names. */
static void person_refs(struct import *im, struct write *row, const struct row_values *rv,
                        const struct person *p)
{
    struct ep_error *e = row->err;
    int head = yes_no(rv->v[P_IS_HEAD]);
    if (head < 0)
        ep_error_field(e, "is_head", "应为 是 或 否", "must be 是 (yes) or 否 (no)");
    else if (head && !p->household_id)
        ep_error_field(e, "is_head", "没有住户ID,不能是户主", "has no household to head");
    else if (head && household_head_set(row, p->household_id, p->id) == 0)
        im->heads++;
    char *list = rv->v[P_RESPONSIBLE_GRIDS] ? strdup(rv->v[P_RESPONSIBLE_GRIDS]) : NULL, *save;
    for (char *p2 = list ? strstr(list, "、") : NULL; p2; p2 = strstr(p2, "、"))
        memset(p2, ' ', strlen("、"));
    for (char *code = list && !e->nfields ? strtok_r(list, " ,;", &save) : NULL;
         code && write_ok(row); code = strtok_r(NULL, " ,;", &save)) {
        struct ep_error d;
        ep_error_clear(&d);
        if (org_grid_responsible_add(im->s, &im->who, code, p->id, &d) == 0) {
            im->duties++;
        } else if (!row_fault(&d)) {
            *e = d;
            write_fail(row, -d.code);
        } else { /* a grid missing or taken: the row's fault, named by its column */
            const char *why_zh = d.nfields ? d.fields[0].msg[EP_LANG_ZH] : d.msg[EP_LANG_ZH];
            const char *why_en = d.nfields ? d.fields[0].msg[EP_LANG_EN] : d.msg[EP_LANG_EN];
            ep_error_field(e, "responsible_grids", "%s:%s%.0s", "%s: %.0s%s", code, why_zh, why_en);
        }
    }
    free(list);
    write_check(row);
}

static int person_row(struct import *im, const struct row_values *rv, long line)
{
    struct ep_error e;
    ep_error_clear(&e);
    char birth[32];
    const char *id_raw = rv->v[P_ID_NUMBER];
    struct person_input in = {
        .name = rv->v[P_NAME],
        .sex = sex_code(rv->v[P_SEX]),
        .birth_date = date_iso(rv->v[P_BIRTH_DATE], birth),
        .id_number = strip_apostrophe(id_raw),
        .phone = strip_apostrophe(rv->v[P_PHONE]),
        .grid_code = rv->v[P_GRID_CODE],
    };
    const char *hid = rv->v[P_HOUSEHOLD_ID];
    if (hid && im->household_ids) {
        const char *mapped = idmap_get(im->household_ids, hid);
        if (!mapped) {
            ep_error_field(&e, "household_id", "%s 不在对照表 %s 中",
                           "%s is not in the mapping file %s", hid, im->household_ids->path);
            report(im, line, &e, NULL);
            im->bad++;
            return 0;
        }
        hid = mapped;
    }
    if (hid) {
        char *end;
        long long v = strtoll(hid, &end, 10);
        in.household_id = *end || v <= 0 ? -1 : v; /* -1: person_validate names the problem */
    }
    struct person p = {0};
    struct write row;
    if (row_begin(im, &row, &e) != 0)
        return *im->err = e, row.rc;
    long heads = im->heads, duties = im->duties; /* counted again if the row fails */
    if (person_insert(&row, &in, &p) == 0)
        person_refs(im, &row, rv, &p);
    int rc = write_end(&row, p.id);
    if (rc != 0)
        im->heads = heads, im->duties = duties;
    if (rc == -EP_ECONFLICT) {
        if (explain_duplicate(im, p.id_number, &e) != 0)
            return -EP_EINTERNAL;
        rc = -EP_EINVAL;
    }
    if (rc != 0 && row_fault(&e)) {
        report(im, line, &e, id_raw);
        im->bad++;
        return 0;
    }
    if (rc != 0) {
        *im->err = e;
        return rc;
    }
    note_imported(im, rv, p.grid_code, p.id, line);
    return 0;
}

/* Writes one record of the household mapping through the one CSV writer. */
static void mapping_write(FILE *f, const char *ref, const char *id)
{
    struct buf line;
    buf_init(&line);
    const char *fields[] = {ref, id};
    csvwrite_row(&line, fields, 2);
    fputs(line.data, f);
    buf_cleanup(&line);
}

static int household_row(struct import *im, const struct row_values *rv, long line)
{
    struct ep_error e;
    ep_error_clear(&e);
    struct household_input in = {.grid_code = rv->v[H_GRID_CODE], .address = rv->v[H_ADDRESS]};
    struct household h = {0};
    struct write row;
    if (row_begin(im, &row, &e) != 0)
        return *im->err = e, row.rc;
    household_insert(&row, &in, &h);
    int rc = write_end(&row, h.id);
    if (rc != 0 && row_fault(&e)) {
        report(im, line, &e, NULL);
        im->bad++;
        return 0;
    }
    if (rc != 0) {
        *im->err = e;
        return rc;
    }
    note_imported(im, rv, h.grid_code, h.id, line);
    if (im->mapping && rv->v[H_HOUSEHOLD_REF]) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)h.id);
        mapping_write(im->mapping, rv->v[H_HOUSEHOLD_REF], id);
    }
    return 0;
}

static int on_record(const struct csvread_field *f, size_t n, long line, void *ctx)
{
    struct import *im = ctx;
    if (all_empty(f, n))
        return 0; /* Excel writes ",,,," for rows that once held something */
    if (!im->header_seen)
        return header(im, f, n);
    im->rows++;
    /* Once the file has brought as many persons as there were, the rest of
     * the load is cheaper with the indexes built afterwards. */
    if (im->kind == KIND_PERSONS && !im->indexes_deferred && im->imported >= im->persons_before) {
        int rc = store_indexes_defer(im->s, "persons", STORE_DEFER_INDEXES, &im->deferred, im->err);
        if (rc != 0)
            return rc;
        im->indexes_deferred = 1;
    }
    struct row_values rv;
    int rc = 0;
    if (collect_values(im, f, n, &rv, line) != 0)
        im->bad++;
    else
        rc = im->kind == KIND_PERSONS ? person_row(im, &rv, line) : household_row(im, &rv, line);
    if (im->rows % PROGRESS_EVERY == 0) {
        double secs = (double)(time_monotonic_us() - im->started_us) / 1e6;
        fprintf(stderr,
                im->lang == EP_LANG_EN ? "epigrid: %ld rows read (%.0f rows/s)\n"
                                       : "epigrid: 已读取 %ld 行(%.0f 行/秒)\n",
                im->rows, secs > 0 ? (double)im->rows / secs : 0.0);
    }
    return rc;
}

/* ---- the end: counters, audit, commit -------------------------------------- */

/* The counters and the audit row of the import, then the end of its write:
 * committed, or rolled back on a failure (err set). */
static int finish(struct import *im, const char *path, int encoding)
{
    const char *metric = im->kind == KIND_PERSONS ? "persons" : "households";
    if (im->indexes_deferred)
        write_fail(&im->w, store_indexes_restore(im->s, &im->deferred, im->err));
    for (size_t i = 0; i < im->counts.cap; i++) {
        const struct grid_count *g = &im->counts.slots[i];
        if (g->code[0])
            write_count(&im->w, g->code, metric, g->n);
    }
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char region[REGION_CODE_MAX];
    region_code_of_prefix(im->common, region);
    json_t *after = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "file", base, "path",
                              path, "encoding", csvread_encoding_name(encoding), "rows",
                              (json_int_t)im->rows, "imported", (json_int_t)im->imported, "skipped",
                              (json_int_t)im->bad, "grids", (json_int_t)im->counts.used, "id_first",
                              (json_int_t)im->id_first, "id_last", (json_int_t)im->id_last);
    if (im->kind == KIND_PERSONS) { /* the back-references the persons file carried */
        json_object_set_new(after, "heads", json_integer(im->heads));
        json_object_set_new(after, "grids_responsible", json_integer(im->duties));
    }
    write_audit_key(&im->w, "import", im->kind == KIND_PERSONS ? "person" : "household", base,
                    region, NULL, after);
    json_decref(after);
    return write_end(&im->w, 0);
}

static int copy_mapping(FILE *from)
{
    if (!from)
        return 0;
    rewind(from);
    mapping_write(stdout, "户编号", "住户ID");
    char block[65536];
    size_t n;
    while ((n = fread(block, 1, sizeof block, from)) > 0)
        if (fwrite(block, 1, n, stdout) != n)
            return -1;
    return fflush(stdout) == 0 ? 0 : -1;
}

int cli_import(int argc, char **argv)
{
    /* The other kinds have files of their own; the options taking a value
     * are skipped to find the kind. */
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--db") || !strcmp(argv[i], "-d") || !strcmp(argv[i], "--map") ||
            !strcmp(argv[i], "-m") || !strcmp(argv[i], "--ids") || !strcmp(argv[i], "-i"))
            i++;
        else if (argv[i][0] != '-') {
            if (strcmp(argv[i], "orgs") == 0 || strcmp(argv[i], "members") == 0 ||
                strcmp(argv[i], "activities") == 0)
                return cli_import_orgs(argc, argv);
            if (strcmp(argv[i], "teams") == 0) /* import_teams.c */
                return cli_import_teams(argc, argv);
            if (strcmp(argv[i], "cases") == 0) /* import_cases.c */
                return cli_import_cases(argc, argv);
            if (strcmp(argv[i], "regions") == 0 || strcmp(argv[i], "grids") == 0)
                return cli_import_regions(argc, argv);
            break;
        }
    const char *db = NULL, *map = NULL, *ids = NULL;
    struct import im;
    memset(&im, 0, sizeof im);
    const struct cli_option opts[] = {{"db", 'd', &db, NULL},
                                      {"skip-bad", 's', NULL, &im.skip_bad},
                                      {"dry-run", 'n', NULL, &im.dry_run},
                                      {"map", 'm', &map, NULL},
                                      {"ids", 'i', &ids, NULL},
                                      {NULL, 0, NULL, NULL}};
    int status = cli_options_parse(argc, argv, opts, HELP, 0);
    if (status >= 0)
        return status;
    if (argc - optind != 2 ||
        (strcmp(argv[optind], "persons") != 0 && strcmp(argv[optind], "households") != 0)) {
        return cli_usage(HELP);
    }
    im.kind = strcmp(argv[optind], "persons") == 0 ? KIND_PERSONS : KIND_HOUSEHOLDS;
    im.columns = im.kind == KIND_PERSONS ? person_columns : household_columns;
    im.ncolumns = im.kind == KIND_PERSONS
                      ? (int)(sizeof person_columns / sizeof *person_columns)
                      : (int)(sizeof household_columns / sizeof *household_columns);
    im.lang = cli_lang();
    const char *path = argv[optind + 1];
    int en = im.lang == EP_LANG_EN;

    struct ep_error err;
    ep_error_clear(&err);
    if (idmaps_load(&im.refs, ids, &err) != 0 ||
        idmap_out_open(&im.map, im.dry_run ? NULL : map, &err) != 0) {
        cli_print_error(&err);
        idmaps_free(&im.refs);
        return CLI_FAIL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, en ? "epigrid: cannot open %s\n" : "epigrid: 无法打开文件 %s\n", path);
        idmap_out_discard(&im.map);
        idmaps_free(&im.refs);
        return CLI_FAIL;
    }
    im.s = cli_open_store(cli_db_path(db), 0);
    if (!im.s) {
        fclose(f);
        idmap_out_discard(&im.map);
        idmaps_free(&im.refs);
        return CLI_FAIL;
    }
    buf_init(&im.scratch);
    im.err = &err;
    im.started_us = time_monotonic_us();
    status = CLI_FAIL;
    int encoding = CSVREAD_ASCII;
    audit_cli_actor(&im.user, &im.who);
    int rc = write_begin(&im.w, im.s, &im.who, NULL, NULL, NULL, &err);
    if (rc == 0 && im.kind == KIND_PERSONS)
        rc = person_id_max(im.s, &im.persons_before, &err);
    if (rc == 0)
        rc = csvread_file(f, on_record, &im, &encoding, &err);
    if (rc == 0 && !im.header_seen)
        rc = ep_error_set(&err, EP_EINVAL, "文件为空:第一行应为表头",
                          "empty file: the first row "
                          "must be the header");
    if (rc != 0) {
        write_abort(&im.w);
        cli_print_error(&err);
        if (im.header_seen == 1 && im.rows == 0 && err.nfields)
            print_accepted(&im);
        goto out;
    }
    long good = im.imported;
    if (im.bad && !im.skip_bad) {
        write_abort(&im.w);
        if (good == 0)
            fprintf(stderr,
                    en ? "epigrid: %ld of %ld rows are bad; nothing imported\n"
                       : "epigrid: %ld 行有误(共 %ld 行),未导入任何数据\n",
                    im.bad, im.rows);
        else
            fprintf(stderr,
                    en ? "epigrid: %ld of %ld rows are bad; nothing imported (fix them, or use "
                         "--skip-bad to import the %ld good rows)\n"
                       : "epigrid: %ld 行有误(共 %ld 行),未导入任何数据(请改正,或用 --skip-bad "
                         "导入其余 %ld 行)\n",
                    im.bad, im.rows, good);
        goto out;
    }
    if (im.dry_run) {
        write_abort(&im.w);
        fprintf(stderr,
                en ? "epigrid: dry run: %ld rows read, %ld would be imported, %ld bad; nothing "
                     "written\n"
                   : "epigrid: 试运行:读取 %ld 行,可导入 %ld 行,有误 %ld 行;未写入任何数据\n",
                im.rows, good, im.bad);
        status = CLI_OK;
        goto out;
    }
    if (im.imported == 0) {
        write_abort(&im.w);
        fprintf(stderr,
                en ? "epigrid: %ld rows read, nothing to import (%ld bad)\n"
                   : "epigrid: 读取 %ld 行,没有可导入的数据(有误 %ld 行)\n",
                im.rows, im.bad);
        status = CLI_OK;
        goto out;
    }
    if (finish(&im, path, encoding) != 0) {
        cli_print_error(&err);
        goto out;
    }
    double secs = (double)(time_monotonic_us() - im.started_us) / 1e6;
    double rate = secs > 0 ? (double)im.rows / secs : 0.0;
    const char *what =
        im.kind == KIND_PERSONS ? (en ? "persons" : "人员") : (en ? "households" : "住户");
    if (en)
        fprintf(stderr,
                "epigrid: imported %ld %s from %s (%s) in %zu grids; %ld bad rows skipped; "
                "%.1f s, %.0f rows/s\n",
                im.imported, what, path, csvread_encoding_name(encoding), im.counts.used, im.bad,
                secs, rate);
    else
        fprintf(stderr,
                "epigrid: 已从 %s(%s 编码)导入%s %ld 条,分布在 %zu 个网格;跳过有误的行 %ld 行;"
                "用时 %.1f 秒,%.0f 行/秒\n",
                path, csvread_encoding_name(encoding), what, im.imported, im.counts.used, im.bad,
                secs, rate);
    /* The new records' ids, which teams, shifts and duties name (issue 18). */
    fprintf(stderr, en ? "epigrid: new %s ids: %lld to %lld\n" : "epigrid: 新%s编号:%lld 至 %lld\n",
            what, (long long)im.id_first, (long long)im.id_last);
    status = CLI_OK;
    if (copy_mapping(im.mapping) != 0)
        status = CLI_FAIL;
    if (idmap_out_commit(&im.map, im.lang, &err) != 0) {
        cli_print_error(&err);
        status = CLI_FAIL;
    }
out:
    idmap_out_discard(&im.map); /* a no-op after the commit */
    idmaps_free(&im.refs);
    if (im.mapping)
        fclose(im.mapping);
    fclose(f);
    store_close(im.s);
    buf_cleanup(&im.scratch);
    free(im.column_of_field);
    free(im.counts.slots);
    free(im.ids);
    free(im.lines);
    store_indexes_cleanup(&im.deferred); /* built, or dropped by a rolled-back transaction */
    return status;
}
