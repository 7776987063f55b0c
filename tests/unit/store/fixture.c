/*
 * fixture.c -- a store unit test's own database (see fixture.h).
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

/* Runs "sql" (CREATE/DROP DATABASE) on the admin connection.  Returns 0, or
 * -1 with the server's message on stderr. */
static int admin_exec(const char *admin, const char *sql)
{
    struct store *s;
    struct ep_error err;
    ep_error_clear(&err);
    int rc = store_open(&s, admin, 0, &err);
    if (rc == 0) {
        rc = store_exec(s, sql, &err);
        store_close(s);
    }
    if (rc != 0)
        fprintf(stderr, "%s: %s\n", sql, err.msg[EP_LANG_EN]);
    return rc == 0 ? 0 : -1;
}

/* Removes the SQLite file "path" and its companions; those missing are no
 * error. */
static void unlink_sqlite(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-epoch"};
    char p[600];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
}

/* Reads the admin URI, its first line, from the file "file" into "out". */
static int read_admin_uri(const char *file, char *out, size_t size)
{
    FILE *f = fopen(file, "r");
    int ok = f && fgets(out, (int)size, f);
    if (f)
        fclose(f);
    if (ok)
        out[strcspn(out, "\r\n")] = '\0';
    if (!ok || !strrchr(out, '/')) {
        fprintf(stderr, "EPIGRID_TEST_PG_FILE %s holds no URI: is the test server up?\n", file);
        out[0] = '\0';
        return -1;
    }
    return 0;
}

int fixture_db_create(struct fixture_db *db, const char *test)
{
    memset(db, 0, sizeof *db);
    const char *file = getenv("EPIGRID_TEST_PG_FILE");
    if (!file) {
        snprintf(db->path, sizeof db->path, "/tmp/epigrid-%s-%d.db", test, (int)getpid());
        unlink_sqlite(db->path);
        return 0;
    }
    if (read_admin_uri(file, db->admin, sizeof db->admin) != 0)
        return -1;
    snprintf(db->name, sizeof db->name, "epigrid_%s_%d", test, (int)getpid());
    /* the server's URI with the test's database in place of the admin's */
    const char *slash = strrchr(db->admin, '/');
    snprintf(db->path, sizeof db->path, "%.*s/%s", (int)(slash - db->admin), db->admin, db->name);
    char sql[128];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", db->name);
    if (admin_exec(db->admin, sql) != 0)
        return -1;
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", db->name);
    return admin_exec(db->admin, sql);
}

int fixture_db_drop(struct fixture_db *db)
{
    if (!fixture_db_is_pg(db)) {
        unlink_sqlite(db->path);
        return 0;
    }
    char sql[128];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", db->name);
    return admin_exec(db->admin, sql);
}

int fixture_db_is_pg(const struct fixture_db *db)
{
    return db->admin[0] != '\0';
}
