/*
 * params.c -- ids in request paths and numeric list cursors, parsed one way
 * for every handler (see http.h): a path id that is not a positive integer
 * names an object that cannot exist (404); a cursor that is not one is a
 * field error (400).  http_query_id() for query parameters lives in
 * server.c beside http_query().
 */
#include <errno.h>
#include <stdlib.h>

#include "http/http.h"

/* A positive decimal integer up to HTTP_ID_MAX with nothing around it, or 0. */
static int64_t positive(const char *text)
{
    if (!text || *text < '0' || *text > '9')
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    return *end || errno == ERANGE || v <= 0 || v > HTTP_ID_MAX ? 0 : (int64_t)v;
}

int http_path_id(struct http_request *req, int index, const char *what_zh, const char *what_en,
                 int64_t *id, struct ep_error *err)
{
    const char *text = req->params[index];
    if ((*id = positive(text)) > 0)
        return 0;
    return ep_error_set(err, EP_ENOTFOUND, "%s%.0s %s 不存在", "%.0s%s %s not found", what_zh,
                        what_en, text ? text : "");
}

int64_t http_cursor_id(const char *cursor, struct ep_error *err)
{
    if (!cursor)
        return 0;
    int64_t v = positive(cursor);
    if (v > 0)
        return v;
    ep_error_field(err, "cursor", "分页游标无效", "invalid cursor");
    return -1;
}
