/*
 * embedded.h -- files compiled into the binary by tools/embed.c.
 * Arrays end with an entry whose name is NULL. Data is NUL-terminated
 * (the NUL is not counted in `size`).
 */
#ifndef EPIGRID_UTIL_EMBEDDED_H
#define EPIGRID_UTIL_EMBEDDED_H
#include <stddef.h>

struct embedded_file {
    const char *name;          /* path relative to the embed prefix */
    const unsigned char *data; /* contents, NUL-terminated */
    size_t size;               /* length without the NUL */
};

extern const struct embedded_file embedded_migrations[]; /* sql/migrations, sorted by name */
extern const struct embedded_file embedded_web[];        /* web assets served under / */

/* Returns the entry called `name` in `files`, or NULL. */
const struct embedded_file *embedded_find(const struct embedded_file *files, const char *name);

#endif
