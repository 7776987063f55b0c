/*
 * household.c -- households: validation, insertion through the one write
 * path (write.h), scoped reads (see household.h).  The member count comes from person.c, which owns
 * the persons table.
 */
#include "core/household.h"

#include <stdio.h>
#include <string.h>

#include "core/counter.h"
#include "core/ref.h"
#include "core/person.h"
#include "util/idcheck.h"
#include "util/timeutil.h"

#define COLUMNS "id, grid_code, address, COALESCE(head_person_id, 0), created_at, updated_at"

static void fill(struct store_stmt *st, void *out)
{
    struct household *h = out;
    memset(h, 0, sizeof *h);
    h->id = store_column_int64(st, 0);
    snprintf(h->grid_code, sizeof h->grid_code, "%s", store_column_text(st, 1));
    snprintf(h->address, sizeof h->address, "%s", store_column_text(st, 2));
    h->head_person_id = store_column_int64(st, 3);
    snprintf(h->created_at, sizeof h->created_at, "%s", store_column_text(st, 4));
    snprintf(h->updated_at, sizeof h->updated_at, "%s", store_column_text(st, 5));
}

/* 1 if "s" holds an ASCII control character (tab and newline included). */
static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

int household_validate(const struct household_input *in, struct household *out,
                       struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    int before = err->nfields;
    if (!in->grid_code || !*in->grid_code)
        ep_error_field(err, "grid_code", "必填", "is required");
    else if (region_level_of_code(in->grid_code) != REGION_GRID)
        ep_error_field(err, "grid_code", "网格编码应为 15 位数字", "grid code must be 15 digits");
    else
        snprintf(out->grid_code, sizeof out->grid_code, "%s", in->grid_code);

    const char *a = in->address;
    size_t len = a ? strlen(a) : 0;
    if (len == 0)
        ep_error_field(err, "address", "必填", "is required");
    else if (!utf8_valid(a, len))
        ep_error_field(err, "address", "不是有效的 UTF-8 文本", "is not valid UTF-8 text");
    else if (utf8_length(a, len) > HOUSEHOLD_ADDRESS_CHARS)
        ep_error_field(err, "address", "不能超过 %d 个字", "must be at most %d characters",
                       HOUSEHOLD_ADDRESS_CHARS);
    else if (has_control(a))
        ep_error_field(err, "address", "不能包含控制字符", "must not contain control characters");
    else
        memcpy(out->address, a, len + 1);

    if (in->head_person_id < 0)
        ep_error_field(err, "head_person_id", "应为正整数", "must be a positive integer");
    else
        out->head_person_id = in->head_person_id;
    return err->nfields > before || err->code ? -EP_EINVAL : 0;
}

