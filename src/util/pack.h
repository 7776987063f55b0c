/*
 * pack.h -- tables of named zlib streams, made at build time by a tool of
 * tools/ and linked into the binary as they are (.incbin, util/incbin.h):
 * the national division codes (tools/divisions.mjs) and the county maps of
 * the cities (tools/citymaps.mjs).
 *
 * A table is a text header, then the streams:
 *   the magic line, e.g. "epigrid-divisions 1\n"
 *   lines of metadata, each beginning with a letter ("source ...\n")
 *   one line per entry "KEY OFFSET LENGTH RAW_LENGTH\n", KEY beginning with a
 *     digit; OFFSET and LENGTH place its zlib stream after the header,
 *     RAW_LENGTH is its inflated length
 *   an empty line
 * so one entry is inflated without touching the others.
 *
 * Ownership: tables are static; pack_inflate's result is the caller's.
 */
#ifndef EPIGRID_UTIL_PACK_H
#define EPIGRID_UTIL_PACK_H
#include <stddef.h>

struct pack_entry {
    char key[16];      /* the entry's name, e.g. "43" or "4311" */
    size_t offset;     /* of its stream from the start of the table */
    size_t length;     /* of its stream */
    size_t raw_length; /* inflated */
};

/* Called with each metadata line of a header (without its newline). */
typedef void (*pack_meta_fn)(const char *line, void *ctx);

/* Looks "key" up in the table "table" of "size" bytes whose first line is
 * "magic" (its newline included); each metadata line goes to "meta" (may be
 * NULL).  1 found ("out" filled, its stream inside the table), 0 not found,
 * -1 when the table is damaged. */
int pack_find(const unsigned char *table, size_t size, const char *magic, const char *key,
              pack_meta_fn meta, void *ctx, struct pack_entry *out);

/* The inflated stream of entry "e" of "table" (malloc'd, NUL-terminated,
 * the caller frees it), NULL when the stream is damaged. */
char *pack_inflate(const unsigned char *table, const struct pack_entry *e);

#endif
