/*
 * server.h -- the HTTP server: libmicrohttpd with a pool of worker threads.
 *
 * Each worker thread opens its own database connection on first use
 * (SQLite connections are not shared between threads); all of them are
 * closed when the server stops.
 */
#ifndef EPIGRID_HTTP_SERVER_H
#define EPIGRID_HTTP_SERVER_H
#include <stddef.h>

#include "core/auth.h"
#include "util/error.h"

#define HTTP_TRUSTED_PROXIES_MAX 8

/* How the worker threads watch their connections (serve --event-loop).
 * poll() costs a little for every open connection at every wake-up; epoll
 * costs two system calls a request more (libmicrohttpd takes a connection out
 * of the set while its write waits for the writer, and puts it back).  With
 * the few connections a reverse proxy keeps open (docs/reliability.md) poll is
 * cheaper; with many idle clients on the server itself, epoll.  Measured on 2
 * cores, B1 (64 connections): poll 15.0-16.2k reports/s, epoll 12.4-14.9k; with
 * 800 idle connections beside them, poll 12.9k, epoll 13.9k (BENCH.md). */
enum http_event_loop { HTTP_LOOP_POLL = 0, HTTP_LOOP_EPOLL = 1 };

struct http_server_config {
    const char *db_path; /* database every worker opens */
    const char *listen;  /* "ADDR:PORT"; port 0 picks a free one */
    int threads;         /* worker threads (libmicrohttpd thread pool) */
    size_t body_limit;   /* largest accepted request body in bytes */
    int quiet;           /* 1: no per-request log lines */
    /* Floods and slow clients (0 = the default in brackets): */
    int timeout_s;              /* idle connection timeout in seconds [30] */
    int max_connections;        /* concurrent connections in all [1000] */
    int max_per_ip;             /* concurrent connections per client address [256]; <0 off */
    double write_rate;          /* writes per second per client address [200]; <0 off */
    int write_rate_loopback;    /* 1: limit loopback clients too (else exempt) */
    size_t header_memory_limit; /* per-connection memory for headers [32 KiB] */
    /* Transport: */
    enum http_event_loop event_loop; /* how connections are watched [HTTP_LOOP_POLL] */
    int cookie_secure; /* 1: clients reach us over TLS (here or at a proxy): Secure cookie, HSTS */
    /* "ADDR[,ADDR...]" (borrowed until http_server_start returns): peers whose
     * X-Forwarded-For names the client; NULL: the peer is the client. */
    const char *trusted_proxy;
    struct auth_throttle login_limits; /* failed-login budgets (auth.h); 0 = default */
    int lookup_burst;                  /* exact ID-number lookups per user at once [30] ... */
    int lookup_seconds;                /* ... then one more every this many seconds [20] */
    int sweep_seconds;                 /* the overdue sweep runs this often [60] */
};

struct http_server;

/* Starts listening; the server runs in its own threads.  *out is set on success. */
int http_server_start(struct http_server **out, const struct http_server_config *cfg,
                      struct ep_error *err);
/* The port actually bound (useful with port 0). */
int http_server_port(struct http_server *srv);
/* Stops accepting, finishes in-flight requests, closes connections and frees. */
void http_server_stop(struct http_server *srv);

#endif
