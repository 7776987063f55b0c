/*
 * test_observation.c -- observations, health reports and the overdue sweep
 * on a temporary SQLite file with the seeded profile (14 days, 37.3 °C,
 * slots 08:00 and 16:00, 120 minutes of grace): opening (a table of bad
 * inputs and the field each must blame), the release rules and the health
 * override, report checks (slot, future, before start, temperature, scope,
 * no observation), replacement history and idempotency, the sweep at chosen
 * moments across midnight in +08:00, and a seeded random sequence of about a
 * thousand opens, reports, releases, acknowledgements and sweeps after which
 * every counter at every level equals observation_counters_rebuild() and
 * alert_counters_rebuild().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/alert.h"
#include "core/audit.h"
#include "core/counter.h"
#include "core/observation.h"
#include "core/person.h"
#include "core/profile.h"
#include "core/region.h"
#include "core/write.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/idcheck.h"
#include "util/timeutil.h"

#define CITY     "4311"
#define GRID_A   "431122101201001"
#define GRID_B   "431122101201002"
#define GRID_C   "431103001001001" /* another county */
#define NPERSONS 40

struct fixture {
    char path[64];
    struct store *s;
    struct auth_user admin_user, health_user, worker_user, other_user;
    struct actor admin, health, worker, other;
    int64_t persons[NPERSONS]; /* [0..19] GRID_A, [20..29] GRID_B, [30..39] GRID_C */
    int uuid_seq;
};

static void user(struct auth_user *u, int64_t id, const char *name, int role, const char *scope)
{
    memset(u, 0, sizeof *u);
    u->id = id;
    snprintf(u->username, sizeof u->username, "%s", name);
    u->role = role;
    snprintf(u->scope, sizeof u->scope, "%s", scope);
}

/* observation_end_step in a write of its own, as the case module runs it. */
static int end_obs(struct fixture *fx, const struct actor *who, int64_t id, const char *status,
                   const char *note, struct observation *out, struct ep_error *err)
{
    struct write w;
    int rc = write_begin(&w, fx->s, who, NULL, NULL, NULL, err);
    if (rc != 0)
        return rc;
    observation_end_step(&w, id, status, note, out);
    return write_end(&w, id);
}

static int64_t new_person(struct fixture *fx, const char *grid, int seq)
{
    char id[32];
    unsigned s3 = ((unsigned)seq * 2 + 1) % 1000;
    snprintf(id, sizeof id, "431122198506%02u%03u", 1 + (unsigned)seq % 28, s3);
    id[17] = idcheck_check_char(id);
    id[18] = '\0';
    char name[32];
    snprintf(name, sizeof name, "观察%d", seq);
    struct person_input in = {.name = name, .id_number = id, .grid_code = grid};
    struct person p;
    struct ep_error err;
    ep_error_clear(&err);
    if (person_create(fx->s, &fx->admin, &in, NULL, &p, &err) != 0)
        fail_msg("person %d: %s", seq, ep_error_message(&err, EP_LANG_EN));
    return p.id;
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct ep_error err;
    ep_error_clear(&err);
    snprintf(fx->path, sizeof fx->path, "/tmp/test_observation_XXXXXX");
    int fd = mkstemp(fx->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(&fx->s, fx->path, STORE_OPEN_CREATE, &err), 0);
    assert_int_equal(store_migrate(fx->s, NULL, &err), 0);
    static const char *regions[][2] = {
        {CITY, "永州市"},
        {"431122", "东安县"},
        {"431122101", "白牙市镇"},
        {"431122101201", "茶亭社区"},
        {GRID_A, "雍景园小区"},
        {GRID_B, "茶亭一组"},
        {"431103", "冷水滩区"},
        {"431103001", "梅湾街道"},
        {"431103001001", "梅湾社区"},
        {GRID_C, "梅湾一网格"},
    };
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
        assert_int_equal(region_create(fx->s, regions[i][0], regions[i][1], &err), 0);
    user(&fx->admin_user, 1, "admin_4311", ROLE_ADMIN, CITY);
    user(&fx->health_user, 2, "health_4311", ROLE_HEALTH, CITY);
    user(&fx->worker_user, 3, "worker_a", ROLE_GRID_WORKER, GRID_A);
    user(&fx->other_user, 4, "worker_c", ROLE_GRID_WORKER, GRID_C);
    fx->admin = (struct actor){&fx->admin_user, "test"};
    fx->health = (struct actor){&fx->health_user, "test"};
    fx->worker = (struct actor){&fx->worker_user, "test"};
    fx->other = (struct actor){&fx->other_user, "test"};
    for (int i = 0; i < NPERSONS; i++)
        fx->persons[i] = new_person(fx, i < 20 ? GRID_A : i < 30 ? GRID_B : GRID_C, i);
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

static int64_t count(struct fixture *fx, const char *code, const char *metric)
{
    int64_t v;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(counter_get(fx->s, code, metric, &v, &err), 0);
    return v;
}

static int64_t countf(struct fixture *fx, const char *code, const char *fmt, const char *arg)
{
    char metric[64];
    snprintf(metric, sizeof metric, fmt, arg);
    return count(fx, code, metric);
}

/* Unix time of HH:MM on day number "day" in China. */
static int64_t at(int64_t day, int hour, int minute)
{
    return day * 86400 + hour * 3600 + minute * 60 - TIME_CN_OFFSET_SECONDS;
}

static void date_of_day(int64_t day, char out[11])
{
    time_date_format(day, out);
}

/* Opens an observation with observation_open in a transaction at moment
 * "opened_unix" (0 = 00:00 of the start date); returns its id. */
static int64_t open_obs_at(struct fixture *fx, int person, const char *kind, const char *reason,
                           const char *start, int64_t opened_unix)
{
    int64_t start_day = 0;
    time_date_parse(start, &start_day);
    struct observation_open_input in = {fx->persons[person],
                                        kind,
                                        strcmp(kind, "centralized") == 0 ? "县宾馆" : NULL,
                                        reason,
                                        start,
                                        NULL,
                                        opened_unix ? opened_unix : at(start_day, 0, 0),
                                        NULL,
                                        NULL};
    int64_t id;
    int opened;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(store_begin(fx->s, &err), 0);
    if (observation_open(fx->s, &fx->admin, &in, &id, &opened, &err) != 0)
        fail_msg("open: %s", ep_error_message(&err, EP_LANG_EN));
    assert_int_equal(store_commit(fx->s, &err), 0);
    return id;
}

/* Opens an observation at 00:00 of its start date: every slot since is due. */
static int64_t open_obs(struct fixture *fx, int person, const char *kind, const char *reason,
                        const char *start)
{
    return open_obs_at(fx, person, kind, reason, start, 0);
}

/* Records a report under a fresh UUID; returns the rc and fills *out. */
static int report(struct fixture *fx, const struct actor *who, int person, const char *slot,
                  int temperature_dc, const char *symptom, int64_t now, struct health_report *out,
                  struct ep_error *err)
{
    char uuid[40];
    snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012d", ++fx->uuid_seq);
    struct idem_key key = {.uuid = uuid};
    snprintf(key.hash, sizeof key.hash, "%s|%d|%s", slot, temperature_dc, symptom ? symptom : "");
    struct health_report_input in = {.person_id = fx->persons[person],
                                     .slot = slot,
                                     .temperature_dc = temperature_dc,
                                     .nsymptoms = symptom ? 1 : 0,
                                     .now_unix = now};
    in.symptoms[0] = symptom;
    ep_error_clear(err);
    return observation_report_add(fx->s, who, &in, &key, out, err);
}

static int has_field(const struct ep_error *err, const char *field)
{
    for (int i = 0; i < err->nfields; i++)
        if (strcmp(err->fields[i].field, field) == 0)
            return 1;
    return 0;
}

/* Every non-zero counter as text. */
static char *counters_text(struct fixture *fx)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(fx->s,
                                          "SELECT code, metric, value FROM region_counters"
                                          " WHERE value <> 0 ORDER BY code, metric",
                                          &err);
    assert_non_null(st);
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "");
    while (store_step(st, &err) == STORE_ROW)
        buf_appendf(&b, "%s %s %lld\n", store_column_text(st, 0), store_column_text(st, 1),
                    (long long)store_column_int64(st, 2));
    store_stmt_reset(st);
    return buf_steal(&b);
}

