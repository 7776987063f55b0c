/*
 * import_cases.c -- `epigrid import cases FILE.csv`: a line list (一览表) of
 * cases with their dates, as health commissions exchange them, UTF-8 or GBK
 * (issue 17, item 8).  The columns are those of the line list the API
 * exports (GET /api/v1/cases/export), so an export re-imports:
 *
 *   身份证号/id_number*  the person; registered with 姓名 and 网格编码 when new
 *   姓名/name, 网格编码/grid_code, 电话/phone   (a new person's)
 *   状态/status*         疑似病例 确诊病例 无症状感染者 已排除 治愈出院 死亡, or the
 *                        machine names (suspected, confirmed, ...)
 *   病情分型/severity     轻型 普通型 重型 危重型, or mild ... critical
 *   发病日期/onset_date, 报告日期/report_date*, 确诊日期/confirmed_date,
 *   转归日期/outcome_date (discharged, deceased or excluded), 收治场所/site (a
 *   site's name)
 *   病例编号: the key of --map (the export's case number; the case gets a new one)
 *   性别, 出生日期: read and ignored (the export's own; sex and birth
 *   date come from the ID number)
 *
 * Each row replays the case's history on the days it happened, through the
 * same core functions as the API (case_create, case_update: counters, audit,
 * four-concentrations alert): reported on its report date as suspected (or
 * as confirmed / asymptomatic when confirmed that day), confirmed on its
 * confirmation date, discharged / deceased / excluded on its outcome date.
 * So the bulletin of any past day shows the file's cases as they stood.
 * The frame (one transaction, bad rows by line, --skip-bad, --dry-run) is
 * cli/sheet.h.  Prints "line,case id" for each case imported.
 */
#include <getopt.h> /* optind */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/sheet.h"
#include "core/case.h"
#include "core/person.h"
#include "core/site.h"
#include "util/buf.h"
#include "util/timeutil.h"

static const char *HELP =
    "用法 usage: epigrid import cases FILE.csv [--skip-bad] [--dry-run] [--map FILE] [--db PATH]\n"
    "\n"
    "  病例一览表 line list: 身份证号/id_number*, 姓名/name, 网格编码/grid_code, 电话/phone,\n"
    "  状态/status* (疑似病例/确诊病例/无症状感染者/已排除/治愈出院/死亡), 病情分型/severity,\n"
    "  发病日期/onset_date, 报告日期/report_date*, 确诊日期/confirmed_date,\n"
    "  转归日期/outcome_date, 收治场所/site (场所名称)\n"
    "  新的人员按姓名和网格编码登记。每个病例按发生日期记入(报告、确诊、转归)。\n"
    "  Each case is entered on the days it happened.  Nothing is imported if any row is bad\n"
    "  unless --skip-bad; --dry-run only checks.  Prints \"line,case id\" pairs.\n"
    "  --map FILE: 写出 病例编号(或行号)→新病例编号 对照表 writes \"key,new id\" to FILE.";

enum {
    C_CASE_ID,
    C_NAME,
    C_SEX,
    C_BIRTH,
    C_ID_NUMBER,
    C_PHONE,
    C_GRID,
    C_STATUS,
    C_SEVERITY,
    C_ONSET,
    C_REPORT,
    C_CONFIRMED,
    C_SITE,
    C_OUTCOME,
};
static const struct sheet_column columns[] = {
    {"case_id", "病例编号", {NULL}, 0, NULL, 1},
    {"name", "姓名", {NULL}, 0, NULL, 0},
    {"sex", "性别", {NULL}, 0, NULL, 0},
    {"birth_date", "出生日期", {NULL}, 0, NULL, 0},
    {"id_number", "身份证号", {"身份证号码"}, 1, NULL, 0},
    {"phone", "电话", {"联系电话"}, 0, NULL, 0},
    {"grid_code", "网格编码", {NULL}, 0, NULL, 0},
    {"status", "状态", {"病例状态"}, 1, NULL, 0},
    {"severity", "病情分型", {"临床分型"}, 0, NULL, 0},
    {"onset_date", "发病日期", {NULL}, 0, NULL, 0},
    {"report_date", "报告日期", {NULL}, 1, NULL, 0},
    {"confirmed_date", "确诊日期", {NULL}, 0, NULL, 0},
    {"site", "收治场所", {"收治医院"}, 0, NULL, 0},
    {"outcome_date", "转归日期", {NULL}, 0, NULL, 0},
};
_Static_assert(sizeof columns / sizeof columns[0] <= SHEET_COLUMNS_MAX, "columns fit a sheet");

