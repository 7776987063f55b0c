/*
 * test_alert.c -- alerts on a temporary SQLite file: dedup keys, the
 * lifecycle open -> acknowledged -> resolved with its conflicts and events,
 * counters after each step and against the oracle, scope, list filters and
 * cursor, timeliness buckets and the median/p90 read from the histogram.
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

#include "core/alert.h"
#include "core/audit.h"
#include "core/counter.h"
#include "core/event.h"
#include "core/region.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/timeutil.h"

#define CITY   "4311"
#define GRID_A "431122101201001"
#define GRID_B "431122101201002"
#define GRID_C "431103001001001" /* another county */

struct fixture {
    char path[64];
    struct store *s;
    struct auth_user admin_user, worker_user, other_user;
    struct actor admin, worker, other;
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
    snprintf(fx->path, sizeof fx->path, "/tmp/test_alert_XXXXXX");
    int fd = mkstemp(fx->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(&fx->s, fx->path, STORE_OPEN_CREATE, &err), 0);
    assert_int_equal(store_migrate(fx->s, NULL, &err), 0);
    static const char *regions[][2] = {
        {CITY, "永州市"},
        {"431122", "东安县"},
        {"431122101", "白牙市镇"},
        {"431122101201", "茶亭社区"},
        {GRID_A, "雍景园小区"},
        {GRID_B, "茶亭一组"},
        {"431103", "冷水滩区"},
        {"431103001", "梅湾街道"},
        {"431103001001", "梅湾社区"},
        {GRID_C, "梅湾一网格"},
    };
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
        assert_int_equal(region_create(fx->s, regions[i][0], regions[i][1], &err), 0);
    user(&fx->admin_user, 1, "admin_4311", ROLE_ADMIN, CITY);
    user(&fx->worker_user, 2, "worker_a", ROLE_GRID_WORKER, GRID_A);
    user(&fx->other_user, 3, "worker_c", ROLE_GRID_WORKER, GRID_C);
    fx->admin = (struct actor){&fx->admin_user, "test"};
    fx->worker = (struct actor){&fx->worker_user, "test"};
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

static int64_t count(struct fixture *fx, const char *code, const char *metric)
{
    int64_t v;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(counter_get(fx->s, code, metric, &v, &err), 0);
    return v;
}

/* Unix time of HH:MM on day number "day" in China. */
static int64_t at(int64_t day, int hour, int minute)
{
    return day * 86400 + hour * 3600 + minute * 60 - TIME_CN_OFFSET_SECONDS;
}

static int64_t raise_one(struct fixture *fx, const char *grid, const char *key, int severity,
                         int64_t when)
{
    struct alert_input in = {
        .rule = "report_abnormal",
        .severity = severity,
        .grid_code = grid,
        .source = "report:1",
        .dedup_key = key,
        .title_zh = "发热 38.2℃",
        .title_en = "fever 38.2 °C",
        .raised_unix = when,
    };
    int64_t id;
    struct ep_error err;
    ep_error_clear(&err);
    assert_true(store_begin(fx->s, &err) == 0);
    if (alert_raise(fx->s, &in, &id, &err) != 0)
        fail_msg("raise %s: %s", key, ep_error_message(&err, EP_LANG_EN));
    assert_int_equal(store_commit(fx->s, &err), 0);
    return id;
}

struct events {
    int n;
    char types[16][32];
};

static int collect_event(int64_t id, const char *when, const char *type, const char *region,
                         const char *payload, void *ctx)
{
    (void)id;
    (void)when;
    (void)region;
    (void)payload;
    struct events *e = ctx;
    if (e->n < 16)
        snprintf(e->types[e->n], sizeof e->types[0], "%s", type);
    e->n++;
    return 0;
}

static struct events events_in(struct fixture *fx, const char *scope)
{
    struct events e = {0};
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(event_list_after(fx->s, scope, 0, 100, collect_event, &e, &err), 0);
    return e;
}

/* Every non-zero counter as text, for comparing live counters to the oracle. */
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
    assert_int_equal(alert_counters_rebuild(fx->s, &err), 0);
    char *oracle = counters_text(fx);
    store_rollback(fx->s);
    assert_string_equal(live, oracle);
    free(live);
    free(oracle);
}