static void assert_counters_match_oracle(struct fixture *fx)
{
    struct ep_error err;
    ep_error_clear(&err);
    char *live = counters_text(fx);
    assert_int_equal(store_begin(fx->s, &err), 0);
    assert_int_equal(observation_counters_rebuild(fx->s, &err), 0);
    assert_int_equal(alert_counters_rebuild(fx->s, &err), 0);
    char *oracle = counters_text(fx);
    store_rollback(fx->s);
    assert_string_equal(live, oracle);
    free(live);
    free(oracle);
}

static int64_t alerts_with_rule(struct fixture *fx, const char *rule)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st =
        store_prepare(fx->s, "SELECT count(*) FROM alerts WHERE rule = ?", &err);
    store_bind_text(st, 1, rule);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    int64_t n = store_column_int64(st, 0);
    store_stmt_reset(st);
    return n;
}

/* ---- opening ------------------------------------------------------------ */

static void open_checks_every_field_and_counts(void **state)
{
    struct fixture *fx = *state;
    char today[11], future[11], start[11];
    date_of_day(time_today_cn(), today);
    date_of_day(time_today_cn() + 1, future);
    date_of_day(time_today_cn() - 3, start);
    const struct {
        int64_t person; /* 0 = fx->persons[0], -1 = none, -2 = unknown */
        const char *kind, *site, *reason, *start;
        int64_t opened;
        const char *field;
    } cases[] = {
        {0, "tent", NULL, "travel", "T", 0, "kind"},
        {0, NULL, NULL, "travel", "T", 0, "kind"},
        {0, "home", NULL, "holiday", "T", 0, "reason"},
        {0, "home", NULL, NULL, "T", 0, "reason"},
        {0, "centralized", NULL, "contact", "T", 0, "site"},
        {0, "centralized", "  ", "contact", "T", 0, "site"},
        {0, "home", NULL, "travel", "F", 0, "start_date"},
        {0, "home", NULL, "travel", "2026-02-30", 0, "start_date"},
        {0, "home", NULL, "travel", NULL, 0, "start_date"},
        {-1, "home", NULL, "travel", "T", 0, "person_id"},
        {-2, "home", NULL, "travel", "T", 0, "person_id"},
        {0, "home", NULL, "travel", "T", (int64_t)time(NULL) + 3600, "opened_at"},
        {0, "home", NULL, "travel", "T", -1, "opened_at"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *s = cases[i].start;
        if (s && strcmp(s, "T") == 0)
            s = today;
        else if (s && strcmp(s, "F") == 0)
            s = future;
        struct observation_open_input in = {cases[i].person == 0    ? fx->persons[0]
                                            : cases[i].person == -1 ? 0
                                                                    : 999999,
                                            cases[i].kind,
                                            cases[i].site,
                                            cases[i].reason,
                                            s,
                                            NULL,
                                            cases[i].opened,
                                            NULL,
                                            NULL};
        int64_t id;
        int opened;
        struct ep_error err;
        ep_error_clear(&err);
        /* A person that does not exist, alone, is a reference not found. */
        assert_int_equal(observation_open(fx->s, &fx->admin, &in, &id, &opened, &err),
                         cases[i].person == -2 ? -EP_ENOTFOUND : -EP_EINVAL);
        if (!has_field(&err, cases[i].field))
            fail_msg("case %zu: field %s expected", i, cases[i].field);
        assert_int_equal(opened, 0);
    }
    assert_int_equal(count(fx, CITY, "obs_active.home"), 0);

    int64_t id = open_obs(fx, 0, "home", "travel", start);
    struct observation o;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(observation_get(fx->s, CITY, id, &o, &err), 0);
    char end[11];
    date_of_day(time_today_cn() - 3 + 14, end);
    assert_string_equal(o.planned_end, end);
    assert_string_equal(o.status, "active");
    assert_string_equal(o.grid_code, GRID_A);
    assert_string_equal(o.person_name, "观察0");
    assert_int_equal(count(fx, GRID_A, "obs_active.home"), 1);
    assert_int_equal(count(fx, CITY, "obs_active.home"), 1);
    assert_int_equal(countf(fx, "431122", "obs_new.%s", start), 1);
    /* A second open for the same person is a no-op returning the first. */
    int64_t again;
    int opened = 1;
    struct observation_open_input dup = {fx->persons[0], "medical", NULL, "fever", today,
                                         "visit:9",      0,         NULL, NULL};
    ep_error_clear(&err);
    assert_int_equal(store_begin(fx->s, &err), 0);
    assert_int_equal(observation_open(fx->s, &fx->admin, &dup, &again, &opened, &err), 0);
    assert_int_equal(store_commit(fx->s, &err), 0);
    assert_int_equal(again, id);
    assert_int_equal(opened, 0);
    assert_int_equal(count(fx, CITY, "obs_active.medical"), 0);
    /* Through the API's call: 409, and nothing outside the caller's scope. */
    ep_error_clear(&err);
    assert_int_equal(observation_create(fx->s, &fx->admin, &dup, NULL, &o, &err), -EP_ECONFLICT);
    struct observation_open_input far = {
        fx->persons[30], "home", NULL, "travel", today, NULL, 0, NULL, NULL};
    ep_error_clear(&err);
    assert_int_equal(observation_create(fx->s, &fx->worker, &far, NULL, &o, &err), -EP_ENOTFOUND);
    assert_true(has_field(&err, "person_id"));
    assert_int_equal(count(fx, GRID_C, "obs_active.home"), 0);
    ep_error_clear(&err);
    assert_int_equal(observation_create(fx->s, &fx->other, &far, NULL, &o, &err), 0);
    assert_string_equal(o.grid_code, GRID_C);
    assert_string_equal(o.created_by, "worker_c");
    /* Idempotent create: same key, same body -> the first result. */
    struct idem_key key = {.uuid = "11111111-2222-4333-8444-555555555555", .hash = "h1"};
    struct observation_open_input c = {
        fx->persons[21], "centralized", "县宾馆", "contact", today, NULL, 0, NULL, NULL};
    ep_error_clear(&err);
    assert_int_equal(observation_create(fx->s, &fx->admin, &c, &key, &o, &err), 0);
    int64_t first = o.id;
    assert_int_equal(key.replayed, 0);
    ep_error_clear(&err);
    assert_int_equal(observation_create(fx->s, &fx->admin, &c, &key, &o, &err), 0);
    assert_int_equal(key.replayed, 1);
    assert_int_equal(o.id, first);
    assert_int_equal(count(fx, CITY, "obs_active.centralized"), 1);
    assert_counters_match_oracle(fx);
}

/* ---- release ------------------------------------------------------------ */

static void release_needs_the_end_date_and_a_normal_last_report(void **state)
{
    struct fixture *fx = *state;
    int64_t today = time_today_cn();
    char start_old[11], start_new[11], today_text[11], slot[17];
    date_of_day(today - 20, start_old);
    date_of_day(today - 1, start_new);
    date_of_day(today, today_text);
    int64_t young = open_obs(fx, 1, "home", "travel", start_new);
    int64_t old = open_obs(fx, 2, "medical", "fever", start_old);
    struct observation_release_input plain = {"期满", NULL, NULL};
    struct observation o;
    struct ep_error err;
    struct health_report r;

    /* Not yet at the planned end, even with normal reports. */
    snprintf(slot, sizeof slot, "%.10sT08:00", start_new);
    assert_int_equal(report(fx, &fx->admin, 1, slot, 365, NULL, 0, &r, &err), 0);
    ep_error_clear(&err);
    assert_int_equal(observation_release(fx->s, &fx->admin, young, &plain, &o, &err), -EP_ERULE);
    assert_non_null(strstr(ep_error_message(&err, EP_LANG_EN), "not over"));

    /* Past the end but no report at all. */
    ep_error_clear(&err);
    assert_int_equal(observation_release(fx->s, &fx->admin, old, &plain, &o, &err), -EP_ERULE);
    assert_non_null(strstr(ep_error_message(&err, EP_LANG_EN), "no health report"));

    /* The last report was abnormal (an earlier normal one does not help). */
    date_of_day(today - 2, slot);
    snprintf(slot + 10, sizeof slot - 10, "T08:00");
    assert_int_equal(report(fx, &fx->admin, 2, slot, 366, NULL, 0, &r, &err), 0);
    snprintf(slot + 10, sizeof slot - 10, "T16:00");
    assert_int_equal(report(fx, &fx->admin, 2, slot, 366, "cough", 0, &r, &err), 0);
    ep_error_clear(&err);
    assert_int_equal(observation_release(fx->s, &fx->admin, old, &plain, &o, &err), -EP_ERULE);
    assert_non_null(strstr(ep_error_message(&err, EP_LANG_EN), "abnormal"));
    assert_int_equal(count(fx, CITY, "obs_active.medical"), 1);

    /* A later normal report: released. */
    date_of_day(today - 1, slot);
    snprintf(slot + 10, sizeof slot - 10, "T08:00");
    assert_int_equal(report(fx, &fx->admin, 2, slot, 362, NULL, 0, &r, &err), 0);
    ep_error_clear(&err);
    assert_int_equal(observation_release(fx->s, &fx->worker, old, &plain, &o, &err), 0);
    assert_string_equal(o.status, "released");
    assert_string_equal(o.release_note, "期满");
    assert_string_equal(o.override_by, "");
    assert_int_equal(count(fx, CITY, "obs_active.medical"), 0);
    assert_int_equal(countf(fx, GRID_A, "obs_released.%s", today_text), 1);
    ep_error_clear(&err);
    assert_int_equal(observation_release(fx->s, &fx->admin, old, &plain, &o, &err), -EP_ECONFLICT);

    /* Early release: only the health role, with a reason. */
    struct observation_release_input early = {NULL, "核酸阴性,专家会商同意", NULL};
    ep_error_clear(&err);
    assert_int_equal(observation_release(fx->s, &fx->admin, young, &early, &o, &err),
                     -EP_EFORBIDDEN);
    struct observation_release_input blank = {NULL, " ", NULL};
    ep_error_clear(&err);
    assert_int_equal(observation_release(fx->s, &fx->health, young, &blank, &o, &err), -EP_EINVAL);
    assert_true(has_field(&err, "override_reason"));
    /* Outside the caller's scope the observation does not exist. */
    ep_error_clear(&err);
    assert_int_equal(observation_release(fx->s, &fx->other, young, &plain, &o, &err),
                     -EP_ENOTFOUND);
    ep_error_clear(&err);
    assert_int_equal(observation_release(fx->s, &fx->health, young, &early, &o, &err), 0);
    assert_string_equal(o.override_by, "health_4311");
    assert_string_equal(o.override_reason, "核酸阴性,专家会商同意");
    assert_int_equal(countf(fx, CITY, "obs_released.%s", today_text), 2);
    assert_int_equal(count(fx, CITY, "obs_active.home"), 0);

    /* Converted to a case: ends without counting as released. */
    int64_t third = open_obs(fx, 3, "home", "contact", start_new);
    ep_error_clear(&err);
    assert_int_equal(end_obs(fx, &fx->health, third, "released", NULL, &o, &err), -EP_EINVAL);
    ep_error_clear(&err);
    assert_int_equal(end_obs(fx, &fx->health, third, "converted", "确诊", &o, &err), 0);
    assert_string_equal(o.status, "converted");
    assert_int_equal(countf(fx, CITY, "obs_released.%s", today_text), 2);
    assert_int_equal(count(fx, CITY, "obs_active.home"), 0);
    /* The person can be placed under observation again. */
    open_obs(fx, 3, "home", "contact", today_text);
    assert_int_equal(count(fx, CITY, "obs_active.home"), 1);
    assert_counters_match_oracle(fx);
}

/* ---- reports ------------------------------------------------------------ */

static void report_checks_slot_temperature_scope_and_observation(void **state)
{
    struct fixture *fx = *state;
    int64_t today = time_today_cn();
    char start[11];
    date_of_day(today - 2, start);
    open_obs(fx, 0, "home", "travel", start);
    open_obs(fx, 30, "home", "travel", start); /* GRID_C */
    int64_t now = at(today - 1, 12, 0);
    char d1[17], d2[17];
    struct health_report r;
    struct ep_error err;
    static const struct {
        int person;
        const char *slot;
        int temperature;
        const char *symptom;
        int rc;
        const char *field;
    } cases[] = {
        {0, "D1T08:30", 365, NULL, -EP_EINVAL, "slot"}, /* not a report time */
        {0, "D1T16:00", 365, NULL, -EP_EINVAL, "slot"}, /* in the future at 12:00 */
        {0, "D3T16:00", 365, NULL, -EP_EINVAL, "slot"}, /* before the start */
        {0, "D1 08:00", 365, NULL, -EP_EINVAL, "slot"}, /* syntax */
        {0, "D1T08:00", 600, NULL, -EP_EINVAL, "temperature"},
        {0, "D1T08:00", 339, NULL, -EP_EINVAL, "temperature"},
        {0, "D1T08:00", 365, "sneeze", -EP_EINVAL, "symptoms"},
        {5, "D1T08:00", 365, NULL, -EP_ERULE, "person_id"},      /* no active observation */
        {30, "D1T08:00", 365, NULL, -EP_ENOTFOUND, "person_id"}, /* outside the worker's grid */
        {35, "D1T08:00", 365, NULL, -EP_ENOTFOUND, "person_id"}, /* outside, not observed */
    };
    char before[17];
    date_of_day(today - 3, before);
    date_of_day(today - 1, d1);
    date_of_day(today - 2, d2);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char slot[32];
        const char *day = cases[i].slot[1] == '1' ? d1 : before;
        snprintf(slot, sizeof slot, "%.10s%s", day, cases[i].slot + 2);
        int rc = report(fx, &fx->worker, cases[i].person, slot, cases[i].temperature,
                        cases[i].symptom, now, &r, &err);
        if (rc != cases[i].rc)
            fail_msg("case %zu: rc %d, expected %d (%s)", i, rc, cases[i].rc,
                     ep_error_message(&err, EP_LANG_EN));
        if (cases[i].field && !has_field(&err, cases[i].field))
            fail_msg("case %zu: field %s expected", i, cases[i].field);
    }
    /* An unknown person. */
    struct health_report_input in = {
        .person_id = 424242, .slot = "2026-01-01T08:00", .temperature_dc = 365};
    struct idem_key key = {.uuid = "00000000-0000-4000-8000-999999999999", .hash = "x"};
    ep_error_clear(&err);
    assert_int_equal(observation_report_add(fx->s, &fx->admin, &in, &key, &r, &err), -EP_ENOTFOUND);
    assert_true(has_field(&err, "person_id"));
    /* A person outside the scope is answered exactly as one that does not
     * exist: the same message but for the id, no name, no jurisdiction. */
    char missing[2 * EP_ERROR_MSG_MAX], outside[2 * EP_ERROR_MSG_MAX], want[2 * EP_ERROR_MSG_MAX];
    snprintf(missing, sizeof missing, "%s|%s", ep_error_message(&err, EP_LANG_ZH),
             err.fields[0].msg[EP_LANG_EN]);
    char slot30[32];
    snprintf(slot30, sizeof slot30, "%.10sT08:00", d1);
    assert_int_equal(report(fx, &fx->worker, 30, slot30, 365, NULL, now, &r, &err), -EP_ENOTFOUND);
    snprintf(outside, sizeof outside, "%s|%s", ep_error_message(&err, EP_LANG_ZH),
             err.fields[0].msg[EP_LANG_EN]);
    snprintf(want, sizeof want, "所引用的记录不存在|person %lld not found",
             (long long)fx->persons[30]);
    assert_string_equal(outside, want);
    snprintf(want, sizeof want, "所引用的记录不存在|person %lld not found", (long long)424242);
    assert_string_equal(missing, want);
    /* No client UUID. */
    ep_error_clear(&err);
    assert_int_equal(observation_report_add(fx->s, &fx->admin, &in, NULL, &r, &err), -EP_EINVAL);
    assert_true(has_field(&err, "client_uuid"));
    /* Nothing was written by any of these. */
    assert_int_equal(countf(fx, CITY, "reports.%s", d1), 0);
    /* The start day's slots are fine, also for a slot reported days later:
     * the report counts on the day it was received (d1), not its slot's. */
    snprintf(d2 + 10, sizeof d2 - 10, "T08:00");
    assert_int_equal(report(fx, &fx->worker, 0, d2, 372, NULL, now, &r, &err), 0);
    assert_int_equal(r.abnormal, 0);
    assert_int_equal(r.alert_id, 0);
    assert_int_equal(countf(fx, GRID_A, "reports.%s", d1), 1);
    assert_int_equal(countf(fx, GRID_A, "reports.%.10s", d2), 0);
    assert_int_equal(countf(fx, GRID_A, "reports_abnormal.%s", d1), 0);
    /* 37.3 is fever under the profile: abnormal at once, high for travel. */
    snprintf(d2 + 10, sizeof d2 - 10, "T16:00");
    assert_int_equal(report(fx, &fx->worker, 0, d2, 373, NULL, now, &r, &err), 0);
    assert_int_equal(r.abnormal, 1);
    assert_true(r.alert_id > 0);
    struct alert a;
    ep_error_clear(&err);
    assert_int_equal(alert_get(fx->s, CITY, r.alert_id, &a, &err), 0);
    assert_string_equal(a.rule, "report_abnormal");
    assert_int_equal(a.severity, ALERT_HIGH);
    assert_int_equal(a.person_id, fx->persons[0]);
    assert_non_null(strstr(a.title_zh, "37.3℃"));
    assert_int_equal(countf(fx, CITY, "reports.%s", d1), 2);
    assert_int_equal(countf(fx, CITY, "reports_abnormal.%s", d1), 1);
    assert_int_equal(countf(fx, CITY, "reports_abnormal.%.10s", d2), 0);
    assert_int_equal(count(fx, CITY, "alerts_open.high"), 1);
    /* The 08:00 report replaced today: it leaves d1 for today. */
    char today_text[11];
    date_of_day(today, today_text);
    snprintf(d2 + 10, sizeof d2 - 10, "T08:00");
    assert_int_equal(report(fx, &fx->worker, 0, d2, 366, NULL, 0, &r, &err), 0);
    assert_true(r.replaces > 0);
    assert_int_equal(countf(fx, CITY, "reports.%s", d1), 1);
    assert_int_equal(countf(fx, CITY, "reports.%s", today_text), 1);
    assert_int_equal(countf(fx, CITY, "reports_abnormal.%s", today_text), 0);
    assert_counters_match_oracle(fx);
}

