/*
 * walbuf.c -- the SQLite VFS of every store connection: the platform's
 * ("unix"), except that a connection's writes to its write-ahead log are
 * gathered and reach the kernel in a few large writes per commit.
 *
 * SQLite writes each frame of a commit with two system calls, its 24-byte
 * header and its page: B1's writer made 69,500 of them a second (7 per
 * report, 14 % of its time in pwrite; BENCH.md, session 15).  Here the
 * frames of a log are kept in memory while they follow one another, and
 * written out in WALBUF_CHUNK pieces:
 *
 * - when the page of a commit frame (its header's second word, the database
 *   size, is not zero) has been written: a commit's frames reach the file
 *   before SQLite publishes the commit in the shared index, so another
 *   connection never reads a committed frame that is not in the file; an
 *   error is the commit's error;
 * - before any other operation on the log (read, sync, size, truncate,
 *   close, file control): SQLite reads back what it wrote and syncs what it
 *   wrote, in that order;
 * - before a write that does not follow the gathered ones, and when
 *   WALBUF_MAX bytes are waiting;
 * - and, as a second guard, at every barrier and lock of the shared index
 *   (the database file's xShmBarrier, xShmLock), which SQLite passes before
 *   a commit is visible and when the writer lets go of the log.
 *
 * Nothing else is changed: every other file and every other call goes to
 * the platform's VFS as it came.  A crash loses only frames of a commit
 * that had not returned, as it would without the buffer.
 */
#include "store/walbuf.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#define WALBUF_NAME "epigrid"
#define WALBUF_MAX  (1 << 20) /* bytes gathered before they are written anyway */
#define WALBUF_CHUNK                                                                               \
    (64 * 1024)         /* bytes per write: SQLite 3.40.1's unix VFS cuts                          \
                         * a write to its low 17 bits (seekAndWriteFd) */
#define FRAME_HEADER 24 /* a frame's header (the log's own is 32) */

struct wb_file {
    sqlite3_file base;   /* pMethods: wb_methods */
    sqlite3_file *real;  /* the platform's file, in the same allocation */
    struct wb_file *db;  /* of a log: its database's file, NULL if not ours */
    struct wb_file *log; /* of a database: its open log, if any */
    int is_log;
    unsigned char *buf;           /* gathered writes of a log, WALBUF_MAX bytes once used */
    size_t len;                   /* bytes gathered */
    sqlite3_int64 at;             /* the log offset of buf[0] */
    sqlite3_int64 commit_page_at; /* offset of a commit frame's page still to come, or -1 */
};

static sqlite3_vfs wb_vfs;
static atomic_llong wb_writes; /* writes handed to the platform's log files */

#define REAL_VFS() ((sqlite3_vfs *)wb_vfs.pAppData)
#define WB(f)      ((struct wb_file *)(f))

/* Writes the gathered bytes out, WALBUF_CHUNK at a time. */
static int wb_flush(struct wb_file *f)
{
    size_t done = 0;
    int rc = SQLITE_OK;
    while (done < f->len && rc == SQLITE_OK) {
        size_t n = f->len - done < WALBUF_CHUNK ? f->len - done : WALBUF_CHUNK;
        rc = f->real->pMethods->xWrite(f->real, f->buf + done, (int)n, f->at + (sqlite3_int64)done);
        atomic_fetch_add_explicit(&wb_writes, 1, memory_order_relaxed);
        done += n;
    }
    f->len = 0;
    return rc;
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int wb_write(sqlite3_file *file, const void *data, int amt, sqlite3_int64 off)
{
    struct wb_file *f = WB(file);
    if (!f->is_log)
        return f->real->pMethods->xWrite(f->real, data, amt, off);
    int follows = f->len > 0 && off == f->at + (sqlite3_int64)f->len;
    if (!follows || f->len + (size_t)amt > WALBUF_MAX) {
        int rc = wb_flush(f);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (!f->buf)
        f->buf = sqlite3_malloc(WALBUF_MAX);
    if (!f->buf || amt > WALBUF_MAX) {
        atomic_fetch_add_explicit(&wb_writes, 1, memory_order_relaxed);
        return f->real->pMethods->xWrite(f->real, data, amt, off);
    }
    if (f->len == 0)
        f->at = off;
    memcpy(f->buf + f->len, data, (size_t)amt);
    f->len += (size_t)amt;
    if (amt == FRAME_HEADER) { /* a frame's header: is it the commit's? */
        f->commit_page_at = get32((const unsigned char *)data + 4) ? off + FRAME_HEADER : -1;
        return SQLITE_OK;
    }
    if (off == f->commit_page_at) { /* the commit frame is complete */
        f->commit_page_at = -1;
        return wb_flush(f);
    }
    return SQLITE_OK;
}

/* Every other operation on a log first writes out what is gathered. */
#define FLUSHED(f)                                                                                 \
    do {                                                                                           \
        if ((f)->len) {                                                                            \
            int flush_rc_ = wb_flush(f);                                                           \
            if (flush_rc_ != SQLITE_OK)                                                            \
                return flush_rc_;                                                                  \
        }                                                                                          \
    } while (0)

static int wb_close(sqlite3_file *file)
{
    struct wb_file *f = WB(file);
    int rc = f->len ? wb_flush(f) : SQLITE_OK;
    if (f->db && f->db->log == f)
        f->db->log = NULL;
    if (f->log)
        f->log->db = NULL;
    sqlite3_free(f->buf);
    f->buf = NULL;
    int rc2 = f->real->pMethods->xClose(f->real);
    return rc != SQLITE_OK ? rc : rc2;
}

static int wb_read(sqlite3_file *file, void *data, int amt, sqlite3_int64 off)
{
    FLUSHED(WB(file));
    return WB(file)->real->pMethods->xRead(WB(file)->real, data, amt, off);
}

static int wb_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    FLUSHED(WB(file));
    return WB(file)->real->pMethods->xTruncate(WB(file)->real, size);
}

static int wb_sync(sqlite3_file *file, int flags)
{
    FLUSHED(WB(file));
    return WB(file)->real->pMethods->xSync(WB(file)->real, flags);
}

static int wb_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    FLUSHED(WB(file));
    return WB(file)->real->pMethods->xFileSize(WB(file)->real, size);
}

