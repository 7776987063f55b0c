/*
 * import_teams.c -- `epigrid import teams FILE.csv`: teams with their
 * members (党员突击队, 志愿服务队 ...) from the roster an organisation
 * department keeps (队伍花名册), UTF-8 or GBK (issue 18, item 4: 3,012 teams
 * once needed 3,012 POSTs).
 *
 * One row per member; the rows of a team come together, the team's columns
 * on its first row and, on the rows after it, empty (Excel's merged cells
 * save so) or repeated:
 *
 *   队伍ID/team_id (also 队伍编号, 编号)  the file's key of the team: a new
 *                  value starts a team; the key of --map (`epigrid export
 *                  teams` writes the team's id there).  Without this column a
 *                  row whose team columns differ from the team above starts one.
 *   队伍名称/name*, 队伍类型/type* (党员突击队 ... or the code: commando ...),
 *   党组织ID/org_id* (--ids translates it through an organisations map),
 *   开始日期/active_from (default: the day of the import), 结束日期/active_to
 *   职务/role      队长 (the leader, one per team; default: the first member)
 *                  or 队员 (default)
 *   身份证号/id_number or 人员ID/person_id: the member, a registered person
 *   姓名/person_name  checked against the person registered, when given
 *
 * Members are looked up on their own row (an unknown ID number is named by
 * its line); the team is written by team_insert -- the same rules, counters
 * and audit row as POST /api/v1/teams -- once its last row is read, in a
 * write of its own nested in the file's (cli/sheet.h: bad rows by line,
 * --skip-bad, --dry-run, --map, --ids).  A team with a bad row is not
 * written.  Duty places (值守点位) are not in the file: they are assigned on
 * the team's page.
 */
#include <getopt.h> /* optind */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/sheet.h"
#include "core/person.h"
#include "core/team.h"

static const char *HELP =
    "用法 usage: epigrid import teams FILE.csv [--skip-bad] [--dry-run] [--map FILE]\n"
    "                             [--ids FILE[,FILE]] [--db PATH]\n"
    "\n"
    "  队伍花名册,每名队员一行,同一队伍的行相邻;队伍的列写在第一行,之后的行可留空(合并单元格)\n"
    "  或重复:\n"
    "    队伍ID/team_id(或 队伍编号):文件自己的队伍编号,新值开始新队伍,也是对照表的键;\n"
    "    队伍名称/name*, 队伍类型/type*(党员突击队、志愿服务队……), 党组织ID/org_id*,\n"
    "    开始日期/active_from, 结束日期/active_to,\n"
    "    职务/role(队长 或 队员,默认队员;没有队长时第一名队员任队长),\n"
    "    身份证号/id_number 或 人员ID/person_id(已登记的人员), 姓名(给出时须与登记的一致)\n"
    "  有任何一行有误时不导入任何数据(退出码 1);--skip-bad 导入其余队伍;--dry-run 只检查。\n"
    "  --map FILE 写出 队伍ID(或首行行号)→新队伍ID;--ids FILE 按对照表换算 党组织ID、人员ID。\n"
    "\n"
    "  Teams with their members, one row per member, the rows of a team together; the\n"
    "  team's columns on its first row, empty or repeated below.  Leader: the row with\n"
    "  role 队长 (leader), else the first member.  Nothing is imported if any row is bad\n"
    "  unless --skip-bad; --dry-run only checks.  --map writes \"team key,new id\"; --ids\n"
    "  translates org_id and person_id through mapping files.  `epigrid export teams`\n"
    "  writes these columns.  See docs/import-export.md.";

enum {
    T_TEAM_ID,
    T_NAME,
    T_TYPE,
    T_ORG_ID,
    T_FROM,
    T_TO,
    T_ROLE,
    T_PERSON_NAME,
    T_ID_NUMBER,
    T_PERSON_ID,
};
#define T_TEAM_FIELDS (T_TO + 1) /* the team's own columns: T_TEAM_ID .. T_TO */

static const struct sheet_column columns[] = {
    {"team_id", "队伍ID", {"队伍编号", "编号", "team_ref", NULL}, 0, NULL, 1},
    {"name", "队伍名称", {"队名", NULL}, 1, NULL, 0},
    {"type", "队伍类型", {"类型", "类别", NULL}, 1, NULL, 0},
    {"org_id", "党组织ID", {NULL}, 1, "党组织ID", 0},
    {"active_from", "开始日期", {"组建日期", NULL}, 0, NULL, 0},
    {"active_to", "结束日期", {NULL}, 0, NULL, 0},
    {"role", "职务", {"队内职务", NULL}, 0, NULL, 0},
    {"person_name", "姓名", {NULL}, 0, NULL, 0},
    {"id_number", "身份证号", {"身份证号码", "公民身份号码", NULL}, 0, NULL, 0},
    {"person_id", "人员ID", {NULL}, 0, "人员ID", 0},
};
_Static_assert(sizeof columns / sizeof columns[0] <= SHEET_COLUMNS_MAX, "columns fit a sheet");

