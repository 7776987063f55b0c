/*
 * test_cases.c -- cases, contacts and the daily bulletin on a temporary
 * SQLite file: the state machine as a table (every (from, to) pair, "" for
 * a new case, tried through case_create/case_update: allowed ones append a
 * history row, refused ones give 422 with the table's message and write
 * nothing); severity and placement rules; the four-concentrations flag,
 * counter and alert; contacts opening observations and the chain graph;
 * and a seeded eight-day outbreak after which the bulletin of every date
 * and every region equals an independent SQL oracle over case_history,
 * a past bulletin re-issued after later changes is byte-identical, and the
 * live counters equal case_counters_rebuild/contact_counters_rebuild (with
 * cases_confirmed_total equal to the sum of its days and to the bulletin's
 * cumulative confirmed); and
 * the simulated outbreak on a small demo city, whose bulletin equals the
 * oracle for every day of the outbreak, the city and every county.
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
#include "core/assist.h"
#include "core/audit.h"
#include "core/bulletin.h"
#include "core/case.h"
#include "core/contact.h"
#include "core/counter.h"
#include "gen/demo.h"
#include "core/observation.h"
#include "gen/outbreak.h"
#include "core/person.h"
#include "core/region.h"
#include "core/site.h"
#include "store/store.h"
#include "util/idcheck.h"
#include "util/timeutil.h"

#define CITY    "4311"
#define COUNTY1 "431122"
#define COUNTY2 "431103"
#define GRID_A  "431122101201001"
#define GRID_B  "431122101201002"
#define GRID_C  "431103001001001"

static const char *const grids[] = {GRID_A, GRID_B, GRID_C};

struct fixture {
    char path[64];
    struct store *s;
    struct auth_user admin_user, county_user;
    struct actor admin, county; /* county: health at COUNTY1 */
    int seq;                    /* persons made so far */
    int64_t hospital, clinic;   /* site ids */
};

static void user(struct auth_user *u, int64_t id, const char *name, int role, const char *scope)
{
    memset(u, 0, sizeof *u);
    u->id = id;
    snprintf(u->username, sizeof u->username, "%s", name);
    u->role = role;
    snprintf(u->scope, sizeof u->scope, "%s", scope);
}

static int64_t new_person(struct fixture *fx, const char *grid)
{
    int seq = fx->seq++;
    char id[32];
    snprintf(id, sizeof id, "43112219%02d%02d%02d%03d", 60 + seq / 300 % 40, 1 + seq / 28 % 12,
             1 + seq % 28, (seq * 7) % 1000);
    id[17] = idcheck_check_char(id);
    id[18] = '\0';
    char name[32];
    snprintf(name, sizeof name, "病例%d", seq);
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
    snprintf(fx->path, sizeof fx->path, "/tmp/test_cases_XXXXXX");
    int fd = mkstemp(fx->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(&fx->s, fx->path, STORE_OPEN_CREATE, &err), 0);
    assert_int_equal(store_migrate(fx->s, NULL, &err), 0);
    static const char *regions[][2] = {
        {CITY, "永州市"},
        {COUNTY1, "东安县"},
        {"431122101", "白牙市镇"},
        {"431122101201", "茶亭社区"},
        {GRID_A, "雍景园小区"},
        {GRID_B, "茶亭一组"},
        {COUNTY2, "冷水滩区"},
        {"431103001", "梅湾街道"},
        {"431103001001", "梅湾社区"},
        {GRID_C, "梅湾一网格"},
    };
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++)
        assert_int_equal(region_create(fx->s, regions[i][0], regions[i][1], &err), 0);
    user(&fx->admin_user, 1, "admin_4311", ROLE_ADMIN, CITY);
    user(&fx->county_user, 2, "health_431122", ROLE_HEALTH, COUNTY1);
    fx->admin = (struct actor){&fx->admin_user, "test"};
    fx->county = (struct actor){&fx->county_user, "test"};
    struct site site;
    struct site_input h = {"designated_hospital", "永州市第一人民医院", CITY, 200, NULL};
    assert_int_equal(site_create(fx->s, &fx->admin, &h, &site, &err), 0);
    fx->hospital = site.id;
    struct site_input c = {"fever_clinic", "东安县人民医院发热门诊", COUNTY1, 20, NULL};
    assert_int_equal(site_create(fx->s, &fx->admin, &c, &site, &err), 0);
    fx->clinic = site.id;
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

/* Unix time of HH:00 on day number "day" in China. */
/* The moment "hour" o'clock of "day" in China, but never later than now:
 * the tests run at any hour, and a contact traced "today at 15:00" cannot be
 * recorded at 09:00 (observation_open refuses a future opening). */
static int64_t at(int64_t day, int hour)
{
    int64_t t = day * 86400 + hour * 3600 - TIME_CN_OFFSET_SECONDS;
    int64_t now = (int64_t)time(NULL);
    return t < now ? t : now;
}

static int64_t scalar(struct fixture *fx, const char *sql, const char *arg)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(fx->s, sql, &err);
    assert_non_null(st);
    if (arg)
        store_bind_text(st, 1, arg);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    int64_t v = store_column_int64(st, 0);
    store_stmt_reset(st);
    return v;
}

static int64_t history_rows(struct fixture *fx)
{
    return scalar(fx, "SELECT count(*) FROM case_history", NULL);
}

/* A case of a new person brought to "status" by the shortest path. */
static int64_t case_in(struct fixture *fx, const char *status, int64_t t)
{
    struct ep_error err;
    ep_error_clear(&err);
    const char *first = !strcmp(status, "excluded") ? "suspected"
                        : (!strcmp(status, "discharged") || !strcmp(status, "deceased"))
                            ? "confirmed"
                            : status;
    struct case_input in = {.person_id = new_person(fx, GRID_A),
                            .status = first,
                            .site_id = fx->hospital,
                            .at_unix = t};
    struct case_record c;
    if (case_create(fx->s, &fx->admin, &in, NULL, &c, &err) != 0)
        fail_msg("create %s: %s", status, ep_error_message(&err, EP_LANG_EN));
    if (strcmp(first, status) != 0) {
        struct case_change ch = {.status = status, .at_unix = t + 60};
        if (case_update(fx->s, &fx->admin, c.id, &ch, &c, &err) != 0)
            fail_msg("to %s: %s", status, ep_error_message(&err, EP_LANG_EN));
    }
    assert_string_equal(c.status, status);
    return c.id;
}

