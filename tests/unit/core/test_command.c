/*
 * test_command.c -- the command module on a temporary SQLite file: response
 * level inheritance and history as a table of (region, date) -> (level,
 * set at); directive delivery over a subtree down to each level, read
 * receipts per unit and user (idempotent, deepest unit), deadline misses;
 * the inspection lifecycle open -> rectified -> verified with its refused
 * moves writing nothing; broadcast acknowledgements; a seeded random
 * sequence of all of these after which the live counters equal
 * command_counters_rebuild/broadcast_counters_rebuild; the spoken WAV
 * growing with its text, and the cached rendering of a broadcast.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/broadcast.h"
#include "core/command.h"
#include "core/counter.h"
#include "core/region.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/timeutil.h"

#define CITY      "4311"
#define COUNTY1   "431122"
#define TOWN1     "431122101"
#define VILLAGE_A "431122101201"
#define VILLAGE_B "431122101202"
#define GRID_A    "431122101201001"
#define COUNTY2   "431103"
#define TOWN2     "431103001"
#define VILLAGE_C "431103001001"

struct fixture {
    char path[64];
    struct store *s;
    struct auth_user city_user, county_user, village_user, town_user, other_user;
    struct actor city, county, village, town, other;
};

static void user(struct auth_user *u, int64_t id, const char *name, int role, const char *scope)
{
    memset(u, 0, sizeof *u);
    u->id = id;
    snprintf(u->username, sizeof u->username, "%s", name);
    u->role = role;
    snprintf(u->scope, sizeof u->scope, "%s", scope);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct ep_error err;
    ep_error_clear(&err);
    snprintf(fx->path, sizeof fx->path, "/tmp/test_command_XXXXXX");
    int fd = mkstemp(fx->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(&fx->s, fx->path, STORE_OPEN_CREATE, &err), 0);
    assert_int_equal(store_migrate(fx->s, NULL, &err), 0);
    static const char *regions[][2] = {
        {CITY, "永州市"},        {COUNTY1, "东安县"},   {TOWN1, "白牙市镇"},
        {VILLAGE_A, "茶亭社区"}, {VILLAGE_B, "石期村"}, {GRID_A, "雍景园小区"},
        {COUNTY2, "冷水滩区"},   {TOWN2, "梅湾街道"},   {VILLAGE_C, "梅湾社区"},
    };
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
        assert_int_equal(region_create(fx->s, regions[i][0], regions[i][1], &err), 0);
    user(&fx->city_user, 1, "commander_4311", ROLE_COMMANDER, CITY);
    user(&fx->county_user, 2, "commander_431122", ROLE_COMMANDER, COUNTY1);
    user(&fx->village_user, 3, "worker_a", ROLE_GRID_WORKER, VILLAGE_A);
    user(&fx->town_user, 4, "town_viewer", ROLE_VIEWER, TOWN1);
    user(&fx->other_user, 5, "commander_431103", ROLE_COMMANDER, COUNTY2);
    fx->city = (struct actor){&fx->city_user, "test"};
    fx->county = (struct actor){&fx->county_user, "test"};
    fx->village = (struct actor){&fx->village_user, "test"};
    fx->town = (struct actor){&fx->town_user, "test"};
    fx->other = (struct actor){&fx->other_user, "test"};
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    store_close(fx->s);
    char side[80];
    unlink(fx->path);
    snprintf(side, sizeof side, "%s-wal", fx->path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", fx->path);
    unlink(side);
    free(fx);
    return 0;
}

static int64_t count_rows(struct store *s, const char *sql)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(s, sql, &err);
    assert_non_null(st);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    int64_t n = store_column_int64(st, 0);
    store_stmt_reset(st);
    return n;
}

static int64_t counter(struct store *s, const char *code, const char *metric)
{
    struct ep_error err;
    ep_error_clear(&err);
    int64_t v;
    assert_int_equal(counter_get(s, code, metric, &v, &err), 0);
    return v;
}

static void set_level(struct fixture *fx, const struct actor *who, const char *code, int level,
                      const char *date)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct level_input in = {code, level, date, 0, NULL, NULL};
    json_t *out;
    if (command_level_set(fx->s, who, &in, &out, &err) != 0)
        fail_msg("level %s %d %s: %s", code, level, date, ep_error_message(&err, EP_LANG_EN));
    json_decref(out);
}

/* Level inheritance: each row (region, date) -> level and where it was set. */
static void test_level_inheritance_and_history(void **state)
{
    struct fixture *fx = *state;
    set_level(fx, &fx->city, CITY, 1, "2020-01-23");
    set_level(fx, &fx->county, COUNTY1, 2, "2020-03-10");
    set_level(fx, &fx->city, CITY, 3, "2020-05-02");
    set_level(fx, &fx->city, TOWN1, 4, "2020-06-01");
    static const struct {
        const char *code, *date;
        int level; /* 0 = none */
        const char *set_at;
    } cases[] = {
        {GRID_A, "2020-01-22", 0, NULL},       {GRID_A, "2020-01-23", 1, CITY},
        {GRID_A, "2020-03-09", 1, CITY},       {GRID_A, "2020-03-10", 2, COUNTY1},
        {VILLAGE_C, "2020-05-01", 1, CITY},    {VILLAGE_C, "2020-05-02", 3, CITY},
        {COUNTY1, "2020-05-02", 2, COUNTY1},   {GRID_A, "2020-06-01", 4, TOWN1},
        {VILLAGE_B, "2020-05-31", 2, COUNTY1}, {CITY, "2021-01-01", 3, CITY},
    };
    struct ep_error err;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ep_error_clear(&err);
        json_t *at;
        assert_int_equal(command_level_at(fx->s, cases[i].code, cases[i].date, &at, &err), 0);
        json_t *lv = json_object_get(at, "level");
        if (cases[i].level == 0) {
            assert_true(json_is_null(lv));
        } else {
            if (json_integer_value(lv) != cases[i].level)
                fail_msg("case %zu: level %lld, want %d", i, (long long)json_integer_value(lv),
                         cases[i].level);
            assert_string_equal(json_string_value(json_object_get(at, "set_at")), cases[i].set_at);
            assert_int_equal(json_is_true(json_object_get(at, "inherited")),
                             strcmp(cases[i].set_at, cases[i].code) != 0);
        }
        json_decref(at);
    }
    /* History of the county: the city's two, its own; the town's (descendant). */
    json_t *items = json_array();
    assert_int_equal(command_level_history(fx->s, COUNTY1, items, &err), 0);
    assert_int_equal(json_array_size(items), 4);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "relation")),
                        "descendant");
    json_decref(items);
    /* Refusals write nothing: a duplicate day, outside the scope, a bad level. */
    int64_t rows = count_rows(fx->s, "SELECT count(*) FROM response_levels");
    int64_t audit = count_rows(fx->s, "SELECT count(*) FROM audit_log");
    struct level_input dup = {COUNTY1, 1, "2020-03-10", 0, NULL, NULL};
    json_t *out = NULL;
    ep_error_clear(&err);
    assert_int_equal(command_level_set(fx->s, &fx->county, &dup, &out, &err), -EP_ECONFLICT);
    struct level_input outside = {COUNTY2, 1, "2020-03-11", 0, NULL, NULL};
    ep_error_clear(&err);
    assert_int_equal(command_level_set(fx->s, &fx->county, &outside, &out, &err), -EP_ENOTFOUND);
    char outside_msg[EP_ERROR_MSG_MAX];
    snprintf(outside_msg, sizeof outside_msg, "%s", err.fields[0].msg[EP_LANG_ZH]);
    /* Outside the scope reads exactly as missing: same code, same field. */
    struct level_input missing = {"431122999", 1, "2020-03-11", 0, NULL, NULL};
    ep_error_clear(&err);
    assert_int_equal(command_level_set(fx->s, &fx->county, &missing, &out, &err), -EP_ENOTFOUND);
    assert_int_equal(err.nfields, 1);
    assert_string_equal(err.fields[0].field, "region_code");
    assert_string_equal(outside_msg, "地区 " COUNTY2 " 不存在");
    assert_string_equal(err.fields[0].msg[EP_LANG_ZH], "地区 431122999 不存在");
    struct level_input bad = {COUNTY1, 0, "2020-02-30", 7, NULL, NULL};
    ep_error_clear(&err);
    assert_int_equal(command_level_set(fx->s, &fx->county, &bad, &out, &err), -EP_EINVAL);
    assert_int_equal(err.nfields, 3);
    assert_null(out);
    assert_int_equal(count_rows(fx->s, "SELECT count(*) FROM response_levels"), rows);
    assert_int_equal(count_rows(fx->s, "SELECT count(*) FROM audit_log"), audit);
}

