/*
 * fuzz_csv.c -- the CSV reader (UTF-8 and GBK/GB18030 via iconv, libcsv).
 *
 * The input after the first byte is read twice: fed whole, and fed in chunks
 * whose sizes come from the first byte (1..64 bytes: multibyte sequences and
 * quotes split across chunks).  Invariants beyond the sanitizers: every field
 * delivered is NUL-terminated, contains no NUL and is valid UTF-8 whatever
 * the input encoding; line numbers never go down; both readings deliver the
 * same records, the same result and the same encoding.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/csvread.h"
#include "util/idcheck.h"

struct trace {
    struct buf out; /* records as "line:count:len:field..." */
    long last_line;
};

static int on_record(const struct csvread_field *fields, size_t count, long line, void *ctx)
{
    struct trace *t = ctx;
    if (line < t->last_line || line < 1)
        abort();
    t->last_line = line;
    buf_appendf(&t->out, "%ld:%zu", line, count);
    for (size_t i = 0; i < count; i++) {
        const struct csvread_field *f = &fields[i];
        if (f->ptr[f->len] != '\0' || memchr(f->ptr, '\0', f->len) || !utf8_valid(f->ptr, f->len))
            abort();
        buf_appendf(&t->out, ":%zu:", f->len);
        buf_append(&t->out, f->ptr, f->len);
    }
    buf_puts(&t->out, "\n");
    return 0;
}

/* Reads data[0..size) in chunks of 1..chunk bytes (0: whole); returns rc. */
static int read_all(const uint8_t *data, size_t size, unsigned chunk, struct trace *t, int *enc)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct csvread *r = csvread_new(on_record, t);
    int rc = 0;
    size_t off = 0;
    unsigned step = 0;
    while (rc == 0 && off < size) {
        size_t n = chunk ? 1 + (step++ * 7 + chunk) % chunk : size;
        if (n > size - off)
            n = size - off;
        rc = csvread_feed(r, data + off, n, &err);
        off += n;
    }
    if (rc == 0)
        rc = csvread_finish(r, &err);
    if (rc != 0 && (err.code == EP_OK || !utf8_valid(err.msg[0], strlen(err.msg[0]))))
        abort();
    *enc = csvread_encoding(r);
    csvread_free(r);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned chunk = 1 + data[0] % 64;
    struct trace whole = {.last_line = 0}, pieces = {.last_line = 0};
    buf_init(&whole.out);
    buf_init(&pieces.out);
    int enc_whole, enc_pieces;
    int rc_whole = read_all(data + 1, size - 1, 0, &whole, &enc_whole);
    int rc_pieces = read_all(data + 1, size - 1, chunk, &pieces, &enc_pieces);
    if (rc_whole != rc_pieces || enc_whole != enc_pieces || whole.out.len != pieces.out.len ||
        (whole.out.len && memcmp(whole.out.data, pieces.out.data, whole.out.len) != 0))
        abort();
    buf_cleanup(&whole.out);
    buf_cleanup(&pieces.out);
    return 0;
}
