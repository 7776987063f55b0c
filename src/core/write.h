/*
 * write.h -- the one write path: every create, update and state transition
 * of a domain module runs inside a struct write.
 *
 *   struct write w;
 *   int64_t first;
 *   int rc = write_begin(&w, s, who, "org_member", idem, &first, err);
 *   if (rc == WRITE_REPLAY) ...read record "first" and answer as before...
 *   write_ref(&w, REF_PERSON, in->person_id, "person_id", NULL);   (body references)
 *   write_check(&w);                                 (input errors end the write here)
 *   ...the module's own SQL on w.s, guarded by write_ok(&w)...
 *   write_count(&w, region, "org_members.regular", 1);
 *   write_audit(&w, "create", "org_member", id, region, NULL, after);
 *   return write_end(&w, id);                        (idempotency key, commit or rollback)
 *
 * What it holds in one place:
 *  - the transaction: store_begin() (a savepoint when the write runs inside a
 *    group commit), committed or rolled back by write_end() -- nothing of a
 *    failed write remains, not even its idempotency key;
 *  - the jurisdiction: write_target() for the record a route names, write_ref()
 *    and write_region() for every id or code in the body (ref.h: outside the
 *    caller's scope a record does not exist, and the answer says so exactly as
 *    for a missing one);
 *  - the counters, the audit row and the idempotency key, in the same
 *    transaction as the fact;
 *  - time: a fact happened at a time the user knows (occurred: occurred_parse()
 *    checks it, write_occurred() states it) and reaches us at w.now
 *    (recorded, immutable).  Both are kept: the module stores the occurred
 *    time with the fact and the recorded time beside it, and the audit row
 *    (recorded at its own "at") carries "occurred_at" in its after image;
 *  - the first failure is sticky: after it every write_* call does nothing and
 *    returns it, so a module can chain steps and check once.
 *
 * Ownership: "w" lives on the caller's stack; the store, actor, key and
 * error are borrowed for the write's lifetime.  JSON handed to write_audit()
 * is borrowed; write_audit_new() takes it.
 */
#ifndef EPIGRID_CORE_WRITE_H
#define EPIGRID_CORE_WRITE_H
#include <jansson.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/idem.h"
#include "core/ref.h"
#include "store/store.h"
#include "util/error.h"

struct write {
    struct store *s;         /* the connection, inside the write's transaction */
    const struct actor *who; /* who writes; who->user->scope bounds every reference */
    struct ep_error *err;    /* the error of the write */
    struct idem_key *idem;   /* idempotency key, NULL when the write has none */
    const char *idem_entity; /* kind of entity the key was used for ("health_report") */
    int rc;                  /* first failure (negative), sticky; 0 while all is well */
    int open;                /* 1 while the transaction is open */
    char now[32];            /* when the write was recorded (ISO 8601 UTC, time_now_iso),
                                set once by write_begin: every row it stamps carries it */
    int64_t now_unix;        /* the same moment in unix seconds */
    int64_t occurred;        /* when the fact happened (unix seconds), given by the user:
                                0 = when it was recorded (write_occurred) */
};

#define WRITE_REPLAY 1 /* write_begin: the key was seen with this body */

/* Opens the write's transaction for "who".  With an idempotency key (idem
 * and idem->uuid non-NULL) looks the key up first: a key seen with the same
 * body returns WRITE_REPLAY with *replay_id = the first result's id, sets
 * idem->replayed and leaves nothing open (the caller answers with that
 * record); a key used with another body is -EP_ECONFLICT.  "idem_entity"
 * names the kind of record the key creates.  Returns 0 when the write may go
 * on, negative with "err" set otherwise (nothing is open then either). */
int write_begin(struct write *w, struct store *s, const struct actor *who, const char *idem_entity,
                struct idem_key *idem, int64_t *replay_id, struct ep_error *err);
/* write_begin with the write's first read, "prefetch" (a prepared and bound
 * statement, may be NULL), sent with the key's lookup (store_prefetch): the
 * caller steps it once this returns 0; otherwise it has been reset. */
int write_begin_prefetch(struct write *w, struct store *s, const struct actor *who,
                         const char *idem_entity, struct idem_key *idem, int64_t *replay_id,
                         struct store_stmt *prefetch, struct ep_error *err);

/* 1 while no step has failed. */
static inline int write_ok(const struct write *w)
{
    return w->rc == 0;
}

/* Records "rc" (negative, with w->err already filled) as the write's failure
 * unless one is recorded already.  Returns the write's failure. */
int write_fail(struct write *w, int rc);

/* Prepares "sql" on the write's connection: NULL when the write has already
 * failed or the statement cannot be prepared (then the write fails). */
struct store_stmt *write_prepare(struct write *w, const char *sql);

/* Input errors gathered so far in w->err (field errors) become the write's
 * failure.  Returns the write's failure (0 when there is none). */
int write_check(struct write *w);

/* The record a route names ("/orgs/{id}/members"): visible to the actor, or
 * the write fails with 404 "<kind> <id> 不存在" -- the same for a record that
 * is missing as for one outside the scope.  The record's region code is
 * copied to "region_out" (may be NULL).  Returns the write's failure. */
