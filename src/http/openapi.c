/*
 * openapi.c -- the API described as an OpenAPI 3.1 document, made from the
 * route table and the body specs (see openapi.h).
 */
#include "http/openapi.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/auth.h"
#include "http/router.h"

static json_t *field_schema(const struct json_field *f);

/* A region code: 4, 6, 9, 12 or 15 digits (region_level_of_code). */
#define REGION_CODE_PATTERN "^[0-9]{4}([0-9]{2}([0-9]{3}([0-9]{3}([0-9]{3})?)?)?)?$"

/* 1 if "f" names a region by its code: the core refuses another form
 * (ref_region) before it looks. */
static int names_region(const struct json_field *f)
{
    return f->ref && (strcmp(f->ref, "region") == 0 || strcmp(f->ref, "village") == 0 ||
                      strcmp(f->ref, "grid") == 0);
}

/* A bound as JSON: an integer when it is one (ids, counts), else a real. */
static json_t *bound(double v)
{
    if (v > -9e18 && v < 9e18 && (double)(json_int_t)v == v)
        return json_integer((json_int_t)v);
    return json_real(v);
}

/* The values a string of "f" takes, from the core's own list (json.h). */
static json_t *values_of(const struct json_field *f)
{
    json_t *values = json_array();
    for (int i = 0;; i++) {
        const char *v = f->values ? f->values[i] : f->value_at(i);
        if (!v)
            break;
        json_array_append_new(values, json_string(v));
    }
    return values;
}

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
        if (f->values || f->value_at)
            json_object_set_new(o, "enum", values_of(f));
        if (names_region(f) && f->required) /* an empty optional one may read as absent */
            json_object_set_new(o, "pattern", json_string(REGION_CODE_PATTERN));
        /* the idempotency key of the write path (handler_idem_key) */
        if (f->name && strcmp(f->name, "client_uuid") == 0)
            json_object_set_new(o, "format", json_string("uuid"));
        break;
    case JF_DATE:
        json_object_set_new(o, "type", json_string("string"));
        json_object_set_new(o, "format", json_string("date"));
        break;
    case JF_INT:
    case JF_NUMBER:
        json_object_set_new(o, "type", json_string(type == JF_INT ? "integer" : "number"));
        if (f->min != 0 || f->max != 0) {
            json_object_set_new(o, "minimum", bound(f->min));
            json_object_set_new(o, "maximum", bound(f->max));
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

/* 1 if "a" and "b" are the same text, or both NULL. */
static int same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* 1 if "a" and "b" are the same condition. */
static int same_when(const struct json_when *a, const struct json_when *b)
{
    return a->test == b->test && strcmp(a->member, b->member) == 0 && a->count == b->count &&
           same_text(a->value, b->value) && same_text(a->without, b->without);
}

/* The JSON type of each json_field type. */
static const char *const json_types[] = {
    [JF_STRING] = "string", [JF_DATE] = "string",   [JF_INT] = "integer", [JF_NUMBER] = "number",
    [JF_BOOL] = "boolean",  [JF_OBJECT] = "object", [JF_ARRAY] = "array",
};

/* The member of "fields" whose name is the "len" bytes at "name": there is
 * one, the rules name members of the same object. */
static const struct json_field *member_of(const struct json_field *fields, const char *name,
                                          size_t len)
{
    const struct json_field *m = fields;
    while (m->name && !(strlen(m->name) == len && memcmp(m->name, name, len) == 0))
        m++;
    assert(m->name); /* a rule names a member of the same object */
    return m;
}

/* Member "m" given, as the core reads it (json.h, struct json_group): not
 * null, and a string not empty, a number not zero, a list not empty. */
static json_t *given_schema(const struct json_field *m)
{
    json_t *is = json_pack("{s:s}", "type", json_types[m->type]);
    if (m->type == JF_STRING || m->type == JF_DATE)
        json_object_set_new(is, "minLength", json_integer(1));
    else if (m->type == JF_INT || m->type == JF_NUMBER)
        json_object_set_new(is, "not", json_pack("{s:i}", "const", 0));
    else if (m->type == JF_ARRAY)
        json_object_set_new(is, "minItems", json_integer(1));
    return is;
}

/* Member "m" absent (the "properties" it goes into hold vacuously), null or empty. */
static json_t *absent_schema(const struct json_field *m)
{
    return m->type == JF_STRING ? json_pack("{s:[n, s]}", "enum", "")
           : m->type == JF_ARRAY
               ? json_pack("{s:[s, s], s:i}", "type", "array", "null", "maxItems", 0)
               : json_pack("{s:s}", "type", "null");
}

/* The "if" of condition "w" on a member of "fields" (json.h, enum json_when_test). */
static json_t *when_schema(const struct json_when *w, const struct json_field *fields)
{
    const struct json_field *m = member_of(fields, w->member, strlen(w->member));
    json_t *is;
    switch (w->test) {
    case JW_EQUALS:
        is = json_pack("{s:s}", "const", w->value);
        break;
    case JW_TRUE:
        is = json_pack("{s:b}", "const", 1);
        break;
    case JW_ITEMS:
        is = json_pack("{s:s, s:i}", "type", "array", "minItems", w->count);
        break;
    case JW_GIVEN: {
        json_t *o = json_pack("{s:{s:o}, s:[s]}", "properties", w->member, given_schema(m),
                              "required", w->member);
        if (w->without)
            json_object_set_new(json_object_get(o, "properties"), w->without,
                                absent_schema(member_of(fields, w->without, strlen(w->without))));
        return o;
    }
    default: /* JW_ABSENT */
        return json_pack("{s:{s:o}}", "properties", w->member, absent_schema(m));
    }
    return json_pack("{s:{s:o}, s:[s]}", "properties", w->member, is, "required", w->member);
}

/* The "then" of the members "fields" that condition "w" requires: present,
 * not null, and a string not empty. */
static json_t *then_schema(const struct json_when *w, const struct json_field *fields)
{
    json_t *required = json_array(), *props = json_object();
    for (const struct json_field *f = fields; f->name; f++) {
        if (!f->required_when || !same_when(f->required_when, w))
            continue;
        json_array_append_new(required, json_string(f->name));
        json_t *is = json_pack("{s:s}", "type", json_types[f->type]);
        if (f->type == JF_STRING)
            json_object_set_new(is, "minLength", json_integer(1));
        json_object_set_new(props, f->name, is);
    }
    return json_pack("{s:o, s:o}", "required", required, "properties", props);
}

/* One alternative "of" of a group (members space-separated) of "fields":
 * each of its members given. */
static json_t *alternative_schema(const char *of, const struct json_field *fields)
{
    json_t *required = json_array(), *props = json_object();
    for (const char *p = of + strspn(of, " "); *p; p += strspn(p, " ")) {
        size_t n = strcspn(p, " ");
        const struct json_field *m = member_of(fields, p, n);
        json_array_append_new(required, json_string(m->name));
        json_object_set_new(props, m->name, given_schema(m));
        p += n;
    }
    return json_pack("{s:o, s:o}", "required", required, "properties", props);
}

/* The rules of "fields" beyond "required", into "o": the members required
 * only under a condition (json_field.required_when) as JSON Schema 2020-12
 * if/then, one per distinct condition, and the object's "one of these
 * members" groups (the table's end, json_field.groups) as anyOf / oneOf of
 * the alternatives; itself when there is one rule, under "allOf" when there
 * are more. */
static void conditions_into(json_t *o, const struct json_field *fields)
{
    json_t *rules = json_array();
    const struct json_field *f;
    for (f = fields; f->name; f++) {
        if (!f->required_when)
            continue;
        const struct json_field *first = fields;
        while (first != f &&
               !(first->required_when && same_when(first->required_when, f->required_when)))
            first++;
        if (first == f) /* the first member of its condition: one rule for them all */
            json_array_append_new(rules, json_pack("{s:o, s:o}", "if",
                                                   when_schema(f->required_when, fields), "then",
                                                   then_schema(f->required_when, fields)));
    }
    for (const struct json_group *g = f->groups; g && g->kind; g++) {
        json_t *alternatives = json_array();
        for (int i = 0; i < JSON_GROUP_MAX && g->of[i]; i++)
            json_array_append_new(alternatives, alternative_schema(g->of[i], fields));
        assert(json_array_size(alternatives) >= 2); /* "one of" a single member is "required" */
        json_array_append_new(
            rules, json_pack("{s:o}", g->kind == JG_ONE_OF ? "oneOf" : "anyOf", alternatives));
    }
    if (json_array_size(rules) == 1)
        json_object_update(o, json_array_get(rules, 0));
    else if (json_array_size(rules) > 1)
        json_object_set(o, "allOf", rules);
    json_decref(rules);
}

/* An object schema of a spec: its properties, the required ones (also those
 * required under a condition), nothing else.  A nested object, alone or in a
 * list, is one too (field_schema): its rules and groups are its own. */
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
    conditions_into(o, fields);
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
    /* An optional member may also be null: json_object_check() reads it as absent. */
    if (!f->required) {
        json_t *type = json_object_get(o, "type");
        json_object_set_new(o, "type", json_pack("[O, s]", type, "null"));
        json_t *values = json_object_get(o, "enum");
        if (values)
            json_array_append_new(values, json_null());
    }
    return o;
}

