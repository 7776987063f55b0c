/*
 * bulletin.c -- the daily bulletin over HTTP:
 *   GET /api/v1/bulletin?region=&date=&format=json|text|xlsx   for logged-in users
 *       (region in scope, default the scope; date default today, not in the future;
 *       the text in the request's language: ?lang= or Accept-Language)
 *   GET /public/bulletin?region=&date=                          printable Chinese HTML,
 *       no login, aggregates only (default region: the city; date: yesterday, the
 *       last complete day)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bulletin.h"
#include "core/profile.h"
#include "http/handlers/handlers.h"
#include "util/buf.h"
#include "util/timeutil.h"

/* ?date=: a real date, not after today (China); default today, or with
 * "ended" the last complete day (yesterday): what the public reads is the
 * official "截至昨日24时". */
static const char *date_param(struct http_request *req, char today[11], int ended,
                              struct ep_error *err)
{
    int64_t now = time_today_cn(), d;
    time_date_format(now - (ended ? 1 : 0), today);
    const char *date = http_query(req, "date");
    if (!date)
        return today;
    if (time_date_parse(date, &d) != 0)
        ep_error_field(err, "date", "日期无效,格式应为 YYYY-MM-DD",
                       "invalid date, expected YYYY-MM-DD");
    else if (d > now)
        ep_error_field(err, "date", "不能晚于今天", "cannot be in the future");
    return date;
}

/* ?as_of=: the bulletin as it could be known at a moment (a date = its end,
 * or an ISO 8601 time with offset); 0 when absent. */
static int as_of_param(struct http_request *req, int64_t *out, struct ep_error *err)
{
    const char *v = http_query(req, "as_of");
    int64_t day;
    *out = 0;
    if (!v)
        return 0;
    if (time_date_parse(v, &day) == 0)
        *out = (day + 1) * 86400 - TIME_CN_OFFSET_SECONDS - 1;
    else if (time_iso_parse(v, out) != 0)
        return ep_error_field(err, "as_of", "应为日期(YYYY-MM-DD)或带时区的时间",
                              "must be a date (YYYY-MM-DD) or a time with its offset"),
               -EP_EINVAL;
    return 0;
}

int handler_bulletin_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    const char *region;
    char today[11];
    if (handler_region_param(req, &region, err) == -EP_EFORBIDDEN)
        return -EP_EFORBIDDEN;
    const char *date = date_param(req, today, 0, err);
    const char *format = http_query(req, "format");
    if (!format)
        format = "json";
    if (strcmp(format, "json") && strcmp(format, "text") && strcmp(format, "xlsx"))
        ep_error_field(err, "format", "应为 json、text 或 xlsx", "must be json, text or xlsx");
    if (err->code)
        return -err->code;
    if (!region)
        region = req->user.scope;
    struct bulletin b;
    int64_t as_of = 0;
    if (as_of_param(req, &as_of, err) != 0 ||
        bulletin_compute_as_of(req->store, region, date, as_of, &b, err) != 0)
        return -err->code;
    int rc = 0;
    if (strcmp(format, "json") == 0) {
        json_t *j = bulletin_json_new(&b);
        rc = bulletin_publication_add(req->store, &b, j, NULL, req->lang, err);
        if (rc == 0)
            rc = http_reply_json(res, 200, j);
        else
            json_decref(j);
    } else if (strcmp(format, "text") == 0) {
        struct buf out;
        buf_init(&out);
        if (req->lang == EP_LANG_EN)
            bulletin_text_en(&b, &out);
        else
            bulletin_text(&b, &out);
        rc = bulletin_publication_add(req->store, &b, NULL, &out, req->lang, err);
        res->len = out.len;
        res->owned = buf_steal(&out);
        res->content_type = "text/plain; charset=utf-8";
    } else {
        char path[] = "/tmp/epigrid-bulletin-XXXXXX";
        int fd = mkstemp(path);
        rc = -EP_EINTERNAL;
        if (fd >= 0) {
            close(fd);
            if (bulletin_xlsx(&b, path, err) == 0)
                rc = handler_xlsx_reply(res, path, "attachment; filename=\"bulletin.xlsx\"");
            unlink(path);
        }
        if (rc != 0 && !err->code)
            ep_error_set(err, EP_EINTERNAL, "生成 xlsx 失败", "generating xlsx failed");
    }
    bulletin_cleanup(&b);
    return rc == 0 ? 0 : -err->code;
}

const struct json_field bulletin_issue_fields[] = {
    {.name = "region", .type = JF_STRING, .required = 1, .max_len = 15, .ref = "region"},
    {.name = "date", .type = JF_DATE, .required = 1},
    {0},
};

int handler_bulletin_issue(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    json_t *body = handler_body(req, bulletin_issue_fields, err);
    if (!body)
        return -EP_EINVAL;
    struct actor who = {&req->user, req->client_ip};
    struct bulletin_issued issued;
    int rc = -EP_EINVAL;
    if (!err->code)
        rc = bulletin_issue(req->store, &who, json_get_str(body, "region"),
                            json_get_str(body, "date"), &issued, err);
    json_t *answer = NULL;
    if (rc == 0) {
        answer = bulletin_issued_json_new(&issued);
        json_object_set_new(answer, "region",
                            json_deep_copy(json_object_get(issued.body, "region")));
        json_object_set_new(answer, "date", json_string(json_get_str(body, "date")));
        bulletin_issued_cleanup(&issued);
    }
    return handler_write_reply(res, body, rc, NULL, 201, answer, err);
}

static int first_root(const struct region *r, void *arg)
{
    snprintf(arg, REGION_CODE_MAX, "%s", r->code);
    return 1;
}

int handler_public_bulletin(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    char today[11], root[REGION_CODE_MAX] = "";
    const char *region = http_query(req, "region");
    if (region && !region_level_of_code(region))
        ep_error_field(err, "region", "地区编码应为 4、6、9、12 或 15 位数字",
                       "region code must be 4, 6, 9, 12 or 15 digits");
    const char *date = date_param(req, today, 1, err);
    if (err->code)
        return -err->code;
    if (!region) {
        if (region_children_list(req->store, "", first_root, root, err) < 0)
            return -err->code;
        if (!root[0])
            return ep_error_set(err, EP_ENOTFOUND, "尚未建立地区", "no region exists yet");
        region = root;
    }
    /* Anyone may read it: only as deep as the profile publishes, small
     * figures suppressed (finding 10). */
    struct profile prof;
    if (profile_get(req->store, &prof, err) != 0)
        return -err->code;
    struct bulletin b;
    if (bulletin_public(req->store, region, date, prof.public_depth, prof.public_min_cell, &b,
                        err) != 0)
        return -err->code;
    struct buf out;
    buf_init(&out);
    bulletin_html(&b, &out);
    bulletin_cleanup(&b);
    res->len = out.len;
    res->owned = buf_steal(&out);
    res->content_type = "text/html; charset=utf-8";
    http_add_header(res, "Cache-Control", "public, max-age=60");
    return 0;
}
