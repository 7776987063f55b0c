/*
 * test_mobilisation.c -- party organisations, members, applications, teams,
 * grid responsibility, rosters and checkpoints on a temporary SQLite file:
 * the membership rule (one regular organisation, temporary ones on top),
 * the organisation tree's region rule, approval of an application into a
 * team in one step, grid duty with exactly one responsible person,
 * attendance and service hours, checkpoint entries with their consequences
 * (observation from a risk area, checkpoint_fever alert), bad input writing
 * nothing, and a seeded random sequence of about 600 operations after which
 * every counter at every level equals mobilisation_counters_rebuild() and
 * teams_total equals the sum of teams.<type> (and the teams formed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/checkpoint.h"
#include "core/counter.h"
#include "core/org.h"
#include "core/person.h"
#include "core/profile.h"
#include "core/region.h"
#include "core/roster.h"
#include "core/team.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/idcheck.h"
#include "util/timeutil.h"

#define CITY     "4311"
#define COUNTY   "431122"
#define TOWNSHIP "431122101"
#define VILLAGE  "431122101201"
#define GRID_A   "431122101201001"
#define GRID_B   "431122101201002"
#define GRID_C   "431103001001001" /* another county */
#define NPERSONS 40

struct fixture {
    char path[64];
    struct store *s;
    struct auth_user admin_user, county_user, worker_user;
    struct actor admin, county, worker;
    int64_t persons[NPERSONS]; /* [0..29] county 431122, [30..39] GRID_C */
    char id_numbers[NPERSONS][19];
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
    snprintf(fx->path, sizeof fx->path, "/tmp/test_mobilisation_XXXXXX");
    int fd = mkstemp(fx->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(&fx->s, fx->path, STORE_OPEN_CREATE, &err), 0);
    assert_int_equal(store_migrate(fx->s, NULL, &err), 0);
    static const char *regions[][2] = {
        {CITY, "永州市"},       {COUNTY, "东安县"},        {TOWNSHIP, "白牙市镇"},
        {VILLAGE, "茶亭社区"},  {GRID_A, "雍景园小区"},    {GRID_B, "茶亭一组"},
        {"431103", "冷水滩区"}, {"431103001", "梅湾街道"}, {"431103001001", "梅湾社区"},
        {GRID_C, "梅湾一网格"},
    };
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
        assert_int_equal(region_create(fx->s, regions[i][0], regions[i][1], &err), 0);
    user(&fx->admin_user, 1, "admin_4311", ROLE_ADMIN, CITY);
    user(&fx->county_user, 2, "organiser_431122", ROLE_ORGANISER, COUNTY);
    user(&fx->worker_user, 3, "worker_a", ROLE_GRID_WORKER, GRID_A);
    fx->admin = (struct actor){&fx->admin_user, "test"};
    fx->county = (struct actor){&fx->county_user, "test"};
    fx->worker = (struct actor){&fx->worker_user, "test"};
    for (int i = 0; i < NPERSONS; i++) {
        char *id = fx->id_numbers[i];
        snprintf(id, 19, "431122198506%02d%03d", 1 + i % 28, (i * 2 + 1) % 1000);
        id[17] = idcheck_check_char(id);
        id[18] = '\0';
        char name[32], phone[16];
        snprintf(name, sizeof name, "党员%d", i);
        snprintf(phone, sizeof phone, "138%08d", i);
        struct person_input in = {.name = name,
                                  .id_number = id,
                                  .phone = phone,
                                  .grid_code = i < 15   ? GRID_A
                                               : i < 30 ? GRID_B
                                                        : GRID_C};
        struct person p;
        if (person_create(fx->s, &fx->admin, &in, NULL, &p, &err) != 0)
            fail_msg("person %d: %s", i, ep_error_message(&err, EP_LANG_EN));
        fx->persons[i] = p.id;
    }
    struct riskarea_input ra = {NULL, "湖北省武汉市", "high", "2020-01-01", NULL};
    struct risk_area area;
    assert_int_equal(riskarea_create(fx->s, &fx->admin, &ra, &area, &err), 0);
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

static int64_t count(struct fixture *fx, const char *code, const char *metric)
{
    int64_t v;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(counter_get(fx->s, code, metric, &v, &err), 0);
    return v;
}

static int64_t rows(struct fixture *fx, const char *table_count_sql)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(fx->s, table_count_sql, &err);
    assert_non_null(st);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    int64_t n = store_column_int64(st, 0);
    store_stmt_reset(st);
    return n;
}

static int has_field(const struct ep_error *err, const char *field)
{
    for (int i = 0; i < err->nfields; i++)
        if (strcmp(err->fields[i].field, field) == 0)
            return 1;
    return 0;
}

