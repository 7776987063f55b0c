/*
 * csvread.h -- streaming CSV reading in UTF-8 or GBK/GB18030 (domain-free).
 *
 * Bytes are fed in chunks of any size; complete records are delivered to a
 * callback as arrays of fields with the 1-based line number on which each
 * record starts.  RFC 4180 quoting (embedded commas, quotes and newlines),
 * CRLF or LF line ends and a leading UTF-8 BOM are handled by libcsv in
 * strict mode; blank lines are skipped.
 *
 * Encoding: Chinese Excel writes "CSV (逗号分隔)" in GBK, "CSV UTF-8" with a
 * BOM.  The reader passes ASCII through while the input is pure ASCII; at the
 * first non-ASCII bytes it looks at up to CSVREAD_DECIDE_BYTES of them: valid
 * UTF-8 (or a BOM) means UTF-8, anything else is converted from GB18030 (a
 * superset of GBK and GB2312) to UTF-8 with iconv.  Multibyte sequences split
 * between chunks are carried over.  A byte sequence invalid in the chosen
 * encoding, a NUL byte or a UTF-16 file is an error naming the line.
 *
 * Ownership: the reader is heap-allocated (csvread_new/csvread_free).  The
 * fields handed to the callback (and the text they point to) are borrowed
 * until the callback returns; each field is NUL-terminated.
 */
#ifndef EPIGRID_UTIL_CSVREAD_H
#define EPIGRID_UTIL_CSVREAD_H
#include <stddef.h>
#include <stdio.h>

#include "util/error.h"

#define CSVREAD_CHUNK        (64 * 1024) /* csvread_file reads this much at a time */
#define CSVREAD_DECIDE_BYTES 4096        /* non-ASCII bytes looked at to pick the encoding */
#define CSVREAD_RECORD_MAX   (1 << 20)   /* longest record in bytes (a runaway quote stops) */
#define CSVREAD_FIELDS_MAX   1024        /* most fields in one record */

enum csvread_encoding {
    CSVREAD_ASCII = 0, /* nothing but ASCII seen so far (valid in both) */
    CSVREAD_UTF8,      /* UTF-8, with or without a BOM */
    CSVREAD_GB18030,   /* GBK/GB18030, converted to UTF-8 */
};

struct csvread_field {
    const char *ptr; /* UTF-8, NUL-terminated (may contain newlines) */
    size_t len;      /* bytes, without the NUL */
};

/* Called once per record.  "line" is where the record starts (1-based).
 * Returns 0 to go on; anything else stops reading and is returned by
 * csvread_feed/csvread_finish/csvread_file (fill "err" before returning a
 * negative value). */
typedef int (*csvread_fn)(const struct csvread_field *fields, size_t count, long line, void *ctx);

struct csvread;

/* A reader delivering records to fn(…, ctx).  Aborts on out of memory. */
struct csvread *csvread_new(csvread_fn fn, void *ctx);
void csvread_free(struct csvread *r);

/* Feeds the next "len" bytes of input.  Returns 0, the callback's non-zero
 * value, or -EP_EINVAL with a line-numbered message in "err" (bad bytes, bad
 * quoting, record too long); after an error the reader refuses more input. */
int csvread_feed(struct csvread *r, const void *data, size_t len, struct ep_error *err);

/* Ends the input: flushes the last record (which may lack a line end).
 * Same return values as csvread_feed; an unclosed quote is an error. */
int csvread_finish(struct csvread *r, struct ep_error *err);

/* The encoding chosen so far (enum csvread_encoding). */
int csvread_encoding(const struct csvread *r);

/* Reads "f" to the end in CSVREAD_CHUNK pieces through a new reader.
 * Stores the encoding found in *encoding (may be NULL).  Returns as
 * csvread_finish; a read error is -EP_EINTERNAL. */
int csvread_file(FILE *f, csvread_fn fn, void *ctx, int *encoding, struct ep_error *err);

/* Name of an encoding for messages: "ASCII", "UTF-8", "GB18030". */
const char *csvread_encoding_name(int encoding);

#endif
