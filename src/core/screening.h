/*
 * screening.h -- screening rounds (排查轮次) and household visits (入户排查).
 *
 * The command opens a round over a subtree for a date range; grid workers
 * then visit every household of it.  One visit per household and round: a
 * later visit updates it and the previous version is kept in visit_history.
 *
 * A visit has consequences in its own transaction: a person back from a risk
 * area within the profile's look-back opens a home observation (reason
 * travel); fever (the flag, or a temperature at or above the threshold)
 * raises a medium alert "visit_fever"; fever and risk travel together a high
 * alert "visit_fever_travel".  Counters (docs/counters.md): visited.r<ROUND>,
 * returnees.r<ROUND>, fever_found.r<ROUND>; screening_counters_rebuild()
 * recomputes them from the facts (the oracle the tests compare to).
 *
 * Ownership: structs are filled by value; input strings are borrowed.  The
 * persons of a visit are written into a caller-supplied array.
 */
#ifndef EPIGRID_CORE_SCREENING_H
#define EPIGRID_CORE_SCREENING_H
#include <jansson.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/idem.h"
#include "core/region.h"
#include "store/store.h"
#include "util/error.h"

#define ROUND_NAME_CHARS   60
#define ROUND_NAME_MAX     (ROUND_NAME_CHARS * 4 + 1)
#define VISIT_PERSONS_MAX  50  /* persons listed in one visit */
#define VISIT_MEMBERS_MAX  99  /* members present */
#define VISIT_NOTE_CHARS   200 /* note, in characters */
#define VISIT_NOTE_MAX     (VISIT_NOTE_CHARS * 4 + 1)
#define VISIT_TEXT_CHARS   60 /* origin, transport, other symptoms */
#define VISIT_TEXT_MAX     (VISIT_TEXT_CHARS * 4 + 1)
#define VISIT_TEMP_MIN_DC  340 /* 34.0 °C: a lower reading is a typing error */
#define VISIT_TEMP_MAX_DC  430 /* 43.0 °C */
#define VISIT_CLOCK_SKEW_S 300 /* visited_at may be this far ahead of the server clock */

struct round {
    int64_t id;
    char name[ROUND_NAME_MAX];
    char region_code[REGION_CODE_MAX]; /* root of the subtree screened */
    char start_date[11], end_date[11]; /* inclusive, China dates */
    char status[8];                    /* open, closed */
    char created_by[64];               /* username */
    char created_at[32];
};

struct round_input {
    const char *name;        /* 1-60 characters */
    const char *region_code; /* an existing region inside the actor's scope */
    const char *start_date;  /* YYYY-MM-DD */
    const char *end_date;    /* YYYY-MM-DD, >= start_date; a past round (entered from paper
                                records) is allowed, from the profile's outbreak start */
};

/* Opens a round (status open), audited.  Field errors (-EP_EINVAL) named
 * after the input members; -EP_EFORBIDDEN when the region is outside who's
 * scope. */
int round_open(struct store *s, const struct actor *who, const struct round_input *in,
               struct round *out, struct ep_error *err);
/* Closes an open round (no more visits), audited.  -EP_ENOTFOUND when it is
 * not visible to who, -EP_EFORBIDDEN when its region is outside who's scope,
 * -EP_ECONFLICT when already closed. */
int round_close(struct store *s, const struct actor *who, int64_t id, struct round *out,
                struct ep_error *err);
/* One round visible from "scope" (its subtree and the scope overlap: the
 * round lies inside the scope or covers it).  -EP_ENOTFOUND otherwise. */
int round_get(struct store *s, const char *scope, int64_t id, struct round *out,
              struct ep_error *err);
/* Rounds visible from "scope", newest first, with id < before_id (0 = from
 * the newest), at most "limit".  Stops when fn returns non-zero. */
typedef int (*round_fn)(const struct round *r, void *ctx);
int round_list(struct store *s, const char *scope, int64_t before_id, int limit, round_fn fn,
               void *ctx, struct ep_error *err);

struct visit_person_input {
    int64_t person_id;          /* a member of the visited household */
    int returned_from_risk;     /* 1 if the person says they came back from a risk area */
    const char *origin;         /* where from: a place name or a region code; NULL = unknown */
    const char *arrival_date;   /* YYYY-MM-DD; required when returned_from_risk */
    const char *transport;      /* e.g. G1234 次列车; NULL = unknown */
    int fever, cough;           /* reported symptoms */
    const char *other_symptoms; /* free text or NULL */
    int temperature_dc;         /* measured, tenths of °C (340..430); 0 = not measured */
    int contact_with_case;      /* 1 if in contact with a (suspected) case */
};

