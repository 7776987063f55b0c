/*
 * test_simulate.c -- the demo city's simulated activity (gen/simulate.h) on
 * a tiny demo city in a temporary SQLite file: the same seed gives the same
 * facts and another seed other facts; after the simulation every module's
 * live counters equal its rebuild oracle (what `epigrid check` verifies);
 * and the city's figures are non-zero for what the pages show: visits and
 * coverage, observations, reports, overdue, alerts (with acknowledgement
 * times), cases, supplies, organisations and teams, the response level, a
 * directive, an inspection and a broadcast.
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

#include "core/alert.h"
#include "core/broadcast.h"
#include "core/case.h"
#include "core/command.h"
#include "core/contact.h"
#include "core/counter.h"
#include "gen/demo.h"
#include "core/household.h"
#include "core/observation.h"
#include "core/org.h"
#include "core/profile.h"
#include "core/person.h"
#include "core/screening.h"
#include "gen/simulate.h"
#include "core/stats.h"
#include "core/supply.h"
#include "store/store.h"
#include "util/timeutil.h"

#define SCALE 0.002

struct city {
    char path[64];
    struct store *s;
    struct simulate_stats st;
};

/* Every city of the test is simulated up to the same moment, taken once:
 * the simulation draws moments relative to "now", so runs seconds apart (a
 * slow sanitizer build) would otherwise differ where an event falls between. */
static int64_t sim_now;

static void city_open(struct city *c, uint64_t seed)
{
    if (!sim_now)
        sim_now = (int64_t)time(NULL);
    struct ep_error err;
    ep_error_clear(&err);
    snprintf(c->path, sizeof c->path, "/tmp/test_simulate_XXXXXX");
    int fd = mkstemp(c->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(&c->s, c->path, STORE_OPEN_CREATE | STORE_OPEN_BULK, &err), 0);
    assert_int_equal(store_migrate(c->s, NULL, &err), 0);
    struct demo_options opt = {SCALE, 1, NULL, NULL};
    if (demo_city_generate(c->s, &opt, NULL, &err) != 0)
        fail_msg("demo: %s", ep_error_message(&err, EP_LANG_EN));
    if (simulate_demo_run(c->s, SCALE, seed, sim_now, &c->st, &err) != 0)
        fail_msg("simulate: %s", ep_error_message(&err, EP_LANG_EN));
}

static void city_close(struct city *c)
{
    store_close(c->s);
    char side[80];
    unlink(c->path);
    snprintf(side, sizeof side, "%s-wal", c->path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", c->path);
    unlink(side);
}

static int setup(void **state)
{
    struct city *c = calloc(1, sizeof *c);
    assert_non_null(c);
    city_open(c, 7);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    struct city *c = *state;
    city_close(c);
    free(c);
    return 0;
}

static int64_t scalar(struct store *s, const char *sql)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(s, sql, &err);
    assert_non_null(st);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    int64_t v = store_column_int64(st, 0);
    store_stmt_reset(st);
    return v;
}

/* The facts that do not depend on the wall clock, as one text (malloc). */
static char *fingerprint(struct store *s)
{
    static const char *const sql[] = {
        "SELECT group_concat(x, ';') FROM (SELECT household_id || ',' || returnees || ',' ||"
        " fevers AS x FROM visits ORDER BY id)",
        "SELECT group_concat(x, ';') FROM (SELECT person_id || ',' || returned_from_risk || ','"
        " || temperature_dc || ',' || COALESCE(arrival_date, '') AS x FROM visit_persons"
        " ORDER BY rowid)",
        "SELECT group_concat(x, ';') FROM (SELECT person_id || ',' || kind || ',' || reason ||"
        " ',' || start_date || ',' || status AS x FROM observations ORDER BY id)",
        "SELECT group_concat(x, ';') FROM (SELECT rule || ',' || COALESCE(person_id, 0) || ','"
        " || status AS x FROM alerts ORDER BY id)",
        "SELECT group_concat(x, ';') FROM (SELECT person_id || ',' || temperature_dc AS x FROM"
        " health_reports ORDER BY id)",
        "SELECT group_concat(x, ';') FROM (SELECT person_id || ',' || status AS x FROM cases"
        " ORDER BY id)",
        "SELECT group_concat(x, ';') FROM (SELECT name AS x FROM orgs ORDER BY id)",
    };
    struct ep_error err;
    ep_error_clear(&err);
    size_t len = 0;
    char *out = calloc(1, 1);
    assert_non_null(out);
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        struct store_stmt *st = store_prepare(s, sql[i], &err);
        if (!st)
            fail_msg("%s: %s", sql[i], ep_error_message(&err, EP_LANG_EN));
        assert_int_equal(store_step(st, &err), STORE_ROW);
        const char *text = store_column_text(st, 0);
        size_t n = text ? strlen(text) : 0;
        char *grown = realloc(out, len + n + 2);
        assert_non_null(grown);
        out = grown;
        memcpy(out + len, text ? text : "", n);
        out[len + n] = '|';
        len += n + 1;
        out[len] = '\0';
        store_stmt_reset(st);
    }
    return out;
}