struct report_rows {
    int n;
    struct health_report r[8];
};

static int collect_report(const struct health_report *r, void *ctx)
{
    struct report_rows *rows = ctx;
    if (rows->n < 8)
        rows->r[rows->n] = *r;
    rows->n++;
    return 0;
}

static void a_second_report_for_a_slot_replaces_the_first_and_keeps_it(void **state)
{
    struct fixture *fx = *state;
    int64_t today = time_today_cn();
    char start[11], received[11], slot[17];
    date_of_day(today - 1, start);
    date_of_day(today, received); /* reported now: today's reports */
    int64_t obs = open_obs(fx, 25, "home", "other", start);
    snprintf(slot, sizeof slot, "%.10sT08:00", start);
    struct health_report_input in = {
        .person_id = fx->persons[25], .slot = slot, .temperature_dc = 364, .nsymptoms = 0};
    struct idem_key k1 = {.uuid = "aaaaaaaa-0000-4000-8000-000000000001", .hash = "body-1"};
    struct health_report r1, r;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(observation_report_add(fx->s, &fx->worker, &in, &k1, &r1, &err),
                     -EP_ENOTFOUND); /* GRID_B is not the worker's: not found */
    ep_error_clear(&err);
    assert_int_equal(observation_report_add(fx->s, &fx->admin, &in, &k1, &r1, &err), 0);
    /* The same UUID and body: the first result, nothing new. */
    ep_error_clear(&err);
    assert_int_equal(observation_report_add(fx->s, &fx->admin, &in, &k1, &r, &err), 0);
    assert_int_equal(k1.replayed, 1);
    assert_int_equal(r.id, r1.id);
    /* The same UUID with another body: 409. */
    struct idem_key k1b = {.uuid = "AAAAAAAA-0000-4000-8000-000000000001", .hash = "body-2"};
    ep_error_clear(&err);
    assert_int_equal(observation_report_add(fx->s, &fx->admin, &in, &k1b, &r, &err), -EP_ECONFLICT);
    /* A new UUID for the same slot: replaces; abnormal now (medium: "other"). */
    in.temperature_dc = 381;
    in.symptoms[0] = "cough";
    in.symptoms[1] = "fatigue";
    in.nsymptoms = 2;
    struct idem_key k2 = {.uuid = "aaaaaaaa-0000-4000-8000-000000000002", .hash = "body-3"};
    struct health_report r2;
    ep_error_clear(&err);
    assert_int_equal(observation_report_add(fx->s, &fx->admin, &in, &k2, &r2, &err), 0);
    assert_int_equal(r2.replaces, r1.id);
    assert_int_equal(r2.abnormal, 1);
    assert_string_equal(r2.symptoms, "[\"cough\",\"fatigue\"]");
    struct alert a;
    ep_error_clear(&err);
    assert_int_equal(alert_get(fx->s, CITY, r2.alert_id, &a, &err), 0);
    assert_int_equal(a.severity, ALERT_MEDIUM);
    assert_non_null(strstr(a.title_zh, "咳嗽、乏力"));
    assert_int_equal(countf(fx, CITY, "reports.%s", received), 1);
    assert_int_equal(countf(fx, CITY, "reports_abnormal.%s", received), 1);
    /* A third, normal again: the abnormal count goes back, history keeps all. */
    in.temperature_dc = 365;
    in.nsymptoms = 0;
    struct idem_key k3 = {.uuid = "aaaaaaaa-0000-4000-8000-000000000003", .hash = "body-4"};
    struct health_report r3;
    ep_error_clear(&err);
    assert_int_equal(observation_report_add(fx->s, &fx->admin, &in, &k3, &r3, &err), 0);
    assert_int_equal(countf(fx, CITY, "reports.%s", received), 1);
    assert_int_equal(countf(fx, CITY, "reports_abnormal.%s", received), 0);
    struct report_rows rows = {0};
    ep_error_clear(&err);
    assert_int_equal(observation_reports_list(fx->s, obs, collect_report, &rows, &err), 0);
    assert_int_equal(rows.n, 3);
    assert_int_equal(rows.r[0].replaced_by, r2.id);
    assert_int_equal(rows.r[1].replaced_by, r3.id);
    assert_int_equal(rows.r[2].replaced_by, 0);
    assert_int_equal(rows.r[2].replaces, r2.id);
    /* Replaying the first key still answers with the first report. */
    ep_error_clear(&err);
    in.temperature_dc = 364;
    assert_int_equal(observation_report_add(fx->s, &fx->admin, &in, &k1, &r, &err), 0);
    assert_int_equal(r.id, r1.id);
    assert_int_equal(r.replaced_by, r2.id);
    assert_int_equal(alerts_with_rule(fx, "report_abnormal"), 1);
    assert_counters_match_oracle(fx);
}