static void raising_a_key_twice_returns_the_first_alert(void **state)
{
    struct fixture *fx = *state;
    int64_t day = time_today_cn() - 1;
    char date[11], metric[64];
    time_date_format(day, date);
    int64_t a = raise_one(fx, GRID_A, "report_abnormal:1", ALERT_HIGH, at(day, 9, 0));
    int64_t b = raise_one(fx, GRID_A, "report_abnormal:1", ALERT_HIGH, at(day, 10, 0));
    assert_true(a > 0);
    assert_int_equal(a, b);
    snprintf(metric, sizeof metric, "alerts_raised.%s", date);
    assert_int_equal(count(fx, GRID_A, metric), 1);
    assert_int_equal(count(fx, CITY, metric), 1);
    assert_int_equal(count(fx, "431122", "alerts_open.high"), 1);
    assert_int_equal(count(fx, CITY, "alerts_open.medium"), 0);
    struct events e = events_in(fx, CITY);
    assert_int_equal(e.n, 1);
    assert_string_equal(e.types[0], "alert.raised");
    /* A malformed raise is a programming error, not a user's. */
    struct alert_input bad = {.rule = "x",
                              .severity = 7,
                              .grid_code = GRID_A,
                              .dedup_key = "k",
                              .title_zh = "",
                              .title_en = ""};
    struct ep_error err;
    ep_error_clear(&err);
    int64_t id;
    assert_int_equal(alert_raise(fx->s, &bad, &id, &err), -EP_EINTERNAL);
    bad.severity = ALERT_LOW;
    bad.grid_code = "431122"; /* not a grid */
    assert_int_equal(alert_raise(fx->s, &bad, &id, &err), -EP_EINTERNAL);
    assert_counters_match_oracle(fx);
}

static void lifecycle_measures_seconds_and_refuses_repeats(void **state)
{
    struct fixture *fx = *state;
    int64_t day = time_today_cn() - 2;
    char date[11], metric[64];
    time_date_format(day, date);
    int64_t raised = at(day, 23, 50);
    int64_t id = raise_one(fx, GRID_A, "k1", ALERT_MEDIUM, raised);
    struct alert a;
    struct ep_error err;
    ep_error_clear(&err);
    /* Acknowledged 20 minutes later, after midnight: counted on the raising day. */
    assert_int_equal(alert_acknowledge(fx->s, &fx->worker, id, raised + 1200, &a, &err), 0);
    assert_string_equal(a.status, "acknowledged");
    assert_int_equal(a.ack_seconds, 1200);
    assert_string_equal(a.ack_by, "worker_a");
    snprintf(metric, sizeof metric, "ack_hist.%s.b1800", date);
    assert_int_equal(count(fx, CITY, metric), 1);
    assert_int_equal(count(fx, GRID_A, "alerts_open.medium"), 1); /* still open until resolved */
    ep_error_clear(&err);
    assert_int_equal(alert_acknowledge(fx->s, &fx->worker, id, 0, &a, &err), -EP_ECONFLICT);
    assert_non_null(strstr(ep_error_message(&err, EP_LANG_EN), "already acknowledged by worker_a"));
    /* Resolving needs a note. */
    ep_error_clear(&err);
    assert_int_equal(alert_resolve(fx->s, &fx->worker, id, "  ", 0, &a, &err), -EP_EINVAL);
    assert_string_equal(err.fields[0].field, "note");
    ep_error_clear(&err);
    assert_int_equal(alert_resolve(fx->s, &fx->worker, id, NULL, 0, &a, &err), -EP_EINVAL);
    ep_error_clear(&err);
    assert_int_equal(alert_resolve(fx->s, &fx->worker, id, "已送发热门诊", raised + 7000, &a, &err),
                     0);
    assert_string_equal(a.status, "resolved");
    assert_int_equal(a.resolve_seconds, 7000);
    assert_int_equal(a.ack_seconds, 1200); /* unchanged */
    assert_string_equal(a.note, "已送发热门诊");
    snprintf(metric, sizeof metric, "resolve_hist.%s.b7200", date);
    assert_int_equal(count(fx, "431122101", metric), 1);
    assert_int_equal(count(fx, GRID_A, "alerts_open.medium"), 0);
    ep_error_clear(&err);
    assert_int_equal(alert_resolve(fx->s, &fx->worker, id, "again", 0, &a, &err), -EP_ECONFLICT);
    ep_error_clear(&err);
    assert_int_equal(alert_acknowledge(fx->s, &fx->worker, id, 0, &a, &err), -EP_ECONFLICT);
    struct events e = events_in(fx, GRID_A);
    assert_int_equal(e.n, 3);
    assert_string_equal(e.types[0], "alert.raised");
    assert_string_equal(e.types[1], "alert.acknowledged");
    assert_string_equal(e.types[2], "alert.resolved");
    assert_int_equal(events_in(fx, GRID_C).n, 0);
    assert_counters_match_oracle(fx);
}

