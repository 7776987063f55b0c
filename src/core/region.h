/*
 * region.h -- the region spine: city > county > township > village/community > grid.
 *
 * A region code contains its ancestors' codes (GB/T 2260 and statistical
 * division codes): city 4 digits, county 6, township 9, village 12, grid 15.
 * Subtree queries are a range on the code; see region_code_range().
 *
 * Ownership: structs are filled by value; nothing is allocated.
 */
#ifndef EPIGRID_CORE_REGION_H
#define EPIGRID_CORE_REGION_H
#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

enum region_level {
    REGION_CITY = 1,
    REGION_COUNTY = 2,
    REGION_TOWNSHIP = 3,
    REGION_VILLAGE = 4,
    REGION_GRID = 5,
};

#define REGION_CODE_MAX   16 /* longest code (15) + NUL */
#define REGION_NAME_MAX   128
#define REGION_NAME_CHARS 40 /* longest name in characters (the national table's: 33) */
#define REGION_CHILDREN_MAX                                                                        \
    999 /* children of a county, township or village: 001..999 (of a city: 01..99) */

struct region {
    char code[REGION_CODE_MAX];        /* e.g. "431122101201001" */
    char parent_code[REGION_CODE_MAX]; /* "" for the city */
    int level;                         /* enum region_level */
    char name[REGION_NAME_MAX];        /* Chinese name, UTF-8 */
};

/* Level implied by a code's length, or 0 if the code is not 4/6/9/12/15 digits. */
int region_level_of_code(const char *code);
/* Code length of a level (4, 6, 9, 12, 15), 0 for an invalid level. */
int region_code_length(int level);
/* The deepest whole region code that "prefix" begins with (the first 4, 6, 9,
 * 12 or 15 characters) into out; "" when it is shorter than a city's code.
 * For the region an import's codes share (their longest common prefix). */
void region_code_of_prefix(const char *prefix, char out[REGION_CODE_MAX]);
/* Machine name of a level: "city", "county", "township", "village", "grid". */
const char *region_level_name(int level);
/* The level names, city first, NULL-terminated (what bodies and queries take). */
extern const char *const region_level_names[];
/* Parent code of "code" into out ("" for a city); returns 0, or -1 if invalid. */
int region_parent_code(const char *code, char out[REGION_CODE_MAX]);
/* Exclusive upper bound of the subtree of "prefix": the code with its last
 * digit incremented ("431129" -> "43112:"), so that the subtree is
 * [prefix, upper).  An empty prefix gives "~" (everything); anything that
 * is not a region code gives "" (an empty range: nothing, never more). */
void region_code_range(const char *prefix, char upper[REGION_CODE_MAX]);
/* The narrower of "scope" and "region" (one must contain the other; NULL or
 * "" region = the scope) into out: 1, or 0 when they are disjoint, so that
 * nothing can be seen. */
int region_narrow(const char *scope, const char *region, char out[REGION_CODE_MAX]);
/* Binds the subtree of "prefix" as a range: "prefix" at idx, its exclusive
 * upper bound (region_code_range) at idx + 1. */
void region_bind_range(struct store_stmt *st, int idx, const char *prefix);
/* 1 if "code" lies in the subtree of "scope" (scope "" covers everything). */
int region_in_scope(const char *code, const char *scope);

/* Looks a region up.  -EP_ENOTFOUND if absent. */
int region_get(struct store *s, const char *code, struct region *out, struct ep_error *err);

/* Creates a region after validating the code (digits, length) and that the
 * parent exists.  -EP_EINVAL (field "code" or "name"), -EP_ECONFLICT if it exists. */
int region_create(struct store *s, const char *code, const char *name, struct ep_error *err);

struct write;
struct actor;
struct region_input {
    const char *code;   /* the new region's code; NULL or "": the next free one under parent */
    const char *parent; /* the parent's code or name path ("东安县/白牙市镇/茶亭社区");
                           NULL or "": the one the code implies */
    const char *name;   /* 1..REGION_NAME_CHARS characters */
    int level;          /* the level the new region must be of (REGION_GRID), 0: any */
};

