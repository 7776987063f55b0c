/*
 * test_group.c -- the group-commit writer and store_run_deferred(): a job
 * whose deferred write fails is rolled back alone, with exactly its own
 * savepoint, and its neighbours in the same batch commit.
 *
 * On SQLite by default; on PostgreSQL (where deferred writes are queued in
 * libpq's pipeline and fail later: at the job's next statement, at a nested
 * level's commit or at the job's own commit) when EPIGRID_TEST_PG_FILE names
 * a file holding an admin URI (ctest pg.store_group): the test then works in
 * a database of its own, dropped at the end.  And, on SQLite, that the
 * writer goes on while the syncer holds a batch's answers until the log is
 * on disk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "store/group.h"
#include "store/store.h"

static struct fixture_db db; /* the database under test */

/* What a job does (all of it in its group-commit savepoint). */
enum mode {
    GOOD,          /* a write, a deferred write, a read */
    FAIL_AT_END,   /* a write, a failing deferred write, nothing more: fails at its commit */
    FAIL_AT_READ,  /* a write, a failing deferred write, then a read: the read fails */
    FAIL_NESTED,   /* a write, then a nested level whose deferred write fails: the job fails */
    SURVIVE_INNER, /* as FAIL_NESTED, but the job goes on after the nested level failed */
    SURVIVE_FIRST, /* a nested level opened first thing (shares the job's savepoint) fails,
                      the job goes on */
    PREFETCH,      /* a write, a deferred write, a prefetched read, another read, then the
                      prefetched read is stepped: it counts both rows */
    PREFETCH_DROP, /* a write, a prefetched read reset unread, a write, the same read: it
                      counts two rows, not the dropped answer's one */
    PREFETCH_FAIL, /* a write, a failing deferred write, a prefetched read: its step fails */
    BLOCK,         /* waits until released: the others queue up behind it */
};

struct job_ctx {
    struct store_group_job job;
    int id;          /* the rows' "job" column */
    enum mode mode;  /* what run() does */
    int inner_rc;    /* SURVIVE_*: what the nested commit returned */
    int done_rc;     /* rc handed to done() */
    int done_called; /* 1 once done() ran */
    int runs;        /* times run() was called */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int started, released, finished;

static int insert(struct store *s, int job, int v, int deferred, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s, "INSERT INTO t (job, v) VALUES (?, ?)", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, job);
    store_bind_int64(st, 2, v);
    return deferred ? store_run_deferred(st, err) : store_run(st, err);
}

static int count_rows(struct store *s, int job, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s, "SELECT count(*) FROM t WHERE job = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, job);
    int64_t n = 0;
    int rc = store_step_int64s(st, &n, 1, err);
    return rc < 0 ? rc : (int)n;
}

/* count_rows sent ahead (store_prefetch), bound for "job"; NULL on error. */
static struct store_stmt *count_prefetch(struct store *s, int job, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s, "SELECT count(*) FROM t WHERE job = ?", err);
    if (!st)
        return NULL;
    store_bind_int64(st, 1, job);
    if (store_prefetch(st, err) != 0) {
        store_stmt_reset(st);
        return NULL;
    }
    return st;
}

/* A read other than count_rows: it sends the queue, prefetched reads with it. */
static int other_read(struct store *s, int job, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s, "SELECT max(v) FROM t WHERE job = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, job);
    int64_t v = 0;
    return store_step_int64s(st, &v, 1, err);
}

/* A nested level (store_begin inside the job): a good deferred write (v 4)
 * and a failing one (v -1, refused by the CHECK constraint). */
static int nested_failing(struct store *s, int job, struct ep_error *err)
{
    int rc = store_begin(s, err);
    if (rc == 0)
        rc = insert(s, job, 4, 1, err);
    if (rc == 0)
        rc = insert(s, job, -1, 1, err);
    if (rc == 0)
        return store_commit(s, err); /* PostgreSQL: the error shows here; the level is gone */
    store_rollback(s);
    return rc;
}

