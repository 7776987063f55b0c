/*
 * test_demo.c -- the demo city (src/gen/demo.c) at a tiny scale on a
 * temporary SQLite file: two runs with one seed give the same rows and
 * another seed other rows; every ID number is valid, unique and agrees with
 * the birth date and sex; every person lives in an existing grid and
 * household; the region tree is prefix-consistent and, above the grids,
 * exactly the national division table's (codes and names); the roll-up
 * counters equal COUNT(*) at every county; the story's places exist at their
 * real codes (雍景园小区 with 1,183 households in 东安县白牙市镇茶亭社区,
 * 道县梅花镇贵头村) and a table without them stops the demo; a second run is
 * refused without writing; the demo users log in with the demo password.
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

#include "core/auth.h"
#include "core/counter.h"
#include "core/division.h"
#include "gen/demo.h"
#include "core/region.h"
#include "store/store.h"
#include "util/idcheck.h"
#include "util/timeutil.h"

#define SCALE 0.0005
#define SEED  7

struct db {
    char path[64];
    struct store *s;
};

/* The city generated once for the read-only tests. */
static struct db city;

static void db_make(struct db *d, double scale, uint64_t seed)
{
    struct ep_error err;
    ep_error_clear(&err);
    snprintf(d->path, sizeof d->path, "/tmp/test_demo_XXXXXX");
    int fd = mkstemp(d->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(&d->s, d->path, STORE_OPEN_CREATE | STORE_OPEN_BULK, &err), 0);
    assert_int_equal(store_migrate(d->s, NULL, &err), 0);
    struct demo_options opt = {scale, seed, NULL, NULL};
    struct demo_stats stats;
    int rc = demo_city_generate(d->s, &opt, &stats, &err);
    if (rc != 0)
        fail_msg("demo_city_generate: %s", ep_error_message(&err, EP_LANG_EN));
    assert_int_equal(stats.counties, 11);
    assert_true(stats.persons > stats.households);
}

static void db_drop(struct db *d)
{
    store_close(d->s);
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal", "-epoch"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char name[80];
        snprintf(name, sizeof name, "%s%s", d->path, suffixes[i]);
        unlink(name);
    }
}

static int group_setup(void **state)
{
    (void)state;
    db_make(&city, SCALE, SEED);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    db_drop(&city);
    return 0;
}

/* The single integer a query returns. */
static int64_t scalar(struct store *s, const char *sql, const char *arg)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(s, sql, &err);
    assert_non_null(st);
    if (arg)
        store_bind_text(st, 1, arg);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    int64_t v = store_column_int64(st, 0);
    store_stmt_reset(st);
    return v;
}

/* FNV-1a over every column of every row of "sql", NULLs marked. */
static uint64_t checksum(struct store *s, const char *sql, uint64_t h)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(s, sql, &err);
    assert_non_null(st);
    int rc;
    while ((rc = store_step(st, &err)) == STORE_ROW) {
        for (int c = 0; c < store_column_count(st); c++) {
            const char *t = store_column_is_null(st, c) ? "\x01NULL" : store_column_text(st, c);
            for (; *t; t++)
                h = (h ^ (unsigned char)*t) * 0x100000001b3ULL;
            h = (h ^ 0x1f) * 0x100000001b3ULL;
        }
    }
    store_stmt_reset(st);
    assert_int_equal(rc, STORE_DONE);
    return h;
}

static uint64_t data_checksum(struct store *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    h = checksum(s, "SELECT * FROM regions ORDER BY code", h);
    h = checksum(s, "SELECT * FROM households ORDER BY id", h);
    h = checksum(s, "SELECT * FROM persons ORDER BY id", h);
    h = checksum(s, "SELECT * FROM region_counters ORDER BY code, metric", h);
    return h;
}