/* A status or severity by its Chinese or machine name: the machine name, or
 * NULL when unknown. */
static const char *status_of(const char *v)
{
    for (int i = 0; v && case_statuses[i]; i++)
        if (!strcmp(v, case_statuses[i]) || !strcmp(v, case_status_zh(case_statuses[i])))
            return case_statuses[i];
    if (v &&
        (!strcmp(v, "确诊") || !strcmp(v, "疑似") || !strcmp(v, "出院") || !strcmp(v, "无症状")))
        return !strcmp(v, "确诊")   ? "confirmed"
               : !strcmp(v, "疑似") ? "suspected"
               : !strcmp(v, "出院") ? "discharged"
                                    : "asymptomatic";
    return NULL;
}

static const char *severity_of(const char *v)
{
    for (int i = 0; v && case_severities[i]; i++)
        if (!strcmp(v, case_severities[i]) || !strcmp(v, case_severity_zh(case_severities[i])))
            return case_severities[i];
    return v; /* unknown: case_create names the valid ones */
}

struct site_pick {
    const char *name;
    int64_t id;
    int n;
};

static int pick_site(const struct site *site, void *arg)
{
    struct site_pick *p = arg;
    if (strcmp(site->name, p->name) == 0)
        p->id = site->id, p->n++;
    return 0;
}

/* The person of the ID number, registered from the row when new: 0 with
 * *id, or a field error in "e" (-EP_EINVAL) or a fatal error. */
static int person_of(struct sheet *sh, char **v, int64_t *id, struct ep_error *e)
{
    *id = 0;
    struct store_stmt *st =
        store_prepare(sh->s, "SELECT id FROM persons WHERE id_number = upper(?)", e);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, v[C_ID_NUMBER] ? v[C_ID_NUMBER] : "");
    int rc = store_step(st, e);
    if (rc == STORE_ROW)
        *id = store_column_int64(st, 0);
    store_stmt_reset(st);
    if (rc < 0 || *id)
        return rc < 0 ? rc : 0;
    if (!v[C_NAME] || !v[C_GRID]) {
        ep_error_field(e, "id_number", "身份证号 %s 未登记:新人员需要姓名和网格编码",
                       "ID number %s is not registered: a new person needs name and grid_code",
                       v[C_ID_NUMBER] ? v[C_ID_NUMBER] : "");
        return -EP_EINVAL;
    }
    struct person_input in = {.name = v[C_NAME],
                              .id_number = v[C_ID_NUMBER],
                              .phone = v[C_PHONE],
                              .grid_code = v[C_GRID]};
    struct person p;
    if ((rc = person_create(sh->s, &sh->who, &in, NULL, &p, e)) != 0)
        return rc;
    *id = p.id;
    return 0;
}

/* The core names the change's time "occurred_at"; the sheet's column is "column". */
static void rename_occurred(struct ep_error *e, const char *column)
{
    for (int i = 0; i < e->nfields; i++)
        if (strcmp(e->fields[i].field, "occurred_at") == 0)
            snprintf(e->fields[i].field, sizeof e->fields[i].field, "%s", column);
}

