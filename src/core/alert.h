/*
 * alert.h -- alerts: raised by rules the moment a fact is abnormal, then
 * acknowledged and resolved, with time-to-acknowledge and time-to-resolve
 * measured per region and day.
 *
 * Rules (machine names): visit_fever, visit_fever_travel, report_abnormal,
 * report_overdue, checkpoint_fever, stock_low, case_outside_hospital ...
 * Each alert has a dedup key: raising the same key twice is a no-op that
 * returns the existing alert (one overdue alert per person and slot).
 *
 * Lifecycle: open -> acknowledged -> resolved (resolving an open alert
 * acknowledges it at the same moment).  Every raise/acknowledge/resolve
 * publishes an event (event.h: alert.raised, alert.acknowledged,
 * alert.resolved, payload = the alert as JSON without the person's name,
 * region = its grid; titles name no one either) and
 * updates, in the same transaction, the counters (docs/counters.md)
 * "alerts_open.<severity>" (open = not resolved), "alerts_raised.<day>" and
 * the timeliness histograms "ack_hist.<day>.<bucket>" and
 * "resolve_hist.<day>.<bucket>", where <day> is the day the alert was raised.
 *
 * Ownership: structs are filled by value; input strings are borrowed;
 * alert_json_new() returns a new reference.
 */
#ifndef EPIGRID_CORE_ALERT_H
#define EPIGRID_CORE_ALERT_H
#include <jansson.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/region.h"
#include "core/write.h"
#include "store/store.h"
#include "util/error.h"

enum alert_severity { ALERT_LOW = 1, ALERT_MEDIUM = 2, ALERT_HIGH = 3 };

struct alert_input {
    const char *rule;      /* machine name, see above */
    int severity;          /* enum alert_severity */
    const char *grid_code; /* where: always a grid (15 digits) */
    int64_t person_id;     /* 0 when not about a person */
    int64_t household_id;  /* 0 when not about a household */
    const char *source;    /* the fact: "visit:12", "report:7", "observation:3" */
    const char *dedup_key; /* unique key, e.g. "report_overdue:obs:3:2026-11-29#0" */
    const char *title_zh;  /* one line for people, e.g. "发热 38.2℃(入户排查)" */
    const char *title_en;
    int64_t raised_unix; /* when: 0 = now (the overdue sweep passes the moment it swept) */
};

/* Raises an alert as a step of the write "w" (no scope check: rules raise
 * alerts on behalf of the system; the counters move in w).  When the dedup
 * key exists, nothing changes and *id_out is the existing id.  A malformed
 * input (a programming error of the rule) fails the write with
 * -EP_EINTERNAL.  Returns the write's failure (0 when all is well). */
int alert_raise_step(struct write *w, const struct alert_input *in, int64_t *id_out);

/* alert_raise_step in a write of its own by the system actor (a savepoint
 * inside the caller's transaction), for modules that raise outside a
 * struct write.  0, or negative with "err" set and nothing written. */
int alert_raise(struct store *s, const struct alert_input *in, int64_t *id_out,
                struct ep_error *err);

#define ALERT_RULE_MAX  32
#define ALERT_TITLE_MAX 512  /* bytes: a title holds a place name of up to 60 characters */
#define ALERT_NOTE_MAX  1024 /* bytes; notes are at most 300 characters */

struct alert {
    int64_t id;
    char rule[ALERT_RULE_MAX];
    int severity; /* enum alert_severity */
    char grid_code[REGION_CODE_MAX];
    int64_t person_id;                 /* 0 when none */
    char person_name[81];              /* "" when none (filled by get/list) */
    char person_grid[REGION_CODE_MAX]; /* the person's grid ("" when none); get/list
                                        * show the person only to readers whose
                                        * scope holds it */
    int64_t household_id;              /* 0 when none */
    char source[64];
    char title_zh[ALERT_TITLE_MAX];
    char title_en[ALERT_TITLE_MAX];
    char status[16]; /* open, acknowledged, resolved */
    char raised_at[32];
    int64_t raised_unix;
    char ack_by[64]; /* "" while open */
    char ack_at[32];
    int64_t ack_seconds; /* -1 while open */
    char resolved_by[64];
    char resolved_at[32];
    int64_t resolve_seconds; /* -1 until resolved */
    char note[ALERT_NOTE_MAX];
    char ack_by_name[164];              /* display name of ack_by, 40 characters ("" when
                                         * unknown, or its user is off the reader's line) */
    char ack_by_scope[REGION_CODE_MAX]; /* that user's scope, for the check */
    char resolved_by_name[164];         /* the same for resolved_by */
    char resolved_by_scope[REGION_CODE_MAX];
};

