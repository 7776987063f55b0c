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
json_t *handler_person_json(const struct auth_user *viewer, const struct person *p, int unmasked);
int handler_registry_cursor_parse(const char *cursor, char grid[REGION_CODE_MAX], int64_t *id,
                                  struct ep_error *err);
int handler_region_param(struct http_request *req, const char **region, struct ep_error *err);
void handler_fields_merge(struct ep_error *err, const struct ep_error *more);
int handler_idem_key(const json_t *body, struct idem_key *key, struct ep_error *err);

#endif
