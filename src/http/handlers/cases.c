/*
 * cases.c -- cases and sites over HTTP:
 *   GET   /api/v1/sites                 sites visible from the scope (?region=&kind=)
 *   POST  /api/v1/sites                 create a site {kind, name, region_code, capacity, address?}
 *   GET   /api/v1/sites/{id}            one site with its occupancy
 *   GET   /api/v1/cases                 scoped list (?region=&status=&site=&person=
 *                                       &outside_hospital=1&limit=&cursor=), (grid_code, id) order
 *   POST  /api/v1/cases                 report a case {person_id | observation_id, status, ...}
 *   GET   /api/v1/cases/curve           epidemic curve (?region=&from=&to=)
 *   GET   /api/v1/cases/export          line list (?region=&format=csv|xlsx), masked by role
 *   GET   /api/v1/cases/{id}            the case with its history, contacts and placement
 *   PATCH /api/v1/cases/{id}            one change {status?, severity?, site_id?, onset_date?,
 * note?} GET   /api/v1/cases/{id}/chain      the transmission graph of the case's cluster
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/case.h"
#include "core/contact.h"
#include "core/person.h"
#include "core/site.h"
#include "core/write.h"
#include "http/handlers/handlers.h"
#include "util/buf.h"
#include "util/csvwrite.h"
#include "util/json.h"
#include "util/text.h"
#include "util/timeutil.h"

/* ---- sites ------------------------------------------------------------- */

static int add_site(const struct site *site, void *arg)
{
    json_array_append_new(arg, site_json_new(site));
    return 0;
}

int handler_sites_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    const char *region;
    if (handler_region_param(req, &region, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    const char *kind = http_query(req, "kind");
    if (kind && !site_kind_valid(kind))
        ep_error_field(err, "kind", "应为 designated_hospital、fever_clinic 或 quarantine_site",
                       "must be designated_hospital, fever_clinic or quarantine_site");
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    int rc = site_list(req->store, req->user.scope, region, kind, add_site, items, err);
    return handler_items_reply(res, rc, items, err);
}

const struct json_field cases_site_fields[] = {
    {.name = "kind", .type = JF_STRING, .required = 1, .max_len = 30, .value_at = site_kind_at},
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = 40},
    {.name = "region_code", .type = JF_STRING, .required = 1, .max_len = 15, .ref = "region"},
    {.name = "capacity", .type = JF_INT, .required = 1, .min = 0, .max = 100000},
    {.name = "address", .type = JF_STRING, .max_len = 60},
    {0},
};

int handler_sites_create(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = handler_body(req, cases_site_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct site_input in = {json_get_str(body, "kind"), json_get_str(body, "name"),
                            json_get_str(body, "region_code"), json_get_int(body, "capacity", 0),
                            json_get_str(body, "address")};
    struct site out;
    struct actor who = {&req->user, req->client_ip};
    int rc = -EP_EINVAL;
    if (!err->code) {
        rc = site_create(req->store, &who, &in, &out, err);
    } else {
        struct ep_error more; /* name the domain's complaints too */
        ep_error_clear(&more);
        if (site_input_check(req->store, req->user.scope, &in, &more) != 0)
            handler_fields_merge(err, &more);
    }
    return handler_write_reply(res, body, rc, NULL, 201, rc == 0 ? site_json_new(&out) : NULL, err);
}

int handler_site_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    struct site site;
    if (http_path_id(req, 0, "场所", "site", &id, err) != 0 ||
        site_get(req->store, req->user.scope, id, &site, err) != 0)
        return -err->code;
    return http_reply_json(res, 200, site_json_new(&site));
}

/* ---- cases ------------------------------------------------------------- */

static int add_case(const struct case_record *c, void *items)
{
    json_array_append_new(items, case_json_new(c));
    return 0;
}

