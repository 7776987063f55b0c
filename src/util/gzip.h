/*
 * gzip.h -- gzip members (RFC 1952) made with zlib: the web assets at build
 * time (tools/embed.c) and large answers at run time (http/server.c), so that
 * a phone on a slow network downloads a fifth of the bytes.
 *
 * Ownership: gzip_compress returns a malloc'ed buffer the caller frees.
 */
#ifndef EPIGRID_UTIL_GZIP_H
#define EPIGRID_UTIL_GZIP_H
#include <stddef.h>

/* Compresses the "len" bytes at "data" at "level" (1 fastest .. 9 smallest)
 * into one gzip member.  Returns the member (malloc'ed; the caller frees it)
 * with its length in *out_len, or NULL -- *out_len untouched -- when memory
 * ran out or the member would not be smaller than "max_len" bytes (pass
 * "len" to keep only a member that saves something). */
unsigned char *gzip_compress(const void *data, size_t len, int level, size_t max_len,
                             size_t *out_len /* OUT */);

#endif