static void same_seed_gives_the_same_rows_and_another_seed_others(void **state)
{
    (void)state;
    struct db again, other;
    db_make(&again, SCALE, SEED);
    db_make(&other, SCALE, SEED + 1);
    uint64_t a = data_checksum(city.s), b = data_checksum(again.s), c = data_checksum(other.s);
    assert_true(a == b);
    assert_true(a != c);
    /* Same tree sizes either way: the seed changes names and people, not the plan. */
    assert_int_equal(scalar(city.s, "SELECT COUNT(*) FROM regions", NULL),
                     scalar(other.s, "SELECT COUNT(*) FROM regions", NULL));
    db_drop(&again);
    db_drop(&other);
}

static void id_numbers_are_valid_unique_and_agree_with_the_rows(void **state)
{
    (void)state;
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(
        city.s, "SELECT id_number, birth_date, sex, phone, grid_code FROM persons", &err);
    assert_non_null(st);
    int64_t today = time_today_cn(), n = 0, old_qiyang = 0, phones = 0;
    int64_t reference;
    assert_int_equal(time_date_parse(DEMO_REFERENCE_DATE, &reference), 0);
    while (store_step(st, &err) == STORE_ROW) {
        const char *id = store_column_text(st, 0);
        int64_t birth;
        char sex, date[11];
        int verdict = idcheck_id_number(id, today, &birth, &sex);
        if (verdict != IDCHECK_OK)
            fail_msg("%s: verdict %d", id, verdict);
        time_date_format(birth, date);
        assert_string_equal(date, store_column_text(st, 1));
        assert_int_equal(sex, store_column_text(st, 2)[0]);
        /* Ages 0-95 at the reference date (96 years of birth days). */
        assert_true(birth < reference && birth > reference - 97 * 366);
        if (strncmp(id, "431121", 6) == 0 && strncmp(store_column_text(st, 4), "431181", 6) == 0)
            old_qiyang++;
        if (!store_column_is_null(st, 3)) {
            if (!idcheck_phone(store_column_text(st, 3)))
                fail_msg("bad phone %s", store_column_text(st, 3));
            phones++;
        }
        n++;
    }
    store_stmt_reset(st);
    assert_true(n > 1000);
    assert_int_equal(scalar(city.s, "SELECT COUNT(DISTINCT id_number) FROM persons", NULL), n);
    assert_true(old_qiyang > 0); /* 祁阳市 natives carry 祁阳县's code 431121 */
    assert_true(phones > n / 2 && phones < n);
    /* Most people carry the code of the county they live in. */
    int64_t local = scalar(city.s,
                           "SELECT COUNT(*) FROM persons WHERE substr(id_number, 1, 6) ="
                           " substr(grid_code, 1, 6) OR (substr(grid_code, 1, 6) = '431181'"
                           " AND substr(id_number, 1, 6) = '431121')",
                           NULL);
    assert_true(local > n * 9 / 10);
}

static void every_person_lives_in_an_existing_grid_and_household(void **state)
{
    (void)state;
    struct store *s = city.s;
    assert_int_equal(scalar(s,
                            "SELECT COUNT(*) FROM persons p LEFT JOIN regions r"
                            " ON r.code = p.grid_code AND r.level = 5 WHERE r.code IS NULL",
                            NULL),
                     0);
    assert_int_equal(scalar(s,
                            "SELECT COUNT(*) FROM persons p LEFT JOIN households h"
                            " ON h.id = p.household_id"
                            " WHERE h.id IS NULL OR h.grid_code != p.grid_code",
                            NULL),
                     0);
    assert_int_equal(scalar(s,
                            "SELECT COUNT(*) FROM households h LEFT JOIN persons p"
                            " ON p.id = h.head_person_id"
                            " WHERE p.id IS NULL OR p.household_id != h.id",
                            NULL),
                     0);
    assert_int_equal(scalar(s,
                            "SELECT COUNT(*) FROM households h LEFT JOIN regions r"
                            " ON r.code = h.grid_code AND r.level = 5 WHERE r.code IS NULL",
                            NULL),
                     0);
    /* 1-6 members, about 3.6 on average. */
    assert_int_equal(
        scalar(s, "SELECT MIN(n) FROM (SELECT COUNT(*) n FROM persons GROUP BY household_id)",
               NULL),
        1);
    assert_int_equal(
        scalar(s, "SELECT MAX(n) FROM (SELECT COUNT(*) n FROM persons GROUP BY household_id)",
               NULL),
        6);
    int64_t avg100 = scalar(s,
                            "SELECT CAST(100.0 * (SELECT COUNT(*) FROM persons) /"
                            " (SELECT COUNT(*) FROM households) AS INTEGER)",
                            NULL);
    assert_in_range(avg100, 340, 380);
    /* Addresses are unique within a grid. */
    assert_int_equal(scalar(s,
                            "SELECT COUNT(*) FROM (SELECT grid_code, address FROM households"
                            " GROUP BY grid_code, address HAVING COUNT(*) > 1)",
                            NULL),
                     0);
}

