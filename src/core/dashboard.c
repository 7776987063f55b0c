/*
 * dashboard.c -- the command dashboard from roll-ups (see dashboard.h).
 *
 * Every figure is a counter read by its key (counter_get_many: primary-key
 * lookups, COUNTER_PICK_BATCH per statement run): the fixed metrics, today's
 * value of the dated ones and the DASHBOARD_TREND_DAYS keys of each trend
 * line -- about 120 keys for the region, 16 per child.  Cumulative figures
 * are counters of their own (cases_confirmed_total, teams_total), never a
 * sum over a dated family.  So a city and a grid cost the same, whatever
 * lies below them, and the cost does not grow with the days of an outbreak.
 */
#include "core/dashboard.h"

#include <stdio.h>
#include <string.h>

#include "core/alert.h"
#include "core/bulletin.h"
#include "core/command.h"
#include "core/counter.h"
#include "core/region.h"
#include "core/roster.h"
#include "core/screening.h"
#include "util/timeutil.h"

#define NAMES_MAX 160 /* metric names read for one region */

/* The first figures of a region and of each of its children. */
#define FIXED_SHARED                                                                               \
    "households", "persons", "obs_active.home", "obs_active.centralized", "obs_active.medical",    \
        "overdue_now", "alerts_open.high", "alerts_open.medium", "alerts_open.low"

/* The region's metrics read by key, besides the dated ones. */
static const char *const region_fixed[] = {
    FIXED_SHARED,
    "cases_confirmed_total",
    "cases_current.suspected",
    "cases_current.confirmed",
    "cases_current.asymptomatic",
    "cases_outside_hospital",
    "cases_discharged_total",
    "cases_deaths_total",
    "contacts_total",
    "teams_total",
    "org_members.regular",
    "org_members.temporary",
    "org_members.mobile",
    "service_minutes",
    "supply_low",
    "donations",
    "donation_money_fen",
    "directive_units",
    "directive_units_read",
    "inspections",
    "findings.open",
    "findings.rectified",
    "broadcast_acks",
};

/* Dated metrics read for the day only. */
static const char *const region_today[] = {"obs_released.", "checkpoint_fevers.",
                                           "cases_discharged.", "cases_deaths."};

/* The figures that are "now" whatever the date asked: counters of the
 * current state.  A past date's dashboard names them (now_only); its cases
 * and its active observations come from the facts as they stood (the
 * bulletin's fold), its dated figures from that day's counters. */
static const char *const now_only[] = {
    "registry",
    "observation.active_home",
    "observation.active_centralized",
    "observation.active_medical",
    "observation.overdue_now",
    "alerts.open",
    "alerts.open_high",
    "alerts.open_medium",
    "alerts.open_low",
    "cases.outside_hospital",
    "coverage",
    "mobilisation.teams",
    "mobilisation.org_members",
    "mobilisation.service_minutes",
    "supplies",
    "directives",
    "rectifications.open",
    "rectifications.rectified",
    "rectifications.inspections",
    "broadcasts",
    "children[].households",
    "children[].persons",
    "children[].obs_active",
    "children[].overdue_now",
    "children[].alerts_open",
    "children[].cases_current",
    "children[].findings_open",
    "children[].visited",
    "children[].coverage_rate",
};

/* The trend lines: the last DASHBOARD_TREND_DAYS keys of each family (the
 * day's value is the last of them). */
static const struct {
    const char *prefix, *key;
} series[] = {
    {"obs_new.", "obs_new"},
    {"alerts_raised.", "alerts_raised"},
    {"reports.", "reports"},
    {"reports_abnormal.", "reports_abnormal"},
    {"cases_confirmed.", "cases_confirmed"},
    {"checkpoint_entries.", "checkpoint_entries"},
};

/* A child's figures. */
static const char *const child_fixed[] = {
    FIXED_SHARED,
    "cases_current.suspected",
    "cases_current.confirmed",
    "cases_current.asymptomatic",
    "findings.open",
};
static const char *const child_today[] = {"reports.", "reports_abnormal."};

/* The metric names to read for one region. */
struct names {
    const char *ptr[NAMES_MAX];
    char text[NAMES_MAX][64];
    size_t n;
};

