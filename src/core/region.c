/*
 * region.c -- region codes, lookups and the tree (see region.h).
 */
#include "core/region.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/write.h"
#include "util/timeutil.h"

static const int code_lengths[] = {0, 4, 6, 9, 12, 15};

int region_code_length(int level)
{
    return level >= REGION_CITY && level <= REGION_GRID ? code_lengths[level] : 0;
}

int region_level_of_code(const char *code)
{
    size_t n = strlen(code);
    for (size_t i = 0; i < n; i++)
        if (code[i] < '0' || code[i] > '9')
            return 0;
    for (int level = REGION_CITY; level <= REGION_GRID; level++)
        if ((size_t)code_lengths[level] == n)
            return level;
    return 0;
}

const char *region_level_name(int level)
{
    static const char *names[] = {"", "city", "county", "township", "village", "grid"};
    return level >= REGION_CITY && level <= REGION_GRID ? names[level] : "";
}

int region_parent_code(const char *code, char out[REGION_CODE_MAX])
{
    int level = region_level_of_code(code);
    out[0] = '\0';
    if (!level)
        return -1;
    if (level > REGION_CITY) {
        int n = code_lengths[level - 1];
        memcpy(out, code, (size_t)n);
        out[n] = '\0';
    }
    return 0;
}

void region_code_range(const char *prefix, char upper[REGION_CODE_MAX])
{
    size_t n = strlen(prefix);
    if (n == 0) {
        snprintf(upper, REGION_CODE_MAX, "~");
        return;
    }
    if (!region_level_of_code(prefix)) {
        /* Not a region code: an empty range, never a wider one. */
        upper[0] = '\0';
        return;
    }
    memcpy(upper, prefix, n + 1);
    upper[n - 1]++; /* '9' + 1 is ':', which sorts after every digit */
    assert(strcmp(prefix, upper) < 0);
}

int region_narrow(const char *scope, const char *region, char out[REGION_CODE_MAX])
{
    const char *p = scope;
    if (region && *region) {
        if (region_in_scope(region, scope))
            p = region;
        else if (!region_in_scope(scope, region))
            return 0;
    }
    size_t len = strlen(p);
    if (len >= REGION_CODE_MAX)
        return 0;
    memcpy(out, p, len + 1);
    return 1;
}

void region_bind_range(struct store_stmt *st, int idx, const char *prefix)
{
    char upper[REGION_CODE_MAX];
    region_code_range(prefix, upper);
    store_bind_text(st, idx, prefix);
    store_bind_text(st, idx + 1, upper);
}

int region_in_scope(const char *code, const char *scope)
{
    assert(code && scope);
    return strncmp(code, scope, strlen(scope)) == 0;
}

static void fill(struct store_stmt *st, struct region *r)
{
    snprintf(r->code, sizeof r->code, "%s", store_column_text(st, 0));
    snprintf(r->parent_code, sizeof r->parent_code, "%s", store_column_text(st, 1));
    r->level = (int)store_column_int64(st, 2);
    snprintf(r->name, sizeof r->name, "%s", store_column_text(st, 3));
}

int region_get(struct store *s, const char *code, struct region *out, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s, "SELECT code, COALESCE(parent_code, ''), level, name FROM regions WHERE code = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, code);
    int rc = store_step(st, err);
    if (rc == STORE_ROW) {
        fill(st, out);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = ep_error_set(err, EP_ENOTFOUND, "地区 %s 不存在", "region %s not found", code);
    }
    store_stmt_reset(st);
    return rc;
}

int region_create(struct store *s, const char *code, const char *name, struct ep_error *err)
{
    int level = region_level_of_code(code);
    if (!level)
        ep_error_field(err, "code", "地区编码应为 4、6、9、12 或 15 位数字",
                       "region code must be 4, 6, 9, 12 or 15 digits");
    if (!name || !*name || strlen(name) >= REGION_NAME_MAX)
        ep_error_field(err, "name", "名称不能为空且不超过 40 个字", "name must be 1-40 characters");
    if (err->code)
        return -EP_EINVAL;
    char parent[REGION_CODE_MAX];
    region_parent_code(code, parent);
    struct region p;
    if (level > REGION_CITY && region_get(s, parent, &p, err) != 0) {
        ep_error_clear(err);
        ep_error_field(err, "code", "上级地区 %s 不存在", "parent region %s does not exist",
                       parent);
        return -EP_EINVAL;
    }
    struct store_stmt *st = store_prepare(
        s,
        "INSERT INTO regions (code, parent_code, level, name, created_at) VALUES (?, ?, ?, ?, ?)",
        err);
    if (!st)
        return -EP_EINTERNAL;
    char now[32];
    time_now_iso(now);
    store_bind_text(st, 1, code);
    store_bind_text(st, 2, level > REGION_CITY ? parent : NULL);
    store_bind_int64(st, 3, level);
    store_bind_text(st, 4, name);
    store_bind_text(st, 5, now);
    int rc = store_run(st, err);
    if (rc == -EP_ECONFLICT)
        ep_error_set(err, EP_ECONFLICT, "地区 %s 已存在", "region %s already exists", code);
    return rc;
}

int region_create_audited(struct store *s, const struct actor *who, const char *code,
                          const char *name, struct ep_error *err)
{
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    /* A new region lies strictly inside the writer's jurisdiction: its parent
     * is then inside too (or the scope itself), so region_create's answers
     * (parent missing, 409 for an existing code) only speak of what the
     * writer may see. */
    const char *scope = who->user->scope;
    if (!code || !region_in_scope(code, scope) || strcmp(code, scope) == 0)
        write_fail(&w, ep_error_set(err, EP_EFORBIDDEN, "只能在管辖范围内新建下级地区",
                                    "regions can only be created inside your jurisdiction"));
    if (write_ok(&w))
        write_fail(&w, region_create(s, code, name, err));
    if (write_ok(&w)) {
        json_t *after = json_pack("{s:s, s:s}", "code", code, "name", name ? name : "");
        write_audit_key(&w, "create", "region", code, code, NULL, after);
        json_decref(after);
    }
    return write_end(&w, 0);
}

int region_children_list(struct store *s, const char *code, region_fn fn, void *ctx,
                         struct ep_error *err)
{
    struct store_stmt *st;
    if (*code) {
        st = store_prepare(s,
                           "SELECT code, COALESCE(parent_code, ''), level, name FROM regions"
                           " WHERE parent_code = ? ORDER BY code",
                           err);
        if (st)
            store_bind_text(st, 1, code);
    } else {
        st = store_prepare(s,
                           "SELECT code, '', level, name FROM regions"
                           " WHERE parent_code IS NULL ORDER BY code",
                           err);
    }
    if (!st)
        return -EP_EINTERNAL;
    int rc;
    struct region r;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        fill(st, &r);
        if ((rc = fn(&r, ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc;
}

int region_path_list(struct store *s, const char *code, region_fn fn, void *ctx,
                     struct ep_error *err)
{
    int level = region_level_of_code(code);
    if (!level)
        return ep_error_set(err, EP_ENOTFOUND, "地区 %s 不存在", "region %s not found", code);
    for (int l = REGION_CITY; l <= level; l++) {
        char prefix[REGION_CODE_MAX];
        int n = code_lengths[l];
        memcpy(prefix, code, (size_t)n);
        prefix[n] = '\0';
        struct region r;
        int rc = region_get(s, prefix, &r, err);
        if (rc != 0)
            return rc;
        if ((rc = fn(&r, ctx)) != 0)
            return rc;
    }
    return 0;
}
