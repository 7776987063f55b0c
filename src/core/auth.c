/*
 * auth.c -- roles and permissions, passwords (argon2id), sessions, bearer
 * tokens, login throttling (see auth.h).
 *
 * Tokens are 32 random bytes shown to the client as 64 hex characters; the
 * database keeps only their BLAKE2b hash, so a stolen database cannot be
 * replayed as sessions.
 */
#include "core/auth.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/audit.h"
#include "core/event.h"
#include "core/write.h"
#include "util/idcheck.h"
#include "util/timeutil.h"

static const char *role_names[ROLE_COUNT] = {
    "admin", "commander", "grid_worker", "health", "organiser", "supplies", "inspector", "viewer",
};

static const char *perm_names[PERM_COUNT] = {
    "public",         "login",        "region_read",  "region_write",  "registry_read",
    "registry_write", "pii_unmask",   "export",       "user_read",     "user_admin",
    "audit_read",     "round_manage", "field_write",  "alert_handle",  "org_manage",
    "duty_write",     "supply_read",  "supply_write", "fund_write",    "supply_request",
    "case_read",      "case_write",   "site_manage",  "command_write", "inspect_write",
};

#define P(x) (UINT64_C(1) << (x))
/* Who may do what.  One row per role; read across to see a role's rights. */
static const uint64_t role_perms[ROLE_COUNT] = {
    [ROLE_ADMIN] =
        P(PERM_LOGIN) | P(PERM_REGION_READ) | P(PERM_REGION_WRITE) | P(PERM_REGISTRY_READ) |
        P(PERM_REGISTRY_WRITE) | P(PERM_PII_UNMASK) | P(PERM_EXPORT) | P(PERM_USER_READ) |
        P(PERM_USER_ADMIN) | P(PERM_AUDIT_READ) | P(PERM_ROUND_MANAGE) | P(PERM_FIELD_WRITE) |
        P(PERM_ALERT_HANDLE) | P(PERM_ORG_MANAGE) | P(PERM_DUTY_WRITE) | P(PERM_SUPPLY_READ) |
        P(PERM_SUPPLY_WRITE) | P(PERM_FUND_WRITE) | P(PERM_SUPPLY_REQUEST) | P(PERM_CASE_READ) |
        P(PERM_CASE_WRITE) | P(PERM_SITE_MANAGE) | P(PERM_COMMAND_WRITE) | P(PERM_INSPECT_WRITE),
    [ROLE_COMMANDER] = P(PERM_LOGIN) | P(PERM_REGION_READ) | P(PERM_REGISTRY_READ) |
                       P(PERM_EXPORT) | P(PERM_USER_READ) | P(PERM_ROUND_MANAGE) |
                       P(PERM_ALERT_HANDLE) | P(PERM_ORG_MANAGE) | P(PERM_SUPPLY_READ) |
                       P(PERM_SUPPLY_REQUEST) | P(PERM_CASE_READ) | P(PERM_SITE_MANAGE) |
                       P(PERM_COMMAND_WRITE),
    [ROLE_GRID_WORKER] = P(PERM_LOGIN) | P(PERM_REGION_READ) | P(PERM_REGISTRY_READ) |
                         P(PERM_REGISTRY_WRITE) | P(PERM_FIELD_WRITE) | P(PERM_ALERT_HANDLE) |
                         P(PERM_DUTY_WRITE),
    [ROLE_HEALTH] = P(PERM_LOGIN) | P(PERM_REGION_READ) | P(PERM_REGISTRY_READ) |
                    P(PERM_REGISTRY_WRITE) | P(PERM_PII_UNMASK) | P(PERM_FIELD_WRITE) |
                    P(PERM_ALERT_HANDLE) | P(PERM_DUTY_WRITE) | P(PERM_SUPPLY_READ) |
                    P(PERM_SUPPLY_REQUEST) | P(PERM_CASE_READ) | P(PERM_CASE_WRITE) |
                    P(PERM_SITE_MANAGE),
    [ROLE_ORGANISER] = P(PERM_LOGIN) | P(PERM_REGION_READ) | P(PERM_REGISTRY_READ) |
                       P(PERM_ORG_MANAGE) | P(PERM_DUTY_WRITE) | P(PERM_SUPPLY_READ) |
                       P(PERM_FUND_WRITE),
    [ROLE_SUPPLIES] = P(PERM_LOGIN) | P(PERM_REGION_READ) | P(PERM_SUPPLY_READ) |
                      P(PERM_SUPPLY_WRITE) | P(PERM_FUND_WRITE) | P(PERM_SUPPLY_REQUEST),
    [ROLE_INSPECTOR] = P(PERM_LOGIN) | P(PERM_REGION_READ) | P(PERM_REGISTRY_READ) |
                       P(PERM_SUPPLY_READ) | P(PERM_INSPECT_WRITE),
    [ROLE_VIEWER] = P(PERM_LOGIN) | P(PERM_REGION_READ) | P(PERM_SUPPLY_READ),
};
#undef P
_Static_assert(PERM_COUNT <= 64, "role_perms holds 64 permissions");

