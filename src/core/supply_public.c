/*
 * supply_public.c -- the public donation disclosure (see supply.h): every
 * donation with where its goods went and the totals, as JSON and CSV, with
 * no contact data and no donor name for anonymous gifts.
 */
#include <stdio.h>
#include <string.h>

#include "core/supply_internal.h"
#include "util/csvwrite.h"
#include "util/json.h"

/* ---- public disclosure ----------------------------------------------------------------- */

/* Totals by item (donated, allocated, consumed or adjusted, in stock) and
 * by month (donations, money, goods by item) over every donation. */
/* The donations of the page: all, or those of one donor kind ("" = all);
 * a CTE put before each statement that totals them (binds: the kind twice). */
#define SELECTED                                                                                   \
    "WITH sel AS (SELECT d.id, d.donated_on, d.money_fen FROM donations d"                         \
    " JOIN donors dr ON dr.id = d.donor_id WHERE ? = '' OR dr.kind = ?) "

static int public_totals(struct store *s, const char *kind, json_t **by_item, json_t **by_month,
                         struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s,
        SELECTED
        "SELECT i.id AS item_id, i.name AS item_name, i.unit,"
        " (SELECT COALESCE(SUM(l.quantity), 0) FROM donation_lines l WHERE l.item_id ="
        " i.id AND l.donation_id IN (SELECT id FROM sel)) AS donated,"
        " (SELECT COALESCE(SUM(d.quantity), 0) FROM lot_draws d JOIN lots t ON t.id ="
        " d.lot_id JOIN ledger_entries e ON e.id = d.entry_id WHERE t.item_id = i.id"
        "  AND t.donation_id IN (SELECT id FROM sel) AND e.kind = 'allocate') AS allocated,"
        " (SELECT COALESCE(SUM(d.quantity), 0) FROM lot_draws d JOIN lots t ON t.id ="
        " d.lot_id JOIN ledger_entries e ON e.id = d.entry_id WHERE t.item_id = i.id"
        "  AND t.donation_id IN (SELECT id FROM sel) AND e.kind IN ('consume', 'adjust'))"
        "  AS consumed_or_adjusted,"
        " (SELECT COALESCE(SUM(t.remaining), 0) FROM lots t WHERE t.item_id = i.id"
        "  AND t.donation_id IN (SELECT id FROM sel)) AS in_stock"
        " FROM items i WHERE EXISTS (SELECT 1 FROM donation_lines l WHERE l.item_id = i.id"
        " AND l.donation_id IN (SELECT id FROM sel)) ORDER BY i.name",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text_twice(st, 1, kind);
    int rc = supply_rows_json(st, "issiiii", by_item, err);
    if (rc != 0)
        return rc;
    st = store_prepare(s,
                       SELECTED "SELECT substr(donated_on, 1, 7) AS month, count(*) AS donations,"
                                " SUM(money_fen) AS money_fen FROM sel GROUP BY 1 ORDER BY 1",
                       err);
    if (st)
        store_bind_text_twice(st, 1, kind);
    if (!st || (rc = supply_rows_json(st, "sii", by_month, err)) != 0) {
        json_decref(*by_item);
        return st ? rc : -EP_EINTERNAL;
    }
    size_t i;
    json_t *m;
    json_array_foreach(*by_month, i, m)
    {
        st = store_prepare(
            s,
            SELECTED "SELECT l.item_id, i.name AS item_name, i.unit,"
                     " SUM(l.quantity) AS quantity FROM donation_lines l"
                     " JOIN sel d ON d.id = l.donation_id JOIN items i ON i.id = l.item_id"
                     " WHERE substr(d.donated_on, 1, 7) = ? GROUP BY l.item_id, i.name, i.unit"
                     " ORDER BY i.name",
            err);
        json_t *goods;
        if (!st)
            rc = -EP_EINTERNAL;
        else {
            store_bind_text_twice(st, 1, kind);
            store_bind_text(st, 3, jstr(m, "month"));
            rc = supply_rows_json(st, "issi", &goods, err);
        }
        if (rc != 0) {
            json_decref(*by_item);
            json_decref(*by_month);
            return rc;
        }
        json_object_set_new(m, "goods", goods);
    }
    return 0;
}