static int64_t issue(struct fixture *fx, const struct actor *who, const char *target,
                     const char *level, const char *deadline)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct directive_input in = {
        "关于做好排查工作的通知", "请各单位抓好落实。", target, level, deadline, NULL};
    json_t *out;
    if (command_directive_issue(fx->s, who, &in, &out, &err) != 0)
        fail_msg("issue %s: %s", target, ep_error_message(&err, EP_LANG_EN));
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    return id;
}

/* Delivery down to each level of a subtree, receipts per unit and user. */
static void test_directive_delivery_and_receipts(void **state)
{
    struct fixture *fx = *state;
    char today[11];
    time_date_format(time_today_cn(), today);
    static const struct {
        const char *target, *level;
        int64_t units;
    } deliveries[] = {
        {CITY, "county", 3},     /* city + 2 counties */
        {CITY, "township", 5},   /* + 2 towns */
        {CITY, "village", 8},    /* + 3 villages */
        {CITY, "grid", 9},       /* + 1 grid */
        {COUNTY1, "village", 4}, /* county, town, 2 villages */
        {VILLAGE_A, "village", 1},
    };
    int64_t ids[6];
    for (size_t i = 0; i < 6; i++) {
        ids[i] = issue(fx, &fx->city, deliveries[i].target, deliveries[i].level, today);
        json_t *d;
        struct ep_error err;
        ep_error_clear(&err);
        assert_int_equal(command_directive_get(fx->s, &fx->city_user, ids[i], &d, &err), 0);
        assert_int_equal(json_integer_value(json_object_get(d, "units")), deliveries[i].units);
        json_decref(d);
    }
    assert_int_equal(counter(fx->s, CITY, "directive_units"), 3 + 5 + 8 + 9 + 4 + 1);
    /* the grid-level directive counts village A and its grid */
    assert_int_equal(counter(fx->s, VILLAGE_A, "directive_units"), 0 + 0 + 1 + 2 + 1 + 1);
    /* Directive 4 (county down to village): the village worker reads for
     * village A, twice; the town viewer for the town. */
    struct ep_error err;
    json_t *out;
    for (int k = 0; k < 2; k++) {
        ep_error_clear(&err);
        assert_int_equal(command_directive_read(fx->s, &fx->village, ids[4], &out, &err), 0);
        assert_string_equal(json_string_value(json_object_get(out, "unit")), VILLAGE_A);
        json_decref(out);
    }
    assert_int_equal(count_rows(fx->s, "SELECT count(*) FROM directive_reads"), 1);
    ep_error_clear(&err);
    assert_int_equal(command_directive_read(fx->s, &fx->town, ids[4], &out, &err), 0);
    json_decref(out);
    /* Directive 3 (down to grid): the village worker's deepest unit is the village. */
    ep_error_clear(&err);
    assert_int_equal(command_directive_read(fx->s, &fx->village, ids[3], &out, &err), 0);
    assert_string_equal(json_string_value(json_object_get(out, "unit")), VILLAGE_A);
    json_decref(out);
    /* Another county sees neither the county directive nor reads it. */
    ep_error_clear(&err);
    assert_int_equal(command_directive_read(fx->s, &fx->other, ids[4], &out, &err), -EP_ENOTFOUND);
    /* The city is not a recipient of the county's directive. */
    ep_error_clear(&err);
    assert_int_equal(command_directive_read(fx->s, &fx->city, ids[4], &out, &err), -EP_ERULE);
    ep_error_clear(&err);
    assert_int_equal(command_directive_receipts(fx->s, &fx->city_user, ids[4], NULL, &out, &err),
                     0);
    assert_int_equal(json_integer_value(json_object_get(out, "units")), 4);
    assert_int_equal(json_integer_value(json_object_get(out, "read")), 2);
    assert_int_equal(json_array_size(json_object_get(out, "not_read_by_deadline")), 0);
    json_decref(out);
    /* The deadline passes (moved into the past): the unread units missed it. */
    struct store_stmt *st =
        store_prepare(fx->s, "UPDATE directives SET deadline = '2020-01-01' WHERE id = ?", &err);
    store_bind_int64(st, 1, ids[4]);
    assert_int_equal(store_run(st, &err), 0);
    ep_error_clear(&err);
    assert_int_equal(command_directive_receipts(fx->s, &fx->city_user, ids[4], NULL, &out, &err),
                     0);
    json_t *missed = json_object_get(out, "not_read_by_deadline");
    /* Every unit: two never read, two read after the (moved) deadline. */
    assert_int_equal(json_array_size(missed), 4);
    json_decref(out);
    /* Unread for the village worker: every directive addressed to it but 3 and 4. */
    int64_t unread;
    assert_int_equal(command_directive_unread_count(fx->s, &fx->village_user, &unread, &err), 0);
    assert_int_equal(unread, 2); /* ids[2] (village level) and ids[5] */
    assert_int_equal(counter(fx->s, COUNTY1, "directive_units_read"), 3);
    /* A bad directive writes nothing. */
    int64_t rows = count_rows(fx->s, "SELECT count(*) FROM directive_deliveries");
    struct directive_input bad = {"", "b", TOWN1, "county", "2020-01-01", COUNTY2};
    ep_error_clear(&err);
    assert_int_equal(command_directive_issue(fx->s, &fx->city, &bad, &out, &err), -EP_EINVAL);
    assert_true(err.nfields >= 4);
    assert_int_equal(count_rows(fx->s, "SELECT count(*) FROM directive_deliveries"), rows);
}

