/*
 * server.c -- libmicrohttpd glue: request lifecycle, body collection, routing,
 * authentication, error rendering, static assets, per-request log lines.
 *
 * Lifecycle of one request (see the access callback):
 *   1st call   allocate the request context; queue nothing (queuing in the
 *              first call makes libmicrohttpd 0.9.75 add "Connection: close"
 *              and kills keep-alive).
 *   next calls collect the body into a buffer, up to body_limit.
 *   last call  (no more data) dispatch and queue the response.
 *   completed  log line, free the arena.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/auth.h"
#include "core/event.h"
#include "core/observation.h"
#include "store/group.h"
#include "http/ratelimit.h"
#include "http/router.h"
#include "http/static.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/gzip.h"
#include "util/idcheck.h"
#include "util/json.h"
#include "util/log.h"
#include "util/timeutil.h"

#define MAX_STORES            256
#define SSE_HEARTBEAT_SECONDS 15
#define SSE_BATCH             100 /* events read per wake-up */
#define LISTEN_WAIT_MS        500 /* listener's longest wait, so a stop is noticed */
#define SWEEP_SECONDS         60  /* overdue follow-ups are looked for this often (default) */
/* Flood defaults (serve --timeout, --max-connections, --max-per-ip, --write-rate). */
#define DEFAULT_TIMEOUT_S       30
#define DEFAULT_MAX_CONNECTIONS 1000
#define DEFAULT_MAX_PER_IP      256 /* an office behind one NAT address fits */
#define DEFAULT_WRITE_RATE      200 /* writes/s per address; the burst is twice that */
#define DEFAULT_LOOKUP_BURST    30  /* exact ID-number lookups a user may make at once ... */
#define DEFAULT_LOOKUP_SECONDS  20  /* ... then one more every this many seconds */
/* A connection's memory for the request's headers and the answer's; the
 * headers may fill about half of it.  libmicrohttpd zeroes all of it before
 * every request on the connection (5 % of the HTTP workers' time under B1),
 * but a request line of about its size leaves no room for any answer and is
 * closed without one (longer ones get 414): at 16 KiB that edge was within
 * what tests/api/fuzz_regressions sends, at 32 KiB it is beyond any request
 * the pages or the fuzz make. */
#define DEFAULT_HEADER_MEMORY (32 * 1024)

struct sse_stream;

struct http_server {
    struct MHD_Daemon *daemon;        /* libmicrohttpd instance */
    struct http_server_config cfg;    /* copy of the configuration */
    char *db_path;                    /* owned copy of cfg.db_path */
    pthread_mutex_t lock;             /* guards stores[] */
    struct store *stores[MAX_STORES]; /* connections opened by worker threads */
    int nstores;
    int port;                      /* bound port */
    struct store_group *writer;    /* group commit for deferred writes */
    struct http_ratelimit *writes; /* per-address write limit, NULL when off */
    struct sockaddr_in6 proxies[HTTP_TRUSTED_PROXIES_MAX]; /* --trusted-proxy, IPv4 mapped */
    int nproxies;
    struct http_ratelimit *lookups; /* per-user limit of exact ID-number lookups */
    pthread_mutex_t sse_lock;       /* guards the fields below */
    pthread_cond_t sse_tick;        /* heartbeat thread sleeps on it */
    struct sse_stream *sse_waiting; /* suspended event streams */
    uint64_t sse_generation;        /* bumped at every wake-up */
    uint64_t sse_published_seen;    /* event_published_count() at the last wake-up */
    int stopping;                   /* 1 once http_server_stop began */
    pthread_t heartbeat;            /* wakes streams for keep-alive comments */
    pthread_t listener;             /* PostgreSQL: other processes' events */
    int listening;                  /* 1 when listener runs */
    pthread_t sweeper;              /* submits the overdue sweep every cfg.sweep_seconds */
};

enum request_state {
    REQ_NEW,      /* collecting the body */
    REQ_DEFERRED, /* suspended: the write is with the group-commit writer */
    REQ_WRITTEN,  /* resumed: the write's outcome is in the job */
};

struct request_ctx {
    struct arena arena;               /* per-request memory */
    struct buf body;                  /* collected body */
    int body_too_large;               /* 1 once body_limit was passed */
    int retry_after;                  /* >0: write refused by the rate limit, wait this long */
    char client_ip[INET6_ADDRSTRLEN]; /* the client: the peer, or X-Forwarded-For of a trusted proxy
                                       */
    int status;                       /* status sent, for the log line */
    int64_t start_us;                 /* monotonic start, for the log line */
    char method[8];                   /* for the log line */
    char *path;                       /* for the log line (malloc) */
    int state;                        /* enum request_state */
    struct http_request req;          /* kept across suspension */
    struct http_response res;
    http_write_fn write_run;     /* deferred write: runs on the writer */
    http_encode_fn write_encode; /* deferred write: encodes after commit */
    void *write_ctx;
    struct MHD_Connection *conn; /* for resuming */
    /* Last, and in this order (ctx_new clears what is before "err"): each
     * holds a struct ep_error of ~10 KB that need not be zeroed. */
    struct ep_error err;
    struct store_group_job job; /* the deferred write */
};

/* A request context is ~20 KB (its two struct ep_error): calloc and free of
 * that per request showed in the profile of GET /api/v1/stats (zeroing,
 * malloc_consolidate).  Each MHD worker thread keeps the contexts of its
 * finished requests for the next ones (a connection is served by one thread
 * from accept to close).  Up to SPARE_CTX_MAX of them: a thread has as many
 * writes waiting for the writer as it has connections (perf of B1: 8 % of the
 * workers' time zeroing fresh contexts when only one was kept).  A thread's
 * spares are freed when the thread ends. */
#define SPARE_CTX_MAX 64

struct spare_ctxs {
    int n;
    struct request_ctx *ctx[SPARE_CTX_MAX];
};

static pthread_key_t spare_ctx_key;
static pthread_once_t spare_ctx_once = PTHREAD_ONCE_INIT;

static void spare_ctxs_free(void *arg)
{
    struct spare_ctxs *sp = arg;
    while (sp->n > 0)
        free(sp->ctx[--sp->n]);
    free(sp);
}

