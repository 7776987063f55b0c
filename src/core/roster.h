/*
 * roster.h -- duty places and duty rosters (24 小时值守): shifts at a place
 * with a start, an end and the persons on them; the 24-hour cover check of
 * a place and a China day; check-in and check-out; service hours per
 * person, team and organisation.
 *
 * Cover: the uncovered intervals of a day [00:00, 24:00) +08:00 are the
 * complement of the union of the place's shifts clipped to the day
 * (overlapping and touching shifts merge; a shift across midnight counts on
 * both days).  roster_gaps() is the pure computation.
 *
 * Counter (docs/counters.md): service_minutes -- minutes served (check-in to
 * check-out), at the place's region and its ancestors, added at check-out.
 *
 * Reads return JSON (new references); input strings are borrowed.
 */
#ifndef EPIGRID_CORE_ROSTER_H
#define EPIGRID_CORE_ROSTER_H
#include <jansson.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/write.h"
#include "store/store.h"
#include "util/error.h"

/* The kinds of duty place (NULL-terminated). */
extern const char *const roster_place_kinds[];

#define ROSTER_PEOPLE_MAX  50
#define ROSTER_SHIFT_MAX_S (48 * 3600) /* a longer shift is a typing error */

struct roster_interval {
    int64_t start, end; /* unix seconds, [start, end) */
};

/* Pure: the parts of [from, to) covered by none of "shifts" (any order,
 * overlapping, partly outside), in time order, written to gaps[0..max).
 * Returns the number of gaps (which may exceed max: only max are written). */
int roster_gaps(const struct roster_interval *shifts, int n, int64_t from, int64_t to,
                struct roster_interval *gaps, int max);

/* ---- places ------------------------------------------------------------------- */

/* Creates a duty place (own transaction, audited): name 1-60 characters,
 * kind checkpoint, grid, hospital or site, an existing region in who's
 * scope (a grid for kind grid and checkpoint). */
int roster_place_create(struct store *s, const struct actor *who, const char *name,
                        const char *kind, const char *region_code, json_t **out,
                        struct ep_error *err);
/* Inside the caller's transaction (checkpoints): *id_out set; no audit. */
int roster_place_insert(struct write *w, const char *name, const char *kind,
                        const char *region_code, int64_t *id_out);
/* One place in "scope"; -EP_ENOTFOUND. *region_out (16 bytes, may be NULL). */
int roster_place_get(struct store *s, const char *scope, int64_t id, json_t **out, char *region_out,
                     struct ep_error *err);
/* Places in scope (and region, kind) by id after "after_id". */
int roster_place_list(struct store *s, const char *scope, const char *region, const char *kind,
                      int64_t after_id, int limit, json_t *items, struct ep_error *err);

/* ---- shifts --------------------------------------------------------------------- */

struct roster_shift_input {
    int64_t place_id;          /* a place in who's scope */
    const char *start;         /* ISO 8601 with offset */
    const char *end;           /* after start, at most 48 h later */
    int64_t team_id;           /* 0 = none; the team must be visible to who */
    const int64_t *person_ids; /* 1..ROSTER_PEOPLE_MAX persons */
    int npersons;
    const char *note; /* optional, 200 characters */
};
/* Creates a shift (own transaction, audited). */
int roster_shift_create(struct store *s, const struct actor *who,
                        const struct roster_shift_input *in, json_t **out, struct ep_error *err);
/* One shift in scope with its people; -EP_ENOTFOUND. */
int roster_shift_get(struct store *s, const char *scope, int64_t id, json_t **out,
                     struct ep_error *err);
struct roster_shift_filter {
    const char *scope;   /* required: region-code prefix */
    int64_t place_id;    /* 0 = any place */
    int64_t day;         /* China day number the shift overlaps; -1 = any */
    int64_t team_id;     /* 0 = any team */
    int64_t after_start; /* keyset cursor: shifts after (after_start, after_id) */
    int64_t after_id;    /* 0 = from the first */
    int limit;           /* at most this many rows; 0 = all */
};
/* Shifts matching "f", ordered by (start, id), appended to "items".  The
 * cursor of a page is the (start as unix seconds, id) of its last shift. */
int roster_shift_list(struct store *s, const struct roster_shift_filter *f, json_t *items,
                      struct ep_error *err);
/* The cover of place "place_id" on China day "day": {place_id, date,
 * covered_seconds, gaps: [{start, end, seconds}]}. */
int roster_day_gaps(struct store *s, const char *scope, int64_t place_id, int64_t day, json_t **out,
                    struct ep_error *err);
/* The duty of China day "day" in region "code" (its subtree), computed
 * from that day's shifts (these figures move with the clock, so they are
 * not counters): {date, deployed (distinct persons on a shift overlapping
 * the day), places_rostered (places with such a shift), checkpoints (24 h
 * checkpoints), places_with_gaps (rostered places or 24 h checkpoints not
 * covered all day), uncovered_seconds (their uncovered time)}.  A scan of
 * the day's shifts in the region, through the places' region index. */
int roster_day_summary(struct store *s, const char *code, int64_t day, json_t **out,
                       struct ep_error *err);

/* Check-in ("in" = 1) or check-out ("in" = 0) of a person on a shift at
 * "at_unix" (0 = now; not in the future by more than 5 minutes; a check-in
 * from 2 h before the start to the end; a check-out after the check-in).
 * -EP_ERULE when the person is not on the shift, -EP_ECONFLICT when already
 * checked in (out).  Check-out adds the minutes to service_minutes. */
int roster_attend(struct store *s, const struct actor *who, int64_t shift_id, int64_t person_id,
                  int in, int64_t at_unix, json_t **out, struct ep_error *err);
/* Service hours of a person, team or organisation ("person", "team",
 * "org"): {kind, id, shifts, minutes, hours} over checked-out attendance;
 * a team's counts its shifts, an organisation's its teams' shifts. */
int roster_service_hours(struct store *s, const char *scope, const char *kind, int64_t id,
                         json_t **out, struct ep_error *err);

#endif
