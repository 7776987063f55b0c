/*
 * counter.c -- per-region roll-up counters (see counter.h).
 */
#include "core/counter.h"

#include <assert.h>
#include <stdlib.h>
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

int counter_add(struct store *s, const char *code, const char *metric, int64_t delta,
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
        if (store_sum_defer(s, flush_sums, code, n, metric, delta))
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

/* One region's sum of one metric in a rebuild (refill). */
struct rebuild_sum {
    char code[REGION_CODE_MAX]; /* the grid or one of its ancestors */
    char metric[128];
    int64_t value;
};

struct rebuild_sums {
    struct rebuild_sum *items; /* malloc */
    size_t n, cap;
};

/* Adds "value" to "metric" of "code" and of each ancestor as items of "sums";
 * 0, or negative with "err" set (an invalid code, out of memory). */
static int sums_add(struct rebuild_sums *sums, const char *code, const char *metric, int64_t value,
                    struct ep_error *err)
{
    int level = region_level_of_code(code);
    if (!level)
        return ep_error_set(err, EP_EINTERNAL, "计数地区编码无效", "invalid counter region");
    for (int l = REGION_CITY; l <= level; l++) {
        if (sums->n == sums->cap) {
            size_t cap = sums->cap ? sums->cap * 2 : 4096;
            struct rebuild_sum *items = realloc(sums->items, cap * sizeof *items);
            if (!items)
                return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
            sums->items = items;
            sums->cap = cap;
        }
        struct rebuild_sum *it = &sums->items[sums->n++];
        size_t n = (size_t)region_code_length(l);
        memcpy(it->code, code, n);
        it->code[n] = '\0';
        memcpy(it->metric, metric, strlen(metric) + 1);
        it->value = value;
    }
    return 0;
}

static int sum_cmp(const void *a, const void *b)
{
    const struct rebuild_sum *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c ? c : strcmp(x->metric, y->metric);
}

/* Sorts "sums", adds up the items of each (code, metric) and writes each
 * once.  One upsert per row and ancestor instead made a version of the city's
 * row per grid in one transaction, each found by walking the versions before
 * it: 8 s for the demo city's two metrics on PostgreSQL (BENCH.md, B6pg). */
static int sums_write(struct store *s, struct rebuild_sums *sums, struct ep_error *err)
{
    if (sums->n == 0)
        return 0;
    qsort(sums->items, sums->n, sizeof *sums->items, sum_cmp);
    struct store_sum_row *rows = malloc(sums->n * sizeof *rows);
    if (!rows)
        return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < sums->n; i++) {
        const struct rebuild_sum *it = &sums->items[i];
        if (n > 0 && sum_cmp(it, &sums->items[i - 1]) == 0) {
            rows[n - 1].delta += it->value;
            continue;
        }
        rows[n++] = (struct store_sum_row){it->code, it->metric, it->value};
    }
    int rc = flush_sums(s, rows, n, err);
    free(rows);
    return rc;
}

/* Runs "del" (prepared and bound: the counters to clear), then adds each row
 * of "sql": (code, value) to "metric", or (code, metric, value) when "metric"
 * is NULL.  The sums are written before it returns: the rebuild's caller may
 * read the table in the same transaction (epigrid check, the unit tests'
 * oracles). */
static int refill(struct store *s, struct store_stmt *del, const char *metric, const char *sql,
                  struct ep_error *err)
{
    int rc = store_run(del, err);
    if (rc != 0)
        return rc;
    struct store_stmt *st = store_prepare(s, sql, err);
    if (!st)
        return -EP_EINTERNAL;
    struct rebuild_sums sums = {NULL, 0, 0};
    while ((rc = store_step(st, err)) == STORE_ROW) {
        const char *code = store_column_text(st, 0);
        const char *m = metric ? metric : store_column_text(st, 1);
        if (strlen(code) >= REGION_CODE_MAX || strlen(m) >= sizeof sums.items->metric)
            continue;
        if ((rc = sums_add(&sums, code, m, store_column_int64(st, metric ? 1 : 2), err)) != 0)
            break;
    }
    store_stmt_reset(st);
    if (rc >= 0)
        rc = sums_write(s, &sums, err);
    free(sums.items);
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
