/*
 * test_json.c -- body parsing and field-table checks, error formatting, dates,
 * pagination by one row more.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/timeutil.h"

static const struct json_field line_fields[] = {
    {.name = "item_id", .type = JF_INT, .required = 1, .min = 1, .max = 9e15, .ref = "item"},
    {.name = "note", .type = JF_STRING, .max_len = 3},
    {0},
};

static const struct json_field fields[] = {
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = 5},
    {.name = "born", .type = JF_DATE},
    {.name = "temp", .type = JF_NUMBER, .min = 34, .max = 43},
    {.name = "count", .type = JF_INT},
    {.name = "ids", .type = JF_ARRAY, .elem = JF_INT, .min = 1, .max = 9e15, .max_items = 3},
    {.name = "lines", .type = JF_ARRAY, .max_items = 2, .members = line_fields},
    {.name = "team", .type = JF_OBJECT, .members = line_fields},
    {0},
};

/* Returns the field names of the errors, comma-separated. */
static const char *check(const char *text, char *out)
{
    struct ep_error err;
    ep_error_clear(&err);
    out[0] = '\0';
    json_t *j = json_body_parse(text, strlen(text), &err);
    if (!j)
        return strcpy(out, "PARSE");
    json_object_check(j, fields, &err);
    json_decref(j);
    for (int i = 0; i < err.nfields; i++) {
        strcat(out, err.fields[i].field);
        strcat(out, ",");
    }
    return out;
}

static void bodies_are_checked_field_by_field(void **state)
{
    (void)state;
    static const struct {
        const char *body, *fields;
    } cases[] = {
        {"{\"name\":\"张三\"}", ""},
        {"{\"name\":\"张三\",\"born\":\"1990-02-28\",\"temp\":36.6,\"count\":2}", ""},
        {"{}", "name,"},
        {"{\"name\":null}", "name,"},
        {"{\"name\":\"\"}", "name,"},
        {"{\"name\":\"一二三四五六\"}", "name,"}, /* 6 characters > 5 */
        {"{\"name\":5}", "name,"},
        {"{\"name\":\"a\",\"born\":\"1990-02-30\"}", "born,"},
        {"{\"name\":\"a\",\"temp\":50}", "temp,"},
        {"{\"name\":\"a\",\"count\":1.5}", "count,"},
        {"{\"name\":\"a\",\"extra\":1}", "extra,"},
        {"{\"extra\":1}", "extra,name,"},
        {"{bad", "PARSE"},
        {"[1,2]", "PARSE"},
        {"", "PARSE"},
        {"{\"name\":\"a\",\"name\":\"b\"}", "PARSE"}, /* duplicate keys */
        /* lists of ids: each element, and the length */
        {"{\"name\":\"a\",\"ids\":[1,2,3]}", ""},
        {"{\"name\":\"a\",\"ids\":[1,0,\"x\"]}", "ids[1],ids[2],"},
        {"{\"name\":\"a\",\"ids\":[1,2,3,4]}", "ids,"},
        {"{\"name\":\"a\",\"ids\":5}", "ids,"},
        /* lists of objects and nested objects: their members by path */
        {"{\"name\":\"a\",\"lines\":[{\"item_id\":1},{\"item_id\":2,\"note\":\"ab\"}]}", ""},
        {"{\"name\":\"a\",\"lines\":[{},5]}", "lines[0].item_id,lines[1],"},
        {"{\"name\":\"a\",\"lines\":[{\"item_id\":1,\"note\":\"abcd\",\"x\":1}]}",
         "lines[0].note,lines[0].x,"},
        {"{\"name\":\"a\",\"lines\":[{\"item_id\":1},{\"item_id\":1},{\"item_id\":1}]}", "lines,"},
        {"{\"name\":\"a\",\"team\":{\"item_id\":-1}}", "team.item_id,"},
        {"{\"name\":\"a\",\"team\":[]}", "team,"},
    };
    char out[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(check(cases[i].body, out), cases[i].fields) != 0)
            fail_msg("%s: got %s want %s", cases[i].body, out, cases[i].fields);
}