static void state_machine_every_pair_allowed_or_refused_with_its_message(void **state)
{
    struct fixture *fx = *state;
    static const char *const allowed[] = {
        ">suspected",
        ">confirmed",
        ">asymptomatic",
        "suspected>confirmed",
        "suspected>asymptomatic",
        "suspected>excluded",
        "asymptomatic>confirmed",
        "asymptomatic>discharged",
        "asymptomatic>deceased",
        "confirmed>discharged",
        "confirmed>deceased",
        NULL,
    };
    int64_t t = at(time_today_cn() - 2, 9);
    for (int f = -1; case_statuses[f < 0 ? 0 : f]; f++) {
        const char *from = f < 0 ? "" : case_statuses[f];
        for (int k = 0; case_statuses[k]; k++) {
            const char *to = case_statuses[k];
            char pair[40];
            snprintf(pair, sizeof pair, "%s>%s", from, to);
            int expect = 0;
            for (int i = 0; allowed[i]; i++)
                expect |= strcmp(allowed[i], pair) == 0;
            const struct case_transition *tr = case_transition_find(from, to);
            assert_non_null(tr);
            assert_int_equal(tr->allowed, expect);
            if (!expect) {
                assert_true(tr->msg_zh && *tr->msg_zh && tr->msg_en && *tr->msg_en);
            }
            /* Through the real writes. */
            struct ep_error err;
            ep_error_clear(&err);
            struct case_record c;
            int64_t before = history_rows(fx);
            int rc;
            if (!*from) {
                struct case_input in = {
                    .person_id = new_person(fx, GRID_B), .status = to, .at_unix = t};
                rc = case_create(fx->s, &fx->admin, &in, NULL, &c, &err);
                if (!expect) {
                    assert_int_equal(rc, -EP_EINVAL);
                    assert_string_equal(err.fields[0].field, "status");
                    assert_string_equal(err.fields[0].msg[EP_LANG_ZH], tr->msg_zh);
                    assert_string_equal(err.fields[0].msg[EP_LANG_EN], tr->msg_en);
                }
            } else {
                int64_t id = case_in(fx, from, t);
                before = history_rows(fx);
                struct case_change ch = {.status = to, .at_unix = t + 3600};
                rc = case_update(fx->s, &fx->admin, id, &ch, &c, &err);
                if (!expect) {
                    assert_int_equal(rc, -EP_ERULE);
                    assert_string_equal(err.msg[EP_LANG_ZH], tr->msg_zh);
                    assert_string_equal(err.msg[EP_LANG_EN], tr->msg_en);
                }
            }
            if (expect) {
                if (rc != 0)
                    fail_msg("%s: %s", pair, ep_error_message(&err, EP_LANG_EN));
                assert_string_equal(c.status, to);
                assert_int_equal(history_rows(fx), before + 1);
            } else {
                assert_int_equal(history_rows(fx), before);
            }
        }
    }
    /* Unknown names are not in the table. */
    assert_null(case_transition_find("suspected", "cured"));
    assert_null(case_transition_find("recovered", "confirmed"));
}

