/*
 * handlers.h -- every HTTP handler, one file per resource in handlers/.
 * Each has the http_handler_fn signature (http.h) and is listed in routes.c.
 */
#ifndef EPIGRID_HTTP_HANDLERS_H
#define EPIGRID_HTTP_HANDLERS_H
#include "core/idem.h"
#include "http/http.h"
#include "util/json.h"

#define HANDLER(name)                                                                              \
    int name(struct http_request *req, struct http_response *res, struct ep_error *err)

/* system.c */
HANDLER(handler_health_get);
HANDLER(handler_openapi_get);

/* regions.c */
HANDLER(handler_regions_roots);
HANDLER(handler_region_get);
HANDLER(handler_region_children);
HANDLER(handler_region_stats);
HANDLER(handler_region_map);
HANDLER(handler_region_create);
HANDLER(handler_regions_bulk);

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
/* cases.c, contacts.c, bulletin.c */
HANDLER(handler_sites_list);
HANDLER(handler_sites_create);
HANDLER(handler_site_get);
HANDLER(handler_cases_list);
HANDLER(handler_cases_create);
HANDLER(handler_cases_curve);
HANDLER(handler_cases_export);
HANDLER(handler_case_get);
HANDLER(handler_case_update);
HANDLER(handler_case_chain);
HANDLER(handler_contacts_list);
HANDLER(handler_contacts_create);

/* assists.c: cross-jurisdiction requests (协查函) */
HANDLER(handler_assists_list);
HANDLER(handler_assists_create);
HANDLER(handler_assist_get);
HANDLER(handler_assist_destinations);
HANDLER(handler_assist_acknowledge);
HANDLER(handler_assist_observe);
HANDLER(handler_assist_not_found);
HANDLER(handler_contact_get);
HANDLER(handler_bulletin_get);
HANDLER(handler_public_bulletin);
HANDLER(handler_bulletin_issue);
/* orgs.c */
HANDLER(handler_orgs_list);
HANDLER(handler_orgs_create);
HANDLER(handler_org_get);
HANDLER(handler_org_dissolve);
HANDLER(handler_org_members_list);
HANDLER(handler_org_members_add);
HANDLER(handler_org_member_end);
HANDLER(handler_team_types_list);
HANDLER(handler_team_types_create);
HANDLER(handler_teams_list);
HANDLER(handler_teams_create);
HANDLER(handler_team_get);
HANDLER(handler_team_members_add);
HANDLER(handler_applications_list);
HANDLER(handler_org_activities_list);
HANDLER(handler_org_activities_create);
HANDLER(handler_org_activity_get);
HANDLER(handler_applications_create);
HANDLER(handler_application_get);
HANDLER(handler_application_decide);
HANDLER(handler_grid_duties_list);
HANDLER(handler_grid_duty_put);
HANDLER(handler_stats_mobilisation);
/* duty.c */
HANDLER(handler_places_list);
HANDLER(handler_places_create);
HANDLER(handler_shifts_list);
HANDLER(handler_shifts_create);
HANDLER(handler_shift_gaps);
HANDLER(handler_shift_get);
HANDLER(handler_shift_checkin);
HANDLER(handler_shift_checkout);
HANDLER(handler_service_hours);
HANDLER(handler_checkpoints_list);
HANDLER(handler_checkpoints_create);
HANDLER(handler_checkpoint_get);
HANDLER(handler_checkpoint_entries_list);
HANDLER(handler_checkpoint_entries_create);
/* supplies.c, public.c */
HANDLER(handler_items_list);
HANDLER(handler_items_create);
HANDLER(handler_donors_list);
HANDLER(handler_donors_create);
HANDLER(handler_warehouses_list);
HANDLER(handler_warehouses_create);
HANDLER(handler_warehouse_get);
HANDLER(handler_warehouse_threshold);
HANDLER(handler_donations_list);
HANDLER(handler_donations_create);
HANDLER(handler_donation_get);
HANDLER(handler_donation_certificate);
HANDLER(handler_ledger_list);
HANDLER(handler_ledger_create);
HANDLER(handler_ledger_xlsx);
HANDLER(handler_ledger_get);
HANDLER(handler_ledger_reverse);
HANDLER(handler_requests_list);
HANDLER(handler_requests_create);
HANDLER(handler_request_get);
HANDLER(handler_request_fulfil);
HANDLER(handler_fund_accounts_list);
HANDLER(handler_fund_accounts_create);
HANDLER(handler_fund_entries_list);
HANDLER(handler_fund_entries_create);
HANDLER(handler_fund_entry_reverse);
HANDLER(handler_supplies_summary);
HANDLER(handler_fund_allocations);
HANDLER(handler_public_donations);
HANDLER(handler_public_donations_csv);
/* command.c */
HANDLER(handler_levels_get);
HANDLER(handler_levels_create);
HANDLER(handler_leader_links_list);
HANDLER(handler_leader_links_create);
HANDLER(handler_leader_link_delete);
HANDLER(handler_leader_regions);
HANDLER(handler_directives_list);
HANDLER(handler_directives_create);
HANDLER(handler_directive_get);
HANDLER(handler_directive_print);
HANDLER(handler_directive_read);
HANDLER(handler_directive_receipts);
HANDLER(handler_directive_reply);
HANDLER(handler_inspections_list);
HANDLER(handler_inspections_create);
HANDLER(handler_inspection_get);
HANDLER(handler_inspection_report);
HANDLER(handler_findings_list);
HANDLER(handler_finding_rectify);
HANDLER(handler_finding_verify);
HANDLER(handler_stats_inspections);
HANDLER(handler_broadcasts_list);
HANDLER(handler_broadcasts_create);
HANDLER(handler_broadcast_get);
HANDLER(handler_broadcast_audio);
HANDLER(handler_broadcast_ack);
HANDLER(handler_dashboard_get);
/* common.c, shared by the handlers: a person as JSON for "viewer" (PII
 * masked unless visible or "unmasked"); list cursors "<grid_code>:<id>";
 * ?region= (400 if malformed, 403 outside the scope); adding another
 * error's field errors not yet named; the optional client_uuid of a body as
 * an idempotency key (field error if malformed). */
