/*
 * contact.h -- close contacts (密切接触者) of a case and contacts of
 * contacts (次密接), and the transmission graph they form.
 *
 * A contact is a person (from the registry inside the tracer's scope, or
 * registered on the spot with person_validate/person_create) linked to exactly one source -- a case
 * or another contact -- with a contact type and the date of last contact. Recording one opens a
 * medical observation (reason "contact") from the last contact, ending at last contact + the
 * profile's days (observation_open; an observation already active is kept and linked).  Counter
 * (docs/counters.md): contacts_total +1 in the contact's grid.
 *
 * Scope: a contact is visible to a user when the contact's grid or its
 * source's grid lies in the user's scope (a county traces contacts living
 * elsewhere); the test is in the SQL.
 *
 * Ownership: structs are filled by value; input strings are borrowed;
 * *_new() functions return new references.
 */
#ifndef EPIGRID_CORE_CONTACT_H
#define EPIGRID_CORE_CONTACT_H
#include <jansson.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/idem.h"
#include "core/person.h"
#include "core/region.h"
#include "store/store.h"
#include "util/error.h"

struct contact {
    int64_t id;
    int64_t person_id;
    char person_name[81];
    char grid_code[REGION_CODE_MAX]; /* the contact's grid */
    int64_t source_case_id;          /* exactly one of these two is set */
    int64_t source_contact_id;
    char source_grid[REGION_CODE_MAX];
    char contact_type[16]; /* household, work, social, medical, transport, other */
    char last_contact_date[11];
    int64_t observation_id;      /* 0 when none */
    char observation_status[16]; /* "" when none */
    char planned_end[11];        /* of the observation, "" when none */
    int64_t case_id;             /* the person's latest case, 0 if none (the contact fell ill) */
    char note[1024];
    char traced_at[32];   /* when it was traced (occurred) */
    char recorded_at[32]; /* when it reached us (the server's time) */
    char created_by[64];
};

struct contact_input {
    int64_t person_id;                 /* an existing person, or 0 with "person" */
    const struct person_input *person; /* a person to register now (NULL = none) */
    int64_t source_case_id;            /* exactly one source */
    int64_t source_contact_id;
    const char *contact_type;      /* see above */
    const char *last_contact_date; /* YYYY-MM-DD, not in the future */
    const char *note;              /* optional, at most 300 characters */
    const char *occurred_at;       /* when it was traced (occurred_parse: a date or a time with
                                      its offset; NULL = now); the contact is not after it */
    int64_t at_unix;               /* the server's clock: 0 = now (simulations pass theirs) */
};

/* The i-th contact type (from 0), NULL past the last. */
const char *contact_type_at(int i);

/* 1 if "type" is a contact type; its Chinese name ("同住", ...) or "". */
int contact_type_valid(const char *type);
const char *contact_type_zh(const char *type);

/* The checks of contact_create that write nothing (the person's fields
 * through person_validate).  0 or -EP_EINVAL with field errors. */
int contact_input_check(struct store *s, const struct contact_input *in, struct ep_error *err);

/* Records a contact in one write: field errors named after the input
 * members (a new person's as "person.<member>"); then the references: the
 * source and an existing person must be visible to who -- one missing or
 * outside the scope is the same field error "<kind> <id> 不存在" on
 * "source_case_id"/"source_contact_id"/"person_id" (404 when it is the only
 * error); a new person is registered by person_create (its own rules); the
 * same person twice for one source, or a new person's ID number already
 * registered, is -EP_ECONFLICT.  Opens the observation, moves the counter,
 * audits, publishes "contact.created".  "idem" (may be NULL) as in
 * person_create. */
int contact_create(struct store *s, const struct actor *who, const struct contact_input *in,
                   struct idem_key *idem, struct contact *out, struct ep_error *err);

/* Reads a contact visible from "scope"; -EP_ENOTFOUND otherwise. */
int contact_get(struct store *s, const char *scope, int64_t id, struct contact *out,
                struct ep_error *err);

struct contact_filter {
    const char *scope;         /* required */
    const char *region;        /* optional: the contact's grid inside this prefix */
    int64_t source_case_id;    /* optional, 0 = any */
    int64_t source_contact_id; /* optional, 0 = any */
    int64_t person_id;         /* optional, 0 = any */
    int64_t after_id;          /* cursor: ids greater than this */
    int64_t limit;             /* <= 0: no limit */
};

/* Calls fn for each visible matching contact by id. */
typedef int (*contact_fn)(const struct contact *c, void *ctx);
int contact_list(struct store *s, const struct contact_filter *f, contact_fn fn, void *ctx,
                 struct ep_error *err);

json_t *contact_json_new(const struct contact *c);

/* The transmission graph of the cluster of case "case_id" as seen from
 * "scope": cases and contacts linked by "contact" edges (source -> contact,
 * type = the contact type) and "became_case" edges (contact -> the case the
 * contact's person became), followed in both directions, at most 1000
 * nodes ("truncated": true beyond).  Nodes: {id ("case:12" / "contact:7"),
 * kind, label (masked name), classification}.  NULL with -EP_ENOTFOUND when
 * the case is not visible. */
json_t *contact_chain_new(struct store *s, const char *scope, int64_t case_id,
                          struct ep_error *err);

/* A name with all but its first character masked: "张三" -> "张*". */
void contact_mask_name(const char *name, char *out, size_t size);

/* Recomputes contacts_total from the contacts table (the oracle).  Call
 * inside a transaction. */
int contact_counters_rebuild(struct store *s, struct ep_error *err);

#endif