/* "zh / en", the one-line bilingual text of a description. */
static json_t *both(const char *zh, const char *en)
{
    char text[1024];
    int n = snprintf(text, sizeof text, "%s / %s", zh, en);
    assert(n > 0 && (size_t)n < sizeof text); /* the texts are the route table's, short */
    (void)n;
    return json_string(text);
}

/* "/api/v1/orgs/{id}/members/{person_id}" -> its path parameters into "params". */
static void path_params(const char *pattern, json_t *params)
{
    for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        if (!end)
            break;
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
        json_t *schema, *about;
        if (strcmp(name, "code") == 0) {
            schema = json_pack("{s:s, s:s}", "type", "string", "pattern", REGION_CODE_PATTERN);
            about = both("地区编码(现行或曾用)", "a region code (current or former)");
        } else if (strcmp(name, "user") == 0) {
            schema = json_pack("{s:s, s:i}", "type", "string", "minLength", 1);
            about = both("用户名", "a username");
        } else {
            /* http_path_id(): anything else names nothing (404) */
            schema = json_pack("{s:s, s:i, s:I}", "type", "integer", "minimum", 1, "maximum",
                               (json_int_t)HTTP_ID_MAX);
            about = both("记录编号", "the record's id");
        }
        json_array_append_new(params,
                              json_pack("{s:s, s:s, s:b, s:o, s:o}", "name", name, "in", "path",
                                        "required", 1, "description", about, "schema", schema));
    }
}

