/*
 * write.c -- the one write path (see write.h).  The only caller of
 * idem_record() and the only place a domain write opens and ends its
 * transaction.
 */
#include "core/write.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/counter.h"
#include "core/profile.h"
#include "util/timeutil.h"

/* A step runs on an open transaction, or after the write failed (then it
 * does nothing): never after write_end or write_abort, never before
 * write_begin. */
#define STEP_OK(w) assert((w) && (w)->s && (w)->err && ((w)->open || (w)->rc != 0))

int write_begin(struct write *w, struct store *s, const struct actor *who, const char *idem_entity,
                struct idem_key *idem, int64_t *replay_id, struct ep_error *err)
{
    return write_begin_prefetch(w, s, who, idem_entity, idem, replay_id, NULL, err);
}

int write_begin_prefetch(struct write *w, struct store *s, const struct actor *who,
                         const char *idem_entity, struct idem_key *idem, int64_t *replay_id,
                         struct store_stmt *prefetch, struct ep_error *err)
{
    assert(s && who && who->user && err);
    memset(w, 0, sizeof *w);
    w->s = s;
    w->who = who;
    w->err = err;
    w->idem = idem && idem->uuid ? idem : NULL;
    w->idem_entity = idem_entity;
    w->now_unix = (int64_t)time(NULL);
    time_iso_from_unix((time_t)w->now_unix, w->now);
    if (store_begin(s, err) != 0) {
        store_stmt_reset(prefetch);
        return w->rc = -err->code;
    }
    w->open = 1;
    if (!w->idem)
        return 0;
    assert(idem_entity);
    int64_t first = 0;
    /* The write's first read goes with the key's lookup (one round trip on
     * PostgreSQL): it is only used when the key is new. */
    int rc = prefetch ? store_prefetch(prefetch, err) : 0;
    if (rc == 0)
        rc = idem_check(s, w->idem->uuid, idem_entity, w->idem->hash, &first, err);
    if (rc != 0)
        store_stmt_reset(prefetch);
    if (rc == IDEM_REPLAY) {
        store_rollback(s); /* nothing was written */
        w->open = 0;
        w->idem->replayed = 1;
        if (replay_id)
            *replay_id = first;
        return WRITE_REPLAY;
    }
    if (rc < 0) {
        store_rollback(s);
        w->open = 0;
        return w->rc = rc;
    }
    return 0;
}

struct store_stmt *write_prepare(struct write *w, const char *sql)
{
    STEP_OK(w);
    if (w->rc != 0)
        return NULL;
    struct store_stmt *st = store_prepare(w->s, sql, w->err);
    if (!st)
        write_fail(w, -EP_EINTERNAL);
    return st;
}

int write_fail(struct write *w, int rc)
{
    if (w->rc == 0 && rc < 0) {
        assert(w->err->code != EP_OK);
        w->rc = rc;
    }
    return w->rc;
}

int write_check(struct write *w)
{
    if (w->rc == 0 && w->err->code != EP_OK)
        w->rc = -w->err->code;
    return w->rc;
}

int write_target(struct write *w, int kind, int64_t id, char region_out[REGION_CODE_MAX])
{
    STEP_OK(w);
    if (w->rc)
        return w->rc;
    int rc = ref_writable(w->s, w->who->user->scope, kind, id, region_out, w->err);
    if (rc < 0)
        return w->rc = rc;
    if (rc == 0)
        return w->rc = ref_not_found(w->err, kind, id);
    return 0;
}

static int ref_check(struct write *w, int kind, int64_t id, const char *field, int inside,
                     const char *sql, ref_fill_fn fill, void *out, char region_out[REGION_CODE_MAX])
{
    STEP_OK(w);
    assert(field && *field);
    if (w->rc)
        return 0;
    const char *scope = w->who->user->scope;
    int rc =
        sql ? ref_visible_read(w->s, scope, kind, id, sql, inside, fill, out, region_out, w->err)
        : inside ? ref_writable(w->s, scope, kind, id, region_out, w->err)
                 : ref_visible(w->s, scope, kind, id, region_out, w->err);
    if (rc < 0)
        return w->rc = rc;
    if (rc == 0)
        ref_field_not_found(w->err, field, kind, id);
    return rc;
}

