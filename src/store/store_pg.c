/*
 * store_pg.c -- the PostgreSQL implementation of store.h, on libpq.
 *
 * Same contract as store_sqlite.c, so that several `epigrid serve` processes
 * on one database behave as one:
 *
 *  - Statements are cached per connection by the SQL literal's address,
 *    rewritten once (pg_dialect.c) and prepared on their first execution.
 *    Parameters go as text with their types left to the server to infer from
 *    the statement, which is how SQLite treats them; when the server cannot
 *    infer one (`? IS NULL`, an ambiguous function), the statement is
 *    prepared again with the bound values' own types.
 *  - Results are fetched whole, so a caller may run other statements on the
 *    same connection while it walks a result, as it may with SQLite.
 *  - store_begin() opens the transaction and takes one transaction-scoped
 *    advisory lock (pg_advisory_xact_lock): write transactions are serialised
 *    across every connection of every process, exactly the guarantee of
 *    SQLite's BEGIN IMMEDIATE that the domain modules' check-then-write code
 *    relies on.  Reads outside transactions never wait for it.  Roll-up
 *    counters are additionally written with INSERT ... ON CONFLICT DO UPDATE,
 *    so they are correct even outside the lock.
 *  - INSERTs into tables with an identity `id` return it (RETURNING id), for
 *    store_last_insert_id(); an INSERT that sets `id` itself (bulk loads)
 *    moves the table's sequence past it before the transaction commits.
 *  - Errors map to the same codes: integrity violations (SQLSTATE class 23,
 *    including the append-only triggers) EP_ECONFLICT; serialisation
 *    failures, lock timeouts, a full disk, a read-only server and a lost
 *    connection EP_EUNAVAILABLE (a lost connection is re-opened on the next
 *    call outside a transaction); anything else EP_EINTERNAL.
 *  - store_notify()/store_listen()/store_wait_notify() are LISTEN/NOTIFY.
 *  - Fewer round trips inside a transaction (libpq pipeline mode): a nested
 *    store_begin() sends its SAVEPOINT only with the level's first statement
 *    (a level opened right after its parent, with nothing in between, shares
 *    the parent's savepoint: rolling back to it undoes the same), RELEASE and
 *    store_run_deferred() writes are queued, and the queue goes out with the
 *    next statement that needs an answer, in one round trip.  The queue only
 *    ever holds writes of the innermost level: a level's commit, and the
 *    begin of a level inside it, send it first, so a deferred write's error
 *    fails a statement or the commit of its own level.  Anything that talks
 *    to the server outside pg_step() calls ready() (or settle()) first: a
 *    connection in pipeline mode refuses PQexec.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <stdatomic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/pg_dialect.h"
#include "store/stmt_cache.h"
#include "store/store_impl.h"
#include "util/log.h"

#define TABLES_MAX     8          /* tables with explicit ids per transaction */
#define WRITE_LOCK_KEY "84114711" /* pg_advisory_xact_lock key: the write lock */
#define OID_BOOL       16
#define OID_INT8       20
#define OID_TEXT       25
#define OID_FLOAT8     701
#define EPOCH_CHANNEL  "epigrid_epoch" /* store_epoch_bump() across processes */
#define LEVELS_MAX     32              /* transaction levels (BEGIN and savepoints) */
#define QUEUE_MAX      64              /* queued statements before they are sent anyway */
#define FETCH_MAX      (QUEUE_MAX + 8) /* queue positions whose answer may be kept */
#define SENT_NAME_SIZE 32              /* a prepared statement's name with its "t" (typed) */

struct pg_stmt {
    struct store_stmt base;  /* owner and cache key */
    char *text;              /* rewritten SQL */
    int nparams;             /* placeholders */
    char **values;           /* bound values as text, NULL = SQL NULL */
    Oid *types;              /* the bound values' own types */
    char name[24];           /* server-side prepared statement name */
    int prepared;            /* 1 once prepared on this connection */
    int typed;               /* 1 when prepared with the bound types */
    int returning_id;        /* 1: "RETURNING id" appended, the row is not a result */
    int explicit_id;         /* 1: the INSERT sets the identity column itself */
    char table[64];          /* the INSERT's table, for explicit_id */
    PGresult *res;           /* the current result, or NULL before execution */
    int row;                 /* current row of res */
    int pending;             /* 1: prefetched, its answer still in the queue (fetch[]) */
    struct pg_stmt *with_id; /* store_run_insert: the same INSERT naming `id` (id_insert) */
};

struct pg_store {
    struct store base;
    PGconn *conn;
    int next_name;                 /* prepared statement counter */
    int64_t last_id;               /* last RETURNING id */
    int64_t changes;               /* rows changed by the last statement */
    int nexplicit;                 /* entries of explicit[] */
    char explicit[TABLES_MAX][64]; /* tables whose sequences must catch up */
    int64_t next_id[TABLES_MAX];   /* store_run_insert: explicit[i]'s next id, 0 unknown */
    struct stmt_cache cache;       /* prepared statements (struct pg_stmt) */
    int queued;                    /* statements sent in pipeline mode, results not read */
    int queued_writes;             /* of which store_run_deferred() writes */
    int lazy_upto;   /* lazy levels: the first lazy_upto queued statements are of other levels */
    int lazy_failed; /* 1: one of those failed since BEGIN (store_lazy_failed) */
    struct pg_stmt *fetch[FETCH_MAX];     /* queue position -> the prefetched statement that
                                             keeps its answer (store_prefetch), or NULL */
    int sp[LEVELS_MAX + 1];               /* level (2..depth): savepoint it rolls back to, 0 = not
                                             sent yet (nothing ran in the level) */
    int epoch_follower;                   /* 1: LISTENs on EPOCH_CHANNEL for the process */
    unsigned char sp_own[LEVELS_MAX + 1]; /* 1: the level sent sp[level] itself (releases it) */
};

static const struct store_ops pg_ops;

static struct pg_store *PG(struct store *s)
{
    return (struct pg_store *)s;
}

static struct pg_stmt *PS(struct store_stmt *st)
{
    return (struct pg_stmt *)st;
}

static void quiet_notices(void *arg, const char *message)
{
    (void)arg, (void)message;
}

/* Fills "err" from a failed result (or the connection when res is NULL) and
 * returns the negative code. */
