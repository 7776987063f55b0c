/*
 * test_csvread.c -- streaming CSV reading: quoting, line numbers, BOM, CRLF,
 * GBK/GB18030 conversion, sequences split between chunks, bad bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/csvread.h"

/* GB18030 bytes of a few words (from `iconv -f UTF-8 -t GB18030`). */
#define GB_XINGMING "\xd0\xd5\xc3\xfb" /* 姓名 */
#define GB_ZHANGSAN "\xd5\xc5\xc8\xfd" /* 张三 */
#define GB_LISI     "\xc0\xee\xcb\xc4" /* 李四 */
#define GB_EMOJI    "\x94\x39\xfc\x36" /* 😀, a four-byte sequence */

/* Records as text, "line:field|field\n", to compare in one assertion. */
static int collect(const struct csvread_field *f, size_t n, long line, void *ctx)
{
    struct buf *out = ctx;
    buf_appendf(out, "%ld:", line);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(strlen(f[i].ptr), f[i].len); /* NUL-terminated, no NUL inside */
        buf_appendf(out, "%s%s", i ? "|" : "", f[i].ptr);
    }
    buf_putc(out, '\n');
    return 0;
}

/* Feeds "in" in pieces of "step" bytes (0 = all at once); returns the
 * records as text, or the error message (zh or en) prefixed by "ERR ". */
static char *read_all(const char *in, size_t len, size_t step, int lang, int *encoding)
{
    struct buf out;
    buf_init(&out);
    struct ep_error err;
    ep_error_clear(&err);
    struct csvread *r = csvread_new(collect, &out);
    int rc = 0;
    if (!step)
        step = len ? len : 1;
    for (size_t off = 0; rc == 0 && off < len; off += step)
        rc = csvread_feed(r, in + off, len - off < step ? len - off : step, &err);
    if (rc == 0)
        rc = csvread_finish(r, &err);
    if (encoding)
        *encoding = csvread_encoding(r);
    csvread_free(r);
    if (rc != 0) {
        buf_reset(&out);
        buf_appendf(&out, "ERR %s", ep_error_message(&err, lang));
    }
    buf_putc(&out, '\0');
    return buf_steal(&out);
}

static void check(const char *in, size_t len, size_t step, const char *want)
{
    char *got = read_all(in, len, step, EP_LANG_EN, NULL);
    if (strcmp(got, want) != 0) {
        fprintf(stderr, "step %zu\n got: [%s]\nwant: [%s]\n", step, got, want);
        free(got);
        fail();
    }
    free(got);
}

/* Every case is also fed one byte at a time and in 3-byte pieces. */
static void check_all_steps(const char *in, const char *want)
{
    size_t len = strlen(in);
    check(in, len, 0, want);
    check(in, len, 1, want);
    check(in, len, 3, want);
}

static void quoted_fields_and_escaped_quotes(void **state)
{
    (void)state;
    check_all_steps("name,address\n"
                    "\"Wang, Wu\",\"say \"\"hi\"\"\"\n"
                    "plain,\"\"\n",
                    "1:name|address\n2:Wang, Wu|say \"hi\"\n3:plain|\n");
}

static void embedded_newlines_keep_line_numbers(void **state)
{
    (void)state;
    check_all_steps("a,b\n"
                    "1,\"two\nlines\"\n"
                    "2,x\n"
                    "3,\"three\r\nlines\n\"\n"
                    "4,y\n",
                    "1:a|b\n2:1|two\nlines\n4:2|x\n5:3|three\r\nlines\n\n8:4|y\n");
}

static void bom_is_stripped_and_means_utf8(void **state)
{
    (void)state;
    check_all_steps("\xEF\xBB\xBF"
                    "姓名,电话\n张三,138\n",
                    "1:姓名|电话\n2:张三|138\n");
    int enc;
    char *got = read_all("\xEF\xBB\xBFid\n1\n", 8, 0, EP_LANG_EN, &enc);
    assert_string_equal(got, "1:id\n2:1\n");
    assert_int_equal(enc, CSVREAD_UTF8);
    free(got);
}