static json_t *query_param(const struct route_param *q)
{
    json_t *schema = json_object();
    switch (q->type) {
    case JF_INT:
        json_object_set_new(schema, "type", json_string("integer"));
        if (q->min || q->max) {
            json_object_set_new(schema, "minimum", json_integer(q->min));
            json_object_set_new(schema, "maximum", json_integer(q->max));
        }
        if (q->def)
            json_object_set_new(schema, "default", json_integer(q->def));
        break;
    case JF_DATE:
        json_object_set_new(schema, "type", json_string("string"));
        json_object_set_new(schema, "format", json_string("date"));
        break;
    default:
        json_object_set_new(schema, "type", json_string("string"));
        if (q->max)
            json_object_set_new(schema, "maxLength", json_integer(q->max));
        if (q->values) {
            json_t *values = json_array();
            for (const char *const *v = q->values; *v; v++)
                json_array_append_new(values, json_string(*v));
            json_object_set_new(schema, "enum", values);
        }
        if (q->pattern)
            json_object_set_new(schema, "pattern", json_string(q->pattern));
        break;
    }
    return json_pack("{s:s, s:s, s:b, s:o, s:o}", "name", q->name, "in", "query", "required",
                     q->required, "description", both(q->zh, q->en), "schema", schema);
}

static json_t *roles_of(int perm)
{
    json_t *roles = json_array();
    for (int role = 0; role < ROLE_COUNT; role++)
        if (auth_role_can(role, perm))
            json_array_append_new(roles, json_string(auth_role_name(role)));
    return roles;
}

