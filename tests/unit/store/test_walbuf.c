/*
 * test_walbuf.c -- the VFS that gathers a commit's writes to the log
 * (src/store/walbuf.c): what another connection reads, what a killed writer
 * leaves, transactions larger than the buffer and than the page cache.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "store/walbuf.h"

static struct fixture_db fx;
static const char *path = fx.path;

static int setup(void **state)
{
    (void)state;
    return fixture_db_create(&fx, "walbuf");
}

static int teardown(void **state)
{
    (void)state;
    return fixture_db_drop(&fx);
}

static sqlite3 *open_db(const char *vfs)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs);
    assert_int_equal(rc, SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(
        sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", NULL, NULL, NULL),
        SQLITE_OK);
    return db;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : sqlite3_errstr(rc));
}

static int64_t one(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Inserts "rows" rows of "size" bytes each, each row's bytes derived from its
 * id (checkable by sum_of), in one transaction. */
static void insert_rows(sqlite3 *db, int first, int rows, int size)
{
    exec(db, "BEGIN");
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO t (id, v) VALUES (?, ?)", -1, &st, NULL),
                     SQLITE_OK);
    unsigned char *blob = malloc((size_t)size);
    for (int i = first; i < first + rows; i++) {
        for (int k = 0; k < size; k++)
            blob[k] = (unsigned char)(i * 31 + k);
        sqlite3_bind_int(st, 1, i);
        sqlite3_bind_blob(st, 2, blob, size, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    free(blob);
    sqlite3_finalize(st);
    exec(db, "COMMIT");
}

/* Rows whose content is not what insert_rows wrote. */
static int64_t damaged(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT id, v FROM t", -1, &st, NULL), SQLITE_OK);
    int64_t bad = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int id = sqlite3_column_int(st, 0);
        const unsigned char *v = sqlite3_column_blob(st, 1);
        int n = sqlite3_column_bytes(st, 1);
        for (int k = 0; k < n; k++)
            if (v[k] != (unsigned char)(id * 31 + k)) {
                bad++;
                break;
            }
    }
    sqlite3_finalize(st);
    return bad;
}

/* Each commit is whole for another connection the moment it returns, and a
 * commit of many pages reaches the kernel in a few writes. */
static void test_reader_sees_each_commit(void **state)
{
    (void)state;
    const char *vfs = walbuf_vfs();
    assert_non_null(vfs);
    sqlite3 *w = open_db(vfs), *r = open_db(vfs);
    exec(w, "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
    int rows = 0;
    for (int round = 0; round < 40; round++) {
        long long before = walbuf_writes();
        insert_rows(w, rows, 50, 1000); /* ~13 pages */
        long long writes = walbuf_writes() - before;
        rows += 50;
        /* 2 system calls a frame without the buffer */
        assert_true(writes >= 1 && writes <= 3);
        assert_int_equal(one(r, "SELECT count(*) FROM t"), rows);
        assert_int_equal(damaged(r), 0);
    }
    sqlite3_close(r);
    sqlite3_close(w);
}

/* A transaction bigger than the buffer (1 MiB) and than the page cache:
 * frames of the open transaction are written early and read back by the
 * writer itself; the reader sees nothing before the commit, all after. */
static void test_transaction_larger_than_buffer_and_cache(void **state)
{
    (void)state;
    sqlite3 *w = open_db(walbuf_vfs()), *r = open_db(walbuf_vfs());
    exec(w, "PRAGMA cache_size=50; CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
    insert_rows(w, 0, 20, 100);
    exec(w, "BEGIN");
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(w, "INSERT INTO t (id, v) VALUES (?, ?)", -1, &st, NULL),
                     SQLITE_OK);
    unsigned char blob[3000];
    for (int i = 5000; i < 6000; i++) { /* 3 MB */
        for (int k = 0; k < (int)sizeof blob; k++)
            blob[k] = (unsigned char)(i * 31 + k);
        sqlite3_bind_int(st, 1, i);
        sqlite3_bind_blob(st, 2, blob, sizeof blob, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    /* read back inside the transaction, past the cache: from the log */
    assert_int_equal(damaged(w), 0);
    assert_int_equal(one(r, "SELECT count(*) FROM t"), 20);
    exec(w, "COMMIT");
    assert_int_equal(one(r, "SELECT count(*) FROM t"), 1020);
    assert_int_equal(damaged(r), 0);
    sqlite3_close(r);
    assert_int_equal(one(w, "PRAGMA wal_checkpoint(TRUNCATE)"), 0);
    sqlite3_close(w);
    /* and from the database file, through the default VFS */
    sqlite3 *plain = open_db(NULL);
    assert_int_equal(one(plain, "SELECT count(*) FROM t"), 1020);
    assert_int_equal(damaged(plain), 0);
    sqlite3_close(plain);
}

/* A transaction that spilled frames into the buffer and then rolled back
 * leaves nothing behind: the next writer's frames, at the same offsets of
 * the log, are not overwritten later by the rolled-back ones. */
static void test_rolled_back_frames_never_land(void **state)
{
    (void)state;
    sqlite3 *a = open_db(walbuf_vfs()), *b = open_db(walbuf_vfs()), *r = open_db(walbuf_vfs());
    exec(a, "PRAGMA cache_size=10; CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
    insert_rows(a, 0, 20, 500);
    exec(a, "BEGIN");
    exec(a, "INSERT INTO t (id, v) SELECT id + 100000, randomblob(3000) FROM t"); /* spills */
    exec(a, "INSERT INTO t (id, v) SELECT id + 200000, randomblob(3000) FROM t");
    exec(a, "ROLLBACK");
    insert_rows(b, 1000, 200, 900);                          /* over the offsets a wrote */
    assert_int_equal(one(a, "SELECT count(*) FROM t"), 220); /* a reads, then writes again */
    insert_rows(a, 5000, 5, 100);
    assert_int_equal(one(r, "SELECT count(*) FROM t"), 225);
    assert_int_equal(damaged(r), 0);
    sqlite3_close(a);
    sqlite3_close(b);
    assert_int_equal(damaged(r), 0);
    sqlite3_close(r);
}

/* A writer killed at any moment leaves every commit that had returned: the
 * buffer is written out before COMMIT returns, never after. */
static void test_killed_writer_keeps_returned_commits(void **state)
{
    (void)state;
    sqlite3 *db = open_db(walbuf_vfs());
    exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)");
    sqlite3_close(db);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(fds[0]);
        sqlite3 *w = open_db(walbuf_vfs());
        for (int n = 0;; n += 20) {
            insert_rows(w, n, 20, 700);
            int done = n + 20;
            if (write(fds[1], &done, sizeof done) != sizeof done)
                _exit(1);
        }
    }
    close(fds[1]);
    int done = 0, got;
    while (done < 4000 && read(fds[0], &got, sizeof got) == sizeof got)
        done = got;
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    while (read(fds[0], &got, sizeof got) == sizeof got) /* commits told before the kill */
        done = got;
    close(fds[0]);
    sqlite3 *r = open_db(walbuf_vfs());
    assert_true(one(r, "SELECT count(*) FROM t") >= done);
    assert_int_equal(damaged(r), 0);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(r, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reader_sees_each_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transaction_larger_than_buffer_and_cache, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rolled_back_frames_never_land, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_writer_keeps_returned_commits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
