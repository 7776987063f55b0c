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

static int utf8_sequence(const unsigned char *p, size_t n, int32_t *cp);

/* ---- where a syntax error is -------------------------------------------- */

#define PATH_DEPTH_MAX 16 /* deeper members are not named */
#define PATH_KEY_MAX   48 /* bytes of one key as written (escapes included) */

/* What body_path_at() found at its offset. */
enum body_at {
    AT_NONE,  /* nothing it can name */
    AT_KEY,   /* right after a member's key (its closing quote) */
    AT_VALUE, /* inside a member's (or element's) value, or right after one */
};

/* One open object or array of the scan. */
struct body_frame {
    char kind;      /* '{' or '[' */
    char state;     /* 'k' key or '}' next, ':' colon next, 'v' value next, ',' after a value */
    size_t key_at;  /* object: the current key's first byte (after its quote) */
    size_t key_len; /* its length as written */
    long index;     /* array: the current element */
};

/* Appends the key written as "raw" ("len" bytes between quotes) to "out"
 * (holding "*used" bytes of "size"), decoded, after a '.' unless first.
 * 0, or -1 when it is too long, not a JSON string, empty, or holds a
 * control character. */
static int path_key(char *out, size_t size, size_t *used, const char *raw, size_t len)
{
    char literal[PATH_KEY_MAX + 2];
    if (len > PATH_KEY_MAX)
        return -1;
    literal[0] = '"';
    memcpy(literal + 1, raw, len);
    literal[len + 1] = '"';
    json_t *key = json_loadb(literal, len + 2, JSON_DECODE_ANY, NULL);
    const char *text = json_string_value(key);
    size_t n = text ? json_string_length(key) : 0;
    int ok = n > 0 && *used + (*used > 0) + n < size;
    for (size_t i = 0; ok && i < n; i++)
        ok = (unsigned char)text[i] >= 0x20 && text[i] != 0x7f;
    if (ok) {
        if (*used)
            out[(*used)++] = '.';
        memcpy(out + *used, text, n);
        *used += n;
        out[*used] = '\0';
    }
    json_decref(key);
    return ok ? 0 : -1;
}

/* 1 if "c" may be part of a number or of true, false, null (ASCII only,
 * whatever the locale). */
static int scalar_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '+' || c == '.';
}

/* The path ("team.lines[2].note") of the member at byte "end" of the body
 * "data" -- the place jansson stopped at, or the first byte that is not
 * UTF-8 -- into "out" (of "size" bytes), from a scan of the bytes before it
 * that follows objects, arrays, keys and element indexes.  Returns AT_KEY
 * when "end" is right after a key (the path ends with that key), AT_VALUE
 * when it is inside a value or right after one (the path names the member
 * or element it belongs to), AT_NONE when it cannot say: outside the root
 * object, inside a key, between members, too deep, a key too long or not
 * plain text, the path longer than "size". */