static void crlf_blank_lines_and_missing_last_newline(void **state)
{
    (void)state;
    check_all_steps("a,b\r\n\r\n1,2\r\n   \r\n3,4", "1:a|b\n3:1|2\n5:3|4\n");
}

static void gbk_is_converted_to_utf8(void **state)
{
    (void)state;
    const char *in = GB_XINGMING ",x\r\n" GB_ZHANGSAN ",\"" GB_LISI "\n" GB_EMOJI "\"\r\n";
    check_all_steps(in, "1:姓名|x\n2:张三|李四\n😀\n");
    int enc;
    char *got = read_all(in, strlen(in), 0, EP_LANG_EN, &enc);
    assert_int_equal(enc, CSVREAD_GB18030);
    free(got);
    got = read_all("id,name\n1,张三\n", strlen("id,name\n1,张三\n"), 0, EP_LANG_EN, &enc);
    assert_int_equal(enc, CSVREAD_UTF8);
    free(got);
}

/* Builds "name\n", rows of "word", and a padding row sized so that "seq"
 * starts "before" bytes ahead of the 64 KiB chunk boundary (so it is cut
 * there), then reads it all with csvread_file through a memory stream. */
static void split_at_chunk_boundary(const char *word, const char *word_utf8, const char *seq,
                                    const char *seq_utf8, size_t before)
{
    struct buf in, want, out;
    buf_init(&in);
    buf_init(&want);
    buf_init(&out);
    buf_puts(&in, "name\n");
    buf_puts(&want, "1:name\n");
    long line = 2;
    for (int i = 0; i < 2000; i++, line++) { /* the encoding is decided early */
        buf_appendf(&in, "%s\n", word);
        buf_appendf(&want, "%ld:%s\n", line, word_utf8);
    }
    size_t target = CSVREAD_CHUNK - before;
    assert_true(in.len + 2 < target);
    size_t pad = target - in.len - 1;
    buf_appendf(&want, "%ld:", line++);
    for (size_t i = 0; i < pad; i++) {
        buf_putc(&in, 'x');
        buf_putc(&want, 'x');
    }
    buf_putc(&in, '\n');
    buf_putc(&want, '\n');
    assert_int_equal(in.len, target);
    buf_appendf(&in, "%s,%s\n", seq, seq);
    buf_appendf(&want, "%ld:%s|%s\n", line, seq_utf8, seq_utf8);

    FILE *f = fmemopen(in.data, in.len, "r");
    assert_non_null(f);
    struct ep_error err;
    ep_error_clear(&err);
    int rc = csvread_file(f, collect, &out, NULL, &err);
    fclose(f);
    if (rc != 0)
        fail_msg("%s", ep_error_message(&err, EP_LANG_EN));
    assert_string_equal(out.data, want.data);
    buf_cleanup(&in);
    buf_cleanup(&want);
    buf_cleanup(&out);
}

static void multibyte_split_across_chunks(void **state)
{
    (void)state;
    /* GBK two-byte and GB18030 four-byte characters cut after 1, 2, 3 bytes. */
    split_at_chunk_boundary(GB_ZHANGSAN, "张三", GB_LISI, "李四", 1);
    split_at_chunk_boundary(GB_ZHANGSAN, "张三", GB_EMOJI, "😀", 1);
    split_at_chunk_boundary(GB_ZHANGSAN, "张三", GB_EMOJI, "😀", 2);
    split_at_chunk_boundary(GB_ZHANGSAN, "张三", GB_EMOJI, "😀", 3);
    /* UTF-8 three- and four-byte characters. */
    split_at_chunk_boundary("张三", "张三", "李四", "李四", 1);
    split_at_chunk_boundary("张三", "张三", "李四", "李四", 2);
    split_at_chunk_boundary("张三", "张三", "😀", "😀", 3);
}

