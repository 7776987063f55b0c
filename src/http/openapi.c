/*
 * openapi.c -- the API described as an OpenAPI 3.1 document, made from the
 * route table and the body specs (see openapi.h).
 */
#include "http/openapi.h"

#include <stdio.h>
#include <string.h>

#include "core/auth.h"
#include "http/router.h"

static json_t *field_schema(const struct json_field *f);

/* The schema of one scalar of "type" with the bounds of "f". */
static json_t *scalar_schema(int type, const struct json_field *f)
{
    json_t *o = json_object();
    switch (type) {
    case JF_STRING:
        json_object_set_new(o, "type", json_string("string"));
        json_object_set_new(o, "maxLength", json_integer(f->max_len ? f->max_len : 200));
        if (f->required)
            json_object_set_new(o, "minLength", json_integer(1));
        break;
    case JF_DATE:
        json_object_set_new(o, "type", json_string("string"));
        json_object_set_new(o, "format", json_string("date"));
        break;
    case JF_INT:
    case JF_NUMBER:
        json_object_set_new(o, "type", json_string(type == JF_INT ? "integer" : "number"));
        if (f->min != 0 || f->max != 0) {
            json_object_set_new(o, "minimum", json_real(f->min));
            json_object_set_new(o, "maximum", json_real(f->max));
        }
        break;
    case JF_BOOL:
        json_object_set_new(o, "type", json_string("boolean"));
        break;
    default:
        break;
    }
    return o;
}

/* An object schema of a spec: its properties, the required ones, nothing else. */
static json_t *object_schema(const struct json_field *fields)
{
    json_t *props = json_object(), *required = json_array();
    for (const struct json_field *f = fields; f->name; f++) {
        json_object_set_new(props, f->name, field_schema(f));
        if (f->required)
            json_array_append_new(required, json_string(f->name));
    }
    json_t *o = json_pack("{s:s, s:o, s:b}", "type", "object", "properties", props,
                          "additionalProperties", 0);
    if (json_array_size(required))
        json_object_set_new(o, "required", required);
    else
        json_decref(required);
    return o;
}

static json_t *field_schema(const struct json_field *f)
{
    json_t *o;
    if (f->type == JF_OBJECT) {
        o = f->members ? object_schema(f->members) : json_pack("{s:s}", "type", "object");
    } else if (f->type == JF_ARRAY) {
        json_t *items = f->members ? object_schema(f->members)
                        : f->elem  ? scalar_schema(f->elem, f)
                                   : json_object();
        o = json_pack("{s:s, s:o}", "type", "array", "items", items);
        if (f->max_items)
            json_object_set_new(o, "maxItems", json_integer(f->max_items));
    } else {
        o = scalar_schema(f->type, f);
    }
    /* The kind of record an id or code names: checked against the caller's
     * jurisdiction, outside it the record reads as missing (404). */
    if (f->ref)
        json_object_set_new(f->type == JF_ARRAY && !f->members ? json_object_get(o, "items") : o,
                            "x-refers-to", json_string(f->ref));
    return o;
}

/* "/api/v1/orgs/{id}/members/{person_id}" -> its path parameters. */
static json_t *path_params(const char *pattern)
{
    json_t *params = json_array();
    for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        if (!end)
            break;
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
        int numeric = strcmp(name, "code") != 0 && strcmp(name, "user") != 0;
        json_array_append_new(params, json_pack("{s:s, s:s, s:b, s:{s:s}}", "name", name, "in",
                                                "path", "required", 1, "schema", "type",
                                                numeric ? "integer" : "string"));
    }
    return params;
}

static json_t *roles_of(int perm)
{
    json_t *roles = json_array();
    for (int role = 0; role < ROLE_COUNT; role++)
        if (auth_role_can(role, perm))
            json_array_append_new(roles, json_string(auth_role_name(role)));
    return roles;
}