/* ---- overdue ------------------------------------------------------------ */

static struct observation_sweep_result sweep(struct fixture *fx, int64_t when)
{
    struct observation_sweep_result res = {0};
    struct ep_error err;
    ep_error_clear(&err);
    if (observation_sweep(fx->s, when, &res, &err) != 0)
        fail_msg("sweep: %s", ep_error_message(&err, EP_LANG_EN));
    return res;
}

struct obs_rows {
    int n;
    struct observation o[4];
};

static int collect_obs(const struct observation *o, void *ctx)
{
    struct obs_rows *rows = ctx;
    if (rows->n < 4)
        rows->o[rows->n] = *o;
    rows->n++;
    return 0;
}

static struct obs_rows overdue_in(struct fixture *fx, const char *scope)
{
    struct obs_rows rows = {0};
    struct observation_filter f = {.scope = scope, .status = "overdue", .limit = 10};
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(observation_list(fx->s, &f, collect_obs, &rows, &err), 0);
    return rows;
}

static void overdue_follows_the_slots_across_midnight(void **state)
{
    struct fixture *fx = *state;
    int64_t d = time_today_cn() - 3;
    char day[11], next[11], slot[17];
    date_of_day(d, day);
    date_of_day(d + 1, next);
    int64_t obs = open_obs(fx, 4, "home", "travel", day);
    open_obs(fx, 6, "home", "travel", next); /* starts the next day */
    struct observation_sweep_result res;

    res = sweep(fx, at(d, 9, 59)); /* 08:00 slot still within its 120 minutes */
    assert_int_equal(res.opened, 0);
    assert_int_equal(count(fx, CITY, "overdue_now"), 0);
    res = sweep(fx, at(d, 10, 0));
    assert_int_equal(res.opened, 1);
    assert_int_equal(count(fx, GRID_A, "overdue_now"), 1);
    assert_int_equal(count(fx, CITY, "overdue_now"), 1);
    assert_int_equal(alerts_with_rule(fx, "report_overdue"), 1);
    struct obs_rows rows = overdue_in(fx, CITY);
    assert_int_equal(rows.n, 1);
    assert_int_equal(rows.o[0].id, obs);
    snprintf(slot, sizeof slot, "%sT08:00", day);
    assert_string_equal(rows.o[0].overdue_slot, slot);
    assert_int_equal(overdue_in(fx, GRID_C).n, 0);
    /* Sweeping again changes nothing. */
    res = sweep(fx, at(d, 11, 30));
    assert_int_equal(res.opened + res.closed, 0);
    assert_int_equal(alerts_with_rule(fx, "report_overdue"), 1);
    /* 16:30: a new slot in its grace period; the old row is no longer current. */
    res = sweep(fx, at(d, 16, 30));
    assert_int_equal(res.closed, 1);
    assert_int_equal(res.opened, 0);
    assert_int_equal(count(fx, CITY, "overdue_now"), 0);
    /* 01:00 after midnight: still the 16:00 slot of the day before, overdue;
     * the observation starting that new day is not due for it. */
    res = sweep(fx, at(d + 1, 1, 0));
    assert_int_equal(res.opened, 1);
    rows = overdue_in(fx, CITY);
    assert_int_equal(rows.n, 1);
    snprintf(slot, sizeof slot, "%sT16:00", day);
    assert_string_equal(rows.o[0].overdue_slot, slot);
    /* The alert's dedup key names the slot's own day and index. */
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(alerts_with_rule(fx, "report_overdue"), 2);
    struct store_stmt *st =
        store_prepare(fx->s, "SELECT count(*) FROM alerts WHERE dedup_key = ?", &err);
    char key[64];
    snprintf(key, sizeof key, "report_overdue:%lld:%s#1", (long long)obs, day);
    store_bind_text(st, 1, key);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    assert_int_equal(store_column_int64(st, 0), 1);
    store_stmt_reset(st);
    /* A late report for that slot closes it. */
    struct health_report r;
    assert_int_equal(report(fx, &fx->worker, 4, slot, 365, NULL, at(d + 1, 1, 30), &r, &err), 0);
    assert_int_equal(count(fx, CITY, "overdue_now"), 0);
    assert_int_equal(overdue_in(fx, CITY).n, 0);
    res = sweep(fx, at(d + 1, 2, 0));
    assert_int_equal(res.opened, 0);
    /* 10:00 the next day: both are due for the 08:00 slot. */
    res = sweep(fx, at(d + 1, 10, 0));
    assert_int_equal(res.opened, 2);
    assert_int_equal(count(fx, GRID_A, "overdue_now"), 2);
    assert_int_equal(count(fx, "431122", "overdue_now"), 2);
    /* Releasing ends it. */
    struct observation o;
    struct observation_release_input early = {NULL, "转院", NULL};
    ep_error_clear(&err);
    assert_int_equal(observation_release(fx->s, &fx->health, obs, &early, &o, &err), 0);
    assert_int_equal(count(fx, CITY, "overdue_now"), 1);
    assert_counters_match_oracle(fx);
}