static int64_t inspect(struct fixture *fx, const char *deadline_a, const char *deadline_b,
                       int64_t *finding_a, int64_t *finding_b)
{
    struct ep_error err;
    ep_error_clear(&err);
    char today[11];
    time_date_format(time_today_cn() - 5, today);
    struct inspection_input *in = calloc(1, sizeof *in);
    in->region_code = TOWN1;
    in->inspected_on = today;
    in->findings[0] = (struct finding_input){"checkpoint", "卡口夜间无人值守", "白牙市镇人民政府",
                                             NULL, deadline_a};
    in->findings[1] = (struct finding_input){"quarantine", "体温未按时上报", "茶亭社区居委会",
                                             VILLAGE_A, deadline_b};
    in->nfindings = 2;
    json_t *out;
    if (command_inspection_create(fx->s, &fx->city, in, &out, &err) != 0)
        fail_msg("inspection: %s", ep_error_message(&err, EP_LANG_EN));
    free(in);
    json_t *f = json_object_get(out, "findings");
    *finding_a = json_integer_value(json_object_get(json_array_get(f, 0), "id"));
    *finding_b = json_integer_value(json_object_get(json_array_get(f, 1), "id"));
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    return id;
}

static void test_inspection_lifecycle(void **state)
{
    struct fixture *fx = *state;
    char past[11], future[11], today[11];
    time_date_format(time_today_cn() - 1, past);
    time_date_format(time_today_cn() + 3, future);
    time_date_format(time_today_cn(), today);
    int64_t a, b;
    inspect(fx, past, future, &a, &b);
    assert_int_equal(counter(fx->s, CITY, "inspections"), 1);
    assert_int_equal(counter(fx->s, TOWN1, "findings.open"), 2);
    assert_int_equal(counter(fx->s, VILLAGE_A, "findings.open"), 1);
    int64_t overdue;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(command_findings_overdue_count(fx->s, CITY, today, &overdue, &err), 0);
    assert_int_equal(overdue, 1);
    /* Refused moves write nothing. */
    int64_t audit = count_rows(fx->s, "SELECT count(*) FROM audit_log");
    json_t *out = NULL;
    ep_error_clear(&err);
    assert_int_equal(command_finding_verify(fx->s, &fx->city, b, &out, &err), -EP_ECONFLICT);
    ep_error_clear(&err);
    assert_int_equal(command_finding_rectify(fx->s, &fx->county, b, NULL, &out, &err), -EP_EINVAL);
    ep_error_clear(&err);
    assert_int_equal(command_finding_rectify(fx->s, &fx->other, b, "done", &out, &err),
                     -EP_ENOTFOUND);
    assert_null(out);
    assert_int_equal(count_rows(fx->s, "SELECT count(*) FROM audit_log"), audit);
    /* open -> rectified -> verified. */
    ep_error_clear(&err);
    assert_int_equal(
        command_finding_rectify(fx->s, &fx->village, b, "每日两次上门测温", &out, &err), 0);
    assert_string_equal(json_string_value(json_object_get(out, "status")), "rectified");
    json_decref(out);
    ep_error_clear(&err);
    assert_int_equal(command_finding_rectify(fx->s, &fx->county, b, "again", &out, &err),
                     -EP_ECONFLICT);
    ep_error_clear(&err);
    assert_int_equal(command_finding_verify(fx->s, &fx->city, b, &out, &err), 0);
    assert_string_equal(json_string_value(json_object_get(out, "verified_by")), "commander_4311");
    json_decref(out);
    ep_error_clear(&err);
    assert_int_equal(command_finding_verify(fx->s, &fx->city, b, &out, &err), -EP_ECONFLICT);
    assert_int_equal(counter(fx->s, TOWN1, "findings.open"), 1);
    assert_int_equal(counter(fx->s, TOWN1, "findings.rectified"), 0);
    assert_int_equal(counter(fx->s, VILLAGE_A, "findings.verified"), 1);
    json_t *items = json_array();
    assert_int_equal(command_finding_list(fx->s, CITY, NULL, NULL, 1, today, items, &err), 0);
    assert_int_equal(json_array_size(items), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(items, 0), "id")), a);
    json_decref(items);
    /* Bad inspections name each finding's field. */
    struct inspection_input *bad = calloc(1, sizeof *bad);
    bad->region_code = TOWN1;
    bad->inspected_on = "2099-01-01";
    bad->findings[0] = (struct finding_input){"weather", "", "u", VILLAGE_C, "2020-01-01"};
    bad->nfindings = 1;
    ep_error_clear(&err);
    assert_int_equal(command_inspection_create(fx->s, &fx->city, bad, &out, &err), -EP_EINVAL);
    free(bad);
    const char *want[] = {"inspected_on", "findings[0].category", "findings[0].description",
                          "findings[0].region_code"};
    for (size_t i = 0; i < 4; i++) {
        int seen = 0;
        for (int k = 0; k < err.nfields; k++)
            seen |= strcmp(err.fields[k].field, want[i]) == 0;
        if (!seen)
            fail_msg("field %s not named", want[i]);
    }
}

