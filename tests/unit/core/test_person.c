/*
 * test_person.c -- the registry domain on a temporary SQLite file:
 * validation (a table of inputs and the fields each must blame), values
 * derived from the ID number, duplicate ID numbers, region counters after
 * create/update/move, scope filtering inside the queries, cursor
 * pagination, idempotency keys, households, masked audit rows.
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

#include "core/audit.h"
#include "core/counter.h"
#include "core/household.h"
#include "core/idem.h"
#include "core/person.h"
#include "core/region.h"
#include "core/write.h"
#include "store/store.h"
#include "util/idcheck.h"

#define CITY    "4311"
#define GRID_A  "431122101201001" /* 东安县 ... 雍景园小区 */
#define GRID_B  "431122101201002" /* same village */
#define GRID_C  "431103001001001" /* 冷水滩区: another county */
#define VILLAGE "431122101201"

struct fixture {
    char path[64];
    struct store *s;
    struct auth_user admin_user; /* admin of the city */
    struct actor admin;
    int next_seq; /* makes distinct ID numbers */
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct ep_error err;
    ep_error_clear(&err);
    snprintf(fx->path, sizeof fx->path, "/tmp/test_person_XXXXXX");
    int fd = mkstemp(fx->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(&fx->s, fx->path, STORE_OPEN_CREATE, &err), 0);
    assert_int_equal(store_migrate(fx->s, NULL, &err), 0);
    static const char *regions[][2] = {
        {CITY, "永州市"},       {"431122", "东安县"},      {"431122101", "白牙市镇"},
        {VILLAGE, "茶亭社区"},  {GRID_A, "雍景园小区"},    {GRID_B, "茶亭一组"},
        {"431103", "冷水滩区"}, {"431103001", "梅湾街道"}, {"431103001001", "梅湾社区"},
        {GRID_C, "梅湾一网格"},
    };
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
        assert_int_equal(region_create(fx->s, regions[i][0], regions[i][1], &err), 0);
    fx->admin_user.id = 1;
    snprintf(fx->admin_user.username, sizeof fx->admin_user.username, "admin_4311");
    fx->admin_user.role = ROLE_ADMIN;
    snprintf(fx->admin_user.scope, sizeof fx->admin_user.scope, CITY);
    fx->admin.user = &fx->admin_user;
    fx->admin.ip = "test";
    fx->next_seq = 100;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    store_close(fx->s);
    unlink(fx->path);
    char side[80];
    snprintf(side, sizeof side, "%s-wal", fx->path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", fx->path);
    unlink(side);
    free(fx);
    return 0;
}

/* A valid ID number born on "yyyymmdd" with sex 'M' or 'F'. */
static void make_id(char out[19], const char *yyyymmdd, int seq, char sex)
{
    int s3 = seq % 1000;
    if ((s3 % 2 == 1) != (sex == 'M'))
        s3 = (s3 + 1) % 1000;
    snprintf(out, 19, "431122%s%03d", yyyymmdd, s3);
    out[17] = idcheck_check_char(out);
    out[18] = '\0';
}

/* A fresh valid ID number for the fixture. */
static const char *fresh_id(struct fixture *fx, char out[19])
{
    make_id(out, "19850612", fx->next_seq, (fx->next_seq / 2) % 2 ? 'M' : 'F');
    fx->next_seq += 2;
    return out;
}

static int64_t create_in(struct fixture *fx, const char *grid, int64_t household, const char *name)
{
    char id[19];
    struct person_input in = {0};
    in.name = name;
    in.id_number = fresh_id(fx, id);
    in.grid_code = household ? NULL : grid;
    in.household_id = household;
    struct person p;
    struct ep_error err;
    ep_error_clear(&err);
    int rc = person_create(fx->s, &fx->admin, &in, NULL, &p, &err);
    if (rc != 0)
        fail_msg("create %s in %s: %s", name, grid, ep_error_message(&err, EP_LANG_EN));
    return p.id;
}

static int64_t household_in(struct fixture *fx, const char *grid)
{
    struct household_input in = {grid, "雍景园 1 栋 101", 0};
    struct household h;
    struct ep_error err;
    ep_error_clear(&err);
    if (household_create(fx->s, &fx->admin, &in, NULL, &h, &err) != 0)
        fail_msg("household in %s: %s", grid, ep_error_message(&err, EP_LANG_EN));
    return h.id;
}

static int64_t count(struct fixture *fx, const char *code, const char *metric)
{
    int64_t v = -1;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(counter_get(fx->s, code, metric, &v, &err), 0);
    return v;
}

/* Field names of an error, comma-separated, in the order reported. */
static void field_names(const struct ep_error *err, char *out, size_t size)
{
    out[0] = '\0';
    for (int i = 0; i < err->nfields; i++) {
        size_t n = strlen(out);
        snprintf(out + n, size - n, "%s%s", i ? "," : "", err->fields[i].field);
    }
}

/* The checks of a create as "who" makes them (person_insert in a write that
 * is then abandoned: nothing stays).  Returns the write's failure. */
static int check_person(struct fixture *fx, const struct actor *who, const struct person_input *in,
                        struct person *out, struct ep_error *err)
{
    struct write w;
    assert_int_equal(write_begin(&w, fx->s, who, NULL, NULL, NULL, err), 0);
    int rc = person_insert(&w, in, out);
    write_abort(&w);
    return rc;
}

static int check_household(struct fixture *fx, const struct actor *who,
                           const struct household_input *in, struct household *out,
                           struct ep_error *err)
{
    struct write w;
    assert_int_equal(write_begin(&w, fx->s, who, NULL, NULL, NULL, err), 0);
    int rc = household_insert(&w, in, out);
    write_abort(&w);
    return rc;
}

static void validation_reports_every_bad_field(void **state)
{
    struct fixture *fx = *state;
    char ok_f[19], ok_m[19], bad_check[19], bad_date[19];
    make_id(ok_f, "19850612", 300, 'F');
    make_id(ok_m, "19850612", 301, 'M');
    memcpy(bad_check, ok_f, 19);
    bad_check[17] = bad_check[17] == '0' ? '1' : '0';
    snprintf(bad_date, sizeof bad_date, "43112219850230300"); /* 30 February */
    bad_date[17] = idcheck_check_char(bad_date);
    bad_date[18] = '\0';
    char lower_x[19] = "11010519491231002x"; /* the standard's example, lower-case */
    static const char long_name[] = "一二三四五六七八九十一二三四五六七八九十一"; /* 21 */
    static const char max_name[] = "一二三四五六七八九十一二三四五六七八九十";    /* 20 */
    const struct {
        struct person_input in;
        const char *fields; /* expected field names, "" = valid */
        int code;           /* expected error, 0 = EP_EINVAL (when fields are named) */
    } cases[] = {
        {{.name = "张三", .id_number = ok_f, .grid_code = GRID_A}, "", 0},
        {{.name = "张三", .id_number = lower_x, .grid_code = GRID_A}, "", 0},
        {{.name = max_name, .id_number = ok_f, .grid_code = GRID_A}, "", 0},
        {{.name = "张三",
          .id_number = ok_f,
          .grid_code = GRID_A,
          .sex = "F",
          .birth_date = "1985-06-12",
          .phone = "13812345678"},
         "",
         0},
        {{.name = "张三", .id_number = ok_f, .grid_code = GRID_A, .phone = "0746-1234567"}, "", 0},
        {{0}, "name,id_number,grid_code", 0},
        {{.name = "", .id_number = ok_f, .grid_code = GRID_A}, "name", 0},
        {{.name = "   ", .id_number = ok_f, .grid_code = GRID_A}, "name", 0},
        {{.name = long_name, .id_number = ok_f, .grid_code = GRID_A}, "name", 0},
        {{.name = "张\t三", .id_number = ok_f, .grid_code = GRID_A}, "name", 0},
        {{.name = "\xff\xfe", .id_number = ok_f, .grid_code = GRID_A}, "name", 0},
        {{.name = "张三", .id_number = "43112219850612", .grid_code = GRID_A}, "id_number", 0},
        {{.name = "张三", .id_number = "43112219850612300AB", .grid_code = GRID_A}, "id_number", 0},
        {{.name = "张三", .id_number = "4311221985061230A1", .grid_code = GRID_A}, "id_number", 0},
        {{.name = "张三", .id_number = bad_check, .grid_code = GRID_A}, "id_number", 0},
        {{.name = "张三", .id_number = bad_date, .grid_code = GRID_A}, "id_number", 0},
        {{.name = "张三", .id_number = ok_f, .grid_code = GRID_A, .sex = "M"}, "sex", 0},
        {{.name = "张三", .id_number = ok_m, .grid_code = GRID_A, .sex = "F"}, "sex", 0},
        {{.name = "张三", .id_number = ok_f, .grid_code = GRID_A, .sex = "男"}, "sex", 0},
        {{.name = "张三", .id_number = ok_f, .grid_code = GRID_A, .birth_date = "1985-06-13"},
         "birth_date",
         0},
        {{.name = "张三", .id_number = ok_f, .grid_code = GRID_A, .birth_date = "1985-02-30"},
         "birth_date",
         0},
        {{.name = "张三", .id_number = ok_f, .grid_code = GRID_A, .phone = "12345"}, "phone", 0},
        /* References: missing (or outside the scope) alone is 404, among input errors 400. */
        {{.name = "张三", .id_number = ok_f, .grid_code = "431122101201999"},
         "grid_code",
         EP_ENOTFOUND},
        {{.name = "", .id_number = ok_f, .grid_code = "431122101201999"}, "name,grid_code", 0},
        {{.name = "张三", .id_number = ok_f, .grid_code = VILLAGE}, "grid_code", 0},
        {{.name = "张三", .id_number = ok_f, .grid_code = "43112210120100x"}, "grid_code", 0},
        {{.name = "张三", .id_number = ok_f, .household_id = 999999}, "household_id", EP_ENOTFOUND},
        {{.name = "张三", .id_number = ok_f, .household_id = -1, .grid_code = GRID_A},
         "household_id",
         0},
        {{.name = "", .id_number = bad_check, .grid_code = "4311", .sex = "X", .phone = "1"},
         "name,id_number,sex,phone,grid_code",
         0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ep_error err;
        ep_error_clear(&err);
        struct person out;
        int rc = check_person(fx, &fx->admin, &cases[i].in, &out, &err);
        char got[256];
        field_names(&err, got, sizeof got);
        if (strcmp(got, cases[i].fields) != 0 || (rc == 0) != (cases[i].fields[0] == '\0'))
            fail_msg("case %zu: fields \"%s\" (rc %d), want \"%s\"", i, got, rc, cases[i].fields);
        if (rc != 0) {
            int code = cases[i].code ? cases[i].code : EP_EINVAL;
            assert_int_equal(rc, -code);
            assert_int_equal(err.code, code);
            /* Every field error has a message in both languages. */
            for (int k = 0; k < err.nfields; k++) {
                assert_true(err.fields[k].msg[EP_LANG_ZH][0] != '\0');
                assert_true(err.fields[k].msg[EP_LANG_EN][0] != '\0');
            }
        }
    }
}

static void id_number_messages_name_the_problem(void **state)
{
    (void)state;
    char ok[19], bad_check[19];
    make_id(ok, "19850612", 500, 'F');
    memcpy(bad_check, ok, 19);
    bad_check[17] = bad_check[17] == '0' ? '1' : '0';
    const char *ids[] = {"431122", "4311221985061230A1", "431122199002301234", bad_check};
    const char *want[] = {"18 characters", "17 digits", "birth date", "check digit"};
    for (int i = 0; i < 4; i++) {
        struct person_input in = {.name = "张三", .id_number = ids[i], .grid_code = GRID_A};
        struct person out;
        struct ep_error err;
        ep_error_clear(&err);
        assert_int_equal(person_validate(&in, 0, &out, &err), -EP_EINVAL);
        assert_int_equal(err.nfields, 1);
        if (!strstr(err.fields[0].msg[EP_LANG_EN], want[i]))
            fail_msg("%s: \"%s\" lacks \"%s\"", ids[i], err.fields[0].msg[EP_LANG_EN], want[i]);
        assert_true(strstr(err.fields[0].msg[EP_LANG_ZH], "身份证号") != NULL);
    }
}

static void sex_and_birth_date_are_derived(void **state)
{
    struct fixture *fx = *state;
    char id[19] = "11010519491231002x";
    struct person_input in = {.name = "李四", .id_number = id, .grid_code = GRID_A};
    struct person p;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(person_create(fx->s, &fx->admin, &in, NULL, &p, &err), 0);
    assert_true(p.id > 0);
    assert_string_equal(p.id_number, "11010519491231002X"); /* upper-cased */
    assert_int_equal(p.sex, 'F');
    assert_string_equal(p.birth_date, "1949-12-31");
    struct person again;
    assert_int_equal(person_get(fx->s, CITY, p.id, &again, &err), 0);
    assert_string_equal(again.id_number, "11010519491231002X");
    assert_int_equal(again.sex, 'F');
    assert_string_equal(again.birth_date, "1949-12-31");
    assert_string_equal(again.grid_code, GRID_A);
    assert_int_equal(again.household_id, 0);
    assert_string_equal(again.phone, "");
    /* the word spreadsheets show for it */
    assert_string_equal(person_sex_zh(again.sex), "女");
    assert_string_equal(person_sex_zh('M'), "男");
    assert_string_equal(person_sex_zh('X'), "");
    assert_string_equal(person_sex_zh('\0'), "");
}

static int count_rows(const struct person *p, void *ctx)
{
    (void)p;
    (*(int64_t *)ctx)++;
    return 0;
}

static void exact_id_filter_normalises_x(void **state)
{
    struct fixture *fx = *state;
    struct person_input in = {
        .name = "李四", .id_number = "11010519491231002X", .grid_code = GRID_A};
    struct person p;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(person_create(fx->s, &fx->admin, &in, NULL, &p, &err), 0);
    struct person_filter f = {.scope = CITY, .id_number = "11010519491231002x", .limit = 10};
    int64_t n = 0;
    assert_int_equal(person_list(fx->s, &f, count_rows, &n, &err), 0);
    assert_int_equal(n, 1);
    f.name = "别人";
    n = 0;
    assert_int_equal(person_list(fx->s, &f, count_rows, &n, &err), 0);
    assert_int_equal(n, 0);
}

static void duplicate_id_number_is_a_conflict(void **state)
{
    struct fixture *fx = *state;
    char id[19];
    fresh_id(fx, id);
    struct person_input in = {.name = "王五", .id_number = id, .grid_code = GRID_A};
    struct person p, q;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(person_create(fx->s, &fx->admin, &in, NULL, &p, &err), 0);
    in.name = "王五二";
    in.grid_code = GRID_B;
    assert_int_equal(person_create(fx->s, &fx->admin, &in, NULL, &q, &err), -EP_ECONFLICT);
    assert_int_equal(err.code, EP_ECONFLICT);
    assert_non_null(strstr(err.msg[EP_LANG_EN], "already registered"));
    assert_non_null(strstr(err.msg[EP_LANG_ZH], "已登记"));
    assert_null(strstr(err.msg[EP_LANG_EN], id)); /* the number is masked in the message */
    assert_int_equal(err.nfields, 1);
    assert_string_equal(err.fields[0].field, "id_number");
    /* Nothing of the second attempt was kept. */
    assert_int_equal(count(fx, GRID_A, "persons"), 1);
    assert_int_equal(count(fx, GRID_B, "persons"), 0);
    /* Changing another person's ID number to this one is a conflict too. */
    int64_t other = create_in(fx, GRID_B, 0, "赵六");
    struct person_input patch = {.id_number = id};
    ep_error_clear(&err);
    assert_int_equal(person_update(fx->s, &fx->admin, other, &patch, &q, &err), -EP_ECONFLICT);
    assert_string_equal(err.fields[0].field, "id_number");
}

static void counters_follow_create_update_and_move(void **state)
{
    struct fixture *fx = *state;
    int64_t a1 = create_in(fx, GRID_A, 0, "甲");
    create_in(fx, GRID_A, 0, "乙");
    create_in(fx, GRID_B, 0, "丙");
    create_in(fx, GRID_C, 0, "丁");
    assert_int_equal(count(fx, GRID_A, "persons"), 2);
    assert_int_equal(count(fx, GRID_B, "persons"), 1);
    assert_int_equal(count(fx, VILLAGE, "persons"), 3);
    assert_int_equal(count(fx, "431122", "persons"), 3);
    assert_int_equal(count(fx, "431103", "persons"), 1);
    assert_int_equal(count(fx, CITY, "persons"), 4);

    /* A change that keeps the grid moves no counter. */
    struct person p;
    struct ep_error err;
    ep_error_clear(&err);
    struct person_input rename = {.name = "甲改", .phone = "13912345678"};
    assert_int_equal(person_update(fx->s, &fx->admin, a1, &rename, &p, &err), 0);
    assert_string_equal(p.name, "甲改");
    assert_string_equal(p.grid_code, GRID_A); /* untouched fields keep their value */
    assert_int_equal(count(fx, GRID_A, "persons"), 2);

    /* Moving to another county: -1 on the old branch, +1 on the new. */
    struct person_input move = {.grid_code = GRID_C};
    assert_int_equal(person_update(fx->s, &fx->admin, a1, &move, &p, &err), 0);
    assert_string_equal(p.name, "甲改");
    assert_string_equal(p.phone, "13912345678");
    assert_int_equal(count(fx, GRID_A, "persons"), 1);
    assert_int_equal(count(fx, "431122", "persons"), 2);
    assert_int_equal(count(fx, GRID_C, "persons"), 2);
    assert_int_equal(count(fx, "431103", "persons"), 2);
    assert_int_equal(count(fx, CITY, "persons"), 4);

    /* Moving into a household takes the household's grid. */
    int64_t h = household_in(fx, GRID_B);
    assert_int_equal(count(fx, GRID_B, "households"), 1);
    assert_int_equal(count(fx, CITY, "households"), 1);
    struct person_input join = {.household_id = h};
    assert_int_equal(person_update(fx->s, &fx->admin, a1, &join, &p, &err), 0);
    assert_int_equal(p.household_id, h);
    assert_string_equal(p.grid_code, GRID_B);
    assert_int_equal(count(fx, GRID_C, "persons"), 1);
    assert_int_equal(count(fx, GRID_B, "persons"), 2);
    assert_int_equal(count(fx, CITY, "persons"), 4);
    struct household hh;
    assert_int_equal(household_get(fx->s, CITY, h, &hh, &err), 0);
    assert_int_equal(hh.members, 1);

    /* A member cannot leave for another grid without a household there. */
    struct person_input away = {.grid_code = GRID_A};
    ep_error_clear(&err);
    assert_int_equal(person_update(fx->s, &fx->admin, a1, &away, &p, &err), -EP_EINVAL);
    assert_string_equal(err.fields[0].field, "grid_code");
    /* A household and a grid that disagree are refused. */
    struct person_input both = {.household_id = h, .grid_code = GRID_A};
    ep_error_clear(&err);
    assert_int_equal(person_update(fx->s, &fx->admin, a1, &both, &p, &err), -EP_EINVAL);
    assert_int_equal(count(fx, GRID_B, "persons"), 2);
    /* A sex that contradicts the (unchanged) ID number is refused on update too. */
    struct person cur;
    assert_int_equal(person_get(fx->s, CITY, a1, &cur, &err), 0);
    struct person_input wrong_sex = {.sex = cur.sex == 'M' ? "F" : "M"};
    ep_error_clear(&err);
    assert_int_equal(person_update(fx->s, &fx->admin, a1, &wrong_sex, &p, &err), -EP_EINVAL);
    assert_string_equal(err.fields[0].field, "sex");
}

static void scope_limits_reads_and_writes(void **state)
{
    struct fixture *fx = *state;
    int64_t a = create_in(fx, GRID_A, 0, "甲");
    int64_t b = create_in(fx, GRID_B, 0, "乙");
    int64_t c = create_in(fx, GRID_C, 0, "丙");
    struct ep_error err;
    ep_error_clear(&err);
    struct person p;
    /* Single reads: outside the scope the person does not exist. */
    assert_int_equal(person_get(fx->s, "431122", a, &p, &err), 0);
    assert_int_equal(person_get(fx->s, "431122", c, &p, &err), -EP_ENOTFOUND);
    assert_int_equal(person_get(fx->s, GRID_A, b, &p, &err), -EP_ENOTFOUND);
    assert_int_equal(person_get(fx->s, "", c, &p, &err), 0);

    /* Lists: the county sees its two; a region filter narrows; a region
     * outside the scope shows nothing. */
    int64_t n = 0;
    struct person_filter f = {.scope = "431122"};
    assert_int_equal(person_list(fx->s, &f, count_rows, &n, &err), 0);
    assert_int_equal(n, 2);
    f.region = GRID_B;
    n = 0;
    assert_int_equal(person_list(fx->s, &f, count_rows, &n, &err), 0);
    assert_int_equal(n, 1);
    f.region = "431103";
    n = 0;
    assert_int_equal(person_list(fx->s, &f, count_rows, &n, &err), 0);
    assert_int_equal(n, 0);
    f.region = CITY; /* broader than the scope: still only the scope */
    n = 0;
    assert_int_equal(person_list(fx->s, &f, count_rows, &n, &err), 0);
    assert_int_equal(n, 2);
    f.region = NULL;
    f.name = "丙"; /* exists, but in the other county */
    n = 0;
    assert_int_equal(person_list(fx->s, &f, count_rows, &n, &err), 0);
    assert_int_equal(n, 0);

    /* Writes: a grid worker of GRID_A cannot create or move into GRID_B. */
    struct auth_user worker = {.id = 2, .role = ROLE_GRID_WORKER};
    snprintf(worker.username, sizeof worker.username, "gw");
    snprintf(worker.scope, sizeof worker.scope, GRID_A);
    struct actor w = {&worker, "test"};
    char id[19];
    struct person_input in = {.name = "越界", .id_number = fresh_id(fx, id), .grid_code = GRID_B};
    ep_error_clear(&err);
    /* ... a grid outside the scope is not found, exactly as a missing one. */
    assert_int_equal(person_create(fx->s, &w, &in, NULL, &p, &err), -EP_ENOTFOUND);
    assert_int_equal(err.nfields, 1);
    assert_string_equal(err.fields[0].field, "grid_code");
    assert_string_equal(err.fields[0].msg[EP_LANG_EN], "grid " GRID_B " not found");
    struct person_input missing = in;
    missing.grid_code = "431122101201999";
    ep_error_clear(&err);
    assert_int_equal(person_create(fx->s, &w, &missing, NULL, &p, &err), -EP_ENOTFOUND);
    assert_string_equal(err.fields[0].msg[EP_LANG_EN], "grid 431122101201999 not found");
    struct person_input move = {.grid_code = GRID_B};
    ep_error_clear(&err);
    assert_int_equal(person_update(fx->s, &w, a, &move, &p, &err), -EP_ENOTFOUND);
    assert_string_equal(err.fields[0].field, "grid_code");
    ep_error_clear(&err);
    assert_int_equal(person_update(fx->s, &w, b, &move, &p, &err), -EP_ENOTFOUND);
    assert_int_equal(count(fx, GRID_A, "persons"), 1);
    assert_int_equal(count(fx, GRID_B, "persons"), 1);
    in.grid_code = GRID_A;
    ep_error_clear(&err);
    assert_int_equal(person_create(fx->s, &w, &in, NULL, &p, &err), 0);
    assert_int_equal(count(fx, GRID_A, "persons"), 2);

    /* PII: the worker of the grid sees it; an admin does not, and sees the
     * birth year only; a health worker in scope does. */
    struct person_pii shown;
    memcpy(p.phone, "13812345678", 12);
    assert_int_equal(person_visible_pii(&worker, &p, &shown), 0);
    assert_string_equal(shown.id_number, p.id_number);
    assert_string_equal(shown.phone, "13812345678");
    assert_string_equal(shown.birth, p.birth_date);
    assert_int_equal(person_visible_pii(&fx->admin_user, &p, &shown), 1);
    assert_memory_equal(shown.id_number, "4311**********", 14);
    assert_string_equal(shown.id_number + 14, p.id_number + 14);
    assert_string_equal(shown.phone, "138****5678");
    assert_int_equal(strlen(shown.birth), 4);
    assert_memory_equal(shown.birth, p.birth_date, 4);
    assert_int_equal(shown.birth_year, atoi(p.birth_date));
    struct auth_user health = {.role = ROLE_HEALTH};
    snprintf(health.scope, sizeof health.scope, "431122");
    assert_int_equal(person_visible_pii(&health, &p, &shown), 0);
    assert_string_equal(shown.id_number, p.id_number);
}

struct page_ctx {
    int64_t ids[256];
    char grids[256][REGION_CODE_MAX];
    int n;
};

static int collect(const struct person *p, void *ctx)
{
    struct page_ctx *c = ctx;
    assert_true(c->n < 256);
    c->ids[c->n] = p->id;
    memcpy(c->grids[c->n], p->grid_code, REGION_CODE_MAX);
    c->n++;
    return 0;
}

static void cursor_pages_cover_every_row_once(void **state)
{
    struct fixture *fx = *state;
    /* Interleaved grids, so that id order and (grid, id) order differ. */
    const char *grids[] = {GRID_B, GRID_A, GRID_C, GRID_A, GRID_B};
    for (int i = 0; i < 53; i++)
        create_in(fx, grids[i % 5], 0, "翻页");
    struct ep_error err;
    ep_error_clear(&err);
    for (int limit = 1; limit <= 60; limit += 6) {
        struct page_ctx all = {0};
        struct person_filter f = {.scope = CITY, .limit = limit};
        char after[REGION_CODE_MAX];
        for (int pages = 0;; pages++) {
            assert_true(pages <= 60);
            int before = all.n;
            assert_int_equal(person_list(fx->s, &f, collect, &all, &err), 0);
            int got = all.n - before;
            assert_true(got <= limit);
            if (got < limit)
                break;
            memcpy(after, all.grids[all.n - 1], REGION_CODE_MAX);
            f.after_grid = after;
            f.after_id = all.ids[all.n - 1];
        }
        assert_int_equal(all.n, 53);
        for (int i = 1; i < all.n; i++) {
            int cmp = strcmp(all.grids[i - 1], all.grids[i]);
            if (cmp > 0 || (cmp == 0 && all.ids[i - 1] >= all.ids[i]))
                fail_msg("limit %d: row %d out of (grid, id) order", limit, i);
        }
    }
    /* The county and name filters page the same way. */
    struct page_ctx county = {0};
    struct person_filter f = {.scope = "431122", .name = "翻页", .limit = 4};
    char after[REGION_CODE_MAX];
    for (;;) {
        int before = county.n;
        assert_int_equal(person_list(fx->s, &f, collect, &county, &err), 0);
        if (county.n - before < 4)
            break;
        memcpy(after, county.grids[county.n - 1], REGION_CODE_MAX);
        f.after_grid = after;
        f.after_id = county.ids[county.n - 1];
    }
    assert_int_equal(county.n, 53 - 53 / 5 - (53 % 5 > 2)); /* all but GRID_C */
    for (int i = 0; i < county.n; i++)
        assert_true(region_in_scope(county.grids[i], "431122"));
}

static void idempotency_keys_replay_or_conflict(void **state)
{
    struct fixture *fx = *state;
    json_t *b1 =
        json_loads("{\"name\":\"甲\",\"client_uuid\":\"AAAAAAAA-bbbb-4ccc-8ddd-eeeeeeeeeeee\","
                   "\"x\":{\"b\":1,\"a\":2}}",
                   0, NULL);
    json_t *b2 = json_loads("{\"x\":{\"a\":2,\"b\":1},\"name\":\"甲\"}", 0, NULL);
    json_t *b3 = json_loads("{\"x\":{\"a\":2,\"b\":1},\"name\":\"乙\"}", 0, NULL);
    char h1[IDEM_HASH_HEX + 1], h2[IDEM_HASH_HEX + 1], h3[IDEM_HASH_HEX + 1];
    idem_body_hash(b1, h1);
    idem_body_hash(b2, h2);
    idem_body_hash(b3, h3);
    assert_string_equal(h1, h2); /* key order and client_uuid do not matter */
    assert_string_not_equal(h1, h3);
    assert_int_equal(strlen(h1), IDEM_HASH_HEX);
    assert_non_null(json_object_get(b1, "client_uuid")); /* the body is not changed */
    json_decref(b1);
    json_decref(b2);
    json_decref(b3);

    assert_true(idem_uuid_valid("3f2b8c1e-0d4a-4c5e-9b7a-1e2d3c4b5a69"));
    assert_true(idem_uuid_valid("3F2B8C1E-0D4A-4C5E-9B7A-1E2D3C4B5A69"));
    assert_false(idem_uuid_valid("3f2b8c1e0d4a4c5e9b7a1e2d3c4b5a69"));
    assert_false(idem_uuid_valid("3f2b8c1e-0d4a-4c5e-9b7a-1e2d3c4b5a6"));
    assert_false(idem_uuid_valid("3f2b8c1e-0d4a-4c5e-9b7a-1e2d3c4b5a6g"));
    assert_false(idem_uuid_valid(""));

    /* Through person_create: first write, replay, conflicting body. */
    char id[19];
    struct person_input in = {.name = "甲", .id_number = fresh_id(fx, id), .grid_code = GRID_A};
    struct idem_key key = {.uuid = "3f2b8c1e-0d4a-4c5e-9b7a-1e2d3c4b5a69"};
    memcpy(key.hash, h1, sizeof key.hash);
    struct person p, q;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(person_create(fx->s, &fx->admin, &in, &key, &p, &err), 0);
    assert_int_equal(key.replayed, 0);
    key.uuid = "3F2B8C1E-0D4A-4C5E-9B7A-1E2D3C4B5A69"; /* same key in upper case */
    assert_int_equal(person_create(fx->s, &fx->admin, &in, &key, &q, &err), 0);
    assert_int_equal(key.replayed, 1);
    assert_int_equal(q.id, p.id);
    assert_string_equal(q.id_number, p.id_number);
    assert_int_equal(count(fx, GRID_A, "persons"), 1);
    key.replayed = 0;
    memcpy(key.hash, h3, sizeof key.hash);
    assert_int_equal(person_create(fx->s, &fx->admin, &in, &key, &q, &err), -EP_ECONFLICT);
    assert_int_equal(key.replayed, 0);
    /* The same key for another kind of entity is a conflict as well. */
    memcpy(key.hash, h1, sizeof key.hash);
    struct household_input hin = {GRID_A, "某地址", 0};
    struct household h;
    ep_error_clear(&err);
    assert_int_equal(household_create(fx->s, &fx->admin, &hin, &key, &h, &err), -EP_ECONFLICT);
    assert_int_equal(count(fx, GRID_A, "persons"), 1);
    assert_int_equal(count(fx, GRID_A, "households"), 0);
    /* A failed write records no key: the retry with a fixed body works. */
    struct idem_key key2 = {.uuid = "00000000-0000-4000-8000-000000000001"};
    memcpy(key2.hash, h2, sizeof key2.hash);
    struct person_input bad = {.name = "", .id_number = id, .grid_code = GRID_A};
    ep_error_clear(&err);
    assert_int_equal(person_create(fx->s, &fx->admin, &bad, &key2, &q, &err), -EP_EINVAL);
    int64_t first = 0;
    ep_error_clear(&err);
    assert_int_equal(idem_check(fx->s, key2.uuid, "person", h2, &first, &err), IDEM_NEW);
}

struct household_page {
    int64_t ids[16];
    char grids[16][REGION_CODE_MAX];
    int n;
};

static int take_household(const struct household *h, void *ctx)
{
    struct household_page *pg = ctx;
    assert_true(pg->n < 16);
    pg->ids[pg->n] = h->id;
    memcpy(pg->grids[pg->n], h->grid_code, REGION_CODE_MAX);
    pg->n++;
    return 0;
}

static void households_are_validated_and_scoped(void **state)
{
    struct fixture *fx = *state;
    int64_t head = create_in(fx, GRID_A, 0, "户主");
    const struct {
        struct household_input in;
        const char *fields;
        int code; /* expected error, 0 = EP_EINVAL (when fields are named) */
    } cases[] = {
        {{GRID_A, "雍景园 2 栋", 0}, "", 0},
        {{GRID_A, "雍景园 2 栋", head}, "", 0},
        {{NULL, NULL, 0}, "grid_code,address", 0},
        {{"431122101201999", "某地", 0}, "grid_code", EP_ENOTFOUND},
        {{VILLAGE, "某地", 0}, "grid_code", 0},
        {{GRID_A, "", 0}, "address", 0},
        {{GRID_A,
          "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八"
          "九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六"
          "七八九十一",
          0},
         "address",
         0},
        {{GRID_A, "某地", 999999}, "head_person_id", EP_ENOTFOUND},
        {{GRID_A, "", 999999}, "address,head_person_id", 0},
        {{GRID_B, "某地", head}, "head_person_id", 0}, /* the head lives in GRID_A */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ep_error err;
        ep_error_clear(&err);
        struct household out;
        int rc = check_household(fx, &fx->admin, &cases[i].in, &out, &err);
        char got[256];
        field_names(&err, got, sizeof got);
        if (strcmp(got, cases[i].fields) != 0 || (rc == 0) != (cases[i].fields[0] == '\0'))
            fail_msg("case %zu: fields \"%s\", want \"%s\"", i, got, cases[i].fields);
        int code = cases[i].code ? cases[i].code : EP_EINVAL;
        if (rc != 0 && (rc != -code || err.code != code))
            fail_msg("case %zu: code %d, want %d", i, err.code, code);
    }
    int64_t h1 = household_in(fx, GRID_A), h2 = household_in(fx, GRID_C);
    household_in(fx, GRID_B);
    struct ep_error err;
    ep_error_clear(&err);
    struct household h;
    assert_int_equal(household_get(fx->s, "431122", h1, &h, &err), 0);
    assert_int_equal(household_get(fx->s, "431122", h2, &h, &err), -EP_ENOTFOUND);
    /* Pages of one row: the county's two households in (grid, id) order. */
    struct household_filter f = {.scope = "431122", .limit = 1};
    struct household_page pg = {0};
    char after[REGION_CODE_MAX];
    for (int pages = 0; pages < 10; pages++) {
        int before = pg.n;
        assert_int_equal(household_list(fx->s, &f, take_household, &pg, &err), 0);
        if (pg.n == before)
            break;
        memcpy(after, pg.grids[pg.n - 1], REGION_CODE_MAX);
        f.after_grid = after;
        f.after_id = pg.ids[pg.n - 1];
    }
    assert_int_equal(pg.n, 2);
    assert_int_equal(pg.ids[0], h1);
    assert_string_equal(pg.grids[1], GRID_B);
    /* A grid worker elsewhere cannot create here. */
    struct auth_user worker = {.id = 3, .role = ROLE_GRID_WORKER};
    snprintf(worker.scope, sizeof worker.scope, GRID_C);
    struct actor w = {&worker, "test"};
    struct household_input in = {GRID_A, "越界", 0};
    ep_error_clear(&err);
    assert_int_equal(household_create(fx->s, &w, &in, NULL, &h, &err), -EP_ENOTFOUND);
    assert_string_equal(err.fields[0].field, "grid_code");
    assert_int_equal(count(fx, GRID_A, "households"), 1);
    /* The head: one outside the scope answers as a missing one, without a name. */
    struct household_input mine = {GRID_C, "梅湾 1 号", head},
                           nobody = {GRID_C, "梅湾 1 号", 999999};
    char outside[2][EP_ERROR_MSG_MAX];
    const struct household_input *probe[2] = {&mine, &nobody};
    for (int i = 0; i < 2; i++) {
        ep_error_clear(&err);
        assert_int_equal(household_create(fx->s, &w, probe[i], NULL, &h, &err), -EP_ENOTFOUND);
        assert_int_equal(err.nfields, 1);
        assert_string_equal(err.fields[0].field, "head_person_id");
        assert_null(strstr(err.fields[0].msg[EP_LANG_ZH], "户主"));
        snprintf(outside[i], sizeof outside[i], "%s", err.fields[0].msg[EP_LANG_EN]);
    }
    char want[64];
    snprintf(want, sizeof want, "person %lld not found", (long long)head);
    assert_string_equal(outside[0], want);
    assert_string_equal(outside[1], "person 999999 not found");
    assert_int_equal(count(fx, GRID_C, "households"), 1);
    /* A person's household outside the scope, and the grid worker's own. */
    char id[19];
    struct person p;
    struct person_input into = {.name = "某", .id_number = fresh_id(fx, id), .household_id = h1};
    ep_error_clear(&err);
    assert_int_equal(person_create(fx->s, &w, &into, NULL, &p, &err), -EP_ENOTFOUND);
    assert_string_equal(err.fields[0].field, "household_id");
    into.household_id = h2;
    ep_error_clear(&err);
    assert_int_equal(person_create(fx->s, &w, &into, NULL, &p, &err), 0);
    assert_string_equal(p.grid_code, GRID_C);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(validation_reports_every_bad_field, setup, teardown),
        cmocka_unit_test_setup_teardown(id_number_messages_name_the_problem, setup, teardown),
        cmocka_unit_test_setup_teardown(sex_and_birth_date_are_derived, setup, teardown),
        cmocka_unit_test_setup_teardown(exact_id_filter_normalises_x, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicate_id_number_is_a_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(counters_follow_create_update_and_move, setup, teardown),
        cmocka_unit_test_setup_teardown(scope_limits_reads_and_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(cursor_pages_cover_every_row_once, setup, teardown),
        cmocka_unit_test_setup_teardown(idempotency_keys_replay_or_conflict, setup, teardown),
        cmocka_unit_test_setup_teardown(households_are_validated_and_scoped, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
