/*
 * supplies.c -- items, donors, warehouses, donations, the stock ledger,
 * requests and funds over HTTP (domain: core/supply.h, core/fund.h):
 *   GET/POST /api/v1/items                      catalogue
 *   GET/POST /api/v1/donors                     donors (phones masked)
 *   GET/POST /api/v1/warehouses                 warehouses in scope
 *   GET      /api/v1/warehouses/{id}            its stock with thresholds
 *   PUT      /api/v1/warehouses/{id}/thresholds {item_id, threshold}
 *   GET/POST /api/v1/donations                  donations (goods and/or money in fen)
 *   GET      /api/v1/donations/{id}             with its trace: where every unit went
 *   GET      /api/v1/donations/{id}/certificate printable HTML certificate
 *   GET/POST /api/v1/ledger                     entries newest first / one operation
 *   GET      /api/v1/ledger/{id}                an operation: where every unit came from
 *   POST     /api/v1/ledger/{id}/reverse        {approver, note}: a reversing operation
 *   GET      /api/v1/ledger.xlsx                the ledger in scope as xlsx
 *   GET/POST /api/v1/supply-requests            requests (?status=open|partial|fulfilled)
 *   GET      /api/v1/supply-requests/{id}
 *   POST     /api/v1/supply-requests/{id}/fulfil {warehouse_id, lines}
 *   GET/POST /api/v1/fund-accounts, GET /api/v1/fund-accounts/{id}/entries
 *   POST     /api/v1/fund-entries, POST /api/v1/fund-entries/{id}/reverse
 *                                              (an "out" may name recipient_region)
 *   GET      /api/v1/fund-allocations?region=  money allocated to regions, per county
 *   GET      /api/v1/supplies/summary?region=   roll-up from counters
 * Money is integer fen in "*_fen" fields; quantities integer base units.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fund.h"
#include "core/supply.h"
#include "http/handlers/handlers.h"
#include "util/buf.h"
#include "util/json.h"

/* Parses the body and checks it against "fields"; NULL with err set. */
static json_t *body_checked(struct http_request *req, const struct json_field *fields,
                            struct ep_error *err)
{
    json_t *body = http_body_json(req, err);
    if (!body)
        return NULL;
    if (json_object_check(body, fields, err) != 0) {
        json_decref(body);
        return NULL;
    }
    return body;
}

/* A line counts base units or whole packs, one of the two; 0 is none
 * (supply_lines_check). */
static const struct json_group line_groups[] = {
    {JG_ONE_OF, {"quantity", "packs"}},
    {0},
};

static const struct json_field line_fields[] = {
    {.name = "item_id", .type = JF_INT, .required = 1, .min = 1, .max = 9e15, .ref = "item"},
    {.name = "quantity", .type = JF_INT, .min = -1e12, .max = 1e12},
    {.name = "packs", .type = JF_INT, .min = -1e12, .max = 1e12},
    {JF_GROUPS(line_groups)},
};

/* Decodes body.lines (checked against the body's spec) into an arena array. */
static struct supply_line *lines_decode(struct http_request *req, const json_t *body, int *n)
{
    const json_t *lines = json_object_get(body, "lines");
    size_t count = json_array_size(lines);
    struct supply_line *out = arena_alloc(req->arena, (count ? count : 1) * sizeof *out);
    for (size_t i = 0; i < count; i++) {
        const json_t *l = json_array_get(lines, i);
        out[i].item_id = json_get_int(l, "item_id", 0);
        out[i].quantity = json_get_int(l, "quantity", 0);
        out[i].packs = json_get_int(l, "packs", 0);
    }
    *n = (int)count;
    return out;
}

static struct actor actor_of(struct http_request *req)
{
    return (struct actor){&req->user, req->client_ip};
}

/* Replies 201 with {"id": id} plus the object read back by "fn". */
static int created(struct http_response *res, json_t *obj, int64_t id)
{
    if (!obj)
        obj = json_object();
    if (!json_object_get(obj, "id"))
        json_object_set_new(obj, "id", json_integer(id));
    return http_reply_json(res, 201, obj);
}

/* Ends a create that returned "rc": 201 with the new record "id" read back
 * by "get" (unscoped: the writer has just made it). */
