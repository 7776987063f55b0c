/*
 * site.c -- designated hospitals, fever clinics and centralized quarantine
 * sites (see site.h).  Occupancy is a count over the facts that place people
 * at the site, computed when a site is read.
 */
#include "core/site.h"

#include <stdio.h>
#include <string.h>

#include "core/ref.h"
#include "core/write.h"
#include "util/idcheck.h"
#include "util/label.h"
#include "util/text.h"
#include "util/timeutil.h"

static const struct label kinds[] = {
    {"designated_hospital", "定点医院"},
    {"fever_clinic", "发热门诊"},
    {"quarantine_site", "集中隔离点"},
};

const char *site_kind_at(int i)
{
    return i >= 0 && (size_t)i < LABEL_COUNT(kinds) ? kinds[i].code : NULL;
}

int site_kind_valid(const char *kind)
{
    return *site_kind_zh(kind) != '\0';
}

const char *site_kind_zh(const char *kind)
{
    const struct label *l = label_find(kinds, LABEL_COUNT(kinds), kind);
    return l ? l->zh : "";
}

#define COLUMNS                                                                                    \
    "s.id, s.kind, s.name, s.region_code, COALESCE(r.name, ''), s.capacity,"                       \
    " (SELECT count(*) FROM cases c WHERE c.site_id = s.id"                                        \
    "   AND c.status IN ('suspected', 'confirmed', 'asymptomatic'))"                               \
    " + (SELECT count(*) FROM observations o WHERE o.status = 'active'"                            \
    "   AND o.kind = 'centralized' AND o.site = s.name),"                                          \
    " COALESCE(s.address, ''), s.created_by, s.created_at"

/* Visible from scope ?: inside it, or an ancestor of it. */
#define VISIBLE                                                                                    \
    " ((s.region_code >= ? AND s.region_code < ?)"                                                 \
    " OR substr(?, 1, length(s.region_code)) = s.region_code)"

static void fill(struct store_stmt *st, void *out)
{
    struct site *o = out;
    memset(o, 0, sizeof *o);
    o->id = store_column_int64(st, 0);
    snprintf(o->kind, sizeof o->kind, "%s", store_column_text(st, 1));
    snprintf(o->name, sizeof o->name, "%s", store_column_text(st, 2));
    snprintf(o->region_code, sizeof o->region_code, "%s", store_column_text(st, 3));
    snprintf(o->region_name, sizeof o->region_name, "%s", store_column_text(st, 4));
    o->capacity = store_column_int64(st, 5);
    o->occupancy = store_column_int64(st, 6);
    snprintf(o->address, sizeof o->address, "%s", store_column_text(st, 7));
    snprintf(o->created_by, sizeof o->created_by, "%s", store_column_text(st, 8));
    snprintf(o->created_at, sizeof o->created_at, "%s", store_column_text(st, 9));
}

static void bind_scope(struct store_stmt *st, int first, const char *scope)
{
    region_bind_range(st, first, scope);
    store_bind_text(st, first + 2, scope);
}

int site_get(struct store *s, const char *scope, int64_t id, struct site *out, struct ep_error *err)
{
    return ref_get_one(s,
                       "SELECT " COLUMNS " FROM sites s"
                       " LEFT JOIN regions r ON r.code = s.region_code"
                       " WHERE s.id = ? AND" VISIBLE,
                       bind_scope, scope, REF_SITE, id, fill, out, err);
}

