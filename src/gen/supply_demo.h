/*
 * supply_demo.h -- the demo city's supplies: items, warehouses, donors,
 * donations, ledger operations, requests and special party dues, written
 * through the supplies module's public calls like real use.
 */
#ifndef EPIGRID_GEN_SUPPLY_DEMO_H
#define EPIGRID_GEN_SUPPLY_DEMO_H
#include "core/audit.h"
#include "store/store.h"
#include "util/error.h"

/* Fills the demo city's supplies through the supplies module's calls (so the
 * ledger, lots, counters and audit are what real use gives): items, a city
 * store in grids[0] and county stores in grids[1..7], donors of every kind,
 * donations of early 2020 (goods and money), a purchase, transfers,
 * allocations to hospitals, teams and checkpoints, thresholds (some stocks
 * below them, so stock_low alerts exist), a half-fulfilled request, and
 * 专项党费 in and out.  "who" acts for all of it (the CLI actor).  Call on a
 * database without supplies; each call is its own transaction. */
int supply_demo_seed(struct store *s, const struct actor *who, const char *const *grids, int ngrids,
                     struct ep_error *err);

#endif