int write_ref(struct write *w, int kind, int64_t id, const char *field,
              char region_out[REGION_CODE_MAX])
{
    return ref_check(w, kind, id, field, 0, NULL, NULL, NULL, region_out);
}

int write_ref_inside(struct write *w, int kind, int64_t id, const char *field,
                     char region_out[REGION_CODE_MAX])
{
    return ref_check(w, kind, id, field, 1, NULL, NULL, NULL, region_out);
}

int write_ref_read(struct write *w, int kind, int64_t id, const char *field, const char *sql,
                   ref_fill_fn fill, void *out)
{
    assert(sql && fill);
    return ref_check(w, kind, id, field, 0, sql, fill, out, NULL);
}

int write_ref_list(struct write *w, int kind, const int64_t *ids, int n, const char *field)
{
    int all = 1;
    for (int i = 0; i < n && !w->rc; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s[%d]", field, i);
        int dup = 0;
        for (int k = 0; k < i && !dup; k++)
            dup = ids[k] == ids[i];
        if (dup) {
            ep_error_field(w->err, name, "%lld 重复", "%lld is listed twice", (long long)ids[i]);
            all = 0;
            continue;
        }
        int rc = write_ref(w, kind, ids[i], name, NULL);
        if (rc < 0)
            return rc;
        all = all && rc == 1;
    }
    return w->rc ? (w->rc < 0 ? w->rc : 0) : all;
}

int write_region(struct write *w, const char *code, int level, const char *field,
                 struct region *out)
{
    STEP_OK(w);
    if (w->rc)
        return 0;
    int rc = ref_region(w->s, w->who->user->scope, code, level, field, out, w->err);
    if (rc < 0)
        return w->rc = rc;
    return rc;
}

int write_target_region(struct write *w, const char *code, int level, struct region *out)
{
    STEP_OK(w);
    if (w->rc)
        return w->rc;
    int rc = ref_region_visible(w->s, w->who->user->scope, code, level, out, w->err);
    if (rc < 0)
        return w->rc = rc;
    if (rc == 0)
        w->rc = level == REGION_GRID ? ep_error_set(w->err, EP_ENOTFOUND, "网格 %s 不存在",
                                                    "grid %s not found", code ? code : "")
                                     : ep_error_set(w->err, EP_ENOTFOUND, "地区 %s 不存在",
                                                    "region %s not found", code ? code : "");
    return w->rc;
}

int write_scope(struct write *w, const char *code)
{
    STEP_OK(w);
    if (w->rc)
        return w->rc;
    if (!code || !region_in_scope(code, w->who->user->scope))
        return w->rc = ep_error_set(w->err, EP_ENOTFOUND, "地区 %s 不存在", "region %s not found",
                                    code ? code : "");
    return 0;
}

int write_count(struct write *w, const char *code, const char *metric, int64_t delta)
{
    STEP_OK(w);
    assert(code && metric && *metric);
    if (w->rc || delta == 0)
        return w->rc;
    int rc = counter_add(w->s, code, metric, delta, w->err);
    return rc ? (w->rc = rc) : 0;
}

int write_audit_key(struct write *w, const char *action, const char *entity, const char *entity_key,
                    const char *region, const json_t *before, const json_t *after)
{
    STEP_OK(w);
    assert(action && entity && entity_key);
    if (w->rc)
        return w->rc;
    json_t *dated = NULL;
    if (w->occurred && json_is_object(after)) {
        char at[32];
        time_iso_from_unix((time_t)w->occurred, at);
        dated = json_copy((json_t *)after);
        json_object_set_new(dated, "occurred_at", json_string(at));
    }
    int rc = audit_record(w->s, w->who, action, entity, entity_key, region, before,
                          dated ? dated : after, w->err);
    json_decref(dated);
    return rc ? (w->rc = rc) : 0;
}

