/*
 * text.h -- the checks of a free text a user typed (a name, an address, a
 * note, a directive's body): one rule for every module.
 */
#ifndef EPIGRID_UTIL_TEXT_H
#define EPIGRID_UTIL_TEXT_H
#include <stddef.h>

#include "util/error.h"

enum text_flags {
    TEXT_REQUIRED = 1,  /* absent, empty or only blanks is an error */
    TEXT_MULTILINE = 2, /* line breaks and tabs are allowed */
};

/* Checks "text" for the field "field": present when TEXT_REQUIRED, valid
 * UTF-8, at most "chars" characters, no control characters (but line breaks
 * and tabs with TEXT_MULTILINE).  Adds at most one field error, in both
 * languages; returns 0 when the text is good (or absent and optional),
 * -EP_EINVAL otherwise. */
int text_check(const char *text, const char *field, int chars, int flags, struct ep_error *err);

/* Writes to "out" (room for "size" bytes) the LIKE pattern that finds
 * "text" anywhere in a column: "%text%", with LIKE's own characters (% _ \)
 * escaped by a backslash, so the statement says ESCAPE '\\'.  Returns 0, or
 * -1 (out left empty) when the pattern would not fit. */
int text_like_pattern(const char *text, char *out, size_t size);

/* "text" unless it is NULL or empty, else "otherwise" ("" when that is NULL
 * too): a label where one exists, the code it labels where none does, so
 * that nothing shown to people is empty. */
const char *text_or(const char *text, const char *otherwise);

/* 1 if "text" is one of "list" (NULL-terminated), 0 otherwise or when it is NULL. */
int text_in_list(const char *text, const char *const *list);

/* The index of "text" in "list" (NULL-terminated), -1 when it is not there
 * or NULL: the row of a table kept beside the list (its names). */
int text_list_index(const char *text, const char *const *list);

#endif
