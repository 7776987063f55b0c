/*
 * sheet.h -- the frame of the spreadsheet imports (`epigrid import orgs`,
 * `members`, `cases`): a CSV file in UTF-8 or GBK (util/csvread.h), a
 * header row naming the columns in Chinese or English, one data row at a
 * time.
 *
 * One transaction for the file; each row is checked and written by the
 * caller's row function in a write of its own (a savepoint: core/write.h), so
 * a bad row leaves nothing.  A bad row is reported on stderr with its line
 * and fields; if any row is bad (without --skip-bad), or with --dry-run,
 * everything is rolled back.  An import may instead run the file in a write
 * of its own (file_write: `import regions|grids` audits the file as a whole)
 * and end it itself (finish).
 */
#ifndef EPIGRID_CLI_SHEET_H
#define EPIGRID_CLI_SHEET_H
#include <stdint.h>

#include "core/audit.h"
#include "core/write.h"
#include "store/store.h"
#include "util/error.h"

#define SHEET_COLUMNS_MAX 16

#define SHEET_ALIASES_MAX 4
#define SHEET_LABEL_MAX   96

struct sheet_column {
    const char *name;                       /* English header (case-insensitive); also
                                               the field name in the row's errors */
    const char *zh;                         /* Chinese header */
    const char *aliases[SHEET_ALIASES_MAX]; /* other spellings (case-insensitive), up to
                                               the first NULL */
    int required;                           /* 1: the header must have it */
};

struct sheet {
    const struct sheet_column *columns;
    int ncolumns;
    /* One data row: v[c] is column c's trimmed value, NULL when empty or
     * absent.  Returns 0 written, 1 bad (e holds its errors: the frame
     * reports them), negative on a fatal error (e set). */
    int (*row)(struct sheet *sh, char **v, long line, struct ep_error *e);
    void (*committed)(struct sheet *sh); /* after the commit (may be NULL): print ids */
    void *ctx;                           /* the caller's */
    const char *what_zh, *what_en;       /* "病例" / "cases", for the summary */
    /* Optional (zero: off): */
    int strict_header; /* 1: a column given twice is a header error, and row
                          errors name the column as the header spells it */
    int file_write;    /* 1: the file's transaction is the write "w" (the rows'
                          writes nest in it); 0: a plain transaction */
    /* More header rules: adds field errors to "err" (may be NULL). */
    void (*header_check)(struct sheet *sh, struct ep_error *err);
    /* The end of a file read without a fatal error, instead of the default
     * summary (may be NULL): rolls back or commits, prints what it has to and
     * returns the CLI status.  "err" is the file's error, for the commit. */
    int (*finish)(struct sheet *sh, const char *path, int encoding, struct ep_error *err);
    /* Set by the frame for the row function: */
    struct store *s;
    struct actor who; /* the CLI operator */
    int lang;
    int skip_bad, dry_run; /* as sheet_import was given them */
    long rows, imported, bad;
    struct write w; /* the file's write, with file_write */
    /* internal */
    int field_of_column[SHEET_COLUMNS_MAX];
    char label[SHEET_COLUMNS_MAX][SHEET_LABEL_MAX]; /* each column's header as written */
    int header_seen;
};

/* Imports "path" into the database "db" (cli_db_path) with the options
 * given.  Returns a CLI status (CLI_OK, CLI_FAIL); prints the summary. */
int sheet_import(struct sheet *sh, const char *path, const char *db, int skip_bad, int dry_run);

/* The options every spreadsheet import takes: --db PATH, --skip-bad,
 * --dry-run, --help (prints "help").  Returns -1 when the import should go
 * on with argv[optind] the kind and argv[optind + 1] the file, else the CLI
 * status to exit with (CLI_OK after --help, CLI_USAGE). */
int sheet_options(int argc, char **argv, const char *help, const char **db, int *skip_bad,
                  int *dry_run);

/* A positive integer column: its value, 0 when empty, -1 when not one. */
int64_t sheet_id(const char *v);

#endif
