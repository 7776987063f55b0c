/*
 * test_roster.c -- the 24-hour cover computation (roster_gaps) on a China
 * day: no shift, exact 24 h cover, overlapping and touching shifts, shifts
 * across midnight on either side, shifts wholly outside the day, unordered
 * input, more gaps than the output holds; and the time parser the shifts'
 * start and end go through.  Data-driven: each case is the shifts as
 * "HH:MM" offsets from the day's 00:00 (+08:00), hours may be negative or
 * beyond 24, and the gaps expected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/roster.h"
#include "util/timeutil.h"

#define H 3600

/* 2020-01-28 00:00 +08:00 */
static int64_t day_start(void)
{
    return time_days_from_civil(2020, 1, 28) * 86400 - TIME_CN_OFFSET_SECONDS;
}

struct gap_case {
    const char *name;
    int n;
    int64_t shifts[8][2]; /* seconds from 00:00 */
    int ngaps;
    int64_t gaps[8][2];
};

static const struct gap_case cases[] = {
    {"a day with no shift is one gap of 24 h", 0, {{0}}, 1, {{0, 24 * H}}},
    {"exactly 00:00-24:00 covers the day", 1, {{0, 24 * H}}, 0, {{0}}},
    {"two 12 h shifts touching at noon cover the day",
     2,
     {{0, 12 * H}, {12 * H, 24 * H}},
     0,
     {{0}}},
    {"three 8 h shifts leaving 16:00-17:00 uncovered",
     3,
     {{0, 8 * H}, {8 * H, 16 * H}, {17 * H, 24 * H}},
     1,
     {{16 * H, 17 * H}}},
    {"overlapping shifts merge",
     3,
     {{8 * H, 14 * H}, {10 * H, 12 * H}, {13 * H, 20 * H}},
     2,
     {{0, 8 * H}, {20 * H, 24 * H}}},
    {"unordered input", 3, {{20 * H, 24 * H}, {0, 6 * H}, {6 * H, 12 * H}}, 1, {{12 * H, 20 * H}}},
    {"a night shift from the day before is clipped at 00:00",
     2,
     {{-4 * H, 6 * H}, {8 * H, 24 * H}},
     1,
     {{6 * H, 8 * H}}},
    {"a night shift into the next day is clipped at 24:00",
     2,
     {{0, 20 * H}, {22 * H, 30 * H}},
     1,
     {{20 * H, 22 * H}}},
    {"two night shifts across both midnights cover the day",
     2,
     {{-6 * H, 12 * H}, {12 * H, 36 * H}},
     0,
     {{0}}},
    {"shifts wholly outside the day count for nothing",
     2,
     {{-10 * H, -2 * H}, {24 * H, 30 * H}},
     1,
     {{0, 24 * H}}},
    {"a shift ending exactly at 00:00 covers nothing of the day",
     1,
     {{-8 * H, 0}},
     1,
     {{0, 24 * H}}},
    {"one second short of 24 h leaves one second", 1, {{0, 24 * H - 1}}, 1, {{24 * H - 1, 24 * H}}},
    {"a shift inside another changes nothing",
     2,
     {{6 * H, 18 * H}, {7 * H, 8 * H}},
     2,
     {{0, 6 * H}, {18 * H, 24 * H}}},
};

static void gap_cases(void **state)
{
    (void)state;
    int64_t d = day_start();
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const struct gap_case *k = &cases[c];
        struct roster_interval shifts[8], gaps[8];
        for (int i = 0; i < k->n; i++)
            shifts[i] = (struct roster_interval){d + k->shifts[i][0], d + k->shifts[i][1]};
        int n = roster_gaps(shifts, k->n, d, d + 24 * H, gaps, 8);
        if (n != k->ngaps)
            fail_msg("%s: %d gaps, expected %d", k->name, n, k->ngaps);
        for (int i = 0; i < n; i++) {
            if (gaps[i].start != d + k->gaps[i][0] || gaps[i].end != d + k->gaps[i][1])
                fail_msg("%s: gap %d is [%lld, %lld), expected [%lld, %lld)", k->name, i,
                         (long long)(gaps[i].start - d), (long long)(gaps[i].end - d),
                         (long long)k->gaps[i][0], (long long)k->gaps[i][1]);
        }
    }
}

