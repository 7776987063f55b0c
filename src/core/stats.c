/*
 * stats.c -- headline figures from counters (see stats.h).
 *
 * The fourteen metrics shown are read by primary key (code, metric), in
 * scalar subqueries of one statement (on PostgreSQL one subquery run for
 * each row of a VALUES list of the metrics, see stats_region_day): the cost
 * depends neither on how many facts lie below nor on how many days of dated
 * metrics the region has accumulated, and no plan can turn a lookup into a
 * filter over the region's counters (PostgreSQL's generic plan of "metric IN
 * (...)" read every counter of the region and filtered them; an IN list also
 * costs SQLite a temporary b-tree per execution).
 */
#include "core/stats.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/region.h"
#include "util/timeutil.h"

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

/* PostgreSQL: the metrics as rows (position, metric), one subquery looks
 * each up.  SQLite: one counter of the region per column, NULL when it was
 * never written. */
#define METRIC    "(?, ?)"
#define METRICS7  METRIC ", " METRIC ", " METRIC ", " METRIC ", " METRIC ", " METRIC ", " METRIC
#define COUNTER   ", (SELECT value FROM region_counters WHERE code = r.code AND metric = ?)"
#define COUNTERS7 COUNTER COUNTER COUNTER COUNTER COUNTER COUNTER COUNTER

json_t *stats_region_day(struct store *s, const char *code, const char *date, struct ep_error *err)
{
    /* One statement, one read transaction on SQLite, one round trip on
     * PostgreSQL; no row when the region does not exist.  On PostgreSQL a
     * row per metric (its position, the region's name, the counter or NULL):
     * a single subquery node serves every lookup, where fourteen scalar
     * subqueries were fourteen index scans to set up and tear down at each
     * execution (a relation and an index opened and locked for each; the
     * statement ran 2.1 times as often under pgbench).  On SQLite, whose
     * prepared statements cost nothing to start, one row of fourteen
     * subqueries stays the cheaper (B3 fell with the rows). */
    int rows_per_metric = strcmp(store_engine(s), "postgresql") == 0;
    struct store_stmt *st = store_prepare(
        s,
        rows_per_metric ? "SELECT m.column1, r.name, (SELECT value FROM region_counters"
                          " WHERE code = r.code AND metric = m.column2)"
                          " FROM regions r, (VALUES " METRICS7 ", " METRICS7 ") m WHERE r.code = ?"
                        : "SELECT r.name" COUNTERS7 COUNTERS7 " FROM regions r WHERE r.code = ?",
        err);
    if (!st)
        return NULL;
    char dated[SHOWN][64];
    for (size_t i = 0; i < SHOWN; i++) {
        const char *metric = shown[i].metric;
        if (shown[i].dated) {
            snprintf(dated[i], sizeof dated[i], "%s%s", shown[i].metric, date);
            metric = dated[i];
        }
        if (rows_per_metric) {
            store_bind_int64(st, 2 * (int)i + 1, (int64_t)i);
            store_bind_text(st, 2 * (int)i + 2, metric);
        } else {
            store_bind_text(st, (int)i + 1, metric);
        }
    }
    store_bind_text(st, rows_per_metric ? 2 * (int)SHOWN + 1 : (int)SHOWN + 1, code);
    int64_t value[SHOWN] = {0}; /* NULL reads as 0 */
    char name[REGION_NAME_MAX] = "";
    int rc, rows = 0;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (rows++ == 0)
            snprintf(name, sizeof name, "%s", store_column_text(st, rows_per_metric));
        if (!rows_per_metric) {
            for (size_t i = 0; i < SHOWN; i++)
                value[i] = store_column_int64(st, (int)i + 1);
            continue;
        }
        int64_t i = store_column_int64(st, 0);
        if (i >= 0 && (size_t)i < SHOWN)
            value[i] = store_column_int64(st, 2);
    }
    store_stmt_reset(st);
    if (rc < 0)
        return NULL;
    if (rows == 0) {
        ep_error_set(err, EP_ENOTFOUND, "地区 %s 不存在", "region %s not found", code);
        return NULL;
    }
    json_t *groups[GROUPS] = {json_object(), json_object(), json_object(), json_object()};
    json_t *out = json_object();
    json_object_set_new(out, "region", json_string(code));
    json_object_set_new(out, "name", json_string(name));
    json_object_set_new(out, "date", json_string(date));
    int64_t active_total = 0;
    for (size_t i = 0; i < SHOWN; i++) {
        int64_t v = value[i];
        json_object_set_new(groups[shown[i].group], shown[i].key, json_integer(v));
        if (strncmp(shown[i].metric, "obs_active.", 11) == 0)
            active_total += v;
    }
    json_object_set_new(groups[OBSERVATION], "active_total", json_integer(active_total));
    json_object_set_new(out, "registry", groups[REGISTRY]);
    json_object_set_new(out, "observation", groups[OBSERVATION]);
    json_object_set_new(out, "alerts", groups[ALERTS]);
    json_object_set_new(out, "reports", groups[REPORTS]);
    return out;
}

