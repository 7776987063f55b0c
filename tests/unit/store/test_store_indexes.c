/*
 * test_store_indexes.c -- deferred indexes (store_indexes_defer/restore) on
 * both engines.
 *
 * Runs on an SQLite file, and also on PostgreSQL when EPIGRID_TEST_PG_FILE
 * names the file holding a server's admin URI (ctest's pg.test_store_indexes,
 * inside the pg fixture): only the non-unique indexes go, the unique ones
 * keep refusing duplicates during the load, the catalogue after the restore
 * is what it was (names and definitions), and a rolled-back load leaves
 * everything in place; with STORE_DEFER_KEYS (PostgreSQL) the keys and the
 * foreign keys that reference them go and come back too.
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

static int is_pg(struct store *s)
{
    return strcmp(store_engine(s), "postgresql") == 0;
}

/* A table with every kind of index: two plain ones (one on an expression of
 * two columns), a UNIQUE index, a UNIQUE column, a primary key, and a
 * foreign key. */
static int open_schema(struct engine *e)
{
    ep_error_clear(&err);
    if (store_open(&e->store, e->db.path, STORE_OPEN_CREATE, &err) != 0)
        return -1;
    return store_exec(e->store,
                      "CREATE TABLE idx_parent (id INTEGER PRIMARY KEY);"
                      "INSERT INTO idx_parent (id) VALUES (1);"
                      "CREATE TABLE idx_child (id INTEGER PRIMARY KEY,"
                      " parent_id INTEGER REFERENCES idx_parent(id), code TEXT NOT NULL UNIQUE,"
                      " name TEXT NOT NULL, grp TEXT NOT NULL);"
                      "CREATE INDEX idx_child_name ON idx_child(name, grp, id);"
                      "CREATE INDEX idx_child_parent ON idx_child(parent_id) WHERE parent_id"
                      " IS NOT NULL;"
                      "CREATE UNIQUE INDEX idx_child_grp_name ON idx_child(grp, name);",
                      &err);
}

static int setup(void **state)
{
    static struct engine e;
    *state = &e;
    if (fixture_db_create(&e.db, "indexes") != 0)
        return -1;
    return open_schema(&e);
}

static int teardown(void **state)
{
    struct engine *e = *state;
    store_close(e->store);
    return fixture_db_drop(&e->db);
}

/* idx_child's indexes and constraints as the catalogue lists them, one
 * "name: definition" a line, in "out". */
static void catalogue(struct store *s, char *out, size_t size)
{
    struct store_stmt *st =
        is_pg(s) ? store_prepare(s,
                                 "SELECT indexname || ': ' || indexdef FROM pg_indexes"
                                 " WHERE tablename = 'idx_child' UNION ALL"
                                 " SELECT conname || ': ' || pg_get_constraintdef(oid)"
                                 " FROM pg_constraint WHERE conrelid = 'idx_child'::regclass"
                                 " ORDER BY 1",
                                 &err)
                 : store_prepare(s,
                                 "SELECT name || ': ' || coalesce(sql, '(automatic)')"
                                 " FROM sqlite_master WHERE tbl_name = 'idx_child' ORDER BY 1",
                                 &err);
    assert_non_null(st);
    size_t used = 0;
    out[0] = '\0';
    while (store_step(st, &err) == STORE_ROW) {
        int n = snprintf(out + used, size - used, "%s\n", store_column_text(st, 0));
        assert_true(n > 0 && (size_t)n < size - used);
        used += (size_t)n;
    }
    store_stmt_reset(st);
}

/* 1 if "index" is in the catalogue text. */
static int listed(const char *catalogue_text, const char *index)
{
    char line[80];
    snprintf(line, sizeof line, "%s: ", index);
    return strstr(catalogue_text, line) != NULL;
}

/* Inserts one row in a savepoint of its own: PostgreSQL aborts the whole
 * transaction at a refused statement otherwise. */
static int insert(struct store *s, int id, const char *code, const char *name)
{
    assert_int_equal(store_begin(s, &err), 0);
    struct store_stmt *st = store_prepare(
        s, "INSERT INTO idx_child (id, parent_id, code, name, grp) VALUES (?, 1, ?, ?, 'g')", &err);
    assert_non_null(st);
    store_bind_int64(st, 1, id);
    store_bind_text(st, 2, code);
    store_bind_text(st, 3, name);
    int rc = store_run(st, &err);
    if (rc == 0)
        assert_int_equal(store_commit(s, &err), 0);
    else
        store_rollback(s);
    return rc;
}

