/*
 * command.h -- what the command HQ (指挥部) decides and sends down:
 *
 *  - response levels (应急响应级别) I-IV per region with an effective date and
 *    the directive that set them; a region without its own level takes its
 *    nearest ancestor's; rows are never changed, so the level that applied on
 *    any past date can be re-read;
 *  - leader links (市级领导联系督导县区): a user linked to the regions they
 *    supervise, shown with those regions' headline figures side by side;
 *  - directives (通知/指令): delivered to every unit (region) of a subtree
 *    down to a chosen level, one delivery row per unit; read receipts per
 *    unit and per user; who has not read by the deadline; replies;
 *  - inspections (督查): findings with a responsible unit and a rectification
 *    deadline, open -> rectified (evidence note) -> verified.
 *
 * Visibility is a scope filter in the SQL: a directive is visible to users
 * whose scope lies in its target subtree and to those whose scope contains
 * the target (the issuing side); recipients are the visible users whose
 * scope is at a level it was delivered to; levels, inspections and
 * findings to users whose scope contains their region (levels also from
 * below: an ancestor's level applies to you).
 *
 * Roll-ups (docs/counters.md), maintained in the transaction of the fact:
 * "directive_units" / "directive_units_read" at each delivery unit,
 * "inspections" at the inspected region, "findings.<status>" at the region
 * where the finding must be rectified; command_counters_rebuild() is the
 * oracle.  Every write is audited; issuing a directive publishes the event
 * "directive.issued" at its target region.
 *
 * Ownership: input strings are borrowed; json_t ** results are new
 * references the caller decrefs; list functions append to a caller's array.
 */
#ifndef EPIGRID_CORE_COMMAND_H
#define EPIGRID_CORE_COMMAND_H
#include <jansson.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/auth.h"
#include "store/store.h"
#include "util/error.h"

#define COMMAND_TITLE_CHARS 60   /* titles of directives, broadcasts */
#define COMMAND_BODY_CHARS  4000 /* bodies of directives, broadcasts */
#define COMMAND_TEXT_CHARS  300  /* notes, findings, replies, evidence */

/* ---- response levels -------------------------------------------------------- */

/* "一级响应" ... "四级响应" and "I" ... "IV" for 1..4, "" otherwise. */
const char *command_level_zh(int level);
const char *command_level_roman(int level);

struct level_input {
    const char *region_code;    /* inside who's scope */
    int64_t level;              /* 1..4 (1 = 一级, the highest) */
    const char *effective_date; /* YYYY-MM-DD */
    int64_t directive_id;       /* 0 = none; else a directive visible to who */
    const char *note;           /* optional, at most COMMAND_TEXT_CHARS */
    const char *occurred_at;    /* optional: the moment it took effect, on effective_date
                                   (a time with its offset, or that date); NULL = the end
                                   of effective_date, or now when that is today */
};

/* The form of the input (field errors named after the members); the region
 * and the directive are references, checked by command_level_set() alone.
 * Writes nothing. */
int command_level_check(const struct level_input *in, struct ep_error *err);
/* Records a level from its effective date on, audited.  The effective date
 * is when the change happened (issue 17): not before the profile's outbreak
 * start, not after today (a level announced for a later day is recorded
 * when it takes effect); occurred_at, if given, on that day.  The audit row
 * carries occurred_at, created_at is the recorded time.  -EP_EINVAL,
 * -EP_ENOTFOUND for a region or directive missing or outside who's scope
 * (the same answer, field named), -EP_ECONFLICT when the region already has
 * a level with that effective date. */
int command_level_set(struct store *s, const struct actor *who, const struct level_input *in,
                      json_t **out, struct ep_error *err);
/* The level that applied to "code" on "date": {region, date, level (null if
 * none), level_name, roman, set_at (the region whose level it is),
 * inherited, effective_date, directive_id}. */
int command_level_at(struct store *s, const char *code, const char *date, json_t **out,
                     struct ep_error *err);
/* Every level row that concerns "code": set at it, at an ancestor (inherited)
 * or in its subtree; newest effective date first.  Appends to "items". */
