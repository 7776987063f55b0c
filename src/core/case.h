/*
 * case.h -- cases (病例): suspected, confirmed, asymptomatic, excluded, and
 * the outcomes discharged (出院) and deceased, with severity, dates and the
 * site where the case is placed.
 *
 * Every change goes through the state machine below (a table in case.c,
 * read by the tests) and appends a case_history row holding the whole state
 * after the change, in the same transaction as the change, its audit row,
 * its event and its counters (docs/counters.md):
 *   cases_confirmed.<day>    +1 the day a case became confirmed
 *   cases_confirmed_total    +1 with it: cumulative confirmed, one row to read
 *   cases_current.<status>   open cases now; status = suspected, confirmed, asymptomatic
 *   cases_outside_hospital   confirmed cases not placed in a designated hospital now
 *   cases_discharged.<day>   +1 the day a confirmed case was discharged; _total with it
 *   cases_deaths.<day>       +1 the day a confirmed case died; _total with it
 * (<day>: the day the change occurred)
 *
 * Status transitions ("" = the case is reported):
 *   ""           -> suspected | confirmed | asymptomatic
 *   suspected    -> confirmed | asymptomatic | excluded
 *   asymptomatic -> confirmed | discharged | deceased
 *   confirmed    -> discharged | deceased
 *   excluded, discharged, deceased: final
 * Severity and placement change only while the case is open (suspected,
 * confirmed, asymptomatic).
 *
 * "Four concentrations" (四个集中): a confirmed, open case not placed in a
 * designated hospital is flagged (struct case_record.outside_hospital) and
 * raises the alert "case_outside_hospital" (high, once per case), which
 * resolves itself when the flag drops: the case is placed in a designated
 * hospital, discharged or dies.
 *
 * Scope: a case belongs to the grid of its person when it was reported;
 * every read and write is filtered by that grid in the SQL.
 *
 * Time (issue 17): a change happened at its occurred time (the input's
 * "occurred_at", a date or a time; by default now, for a new case the end of
 * its report date) and is recorded at the server's time.  History rows keep
 * both (at / at_day occurred, recorded_at recorded); the counters, the dates
 * of the case (confirmed_date, outcome_date) and the bulletin take the
 * occurred day, so a late record updates the day it belongs to.
 *
 * Ownership: structs are filled by value; input strings are borrowed;
 * *_json_new() return new references.
 */
#ifndef EPIGRID_CORE_CASE_H
#define EPIGRID_CORE_CASE_H
#include <jansson.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/auth.h"
#include "core/idem.h"
#include "core/region.h"
#include "store/store.h"
#include "util/error.h"

#define CASE_TEXT_MAX       1024 /* bytes of a note: 300 characters */
#define CASE_TRANSFER_CHARS 100  /* characters of the institution a case is transferred to */

/* One entry of the state machine: moving from "from" to "to" is allowed or
 * refused with the message given. */
struct case_transition {
    const char *from;   /* "" for a new case */
    const char *to;     /* target status */
    int allowed;        /* 1 allowed, 0 refused */
    const char *msg_zh; /* why it is refused (NULL when allowed) */
    const char *msg_en;
};

/* The statuses in order: suspected, confirmed, asymptomatic, excluded,
 * discharged, deceased; NULL-terminated. */
extern const char *const case_statuses[];
/* The severities of a case, NULL-terminated (the body's enum). */
extern const char *const case_severities[];

/* The state machine entry for (from, to): every pair of statuses (and ""
 * as "from") has one.  NULL if either name is unknown. */
const struct case_transition *case_transition_find(const char *from, const char *to);

/* 0 if from -> to is allowed; else -EP_ERULE with the table's message
 * (field "status"), or -EP_EINVAL for an unknown status. */
int case_transition_check(const char *from, const char *to, struct ep_error *err);

/* 1 if "status" is open: suspected, confirmed or asymptomatic. */
int case_status_open(const char *status);
/* Chinese name of a status or a severity ("确诊病例", "重型", ...), "" if unknown. */
const char *case_status_zh(const char *status);
const char *case_severity_zh(const char *severity);

struct case_record {
    int64_t id;
    int64_t person_id;
    char person_name[81];
    char grid_code[REGION_CODE_MAX];
    char status[16];         /* see above */
    char classification[16]; /* suspected, confirmed, asymptomatic, excluded */
    char severity[12];       /* mild, moderate, severe, critical; "" when none */
    char onset_date[11];     /* "" when unknown */
    char report_date[11];
    char confirmed_date[11]; /* "" until confirmed */
    char outcome_date[11];   /* "" until discharged or deceased */
    int64_t site_id;         /* 0 when not placed */
    char site_name[161];
    char site_kind[24];
    int64_t observation_id; /* the observation it was converted from, 0 if none */
    int outside_hospital;   /* 1: confirmed, open, not transferred out, not in a designated
                               hospital (四个集中) */
    char transferred_to[CASE_TRANSFER_CHARS * 4 + 1]; /* "" unless transferred out (转出) */
    char transferred_date[11];                        /* "" unless transferred out */
    char note[CASE_TEXT_MAX];
    char created_by[64];
    char created_at[32];
    char updated_at[32];
    char region_names[4][REGION_NAME_MAX]; /* county, township, village, grid of grid_code
                                              ("" where the region is unknown) */
};

