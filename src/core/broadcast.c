/*
 * broadcast.c -- public notices and their spoken audio (see broadcast.h).
 *
 * espeak-ng keeps global state and is not thread-safe: one mutex guards
 * initialisation and every synthesis.  Synthesis is synchronous
 * (AUDIO_OUTPUT_SYNCHRONOUS): the callback appends the samples to the
 * caller's buffer, and the RIFF header is written in front when done.
 *
 * Publishing and acknowledging go through the one write path (write.h).
 */
#include "core/broadcast.h"
#include "core/ref.h"

#include <espeak-ng/speak_lib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/counter.h"
#include "core/event.h"
#include "core/region.h"
#include "core/write.h"
#include "util/idcheck.h"
#include "util/text.h"
#include "util/timeutil.h"

int broadcast_check(const struct broadcast_input *in, struct ep_error *err)
{
    text_check(in->title, "title", 60, TEXT_REQUIRED | TEXT_MULTILINE, err);
    text_check(in->body, "body", BROADCAST_BODY_CHARS, TEXT_REQUIRED | TEXT_MULTILINE, err);
    if (!in->region_code)
        ep_error_field(err, "region_code", "必填", "is required");
    else if (!region_level_of_code(in->region_code))
        ep_error_field(err, "region_code", "地区编码应为 4、6、9、12 或 15 位数字",
                       "region code must be 4, 6, 9, 12 or 15 digits");
    return err->code ? -err->code : 0;
}

#define COLUMNS                                                                                    \
    "b.id, b.region_code, COALESCE(r.name, ''), b.title, b.body, b.published_by,"                  \
    " b.published_at, (SELECT count(*) FROM broadcast_acks a WHERE a.broadcast_id = b.id)"

/* Visible from scope ?1 (inside the broadcast's subtree) or ?2..?3 (contains it). */
#define VISIBLE                                                                                    \
    " (substr(?, 1, length(b.region_code)) = b.region_code"                                        \
    " OR (b.region_code >= ? AND b.region_code < ?))"

static json_t *row_json(struct store_stmt *st)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:I}", "id",
                     (json_int_t)store_column_int64(st, 0), "region_code", store_column_text(st, 1),
                     "region_name", store_column_text(st, 2), "title", store_column_text(st, 3),
                     "body", store_column_text(st, 4), "published_by", store_column_text(st, 5),
                     "published_at", store_column_text(st, 6), "acks",
                     (json_int_t)store_column_int64(st, 7));
}

static void bind_visible(struct store_stmt *st, int idx, const char *scope)
{
    store_bind_text(st, idx, scope);
    region_bind_range(st, idx + 1, scope);
}