static int created_read(struct http_request *req, struct http_response *res, int rc, int64_t id,
                        handler_get_fn *get, struct ep_error *err)
{
    json_t *out = NULL;
    if (rc == 0)
        rc = get(req->store, "", id, &out, err);
    return rc ? rc : created(res, out, id);
}

/* Replies 200 with *out after the domain call returned "rc" (the pointer
 * is read after the call: argument order is unspecified). */
static int list_reply(struct http_response *res, int rc, json_t **out)
{
    if (rc != 0)
        return rc;
    return http_reply_json(res, 200, *out);
}

/* ?region= narrowing the caller's scope (403 outside it). */
static const char *read_scope(struct http_request *req, struct ep_error *err)
{
    const char *region;
    if (handler_region_param(req, &region, err) != 0)
        return NULL;
    return region ? region : req->user.scope;
}

/* ---- items --------------------------------------------------------------- */

const struct json_field supplies_item_fields[] = {
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = SUPPLY_ITEM_NAME_MAX},
    {.name = "category",
     .type = JF_STRING,
     .required = 1,
     .max_len = 20,
     .values = supply_categories},
    {.name = "unit", .type = JF_STRING, .required = 1, .max_len = SUPPLY_UNIT_MAX},
    {.name = "pack_unit", .type = JF_STRING, .max_len = SUPPLY_UNIT_MAX},
    {.name = "pack_size", .type = JF_INT, .min = 1, .max = 1e6},
    {0},
};

int handler_items_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *items = json_array();
    return handler_items_reply(res, supply_items_list(req->store, items, err), items, err);
}

int handler_items_create(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = body_checked(req, supplies_item_fields, err);
    if (!body)
        return -err->code;
    struct supply_item_input in = {json_get_str(body, "name"), json_get_str(body, "category"),
                                   json_get_str(body, "unit"), json_get_str(body, "pack_unit"),
                                   json_get_int(body, "pack_size", 0)};
    struct actor who = actor_of(req);
    int64_t id;
    int rc = supply_item_create(req->store, &who, &in, &id, err);
    json_decref(body);
    return rc ? rc : created(res, NULL, id);
}

/* ---- donors -------------------------------------------------------------- */

const struct json_field supplies_donor_fields[] = {
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = SUPPLY_NAME_MAX},
    {.name = "kind", .type = JF_STRING, .required = 1, .max_len = 20, .values = supply_donor_kinds},
    {.name = "contact_name", .type = JF_STRING, .max_len = SUPPLY_CONTACT_NAME_MAX},
    {.name = "contact_phone", .type = JF_STRING, .max_len = 20},
    {.name = "region_code", .type = JF_STRING, .max_len = 15, .ref = "region"},
    {0},
};

int handler_donors_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    struct handler_page p;
    if (handler_page_params(req, 50, 500, &p, err) != 0)
        return -err->code;
    json_t *items = json_array();
    int rc =
        supply_donors_list(req->store, p.scope, p.cursor_id, JSON_PAGE_FETCH(p.limit), items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_id, err);
}

int handler_donors_create(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    json_t *body = body_checked(req, supplies_donor_fields, err);
    if (!body)
        return -err->code;
    struct supply_donor_input in = {
        json_get_str(body, "name"), json_get_str(body, "kind"), json_get_str(body, "contact_name"),
        json_get_str(body, "contact_phone"), json_get_str(body, "region_code")};
    struct actor who = actor_of(req);
    int64_t id;
    int rc = supply_donor_create(req->store, &who, &in, &id, err);
    json_decref(body);
    return rc ? rc : created(res, NULL, id);
}

/* ---- warehouses -------------------------------------------------------------- */

const struct json_field supplies_warehouse_fields[] = {
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = SUPPLY_WAREHOUSE_NAME_MAX},
    {.name = "region_code", .type = JF_STRING, .required = 1, .max_len = 15, .ref = "grid"},
    {.name = "address", .type = JF_STRING, .max_len = SUPPLY_ADDRESS_MAX},
    {0},
};

int handler_warehouses_list(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    const char *scope = read_scope(req, err);
    if (!scope)
        return -err->code;
    json_t *items = json_array();
    return handler_items_reply(res, supply_warehouses_list(req->store, scope, items, err), items,
                               err);
}

