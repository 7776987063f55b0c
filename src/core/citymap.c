/*
 * citymap.c -- the county polygons of a city (see citymap.h and
 * tools/citymaps.mjs for the table's format).
 */
#include "core/citymap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/region.h"
#include "util/pack.h"

const unsigned char *citymap_table(size_t *size); /* citymap_table.c */

#define MAGIC "epigrid-citymaps 1\n"

/* Keeps the header's "source <package> <version>" line. */
static void take_source(const char *line, void *ctx)
{
    if (strncmp(line, "source ", 7) == 0)
        snprintf(ctx, 64, "%s", line + 7);
}

#define COUNTIES_MAX 64 /* counties of a city: 30 at most today */

/* The counties of the city as the installation has them. */
struct counties {
    struct region r[COUNTIES_MAX];
    int on_map[COUNTIES_MAX]; /* 1 once a feature stands for it */
    int n;
};

static int add_county(const struct region *r, void *ctx)
{
    struct counties *c = ctx;
    if (c->n < COUNTIES_MAX)
        c->r[c->n++] = *r;
    return 0;
}

/* The length of "name" without its last character when that is 县, 市, 区
 * or 旗 (3 bytes each in UTF-8): 祁阳县 and 祁阳市 share "祁阳". */
static size_t stem_length(const char *name)
{
    static const char *const suffixes[] = {"县", "市", "区", "旗"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++)
        if (n > 3 && strcmp(name + n - 3, suffixes[i]) == 0)
            return n - 3;
    return n;
}

/* 1 if a feature of "features" has the id "code". */
static int map_has(const json_t *features, const char *code)
{
    size_t i;
    const json_t *f;
    json_array_foreach(features, i, f)
    {
        const char *id = json_string_value(json_object_get(f, "id"));
        if (id && strcmp(id, code) == 0)
            return 1;
    }
    return 0;
}

/* The index in "c" of the county a feature of the map (its "code" and
 * "name") stands for, -1 for none: the county of that code; else the one
 * that has it as a former code (region_former_get); else the one county not
 * on the map yet whose name differs from the map's in the last character
 * alone (县改市: 祁阳县 431121 is 祁阳市 431181, and the installation may not
 * have recorded the former code).  Negative below -1 on a database error. */
static int county_of(struct store *s, struct counties *c, const char *code, const char *name,
                     const json_t *features, struct ep_error *err)
{
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->r[i].code, code) == 0)
            return i;
    struct region now;
    struct ep_error quiet;
    ep_error_clear(&quiet);
    int rc = region_former_get(s, code, &now, NULL, &quiet);
    if (rc != 0 && rc != -EP_ENOTFOUND) {
        *err = quiet;
        return -2;
    }
    for (int i = 0; rc == 0 && i < c->n; i++)
        if (strcmp(c->r[i].code, now.code) == 0)
            return i;
    int found = -1, matches = 0;
    size_t stem = stem_length(name);
    for (int i = 0; i < c->n; i++) {
        if (c->on_map[i] || stem_length(c->r[i].name) != stem ||
            strncmp(c->r[i].name, name, stem) != 0)
            continue;
        if (!map_has(features, c->r[i].code))
            found = i, matches++;
    }
    return matches == 1 ? found : -1;
}

int citymap_get(struct store *s, const char *code, json_t **out, struct ep_error *err)
{
    *out = NULL;
    int level = region_level_of_code(code);
    if (level != REGION_CITY && level != REGION_COUNTY)
        return ep_error_set(err, EP_ENOTFOUND, "县级以下没有地图", "no map below county level");
    char city[5], source[64] = "";
    snprintf(city, sizeof city, "%.4s", code);
    size_t size;
    const unsigned char *table = citymap_table(&size);
    struct pack_entry e;
    int found = pack_find(table, size, MAGIC, city, take_source, source, &e);
    char *text = found > 0 ? pack_inflate(table, &e) : NULL;
    if (found == 0)
        return ep_error_set(err, EP_ENOTFOUND, "内置地图中没有本市(编码 %s)",
                            "the built-in maps have no city %s", city);
    json_t *geo = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    json_t *features = json_object_get(geo, "features");
    if (!json_is_array(features)) {
        json_decref(geo);
        return ep_error_set(err, EP_EINTERNAL, "内置地图已损坏", "the built-in maps are damaged");
    }
    struct counties *counties = calloc(1, sizeof *counties);
    if (!counties)
        abort();
    int rc = region_children_list(s, city, add_county, counties, err);
    json_t *kept = json_array();
    size_t i;
    json_t *f;
    json_array_foreach(features, i, f)
    {
        json_t *props = json_object_get(f, "properties");
        const char *id = json_string_value(json_object_get(f, "id"));
        const char *name = json_string_value(json_object_get(props, "name"));
        if (rc != 0 || !id || !name) {
            rc = rc ? rc
                    : ep_error_set(err, EP_EINTERNAL, "内置地图已损坏",
                                   "the built-in maps are damaged");
            break;
        }
        int k = county_of(s, counties, id, name, features, err);
        if (k < -1) {
            rc = -err->code;
            break;
        }
        const char *today = k >= 0 ? counties->r[k].code : id;
        if (k >= 0)
            counties->on_map[k] = 1;
        if (level == REGION_COUNTY && strcmp(today, code) != 0)
            continue;
        if (strcmp(today, id) != 0)
            json_object_set_new(props, "former", json_string(id));
        json_object_set_new(props, "code", json_string(today));
        json_object_set_new(f, "id", json_string(today));
        json_array_append(kept, f);
    }
    free(counties);
    if (rc != 0) {
        json_decref(kept);
        json_decref(geo);
        return rc;
    }
    json_object_set_new(geo, "features", kept);
    if (json_array_size(kept) == 0) {
        json_decref(geo);
        return ep_error_set(err, EP_ENOTFOUND, "内置地图中没有地区 %s",
                            "the built-in maps have no %s", code);
    }
    *out = json_pack("{s:s, s:s, s:o}", "city", city, "source", source, "map", geo);
    return 0;
}