static void spare_ctx_key_create(void)
{
    (void)pthread_key_create(&spare_ctx_key, spare_ctxs_free);
}

/* A context with every field zero and both errors clear, or NULL. */
static struct request_ctx *ctx_new(void)
{
    pthread_once(&spare_ctx_once, spare_ctx_key_create);
    struct spare_ctxs *sp = pthread_getspecific(spare_ctx_key);
    if (!sp || sp->n == 0)
        return calloc(1, sizeof(struct request_ctx));
    struct request_ctx *ctx = sp->ctx[--sp->n];
    memset(ctx, 0, offsetof(struct request_ctx, err));
    ep_error_clear(&ctx->err);
    ep_error_clear(&ctx->job.err);
    ctx->job.run = NULL;
    ctx->job.done = NULL;
    ctx->job.ctx = NULL;
    ctx->job.rc = 0;
    ctx->job.next = NULL;
    return ctx;
}

/* Keeps "ctx" (its members already released) as one of this thread's spares,
 * or frees it. */
static void ctx_free(struct request_ctx *ctx)
{
    pthread_once(&spare_ctx_once, spare_ctx_key_create);
    struct spare_ctxs *sp = pthread_getspecific(spare_ctx_key);
    if (!sp && (sp = calloc(1, sizeof *sp)) != NULL &&
        pthread_setspecific(spare_ctx_key, sp) != 0) {
        free(sp);
        sp = NULL;
    }
    if (sp && sp->n < SPARE_CTX_MAX)
        sp->ctx[sp->n++] = ctx;
    else
        free(ctx);
}

/* A live GET /api/v1/events response. */
struct sse_stream {
    struct http_server *srv;
    struct MHD_Connection *conn;
    char scope[REGION_CODE_MAX]; /* the subscriber's jurisdiction */
    int role;                    /* the subscriber's role: security.* events need audit_read */
    int64_t cursor;              /* last event id sent */
    struct buf pending;          /* formatted bytes not yet handed to MHD */
    size_t pending_off;          /* bytes of pending already sent */
    int64_t last_send_us;        /* for heartbeats */
    int waiting;                 /* 1 while on srv->sse_waiting */
    struct sse_stream *next;     /* waiting list link */
};

static _Thread_local struct store *thread_store;
static _Thread_local struct http_server *thread_store_owner;

/* This thread's connection, opened on first use and registered for closing. */
static struct store *worker_store(struct http_server *srv, struct ep_error *err)
{
    if (thread_store && thread_store_owner == srv)
        return thread_store;
    struct store *s;
    if (store_open(&s, srv->db_path, 0, err) != 0)
        return NULL;
    pthread_mutex_lock(&srv->lock);
    if (srv->nstores == MAX_STORES) {
        pthread_mutex_unlock(&srv->lock);
        store_close(s);
        ep_error_set(err, EP_EUNAVAILABLE, "服务器繁忙", "server busy");
        return NULL;
    }
    srv->stores[srv->nstores++] = s;
    pthread_mutex_unlock(&srv->lock);
    thread_store = s;
    thread_store_owner = srv;
    return s;
}