static void resolving_an_open_alert_acknowledges_it(void **state)
{
    struct fixture *fx = *state;
    int64_t day = time_today_cn() - 1;
    char date[11], metric[64];
    time_date_format(day, date);
    int64_t raised = at(day, 8, 0);
    int64_t id = raise_one(fx, GRID_B, "k2", ALERT_LOW, raised);
    struct alert a;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(alert_resolve(fx->s, &fx->admin, id, "误报", raised + 45, &a, &err), 0);
    assert_int_equal(a.ack_seconds, 45);
    assert_int_equal(a.resolve_seconds, 45);
    assert_string_equal(a.ack_by, "admin_4311");
    snprintf(metric, sizeof metric, "ack_hist.%s.b60", date);
    assert_int_equal(count(fx, GRID_B, metric), 1);
    snprintf(metric, sizeof metric, "resolve_hist.%s.b60", date);
    assert_int_equal(count(fx, GRID_B, metric), 1);
    assert_int_equal(count(fx, CITY, "alerts_open.low"), 0);
    assert_counters_match_oracle(fx);
}

static void scope_hides_other_regions(void **state)
{
    struct fixture *fx = *state;
    int64_t id = raise_one(fx, GRID_A, "k3", ALERT_HIGH, 0);
    struct alert a;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(alert_acknowledge(fx->s, &fx->other, id, 0, &a, &err), -EP_ENOTFOUND);
    ep_error_clear(&err);
    assert_int_equal(alert_resolve(fx->s, &fx->other, id, "x", 0, &a, &err), -EP_ENOTFOUND);
    ep_error_clear(&err);
    assert_int_equal(alert_get(fx->s, GRID_C, id, &a, &err), -EP_ENOTFOUND);
    ep_error_clear(&err);
    assert_int_equal(alert_get(fx->s, "431122", id, &a, &err), 0);
    assert_int_equal(count(fx, GRID_A, "alerts_open.high"), 1);
}

struct page {
    int n;
    int64_t ids[32];
};

static int collect(const struct alert *a, void *ctx)
{
    struct page *p = ctx;
    if (p->n < 32)
        p->ids[p->n] = a->id;
    p->n++;
    return 0;
}

static struct page list(struct fixture *fx, struct alert_filter f)
{
    struct page p = {0};
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(alert_list(fx->s, &f, collect, &p, &err), 0);
    return p;
}

static void list_filters_scope_and_pages_newest_first(void **state)
{
    struct fixture *fx = *state;
    int64_t a1 = raise_one(fx, GRID_A, "l1", ALERT_HIGH, 0);
    int64_t a2 = raise_one(fx, GRID_B, "l2", ALERT_MEDIUM, 0);
    int64_t a3 = raise_one(fx, GRID_C, "l3", ALERT_HIGH, 0);
    int64_t a4 = raise_one(fx, GRID_A, "l4", ALERT_LOW, 0);
    struct alert a;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(alert_acknowledge(fx->s, &fx->admin, a4, 0, &a, &err), 0);
    struct page p = list(fx, (struct alert_filter){.scope = CITY, .limit = 10});
    assert_int_equal(p.n, 4);
    assert_true(p.ids[0] == a4 && p.ids[1] == a3 && p.ids[2] == a2 && p.ids[3] == a1);
    p = list(fx, (struct alert_filter){.scope = "431122", .limit = 10});
    assert_int_equal(p.n, 3);
    p = list(fx, (struct alert_filter){.scope = CITY, .region = GRID_C, .limit = 10});
    assert_true(p.n == 1 && p.ids[0] == a3);
    /* A region outside the scope shows nothing. */
    p = list(fx, (struct alert_filter){.scope = "431122", .region = GRID_C, .limit = 10});
    assert_int_equal(p.n, 0);
    p = list(fx, (struct alert_filter){.scope = CITY, .severity = ALERT_HIGH, .limit = 10});
    assert_int_equal(p.n, 2);
    p = list(fx, (struct alert_filter){.scope = CITY, .status = "open", .limit = 10});
    assert_int_equal(p.n, 3);
    p = list(fx, (struct alert_filter){.scope = CITY, .status = "acknowledged", .limit = 10});
    assert_true(p.n == 1 && p.ids[0] == a4);
    p = list(fx, (struct alert_filter){.scope = CITY, .status = "unresolved", .limit = 10});
    assert_int_equal(p.n, 4);
    p = list(fx, (struct alert_filter){.scope = CITY, .rule = "report_overdue", .limit = 10});
    assert_int_equal(p.n, 0);
    /* Pages of two: every alert exactly once. */
    p = list(fx, (struct alert_filter){.scope = CITY, .limit = 2});
    assert_int_equal(p.n, 2);
    struct page q =
        list(fx, (struct alert_filter){.scope = CITY, .limit = 2, .before_id = p.ids[1]});
    assert_true(q.n == 2 && q.ids[0] == a2 && q.ids[1] == a1);
    q = list(fx, (struct alert_filter){.scope = CITY, .limit = 2, .before_id = a1});
    assert_int_equal(q.n, 0);
}

