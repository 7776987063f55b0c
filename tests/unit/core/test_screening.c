/*
 * test_screening.c -- screening rounds and household visits on a temporary
 * SQLite file: round rules (a table of bad rounds), visit rules (a table of
 * bad visits, each writing nothing), first visit and update with history,
 * consequences (home observation for a returnee, medium alert for fever,
 * high alert for fever after risk travel, none repeated by an update),
 * idempotency keys, and a property test: after a seeded random sequence of
 * a few hundred visits and updates over two rounds, every screening counter
 * of every region equals the rebuild from the facts.
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
#include "core/profile.h"
#include "core/ref.h"
#include "core/region.h"
#include "core/screening.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/idcheck.h"
#include "util/timeutil.h"

#define CITY     "4311"
#define COUNTY   "431122"
#define GRID_A   "431122101201001" /* 东安县 ... 雍景园小区 */
#define GRID_B   "431122101201002"
#define GRID_C   "431103001001001" /* 冷水滩区 */
#define NHOUSES  12
#define NMEMBERS 3

struct fixture {
    char path[64];
    struct store *s;
    struct auth_user admin_user, county_user;
    struct actor admin, county;
    int next_seq;
    int64_t houses[NHOUSES];
    char house_grid[NHOUSES][REGION_CODE_MAX];
    int64_t members[NHOUSES][NMEMBERS];
    int nmembers[NHOUSES];
};

static const char *grids[] = {GRID_A, GRID_B, GRID_C, "431103001001002"};

static void date_offset(int days, char out[11])
{
    time_date_format(time_today_cn() + days, out);
}