static int fail(struct store *s, const PGresult *res, const char *what, struct ep_error *err)
{
    PGconn *conn = PG(s)->conn;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!detail)
        detail = PQerrorMessage(conn);
    if (!state)
        state = "";
    if (PQstatus(conn) != CONNECTION_OK || strncmp(state, "08", 2) == 0 ||
        strncmp(state, "57P", 3) == 0) {
        log_error("postgresql %s: connection lost: %s", what, detail);
        return ep_error_set(err, EP_EUNAVAILABLE, "数据库连接中断,请稍后重试",
                            "database connection lost, please retry");
    }
    if (strncmp(state, "23", 2) == 0)
        return ep_error_set(err, EP_ECONFLICT, "数据冲突:%s", "conflict: %s", detail);
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 ||
        strcmp(state, "57014") == 0)
        return ep_error_set(err, EP_EUNAVAILABLE, "数据库繁忙,请稍后重试",
                            "database busy, please retry");
    if (strcmp(state, "53100") == 0)
        return ep_error_set(err, EP_EUNAVAILABLE,
                            "磁盘已满,暂时无法保存(未写入任何数据);查询不受影响,腾出空间后自动恢复",
                            "disk full: nothing was saved; reads still work and writes resume "
                            "once space is freed");
    if (strcmp(state, "25006") == 0)
        return ep_error_set(err, EP_EUNAVAILABLE,
                            "数据库只读,暂时无法保存(未写入任何数据);查询不受影响",
                            "database is read-only: nothing was saved; reads still work");
    log_error("postgresql %s failed: %s (%s)", what, detail, state);
    return ep_error_set(err, EP_EINTERNAL, "数据库错误", "database error");
}

/* Runs parameterless SQL; returns 0 or the negative code with "err" set. */
static int run_simple(struct store *s, const char *sql, const char *what, struct ep_error *err)
{
    PGresult *res = PQexec(PG(s)->conn, sql);
    ExecStatusType rs = PQresultStatus(res);
    int rc = 0;
    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK)
        rc = fail(s, res, what, err);
    PQclear(res);
    return rc;
}

/* ---- the queue (pipeline mode) ---------------------------------------- */

/* Sends a statement without waiting for its answer: the prepared statement
 * "name" with "values", or parameterless "sql" when name is NULL.  "write"
 * counts it among the level's deferred writes.  Returns 0 or negative with
 * "err" set (the connection failed). */
static int queue_send(struct store *s, const char *name, int nvalues, const char *const *values,
                      const char *sql, int write, struct pg_stmt *target, struct ep_error *err)
{
    struct pg_store *p = PG(s);
    if (PQpipelineStatus(p->conn) == PQ_PIPELINE_OFF && !PQenterPipelineMode(p->conn))
        return fail(s, NULL, "pipeline", err);
    int ok = name ? PQsendQueryPrepared(p->conn, name, nvalues, values, NULL, NULL, 0)
                  : PQsendQueryParams(p->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
    if (!ok)
        return fail(s, NULL, "pipeline", err);
    if (p->queued < FETCH_MAX)
        p->fetch[p->queued] = target;
    if (target)
        target->pending = 1;
    p->queued++;
    if (write)
        p->queued_writes++;
    return 0;
}

/* Sends the queue with a sync point, reads every answer and leaves pipeline
 * mode.  Returns 0, or the first error (later statements were skipped by the
 * server) with "err" set.  "last" (may be NULL) receives the answer of the
 * last queued statement when all went well, for the caller to PQclear; a
 * prefetched statement receives its own (none after an error: stepped, it
 * runs again). */
static int settle(struct store *s, PGresult **last, struct ep_error *err)
{
    struct pg_store *p = PG(s);
    int n = p->queued, rc = 0, lazy = p->lazy_upto;
    if (n == 0)
        return 0;
    p->queued = p->queued_writes = p->lazy_upto = 0;
    if (!PQpipelineSync(p->conn))
        rc = fail(s, NULL, "pipeline sync", err);
    for (int i = 0; i < n && rc == 0; i++) {
        PGresult *res = PQgetResult(p->conn);
        ExecStatusType rs = PQresultStatus(res);
        if (!res || rs == PGRES_PIPELINE_ABORTED)
            rc = fail(s, NULL, "pipeline", err);
        else if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK)
            rc = fail(s, res, "deferred statement", err);
        if (rc != 0 && i < lazy)
            p->lazy_failed = 1;
        struct pg_stmt *target = i < FETCH_MAX ? p->fetch[i] : NULL;
        if (target)
            target->pending = 0;
        if (rc == 0 && last && i == n - 1) {
            *last = res;
        } else if (rc == 0 && target) {
            target->res = res;
            target->row = -1;
        } else {
            PQclear(res);
        }
        if (res)
            PQclear(PQgetResult(p->conn)); /* the NULL that ends each statement's answers */
    }
    for (int i = 0; i < n && i < FETCH_MAX; i++) { /* those skipped after an error */
        if (p->fetch[i])
            p->fetch[i]->pending = 0;
        p->fetch[i] = NULL;
    }
    /* After an error the server skips the rest up to the sync point: read
     * (and drop) what is left, then the sync itself. */
    for (int guard = 0; guard <= 2 * n + 4; guard++) {
        PGresult *res = PQgetResult(p->conn);
        if (!res) {
            if (PQstatus(p->conn) != CONNECTION_OK)
                break;
            continue;
        }
        ExecStatusType rs = PQresultStatus(res);
        PQclear(res);
        if (rs == PGRES_PIPELINE_SYNC)
            break;
    }
    if (!PQexitPipelineMode(p->conn) && rc == 0)
        rc = fail(s, NULL, "pipeline", err);
    return rc;
}

/* Queues the SAVEPOINT of the levels opened since the last statement: one
 * for all of them, since nothing ran between their beginnings. */
static int materialize(struct store *s, struct ep_error *err)
{
    struct pg_store *p = PG(s);
    int first = s->depth + 1;
    while (first > 2 && p->sp[first - 1] == 0)
        first--;
    if (first > s->depth)
        return 0;
    char sql[32];
    snprintf(sql, sizeof sql, "SAVEPOINT sp%d", first);
    int rc = queue_send(s, NULL, 0, NULL, sql, 0, NULL, err);
    if (rc != 0)
        return rc;
    for (int level = first; level <= s->depth; level++) {
        p->sp[level] = first;
        p->sp_own[level] = level == first;
    }
    return 0;
}

/* Before a statement that is not queued: open savepoints sent, the queue
 * answered, pipeline mode left. */
static int ready(struct store *s, struct ep_error *err)
{
    int rc = materialize(s, err);
    return rc ? rc : settle(s, NULL, err);
}

/* After a reconnect the server knows none of the prepared statements. */
static void stmt_unprepared(struct store_stmt *st, void *arg)
{
    (void)arg;
    for (struct pg_stmt *ps = (struct pg_stmt *)st; ps; ps = ps->with_id)
        ps->prepared = ps->typed = 0;
}

/* ---- the change epoch ----------------------------------------------------
 *
 * store_epoch() on PostgreSQL is a count kept by the process, shared with the
 * other processes through NOTIFY: store_epoch_bump() sends a notification on
 * EPOCH_CHANNEL inside the bumping transaction (delivered only if it
 * commits), and a connection that follows the channel (store_epoch_follow():
 * the server's listener) moves the count at each one it receives.  The count
 * also moves at once after this process's own bumps, and whenever a follower
 * starts or stops: what was kept before a gap in listening is never used
 * after it.  With no follower -- a CLI process, a server whose listener lost
 * its connection -- store_epoch() is 0 and nothing may be kept.  The window
 * in which another process still uses what it kept is the notification's
 * way from PostgreSQL to its listener (tests/api/session.test.mjs measures
 * it; docs/scale.md). */
static _Atomic uint64_t epoch_count = 1;
static atomic_int epoch_followers;

