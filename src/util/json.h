/*
 * json.h -- decoding request bodies with jansson against a field table.
 *
 * A write endpoint describes its body once as an array of struct json_field;
 * json_object_check() then reports, field by field and in both languages,
 * unknown fields, missing required fields, wrong types, over-long or invalid
 * strings and bad dates.  Nothing is written by a caller whose check failed.
 *
 * Ownership: json_body_parse() returns a new reference the caller must
 * json_decref(); the getters return borrowed values.
 */
#ifndef EPIGRID_UTIL_JSON_H
#define EPIGRID_UTIL_JSON_H
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

enum json_field_type {
    JF_STRING, /* UTF-8 text of at most max_len code points (0 = 200) */
    JF_DATE,   /* "YYYY-MM-DD" */
    JF_INT,    /* integer within [min, max] */
    JF_NUMBER, /* integer or real within [min, max] */
    JF_BOOL,
    JF_OBJECT,
    JF_ARRAY,
};

struct json_field {
    const char *name; /* key in the object */
    int type;         /* enum json_field_type */
    int required;     /* 1 if it must be present and non-null */
    int max_len;      /* JF_STRING: maximum code points, 0 = 200 */
    double min, max;  /* JF_INT/JF_NUMBER bounds; both 0 = unbounded */
};

/* Parses a UTF-8 JSON document of "len" bytes.  Returns a new reference, or
 * NULL with err set (EP_EINVAL) for malformed JSON or invalid UTF-8. */
json_t *json_body_parse(const char *data, size_t len, struct ep_error *err);

/* Checks that "obj" is an object whose members all appear in "fields" (a
 * table ending with a NULL name) and match their type.  Adds one field error
 * per problem and returns 0 if none, -EP_EINVAL otherwise. */
int json_object_check(const json_t *obj, const struct json_field *fields, struct ep_error *err);

/* Borrowed string member or NULL if absent/null (call after the check). */
const char *json_get_str(const json_t *obj, const char *key);
/* Integer member or "fallback" when absent/null. */
int64_t json_get_int(const json_t *obj, const char *key, int64_t fallback);

/* Keyset pagination with one row more.  A list reads up to limit + 1 rows
 * into "items" (JSON_PAGE_FETCH(limit)); json_page_trim() then drops the
 * items past "limit" and returns the last item kept -- the one the next
 * cursor is made of -- when there were more (borrowed), or NULL when this
 * page is the last, an exactly full page included: a client never fetches
 * an empty page. */
#define JSON_PAGE_FETCH(limit) ((limit) + 1)
json_t *json_page_trim(json_t *items, int limit);
/* json_page_trim(), then the next cursor as a new reference: the kept last
 * item's "id" as a string ("%lld"), or JSON null on the last page. */
json_t *json_page_cursor_id(json_t *items, int limit);
/* The same with a "<grid_code>:<id>" cursor (lists ordered by grid, id). */
json_t *json_page_cursor_grid_id(json_t *items, int limit);

#endif
