/*
 * simulate.c -- the demo city's activity (simulate.h).
 *
 * Order: the outbreak (its own transactions, ending yesterday), the
 * supplies (supply_demo_seed), the mobilisation and command seeds (one
 * transaction; the domain calls nest as savepoints), then the daily loop of
 * the last three days: a risk area, a screening round over the city, visits
 * in a sample of grids, health reports of the active observations at past
 * slots, the overdue sweep at now, and alerts acknowledged/resolved at
 * simulated moments before now.  A private PRNG (splitmix64) keeps it
 * deterministic for a seed.
 */
#include "gen/simulate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/alert.h"
#include "core/audit.h"
#include "core/broadcast.h"
#include "core/checkpoint.h"
#include "core/command.h"
#include "gen/demo.h"
#include "core/household.h"
#include "core/observation.h"
#include "core/org.h"
#include "gen/outbreak.h"
#include "core/person.h"
#include "core/profile.h"
#include "core/region.h"
#include "core/roster.h"
#include "core/screening.h"
#include "core/supply.h"
#include "gen/supply_demo.h"
#include "core/team.h"
#include "util/timeutil.h"

#define SAMPLE_HOUSEHOLDS 5000 /* visits of the daily loop, whatever the scale */
#define SAMPLE_OBS        1500 /* active observations given health reports */
#define SAMPLE_ALERTS     3000 /* alerts considered for acknowledgement */
#define LOOP_DAYS         3    /* the round covers today and the two days before */
#define OUTBREAK_DAYS     40

struct sim {
    struct store *s;
    struct auth_user user;
    struct actor who;
    uint64_t rng;
    int64_t now;   /* unix seconds at the start */
    int64_t today; /* China day number */
    struct simulate_stats *st;
    char **grids; /* every grid code, in code order (malloc) */
    int ngrids, capgrids;
    char county[16][REGION_CODE_MAX];
    int ncounties;
    int64_t uuid_seq; /* health reports' client UUIDs */
};