/* A JF_CORE_REQUIRED member is the core's to report when missing: the check
 * passes it by (absent, null or empty), JF_REQUIRED it names. */
static void core_required_members_are_left_to_the_core(void **state)
{
    (void)state;
    static const struct json_field table[] = {
        {.name = "a", .type = JF_STRING, .required = JF_REQUIRED},
        {.name = "b", .type = JF_STRING, .required = JF_CORE_REQUIRED},
        {0},
    };
    static const char *const bodies[] = {"{}", "{\"b\":null}", "{\"b\":\"\"}"};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        struct ep_error err;
        ep_error_clear(&err);
        json_t *j = json_body_parse(bodies[i], strlen(bodies[i]), &err);
        assert_non_null(j);
        assert_int_equal(json_object_check(j, table, &err), -EP_EINVAL);
        json_decref(j);
        assert_int_equal(err.nfields, 1);
        assert_string_equal(err.fields[0].field, "a");
    }
}

/* Messages name the problem in words: no "9e+15" for an id. */
static void range_messages_read_as_words(void **state)
{
    (void)state;
    struct ep_error err;
    ep_error_clear(&err);
    const char text[] = "{\"name\":\"a\",\"temp\":50,\"ids\":[0],\"lines\":[{\"item_id\":-3}]}";
    json_t *j = json_body_parse(text, sizeof text - 1, &err);
    assert_non_null(j);
    assert_int_equal(json_object_check(j, fields, &err), -EP_EINVAL);
    json_decref(j);
    assert_int_equal(err.nfields, 3);
    assert_string_equal(err.fields[0].field, "temp");
    assert_string_equal(err.fields[0].msg[0], "应在 34 到 43 之间");
    assert_string_equal(err.fields[1].field, "ids[0]");
    assert_string_equal(err.fields[1].msg[0], "应为正整数");
    assert_string_equal(err.fields[1].msg[1], "must be a positive integer");
    assert_string_equal(err.fields[2].field, "lines[0].item_id");
    assert_string_equal(err.fields[2].msg[0], "应为正整数");
}

static void invalid_utf8_body_is_refused(void **state)
{
    (void)state;
    struct ep_error err;
    ep_error_clear(&err);
    const char body[] = "{\"name\":\"\xff\"}";
    assert_null(json_body_parse(body, sizeof body - 1, &err));
    assert_int_equal(err.code, EP_EINVAL);
    assert_non_null(strstr(ep_error_message(&err, EP_LANG_EN), "UTF-8"));
    /* the member whose value holds the bad bytes is named */
    assert_string_equal(err.msg[EP_LANG_ZH], "请求体不是有效的 UTF-8 编码");
    assert_int_equal(err.nfields, 1);
    assert_string_equal(err.fields[0].field, "name");
    assert_string_equal(err.fields[0].msg[EP_LANG_ZH], "不是有效的 UTF-8 编码");
    assert_string_equal(err.fields[0].msg[EP_LANG_EN], "is not valid UTF-8");
    ep_error_clear(&err);
    const char nested[] = "{\"a\":1,\"lines\":[{\"x\":2},{\"note\":\"\xc3\xa9\xc3\"}]}";
    assert_null(json_body_parse(nested, sizeof nested - 1, &err));
    assert_int_equal(err.nfields, 1);
    assert_string_equal(err.fields[0].field, "lines[1].note");
    /* in a key or outside any member: the message alone */
    static const char *const unnamed[] = {"{\"na\xffme\":1}", "\xff{}", "{\"a\":1}\xff",
                                          "{\"a\":1, \xff"};
    for (size_t i = 0; i < sizeof unnamed / sizeof unnamed[0]; i++) {
        ep_error_clear(&err);
        assert_null(json_body_parse(unnamed[i], strlen(unnamed[i]), &err));
        assert_int_equal(err.code, EP_EINVAL);
        assert_int_equal(err.nfields, 0);
    }
}

/* 1 if "s" holds a word of ASCII letters other than JSON's own (JSON,
 * true, false, null). */