static void severity_placement_and_four_concentrations(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    ep_error_clear(&err);
    int64_t t = at(time_today_cn() - 1, 10);
    struct case_input in = {.person_id = new_person(fx, GRID_A),
                            .status = "confirmed",
                            .severity = "mild",
                            .at_unix = t};
    struct case_record c;
    assert_int_equal(case_create(fx->s, &fx->admin, &in, NULL, &c, &err), 0);
    assert_int_equal(c.outside_hospital, 1);
    int64_t n;
    assert_int_equal(counter_get(fx->s, CITY, "cases_outside_hospital", &n, &err), 0);
    assert_int_equal(n, 1);
    char key[64];
    snprintf(key, sizeof key, "case_outside_hospital:%lld", (long long)c.id);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM alerts WHERE dedup_key = ?", key), 1);
    /* A fever clinic is not a designated hospital. */
    struct case_change ch = {.site_given = 1, .site_id = fx->clinic, .at_unix = t + 60};
    assert_int_equal(case_update(fx->s, &fx->admin, c.id, &ch, &c, &err), 0);
    assert_int_equal(c.outside_hospital, 1);
    ch = (struct case_change){.site_given = 1, .site_id = fx->hospital, .at_unix = t + 120};
    assert_int_equal(case_update(fx->s, &fx->admin, c.id, &ch, &c, &err), 0);
    assert_int_equal(c.outside_hospital, 0);
    assert_int_equal(counter_get(fx->s, CITY, "cases_outside_hospital", &n, &err), 0);
    assert_int_equal(n, 0);
    struct site site;
    assert_int_equal(site_get(fx->s, COUNTY1, fx->hospital, &site, &err), 0);
    assert_int_equal(site.occupancy, 1);
    /* Severity while open; the same value is not a change. */
    ch = (struct case_change){.severity = "severe", .at_unix = t + 180};
    assert_int_equal(case_update(fx->s, &fx->admin, c.id, &ch, &c, &err), 0);
    assert_string_equal(c.severity, "severe");
    ep_error_clear(&err);
    assert_int_equal(case_update(fx->s, &fx->admin, c.id, &ch, &c, &err), -EP_EINVAL);
    /* Before the last change: refused. */
    ep_error_clear(&err);
    ch = (struct case_change){.severity = "critical", .at_unix = t};
    assert_int_equal(case_update(fx->s, &fx->admin, c.id, &ch, &c, &err), -EP_ERULE);
    /* Discharged: no more severity or placement changes. */
    ep_error_clear(&err);
    ch = (struct case_change){.status = "discharged", .at_unix = t + 240};
    assert_int_equal(case_update(fx->s, &fx->admin, c.id, &ch, &c, &err), 0);
    ch = (struct case_change){.severity = "critical", .at_unix = t + 300};
    assert_int_equal(case_update(fx->s, &fx->admin, c.id, &ch, &c, &err), -EP_ERULE);
    ep_error_clear(&err);
    ch = (struct case_change){.site_given = 1, .site_id = 0, .at_unix = t + 300};
    assert_int_equal(case_update(fx->s, &fx->admin, c.id, &ch, &c, &err), -EP_ERULE);
    assert_int_equal(site_get(fx->s, CITY, fx->hospital, &site, &err), 0);
    assert_int_equal(site.occupancy, 0);
    /* Scope: a county user does not see a case of the other county. */
    ep_error_clear(&err);
    struct case_input other = {.person_id = new_person(fx, GRID_C), .status = "suspected"};
    assert_int_equal(case_create(fx->s, &fx->county, &other, NULL, &c, &err), -EP_ENOTFOUND);
    /* ... answered exactly as a person that does not exist (but for the id). */
    char outside[EP_ERROR_MSG_MAX], missing[EP_ERROR_MSG_MAX];
    snprintf(outside, sizeof outside, "%s", err.fields[0].msg[EP_LANG_EN]);
    assert_string_equal(err.fields[0].field, "person_id");
    ep_error_clear(&err);
    struct case_input nobody = {.person_id = 987654, .status = "suspected"};
    assert_int_equal(case_create(fx->s, &fx->county, &nobody, NULL, &c, &err), -EP_ENOTFOUND);
    snprintf(missing, sizeof missing, "%s", err.fields[0].msg[EP_LANG_EN]);
    char want[EP_ERROR_MSG_MAX];
    snprintf(want, sizeof want, "person %lld not found", (long long)other.person_id);
    assert_string_equal(outside, want);
    assert_string_equal(missing, "person 987654 not found");
    /* A site of another county is not found either; the city's hospital is
     * seen from the county below it. */
    ep_error_clear(&err);
    struct site far;
    struct site_input fs = {"quarantine_site", "冷水滩隔离点", COUNTY2, 10, NULL};
    assert_int_equal(site_create(fx->s, &fx->admin, &fs, &far, &err), 0);
    struct case_input placed = {
        .person_id = new_person(fx, GRID_A), .status = "suspected", .site_id = far.id};
    assert_int_equal(case_create(fx->s, &fx->county, &placed, NULL, &c, &err), -EP_ENOTFOUND);
    assert_string_equal(err.fields[0].field, "site_id");
    ep_error_clear(&err);
    placed.site_id = fx->hospital;
    assert_int_equal(case_create(fx->s, &fx->county, &placed, NULL, &c, &err), 0);
    /* A site's region outside the creator's scope is not found: 404. */
    ep_error_clear(&err);
    struct site_input outside_site = {"fever_clinic", "冷水滩发热门诊", COUNTY2, 5, NULL};
    assert_int_equal(site_create(fx->s, &fx->county, &outside_site, &far, &err), -EP_ENOTFOUND);
    assert_string_equal(err.fields[0].field, "region_code");
    ep_error_clear(&err);
    assert_int_equal(case_create(fx->s, &fx->admin, &other, NULL, &c, &err), 0);
    assert_int_equal(case_get(fx->s, COUNTY1, c.id, &c, &err), -EP_ENOTFOUND);
    /* A second open case of the same person is a conflict. */
    ep_error_clear(&err);
    assert_int_equal(case_create(fx->s, &fx->admin, &other, NULL, &c, &err), -EP_ECONFLICT);
}

static void contacts_open_observations_and_form_a_chain(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    ep_error_clear(&err);
    int64_t today = time_today_cn();
    struct case_input in = {.person_id = new_person(fx, GRID_A),
                            .status = "confirmed",
                            .site_id = fx->hospital,
                            .at_unix = at(today - 5, 9)};
    struct case_record root;
    assert_int_equal(case_create(fx->s, &fx->county, &in, NULL, &root, &err), 0);
    char last[11];
    time_date_format(today - 6, last);
    struct contact_input ci = {.person_id = new_person(fx, GRID_C),
                               .source_case_id = root.id,
                               .contact_type = "household",
                               .last_contact_date = last,
                               .at_unix = at(today - 5, 10)};
    struct contact k1;
    /* A registered person of another county is not the county's to name:
     * not found, as one that does not exist.  The city traces them. */
    assert_int_equal(contact_create(fx->s, &fx->county, &ci, NULL, &k1, &err), -EP_ENOTFOUND);
    assert_string_equal(err.fields[0].field, "person_id");
    ep_error_clear(&err);
    assert_int_equal(contact_create(fx->s, &fx->admin, &ci, NULL, &k1, &err), 0);
    assert_true(k1.observation_id > 0);
    char end[11];
    time_date_format(today - 6 + 14, end);
    assert_string_equal(k1.planned_end, end);
    /* The same person twice for one source: conflict. */
    ep_error_clear(&err);
    struct contact dup;
    assert_int_equal(contact_create(fx->s, &fx->admin, &ci, NULL, &dup, &err), -EP_ECONFLICT);
    /* A contact of the contact, registered on the spot. */
    ep_error_clear(&err);
    char idn[19] = "43112219900307123";
    idn[17] = idcheck_check_char(idn);
    idn[18] = '\0';
    struct person_input pin = {.name = "欧阳娜娜", .id_number = idn, .grid_code = GRID_B};
    struct contact_input c2 = {.person = &pin,
                               .source_contact_id = k1.id,
                               .contact_type = "work",
                               .last_contact_date = last};
    struct contact k2;
    assert_int_equal(contact_create(fx->s, &fx->county, &c2, NULL, &k2, &err), 0);
    /* Bad input: every field named, nothing written. */
    ep_error_clear(&err);
    int64_t contacts = scalar(fx, "SELECT count(*) FROM contacts", NULL);
    struct person_input bad = {.name = "", .id_number = "123", .grid_code = GRID_B};
    struct contact_input c3 = {
        .person = &bad, .contact_type = "hug", .last_contact_date = "2999-01-01"};
    assert_int_equal(contact_create(fx->s, &fx->county, &c3, NULL, &k2, &err), -EP_EINVAL);
    const char *want[] = {"source_case_id", "contact_type", "last_contact_date", "person.name",
                          "person.id_number"};
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        int seen = 0;
        for (int i = 0; i < err.nfields; i++)
            seen |= strcmp(err.fields[i].field, want[w]) == 0;
        if (!seen)
            fail_msg("field %s not named", want[w]);
    }
    assert_int_equal(scalar(fx, "SELECT count(*) FROM contacts", NULL), contacts);
    /* The first contact falls ill: its observation is converted. */
    ep_error_clear(&err);
    struct case_input become = {
        .observation_id = k1.observation_id, .status = "suspected", .at_unix = at(today - 1, 9)};
    struct case_record second;
    assert_int_equal(case_create(fx->s, &fx->admin, &become, NULL, &second, &err), 0);
    struct observation o;
    assert_int_equal(observation_get(fx->s, "", k1.observation_id, &o, &err), 0);
    assert_string_equal(o.status, "converted");
    /* The chain from either case is the same cluster: 2 cases + 2 contacts. */
    json_t *g = contact_chain_new(fx->s, CITY, second.id, &err);
    assert_non_null(g);
    assert_int_equal(json_array_size(json_object_get(g, "nodes")), 4);
    assert_int_equal(json_array_size(json_object_get(g, "edges")), 3);
    json_t *node;
    size_t i;
    json_array_foreach(json_object_get(g, "nodes"), i, node)
    {
        const char *label = json_string_value(json_object_get(node, "label"));
        assert_non_null(strstr(label, "*"));
        assert_null(strstr(label, "娜娜"));
    }
    json_decref(g);
    /* From the county: the contact living in COUNTY2 is seen (its source is
     * in COUNTY1), the case that person became (in COUNTY2) is not. */
    g = contact_chain_new(fx->s, COUNTY1, root.id, &err);
    assert_non_null(g);
    assert_int_equal(json_array_size(json_object_get(g, "nodes")), 3);
    json_decref(g);
    /* From COUNTY2 the root case is not visible: 404. */
    ep_error_clear(&err);
    assert_null(contact_chain_new(fx->s, COUNTY2, root.id, &err));
    assert_int_equal(err.code, EP_ENOTFOUND);
    char masked[32];
    contact_mask_name("欧阳娜娜", masked, sizeof masked);
    assert_string_equal(masked, "欧***");
    contact_mask_name("张三", masked, sizeof masked);
    assert_string_equal(masked, "张*");
}