const char *auth_role_name(int role)
{
    return role >= 0 && role < ROLE_COUNT ? role_names[role] : "";
}

int auth_role_from_name(const char *name)
{
    for (int r = 0; r < ROLE_COUNT; r++)
        if (name && strcmp(role_names[r], name) == 0)
            return r;
    return -1;
}

const char *auth_perm_name(int perm)
{
    return perm >= 0 && perm < PERM_COUNT ? perm_names[perm] : "";
}

int auth_role_can(int role, int perm)
{
    if (perm == PERM_PUBLIC)
        return 1;
    if (role < 0 || role >= ROLE_COUNT || perm < 0 || perm >= PERM_COUNT)
        return 0;
    return (int)((role_perms[role] >> perm) & 1u);
}

int auth_pii_visible(const struct auth_user *user, const char *grid_code)
{
    if (!region_in_scope(grid_code, user->scope))
        return 0;
    if (user->role == ROLE_HEALTH)
        return 1;
    return user->role == ROLE_GRID_WORKER && region_level_of_code(user->scope) == REGION_GRID;
}

int auth_token_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb || la == 0)
        return 0;
    return sodium_memcmp(a, b, la) == 0;
}

/* 32 random bytes as 64 lower-case hex characters. */
static void random_token(char out[AUTH_TOKEN_HEX + 1])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, AUTH_TOKEN_HEX + 1, raw, sizeof raw);
}

/* BLAKE2b-256 of a token, hex. */
static void token_hash(const char *token, char out[AUTH_TOKEN_HEX + 1])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, AUTH_TOKEN_HEX + 1, h, sizeof h);
}

static int valid_token_syntax(const char *t)
{
    if (strlen(t) != AUTH_TOKEN_HEX)
        return 0;
    for (const char *p = t; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return 1;
}

static void fill_user(struct store_stmt *st, int first, struct auth_user *u)
{
    memset(u, 0, sizeof *u);
    u->id = store_column_int64(st, first);
    snprintf(u->username, sizeof u->username, "%s", store_column_text(st, first + 1));
    snprintf(u->display_name, sizeof u->display_name, "%s", store_column_text(st, first + 2));
    u->role = auth_role_from_name(store_column_text(st, first + 3));
    snprintf(u->scope, sizeof u->scope, "%s", store_column_text(st, first + 4));
}

/* ---- the session cache ------------------------------------------------------
 *
 * Nearly every request carries a session or a token that was looked up a
 * moment before.  A process keeps the answer of a lookup for up to a minute,
 * stamped with the database's change epoch (store_epoch): whatever ends or
 * changes a session, a token or a user -- logout, a new password, role,
 * scope, disabling (end_sessions), revoking a token -- bumps the epoch when
 * it commits, in this process or in any other (the CLI, a second server), and
 * every answer kept before that is not used again.  Expiry is checked at each
 * use; the idle clock is still touched in the database once a minute, since
 * an answer is kept only until its session's last_seen + 60 s.  Where the
 * epoch is not shared (store_epoch() = 0: a PostgreSQL process whose listener
 * is not connected, the CLI on PostgreSQL) nothing is kept.  Direct-mapped
 * by the token's hash, one read-write lock: a lookup holds it shared for a
 * copy (the worker threads look up at once without waiting for each other),
 * a store holds it exclusive. */
#define CACHE_SLOTS   1024
#define CACHE_SECONDS 60

struct cached_auth {
    char hash[AUTH_TOKEN_HEX + 1]; /* the token's hash, "" for an empty slot */
    int bearer;                    /* 1 for an API token, 0 for a cookie session */
    uint64_t epoch;                /* store_epoch() read before the lookup */
    int64_t until;                 /* usable before this time (unix seconds) */
    struct auth_user user;
};

static struct cached_auth cache[CACHE_SLOTS];
static pthread_rwlock_t cache_lock = PTHREAD_RWLOCK_INITIALIZER;

/* The slot of a hash: its first four hex digits (the hash is uniform). */
static struct cached_auth *cache_slot(const char *hash)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++)
        v = v * 16 + (unsigned)(hash[i] <= '9' ? hash[i] - '0' : hash[i] - 'a' + 10);
    return &cache[v % CACHE_SLOTS];
}

