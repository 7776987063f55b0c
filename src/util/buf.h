/*
 * buf.h -- a growable byte buffer with overflow checks.
 *
 * The caller owns a struct buf (usually on the stack) and calls buf_cleanup().
 * Contents are always NUL-terminated after the first append.  Growth failure
 * aborts: callers never see a truncated buffer.
 */
#ifndef EPIGRID_UTIL_BUF_H
#define EPIGRID_UTIL_BUF_H
#include <stddef.h>

struct buf {
    char *data; /* NUL-terminated once non-empty; NULL before the first append */
    size_t len; /* bytes used, without the NUL */
    size_t cap; /* bytes allocated */
};

void buf_init(struct buf *b);
void buf_cleanup(struct buf *b);
void buf_reset(struct buf *b); /* keeps the allocation, length 0 */
void buf_append(struct buf *b, const void *data, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
/* Appends "text" (NULL = nothing) for HTML, & < > " ' escaped: every name
 * a page shows may be hostile. */
void buf_put_html(struct buf *b, const char *text);
void buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the data to the caller (free() it) and leaves "b" empty. */
char *buf_steal(struct buf *b);

#endif
