/*
 * observation.h -- persons under home quarantine (居家隔离), centralized
 * quarantine (集中隔离) or medical observation (医学观察), their health
 * reports at the profile's slots, and overdue follow-ups.
 *
 * At most one active observation per person.  Counters (docs/counters.md),
 * all maintained in the transaction of the fact, for the observation's grid
 * and its ancestors:
 *   obs_active.<kind>        +1 opened, -1 released / converted / transferred
 *   obs_new.<start date>     +1 opened (the start date: by default the day the opening
 *                            occurred, never later)
 *   obs_released.<day>       +1 released (the day the release occurred)
 *   reports.<day received>   current reports (a replaced report is not counted twice)
 *                            by the China date of reported_at, whatever their slot
 *   reports_abnormal.<day received>
 *   overdue_now              open overdue rows: the current slot is past its grace
 *                            period and has no report
 *
 * Slots: a report names its slot as "YYYY-MM-DDTHH:MM" (China time), which
 * must be one of the profile's report times, not in the future and not
 * before the observation's start date.  An observation starts at 00:00 of
 * its start date; its planned end is start + profile days, the first day on
 * which it may be released.
 *
 * Due slots: a slot starts at its profile time and lasts until the next
 * slot starts (profile_slot_at).  A slot is due -- and overdue once its
 * grace period has passed without a report -- only if the observation was
 * already open when the slot started (opened_at <= slot start) and the slot
 * lies on or after the start date.  A person placed under observation at
 * 20:25 owes nothing for that day's 16:00 slot; the next due slot is 08:00
 * the day after.  A report for an earlier slot since the start date is
 * still accepted (it is history, not a debt).
 *
 * Ownership: structs are filled by value; input strings are borrowed.
 */
#ifndef EPIGRID_CORE_OBSERVATION_H
#define EPIGRID_CORE_OBSERVATION_H
#include <jansson.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/idem.h"
#include "core/region.h"
#include "core/write.h"
#include "store/store.h"
#include "util/error.h"

struct observation_open_input {
    int64_t person_id;
    const char *kind;       /* home, centralized, medical */
    const char *site;       /* centralized: the site's name (required); else optional */
    const char *reason;     /* travel, contact, fever, other */
    const char *start_date; /* YYYY-MM-DD, not in the future; planned end = start + profile days */
    const char *source;     /* what opened it: "visit:12", "contact:4", NULL for manual */
    int64_t opened_unix;    /* the moment it is opened (the visit's, the entry's...): 0 = now;
                               not in the future (up to OBSERVATION_CLOCK_SKEW_S ahead counts
                               as now) */
    /* observation_create only (issue 17): when the person came under
     * observation, as the user gives it (occurred_parse: a date or a time
     * with its offset, not before the outbreak start, not in the future);
     * NULL = now.  It becomes opened_unix, the audit row's occurred_at and,
     * when start_date is NULL, the start date; a start date after it is
     * refused. */
    const char *occurred_at;
    const char *occurred_field; /* the field named in its errors: NULL = "occurred_at" */
};

#define OBSERVATION_CLOCK_SKEW_S 300 /* opened_unix may be this far ahead of the clock */

/* Opens an observation as a step of the write "w" (used by visits, close
 * contacts and checkpoints as a consequence, and by POST
 * /api/v1/observations).  When the person already has an active
 * observation, nothing is opened and *id_out is the existing one's id,
 * *opened = 0.  No scope check on the person (a contact may live in another
 * jurisdiction: the caller has checked its own references); counters and
 * audit as above.  Field errors (person_id, kind, site, reason, start_date,
 * source, opened_at) end the write: -EP_EINVAL, or -EP_ENOTFOUND when the
 * only error is a person that does not exist.  Returns the write's failure. */
int observation_open_step(struct write *w, const struct observation_open_input *in, int64_t *id_out,
                          int *opened);

/* observation_open_step in a write of its own (a savepoint inside the
 * caller's transaction).  0, or negative with "err" set and nothing
 * written. */
int observation_open(struct store *s, const struct actor *who,
                     const struct observation_open_input *in, int64_t *id_out, int *opened,
                     struct ep_error *err);

#define OBSERVATION_TEXT_MAX 1024 /* bytes of a note or reason: 300 characters */
#define OBSERVATION_SLOT_LEN 16   /* "YYYY-MM-DDTHH:MM" */

