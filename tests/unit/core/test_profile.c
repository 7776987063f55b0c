/*
 * test_profile.c -- the disease profile and risk areas on a temporary SQLite
 * file: the seeded profile, report slots across midnight in +08:00 (a table
 * of moments and the slot each belongs to), the fever threshold, profile
 * validation (a table of bad profiles and the field each must blame), who may
 * change it, risk area checks, matching by place, region code and region
 * name on the arrival date, ending and deleting with audit rows.
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
#include "core/profile.h"
#include "core/region.h"
#include "store/store.h"
#include "util/timeutil.h"

struct fixture {
    char path[64];
    struct store *s;
    struct auth_user city_user, county_user;
    struct actor city, county;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct ep_error err;
    ep_error_clear(&err);
    snprintf(fx->path, sizeof fx->path, "/tmp/test_profile_XXXXXX");
    int fd = mkstemp(fx->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(&fx->s, fx->path, STORE_OPEN_CREATE, &err), 0);
    assert_int_equal(store_migrate(fx->s, NULL, &err), 0);
    static const char *regions[][2] = {
        {"4311", "永州市"},
        {"431122", "东安县"},
        {"431122101", "白牙市镇"},
        {"431103", "冷水滩区"},
    };
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
        assert_int_equal(region_create(fx->s, regions[i][0], regions[i][1], &err), 0);
    fx->city_user.id = 1;
    snprintf(fx->city_user.username, sizeof fx->city_user.username, "admin_4311");
    fx->city_user.role = ROLE_ADMIN;
    snprintf(fx->city_user.scope, sizeof fx->city_user.scope, "4311");
    fx->city = (struct actor){&fx->city_user, "test"};
    fx->county_user = fx->city_user;
    fx->county_user.id = 2;
    snprintf(fx->county_user.username, sizeof fx->county_user.username, "admin_431122");
    snprintf(fx->county_user.scope, sizeof fx->county_user.scope, "431122");
    fx->county = (struct actor){&fx->county_user, "test"};
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    store_close(fx->s);
    char side[80];
    unlink(fx->path);
    snprintf(side, sizeof side, "%s-wal", fx->path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", fx->path);
    unlink(side);
    free(fx);
    return 0;
}

/* Unix time of a China-time moment. */
static int64_t cn(int y, int mo, int d, int h, int mi, int s)
{
    return time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - 8 * 3600;
}

static int64_t day(const char *date)
{
    int64_t d;
    assert_int_equal(time_date_parse(date, &d), 0);
    return d;
}

static int64_t count_rows(struct store *s, const char *sql)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(s, sql, &err);
    assert_non_null(st);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    int64_t n = store_column_int64(st, 0);
    store_stmt_reset(st);
    return n;
}

/* Migration 0005 seeds the 2020 profile. */
static void test_seeded_profile(void **state)
{
    struct fixture *fx = *state;
    struct profile p;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(profile_get(fx->s, &p, &err), 0);
    assert_string_equal(p.name, "新型冠状病毒肺炎");
    assert_int_equal(p.observation_days, 14);
    assert_int_equal(p.fever_threshold_dc, 373);
    assert_int_equal(p.nslots, 2);
    assert_int_equal(p.slot_minutes[0], 8 * 60);
    assert_int_equal(p.slot_minutes[1], 16 * 60);
    assert_int_equal(p.grace_minutes, 120);
    assert_int_equal(p.lookback_days, 14);
}

