/*
 * test_audit.c -- the audit log's hash chain (migration 0018, audit.h) on a
 * temporary SQLite file: rows written in the caller's transaction and in one
 * of their own form one chain; a rolled-back write leaves the head where it
 * was; then a table of tamperings (an edited field, a NULL hash, deleted rows
 * in the middle and at the end, a row added behind audit_record's back, a
 * rehashed last row) and the row and kind each must be named by; an anchor
 * catches a chain rewritten after it; rows older than the chain are counted,
 * not verified.  Then audit_list's three ways of reading (one record, a
 * county or narrower, a wider scope) against the rows each must return.
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
#include "store/store.h"

#define ROWS 10 /* audit rows written by setup */

struct fixture {
    char path[64];
    struct store *s;
    struct auth_user user;
    struct actor who;
};

static void write_rows(struct fixture *fx, int n)
{
    struct ep_error err;
    ep_error_clear(&err);
    json_t *after = json_pack("{s:s, s:i}", "name", "张三", "n", 1);
    for (int i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof id, "%d", i + 1);
        if (i % 2) { /* inside a transaction of the caller */
            assert_int_equal(store_begin(fx->s, &err), 0);
            assert_int_equal(audit_record(fx->s, &fx->who, "create", "person", id, "431122101",
                                          NULL, after, &err),
                             0);
            assert_int_equal(store_commit(fx->s, &err), 0);
        } else { /* alone (a login, an export): in one of its own */
            assert_int_equal(audit_record_raw(fx->s, i == 0 ? 0 : 7, "admin_4311", "10.0.0.1",
                                              "login", "session", NULL, "4311", &err),
                             0);
        }
    }
    json_decref(after);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct ep_error err;
    ep_error_clear(&err);
    snprintf(fx->path, sizeof fx->path, "/tmp/test_audit_XXXXXX");
    int fd = mkstemp(fx->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(&fx->s, fx->path, STORE_OPEN_CREATE, &err), 0);
    assert_int_equal(store_migrate(fx->s, NULL, &err), 0);
    fx->user.id = 1;
    snprintf(fx->user.username, sizeof fx->user.username, "admin_4311");
    fx->user.role = ROLE_ADMIN;
    snprintf(fx->user.scope, sizeof fx->user.scope, "4311");
    fx->who = (struct actor){&fx->user, "test"};
    write_rows(fx, ROWS);
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

static struct audit_chain_report verify(struct fixture *fx, int64_t anchor_id,
                                        const char *anchor_hash)
{
    struct audit_chain_report r;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(audit_chain_verify(fx->s, anchor_id, anchor_hash, &r, &err), 0);
    return r;
}

static void sql(struct fixture *fx, const char *text)
{
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(store_exec(fx->s, text, &err), 0);
}

static void hash_of(struct fixture *fx, int64_t id, char out[AUDIT_HASH_HEX])
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(fx->s, "SELECT hash FROM audit_log WHERE id = ?", &err);
    store_bind_int64(st, 1, id);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    snprintf(out, AUDIT_HASH_HEX, "%s", store_column_text(st, 0));
    store_stmt_reset(st);
}

/* Untouched: every row verified, the head is the last row; a write rolled
 * back leaves no trace in the chain. */
static void test_chain_intact(void **state)
{
    struct fixture *fx = *state;
    struct audit_chain_report r = verify(fx, 0, NULL);
    assert_int_equal(r.broken, 0);
    assert_int_equal(r.verified, ROWS);
    assert_int_equal(r.unchained, 0);
    assert_int_equal(r.head_id, ROWS);
    char last[AUDIT_HASH_HEX];
    hash_of(fx, ROWS, last);
    assert_string_equal(r.head_hash, last);

    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(store_begin(fx->s, &err), 0);
    assert_int_equal(
        audit_record(fx->s, &fx->who, "delete", "person", "1", "431122101", NULL, NULL, &err), 0);
    store_rollback(fx->s);
    r = verify(fx, 0, NULL);
    assert_int_equal(r.broken, 0);
    assert_int_equal(r.head_id, ROWS);
    write_rows(fx, 1);
    r = verify(fx, 0, NULL);
    assert_int_equal(r.broken, 0);
    assert_int_equal(r.verified, ROWS + 1);
}

/* A batch as group commit runs it: one transaction, each write in a
 * savepoint, some rolled back (first, middle, last).  The rows kept form
 * one chain, the head moves at the commit to the last row kept, and until
 * then the committed head stays where it was. */
