/*
 * json.c -- body parsing and field-table checks (see json.h).
 */
#include "util/json.h"

#include <assert.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/buf.h"
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

/* ---- compact dumps ------------------------------------------------------- */

#define DUMP_DEPTH_MAX 64 /* deeper (or cyclic) values go to json_dumps itself */

/* The length of the UTF-8 sequence at "p" (of "n" bytes left) as jansson's
 * utf8_iterate() accepts it (no overlong forms, no surrogates, nothing above
 * U+10FFFF), its code point in *cp; 0 when jansson would refuse it. */
static int utf8_sequence(const unsigned char *p, size_t n, int32_t *cp)
{
    unsigned c = p[0];
    int len;
    int32_t v;
    if (c < 0x80) {
        *cp = (int32_t)c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = (int32_t)(c & 0x1F);
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = (int32_t)(c & 0x0F);
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = (int32_t)(c & 0x07);
    } else {
        return 0;
    }
    if ((size_t)len > n)
        return 0;
    for (int i = 1; i < len; i++) {
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
        v = (v << 6) + (p[i] & 0x3F);
    }
    if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF) || (len == 2 && v < 0x80) ||
        (len == 3 && v < 0x800) || (len == 4 && v < 0x10000))
        return 0;
    *cp = v;
    return len;
}

/* Appends "s" ("n" bytes) quoted as jansson's dump_string() writes it without
 * flags: '"', '\\' and control characters escaped, the rest as it is.
 * Returns -1 on text jansson refuses (invalid UTF-8). */
static int dump_string(struct buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
    buf_putc(b, '"');
    while (p < end) {
        int32_t cp;
        int len = *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\'
                      ? 1
                      : utf8_sequence(p, (size_t)(end - p), &cp);
        if (len == 0)
            return -1;
        if (len > 1 || (*p >= 0x20 && *p != '"' && *p != '\\')) {
            p += len;
            continue;
        }
        buf_append(b, run, (size_t)(p - run));
        char esc[6] = {'\\', 0};
        size_t esc_len = 2;
        switch (*p) {
        case '"':
        case '\\':
            esc[1] = (char)*p;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default: /* "\u00XX" */
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[*p >> 4];
            esc[5] = hex[*p & 15];
            esc_len = 6;
        }
        buf_append(b, esc, esc_len);
        run = ++p;
    }
    buf_append(b, run, (size_t)(p - run));
    buf_putc(b, '"');
    return 0;
}

static void dump_integer(struct buf *b, json_int_t v)
{
    char digits[24], *p = digits + sizeof digits;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    buf_append(b, p, (size_t)(digits + sizeof digits - p));
}

/* What a dump writes: jansson's flags it imitates, and a key of the top
 * object it leaves out (NULL: none). */
struct dump_opts {
    int precision;    /* significant digits of a real, 1..31 (JSON_REAL_PRECISION) */
    int sort_keys;    /* JSON_SORT_KEYS */
    const char *omit; /* a key of the outermost object not written */
};

/* A real as jansson 2.14's jsonp_dtostr() writes it: "%.*g" at the dump's
 * precision, the locale's decimal point made '.', ".0" added when neither
 * '.' nor 'e' is there, the exponent without '+' and leading zeros. */
static int dump_real(struct buf *b, double v, int precision)
{
    char text[100];
    int n = snprintf(text, sizeof text, "%.*g", precision, v);
    if (n < 0 || (size_t)n + 3 >= sizeof text)
        return -1;
    const char *point = localeconv()->decimal_point;
    char *at;
    if (*point != '.' && (at = strchr(text, *point)))
        *at = '.';
    if (!strchr(text, '.') && !strchr(text, 'e')) {
        memcpy(text + n, ".0", 3);
        n += 2;
    }
    char *start = strchr(text, 'e');
    if (start) {
        char *end = ++start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, (size_t)(text + n - end) + 1);
            n -= (int)(end - start);
        }
    }
    buf_append(b, text, (size_t)n);
    return 0;
}

/* A key of an object, as JSON_SORT_KEYS orders them. */
struct dump_key {
    const char *key;
    size_t len;
    json_t *value;
};

/* jansson's order of sorted keys: bytes compared unsigned, then the shorter
 * first. */
