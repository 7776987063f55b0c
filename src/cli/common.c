/*
 * common.c -- helpers shared by the subcommands (see cli.h).
 */
#include <assert.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/timeutil.h"

int cli_lang(void)
{
    const char *l = getenv("EPIGRID_LANG");
    if (!l || !*l)
        l = getenv("LANG");
    return l && strncmp(l, "en", 2) == 0 ? EP_LANG_EN : EP_LANG_ZH;
}

const char *cli_date_or_today(const char *given, char today[11])
{
    if (given)
        return given;
    time_date_format(time_today_cn(), today);
    return today;
}

const char *cli_db_path(const char *given)
{
    if (given && *given)
        return given;
    const char *env = getenv("EPIGRID_DB");
    return env && *env ? env : "var/epigrid.db";
}

void cli_print_error(const struct ep_error *err)
{
    int lang = cli_lang();
    fprintf(stderr, "epigrid: %s\n", ep_error_message(err, lang));
    for (int i = 0; i < err->nfields; i++)
        fprintf(stderr, "  %s: %s\n", err->fields[i].field, err->fields[i].msg[lang]);
    if (err->fields_dropped)
        fprintf(stderr, "  ... (+%d)\n", err->fields_dropped);
}

/* Prints "help" on "f", ending it with a newline unless it has one. */
static void print_help(const char *help, FILE *f)
{
    size_t n = strlen(help);
    fputs(help, f);
    if (n == 0 || help[n - 1] != '\n')
        fputc('\n', f);
}

int cli_usage(const char *help)
{
    print_help(help, stderr);
    return CLI_USAGE;
}

#define CLI_OPTIONS_MAX 24

int cli_options_parse(int argc, char **argv, const struct cli_option *options, const char *help,
                      int help_on_error)
{
    struct option longs[CLI_OPTIONS_MAX + 2];
    char shorts[3 * CLI_OPTIONS_MAX + 2];
    size_t k = 0;
    int n = 0;
    for (; options[n].name; n++) {
        assert(n < CLI_OPTIONS_MAX);
        int has_arg = options[n].value ? required_argument : no_argument;
        longs[n] = (struct option){options[n].name, has_arg, NULL, options[n].letter};
        shorts[k++] = (char)options[n].letter;
        if (has_arg == required_argument)
            shorts[k++] = ':';
    }
    longs[n] = (struct option){"help", no_argument, NULL, 'h'};
    longs[n + 1] = (struct option){NULL, 0, NULL, 0};
    shorts[k++] = 'h';
    shorts[k] = '\0';
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if (c == 'h') {
            print_help(help, stdout);
            return CLI_OK;
        }
        int i = 0;
        while (i < n && options[i].letter != c)
            i++;
        if (i == n)
            return help_on_error ? cli_usage(help) : CLI_USAGE;
        if (options[i].value)
            *options[i].value = optarg;
        else
            *options[i].flag = 1;
    }
    return -1;
}

struct store *cli_open_store(const char *path, int create)
{
    struct ep_error err;
    ep_error_clear(&err);
    struct stat sb;
    if (!create && !store_path_is_pg(path) && stat(path, &sb) != 0) {
        ep_error_set(&err, EP_ENOTFOUND, "数据库 %s 不存在,请先运行 epigrid init --db %s",
                     "database %s does not exist; run epigrid init --db %s first", path, path);
        cli_print_error(&err);
        return NULL;
    }
    struct store *s;
    if (store_open(&s, path, create ? STORE_OPEN_CREATE : 0, &err) != 0) {
        cli_print_error(&err);
        return NULL;
    }
    if (store_migrate(s, NULL, &err) != 0) {
        cli_print_error(&err);
        store_close(s);
        return NULL;
    }
    return s;
}

/* Reads one line from "f" into out without the newline. */
static int read_line(FILE *f, char *out, size_t size)
{
    if (!fgets(out, (int)size, f))
        return -1;
    size_t n = strlen(out);
    while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        out[--n] = '\0';
    return 0;
}

static int prompt_hidden(const char *prompt, char *out, size_t size)
{
    struct termios old, quiet;
    fputs(prompt, stderr);
    fflush(stderr);
    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return -1;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    int rc = read_line(stdin, out, size);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputs("\n", stderr);
    return rc;
}

int cli_read_password(char *out, size_t size)
{
    if (!isatty(STDIN_FILENO))
        return read_line(stdin, out, size);
    char again[256];
    int en = cli_lang() == EP_LANG_EN;
    if (prompt_hidden(en ? "Password: " : "密码:", out, size) != 0 ||
        prompt_hidden(en ? "Repeat password: " : "再次输入密码:", again, sizeof again) != 0)
        return -1;
    if (strcmp(out, again) != 0) {
        fputs(en ? "epigrid: passwords differ\n" : "epigrid: 两次输入的密码不一致\n", stderr);
        return -1;
    }
    return 0;
}

struct store *cli_store(const char *db, struct ep_error *err)
{
    ep_error_clear(err);
    return cli_open_store(cli_db_path(db), 0);
}