/* A donation's public form: no contact data, the donor's name unless anonymous. */
static json_t *public_donation(json_t *d)
{
    int anonymous = strcmp(jstr(d, "donor_kind"), "anonymous") == 0;
    json_t *lines = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(d, "lines"), i, l)
    {
        json_t *went = json_array();
        size_t k;
        json_t *w;
        json_array_foreach(json_object_get(l, "went"), k, w) json_array_append_new(
            went, json_pack("{s:O, s:O, s:O, s:O, s:O}", "kind", json_object_get(w, "kind"), "date",
                            json_object_get(w, "date"), "recipient_kind",
                            json_object_get(w, "recipient_kind"), "recipient_name",
                            json_object_get(w, "recipient_name"), "quantity",
                            json_object_get(w, "quantity")));
        json_array_append_new(
            lines,
            json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:o}", "item_id",
                      json_object_get(l, "item_id"), "item_name", json_object_get(l, "item_name"),
                      "unit", json_object_get(l, "unit"), "quantity",
                      json_object_get(l, "quantity"), "allocated", json_object_get(l, "allocated"),
                      "consumed_or_adjusted", json_object_get(l, "consumed_or_adjusted"),
                      "in_stock", json_object_get(l, "in_stock"), "went", went));
    }
    return json_pack("{s:O, s:O, s:s, s:s, s:O, s:O, s:O, s:o}", "id", json_object_get(d, "id"),
                     "receipt_no", json_object_get(d, "receipt_no"), "donor",
                     anonymous ? "匿名" : jstr(d, "donor_name"), "donor_kind",
                     jstr(d, "donor_kind"), "donated_on", json_object_get(d, "donated_on"),
                     "receiving_unit", json_object_get(d, "receiving_unit"), "money_fen",
                     json_object_get(d, "money_fen"), "lines", lines);
}

/* The public form of the donations with id > after_id, oldest first, at
 * most "limit", into a new array; *last = the last id when more follow (the
 * next page's "after"), 0 when this page is the last. */
static int public_items(struct store *s, const char *kind, int64_t after_id, int limit,
                        json_t **items, int64_t *last, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT d.id FROM donations d JOIN donors dr ON dr.id = d.donor_id"
                      " WHERE d.id > ? AND (? = '' OR dr.kind = ?) ORDER BY d.id LIMIT ?",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, after_id);
    store_bind_text_twice(st, 2, kind);
    store_bind_int64(st, 4, JSON_PAGE_FETCH(limit));
    json_t *ids;
    int rc = supply_rows_json(st, "i", &ids, err);
    if (rc != 0)
        return rc;
    json_t *more = json_page_trim(ids, limit);
    *last = more ? json_integer_value(json_object_get(more, "id")) : 0;
    *items = json_array();
    size_t i;
    json_t *o;
    json_array_foreach(ids, i, o)
    {
        json_t *d;
        if ((rc = supply_donation_load(s, NULL, json_integer_value(json_object_get(o, "id")), &d,
                                       err)) != 0)
            break;
        json_array_append_new(*items, public_donation(d));
        json_decref(d);
    }
    json_decref(ids);
    if (rc != 0) {
        json_decref(*items);
        *items = NULL;
    }
    return rc;
}

int supply_public_json(struct store *s, const char *donor_kind, int64_t after_id, int limit,
                       json_t **out, struct ep_error *err)
{
    const char *kind = donor_kind ? donor_kind : "";
    json_t *items = NULL, *by_item = NULL, *by_month = NULL, *by_kind = NULL;
    int64_t last;
    int rc = public_items(s, kind, after_id, limit, &items, &last, err);
    if (rc == 0 && (rc = public_totals(s, kind, &by_item, &by_month, err)) != 0)
        json_decref(items);
    if (rc == 0 && (rc = supply_donor_kind_totals(s, "", donor_kind, &by_kind, err)) != 0) {
        json_decref(items);
        json_decref(by_item);
        json_decref(by_month);
    }
    if (rc != 0)
        return rc;
    struct store_stmt *t =
        store_prepare(s, SELECTED "SELECT count(*), COALESCE(SUM(money_fen), 0) FROM sel", err);
    int64_t count = 0, money = 0;
    if (!t)
        rc = -EP_EINTERNAL;
    else if (store_bind_text_twice(t, 1, kind), (rc = store_step(t, err)) == STORE_ROW) {
        count = store_column_int64(t, 0);
        money = store_column_int64(t, 1);
        rc = 0;
    }
    store_stmt_reset(t);
    char cursor[24];
    id_text(last, cursor);
    *out = json_pack("{s:o, s:o, s:o, s:{s:I, s:I, s:o, s:o, s:o}}", "donor_kind",
                     *kind ? json_string(kind) : json_null(), "items", items, "next_cursor",
                     last ? json_string(cursor) : json_null(), "totals", "donations",
                     (json_int_t)count, "money_fen", (json_int_t)money, "by_item", by_item,
                     "by_month", by_month, "by_donor_kind", by_kind);
    if (rc < 0) {
        json_decref(*out);
        *out = NULL;
        return rc;
    }
    return 0;
}

