/*
 * store.c -- store.h's calls, forwarded to the engine that opened the
 * connection (store_sqlite.c or store_pg.c through their store_ops).
 *
 * Everything engine-neutral lives here: the choice of engine by path, text
 * binding by strlen, store_run, the transaction depth and the path.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"

int store_path_is_pg(const char *path)
{
    return path &&
           (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0);
}

void store_path_display(const char *path, char *out, size_t size)
{
    if (!path)
        path = "";
    if (!store_path_is_pg(path)) {
        snprintf(out, size, "%s", path);
        return;
    }
    /* scheme://user:secret@host/db?password=secret&... */
    const char *auth = strstr(path, "://") + 3;
    const char *at = strchr(auth, '@'), *slash = strchr(auth, '/'), *colon = strchr(auth, ':');
    char tmp[1024];
    if (at && (!slash || at < slash) && colon && colon < at)
        snprintf(tmp, sizeof tmp, "%.*s***%s", (int)(colon + 1 - path), path, at);
    else
        snprintf(tmp, sizeof tmp, "%s", path);
    const char *pw = strstr(tmp, "password=");
    const char *end = pw ? strchr(pw, '&') : NULL;
    if (pw)
        snprintf(out, size, "%.*spassword=***%s", (int)(pw - tmp), tmp, end ? end : "");
    else
        snprintf(out, size, "%s", tmp);
}

int store_open(struct store **out, const char *path, int flags, struct ep_error *err)
{
    if (store_path_is_pg(path))
        return store_pg_open(out, path, flags, err);
    return store_sqlite_open(out, path, flags, err);
}

/* One remembered read of the open transaction (store_memo_put). */
struct store_memo {
    const void *key;         /* the caller's static */
    size_t size;             /* bytes of data */
    struct store_memo *next; /* the transaction's other memos */
    unsigned char data[];    /* the copy */
};

static void memo_forget_all(struct store *s)
{
    while (s->memo) {
        struct store_memo *next = s->memo->next;
        free(s->memo);
        s->memo = next;
    }
}

static struct store_memo **memo_find(struct store *s, const void *key)
{
    struct store_memo **m = &s->memo;
    while (*m && (*m)->key != key)
        m = &(*m)->next;
    return m;
}

int store_memo_get(struct store *s, const void *key, void *out, size_t size)
{
    struct store_memo *m = *memo_find(s, key);
    if (s->depth == 0 || !m || m->size != size)
        return 0;
    memcpy(out, m->data, size);
    return 1;
}

void store_memo_put(struct store *s, const void *key, const void *data, size_t size)
{
    if (s->depth == 0)
        return;
    store_memo_forget(s, key);
    struct store_memo *m = malloc(sizeof *m + size);
    if (!m)
        return; /* only a read more */
    m->key = key;
    m->size = size;
    memcpy(m->data, data, size);
    m->next = s->memo;
    s->memo = m;
}

void store_memo_forget(struct store *s, const void *key)
{
    struct store_memo **m = memo_find(s, key);
    if (*m) {
        struct store_memo *gone = *m;
        *m = gone->next;
        free(gone);
    }
}

void store_close(struct store *s)
{
    if (s) {
        memo_forget_all(s);
        store_sums_free(s);
        s->ops->close(s);
    }
}

struct store_stmt *store_prepare(struct store *s, const char *sql, struct ep_error *err)
{
    return s->ops->prepare(s, sql, err);
}

int store_bind_int64(struct store_stmt *st, int idx, int64_t v)
{
    return st->owner->ops->bind_int64(st, idx, v);
}

int store_bind_int64_twice(struct store_stmt *st, int idx, int64_t v)
{
    int rc = store_bind_int64(st, idx, v);
    return rc ? rc : store_bind_int64(st, idx + 1, v);
}

int store_bind_text_twice(struct store_stmt *st, int idx, const char *text)
{
    int rc = store_bind_text(st, idx, text);
    return rc ? rc : store_bind_text(st, idx + 1, text);
}

int store_bind_double(struct store_stmt *st, int idx, double v)
{
    return st->owner->ops->bind_double(st, idx, v);
}

int store_bind_text(struct store_stmt *st, int idx, const char *text)
{
    if (!text)
        return st->owner->ops->bind_null(st, idx);
    return st->owner->ops->bind_textn(st, idx, text, strlen(text));
}

int store_bind_textn(struct store_stmt *st, int idx, const char *text, size_t len)
{
    return st->owner->ops->bind_textn(st, idx, text, len);
}

int store_bind_null(struct store_stmt *st, int idx)
{
    return st->owner->ops->bind_null(st, idx);
}

int store_step(struct store_stmt *st, struct ep_error *err)
{
    return st->owner->ops->step(st, err);
}

void store_stmt_reset(struct store_stmt *st)
{
    if (st)
        st->owner->ops->reset(st);
}

