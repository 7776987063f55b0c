/*
 * org.h -- party organisations (党组织) as a tree: regular ones, temporary
 * branches set up at a front line (临时党支部) and mobile ones outside the
 * city (流动党组织); their members; applications to serve (请命书), approved
 * into a team in one step; grid responsibility (包片包网格); and the
 * mobilisation roll-ups.
 *
 * Rules: an organisation's region lies inside its parent's; a person holds at
 * most one active membership of a regular organisation and any number of
 * temporary or mobile ones; dissolving an organisation ends its memberships.
 * Each grid has at most one responsible person and any number of helpers.
 *
 * Counters (docs/counters.md), maintained with the fact, at the region of the
 * organisation (or grid) and its ancestors:
 *   orgs.<kind>            active organisations (kind = regular, temporary, mobile)
 *   org_members.<kind>     active memberships by the organisation's kind
 *   applications.<status>  applications (pending, approved, declined)
 *   grids_responsible      grids with a responsible person
 * and, owned by team.c, roster.c and checkpoint.c: teams.<type>,
 * teams_total, service_minutes, checkpoint_entries.<day>, checkpoint_fevers.<day>.
 * mobilisation_counters_rebuild() recomputes all of them from the facts.
 *
 * Reads return JSON (the API's form); "out" parameters receive a new
 * reference the caller must json_decref(); list functions append to a
 * caller's array.  Input strings are borrowed.
 */
#ifndef EPIGRID_CORE_ORG_H
#define EPIGRID_CORE_ORG_H
#include <jansson.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/team.h"
#include "core/write.h"
#include "store/store.h"
#include "util/error.h"

/* What bodies take, NULL-terminated (the OpenAPI document's enums): the kinds
 * of organisation, the roles of a member, the decisions on an application to
 * serve and the kinds of activity. */
extern const char *const org_kinds[];
extern const char *const org_member_roles[];
extern const char *const org_decisions[];
extern const char *const org_activity_kinds[];

/* The Chinese names of those codes: one table per list in org.c holding the
 * name Chinese text shows (the pages' words: exports, messages) and the other
 * names spreadsheets use, so that an export reads back through an import.
 *   org kinds:      常设, 临时, 流动 (also 党支部, 党委, 党总支, 常设党组织,
 *                   临时党支部, 临时党组织, 流动党组织, 流动党支部)
 *   member roles:   书记, 副书记, 委员, 党员, 预备党员
 *   activity kinds: 誓师/请战, 会议, 学习, 志愿服务, 其他 (also 誓师大会, 誓师,
 *                   请战, 服务, 其它)
 * *_zh: the name shown for a code; an unknown code as given, "" for NULL.
 * *_code: the code a name (any of them) or the code itself stands for;
 * anything else as given (for the check to name), NULL for NULL. */
const char *org_kind_zh(const char *kind);
const char *org_kind_code(const char *name);
const char *org_member_role_zh(const char *role);
const char *org_member_role_code(const char *name);
const char *org_activity_kind_zh(const char *kind);
const char *org_activity_kind_code(const char *name);

#define ORG_NAME_CHARS     60
#define ORG_TEXT_CHARS     300 /* pledge, notes */
#define ORG_APPLICANTS_MAX 50

/* ---- checks shared by the mobilisation modules ------------------------------ */

/* A date YYYY-MM-DD ("required" as above); stores the day number in *day
 * (-1 when absent or bad).  Field error. */
void org_check_date(const char *date, const char *field, int required, int64_t *day,
                    struct ep_error *err);
/* ---- organisations ---------------------------------------------------------- */

struct org_input {
    const char *name;         /* 1-60 characters */
    const char *kind;         /* regular, temporary, mobile */
    const char *region_code;  /* an existing region in who's scope, inside the parent's */
    int64_t parent_id;        /* 0 = a root */
    const char *location;     /* mobile: required (e.g. 广东省东莞市); else optional */
    const char *founded_date; /* YYYY-MM-DD, not in the future */
};

/* Creates an organisation (own write: audited, counters).  Field errors
 * named after the members; a region or parent outside who's scope is not
 * found (404, as a missing one);
 * -EP_ERULE when the parent is dissolved or its region does not contain
 * the new one. */
int org_create(struct store *s, const struct actor *who, const struct org_input *in, json_t **out,
               struct ep_error *err);
/* One organisation in "scope" with its active member count; -EP_ENOTFOUND. */
int org_get(struct store *s, const char *scope, int64_t id, json_t **out, struct ep_error *err);

struct org_filter {
    const char *scope;  /* required */
    const char *region; /* optional narrower prefix */
    const char *kind;   /* optional */
    const char *q;      /* optional: part of the name (at most ORG_NAME_CHARS characters) */
    int active_only;    /* 1: not dissolved */
    int64_t after_id;   /* cursor */
    int limit;
};
/* Organisations in scope by id, appended to "items" (each with the name of
 * its parent, "parent_name", when the parent is in scope too). */