static void bad_bytes_are_errors_with_line_numbers(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        const char *want;
    } cases[] = {
        /* invalid in both UTF-8 and GB18030 */
        {"a,b\n1,2\n3,\xff\n", 0, "ERR line 3: invalid byte sequence (neither UTF-8 nor"},
        {"a\n" GB_ZHANGSAN "\n" GB_LISI "\x80\n", 0, "ERR line 3: invalid byte sequence"},
        /* a short UTF-8 file (no BOM) with one bad byte is still UTF-8 */
        {"姓名,电话\n张三,138\n李\xff\n", 0, "ERR line 3: invalid UTF-8 byte sequence (0xFF 0x0A)"},
        {"name\n王,\"张三\nX\xff\"\n", 0, "ERR line 3: invalid UTF-8 byte sequence (0xFF"},
        /* the file is UTF-8 (BOM), then a byte that is not */
        {"\xEF\xBB\xBF"
         "a\n张三\n\n李\xe5\n",
         0, "ERR line 4: invalid UTF-8 byte sequence (0xE5 0x0A)"},
        /* cut off at the end */
        {"a\n张三\n\xe6\x9d", 0, "ERR line 3: "},
        {"\xFF\xFE"
         "a\0b\0",
         6, "ERR line 1: UTF-16 is not supported"},
        {"a,b\n1\0,2\n", 9, "ERR line 2: NUL byte"},
        {"a,b\n1,\"open\n2,3\n", 0, "ERR line 2: unclosed quote"},
        {"a,b\n1,2\n3,x\"y\n", 0, "ERR line 3: malformed CSV"},
        {"a,b\n\"x\"y,2\n", 0, "ERR line 2: malformed CSV"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
        for (size_t step = 0; step <= 2; step++) {
            char *got = read_all(cases[i].in, len, step, EP_LANG_EN, NULL);
            if (strncmp(got, cases[i].want, strlen(cases[i].want)) != 0)
                fail_msg("case %zu step %zu: got [%s] want [%s...]", i, step, got, cases[i].want);
            free(got);
        }
    }
    char *zh = read_all("a,b\n1,2\n3,\xff\n", 12, 0, EP_LANG_ZH, NULL);
    assert_non_null(strstr(zh, "第 3 行"));
    free(zh);
}

static int stop_at_second(const struct csvread_field *f, size_t n, long line, void *ctx)
{
    (void)f;
    (void)n;
    int *seen = ctx;
    (*seen)++;
    return line == 2 ? 42 : 0;
}

static void callback_value_stops_reading(void **state)
{
    (void)state;
    int seen = 0;
    struct ep_error err;
    ep_error_clear(&err);
    struct csvread *r = csvread_new(stop_at_second, &seen);
    assert_int_equal(csvread_feed(r, "a\nb\nc\nd\n", 8, &err), 42);
    assert_int_equal(csvread_feed(r, "e\n", 2, &err), 42); /* refuses more input */
    csvread_free(r);
    assert_int_equal(seen, 2);
}

static void runaway_quote_is_bounded(void **state)
{
    (void)state;
    size_t len = CSVREAD_RECORD_MAX + 4096;
    char *in = malloc(len);
    assert_non_null(in);
    memcpy(in, "h\n\"", 3);
    memset(in + 3, 'x', len - 3);
    for (size_t i = 100; i < len; i += 100)
        in[i] = '\n';
    char *got = read_all(in, len, 65536, EP_LANG_EN, NULL);
    assert_string_equal(got, "ERR line 2: record too long (unclosed quote?)");
    free(got);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quoted_fields_and_escaped_quotes),
        cmocka_unit_test(embedded_newlines_keep_line_numbers),
        cmocka_unit_test(bom_is_stripped_and_means_utf8),
        cmocka_unit_test(crlf_blank_lines_and_missing_last_newline),
        cmocka_unit_test(gbk_is_converted_to_utf8),
        cmocka_unit_test(multibyte_split_across_chunks),
        cmocka_unit_test(bad_bytes_are_errors_with_line_numbers),
        cmocka_unit_test(callback_value_stops_reading),
        cmocka_unit_test(runaway_quote_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