/* Every gap plus every covered second adds up to the day, whatever the shifts. */
static void gaps_and_cover_partition_the_day(void **state)
{
    (void)state;
    int64_t d = day_start();
    unsigned seed = 12345;
    for (int round = 0; round < 500; round++) {
        struct roster_interval shifts[6], gaps[16];
        int n = (int)(seed % 6);
        unsigned char covered[24 * 4] = {0}; /* quarter hours */
        for (int i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            int a = (int)((seed >> 8) % 120) - 12; /* quarter hours from -3 h to 27 h */
            seed = seed * 1103515245u + 12345u;
            int len = 1 + (int)((seed >> 8) % 48);
            shifts[i] = (struct roster_interval){d + a * 900, d + (a + len) * 900};
            for (int q = a; q < a + len; q++)
                if (q >= 0 && q < 96)
                    covered[q] = 1;
        }
        seed = seed * 1103515245u + 12345u;
        int ng = roster_gaps(shifts, n, d, d + 24 * H, gaps, 16);
        assert_true(ng <= 16);
        unsigned char in_gap[96] = {0};
        for (int g = 0; g < ng; g++) {
            assert_true(gaps[g].start < gaps[g].end);
            if (g)
                assert_true(gaps[g - 1].end < gaps[g].start); /* separated, in order */
            for (int64_t t = gaps[g].start; t < gaps[g].end; t += 900)
                in_gap[(t - d) / 900] = 1;
        }
        for (int q = 0; q < 96; q++)
            if (in_gap[q] == covered[q])
                fail_msg("round %d: quarter %d is %s", round, q,
                         covered[q] ? "covered and in a gap" : "neither covered nor in a gap");
    }
}

/* More gaps than room: the count is still right and only "max" are written. */
static void more_gaps_than_room(void **state)
{
    (void)state;
    int64_t d = day_start();
    struct roster_interval shifts[5], gaps[2] = {{-1, -1}, {-1, -1}};
    for (int i = 0; i < 5; i++)
        shifts[i] = (struct roster_interval){d + (i * 4 + 1) * H, d + (i * 4 + 2) * H};
    assert_int_equal(roster_gaps(shifts, 5, d, d + 24 * H, gaps, 1), 6);
    assert_int_equal(gaps[0].start, d);
    assert_int_equal(gaps[0].end, d + H);
    assert_int_equal(gaps[1].start, -1); /* untouched */
}

static void time_parse(void **state)
{
    (void)state;
    int64_t t, d = day_start();
    assert_int_equal(time_iso_parse("2020-01-28T00:00:00+08:00", &t), 0);
    assert_int_equal(t, d);
    assert_int_equal(time_iso_parse("2020-01-27T16:00:00Z", &t), 0);
    assert_int_equal(t, d);
    assert_int_equal(time_iso_parse("2020-01-28T08:30+08:00", &t), 0);
    assert_int_equal(t, d + 8 * H + 30 * 60);
    static const char *bad[] = {"2020-01-28T08:00:00",
                                "2020-01-28",
                                "2020-02-30T08:00:00+08:00",
                                "2020-01-28T24:00:00+08:00",
                                "2020-01-28T08:00:00+8:00",
                                "2020-01-28T08:00:00+08:00x",
                                "yesterday",
                                ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (time_iso_parse(bad[i], &t) == 0)
            fail_msg("accepted %s", bad[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gap_cases),
        cmocka_unit_test(gaps_and_cover_partition_the_day),
        cmocka_unit_test(more_gaps_than_room),
        cmocka_unit_test(time_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
