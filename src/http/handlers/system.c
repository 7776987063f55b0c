/*
 * system.c -- GET /api/v1/health: liveness and database reachability.
 */
#include "http/handlers/handlers.h"
#include "http/openapi.h"
#include "util/timeutil.h"

#ifndef EPIGRID_VERSION
#define EPIGRID_VERSION "dev"
#endif

int handler_health_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int version = store_schema_version(req->store, err);
    if (version < 0)
        return version;
    char now[32];
    time_now_iso(now);
    return http_reply_json(res, 200,
                           json_pack("{s:s, s:s, s:s, s:i, s:s}", "status", "ok", "version",
                                     EPIGRID_VERSION, "engine", store_engine(req->store),
                                     "schema_version", version, "time", now));
}

int handler_openapi_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    (void)req;
    (void)err;
    return http_reply_json(res, 200, http_openapi());
}