static void epoch_unfollow(struct pg_store *p)
{
    if (!p->epoch_follower)
        return;
    p->epoch_follower = 0;
    atomic_fetch_sub(&epoch_followers, 1);
    atomic_fetch_add(&epoch_count, 1);
}

/* Outside a transaction, re-opens a lost connection; its prepared
 * statements are gone with it. */
static void revive(struct store *s)
{
    struct pg_store *p = PG(s);
    if (PQstatus(p->conn) == CONNECTION_OK || s->depth > 0)
        return;
    epoch_unfollow(p); /* the new connection no longer LISTENs */
    for (int i = 0; i < p->queued && i < FETCH_MAX; i++)
        if (p->fetch[i]) {
            p->fetch[i]->pending = 0;
            p->fetch[i] = NULL;
        }
    p->queued = p->queued_writes = 0;
    if (PQpipelineStatus(p->conn) != PQ_PIPELINE_OFF)
        PQexitPipelineMode(p->conn);
    PQreset(p->conn);
    if (PQstatus(p->conn) != CONNECTION_OK)
        return;
    log_info("postgresql: reconnected to %s", PQdb(p->conn));
    stmt_cache_each(&p->cache, stmt_unprepared, NULL);
    PQexec(p->conn, "SET client_min_messages = warning");
}

int store_pg_open(struct store **out, const char *uri, int flags, struct ep_error *err)
{
    *out = NULL;
    struct pg_store *p = calloc(1, sizeof *p);
    if (!p)
        return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
    struct store *s = &p->base;
    s->ops = &pg_ops;
    s->path = strdup(uri);
    p->conn = PQconnectdb(uri);
    if (PQstatus(p->conn) != CONNECTION_OK) {
        /* libpq's message may name the host and user, never the password */
        ep_error_set(err, EP_EUNAVAILABLE, "无法连接数据库:%s",
                     "cannot connect to the database: %s", PQerrorMessage(p->conn));
        s->ops->close(s);
        return -EP_EUNAVAILABLE;
    }
    PQsetNoticeProcessor(p->conn, quiet_notices, NULL);
    const char *setup = (flags & STORE_OPEN_BULK)
                            ? "SET client_min_messages = warning; SET synchronous_commit = off"
                            : "SET client_min_messages = warning";
    if (run_simple(s, setup, "open", err) != 0) {
        s->ops->close(s);
        return -EP_EUNAVAILABLE;
    }
    *out = s;
    return 0;
}

static void stmt_free(struct pg_stmt *st)
{
    if (st->with_id)
        stmt_free(st->with_id);
    for (int i = 0; st->values && i < st->nparams; i++)
        free(st->values[i]);
    PQclear(st->res);
    free(st->values);
    free(st->types);
    free(st->text);
    free(st);
}

static void stmt_free_each(struct store_stmt *st, void *arg)
{
    (void)arg;
    stmt_free((struct pg_stmt *)st);
}

static void pg_close(struct store *s)
{
    struct pg_store *p = PG(s);
    epoch_unfollow(p);
    stmt_cache_each(&p->cache, stmt_free_each, NULL);
    stmt_cache_free(&p->cache);
    if (p->conn)
        PQfinish(p->conn);
    free(s->path);
    free(p);
}

/* The table an INSERT writes to, and whether its column list names `id`. */
static int insert_target(const char *sql, char *table, size_t size, int *sets_id)
{
    *sets_id = 0;
    while (*sql == ' ' || *sql == '\n')
        sql++;
    if (strncasecmp(sql, "INSERT INTO ", 12) != 0)
        return 0;
    sql += 12;
    size_t n = strspn(sql, "abcdefghijklmnopqrstuvwxyz_0123456789");
    if (n == 0 || n >= size)
        return 0;
    memcpy(table, sql, n);
    table[n] = '\0';
    const char *cols = sql + n;
    while (*cols == ' ')
        cols++;
    if (*cols == '(') {
        cols++;
        while (*cols == ' ')
            cols++;
        *sets_id =
            strncmp(cols, "id", 2) == 0 && (cols[2] == ',' || cols[2] == ' ' || cols[2] == ')');
    }
    return 1;
}

/* 1 when "table" has an identity column `id`. */
static int has_identity_id(struct store *s, const char *table)
{
    const char *params[1] = {table};
    PGresult *res = PQexecParams(PG(s)->conn,
                                 "SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1)"
                                 " AND attname = 'id' AND attidentity <> ''",
                                 1, NULL, params, NULL, NULL, 0);
    int yes = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
    PQclear(res);
    return yes;
}

static struct store_stmt *pg_prepare(struct store *s, const char *sql, struct ep_error *err)
{
    struct pg_store *p = PG(s);
    struct store_stmt *found = stmt_cache_get(&p->cache, sql);
    if (found)
        return found;
    struct pg_stmt *st = calloc(1, sizeof *st);
    int nparams = 0;
    char *text = st ? pg_dialect_query(sql, &nparams) : NULL;
    if (!st || !text) {
        free(st);
        ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
        return NULL;
    }
    st->base.sql = sql;
    st->base.owner = s;
    st->nparams = nparams;
    st->values = calloc((size_t)nparams + 1, sizeof *st->values);
    st->types = calloc((size_t)nparams + 1, sizeof *st->types);
    if (!st->values || !st->types) {
        free(text);
        stmt_free(st);
        ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
        return NULL;
    }
    int sets_id = 0;
    int insert =
        insert_target(text, st->table, sizeof st->table, &sets_id) && !strstr(text, "RETURNING");
    if (insert && settle(s, NULL, err) != 0) { /* the catalog query below is not queued */
        free(text);
        stmt_free(st);
        return NULL;
    }
    if (insert && has_identity_id(s, st->table)) {
        size_t len = strlen(text);
        char *more = realloc(text, len + sizeof " RETURNING id");
        if (!more) {
            free(text);
            stmt_free(st);
            ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
            return NULL;
        }
        text = more;
        memcpy(text + len, " RETURNING id", sizeof " RETURNING id");
        st->returning_id = 1;
        st->explicit_id = sets_id;
    }
    st->text = text;
    snprintf(st->name, sizeof st->name, "e%d", ++p->next_name);
    if (stmt_cache_put(&p->cache, &st->base) != 0) {
        stmt_free(st);
        ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
        return NULL;
    }
    return &st->base;
}

static int bind_value(struct store_stmt *st, int idx, char *value, Oid type)
{
    struct pg_stmt *ps = PS(st);
    if (idx < 1 || idx > ps->nparams) {
        free(value);
        return -EP_EINTERNAL;
    }
    free(ps->values[idx - 1]);
    ps->values[idx - 1] = value;
    ps->types[idx - 1] = type;
    return 0;
}

static int pg_bind_int64(struct store_stmt *st, int idx, int64_t v)
{
    char *t = malloc(24);
    if (!t)
        return -EP_EINTERNAL;
    snprintf(t, 24, "%lld", (long long)v);
    return bind_value(st, idx, t, OID_INT8);
}