int command_level_history(struct store *s, const char *code, json_t *items, struct ep_error *err);

/* ---- leader links ---------------------------------------------------------- */

/* Links user "username" to "region_code" (inside both who's and the leader's
 * scope), audited.  -EP_EINVAL (fields "username", "region_code"),
 * -EP_ENOTFOUND for a region or a user missing or outside who's scope (a user
 * is seen when its scope lies inside who's or above it; the answer never
 * tells the user's scope), -EP_ECONFLICT when linked already. */
int command_leader_link(struct store *s, const struct actor *who, const char *username,
                        const char *region_code, json_t **out, struct ep_error *err);
/* Ends a link, audited.  -EP_ENOTFOUND when absent or outside who's scope. */
int command_leader_unlink(struct store *s, const struct actor *who, int64_t id,
                          struct ep_error *err);
/* The regions "username" supervises that lie in "scope", each with its
 * headline figures of "date" (stats_region_day): {user, display_name,
 * date, items:[{link_id, region, name, level, stats}]}.  -EP_ENOTFOUND for
 * an unknown user. */
int command_leader_regions(struct store *s, const char *scope, const char *username,
                           const char *date, json_t **out, struct ep_error *err);

/* The links whose region lies in "scope" (a region and everything below it:
 * who supervises it), oldest first, id > after_id, at most "limit" rows
 * appended to "items": {id, region_code, region_name, username,
 * display_name, active, created_by, created_at}. */
int command_leader_links_list(struct store *s, const char *scope, int64_t after_id, int limit,
                              json_t *items, struct ep_error *err);

/* ---- directives -------------------------------------------------------------- */

struct directive_input {
    const char *title;          /* 1..COMMAND_TITLE_CHARS */
    const char *body;           /* 1..COMMAND_BODY_CHARS */
    const char *target_region;  /* root of the subtree, inside who's scope */
    const char *target_level;   /* deepest level delivered to: county, township, village, grid */
    const char *deadline;       /* YYYY-MM-DD, not before today */
    const char *issuing_region; /* optional, default who's scope; an ancestor-or-self of target */
};

/* The form of the input; the target and issuing regions are references,
 * checked by command_directive_issue() alone.  Writes nothing. */
int command_directive_check(const struct directive_input *in, struct ep_error *err);
/* Issues a directive: one delivery per region of the target subtree whose
 * level is at most target_level, counters, the event, the audit row, in one
 * transaction.  -EP_EINVAL, -EP_ENOTFOUND for a region missing or outside
 * who's scope (field named). */
int command_directive_issue(struct store *s, const struct actor *who,
                            const struct directive_input *in, json_t **out, struct ep_error *err);
/* One directive visible to "user", with its figures (units, units_read),
 * the user's own read_at and the replies.  -EP_ENOTFOUND otherwise. */
int command_directive_get(struct store *s, const struct auth_user *user, int64_t id, json_t **out,
                          struct ep_error *err);
/* Directives visible to "user" (optionally only those targeting inside
 * "region", only those the user has not read), id descending, id <
 * before_id (0 = newest), at most "limit".  Appends to "items". */
int command_directive_list(struct store *s, const struct auth_user *user, const char *region,
                           int unread_only, int64_t before_id, int limit, json_t *items,
                           struct ep_error *err);
/* Records that who->user read directive "id" (idempotent: a second read
 * keeps the first time), and the first read of the user's unit.  Only
 * recipients (scope in the target subtree at a level delivered to; grid
 * staff read for their village) read: -EP_ERULE otherwise. */
int command_directive_read(struct store *s, const struct actor *who, int64_t id, json_t **out,
                           struct ep_error *err);
/* Delivery units with their read state, optionally only under "region":
 * {directive_id, deadline, units, read, unread, overdue (deadline passed),
 * items:[{region, name, level, read_at, read_by, late}],
 * not_read_by_deadline:[codes]}. */
int command_directive_receipts(struct store *s, const struct auth_user *user, int64_t id,
                               const char *region, json_t **out, struct ep_error *err);
