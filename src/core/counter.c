/*
 * counter.c -- per-region roll-up counters (see counter.h).
 */
#include "core/counter.h"

#include <assert.h>
#include <string.h>

#include "core/region.h"

#define UPSERT_HEAD "INSERT INTO region_counters (code, metric, value) VALUES "
#define UPSERT_TAIL                                                                                \
    " ON CONFLICT (code, metric) DO UPDATE SET value = region_counters.value + excluded.value"
#define ROW3   "(?, ?, ?)"
#define ROWS4  ROW3 ", " ROW3 ", " ROW3 ", " ROW3
#define ROWS16 ROWS4 ", " ROWS4 ", " ROWS4 ", " ROWS4

/* Writes pending counter sums (store.h, "Deferred sums"): sixteen rows per
 * statement, then one at a time.  Keys are unique within a flush, so one
 * statement never touches a row twice (PostgreSQL refuses that). */
static int flush_sums(struct store *s, const struct store_sum_row *rows, size_t n,
                      struct ep_error *err)
{
    size_t i = 0;
    while (i < n) {
        int many = n - i >= 16;
        struct store_stmt *st = store_prepare(
            s, many ? UPSERT_HEAD ROWS16 UPSERT_TAIL : UPSERT_HEAD ROW3 UPSERT_TAIL, err);
        if (!st)
            return -EP_EINTERNAL;
        size_t count = many ? 16 : 1;
        for (size_t k = 0; k < count; k++, i++) {
            store_bind_text(st, (int)k * 3 + 1, rows[i].k1);
            store_bind_text(st, (int)k * 3 + 2, rows[i].k2);
            store_bind_int64(st, (int)k * 3 + 3, rows[i].delta);
        }
        /* written at the outer commit, which fails as a whole if this does */
        int rc = store_run_deferred(st, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* counter_add; "defer" 0 writes at once even inside a transaction. */
static int add(struct store *s, const char *code, const char *metric, int64_t delta, int defer,
               struct ep_error *err)
{
    assert(metric && *metric && err);
    int level = region_level_of_code(code);
    if (!level)
        return ep_error_set(err, EP_EINTERNAL, "计数地区编码无效", "invalid counter region");
    for (int l = REGION_CITY; l <= level; l++) {
        size_t n = (size_t)region_code_length(l);
        /* Inside a transaction the sum waits for the commit (one upsert per
         * region and metric per transaction); otherwise it is written now. */
        if (defer && store_sum_defer(s, flush_sums, code, n, metric, delta))
            continue;
        struct store_sum_row row = {NULL, metric, delta};
        char prefix[REGION_CODE_MAX];
        memcpy(prefix, code, n);
        prefix[n] = '\0';
        row.k1 = prefix;
        int rc = flush_sums(s, &row, 1, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int counter_add(struct store *s, const char *code, const char *metric, int64_t delta,
                struct ep_error *err)
{
    return add(s, code, metric, delta, 1, err);
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
    int rc = store_step_int64s(st, out, 1, err);
    if (rc == 0)
        *out += store_sum_pending(s, code, metric); /* this transaction's own, not yet written */
    return rc;
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
    for (size_t i = 0; i < n; i++)
        values[i] += store_sum_pending(s, code, metrics[i]);
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
        /* Written at once: the rebuild's caller may read the table in the same
         * transaction (epigrid check, the unit tests' oracles).  add() uses
         * another statement; "st" stays positioned. */
        if ((rc = add(s, grid, name, store_column_int64(st, metric ? 1 : 2), 0, err)) != 0)
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
    store_sums_discard(s, metric, 0); /* recounted below from the rows */
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
    store_sums_discard(s, metric_prefix, 1);
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