static int pg_bind_double(struct store_stmt *st, int idx, double v)
{
    char *t = malloc(32);
    if (!t)
        return -EP_EINTERNAL;
    snprintf(t, 32, "%.17g", v);
    return bind_value(st, idx, t, OID_FLOAT8);
}

static int pg_bind_textn(struct store_stmt *st, int idx, const char *text, size_t len)
{
    char *t = malloc(len + 1);
    if (!t)
        return -EP_EINTERNAL;
    memcpy(t, text, len);
    t[len] = '\0';
    return bind_value(st, idx, t, OID_TEXT);
}

static int pg_bind_null(struct store_stmt *st, int idx)
{
    return bind_value(st, idx, NULL, OID_TEXT);
}

/* SQLSTATEs of "the server could not infer a parameter's type". */
static int type_inference_failed(const PGresult *res)
{
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    return state && (strcmp(state, "42P18") == 0 || strcmp(state, "42725") == 0 ||
                     strcmp(state, "42883") == 0 || strcmp(state, "42804") == 0);
}

/* Prepares "st" on the server: first with every parameter's type left to
 * inference, then, if that fails, with the bound values' types.  Inside a
 * transaction a failed attempt would abort it, so the attempts run inside a
 * savepoint of their own. */
static int prepare_on_server(struct store *s, struct pg_stmt *st, struct ep_error *err)
{
    PGconn *conn = PG(s)->conn;
    int guarded = s->depth > 0;
    int grc = guarded ? run_simple(s, "SAVEPOINT epigrid_prepare", "prepare", err) : 0;
    if (grc != 0)
        return grc;
    PGresult *res = PQprepare(conn, st->name, st->text, st->nparams, NULL);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        if (!type_inference_failed(res)) {
            rc = fail(s, res, "prepare", err);
            log_error("while preparing: %s", st->text);
        } else {
            PQclear(res);
            if (guarded)
                PQclear(PQexec(conn, "ROLLBACK TO SAVEPOINT epigrid_prepare"));
            char name[SENT_NAME_SIZE];
            snprintf(name, sizeof name, "%st", st->name);
            res = PQprepare(conn, name, st->text, st->nparams, st->types);
            if (PQresultStatus(res) == PGRES_COMMAND_OK) {
                st->typed = 1;
            } else {
                rc = fail(s, res, "prepare", err);
                log_error("while preparing: %s", st->text);
            }
        }
    }
    PQclear(res);
    if (guarded) {
        if (rc != 0)
            PQclear(PQexec(conn, "ROLLBACK TO SAVEPOINT epigrid_prepare"));
        PQclear(PQexec(conn, "RELEASE SAVEPOINT epigrid_prepare"));
    }
    if (rc == 0)
        st->prepared = 1;
    return rc;
}

/* Moves the sequence of "table" past its highest id (after explicit ids). */
static int catch_up_sequence(struct store *s, const char *table, struct ep_error *err)
{
    const char *params[1] = {table};
    /* The table name cannot be a parameter in FROM: it comes from our own
     * SQL literal (insert_target accepts [a-z0-9_] only), so it is spliced. */
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT setval(pg_get_serial_sequence($1, 'id'),"
             " COALESCE((SELECT max(id) FROM %s), 0) + 1, false)",
             table);
    PGresult *res = PQexecParams(PG(s)->conn, sql, 1, NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : fail(s, res, "setval", err);
    PQclear(res);
    return rc;
}

static int note_explicit(struct store *s, const char *table, struct ep_error *err)
{
    struct pg_store *p = PG(s);
    if (s->depth == 0)
        return catch_up_sequence(s, table, err);
    for (int i = 0; i < p->nexplicit; i++)
        if (strcmp(p->explicit[i], table) == 0)
            return 0;
    if (p->nexplicit == TABLES_MAX)
        return catch_up_sequence(s, table, err);
    p->next_id[p->nexplicit] = 0;
    snprintf(p->explicit[p->nexplicit++], sizeof p->explicit[0], "%s", table);
    return 0;
}

/* Readies "ps" to be sent, and writes the name it is prepared under into
 * "name": prepared on the server first if it is not yet (after the queue is
 * answered: preparing waits for its own answer), and the savepoints of the
 * levels opened since the last statement queued ahead of it.  Returns 0 or
 * negative with "err" set. */
static int statement_ready(struct store *s, struct pg_stmt *ps, char name[SENT_NAME_SIZE],
                           struct ep_error *err)
{
    int rc = ps->prepared ? 0 : settle(s, NULL, err);
    if (rc == 0 && !ps->prepared)
        rc = prepare_on_server(s, ps, err);
    if (rc == 0)
        rc = materialize(s, err);
    snprintf(name, SENT_NAME_SIZE, "%s%s", ps->name, ps->typed ? "t" : "");
    return rc;
}

/* Queues "ps" with its bound values (statement_ready() first).  With
 * "want_answer" settle() keeps its answer in ps->res (store_prefetch);
 * without, it is a deferred write, counted among the level's, whose answer
 * is only checked (store_run_deferred).  Returns 0 or negative with "err"
 * set. */
static int queue_statement(struct store *s, struct pg_stmt *ps, int want_answer,
                           struct ep_error *err)
{
    char name[SENT_NAME_SIZE];
    int rc = statement_ready(s, ps, name, err);
    if (rc != 0)
        return rc;
    return queue_send(s, name, ps->nparams, (const char *const *)ps->values, NULL, !want_answer,
                      want_answer ? ps : NULL, err);
}

static void pg_reset(struct store_stmt *st);
static int sequence_first(struct store *s, const char *table, struct ep_error *err);

static int pg_step(struct store_stmt *st, struct ep_error *err)
{
    struct pg_stmt *ps = PS(st);
    struct store *s = st->owner;
    struct pg_store *p = PG(s);
    if (ps->pending) { /* prefetched: its answer comes with the queue's */
        int rc = settle(s, NULL, err);
        if (rc != 0) {
            st->owner->ops->reset(st);
            return rc;
        }
    }
    if (!ps->res) {
        revive(s);
        char name[SENT_NAME_SIZE];
        int rc = ps->returning_id && !ps->explicit_id ? sequence_first(s, ps->table, err) : 0;
        rc = rc ? rc : statement_ready(s, ps, name, err);
        if (rc != 0) {
            st->owner->ops->reset(st);
            return rc;
        }
        if (p->queued) { /* the queue and this statement in one round trip */
            rc = queue_send(s, name, ps->nparams, (const char *const *)ps->values, NULL, 0, NULL,
                            err);
            rc = rc ? rc : settle(s, &ps->res, err);
        } else {
            ps->res = PQexecPrepared(p->conn, name, ps->nparams, (const char *const *)ps->values,
                                     NULL, NULL, 0);
            ExecStatusType rs = PQresultStatus(ps->res);
            if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK)
                rc = fail(s, ps->res, "step", err);
        }
        if (rc != 0) {
            if (PQstatus(p->conn) != CONNECTION_OK)
                ps->prepared = 0;
            st->owner->ops->reset(st);
            return rc;
        }
        const char *n = PQcmdTuples(ps->res);
        p->changes = *n ? strtoll(n, NULL, 10) : 0;
        ps->row = -1;
        if (ps->returning_id) {
            int rows = PQntuples(ps->res);
            if (rows > 0)
                p->last_id = strtoll(PQgetvalue(ps->res, rows - 1, 0), NULL, 10);
            if (ps->explicit_id && rows > 0 && note_explicit(s, ps->table, err) != 0) {
                st->owner->ops->reset(st);
                return -EP_EINTERNAL;
            }
            return STORE_DONE; /* the id is not a result row for the caller */
        }
    }
    if (PQresultStatus(ps->res) != PGRES_TUPLES_OK || ps->returning_id)
        return STORE_DONE;
    if (++ps->row < PQntuples(ps->res))
        return STORE_ROW;
    ps->row = PQntuples(ps->res);
    return STORE_DONE;
}