static int english_word(const char *s)
{
    static const char *const own[] = {"JSON", "true", "false", "null"};
    for (const char *p = s; *p;) {
        size_t n = 0;
        while (isalpha((unsigned char)p[n]))
            n++;
        int ok = n < 2;
        for (size_t i = 0; !ok && i < sizeof own / sizeof own[0]; i++)
            ok = strlen(own[i]) == n && strncmp(p, own[i], n) == 0;
        if (!ok)
            return 1;
        p += n ? n : 1;
    }
    return 0;
}

/* A JSON syntax error reads in the user's language: the zh-CN message says
 * in words what is wrong where (line and column kept), the English one keeps
 * jansson's text; where the member at fault can be named it is a field
 * error.  One row per error class. */
static void syntax_errors_read_in_both_languages(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        const char *zh;             /* the whole zh-CN message */
        const char *en;             /* the whole English message */
        const char *field, *msg_zh; /* the one field error, or NULL for none */
    } cases[] = {
        {"{\"name\":\"a\",",
         "JSON 格式错误(第 1 行第 12 列):内容不完整,在此处意外结束(可能缺少 }、] 或引号)",
         "malformed JSON (line 1, column 12): string or '}' expected near end of file", NULL, NULL},
        {"{\"name\":\"a\"",
         "JSON 格式错误(第 1 行第 11 列):内容不完整,在此处意外结束(可能缺少 }、] 或引号)",
         "malformed JSON (line 1, column 11): '}' expected near end of file", NULL, NULL},
        {"{bad", "JSON 格式错误(第 1 行第 4 列):此处应为带双引号的键或 }",
         "malformed JSON (line 1, column 4): string or '}' expected near 'bad'", NULL, NULL},
        {"{\"a\":1 \"b\":2}", "JSON 格式错误(第 1 行第 10 列):此处应为逗号 , 或 }",
         "malformed JSON (line 1, column 10): '}' expected near '\"b\"'", NULL, NULL},
        {"{\"a\" 1}", "JSON 格式错误(第 1 行第 6 列):键后面应为冒号 :",
         "malformed JSON (line 1, column 6): ':' expected near '1'", NULL, NULL},
        {"{\"a\":tru}",
         "JSON 格式错误(第 1 行第 8 列):无法识别的值(字符串须加双引号,true、false、null 须小写)",
         "malformed JSON (line 1, column 8): invalid token near 'tru'", NULL, NULL},
        {"{\"a\":1}x", "JSON 格式错误(第 1 行第 8 列):JSON 对象结束后还有多余的内容",
         "malformed JSON (line 1, column 8): end of file expected near 'x'", NULL, NULL},
        /* the member is named: an escape, a control character, a number, NUL, a key twice */
        {"{\"name\":\"\\x\"}",
         "JSON 格式错误(第 1 行第 11 列):字符串中的转义序列无效(应为 "
         "\\\"、\\\\、\\/、\\b、\\f、\\n、\\r、\\t 或 \\u 加 4 位十六进制数)",
         "malformed JSON (line 1, column 11): invalid escape near '\"\\x'", "name", "转义序列无效"},
        {"{\"team\":{\"note\":\"\\ud800\"}}", NULL,
         "malformed JSON (line 1, column 24): invalid Unicode '\\uD800' near '\"\\ud800\"'",
         "team.note", "转义序列无效"},
        {"{\"name\":\"a\nb\"}",
         "JSON 格式错误(第 1 行第 10 列):字符串中含有未转义的控制字符(如换行,应写作 \\n)",
         "malformed JSON (line 1, column 10): unexpected newline near '\"a'", "name",
         "含有未转义的控制字符(如换行)"},
        {"{\"ids\":[1,99999999999999999999]}",
         "JSON 格式错误(第 1 行第 30 列):数字超出可表示的范围",
         "malformed JSON (line 1, column 30): too big integer near '99999999999999999999'",
         "ids[1]", "数字超出可表示的范围"},
        {"{\"lines\":[{\"note\":\"a\\u0000\"}]}",
         "JSON 格式错误(第 1 行第 27 列):字符串中不能含有空字符 \\u0000",
         "malformed JSON (line 1, column 27): \\u0000 is not allowed without JSON_ALLOW_NUL near "
         "'\"a\\u0000\"'",
         "lines[0].note", "不能包含空字符"},
        {"{\"name\":\"a\",\n \"name\":\"b\"}", "JSON 格式错误(第 2 行第 7 列):同一对象中有重复的键",
         "malformed JSON (line 2, column 7): duplicate object key near '\"name\"'", "name",
         "重复出现,每个字段只能给出一次"},
        {"{\"team\":{\"n\\u00e9\":1,\"n\\u00e9\":2}}", NULL, NULL, "team.né",
         "重复出现,每个字段只能给出一次"},
        /* not named: inside a key, a key too long, between members */
        {"{\"na\\xme\":1}", NULL, NULL, NULL, NULL},
        {"{\"a\":1,\"k0123456789012345678901234567890123456789012345678901\":1,"
         "\"k0123456789012345678901234567890123456789012345678901\":2}",
         NULL, "malformed JSON (line 1, column 120): duplicate object key", NULL, NULL},
        {"{\"a\":{\"x\":1}, \"a\":2}", NULL, NULL, "a", "重复出现,每个字段只能给出一次"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ep_error err;
        ep_error_clear(&err);
        json_t *j = json_body_parse(cases[i].body, strlen(cases[i].body), &err);
        if (j)
            fail_msg("%s: parsed", cases[i].body);
        assert_int_equal(err.code, EP_EINVAL);
        if (cases[i].zh)
            assert_string_equal(err.msg[EP_LANG_ZH], cases[i].zh);
        if (cases[i].en)
            assert_string_equal(err.msg[EP_LANG_EN], cases[i].en);
        if (english_word(err.msg[EP_LANG_ZH]))
            fail_msg("%s: English in the zh-CN message: %s", cases[i].body, err.msg[EP_LANG_ZH]);
        assert_int_equal(err.nfields, cases[i].field ? 1 : 0);
        if (cases[i].field) {
            assert_string_equal(err.fields[0].field, cases[i].field);
            assert_string_equal(err.fields[0].msg[EP_LANG_ZH], cases[i].msg_zh);
            assert_false(english_word(err.fields[0].msg[EP_LANG_ZH]));
            assert_non_null(strstr(err.msg[EP_LANG_ZH], "JSON 格式错误(第 "));
        }
    }
}