static uint64_t next(struct sim *m)
{
    uint64_t z = (m->rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static int64_t rnd(struct sim *m, int64_t n)
{
    return n > 0 ? (int64_t)(next(m) % (uint64_t)n) : 0;
}

/* ---- the city's regions ------------------------------------------------------ */

/* Appends a region's code to m->grids (used level by level: a cached
 * statement cannot be re-entered from its own callback). */
static int add_grid(const struct region *r, void *ctx)
{
    struct sim *m = ctx;
    if (m->ngrids == m->capgrids) {
        int cap = m->capgrids ? m->capgrids * 2 : 1024;
        char **g = realloc(m->grids, (size_t)cap * sizeof *g);
        if (!g)
            abort();
        m->grids = g;
        m->capgrids = cap;
    }
    m->grids[m->ngrids] = strdup(r->code);
    if (!m->grids[m->ngrids])
        abort();
    m->ngrids++;
    return 0;
}

/* Fills m->grids with every grid under the counties, in code order. */
static int collect_grids(struct sim *m, struct ep_error *err)
{
    for (int c = 0; c < m->ncounties; c++) {
        struct region county = {.level = REGION_COUNTY};
        snprintf(county.code, sizeof county.code, "%s", m->county[c]);
        add_grid(&county, m);
    }
    for (int level = REGION_COUNTY; level < REGION_GRID; level++) {
        char **parents = m->grids;
        int n = m->ngrids;
        m->grids = NULL;
        m->ngrids = m->capgrids = 0;
        int rc = 0;
        for (int i = 0; i < n && rc == 0; i++)
            if (region_children_list(m->s, parents[i], add_grid, m, err) < 0)
                rc = -EP_EINTERNAL;
        for (int i = 0; i < n; i++)
            free(parents[i]);
        free(parents);
        if (rc != 0)
            return err->code ? -err->code : rc;
    }
    return 0;
}

static int add_county(const struct region *r, void *ctx)
{
    struct sim *m = ctx;
    if (m->ncounties < 16)
        snprintf(m->county[m->ncounties++], REGION_CODE_MAX, "%s", r->code);
    return 0;
}

/* The first grid under "prefix", or NULL. */
static const char *first_grid(struct sim *m, const char *prefix)
{
    size_t n = strlen(prefix);
    for (int i = 0; i < m->ngrids; i++)
        if (strncmp(m->grids[i], prefix, n) == 0)
            return m->grids[i];
    return NULL;
}

/* ---- persons ----------------------------------------------------------------- */

#define PICK_MAX 64
struct picked {
    struct person p[PICK_MAX];
    int n, max;
};

static int collect_person(const struct person *p, void *ctx)
{
    struct picked *k = ctx;
    if (k->n < k->max)
        k->p[k->n++] = *p;
    return k->n >= k->max;
}

/* Up to "max" persons of "region" (a grid), in list order. */
static int persons_of(struct sim *m, const char *region, int64_t household, int max,
                      struct picked *out, struct ep_error *err)
{
    out->n = 0;
    out->max = max < PICK_MAX ? max : PICK_MAX;
    struct person_filter f = {
        .scope = DEMO_CODE_CITY, .region = region, .household_id = household, .limit = out->max};
    int rc = person_list(m->s, &f, collect_person, out, err);
    return rc < 0 ? rc : 0;
}

/* ---- mobilisation and command seeds ------------------------------------------- */

static int64_t json_id(json_t *o)
{
    int64_t id = o ? (int64_t)json_integer_value(json_object_get(o, "id")) : 0;
    json_decref(o);
    return id;
}

static void date_of(int64_t day, char out[11])
{
    time_date_format(day, out);
}

static void iso_of(int64_t unix_time, char out[32])
{
    time_iso_from_unix((time_t)unix_time, out);
}

/* Organisations, members, teams, an application, grid duties. */
static int seed_mobilisation(struct sim *m, struct ep_error *err)
{
    static const char *const types[] = {"commando", "vanguard",   "volunteer",
                                        "patrol",   "sanitation", "emergency"};
    static const char *const roles[] = {"secretary", "deputy_secretary", "committee",   "member",
                                        "member",    "member",           "probationary"};
    char founded[11], name[REGION_NAME_MAX + 64];
    date_of(m->today - 400, founded);
    int rc = 0;
    for (int c = 0; c < m->ncounties && rc == 0; c++) {
        const char *grid = first_grid(m, m->county[c]);
        struct region county;
        if (!grid || (rc = region_get(m->s, m->county[c], &county, err)) != 0)
            continue;
        /* The county's committee branch and one in its first grid's village. */
        snprintf(name, sizeof name, "中共%s委员会机关党支部", county.name);
        json_t *o = NULL;
        struct org_input oi = {name, "regular", m->county[c], 0, NULL, founded};
        if ((rc = org_create(m->s, &m->who, &oi, &o, err)) != 0)
            break;
        int64_t root = json_id(o);
        char village[REGION_CODE_MAX];
        snprintf(village, sizeof village, "%.12s", grid);
        struct region v;
        if ((rc = region_get(m->s, village, &v, err)) != 0)
            break;
        snprintf(name, sizeof name, "%s党支部", v.name);
        struct org_input vi = {name, "regular", village, root, NULL, founded};
        o = NULL;
        if ((rc = org_create(m->s, &m->who, &vi, &o, err)) != 0)
            break;
        int64_t branch = json_id(o);
        m->st->organisations += 2;
        /* Members: persons of the grid. */
        struct picked *k = malloc(sizeof *k);
        if (!k)
            abort();
        if ((rc = persons_of(m, grid, 0, 12, k, err)) != 0) {
            free(k);
            break;
        }
        int64_t ids[12];
        int n = 0;
        char joined[11];
        for (int i = 0; i < k->n && rc == 0; i++) {
            date_of(m->today - 3000 + rnd(m, 2500), joined);
            struct org_member_input mi = {k->p[i].id, roles[i % 7], joined};
            json_t *mo = NULL;
            rc = org_member_add(m->s, &m->who, branch, &mi, &mo, err);
            json_decref(mo);
            if (rc == 0)
                ids[n++] = k->p[i].id;
        }
        free(k);
        if (rc != 0)
            break;
        /* Two teams of catalogue types with members. */
        for (int t = 0; t < 2 && n >= 4 && rc == 0; t++) {
            const char *type = types[(c * 2 + t) % 6];
            snprintf(name, sizeof name, "%s%s", v.name,
                     t == 0 ? (strcmp(type, "commando") == 0 ? "党员突击队" : "党员服务队")
                            : "志愿服务队");
            struct team_input ti = {.name = name,
                                    .type = t == 0 ? type : "volunteer",
                                    .org_id = branch,
                                    .member_ids = ids + t * 2,
                                    .nmembers = n - t * 2 < 6 ? n - t * 2 : 6};
            char from[11];
            date_of(m->today - 30, from);
            ti.active_from = from;
            json_t *to = NULL;
            rc = team_create(m->s, &m->who, &ti, &to, err);
            json_decref(to);
            if (rc == 0)
                m->st->teams++;
        }
        /* An application to serve, approved into a 党员突击队, in the first county. */
        if (rc == 0 && c == 0 && n >= 3) {
            struct org_application_input ai = {
                branch,      ids, 3, "请战小组", "疫情就是命令,防控就是责任。我们请求到抗疫一线去!",
                "到卡点值守"};
            json_t *ao = NULL;
            if ((rc = org_application_create(m->s, &m->who, &ai, &ao, err)) == 0) {
                int64_t app = json_id(ao);
                snprintf(name, sizeof name, "%s请战党员突击队", v.name);
                struct team_input ti = {.name = name, .type = "commando", .org_id = branch};
                json_t *d = NULL;
                rc = org_application_decide(m->s, &m->who, app, "approve", "同意", &ti, &d, err);
                json_decref(d);
                if (rc == 0)
                    m->st->teams++;
            }
        }
        /* Grid duty: the first grid of the county; the others stay unassigned. */
        if (rc == 0 && n >= 2) {
            json_t *g = NULL;
            rc = org_grid_duty_set(m->s, &m->who, grid, ids[0], ids + 1, 1, &g, err);
            json_decref(g);
        }
    }
    return rc;
}

/* 雍景园小区: duty, a checkpoint with entries (a temporary branch there), a
 * mobile branch, a 24-hour roster of yesterday with one gap. */
static int seed_yongjingyuan(struct sim *m, struct ep_error *err)
{
    const char *grid = DEMO_CODE_YONGJINGYUAN;
    struct picked *k = malloc(sizeof *k);
    if (!k)
        abort();
    int rc = persons_of(m, grid, 0, 20, k, err);
    if (rc != 0 || k->n < 10) {
        free(k);
        return rc;
    }
    json_t *o = NULL;
    if ((rc = org_grid_duty_set(m->s, &m->who, grid, k->p[0].id,
                                (int64_t[]){k->p[1].id, k->p[2].id}, 2, &o, err)) != 0)
        goto done;
    json_decref(o);
    o = NULL;
    if ((rc = checkpoint_create(m->s, &m->who, "雍景园小区东门卡点", grid, "24h", &o, err)) != 0)
        goto done;
    int64_t cp = (int64_t)json_integer_value(json_object_get(o, "id"));
    int64_t place = (int64_t)json_integer_value(json_object_get(o, "place_id"));
    json_decref(o);
    o = NULL;
    /* The temporary branch at the checkpoint and a mobile branch of migrant workers. */
    char founded[11];
    date_of(m->today - 20, founded);
    struct org_input ti = {"雍景园小区东门卡点临时党支部", "temporary", grid, 0, NULL, founded};
    if ((rc = org_create(m->s, &m->who, &ti, &o, err)) != 0)
        goto done;
    int64_t temp = json_id(o);
    o = NULL;
    struct org_input mi = {"东安县驻东莞流动党支部", "mobile", DEMO_CODE_DONGAN, 0,
                           "广东省东莞市",           founded};
    if ((rc = org_create(m->s, &m->who, &mi, &o, err)) != 0)
        goto done;
    json_decref(o);
    o = NULL;
    m->st->organisations += 2;
    for (int i = 3; i < 6 && rc == 0; i++) {
        struct org_member_input mm = {k->p[i].id, i == 3 ? "secretary" : "member", founded};
        rc = org_member_add(m->s, &m->who, temp, &mm, &o, err);
        json_decref(o);
        o = NULL;
    }
    if (rc != 0)
        goto done;
    /* Entries over the last day: persons by ID number, a vehicle, a fever. */
    static const char *const origins[] = {"东安县城", "永州市冷水滩区", "湖北省武汉市",
                                          "广东省东莞市", "白牙市镇"};
    for (int i = 0; i < 12 && rc == 0; i++) {
        char at[32];
        iso_of(m->now - 86400 + (int64_t)i * 7000 + rnd(m, 600), at);
        struct checkpoint_entry_input e = {.checkpoint_id = cp,
                                           .entered_at = at,
                                           .origin = origins[rnd(m, 5)],
                                           .destination = "雍景园小区",
                                           .temperature_dc = 360 + (int)rnd(m, 10),
                                           .outcome = "pass"};
        if (i == 5)
            e.plate = "湘M12345";
        else
            e.id_number = k->p[6 + i % 14 < k->n ? 6 + i % 14 : 6].id_number;
        if (i == 9) {
            e.temperature_dc = 381;
            e.outcome = "refer";
        }
        int64_t id;
        if ((rc = checkpoint_entry_add(m->s, &m->who, &e, NULL, &id, err)) == 0)
            m->st->checkpoint_entries++;
    }
    /* Yesterday's 24 hours at the checkpoint: three shifts, 14:00-16:00 uncovered. */
    int64_t day0 = (m->today - 1) * 86400 - TIME_CN_OFFSET_SECONDS;
    static const int hours[][2] = {{0, 8}, {8, 14}, {16, 24}};
    for (int i = 0; i < 3 && rc == 0; i++) {
        char a[32], b[32];
        iso_of(day0 + hours[i][0] * 3600, a);
        iso_of(day0 + hours[i][1] * 3600, b);
        int64_t people[2] = {k->p[3 + i].id, k->p[7 + i].id};
        struct roster_shift_input si = {place, a, b, 0, people, 2, "卡点值守"};
        if ((rc = roster_shift_create(m->s, &m->who, &si, &o, err)) != 0)
            break;
        int64_t shift = json_id(o);
        o = NULL;
        m->st->shifts++;
        /* Both checked in a few minutes early and out at the end (service hours). */
        for (int j = 0; j < 2 && rc == 0; j++) {
            int64_t in_at = day0 + hours[i][0] * 3600 - 300 - rnd(m, 600);
            if ((rc = roster_attend(m->s, &m->who, shift, people[j], 1, in_at, &o, err)) == 0) {
                json_decref(o);
                o = NULL;
                rc = roster_attend(m->s, &m->who, shift, people[j], 0,
                                   day0 + hours[i][1] * 3600 + rnd(m, 300), &o, err);
            }
            json_decref(o);
            o = NULL;
        }
    }
done:
    free(k);
    return rc;
}

/* The response level, a county directive read by some, an inspection with an
 * open finding, a broadcast. */
static int seed_command(struct sim *m, struct ep_error *err)
{
    json_t *o = NULL;
    struct level_input li = {
        DEMO_CODE_CITY, 1, "2020-01-23", 0, "启动重大突发公共卫生事件一级响应", NULL};
    int rc = command_level_set(m->s, &m->who, &li, &o, err);
    json_decref(o);
    o = NULL;
    if (rc != 0)
        return rc;
    char deadline[11], inspected[11], fix_by[11];
    date_of(m->today + 3, deadline);
    struct directive_input di = {"关于进一步做好返乡人员排查工作的通知",
                                 "各乡镇:请于三日内完成辖区返乡人员全覆盖排查,对来自风险地区人员"
                                 "一律落实居家隔离措施,每日两次健康监测,结果按时上报。",
                                 DEMO_CODE_DONGAN,
                                 "township",
                                 deadline,
                                 DEMO_CODE_DONGAN};
    if ((rc = command_directive_issue(m->s, &m->who, &di, &o, err)) != 0)
        return rc;
    int64_t directive = json_id(o);
    o = NULL;
    /* Read receipts by the demo users of 东安县's townships (some read, not all). */
    for (const struct demo_user *u = demo_users_table(); u->username; u++) {
        if (strncmp(u->scope_prefix, DEMO_CODE_BAIYASHI, strlen(DEMO_CODE_BAIYASHI)) != 0)
            continue;
        struct auth_user reader;
        int active = 0;
        struct ep_error local;
        ep_error_clear(&local);
        if (auth_user_get(m->s, u->username, &reader, &active, &local) != 0 || !active)
            continue;
        struct actor ra = {&reader, "cli"};
        if (command_directive_read(m->s, &ra, directive, &o, &local) == 0) {
            json_decref(o);
            o = NULL;
            break; /* one township has read it, the others have not */
        }
    }
    date_of(m->today - 2, inspected);
    date_of(m->today + 5, fix_by);
    struct inspection_input ii = {.region_code = DEMO_CODE_BAIYASHI,
                                  .unit = "东安县疫情防控督导组",
                                  .inspected_on = inspected,
                                  .summary = "抽查白牙市镇卡点值守与入户排查情况",
                                  .nfindings = 2};
    ii.findings[0] = (struct finding_input){"checkpoint", "卡点夜间值守人员不足,体温登记不全",
                                            "白牙市镇人民政府", DEMO_CODE_YONGJINGYUAN, fix_by};
    ii.findings[1] = (struct finding_input){"screening", "部分返乡人员健康监测记录缺失",
                                            "茶亭社区居委会", DEMO_CODE_CHATING, fix_by};
    if ((rc = command_inspection_create(m->s, &m->who, &ii, &o, err)) != 0)
        return rc;
    /* The second finding rectified, the first still open. */
    json_t *second = json_array_get(json_object_get(o, "findings"), 1);
    int64_t finding = second ? (int64_t)json_integer_value(json_object_get(second, "id")) : 0;
    json_decref(o);
    o = NULL;
    if (finding) {
        rc = command_finding_rectify(
            m->s, &m->who, finding, "已补齐返乡人员健康监测台账,落实专人每日两次电话随访", &o, err);
        json_decref(o);
        o = NULL;
        if (rc != 0)
            return rc;
    }
    struct broadcast_input bi = {DEMO_CODE_CITY, "防疫广播:少出门、戴口罩、勤洗手",
                                 "各位村民注意了:疫情防控期间,请大家不串门、不聚集,出门戴口罩,"
                                 "勤洗手多通风。从外地返乡的人员,请主动向村委会报告。"};
    if ((rc = broadcast_publish(m->s, &m->who, &bi, &o, err)) != 0)
        return rc;
    int64_t notice = json_id(o);
    o = NULL;
    /* Played by the loudspeakers of two villages so far. */
    static const char *const played[] = {DEMO_CODE_CHATING, DEMO_CODE_GUITOU};
    for (int i = 0; i < 2 && rc == 0; i++) {
        rc = broadcast_ack(m->s, &m->who, notice, played[i], &o, err);
        json_decref(o);
        o = NULL;
    }
    return rc;
}

/* ---- the daily loop ------------------------------------------------------------ */

struct member {
    int64_t household_id, person_id;
};

struct member_list {
    struct member *items;
    int n, cap;
};

static int collect_member(const struct person *p, void *ctx)
{
    struct member_list *l = ctx;
    if (!p->household_id)
        return 0;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 1024;
        struct member *it = realloc(l->items, (size_t)cap * sizeof *it);
        if (!it)
            abort();
        l->items = it;
        l->cap = cap;
    }
    l->items[l->n].household_id = p->household_id;
    l->items[l->n].person_id = p->id;
    l->n++;
    return 0;
}

static int cmp_member(const void *a, const void *b)
{
    const struct member *x = a, *y = b;
    if (x->household_id != y->household_id)
        return x->household_id < y->household_id ? -1 : 1;
    return x->person_id < y->person_id ? -1 : x->person_id > y->person_id;
}

/* A moment of China day "day" between 08:00 and 20:00, before now. */
static int64_t moment_on(struct sim *m, int64_t day)
{
    int64_t t = day * 86400 - TIME_CN_OFFSET_SECONDS + 8 * 3600 + rnd(m, 12 * 3600);
    if (t > m->now - 120)
        t = m->now - 120 - rnd(m, 3600);
    return t;
}

static int visit_household(struct sim *m, int64_t round_id, const struct member *mem, int n,
                           struct ep_error *err)
{
    if (n > VISIT_PERSONS_MAX)
        n = VISIT_PERSONS_MAX;
    int64_t household = mem[0].household_id;
    struct visit_person_input vp[VISIT_PERSONS_MAX];
    char arrival[VISIT_PERSONS_MAX][11];
    int64_t day = m->today - rnd(m, LOOP_DAYS);
    int64_t at = moment_on(m, day);
    int64_t visit_day = (at + TIME_CN_OFFSET_SECONDS) / 86400;
    for (int i = 0; i < n; i++) {
        memset(&vp[i], 0, sizeof vp[i]);
        vp[i].person_id = mem[i].person_id;
        vp[i].temperature_dc = 360 + (int)rnd(m, 12);
        if (rnd(m, 100) < 4) { /* back from the risk area */
            vp[i].returned_from_risk = 1;
            vp[i].origin = "湖北省武汉市";
            date_of(visit_day - 1 - rnd(m, 10), arrival[i]);
            vp[i].arrival_date = arrival[i];
            vp[i].transport = rnd(m, 2) ? "G1234 次列车" : "自驾";
        }
        if (rnd(m, 1000) < 6) { /* fever */
            vp[i].fever = 1;
            vp[i].temperature_dc = 375 + (int)rnd(m, 15);
            vp[i].cough = (int)rnd(m, 2);
        }
    }
    char visited_at[32];
    iso_of(at, visited_at);
    struct visit_input vi = {round_id, household, visited_at, n, NULL, n, vp};
    struct visit v;
    memset(&v, 0, sizeof v);
    int rc = visit_record(m->s, &m->who, &vi, NULL, &v, err);
    if (rc == 0) {
        m->st->visits++;
        m->st->returnees += v.returnees;
        m->st->fevers += v.fevers;
    }
    return rc;
}

struct obs_list {
    struct observation *items;
    int n, cap, max;
};

static int collect_obs(const struct observation *o, void *ctx)
{
    struct obs_list *l = ctx;
    if (l->n == l->max)
        return 1;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 64;
        struct observation *it = realloc(l->items, (size_t)cap * sizeof *it);
        if (!it)
            abort();
        l->items = it;
        l->cap = cap;
    }
    l->items[l->n++] = *o;
    return 0;
}