static void same_seed_same_facts_other_seed_other_facts(void **state)
{
    struct city *a = *state;
    struct city b, c;
    memset(&b, 0, sizeof b);
    memset(&c, 0, sizeof c);
    city_open(&b, 7);
    city_open(&c, 8);
    char *fa = fingerprint(a->s), *fb = fingerprint(b.s), *fc = fingerprint(c.s);
    assert_true(strlen(fa) > 1000);
    assert_string_equal(fa, fb);
    assert_true(strcmp(fa, fc) != 0);
    assert_memory_equal(&a->st, &b.st, sizeof a->st);
    free(fa);
    free(fb);
    free(fc);
    city_close(&b);
    city_close(&c);
}

/* ---- counters against the oracle -------------------------------------------- */

struct rows {
    char (*key)[64];
    int64_t *value;
    size_t n, cap;
};

static int collect(const char *code, const char *metric, int64_t value, void *ctx)
{
    struct rows *r = ctx;
    if (value == 0)
        return 0;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        r->key = realloc(r->key, r->cap * sizeof *r->key);
        r->value = realloc(r->value, r->cap * sizeof *r->value);
        assert_non_null(r->key);
        assert_non_null(r->value);
    }
    snprintf(r->key[r->n], sizeof r->key[r->n], "%s %s", code, metric);
    r->value[r->n++] = value;
    return 0;
}

static void every_counter_equals_its_oracle(void **state)
{
    struct city *c = *state;
    struct ep_error err;
    ep_error_clear(&err);
    struct rows live = {0}, oracle = {0};
    assert_int_equal(counter_each(c->s, collect, &live, &err), 0);
    assert_int_equal(store_begin(c->s, &err), 0);
    int (*const rebuild[])(struct store *, struct ep_error *) = {
        household_counters_rebuild,   person_counters_rebuild,       screening_counters_rebuild,
        observation_counters_rebuild, alert_counters_rebuild,        case_counters_rebuild,
        contact_counters_rebuild,     mobilisation_counters_rebuild, supply_counters_rebuild,
        command_counters_rebuild,     broadcast_counters_rebuild,
    };
    for (size_t i = 0; i < sizeof rebuild / sizeof rebuild[0]; i++)
        if (rebuild[i](c->s, &err) != 0)
            fail_msg("rebuild %zu: %s", i, ep_error_message(&err, EP_LANG_EN));
    assert_int_equal(counter_each(c->s, collect, &oracle, &err), 0);
    store_rollback(c->s);
    assert_true(live.n > 500);
    /* counter_each yields (code, metric) order on both sides. */
    size_t n = live.n < oracle.n ? live.n : oracle.n;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(live.key[i], oracle.key[i]) != 0 || live.value[i] != oracle.value[i])
            fail_msg("counter %s live=%lld, oracle %s=%lld", live.key[i], (long long)live.value[i],
                     oracle.key[i], (long long)oracle.value[i]);
    }
    assert_int_equal(live.n, oracle.n);
    free(live.key);
    free(live.value);
    free(oracle.key);
    free(oracle.value);
}

/* ---- what the pages show ------------------------------------------------------ */

static int64_t jint(json_t *o, const char *a, const char *b)
{
    return (int64_t)json_integer_value(json_object_get(json_object_get(o, a), b));
}

