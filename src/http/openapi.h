/*
 * openapi.h -- the API described as an OpenAPI 3.1 document.
 *
 * Made at run time from the route table (src/http/routes.c) and the body
 * specs the handlers check with (util/json.h): every path and method, the
 * permission and the roles that hold it, each body's fields with their
 * types, limits, the values they take (the core's own lists) and required
 * members, which kind of record an id or code refers to (x-refers-to), and
 * each answer's record as a named schema (openapi_records.c).  Served at GET
 * /api/v1/openapi.json and printed by `epigrid openapi`; nothing is written
 * twice, and the API suite checks every request and answer against it
 * (tests/api/lib.mjs), so it cannot drift from what the server does.
 */
#ifndef EPIGRID_HTTP_OPENAPI_H
#define EPIGRID_HTTP_OPENAPI_H
#include <jansson.h>

/* The document as a new reference. */
json_t *http_openapi(void);

/* One property of a record an answer carries. */
struct record_property {
    const char *name;   /* the key */
    int type;           /* enum json_field_type; JF_NONE = any JSON value */
    int flags;          /* enum record_property_flags */
    const char *record; /* JF_OBJECT: the named record it is; JF_ARRAY: of its elements
                           (NULL = objects of any shape, or, with elem, scalars) */
    int elem;           /* JF_ARRAY of scalars: their type */
};

enum record_property_flags {
    RP_NULL = 1 << 0,     /* may be null */
    RP_OPTIONAL = 1 << 1, /* may be left out (by role, or only in some answers) */
};

/* A record of the answers: components/schemas/<name>. */
struct record_schema {
    const char *name;                         /* "Person" */
    const char *zh, *en;                      /* what it is */
    const struct record_property *properties; /* ends with {0} */
};

/* The records, ending with a NULL name (openapi_records.c). */
extern const struct record_schema http_records[];

#endif
