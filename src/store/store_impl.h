/*
 * store_impl.h -- what a database engine provides behind store.h.
 *
 * Private to src/store.  store.c picks the engine from the path handed to
 * store_open() ("postgresql://..." or "postgres://..." selects PostgreSQL,
 * anything else is an SQLite file) and forwards every call through the
 * engine's table of operations.  Each engine's connection and statement
 * structures begin with the common parts below, so store.c can reach the
 * table from either.
 */
#ifndef EPIGRID_STORE_STORE_IMPL_H
#define EPIGRID_STORE_STORE_IMPL_H
#include "store/store.h"

struct store_ops {
    const char *engine; /* "sqlite" or "postgresql" */
    void (*close)(struct store *s);
    struct store_stmt *(*prepare)(struct store *s, const char *sql, struct ep_error *err);
    int (*bind_int64)(struct store_stmt *st, int idx, int64_t v);
    int (*bind_double)(struct store_stmt *st, int idx, double v);
    int (*bind_textn)(struct store_stmt *st, int idx, const char *text, size_t len);
    int (*bind_null)(struct store_stmt *st, int idx);
    int (*step)(struct store_stmt *st, struct ep_error *err);
    void (*reset)(struct store_stmt *st);
    int (*column_count)(struct store_stmt *st);
    int (*column_is_null)(struct store_stmt *st, int col);
    int64_t (*column_int64)(struct store_stmt *st, int col);
    double (*column_double)(struct store_stmt *st, int col);
    const char *(*column_text)(struct store_stmt *st, int col);
    const char *(*column_name)(struct store_stmt *st, int col);
    /* store_run_deferred; NULL: the engine runs it at once (store_run). */
    int (*run_deferred)(struct store_stmt *st, struct ep_error *err);
    /* store_prefetch; NULL: nothing to do before store_step. */
    int (*prefetch)(struct store_stmt *st, struct ep_error *err);
    /* store_run_insert; NULL: store_run() and the engine's last insert id. */
    int (*run_insert)(struct store_stmt *st, int64_t *id, struct ep_error *err);
    int (*exec)(struct store *s, const char *sql, struct ep_error *err);
    int (*begin)(struct store *s, struct ep_error *err);
    int (*commit)(struct store *s, struct ep_error *err);
    /* store_lazy_failed; NULL: never. */
    int (*lazy_failed)(struct store *s);
    /* store_flush; NULL: nothing is ever waiting. */
    int (*flush)(struct store *s, struct ep_error *err);
    void (*rollback)(struct store *s);
    int64_t (*last_insert_id)(struct store *s);
    int64_t (*changes)(struct store *s);
    void (*autocheckpoint)(struct store *s, int pages);
    int (*checkpoint)(struct store *s, int *left, struct ep_error *err);
    int (*log_pages)(struct store *s);
    int (*sync_defer)(struct store *s, struct ep_error *err);
    int (*log_sync)(struct store *s, struct ep_error *err);
    int (*data_sync)(struct store *s, struct ep_error *err); /* NULL: nothing to do */
    int (*backup)(struct store *s, const char *dest_path, struct ep_error *err);
    int (*integrity_check)(struct store *s, char *out, size_t size, struct ep_error *err);
    int (*notify)(struct store *s, const char *channel, struct ep_error *err);
    int (*listen)(struct store *s, const char *channel, struct ep_error *err);
    int (*wait_notify)(struct store *s, int timeout_ms, struct ep_error *err);
    /* The data version (store_data_version) shared by every process on the
     * database: moved by one when "bump", then read; 0 if not shared.  NULL:
     * the engine shares none (the process's own count is used). */
    uint64_t (*data_version)(struct store *s, int bump);
    /* 1 when the open transaction has written (NULL: assume it has). */
    int (*txn_wrote)(struct store *s);
    /* The change epoch (store_epoch): moved by one when "bump", then read; 0 if not shared. */
    uint64_t (*epoch)(struct store *s, int bump);
    /* Optional: tells other processes of a bump (at commit inside a transaction). */
    void (*epoch_notify)(struct store *s);
    /* Optional: this connection receives the other processes' bumps. */
    int (*epoch_follow)(struct store *s, struct ep_error *err);

    /* Bulk loading (store_copy_begin and the rest), inside a transaction. */
    int (*copy_begin)(struct store *s, const char *table, const char *columns,
                      struct store_copy **out, struct ep_error *err);
    int (*copy_row)(struct store_copy *c, const char *const *values, const size_t *lens,
                    struct ep_error *err);
    int (*copy_end)(struct store_copy *c, struct ep_error *err);
};

/* The head of every engine's connection. */
struct store {
    const struct store_ops *ops;
    char *path;              /* file name or URI, for messages */
    int depth;               /* open transactions: 1 = BEGIN, more = savepoints */
    int lazy;                /* store_set_lazy(): read by the engine's nested begin and commit */
    struct store_sums *sums; /* deferred sums of the open transaction (sums.c), or NULL */
    int epoch_bump;          /* store_epoch_bump() called in the open transaction */
    struct store_memo *memo; /* the open transaction's memos (store.c), or NULL */
    uint64_t notes;          /* store_notify() calls in the open transaction */
    /* store_before_commit() hooks of the open transaction, in call order */
    struct {
        const void *key;
        store_before_commit_fn fn;
    } hooks[STORE_HOOKS_MAX];
    int nhooks;
};

/* sums.c, called by store.c around the engine's transaction operations. */
void store_sums_release(struct store *s, int level);
void store_sums_rollback(struct store *s, int level);
void store_sums_free(struct store *s);

/* The head of every engine's statement. */
struct store_stmt {
    struct store *owner; /* connection it belongs to */
    const char *sql;     /* cache key: the literal's address */
};

/* The head of every engine's open bulk load. */
struct store_copy {
    struct store *owner; /* connection it belongs to */
    int ncolumns;        /* values per row */
};

/* Engine entry points, called by store_open(). */
int store_sqlite_open(struct store **out, const char *path, int flags, struct ep_error *err);
int store_pg_open(struct store **out, const char *uri, int flags, struct ep_error *err);

#endif