static int64_t person_in(struct fixture *fx, int64_t household)
{
    char id[19];
    int s3 = fx->next_seq++ % 1000;
    snprintf(id, sizeof id, "431122%s%03d", "19800101", s3);
    id[17] = idcheck_check_char(id);
    id[18] = '\0';
    struct person_input in = {0};
    in.name = "张三";
    in.id_number = id;
    in.household_id = household;
    struct person p;
    struct ep_error err;
    ep_error_clear(&err);
    if (person_create(fx->s, &fx->admin, &in, NULL, &p, &err) != 0)
        fail_msg("person_create: %s", ep_error_message(&err, EP_LANG_EN));
    return p.id;
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct ep_error err;
    ep_error_clear(&err);
    snprintf(fx->path, sizeof fx->path, "/tmp/test_screening_XXXXXX");
    int fd = mkstemp(fx->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(&fx->s, fx->path, STORE_OPEN_CREATE, &err), 0);
    assert_int_equal(store_migrate(fx->s, NULL, &err), 0);
    static const char *regions[][2] = {
        {CITY, "永州市"},
        {COUNTY, "东安县"},
        {"431122101", "白牙市镇"},
        {"431122101201", "茶亭社区"},
        {GRID_A, "雍景园小区"},
        {GRID_B, "茶亭一组"},
        {"431103", "冷水滩区"},
        {"431103001", "梅湾街道"},
        {"431103001001", "梅湾社区"},
        {GRID_C, "梅湾一网格"},
        {"431103001001002", "梅湾二网格"},
    };
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
        assert_int_equal(region_create(fx->s, regions[i][0], regions[i][1], &err), 0);
    fx->admin_user.id = 1;
    snprintf(fx->admin_user.username, sizeof fx->admin_user.username, "admin_4311");
    fx->admin_user.role = ROLE_ADMIN;
    snprintf(fx->admin_user.scope, sizeof fx->admin_user.scope, CITY);
    fx->admin = (struct actor){&fx->admin_user, "test"};
    fx->county_user = fx->admin_user;
    fx->county_user.id = 2;
    fx->county_user.role = ROLE_GRID_WORKER;
    snprintf(fx->county_user.username, sizeof fx->county_user.username, "worker_431122");
    snprintf(fx->county_user.scope, sizeof fx->county_user.scope, COUNTY);
    fx->county = (struct actor){&fx->county_user, "test"};
    fx->next_seq = 1;
    for (int h = 0; h < NHOUSES; h++) {
        struct household_input hi = {grids[h % 4], "幸福路 1 号", 0};
        struct household out;
        assert_int_equal(household_create(fx->s, &fx->admin, &hi, NULL, &out, &err), 0);
        fx->houses[h] = out.id;
        snprintf(fx->house_grid[h], REGION_CODE_MAX, "%s", out.grid_code);
        fx->nmembers[h] = 1 + h % NMEMBERS;
        for (int m = 0; m < fx->nmembers[h]; m++)
            fx->members[h][m] = person_in(fx, out.id);
    }
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

static int64_t scalar(struct store *s, const char *sql)
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

static int64_t counter(struct fixture *fx, const char *code, const char *family, int64_t round)
{
    char metric[64];
    snprintf(metric, sizeof metric, "%s.r%lld", family, (long long)round);
    int64_t v;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(counter_get(fx->s, code, metric, &v, &err), 0);
    return v;
}

static int64_t open_round(struct fixture *fx, const char *region, int from, int to)
{
    char start[11], end[11];
    date_offset(from, start);
    date_offset(to, end);
    struct round_input in = {"第一轮拉网式排查", region, start, end};
    struct round r;
    struct ep_error err;
    ep_error_clear(&err);
    if (round_open(fx->s, &fx->admin, &in, &r, &err) != 0)
        fail_msg("round_open: %s", ep_error_message(&err, EP_LANG_EN));
    return r.id;
}

/* A person found at home: no travel, no symptoms. */
static struct visit_person_input well(int64_t person)
{
    struct visit_person_input p = {0};
    p.person_id = person;
    p.temperature_dc = 365;
    return p;
}

static int record(struct fixture *fx, const struct actor *who, int64_t round, int h,
                  struct visit_person_input *persons, int n, struct visit *out,
                  struct ep_error *err)
{
    struct visit_input in = {0};
    in.round_id = round;
    in.household_id = fx->houses[h];
    in.members_present = n;
    in.npersons = n;
    in.persons = persons;
    ep_error_clear(err);
    memset(out, 0, sizeof *out);
    return visit_record(fx->s, who, &in, NULL, out, err);
}

static int has_field(const struct ep_error *err, const char *field)
{
    for (int i = 0; i < err->nfields; i++)
        if (strcmp(err->fields[i].field, field) == 0)
            return 1;
    return 0;
}

static void test_round_rules(void **state)
{
    struct fixture *fx = *state;
    char today[11], past[11], later[11];
    date_offset(0, today);
    date_offset(-2, past);
    date_offset(5, later);
    const struct {
        const char *name, *region, *start, *end, *field;
        int code; /* 0 = EP_EINVAL */
    } bad[] = {
        {"", CITY, today, later, "name", 0},
        {NULL, CITY, today, later, "name", 0},
        {"轮次", "43112", today, later, "region_code", 0},
        {"轮次", "439999", today, later, "region_code", EP_ENOTFOUND}, /* a lone reference */
        {"", "439999", today, later, "region_code", 0},                /* among input errors */
        {"轮次", CITY, "2020-02-30", later, "start_date", 0},
        {"轮次", CITY, today, "tomorrow", "end_date", 0},
        {"轮次", CITY, later, today, "end_date", 0},         /* before the start */
        {"轮次", CITY, "2019-11-01", past, "start_date", 0}, /* before the outbreak */
        {"轮次\x01", CITY, today, later, "name", 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct round_input in = {bad[i].name, bad[i].region, bad[i].start, bad[i].end};
        struct round r;
        struct ep_error err;
        ep_error_clear(&err);
        int code = bad[i].code ? bad[i].code : EP_EINVAL;
        if (round_open(fx->s, &fx->admin, &in, &r, &err) != -code)
            fail_msg("case %zu: %s, want code %d", i, ep_error_message(&err, EP_LANG_EN), code);
        if (!has_field(&err, bad[i].field))
            fail_msg("case %zu: field %s not blamed", i, bad[i].field);
    }
    /* A region outside the scope is not found, exactly as a missing one. */
    struct round_input outside = {"轮次", "431103", today, later};
    struct round_input missing = {"轮次", "431199", today, later};
    struct round r;
    struct ep_error err, err2;
    ep_error_clear(&err);
    ep_error_clear(&err2);
    assert_int_equal(round_open(fx->s, &fx->county, &outside, &r, &err), -EP_ENOTFOUND);
    assert_int_equal(round_open(fx->s, &fx->county, &missing, &r, &err2), -EP_ENOTFOUND);
    assert_string_equal(err.fields[0].field, "region_code");
    assert_string_equal(err.fields[0].msg[EP_LANG_EN], "region 431103 not found");
    assert_string_equal(err2.fields[0].msg[EP_LANG_EN], "region 431199 not found");
    assert_string_equal(err.msg[EP_LANG_EN], err2.msg[EP_LANG_EN]);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM rounds"), 0);

    int64_t id = open_round(fx, COUNTY, -1, 6);
    ep_error_clear(&err);
    assert_int_equal(round_get(fx->s, "431122101", id, &r, &err), 0); /* covers the scope */
    assert_string_equal(r.status, "open");
    ep_error_clear(&err);
    assert_int_equal(round_get(fx->s, "431103", id, &r, &err), -EP_ENOTFOUND);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM audit_log WHERE entity = 'round'"), 1);

    /* A city-wide round is seen from the county but is not the county's to
     * close: for that write it does not exist. */
    int64_t city = open_round(fx, CITY, -1, 6);
    ep_error_clear(&err);
    assert_int_equal(round_close(fx->s, &fx->county, city, &r, &err), -EP_ENOTFOUND);
    ep_error_clear(&err2);
    assert_int_equal(round_close(fx->s, &fx->county, 999999, &r, &err2), -EP_ENOTFOUND);
    assert_string_equal(err2.msg[EP_LANG_EN], "screening round 999999 not found");
    ep_error_clear(&err);
    assert_int_equal(round_close(fx->s, &fx->admin, id, &r, &err), 0);
    assert_string_equal(r.status, "closed");
    ep_error_clear(&err);
    assert_int_equal(round_close(fx->s, &fx->admin, id, &r, &err), -EP_ECONFLICT);
    /* A past round is a round entered from paper records: allowed. */
    {
        struct round_input in = {"补录轮次", CITY, past, past};
        ep_error_clear(&err);
        if (round_open(fx->s, &fx->admin, &in, &r, &err) != 0)
            fail_msg("past round: %s", ep_error_message(&err, EP_LANG_EN));
        assert_string_equal(r.end_date, past);
    }
}

/* First visit inserts and counts; a later one updates, keeps history, counts once. */
static void test_visit_and_update(void **state)
{
    struct fixture *fx = *state;
    int64_t round = open_round(fx, CITY, 0, 3);
    int h = 2; /* three members, in GRID_C (冷水滩区) */
    struct visit_person_input p[3] = {well(fx->members[h][0]), well(fx->members[h][1])};
    struct visit_person stored[VISIT_PERSONS_MAX];
    struct visit v;
    struct ep_error err;
    v.persons = stored;
    assert_int_equal(record(fx, &fx->admin, round, h, p, 2, &v, &err), 0);
    assert_int_equal(v.version, 1);
    assert_string_equal(v.grid_code, fx->house_grid[h]);
    const char *g = fx->house_grid[h];
    char county[7], city[5];
    memcpy(county, g, 6);
    county[6] = '\0';
    memcpy(city, g, 4);
    city[4] = '\0';
    assert_int_equal(counter(fx, g, "visited", round), 1);
    assert_int_equal(counter(fx, county, "visited", round), 1);
    assert_int_equal(counter(fx, city, "visited", round), 1);

    p[2] = well(fx->members[h][2]);
    p[2].fever = 1; /* found on the second visit */
    struct visit w;
    struct visit_person stored2[VISIT_PERSONS_MAX];
    w.persons = stored2;
    w.max_persons = VISIT_PERSONS_MAX;
    struct visit_input in = {round, fx->houses[h], NULL, 3, "复访", 3, p};
    ep_error_clear(&err);
    assert_int_equal(visit_record(fx->s, &fx->admin, &in, NULL, &w, &err), 0);
    assert_int_equal(w.id, v.id);
    assert_int_equal(w.version, 2);
    assert_int_equal(w.npersons, 3);
    assert_int_equal(w.fevers, 1);
    assert_string_equal(w.note, "复访");
    assert_int_equal(counter(fx, city, "visited", round), 1);
    assert_int_equal(counter(fx, city, "fever_found", round), 1);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM visits"), 1);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM visit_history WHERE version = 1"
                                   " AND snapshot LIKE '%\"version\":1%'"),
                     1);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM audit_log WHERE entity = 'visit'"), 2);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM events WHERE type = 'visit.recorded'"), 2);

    /* The fever goes away on a third visit: the count follows, the alert stays. */
    p[2].fever = 0;
    ep_error_clear(&err);
    assert_int_equal(visit_record(fx->s, &fx->admin, &in, NULL, &w, &err), 0);
    assert_int_equal(counter(fx, city, "fever_found", round), 0);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM alerts"), 1);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM visit_history"), 2);
}