int household_insert(struct write *w, const struct household_input *in, struct household *out)
{
    if (!write_ok(w))
        return w->rc;
    household_validate(in, out, w->err);
    /* References: the grid and the head, visible to the writer. */
    int grid_ok =
        out->grid_code[0] && write_region(w, out->grid_code, REGION_GRID, "grid_code", NULL) == 1;
    char head_grid[REGION_CODE_MAX];
    if (out->head_person_id > 0 &&
        write_ref(w, REF_PERSON, out->head_person_id, "head_person_id", head_grid) == 1 &&
        grid_ok && strcmp(head_grid, out->grid_code) != 0)
        ep_error_field(w->err, "head_person_id", "户主应住在同一网格(%s)",
                       "the head must live in the same grid (%s)", out->grid_code);
    if (write_check(w) != 0)
        return w->rc;
    struct store_stmt *st = store_prepare(w->s,
                                          "INSERT INTO households (grid_code, address,"
                                          " head_person_id, created_at, updated_at)"
                                          " VALUES (?, ?, ?, ?, ?)",
                                          w->err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    time_now_iso(out->created_at);
    memcpy(out->updated_at, out->created_at, sizeof out->updated_at);
    store_bind_text(st, 1, out->grid_code);
    store_bind_text(st, 2, out->address);
    if (out->head_person_id > 0)
        store_bind_int64(st, 3, out->head_person_id);
    store_bind_text(st, 4, out->created_at);
    store_bind_text(st, 5, out->updated_at);
    int rc = store_run(st, w->err);
    if (rc == 0)
        out->id = store_last_insert_id(w->s);
    return write_fail(w, rc);
}

int household_head_set(struct write *w, int64_t household_id, int64_t person_id)
{
    if (!write_ok(w) || write_target(w, REF_HOUSEHOLD, household_id, NULL) != 0)
        return w->rc;
    struct person p;
    struct ep_error lookup;
    ep_error_clear(&lookup);
    if (write_ref(w, REF_PERSON, person_id, "is_head", NULL) == 1 &&
        person_get(w->s, "", person_id, &p, &lookup) == 0 && p.household_id != household_id)
        ep_error_field(w->err, "is_head", "户主应是本户的人员",
                       "the head must live in the household");
    if (write_check(w) != 0)
        return w->rc;
    struct store_stmt *st =
        write_prepare(w, "UPDATE households SET head_person_id = ?, updated_at = ? WHERE id = ?");
    if (!st)
        return w->rc;
    store_bind_int64(st, 1, person_id);
    store_bind_text(st, 2, w->now);
    store_bind_int64(st, 3, household_id);
    return write_fail(w, store_run(st, w->err));
}

static json_t *audit_json(const struct household *h)
{
    return json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)h->id, "grid_code", h->grid_code,
                     "address", h->address, "head_person_id",
                     h->head_person_id ? json_integer(h->head_person_id) : json_null());
}

int household_create(struct store *s, const struct actor *who, const struct household_input *in,
                     struct idem_key *idem, struct household *out, struct ep_error *err)
{
    struct write w;
    int64_t first = 0;
    int rc = write_begin(&w, s, who, "household", idem, &first, err);
    if (rc == WRITE_REPLAY)
        return household_get(s, who->user->scope, first, out, err);
    if (rc != 0)
        return rc;
    household_insert(&w, in, out);
    write_count(&w, out->grid_code, "households", 1);
    if (write_ok(&w))
        write_audit_new(&w, "create", "household", out->id, out->grid_code, NULL, audit_json(out));
    return write_end(&w, out->id);
}

int household_get(struct store *s, const char *scope, int64_t id, struct household *out,
                  struct ep_error *err)
{
    int rc = ref_get_one(s,
                         "SELECT " COLUMNS " FROM households WHERE id = ?"
                         " AND grid_code >= ? AND grid_code < ?",
                         NULL, scope, REF_HOUSEHOLD, id, fill, out, err);
    if (rc == 0)
        rc = person_household_count(s, id, &out->members, err);
    return rc;
}

int household_list(struct store *s, const struct household_filter *f, household_fn fn, void *ctx,
                   struct ep_error *err)
{
    char lower[REGION_CODE_MAX], upper[REGION_CODE_MAX];
    if (!region_narrow(f->scope, f->region, lower))
        return 0;
    region_code_range(lower, upper);
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " COLUMNS " FROM households"
                                          " WHERE (grid_code, id) > (?, ?) AND grid_code < ?"
                                          " ORDER BY grid_code, id LIMIT ?",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    /* One row-value lower bound (see person_list) lets the index seek to the page. */
    int cursor = f->after_grid && strcmp(f->after_grid, lower) >= 0;
    store_bind_text(st, 1, cursor ? f->after_grid : lower);
    store_bind_int64(st, 2, cursor ? f->after_id : 0);
    store_bind_text(st, 3, upper);
    store_bind_int64(st, 4, f->limit > 0 ? f->limit : INT64_MAX);
    int rc;
    struct household h;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        fill(st, &h);
        if ((rc = person_household_count(s, h.id, &h.members, err)) != 0)
            break;
        if ((rc = fn(&h, ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc;
}

int household_counters_rebuild(struct store *s, struct ep_error *err)
{
    return counter_rebuild(s, "households",
                           "SELECT grid_code, COUNT(*) FROM households GROUP BY grid_code", err);
}