static int acks_json(struct store *s, int64_t id, json_t *items, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT a.region_code, COALESCE(r.name, ''),"
                                          " a.username, a.played_at FROM broadcast_acks a"
                                          " LEFT JOIN regions r ON r.code = a.region_code"
                                          " WHERE a.broadcast_id = ? ORDER BY a.region_code",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(
            items, json_pack("{s:s, s:s, s:s, s:s}", "region", store_column_text(st, 0), "name",
                             store_column_text(st, 1), "username", store_column_text(st, 2),
                             "played_at", store_column_text(st, 3)));
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

int broadcast_get(struct store *s, const char *scope, int64_t id, json_t **out,
                  struct ep_error *err)
{
    int rc = ref_get_json(s,
                          "SELECT " COLUMNS " FROM broadcasts b"
                          " LEFT JOIN regions r ON r.code = b.region_code"
                          " WHERE b.id = ? AND" VISIBLE,
                          bind_visible, scope, REF_BROADCAST, id, row_json, out, err);
    if (rc != 0)
        return rc;
    json_t *acks = json_array();
    json_object_set_new(*out, "played_by", acks);
    if ((rc = acks_json(s, id, acks, err)) != 0) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

int broadcast_list(struct store *s, const char *scope, int64_t before_id, int limit, json_t *items,
                   struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " COLUMNS " FROM broadcasts b"
                                          " LEFT JOIN regions r ON r.code = b.region_code"
                                          " WHERE" VISIBLE " AND (? = 0 OR b.id < ?)"
                                          " ORDER BY b.id DESC LIMIT ?",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    bind_visible(st, 1, scope);
    store_bind_int64_twice(st, 4, before_id);
    store_bind_int64(st, 6, limit);
    return ref_rows_json(st, row_json, items, err);
}

int broadcast_publish(struct store *s, const struct actor *who, const struct broadcast_input *in,
                      json_t **out, struct ep_error *err)
{
    *out = NULL;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    int64_t id = 0;
    broadcast_check(in, err);
    if (in->region_code && region_level_of_code(in->region_code))
        write_region(&w, in->region_code, 0, "region_code", NULL);
    if (write_check(&w) != 0)
        goto out;
    struct store_stmt *st =
        write_prepare(&w, "INSERT INTO broadcasts (region_code, title, body,"
                          " published_by, published_at) VALUES (?, ?, ?, ?, ?)");
    if (!st)
        goto out;
    store_bind_text(st, 1, in->region_code);
    store_bind_text(st, 2, in->title);
    store_bind_text(st, 3, in->body);
    store_bind_text(st, 4, who->user->username);
    store_bind_text(st, 5, w.now);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    id = store_last_insert_id(s);
    if (write_fail(&w, broadcast_get(s, "", id, out, err)) != 0)
        goto out;
    json_t *event = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "region_code",
                              in->region_code, "title", in->title, "published_at", w.now);
    write_fail(&w, event_publish(s, in->region_code, "broadcast.published", event, NULL, err));
    json_decref(event);
    write_audit(&w, "create", "broadcast", id, in->region_code, NULL, *out);
out:
    return write_end_json(&w, id, out);
}

int broadcast_ack(struct store *s, const struct actor *who, int64_t id, const char *village,
                  json_t **out, struct ep_error *err)
{
    *out = NULL;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    char code[REGION_CODE_MAX] = "", region[REGION_CODE_MAX] = "";
    int scope_level = region_level_of_code(who->user->scope);
    if (village) {
        if (region_level_of_code(village) != REGION_VILLAGE)
            ep_error_field(err, "region_code", "应为村(社区)的 12 位编码",
                           "must be a village's 12-digit code");
        else
            snprintf(code, sizeof code, "%s", village);
    } else if (scope_level >= REGION_VILLAGE) {
        snprintf(code, sizeof code, "%.12s", who->user->scope);
    } else {
        ep_error_field(err, "region_code", "请指明播放的村(社区)",
                       "name the village that played it");
    }
    if (write_check(&w) != 0 || write_target(&w, REF_BROADCAST, id, region) != 0)
        goto out;
    /* The village is a reference: inside who's scope, or the village a grid's
     * staff belong to; outside it reads as missing ("地区 X 不存在"). */
    const char *scope = region_in_scope(who->user->scope, code) ? code : who->user->scope;
    int rc = ref_region(s, scope, code, REGION_VILLAGE, "region_code", NULL, err);
    if (rc < 0) {
        write_fail(&w, rc);
        goto out;
    }
    if (rc == 1 && !region_in_scope(code, region)) {
        ep_error_field(err, "region_code", "该村不在广播范围(%s)内",
                       "the village is outside the broadcast's area (%s)", region);
    }
    if (write_check(&w) != 0)
        goto out;
    struct store_stmt *st =
        write_prepare(&w, "INSERT INTO broadcast_acks (broadcast_id, region_code,"
                          " username, played_at) VALUES (?, ?, ?, ?)"
                          " ON CONFLICT (broadcast_id, region_code) DO NOTHING");
    if (!st)
        goto out;
    store_bind_int64(st, 1, id);
    store_bind_text(st, 2, code);
    store_bind_text(st, 3, who->user->username);
    store_bind_text(st, 4, w.now);
    if (write_fail(&w, store_run(st, err)) != 0)
        goto out;
    int first = store_changes(s) > 0;
    if ((first && write_count(&w, code, "broadcast_acks", 1) != 0) ||
        write_fail(&w, broadcast_get(s, "", id, out, err)) != 0)
        goto out;
    if (first) { /* a repeat writes nothing: no audit row either */
        write_audit_new(&w, "ack", "broadcast", id, code, NULL,
                        json_pack("{s:I, s:s, s:s}", "broadcast_id", (json_int_t)id, "region_code",
                                  code, "played_at", w.now));
    }
out:
    return write_end_json(&w, id, out);
}

int broadcast_counters_rebuild(struct store *s, struct ep_error *err)
{
    return counter_rebuild(s, "broadcast_acks",
                           "SELECT region_code, count(*) FROM broadcast_acks GROUP BY region_code",
                           err);
}

/* ---- speech ------------------------------------------------------------------- */

static pthread_mutex_t speak_lock = PTHREAD_MUTEX_INITIALIZER;
static int speak_rate;  /* sample rate after a successful initialisation, else 0 */
static int speak_state; /* 0 = not tried, 1 = ready, -1 = failed */

static int on_samples(short *wav, int n, espeak_EVENT *events)
{
    struct buf *out = events ? events->user_data : NULL;
    if (wav && n > 0 && out)
        buf_append(out, wav, (size_t)n * sizeof *wav);
    return 0;
}

static void put_le(unsigned char *p, uint32_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

int broadcast_speak(const char *text, struct buf *wav, int *sample_rate, struct ep_error *err)
{
    pthread_mutex_lock(&speak_lock);
    if (speak_state == 0) {
        speak_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 500, NULL, 0);
        speak_state = -1;
        if (speak_rate > 0) {
            espeak_SetSynthCallback(on_samples);
            if (espeak_SetVoiceByName("cmn") == EE_OK || espeak_SetVoiceByName("zh") == EE_OK) {
                espeak_SetParameter(espeakRATE, 150, 0); /* a little slower for loudspeakers */
                speak_state = 1;
            }
        }
    }
    if (speak_state != 1) {
        pthread_mutex_unlock(&speak_lock);
        return ep_error_set(err, EP_EUNAVAILABLE, "语音合成不可用(espeak-ng 普通话语音未安装)",
                            "speech synthesis unavailable (espeak-ng Mandarin voice missing)");
    }
    /* Header placeholder, then the samples, then the sizes. */
    unsigned char header[44] = {0};
    buf_append(wav, header, sizeof header);
    size_t start = wav->len;
    espeak_ERROR e =
        espeak_Synth(text, strlen(text) + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, wav);
    int rate = speak_rate;
    pthread_mutex_unlock(&speak_lock);
    if (e != EE_OK)
        return ep_error_set(err, EP_EINTERNAL, "语音合成失败", "speech synthesis failed");
    uint32_t data = (uint32_t)(wav->len - start);
    unsigned char *h = (unsigned char *)wav->data + start - sizeof header;
    memcpy(h, "RIFF", 4);
    put_le(h + 4, 36 + data, 4);
    memcpy(h + 8, "WAVEfmt ", 8);
    put_le(h + 16, 16, 4);                 /* fmt chunk size */
    put_le(h + 20, 1, 2);                  /* PCM */
    put_le(h + 22, 1, 2);                  /* mono */
    put_le(h + 24, (uint32_t)rate, 4);     /* sample rate */
    put_le(h + 28, (uint32_t)rate * 2, 4); /* byte rate */
    put_le(h + 32, 2, 2);                  /* block align */
    put_le(h + 34, 16, 2);                 /* bits per sample */
    memcpy(h + 36, "data", 4);
    put_le(h + 40, data, 4);
    if (sample_rate)
        *sample_rate = rate;
    return 0;
}

/* ---- rendered audio, cached ------------------------------------------------------ */

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char db[256];  /* the database it belongs to (store_path) */
    int64_t id;    /* broadcast id, 0 = empty slot */
    char *data;    /* the WAV (malloc, owned by the cache) */
    size_t len;    /* bytes */
    uint64_t used; /* last use, for eviction */
} cache[BROADCAST_AUDIO_CACHE];
static uint64_t cache_clock;