int site_list(struct store *s, const char *scope, const char *region, const char *kind, site_fn fn,
              void *ctx, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " COLUMNS " FROM sites s"
                                          " LEFT JOIN regions r ON r.code = s.region_code"
                                          " WHERE" VISIBLE " AND (? IS NULL OR s.kind = ?)"
                                          " AND (? IS NULL OR (s.region_code >= ?"
                                          " AND s.region_code < ?))"
                                          " ORDER BY s.region_code, s.id",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    bind_scope(st, 1, scope);
    store_bind_text_twice(st, 4, kind);
    char upper[REGION_CODE_MAX] = "";
    if (region)
        region_code_range(region, upper);
    store_bind_text_twice(st, 6, region);
    store_bind_text(st, 8, region ? upper : NULL);
    int rc;
    struct site o;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        fill(st, &o);
        if ((rc = fn(&o, ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc;
}

json_t *site_json_new(const struct site *o)
{
    json_t *j =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "id", (json_int_t)o->id, "kind",
                  o->kind, "kind_zh", text_or(site_kind_zh(o->kind), o->kind), "name", o->name,
                  "region_code", o->region_code, "region_name", o->region_name, "capacity",
                  (json_int_t)o->capacity, "occupancy", (json_int_t)o->occupancy);
    json_object_set_new(j, "address", o->address[0] ? json_string(o->address) : json_null());
    json_object_set_new(j, "created_by", json_string(o->created_by));
    json_object_set_new(j, "created_at", json_string(o->created_at));
    return j;
}

/* The checks of a site's fields that need no database. */
static void check_fields(const struct site_input *in, struct ep_error *err)
{
    if (!in->kind)
        ep_error_field(err, "kind", "必填", "is required");
    else if (!site_kind_valid(in->kind))
        ep_error_field(err, "kind",
                       "应为 designated_hospital(定点医院)、fever_clinic(发热门诊)或"
                       " quarantine_site(集中隔离点)",
                       "must be designated_hospital, fever_clinic or quarantine_site");
    text_check(in->name, "name", SITE_NAME_CHARS, TEXT_REQUIRED | TEXT_MULTILINE, err);
    text_check(in->address, "address", 60, TEXT_MULTILINE, err);
    if (in->capacity < 0 || in->capacity > 100000)
        ep_error_field(err, "capacity", "应在 0 到 100000 之间", "must be between 0 and 100000");
    if (!in->region_code)
        ep_error_field(err, "region_code", "必填", "is required");
    else if (!region_level_of_code(in->region_code))
        ep_error_field(err, "region_code", "地区编码应为 4、6、9、12 或 15 位数字",
                       "region code must be 4, 6, 9, 12 or 15 digits");
}

/* 1 if the region code is well formed (its existence is a reference). */
static int region_code_formed(const struct site_input *in)
{
    return in->region_code && region_level_of_code(in->region_code);
}

int site_input_check(struct store *s, const char *scope, const struct site_input *in,
                     struct ep_error *err)
{
    check_fields(in, err);
    if (region_code_formed(in)) {
        int rc = ref_region(s, scope, in->region_code, 0, "region_code", NULL, err);
        if (rc < 0)
            return rc;
    }
    return err->code ? -err->code : 0;
}

int site_create(struct store *s, const struct actor *who, const struct site_input *in,
                struct site *out, struct ep_error *err)
{
    struct write w;
    int rc = write_begin(&w, s, who, NULL, NULL, NULL, err);
    if (rc != 0)
        return rc;
    /* The fields, then the region: inside who's scope, or not found. */
    check_fields(in, err);
    if (region_code_formed(in))
        write_region(&w, in->region_code, 0, "region_code", NULL);
    if (write_check(&w) != 0)
        return write_end(&w, 0);
    struct store_stmt *st = store_prepare(s,
                                          "INSERT INTO sites (kind, name, region_code, capacity,"
                                          " address, created_by, created_at, updated_at)"
                                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                          err);
    if (!st) {
        write_fail(&w, -EP_EINTERNAL);
        return write_end(&w, 0);
    }
    store_bind_text(st, 1, in->kind);
    store_bind_text(st, 2, in->name);
    store_bind_text(st, 3, in->region_code);
    store_bind_int64(st, 4, in->capacity);
    store_bind_text(st, 5, in->address && *in->address ? in->address : NULL);
    store_bind_text(st, 6, who->user->username);
    store_bind_text_twice(st, 7, w.now);
    if ((rc = store_run(st, err)) != 0) {
        if (rc == -EP_ECONFLICT) { /* a region of the scope: this leaks nothing */
            ep_error_clear(err);
            ep_error_field(err, "name", "该地区已有同名场所", "a site of this name exists here");
            rc = ep_error_set(err, EP_ECONFLICT, "场所已存在", "site already exists");
        }
        write_fail(&w, rc);
        return write_end(&w, 0);
    }
    int64_t id = store_last_insert_id(s);
    if ((rc = site_get(s, "", id, out, err)) != 0) {
        write_fail(&w, rc);
        return write_end(&w, 0);
    }
    write_audit_new(&w, "create", "site", id, out->region_code, NULL, site_json_new(out));
    return write_end(&w, id);
}