struct visit_input {
    int64_t round_id;
    int64_t household_id;
    const char *visited_at; /* ISO 8601 with offset; NULL = now; not in the future */
    int members_present;    /* 0..VISIT_MEMBERS_MAX */
    const char *note;       /* optional, up to 200 characters */
    int npersons;           /* 0..VISIT_PERSONS_MAX */
    const struct visit_person_input *persons;
};

/* One person as recorded, with what the rules derived. */
struct visit_person {
    int64_t person_id;
    int returned_from_risk;
    char origin[VISIT_TEXT_MAX];
    char arrival_date[11];
    char transport[VISIT_TEXT_MAX];
    int fever, cough;
    char other_symptoms[VISIT_TEXT_MAX];
    int temperature_dc; /* 0 = not measured */
    int contact_with_case;
    int returnee;           /* derived: back from a risk area within the look-back */
    int febrile;            /* derived: fever flag or temperature at/above the threshold */
    int64_t observation_id; /* the observation opened (or found active) for it, 0 = none */
    int64_t alert_id;       /* the alert raised for it, 0 = none */
};

struct visit {
    int64_t id;
    int64_t round_id;
    int64_t household_id;
    char grid_code[REGION_CODE_MAX];
    int64_t visitor_id;  /* users.id, 0 for the CLI */
    char visitor[64];    /* username */
    char visited_at[32]; /* +08:00 */
    int members_present;
    char note[VISIT_NOTE_MAX];
    int version;   /* 1 for the first visit, +1 per update */
    int returnees; /* persons derived as returnees */
    int fevers;    /* persons derived as febrile */
    char created_at[32];
    char updated_at[32];
    int npersons;                 /* persons written into the caller's array */
    struct visit_person *persons; /* caller's array (may be NULL), up to max_persons */
    int max_persons;              /* capacity of persons */
};

/* Records a visit in one transaction (a savepoint inside a group commit):
 * checks every field (field errors named "round_id", "persons[2].temperature"
 * ...), that the household lies in who's scope (-EP_EFORBIDDEN) and in the
 * round's subtree, that the round is open and today and the visit's date lie
 * within its dates (-EP_ERULE), that each person belongs to the household.
 * The first visit of the household in the round inserts; a later one updates
 * it (version + 1) after copying the previous version into visit_history.
 * Then the consequences (observations, alerts), the counters adjusted by
 * difference, an event "visit.recorded" and an audit row.
 * "idem" (may be NULL): the same client UUID and body returns the visit as it
 * is now and sets idem->replayed; another body is -EP_ECONFLICT.
 * "out" is filled (persons into out->persons when given). */
int visit_record(struct store *s, const struct actor *who, const struct visit_input *in,
                 struct idem_key *idem, struct visit *out, struct ep_error *err);

/* One visit in "scope" with its persons (into out->persons when given);
 * -EP_ENOTFOUND when absent or outside. */
int visit_get(struct store *s, const char *scope, int64_t id, struct visit *out,
              struct ep_error *err);

struct visit_filter {
    const char *scope;      /* required */
    const char *region;     /* optional narrower prefix */
    int64_t round_id;       /* 0 = every round */
    const char *after_grid; /* cursor: (grid_code, id) after this */
    int64_t after_id;
    int64_t limit; /* <= 0 = no limit */
};
/* Visits in (grid_code, id) order without their persons.  Stops when fn
 * returns non-zero. */
typedef int (*visit_fn)(const struct visit *v, void *ctx);
int visit_list(struct store *s, const struct visit_filter *f, visit_fn fn, void *ctx,
               struct ep_error *err);

/* A round and a visit as JSON (the API's, audit's and history's form):
 * temperatures in °C, derived flags and consequences included; a visit's
 * persons when it has them.  New references. */
json_t *round_json_new(const struct round *r);
json_t *visit_json_new(const struct visit *v);

/* Coverage of round "round_id" in "code", from counters only: households
 * registered and households visited. */
int screening_coverage(struct store *s, const char *code, int64_t round_id, int64_t *households,
                       int64_t *visited, struct ep_error *err);

/* Recomputes visited.r*, returnees.r* and fever_found.r* for every region
 * from visits and visit_persons (after bulk loads; the tests' oracle). */
int screening_counters_rebuild(struct store *s, struct ep_error *err);

#endif