/* ---- the bulletin against an independent oracle ------------------------ */

/* The figures recomputed by SQL alone over case_history, contacts and
 * observations: a different formulation of "the state at the end of D". */
static void oracle(struct fixture *fx, const char *code, const char *date,
                   struct bulletin_figures *o)
{
    static const char *sql =
        "WITH h AS (SELECT * FROM case_history WHERE grid_code >= ?1 AND grid_code < ?2"
        "   AND at_day <= ?3),"
        " last AS (SELECT * FROM h WHERE id IN (SELECT max(id) FROM h GROUP BY case_id)),"
        " moves AS (SELECT * FROM h WHERE at_day = ?3"
        "   AND COALESCE(from_status, '') <> to_status)"
        " SELECT"
        " (SELECT count(*) FROM moves WHERE to_status = 'confirmed'),"
        " (SELECT count(DISTINCT case_id) FROM h WHERE to_status = 'confirmed'),"
        " (SELECT count(*) FROM last WHERE to_status = 'confirmed'),"
        " (SELECT count(*) FROM last WHERE to_status = 'confirmed'"
        "   AND severity IN ('severe', 'critical')),"
        " (SELECT count(*) FROM moves WHERE to_status = 'discharged'"
        "   AND classification = 'confirmed'),"
        " (SELECT count(*) FROM last WHERE to_status = 'discharged'"
        "   AND classification = 'confirmed'),"
        " (SELECT count(*) FROM moves WHERE to_status = 'deceased'"
        "   AND classification = 'confirmed'),"
        " (SELECT count(*) FROM last WHERE to_status = 'deceased'"
        "   AND classification = 'confirmed'),"
        " (SELECT count(*) FROM moves WHERE to_status = 'suspected'),"
        " (SELECT count(*) FROM last WHERE to_status = 'suspected'),"
        " (SELECT count(*) FROM moves WHERE to_status = 'asymptomatic'),"
        " (SELECT count(*) FROM last WHERE to_status = 'asymptomatic'),"
        " (SELECT count(*) FROM moves WHERE to_status = 'excluded'),"
        " (SELECT count(*) FROM contacts WHERE grid_code >= ?1 AND grid_code < ?2"
        "   AND traced_day <= ?3),"
        " (SELECT count(*) FROM observations o"
        "   LEFT JOIN (SELECT observation_id, min(traced_day) AS d FROM contacts"
        "              GROUP BY observation_id) k ON k.observation_id = o.id"
        "   LEFT JOIN (SELECT c.observation_id, min(h.at_day) AS d FROM cases c"
        "              JOIN case_history h ON h.case_id = c.id"
        "              WHERE c.observation_id IS NOT NULL GROUP BY c.observation_id) e"
        "     ON e.observation_id = o.id"
        "   WHERE o.grid_code >= ?1 AND o.grid_code < ?2 AND o.start_date <= ?3"
        "   AND COALESCE(k.d, substr(o.created_at, 1, 10)) <= ?3"
        "   AND NOT (COALESCE(e.d, substr(o.released_at, 1, 10)) IS NOT NULL"
        "            AND COALESCE(e.d, substr(o.released_at, 1, 10)) <= ?3)),"
        " (SELECT count(*) FROM observations WHERE grid_code >= ?1 AND grid_code < ?2"
        "   AND status = 'released' AND substr(released_at, 1, 10) = ?3)";
    struct ep_error err;
    ep_error_clear(&err);
    struct store_stmt *st = store_prepare(fx->s, sql, &err);
    assert_non_null(st);
    char upper[REGION_CODE_MAX];
    region_code_range(code, upper);
    store_bind_text(st, 1, code);
    store_bind_text(st, 2, upper);
    store_bind_text(st, 3, date);
    assert_int_equal(store_step(st, &err), STORE_ROW);
    int64_t *v = &o->confirmed_new;
    for (int i = 0; i < 16; i++)
        v[i] = store_column_int64(st, i);
    store_stmt_reset(st);
}

