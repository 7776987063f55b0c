/*
 * json.c -- body parsing and field-table checks (see json.h).
 */
#include "util/json.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "util/arena.h"
#include "util/idcheck.h"
#include "util/timeutil.h"

json_t *json_body_parse(const char *data, size_t len, struct ep_error *err)
{
    if (len == 0) {
        ep_error_set(err, EP_EINVAL, "请求体为空,需要 JSON 对象",
                     "empty body, a JSON object is required");
        return NULL;
    }
    if (!utf8_valid(data, len)) {
        ep_error_set(err, EP_EINVAL, "请求体不是有效的 UTF-8 编码", "body is not valid UTF-8");
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        ep_error_set(err, EP_EINVAL, "JSON 格式错误(第 %d 行第 %d 列):%s",
                     "malformed JSON (line %d, column %d): %s", jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        ep_error_set(err, EP_EINVAL, "请求体必须是 JSON 对象", "body must be a JSON object");
        return NULL;
    }
    return root;
}

static const struct json_field *find_field(const struct json_field *fields, const char *key)
{
    for (const struct json_field *f = fields; f->name; f++)
        if (strcmp(f->name, key) == 0)
            return f;
    return NULL;
}

static const char *type_zh(int type)
{
    switch (type) {
    case JF_STRING:
    case JF_DATE:
        return "字符串";
    case JF_INT:
        return "整数";
    case JF_NUMBER:
        return "数字";
    case JF_BOOL:
        return "布尔值";
    case JF_OBJECT:
        return "对象";
    default:
        return "数组";
    }
}

static const char *type_en(int type)
{
    switch (type) {
    case JF_STRING:
    case JF_DATE:
        return "a string";
    case JF_INT:
        return "an integer";
    case JF_NUMBER:
        return "a number";
    case JF_BOOL:
        return "a boolean";
    case JF_OBJECT:
        return "an object";
    default:
        return "an array";
    }
}

static int type_matches(const json_t *v, int type)
{
    switch (type) {
    case JF_STRING:
    case JF_DATE:
        return json_is_string(v);
    case JF_INT:
        return json_is_integer(v);
    case JF_NUMBER:
        return json_is_number(v);
    case JF_BOOL:
        return json_is_boolean(v);
    case JF_OBJECT:
        return json_is_object(v);
    default:
        return json_is_array(v);
    }
}

/* A bound at or beyond this is "no upper bound" in a message (ids). */
#define JF_UNBOUNDED 1e15

static void check_range(const json_t *v, const char *name, double min, double max,
                        struct ep_error *err)
{
    double x = json_number_value(v);
    if (x >= min && x <= max)
        return;
    if (max >= JF_UNBOUNDED && min == 1)
        ep_error_field(err, name, "应为正整数", "must be a positive integer");
    else if (max >= JF_UNBOUNDED)
        ep_error_field(err, name, "不能小于 %g", "must be at least %g", min);
    else
        ep_error_field(err, name, "应在 %g 到 %g 之间", "must be between %g and %g", min, max);
}

/* Checks one value "v" named "name" against a scalar type and its limits. */
static void check_scalar(const json_t *v, const char *name, int type, const struct json_field *f,
                         struct ep_error *err)
{
    if (!type_matches(v, type)) {
        /* %.0s consumes the other language's argument without printing it */
        ep_error_field(err, name, "应为%s%.0s", "must be %.0s%s", type_zh(type), type_en(type));
        return;
    }
    if (type == JF_STRING) {
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        size_t max = f->max_len ? (size_t)f->max_len : 200;
        if (strlen(s) != len)
            ep_error_field(err, name, "不能包含空字符", "must not contain NUL characters");
        else if (utf8_length(s, len) > max)
            ep_error_field(err, name, "长度不能超过 %zu 个字符", "must be at most %zu characters",
                           max);
        else if (f->required && len == 0)
            ep_error_field(err, name, "不能为空", "must not be empty");
    } else if (type == JF_DATE) {
        if (time_date_parse(json_string_value(v), NULL) != 0)
            ep_error_field(err, name, "日期无效,格式应为 YYYY-MM-DD",
                           "invalid date, expected YYYY-MM-DD");
    } else if ((type == JF_INT || type == JF_NUMBER) && (f->min != 0 || f->max != 0)) {
        check_range(v, name, f->min, f->max, err);
    }
}

/* An array: its length, then each element against "members" (objects, field
 * errors "name[i].member") or "elem" (scalars, "name[i]"). */
static void check_array(const json_t *v, const struct json_field *f, struct ep_error *err)
{
    assert(!(f->members && f->elem)); /* a list of objects or of scalars, not both */
    size_t n = json_array_size(v);
    if (f->max_items && n > (size_t)f->max_items) {
        ep_error_field(err, f->name, "最多 %d 项", "at most %d entries", f->max_items);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(v, i);
        char name[96];
        snprintf(name, sizeof name, "%s[%zu]", f->name, i);
        if (f->members) {
            if (!json_is_object(e)) {
                ep_error_field(err, name, "应为对象", "must be an object");
                continue;
            }
            int from = err->nfields;
            json_object_check(e, f->members, err);
            strcat(name, ".");
            ep_error_fields_prefix(err, from, name);
        } else if (f->elem) {
            check_scalar(e, name, f->elem, f, err);
        }
    }
}

static void check_value(const json_t *v, const struct json_field *f, struct ep_error *err)
{
    if (f->type == JF_ARRAY || f->type == JF_OBJECT) {
        if (!type_matches(v, f->type)) {
            check_scalar(v, f->name, f->type, f, err);
        } else if (f->type == JF_ARRAY) {
            check_array(v, f, err);
        } else if (f->members) {
            int from = err->nfields;
            json_object_check(v, f->members, err);
            char prefix[80];
            snprintf(prefix, sizeof prefix, "%s.", f->name);
            ep_error_fields_prefix(err, from, prefix);
        }
        return;
    }
    check_scalar(v, f->name, f->type, f, err);
}

int json_object_check(const json_t *obj, const struct json_field *fields, struct ep_error *err)
{
    assert(json_is_object(obj) && fields && err);
    int before = err->nfields;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v)
    {
        const struct json_field *f = find_field(fields, key);
        if (!f) {
            ep_error_field(err, key, "未知字段", "unknown field");
            continue;
        }
        if (json_is_null(v)) {
            if (f->required)
                ep_error_field(err, f->name, "必填", "is required");
            continue;
        }
        check_value(v, f, err);
    }
    for (const struct json_field *f = fields; f->name; f++)
        if (f->required && !json_object_get(obj, f->name))
            ep_error_field(err, f->name, "必填", "is required");
    return err->nfields > before || err->fields_dropped ? -EP_EINVAL : 0;
}

