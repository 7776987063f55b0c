/*
 * label.c -- a code's words and back (see label.h).
 */
#include "util/label.h"

#include <string.h>

const struct label *label_find(const struct label *table, size_t n, const char *code)
{
    for (size_t i = 0; code && i < n; i++)
        if (strcmp(code, table[i].code) == 0)
            return &table[i];
    return NULL;
}

const char *label_zh(const struct label *table, size_t n, const char *code)
{
    const struct label *l = label_find(table, n, code);
    return l ? l->zh : code ? code : "";
}

const char *label_code(const struct label *table, size_t n, const char *text)
{
    for (size_t i = 0; text && i < n; i++)
        if (strcmp(text, table[i].code) == 0 || strcmp(text, table[i].zh) == 0)
            return table[i].code;
    return NULL;
}