/* Adds "<a><b>" to the names. */
static void names_add(struct names *names, const char *a, const char *b)
{
    if (names->n == NAMES_MAX)
        return; /* the lists above are far shorter; a missing key reads as 0 */
    size_t i = names->n;
    int len = snprintf(names->text[i], sizeof names->text[i], "%s%s", a, b);
    if (len < 0 || (size_t)len >= sizeof names->text[i])
        return;
    names->ptr[i] = names->text[i];
    names->n++;
}

/* Adds "<prefix><day>" for the "days" days ending at day number "end". */
static void names_add_days(struct names *names, const char *prefix, int64_t end, int days)
{
    for (int64_t d = end - days + 1; d <= end; d++) {
        char day[11];
        time_date_format(d, day);
        names_add(names, prefix, day);
    }
}

/* Adds "visited.r<round>" when a round is open. */
static void names_add_round(struct names *names, int64_t round_id)
{
    char r[32];
    snprintf(r, sizeof r, "r%lld", (long long)round_id);
    names_add(names, "visited.", r);
}

/* The "names" of "code" as {metric: value} (0 when never counted); NULL
 * with err set. */
static json_t *counters_read(struct store *s, const char *code, const struct names *names,
                             struct ep_error *err)
{
    int64_t values[NAMES_MAX];
    if (counter_get_many(s, code, names->ptr, names->n, values, err) != 0)
        return NULL;
    json_t *m = json_object();
    for (size_t i = 0; i < names->n; i++)
        json_object_set_new(m, names->ptr[i], json_integer(values[i]));
    return m;
}

static int64_t get(const json_t *m, const char *metric)
{
    return json_integer_value(json_object_get(m, metric));
}

static int64_t get_dated(const json_t *m, const char *prefix, const char *date)
{
    char metric[64];
    snprintf(metric, sizeof metric, "%s%s", prefix, date);
    return get(m, metric);
}

struct round_pick {
    const char *code;
    struct round round;
    int found;
};

static int pick_round(const struct round *r, void *arg)
{
    struct round_pick *p = arg;
    if (strcmp(r->status, "open") != 0)
        return 0;
    p->round = *r;
    p->found = 1;
    return 1;
}

/* Households and visited of the round, within "code" and the round's subtree. */
static json_t *coverage_json(const struct round_pick *p, const json_t *m, const json_t *round_m)
{
    if (!p->found)
        return json_pack("{s:n, s:i, s:i, s:n}", "round", "households", 0, "visited", 0, "rate");
    char metric[64];
    snprintf(metric, sizeof metric, "visited.r%lld", (long long)p->round.id);
    /* The denominator is the smaller of the two subtrees. */
    int64_t households = get(round_m ? round_m : m, "households");
    int64_t visited = get(m, metric);
    json_t *j =
        json_pack("{s:{s:I, s:s, s:s, s:s, s:s}, s:I, s:I}", "round", "id", (json_int_t)p->round.id,
                  "name", p->round.name, "region_code", p->round.region_code, "start_date",
                  p->round.start_date, "end_date", p->round.end_date, "households",
                  (json_int_t)households, "visited", (json_int_t)visited);
    json_object_set_new(j, "rate",
                        households ? json_real((double)visited / (double)households) : json_null());
    return j;
}

static json_t *alerts_json(struct store *s, const char *code, const char *date, const json_t *m,
                           struct ep_error *err)
{
    struct alert_timeliness t;
    if (alert_timeliness_get(s, code, date, &t, err) != 0)
        return NULL;
    int64_t high = get(m, "alerts_open.high"), medium = get(m, "alerts_open.medium"),
            low = get(m, "alerts_open.low");
    json_t *j =
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "open", (json_int_t)(high + medium + low),
                  "open_high", (json_int_t)high, "open_medium", (json_int_t)medium, "open_low",
                  (json_int_t)low, "raised_today", (json_int_t)get_dated(m, "alerts_raised.", date),
                  "acknowledged_today", (json_int_t)t.ack.count);
    int64_t median = t.ack.median_bucket >= 0 ? alert_bucket_upper(t.ack.median_bucket) : -2;
    /* -1 is the unbounded bucket ("more than a day"), -2 no acknowledgement yet. */
    json_object_set_new(j, "ack_median_seconds", median >= 0 ? json_integer(median) : json_null());
    json_object_set_new(j, "ack_median_bucket",
                        t.ack.median_bucket >= 0
                            ? json_string(alert_bucket_name(t.ack.median_bucket))
                            : json_null());
    return j;
}

