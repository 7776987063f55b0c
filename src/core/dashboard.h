/*
 * dashboard.h -- the command dashboard (指挥部一张图): everything a
 * commander needs about a region today, read from roll-ups only -- the
 * region's counters (docs/counters.md: one indexed range read per region),
 * the timeliness histograms, the response level, the latest open round --
 * never a scan of facts.  The two small exceptions are bounded lookups on
 * command tables: the caller's unread directives (directives addressed to at
 * most five ancestor codes) and overdue rectifications (open findings of
 * the subtree, an index range).
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