/* The error answers, one per code of util/error.h, in components.responses. */
static const struct {
    int code;                   /* enum ep_code */
    const char *name, *zh, *en; /* the response's name and what it means */
} error_answers[] = {
    {EP_EINVAL, "InvalidInput", "输入有误:fields 逐字段说明(用词为用户的语言)",
     "invalid input: fields says what is wrong with each, in the user's language"},
    {EP_EUNAUTH, "Unauthenticated", "未登录或会话已过期", "not logged in, or the session expired"},
    {EP_EFORBIDDEN, "Forbidden", "角色无此权限、超出管辖范围,或写操作缺少 CSRF 令牌",
     "the role may not, outside the jurisdiction, or a write without its CSRF token"},
    {EP_ENOTFOUND, "NotFound", "不存在,或不在管辖范围内(两者答复相同)",
     "not found, or outside the jurisdiction (answered alike)"},
    {EP_ECONFLICT, "Conflict", "与现有记录冲突(重复、状态已变,或同一 client_uuid 的请求体不同)",
     "conflicts with what exists (a duplicate, a changed state, or a client_uuid reused with "
     "another body)"},
    {EP_ETOOLARGE, "TooLarge", "请求体过大", "the request body is too large"},
    {EP_EMEDIA, "UnsupportedMediaType", "请求体应为 application/json",
     "the request body must be application/json"},
    {EP_ERULE, "RuleViolation", "违反业务规则(如库存不能为负)",
     "a rule is broken (e.g. stock cannot go negative)"},
    {EP_ETHROTTLE, "TooManyRequests", "过于频繁:Retry-After 秒后重试",
     "too many requests: retry after Retry-After seconds"},
    {EP_EINTERNAL, "Internal", "服务器内部错误", "internal error"},
    {EP_EUNAVAILABLE, "Unavailable", "暂不可用(数据库忙、正在停止),稍后重试",
     "unavailable for now (database busy, shutting down): retry later"},
};
#define ERROR_ANSWERS (sizeof error_answers / sizeof error_answers[0])

static json_t *error_response(size_t i)
{
    json_t *schema = json_pack("{s:[{s:s}, {s:{s:{s:{s:{s:s}}}}}]}", "allOf", "$ref",
                               "#/components/schemas/Error", "properties", "error", "properties",
                               "code", "const", ep_code_name(error_answers[i].code));
    json_t *r = json_pack("{s:o, s:{s:{s:o}}}", "description",
                          both(error_answers[i].zh, error_answers[i].en), "content",
                          "application/json", "schema", schema);
    if (error_answers[i].code == EP_ETHROTTLE)
        json_object_set_new(r, "headers",
                            json_pack("{s:{s:s, s:{s:s, s:i}}}", "Retry-After", "description",
                                      "重试前等待的秒数 / seconds to wait", "schema", "type",
                                      "integer", "minimum", 1));
    return r;
}

/* Which error answers a route may give: every one may be refused for its
 * query (400), miss what it names (404), be too large (413), break a rule
 * (422), be throttled (429) or fail (500, 503); a route behind a login
 * adds 401 and 403, a write 409 and (unless it is a DELETE) 415; the login
 * answers 401 to a wrong password. */