/* The due rule: a slot is owed only if the observation was open when the
 * slot started.  Opened at 20:25, the day's 16:00 slot (past its grace) is
 * not overdue, before or after midnight; the next 08:00 is.  Opened at the
 * slot's very start it is owed, one second later it is not. */
static void a_slot_that_started_before_the_opening_is_not_due(void **state)
{
    struct fixture *fx = *state;
    int64_t d = time_today_cn() - 2;
    char day[11], next[11], slot[17];
    date_of_day(d, day);
    date_of_day(d + 1, next);
    int64_t evening = open_obs_at(fx, 7, "home", "travel", day, at(d, 20, 25));
    struct observation o;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(observation_get(fx->s, CITY, evening, &o, &err), 0);
    char opened[32];
    time_iso_from_unix((time_t)at(d, 20, 25), opened);
    assert_string_equal(o.opened_at, opened);

    struct observation_sweep_result res = sweep(fx, at(d, 20, 30));
    assert_int_equal(res.opened, 0);
    res = sweep(fx, at(d + 1, 1, 0)); /* still the 16:00 slot */
    assert_int_equal(res.opened, 0);
    assert_int_equal(count(fx, CITY, "overdue_now"), 0);
    assert_int_equal(alerts_with_rule(fx, "report_overdue"), 0);
    /* A report for that slot is still accepted: history, not a debt. */
    struct health_report r;
    snprintf(slot, sizeof slot, "%sT16:00", day);
    assert_int_equal(report(fx, &fx->worker, 7, slot, 365, NULL, at(d + 1, 1, 5), &r, &err), 0);
    /* The next morning's slot is owed. */
    res = sweep(fx, at(d + 1, 10, 0));
    assert_int_equal(res.opened, 1);
    struct obs_rows rows = overdue_in(fx, CITY);
    assert_int_equal(rows.n, 1);
    assert_int_equal(rows.o[0].id, evening);
    snprintf(slot, sizeof slot, "%sT08:00", next);
    assert_string_equal(rows.o[0].overdue_slot, slot);

    /* At the slot's start exactly: owed; a second later: not. */
    int64_t sharp = open_obs_at(fx, 8, "home", "travel", next, at(d + 1, 16, 0));
    int64_t late = open_obs_at(fx, 9, "home", "travel", next, at(d + 1, 16, 0) + 1);
    res = sweep(fx, at(d + 1, 18, 0));
    assert_int_equal(res.closed, 1); /* the 08:00 row is no longer current */
    assert_int_equal(res.opened, 2); /* "evening" and "sharp" */
    rows = overdue_in(fx, CITY);
    assert_int_equal(rows.n, 2);
    for (int i = 0; i < rows.n; i++)
        assert_true(rows.o[i].id == evening || rows.o[i].id == sharp);
    assert_int_equal(count(fx, GRID_A, "overdue_now"), 2);
    /* The day after, every one of them owes the 08:00 slot. */
    res = sweep(fx, at(d + 2, 10, 0));
    assert_int_equal(res.opened, 3);
    rows = overdue_in(fx, CITY);
    assert_int_equal(rows.n, 3);
    assert_true(rows.o[0].id == late || rows.o[1].id == late || rows.o[2].id == late);
    assert_int_equal(count(fx, CITY, "overdue_now"), 3);
    assert_counters_match_oracle(fx);
}

