/*
 * store_sqlite.c -- the SQLite implementation of store.h.
 *
 * Each connection runs in WAL mode with foreign keys on and a busy timeout,
 * and keeps a small cache of prepared statements keyed by the SQL text's
 * address (statements are string literals in the domain modules, so the
 * pointer identifies them without hashing the text).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/stmt_cache.h"
#include "store/store_impl.h"
#include "store/walbuf.h"
#include "util/log.h"

#define BUSY_TIMEOUT_MS 5000
#define TX_DEPTH_MAX    8 /* savepoint statements kept prepared up to this depth */
/* "<database>-epoch": one page, the epoch in its first word, the data version
 * (store_data_version) in its second. */
#define EPOCH_FILE_SIZE 4096

enum { TX_SAVEPOINT, TX_RELEASE, TX_ROLLBACK_TO };

struct sq_stmt {
    struct store_stmt base; /* owner and cache key */
    sqlite3_stmt *handle;   /* prepared statement */
};

struct sq_store {
    struct store base;                       /* ops, path, transaction depth */
    sqlite3 *db;                             /* the connection */
    sqlite3_stmt *tx_stmts[TX_DEPTH_MAX][3]; /* prepared SAVEPOINT/RELEASE/ROLLBACK TO per depth */
    struct stmt_cache cache;                 /* prepared statements (struct sq_stmt) */
    _Atomic uint64_t *epoch;                 /* the word of "<database>-epoch", mapped */
    int epoch_state;                         /* 0 not mapped yet, 1 mapped, -1 cannot be */
    int64_t changes_at_begin;                /* sqlite3_total_changes64() at the outer BEGIN */
    int log_fd;                              /* the log, opened by store_log_sync(); -1 none */
    char *log_path;                          /* the log's file name, set by store_sync_defer() */
    int data_fd;       /* the database file, opened by store_data_sync(); -1 none */
    int ckpt_done;     /* frames copied back, as this connection's last checkpoint left them */
    int ckpt_unsynced; /* 1 when its checkpoints copied pages store_data_sync() has not synced */
    int log_pages;     /* the log's size after the last commit, if noted */
};

static const struct store_ops sqlite_ops;
static void sq_close(struct store *s);
static int sq_exec(struct store *s, const char *sql, struct ep_error *err);
static void sq_stmt_reset(struct store_stmt *st);
static void sq_rollback(struct store *s);

/* The engine's view of the common structures. */
static struct sq_store *SQ(struct store *s)
{
    return (struct sq_store *)s;
}

static sqlite3_stmt *H(struct store_stmt *st)
{
    return ((struct sq_stmt *)st)->handle;
}

/* 1 if the database file or its log cannot be written at all now (read-only
 * file system, immutable file): SQLite reports that as an I/O error. */
static int files_readonly(const char *path)
{
    char wal[4096];
    if (!path || snprintf(wal, sizeof wal, "%s-wal", path) >= (int)sizeof wal)
        return 0;
    const char *files[] = {path, wal};
    for (int i = 0; i < 2; i++)
        if (access(files[i], W_OK) != 0 && (errno == EROFS || errno == EPERM))
            return 1;
    return 0;
}

/* Fills "err" from the connection's last error and returns the negative code. */
static int fail(struct store *s, int rc, const char *what, struct ep_error *err)
{
    int primary = rc & 0xff;
    const char *detail = s && SQ(s)->db ? sqlite3_errmsg(SQ(s)->db) : sqlite3_errstr(rc);
    if (primary == SQLITE_CONSTRAINT)
        return ep_error_set(err, EP_ECONFLICT, "数据冲突:%s", "conflict: %s", detail);
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return ep_error_set(err, EP_EUNAVAILABLE, "数据库繁忙,请稍后重试",
                            "database busy, please retry");
    /* Disk full, read-only file system, I/O errors: the write is refused and
     * rolled back whole; reads go on; the next write tries again, so service
     * resumes by itself when the condition goes away. */
    if (primary == SQLITE_FULL)
        return ep_error_set(err, EP_EUNAVAILABLE,
                            "磁盘已满,暂时无法保存(未写入任何数据);查询不受影响,腾出空间后自动恢复",
                            "disk full: nothing was saved; reads still work and writes resume "
                            "once space is freed");
    if (primary == SQLITE_READONLY ||
        (primary == SQLITE_IOERR && files_readonly(s ? s->path : NULL)))
        return ep_error_set(
            err, EP_EUNAVAILABLE,
            "数据库只读,暂时无法保存(未写入任何数据);查询不受影响,恢复可写后自动恢复",
            "database is read-only: nothing was saved; reads still work and writes "
            "resume once it is writable again");
    if (primary == SQLITE_IOERR)
        return ep_error_set(err, EP_EUNAVAILABLE,
                            "磁盘读写错误,暂时无法保存(未写入任何数据),请稍后重试",
                            "disk I/O error: nothing was saved; please retry later");
    log_error("sqlite %s failed: %s (rc=%d)", what, detail, rc);
    return ep_error_set(err, EP_EINTERNAL, "数据库错误", "database error");
}