/* A reply by a recipient (1..COMMAND_TEXT_CHARS, field "body"), audited. */
int command_directive_reply(struct store *s, const struct actor *who, int64_t id, const char *body,
                            json_t **out, struct ep_error *err);
/* Directives addressed to the user (a recipient: scope in the target
 * subtree at a level delivered to, grid staff counting as their village)
 * not read yet. */
int command_directive_unread_count(struct store *s, const struct auth_user *user, int64_t *out,
                                   struct ep_error *err);

/* ---- inspections ------------------------------------------------------------- */

/* The i-th finding category (from 0), NULL past the last. */
const char *command_finding_category_at(int i);

/* Finding categories ("screening", "quarantine", ...) and their Chinese names. */
int command_finding_category_valid(const char *category);
const char *command_finding_category_zh(const char *category);

/* The Chinese label of a finding's status for Chinese text (the printed
 * report, messages): 待整改, 已整改待核查, 已核查销号; an unknown status as given. */
const char *command_finding_status_zh(const char *status);

struct finding_input {
    const char *category;         /* see command_finding_category_valid */
    const char *description;      /* 1..COMMAND_TEXT_CHARS */
    const char *responsible_unit; /* 1..60 characters */
    const char *region_code;      /* optional: where, inside the inspection's region */
    const char *deadline;         /* YYYY-MM-DD, not before the inspection date */
};

#define COMMAND_FINDINGS_MAX 50

struct inspection_input {
    const char *region_code;  /* inside who's scope */
    const char *unit;         /* optional unit name, at most 60 characters */
    const char *inspected_on; /* YYYY-MM-DD, not after today */
    const char *summary;      /* optional, at most COMMAND_TEXT_CHARS */
    struct finding_input findings[COMMAND_FINDINGS_MAX];
    int nfindings;
};

/* The form of the input: field errors named "findings[2].deadline" etc.;
 * the regions are references, checked by command_inspection_create() alone.
 * Writes nothing. */
int command_inspection_check(const struct inspection_input *in, struct ep_error *err);
/* Records an inspection and its findings (open), counters, the audit row.
 * -EP_EINVAL, -EP_ENOTFOUND for a region missing or outside who's scope. */
int command_inspection_create(struct store *s, const struct actor *who,
                              const struct inspection_input *in, json_t **out,
                              struct ep_error *err);
/* The inspection with its findings; -EP_ENOTFOUND outside "scope". */
int command_inspection_get(struct store *s, const char *scope, int64_t id, json_t **out,
                           struct ep_error *err);
int command_inspection_list(struct store *s, const char *scope, const char *region,
                            int64_t before_id, int limit, json_t *items, struct ep_error *err);
/* open -> rectified with an evidence note (field "evidence_note"), by a user
 * whose scope contains the finding's region (-EP_ENOTFOUND otherwise).
 * -EP_ECONFLICT from any other status. */
int command_finding_rectify(struct store *s, const struct actor *who, int64_t id,
                            const char *evidence_note, json_t **out, struct ep_error *err);
/* rectified -> verified.  -EP_ECONFLICT from any other status. */
int command_finding_verify(struct store *s, const struct actor *who, int64_t id, json_t **out,
                           struct ep_error *err);
/* Findings in "scope" (and "region"), optionally of one status, optionally
 * only overdue ones (still open with a deadline before "today"),
 * by deadline then id, at most 1000.  Appends to "items". */
int command_finding_list(struct store *s, const char *scope, const char *region, const char *status,
                         int overdue_only, const char *today, json_t *items, struct ep_error *err);
/* Open findings in the subtree of "code" whose deadline is before "today". */
int command_findings_overdue_count(struct store *s, const char *code, const char *today,
                                   int64_t *out, struct ep_error *err);

/* Recomputes directive_units, directive_units_read, inspections and
 * findings.* from the facts (the tests' oracle).  Call inside a transaction. */
int command_counters_rebuild(struct store *s, struct ep_error *err);

#endif
