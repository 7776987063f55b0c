/*
 * site.h -- places where people are treated or isolated: designated
 * hospitals (定点医院), fever clinics (发热门诊) and centralized quarantine
 * sites (集中隔离点), each in a region with a capacity in beds or rooms.
 *
 * Occupancy is derived, never stored: the open cases placed at the site plus
 * the active centralized observations naming the site.  A site is visible to
 * a user when it lies in the user's scope or above it (a city hospital
 * serves every county), so the visibility test is in the SQL.
 *
 * Ownership: structs are filled by value; input strings are borrowed.
 */
#ifndef EPIGRID_CORE_SITE_H
#define EPIGRID_CORE_SITE_H
#include <jansson.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/region.h"
#include "store/store.h"
#include "util/error.h"

#define SITE_NAME_CHARS 40

struct site {
    int64_t id;
    char kind[24];                      /* designated_hospital, fever_clinic, quarantine_site */
    char name[SITE_NAME_CHARS * 4 + 1]; /* UTF-8 */
    char region_code[REGION_CODE_MAX];  /* where it is */
    char region_name[REGION_NAME_MAX];
    int64_t capacity;  /* beds or rooms */
    int64_t occupancy; /* open cases placed here + active centralized observations naming it */
    char address[256]; /* "" when none */
    char created_by[64];
    char created_at[32];
};

struct site_input {
    const char *kind;        /* see above */
    const char *name;        /* 1-40 characters, unique within the region */
    const char *region_code; /* a region inside who's scope */
    int64_t capacity;        /* 0 .. 100000 */
    const char *address;     /* optional, at most 60 characters */
};

/* The i-th site kind (from 0), NULL past the last. */
const char *site_kind_at(int i);

/* 1 if "kind" is a site kind; its Chinese name ("定点医院", ...) or "". */
int site_kind_valid(const char *kind);
const char *site_kind_zh(const char *kind);

/* The checks of site_create that write nothing: field errors named after
 * the input members, and the region (existing and inside "scope": one
 * outside is not found, like a missing one).  0, -EP_EINVAL, or
 * -EP_ENOTFOUND when the region is the only error. */
int site_input_check(struct store *s, const char *scope, const struct site_input *in,
                     struct ep_error *err);

/* Validates (field errors named after the input members), inserts and
 * audits in one write.  The region must exist inside who's scope (404 on
 * "region_code" otherwise, the same for a region of another county as for
 * a missing one); the same name in the same region is -EP_ECONFLICT. */
int site_create(struct store *s, const struct actor *who, const struct site_input *in,
                struct site *out, struct ep_error *err);

/* Reads a site visible from "scope" (inside it or an ancestor of it), with
 * its occupancy.  -EP_ENOTFOUND otherwise. */
int site_get(struct store *s, const char *scope, int64_t id, struct site *out,
             struct ep_error *err);

/* Calls fn for every site visible from "scope", optionally only of "kind"
 * (NULL = any) and inside "region" (NULL = any), by region code then id. */
typedef int (*site_fn)(const struct site *site, void *ctx);
int site_list(struct store *s, const char *scope, const char *region, const char *kind, site_fn fn,
              void *ctx, struct ep_error *err);

/* The site as JSON (new reference). */
json_t *site_json_new(const struct site *site);

#endif