static int cache_get(const char *hash, int bearer, uint64_t epoch, int64_t now,
                     struct auth_user *out)
{
    if (!epoch)
        return 0;
    struct cached_auth *c = cache_slot(hash);
    int hit = 0;
    pthread_rwlock_rdlock(&cache_lock);
    if (c->epoch == epoch && c->bearer == bearer && now < c->until && strcmp(c->hash, hash) == 0) {
        *out = c->user;
        hit = 1;
    }
    pthread_rwlock_unlock(&cache_lock);
    return hit;
}

static void cache_put(const char *hash, int bearer, uint64_t epoch, int64_t until,
                      const struct auth_user *user)
{
    if (!epoch)
        return;
    struct cached_auth *c = cache_slot(hash);
    pthread_rwlock_wrlock(&cache_lock);
    memcpy(c->hash, hash, sizeof c->hash);
    c->bearer = bearer;
    c->epoch = epoch;
    c->until = until;
    c->user = *user;
    pthread_rwlock_unlock(&cache_lock);
}

int auth_authenticate(struct store *s, const char *session_token, const char *bearer_token,
                      struct auth_user *out, struct ep_error *err)
{
    const char *token = bearer_token ? bearer_token : session_token;
    if (!token || !valid_token_syntax(token))
        return ep_error_set(err, EP_EUNAUTH, "请先登录", "please log in");
    char hash[AUTH_TOKEN_HEX + 1];
    token_hash(token, hash);
    int64_t now = (int64_t)time(NULL);
    int bearer = bearer_token != NULL;
    /* Read before the lookup: a change committed after this read, even one
     * the lookup below still misses, moves the epoch past what is kept. */
    uint64_t epoch = store_epoch(s);
    if (cache_get(hash, bearer, epoch, now, out))
        return 0;
    struct store_stmt *st;
    if (bearer) {
        st = store_prepare(s,
                           "SELECT u.id, u.username, u.display_name, u.role, u.scope, 0, '', 0, 0"
                           " FROM api_tokens t JOIN users u ON u.id = t.user_id"
                           " WHERE t.token_hash = ? AND t.revoked_at IS NULL AND u.active = 1",
                           err);
    } else {
        st = store_prepare(s,
                           "SELECT u.id, u.username, u.display_name, u.role, u.scope, s.id,"
                           " s.csrf, s.last_seen, s.expires_at FROM sessions s"
                           " JOIN users u ON u.id = s.user_id"
                           " WHERE s.token_hash = ? AND u.active = 1 AND s.expires_at > ?"
                           " AND s.last_seen > ?",
                           err);
        if (st) {
            store_bind_int64(st, 2, now);
            store_bind_int64(st, 3, now - AUTH_SESSION_IDLE_SECONDS);
        }
    }
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, hash);
    int rc = store_step(st, err);
    if (rc != STORE_ROW) {
        store_stmt_reset(st);
        return rc < 0 ? rc
                      : ep_error_set(err, EP_EUNAUTH, "登录已失效,请重新登录",
                                     "session expired, please log in again");
    }
    fill_user(st, 0, out);
    out->session_id = store_column_int64(st, 5);
    snprintf(out->csrf, sizeof out->csrf, "%s", store_column_text(st, 6));
    int64_t last_seen = store_column_int64(st, 7);
    int64_t expires_at = store_column_int64(st, 8);
    store_stmt_reset(st);
    int64_t until = now + CACHE_SECONDS;
    if (out->session_id) {
        if (now - last_seen >= 60) {
            /* Touch the idle clock at most once a minute: a write per request would cost an fsync.
             */
            struct store_stmt *up =
                store_prepare(s, "UPDATE sessions SET last_seen = ? WHERE id = ?", err);
            if (!up)
                return -EP_EINTERNAL;
            store_bind_int64(up, 1, now);
            store_bind_int64(up, 2, out->session_id);
            if (store_run(up, err) == 0)
                last_seen = now;
            else
                ep_error_clear(err); /* a busy database must not log the user out */
        }
        until = last_seen + CACHE_SECONDS < expires_at ? last_seen + CACHE_SECONDS : expires_at;
    }
    cache_put(hash, bearer, epoch, until, out);
    return 0;
}

/* A hash to verify against when the user does not exist, so that an unknown
 * user costs the same time as a wrong password. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static void make_dummy_hash(void)
{
    if (crypto_pwhash_str(dummy_hash, "not-a-password", 14, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        dummy_hash[0] = '\0';
}

/* Failures within the window and the oldest of them, for one of the three
 * statements below ("a" and "b" bound in order; b may be NULL). */