static int error_applies(const struct route *r, int code)
{
    int get = strcmp(r->method, "GET") == 0;
    switch (code) {
    case EP_EUNAUTH: /* and the login itself: a wrong password */
        return r->perm != PERM_PUBLIC || r->body;
    case EP_EFORBIDDEN:
        return r->perm != PERM_PUBLIC;
    case EP_ECONFLICT:
        return !get;
    case EP_EMEDIA:
        return !get && strcmp(r->method, "DELETE") != 0;
    default:
        return 1;
    }
}

/* The schema of one property of a record (openapi.h). */
static json_t *property_schema(const struct record_property *p)
{
    static const char *const types[] = {
        [JF_STRING] = "string", [JF_DATE] = "string",  [JF_INT] = "integer",
        [JF_NUMBER] = "number", [JF_BOOL] = "boolean", [JF_OBJECT] = "object",
        [JF_ARRAY] = "array",
    };
    char ref[96];
    json_t *o;
    if (p->type == JF_NONE)
        return json_object(); /* any JSON value */
    if (p->type == JF_OBJECT && p->record) {
        snprintf(ref, sizeof ref, "#/components/schemas/%s", p->record);
        o = json_pack("{s:s}", "$ref", ref);
        return p->flags & RP_NULL ? json_pack("{s:[o, {s:s}]}", "anyOf", o, "type", "null") : o;
    }
    o = json_pack("{s:s}", "type", types[p->type]);
    if (p->type == JF_DATE)
        json_object_set_new(o, "format", json_string("date"));
    if (p->type == JF_ARRAY && p->record) {
        snprintf(ref, sizeof ref, "#/components/schemas/%s", p->record);
        json_object_set_new(o, "items", json_pack("{s:s}", "$ref", ref));
    } else if (p->type == JF_ARRAY && p->elem) {
        json_object_set_new(o, "items", json_pack("{s:s}", "type", types[p->elem]));
    }
    if (p->flags & RP_NULL)
        json_object_set_new(o, "type", json_pack("[s, s]", types[p->type], "null"));
    return o;
}

/* components/schemas/<name> of a record: its properties with their types,
 * the ones always present required, no others. */
static json_t *record_schema(const struct record_schema *r)
{
    json_t *props = json_object(), *required = json_array();
    for (const struct record_property *p = r->properties; p->name; p++) {
        json_object_set_new(props, p->name, property_schema(p));
        if (!(p->flags & RP_OPTIONAL))
            json_array_append_new(required, json_string(p->name));
    }
    return json_pack("{s:o, s:s, s:o, s:o, s:b}", "description", both(r->zh, r->en), "type",
                     "object", "properties", props, "required", required, "additionalProperties",
                     0);
}

/* The JSON schema of the shape "flag" of an answer made of "record": the
 * record itself, or a page or list of it. */
static json_t *record_answer_schema(int flag, const char *record)
{
    char ref[96];
    snprintf(ref, sizeof ref, "#/components/schemas/%s", record);
    if (flag == ANSWER_RECORD || flag == ANSWER_OBJECT)
        return json_pack("{s:s}", "$ref", ref);
    return json_pack("{s:[{s:s}, {s:{s:{s:s, s:{s:s}}}}]}", "allOf", "$ref",
                     flag == ANSWER_PAGE ? "#/components/schemas/Page"
                                         : "#/components/schemas/Items",
                     "properties", "items", "type", "array", "items", "$ref", ref);
}

/* The JSON schema of "answer", a component reference or an anyOf of them;
 * a route's named record ("record", or NULL) in place of the bare shapes. */
