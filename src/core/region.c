/*
 * region.c -- region codes, lookups and the tree (see region.h).
 */
#include "core/region.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/write.h"
#include "util/text.h"
#include "util/timeutil.h"

static const int code_lengths[] = {0, 4, 6, 9, 12, 15};
static const char *const level_names_zh[] = {"", "市", "县/区", "乡镇/街道", "村/社区", "网格"};

int region_code_length(int level)
{
    return level >= REGION_CITY && level <= REGION_GRID ? code_lengths[level] : 0;
}

void region_code_of_prefix(const char *prefix, char out[REGION_CODE_MAX])
{
    size_t len = strlen(prefix);
    out[0] = '\0';
    for (int level = REGION_GRID; level >= REGION_CITY; level--) {
        size_t l = (size_t)region_code_length(level);
        if (l <= len) {
            memcpy(out, prefix, l);
            out[l] = '\0';
            return;
        }
    }
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

const char *const region_level_names[] = {"city", "county", "township", "village", "grid", NULL};

const char *region_level_name(int level)
{
    return level >= REGION_CITY && level <= REGION_GRID ? region_level_names[level - REGION_CITY]
                                                        : "";
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

/* ---- bulk creation: region_insert and name paths ----------------------------- */

#define PATH_DEPTH_MAX 5 /* city / county / township / village / grid */

/* Appends the regions named "name" among the children of "parent" ("" with
 * "scope": regions of that name anywhere in the scope) to found[] (at most
 * "max"); returns how many there are in all (may exceed max), or negative. */
static int children_named(struct store *s, const char *scope, const char *parent, const char *name,
                          struct region *found, int max, struct ep_error *err)
{
    struct store_stmt *st;
    if (*parent) {
        st = store_prepare(s,
                           "SELECT code, COALESCE(parent_code, ''), level, name FROM regions"
                           " WHERE parent_code = ? AND name = ? ORDER BY code",
                           err);
        if (st) {
            store_bind_text(st, 1, parent);
            store_bind_text(st, 2, name);
        }
    } else {
        st = store_prepare(s,
                           "SELECT code, COALESCE(parent_code, ''), level, name FROM regions"
                           " WHERE name = ? AND code >= ? AND code < ? ORDER BY code",
                           err);
        if (st) {
            store_bind_text(st, 1, name);
            region_bind_range(st, 2, scope);
        }
    }
    if (!st)
        return -EP_EINTERNAL;
    int n = 0, rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        if (n < max)
            fill(st, &found[n]);
        n++;
    }
    store_stmt_reset(st);
    return rc < 0 ? rc : n;
}

int region_find_path(struct store *s, const char *scope, const char *path, const char *field,
                     struct region *out, struct ep_error *err)
{
    char segs[PATH_DEPTH_MAX][REGION_NAME_MAX];
    int nsegs = 0;
    for (const char *p = path; p && *p && nsegs <= PATH_DEPTH_MAX;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        while (len && (*p == ' ' || *p == '\t'))
            p++, len--;
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (!len || len >= REGION_NAME_MAX || nsegs == PATH_DEPTH_MAX) {
            nsegs = -1;
            break;
        }
        memcpy(segs[nsegs], p, len);
        segs[nsegs++][len] = '\0';
        p = slash ? slash + 1 : p + strlen(p);
    }
    if (nsegs <= 0) {
        ep_error_field(err, field, "应为地区编码或以 / 分隔的地区名称(如 东安县/白牙市镇/茶亭社区)",
                       "must be a region code or names separated by / (东安县/白牙市镇/茶亭社区)");
        return 0;
    }
    /* Every region of the scope named like the first segment is a start;
     * the path must lead to exactly one region. */
    struct region starts[8], match = {0};
    int nstarts = children_named(s, scope, "", segs[0], starts, 8, err);
    if (nstarts < 0)
        return nstarts;
    int matches = 0;
    for (int i = 0; i < nstarts && i < 8; i++) {
        struct region at = starts[i];
        int ok = 1;
        for (int k = 1; k < nsegs && ok; k++) {
            struct region next[2];
            int n = children_named(s, scope, at.code, segs[k], next, 2, err);
            if (n < 0)
                return n;
            ok = n >= 1;
            if (n > 1)
                matches++; /* two siblings of one name: ambiguous */
            if (ok)
                at = next[0];
        }
        if (ok) {
            if (!matches)
                match = at;
            matches++;
        }
    }
    if (matches == 1 && nstarts <= 8) {
        *out = match;
        return 1;
    }
    int was_clear = err->code == EP_OK;
    if (matches > 1 || nstarts > 8)
        ep_error_field(err, field, "“%s”指向多个地区,请改用编码",
                       "\"%s\" names several regions; use the code", path);
    else {
        /* Like a missing code: outside the scope nothing is found either. */
        ep_error_field(err, field, "地区%.0s “%s” 不存在", "%.0sregion \"%s\" not found", "", path);
        if (was_clear || err->code == EP_ENOTFOUND)
            ep_error_set(err, EP_ENOTFOUND, "所引用的记录不存在",
                         "a referenced record was not found");
    }
    return 0;
}

/* The next free code under "parent": its largest child's code plus one. */
static int next_child_code(struct write *w, const char *parent, char out[REGION_CODE_MAX])
{
    int child_len = region_code_length(region_level_of_code(parent) + 1);
    struct store_stmt *st = write_prepare(w, "SELECT MAX(code) FROM regions WHERE parent_code = ?");
    if (!st)
        return w->rc;
    store_bind_text(st, 1, parent);
    int rc = store_step(st, w->err);
    long next = 1;
    if (rc == STORE_ROW && !store_column_is_null(st, 0)) {
        const char *max = store_column_text(st, 0);
        next = strtol(max + strlen(parent), NULL, 10) + 1;
    }
    store_stmt_reset(st);
    if (rc < 0)
        return write_fail(w, rc);
    /* A county's part of the code has 2 digits, the others 3. */
    size_t plen = strlen(parent);
    int digits = child_len - (int)plen, most = digits == 2 ? 99 : REGION_CHILDREN_MAX;
    assert(digits == 2 || digits == 3);
    if (next > most) {
        ep_error_field(w->err, "parent", "%s 下的编码已用尽(最多 %d 个)",
                       "no code is left under %s (%d at most)", parent, most);
        return write_check(w);
    }
    memcpy(out, parent, plen);
    snprintf(out + plen, REGION_CODE_MAX - plen, "%0*d", digits, (int)next % 1000);
    return 0;
}

int region_insert(struct write *w, const struct region_input *in, struct region *out)
{
    if (!write_ok(w))
        return w->rc;
    struct ep_error *err = w->err;
    const char *scope = w->who->user->scope;
    const char *code = in->code && *in->code ? in->code : NULL;
    const char *parent_text = in->parent && *in->parent ? in->parent : NULL;
    text_check(in->name, "name", REGION_NAME_CHARS, TEXT_REQUIRED, err);
    int level = code ? region_level_of_code(code) : 0;
    if (code && !level)
        ep_error_field(err, "code", "地区编码应为 4、6、9、12 或 15 位数字",
                       "region code must be 4, 6, 9, 12 or 15 digits");
    if (!code && !parent_text)
        ep_error_field(err, "parent", "未给出编码时必填", "is required when no code is given");
    if (err->code)
        return write_check(w);

    /* The parent: by code, by name path, or the one the code implies. */
    struct region parent = {0};
    int have_parent = 0;
    char implied[REGION_CODE_MAX] = "";
    if (code)
        region_parent_code(code, implied);
    if (parent_text && region_level_of_code(parent_text)) {
        have_parent = write_region(w, parent_text, 0, "parent", &parent);
    } else if (parent_text) {
        int rc = region_find_path(w->s, scope, parent_text, "parent", &parent, err);
        if (rc < 0)
            return write_fail(w, rc);
        have_parent = rc;
    } else if (implied[0]) {
        have_parent = write_region(w, implied, 0, "code", &parent);
    }
    if (!write_ok(w) || err->code)
        return write_check(w);
    if (have_parent && code && strcmp(parent.code, implied) != 0)
        ep_error_field(err, "parent", "上级 %s 与编码 %s 不符(编码含上级编码)",
                       "parent %s does not match code %s (a code holds its parent's)", parent.code,
                       code);
    if (!have_parent && code && !implied[0] && *scope)
        /* a city: only a writer over every city may create one */
        ep_error_field(err, "code", "只能在管辖范围内新建下级地区",
                       "regions can only be created inside your jurisdiction");
    if (have_parent && parent.level == REGION_GRID)
        ep_error_field(err, "parent", "网格下不能再分", "a grid has no subdivisions");
    if (err->code)
        return write_check(w);

    char assigned[REGION_CODE_MAX];
    if (!code) {
        /* Without a code, a sibling of the same name is the same place. */
        struct region twin;
        int n = children_named(w->s, scope, parent.code, in->name, &twin, 1, err);
        if (n < 0)
            return write_fail(w, n);
        if (n > 0) {
            ep_error_field(err, "name", "%s 下已有“%s”(编码 %s)", "%s already has \"%s\" (code %s)",
                           parent.name, in->name, twin.code);
            return write_check(w);
        }
        if (next_child_code(w, parent.code, assigned) != 0)
            return w->rc;
        code = assigned;
        level = region_level_of_code(code);
    }
    if (in->level && level != in->level) {
        if (in->level == REGION_GRID)
            ep_error_field(err, code == assigned ? "parent" : "code",
                           "网格的上级应为村/社区(12 位编码)",
                           "a grid's parent must be a village or community (12 digits)");
        else
            ep_error_field(err, code == assigned ? "parent" : "code", "应为%s%.0s",
                           "%.0smust be a %s", level_names_zh[in->level],
                           region_level_name(in->level));
        return write_check(w);
    }
    struct region existing;
    struct ep_error lookup;
    ep_error_clear(&lookup);
    int rc = region_get(w->s, code, &existing, &lookup);
    if (rc == 0) {
        ep_error_field(err, "code", "地区 %s 已存在", "region %s already exists", code);
        return write_check(w);
    }
    if (rc != -EP_ENOTFOUND)
        return *err = lookup, write_fail(w, rc);
    struct store_stmt *st = write_prepare(
        w,
        "INSERT INTO regions (code, parent_code, level, name, created_at) VALUES (?, ?, ?, ?, ?)");
    if (!st)
        return w->rc;
    store_bind_text(st, 1, code);
    store_bind_text(st, 2, level > REGION_CITY ? parent.code : NULL);
    store_bind_int64(st, 3, level);
    store_bind_text(st, 4, in->name);
    store_bind_text(st, 5, w->now);
    if (write_fail(w, store_run(st, err)) != 0)
        return w->rc;
    if (out) {
        snprintf(out->code, sizeof out->code, "%s", code);
        snprintf(out->parent_code, sizeof out->parent_code, "%s",
                 level > REGION_CITY ? parent.code : "");
        out->level = level;
        snprintf(out->name, sizeof out->name, "%s", in->name);
    }
    return 0;
}

/* ---- former codes ------------------------------------------------------------ */

int region_former_add(struct write *w, const char *code, const struct region_former *former)
{
    if (!write_ok(w))
        return w->rc;
    struct ep_error *err = w->err;
    struct region now;
    if (!write_region(w, code, 0, "code", &now))
        return write_check(w);
    if (region_level_of_code(former->code) != now.level)
        ep_error_field(err, "former_code", "原编码应与编码同级(%d 位数字)",
                       "a former code has the length of the code (%d digits)",
                       region_code_length(now.level));
    text_check(former->name, "former_name", REGION_NAME_CHARS, TEXT_REQUIRED, err);
    int64_t days;
    if (former->changed_on[0] && time_date_parse(former->changed_on, &days) != 0)
        ep_error_field(err, "changed_on", "日期格式应为 YYYY-MM-DD", "date must be YYYY-MM-DD");
    if (err->code)
        return write_check(w);
    struct region other;
    struct ep_error lookup;
    ep_error_clear(&lookup);
    int rc = region_get(w->s, former->code, &other, &lookup);
    if (rc == 0 && region_in_scope(other.code, w->who->user->scope))
        ep_error_field(err, "former_code", "编码 %s 仍在使用(%s)", "code %s is in use (%s)",
                       former->code, other.name);
    else if (rc == 0)
        ep_error_field(err, "former_code", "编码 %s 仍在使用", "code %s is in use", former->code);
    else if (rc != -EP_ENOTFOUND)
        return *err = lookup, write_fail(w, rc);
    ep_error_clear(&lookup);
    struct region_former known;
    rc = region_former_get(w->s, former->code, &other, &known, &lookup);
    if (rc == 0 && region_in_scope(other.code, w->who->user->scope))
        ep_error_field(err, "former_code", "已登记为 %s 的原编码", "is already a former code of %s",
                       other.code);
    else if (rc == 0)
        ep_error_field(err, "former_code", "已登记为另一地区的原编码",
                       "is already a former code of another region");
    else if (rc != -EP_ENOTFOUND)
        return *err = lookup, write_fail(w, rc);
    if (err->code)
        return write_check(w);
    struct store_stmt *st =
        write_prepare(w, "INSERT INTO region_former_codes (former_code, code, former_name,"
                         " changed_on, created_at) VALUES (?, ?, ?, ?, ?)");
    if (!st)
        return w->rc;
    store_bind_text(st, 1, former->code);
    store_bind_text(st, 2, now.code);
    store_bind_text(st, 3, former->name);
    store_bind_text(st, 4, former->changed_on[0] ? former->changed_on : NULL);
    store_bind_text(st, 5, w->now);
    return write_fail(w, store_run(st, err));
}

static void fill_former(struct store_stmt *st, int col, struct region_former *f)
{
    snprintf(f->code, sizeof f->code, "%s", store_column_text(st, col));
    snprintf(f->name, sizeof f->name, "%s", store_column_text(st, col + 1));
    snprintf(f->changed_on, sizeof f->changed_on, "%s", store_column_text(st, col + 2));
}

int region_former_get(struct store *s, const char *former_code, struct region *out,
                      struct region_former *former, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT r.code, COALESCE(r.parent_code, ''), r.level, r.name, f.former_code,"
                      " f.former_name, COALESCE(f.changed_on, '') FROM region_former_codes f"
                      " JOIN regions r ON r.code = f.code WHERE f.former_code = ?",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, former_code);
    int rc = store_step(st, err);
    if (rc == STORE_ROW) {
        fill(st, out);
        if (former)
            fill_former(st, 4, former);
        rc = 0;
    } else if (rc == STORE_DONE) {
        rc = ep_error_set(err, EP_ENOTFOUND, "地区 %s 不存在", "region %s not found", former_code);
    }
    store_stmt_reset(st);
    return rc;
}