static void errors_carry_both_languages(void **state)
{
    (void)state;
    struct ep_error err;
    ep_error_clear(&err);
    assert_int_equal(ep_error_set(&err, EP_ENOTFOUND, "地区 %s 不存在", "region %s not found", "9"),
                     -EP_ENOTFOUND);
    assert_string_equal(ep_error_message(&err, EP_LANG_ZH), "地区 9 不存在");
    assert_string_equal(ep_error_message(&err, EP_LANG_EN), "region 9 not found");
    assert_int_equal(ep_code_http_status(err.code), 404);
    assert_string_equal(ep_code_name(EP_ECONFLICT), "conflict");
    for (int i = 0; i < EP_ERROR_FIELDS_MAX + 3; i++)
        ep_error_field(&err, "f", "错", "bad");
    assert_int_equal(err.nfields, EP_ERROR_FIELDS_MAX);
    assert_int_equal(err.fields_dropped, 3);
}

static void dates_round_trip(void **state)
{
    (void)state;
    int64_t d;
    assert_int_equal(time_date_parse("2020-01-23", &d), 0); /* 武汉封城 */
    char out[11];
    time_date_format(d + 14, out);
    assert_string_equal(out, "2020-02-06");
    assert_int_equal(time_date_parse("2000-02-29", NULL), 0);
    assert_int_equal(time_date_parse("1900-02-29", NULL), -1);
    assert_int_equal(time_date_parse("2020-1-23", NULL), -1);
    assert_int_equal(time_date_parse("2020-13-01", NULL), -1);
    char iso[32];
    time_iso_from_unix(0, iso);
    assert_string_equal(iso, "1970-01-01T08:00:00+08:00");
}

