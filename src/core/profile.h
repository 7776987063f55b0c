/*
 * profile.h -- the disease profile and risk areas.
 *
 * Every number of the daily loop that depends on the disease comes from the
 * profile: observation length, fever threshold, report slots with their
 * grace period, the look-back for travel history.  Nothing of these is
 * hard-coded elsewhere.  Temperatures are integer tenths of a degree Celsius
 * (37.3 °C = 373) so that thresholds compare exactly.
 *
 * Ownership: structs are filled by value; input strings are borrowed.
 */
#ifndef EPIGRID_CORE_PROFILE_H
#define EPIGRID_CORE_PROFILE_H
#include <stdint.h>

#include "core/audit.h"
#include "core/region.h"
#include "store/store.h"
#include "util/error.h"

/* The levels of a risk area: high, medium, low (NULL-terminated). */
extern const char *const profile_risk_levels[];

#define PROFILE_SLOTS_MAX 6

struct profile {
    char name[128];         /* e.g. 新型冠状病毒肺炎 */
    int observation_days;   /* planned observation length: 14 */
    int fever_threshold_dc; /* 373 = 37.3 °C: at or above is fever */
    int high_fever_dc;      /* 391 = 39.1 °C (高热): at or above, a fever alert is high */
    int nslots;             /* report slots per day */
    int slot_minutes[PROFILE_SLOTS_MAX]; /* minutes after midnight (+08:00): 480 = 08:00 */
    int grace_minutes;                   /* a slot is overdue this long after it starts */
    int lookback_days;                   /* travel within this many days is relevant: 14 */
    int public_depth;        /* deepest region level the public pages show (REGION_COUNTY) */
    int public_min_cell;     /* public figures 1..N-1 below the city shown as "<N" (3; 1 = exact) */
    char outbreak_start[11]; /* YYYY-MM-DD: the earliest day a fact may have occurred on */
    char updated_at[32];
};

/* Reads the profile (there is always one: migration 0005 seeds it). */
int profile_get(struct store *s, struct profile *out, struct ep_error *err);

/* Validates and replaces the profile; audited with before and after.  Only
 * a user with a root (city-wide) scope may change it (-EP_EFORBIDDEN).
 * Bounds: name 1-60 characters, observation 1-60 days, threshold 35.0-42.0
 * °C, high fever above the threshold up to 42.0 °C, 1-PROFILE_SLOTS_MAX slots strictly ascending
 * within the day, grace 1-720 minutes and shorter than the gap between slots, look-back 1-60 days,
 * public depth a region level (city to grid), public minimum cell 1-100, outbreak start a date not
 * after today.  Field errors (-EP_EINVAL) are named after the struct members. */
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
/* The one rule of a fever alert's severity, wherever the temperature was
 * taken (checkpoint, visit, health report): 1 (high) when "risk" (travel
 * from a risk area, a close contact) or the temperature is at or above the
 * profile's high fever; 0 (medium) otherwise. */
int profile_fever_is_high(const struct profile *p, int temperature_dc, int risk);

/* Risk areas: a region code of this city or a named place outside it,
 * a level (high / medium / low), and dates. */
struct risk_area {
    int64_t id;
    char region_code[REGION_CODE_MAX]; /* "" when a named place */
    char place[128];                   /* e.g. 湖北省武汉市; "" when a region */
    char level[8];                     /* high, medium, low */
    char from_date[11], to_date[11];   /* inclusive; to_date "" = open */
    char created_at[32];               /* when it was entered */
    char created_by[64];               /* username of who entered it */
};

#define RISKAREA_PLACE_CHARS 40 /* longest place name, in characters */

struct riskarea_input {
    const char *region_code; /* 2-15 digits (GB/T 2260), or NULL for a named place */
    const char *place;       /* 2-40 characters, or NULL for a region code */
    const char *level;       /* high, medium, low */
    const char *from_date;   /* YYYY-MM-DD */
    const char *to_date;     /* YYYY-MM-DD >= from_date, or NULL = open */
};

/* Checks and inserts a risk area, audited, in one transaction.  Exactly one
 * of region_code and place.  A region code must lie in who's scope unless who
 * holds a root (city-wide) scope; a named place needs a root scope
 * (-EP_EFORBIDDEN).  Field errors (-EP_EINVAL) are named after the input
 * members. */
int riskarea_create(struct store *s, const struct actor *who, const struct riskarea_input *in,
                    struct risk_area *out, struct ep_error *err);
/* One risk area; -EP_ENOTFOUND when absent. */
int riskarea_get(struct store *s, int64_t id, struct risk_area *out, struct ep_error *err);
/* Calls fn for each risk area by id after "after_id" (0 = from the first),
 * at most "limit" of them (0 = all); "active_day" >= 0 keeps only those in
 * force on that day number, -1 lists all.  Stops when fn returns non-zero. */
typedef int (*riskarea_fn)(const struct risk_area *a, void *ctx);
int riskarea_list(struct store *s, int64_t active_day, int64_t after_id, int limit, riskarea_fn fn,
                  void *ctx, struct ep_error *err);
/* Ends a risk area: sets its last day to "to_date" (>= from_date).  Same
 * permission rule as riskarea_create; audited with before and after. */
int riskarea_end(struct store *s, const struct actor *who, int64_t id, const char *to_date,
                 struct risk_area *out, struct ep_error *err);
/* Removes a risk area entered by mistake (audited with the record before).
 * Facts already derived from it (observations, alerts) stay. */
int riskarea_delete(struct store *s, const struct actor *who, int64_t id, struct ep_error *err);

/* Sets *matched to 1 if travel from "origin" (free text or a region code)
 * arriving on "arrival_day" is from a risk area in force that day: a code
 * inside a risk region, or text containing a risk place's name or a risk
 * region's name.  0 or negative on a database error. */
int riskarea_match(struct store *s, const char *origin, int64_t arrival_day, int *matched,
                   struct ep_error *err);

#endif
