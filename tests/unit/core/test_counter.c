/*
 * test_counter.c -- roll-up counters on a temporary SQLite file: a fact's
 * delta reaches its grid and every ancestor, and counter_get_many (the
 * dashboard's read by key) gives for each name exactly what counter_get
 * gives, across several statement batches, with repeated names, names never
 * counted and names counted only in another region, and among thousands of
 * other metrics of the same region; inside a transaction the sums wait for
 * the commit and follow its savepoints (store.h, "Deferred sums").
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

#include "core/counter.h"
#include "core/region.h"
#include "core/stats.h"
#include "store/store.h"

#define CITY   "4311"
#define COUNTY "431122"
#define OTHER  "431103"
#define TOWN   "431122101"
#define VILL   "431122101201"
#define GRID   "431122101201001"

struct fixture {
    char path[64];
    struct store *s;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct ep_error err;
    ep_error_clear(&err);
    snprintf(fx->path, sizeof fx->path, "/tmp/test_counter_XXXXXX");
    int fd = mkstemp(fx->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(&fx->s, fx->path, STORE_OPEN_CREATE, &err), 0);
    assert_int_equal(store_migrate(fx->s, NULL, &err), 0);
    static const char *regions[][2] = {
        {CITY, "永州市"},   {COUNTY, "东安县"}, {OTHER, "冷水滩区"},
        {TOWN, "白牙市镇"}, {VILL, "茶亭社区"}, {GRID, "雍景园小区"},
    };
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
        assert_int_equal(region_create(fx->s, regions[i][0], regions[i][1], &err), 0);
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

static void add(struct fixture *fx, const char *code, const char *metric, int64_t delta)
{
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(store_begin(fx->s, &err), 0);
    assert_int_equal(counter_add(fx->s, code, metric, delta, &err), 0);
    assert_int_equal(store_commit(fx->s, &err), 0);
}

static int64_t get(struct fixture *fx, const char *code, const char *metric)
{
    struct ep_error err;
    ep_error_clear(&err);
    int64_t v = -1;
    assert_int_equal(counter_get(fx->s, code, metric, &v, &err), 0);
    return v;
}

/* A grid's fact counts at the grid and each ancestor, not at a sibling county. */
static void a_delta_reaches_every_ancestor(void **state)
{
    struct fixture *fx = *state;
    add(fx, GRID, "households", 3);
    add(fx, GRID, "households", -1);
    static const char *const up[] = {CITY, COUNTY, TOWN, VILL, GRID};
    for (size_t i = 0; i < sizeof up / sizeof up[0]; i++)
        assert_int_equal(get(fx, up[i], "households"), 2);
    assert_int_equal(get(fx, OTHER, "households"), 0);
}

/* counter_get_many equals counter_get name by name, over several batches. */
static void get_many_equals_get_by_name(void **state)
{
    struct fixture *fx = *state;
    char text[100][32];
    const char *names[100];
    size_t n = 0;
    /* 60 dated metrics counted at the grid (seen at the city), ... */
    for (int d = 0; d < 60; d++) {
        snprintf(text[n], sizeof text[n], "reports.2020-%02d-%02d", 1 + d / 28, 1 + d % 28);
        add(fx, GRID, text[n], d + 1);
        names[n] = text[n];
        n++;
    }
    /* ... one counted only in the other county, one never counted, ... */
    add(fx, OTHER, "teams_total", 7);
    names[n++] = "teams_total";
    names[n++] = "cases_confirmed_total";
    /* ... a name twice, in different batches, and a zero value. */
    add(fx, GRID, "persons", 5);
    names[n++] = "persons";
    add(fx, GRID, "overdue_now", 1);
    add(fx, GRID, "overdue_now", -1);
    names[n++] = "overdue_now";
    for (int i = 0; i < 5; i++)
        names[n++] = names[i * 13];
    names[n++] = "persons";
    assert_true(n > 2 * COUNTER_PICK_BATCH);

    int64_t values[100];
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(counter_get_many(fx->s, COUNTY, names, n, values, &err), 0);
    for (size_t i = 0; i < n; i++)
        if (values[i] != get(fx, COUNTY, names[i]))
            fail_msg("%s: many %lld, one %lld", names[i], (long long)values[i],
                     (long long)get(fx, COUNTY, names[i]));
    assert_int_equal(values[0], 1);
    assert_int_equal(values[59], 60);
    assert_int_equal(values[60], 0); /* counted in the other county only */
    assert_int_equal(values[61], 0);
    assert_int_equal(values[62], 5);
    assert_int_equal(values[n - 1], 5);
    assert_int_equal(values[64], values[0]);
    assert_int_equal(values[68], values[52]);
    /* The other county sees its own and nothing of the grid's; the city both. */
    assert_int_equal(counter_get_many(fx->s, OTHER, names, n, values, &err), 0);
    assert_int_equal(values[60], 7);
    assert_int_equal(values[0], 0);
    assert_int_equal(counter_get_many(fx->s, CITY, names, n, values, &err), 0);
    assert_int_equal(values[60], 7);
    assert_int_equal(values[59], 60);
    /* Nothing asked, nothing read. */
    assert_int_equal(counter_get_many(fx->s, CITY, names, 0, values, &err), 0);
}