static void assert_figures(const char *what, const struct bulletin_figures *a,
                           const struct bulletin_figures *b)
{
    if (memcmp(a, b, sizeof *a) != 0) {
        const int64_t *x = &a->confirmed_new, *y = &b->confirmed_new;
        for (int i = 0; i < 16; i++)
            if (x[i] != y[i])
                fail_msg("%s: figure %d is %lld, oracle %lld", what, i, (long long)x[i],
                         (long long)y[i]);
    }
}

static uint64_t rng_state = 0x2020012420200124ULL;
static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

/* Applies random allowed changes on day "day" to the open cases. */
static void outbreak_day(struct fixture *fx, int64_t day, int64_t *cases, int *ncases)
{
    struct ep_error err;
    static const char *const initial[] = {"suspected", "suspected", "confirmed", "asymptomatic"};
    static const char *const sev[] = {"mild", "moderate", "severe", "critical"};
    int hour = 8;
    for (int i = 0, n = 2 + (int)rnd(4); i < n; i++) {
        ep_error_clear(&err);
        struct case_input in = {.person_id = new_person(fx, grids[rnd(3)]),
                                .status = initial[rnd(4)],
                                .severity = sev[rnd(4)],
                                .site_id = rnd(3) ? fx->hospital : 0,
                                .at_unix = at(day, hour++)};
        struct case_record c;
        if (case_create(fx->s, &fx->admin, &in, NULL, &c, &err) != 0)
            fail_msg("outbreak create: %s", ep_error_message(&err, EP_LANG_EN));
        cases[(*ncases)++] = c.id;
        if (rnd(2)) {
            char last[11];
            time_date_format(day - 1, last);
            struct contact_input ci = {.person_id = new_person(fx, grids[rnd(3)]),
                                       .source_case_id = c.id,
                                       .contact_type = "social",
                                       .last_contact_date = last,
                                       .at_unix = at(day, hour)};
            struct contact k;
            if (contact_create(fx->s, &fx->admin, &ci, NULL, &k, &err) != 0)
                fail_msg("outbreak contact: %s", ep_error_message(&err, EP_LANG_EN));
        }
    }
    for (int i = 0; i < *ncases; i++) {
        if (rnd(3))
            continue;
        struct case_record c;
        ep_error_clear(&err);
        assert_int_equal(case_get(fx->s, "", cases[i], &c, &err), 0);
        if (!case_status_open(c.status))
            continue;
        const char *to = NULL;
        for (int tries = 0; tries < 6 && !to; tries++) {
            const char *cand = case_statuses[rnd(6)];
            const struct case_transition *t = case_transition_find(c.status, cand);
            if (t && t->allowed)
                to = cand;
        }
        struct case_change ch = {.status = to, .at_unix = at(day, 20)};
        if (!to)
            ch.severity = sev[rnd(4)];
        if (!to && strcmp(ch.severity, c.severity) == 0)
            continue;
        if (case_update(fx->s, &fx->admin, c.id, &ch, &c, &err) != 0)
            fail_msg("outbreak change: %s", ep_error_message(&err, EP_LANG_EN));
    }
}

static void check_bulletins_of(struct fixture *fx, const char *const *codes, size_t ncodes,
                               int64_t first, int64_t last)
{
    for (int64_t d = first; d <= last; d++) {
        char date[11];
        time_date_format(d, date);
        for (size_t r = 0; r < ncodes; r++) {
            struct bulletin b;
            struct bulletin_figures o;
            struct ep_error err;
            ep_error_clear(&err);
            assert_int_equal(bulletin_compute(fx->s, codes[r], date, &b, &err), 0);
            oracle(fx, codes[r], date, &o);
            char what[64];
            snprintf(what, sizeof what, "%s %s", codes[r], date);
            assert_figures(what, &b.total, &o);
            assert_int_equal(b.total.confirmed_total, b.total.hospitalised_now +
                                                          b.total.discharged_total +
                                                          b.total.deaths_total);
            for (size_t c = 0; c < b.nchildren; c++) {
                oracle(fx, b.children[c].code, date, &o);
                snprintf(what, sizeof what, "%s %s", b.children[c].code, date);
                assert_figures(what, &b.children[c].f, &o);
            }
            bulletin_cleanup(&b);
        }
    }
}

static void check_bulletins(struct fixture *fx, int64_t first, int64_t last)
{
    static const char *const codes[] = {CITY, COUNTY1, COUNTY2, "431122101", GRID_A, GRID_C};
    check_bulletins_of(fx, codes, sizeof codes / sizeof codes[0], first, last);
}

struct counter_row {
    char code[REGION_CODE_MAX];
    char metric[64];
    int64_t value;
};
struct counter_set {
    struct counter_row rows[4096];
    int n;
    const char *code;
};

static int keep_counter(const char *metric, int64_t value, void *arg)
{
    struct counter_set *cs = arg;
    if (strncmp(metric, "cases_", 6) != 0 && strcmp(metric, "contacts_total") != 0)
        return 0;
    if (value == 0 || cs->n >= 4096)
        return 0;
    struct counter_row *r = &cs->rows[cs->n++];
    snprintf(r->code, sizeof r->code, "%s", cs->code);
    snprintf(r->metric, sizeof r->metric, "%s", metric);
    r->value = value;
    return 0;
}

static void counters_of_codes(struct fixture *fx, const char *const *codes, size_t ncodes,
                              struct counter_set *cs)
{
    struct ep_error err;
    ep_error_clear(&err);
    cs->n = 0;
    for (size_t i = 0; i < ncodes; i++) {
        cs->code = codes[i];
        assert_int_equal(counter_list(fx->s, codes[i], keep_counter, cs, &err), 0);
    }
}