int org_list(struct store *s, const struct org_filter *f, json_t *items, struct ep_error *err);
/* Dissolves an organisation on "date" (>= founded, not in the future):
 * its memberships end that day.  -EP_ECONFLICT when already dissolved,
 * -EP_ERULE while it has active child organisations. */
int org_dissolve(struct store *s, const struct actor *who, int64_t id, const char *date,
                 json_t **out, struct ep_error *err);

/* ---- members ------------------------------------------------------------------ */

struct org_member_input {
    int64_t person_id;
    const char *role;        /* secretary, deputy_secretary, committee, member, probationary */
    const char *joined_date; /* YYYY-MM-DD, not in the future; default today */
};
/* Adds a member (own transaction; audited; counters).  -EP_ECONFLICT when
 * the person is already an active member of this organisation or (for a
 * regular one) of another regular organisation; -EP_ERULE when dissolved. */
int org_member_add(struct store *s, const struct actor *who, int64_t org_id,
                   const struct org_member_input *in, json_t **out, struct ep_error *err);
/* The step of org_member_add inside a caller's write (the CSV import). */
int org_member_insert(struct write *w, int64_t org_id, const struct org_member_input *in,
                      int64_t *id_out);
/* Ends the active membership of "person_id" (left today). */
int org_member_end(struct store *s, const struct actor *who, int64_t org_id, int64_t person_id,
                   struct ep_error *err);
/* Active members (person id, name, role, joined date), appended to "items". */
int org_members_list(struct store *s, const char *scope, int64_t org_id, json_t *items,
                     struct ep_error *err);
/* One active membership, as `epigrid export members` writes it. */
struct org_member_row {
    int64_t id; /* the membership's */
    int64_t org_id;
    const char *person_name;
    const char *id_number; /* in full: the caller masks it */
    const char *role;      /* secretary ... probationary */
    const char *joined_date;
};
/* Calls "fn" for every active membership of every organisation in the
 * subtree of "region", by organisation id, then role (secretary first) and
 * membership id.  The row's strings are borrowed for the call.  Stops and
 * returns fn's value if it is not 0. */
typedef int (*org_member_fn)(const struct org_member_row *row, void *ctx);
int org_member_roster_list(struct store *s, const char *region, org_member_fn fn, void *ctx,
                           struct ep_error *err);
/* The step of org_create inside a caller's write (the CSV import); *id_out set. */
int org_insert(struct write *w, const struct org_input *in, int64_t *id_out);

/* ---- applications to serve (请命书) --------------------------------------------- */

struct org_application_input {
    int64_t org_id;
    const int64_t *person_ids; /* 1..ORG_APPLICANTS_MAX active members of the organisation */
    int npersons;
    const char *group_name; /* required when more than one person */
    const char *pledge;     /* 1-300 characters */
    const char *wish;       /* optional: where or how they offer to serve */
};
int org_application_create(struct store *s, const struct actor *who,
                           const struct org_application_input *in, json_t **out,
                           struct ep_error *err);
/* The Chinese label of an application's status for Chinese text (the pages'
 * words): 待审批, 已批准, 未批准; an unknown status as given. */
const char *org_application_status_zh(const char *status);
/* Approves ("approve") or declines ("decline") a pending application
 * (-EP_ECONFLICT otherwise).  With "team" (approve only), a team is created
 * in the same transaction from the application's organisation with the
 * applicants as members (leader: team->leader_person_id or the first
 * applicant); team field errors are prefixed "team.". */
int org_application_decide(struct store *s, const struct actor *who, int64_t id,
                           const char *decision, const char *note, const struct team_input *team,
                           json_t **out, struct ep_error *err);
/* The persons {person_id, name} of an application or an activity: "sql" (a
 * string literal: the store caches statements by address) selects
 * (person_id, name) for the record id bound as its one parameter. */
json_t *org_persons_json(struct store *s, const char *sql, int64_t id, struct ep_error *err);
int org_application_get(struct store *s, const char *scope, int64_t id, json_t **out,
                        struct ep_error *err);
/* Applications in scope, newest first (id < before_id when > 0); "status"
 * (NULL = any) and "org_id" (0 = any: that organisation only, not its
 * branches) narrow the list. */
int org_application_list(struct store *s, const char *scope, const char *status, int64_t org_id,
                         int64_t before_id, int limit, json_t *items, struct ep_error *err);

/* ---- activities (a branch's pledge meeting, meetings, study) ------------------------ */

