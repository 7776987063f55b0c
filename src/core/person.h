/*
 * person.h -- the registry of persons: name, sex, birth date, national ID
 * number (GB 11643 check digit), phone, household and grid.
 *
 * A person lives in the grid of their household (or a grid given directly
 * when they have no household, e.g. a visitor).  A second person with the
 * same ID number is a conflict (409).  ID numbers and phones are personal
 * data, and so is the birth date next to a masked ID number:
 * person_visible_pii() decides what a viewer sees.
 *
 * Ownership: structs are filled by value; input strings are borrowed.
 */
#ifndef EPIGRID_CORE_PERSON_H
#define EPIGRID_CORE_PERSON_H
#include <stdint.h>

#include "core/audit.h"
#include "core/auth.h"
#include "core/idem.h"
#include "core/region.h"
#include "core/write.h"
#include "store/store.h"
#include "util/error.h"

/* The sexes a person takes: M, F (NULL-terminated; the body's enum). */
extern const char *const person_sexes[];
/* The word a spreadsheet shows for a sex: 男 for 'M', 女 for 'F', "" otherwise. */
const char *person_sex_zh(char sex);

#define PERSON_NAME_MAX   81 /* bytes incl. NUL: 20 characters of up to 4 bytes */
#define PERSON_NAME_CHARS 20
#define PERSON_PHONE_MAX  21

struct person {
    int64_t id;           /* persons.id */
    int64_t household_id; /* 0 when none */
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
    int64_t household_id;   /* 0 = none (update: unchanged); the household must exist */
    const char *grid_code;  /* required when household_id is 0; a grid (15 digits) that
                               exists; with a household it must be the household's grid */
};

/* Checks every field of "in" that needs no database (all problems at once,
 * as field errors named after the struct person_input members): name, ID
 * number, sex, birth date, phone, the form of household_id and grid_code.
 * Returns 0, or -EP_EINVAL with the field errors in "err".  Fills "out" with
 * the normalised values (ID number upper-cased, sex and birth date derived
 * from it, household_id and grid_code as given); out->id and the timestamps
 * are left alone.  Whether the household and the grid exist (and are
 * visible) is the write's question: see person_insert.
 * "for_update": "out" holds the current record on entry and fields of "in"
 * that are NULL/0 keep their current value (PATCH). */
int person_validate(const struct person_input *in, int for_update, struct person *out,
                    struct ep_error *err);

/* The step of person_create inside the caller's write "w" (also the CSV
 * import's per-row step): person_validate, then the references against the
 * scope of w's actor -- the household (field household_id) and the grid
 * (grid_code): one outside the scope is not found, exactly as a missing one
 * (404 alone, 400 among input errors) --, the grid agreeing with the
 * household's, then the insert.  No counters, no audit: the caller does
 * those (the import aggregates them).  Fills "out" (id and timestamps set).
 * -EP_ECONFLICT (field "id_number") if the ID number is already
 * registered.  Returns the write's failure. */
int person_insert(struct write *w, const struct person_input *in, struct person *out);

/* person_insert, the region counters ("persons" +1) and the audit row (ID
 * number and phone masked), in one write.  "idem" (may be NULL): a key seen
 * before with the same body fills "out" with the first result, sets
 * idem->replayed and writes nothing; with another body it is -EP_ECONFLICT;
 * a new key is recorded with the person. */
int person_create(struct store *s, const struct actor *who, const struct person_input *in,
                  struct idem_key *idem, struct person *out, struct ep_error *err);

/* Reads one person; -EP_ENOTFOUND when absent or outside "scope" (a person
 * outside the caller's jurisdiction does not exist for them). */
int person_get(struct store *s, const char *scope, int64_t id, struct person *out,
               struct ep_error *err);

/* Changes the given fields (PATCH, see person_validate) in one write; the
 * references are checked as in person_insert.  Moving to another grid moves
 * the counters (-1 old, +1 new).  Audited with before and after.
 * -EP_ENOTFOUND if the person is missing or outside who's scope, a field
 * error (404 alone) for a household or grid that is, -EP_ECONFLICT for a
 * duplicate ID. */
int person_update(struct store *s, const struct actor *who, int64_t id,
                  const struct person_input *in, struct person *out, struct ep_error *err);

struct person_filter {
    const char *scope;      /* required: jurisdiction prefix */
    const char *region;     /* optional narrower prefix */
    const char *name;       /* optional exact name */
    const char *id_number;  /* optional exact ID number */
    int64_t household_id;   /* optional, 0 = any */
    const char *after_grid; /* cursor: continue after (after_grid, after_id) */
    int64_t after_id;
    int64_t limit; /* rows wanted; export passes a large number */
};

/* Calls fn for each matching person in (grid_code, id) order: a stable order
 * that a region range scan yields without sorting.  Only persons inside
 * f->scope (and f->region, when given) are seen: the range is in the SQL.
 * f->limit <= 0 means no limit.  Stops and returns fn's value if non-zero. */
typedef int (*person_fn)(const struct person *p, void *ctx);
int person_list(struct store *s, const struct person_filter *f, person_fn fn, void *ctx,
                struct ep_error *err);

/* The persons inside "scope" for a picker, at most "limit": those whose name
 * begins with "name_prefix" (by name, then grid and id), or, when "phone" is
 * given instead, whose phone is exactly it.  No cursor: a picker asks for a
 * longer prefix, not a next page. */
int person_search(struct store *s, const char *scope, const char *name_prefix, const char *phone,
                  int64_t limit, person_fn fn, void *ctx, struct ep_error *err);

/* The personal data of a person as one view shows it: in full, or masked.
 * Masked, the birth date shrinks to the year: with the first and last four
 * digits of the ID number and the check digit, the date would leave a
 * handful of candidates for the whole number (issue #16, finding 2). */
struct person_pii {
    char id_number[19];           /* full, or "4311**********1234" */
    char phone[PERSON_PHONE_MAX]; /* full, "138****5678", or "" when unknown */
    char birth[11];               /* full "YYYY-MM-DD", or the year "YYYY" when masked */
    int birth_year;               /* the year, in either view */
    int masked;                   /* 1 when the values above are masked */
};

/* Fills "out" with the personal data of "p", masked when "masked" is 1. */
void person_pii_fill(const struct person *p, int masked, struct person_pii *out);

/* The personal data "viewer" may see of "p" without asking: in full when
 * auth_pii_visible() allows it, masked otherwise.  Returns out->masked. */
int person_visible_pii(const struct auth_user *viewer, const struct person *p,
                       struct person_pii *out);

/* Reads one person in who's scope with the full ID number and phone and
 * records an audit row (action "unmask", entity "person": who viewed whose
 * personal data) in one write.  -EP_ENOTFOUND when absent or outside the
 * scope. */
int person_unmask(struct store *s, const struct actor *who, int64_t id, struct person *out,
                  struct ep_error *err);

/* Number of persons in household "household_id" (0 when none). */
int person_household_count(struct store *s, int64_t household_id, int64_t *out,
                           struct ep_error *err);

/* The highest person id in *out (0 when there is none): an upper bound of
 * the rows of persons in one index seek (COUNT(*) reads them all). */
int person_id_max(struct store *s, int64_t *out, struct ep_error *err);

/* Recomputes the "persons" counter of every region from the persons table
 * (the oracle of `epigrid check`).  Call inside a transaction. */
int person_counters_rebuild(struct store *s, struct ep_error *err);

#endif