/* ---- the cache of answers ------------------------------------------------
 *
 * A dashboard polls the same few regions; between two writes every poll
 * would read the same fourteen counters again (B3: SQLite's read
 * transaction and lookups were 38 % of the server's time, JSON 7 %).  One
 * slot per hash of (region, day), replaced on collision. */
#define CACHE_SLOTS 256

struct cached {
    char code[REGION_CODE_MAX];
    char date[16];
    uint64_t version; /* the data version the answer was read at */
    int64_t at_us;    /* when it was read (monotonic) */
    char *text;       /* the answer, or NULL for an empty slot */
    size_t len;
};

static struct cached cache[CACHE_SLOTS];
static pthread_rwlock_t cache_lock = PTHREAD_RWLOCK_INITIALIZER;

static size_t slot_of(const char *code, const char *date)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const char *p = code; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    for (const char *p = date; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return (size_t)(h % CACHE_SLOTS);
}

static int fresh(const struct cached *c, const char *code, const char *date, uint64_t version,
                 int shared, int64_t now)
{
    return c->text && c->version == version && strcmp(c->code, code) == 0 &&
           strcmp(c->date, date) == 0 && (shared || now - c->at_us < STATS_CACHE_LOCAL_MS * 1000LL);
}

char *stats_region_day_text(struct store *s, const char *code, const char *date, size_t *len,
                            struct ep_error *err)
{
    size_t slot = slot_of(code, date);
    int shared;
    /* Read before the counters: a commit after this moves the version, and
     * the answer is then kept under the older one and never served. */
    uint64_t version = store_data_version(s, &shared);
    int64_t now = time_monotonic_us();
    char *text = NULL;
    pthread_rwlock_rdlock(&cache_lock);
    struct cached *c = &cache[slot];
    if (fresh(c, code, date, version, shared, now) && (text = malloc(c->len + 1)) != NULL) {
        memcpy(text, c->text, c->len + 1);
        *len = c->len;
    }
    pthread_rwlock_unlock(&cache_lock);
    if (text)
        return text;

    json_t *body = stats_region_day(s, code, date, err);
    if (!body)
        return NULL;
    text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text) {
        ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
        return NULL;
    }
    *len = strlen(text);
    char *keep =
        strlen(code) < sizeof c->code && strlen(date) < sizeof c->date ? malloc(*len + 1) : NULL;
    if (!keep)
        return text;
    memcpy(keep, text, *len + 1);
    pthread_rwlock_wrlock(&cache_lock);
    free(c->text);
    snprintf(c->code, sizeof c->code, "%s", code);
    snprintf(c->date, sizeof c->date, "%s", date);
    c->version = version;
    c->at_us = now;
    c->text = keep;
    c->len = *len;
    pthread_rwlock_unlock(&cache_lock);
    return text;
}
