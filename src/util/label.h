/*
 * label.h -- the words people read for a stored code (a status, a kind, a
 * reason): one lookup for every module's table (domain-free).
 *
 * Codes are what the database stores and the JSON carries ("active",
 * "transfer_out"); a label is what a page, a message or a spreadsheet shows
 * a Chinese reader ("观察中", "调出").  Each module keeps its own table of
 * struct label beside the codes it defines and answers through these
 * functions.  English messages and exports name the code itself, so a label
 * has no English words.
 *
 * Ownership: tables are static and borrowed; every string returned is the
 * table's own or the code passed in, never allocated.
 */
#ifndef EPIGRID_UTIL_LABEL_H
#define EPIGRID_UTIL_LABEL_H
#include <stddef.h>

struct label {
    const char *code; /* the stored code ("active") */
    const char *zh;   /* what a Chinese reader is shown ("观察中"); never empty */
};

/* The number of entries of a table that is an array (not a pointer). */
#define LABEL_COUNT(table) (sizeof(table) / sizeof((table)[0]))

/* The entry of "table" ("n" entries) whose code is "code"; NULL when
 * "code" is NULL or in no entry. */
const struct label *label_find(const struct label *table, size_t n, const char *code);

/* The Chinese words for "code" in "table": an unknown code as given (a
 * label is never empty, so nothing shown to people is), "" for NULL. */
const char *label_zh(const struct label *table, size_t n, const char *code);

/* The code that "text" names in "table", where "text" is a code or the
 * Chinese words of one (what a spreadsheet brings back); NULL when it is
 * neither or NULL. */
const char *label_code(const struct label *table, size_t n, const char *text);

#endif