/* The live counters of "codes" equal the rebuild from the facts. */
static void counters_equal_rebuild(struct fixture *fx, const char *const *codes, size_t ncodes)
{
    static struct counter_set live, rebuilt;
    struct ep_error err;
    ep_error_clear(&err);
    counters_of_codes(fx, codes, ncodes, &live);
    assert_true(live.n > 0);
    assert_int_equal(store_begin(fx->s, &err), 0);
    assert_int_equal(case_counters_rebuild(fx->s, &err), 0);
    assert_int_equal(contact_counters_rebuild(fx->s, &err), 0);
    counters_of_codes(fx, codes, ncodes, &rebuilt);
    store_rollback(fx->s);
    assert_int_equal(live.n, rebuilt.n);
    for (int i = 0; i < live.n; i++) {
        assert_string_equal(live.rows[i].metric, rebuilt.rows[i].metric);
        if (live.rows[i].value != rebuilt.rows[i].value)
            fail_msg("%s %s: live %lld, rebuilt %lld", live.rows[i].code, live.rows[i].metric,
                     (long long)live.rows[i].value, (long long)rebuilt.rows[i].value);
    }
}

static int sum_confirmed_days(const char *metric, int64_t value, void *arg)
{
    if (strncmp(metric, "cases_confirmed.", 16) == 0)
        *(int64_t *)arg += value;
    return 0;
}

/* cases_confirmed_total (the dashboard's one-row cumulative figure) equals
 * the sum of the dated cases_confirmed.<day> of each code, and "total" at
 * codes[0]. */
static void confirmed_total_equals_its_days(struct fixture *fx, const char *const *codes,
                                            size_t ncodes, int64_t total)
{
    struct ep_error err;
    ep_error_clear(&err);
    for (size_t i = 0; i < ncodes; i++) {
        int64_t days = 0, cumulative = -1;
        assert_int_equal(counter_list(fx->s, codes[i], sum_confirmed_days, &days, &err), 0);
        assert_int_equal(counter_get(fx->s, codes[i], "cases_confirmed_total", &cumulative, &err),
                         0);
        if (cumulative != days)
            fail_msg("%s: cases_confirmed_total %lld, sum of the days %lld", codes[i],
                     (long long)cumulative, (long long)days);
        if (i == 0)
            assert_int_equal(cumulative, total);
    }
}

static int ascii_but_names(const struct bulletin *b, const char *text);

static void bulletin_equals_the_oracle_and_past_days_do_not_change(void **state)
{
    struct fixture *fx = *state;
    int64_t today = time_today_cn(), start = today - 8;
    static int64_t cases[400];
    int ncases = 0;
    for (int64_t d = start; d < today - 1; d++)
        outbreak_day(fx, d, cases, &ncases);
    assert_true(ncases > 10);
    check_bulletins(fx, start - 1, today);

    /* Re-issue: the bulletin of a past day, then changes, then again. */
    char past[11];
    time_date_format(today - 4, past);
    struct ep_error err;
    ep_error_clear(&err);
    struct bulletin b;
    assert_int_equal(bulletin_compute(fx->s, CITY, past, &b, &err), 0);
    json_t *j = bulletin_json_new(&b);
    char *first = json_dumps(j, JSON_SORT_KEYS);
    json_decref(j);
    bulletin_cleanup(&b);
    outbreak_day(fx, today - 1, cases, &ncases);
    outbreak_day(fx, today, cases, &ncases);
    assert_int_equal(bulletin_compute(fx->s, CITY, past, &b, &err), 0);
    j = bulletin_json_new(&b);
    char *again = json_dumps(j, JSON_SORT_KEYS);
    json_decref(j);
    bulletin_cleanup(&b);
    assert_string_equal(first, again);
    free(first);
    free(again);
    check_bulletins(fx, today - 2, today);

    /* The live counters equal the rebuild from the facts. */
    static const char *const codes[] = {CITY,   COUNTY1, COUNTY2, "431122101",
                                        GRID_A, GRID_B,  GRID_C};
    counters_equal_rebuild(fx, codes, sizeof codes / sizeof codes[0]);
    char today_s[11];
    time_date_format(today, today_s);
    assert_int_equal(bulletin_compute(fx->s, CITY, today_s, &b, &err), 0);
    assert_true(b.total.confirmed_total > 0);
    confirmed_total_equals_its_days(fx, codes, sizeof codes / sizeof codes[0],
                                    b.total.confirmed_total);
    bulletin_cleanup(&b);
    /* The renderings carry the figures. */
    assert_int_equal(bulletin_compute(fx->s, CITY, past, &b, &err), 0);
    struct buf text;
    buf_init(&text);
    bulletin_text(&b, &text);
    char want[64];
    snprintf(want, sizeof want, "累计报告确诊病例%lld例", (long long)b.total.confirmed_total);
    assert_non_null(strstr(text.data, want));
    assert_non_null(strstr(text.data, "全市"));
    buf_reset(&text);
    bulletin_html(&b, &text);
    assert_non_null(strstr(text.data, want));
    assert_null(strstr(text.data, "病例1")); /* no person's name */
    /* In English: the same figures, no Chinese but the names (data). */
    buf_reset(&text);
    bulletin_text_en(&b, &text);
    snprintf(want, sizeof want, "had reported %lld confirmed cases in total",
             (long long)b.total.confirmed_total);
    assert_non_null(strstr(text.data, want));
    assert_true(ascii_but_names(&b, text.data));
    buf_cleanup(&text);
    bulletin_cleanup(&b);
}

/* Issue 17: facts typed in late and corrected later land on the day they
 * happened.  Ten past days in random order, every case recorded now with
 * its occurred time; then changes back-dated to a random later moment.  The
 * bulletins of every day equal the oracle, the live counters their rebuild,
 * cases_confirmed_total the sum of its days; and as it could be known
 * before any of it was recorded, the bulletin is empty. */
