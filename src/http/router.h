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
};

extern const struct route http_routes[]; /* terminated by a NULL method */

/* Finds the route for method+path and fills req->params.  Returns the route,
 * or NULL with *status set to 404 or 405 (and *allow to the allowed method). */
const struct route *http_route_match(const char *method, const char *path, struct http_request *req,
                                     int *status);

#endif