int handler_warehouses_create(struct http_request *req, struct http_response *res,
                              struct ep_error *err)
{
    json_t *body = body_checked(req, supplies_warehouse_fields, err);
    if (!body)
        return -err->code;
    struct supply_warehouse_input in = {json_get_str(body, "name"),
                                        json_get_str(body, "region_code"),
                                        json_get_str(body, "address")};
    struct actor who = actor_of(req);
    int64_t id;
    int rc = supply_warehouse_create(req->store, &who, &in, &id, err);
    json_decref(body);
    return created_read(req, res, rc, id, supply_stock_json, err);
}

int handler_warehouse_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "仓库", "warehouse", &id, err) != 0)
        return -err->code;
    json_t *out = NULL;
    return list_reply(res, supply_stock_json(req->store, req->user.scope, id, &out, err), &out);
}

const struct json_field supplies_threshold_fields[] = {
    {.name = "item_id", .type = JF_INT, .required = 1, .min = 1, .max = 9e15, .ref = "item"},
    {.name = "threshold", .type = JF_INT, .required = 1, .min = 0, .max = 1e12},
    {0},
};

int handler_warehouse_threshold(struct http_request *req, struct http_response *res,
                                struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "仓库", "warehouse", &id, err) != 0)
        return -err->code;
    json_t *body = body_checked(req, supplies_threshold_fields, err);
    if (!body)
        return -err->code;
    struct actor who = actor_of(req);
    int rc = supply_threshold_set(req->store, &who, id, json_get_int(body, "item_id", 0),
                                  json_get_int(body, "threshold", 0), err);
    json_decref(body);
    json_t *out = NULL;
    if (rc == 0)
        rc = supply_stock_json(req->store, req->user.scope, id, &out, err);
    return list_reply(res, rc, &out);
}

/* ---- writes through the group-commit writer ------------------------------------ */

/* A ledger, donation, fulfilment or fund write queued for group commit
 * (http_defer_write): the domain call runs on the writer thread inside the
 * batch transaction (its own store_begin is a savepoint there, so the
 * stock check and the write still happen together); the answer is read
 * back on the request's thread once the batch is durable.  Everything the
 * job points to lives in the request's arena. */
enum job_kind { JOB_OP, JOB_DONATION, JOB_REVERSE, JOB_FULFIL, JOB_FUND_ENTRY, JOB_FUND_REVERSE };

struct write_job {
    int kind;                              /* enum job_kind */
    struct actor who;                      /* the caller */
    struct supply_op_input op;             /* JOB_OP */
    struct supply_donation_input donation; /* JOB_DONATION */
    struct fund_entry_input fund;          /* JOB_FUND_ENTRY */
    int64_t target;                        /* operation, request or fund entry acted on */
    int64_t warehouse_id;                  /* JOB_FULFIL */
    int nlines;                            /* JOB_FULFIL */
    const struct supply_line *lines;       /* JOB_FULFIL */
    const char *approver, *note;           /* JOB_REVERSE, JOB_FULFIL, JOB_FUND_REVERSE */
    struct idem_key key;                   /* JOB_OP, JOB_DONATION: optional client UUID */
    int64_t id;                            /* OUT: what was written */
};

static int job_write(struct store *s, struct http_request *req, void *ctx, struct ep_error *err)
{
    (void)req;
    struct write_job *j = ctx;
    switch (j->kind) {
    case JOB_OP:
        return supply_op_create(s, &j->who, &j->op, &j->id, err);
    case JOB_DONATION:
        return supply_donation_create(s, &j->who, &j->donation, &j->id, err);
    case JOB_REVERSE:
        return supply_op_reverse(s, &j->who, j->target, j->approver, j->note, &j->id, err);
    case JOB_FULFIL:
        return supply_request_fulfil(s, &j->who, j->target, j->warehouse_id, j->nlines, j->lines,
                                     j->note, &j->id, err);
    case JOB_FUND_ENTRY:
        return fund_entry_add(s, &j->who, &j->fund, &j->id, err);
    default:
        return fund_entry_reverse(s, &j->who, j->target, j->approver, &j->id, err);
    }
}