static int dump_key_cmp(const void *x, const void *y)
{
    const struct dump_key *a = x, *b = y;
    int c = memcmp(a->key, b->key, a->len < b->len ? a->len : b->len);
    return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int dump_value(struct buf *b, const json_t *j, int depth, const struct dump_opts *o);

/* One "key":value member.  jansson ignores a key's failure: what it wrote of
 * the key (the opening quote, the text up to its last escape) stays, and the
 * dump goes on with ':'.  So does this one. */
static int dump_member(struct buf *b, const char *key, size_t len, const json_t *value, int depth,
                       const struct dump_opts *o)
{
    (void)dump_string(b, key, len);
    buf_putc(b, ':');
    return dump_value(b, value, depth + 1, o);
}

static int dump_object(struct buf *b, const json_t *j, int depth, const struct dump_opts *o)
{
    const char *omit = depth == 0 ? o->omit : NULL;
    size_t omit_len = omit ? strlen(omit) : 0;
    int first = 1, rc = 0;
    buf_putc(b, '{');
    if (!o->sort_keys) {
        for (void *it = json_object_iter((json_t *)j); it && rc == 0;
             it = json_object_iter_next((json_t *)j, it)) {
            const char *key = json_object_iter_key(it);
            size_t len = json_object_iter_key_len(it);
            if (omit && len == omit_len && memcmp(key, omit, len) == 0)
                continue;
            if (!first)
                buf_putc(b, ',');
            first = 0;
            rc = dump_member(b, key, len, json_object_iter_value(it), depth, o);
        }
    } else {
        struct dump_key few[32], *keys = few;
        size_t n = 0, size = json_object_size(j);
        if (size > sizeof few / sizeof few[0] && !(keys = malloc(size * sizeof *keys)))
            abort();
        for (void *it = json_object_iter((json_t *)j); it && n < size;
             it = json_object_iter_next((json_t *)j, it)) {
            keys[n].key = json_object_iter_key(it);
            keys[n].len = json_object_iter_key_len(it);
            keys[n].value = json_object_iter_value(it);
            if (!omit || keys[n].len != omit_len || memcmp(keys[n].key, omit, omit_len) != 0)
                n++;
        }
        qsort(keys, n, sizeof *keys, dump_key_cmp);
        for (size_t i = 0; i < n && rc == 0; i++) {
            if (i)
                buf_putc(b, ',');
            rc = dump_member(b, keys[i].key, keys[i].len, keys[i].value, depth, o);
        }
        if (keys != few)
            free(keys);
    }
    buf_putc(b, '}');
    return rc;
}

/* 0, or -1 where json_dumps() fails, or 1 when the value is too deep for
 * this dump (the caller asks json_dumps()). */
static int dump_value(struct buf *b, const json_t *j, int depth, const struct dump_opts *o)
{
    switch (json_typeof(j)) {
    case JSON_NULL:
        buf_append(b, "null", 4);
        return 0;
    case JSON_TRUE:
        buf_append(b, "true", 4);
        return 0;
    case JSON_FALSE:
        buf_append(b, "false", 5);
        return 0;
    case JSON_INTEGER:
        dump_integer(b, json_integer_value(j));
        return 0;
    case JSON_REAL:
        return dump_real(b, json_real_value(j), o->precision);
    case JSON_STRING:
        return dump_string(b, json_string_value(j), json_string_length(j));
    case JSON_ARRAY: {
        if (depth >= DUMP_DEPTH_MAX)
            return 1;
        buf_putc(b, '[');
        size_t n = json_array_size(j);
        for (size_t i = 0; i < n; i++) {
            if (i)
                buf_putc(b, ',');
            int rc = dump_value(b, json_array_get(j, i), depth + 1, o);
            if (rc)
                return rc;
        }
        buf_putc(b, ']');
        return 0;
    }
    case JSON_OBJECT:
        return depth >= DUMP_DEPTH_MAX ? 1 : dump_object(b, j, depth, o);
    }
    return -1;
}

/* The flags this dump writes itself; with any other, json_dumps() does. */
#define DUMP_OWN_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(31))

static char *dump(const json_t *j, size_t flags, const char *omit)
{
    if (!j || (!(flags & JSON_ENCODE_ANY) && !json_is_object(j) && !json_is_array(j)))
        return NULL; /* as json_dumps without JSON_ENCODE_ANY */
    struct dump_opts o = {(int)((flags >> 11) & 0x1F), (flags & JSON_SORT_KEYS) != 0, omit};
    if (o.precision == 0)
        o.precision = 17;
    struct buf b;
    buf_init(&b);
    int rc = dump_value(&b, j, 0, &o);
    if (rc == 0)
        return buf_steal(&b);
    buf_cleanup(&b);
    if (rc < 0)
        return NULL;
    /* Too deep for this dump: jansson's own, of a shallow copy without the
     * omitted key. */
    if (!omit)
        return json_dumps(j, flags);
    json_t *copy = json_copy((json_t *)j);
    json_object_del(copy, omit);
    char *text = json_dumps(copy, flags);
    json_decref(copy);
    return text;
}

char *json_dump_flags(const json_t *j, size_t flags)
{
    if ((flags & ~(size_t)DUMP_OWN_FLAGS) || !(flags & JSON_COMPACT))
        return json_dumps(j, flags);
    return dump(j, flags, NULL);
}

char *json_dump_canonical(const json_t *j, const char *omit)
{
    return dump(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY,
                json_is_object(j) ? omit : NULL);
}

char *json_dump_compact(const json_t *j)
{
    return json_dump_flags(j, JSON_COMPACT);
}
