/*
 * indexes.c -- a table's indexes set aside during a bulk load and built again
 * after it (see store.h, "Deferred indexes").
 *
 * Maintaining an index row by row costs a B-tree insert per row and index, at
 * a random place for most of them; building it after the load costs one sort.
 * The demo city (gen/demo.c) and `epigrid import persons` (cli/import.c) both
 * load many rows into persons, so both go through here.  What is dropped is
 * read from the catalogue together with the statement that makes it again
 * (sqlite_master's sql, pg_indexes' indexdef, pg_get_constraintdef), never
 * from a copy in the code: an index a later migration adds comes back too.
 * Unless the caller asks for the keys too (STORE_DEFER_KEYS: the unique
 * indexes made by CREATE UNIQUE INDEX, and on PostgreSQL the primary key and
 * unique constraints), only indexes that enforce no rule go, so every
 * refusal the load relies on still happens as the row is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"

/* SQLite: the indexes made by CREATE [UNIQUE] INDEX (origin 'c'), with a DROP
 * of each (its name quoted) and the CREATE kept in sqlite_master; the
 * non-unique ones, or with STORE_DEFER_KEYS the unique ones too.  A UNIQUE
 * column constraint's index (origin 'u') cannot be dropped and stays. */
#define SQLITE_INDEX_LIST                                                                          \
    "SELECT 'DROP INDEX \"' || replace(m.name, '\"', '\"\"') || '\"', m.sql"                       \
    " FROM sqlite_master m JOIN pragma_index_list(?) l ON l.name = m.name"                         \
    " WHERE m.type = 'index' AND m.sql IS NOT NULL AND l.origin = 'c'"
static const char SQLITE_INDEXES[] = SQLITE_INDEX_LIST " AND l.\"unique\" = 0 ORDER BY m.name";
static const char SQLITE_INDEXES_AND_KEYS[] = SQLITE_INDEX_LIST " ORDER BY m.name";

/* PostgreSQL: the table's indexes that are not unique (so back no UNIQUE or
 * PRIMARY KEY constraint), or with STORE_DEFER_KEYS every index that backs no
 * constraint (those go as constraints, drop_keys), names quoted by
 * quote_ident. */
#define PG_INDEX_LIST                                                                              \
    "SELECT 'DROP INDEX ' || quote_ident(i.schemaname) || '.' || quote_ident(i.indexname),"        \
    " i.indexdef FROM pg_indexes i JOIN pg_index x ON x.indexrelid ="                              \
    " (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass"                    \
    " WHERE i.schemaname = current_schema() AND i.tablename = ?"
static const char PG_INDEXES[] = PG_INDEX_LIST " AND NOT x.indisunique ORDER BY i.indexname";
static const char PG_INDEXES_AND_KEYS[] =
    PG_INDEX_LIST " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid"
                  " AND c.contype IN ('p', 'u', 'x')) ORDER BY i.indexname";

/* PostgreSQL: the table's foreign keys. */
static const char PG_FOREIGN_KEYS[] =
    "SELECT 'ALTER TABLE ' || conrelid::regclass || ' DROP CONSTRAINT ' || quote_ident(conname),"
    " 'ALTER TABLE ' || conrelid::regclass || ' ADD CONSTRAINT ' || quote_ident(conname) || ' '"
    " || pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE contype = 'f' AND conrelid = ?::regclass ORDER BY conname";

/* PostgreSQL: the table's primary key and unique constraints (made again
 * primary key first). */
static const char PG_KEYS[] =
    "SELECT 'ALTER TABLE ' || conrelid::regclass || ' DROP CONSTRAINT ' || quote_ident(conname),"
    " 'ALTER TABLE ' || conrelid::regclass || ' ADD CONSTRAINT ' || quote_ident(conname) || ' '"
    " || pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE contype IN ('p', 'u') AND conrelid = ?::regclass ORDER BY contype, conname";

/* PostgreSQL: the other tables' foreign keys that reference the table (they
 * need its keys). */
static const char PG_REFERENCES[] =
    "SELECT 'ALTER TABLE ' || conrelid::regclass || ' DROP CONSTRAINT ' || quote_ident(conname),"
    " 'ALTER TABLE ' || conrelid::regclass || ' ADD CONSTRAINT ' || quote_ident(conname) || ' '"
    " || pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE contype = 'f' AND confrelid = ?::regclass AND conrelid <> confrelid"
    " ORDER BY conrelid::regclass::text, conname";

/* SQLite's sorter threads for the builds: sorted runs shared by 3 helper
 * threads took 8 s for persons at --scale 1.0 on 2 cores, against 13 s with
 * 2 threads (BENCH.md, B6). */
#define SORT_THREADS 3

static int is_sqlite(struct store *s)
{
    return strcmp(s->ops->engine, "sqlite") == 0;
}

/* Runs "sql" (a catalogue query on "table" yielding drop, create pairs): keeps
 * every create in "x" and then runs the drops. */
