/*
 * simulate.h -- brings the demo city (demo.h) to life after it is built, so
 * that every page has something true to show: the outbreak of outbreak.h
 * ending yesterday, the supplies of supply_demo_seed(), the mobilisation and
 * command seeds (party organisations, teams, an application, grid duties, a
 * checkpoint with entries, a 24-hour roster with one gap, a response level,
 * a directive with read receipts, an inspection with an open finding, a
 * broadcast), and the daily loop of the last three days up to now: a
 * screening round over the city, household visits (returnees open
 * observations, fevers raise alerts), health reports at past slots (some
 * missing, some abnormal), an overdue sweep, and part of the alerts
 * acknowledged and resolved.
 *
 * Everything goes through the domain calls as the CLI identity, so counters,
 * audit rows, alerts and events are those of real use (`epigrid check`
 * finds every counter equal to its oracle).  The daily loop covers a
 * bounded sample of grids (雍景园小区 always), so its cost does not grow
 * with the scale.  The same seed on the same city on the same day gives the
 * same data (the daily loop is anchored at today, the moment of the run).
 *
 * Ownership: nothing is allocated for the caller.
 */
#ifndef EPIGRID_GEN_SIMULATE_H
#define EPIGRID_GEN_SIMULATE_H
#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

/* What simulate_demo wrote (for the CLI's summary and the tests). */
struct simulate_stats {
    int64_t outbreak_cases;    /* cases reported by the outbreak */
    int64_t outbreak_contacts; /* close contacts traced */
    int64_t organisations;     /* party organisations created */
    int64_t teams;             /* teams created */
    int64_t checkpoint_entries;
    int64_t shifts;       /* roster shifts */
    int64_t visits;       /* household visits recorded */
    int64_t returnees;    /* persons derived as returnees in the visits */
    int64_t fevers;       /* persons derived as febrile in the visits */
    int64_t reports;      /* health reports recorded */
    int64_t overdue;      /* overdue rows opened by the sweep */
    int64_t acknowledged; /* alerts acknowledged (incl. those resolved) */
    int64_t resolved;     /* alerts resolved */
};

/* Simulates the demo city's activity into "s" (a city from
 * demo_city_generate, without earlier simulation), "scale" being the scale
 * it was generated with (bounds the samples) and "seed" the PRNG seed, up to
 * the moment "now_unix" (0 = now; never later than now: the domain refuses
 * future moments).  The same seed and moment give the same facts.
 * Several transactions; on failure the data written by the finished ones
 * stays (the database is a demo to delete).  -EP_ERULE when there is no city
 * with persons.  "out" may be NULL. */
int simulate_demo_run(struct store *s, double scale, uint64_t seed, int64_t now_unix,
                      struct simulate_stats *out, struct ep_error *err);
/* simulate_demo_run without the figures (what `epigrid demo` calls). */
int simulate_demo(struct store *s, double scale, uint64_t seed, struct ep_error *err);

#endif
