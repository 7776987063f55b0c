/*
 * store.h -- the database behind a small opaque interface.
 *
 * This is the only layer that knows which SQL engine is in use.  SQLite
 * (store_sqlite.c) is the embedded default; PostgreSQL (store_pg.c, on libpq)
 * implements the same calls and is chosen by a postgresql:// URI.  SQL handed
 * to store_prepare() uses `?` placeholders and the common subset of both
 * dialects (ON CONFLICT ... DO UPDATE, row values, CTEs); the few differences
 * (placeholders, column types, append-only triggers, rowid) are rewritten
 * inside src/store (pg_dialect.c), never in the domain modules.
 *
 * Ownership and threads:
 *  - A struct store is one connection, used by one thread at a time.  The HTTP
 *    server gives each worker thread its own.
 *  - store_prepare() returns a statement owned by the store's cache; the
 *    caller binds, steps, and then must call store_stmt_reset() (directly or
 *    through a cleanup label) before preparing the same SQL again.  Text
 *    returned by store_column_text() is valid until the next step or reset.
 *  - The cache is keyed by the SQL text pointer: pass string literals.
 *
 * Errors: calls return 0 (or STORE_ROW / STORE_DONE) and a negative value on
 * failure with "err" filled (constraint violations become EP_ECONFLICT, a busy
 * or read-only database EP_EUNAVAILABLE, anything else EP_EINTERNAL).
 */
#ifndef EPIGRID_STORE_STORE_H
#define EPIGRID_STORE_STORE_H
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct store;
struct store_stmt;

enum { STORE_DONE = 0, STORE_ROW = 1 };

enum store_open_flags {
    STORE_OPEN_CREATE = 1, /* create the file if missing */
    STORE_OPEN_BULK = 2,   /* bulk loading: no fsync (demo generation, import into a fresh db) */
};

/* Opens "path": an SQLite file name, or a PostgreSQL connection URI
 * ("postgresql://..." or "postgres://...").  *out is set on success and must
 * be closed with store_close(). */
int store_open(struct store **out, const char *path, int flags, struct ep_error *err);
/* 1 when "path" names a PostgreSQL database (a postgresql:// URI). */
int store_path_is_pg(const char *path);
/* "path" for messages and logs: a password in a URI (user:secret@ or
 * password=secret) becomes "***".  Writes at most "size" bytes to "out". */
void store_path_display(const char *path, char *out, size_t size);
void store_close(struct store *s);

/* Returns a cached prepared statement for "sql" (a string literal), or NULL
 * with "err" set. */
struct store_stmt *store_prepare(struct store *s, const char *sql, struct ep_error *err);

/* Binding: "idx" counts from 1.  Text is copied.  Returns 0 or negative. */
int store_bind_int64(struct store_stmt *st, int idx, int64_t v);
int store_bind_double(struct store_stmt *st, int idx, double v);
int store_bind_text(struct store_stmt *st, int idx, const char *text); /* NULL binds NULL */
int store_bind_textn(struct store_stmt *st, int idx, const char *text, size_t len);
int store_bind_null(struct store_stmt *st, int idx);
/* An optional filter written "(? = 0 OR col = ?)" or "(? IS NULL OR col = ?)"
 * takes its value twice: binds "v" at idx and at idx + 1. */
int store_bind_int64_twice(struct store_stmt *st, int idx, int64_t v);
int store_bind_text_twice(struct store_stmt *st, int idx, const char *text);

/* Runs one step: STORE_ROW when a row is ready, STORE_DONE when finished,
 * negative on error (err filled; the statement is reset). */
int store_step(struct store_stmt *st, struct ep_error *err);
/* Clears bindings and makes the statement ready for reuse.  NULL is allowed. */
void store_stmt_reset(struct store_stmt *st);
/* Steps a bound statement that yields at most one row of integers (a count,
 * an id): copies its first "n" columns to "out" (OUT: zeros when there is no
 * row) and resets it.  Returns 0 or a negative store error. */
int store_step_int64s(struct store_stmt *st, int64_t *out, int n, struct ep_error *err);

int store_column_count(struct store_stmt *st);
int store_column_is_null(struct store_stmt *st, int col);
int64_t store_column_int64(struct store_stmt *st, int col);
double store_column_double(struct store_stmt *st, int col);
const char *store_column_text(struct store_stmt *st, int col); /* "" for NULL */
const char *store_column_name(struct store_stmt *st, int col);