static int64_t table_rows(struct fixture *fx)
{
    return scalar(fx->s, "SELECT (SELECT COUNT(*) FROM visits) + (SELECT COUNT(*) FROM"
                         " visit_persons) + (SELECT COUNT(*) FROM visit_history) +"
                         " (SELECT COUNT(*) FROM audit_log) + (SELECT COUNT(*) FROM"
                         " observations) + (SELECT COUNT(*) FROM alerts) + (SELECT COUNT(*)"
                         " FROM events) + (SELECT COALESCE(SUM(value), 0) FROM region_counters)"
                         " + (SELECT COUNT(*) FROM idempotency_keys)");
}

/* Every bad visit is refused with the right status and writes nothing. */
static void test_visit_rules(void **state)
{
    struct fixture *fx = *state;
    int64_t city = open_round(fx, CITY, -1, 3);
    int64_t county = open_round(fx, COUNTY, 0, 3);
    int64_t future = open_round(fx, CITY, 1, 3);
    int64_t closed = open_round(fx, CITY, 0, 3);
    struct round r;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(round_close(fx->s, &fx->admin, closed, &r, &err), 0);
    char tomorrow[11], today[11], old[11];
    date_offset(1, tomorrow);
    date_offset(0, today);
    date_offset(-3, old);
    char future_at[40], before_round[40];
    time_iso_from_unix(time(NULL) + 3600, future_at);
    time_iso_from_unix(time(NULL) - 3 * 86400, before_round);

    int64_t before = table_rows(fx);
    enum {
        PERSON_OK,
        PERSON_OTHER,
        PERSON_OUTSIDE,
        PERSON_HOT,
        PERSON_DUP,
        PERSON_NODATE,
        PERSON_LATE
    };
    const struct {
        int64_t round;
        int house;  /* index into fx->houses; -1 = unknown id */
        int person; /* what to put in the single person entry */
        const char *visited_at;
        int members;
        const struct actor *who;
        int code;
        const char *field;
    } bad[] = {
        {0, 0, PERSON_OK, NULL, 1, NULL, EP_EINVAL, "round_id"},
        /* References: missing or outside the scope alike, 404 when alone. */
        {999, 0, PERSON_OK, NULL, 1, NULL, EP_ENOTFOUND, "round_id"},
        {city, -1, PERSON_OK, NULL, 1, NULL, EP_ENOTFOUND, "household_id"},
        {city, 2, PERSON_OK, NULL, 1, &fx->county, EP_ENOTFOUND, "household_id"}, /* 431103 */
        {city, 0, PERSON_OUTSIDE, NULL, 1, &fx->county, EP_ENOTFOUND, "persons[0].person_id"},
        {999, 0, PERSON_OK, NULL, -1, NULL, EP_EINVAL, "members_present"}, /* input first */
        {city, 0, PERSON_OTHER, NULL, 1, NULL, EP_EINVAL, "persons[0].person_id"},
        {city, 0, PERSON_HOT, NULL, 1, NULL, EP_EINVAL, "persons[0].temperature"},
        {city, 2, PERSON_DUP, NULL, 2, NULL, EP_EINVAL, "persons[1].person_id"},
        {city, 0, PERSON_NODATE, NULL, 1, NULL, EP_EINVAL, "persons[0].arrival_date"},
        {city, 0, PERSON_LATE, NULL, 1, NULL, EP_EINVAL, "persons[0].arrival_date"},
        {city, 0, PERSON_OK, "2020-01-28 09:00", 1, NULL, EP_EINVAL, "visited_at"},
        {city, 0, PERSON_OK, "2020-01-28T09:00:00", 1, NULL, EP_EINVAL, "visited_at"},
        {city, 0, PERSON_OK, future_at, 1, NULL, EP_EINVAL, "visited_at"},
        {city, 0, PERSON_OK, NULL, -1, NULL, EP_EINVAL, "members_present"},
        {county, 2, PERSON_OK, NULL, 1, NULL, EP_ERULE, NULL}, /* not in the round */
        {future, 0, PERSON_OK, NULL, 1, NULL, EP_ERULE, NULL}, /* not begun */
        {closed, 0, PERSON_OK, NULL, 1, NULL, EP_ERULE, NULL},
        {county, 0, PERSON_OK, before_round, 1, NULL, EP_ERULE, NULL}, /* before the round */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int h = bad[i].house < 0 ? 0 : bad[i].house;
        struct visit_person_input p[2] = {well(fx->members[h][0]), well(fx->members[h][0])};
        int n = 1;
        switch (bad[i].person) {
        case PERSON_OTHER:
            p[0].person_id = fx->members[1][0];
            break;
        case PERSON_OUTSIDE:
            p[0].person_id = fx->members[2][0]; /* grid C: 431103 */
            break;
        case PERSON_HOT:
            p[0].temperature_dc = 600;
            break; /* 60 °C */
        case PERSON_DUP:
            n = 2;
            break;
        case PERSON_NODATE:
            p[0].returned_from_risk = 1;
            break;
        case PERSON_LATE:
            p[0].returned_from_risk = 1;
            p[0].arrival_date = tomorrow;
            break;
        }
        struct visit_input in = {bad[i].round,
                                 bad[i].house < 0 ? 99999 : fx->houses[h],
                                 bad[i].visited_at,
                                 bad[i].members,
                                 NULL,
                                 n,
                                 p};
        struct visit v = {0};
        ep_error_clear(&err);
        int rc = visit_record(fx->s, bad[i].who ? bad[i].who : &fx->admin, &in, NULL, &v, &err);
        if (rc != -bad[i].code)
            fail_msg("case %zu: rc %d (%s), want %d", i, rc, ep_error_message(&err, EP_LANG_EN),
                     -bad[i].code);
        if (bad[i].field && !has_field(&err, bad[i].field))
            fail_msg("case %zu: field %s not blamed", i, bad[i].field);
        assert_int_equal(table_rows(fx), before);
    }
    (void)today;
    (void)old;
}

