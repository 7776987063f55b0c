/*
 * pack.c -- reading tables of named zlib streams (see pack.h).
 */
#include "util/pack.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int pack_find(const unsigned char *table, size_t size, const char *magic, const char *key,
              pack_meta_fn meta, void *ctx, struct pack_entry *out)
{
    const char *t = (const char *)table;
    size_t magic_len = strlen(magic);
    if (size < magic_len || memcmp(t, magic, magic_len) != 0)
        return -1;
    const char *header_end = memmem(t, size, "\n\n", 2);
    if (!header_end)
        return -1;
    size_t data_start = (size_t)(header_end + 2 - t);
    int found = 0;
    for (const char *p = t + magic_len; p < header_end;) {
        const char *nl = memchr(p, '\n', (size_t)(header_end + 1 - p));
        char line[160];
        size_t n = (size_t)(nl - p);
        if (n >= sizeof line)
            return -1;
        memcpy(line, p, n);
        line[n] = '\0';
        p = nl + 1;
        if (line[0] < '0' || line[0] > '9') {
            if (meta)
                meta(line, ctx);
            continue;
        }
        struct pack_entry e;
        unsigned long long off, len, raw;
        if (sscanf(line, "%15s %llu %llu %llu", e.key, &off, &len, &raw) != 4)
            return -1;
        if (found || strcmp(e.key, key) != 0)
            continue;
        if (off > size - data_start || len > size - data_start - off)
            return -1;
        e.offset = data_start + (size_t)off;
        e.length = (size_t)len;
        e.raw_length = (size_t)raw;
        *out = e;
        found = 1;
    }
    return found;
}

char *pack_inflate(const unsigned char *table, const struct pack_entry *e)
{
    char *text = malloc(e->raw_length + 1);
    if (!text)
        abort();
    uLongf n = (uLongf)e->raw_length;
    if (uncompress((Bytef *)text, &n, table + e->offset, (uLong)e->length) != Z_OK ||
        n != e->raw_length) {
        free(text);
        return NULL;
    }
    text[n] = '\0';
    return text;
}