int store_step_int64s(struct store_stmt *st, int64_t *out, int n, struct ep_error *err)
{
    int rc = store_step(st, err);
    for (int i = 0; i < n; i++)
        out[i] = rc == STORE_ROW ? store_column_int64(st, i) : 0;
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

int store_column_count(struct store_stmt *st)
{
    return st->owner->ops->column_count(st);
}

int store_column_is_null(struct store_stmt *st, int col)
{
    return st->owner->ops->column_is_null(st, col);
}

int64_t store_column_int64(struct store_stmt *st, int col)
{
    return st->owner->ops->column_int64(st, col);
}

double store_column_double(struct store_stmt *st, int col)
{
    return st->owner->ops->column_double(st, col);
}

const char *store_column_text(struct store_stmt *st, int col)
{
    return st->owner->ops->column_text(st, col);
}

const char *store_column_name(struct store_stmt *st, int col)
{
    return st->owner->ops->column_name(st, col);
}

int store_run(struct store_stmt *st, struct ep_error *err)
{
    int rc = store_step(st, err);
    if (rc < 0)
        return rc;
    store_stmt_reset(st);
    return 0;
}

int store_run_deferred(struct store_stmt *st, struct ep_error *err)
{
    const struct store_ops *ops = st->owner->ops;
    return ops->run_deferred ? ops->run_deferred(st, err) : store_run(st, err);
}

int store_run_insert(struct store_stmt *st, int64_t *id, struct ep_error *err)
{
    const struct store_ops *ops = st->owner->ops;
    if (ops->run_insert)
        return ops->run_insert(st, id, err);
    int rc = store_run(st, err);
    *id = rc == 0 ? ops->last_insert_id(st->owner) : 0;
    return rc;
}

int store_prefetch(struct store_stmt *st, struct ep_error *err)
{
    const struct store_ops *ops = st->owner->ops;
    return ops->prefetch ? ops->prefetch(st, err) : 0;
}

int store_exec(struct store *s, const char *sql, struct ep_error *err)
{
    return s->ops->exec(s, sql, err);
}

int store_before_commit(struct store *s, const void *key, store_before_commit_fn fn)
{
    if (s->depth == 0)
        return -EP_EINTERNAL;
    for (int i = 0; i < s->nhooks; i++)
        if (s->hooks[i].key == key)
            return 0;
    if (s->nhooks == STORE_HOOKS_MAX)
        return -EP_EINTERNAL;
    s->hooks[s->nhooks].key = key;
    s->hooks[s->nhooks].fn = fn;
    s->nhooks++;
    return 0;
}

/* Runs the open transaction's hooks (store_before_commit), each once. */
static int hooks_run(struct store *s, struct ep_error *err)
{
    int rc = 0;
    for (int i = 0; rc == 0 && i < s->nhooks; i++)
        rc = s->hooks[i].fn(s, err);
    s->nhooks = 0;
    return rc;
}

int store_begin(struct store *s, struct ep_error *err)
{
    if (s->depth == 0) {
        store_sums_rollback(s, 1); /* nothing pending outside a transaction */
        memo_forget_all(s);
        s->nhooks = 0;
    }
    return s->ops->begin(s, err);
}

/* A bump asked for inside a transaction moves the epoch once the outermost
 * level has ended (a savepoint's bump is kept even if it rolls back: one
 * move too many only costs a cache miss). */
static void epoch_publish(struct store *s)
{
    if (s->depth == 0 && s->epoch_bump) {
        s->epoch_bump = 0;
        s->ops->epoch(s, 1);
    }
}

void store_epoch_bump(struct store *s)
{
    if (s->ops->epoch_notify)
        s->ops->epoch_notify(s);
    s->epoch_bump = 1;
    epoch_publish(s);
}

int store_epoch_follow(struct store *s, struct ep_error *err)
{
    return s->ops->epoch_follow ? s->ops->epoch_follow(s, err) : 0;
}

uint64_t store_epoch(struct store *s)
{
    return s->ops->epoch(s, 0);
}

/* Notifications of committed transactions, process-wide (store_notes_committed). */
static _Atomic uint64_t notes_committed;

/* Counts the open transaction's notifications once it has ended: committed
 * ones are added, rolled-back ones dropped (a savepoint's are kept even if it
 * rolls back: one count too many only costs a wake-up with nothing new). */
static void notes_publish(struct store *s, int committed)
{
    if (s->depth == 0 && s->notes) {
        if (committed)
            atomic_fetch_add(&notes_committed, s->notes);
        s->notes = 0;
    }
}

uint64_t store_notes_committed(void)
{
    return atomic_load(&notes_committed);
}

/* Commits of write transactions in this process (store_data_version). */
static _Atomic uint64_t data_local;

uint64_t store_data_version(struct store *s, int *shared)
{
    uint64_t v = s->ops->data_version ? s->ops->data_version(s, 0) : 0;
    *shared = v != 0;
    return v ? v : atomic_load(&data_local);
}

/* The deferred sums follow the engine's depth: a released savepoint's join
 * its parent's, a failed or rolled-back level's vanish; the outer commit
 * runs the hooks (store_before_commit), then writes them (store_sums_flush). */
int store_commit(struct store *s, struct ep_error *err)
{
    int level = s->depth;
    int rc = level == 1 ? hooks_run(s, err) : 0;
    if (rc == 0 && level == 1)
        rc = store_sums_flush(s, err);
    if (rc != 0) {
        s->ops->rollback(s);
        store_sums_rollback(s, 1);
        memo_forget_all(s);
        epoch_publish(s);
        notes_publish(s, 0);
        return rc;
    }
    int wrote = level == 1 && (!s->ops->txn_wrote || s->ops->txn_wrote(s));
    rc = s->ops->commit(s, err);
    if (rc == 0 && wrote && s->depth == 0) {
        atomic_fetch_add(&data_local, 1);
        if (s->ops->data_version)
            s->ops->data_version(s, 1);
    }
    if (rc != 0 || s->depth == 0)
        store_sums_rollback(s, rc != 0 ? level : 1);
    else
        store_sums_release(s, level);
    if (rc != 0 || s->depth == 0)
        memo_forget_all(s);
    epoch_publish(s);
    notes_publish(s, rc == 0);
    return rc;
}

void store_set_lazy(struct store *s, int on)
{
    s->lazy = on;
}

int store_lazy_failed(struct store *s)
{
    return s->ops->lazy_failed ? s->ops->lazy_failed(s) : 0;
}

int store_flush(struct store *s, struct ep_error *err)
{
    return s->ops->flush ? s->ops->flush(s, err) : 0;
}

void store_rollback(struct store *s)
{
    int level = s->depth;
    memo_forget_all(s);
    if (level <= 1)
        s->nhooks = 0;
    s->ops->rollback(s);
    store_sums_rollback(s, s->depth == 0 ? 1 : level);
    epoch_publish(s);
    notes_publish(s, 0);
}

int store_in_transaction(struct store *s)
{
    return s->depth;
}

int64_t store_last_insert_id(struct store *s)
{
    return s->ops->last_insert_id(s);
}

int64_t store_changes(struct store *s)
{
    return s->ops->changes(s);
}

const char *store_engine(struct store *s)
{
    return s->ops->engine;
}

const char *store_path(struct store *s)
{
    return s->path;
}

void store_autocheckpoint(struct store *s, int pages)
{
    s->ops->autocheckpoint(s, pages);
}

int store_checkpoint(struct store *s, int *left, struct ep_error *err)
{
    return s->ops->checkpoint(s, left, err);
}

int store_log_pages(struct store *s)
{
    return s->ops->log_pages(s);
}

int store_sync_defer(struct store *s, struct ep_error *err)
{
    return s->ops->sync_defer(s, err);
}

int store_log_sync(struct store *s, struct ep_error *err)
{
    return s->ops->log_sync(s, err);
}

int store_data_sync(struct store *s, struct ep_error *err)
{
    return s->ops->data_sync ? s->ops->data_sync(s, err) : 0;
}

int store_backup(struct store *s, const char *dest_path, struct ep_error *err)
{
    return s->ops->backup(s, dest_path, err);
}

int store_integrity_check(struct store *s, char *out, size_t size, struct ep_error *err)
{
    return s->ops->integrity_check(s, out, size, err);
}

int store_notify(struct store *s, const char *channel, struct ep_error *err)
{
    int rc = s->ops->notify(s, channel, err);
    if (rc == 0 && s->depth > 0)
        s->notes++;
    else if (rc == 0)
        atomic_fetch_add(&notes_committed, 1);
    return rc;
}

int store_listen(struct store *s, const char *channel, struct ep_error *err)
{
    return s->ops->listen(s, channel, err);
}

int store_wait_notify(struct store *s, int timeout_ms, struct ep_error *err)
{
    return s->ops->wait_notify(s, timeout_ms, err);
}

/* ---- bulk loading ---------------------------------------------------------- */

int store_copy_begin(struct store *s, const char *table, const char *columns,
                     struct store_copy **out, struct ep_error *err)
{
    *out = NULL;
    if (s->depth == 0)
        return ep_error_set(err, EP_EINTERNAL, "数据库错误:批量写入须在事务中",
                            "database error: a bulk load needs a transaction");
    return s->ops->copy_begin(s, table, columns, out, err);
}

int store_copy_row(struct store_copy *c, const char *const *values, const size_t *lens,
                   struct ep_error *err)
{
    return c->owner->ops->copy_row(c, values, lens, err);
}

int store_copy_end(struct store_copy *c, struct ep_error *err)
{
    return c ? c->owner->ops->copy_end(c, err) : 0;
}