static char *counters_text(struct fixture *fx)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(fx->s,
                                          "SELECT code, metric, value FROM region_counters"
                                          " WHERE value <> 0 ORDER BY code, metric",
                                          &err);
    assert_non_null(st);
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "");
    while (store_step(st, &err) == STORE_ROW)
        buf_appendf(&b, "%s %s %lld\n", store_column_text(st, 0), store_column_text(st, 1),
                    (long long)store_column_int64(st, 2));
    store_stmt_reset(st);
    return buf_steal(&b);
}

static void assert_counters_match_oracle(struct fixture *fx)
{
    struct ep_error err;
    ep_error_clear(&err);
    char *live = counters_text(fx);
    assert_int_equal(store_begin(fx->s, &err), 0);
    assert_int_equal(mobilisation_counters_rebuild(fx->s, &err), 0);
    char *oracle = counters_text(fx);
    store_rollback(fx->s);
    assert_string_equal(live, oracle);
    free(live);
    free(oracle);
}

static int64_t new_org(struct fixture *fx, const struct actor *who, const char *name,
                       const char *kind, const char *region, int64_t parent)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct org_input in = {
        name, kind, region, parent, !strcmp(kind, "mobile") ? "广东省东莞市" : NULL, "2020-01-25"};
    json_t *o = NULL;
    if (org_create(fx->s, who, &in, &o, &err) != 0)
        fail_msg("org %s: %s", name, ep_error_message(&err, EP_LANG_EN));
    int64_t id = json_integer_value(json_object_get(o, "id"));
    json_decref(o);
    return id;
}

static int add_member(struct fixture *fx, int64_t org, int64_t person, struct ep_error *err)
{
    ep_error_clear(err);
    struct org_member_input in = {person, "member", NULL};
    json_t *m = NULL;
    int rc = org_member_add(fx->s, &fx->admin, org, &in, &m, err);
    json_decref(m);
    return rc;
}

/* ---- rules --------------------------------------------------------------------- */

static void memberships_one_regular_and_temporary_on_top(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    int64_t city = new_org(fx, &fx->admin, "中共永州市委", "regular", CITY, 0);
    int64_t branch = new_org(fx, &fx->admin, "茶亭社区党支部", "regular", VILLAGE, city);
    int64_t other = new_org(fx, &fx->admin, "白牙市镇机关党支部", "regular", TOWNSHIP, city);
    int64_t temp = new_org(fx, &fx->admin, "雍景园卡口临时党支部", "temporary", GRID_A, branch);
    assert_int_equal(add_member(fx, branch, fx->persons[0], &err), 0);
    assert_int_equal(add_member(fx, temp, fx->persons[0], &err), 0);
    assert_int_equal(add_member(fx, other, fx->persons[0], &err), -EP_ECONFLICT);
    assert_int_equal(add_member(fx, branch, fx->persons[0], &err), -EP_ECONFLICT);
    assert_int_equal(count(fx, CITY, "org_members.regular"), 1);
    assert_int_equal(count(fx, GRID_A, "org_members.temporary"), 1);
    assert_int_equal(count(fx, CITY, "orgs.temporary"), 1);
    assert_int_equal(count(fx, VILLAGE, "orgs.regular"), 1);
    assert_int_equal(count(fx, CITY, "orgs.regular"), 3);

    /* A child outside the parent's region, a county user above the county. */
    ep_error_clear(&err);
    struct org_input bad = {"梅湾支部", "regular", GRID_C, branch, NULL, "2020-01-25"};
    json_t *o = NULL;
    assert_int_equal(org_create(fx->s, &fx->admin, &bad, &o, &err), -EP_ERULE);
    ep_error_clear(&err);
    struct org_input above = {"市直机关党工委", "regular", CITY, city, NULL, "2020-01-25"};
    /* A region above the caller's scope does not exist for it. */
    assert_int_equal(org_create(fx->s, &fx->county, &above, &o, &err), -EP_ENOTFOUND);

    /* Dissolving the temporary branch ends its membership; the parent first refuses. */
    ep_error_clear(&err);
    assert_int_equal(org_dissolve(fx->s, &fx->admin, branch, "2020-03-01", &o, &err), -EP_ERULE);
    ep_error_clear(&err);
    assert_int_equal(org_dissolve(fx->s, &fx->admin, temp, "2020-03-01", &o, &err), 0);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "dissolved");
    json_decref(o);
    assert_int_equal(count(fx, CITY, "orgs.temporary"), 0);
    assert_int_equal(count(fx, GRID_A, "org_members.temporary"), 0);
    assert_int_equal(add_member(fx, temp, fx->persons[1], &err), -EP_ERULE);
    assert_counters_match_oracle(fx);
}