static json_t *json_answer_schema(int answer, const char *record)
{
    static const struct {
        int flag;
        const char *ref;
    } shapes[] = {
        {ANSWER_RECORD, "#/components/schemas/Record"},
        {ANSWER_OBJECT, "#/components/schemas/Object"},
        {ANSWER_PAGE, "#/components/schemas/Page"},
        {ANSWER_ITEMS, "#/components/schemas/Items"},
    };
    json_t *any = json_array();
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        if (answer & shapes[i].flag)
            json_array_append_new(any, record ? record_answer_schema(shapes[i].flag, record)
                                              : json_pack("{s:s}", "$ref", shapes[i].ref));
    if (json_array_size(any) == 1) {
        json_t *only = json_incref(json_array_get(any, 0));
        json_decref(any);
        return only;
    }
    return json_pack("{s:o}", "anyOf", any);
}

/* The content of a successful answer: one media type per shape it may take. */
static json_t *answer_content(int answer, const char *record)
{
    static const struct {
        int flag;
        const char *type;
        const char *format; /* of the schema {"type": "string", "format": ...} */
    } media[] = {
        {ANSWER_HTML, "text/html", NULL},
        {ANSWER_CSV, "text/csv", NULL},
        {ANSWER_XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "binary"},
        {ANSWER_TEXT, "text/plain", NULL},
        {ANSWER_WAV, "audio/wav", "binary"},
        {ANSWER_EVENTS, "text/event-stream", NULL},
    };
    json_t *content = json_object();
    if (answer & (ANSWER_RECORD | ANSWER_OBJECT | ANSWER_PAGE | ANSWER_ITEMS))
        json_object_set_new(content, "application/json",
                            json_pack("{s:o}", "schema", json_answer_schema(answer, record)));
    for (size_t i = 0; i < sizeof media / sizeof media[0]; i++) {
        if (!(answer & media[i].flag))
            continue;
        json_t *schema = json_pack("{s:s}", "type", "string");
        if (media[i].format)
            json_object_set_new(schema, "format", json_string(media[i].format));
        json_object_set_new(content, media[i].type, json_pack("{s:o}", "schema", schema));
    }
    return content;
}

/* 1 if the body spec has the idempotency key: a repeat answers 200 with the
 * first result. */
static int has_client_uuid(const struct json_field *body)
{
    for (const struct json_field *f = body; f && f->name; f++)
        if (strcmp(f->name, "client_uuid") == 0)
            return 1;
    return 0;
}

static json_t *responses(const struct route *r)
{
    json_t *out = json_object();
    if (r->flags & ANSWER_EMPTY) {
        json_object_set_new(out, "204",
                            json_pack("{s:s}", "description", "成功,无内容 / done, no content"));
    } else if (r->flags & ANSWER_CREATED) {
        json_object_set_new(out, "201",
                            json_pack("{s:s, s:o}", "description", "已创建 / created", "content",
                                      answer_content(r->flags, r->record)));
        if (has_client_uuid(r->body))
            json_object_set_new(
                out, "200",
                json_pack("{s:s, s:o, s:{s:{s:s, s:{s:s, s:[s]}}}}", "description",
                          "重复提交(同一 client_uuid、同一请求体):答复首次的结果,不再新建 / "
                          "a repeat (same client_uuid and body): the first result, nothing new",
                          "content", answer_content(r->flags, r->record), "headers",
                          "Idempotent-Replay", "description", "true", "schema", "type", "string",
                          "enum", "true"));
    } else {
        json_object_set_new(out, "200",
                            json_pack("{s:s, s:o}", "description", "成功 / success", "content",
                                      answer_content(r->flags, r->record)));
    }
    for (size_t i = 0; i < ERROR_ANSWERS; i++) {
        if (!error_applies(r, error_answers[i].code))
            continue;
        char status[8], ref[64];
        snprintf(status, sizeof status, "%d", ep_code_http_status(error_answers[i].code));
        snprintf(ref, sizeof ref, "#/components/responses/%s", error_answers[i].name);
        json_object_set_new(out, status, json_pack("{s:s}", "$ref", ref));
    }
    return out;
}

