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

/* Checks every field (all problems at once, as field errors named after the
 * members of struct household_input): the grid is an existing region of
 * level grid ("unknown region" is a field error, not a 404), the address
 * 1-80 characters, the head person exists in the same grid.  On success
 * fills "out" (id, members and timestamps zeroed).  0 or -EP_EINVAL. */
int household_validate(struct store *s, const struct household_input *in, struct household *out,
                       struct ep_error *err);
/* Inside the caller's transaction; no counters, no audit (see person_insert).
 * Sets h->id and the timestamps. */
int household_insert(struct store *s, struct household *h, struct ep_error *err);
/* Validate + insert + counters ("households" +1) + audit in one transaction;
 * the grid must be in who's scope (-EP_EFORBIDDEN).  "idem" as for
 * person_create (may be NULL). */
int household_create(struct store *s, const struct actor *who, const struct household_input *in,
                     struct idem_key *idem, struct household *out, struct ep_error *err);
/* Reads one household with its member count; -EP_ENOTFOUND when absent or
 * outside "scope" ("" = everywhere). */
int household_get(struct store *s, const char *scope, int64_t id, struct household *out,
                  struct ep_error *err);
/* The grid of household "id" into grid_out, whatever the scope (a cheap
 * lookup for person validation); -EP_ENOTFOUND when absent. */
int household_grid_get(struct store *s, int64_t id, char grid_out[REGION_CODE_MAX],
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
