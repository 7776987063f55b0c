/*
 * handlers.h -- every HTTP handler, one file per resource in handlers/.
 * Each has the http_handler_fn signature (http.h) and is listed in routes.c.
 */
#ifndef EPIGRID_HTTP_HANDLERS_H
#define EPIGRID_HTTP_HANDLERS_H
#include "http/http.h"

#define HANDLER(name)                                                                              \
    int name(struct http_request *req, struct http_response *res, struct ep_error *err)

/* system.c */
HANDLER(handler_health_get);

/* regions.c */
HANDLER(handler_regions_roots);
HANDLER(handler_region_get);
HANDLER(handler_region_children);
HANDLER(handler_region_stats);
HANDLER(handler_region_create);

/* session.c */
HANDLER(handler_session_create);
HANDLER(handler_session_get);
HANDLER(handler_session_delete);

/* users.c */
HANDLER(handler_users_list);
HANDLER(handler_users_create);

/* audit.c */
HANDLER(handler_audit_list);

#endif