/* The step of creating one region inside the caller's write (bulk loads,
 * imports, POST /regions/bulk): the name checked (text_check), the parent
 * found -- by code, or by name path below the writer's scope -- and visible
 * (outside the scope it is "地区 X 不存在", as a missing one: 404 when it is
 * the only error), the code given or, without one, the next free code under
 * the parent (REGION_CHILDREN_MAX at most), stamped with w->now.  Without a
 * code, a sibling of the same name is a conflict (a file imported twice does
 * not make every grid twice); a code that exists is a conflict too.  Field
 * errors name "code", "parent" and "name"; they are gathered in w->err and
 * end the write (write_check).  Writes no audit row: the caller writes one
 * for the whole load.  "out" (may be NULL) receives the region created. */
int region_insert(struct write *w, const struct region_input *in, struct region *out);

#define REGION_BULK_MAX 5000 /* regions of one POST /api/v1/regions/bulk */

/* Creates the "n" regions of "items" in one write by "who": each item in a
 * write of its own nested in it (region_insert, then with
 * responsible_person_ids[i] > 0 the grid's responsible person through
 * org_grid_duty_set), so an item may name a parent made by an earlier one
 * and every item's problems are named ("items[3].parent").  On any error
 * nothing is written: 404 when every error is a missing (or out-of-scope)
 * reference, 400 otherwise.  One audit row for the whole ("import",
 * "region"); the responsible persons have their own.  "out" (n entries)
 * receives the regions made.  "responsible_person_ids" may be NULL. */
int region_bulk_create(struct store *s, const struct actor *who, const struct region_input *items,
                       const int64_t *responsible_person_ids, int n, struct region *out,
                       struct ep_error *err);

/* Finds the region named by "path", names separated by '/' from any region
 * of the scope down ("东安县/白牙市镇/茶亭社区", "永州市/东安县"): 1 found (out
 * filled), 0 none or more than one (a field error on "field" saying which),
 * negative on a database error. */
int region_find_path(struct store *s, const char *scope, const char *path, const char *field,
                     struct region *out, struct ep_error *err);

/* ---- former codes: a region keeps the codes and names it had ---------------
 * (祁阳县 431121 became 祁阳市 431181 in 2021): a lookup by a former code finds
 * the region that has it now. */

struct region_former {
    char code[REGION_CODE_MAX]; /* the former code, e.g. "431121" */
    char name[REGION_NAME_MAX]; /* the name under it, e.g. "祁阳县" */
    char changed_on[11];        /* YYYY-MM-DD the code changed, "" when unknown */
};

/* Records in the caller's write that region "code" (existing, in the
 * writer's scope) formerly had "former->code" (same level, no region has it
 * now, not recorded yet), named "former->name", until "former->changed_on"
 * (YYYY-MM-DD or "").  Field errors "code", "former_code", "former_name",
 * "changed_on", gathered in w->err as region_insert's.  No audit row. */
int region_former_add(struct write *w, const char *code, const struct region_former *former);

/* The region that now has the former code "former_code": 0 with "out" and
 * "former" (may be NULL) filled, -EP_ENOTFOUND when none had it. */
int region_former_get(struct store *s, const char *former_code, struct region *out,
                      struct region_former *former, struct ep_error *err);

/* Calls "fn" for each former code of "code", oldest change first. */
typedef int (*region_former_fn)(const struct region_former *f, void *ctx);
int region_former_list(struct store *s, const char *code, region_former_fn fn, void *ctx,
                       struct ep_error *err);

/* region_create in its own write with an audit row by "who".  The code
 * must lie strictly inside who's scope (-EP_EFORBIDDEN otherwise: creating
 * regions is bounded by the jurisdiction, whatever exists outside it). */
int region_create_audited(struct store *s, const struct actor *who, const char *code,
                          const char *name, struct ep_error *err);

/* Calls "fn" for each child of "code" in code order ("" lists the cities).
 * Stops and returns fn's value if it returns non-zero. */
typedef int (*region_fn)(const struct region *r, void *ctx);
int region_children_list(struct store *s, const char *code, region_fn fn, void *ctx,
                         struct ep_error *err);

/* The regions inside "scope" whose name contains "text" (or whose code is
 * "text"), of "level" only when it is not 0: at most "limit", by level then
 * code.  For pickers: "茶亭" finds 茶亭社区 wherever it is in the scope. */
int region_search(struct store *s, const char *scope, const char *text, int level, int limit,
                  region_fn fn, void *ctx, struct ep_error *err);

/* Calls "fn" for each ancestor of "code" from the city down, then the region itself. */
int region_path_list(struct store *s, const char *code, region_fn fn, void *ctx,
                     struct ep_error *err);

#endif
