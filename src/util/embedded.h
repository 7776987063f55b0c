/*
 * embedded.h -- files compiled into the binary by tools/embed.c.
 * Arrays end with an entry whose name is NULL. Data is NUL-terminated
 * (the NUL is not counted in `size`).  Web assets that compress well also
 * carry their gzip member, made at build time.
 */
#ifndef EPIGRID_UTIL_EMBEDDED_H
#define EPIGRID_UTIL_EMBEDDED_H
#include <stddef.h>

struct embedded_file {
    const char *name;          /* path relative to the embed prefix */
    const unsigned char *data; /* contents, NUL-terminated */
    size_t size;               /* length without the NUL */
    const unsigned char *gz;   /* the contents as one gzip member (web assets), or NULL */
    size_t gz_size;            /* its length; 0 when gz is NULL */
};

extern const struct embedded_file embedded_migrations[]; /* sql/migrations, sorted by name */
extern const struct embedded_file embedded_web[];        /* web assets served under / */

/* Returns the entry called `name` in `files`, or NULL. */
const struct embedded_file *embedded_find(const struct embedded_file *files, const char *name);

#endif
