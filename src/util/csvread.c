/*
 * csvread.c -- streaming CSV reading with encoding detection (see csvread.h).
 *
 * Three layers, each pushing into the next:
 *   raw bytes --(decide encoding, convert, carry split sequences)--> UTF-8
 *   UTF-8     --(cut at '\n' to know line numbers)--> libcsv
 *   libcsv    --(collect fields of a record)--> the caller's callback
 * libcsv does not report positions, so the decoded stream is handed to it one
 * line at a time: the line counter is exact and a record starts on the line
 * of the first non-blank segment after the previous record ended.
 */
#include "util/csvread.h"

#include <csv.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

struct csvread {
    csvread_fn fn; /* the caller's record callback */
    void *ctx;
    struct csv_parser parser;
    int encoding;           /* enum csvread_encoding */
    iconv_t cd;             /* GB18030 -> UTF-8, (iconv_t)-1 until needed */
    int at_start;           /* no raw byte consumed yet (BOM and UTF-16 checks) */
    struct buf pending;     /* undecided: raw bytes from the first non-ASCII byte on */
    unsigned char carry[8]; /* an incomplete multibyte sequence from the last chunk */
    size_t carry_len;
    struct buf work;              /* carry + chunk, and conversion output */
    long line;                    /* line of the next decoded byte handed to libcsv */
    long rec_line;                /* line on which the current record started */
    int rec_open;                 /* a record has started and not yet ended */
    int rec_ended;                /* set by on_record during the current segment */
    struct buf rec;               /* the current record's fields, each NUL-terminated */
    size_t *offsets;              /* start of each field in rec */
    struct csvread_field *fields; /* built at the end of each record */
    size_t nfields, fields_cap;
    int stop;             /* the callback's non-zero value, or an error */
    struct ep_error *err; /* where callbacks report, valid during feed/finish */
    int failed;           /* an error was reported: refuse more input */
};

const char *csvread_encoding_name(int encoding)
{
    switch (encoding) {
    case CSVREAD_UTF8:
        return "UTF-8";
    case CSVREAD_GB18030:
        return "GB18030";
    default:
        return "ASCII";
    }
}

struct csvread *csvread_new(csvread_fn fn, void *ctx)
{
    struct csvread *r = calloc(1, sizeof *r);
    if (!r)
        abort();
    r->fn = fn;
    r->ctx = ctx;
    /* Strict: a stray quote is an error, not silently part of the data. */
    if (csv_init(&r->parser, CSV_STRICT | CSV_STRICT_FINI) != 0)
        abort();
    r->cd = (iconv_t)-1;
    r->at_start = 1;
    r->line = 1;
    buf_init(&r->pending);
    buf_init(&r->work);
    buf_init(&r->rec);
    return r;
}

void csvread_free(struct csvread *r)
{
    if (!r)
        return;
    csv_free(&r->parser);
    if (r->cd != (iconv_t)-1)
        iconv_close(r->cd);
    buf_cleanup(&r->pending);
    buf_cleanup(&r->work);
    buf_cleanup(&r->rec);
    free(r->offsets);
    free(r->fields);
    free(r);
}

int csvread_encoding(const struct csvread *r)
{
    return r->encoding;
}

/* Marks the reader failed with a message about line "line". */
static int fail(struct csvread *r, long line, const char *zh, const char *en, const char *detail)
{
    r->failed = 1;
    r->stop = -EP_EINVAL;
    return ep_error_set(r->err, EP_EINVAL, "第 %ld 行:%s%.0s%s", "line %ld: %.0s%s%s", line, zh, en,
                        detail);
}