static int job_encode(struct http_request *req, struct http_response *res, void *ctx,
                      struct ep_error *err)
{
    struct write_job *j = ctx;
    json_t *out = NULL;
    int rc = 0;
    switch (j->kind) {
    case JOB_OP:
    case JOB_REVERSE:
        rc = supply_op_json(req->store, "", j->id, &out, err);
        break;
    case JOB_DONATION:
        rc = supply_donation_json(req->store, "", j->id, &out, err);
        break;
    case JOB_FULFIL:
        if ((rc = supply_request_json(req->store, "", j->target, &out, err)) == 0)
            json_object_set_new(out, "op_id", json_integer(j->id));
        return rc ? rc : http_reply_json(res, 201, out);
    case JOB_FUND_ENTRY:
        rc = fund_entries_json(req->store, "", j->fund.account_id, j->id + 1, 1, &out, err);
        break;
    default:
        break;
    }
    if (rc == 0 && j->key.replayed) {
        http_add_header(res, "Idempotent-Replay", "true");
        return http_reply_json(res, 200, out);
    }
    return rc ? rc : created(res, out, j->id);
}

/* The optional client_uuid of a body, copied into the arena. */
static int job_key(struct http_request *req, const json_t *body, struct write_job *j,
                   struct ep_error *err)
{
    if (handler_idem_key(body, &j->key, err) != 0)
        return -EP_EINVAL;
    if (j->key.uuid)
        j->key.uuid = arena_strdup(req->arena, j->key.uuid);
    return 0;
}

static struct write_job *job_new(struct http_request *req, int kind)
{
    struct write_job *j = arena_alloc(req->arena, sizeof *j);
    memset(j, 0, sizeof *j);
    j->kind = kind;
    j->who = actor_of(req);
    return j;
}

/* A string member copied into the request's arena (the body is freed
 * before the write runs). */
static const char *arena_str(struct http_request *req, const json_t *obj, const char *key)
{
    const char *v = json_get_str(obj, key);
    return v ? arena_strdup(req->arena, v) : NULL;
}

/* ---- donations ------------------------------------------------------------------ */

/* A donation is of goods, of money, or both (supply_donation_create). */
static const struct json_group donation_groups[] = {
    {JG_ANY_OF, {"lines", "money_fen"}},
    {0},
};

const struct json_field supplies_donation_fields[] = {
    {.name = "donor_id", .type = JF_INT, .required = 1, .min = 1, .max = 9e15, .ref = "donor"},
    {.name = "receipt_no", .type = JF_STRING, .required = 1, .max_len = SUPPLY_RECEIPT_NO_MAX},
    {.name = "donated_on", .type = JF_DATE},
    {JF_OCCURRED},
    {.name = "receiving_unit", .type = JF_STRING, .required = 1, .max_len = SUPPLY_NAME_MAX},
    /* goods go into a warehouse, money into a fund account (supply_donation_create) */
    {.name = "warehouse_id",
     .type = JF_INT,
     .min = 1,
     .max = 9e15,
     .ref = "warehouse",
     JF_REQUIRED_IF_ITEMS("lines", 1)},
    {.name = "account_id",
     .type = JF_INT,
     .min = 1,
     .max = 9e15,
     .ref = "fund_account",
     JF_REQUIRED_IF_GIVEN("money_fen")},
    {.name = "money_fen", .type = JF_INT, .min = 0, .max = 1e14},
    {.name = "note", .type = JF_STRING, .max_len = SUPPLY_NOTE_MAX},
    {.name = "lines", .type = JF_ARRAY, .max_items = SUPPLY_LINES_MAX, .members = line_fields},
    {.name = "client_uuid", .type = JF_STRING, .max_len = 36},
    {JF_GROUPS(donation_groups)},
};

int handler_donations_list(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    struct handler_page p;
    if (handler_page_params(req, 50, 200, &p, err) != 0)
        return -err->code;
    const char *kind = http_query(req, "donor_kind");
    if (kind && supply_donor_kind_check(kind, "donor_kind", err) != 0)
        return -err->code;
    json_t *items = json_array();
    int rc = supply_donations_list(req->store, p.scope, kind, p.cursor_id, JSON_PAGE_FETCH(p.limit),
                                   items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_id, err);
}

