/*
 * json.h -- decoding request bodies with jansson against a field spec.
 *
 * A write endpoint describes its body once, declaratively, as an array of
 * struct json_field: each member's name, type, whether it is required, its
 * limits (the limit constants come from the core headers, so the handler and
 * the core check one number), the members of a nested object or of the
 * objects of a list, and which kind of record an id or code refers to.
 * json_object_check() reports, field by field and in both languages, unknown
 * fields, missing required fields, wrong types, over-long or invalid strings,
 * bad dates, values out of range and over-long lists, also inside nested
 * objects and lists ("lines[2].item_id").  The route table points at the same
 * spec (struct route.body): `epigrid routes` prints every route's reference
 * fields from it and the reference test probes each.  Nothing is written by
 * a caller whose check failed.
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
    JF_NONE,   /* 0: no type (the end of a table, or an array without scalar elements) */
    JF_STRING, /* UTF-8 text of at most max_len code points (0 = 200) */
    JF_DATE,   /* "YYYY-MM-DD" */
    JF_INT,    /* integer within [min, max] */
    JF_NUMBER, /* integer or real within [min, max] */
    JF_BOOL,
    JF_OBJECT, /* with "members": checked against them */
    JF_ARRAY,  /* of objects ("members") or of scalars ("elem") */
};

/* One member of a body.  Written with designated initializers; a table ends
 * with {0}, or with {JF_GROUPS(t)} when the object has "one of" rules. */
struct json_field {
    const char *name; /* key in the object */
    int type;         /* enum json_field_type */
    int required;     /* JF_REQUIRED, JF_CORE_REQUIRED, or 0 for an optional member */
    int max_len;      /* JF_STRING, and string elements: maximum code points, 0 = 200 */
    double min, max;  /* JF_INT/JF_NUMBER, and such elements: bounds; both 0 = unbounded */
    int elem;         /* JF_ARRAY of scalars: the elements' type; the bounds above apply
                         to each element */
    int max_items;    /* JF_ARRAY: most elements, 0 = no limit of its own */
    const struct json_field *members; /* JF_OBJECT, or JF_ARRAY of objects: their spec */
    const char *ref;                  /* the kind of record the value (or each element) names: a
                                         ref_kind_name() of core/ref.h, "region", "village" or "grid" */
    const char *const *values;        /* JF_STRING, and string elements: the only values taken,
                                         NULL-terminated: the very list the core checks them
                                         with (the OpenAPI document's enum); NULL = any text */
    const char *(*value_at)(int i);   /* the same when the core keeps its list in a table: the
                                         i-th value (from 0), NULL past the last */
    const struct json_when *required_when; /* required only under a condition on another
                                              member (JF_REQUIRED_IF_*), NULL = as "required"
                                              says */
    const struct json_group *groups;       /* the table's end ({JF_GROUPS(t)}) only: the
                                              object's "one of these members" rules */
};

/* A member required only when another member of the same object is so: the
 * core checks it (json_object_check() does not look), the OpenAPI document
 * says it as if/then (http/openapi.c), and the API suite holds the two
 * together (tests/api/openapi.test.mjs).  The member itself is then present,
 * non-null and, a string, non-empty.  A nested object's table (a JF_OBJECT's
 * or a list's "members") carries its own rules and groups, on its own
 * members: they land in that object's schema. */
enum json_when_test {
    JW_EQUALS = 1, /* "member" is the string "value" */
    JW_TRUE,       /* "member" is true */
    JW_ITEMS,      /* "member", a list, has at least "count" elements */
    JW_ABSENT,     /* "member" is absent or null, or an empty string or list */
    JW_GIVEN,      /* "member" is given (as a group's, below), and "without", if set, is not */
};
struct json_when {
    const char *member;  /* the other member, of the same object */
    int test;            /* enum json_when_test */
    const char *value;   /* JW_EQUALS: the value */
    int count;           /* JW_ITEMS: the fewest elements */
    const char *without; /* JW_GIVEN: a third member that must be absent too, NULL = none */
};
/* clang-format off */
#define JF_REQUIRED_WHEN(...) .required_when = &(const struct json_when){__VA_ARGS__}
#define JF_REQUIRED_IF_IS(other, v) \
    JF_REQUIRED_WHEN(.member = (other), .test = JW_EQUALS, .value = (v))
#define JF_REQUIRED_IF_TRUE(other) JF_REQUIRED_WHEN(.member = (other), .test = JW_TRUE)
#define JF_REQUIRED_IF_ITEMS(other, n) \
    JF_REQUIRED_WHEN(.member = (other), .test = JW_ITEMS, .count = (n))
#define JF_REQUIRED_IF_ABSENT(other) JF_REQUIRED_WHEN(.member = (other), .test = JW_ABSENT)
#define JF_REQUIRED_IF_GIVEN(other) JF_REQUIRED_WHEN(.member = (other), .test = JW_GIVEN)
#define JF_REQUIRED_IF_GIVEN_WITHOUT(other, absent) \
    JF_REQUIRED_WHEN(.member = (other), .test = JW_GIVEN, .without = (absent))