static json_t *responses(const struct route *r)
{
    const char *ok = strcmp(r->method, "POST") == 0 && !strchr(r->pattern, '{') ? "201" : "200";
    json_t *out = json_pack("{s:{s:s}}", ok, "description", "成功 / success");
    static const struct {
        const char *status, *description;
    } errors[] = {
        {"400", "输入有误,逐字段说明 / invalid input, field by field"},
        {"401", "未登录 / not signed in"},
        {"403", "无权限 / not permitted"},
        {"404", "不存在或不在管辖范围内 / not found or outside the jurisdiction"},
        {"409", "冲突 / conflict"},
        {"422", "违反业务规则 / rule violation"},
        {"429", "请求过于频繁 / too many requests"},
    };
    for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++) {
        if (r->perm == PERM_PUBLIC && (errors[i].status[2] == '1' || errors[i].status[2] == '3'))
            continue;
        json_object_set_new(out, errors[i].status,
                            json_pack("{s:s, s:{s:{s:{s:s}}}}", "description",
                                      errors[i].description, "content", "application/json",
                                      "schema", "$ref", "#/components/schemas/Error"));
    }
    return out;
}

static json_t *operation(const struct route *r)
{
    json_t *op = json_pack("{s:s, s:s, s:o}", "operationId", "", "x-permission",
                           auth_perm_name(r->perm), "x-roles", roles_of(r->perm));
    char id[160];
    snprintf(id, sizeof id, "%s %s", r->method, r->pattern);
    json_object_set_new(op, "operationId", json_string(id));
    json_t *params = path_params(r->pattern);
    if (json_array_size(params))
        json_object_set_new(op, "parameters", params);
    else
        json_decref(params);
    if (r->body)
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b, s:{s:{s:o}}}", "required", 1, "content",
                                      "application/json", "schema", object_schema(r->body)));
    if (r->perm == PERM_PUBLIC)
        json_object_set_new(op, "security", json_array());
    json_object_set_new(op, "responses", responses(r));
    return op;
}

json_t *http_openapi(void)
{
    json_t *paths = json_object();
    for (const struct route *r = http_routes; r->method; r++) {
        json_t *item = json_object_get(paths, r->pattern);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, r->pattern, item);
        }
        char method[8];
        size_t i = 0;
        for (; r->method[i] && i < sizeof method - 1; i++)
            method[i] = (char)(r->method[i] | 0x20); /* ASCII lower case */
        method[i] = '\0';
        json_object_set_new(item, method, operation(r));
    }
    json_t *error = json_pack(
        "{s:s, s:{s:{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s, s:{s:s, s:{s:{s:s}, s:{s:s}}}}}}}}", "type",
        "object", "properties", "error", "type", "object", "properties", "code", "type", "string",
        "message", "type", "string", "fields", "type", "array", "items", "type", "object",
        "properties", "field", "type", "string", "message", "type", "string");
    return json_pack(
        "{s:s, s:{s:s, s:s, s:s}, s:o, s:{s:{s:o}, s:{s:{s:s, s:s, s:s}, s:{s:s, s:s}}}, "
        "s:[{s:[]}, {s:[]}]}",
        "openapi", "3.1.0", "info", "title", "epigrid API", "version", EPIGRID_VERSION,
        "description",
        "疫情防控网格化指挥平台的 API。每个写接口的请求体按字段说明;x-refers-to 标出引用的"
        "记录类别,管辖范围外的记录与不存在的记录答复相同(404)。错误信息默认简体中文,"
        "Accept-Language: en 时为英文。 / The epigrid API. x-refers-to names the kind of "
        "record an id or code refers to; outside the caller's jurisdiction a record answers "
        "like a missing one (404).",
        "paths", paths, "components", "schemas", "Error", error, "securitySchemes", "session",
        "type", "apiKey", "in", "cookie", "name", AUTH_COOKIE_NAME, "bearer", "type", "http",
        "scheme", "bearer", "security", "session", "bearer");
}
