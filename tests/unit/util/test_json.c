/*
 * test_json.c -- body parsing and field-table checks, error formatting, dates,
 * pagination by one row more.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bodies_are_checked_field_by_field),
        cmocka_unit_test(range_messages_read_as_words),
        cmocka_unit_test(invalid_utf8_body_is_refused),
        cmocka_unit_test(errors_carry_both_languages),
        cmocka_unit_test(dates_round_trip),
        cmocka_unit_test(arena_and_buf_grow),
        cmocka_unit_test(a_page_with_one_row_more_has_a_cursor_an_exact_one_not),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