/* The team being gathered, and what the file has shown so far. */
struct run {
    int open;                  /* 1 while a team is gathered */
    long line;                 /* its first line */
    char *team[T_TEAM_FIELDS]; /* its columns, from its first row (heap, NULL = empty) */
    int64_t members[TEAM_MEMBERS_MAX];
    long member_lines[TEAM_MEMBERS_MAX];
    int nmembers;
    int64_t leader;   /* the row with 队长, 0 = the first member */
    long leader_line; /* its line */
    int bad;          /* a row of the team was bad: it is not written */
    json_t *keys;     /* team key -> first line, to refuse a team split in two */
    json_t *types;    /* the catalogue of team types (team_types_list), read once */
};

static void team_clear(struct run *r)
{
    for (int i = 0; i < T_TEAM_FIELDS; i++) {
        free(r->team[i]);
        r->team[i] = NULL;
    }
    r->open = 0;
    r->nmembers = 0;
    r->leader = 0;
    r->bad = 0;
}

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The code of a team type given by code, Chinese or English name; the
 * value as given when unknown (team_insert names it). */
static const char *type_code(const struct run *r, const char *v)
{
    size_t i;
    json_t *t;
    json_array_foreach(r->types, i, t)
    {
        if (!strcmp(v, json_string_value(json_object_get(t, "code"))) ||
            !strcmp(v, json_string_value(json_object_get(t, "name_zh"))) ||
            !strcasecmp(v, json_string_value(json_object_get(t, "name_en"))))
            return json_string_value(json_object_get(t, "code"));
    }
    return v;
}

/* Writes the team gathered (unless a row of it was bad) in a write of its
 * own nested in the file's.  Returns 0, or negative on a fatal error. */
static int flush(struct sheet *sh, struct ep_error *err)
{
    struct run *r = sh->ctx;
    if (!r->open)
        return 0;
    if (r->bad || r->nmembers == 0) {
        team_clear(r);
        return 0;
    }
    struct ep_error e;
    ep_error_clear(&e);
    if (json_array_size(r->types) == 0 && team_types_list(sh->s, r->types, &e) < 0) {
        *err = e;
        return -EP_EINTERNAL;
    }
    int64_t org = sheet_id(r->team[T_ORG_ID]), id = 0;
    if (org < 0)
        ep_error_field(&e, "org_id", "应为正整数", "must be a positive integer");
    struct team_input in = {.name = r->team[T_NAME],
                            .type = r->team[T_TYPE] ? type_code(r, r->team[T_TYPE]) : NULL,
                            .org_id = org,
                            .leader_person_id = r->leader,
                            .member_ids = r->members,
                            .nmembers = r->nmembers,
                            .active_from = r->team[T_FROM],
                            .active_to = r->team[T_TO]};
    struct write w;
    if (write_begin(&w, sh->s, &sh->who, NULL, NULL, NULL, &e) != 0) {
        *err = e;
        return w.rc;
    }
    if (write_check(&w) == 0)
        team_insert(&w, &in, 0, &id);
    int rc = write_end(&w, id);
    if (rc != 0 && (e.code == EP_EINTERNAL || e.code == EP_EUNAVAILABLE)) {
        *err = e;
        return rc;
    }
    if (rc != 0)
        sheet_bad(sh, r->line, &e);
    else
        sheet_made(sh, r->team[T_TEAM_ID], r->line, id, NULL);
    team_clear(r);
    return 0;
}

static int end(struct sheet *sh, struct ep_error *err)
{
    return flush(sh, err);
}

/* 1 when the row starts a team: a new key, or (without a key column) team
 * columns that differ from the team above. */
static int starts_team(const struct sheet *sh, const struct run *r, char **v)
{
    if (!r->open)
        return 1;
    if (sh->key_column >= 0)
        return v[T_TEAM_ID] && !same(v[T_TEAM_ID], r->team[T_TEAM_ID]);
    for (int c = T_NAME; c < T_TEAM_FIELDS; c++)
        if (v[c] && !same(v[c], r->team[c]))
            return 1;
    return 0;
}

/* The member of the row: by ID number or person id, in the operator's scope.
 * Returns 0 with *id set, 1 when the row names no registered person (a field
 * error in "e"), negative on a database error. */
