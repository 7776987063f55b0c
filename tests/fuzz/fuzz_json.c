/*
 * fuzz_json.c -- the JSON body decoder and the field check of every write
 * endpoint: json_body_parse, then json_object_check against one of the real
 * field tables (chosen by the first input byte), then the getters for every
 * field the table names, the idempotency key (client_uuid check and the
 * canonical body hash).
 *
 * Invariants checked beyond the sanitizers: a parse either returns a value or
 * fills the error (never both, never neither); a failed check always carries
 * an EP_EINVAL code and at least one field error or a message; every message
 * is valid UTF-8 (it goes into JSON replies); the body hash does not depend on
 * the order of the keys (a retry with its keys reordered is the same write).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/idem.h"
#include "fuzz_tables.h"
#include "http/handlers/handlers.h"
#include "util/error.h"
#include "util/idcheck.h"
#include "util/json.h"

static const struct fuzz_table *tables[256];
static size_t ntables;

static void collect_tables(void)
{
    for (size_t l = 0; fuzz_table_lists[l]; l++)
        for (const struct fuzz_table *t = fuzz_table_lists[l]; t->name; t++)
            if (ntables < sizeof tables / sizeof tables[0])
                tables[ntables++] = t;
    if (ntables == 0)
        abort();
}

/* The body hash of "body" with its top-level keys in reverse order must equal
 * its own. */
static void check_hash_order(json_t *body)
{
    char h1[IDEM_HASH_HEX + 1], h2[IDEM_HASH_HEX + 1];
    idem_body_hash(body, h1);
    if (strlen(h1) != IDEM_HASH_HEX)
        abort();
    size_t n = json_object_size(body), i = 0;
    const char **keys = malloc((n ? n : 1) * sizeof *keys);
    const char *key;
    json_t *value;
    json_object_foreach(body, key, value) keys[i++] = key;
    json_t *reversed = json_object();
    while (i-- > 0)
        json_object_set(reversed, keys[i], json_object_get(body, keys[i]));
    idem_body_hash(reversed, h2);
    if (strcmp(h1, h2) != 0)
        abort();
    json_decref(reversed);
    free(keys);
}

static void check_messages(const struct ep_error *err)
{
    for (int lang = 0; lang < 2; lang++) {
        const char *m = err->msg[lang];
        if (!utf8_valid(m, strlen(m)))
            abort();
        for (int i = 0; i < err->nfields; i++) {
            const char *f = err->fields[i].msg[lang];
            if (!utf8_valid(f, strlen(f)) ||
                !utf8_valid(err->fields[i].field, strlen(err->fields[i].field)))
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ntables) {
        collect_tables();
        if (sodium_init() < 0)
            abort();
    }
    if (size < 1)
        return 0;
    const struct fuzz_table *t = tables[data[0] % ntables];
    struct ep_error err;
    ep_error_clear(&err);
    json_t *body = json_body_parse((const char *)data + 1, size - 1, &err);
    if ((body == NULL) == (err.code == EP_OK))
        abort(); /* a value and an error, or neither */
    check_messages(&err);
    if (!body)
        return 0;
    ep_error_clear(&err);
    int rc = json_object_check(body, t->fields, &err);
    if (rc != 0 && (err.code != EP_EINVAL || (err.nfields == 0 && !err.msg[0][0])))
        abort();
    if (rc == 0 && err.code != EP_OK)
        abort();
    check_messages(&err);
    if (rc == 0)
        for (const struct json_field *f = t->fields; f->name; f++) {
            const char *s = json_get_str(body, f->name);
            if (s && f->type == JF_STRING && !utf8_valid(s, strlen(s)))
                abort();
            (void)json_get_int(body, f->name, 0);
        }
    struct idem_key key;
    ep_error_clear(&err);
    if (handler_idem_key(body, &key, &err) != 0 && err.code == EP_OK)
        abort();
    check_messages(&err);
    check_hash_order(body);
    json_decref(body);
    return 0;
}
