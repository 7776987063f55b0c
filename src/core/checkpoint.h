/*
 * checkpoint.h -- checkpoints (卡口) and their entries, written from a phone
 * at the roadside.
 *
 * A checkpoint stands in a grid and is a duty place (roster.h) so that its
 * 24-hour roster can be checked.  An entry names a person by ID number, or
 * by name and phone, or a vehicle by its plate; the time, origin,
 * destination, temperature and the outcome (pass, refer to observation,
 * turn back).  Consequences, in the entry's transaction and by the rules of
 * a screening visit: an origin in a risk area in force that day
 * (riskarea_match) opens a home observation (reason travel) for a
 * registered person; a temperature at or above the profile's threshold
 * raises a "checkpoint_fever" alert (high when also from a risk area).
 *
 * Counters (docs/counters.md) at the checkpoint's grid and its ancestors:
 * checkpoint_entries.<day>, checkpoint_fevers.<day>.
 *
 * Reads return JSON (new references); input strings are borrowed.
 */
#ifndef EPIGRID_CORE_CHECKPOINT_H
#define EPIGRID_CORE_CHECKPOINT_H
#include <jansson.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/idem.h"
#include "store/store.h"
#include "util/error.h"

/* The outcomes of a checkpoint entry: pass, refer, turn_back (NULL-terminated). */
extern const char *const checkpoint_outcomes[];

#define CHECKPOINT_TEXT_CHARS 60

/* Creates a checkpoint and its duty place (own transaction, audited):
 * name 1-60 characters, a grid in who's scope, hours "24h" or
 * "HH:MM-HH:MM". */
int checkpoint_create(struct store *s, const struct actor *who, const char *name,
                      const char *region_code, const char *hours, json_t **out,
                      struct ep_error *err);
/* One checkpoint in scope; -EP_ENOTFOUND. */
int checkpoint_get(struct store *s, const char *scope, int64_t id, json_t **out,
                   struct ep_error *err);
/* Checkpoints in scope (and region) by id after "after_id", each with
 * today's entry count. */
int checkpoint_list(struct store *s, const char *scope, const char *region, int64_t after_id,
                    int limit, json_t *items, struct ep_error *err);

struct checkpoint_entry_input {
    int64_t checkpoint_id;
    const char *id_number; /* a person by ID number, or ... */
    const char *name;      /* ... by name and phone, or ... */
    const char *phone;
    const char *plate;      /* ... a vehicle plate (5-10 characters) */
    const char *entered_at; /* ISO 8601 with offset; NULL = now; not in the future */
    const char *origin;     /* where from (a place name or region code) */
    const char *destination;
    int temperature_dc;  /* tenths of °C, 340..430; 0 = not measured */
    const char *outcome; /* pass, refer, turn_back */
};

/* Checks what needs no database (field errors named after the members). */
int checkpoint_entry_check(const struct checkpoint_entry_input *in, struct ep_error *err);
/* Records an entry with its consequences in one transaction (a savepoint
 * inside a group commit) and stores its id in *id_out.  A checkpoint that is
 * unknown or outside who's scope is not found (404, field checkpoint_id).  "idem" (may
 * be NULL): a repeat yields the first entry's id and sets idem->replayed;
 * another body is 409. */
int checkpoint_entry_add(struct store *s, const struct actor *who,
                         const struct checkpoint_entry_input *in, struct idem_key *idem,
                         int64_t *id_out, struct ep_error *err);
/* One entry as JSON, ID number and phone masked unless auth_pii_visible
 * for "viewer" (NULL = unmasked); -EP_ENOTFOUND when absent or outside
 * viewer's scope. */
int checkpoint_entry_get(struct store *s, const struct auth_user *viewer, int64_t id, json_t **out,
                         struct ep_error *err);
/* Entries of a checkpoint, newest first (id < before_id when > 0), on China
 * day "day" (-1 = any); ID numbers and phones masked unless
 * auth_pii_visible for "viewer". */
int checkpoint_entries_list(struct store *s, const struct auth_user *viewer, int64_t checkpoint_id,
                            int64_t day, int64_t before_id, int limit, json_t *items,
                            struct ep_error *err);

#endif