/* One health report of observation "o" for slot (day, index), reported at
 * "at" (normal mostly, now and then a fever or a cough). */
static int report_one(struct sim *m, const struct profile *prof, const struct observation *o,
                      int64_t day, int index, int64_t at, struct ep_error *err)
{
    struct health_report_input in = {0};
    in.person_id = o->person_id;
    char slot[48], date[11];
    date_of(day, date);
    snprintf(slot, sizeof slot, "%.10sT%02d:%02d", date, (prof->slot_minutes[index] / 60) % 24,
             prof->slot_minutes[index] % 60);
    in.slot = slot;
    in.temperature_dc = 361 + (int)rnd(m, 10);
    if (rnd(m, 100) < 3) {
        in.temperature_dc = 374 + (int)rnd(m, 12);
        in.symptoms[in.nsymptoms++] = "fever";
        if (rnd(m, 2))
            in.symptoms[in.nsymptoms++] = "cough";
    }
    in.now_unix = at < m->now ? at : m->now;
    char uuid[37];
    m->uuid_seq++;
    snprintf(uuid, sizeof uuid, "5133d3a0-0000-4000-8000-%012llx", (unsigned long long)m->uuid_seq);
    struct idem_key idem = {uuid, "", 0};
    snprintf(idem.hash, sizeof idem.hash, "%064llx", (unsigned long long)m->uuid_seq);
    struct health_report r;
    int rc = observation_report_add(m->s, &m->who, &in, &idem, &r, err);
    if (rc == 0)
        m->st->reports++;
    return rc;
}