/* Three names among 2,000 other dated rows of the same regions. */
static void get_many_among_many_other_metrics(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(store_begin(fx->s, &err), 0);
    for (int d = 0; d < 2000; d++) {
        char metric[48];
        snprintf(metric, sizeof metric, "ack_hist.%04d.b60", d);
        assert_int_equal(counter_add(fx->s, GRID, metric, 1, &err), 0);
    }
    assert_int_equal(counter_add(fx->s, GRID, "cases_confirmed_total", 4, &err), 0);
    assert_int_equal(store_commit(fx->s, &err), 0);
    const char *names[] = {"cases_confirmed_total", "ack_hist.1999.b60", "ack_hist.2000.b60"};
    int64_t values[3];
    assert_int_equal(counter_get_many(fx->s, VILL, names, 3, values, &err), 0);
    assert_int_equal(values[0], 4);
    assert_int_equal(values[1], 1);
    assert_int_equal(values[2], 0);
}

/* Rows of region_counters as written (not counting what is pending). */
static int64_t rows_of(struct fixture *fx, const char *metric)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st =
        store_prepare(fx->s, "SELECT count(*) FROM region_counters WHERE metric = ?", &err);
    assert_non_null(st);
    store_bind_text(st, 1, metric);
    int64_t n = -1;
    assert_int_equal(store_step_int64s(st, &n, 1, &err), 0);
    return n;
}

/* Inside a transaction the sums wait for the commit (a group commit's batch:
 * each job a savepoint): a released savepoint's deltas count, a rolled-back
 * one's vanish, reads inside the transaction see their own deltas, and the
 * commit writes each (region, metric) once. */
static void sums_follow_savepoints(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(store_begin(fx->s, &err), 0); /* the batch */
    for (int job = 0; job < 10; job++) {
        assert_int_equal(store_begin(fx->s, &err), 0); /* the job's savepoint */
        assert_int_equal(counter_add(fx->s, GRID, "reports.d1", 1, &err), 0);
        assert_int_equal(store_begin(fx->s, &err), 0); /* a module's own transaction */
        assert_int_equal(counter_add(fx->s, GRID, "fevers.d1", 1, &err), 0);
        if (job % 3 == 0)
            store_rollback(fx->s); /* jobs 0, 3, 6, 9: the inner part fails alone */
        else
            assert_int_equal(store_commit(fx->s, &err), 0);
        if (job == 4)
            store_rollback(fx->s); /* job 4 fails as a whole */
        else
            assert_int_equal(store_commit(fx->s, &err), 0);
    }
    /* nothing written yet, but the transaction reads its own sums */
    assert_int_equal(rows_of(fx, "reports.d1"), 0);
    assert_int_equal(get(fx, VILL, "reports.d1"), 9);
    const char *names[] = {"fevers.d1", "reports.d1"};
    int64_t values[2];
    assert_int_equal(counter_get_many(fx->s, CITY, names, 2, values, &err), 0);
    assert_int_equal(values[0], 5); /* jobs 1, 2, 5, 7, 8 */
    assert_int_equal(values[1], 9);
    assert_int_equal(store_commit(fx->s, &err), 0);
    assert_int_equal(rows_of(fx, "reports.d1"), 5); /* one row per region */
    static const char *const up[] = {CITY, COUNTY, TOWN, VILL, GRID};
    for (size_t i = 0; i < sizeof up / sizeof up[0]; i++) {
        assert_int_equal(get(fx, up[i], "reports.d1"), 9);
        assert_int_equal(get(fx, up[i], "fevers.d1"), 5);
    }
    /* a rolled-back transaction leaves nothing behind, not even for the next one */
    assert_int_equal(store_begin(fx->s, &err), 0);
    assert_int_equal(counter_add(fx->s, GRID, "reports.d1", 100, &err), 0);
    store_rollback(fx->s);
    add(fx, GRID, "reports.d1", 1);
    assert_int_equal(get(fx, CITY, "reports.d1"), 10);
}

