/*
 * outbreak.h -- a deterministic simulated outbreak over an existing city
 * (the demo city of demo.h): sites in every county, imported cases first,
 * close contacts and contacts of contacts traced, some contacts falling ill
 * (their observations converted into cases), suspected cases confirmed or
 * excluded, confirmed cases placed (a few first in a fever clinic, which the
 * four-concentrations rule flags until they are moved), severity changes,
 * discharges and a death or two.
 *
 * Everything goes through the domain calls (case_create, case_update,
 * contact_create, site_create) with the simulated moment, so the history,
 * counters, audit rows and alerts are those of real use and the bulletin of
 * every simulated day can be issued.  The same seed on the same city gives
 * the same outbreak.
 *
 * Ownership: options are borrowed; nothing is allocated for the caller.
 */
#ifndef EPIGRID_GEN_OUTBREAK_H
#define EPIGRID_GEN_OUTBREAK_H
#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

struct outbreak_options {
    uint64_t seed;         /* PRNG seed */
    const char *first_day; /* YYYY-MM-DD of the first imported case, not in the future */
    int days;              /* simulated days, 1..120, ending no later than today */
};

struct outbreak_stats {
    int64_t sites;      /* sites created */
    int64_t cases;      /* cases reported (every classification) */
    int64_t confirmed;  /* of which ever confirmed */
    int64_t contacts;   /* close contacts traced (incl. contacts of contacts) */
    int64_t discharged; /* confirmed or asymptomatic cases discharged */
    int64_t deaths;     /* deceased */
};

/* Simulates the outbreak into "s" as the CLI identity, one transaction per
 * simulated day.  Needs a city with counties and persons (-EP_ERULE
 * otherwise).  -EP_EINVAL (fields "first_day", "days") for bad options. */
int outbreak_simulate(struct store *s, const struct outbreak_options *opt,
                      struct outbreak_stats *out, struct ep_error *err);

#endif
