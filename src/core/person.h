/*
 * person.h -- the registry of persons: name, sex, birth date, national ID
 * number (GB 11643 check digit), phone, household and grid.
 *
 * A person lives in the grid of their household (or a grid given directly
 * when they have no household, e.g. a visitor).  A second person with the
 * same ID number is a conflict (409).  ID numbers and phones are personal
 * data: person_visible_pii() decides what a viewer sees.
 *
 * Ownership: structs are filled by value; input strings are borrowed.
 */
#ifndef EPIGRID_CORE_PERSON_H
#define EPIGRID_CORE_PERSON_H
#include <stdint.h>

#include "core/audit.h"
#include "core/auth.h"
#include "core/region.h"
#include "store/store.h"
#include "util/error.h"

#define PERSON_NAME_MAX 64   /* bytes incl. NUL; at most 20 characters accepted */
#define PERSON_PHONE_MAX 21

struct person {
    int64_t id;                   /* persons.id */
    int64_t household_id;         /* 0 when none */
    char grid_code[REGION_CODE_MAX];
    char name[PERSON_NAME_MAX];   /* UTF-8 */
    char sex;                     /* 'M' or 'F' */
    char birth_date[11];          /* YYYY-MM-DD */
    char id_number[19];           /* full value; mask before showing */
    char phone[PERSON_PHONE_MAX]; /* "" when unknown */
    char created_at[32];
    char updated_at[32];
};

/* What a caller supplies to create or update a person.  NULL = not given. */
struct person_input {
    const char *name;       /* required on create, 1-20 characters */
    const char *sex;        /* "M"/"F"; derived from the ID number when NULL; must agree */
    const char *birth_date; /* YYYY-MM-DD; derived from the ID number when NULL; must agree */
    const char *id_number;  /* required on create; 18 characters, 'x' is upper-cased */
    const char *phone;      /* optional; mobile or landline */
    int64_t household_id;   /* 0 = none; the household must exist */
    const char *grid_code;  /* required when household_id is 0; a grid (15 digits) */
};

/* Checks every field of "in" (all problems at once, as field errors) and
 * the references (household exists, grid exists).  "for_update": fields may
 * be missing.  On success fills "out" with the normalised values (sex and
 * birth date derived, grid from the household). */
int person_validate(struct store *s, const struct person_input *in, int for_update,
                    struct person *out, struct ep_error *err);

/* Inserts a validated person (out of person_validate) inside the caller's
 * transaction: no counters, no audit -- the caller does those (bulk import
 * and demo generation aggregate them).  Sets p->id. */
int person_insert(struct store *s, struct person *p, struct ep_error *err);

/* Validates, inserts, updates the region counters and audits, in one
 * transaction.  The grid must lie in who->user->scope (403 otherwise). */
int person_create(struct store *s, const struct actor *who, const struct person_input *in,
                  struct person *out, struct ep_error *err);

/* Reads one person; -EP_ENOTFOUND when absent or outside "scope" (a person
 * outside the caller's jurisdiction does not exist for them). */
int person_get(struct store *s, const char *scope, int64_t id, struct person *out,
               struct ep_error *err);

/* Changes the given fields; moving to another household/grid moves the
 * counters.  Audited with before and after. */
int person_update(struct store *s, const struct actor *who, int64_t id,
                  const struct person_input *in, struct person *out, struct ep_error *err);

struct person_filter {
    const char *scope;        /* required: jurisdiction prefix */
    const char *region;       /* optional narrower prefix */
    const char *name;         /* optional exact name */
    const char *id_number;    /* optional exact ID number */
    int64_t household_id;     /* optional, 0 = any */
    const char *after_grid;   /* cursor: continue after (after_grid, after_id) */
    int64_t after_id;
    int64_t limit;            /* rows wanted; export passes a large number */
};

/* Calls fn for each matching person in (grid_code, id) order: a stable order
 * that a region range scan yields without sorting. */
typedef int (*person_fn)(const struct person *p, void *ctx);
int person_list(struct store *s, const struct person_filter *f, person_fn fn, void *ctx,
                struct ep_error *err);

/* The ID number and phone "viewer" may see of "p": full when
 * auth_pii_visible() allows it, masked otherwise ("4311**********1234",
 * "138****5678"). */
void person_visible_pii(const struct auth_user *viewer, const struct person *p, char id_out[19],
                        char phone_out[PERSON_PHONE_MAX]);

#endif
