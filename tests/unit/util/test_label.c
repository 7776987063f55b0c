/*
 * test_label.c -- util/label.h: a code's Chinese words, the code an
 * imported word stands for, and what an unknown code or NULL gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/label.h"
#include "util/text.h"

static const struct label statuses[] = {
    {"open", "待整改"}, {"rectified", "已整改待核查"}, {"verified", "已核查销号"}};
static const struct label symptoms[] = {{"fever", "发热"}, {"breathing", "呼吸困难"}};

/* label_find: the entry of a code, NULL for an unknown code, NULL, or an empty table. */
static void find_gives_the_entry_or_null(void **state)
{
    (void)state;
    const struct label *l = label_find(statuses, LABEL_COUNT(statuses), "verified");
    assert_non_null(l);
    assert_ptr_equal(l, &statuses[2]);
    assert_string_equal(l->zh, "已核查销号");
    assert_string_equal(label_find(symptoms, LABEL_COUNT(symptoms), "breathing")->zh, "呼吸困难");
    assert_null(label_find(statuses, LABEL_COUNT(statuses), "closed"));
    assert_null(label_find(statuses, LABEL_COUNT(statuses), "待整改")); /* words are no code */
    assert_null(label_find(statuses, LABEL_COUNT(statuses), ""));
    assert_null(label_find(statuses, LABEL_COUNT(statuses), NULL));
    assert_null(label_find(NULL, 0, "open"));
    assert_null(label_find(statuses, 2, "verified")); /* only the first n are read */
}

/* label_zh: the words, an unknown code as given, "" for NULL: never NULL. */
static void zh_gives_the_words_or_the_code(void **state)
{
    (void)state;
    assert_string_equal(label_zh(statuses, LABEL_COUNT(statuses), "open"), "待整改");
    assert_string_equal(label_zh(statuses, LABEL_COUNT(statuses), "rectified"), "已整改待核查");
    assert_string_equal(label_zh(statuses, LABEL_COUNT(statuses), "closed"), "closed");
    assert_string_equal(label_zh(statuses, LABEL_COUNT(statuses), ""), "");
    assert_string_equal(label_zh(statuses, LABEL_COUNT(statuses), NULL), "");
    assert_string_equal(label_zh(symptoms, LABEL_COUNT(symptoms), "fever"), "发热");
}

/* label_code: a code or its words read back as the code; anything else NULL. */
static void code_reads_the_code_or_the_words(void **state)
{
    (void)state;
    assert_string_equal(label_code(statuses, LABEL_COUNT(statuses), "已核查销号"), "verified");
    assert_string_equal(label_code(statuses, LABEL_COUNT(statuses), "open"), "open");
    assert_null(label_code(statuses, LABEL_COUNT(statuses), "已整改"));
    assert_null(label_code(statuses, LABEL_COUNT(statuses), "发热")); /* another table's */
    assert_string_equal(label_code(symptoms, LABEL_COUNT(symptoms), "发热"), "fever");
    assert_null(label_code(statuses, LABEL_COUNT(statuses), NULL));
}

/* text_list_index: the row of a code in a NULL-terminated list. */
static void list_index_gives_the_row(void **state)
{
    (void)state;
    static const char *const list[] = {"mild", "moderate", "severe", NULL};
    assert_int_equal(text_list_index("mild", list), 0);
    assert_int_equal(text_list_index("severe", list), 2);
    assert_int_equal(text_list_index("critical", list), -1);
    assert_int_equal(text_list_index(NULL, list), -1);
    assert_true(text_in_list("moderate", list));
    assert_false(text_in_list("轻型", list));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(find_gives_the_entry_or_null),
        cmocka_unit_test(zh_gives_the_words_or_the_code),
        cmocka_unit_test(code_reads_the_code_or_the_words),
        cmocka_unit_test(list_index_gives_the_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
