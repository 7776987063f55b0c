/*
 * serve.c -- `epigrid serve`: the HTTP server until SIGINT or SIGTERM.
 *
 * The signals are blocked before the server's threads start (so they inherit
 * the mask) and taken by sigwait() in the main thread, which then stops the
 * server cleanly: in-flight requests finish, connections close.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include "cli/cli.h"
#include "http/server.h"
#include "util/log.h"

int cli_serve(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"listen", required_argument, 0, 'l'},
                                         {"threads", required_argument, 0, 't'},
                                         {"body-limit", required_argument, 0, 'b'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    struct http_server_config cfg = {NULL, "127.0.0.1:8080", 2, 1 << 20, 0};
    const char *db = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "d:l:t:b:qh", opts, NULL)) != -1) {
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
        case 'h':
            puts("用法 usage: epigrid serve [--db PATH] [--listen ADDR:PORT] [--threads N]\n"
                 "                     [--body-limit BYTES] [--quiet]\n"
                 "  默认监听 127.0.0.1:8080,端口 0 表示自动选择空闲端口。\n"
                 "  Default listen 127.0.0.1:8080; port 0 picks a free port.\n"
                 "  Each worker thread has its own SQLite connection (WAL).");
            return CLI_OK;
        default:
            return CLI_USAGE;
        }
    }
    cfg.db_path = cli_db_path(db);
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
    struct ep_error err;
    ep_error_clear(&err);
    if (http_server_start(&srv, &cfg, &err) != 0) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    char host[64];
    snprintf(host, sizeof host, "%s", cfg.listen);
    char *colon = strrchr(host, ':');
    if (colon)
        *colon = '\0';
    printf("epigrid serving %s on http://%s:%d/\n", cfg.db_path, host, http_server_port(srv));
    fflush(stdout);
    int sig = 0;
    sigwait(&set, &sig);
    log_info("signal %d: shutting down", sig);
    http_server_stop(srv);
    log_info("stopped");
    return CLI_OK;
}