/* Slots in China time; before 08:00 a moment still belongs to yesterday's 16:00. */
static void test_slots_across_midnight(void **state)
{
    struct fixture *fx = *state;
    struct profile p;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(profile_get(fx->s, &p, &err), 0);
    static const struct {
        int y, mo, d, h, mi, s;
        const char *day;
        int index;
    } cases[] = {
        {2020, 1, 28, 8, 0, 0, "2020-01-28", 0},    /* the slot starts */
        {2020, 1, 28, 7, 59, 59, "2020-01-27", 1},  /* one second before: yesterday 16:00 */
        {2020, 1, 28, 0, 0, 0, "2020-01-27", 1},    /* midnight in China */
        {2020, 1, 28, 15, 59, 59, "2020-01-28", 0}, /* still the morning slot */
        {2020, 1, 28, 16, 0, 0, "2020-01-28", 1},   /* the afternoon slot */
        {2020, 1, 28, 23, 59, 59, "2020-01-28", 1}, /* late evening */
        {2020, 3, 1, 2, 0, 0, "2020-02-29", 1},     /* across a leap day */
        {2021, 1, 1, 6, 30, 0, "2020-12-31", 1},    /* across a new year */
        {1970, 1, 1, 7, 0, 0, "1969-12-31", 1},     /* before the epoch in UTC */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t t = cn(cases[i].y, cases[i].mo, cases[i].d, cases[i].h, cases[i].mi, cases[i].s);
        int64_t d;
        int index;
        profile_slot_at(&p, t, &d, &index);
        char got[11];
        time_date_format(d, got);
        if (strcmp(got, cases[i].day) != 0 || index != cases[i].index)
            fail_msg("case %zu: got %s#%d, want %s#%d", i, got, index, cases[i].day,
                     cases[i].index);
        /* The slot's start is at or before the moment, and the next slot is after it. */
        int64_t start = profile_slot_start(&p, d, index);
        assert_true(start <= t);
        int64_t next = index + 1 < p.nslots ? profile_slot_start(&p, d, index + 1)
                                            : profile_slot_start(&p, d + 1, 0);
        assert_true(next > t);
    }
    /* 2020-01-28 08:00 +08:00 is 2020-01-28T00:00:00Z. */
    assert_int_equal(profile_slot_start(&p, day("2020-01-28"), 0),
                     time_days_from_civil(2020, 1, 28) * 86400);
    /* UTC midnight is 08:00 in China: the morning slot of the same date. */
    int64_t d;
    int index;
    profile_slot_at(&p, time_days_from_civil(2020, 1, 28) * 86400 - 1, &d, &index);
    assert_int_equal(d, day("2020-01-27"));
    assert_int_equal(index, 1);
}

/* 37.3 °C and above is fever under the seeded profile; the threshold is data. */
static void test_fever_threshold(void **state)
{
    struct fixture *fx = *state;
    struct profile p;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(profile_get(fx->s, &p, &err), 0);
    assert_false(profile_is_fever(&p, 372));
    assert_true(profile_is_fever(&p, 373));
    assert_true(profile_is_fever(&p, 395));
    assert_false(profile_is_fever(&p, 365));
    p.fever_threshold_dc = 380; /* e.g. influenza */
    assert_int_equal(profile_update(fx->s, &fx->city, &p, &err), 0);
    assert_int_equal(profile_get(fx->s, &p, &err), 0);
    assert_int_equal(p.fever_threshold_dc, 380);
    assert_false(profile_is_fever(&p, 375));
    assert_true(profile_is_fever(&p, 380));
    /* One severity rule for every fever alert: high from 高热 (39.1 by default) or with a risk. */
    assert_int_equal(p.high_fever_dc, 391);
    assert_false(profile_fever_is_high(&p, 382, 0));
    assert_true(profile_fever_is_high(&p, 391, 0));
    assert_true(profile_fever_is_high(&p, 382, 1));
    assert_true(profile_fever_is_high(&p, 0, 1)); /* a fever said, no reading: the risk decides */
    assert_false(profile_fever_is_high(&p, 0, 0));
    p.high_fever_dc = 385;
    assert_int_equal(profile_update(fx->s, &fx->city, &p, &err), 0);
    assert_int_equal(profile_get(fx->s, &p, &err), 0);
    assert_true(profile_fever_is_high(&p, 386, 0));
}