/* store_run_deferred: queued inside a transaction (see the top of the file). */
static int pg_run_deferred(struct store_stmt *st, struct ep_error *err)
{
    struct pg_stmt *ps = PS(st);
    struct store *s = st->owner;
    struct pg_store *p = PG(s);
    int rc;
    if (s->depth == 0 || ps->res) {
        rc = pg_step(st, err);
        if (rc >= 0)
            pg_reset(st);
        return rc < 0 ? rc : 0;
    }
    rc = queue_statement(s, ps, 0, err);
    if (rc == 0 && ps->explicit_id)
        rc = note_explicit(s, ps->table, err);
    pg_reset(st);
    if (rc == 0 && p->queued >= QUEUE_MAX)
        rc = settle(s, NULL, err);
    return rc;
}

/* ---- ids chosen by the writer (store_run_insert) ----------------------- */

/* Index of "table" in explicit[], or -1. */
static int explicit_index(struct pg_store *p, const char *table)
{
    for (int i = 0; i < p->nexplicit; i++)
        if (strcmp(p->explicit[i], table) == 0)
            return i;
    return -1;
}

/* Before an INSERT that takes its id from the sequence, in a transaction
 * whose store_run_insert() chose ids of the same table itself: the sequence
 * first catches up with them (they are sent first), and the next chosen id
 * is read again. */
static int sequence_first(struct store *s, const char *table, struct ep_error *err)
{
    struct pg_store *p = PG(s);
    int i = s->depth > 0 ? explicit_index(p, table) : -1;
    if (i < 0 || p->next_id[i] == 0)
        return 0;
    int rc = ready(s, err);
    rc = rc ? rc : catch_up_sequence(s, table, err);
    p->next_id[i] = 0;
    return rc;
}

/* The INSERT of "ps" with `id` as its first column and the last parameter:
 * "INSERT INTO t (a, b) VALUES ($1, $2)" becomes
 * "INSERT INTO t (id, a, b) VALUES ($3, $1, $2)".  NULL when the statement
 * has another shape (several rows, a SELECT, ON CONFLICT) or memory ran out:
 * the caller then runs it as it is. */
static struct pg_stmt *id_insert(struct pg_store *p, struct pg_stmt *ps)
{
    size_t len = strlen(ps->text);
    const char *suffix = " RETURNING id";
    if (len < strlen(suffix) || strcmp(ps->text + len - strlen(suffix), suffix) != 0)
        return NULL;
    len -= strlen(suffix);
    const char *cols = strchr(ps->text, '(');
    const char *end = cols ? strchr(cols, ')') : NULL;
    const char *values = end ? strstr(end, "VALUES") : NULL;
    const char *row = values ? values + 6 : NULL;
    while (row && *row == ' ')
        row++;
    if (!row || *row != '(' || ps->text[len - 1] != ')')
        return NULL;
    for (const char *c = end + 1; c < values; c++)
        if (*c != ' ')
            return NULL;
    int depth = 0; /* the one row must end where the text does */
    for (const char *c = row; c < ps->text + len; c++) {
        if (*c == '\'')
            return NULL; /* no literals: nothing in them is mistaken for syntax */
        depth += *c == '(' ? 1 : *c == ')' ? -1 : 0;
        if (depth == 0 && c != ps->text + len - 1)
            return NULL;
    }
    struct pg_stmt *st = calloc(1, sizeof *st);
    size_t size = len + 32;
    char *text = st ? malloc(size) : NULL;
    if (st) {
        st->values = calloc((size_t)ps->nparams + 2, sizeof *st->values);
        st->types = calloc((size_t)ps->nparams + 2, sizeof *st->types);
    }
    if (!text || !st->values || !st->types) {
        free(text);
        if (st)
            stmt_free(st);
        return NULL;
    }
    int at_cols = (int)(cols + 1 - ps->text), at_row = (int)(row + 1 - ps->text);
    snprintf(text, size, "%.*sid, %.*s$%d, %.*s", at_cols, ps->text, at_row - at_cols,
             ps->text + at_cols, ps->nparams + 1, (int)len - at_row, ps->text + at_row);
    st->base.owner = ps->base.owner;
    st->text = text;
    st->nparams = ps->nparams + 1;
    st->explicit_id = 1;
    memcpy(st->table, ps->table, sizeof st->table);
    snprintf(st->name, sizeof st->name, "e%d", ++p->next_name);
    return st;
}

/* store_run_insert: inside a transaction (which holds the write lock, so no
 * other connection inserts meanwhile) the id is the table's highest plus
 * one, read once per transaction, and the INSERT is queued with it like a
 * deferred write; the sequence catches up at the commit (note_explicit). */
static int pg_run_insert(struct store_stmt *st, int64_t *id, struct ep_error *err)
{
    struct pg_stmt *ps = PS(st);
    struct store *s = st->owner;
    struct pg_store *p = PG(s);
    int i = explicit_index(p, ps->table);
    if (s->depth > 0 && ps->returning_id && !ps->explicit_id && !ps->res && !ps->pending &&
        !ps->with_id)
        ps->with_id = id_insert(p, ps);
    if (s->depth == 0 || !ps->with_id || (i < 0 && p->nexplicit == TABLES_MAX)) {
        int rc = pg_step(st, err);
        if (rc < 0)
            return rc;
        *id = p->last_id;
        pg_reset(st);
        return 0;
    }
    int rc = 0;
    if (i < 0) {
        rc = note_explicit(s, ps->table, err);
        i = p->nexplicit - 1;
    }
    if (rc == 0 && p->next_id[i] == 0) { /* once per transaction: one round trip */
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT COALESCE(max(id), 0) + 1 FROM %s", ps->table);
        rc = ready(s, err);
        PGresult *res = rc ? NULL : PQexec(p->conn, sql);
        if (rc == 0 && PQresultStatus(res) != PGRES_TUPLES_OK)
            rc = fail(s, res, "max(id)", err);
        else if (rc == 0)
            p->next_id[i] = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        PQclear(res);
    }
    if (rc != 0) {
        pg_reset(st);
        return rc;
    }
    struct pg_stmt *w = ps->with_id;
    for (int k = 0; k < ps->nparams; k++) { /* the values move over */
        w->values[k] = ps->values[k];
        w->types[k] = ps->types[k];
        ps->values[k] = NULL;
    }
    *id = p->next_id[i]++;
    char *text = malloc(24);
    if (!text) {
        pg_reset(st);
        pg_reset(&w->base);
        return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
    }
    snprintf(text, 24, "%lld", (long long)*id);
    w->values[ps->nparams] = text;
    w->types[ps->nparams] = OID_INT8;
    p->last_id = *id;
    p->changes = 1;
    rc = queue_statement(s, w, 0, err);
    pg_reset(&w->base);
    pg_reset(st);
    if (rc == 0 && p->queued >= QUEUE_MAX)
        rc = settle(s, NULL, err);
    return rc;
}