/* Opened before a slot starts -- even with a start date days earlier (a
 * contact traced late) -- the slot is owed once its grace has passed. */
static void a_slot_that_started_after_the_opening_is_due(void **state)
{
    struct fixture *fx = *state;
    int64_t d = time_today_cn() - 2;
    char day[11], earlier[11], slot[17];
    date_of_day(d, day);
    date_of_day(d - 5, earlier);
    int64_t afternoon = open_obs_at(fx, 10, "home", "travel", day, at(d, 15, 59));
    int64_t traced = open_obs_at(fx, 11, "medical", "contact", earlier, at(d, 7, 0));
    struct observation_sweep_result res = sweep(fx, at(d, 10, 0));
    assert_int_equal(res.opened, 1); /* "traced", for 08:00 */
    struct obs_rows rows = overdue_in(fx, CITY);
    assert_int_equal(rows.n, 1);
    assert_int_equal(rows.o[0].id, traced);
    res = sweep(fx, at(d, 17, 59)); /* 16:00 within its grace */
    assert_int_equal(res.opened, 0);
    assert_int_equal(res.closed, 1);
    res = sweep(fx, at(d, 18, 0));
    assert_int_equal(res.opened, 2);
    rows = overdue_in(fx, CITY);
    assert_int_equal(rows.n, 2);
    snprintf(slot, sizeof slot, "%sT16:00", day);
    for (int i = 0; i < rows.n; i++) {
        assert_true(rows.o[i].id == afternoon || rows.o[i].id == traced);
        assert_string_equal(rows.o[i].overdue_slot, slot);
    }
    assert_int_equal(count(fx, CITY, "overdue_now"), 2);
    assert_int_equal(alerts_with_rule(fx, "report_overdue"), 3);
    assert_counters_match_oracle(fx);
}

