/*
 * broadcast.h -- notices for the public (宣传), published to the web and
 * over server-sent events ("broadcast.published" at the notice's region),
 * and spoken as Mandarin audio for village loudspeakers (村村响), rendered
 * with libespeak-ng into a WAV file in memory.  Villages acknowledge that
 * they played a notice; the counter "broadcast_acks" rolls the
 * acknowledgements up (broadcast_counters_rebuild is its oracle).
 *
 * A broadcast is visible to users whose scope lies in its region's subtree
 * (the villages that play it) and to those whose scope contains its region.
 *
 * Ownership: input strings are borrowed; json_t ** results are new
 * references; the WAV is written into a caller's struct buf.
 */
#ifndef EPIGRID_CORE_BROADCAST_H
#define EPIGRID_CORE_BROADCAST_H
#include <jansson.h>
#include <stdint.h>

#include "core/audit.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/error.h"

struct broadcast_input {
    const char *region_code; /* the subtree it is for, inside who's scope */
    const char *title;       /* 1..60 characters */
    const char *body;        /* 1..2000 characters: the text spoken */
};

#define BROADCAST_BODY_CHARS 2000

/* The form of the input (field errors named after the members); the region is
 * a reference, checked by broadcast_publish() alone.  Writes nothing. */
int broadcast_check(const struct broadcast_input *in, struct ep_error *err);
/* Publishes a notice: row, event, audit in one transaction.  -EP_EINVAL,
 * -EP_ENOTFOUND for a region missing or outside who's scope (the same
 * answer, field "region_code"). */
int broadcast_publish(struct store *s, const struct actor *who, const struct broadcast_input *in,
                      json_t **out, struct ep_error *err);
/* One broadcast visible from "scope" with its acknowledgements.  -EP_ENOTFOUND. */
int broadcast_get(struct store *s, const char *scope, int64_t id, json_t **out,
                  struct ep_error *err);
/* Visible broadcasts, id descending, id < before_id (0 = newest), at most limit. */
int broadcast_list(struct store *s, const char *scope, int64_t before_id, int limit, json_t *items,
                   struct ep_error *err);
/* Records that village "village" (NULL = the village of who's scope) played
 * broadcast "id" (visible to who, else -EP_ENOTFOUND).  The village must
 * exist inside who's scope or contain it (a grid's staff play for their
 * village): -EP_ENOTFOUND field "region_code" otherwise, missing and outside
 * alike; it must lie in the broadcast's subtree (-EP_EINVAL otherwise).  A
 * repeat keeps the first acknowledgement and writes nothing. */
int broadcast_ack(struct store *s, const struct actor *who, int64_t id, const char *village,
                  json_t **out, struct ep_error *err);

/* Speaks "text" (UTF-8) in Mandarin into "wav" as a RIFF/WAVE file (16-bit
 * mono PCM at espeak's rate, stored in *sample_rate when not NULL).  Calls
 * are serialised: espeak-ng is not thread-safe.  -EP_EUNAVAILABLE when the
 * synthesiser or its Mandarin voice cannot be loaded. */
int broadcast_speak(const char *text, struct buf *wav, int *sample_rate, struct ep_error *err);

/* The spoken audio of broadcast "id" visible from "scope" (title, a pause,
 * the text) as a WAV in "wav".  A notice never changes, so the last few
 * renderings are kept in memory (BROADCAST_AUDIO_CACHE entries of at most
 * BROADCAST_AUDIO_CACHE_BYTES each): three thousand villages fetching the
 * same notice cost one synthesis.  -EP_ENOTFOUND, -EP_EUNAVAILABLE. */
#define BROADCAST_AUDIO_CACHE       8
#define BROADCAST_AUDIO_CACHE_BYTES (16u << 20)
int broadcast_audio(struct store *s, const char *scope, int64_t id, struct buf *wav,
                    struct ep_error *err);

/* Recomputes "broadcast_acks" from broadcast_acks (the tests' oracle). */
int broadcast_counters_rebuild(struct store *s, struct ep_error *err);

#endif