static void test_chain_savepoints(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(store_begin(fx->s, &err), 0);
    static const int keep[] = {0, 1, 1, 0, 0, 1, 0};
    int kept = 0;
    for (int i = 0; i < 7; i++) {
        assert_int_equal(store_begin(fx->s, &err), 0);
        assert_int_equal(
            audit_record(fx->s, &fx->who, "update", "person", "1", "431122101", NULL, NULL, &err),
            0);
        if (keep[i]) {
            assert_int_equal(store_commit(fx->s, &err), 0);
            kept++;
        } else {
            store_rollback(fx->s);
        }
    }
    struct store_stmt *st = store_prepare(fx->s, "SELECT last_id FROM audit_chain", &err);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_int_equal(store_column_int64(st, 0), ROWS); /* not moved before the commit */
    store_stmt_reset(st);
    assert_int_equal(store_commit(fx->s, &err), 0);
    struct audit_chain_report r = verify(fx, 0, NULL);
    assert_int_equal(r.broken, 0);
    assert_int_equal(r.verified, ROWS + kept);
    assert_int_equal(r.head_id, ROWS + kept);
    char last[AUDIT_HASH_HEX];
    hash_of(fx, ROWS + kept, last);
    assert_string_equal(r.head_hash, last);
    /* a transaction whose every row rolled back leaves the head alone */
    assert_int_equal(store_begin(fx->s, &err), 0);
    assert_int_equal(store_begin(fx->s, &err), 0);
    assert_int_equal(
        audit_record(fx->s, &fx->who, "update", "person", "2", "431122101", NULL, NULL, &err), 0);
    store_rollback(fx->s);
    assert_int_equal(store_commit(fx->s, &err), 0);
    r = verify(fx, 0, NULL);
    assert_int_equal(r.broken, 0);
    assert_int_equal(r.head_id, ROWS + kept);
    write_rows(fx, 1);
    assert_int_equal(verify(fx, 0, NULL).verified, ROWS + kept + 1);
}

/* Each tampering, applied to a fresh chain of ROWS rows, and what must be
 * named: the first broken row and how it broke. */
