/*
 * outbreak.c -- the simulated outbreak (see outbreak.h).
 *
 * The simulation keeps a small plan in memory: for each case the day its
 * next change is due, for each contact the day it falls ill (or never).
 * Each simulated day runs in one transaction with moments increasing by a
 * minute per action, so that every case's history is in time order.
 */
#include "gen/outbreak.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/case.h"
#include "core/contact.h"
#include "core/counter.h"
#include "core/person.h"
#include "core/region.h"
#include "core/site.h"
#include "util/timeutil.h"

#define MAX_COUNTIES 32
#define MAX_CASES    2048
#define MAX_CONTACTS 8192

struct sim_case {
    int64_t id;
    int64_t person_id;
    int county;        /* index into counties */
    char status[16];   /* as last set */
    int64_t due;       /* day of the next planned change, -1 none */
    int64_t confirmed; /* day confirmed, -1 */
    int fatal;         /* 1: will die */
    int in_clinic;     /* 1: placed in the fever clinic, to be moved */
};

struct sim_contact {
    int64_t id;
    int64_t person_id;
    int64_t ill_day; /* day the contact falls ill, -1 never */
};

struct sim {
    struct store *s;
    struct actor who;
    struct auth_user user;
    uint64_t rng;
    int64_t persons; /* persons in the city: ids 1..persons */
    int ncounties;
    char county_code[MAX_COUNTIES][REGION_CODE_MAX];
    char county_name[MAX_COUNTIES][REGION_NAME_MAX];
    int64_t hospital[MAX_COUNTIES], clinic[MAX_COUNTIES];
    int64_t city_hospital;
    struct sim_case *cases;
    int ncases;
    struct sim_contact *contacts;
    int ncontacts;
    int64_t day;    /* the simulated day */
    int64_t moment; /* the next action's unix time */
    int64_t last_day;
    int deaths;
    struct outbreak_stats *stats;
};

static uint32_t rnd(struct sim *m, uint32_t n)
{
    m->rng ^= m->rng << 13;
    m->rng ^= m->rng >> 7;
    m->rng ^= m->rng << 17;
    return n ? (uint32_t)(m->rng % n) : 0;
}

static int64_t tick(struct sim *m)
{
    m->moment += 60;
    return m->moment;
}

static int add_county(const struct region *r, void *arg)
{
    struct sim *m = arg;
    if (m->ncounties < MAX_COUNTIES) {
        snprintf(m->county_code[m->ncounties], REGION_CODE_MAX, "%s", r->code);
        snprintf(m->county_name[m->ncounties], REGION_NAME_MAX, "%s", r->name);
        m->ncounties++;
    }
    return 0;
}

static int first_region(const struct region *r, void *arg)
{
    snprintf(arg, REGION_CODE_MAX, "%s", r->code);
    return 1;
}

static int64_t make_site(struct sim *m, const char *kind, const char *name, const char *code,
                         int64_t capacity, struct ep_error *err)
{
    struct site_input in = {kind, name, code, capacity, NULL};
    struct site out;
    if (site_create(m->s, &m->who, &in, &out, err) != 0)
        return -1;
    m->stats->sites++;
    return out.id;
}

/* A random person of the city (persons are numbered 1..N in the demo). */
static int pick_person(struct sim *m, struct person *p, struct ep_error *err)
{
    for (int tries = 0; tries < 20; tries++) {
        int64_t id = 1 + (int64_t)rnd(m, (uint32_t)m->persons);
        struct ep_error lookup;
        ep_error_clear(&lookup);
        int rc = person_get(m->s, "", id, p, &lookup);
        if (rc == 0)
            return 0;
        if (rc != -EP_ENOTFOUND) {
            *err = lookup;
            return rc;
        }
    }
    return ep_error_set(err, EP_ERULE, "找不到人员", "no persons found");
}

static int county_of(struct sim *m, const char *grid)
{
    for (int i = 0; i < m->ncounties; i++)
        if (region_in_scope(grid, m->county_code[i]))
            return i;
    return 0;
}

/* Reports a case; a conflict (the person already has an open case) is
 * skipped.  *index is the new sim_case or -1. */