/* "/api/v1/cases/{id}" -> "cases", "/api/v1/ledger.xlsx" -> "ledger", "/public/..." -> "public". */
static json_t *tag_of(const char *pattern)
{
    const char *v1 = "/api/v1/";
    if (strncmp(pattern, v1, strlen(v1)) != 0)
        return json_string("public");
    const char *seg = pattern + strlen(v1);
    size_t n = strcspn(seg, "/.");
    return json_stringn(seg, n);
}

static json_t *operation(const struct route *r)
{
    char id[160];
    snprintf(id, sizeof id, "%s %s", r->method, r->pattern);
    json_t *op = json_pack("{s:s, s:[o], s:s, s:o, s:s, s:o}", "operationId", id, "tags",
                           tag_of(r->pattern), "x-permission", auth_perm_name(r->perm), "x-roles",
                           roles_of(r->perm), "summary", "", "x-summary", json_object());
    /* Both languages: the summary reads "中文 / English"; x-summary keeps them apart. */
    if (r->zh && r->en) {
        json_object_set_new(op, "summary", both(r->zh, r->en));
        json_object_set_new(op, "x-summary", json_pack("{s:s, s:s}", "zh-CN", r->zh, "en", r->en));
    }
    json_t *params = json_array();
    path_params(r->pattern, params);
    for (const struct route_param *q = r->query; q && q->name; q++)
        json_array_append_new(params, query_param(q));
    json_array_append_new(params, json_pack("{s:s}", "$ref", "#/components/parameters/lang"));
    json_object_set_new(op, "parameters", params);
    if (r->body)
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b, s:{s:{s:o}}}", "required", !(r->flags & BODY_OPTIONAL),
                                      "content", "application/json", "schema",
                                      object_schema(r->body)));
    if (r->perm == PERM_PUBLIC)
        json_object_set_new(op, "security", json_array());
    json_object_set_new(op, "responses", responses(r));
    return op;
}

/* The shared schemas: the envelopes of the answers and the error model. */
static json_t *schemas(void)
{
    json_t *codes = json_array();
    for (int code = EP_EINVAL; code < EP_CODE_COUNT; code++)
        json_array_append_new(codes, json_string(ep_code_name(code)));
    json_t *error = json_pack(
        "{s:s, s:s, s:[s], s:b, s:{s:{s:s, s:[s,s,s], s:b, s:{s:{s:o}, s:{s:s, s:i}, "
        "s:{s:s, s:{s:s, s:[s,s], s:b, s:{s:{s:s}, s:{s:s, s:i}}}}}}}}",
        "description",
        "错误模型:code 定出 HTTP 状态,message 为请求的语言(默认简体中文),fields 逐字段说明 / "
        "the error model: code fixes the HTTP status, message is in the request's language "
        "(Simplified Chinese by default), fields names each field at fault",
        "type", "object", "required", "error", "additionalProperties", 0, "properties", "error",
        "type", "object", "required", "code", "message", "fields", "additionalProperties", 0,
        "properties", "code", "enum", codes, "message", "type", "string", "minLength", 1, "fields",
        "type", "array", "items", "type", "object", "required", "field", "message",
        "additionalProperties", 0, "properties", "field", "type", "string", "message", "type",
        "string", "minLength", 1);
    json_t *list = json_pack("{s:s, s:{s:s}}", "type", "array", "items", "type", "object");
    json_t *out = json_pack(
        "{s:o, s:{s:s, s:s, s:[s], s:{s:{s:s, s:i}}}, s:{s:s, s:s}, "
        "s:{s:s, s:s, s:[s,s], s:{s:O, s:{s:[s,s]}}}, s:{s:s, s:s, s:[s], s:{s:o}}}",
        "Error", error, "Record", "description", "一个记录 / one record", "type", "object",
        "required", "id", "properties", "id", "type", "integer", "minimum", 1, "Object",
        "description", "一个对象 / one object", "type", "object", "Page", "description",
        "分页列表:还有下一页时 next_cursor 为其游标(?cursor=),否则为 null / a page: "
        "next_cursor is the cursor of the next page (?cursor=), null on the last",
        "type", "object", "required", "items", "next_cursor", "properties", "items", list,
        "next_cursor", "type", "string", "null", "Items", "description",
        "完整列表,不分页 / the whole list, not paged", "type", "object", "required", "items",
        "properties", "items", list);
    for (const struct record_schema *r = http_records; r->name; r++)
        json_object_set_new(out, r->name, record_schema(r));
    return out;
}

