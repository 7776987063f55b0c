/*
 * counter.c -- per-region roll-up counters (see counter.h).
 */
#include "core/counter.h"

#include <assert.h>
#include <string.h>

#include "core/region.h"

int counter_add(struct store *s, const char *code, const char *metric, int64_t delta,
                struct ep_error *err)
{
    assert(metric && *metric && err);
    int level = region_level_of_code(code);
    if (!level)
        return ep_error_set(err, EP_EINTERNAL, "计数地区编码无效", "invalid counter region");
    struct store_stmt *st = store_prepare(
        s,
        "INSERT INTO region_counters (code, metric, value) VALUES (?, ?, ?)"
        " ON CONFLICT (code, metric) DO UPDATE SET value = region_counters.value + excluded.value",
        err);
    if (!st)
        return -EP_EINTERNAL;
    for (int l = REGION_CITY; l <= level; l++) {
        char prefix[REGION_CODE_MAX];
        size_t n = (size_t)region_code_length(l);
        memcpy(prefix, code, n);
        prefix[n] = '\0';
        store_bind_textn(st, 1, prefix, n);
        store_bind_text(st, 2, metric);
        store_bind_int64(st, 3, delta);
        int rc = store_run(st, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int counter_list(struct store *s, const char *code, counter_fn fn, void *ctx, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s, "SELECT metric, value FROM region_counters WHERE code = ? ORDER BY metric", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, code);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        if ((rc = fn(store_column_text(st, 0), store_column_int64(st, 1), ctx)) != 0)
            break;
    store_stmt_reset(st);
    return rc;
}

int counter_get(struct store *s, const char *code, const char *metric, int64_t *out,
                struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT value FROM region_counters WHERE code = ? AND metric = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, code);
    store_bind_text(st, 2, metric);
    return store_step_int64s(st, out, 1, err);
}

int counter_get_many(struct store *s, const char *code, const char *const *metrics, size_t n,
                     int64_t *values, struct ep_error *err)
{
    /* COUNTER_PICK_BATCH placeholders after the code; unused ones are bound
     * to NULL, which matches nothing. */
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT metric, value FROM region_counters WHERE code = ? AND metric IN"
                      " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                      " ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    for (size_t i = 0; i < n; i++)
        values[i] = 0;
    for (size_t first = 0; first < n; first += COUNTER_PICK_BATCH) {
        size_t count = n - first < COUNTER_PICK_BATCH ? n - first : COUNTER_PICK_BATCH;
        store_bind_text(st, 1, code);
        for (size_t i = 0; i < COUNTER_PICK_BATCH; i++)
            store_bind_text(st, (int)i + 2, i < count ? metrics[first + i] : NULL);
        int rc;
        while ((rc = store_step(st, err)) == STORE_ROW) {
            const char *metric = store_column_text(st, 0);
            int64_t value = store_column_int64(st, 1);
            for (size_t i = 0; i < count; i++) /* every occurrence of a repeated name */
                if (strcmp(metrics[first + i], metric) == 0)
                    values[first + i] = value;
        }
        store_stmt_reset(st);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Runs "del" (prepared and bound: the counters to clear), then adds each row
 * of "sql": (code, value) to "metric", or (code, metric, value) when "metric"
 * is NULL. */
static int refill(struct store *s, struct store_stmt *del, const char *metric, const char *sql,
                  struct ep_error *err)
{
    int rc = store_run(del, err);
    if (rc != 0)
        return rc;
    struct store_stmt *st = store_prepare(s, sql, err);
    if (!st)
        return -EP_EINTERNAL;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        char grid[REGION_CODE_MAX], name[128];
        const char *code = store_column_text(st, 0);
        const char *m = metric ? metric : store_column_text(st, 1);
        if (strlen(code) >= sizeof grid || strlen(m) >= sizeof name)
            continue;
        memcpy(grid, code, strlen(code) + 1);
        memcpy(name, m, strlen(m) + 1);
        /* counter_add uses another statement; "st" stays positioned. */
        if ((rc = counter_add(s, grid, name, store_column_int64(st, metric ? 1 : 2), err)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

int counter_rebuild(struct store *s, const char *metric, const char *sql, struct ep_error *err)
{
    struct store_stmt *del = store_prepare(s, "DELETE FROM region_counters WHERE metric = ?", err);
    if (!del)
        return -EP_EINTERNAL;
    store_bind_text(del, 1, metric);
    return refill(s, del, metric, sql, err);
}

int counter_rebuild_family(struct store *s, const char *metric_prefix, const char *sql,
                           struct ep_error *err)
{
    struct store_stmt *del =
        store_prepare(s, "DELETE FROM region_counters WHERE substr(metric, 1, length(?)) = ?", err);
    if (!del)
        return -EP_EINTERNAL;
    store_bind_text_twice(del, 1, metric_prefix);
    return refill(s, del, NULL, sql, err);
}

int counter_each(struct store *s, counter_row_fn fn, void *ctx, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s, "SELECT code, metric, value FROM region_counters ORDER BY code, metric", err);
    if (!st)
        return -EP_EINTERNAL;
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        if ((rc = fn(store_column_text(st, 0), store_column_text(st, 1), store_column_int64(st, 2),
                     ctx)) != 0)
            break;
    store_stmt_reset(st);
    return rc;
}