static int failures_count(struct store *s, const char *sql, const char *a, const char *b,
                          int64_t since, int *count, int64_t *oldest, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s, sql, err);
    if (!st)
        return -EP_EINTERNAL;
    int i = 1;
    store_bind_text(st, i++, a);
    if (b)
        store_bind_text(st, i++, b);
    store_bind_int64(st, i, since);
    int rc = store_step(st, err);
    *count = rc == STORE_ROW ? (int)store_column_int64(st, 0) : 0;
    *oldest = rc == STORE_ROW ? store_column_int64(st, 1) : 0;
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

#define FAILURES_BY_USER_ADDRESS                                                                   \
    "SELECT COUNT(*), COALESCE(MIN(at), 0) FROM login_failures"                                    \
    " WHERE username = ? AND ip = ? AND at > ?"
#define FAILURES_BY_ADDRESS                                                                        \
    "SELECT COUNT(*), COALESCE(MIN(at), 0) FROM login_failures WHERE ip = ? AND at > ?"
#define FAILURES_BY_USER                                                                           \
    "SELECT COUNT(*), COALESCE(MIN(at), 0) FROM login_failures WHERE username = ? AND at > ?"

struct burst {
    struct store *s;
    const char *kind;     /* "user_address", "address", "user" */
    const char *username; /* the username tried */
    const char *ip;       /* the client address */
    int failures;         /* failures within the window, this one included */
    struct ep_error *err;
};

/* The security alert of burst "b" in region "r" (audit row + event). */
static int burst_alert(const struct region *r, void *ctx)
{
    const struct burst *b = ctx;
    if (audit_record_raw(b->s, 0, b->username, b->ip, "login_burst", "session", b->kind, r->code,
                         b->err) != 0)
        return -EP_EINTERNAL;
    json_t *payload =
        json_pack("{s:s, s:s, s:s, s:i, s:i}", "kind", b->kind, "username", b->username, "ip",
                  b->ip, "failures", b->failures, "window_seconds", AUTH_THROTTLE_WINDOW_SECONDS);
    int rc = payload ? event_publish(b->s, r->code, "security.login_burst", payload, NULL, b->err)
                     : -EP_EINTERNAL;
    json_decref(payload);
    return rc;
}

/* Raises the alert of burst "b" in "scope" (a user's), or in every city when
 * "scope" is NULL (a username that does not exist, an address). */
static int burst_raise(struct burst *b, const char *scope)
{
    if (scope) {
        struct region r;
        memset(&r, 0, sizeof r);
        snprintf(r.code, sizeof r.code, "%s", scope);
        return burst_alert(&r, b);
    }
    return region_children_list(b->s, "", burst_alert, b, b->err);
}

