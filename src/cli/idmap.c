/*
 * idmap.c -- the mapping files of the imports (see idmap.h).
 */
#include "cli/idmap.h"

#include <stdlib.h>
#include <string.h>

#include "util/csvread.h"
#include "util/csvwrite.h"

/* ---- --map ----------------------------------------------------------------- */

int idmap_out_open(struct idmap_out *m, const char *path, struct ep_error *err)
{
    memset(m, 0, sizeof *m);
    buf_init(&m->line);
    if (!path)
        return 0;
    m->path = strdup(path);
    m->part = malloc(strlen(path) + sizeof ".part");
    if (!m->path || !m->part)
        abort();
    strcpy(m->part, path);
    strcat(m->part, ".part");
    m->f = fopen(m->part, "wb");
    if (!m->f) {
        ep_error_set(err, EP_EINVAL, "无法写入对照表 %s", "cannot write the mapping file %s",
                     m->part);
        idmap_out_discard(m);
        return -1;
    }
    return 0;
}

static void put_record(struct idmap_out *m, const char *a, const char *b)
{
    const char *fields[] = {a, b};
    buf_reset(&m->line);
    csvwrite_row(&m->line, fields, 2);
    if (fwrite(m->line.data, 1, m->line.len, m->f) != m->line.len)
        m->failed = 1;
}

void idmap_out_header(struct idmap_out *m, const char *key_title, const char *id_kind)
{
    if (!m->f || m->header)
        return;
    char title[IDMAP_KIND_MAX + sizeof IDMAP_NEW];
    snprintf(title, sizeof title, IDMAP_NEW "%s", id_kind);
    fputs(CSVWRITE_BOM, m->f);
    put_record(m, key_title, title);
    m->header = 1;
}

void idmap_out_add(struct idmap_out *m, const char *key, const char *id)
{
    if (!m->f)
        return;
    put_record(m, key, id);
    m->records++;
}

static void out_free(struct idmap_out *m)
{
    free(m->path);
    free(m->part);
    buf_cleanup(&m->line);
    m->path = m->part = NULL;
}

int idmap_out_commit(struct idmap_out *m, int lang, struct ep_error *err)
{
    if (!m->f) {
        out_free(m);
        return 0;
    }
    int failed = m->failed || fclose(m->f) != 0;
    m->f = NULL;
    if (!failed && rename(m->part, m->path) != 0)
        failed = 1;
    if (failed) {
        remove(m->part);
        ep_error_set(err, EP_EINTERNAL, "写入对照表 %s 失败(数据已导入)",
                     "writing the mapping file %s failed (the data was imported)", m->path);
    } else if (lang == EP_LANG_EN) {
        fprintf(stderr, "epigrid: mapping of %ld rows written to %s\n", m->records, m->path);
    } else {
        fprintf(stderr, "epigrid: 对照表已写入 %s(%ld 行)\n", m->path, m->records);
    }
    out_free(m);
    return failed ? -1 : 0;
}

void idmap_out_discard(struct idmap_out *m)
{
    if (m->f) {
        fclose(m->f);
        m->f = NULL;
        remove(m->part);
    }
    out_free(m);
}

/* ---- --ids ----------------------------------------------------------------- */

struct load {
    struct idmap *map;
    struct ep_error *err;
    int header_seen;
};

static int on_map_record(const struct csvread_field *f, size_t n, long line, void *ctx)
{
    struct load *l = ctx;
    struct idmap *map = l->map;
    if (!l->header_seen) {
        l->header_seen = 1;
        size_t prefix = strlen(IDMAP_NEW);
        if (n != 2 || strncmp(f[1].ptr, IDMAP_NEW, prefix) != 0 || !f[1].ptr[prefix] ||
            f[1].len - prefix >= sizeof map->kind)
            return ep_error_set(l->err, EP_EINVAL, "%s 不是对照表:第一行应为两列,第二列名为“新…ID”",
                                "%s is not a mapping file: its first row must have two columns, "
                                "the second titled 新<kind>",
                                map->path);
        snprintf(map->kind, sizeof map->kind, "%s", f[1].ptr + prefix);
        return 0;
    }
    if (n != 2 || !f[0].len || !f[1].len)
        return ep_error_set(l->err, EP_EINVAL, "对照表 %s 第 %ld 行:应为两列,均不为空",
                            "mapping file %s line %ld: two columns, neither empty, expected",
                            map->path, line);
    if (json_object_get(map->ids, f[0].ptr))
        return ep_error_set(l->err, EP_EINVAL, "对照表 %s 第 %ld 行:%s 重复",
                            "mapping file %s line %ld: %s is repeated", map->path, line, f[0].ptr);
    json_object_set_new(map->ids, f[0].ptr, json_string(f[1].ptr));
    return 0;
}

static int load_one(struct idmaps *m, const char *path, size_t len, struct ep_error *err)
{
    if (m->n == IDMAP_MAPS_MAX)
        return ep_error_set(err, EP_EINVAL, "--ids 最多 %d 个文件", "--ids takes at most %d files",
                            IDMAP_MAPS_MAX);
    struct idmap *map = &m->maps[m->n++];
    map->path = strndup(path, len);
    map->ids = json_object();
    if (!map->path || !map->ids)
        abort();
    FILE *f = fopen(map->path, "rb");
    if (!f)
        return ep_error_set(err, EP_EINVAL, "无法打开对照表 %s", "cannot open mapping file %s",
                            map->path);
    struct load l = {map, err, 0};
    int rc = csvread_file(f, on_map_record, &l, NULL, err);
    fclose(f);
    if (rc == 0 && !l.header_seen)
        rc = ep_error_set(err, EP_EINVAL, "对照表 %s 为空", "mapping file %s is empty", map->path);
    for (int i = 0; rc == 0 && i < m->n - 1; i++)
        if (strcmp(m->maps[i].kind, map->kind) == 0)
            rc = ep_error_set(err, EP_EINVAL, "对照表 %s 与 %s 都是%s的对照表",
                              "mapping files %s and %s both map %s", m->maps[i].path, map->path,
                              map->kind);
    return rc;
}

int idmaps_load(struct idmaps *m, const char *list, struct ep_error *err)
{
    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len && load_one(m, p, len, err) != 0)
            return -1;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

struct idmap *idmaps_find(struct idmaps *m, const char *kind)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->maps[i].kind, kind) == 0) {
            m->maps[i].used = 1;
            return &m->maps[i];
        }
    return NULL;
}

void idmaps_check_used(const struct idmaps *m, struct ep_error *err)
{
    for (int i = 0; i < m->n; i++)
        if (!m->maps[i].used)
            ep_error_field(err, "--ids", "对照表 %s(新%s)用不上:本文件没有%s列",
                           "mapping file %s (新%s) has no use: this file has no %s column",
                           m->maps[i].path, m->maps[i].kind, m->maps[i].kind);
}

const char *idmap_get(const struct idmap *map, const char *key)
{
    return json_string_value(json_object_get(map->ids, key));
}

void idmaps_free(struct idmaps *m)
{
    for (int i = 0; i < m->n; i++) {
        free(m->maps[i].path);
        json_decref(m->maps[i].ids);
    }
    m->n = 0;
}