/* One CSV field and the separator after it (a comma, or the end of the
 * record after the last): the one writer quotes and guards formulas. */
static void csv_field(struct buf *b, const char *v, int last)
{
    csvwrite_field(b, v);
    buf_puts(b, last ? "\r\n" : ",");
}

/* A donor kind's Chinese name, an unknown kind as given (never empty). */
static const char *donor_kind_zh(const char *kind)
{
    const char *name = supply_donor_kind_name(kind);
    return *name ? name : kind;
}

int supply_public_csv(struct store *s, const char *donor_kind, struct buf *csv,
                      struct ep_error *err)
{
    buf_puts(csv, CSVWRITE_BOM "收据号,捐赠日期,捐赠方,类别,受赠单位,物资,数量,单位,已分配,"
                               "消耗或调整,库存,捐款(元),去向\r\n");
    int64_t after = 0;
    for (;;) {
        json_t *items;
        int64_t last;
        int rc = public_items(s, donor_kind ? donor_kind : "", after, 200, &items, &last, err);
        if (rc != 0)
            return rc;
        size_t i;
        json_t *d;
        json_array_foreach(items, i, d)
        {
            char money[32] = "";
            int64_t fen = json_integer_value(json_object_get(d, "money_fen"));
            if (fen)
                snprintf(money, sizeof money, "%lld.%02lld", (long long)(fen / 100),
                         (long long)(fen % 100));
            json_t *lines = json_object_get(d, "lines");
            size_t n = json_array_size(lines);
            for (size_t k = 0; k < (n ? n : 1); k++) {
                json_t *l = n ? json_array_get(lines, k) : NULL;
                csv_field(csv, jstr(d, "receipt_no"), 0);
                csv_field(csv, jstr(d, "donated_on"), 0);
                csv_field(csv, jstr(d, "donor"), 0);
                csv_field(csv, donor_kind_zh(jstr(d, "donor_kind")), 0);
                csv_field(csv, jstr(d, "receiving_unit"), 0);
                csv_field(csv, l ? jstr(l, "item_name") : "", 0);
                char q[4][24] = {"", "", "", ""};
                static const char *const keys[] = {"quantity", "allocated", "consumed_or_adjusted",
                                                   "in_stock"};
                for (int c = 0; l && c < 4; c++)
                    snprintf(q[c], sizeof q[c], "%lld",
                             (long long)json_integer_value(json_object_get(l, keys[c])));
                csv_field(csv, q[0], 0);
                csv_field(csv, l ? jstr(l, "unit") : "", 0);
                csv_field(csv, q[1], 0);
                csv_field(csv, q[2], 0);
                csv_field(csv, q[3], 0);
                csv_field(csv, k == 0 ? money : "", 0);
                struct buf went;
                buf_init(&went);
                size_t j;
                json_t *w;
                json_array_foreach(l ? json_object_get(l, "went") : NULL, j, w)
                    buf_appendf(&went, "%s%s %s %lld", j ? "; " : "", jstr(w, "date"),
                                *jstr(w, "recipient_name") ? jstr(w, "recipient_name")
                                                           : supply_entry_kind_zh(jstr(w, "kind")),
                                (long long)json_integer_value(json_object_get(w, "quantity")));
                csv_field(csv, went.data ? went.data : "", 1);
                buf_cleanup(&went);
            }
            after = json_integer_value(json_object_get(d, "id"));
        }
        int more = json_array_size(items) == 200;
        json_decref(items);
        if (!more)
            return 0;
    }
}
