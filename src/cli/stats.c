/*
 * stats.c -- `epigrid stats --region CODE [--date D] [--round N]`: the same
 * headline figures as GET /api/v1/stats, as JSON on stdout; with --round, the
 * round's coverage of the region and its children.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/counter.h"
#include "core/region.h"
#include "core/stats.h"
#include "util/timeutil.h"

struct coverage_ctx {
    struct store *store;
    const char *metric; /* visited.r<N> */
    json_t *children;
};

static json_t *coverage_of(struct store *s, const char *code, const char *metric)
{
    int64_t households = 0, visited = 0;
    struct ep_error err;
    ep_error_clear(&err);
    counter_get(s, code, "households", &households, &err);
    counter_get(s, code, metric, &visited, &err);
    double pct = households ? 100.0 * (double)visited / (double)households : 0.0;
    return json_pack("{s:s, s:I, s:I, s:f}", "code", code, "households", (json_int_t)households,
                     "visited", (json_int_t)visited, "coverage", (double)(int)(pct * 10) / 10.0);
}

static int add_child(const struct region *r, void *arg)
{
    struct coverage_ctx *c = arg;
    json_t *item = coverage_of(c->store, r->code, c->metric);
    json_object_set_new(item, "name", json_string(r->name));
    json_array_append_new(c->children, item);
    return 0;
}

static const char *HELP =
    "用法 usage: epigrid stats --region CODE [--date YYYY-MM-DD] [--round N] [--db PATH]\n"
    "  输出地区当日汇总数据(JSON);--round 同时输出该轮排查覆盖率。\n"
    "  Prints the region's headline figures for the day as JSON; --round adds\n"
    "  the screening round's coverage of the region and its children.";

int cli_stats(int argc, char **argv)
{
    const char *db = NULL, *region = NULL, *date = NULL, *round = NULL;
    const struct cli_option opts[] = {{"db", 'd', &db, NULL},
                                      {"region", 'r', &region, NULL},
                                      {"date", 't', &date, NULL},
                                      {"round", 'n', &round, NULL},
                                      {NULL, 0, NULL, NULL}};
    int status = cli_options_parse(argc, argv, opts, HELP, 0);
    if (status >= 0)
        return status;
    char today[11];
    date = cli_date_or_today(date, today);
    char *end = NULL;
    if (!region || !region_level_of_code(region) || time_date_parse(date, NULL) != 0 ||
        (round && (strtol(round, &end, 10) <= 0 || *end))) {
        fputs("epigrid: 需要有效的 --region、--date、--round / valid --region, --date, --round "
              "needed\n",
              stderr);
        return CLI_USAGE;
    }
    struct ep_error err;
    struct store *s = cli_store(db, &err);
    if (!s)
        return CLI_FAIL;
    json_t *out = stats_region_day(s, region, date, &err);
    if (out && round) {
        char metric[32];
        snprintf(metric, sizeof metric, "visited.r%s", round);
        struct coverage_ctx cc = {s, metric, json_array()};
        json_t *cov = coverage_of(s, region, metric);
        if (region_children_list(s, region, add_child, &cc, &err) != 0) {
            json_decref(cc.children);
            json_decref(cov);
            json_decref(out);
            out = NULL;
        } else {
            json_object_set_new(cov, "round", json_integer(atoi(round)));
            json_object_set_new(cov, "children", cc.children);
            json_object_set_new(out, "coverage", cov);
        }
    }
    store_close(s);
    if (!out) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    char *text = json_dumps(out, JSON_INDENT(2));
    puts(text);
    free(text);
    json_decref(out);
    return CLI_OK;
}
