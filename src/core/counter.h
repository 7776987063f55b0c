/*
 * counter.h -- roll-up counters per region, maintained as facts arrive.
 *
 * A fact in grid G adds its delta to the metric of G and of each ancestor of
 * G in the same transaction as the fact itself, so that any region's figure
 * is one row read (never a scan of facts) and is visible at once.
 * Metric names are short machine names: "households", "persons", ...
 */
#ifndef EPIGRID_CORE_COUNTER_H
#define EPIGRID_CORE_COUNTER_H
#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

/* Adds "delta" to "metric" for "code" and all its ancestors.  Call inside the
 * transaction that writes the fact. */
int counter_add(struct store *s, const char *code, const char *metric, int64_t delta,
                struct ep_error *err);

/* Calls fn(metric, value, ctx) for every metric of "code", in name order. */
typedef int (*counter_fn)(const char *metric, int64_t value, void *ctx);
int counter_list(struct store *s, const char *code, counter_fn fn, void *ctx, struct ep_error *err);

/* Value of one metric of one region (0 when never counted). */
int counter_get(struct store *s, const char *code, const char *metric, int64_t *out,
                struct ep_error *err);

/* Values of the "n" metrics named in "metrics" for "code": values[i] is
 * metrics[i]'s value, 0 when never counted.  Each metric is read by its
 * primary key (code, metric), COUNTER_PICK_BATCH names per statement run, so
 * the cost grows with n only, never with how many other metrics (e.g. the
 * dated ones of past days) the region has.  Names may repeat. */
#define COUNTER_PICK_BATCH 32
int counter_get_many(struct store *s, const char *code, const char *const *metrics, size_t n,
                     int64_t *values, struct ep_error *err);

/* Recomputes "metric" for every region from a query yielding (grid_code, n)
 * rows: clears the metric and adds each grid's n to its ancestors.  Used after
 * bulk loads and by the consistency check.  "sql" is a string literal. */
int counter_rebuild(struct store *s, const char *metric, const char *sql, struct ep_error *err);

/* Like counter_rebuild for a family of metrics: clears every metric whose
 * name starts with "metric_prefix" (e.g. "obs_new.") and adds the rows of
 * "sql", which yields (grid_code, metric, n). */
int counter_rebuild_family(struct store *s, const char *metric_prefix, const char *sql,
                           struct ep_error *err);

/* Calls fn(code, metric, value, ctx) for every counter row of every region,
 * in (code, metric) order; stops when fn returns non-zero and returns that
 * value.  For consistency checks (`epigrid check`), not for pages. */
typedef int (*counter_row_fn)(const char *code, const char *metric, int64_t value, void *ctx);
int counter_each(struct store *s, counter_row_fn fn, void *ctx, struct ep_error *err);

#endif
