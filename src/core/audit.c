/*
 * audit.c -- writing and reading the audit log (see audit.h).
 */
#include "core/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>
#include <sodium.h>

#include "util/json.h"
#include "util/timeutil.h"

void audit_cli_actor(struct auth_user *user, struct actor *actor)
{
    memset(user, 0, sizeof *user);
    snprintf(user->username, sizeof user->username, "cli");
    snprintf(user->display_name, sizeof user->display_name, "命令行");
    user->role = ROLE_ADMIN;
    user->scope[0] = '\0'; /* the operator of the machine sees everything */
    actor->user = user;
    actor->ip = "cli";
}

/* ---- the hash chain ------------------------------------------------------
 *
 * hash(row) = BLAKE2b-256 over, in this order:
 *   "epigrid audit chain 1\n"        (the encoding's version)
 *   the previous row's hash as stored (64 hex digits; "" for the first row)
 *   each field of the row as it is stored: id and user_id in decimal, at,
 *   username, ip, action, entity, entity_id, region_code, before_json,
 *   after_json.
 * Every value (the previous hash included) is one byte 0 for SQL NULL, or
 * one byte 1, its length as 4 bytes little-endian and its bytes: no field
 * can borrow bytes from its neighbour.  Stored as 64 lowercase hex digits.
 * Hex in, hex out: the chain never converts, the writer hashes the head's
 * text as it reads it. */

static const char CHAIN_VERSION[] = "epigrid audit chain 1\n";

#define AUDIT_CHAIN_FIELDS 11 /* id, at, user_id, ..., after_json */

/* The row's fields in hashing order; NULL = SQL NULL. */
struct chain_row {
    const char *field[AUDIT_CHAIN_FIELDS];
};

static void hash_field(crypto_generichash_state *h, const char *text)
{
    unsigned char flag = text != NULL;
    crypto_generichash_update(h, &flag, 1);
    if (!text)
        return;
    size_t n = strlen(text);
    unsigned char len[4] = {(unsigned char)n, (unsigned char)(n >> 8), (unsigned char)(n >> 16),
                            (unsigned char)(n >> 24)};
    crypto_generichash_update(h, len, sizeof len);
    crypto_generichash_update(h, (const unsigned char *)text, n);
}

static void sodium_start(void)
{
    if (sodium_init() < 0) /* picks the fastest BLAKE2b for this CPU */
        abort();
}

static void chain_hash(const char *prev, const struct chain_row *row, char out[AUDIT_HASH_HEX])
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sodium_start);
    crypto_generichash_state h;
    unsigned char digest[AUDIT_HASH_BYTES];
    crypto_generichash_init(&h, NULL, 0, sizeof digest);
    crypto_generichash_update(&h, (const unsigned char *)CHAIN_VERSION, sizeof CHAIN_VERSION - 1);
    hash_field(&h, prev);
    for (int i = 0; i < AUDIT_CHAIN_FIELDS; i++)
        hash_field(&h, row->field[i]);
    crypto_generichash_final(&h, digest, sizeof digest);
    sodium_bin2hex(out, AUDIT_HASH_HEX, digest, sizeof digest);
}

/* The chain's head as this transaction left it (store_memo): under the
 * write lock nobody else moves it, and a level rolled back forgets it. */
struct chain_head {
    int64_t last_id;           /* id of the newest row */
    char hash[AUDIT_HASH_HEX]; /* its hash */
};
static const char head_memo = 0; /* the memo's key */

/* The committed head of the chain (id and hash of the newest row at the last
 * commit).  Returns 0, or negative with "err" set (the head row missing is
 * an error: someone removed it, and `epigrid check` says so). */
static int head_read(struct store *s, int64_t *last_id, char last_hash[AUDIT_HASH_HEX],
                     int64_t *unchained_through, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT last_id, last_hash, unchained_through FROM audit_chain", err);
    if (!st)
        return -EP_EINTERNAL;
    int rc = store_step(st, err);
    if (rc == STORE_ROW) {
        *last_id = store_column_int64(st, 0);
        snprintf(last_hash, AUDIT_HASH_HEX, "%s", store_column_text(st, 1));
        if (unchained_through)
            *unchained_through = store_column_int64(st, 2);
    }
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    if (rc != STORE_ROW)
        return ep_error_set(err, EP_EINTERNAL,
                            "审计链头缺失(audit_chain 为空),请运行 epigrid check",
                            "the audit chain's head is missing (audit_chain is empty); run "
                            "epigrid check");
    return 0;
}

/* The head as the open transaction leaves it: remembered (store_memo) from
 * the transaction's last row, or after a rolled-back level made it forget,
 * the newest row past the committed head (the transaction's own: the
 * committed head is the newest row at every commit) or that head itself. */