/* The start of a load: idx_child's catalogue taken into "before", then a
 * transaction opened and the table's indexes and foreign keys set aside in
 * "x". */
static void load_begin(struct store *s, char *before, size_t size, struct store_indexes *x)
{
    catalogue(s, before, size);
    ep_error_clear(&err);
    assert_int_equal(store_begin(s, &err), 0);
    assert_int_equal(store_indexes_defer(s, "idx_child",
                                         STORE_DEFER_INDEXES | STORE_DEFER_FOREIGN_KEYS, x, &err),
                     0);
}

static void only_non_unique_indexes_go_and_come_back_the_same(void **state)
{
    struct store *s = ((struct engine *)*state)->store;
    char before[4096], during[4096], after[4096];
    struct store_indexes x = {0};
    load_begin(s, before, sizeof before, &x);
    assert_true(listed(before, "idx_child_name") && listed(before, "idx_child_parent"));
    catalogue(s, during, sizeof during);
    assert_false(listed(during, "idx_child_name"));
    assert_false(listed(during, "idx_child_parent"));
    assert_true(listed(during, "idx_child_grp_name"));
    /* The foreign key goes on PostgreSQL only (SQLite's is the table's). */
    assert_int_equal(x.n, is_pg(s) ? 3 : 2);

    /* The unique ones still refuse during the load. */
    assert_int_equal(insert(s, 1, "a", "甲"), 0);
    assert_int_equal(insert(s, 2, "a", "乙"), -EP_ECONFLICT);
    assert_int_equal(insert(s, 3, "b", "甲"), -EP_ECONFLICT);
    assert_int_equal(insert(s, 4, "c", "丙"), 0);

    assert_int_equal(store_indexes_restore(s, &x, &err), 0);
    assert_int_equal(x.n, 0);
    assert_int_equal(store_commit(s, &err), 0);
    catalogue(s, after, sizeof after);
    assert_string_equal(after, before);
    store_indexes_cleanup(&x);

    /* Outside a transaction nothing is dropped. */
    assert_int_equal(store_indexes_defer(s, "idx_child", STORE_DEFER_INDEXES, &x, &err),
                     -EP_EINTERNAL);
    assert_int_equal(x.n, 0);
}

static void a_rolled_back_load_leaves_the_indexes(void **state)
{
    struct store *s = ((struct engine *)*state)->store;
    char before[4096], after[4096];
    struct store_indexes x = {0};
    load_begin(s, before, sizeof before, &x);
    assert_true(x.n > 0);
    assert_int_equal(insert(s, 10, "z", "丁"), 0);
    store_rollback(s);
    store_indexes_cleanup(&x);
    catalogue(s, after, sizeof after);
    assert_string_equal(after, before);
    /* And they work: the name index answers a lookup of the rows kept. */
    struct store_stmt *st =
        store_prepare(s, "SELECT COUNT(*) FROM idx_child WHERE name = '甲' AND grp = 'g'", &err);
    int64_t n = -1;
    assert_int_equal(store_step_int64s(st, &n, 1, &err), 0);
    assert_int_equal(n, 1);
}

/* SQLite: the builds after a load of more rows than the page cache holds, in
 * the load's transaction.  Each build first writes the load's dirty pages to
 * the log and keeps their previous state in its statement journal (24 MiB
 * here, the cache's size).  With SQLITE_CONFIG_STMTJRNL_SPILL at 16 MiB that
 * journal moved to a file in writes the unix VFS cannot make and the build
 * failed with SQLITE_FULL (store_sqlite.c, STORE_PRAGMAS). */
static void indexes_build_after_a_load_larger_than_the_cache(void **state)
{
    struct store *s = ((struct engine *)*state)->store;
    if (is_pg(s))
        skip();
    char before[4096], after[4096];
    struct store_indexes x = {0};
    ep_error_clear(&err);
    assert_int_equal(store_exec(s, "PRAGMA cache_size=-24576", &err), 0);
    load_begin(s, before, sizeof before, &x);
    assert_int_equal(store_exec(s,
                                "WITH RECURSIVE n(i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM n"
                                " WHERE i < 150099) INSERT INTO idx_child (id, parent_id, code,"
                                " name, grp) SELECT i, 1, 'k' || i, hex(randomblob(100)),"
                                " 'g' || (i % 97) FROM n",
                                &err),
                     0);
    assert_int_equal(store_indexes_restore(s, &x, &err), 0);
    assert_int_equal(store_commit(s, &err), 0);
    catalogue(s, after, sizeof after);
    assert_string_equal(after, before);
    struct store_stmt *st = store_prepare(
        s, "SELECT COUNT(*) FROM idx_child INDEXED BY idx_child_name WHERE name > ''", &err);
    int64_t n = -1;
    assert_int_equal(store_step_int64s(st, &n, 1, &err), 0);
    assert_int_equal(n, 150000 + 2); /* and the rows of the first test */
    assert_int_equal(store_exec(s, "PRAGMA cache_size=-65536", &err), 0);
}

