/*
 * import_orgs.c -- `epigrid import orgs|members|activities FILE.csv`: party
 * organisations, their members and their activities from the spreadsheets an
 * organisation department keeps, UTF-8 or GBK (util/csvread.h detects which).
 *
 * The frame (one transaction, a savepoint per row, bad rows by line,
 * --skip-bad, --dry-run, --map, --ids) is cli/sheet.h; each row is checked
 * and written by the domain (org_insert / org_member_insert /
 * org_activity_create: the same rules, counters and audit rows as the API).
 *
 * orgs:    编号/ref (a local reference), 名称/name*, 类别/kind* (常设/临时/流动 or
 *          regular/temporary/mobile), 地区编码/region_code*, 上级编号/parent_ref
 *          (a ref of an earlier row) or 上级ID/parent_id, 驻地/location,
 *          成立日期/founded_date*, 撤销日期/dissolved_date (done after the last
 *          row, branches first).  Prints "ref,id" for rows with a ref.
 * members: 党员记录ID/member_id (the key of --map), 党组织ID/org_id*,
 *          姓名/person_name (checked against the person registered),
 *          身份证号/id_number* (a registered person), 职务/role
 *          (书记/副书记/委员/党员/预备党员 or the machine names; default 党员),
 *          加入日期/joined_date.
 * activities (活动台账): 活动ID/activity_id (the key of --map), 党组织ID/org_id*,
 *          日期/date* (a day, or a time with its offset: when it took place),
 *          类型/kind* (誓师/请战, 会议, 学习, 志愿服务, 其他 or the codes),
 *          主题/title*, 地点/place, 参加人数/participants (default: the persons
 *          listed), 参加人员身份证号/id_numbers (registered persons, separated
 *          by 、 , ; or spaces), 备注/note.
 */
#include <getopt.h> /* optind */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/sheet.h"
#include "core/org.h"
#include "core/person.h"
#include "util/timeutil.h"

#define REFS_MAX 100000

static const char *HELP =
    "用法 usage: epigrid import orgs|members|activities FILE.csv [--skip-bad] [--dry-run]\n"
    "                           [--map FILE] [--ids FILE[,FILE]] [--db PATH]\n"
    "\n"
    "  orgs:    编号/ref, 名称/name*, 类别/kind* (常设/临时/流动), 地区编码/region_code*,\n"
    "           上级编号/parent_ref 或 上级ID/parent_id, 驻地/location, 成立日期/founded_date*,\n"
    "           撤销日期/dissolved_date\n"
    "  members: 党员记录ID/member_id(对照表的键), 党组织ID/org_id*, 姓名/person_name,\n"
    "           身份证号/id_number*, 职务/role (书记/副书记/委员/党员/预备党员), "
    "加入日期/joined_date\n"
    "  activities: 活动ID/activity_id(对照表的键), 党组织ID/org_id*, 日期/date*(日期或时间),\n"
    "           类型/kind*(誓师/请战、会议、学习、志愿服务、其他), 主题/title*, 地点/place,\n"
    "           参加人数/participants, 参加人员身份证号/id_numbers(用顿号或逗号分隔), 备注/note\n"
    "  编码 UTF-8 或 GBK。有任何一行有误时不导入任何数据(退出码 1);--skip-bad 导入其余行。\n"
    "  Imports party organisations, members or the organisations' activities (UTF-8 or\n"
    "  GBK); an activity's registered participants by ID number.  Nothing is imported if any\n"
    "  row is bad unless --skip-bad; --dry-run only checks.  orgs prints \"ref,id\" pairs.\n"
    "  --map FILE: 写出 编号(或行号)→新ID 对照表 writes \"key,new id\";\n"
    "  --ids FILE: 按对照表换算 党组织ID/上级ID translates org ids through mapping files.\n"
    "  See docs/import-export.md.";

