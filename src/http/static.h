/*
 * static.h -- the web pages and assets embedded in the binary (web/ at build time).
 */
#ifndef EPIGRID_HTTP_STATIC_H
#define EPIGRID_HTTP_STATIC_H
#include "http/http.h"

/* Serves "path" from the embedded web assets into "res": a known file (with
 * its gzip member when it has one: the server picks by Accept-Encoding), or
 * index.html for page routes (paths without a dot outside /api/), or /sw.js,
 * the service worker, preceded by the build's version and its app shell, or
 * for /api/docs the API's documentation page.  Returns 0 when served, -1 when
 * nothing matches. */
int http_static_serve(const char *path, struct http_response *res);

/* The Content-Security-Policy sent with every response: scripts only from
 * this server (plus the page's one inline import map, allowed by its
 * SHA-256), no plugins, no framing, no other origins -- so that a name that
 * slips through unescaped still cannot run.  Computed once; never NULL. */
const char *http_static_csp(void);

#endif