/* The foreign keys of idx_ref (PostgreSQL). */
static int64_t references_count(struct store *s)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT COUNT(*) FROM pg_constraint"
                                          " WHERE conrelid = 'idx_ref'::regclass AND contype = 'f'",
                                          &err);
    int64_t n = -1;
    assert_int_equal(store_step_int64s(st, &n, 1, &err), 0);
    return n;
}

/* STORE_DEFER_KEYS: the UNIQUE index made by CREATE UNIQUE INDEX goes too,
 * and on PostgreSQL the primary key and the UNIQUE constraint, with the
 * foreign key of another table that references idx_child (SQLite cannot drop
 * a column constraint's index); a duplicate loaded meanwhile makes the
 * restore fail, and a clean load gets everything back as it was. */
static void keys_go_with_their_references_and_come_back(void **state)
{
    struct store *s = ((struct engine *)*state)->store;
    ep_error_clear(&err);
    assert_int_equal(store_exec(s,
                                "CREATE TABLE idx_ref (id INTEGER PRIMARY KEY,"
                                " child_id INTEGER REFERENCES idx_child(id))",
                                &err),
                     0);
    const int what = STORE_DEFER_INDEXES | STORE_DEFER_FOREIGN_KEYS | STORE_DEFER_KEYS;
    char before[4096], during[4096], after[4096];
    struct store_indexes x = {0};
    catalogue(s, before, sizeof before);
    assert_int_equal(store_begin(s, &err), 0);
    assert_int_equal(store_indexes_defer(s, "idx_child", what, &x, &err), 0);
    catalogue(s, during, sizeof during);
    assert_false(listed(during, "idx_child_grp_name"));
    if (is_pg(s)) {
        assert_int_equal(references_count(s), 0);
        assert_false(listed(during, "idx_child_pkey"));
        assert_false(listed(during, "idx_child_code_key"));
        assert_int_equal(x.n, 7); /* three indexes, a foreign key, two keys, a reference */
    } else {
        assert_true(strstr(during, "(automatic)") != NULL); /* code's UNIQUE stays */
        assert_int_equal(x.n, 3); /* the three indexes made by CREATE [UNIQUE] INDEX */
    }

    /* A duplicate (grp, name) is taken during the load, and refused at the restore. */
    assert_int_equal(insert(s, 20, "d", "戊"), 0);
    assert_int_equal(insert(s, 22, "e", "戊"), 0);
    assert_true(store_indexes_restore(s, &x, &err) < 0);
    store_rollback(s);
    store_indexes_cleanup(&x);
    catalogue(s, after, sizeof after);
    assert_string_equal(after, before);
    if (is_pg(s))
        assert_int_equal(references_count(s), 1);

    /* A clean load: the keys are made before the reference that needs them. */
    ep_error_clear(&err);
    assert_int_equal(store_begin(s, &err), 0);
    assert_int_equal(store_indexes_defer(s, "idx_child", what, &x, &err), 0);
    assert_int_equal(insert(s, 21, "f", "庚"), 0);
    assert_int_equal(store_indexes_restore(s, &x, &err), 0);
    assert_int_equal(store_commit(s, &err), 0);
    catalogue(s, after, sizeof after);
    assert_string_equal(after, before);
    if (is_pg(s))
        assert_int_equal(references_count(s), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(only_non_unique_indexes_go_and_come_back_the_same),
        cmocka_unit_test(a_rolled_back_load_leaves_the_indexes),
        cmocka_unit_test(indexes_build_after_a_load_larger_than_the_cache),
        cmocka_unit_test(keys_go_with_their_references_and_come_back),
    };
    const char *engine = getenv("EPIGRID_TEST_PG_FILE") ? "postgresql" : "sqlite";
    return cmocka_run_group_tests_name(engine, tests, setup, teardown);
}