/* The error "err" is exactly "want": code, both messages, every field error. */
static void assert_same_error(const struct ep_error *err, const struct ep_error *want,
                              const char *what)
{
    if (err->code != want->code || err->nfields != want->nfields)
        fail_msg("%s: code %d with %d fields, want %d with %d (%s)", what, err->code, err->nfields,
                 want->code, want->nfields, ep_error_message(err, EP_LANG_EN));
    for (int lang = 0; lang < 2; lang++)
        assert_string_equal(err->msg[lang], want->msg[lang]);
    for (int i = 0; i < err->nfields; i++) {
        assert_string_equal(err->fields[i].field, want->fields[i].field);
        for (int lang = 0; lang < 2; lang++)
            assert_string_equal(err->fields[i].msg[lang], want->fields[i].msg[lang]);
    }
}

/* A visit naming a round, household or person outside the writer's county
 * gets exactly the answer of an id never issued (no name, no "not a
 * member", same status) and writes nothing; a round over the whole city is
 * seen from the county below it. */
static void test_visit_refs_outside_as_missing(void **state)
{
    struct fixture *fx = *state;
    int64_t city = open_round(fx, CITY, -1, 3);
    int64_t other = open_round(fx, "431103", -1, 3); /* 冷水滩区: not the worker's county */
    const int64_t missing = 999999;
    int64_t before = table_rows(fx);
    const struct {
        const char *what;
        int64_t round;
        int64_t house;
        int64_t person;
        int kinds[2]; /* the references answered "not found", in field order */
        const char *fields[2];
    } cases[] = {
        {"round of another county",
         other,
         fx->houses[0],
         fx->members[0][0],
         {REF_ROUND, -1},
         {"round_id", NULL}},
        {"missing round",
         missing,
         fx->houses[0],
         fx->members[0][0],
         {REF_ROUND, -1},
         {"round_id", NULL}},
        /* house 2 lies in GRID_C (431103), and so do its members */
        {"household of another county",
         city,
         fx->houses[2],
         fx->members[2][0],
         {REF_HOUSEHOLD, REF_PERSON},
         {"household_id", "persons[0].person_id"}},
        {"missing household",
         city,
         missing,
         missing + 1,
         {REF_HOUSEHOLD, REF_PERSON},
         {"household_id", "persons[0].person_id"}},
        /* a person of another household outside: not found, not "not a member" */
        {"person of another county",
         city,
         fx->houses[0],
         fx->members[2][0],
         {REF_PERSON, -1},
         {"persons[0].person_id", NULL}},
        {"missing person",
         city,
         fx->houses[0],
         missing,
         {REF_PERSON, -1},
         {"persons[0].person_id", NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct visit_person_input p = well(cases[i].person);
        struct visit_input in = {cases[i].round, cases[i].house, NULL, 1, NULL, 1, &p};
        struct ep_error err, want;
        ep_error_clear(&want);
        const int64_t ids[] = {cases[i].kinds[0] == REF_ROUND       ? cases[i].round
                               : cases[i].kinds[0] == REF_HOUSEHOLD ? cases[i].house
                                                                    : cases[i].person,
                               cases[i].person};
        for (int k = 0; k < 2 && cases[i].kinds[k] >= 0; k++)
            ref_field_not_found(&want, cases[i].fields[k], cases[i].kinds[k], ids[k]);
        struct visit v = {0};
        ep_error_clear(&err);
        assert_int_equal(visit_record(fx->s, &fx->county, &in, NULL, &v, &err), -EP_ENOTFOUND);
        assert_same_error(&err, &want, cases[i].what);
        /* Not a word of the record: its grid's code appears nowhere. */
        for (int lang = 0; lang < 2; lang++)
            assert_null(strstr(ep_error_message(&err, lang), "431103"));
        assert_int_equal(table_rows(fx), before);
    }
    /* The city's round covers the county: the worker records in it. */
    struct visit_person_input p = well(fx->members[0][0]);
    struct visit_input in = {city, fx->houses[0], NULL, 1, NULL, 1, &p};
    struct visit v = {0};
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(visit_record(fx->s, &fx->county, &in, NULL, &v, &err), 0);
    assert_int_equal(v.round_id, city);
    assert_string_equal(v.grid_code, fx->house_grid[0]);
    /* ... but not in the round of another county, even for a household of its own. */
    in.round_id = other;
    ep_error_clear(&err);
    assert_int_equal(visit_record(fx->s, &fx->county, &in, NULL, &v, &err), -EP_ENOTFOUND);
    assert_true(has_field(&err, "round_id"));
}

/* The compact JSON of "v" (a visit with its persons). */
static char *visit_text(const struct visit *v)
{
    json_t *j = visit_json_new(v);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return text;
}

/* visit_record's answer and its audit row are the visit as stored: what
 * visit_get reads back, persons in its order, for a first visit and an
 * update (version, created_at kept, observation and alert ids). */
static void test_visit_answer_as_stored(void **state)
{
    struct fixture *fx = *state;
    struct riskarea_input wuhan = {NULL, "武汉", "high", "2020-01-01", NULL};
    struct risk_area a;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(riskarea_create(fx->s, &fx->admin, &wuhan, &a, &err), 0);
    int64_t round = open_round(fx, CITY, -1, 3);
    char recent[11];
    date_offset(-2, recent);
    int h = 5; /* three members, in GRID_B */
    /* in the reverse of the members' (and ids') order */
    struct visit_person_input p[3] = {well(fx->members[h][2]), well(fx->members[h][1]),
                                      well(fx->members[h][0])};
    p[0].fever = 1;
    p[0].temperature_dc = 0;
    p[1].returned_from_risk = 1;
    p[1].arrival_date = recent;
    p[1].origin = "湖北省武汉市";
    p[1].transport = "G1234";
    p[2].other_symptoms = "乏力";
    p[2].cough = 1;
    struct visit_input in = {round, fx->houses[h], NULL, 3, "第一次\n入户", 3, p};
    for (int pass = 0; pass < 3; pass++) {
        if (pass == 1) { /* an update: one person fewer, the note gone */
            in.npersons = 2;
            in.note = NULL;
            in.members_present = 2;
        }
        struct visit_person got[VISIT_PERSONS_MAX], read[VISIT_PERSONS_MAX];
        struct visit v = {.persons = got, .max_persons = VISIT_PERSONS_MAX};
        struct visit r = {.persons = read, .max_persons = VISIT_PERSONS_MAX};
        struct visit bare = {0};
        ep_error_clear(&err);
        if (pass < 2)
            assert_int_equal(visit_record(fx->s, &fx->admin, &in, NULL, &v, &err), 0);
        else /* no room for persons (the simulation): none are given */
            assert_int_equal(visit_record(fx->s, &fx->admin, &in, NULL, &bare, &err), 0);
        int64_t id = pass < 2 ? v.id : bare.id;
        assert_int_equal(visit_get(fx->s, CITY, id, &r, &err), 0);
        assert_int_equal(r.version, pass + 1);
        assert_int_equal(r.npersons, in.npersons);
        char *stored = visit_text(&r);
        char *audit = NULL;
        struct store_stmt *st = store_prepare(
            fx->s, "SELECT after_json FROM audit_log WHERE entity = 'visit' ORDER BY id DESC",
            &err);
        assert_non_null(st);
        assert_int_equal(store_step(st, &err), STORE_ROW);
        audit = strdup(store_column_text(st, 0));
        store_stmt_reset(st);
        assert_string_equal(audit, stored);
        if (pass < 2) {
            char *answer = visit_text(&v);
            assert_string_equal(answer, stored);
            free(answer);
            assert_int_equal(v.visitor_id, r.visitor_id);
        } else {
            assert_null(bare.persons);
            assert_int_equal(bare.npersons, 0);
            r.persons = NULL;
            r.npersons = 0;
            char *answer = visit_text(&bare), *head = visit_text(&r);
            assert_string_equal(answer, head);
            free(answer);
            free(head);
        }
        free(stored);
        free(audit);
    }
    /* The returnee's observation and the fever's alert are in the answer. */
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM visit_persons WHERE observation_id"
                                   " IS NOT NULL OR alert_id IS NOT NULL"),
                     2);
}