struct counter_row {
    char code[REGION_CODE_MAX];
    char metric[48];
    int64_t value;
};

struct counter_rows {
    struct counter_row rows[512];
    int n;
};

static void command_counters(struct store *s, struct counter_rows *out)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(
        s,
        "SELECT code, metric, value FROM region_counters WHERE value <> 0 AND (metric IN"
        " ('directive_units', 'directive_units_read', 'inspections', 'broadcast_acks')"
        " OR metric LIKE 'findings.%') ORDER BY code, metric",
        &err);
    assert_non_null(st);
    out->n = 0;
    while (store_step(st, &err) == STORE_ROW && out->n < 512) {
        struct counter_row *r = &out->rows[out->n++];
        snprintf(r->code, sizeof r->code, "%s", store_column_text(st, 0));
        snprintf(r->metric, sizeof r->metric, "%s", store_column_text(st, 1));
        r->value = store_column_int64(st, 2);
    }
    store_stmt_reset(st);
}

/* A seeded random sequence of every write; the live counters then equal the rebuild. */
static void test_counters_equal_rebuild(void **state)
{
    struct fixture *fx = *state;
    srand(20200123);
    const struct actor *actors[] = {&fx->city, &fx->county, &fx->village, &fx->town, &fx->other};
    const char *targets[] = {CITY, COUNTY1, TOWN1, VILLAGE_A, COUNTY2, TOWN2};
    const char *levels[] = {"county", "township", "village", "grid"};
    char today[11], past[11];
    time_date_format(time_today_cn(), today);
    time_date_format(time_today_cn() - 2, past);
    int64_t directives[64], findings[128], broadcasts[32];
    int nd = 0, nf = 0, nb = 0;
    struct ep_error err;
    for (int step = 0; step < 300; step++) {
        ep_error_clear(&err);
        json_t *out = NULL;
        int op = rand() % 6;
        const struct actor *who = actors[rand() % 5];
        if (op == 0 && nd < 64) {
            const char *target = targets[rand() % 6];
            const char *level = levels[rand() % 4];
            if (region_level_of_code(target) > 2 && strcmp(level, "county") == 0)
                level = "village";
            struct directive_input in = {"通知", "正文", target, level, today, NULL};
            if (command_directive_issue(fx->s, &fx->city, &in, &out, &err) == 0)
                directives[nd++] = json_integer_value(json_object_get(out, "id"));
        } else if (op == 1 && nd > 0) {
            command_directive_read(fx->s, who, directives[rand() % nd], &out, &err);
        } else if (op == 2 && nf < 120) {
            int64_t a, b;
            inspect(fx, past, today, &a, &b);
            findings[nf++] = a;
            findings[nf++] = b;
        } else if (op == 3 && nf > 0) {
            int64_t f = findings[rand() % nf];
            if (rand() % 2)
                command_finding_rectify(fx->s, who, f, "已整改", &out, &err);
            else
                command_finding_verify(fx->s, who, f, &out, &err);
        } else if (op == 4 && nb < 32) {
            struct broadcast_input in = {targets[rand() % 6], "提醒", "戴口罩"};
            if (broadcast_publish(fx->s, &fx->city, &in, &out, &err) == 0)
                broadcasts[nb++] = json_integer_value(json_object_get(out, "id"));
        } else if (op == 5 && nb > 0) {
            const char *villages[] = {VILLAGE_A, VILLAGE_B, VILLAGE_C};
            broadcast_ack(fx->s, &fx->city, broadcasts[rand() % nb], villages[rand() % 3], &out,
                          &err);
        }
        json_decref(out);
    }
    assert_true(nd > 10 && nf > 10 && nb > 5);
    static struct counter_rows live, rebuilt;
    command_counters(fx->s, &live);
    assert_true(live.n > 20);
    ep_error_clear(&err);
    assert_int_equal(store_begin(fx->s, &err), 0);
    assert_int_equal(command_counters_rebuild(fx->s, &err), 0);
    assert_int_equal(broadcast_counters_rebuild(fx->s, &err), 0);
    command_counters(fx->s, &rebuilt);
    store_rollback(fx->s);
    assert_int_equal(live.n, rebuilt.n);
    for (int i = 0; i < live.n; i++) {
        assert_string_equal(live.rows[i].code, rebuilt.rows[i].code);
        assert_string_equal(live.rows[i].metric, rebuilt.rows[i].metric);
        if (live.rows[i].value != rebuilt.rows[i].value)
            fail_msg("%s %s: live %lld, rebuilt %lld", live.rows[i].code, live.rows[i].metric,
                     (long long)live.rows[i].value, (long long)rebuilt.rows[i].value);
    }
}