static int run(struct store *s, void *arg, struct ep_error *err)
{
    struct job_ctx *c = arg;
    int rc = 0;
    c->runs++;
    switch (c->mode) {
    case BLOCK:
        pthread_mutex_lock(&lock);
        started = 1;
        pthread_cond_broadcast(&cond);
        while (!released)
            pthread_cond_wait(&cond, &lock);
        pthread_mutex_unlock(&lock);
        return insert(s, c->id, 1, 0, err);
    case SURVIVE_FIRST:
        c->inner_rc = nested_failing(s, c->id, err);
        ep_error_clear(err);
        return insert(s, c->id, 5, 0, err);
    default:
        break;
    }
    if ((rc = insert(s, c->id, 1, 0, err)) != 0)
        return rc;
    switch (c->mode) {
    case GOOD:
        if ((rc = insert(s, c->id, 2, 1, err)) != 0)
            return rc;
        return count_rows(s, c->id, err) == 2 ? 0 : -EP_EINTERNAL;
    case FAIL_AT_END:
        return insert(s, c->id, -1, 1, err);
    case FAIL_AT_READ:
        if ((rc = insert(s, c->id, -1, 1, err)) != 0)
            return rc;
        rc = count_rows(s, c->id, err);
        return rc < 0 ? rc : 0;
    case FAIL_NESTED:
        return nested_failing(s, c->id, err);
    case PREFETCH: {
        if ((rc = insert(s, c->id, 2, 1, err)) != 0)
            return rc;
        struct store_stmt *st = count_prefetch(s, c->id, err);
        if (!st)
            return -err->code;
        if ((rc = other_read(s, c->id, err)) != 0) {
            store_stmt_reset(st);
            return rc;
        }
        int64_t n = 0;
        if ((rc = store_step_int64s(st, &n, 1, err)) != 0)
            return rc;
        return n == 2 ? 0 : -EP_EINTERNAL;
    }
    case PREFETCH_DROP: {
        struct store_stmt *st = count_prefetch(s, c->id, err);
        if (!st)
            return -err->code;
        store_stmt_reset(st);
        if ((rc = insert(s, c->id, 2, 0, err)) != 0)
            return rc;
        rc = count_rows(s, c->id, err);
        return rc == 2 ? 0 : rc < 0 ? rc : -EP_EINTERNAL;
    }
    case PREFETCH_FAIL: {
        if ((rc = insert(s, c->id, -1, 1, err)) != 0)
            return rc;
        struct store_stmt *st = count_prefetch(s, c->id, err);
        if (!st)
            return -err->code;
        int64_t n = 0;
        return store_step_int64s(st, &n, 1, err);
    }
    case SURVIVE_INNER:
        c->inner_rc = nested_failing(s, c->id, err);
        ep_error_clear(err);
        if ((rc = insert(s, c->id, 3, 1, err)) != 0)
            return rc;
        return count_rows(s, c->id, err) == 2 ? 0 : -EP_EINTERNAL;
    default:
        return -EP_EINTERNAL;
    }
}

static void done(void *arg, int rc, struct ep_error *err)
{
    (void)err;
    struct job_ctx *c = arg;
    pthread_mutex_lock(&lock);
    c->done_rc = rc;
    c->done_called = 1;
    finished++;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
}

static int setup(void **state)
{
    (void)state;
    if (fixture_db_create(&db, "group") != 0)
        return -1;
    struct store *s;
    struct ep_error err;
    ep_error_clear(&err);
    if (store_open(&s, db.path, STORE_OPEN_CREATE, &err) != 0)
        return -1;
    int rc = store_exec(s,
                        "CREATE TABLE t (job INTEGER NOT NULL, v INTEGER NOT NULL CHECK (v >= 0),"
                        " UNIQUE (job, v))",
                        &err);
    store_close(s);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    return fixture_db_drop(&db);
}

