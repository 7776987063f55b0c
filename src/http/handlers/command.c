/*
 * command.c -- the command's decisions over HTTP:
 *   GET    /api/v1/response-levels            ?region=&date= the level that applied (and
 *                                             where it was set); ?region= alone the history
 *   POST   /api/v1/response-levels            {region_code, level 1-4, effective_date,
 *                                             directive_id?, note?}
 *   GET    /api/v1/leader-links               ?user= the regions a leader supervises, with
 *                                             their headline figures side by side (?date=);
 *                                             without ?user=: the links of the regions in
 *                                             ?region= (default the scope), ?limit=&cursor=
 *   GET    /api/v1/leaders/{user}/regions     the same
 *   POST   /api/v1/leader-links               {username, region_code}
 *   DELETE /api/v1/leader-links/{id}
 *   GET    /api/v1/directives                 visible directives (?region=&unread=1&limit=&cursor=)
 *   POST   /api/v1/directives                 {title, body, target_region, target_level,
 *                                             deadline, issuing_region?}
 *   GET    /api/v1/directives/{id}            one directive with replies and figures
 *   GET    /api/v1/directives/{id}/print      printable HTML
 *   POST   /api/v1/directives/{id}/read       read receipt (idempotent)
 *   GET    /api/v1/directives/{id}/receipts   units with read state, who missed the deadline
 *   POST   /api/v1/directives/{id}/replies    {body}
 *   GET    /api/v1/inspections                ?region=&limit=&cursor=
 *   POST   /api/v1/inspections                {region_code, unit?, inspected_on, summary?,
 *                                             findings:[{category, description,
 *                                             responsible_unit, region_code?, deadline}]}
 *   GET    /api/v1/inspections/{id}           with findings
 *   GET    /api/v1/inspections/{id}/report    printable HTML
 *   GET    /api/v1/findings                   ?region=&status=&overdue=1
 *   POST   /api/v1/findings/{id}/rectify      {evidence_note}
 *   POST   /api/v1/findings/{id}/verify       {}
 *   GET    /api/v1/stats/inspections          ?region= counts of the region and its children
 *   GET    /api/v1/broadcasts                 visible notices (?limit=&cursor=)
 *   POST   /api/v1/broadcasts                 {region_code, title, body}
 *   GET    /api/v1/broadcasts/{id}            with the villages that played it
 *   GET    /api/v1/broadcasts/{id}/audio      spoken Mandarin, audio/wav
 *   POST   /api/v1/broadcasts/{id}/ack        {region_code?}: a village played it
 *   GET    /api/v1/dashboard                  ?region=&date= the command dashboard
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/broadcast.h"
#include "core/command.h"
#include "core/counter.h"
#include "core/dashboard.h"
#include "core/region.h"
#include "http/handlers/handlers.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/timeutil.h"

/* ---- printable views ---------------------------------------------------------- */

static void html_text(struct buf *b, const char *t)
{
    for (; t && *t; t++) {
        if (*t == '<')
            buf_puts(b, "&lt;");
        else if (*t == '>')
            buf_puts(b, "&gt;");
        else if (*t == '&')
            buf_puts(b, "&amp;");
        else if (*t == '"')
            buf_puts(b, "&quot;");
        else if (*t == '\n')
            buf_puts(b, "<br>");
        else
            buf_putc(b, *t);
    }
}

