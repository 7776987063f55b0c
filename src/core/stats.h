/*
 * stats.h -- the headline figures of a region on a date, read from the
 * roll-up counters (docs/counters.md): a handful of primary-key reads at any
 * level, never a scan of facts.
 */
#ifndef EPIGRID_CORE_STATS_H
#define EPIGRID_CORE_STATS_H
#include <jansson.h>
#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

/* Builds {"region":..,"date":..,"registry":{..},"observation":{..},
 * "alerts":{..},"reports":{..}} for region "code" and day "date"
 * (YYYY-MM-DD).  Returns a new reference or NULL with err set. */
json_t *stats_region_day(struct store *s, const char *code, const char *date, struct ep_error *err);

/* The same answer as compact JSON text (malloc'ed, its length in "len"),
 * from a cache in front of stats_region_day(): an answer is reused while the
 * data version it was read at (store_data_version) is current, so a write
 * committed before the call is always in it.  Where the version does not
 * cover other processes (PostgreSQL), an answer is also at most
 * STATS_CACHE_LOCAL_MS old: writes of other processes show within that.
 * Returns NULL with err set. */
#define STATS_CACHE_LOCAL_MS 1000
char *stats_region_day_text(struct store *s, const char *code, const char *date, size_t *len,
                            struct ep_error *err);

#endif