static void arena_and_buf_grow(void **state)
{
    (void)state;
    struct arena a;
    arena_init(&a);
    char *first = arena_sprintf(&a, "item-%d", 0);
    char *items[1000];
    for (int i = 0; i < 1000; i++)
        items[i] = arena_sprintf(&a, "item-%d", i);
    for (int i = 0; i < 1000; i++) { /* earlier allocations survive later blocks */
        char want[16];
        snprintf(want, sizeof want, "item-%d", i);
        assert_string_equal(items[i], want);
    }
    assert_string_equal(first, "item-0");
    char *big = arena_alloc(&a, 100000);
    memset(big, 1, 100000);
    arena_cleanup(&a);
    struct buf b;
    buf_init(&b);
    for (int i = 0; i < 10000; i++)
        buf_appendf(&b, "%d,", i);
    assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
    assert_int_equal(b.data[b.len], '\0');
    buf_cleanup(&b);
}

/* n items {"id": 10 + i, "grid_code": "G<i>"}. */
static json_t *rows(int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:i, s:s}", "id", 10 + i, "grid_code",
                                           i % 2 ? "431122101201002" : "431122101201001"));
    return a;
}

static void a_page_with_one_row_more_has_a_cursor_an_exact_one_not(void **state)
{
    (void)state;
    json_t *a = rows(3); /* exactly the limit: the last page */
    assert_null(json_page_trim(a, 3));
    assert_int_equal(json_array_size(a), 3);
    json_t *c = json_page_cursor_id(a, 3);
    assert_true(json_is_null(c));
    json_decref(c);
    json_decref(a);
    a = rows(2); /* short */
    assert_null(json_page_trim(a, 3));
    json_decref(a);
    a = rows(4); /* one more: trimmed, the cursor from the third */
    json_t *last = json_page_trim(a, 3);
    assert_non_null(last);
    assert_int_equal(json_array_size(a), 3);
    assert_int_equal(json_integer_value(json_object_get(last, "id")), 12);
    json_decref(a);
    a = rows(4);
    c = json_page_cursor_id(a, 3);
    assert_string_equal(json_string_value(c), "12");
    json_decref(c);
    json_decref(a);
    a = rows(5); /* several more (a caller asking for more rows) are trimmed too */
    c = json_page_cursor_grid_id(a, 2);
    assert_int_equal(json_array_size(a), 2);
    assert_string_equal(json_string_value(c), "431122101201002:11");
    json_decref(c);
    assert_null(json_page_trim(a, 0)); /* no page size: nothing to page */
    assert_int_equal(json_array_size(a), 2);
    json_decref(a);
}

/* ---- json_dump_compact against json_dumps -------------------------------- */

static uint64_t dump_rng = 0x2545f4914f6cdd1dULL;
static uint32_t dump_rnd(uint32_t n)
{
    dump_rng ^= dump_rng << 13, dump_rng ^= dump_rng >> 7, dump_rng ^= dump_rng << 17;
    return (uint32_t)(dump_rng >> 11) % n;
}

/* Random text: ASCII, quotes, backslashes, control characters, NUL, CJK,
 * emoji, and (when "bad" is set) now and then a byte that is not UTF-8. */
static size_t random_text(char *out, size_t max, int bad)
{
    static const char *const pieces[] = {"a",
                                         "Z",
                                         "9",
                                         " ",
                                         "\"",
                                         "\\",
                                         "/",
                                         "\n",
                                         "\t",
                                         "\r",
                                         "\b",
                                         "\f",
                                         "\x01",
                                         "\x1f",
                                         "\x7f",
                                         "{",
                                         "住户",
                                         "℃",
                                         "\xf0\x9f\x98\x80",
                                         "é",
                                         "\0"};
    static const char *const broken[] = {"\xc0\xaf", "\xed\xa0\x80",     "\xff",        "\xe4\xbd",
                                         "\x80",     "\xf4\x90\x80\x80", "\xe0\x80\xaf"};
    size_t n = 0, parts = dump_rnd(12);
    for (size_t i = 0; i < parts; i++) {
        const char *p = bad && dump_rnd(8) == 0 ? broken[dump_rnd(7)] : pieces[dump_rnd(21)];
        size_t len = *p ? strlen(p) : 1;
        if (n + len > max)
            break;
        memcpy(out + n, p, len);
        n += len;
    }
    return n;
}