const char *json_get_str(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int64_t json_get_int(const json_t *obj, const char *key, int64_t fallback)
{
    json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : fallback;
}

json_t *json_page_trim(json_t *items, int limit)
{
    if (limit < 1 || json_array_size(items) <= (size_t)limit)
        return NULL;
    while (json_array_size(items) > (size_t)limit)
        json_array_remove(items, json_array_size(items) - 1);
    return json_array_get(items, (size_t)limit - 1);
}

json_t *json_page_cursor_id(json_t *items, int limit)
{
    json_t *last = json_page_trim(items, limit);
    return last ? json_sprintf("%lld", (long long)json_integer_value(json_object_get(last, "id")))
                : json_null();
}

json_t *json_page_cursor_grid_id(json_t *items, int limit)
{
    json_t *last = json_page_trim(items, limit);
    const char *grid = last ? json_get_str(last, "grid_code") : NULL;
    return grid ? json_sprintf("%s:%lld", grid,
                               (long long)json_integer_value(json_object_get(last, "id")))
                : json_null();
}

int64_t *json_get_ids(const json_t *obj, const char *key, struct arena *a, int *n)
{
    const json_t *list = json_object_get(obj, key);
    size_t len = json_is_array(list) ? json_array_size(list) : 0;
    int64_t *ids = arena_alloc(a, (len + 1) * sizeof *ids);
    for (size_t i = 0; i < len; i++) {
        const json_t *v = json_array_get(list, i);
        ids[i] = json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
    }
    *n = (int)len;
    return ids;
}
