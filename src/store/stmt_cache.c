/*
 * stmt_cache.c -- prepared statements by SQL literal address (see
 * stmt_cache.h): open addressing with linear probing, doubled at half full.
 */
#include "store/stmt_cache.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

static size_t slot_of(const char *sql, size_t cap)
{
    /* Fibonacci hashing of the address: literals are aligned, the low bits carry little. */
    uint64_t h = (uint64_t)(uintptr_t)sql * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 32) & (cap - 1);
}

struct store_stmt *stmt_cache_get(const struct stmt_cache *c, const char *sql)
{
    if (!c->cap)
        return NULL;
    for (size_t i = slot_of(sql, c->cap);; i = (i + 1) & (c->cap - 1)) {
        struct store_stmt *st = c->slots[i];
        if (!st || st->sql == sql)
            return st;
    }
}

static void place(struct store_stmt **slots, size_t cap, struct store_stmt *st)
{
    size_t i = slot_of(st->sql, cap);
    while (slots[i])
        i = (i + 1) & (cap - 1);
    slots[i] = st;
}

int stmt_cache_put(struct stmt_cache *c, struct store_stmt *st)
{
    assert(st && st->sql && !stmt_cache_get(c, st->sql));
    if (2 * (c->count + 1) > c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        struct store_stmt **slots = calloc(cap, sizeof *slots);
        if (!slots)
            return -1;
        for (size_t i = 0; i < c->cap; i++)
            if (c->slots[i])
                place(slots, cap, c->slots[i]);
        free(c->slots);
        c->slots = slots;
        c->cap = cap;
    }
    place(c->slots, c->cap, st);
    c->count++;
    return 0;
}

void stmt_cache_each(struct stmt_cache *c, void (*fn)(struct store_stmt *st, void *arg), void *arg)
{
    for (size_t i = 0; i < c->cap; i++)
        if (c->slots[i])
            fn(c->slots[i], arg);
}

void stmt_cache_free(struct stmt_cache *c)
{
    free(c->slots);
    c->slots = NULL;
    c->cap = c->count = 0;
}
