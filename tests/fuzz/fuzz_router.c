/*
 * fuzz_router.c -- the URL router and the parsers of path and query values.
 *
 * The first byte picks a method, the rest up to a NUL is the path (as
 * libmicrohttpd hands it over, already percent-decoded), the rest after it is
 * a query value.  The route table is matched (http_route_match), the captured
 * {placeholders} and the value go through the value parsers handlers use:
 * list cursors, dates, region codes.
 *
 * Invariants beyond the sanitizers: a match fills its pattern's number of
 * parameters, none empty or containing '/'; a miss is 404 or 405; a 405 path
 * matches some route with another method.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/region.h"
#include "http/handlers/handlers.h"
#include "http/router.h"
#include "util/arena.h"
#include "util/timeutil.h"

static const char *const methods[] = {"GET", "POST", "PATCH", "DELETE", "PUT", "HEAD"};

static int placeholders(const char *pattern)
{
    int n = 0;
    for (const char *p = pattern; *p; p++)
        n += *p == '{';
    return n;
}

static void parse_value(const char *v)
{
    char grid[REGION_CODE_MAX], parent[REGION_CODE_MAX];
    int64_t id = 0, days = 0;
    struct ep_error err;
    ep_error_clear(&err);
    if (handler_registry_cursor_parse(v, grid, &id, &err) != 0 && err.code == EP_OK)
        abort();
    if (time_date_parse(v, &days) == 0 && (days < -1000000 || days > 10000000))
        abort();
    int level = region_level_of_code(v);
    if (level && region_parent_code(v, parent) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    const char *method = methods[data[0] % (sizeof methods / sizeof methods[0])];
    char *text = malloc(size);
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    const char *path = text;
    const char *value = memchr(text, '\0', size - 1) ? text + strlen(text) + 1 : "";
    if (value > text + size - 1)
        value = "";
    struct arena arena;
    arena_init(&arena);
    struct http_request req;
    memset(&req, 0, sizeof req);
    req.arena = &arena;
    req.method = method;
    req.path = path;
    int status = 0;
    const struct route *r = http_route_match(method, path, &req, &status);
    if (r) {
        if (strcmp(r->method, method) != 0 || req.nparams != placeholders(r->pattern))
            abort();
        for (int i = 0; i < req.nparams; i++) {
            if (!req.params[i][0] || strchr(req.params[i], '/'))
                abort();
            parse_value(req.params[i]);
        }
    } else if (status != 404 && status != 405) {
        abort();
    }
    parse_value(value);
    arena_cleanup(&arena);
    free(text);
    return 0;
}