void write_clock(struct write *w, int64_t now)
{
    if (now > 0) {
        w->now_unix = now;
        time_iso_from_unix((time_t)now, w->now);
    }
}

int write_occurred(struct write *w, int64_t at)
{
    STEP_OK(w);
    if (w->rc == 0)
        w->occurred = at;
    return w->rc;
}

int occurred_parse(struct store *s, const char *field, const char *text, int64_t now, int64_t *out,
                   struct ep_error *err)
{
    *out = now;
    if (!text)
        return 0;
    int64_t day, at;
    if (time_date_parse(text, &day) == 0) {
        if (day > time_day_of_unix(now)) {
            ep_error_field(err, field, "不能晚于今天", "cannot be after today");
            return -EP_EINVAL;
        }
        at = (day + 1) * 86400 - TIME_CN_OFFSET_SECONDS - 1; /* 23:59:59 of that day */
        if (at > now)
            at = now;
    } else if (time_iso_parse(text, &at) == 0) {
        day = time_day_of_unix(at);
    } else {
        ep_error_field(err, field,
                       "应为日期(YYYY-MM-DD)或带时区的时间(如 2020-02-08T10:30:00+08:00)",
                       "must be a date (YYYY-MM-DD) or a time with its offset "
                       "(e.g. 2020-02-08T10:30:00+08:00)");
        return -EP_EINVAL;
    }
    if (at > now + OCCURRED_SKEW_SECONDS) {
        ep_error_field(err, field, "不能晚于当前时间", "cannot be in the future");
        return -EP_EINVAL;
    }
    struct profile p;
    int rc = profile_get(s, &p, err);
    if (rc != 0)
        return rc;
    int64_t start;
    if (time_date_parse(p.outbreak_start, &start) == 0 && day < start) {
        ep_error_field(err, field, "不能早于疫情起始日 %s(见疾病配置)",
                       "cannot be before the outbreak's start, %s (see the disease profile)",
                       p.outbreak_start);
        return -EP_EINVAL;
    }
    *out = at > now ? now : at;
    return 0;
}

int write_audit(struct write *w, const char *action, const char *entity, int64_t entity_id,
                const char *region, const json_t *before, const json_t *after)
{
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)entity_id);
    return write_audit_key(w, action, entity, key, region, before, after);
}

int write_audit_new(struct write *w, const char *action, const char *entity, int64_t entity_id,
                    const char *region, json_t *before, json_t *after)
{
    int rc = write_audit(w, action, entity, entity_id, region, before, after);
    json_decref(before);
    json_decref(after);
    return rc;
}

int write_end(struct write *w, int64_t entity_id)
{
    if (!w->open)
        return w->rc;
    if (w->rc == 0 && w->err->code != EP_OK)
        w->rc = -w->err->code; /* an input error nobody turned into a failure */
    if (w->rc == 0 && w->idem) {
        int rc = idem_record(w->s, w->idem->uuid, w->idem_entity, entity_id, w->idem->hash, w->err);
        if (rc)
            w->rc = rc;
    }
    if (w->rc == 0) {
        int rc = store_commit(w->s, w->err);
        if (rc) { /* a failed commit has rolled its level back: not one more */
            w->rc = rc < 0 ? rc : -w->err->code;
            w->open = 0;
            return w->rc;
        }
    }
    if (w->rc != 0)
        store_rollback(w->s);
    w->open = 0;
    return w->rc;
}

void write_abort(struct write *w)
{
    if (w->open)
        store_rollback(w->s);
    w->open = 0;
}

int write_end_json(struct write *w, int64_t entity_id, json_t **out)
{
    if (write_end(w, entity_id) != 0 && *out) {
        json_decref(*out);
        *out = NULL;
    }
    return w->rc;
}