/* One case: its history replayed on its days, in a savepoint. */
static int case_row(struct sheet *sh, char **v, long line, struct ep_error *e)
{
    const char *status = status_of(v[C_STATUS]);
    if (!status)
        ep_error_field(e, "status",
                       "应为 疑似病例、确诊病例、无症状感染者、已排除、治愈出院 或 死亡",
                       "must be suspected, confirmed, asymptomatic, excluded, discharged or "
                       "deceased");
    int64_t day;
    static const int dated[] = {C_ONSET, C_REPORT, C_CONFIRMED, C_OUTCOME};
    for (size_t i = 0; i < sizeof dated / sizeof dated[0]; i++)
        if (v[dated[i]] && time_date_parse(v[dated[i]], &day) != 0)
            ep_error_field(e, columns[dated[i]].name, "日期无效,格式应为 YYYY-MM-DD",
                           "invalid date, expected YYYY-MM-DD");
    int confirmed = status && (!strcmp(status, "confirmed") || !strcmp(status, "discharged") ||
                               !strcmp(status, "deceased"));
    int ended = status && (!strcmp(status, "discharged") || !strcmp(status, "deceased") ||
                           !strcmp(status, "excluded"));
    if (ended && !v[C_OUTCOME])
        ep_error_field(e, "outcome_date", "状态为%s%.0s时必填",
                       "is required when the status is %.0s%s", case_status_zh(status),
                       v[C_STATUS]);
    if (e->code)
        return 1;
    /* The whole row in one savepoint: the person, the case, its changes. */
    if (store_begin(sh->s, e) != 0)
        return -e->code;
    int64_t person = 0, site = 0;
    int rc = person_of(sh, v, &person, e);
    if (rc == 0 && v[C_SITE]) {
        struct site_pick pick = {v[C_SITE], 0, 0};
        rc = site_list(sh->s, "", NULL, NULL, pick_site, &pick, e);
        if (rc == 0 && pick.n != 1) {
            ep_error_field(e, "site", pick.n ? "场所名称“%s”不唯一" : "场所“%s”不存在",
                           pick.n ? "site name %s is not unique" : "site %s not found", v[C_SITE]);
            rc = -EP_EINVAL;
        }
        site = pick.id;
    }
    /* Reported: as confirmed when confirmed on its report date (or with no
     * confirmation date), else as suspected, or as the open status given. */
    const char *first = status;
    const char *confirmed_on = v[C_CONFIRMED] ? v[C_CONFIRMED] : v[C_REPORT];
    if (confirmed)
        first = strcmp(confirmed_on, v[C_REPORT]) == 0 ? "confirmed" : "suspected";
    else if (!strcmp(status, "excluded"))
        first = "suspected";
    struct case_record c;
    if (rc == 0) {
        struct case_input in = {.person_id = person,
                                .status = first,
                                .severity = v[C_SEVERITY] ? severity_of(v[C_SEVERITY]) : NULL,
                                .onset_date = v[C_ONSET],
                                .report_date = v[C_REPORT],
                                .site_id = site};
        rc = case_create(sh->s, &sh->who, &in, NULL, &c, e);
    }
    if (rc == 0 && confirmed && strcmp(first, "confirmed") != 0) {
        struct case_change ch = {.status = "confirmed", .occurred_at = confirmed_on};
        rc = case_update(sh->s, &sh->who, c.id, &ch, &c, e);
        rename_occurred(e, "confirmed_date");
    }
    if (rc == 0 && ended) {
        struct case_change ch = {.status = status, .occurred_at = v[C_OUTCOME]};
        rc = case_update(sh->s, &sh->who, c.id, &ch, &c, e);
        rename_occurred(e, "outcome_date");
    }
    if (rc == 0 && (rc = store_commit(sh->s, e)) == 0) {
        buf_appendf(sh->ctx, "%ld,%lld\n", line, (long long)c.id);
        sheet_made(sh, sheet_key(sh, v), line, c.id, NULL);
        return 0;
    }
    store_rollback(sh->s);
    if (e->code == EP_EINTERNAL || e->code == EP_EUNAVAILABLE)
        return -e->code;
    return 1; /* field errors, or a rule of the case (409, 422): its message */
}

/* After the commit: "line,case id" of each case imported. */
static void print_cases(struct sheet *sh)
{
    const struct buf *lines = sh->ctx;
    if (lines->len)
        fwrite(lines->data, 1, lines->len, stdout);
}

int cli_import_cases(int argc, char **argv)
{
    struct sheet_options o;
    int rc = sheet_options(argc, argv, HELP, 1, &o);
    if (rc >= 0)
        return rc;
    if (strcmp(argv[optind], "cases") != 0) {
        return cli_usage(HELP);
    }
    struct buf lines;
    buf_init(&lines);
    struct sheet sh = {
        .columns = columns,
        .ncolumns = (int)(sizeof columns / sizeof columns[0]),
        .row = case_row,
        .committed = print_cases,
        .ctx = &lines,
        .what_zh = "病例",
        .what_en = "cases",
        .id_kind = "病例编号",
    };
    rc = sheet_import(&sh, argv[optind + 1], &o);
    buf_cleanup(&lines);
    return rc;
}