struct person;
struct json_field;
json_t *handler_person_json(const struct auth_user *viewer, const struct person *p, int unmasked);
int handler_registry_cursor_parse(const char *cursor, char grid[REGION_CODE_MAX], int64_t *id,
                                  struct ep_error *err);
int handler_region_param(struct http_request *req, const char **region, struct ep_error *err);
/* ?date= (YYYY-MM-DD, field error otherwise), or today's date written into
 * "today" when absent. */
const char *handler_date_param(struct http_request *req, char today[11], struct ep_error *err);
/* For figures of the current state only: ?date= may be absent or today;
 * another day is a field error that says so and where a day's figures are
 * (issue 17: "or says plainly which figure is now only"). */
int handler_now_only(struct http_request *req, struct ep_error *err);

/* The query of a list paged by id, newest first. */
struct handler_page {
    int limit;          /* ?limit: 1..max, default def */
    int64_t cursor_id;  /* ?cursor: the id of the last item of the previous page, 0 = the first */
    const char *region; /* ?region, checked (handler_region_param), or NULL */
    const char *scope;  /* region when given, else the caller's jurisdiction */
};

/* Reads ?limit, ?cursor and ?region into *p: a field error per bad value
 * (-EP_EINVAL), or -EP_EFORBIDDEN for a region outside the jurisdiction;
 * 0 when all are good. */
int handler_page_params(struct http_request *req, int def, int max, struct handler_page *p,
                        struct ep_error *err);

/* The query of a registry list (persons, households, observations, cases)
 * paged by (grid_code, id). */
struct handler_registry_page {
    int limit;                   /* ?limit: 1..500, default 50 */
    const char *region;          /* ?region, checked (handler_region_param), or NULL */
    const char *after_grid;      /* ?cursor's grid ("after"), NULL on the first page */
    int64_t after_id;            /* ?cursor's id */
    char after[REGION_CODE_MAX]; /* the storage of after_grid */
};

