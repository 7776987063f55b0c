/*
 * test_idcheck.c -- ID numbers (GB 11643), phones, masking, UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/idcheck.h"
#include "util/timeutil.h"

static int64_t today;

/* A table of ID numbers and the verdict each must get. */
static void id_numbers_are_checked(void **state)
{
    (void)state;
    static const struct {
        const char *id;
        int want;
    } cases[] = {
        {"11010519491231002X", IDCHECK_OK},       /* the standard's own example */
        {"431121199001011234", IDCHECK_CHECKSUM}, /* 祁阳县 (old code) is fine, check digit wrong */
        {"43112119900101123", IDCHECK_LENGTH},      {"4311211990010112345", IDCHECK_LENGTH},
        {"43112119900101123a", IDCHECK_CHARS},      {"4311211990010112x4", IDCHECK_CHARS},
        {"431121199002301234", IDCHECK_BIRTH_DATE}, /* 30 February */
        {"431121189912311234", IDCHECK_BIRTH_DATE}, /* before 1900 */
        {"431121299912311234", IDCHECK_BIRTH_DATE}, /* in the future */
        {"11010519491231002x", IDCHECK_CHARS},      /* lower-case x is refused */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = idcheck_id_number(cases[i].id, today, NULL, NULL);
        if (got != cases[i].want)
            fail_msg("%s: got %d want %d", cases[i].id, got, cases[i].want);
    }
}

static void valid_id_gives_birth_date_and_sex(void **state)
{
    (void)state;
    char id[19] = "43112219850612300";
    id[17] = idcheck_check_char(id);
    id[18] = '\0';
    int64_t birth;
    char sex;
    assert_int_equal(idcheck_id_number(id, today, &birth, &sex), IDCHECK_OK);
    char date[11];
    time_date_format(birth, date);
    assert_string_equal(date, "1985-06-12");
    assert_int_equal(sex, 'F'); /* 17th digit 0 is even */
}

static void phones_are_checked(void **state)
{
    (void)state;
    assert_true(idcheck_phone("13812345678"));
    assert_true(idcheck_phone("0746-1234567"));
    assert_true(idcheck_phone("010-12345678"));
    assert_false(idcheck_phone("12812345678"));
    assert_false(idcheck_phone("1381234567"));
    assert_false(idcheck_phone("138123456789"));
    assert_false(idcheck_phone("0746-123"));
    assert_false(idcheck_phone("phone"));
    assert_false(idcheck_phone(""));
}

static void masking_keeps_head_and_tail(void **state)
{
    (void)state;
    char out[32];
    idcheck_mask_id("431122198506123016", out, sizeof out);
    assert_string_equal(out, "4311**********3016");
    idcheck_mask_phone("13812345678", out, sizeof out);
    assert_string_equal(out, "138****5678");
    idcheck_mask_phone("123", out, sizeof out);
    assert_string_equal(out, "***");
}

static void utf8_is_validated(void **state)
{
    (void)state;
    assert_true(utf8_valid("永州市", strlen("永州市")));
    assert_int_equal(utf8_length("永州市", strlen("永州市")), 3);
    assert_false(utf8_valid("\xff", 1));
    assert_false(utf8_valid("\xc0\xaf", 2));     /* overlong '/' */
    assert_false(utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
    assert_false(utf8_valid("\xe6\xb0", 2));     /* truncated */
    assert_false(utf8_valid("a\0b", 3));         /* NUL */
}

int main(void)
{
    today = time_days_from_civil(2026, 11, 29);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(id_numbers_are_checked),
        cmocka_unit_test(valid_id_gives_birth_date_and_sex),
        cmocka_unit_test(phones_are_checked),
        cmocka_unit_test(masking_keeps_head_and_tail),
        cmocka_unit_test(utf8_is_validated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
