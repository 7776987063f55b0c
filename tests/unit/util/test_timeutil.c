/*
 * test_timeutil.c -- the text forms of a time: time_iso_from_unix() and
 * time_date_format() against the printf formats they stand for, over a
 * seeded sample of moments from 1900 to 2200 and the edges of a day.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

/* What time_iso_from_unix() wrote with snprintf until 2026-12-07. */
static void iso_reference(int64_t t, char out[32])
{
    int64_t local = t + TIME_CN_OFFSET_SECONDS;
    int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    int64_t secs = local - days * 86400;
    int y, m, d;
    time_civil_from_days(days, &y, &m, &d);
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u+08:00", (unsigned)y % 10000u,
             (unsigned)m % 100u, (unsigned)d % 100u, (unsigned)(secs / 3600) % 100u,
             (unsigned)(secs / 60 % 60), (unsigned)(secs % 60));
}

static void check(int64_t t)
{
    char got[32], want[32], date[11], want_date[16];
    memset(got, 'x', sizeof got);
    time_iso_from_unix((time_t)t, got);
    iso_reference(t, want);
    assert_string_equal(got, want);
    int64_t day = (t + TIME_CN_OFFSET_SECONDS) / 86400 - 1;
    int y, m, d;
    time_civil_from_days(day, &y, &m, &d);
    snprintf(want_date, sizeof want_date, "%04u-%02u-%02u", (unsigned)y % 10000u,
             (unsigned)m % 100u, (unsigned)d % 100u);
    time_date_format(day, date);
    assert_string_equal(date, want_date);
    /* and it reads back as the same moment */
    int64_t back;
    assert_int_equal(time_iso_parse(got, &back), 0);
    assert_int_equal(back, t);
}

static void text_forms_match_printf(void **state)
{
    (void)state;
    static const int64_t edges[] = {0,
                                    -1,
                                    1,
                                    86399 - 8 * 3600,
                                    86400 - 8 * 3600,
                                    1580175000, /* 2020-01-28 09:30 */
                                    -2208988800,
                                    /* 1900-01-01 */ 7258118399};
    for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++)
        check(edges[i]);
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        check(-2208988800 + (int64_t)(x % (uint64_t)(7258118400 + 2208988800)));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_forms_match_printf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
