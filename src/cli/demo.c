/*
 * demo.c -- `epigrid demo --db PATH [--scale S] [--seed N] [--force]`: build
 * the deterministic demo 永州市 on the real division tree (src/gen/demo.c)
 * and its demo users.
 *
 * The database is created if missing and opened for bulk loading (no fsync:
 * a crash mid-way leaves a database to delete, never a half-filled one, as
 * the load is one transaction).  A database that already has households or
 * persons is refused; --force deletes the file and starts afresh.  Progress
 * goes to stderr, one line per county.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "gen/demo.h"
#include "gen/simulate.h"
#include "util/timeutil.h"

static const char *DEMO_HELP =
    "用法 usage: epigrid demo [--db PATH] [--scale S] [--seed N] [--force]\n"
    "  生成确定性的示范城市:永州市真实的县市区、乡镇和村(社区)(内置的国家统计局区划\n"
    "  代码),合成的网格、住户和人员(身份证号校验位正确),以及各角色的示范账号\n"
    "  (密码 " DEMO_PASSWORD ")。相同的 --seed 与 --scale 生成完全相同的数据。\n"
    "  Builds the deterministic demo city: 永州市 with its real counties, townships and\n"
    "  villages (the built-in national division codes), synthetic grids, households and\n"
    "  persons (valid ID numbers), and demo users for every role (password " DEMO_PASSWORD ").\n"
    "  Same seed and scale, same data.\n"
    "  --scale S   规模 size, 0 < S <= 10 (默认 default 0.01; 1.0 = 150 万户 540 万人\n"
    "              1.5 M households, 5.4 M persons)\n"
    "  --seed N    随机种子 PRNG seed (默认 default 1)\n"
    "  --force     删除已有数据库文件后重建 delete an existing database file first\n"
    "  --no-simulate 不模拟疫情、物资、动员与近三日排查 skip the simulated activity\n"
    "  已有住户或人员的数据库不会被写入(除非 --force)。\n"
    "  A database that already has households or persons is refused unless --force.";

struct progress {
    int lang;               /* enum ep_lang */
    int64_t started_us;     /* time_monotonic_us() at the start */
    struct demo_stats prev; /* totals at the previous report */
};

static void on_progress(const char *stage, const char *county_code, const char *county_name,
                        const struct demo_stats *so_far, void *ctx)
{
    struct progress *p = ctx;
    double elapsed = (double)(time_monotonic_us() - p->started_us) / 1e6;
    if (strcmp(stage, "county") == 0) {
        fprintf(stderr,
                p->lang == EP_LANG_EN
                    ? "epigrid: [%2lld/11] %s %s: %lld townships, %lld villages, %lld grids, "
                      "%lld households, %lld persons (%.1f s)\n"
                    : "epigrid: [%2lld/11] %s %s:乡镇 %lld,村(社区)%lld,网格 %lld,"
                      "住户 %lld,人员 %lld(%.1f 秒)\n",
                (long long)so_far->counties, county_code, county_name,
                (long long)(so_far->townships - p->prev.townships),
                (long long)(so_far->villages - p->prev.villages),
                (long long)(so_far->grids - p->prev.grids),
                (long long)(so_far->households - p->prev.households),
                (long long)(so_far->persons - p->prev.persons), elapsed);
        p->prev = *so_far;
    } else {
        fprintf(stderr,
                p->lang == EP_LANG_EN ? "epigrid: %s done (%.1f s)\n"
                                      : "epigrid: %s 完成(%.1f 秒)\n",
                strcmp(stage, "indexes") == 0
                    ? (p->lang == EP_LANG_EN ? "indexes" : "建立索引")
                    : (p->lang == EP_LANG_EN ? "roll-up counters" : "汇总计数"),
                elapsed);
    }
}

/* Deletes "path" and its WAL and shared-memory files; missing files are fine. */
static int remove_database(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char name[4096];
        int n = snprintf(name, sizeof name, "%s%s", path, suffixes[i]);
        if (n < 0 || (size_t)n >= sizeof name)
            return -1;
        if (unlink(name) != 0 && errno != ENOENT) {
            fprintf(stderr, "epigrid: 无法删除 cannot delete %s: %s\n", name, strerror(errno));
            return -1;
        }
    }
    return 0;
}

