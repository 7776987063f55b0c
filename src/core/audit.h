/*
 * audit.h -- the append-only audit log: who did what, when, from where,
 * with the record before and after.
 *
 * Every write in every domain module calls audit_record() inside the same
 * transaction as the write, so a fact and its audit row commit together.
 * There is no update or delete function, and triggers refuse both.
 *
 * The log is tamper-evident (migration 0018): each row carries the BLAKE2b
 * hash of the previous row's hash and its own fields, and the table
 * audit_chain holds the head (the newest row's id and hash).  A row is
 * appended under the write lock, with id = head + 1, so the chain is one line
 * whichever connection or process writes.  audit_chain_verify() recomputes
 * it: someone who edits the database file -- a row changed, deleted, added,
 * the newest rows cut off -- is named unless they also recompute every hash
 * after the change and the head (which needs only this source code: the
 * chain detects, it cannot prevent; the head printed by `epigrid check` and
 * kept elsewhere closes that gap, see audit_chain_verify's "anchor").
 *
 * Ownership: "before"/"after" are borrowed (not stolen); may be NULL.
 */
#ifndef EPIGRID_CORE_AUDIT_H
#define EPIGRID_CORE_AUDIT_H
#include <jansson.h>
#include <stdint.h>

#include "core/auth.h"
#include "store/store.h"
#include "util/error.h"

/* Who is acting: the authenticated user (or the CLI identity) and address. */
struct actor {
    const struct auth_user *user; /* never NULL; scope limits what may be touched */
    const char *ip;               /* peer address, or "cli" */
};

/* The identity used by CLI commands run by the machine's operator. */
void audit_cli_actor(struct auth_user *user_out, struct actor *actor_out);

int audit_record(struct store *s, const struct actor *who, const char *action, const char *entity,
                 const char *entity_id, const char *region_code, const json_t *before,
                 const json_t *after, struct ep_error *err);

/* Like audit_record for events without a logged-in user (failed logins). */
int audit_record_raw(struct store *s, int64_t user_id, const char *username, const char *ip,
                     const char *action, const char *entity, const char *entity_id,
                     const char *region_code, struct ep_error *err);

#define AUDIT_HASH_BYTES 32                         /* BLAKE2b-256 */
#define AUDIT_HASH_HEX   (2 * AUDIT_HASH_BYTES + 1) /* hex digits and NUL */

/* What is wrong with a row of the chain. */
enum audit_break {
    AUDIT_OK = 0,
    AUDIT_EDITED,  /* its fields or hash differ from what was written */
    AUDIT_MISSING, /* deleted: a gap in the ids, or cut off after the last row */
    AUDIT_ADDED,   /* beyond the head: not written by epigrid's audit_record */
};

struct audit_chain_report {
    int64_t unchained;              /* rows older than the chain (not verifiable) */
    int64_t verified;               /* chained rows whose hash was recomputed and equal */
    int64_t broken;                 /* rows edited, missing or added */
    int64_t first_id;               /* the first broken row (lowest id), 0 when none */
    int first_break;                /* its enum audit_break */
    int anchor_ok;                  /* anchor given: 1 it matches, 0 it does not */
    int64_t head_id;                /* the head: newest row's id (0 = empty chain) */
    char head_hash[AUDIT_HASH_HEX]; /* and its hash */
};

/* Recomputes the whole chain inside one transaction (the write lock is held
 * for its duration, so the rows and the head are one moment; it writes
 * nothing).  "anchor_id"/"anchor_hash" (0/NULL = none) is a head printed
 * earlier and kept outside the database: the row "anchor_id" must still have
 * that hash (a chain rewritten from an earlier row on is caught by it).
 * Fills "out"; returns 0 whether or not the chain is intact (out->broken),
 * negative with "err" set when it could not be read. */
int audit_chain_verify(struct store *s, int64_t anchor_id, const char *anchor_hash,
                       struct audit_chain_report *out, struct ep_error *err);

/* "edited", "missing", "added" (or "ok"). */
const char *audit_break_name(int kind);

struct audit_filter {
    const char *scope;     /* rows whose region_code lies in this prefix (required) */
    const char *region;    /* narrower region, optional */
    const char *action;    /* optional exact match */
    const char *entity;    /* optional exact match */
    const char *entity_id; /* optional exact match */
    const char *username;  /* optional exact match */
    int64_t before_id;     /* cursor: rows with id < before_id (0 = newest first) */
    int limit;             /* rows wanted */
};

/* Rows newest first. */
typedef int (*audit_fn)(struct store_stmt *row, void *ctx);
int audit_list(struct store *s, const struct audit_filter *f, audit_fn fn, void *ctx,
               struct ep_error *err);

#endif
