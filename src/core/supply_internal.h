/*
 * supply_internal.h -- what the supply files (supply*.c) share and nobody
 * else uses: the records they pass around, the lookups, the ledger steps a
 * donation or a request fulfilment reuses, and a few small helpers.
 *
 * Steps that take a "struct write" run inside the caller's write (write.h).
 * Ownership as in supply.h: inputs are borrowed, JSON is returned as new
 * references, "struct warehouse" and "struct item_info" are caller buffers.
 */
#ifndef EPIGRID_CORE_SUPPLY_INTERNAL_H
#define EPIGRID_CORE_SUPPLY_INTERNAL_H
#include <stdio.h>
#include <string.h>

#include "core/region.h"
#include "core/supply.h"
#include "core/write.h"

/* An item as the ledger needs it. */
struct item_info {
    char name[256];
    char unit[40];
    int64_t pack_size; /* 0 when none */
};

/* A warehouse as the ledger needs it. */
struct warehouse {
    int64_t id;
    char name[256];
    char region[REGION_CODE_MAX]; /* its grid */
};

/* 1 when "v" is one of the NULL-terminated "list". */
static inline int in_list(const char *v, const char *const *list)
{
    for (int i = 0; v && list[i]; i++)
        if (strcmp(v, list[i]) == 0)
            return 1;
    return 0;
}

/* The decimal text of an id (an audit key, a cursor). */
static inline void id_text(int64_t id, char out[24])
{
    snprintf(out, 24, "%lld", (long long)id);
}

/* A counter name "family.item" ("supply_stock.12"). */
static inline void metric_name(char out[64], const char *family, int64_t item_id)
{
    snprintf(out, 64, "%s.%lld", family, (long long)item_id);
}

/* "" for a missing or non-string member. */
static inline const char *jstr(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

/* ---- supply.c ------------------------------------------------------------------------ */

/* Runs "st" (bound) and collects every row as JSON (supply_row_json with
 * "spec") into a new array *out.  0 or negative with "err" set. */
int supply_rows_json(struct store_stmt *st, const char *spec, json_t **out, struct ep_error *err);

/* ---- supply_catalog.c ---------------------------------------------------------------- */

/* Reads item "id" into "it": 0, -EP_ENOTFOUND (404 in err), or negative. */
int supply_item_load(struct store *s, int64_t id, struct item_info *it, struct ep_error *err);
/* Reads warehouse "id" into "w" (no scope check: write_ref/write_target
 * first): 0, -EP_ENOTFOUND (404 in err), or negative. */
int supply_warehouse_load(struct store *s, int64_t id, struct warehouse *w, struct ep_error *err);

/* ---- supply_ledger.c ----------------------------------------------------------------- */

/* Writes one ledger entry of operation "op_id" in warehouse "w", a step of
 * write "wr": the new balance checked (-EP_ECONFLICT when negative), the
 * stock row, the entry, the counters (write_count) and, below the threshold,
 * the stock_low alert.  "kind" is the entry kind; "reverses_entry" 0 or the
 * entry it reverses.  Returns 0 or negative with wr->err set (the caller
 * records it with write_fail). */
int supply_entry_apply(struct write *wr, int64_t op_id, const char *kind, const struct warehouse *w,
                       int64_t item, int64_t delta, int64_t reverses_entry, int64_t *entry_id);
/* A lot of "qty" units created by entry "entry" (donation, origin lot: 0 = none). */
int supply_lot_create(struct store *s, int64_t wh, int64_t item, int64_t donation, int64_t entry,
                      int64_t origin, int64_t qty, struct ep_error *err);
/* The ledger_ops row of an operation; "in" (may be NULL) gives the
 * recipient, request, reason, approver and note. */
int supply_op_insert(struct store *s, const struct actor *who, const char *kind, const char *date,
                     int64_t reverses, const char *source, int64_t donation,
                     const struct supply_op_input *in, int64_t *op_id, struct ep_error *err);
/* Checks lines (field errors "lines[i].x") and resolves packs into base
 * units into "out" (same order).  "signed_ok": adjustments take a signed
 * quantity; "required": at least one line. */
void supply_lines_check(struct store *s, int nlines, const struct supply_line *lines, int signed_ok,
                        int required, int64_t *out, struct ep_error *err);
/* The items of "lines" are references: write_ref on "lines[i].item_id".
 * Returns the write's failure. */
int supply_lines_refs(struct write *w, int nlines, const struct supply_line *lines);
/* An allocation fulfilling a request, as a step of write "w" (the request is
 * the route's target, checked by the caller): the operation's input checks,
 * references and writes as supply_op_create.  Returns the write's failure. */
int supply_op_fulfil(struct write *w, const struct supply_op_input *in, int64_t *op_id);
/* The audit representation of an operation (its input), a new reference. */
json_t *supply_op_audit_json(const char *kind, int64_t wh, int64_t to_wh,
                             const struct supply_op_input *in, int nlines,
                             const struct supply_line *lines, const int64_t *qty);

/* ---- supply_request.c ---------------------------------------------------------------- */

/* Applies a fulfilment (sign 1) or its reversal (sign -1) of "qty" per line
 * to request "request_id", a step of write "w": the request is a target
 * (404 when missing or outside the writer's scope), then its lines and
 * status.  -EP_ECONFLICT when already fulfilled, -EP_ERULE beyond it.
 * Returns the write's failure. */
int supply_request_apply(struct write *w, int64_t request_id, int nlines,
                         const struct supply_line *lines, const int64_t *qty, int sign);

/* ---- supply_donation.c --------------------------------------------------------------- */

/* The donation row inside "scope" (NULL = any; phone masked) with its lines
 * and their trace, into *out.  -EP_ENOTFOUND when absent or outside. */
int supply_donation_load(struct store *s, const char *scope, int64_t id, json_t **out,
                         struct ep_error *err);

#endif
