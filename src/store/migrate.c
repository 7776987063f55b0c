/*
 * migrate.c -- numbered schema migrations embedded from sql/migrations.
 *
 * Files are named NNNN_name.sql; the number is the version.  Each missing
 * version is applied in its own transaction together with its row in
 * schema_migrations, so a failure leaves the database at the previous version.
 *
 * Most files are written once, in SQLite's SQL, and the PostgreSQL store
 * rewrites them (pg_dialect.c).  A change the two engines make differently
 * (SQLite cannot drop a constraint; it builds the table again) is a pair of
 * files with one number, NNNN_name.sqlite.sql and NNNN_name.pg.sql: each
 * engine applies its own and skips the other's.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "util/embedded.h"
#include "util/log.h"
#include "util/timeutil.h"

static const char *SQL_CREATE_MIGRATIONS =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)";

int store_schema_version(struct store *s, struct ep_error *err)
{
    if (store_exec(s, SQL_CREATE_MIGRATIONS, err) != 0)
        return -EP_EINTERNAL;
    struct store_stmt *st =
        store_prepare(s, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", err);
    if (!st)
        return -EP_EINTERNAL;
    int rc = store_step(st, err);
    int version = rc == STORE_ROW ? (int)store_column_int64(st, 0) : rc;
    store_stmt_reset(st);
    return version;
}

int store_migration_applies(const char *name, const char *engine)
{
    static const struct {
        const char *suffix, *engine;
    } only[] = {{".sqlite.sql", "sqlite"}, {".pg.sql", "postgresql"}};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof only / sizeof only[0]; i++) {
        size_t k = strlen(only[i].suffix);
        if (n > k && strcmp(name + n - k, only[i].suffix) == 0)
            return strcmp(engine, only[i].engine) == 0;
    }
    return 1;
}

/* A SQLite migration that builds a referenced table again (SQLite cannot
 * alter a constraint) carries this line.  Its foreign keys are turned off
 * around its transaction -- they cannot be inside one, and DROP TABLE of a
 * referenced table would fail or delete -- and every key of the database is
 * checked before the commit (PRAGMA foreign_key_check): SQLite's own
 * procedure for a changed table. */
#define FOREIGN_KEYS_OFF "-- epigrid:foreign-keys-off"

/* Fails with the first broken foreign key PRAGMA foreign_key_check finds. */
static int foreign_keys_whole(struct store *s, const char *name, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s, "PRAGMA foreign_key_check", err);
    if (!st)
        return -EP_EINTERNAL;
    int rc = store_step(st, err);
    if (rc == STORE_ROW)
        rc = ep_error_set(err, EP_EINTERNAL,
                          "数据库错误:迁移 %s 之后,表 %s 的第 %lld 行引用了 %s 中不存在的记录",
                          "database error: after migration %s, table %s, row %lld refers to"
                          " a missing row of %s",
                          name, store_column_text(st, 0), (long long)store_column_int64(st, 1),
                          store_column_text(st, 2));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

/* Applies migration "f" (number "version") and its row of schema_migrations
 * in one transaction. */
static int apply(struct store *s, const struct embedded_file *f, int version, int keys_off,
                 struct ep_error *err)
{
    if (store_begin(s, err) != 0)
        return -EP_EUNAVAILABLE;
    char now[32];
    time_now_iso(now);
    struct store_stmt *st;
    if (store_exec(s, (const char *)f->data, err) != 0 ||
        (keys_off && foreign_keys_whole(s, f->name, err) != 0) ||
        !(st = store_prepare(
              s, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
              err))) {
        store_rollback(s);
        log_error("migration %s failed", f->name);
        return -EP_EINTERNAL;
    }
    store_bind_int64(st, 1, version);
    store_bind_text(st, 2, f->name);
    store_bind_text(st, 3, now);
    if (store_run(st, err) != 0 || store_commit(s, err) != 0) {
        store_rollback(s);
        return -EP_EINTERNAL;
    }
    return 0;
}

int store_migrate(struct store *s, int *applied, struct ep_error *err)
{
    int count = 0;
    int current = store_schema_version(s, err);
    if (current < 0)
        return current;
    for (const struct embedded_file *f = embedded_migrations; f->name; f++) {
        int version = atoi(f->name);
        if (version <= 0 || version <= current ||
            !store_migration_applies(f->name, store_engine(s)))
            continue;
        int keys_off = strcmp(store_engine(s), "sqlite") == 0 &&
                       strstr((const char *)f->data, FOREIGN_KEYS_OFF) != NULL;
        if (keys_off && store_exec(s, "PRAGMA foreign_keys=OFF", err) != 0)
            return -EP_EINTERNAL;
        int rc = apply(s, f, version, keys_off, err);
        if (keys_off) {
            struct ep_error ignored;
            ep_error_clear(&ignored);
            if (store_exec(s, "PRAGMA foreign_keys=ON", &ignored) != 0 && rc == 0)
                rc = ep_error_set(err, EP_EINTERNAL, "数据库错误:无法重新启用外键检查",
                                  "database error: cannot turn foreign keys on again");
        }
        if (rc != 0)
            return rc;
        count++;
        current = version;
    }
    if (applied)
        *applied = count;
    return 0;
}
