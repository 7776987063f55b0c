/*
 * idem.c -- idempotency keys for writes from the field (see idem.h).
 *
 * The body hash is BLAKE2b-256 over the body re-serialised by jansson with
 * sorted keys and no whitespace, without the "client_uuid" member: two
 * retries of one offline write hash alike whatever order the client wrote
 * the keys in.
 */
#include "core/idem.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/timeutil.h"

#define UUID_LEN 36

int idem_uuid_valid(const char *uuid)
{
    if (!uuid || strlen(uuid) != UUID_LEN)
        return 0;
    for (int i = 0; i < UUID_LEN; i++) {
        char c = uuid[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return 0;
        }
    }
    return 1;
}

/* Lower-case copy of a valid UUID, so that "ABC..." and "abc..." are one key. */
static void uuid_lower(const char *uuid, char out[UUID_LEN + 1])
{
    for (int i = 0; i < UUID_LEN; i++) {
        char c = uuid[i];
        out[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
    }
    out[UUID_LEN] = '\0';
}

void idem_body_hash(const json_t *body, char out[IDEM_HASH_HEX + 1])
{
    /* The body's canonical text without its client_uuid: the same request
     * under a new key is the same request. */
    char *text = json_dump_canonical(body, "client_uuid");
    unsigned char h[IDEM_HASH_HEX / 2];
    const char *in = text ? text : "";
    crypto_generichash(h, sizeof h, (const unsigned char *)in, strlen(in), NULL, 0);
    sodium_bin2hex(out, IDEM_HASH_HEX + 1, h, sizeof h);
    free(text);
}

int idem_check(struct store *s, const char *uuid, const char *entity, const char *hash,
               int64_t *entity_id, struct ep_error *err)
{
    if (!idem_uuid_valid(uuid))
        return ep_error_set(err, EP_EINTERNAL, "幂等键无效", "invalid idempotency key");
    char key[UUID_LEN + 1];
    uuid_lower(uuid, key);
    struct store_stmt *st = store_prepare(
        s, "SELECT entity, entity_id, body_hash FROM idempotency_keys WHERE client_uuid = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, key);
    int rc = store_step(st, err);
    if (rc == STORE_DONE) {
        rc = IDEM_NEW;
    } else if (rc == STORE_ROW) {
        if (strcmp(store_column_text(st, 0), entity) != 0 ||
            strcmp(store_column_text(st, 2), hash) != 0) {
            rc = ep_error_set(err, EP_ECONFLICT,
                              "client_uuid %s 已用于另一条不同的提交,请为新记录生成新的 UUID",
                              "client_uuid %s was already used for a different request;"
                              " generate a new UUID for a new record",
                              key);
        } else {
            *entity_id = store_column_int64(st, 1);
            rc = IDEM_REPLAY;
        }
    }
    store_stmt_reset(st);
    return rc;
}

int idem_record(struct store *s, const char *uuid, const char *entity, int64_t entity_id,
                const char *hash, struct ep_error *err)
{
    if (!idem_uuid_valid(uuid))
        return ep_error_set(err, EP_EINTERNAL, "幂等键无效", "invalid idempotency key");
    char key[UUID_LEN + 1], now[32];
    uuid_lower(uuid, key);
    time_now_iso(now);
    struct store_stmt *st =
        store_prepare(s,
                      "INSERT INTO idempotency_keys (client_uuid, entity,"
                      " entity_id, body_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, key);
    store_bind_text(st, 2, entity);
    store_bind_int64(st, 3, entity_id);
    store_bind_text(st, 4, hash);
    store_bind_text(st, 5, now);
    return store_run_deferred(st, err); /* its failure fails the write that records it */
}
