/*
 * supply.h -- items, donors, warehouses, donations, the stock ledger with
 * FIFO lot traceability, supply requests and the public disclosure.
 *
 * The ledger is append-only and written by the system only.  An operation
 * (receive, allocate, transfer, consume, adjust, reversal) has one entry per
 * warehouse and item it touches.  Every inflow is a lot; every outflow draws
 * from the oldest lots of its warehouse and item first (FIFO) and records the
 * draws, so that for any donation we know where every unit went and for any
 * allocation where every unit came from.  A correction is a reversal of a
 * whole operation: the opposite entries, putting drawn units back into the
 * same lots (or taking a lot's units out again).
 *
 * Each write runs in one transaction of its own (store_begin: BEGIN
 * IMMEDIATE, a savepoint inside a group commit), so the check that a stock
 * stays non-negative and the write that depends on it cannot interleave with
 * another writer: an entry that would make a stock negative is -EP_ECONFLICT
 * (409) and writes nothing.  Every write is audited in the same transaction.
 *
 * Counters (docs/counters.md), maintained with the facts:
 *   supply_received.<item>   units received (at the warehouse's grid)
 *   supply_allocated.<item>  units allocated (at the recipient's region)
 *   supply_stock.<item>      units in stock (at the warehouse's grid)
 *   supply_low               warehouse items below their threshold
 *   donations, donation_money_fen   donations and their money (at the donation's region)
 * supply_counters_rebuild() recomputes them from the facts (the tests' oracle).
 * When an outflow leaves a stock below its threshold an alert "stock_low" is
 * raised (dedup per warehouse, item and day).
 *
 * Reads return JSON (the API's form) as new references in *out.  Quantities
 * are int64 base units, money int64 fen; no floating point anywhere.
 * Input strings are borrowed.
 *
 * One file per concept implements it (supply.c lists them); what they share
 * and nobody else needs is in supply_internal.h.
 */
#ifndef EPIGRID_CORE_SUPPLY_H
#define EPIGRID_CORE_SUPPLY_H
#include <jansson.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/idem.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/error.h"

/* What bodies take, NULL-terminated (the OpenAPI document's enums): item
 * categories, donor kinds, ledger operations, adjustment reasons, and the kinds
 * of recipient of an allocation and of requester. */
extern const char *const supply_categories[];
extern const char *const supply_donor_kinds[];
extern const char *const supply_op_kinds[];
extern const char *const supply_reason_codes[];
extern const char *const supply_recipient_kinds[];

/* The Chinese names of those codes for Chinese text (the xlsx ledger, the
 * public disclosure), in the pages' words; an unknown code as given, "" for
 * NULL.  An operation: 采购入库, 分配, 调拨, 消耗, 盘点调整, 冲销 (a receipt from a
 * donation reads 捐赠入库 on the pages: its source says so).  An entry: 入库,
 * 分配, 调出, 调入, 消耗, 盘点调整.  A reason: 盘盈, 盘亏, 损坏, 过期, 丢失, 其他.
 * A recipient or requester: 地区, 医院, 队伍, 卡口.  A source: 捐赠, 采购. */
const char *supply_op_kind_zh(const char *kind);
const char *supply_entry_kind_zh(const char *kind);
const char *supply_reason_zh(const char *reason_code);
const char *supply_recipient_kind_zh(const char *kind);
const char *supply_source_zh(const char *source);

#define SUPPLY_LINES_MAX    100             /* lines in one donation, operation or request */
#define SUPPLY_QUANTITY_MAX 1000000000000   /* 10^12 base units per line */
#define SUPPLY_MONEY_MAX    100000000000000 /* 10^14 fen (one trillion yuan) per entry */

/* Field limits in characters (code points), checked here and declared to the
 * HTTP layer's body check with the same constants. */
