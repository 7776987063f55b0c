/*
 * cli.h -- subcommands of the epigrid binary and what they share.
 *
 * Every subcommand takes its own arguments (argv[0] is the subcommand name),
 * accepts --help, and returns the process exit status: 0 success, 1 failure,
 * 2 usage error.  Messages go to stderr in the user's language (zh-CN unless
 * EPIGRID_LANG or LANG starts with "en"); results go to stdout.
 */
#ifndef EPIGRID_CLI_CLI_H
#define EPIGRID_CLI_CLI_H
#include "store/store.h"
#include "util/error.h"

#define CLI_OK    0
#define CLI_FAIL  1
#define CLI_USAGE 2

int cli_init(int argc, char **argv);
int cli_serve(int argc, char **argv);
int cli_version(int argc, char **argv);
int cli_user(int argc, char **argv);
int cli_token(int argc, char **argv);
int cli_routes(int argc, char **argv);
int cli_openapi(int argc, char **argv);
int cli_stats(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_import_orgs(int argc, char **argv);    /* import orgs|members|activities, from cli_import */
int cli_import_teams(int argc, char **argv);   /* import teams, from cli_import */
int cli_import_cases(int argc, char **argv);   /* import cases, from cli_import */
int cli_import_regions(int argc, char **argv); /* import regions|grids, from cli_import */
int cli_export(int argc, char **argv);
int cli_sweep(int argc, char **argv);
int cli_round(int argc, char **argv);
int cli_bulletin(int argc, char **argv);
int cli_outbreak(int argc, char **argv);
int cli_backup(int argc, char **argv);
int cli_restore(int argc, char **argv);
int cli_check(int argc, char **argv);

/* One option of a subcommand for cli_options_parse: "--name VALUE" (or
 * "-letter VALUE") stores VALUE in *value; a flag ("value" NULL) sets *flag to
 * 1.  A table of them ends with an entry whose name is NULL. */
struct cli_option {
    const char *name;   /* long name, without the "--" */
    int letter;         /* the short option's letter */
    const char **value; /* OUT: the argument (borrowed from argv); NULL for a flag */
    int *flag;          /* OUT: set to 1 when the flag is given */
};

/* Reads the options of argv with getopt_long: those of "options" and --help
 * (-h).  Values are stored as given; the caller checks them afterwards.
 * Returns -1 when every option was read (the operands start at argv[optind]),
 * else the exit status to return: CLI_OK after printing "help" on stdout for
 * --help, CLI_USAGE for an unknown option or a missing argument, after
 * printing "help" on stderr when "help_on_error" is 1.  "help" is printed
 * with a newline after it unless it ends with one. */
int cli_options_parse(int argc, char **argv, const struct cli_option *options, const char *help,
                      int help_on_error);

/* The day a command reports on: "given" (--date), else today in China
 * written into "today" (OUT). */
const char *cli_date_or_today(const char *given, char today[11]);

/* The database path: "given" (--db), else $EPIGRID_DB, else "var/epigrid.db". */
const char *cli_db_path(const char *given);
/* Opens the database and applies pending migrations; prints the error and
 * returns NULL on failure.  "create": 1 to create a missing file. */
struct store *cli_open_store(const char *path, int create);
/* cli_open_store for the existing database "db" names (cli_db_path(db));
 * clears "err" for the command's own calls.  NULL on failure (printed). */
struct store *cli_store(const char *db, struct ep_error *err);
/* Prints "help" on stderr (as cli_options_parse does) and returns CLI_USAGE. */
int cli_usage(const char *help);
/* Prints "epigrid: <message>" and the field errors to stderr. */
void cli_print_error(const struct ep_error *err);
/* The language for CLI messages (enum ep_lang). */
int cli_lang(void);
/* Reads a password: from stdin when it is not a terminal (one line), else
 * prompts twice without echo.  Returns 0 and fills "out", or -1. */
int cli_read_password(char *out, size_t size);

#endif
