/*
 * handlers.h -- every HTTP handler, one file per resource in handlers/.
 * Each has the http_handler_fn signature (http.h) and is listed in routes.c.
 */
#ifndef EPIGRID_HTTP_HANDLERS_H
#define EPIGRID_HTTP_HANDLERS_H
#include "core/idem.h"
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

/* stats.c */
HANDLER(handler_stats_get);

/* session.c */
HANDLER(handler_session_create);
HANDLER(handler_session_get);
HANDLER(handler_session_delete);

/* users.c */
HANDLER(handler_users_list);
HANDLER(handler_users_create);

/* events.c */
HANDLER(handler_events_stream);

/* audit.c */
HANDLER(handler_audit_list);

/* persons.c */
HANDLER(handler_persons_list);
HANDLER(handler_persons_create);
HANDLER(handler_person_get);
HANDLER(handler_person_update);
HANDLER(handler_person_unmask);
/* households.c */
HANDLER(handler_households_list);
HANDLER(handler_households_create);
HANDLER(handler_household_get);
/* observations.c */
HANDLER(handler_observations_list);
HANDLER(handler_observations_create);
HANDLER(handler_observation_get);
HANDLER(handler_observation_release);
HANDLER(handler_health_reports_create);
/* alerts.c */
HANDLER(handler_alerts_list);
HANDLER(handler_alert_get);
HANDLER(handler_alert_acknowledge);
HANDLER(handler_alert_resolve);
HANDLER(handler_stats_timeliness);
/* profile.c */
HANDLER(handler_profile_get);
HANDLER(handler_profile_put);
HANDLER(handler_riskareas_list);
HANDLER(handler_riskareas_create);
HANDLER(handler_riskarea_end);
HANDLER(handler_riskarea_delete);
/* screening.c */
HANDLER(handler_rounds_list);
HANDLER(handler_rounds_create);
HANDLER(handler_round_get);
HANDLER(handler_round_close);
HANDLER(handler_visits_list);
HANDLER(handler_visits_create);
HANDLER(handler_visit_get);
HANDLER(handler_coverage_get);
/* persons.c, shared with households.c: a person as JSON for "viewer" (PII
 * masked unless visible or "unmasked"); list cursors "<grid_code>:<id>";
 * ?region= (400 if malformed, 403 outside the scope); adding another
 * error's field errors not yet named; the optional client_uuid of a body as
 * an idempotency key (field error if malformed). */
struct person;
json_t *handler_person_json(const struct auth_user *viewer, const struct person *p, int unmasked);
int handler_registry_cursor_parse(const char *cursor, char grid[REGION_CODE_MAX], int64_t *id,
                                  struct ep_error *err);
int handler_region_param(struct http_request *req, const char **region, struct ep_error *err);
void handler_fields_merge(struct ep_error *err, const struct ep_error *more);
int handler_idem_key(const json_t *body, struct idem_key *key, struct ep_error *err);

#endif