#define SUPPLY_ITEM_NAME_MAX      60  /* an item's name */
#define SUPPLY_UNIT_MAX           8   /* unit and pack unit */
#define SUPPLY_WAREHOUSE_NAME_MAX 60  /* a warehouse's name */
#define SUPPLY_ADDRESS_MAX        100 /* a warehouse's address */
#define SUPPLY_NAME_MAX           100 /* donor, receiving unit, recipient and requester names */
#define SUPPLY_CONTACT_NAME_MAX   40  /* a donor's contact */
#define SUPPLY_RECEIPT_NO_MAX     40  /* a donation's receipt number */
#define SUPPLY_APPROVER_MAX       40  /* who approved an adjustment, reversal or payment */
#define SUPPLY_NOTE_MAX           200 /* notes */

/* One line of goods: an item and a quantity in base units (> 0), or a
 * number of packs converted with the item's pack size. */
struct supply_line {
    int64_t item_id;
    int64_t quantity; /* base units; 0 when packs is given */
    int64_t packs;    /* packs; 0 when quantity is given */
};

/* ---- items ----------------------------------------------------------------- */

struct supply_item_input {
    const char *name;      /* 1..SUPPLY_ITEM_NAME_MAX characters, unique */
    const char *category;  /* protective, disinfection, medical, vehicle, food, other */
    const char *unit;      /* base unit, 1-8 characters (只, 瓶, g, 台, 件) */
    const char *pack_unit; /* optional (箱); with pack_size */
    int64_t pack_size;     /* base units per pack, 0 = none */
};

/* Creates an item, audited.  Field errors (-EP_EINVAL) named after the
 * input members; -EP_ECONFLICT when the name exists. */
int supply_item_create(struct store *s, const struct actor *who, const struct supply_item_input *in,
                       int64_t *id_out, struct ep_error *err);
/* Appends every item, by name, to "items". */
int supply_items_list(struct store *s, json_t *items, struct ep_error *err);

/* ---- donors ---------------------------------------------------------------- */

struct supply_donor_input {
    const char *name; /* 1..SUPPLY_NAME_MAX characters */
    const char *kind; /* enterprise, new_social (两新组织), party_org, individual, anonymous */
    const char *contact_name;  /* optional */
    const char *contact_phone; /* optional; a valid phone (idcheck_phone) */
    const char *region_code;   /* the registering unit's region, inside who's scope */
};

int supply_donor_create(struct store *s, const struct actor *who,
                        const struct supply_donor_input *in, int64_t *id_out, struct ep_error *err);
/* Appends to "items" the donors registered inside "scope", newest first, id <
 * before_id (0 = newest), at most limit; the phone always masked (138****5678). */
int supply_donors_list(struct store *s, const char *scope, int64_t before_id, int limit,
                       json_t *items, struct ep_error *err);

/* ---- warehouses and stock ---------------------------------------------------- */

struct supply_warehouse_input {
    const char *name;        /* 1..SUPPLY_WAREHOUSE_NAME_MAX characters, unique in the grid */
    const char *region_code; /* a grid (15 digits) inside who's scope */
    const char *address;     /* optional */
};

int supply_warehouse_create(struct store *s, const struct actor *who,
                            const struct supply_warehouse_input *in, int64_t *id_out,
                            struct ep_error *err);
/* Appends the warehouses inside "scope", by id, to "items": each with the
 * name of its grid ("region_name") and of the grid's village ("village_name"). */
int supply_warehouses_list(struct store *s, const char *scope, json_t *items, struct ep_error *err);
/* The warehouse with its stock rows (item, quantity, threshold, below).
 * -EP_ENOTFOUND when absent or outside scope. */
int supply_stock_json(struct store *s, const char *scope, int64_t warehouse_id, json_t **out,
                      struct ep_error *err);
/* Sets the low-stock threshold of an item in a warehouse (>= 0), audited;
 * adjusts supply_low and raises stock_low when the stock is now below it. */