/* " (0xC3 0x28)": up to four bytes from "p" for an error message. */
static void hex_bytes(const unsigned char *p, size_t n, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    if (n > 4)
        n = 4;
    for (size_t i = 0; i < n && used < size; i++) {
        int w = snprintf(out + used, size - used, "%s0x%02X%s", i ? " " : " (", p[i],
                         i + 1 == n ? ")" : "");
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* ---- libcsv callbacks: collect one record ---------------------------------- */

static void on_field(void *data, size_t len, void *ctx)
{
    struct csvread *r = ctx;
    if (r->stop)
        return;
    if (r->nfields == r->fields_cap) {
        if (r->fields_cap >= CSVREAD_FIELDS_MAX) {
            fail(r, r->rec_line, "字段过多", "too many fields", "");
            return;
        }
        size_t cap = r->fields_cap ? r->fields_cap * 2 : 16;
        r->offsets = realloc(r->offsets, cap * sizeof *r->offsets);
        r->fields = realloc(r->fields, cap * sizeof *r->fields);
        if (!r->offsets || !r->fields)
            abort();
        r->fields_cap = cap;
    }
    if (r->rec.len + len > CSVREAD_RECORD_MAX) {
        fail(r, r->rec_line, "记录过长(引号未闭合?)", "record too long (unclosed quote?)", "");
        return;
    }
    r->offsets[r->nfields] = r->rec.len;
    r->fields[r->nfields].len = len;
    r->nfields++;
    if (len)
        buf_append(&r->rec, data, len);
    buf_append(&r->rec, "", 1); /* each field NUL-terminated inside rec */
}

static void on_record(int terminator, void *ctx)
{
    (void)terminator;
    struct csvread *r = ctx;
    r->rec_ended = 1;
    if (r->stop)
        return;
    for (size_t i = 0; i < r->nfields; i++)
        r->fields[i].ptr = r->rec.data + r->offsets[i];
    int rc = r->fn(r->fields, r->nfields, r->rec_line, r->ctx);
    if (rc != 0) {
        r->stop = rc;
        r->failed = 1;
    }
    r->nfields = 0;
    buf_reset(&r->rec);
    /* A record that begins after a bare-CR terminator begins on this line
     * (segments are cut at '\n' only); found by tests/fuzz/fuzz_csv. */
    r->rec_line = r->line;
}

/* ---- decoded UTF-8 -> libcsv, one line segment at a time -------------------- */

static int blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return 0;
    return 1;
}

static int parse_segment(struct csvread *r, const char *seg, size_t n)
{
    if (!r->rec_open)
        r->rec_line = r->line;
    r->rec_ended = 0;
    size_t done = csv_parse(&r->parser, seg, n, on_field, on_record, r);
    if (r->stop)
        return r->stop;
    if (done < n) {
        if (csv_error(&r->parser) == CSV_EPARSE)
            return fail(r, r->line, "CSV 格式错误(引号位置不对)", "malformed CSV (misplaced quote)",
                        "");
        r->failed = 1;
        return r->stop =
                   ep_error_set(r->err, EP_EINTERNAL, "CSV 解析失败:%s", "CSV parsing failed: %s",
                                csv_strerror(csv_error(&r->parser)));
    }
    if (r->rec_ended)
        r->rec_open = r->parser.pstate != 0; /* libcsv inside a row (0: ROW_NOT_BEGUN) */
    else if (!blank(seg, n))
        r->rec_open = 1;
    if (n && seg[n - 1] == '\n')
        r->line++;
    if (csv_get_buffer_size(&r->parser) > CSVREAD_RECORD_MAX)
        return fail(r, r->rec_line, "记录过长(引号未闭合?)", "record too long (unclosed quote?)",
                    "");
    return 0;
}

static int parse_decoded(struct csvread *r, const char *p, size_t n)
{
    while (n) {
        const char *nl = memchr(p, '\n', n);
        size_t seg = nl ? (size_t)(nl - p) + 1 : n;
        int rc = parse_segment(r, p, seg);
        if (rc != 0)
            return rc;
        p += seg;
        n -= seg;
    }
    return 0;
}

/* ---- raw bytes -> UTF-8 ---------------------------------------------------- */

/* Length of the longest valid UTF-8 prefix of s[0..n) (no NUL, no overlong
 * forms, no surrogates, nothing above U+10FFFF).  *incomplete is set when the
 * remaining bytes are the valid beginning of a sequence cut off by the end. */
static size_t utf8_prefix(const unsigned char *s, size_t n, int *incomplete)
{
    size_t i = 0;
    *incomplete = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c && c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
        if (c >= 0xC2 && c <= 0xDF)
            need = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else
            return i; /* NUL, a continuation byte, C0, C1, F5..FF */
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= n) {
                *incomplete = 1;
                return i;
            }
            unsigned char b = s[i + k];
            if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
                return i;
        }
        i += need + 1;
    }
    return i;
}

/* Valid UTF-8 from the reader's point of view: feeds it and carries a cut
 * sequence, or reports the bad bytes. */