struct observation {
    int64_t id;
    int64_t person_id;
    char person_name[81];
    char grid_code[REGION_CODE_MAX];
    char kind[16];   /* home, centralized, medical */
    char site[256];  /* "" when none */
    char reason[16]; /* travel, contact, fever, other */
    char start_date[11];
    char planned_end[11];
    char status[16];               /* active, released, converted, transferred */
    char released_at[32];          /* "" while active; when it ended (occurred) */
    char released_recorded_at[32]; /* "" while active; when the end was recorded */
    char release_note[OBSERVATION_TEXT_MAX];
    char override_by[64]; /* "" unless released early by the health role */
    char override_reason[OBSERVATION_TEXT_MAX];
    char source[64];
    char created_by[64];
    char created_at[32];
    char updated_at[32];
    char opened_at[32]; /* the moment it was opened: slots starting earlier are not due */
    /* Follow-up state (filled by get and list): */
    char last_slot[OBSERVATION_SLOT_LEN + 1]; /* slot of the latest current report, "" if none */
    int last_temperature_dc;
    int last_abnormal;
    char overdue_slot[OBSERVATION_SLOT_LEN + 1]; /* the open overdue slot, "" if none */
    char overdue_since[32];
};

/* POST /api/v1/observations: opens an observation in its own write for a
 * person inside who's scope (a person outside it is not found: 404 on
 * "person_id", the same as a person that does not exist), -EP_ECONFLICT when
 * the person is already under observation.  Input errors first (400, every
 * field).  "idem" as in person_create (may be NULL). */
int observation_create(struct store *s, const struct actor *who,
                       const struct observation_open_input *in, struct idem_key *idem,
                       struct observation *out, struct ep_error *err);

/* Reads one observation; -EP_ENOTFOUND when absent or outside "scope". */
int observation_get(struct store *s, const char *scope, int64_t id, struct observation *out,
                    struct ep_error *err);

struct observation_release_input {
    const char *note;            /* optional, at most 300 characters */
    const char *override_reason; /* health role only: release before the rules allow */
    const char *occurred_at;     /* when it was released (occurred_parse): NULL = now; not
                                    before the observation was opened (-EP_ERULE) */
};

/* Releases an active observation (own transaction, audited) at
 * in->occurred_at (released_at; released_recorded_at is the server's time;
 * the audit row carries occurred_at).  Allowed when the day of release
 * (China) is on or after planned_end AND the latest current report is
 * normal; otherwise -EP_ERULE with the reason.  A health-role user giving an
 * override_reason may release at any time (recorded as override_by).
 * -EP_EFORBIDDEN for an override by another role, -EP_ENOTFOUND outside
 * who's scope, -EP_ECONFLICT when not active.  Closes an open overdue row. */
int observation_release(struct store *s, const struct actor *who, int64_t id,
                        const struct observation_release_input *in, struct observation *out,
                        struct ep_error *err);

/* Ends active observation "id" because the person became a case
 * ("converted") or moved to another place of observation ("transferred"),
 * as a step of the write "w" (used by the case module, which has checked
 * its references: no scope check here); audited, counters and overdue as
 * for a release; it ends at the write's occurred time (w->occurred, else
 * w->now).  -EP_EINVAL for another status, -EP_ECONFLICT when not active.
 * Returns the write's failure. */
int observation_end_step(struct write *w, int64_t id, const char *status, const char *note,
                         struct observation *out);

struct observation_filter {
    const char *scope;      /* required: jurisdiction prefix */
    const char *region;     /* optional narrower prefix */
    const char *status;     /* optional: active, released, converted, transferred, overdue */
    const char *kind;       /* optional */
    int64_t person_id;      /* optional, 0 = any */
    const char *after_grid; /* cursor: continue after (after_grid, after_id) */
    int64_t after_id;
    int limit;
};

/* Calls fn for each matching observation in (grid_code, id) order; the
 * scope is a range in the SQL.  status "overdue" lists the active
 * observations with an open overdue row (persons overdue now). */
typedef int (*observation_fn)(const struct observation *o, void *ctx);
int observation_list(struct store *s, const struct observation_filter *f, observation_fn fn,
                     void *ctx, struct ep_error *err);

/* ---- health reports --------------------------------------------------- */

#define OBSERVATION_SYMPTOMS_MAX 7 /* the vocabulary's size */

struct health_report_input {
    int64_t person_id;
    const char *slot;                               /* "YYYY-MM-DDTHH:MM" */
    int temperature_dc;                             /* tenths of °C, 340..430 */
    const char *symptoms[OBSERVATION_SYMPTOMS_MAX]; /* names from the vocabulary */
    int nsymptoms;
    int64_t now_unix; /* the moment of reporting: 0 = now (tests pass a chosen time) */
};

struct health_report {
    int64_t id;
    int64_t observation_id;
    int64_t person_id;
    char grid_code[REGION_CODE_MAX];
    int64_t slot_day; /* days since 1970-01-01 */
    int slot_index;   /* index into the profile's slots */
    char slot[OBSERVATION_SLOT_LEN + 1];
    int temperature_dc;
    char symptoms[192]; /* JSON array text */
    int abnormal;       /* 1 if fever under the profile or any symptom */
    char reporter[64];
    char reported_at[32];
    int64_t replaces;    /* the report this one replaced, 0 if none */
    int64_t replaced_by; /* 0 while current */
    int64_t alert_id;    /* the report_abnormal alert, 0 if none (filled by add) */
};

