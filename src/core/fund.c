/*
 * fund.c -- fund accounts and their append-only entries in fen (see fund.h).
 *
 * The balance check and the write happen in one transaction (store_begin is
 * BEGIN IMMEDIATE), so two concurrent "out" entries can never both pass a
 * check against the same balance.  The CHECK (balance_fen >= 0) of the table
 * backs the rule.
 */
#include "core/fund.h"

#include <stdio.h>
#include <string.h>

#include "core/counter.h"
#include "core/region.h"
#include "core/supply.h"
#include "core/write.h"
#include "util/json.h"
#include "util/text.h"
#include "util/timeutil.h"

#define ACCOUNT_COLUMNS "id, name, kind, region_code, balance_fen, created_by, created_at"
#define ACCOUNT_SPEC    "isssiss"
#define ENTRY_COLUMNS                                                                              \
    "e.id, e.account_id, e.direction, e.amount_fen, e.balance_after, e.purpose, e.approver,"       \
    " e.entry_date, e.donation_id, e.reverses_id, (SELECT r.id FROM fund_entries r"                \
    " WHERE r.reverses_id = e.id) AS reversed_by_id, e.created_by, e.created_at,"                  \
    " e.recipient_region"
#define ENTRY_SPEC "iisiisssIIIssS"

const char *const fund_account_kinds[] = {"party_fee", "donation", "fiscal", "other", NULL};
const char *const fund_directions[] = {"in", "out", NULL};

int fund_account_create(struct store *s, const struct actor *who,
                        const struct fund_account_input *in, int64_t *id_out, struct ep_error *err)
{
    *id_out = 0;
    text_check(in->name, "name", FUND_ACCOUNT_NAME_MAX, TEXT_REQUIRED, err);
    if (!text_in_list(in->kind, fund_account_kinds))
        ep_error_field(err, "kind", "须为 party_fee(专项党费)、donation、fiscal 或 other",
                       "must be party_fee, donation, fiscal or other");
    if (!in->region_code || !region_level_of_code(in->region_code))
        ep_error_field(err, "region_code", "不是有效的地区编码", "is not a valid region code");
    if (err->code)
        return -err->code;
    struct write w;
    int64_t id = 0;
    write_begin(&w, s, who, NULL, NULL, NULL, err);
    write_region(&w, in->region_code, 0, "region_code", NULL);
    write_check(&w);
    struct store_stmt *st = !write_ok(&w) ? NULL
                                          : store_prepare(s,
                                                          "INSERT INTO fund_accounts (name, kind,"
                                                          " region_code, created_by, created_at)"
                                                          " VALUES (?, ?, ?, ?, ?)",
                                                          err);
    if (write_ok(&w) && !st)
        write_fail(&w, -EP_EINTERNAL);
    if (write_ok(&w)) {
        store_bind_text(st, 1, in->name);
        store_bind_text(st, 2, in->kind);
        store_bind_text(st, 3, in->region_code);
        store_bind_text(st, 4, who->user->username);
        store_bind_text(st, 5, w.now);
        int rc = store_run(st, err);
        if (rc == -EP_ECONFLICT)
            ep_error_set(err, EP_ECONFLICT, "账户名称“%s”已存在", "account name \"%s\" exists",
                         in->name);
        write_fail(&w, rc);
    }
    if (write_ok(&w)) {
        id = store_last_insert_id(s);
        json_t *after = json_pack("{s:s, s:s, s:s}", "name", in->name, "kind", in->kind,
                                  "region_code", in->region_code);
        write_audit(&w, "create", "fund_account", id, in->region_code, NULL, after);
        json_decref(after);
    }
    int rc = write_end(&w, id);
    *id_out = rc ? 0 : id;
    return rc;
}

int fund_accounts_list(struct store *s, const char *scope, json_t *items, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s,
                                          "SELECT " ACCOUNT_COLUMNS " FROM fund_accounts"
                                          " WHERE region_code >= ? AND region_code < ? ORDER BY id",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, scope);
    return supply_rows_append(st, ACCOUNT_SPEC, items, err);
}

/* Reads the account (region, balance) inside the open transaction. */
static int account_load(struct store *s, int64_t id, char region[REGION_CODE_MAX], int64_t *balance,
                        struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT region_code, balance_fen FROM fund_accounts WHERE id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, id);
    int rc = store_step(st, err);
    if (rc == STORE_ROW) {
        snprintf(region, REGION_CODE_MAX, "%s", store_column_text(st, 0));
        *balance = store_column_int64(st, 1);
    }
    store_stmt_reset(st);
    if (rc == STORE_DONE)
        return ep_error_set(err, EP_ENOTFOUND, "资金账户 %lld 不存在",
                            "fund account %lld not found", (long long)id);
    return rc < 0 ? rc : 0;
}

