/*
 * gzip.c -- one-shot gzip compression with zlib (see gzip.h).
 */
#include "util/gzip.h"

#include <limits.h>
#include <stdlib.h>
#include <zlib.h>

#define GZIP_WINDOW_BITS (15 + 16) /* 32 KB window, gzip header and trailer */
#define GZIP_MEM_LEVEL   8         /* zlib's default */

unsigned char *gzip_compress(const void *data, size_t len, int level, size_t max_len,
                             size_t *out_len)
{
    if (len > UINT_MAX || max_len == 0)
        return NULL; /* zlib's avail_in is an unsigned int; nothing here is that big */
    z_stream z = {0};
    if (deflateInit2(&z, level, Z_DEFLATED, GZIP_WINDOW_BITS, GZIP_MEM_LEVEL, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return NULL;
    unsigned char *out = NULL;
    /* A member larger than max_len is of no use: stop the output there. */
    size_t cap = deflateBound(&z, (uLong)len);
    if (cap > max_len)
        cap = max_len;
    if (cap > UINT_MAX)
        cap = UINT_MAX;
    out = malloc(cap);
    if (!out)
        goto fail;
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out >= max_len)
        goto fail; /* Z_OK or Z_BUF_ERROR: the output did not fit in max_len */
    *out_len = z.total_out;
    deflateEnd(&z);
    return out;
fail:
    free(out);
    deflateEnd(&z);
    return NULL;
}