/* SQLite's memory statistics take one process-wide mutex on every allocation:
 * the server's worker threads, each on its own connection, queued on it
 * (perf during B3: 5 % of the samples in that lock).  Nothing here reads the
 * statistics, so they are off; it must be set before SQLite initialises. */
static pthread_once_t config_once = PTHREAD_ONCE_INIT;
static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/* Savepoints keep the original of every page they change in a statement
 * journal.  SQLite keeps it in memory up to 64 KiB and in a temporary file
 * past that for the rest of the transaction: every job of a group commit and
 * every row of an import (a savepoint each) then wrote its pages to that file,
 * about 8 writes a row (strace of a 50,000-row import: 415,771 pwrite calls,
 * 98 % of its system time).  temp_store=MEMORY, set before the transaction
 * begins, keeps the journal in memory whatever its size.
 *
 * Raising the spill threshold instead (SQLITE_CONFIG_STMTJRNL_SPILL, 16 MiB
 * from 2026-12-06 to 12-07) broke every journal that outgrew it: the
 * threshold is also the size of the journal's memory chunks, each copied to
 * the file in one write, and the unix VFS cuts a write to its low 17 bits
 * (SQLite 3.40.1, seekAndWriteFd: nBuf &= 0x1ffff), so a chunk of 128 KiB
 * or more is written short and the statement fails with SQLITE_FULL, no
 * system call failing.  A CREATE INDEX after a million-row import in one
 * transaction journals the cache's dirty pages (up to 64 MiB) and hit it.
 * The memory journal's chunks are 1 KiB and it never writes a file.  Its
 * size is bounded by the pages that one savepoint or statement changes and
 * that existed before it: a few for a row, the cache's dirty pages for an
 * index build. */
#define STORE_PRAGMAS "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"