static int report(struct sim *m, int64_t person_id, const char *status, int *index,
                  struct ep_error *err)
{
    *index = -1;
    if (m->ncases >= MAX_CASES)
        return 0;
    struct person p;
    if (person_get(m->s, "", person_id, &p, err) != 0)
        return -err->code;
    int county = county_of(m, p.grid_code);
    int clinic = strcmp(status, "confirmed") != 0 || rnd(m, 6) == 0;
    char onset[11];
    time_date_format(m->day - 1 - (int64_t)rnd(m, 4), onset);
    struct case_input in = {
        .person_id = person_id,
        .status = status,
        .severity = strcmp(status, "asymptomatic") == 0 ? NULL
                    : rnd(m, 5)                         ? "mild"
                                                        : "moderate",
        .onset_date = strcmp(status, "asymptomatic") == 0 ? NULL : onset,
        .site_id = clinic      ? m->clinic[county]
                   : rnd(m, 4) ? m->hospital[county]
                               : m->city_hospital,
        .at_unix = tick(m),
    };
    struct case_record c;
    struct ep_error local;
    ep_error_clear(&local);
    int rc = case_create(m->s, &m->who, &in, NULL, &c, &local);
    if (rc == -EP_ECONFLICT)
        return 0;
    if (rc != 0) {
        *err = local;
        return rc;
    }
    struct sim_case *x = &m->cases[m->ncases];
    memset(x, 0, sizeof *x);
    x->id = c.id;
    x->person_id = person_id;
    x->county = county;
    snprintf(x->status, sizeof x->status, "%s", status);
    x->confirmed = strcmp(status, "confirmed") == 0 ? m->day : -1;
    x->in_clinic = clinic && strcmp(status, "confirmed") == 0;
    x->due = strcmp(status, "suspected") == 0      ? m->day + 1 + rnd(m, 2)
             : strcmp(status, "asymptomatic") == 0 ? m->day + 14
             : x->in_clinic                        ? m->day + 1
                                                   : m->day + 12 + rnd(m, 9);
    *index = m->ncases++;
    m->stats->cases++;
    if (x->confirmed >= 0)
        m->stats->confirmed++;
    return 0;
}

/* Traces 2..6 close contacts of case i (and some contacts of contacts). */
static int trace(struct sim *m, int i, struct ep_error *err)
{
    int n = 2 + (int)rnd(m, 5);
    char last[11];
    time_date_format(m->day - 1, last);
    static const char *const types[] = {"household", "household", "work",
                                        "social",    "transport", "medical"};
    for (int k = 0; k < n && m->ncontacts < MAX_CONTACTS; k++) {
        struct person p;
        if (pick_person(m, &p, err) != 0)
            return -err->code;
        struct contact_input in = {.person_id = p.id,
                                   .source_case_id = m->cases[i].id,
                                   .contact_type = types[rnd(m, 6)],
                                   .last_contact_date = last,
                                   .at_unix = tick(m)};
        struct contact out;
        struct ep_error local;
        ep_error_clear(&local);
        int rc = contact_create(m->s, &m->who, &in, NULL, &out, &local);
        if (rc == -EP_ECONFLICT || rc == -EP_EINVAL)
            continue; /* the same person twice, or the source person */
        if (rc != 0) {
            *err = local;
            return rc;
        }
        struct sim_contact *c = &m->contacts[m->ncontacts++];
        c->id = out.id;
        c->person_id = p.id;
        c->ill_day = rnd(m, 100) < 12 ? m->day + 2 + rnd(m, 6) : -1;
        m->stats->contacts++;
        if (rnd(m, 5) == 0 && m->ncontacts < MAX_CONTACTS) {
            if (pick_person(m, &p, err) != 0)
                return -err->code;
            struct contact_input sub = {.person_id = p.id,
                                        .source_contact_id = out.id,
                                        .contact_type = "household",
                                        .last_contact_date = last,
                                        .at_unix = tick(m)};
            ep_error_clear(&local);
            rc = contact_create(m->s, &m->who, &sub, NULL, &out, &local);
            if (rc == 0) {
                struct sim_contact *c2 = &m->contacts[m->ncontacts++];
                c2->id = out.id;
                c2->person_id = p.id;
                c2->ill_day = -1;
                m->stats->contacts++;
            } else if (rc != -EP_ECONFLICT && rc != -EP_EINVAL) {
                *err = local;
                return rc;
            }
        }
    }
    return 0;
}