/* Runs a statement to completion with no result rows expected. */
int store_run(struct store_stmt *st, struct ep_error *err);
/* store_run() for a write whose outcome nobody reads (no rows, no
 * store_changes(), no store_last_insert_id()) and whose failure fails the
 * whole transaction level it runs in (an audit row, an idempotency key).
 * On PostgreSQL inside a transaction the statement is queued (libpq pipeline
 * mode) and sent with the next statement that needs an answer, or at the end
 * of the current level (store_commit, store_begin of a nested level),
 * whichever comes first: its error then fails that statement or that
 * commit, never a statement of another level, and the caller rolls the
 * level back as it would have.  Elsewhere it is store_run().  Resets "st". */
int store_run_deferred(struct store_stmt *st, struct ep_error *err);

/* Runs an INSERT of one row into a table whose `id` is an identity column,
 * without naming `id`, and writes the new row's id into "*id".  On
 * PostgreSQL inside a transaction the id is chosen by the connection (the
 * table's highest id, read once per transaction, plus one: the transaction
 * holds the write lock) and the INSERT is queued as store_run_deferred()
 * queues, so its failure fails a later statement or the level's commit; the
 * table's sequence catches up before the commit.  Elsewhere it is
 * store_run() and store_last_insert_id().  Resets "st". */
int store_run_insert(struct store_stmt *st, int64_t *id, struct ep_error *err);

/* Sends a bound read ahead of its store_step(): on PostgreSQL inside a
 * transaction it is queued (libpq pipeline mode) and goes out with the next
 * statement that needs an answer -- two independent reads then cost one round
 * trip -- and store_step() walks the answer kept for it.  Its error, if any,
 * fails whichever statement or commit sends the queue, as it would fail its
 * own step: a caller prefetches only what belongs to the level it runs in.
 * Elsewhere nothing happens until store_step(), so the caller writes
 * nothing between the two (the answer is of the moment it was sent on
 * PostgreSQL, of the step elsewhere).  A prefetched statement is stepped or
 * reset (store_stmt_reset drops an answer nobody read).  Returns 0 or
 * negative with "err" set (the connection failed). */
int store_prefetch(struct store_stmt *st, struct ep_error *err);

/* Executes one or more ;-separated statements without parameters (migrations). */
int store_exec(struct store *s, const char *sql, struct ep_error *err);

/* Transactions.  store_begin() takes the write lock at once (BEGIN IMMEDIATE
 * on SQLite) so that a check-then-write inside it is safe against other
 * connections.  Nested calls open savepoints: a module's transaction inside
 * a group commit (store_group) commits or rolls back alone, and the outer
 * COMMIT makes the batch durable with one fsync.  store_in_transaction()
 * returns the nesting depth (0 = none). */
int store_begin(struct store *s, struct ep_error *err);
int store_commit(struct store *s, struct ep_error *err);
void store_rollback(struct store *s);
int store_in_transaction(struct store *s);

/* Lazy levels, for the group-commit writer (group.c).  While
 * store_set_lazy(s, 1) is in force, on PostgreSQL a nested level's begin
 * and commit do not wait for the answers to the deferred writes before them
 * (store_run_deferred, store_run_insert): those, the SAVEPOINT and the
 * RELEASE go out with the next statement that needs an answer -- usually
 * the next job's first read -- in the same round trip.  The price: when
 * such a write fails, its error reaches a statement of another level, and
 * the server has skipped everything after it.  The connection then says so
 * (store_lazy_failed() is 1 until the next outermost store_begin()), and
 * the caller rolls the whole transaction back and runs every level of it
 * again with lazy levels off, where each error fails exactly its own level.
 * So only work that can run twice runs lazily.  store_flush() sends
 * whatever is queued and waits for the answers (0, or the first error).
 * Elsewhere lazy levels change nothing, store_lazy_failed() is 0 and
 * store_flush() does nothing. */
void store_set_lazy(struct store *s, int on);
int store_lazy_failed(struct store *s);
int store_flush(struct store *s, struct ep_error *err);

/* Deferred sums.  Inside a transaction, store_sum_defer() keeps "(k1, k2) +=
 * delta" in memory instead of writing it: a savepoint's sums join its parent's
 * when it is released and vanish when it is rolled back, and the outermost
 * store_commit() first hands every pending sum, once per (k1, k2) and sorted
 * by key, to "flush" (in chunks), which writes them inside the transaction;
 * if that fails the transaction rolls back and the commit fails.  Roll-up
 * counters use it (core/counter.c): a batch of reports upserts each (region,
 * metric) once, not five times per report.  Returns 1 when kept, 0 when the
 * caller must write now (no transaction, keys too long, out of memory).
 * store_sum_pending() is what the open transaction has not written yet for
 * (k1, k2); store_sums_discard() forgets pending sums of k2 (or of every k2
 * that starts with it, when "prefix"): a rebuild that recounts them from
 * their rows. */
