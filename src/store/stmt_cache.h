/*
 * stmt_cache.h -- the prepared statements of one connection, found by the
 * address of their SQL literal.
 *
 * Entries never move and are never evicted: a caller may hold any number of
 * statements at once (a loop over one statement's rows that writes through
 * others, and those through counters and audit rows) for as long as it
 * likes.  The set is bounded by the program's SQL literals (a few hundred),
 * so keeping all of them costs little, and a lookup is one hash probe
 * whatever their number.
 *
 * Ownership: the cache owns its table, not the statements; the engine frees
 * them (stmt_cache_each) before stmt_cache_free().
 */
#ifndef EPIGRID_STORE_STMT_CACHE_H
#define EPIGRID_STORE_STMT_CACHE_H
#include <stddef.h>

#include "store/store_impl.h"

struct stmt_cache {
    struct store_stmt **slots; /* open addressing by the sql pointer; NULL = empty */
    size_t cap;                /* slots (a power of two, or 0) */
    size_t count;              /* statements held */
};

/* The statement of "sql" (the literal's address), or NULL. */
struct store_stmt *stmt_cache_get(const struct stmt_cache *c, const char *sql);
/* Adds "st" (keyed by st->sql, not present yet).  0, or -1 when out of memory. */
int stmt_cache_put(struct stmt_cache *c, struct store_stmt *st);
/* Calls fn on every statement (to free or invalidate them). */
void stmt_cache_each(struct stmt_cache *c, void (*fn)(struct store_stmt *st, void *arg), void *arg);
/* Frees the table (the statements are the engine's). */
void stmt_cache_free(struct stmt_cache *c);

#endif