/* store_prefetch: queued inside a transaction, its answer kept by settle(). */
static int pg_prefetch(struct store_stmt *st, struct ep_error *err)
{
    struct pg_stmt *ps = PS(st);
    struct store *s = st->owner;
    struct pg_store *p = PG(s);
    if (s->depth == 0 || ps->res || ps->pending)
        return 0; /* store_step() runs it */
    int rc = p->queued >= QUEUE_MAX ? settle(s, NULL, err) : 0;
    return rc ? rc : queue_statement(s, ps, 1, err);
}

static void pg_reset(struct store_stmt *st)
{
    struct pg_stmt *ps = PS(st);
    if (ps->pending) { /* its answer, when it comes, is dropped */
        struct pg_store *p = PG(st->owner);
        for (int i = 0; i < FETCH_MAX; i++)
            if (p->fetch[i] == ps)
                p->fetch[i] = NULL;
        ps->pending = 0;
    }
    PQclear(ps->res);
    ps->res = NULL;
    for (int i = 0; i < ps->nparams; i++) {
        free(ps->values[i]);
        ps->values[i] = NULL;
        ps->types[i] = OID_TEXT;
    }
}

static int pg_column_count(struct store_stmt *st)
{
    return PS(st)->res ? PQnfields(PS(st)->res) : 0;
}

static const char *value_at(struct store_stmt *st, int col)
{
    struct pg_stmt *ps = PS(st);
    if (!ps->res || ps->row < 0 || ps->row >= PQntuples(ps->res) || col < 0 ||
        col >= PQnfields(ps->res) || PQgetisnull(ps->res, ps->row, col))
        return NULL;
    return PQgetvalue(ps->res, ps->row, col);
}

static int pg_column_is_null(struct store_stmt *st, int col)
{
    return value_at(st, col) == NULL;
}

static int64_t pg_column_int64(struct store_stmt *st, int col)
{
    const char *v = value_at(st, col);
    if (!v)
        return 0;
    if (PQftype(PS(st)->res, col) == OID_BOOL)
        return v[0] == 't';
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*end == '.' || *end == 'e' || *end == 'E') /* numeric or float: truncate, as SQLite */
        return (int64_t)strtod(v, NULL);
    return n;
}

static double pg_column_double(struct store_stmt *st, int col)
{
    const char *v = value_at(st, col);
    return v ? strtod(v, NULL) : 0.0;
}

static const char *pg_column_text(struct store_stmt *st, int col)
{
    const char *v = value_at(st, col);
    return v ? v : "";
}

static const char *pg_column_name(struct store_stmt *st, int col)
{
    return PS(st)->res ? PQfname(PS(st)->res, col) : NULL;
}

static int pg_exec(struct store *s, const char *sql, struct ep_error *err)
{
    char why[200] = "";
    char *text = pg_dialect_script(sql, why, sizeof why);
    if (!text) {
        log_error("postgresql: %s", why[0] ? why : "out of memory");
        return ep_error_set(err, EP_EINTERNAL, "数据库错误", "database error");
    }
    revive(s);
    int rc = ready(s, err);
    rc = rc ? rc : run_simple(s, text, "exec", err);
    if (rc != 0)
        log_error("while executing: %.300s", text);
    free(text);
    return rc;
}

/* A nested level only takes its place: its SAVEPOINT goes out with its
 * first statement (materialize).  Deferred writes of the level around it
 * are sent first, so that their errors stay in that level. */
static int pg_begin(struct store *s, struct ep_error *err)
{
    struct pg_store *p = PG(s);
    if (s->depth > 0) {
        int rc = p->queued_writes && !s->lazy ? settle(s, NULL, err) : 0;
        if (rc != 0)
            return rc;
        if (s->lazy)
            p->lazy_upto = p->queued;
        if (s->depth >= LEVELS_MAX)
            return ep_error_set(err, EP_EINTERNAL, "事务嵌套过深", "transactions nested too deep");
        s->depth++;
        p->sp[s->depth] = 0;
        p->sp_own[s->depth] = 0;
        return 0;
    }
    revive(s);
    p->nexplicit = 0;
    p->lazy_failed = 0;
    int rc = run_simple(s, "BEGIN; SELECT pg_advisory_xact_lock(" WRITE_LOCK_KEY ")", "begin", err);
    if (rc == 0)
        s->depth = 1;
    else
        PQclear(PQexec(p->conn, "ROLLBACK"));
    return rc;
}

static void pg_rollback(struct store *s);

/* A nested level's deferred writes are answered now (their error fails this
 * commit, and the level is rolled back); its RELEASE is queued: it cannot
 * fail in a transaction that has not.  With lazy levels (store_set_lazy) the
 * writes stay queued with the RELEASE, and settle() tells their failure
 * apart (lazy_upto, lazy_failed). */
static int pg_commit(struct store *s, struct ep_error *err)
{
    struct pg_store *p = PG(s);
    char sql[48];
    if (s->depth > 1) {
        int level = s->depth;
        int rc = p->queued_writes && !s->lazy ? settle(s, NULL, err) : 0;
        if (rc == 0 && p->sp[level] && p->sp_own[level]) {
            snprintf(sql, sizeof sql, "RELEASE sp%d", p->sp[level]);
            rc = queue_send(s, NULL, 0, NULL, sql, 0, NULL, err);
        }
        if (rc != 0) {
            pg_rollback(s);
            return rc;
        }
        if (s->lazy) {
            p->lazy_upto = p->queued;
            p->queued_writes = 0;
        }
        s->depth--;
        return 0;
    }
    if (settle(s, NULL, err) != 0) {
        pg_rollback(s);
        return -err->code;
    }
    for (int i = 0; i < p->nexplicit; i++)
        if (catch_up_sequence(s, p->explicit[i], err) != 0) {
            pg_rollback(s);
            return -EP_EINTERNAL;
        }
    p->nexplicit = 0;
    PGresult *res = PQexec(p->conn, "COMMIT");
    int rc = 0;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        rc = fail(s, res, "commit", err);
    else if (strcmp(PQcmdStatus(res), "ROLLBACK") == 0) /* the transaction had failed */
        rc = ep_error_set(err, EP_EINTERNAL, "数据库错误:事务已回滚",
                          "database error: the transaction was rolled back");
    PQclear(res);
    s->depth = 0;
    return rc;
}

