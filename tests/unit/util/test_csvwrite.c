/*
 * test_csvwrite.c -- the one CSV writer: quoting, the formula guard, records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/csvwrite.h"

/* A table of field values and what each must become. */
static void fields_are_quoted_and_guarded(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"张三", "张三"},
        {"", ""},
        {NULL, ""},
        {"a,b", "\"a,b\""},
        {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"two\nlines", "\"two\nlines\""},
        {"=HYPERLINK(\"//x.cn\")", "\"'=HYPERLINK(\"\"//x.cn\"\")\""},
        {"+1+1", "\"'+1+1\""},
        {"-2+3", "\"'-2+3\""},
        {"@SUM(A1)", "\"'@SUM(A1)\""},
        {"\t=1", "\"'\t=1\""},
        {"\r=1", "\"'\r=1\""},
        {"-12", "-12"},      /* a number stays a number */
        {"-0.5", "-0.5"},    /* so does a negative decimal */
        {"+3", "+3"},        /* and a signed one */
        {"-", "\"'-\""},     /* a lone sign is no number */
        {"-1.", "\"'-1.\""}, /* nor is a number cut short */
        {"a=b", "a=b"},      /* only the first character counts */
    };
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf_reset(&b);
        csvwrite_field(&b, cases[i].in);
        if (strcmp(b.data ? b.data : "", cases[i].want) != 0)
            fail_msg("case %zu: got [%s] want [%s]", i, b.data ? b.data : "", cases[i].want);
    }
    buf_cleanup(&b);
}

static void a_row_ends_in_crlf(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b);
    const char *row[] = {"1", "=cmd", "x,y", NULL};
    csvwrite_row(&b, row, 4);
    assert_string_equal(b.data, "1,\"'=cmd\",\"x,y\",\r\n");
    buf_cleanup(&b);
}

/* What the guard added, csvwrite_unguard takes off; nothing else. */
static void the_guard_is_undone_on_import(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"'=HYPERLINK(1)", "=HYPERLINK(1)"},
        {"'+1+1", "+1+1"},
        {"'-2+3", "-2+3"},
        {"'@SUM(A1)", "@SUM(A1)"},
        {"'\t=1", "\t=1"},
        {"'\r=1", "\r=1"},
        {"'431122198506123018", "'431122198506123018"}, /* an apostrophe typed in Excel: the
                                                           ID number's reader drops it */
        {"'", "'"},
        {"O'Neil", "O'Neil"},
        {"=1", "=1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(csvwrite_unguard(cases[i].in), cases[i].want);
    assert_null(csvwrite_unguard(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_are_quoted_and_guarded),
        cmocka_unit_test(a_row_ends_in_crlf),
        cmocka_unit_test(the_guard_is_undone_on_import),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