/* Travel and fever have their consequences, in the visit's transaction, once. */
static void test_consequences(void **state)
{
    struct fixture *fx = *state;
    struct riskarea_input wuhan = {NULL, "武汉", "high", "2020-01-01", NULL};
    struct risk_area a;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(riskarea_create(fx->s, &fx->admin, &wuhan, &a, &err), 0);
    int64_t round = open_round(fx, CITY, -1, 3);
    char recent[11], long_ago[11];
    date_offset(-3, recent);
    date_offset(-20, long_ago); /* beyond the 14-day look-back */
    int h = 2;                  /* three members */
    struct visit_person_input p[3] = {well(fx->members[h][0]), well(fx->members[h][1]),
                                      well(fx->members[h][2])};
    p[0].returned_from_risk = 1; /* said so: a returnee, no fever */
    p[0].arrival_date = recent;
    p[0].transport = "G1234";
    p[1].origin = "湖北省武汉市"; /* did not say so, but the origin matches; 38.2 °C */
    p[1].arrival_date = recent;
    p[1].temperature_dc = 382;
    p[2].returned_from_risk = 1; /* too long ago to matter; fever flag only */
    p[2].arrival_date = long_ago;
    p[2].fever = 1;
    struct visit_person stored[VISIT_PERSONS_MAX];
    struct visit v = {0};
    v.persons = stored;
    v.max_persons = VISIT_PERSONS_MAX;
    assert_int_equal(record(fx, &fx->admin, round, h, p, 3, &v, &err), 0);
    v.persons = stored; /* record() cleared it; read back */
    v.max_persons = VISIT_PERSONS_MAX;
    assert_int_equal(visit_get(fx->s, CITY, v.id, &v, &err), 0);
    assert_int_equal(v.returnees, 2);
    assert_int_equal(v.fevers, 2);
    assert_int_equal(v.npersons, 3);
    /* persons come back ordered by id: members were created in order */
    assert_true(stored[0].returnee && !stored[0].febrile && stored[0].observation_id);
    assert_true(stored[1].returnee && stored[1].febrile && stored[1].observation_id &&
                stored[1].alert_id);
    assert_true(!stored[2].returnee && stored[2].febrile && stored[2].alert_id);
    assert_int_equal(stored[2].observation_id, 0);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM observations WHERE kind = 'home'"
                                   " AND reason = 'travel' AND status = 'active'"
                                   " AND source LIKE 'visit:%'"),
                     2);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM alerts WHERE rule = 'visit_fever_travel'"
                                   " AND severity = 'high' AND title_zh LIKE '%38.2℃%'"),
                     1);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM alerts WHERE rule = 'visit_fever'"
                                   " AND severity = 'medium'"),
                     1);
    const char *city = CITY;
    assert_int_equal(counter(fx, city, "returnees", round), 2);
    assert_int_equal(counter(fx, city, "fever_found", round), 2);

    /* The same visit again (an update): nothing new is opened or raised. */
    assert_int_equal(record(fx, &fx->admin, round, h, p, 3, &v, &err), 0);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM observations"), 2);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM alerts"), 2);
    assert_int_equal(counter(fx, city, "returnees", round), 2);
    assert_int_equal(counter(fx, city, "fever_found", round), 2);

    /* The first person now has fever too: fever + travel is a new high alert. */
    p[0].temperature_dc = 375;
    assert_int_equal(record(fx, &fx->admin, round, h, p, 3, &v, &err), 0);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM alerts WHERE severity = 'high'"), 2);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM observations"), 2);
    assert_int_equal(counter(fx, city, "fever_found", round), 3);

    /* A risk area added later does not change what a visit found, but counts if updated. */
    struct visit_person_input q = well(fx->members[0][0]);
    q.origin = "421002";
    q.arrival_date = recent;
    assert_int_equal(record(fx, &fx->admin, round, 0, &q, 1, &v, &err), 0);
    assert_int_equal(counter(fx, city, "returnees", round), 2);
    struct riskarea_input jingzhou = {"4210", NULL, "medium", "2020-01-01", NULL};
    ep_error_clear(&err);
    assert_int_equal(riskarea_create(fx->s, &fx->admin, &jingzhou, &a, &err), 0);
    assert_int_equal(record(fx, &fx->admin, round, 0, &q, 1, &v, &err), 0);
    assert_int_equal(counter(fx, city, "returnees", round), 3);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM observations"), 3);
}