enum {
    O_REF,
    O_NAME,
    O_KIND,
    O_REGION,
    O_PARENT_REF,
    O_PARENT_ID,
    O_LOCATION,
    O_FOUNDED,
    O_DISSOLVED
};
static const struct sheet_column org_columns[] = {
    {"ref", "编号", {NULL}, 0, NULL, 1},
    {"name", "名称", {"党组织名称"}, 1, NULL, 0},
    {"kind", "类别", {"类型"}, 1, NULL, 0},
    {"region_code", "地区编码", {NULL}, 1, NULL, 0},
    {"parent_ref", "上级编号", {NULL}, 0, NULL, 0},
    {"parent_id", "上级ID", {NULL}, 0, "党组织ID", 0},
    {"location", "驻地", {NULL}, 0, NULL, 0},
    {"founded_date", "成立日期", {NULL}, 1, NULL, 0},
    {"dissolved_date", "撤销日期", {NULL}, 0, NULL, 0},
};

enum { M_MEMBER_ID, M_ORG_ID, M_NAME, M_ID_NUMBER, M_ROLE, M_JOINED };
static const struct sheet_column member_columns[] = {
    {"member_id", "党员记录ID", {NULL}, 0, NULL, 1},
    {"org_id", "党组织ID", {NULL}, 1, "党组织ID", 0},
    {"person_name", "姓名", {NULL}, 0, NULL, 0},
    {"id_number", "身份证号", {"身份证号码"}, 1, NULL, 0},
    {"role", "职务", {NULL}, 0, NULL, 0},
    {"joined_date", "加入日期", {NULL}, 0, NULL, 0},
};

/* activities: the columns of an organisation's activity log (活动台账). */
enum {
    A_ACTIVITY_ID,
    A_ORG_ID,
    A_DATE,
    A_KIND,
    A_TITLE,
    A_PLACE,
    A_PARTICIPANTS,
    A_ID_NUMBERS,
    A_NOTE
};
static const struct sheet_column activity_columns[] = {
    {"activity_id", "活动ID", {"编号", "活动编号", NULL}, 0, NULL, 1},
    {"org_id", "党组织ID", {NULL}, 1, "党组织ID", 0},
    {"date", "日期", {"活动日期", "时间", "occurred_at", NULL}, 1, NULL, 0},
    {"kind", "类型", {"活动类型", "类别", NULL}, 1, NULL, 0},
    {"title", "主题", {"活动主题", "标题", NULL}, 1, NULL, 0},
    {"place", "地点", {"活动地点", NULL}, 0, NULL, 0},
    {"participants", "参加人数", {"人数", NULL}, 0, NULL, 0},
    {"id_numbers", "参加人员身份证号", {"参加人员", NULL}, 0, NULL, 0},
    {"note", "备注", {"内容", NULL}, 0, NULL, 0},
};

struct ref {
    char *key;  /* the row's ref (heap) */
    int64_t id; /* the organisation created */
};

/* An organisation of the file dissolved (撤销日期): done after the last row,
 * children first, since a dissolved one takes no new branches. */
struct dissolution {
    int64_t id;
    char date[11];
    long line;
};

struct refs {
    struct ref *refs;
    size_t nrefs;
    struct dissolution *dissolved;
    size_t ndissolved;
};

/* A member's role by its name or code (org_member_role_code); none: 党员. */
static const char *role_code(const char *v)
{
    return !v || !*v ? "member" : org_member_role_code(v);
}

