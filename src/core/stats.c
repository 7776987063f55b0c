/*
 * stats.c -- headline figures from counters (see stats.h).
 *
 * The fourteen metrics shown are read by primary key (code, metric), each in
 * a scalar subquery of one statement: the cost depends neither on how many
 * facts lie below nor on how many days of dated metrics the region has
 * accumulated, and no plan can turn a lookup into a filter over the region's
 * counters (PostgreSQL's generic plan of "metric IN (...)" read every counter
 * of the region and filtered them; an IN list also costs SQLite a temporary
 * b-tree per execution).
 */
#include "core/stats.h"

#include <stdio.h>
#include <string.h>

#include "core/region.h"

/* The metrics shown, in the order of the answer's keys and of the
 * statement's columns (column 1 + i for shown[i]). */
enum group { REGISTRY, OBSERVATION, ALERTS, REPORTS, GROUPS };

static const struct shown {
    const char *metric; /* counter name; with "dated", its prefix before the date */
    int dated;          /* 1: the counter of the requested day */
    enum group group;   /* the object of the answer it goes to */
    const char *key;    /* its key there */
} shown[] = {
    {"households", 0, REGISTRY, "households"},
    {"persons", 0, REGISTRY, "persons"},
    {"obs_active.home", 0, OBSERVATION, "active_home"},
    {"obs_active.centralized", 0, OBSERVATION, "active_centralized"},
    {"obs_active.medical", 0, OBSERVATION, "active_medical"},
    {"obs_new.", 1, OBSERVATION, "new_today"},
    {"obs_released.", 1, OBSERVATION, "released_today"},
    {"overdue_now", 0, OBSERVATION, "overdue_now"},
    {"alerts_open.high", 0, ALERTS, "open_high"},
    {"alerts_open.medium", 0, ALERTS, "open_medium"},
    {"alerts_open.low", 0, ALERTS, "open_low"},
    {"alerts_raised.", 1, ALERTS, "raised_today"},
    {"reports.", 1, REPORTS, "received_today"},
    {"reports_abnormal.", 1, REPORTS, "abnormal_today"},
};
#define SHOWN (sizeof shown / sizeof shown[0])

/* One counter of the region: NULL when it was never written. */
#define COUNTER   ", (SELECT value FROM region_counters WHERE code = r.code AND metric = ?)"
#define COUNTERS7 COUNTER COUNTER COUNTER COUNTER COUNTER COUNTER COUNTER

json_t *stats_region_day(struct store *s, const char *code, const char *date, struct ep_error *err)
{
    /* One statement, one row: the region's name and a column per metric.
     * One read transaction on SQLite, one round trip on PostgreSQL. */
    struct store_stmt *st = store_prepare(
        s, "SELECT r.name" COUNTERS7 COUNTERS7 " FROM regions r WHERE r.code = ?", err);
    if (!st)
        return NULL;
    char dated[SHOWN][64];
    for (size_t i = 0; i < SHOWN; i++) {
        if (shown[i].dated) {
            snprintf(dated[i], sizeof dated[i], "%s%s", shown[i].metric, date);
            store_bind_text(st, (int)i + 1, dated[i]);
        } else {
            store_bind_text(st, (int)i + 1, shown[i].metric);
        }
    }
    store_bind_text(st, (int)SHOWN + 1, code);
    int rc = store_step(st, err);
    if (rc != STORE_ROW) {
        store_stmt_reset(st);
        if (rc >= 0)
            ep_error_set(err, EP_ENOTFOUND, "地区 %s 不存在", "region %s not found", code);
        return NULL;
    }
    json_t *groups[GROUPS] = {json_object(), json_object(), json_object(), json_object()};
    json_t *out = json_object();
    json_object_set_new(out, "region", json_string(code));
    json_object_set_new(out, "name", json_string(store_column_text(st, 0)));
    json_object_set_new(out, "date", json_string(date));
    int64_t active_total = 0;
    for (size_t i = 0; i < SHOWN; i++) {
        int64_t v = store_column_int64(st, (int)i + 1); /* NULL reads as 0 */
        json_object_set_new(groups[shown[i].group], shown[i].key, json_integer(v));
        if (strncmp(shown[i].metric, "obs_active.", 11) == 0)
            active_total += v;
    }
    store_stmt_reset(st);
    json_object_set_new(groups[OBSERVATION], "active_total", json_integer(active_total));
    json_object_set_new(out, "registry", groups[REGISTRY]);
    json_object_set_new(out, "observation", groups[OBSERVATION]);
    json_object_set_new(out, "alerts", groups[ALERTS]);
    json_object_set_new(out, "reports", groups[REPORTS]);
    return out;
}