static int decode_utf8(struct csvread *r, const unsigned char *p, size_t n, int final)
{
    int incomplete;
    size_t ok = utf8_prefix(p, n, &incomplete);
    int rc = parse_decoded(r, (const char *)p, ok);
    if (rc != 0)
        return rc;
    if (ok == n)
        return 0;
    if (incomplete && !final) {
        memcpy(r->carry, p + ok, n - ok);
        r->carry_len = n - ok;
        return 0;
    }
    char hex[40];
    hex_bytes(p + ok, n - ok, hex, sizeof hex);
    if (p[ok] == 0)
        return fail(r, r->line, "含有 NUL 字节(UTF-16 文件?请另存为 CSV UTF-8)",
                    "NUL byte (a UTF-16 file? save as CSV UTF-8)", hex);
    return fail(r, r->line, "无效的 UTF-8 字节序列", "invalid UTF-8 byte sequence", hex);
}

static int open_gb18030(struct csvread *r)
{
    if (r->cd != (iconv_t)-1)
        return 0;
    r->cd = iconv_open("UTF-8", "GB18030");
    if (r->cd != (iconv_t)-1)
        return 0;
    r->failed = 1;
    return r->stop = ep_error_set(r->err, EP_EINTERNAL, "不支持 GB18030 转换",
                                  "GB18030 conversion unavailable");
}

/* Length of the longest prefix of p[0..n) that is valid GB18030 without NUL
 * (a sequence cut off by the end counts as valid). */
static size_t gb18030_prefix(struct csvread *r, const unsigned char *p, size_t n)
{
    const unsigned char *nul = memchr(p, 0, n);
    char *in = (char *)p;
    size_t in_left = nul ? (size_t)(nul - p) : n;
    char out[4096];
    int e;
    for (;;) {
        char *o = out;
        size_t out_left = sizeof out;
        e = iconv(r->cd, &in, &in_left, &o, &out_left) == (size_t)-1 ? errno : 0;
        if (e != E2BIG)
            break;
    }
    iconv(r->cd, NULL, NULL, NULL, NULL); /* back to the initial state */
    size_t valid = (size_t)((const unsigned char *)in - p);
    return e == EINVAL ? valid + in_left : valid;
}

static int decode_gb18030(struct csvread *r, const unsigned char *p, size_t n, int final)
{
    if (open_gb18030(r) != 0)
        return r->stop;
    /* iconv passes NUL through; it is never text, so convert only up to it. */
    const unsigned char *nul = memchr(p, 0, n);
    size_t len = nul ? (size_t)(nul - p) : n;
    char *in = (char *)p;
    size_t in_left = len;
    char out[16384];
    while (in_left) {
        char *o = out;
        size_t out_left = sizeof out;
        size_t got = iconv(r->cd, &in, &in_left, &o, &out_left);
        int e = got == (size_t)-1 ? errno : 0;
        int rc = parse_decoded(r, out, sizeof out - out_left);
        if (rc != 0)
            return rc;
        if (e == E2BIG)
            continue;
        if (e == EINVAL && !nul && !final && in_left < sizeof r->carry) {
            memcpy(r->carry, in, in_left);
            r->carry_len = in_left;
            return 0;
        }
        if (e) {
            char hex[40];
            hex_bytes((const unsigned char *)in, in_left, hex, sizeof hex);
            return fail(r, r->line, "无效的字节序列(既不是 UTF-8 也不是 GBK/GB18030)",
                        "invalid byte sequence (neither UTF-8 nor GBK/GB18030)", hex);
        }
    }
    if (nul)
        return fail(r, r->line, "含有 NUL 字节(UTF-16 文件?请另存为 CSV UTF-8)",
                    "NUL byte (a UTF-16 file? save as CSV UTF-8)", " (0x00)");
    return 0;
}

/* Decodes bytes in the decided encoding, prefixed by any carried sequence. */
static int decode(struct csvread *r, const unsigned char *p, size_t n, int final)
{
    if (r->carry_len) {
        buf_reset(&r->work);
        buf_append(&r->work, r->carry, r->carry_len);
        buf_append(&r->work, p, n);
        r->carry_len = 0;
        p = (const unsigned char *)r->work.data;
        n = r->work.len;
    }
    if (!n)
        return 0;
    return r->encoding == CSVREAD_UTF8 ? decode_utf8(r, p, n, final)
                                       : decode_gb18030(r, p, n, final);
}

/* Before the encoding is known: ASCII goes straight through; from the first
 * non-ASCII byte on, bytes wait in "pending" until enough are there to tell
 * UTF-8 from GB18030 (or the input ends). */