static void buckets_have_inclusive_upper_bounds(void **state)
{
    (void)state;
    static const struct {
        int64_t seconds;
        const char *bucket;
    } cases[] = {
        {0, "b60"},        {60, "b60"},       {61, "b300"},    {300, "b300"},
        {301, "b900"},     {1800, "b1800"},   {3601, "b7200"}, {14400, "b14400"},
        {28800, "b28800"}, {86400, "b86400"}, {86401, "binf"}, {10000000, "binf"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(alert_bucket_name(alert_bucket_of(cases[i].seconds)), cases[i].bucket);
    assert_int_equal(alert_bucket_upper(alert_bucket_of(61)), 300);
    assert_int_equal(alert_bucket_upper(ALERT_BUCKETS - 1), -1);
}

static void timeliness_reads_median_and_p90_from_the_histogram(void **state)
{
    struct fixture *fx = *state;
    int64_t day = time_today_cn() - 3;
    char date[11];
    time_date_format(day, date);
    /* Ten alerts raised that day, acknowledged after these many seconds:
     * sorted buckets b60 x3, b300 x2, b900, b1800, b7200, b14400, binf. */
    static const int64_t ack[10] = {30, 100000, 200, 45, 600, 1000, 4000, 10000, 250, 60};
    struct ep_error err;
    for (int i = 0; i < 10; i++) {
        char key[16];
        snprintf(key, sizeof key, "t%d", i);
        int64_t raised = at(day, 6, i);
        int64_t id = raise_one(fx, i % 2 ? GRID_A : GRID_B, key, ALERT_MEDIUM, raised);
        struct alert a;
        ep_error_clear(&err);
        assert_int_equal(alert_acknowledge(fx->s, &fx->admin, id, raised + ack[i], &a, &err), 0);
        if (i < 4) {
            ep_error_clear(&err);
            assert_int_equal(
                alert_resolve(fx->s, &fx->admin, id, "done", raised + ack[i] + 3600, &a, &err), 0);
        }
    }
    /* One raised another day does not count. */
    raise_one(fx, GRID_A, "other-day", ALERT_MEDIUM, at(day + 1, 6, 0));
    struct alert_timeliness t;
    ep_error_clear(&err);
    assert_int_equal(alert_timeliness_get(fx->s, CITY, date, &t, &err), 0);
    assert_int_equal(t.raised, 10);
    assert_int_equal(t.ack.count, 10);
    assert_string_equal(alert_bucket_name(t.ack.median_bucket), "b300"); /* rank 5 */
    assert_string_equal(alert_bucket_name(t.ack.p90_bucket), "b14400");  /* rank 9 */
    assert_int_equal(t.ack.hist[0], 3);
    /* Resolved: 3630, 103600, 3800, 3645 -> b7200 x3, binf: median b7200, p90 binf. */
    assert_int_equal(t.resolve.count, 4);
    assert_string_equal(alert_bucket_name(t.resolve.median_bucket), "b7200");
    assert_string_equal(alert_bucket_name(t.resolve.p90_bucket), "binf");
    /* Per grid: the histogram is rolled up, each grid has its own. */
    ep_error_clear(&err);
    assert_int_equal(alert_timeliness_get(fx->s, GRID_B, date, &t, &err), 0);
    assert_int_equal(t.ack.count, 5); /* 30, 200, 600, 4000, 250 */
    assert_string_equal(alert_bucket_name(t.ack.median_bucket), "b300");
    /* A day without alerts has no median. */
    time_date_format(day - 5, date);
    ep_error_clear(&err);
    assert_int_equal(alert_timeliness_get(fx->s, CITY, date, &t, &err), 0);
    assert_int_equal(t.ack.count, 0);
    assert_int_equal(t.ack.median_bucket, -1);
    assert_counters_match_oracle(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(raising_a_key_twice_returns_the_first_alert, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(lifecycle_measures_seconds_and_refuses_repeats, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(resolving_an_open_alert_acknowledges_it, setup, teardown),
        cmocka_unit_test_setup_teardown(scope_hides_other_regions, setup, teardown),
        cmocka_unit_test_setup_teardown(list_filters_scope_and_pages_newest_first, setup, teardown),
        cmocka_unit_test(buckets_have_inclusive_upper_bounds),
        cmocka_unit_test_setup_teardown(timeliness_reads_median_and_p90_from_the_histogram, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
