/*
 * idmap.h -- the mapping files of `epigrid import` (issue 18, item 4).
 *
 * `--map FILE` writes, for every record an import made, the row's own key
 * -- the file's id column when it has one (an export's 人员ID, 住户ID,
 * 队伍ID ..., a 户编号 or 编号 of the user's), else the row's line number --
 * and the new record's id:
 *
 *     住户ID,新住户ID          (or 行号,新住户ID)
 *     17,1
 *     18,2
 *
 * CSV through the one writer (util/csvwrite.h), UTF-8 with a BOM so that
 * Excel shows it.  The file is written beside FILE as FILE.part while the
 * import runs and renamed to FILE after the commit; an import that writes
 * nothing (bad rows, --dry-run) leaves no FILE.
 *
 * `--ids FILE[,FILE...]` reads such files back: a column that names records
 * of the kind a map's second title gives ("新住户ID" -> the 住户ID of a
 * persons file, "新党组织ID" -> 党组织ID, 上级ID ...) is translated through
 * it, so that a file exported by one system -- or keyed by the user's own
 * numbers -- imports into another whose ids differ.
 *
 * Ownership: the structs live with the caller (idmap_out_* and
 * idmaps_* pairs); strings passed in are borrowed; idmap_get's answer is
 * borrowed from the map until idmaps_free.
 */
#ifndef EPIGRID_CLI_IDMAP_H
#define EPIGRID_CLI_IDMAP_H
#include <jansson.h>
#include <stdio.h>

#include "util/buf.h"
#include "util/error.h"

#define IDMAP_LINE_KEY "行号" /* the key title when rows are keyed by their line */
#define IDMAP_NEW      "新"   /* the id title's prefix: "新住户ID" */
#define IDMAP_MAPS_MAX 8      /* files one --ids may name */
#define IDMAP_KIND_MAX 64

/* ---- --map: writing ---------------------------------------------------- */

struct idmap_out {
    char *path;      /* the file asked for (heap), NULL without --map */
    char *part;      /* path + ".part", written while the import runs (heap) */
    FILE *f;         /* open on "part" */
    struct buf line; /* the record being written */
    long records;    /* records written */
    int header;      /* 1 once the header is written */
    int failed;      /* a write failed */
};

/* Opens "path".part for writing (NULL path: no map; every call is then a
 * no-op).  Returns 0, or -1 with "err" set (the import should not start). */
int idmap_out_open(struct idmap_out *m, const char *path, struct ep_error *err);
/* The header: "key_title" (the column the keys come from, or IDMAP_LINE_KEY)
 * and the kind of id made ("住户ID"; written "新住户ID"). */
void idmap_out_header(struct idmap_out *m, const char *key_title, const char *id_kind);
/* One record: the row's key and the new id (text: a number or a code). */
void idmap_out_add(struct idmap_out *m, const char *key, const char *id);
/* After the commit: closes and renames the part to the file and says so on
 * stderr in "lang".  Returns 0, or -1 with "err" set. */
int idmap_out_commit(struct idmap_out *m, int lang, struct ep_error *err);
/* Nothing was imported: closes and removes the part.  Also frees. */
void idmap_out_discard(struct idmap_out *m);

/* ---- --ids: reading ---------------------------------------------------- */

struct idmap {
    char kind[IDMAP_KIND_MAX]; /* the id title without "新": "住户ID" */
    char *path;                /* the file (heap) */
    json_t *ids;               /* key -> id (strings) */
    int used;                  /* 1 once a column of the import took it */
};

struct idmaps {
    struct idmap maps[IDMAP_MAPS_MAX];
    int n;
};

/* Reads the files of "list" (paths separated by commas; NULL or "" = none)
 * into "m" (zeroed by the caller).  Returns 0, or -1 with "err" set: a file
 * that cannot be read or is not a mapping file (two columns, the second
 * titled 新<kind>), a key given twice, two files of one kind. */
int idmaps_load(struct idmaps *m, const char *list, struct ep_error *err);
/* The map of ids of "kind" ("住户ID"), NULL when none was given; marks it used. */
struct idmap *idmaps_find(struct idmaps *m, const char *kind);
/* Adds a field error ("--ids") to "err" for a map no column of the import
 * took (after the header, every idmaps_find done). */
void idmaps_check_used(const struct idmaps *m, struct ep_error *err);
/* The new id of "key", NULL when the map does not hold it. */
const char *idmap_get(const struct idmap *map, const char *key);
void idmaps_free(struct idmaps *m);

#endif