json_t *http_openapi(void)
{
    json_t *paths = json_object(), *tags = json_array(), *seen = json_object();
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
        json_t *op = operation(r);
        const char *tag = json_string_value(json_array_get(json_object_get(op, "tags"), 0));
        if (!json_object_get(seen, tag)) {
            json_object_set_new(seen, tag, json_true());
            json_t *t = json_pack("{s:s}", "name", tag);
            for (const struct route_tag *g = http_route_tags; g->name; g++)
                if (strcmp(g->name, tag) == 0)
                    json_object_set_new(t, "description", both(g->zh, g->en));
            json_array_append_new(tags, t);
        }
        json_object_set_new(item, method, op);
    }
    json_decref(seen);
    json_t *errors = json_object();
    for (size_t i = 0; i < ERROR_ANSWERS; i++)
        json_object_set_new(errors, error_answers[i].name, error_response(i));
    json_t *lang =
        json_pack("{s:s, s:s, s:b, s:s, s:{s:s}}", "name", "lang", "in", "query", "required", 0,
                  "description",
                  "答复语言:en 为英文,其余为简体中文(默认);也可用 Accept-Language / the reply's "
                  "language: en for English, anything else Simplified Chinese (the default); "
                  "Accept-Language works too",
                  "schema", "type", "string");
    return json_pack(
        "{s:s, s:{s:s, s:s, s:s}, s:o, s:o, s:{s:o, s:o, s:{s:o}, s:{s:{s:s, s:s, s:s}, "
        "s:{s:s, s:s}}}, s:[{s:[]}, {s:[]}]}",
        "openapi", "3.1.0", "info", "title", "epigrid API", "version", EPIGRID_VERSION,
        "description",
        "疫情防控网格化指挥平台的 API。JSON 进出,UTF-8;日期 YYYY-MM-DD,时间为带 +08:00 的 "
        "ISO 8601。每个写接口的请求体按字段说明;x-refers-to 标出引用的记录类别,管辖范围外的"
        "记录与不存在的记录答复相同(404)。列表按游标分页(limit、cursor、next_cursor)。现场"
        "写入带 client_uuid:重复提交答复首次结果,不再新建。错误按 components.schemas.Error "
        "答复,信息默认简体中文,?lang=en 或 Accept-Language: en 时为英文;路径存在而方法不对"
        "答 405。 / The epigrid API: JSON in and out, UTF-8; dates YYYY-MM-DD, times ISO 8601 "
        "with +08:00. Each write's body is described field by field; x-refers-to names the "
        "kind of record an id or code refers to, and outside the caller's jurisdiction a "
        "record answers like a missing one (404). Lists are paged by cursor (limit, cursor, "
        "next_cursor). Field writes carry a client_uuid: a repeat answers the first result and "
        "creates nothing. Errors follow components.schemas.Error, in Simplified Chinese unless "
        "?lang=en or Accept-Language: en; a known path with another method answers 405.",
        "tags", tags, "paths", paths, "components", "schemas", schemas(), "responses", errors,
        "parameters", "lang", lang, "securitySchemes", "session", "type", "apiKey", "in", "cookie",
        "name", AUTH_COOKIE_NAME, "bearer", "type", "http", "scheme", "bearer", "security",
        "session", "bearer");
}