const char *http_query(struct http_request *req, const char *key)
{
    return MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_header(struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

void http_add_header(struct http_response *res, const char *name, const char *value)
{
    if (res->nheaders < HTTP_HEADERS_MAX) {
        res->headers[res->nheaders][0] = name;
        res->headers[res->nheaders][1] = value;
        res->nheaders++;
    }
}

json_t *http_body_json(struct http_request *req, struct ep_error *err)
{
    return json_body_parse(req->body ? req->body : "", req->body_len, err);
}

int http_reply_json(struct http_response *res, int status, json_t *json)
{
    res->status = status;
    res->json = json;
    return 0;
}

int http_list_params(struct http_request *req, int def, int max, int *limit, const char **cursor,
                     struct ep_error *err)
{
    const char *l = http_query(req, "limit");
    *limit = def;
    if (l) {
        char *end;
        long v = strtol(l, &end, 10);
        if (*l == '\0' || *end || v < 1 || v > max)
            ep_error_field(err, "limit", "应为 1 到 %d 之间的整数",
                           "must be an integer between 1 and %d", max);
        else
            *limit = (int)v;
    }
    *cursor = http_query(req, "cursor");
    if (*cursor && !utf8_valid(*cursor, strlen(*cursor)))
        ep_error_field(err, "cursor", "分页游标无效", "invalid cursor");
    return err->code ? -EP_EINVAL : 0;
}

int64_t http_query_id(struct http_request *req, const char *key, struct ep_error *err)
{
    const char *v = http_query(req, key);
    if (!v)
        return 0;
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (*v < '0' || *v > '9' || *end || errno == ERANGE || n <= 0 || n > HTTP_ID_MAX) {
        ep_error_field(err, key, "应为正整数", "must be a positive integer");
        return -1;
    }
    return n;
}

int http_require_scope(struct http_request *req, const char *code, struct ep_error *err)
{
    if (region_in_scope(code, req->user.scope))
        return 0;
    return ep_error_set(err, EP_EFORBIDDEN, "超出管辖范围(%s)", "outside your jurisdiction (%s)",
                        req->user.scope);
}

/* Chooses the reply language: ?lang= wins, then Accept-Language, else zh-CN. */
static int pick_lang(struct MHD_Connection *c)
{
    const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
    if (q)
        return strncasecmp(q, "en", 2) == 0 ? EP_LANG_EN : EP_LANG_ZH;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language");
    return h && strncasecmp(h, "en", 2) == 0 ? EP_LANG_EN : EP_LANG_ZH;
}

/* Renders "err" as {"error":{code,message,fields}}. */
static void render_error(const struct ep_error *err, int lang, struct http_response *res)
{
    int code = err->code ? err->code : EP_EINTERNAL;
    json_t *fields = json_array();
    for (int i = 0; i < err->nfields; i++)
        json_array_append_new(
            fields, json_pack("{s:s, s:s}", "field", err->fields[i].field, "message",
                              err->fields[i].msg[lang][0] ? err->fields[i].msg[lang]
                                                          : err->fields[i].msg[EP_LANG_ZH]));
    const char *msg = ep_error_message(err, lang);
    if (!*msg)
        msg = lang == EP_LANG_EN ? "internal error" : "服务器内部错误";
    json_t *body = json_pack("{s:{s:s, s:s, s:o}}", "error", "code", ep_code_name(code), "message",
                             msg, "fields", fields);
    if (res->json)
        json_decref(res->json);
    res->json = body;
    res->status = ep_code_http_status(code);
    if (code == EP_EMETHOD)
        http_add_header(res, "Allow", "GET, POST, PATCH, DELETE");
}

static int is_write_method(const char *m)
{
    return strcmp(m, "POST") == 0 || strcmp(m, "PATCH") == 0 || strcmp(m, "PUT") == 0 ||
           strcmp(m, "DELETE") == 0;
}

static const char *cookie_token(struct MHD_Connection *c)
{
    return MHD_lookup_connection_value(c, MHD_COOKIE_KIND, AUTH_COOKIE_NAME);
}

static const char *bearer_token(struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (h && strncasecmp(h, "Bearer ", 7) == 0)
        return h + 7;
    return NULL;
}

/* MHD_KeyValueIterator: a field error for each query parameter whose value is
 * not UTF-8 (PostgreSQL refuses such text: it was a 500, issue #16 finding
 * 11; SQLite stored it as it came). */
static enum MHD_Result check_query_utf8(void *cls, enum MHD_ValueKind kind, const char *key,
                                        const char *value)
{
    (void)kind;
    struct ep_error *err = cls;
    if (value && !utf8_valid(value, strlen(value)))
        ep_error_field(err, key && utf8_valid(key, strlen(key)) ? key : "?",
                       "应为 UTF-8 编码的文本", "must be UTF-8 text");
    return MHD_YES;
}

/* Route, authenticate, authorise, check the body, run the handler. */
static void dispatch(struct http_server *srv, struct request_ctx *ctx, struct http_request *req,
                     struct http_response *res, struct ep_error *err)
{
    int status = 0;
    const struct route *route = http_route_match(req->method, req->path, req, &status);
    if (!route) {
        if (status == 404 && strcmp(req->method, "GET") == 0 &&
            http_static_serve(req->path, res) == 0)
            return;
        if (status == 405)
            ep_error_set(err, EP_EMETHOD, "不支持的请求方法 %s", "method %s not allowed",
                         req->method);
        else
            ep_error_set(err, EP_ENOTFOUND, "未找到 %s", "%s not found", req->path);
        return;
    }
    req->store = worker_store(srv, err);
    if (!req->store)
        return;
    /* Authentication runs for public routes too, so that e.g. logout knows who. */
    const char *bearer = bearer_token(req->connection);
    const char *cookie = bearer ? NULL : cookie_token(req->connection);
    if (bearer || cookie) {
        struct ep_error auth_err;
        ep_error_clear(&auth_err);
        if (auth_authenticate(req->store, cookie, bearer, &req->user, &auth_err) == 0) {
            req->authenticated = 1;
        } else if (auth_err.code == EP_EUNAVAILABLE || auth_err.code == EP_EINTERNAL) {
            /* The session could not be looked up (database busy, connection
             * lost): say so, rather than a 401 that would log the page out. */
            *err = auth_err;
            return;
        }
    }
    if (route->perm != PERM_PUBLIC) {
        if (!req->authenticated) {
            ep_error_set(err, EP_EUNAUTH, "请先登录", "please log in");
            return;
        }
        if (!auth_role_can(req->user.role, route->perm)) {
            ep_error_set(err, EP_EFORBIDDEN, "当前角色无权执行此操作", "your role may not do this");
            return;
        }
        /* Cookie sessions need the CSRF token on state changes; bearer tokens
         * are never sent by a browser on its own, so they need none. */
        if (is_write_method(req->method) && req->user.session_id) {
            const char *csrf = http_header(req, "X-CSRF-Token");
            if (!csrf || !auth_token_equal(csrf, req->user.csrf)) {
                ep_error_set(err, EP_EFORBIDDEN, "缺少或错误的 CSRF 令牌",
                             "missing or wrong CSRF token");
                return;
            }
        }
    }
    MHD_get_connection_values(req->connection, MHD_GET_ARGUMENT_KIND, check_query_utf8, err);
    if (err->code)
        return;
    if (ctx->body_too_large) {
        ep_error_set(err, EP_ETOOLARGE, "请求体过大(上限 %zu 字节)",
                     "request body too large (limit %zu bytes)", srv->cfg.body_limit);
        return;
    }
    if (strcmp(req->method, "POST") == 0 || strcmp(req->method, "PATCH") == 0 ||
        strcmp(req->method, "PUT") == 0) {
        const char *ct = http_header(req, "Content-Type");
        if (req->body_len > 0 && (!ct || strncasecmp(ct, "application/json", 16) != 0 ||
                                  (ct[16] != '\0' && ct[16] != ';'))) {
            ep_error_set(err, EP_EMEDIA, "Content-Type 应为 application/json",
                         "Content-Type must be application/json");
            return;
        }
    }
    res->status = 200;
    int rc = route->handler(req, res, err);
    if (rc == HTTP_DEFERRED)
        return; /* the write is queued; the connection is suspended */
    if (rc != 0 && err->code == EP_OK)
        ep_error_set(err, EP_EINTERNAL, "服务器内部错误", "internal error");
    while (store_in_transaction(req->store))
        store_rollback(req->store); /* a handler never leaves a transaction open */
}

/* Headers of every response (finding 8 of issue #16): no MIME sniffing, the
 * page's Content-Security-Policy, no Referer sent to other sites (URLs carry
 * region codes and ids), and HSTS when the server is reached over TLS
 * (serve --cookie-secure).  "api" 1 for answers under /api/: they hold
 * personal data or the state of the response, so no cache may keep them. */
static void add_common_headers(const struct http_server *srv, struct MHD_Response *r, int api)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy", http_static_csp());
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    if (api)
        MHD_add_response_header(r, "Cache-Control", "no-store");
    if (srv->cfg.cookie_secure)
        MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
}

/* 1 when the request's Accept-Encoding takes gzip: a "gzip" (or "*")
 * coding whose q is not 0 (RFC 9110 12.5.3). */
static int accepts_gzip(struct MHD_Connection *c)
{
    const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
    while (ae && *ae) {
        ae += strspn(ae, " \t,");
        size_t n = strcspn(ae, " \t,;");
        int named = (n == 4 && strncasecmp(ae, "gzip", 4) == 0) || (n == 1 && *ae == '*');
        const char *end = ae + strcspn(ae, ",");
        const char *q = strstr(ae, ";q=");
        if (!q || q > end)
            q = strstr(ae, "; q=");
        int refused = q && q < end && strtod(strchr(q, '=') + 1, NULL) <= 0.0;
        if (named && !refused)
            return 1;
        ae = end;
    }
    return 0;
}

/* 1 for a type worth compressing: text, JSON, scripts, SVG. */
static int compressible(const char *type)
{
    return type && (strncmp(type, "text/", 5) == 0 || strncmp(type, "application/json", 16) == 0 ||
                    strncmp(type, "image/svg+xml", 13) == 0);
}

/* Bodies smaller than this go as they are: gzip's header and the work would
 * cost more than they save. */
#define GZIP_MIN_BYTES 1024

static enum MHD_Result queue(struct http_server *srv, struct MHD_Connection *c,
                             struct request_ctx *ctx, struct http_response *res)
{
    struct MHD_Response *r;
    const char *ct = res->content_type;
    int gzip = 0; /* 1 when the body below is the gzip member */
    if (res->json) {
        /* 15 significant digits: 38.2 stays "38.2", not 38.200000000000003. */
        char *text = json_dump_flags(res->json, JSON_COMPACT | JSON_REAL_PRECISION(15));
        json_decref(res->json);
        res->json = NULL;
        if (!text)
            abort();
        res->owned = text;
        res->len = strlen(text);
        ct = "application/json; charset=utf-8";
    }
    int may_gzip = compressible(ct) && (res->owned || res->gz_data);
    int wants_gzip = may_gzip && accepts_gzip(c);
    if (res->owned) {
        /* Lists of a grid are 100-150 KB of JSON: level 1 makes them a
         * seventh of that at about a millisecond each. */
        size_t zlen = 0;
        unsigned char *z = wants_gzip && res->len >= GZIP_MIN_BYTES
                               ? gzip_compress(res->owned, res->len, 1, res->len, &zlen)
                               : NULL;
        if (z) {
            free(res->owned);
            r = MHD_create_response_from_buffer(zlen, z, MHD_RESPMEM_MUST_FREE);
            gzip = 1;
        } else {
            r = MHD_create_response_from_buffer(res->len, res->owned, MHD_RESPMEM_MUST_FREE);
        }
        res->owned = NULL;
    } else if (wants_gzip && res->gz_data) {
        r = MHD_create_response_from_buffer(res->gz_len, (void *)res->gz_data,
                                            MHD_RESPMEM_PERSISTENT);
        gzip = 1;
    } else {
        r = MHD_create_response_from_buffer(res->len, (void *)res->data, MHD_RESPMEM_PERSISTENT);
    }
    if (!r)
        return MHD_NO;
    if (ct)
        MHD_add_response_header(r, "Content-Type", ct);
    if (gzip)
        MHD_add_response_header(r, "Content-Encoding", "gzip");
    if (may_gzip)
        MHD_add_response_header(r, "Vary", "Accept-Encoding");
    int api = ctx->path && strncmp(ctx->path, "/api/", 5) == 0;
    add_common_headers(srv, r, api);
    for (int i = 0; i < res->nheaders; i++)
        if (!api || strcasecmp(res->headers[i][0], "Cache-Control") != 0)
            MHD_add_response_header(r, res->headers[i][0], res->headers[i][1]);
    ctx->status = res->status ? res->status : 200;
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)ctx->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- exact lookups ------------------------------------------------------ */

int http_lookup_take(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int wait = http_ratelimit_take_user(req->server->lookups, req->user.id, time_monotonic_us());
    if (wait == 0)
        return 0;
    http_add_header(res, "Retry-After", arena_sprintf(req->arena, "%d", wait));
    return ep_error_set(err, EP_ETHROTTLE, "按身份证号查询过于频繁,请 %d 秒后重试",
                        "too many lookups by ID number; retry in %d s", wait);
}

/* ---- deferred writes (group commit) ----------------------------------- */

static int job_run(struct store *s, void *arg, struct ep_error *err)
{
    struct request_ctx *ctx = arg;
    return ctx->write_run(s, &ctx->req, ctx->write_ctx, err);
}

static void job_done(void *arg, int rc, struct ep_error *err)
{
    (void)rc;
    (void)err;
    struct request_ctx *ctx = arg;
    ctx->state = REQ_WRITTEN;
    MHD_resume_connection(ctx->conn);
}

int http_defer_write(struct http_request *req, http_write_fn run, http_encode_fn encode,
                     void *write_ctx)
{
    struct request_ctx *ctx =
        (struct request_ctx *)(void *)((char *)req - offsetof(struct request_ctx, req));
    ctx->write_run = run;
    ctx->write_encode = encode;
    ctx->write_ctx = write_ctx;
    ctx->job.run = job_run;
    ctx->job.done = job_done;
    ctx->job.ctx = ctx;
    ctx->job.rerunnable = 0;
    ctx->state = REQ_DEFERRED;
    return HTTP_DEFERRED;
}

int http_defer_rerunnable_write(struct http_request *req, http_write_fn run, http_encode_fn encode,
                                void *write_ctx)
{
    int rc = http_defer_write(req, run, encode, write_ctx);
    struct request_ctx *ctx =
        (struct request_ctx *)(void *)((char *)req - offsetof(struct request_ctx, req));
    ctx->job.rerunnable = 1;
    return rc;
}

/* ---- server-sent events ------------------------------------------------ */

/* Resumes every suspended stream so it reads what is new (or a heartbeat). */
static void sse_wake_all(struct http_server *srv)
{
    pthread_mutex_lock(&srv->sse_lock);
    srv->sse_generation++;
    for (struct sse_stream *st = srv->sse_waiting; st; st = st->next) {
        st->waiting = 0;
        MHD_resume_connection(st->conn);
    }
    srv->sse_waiting = NULL;
    pthread_mutex_unlock(&srv->sse_lock);
}

/* Writer hook: after a commit, wake the streams if events were published.
 * Also called after every synchronous request: the common case, nothing
 * new, takes no lock (two worker threads contended for sse_lock on every
 * GET; the count only grows, and a wake-up missed here is not: the comparison
 * is made again under the lock). */
static void on_commit(void *arg)
{
    struct http_server *srv = arg;
    uint64_t n = event_published_count();
    if (n == __atomic_load_n(&srv->sse_published_seen, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&srv->sse_lock);
    int changed = n != srv->sse_published_seen;
    __atomic_store_n(&srv->sse_published_seen, n, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&srv->sse_lock);
    if (changed)
        sse_wake_all(srv);
}

static void *heartbeat_main(void *arg)
{
    struct http_server *srv = arg;
    pthread_mutex_lock(&srv->sse_lock);
    while (!srv->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += SSE_HEARTBEAT_SECONDS;
        pthread_cond_timedwait(&srv->sse_tick, &srv->sse_lock, &until);
        if (srv->stopping)
            break;
        pthread_mutex_unlock(&srv->sse_lock);
        sse_wake_all(srv);
        pthread_mutex_lock(&srv->sse_lock);
    }
    pthread_mutex_unlock(&srv->sse_lock);
    return NULL;
}

/* Other processes' events (PostgreSQL): a connection of its own LISTENs on
 * the event channel and wakes the streams at each notification; it also
 * follows the change epoch (store_epoch_follow), so sessions kept by this
 * process are dropped when another process ends them.  A lost
 * connection is opened again (streams are woken then too, in case an event
 * went by meanwhile).  Polls in short waits so that a stop is noticed. */
static void *listener_main(void *arg)
{
    struct http_server *srv = arg;
    struct store *s = NULL;
    int failures = 0;
    for (;;) {
        pthread_mutex_lock(&srv->sse_lock);
        int stop = srv->stopping;
        pthread_mutex_unlock(&srv->sse_lock);
        if (stop)
            break;
        struct ep_error err;
        ep_error_clear(&err);
        if (!s) {
            if (store_open(&s, srv->db_path, 0, &err) != 0 ||
                store_listen(s, EVENT_CHANNEL, &err) != 0 || store_epoch_follow(s, &err) != 0) {
                if (failures++ % 60 == 0)
                    log_warn("event listener: %s", ep_error_message(&err, EP_LANG_EN));
                store_close(s);
                s = NULL;
                usleep(LISTEN_WAIT_MS * 1000);
                continue;
            }
            failures = 0;
            sse_wake_all(srv);
        }
        int rc = store_wait_notify(s, LISTEN_WAIT_MS, &err);
        if (rc > 0) {
            sse_wake_all(srv);
        } else if (rc < 0) {
            log_warn("event listener: %s", ep_error_message(&err, EP_LANG_EN));
            store_close(s);
            s = NULL;
        }
    }
    store_close(s);
    return NULL;
}

/* ---- the overdue sweep -------------------------------------------------- */

/* A sweep is a job of the group-commit writer (the only writing connection),
 * on the heap because it outlives the sweeper's loop iteration. */
struct sweep_job {
    struct store_group_job job; /* first: the job's ctx is this struct */
    struct store_group *writer;
    struct observation_sweep_result res;
};

static int sweep_run(struct store *s, void *ctx, struct ep_error *err)
{
    struct sweep_job *sj = ctx;
    return observation_sweep(s, 0, &sj->res, err);
}

static void sweep_done(void *ctx, int rc, struct ep_error *err)
{
    struct sweep_job *sj = ctx;
    if (rc != 0)
        log_error("overdue sweep failed: %s", ep_error_message(err, EP_LANG_EN));
    if (rc == 0 && sj->res.more) {
        /* The rest in the next batch, so that other writes go in between
         * (the writer drains its queue before it stops). */
        store_group_submit(sj->writer, &sj->job);
        return;
    }
    free(sj);
}

static void *sweeper_main(void *arg)
{
    struct http_server *srv = arg;
    pthread_mutex_lock(&srv->sse_lock);
    while (!srv->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += srv->cfg.sweep_seconds > 0 ? srv->cfg.sweep_seconds : SWEEP_SECONDS;
        while (!srv->stopping &&
               pthread_cond_timedwait(&srv->sse_tick, &srv->sse_lock, &until) == 0)
            ; /* woken early by a stop, or spuriously: wait out the period */
        if (srv->stopping)
            break;
        struct sweep_job *sj = calloc(1, sizeof *sj);
        if (!sj)
            continue;
        sj->job.run = sweep_run;
        sj->job.done = sweep_done;
        sj->job.ctx = sj;
        sj->writer = srv->writer;
        /* Under sse_lock, as deferred writes: no job arrives after the stop. */
        store_group_submit(srv->writer, &sj->job);
    }
    pthread_mutex_unlock(&srv->sse_lock);
    return NULL;
}

static int sse_format(int64_t id, const char *at, const char *type, const char *region_code,
                      const char *payload, void *arg)
{
    (void)at;
    (void)region_code;
    struct sse_stream *st = arg;
    st->cursor = id;
    if (strncmp(type, "security.", 9) == 0 && !auth_role_can(st->role, PERM_AUDIT_READ))
        return 0; /* security alerts (failed-login bursts) are for those who read the audit log */
    buf_appendf(&st->pending, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)id, type, payload);
    return 0;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *out, size_t max)
{
    (void)pos;
    struct sse_stream *st = cls;
    struct http_server *srv = st->srv;
    if (st->pending_off >= st->pending.len) {
        buf_reset(&st->pending);
        st->pending_off = 0;
        pthread_mutex_lock(&srv->sse_lock);
        int stopping = srv->stopping;
        uint64_t generation = srv->sse_generation;
        pthread_mutex_unlock(&srv->sse_lock);
        if (stopping)
            return MHD_CONTENT_READER_END_OF_STREAM;
        struct ep_error err;
        ep_error_clear(&err);
        struct store *s = worker_store(srv, &err);
        if (!s || event_list_after(s, st->scope, st->cursor, SSE_BATCH, sse_format, st, &err) != 0)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        int64_t now = time_monotonic_us();
        if (st->pending.len == 0 && now - st->last_send_us >= SSE_HEARTBEAT_SECONDS * 1000000LL)
            buf_puts(&st->pending, ": keep-alive\n\n");
        if (st->pending.len == 0) {
            /* Nothing new: park the connection until the next wake-up, unless
             * one happened since we looked (then just look again). */
            pthread_mutex_lock(&srv->sse_lock);
            if (srv->sse_generation == generation && !srv->stopping) {
                st->waiting = 1;
                st->next = srv->sse_waiting;
                srv->sse_waiting = st;
                MHD_suspend_connection(st->conn);
            }
            pthread_mutex_unlock(&srv->sse_lock);
            return 0;
        }
        st->last_send_us = now;
    }
    size_t n = st->pending.len - st->pending_off;
    if (n > max)
        n = max;
    memcpy(out, st->pending.data + st->pending_off, n);
    st->pending_off += n;
    return (ssize_t)n;
}

static void sse_free(void *cls)
{
    struct sse_stream *st = cls;
    struct http_server *srv = st->srv;
    pthread_mutex_lock(&srv->sse_lock);
    if (st->waiting) {
        for (struct sse_stream **p = &srv->sse_waiting; *p; p = &(*p)->next)
            if (*p == st) {
                *p = st->next;
                break;
            }
    }
    pthread_mutex_unlock(&srv->sse_lock);
    buf_cleanup(&st->pending);
    free(st);
}

static enum MHD_Result queue_sse(struct http_server *srv, struct MHD_Connection *c,
                                 struct request_ctx *ctx)
{
    struct sse_stream *st = calloc(1, sizeof *st);
    if (!st)
        return MHD_NO;
    st->srv = srv;
    st->conn = c;
    snprintf(st->scope, sizeof st->scope, "%s", ctx->req.user.scope);
    st->role = ctx->req.user.role;
    st->cursor = ctx->res.sse_after;
    buf_init(&st->pending);
    buf_puts(&st->pending, "retry: 3000\n\n");
    st->last_send_us = time_monotonic_us();
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, st, sse_free);
    if (!r) {
        sse_free(st);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
    add_common_headers(srv, r, 1);
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    ctx->status = 200;
    enum MHD_Result ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* "text" as an IPv6 address (IPv4 mapped to ::ffff:a.b.c.d) in "out"; 0, or
 * -1 when it is neither an IPv4 nor an IPv6 address. */
static int parse_address(const char *text, struct sockaddr_in6 *out)
{
    memset(out, 0, sizeof *out);
    out->sin6_family = AF_INET6;
    struct in_addr v4;
    if (inet_pton(AF_INET, text, &v4) == 1) {
        out->sin6_addr.s6_addr[10] = 0xff;
        out->sin6_addr.s6_addr[11] = 0xff;
        memcpy(&out->sin6_addr.s6_addr[12], &v4, 4);
        return 0;
    }
    return inet_pton(AF_INET6, text, &out->sin6_addr) == 1 ? 0 : -1;
}

/* The peer "sa" as in parse_address; -1 for other families. */
static int peer_address(const struct sockaddr *sa, struct sockaddr_in6 *out)
{
    char text[INET6_ADDRSTRLEN];
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, text, sizeof text);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, text, sizeof text);
    else
        return -1;
    return parse_address(text, out);
}