/* The rows of "job" as "v,v,..." in order ("" when none). */
static void rows_of(struct store *s, int job, char *out, size_t size)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(s, "SELECT v FROM t WHERE job = ? ORDER BY v", &err);
    assert_non_null(st);
    store_bind_int64(st, 1, job);
    size_t n = 0;
    out[0] = '\0';
    while (store_step(st, &err) == STORE_ROW && n < size)
        n += (size_t)snprintf(out + n, size - n, "%s%lld", n ? "," : "",
                              (long long)store_column_int64(st, 0));
    store_stmt_reset(st);
}

/* Runs job 0 (BLOCK) in a batch of its own, then plan[0..n-1] as jobs 1..n
 * in one batch, each "rerunnable" or not; checks every job's rows and
 * outcome, and leaves the jobs in "jobs" (n + 1 of them). */
static void run_plan(const enum mode *plan, int n, int rerunnable, struct job_ctx *jobs)
{
    memset(jobs, 0, (size_t)(n + 1) * sizeof *jobs);
    struct store_group *g;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(store_group_start(&g, db.path, NULL, NULL, &err), 0);
    started = released = finished = 0;
    /* job 0 holds the writer in a batch of its own while the others queue:
     * they then run as one batch */
    for (int i = 0; i <= n; i++) {
        jobs[i].id = i;
        jobs[i].mode = i == 0 ? BLOCK : plan[i - 1];
        jobs[i].job.run = run;
        jobs[i].job.done = done;
        jobs[i].job.ctx = &jobs[i];
        jobs[i].job.rerunnable = rerunnable;
    }
    store_group_submit(g, &jobs[0].job);
    pthread_mutex_lock(&lock);
    while (!started)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    for (int i = 1; i <= n; i++)
        store_group_submit(g, &jobs[i].job);
    pthread_mutex_lock(&lock);
    released = 1;
    pthread_cond_broadcast(&cond);
    while (finished < n + 1)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    long long batches, ran, syncs;
    store_group_stats(g, &batches, &ran, &syncs);
    store_group_stop(g);
    assert_int_equal(batches, 2);
    assert_int_equal(ran, n + 1);

    struct store *s;
    assert_int_equal(store_open(&s, db.path, 0, &err), 0);
    for (int i = 0; i <= n; i++) {
        char got[64];
        rows_of(s, i, got, sizeof got);
        const char *want;
        int ok;
        switch (jobs[i].mode) {
        case BLOCK:
            want = "1", ok = 1;
            break;
        case GOOD:
        case PREFETCH:
        case PREFETCH_DROP:
            want = "1,2", ok = 1;
            break;
        case SURVIVE_INNER: /* the nested level's 4 is gone with it */
            want = "1,3", ok = 1;
            assert_int_equal(jobs[i].inner_rc, -EP_ECONFLICT);
            break;
        case SURVIVE_FIRST:
            want = "5", ok = 1;
            assert_int_equal(jobs[i].inner_rc, -EP_ECONFLICT);
            break;
        default: /* failed: nothing of the job is left, not even its first write */
            want = "", ok = 0;
            break;
        }
        if (strcmp(got, want) != 0 || (jobs[i].done_rc == 0) != ok)
            fail_msg("job %d (mode %d): rows \"%s\", want \"%s\"; rc %d", i, jobs[i].mode, got,
                     want, jobs[i].done_rc);
        assert_int_equal(jobs[i].done_called, 1);
        if (!ok)
            assert_int_equal(jobs[i].done_rc, -EP_ECONFLICT);
    }
    store_close(s);
}

static const enum mode every_mode[] = {GOOD,          FAIL_AT_END, GOOD,     FAIL_AT_READ,  GOOD,
                                       FAIL_NESTED,   GOOD,        GOOD,     SURVIVE_INNER, GOOD,
                                       SURVIVE_FIRST, GOOD,        PREFETCH, PREFETCH_DROP, GOOD,
                                       PREFETCH_FAIL, GOOD};
#define EVERY_MODE ((int)(sizeof every_mode / sizeof every_mode[0]))

