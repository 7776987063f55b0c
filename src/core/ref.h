/*
 * ref.h -- "is this record visible to this actor?", one answer per kind of
 * record.
 *
 * Every id that arrives in a request (in the path or in the body) is a
 * reference to a record that may lie outside the caller's jurisdiction.
 * Outside it the record does not exist: ref_visible() gives the same answer
 * for a record of another county as for an id never issued, so no reply can
 * tell the two apart (no name, no "outside your jurisdiction", no 409 about
 * it).  The kinds and their rules live in one table in ref.c:
 *
 *   inside  the record's region code lies in the caller's scope (persons,
 *           households, observations, cases, organisations, teams, ...);
 *   path    inside, or an ancestor of the scope: records that serve the
 *           levels below them (a city hospital, a city-wide screening round,
 *           the parent party committee).  As the target of a write such a
 *           record must still lie inside the scope (ref_writable), except for
 *           what is addressed to the levels below (a directive, a broadcast,
 *           whose recipients answer it).
 *   either  inside, or the record's second region is: a contact living
 *           elsewhere is seen from its source's jurisdiction.
 *
 * Ownership: nothing is allocated; "region_out" is a caller buffer.
 */
#ifndef EPIGRID_CORE_REF_H
#define EPIGRID_CORE_REF_H
#include <jansson.h>
#include <stdint.h>

#include "core/auth.h"
#include "core/region.h"
#include "store/store.h"
#include "util/error.h"

enum ref_kind {
    REF_PERSON,
    REF_HOUSEHOLD,
    REF_OBSERVATION,
    REF_ALERT,
    REF_CASE,
    REF_CONTACT,
    REF_SITE,
    REF_ROUND,
    REF_ORG,
    REF_TEAM,
    REF_APPLICATION,
    REF_DUTY_PLACE,
    REF_SHIFT,
    REF_CHECKPOINT,
    REF_WAREHOUSE,
    REF_FUND_ACCOUNT,
    REF_DONOR,
    REF_DONATION,
    REF_SUPPLY_REQUEST,
    REF_DIRECTIVE,
    REF_INSPECTION,
    REF_FINDING,
    REF_BROADCAST,
    REF_LEADER_LINK,
    REF_ITEM,       /* the supply catalogue: one for the whole country, visible to all */
    REF_FUND_ENTRY, /* visible with its fund account */
    REF_KIND_COUNT
};

/* Machine name of a kind ("person", "org", ...), as `epigrid routes` prints
 * it; ref_kind_from_name() is its inverse (-1 when unknown). */
const char *ref_kind_name(int kind);
int ref_kind_from_name(const char *name);

/* 1 if record "id" of "kind" exists and is visible from "scope" (a region
 * code prefix, "" = everything), 0 if it is missing or outside (the same
 * answer), negative with "err" set on a database error.  On 1 the record's
 * region code is copied to "region_out" (may be NULL). */
int ref_visible(struct store *s, const char *scope, int kind, int64_t id,
                char region_out[REGION_CODE_MAX], struct ep_error *err);

/* Like ref_visible for the record a write changes: records seen on the path
 * above the scope are not writable (except directives and broadcasts, which
 * their recipients below answer). */
int ref_writable(struct store *s, const char *scope, int kind, int64_t id,
                 char region_out[REGION_CODE_MAX], struct ep_error *err);

/* Sets "err" to the not-found answer for a path target: 404 "<kind> <id> 不存在"
 * ("<kind> <id> not found").  Returns -EP_ENOTFOUND. */
int ref_not_found(struct ep_error *err, int kind, int64_t id);
/* Steps "st", a statement that reads record "id" of "kind" within the
 * reader's jurisdiction: 0 when it yields the row (read it, then reset st),
 * the 404 of ref_not_found() when it yields none -- outside the jurisdiction
 * reads like missing -- or a store error. */
int ref_step_one(struct store_stmt *st, int kind, int64_t id, struct ep_error *err);
/* The same for a record that is no reference kind, named "zh" / "en"
 * ("风险地区" / "risk area"): 404 "<zh> <id> 不存在" when "st" yields no row. */
int ref_step_named(struct store_stmt *st, const char *zh, const char *en, int64_t id,
                   struct ep_error *err);

/* Reads one row of a record into "out" (ref_get_one). */
typedef void (*ref_fill_fn)(struct store_stmt *st, void *out);
/* ref_visible ("as_target" 0) or ref_writable (1) that also reads the record,
 * in one statement: "sql" (a string literal, for the statement cache) takes
 * the id as its one parameter and yields the record's region code as column
 * 0 (for a kind whose second region counts, that one as column 1), then what
 * "fill" reads.  "fill" (may be NULL) is called with "out" only when the
 * record is visible: of a record outside the scope nothing is read, and the
 * answer is the same 0 as for a missing one.  Returns as ref_visible. */
int ref_visible_read(struct store *s, const char *scope, int kind, int64_t id, const char *sql,
                     int as_target, ref_fill_fn fill, void *out, char region_out[REGION_CODE_MAX],
                     struct ep_error *err);
/* Binds the scope from parameter "idx" on (region_bind_range, or a module's
 * own when its statement checks the scope in more places). */
typedef void (*ref_bind_fn)(struct store_stmt *st, int idx, const char *scope);

/* Reads record "id" of "kind" within "scope": prepares "sql" (a string
 * literal: statements are cached by its address) with the id at parameter 1
 * and the scope from 2 on, bound by "bind" (NULL: region_bind_range), steps
 * it as ref_step_one() and on a row calls "fill" with "out".  Returns as
 * ref_step_one(), -EP_EINTERNAL when the statement cannot be prepared. */
int ref_get_one(struct store *s, const char *sql, ref_bind_fn bind, const char *scope, int kind,
                int64_t id, ref_fill_fn fill, void *out, struct ep_error *err);

/* Makes the JSON object of one row. */
typedef json_t *(*ref_row_fn)(struct store_stmt *st);
/* ref_get_one for a record read as JSON: *out (OUT: NULL unless 0 is
 * returned) is the new object "row" makes. */
int ref_get_json(struct store *s, const char *sql, ref_bind_fn bind, const char *scope, int kind,
                 int64_t id, ref_row_fn row, json_t **out, struct ep_error *err);
/* Appends the object "row" makes of each row "st" (bound) yields to "items",
 * then resets "st".  Returns 0 or a negative store error. */
int ref_rows_json(struct store_stmt *st, ref_row_fn row, json_t *items, struct ep_error *err);

/* Adds the field error of a body reference that is missing or invisible:
 * "<kind> <id> 不存在" on "field".  When no other error is pending the error
 * becomes 404 (a referenced record was not found); alongside input errors it
 * stays 400 with every field listed. */
void ref_field_not_found(struct ep_error *err, const char *field, int kind, int64_t id);

/* A region code given in a request ("field"): exists and lies inside "scope".
 * 1 visible, 0 (a field error added: "required" or a malformed code as input
 * errors, else the not-found answer as above), <0 on a database error.
 * "level" (enum region_level) must match when non-zero; "r" (may be NULL)
 * receives the region. */
int ref_region(struct store *s, const char *scope, const char *code, int level, const char *field,
               struct region *r, struct ep_error *err);

/* 1 if region "code" exists, is of "level" (when non-zero) and lies inside
 * "scope"; 0 otherwise (missing, outside or malformed alike); <0 on a
 * database error.  No error is added for 0. */
int ref_region_visible(struct store *s, const char *scope, const char *code, int level,
                       struct region *r, struct ep_error *err);

#endif