int handler_donations_create(struct http_request *req, struct http_response *res,
                             struct ep_error *err)
{
    (void)res;
    json_t *body = body_checked(req, supplies_donation_fields, err);
    if (!body)
        return -err->code;
    struct write_job *j = job_new(req, JOB_DONATION);
    struct supply_donation_input *in = &j->donation;
    in->lines = lines_decode(req, body, &in->nlines);
    in->donor_id = json_get_int(body, "donor_id", 0);
    in->receipt_no = arena_str(req, body, "receipt_no");
    in->donated_on = arena_str(req, body, "donated_on");
    in->occurred_at = arena_str(req, body, "occurred_at");
    in->receiving_unit = arena_str(req, body, "receiving_unit");
    in->warehouse_id = json_get_int(body, "warehouse_id", 0);
    in->account_id = json_get_int(body, "account_id", 0);
    in->money_fen = json_get_int(body, "money_fen", 0);
    in->note = arena_str(req, body, "note");
    in->idem = &j->key;
    int rc = job_key(req, body, j, err);
    json_decref(body);
    return rc ? rc : http_defer_write(req, job_write, job_encode, j);
}

int handler_donation_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "捐赠", "donation", &id, err) != 0)
        return -err->code;
    json_t *out = NULL;
    return list_reply(res, supply_donation_json(req->store, req->user.scope, id, &out, err), &out);
}

int handler_donation_certificate(struct http_request *req, struct http_response *res,
                                 struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "捐赠", "donation", &id, err) != 0)
        return -err->code;
    struct buf html;
    buf_init(&html);
    int rc = supply_donation_certificate(req->store, req->user.scope, id, &html, err);
    if (rc != 0) {
        buf_cleanup(&html);
        return rc;
    }
    res->status = 200;
    res->content_type = "text/html; charset=utf-8";
    res->len = html.len;
    res->owned = buf_steal(&html);
    return 0;
}

/* ---- the ledger ----------------------------------------------------------------- */

const struct json_field supplies_op_fields[] = {
    {.name = "kind", .type = JF_STRING, .required = 1, .max_len = 20, .values = supply_op_kinds},
    {.name = "date", .type = JF_DATE},
    {JF_OCCURRED},
    {.name = "warehouse_id",
     .type = JF_INT,
     .required = 1,
     .min = 1,
     .max = 9e15,
     .ref = "warehouse"},
    /* required by kind (op_check, core/supply_ledger.c) */
    {.name = "to_warehouse_id",
     .type = JF_INT,
     .min = 1,
     .max = 9e15,
     .ref = "warehouse",
     JF_REQUIRED_IF_IS("kind", "transfer")},
    {.name = "recipient_kind",
     .type = JF_STRING,
     .max_len = 20,
     .values = supply_recipient_kinds,
     JF_REQUIRED_IF_IS("kind", "allocate")},
    {.name = "recipient_region",
     .type = JF_STRING,
     .max_len = 15,
     .ref = "region",
     JF_REQUIRED_IF_IS("kind", "allocate")},
    {.name = "recipient_name",
     .type = JF_STRING,
     .max_len = SUPPLY_NAME_MAX,
     JF_REQUIRED_IF_IS("kind", "allocate")},
    {.name = "reason_code",
     .type = JF_STRING,
     .max_len = 20,
     .values = supply_reason_codes,
     JF_REQUIRED_IF_IS("kind", "adjust")},
    {.name = "approver",
     .type = JF_STRING,
     .max_len = SUPPLY_APPROVER_MAX,
     JF_REQUIRED_IF_IS("kind", "adjust")},
    {.name = "note", .type = JF_STRING, .max_len = SUPPLY_NOTE_MAX},
    {.name = "request_id", .type = JF_INT, .min = 1, .max = 9e15, .ref = "supply_request"},
    {.name = "lines",
     .type = JF_ARRAY,
     .required = 1,
     .max_items = SUPPLY_LINES_MAX,
     .members = line_fields},
    {.name = "client_uuid", .type = JF_STRING, .max_len = 36},
    {0},
};

int handler_ledger_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    struct handler_page p;
    handler_page_params(req, 50, 500, &p, err);
    if (err->code == EP_EFORBIDDEN)
        return -err->code;
    struct supply_ledger_filter f = {.scope = p.scope,
                                     .before_id = p.cursor_id,
                                     .limit = JSON_PAGE_FETCH(p.limit),
                                     .warehouse_id = http_query_id(req, "warehouse_id", err),
                                     .item_id = http_query_id(req, "item_id", err)};
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    int rc = supply_ledger_list(req->store, &f, items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_id, err);
}