/* The address as text: dotted IPv4 for a mapped one, else IPv6. */
static void address_text(const struct sockaddr_in6 *a, char out[INET6_ADDRSTRLEN])
{
    if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
        inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], out, INET6_ADDRSTRLEN);
    else
        inet_ntop(AF_INET6, &a->sin6_addr, out, INET6_ADDRSTRLEN);
}

/* Keeps the last X-Forwarded-For header's value (a proxy appends its own). */
static enum MHD_Result last_forwarded_for(void *cls, enum MHD_ValueKind kind, const char *key,
                                          const char *value)
{
    (void)kind;
    if (key && value && strcasecmp(key, "X-Forwarded-For") == 0)
        *(const char **)cls = value;
    return MHD_YES;
}

/* Finds the client of connection "c": the peer address, unless the peer is a
 * trusted proxy (serve --trusted-proxy) that says in X-Forwarded-For whom it
 * speaks for.  Only the last entry counts: it is the one the proxy added;
 * the ones before it came from the client and prove nothing.  Fills
 * "address" (family 0 when unknown) and "text" ("?" when unknown). */
static void client_address(struct http_server *srv, struct MHD_Connection *c,
                           struct sockaddr_in6 *address, char text[INET6_ADDRSTRLEN])
{
    memset(address, 0, sizeof *address);
    snprintf(text, INET6_ADDRSTRLEN, "?");
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr || peer_address(ci->client_addr, address) != 0) {
        address->sin6_family = 0;
        return;
    }
    address_text(address, text);
    int trusted = 0;
    for (int i = 0; i < srv->nproxies && !trusted; i++)
        trusted = memcmp(&srv->proxies[i].sin6_addr, &address->sin6_addr, 16) == 0;
    if (!trusted)
        return;
    const char *forwarded = NULL;
    MHD_get_connection_values(c, MHD_HEADER_KIND, last_forwarded_for, &forwarded);
    if (!forwarded)
        return;
    const char *last = strrchr(forwarded, ',');
    last = last ? last + 1 : forwarded;
    last += strspn(last, " \t");
    char entry[INET6_ADDRSTRLEN];
    size_t n = strcspn(last, " \t");
    struct sockaddr_in6 client;
    if (n == 0 || n >= sizeof entry || last[n + strspn(last + n, " \t")] != '\0')
        return;
    memcpy(entry, last, n);
    entry[n] = '\0';
    if (parse_address(entry, &client) != 0)
        return; /* not an address: keep the proxy's */
    *address = client;
    address_text(address, text);
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct http_server *srv = cls;
    struct request_ctx *ctx = *con_cls;
    if (!ctx) {
        ctx = ctx_new();
        if (!ctx)
            return MHD_NO;
        arena_init(&ctx->arena);
        buf_init(&ctx->body);
        ctx->start_us = time_monotonic_us();
        snprintf(ctx->method, sizeof ctx->method, "%s", method);
        ctx->path = strdup(url);
        *con_cls = ctx;
        struct sockaddr_in6 client;
        client_address(srv, c, &client, ctx->client_ip);
        if (srv->writes && is_write_method(method) && client.sin6_family)
            ctx->retry_after =
                http_ratelimit_take(srv->writes, (const struct sockaddr *)&client, ctx->start_us);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (!ctx->body_too_large && !ctx->retry_after &&
            ctx->body.len + *upload_data_size <= srv->cfg.body_limit)
            buf_append(&ctx->body, upload_data, *upload_data_size);
        else
            ctx->body_too_large = 1; /* keep draining; answer 413 at the end */
        *upload_data_size = 0;
        return MHD_YES;
    }

    if (ctx->state == REQ_WRITTEN) {
        /* Resumed after the group commit: encode the outcome. */
        ctx->state = REQ_NEW;
        if (ctx->job.rc != 0) {
            ctx->err = ctx->job.err;
            if (ctx->err.code == EP_OK)
                ep_error_set(&ctx->err, EP_EINTERNAL, "服务器内部错误", "internal error");
        } else if (ctx->write_encode(&ctx->req, &ctx->res, ctx->write_ctx, &ctx->err) != 0 &&
                   ctx->err.code == EP_OK) {
            ep_error_set(&ctx->err, EP_EINTERNAL, "服务器内部错误", "internal error");
        }
        if (ctx->err.code != EP_OK)
            render_error(&ctx->err, ctx->req.lang, &ctx->res);
        return queue(srv, c, ctx, &ctx->res);
    }
    if (ctx->state == REQ_DEFERRED)
        return MHD_YES; /* spurious call while suspended */

    struct http_request *req = &ctx->req;
    ep_error_clear(&ctx->err);
    req->arena = &ctx->arena;
    req->connection = c;
    req->server = srv;
    req->method = method;
    req->path = url;
    req->body = ctx->body.data;
    req->body_len = ctx->body.len;
    req->lang = pick_lang(c);
    req->cookie_secure = srv->cfg.cookie_secure;
    ctx->conn = c;
    req->client_ip = ctx->client_ip;
    req->login_limits = &srv->cfg.login_limits;

    if (ctx->retry_after > 0) {
        /* Refused by the per-address write limit (the body was not kept). */
        ep_error_set(&ctx->err, EP_ETHROTTLE, "写入过于频繁,请 %d 秒后重试",
                     "too many writes; retry in %d s", ctx->retry_after);
        http_add_header(&ctx->res, "Retry-After",
                        arena_sprintf(&ctx->arena, "%d", ctx->retry_after));
    } else {
        dispatch(srv, ctx, req, &ctx->res, &ctx->err);
    }
    /* A synchronous handler may have committed events (the writer wakes the
     * streams itself after each batch): wake them now rather than at the
     * next heartbeat. */
    if (ctx->state != REQ_DEFERRED)
        on_commit(srv);
    if (ctx->state == REQ_DEFERRED) {
        pthread_mutex_lock(&srv->sse_lock);
        int stopping = srv->stopping;
        if (!stopping) {
            /* Suspend before submitting, so that the writer's resume cannot
             * come first.  Under sse_lock: http_server_stop drains the writer
             * only after "stopping" is set, so no job arrives after that. */
            MHD_suspend_connection(c);
            store_group_submit(srv->writer, &ctx->job);
        }
        pthread_mutex_unlock(&srv->sse_lock);
        if (!stopping)
            return MHD_YES;
        ctx->state = REQ_NEW;
        ep_error_set(&ctx->err, EP_EUNAVAILABLE, "服务器正在停止", "server is shutting down");
    }
    if (ctx->err.code != EP_OK)
        render_error(&ctx->err, req->lang, &ctx->res);
    if (ctx->res.sse)
        return queue_sse(srv, c, ctx);
    return queue(srv, c, ctx, &ctx->res);
}