struct store_sum_row {
    const char *k1, *k2;
    int64_t delta;
};
typedef int (*store_sums_flush_fn)(struct store *s, const struct store_sum_row *rows, size_t n,
                                   struct ep_error *err);
int store_sum_defer(struct store *s, store_sums_flush_fn flush, const char *k1, size_t k1len,
                    const char *k2, int64_t delta);
int64_t store_sum_pending(struct store *s, const char *k1, const char *k2);
void store_sums_discard(struct store *s, const char *k2, int prefix);
int store_sums_flush(struct store *s, struct ep_error *err);

/* A transaction's memo: what a caller read inside the open transaction and
 * may read again instead of asking the database, because the write lock it
 * holds keeps others from changing it (a group commit's batch reads the
 * disease profile once, not once per report).  "key" is the address of a
 * static of the caller's module; store_memo_put() copies "size" bytes of
 * "data", store_memo_get() copies them back to "out" and returns 1, or
 * returns 0 when there is nothing (outside a transaction, never put, or
 * forgotten).  Every memo is forgotten when the outermost transaction ends
 * and when any level rolls back (what was read may have been undone); a
 * writer of the remembered rows calls store_memo_forget(). */
int store_memo_get(struct store *s, const void *key, void *out, size_t size);
void store_memo_put(struct store *s, const void *key, const void *data, size_t size);
void store_memo_forget(struct store *s, const void *key);

/* Work put off to the end of the transaction: fn(s, err) runs once, inside
 * the outermost transaction just before it commits (before the deferred sums
 * are written), however often the transaction asked for it with the same
 * "key" (the address of a static of the caller's module); its failure rolls
 * the transaction back and fails the commit.  A rolled-back savepoint does
 * not cancel it (fn reads what the transaction kept); the outermost level's
 * rollback does.  The audit chain's head moves once per commit this way, not
 * once per row.  Returns 0, or -EP_EINTERNAL outside a transaction or past
 * STORE_HOOKS_MAX different keys (the caller then does the work at once). */
#define STORE_HOOKS_MAX 4
typedef int (*store_before_commit_fn)(struct store *s, struct ep_error *err);
int store_before_commit(struct store *s, const void *key, store_before_commit_fn fn);

/* Bulk loading: many rows into one table, far faster than one INSERT per
 * row on PostgreSQL (COPY ... FROM STDIN: the rows stream in without a round
 * trip each).  store_copy_begin() starts a load into "table" of the
 * comma-separated "columns" (both from the caller's own code, never input:
 * they are spliced into SQL) and sets *out (OUT: the open load);
 * store_copy_row() adds one row: "values" has one entry per column, as text,
 * NULL for SQL NULL, "lens" their byte lengths (NULL: strlen of each);
 * store_copy_end() finishes the load and frees it, also after a failed row.
 *  - Only inside a transaction, and while a load is open no other statement
 *    may run on the connection (PostgreSQL's COPY holds it).
 *  - On PostgreSQL a row the server refuses (a constraint violation, a bad
 *    value) is reported by a later store_copy_row() or by store_copy_end():
 *    the usual codes (EP_ECONFLICT, EP_EINTERNAL) with a message, and the
 *    caller must roll the transaction back (nothing of it is kept).  SQLite
 *    reports it by the row's own call (a prepared INSERT per row).
 *  - Rows that set the identity column `id` move the table's sequence past
 *    it before the transaction commits, as INSERTs with explicit ids do.
 * Returns 0 or a negative store error with "err" filled. */
struct store_copy;
int store_copy_begin(struct store *s, const char *table, const char *columns,
                     struct store_copy **out, struct ep_error *err);
int store_copy_row(struct store_copy *c, const char *const *values, const size_t *lens,
                   struct ep_error *err);
int store_copy_end(struct store_copy *c, struct ep_error *err);