int handler_ledger_create(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    (void)res;
    json_t *body = body_checked(req, supplies_op_fields, err);
    if (!body)
        return -err->code;
    struct write_job *j = job_new(req, JOB_OP);
    struct supply_op_input *in = &j->op;
    in->lines = lines_decode(req, body, &in->nlines);
    in->kind = arena_str(req, body, "kind");
    in->op_date = arena_str(req, body, "date");
    in->occurred_at = arena_str(req, body, "occurred_at");
    in->warehouse_id = json_get_int(body, "warehouse_id", 0);
    in->to_warehouse_id = json_get_int(body, "to_warehouse_id", 0);
    in->recipient_kind = arena_str(req, body, "recipient_kind");
    in->recipient_region = arena_str(req, body, "recipient_region");
    in->recipient_name = arena_str(req, body, "recipient_name");
    in->reason_code = arena_str(req, body, "reason_code");
    in->approver = arena_str(req, body, "approver");
    in->note = arena_str(req, body, "note");
    in->request_id = json_get_int(body, "request_id", 0);
    in->idem = &j->key;
    int rc = job_key(req, body, j, err);
    json_decref(body);
    return rc ? rc : http_defer_write(req, job_write, job_encode, j);
}

int handler_ledger_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "台账记录", "ledger operation", &id, err) != 0)
        return -err->code;
    json_t *out = NULL;
    return list_reply(res, supply_op_json(req->store, req->user.scope, id, &out, err), &out);
}

const struct json_field supplies_reverse_fields[] = {
    {.name = "approver", .type = JF_STRING, .required = 1, .max_len = SUPPLY_APPROVER_MAX},
    {.name = "note", .type = JF_STRING, .max_len = SUPPLY_NOTE_MAX},
    {0},
};

int handler_ledger_reverse(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    (void)res;
    int64_t id;
    if (http_path_id(req, 0, "台账记录", "ledger operation", &id, err) != 0)
        return -err->code;
    json_t *body = body_checked(req, supplies_reverse_fields, err);
    if (!body)
        return -err->code;
    struct write_job *j = job_new(req, JOB_REVERSE);
    j->target = id;
    j->approver = arena_str(req, body, "approver");
    j->note = arena_str(req, body, "note");
    json_decref(body);
    return http_defer_write(req, job_write, job_encode, j);
}

int handler_ledger_xlsx(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    const char *scope = read_scope(req, err);
    if (!scope)
        return -err->code;
    char path[] = "/tmp/epigrid-ledger-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return ep_error_set(err, EP_EINTERNAL, "无法创建临时文件",
                            "cannot create a temporary file");
    close(fd);
    int64_t rows;
    int rc = supply_ledger_xlsx(req->store, scope, path, &rows, err);
    struct buf data;
    buf_init(&data);
    FILE *f = rc == 0 ? fopen(path, "rb") : NULL;
    if (rc == 0 && !f)
        rc = ep_error_set(err, EP_EINTERNAL, "无法读取 xlsx", "cannot read the xlsx file");
    if (f) {
        char chunk[65536];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            buf_append(&data, chunk, n);
        fclose(f);
    }
    unlink(path);
    if (rc != 0) {
        buf_cleanup(&data);
        return rc;
    }
    struct actor who = actor_of(req);
    json_t *after = json_pack("{s:s, s:I}", "scope", scope, "rows", (json_int_t)rows);
    rc = audit_record(req->store, &who, "export", "ledger", "xlsx", scope, NULL, after, err);
    json_decref(after);
    if (rc != 0) {
        buf_cleanup(&data);
        return rc;
    }
    res->status = 200;
    res->content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    http_add_header(res, "Content-Disposition", "attachment; filename=\"ledger.xlsx\"");
    res->len = data.len;
    res->owned = buf_steal(&data);
    return 0;
}

/* ---- requests ------------------------------------------------------------------- */

const struct json_field supplies_request_fields[] = {
    {.name = "requester_kind",
     .type = JF_STRING,
     .required = 1,
     .max_len = 20,
     .values = supply_recipient_kinds},
    {.name = "region_code", .type = JF_STRING, .required = 1, .max_len = 15, .ref = "region"},
    {.name = "requester_name", .type = JF_STRING, .required = 1, .max_len = SUPPLY_NAME_MAX},
    {.name = "needed_by", .type = JF_DATE},
    {.name = "note", .type = JF_STRING, .max_len = SUPPLY_NOTE_MAX},
    {.name = "lines",
     .type = JF_ARRAY,
     .required = 1,
     .max_items = SUPPLY_LINES_MAX,
     .members = line_fields},
    {0},
};