/* Whatever is queued is answered first (errors dropped: the level goes).  A
 * level whose savepoint was never sent ran nothing: nothing to undo.  One
 * sharing its parent's savepoint rolls back to it and leaves it in place. */
static void pg_rollback(struct store *s)
{
    struct pg_store *p = PG(s);
    struct ep_error ignored;
    ep_error_clear(&ignored);
    settle(s, NULL, &ignored);
    char sql[64];
    if (s->depth > 1) {
        int level = s->depth, sp = p->sp[level];
        if (sp && p->sp_own[level])
            snprintf(sql, sizeof sql, "ROLLBACK TO sp%d; RELEASE sp%d", sp, sp);
        else if (sp)
            snprintf(sql, sizeof sql, "ROLLBACK TO sp%d", sp);
        if (sp)
            PQclear(PQexec(p->conn, sql));
        s->depth--;
        return;
    }
    if (PQtransactionStatus(p->conn) != PQTRANS_IDLE)
        PQclear(PQexec(p->conn, "ROLLBACK"));
    p->nexplicit = 0;
    s->depth = 0;
}

static int pg_lazy_failed(struct store *s)
{
    return PG(s)->lazy_failed;
}

static int pg_flush(struct store *s, struct ep_error *err)
{
    return settle(s, NULL, err);
}

static int64_t pg_last_insert_id(struct store *s)
{
    return PG(s)->last_id;
}

static int64_t pg_changes(struct store *s)
{
    return PG(s)->changes;
}

static void pg_autocheckpoint(struct store *s, int pages)
{
    (void)s, (void)pages; /* the server checkpoints by itself */
}

static int pg_checkpoint(struct store *s, int *log_pages, struct ep_error *err)
{
    (void)s, (void)err;
    if (log_pages)
        *log_pages = 0;
    return 1;
}

static int pg_log_pages(struct store *s)
{
    (void)s; /* the server manages its log */
    return 0;
}

/* A PostgreSQL commit is durable when it returns (synchronous_commit). */
static int pg_sync_defer(struct store *s, struct ep_error *err)
{
    (void)s, (void)err;
    return 0;
}

static int pg_log_sync(struct store *s, struct ep_error *err)
{
    (void)s, (void)err;
    return 0;
}

static int pg_backup(struct store *s, const char *dest_path, struct ep_error *err)
{
    (void)s, (void)dest_path;
    return ep_error_set(err, EP_EINVAL, "PostgreSQL 数据库请用 pg_dump 或 pg_basebackup 备份",
                        "back up a PostgreSQL database with pg_dump or pg_basebackup");
}

static int pg_integrity_check(struct store *s, char *out, size_t size, struct ep_error *err)
{
    /* PostgreSQL verifies pages as it reads them (checksums when enabled);
     * a whole-database check is pg_amcheck's job.  Here: the server answers
     * and the schema is readable. */
    int rc = run_simple(s, "SELECT count(*) FROM schema_migrations", "integrity_check", err);
    if (rc != 0)
        return rc;
    if (size)
        snprintf(out, size, "ok");
    return 0;
}

/* Inside a transaction the notification is queued like a deferred write:
 * it is delivered at the commit in any case, and its failure fails the
 * statement or commit that sends the queue. */
static int pg_notify(struct store *s, const char *channel, struct ep_error *err)
{
    struct pg_store *p = PG(s);
    if (s->depth > 0) {
        char *literal = PQescapeLiteral(p->conn, channel, strlen(channel));
        if (!literal)
            return fail(s, NULL, "notify", err);
        char sql[128];
        int n = snprintf(sql, sizeof sql, "SELECT pg_notify(%s, '')", literal);
        PQfreemem(literal);
        if (n < 0 || (size_t)n >= sizeof sql)
            return ep_error_set(err, EP_EINTERNAL, "通知频道名过长", "notify channel too long");
        int rc = materialize(s, err);
        if (rc == 0)
            rc = queue_send(s, NULL, 0, NULL, sql, 1, NULL, err);
        if (rc == 0 && p->queued >= QUEUE_MAX)
            rc = settle(s, NULL, err);
        return rc;
    }
    const char *params[1] = {channel};
    if (ready(s, err) != 0)
        return -err->code;
    PGresult *res =
        PQexecParams(PG(s)->conn, "SELECT pg_notify($1, '')", 1, NULL, params, NULL, NULL, 0);
    int rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : fail(s, res, "notify", err);
    PQclear(res);
    return rc;
}

static int pg_listen(struct store *s, const char *channel, struct ep_error *err)
{
    char *ident = PQescapeIdentifier(PG(s)->conn, channel, strlen(channel));
    if (!ident)
        return fail(s, NULL, "listen", err);
    char sql[160];
    snprintf(sql, sizeof sql, "LISTEN %s", ident);
    PQfreemem(ident);
    return run_simple(s, sql, "listen", err);
}

/* Consumes the notifications received: the epoch's move the count, and the
 * result is 1 when any other channel's arrived. */
static int take_notifies(PGconn *conn)
{
    int got = 0;
    PGnotify *n;
    while ((n = PQnotifies(conn)) != NULL) {
        if (strcmp(n->relname, EPOCH_CHANNEL) == 0)
            atomic_fetch_add(&epoch_count, 1);
        else
            got = 1;
        PQfreemem(n);
    }
    return got;
}

static int pg_wait_notify(struct store *s, int timeout_ms, struct ep_error *err)
{
    PGconn *conn = PG(s)->conn;
    if (PQconsumeInput(conn) == 0)
        return fail(s, NULL, "wait_notify", err);
    if (take_notifies(conn))
        return 1;
    struct pollfd pfd = {.fd = PQsocket(conn), .events = POLLIN};
    if (pfd.fd < 0)
        return fail(s, NULL, "wait_notify", err);
    int r = poll(&pfd, 1, timeout_ms);
    if (r < 0 && errno != EINTR)
        return fail(s, NULL, "wait_notify", err);
    if (r <= 0)
        return 0;
    if (PQconsumeInput(conn) == 0)
        return fail(s, NULL, "wait_notify", err);
    return take_notifies(conn);
}

static uint64_t pg_epoch(struct store *s, int bump)
{
    (void)s;
    uint64_t now = bump ? atomic_fetch_add(&epoch_count, 1) + 1 : atomic_load(&epoch_count);
    return atomic_load(&epoch_followers) > 0 ? now : 0;
}

/* Tells the other processes, when the open transaction commits (at once
 * outside one).  A failure inside a transaction aborts it, so the change
 * that needed the bump cannot commit untold. */
static void pg_epoch_notify(struct store *s)
{
    struct ep_error err;
    ep_error_clear(&err);
    if (pg_notify(s, EPOCH_CHANNEL, &err) != 0)
        log_error("epoch notification: %s", ep_error_message(&err, EP_LANG_EN));
}

static int pg_epoch_follow(struct store *s, struct ep_error *err)
{
    struct pg_store *p = PG(s);
    if (p->epoch_follower)
        return 0;
    int rc = pg_listen(s, EPOCH_CHANNEL, err);
    if (rc != 0)
        return rc;
    p->epoch_follower = 1;
    atomic_fetch_add(&epoch_count, 1);
    atomic_fetch_add(&epoch_followers, 1);
    return 0;
}

