/*
 * public.c -- the public donation disclosure (捐赠公示), no login:
 *   GET /public/donations       every donation (donor name unless anonymous,
 *                               date, goods, money) with where its goods went,
 *                               totals by item and by month.  JSON, or a
 *                               printable HTML page when the client asks for
 *                               text/html (a browser).  ?after=&limit=
 *   GET /public/donations.csv   the same as CSV (UTF-8 with BOM)
 * Both take ?donor_kind= (enterprise, new_social, party_org, individual,
 * anonymous): the donations of that kind only, and the totals of them.
 * No contact data of donors is ever part of these answers.
 */
#include <stdio.h>
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

/* "n" with thousands separators ("1,000") into "out". */
static const char *count_format(long long n, char out[32])
{
    char digits[24];
    unsigned long long v = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
    snprintf(digits, sizeof digits, "%llu", v);
    size_t len = strlen(digits), o = 0;
    if (n < 0)
        out[o++] = '-';
    for (size_t i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

/* A numeric cell: <td class="n" data-label="label">1,000</td>. */
static void count_cell(struct buf *b, const char *label, long long n)
{
    char x[32];
    buf_appendf(b, "<td class=\"n\" data-label=\"%s\">%s</td>", label, count_format(n, x));
}

/* The larger units a quantity of "unit" is read in once large, largest
 * first (grams as 千克 or 吨, as the supplies page shows them): never a sum
 * across items, only one item's quantity in a unit people use. */
struct scale {
    long long size;   /* base units per unit */
    const char *name; /* the unit's name */
};
static const struct scale grams[] = {{1000000, "吨"}, {1000, "千克"}, {0, NULL}};
static const struct scale kilos[] = {{1000, "吨"}, {0, NULL}};
static const struct scale millilitres[] = {{1000, "升"}, {0, NULL}};

/* The unit "q" of "unit" reads in: a scale, or NULL for the unit itself. */
static const struct scale *scale_for(long long q, const char *unit)
{
    const struct scale *s = NULL;
    if (!strcmp(unit, "g") || !strcmp(unit, "克"))
        s = grams;
    else if (!strcmp(unit, "kg") || !strcmp(unit, "千克") || !strcmp(unit, "公斤"))
        s = kilos;
    else if (!strcmp(unit, "mL") || !strcmp(unit, "ml") || !strcmp(unit, "毫升"))
        s = millilitres;
    for (; s && s->size; s++)
        if (q >= s->size)
            return s;
    return NULL;
}

/* "q" base units in units of "size" base units, at most three decimals,
 * thousands separated ("7.5", "1,234.568", "-2") into "out". */
static const char *amount_format(long long q, long long size, char out[48])
{
    if (q < 0) {
        char positive[48];
        snprintf(out, 48, "-%s", amount_format(-q, size, positive));
        return out;
    }
    char whole[32];
    /* three decimals, rounded half up (size > 0, q >= 0) */
    long long frac = ((q % size) * 1000 + size / 2) / size, w = q / size;
    if (frac == 1000) {
        w++;
        frac = 0;
    }
    count_format(w, whole);
    if (!frac) {
        snprintf(out, 48, "%s", whole);
        return out;
    }
    char digits[4] = {(char)('0' + frac / 100), (char)('0' + frac / 10 % 10),
                      (char)('0' + frac % 10), '\0'};
    for (size_t n = 3; n && digits[n - 1] == '0'; n--)
        digits[n - 1] = '\0';
    snprintf(out, 48, "%.31s.%.3s", whole, digits);
    return out;
}

/* " 7.5 吨" or " 1,000 只": a quantity of "unit" as people read it (the
 * number and its unit kept on one line). */
static void quantity_put(struct buf *b, long long q, const char *unit)
{
    char x[48];
    const struct scale *s = scale_for(q, unit);
    buf_appendf(b, " <span class=\"q\">%s ", amount_format(q, s ? s->size : 1, x));
    buf_put_html(b, s ? s->name : unit);
    buf_puts(b, "</span>");
}

/* The goods of a row ("N95口罩 1,000 只、大米 10 吨…", each item in its own
 * units) and the end of the row. */
static void goods_cell(struct buf *b, const json_t *r)
{
    size_t k;
    json_t *g;
    json_array_foreach(json_object_get(r, "goods"), k, g)
    {
        if (k)
            buf_puts(b, "、");
        buf_put_html(b, jstr(g, "item_name"));
        quantity_put(b, jint(g, "quantity"), jstr(g, "unit"));
    }
    buf_puts(b, "</td></tr>");
}

/* The page's style: the public bulletin's (official, serif, red title); the
 * tables scroll inside their box (focusable, so a keyboard scrolls it too),
 * and on a phone the long table of donations turns into one block per
 * donation, so the page is never wider than it. */
static const char style[] =
    "<style>"
    "body{font-family:'FangSong','STFangsong','Noto Serif CJK SC',serif;color:#000;"
    "background:#fff;margin:0}"
    "article{max-width:64em;margin:2em auto;padding:0 1.5em;line-height:1.7;font-size:13pt}"
    "h1{font-family:'SimHei','Noto Sans CJK SC',sans-serif;color:#c00;text-align:center;"
    "font-size:22pt;margin:.5em 0 .2em}"
    "h2{font-family:'SimHei','Noto Sans CJK SC',sans-serif;font-size:14pt;margin:1.6em 0 .4em}"
    ".summary{text-align:center;margin:0 0 1em}"
    ".table{overflow-x:auto}"
    "table{border-collapse:collapse;width:100%;font-size:11pt}"
    "th,td{border:1px solid #000;padding:.25em .5em;vertical-align:top;text-align:left}"
    "th{white-space:nowrap;background:#f4f4f4}"
    ".n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
    "td:first-child{white-space:nowrap}"
    ".went{font-size:10pt}"
    ".q{white-space:nowrap}"
    "a{color:#036}"
    "@media(max-width:600px){article{margin:1em auto;padding:0 .8em;font-size:12pt}"
    "h1{font-size:18pt}"
    "table.stack,.stack tbody,.stack tr,.stack td{display:block;width:auto}"
    ".stack thead{display:none}"
    ".stack tr{border:1px solid #000;margin:0 0 .8em;padding:.3em .6em}"
    ".stack td{border:0;padding:.1em 0;text-align:left;white-space:normal;"
    "overflow-wrap:anywhere}"
    ".stack td:empty{display:none}"
    ".stack td::before{content:attr(data-label) ':';font-weight:bold;margin-right:.4em}}"
    "@media print{article{margin:0;max-width:none}@page{size:A4;margin:2cm}a{color:#000}}"
    "</style>";

/* The disclosure as one HTML page (server-rendered: works without scripts). */
static void render_html(const json_t *page, struct buf *b)
{
    const json_t *totals = json_object_get(page, "totals");
    char money[32], x[32], q[48];
    supply_money_format(jint(totals, "money_fen"), money);
    buf_puts(b, "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                "<title>社会捐赠公示</title>");
    buf_puts(b, style);
    buf_puts(b, "</head><body><article class=\"donations\"><h1>社会捐赠公示</h1>");
    /* Kinds are fixed words (checked): no escaping needed in the links. */
    const char *kind = json_string_value(json_object_get(page, "donor_kind"));
    if (kind)
        buf_appendf(b,
                    "<p class=\"filter\">捐赠方类别:<strong id=\"donor-kind\">%s</strong>"
                    "(<a href=\"/public/donations\">全部</a>)</p>",
                    supply_donor_kind_name(kind));
    buf_appendf(b,
                "<p class=\"summary\">共 <strong id=\"total-donations\">%s</strong> 笔捐赠,"
                "捐款合计 <strong id=\"total-money\">%s</strong>。"
                "<a href=\"/public/donations.csv%s%s\" download>下载 CSV</a></p>",
                count_format(jint(totals, "donations"), x), money, kind ? "?donor_kind=" : "",
                kind ? kind : "");
    buf_puts(
        b,
        "<h2>按捐赠方类别汇总</h2><div class=\"table\" tabindex=\"0\"><table id=\"by-donor-kind\">"
        "<thead><tr><th>类别</th><th class=\"n\">捐赠笔数</th><th class=\"n\">捐款</th>"
        "<th>物资</th></tr></thead><tbody>");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(totals, "by_donor_kind"), i, r)
    {
        supply_money_format(jint(r, "money_fen"), money);
        buf_appendf(b, "<tr data-kind=\"%s\"><td><a href=\"/public/donations?donor_kind=%s\">",
                    jstr(r, "donor_kind"), jstr(r, "donor_kind"));
        buf_put_html(b, jstr(r, "name"));
        buf_puts(b, "</a></td>");
        count_cell(b, "捐赠笔数", jint(r, "donations"));
        buf_appendf(b, "<td class=\"n\" data-label=\"捐款\">%s</td><td>", money);
        goods_cell(b, r);
    }
    buf_puts(b, "</tbody></table></div>");
    buf_puts(
        b,
        "<h2>按物资汇总</h2><div class=\"table\" tabindex=\"0\"><table id=\"by-item\"><thead><tr>"
        "<th>物资</th><th class=\"n\">受赠</th><th class=\"n\">已分配</th>"
        "<th class=\"n\">消耗或调整</th><th class=\"n\">库存</th><th>单位</th>"
        "</tr></thead><tbody>");
    json_array_foreach(json_object_get(totals, "by_item"), i, r)
    {
        buf_puts(b, "<tr><td>");
        buf_put_html(b, jstr(r, "item_name"));
        buf_puts(b, "</td>");
        /* the row in the unit its donated quantity reads in */
        const struct scale *sc = scale_for(jint(r, "donated"), jstr(r, "unit"));
        static const char *const cols[][2] = {{"受赠", "donated"},
                                              {"已分配", "allocated"},
                                              {"消耗或调整", "consumed_or_adjusted"},
                                              {"库存", "in_stock"}};
        for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++)
            buf_appendf(b, "<td class=\"n\" data-label=\"%s\">%s</td>", cols[c][0],
                        amount_format(jint(r, cols[c][1]), sc ? sc->size : 1, q));
        buf_puts(b, "<td data-label=\"单位\">");
        buf_put_html(b, sc ? sc->name : jstr(r, "unit"));
        buf_puts(b, "</td></tr>");
    }
    buf_puts(b, "</tbody></table></div><h2>按月汇总</h2><div class=\"table\" tabindex=\"0\"><table "
                "id=\"by-month\">"
                "<thead><tr><th>月份</th><th class=\"n\">捐赠笔数</th><th class=\"n\">捐款</th>"
                "<th>物资</th></tr></thead><tbody>");
    json_array_foreach(json_object_get(totals, "by_month"), i, r)
    {
        supply_money_format(jint(r, "money_fen"), money);
        buf_puts(b, "<tr><td>");
        buf_put_html(b, jstr(r, "month"));
        buf_puts(b, "</td>");
        count_cell(b, "捐赠笔数", jint(r, "donations"));
        buf_appendf(b, "<td class=\"n\">%s</td><td>", money);
        goods_cell(b, r);
    }
    buf_puts(b, "</tbody></table></div><h2>捐赠明细及去向</h2><div class=\"table\" tabindex=\"0\">"
                "<table id=\"donations\" class=\"stack\"><thead><tr><th>收据号</th><th>日期</th>"
                "<th>捐赠方</th><th>受赠单位</th><th>物资</th><th class=\"n\">捐款</th>"
                "<th>去向</th></tr></thead><tbody>");
    json_array_foreach(json_object_get(page, "items"), i, r)
    {
        supply_money_format(jint(r, "money_fen"), money);
        buf_puts(b, "<tr><td data-label=\"收据号\">");
        buf_put_html(b, jstr(r, "receipt_no"));
        buf_puts(b, "</td><td data-label=\"日期\">");
        buf_put_html(b, jstr(r, "donated_on"));
        buf_puts(b, "</td><td data-label=\"捐赠方\">");
        buf_put_html(b, jstr(r, "donor"));
        buf_puts(b, "</td><td data-label=\"受赠单位\">");
        buf_put_html(b, jstr(r, "receiving_unit"));
        buf_puts(b, "</td><td data-label=\"物资\">");
        size_t k;
        json_t *l;
        struct buf went;
        buf_init(&went);
        json_array_foreach(json_object_get(r, "lines"), k, l)
        {
            if (k)
                buf_puts(b, "<br>");
            buf_put_html(b, jstr(l, "item_name"));
            quantity_put(b, jint(l, "quantity"), jstr(l, "unit"));
            size_t j;
            json_t *w;
            json_array_foreach(json_object_get(l, "went"), j, w)
            {
                if (went.len)
                    buf_puts(&went, "<br>");
                buf_put_html(&went, jstr(w, "date"));
                buf_puts(&went, " ");
                buf_put_html(&went, *jstr(w, "recipient_name")
                                        ? jstr(w, "recipient_name")
                                        : supply_entry_kind_zh(jstr(w, "kind")));
                buf_puts(&went, " ");
                buf_put_html(&went, jstr(l, "item_name"));
                quantity_put(&went, jint(w, "quantity"), jstr(l, "unit"));
            }
        }
        buf_appendf(b,
                    "</td><td class=\"n\" data-label=\"捐款\">%s</td>"
                    "<td class=\"went\" data-label=\"去向\">%s</td></tr>",
                    jint(r, "money_fen") ? money : "", went.data ? went.data : "");
        buf_cleanup(&went);
    }
    buf_puts(b, "</tbody></table></div>");
    const char *next = json_string_value(json_object_get(page, "next_cursor"));
    if (next) {
        buf_puts(b, "<p><a class=\"next\" href=\"/public/donations?after=");
        buf_put_html(b, next);
        if (kind)
            buf_appendf(b, "&amp;donor_kind=%s", kind);
        buf_puts(b, "\">下一页</a></p>");
    }
    buf_puts(b, "</article></body></html>");
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
    const char *kind = http_query(req, "donor_kind");
    if (kind)
        supply_donor_kind_check(kind, "donor_kind", err);
    if (err->code)
        return -err->code;
    json_t *page;
    int rc = supply_public_json(req->store, kind, after, limit, &page, err);
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
    const char *kind = http_query(req, "donor_kind");
    if (kind && supply_donor_kind_check(kind, "donor_kind", err) != 0)
        return -err->code;
    struct buf csv;
    buf_init(&csv);
    int rc = supply_public_csv(req->store, kind, &csv, err);
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