/* The SQL of entry_write: balance check, row, account balance. */
static int entry_insert(struct store *s, const struct actor *who, const struct fund_entry_input *in,
                        const char *date, int64_t reverses_id, char region[REGION_CODE_MAX],
                        int64_t *balance_after, int64_t *id_out, struct ep_error *err)
{
    int64_t balance = 0;
    int rc = account_load(s, in->account_id, region, &balance, err);
    if (rc != 0)
        return rc;
    int out = strcmp(in->direction, "out") == 0;
    int64_t delta = out ? -in->amount_fen : in->amount_fen;
    if (balance + delta < 0) {
        char have[32], want[32];
        supply_money_format(balance, have);
        supply_money_format(in->amount_fen, want);
        return ep_error_set(err, EP_ECONFLICT, "余额不足:账户余额 %s,支出 %s",
                            "insufficient funds: balance %s, payment %s", have, want);
    }
    char now[32];
    time_now_iso(now);
    struct store_stmt *st = store_prepare(
        s,
        "INSERT INTO fund_entries (account_id, direction, amount_fen, balance_after, purpose,"
        " approver, entry_date, donation_id, reverses_id, created_by, created_at,"
        " recipient_region) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, in->account_id);
    store_bind_text(st, 2, in->direction);
    store_bind_int64(st, 3, in->amount_fen);
    store_bind_int64(st, 4, balance + delta);
    store_bind_text(st, 5, in->purpose);
    store_bind_text(st, 6, in->approver);
    store_bind_text(st, 7, date);
    if (in->donation_id)
        store_bind_int64(st, 8, in->donation_id);
    if (reverses_id)
        store_bind_int64(st, 9, reverses_id);
    store_bind_text(st, 10, who->user->username);
    store_bind_text(st, 11, now);
    store_bind_text(st, 12, in->recipient_region);
    if ((rc = store_run(st, err)) != 0)
        return rc;
    int64_t id = store_last_insert_id(s);
    st = store_prepare(s, "UPDATE fund_accounts SET balance_fen = balance_fen + ? WHERE id = ?",
                       err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, delta);
    store_bind_int64(st, 2, in->account_id);
    if ((rc = store_run(st, err)) != 0)
        return rc;
    *balance_after = balance + delta;
    *id_out = id;
    return 0;
}

/* Writes one entry inside write "w" (the account is visible: the caller
 * checked it): balance check, row, account balance, counter, audit. */
static int entry_write(struct write *w, const struct fund_entry_input *in, const char *date,
                       int64_t reverses_id, int64_t *id_out)
{
    char region[REGION_CODE_MAX] = "";
    int64_t id = 0, balance_after = 0;
    if (!write_ok(w) || write_fail(w, entry_insert(w->s, w->who, in, date, reverses_id, region,
                                                   &balance_after, &id, w->err)) != 0)
        return w->rc;
    int out = strcmp(in->direction, "out") == 0;
    write_count(w, region, "fund_balance_fen", out ? -in->amount_fen : in->amount_fen);
    json_t *after = json_pack(
        "{s:I, s:s, s:I, s:I, s:s, s:s, s:s, s:o?, s:s?}", "account_id", (json_int_t)in->account_id,
        "direction", in->direction, "amount_fen", (json_int_t)in->amount_fen, "balance_after",
        (json_int_t)balance_after, "purpose", in->purpose, "approver", in->approver, "entry_date",
        date, "reverses_id", reverses_id ? json_integer(reverses_id) : NULL, "recipient_region",
        in->recipient_region);
    write_audit(w, reverses_id ? "reverse" : "create", "fund_entry", id, region, NULL, after);
    json_decref(after);
    if (write_ok(w))
        *id_out = id;
    return w->rc;
}

/* Field checks of fund_entry_add: the date into "date", the moment it
 * happened into *at; returns supply_occurred_check's answer. */
static int entry_check(struct store *s, const struct fund_entry_input *in, char date[11],
                       int64_t *at, struct ep_error *err)
{
    if (in->account_id <= 0)
        ep_error_field(err, "account_id", "必须填写资金账户", "is required");
    if (!text_in_list(in->direction, fund_directions))
        ep_error_field(err, "direction", "须为 in(收入)或 out(支出)", "must be in or out");
    if (in->amount_fen <= 0 || in->amount_fen > SUPPLY_MONEY_MAX)
        ep_error_field(err, "amount_fen", "金额须为 1 至 10^14 分之间的整数",
                       "must be an integer from 1 to 10^14 fen");
    text_check(in->purpose, "purpose", FUND_PURPOSE_MAX, TEXT_REQUIRED, err);
    text_check(in->approver, "approver", SUPPLY_APPROVER_MAX, TEXT_REQUIRED, err);
    if (in->recipient_region && in->direction && strcmp(in->direction, "in") == 0)
        ep_error_field(err, "recipient_region", "只有支出(out)可以拨付到地区",
                       "only a payment (out) is allocated to a region");
    return supply_occurred_check(s, in->entry_date, "date", in->occurred_at, date, at, err);
}

int fund_entry_add(struct store *s, const struct actor *who, const struct fund_entry_input *in,
                   int64_t *id_out, struct ep_error *err)
{
    *id_out = 0;
    char date[11];
    int64_t at;
    int dated = entry_check(s, in, date, &at, err);
    if (dated < 0)
        return dated;
    if (err->code)
        return -err->code;
    struct write w;
    int64_t id = 0;
    write_begin(&w, s, who, NULL, NULL, NULL, err);
    if (dated && at != w.now_unix)
        write_occurred(&w, at);
    write_ref(&w, REF_FUND_ACCOUNT, in->account_id, "account_id", NULL);
    if (in->recipient_region)
        write_region(&w, in->recipient_region, 0, "recipient_region", NULL);
    if (write_check(&w) == 0)
        entry_write(&w, in, date, 0, &id);
    int rc = write_end(&w, id);
    *id_out = rc ? 0 : id;
    return rc;
}

int fund_entry_reverse(struct store *s, const struct actor *who, int64_t id, const char *approver,
                       int64_t *new_id, struct ep_error *err)
{
    *new_id = 0;
    text_check(approver, "approver", SUPPLY_APPROVER_MAX, TEXT_REQUIRED, err);
    if (err->code)
        return -err->code;
    struct write w;
    int rc = write_begin(&w, s, who, NULL, NULL, NULL, err);
    if (rc == 0)
        rc = write_target(&w, REF_FUND_ENTRY, id, NULL);
    struct store_stmt *st =
        rc ? NULL
           : store_prepare(s,
                           "SELECT e.account_id, e.direction, e.amount_fen, e.donation_id,"
                           " e.reverses_id, (SELECT r.id FROM fund_entries r"
                           " WHERE r.reverses_id = e.id), e.recipient_region"
                           " FROM fund_entries e WHERE e.id = ?",
                           err);
    if (rc == 0 && !st)
        rc = -EP_EINTERNAL;
    struct fund_entry_input rev = {0};
    char direction[8] = "", purpose[64], recipient[REGION_CODE_MAX] = "";
    int64_t donation = 0, reverses = 0, reversed_by = 0;
    if (rc == 0 && st) {
        store_bind_int64(st, 1, id);
        rc = store_step(st, err);
        int found = rc == STORE_ROW;
        if (found) {
            rev.account_id = store_column_int64(st, 0);
            snprintf(direction, sizeof direction, "%s", store_column_text(st, 1));
            rev.amount_fen = store_column_int64(st, 2);
            donation = store_column_int64(st, 3);
            reverses = store_column_int64(st, 4);
            reversed_by = store_column_int64(st, 5);
            if (!store_column_is_null(st, 6))
                snprintf(recipient, sizeof recipient, "%s", store_column_text(st, 6));
        }
        store_stmt_reset(st);
        if (rc >= 0)
            rc = 0;
        if (rc == 0 && !found)
            rc = ep_error_set(err, EP_ENOTFOUND, "资金记录 %lld 不存在",
                              "fund entry %lld not found", (long long)id);
    }
    if (rc != 0)
        goto out;
    if (donation) {
        rc = ep_error_set(err, EP_ERULE, "捐赠款项不能冲销", "donated money cannot be reversed");
        goto out;
    }
    if (reverses || reversed_by) {
        rc = ep_error_set(err, EP_ECONFLICT, "资金记录 %lld 已冲销或本身是冲销记录",
                          "fund entry %lld is already reversed or is a reversal", (long long)id);
        goto out;
    }
    rev.direction = strcmp(direction, "in") == 0 ? "out" : "in";
    snprintf(purpose, sizeof purpose, "冲销 #%lld", (long long)id);
    rev.purpose = purpose;
    rev.approver = approver;
    rev.recipient_region = *recipient ? recipient : NULL; /* the allocation is undone there */
    char date[11];
    time_date_format(time_today_cn(), date);
    rc = entry_write(&w, &rev, date, id, new_id);
out:
    write_fail(&w, rc);
    rc = write_end(&w, *new_id);
    if (rc != 0)
        *new_id = 0;
    return rc;
}

int fund_entries_json(struct store *s, const char *scope, int64_t account_id, int64_t before_id,
                      int limit, json_t **out, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT " ACCOUNT_COLUMNS " FROM fund_accounts WHERE id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, account_id);
    int rc = store_step(st, err);
    json_t *account = NULL;
    if (rc == STORE_ROW && region_in_scope(store_column_text(st, 3), scope))
        account = supply_row_json(st, ACCOUNT_SPEC);
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    if (!account)
        return ep_error_set(err, EP_ENOTFOUND, "资金账户 %lld 不存在",
                            "fund account %lld not found", (long long)account_id);
    st = store_prepare(s,
                       "SELECT " ENTRY_COLUMNS " FROM fund_entries e WHERE e.account_id = ?"
                       " AND e.id < ? ORDER BY e.id DESC LIMIT ?",
                       err);
    if (!st) {
        json_decref(account);
        return -EP_EINTERNAL;
    }
    store_bind_int64(st, 1, account_id);
    store_bind_int64(st, 2, before_id > 0 ? before_id : INT64_MAX);
    store_bind_int64(st, 3, JSON_PAGE_FETCH(limit));
    json_t *items = json_array();
    while ((rc = store_step(st, err)) == STORE_ROW)
        json_array_append_new(items, supply_row_json(st, ENTRY_SPEC));
    store_stmt_reset(st);
    if (rc < 0) {
        json_decref(account);
        json_decref(items);
        return rc;
    }
    json_t *next = json_page_cursor_id(items, limit);
    *out = json_pack("{s:o, s:o, s:o}", "account", account, "items", items, "next_cursor", next);
    return 0;
}