/* "low", "medium", "high" ("" for anything else) and back (0 if unknown). */
const char *alert_severity_name(int severity);
int alert_severity_from_name(const char *name);

/* The alert as JSON (the API's and the events' representation). */
json_t *alert_json_new(const struct alert *a);

/* Reads one alert; -EP_ENOTFOUND when absent or outside "scope". */
int alert_get(struct store *s, const char *scope, int64_t id, struct alert *out,
              struct ep_error *err);

/* open -> acknowledged at "now_unix" (0 = now; simulations pass their
 * clock), in its own transaction (a savepoint inside a group commit),
 * audited, with the event and the "ack_hist" counter.
 * -EP_ENOTFOUND outside who's scope, -EP_ECONFLICT when no longer open. */
int alert_acknowledge(struct store *s, const struct actor *who, int64_t id, int64_t now_unix,
                      struct alert *out, struct ep_error *err);

/* open/acknowledged -> resolved at "now_unix" (0 = now) with a note (1-300 characters, field
 * "note"), in its own transaction, audited, with the event and counters.
 * -EP_EINVAL without a note, -EP_ENOTFOUND outside who's scope,
 * -EP_ECONFLICT when already resolved. */
int alert_resolve(struct store *s, const struct actor *who, int64_t id, const char *note,
                  int64_t now_unix, struct alert *out, struct ep_error *err);

/* Resolves the unresolved alert raised with "dedup_key", if there is one,
 * as a step of "w" by w's actor at "now" (0 = the write's time) with "note":
 * a rule whose cause has gone (a case placed in a designated hospital)
 * closes its own alert.  No scope check (the caller's write has checked the
 * record the alert is about).  Returns the write's failure. */
int alert_resolve_key_step(struct write *w, const char *dedup_key, const char *note, int64_t now);

struct alert_filter {
    const char *scope;  /* required: jurisdiction prefix */
    const char *region; /* optional narrower prefix */
    const char *status; /* optional: open, acknowledged, resolved, or unresolved */
    int severity;       /* optional, 0 = any */
    const char *rule;   /* optional exact rule */
    int64_t person_id;  /* optional, 0 = any */
    int64_t before_id;  /* cursor: alerts with id < before_id (0 = newest first) */
    int limit;          /* rows wanted */
};

/* Calls fn for each matching alert, newest first (id descending).  The
 * scope is a range in the SQL.  Stops and returns fn's value if non-zero. */
typedef int (*alert_fn)(const struct alert *a, void *ctx);
int alert_list(struct store *s, const struct alert_filter *f, alert_fn fn, void *ctx,
               struct ep_error *err);

/* Timeliness buckets (docs/counters.md): upper bounds in seconds, the last
 * one unbounded. */
#define ALERT_BUCKETS 10
/* Name of bucket i ("b60" ... "binf") and its upper bound (-1 for binf). */
const char *alert_bucket_name(int i);
int64_t alert_bucket_upper(int i);
/* The bucket a duration falls in: the first whose bound is >= seconds. */
int alert_bucket_of(int64_t seconds);

struct alert_timeliness_part {
    int64_t count;                 /* alerts of the day that reached this step */
    int64_t hist[ALERT_BUCKETS];   /* per bucket */
    int median_bucket, p90_bucket; /* bucket index, -1 when count is 0 */
};

struct alert_timeliness {
    int64_t raised;                       /* alerts raised that day */
    struct alert_timeliness_part ack;     /* time to acknowledge */
    struct alert_timeliness_part resolve; /* time to resolve */
};

/* Time-to-acknowledge and time-to-resolve of the alerts raised on "date"
 * (YYYY-MM-DD) in region "code", from the histogram counters alone (a few
 * primary-key reads, whatever the region's size).  The median and p90 are
 * the upper bound of the bucket holding that rank. */
int alert_timeliness_get(struct store *s, const char *code, const char *date,
                         struct alert_timeliness *out, struct ep_error *err);

/* Recomputes every alert counter family from the alerts table (the oracle
 * the live counters must equal).  Call inside a transaction. */
int alert_counters_rebuild(struct store *s, struct ep_error *err);

#endif