static int drop_listed(struct store *s, const char *sql, const char *table, struct store_indexes *x,
                       struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s, sql, err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, table);
    char *drops[STORE_INDEXES_MAX] = {0};
    int first = x->n, n = 0, rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (x->n == STORE_INDEXES_MAX) {
            rc = ep_error_set(err, EP_EINTERNAL, "数据库错误:表 %s 的索引超过 %d 个",
                              "database error: table %s has more than %d indexes", table,
                              STORE_INDEXES_MAX);
            break;
        }
        drops[n] = strdup(store_column_text(st, 0));
        x->create[x->n] = strdup(store_column_text(st, 1));
        n++;
        if (!drops[n - 1] || !x->create[x->n++]) {
            rc = ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
            break;
        }
    }
    store_stmt_reset(st);
    for (int i = 0; rc >= 0 && i < n; i++)
        rc = store_exec(s, drops[i], err);
    for (int i = 0; i < n; i++)
        free(drops[i]);
    if (rc < 0) { /* nothing to restore: the caller rolls the drops back */
        for (int i = first; i < x->n; i++)
            free(x->create[i]);
        x->n = first;
    }
    return rc < 0 ? rc : 0;
}

/* STORE_DEFER_KEYS: the foreign keys that reference "table" are dropped
 * first and its keys after them, but made again the other way round: the
 * keys' statements are moved before the references' in "x". */
static int drop_keys(struct store *s, const char *table, struct store_indexes *x,
                     struct ep_error *err)
{
    int first = x->n;
    int rc = drop_listed(s, PG_REFERENCES, table, x, err);
    int references = x->n - first;
    if (rc == 0)
        rc = drop_listed(s, PG_KEYS, table, x, err);
    if (rc != 0)
        return rc;
    char *moved[STORE_INDEXES_MAX];
    int keys = x->n - first - references;
    memcpy(moved, x->create + first + references, (size_t)keys * sizeof *moved);
    memcpy(moved + keys, x->create + first, (size_t)references * sizeof *moved);
    memcpy(x->create + first, moved, (size_t)(keys + references) * sizeof *moved);
    return 0;
}

int store_indexes_defer(struct store *s, const char *table, int what, struct store_indexes *x,
                        struct ep_error *err)
{
    if (s->depth == 0)
        return ep_error_set(err, EP_EINTERNAL, "数据库错误:推迟索引须在事务中",
                            "database error: deferring indexes needs a transaction");
    int rc = 0;
    if (what & STORE_DEFER_INDEXES)
        rc = drop_listed(s,
                         (what & STORE_DEFER_KEYS)
                             ? (is_sqlite(s) ? SQLITE_INDEXES_AND_KEYS : PG_INDEXES_AND_KEYS)
                             : (is_sqlite(s) ? SQLITE_INDEXES : PG_INDEXES),
                         table, x, err);
    /* SQLite's foreign keys belong to the table: a load turns them off instead
     * (PRAGMA foreign_keys, outside the transaction). */
    if (rc == 0 && (what & STORE_DEFER_FOREIGN_KEYS) && !is_sqlite(s))
        rc = drop_listed(s, PG_FOREIGN_KEYS, table, x, err);
    if (rc == 0 && (what & STORE_DEFER_KEYS) && !is_sqlite(s))
        rc = drop_keys(s, table, x, err);
    return rc;
}

/* A PRAGMA's integer value, 0 when it has none. */
static int64_t pragma_value(struct store *s, const char *sql)
{
    struct ep_error ignored;
    ep_error_clear(&ignored);
    struct store_stmt *st = store_prepare(s, sql, &ignored);
    int64_t v = 0;
    if (st && store_step(st, &ignored) == STORE_ROW)
        v = store_column_int64(st, 0);
    store_stmt_reset(st);
    return v;
}

int store_indexes_restore(struct store *s, struct store_indexes *x, struct ep_error *err)
{
    if (x->n == 0)
        return 0;
    int64_t threads = 0;
    struct ep_error ignored;
    ep_error_clear(&ignored);
    if (is_sqlite(s)) { /* the builds sort on every core; put back after */
        threads = pragma_value(s, "PRAGMA threads");
        char sql[32];
        snprintf(sql, sizeof sql, "PRAGMA threads=%d", SORT_THREADS);
        store_exec(s, sql, &ignored);
    }
    int rc = 0;
    for (int i = 0; i < x->n && rc == 0; i++)
        rc = store_exec(s, x->create[i], err);
    if (is_sqlite(s)) {
        char sql[40];
        snprintf(sql, sizeof sql, "PRAGMA threads=%lld", (long long)threads);
        store_exec(s, sql, &ignored);
    }
    if (rc == 0)
        store_indexes_cleanup(x);
    return rc;
}

void store_indexes_cleanup(struct store_indexes *x)
{
    for (int i = 0; i < x->n; i++)
        free(x->create[i]);
    x->n = 0;
}
