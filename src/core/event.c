/*
 * event.c -- the events table (see event.h).
 */
#include "core/event.h"

#include <stdlib.h>

#include "core/region.h"
#include "util/json.h"
#include "util/timeutil.h"

int event_publish(struct store *s, const char *region_code, const char *type, const json_t *payload,
                  int64_t *id_out, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s, "INSERT INTO events (at, region_code, type, payload) VALUES (?, ?, ?, ?)", err);
    if (!st)
        return -EP_EINTERNAL;
    char now[32];
    time_now_iso(now);
    char *text = json_dump_compact(payload);
    store_bind_text(st, 1, now);
    store_bind_text(st, 2, region_code);
    store_bind_text(st, 3, type);
    store_bind_text(st, 4, text ? text : "{}");
    /* Without an id wanted, queued on PostgreSQL with the notification
     * below: both ride with the write's next read or its commit. */
    int rc = id_out ? store_run(st, err) : store_run_deferred(st, err);
    free(text);
    if (rc != 0)
        return rc;
    if (id_out)
        *id_out = store_last_insert_id(s);
    return store_notify(s, EVENT_CHANNEL, err);
}

int event_list_after(struct store *s, const char *scope, int64_t after_id, int limit, event_fn fn,
                     void *ctx, struct ep_error *err)
{
    /* Events inside the jurisdiction, and events published at one of its
     * ancestors (a county's directive reaches the villages below it). */
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT id, at, type, region_code, payload FROM events"
                      " WHERE id > ? AND ((region_code >= ? AND region_code < ?)"
                      " OR region_code IN (?, ?, ?, ?)) ORDER BY id LIMIT ?",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, after_id);
    region_bind_range(st, 2, scope);
    int level = region_level_of_code(scope);
    for (int l = REGION_CITY; l < REGION_CITY + 4; l++) {
        /* Ancestors strictly above the scope; unused places bind NULL. */
        if (l < level)
            store_bind_textn(st, 4 + l - REGION_CITY, scope, (size_t)region_code_length(l));
        else
            store_bind_null(st, 4 + l - REGION_CITY);
    }
    store_bind_int64(st, 8, limit);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        if ((rc = fn(store_column_int64(st, 0), store_column_text(st, 1), store_column_text(st, 2),
                     store_column_text(st, 3), store_column_text(st, 4), ctx)) != 0)
            break;
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

int event_last_id(struct store *s, int64_t *out, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s, "SELECT COALESCE(MAX(id), 0) FROM events", err);
    if (!st)
        return -EP_EINTERNAL;
    return store_step_int64s(st, out, 1, err);
}

uint64_t event_published_count(void)
{
    return store_notes_committed(); /* events are the only notifications */
}