static int wb_lock(sqlite3_file *file, int level)
{
    return WB(file)->real->pMethods->xLock(WB(file)->real, level);
}

static int wb_unlock(sqlite3_file *file, int level)
{
    return WB(file)->real->pMethods->xUnlock(WB(file)->real, level);
}

static int wb_check_reserved(sqlite3_file *file, int *out)
{
    return WB(file)->real->pMethods->xCheckReservedLock(WB(file)->real, out);
}

static int wb_file_control(sqlite3_file *file, int op, void *arg)
{
    FLUSHED(WB(file));
    return WB(file)->real->pMethods->xFileControl(WB(file)->real, op, arg);
}

static int wb_sector_size(sqlite3_file *file)
{
    return WB(file)->real->pMethods->xSectorSize(WB(file)->real);
}

static int wb_device_characteristics(sqlite3_file *file)
{
    return WB(file)->real->pMethods->xDeviceCharacteristics(WB(file)->real);
}

static int wb_shm_map(sqlite3_file *file, int page, int size, int extend, void volatile **out)
{
    return WB(file)->real->pMethods->xShmMap(WB(file)->real, page, size, extend, out);
}

/* The second guard (see the top): the log of this database file written
 * out before the shared index moves or a lock changes. */
static void flush_log_of(struct wb_file *db)
{
    if (db->log && db->log->len)
        wb_flush(db->log); /* an error here was already the commit's (wb_write) */
}

static int wb_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    flush_log_of(WB(file));
    return WB(file)->real->pMethods->xShmLock(WB(file)->real, offset, n, flags);
}

static void wb_shm_barrier(sqlite3_file *file)
{
    flush_log_of(WB(file));
    WB(file)->real->pMethods->xShmBarrier(WB(file)->real);
}

static int wb_shm_unmap(sqlite3_file *file, int delete_flag)
{
    return WB(file)->real->pMethods->xShmUnmap(WB(file)->real, delete_flag);
}

static int wb_fetch(sqlite3_file *file, sqlite3_int64 off, int amt, void **out)
{
    sqlite3_file *real = WB(file)->real;
    if (real->pMethods->iVersion < 3 || !real->pMethods->xFetch) {
        *out = NULL;
        return SQLITE_OK;
    }
    return real->pMethods->xFetch(real, off, amt, out);
}

static int wb_unfetch(sqlite3_file *file, sqlite3_int64 off, void *p)
{
    sqlite3_file *real = WB(file)->real;
    if (real->pMethods->iVersion < 3 || !real->pMethods->xUnfetch)
        return SQLITE_OK;
    return real->pMethods->xUnfetch(real, off, p);
}