int handler_requests_list(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    struct handler_page p;
    handler_page_params(req, 50, 200, &p, err);
    if (err->code == EP_EFORBIDDEN)
        return -err->code;
    const char *status = http_query(req, "status");
    if (status && strcmp(status, "open") != 0 && strcmp(status, "partial") != 0 &&
        strcmp(status, "fulfilled") != 0)
        ep_error_field(err, "status", "应为 open、partial 或 fulfilled",
                       "must be open, partial or fulfilled");
    if (err->code)
        return -err->code;
    json_t *items = json_array();
    int rc = supply_requests_list(req->store, p.scope, status, p.cursor_id,
                                  JSON_PAGE_FETCH(p.limit), items, err);
    return handler_page_reply(res, rc, items, p.limit, json_page_cursor_id, err);
}

int handler_requests_create(struct http_request *req, struct http_response *res,
                            struct ep_error *err)
{
    json_t *body = body_checked(req, supplies_request_fields, err);
    if (!body)
        return -err->code;
    struct supply_request_input in = {0};
    in.lines = lines_decode(req, body, &in.nlines);
    in.requester_kind = json_get_str(body, "requester_kind");
    in.region_code = json_get_str(body, "region_code");
    in.requester_name = json_get_str(body, "requester_name");
    in.needed_by = json_get_str(body, "needed_by");
    in.note = json_get_str(body, "note");
    struct actor who = actor_of(req);
    int64_t id;
    int rc = supply_request_create(req->store, &who, &in, &id, err);
    json_decref(body);
    return created_read(req, res, rc, id, supply_request_json, err);
}

int handler_request_get(struct http_request *req, struct http_response *res, struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "需求", "request", &id, err) != 0)
        return -err->code;
    json_t *out = NULL;
    return list_reply(res, supply_request_json(req->store, req->user.scope, id, &out, err), &out);
}

const struct json_field supplies_fulfil_fields[] = {
    {.name = "warehouse_id",
     .type = JF_INT,
     .required = 1,
     .min = 1,
     .max = 9e15,
     .ref = "warehouse"},
    {.name = "note", .type = JF_STRING, .max_len = SUPPLY_NOTE_MAX},
    {.name = "lines",
     .type = JF_ARRAY,
     .required = 1,
     .max_items = SUPPLY_LINES_MAX,
     .members = line_fields},
    {0},
};

int handler_request_fulfil(struct http_request *req, struct http_response *res,
                           struct ep_error *err)
{
    (void)res;
    int64_t id;
    if (http_path_id(req, 0, "需求", "request", &id, err) != 0)
        return -err->code;
    json_t *body = body_checked(req, supplies_fulfil_fields, err);
    if (!body)
        return -err->code;
    struct write_job *j = job_new(req, JOB_FULFIL);
    j->lines = lines_decode(req, body, &j->nlines);
    j->target = id;
    j->warehouse_id = json_get_int(body, "warehouse_id", 0);
    j->note = arena_str(req, body, "note");
    json_decref(body);
    return http_defer_write(req, job_write, job_encode, j);
}

/* ---- funds ------------------------------------------------------------------------ */

const struct json_field supplies_account_fields[] = {
    {.name = "name", .type = JF_STRING, .required = 1, .max_len = FUND_ACCOUNT_NAME_MAX},
    {.name = "kind", .type = JF_STRING, .required = 1, .max_len = 20, .values = fund_account_kinds},
    {.name = "region_code", .type = JF_STRING, .required = 1, .max_len = 15, .ref = "region"},
    {0},
};

int handler_fund_accounts_list(struct http_request *req, struct http_response *res,
                               struct ep_error *err)
{
    const char *scope = read_scope(req, err);
    if (!scope)
        return -err->code;
    json_t *items = json_array();
    return handler_items_reply(res, fund_accounts_list(req->store, scope, items, err), items, err);
}

