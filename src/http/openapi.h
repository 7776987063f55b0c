/*
 * openapi.h -- the API described as an OpenAPI 3.1 document.
 *
 * Made at run time from the route table (src/http/routes.c) and the body
 * specs the handlers check with (util/json.h): every path and method, the
 * permission and the roles that hold it, each body's fields with their
 * types, limits and required members, and which kind of record an id or
 * code refers to (x-refers-to).  Served at GET /api/v1/openapi.json and
 * printed by `epigrid openapi`; nothing is written by hand, so it cannot
 * drift from what the server checks.
 */
#ifndef EPIGRID_HTTP_OPENAPI_H
#define EPIGRID_HTTP_OPENAPI_H
#include <jansson.h>

/* The document as a new reference. */
json_t *http_openapi(void);

#endif