static int undecided(struct csvread *r, const unsigned char *p, size_t n, int final)
{
    buf_append(&r->pending, p, n);
    const unsigned char *s = (const unsigned char *)r->pending.data;
    size_t len = r->pending.len;
    if (!s)
        return 0;
    if (r->at_start) {
        static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};
        if (len < 3 && !final)
            return 0; /* wait for three bytes: a BOM or a UTF-16 mark */
        if (len >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF)))
            return fail(r, 1, "UTF-16 编码不受支持,请另存为 CSV UTF-8 或 CSV(逗号分隔)",
                        "UTF-16 is not supported; save as CSV UTF-8", "");
        r->at_start = 0;
        if (len >= 3 && memcmp(s, bom, 3) == 0) {
            r->encoding = CSVREAD_UTF8;
            int rc = decode(r, s + 3, len - 3, final);
            buf_reset(&r->pending);
            return rc;
        }
    }
    size_t ascii = 0;
    while (ascii < len && s[ascii] && s[ascii] < 0x80)
        ascii++;
    int rc = parse_decoded(r, (const char *)s, ascii);
    if (rc != 0)
        return rc;
    if (ascii == len) {
        buf_reset(&r->pending);
        return 0;
    }
    if (len - ascii < CSVREAD_DECIDE_BYTES && !final) {
        memmove(r->pending.data, s + ascii, len - ascii);
        r->pending.len = len - ascii;
        return 0;
    }
    /* Decide on the first CSVREAD_DECIDE_BYTES only, however much is pending:
     * the choice must not depend on how the input was cut into chunks (found
     * by tests/fuzz/fuzz_csv: fed whole, a bad byte further on tipped a file
     * to GB18030 that chunked reading took for UTF-8). */
    size_t avail = len - ascii;
    size_t window = avail > CSVREAD_DECIDE_BYTES ? CSVREAD_DECIDE_BYTES : avail;
    int window_final = final && window == avail;
    int incomplete;
    size_t ok = utf8_prefix(s + ascii, window, &incomplete);
    /* A cut-off tail after valid sequences is a truncated UTF-8 file. */
    int utf8 = ok == window || (incomplete && (!window_final || ok > 0));
    /* Neither may fit: the encoding that decodes the longer prefix wins, so
     * that a UTF-8 file with one bad byte is reported as such (and at the
     * right line) rather than decoded as GB18030 garbage. */
    if (!utf8) {
        if (open_gb18030(r) != 0)
            return r->stop;
        utf8 = ok > 0 && ok >= gb18030_prefix(r, s + ascii, window);
    }
    r->encoding = utf8 ? CSVREAD_UTF8 : CSVREAD_GB18030;
    /* "work" is free here (no carry before the decision). */
    buf_reset(&r->work);
    buf_append(&r->work, s + ascii, len - ascii);
    buf_reset(&r->pending);
    return r->encoding == CSVREAD_UTF8
               ? decode_utf8(r, (const unsigned char *)r->work.data, r->work.len, final)
               : decode_gb18030(r, (const unsigned char *)r->work.data, r->work.len, final);
}

static int input(struct csvread *r, const void *data, size_t len, int final, struct ep_error *err)
{
    if (r->failed)
        return r->stop ? r->stop : -EP_EINVAL;
    r->err = err;
    if (r->encoding == CSVREAD_ASCII)
        return undecided(r, data, len, final);
    return decode(r, data, len, final);
}

int csvread_feed(struct csvread *r, const void *data, size_t len, struct ep_error *err)
{
    return input(r, data, len, 0, err);
}

int csvread_finish(struct csvread *r, struct ep_error *err)
{
    int rc = input(r, "", 0, 1, err);
    if (rc != 0)
        return rc;
    r->rec_ended = 0;
    if (csv_fini(&r->parser, on_field, on_record, r) != 0) {
        r->failed = 1;
        return fail(r, r->rec_line, "引号未闭合", "unclosed quote", "");
    }
    return r->stop;
}

int csvread_file(FILE *f, csvread_fn fn, void *ctx, int *encoding, struct ep_error *err)
{
    struct csvread *r = csvread_new(fn, ctx);
    char *chunk = malloc(CSVREAD_CHUNK);
    if (!chunk)
        abort();
    int rc = 0;
    size_t n;
    while (rc == 0 && (n = fread(chunk, 1, CSVREAD_CHUNK, f)) > 0)
        rc = csvread_feed(r, chunk, n, err);
    if (rc == 0 && ferror(f))
        rc = ep_error_set(err, EP_EINTERNAL, "读取文件失败", "could not read the file");
    if (rc == 0)
        rc = csvread_finish(r, err);
    if (encoding)
        *encoding = r->encoding;
    free(chunk);
    csvread_free(r);
    return rc;
}
