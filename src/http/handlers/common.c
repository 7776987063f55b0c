/*
 * common.c -- helpers the handlers share (declared at the end of
 * handlers.h): a person as JSON, the audit row of a read that shows
 * personal data, list cursors "<grid_code>:<id>", the
 * ?region= parameter, merging field errors, the client_uuid idempotency key;
 * and the steps every handler shares: the checked body, the end of a write,
 * the reply of a list, the read of one object by the id in the path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/person.h"
#include "http/handlers/handlers.h"
#include "util/idcheck.h"
#include "util/json.h"
#include "util/timeutil.h"

json_t *handler_person_json(const struct auth_user *viewer, const struct person *p, int unmasked)
{
    struct person_pii pii;
    if (unmasked)
        person_pii_fill(p, 0, &pii);
    else
        person_visible_pii(viewer, p, &pii);
    char sex[2] = {p->sex, '\0'};
    /* Masked, the birth date is the year alone (birth_date null). */
    return json_pack(
        "{s:I, s:o, s:s, s:s, s:s, s:o, s:i, s:s, s:o, s:b, s:s, s:s}", "id", (json_int_t)p->id,
        "household_id", p->household_id ? json_integer(p->household_id) : json_null(), "grid_code",
        p->grid_code, "name", p->name, "sex", sex, "birth_date",
        pii.masked ? json_null() : json_string(pii.birth), "birth_year", pii.birth_year,
        "id_number", pii.id_number, "phone", pii.phone[0] ? json_string(pii.phone) : json_null(),
        "pii_masked", pii.masked, "created_at", p->created_at, "updated_at", p->updated_at);
}

/* 1 if "item" shows an ID number or phone in full. */
static int shows_pii(const json_t *item)
{
    const json_t *masked = json_object_get(item, "pii_masked");
    if (masked)
        return json_is_false(masked);
    const char *keys[] = {"id_number", "phone"};
    for (int i = 0; i < 2; i++) {
        const char *v = json_string_value(json_object_get(item, keys[i]));
        if (v && *v && !strchr(v, '*'))
            return 1;
    }
    return 0;
}

/* Shortens "common" to the longest region code that prefixes "code" too. */
static void common_region(char common[REGION_CODE_MAX], const char *code)
{
    size_t n = 0;
    while (common[n] && code[n] == common[n])
        n++;
    common[n] = '\0';
    while (n > 0 && !region_level_of_code(common))
        common[--n] = '\0';
}

int handler_pii_audit(struct http_request *req, const char *action, const char *entity,
                      const json_t *items, const char *id_number, struct ep_error *err)
{
    int lookup = strcmp(action, "lookup") == 0, person = strcmp(entity, "person") == 0;
    json_t *person_ids = json_array(), *ids = json_array();
    char region[REGION_CODE_MAX] = "";
    int first = 1;
    size_t n = json_is_array(items) ? json_array_size(items) : 1;
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_is_array(items) ? json_array_get(items, i) : items;
        if (!lookup && !shows_pii(item))
            continue;
        const json_t *id = json_object_get(item, "id");
        const json_t *person_id = person ? id : json_object_get(item, "person_id");
        if (json_is_integer(person_id))
            json_array_append(person_ids, (json_t *)person_id);
        if (!person && json_is_integer(id))
            json_array_append(ids, (json_t *)id);
        const char *code = json_string_value(json_object_get(item, "grid_code"));
        if (!code)
            code = json_string_value(json_object_get(item, "region_code"));
        if (!code)
            code = req->user.scope;
        if (first)
            snprintf(region, sizeof region, "%s", code);
        common_region(region, code);
        first = 0;
    }
    size_t count = person ? json_array_size(person_ids) : json_array_size(ids);
    if (!lookup && count == 0) {
        json_decref(person_ids);
        json_decref(ids);
        return 0;
    }
    if (first) /* a lookup that found nobody: the caller's jurisdiction */
        snprintf(region, sizeof region, "%s", req->user.scope);
    char entity_id[24] = "";
    json_t *only = person ? json_array_get(person_ids, 0) : json_array_get(ids, 0);
    if (count == 1)
        snprintf(entity_id, sizeof entity_id, "%lld", (long long)json_integer_value(only));
    json_t *after = json_pack("{s:o, s:I, s:s++}", "person_ids", person_ids, "count",
                              (json_int_t)count, "route", req->method, " ", req->path);
    if (!person)
        json_object_set_new(after, "ids", ids);
    else
        json_decref(ids);
    if (id_number) {
        char masked[32];
        idcheck_mask_id(id_number, masked, sizeof masked);
        json_object_set_new(after, "id_number", json_string(masked));
    }
    struct actor who = {&req->user, req->client_ip};
    int rc = audit_record(req->store, &who, action, entity, entity_id[0] ? entity_id : NULL, region,
                          NULL, after, err);
    json_decref(after);
    return rc;
}