int supply_threshold_set(struct store *s, const struct actor *who, int64_t warehouse_id,
                         int64_t item_id, int64_t threshold, struct ep_error *err);

/* ---- the ledger ---------------------------------------------------------------- */

struct supply_op_input {
    const char *kind;             /* receive, allocate, transfer, consume, adjust */
    const char *op_date;          /* YYYY-MM-DD, NULL = today; not in the future nor before the
                                     outbreak start (supply_occurred_check) */
    int64_t warehouse_id;         /* the warehouse touched (source of a transfer) */
    int64_t to_warehouse_id;      /* transfer: the destination */
    const char *recipient_kind;   /* allocate: region, hospital, team, checkpoint */
    const char *recipient_region; /* allocate: an existing region inside who's scope */
    const char *recipient_name;   /* allocate: 1-100 characters */
    const char *reason_code; /* adjust: count_gain, count_loss, damaged, expired, lost, other */
    const char *approver;    /* adjust: required, 1-40 characters */
    const char *note;        /* optional, up to 200 characters */
    int64_t request_id;      /* allocate: the request it fulfils (0 = none) */
    int nlines;              /* 1..SUPPLY_LINES_MAX, distinct items */
    const struct supply_line *lines; /* adjust: a signed quantity (non-zero) */
    struct idem_key *idem;           /* optional client UUID: a retry returns the first operation */
    const char *occurred_at; /* when it happened (a date or a time), the day of op_date; NULL =
                                op_date's end, else now */
};

/* Writes one operation with its entries, lots, draws, counters, alerts and
 * audit row, in one transaction.  Field errors (-EP_EINVAL) are named after
 * the input ("lines[1].quantity"); -EP_EFORBIDDEN for a warehouse or
 * recipient outside who's scope; -EP_ECONFLICT (409) when a stock would
 * become negative; -EP_ERULE for a fulfilment beyond a request.  Receipts
 * written here are purchases (donations are received by
 * supply_donation_create).  With in->idem, the same client UUID and body
 * returns the first operation's id (idem->replayed set) and writes nothing;
 * another body under the same UUID is -EP_ECONFLICT. */
int supply_op_create(struct store *s, const struct actor *who, const struct supply_op_input *in,
                     int64_t *op_id_out, struct ep_error *err);

/* Reverses operation "op_id" (once): opposite entries with the original's
 * kinds, draws put back into the same lots, lots created by it taken out
 * again.  "approver" 1-40 characters, "note" optional.  -EP_ENOTFOUND when
 * not visible, -EP_ECONFLICT when already reversed, a reversal itself, or
 * when units of a lot it created have gone out since (reverse those first);
 * -EP_ERULE for a donation's receipt (donations are never undone). */
int supply_op_reverse(struct store *s, const struct actor *who, int64_t op_id, const char *approver,
                      const char *note, int64_t *new_op_id, struct ep_error *err);

/* One operation with its entries and, per entry, the lots drawn from (with
 * their donation and receipt number) or created: where every unit came from.
 * Visible when one of its warehouses lies inside "scope". */
int supply_op_json(struct store *s, const char *scope, int64_t op_id, json_t **out,
                   struct ep_error *err);

struct supply_ledger_filter {
    const char *scope;    /* required */
    int64_t warehouse_id; /* 0 = any */
    int64_t item_id;      /* 0 = any */
    int64_t before_id;    /* cursor: entries with id < before_id (0 = newest) */
    int limit;
};
/* Appends to "items" at most f->limit ledger entries, newest first. */
int supply_ledger_list(struct store *s, const struct supply_ledger_filter *f, json_t *items,
                       struct ep_error *err);
/* Writes every ledger entry inside "scope" (oldest first) to an xlsx file at
 * "path" (libxlsxwriter, constant memory) for people: Chinese headers, the
 * operation, entry, recipient kind, reason and source by their Chinese names
 * (supply_op_kind_zh ...), not re-imported.  *rows = entries. */
