/*
 * stats.c -- GET /api/v1/stats?region=CODE&date=YYYY-MM-DD: the headline
 * figures of a region (default: the caller's jurisdiction; date default
 * today in China), read from counters.
 */
#include "core/stats.h"
#include "http/handlers/handlers.h"
#include "util/timeutil.h"

int handler_stats_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    const char *region = http_query(req, "region");
    char today[11];
    const char *date = handler_date_param(req, today, err);
    if (!region)
        region = req->user.scope;
    if (!region_level_of_code(region))
        ep_error_field(err, "region", "地区编码无效", "invalid region code");
    if (err->code)
        return -EP_EINVAL;
    if (http_require_scope(req, region, err) != 0)
        return -EP_EFORBIDDEN;
    size_t len;
    char *text = stats_region_day_text(req->store, region, date, &len, err);
    if (!text)
        return -err->code;
    res->status = 200;
    res->owned = text;
    res->len = len;
    res->content_type = "application/json; charset=utf-8";
    return 0;
}