static void bad_input_writes_nothing(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    int64_t before =
        rows(fx, "SELECT (SELECT COUNT(*) FROM orgs) + (SELECT COUNT(*) FROM audit_log)");
    /* Input errors are 400; a lone reference to a record that does not
     * exist (for the caller) is 404, with the field named. */
    static const struct {
        struct org_input in;
        const char *field;
        int rc;
    } table[] = {
        {{NULL, "regular", CITY, 0, NULL, "2020-01-25"}, "name", -EP_EINVAL},
        {{"x", "permanent", CITY, 0, NULL, "2020-01-25"}, "kind", -EP_EINVAL},
        {{"x", "regular", "43", 0, NULL, "2020-01-25"}, "region_code", -EP_EINVAL},
        {{"x", "regular", "431199", 0, NULL, "2020-01-25"}, "region_code", -EP_ENOTFOUND},
        {{"x", "regular", CITY, 9999, NULL, "2020-01-25"}, "parent_id", -EP_ENOTFOUND},
        {{"x", "mobile", CITY, 0, NULL, "2020-01-25"}, "location", -EP_EINVAL},
        {{"x", "regular", CITY, 0, NULL, "2020-02-30"}, "founded_date", -EP_EINVAL},
        {{"x", "regular", CITY, 0, NULL, "2999-01-01"}, "founded_date", -EP_EINVAL},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        ep_error_clear(&err);
        json_t *o = NULL;
        assert_int_equal(org_create(fx->s, &fx->admin, &table[i].in, &o, &err), table[i].rc);
        if (!has_field(&err, table[i].field))
            fail_msg("case %zu: no field %s", i, table[i].field);
    }
    assert_int_equal(
        rows(fx, "SELECT (SELECT COUNT(*) FROM orgs) + (SELECT COUNT(*) FROM audit_log)"), before);
    struct checkpoint_entry_input e = {0};
    e.checkpoint_id = 1;
    e.id_number = "431122198506010010";
    e.temperature_dc = 500;
    e.outcome = "wave";
    ep_error_clear(&err);
    assert_int_equal(checkpoint_entry_check(&e, &err), -EP_EINVAL);
    assert_true(has_field(&err, "id_number"));
    assert_true(has_field(&err, "temperature"));
    assert_true(has_field(&err, "outcome"));
}

static void application_approved_into_a_team(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    int64_t cdc = new_org(fx, &fx->admin, "双牌县疾控中心党支部", "regular", COUNTY, 0);
    for (int i = 2; i < 9; i++)
        assert_int_equal(add_member(fx, cdc, fx->persons[i], &err), 0);
    int64_t ids[7];
    for (int i = 0; i < 7; i++)
        ids[i] = fx->persons[2 + i];
    struct org_application_input in = {
        cdc, ids, 7, "我是党员,我先上", "请命到疫情防控第一线", "疫情防控调度中心"};
    json_t *a = NULL;
    ep_error_clear(&err);
    assert_int_equal(org_application_create(fx->s, &fx->county, &in, &a, &err), 0);
    int64_t app = json_integer_value(json_object_get(a, "id"));
    json_decref(a);
    assert_int_equal(count(fx, COUNTY, "applications.pending"), 1);
    /* A non-member cannot be listed. */
    int64_t stranger[1] = {fx->persons[20]};
    struct org_application_input bad = {cdc, stranger, 1, NULL, "请战", NULL};
    ep_error_clear(&err);
    assert_int_equal(org_application_create(fx->s, &fx->county, &bad, &a, &err), -EP_EINVAL);
    assert_true(has_field(&err, "person_ids[0]"));

    /* An unknown team type names "team.type" and writes nothing. */
    struct team_input t = {0};
    t.name = "我是党员我先上先锋队";
    t.type = "rocket";
    ep_error_clear(&err);
    assert_int_equal(org_application_decide(fx->s, &fx->county, app, "approve", NULL, &t, &a, &err),
                     -EP_EINVAL);
    assert_true(has_field(&err, "team.type"));
    assert_int_equal(rows(fx, "SELECT COUNT(*) FROM teams"), 0);
    assert_int_equal(count(fx, COUNTY, "applications.pending"), 1);

    t.type = "vanguard";
    ep_error_clear(&err);
    assert_int_equal(
        org_application_decide(fx->s, &fx->county, app, "approve", "同意", &t, &a, &err), 0);
    assert_string_equal(json_string_value(json_object_get(a, "status")), "approved");
    int64_t team_id = json_integer_value(json_object_get(a, "team_id"));
    json_decref(a);
    json_t *team = NULL;
    assert_int_equal(team_get(fx->s, COUNTY, team_id, &team, &err), 0);
    assert_int_equal(json_array_size(json_object_get(team, "members")), 7);
    assert_int_equal(json_integer_value(json_object_get(team, "leader_person_id")), ids[0]);
    json_decref(team);
    assert_int_equal(count(fx, CITY, "teams.vanguard"), 1);
    assert_int_equal(count(fx, CITY, "teams_total"), 1);
    assert_int_equal(count(fx, COUNTY, "applications.approved"), 1);
    assert_int_equal(count(fx, COUNTY, "applications.pending"), 0);
    ep_error_clear(&err);
    assert_int_equal(
        org_application_decide(fx->s, &fx->county, app, "decline", NULL, NULL, &a, &err),
        -EP_ECONFLICT);
    assert_counters_match_oracle(fx);
}

