/*
 * sweep.c -- `epigrid sweep [--at ISO_TIME] [--db PATH]`: looks for overdue
 * health reports once, as the server does every minute, at a chosen moment
 * (default now), so that tests and simulations can replay a day.
 * Prints {"at":..,"opened":n,"closed":n} on stdout.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/observation.h"
#include "util/timeutil.h"

/* Parses "YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM|-HH:MM]" (no offset = China time)
 * into unix seconds.  Returns 0, or -1 when malformed. */
static int parse_time(const char *s, int64_t *out)
{
    char date[11];
    if (strlen(s) < 16 || s[10] != 'T' || s[13] != ':')
        return -1;
    memcpy(date, s, 10);
    date[10] = '\0';
    int64_t day;
    if (time_date_parse(date, &day) != 0)
        return -1;
    int h, m, sec = 0, n = 0;
    const char *p = s + 11;
    if (sscanf(p, "%2d:%2d%n", &h, &m, &n) != 2 || n != 5 || h > 23 || m > 59 || h < 0 || m < 0)
        return -1;
    p += n;
    if (*p == ':') {
        if (sscanf(p, ":%2d%n", &sec, &n) != 1 || n != 3 || sec < 0 || sec > 59)
            return -1;
        p += n;
    }
    int64_t offset = TIME_CN_OFFSET_SECONDS;
    if (*p == 'Z') {
        offset = 0;
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 || oh > 14 || om > 59)
            return -1;
        offset = (int64_t)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    }
    if (*p)
        return -1;
    *out = day * 86400 + h * 3600 + m * 60 + sec - offset;
    return 0;
}

static const char *SWEEP_HELP =
    "用法 usage: epigrid sweep [--at YYYY-MM-DDTHH:MM[:SS][+08:00]] [--db PATH]\n"
    "  查找逾期未报告健康情况的观察对象(服务每分钟自动执行一次)。\n"
    "  Looks for overdue health reports once (the server does so every minute);\n"
    "  --at sweeps at a chosen moment (default now; no offset = China time).\n"
    "  仅观察开启后开始的时段需要报告(20:25 开启的,不计当天 16:00 时段)。\n"
    "  A slot is due only if the observation was open when it started\n"
    "  (opened at 20:25: that day's 16:00 slot is not owed).";

int cli_sweep(int argc, char **argv)
{
    const char *db = NULL, *at_text = NULL;
    int64_t at = 0;
    const struct cli_option opts[] = {
        {"db", 'd', &db, NULL}, {"at", 'a', &at_text, NULL}, {NULL, 0, NULL, NULL}};
    int status = cli_options_parse(argc, argv, opts, SWEEP_HELP, 0);
    if (status >= 0)
        return status;
    if (at_text && parse_time(at_text, &at) != 0) {
        fprintf(stderr,
                "epigrid: --at 应为 YYYY-MM-DDTHH:MM[:SS][+08:00] / "
                "must be YYYY-MM-DDTHH:MM[:SS][+08:00]: %s\n",
                at_text);
        return CLI_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "epigrid: 多余的参数 unexpected argument: %s\n", argv[optind]);
        return CLI_USAGE;
    }
    struct ep_error err;
    struct store *s = cli_store(db, &err);
    if (!s)
        return CLI_FAIL;
    if (!at)
        at = (int64_t)time(NULL);
    struct observation_sweep_result res = {.more = 1}, part = {0};
    int rc = 0;
    while (rc == 0 && res.more) {
        rc = observation_sweep(s, at, &part, &err);
        res.opened += part.opened;
        res.closed += part.closed;
        res.more = rc == 0 && part.more;
    }
    store_close(s);
    if (rc != 0) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    char iso[32];
    time_iso_from_unix((time_t)at, iso);
    printf("{\"at\":\"%s\",\"opened\":%d,\"closed\":%d}\n", iso, res.opened, res.closed);
    return CLI_OK;
}
