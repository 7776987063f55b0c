/*
 * static.c -- serving embedded web assets (see static.h).
 */
#include "http/static.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/embedded.h"

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

int http_static_serve(const char *path, struct http_response *res)
{
    /* The one page under /api/: the API's documentation (web/src/api-docs.html). */
    if (strcmp(path, "/api/docs") == 0)
        path = "/api-docs.html";
    if (strncmp(path, "/api/", 5) == 0 || strstr(path, ".."))
        return -1;
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
