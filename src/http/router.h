/*
 * router.h -- the route table and matching.
 *
 * Routes are listed once, top to bottom, in routes.c: method, path pattern
 * with {placeholders}, handler, and the permission required.  The matcher
 * distinguishes 404 (no pattern matches) from 405 (pattern matches, method
 * does not).
 */
#ifndef EPIGRID_HTTP_ROUTER_H
#define EPIGRID_HTTP_ROUTER_H
#include "http/http.h"
#include "util/json.h"

/* One query parameter a route's handler reads (?name=value), as the OpenAPI
 * document describes it; the handler checks the value and names "name" in
 * its field error.  A table of them ends with {0}. */
struct route_param {
    const char *name;          /* the key */
    int type;                  /* enum json_field_type: JF_STRING, JF_DATE or JF_INT */
    int required;              /* 1 if the route answers 400 without it */
    int64_t min, max;          /* JF_INT: bounds (both 0 = unbounded); JF_STRING: max = most
                                  characters (0 = no limit of its own) */
    int64_t def;               /* JF_INT: the value when absent (0 = none) */
    const char *const *values; /* JF_STRING: the only values taken (NULL-terminated;
                                  others are refused), NULL = any text */
    const char *pattern;       /* JF_STRING: a regular expression the value must match */
    const char *zh, *en;       /* what it does, in Chinese and English */
};

/* What a route takes and answers, for the document (struct route.flags): the
 * shapes its successful answer may take, or-ed, and how it takes a body. */
enum route_flags {
    ANSWER_RECORD = 1 << 0,   /* JSON: one record, an object with its "id" */
    ANSWER_OBJECT = 1 << 1,   /* JSON: one object (a state, a roll-up, a summary) */
    ANSWER_PAGE = 1 << 2,     /* JSON: {"items": [...], "next_cursor": "..." or null} */
    ANSWER_ITEMS = 1 << 3,    /* JSON: {"items": [...]}, the whole list */
    ANSWER_HTML = 1 << 4,     /* a printable HTML page */
    ANSWER_CSV = 1 << 5,      /* a CSV download */
    ANSWER_XLSX = 1 << 6,     /* an Excel workbook */
    ANSWER_TEXT = 1 << 7,     /* plain text */
    ANSWER_WAV = 1 << 8,      /* audio */
    ANSWER_EVENTS = 1 << 9,   /* a server-sent event stream */
    ANSWER_CREATED = 1 << 10, /* the status is 201 (200 when an idempotent repeat answers
                                 with the first result), else 200 */
    ANSWER_EMPTY = 1 << 11,   /* 204, no content */
    BODY_OPTIONAL = 1 << 12,  /* the body may be left out (read as {}) */
};

struct route {
    const char *method;            /* "GET", "POST", "PATCH", "DELETE" */
    const char *pattern;           /* "/api/v1/persons/{id}" */
    http_handler_fn handler;       /* the handler */
    int perm;                      /* enum auth_perm required */
    int scoped_write;              /* documentation aid: 1 if the route writes facts in a region */
    const struct json_field *body; /* the request body's spec (util/json.h), NULL = none:
                                      the handler checks with it, `epigrid routes` prints
                                      its reference fields and the reference test
                                      (tests/api/references.test.mjs) probes every one */
    const char *zh, *en;           /* what the route does, one line in Chinese and in
                                      English: the summary of its operation in the OpenAPI
                                      document (tests/api/openapi.test.mjs requires both) */
    const struct route_param *query; /* the query parameters it reads, NULL = none */
    int flags;                       /* enum route_flags: its answer, how it takes a body */
    const char *record; /* the named record its JSON answer is (ANSWER_RECORD, ANSWER_OBJECT)
                           or lists (ANSWER_PAGE, ANSWER_ITEMS): a schema of
                           http/openapi_records.c, NULL = none named */
};

extern const struct route http_routes[]; /* terminated by a NULL method */

/* A group of routes in the document: the first path segment after /api/v1/
 * ("persons", "ledger" of ledger.xlsx), or "public" for /public/. */
struct route_tag {
    const char *name;    /* the segment */
    const char *zh, *en; /* what the group is about */
};
extern const struct route_tag http_route_tags[]; /* terminated by a NULL name */

/* Finds the route for method+path and fills req->params.  Returns the route,
 * or NULL with *status set to 404 or 405 (and *allow to the allowed method). */
const struct route *http_route_match(const char *method, const char *path, struct http_request *req,
                                     int *status);

#endif