static void grid_duty_one_responsible(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    json_t *o = NULL;
    int64_t helpers[2] = {fx->persons[1], fx->persons[2]};
    ep_error_clear(&err);
    assert_int_equal(
        org_grid_duty_set(fx->s, &fx->admin, GRID_A, fx->persons[0], helpers, 2, &o, &err), 0);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(o, "responsible"), "person_id")),
        fx->persons[0]);
    assert_int_equal(json_array_size(json_object_get(o, "helpers")), 2);
    json_decref(o);
    assert_int_equal(count(fx, CITY, "grids_responsible"), 1);
    json_t *items = json_array();
    struct grid_duty_filter without = {.scope = CITY, .unassigned_only = 1};
    assert_int_equal(org_grid_duty_list(fx->s, &without, items, &err), 0);
    assert_int_equal(json_array_size(items), 2); /* GRID_B and GRID_C */
    json_decref(items);
    /* A search: a village's name finds its grids (with the village named), a
     * person's name the grid they are on duty in; LIKE's "%" is a plain character. */
    static const struct {
        const char *q;
        size_t n;
        const char *first;
    } searches[] = {{"茶亭", 2, GRID_A}, {"党员0", 1, GRID_A}, {"梅湾", 1, GRID_C}, {"%", 0, NULL}};
    for (size_t i = 0; i < sizeof searches / sizeof searches[0]; i++) {
        struct grid_duty_filter found = {.scope = CITY, .q = searches[i].q};
        items = json_array();
        assert_int_equal(org_grid_duty_list(fx->s, &found, items, &err), 0);
        assert_int_equal(json_array_size(items), searches[i].n);
        if (searches[i].first) {
            json_t *g = json_array_get(items, 0);
            assert_string_equal(json_string_value(json_object_get(g, "grid_code")),
                                searches[i].first);
            assert_int_equal(strncmp(json_string_value(json_object_get(g, "village_code")),
                                     searches[i].first, 12),
                             0);
        }
        json_decref(items);
    }
    /* The responsible person cannot also help; a worker may not set another grid. */
    int64_t same[1] = {fx->persons[0]};
    ep_error_clear(&err);
    assert_int_equal(
        org_grid_duty_set(fx->s, &fx->admin, GRID_A, fx->persons[0], same, 1, &o, &err),
        -EP_EINVAL);
    ep_error_clear(&err);
    assert_int_equal(
        org_grid_duty_set(fx->s, &fx->worker, GRID_B, fx->persons[3], NULL, 0, &o, &err),
        -EP_ENOTFOUND);
    ep_error_clear(&err);
    assert_int_equal(org_grid_duty_set(fx->s, &fx->admin, GRID_A, 0, NULL, 0, &o, &err), 0);
    json_decref(o);
    assert_int_equal(count(fx, CITY, "grids_responsible"), 0);
    assert_counters_match_oracle(fx);
}

