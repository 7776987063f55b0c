/*
 * household.h -- households: an address in a grid, with a head person.
 *
 * A household lives in one grid; its members are the persons whose
 * household_id points at it (they live in the same grid).  Reads take the
 * caller's scope and filter inside SQL: a household outside it does not
 * exist for the caller.
 *
 * Ownership: structs are filled by value; input strings are borrowed.
 */
#ifndef EPIGRID_CORE_HOUSEHOLD_H
#define EPIGRID_CORE_HOUSEHOLD_H
#include <stdint.h>

#include "core/audit.h"
#include "core/idem.h"
#include "core/region.h"
#include "core/write.h"
#include "store/store.h"
#include "util/error.h"

#define HOUSEHOLD_ADDRESS_MAX   321 /* bytes incl. NUL: 80 characters of up to 4 bytes */
#define HOUSEHOLD_ADDRESS_CHARS 80

struct household {
    int64_t id;
    char grid_code[REGION_CODE_MAX];     /* a grid (15 digits) */
    char address[HOUSEHOLD_ADDRESS_MAX]; /* UTF-8 */
    int64_t head_person_id;              /* 0 when not set */
    int64_t members;                     /* persons in the household (filled by get/list) */
    char created_at[32];
    char updated_at[32];
};

struct household_input {
    const char *grid_code;  /* required: an existing grid */
    const char *address;    /* required: 1-80 characters */
    int64_t head_person_id; /* optional, 0 = none: an existing person of the same grid */
};

/* Checks every field that needs no database (all problems at once, as
 * field errors named after the members of struct household_input): the
 * grid code is 15 digits, the address 1-80 characters, head_person_id not
 * negative.  On success fills "out" (id, members and timestamps zeroed).
 * That the grid and the head exist is the write's question (household_insert).
 * 0 or -EP_EINVAL. */
int household_validate(const struct household_input *in, struct household *out,
                       struct ep_error *err);
/* The step of household_create inside the caller's write "w" (also the CSV
 * import's per-row step): household_validate, then the references against
 * the scope of w's actor -- the grid (grid_code) and the head person
 * (head_person_id), one outside the scope not found exactly as a missing one
 * (404 alone, 400 among input errors) --, the head living in that grid, then
 * the insert.  No counters, no audit.  Sets out->id and the timestamps.
 * Returns the write's failure. */
int household_insert(struct write *w, const struct household_input *in, struct household *out);
/* The step making person "person_id" the head of household "household_id"
 * inside the caller's write "w" (the persons import's 是否户主): both visible
 * to w's actor (404 as missing ones), the person living in that household
 * (a field error on "is_head" otherwise).  No audit: the caller's.  Returns
 * the write's failure. */
int household_head_set(struct write *w, int64_t household_id, int64_t person_id);
/* household_insert, the counters ("households" +1) and the audit row in one
 * write.  "idem" as for person_create (may be NULL). */
int household_create(struct store *s, const struct actor *who, const struct household_input *in,
                     struct idem_key *idem, struct household *out, struct ep_error *err);
/* Reads one household with its member count; -EP_ENOTFOUND when absent or
 * outside "scope" ("" = everywhere). */
int household_get(struct store *s, const char *scope, int64_t id, struct household *out,
                  struct ep_error *err);
struct household_filter {
    const char *scope;      /* required */
    const char *region;     /* optional narrower prefix */
    const char *after_grid; /* cursor */
    int64_t after_id;
    int64_t limit; /* rows wanted; <= 0 = no limit */
};
/* Calls fn for each household inside f->scope (and f->region) in
 * (grid_code, id) order, with its member count; stops when fn returns
 * non-zero and returns that value. */
typedef int (*household_fn)(const struct household *h, void *ctx);
int household_list(struct store *s, const struct household_filter *f, household_fn fn, void *ctx,
                   struct ep_error *err);

/* Recomputes the "households" counter of every region from the households
 * table (the oracle of `epigrid check`).  Call inside a transaction. */
int household_counters_rebuild(struct store *s, struct ep_error *err);

#endif