static json_t *trend_json(const json_t *m, int64_t end)
{
    json_t *dates = json_array(), *j = json_object();
    json_object_set_new(j, "dates", dates);
    for (size_t i = 0; i < sizeof series / sizeof series[0]; i++)
        json_object_set_new(j, series[i].key, json_array());
    for (int64_t d = end - DASHBOARD_TREND_DAYS + 1; d <= end; d++) {
        char day[11];
        time_date_format(d, day);
        json_array_append_new(dates, json_string(day));
        for (size_t i = 0; i < sizeof series / sizeof series[0]; i++)
            json_array_append_new(json_object_get(j, series[i].key),
                                  json_integer(get_dated(m, series[i].prefix, day)));
    }
    return j;
}

struct child_ctx {
    struct store *s;
    const char *date;
    const struct round_pick *round;
    json_t *items;
    struct ep_error *err;
};

static int add_child(const struct region *r, void *arg)
{
    struct child_ctx *c = arg;
    struct names names = {.n = 0};
    for (size_t i = 0; i < sizeof child_fixed / sizeof child_fixed[0]; i++)
        names_add(&names, child_fixed[i], "");
    for (size_t i = 0; i < sizeof child_today / sizeof child_today[0]; i++)
        names_add(&names, child_today[i], c->date);
    if (c->round->found)
        names_add_round(&names, c->round->round.id);
    json_t *m = counters_read(c->s, r->code, &names, c->err);
    if (!m)
        return -EP_EINTERNAL;
    int64_t active =
        get(m, "obs_active.home") + get(m, "obs_active.centralized") + get(m, "obs_active.medical");
    json_t *j = json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "code", r->code, "name",
        r->name, "level", region_level_name(r->level), "households",
        (json_int_t)get(m, "households"), "persons", (json_int_t)get(m, "persons"), "obs_active",
        (json_int_t)active, "overdue_now", (json_int_t)get(m, "overdue_now"), "alerts_open",
        (json_int_t)(get(m, "alerts_open.high") + get(m, "alerts_open.medium") +
                     get(m, "alerts_open.low")),
        "reports_today", (json_int_t)get_dated(m, "reports.", c->date), "abnormal_today",
        (json_int_t)get_dated(m, "reports_abnormal.", c->date), "cases_current",
        (json_int_t)(get(m, "cases_current.suspected") + get(m, "cases_current.confirmed") +
                     get(m, "cases_current.asymptomatic")),
        "findings_open", (json_int_t)get(m, "findings.open"));
    char metric[64];
    snprintf(metric, sizeof metric, "visited.r%lld", (long long)c->round->round.id);
    int64_t visited = c->round->found ? get(m, metric) : 0, households = get(m, "households");
    json_object_set_new(j, "visited", json_integer(visited));
    json_object_set_new(j, "coverage_rate",
                        c->round->found && households
                            ? json_real((double)visited / (double)households)
                            : json_null());
    json_decref(m);
    /* The level that applies to the child (its own or inherited): the map
     * can be coloured by it. */
    json_t *level;
    if (command_level_at(c->s, r->code, c->date, &level, c->err) != 0) {
        json_decref(j);
        return -EP_EINTERNAL;
    }
    json_object_set(j, "response_level", json_object_get(level, "level"));
    json_decref(level);
    json_array_append_new(c->items, j);
    return 0;
}

/* A past day: the cases block and the active observations as they stood
 * at the end of "date" (the bulletin's fold over the facts: the totals are
 * counters of now), and the list of the figures that stay "now". */