static void region_codes_are_valid_and_prefix_consistent(void **state)
{
    (void)state;
    struct store *s = city.s;
    assert_int_equal(scalar(s,
                            "SELECT COUNT(*) FROM regions c LEFT JOIN regions p"
                            " ON p.code = c.parent_code WHERE c.code LIKE '4311%' AND c.level > 1"
                            " AND (p.code IS NULL OR p.level != c.level - 1"
                            " OR substr(c.code, 1, length(p.code)) != p.code)",
                            NULL),
                     0);
    assert_int_equal(scalar(s,
                            "SELECT COUNT(*) FROM regions WHERE code GLOB '*[^0-9]*' OR"
                            " length(code) != CASE level WHEN 1 THEN 4 WHEN 2 THEN 6 WHEN 3 THEN 9"
                            " WHEN 4 THEN 12 ELSE 15 END",
                            NULL),
                     0);
    /* The 11 real county-level divisions with their codes. */
    static const char *const counties[][2] = {
        {"431102", "零陵区"}, {"431103", "冷水滩区"},       {"431181", "祁阳市"},
        {"431122", "东安县"}, {"431123", "双牌县"},         {"431124", "道县"},
        {"431125", "江永县"}, {"431126", "宁远县"},         {"431127", "蓝山县"},
        {"431128", "新田县"}, {"431129", "江华瑶族自治县"},
    };
    struct ep_error err;
    ep_error_clear(&err);
    for (size_t i = 0; i < sizeof counties / sizeof counties[0]; i++) {
        struct region r;
        assert_int_equal(region_get(s, counties[i][0], &r, &err), 0);
        assert_string_equal(r.name, counties[i][1]);
        assert_string_equal(r.parent_code, "4311");
        /* At least one township, village and grid under each. */
        assert_true(
            scalar(s, "SELECT COUNT(*) FROM regions WHERE parent_code = ?", counties[i][0]) >= 1);
    }
    assert_int_equal(scalar(s, "SELECT COUNT(*) FROM regions WHERE level = 2", NULL), 11);
}

struct table_walk {
    struct store *s;
    int64_t seen; /* divisions of the table found in the database, same level and name */
};

static int division_in_database(const struct division *d, void *ctx)
{
    struct table_walk *w = ctx;
    struct ep_error err;
    ep_error_clear(&err);
    struct region r;
    if (region_get(w->s, d->code, &r, &err) != 0)
        fail_msg("%s %s of the division table is not in the demo city", d->code, d->name);
    assert_string_equal(r.name, d->name);
    assert_int_equal(r.level, d->level);
    w->seen++;
    return 0;
}