int auth_login(struct store *s, const char *username, const char *password, const char *ip,
               const struct auth_throttle *limits, struct auth_user *out,
               char token_out[AUTH_TOKEN_HEX + 1], int *retry_after, struct ep_error *err)
{
    int64_t now = (int64_t)time(NULL), since = now - AUTH_THROTTLE_WINDOW_SECONDS;
    *retry_after = 0;
    pthread_once(&dummy_once, make_dummy_hash);
    struct auth_throttle lim = {AUTH_THROTTLE_PER_USER_ADDRESS, AUTH_THROTTLE_PER_ADDRESS,
                                AUTH_THROTTLE_PER_USER_ALERT};
    if (limits && limits->per_user_address > 0)
        lim.per_user_address = limits->per_user_address;
    if (limits && limits->per_address > 0)
        lim.per_address = limits->per_address;
    if (limits && limits->per_user_alert > 0)
        lim.per_user_alert = limits->per_user_alert;
    /* Throttled per (username, address) and per address, never per username
     * alone: failures from one place must not lock the account elsewhere. */
    int by_pair = 0, by_address = 0;
    int64_t pair_oldest = 0, address_oldest = 0;
    if (failures_count(s, FAILURES_BY_USER_ADDRESS, username, ip, since, &by_pair, &pair_oldest,
                       err) != 0 ||
        failures_count(s, FAILURES_BY_ADDRESS, ip, NULL, since, &by_address, &address_oldest,
                       err) != 0)
        return err->code ? -err->code : -EP_EINTERNAL;
    int64_t until = 0;
    if (by_pair >= lim.per_user_address)
        until = pair_oldest + AUTH_THROTTLE_WINDOW_SECONDS;
    if (by_address >= lim.per_address && address_oldest + AUTH_THROTTLE_WINDOW_SECONDS > until)
        until = address_oldest + AUTH_THROTTLE_WINDOW_SECONDS;
    if (until) {
        *retry_after = (int)(until - now);
        if (*retry_after < 1)
            *retry_after = 1;
        return ep_error_set(err, EP_ETHROTTLE, "登录失败次数过多,请 %d 秒后再试",
                            "too many failed logins, retry in %d seconds", *retry_after);
    }

    struct store_stmt *st =
        store_prepare(s,
                      "SELECT id, username, display_name, role, scope,"
                      " password_hash FROM users WHERE username = ? AND active = 1",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, username);
    int rc = store_step(st, err);
    char stored[crypto_pwhash_STRBYTES];
    int found = rc == STORE_ROW;
    if (found) {
        fill_user(st, 0, out);
        snprintf(stored, sizeof stored, "%s", store_column_text(st, 5));
    } else {
        memcpy(stored, dummy_hash, sizeof stored);
    }
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    int ok = crypto_pwhash_str_verify(stored, password, strlen(password)) == 0 && found;

    if (store_begin(s, err) != 0)
        return -EP_EUNAVAILABLE;
    if (!ok) {
        struct store_stmt *ins =
            store_prepare(s, "INSERT INTO login_failures (username, ip, at) VALUES (?, ?, ?)", err);
        if (!ins)
            goto fail;
        store_bind_text(ins, 1, username);
        store_bind_text(ins, 2, ip);
        store_bind_int64(ins, 3, now);
        if (store_run(ins, err) != 0 ||
            audit_record_raw(s, found ? out->id : 0, username, ip, "login_failed", "session", NULL,
                             found ? out->scope : "", err) != 0)
            goto fail;
        /* A burst raises one alert, when this failure reaches a budget.
         * Counted again inside the transaction (which holds the write lock),
         * so that concurrent failures cannot step over the budget unseen. */
        struct burst b = {s, NULL, username, ip, 0, err};
        const char *scope = found ? out->scope : NULL;
        int64_t ignored;
        struct {
            const char *kind, *sql, *first, *second;
            int budget;
            const char *scope;
        } checks[] = {
            {"user_address", FAILURES_BY_USER_ADDRESS, username, ip, lim.per_user_address, scope},
            {"address", FAILURES_BY_ADDRESS, ip, NULL, lim.per_address, NULL},
            {"user", FAILURES_BY_USER, username, NULL, lim.per_user_alert, scope},
        };
        for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
            if (failures_count(s, checks[i].sql, checks[i].first, checks[i].second, since,
                               &b.failures, &ignored, err) != 0)
                goto fail;
            b.kind = checks[i].kind;
            if (b.failures == checks[i].budget && burst_raise(&b, checks[i].scope) != 0)
                goto fail;
        }
        if (store_commit(s, err) != 0)
            goto fail;
        memset(out, 0, sizeof *out);
        return ep_error_set(err, EP_EUNAUTH, "用户名或密码错误", "wrong username or password");
    }
    random_token(token_out);
    random_token(out->csrf);
    char hash[AUTH_TOKEN_HEX + 1];
    token_hash(token_out, hash);
    struct store_stmt *ins = store_prepare(
        s,
        "INSERT INTO sessions (token_hash, user_id, csrf, created_at, last_seen, expires_at, ip)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        err);
    if (!ins)
        goto fail;
    store_bind_text(ins, 1, hash);
    store_bind_int64(ins, 2, out->id);
    store_bind_text(ins, 3, out->csrf);
    store_bind_int64_twice(ins, 4, now);
    store_bind_int64(ins, 6, now + AUTH_SESSION_ABSOLUTE_SECONDS);
    store_bind_text(ins, 7, ip);
    if (store_run(ins, err) != 0)
        goto fail;
    out->session_id = store_last_insert_id(s);
    char sid[24];
    snprintf(sid, sizeof sid, "%lld", (long long)out->session_id);
    if (audit_record_raw(s, out->id, out->username, ip, "login", "session", sid, out->scope, err) !=
            0 ||
        store_commit(s, err) != 0)
        goto fail;
    return 0;
fail:
    store_rollback(s);
    memset(out, 0, sizeof *out);
    return err->code ? -err->code : -EP_EINTERNAL;
}

int auth_logout(struct store *s, const struct auth_user *user, const char *ip, struct ep_error *err)
{
    if (!user->session_id)
        return 0;
    if (store_begin(s, err) != 0)
        return -EP_EUNAVAILABLE;
    struct store_stmt *st = store_prepare(s, "DELETE FROM sessions WHERE id = ?", err);
    char sid[24];
    snprintf(sid, sizeof sid, "%lld", (long long)user->session_id);
    if (!st)
        goto fail;
    store_bind_int64(st, 1, user->session_id);
    store_epoch_bump(s); /* the session kept by any process is not used again */
    if (store_run(st, err) != 0 ||
        audit_record_raw(s, user->id, user->username, ip, "logout", "session", sid, user->scope,
                         err) != 0 ||
        store_commit(s, err) != 0)
        goto fail;
    return 0;
fail:
    store_rollback(s);
    return err->code ? -err->code : -EP_EINTERNAL;
}