/* Deferred indexes (indexes.c): a bulk load into a table drops the table's
 * indexes that enforce no rule and builds them again after the last row, one
 * sort each instead of a B-tree insert per row and index.
 * store_indexes_defer() drops, inside the open transaction, with
 * STORE_DEFER_INDEXES the non-unique indexes of "table" (a name from the
 * caller's code), with STORE_DEFER_FOREIGN_KEYS on PostgreSQL its foreign
 * keys (SQLite's belong to the table: turn PRAGMA foreign_keys off instead),
 * and appends to "x" (OUT; zeroed by the caller before the first call) the
 * statements that make them again, read from the catalogue (sqlite_master,
 * pg_indexes, pg_constraint), so that whatever the migrations define comes
 * back.  UNIQUE indexes and primary keys stay: their refusals and the
 * lookups they serve are unchanged during the load.  STORE_DEFER_KEYS
 * drops them too -- the unique indexes made by CREATE UNIQUE INDEX, and on
 * PostgreSQL the primary key and unique constraints with the other tables'
 * foreign keys that reference them (SQLite cannot drop a constraint's index:
 * a UNIQUE column constraint's stays) -- for a load whose rows are
 * distinct by construction and that nothing reads during the load: a
 * duplicate is then refused only when the key is made again, and the
 * transaction fails as a whole.  store_indexes_restore()
 * runs those statements in order (the indexes before the keys they may
 * serve) in the same transaction, and frees them when all succeeded.  A
 * transaction rolled back instead puts everything back as it was; then
 * store_indexes_cleanup() frees "x" (harmless after a restore).  Readers
 * on other connections see the indexes throughout on SQLite; on PostgreSQL
 * DROP INDEX locks the table against them until the transaction ends.
 * Returns 0 or a negative store error with "err" filled. */
#define STORE_INDEXES_MAX 48
enum store_defer { STORE_DEFER_INDEXES = 1, STORE_DEFER_FOREIGN_KEYS = 2, STORE_DEFER_KEYS = 4 };
struct store_indexes {
    int n;                           /* statements kept */
    char *create[STORE_INDEXES_MAX]; /* owned: CREATE INDEX or ADD CONSTRAINT, in order */
};
int store_indexes_defer(struct store *s, const char *table, int what, struct store_indexes *x,
                        struct ep_error *err);
int store_indexes_restore(struct store *s, struct store_indexes *x, struct ep_error *err);
void store_indexes_cleanup(struct store_indexes *x);

int64_t store_last_insert_id(struct store *s);
int64_t store_changes(struct store *s);

/* The engine's name ("sqlite" or "postgresql") and the file or URI opened. */
const char *store_engine(struct store *s);
const char *store_path(struct store *s);

/* Write-ahead-log checkpointing.  store_autocheckpoint() sets the log size
 * (pages) at which a commit checkpoints by itself, 0 = never; the group-commit
 * writer turns it off and lets a thread of its own call store_checkpoint()
 * (a passive checkpoint that never blocks writers), so that copying the log
 * into the database happens off the writer's path.  *left (may be NULL) gets
 * the frames of the log not yet copied back after the checkpoint (-1 when it
 * could not run: another connection was checkpointing; 0 on PostgreSQL).
 * store_checkpoint() returns 1 when
 * every frame of the log is copied back (the next write transaction starts
 * the log over), 0 when some are left, negative with "err" filled. */
void store_autocheckpoint(struct store *s, int pages);
/* With automatic checkpoints off: the log's size in pages after the
 * connection's last commit (0 before any, and always on PostgreSQL). */
int store_log_pages(struct store *s);
int store_checkpoint(struct store *s, int *left, struct ep_error *err);

/* Commits that do not wait for the disk, made durable by another thread
 * (SQLite; the group-commit writer, see group.c).  store_sync_defer() makes
 * the commits of "s" return once their log frames are written, before they
 * are on disk (synchronous=NORMAL: the log and the database stay consistent
 * after a crash, but the last commits may be lost); store_log_sync() then
 * makes every commit made so far durable (an fdatasync of the write-ahead
 * log).  store_log_sync() may run on another thread while "s" goes on
 * committing, and only there: it owns the descriptor it opens.
 * store_sync_defer() returns 1 when deferred (SQLite), 0 when the engine's
 * commits are durable by themselves (PostgreSQL: nothing changes), negative
 * with "err" filled on failure. */
int store_sync_defer(struct store *s, struct ep_error *err);
int store_log_sync(struct store *s, struct ep_error *err);