/* ---- bulk loading: COPY ... FROM STDIN ---------------------------------------------
 *
 * Text format: a row is its values separated by tabs and ended by a newline,
 * NULL is \N, and inside a value a backslash, a tab, a newline and a carriage
 * return are written \\, \t, \n and \r (every other byte, quotes included,
 * stands for itself).  Rows gather in a buffer handed to libpq in chunks of
 * COPY_CHUNK bytes.  A row the server refuses aborts the COPY: libpq then
 * refuses more data, and the server's error is read back as the result. */

#define COPY_CHUNK (256 * 1024)

struct pg_copy {
    struct store_copy base; /* owner and number of columns */
    char *buf;              /* rows not handed to libpq yet */
    size_t len, cap;        /* bytes used and allocated in buf */
    int finished;           /* 1 once the COPY has ended (failed early) */
    int rc;                 /* its error code then (0 or negative) */
};

/* Reads the results of a finished COPY: the first error, if any, fills "err". */
static int copy_results(struct store *s, struct ep_error *err)
{
    int rc = 0;
    PGresult *res;
    while ((res = PQgetResult(PG(s)->conn)) != NULL) {
        if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK)
            rc = fail(s, res, "copy", err);
        PQclear(res);
    }
    return rc;
}

/* Hands the buffered rows to libpq. */
static int copy_flush(struct pg_copy *c, struct ep_error *err)
{
    struct store *s = c->base.owner;
    if (c->len == 0 || c->finished)
        return c->rc;
    if (PQputCopyData(PG(s)->conn, c->buf, (int)c->len) != 1) {
        c->finished = 1;
        c->rc = copy_results(s, err);
        if (c->rc == 0)
            c->rc = fail(s, NULL, "copy", err);
    }
    c->len = 0;
    return c->rc;
}

static int pg_copy_begin(struct store *s, const char *table, const char *columns,
                         struct store_copy **out, struct ep_error *err)
{
    struct pg_copy *c = calloc(1, sizeof *c);
    char *buf = malloc(COPY_CHUNK);
    if (!c || !buf) {
        free(c);
        free(buf);
        return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
    }
    c->base.owner = s;
    c->base.ncolumns = 1;
    for (const char *p = columns; *p; p++)
        c->base.ncolumns += *p == ',';
    c->buf = buf;
    c->cap = COPY_CHUNK;
    char sql[512];
    int n = snprintf(sql, sizeof sql, "COPY %s (%s) FROM STDIN", table, columns);
    int sets_id = strncmp(columns, "id", 2) == 0 && (columns[2] == ',' || columns[2] == '\0');
    int rc = n > 0 && (size_t)n < sizeof sql
                 ? 0
                 : ep_error_set(err, EP_EINTERNAL, "数据库错误", "database error");
    if (rc == 0)
        rc = ready(s, err); /* open savepoints sent, queued writes answered */
    if (rc == 0 && sets_id && has_identity_id(s, table))
        rc = note_explicit(s, table, err);
    if (rc == 0) {
        PGresult *res = PQexec(PG(s)->conn, sql);
        if (PQresultStatus(res) != PGRES_COPY_IN)
            rc = fail(s, res, "copy", err);
        PQclear(res);
    }
    if (rc != 0) {
        free(c->buf);
        free(c);
        return rc;
    }
    *out = &c->base;
    return 0;
}

/* Appends "v" ("len" bytes) escaped for COPY's text format; room is there. */
static void copy_escape(struct pg_copy *c, const char *v, size_t len)
{
    char *o = c->buf + c->len;
    for (size_t i = 0; i < len; i++) {
        char ch = v[i];
        char esc = ch == '\\' ? '\\' : ch == '\t' ? 't' : ch == '\n' ? 'n' : ch == '\r' ? 'r' : 0;
        if (esc) {
            *o++ = '\\';
            *o++ = esc;
        } else {
            *o++ = ch;
        }
    }
    c->len = (size_t)(o - c->buf);
}

static int pg_copy_row(struct store_copy *base, const char *const *values, const size_t *lens,
                       struct ep_error *err)
{
    struct pg_copy *c = (struct pg_copy *)base;
    if (c->finished)
        return c->rc;
    size_t need = 0;
    for (int i = 0; i < base->ncolumns; i++)
        need += (values[i] ? 2 * (lens ? lens[i] : strlen(values[i])) : 2) + 1;
    if (c->len + need > c->cap) {
        int rc = copy_flush(c, err);
        if (rc != 0)
            return rc;
        if (need > c->cap) {
            char *more = realloc(c->buf, need);
            if (!more)
                return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
            c->buf = more;
            c->cap = need;
        }
    }
    for (int i = 0; i < base->ncolumns; i++) {
        if (values[i]) {
            copy_escape(c, values[i], lens ? lens[i] : strlen(values[i]));
        } else {
            c->buf[c->len++] = '\\';
            c->buf[c->len++] = 'N';
        }
        c->buf[c->len++] = i + 1 < base->ncolumns ? '\t' : '\n';
    }
    return 0;
}

static int pg_copy_end(struct store_copy *base, struct ep_error *err)
{
    struct pg_copy *c = (struct pg_copy *)base;
    struct store *s = base->owner;
    int rc = copy_flush(c, err);
    if (!c->finished) {
        if (PQputCopyEnd(PG(s)->conn, NULL) != 1)
            rc = fail(s, NULL, "copy", err);
        int rrc = copy_results(s, err);
        if (rc == 0)
            rc = rrc;
    }
    free(c->buf);
    free(c);
    return rc;
}

static const struct store_ops pg_ops = {
    .engine = "postgresql",
    .close = pg_close,
    .prepare = pg_prepare,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_textn = pg_bind_textn,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .reset = pg_reset,
    .column_count = pg_column_count,
    .column_is_null = pg_column_is_null,
    .column_int64 = pg_column_int64,
    .column_double = pg_column_double,
    .column_text = pg_column_text,
    .column_name = pg_column_name,
    .run_deferred = pg_run_deferred,
    .prefetch = pg_prefetch,
    .run_insert = pg_run_insert,
    .lazy_failed = pg_lazy_failed,
    .flush = pg_flush,
    .exec = pg_exec,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .last_insert_id = pg_last_insert_id,
    .changes = pg_changes,
    .autocheckpoint = pg_autocheckpoint,
    .checkpoint = pg_checkpoint,
    .log_pages = pg_log_pages,
    .sync_defer = pg_sync_defer,
    .log_sync = pg_log_sync,
    .backup = pg_backup,
    .integrity_check = pg_integrity_check,
    .notify = pg_notify,
    .listen = pg_listen,
    .wait_notify = pg_wait_notify,
    .epoch = pg_epoch,
    .epoch_notify = pg_epoch_notify,
    .epoch_follow = pg_epoch_follow,
    .copy_begin = pg_copy_begin,
    .copy_row = pg_copy_row,
    .copy_end = pg_copy_end,
};
