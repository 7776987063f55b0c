/*
 * audit.c -- writing and reading the audit log (see audit.h).
 */
#include "core/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

void audit_cli_actor(struct auth_user *user, struct actor *actor)
{
    memset(user, 0, sizeof *user);
    snprintf(user->username, sizeof user->username, "cli");
    snprintf(user->display_name, sizeof user->display_name, "命令行");
    user->role = ROLE_ADMIN;
    user->scope[0] = '\0'; /* the operator of the machine sees everything */
    actor->user = user;
    actor->ip = "cli";
}

static int insert(struct store *s, int64_t user_id, const char *username, const char *ip,
                  const char *action, const char *entity, const char *entity_id,
                  const char *region_code, const json_t *before, const json_t *after,
                  struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s,
        "INSERT INTO audit_log (at, user_id, username, ip, action, entity, entity_id,"
        " region_code, before_json, after_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        err);
    if (!st)
        return -EP_EINTERNAL;
    char now[32];
    time_now_iso(now);
    char *b = before ? json_dumps(before, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    char *a = after ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    store_bind_text(st, 1, now);
    if (user_id)
        store_bind_int64(st, 2, user_id);
    store_bind_text(st, 3, username);
    store_bind_text(st, 4, ip ? ip : "");
    store_bind_text(st, 5, action);
    store_bind_text(st, 6, entity);
    store_bind_text(st, 7, entity_id);
    store_bind_text(st, 8, region_code ? region_code : "");
    store_bind_text(st, 9, b);
    store_bind_text(st, 10, a);
    int rc = store_run(st, err);
    free(b);
    free(a);
    return rc;
}

int audit_record(struct store *s, const struct actor *who, const char *action, const char *entity,
                 const char *entity_id, const char *region_code, const json_t *before,
                 const json_t *after, struct ep_error *err)
{
    return insert(s, who->user->id, who->user->username, who->ip, action, entity, entity_id,
                  region_code, before, after, err);
}

int audit_record_raw(struct store *s, int64_t user_id, const char *username, const char *ip,
                     const char *action, const char *entity, const char *entity_id,
                     const char *region_code, struct ep_error *err)
{
    return insert(s, user_id, username, ip, action, entity, entity_id, region_code, NULL, NULL,
                  err);
}

int audit_list(struct store *s, const struct audit_filter *f, audit_fn fn, void *ctx,
               struct ep_error *err)
{
    /* Optional filters are "? IS NULL OR col = ?" so one cached statement
     * serves every combination; the region range keeps the scope in SQL. */
    struct store_stmt *st = store_prepare(
        s,
        "SELECT id, at, user_id, username, ip, action, entity, entity_id, region_code,"
        " before_json, after_json FROM audit_log"
        " WHERE region_code >= ? AND region_code < ?"
        " AND (? = 0 OR id < ?)"
        " AND (? IS NULL OR action = ?) AND (? IS NULL OR entity = ?)"
        " AND (? IS NULL OR entity_id = ?) AND (? IS NULL OR username = ?)"
        " ORDER BY id DESC LIMIT ?",
        err);
    if (!st)
        return -EP_EINTERNAL;
    const char *prefix = f->region && *f->region ? f->region : f->scope;
    region_bind_range(st, 1, prefix);
    store_bind_int64_twice(st, 3, f->before_id);
    const char *opt[] = {f->action, f->entity, f->entity_id, f->username};
    for (int i = 0; i < 4; i++) {
        store_bind_text(st, 5 + 2 * i, opt[i]);
        store_bind_text(st, 6 + 2 * i, opt[i]);
    }
    store_bind_int64(st, 13, f->limit);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW)
        if ((rc = fn(st, ctx)) != 0)
            break;
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}
