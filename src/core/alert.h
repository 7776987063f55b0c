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
 * Every raise/acknowledge/resolve publishes an event (event.h) and updates
 * the counters "alerts_open.<severity>" and the timeliness histograms in the
 * same transaction.
 */
#ifndef EPIGRID_CORE_ALERT_H
#define EPIGRID_CORE_ALERT_H
#include <stdint.h>

#include "core/audit.h"
#include "core/region.h"
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
};

/* Raises an alert inside the caller's transaction (no transaction of its
 * own, no scope check: rules raise alerts on behalf of the system).  When
 * the dedup key exists, nothing changes and *id_out is the existing id. */
int alert_raise(struct store *s, const struct alert_input *in, int64_t *id_out,
                struct ep_error *err);

#endif
