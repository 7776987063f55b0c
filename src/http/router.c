/*
 * router.c -- matching a path against the patterns of http_routes.
 */
#include "http/router.h"

#include <string.h>

/* Matches one pattern; on success captures up to HTTP_PARAMS_MAX segments
 * into req->params (arena copies).  Segments never contain '/'. */
static int pattern_match(const char *pattern, const char *path, struct http_request *req)
{
    int n = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *end = strchr(s, '/');
            size_t len = end ? (size_t)(end - s) : strlen(s);
            if (len == 0 || n >= HTTP_PARAMS_MAX)
                return 0;
            if (req)
                req->params[n] = arena_strndup(req->arena, s, len);
            n++;
            s += len;
            p = strchr(p, '}');
            if (!p)
                return 0;
            p++;
            continue;
        }
        if (*p != *s)
            return 0;
        p++, s++;
    }
    if (*p || *s)
        return 0;
    if (req)
        req->nparams = n;
    return 1;
}

const struct route *http_route_match(const char *method, const char *path, struct http_request *req,
                                     int *status)
{
    int path_seen = 0;
    for (const struct route *r = http_routes; r->method; r++) {
        if (!pattern_match(r->pattern, path, NULL))
            continue;
        path_seen = 1;
        if (strcmp(r->method, method) == 0) {
            pattern_match(r->pattern, path, req);
            return r;
        }
    }
    *status = path_seen ? 405 : 404;
    return NULL;
}