/* A rebuild inside a transaction recounts from the rows: pending sums of the
 * rebuilt metric are not added on top. */
static void rebuild_forgets_pending_sums(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(store_begin(fx->s, &err), 0);
    assert_int_equal(counter_add(fx->s, GRID, "households", 7, &err), 0);
    assert_int_equal(counter_add(fx->s, GRID, "other", 2, &err), 0);
    assert_int_equal(counter_rebuild(fx->s, "households", "SELECT '" GRID "', 3", &err), 0);
    assert_int_equal(store_commit(fx->s, &err), 0);
    assert_int_equal(get(fx, CITY, "households"), 3);
    assert_int_equal(get(fx, CITY, "other"), 2);
}

/* Thousands of keys in one transaction (an import): the map grows, the
 * commit writes them in chunks, each once. */
static void many_sums_in_one_commit(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(store_begin(fx->s, &err), 0);
    for (int k = 0; k < 3; k++)
        for (int d = 0; d < 3000; d++) {
            char metric[48];
            snprintf(metric, sizeof metric, "m.%04d", d);
            assert_int_equal(counter_add(fx->s, GRID, metric, d, &err), 0);
        }
    assert_int_equal(store_commit(fx->s, &err), 0);
    assert_int_equal(get(fx, CITY, "m.2999"), 3 * 2999);
    assert_int_equal(get(fx, GRID, "m.0017"), 3 * 17);
    assert_int_equal(rows_of(fx, "m.0001"), 5);
}

/* The persons figure of the cached stats answer of "code" today. */
static long long stats_persons(struct store *s, const char *code)
{
    struct ep_error err;
    ep_error_clear(&err);
    size_t len = 0;
    char *text = stats_region_day_text(s, code, "2026-12-07", &len, &err);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    long long n = json_integer_value(json_object_get(json_object_get(j, "registry"), "persons"));
    json_decref(j);
    free(text);
    return n;
}

/* The stats cache (stats_region_day_text) answers from memory only while
 * nothing was written: a commit on this connection, and one on another
 * connection to the same file (another process, e.g. an import from the
 * command line), are both in the next answer; a read-only transaction does
 * not move the data version, a write does. */
static void stats_cache_follows_every_commit(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(stats_persons(fx->s, COUNTY), 0);
    add(fx, GRID, "persons", 3);
    assert_int_equal(stats_persons(fx->s, COUNTY), 3);
    assert_int_equal(stats_persons(fx->s, COUNTY), 3); /* again, from memory */

    struct store *other;
    assert_int_equal(store_open(&other, fx->path, 0, &err), 0);
    int shared;
    uint64_t v = store_data_version(fx->s, &shared);
    assert_int_equal(shared, 1); /* a file: every process moves it */
    assert_int_equal(store_begin(other, &err), 0);
    assert_int_equal(counter_get(other, GRID, "persons", &(int64_t){0}, &err), 0);
    assert_int_equal(store_commit(other, &err), 0);
    assert_true(store_data_version(fx->s, &shared) == v); /* nothing written */
    assert_int_equal(store_begin(other, &err), 0);
    assert_int_equal(counter_add(other, GRID, "persons", 2, &err), 0);
    assert_int_equal(store_commit(other, &err), 0);
    assert_true(store_data_version(fx->s, &shared) > v);
    store_close(other);
    assert_int_equal(stats_persons(fx->s, COUNTY), 5);
    assert_int_equal(stats_persons(fx->s, GRID), 5);
    char side[80];
    snprintf(side, sizeof side, "%s-epoch", fx->path);
    unlink(side);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_delta_reaches_every_ancestor, setup, teardown),
        cmocka_unit_test_setup_teardown(get_many_equals_get_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(get_many_among_many_other_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(sums_follow_savepoints, setup, teardown),
        cmocka_unit_test_setup_teardown(rebuild_forgets_pending_sums, setup, teardown),
        cmocka_unit_test_setup_teardown(many_sums_in_one_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(stats_cache_follows_every_commit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