static int head_current(struct store *s, struct chain_head *head, struct ep_error *err)
{
    if (store_memo_get(s, &head_memo, head, sizeof *head))
        return 0;
    int rc = head_read(s, &head->last_id, head->hash, NULL, err);
    if (rc != 0)
        return rc;
    struct store_stmt *st = store_prepare(
        s, "SELECT id, hash FROM audit_log WHERE id > ? ORDER BY id DESC LIMIT 1", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, head->last_id);
    rc = store_step(st, err);
    if (rc == STORE_ROW) {
        head->last_id = store_column_int64(st, 0);
        snprintf(head->hash, sizeof head->hash, "%s", store_column_text(st, 1));
    }
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    store_memo_put(s, &head_memo, head, sizeof *head);
    return 0;
}

/* Moves the committed head to the transaction's last row: once per commit
 * (store_before_commit), not once per row -- one statement fewer a write
 * on every path that audits. */
static int head_write(struct store *s, struct ep_error *err)
{
    struct chain_head head;
    int rc = head_current(s, &head, err);
    if (rc != 0)
        return rc;
    struct store_stmt *up =
        store_prepare(s, "UPDATE audit_chain SET last_id = ?, last_hash = ?", err);
    if (!up)
        return -EP_EINTERNAL;
    store_bind_int64(up, 1, head.last_id);
    store_bind_text(up, 2, head.hash);
    return store_run_deferred(up, err);
}

/* Appends one row to the chain.  Runs inside the caller's transaction, or in
 * one of its own: the head is read and moved under the write lock (BEGIN
 * IMMEDIATE on SQLite, the advisory lock on PostgreSQL), so two writers --
 * threads, processes, group-commit batches -- can never both extend the
 * same head. */
static int insert(struct store *s, int64_t user_id, const char *username, const char *ip,
                  const char *action, const char *entity, const char *entity_id,
                  const char *region_code, const json_t *before, const json_t *after,
                  struct ep_error *err)
{
    int own = store_in_transaction(s) == 0;
    if (own && store_begin(s, err) != 0)
        return err->code ? -err->code : -EP_EUNAVAILABLE;
    char now[32];
    time_now_iso(now);
    /* In the order the module built them (before and after of a record come
     * from the same function, so they line up): sorting the keys was a
     * seventh of the dump, which is a tenth of a visit's write (B2). */
    char *b = before ? json_dump_compact(before) : NULL;
    char *a = after ? json_dump_compact(after) : NULL;
    struct chain_head head;
    char hash[AUDIT_HASH_HEX], id_text[24], user_text[24];
    int rc = head_current(s, &head, err);
    if (rc != 0)
        goto out;
    int64_t last_id = head.last_id;
    const char *prev = head.hash;
    int64_t id = last_id + 1;
    snprintf(id_text, sizeof id_text, "%lld", (long long)id);
    snprintf(user_text, sizeof user_text, "%lld", (long long)user_id);
    struct chain_row row = {{id_text, now, user_id ? user_text : NULL, username, ip ? ip : "",
                             action, entity, entity_id, region_code ? region_code : "", b, a}};
    chain_hash(prev, &row, hash);

