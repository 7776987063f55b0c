/*
 * idem.h -- idempotent writes from the field.
 *
 * A write carrying a client-generated UUID is looked up first: the same UUID
 * with the same body returns the first result and creates nothing; the same
 * UUID with a different body is a 409.  The key is recorded in the same
 * transaction as the write, so a retry after a crash either finds both or
 * neither.
 */
#ifndef EPIGRID_CORE_IDEM_H
#define EPIGRID_CORE_IDEM_H
#include <jansson.h>
#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

#define IDEM_HASH_HEX 64

enum idem_result {
    IDEM_NEW = 0, /* not seen: go on and write */
    IDEM_REPLAY,  /* seen with the same body: *entity_id is the first result */
};

/* The idempotency key of one write, handed to the domain's *_create calls
 * (NULL there = not an idempotent write). */
struct idem_key {
    const char *uuid;             /* client UUID (checked with idem_uuid_valid), borrowed */
    char hash[IDEM_HASH_HEX + 1]; /* idem_body_hash() of the request body */
    int replayed;                 /* OUT: 1 when the first result was returned instead */
};

/* 1 if "uuid" is a canonical 8-4-4-4-12 hex UUID (either case; keys are
 * compared in lower case). */
int idem_uuid_valid(const char *uuid);
/* Hash of a JSON body in canonical form (sorted keys, compact), without the
 * client_uuid member itself. */
void idem_body_hash(const json_t *body, char out[IDEM_HASH_HEX + 1]);
/* Looks "uuid" up: IDEM_NEW, IDEM_REPLAY (entity_id set), or -EP_ECONFLICT
 * when it was used with another body or for another kind of entity.  Call
 * inside the write's transaction (store_begin takes the write lock, so a
 * concurrent retry waits instead of writing twice). */
int idem_check(struct store *s, const char *uuid, const char *entity, const char *hash,
               int64_t *entity_id, struct ep_error *err);
/* Records the key; call inside the transaction of the write.  A key already
 * present is -EP_ECONFLICT. */
int idem_record(struct store *s, const char *uuid, const char *entity, int64_t entity_id,
                const char *hash, struct ep_error *err);

#endif