/* Three slots and a changed profile read back; one audit row with before/after. */
static void test_profile_update(void **state)
{
    struct fixture *fx = *state;
    struct profile p;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(profile_get(fx->s, &p, &err), 0);
    snprintf(p.name, sizeof p.name, "登革热");
    p.observation_days = 10;
    p.nslots = 3;
    p.slot_minutes[0] = 7 * 60;
    p.slot_minutes[1] = 12 * 60;
    p.slot_minutes[2] = 19 * 60 + 30;
    p.grace_minutes = 60;
    p.lookback_days = 12;
    assert_int_equal(profile_update(fx->s, &fx->city, &p, &err), 0);
    struct profile q;
    assert_int_equal(profile_get(fx->s, &q, &err), 0);
    assert_string_equal(q.name, "登革热");
    assert_int_equal(q.nslots, 3);
    assert_int_equal(q.slot_minutes[2], 19 * 60 + 30);
    assert_int_equal(q.lookback_days, 12);
    assert_int_equal(count_rows(fx->s, "SELECT COUNT(*) FROM audit_log WHERE entity = 'profile'"
                                       " AND action = 'update' AND before_json LIKE '%新型%'"
                                       " AND after_json LIKE '%登革热%'"),
                     1);
    /* 06:59 belongs to yesterday's 19:30 slot now. */
    int64_t d;
    int index;
    profile_slot_at(&q, cn(2020, 2, 1, 6, 59, 0), &d, &index);
    assert_int_equal(d, day("2020-01-31"));
    assert_int_equal(index, 2);
}

/* Each bad profile blames its field and changes nothing. */
static void test_profile_validation(void **state)
{
    struct fixture *fx = *state;
    struct profile good;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(profile_get(fx->s, &good, &err), 0);
    static const struct {
        const char *field;
        int what; /* which member to spoil */
    } cases[] = {
        {"name", 0},
        {"observation_days", 1},
        {"observation_days", 2},
        {"fever_threshold", 3},
        {"fever_threshold", 4},
        {"slots", 5},
        {"slots", 6},
        {"slots", 7},
        {"grace_minutes", 8},
        {"grace_minutes", 9},
        {"lookback_days", 10},
        {"name", 11},
        {"high_fever", 12},
        {"high_fever", 13},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct profile p = good;
        switch (cases[i].what) {
        case 0:
            p.name[0] = '\0';
            break;
        case 1:
            p.observation_days = 0;
            break;
        case 2:
            p.observation_days = 61;
            break;
        case 3:
            p.fever_threshold_dc = 600;
            break; /* 60 °C */
        case 4:
            p.fever_threshold_dc = 300;
            break;
        case 5:
            p.nslots = 0;
            break;
        case 6:
            p.slot_minutes[1] = p.slot_minutes[0];
            break; /* not ascending */
        case 7:
            p.slot_minutes[1] = 24 * 60;
            break;
        case 8:
            p.grace_minutes = 0;
            break;
        case 9:
            p.grace_minutes = 8 * 60;
            break; /* as long as the gap 08:00-16:00 */
        case 10:
            p.lookback_days = 0;
            break;
        case 11:
            memcpy(p.name, "\xff\xfe", 3);
            break;
        case 12:
            p.high_fever_dc = p.fever_threshold_dc; /* not above the threshold */
            break;
        case 13:
            p.high_fever_dc = 425;
            break;
        }
        ep_error_clear(&err);
        assert_int_equal(profile_update(fx->s, &fx->city, &p, &err), -EP_EINVAL);
        int found = 0;
        for (int k = 0; k < err.nfields; k++)
            found |= strcmp(err.fields[k].field, cases[i].field) == 0;
        if (!found)
            fail_msg("case %zu: field %s not blamed", i, cases[i].field);
    }
    struct profile now;
    ep_error_clear(&err);
    assert_int_equal(profile_get(fx->s, &now, &err), 0);
    assert_int_equal(memcmp(&now, &good, sizeof now), 0);
    assert_int_equal(count_rows(fx->s, "SELECT COUNT(*) FROM audit_log"), 0);
}

/* Only a city-wide scope changes the profile. */
static void test_profile_needs_root_scope(void **state)
{
    struct fixture *fx = *state;
    struct profile p;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(profile_get(fx->s, &p, &err), 0);
    p.observation_days = 21;
    assert_int_equal(profile_update(fx->s, &fx->county, &p, &err), -EP_EFORBIDDEN);
    assert_int_equal(profile_get(fx->s, &p, &err), 0);
    assert_int_equal(p.observation_days, 14);
}

