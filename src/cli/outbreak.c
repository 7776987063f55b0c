/*
 * outbreak.c -- `epigrid outbreak [--db PATH] [--seed N] [--from YYYY-MM-DD]
 * [--days N]`: simulates the demo outbreak (src/gen/outbreak.c) over the
 * demo city -- sites, cases, close contacts, placements, discharges and
 * deaths, with their history -- so that the bulletin and the epidemic curve
 * have something to show for every simulated day.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "gen/outbreak.h"

static const char usage_text[] =
    "用法 usage: epigrid outbreak [--db PATH] [--seed N] [--from YYYY-MM-DD] [--days N]\n"
    "  在示范城市上模拟一次疫情(默认自 2020-01-21 起 40 天):定点医院、发热门诊、隔离点,\n"
    "  输入病例、密切接触者及次密接、转为病例、确诊或排除、出院与死亡,均有变更记录。\n"
    "  Simulates an outbreak over the demo city (default 40 days from 2020-01-21):\n"
    "  sites, imported cases, close contacts and their contacts, contacts falling ill,\n"
    "  confirmations and exclusions, discharges and deaths, all with their history.\n"
    "  Run `epigrid demo` first; the same seed gives the same outbreak.\n";

int cli_outbreak(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},   {"seed", required_argument, 0, 's'},
        {"from", required_argument, 0, 'f'}, {"days", required_argument, 0, 'n'},
        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0}};
    const char *db = NULL;
    struct outbreak_options opt = {1, "2020-01-21", 40};
    char *end;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:s:f:n:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 's':
            opt.seed = strtoull(optarg, &end, 10);
            if (*end || !*optarg) {
                fputs(usage_text, stderr);
                return CLI_USAGE;
            }
            break;
        case 'f':
            opt.first_day = optarg;
            break;
        case 'n':
            opt.days = (int)strtol(optarg, &end, 10);
            if (*end || !*optarg) {
                fputs(usage_text, stderr);
                return CLI_USAGE;
            }
            break;
        case 'h':
            fputs(usage_text, stdout);
            return CLI_OK;
        default:
            fputs(usage_text, stderr);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    struct store *s = cli_open_store(cli_db_path(db), 0);
    if (!s)
        return CLI_FAIL;
    struct ep_error err;
    ep_error_clear(&err);
    struct outbreak_stats st;
    int rc = outbreak_simulate(s, &opt, &st, &err);
    store_close(s);
    if (rc != 0) {
        cli_print_error(&err);
        return err.code == EP_EINVAL ? CLI_USAGE : CLI_FAIL;
    }
    fprintf(stderr,
            cli_lang() == EP_LANG_EN
                ? "epigrid: outbreak from %s, %d days: %lld sites, %lld cases (%lld confirmed), "
                  "%lld close contacts, %lld discharged, %lld deaths\n"
                : "epigrid: 自 %s 起 %d 天:场所 %lld 个,病例 %lld 例(确诊 %lld 例),"
                  "密切接触者 %lld 人,出院 %lld 例,死亡 %lld 例\n",
            opt.first_day, opt.days, (long long)st.sites, (long long)st.cases,
            (long long)st.confirmed, (long long)st.contacts, (long long)st.discharged,
            (long long)st.deaths);
    return CLI_OK;
}