struct case_input {
    int64_t person_id;       /* the person (or 0 with observation_id) */
    int64_t observation_id;  /* convert this observation's person (0 = none) */
    const char *status;      /* suspected, confirmed, asymptomatic */
    const char *severity;    /* optional */
    const char *onset_date;  /* optional, not after the report date */
    const char *report_date; /* NULL = the day of "at" */
    int64_t site_id;         /* 0 = not placed */
    const char *note;        /* optional, at most 300 characters */
    const char *occurred_at; /* when it was reported as "status" (occurred_parse): NULL = the
                                report date's end of day if given, else now */
    int64_t at_unix;         /* the server's clock: 0 = now (simulations pass their clock) */
};

/* Reports a case in one write: input checks (field errors named after the
 * input members, 400), then the references -- the person, the observation
 * and the site must be visible to who: one that is missing or outside the
 * scope is the same field error "<kind> <id> 不存在" (404 when it is the only
 * error) -- then not already an open case (-EP_ECONFLICT).  The person's
 * active observation (or the one named) is ended as "converted".  History
 * row, counters, audit, event ("case.created") and the four-concentrations
 * alert.  "idem" (may be NULL) as in person_create. */
int case_create(struct store *s, const struct actor *who, const struct case_input *in,
                struct idem_key *idem, struct case_record *out, struct ep_error *err);

struct case_change {
    const char *status;         /* target status, NULL = unchanged */
    const char *severity;       /* NULL = unchanged */
    int site_given;             /* 1 to change the placement */
    int64_t site_id;            /* with site_given: the site, 0 = none */
    const char *onset_date;     /* NULL = unchanged */
    const char *transferred_to; /* NULL = unchanged; the institution outside the jurisdiction
                                   that took the case over (转出), "" = back in its own care */
    const char *note;           /* recorded with the history row, optional */
    const char *occurred_at;    /* when the change happened (occurred_parse): NULL = now;
                                   never before the case's last change */
    int64_t at_unix;            /* the server's clock: 0 = now (simulations pass their clock) */
};

/* Applies one change in one write: the status through the state machine
 * (-EP_ERULE with its message), severity, placement and a transfer out only
 * while open (-EP_ERULE), a site visible from who's scope (field "site_id": 404 like a
 * missing one).  A change that changes nothing is -EP_EINVAL.  History row
 * (the fields changed), counters, audit with before and after, event
 * ("case.updated"), alert.  -EP_ENOTFOUND when the case is missing or
 * outside who's scope. */
int case_update(struct store *s, const struct actor *who, int64_t id,
                const struct case_change *change, struct case_record *out, struct ep_error *err);

/* Reads a case inside "scope"; -EP_ENOTFOUND otherwise. */
int case_get(struct store *s, const char *scope, int64_t id, struct case_record *out,
             struct ep_error *err);

struct case_filter {
    const char *scope;      /* required */
    const char *region;     /* optional narrower prefix */
    const char *status;     /* optional status, or "open" */
    int64_t site_id;        /* optional, 0 = any */
    int64_t person_id;      /* optional, 0 = any */
    int outside_hospital;   /* 1: only flagged cases */
    const char *after_grid; /* cursor: continue after (after_grid, after_id) */
    int64_t after_id;
    int64_t limit; /* <= 0: no limit */
};

/* Calls fn for each matching case in (grid_code, id) order; the scope is a
 * range in the SQL.  Stops and returns fn's value if non-zero. */
typedef int (*case_fn)(const struct case_record *c, void *ctx);
int case_list(struct store *s, const struct case_filter *f, case_fn fn, void *ctx,
              struct ep_error *err);

struct case_history_row {
    int64_t id;
    char at[32];          /* when the change happened (occurred) */
    char recorded_at[32]; /* when it was written (the server's time) */
    char actor[64];
    char from_status[16]; /* "" when reported */
    char to_status[16];
    char classification[16];
    char severity[12];
    int64_t site_id;
    char fields[256]; /* JSON array text */
    char note[CASE_TEXT_MAX];
};

/* Calls fn for each history row of case "id" (already scope-checked by the
 * caller), oldest first. */
typedef int (*case_history_fn)(const struct case_history_row *h, void *ctx);
int case_history_list(struct store *s, int64_t id, case_history_fn fn, void *ctx,
                      struct ep_error *err);

/* The case as JSON for "viewer" (the person's name in full: case work needs
 * it; ID numbers are not part of a case). */
json_t *case_json_new(const struct case_record *c);
json_t *case_history_json_new(const struct case_history_row *h);

/* Daily new confirmed cases by onset date, by report date and by the date
 * they were confirmed (the bulletin's "新增确诊" of that day) in "region" (a
 * prefix), days from..to (day numbers, inclusive, at most 400 days).
 * Returns {"days":[{"date","onset","report","confirmed"}], "total", "no_onset"}. */
json_t *case_curve_new(struct store *s, const char *region, int64_t from, int64_t to,
                       struct ep_error *err);

/* Recomputes the case counter families (cases_confirmed., cases_confirmed_total,
 * cases_current., cases_outside_hospital) from the facts: the oracle of the live counters.
 * Call inside a transaction. */
int case_counters_rebuild(struct store *s, struct ep_error *err);

#endif