/* The kinds and reasons an observation takes, NULL-terminated (the body's enums). */
extern const char *const observation_kinds[];
extern const char *const observation_reasons[];
/* The Chinese label of an observation status for Chinese text (messages,
 * printouts): 观察中, 已解除, 已转为病例, 已转出; an unknown status as given. */
const char *observation_status_zh(const char *status);
/* The i-th symptom name of the vocabulary (from 0), NULL past the last. */
const char *observation_symptom_at(int i);

/* 1 if "name" is a symptom of the vocabulary: fever, cough, sore_throat,
 * fatigue, diarrhea, breathing, other. */
int observation_symptom_valid(const char *name);

/* Checks the input's own fields without the database (slot syntax,
 * temperature range, symptoms): adds field errors ("person_id", "slot",
 * "temperature", "symptoms") and returns -EP_EINVAL, or 0.  The HTTP layer
 * calls it before deferring the write. */
int observation_report_check(const struct health_report_input *in, struct ep_error *err);

/* Records a health report in its own write (a savepoint inside a group
 * commit): the person must have an active observation inside who's scope
 * (a person outside it is not found, the same as a missing one: 404 on
 * "person_id"; -EP_ERULE with field "person_id" when the person is the
 * caller's but not under observation); the slot must be a profile slot, not in the future, not
 * before the start (field "slot").  An abnormal report raises a "report_abnormal" alert at once
 * (high for travel/contact observations, else medium).  A report for a slot already reported (under
 * another client UUID) replaces it: the old row stays as history with replaced_by set; counters
 * move by the difference only.  A late report closes the slot's overdue row. "idem" is required:
 * the same UUID and body returns the first report and sets idem->replayed; another body is
 * -EP_ECONFLICT.  Audited. */
int observation_report_add(struct store *s, const struct actor *who,
                           const struct health_report_input *in, struct idem_key *idem,
                           struct health_report *out, struct ep_error *err);

/* Calls fn for every report of an observation (replaced ones included),
 * by slot then id. */
typedef int (*health_report_fn)(const struct health_report *r, void *ctx);
int observation_reports_list(struct store *s, int64_t observation_id, health_report_fn fn,
                             void *ctx, struct ep_error *err);

/* JSON of an observation and of a report (new references). */
json_t *observation_json_new(const struct observation *o);
json_t *observation_report_json_new(const struct health_report *r);

/* ---- overdue ---------------------------------------------------------- */

/* Overdue rows opened (or closed) by one call at most: a whole city missing
 * its 08:00 slot must not hold the group-commit writer for more than a few
 * milliseconds (a request queued behind the job waits for it: issue 20's
 * B7; an opening costs ~90 us of the writer, so 50 hold it ~5 ms: 100 gave
 * B1 a p99 of 23-26 ms, 50 17 ms).  The caller sweeps again while "more" is set, handing back the
 * same result: "after" tells the next call where to go on, so that each call reads only its own
 * batch of observations. */
#define OBSERVATION_SWEEP_BATCH 50
/* Active observations looked at by one call at most, due or not (a sweep
 * that finds little to do still goes through every one of them). */
#define OBSERVATION_SWEEP_SCAN (4 * OBSERVATION_SWEEP_BATCH)

struct observation_sweep_result {
    int opened;     /* overdue rows opened (and alerts raised) */
    int closed;     /* overdue rows closed because their slot is no longer current */
    int more;       /* 1 if OBSERVATION_SWEEP_BATCH or _SCAN was reached: sweep again */
    int64_t after;  /* in: 0 for a new sweep, else the last call's value; out: where to go on */
    int stale_done; /* in/out: 1 once a call of this sweep left no open row of an earlier slot */
};

/* Finds, at moment "now_unix", every active observation whose current slot
 * (profile_slot_at) started at least the grace period ago, is due for it
 * (open at the slot's start, slot on or after the start date: see "Due
 * slots" above) and has no report: opens an overdue row
 * (overdue_now +1) and raises "report_overdue" (medium, dedup
 * "report_overdue:<obs>:<YYYY-MM-DD>#<index>", raised at now_unix).  Open
 * rows of earlier slots are closed (overdue_now -1).  One write by the
 * system actor (audit_cli_actor; a savepoint inside a group commit).  "out" may be NULL. */
int observation_sweep(struct store *s, int64_t now_unix, struct observation_sweep_result *out,
                      struct ep_error *err);

/* Recomputes every observation counter family (obs_active., obs_new.,
 * obs_released., overdue_now, reports., reports_abnormal.) from the facts:
 * the oracle the live counters must equal.  Call inside a transaction. */
int observation_counters_rebuild(struct store *s, struct ep_error *err);

#endif