static void attendance_and_service_hours(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    json_t *o = NULL;
    ep_error_clear(&err);
    assert_int_equal(
        roster_place_create(fx->s, &fx->admin, "雍景园小区值守点", "site", GRID_A, &o, &err), 0);
    int64_t place = json_integer_value(json_object_get(o, "id"));
    json_decref(o);
    int64_t now = (int64_t)time(NULL);
    char start[32], end[32];
    time_iso_from_unix((time_t)(now - 10 * 3600), start);
    time_iso_from_unix((time_t)(now - 2 * 3600), end);
    int64_t people[2] = {fx->persons[0], fx->persons[1]};
    struct roster_shift_input in = {place, start, end, 0, people, 2, NULL};
    ep_error_clear(&err);
    assert_int_equal(roster_shift_create(fx->s, &fx->admin, &in, &o, &err), 0);
    int64_t shift = json_integer_value(json_object_get(o, "id"));
    json_decref(o);
    ep_error_clear(&err);
    assert_int_equal(
        roster_attend(fx->s, &fx->worker, shift, fx->persons[0], 0, now - 3 * 3600, &o, &err),
        -EP_ERULE); /* not checked in */
    ep_error_clear(&err);
    assert_int_equal(
        roster_attend(fx->s, &fx->worker, shift, fx->persons[0], 1, now - 10 * 3600, &o, &err), 0);
    json_decref(o);
    ep_error_clear(&err);
    assert_int_equal(
        roster_attend(fx->s, &fx->worker, shift, fx->persons[0], 1, now - 9 * 3600, &o, &err),
        -EP_ECONFLICT);
    ep_error_clear(&err);
    assert_int_equal(
        roster_attend(fx->s, &fx->worker, shift, fx->persons[5], 1, now - 9 * 3600, &o, &err),
        -EP_ERULE); /* not on the shift */
    ep_error_clear(&err);
    assert_int_equal(
        roster_attend(fx->s, &fx->worker, shift, fx->persons[0], 0, now - 2 * 3600 + 90, &o, &err),
        0);
    json_decref(o);
    assert_int_equal(count(fx, CITY, "service_minutes"), 8 * 60 + 1);
    ep_error_clear(&err);
    assert_int_equal(roster_service_hours(fx->s, CITY, "person", fx->persons[0], &o, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(o, "minutes")), 8 * 60 + 1);
    json_decref(o);
    /* The day's cover: one 8-hour shift leaves gaps. */
    ep_error_clear(&err);
    assert_int_equal(roster_day_gaps(fx->s, CITY, place, time_today_cn(), &o, &err), 0);
    assert_false(json_is_true(json_object_get(o, "covered_24h")));
    json_decref(o);
    assert_counters_match_oracle(fx);
}

static void checkpoint_entry_consequences(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    json_t *o = NULL;
    ep_error_clear(&err);
    assert_int_equal(
        checkpoint_create(fx->s, &fx->admin, "S322 白牙市卡口", GRID_A, "24h", &o, &err), 0);
    int64_t cp = json_integer_value(json_object_get(o, "id"));
    json_decref(o);
    ep_error_clear(&err);
    assert_int_equal(checkpoint_create(fx->s, &fx->admin, "镇卡口", TOWNSHIP, "24h", &o, &err),
                     -EP_EINVAL); /* a checkpoint stands in a grid */
    assert_true(has_field(&err, "region_code"));

    struct checkpoint_entry_input in = {0};
    in.checkpoint_id = cp;
    in.id_number = fx->id_numbers[3];
    in.origin = "湖北省武汉市";
    in.temperature_dc = 381;
    in.outcome = "refer";
    struct idem_key key = {"6f1c1c0e-2b1d-4b5e-9a53-2f1d3c4b5a61", "hash-a", 0};
    int64_t id = 0, again = 0;
    ep_error_clear(&err);
    assert_int_equal(checkpoint_entry_add(fx->s, &fx->worker, &in, &key, &id, &err), 0);
    assert_int_equal(checkpoint_entry_get(fx->s, NULL, id, &o, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(o, "person_id")), fx->persons[3]);
    assert_true(json_is_true(json_object_get(o, "from_risk")));
    assert_true(json_is_true(json_object_get(o, "febrile")));
    assert_true(json_is_integer(json_object_get(o, "observation_id")));
    assert_true(json_is_integer(json_object_get(o, "alert_id")));
    json_decref(o);
    assert_int_equal(
        rows(fx,
             "SELECT COUNT(*) FROM alerts WHERE rule = 'checkpoint_fever' AND severity = 'high'"),
        1);
    assert_int_equal(rows(fx, "SELECT COUNT(*) FROM observations WHERE status = 'active'"), 1);
    char metric[64], today[11];
    time_date_format(time_today_cn(), today);
    snprintf(metric, sizeof metric, "checkpoint_entries.%s", today);
    assert_int_equal(count(fx, CITY, metric), 1);

    /* The same UUID and body: the first entry, nothing new; another body: 409. */
    key.replayed = 0;
    ep_error_clear(&err);
    assert_int_equal(checkpoint_entry_add(fx->s, &fx->worker, &in, &key, &again, &err), 0);
    assert_int_equal(again, id);
    assert_int_equal(key.replayed, 1);
    assert_int_equal(count(fx, CITY, metric), 1);
    struct idem_key other = {"6f1c1c0e-2b1d-4b5e-9a53-2f1d3c4b5a61", "hash-b", 0};
    ep_error_clear(&err);
    assert_int_equal(checkpoint_entry_add(fx->s, &fx->worker, &in, &other, &again, &err),
                     -EP_ECONFLICT);

    /* A vehicle from nowhere risky passes; a worker of another grid is refused. */
    struct checkpoint_entry_input car = {0};
    car.checkpoint_id = cp;
    car.plate = "湘M12345";
    car.origin = "永州市零陵区";
    car.outcome = "pass";
    ep_error_clear(&err);
    assert_int_equal(checkpoint_entry_add(fx->s, &fx->worker, &car, NULL, &id, &err), 0);
    struct auth_user far;
    user(&far, 9, "worker_c", ROLE_GRID_WORKER, GRID_C);
    struct actor far_actor = {&far, "test"};
    ep_error_clear(&err);
    assert_int_equal(checkpoint_entry_add(fx->s, &far_actor, &car, NULL, &id, &err), -EP_ENOTFOUND);
    assert_int_equal(count(fx, CITY, metric), 2);
    /* Masked for a viewer, full for the grid's worker. */
    json_t *items = json_array();
    ep_error_clear(&err);
    struct auth_user viewer;
    user(&viewer, 10, "viewer", ROLE_VIEWER, CITY);
    assert_int_equal(checkpoint_entries_list(fx->s, &viewer, cp, -1, 0, 10, items, &err), 0);
    assert_int_equal(json_array_size(items), 2);
    const char *shown = json_string_value(json_object_get(json_array_get(items, 1), "id_number"));
    assert_non_null(strstr(shown, "****"));
    json_decref(items);
    assert_counters_match_oracle(fx);
}

