/*
 * test_store_copy.c -- bulk loads (store_copy_begin/row/end) on both engines.
 *
 * Runs on an SQLite file, and also on PostgreSQL when EPIGRID_TEST_PG_FILE
 * names the file holding a server's admin URI (ctest's pg.test_store_copy,
 * inside the pg fixture): there the rows travel as COPY text, so hostile
 * bytes (tab, newline, carriage return, backslash, quotes, "\N", "\.") must
 * come back byte for byte; a refused row must fail the load with the usual
 * code and leave nothing once rolled back; explicit ids must move the
 * identity sequence as INSERTs do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "store/store.h"

struct engine {
    struct fixture_db db; /* the test's own database */
    struct store *store;  /* open connection */
};

static struct ep_error err;

static int open_schema(struct engine *e)
{
    ep_error_clear(&err);
    if (store_open(&e->store, e->db.path, STORE_OPEN_CREATE, &err) != 0)
        return -1;
    return store_exec(e->store,
                      "CREATE TABLE copy_test (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                      " address TEXT)",
                      &err);
}

static int setup(void **state)
{
    static struct engine e;
    *state = &e;
    if (fixture_db_create(&e.db, "copy") != 0)
        return -1;
    return open_schema(&e);
}

static int teardown(void **state)
{
    struct engine *e = *state;
    store_close(e->store);
    return fixture_db_drop(&e->db);
}

/* Values that COPY's text format must escape or could misread. */
static const char *const hostile[] = {
    "tab\there", "line\nbreak", "carriage\rreturn\r\n", "back\\slash\\",
    "\\N",       "\\.",         "quotes ' \" `",        "永州市东安县\t白牙市镇\\茶亭社区",
    "",
};
#define NHOSTILE ((int)(sizeof hostile / sizeof hostile[0]))

static void hostile_text_survives_byte_for_byte(void **state)
{
    struct store *s = ((struct engine *)*state)->store;
    struct store_copy *c;
    ep_error_clear(&err);
    assert_int_equal(store_begin(s, &err), 0);
    assert_int_equal(store_copy_begin(s, "copy_test", "id, name, address", &c, &err), 0);
    for (int i = 0; i < NHOSTILE; i++) {
        char id[16];
        snprintf(id, sizeof id, "%d", 100 + i);
        /* The name is the value; the address is the same bytes or NULL. */
        const char *v[3] = {id, hostile[i], i % 2 ? hostile[i] : NULL};
        size_t len[3] = {strlen(id), strlen(hostile[i]), strlen(hostile[i])};
        assert_int_equal(store_copy_row(c, v, i % 3 ? len : NULL, &err), 0);
    }
    assert_int_equal(store_copy_end(c, &err), 0);
    assert_int_equal(store_commit(s, &err), 0);

    struct store_stmt *st =
        store_prepare(s, "SELECT id, name, address FROM copy_test ORDER BY id", &err);
    assert_non_null(st);
    for (int i = 0; i < NHOSTILE; i++) {
        assert_int_equal(store_step(st, &err), STORE_ROW);
        assert_int_equal(store_column_int64(st, 0), 100 + i);
        assert_string_equal(store_column_text(st, 1), hostile[i]);
        if (i % 2)
            assert_string_equal(store_column_text(st, 2), hostile[i]);
        else
            assert_true(store_column_is_null(st, 2));
    }
    assert_int_equal(store_step(st, &err), STORE_DONE);
    store_stmt_reset(st);

    /* Explicit ids moved the identity past them, as INSERTs with ids do. */
    st = store_prepare(s, "INSERT INTO copy_test (name) VALUES (?)", &err);
    store_bind_text(st, 1, "after the load");
    assert_int_equal(store_run(st, &err), 0);
    assert_int_equal(store_last_insert_id(s), 100 + NHOSTILE);
}

static int64_t rows(struct store *s)
{
    int64_t n = -1;
    struct store_stmt *st = store_prepare(s, "SELECT COUNT(*) FROM copy_test", &err);
    assert_int_equal(store_step_int64s(st, &n, 1, &err), 0);
    return n;
}

static void a_refused_row_fails_the_load_and_leaves_nothing(void **state)
{
    struct store *s = ((struct engine *)*state)->store;
    int64_t before = rows(s);
    struct store_copy *c;
    ep_error_clear(&err);
    assert_int_equal(store_begin(s, &err), 0);
    assert_int_equal(store_copy_begin(s, "copy_test", "id, name", &c, &err), 0);
    int rc = 0;
    /* 5000 good rows, then one whose id already exists, then more. */
    for (int i = 0; rc == 0 && i < 6000; i++) {
        char id[16];
        snprintf(id, sizeof id, "%d", i == 5000 ? 100 : 1000 + i);
        const char *v[2] = {id, "row"};
        rc = store_copy_row(c, v, NULL, &err);
    }
    int end = store_copy_end(c, rc == 0 ? &err : &(struct ep_error){0});
    assert_int_equal(rc != 0 ? rc : end, -EP_ECONFLICT);
    assert_int_equal(err.code, EP_ECONFLICT);
    assert_true(err.msg[EP_LANG_EN][0] != '\0');
    store_rollback(s);
    assert_int_equal(rows(s), before);

    /* A NULL in a NOT NULL column: refused the same way. */
    assert_int_equal(store_begin(s, &err), 0);
    assert_int_equal(store_copy_begin(s, "copy_test", "id, name", &c, &err), 0);
    const char *v[2] = {"9999", NULL};
    rc = store_copy_row(c, v, NULL, &err);
    end = store_copy_end(c, rc == 0 ? &err : &(struct ep_error){0});
    assert_int_equal(rc != 0 ? rc : end, -EP_ECONFLICT);
    store_rollback(s);
    assert_int_equal(rows(s), before);

    /* Outside a transaction a load is refused. */
    assert_int_equal(store_copy_begin(s, "copy_test", "id, name", &c, &err), -EP_EINTERNAL);
    assert_null(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hostile_text_survives_byte_for_byte),
        cmocka_unit_test(a_refused_row_fails_the_load_and_leaves_nothing),
    };
    const char *engine = getenv("EPIGRID_TEST_PG_FILE") ? "postgresql" : "sqlite";
    return cmocka_run_group_tests_name(engine, tests, setup, teardown);
}