/* Makes what the checkpoints of "s" have copied into the database file so far
 * durable (an fdatasync of it; SQLite; nothing when they copied nothing since
 * the last call, so that an idle server does not sync ten times a second).  A
 * passive checkpoint syncs the database only when it copied the whole log,
 * which a checkpointer running beside a busy writer never does: the copied
 * pages would all wait for the checkpoint that finally catches up -- the
 * writer's, before the log starts over -- and stall it (group.c).  Like
 * store_log_sync() it owns a descriptor of its own and may run on another
 * thread than the one "s" writes on, only there.  0 on PostgreSQL (nothing to
 * do), negative with "err" filled on failure. */
int store_data_sync(struct store *s, struct ep_error *err);

/* Copies the whole database to "dest_path" (created or overwritten) while
 * others keep writing (SQLite online backup API): one consistent snapshot,
 * copied in steps, busy/locked steps retried.  Returns 0, or negative with
 * "err" set (EP_EUNAVAILABLE when the database stayed busy). */
int store_backup(struct store *s, const char *dest_path, struct ep_error *err);

/* Runs the engine's integrity check (PRAGMA integrity_check).  Returns 0 when
 * the database is sound ("out" = "ok"), 1 when it found problems ("out" holds
 * the first of them, one per line, truncated to "size"), negative with "err"
 * set when the check itself failed (e.g. not a database). */
int store_integrity_check(struct store *s, char *out, size_t size, struct ep_error *err);

/* Cross-process wake-ups (PostgreSQL LISTEN/NOTIFY; SQLite has one process
 * and these do nothing there).  store_notify() queues a notification on
 * "channel" that other connections receive when the current transaction
 * commits (at once outside a transaction).  store_listen() subscribes this
 * connection; store_wait_notify() waits up to "timeout_ms" for one and
 * returns 1 when at least one arrived (all pending ones are consumed), 0 on
 * timeout, negative with "err" set when the connection failed.  On SQLite
 * store_wait_notify() sleeps and returns 0. */
int store_notify(struct store *s, const char *channel, struct ep_error *err);
/* How many store_notify() calls of this process have been committed (all
 * connections; monotonic).  It moves when the transaction that notified
 * commits, never before: a thread that sees it move and then reads finds
 * what was notified (a count taken at the notify itself would announce rows
 * that a reader cannot see yet, and the wake-up for them would be spent). */
uint64_t store_notes_committed(void);
int store_listen(struct store *s, const char *channel, struct ep_error *err);
int store_wait_notify(struct store *s, int timeout_ms, struct ep_error *err);

/* The change epoch: a count that every process on the same database sees
 * move, for what a process keeps in memory in front of the database (the
 * session cache of core/auth.c).  store_epoch_bump() moves it when the open
 * transaction ends, committed or rolled back (at once outside a transaction),
 * so that nobody re-reads the old rows after the move; store_epoch() reads it.
 * 0 means the count cannot be shared (an SQLite database in memory or whose
 * epoch file cannot be opened; PostgreSQL while no connection of the process
 * follows it): then nothing may be kept.  On SQLite the count is a word of
 * "<database>-epoch", mapped into every process; on PostgreSQL a bump is a
 * NOTIFY sent with the transaction, and store_epoch_follow() makes a
 * connection (LISTENing, polled with store_wait_notify()) receive the other
 * processes' bumps for the whole process, until it fails or is closed; it
 * does nothing on SQLite (docs/scale.md). */
void store_epoch_bump(struct store *s);
uint64_t store_epoch(struct store *s);
/* The data version: moves after every committed write transaction (after
 * the commit, so that a reader who sees it move and then reads finds the
 * rows), for answers kept in memory in front of the database (the stats of
 * core/stats.c).  "shared" is set to 1 when every process on the database
 * moves it (SQLite: a second word of the epoch file), 0 when it counts only
 * this process's commits (PostgreSQL, or a database in memory): what other
 * processes write is then not seen by it.  Writes outside a transaction do
 * not move it (every write path of epigrid runs in one). */
uint64_t store_data_version(struct store *s, int *shared);
int store_epoch_follow(struct store *s, struct ep_error *err);

/* Applies the embedded migrations (sql/migrations) that are missing, each in
 * its own transaction, recording them in schema_migrations.  Stores the number
 * applied in *applied (may be NULL).  Safe to run any number of times. */
int store_migrate(struct store *s, int *applied, struct ep_error *err);
/* 1 when the migration file "name" is one that "engine" (store_engine())
 * applies: every NNNN_name.sql, and NNNN_name.sqlite.sql or NNNN_name.pg.sql
 * only on its own engine (migrate.c). */
int store_migration_applies(const char *name, const char *engine);
/* Highest applied migration version, 0 for an empty database. */
int store_schema_version(struct store *s, struct ep_error *err);

#endif