static int body_path_at(const char *data, size_t end, char *out, size_t size)
{
    struct body_frame frames[PATH_DEPTH_MAX];
    int depth = 0, in_value = 0;
    size_t i = 0;
    while (i < end) {
        unsigned char c = (unsigned char)data[i];
        struct body_frame *top = depth ? &frames[depth - 1] : NULL;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            i++;
            continue;
        }
        if (!top && c != '{') /* the root is an object */
            return AT_NONE;
        switch (c) {
        case '{':
        case '[':
            if (depth == PATH_DEPTH_MAX || (top && top->state != 'v'))
                return AT_NONE;
            if (top)
                top->state = ',';
            frames[depth++] = (struct body_frame){(char)c, c == '{' ? 'k' : 'v', 0, 0, 0};
            i++;
            break;
        case '}':
        case ']':
            if (!top || top->kind != (c == '}' ? '{' : '['))
                return AT_NONE;
            if (--depth == 0)
                return AT_NONE; /* past the root object */
            i++;
            break;
        case ',':
            if (!top || top->state != ',')
                return AT_NONE;
            top->state = top->kind == '{' ? 'k' : 'v';
            top->index++;
            i++;
            break;
        case ':':
            if (!top || top->state != ':')
                return AT_NONE;
            top->state = 'v';
            i++;
            break;
        case '"': {
            if (!top || (top->state != 'k' && top->state != 'v'))
                return AT_NONE;
            size_t j = i + 1;
            while (j < end && data[j] != '"')
                j += data[j] == '\\' ? 2 : 1;
            if (j >= end) { /* "end" is inside this string */
                if (top->state == 'k')
                    return AT_NONE;
                in_value = 1;
                i = end;
                break;
            }
            if (top->state == 'k') {
                top->key_at = i + 1;
                top->key_len = j - i - 1;
                top->state = ':';
            } else {
                top->state = ',';
            }
            i = j + 1;
            break;
        }
        default: /* a number, true, false, null: read to its end */
            if (top->state != 'v' || !scalar_byte(c) || c == '+' || c == '.')
                return AT_NONE;
            while (i < end && scalar_byte((unsigned char)data[i]))
                i++;
            in_value = i >= end;
            top->state = ',';
            break;
        }
    }
    if (depth == 0)
        return AT_NONE;
    const struct body_frame *top = &frames[depth - 1];
    int at = top->state == ':' ? AT_KEY : in_value || top->state == ',' ? AT_VALUE : AT_NONE;
    if (at == AT_NONE)
        return AT_NONE;
    size_t used = 0;
    out[0] = '\0';
    for (int d = 0; d < depth; d++) {
        const struct body_frame *f = &frames[d];
        if (f->kind == '{') {
            if (path_key(out, size, &used, data + f->key_at, f->key_len) != 0)
                return AT_NONE;
        } else {
            int n = snprintf(out + used, size - used, "[%ld]", f->index);
            if (n < 0 || (size_t)n >= size - used)
                return AT_NONE;
            used += (size_t)n;
        }
    }
    return at;
}

/* The offset of the first byte of "data" that jansson would not take as
 * UTF-8 (or a NUL byte), "len" when there is none. */
static size_t utf8_bad_offset(const char *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    size_t i = 0;
    while (i < len) {
        int32_t cp;
        int n = p[i] ? utf8_sequence(p + i, len - i, &cp) : 0;
        if (n == 0)
            return i;
        i += (size_t)n;
    }
    return len;
}

/* jansson's error text starts with "prefix". */
static int text_is(const json_error_t *jerr, const char *prefix)
{
    return strncmp(jerr->text, prefix, strlen(prefix)) == 0;
}

/* A JSON syntax error described in words: what is wrong at the place
 * jansson stopped, in zh-CN ("zh") and for the member it concerns when that
 * can be named ("field_zh", "field_en"; NULL when not), after
 * json_error_code() and, among the syntax errors, jansson's text (its
 * wording as of 2.14; an unknown one reads as a generic syntax error).
 * "name_at": where the member must be for the field to be named. */
struct syntax_words {
    const char *zh, *field_zh, *field_en;
    int name_at; /* enum body_at; AT_NONE: never named */
};