static void failing_deferred_writes_fail_their_own_job_only(void **state)
{
    (void)state;
    struct job_ctx jobs[EVERY_MODE + 1];
    run_plan(every_mode, EVERY_MODE, 0, jobs);
    for (int i = 0; i <= EVERY_MODE; i++)
        assert_int_equal(jobs[i].runs, 1);
}

/* The same jobs with lazy levels (store_set_lazy): on PostgreSQL the first
 * failing deferred write fails a statement of a later job, so the batch
 * runs again with lazy levels off -- and every job ends exactly as above. */
static void lazy_levels_end_every_job_as_eager_ones(void **state)
{
    (void)state;
    struct job_ctx jobs[EVERY_MODE + 1];
    run_plan(every_mode, EVERY_MODE, 1, jobs);
    /* job 1 (GOOD) ran before the first failure: twice when the batch ran
     * again (PostgreSQL), once where nothing is deferred (SQLite) */
    assert_int_equal(jobs[1].runs, fixture_db_is_pg(&db) ? 2 : 1);
}

/* Lazy levels without a failure: every job runs once. */
static void lazy_levels_run_each_job_once_when_all_goes_well(void **state)
{
    (void)state;
    static const enum mode plan[] = {GOOD, PREFETCH, GOOD, PREFETCH_DROP, GOOD, GOOD};
    enum { N = sizeof plan / sizeof plan[0] };
    struct job_ctx jobs[N + 1];
    run_plan(plan, N, 1, jobs);
    for (int i = 0; i <= N; i++)
        assert_int_equal(jobs[i].runs, 1);
}

/* store_run_insert(): each row's id is the one it was given back, also
 * around a failed level and an INSERT that takes its id from the sequence
 * in the same transaction, and an INSERT after the commit gets a new one. */
static void run_insert_gives_each_row_its_id(void **state)
{
    (void)state;
    struct store *s;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(store_open(&s, db.path, 0, &err), 0);
    assert_int_equal(store_exec(s,
                                "CREATE TABLE u (id INTEGER PRIMARY KEY, v INTEGER NOT NULL"
                                " CHECK (v >= 0))",
                                &err),
                     0);
    const char *ins = "INSERT INTO u (v) VALUES (?)";
    int64_t ids[8] = {0};
    int vals[8] = {0}, n = 0;
    assert_int_equal(store_begin(s, &err), 0);
    for (int i = 0; i < 3; i++, n++) {
        struct store_stmt *st = store_prepare(s, ins, &err);
        assert_non_null(st);
        store_bind_int64(st, 1, vals[n] = 10 + i);
        assert_int_equal(store_run_insert(st, &ids[n], &err), 0);
        assert_true(ids[n] > 0);
    }
    assert_true(ids[1] == ids[0] + 1 && ids[2] == ids[1] + 1);
    /* a level whose row is refused (at once, or at the level's commit) */
    assert_int_equal(store_begin(s, &err), 0);
    struct store_stmt *st = store_prepare(s, ins, &err);
    store_bind_int64(st, 1, -1);
    int64_t lost = 0;
    int rc = store_run_insert(st, &lost, &err);
    if (rc == 0)
        rc = store_commit(s, &err);
    else
        store_rollback(s);
    assert_int_equal(rc, -EP_ECONFLICT);
    ep_error_clear(&err);
    /* an id from the sequence, then a chosen one again */
    st = store_prepare(s, "INSERT INTO u (v) VALUES (?) ", &err); /* another literal */
    store_bind_int64(st, 1, vals[n] = 20);
    assert_int_equal(store_run(st, &err), 0);
    ids[n++] = store_last_insert_id(s);
    st = store_prepare(s, ins, &err);
    store_bind_int64(st, 1, vals[n] = 30);
    assert_int_equal(store_run_insert(st, &ids[n++], &err), 0);
    assert_int_equal(store_commit(s, &err), 0);
    /* after the commit, outside a transaction */
    st = store_prepare(s, ins, &err);
    store_bind_int64(st, 1, vals[n] = 40);
    assert_int_equal(store_run_insert(st, &ids[n++], &err), 0);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < i; k++)
            if (ids[i] == ids[k])
                fail_msg("rows %d and %d share id %lld", k, i, (long long)ids[i]);
    assert_true(ids[n - 1] > ids[n - 2] && ids[n - 1] > ids[2]);
    st = store_prepare(s, "SELECT id, v FROM u ORDER BY id", &err);
    int rows = 0;
    while (store_step(st, &err) == STORE_ROW) {
        int64_t id = store_column_int64(st, 0), v = store_column_int64(st, 1);
        int found = 0;
        for (int i = 0; i < n; i++)
            found |= ids[i] == id && vals[i] == v;
        if (!found)
            fail_msg("row id %lld v %lld was not inserted so", (long long)id, (long long)v);
        rows++;
    }
    store_stmt_reset(st);
    assert_int_equal(rows, n);
    store_close(s);
}