/* Same UUID and body: the first result, nothing written; another body: 409. */
static void test_idempotency(void **state)
{
    struct fixture *fx = *state;
    int64_t round = open_round(fx, CITY, 0, 3);
    struct visit_person_input p = well(fx->members[0][0]);
    struct visit_input in = {round, fx->houses[0], NULL, 1, NULL, 1, &p};
    struct idem_key key = {"3f2b8c1e-0d4a-4c5e-9b7a-1e2d3c4b5a69", "", 0};
    snprintf(key.hash, sizeof key.hash, "%064d", 1);
    struct visit v = {0}, w = {0};
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(visit_record(fx->s, &fx->admin, &in, &key, &v, &err), 0);
    assert_int_equal(key.replayed, 0);
    int64_t before = table_rows(fx);
    ep_error_clear(&err);
    assert_int_equal(visit_record(fx->s, &fx->admin, &in, &key, &w, &err), 0);
    assert_int_equal(key.replayed, 1);
    assert_int_equal(w.id, v.id);
    assert_int_equal(w.version, 1);
    assert_int_equal(table_rows(fx), before);
    key.replayed = 0;
    snprintf(key.hash, sizeof key.hash, "%064d", 2);
    ep_error_clear(&err);
    assert_int_equal(visit_record(fx->s, &fx->admin, &in, &key, &w, &err), -EP_ECONFLICT);
    assert_int_equal(table_rows(fx), before);
}