int supply_ledger_xlsx(struct store *s, const char *scope, const char *path, int64_t *rows,
                       struct ep_error *err);

/* ---- donations ------------------------------------------------------------------ */

struct supply_donation_input {
    int64_t donor_id;
    const char *receipt_no;     /* 1-40 printable characters, unique */
    const char *donated_on;     /* YYYY-MM-DD, NULL = today; not in the future nor before the
                                   outbreak start */
    const char *receiving_unit; /* 1-100 characters */
    int64_t warehouse_id;       /* required with goods */
    int64_t account_id;         /* required with money */
    int64_t money_fen;          /* >= 0 */
    const char *note;
    int nlines; /* 0..SUPPLY_LINES_MAX; goods or money or both */
    const struct supply_line *lines;
    struct idem_key *idem;   /* optional client UUID: a retry returns the first donation */
    const char *occurred_at; /* when it was received (a date or a time), the day of
                                donated_on; NULL = donated_on's end, else now */
};

/* Records a donation: its lines, one receive operation (one lot per line,
 * carrying the donation) and one fund entry for the money, counters and
 * audit, in one transaction.  -EP_ECONFLICT for a receipt number in use.
 * in->idem as for supply_op_create. */
int supply_donation_create(struct store *s, const struct actor *who,
                           const struct supply_donation_input *in, int64_t *id_out,
                           struct ep_error *err);
/* A donation with its donor (phone masked), lines and their trace: per line,
 * received, allocated (to whom), consumed, adjusted, in stock -- where every
 * unit went.  -EP_ENOTFOUND when absent or outside scope. */
int supply_donation_json(struct store *s, const char *scope, int64_t id, json_t **out,
                         struct ep_error *err);
/* Appends to "items" at most limit donations inside scope, newest first (id <
 * before_id), each with its lines; "donor_kind" (NULL = any) narrows them. */
int supply_donations_list(struct store *s, const char *scope, const char *donor_kind,
                          int64_t before_id, int limit, json_t *items, struct ep_error *err);
/* 0 when "kind" is a donor kind (enterprise, new_social 两新组织, party_org,
 * individual, anonymous), else a field error on "field" and -EP_EINVAL. */
int supply_donor_kind_check(const char *kind, const char *field, struct ep_error *err);
/* The zh-CN name of a donor kind ("两新组织"), "" for an unknown one. */
const char *supply_donor_kind_name(const char *kind);
/* Subtotals per donor kind of the donations registered in "scope" ("" =
 * all): a new array, every kind in a fixed order (only "kind" when not
 * NULL), each {donor_kind, name, donations, money_fen, goods:[{item_id,
 * item_name, unit, quantity}]}, zeros where none gave. */
int supply_donor_kind_totals(struct store *s, const char *scope, const char *kind, json_t **out,
                             struct ep_error *err);
/* A printable donation certificate (捐赠证书) as a whole HTML page. */
int supply_donation_certificate(struct store *s, const char *scope, int64_t id, struct buf *html,
                                struct ep_error *err);

/* ---- requests --------------------------------------------------------------------- */

struct supply_request_input {
    const char *requester_kind; /* region, hospital, team, checkpoint */
    const char *region_code;    /* inside who's scope */
    const char *requester_name; /* 1-100 characters */
    const char *needed_by;      /* optional YYYY-MM-DD */
    const char *note;
    int nlines;
    const struct supply_line *lines;
};

int supply_request_create(struct store *s, const struct actor *who,
                          const struct supply_request_input *in, int64_t *id_out,
                          struct ep_error *err);
/* Appends to "items" at most limit requests inside scope, newest first;
 * "status" NULL = any, "open" = open or partly fulfilled, else exact.
 * A request names its region by code and by name (region_name, "" when
 * the region is gone). */
int supply_requests_list(struct store *s, const char *scope, const char *status, int64_t before_id,
                         int limit, json_t *items, struct ep_error *err);