int cli_demo(int argc, char **argv)
{
    const char *db = NULL, *scale = NULL, *seed = NULL;
    struct demo_options opt = {DEMO_SCALE_DEFAULT, DEMO_SEED_DEFAULT, on_progress, NULL};
    int force = 0, no_simulate = 0;
    char *end;
    const struct cli_option opts[] = {{"db", 'd', &db, NULL},
                                      {"scale", 's', &scale, NULL},
                                      {"seed", 'r', &seed, NULL},
                                      {"force", 'f', NULL, &force},
                                      {"no-simulate", 'n', NULL, &no_simulate},
                                      {NULL, 0, NULL, NULL}};
    int status = cli_options_parse(argc, argv, opts, DEMO_HELP, 1);
    if (status >= 0)
        return status;
    int simulate = !no_simulate;
    if (scale) {
        errno = 0;
        opt.scale = strtod(scale, &end);
        if (errno || end == scale || *end || !(opt.scale > 0 && opt.scale <= DEMO_SCALE_MAX)) {
            fprintf(stderr,
                    "epigrid: --scale 应为大于 0 且不超过 %g 的数 / must be a number "
                    "> 0 and <= %g\n",
                    DEMO_SCALE_MAX, DEMO_SCALE_MAX);
            return CLI_USAGE;
        }
    }
    if (seed) {
        errno = 0;
        opt.seed = strtoull(seed, &end, 10);
        if (errno || end == seed || *end || seed[0] == '-') {
            fputs("epigrid: --seed 应为非负整数 / must be a non-negative integer\n", stderr);
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "epigrid: 多余的参数 unexpected argument: %s\n%s\n", argv[optind],
                DEMO_HELP);
        return CLI_USAGE;
    }
    const char *path = cli_db_path(db);
    if (force && remove_database(path) != 0)
        return CLI_FAIL;

    struct progress prog = {cli_lang(), time_monotonic_us(), {0}};
    opt.progress_ctx = &prog;
    struct ep_error err;
    ep_error_clear(&err);
    struct store *s;
    if (store_open(&s, path, STORE_OPEN_CREATE | STORE_OPEN_BULK, &err) != 0) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    int rc = store_migrate(s, NULL, &err);
    struct demo_stats stats = {0};
    if (rc == 0)
        rc = demo_city_generate(s, &opt, &stats, &err);
    if (rc != 0) {
        cli_print_error(&err);
        if (err.code == EP_ECONFLICT)
            fputs(prog.lang == EP_LANG_EN
                      ? "epigrid: add --force to delete this database and build the demo city "
                        "afresh\n"
                      : "epigrid: 如需删除该数据库并重新生成示范城市,请加 --force\n",
                  stderr);
        store_close(s);
        return CLI_FAIL;
    }
    int users = 0;
    rc = demo_users_create(s, &users, &err);
    if (rc == 0 && simulate)
        rc = simulate_demo(s, opt.scale, opt.seed, &err);
    store_close(s);
    if (rc != 0) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    double elapsed = (double)(time_monotonic_us() - prog.started_us) / 1e6;
    fprintf(stderr,
            prog.lang == EP_LANG_EN
                ? "epigrid: %s: demo city built in %.1f s: %lld townships, %lld villages, "
                  "%lld grids, %lld households, %lld persons; %d demo users (password %s)\n"
                : "epigrid: %s:示范城市已生成,用时 %.1f 秒:乡镇 %lld,村(社区)%lld,网格 %lld,"
                  "住户 %lld,人员 %lld;示范账号 %d 个(密码 %s)\n",
            path, elapsed, (long long)stats.townships, (long long)stats.villages,
            (long long)stats.grids, (long long)stats.households, (long long)stats.persons, users,
            DEMO_PASSWORD);
    return CLI_OK;
}