static json_t *random_value(int depth, int bad)
{
    char text[64];
    size_t n;
    static const double reals[] = {36.5, 37.3, 0.1, -0.0, 1e300, 1e-7, 123456789.125, -2.5, 1e17};
    switch (depth > 3 ? dump_rnd(6) : dump_rnd(8)) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(dump_rnd(2));
    case 2: {
        static const json_int_t ints[] = {0, -1, 7, INT64_MAX, INT64_MIN, 1000000007};
        return json_integer(dump_rnd(2) ? ints[dump_rnd(6)]
                                        : (json_int_t)dump_rnd(1u << 30) - (1 << 29));
    }
    case 3:
        return json_real(dump_rnd(2) ? reals[dump_rnd(9)] : dump_rnd(1000000) / 997.0);
    case 4:
    case 5:
        n = random_text(text, sizeof text, bad);
        return json_stringn_nocheck(text, n);
    case 6: {
        json_t *a = json_array();
        for (uint32_t i = dump_rnd(4); i > 0; i--)
            json_array_append_new(a, random_value(depth + 1, bad));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (uint32_t i = dump_rnd(5); i > 0; i--) {
            n = random_text(text, sizeof text - 1, bad && dump_rnd(4) == 0);
            json_object_setn_new_nocheck(o, text, n, random_value(depth + 1, bad));
        }
        return o;
    }
    }
}

/* "got" is "want", NULL where it is NULL; frees both. */
static void assert_same_text(char *want, char *got)
{
    if (!want) {
        assert_null(got);
    } else {
        assert_non_null(got);
        assert_string_equal(got, want);
    }
    free(want);
    free(got);
}

static void assert_dumps_alike(const json_t *j)
{
    assert_same_text(json_dumps(j, JSON_COMPACT), json_dump_compact(j));
}

/* The same text as json_dumps(JSON_COMPACT), or NULL where it gives NULL. */
static void compact_dump_is_jansson_s(void **state)
{
    (void)state;
    int nulls = 0;
    for (int i = 0; i < 20000; i++) {
        json_t *j = dump_rnd(2) ? json_object() : json_array();
        int bad = i % 4 == 0;
        for (uint32_t k = dump_rnd(6); k > 0; k--) {
            json_t *v = random_value(1, bad);
            if (json_is_object(j)) {
                char key[16];
                snprintf(key, sizeof key, "k%u", k);
                json_object_set_new(j, key, v);
            } else {
                json_array_append_new(j, v);
            }
        }
        char *want = json_dumps(j, JSON_COMPACT);
        nulls += want == NULL;
        free(want);
        assert_dumps_alike(j);
        json_decref(j);
    }
    assert_true(nulls > 100); /* invalid UTF-8 was met, and refused alike */
    /* Scalars, as json_dumps without JSON_ENCODE_ANY: NULL. */
    json_t *s = json_string("x");
    assert_null(json_dump_compact(s));
    json_decref(s);
    /* Deeper than its own limit: jansson's dump, the same text. */
    json_t *deep = json_array(), *at = deep;
    for (int i = 0; i < 200; i++) {
        json_t *next = i % 2 ? json_array() : json_object();
        if (json_is_array(at))
            json_array_append_new(at, next);
        else
            json_object_set_new(at, "d", next);
        at = next;
    }
    assert_dumps_alike(deep);
    /* A cycle (jansson refuses an array in itself, not one further down):
     * NULL, as json_dumps. */
    json_t *loop = json_array(), *inner = json_object();
    json_array_append_new(loop, inner);
    assert_int_equal(json_object_set(inner, "up", loop), 0);
    assert_null(json_dumps(loop, JSON_COMPACT));
    assert_null(json_dump_compact(loop));
    json_object_clear(inner);
    json_decref(loop);
    json_decref(deep);
    /* A key that is not UTF-8 (json_object_setn_nocheck): jansson writes what
     * it had of the key and goes on; so does json_dump_compact. */
    json_t *o = json_object();
    json_object_setn_new_nocheck(o,
                                 "a\nb\xff"
                                 "cd",
                                 6, json_integer(1));
    json_object_set_new(o, "z", json_true());
    char *text = json_dump_compact(o);
    assert_string_equal(text, "{\"a\\n:1,\"z\":true}");
    free(text);
    assert_dumps_alike(o);
    json_decref(o);
}