/* Reads ?limit, ?cursor ("grid:id") and ?region into *p: field errors for
 * bad values are left in "err"; returns -EP_EFORBIDDEN for a region outside
 * the jurisdiction, else 0.  "p" must not be copied (after_grid points
 * into it). */
int handler_registry_params(struct http_request *req, struct handler_registry_page *p,
                            struct ep_error *err);
void handler_fields_merge(struct ep_error *err, const struct ep_error *more);
int handler_idem_key(const json_t *body, struct idem_key *key, struct ep_error *err);

/* The audit row of a read that shows personal data (issue #16, findings 2
 * and 4), written at once on the request's connection (one INSERT, no
 * transaction) before the answer goes out: when it fails, the handler
 * answers with the error instead of the data.
 *   "view":   "items" (an array, or one object) as the response holds them;
 *             the row names the items that show an ID number or phone in
 *             full ("pii_masked" false, or an "id_number"/"phone" without
 *             '*'), and no row is written when none does;
 *   "lookup": an exact query by ID number; the row names every item found
 *             (none, too) and keeps the number masked, as the unmask row.
 * The row: entity "entity" ("person", or "checkpoint_entry" and the like,
 * whose items name a "person_id"), entity_id the one item's id when there
 * is one, region the deepest region holding every item (else the caller's
 * scope); after {"person_ids": [...], "ids": [...] (other entities),
 * "count", "route", "id_number" (lookup)}.  "id_number" may be NULL. */
int handler_pii_audit(struct http_request *req, const char *action, const char *entity,
                      const json_t *items, const char *id_number, struct ep_error *err);

/* The steps every handler shares (common.c), so that a handler reads as
 * decode -> one domain call -> encode. */

/* The request body as a JSON object, checked against "fields": NULL (err
 * set) when it is not a JSON object; otherwise a new reference, returned
 * even when the check added field errors to err, so that the handler can
 * name every problem at once. */
json_t *handler_body(struct http_request *req, const struct json_field *fields,
                     struct ep_error *err);

/* Ends a write handler after its one domain call.  "rc" is what the call
 * returned, or non-zero when the handler skipped it for errors in the
 * request.  Releases "body" (may be NULL), then:
 * - rc != 0: releases "out" (may be NULL) and returns -err->code;
 * - rc == 0: replies "out" (stolen) with "status" -- or, when "key" (may be
 *   NULL) says the write was an idempotent replay, with 200 and the header
 *   "Idempotent-Replay: true".
 * A reply made from a struct the call fills is built only on success:
 * pass `rc == 0 ? x_json_new(&x) : NULL`. */
int handler_write_reply(struct http_response *res, json_t *body, int rc, const struct idem_key *key,
                        int status, json_t *out, struct ep_error *err);

/* The next cursor of a page read with JSON_PAGE_FETCH(limit) rows, as
 * json_page_cursor_id() and json_page_cursor_grid_id() (util/json.h). */
/* Replies 200 with the spreadsheet written at "path", read whole into the
 * response, under the header Content-Disposition: "disposition" (a string
 * literal: headers must outlive the request).  Returns 0, or -EP_EINTERNAL
 * when the file cannot be read (nothing replied). */
int handler_xlsx_reply(struct http_response *res, const char *path, const char *disposition);

typedef json_t *handler_cursor_fn(json_t *items, int limit);

/* Ends a list handler after its one domain call "rc" that read up to
 * JSON_PAGE_FETCH(limit) rows into "items": rc != 0: releases items and
 * returns -err->code; otherwise trims the page and replies 200
 * {"items": [...], "next_cursor": cursor(items, limit)}. */
int handler_page_reply(struct http_response *res, int rc, json_t *items, int limit,
                       handler_cursor_fn *cursor, struct ep_error *err);
/* handler_page_reply for a list that may show personal data: the page's
 * items go through handler_pii_audit(action, entity, id_number) before the
 * answer goes out (an error instead when the audit row cannot be written). */
