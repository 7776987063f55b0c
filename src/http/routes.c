/*
 * routes.c -- every route of the API, top to bottom: method, pattern,
 * handler, the permission it needs.  The authorization-matrix test reads this
 * table through `epigrid routes`, so a new route without a rule fails it.
 */
#include "http/handlers/handlers.h"
#include "http/router.h"

const struct route http_routes[] = {
    /* system */
    {"GET", "/api/v1/health", handler_health_get, PERM_PUBLIC, 0},

    /* session and users */
    {"POST", "/api/v1/session", handler_session_create, PERM_PUBLIC, 0},
    {"GET", "/api/v1/session", handler_session_get, PERM_LOGIN, 0},
    {"DELETE", "/api/v1/session", handler_session_delete, PERM_LOGIN, 0},
    {"GET", "/api/v1/users", handler_users_list, PERM_USER_READ, 0},
    {"POST", "/api/v1/users", handler_users_create, PERM_USER_ADMIN, 1},
    {"GET", "/api/v1/audit", handler_audit_list, PERM_AUDIT_READ, 0},
    {"GET", "/api/v1/events", handler_events_stream, PERM_LOGIN, 0},

    /* region spine */
    {"GET", "/api/v1/regions", handler_regions_roots, PERM_REGION_READ, 0},
    {"POST", "/api/v1/regions", handler_region_create, PERM_REGION_WRITE, 1},
    {"GET", "/api/v1/regions/{code}", handler_region_get, PERM_REGION_READ, 0},
    {"GET", "/api/v1/regions/{code}/children", handler_region_children, PERM_REGION_READ, 0},
    {"GET", "/api/v1/regions/{code}/stats", handler_region_stats, PERM_REGION_READ, 0},
    {"GET", "/api/v1/stats", handler_stats_get, PERM_REGION_READ, 0},

    /* registry */
    {"GET", "/api/v1/households", handler_households_list, PERM_REGISTRY_READ, 0},
    {"POST", "/api/v1/households", handler_households_create, PERM_REGISTRY_WRITE, 1},
    {"GET", "/api/v1/households/{id}", handler_household_get, PERM_REGISTRY_READ, 0},
    {"GET", "/api/v1/persons", handler_persons_list, PERM_REGISTRY_READ, 0},
    {"POST", "/api/v1/persons", handler_persons_create, PERM_REGISTRY_WRITE, 1},
    {"GET", "/api/v1/persons/{id}", handler_person_get, PERM_REGISTRY_READ, 0},
    {"PATCH", "/api/v1/persons/{id}", handler_person_update, PERM_REGISTRY_WRITE, 1},
    {"POST", "/api/v1/persons/{id}/unmask", handler_person_unmask, PERM_PII_UNMASK, 0},

    /* observations, health reports, alerts */
    {"GET", "/api/v1/observations", handler_observations_list, PERM_REGISTRY_READ, 0},
    {"POST", "/api/v1/observations", handler_observations_create, PERM_FIELD_WRITE, 1},
    {"GET", "/api/v1/observations/{id}", handler_observation_get, PERM_REGISTRY_READ, 0},
    {"POST", "/api/v1/observations/{id}/release", handler_observation_release, PERM_FIELD_WRITE, 1},
    {"POST", "/api/v1/health-reports", handler_health_reports_create, PERM_FIELD_WRITE, 1},
    {"GET", "/api/v1/alerts", handler_alerts_list, PERM_REGISTRY_READ, 0},
    {"GET", "/api/v1/alerts/{id}", handler_alert_get, PERM_REGISTRY_READ, 0},
    {"POST", "/api/v1/alerts/{id}/acknowledge", handler_alert_acknowledge, PERM_ALERT_HANDLE, 1},
    {"POST", "/api/v1/alerts/{id}/resolve", handler_alert_resolve, PERM_ALERT_HANDLE, 1},
    {"GET", "/api/v1/stats/timeliness", handler_stats_timeliness, PERM_REGION_READ, 0},

    /* disease profile, risk areas, screening rounds, household visits, coverage */
    {"GET", "/api/v1/profile", handler_profile_get, PERM_LOGIN, 0},
    {"PUT", "/api/v1/profile", handler_profile_put, PERM_REGION_WRITE, 0},
    {"GET", "/api/v1/risk-areas", handler_riskareas_list, PERM_REGION_READ, 0},
    {"POST", "/api/v1/risk-areas", handler_riskareas_create, PERM_REGION_WRITE, 0},
    {"PATCH", "/api/v1/risk-areas/{id}", handler_riskarea_end, PERM_REGION_WRITE, 0},
    {"DELETE", "/api/v1/risk-areas/{id}", handler_riskarea_delete, PERM_REGION_WRITE, 0},
    {"GET", "/api/v1/rounds", handler_rounds_list, PERM_REGION_READ, 0},
    {"POST", "/api/v1/rounds", handler_rounds_create, PERM_ROUND_MANAGE, 1},
    {"GET", "/api/v1/rounds/{id}", handler_round_get, PERM_REGION_READ, 0},
    {"POST", "/api/v1/rounds/{id}/close", handler_round_close, PERM_ROUND_MANAGE, 1},
    {"GET", "/api/v1/visits", handler_visits_list, PERM_REGISTRY_READ, 0},
    {"POST", "/api/v1/visits", handler_visits_create, PERM_FIELD_WRITE, 1},
    {"GET", "/api/v1/visits/{id}", handler_visit_get, PERM_REGISTRY_READ, 0},
    {"GET", "/api/v1/stats/coverage", handler_coverage_get, PERM_REGION_READ, 0},

    /* cases, sites, close contacts, the daily bulletin */
    {"GET", "/api/v1/sites", handler_sites_list, PERM_REGION_READ, 0},
    {"POST", "/api/v1/sites", handler_sites_create, PERM_SITE_MANAGE, 1},
    {"GET", "/api/v1/sites/{id}", handler_site_get, PERM_REGION_READ, 0},
    {"GET", "/api/v1/cases", handler_cases_list, PERM_CASE_READ, 0},
    {"POST", "/api/v1/cases", handler_cases_create, PERM_CASE_WRITE, 1},
    {"GET", "/api/v1/cases/curve", handler_cases_curve, PERM_REGION_READ, 0},
    {"GET", "/api/v1/cases/export", handler_cases_export, PERM_CASE_READ, 0},
    {"GET", "/api/v1/cases/{id}", handler_case_get, PERM_CASE_READ, 0},
    {"PATCH", "/api/v1/cases/{id}", handler_case_update, PERM_CASE_WRITE, 1},
    {"GET", "/api/v1/cases/{id}/chain", handler_case_chain, PERM_CASE_READ, 0},
    {"GET", "/api/v1/contacts", handler_contacts_list, PERM_CASE_READ, 0},
    {"POST", "/api/v1/contacts", handler_contacts_create, PERM_CASE_WRITE, 1},
    {"GET", "/api/v1/contacts/{id}", handler_contact_get, PERM_CASE_READ, 0},
    {"GET", "/api/v1/bulletin", handler_bulletin_get, PERM_REGION_READ, 0},
    {"GET", "/public/bulletin", handler_public_bulletin, PERM_PUBLIC, 0},

    /* mobilisation: organisations, members, teams, applications, grid duty, rosters, checkpoints */
    {"GET", "/api/v1/orgs", handler_orgs_list, PERM_REGION_READ, 0},
    {"POST", "/api/v1/orgs", handler_orgs_create, PERM_ORG_MANAGE, 1},
    {"GET", "/api/v1/orgs/{id}", handler_org_get, PERM_REGION_READ, 0},
    {"POST", "/api/v1/orgs/{id}/dissolve", handler_org_dissolve, PERM_ORG_MANAGE, 1},
    {"GET", "/api/v1/orgs/{id}/members", handler_org_members_list, PERM_REGION_READ, 0},
    {"POST", "/api/v1/orgs/{id}/members", handler_org_members_add, PERM_ORG_MANAGE, 1},
    {"DELETE", "/api/v1/orgs/{id}/members/{person_id}", handler_org_member_end, PERM_ORG_MANAGE, 1},
    {"GET", "/api/v1/team-types", handler_team_types_list, PERM_REGION_READ, 0},
    {"POST", "/api/v1/team-types", handler_team_types_create, PERM_ORG_MANAGE, 0},
    {"GET", "/api/v1/teams", handler_teams_list, PERM_REGION_READ, 0},
    {"POST", "/api/v1/teams", handler_teams_create, PERM_ORG_MANAGE, 1},
    {"GET", "/api/v1/teams/{id}", handler_team_get, PERM_REGION_READ, 0},
    {"POST", "/api/v1/teams/{id}/members", handler_team_members_add, PERM_ORG_MANAGE, 1},
    {"GET", "/api/v1/applications", handler_applications_list, PERM_REGION_READ, 0},
    {"POST", "/api/v1/applications", handler_applications_create, PERM_ORG_MANAGE, 1},
    {"GET", "/api/v1/applications/{id}", handler_application_get, PERM_REGION_READ, 0},
    {"POST", "/api/v1/applications/{id}/decision", handler_application_decide, PERM_ORG_MANAGE, 1},
    {"GET", "/api/v1/grid-duties", handler_grid_duties_list, PERM_REGION_READ, 0},
    {"PUT", "/api/v1/grid-duties/{code}", handler_grid_duty_put, PERM_ORG_MANAGE, 1},
    {"GET", "/api/v1/places", handler_places_list, PERM_REGION_READ, 0},
    {"POST", "/api/v1/places", handler_places_create, PERM_ORG_MANAGE, 1},
    {"GET", "/api/v1/shifts", handler_shifts_list, PERM_REGION_READ, 0},
    {"POST", "/api/v1/shifts", handler_shifts_create, PERM_ORG_MANAGE, 1},
    {"GET", "/api/v1/shifts/gaps", handler_shift_gaps, PERM_REGION_READ, 0},
    {"GET", "/api/v1/shifts/{id}", handler_shift_get, PERM_REGION_READ, 0},
    {"POST", "/api/v1/shifts/{id}/checkin", handler_shift_checkin, PERM_DUTY_WRITE, 1},
    {"POST", "/api/v1/shifts/{id}/checkout", handler_shift_checkout, PERM_DUTY_WRITE, 1},
    {"GET", "/api/v1/service-hours", handler_service_hours, PERM_REGION_READ, 0},
    {"GET", "/api/v1/checkpoints", handler_checkpoints_list, PERM_REGION_READ, 0},
    {"POST", "/api/v1/checkpoints", handler_checkpoints_create, PERM_ORG_MANAGE, 1},
    {"GET", "/api/v1/checkpoints/{id}", handler_checkpoint_get, PERM_REGION_READ, 0},
    {"GET", "/api/v1/checkpoints/{id}/entries", handler_checkpoint_entries_list, PERM_REGISTRY_READ, 0},
    {"POST", "/api/v1/checkpoints/{id}/entries", handler_checkpoint_entries_create, PERM_DUTY_WRITE, 1},
    {"GET", "/api/v1/stats/mobilisation", handler_stats_mobilisation, PERM_REGION_READ, 0},

    {NULL, NULL, NULL, 0, 0},
};