static struct syntax_words syntax_words_of(const json_error_t *jerr)
{
    switch (json_error_code(jerr)) {
    case json_error_premature_end_of_input:
        return (struct syntax_words){"内容不完整,在此处意外结束(可能缺少 }、] 或引号)", NULL, NULL,
                                     AT_NONE};
    case json_error_end_of_input_expected:
        return (struct syntax_words){"JSON 对象结束后还有多余的内容", NULL, NULL, AT_NONE};
    case json_error_invalid_utf8:
        return (struct syntax_words){"含有无效的 UTF-8 字节", "不是有效的 UTF-8 编码",
                                     "is not valid UTF-8", AT_VALUE};
    case json_error_null_character:
        return (struct syntax_words){"字符串中不能含有空字符 \\u0000", "不能包含空字符",
                                     "must not contain NUL characters", AT_VALUE};
    case json_error_null_byte_in_key:
        return (struct syntax_words){"键中不能含有空字符 \\u0000", NULL, NULL, AT_NONE};
    case json_error_duplicate_key:
        return (struct syntax_words){"同一对象中有重复的键", "重复出现,每个字段只能给出一次",
                                     "appears twice; give each field once", AT_KEY};
    case json_error_numeric_overflow:
        return (struct syntax_words){"数字超出可表示的范围", "数字超出可表示的范围",
                                     "number out of range", AT_VALUE};
    case json_error_stack_overflow:
        return (struct syntax_words){"嵌套层数过多", NULL, NULL, AT_NONE};
    case json_error_invalid_syntax:
        break;
    default:
        return (struct syntax_words){"不符合 JSON 格式", NULL, NULL, AT_NONE};
    }
    if (text_is(jerr, "invalid escape") || text_is(jerr, "invalid Unicode"))
        return (struct syntax_words){"字符串中的转义序列无效(应为 \\\"、\\\\、\\/、\\b、\\f、\\n、"
                                     "\\r、\\t 或 \\u 加 4 位十六进制数)",
                                     "转义序列无效", "invalid escape sequence", AT_VALUE};
    if (text_is(jerr, "unexpected newline") || text_is(jerr, "control character"))
        return (struct syntax_words){
            "字符串中含有未转义的控制字符(如换行,应写作 \\n)", "含有未转义的控制字符(如换行)",
            "contains an unescaped control character (e.g. a newline)", AT_VALUE};
    if (text_is(jerr, "string or '}' expected"))
        return (struct syntax_words){"此处应为带双引号的键或 }", NULL, NULL, AT_NONE};
    if (text_is(jerr, "':' expected"))
        return (struct syntax_words){"键后面应为冒号 :", NULL, NULL, AT_NONE};
    if (text_is(jerr, "'}' expected"))
        return (struct syntax_words){"此处应为逗号 , 或 }", NULL, NULL, AT_NONE};
    if (text_is(jerr, "']' expected"))
        return (struct syntax_words){"此处应为逗号 , 或 ]", NULL, NULL, AT_NONE};
    if (text_is(jerr, "'[' or '{' expected"))
        return (struct syntax_words){"请求体应为以 { 开始的 JSON 对象", NULL, NULL, AT_NONE};
    if (text_is(jerr, "invalid token"))
        return (struct syntax_words){"无法识别的值(字符串须加双引号,true、false、null 须小写)",
                                     NULL, NULL, AT_NONE};
    return (struct syntax_words){"此处的符号不符合 JSON 语法", NULL, NULL, AT_NONE};
}

json_t *json_body_parse(const char *data, size_t len, struct ep_error *err)
{
    char path[sizeof err->fields[0].field];
    if (len == 0) {
        ep_error_set(err, EP_EINVAL, "请求体为空,需要 JSON 对象",
                     "empty body, a JSON object is required");
        return NULL;
    }
    if (!utf8_valid(data, len)) {
        ep_error_set(err, EP_EINVAL, "请求体不是有效的 UTF-8 编码", "body is not valid UTF-8");
        if (body_path_at(data, utf8_bad_offset(data, len), path, sizeof path) == AT_VALUE)
            ep_error_field(err, path, "不是有效的 UTF-8 编码", "is not valid UTF-8");
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        struct syntax_words words = syntax_words_of(&jerr);
        ep_error_set(err, EP_EINVAL, "JSON 格式错误(第 %d 行第 %d 列):%s%.0s",
                     "malformed JSON (line %d, column %d): %.0s%s", jerr.line, jerr.column,
                     words.zh, jerr.text);
        size_t at = jerr.position > 0 && (size_t)jerr.position <= len ? (size_t)jerr.position : 0;
        if (words.field_zh && at && body_path_at(data, at, path, sizeof path) == words.name_at)
            ep_error_field(err, path, "%s%.0s", "%.0s%s", words.field_zh, words.field_en);
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
        else if (f->required == JF_REQUIRED && len == 0)
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
            if (f->required == JF_REQUIRED)
                ep_error_field(err, f->name, "必填", "is required");
            continue;
        }
        check_value(v, f, err);
    }
    for (const struct json_field *f = fields; f->name; f++)
        if (f->required == JF_REQUIRED && !json_object_get(obj, f->name))
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