/* ---- the property: counters equal the oracle ----------------------------------- */

static unsigned rnd_state;
static int rnd(int n)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (int)((rnd_state >> 8) % (unsigned)n);
}

static void counters_equal_the_oracle_after_a_random_sequence(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    rnd_state = 20200128u;
    static const char *codes[] = {CITY, COUNTY, TOWNSHIP, VILLAGE, GRID_A, GRID_B, GRID_C};
    static const char *kinds[] = {"regular", "temporary", "mobile"};
    static const char *types[] = {"commando", "vanguard",   "volunteer",
                                  "patrol",   "sanitation", "emergency"};
    int64_t orgs[64];
    int norgs = 0;
    orgs[norgs++] = new_org(fx, &fx->admin, "中共永州市委", "regular", CITY, 0);
    int64_t apps[128];
    int napps = 0;
    json_t *o = NULL;
    ep_error_clear(&err);
    assert_int_equal(checkpoint_create(fx->s, &fx->admin, "卡口A", GRID_A, "24h", &o, &err), 0);
    int64_t cp_a = json_integer_value(json_object_get(o, "id"));
    int64_t place_a = json_integer_value(json_object_get(o, "place_id"));
    json_decref(o);
    ep_error_clear(&err);
    assert_int_equal(checkpoint_create(fx->s, &fx->admin, "卡口C", GRID_C, "06:00-22:00", &o, &err),
                     0);
    int64_t cp_c = json_integer_value(json_object_get(o, "id"));
    json_decref(o);
    int64_t shifts[64];
    int nshifts = 0;
    int64_t now = (int64_t)time(NULL);
    for (int step = 0; step < 600; step++) {
        ep_error_clear(&err);
        int op = rnd(10);
        o = NULL;
        if (op == 0 && norgs < 64) {
            const char *kind = kinds[rnd(3)];
            int64_t parent = orgs[rnd(norgs)];
            json_t *p = NULL;
            if (org_get(fx->s, "", parent, &p, &err) != 0)
                fail_msg("org_get");
            const char *pregion = json_string_value(json_object_get(p, "region_code"));
            const char *region = codes[rnd(7)];
            if (!region_in_scope(region, pregion))
                region = pregion;
            char name[32];
            snprintf(name, sizeof name, "组织%d", step);
            struct org_input in = {
                name,        kind, region, parent, !strcmp(kind, "mobile") ? "广东省东莞市" : NULL,
                "2020-01-26"};
            if (org_create(fx->s, &fx->admin, &in, &o, &err) == 0)
                orgs[norgs++] = json_integer_value(json_object_get(o, "id"));
            json_decref(p);
        } else if (op == 1) {
            if (norgs > 1)
                org_dissolve(fx->s, &fx->admin, orgs[1 + rnd(norgs - 1)], "2020-02-20", &o, &err);
        } else if (op == 2 || op == 3) {
            struct org_member_input in = {fx->persons[rnd(NPERSONS)], "member", "2020-01-27"};
            org_member_add(fx->s, &fx->admin, orgs[rnd(norgs)], &in, &o, &err);
        } else if (op == 4) {
            org_member_end(fx->s, &fx->admin, orgs[rnd(norgs)], fx->persons[rnd(NPERSONS)], &err);
        } else if (op == 5 && napps < 128) {
            int64_t org = orgs[rnd(norgs)];
            json_t *members = json_array();
            org_members_list(fx->s, "", org, members, &err);
            if (json_array_size(members) > 0) {
                int64_t ids[2];
                int n = json_array_size(members) > 1 ? 1 + rnd(2) : 1;
                for (int i = 0; i < n; i++)
                    ids[i] = json_integer_value(
                        json_object_get(json_array_get(members, (size_t)i), "person_id"));
                struct org_application_input in = {org,    ids, n, n > 1 ? "小组" : NULL,
                                                   "请战", NULL};
                ep_error_clear(&err);
                if (org_application_create(fx->s, &fx->admin, &in, &o, &err) == 0)
                    apps[napps++] = json_integer_value(json_object_get(o, "id"));
            }
            json_decref(members);
        } else if (op == 6 && napps > 0) {
            struct team_input t = {0};
            t.name = "突击队";
            t.type = types[rnd(6)];
            int64_t places[1] = {place_a};
            t.place_ids = places;
            t.nplaces = 1;
            int with_team = rnd(2);
            org_application_decide(fx->s, &fx->admin, apps[rnd(napps)],
                                   rnd(3) ? "approve" : "decline", NULL, with_team ? &t : NULL, &o,
                                   &err);
        } else if (op == 7) {
            int64_t helpers[2] = {fx->persons[rnd(NPERSONS)], fx->persons[rnd(NPERSONS)]};
            org_grid_duty_set(fx->s, &fx->admin, codes[4 + rnd(3)],
                              rnd(4) ? fx->persons[rnd(NPERSONS)] : 0, helpers, rnd(3), &o, &err);
        } else if (op == 8) {
            if (nshifts < 64 && rnd(2)) {
                char start[32], end[32];
                int64_t s0 = now - (int64_t)(10 + rnd(40)) * 3600;
                time_iso_from_unix((time_t)s0, start);
                time_iso_from_unix((time_t)(s0 + (1 + rnd(12)) * 3600), end);
                int64_t people[2] = {fx->persons[rnd(NPERSONS)], fx->persons[rnd(NPERSONS)]};
                struct roster_shift_input in = {
                    place_a, start, end, 0, people, people[0] == people[1] ? 1 : 2, NULL};
                if (roster_shift_create(fx->s, &fx->admin, &in, &o, &err) == 0)
                    shifts[nshifts++] = json_integer_value(json_object_get(o, "id"));
            } else if (nshifts > 0) {
                int64_t sh = shifts[rnd(nshifts)];
                json_t *sj = NULL;
                roster_shift_get(fx->s, "", sh, &sj, &err);
                json_t *person = json_array_get(json_object_get(sj, "people"), 0);
                int64_t pid = json_integer_value(json_object_get(person, "person_id"));
                int64_t st;
                time_iso_parse(json_string_value(json_object_get(sj, "start")), &st);
                int in = json_is_null(json_object_get(person, "checkin_at"));
                ep_error_clear(&err);
                roster_attend(fx->s, &fx->worker, sh, pid, in,
                              in ? st + rnd(60) * 60 : st + 3600 + rnd(300) * 17, &o, &err);
                json_decref(sj);
            }
        } else {
            struct checkpoint_entry_input in = {0};
            in.checkpoint_id = rnd(4) ? cp_a : cp_c;
            int who = rnd(3);
            char plate[16];
            if (who == 0) {
                in.id_number = fx->id_numbers[rnd(NPERSONS)];
            } else if (who == 1) {
                in.name = "党员7";
                in.phone = "13800000007";
            } else {
                snprintf(plate, sizeof plate, "湘M%05d", rnd(100000));
                in.plate = plate;
            }
            in.origin = rnd(4) ? "永州市冷水滩区" : "湖北省武汉市";
            in.temperature_dc = rnd(3) ? 360 + rnd(30) : 0;
            in.outcome = rnd(5) ? "pass" : "turn_back";
            char entered[32];
            time_iso_from_unix((time_t)(now - rnd(3) * 86400 - rnd(3600)), entered);
            in.entered_at = entered;
            int64_t id;
            checkpoint_entry_add(fx->s, in.checkpoint_id == cp_c ? &fx->admin : &fx->worker, &in,
                                 NULL, &id, &err);
        }
        json_decref(o);
        if (step % 100 == 99)
            assert_counters_match_oracle(fx);
    }
    assert_counters_match_oracle(fx);
    assert_true(rows(fx, "SELECT COUNT(*) FROM orgs") > 10);
    assert_true(rows(fx, "SELECT COUNT(*) FROM checkpoint_entries") > 50);
    assert_true(rows(fx, "SELECT COUNT(*) FROM teams") > 0);
    /* teams_total (the dashboard's one-row figure) is the sum of teams.<type> at every level
     * and, at the city, every team formed. */
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        int64_t sum = 0;
        for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
            char metric[32];
            snprintf(metric, sizeof metric, "teams.%s", types[k]);
            sum += count(fx, codes[i], metric);
        }
        assert_int_equal(count(fx, codes[i], "teams_total"), sum);
    }
    assert_int_equal(count(fx, CITY, "teams_total"), rows(fx, "SELECT COUNT(*) FROM teams"));
}

