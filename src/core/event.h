/*
 * event.h -- events for live pages: appended in the transaction of the fact
 * they announce, read by server-sent-event streams filtered by scope.
 *
 * event_publish() also bumps an in-process counter so that the HTTP layer
 * knows, after a commit, whether any stream has something new to read, and
 * notifies EVENT_CHANNEL (PostgreSQL NOTIFY, delivered at commit) so that the
 * other server processes on the same database wake their streams too.
 *
 * Ids increase in commit order: every writing transaction holds the store's
 * write lock from BEGIN to COMMIT (store_begin), so a stream that reads
 * "id > last seen" never skips an event committed late with a lower id.
 */
#ifndef EPIGRID_CORE_EVENT_H
#define EPIGRID_CORE_EVENT_H
#include <jansson.h>
#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

/* The notification channel of new events (store_listen). */
#define EVENT_CHANNEL "epigrid_events"

/* Appends an event (payload borrowed).  Call inside the fact's transaction.
 * Stores the new id in *id_out when not NULL. */
int event_publish(struct store *s, const char *region_code, const char *type, const json_t *payload,
                  int64_t *id_out, struct ep_error *err);

/* Calls fn for each event with id > after_id whose region lies in "scope"
 * or is an ancestor of it (a county's directive reaches its villages),
 * oldest first, at most "limit".  "payload" is JSON text. */
typedef int (*event_fn)(int64_t id, const char *at, const char *type, const char *region_code,
                        const char *payload, void *ctx);
int event_list_after(struct store *s, const char *scope, int64_t after_id, int limit, event_fn fn,
                     void *ctx, struct ep_error *err);

/* Highest event id in the database (0 when none). */
int event_last_id(struct store *s, int64_t *out, struct ep_error *err);

/* How many events this process has published in committed transactions
 * (monotonic; for wake-ups: it moves only once the events can be read). */
uint64_t event_published_count(void);

#endif