/* The overdue sweep at moment "at", in batches. */
static int sweep_at(struct sim *m, int64_t at, struct ep_error *err)
{
    struct observation_sweep_result sw = {0};
    do {
        int rc = observation_sweep(m->s, at, &sw, err);
        if (rc != 0)
            return rc;
        m->st->overdue += sw.opened;
    } while (sw.more);
    return 0;
}

/* The slots of the last LOOP_DAYS days in time order: most observations
 * report within the grace period, the sweep runs when it ends (opening
 * overdue rows and raising report_overdue alerts for the missing), some
 * report late (closing their overdue row), a few never do; the current
 * slot is missed more often (people still have time). */
static int report_slots(struct sim *m, const struct profile *prof, const struct obs_list *ol,
                        struct ep_error *err)
{
    int64_t cur_day;
    int cur_index;
    profile_slot_at(prof, m->now, &cur_day, &cur_index);
    int64_t grace = (int64_t)prof->grace_minutes * 60;
    char *late = malloc((size_t)ol->n + 1);
    int64_t *starts = malloc(((size_t)ol->n + 1) * sizeof *starts);
    if (!late || !starts)
        abort();
    for (int k = 0; k < ol->n; k++)
        if (time_date_parse(ol->items[k].start_date, &starts[k]) != 0)
            starts[k] = m->today + 1;
    int rc = 0;
    for (int64_t day = m->today - LOOP_DAYS + 1; day <= m->today && rc == 0; day++) {
        for (int i = 0; i < prof->nslots && rc == 0; i++) {
            int64_t t0 = profile_slot_start(prof, day, i);
            if (t0 > m->now - 120)
                break;
            int current = day == cur_day && i == cur_index;
            if ((rc = store_begin(m->s, err)) != 0)
                break;
            for (int k = 0; k < ol->n && rc == 0; k++) {
                late[k] = 0;
                if (starts[k] > day)
                    continue;
                int64_t r = rnd(m, 100);
                if (r < 5 || (current && r < 30))
                    continue; /* missed */
                if (r < 12) {
                    late[k] = 1;
                    continue;
                }
                rc = report_one(m, prof, &ol->items[k], day, i, t0 + 60 + rnd(m, grace - 120), err);
            }
            if (rc == 0)
                rc = store_commit(m->s, err);
            else
                store_rollback(m->s);
            if (rc != 0 || t0 + grace + 60 > m->now)
                continue;
            if ((rc = sweep_at(m, t0 + grace + 60, err)) != 0 || (rc = store_begin(m->s, err)) != 0)
                break;
            for (int k = 0; k < ol->n && rc == 0; k++) {
                int64_t at = t0 + grace + 600 + rnd(m, 7200);
                if (late[k] && at < m->now)
                    rc = report_one(m, prof, &ol->items[k], day, i, at, err);
            }
            if (rc == 0)
                rc = store_commit(m->s, err);
            else
                store_rollback(m->s);
        }
    }
    free(late);
    free(starts);
    return rc;
}

