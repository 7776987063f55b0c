/*
 * test_text.c -- util/text.h: text_or, the label-or-code choice that keeps
 * anything shown to people from being empty.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/case.h"
#include "util/text.h"

/* A label where one exists, else the code; "" only when both are absent. */
static void text_or_prefers_the_label(void **state)
{
    (void)state;
    assert_string_equal(text_or("确诊病例", "confirmed"), "确诊病例");
    assert_string_equal(text_or("", "recovered"), "recovered");
    assert_string_equal(text_or(NULL, "recovered"), "recovered");
    assert_string_equal(text_or("", NULL), "");
    assert_string_equal(text_or(NULL, NULL), "");
    /* as the line list uses it: a known status, an unknown one, no severity */
    assert_string_equal(text_or(case_status_zh("confirmed"), "confirmed"), "确诊病例");
    assert_string_equal(text_or(case_status_zh("recovered"), "recovered"), "recovered");
    assert_string_equal(text_or(case_severity_zh(""), ""), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_or_prefers_the_label),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