static void above_the_grids_the_regions_are_the_division_tables(void **state)
{
    (void)state;
    struct ep_error err;
    ep_error_clear(&err);
    struct table_walk w = {city.s, 0};
    assert_int_equal(division_city_each(DEMO_CODE_CITY, 0, division_in_database, &w, &err), 0);
    /* ... and nothing else: 1 city, 11 counties, 193 townships, 3,303 villages. */
    assert_int_equal(scalar(city.s, "SELECT COUNT(*) FROM regions WHERE level < 5", NULL), w.seen);
    assert_int_equal(w.seen, 1 + 11 + 193 + 3303);
    /* Grids only where people live: every grid has households, and at this
     * scale most villages have no grid. */
    assert_int_equal(scalar(city.s,
                            "SELECT COUNT(*) FROM regions r WHERE level = 5 AND NOT EXISTS"
                            " (SELECT 1 FROM households h WHERE h.grid_code = r.code)",
                            NULL),
                     0);
    assert_true(scalar(city.s, "SELECT COUNT(DISTINCT parent_code) FROM regions WHERE level = 5",
                       NULL) < 100);
}

static void a_division_table_without_the_story_places_stops_the_demo(void **state)
{
    (void)state;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(demo_places_check(demo_story_places(), &err), 0);
    /* The codes the demo invented before it stood on the real tree: 431122101
     * is 大庙口镇 in the table, 431124101201 does not exist. */
    static const struct demo_place renamed[] = {
        {DEMO_CODE_DONGAN, "东安县"}, {"431122101", "白牙市镇"}, {NULL, NULL}};
    static const struct demo_place missing[] = {{"431124101201", "贵头村"}, {NULL, NULL}};
    assert_int_equal(demo_places_check(renamed, &err), -EP_ENOTFOUND);
    assert_non_null(strstr(ep_error_message(&err, EP_LANG_ZH), "431122101 白牙市镇"));
    assert_non_null(strstr(ep_error_message(&err, EP_LANG_EN), "lacks the demo city's place"));
    ep_error_clear(&err);
    assert_int_equal(demo_places_check(missing, &err), -EP_ENOTFOUND);
    assert_non_null(strstr(ep_error_message(&err, EP_LANG_EN), "431124101201 贵头村"));
}

static void counters_equal_the_counts_at_every_county(void **state)
{
    (void)state;
    struct store *s = city.s;
    struct ep_error err;
    ep_error_clear(&err);
    static const char *const codes[] = {"4311",   "431102", "431103", "431122", "431123", "431124",
                                        "431125", "431126", "431127", "431128", "431129", "431181"};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        char upper[REGION_CODE_MAX];
        region_code_range(codes[i], upper);
        int64_t households, persons;
        assert_int_equal(counter_get(s, codes[i], "households", &households, &err), 0);
        assert_int_equal(counter_get(s, codes[i], "persons", &persons, &err), 0);
        struct store_stmt *st =
            store_prepare(s,
                          "SELECT (SELECT COUNT(*) FROM households WHERE grid_code >= ?1"
                          " AND grid_code < ?2), (SELECT COUNT(*) FROM persons"
                          " WHERE grid_code >= ?1 AND grid_code < ?2)",
                          &err);
        assert_non_null(st);
        store_bind_text(st, 1, codes[i]);
        store_bind_text(st, 2, upper);
        assert_int_equal(store_step(st, &err), STORE_ROW);
        assert_int_equal(households, store_column_int64(st, 0));
        assert_int_equal(persons, store_column_int64(st, 1));
        assert_true(persons > 0);
        store_stmt_reset(st);
    }
    /* And at every grid. */
    assert_int_equal(scalar(s,
                            "SELECT COUNT(*) FROM regions r WHERE r.level = 5 AND"
                            " COALESCE((SELECT value FROM region_counters c WHERE c.code = r.code"
                            " AND c.metric = 'persons'), 0) !="
                            " (SELECT COUNT(*) FROM persons p WHERE p.grid_code = r.code)",
                            NULL),
                     0);
}