int handler_fund_accounts_create(struct http_request *req, struct http_response *res,
                                 struct ep_error *err)
{
    json_t *body = body_checked(req, supplies_account_fields, err);
    if (!body)
        return -err->code;
    struct fund_account_input in = {json_get_str(body, "name"), json_get_str(body, "kind"),
                                    json_get_str(body, "region_code")};
    struct actor who = actor_of(req);
    int64_t id;
    int rc = fund_account_create(req->store, &who, &in, &id, err);
    json_decref(body);
    json_t *out = NULL;
    if (rc == 0 && (rc = fund_entries_json(req->store, "", id, 0, 1, &out, err)) == 0) {
        json_t *account = json_incref(json_object_get(out, "account"));
        json_decref(out);
        out = account;
    }
    return rc ? rc : created(res, out, id);
}

int handler_fund_entries_list(struct http_request *req, struct http_response *res,
                              struct ep_error *err)
{
    int64_t id;
    if (http_path_id(req, 0, "资金账户", "fund account", &id, err) != 0)
        return -err->code;
    int limit;
    const char *cursor;
    http_list_params(req, 50, 500, &limit, &cursor, err);
    int64_t before = http_cursor_id(cursor, err);
    if (err->code)
        return -err->code;
    json_t *out = NULL;
    return list_reply(
        res, fund_entries_json(req->store, req->user.scope, id, before, limit, &out, err), &out);
}

const struct json_field supplies_entry_fields[] = {
    {.name = "account_id",
     .type = JF_INT,
     .required = 1,
     .min = 1,
     .max = 9e15,
     .ref = "fund_account"},
    {.name = "direction",
     .type = JF_STRING,
     .required = 1,
     .max_len = 4,
     .values = fund_directions},
    {.name = "amount_fen", .type = JF_INT, .required = 1, .min = 1, .max = 1e14},
    {.name = "purpose", .type = JF_STRING, .required = 1, .max_len = FUND_PURPOSE_MAX},
    {.name = "approver", .type = JF_STRING, .required = 1, .max_len = SUPPLY_APPROVER_MAX},
    {.name = "date", .type = JF_DATE},
    {JF_OCCURRED},
    {.name = "recipient_region", .type = JF_STRING, .max_len = 15, .ref = "region"},
    {0},
};

int handler_fund_entries_create(struct http_request *req, struct http_response *res,
                                struct ep_error *err)
{
    (void)res;
    json_t *body = body_checked(req, supplies_entry_fields, err);
    if (!body)
        return -err->code;
    struct write_job *j = job_new(req, JOB_FUND_ENTRY);
    j->fund = (struct fund_entry_input){json_get_int(body, "account_id", 0),
                                        arena_str(req, body, "direction"),
                                        json_get_int(body, "amount_fen", 0),
                                        arena_str(req, body, "purpose"),
                                        arena_str(req, body, "approver"),
                                        arena_str(req, body, "date"),
                                        0,
                                        arena_str(req, body, "occurred_at"),
                                        arena_str(req, body, "recipient_region")};
    json_decref(body);
    return http_defer_write(req, job_write, job_encode, j);
}

const struct json_field supplies_entry_reverse_fields[] = {
    {.name = "approver", .type = JF_STRING, .required = 1, .max_len = SUPPLY_APPROVER_MAX},
    {0},
};

int handler_fund_entry_reverse(struct http_request *req, struct http_response *res,
                               struct ep_error *err)
{
    (void)res;
    int64_t id;
    if (http_path_id(req, 0, "资金记录", "fund entry", &id, err) != 0)
        return -err->code;
    json_t *body = body_checked(req, supplies_entry_reverse_fields, err);
    if (!body)
        return -err->code;
    struct write_job *j = job_new(req, JOB_FUND_REVERSE);
    j->target = id;
    j->approver = arena_str(req, body, "approver");
    json_decref(body);
    return http_defer_write(req, job_write, job_encode, j);
}

/* ---- roll-up ------------------------------------------------------------------------ */

int handler_fund_allocations(struct http_request *req, struct http_response *res,
                             struct ep_error *err)
{
    const char *scope = read_scope(req, err);
    if (!scope)
        return -err->code;
    json_t *out = NULL;
    return list_reply(res, fund_allocations_json(req->store, scope, &out, err), &out);
}

int handler_supplies_summary(struct http_request *req, struct http_response *res,
                             struct ep_error *err)
{
    const char *scope = read_scope(req, err);
    if (!scope || handler_now_only(req, err) != 0)
        return -err->code;
    json_t *out = NULL;
    return list_reply(res, supply_summary_json(req->store, scope, &out, err), &out);
}