static int as_it_stood(struct store *s, const char *code, const char *date, json_t *j,
                       struct ep_error *err)
{
    struct bulletin b;
    int rc = bulletin_compute(s, code, date, &b, err);
    if (rc != 0)
        return rc;
    const struct bulletin_figures *f = &b.total;
    json_t *cases = json_object_get(j, "cases");
    json_object_set_new(cases, "confirmed_total", json_integer(f->confirmed_total));
    json_object_set_new(cases, "current_suspected", json_integer(f->suspected_now));
    json_object_set_new(cases, "current_confirmed", json_integer(f->hospitalised_now));
    json_object_set_new(cases, "current_asymptomatic", json_integer(f->asymptomatic_now));
    json_object_set_new(cases, "discharged_total", json_integer(f->discharged_total));
    json_object_set_new(cases, "deaths_total", json_integer(f->deaths_total));
    json_object_set_new(cases, "contacts_total", json_integer(f->contacts_total));
    json_object_set_new(json_object_get(j, "observation"), "active",
                        json_integer(f->observing_now));
    bulletin_cleanup(&b);
    json_t *list = json_array();
    for (size_t i = 0; i < sizeof now_only / sizeof now_only[0]; i++)
        json_array_append_new(list, json_string(now_only[i]));
    json_object_set_new(j, "now_only", list);
    return 0;
}