/* Reals: jansson's "%.17g" with ".0" added and the exponent trimmed, for
 * every kind of double (random bit patterns, NaN and infinities aside, which
 * json_real refuses), in arrays of up to four. */
static void compact_dump_reals_are_jansson_s(void **state)
{
    (void)state;
    static const double fixed[] = {0.0,
                                   -0.0,
                                   1.0,
                                   -1.0,
                                   5.0,
                                   36.5,
                                   37.3,
                                   0.1,
                                   1e15,
                                   1e16,
                                   1e17,
                                   1e21,
                                   1e22,
                                   1e-5,
                                   1e-7,
                                   1e300,
                                   -1e-300,
                                   4.9e-324,
                                   2.2250738585072014e-308,
                                   1.7976931348623157e308,
                                   123456789.125,
                                   100.0};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        json_t *a = json_array();
        json_array_append_new(a, json_real(fixed[i]));
        assert_dumps_alike(a);
        json_decref(a);
    }
    for (int i = 0; i < 50000; i++) {
        json_t *a = json_array();
        for (uint32_t k = 1 + dump_rnd(4); k > 0; k--) {
            uint64_t bits = (uint64_t)dump_rnd(1u << 31) << 33 ^ (uint64_t)dump_rnd(1u << 31) << 2 ^
                            dump_rnd(4);
            double v;
            if (i % 2) /* small exponents too: decimals with few digits, tenths of a degree */
                v = (double)(int32_t)dump_rnd(1u << 31) / (double)(1 + dump_rnd(1000));
            else
                memcpy(&v, &bits, sizeof v);
            if (v != v || v - v != 0) /* NaN, infinity */
                v = 0.5;
            json_array_append_new(a, json_real(v));
        }
        assert_dumps_alike(a);
        json_decref(a);
    }
}

static void assert_flags_alike(const json_t *j, size_t flags)
{
    assert_same_text(json_dumps(j, flags), json_dump_flags(j, flags));
}

/* An object with random keys -- NUL, quotes, CJK, bytes that are not UTF-8,
 * keys that are prefixes of each other -- and random values. */
static json_t *random_object(int bad)
{
    json_t *o = json_object();
    for (uint32_t i = dump_rnd(9); i > 0; i--) {
        char key[64];
        size_t n = random_text(key, sizeof key - 2, bad && dump_rnd(3) == 0);
        if (dump_rnd(3) == 0) { /* "ab" beside "ab\xff" and "a" */
            memcpy(key, "ab", 2);
            n = 2 + dump_rnd(2);
            key[2] = (char)(dump_rnd(2) ? 0xff : 0x00);
        }
        json_object_setn_new_nocheck(o, key, n, random_value(1, bad));
    }
    if (dump_rnd(2))
        json_object_set_new(o, "client_uuid", json_string("3f0c6d2e-8b7a-4c1e-9d2f-0a1b2c3d4e5f"));
    return o;
}

/* json_dump_flags: the text of json_dumps with the same flags -- sorted keys
 * in jansson's byte order, reals at each precision, scalars with
 * JSON_ENCODE_ANY -- and flags it does not write itself go to jansson. */