struct alert_list {
    struct alert *items;
    int n, cap, max;
};

static int collect_alert(const struct alert *a, void *ctx)
{
    struct alert_list *l = ctx;
    if (l->n == l->max)
        return 1;
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 64;
        struct alert *it = realloc(l->items, (size_t)cap * sizeof *it);
        if (!it)
            abort();
        l->items = it;
        l->cap = cap;
    }
    l->items[l->n++] = *a;
    return 0;
}

static int handle_alerts(struct sim *m, struct ep_error *err)
{
    struct alert_list l = {NULL, 0, 0, SAMPLE_ALERTS};
    struct alert_filter f = {.scope = DEMO_CODE_CITY, .status = "open", .limit = SAMPLE_ALERTS};
    int rc = alert_list(m->s, &f, collect_alert, &l, err);
    if (rc < 0) {
        free(l.items);
        return rc;
    }
    rc = 0;
    static const int64_t delays[] = {45, 240, 600, 1500, 3000, 5400, 10800, 30000};
    for (int i = 0; i < l.n && rc == 0; i++) {
        const struct alert *a = &l.items[i];
        if (rnd(m, 100) >= 65)
            continue; /* left open */
        int64_t ack = a->raised_unix + delays[rnd(m, 8)] + rnd(m, 60);
        if (ack > m->now)
            continue; /* too recent to have been seen */
        struct alert out;
        if ((rc = alert_acknowledge(m->s, &m->who, a->id, ack, &out, err)) != 0)
            break;
        m->st->acknowledged++;
        int64_t done = ack + delays[rnd(m, 8)] * 3;
        if (done <= m->now && rnd(m, 100) < 60) {
            if ((rc = alert_resolve(m->s, &m->who, a->id, "已电话核实并落实处置措施", done, &out,
                                    err)) == 0)
                m->st->resolved++;
        }
    }
    free(l.items);
    return rc;
}

