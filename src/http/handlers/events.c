/*
 * events.c -- GET /api/v1/events: server-sent events of the caller's
 * jurisdiction (alerts raised, acknowledged, resolved, ...).
 *
 * A client resuming sends Last-Event-ID (browsers do so by themselves on
 * reconnect) or ?after=ID and receives every event it missed, in order; a new
 * client starts with the events published from now on.  The stream itself is
 * driven by the server (server.c: sse_read), woken after each commit.
 */
#include <stdlib.h>

#include "core/event.h"
#include "http/handlers/handlers.h"

int handler_events_stream(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    const char *from = http_header(req, "Last-Event-ID");
    if (!from)
        from = http_query(req, "after");
    int64_t after = 0;
    if (from) {
        char *end;
        after = strtoll(from, &end, 10);
        if (*from == '\0' || *end || after < 0) {
            ep_error_field(err, "after", "事件编号无效", "invalid event id");
            return -EP_EINVAL;
        }
    } else if (event_last_id(req->store, &after, err) != 0) {
        return -err->code;
    }
    res->sse = 1;
    res->sse_after = after;
    return 0;
}