static const char *jstr(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static void html_head(struct buf *b, const char *title)
{
    buf_puts(b, "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>");
    html_text(b, title);
    buf_puts(b, "</title><style>body{font-family:\"SimSun\",\"Songti SC\",serif;max-width:48em;"
                "margin:2em auto;line-height:1.8}h1{text-align:center;color:#c00;font-size:1.6em}"
                "table{border-collapse:collapse;width:100%}td,th{border:1px solid #333;"
                "padding:.3em .5em;vertical-align:top}.meta{text-align:center}"
                "@media print{body{margin:0}}</style></head><body>");
}

static void html_reply(struct http_response *res, struct buf *b)
{
    buf_puts(b, "</body></html>");
    res->len = b->len;
    res->owned = buf_steal(b);
    res->content_type = "text/html; charset=utf-8";
}

/* ---- response levels ----------------------------------------------------------- */

int handler_levels_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    const char *region = http_query(req, "region");
    if (!region)
        region = req->user.scope;
    else if (!region_level_of_code(region))
        ep_error_field(err, "region", "地区编码应为 4、6、9、12 或 15 位数字",
                       "region code must be 4, 6, 9, 12 or 15 digits");
    char today[11];
    const char *date = http_query(req, "date") ? handler_date_param(req, today, err) : NULL;
    if (err->code)
        return -err->code;
    if (http_require_scope(req, region, err) != 0)
        return -EP_EFORBIDDEN;
    struct region r;
    if (region_get(req->store, region, &r, err) != 0)
        return -err->code;
    json_t *body = NULL;
    if (date) {
        if (command_level_at(req->store, region, date, &body, err) != 0)
            return -err->code;
        json_object_set_new(body, "name", json_string(r.name));
        return http_reply_json(res, 200, body);
    }
    char now[11];
    time_date_format(time_today_cn(), now);
    json_t *items = json_array();
    if (command_level_history(req->store, region, items, err) != 0 ||
        command_level_at(req->store, region, now, &body, err) != 0) {
        json_decref(items);
        return -err->code;
    }
    return http_reply_json(res, 200,
                           json_pack("{s:s, s:s, s:o, s:o}", "region", region, "name", r.name,
                                     "current", body, "items", items));
}

const struct json_field command_level_fields[] = {
    {.name = "region_code", .type = JF_STRING, .required = 1, .max_len = 15, .ref = "region"},
    {.name = "level", .type = JF_INT, .required = 1, .min = 1, .max = 4},
    {.name = "effective_date", .type = JF_DATE, .required = 1},
    {.name = "directive_id", .type = JF_INT, .min = 1, .max = 1e15, .ref = "directive"},
    {.name = "note", .type = JF_STRING, .max_len = COMMAND_TEXT_CHARS},
    {JF_OCCURRED},
    {0},
};