static void test_chain_tampered(void **state)
{
    (void)state;
    static const struct {
        const char *sql;
        int64_t id;
        int kind;
        int64_t broken;
    } cases[] = {
        {"UPDATE audit_log SET after_json = '{\"n\":2}' WHERE id = 4", 4, AUDIT_EDITED, 1},
        {"UPDATE audit_log SET username = 'someone' WHERE id = 1", 1, AUDIT_EDITED, 1},
        {"UPDATE audit_log SET user_id = NULL WHERE id = 3", 3, AUDIT_EDITED, 1},
        {"UPDATE audit_log SET hash = NULL WHERE id = 6", 6, AUDIT_EDITED, 1},
        {"UPDATE audit_log SET at = '2020-01-01T00:00:00+08:00' WHERE id IN (2, 8)", 2,
         AUDIT_EDITED, 2},
        {"DELETE FROM audit_log WHERE id = 5", 5, AUDIT_MISSING, 1},
        {"DELETE FROM audit_log WHERE id IN (3, 4)", 3, AUDIT_MISSING, 2},
        {"DELETE FROM audit_log WHERE id >= 9", 9, AUDIT_MISSING, 2},
        {"INSERT INTO audit_log (id, at, username, ip, action, entity, region_code)"
         " VALUES (11, 'x', 'nobody', '', 'create', 'person', '4311')",
         11, AUDIT_ADDED, 1},
        /* the last row edited and rehashed by hand: the head still knows */
        {"UPDATE audit_log SET action = 'x', hash = (SELECT hash FROM audit_log WHERE id = 1)"
         " WHERE id = 10",
         10, AUDIT_EDITED, 1},
        {"UPDATE audit_chain SET last_id = 12", 11, AUDIT_MISSING, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        void *fxp;
        setup(&fxp);
        struct fixture *fx = fxp;
        sql(fx, "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete");
        sql(fx, cases[i].sql);
        struct audit_chain_report r = verify(fx, 0, NULL);
        if (r.first_id != cases[i].id || r.first_break != cases[i].kind ||
            r.broken != cases[i].broken)
            fail_msg("case %zu (%s): got row %lld %s, %lld broken", i, cases[i].sql,
                     (long long)r.first_id, audit_break_name(r.first_break), (long long)r.broken);
        teardown(&fxp);
    }
}

/* A head kept elsewhere catches a chain rewritten from an earlier row on. */
static void test_chain_anchor(void **state)
{
    struct fixture *fx = *state;
    char h7[AUDIT_HASH_HEX];
    hash_of(fx, 7, h7);
    struct audit_chain_report r = verify(fx, 7, h7);
    assert_int_equal(r.anchor_ok, 1);
    r = verify(fx, 7, "00");
    assert_int_equal(r.anchor_ok, 0);
    r = verify(fx, 99, h7);
    assert_int_equal(r.anchor_ok, 0);
}

/* Rows from before migration 0018 are counted, not verified; the chain
 * starts after them, from the state the migration leaves. */
static void test_chain_unchained_rows(void **state)
{
    struct fixture *fx = *state;
    sql(fx, "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET hash = NULL");
    sql(fx, "UPDATE audit_chain SET last_id = 10, last_hash = '', unchained_through = 10");
    write_rows(fx, 2);
    struct audit_chain_report r = verify(fx, 0, NULL);
    assert_int_equal(r.unchained, ROWS);
    assert_int_equal(r.verified, 2);
    assert_int_equal(r.broken, 0);
    assert_int_equal(r.head_id, ROWS + 2);
}

/* audit_list: collects the ids it is given, newest first. */
struct ids {
    int64_t v[64];
    int n;
};

static int collect(struct store_stmt *row, void *ctx)
{
    struct ids *ids = ctx;
    if (ids->n < 64)
        ids->v[ids->n++] = store_column_int64(row, 0);
    return 0;
}

static struct ids list(struct fixture *fx, struct audit_filter f)
{
    struct ids ids = {.n = 0};
    struct ep_error err;
    ep_error_clear(&err);
    if (!f.limit)
        f.limit = 50;
    assert_int_equal(audit_list(fx->s, &f, collect, &ids, &err), 0);
    return ids;
}

static void assert_ids(struct ids got, const int64_t *want, int n)
{
    assert_int_equal(got.n, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(got.v[i], want[i]);
}

/* Rows of two counties (two grids of one, in two townships), of the city
 * and of nowhere, read by scope, narrower region, record, and page. */
static void test_list_by_scope(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    ep_error_clear(&err);
    static const struct {
        const char *entity_id, *region;
    } rows[] = {
        {"1", "431122101001001"}, /* 11 */
        {"2", "431122102001001"}, /* 12: another township of the county */
        {"3", "431123101001001"}, /* 13: another county */
        {"1", "431122101001001"}, /* 14: record 1 again */
        {"4", "4311"},            /* 15: the city itself */
        {"5", "431122101001002"}, /* 16: another grid of the first village */
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        assert_int_equal(audit_record(fx->s, &fx->who, "update", "household", rows[i].entity_id,
                                      rows[i].region, NULL, NULL, &err),
                         0);
    /* setup's rows 1-10 are at 431122101 (persons) and 4311 (logins) */
    static const int64_t county[] = {16, 14, 12, 11, 10, 8, 6, 4, 2};
    assert_ids(list(fx, (struct audit_filter){.scope = "431122"}), county, 9);
    static const int64_t township[] = {16, 14, 11, 10, 8, 6, 4, 2};
    assert_ids(list(fx, (struct audit_filter){.scope = "431122101"}), township, 8);
    static const int64_t grid[] = {14, 11};
    assert_ids(list(fx, (struct audit_filter){.scope = "431122", .region = "431122101001001"}),
               grid, 2);
    static const int64_t other[] = {13};
    assert_ids(list(fx, (struct audit_filter){.scope = "431123"}), other, 1);
    /* the city: every row, its own among them; a page after id 13 */
    assert_int_equal(list(fx, (struct audit_filter){.scope = "4311"}).n, 16);
    static const int64_t page[] = {12, 11, 10};
    assert_ids(list(fx, (struct audit_filter){.scope = "4311", .before_id = 13, .limit = 3}), page,
               3);
    static const int64_t record[] = {14, 11};
    assert_ids(
        list(fx, (struct audit_filter){.scope = "4311", .entity = "household", .entity_id = "1"}),
        record, 2);
    /* a record seen from a county it is not in does not exist there */
    assert_int_equal(
        list(fx, (struct audit_filter){.scope = "431123", .entity = "household", .entity_id = "1"})
            .n,
        0);
    static const int64_t logins[] = {9, 7, 5, 3};
    assert_ids(list(fx, (struct audit_filter){.scope = "4311", .action = "login", .limit = 4}),
               logins, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chain_intact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_savepoints, setup, teardown),
        cmocka_unit_test(test_chain_tampered),
        cmocka_unit_test_setup_teardown(test_chain_anchor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chain_unchained_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_by_scope, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