#define ORG_ACTIVITY_PERSONS_MAX      200    /* registered participants named */
#define ORG_ACTIVITY_PARTICIPANTS_MAX 100000 /* head count */

struct org_activity_input {
    int64_t org_id;            /* inside who's scope, not dissolved by that day */
    const char *kind;          /* pledge, meeting, study, service, other */
    const char *title;         /* 1-60 characters */
    const char *place;         /* optional, at most 60 */
    const char *note;          /* optional, at most 300, line breaks allowed */
    int64_t participants;      /* head count; 0 = the persons listed; >= npersons */
    const int64_t *person_ids; /* registered persons among them (references) */
    int npersons;
    const char *occurred_at; /* when it took place (occurred_parse); NULL = now */
};
/* Records an activity of an organisation (own write, audited as
 * "org_activity" with its occurred time).  Field errors by member
 * ("person_ids[2]"); an organisation or person outside who's scope is not
 * found (404, as a missing one); -EP_ERULE when the organisation was not
 * founded yet or already dissolved that day.  *out = the activity. */
int org_activity_create(struct store *s, const struct actor *who,
                        const struct org_activity_input *in, json_t **out, struct ep_error *err);
/* One activity in "scope" with its persons; -EP_ENOTFOUND. */
int org_activity_get(struct store *s, const char *scope, int64_t id, json_t **out,
                     struct ep_error *err);

struct org_activity_filter {
    const char *scope; /* required: the region (in the caller's scope) */
    int64_t org_id;    /* 0 = any: that organisation only, not its branches */
    const char *kind;  /* NULL = any */
    int64_t before_id; /* cursor: id < before_id when > 0 */
    int limit;
};
/* Activities newest first, appended to "items". */
int org_activity_list(struct store *s, const struct org_activity_filter *f, json_t *items,
                      struct ep_error *err);
/* One activity, as `epigrid export activities` writes it. */
struct org_activity_row {
    int64_t id, org_id;
    const char *kind, *title, *place, *note; /* place and note NULL when empty */
    int64_t participants;
    const char *occurred_at;
    const char *const *id_numbers; /* the registered persons' ID numbers, in full */
    int npersons;
};
/* Calls "fn" for every activity of the organisations in the subtree of
 * "region", by id (oldest first).  The row is borrowed for the call.  Stops
 * and returns fn's value if it is not 0. */
typedef int (*org_activity_fn)(const struct org_activity_row *row, void *ctx);
int org_activity_export_list(struct store *s, const char *region, org_activity_fn fn, void *ctx,
                             struct ep_error *err);
/* 0 for a known activity kind, else a field error on "field" and -EP_EINVAL. */
int org_activity_kind_check(const char *kind, const char *field, struct ep_error *err);

/* ---- grid responsibility (包片包网格) ---------------------------------------------- */

/* Replaces the duty of a grid: one responsible person (0 = none) and the
 * helpers.  Own transaction, audited, counter grids_responsible. */
int org_grid_duty_set(struct store *s, const struct actor *who, const char *grid_code,
                      int64_t responsible, const int64_t *helpers, int nhelpers, json_t **out,
                      struct ep_error *err);
#define ORG_GRID_HELPERS_MAX 50 /* as PUT /grid-duties takes */
/* Makes "person_id" the responsible person of "grid_code", keeping its
 * helpers (the person leaves them): org_grid_duty_set.  Nothing to do when
 * the person is responsible already; -EP_ECONFLICT when another one is (an
 * import does not replace a grid's responsible person). */
int org_grid_responsible_add(struct store *s, const struct actor *who, const char *grid_code,
                             int64_t person_id, struct ep_error *err);
struct grid_duty_filter {
    const char *scope;      /* required */
    const char *region;     /* optional narrower prefix */
    int unassigned_only;    /* 1: grids without a responsible person */
    const char *q;          /* optional: part of the name of the grid, of its village or of
                               a person on duty there (at most REGION_NAME_CHARS characters) */
    const char *after_code; /* cursor: grids after this code (NULL = first) */
    int limit;              /* 0 = no limit */
};
/* Grids in scope by code, with their village ("village_code", "village_name"),
 * township ("township_name"), responsible person and helpers, appended to
 * "items". */
int org_grid_duty_list(struct store *s, const struct grid_duty_filter *f, json_t *items,
                       struct ep_error *err);

/* ---- roll-ups ----------------------------------------------------------------------- */

/* The mobilisation counters of "code" as a JSON object {metric: value}
 * (only this module family's metrics; days filtered to "day" when given). */
int mobilisation_counters_json(struct store *s, const char *code, json_t **out,
                               struct ep_error *err);
/* Recomputes every mobilisation counter (see above) from the facts: the
 * oracle.  Call inside a transaction. */
int mobilisation_counters_rebuild(struct store *s, struct ep_error *err);

#endif