int dashboard_get(struct store *s, const struct auth_user *user, const char *code, const char *date,
                  json_t **out, struct ep_error *err)
{
    *out = NULL;
    struct region r;
    int64_t day_no;
    if (time_date_parse(date, &day_no) != 0)
        return ep_error_set(err, EP_EINTERNAL, "日期无效", "invalid date");
    if (region_get(s, code, &r, err) != 0)
        return -err->code;
    json_t *m = NULL, *round_m = NULL;
    int rc = -EP_EINTERNAL;
    json_t *j = json_pack("{s:{s:s, s:s, s:s}, s:s}", "region", "code", r.code, "name", r.name,
                          "level", region_level_name(r.level), "date", date);
    /* The latest open round that concerns the region. */
    struct round_pick round = {code, {0}, 0};
    if (round_list(s, code, 0, 50, pick_round, &round, err) < 0)
        goto out;
    /* The figures of the region, by key. */
    struct names names = {.n = 0};
    for (size_t i = 0; i < sizeof region_fixed / sizeof region_fixed[0]; i++)
        names_add(&names, region_fixed[i], "");
    for (size_t i = 0; i < sizeof region_today / sizeof region_today[0]; i++)
        names_add(&names, region_today[i], date);
    for (size_t i = 0; i < sizeof series / sizeof series[0]; i++)
        names_add_days(&names, series[i].prefix, day_no, DASHBOARD_TREND_DAYS);
    if (round.found)
        names_add_round(&names, round.round.id);
    if (!(m = counters_read(s, code, &names, err)))
        goto out;
    /* The round's denominator when its subtree is below the region. */
    if (round.found && strlen(round.round.region_code) > strlen(code)) {
        int64_t households = 0;
        if (counter_get(s, round.round.region_code, "households", &households, err) != 0)
            goto out;
        round_m = json_pack("{s:I}", "households", (json_int_t)households);
    }
    int64_t active =
        get(m, "obs_active.home") + get(m, "obs_active.centralized") + get(m, "obs_active.medical");
    json_object_set_new(j, "registry",
                        json_pack("{s:I, s:I}", "households", (json_int_t)get(m, "households"),
                                  "persons", (json_int_t)get(m, "persons")));
    json_object_set_new(j, "observation",
                        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "active",
                                  (json_int_t)active, "active_home",
                                  (json_int_t)get(m, "obs_active.home"), "active_centralized",
                                  (json_int_t)get(m, "obs_active.centralized"), "active_medical",
                                  (json_int_t)get(m, "obs_active.medical"), "new_today",
                                  (json_int_t)get_dated(m, "obs_new.", date), "released_today",
                                  (json_int_t)get_dated(m, "obs_released.", date), "overdue_now",
                                  (json_int_t)get(m, "overdue_now")));
    json_object_set_new(j, "reports",
                        json_pack("{s:I, s:I}", "received_today",
                                  (json_int_t)get_dated(m, "reports.", date), "abnormal_today",
                                  (json_int_t)get_dated(m, "reports_abnormal.", date)));
    json_object_set_new(j, "coverage", coverage_json(&round, m, round_m));
    json_t *alerts = alerts_json(s, code, date, m, err);
    if (!alerts)
        goto out;
    json_object_set_new(j, "alerts", alerts);
    json_t *cases =
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "confirmed_today",
                  (json_int_t)get_dated(m, "cases_confirmed.", date), "confirmed_total",
                  (json_int_t)get(m, "cases_confirmed_total"), "current_suspected",
                  (json_int_t)get(m, "cases_current.suspected"), "current_confirmed",
                  (json_int_t)get(m, "cases_current.confirmed"), "current_asymptomatic",
                  (json_int_t)get(m, "cases_current.asymptomatic"), "discharged_today",
                  (json_int_t)get_dated(m, "cases_discharged.", date), "discharged_total",
                  (json_int_t)get(m, "cases_discharged_total"), "deaths_today",
                  (json_int_t)get_dated(m, "cases_deaths.", date), "deaths_total",
                  (json_int_t)get(m, "cases_deaths_total"), "outside_hospital",
                  (json_int_t)get(m, "cases_outside_hospital"), "contacts_total",
                  (json_int_t)get(m, "contacts_total"));
    json_object_set_new(j, "cases", cases);
    if (day_no < time_today_cn() && as_it_stood(s, code, date, j, err) != 0)
        goto out;
    json_object_set_new(
        j, "mobilisation",
        json_pack("{s:I, s:I, s:I, s:I, s:I}", "teams", (json_int_t)get(m, "teams_total"),
                  "org_members",
                  (json_int_t)(get(m, "org_members.regular") + get(m, "org_members.temporary") +
                               get(m, "org_members.mobile")),
                  "service_minutes", (json_int_t)get(m, "service_minutes"),
                  "checkpoint_entries_today", (json_int_t)get_dated(m, "checkpoint_entries.", date),
                  "checkpoint_fevers_today", (json_int_t)get_dated(m, "checkpoint_fevers.", date)));
    /* Teams on duty and roster gaps move with the clock, so they come from
     * the day's shifts (roster_day_summary: the day's shifts of the region
     * through the places' region index), not from counters. */
    json_t *duty = NULL;
    if (roster_day_summary(s, code, day_no, &duty, err) != 0)
        goto out;
    json_object_set_new(json_object_get(j, "mobilisation"), "duty", duty);
    json_object_set_new(j, "supplies",
                        json_pack("{s:I, s:I, s:I}", "low", (json_int_t)get(m, "supply_low"),
                                  "donations", (json_int_t)get(m, "donations"),
                                  "donation_money_fen", (json_int_t)get(m, "donation_money_fen")));
    json_t *level;
    if (command_level_at(s, code, date, &level, err) != 0)
        goto out;
    json_object_set_new(j, "response_level", level);
    int64_t unread = 0, overdue = 0;
    if (command_directive_unread_count(s, user, &unread, err) != 0 ||
        command_findings_overdue_count(s, code, date, &overdue, err) != 0)
        goto out;
    json_object_set_new(j, "directives",
                        json_pack("{s:I, s:I, s:I}", "unread_for_me", (json_int_t)unread, "units",
                                  (json_int_t)get(m, "directive_units"), "units_read",
                                  (json_int_t)get(m, "directive_units_read")));
    json_object_set_new(
        j, "rectifications",
        json_pack("{s:I, s:I, s:I, s:I}", "open", (json_int_t)get(m, "findings.open"), "rectified",
                  (json_int_t)get(m, "findings.rectified"), "overdue", (json_int_t)overdue,
                  "inspections", (json_int_t)get(m, "inspections")));
    json_object_set_new(j, "broadcasts",
                        json_pack("{s:I}", "acks", (json_int_t)get(m, "broadcast_acks")));
    json_object_set_new(j, "trend", trend_json(m, day_no));
    struct child_ctx c = {s, date, &round, json_array(), err};
    json_object_set_new(j, "children", c.items);
    if (region_children_list(s, code, add_child, &c, err) != 0)
        goto out;
    rc = 0;
out:
    json_decref(m);
    json_decref(round_m);
    if (rc != 0) {
        json_decref(j);
        return err->code ? -err->code : rc;
    }
    *out = j;
    return 0;
}
