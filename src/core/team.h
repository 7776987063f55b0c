/*
 * team.h -- teams (党员突击队, 党员先锋队, 志愿服务队, 巡防排查队, 卫生清洁队,
 * 应急小分队 ...): a type from the extensible catalogue team_types, the
 * organisation that formed it, a leader, members, the duty places it is
 * assigned to, and active dates.
 *
 * Counters (docs/counters.md): teams.<type> -- teams formed, and
 * teams_total -- all of them (one row for the dashboard, whatever the
 * catalogue holds), at the organisation's region and its ancestors.
 *
 * Reads return JSON (new references, the caller decrefs); input strings are
 * borrowed.
 */
#ifndef EPIGRID_CORE_TEAM_H
#define EPIGRID_CORE_TEAM_H
#include <jansson.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/write.h"
#include "store/store.h"
#include "util/error.h"

#define TEAM_MEMBERS_MAX 200
#define TEAM_PLACES_MAX  50

struct team_input {
    const char *name;          /* 1-60 characters */
    const char *type;          /* a code of team_types */
    int64_t org_id;            /* an active organisation in who's scope */
    int64_t leader_person_id;  /* 0 = the first member */
    const int64_t *member_ids; /* persons; the leader is added when missing */
    int nmembers;
    const int64_t *place_ids; /* duty places in who's scope */
    int nplaces;
    const char *active_from; /* YYYY-MM-DD; NULL = the day it was deployed (occurred_at), today */
    const char *active_to;   /* YYYY-MM-DD >= active_from, or NULL = open */
    const char *occurred_at; /* when it was formed and deployed (occurred_parse: a date or a
                                time, not before the outbreak start, not in the future); NULL =
                                now.  The audit row carries it. */
};

/* Checks and inserts a team inside the caller's transaction (audited,
 * counter teams.<type>); "application_id" (0 = none) records its origin.
 * Field errors named after the input members ("member_ids[2]", ...),
 * a record named outside who's scope is not found (as a missing one).
 * A step inside the caller's write "w". */
int team_insert(struct write *w, const struct team_input *in, int64_t application_id,
                int64_t *id_out);
/* team_insert in its own transaction, then the team as JSON. */
int team_create(struct store *s, const struct actor *who, const struct team_input *in, json_t **out,
                struct ep_error *err);
/* One team in "scope" with members and places; -EP_ENOTFOUND. */
int team_get(struct store *s, const char *scope, int64_t id, json_t **out, struct ep_error *err);
/* Teams in scope (and region, type, organisation when given) by id after
 * "after_id", appended to "items" without members. */
int team_list(struct store *s, const char *scope, const char *region, const char *type,
              int64_t org_id, int64_t after_id, int limit, json_t *items, struct ep_error *err);
/* Adds a member to a team (own transaction, audited); -EP_ECONFLICT when
 * already a member. */
int team_member_add(struct store *s, const struct actor *who, int64_t team_id, int64_t person_id,
                    struct ep_error *err);

/* One member of a team, as the roster export writes it (team_roster_list). */
struct team_roster_row {
    int64_t team_id;
    const char *name;        /* the team's */
    const char *type_name;   /* the type's Chinese name (党员突击队) */
    int64_t org_id;          /* the organisation that formed it */
    const char *active_from; /* YYYY-MM-DD */
    const char *active_to;   /* YYYY-MM-DD, or NULL when open */
    int leader;              /* 1 for the team's leader */
    int64_t person_id;
    const char *person_name;
    const char *id_number; /* in full: the caller masks it */
};
/* Calls "fn" for every member of every team in the subtree of "region" (in
 * the caller's scope), by team id, the leader first, then the members in
 * the order they joined.  The row's strings are borrowed for the call.
 * Stops and returns fn's value if it is not 0. */
typedef int (*team_roster_fn)(const struct team_roster_row *row, void *ctx);
int team_roster_list(struct store *s, const char *region, team_roster_fn fn, void *ctx,
                     struct ep_error *err);

/* The catalogue of team types by sort order, appended to "items". */
int team_types_list(struct store *s, json_t *items, struct ep_error *err);
/* Adds a type (root scope only, -EP_EFORBIDDEN): code 2-32 of [a-z0-9_],
 * Chinese and English names 1-30 characters; -EP_ECONFLICT if it exists. */
int team_type_create(struct store *s, const struct actor *who, const char *code,
                     const char *name_zh, const char *name_en, struct ep_error *err);

#endif
