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

#endif