static void a_sweep_opens_a_bounded_batch_and_says_more(void **state)
{
    struct fixture *fx = *state;
    int64_t d = time_today_cn() - 1;
    char day[11];
    date_of_day(d, day);
    struct ep_error err;
    ep_error_clear(&err);
    enum { N = OBSERVATION_SWEEP_SCAN + 1 };
    assert_int_equal(store_begin(fx->s, &err), 0);
    for (int i = 0; i < N; i++) {
        int64_t person = new_person(fx, GRID_B, 1000 + i);
        struct observation_open_input in = {person, "home",      NULL, "travel", day,
                                            NULL,   at(d, 0, 0), NULL, NULL};
        int64_t id;
        int opened;
        assert_int_equal(observation_open(fx->s, &fx->admin, &in, &id, &opened, &err), 0);
    }
    assert_int_equal(store_commit(fx->s, &err), 0);
    /* A fresh sweep opens one batch and says more. */
    struct observation_sweep_result res = sweep(fx, at(d, 12, 0));
    assert_int_equal(res.opened, OBSERVATION_SWEEP_BATCH);
    assert_int_equal(res.more, 1);
    /* Handing the result back goes on after it: every call one batch at most. */
    int calls = 0, opened = res.opened;
    while (res.more) {
        assert_int_equal(observation_sweep(fx->s, at(d, 12, 1), &res, &err), 0);
        assert_true(res.opened <= OBSERVATION_SWEEP_BATCH);
        opened += res.opened;
        calls++;
    }
    assert_int_equal(calls, (N + OBSERVATION_SWEEP_BATCH - 1) / OBSERVATION_SWEEP_BATCH - 1);
    assert_int_equal(res.stale_done, 1); /* nothing to close: looked once */
    assert_int_equal(opened, N);
    assert_int_equal(count(fx, GRID_B, "overdue_now"), N);
    /* A fresh sweep again finds nothing left to open, looking at no more
     * than OBSERVATION_SWEEP_SCAN observations a call: N of them take two. */
    res = sweep(fx, at(d, 12, 2));
    assert_int_equal(res.opened, 0);
    assert_int_equal(res.more, 1);
    assert_int_equal(observation_sweep(fx->s, at(d, 12, 2), &res, &err), 0);
    assert_int_equal(res.opened, 0);
    assert_int_equal(res.more, 0);
    /* The next slot: the stale rows are closed in batches too, then the new
     * slot's are opened. */
    res = sweep(fx, at(d, 23, 0));
    assert_int_equal(res.closed, OBSERVATION_SWEEP_BATCH);
    assert_int_equal(res.opened, 0);
    assert_int_equal(res.more, 1);
    int closed = res.closed;
    opened = 0;
    while (res.more) {
        assert_int_equal(observation_sweep(fx->s, at(d, 23, 1), &res, &err), 0);
        assert_true(res.opened + res.closed <= OBSERVATION_SWEEP_BATCH);
        closed += res.closed;
        opened += res.opened;
    }
    assert_int_equal(closed, N);
    assert_int_equal(opened, N);
    assert_int_equal(res.stale_done, 1);
    assert_int_equal(count(fx, GRID_B, "overdue_now"), N);
    assert_counters_match_oracle(fx);
}

/* Each call of a sweep goes on after the last one's observation: the walk
 * must come out of an index in id order, not a read and a sort of every
 * active observation per call (7 s of the writer for a city of 20,000,
 * issue 20). */
static void the_sweep_walks_active_observations_in_id_order(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(
        fx->s,
        "EXPLAIN QUERY PLAN SELECT o.id FROM observations o"
        " WHERE o.status = 'active' AND o.id > ? AND o.start_date <= ? ORDER BY o.id LIMIT ?",
        &err);
    assert_non_null(st);
    char plan[512] = "";
    while (store_step(st, &err) == STORE_ROW) {
        size_t n = strlen(plan);
        snprintf(plan + n, sizeof plan - n, "%s;", store_column_text(st, 3));
    }
    store_stmt_reset(st);
    print_message("plan: %s\n", plan);
    assert_non_null(strstr(plan, "observations_status_id (status=? AND id>?)"));
    assert_null(strstr(plan, "TEMP B-TREE"));
}

/* ---- the property: counters equal the oracle ---------------------------- */

static unsigned next_rand(unsigned *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) & 0x7fff;
}