/* On SQLite a job is answered by the syncer thread after the log is on disk,
 * and the writer does not wait for it: while job A's answer is held up
 * (its done() blocks on the syncer thread), job B still runs and commits. */
static struct store_group *blocking_group;
static long long syncs_seen; /* store_group_stats' syncs when A's done() ran */
static int a_answering;      /* 1 once A's done() runs */

static void done_blocking(void *arg, int rc, struct ep_error *err)
{
    long long b, j;
    store_group_stats(blocking_group, &b, &j, &syncs_seen);
    pthread_mutex_lock(&lock);
    a_answering = 1;
    pthread_cond_broadcast(&cond);
    while (!released)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    done(arg, rc, err);
}

static void next_batch_runs_while_answers_wait_for_the_disk(void **state)
{
    (void)state;
    if (fixture_db_is_pg(&db))
        skip(); /* PostgreSQL: a commit is durable when it returns, no syncer */
    struct job_ctx a = {.id = 1, .mode = GOOD}, b = {.id = 2, .mode = GOOD};
    a.job = (struct store_group_job){.run = run, .done = done_blocking, .ctx = &a};
    b.job = (struct store_group_job){.run = run, .done = done, .ctx = &b};
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(store_group_start(&blocking_group, db.path, NULL, NULL, &err), 0);
    started = released = finished = a_answering = 0;
    store_group_submit(blocking_group, &a.job);
    pthread_mutex_lock(&lock);
    while (!a_answering)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    assert_true(syncs_seen >= 1); /* A is answered only after a log sync */
    store_group_submit(blocking_group, &b.job);
    struct store *s;
    assert_int_equal(store_open(&s, db.path, 0, &err), 0);
    char got[64] = "";
    for (int i = 0; i < 1000 && strcmp(got, "1,2") != 0; i++) { /* up to 10 s */
        usleep(10000);
        rows_of(s, 2, got, sizeof got);
    }
    store_close(s);
    assert_string_equal(got, "1,2");    /* B committed while A's answer waited */
    assert_int_equal(b.done_called, 0); /* and is answered after A, by the same thread */
    pthread_mutex_lock(&lock);
    released = 1;
    pthread_cond_broadcast(&cond);
    while (finished < 2)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    long long batches, ran, syncs;
    store_group_stats(blocking_group, &batches, &ran, &syncs);
    store_group_stop(blocking_group);
    assert_int_equal(a.done_rc, 0);
    assert_int_equal(b.done_rc, 0);
    assert_int_equal(batches, 2);
    assert_int_equal(syncs, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(failing_deferred_writes_fail_their_own_job_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(lazy_levels_end_every_job_as_eager_ones, setup, teardown),
        cmocka_unit_test_setup_teardown(lazy_levels_run_each_job_once_when_all_goes_well, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(run_insert_gives_each_row_its_id, setup, teardown),
        cmocka_unit_test_setup_teardown(next_batch_runs_while_answers_wait_for_the_disk, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
