/*
 * observation.h -- persons under home quarantine (居家隔离), centralized
 * quarantine (集中隔离) or medical observation (医学观察), and their health
 * reports at the profile's slots.
 *
 * At most one active observation per person.  Opening one updates the
 * counters "obs_active.<kind>" and "obs_new.<YYYY-MM-DD>"; releasing updates
 * "obs_released.<YYYY-MM-DD>".
 */
#ifndef EPIGRID_CORE_OBSERVATION_H
#define EPIGRID_CORE_OBSERVATION_H
#include <stdint.h>

#include "core/audit.h"
#include "core/region.h"
#include "store/store.h"
#include "util/error.h"

struct observation_open_input {
    int64_t person_id;
    const char *kind;       /* home, centralized, medical */
    const char *site;       /* centralized: the site's name; else NULL */
    const char *reason;     /* travel, contact, fever, other */
    const char *start_date; /* YYYY-MM-DD; planned end = start + profile days */
    const char *source;     /* what opened it: "visit:12", "contact:4", NULL for manual */
};

/* Opens an observation inside the caller's transaction (used by visits and
 * close contacts as a consequence, and by POST /api/v1/observations).  When
 * the person already has an active observation, nothing is opened and
 * *id_out is the existing one's id, *opened = 0. */
int observation_open(struct store *s, const struct actor *who,
                     const struct observation_open_input *in, int64_t *id_out, int *opened,
                     struct ep_error *err);

#endif