static uint32_t le32(const char *p)
{
    const unsigned char *u = (const unsigned char *)p;
    return u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 | (uint32_t)u[3] << 24;
}

static void test_speech_wav_grows_with_text(void **state)
{
    (void)state;
    struct buf a, b;
    buf_init(&a);
    buf_init(&b);
    struct ep_error err;
    ep_error_clear(&err);
    int rate = 0;
    assert_int_equal(broadcast_speak("戴口罩。", &a, &rate, &err), 0);
    assert_int_equal(
        broadcast_speak("勤洗手,戴口罩,少出门,不聚集,发热咳嗽及时就医。", &b, NULL, &err), 0);
    assert_true(rate >= 8000 && rate <= 48000);
    assert_memory_equal(a.data, "RIFF", 4);
    assert_memory_equal(a.data + 8, "WAVE", 4);
    assert_int_equal(le32(a.data + 4), a.len - 8);
    assert_int_equal(le32(a.data + 24), (uint32_t)rate);
    assert_int_equal(le32(a.data + 40), a.len - 44);
    assert_true(le32(b.data + 40) > 2 * le32(a.data + 40));
    buf_cleanup(&a);
    buf_cleanup(&b);
}

/* broadcast_audio: visible broadcasts only, the same bytes from the cache. */
static void test_broadcast_audio_cached(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    ep_error_clear(&err);
    struct broadcast_input in = {TOWN1, "防疫提醒", "勤洗手,戴口罩。"};
    json_t *out;
    assert_int_equal(broadcast_publish(fx->s, &fx->county, &in, &out, &err), 0);
    int64_t id = json_integer_value(json_object_get(out, "id"));
    json_decref(out);
    struct buf first, again, speak;
    buf_init(&first);
    buf_init(&again);
    buf_init(&speak);
    assert_int_equal(broadcast_audio(fx->s, VILLAGE_A, id, &first, &err), 0);
    assert_int_equal(broadcast_audio(fx->s, CITY, id, &again, &err), 0);
    assert_int_equal(first.len, again.len);
    assert_memory_equal(first.data, again.data, first.len);
    assert_int_equal(broadcast_speak("防疫提醒。勤洗手,戴口罩。", &speak, NULL, &err), 0);
    /* espeak's rendering of the same text varies by a few samples between calls */
    assert_true(speak.len > first.len * 99 / 100 && speak.len < first.len * 101 / 100);
    assert_int_equal(broadcast_audio(fx->s, COUNTY2, id, &again, &err), -EP_ENOTFOUND);
    buf_cleanup(&first);
    buf_cleanup(&again);
    buf_cleanup(&speak);
}

/* Chinese text names a finding's status in Chinese; an unknown code stays as it is. */
static void test_finding_status_labels(void **state)
{
    (void)state;
    assert_string_equal(command_finding_status_zh("open"), "待整改");
    assert_string_equal(command_finding_status_zh("rectified"), "已整改待核查");
    assert_string_equal(command_finding_status_zh("verified"), "已核查销号");
    assert_string_equal(command_finding_status_zh("closed"), "closed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_level_inheritance_and_history, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directive_delivery_and_receipts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inspection_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters_equal_rebuild, setup, teardown),
        cmocka_unit_test(test_speech_wav_grows_with_text),
        cmocka_unit_test(test_finding_status_labels),
        cmocka_unit_test_setup_teardown(test_broadcast_audio_cached, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