static void the_city_has_something_true_on_every_page(void **state)
{
    struct city *c = *state;
    struct ep_error err;
    ep_error_clear(&err);
    char today[11];
    time_date_format(time_today_cn(), today);

    /* Daily loop: the open round covers households, observations and reports. */
    assert_true(c->st.visits > 100);
    assert_true(c->st.returnees > 0);
    assert_true(c->st.reports > 0);
    int64_t households, visited;
    assert_int_equal(screening_coverage(c->s, DEMO_CODE_CITY, 1, &households, &visited, &err), 0);
    assert_int_equal(visited, c->st.visits);
    assert_true(visited * 4 > households); /* a large share at this scale */
    json_t *day = stats_region_day(c->s, DEMO_CODE_CITY, today, &err);
    assert_non_null(day);
    assert_true(jint(day, "observation", "active_total") > 0);
    assert_true(jint(day, "observation", "new_today") > 0);
    /* Overdue rows belong to the current slot: while it is within its grace
     * period (08:00-10:00 and 16:00-18:00 in China with the default
     * profile) the sweep has closed the earlier slot's rows and owes nothing
     * yet, so none is open; after it, some are. */
    struct profile prof;
    assert_int_equal(profile_get(c->s, &prof, &err), 0);
    int64_t slot_day;
    int slot_index;
    profile_slot_at(&prof, sim_now, &slot_day, &slot_index);
    if (sim_now < profile_slot_start(&prof, slot_day, slot_index) + prof.grace_minutes * 60)
        assert_int_equal(jint(day, "observation", "overdue_now"), 0);
    else
        assert_true(jint(day, "observation", "overdue_now") > 0);
    assert_true(jint(day, "alerts", "raised_today") > 0);
    assert_true(jint(day, "alerts", "open_high") + jint(day, "alerts", "open_medium") > 0);
    json_decref(day);
    /* Alerts: some acknowledged and resolved, with time-to-acknowledge figures. */
    assert_true(c->st.acknowledged > 0);
    assert_true(c->st.resolved > 0);
    assert_true(c->st.resolved <= c->st.acknowledged);
    int64_t acked = 0;
    for (int64_t d = time_today_cn() - 3; d <= time_today_cn(); d++) {
        char date[11];
        time_date_format(d, date);
        struct alert_timeliness t;
        assert_int_equal(alert_timeliness_get(c->s, DEMO_CODE_CITY, date, &t, &err), 0);
        acked += t.ack.count;
        if (t.ack.count)
            assert_true(t.ack.median_bucket >= 0);
    }
    assert_true(acked > 0);
    assert_true(scalar(c->s, "SELECT COUNT(*) FROM alerts WHERE status = 'open'") > 0);
    /* The outbreak, ending yesterday. */
    assert_true(c->st.outbreak_cases > 0);
    assert_true(scalar(c->s, "SELECT COUNT(*) FROM cases WHERE status = 'confirmed'") > 0);
    assert_true(c->st.outbreak_contacts > 0);
    /* Supplies. */
    assert_true(scalar(c->s, "SELECT COUNT(*) FROM donations") > 0);
    assert_int_equal(supply_ledger_verify(c->s, &err), 0);
    /* Mobilisation: organisations of every kind, teams, duty (some grids left without). */
    assert_true(c->st.organisations >= 20);
    assert_true(c->st.teams >= 10);
    assert_int_equal(scalar(c->s, "SELECT COUNT(DISTINCT kind) FROM orgs"), 3);
    json_t *mob = NULL;
    assert_int_equal(mobilisation_counters_json(c->s, DEMO_CODE_CITY, &mob, &err), 0);
    assert_non_null(mob);
    json_decref(mob);
    json_t *unassigned = json_array();
    struct grid_duty_filter without = {.scope = DEMO_CODE_CITY, .unassigned_only = 1, .limit = 5};
    assert_int_equal(org_grid_duty_list(c->s, &without, unassigned, &err), 0);
    assert_true(json_array_size(unassigned) > 0);
    json_decref(unassigned);
    assert_true(c->st.checkpoint_entries > 0);
    assert_int_equal(c->st.shifts, 3);
    /* Command: level I for the city since 2020-01-23, a directive, an inspection, a broadcast. */
    json_t *level = NULL;
    assert_int_equal(command_level_at(c->s, DEMO_CODE_YONGJINGYUAN, today, &level, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(level, "level")), 1);
    json_decref(level);
    assert_int_equal(scalar(c->s, "SELECT COUNT(*) FROM directives"), 1);
    assert_int_equal(scalar(c->s, "SELECT COUNT(*) FROM inspections"), 1);
    assert_int_equal(scalar(c->s, "SELECT COUNT(*) FROM broadcasts"), 1);
    assert_int_equal(scalar(c->s, "SELECT COUNT(*) FROM broadcast_acks"), 2);
    assert_int_equal(scalar(c->s, "SELECT COUNT(*) FROM inspection_findings WHERE status = 'open'"),
                     1);
    assert_true(scalar(c->s, "SELECT SUM(value) FROM region_counters WHERE code = '4311' AND"
                             " metric = 'service_minutes'") >= 3 * 2 * 6 * 60);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_seed_same_facts_other_seed_other_facts),
        cmocka_unit_test(every_counter_equals_its_oracle),
        cmocka_unit_test(the_city_has_something_true_on_every_page),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