static void late_and_back_dated_records_land_on_their_day(void **state)
{
    struct fixture *fx = *state;
    static const char *const initial[] = {"suspected", "confirmed", "confirmed", "asymptomatic"};
    int64_t today = time_today_cn(), start = today - 10;
    int64_t before = (int64_t)time(NULL) - 1;
    int64_t days[10];
    for (int i = 0; i < 10; i++)
        days[i] = start + i;
    for (int i = 9; i > 0; i--) { /* shuffled: the sheets arrive in any order */
        int j = (int)rnd((uint32_t)i + 1);
        int64_t t = days[i];
        days[i] = days[j];
        days[j] = t;
    }
    static int64_t cases[64], last[64];
    int n = 0;
    struct ep_error err;
    for (int i = 0; i < 10; i++) {
        for (int k = 0, m = 1 + (int)rnd(4); k < m && n < 64; k++) {
            char iso[32];
            last[n] = days[i] * 86400 + (8 + k) * 3600 - TIME_CN_OFFSET_SECONDS;
            time_iso_from_unix((time_t)last[n], iso);
            struct case_input in = {.person_id = new_person(fx, grids[rnd(3)]),
                                    .status = initial[rnd(4)],
                                    .site_id = rnd(2) ? fx->hospital : 0,
                                    .occurred_at = iso};
            struct case_record c;
            ep_error_clear(&err);
            if (case_create(fx->s, &fx->admin, &in, NULL, &c, &err) != 0)
                fail_msg("late create: %s", ep_error_message(&err, EP_LANG_EN));
            assert_int_equal(c.id > 0, 1);
            cases[n++] = c.id;
        }
    }
    /* Corrections: a change to each of half the cases, dated some days
     * after its last change (still in the past). */
    for (int i = 0; i < n; i++) {
        struct case_record c;
        ep_error_clear(&err);
        assert_int_equal(case_get(fx->s, "", cases[i], &c, &err), 0);
        const char *to = NULL;
        for (int tries = 0; tries < 8 && !to; tries++) {
            const char *cand = case_statuses[rnd(6)];
            const struct case_transition *t = case_transition_find(c.status, cand);
            if (t && t->allowed)
                to = cand;
        }
        if (!to || rnd(2))
            continue;
        int64_t from_day = time_day_of_unix(last[i]);
        int64_t when = (from_day + (int64_t)rnd((uint32_t)(today - from_day))) * 86400 + 21 * 3600 -
                       TIME_CN_OFFSET_SECONDS;
        char iso[32];
        time_iso_from_unix((time_t)when, iso);
        struct case_change ch = {.status = to, .occurred_at = iso};
        if (case_update(fx->s, &fx->admin, c.id, &ch, &c, &err) != 0)
            fail_msg("back-dated change to %s at %s: %s", to, iso,
                     ep_error_message(&err, EP_LANG_EN));
        /* The history keeps both times: occurred as given, recorded now. */
        assert_int_equal(scalar(fx,
                                "SELECT count(*) FROM case_history WHERE recorded_unix >= at_unix"
                                " AND at = ?",
                                iso) > 0,
                         1);
    }
    check_bulletins(fx, start - 1, today);
    static const char *const codes[] = {CITY, COUNTY1, COUNTY2, GRID_A, GRID_B, GRID_C};
    counters_equal_rebuild(fx, codes, sizeof codes / sizeof codes[0]);
    char date[11];
    time_date_format(today - 1, date);
    struct bulletin b;
    ep_error_clear(&err);
    assert_int_equal(bulletin_compute(fx->s, CITY, date, &b, &err), 0);
    assert_true(b.total.confirmed_total > 0);
    confirmed_total_equals_its_days(fx, codes, sizeof codes / sizeof codes[0],
                                    b.total.confirmed_total);
    bulletin_cleanup(&b);
    assert_int_equal(bulletin_compute_as_of(fx->s, CITY, date, before, &b, &err), 0);
    assert_int_equal(b.total.confirmed_total, 0);
    assert_int_equal(b.total.suspected_now + b.total.asymptomatic_now, 0);
    bulletin_cleanup(&b);
}

/* 1 if "text" is ASCII once the names of "b" (region, disease, children)
 * are taken out. */
static int ascii_but_names(const struct bulletin *b, const char *text)
{
    char *copy = strdup(text);
    const char *names[2] = {b->name, b->disease};
    for (size_t i = 0; i < 2 + b->nchildren; i++) {
        const char *name = i < 2 ? names[i] : b->children[i - 2].name;
        size_t n = strlen(name);
        char *at;
        while (n && (at = strstr(copy, name)))
            memset(at, ' ', n);
    }
    int ascii = 1;
    for (const unsigned char *p = (const unsigned char *)copy; *p; p++)
        ascii &= *p < 0x80;
    free(copy);
    return ascii;
}

/* ---- the demo outbreak ------------------------------------------------- */