int handler_cases_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    static const char *const statuses[] = {"suspected",  "confirmed", "asymptomatic", "excluded",
                                           "discharged", "deceased",  "open",         NULL};
    struct handler_registry_page p;
    if (handler_registry_params(req, &p, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    struct case_filter f = {.region = p.region, .after_grid = p.after_grid, .after_id = p.after_id};
    f.status = http_query(req, "status");
    int ok = !f.status;
    for (int i = 0; f.status && statuses[i]; i++)
        ok |= strcmp(f.status, statuses[i]) == 0;
    if (!ok)
        ep_error_field(
            err, "status",
            "应为 suspected、confirmed、asymptomatic、excluded、discharged、deceased 或 open",
            "must be suspected, confirmed, asymptomatic, excluded, discharged, deceased"
            " or open");
    f.site_id = http_query_id(req, "site", err);
    f.person_id = http_query_id(req, "person", err);
    const char *flag = http_query(req, "outside_hospital");
    if (flag && strcmp(flag, "1") != 0 && strcmp(flag, "0") != 0)
        ep_error_field(err, "outside_hospital", "应为 0 或 1", "must be 0 or 1");
    f.outside_hospital = flag && strcmp(flag, "1") == 0;
    if (err->code)
        return -err->code;
    f.scope = req->user.scope;
    f.limit = JSON_PAGE_FETCH(p.limit);
    json_t *items = json_array();
    int rc = case_list(req->store, &f, add_case, items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_grid_id, err);
}

const struct json_field cases_case_fields[] = {
    {.name = "client_uuid", .type = JF_STRING, .max_len = 64},
    /* the person, or the observation of the person (case_create) */
    {.name = "person_id",
     .type = JF_INT,
     .min = 1,
     .max = 9.0e15,
     .ref = "person",
     JF_REQUIRED_IF_ABSENT("observation_id")},
    {.name = "observation_id", .type = JF_INT, .min = 1, .max = 9.0e15, .ref = "observation"},
    {.name = "status", .type = JF_STRING, .required = 1, .max_len = 20, .values = case_statuses},
    {.name = "severity", .type = JF_STRING, .max_len = 20, .values = case_severities},
    {.name = "onset_date", .type = JF_DATE},
    {.name = "report_date", .type = JF_DATE},
    {.name = "site_id", .type = JF_INT, .min = 1, .max = 9.0e15, .ref = "site"},
    {.name = "note", .type = JF_STRING, .max_len = 300},
    {JF_OCCURRED},
    {0},
};

int handler_cases_create(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = handler_body(req, cases_case_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct idem_key key;
    handler_idem_key(body, &key, err);
    struct case_input in = {
        .person_id = json_get_int(body, "person_id", 0),
        .observation_id = json_get_int(body, "observation_id", 0),
        .status = json_get_str(body, "status"),
        .severity = json_get_str(body, "severity"),
        .onset_date = json_get_str(body, "onset_date"),
        .report_date = json_get_str(body, "report_date"),
        .site_id = json_get_int(body, "site_id", 0),
        .note = json_get_str(body, "note"),
        .occurred_at = json_get_str(body, "occurred_at"),
    };
    struct case_record c;
    struct actor who = {&req->user, req->client_ip};
    int rc = -EP_EINVAL;
    if (!err->code)
        rc = case_create(req->store, &who, &in, &key, &c, err);
    return handler_write_reply(res, body, rc, &key, 201, rc == 0 ? case_json_new(&c) : NULL, err);
}

static int add_history(const struct case_history_row *h, void *arg)
{
    json_array_append_new(arg, case_history_json_new(h));
    return 0;
}

static int add_contact(const struct contact *k, void *arg)
{
    json_array_append_new(arg, contact_json_new(k));
    return 0;
}

int handler_case_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    struct case_record c;
    if (http_path_id(req, 0, "病例", "case", &id, err) != 0 ||
        case_get(req->store, req->user.scope, id, &c, err) != 0)
        return -err->code;
    json_t *body = case_json_new(&c);
    json_t *history = json_array(), *contacts = json_array(), *source = json_array();
    json_object_set_new(body, "history", history);
    json_object_set_new(body, "contacts", contacts);
    json_object_set_new(body, "source_contacts", source);
    struct contact_filter f = {.scope = req->user.scope, .source_case_id = id};
    struct contact_filter g = {.scope = req->user.scope, .person_id = c.person_id};
    struct site site;
    if (case_history_list(req->store, id, add_history, history, err) != 0 ||
        contact_list(req->store, &f, add_contact, contacts, err) != 0 ||
        contact_list(req->store, &g, add_contact, source, err) != 0)
        goto fail;
    if (c.site_id) {
        if (site_get(req->store, "", c.site_id, &site, err) != 0)
            goto fail;
        json_object_set_new(body, "placement", site_json_new(&site));
    } else {
        json_object_set_new(body, "placement", json_null());
    }
    return http_reply_json(res, 200, body);
fail:
    json_decref(body);
    return -err->code;
}

const struct json_field cases_change_fields[] = {
    {.name = "status", .type = JF_STRING, .max_len = 20, .values = case_statuses},
    {.name = "severity", .type = JF_STRING, .max_len = 20, .values = case_severities},
    {.name = "site_id", .type = JF_INT, .min = 0, .max = 9.0e15, .ref = "site"},
    {.name = "onset_date", .type = JF_DATE},
    {.name = "transferred_to", .type = JF_STRING, .max_len = CASE_TRANSFER_CHARS},
    {.name = "note", .type = JF_STRING, .max_len = 300},
    {JF_OCCURRED},
    {0},
};

int handler_case_update(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "病例", "case", &id, err) != 0)
        return -err->code;
    json_t *body = handler_body(req, cases_change_fields, err);
    if (!body)
        return -EP_EINVAL;
    json_t *site = json_object_get(body, "site_id");
    struct case_change ch = {
        .status = json_get_str(body, "status"),
        .severity = json_get_str(body, "severity"),
        .site_given = site != NULL,
        .site_id = json_is_integer(site) ? json_integer_value(site) : 0,
        .onset_date = json_get_str(body, "onset_date"),
        .transferred_to = json_get_str(body, "transferred_to"),
        .note = json_get_str(body, "note"),
        .occurred_at = json_get_str(body, "occurred_at"),
    };
    struct case_record c;
    struct actor who = {&req->user, req->client_ip};
    int rc = -EP_EINVAL;
    if (!err->code)
        rc = case_update(req->store, &who, id, &ch, &c, err);
    return handler_write_reply(res, body, rc, NULL, 200, rc == 0 ? case_json_new(&c) : NULL, err);
}