int region_former_list(struct store *s, const char *code, region_former_fn fn, void *ctx,
                       struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s,
        "SELECT former_code, former_name, COALESCE(changed_on, '') FROM region_former_codes"
        " WHERE code = ? ORDER BY COALESCE(changed_on, ''), former_code",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, code);
    int rc;
    struct region_former f;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        fill_former(st, 0, &f);
        if ((rc = fn(&f, ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc;
}

/* Calls "fn" for each row of "st" (code, parent, level, name), then resets it. */
static int each_region(struct store_stmt *st, region_fn fn, void *ctx, struct ep_error *err)
{
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
    return each_region(st, fn, ctx, err);
}

int region_search(struct store *s, const char *scope, const char *text, int level, int limit,
                  region_fn fn, void *ctx, struct ep_error *err)
{
    assert(text && limit > 0);
    /* LIKE's own characters in the user's text match themselves. */
    char pattern[2 * REGION_NAME_MAX + 3];
    if (text_like_pattern(text, pattern, sizeof pattern) != 0)
        return 0; /* longer than any name: nothing matches */
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT code, COALESCE(parent_code, ''), level, name FROM regions"
                      " WHERE code >= ? AND code < ? AND (? = 0 OR level = ?)"
                      " AND (name LIKE ? ESCAPE '\\' OR code = ?)"
                      " ORDER BY level, code LIMIT ?",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, scope);
    store_bind_int64_twice(st, 3, level);
    store_bind_text(st, 5, pattern);
    store_bind_text(st, 6, text);
    store_bind_int64(st, 7, limit);
    return each_region(st, fn, ctx, err);
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