static const sqlite3_io_methods wb_methods = {
    .iVersion = 3,
    .xClose = wb_close,
    .xRead = wb_read,
    .xWrite = wb_write,
    .xTruncate = wb_truncate,
    .xSync = wb_sync,
    .xFileSize = wb_file_size,
    .xLock = wb_lock,
    .xUnlock = wb_unlock,
    .xCheckReservedLock = wb_check_reserved,
    .xFileControl = wb_file_control,
    .xSectorSize = wb_sector_size,
    .xDeviceCharacteristics = wb_device_characteristics,
    .xShmMap = wb_shm_map,
    .xShmLock = wb_shm_lock,
    .xShmBarrier = wb_shm_barrier,
    .xShmUnmap = wb_shm_unmap,
    .xFetch = wb_fetch,
    .xUnfetch = wb_unfetch,
};

static int wb_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags,
                   int *out_flags)
{
    (void)vfs;
    struct wb_file *f = WB(file);
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    f->commit_page_at = -1;
    int rc = REAL_VFS()->xOpen(REAL_VFS(), name, f->real, flags, out_flags);
    /* SQLite calls xClose whenever pMethods is set, also after a failure. */
    file->pMethods = f->real->pMethods ? &wb_methods : NULL;
    if (rc != SQLITE_OK || !(flags & SQLITE_OPEN_WAL) || !name)
        return rc;
    f->is_log = 1;
    sqlite3_file *db = sqlite3_database_file_object(name);
    if (db && db->pMethods == &wb_methods) {
        f->db = WB(db);
        f->db->log = f;
    }
    return rc;
}

/* The rest of the VFS is the platform's. */
static int wb_delete(sqlite3_vfs *v, const char *name, int sync_dir)
{
    (void)v;
    return REAL_VFS()->xDelete(REAL_VFS(), name, sync_dir);
}

static int wb_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
    (void)v;
    return REAL_VFS()->xAccess(REAL_VFS(), name, flags, out);
}

static int wb_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out)
{
    (void)v;
    return REAL_VFS()->xFullPathname(REAL_VFS(), name, n, out);
}

static void *wb_dl_open(sqlite3_vfs *v, const char *name)
{
    (void)v;
    return REAL_VFS()->xDlOpen(REAL_VFS(), name);
}

static void wb_dl_error(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    REAL_VFS()->xDlError(REAL_VFS(), n, out);
}

static void (*wb_dl_sym(sqlite3_vfs *v, void *lib, const char *sym))(void)
{
    (void)v;
    return REAL_VFS()->xDlSym(REAL_VFS(), lib, sym);
}

static void wb_dl_close(sqlite3_vfs *v, void *lib)
{
    (void)v;
    REAL_VFS()->xDlClose(REAL_VFS(), lib);
}

static int wb_randomness(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return REAL_VFS()->xRandomness(REAL_VFS(), n, out);
}

static int wb_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return REAL_VFS()->xSleep(REAL_VFS(), us);
}

static int wb_current_time(sqlite3_vfs *v, double *out)
{
    (void)v;
    return REAL_VFS()->xCurrentTime(REAL_VFS(), out);
}

static int wb_last_error(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return REAL_VFS()->xGetLastError ? REAL_VFS()->xGetLastError(REAL_VFS(), n, out) : 0;
}

static int wb_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
    (void)v;
    return REAL_VFS()->xCurrentTimeInt64(REAL_VFS(), out);
}

static pthread_once_t wb_once = PTHREAD_ONCE_INIT;
static int wb_registered;

static void wb_register(void)
{
    sqlite3_vfs *real = sqlite3_vfs_find(NULL);
    if (!real || real->iVersion < 2 || !real->xCurrentTimeInt64)
        return; /* store_sqlite_open then uses the default */
    wb_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(struct wb_file) + real->szOsFile,
        .mxPathname = real->mxPathname,
        .zName = WALBUF_NAME,
        .pAppData = real,
        .xOpen = wb_open,
        .xDelete = wb_delete,
        .xAccess = wb_access,
        .xFullPathname = wb_full_pathname,
        .xDlOpen = wb_dl_open,
        .xDlError = wb_dl_error,
        .xDlSym = wb_dl_sym,
        .xDlClose = wb_dl_close,
        .xRandomness = wb_randomness,
        .xSleep = wb_sleep,
        .xCurrentTime = wb_current_time,
        .xGetLastError = wb_last_error,
        .xCurrentTimeInt64 = wb_current_time64,
    };
    wb_registered = sqlite3_vfs_register(&wb_vfs, 0) == SQLITE_OK;
}

const char *walbuf_vfs(void)
{
    pthread_once(&wb_once, wb_register);
    return wb_registered ? WALBUF_NAME : NULL;
}

long long walbuf_writes(void)
{
    return atomic_load_explicit(&wb_writes, memory_order_relaxed);
}