int handler_registry_cursor_parse(const char *cursor, char grid[REGION_CODE_MAX], int64_t *id,
                                  struct ep_error *err)
{
    const char *colon = cursor ? strchr(cursor, ':') : NULL;
    size_t n = colon ? (size_t)(colon - cursor) : 0;
    char *end = NULL;
    long long v = colon ? strtoll(colon + 1, &end, 10) : 0;
    if (!colon || n == 0 || n >= REGION_CODE_MAX || strspn(cursor, "0123456789") != n ||
        colon[1] < '0' || colon[1] > '9' || *end || v <= 0 || v > HTTP_ID_MAX) {
        ep_error_field(err, "cursor", "分页游标无效", "invalid cursor");
        return -EP_EINVAL;
    }
    memcpy(grid, cursor, n);
    grid[n] = '\0';
    *id = v;
    return 0;
}

int handler_page_params(struct http_request *req, int def, int max, struct handler_page *p,
                        struct ep_error *err)
{
    const char *cursor;
    http_list_params(req, def, max, &p->limit, &cursor, err);
    p->cursor_id = http_cursor_id(cursor, err);
    if (handler_region_param(req, &p->region, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    p->scope = p->region ? p->region : req->user.scope;
    return err->code ? -err->code : 0;
}

int handler_registry_params(struct http_request *req, struct handler_registry_page *p,
                            struct ep_error *err)
{
    const char *cursor;
    memset(p, 0, sizeof *p);
    http_list_params(req, 50, 500, &p->limit, &cursor, err);
    if (handler_region_param(req, &p->region, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    if (cursor && handler_registry_cursor_parse(cursor, p->after, &p->after_id, err) == 0)
        p->after_grid = p->after;
    return 0;
}

int handler_region_param(struct http_request *req, const char **region, struct ep_error *err)
{
    *region = http_query(req, "region");
    if (*region && !region_level_of_code(*region)) {
        ep_error_field(err, "region", "地区编码应为 4、6、9、12 或 15 位数字",
                       "region code must be 4, 6, 9, 12 or 15 digits");
        return -EP_EINVAL;
    }
    /* As for the audit log and stats: asking for a region outside the
     * jurisdiction is refused, not silently answered with nothing. */
    if (*region)
        return http_require_scope(req, *region, err);
    return 0;
}

const char *handler_date_param(struct http_request *req, char today[11], struct ep_error *err)
{
    const char *date = http_query(req, "date");
    if (!date) {
        time_date_format(time_today_cn(), today);
        return today;
    }
    if (time_date_parse(date, NULL) != 0)
        ep_error_field(err, "date", "日期无效,格式应为 YYYY-MM-DD",
                       "invalid date, expected YYYY-MM-DD");
    return date;
}

int handler_now_only(struct http_request *req, struct ep_error *err)
{
    char today[11], buf[11];
    const char *date = handler_date_param(req, buf, err);
    time_date_format(time_today_cn(), today);
    if (!err->code && strcmp(date, today) != 0)
        ep_error_field(err, "date",
                       "此统计只有当前值,不能按过去或将来的日期查询;某日的数字见"
                       "指挥看板(/api/v1/dashboard?date=)和疫情通报",
                       "these figures exist for now only, not for another day; a day's figures "
                       "are on the dashboard (/api/v1/dashboard?date=) and in the bulletin");
    return err->code ? -err->code : 0;
}

void handler_fields_merge(struct ep_error *err, const struct ep_error *more)
{
    for (int i = 0; i < more->nfields; i++) {
        int seen = 0;
        for (int k = 0; k < err->nfields && !seen; k++)
            seen = strcmp(err->fields[k].field, more->fields[i].field) == 0;
        if (!seen)
            ep_error_field(err, more->fields[i].field, "%s%.0s", "%.0s%s",
                           more->fields[i].msg[EP_LANG_ZH], more->fields[i].msg[EP_LANG_EN]);
    }
}

int handler_idem_key(const json_t *body, struct idem_key *key, struct ep_error *err)
{
    memset(key, 0, sizeof *key);
    key->uuid = json_get_str(body, "client_uuid");
    if (!key->uuid)
        return 0;
    if (!idem_uuid_valid(key->uuid)) {
        ep_error_field(err, "client_uuid", "应为 UUID(如 3f2b8c1e-0d4a-4c5e-9b7a-1e2d3c4b5a69)",
                       "must be a UUID (e.g. 3f2b8c1e-0d4a-4c5e-9b7a-1e2d3c4b5a69)");
        key->uuid = NULL;
        return -EP_EINVAL;
    }
    idem_body_hash(body, key->hash);
    return 0;
}

json_t *handler_body(struct http_request *req, const struct json_field *fields,
                     struct ep_error *err)
{
    json_t *body = http_body_json(req, err);
    if (body)
        json_object_check(body, fields, err);
    return body;
}

int handler_write_reply(struct http_response *res, json_t *body, int rc, const struct idem_key *key,
                        int status, json_t *out, struct ep_error *err)
{
    json_decref(body);
    if (rc != 0) {
        json_decref(out);
        return -err->code;
    }
    if (key && key->replayed) {
        http_add_header(res, "Idempotent-Replay", "true");
        status = 200;
    }
    return http_reply_json(res, status, out);
}

int handler_page_reply(struct http_response *res, int rc, json_t *items, int limit,
                       handler_cursor_fn *cursor, struct ep_error *err)
{
    if (rc != 0) {
        json_decref(items);
        return -err->code;
    }
    json_t *next = cursor(items, limit);
    return http_reply_json(res, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

int handler_page_reply_pii(struct http_request *req, struct http_response *res, int rc,
                           json_t *items, int limit, handler_cursor_fn *cursor, const char *action,
                           const char *entity, const char *id_number, struct ep_error *err)
{
    if (rc != 0) {
        json_decref(items);
        return -err->code;
    }
    json_t *next = cursor(items, limit);
    if (handler_pii_audit(req, action, entity, items, id_number, err) != 0) {
        json_decref(items);
        json_decref(next);
        return -err->code;
    }
    return http_reply_json(res, 200, json_pack("{s:o, s:o}", "items", items, "next_cursor", next));
}

int handler_items_reply(struct http_response *res, int rc, json_t *items, struct ep_error *err)
{
    if (rc != 0) {
        json_decref(items);
        return -err->code;
    }
    return http_reply_json(res, 200, json_pack("{s:o}", "items", items));
}

int handler_get_by_id(struct http_request *req, struct http_response *res, const char *what_zh,
                      const char *what_en, handler_get_fn *get, struct ep_error *err)
{
    int64_t id;
    json_t *out = NULL;
    if (http_path_id(req, 0, what_zh, what_en, &id, err) != 0 ||
        get(req->store, req->user.scope, id, &out, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, out);
}

int handler_xlsx_reply(struct http_response *res, const char *path, const char *disposition)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -EP_EINTERNAL;
    int rc = -EP_EINTERNAL;
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *data = size > 0 ? malloc((size_t)size) : NULL;
    if (data && fread(data, 1, (size_t)size, fp) == (size_t)size) {
        res->owned = data;
        res->len = (size_t)size;
        res->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        http_add_header(res, "Content-Disposition", disposition);
        rc = 0;
    } else {
        free(data);
    }
    fclose(fp);
    return rc;
}