static int change(struct sim *m, int i, const struct case_change *ch, struct ep_error *err)
{
    struct case_record c;
    struct case_change x = *ch;
    x.at_unix = tick(m);
    if (case_update(m->s, &m->who, m->cases[i].id, &x, &c, err) != 0)
        return -err->code;
    snprintf(m->cases[i].status, sizeof m->cases[i].status, "%s", c.status);
    return 0;
}

/* The planned change of case i, due today. */
static int advance(struct sim *m, int i, struct ep_error *err)
{
    struct sim_case *x = &m->cases[i];
    x->due = -1;
    if (strcmp(x->status, "suspected") == 0) {
        int confirm = rnd(m, 10) < 6;
        struct case_change ch = {.status = confirm ? "confirmed" : "excluded"};
        if (confirm) {
            ch.site_given = 1;
            ch.site_id = m->hospital[x->county];
        }
        if (change(m, i, &ch, err) != 0)
            return -err->code;
        if (confirm) {
            x->confirmed = m->day;
            x->due = m->day + 12 + rnd(m, 9);
            m->stats->confirmed++;
            x->fatal = m->deaths < 2 && rnd(m, 12) == 0;
            if (x->fatal) {
                m->deaths++;
                x->due = m->day + 5 + rnd(m, 4);
            }
            return trace(m, i, err);
        }
        return 0;
    }
    if (strcmp(x->status, "confirmed") == 0 && x->in_clinic) {
        struct case_change ch = {.site_given = 1, .site_id = m->hospital[x->county]};
        x->in_clinic = 0;
        x->due = m->day + 11 + rnd(m, 9);
        return change(m, i, &ch, err);
    }
    if (strcmp(x->status, "confirmed") == 0 && x->fatal) {
        struct case_change sev = {.severity = "critical"};
        if (change(m, i, &sev, err) != 0)
            return -err->code;
        struct case_change ch = {.status = "deceased"};
        m->stats->deaths++;
        return change(m, i, &ch, err);
    }
    struct case_change ch = {.status = "discharged"};
    m->stats->discharged++;
    return change(m, i, &ch, err);
}

