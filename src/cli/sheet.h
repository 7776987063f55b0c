/*
 * sheet.h -- the frame of the spreadsheet imports (`epigrid import orgs`,
 * `members`, `cases`, `regions`, `grids`, `teams`, `activities`): a CSV file
 * in UTF-8 or GBK (util/csvread.h), a header row naming the columns in
 * Chinese or English, one data row at a time.
 *
 * One transaction for the file; each row is checked and written by the
 * caller's row function in a write of its own (a savepoint: core/write.h), so
 * a bad row leaves nothing.  A bad row is reported on stderr with its line
 * and fields; if any row is bad (without --skip-bad), or with --dry-run,
 * everything is rolled back.  An import may instead run the file in a write
 * of its own (file_write: `import regions|grids` audits the file as a whole)
 * and end it itself (finish).
 *
 * Ids (idmap.h): each record made is told to the frame (sheet_made), which
 * prints the range of new ids after the commit and, with --map FILE, writes
 * "row key -> new id"; with --ids FILE, the columns naming records of a
 * map's kind (sheet_column.ref) are translated through it before the row
 * function sees them.
 */
#ifndef EPIGRID_CLI_SHEET_H
#define EPIGRID_CLI_SHEET_H
#include <stdint.h>

#include "cli/idmap.h"
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
    const char *ref; /* the kind of id it names ("党组织ID"): --ids may translate it */
    int key;         /* 1: the row's own id or reference (an export's id column, the
                        user's 编号): the key of --map; the first such column present */
};

/* What every spreadsheet import takes on its command line. */
struct sheet_options {
    const char *db;        /* --db */
    int skip_bad, dry_run; /* --skip-bad, --dry-run */
    const char *map;       /* --map FILE: "row key -> new id" after the commit */
    const char *ids;       /* --ids FILE[,FILE]: mapping files translating references */
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
    const char *id_kind; /* the id a record gets ("病例编号", "网格编码"), for --map */
    /* Optional (zero: off): */
    int strict_header; /* 1: a column given twice is a header error, and row
                          errors name the column as the header spells it */
    int file_write;    /* 1: the file's transaction is the write "w" (the rows'
                          writes nest in it); 0: a plain transaction */
    /* More header rules: adds field errors to "err" (may be NULL). */
    void (*header_check)(struct sheet *sh, struct ep_error *err);
    /* After the last row (may be NULL): rows kept back (a team's members)
     * are written.  Returns 0, or negative on a fatal error ("err" set). */
    int (*end)(struct sheet *sh, struct ep_error *err);
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
    int key_column; /* the column of the rows' keys (sheet_column.key), -1: the line */
    /* internal */
    int field_of_column[SHEET_COLUMNS_MAX];
    char label[SHEET_COLUMNS_MAX][SHEET_LABEL_MAX]; /* each column's header as written */
    int header_seen;
    struct idmap *ref_map[SHEET_COLUMNS_MAX]; /* the --ids map of each column, or NULL */
    struct idmaps ids;
    struct idmap_out map;
    int64_t id_first, id_last;                                    /* range of the ids made ... */
    char code_first[SHEET_LABEL_MAX], code_last[SHEET_LABEL_MAX]; /* ... or of the codes */
};

/* Imports "path" into the database "o->db" (cli_db_path) with the options
 * given.  Returns a CLI status (CLI_OK, CLI_FAIL); prints the summary. */
int sheet_import(struct sheet *sh, const char *path, const struct sheet_options *o);

/* The options every spreadsheet import takes: --db PATH, --skip-bad,
 * --dry-run, --map FILE, --ids FILE, --help (prints "help").  Returns -1
 * when the import should go on with argv[optind] the kind and
 * argv[optind + 1] the file, else the CLI status to exit with (CLI_OK after
 * --help, CLI_USAGE).  "skip_bad": 0 when the import does not take
 * --skip-bad. */
int sheet_options(int argc, char **argv, const char *help, int skip_bad, struct sheet_options *o);

/* The key of the row whose values are "v" (its key column's value), NULL
 * when the rows are keyed by their line. */
const char *sheet_key(const struct sheet *sh, char **v);

/* A row (or the rows of one record, from "line") made record "id" -- or the
 * region "code" when not NULL: counted, its id in the range printed after
 * the commit, and with --map the line "key,id" ("key" NULL: the line). */
void sheet_made(struct sheet *sh, const char *key, long line, int64_t id, const char *code);

/* Reports the problems "e" of "line" on stderr and counts a bad row (for
 * problems found after the row function returned: a team's, at its end). */
void sheet_bad(struct sheet *sh, long line, const struct ep_error *e);

struct person;
/* The registered person of ID number "id_number" (as typed: a lower-case x
 * is upper-cased) in the operator's scope: 1 with "out" filled, 0 when none,
 * negative on a database error ("e" set). */
int sheet_person(struct sheet *sh, const char *id_number, struct person *out, struct ep_error *e);

/* A positive integer column: its value, 0 when empty, -1 when not one. */
int64_t sheet_id(const char *v);

#endif
