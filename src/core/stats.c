/*
 * stats.c -- headline figures from counters (see stats.h).
 *
 * The fourteen metrics shown are read by primary key (code, metric): the
 * cost depends neither on how many facts lie below nor on how many days of
 * dated metrics the region has accumulated.
 */
#include "core/stats.h"

#include <stdio.h>
#include <string.h>

#include "core/region.h"

struct pick {
    const char *date;    /* YYYY-MM-DD */
    json_t *registry;    /* households, persons */
    json_t *observation; /* active by kind, new, released, overdue */
    json_t *alerts;      /* open by severity, raised today */
    json_t *reports;     /* today, abnormal today */
};

/* Sets obj[key] = value if "metric" equals "want". */
static int take(const char *metric, const char *want, json_t *obj, const char *key, int64_t v)
{
    if (strcmp(metric, want) != 0)
        return 0;
    json_object_set_new(obj, key, json_integer(v));
    return 1;
}

static int pick_metric(const char *m, int64_t v, void *arg)
{
    struct pick *p = arg;
    char dated[64];
    if (take(m, "households", p->registry, "households", v) ||
        take(m, "persons", p->registry, "persons", v) ||
        take(m, "obs_active.home", p->observation, "active_home", v) ||
        take(m, "obs_active.centralized", p->observation, "active_centralized", v) ||
        take(m, "obs_active.medical", p->observation, "active_medical", v) ||
        take(m, "overdue_now", p->observation, "overdue_now", v) ||
        take(m, "alerts_open.high", p->alerts, "open_high", v) ||
        take(m, "alerts_open.medium", p->alerts, "open_medium", v) ||
        take(m, "alerts_open.low", p->alerts, "open_low", v))
        return 0;
    static const struct {
        const char *prefix;
        int group; /* 0 observation, 1 alerts, 2 reports */
        const char *key;
    } daily[] = {
        {"obs_new.", 0, "new_today"},
        {"obs_released.", 0, "released_today"},
        {"alerts_raised.", 1, "raised_today"},
        {"reports.", 2, "received_today"},
        {"reports_abnormal.", 2, "abnormal_today"},
    };
    for (size_t i = 0; i < sizeof daily / sizeof daily[0]; i++) {
        snprintf(dated, sizeof dated, "%s%s", daily[i].prefix, p->date);
        json_t *group = daily[i].group == 0   ? p->observation
                        : daily[i].group == 1 ? p->alerts
                                              : p->reports;
        if (take(m, dated, group, daily[i].key, v))
            return 0;
    }
    return 0;
}

json_t *stats_region_day(struct store *s, const char *code, const char *date, struct ep_error *err)
{
    /* One statement: the region's name and the metrics shown (a region
     * accumulates dated metrics every day, so reading all of them would grow
     * with the outbreak).  One read transaction on SQLite, one round trip on
     * PostgreSQL: the region row and the counters were two (issue 20). */
    static const char *fixed[] = {
        "households",         "persons",     "obs_active.home",  "obs_active.centralized",
        "obs_active.medical", "overdue_now", "alerts_open.high", "alerts_open.medium",
        "alerts_open.low"};
    static const char *dated[] = {"obs_new.", "obs_released.", "alerts_raised.", "reports.",
                                  "reports_abnormal."};
    struct store_stmt *st = store_prepare(
        s,
        "SELECT r.name, c.metric, c.value FROM regions r LEFT JOIN region_counters c"
        " ON c.code = r.code AND c.metric IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " WHERE r.code = ?",
        err);
    if (!st)
        return NULL;
    int idx = 1;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        store_bind_text(st, idx++, fixed[i]);
    char names[sizeof dated / sizeof dated[0]][64];
    for (size_t i = 0; i < sizeof dated / sizeof dated[0]; i++) {
        snprintf(names[i], sizeof names[i], "%s%s", dated[i], date);
        store_bind_text(st, idx++, names[i]);
    }
    store_bind_text(st, idx, code);
    struct pick p = {
        date,
        json_pack("{s:i, s:i}", "households", 0, "persons", 0),
        json_pack("{s:i, s:i, s:i, s:i, s:i, s:i}", "active_home", 0, "active_centralized", 0,
                  "active_medical", 0, "new_today", 0, "released_today", 0, "overdue_now", 0),
        json_pack("{s:i, s:i, s:i, s:i}", "open_high", 0, "open_medium", 0, "open_low", 0,
                  "raised_today", 0),
        json_pack("{s:i, s:i}", "received_today", 0, "abnormal_today", 0),
    };
    json_t *out = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:o}", "region", code, "name", "",
                            "date", date, "registry", p.registry, "observation", p.observation,
                            "alerts", p.alerts, "reports", p.reports);
    int rc, found = 0;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (!found++)
            json_object_set_new(out, "name", json_string(store_column_text(st, 0)));
        if (!store_column_is_null(st, 1))
            pick_metric(store_column_text(st, 1), store_column_int64(st, 2), &p);
    }
    store_stmt_reset(st);
    if (rc < 0 || !found) {
        if (rc >= 0)
            ep_error_set(err, EP_ENOTFOUND, "地区 %s 不存在", "region %s not found", code);
        json_decref(out);
        return NULL;
    }
    json_t *o = p.observation;
    json_object_set_new(o, "active_total",
                        json_integer(json_integer_value(json_object_get(o, "active_home")) +
                                     json_integer_value(json_object_get(o, "active_centralized")) +
                                     json_integer_value(json_object_get(o, "active_medical"))));
    return out;
}