int store_sqlite_open(struct store **out, const char *path, int flags, struct ep_error *err)
{
    *out = NULL;
    pthread_once(&config_once, configure_sqlite);
    struct sq_store *q = calloc(1, sizeof *q);
    if (!q)
        return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
    struct store *s = &q->base;
    s->ops = &sqlite_ops;
    s->path = strdup(path);
    q->log_fd = -1;
    q->data_fd = -1;
    int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
    if (flags & STORE_OPEN_CREATE)
        oflags |= SQLITE_OPEN_CREATE;
    int rc = sqlite3_open_v2(path, &SQ(s)->db, oflags, walbuf_vfs());
    if (rc != SQLITE_OK) {
        ep_error_set(err, EP_EUNAVAILABLE, "无法打开数据库 %s:%s", "cannot open database %s: %s",
                     path, SQ(s)->db ? sqlite3_errmsg(SQ(s)->db) : sqlite3_errstr(rc));
        sq_close(s);
        return -EP_EUNAVAILABLE;
    }
    sqlite3_busy_timeout(SQ(s)->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(SQ(s)->db, 1);
    const char *pragmas = (flags & STORE_OPEN_BULK)
                              ? STORE_PRAGMAS "PRAGMA synchronous=OFF; PRAGMA cache_size=-262144;"
                              : STORE_PRAGMAS "PRAGMA synchronous=FULL; PRAGMA cache_size=-65536;";
    if (sq_exec(s, pragmas, err) != 0) {
        sq_close(s);
        return -EP_EUNAVAILABLE;
    }
    *out = s;
    return 0;
}

static void stmt_finalize(struct store_stmt *st, void *arg)
{
    (void)arg;
    sqlite3_finalize(((struct sq_stmt *)st)->handle);
    free(st);
}

static void sq_close(struct store *s)
{
    if (!s)
        return;
    stmt_cache_each(&SQ(s)->cache, stmt_finalize, NULL);
    stmt_cache_free(&SQ(s)->cache);
    for (int d = 0; d < TX_DEPTH_MAX; d++)
        for (int k = 0; k < 3; k++)
            sqlite3_finalize(SQ(s)->tx_stmts[d][k]);
    if (SQ(s)->db)
        sqlite3_close(SQ(s)->db);
    if (SQ(s)->epoch_state > 0)
        munmap((void *)SQ(s)->epoch, EPOCH_FILE_SIZE);
    if (SQ(s)->log_fd >= 0)
        close(SQ(s)->log_fd);
    if (SQ(s)->data_fd >= 0)
        close(SQ(s)->data_fd);
    free(SQ(s)->log_path);
    free(s->path);
    free(s);
}

static struct store_stmt *sq_prepare(struct store *s, const char *sql, struct ep_error *err)
{
    struct sq_store *q = SQ(s);
    struct store_stmt *found = stmt_cache_get(&q->cache, sql);
    if (found)
        return found;
    sqlite3_stmt *h = NULL;
    int rc = sqlite3_prepare_v3(q->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &h, NULL);
    if (rc != SQLITE_OK) {
        fail(s, rc, "prepare", err);
        log_error("while preparing: %s", sql);
        return NULL;
    }
    struct sq_stmt *st = calloc(1, sizeof *st);
    if (st) {
        st->base.sql = sql;
        st->base.owner = s;
        st->handle = h;
    }
    if (!st || stmt_cache_put(&q->cache, &st->base) != 0) {
        sqlite3_finalize(h);
        free(st);
        ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
        return NULL;
    }
    return &st->base;
}

static int sq_bind_int64(struct store_stmt *st, int idx, int64_t v)
{
    return sqlite3_bind_int64(H(st), idx, v) == SQLITE_OK ? 0 : -EP_EINTERNAL;
}

static int sq_bind_double(struct store_stmt *st, int idx, double v)
{
    return sqlite3_bind_double(H(st), idx, v) == SQLITE_OK ? 0 : -EP_EINTERNAL;
}

static int sq_bind_textn(struct store_stmt *st, int idx, const char *text, size_t len)
{
    return sqlite3_bind_text64(H(st), idx, text, len, SQLITE_TRANSIENT, SQLITE_UTF8) == SQLITE_OK
               ? 0
               : -EP_EINTERNAL;
}

static int sq_bind_null(struct store_stmt *st, int idx)
{
    return sqlite3_bind_null(H(st), idx) == SQLITE_OK ? 0 : -EP_EINTERNAL;
}

static int sq_step(struct store_stmt *st, struct ep_error *err)
{
    int rc = sqlite3_step(H(st));
    if (rc == SQLITE_ROW)
        return STORE_ROW;
    if (rc == SQLITE_DONE)
        return STORE_DONE;
    int ret = fail(st->owner, rc, "step", err);
    sq_stmt_reset(st);
    return ret;
}

static void sq_stmt_reset(struct store_stmt *st)
{
    if (!st)
        return;
    sqlite3_reset(H(st));
    sqlite3_clear_bindings(H(st));
}

static int sq_column_count(struct store_stmt *st)
{
    return sqlite3_column_count(H(st));
}

static int sq_column_is_null(struct store_stmt *st, int col)
{
    return sqlite3_column_type(H(st), col) == SQLITE_NULL;
}

static int64_t sq_column_int64(struct store_stmt *st, int col)
{
    return sqlite3_column_int64(H(st), col);
}

static double sq_column_double(struct store_stmt *st, int col)
{
    return sqlite3_column_double(H(st), col);
}

static const char *sq_column_text(struct store_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(H(st), col);
    return t ? (const char *)t : "";
}

static const char *sq_column_name(struct store_stmt *st, int col)
{
    return sqlite3_column_name(H(st), col);
}

static int sq_exec(struct store *s, const char *sql, struct ep_error *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(SQ(s)->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        int ret = fail(s, rc, "exec", err);
        log_error("exec failed: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return ret;
    }
    return 0;
}

/* Runs the savepoint statement "kind" for savepoint "sp<level>".  The group
 * writer opens two of them per job, so they are prepared once per connection
 * instead of being parsed by sqlite3_exec each time. */
static int savepoint_op(struct store *s, int kind, int level, struct ep_error *err)
{
    static const char *fmt[3] = {"SAVEPOINT sp%d", "RELEASE sp%d", "ROLLBACK TO sp%d"};
    sqlite3_stmt **slot = level < TX_DEPTH_MAX ? &SQ(s)->tx_stmts[level][kind] : NULL;
    sqlite3_stmt *st = slot ? *slot : NULL;
    if (!st) {
        char sql[32];
        snprintf(sql, sizeof sql, fmt[kind], level);
        int rc = sqlite3_prepare_v3(SQ(s)->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
        if (rc != SQLITE_OK)
            return fail(s, rc, "prepare savepoint", err);
        if (slot)
            *slot = st;
    }
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (!slot)
        sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : fail(s, rc, "savepoint", err);
}

static int sq_begin(struct store *s, struct ep_error *err)
{
    if (s->depth > 0) {
        /* Nested: a savepoint, so that a module's own transaction can run
         * inside a group commit and fail alone. */
        int rc = savepoint_op(s, TX_SAVEPOINT, s->depth, err);
        if (rc == 0)
            s->depth++;
        return rc;
    }
    int rc = sq_exec(s, "BEGIN IMMEDIATE", err);
    if (rc == 0) {
        s->depth = 1;
        SQ(s)->changes_at_begin = sqlite3_total_changes64(SQ(s)->db);
    }
    return rc;
}

static int sq_commit(struct store *s, struct ep_error *err)
{
    if (s->depth > 1) {
        int rc = savepoint_op(s, TX_RELEASE, s->depth - 1, err);
        if (rc != 0) {
            sq_rollback(s);
            return rc;
        }
        s->depth--;
        return 0;
    }
    int rc = sq_exec(s, "COMMIT", err);
    if (rc != 0)
        sq_rollback(s);
    s->depth = 0;
    return rc;
}

static void sq_rollback(struct store *s)
{
    if (s->depth > 1) {
        struct ep_error ignored;
        ep_error_clear(&ignored);
        savepoint_op(s, TX_ROLLBACK_TO, s->depth - 1, &ignored);
        savepoint_op(s, TX_RELEASE, s->depth - 1, &ignored);
        s->depth--;
        return;
    }
    if (sqlite3_get_autocommit(SQ(s)->db) == 0)
        sqlite3_exec(SQ(s)->db, "ROLLBACK", NULL, NULL, NULL);
    s->depth = 0;
}

static int64_t sq_last_insert_id(struct store *s)
{
    return sqlite3_last_insert_rowid(SQ(s)->db);
}

static int64_t sq_changes(struct store *s)
{
    return sqlite3_changes64(SQ(s)->db);
}

/* Pages copied per backup step: small enough that the destination grows in
 * steps (progress), large enough that a big database is not thousands of
 * steps.  The source's read transaction is held across the steps, so writes
 * by other connections (the server's writer) neither block nor restart it. */
#define BACKUP_STEP_PAGES 4096
#define BACKUP_RETRY_MAX  500 /* busy/locked steps retried, 10 ms apart */

/* With automatic checkpoints off, this hook notes the log's size after each
 * of the connection's commits (store_log_pages). */
static int note_log_size(void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)db, (void)name;
    ((struct sq_store *)arg)->log_pages = pages;
    return SQLITE_OK;
}

static void sq_autocheckpoint(struct store *s, int pages)
{
    if (pages > 0)
        sqlite3_wal_autocheckpoint(SQ(s)->db, pages);
    else
        sqlite3_wal_hook(SQ(s)->db, note_log_size, SQ(s));
}

static int sq_log_pages(struct store *s)
{
    return SQ(s)->log_pages;
}

static int sq_checkpoint(struct store *s, int *left, struct ep_error *err)
{
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(SQ(s)->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        return fail(s, rc, "checkpoint", err);
    if (rc == SQLITE_OK && done > 0 && done != SQ(s)->ckpt_done) /* it copied pages */
        SQ(s)->ckpt_unsynced = 1;
    if (rc == SQLITE_OK)
        SQ(s)->ckpt_done = done;
    if (left)
        *left = rc == SQLITE_OK && log >= 0 && done >= 0 ? log - done : -1;
    return rc == SQLITE_OK && done == log;
}

static int sq_sync_defer(struct store *s, struct ep_error *err)
{
    struct sq_store *q = SQ(s);
    const char *log = sqlite3_filename_wal(sqlite3_db_filename(q->db, "main"));
    free(q->log_path);
    q->log_path = log ? strdup(log) : NULL;
    if (!q->log_path)
        return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
    return sq_exec(s, "PRAGMA synchronous=NORMAL", err) == 0 ? 1 : -EP_EUNAVAILABLE;
}

/* Makes the log's directory entry durable: the log may have been created by
 * this connection's first commit, and a file whose name is not yet on disk
 * is lost whole in a crash. */
static int sync_directory_of(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* fdatasync() flushes a file's data whichever descriptor names it, so the
 * syncing thread keeps a descriptor of its own on the log and never touches
 * SQLite's (which belongs to the connection's thread).  SQLite never replaces
 * the log while a connection is open, but a log unlinked under us (nlink 0)
 * is opened again rather than synced in vain. */
static int sq_log_sync(struct store *s, struct ep_error *err)
{
    struct sq_store *q = SQ(s);
    struct stat st;
    if (q->log_fd >= 0 && (fstat(q->log_fd, &st) != 0 || st.st_nlink == 0)) {
        close(q->log_fd);
        q->log_fd = -1;
    }
    if (q->log_fd < 0) {
        if (!q->log_path)
            return ep_error_set(err, EP_EINTERNAL, "未启用延迟写盘", "commits are not deferred");
        int fd = open(q->log_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || sync_directory_of(q->log_path) != 0) {
            int e = errno;
            if (fd >= 0)
                close(fd);
            return ep_error_set(err, EP_EUNAVAILABLE, "无法打开预写日志 %s:%s",
                                "cannot open the write-ahead log %s: %s", q->log_path, strerror(e));
        }
        q->log_fd = fd;
    }
    if (fdatasync(q->log_fd) != 0)
        return ep_error_set(err, EP_EUNAVAILABLE, "预写日志写盘失败:%s",
                            "cannot sync the write-ahead log: %s", strerror(errno));
    return 0;
}

/* The database file's own descriptor, like the log's above: SQLite's
 * belongs to the connection's thread. */
static int sq_data_sync(struct store *s, struct ep_error *err)
{
    struct sq_store *q = SQ(s);
    if (!q->ckpt_unsynced)
        return 0; /* no checkpoint of this connection copied anything since */
    if (q->data_fd < 0) {
        const char *path = sqlite3_db_filename(q->db, "main");
        if (!path || !*path)
            return 0; /* a database in memory */
        q->data_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (q->data_fd < 0)
            return ep_error_set(err, EP_EUNAVAILABLE, "无法打开数据库文件 %s:%s",
                                "cannot open the database file %s: %s", path, strerror(errno));
    }
    if (fdatasync(q->data_fd) != 0)
        return ep_error_set(err, EP_EUNAVAILABLE, "数据库文件写盘失败:%s",
                            "cannot sync the database file: %s", strerror(errno));
    q->ckpt_unsynced = 0;
    return 0;
}

static int sq_backup(struct store *s, const char *dest_path, struct ep_error *err)
{
    sqlite3 *dest = NULL;
    sqlite3_backup *b = NULL;
    int ret = -EP_EINTERNAL, began = 0;
    int rc = sqlite3_open_v2(dest_path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        ep_error_set(err, EP_EINTERNAL, "无法创建备份文件 %s:%s",
                     "cannot create backup file %s: %s", dest_path,
                     dest ? sqlite3_errmsg(dest) : sqlite3_errstr(rc));
        goto out;
    }
    /* One read transaction on the source for the whole copy: a consistent
     * snapshot (WAL readers never block the writer).  BEGIN alone takes no
     * lock; the first read does. */
    if (s->depth == 0) {
        if (sq_exec(s, "BEGIN; SELECT count(*) FROM sqlite_master", err) != 0)
            goto out;
        began = 1;
    }
    b = sqlite3_backup_init(dest, "main", SQ(s)->db, "main");
    if (!b) {
        ep_error_set(err, EP_EINTERNAL, "备份失败:%s", "backup failed: %s", sqlite3_errmsg(dest));
        goto out;
    }
    int retries = 0;
    for (;;) {
        rc = sqlite3_backup_step(b, BACKUP_STEP_PAGES);
        if (rc == SQLITE_DONE)
            break;
        if (rc == SQLITE_OK) {
            retries = 0;
            continue;
        }
        if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && retries++ < BACKUP_RETRY_MAX) {
            sqlite3_sleep(10);
            continue;
        }
        break;
    }
    int frc = sqlite3_backup_finish(b);
    b = NULL;
    if (rc != SQLITE_DONE || frc != SQLITE_OK) {
        int code = rc != SQLITE_DONE ? rc : frc;
        if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)
            ep_error_set(err, EP_EUNAVAILABLE, "备份失败:数据库繁忙,请稍后重试",
                         "backup failed: database busy, please retry");
        else
            ep_error_set(err, EP_EINTERNAL, "备份失败:%s", "backup failed: %s",
                         sqlite3_errstr(code));
        goto out;
    }
    ret = 0;
out:
    if (began)
        sqlite3_exec(SQ(s)->db, "COMMIT", NULL, NULL, NULL); /* ends the read transaction */
    if (dest)
        sqlite3_close(dest);
    return ret;
}

static int sq_integrity_check(struct store *s, char *out, size_t size, struct ep_error *err)
{
    if (size)
        out[0] = '\0';
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(SQ(s)->db, "PRAGMA integrity_check", -1, &st, NULL);
    if (rc != SQLITE_OK)
        return fail(s, rc, "integrity_check", err);
    int bad = 0;
    size_t used = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *line = (const char *)sqlite3_column_text(st, 0);
        if (!line || strcmp(line, "ok") == 0)
            continue;
        bad = 1;
        if (used + 1 < size) {
            int n = snprintf(out + used, size - used, "%s%s", used ? "\n" : "", line);
            used = n < 0 ? size : used + (size_t)n;
            if (used >= size)
                used = size - 1;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail(s, rc, "integrity_check", err);
    if (!bad && size)
        snprintf(out, size, "ok");
    return bad;
}

static int sq_notify(struct store *s, const char *channel, struct ep_error *err)
{
    (void)s, (void)channel, (void)err;
    return 0; /* one process: the server wakes its own streams after each commit */
}

static int sq_listen(struct store *s, const char *channel, struct ep_error *err)
{
    (void)s, (void)channel, (void)err;
    return 0;
}

static int sq_wait_notify(struct store *s, int timeout_ms, struct ep_error *err)
{
    (void)s, (void)err;
    sqlite3_sleep(timeout_ms);
    return 0;
}

/* The change epoch lives in a small file next to the database, mapped shared
 * into every process that opens it: a bump is one atomic add that every
 * other process sees on its next read, with no system call.  A database in
 * memory, or a file that cannot be made or mapped, shares no epoch (0). */
static int epoch_map(struct sq_store *q)
{
    const char *db = sqlite3_db_filename(q->db, "main");
    char path[4096];
    if (!db || !*db || snprintf(path, sizeof path, "%s-epoch", db) >= (int)sizeof path)
        return -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    struct stat st;
    void *m = MAP_FAILED;
    if (fstat(fd, &st) == 0 &&
        (st.st_size >= EPOCH_FILE_SIZE || ftruncate(fd, EPOCH_FILE_SIZE) == 0))
        m = mmap(NULL, EPOCH_FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return -1;
    q->epoch = m;
    return 0;
}

/* Word "word" of the epoch file (0 the epoch, 1 the data version), moved by
 * one when "bump", then read.  A word counts bumps from 0 and reads as one
 * more, so that a new file reads as shared (1), not as "none" (0). */
static uint64_t epoch_word(struct store *s, int word, int bump)
{
    struct sq_store *q = SQ(s);
    if (q->epoch_state == 0)
        q->epoch_state = epoch_map(q) == 0 ? 1 : -1;
    if (q->epoch_state < 0)
        return 0;
    if (bump)
        return atomic_fetch_add(q->epoch + word, 1) + 2;
    return atomic_load(q->epoch + word) + 1;
}

static uint64_t sq_epoch(struct store *s, int bump)
{
    return epoch_word(s, 0, bump);
}

/* Moved by every process's write commits (store_data_version). */
static uint64_t sq_data_version(struct store *s, int bump)
{
    return epoch_word(s, 1, bump);
}

/* BEGIN IMMEDIATE makes every transaction a write transaction to SQLite
 * (sqlite3_txn_state): whether rows changed is what tells. */
static int sq_txn_wrote(struct store *s)
{
    return sqlite3_total_changes64(SQ(s)->db) != SQ(s)->changes_at_begin;
}

/* ---- bulk loading: a prepared INSERT per row --------------------------------------
 *
 * SQLite runs in the process: a row costs a bind and a step, no round trip,
 * so a load is the INSERT of store_prepare() without the cache (the SQL is
 * built here, not a literal).  Text bound to INTEGER columns is converted by
 * the columns' affinity, as the values of a COPY are on PostgreSQL. */

struct sq_copy {
    struct store_copy base; /* owner and number of columns */
    sqlite3_stmt *handle;   /* INSERT INTO table (columns) VALUES (?, ...) */
};

static int sq_copy_begin(struct store *s, const char *table, const char *columns,
                         struct store_copy **out, struct ep_error *err)
{
    struct sq_copy *c = calloc(1, sizeof *c);
    if (!c)
        return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
    c->base.owner = s;
    c->base.ncolumns = 1;
    for (const char *p = columns; *p; p++)
        c->base.ncolumns += *p == ',';
    sqlite3_str *sql = sqlite3_str_new(SQ(s)->db);
    sqlite3_str_appendf(sql, "INSERT INTO %s (%s) VALUES (?", table, columns);
    for (int i = 1; i < c->base.ncolumns; i++)
        sqlite3_str_appendall(sql, ", ?");
    sqlite3_str_appendall(sql, ")");
    char *text = sqlite3_str_finish(sql);
    int rc = text ? sqlite3_prepare_v2(SQ(s)->db, text, -1, &c->handle, NULL) : SQLITE_NOMEM;
    sqlite3_free(text);
    if (rc != SQLITE_OK) {
        free(c);
        return fail(s, rc, "copy", err);
    }
    *out = &c->base;
    return 0;
}

static int sq_copy_row(struct store_copy *base, const char *const *values, const size_t *lens,
                       struct ep_error *err)
{
    sqlite3_stmt *h = ((struct sq_copy *)base)->handle;
    for (int i = 0; i < base->ncolumns; i++) {
        if (values[i])
            sqlite3_bind_text(h, i + 1, values[i], lens ? (int)lens[i] : -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(h, i + 1);
    }
    int rc = sqlite3_step(h);
    sqlite3_reset(h);
    return rc == SQLITE_DONE ? 0 : fail(base->owner, rc, "copy", err);
}

static int sq_copy_end(struct store_copy *base, struct ep_error *err)
{
    (void)err;
    sqlite3_finalize(((struct sq_copy *)base)->handle);
    free(base);
    return 0;
}

static const struct store_ops sqlite_ops = {
    .engine = "sqlite",
    .close = sq_close,
    .prepare = sq_prepare,
    .bind_int64 = sq_bind_int64,
    .bind_double = sq_bind_double,
    .bind_textn = sq_bind_textn,
    .bind_null = sq_bind_null,
    .step = sq_step,
    .reset = sq_stmt_reset,
    .column_count = sq_column_count,
    .column_is_null = sq_column_is_null,
    .column_int64 = sq_column_int64,
    .column_double = sq_column_double,
    .column_text = sq_column_text,
    .column_name = sq_column_name,
    .exec = sq_exec,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .last_insert_id = sq_last_insert_id,
    .changes = sq_changes,
    .autocheckpoint = sq_autocheckpoint,
    .checkpoint = sq_checkpoint,
    .log_pages = sq_log_pages,
    .sync_defer = sq_sync_defer,
    .log_sync = sq_log_sync,
    .data_sync = sq_data_sync,
    .backup = sq_backup,
    .integrity_check = sq_integrity_check,
    .notify = sq_notify,
    .listen = sq_listen,
    .wait_notify = sq_wait_notify,
    .epoch = sq_epoch,
    .data_version = sq_data_version,
    .txn_wrote = sq_txn_wrote,
    .copy_begin = sq_copy_begin,
    .copy_row = sq_copy_row,
    .copy_end = sq_copy_end,
};