/* Every screening counter of every region, non-zero ones, as text. */
static void counters_text(struct store *s, struct buf *out)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(
        s,
        "SELECT code, metric, value FROM region_counters WHERE value <> 0 AND"
        " (metric LIKE 'visited.r%' OR metric LIKE 'returnees.r%' OR metric LIKE 'fever_found.r%')"
        " ORDER BY code, metric",
        &err);
    assert_non_null(st);
    buf_reset(out);
    while (store_step(st, &err) == STORE_ROW)
        buf_appendf(out, "%s %s %lld\n", store_column_text(st, 0), store_column_text(st, 1),
                    (long long)store_column_int64(st, 2));
    store_stmt_reset(st);
    buf_putc(out, '.');
}

static uint64_t rng_state;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

static void check_oracle(struct fixture *fx)
{
    struct buf live, oracle;
    buf_init(&live);
    buf_init(&oracle);
    counters_text(fx->s, &live);
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(store_begin(fx->s, &err), 0);
    assert_int_equal(screening_counters_rebuild(fx->s, &err), 0);
    counters_text(fx->s, &oracle);
    store_rollback(fx->s);
    if (strcmp(live.data, oracle.data) != 0)
        fail_msg("counters differ from the oracle:\nlive:\n%s\noracle:\n%s", live.data,
                 oracle.data);
    assert_true(live.len > 10);
    buf_cleanup(&live);
    buf_cleanup(&oracle);
}