static void flagged_dump_is_jansson_s(void **state)
{
    (void)state;
    static const size_t flags[] = {
        JSON_COMPACT | JSON_SORT_KEYS,
        JSON_COMPACT | JSON_REAL_PRECISION(15),
        JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY,
        JSON_COMPACT | JSON_REAL_PRECISION(1) | JSON_SORT_KEYS,
        JSON_COMPACT | JSON_REAL_PRECISION(31),
        JSON_COMPACT | JSON_ENCODE_ANY,
        JSON_INDENT(2) | JSON_SORT_KEYS,
        JSON_COMPACT | JSON_ENSURE_ASCII,
        0,
    };
    int sorted_differs = 0;
    for (int i = 0; i < 20000; i++) {
        json_t *j = i % 5 == 0 ? random_value(1, i % 4 == 0) : random_object(i % 4 == 0);
        for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++)
            assert_flags_alike(j, flags[f]);
        char *a = json_dump_flags(j, JSON_COMPACT),
             *b = json_dump_flags(j, JSON_COMPACT | JSON_SORT_KEYS);
        sorted_differs += a && b && strcmp(a, b) != 0;
        free(a);
        free(b);
        json_decref(j);
    }
    assert_true(sorted_differs > 1000); /* the sort did reorder keys */
    json_t *r = json_real(37.299999999999997);
    char *text = json_dump_flags(r, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15));
    assert_string_equal(text, "37.3");
    free(text);
    json_decref(r);
}

/* json_dump_canonical: json_dumps(SORT_KEYS | COMPACT | ENCODE_ANY) of a copy
 * without the outermost "client_uuid"; one further down stays. */
static void canonical_dump_omits_the_top_key_only(void **state)
{
    (void)state;
    for (int i = 0; i < 10000; i++) {
        json_t *j = i % 7 == 0 ? random_value(1, 0) : random_object(i % 4 == 0);
        /* json_copy() would cut keys at a NUL: copy by length. */
        json_t *copy = json_is_object(j) ? json_object() : json_incref(j);
        if (json_is_object(j))
            for (void *it = json_object_iter(j); it; it = json_object_iter_next(j, it))
                if (strcmp(json_object_iter_key(it), "client_uuid") != 0 ||
                    json_object_iter_key_len(it) != 11)
                    json_object_setn_nocheck(copy, json_object_iter_key(it),
                                             json_object_iter_key_len(it),
                                             json_object_iter_value(it));
        assert_same_text(json_dumps(copy, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY),
                         json_dump_canonical(j, "client_uuid"));
        json_decref(copy);
        json_decref(j);
    }
    json_t *o =
        json_pack("{s:s,s:{s:s},s:i}", "client_uuid", "u", "inner", "client_uuid", "v", "a", 1);
    char *text = json_dump_canonical(o, "client_uuid");
    assert_string_equal(text, "{\"a\":1,\"inner\":{\"client_uuid\":\"v\"}}");
    free(text);
    /* Deeper than the dump's own limit: jansson's text, the key still left out. */
    json_t *at = o;
    for (int d = 0; d < 100; d++) {
        json_t *next = json_object();
        json_object_set_new(at, "d", next);
        at = next;
    }
    text = json_dump_canonical(o, "client_uuid");
    assert_non_null(text);
    assert_null(strstr(text, "\"u\""));
    assert_non_null(strstr(text, "\"inner\":{\"client_uuid\":\"v\"}"));
    free(text);
    json_decref(o);
    assert_null(json_dump_canonical(NULL, "client_uuid"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bodies_are_checked_field_by_field),
        cmocka_unit_test(range_messages_read_as_words),
        cmocka_unit_test(core_required_members_are_left_to_the_core),
        cmocka_unit_test(invalid_utf8_body_is_refused),
        cmocka_unit_test(syntax_errors_read_in_both_languages),
        cmocka_unit_test(errors_carry_both_languages),
        cmocka_unit_test(dates_round_trip),
        cmocka_unit_test(arena_and_buf_grow),
        cmocka_unit_test(a_page_with_one_row_more_has_a_cursor_an_exact_one_not),
        cmocka_unit_test(compact_dump_is_jansson_s),
        cmocka_unit_test(compact_dump_reals_are_jansson_s),
        cmocka_unit_test(flagged_dump_is_jansson_s),
        cmocka_unit_test(canonical_dump_omits_the_top_key_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