static int64_t risk(struct fixture *fx, const struct actor *who, const char *code,
                    const char *place, const char *level, const char *from, const char *to)
{
    struct riskarea_input in = {code, place, level, from, to};
    struct risk_area a;
    struct ep_error err;
    ep_error_clear(&err);
    int rc = riskarea_create(fx->s, who, &in, &a, &err);
    if (rc != 0)
        fail_msg("riskarea_create: %s", ep_error_message(&err, EP_LANG_EN));
    return a.id;
}

static int matches(struct fixture *fx, const char *origin, const char *date)
{
    int m = -1;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(riskarea_match(fx->s, origin, day(date), &m, &err), 0);
    return m;
}

/* Matching by place name (substring), region code (prefix) and region name, on the date. */
static void test_riskarea_match(void **state)
{
    struct fixture *fx = *state;
    risk(fx, &fx->city, NULL, "武汉", "high", "2020-01-10", NULL);
    risk(fx, &fx->city, "4210", NULL, "medium", "2020-01-20", "2020-02-10");   /* 荆州市 */
    risk(fx, &fx->city, "431122101", NULL, "low", "2020-02-01", "2020-02-05"); /* 白牙市镇 */

    assert_int_equal(matches(fx, "湖北省武汉市武昌区", "2020-01-22"), 1);
    assert_int_equal(matches(fx, "武汉", "2020-01-10"), 1);         /* first day, inclusive */
    assert_int_equal(matches(fx, "湖北省武汉市", "2020-01-09"), 0); /* before it began */
    assert_int_equal(matches(fx, "湖南省长沙市", "2020-01-22"), 0);
    assert_int_equal(matches(fx, "421002", "2020-01-25"), 1);         /* inside 4210 */
    assert_int_equal(matches(fx, "421002", "2020-02-10"), 1);         /* last day, inclusive */
    assert_int_equal(matches(fx, "421002", "2020-02-11"), 0);         /* ended */
    assert_int_equal(matches(fx, "420106", "2020-01-25"), 0);         /* 4201 is not 4210 */
    assert_int_equal(matches(fx, "42", "2020-01-25"), 0);             /* wider than the area */
    assert_int_equal(matches(fx, "东安县白牙市镇", "2020-02-03"), 1); /* region name */
    assert_int_equal(matches(fx, "东安县白牙市镇", "2020-02-06"), 0);
    assert_int_equal(matches(fx, "", "2020-01-22"), 0);
    int m = 5;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(riskarea_match(fx->s, NULL, day("2020-01-22"), &m, &err), 0);
    assert_int_equal(m, 0);
}

static void test_riskarea_rules(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        const char *code, *place, *level, *from, *to, *field;
    } bad[] = {
        {NULL, NULL, "high", "2020-01-10", NULL, "region_code"},    /* neither */
        {"4201", "武汉", "high", "2020-01-10", NULL, "place"},      /* both */
        {"42011", NULL, "high", "2020-01-10", NULL, "region_code"}, /* 5 digits */
        {"42a1", NULL, "high", "2020-01-10", NULL, "region_code"},
        {NULL, "武", "high", "2020-01-10", NULL, "place"}, /* too short */
        {NULL, "武汉", "severe", "2020-01-10", NULL, "level"},
        {NULL, "武汉", "high", "2020-02-30", NULL, "from_date"},
        {NULL, "武汉", "high", NULL, NULL, "from_date"},
        {NULL, "武汉", "high", "2020-01-10", "2020-01-09", "to_date"},
        {NULL, "\xe6\xad", "high", "2020-01-10", NULL, "place"}, /* bad UTF-8 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct riskarea_input in = {bad[i].code, bad[i].place, bad[i].level, bad[i].from,
                                    bad[i].to};
        struct risk_area a;
        struct ep_error err;
        ep_error_clear(&err);
        assert_int_equal(riskarea_create(fx->s, &fx->city, &in, &a, &err), -EP_EINVAL);
        int found = 0;
        for (int k = 0; k < err.nfields; k++)
            found |= strcmp(err.fields[k].field, bad[i].field) == 0;
        if (!found)
            fail_msg("case %zu: field %s not blamed", i, bad[i].field);
    }
    assert_int_equal(count_rows(fx->s, "SELECT COUNT(*) FROM risk_areas"), 0);

    /* A county may mark places of its own county, not named places or other counties. */
    struct risk_area a;
    struct ep_error err;
    ep_error_clear(&err);
    struct riskarea_input own = {"431122101", NULL, "low", "2020-02-01", NULL};
    assert_int_equal(riskarea_create(fx->s, &fx->county, &own, &a, &err), 0);
    struct riskarea_input place = {NULL, "武汉", "high", "2020-01-10", NULL};
    ep_error_clear(&err);
    assert_int_equal(riskarea_create(fx->s, &fx->county, &place, &a, &err), -EP_EFORBIDDEN);
    struct riskarea_input other = {"431103", NULL, "low", "2020-02-01", NULL};
    ep_error_clear(&err);
    assert_int_equal(riskarea_create(fx->s, &fx->county, &other, &a, &err), -EP_EFORBIDDEN);
    assert_int_equal(count_rows(fx->s, "SELECT COUNT(*) FROM risk_areas"), 1);
}