static int daily_loop(struct sim *m, struct ep_error *err)
{
    char from[11], to[11];
    date_of(m->today - LOOP_DAYS + 1, from);
    date_of(m->today + 4, to);
    struct risk_area ra;
    struct riskarea_input ri = {NULL, "湖北省武汉市", "high", NULL, NULL};
    char rfrom[11];
    date_of(m->today - 30, rfrom);
    ri.from_date = rfrom;
    /* A named place needs a city-wide scope: the CLI identity at the city. */
    struct auth_user city_user = m->user;
    snprintf(city_user.scope, sizeof city_user.scope, "%s", DEMO_CODE_CITY);
    struct actor city = {&city_user, "cli"};
    int rc = riskarea_create(m->s, &city, &ri, &ra, err);
    if (rc != 0)
        return rc;
    struct round_input in = {"全市返乡人员入户排查", DEMO_CODE_CITY, from, to};
    struct round round;
    if ((rc = round_open(m->s, &m->who, &in, &round, err)) != 0)
        return rc;
    /* Grids: 雍景园小区, then a deterministic sample, until the budget. */
    char *chosen = calloc((size_t)m->ngrids + 1, 1);
    if (!chosen)
        abort();
    int64_t households = 0;
    int yj = -1;
    for (int i = 0; i < m->ngrids; i++)
        if (strcmp(m->grids[i], DEMO_CODE_YONGJINGYUAN) == 0)
            yj = i;
    int tries = 0;
    while (households < SAMPLE_HOUSEHOLDS && rc == 0 && tries < 4 * m->ngrids + 4) {
        int g = tries == 0 && yj >= 0 ? yj : (int)rnd(m, m->ngrids);
        tries++;
        if (chosen[g])
            continue;
        chosen[g] = 1;
        struct member_list ml = {NULL, 0, 0};
        struct person_filter pf = {.scope = DEMO_CODE_CITY, .region = m->grids[g]};
        if ((rc = person_list(m->s, &pf, collect_member, &ml, err)) < 0) {
            free(ml.items);
            break;
        }
        qsort(ml.items, (size_t)ml.n, sizeof *ml.items, cmp_member);
        if ((rc = store_begin(m->s, err)) != 0) {
            free(ml.items);
            break;
        }
        for (int i = 0; i < ml.n && rc == 0;) {
            int j = i;
            while (j < ml.n && ml.items[j].household_id == ml.items[i].household_id)
                j++;
            households++;
            if (rnd(m, 100) < 92) /* most households visited */
                rc = visit_household(m, round.id, ml.items + i, j - i, err);
            i = j;
        }
        free(ml.items);
        if (rc == 0)
            rc = store_commit(m->s, err);
        else
            store_rollback(m->s);
    }
    free(chosen);
    if (rc != 0)
        return rc;
    /* Health reports of the active observations. */
    struct profile prof;
    if ((rc = profile_get(m->s, &prof, err)) != 0)
        return rc;
    struct obs_list ol = {NULL, 0, 0, SAMPLE_OBS};
    struct observation_filter of = {
        .scope = DEMO_CODE_CITY, .status = "active", .limit = SAMPLE_OBS};
    rc = observation_list(m->s, &of, collect_obs, &ol, err);
    if (rc >= 0)
        rc = report_slots(m, &prof, &ol, err);
    free(ol.items);
    /* The sweep at now, then the people on duty handle alerts. */
    if (rc != 0 || (rc = sweep_at(m, m->now, err)) != 0)
        return rc;
    if ((rc = store_begin(m->s, err)) != 0)
        return rc;
    if ((rc = handle_alerts(m, err)) == 0)
        return store_commit(m->s, err);
    store_rollback(m->s);
    return rc;
}