int write_target(struct write *w, int kind, int64_t id, char region_out[REGION_CODE_MAX]);

/* A record named in the body under "field": visible to the actor, or a field
 * error "<kind> <id> 不存在" is added (404 when it is the only error, see
 * ref_field_not_found).  Does not end the write by itself: references and
 * input errors are gathered, then write_check() ends it.  Returns 1 visible,
 * 0 not (or the write had failed), negative on a database error (sticky).
 * "region_out" (may be NULL) receives the record's region code. */
int write_ref(struct write *w, int kind, int64_t id, const char *field,
              char region_out[REGION_CODE_MAX]);

/* write_ref that also reads the record in the same statement
 * (ref_visible_read): "sql" takes the id and yields the region code as
 * column 0, then the columns "fill" reads into "out".  "fill" runs only on 1
 * (the record visible): a record outside the scope adds the same field error
 * as a missing one and nothing of it is read.  Returns as write_ref. */
int write_ref_read(struct write *w, int kind, int64_t id, const char *field, const char *sql,
                   ref_fill_fn fill, void *out);

/* Like write_ref for a record the new one belongs to and takes its region
 * from (a team's organisation): it must lie inside the actor's scope even
 * when its kind is visible on the path above (ref_writable). */
int write_ref_inside(struct write *w, int kind, int64_t id, const char *field,
                     char region_out[REGION_CODE_MAX]);

/* Like write_ref for each of the "n" ids of a list field ("member_ids"): the
 * field errors name "field[i]"; an id listed twice is a field error too.
 * Returns 1 when every id is visible, 0, or negative. */
int write_ref_list(struct write *w, int kind, const int64_t *ids, int n, const char *field);

/* A region code in the body: exists, lies in the actor's scope and, when
 * "level" is non-zero, is of that level.  As write_ref otherwise. */
int write_region(struct write *w, const char *code, int level, const char *field,
                 struct region *out);

/* The region a route names ("/grid-duties/{grid}"): exists, of "level" when
 * non-zero, inside the actor's scope; otherwise the write fails with 404
 * "网格 X 不存在" / "地区 X 不存在" (missing and outside alike).  "out" (may
 * be NULL) receives the region. */
int write_target_region(struct write *w, const char *code, int level, struct region *out);

/* A region code already known to exist (a record's own region): outside the
 * actor's scope the write fails with 404 "地区 X 不存在".  Returns the write's
 * failure. */
int write_scope(struct write *w, const char *code);

/* Adds "delta" to "metric" at "code" and its ancestors (counter_add), in the
 * write's transaction.  Returns the write's failure. */
int write_count(struct write *w, const char *code, const char *metric, int64_t delta);

/* The audit row of the write ("action" on "entity" "entity_id" in region
 * "region", with the record before and after).  Returns the write's failure. */
int write_audit(struct write *w, const char *action, const char *entity, int64_t entity_id,
                const char *region, const json_t *before, const json_t *after);
/* write_audit taking "before" and "after" (either may be NULL): they are
 * released whether the write goes on or has failed, so a module builds the
 * images in the call. */
int write_audit_new(struct write *w, const char *action, const char *entity, int64_t entity_id,
                    const char *region, json_t *before, json_t *after);
/* The same with a textual id ("431122101201001" for a grid's duty). */
int write_audit_key(struct write *w, const char *action, const char *entity, const char *entity_key,
                    const char *region, const json_t *before, const json_t *after);

/* A simulation's clock: the write is recorded at "now" (unix seconds, > 0)
 * instead of the server's time (w->now, w->now_unix).  A no-op for 0. */
void write_clock(struct write *w, int64_t now);

/* The write's fact happened at "at" (unix seconds, from occurred_parse()):
 * its audit rows carry it as "occurred_at".  Returns the write's failure. */
int write_occurred(struct write *w, int64_t at);

#define OCCURRED_SKEW_SECONDS 300 /* a clock this far ahead of ours is still "now" */

/* The occurred time of a fact from the user's text under "field":
 * "YYYY-MM-DD" (the end of that day, 24:00 China time, or "now" when that is
 * later), or an ISO 8601 time with its offset ("2020-02-08T10:30:00+08:00");
 * NULL = "now".  Not before the profile's outbreak start, not after "now"
 * plus OCCURRED_SKEW_SECONDS.  Returns 0 with *out set, or a field error in
 * "err" and -EP_EINVAL (other negative values: the profile could not be
 * read).  Call it with the other input checks, before write_begin(). */
int occurred_parse(struct store *s, const char *field, const char *text, int64_t now, int64_t *out,
                   struct ep_error *err);

/* Ends the write: when every step succeeded records the idempotency key (with
 * "entity_id" as the first result) and commits; otherwise rolls back all of
 * it.  Returns 0 or the write's failure (err filled). */
int write_end(struct write *w, int64_t entity_id);

/* write_end for a write that answers with a record: on failure the answer
 * "*out" (may be NULL) is dropped and set to NULL.  Returns as write_end. */
int write_end_json(struct write *w, int64_t entity_id, json_t **out);

/* Ends the write keeping nothing, without an error: rolls back all of it (a
 * dry run; an import refused for its bad rows).  A no-op when nothing is
 * open. */
void write_abort(struct write *w);

#endif