int handler_case_chain(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "病例", "case", &id, err) != 0)
        return -err->code;
    json_t *graph = contact_chain_new(req->store, req->user.scope, id, err);
    if (!graph)
        return -err->code;
    return http_reply_json(res, 200, graph);
}

/* ?from= ?to= of the curve: dates, to defaults to today, from to 60 days earlier. */
int handler_cases_curve(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    const char *region;
    if (handler_region_param(req, &region, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    int64_t today = time_today_cn(), from = today - 60, to = today;
    const char *f = http_query(req, "from"), *t = http_query(req, "to");
    if (t && time_date_parse(t, &to) != 0)
        ep_error_field(err, "to", "日期无效,格式应为 YYYY-MM-DD",
                       "invalid date, expected YYYY-MM-DD");
    if (f && time_date_parse(f, &from) != 0)
        ep_error_field(err, "from", "日期无效,格式应为 YYYY-MM-DD",
                       "invalid date, expected YYYY-MM-DD");
    else if (!f)
        from = to - 60;
    if (err->code)
        return -err->code;
    if (!region)
        region = req->user.scope;
    json_t *curve = case_curve_new(req->store, region, from, to, err);
    if (!curve)
        return -err->code;
    json_object_set_new(curve, "region", json_string(region));
    return http_reply_json(res, 200, curve);
}

/* ---- the line list ----------------------------------------------------- */

static const char *const line_titles[] = {
    "病例编号", "姓名",     "性别",     "出生日期", "身份证号", "电话",     "网格编码",
    "状态",     "病情分型", "发病日期", "报告日期", "确诊日期", "收治场所", "转归日期",
};
#define LINE_COLUMNS (sizeof line_titles / sizeof line_titles[0])

struct line_ctx {
    struct http_request *req;
    struct buf csv;
    lxw_worksheet *sheet;
    lxw_row_t row;
    int64_t n;
    int unmask;         /* ?unmask=1: full ID numbers and phones (PERM_PII_UNMASK) */
    int unmasked;       /* 1 if any ID number left unmasked ... */
    json_t *person_ids; /* ... and whose (the audit row names them) */
    struct ep_error *err;
};

static int add_line(const struct case_record *c, void *arg)
{
    struct line_ctx *l = arg;
    struct person p;
    if (person_get(l->req->store, "", c->person_id, &p, l->err) != 0)
        return -l->err->code;
    char id[24];
    struct person_pii pii;
    if (l->unmask)
        person_pii_fill(&p, 0, &pii);
    if (l->unmask || !person_visible_pii(&l->req->user, &p, &pii)) {
        l->unmasked = 1;
        json_array_append_new(l->person_ids, json_integer(p.id));
    }
    snprintf(id, sizeof id, "%lld", (long long)c->id);
    char status[64];
    snprintf(status, sizeof status, "%s", text_or(case_status_zh(c->status), c->status));
    const char *cells[LINE_COLUMNS] = {
        id,
        p.name,
        person_sex_zh(p.sex),
        pii.birth,
        pii.id_number,
        pii.phone,
        c->grid_code,
        status,
        text_or(case_severity_zh(c->severity), c->severity), /* "" when none */
        c->onset_date,
        c->report_date,
        c->confirmed_date,
        c->site_name,
        c->outcome_date,
    };
    if (l->sheet)
        for (size_t i = 0; i < LINE_COLUMNS; i++)
            worksheet_write_string(l->sheet, l->row, (lxw_col_t)i, cells[i], NULL);
    else
        csvwrite_row(&l->csv, cells, LINE_COLUMNS);
    l->row++;
    l->n++;
    return 0;
}

int handler_cases_export(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    struct case_filter f = {0};
    if (handler_region_param(req, &f.region, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    const char *format = http_query(req, "format");
    if (!format)
        format = "csv";
    int xlsx = strcmp(format, "xlsx") == 0;
    if (!xlsx && strcmp(format, "csv") != 0)
        ep_error_field(err, "format", "应为 csv 或 xlsx", "must be csv or xlsx");
    /* ?unmask=1: a line list another health commission can import (full ID
     * numbers), for who may unmask; audited with every person it names. */
    const char *unmask = http_query(req, "unmask");
    if (unmask && strcmp(unmask, "1") != 0 && strcmp(unmask, "0") != 0)
        ep_error_field(err, "unmask", "应为 0 或 1", "must be 0 or 1");
    if (err->code)
        return -err->code;
    int full = unmask && strcmp(unmask, "1") == 0;
    if (full && !auth_role_can(req->user.role, PERM_PII_UNMASK))
        return ep_error_set(err, EP_EFORBIDDEN, "当前角色无权查看完整身份证号",
                            "this role may not see full ID numbers");
    f.scope = req->user.scope;
    struct line_ctx l = {.req = req, .err = err, .person_ids = json_array(), .unmask = full};
    buf_init(&l.csv);
    char path[] = "/tmp/epigrid-linelist-XXXXXX";
    lxw_workbook *book = NULL;
    int rc = -EP_EINTERNAL;
    if (xlsx) {
        int fd = mkstemp(path);
        if (fd < 0) {
            json_decref(l.person_ids);
            return ep_error_set(err, EP_EINTERNAL, "无法创建临时文件", "cannot create a temp file");
        }
        close(fd);
        lxw_workbook_options opt = {.constant_memory = LXW_TRUE, .tmpdir = NULL};
        book = workbook_new_opt(path, &opt);
        l.sheet = book ? workbook_add_worksheet(book, "病例一览表") : NULL;
        if (!l.sheet)
            goto out;
    } else {
        buf_puts(&l.csv, CSVWRITE_BOM);
        csvwrite_row(&l.csv, line_titles, LINE_COLUMNS);
    }
    for (size_t i = 0; xlsx && i < LINE_COLUMNS; i++)
        worksheet_write_string(l.sheet, 0, (lxw_col_t)i, line_titles[i], NULL);
    l.row = 1;
    if ((rc = case_list(req->store, &f, add_line, &l, err)) != 0)
        goto out;
    /* The export is audited: who took how many rows, masked or not. */
    struct actor who = {&req->user, req->client_ip};
    json_t *after = json_pack("{s:s, s:s, s:I, s:b}", "format", format, "region",
                              f.region ? f.region : req->user.scope, "rows", (json_int_t)l.n,
                              "unmasked", l.unmasked);
    if (l.unmasked)
        json_object_set(after, "person_ids", l.person_ids);
    struct write w;
    if ((rc = write_begin(&w, req->store, &who, NULL, NULL, NULL, err)) == 0) {
        write_audit_key(&w, "export", "case", "line_list", f.region ? f.region : req->user.scope,
                        NULL, after);
        rc = write_end(&w, 0);
    }
    json_decref(after);
    if (rc != 0)
        goto out;
    if (xlsx) {
        lxw_error e = workbook_close(book);
        book = NULL;
        rc = e == LXW_NO_ERROR
                 ? handler_xlsx_reply(res, path, "attachment; filename=\"cases.xlsx\"")
                 : -EP_EINTERNAL;
    } else {
        res->len = l.csv.len;
        res->owned = buf_steal(&l.csv);
        res->content_type = "text/csv; charset=utf-8";
        http_add_header(res, "Content-Disposition", "attachment; filename=\"cases.csv\"");
        rc = 0;
    }
out:
    if (book)
        workbook_close(book);
    if (xlsx)
        unlink(path);
    buf_cleanup(&l.csv);
    json_decref(l.person_ids);
    if (rc != 0 && !err->code)
        ep_error_set(err, EP_EINTERNAL, "导出失败", "export failed");
    return rc == 0 ? 0 : -err->code;
}