/* ---- entry point ------------------------------------------------------------------ */

static int run(struct sim *m, double scale, uint64_t seed, struct ep_error *err)
{
    (void)scale; /* the samples are bounded: the cost does not grow with the scale */
    int rc = region_children_list(m->s, DEMO_CODE_CITY, add_county, m, err);
    if (rc < 0)
        return rc;
    if ((rc = collect_grids(m, err)) != 0)
        return rc;
    if (m->ngrids == 0 || m->ncounties < 8)
        return ep_error_set(err, EP_ERULE, "需要先生成示范城市(有县区、网格和人员)",
                            "needs the demo city (counties, grids and persons): epigrid demo");
    /* The outbreak, ending yesterday. */
    struct outbreak_stats os = {0};
    char first[11];
    date_of(m->today - OUTBREAK_DAYS, first);
    struct outbreak_options oo = {seed, first, OUTBREAK_DAYS};
    if ((rc = outbreak_simulate(m->s, &oo, &os, err)) != 0)
        return rc;
    m->st->outbreak_cases = os.cases;
    m->st->outbreak_contacts = os.contacts;
    /* Supplies: the city store in 雍景园小区's neighbour grid, one per county. */
    const char *grids[8];
    grids[0] = first_grid(m, DEMO_CODE_CITY);
    for (int i = 0; i < 7; i++)
        grids[i + 1] = first_grid(m, m->county[i]);
    if ((rc = supply_demo_seed(m->s, &m->who, grids, 8, err)) != 0)
        return rc;
    /* Mobilisation and command. */
    if ((rc = store_begin(m->s, err)) != 0)
        return rc;
    if ((rc = seed_mobilisation(m, err)) == 0 && (rc = seed_yongjingyuan(m, err)) == 0 &&
        (rc = seed_command(m, err)) == 0)
        rc = store_commit(m->s, err);
    else
        store_rollback(m->s);
    if (rc != 0)
        return rc;
    return daily_loop(m, err);
}

int simulate_demo_run(struct store *s, double scale, uint64_t seed, int64_t now_unix,
                      struct simulate_stats *out, struct ep_error *err)
{
    struct simulate_stats local = {0};
    struct sim *m = calloc(1, sizeof *m);
    if (!m)
        abort();
    m->s = s;
    audit_cli_actor(&m->user, &m->who);
    m->who.user = &m->user;
    m->rng = seed * 0xD1B54A32D192ED03ULL + 0x5133D3A05133D3A0ULL;
    m->now = now_unix > 0 ? now_unix : (int64_t)time(NULL);
    m->today = (m->now + TIME_CN_OFFSET_SECONDS) / 86400; /* China's day of that moment */
    m->st = out ? out : &local;
    memset(m->st, 0, sizeof *m->st);
    int rc = run(m, scale, seed, err);
    for (int i = 0; i < m->ngrids; i++)
        free(m->grids[i]);
    free(m->grids);
    free(m);
    return rc;
}

int simulate_demo(struct store *s, double scale, uint64_t seed, struct ep_error *err)
{
    return simulate_demo_run(s, scale, seed, 0, NULL, err);
}