int fund_allocations_json(struct store *s, const char *scope, json_t **out, struct ep_error *err)
{
    *out = NULL;
    struct store_stmt *st = store_prepare(
        s,
        "SELECT g.code, COALESCE(r.name, g.code), g.fen, g.n FROM"
        " (SELECT CASE WHEN length(e.recipient_region) >= 6 THEN substr(e.recipient_region, 1, 6)"
        "  ELSE e.recipient_region END AS code,"
        "  SUM(CASE e.direction WHEN 'out' THEN e.amount_fen ELSE -e.amount_fen END) AS fen,"
        "  SUM(CASE WHEN e.reverses_id IS NULL THEN 1 ELSE -1 END) AS n"
        "  FROM fund_entries e WHERE e.recipient_region >= ? AND e.recipient_region < ?"
        "  GROUP BY 1) AS g LEFT JOIN regions r ON r.code = g.code ORDER BY g.code",
        err);
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, scope);
    json_t *items = json_array();
    int64_t total = 0;
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        int64_t fen = store_column_int64(st, 2);
        total += fen;
        json_array_append_new(
            items, json_pack("{s:s, s:s, s:I, s:I}", "code", store_column_text(st, 0), "name",
                             store_column_text(st, 1), "allocated_fen", (json_int_t)fen, "entries",
                             (json_int_t)store_column_int64(st, 3)));
    }
    store_stmt_reset(st);
    if (rc < 0) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:s, s:I, s:o}", "region", scope, "total_fen", (json_int_t)total, "items",
                     items);
    return 0;
}

int fund_counters_rebuild(struct store *s, struct ep_error *err)
{
    return counter_rebuild(s, "fund_balance_fen",
                           "SELECT a.region_code, SUM(CASE e.direction WHEN 'in' THEN e.amount_fen"
                           " ELSE -e.amount_fen END) FROM fund_entries e JOIN fund_accounts a"
                           " ON a.id = e.account_id GROUP BY a.region_code",
                           err);
}

int fund_entry_write_donation(struct write *w, int64_t account_id, int64_t amount_fen,
                              int64_t donation_id, const char *receipt_no, const char *date,
                              int64_t *id_out)
{
    char purpose[128];
    snprintf(purpose, sizeof purpose, "捐赠款 收据 %s", receipt_no);
    struct fund_entry_input in = {.account_id = account_id,
                                  .direction = "in",
                                  .amount_fen = amount_fen,
                                  .purpose = purpose,
                                  .approver = "系统",
                                  .entry_date = date,
                                  .donation_id = donation_id};
    return entry_write(w, &in, date, 0, id_out);
}
