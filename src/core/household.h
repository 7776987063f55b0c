/*
 * household.h -- households: an address in a grid, with a head person.
 *
 * Ownership: structs are filled by value; input strings are borrowed.
 */
#ifndef EPIGRID_CORE_HOUSEHOLD_H
#define EPIGRID_CORE_HOUSEHOLD_H
#include <stdint.h>

#include "core/audit.h"
#include "core/region.h"
#include "store/store.h"
#include "util/error.h"

#define HOUSEHOLD_ADDRESS_MAX 256 /* bytes incl. NUL; at most 80 characters accepted */

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
    int64_t head_person_id; /* optional: a person of this household */
};

int household_validate(struct store *s, const struct household_input *in, struct household *out,
                       struct ep_error *err);
/* Inside the caller's transaction; no counters, no audit (see person_insert). */
int household_insert(struct store *s, struct household *h, struct ep_error *err);
/* Validate + insert + counters + audit in one transaction; grid in scope or 403. */
int household_create(struct store *s, const struct actor *who, const struct household_input *in,
                     struct household *out, struct ep_error *err);
int household_get(struct store *s, const char *scope, int64_t id, struct household *out,
                  struct ep_error *err);

struct household_filter {
    const char *scope;      /* required */
    const char *region;     /* optional narrower prefix */
    const char *after_grid; /* cursor */
    int64_t after_id;
    int64_t limit;
};
typedef int (*household_fn)(const struct household *h, void *ctx);
int household_list(struct store *s, const struct household_filter *f, household_fn fn, void *ctx,
                   struct ep_error *err);

#endif
