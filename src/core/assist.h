/*
 * assist.h -- cross-jurisdiction requests (协查函): how a close contact who
 * lives in another jurisdiction is traced.
 *
 * A contact tracer cannot see, let alone register, a person of another
 * county: outside the scope a record does not exist (ref.h).  Yet outbreaks
 * cross county lines, so the tracer writes what they know -- name, ID number
 * or phone, where the contact lives, the source case, the day of contact --
 * and the request goes to the jurisdiction where the contact lives: to the
 * grid of the registered person whose ID number matches, else to the region
 * the tracer named.  It appears live in that jurisdiction's health inbox
 * (event "assist.requested"), is acknowledged there (time to acknowledge
 * measured, like alerts), and that jurisdiction opens the observation (or
 * answers that the person could not be found).
 *
 * Two views of one request, never mixed:
 *   inbox   the receiving jurisdiction (to_region inside the caller's scope,
 *           or above it): everything, with the matched person;
 *   outbox  the sending jurisdiction (from_region inside the caller's scope):
 *           what the sender entered and the status, never the matched
 *           person, the grid it was routed to or the observation.
 *
 * Ownership: JSON results are new references for the caller; input strings
 * are borrowed.
 */
#ifndef EPIGRID_CORE_ASSIST_H
#define EPIGRID_CORE_ASSIST_H
#include <jansson.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/idem.h"
#include "store/store.h"
#include "util/error.h"

#define ASSIST_NAME_CHARS 20
#define ASSIST_NOTE_CHARS 300

struct assist_input {
    int64_t source_case_id;        /* a case visible to the sender */
    const char *name;              /* the contact's name, 1-20 characters */
    const char *id_number;         /* optional: 18 characters with a valid check digit */
    const char *phone;             /* optional; an ID number or a phone is required */
    const char *region_code;       /* where the contact lives: an existing region outside the
                                      sender's scope */
    const char *contact_type;      /* household, work, social, medical, transport, other */
    const char *last_contact_date; /* YYYY-MM-DD, not in the future */
    const char *note;              /* optional, at most 300 characters */
};

enum assist_box { ASSIST_INBOX, ASSIST_OUTBOX };

/* Sends a request (one write: the request, its event to the receiving
 * jurisdiction, the audit row at the sender's).  Field errors named after
 * the input members; a source case outside the scope is not found (404);
 * a region inside the sender's own scope is -EP_ERULE (register the contact
 * directly).  *out: the outbox view.  "idem" as for every idempotent write. */
int assist_request_create(struct store *s, const struct actor *who, const struct assist_input *in,
                          struct idem_key *idem, json_t **out, struct ep_error *err);

/* One request in the view the user may have: the inbox view when it is
 * addressed to the user's jurisdiction, else the outbox view when it was
 * sent from it, else -EP_ENOTFOUND. */
int assist_request_get(struct store *s, const struct auth_user *user, int64_t id, json_t **out,
                       struct ep_error *err);

/* Requests of one box, newest first (id < before_id when > 0), at most
 * "limit", appended to "items"; "status" (NULL = any) filters.  "summary"
 * (may be NULL) receives {count, pending, acknowledged, observing,
 * not_found, median_ack_seconds, p90_ack_seconds} over the whole box. */
int assist_request_list(struct store *s, const struct auth_user *user, int box, const char *status,
                        int64_t before_id, int limit, json_t *items, json_t **summary,
                        struct ep_error *err);

/* The Chinese label of a request's status for Chinese text (the pages' words):
 * 待签收, 已签收, 已落实观察, 查无此人; an unknown status as given. */
const char *assist_status_zh(const char *status);

/* The receiver acknowledges a pending request (-EP_ECONFLICT otherwise);
 * ack_seconds = now - requested.  The sender's outbox hears of it live
 * (event "assist.acknowledged" at the sender's region).  *out: inbox view. */
int assist_request_acknowledge(struct store *s, const struct actor *who, int64_t id, json_t **out,
                               struct ep_error *err);

struct assist_observe_input {
    int64_t person_id;      /* 0 = the matched person; else a person in the receiver's scope */
    const char *kind;       /* home, centralized, medical (default medical) */
    const char *site;       /* centralized: the site's name */
    const char *start_date; /* default: today */
    const char *reply;      /* optional answer to the sender, at most 300 characters */
};

/* The receiver opens the observation (reason "contact", source "assist:<id>")
 * for the matched person or the person it names, acknowledging the request
 * if it was pending.  -EP_ECONFLICT when already closed; a person under
 * observation already is linked, not opened twice. */
int assist_request_observe(struct store *s, const struct actor *who, int64_t id,
                           const struct assist_observe_input *in, json_t **out,
                           struct ep_error *err);

/* The receiver answers that the contact could not be found ("reply"
 * required). */
int assist_request_not_found(struct store *s, const struct actor *who, int64_t id,
                             const char *reply, json_t **out, struct ep_error *err);

/* Where a request may be sent: every county and township of the territory
 * ({code, name, level}), whatever the caller's scope -- administrative
 * division codes and names are public, and the sender must name where the
 * contact lives.  Appended to "items" in code order. */
int assist_destinations(struct store *s, json_t *items, struct ep_error *err);

#endif