static int member_of(struct sheet *sh, char **v, int64_t *id, struct ep_error *e)
{
    struct person p;
    int rc;
    *id = 0;
    if (v[T_ID_NUMBER]) {
        rc = sheet_person(sh, v[T_ID_NUMBER], &p, e);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            if (strchr(v[T_ID_NUMBER], '*'))
                ep_error_field(e, "id_number", "身份证号已脱敏;再导入须用 --full 导出的文件",
                               "the ID number is masked; import a file exported with --full");
            else
                ep_error_field(e, "id_number", "身份证号 %s 未登记",
                               "ID number %s is not registered", v[T_ID_NUMBER]);
            return 1;
        }
        if (v[T_PERSON_ID] && sheet_id(v[T_PERSON_ID]) != p.id) {
            ep_error_field(e, "person_id", "与身份证号登记的人员不符",
                           "is not the person registered with the ID number");
            return 1;
        }
    } else if (v[T_PERSON_ID]) {
        int64_t given = sheet_id(v[T_PERSON_ID]);
        struct ep_error lookup;
        ep_error_clear(&lookup);
        rc = given > 0 ? person_get(sh->s, sh->who.user->scope, given, &p, &lookup) : -EP_ENOTFOUND;
        if (rc == -EP_ENOTFOUND) {
            ep_error_field(e, "person_id", "人员 %s 不存在", "person %s not found", v[T_PERSON_ID]);
            return 1;
        }
        if (rc < 0) {
            *e = lookup;
            return rc;
        }
    } else {
        ep_error_field(e, "id_number", "必填(或填人员ID)", "is required (or person_id)");
        return 1;
    }
    if (v[T_PERSON_NAME] && strcmp(v[T_PERSON_NAME], p.name) != 0) {
        ep_error_field(e, "person_name", "与登记的姓名不符", "differs from the name registered");
        return 1;
    }
    *id = p.id;
    return 0;
}

/* One member row: starts a team or adds to the one gathered. */
static int team_row(struct sheet *sh, char **v, long line, struct ep_error *e)
{
    struct run *r = sh->ctx;
    if (starts_team(sh, r, v)) {
        int rc = flush(sh, e);
        if (rc != 0)
            return rc;
        r->open = 1;
        r->line = line;
        for (int c = 0; c < T_TEAM_FIELDS; c++)
            if (v[c] && !(r->team[c] = strdup(v[c])))
                abort();
        json_t *seen = r->team[T_TEAM_ID] ? json_object_get(r->keys, r->team[T_TEAM_ID]) : NULL;
        if (seen)
            ep_error_field(e, "team_id", "%s 已在第 %lld 行出现:同一队伍的行须相邻",
                           "%s appeared on line %lld: the rows of a team must come together",
                           r->team[T_TEAM_ID], (long long)json_integer_value(seen));
        else if (r->team[T_TEAM_ID])
            json_object_set_new(r->keys, r->team[T_TEAM_ID], json_integer(line));
    } else {
        for (int c = T_NAME; c < T_TEAM_FIELDS; c++)
            if (v[c] && !same(v[c], r->team[c]))
                ep_error_field(e, columns[c].name, "与本队第 %ld 行的“%s”不同",
                               "differs from line %ld of the team (%s)", r->line,
                               r->team[c] ? r->team[c] : "");
    }
    int64_t person = 0;
    int rc = member_of(sh, v, &person, e);
    if (rc < 0)
        return rc;
    int leader = v[T_ROLE] && (!strcmp(v[T_ROLE], "队长") || !strcasecmp(v[T_ROLE], "leader"));
    if (v[T_ROLE] && !leader && strcmp(v[T_ROLE], "队员") != 0 &&
        strcasecmp(v[T_ROLE], "member") != 0)
        ep_error_field(e, "role", "应为 队长 或 队员", "must be leader (队长) or member (队员)");
    if (leader && r->leader)
        ep_error_field(e, "role", "本队已有队长(第 %ld 行)",
                       "the team has a leader already (line %ld)", r->leader_line);
    for (int i = 0; person && i < r->nmembers; i++)
        if (r->members[i] == person)
            ep_error_field(e, "id_number", "与本队第 %ld 行的队员重复",
                           "repeats the member on line %ld", r->member_lines[i]);
    if (r->nmembers == TEAM_MEMBERS_MAX)
        ep_error_field(e, "id_number", "一个队伍最多 %d 人", "a team has at most %d members",
                       TEAM_MEMBERS_MAX);
    if (e->code) {
        r->bad = 1;
        return 1;
    }
    if (leader) {
        r->leader = person;
        r->leader_line = line;
    }
    r->member_lines[r->nmembers] = line;
    r->members[r->nmembers++] = person;
    return 0;
}

/* A member is named by ID number or by person id. */
static void header_check(struct sheet *sh, struct ep_error *err)
{
    if (sh->field_of_column[T_ID_NUMBER] < 0 && sh->field_of_column[T_PERSON_ID] < 0)
        ep_error_field(err, "id_number", "需要“身份证号”或“人员ID”列",
                       "an id_number or person_id column is required");
}

int cli_import_teams(int argc, char **argv)
{
    struct sheet_options o;
    int rc = sheet_options(argc, argv, HELP, 1, &o);
    if (rc >= 0)
        return rc;
    if (strcmp(argv[optind], "teams") != 0)
        return cli_usage(HELP);
    struct run r;
    memset(&r, 0, sizeof r);
    r.keys = json_object();
    r.types = json_array();
    struct sheet sh = {
        .columns = columns,
        .ncolumns = (int)(sizeof columns / sizeof columns[0]),
        .row = team_row,
        .ctx = &r,
        .what_zh = "队伍",
        .what_en = "teams",
        .id_kind = "队伍ID",
        .strict_header = 1,
        .header_check = header_check,
        .end = end,
    };
    rc = sheet_import(&sh, argv[optind + 1], &o);
    team_clear(&r);
    json_decref(r.keys);
    json_decref(r.types);
    return rc;
}