/* Chinese text names an application's status in Chinese; an unknown code stays. */
static void application_status_labels(void **state)
{
    (void)state;
    assert_string_equal(org_application_status_zh("pending"), "待审批");
    assert_string_equal(org_application_status_zh("approved"), "已批准");
    assert_string_equal(org_application_status_zh("declined"), "未批准");
    assert_string_equal(org_application_status_zh("withdrawn"), "withdrawn");
}

/* One table per list gives both directions: every code has a Chinese name of
 * its own that reads back as the code, as does the code itself; the other
 * names spreadsheets use read back too; unknown values pass unchanged (the
 * checks name them), NULL reads as "" one way and NULL the other. */
static void names_both_ways(void **state)
{
    (void)state;
    static const struct {
        const char *const *codes;
        const char *(*zh)(const char *);
        const char *(*code)(const char *);
    } lists[] = {{org_kinds, org_kind_zh, org_kind_code},
                 {org_member_roles, org_member_role_zh, org_member_role_code},
                 {org_activity_kinds, org_activity_kind_zh, org_activity_kind_code}};
    for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
        for (int i = 0; lists[l].codes[i]; i++) {
            const char *code = lists[l].codes[i], *zh = lists[l].zh(code);
            assert_true(*zh && strcmp(zh, code) != 0);
            assert_string_equal(lists[l].code(zh), code);
            assert_string_equal(lists[l].code(code), code);
            for (int j = 0; j < i; j++) /* names differ within a list */
                assert_string_not_equal(lists[l].zh(lists[l].codes[j]), zh);
        }
        assert_string_equal(lists[l].zh("unknown"), "unknown");
        assert_string_equal(lists[l].code("联欢"), "联欢");
        assert_string_equal(lists[l].zh(NULL), "");
        assert_null(lists[l].code(NULL));
    }
    static const char *const names[][3] = {
        /* list, name, code: what an export writes and the import reads */
        {"kind", "常设", "regular"},
        {"kind", "临时", "temporary"},
        {"kind", "流动", "mobile"},
        {"kind", "党总支", "regular"},
        {"kind", "党支部", "regular"},
        {"kind", "党委", "regular"},
        {"kind", "常设党组织", "regular"},
        {"kind", "临时党支部", "temporary"},
        {"kind", "临时党组织", "temporary"},
        {"kind", "流动党组织", "mobile"},
        {"kind", "流动党支部", "mobile"},
        {"role", "书记", "secretary"},
        {"role", "副书记", "deputy_secretary"},
        {"role", "委员", "committee"},
        {"role", "党员", "member"},
        {"role", "预备党员", "probationary"},
        {"activity", "誓师/请战", "pledge"},
        {"activity", "誓师大会", "pledge"},
        {"activity", "誓师", "pledge"},
        {"activity", "请战", "pledge"},
        {"activity", "会议", "meeting"},
        {"activity", "学习", "study"},
        {"activity", "志愿服务", "service"},
        {"activity", "服务", "service"},
        {"activity", "其他", "other"},
        {"activity", "其它", "other"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *list = names[i][0];
        const char *code = !strcmp(list, "kind")   ? org_kind_code(names[i][1])
                           : !strcmp(list, "role") ? org_member_role_code(names[i][1])
                                                   : org_activity_kind_code(names[i][1]);
        assert_string_equal(code, names[i][2]);
    }
    /* the shown names */
    assert_string_equal(org_kind_zh("mobile"), "流动");
    assert_string_equal(org_member_role_zh("deputy_secretary"), "副书记");
    assert_string_equal(org_activity_kind_zh("pledge"), "誓师/请战");
    /* a name of one list is not a name of another */
    assert_string_equal(org_kind_code("书记"), "书记");
    assert_string_equal(org_member_role_code("常设"), "常设");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(memberships_one_regular_and_temporary_on_top, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bad_input_writes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(application_approved_into_a_team, setup, teardown),
        cmocka_unit_test_setup_teardown(grid_duty_one_responsible, setup, teardown),
        cmocka_unit_test_setup_teardown(attendance_and_service_hours, setup, teardown),
        cmocka_unit_test_setup_teardown(checkpoint_entry_consequences, setup, teardown),
        cmocka_unit_test_setup_teardown(counters_equal_the_oracle_after_a_random_sequence, setup,
                                        teardown),
        cmocka_unit_test(application_status_labels),
        cmocka_unit_test(names_both_ways),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
