/*
 * fixture.h -- a store unit test's own database, on either engine.
 *
 * On SQLite a file under /tmp; on PostgreSQL, when EPIGRID_TEST_PG_FILE
 * names the file holding a server's admin URI (ctest's pg.* tests set it,
 * inside the pg fixture), a database created on that server for the test
 * and dropped after it.  Both are named after the test and the process id,
 * so that runs side by side do not meet.  The caller owns the struct (it
 * holds no heap memory) and opens and closes its own connections to "path".
 */
#ifndef EPIGRID_TESTS_UNIT_STORE_FIXTURE_H
#define EPIGRID_TESTS_UNIT_STORE_FIXTURE_H

struct fixture_db {
    char path[512];  /* what store_open() takes: the SQLite file or the database's URI */
    char admin[512]; /* PostgreSQL: the admin URI, to create and drop it; "" on SQLite */
    char name[64];   /* PostgreSQL: the database's name */
};

/* Makes "db" anew for the test named "test" (letters and '_': it names the
 * file and the database), after removing what an earlier run left under the
 * same name.  The database is empty: the caller opens it with
 * STORE_OPEN_CREATE.  Returns 0, or -1 with a message on stderr (no URI in
 * the file, the server refused). */
int fixture_db_create(struct fixture_db *db, const char *test);

/* Removes "db": DROP DATABASE (closing what is still connected), or the
 * SQLite file with its -wal, -shm and -epoch companions.  Returns 0, or -1
 * with a message on stderr. */
int fixture_db_drop(struct fixture_db *db);

/* 1 when "db" is a PostgreSQL database. */
int fixture_db_is_pg(const struct fixture_db *db);

#endif
