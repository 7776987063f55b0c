/*
 * http.h -- what handlers see of a request and how they answer.
 *
 * Handlers are thin: decode -> authorise -> one domain call -> encode.  The
 * router has already checked the route's permission and filled req->user
 * before a handler runs.  A handler returns 0 after filling "res", or a
 * negative value with "err" filled; the server then renders the error model
 * of DESIGN §5 in the request's language.
 *
 * Ownership: everything reachable from struct http_request lives until the
 * response has been sent; allocate from req->arena.  A json_t put into
 * res->json is owned by the response (the server encodes and decrefs it).
 */
#ifndef EPIGRID_HTTP_HTTP_H
#define EPIGRID_HTTP_HTTP_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "core/auth.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/error.h"

#define HTTP_PARAMS_MAX  4
#define HTTP_HEADERS_MAX 4

struct http_server;

struct http_request {
    struct arena *arena;                 /* per-request memory */
    void *connection;                    /* struct MHD_Connection *, for http_query/http_header */
    struct http_server *server;          /* the server, for configuration */
    struct store *store;                 /* this worker thread's database connection */
    const char *method;                  /* "GET", "POST", ... */
    const char *path;                    /* URL path without the query */
    const char *params[HTTP_PARAMS_MAX]; /* {placeholders} of the route, in order */
    int nparams;                         /* used entries of params */
    const char *body;                    /* request body (NUL-terminated), may be NULL */
    size_t body_len;                     /* bytes in body */
    int lang;                            /* enum ep_lang chosen for the reply */
    const char *client_ip; /* client address (the peer, or X-Forwarded-For of a trusted proxy) */
    const struct auth_throttle *login_limits; /* failed-login budgets (serve flags) */
    struct auth_user user;                    /* caller; role/scope valid when authenticated */
    int authenticated;                        /* 1 if user is filled from a session or token */
    int cookie_secure;                        /* 1: served over TLS, cookies get the Secure flag */
};

struct http_response {
    int status;               /* HTTP status, default 200 */
    json_t *json;             /* body as JSON (owned), or NULL */
    const char *content_type; /* for raw bodies */
    const void *data;         /* raw body (borrowed: static or arena) */
    size_t len;               /* raw body length */
    const void *gz_data;      /* the raw body as a gzip member (borrowed: static), or NULL */
    size_t gz_len;            /* its length */
    char *owned;              /* malloc'ed raw body handed to the server */
    const char *headers[HTTP_HEADERS_MAX][2]; /* extra headers (arena or static strings) */
    int nheaders;
    int sse;           /* 1: answer with the event stream (see handler_events_stream) */
    int64_t sse_after; /* event stream: start after this event id */
};

typedef int (*http_handler_fn)(struct http_request *req, struct http_response *res,
                               struct ep_error *err);

/* Returned by a handler that handed its write to the group-commit writer. */
#define HTTP_DEFERRED 1

/* A deferred write: "run" executes on the writer thread inside the batch
 * transaction (on the writer's connection "s"); after the batch is durable,
 * "encode" runs on the request's thread to fill the response.  Both get the
 * handler's "ctx", which must live in req->arena. */
typedef int (*http_write_fn)(struct store *s, struct http_request *req, void *ctx,
                             struct ep_error *err);
typedef int (*http_encode_fn)(struct http_request *req, struct http_response *res, void *ctx,
                              struct ep_error *err);

/* Queues a write for group commit.  The handler must return the result
 * (HTTP_DEFERRED) at once and touch nothing of the request afterwards. */
int http_defer_write(struct http_request *req, http_write_fn run, http_encode_fn encode, void *ctx);
/* The same for a "run" that may run again from the start after its first
 * run's writes were undone (store_group_job.rerunnable): it keeps nothing
 * of a run but what it writes into "ctx" anew.  The writer then releases
 * its savepoint lazily, a round trip less on PostgreSQL. */
int http_defer_rerunnable_write(struct http_request *req, http_write_fn run, http_encode_fn encode,
                                void *ctx);

/* Query-string value (decoded by libmicrohttpd) or NULL. */
const char *http_query(struct http_request *req, const char *key);
/* Request header or NULL. */
const char *http_header(struct http_request *req, const char *name);
/* Adds a response header; name and value must outlive the request. */
void http_add_header(struct http_response *res, const char *name, const char *value);

/* Decodes the body as a JSON object (the content type was checked by the
 * server).  Returns a new reference or NULL with err set. */
json_t *http_body_json(struct http_request *req, struct ep_error *err);

/* Sets res to "status" with a JSON body (steals the reference). */
int http_reply_json(struct http_response *res, int status, json_t *json);

/* Parses the optional "limit" (1..max, default def) and "cursor" query
 * parameters of list endpoints.  Returns 0 or -EP_EINVAL with field errors. */
int http_list_params(struct http_request *req, int def, int max, int *limit, const char **cursor,
                     struct ep_error *err);

/* The largest id a request may name (as the JSON id fields allow, 1e15):
 * larger ones cannot exist, and one past INT64_MAX made PostgreSQL fail
 * ("bigint out of range", a 500) where SQLite went on (issue #16 finding 11). */
#define HTTP_ID_MAX INT64_C(1000000000000000)

/* A positive integer query parameter "key" (at most HTTP_ID_MAX): 0 when
 * absent, -1 with a field error when it is not one. */
int64_t http_query_id(struct http_request *req, const char *key, struct ep_error *err);

/* Path parameter number "index" (0 = the first {..}) as a positive integer
 * into *id: 0, or -EP_ENOTFOUND "<what> <text> 不存在" / "<what_en> <text>
 * not found" -- no object can have such an id (params.c). */
int http_path_id(struct http_request *req, int index, const char *what_zh, const char *what_en,
                 int64_t *id, struct ep_error *err);

/* A numeric list cursor (an id, from http_list_params): 0 when absent, -1
 * with a field error "cursor" when it is not a positive integer up to
 * HTTP_ID_MAX. */
int64_t http_cursor_id(const char *cursor, struct ep_error *err);

/* Takes one of the caller's exact ID-number lookups (a token bucket per
 * user, see struct http_server_config): 0, or -EP_ETHROTTLE (429) with a
 * bilingual message in "err" and a Retry-After header on "res".  An exact
 * lookup confirms a guessed number, so it is counted as well as audited. */
int http_lookup_take(struct http_request *req, struct http_response *res, struct ep_error *err);

/* Checks that a region code from the request is inside the caller's scope:
 * 403 otherwise.  Use for writes and for single-object reads. */
int http_require_scope(struct http_request *req, const char *code, struct ep_error *err);

#endif
