/*
 * static.c -- serving embedded web assets (see static.h).
 *
 * /sw.js, the service worker (web/src/sw.js), is served with two lines in
 * front made here: the build's version -- a hash of every embedded asset, so
 * that a new binary with any changed file is a new worker, which replaces the
 * old caches -- and the app shell it keeps for offline use.
 */
#include "http/static.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/embedded.h"

#define SW_NAME "sw.js"

static const struct {
    const char *ext;
    const char *type;
} mime_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
};

static const char *mime_of(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot)
        for (size_t i = 0; i < sizeof mime_types / sizeof mime_types[0]; i++)
            if (strcmp(dot, mime_types[i].ext) == 0)
                return mime_types[i].type;
    return "application/octet-stream";
}

static struct buf sw_script; /* owner: this file, for the process's life */
static pthread_once_t sw_once = PTHREAD_ONCE_INIT;

/* 1 for the assets of the app shell: the pages' own files and the ES
 * modules of vendor/ (preact, htm) -- not the big scripts a page loads when
 * it needs them (echarts), nor the worker itself. */
static int in_shell(const char *name)
{
    if (strcmp(name, SW_NAME) == 0 || strpbrk(name, "'\\"))
        return 0;
    const char *dot = strrchr(name, '.');
    return strncmp(name, "vendor/", 7) != 0 || (dot && strcmp(dot, ".mjs") == 0);
}

/* sw_script: "const BUILD = '<hash>'; const SHELL = [...];" then sw.js. */
static void sw_build(void)
{
    const struct embedded_file *sw = embedded_find(embedded_web, SW_NAME);
    crypto_generichash_state state;
    unsigned char digest[16];
    char hex[2 * sizeof digest + 1];
    crypto_generichash_init(&state, NULL, 0, sizeof digest);
    for (const struct embedded_file *f = embedded_web; f->name; f++) {
        crypto_generichash_update(&state, (const unsigned char *)f->name, strlen(f->name) + 1);
        crypto_generichash_update(&state, f->data, f->size);
    }
    crypto_generichash_final(&state, digest, sizeof digest);
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    buf_init(&sw_script);
    buf_appendf(&sw_script,
                "// made by the server (src/http/static.c): this build and its app shell\n"
                "const BUILD = '%s';\nconst SHELL = ['/index.html'",
                hex);
    for (const struct embedded_file *f = embedded_web; f->name; f++)
        if (in_shell(f->name) && strcmp(f->name, "index.html") != 0)
            buf_appendf(&sw_script, ", '/%s'", f->name);
    buf_puts(&sw_script, "];\n\n");
    if (sw)
        buf_append(&sw_script, sw->data, sw->size);
}

int http_static_serve(const char *path, struct http_response *res)
{
    /* The one page under /api/: the API's documentation (web/src/api-docs.html). */
    if (strcmp(path, "/api/docs") == 0)
        path = "/api-docs.html";
    if (strncmp(path, "/api/", 5) == 0 || strstr(path, ".."))
        return -1;
    if (strcmp(path, "/" SW_NAME) == 0) {
        pthread_once(&sw_once, sw_build);
        res->status = 200;
        res->data = sw_script.data;
        res->len = sw_script.len;
        res->content_type = mime_of(SW_NAME);
        /* a new binary must reach the browser at its next check */
        http_add_header(res, "Cache-Control", "no-cache");
        return 0;
    }
    const char *name = path[0] == '/' ? path + 1 : path;
    const struct embedded_file *f = *name ? embedded_find(embedded_web, name) : NULL;
    if (!f) {
        const char *last = strrchr(path, '/');
        if (last && strchr(last, '.'))
            return -1; /* a missing asset is a 404, not the page */
        f = embedded_find(embedded_web, "index.html");
        if (!f)
            return -1;
        name = "index.html";
    }
    res->status = 200;
    res->data = f->data;
    res->len = f->size;
    res->gz_data = f->gz;
    res->gz_len = f->gz_size;
    res->content_type = mime_of(name);
    http_add_header(res, "Cache-Control",
                    strcmp(name, "index.html") == 0 ? "no-cache" : "public, max-age=300");
    return 0;
}

static char csp[512];
static pthread_once_t csp_once = PTHREAD_ONCE_INIT;

/* The hash of index.html's inline import map, as CSP wants it:
 * 'sha256-<base64 of the digest of the script's text>'. */
static void csp_build(void)
{
    char hash[80] = "";
    const struct embedded_file *f = embedded_find(embedded_web, "index.html");
    const char *open_tag = "<script type=\"importmap\">";
    const char *start = f ? strstr((const char *)f->data, open_tag) : NULL;
    const char *end = start ? strstr(start, "</script>") : NULL;
    if (start && end) {
        start += strlen(open_tag);
        unsigned char digest[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(digest, (const unsigned char *)start, (unsigned long long)(end - start));
        char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES,
                                           sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
        snprintf(hash, sizeof hash, " 'sha256-%s'", b64);
    }
    snprintf(csp, sizeof csp,
             "default-src 'self'; script-src 'self'%s; style-src 'self' 'unsafe-inline';"
             " img-src 'self' data: blob:; object-src 'none'; base-uri 'none';"
             " frame-ancestors 'none'; form-action 'self'",
             hash);
}

const char *http_static_csp(void)
{
    pthread_once(&csp_once, csp_build);
    return csp;
}