static void the_story_places_exist_at_every_scale(void **state)
{
    (void)state;
    struct store *s = city.s;
    struct ep_error err;
    ep_error_clear(&err);
    static const char *const places[][2] = {
        {DEMO_CODE_BAIYASHI, "白牙市镇"},       {DEMO_CODE_CHATING, "茶亭社区"},
        {DEMO_CODE_YONGJINGYUAN, "雍景园小区"}, {DEMO_CODE_MEIHUA, "梅花镇"},
        {DEMO_CODE_GUITOU, "贵头村"},
    };
    for (size_t i = 0; i < sizeof places / sizeof places[0]; i++) {
        struct region r;
        assert_int_equal(region_get(s, places[i][0], &r, &err), 0);
        assert_string_equal(r.name, places[i][1]);
    }
    assert_int_equal(
        scalar(s, "SELECT COUNT(*) FROM households WHERE grid_code = ?", DEMO_CODE_YONGJINGYUAN),
        DEMO_YONGJINGYUAN_HOUSEHOLDS);
    int64_t n;
    assert_int_equal(counter_get(s, DEMO_CODE_YONGJINGYUAN, "households", &n, &err), 0);
    assert_int_equal(n, 1183);
    /* 贵头村 has its grids, addresses like "贵头村1组12号". */
    assert_true(scalar(s,
                       "SELECT COUNT(*) FROM households WHERE grid_code LIKE ? || '%'"
                       " AND address LIKE '贵头村_%组%号'",
                       DEMO_CODE_GUITOU) > 0);
    assert_true(scalar(s,
                       "SELECT COUNT(*) FROM households WHERE grid_code = ?"
                       " AND address LIKE '雍景园小区%栋%单元%'",
                       DEMO_CODE_YONGJINGYUAN) == 1183);
    /* A bigger scale keeps them, with more of everything else. */
    struct db bigger;
    db_make(&bigger, 0.003, SEED);
    assert_int_equal(scalar(bigger.s, "SELECT COUNT(*) FROM households WHERE grid_code = ?",
                            DEMO_CODE_YONGJINGYUAN),
                     1183);
    assert_true(scalar(bigger.s, "SELECT COUNT(*) FROM households WHERE grid_code LIKE ? || '%'",
                       DEMO_CODE_GUITOU) > 0);
    /* Every real village at either scale (新田县 has the table's 239); more grids. */
    assert_int_equal(scalar(bigger.s, "SELECT COUNT(*) FROM regions WHERE level = 4", NULL),
                     scalar(s, "SELECT COUNT(*) FROM regions WHERE level = 4", NULL));
    assert_int_equal(scalar(bigger.s,
                            "SELECT COUNT(*) FROM regions WHERE level = 4 AND code >= '431128'"
                            " AND code < '431129'",
                            NULL),
                     239);
    assert_true(scalar(bigger.s, "SELECT COUNT(*) FROM regions WHERE level = 5", NULL) >
                scalar(s, "SELECT COUNT(*) FROM regions WHERE level = 5", NULL));
    assert_true(scalar(bigger.s, "SELECT COUNT(*) FROM persons", NULL) >
                scalar(s, "SELECT COUNT(*) FROM persons", NULL));
    db_drop(&bigger);
}

/* Persons whose ids go back to an earlier grid in the next id. */
static int64_t grid_steps_back(struct store *s)
{
    return scalar(s,
                  "SELECT COUNT(*) FROM persons a JOIN persons b ON b.id = a.id + 1"
                  " WHERE a.grid_code > b.grid_code",
                  NULL);
}

/* What every order must leave: persons' four indexes back, id_number still
 * refused twice, every person in their household's grid. */
static void persons_whole(struct store *s)
{
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(scalar(s,
                            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'"
                            " AND tbl_name = 'persons'",
                            NULL),
                     4);
    assert_int_equal(
        store_exec(s,
                   "INSERT INTO persons (household_id, grid_code, name, sex, birth_date,"
                   " id_number, created_at, updated_at) SELECT household_id, grid_code, name,"
                   " sex, birth_date, id_number, created_at, updated_at FROM persons LIMIT 1",
                   &err),
        -EP_ECONFLICT);
    assert_non_null(strstr(ep_error_message(&err, EP_LANG_EN), "persons.id_number"));
    assert_int_equal(scalar(s,
                            "SELECT COUNT(*) FROM persons p JOIN households h"
                            " ON h.id = p.household_id WHERE h.grid_code <> p.grid_code",
                            NULL),
                     0);
}

