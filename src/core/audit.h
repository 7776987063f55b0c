/*
 * audit.h -- the append-only audit log: who did what, when, from where,
 * with the record before and after.
 *
 * Every write in every domain module calls audit_record() inside the same
 * transaction as the write, so a fact and its audit row commit together.
 * There is no update or delete function, and triggers refuse both.
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