/* clang-format on */

/* "One of several members" rules of an object: the core asks for at least
 * one of them (JG_ANY_OF: "an ID number or a phone") or for exactly one
 * (JG_ONE_OF: "the source case or the source contact").  An alternative may
 * be a set of members written space-separated ("name phone": a name and a
 * phone together).  A member counts as given when it is present, not null,
 * and -- as the core reads it -- a non-empty string, a non-zero number, an
 * object, or a non-empty list.  Like required_when the rules are the core's
 * to check; the OpenAPI document says them as anyOf / oneOf of required
 * sets.  The table of an object's groups ends the object's field table:
 *
 *     static const struct json_group entry_groups[] = {
 *         {JG_ANY_OF, {"id_number", "name phone", "plate"}},
 *         {0},
 *     };
 *     const struct json_field entry_fields[] = { ..., {JF_GROUPS(entry_groups)} };
 */
enum json_group_kind {
    JG_ANY_OF = 1, /* at least one alternative given */
    JG_ONE_OF,     /* exactly one alternative given */
};
#define JSON_GROUP_MAX 4 /* the most alternatives of a group */
struct json_group {
    int kind;                       /* enum json_group_kind; 0 ends the table */
    const char *of[JSON_GROUP_MAX]; /* the alternatives: a member, or members
                                       space-separated; NULL after the last */
};
/* The end of a field table that carries the object's groups. */
#define JF_GROUPS(table) .groups = (table)

/* json_field.required: the member must be present and non-null (strings:
 * and non-empty), and json_object_check() says so when it is not. */
#define JF_REQUIRED 1
/* The same in the OpenAPI document, but json_object_check() leaves it to the
 * core, which reports a missing one together with every other problem of
 * the body -- the references it looks up included -- in one answer
 * (persons, households). */
#define JF_CORE_REQUIRED 2

/* The largest id a body may name (ids are positive 64-bit integers; this
 * stays exact in a double). */
#define JF_ID_MAX 9e15
/* A list of at most "most" ids of records of "kind": {"member_ids": [3, 5]}. */
#define JF_ID_LIST(key, kind, most)                                                                \
    .name = (key), .type = JF_ARRAY, .elem = JF_INT, .min = 1, .max = JF_ID_MAX,                   \
    .max_items = (most), .ref = (kind)

/* When the fact of a write happened: a date or an ISO 8601 time with its
 * offset, checked by occurred_parse() (core/write.h) in the core. */
#define JF_OCCURRED .name = "occurred_at", .type = JF_STRING, .max_len = 32

/* Parses a UTF-8 JSON document of "len" bytes.  Returns a new reference, or
 * NULL with err set (EP_EINVAL) for malformed JSON or invalid UTF-8: the
 * zh-CN message says in words what is wrong and where (line, column), the
 * English one keeps jansson's text; when the fault lies in one member (a key
 * given twice, a bad escape, a number out of range, invalid UTF-8 in its
 * value) that member is named as a field error too ("lines[1].note"). */
json_t *json_body_parse(const char *data, size_t len, struct ep_error *err);

/* Checks that "obj" is an object whose members all appear in "fields" (a
 * table ending with {0}) and match their spec, nested members included.
 * Adds one field error per problem and returns 0 if none, -EP_EINVAL
 * otherwise. */
int json_object_check(const json_t *obj, const struct json_field *fields, struct ep_error *err);

/* Borrowed string member or NULL if absent/null (call after the check). */
const char *json_get_str(const json_t *obj, const char *key);
/* Integer member or "fallback" when absent/null. */
int64_t json_get_int(const json_t *obj, const char *key, int64_t fallback);

struct arena;
/* The integers of the array member "key" (checked with elem JF_INT) copied
 * into "a"; *n gets their number (0 and a non-NULL array when absent). */
int64_t *json_get_ids(const json_t *obj, const char *key, struct arena *a, int *n);

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

/* json_dumps(j, JSON_COMPACT), byte for byte -- keys in the object's order,
 * reals in jansson's own digits, NULL where json_dumps gives NULL (not an
 * object or array, text that is not UTF-8, a cycle) -- without jansson's
 * per-dump hashtable and per-token callbacks: the audit row and the event of
 * every write are dumped on the writer thread (a tenth of a visit's write,
 * B2).  The caller free()s the text. */
char *json_dump_compact(const json_t *j);
/* json_dumps(j, flags), byte for byte, for flags made of JSON_COMPACT,
 * JSON_SORT_KEYS, JSON_ENCODE_ANY and JSON_REAL_PRECISION(n) the same way
 * (the API's answers are dumped at 15 digits on the HTTP workers); any other
 * flag, or none of JSON_COMPACT, is json_dumps() itself. */
char *json_dump_flags(const json_t *j, size_t flags);
/* json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) of "j"
 * without the key "omit" of its outermost object (NULL: none) -- a request
 * body's idempotency hash without copying the body. */
char *json_dump_canonical(const json_t *j, const char *omit);

#endif
