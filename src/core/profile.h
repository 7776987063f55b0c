/*
 * profile.h -- the disease profile and risk areas.
 *
 * Every number of the daily loop that depends on the disease comes from the
 * profile: observation length, fever threshold, report slots with their
 * grace period, the look-back for travel history.  Nothing of these is
 * hard-coded elsewhere.  Temperatures are integer tenths of a degree Celsius
 * (37.3 °C = 373) so that thresholds compare exactly.
 *
 * Ownership: structs are filled by value.
 */
#ifndef EPIGRID_CORE_PROFILE_H
#define EPIGRID_CORE_PROFILE_H
#include <stdint.h>

#include "core/audit.h"
#include "core/region.h"
#include "store/store.h"
#include "util/error.h"

#define PROFILE_SLOTS_MAX 6

struct profile {
    char name[128];                      /* e.g. 新型冠状病毒肺炎 */
    int observation_days;                /* planned observation length: 14 */
    int fever_threshold_dc;              /* 373 = 37.3 °C: at or above is fever */
    int nslots;                          /* report slots per day */
    int slot_minutes[PROFILE_SLOTS_MAX]; /* minutes after midnight (+08:00): 480 = 08:00 */
    int grace_minutes;                   /* a slot is overdue this long after it starts */
    int lookback_days;                   /* travel within this many days is relevant: 14 */
    char updated_at[32];
};

/* Reads the profile (there is always one: migration 0005 seeds it). */
int profile_get(struct store *s, struct profile *out, struct ep_error *err);

/* Validates and replaces the profile; audited with before and after. */
int profile_update(struct store *s, const struct actor *who, const struct profile *in,
                   struct ep_error *err);

/* The slot a moment belongs to: the latest slot start at or before
 * "unix_time" in China time.  Stores the slot's day number and index; a
 * moment before the first slot of a day belongs to the previous day's last
 * slot.  Pure function of the profile. */
void profile_slot_at(const struct profile *p, int64_t unix_time, int64_t *day, int *index);
/* Unix time at which slot (day, index) starts. */
int64_t profile_slot_start(const struct profile *p, int64_t day, int index);
/* 1 if a temperature (tenths of °C) is fever under the profile. */
int profile_is_fever(const struct profile *p, int temperature_dc);

/* Risk areas: a region code of this city or a named place outside it,
 * a level (high / medium / low), and dates. */
struct risk_area {
    int64_t id;
    char region_code[REGION_CODE_MAX]; /* "" when a named place */
    char place[128];                   /* e.g. 湖北省武汉市; "" when a region */
    char level[8];                     /* high, medium, low */
    char from_date[11], to_date[11];   /* inclusive; to_date "" = open */
};

/* 1 if travel from "origin" (free text or a region code) arriving on
 * "arrival_day" is from a risk area active that day. */
int riskarea_match(struct store *s, const char *origin, int64_t arrival_day, int *matched,
                   struct ep_error *err);

#endif