static int setup_demo(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    struct ep_error err;
    ep_error_clear(&err);
    snprintf(fx->path, sizeof fx->path, "/tmp/test_cases_demo_XXXXXX");
    int fd = mkstemp(fx->path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(store_open(&fx->s, fx->path, STORE_OPEN_CREATE | STORE_OPEN_BULK, &err), 0);
    assert_int_equal(store_migrate(fx->s, NULL, &err), 0);
    struct demo_options opt = {0.002, 1, NULL, NULL};
    if (demo_city_generate(fx->s, &opt, NULL, &err) != 0)
        fail_msg("demo: %s", ep_error_message(&err, EP_LANG_EN));
    *state = fx;
    return 0;
}

struct codes {
    char code[16][REGION_CODE_MAX];
    const char *ptr[16];
    size_t n;
};

static int add_code(const struct region *r, void *arg)
{
    struct codes *c = arg;
    if (c->n < 16) {
        snprintf(c->code[c->n], REGION_CODE_MAX, "%s", r->code);
        c->ptr[c->n] = c->code[c->n];
        c->n++;
    }
    return 0;
}

static void demo_outbreak_bulletin_equals_the_oracle_every_day_every_county(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    ep_error_clear(&err);
    struct outbreak_options opt = {1, "2020-01-21", 40};
    struct outbreak_stats st;
    if (outbreak_simulate(fx->s, &opt, &st, &err) != 0)
        fail_msg("outbreak: %s", ep_error_message(&err, EP_LANG_EN));
    print_message("outbreak: %lld sites, %lld cases, %lld confirmed, %lld contacts, "
                  "%lld discharged, %lld deaths\n",
                  (long long)st.sites, (long long)st.cases, (long long)st.confirmed,
                  (long long)st.contacts, (long long)st.discharged, (long long)st.deaths);
    assert_true(st.confirmed >= 10);
    assert_true(st.contacts >= 30);
    assert_true(st.discharged > 0);
    assert_true(st.deaths >= 1);
    struct codes codes = {.n = 1};
    snprintf(codes.code[0], REGION_CODE_MAX, "%s", DEMO_CODE_CITY);
    codes.ptr[0] = codes.code[0];
    assert_int_equal(region_children_list(fx->s, DEMO_CODE_CITY, add_code, &codes, &err), 0);
    assert_int_equal(codes.n, 12);
    int64_t first;
    time_date_parse("2020-01-21", &first);
    check_bulletins_of(fx, codes.ptr, codes.n, first - 1, first + 40);
    counters_equal_rebuild(fx, codes.ptr, codes.n);
    confirmed_total_equals_its_days(fx, codes.ptr, codes.n, st.confirmed);
    /* The same seed on the same city gives the same outbreak: the audit of
     * the first day is deterministic, and the last day's bulletin holds. */
    struct bulletin b;
    assert_int_equal(bulletin_compute(fx->s, DEMO_CODE_CITY, "2020-02-29", &b, &err), 0);
    assert_int_equal(b.total.confirmed_total, st.confirmed);
    assert_int_equal(b.total.deaths_total + b.total.discharged_total + b.total.hospitalised_now,
                     b.total.confirmed_total);
    assert_int_equal(b.total.contacts_total, st.contacts);
    bulletin_cleanup(&b);
    /* Not twice on one city: sites exist (conflict), nothing more written. */
    ep_error_clear(&err);
    int64_t cases = scalar(fx, "SELECT count(*) FROM cases", NULL);
    assert_int_not_equal(outbreak_simulate(fx->s, &opt, &st, &err), 0);
    assert_int_equal(scalar(fx, "SELECT count(*) FROM cases", NULL), cases);
}

/* Four concentrations, issue 17 item 5: a confirmed case transferred out to
 * care outside the jurisdiction resolves its own alert, leaves the "outside
 * a designated hospital" counter (equal to its rebuild), and still counts in
 * its region's bulletin; a closed case cannot be transferred. */
static void a_case_transferred_out_resolves_its_alert(void **state)
{
    struct fixture *fx = *state;
    struct ep_error err;
    ep_error_clear(&err);
    int64_t t = at(time_today_cn() - 2, 10);
    struct case_input in = {
        .person_id = new_person(fx, GRID_A), .status = "confirmed", .at_unix = t};
    struct case_record c;
    assert_int_equal(case_create(fx->s, &fx->admin, &in, NULL, &c, &err), 0);
    assert_int_equal(c.outside_hospital, 1);
    char key[64];
    snprintf(key, sizeof key, "case_outside_hospital:%lld", (long long)c.id);
    /* A control character in the institution's name is refused, nothing written. */
    struct case_change ch = {.transferred_to = "省人民医院\x01", .at_unix = t + 60};
    assert_int_equal(case_update(fx->s, &fx->admin, c.id, &ch, &c, &err), -EP_EINVAL);
    assert_string_equal(err.fields[0].field, "transferred_to");
    ep_error_clear(&err);
    ch = (struct case_change){.transferred_to = "湖南省人民医院", .at_unix = t + 60};
    assert_int_equal(case_update(fx->s, &fx->admin, c.id, &ch, &c, &err), 0);
    assert_int_equal(c.outside_hospital, 0);
    assert_string_equal(c.transferred_to, "湖南省人民医院");
    char day[11];
    time_date_format(time_today_cn() - 2, day);
    assert_string_equal(c.transferred_date, day);
    assert_int_equal(
        scalar(fx,
               "SELECT count(*) FROM alerts WHERE dedup_key = ? AND status = 'resolved'"
               " AND note LIKE '%转出%'",
               key),
        1);
    int64_t n;
    assert_int_equal(counter_get(fx->s, CITY, "cases_outside_hospital", &n, &err), 0);
    assert_int_equal(n, 0);
    const char *codes[] = {CITY, COUNTY1, GRID_A};
    counters_equal_rebuild(fx, codes, 3);
    /* Still a current confirmed case of its region. */
    struct bulletin b;
    time_date_format(time_today_cn(), day);
    assert_int_equal(bulletin_compute(fx->s, CITY, day, &b, &err), 0);
    assert_int_equal(b.total.hospitalised_now, 1);
    bulletin_cleanup(&b);
    /* Back in the jurisdiction's care, then discharged: no more transfers. */
    ch = (struct case_change){.transferred_to = "", .at_unix = t + 120};
    assert_int_equal(case_update(fx->s, &fx->admin, c.id, &ch, &c, &err), 0);
    assert_int_equal(c.outside_hospital, 1);
    assert_string_equal(c.transferred_date, "");
    ch = (struct case_change){.status = "discharged", .at_unix = t + 180};
    assert_int_equal(case_update(fx->s, &fx->admin, c.id, &ch, &c, &err), 0);
    ch = (struct case_change){.transferred_to = "湖南省人民医院", .at_unix = t + 240};
    assert_int_equal(case_update(fx->s, &fx->admin, c.id, &ch, &c, &err), -EP_ERULE);
    assert_string_equal(err.fields[0].field, "transferred_to");
    counters_equal_rebuild(fx, codes, 3);
}

/* Chinese text names a cross-jurisdiction request's status in Chinese; an unknown code stays. */
static void assist_status_labels(void **state)
{
    (void)state;
    assert_string_equal(assist_status_zh("pending"), "待签收");
    assert_string_equal(assist_status_zh("acknowledged"), "已签收");
    assert_string_equal(assist_status_zh("observing"), "已落实观察");
    assert_string_equal(assist_status_zh("not_found"), "查无此人");
    assert_string_equal(assist_status_zh("lost"), "lost");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            state_machine_every_pair_allowed_or_refused_with_its_message, setup, teardown),
        cmocka_unit_test_setup_teardown(severity_placement_and_four_concentrations, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(contacts_open_observations_and_form_a_chain, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_case_transferred_out_resolves_its_alert, setup, teardown),
        cmocka_unit_test_setup_teardown(bulletin_equals_the_oracle_and_past_days_do_not_change,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(late_and_back_dated_records_land_on_their_day, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            demo_outbreak_bulletin_equals_the_oracle_every_day_every_county, setup_demo, teardown),
        cmocka_unit_test(assist_status_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