static int valid_username(const char *u)
{
    size_t n = strlen(u);
    if (n < 3 || n > 32)
        return 0;
    for (const char *p = u; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
              *p == '-'))
            return 0;
    return 1;
}

static int hash_password(const char *password, char out[crypto_pwhash_STRBYTES],
                         struct ep_error *err)
{
    if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return ep_error_set(err, EP_EINTERNAL, "内存不足,无法计算密码哈希",
                            "out of memory while hashing the password");
    return 0;
}

int auth_user_create(struct store *s, const struct auth_user *creator, const char *ip,
                     const struct auth_user_input *in, int64_t *id_out, struct ep_error *err)
{
    if (!in->username || !valid_username(in->username))
        ep_error_field(err, "username", "用户名应为 3-32 位小写字母、数字或 _ . -",
                       "username must be 3-32 of a-z, 0-9, _ . -");
    int role = auth_role_from_name(in->role);
    if (role < 0)
        ep_error_field(
            err, "role",
            "角色无效,可选 "
            "admin、commander、grid_worker、health、organiser、supplies、inspector、viewer",
            "invalid role; one of admin, commander, grid_worker, health, organiser, "
            "supplies, inspector, viewer");
    struct region r;
    struct ep_error tmp;
    ep_error_clear(&tmp);
    if (!in->scope || region_get(s, in->scope, &r, &tmp) != 0)
        ep_error_field(err, "scope", "管辖地区不存在", "scope region does not exist");
    if (in->display_name && (utf8_length(in->display_name, strlen(in->display_name)) > 40))
        ep_error_field(err, "display_name", "姓名不能超过 40 个字",
                       "display name must be at most 40 characters");
    if (in->phone && *in->phone && !idcheck_phone(in->phone))
        ep_error_field(err, "phone", "电话号码格式错误", "invalid phone number");
    if (!in->password || strlen(in->password) < 8 || strlen(in->password) > 128)
        ep_error_field(err, "password", "密码至少 8 位", "password must be at least 8 characters");
    if (err->code)
        return -EP_EINVAL;
    if (creator && !region_in_scope(in->scope, creator->scope))
        return ep_error_set(err, EP_EFORBIDDEN, "只能在自己的管辖范围内创建用户",
                            "users can only be created inside your jurisdiction");
    char hash[crypto_pwhash_STRBYTES];
    if (hash_password(in->password, hash, err) != 0)
        return -EP_EINTERNAL;
    char now[32];
    time_now_iso(now);
    const char *display = in->display_name && *in->display_name ? in->display_name : in->username;
    struct auth_user cli_user;
    struct actor cli, who = {creator, ip};
    if (!creator) {
        audit_cli_actor(&cli_user, &cli);
        who = cli;
    }
    struct write w;
    if (write_begin(&w, s, &who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    int64_t id = 0;
    struct store_stmt *st = store_prepare(
        s,
        "INSERT INTO users (username, display_name, role, scope, phone, password_hash, active,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
        err);
    if (!st) {
        write_fail(&w, -EP_EINTERNAL);
        goto out;
    }
    store_bind_text(st, 1, in->username);
    store_bind_text(st, 2, display);
    store_bind_text(st, 3, auth_role_name(role));
    store_bind_text(st, 4, in->scope);
    store_bind_text(st, 5, in->phone && *in->phone ? in->phone : NULL);
    store_bind_text(st, 6, hash);
    store_bind_text_twice(st, 7, now);
    int rc = store_run(st, err);
    if (rc == -EP_ECONFLICT) {
        ep_error_clear(err);
        rc = ep_error_set(err, EP_ECONFLICT, "用户名 %s 已存在", "username %s already exists",
                          in->username);
    }
    if (write_fail(&w, rc) != 0)
        goto out;
    id = store_last_insert_id(s);
    write_audit_new(&w, "create", "user", id, in->scope, NULL,
                    json_pack("{s:s, s:s, s:s, s:s}", "username", in->username, "display_name",
                              display, "role", auth_role_name(role), "scope", in->scope));
out:
    if (write_end(&w, id) == 0 && id_out)
        *id_out = id;
    return w.rc;
}

/* Ends every session of user "user_id" and revokes every token, as steps of
 * "w" (finding 6 of issue #16 was the opposite: a cookie that outlived a
 * password change).  Sessions are rows shared by every server process on the
 * database; what a process keeps of them (the session cache above) is
 * dropped by the epoch bump at commit, so the commit ends them everywhere at
 * once.  Stores the counts in *sessions and
 * *tokens.  Returns the write's failure. */
static int end_sessions(struct write *w, int64_t user_id, const char *now, int64_t *sessions,
                        int64_t *tokens)
{
    struct store_stmt *d = store_prepare(w->s, "DELETE FROM sessions WHERE user_id = ?", w->err);
    if (!d)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_int64(d, 1, user_id);
    if (write_fail(w, store_run(d, w->err)) != 0)
        return w->rc;
    *sessions = store_changes(w->s);
    struct store_stmt *t = store_prepare(
        w->s, "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        w->err);
    if (!t)
        return write_fail(w, -EP_EINTERNAL);
    store_bind_text(t, 1, now);
    store_bind_int64(t, 2, user_id);
    if (write_fail(w, store_run(t, w->err)) != 0)
        return w->rc;
    *tokens = store_changes(w->s);
    store_epoch_bump(w->s); /* no process uses what it kept of them */
    return 0;
}

/* Runs one UPDATE of user "username" in a transaction with its audit row,
 * and ends the user's sessions and tokens in the same transaction: whatever
 * changed (password, role, scope, active), a session opened before the
 * change must not go on with the old rights.  "sql" binds "value" first when
 * it is not NULL, then "value2" when it is not NULL, then the time and the
 * id.  "before" and "after" (borrowed, may be NULL) go to the audit row, to
 * which the counts of ended sessions and tokens are added. */
static int update_user(struct store *s, const char *sql, const char *value, const char *value2,
                       const char *username, const char *action, struct ep_error *err)
{
    struct auth_user u;
    int active;
    if (auth_user_get(s, username, &u, &active, err) != 0)
        return -err->code;
    struct auth_user cli_user;
    struct actor cli;
    audit_cli_actor(&cli_user, &cli);
    struct write w;
    if (write_begin(&w, s, &cli, NULL, NULL, NULL, err) != 0)
        return w.rc;
    json_t *before = NULL, *after = NULL;
    struct store_stmt *st = write_prepare(&w, sql);
    if (!st)
        goto out;
    int idx = 1;
    if (value)
        store_bind_text(st, idx++, value);
    if (value2)
        store_bind_text(st, idx++, value2);
    store_bind_text(st, idx++, w.now);
    store_bind_int64(st, idx, u.id);
    int64_t sessions = 0, tokens = 0;
    if (write_fail(&w, store_run(st, err)) != 0 ||
        end_sessions(&w, u.id, w.now, &sessions, &tokens) != 0)
        goto out;
    struct auth_user changed = u;
    if (auth_user_get(s, username, &changed, NULL, err) != 0) {
        write_fail(&w, -err->code);
        goto out;
    }
    before = json_pack("{s:s, s:s, s:b}", "role", auth_role_name(u.role), "scope", u.scope,
                       "active", active);
    after = json_pack("{s:s, s:s, s:b, s:I, s:I}", "role", auth_role_name(changed.role), "scope",
                      changed.scope, "active", strcmp(action, "disable") ? active : 0,
                      "sessions_ended", (json_int_t)sessions, "tokens_revoked", (json_int_t)tokens);
    write_audit(&w, action, "user", u.id, changed.scope, before, after);
out:
    json_decref(before);
    json_decref(after);
    return write_end(&w, u.id);
}

int auth_user_set_password(struct store *s, const char *username, const char *password,
                           struct ep_error *err)
{
    if (!password || strlen(password) < 8 || strlen(password) > 128) {
        ep_error_field(err, "password", "密码至少 8 位", "password must be at least 8 characters");
        return -EP_EINVAL;
    }
    char hash[crypto_pwhash_STRBYTES];
    if (hash_password(password, hash, err) != 0)
        return -EP_EINTERNAL;
    return update_user(s, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", hash,
                       NULL, username, "passwd", err);
}

int auth_user_update(struct store *s, const char *username, const char *role, const char *scope,
                     struct ep_error *err)
{
    if (!role && !scope)
        return ep_error_set(err, EP_EINVAL, "请给出 --role 或 --scope", "give --role or --scope");
    if (role && auth_role_from_name(role) < 0)
        ep_error_field(
            err, "role",
            "角色无效,可选 "
            "admin、commander、grid_worker、health、organiser、supplies、inspector、viewer",
            "invalid role; one of admin, commander, grid_worker, health, organiser, "
            "supplies, inspector, viewer");
    struct region r;
    struct ep_error tmp;
    ep_error_clear(&tmp);
    if (scope && region_get(s, scope, &r, &tmp) != 0)
        ep_error_field(err, "scope", "管辖地区不存在", "scope region does not exist");
    if (err->code)
        return -EP_EINVAL;
    if (role && scope)
        return update_user(s, "UPDATE users SET role = ?, scope = ?, updated_at = ? WHERE id = ?",
                           role, scope, username, "update", err);
    if (role)
        return update_user(s, "UPDATE users SET role = ?, updated_at = ? WHERE id = ?", role, NULL,
                           username, "update", err);
    return update_user(s, "UPDATE users SET scope = ?, updated_at = ? WHERE id = ?", scope, NULL,
                       username, "update", err);
}

int auth_user_disable(struct store *s, const char *username, struct ep_error *err)
{
    return update_user(s, "UPDATE users SET active = 0, updated_at = ? WHERE id = ?", NULL, NULL,
                       username, "disable", err);
}

int auth_user_get(struct store *s, const char *username, struct auth_user *out, int *active,
                  struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s, "SELECT id, username, display_name, role, scope, active FROM users WHERE username = ?",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, username);
    int rc = store_step(st, err);
    if (rc == STORE_ROW) {
        fill_user(st, 0, out);
        if (active)
            *active = (int)store_column_int64(st, 5);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = ep_error_set(err, EP_ENOTFOUND, "用户 %s 不存在", "user %s not found", username);
    }
    store_stmt_reset(st);
    return rc;
}

int auth_user_list(struct store *s, const char *scope, const char *after, int limit,
                   auth_user_fn fn, void *ctx, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s,
        "SELECT id, username, display_name, role, scope, active, COALESCE(phone, '') FROM users"
        " WHERE scope >= ? AND scope < ? AND username > ? ORDER BY username LIMIT ?",
        err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, scope);
    store_bind_text(st, 3, after ? after : "");
    store_bind_int64(st, 4, limit);
    int rc;
    struct auth_user u;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        fill_user(st, 0, &u);
        if ((rc = fn(&u, (int)store_column_int64(st, 5), store_column_text(st, 6), ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

int auth_token_create(struct store *s, const char *username, const char *label,
                      char token_out[AUTH_TOKEN_HEX + 1], int64_t *id_out, struct ep_error *err)
{
    struct auth_user u;
    int active;
    if (auth_user_get(s, username, &u, &active, err) != 0)
        return -err->code;
    if (!active)
        return ep_error_set(err, EP_ERULE, "用户 %s 已停用", "user %s is disabled", username);
    random_token(token_out);
    char hash[AUTH_TOKEN_HEX + 1], now[32];
    token_hash(token_out, hash);
    time_now_iso(now);
    struct auth_user cli_user;
    struct actor cli;
    audit_cli_actor(&cli_user, &cli);
    struct write w;
    if (write_begin(&w, s, &cli, NULL, NULL, NULL, err) != 0)
        return w.rc;
    int64_t id = 0;
    struct store_stmt *st = store_prepare(
        s, "INSERT INTO api_tokens (token_hash, user_id, label, created_at) VALUES (?, ?, ?, ?)",
        err);
    if (!st) {
        write_fail(&w, -EP_EINTERNAL);
        goto out;
    }
    store_bind_text(st, 1, hash);
    store_bind_int64(st, 2, u.id);
    store_bind_text(st, 3, label ? label : "");
    store_bind_text(st, 4, now);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    id = store_last_insert_id(s);
    write_audit(&w, "create", "api_token", id, u.scope, NULL, NULL);
out:
    if (write_end(&w, id) == 0 && id_out)
        *id_out = id;
    return w.rc;
}

int auth_token_revoke(struct store *s, int64_t id, struct ep_error *err)
{
    char now[32], sid[24];
    time_now_iso(now);
    snprintf(sid, sizeof sid, "%lld", (long long)id);
    struct auth_user cli_user;
    struct actor cli;
    audit_cli_actor(&cli_user, &cli);
    struct write w;
    if (write_begin(&w, s, &cli, NULL, NULL, NULL, err) != 0)
        return w.rc;
    struct store_stmt *st = store_prepare(
        s, "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", err);
    if (!st) {
        write_fail(&w, -EP_EINTERNAL);
        goto out;
    }
    store_bind_text(st, 1, now);
    store_bind_int64(st, 2, id);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    store_epoch_bump(s); /* no process uses what it kept of the token */
    if (store_changes(s) == 0) {
        write_fail(&w, ep_error_set(err, EP_ENOTFOUND, "令牌 %s 不存在或已吊销",
                                    "token %s not found or already revoked", sid));
        goto out;
    }
    write_audit(&w, "revoke", "api_token", id, "", NULL, NULL);
out:
    return write_end(&w, id);
}

int auth_token_list(struct store *s, auth_token_fn fn, void *ctx, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT t.id, u.username, t.label, t.created_at, COALESCE(t.revoked_at, '')"
                      " FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.id",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        if ((rc = fn(store_column_int64(st, 0), store_column_text(st, 1), store_column_text(st, 2),
                     store_column_text(st, 3), store_column_text(st, 4), ctx)) != 0)
            break;
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}
