/*
 * round.c -- `epigrid round open|list|close`: screening rounds from the
 * command line, through the same domain calls as POST /api/v1/rounds.
 * `open` prints the new round's id on stdout; `list` prints one round a line
 * (id, name, region, start, end, status), tab-separated.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/audit.h"
#include "core/screening.h"

static const char *ROUND_HELP =
    "用法 usage:\n"
    "  epigrid round open --region CODE --name 名称 --from YYYY-MM-DD --to YYYY-MM-DD [--db PATH]\n"
    "      开启排查轮次,打印其编号 / opens a screening round and prints its id\n"
    "  epigrid round list [--region CODE] [--db PATH]\n"
    "      列出轮次 / lists rounds: id, name, region, start, end, status\n"
    "  epigrid round close ID [--db PATH]\n"
    "      结束轮次 / closes a round";

static int print_round(const struct round *r, void *ctx)
{
    (void)ctx;
    printf("%lld\t%s\t%s\t%s\t%s\t%s\n", (long long)r->id, r->name, r->region_code, r->start_date,
           r->end_date, r->status);
    return 0;
}

int cli_round(int argc, char **argv)
{
    const char *db = NULL, *region = NULL, *name = NULL, *from = NULL, *to = NULL;
    const struct cli_option opts[] = {{"db", 'd', &db, NULL},     {"region", 'r', &region, NULL},
                                      {"name", 'n', &name, NULL}, {"from", 'f', &from, NULL},
                                      {"to", 't', &to, NULL},     {NULL, 0, NULL, NULL}};
    int status = cli_options_parse(argc, argv, opts, ROUND_HELP, 1);
    if (status >= 0)
        return status;
    const char *action = optind < argc ? argv[optind] : "";
    int64_t close_id = 0;
    if (strcmp(action, "close") == 0) {
        char *end;
        const char *arg = optind + 1 < argc ? argv[optind + 1] : "";
        close_id = strtoll(arg, &end, 10);
        if (!*arg || *end || close_id <= 0) {
            return cli_usage(ROUND_HELP);
        }
    } else if (strcmp(action, "open") != 0 && strcmp(action, "list") != 0) {
        return cli_usage(ROUND_HELP);
    }
    struct ep_error err;
    struct store *s = cli_store(db, &err);
    if (!s)
        return CLI_FAIL;
    struct auth_user user;
    struct actor who;
    audit_cli_actor(&user, &who);
    struct round r;
    int rc;
    if (strcmp(action, "open") == 0) {
        struct round_input in = {name, region, from, to};
        rc = round_open(s, &who, &in, &r, &err);
        if (rc == 0)
            printf("%lld\n", (long long)r.id);
    } else if (close_id) {
        rc = round_close(s, &who, close_id, &r, &err);
    } else {
        rc = round_list(s, region ? region : "", 0, 0, print_round, NULL, &err);
    }
    store_close(s);
    if (rc != 0) {
        /* CLI field errors name the options, not the JSON members. */
        for (int i = 0; i < err.nfields; i++) {
            const char *f = err.fields[i].field;
            const char *opt = strcmp(f, "region_code") == 0  ? "--region"
                              : strcmp(f, "start_date") == 0 ? "--from"
                              : strcmp(f, "end_date") == 0   ? "--to"
                              : strcmp(f, "name") == 0       ? "--name"
                                                             : NULL;
            if (opt)
                snprintf(err.fields[i].field, sizeof err.fields[i].field, "%s", opt);
        }
        cli_print_error(&err);
        return CLI_FAIL;
    }
    return CLI_OK;
}