/* A seeded random sequence of visits and updates: counters == GROUP BY, always. */
static void test_counters_property(void **state)
{
    struct fixture *fx = *state;
    struct riskarea_input wuhan = {NULL, "武汉", "high", "2020-01-01", NULL};
    struct risk_area a;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(riskarea_create(fx->s, &fx->admin, &wuhan, &a, &err), 0);
    int64_t rounds[2] = {open_round(fx, CITY, -2, 3), open_round(fx, COUNTY, 0, 3)};
    static const char *origins[] = {NULL, "湖北省武汉市", "长沙", "420106"};
    static const int temps[] = {0, 0, 365, 368, 372, 373, 385, 401};
    char arrivals[21][11];
    for (int k = 0; k < 21; k++)
        date_offset(-k, arrivals[k]);
    rng_state = 0x9e3779b97f4a7c15ull;
    int ok = 0, refused = 0;
    for (int step = 1; step <= 400; step++) {
        int r = (int)rnd(2), h = (int)rnd(NHOUSES);
        struct visit_person_input p[NMEMBERS];
        int n = 0;
        for (int m = 0; m < fx->nmembers[h]; m++) {
            if (rnd(4) == 0)
                continue; /* not at home */
            struct visit_person_input *q = &p[n++];
            memset(q, 0, sizeof *q);
            q->person_id = fx->members[h][m];
            q->fever = rnd(6) == 0;
            q->cough = rnd(5) == 0;
            q->temperature_dc = temps[rnd(8)];
            q->returned_from_risk = rnd(6) == 0;
            q->origin = origins[rnd(4)];
            if (q->returned_from_risk || q->origin)
                q->arrival_date = arrivals[rnd(21)];
            q->contact_with_case = rnd(20) == 0;
        }
        struct visit v;
        int rc = record(fx, &fx->admin, rounds[r], h, p, n, &v, &err);
        int in_round = r == 0 || strncmp(fx->house_grid[h], COUNTY, 6) == 0;
        if (in_round) {
            if (rc != 0)
                fail_msg("step %d: %s", step, ep_error_message(&err, EP_LANG_EN));
            ok++;
        } else {
            assert_int_equal(rc, -EP_ERULE);
            refused++;
        }
        if (step % 100 == 0)
            check_oracle(fx);
    }
    assert_true(ok > 250 && refused > 50);
    /* One row per (round, household) visited; every other success left history. */
    int64_t visits = scalar(fx->s, "SELECT COUNT(*) FROM visits");
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM visit_history") + visits, ok);
    /* Every returnee points at an observation of that person; every febrile
     * person at an alert, a high one when they are also a returnee. */
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM visit_persons vp LEFT JOIN observations o"
                                   " ON o.id = vp.observation_id WHERE vp.returnee = 1"
                                   " AND (o.id IS NULL OR o.person_id <> vp.person_id)"),
                     0);
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM visit_persons vp LEFT JOIN alerts a"
                                   " ON a.id = vp.alert_id WHERE vp.febrile = 1 AND (a.id IS NULL"
                                   " OR (vp.returnee = 1 AND a.severity <> 'high'))"),
                     0);
    assert_true(scalar(fx->s, "SELECT COUNT(*) FROM visit_persons WHERE returnee = 1") > 0);
    assert_true(scalar(fx->s, "SELECT COUNT(*) FROM visit_persons WHERE febrile = 1") > 0);
    /* Denormalised per-visit sums agree with the persons rows. */
    assert_int_equal(scalar(fx->s, "SELECT COUNT(*) FROM visits v WHERE returnees <> (SELECT"
                                   " COUNT(*) FROM visit_persons p WHERE p.visit_id = v.id AND"
                                   " p.returnee = 1) OR fevers <> (SELECT COUNT(*) FROM"
                                   " visit_persons p WHERE p.visit_id = v.id AND p.febrile = 1)"),
                     0);
    /* Coverage at the city in round 1: visited households / households. */
    int64_t households, visited;
    assert_int_equal(screening_coverage(fx->s, CITY, rounds[0], &households, &visited, &err), 0);
    assert_int_equal(households, NHOUSES);
    assert_int_equal(visited, scalar(fx->s, "SELECT COUNT(*) FROM visits WHERE round_id ="
                                            " (SELECT MIN(id) FROM rounds)"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_visit_and_update, setup, teardown),
        cmocka_unit_test_setup_teardown(test_visit_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_visit_refs_outside_as_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_visit_answer_as_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_consequences, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotency, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counters_property, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
