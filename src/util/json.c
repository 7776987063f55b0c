/*
 * json.c -- body parsing and field-table checks (see json.h).
 */
#include "util/json.h"

#include <string.h>

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

static void check_value(const json_t *v, const struct json_field *f, struct ep_error *err)
{
    if (!type_matches(v, f->type)) {
        /* %.0s consumes the other language's argument without printing it */
        ep_error_field(err, f->name, "应为%s%.0s", "must be %.0s%s", type_zh(f->type),
                       type_en(f->type));
        return;
    }
    if (f->type == JF_STRING) {
        const char *s = json_string_value(v);
        size_t len = json_string_length(v);
        size_t max = f->max_len ? (size_t)f->max_len : 200;
        if (strlen(s) != len)
            ep_error_field(err, f->name, "不能包含空字符", "must not contain NUL characters");
        else if (utf8_length(s, len) > max)
            ep_error_field(err, f->name, "长度不能超过 %zu 个字符",
                           "must be at most %zu characters", max);
        else if (f->required && len == 0)
            ep_error_field(err, f->name, "不能为空", "must not be empty");
    } else if (f->type == JF_DATE) {
        if (time_date_parse(json_string_value(v), NULL) != 0)
            ep_error_field(err, f->name, "日期无效,格式应为 YYYY-MM-DD",
                           "invalid date, expected YYYY-MM-DD");
    } else if ((f->type == JF_INT || f->type == JF_NUMBER) && (f->min != 0 || f->max != 0)) {
        double x = json_number_value(v);
        if (x < f->min || x > f->max)
            ep_error_field(err, f->name, "应在 %g 到 %g 之间", "must be between %g and %g", f->min,
                           f->max);
    }
}

int json_object_check(const json_t *obj, const struct json_field *fields, struct ep_error *err)
{
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