struct collect {
    int n;
    int64_t ids[8];
};

static int collect(const struct risk_area *a, void *ctx)
{
    struct collect *c = ctx;
    if (c->n < 8)
        c->ids[c->n++] = a->id;
    return 0;
}

/* Ending stops matching after the end date; delete removes; both audited. */
static void test_riskarea_end_delete(void **state)
{
    struct fixture *fx = *state;
    int64_t wuhan = risk(fx, &fx->city, NULL, "武汉", "high", "2020-01-10", NULL);
    int64_t other = risk(fx, &fx->city, NULL, "温州", "medium", "2020-01-30", NULL);
    struct risk_area a;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(riskarea_end(fx->s, &fx->city, wuhan, "2020-04-08", &a, &err), 0);
    assert_string_equal(a.to_date, "2020-04-08");
    assert_int_equal(matches(fx, "武汉", "2020-04-08"), 1);
    assert_int_equal(matches(fx, "武汉", "2020-04-09"), 0);
    ep_error_clear(&err);
    assert_int_equal(riskarea_end(fx->s, &fx->city, wuhan, "2020-01-01", &a, &err), -EP_EINVAL);
    ep_error_clear(&err);
    assert_int_equal(riskarea_end(fx->s, &fx->county, wuhan, "2020-04-01", &a, &err),
                     -EP_EFORBIDDEN);

    struct collect c = {0};
    assert_int_equal(riskarea_list(fx->s, day("2020-04-20"), 0, 0, collect, &c, &err), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.ids[0], other);
    c.n = 0;
    assert_int_equal(riskarea_list(fx->s, -1, 0, 0, collect, &c, &err), 0);
    assert_int_equal(c.n, 2);
    /* Pages by id: the first one, then the ones after it. */
    c.n = 0;
    assert_int_equal(riskarea_list(fx->s, -1, 0, 1, collect, &c, &err), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.ids[0], wuhan);
    assert_int_equal(riskarea_list(fx->s, -1, wuhan, 5, collect, &c, &err), 0);
    assert_int_equal(c.n, 2);
    assert_int_equal(c.ids[1], other);
    c.n = 0;
    assert_int_equal(riskarea_list(fx->s, -1, other, 5, collect, &c, &err), 0);
    assert_int_equal(c.n, 0);

    ep_error_clear(&err);
    assert_int_equal(riskarea_delete(fx->s, &fx->city, other, &err), 0);
    ep_error_clear(&err);
    assert_int_equal(riskarea_get(fx->s, other, &a, &err), -EP_ENOTFOUND);
    assert_int_equal(matches(fx, "温州", "2020-02-01"), 0);
    assert_int_equal(count_rows(fx->s, "SELECT COUNT(*) FROM audit_log WHERE entity = 'risk_area'"),
                     4); /* 2 creates, 1 end, 1 delete */
    assert_int_equal(count_rows(fx->s, "SELECT COUNT(*) FROM audit_log WHERE entity = 'risk_area'"
                                       " AND action = 'delete' AND before_json LIKE '%温州%'"),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seeded_profile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_slots_across_midnight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fever_threshold, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_validation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_needs_root_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_riskarea_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_riskarea_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_riskarea_end_delete, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