int supply_request_json(struct store *s, const char *scope, int64_t id, json_t **out,
                        struct ep_error *err);
/* Fulfils request "id" fully or in part from "warehouse_id": an allocation
 * to the requester (supply_op_create with request_id).  -EP_ERULE beyond
 * what is still asked, -EP_ECONFLICT when fulfilled or stock is short. */
int supply_request_fulfil(struct store *s, const struct actor *who, int64_t id,
                          int64_t warehouse_id, int nlines, const struct supply_line *lines,
                          const char *note, int64_t *op_id_out, struct ep_error *err);

/* ---- public disclosure, roll-ups, oracle ------------------------------------------- */

/* The public donation ledger (no login): every donation (donor name unless
 * anonymous, date, goods, money) with where its goods went, oldest first
 * (id > after_id), and the totals by item, by month and by donor kind.  No
 * contact data.  "donor_kind" (NULL = all, else a checked kind) narrows the
 * donations and every total to the gifts of that kind. */
int supply_public_json(struct store *s, const char *donor_kind, int64_t after_id, int limit,
                       json_t **out, struct ep_error *err);
/* The same as CSV (UTF-8 with a BOM, Chinese headers) for people, not for
 * re-import: one row per goods line or money of each donation, the donor
 * kind and where goods went without a recipient (消耗, 盘点调整) in Chinese
 * (the JSON keeps the codes). */
int supply_public_csv(struct store *s, const char *donor_kind, struct buf *csv,
                      struct ep_error *err);

/* Roll-up of region "code" from counters: per item received, allocated, in
 * stock; warehouse items below threshold; donations and their money; and
 * (from the donations themselves) the subtotals per donor kind,
 * "by_donor_kind" as supply_donor_kind_totals. */
int supply_summary_json(struct store *s, const char *code, json_t **out, struct ep_error *err);

/* Recomputes the supply counters for every region from the ledger (call
 * inside a transaction). */
int supply_counters_rebuild(struct store *s, struct ep_error *err);

/* Checks the ledger's invariants: stock.quantity = sum of entries = sum of
 * lot remainders for every warehouse and item; fund balances = sum of their
 * entries.  0 when consistent, -EP_EINTERNAL naming the first difference. */
int supply_ledger_verify(struct store *s, struct ep_error *err);

/* "¥1,234.56" of an amount in fen into out (at least 32 bytes). */
void supply_money_format(int64_t fen, char out[32]);

/* ---- helpers shared with fund.c ---------------------------------------------------- */

/* Checks an optional date field (NULL = today) that is not in the future;
 * writes the date to use into out. */
void supply_date_check(const char *date, const char *field, char out[11], struct ep_error *err);
/* When a supplies fact happened (issue 17): "occurred_at" (a date or a time
 * with its offset, occurred_parse), else its date field "date" under "field"
 * (the end of that day, or now when it is today), else now; not before the
 * profile's outbreak start, not in the future.  Both given must name the
 * same day (field error on "field").  Writes the day into out and the
 * moment into *at; returns 1 when the caller gave either (the write then
 * states it: write_occurred), 0 when it is now, -EP_EINTERNAL when the
 * profile could not be read.  Field errors in "err". */
int supply_occurred_check(struct store *s, const char *date, const char *field,
                          const char *occurred_at, char out[11], int64_t *at, struct ep_error *err);
/* The current row as a JSON object: column i typed by spec[i] ('i' integer,
 * 's' text, 'I' integer or null, 'S' text or null when NULL/empty, 'b' a
 * boolean from an integer). */
json_t *supply_row_json(struct store_stmt *st, const char *spec);
/* Runs "st" (bound) and appends every row as supply_row_json(st, spec) to
 * "items".  0 or negative with "err" set. */
int supply_rows_append(struct store_stmt *st, const char *spec, json_t *items,
                       struct ep_error *err);

#endif