static int cache_get(const char *db, int64_t id, struct buf *wav)
{
    int hit = 0;
    pthread_mutex_lock(&cache_lock);
    for (int i = 0; i < BROADCAST_AUDIO_CACHE && !hit; i++)
        if (cache[i].id == id && strcmp(cache[i].db, db) == 0) {
            buf_append(wav, cache[i].data, cache[i].len);
            cache[i].used = ++cache_clock;
            hit = 1;
        }
    pthread_mutex_unlock(&cache_lock);
    return hit;
}

static void cache_put(const char *db, int64_t id, const struct buf *wav)
{
    if (wav->len > BROADCAST_AUDIO_CACHE_BYTES || strlen(db) >= sizeof cache[0].db)
        return;
    char *copy = malloc(wav->len);
    if (!copy)
        return;
    memcpy(copy, wav->data, wav->len);
    pthread_mutex_lock(&cache_lock);
    int slot = 0;
    for (int i = 0; i < BROADCAST_AUDIO_CACHE; i++) {
        if (cache[i].id == id && strcmp(cache[i].db, db) == 0) { /* rendered twice at once */
            slot = i;
            break;
        }
        if (cache[i].used < cache[slot].used)
            slot = i;
    }
    free(cache[slot].data);
    snprintf(cache[slot].db, sizeof cache[slot].db, "%s", db);
    cache[slot].id = id;
    cache[slot].data = copy;
    cache[slot].len = wav->len;
    cache[slot].used = ++cache_clock;
    pthread_mutex_unlock(&cache_lock);
}

int broadcast_audio(struct store *s, const char *scope, int64_t id, struct buf *wav,
                    struct ep_error *err)
{
    json_t *b;
    if (broadcast_get(s, scope, id, &b, err) != 0)
        return -err->code;
    if (cache_get(store_path(s), id, wav)) {
        json_decref(b);
        return 0;
    }
    struct buf text;
    buf_init(&text);
    buf_puts(&text, json_string_value(json_object_get(b, "title")));
    buf_puts(&text, "。");
    buf_puts(&text, json_string_value(json_object_get(b, "body")));
    json_decref(b);
    int rc = broadcast_speak(text.data, wav, NULL, err);
    buf_cleanup(&text);
    if (rc == 0)
        cache_put(store_path(s), id, wav);
    return rc;
}
