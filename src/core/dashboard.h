/*
 * dashboard.h -- the command dashboard (指挥部一张图): everything a
 * commander needs about a region today, read from roll-ups only -- the
 * region's counters (docs/counters.md), each read by its key (a bounded set:
 * the fixed metrics, the day's dated ones and 14 per trend line, so the cost
 * does not grow with the days of an outbreak), the timeliness histograms,
 * the response level, the latest open round -- never a scan of facts.
 * The small exceptions are bounded lookups: the caller's unread directives
 * (directives addressed to at most five ancestor codes), overdue
 * rectifications (open findings of the subtree, an index range) and the
 * day's duty (that day's shifts of the subtree, roster_day_summary).
 *
 * Ownership: the result is a new reference.
 */
#ifndef EPIGRID_CORE_DASHBOARD_H
#define EPIGRID_CORE_DASHBOARD_H
#include <jansson.h>

#include "core/auth.h"
#include "store/store.h"
#include "util/error.h"

#define DASHBOARD_TREND_DAYS 14

/* The dashboard of region "code" on day "date" (YYYY-MM-DD) as seen by
 * "user" (for unread directives): {region, date, tiles..., trend (the 14
 * days ending at date), children:[per child region figures]}.
 * -EP_ENOTFOUND for an unknown region. */
int dashboard_get(struct store *s, const struct auth_user *user, const char *code, const char *date,
                  json_t **out, struct ep_error *err);

#endif