/* With the default schema (since migration 0034 id_number's uniqueness is
 * a named index, dropped during the load) persons are numbered in grid
 * order; with the column constraint of older schemas, whose index SQLite
 * cannot drop, in ID-number order within a county.  Both give the same
 * people.  (A scale with several grids a county, so that the orders differ.) */
static void persons_order_follows_what_the_schema_allows(void **state)
{
    (void)state;
    static const double scale = 0.003;
    struct db grid;
    db_make(&grid, scale, SEED);
    assert_int_equal(grid_steps_back(grid.s), 0);
    persons_whole(grid.s);

    /* A schema whose uniqueness is the column's constraint: rebuild persons that way. */
    struct db d;
    struct ep_error err;
    ep_error_clear(&err);
    snprintf(d.path, sizeof d.path, "/tmp/test_demo_XXXXXX");
    int fd = mkstemp(d.path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(&d.s, d.path, STORE_OPEN_CREATE | STORE_OPEN_BULK, &err), 0);
    assert_int_equal(store_migrate(d.s, NULL, &err), 0);
    struct store_stmt *st =
        store_prepare(d.s, "SELECT sql FROM sqlite_master WHERE name = 'persons'", &err);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    char create[2048];
    snprintf(create, sizeof create, "%s", store_column_text(st, 0));
    store_stmt_reset(st);
    static const char column[] = "id_number    TEXT NOT NULL";
    char *unique = strstr(create, column);
    assert_non_null(unique);
    unique += strlen(column);
    memmove(unique + 7, unique, strlen(unique) + 1);
    memcpy(unique, " UNIQUE", 7);
    char *name = strstr(create, "persons");
    memmove(name + 4, name, strlen(name) + 1);
    memcpy(name, "new_", 4); /* CREATE TABLE "new_persons" (... */
    assert_int_equal(store_exec(d.s, "PRAGMA foreign_keys=OFF", &err), 0);
    assert_int_equal(store_exec(d.s, create, &err), 0);
    assert_int_equal(store_exec(d.s,
                                "DROP TABLE persons; ALTER TABLE new_persons RENAME TO persons;"
                                " CREATE INDEX persons_grid ON persons(grid_code, id);"
                                " CREATE INDEX persons_name ON persons(name, grid_code, id);"
                                " CREATE INDEX persons_household ON persons(household_id);"
                                " PRAGMA foreign_keys=ON",
                                &err),
                     0);
    struct demo_options opt = {scale, SEED, NULL, NULL};
    assert_int_equal(demo_city_generate(d.s, &opt, NULL, &err), 0);
    /* Within each county (one batch each at this scale), ids follow ID
     * numbers, and so go back to earlier grids. */
    assert_int_equal(scalar(d.s,
                            "SELECT COUNT(*) FROM persons a JOIN persons b ON b.id = a.id + 1"
                            " WHERE substr(a.grid_code, 1, 6) = substr(b.grid_code, 1, 6)"
                            " AND a.id_number > b.id_number",
                            NULL),
                     0);
    assert_true(grid_steps_back(d.s) > 0);
    persons_whole(d.s);
    /* The same people in another order. */
    assert_int_equal(scalar(d.s, "SELECT COUNT(*) FROM persons", NULL),
                     scalar(grid.s, "SELECT COUNT(*) FROM persons", NULL));
    assert_int_equal(
        scalar(d.s, "SELECT COUNT(*) FROM persons WHERE grid_code = ?", DEMO_CODE_YONGJINGYUAN),
        scalar(grid.s, "SELECT COUNT(*) FROM persons WHERE grid_code = ?", DEMO_CODE_YONGJINGYUAN));
    db_drop(&d);
    db_drop(&grid);
}