/* One organisation row. */
static int org_row(struct sheet *sh, char **v, long line, struct ep_error *e)
{
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
    int64_t founded = -1, dissolved = -1;
    if (v[O_DISSOLVED]) { /* checked now, so that the row is named; done at the end */
        org_check_date(v[O_DISSOLVED], "dissolved_date", 0, &dissolved, e);
        if (dissolved >= 0 && v[O_FOUNDED] && time_date_parse(v[O_FOUNDED], &founded) == 0 &&
            dissolved < founded)
            ep_error_field(e, "dissolved_date", "不能早于成立日期",
                           "must not be before founded_date");
        else if (dissolved > time_today_cn())
            ep_error_field(e, "dissolved_date", "不能晚于今天", "must not be after today");
    }
    int rc = -e->code;
    if (!e->code) {
        struct org_input in = {
            v[O_NAME], org_kind_code(v[O_KIND]), v[O_REGION], parent, v[O_LOCATION], v[O_FOUNDED]};
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
    if (v[O_DISSOLVED]) {
        struct dissolution *more =
            realloc(r->dissolved, (r->ndissolved + 1) * sizeof *r->dissolved);
        if (!more)
            abort();
        r->dissolved = more;
        struct dissolution *d = &r->dissolved[r->ndissolved++];
        d->id = id;
        d->line = line;
        snprintf(d->date, sizeof d->date, "%s", v[O_DISSOLVED]);
    }
    sheet_made(sh, sheet_key(sh, v), line, id, NULL);
    return 0;
}

/* One member row. */
static int member_row(struct sheet *sh, char **v, long line, struct ep_error *e)
{
    struct write w;
    if (write_begin(&w, sh->s, &sh->who, NULL, NULL, NULL, e) != 0)
        return w.rc;
    int64_t org = sheet_id(v[M_ORG_ID]);
    if (org <= 0)
        ep_error_field(e, "org_id", "应为正整数", "must be a positive integer");
    struct person p = {0};
    int rc = sheet_person(sh, v[M_ID_NUMBER] ? v[M_ID_NUMBER] : "", &p, e);
    if (rc < 0) {
        write_end(&w, 0);
        return rc;
    }
    int64_t person = rc ? p.id : 0;
    if (!person)
        ep_error_field(e, "id_number", "身份证号 %s 未登记", "ID number %s is not registered",
                       v[M_ID_NUMBER] ? v[M_ID_NUMBER] : "");
    else if (v[M_NAME] && strcmp(v[M_NAME], p.name) != 0)
        ep_error_field(e, "person_name", "与登记的姓名不符", "differs from the name registered");
    rc = -e->code;
    int64_t id = 0;
    if (!e->code) {
        struct org_member_input in = {person, role_code(v[M_ROLE]), v[M_JOINED]};
        rc = org_member_insert(&w, org, &in, &id);
    }
    write_fail(&w, rc);
    if (write_end(&w, 0) != 0)
        return e->code == EP_EINTERNAL || e->code == EP_EUNAVAILABLE ? -e->code : 1;
    sheet_made(sh, sheet_key(sh, v), line, id, NULL);
    return 0;
}

/* The core names an activity's fields after its input; the sheet's columns
 * are "date" and "id_numbers". */
static void rename_activity_fields(struct ep_error *e)
{
    for (int i = 0; i < e->nfields; i++) {
        char *f = e->fields[i].field;
        if (!strcmp(f, "occurred_at"))
            snprintf(f, sizeof e->fields[i].field, "date");
        else if (!strncmp(f, "person_ids", 10))
            snprintf(f, sizeof e->fields[i].field, "id_numbers");
    }
}

/* One activity: its registered participants by ID number (separated by
 * 、 , ， ; ； spaces or line breaks), then org_activity_create in a write of
 * its own nested in the file's. */
static int activity_row(struct sheet *sh, char **v, long line, struct ep_error *e)
{
    int64_t persons[ORG_ACTIVITY_PERSONS_MAX];
    int npersons = 0;
    int64_t org = sheet_id(v[A_ORG_ID]);
    if (org < 0)
        ep_error_field(e, "org_id", "应为正整数", "must be a positive integer");
    int64_t participants = sheet_id(v[A_PARTICIPANTS]);
    if (participants < 0)
        ep_error_field(e, "participants", "应为正整数", "must be a positive integer");
    char *list = v[A_ID_NUMBERS] ? strdup(v[A_ID_NUMBERS]) : NULL, *save = NULL;
    static const char *const seps[] = {"、", "，", "；", NULL};
    for (int i = 0; list && seps[i]; i++) /* the wide separators become spaces */
        for (char *p = strstr(list, seps[i]); p; p = strstr(p, seps[i]))
            memset(p, ' ', strlen(seps[i]));
    for (char *id = list ? strtok_r(list, " ,;\t\r\n", &save) : NULL; id;
         id = strtok_r(NULL, " ,;\t\r\n", &save)) {
        struct person p;
        int rc = sheet_person(sh, id, &p, e);
        if (rc < 0) {
            free(list);
            return rc;
        }
        if (rc == 0)
            ep_error_field(e, "id_numbers", "身份证号 %s 未登记", "ID number %s is not registered",
                           id);
        else if (npersons == ORG_ACTIVITY_PERSONS_MAX)
            ep_error_field(e, "id_numbers", "最多 %d 人", "at most %d persons",
                           ORG_ACTIVITY_PERSONS_MAX);
        else
            persons[npersons++] = p.id;
    }
    free(list);
    if (e->code)
        return 1;
    struct org_activity_input in = {.org_id = org,
                                    .kind = v[A_KIND] ? org_activity_kind_code(v[A_KIND]) : NULL,
                                    .title = v[A_TITLE],
                                    .place = v[A_PLACE],
                                    .note = v[A_NOTE],
                                    .participants = participants,
                                    .person_ids = persons,
                                    .npersons = npersons,
                                    .occurred_at = v[A_DATE]};
    json_t *made = NULL;
    int rc = org_activity_create(sh->s, &sh->who, &in, &made, e);
    int64_t id = json_integer_value(json_object_get(made, "id"));
    json_decref(made);
    if (rc == 0) {
        sheet_made(sh, sheet_key(sh, v), line, id, NULL);
        return 0;
    }
    if (e->code == EP_EINTERNAL || e->code == EP_EUNAVAILABLE)
        return -e->code;
    rename_activity_fields(e);
    return 1;
}

/* After the last row (sheet.h "end"): the organisations of the file that
 * were dissolved, the last row first (branches come after their parents).
 * A refusal stops the import: nothing is written. */
static int dissolve_all(struct sheet *sh, struct ep_error *err)
{
    struct refs *r = sh->ctx;
    for (size_t i = r->ndissolved; i-- > 0;) {
        struct ep_error e;
        ep_error_clear(&e);
        json_t *out = NULL;
        int rc = org_dissolve(sh->s, &sh->who, r->dissolved[i].id, r->dissolved[i].date, &out, &e);
        json_decref(out);
        if (rc == 0)
            continue;
        if (e.code == EP_EINTERNAL || e.code == EP_EUNAVAILABLE) {
            *err = e;
            return rc;
        }
        if (!e.nfields) /* a rule: name the column */
            ep_error_field(&e, "dissolved_date", "%s%.0s", "%.0s%s", e.msg[EP_LANG_ZH],
                           e.msg[EP_LANG_EN]);
        sheet_bad(sh, r->dissolved[i].line, &e);
        return ep_error_set(err, EP_EINVAL, "撤销日期有误,未导入任何数据",
                            "a dissolution was refused; nothing imported");
    }
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
    struct sheet_options o;
    int rc = sheet_options(argc, argv, HELP, 1, &o);
    if (rc >= 0)
        return rc;
    const char *kind = argv[optind];
    int orgs = strcmp(kind, "orgs") == 0, activities = strcmp(kind, "activities") == 0;
    if (!orgs && !activities && strcmp(kind, "members") != 0)
        return cli_usage(HELP);
    struct refs refs = {NULL, 0, NULL, 0};
    struct sheet sh = {
        .columns = orgs ? org_columns : member_columns,
        .ncolumns = orgs ? (int)(sizeof org_columns / sizeof *org_columns)
                         : (int)(sizeof member_columns / sizeof *member_columns),
        .row = orgs ? org_row : member_row,
        .committed = orgs ? print_refs : NULL,
        .end = orgs ? dissolve_all : NULL,
        .ctx = &refs,
        .what_zh = orgs ? "党组织" : "党员",
        .what_en = orgs ? "organisations" : "members",
        .id_kind = orgs ? "党组织ID" : "党员记录ID",
        .strict_header = orgs, /* errors name the columns as the header does */
    };
    if (activities) {
        sh.columns = activity_columns;
        sh.ncolumns = (int)(sizeof activity_columns / sizeof *activity_columns);
        sh.row = activity_row;
        sh.what_zh = "组织活动";
        sh.what_en = "activities";
        sh.id_kind = "活动ID";
        sh.strict_header = 1;
    }
    int status = sheet_import(&sh, argv[optind + 1], &o);
    for (size_t i = 0; i < refs.nrefs; i++)
        free(refs.refs[i].key);
    free(refs.refs);
    free(refs.dissolved);
    return status;
}