static void completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    (void)toe;
    struct http_server *srv = cls;
    struct request_ctx *ctx = *con_cls;
    if (!ctx)
        return;
    if (!srv->cfg.quiet)
        log_info("%s %s %d %.1fms", ctx->method, ctx->path ? ctx->path : "?", ctx->status,
                 (double)(time_monotonic_us() - ctx->start_us) / 1000.0);
    buf_cleanup(&ctx->body);
    arena_cleanup(&ctx->arena);
    free(ctx->path);
    ctx_free(ctx);
    *con_cls = NULL;
}

/* Parses "ADDR:PORT" (IPv4) into "sa". */
static int parse_listen(const char *listen, struct sockaddr_in *sa, struct ep_error *err)
{
    const char *colon = strrchr(listen, ':');
    char host[64];
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (!colon || (size_t)(colon - listen) >= sizeof host)
        return ep_error_set(err, EP_EINVAL, "监听地址应为 地址:端口,如 127.0.0.1:8080",
                            "listen address must be ADDR:PORT, e.g. 127.0.0.1:8080");
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return ep_error_set(err, EP_EINVAL, "监听地址无效:%s", "invalid listen address: %s",
                            listen);
    sa->sin_port = htons((uint16_t)port);
    return 0;
}

/* Parses "ADDR[,ADDR...]" (serve --trusted-proxy) into srv->proxies; -1 when
 * an entry is no IPv4 or IPv6 address or there are too many. */
