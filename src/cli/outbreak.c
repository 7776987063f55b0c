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
    const char *db = NULL, *seed = NULL, *days = NULL;
    struct outbreak_options opt = {1, "2020-01-21", 40};
    char *end;
    const struct cli_option opts[] = {{"db", 'd', &db, NULL},
                                      {"seed", 's', &seed, NULL},
                                      {"from", 'f', &opt.first_day, NULL},
                                      {"days", 'n', &days, NULL},
                                      {NULL, 0, NULL, NULL}};
    int status = cli_options_parse(argc, argv, opts, usage_text, 1);
    if (status >= 0)
        return status;
    if (seed) {
        opt.seed = strtoull(seed, &end, 10);
        if (*end || !*seed) {
            return cli_usage(usage_text);
        }
    }
    if (days) {
        opt.days = (int)strtol(days, &end, 10);
        if (*end || !*days) {
            return cli_usage(usage_text);
        }
    }
    if (optind < argc) {
        return cli_usage(usage_text);
    }
    struct ep_error err;
    struct store *s = cli_store(db, &err);
    if (!s)
        return CLI_FAIL;
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