    rc = -EP_EINTERNAL;
    struct store_stmt *st = store_prepare(
        s,
        "INSERT INTO audit_log (id, at, user_id, username, ip, action, entity, entity_id,"
        " region_code, before_json, after_json, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        err);
    if (!st)
        goto out;
    store_bind_int64(st, 1, id);
    store_bind_text(st, 2, now);
    if (user_id)
        store_bind_int64(st, 3, user_id);
    else
        store_bind_null(st, 3);
    for (int i = 3; i < AUDIT_CHAIN_FIELDS; i++) /* username .. after_json */
        store_bind_text(st, i + 1, row.field[i]);
    store_bind_text(st, AUDIT_CHAIN_FIELDS + 1, hash);
    /* Deferred: nobody reads their outcome, and a failure fails the
     * caller's whole write (store_run_deferred). */
    if ((rc = store_run_deferred(st, err)) != 0)
        goto out;
    /* The next row of this transaction chains on without reading; the
     * committed head moves at the commit (head_write). */
    head.last_id = id;
    memcpy(head.hash, hash, sizeof head.hash);
    store_memo_put(s, &head_memo, &head, sizeof head);
    if (store_before_commit(s, &head_memo, head_write) != 0)
        rc = head_write(s, err); /* no room for the hook: now */
out:
    free(b);
    free(a);
    if (own) {
        if (rc == 0)
            rc = store_commit(s, err);
        else
            store_rollback(s);
    }
    return rc;
}

/* ---- verifying the chain -------------------------------------------------- */

#define AUDIT_COUNTY_LEN 6    /* the county of a region code: the index audit_county (0031) */
#define VERIFY_PAGE      4096 /* rows read per statement (PostgreSQL fetches results whole) */

const char *audit_break_name(int kind)
{
    switch (kind) {
    case AUDIT_EDITED:
        return "edited";
    case AUDIT_MISSING:
        return "missing";
    case AUDIT_ADDED:
        return "added";
    default:
        return "ok";
    }
}

/* Records a broken row; the report keeps the lowest id. */
static void note_break(struct audit_chain_report *out, int kind, int64_t id, int64_t count)
{
    out->broken += count;
    if (out->first_id == 0 || id < out->first_id) {
        out->first_id = id;
        out->first_break = kind;
    }
}

struct verify_state {
    char prev[AUDIT_HASH_HEX];      /* hash the next row must start from */
    int64_t expected;               /* the id the next row must have */
    int64_t last_id;                /* last chained row seen (<= head) */
    char last_hash[AUDIT_HASH_HEX]; /* its stored hash */
    int last_broken;                /* 1 when that row was already named */
};

/* Verifies one row (columns as in the SELECT of audit_chain_verify). */
static void verify_row(struct store_stmt *st, int64_t head_id, int64_t anchor_id,
                       const char *anchor_hash, struct verify_state *vs,
                       struct audit_chain_report *out)
{
    int64_t id = store_column_int64(st, 0);
    if (id > head_id) { /* written around audit_record, or the head was moved back */
        note_break(out, AUDIT_ADDED, id, 1);
        return;
    }
    int after_gap = 0;
    if (id > vs->expected) { /* rows deleted: this row's predecessor is gone */
        note_break(out, AUDIT_MISSING, vs->expected, id - vs->expected);
        after_gap = 1;
    }
    char id_text[24], user_text[24], hash[AUDIT_HASH_HEX];
    snprintf(id_text, sizeof id_text, "%lld", (long long)id);
    snprintf(user_text, sizeof user_text, "%lld", (long long)store_column_int64(st, 2));
    struct chain_row row;
    row.field[0] = id_text;
    for (int i = 1; i < AUDIT_CHAIN_FIELDS; i++)
        row.field[i] = store_column_is_null(st, i) ? NULL : store_column_text(st, i);
    if (row.field[2])
        row.field[2] = user_text;
    chain_hash(vs->prev, &row, hash);
    const char *stored = store_column_is_null(st, AUDIT_CHAIN_FIELDS)
                             ? NULL
                             : store_column_text(st, AUDIT_CHAIN_FIELDS);
    int equal = stored && strcmp(stored, hash) == 0;
    vs->last_broken = 0;
    if (!after_gap && !equal) {
        note_break(out, AUDIT_EDITED, id, 1);
        vs->last_broken = 1;
    } else if (!after_gap) {
        out->verified++;
    }
    /* Go on from the stored hash, so that one edited row is one break and
     * the rows after it are still checked against each other. */
    snprintf(vs->prev, sizeof vs->prev, "%s", stored ? stored : hash);
    snprintf(vs->last_hash, sizeof vs->last_hash, "%s", stored ? stored : "");
    vs->last_id = id;
    vs->expected = id + 1;
    if (anchor_id == id)
        out->anchor_ok = stored && anchor_hash && strcmp(stored, anchor_hash) == 0;
}

int audit_chain_verify(struct store *s, int64_t anchor_id, const char *anchor_hash,
                       struct audit_chain_report *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    int64_t unchained_through = 0;
    if (store_begin(s, err) != 0)
        return err->code ? -err->code : -EP_EUNAVAILABLE;
    int rc = head_read(s, &out->head_id, out->head_hash, &unchained_through, err);
    struct store_stmt *st = NULL;
    if (rc != 0)
        goto out;
    rc = -EP_EINTERNAL;
    if (!(st = store_prepare(s, "SELECT count(*) FROM audit_log WHERE id <= ?", err)))
        goto out;
    store_bind_int64(st, 1, unchained_through);
    if ((rc = store_step(st, err)) < 0)
        goto out;
    out->unchained = store_column_int64(st, 0);
    store_stmt_reset(st);

    struct verify_state vs;
    memset(&vs, 0, sizeof vs);
    vs.expected = unchained_through + 1;
    vs.last_id = unchained_through;
    int64_t cursor = unchained_through;
    if (anchor_id)
        out->anchor_ok = 0;
    for (;;) {
        rc = -EP_EINTERNAL;
        if (!(st = store_prepare(
                  s,
                  "SELECT id, at, user_id, username, ip, action, entity, entity_id, region_code,"
                  " before_json, after_json, hash FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
                  err)))
            goto out;
        store_bind_int64(st, 1, cursor);
        store_bind_int64(st, 2, VERIFY_PAGE);
        int n = 0;
        while ((rc = store_step(st, err)) == STORE_ROW) {
            verify_row(st, out->head_id, anchor_id, anchor_hash, &vs, out);
            cursor = store_column_int64(st, 0);
            n++;
        }
        store_stmt_reset(st);
        st = NULL;
        if (rc < 0)
            goto out;
        if (n < VERIFY_PAGE)
            break;
    }
    if (vs.expected <= out->head_id) /* the newest rows were cut off */
        note_break(out, AUDIT_MISSING, vs.expected, out->head_id - vs.expected + 1);
    else if (out->head_id > unchained_through && vs.last_id == out->head_id && !vs.last_broken &&
             strcmp(vs.last_hash, out->head_hash) != 0)
        note_break(out, AUDIT_EDITED, out->head_id, 1); /* rehashed, but the head remembers */
    rc = 0;
out:
    store_stmt_reset(st);
    store_rollback(s); /* the check writes nothing */
    return rc;
}

int audit_record(struct store *s, const struct actor *who, const char *action, const char *entity,
                 const char *entity_id, const char *region_code, const json_t *before,
                 const json_t *after, struct ep_error *err)
{
    return insert(s, who->user->id, who->user->username, who->ip, action, entity, entity_id,
                  region_code, before, after, err);
}

int audit_record_raw(struct store *s, int64_t user_id, const char *username, const char *ip,
                     const char *action, const char *entity, const char *entity_id,
                     const char *region_code, struct ep_error *err)
{
    return insert(s, user_id, username, ip, action, entity, entity_id, region_code, NULL, NULL,
                  err);
}

/* audit_list's statement, one of three after what narrows it most (the
 * filters that remain are "? IS NULL OR col = ?", so that one cached
 * statement serves every combination):  one record's rows by audit_entity;
 * a county or narrower by audit_county, newest first in index order (a
 * township, village or grid is read within its county); a wider scope by
 * the table, newest first.  The region range keeps the scope in SQL. */
#define AUDIT_LIST_COLUMNS                                                                         \
    "SELECT id, at, user_id, username, ip, action, entity, entity_id, region_code,"                \
    " before_json, after_json FROM audit_log WHERE "
#define AUDIT_LIST_FILTERS                                                                         \
    " region_code >= ? AND region_code < ? AND (? = 0 OR id < ?)"                                  \
    " AND (? IS NULL OR action = ?) AND (? IS NULL OR entity = ?)"                                 \
    " AND (? IS NULL OR entity_id = ?) AND (? IS NULL OR username = ?)"                            \
    " ORDER BY id DESC LIMIT ?"

int audit_list(struct store *s, const struct audit_filter *f, audit_fn fn, void *ctx,
               struct ep_error *err)
{
    const char *prefix = f->region && *f->region ? f->region : f->scope;
    int by_record = f->entity && f->entity_id;
    int by_county = !by_record && strlen(prefix) >= AUDIT_COUNTY_LEN;
    struct store_stmt *st = store_prepare(
        s,
        by_record   ? AUDIT_LIST_COLUMNS "entity = ? AND entity_id = ? AND" AUDIT_LIST_FILTERS
        : by_county ? AUDIT_LIST_COLUMNS "substr(region_code, 1, 6) = ? AND" AUDIT_LIST_FILTERS
                    : AUDIT_LIST_COLUMNS AUDIT_LIST_FILTERS,
        err);
    if (!st)
        return -EP_EINTERNAL;
    int i = 1;
    if (by_record) {
        store_bind_text(st, i++, f->entity);
        store_bind_text(st, i++, f->entity_id);
    } else if (by_county) {
        char county[AUDIT_COUNTY_LEN + 1];
        snprintf(county, sizeof county, "%.*s", AUDIT_COUNTY_LEN, prefix);
        store_bind_text(st, i++, county);
    }
    region_bind_range(st, i, prefix);
    store_bind_int64_twice(st, i + 2, f->before_id);
    const char *opt[] = {f->action, f->entity, f->entity_id, f->username};
    for (int k = 0; k < 4; k++) {
        store_bind_text(st, i + 4 + 2 * k, opt[k]);
        store_bind_text(st, i + 5 + 2 * k, opt[k]);
    }
    store_bind_int64(st, i + 12, f->limit);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        if ((rc = fn(st, ctx)) != 0)
            break;
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}
