/*
 * serve.c -- `epigrid serve`: the HTTP server until SIGINT or SIGTERM.
 *
 * The signals are blocked before the server's threads start (so they inherit
 * the mask) and taken by sigwait() in the main thread, which then stops the
 * server cleanly: in-flight requests finish, connections close.
 */
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include "cli/cli.h"
#include "http/server.h"
#include "util/log.h"

/* 1 unless "path" exists and it or its directory (where SQLite creates the
 * -wal and -shm files) cannot be written by this process. */
static int writable(const char *path)
{
    if (access(path, F_OK) != 0)
        return 1; /* missing: cli_open_store says so */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    return access(path, W_OK) == 0 && access(dirname(dir), W_OK) == 0;
}

/* Parses a whole number in [min, max]. */
static int parse_count(const char *text, long min, long max, long *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*text == '\0' || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Parses "N" or "N/s" (0 = no limit, stored as -1). */
static int parse_rate(const char *text, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || (*end && strcmp(end, "/s") != 0) || !(v >= 0 && v <= 100000))
        return -1;
    *out = v > 0 ? v : -1;
    return 0;
}

int cli_serve(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"listen", required_argument, 0, 'l'},
                                         {"threads", required_argument, 0, 't'},
                                         {"body-limit", required_argument, 0, 'b'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"timeout", required_argument, 0, 'T'},
                                         {"max-connections", required_argument, 0, 'C'},
                                         {"max-per-ip", required_argument, 0, 'P'},
                                         {"write-rate", required_argument, 0, 'W'},
                                         {"cookie-secure", no_argument, 0, 'S'},
                                         {"trusted-proxy", required_argument, 0, 'X'},
                                         {"login-failures", required_argument, 0, 'F'},
                                         {"login-address-failures", required_argument, 0, 'A'},
                                         {"sweep-seconds", required_argument, 0, 'w'},
                                         {"event-loop", required_argument, 0, 'E'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct http_server_config cfg = {
        .db_path = NULL, .listen = "127.0.0.1:8080", .threads = 2, .body_limit = 1 << 20};
    long n;
    const char *db = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:l:t:b:qhT:C:P:W:SX:F:A:w:E:", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'l':
            cfg.listen = optarg;
            break;
        case 't':
            cfg.threads = atoi(optarg);
            if (cfg.threads < 1 || cfg.threads > 64) {
                fputs("epigrid: --threads 应为 1-64 / must be 1-64\n", stderr);
                return CLI_USAGE;
            }
            break;
        case 'b':
            cfg.body_limit = (size_t)strtoul(optarg, NULL, 10);
            if (cfg.body_limit < 1024) {
                fputs("epigrid: --body-limit 至少 1024 / at least 1024\n", stderr);
                return CLI_USAGE;
            }
            break;
        case 'q':
            cfg.quiet = 1;
            break;
        case 'T':
            if (parse_count(optarg, 1, 3600, &n) != 0) {
                fputs("epigrid: --timeout 应为 1-3600 秒 / must be 1-3600 seconds\n", stderr);
                return CLI_USAGE;
            }
            cfg.timeout_s = (int)n;
            break;
        case 'C':
            if (parse_count(optarg, 1, 100000, &n) != 0) {
                fputs("epigrid: --max-connections 应为 1-100000 / must be 1-100000\n", stderr);
                return CLI_USAGE;
            }
            cfg.max_connections = (int)n;
            break;
        case 'P':
            if (parse_count(optarg, 0, 100000, &n) != 0) {
                fputs("epigrid: --max-per-ip 应为 0-100000(0 不限)/ must be 0-100000 (0: no "
                      "limit)\n",
                      stderr);
                return CLI_USAGE;
            }
            cfg.max_per_ip = n ? (int)n : -1;
            break;
        case 'W':
            if (parse_rate(optarg, &cfg.write_rate) != 0) {
                fputs("epigrid: --write-rate 应为 N/s(N 为 0-100000,0 不限)/ must be N/s "
                      "(N 0-100000, 0: no limit)\n",
                      stderr);
                return CLI_USAGE;
            }
            cfg.write_rate_loopback = 1; /* given explicitly: loopback is limited too */
            break;
        case 'S':
            cfg.cookie_secure = 1;
            break;
        case 'X':
            cfg.trusted_proxy = optarg; /* checked by http_server_start */
            break;
        case 'F':
            if (parse_count(optarg, 1, 1000, &n) != 0) {
                fputs("epigrid: --login-failures 应为 1-1000 / must be 1-1000\n", stderr);
                return CLI_USAGE;
            }
            cfg.login_limits.per_user_address = (int)n;
            break;
        case 'A':
            if (parse_count(optarg, 1, 100000, &n) != 0) {
                fputs("epigrid: --login-address-failures 应为 1-100000 / must be 1-100000\n",
                      stderr);
                return CLI_USAGE;
            }
            cfg.login_limits.per_address = (int)n;
            break;
        case 'w':
            if (parse_count(optarg, 1, 3600, &n) != 0) {
                fputs("epigrid: --sweep-seconds 应为 1-3600 / must be 1-3600\n", stderr);
                return CLI_USAGE;
            }
            cfg.sweep_seconds = (int)n;
            break;
        case 'E':
            if (strcmp(optarg, "poll") == 0)
                cfg.event_loop = HTTP_LOOP_POLL;
            else if (strcmp(optarg, "epoll") == 0)
                cfg.event_loop = HTTP_LOOP_EPOLL;
            else {
                fputs("epigrid: --event-loop 应为 poll 或 epoll / must be poll or epoll\n", stderr);
                return CLI_USAGE;
            }
            break;
        case 'h':
            puts(
                "用法 usage: epigrid serve [--db PATH] [--listen ADDR:PORT] [--threads N]\n"
                "                     [--body-limit BYTES] [--timeout SECONDS]\n"
                "                     [--max-connections N] [--max-per-ip N] [--write-rate N/s]\n"
                "                     [--cookie-secure] [--trusted-proxy ADDR[,ADDR...]]\n"
                "                     [--login-failures N] [--login-address-failures N] [--quiet]\n"
                "                     [--sweep-seconds N] [--event-loop poll|epoll]\n"
                "  --sweep-seconds:每隔多少秒查找逾期未报告的观察对象(默认 60)。\n"
                "  --sweep-seconds: how often overdue health reports are looked for (60).\n"
                "  --event-loop:poll(默认)适合经反向代理的少量连接;直接面对成百上千个\n"
                "  空闲连接时用 epoll。\n"
                "  --event-loop: poll (default) suits the few connections of a reverse proxy;\n"
                "  epoll suits hundreds or thousands of idle clients on the server itself.\n"
                "  防洪与慢客户端:空闲连接 --timeout 秒后关闭(默认 30);并发连接上限\n"
                "  --max-connections(默认 1000),每个客户端地址 --max-per-ip(默认 256,0 不限);\n"
                "  请求头上限 32 KiB(超出回 431 或断开);请求体上限 --body-limit(默认 1 MiB,413)。\n"
                "  写入限速:每个客户端地址每秒 --write-rate 次(突发为两倍),超出回 429 并带\n"
                "  Retry-After。默认每秒 200 次且不限本机回环地址(127.0.0.0/8、::1,供测试与压测);\n"
                "  明确给出 --write-rate 时回环地址同样限速,0 表示不限速。经反向代理时所有客户端\n"
                "  都显示为代理地址(除非以 --trusted-proxy 指明代理),请在代理上限速。\n"
                "  Floods: idle connections close after --timeout seconds (30); at most\n"
                "  --max-connections (1000) connections, --max-per-ip (256; 0: no limit) per\n"
                "  client address; headers up to 32 KiB (431 or closed beyond); bodies up to\n"
                "  --body-limit (1 MiB; 413).  Writes per client address are limited to\n"
                "  --write-rate per second (burst twice that): 429 with Retry-After beyond.\n"
                "  Default 200/s with loopback (127.0.0.0/8, ::1: tests, benchmarks) exempt;\n"
                "  an explicit --write-rate limits loopback too, 0 turns the limit off.\n"
                "  Behind a reverse proxy every client has the proxy's address (limit there),\n"
                "  unless --trusted-proxy names it.\n"
                "  --cookie-secure:用户经前置 TLS 代理以 HTTPS 访问时使用(本服务只讲 HTTP):会话 "
                "Cookie\n"
                "  带 Secure 标记,并发送 Strict-Transport-Security(HSTS,一年)。\n"
                "  --cookie-secure: clients reach the server over HTTPS at a TLS proxy in front "
                "(the\n"
                "  server speaks plain HTTP): the session cookie gets the Secure flag, every\n"
                "  answer HSTS (a year).\n"
                "  --trusted-proxy:来自这些地址(反向代理)的请求,以 X-Forwarded-For 的最后一项\n"
                "  为客户端地址(用于登录限制、写入限速与审计);其他来源的该请求头一律不信。\n"
                "  登录失败限制(15 分钟内):同一用户名自同一地址 --login-failures 次(默认 5),\n"
                "  同一地址任意用户名 --login-address-failures 次(默认 100,容纳一个单位的 NAT),\n"
                "  超出回 429 并带 Retry-After;某一地址的失败不会锁住其他地址上的同一账号。\n"
                "  达到上限(或同一用户名各地址合计 20 次)时向管理员发出安全警报。\n"
                "  --trusted-proxy: requests from these addresses (reverse proxies) are taken\n"
                "  to come from the last entry of X-Forwarded-For (login limits, write limit,\n"
                "  audit); the header is ignored from anyone else.  Failed logins within 15\n"
                "  minutes: --login-failures (5) per username and address, then that pair gets\n"
                "  429 with Retry-After; --login-address-failures (100: an office NAT) per\n"
                "  address.  Failures from one address never lock the account out of another.\n"
                "  Reaching a limit (or 20 failures of one username from all addresses) raises\n"
                "  a security alert for admins.\n"
                "  默认监听 127.0.0.1:8080,端口 0 表示自动选择空闲端口。\n"
                "  Default listen 127.0.0.1:8080; port 0 picks a free port.\n"
                "  Each worker thread has its own SQLite connection (WAL).");
            return CLI_OK;
        default:
            return CLI_USAGE;
        }
    }
    cfg.db_path = cli_db_path(db);
    struct ep_error err;
    ep_error_clear(&err);
    if (!writable(cfg.db_path)) {
        /* Every write would be refused: say why now, not at the first 503. */
        ep_error_set(&err, EP_EUNAVAILABLE,
                     "数据库 %s 或其所在目录不可写(权限?只读文件系统?),请修正后再启动服务",
                     "database %s or its directory cannot be written (permissions? a read-only "
                     "file system?); fix that, then start the server",
                     cfg.db_path);
        cli_print_error(&err);
        return CLI_FAIL;
    }
    ep_error_clear(&err);
    struct store *s = cli_open_store(cfg.db_path, 0); /* applies pending migrations */
    if (!s)
        return CLI_FAIL;
    store_close(s);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct http_server *srv;
    if (http_server_start(&srv, &cfg, &err) != 0) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    char host[64];
    snprintf(host, sizeof host, "%s", cfg.listen);
    char *colon = strrchr(host, ':');
    if (colon)
        *colon = '\0';
    char shown[512];
    store_path_display(cfg.db_path, shown, sizeof shown);
    printf("epigrid serving %s on http://%s:%d/\n", shown, host, http_server_port(srv));
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    log_info("signal %d: shutting down", sig);
    http_server_stop(srv);
    log_info("stopped");
    return CLI_OK;
}
