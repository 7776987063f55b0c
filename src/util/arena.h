/*
 * arena.h -- a bump allocator freed in one call.
 *
 * Each HTTP request owns one arena; everything the request allocates comes
 * from it and is released by arena_cleanup() when the response is done.
 * Allocation failure aborts the process (out of memory is not recoverable
 * for a request and must not become a half-written reply).
 */
#ifndef EPIGRID_UTIL_ARENA_H
#define EPIGRID_UTIL_ARENA_H
#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head; /* most recent block, allocations come from here */
    size_t total;             /* bytes obtained from malloc, for accounting */
};

void arena_init(struct arena *a);
void arena_cleanup(struct arena *a);

/* Returns "size" bytes aligned for any type, owned by "a". */
void *arena_alloc(struct arena *a, size_t size);
/* Copies "n" bytes of "s" and a NUL; returns the copy. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* printf into the arena. */
char *arena_sprintf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
