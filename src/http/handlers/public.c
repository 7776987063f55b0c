/*
 * public.c -- the public donation disclosure (捐赠公示), no login:
 *   GET /public/donations       every donation (donor name unless anonymous,
 *                               date, goods, money) with where its goods went,
 *                               totals by item and by month.  JSON, or a
 *                               printable HTML page when the client asks for
 *                               text/html (a browser).  ?after=&limit=
 *   GET /public/donations.csv   the same as CSV (UTF-8 with BOM)
 * No contact data of donors is ever part of these answers.
 */
#include <stdlib.h>
#include <string.h>

#include "core/supply.h"
#include "http/handlers/handlers.h"
#include "util/buf.h"

static const char *jstr(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static long long jint(const json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

/* The disclosure as one HTML page (server-rendered: works without scripts). */
static void render_html(const json_t *page, struct buf *b)
{
    const json_t *totals = json_object_get(page, "totals");
    char money[32];
    supply_money_format(jint(totals, "money_fen"), money);
    buf_puts(b, "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                "<title>捐赠公示 Donations</title><style>body{font-family:sans-serif;margin:16px;"
                "max-width:1100px}table{border-collapse:collapse;width:100%;margin:12px 0}"
                "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}"
                "td.n{text-align:right}caption{text-align:left;font-weight:bold}"
                "@media(max-width:600px){table{display:block;overflow-x:auto;white-space:nowrap}}"
                "</style></head>"
                "<body><h1>社会捐赠公示</h1>");
    buf_appendf(b,
                "<p class=\"summary\">共 <strong id=\"total-donations\">%lld</strong> 笔捐赠,"
                "捐款合计 <strong id=\"total-money\">%s</strong>。"
                "<a href=\"/public/donations.csv\" download>下载 CSV</a></p>",
                jint(totals, "donations"), money);
    buf_puts(b, "<table id=\"by-item\"><caption>按物资汇总</caption><tr><th>物资</th><th>受赠</th>"
                "<th>已分配</th><th>消耗或调整</th><th>库存</th><th>单位</th></tr>");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(totals, "by_item"), i, r)
    {
        buf_puts(b, "<tr><td>");
        buf_put_html(b, jstr(r, "item_name"));
        buf_appendf(b,
                    "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td><td class=\"n\">%lld"
                    "</td><td class=\"n\">%lld</td><td>",
                    jint(r, "donated"), jint(r, "allocated"), jint(r, "consumed_or_adjusted"),
                    jint(r, "in_stock"));
        buf_put_html(b, jstr(r, "unit"));
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</table><table id=\"by-month\"><caption>按月汇总</caption><tr><th>月份</th>"
                "<th>捐赠笔数</th><th>捐款</th><th>物资</th></tr>");
    json_array_foreach(json_object_get(totals, "by_month"), i, r)
    {
        supply_money_format(jint(r, "money_fen"), money);
        buf_puts(b, "<tr><td>");
        buf_put_html(b, jstr(r, "month"));
        buf_appendf(b, "</td><td class=\"n\">%lld</td><td class=\"n\">%s</td><td>",
                    jint(r, "donations"), money);
        size_t k;
        json_t *g;
        json_array_foreach(json_object_get(r, "goods"), k, g)
        {
            if (k)
                buf_puts(b, "、");
            buf_put_html(b, jstr(g, "item_name"));
            buf_appendf(b, " %lld ", jint(g, "quantity"));
            buf_put_html(b, jstr(g, "unit"));
        }
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b,
             "</table><table id=\"donations\"><caption>捐赠明细及去向</caption><tr><th>收据号</th>"
             "<th>日期</th><th>捐赠方</th><th>受赠单位</th><th>物资</th><th>捐款</th>"
             "<th>去向</th></tr>");
    json_array_foreach(json_object_get(page, "items"), i, r)
    {
        supply_money_format(jint(r, "money_fen"), money);
        buf_puts(b, "<tr><td>");
        buf_put_html(b, jstr(r, "receipt_no"));
        buf_puts(b, "</td><td>");
        buf_put_html(b, jstr(r, "donated_on"));
        buf_puts(b, "</td><td>");
        buf_put_html(b, jstr(r, "donor"));
        buf_puts(b, "</td><td>");
        buf_put_html(b, jstr(r, "receiving_unit"));
        buf_puts(b, "</td><td>");
        size_t k;
        json_t *l;
        struct buf went;
        buf_init(&went);
        json_array_foreach(json_object_get(r, "lines"), k, l)
        {
            if (k)
                buf_puts(b, "<br>");
            buf_put_html(b, jstr(l, "item_name"));
            buf_appendf(b, " %lld ", jint(l, "quantity"));
            buf_put_html(b, jstr(l, "unit"));
            size_t j;
            json_t *w;
            json_array_foreach(json_object_get(l, "went"), j, w)
            {
                if (went.len)
                    buf_puts(&went, "<br>");
                buf_put_html(&went, jstr(w, "date"));
                buf_puts(&went, " ");
                buf_put_html(&went, *jstr(w, "recipient_name") ? jstr(w, "recipient_name")
                                                               : jstr(w, "kind"));
                buf_puts(&went, " ");
                buf_put_html(&went, jstr(l, "item_name"));
                buf_appendf(&went, " %lld", jint(w, "quantity"));
            }
        }
        buf_appendf(b, "</td><td class=\"n\">%s</td><td>%s</td></tr>",
                    jint(r, "money_fen") ? money : "", went.data ? went.data : "");
        buf_cleanup(&went);
    }
    buf_puts(b, "</table>");
    const char *next = json_string_value(json_object_get(page, "next_cursor"));
    if (next) {
        buf_puts(b, "<p><a class=\"next\" href=\"/public/donations?after=");
        buf_put_html(b, next);
        buf_puts(b, "\">下一页 Next page</a></p>");
    }
    buf_puts(b, "</body></html>");
}

int handler_public_donations(struct http_request *req, struct http_response *res,
                             struct ep_error *err)
{
    int limit;
    const char *cursor;
    http_list_params(req, 1000, 5000, &limit, &cursor, err);
    int64_t after = 0;
    const char *a = http_query(req, "after");
    if (a) {
        char *end;
        after = strtoll(a, &end, 10);
        if (*a < '0' || *a > '9' || *end)
            ep_error_field(err, "after", "应为非负整数", "must be a non-negative integer");
    }
    if (err->code)
        return -err->code;
    json_t *page;
    int rc = supply_public_json(req->store, after, limit, &page, err);
    if (rc != 0)
        return rc;
    const char *accept = http_header(req, "Accept");
    if (accept && strstr(accept, "text/html")) {
        struct buf html;
        buf_init(&html);
        render_html(page, &html);
        json_decref(page);
        res->status = 200;
        res->content_type = "text/html; charset=utf-8";
        res->len = html.len;
        res->owned = buf_steal(&html);
        return 0;
    }
    return http_reply_json(res, 200, page);
}

int handler_public_donations_csv(struct http_request *req, struct http_response *res,
                                 struct ep_error *err)
{
    struct buf csv;
    buf_init(&csv);
    int rc = supply_public_csv(req->store, &csv, err);
    if (rc != 0) {
        buf_cleanup(&csv);
        return rc;
    }
    res->status = 200;
    res->content_type = "text/csv; charset=utf-8";
    http_add_header(res, "Content-Disposition", "attachment; filename=\"donations.csv\"");
    res->len = csv.len;
    res->owned = buf_steal(&csv);
    return 0;
}