int outbreak_simulate(struct store *s, const struct outbreak_options *opt,
                      struct outbreak_stats *out, struct ep_error *err)
{
    struct outbreak_stats local_stats;
    if (!out)
        out = &local_stats;
    memset(out, 0, sizeof *out);
    int64_t first;
    if (!opt->first_day || time_date_parse(opt->first_day, &first) != 0)
        ep_error_field(err, "first_day", "日期无效,格式应为 YYYY-MM-DD",
                       "invalid date, expected YYYY-MM-DD");
    else if (opt->days < 1 || opt->days > 120 || first + opt->days - 1 > time_today_cn())
        ep_error_field(err, "days", "应为 1 到 120 天,且不晚于今天",
                       "must be 1 to 120 days ending no later than today");
    if (err->code)
        return -err->code;
    struct sim *m = calloc(1, sizeof *m);
    if (!m)
        return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
    m->cases = calloc(MAX_CASES, sizeof *m->cases);
    m->contacts = calloc(MAX_CONTACTS, sizeof *m->contacts);
    int rc = -EP_EINTERNAL;
    if (!m->cases || !m->contacts)
        goto done;
    m->s = s;
    audit_cli_actor(&m->user, &m->who);
    m->rng = opt->seed * 0x9E3779B97F4A7C15ULL + 0x2020012320200123ULL;
    m->stats = out;
    char city[REGION_CODE_MAX] = "";
    if ((rc = region_children_list(s, "", first_region, city, err)) < 0)
        goto done;
    rc = 0;
    if (city[0] && (rc = region_children_list(s, city, add_county, m, err)) != 0)
        goto done;
    if (city[0] && (rc = counter_get(s, city, "persons", &m->persons, err)) != 0)
        goto done;
    if (!m->ncounties || m->persons < 100) {
        rc = ep_error_set(err, EP_ERULE, "需要先生成示范城市(有县区和人员)",
                          "needs a city with counties and persons (epigrid demo)");
        goto done;
    }
    /* Sites: a designated hospital and a fever clinic per county, the city's hospital. */
    if ((rc = store_begin(s, err)) != 0)
        goto done;
    char name[REGION_NAME_MAX + 32];
    m->city_hospital = make_site(m, "designated_hospital", "永州市中心医院", city, 300, err);
    for (int i = 0; i < m->ncounties && m->city_hospital > 0; i++) {
        snprintf(name, sizeof name, "%s人民医院", m->county_name[i]);
        m->hospital[i] = make_site(m, "designated_hospital", name, m->county_code[i], 60, err);
        snprintf(name, sizeof name, "%s人民医院发热门诊", m->county_name[i]);
        m->clinic[i] = make_site(m, "fever_clinic", name, m->county_code[i], 20, err);
        snprintf(name, sizeof name, "%s集中隔离点", m->county_name[i]);
        if (m->hospital[i] < 0 || m->clinic[i] < 0 ||
            make_site(m, "quarantine_site", name, m->county_code[i], 100, err) < 0)
            break;
    }
    if (err->code) {
        store_rollback(s);
        rc = -err->code;
        goto done;
    }
    if ((rc = store_commit(s, err)) != 0)
        goto done;
    m->last_day = first + opt->days - 1;
    for (m->day = first; m->day <= m->last_day && rc == 0; m->day++) {
        m->moment = m->day * 86400 + 8 * 3600 - TIME_CN_OFFSET_SECONDS;
        if ((rc = store_begin(s, err)) != 0)
            break;
        int64_t n = m->day - first;
        /* Imported cases in the first two weeks. */
        int imports = n < 14 ? (int)rnd(m, 4) + (n < 7) : 0;
        if (n == 0)
            imports = 2;
        for (int k = 0; k < imports && rc == 0; k++) {
            struct person p;
            int idx;
            static const char *const first_status[] = {"suspected", "suspected", "confirmed",
                                                       "confirmed", "asymptomatic"};
            const char *st = first_status[rnd(m, 5)];
            if ((rc = pick_person(m, &p, err)) == 0 && (rc = report(m, p.id, st, &idx, err)) == 0 &&
                idx >= 0 && strcmp(st, "suspected") != 0)
                rc = trace(m, idx, err);
        }
        /* Suspected cases from fever clinics, most of them excluded. */
        if (rc == 0 && n < opt->days - 3 && rnd(m, 3) == 0) {
            struct person p;
            int idx;
            if ((rc = pick_person(m, &p, err)) == 0)
                rc = report(m, p.id, "suspected", &idx, err);
        }
        /* Contacts falling ill today: their observations become cases. */
        for (int k = 0; k < m->ncontacts && rc == 0; k++) {
            if (m->contacts[k].ill_day != m->day)
                continue;
            int idx;
            rc = report(m, m->contacts[k].person_id, rnd(m, 6) ? "suspected" : "asymptomatic", &idx,
                        err);
        }
        /* Planned changes, and a few cases getting worse. */
        int ncases = m->ncases;
        for (int i = 0; i < ncases && rc == 0; i++) {
            if (m->cases[i].due == m->day)
                rc = advance(m, i, err);
            else if (strcmp(m->cases[i].status, "confirmed") == 0 && !m->cases[i].fatal &&
                     rnd(m, 40) == 0) {
                struct case_change ch = {.severity = rnd(m, 2) ? "severe" : "moderate"};
                struct case_record c;
                ch.at_unix = tick(m);
                struct ep_error local;
                ep_error_clear(&local);
                int r2 = case_update(s, &m->who, m->cases[i].id, &ch, &c, &local);
                if (r2 != 0 && r2 != -EP_EINVAL) { /* EINVAL: the same severity */
                    *err = local;
                    rc = r2;
                }
            }
        }
        if (rc == 0)
            rc = store_commit(s, err);
        else
            store_rollback(s);
    }
done:
    free(m->cases);
    free(m->contacts);
    free(m);
    return rc;
}
