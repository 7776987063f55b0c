/*
 * sqlite_ceiling.c -- the storage ceiling of the benchmark: the fastest a
 * minimal C program inserts rows shaped like health reports into SQLite with
 * the durability epigrid promises (WAL, synchronous=FULL), in batches of
 * 1,000 rows per transaction.  epigrid's ingest figures are reported as a
 * ratio to this number, measured in the same run on the same machine.
 *
 * Usage: sqlite_ceiling DB ROWS   (prints "rows_per_second N")
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: sqlite_ceiling DB ROWS\n");
        return 2;
    }
    long rows = atol(argv[2]);
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK)
        return 1;
    sqlite3_exec(
        db,
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
        "CREATE TABLE IF NOT EXISTS reports (id INTEGER PRIMARY KEY, observation_id INTEGER,"
        " person_id INTEGER, grid_code TEXT, slot_day INTEGER, slot_index INTEGER,"
        " temperature_dc INTEGER, symptoms TEXT, abnormal INTEGER, reported_at TEXT,"
        " client_uuid TEXT UNIQUE)",
        NULL, NULL, NULL);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db,
                       "INSERT INTO reports (observation_id, person_id, grid_code, slot_day,"
                       " slot_index, temperature_dc, symptoms, abnormal, reported_at, client_uuid)"
                       " VALUES (?, ?, ?, ?, ?, ?, '[]', 0, '2026-11-29T08:05:00+08:00', ?)",
                       -1, &st, NULL);
    double t0 = now();
    for (long i = 0; i < rows; i++) {
        if (i % 1000 == 0)
            sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
        char uuid[40], grid[16];
        snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012ld", i);
        snprintf(grid, sizeof grid, "431122101%06ld", i % 13000);
        sqlite3_bind_int64(st, 1, i);
        sqlite3_bind_int64(st, 2, i);
        sqlite3_bind_text(st, 3, grid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 4, 20786);
        sqlite3_bind_int(st, 5, (int)(i & 1));
        sqlite3_bind_int(st, 6, 365);
        sqlite3_bind_text(st, 7, uuid, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE) {
            fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db));
            return 1;
        }
        sqlite3_reset(st);
        if (i % 1000 == 999 || i == rows - 1)
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    double dt = now() - t0;
    printf("rows_per_second %.0f\n", (double)rows / dt);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return 0;
}