int handler_page_reply_pii(struct http_request *req, struct http_response *res, int rc,
                           json_t *items, int limit, handler_cursor_fn *cursor, const char *action,
                           const char *entity, const char *id_number, struct ep_error *err);

/* handler_page_reply for a list without pages: 200 {"items": [...]}. */
int handler_items_reply(struct http_response *res, int rc, json_t *items, struct ep_error *err);

/* A domain read of one object by id within "scope" as a new JSON reference. */
typedef int handler_get_fn(struct store *s, const char *scope, int64_t id, json_t **out,
                           struct ep_error *err);

/* GET of one object: the first path parameter as its id (404 "<what> <id>
 * 不存在" / "<what_en> <id> not found" when it cannot be one, see
 * http_path_id), read by "get" within the caller's scope, replied with 200. */
int handler_get_by_id(struct http_request *req, struct http_response *res, const char *what_zh,
                      const char *what_en, handler_get_fn *get, struct ep_error *err);

/* The request bodies' specs (util/json.h), named <file>_<table>: the
 * handlers check with them and the route table (routes.c) points at them. */
extern const struct json_field alerts_no_fields[];
extern const struct json_field alerts_resolve_fields[];
extern const struct json_field assists_not_found_fields[];
extern const struct json_field assists_observe_fields[];
extern const struct json_field assists_request_fields[];
extern const struct json_field bulletin_issue_fields[];
extern const struct json_field cases_case_fields[];
extern const struct json_field cases_change_fields[];
extern const struct json_field cases_site_fields[];
extern const struct json_field command_ack_fields[];
extern const struct json_field command_broadcast_fields[];
extern const struct json_field command_directive_fields[];
extern const struct json_field command_inspection_fields[];
extern const struct json_field command_level_fields[];
extern const struct json_field command_link_fields[];
extern const struct json_field command_rectify_fields[];
extern const struct json_field command_reply_fields[];
extern const struct json_field command_verify_fields[];
extern const struct json_field contacts_contact_fields[];
extern const struct json_field duty_attend_fields[];
extern const struct json_field duty_checkpoint_fields[];
extern const struct json_field duty_entry_fields[];
extern const struct json_field duty_place_fields[];
extern const struct json_field duty_shift_fields[];
extern const struct json_field households_household_fields[];
extern const struct json_field observations_create_fields[];
extern const struct json_field observations_release_fields[];
extern const struct json_field observations_report_fields[];
extern const struct json_field orgs_application_fields[];
extern const struct json_field orgs_activity_fields[];
extern const struct json_field orgs_decision_fields[];
extern const struct json_field orgs_dissolve_fields[];
extern const struct json_field orgs_duty_fields[];
extern const struct json_field orgs_member_fields[];
extern const struct json_field orgs_org_fields[];
extern const struct json_field orgs_team_fields[];
extern const struct json_field orgs_team_member_fields[];
extern const struct json_field orgs_team_type_fields[];
extern const struct json_field persons_person_fields[];
extern const struct json_field persons_person_change_fields[];
extern const struct json_field profile_end_fields[];
extern const struct json_field profile_profile_fields[];
extern const struct json_field profile_risk_fields[];
extern const struct json_field regions_region_fields[];
extern const struct json_field regions_bulk_fields[];
extern const struct json_field screening_round_fields[];
extern const struct json_field screening_visit_fields[];
extern const struct json_field session_login_fields[];
extern const struct json_field supplies_account_fields[];
extern const struct json_field supplies_donation_fields[];
extern const struct json_field supplies_donor_fields[];
extern const struct json_field supplies_entry_fields[];
extern const struct json_field supplies_entry_reverse_fields[];
extern const struct json_field supplies_fulfil_fields[];
extern const struct json_field supplies_item_fields[];
extern const struct json_field supplies_op_fields[];
extern const struct json_field supplies_request_fields[];
extern const struct json_field supplies_reverse_fields[];
extern const struct json_field supplies_threshold_fields[];
extern const struct json_field supplies_warehouse_fields[];
extern const struct json_field users_user_fields[];

#endif