static int parse_proxies(struct http_server *srv, const char *text)
{
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, ",");
        char one[INET6_ADDRSTRLEN];
        if (n == 0 || n >= sizeof one || srv->nproxies == HTTP_TRUSTED_PROXIES_MAX)
            return -1;
        memcpy(one, p, n);
        one[n] = '\0';
        if (parse_address(one, &srv->proxies[srv->nproxies]) != 0)
            return -1;
        srv->nproxies++;
        p += n + (p[n] == ',');
    }
    return srv->nproxies > 0 ? 0 : -1;
}

int http_server_start(struct http_server **out, const struct http_server_config *cfg,
                      struct ep_error *err)
{
    *out = NULL;
    struct sockaddr_in sa;
    if (parse_listen(cfg->listen, &sa, err) != 0)
        return -EP_EINVAL;
    struct http_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
    srv->cfg = *cfg;
    if (srv->cfg.timeout_s <= 0)
        srv->cfg.timeout_s = DEFAULT_TIMEOUT_S;
    if (srv->cfg.max_connections <= 0)
        srv->cfg.max_connections = DEFAULT_MAX_CONNECTIONS;
    if (srv->cfg.max_per_ip == 0)
        srv->cfg.max_per_ip = DEFAULT_MAX_PER_IP;
    if (srv->cfg.header_memory_limit == 0)
        srv->cfg.header_memory_limit = DEFAULT_HEADER_MEMORY;
    if (srv->cfg.write_rate == 0)
        srv->cfg.write_rate = DEFAULT_WRITE_RATE;
    if (srv->cfg.write_rate > 0) {
        srv->writes = http_ratelimit_new(srv->cfg.write_rate, 2 * srv->cfg.write_rate,
                                         !srv->cfg.write_rate_loopback);
        if (!srv->writes) {
            free(srv);
            return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
        }
    }
    if (cfg->trusted_proxy && parse_proxies(srv, cfg->trusted_proxy) != 0) {
        http_ratelimit_free(srv->writes);
        free(srv);
        return ep_error_set(err, EP_EINVAL, "--trusted-proxy 应为至多 %d 个以逗号分隔的 IP 地址:%s",
                            "--trusted-proxy must be at most %d comma-separated IP addresses: %s",
                            HTTP_TRUSTED_PROXIES_MAX, cfg->trusted_proxy);
    }
    srv->cfg.trusted_proxy = NULL; /* borrowed: parsed into srv->proxies */
    if (srv->cfg.lookup_burst <= 0)
        srv->cfg.lookup_burst = DEFAULT_LOOKUP_BURST;
    if (srv->cfg.lookup_seconds <= 0)
        srv->cfg.lookup_seconds = DEFAULT_LOOKUP_SECONDS;
    srv->lookups = http_ratelimit_new(1.0 / srv->cfg.lookup_seconds, srv->cfg.lookup_burst, 0);
    if (!srv->lookups) {
        http_ratelimit_free(srv->writes);
        free(srv);
        return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
    }
    srv->db_path = strdup(cfg->db_path);
    srv->cfg.db_path = srv->db_path;
    pthread_mutex_init(&srv->lock, NULL);
    pthread_mutex_init(&srv->sse_lock, NULL);
    pthread_cond_init(&srv->sse_tick, NULL);
    srv->sse_published_seen = event_published_count();
    if (store_group_start(&srv->writer, srv->db_path, on_commit, srv, err) != 0) {
        pthread_mutex_destroy(&srv->lock);
        pthread_mutex_destroy(&srv->sse_lock);
        pthread_cond_destroy(&srv->sse_tick);
        http_ratelimit_free(srv->writes);
        http_ratelimit_free(srv->lookups);
        free(srv->db_path);
        free(srv);
        return -EP_EUNAVAILABLE;
    }
    unsigned threads = cfg->threads > 0 ? (unsigned)cfg->threads : 2;
    srv->daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD |
            (cfg->event_loop == HTTP_LOOP_EPOLL ? MHD_USE_EPOLL : MHD_USE_POLL) |
            MHD_ALLOW_SUSPEND_RESUME,
        0, NULL, NULL, access_cb, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, srv,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)srv->cfg.timeout_s, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)srv->cfg.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)(srv->cfg.max_per_ip > 0 ? srv->cfg.max_per_ip : 0),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, srv->cfg.header_memory_limit,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1, MHD_OPTION_END);
    if (!srv->daemon) {
        ep_error_set(err, EP_EUNAVAILABLE, "无法在 %s 上监听(端口被占用?)",
                     "cannot listen on %s (port in use?)", cfg->listen);
        store_group_stop(srv->writer);
        pthread_mutex_destroy(&srv->sse_lock);
        pthread_cond_destroy(&srv->sse_tick);
        pthread_mutex_destroy(&srv->lock);
        http_ratelimit_free(srv->writes);
        http_ratelimit_free(srv->lookups);
        free(srv->db_path);
        free(srv);
        return -EP_EUNAVAILABLE;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info ? info->port : ntohs(sa.sin_port);
    pthread_create(&srv->heartbeat, NULL, heartbeat_main, srv);
    pthread_create(&srv->sweeper, NULL, sweeper_main, srv);
    srv->listening = store_path_is_pg(srv->db_path);
    if (srv->listening)
        pthread_create(&srv->listener, NULL, listener_main, srv);
    *out = srv;
    return 0;
}

int http_server_port(struct http_server *srv)
{
    return srv->port;
}

void http_server_stop(struct http_server *srv)
{
    if (!srv)
        return;
    /* Quiesce: streams end, suspended connections are resumed so that
     * libmicrohttpd can close them, deferred writes finish first. */
    pthread_mutex_lock(&srv->sse_lock);
    srv->stopping = 1;
    pthread_cond_broadcast(&srv->sse_tick);
    pthread_mutex_unlock(&srv->sse_lock);
    pthread_join(srv->heartbeat, NULL);
    pthread_join(srv->sweeper, NULL);
    if (srv->listening)
        pthread_join(srv->listener, NULL);
    sse_wake_all(srv);
    store_group_stop(srv->writer);
    MHD_stop_daemon(srv->daemon);
    for (int i = 0; i < srv->nstores; i++)
        store_close(srv->stores[i]);
    pthread_mutex_destroy(&srv->lock);
    pthread_mutex_destroy(&srv->sse_lock);
    pthread_cond_destroy(&srv->sse_tick);
    http_ratelimit_free(srv->writes);
    http_ratelimit_free(srv->lookups);
    free(srv->db_path);
    free(srv);
}