static void a_second_run_is_refused_and_writes_nothing(void **state)
{
    (void)state;
    struct ep_error err;
    ep_error_clear(&err);
    uint64_t before = data_checksum(city.s);
    struct demo_options opt = {SCALE, SEED + 5, NULL, NULL};
    assert_int_equal(demo_city_generate(city.s, &opt, NULL, &err), -EP_ECONFLICT);
    assert_non_null(strstr(ep_error_message(&err, EP_LANG_ZH), "已有"));
    assert_non_null(strstr(ep_error_message(&err, EP_LANG_EN), "already has"));
    assert_true(data_checksum(city.s) == before);
    /* The connection is back to its settings: WAL, foreign keys on. */
    assert_int_equal(scalar(city.s, "PRAGMA foreign_keys", NULL), 1);
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(city.s, "PRAGMA journal_mode", &err);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_string_equal(store_column_text(st, 0), "wal");
    store_stmt_reset(st);
}

static void a_scale_out_of_range_is_refused(void **state)
{
    (void)state;
    static const double bad[] = {0, -1, DEMO_SCALE_MAX * 2};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct ep_error err;
        ep_error_clear(&err);
        struct demo_options opt = {bad[i], SEED, NULL, NULL};
        assert_int_equal(demo_city_generate(city.s, &opt, NULL, &err), -EP_EINVAL);
        assert_int_equal(err.nfields, 1);
        assert_string_equal(err.fields[0].field, "scale");
    }
}

static void demo_users_exist_for_every_role_and_log_in(void **state)
{
    (void)state;
    struct store *s = city.s;
    struct ep_error err;
    ep_error_clear(&err);
    int created = -1;
    assert_int_equal(demo_users_create(s, &created, &err), 0);
    int n = 0, roles[ROLE_COUNT] = {0};
    for (const struct demo_user *u = demo_users_table(); u->username; u++, n++) {
        struct auth_user got;
        int active;
        assert_int_equal(auth_user_get(s, u->username, &got, &active, &err), 0);
        assert_true(active);
        assert_string_equal(auth_role_name(got.role), u->role);
        roles[got.role]++;
        assert_true(region_in_scope(got.scope, u->scope_prefix));
        if (got.role == ROLE_GRID_WORKER)
            assert_int_equal(region_level_of_code(got.scope), REGION_GRID);
        else
            assert_string_equal(got.scope, u->scope_prefix);
    }
    assert_int_equal(created, n);
    assert_in_range(n, 8, 25);
    for (int r = 0; r < ROLE_COUNT; r++)
        assert_true(roles[r] >= 1);
    struct auth_user yj;
    int active;
    assert_int_equal(auth_user_get(s, "grid_yongjingyuan", &yj, &active, &err), 0);
    assert_string_equal(yj.scope, DEMO_CODE_YONGJINGYUAN);
    /* The documented password works; a second call creates nobody. */
    struct auth_user who;
    char token[AUTH_TOKEN_HEX + 1];
    int retry = 0;
    assert_int_equal(auth_login(s, "commander_dongan", DEMO_PASSWORD, "127.0.0.1", NULL, &who,
                                token, &retry, &err),
                     0);
    assert_string_equal(who.scope, DEMO_CODE_DONGAN);
    assert_int_equal(demo_users_create(s, &created, &err), 0);
    assert_int_equal(created, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_seed_gives_the_same_rows_and_another_seed_others),
        cmocka_unit_test(id_numbers_are_valid_unique_and_agree_with_the_rows),
        cmocka_unit_test(every_person_lives_in_an_existing_grid_and_household),
        cmocka_unit_test(region_codes_are_valid_and_prefix_consistent),
        cmocka_unit_test(above_the_grids_the_regions_are_the_division_tables),
        cmocka_unit_test(a_division_table_without_the_story_places_stops_the_demo),
        cmocka_unit_test(counters_equal_the_counts_at_every_county),
        cmocka_unit_test(the_story_places_exist_at_every_scale),
        cmocka_unit_test(persons_order_follows_what_the_schema_allows),
        cmocka_unit_test(a_second_run_is_refused_and_writes_nothing),
        cmocka_unit_test(a_scale_out_of_range_is_refused),
        cmocka_unit_test(demo_users_exist_for_every_role_and_log_in),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
