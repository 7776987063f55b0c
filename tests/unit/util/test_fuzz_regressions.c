/*
 * test_fuzz_regressions.c -- inputs the fuzzers of tests/fuzz found, kept as
 * unit tests: error messages stay valid UTF-8 whatever the arguments
 * (fuzz_json: a JSON syntax error "near" a cut character gave a reply with an
 * empty body), and CSV line numbers do not depend on how the input is
 * chunked when a record follows a bare-CR terminator (fuzz_csv).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/csvread.h"
#include "util/error.h"
#include "util/idcheck.h"
#include "util/json.h"

static void error_messages_are_always_utf8(void **state)
{
    (void)state;
    struct ep_error err;
    ep_error_clear(&err);
    /* the body fuzz_json found: an invalid escape just before 2-byte characters */
    static const char body[] = "{\"name\":\"\\u\xc3\xa9\xc3\xa9\xc3\xa9\xcb\xa9\xc3\xa9\"}";
    assert_null(json_body_parse(body, sizeof body - 1, &err));
    assert_int_equal(err.code, EP_EINVAL);
    for (int lang = 0; lang < 2; lang++)
        assert_true(utf8_valid(err.msg[lang], strlen(err.msg[lang])));
    /* stray bytes in arguments become '?', good characters stay */
    ep_error_set(&err, EP_EINVAL, "坏 %s", "bad %s", "a\xff\xc3z\xe4\xb8\xad\xed\xa0\x80");
    assert_string_equal(err.msg[EP_LANG_EN], "bad a??z中???");
    /* truncation at EP_ERROR_MSG_MAX never cuts a character in two */
    char longtext[400];
    for (size_t i = 0; i + 3 < sizeof longtext; i += 3)
        memcpy(longtext + i, "中", 3);
    longtext[sizeof longtext - 1 - (sizeof longtext - 1) % 3] = '\0';
    for (int shift = 0; shift < 3; shift++) {
        ep_error_set(&err, EP_EINVAL, "%.*s%s", "%.*s%s", shift, "xx", longtext);
        assert_true(utf8_valid(err.msg[0], strlen(err.msg[0])));
        ep_error_clear(&err);
        ep_error_field(&err, "名字名字名字名字名字名字名字名字名字名字名字名字", "%.*s%s", "%.*s%s",
                       shift, "xx", longtext);
        assert_true(utf8_valid(err.fields[0].field, strlen(err.fields[0].field)));
        assert_true(utf8_valid(err.fields[0].msg[1], strlen(err.fields[0].msg[1])));
    }
}

struct lines {
    long line[8];
    int n;
};

static int record_line(const struct csvread_field *f, size_t count, long line, void *ctx)
{
    (void)f;
    (void)count;
    struct lines *l = ctx;
    if (l->n < 8)
        l->line[l->n++] = line;
    return 0;
}

static void csv_lines_do_not_depend_on_chunks(void **state)
{
    (void)state;
    /* records ended by a bare CR, one with a quoted newline, then CRLF and LF */
    static const char text[] = "a,b\r1,\"2\n3\"\r4,5\r\n6,7\n";
    for (size_t chunk = 1; chunk <= sizeof text; chunk++) {
        struct lines l = {{0}, 0};
        struct ep_error err;
        ep_error_clear(&err);
        struct csvread *r = csvread_new(record_line, &l);
        for (size_t off = 0; off < sizeof text - 1; off += chunk) {
            size_t n = sizeof text - 1 - off < chunk ? sizeof text - 1 - off : chunk;
            assert_int_equal(csvread_feed(r, text + off, n, &err), 0);
        }
        assert_int_equal(csvread_finish(r, &err), 0);
        csvread_free(r);
        assert_int_equal(l.n, 4);
        assert_int_equal(l.line[0], 1);
        assert_int_equal(l.line[1], 1); /* starts on line 1, after the bare CR */
        assert_int_equal(l.line[2], 2);
        assert_int_equal(l.line[3], 3);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(error_messages_are_always_utf8),
        cmocka_unit_test(csv_lines_do_not_depend_on_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