int handler_levels_create(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = handler_body(req, command_level_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct level_input in = {
        json_get_str(body, "region_code"),    json_get_int(body, "level", 0),
        json_get_str(body, "effective_date"), json_get_int(body, "directive_id", 0),
        json_get_str(body, "note"),           json_get_str(body, "occurred_at")};
    json_t *out = NULL;
    struct actor who = {&req->user, req->client_ip};
    int rc = -EP_EINVAL;
    if (!err->code) {
        rc = command_level_set(req->store, &who, &in, &out, err);
    } else {
        struct ep_error more;
        ep_error_clear(&more);
        if (command_level_check(&in, &more) == -EP_EINVAL)
            handler_fields_merge(err, &more);
    }
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

/* ---- leader links -------------------------------------------------------------- */

static int leader_regions(struct http_request *req, struct http_response *res, const char *user,
                          struct ep_error *err)
{
    char today[11];
    const char *date = handler_date_param(req, today, err);
    if (!user)
        ep_error_field(err, "user", "必填", "is required");
    if (err->code)
        return -err->code;
    json_t *out;
    if (command_leader_regions(req->store, req->user.scope, user, date, &out, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, out);
}

int handler_leader_links_list(struct http_request *req, struct http_response *res,
                              struct ep_error *err)
{
    if (http_query(req, "user"))
        return leader_regions(req, res, http_query(req, "user"), err);
    /* Without ?user=: the links of the regions in ?region= (default the
     * scope; outside it 403), i.e. who supervises each of them. */
    struct handler_page p;
    if (handler_page_params(req, 100, 1000, &p, err) != 0)
        return -err->code;
    json_t *items = json_array();
    int rc = command_leader_links_list(req->store, p.scope, p.cursor_id, JSON_PAGE_FETCH(p.limit),
                                       items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_id, err);
}

int handler_leader_regions(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    return leader_regions(req, res, req->params[0], err);
}

const struct json_field command_link_fields[] = {
    {.name = "username", .type = JF_STRING, .required = 1, .max_len = 64},
    {.name = "region_code", .type = JF_STRING, .required = 1, .max_len = 15, .ref = "region"},
    {0},
};

int handler_leader_links_create(struct http_request *req, struct http_response *res,
                                struct ep_error *err)
{
    json_t *body = handler_body(req, command_link_fields, err);
    if (!body)
        return -EP_EINVAL;
    json_t *out = NULL;
    struct actor who = {&req->user, req->client_ip};
    int rc = err->code ? -EP_EINVAL
                       : command_leader_link(req->store, &who, json_get_str(body, "username"),
                                             json_get_str(body, "region_code"), &out, err);
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

int handler_leader_link_delete(struct http_request *req, struct http_response *res,
                               struct ep_error *err)
{
    int64_t id;
    struct actor who = {&req->user, req->client_ip};
    if (http_path_id(req, 0, "联系督导关系", "leader link", &id, err) != 0 ||
        command_leader_unlink(req->store, &who, id, err) != 0)
        return -err->code;
    res->status = 204;
    return 0;
}

/* ---- directives ----------------------------------------------------------------- */

int handler_directives_list(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    struct handler_page p;
    if (handler_page_params(req, 50, 200, &p, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    const char *unread = http_query(req, "unread");
    if (unread && strcmp(unread, "1") != 0 && strcmp(unread, "0") != 0)
        ep_error_field(err, "unread", "应为 0 或 1", "must be 0 or 1");
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    int rc = command_directive_list(req->store, &req->user, p.region, unread && *unread == '1',
                                    p.cursor_id, JSON_PAGE_FETCH(p.limit), items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_id, err);
}

const struct json_field command_directive_fields[] = {
    {.name = "title", .type = JF_STRING, .required = 1, .max_len = COMMAND_TITLE_CHARS},
    {.name = "body", .type = JF_STRING, .required = 1, .max_len = COMMAND_BODY_CHARS},
    {.name = "target_region", .type = JF_STRING, .required = 1, .max_len = 15, .ref = "region"},
    {.name = "target_level",
     .type = JF_STRING,
     .required = 1,
     .max_len = 10,
     .values = region_level_names},
    {.name = "deadline", .type = JF_DATE, .required = 1},
    {.name = "issuing_region", .type = JF_STRING, .max_len = 15, .ref = "region"},
    {0},
};

int handler_directives_create(struct http_request *req, struct http_response *res,
                              struct ep_error *err)
{
    json_t *body = handler_body(req, command_directive_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct directive_input in = {
        json_get_str(body, "title"),         json_get_str(body, "body"),
        json_get_str(body, "target_region"), json_get_str(body, "target_level"),
        json_get_str(body, "deadline"),      json_get_str(body, "issuing_region")};
    json_t *out = NULL;
    struct actor who = {&req->user, req->client_ip};
    int rc = -EP_EINVAL;
    if (!err->code) {
        rc = command_directive_issue(req->store, &who, &in, &out, err);
    } else {
        struct ep_error more;
        ep_error_clear(&more);
        if (command_directive_check(&in, &more) == -EP_EINVAL)
            handler_fields_merge(err, &more);
    }
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

int handler_directive_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    json_t *out;
    if (http_path_id(req, 0, "通知", "directive", &id, err) != 0 ||
        command_directive_get(req->store, &req->user, id, &out, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, out);
}

int handler_directive_print(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    int64_t id;
    json_t *d;
    if (http_path_id(req, 0, "通知", "directive", &id, err) != 0 ||
        command_directive_get(req->store, &req->user, id, &d, err) != 0)
        return -err->code;
    struct buf b;
    buf_init(&b);
    html_head(&b, jstr(d, "title"));
    buf_puts(&b, "<h1>");
    html_text(&b, jstr(d, "title"));
    buf_puts(&b, "</h1><p class=\"meta\">");
    html_text(&b, jstr(d, "issuing_name"));
    buf_appendf(
        &b, " 〔%lld〕号 &nbsp; 发往:", (long long)json_integer_value(json_object_get(d, "id")));
    html_text(&b, jstr(d, "target_name"));
    buf_puts(&b, " &nbsp; 签收时限:");
    html_text(&b, jstr(d, "deadline"));
    buf_puts(&b, "</p><div class=\"body\">");
    html_text(&b, jstr(d, "body"));
    buf_puts(&b, "</div><p style=\"text-align:right\">");
    html_text(&b, jstr(d, "issuing_name"));
    buf_puts(&b, "<br>");
    html_text(&b, jstr(d, "issued_at"));
    buf_appendf(&b, "</p><p>送达单位 %lld 个,已签收 %lld 个。</p>",
                (long long)json_integer_value(json_object_get(d, "units")),
                (long long)json_integer_value(json_object_get(d, "units_read")));
    json_t *replies = json_object_get(d, "replies");
    if (json_array_size(replies)) {
        buf_puts(
            &b,
            "<h2>回复</h2><table><tr><th>单位</th><th>回复人</th><th>内容</th><th>时间</th></tr>");
        size_t i;
        json_t *r;
        json_array_foreach(replies, i, r)
        {
            buf_puts(&b, "<tr><td>");
            html_text(&b, jstr(r, "region_name"));
            buf_puts(&b, "</td><td>");
            html_text(&b, jstr(r, "username"));
            buf_puts(&b, "</td><td>");
            html_text(&b, jstr(r, "body"));
            buf_puts(&b, "</td><td>");
            html_text(&b, jstr(r, "created_at"));
            buf_puts(&b, "</td></tr>");
        }
        buf_puts(&b, "</table>");
    }
    json_decref(d);
    html_reply(res, &b);
    return 0;
}

int handler_directive_read(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    int64_t id;
    json_t *out;
    struct actor who = {&req->user, req->client_ip};
    if (http_path_id(req, 0, "通知", "directive", &id, err) != 0 ||
        command_directive_read(req->store, &who, id, &out, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, out);
}

int handler_directive_receipts(struct http_request *req, struct http_response *res,
                               struct ep_error *err)
{
    int64_t id;
    const char *region;
    json_t *out;
    if (http_path_id(req, 0, "通知", "directive", &id, err) != 0)
        return -err->code;
    if (handler_region_param(req, &region, err) != 0)
        return -err->code;
    if (command_directive_receipts(req->store, &req->user, id, region, &out, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, out);
}

const struct json_field command_reply_fields[] = {
    {.name = "body", .type = JF_STRING, .required = 1, .max_len = COMMAND_TEXT_CHARS},
    {0},
};

int handler_directive_reply(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "通知", "directive", &id, err) != 0)
        return -err->code;
    json_t *body = handler_body(req, command_reply_fields, err);
    if (!body)
        return -EP_EINVAL;
    json_t *out = NULL;
    struct actor who = {&req->user, req->client_ip};
    int rc = err->code ? -EP_EINVAL
                       : command_directive_reply(req->store, &who, id, json_get_str(body, "body"),
                                                 &out, err);
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

/* ---- inspections ----------------------------------------------------------------- */

int handler_inspections_list(struct http_request *req, struct http_response *res,
                             struct ep_error *err)
{
    struct handler_page p;
    if (handler_page_params(req, 50, 200, &p, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    int rc = command_inspection_list(req->store, req->user.scope, p.region, p.cursor_id,
                                     JSON_PAGE_FETCH(p.limit), items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_id, err);
}

static const struct json_field finding_fields[] = {
    {.name = "category",
     .type = JF_STRING,
     .required = 1,
     .max_len = 20,
     .value_at = command_finding_category_at},
    {.name = "description", .type = JF_STRING, .required = 1, .max_len = COMMAND_TEXT_CHARS},
    {.name = "responsible_unit", .type = JF_STRING, .required = 1, .max_len = 60},
    {.name = "region_code", .type = JF_STRING, .max_len = 15, .ref = "region"},
    {.name = "deadline", .type = JF_DATE, .required = 1},
    {0},
};

const struct json_field command_inspection_fields[] = {
    {.name = "region_code", .type = JF_STRING, .required = 1, .max_len = 15, .ref = "region"},
    {.name = "unit", .type = JF_STRING, .max_len = 60},
    {.name = "inspected_on", .type = JF_DATE, .required = 1},
    {.name = "summary", .type = JF_STRING, .max_len = COMMAND_TEXT_CHARS},
    {.name = "findings",
     .type = JF_ARRAY,
     .max_items = COMMAND_FINDINGS_MAX,
     .members = finding_fields},
    {0},
};

int handler_inspections_create(struct http_request *req, struct http_response *res,
                               struct ep_error *err)
{
    json_t *body = handler_body(req, command_inspection_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct inspection_input *in = arena_alloc(req->arena, sizeof *in);
    memset(in, 0, sizeof *in);
    in->region_code = json_get_str(body, "region_code");
    in->unit = json_get_str(body, "unit");
    in->inspected_on = json_get_str(body, "inspected_on");
    in->summary = json_get_str(body, "summary");
    json_t *findings = json_object_get(body, "findings");
    for (size_t i = 0; i < json_array_size(findings); i++) {
        json_t *f = json_array_get(findings, i);
        struct finding_input *o = &in->findings[in->nfindings++];
        o->category = json_get_str(f, "category");
        o->description = json_get_str(f, "description");
        o->responsible_unit = json_get_str(f, "responsible_unit");
        o->region_code = json_get_str(f, "region_code");
        o->deadline = json_get_str(f, "deadline");
    }
    json_t *out = NULL;
    struct actor who = {&req->user, req->client_ip};
    int rc = -EP_EINVAL;
    if (!err->code) {
        rc = command_inspection_create(req->store, &who, in, &out, err);
    } else {
        struct ep_error more;
        ep_error_clear(&more);
        if (command_inspection_check(in, &more) == -EP_EINVAL)
            handler_fields_merge(err, &more);
    }
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

int handler_inspection_get(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    return handler_get_by_id(req, res, "督查记录", "inspection", command_inspection_get, err);
}

int handler_inspection_report(struct http_request *req, struct http_response *res,
                              struct ep_error *err)
{
    int64_t id;
    json_t *in;
    if (http_path_id(req, 0, "督查记录", "inspection", &id, err) != 0 ||
        command_inspection_get(req->store, req->user.scope, id, &in, err) != 0)
        return -err->code;
    struct buf b;
    buf_init(&b);
    html_head(&b, "督查情况通报");
    buf_puts(&b, "<h1>督查情况通报</h1><p class=\"meta\">被督查地区:");
    html_text(&b, jstr(in, "region_name"));
    if (*jstr(in, "unit")) {
        buf_puts(&b, "(");
        html_text(&b, jstr(in, "unit"));
        buf_puts(&b, ")");
    }
    buf_puts(&b, " &nbsp; 督查日期:");
    html_text(&b, jstr(in, "inspected_on"));
    buf_puts(&b, " &nbsp; 督查人:");
    html_text(&b, jstr(in, "inspector"));
    buf_puts(&b, "</p>");
    if (*jstr(in, "summary")) {
        buf_puts(&b, "<p>");
        html_text(&b, jstr(in, "summary"));
        buf_puts(&b, "</p>");
    }
    buf_puts(&b, "<table><tr><th>序号</th><th>类别</th><th>发现问题</th><th>责任单位</th>"
                 "<th>整改时限</th><th>状态</th><th>整改情况</th></tr>");
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(in, "findings"), i, f)
    {
        buf_appendf(&b, "<tr><td>%zu</td><td>", i + 1);
        html_text(&b, jstr(f, "category_zh"));
        buf_puts(&b, "</td><td>");
        html_text(&b, jstr(f, "description"));
        buf_puts(&b, "</td><td>");
        html_text(&b, jstr(f, "responsible_unit"));
        buf_puts(&b, "</td><td>");
        html_text(&b, jstr(f, "deadline"));
        buf_puts(&b, json_is_true(json_object_get(f, "overdue")) ? "(已逾期)" : "");
        buf_puts(&b, "</td><td>");
        html_text(&b, command_finding_status_zh(jstr(f, "status")));
        buf_puts(&b, "</td><td>");
        html_text(&b, jstr(f, "evidence_note"));
        buf_puts(&b, "</td></tr>");
    }
    buf_puts(&b, "</table>");
    json_decref(in);
    html_reply(res, &b);
    return 0;
}

int handler_findings_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    const char *region;
    if (handler_region_param(req, &region, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    const char *status = http_query(req, "status");
    if (status && strcmp(status, "open") != 0 && strcmp(status, "rectified") != 0 &&
        strcmp(status, "verified") != 0)
        ep_error_field(err, "status", "应为 open、rectified 或 verified",
                       "must be open, rectified or verified");
    const char *overdue = http_query(req, "overdue");
    if (overdue && strcmp(overdue, "1") != 0 && strcmp(overdue, "0") != 0)
        ep_error_field(err, "overdue", "应为 0 或 1", "must be 0 or 1");
    if (err->code)
        return -err->code;
    char today[11];
    time_date_format(time_today_cn(), today);
    json_t *items = json_array();
    int rc = command_finding_list(req->store, req->user.scope, region, status,
                                  overdue && *overdue == '1', today, items, err);
    return handler_items_reply(res, rc, items, err);
}

const struct json_field command_rectify_fields[] = {
    {.name = "evidence_note", .type = JF_STRING, .required = 1, .max_len = COMMAND_TEXT_CHARS},
    {0},
};

const struct json_field command_verify_fields[] = {
    {0},
};

static int finding_step(struct http_request *req, struct http_response *res, int verify,
                        struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "督查问题", "finding", &id, err) != 0)
        return -err->code;
    json_t *body = NULL;
    if (req->body_len || !verify) {
        body = handler_body(req, verify ? command_verify_fields : command_rectify_fields, err);
        if (!body)
            return -EP_EINVAL;
    }
    json_t *out = NULL;
    struct actor who = {&req->user, req->client_ip};
    int rc = -EP_EINVAL;
    if (!err->code && verify)
        rc = command_finding_verify(req->store, &who, id, &out, err);
    else if (!err->code)
        rc = command_finding_rectify(req->store, &who, id, json_get_str(body, "evidence_note"),
                                     &out, err);
    return handler_write_reply(res, body, rc, NULL, 200, out, err);
}

int handler_finding_rectify(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    return finding_step(req, res, 0, err);
}

int handler_finding_verify(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    return finding_step(req, res, 1, err);
}

static json_t *inspection_counts(struct store *s, const struct region *r, struct ep_error *err)
{
    static const char *metrics[] = {"inspections", "findings.open", "findings.rectified",
                                    "findings.verified"};
    static const char *keys[] = {"inspections", "open", "rectified", "verified"};
    json_t *j = json_pack("{s:s, s:s}", "region", r->code, "name", r->name);
    for (size_t i = 0; i < 4; i++) {
        int64_t v;
        if (counter_get(s, r->code, metrics[i], &v, err) != 0) {
            json_decref(j);
            return NULL;
        }
        json_object_set_new(j, keys[i], json_integer(v));
    }
    return j;
}

struct counts_ctx {
    struct store *s;
    json_t *items;
    struct ep_error *err;
};

static int add_counts(const struct region *r, void *arg)
{
    struct counts_ctx *c = arg;
    json_t *j = inspection_counts(c->s, r, c->err);
    if (!j)
        return -EP_EINTERNAL;
    json_array_append_new(c->items, j);
    return 0;
}

int handler_stats_inspections(struct http_request *req, struct http_response *res,
                              struct ep_error *err)
{
    const char *region;
    if (handler_region_param(req, &region, err) != 0 || handler_now_only(req, err) != 0)
        return -err->code;
    if (!region)
        region = req->user.scope;
    struct region r;
    if (region_get(req->store, region, &r, err) != 0)
        return -err->code;
    json_t *body = inspection_counts(req->store, &r, err);
    if (!body)
        return -err->code;
    char today[11];
    time_date_format(time_today_cn(), today);
    int64_t overdue;
    struct counts_ctx c = {req->store, json_array(), err};
    json_object_set_new(body, "children", c.items);
    if (command_findings_overdue_count(req->store, region, today, &overdue, err) != 0 ||
        region_children_list(req->store, region, add_counts, &c, err) != 0) {
        json_decref(body);
        return -err->code;
    }
    json_object_set_new(body, "overdue", json_integer(overdue));
    return http_reply_json(res, 200, body);
}

/* ---- broadcasts -------------------------------------------------------------------- */

int handler_broadcasts_list(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    int limit;
    const char *cursor;
    http_list_params(req, 50, 200, &limit, &cursor, err);
    int64_t before = http_cursor_id(cursor, err);
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    int rc =
        broadcast_list(req->store, req->user.scope, before, JSON_PAGE_FETCH(limit), items, err);
    return handler_page_reply(res, rc, items, limit, json_page_cursor_id, err);
}

const struct json_field command_broadcast_fields[] = {
    {.name = "region_code", .type = JF_STRING, .required = 1, .max_len = 15, .ref = "region"},
    {.name = "title", .type = JF_STRING, .required = 1, .max_len = 60},
    {.name = "body", .type = JF_STRING, .required = 1, .max_len = BROADCAST_BODY_CHARS},
    {0},
};

int handler_broadcasts_create(struct http_request *req, struct http_response *res,
                              struct ep_error *err)
{
    json_t *body = handler_body(req, command_broadcast_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct broadcast_input in = {json_get_str(body, "region_code"), json_get_str(body, "title"),
                                 json_get_str(body, "body")};
    json_t *out = NULL;
    struct actor who = {&req->user, req->client_ip};
    int rc = -EP_EINVAL;
    if (!err->code) {
        rc = broadcast_publish(req->store, &who, &in, &out, err);
    } else {
        struct ep_error more;
        ep_error_clear(&more);
        if (broadcast_check(&in, &more) == -EP_EINVAL)
            handler_fields_merge(err, &more);
    }
    return handler_write_reply(res, body, rc, NULL, 201, out, err);
}

int handler_broadcast_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    return handler_get_by_id(req, res, "广播", "broadcast", broadcast_get, err);
}

int handler_broadcast_audio(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "广播", "broadcast", &id, err) != 0)
        return -err->code;
    struct buf wav;
    buf_init(&wav);
    if (broadcast_audio(req->store, req->user.scope, id, &wav, err) != 0) {
        buf_cleanup(&wav);
        return -err->code;
    }
    res->len = wav.len;
    res->owned = buf_steal(&wav);
    res->content_type = "audio/wav";
    char *name =
        arena_sprintf(req->arena, "inline; filename=\"broadcast-%lld.wav\"", (long long)id);
    http_add_header(res, "Content-Disposition", name);
    return 0;
}

const struct json_field command_ack_fields[] = {
    {.name = "region_code", .type = JF_STRING, .max_len = 15, .ref = "village"},
    {0},
};

int handler_broadcast_ack(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "广播", "broadcast", &id, err) != 0)
        return -err->code;
    json_t *body = NULL;
    if (req->body_len) {
        body = handler_body(req, command_ack_fields, err);
        if (!body)
            return -EP_EINVAL;
    }
    json_t *out = NULL;
    struct actor who = {&req->user, req->client_ip};
    int rc = err->code ? -EP_EINVAL
                       : broadcast_ack(req->store, &who, id,
                                       body ? json_get_str(body, "region_code") : NULL, &out, err);
    return handler_write_reply(res, body, rc, NULL, 200, out, err);
}

/* ---- the dashboard -------------------------------------------------------------------- */

int handler_dashboard_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    const char *region;
    if (handler_region_param(req, &region, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    char today[11];
    const char *date = handler_date_param(req, today, err);
    if (err->code)
        return -err->code;
    json_t *out;
    if (dashboard_get(req->store, &req->user, region ? region : req->user.scope, date, &out, err) !=
        0)
        return -err->code;
    return http_reply_json(res, 200, out);
}