static void counters_equal_the_oracle_after_a_random_day_loop(void **state)
{
    struct fixture *fx = *state;
    unsigned seed = 20200123;
    struct profile prof;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(profile_get(fx->s, &prof, &err), 0);
    int64_t real_now = (int64_t)time(NULL);
    int64_t t = at(time_today_cn() - 18, 7, 0);
    static const char *kinds[] = {"home", "centralized", "medical"};
    static const char *reasons[] = {"travel", "contact", "fever", "other"};
    static const char *symptom_names[] = {"fever", "cough", "sore_throat", "fatigue"};
    struct {
        char uuid[40];
        char hash[65];
        struct health_report_input in;
        char slot[32];
    } past[64];
    int npast = 0, ok = 0, refused = 0;
    for (int step = 0; step < 1000; step++) {
        t += (int64_t)(next_rand(&seed) % 90) * 60;
        if (t > real_now - 60)
            t = real_now - 60;
        unsigned op = next_rand(&seed) % 100;
        int person = (int)(next_rand(&seed) % NPERSONS);
        int rc = 0;
        ep_error_clear(&err);
        if (op < 15) {
            int64_t start_day = (t + TIME_CN_OFFSET_SECONDS) / 86400 - next_rand(&seed) % 3;
            char start[11];
            date_of_day(start_day, start);
            const char *kind = kinds[next_rand(&seed) % 3];
            struct observation_open_input in = {fx->persons[person],
                                                kind,
                                                strcmp(kind, "centralized") == 0 ? "A" : NULL,
                                                reasons[next_rand(&seed) % 4],
                                                start,
                                                NULL,
                                                t,
                                                NULL,
                                                NULL};
            /* Back-dated by occurred_at (a time or a day), the start date
             * then that day unless given. */
            char occurred[32];
            unsigned how = next_rand(&seed) % 4;
            if (how == 1) {
                time_iso_from_unix((time_t)(t - (int64_t)(next_rand(&seed) % 48) * 3600), occurred);
                in.occurred_at = occurred;
                in.start_date = next_rand(&seed) % 2 ? NULL : start;
            } else if (how == 2) {
                date_of_day((t + TIME_CN_OFFSET_SECONDS) / 86400 - next_rand(&seed) % 3, occurred);
                in.occurred_at = occurred;
                in.start_date = NULL;
            }
            struct observation o;
            rc = observation_create(fx->s, &fx->admin, &in, NULL, &o, &err);
        } else if (op < 60) {
            struct health_report r;
            unsigned k = next_rand(&seed) % 10;
            if (k == 0 && npast > 0) {
                /* Retry of an earlier write: replay, or another body -> 409. */
                int i = (int)(next_rand(&seed) % (unsigned)npast);
                struct idem_key key = {.uuid = past[i].uuid};
                memcpy(key.hash, past[i].hash, sizeof key.hash);
                if (next_rand(&seed) % 2)
                    key.hash[0] = key.hash[0] == 'x' ? 'y' : 'x';
                past[i].in.slot = past[i].slot;
                past[i].in.now_unix = t;
                rc = observation_report_add(fx->s, &fx->worker, &past[i].in, &key, &r, &err);
            } else {
                int64_t day;
                int index;
                profile_slot_at(&prof, t, &day, &index);
                for (unsigned back = next_rand(&seed) % 4; back > 0; back--)
                    if (--index < 0) {
                        index = prof.nslots - 1;
                        day--;
                    }
                char slot[32], date[11];
                date_of_day(day, date);
                unsigned m = (unsigned)prof.slot_minutes[index] % 1440u;
                snprintf(slot, sizeof slot, "%sT%02u:%02u", date, m / 60, m % 60);
                struct health_report_input in = {
                    .person_id = fx->persons[person],
                    .slot = slot,
                    .temperature_dc = 360 + (int)(next_rand(&seed) % 30),
                    .now_unix = t,
                };
                if (next_rand(&seed) % 10 == 0)
                    in.symptoms[in.nsymptoms++] = symptom_names[next_rand(&seed) % 4];
                char uuid[40];
                snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012d", ++fx->uuid_seq);
                struct idem_key key = {.uuid = uuid};
                snprintf(key.hash, sizeof key.hash, "%s|%d|%d", slot, in.temperature_dc,
                         in.nsymptoms);
                const struct actor *who = person < 20 ? &fx->worker : &fx->admin;
                rc = observation_report_add(fx->s, who, &in, &key, &r, &err);
                if (rc == 0 && npast < 64) {
                    snprintf(past[npast].uuid, sizeof past[npast].uuid, "%s", uuid);
                    memcpy(past[npast].hash, key.hash, sizeof key.hash);
                    past[npast].in = in;
                    snprintf(past[npast].slot, sizeof past[npast].slot, "%s", slot);
                    npast++;
                }
            }
        } else if (op < 70) {
            struct observation o;
            int64_t id = 1 + next_rand(&seed) % 60;
            struct observation_release_input in = {"ok", NULL, NULL};
            const struct actor *who = &fx->admin;
            if (next_rand(&seed) % 3 == 0) {
                in.override_reason = "会商同意";
                who = &fx->health;
            }
            /* Released at a past moment or on a past day (before the
             * opening: refused). */
            char occurred[32];
            unsigned how = next_rand(&seed) % 3;
            if (how == 1) {
                time_iso_from_unix((time_t)(t - (int64_t)(next_rand(&seed) % 72) * 3600), occurred);
                in.occurred_at = occurred;
            } else if (how == 2) {
                date_of_day((t + TIME_CN_OFFSET_SECONDS) / 86400 - next_rand(&seed) % 4, occurred);
                in.occurred_at = occurred;
            }
            rc = observation_release(fx->s, who, id, &in, &o, &err);
        } else if (op < 73) {
            struct observation o;
            rc = end_obs(fx, &fx->health, 1 + next_rand(&seed) % 60,
                         next_rand(&seed) % 2 ? "converted" : "transferred", NULL, &o, &err);
        } else if (op < 83) {
            struct alert a;
            rc = alert_acknowledge(fx->s, &fx->admin, 1 + next_rand(&seed) % 80, t, &a, &err);
        } else if (op < 91) {
            struct alert a;
            rc = alert_resolve(fx->s, &fx->admin, 1 + next_rand(&seed) % 80, "处置", t, &a, &err);
        } else {
            struct observation_sweep_result res = {0};
            rc = observation_sweep(fx->s, t, &res, &err);
        }
        if (rc == 0) {
            ok++;
        } else {
            refused++;
            if (rc == -EP_EINTERNAL || rc == -EP_EUNAVAILABLE)
                fail_msg("step %d op %u: %s", step, op, ep_error_message(&err, EP_LANG_EN));
        }
        assert_int_equal(store_in_transaction(fx->s), 0);
        if (step % 250 == 249)
            assert_counters_match_oracle(fx);
    }
    print_message("ok %d refused %d overdue alerts %lld abnormal %lld\n", ok, refused,
                  (long long)alerts_with_rule(fx, "report_overdue"),
                  (long long)alerts_with_rule(fx, "report_abnormal"));
    /* The loop did real work of every kind. */
    assert_true(ok > 300);
    assert_true(refused > 50);
    assert_true(alerts_with_rule(fx, "report_overdue") > 0);
    assert_true(alerts_with_rule(fx, "report_abnormal") > 0);
    assert_true(count(fx, CITY, "obs_active.home") + count(fx, CITY, "obs_active.medical") +
                    count(fx, CITY, "obs_active.centralized") >
                0);
    assert_counters_match_oracle(fx);
}

/* Chinese text names a status in Chinese; a code without a label stays as it is. */
static void status_labels_are_chinese_and_unknown_codes_stay(void **state)
{
    (void)state;
    assert_string_equal(observation_status_zh("active"), "观察中");
    assert_string_equal(observation_status_zh("released"), "已解除");
    assert_string_equal(observation_status_zh("converted"), "已转为病例");
    assert_string_equal(observation_status_zh("transferred"), "已转出");
    assert_string_equal(observation_status_zh("paused"), "paused");
    assert_string_equal(observation_status_zh(NULL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(open_checks_every_field_and_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(release_needs_the_end_date_and_a_normal_last_report, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(report_checks_slot_temperature_scope_and_observation, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_second_report_for_a_slot_replaces_the_first_and_keeps_it,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(overdue_follows_the_slots_across_midnight, setup, teardown),
        cmocka_unit_test_setup_teardown(a_slot_that_started_before_the_opening_is_not_due, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_slot_that_started_after_the_opening_is_due, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_sweep_walks_active_observations_in_id_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_sweep_opens_a_bounded_batch_and_says_more, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(counters_equal_the_oracle_after_a_random_day_loop, setup,
                                        teardown),
        cmocka_unit_test(status_labels_are_chinese_and_unknown_codes_stay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
