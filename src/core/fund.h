/*
 * fund.h -- fund accounts (专项党费, donated money, ...) and their
 * append-only ledger of in/out entries in integer fen.
 *
 * Each entry records its purpose, its approver and the balance after it;
 * the account's maintained balance always equals the sum of its entries and
 * never goes negative (an "out" beyond the balance is -EP_ECONFLICT, checked
 * and written in one transaction).  A correction is a reversing entry (the
 * opposite direction, linked to the original, once).  Counter
 * "fund_balance_fen" (docs/counters.md) at the account's region; rebuilt by
 * fund_counters_rebuild().  Reads return JSON as new references in *out.
 */
#ifndef EPIGRID_CORE_FUND_H
#define EPIGRID_CORE_FUND_H
#include <jansson.h>
#include <stdint.h>

#include "core/audit.h"
#include "store/store.h"
#include "util/error.h"

/* The kinds of fund account and the directions of an entry (NULL-terminated). */
extern const char *const fund_account_kinds[];
extern const char *const fund_directions[];

#define FUND_ACCOUNT_NAME_MAX 60  /* characters of an account's name */
#define FUND_PURPOSE_MAX      200 /* characters of an entry's purpose */

struct fund_account_input {
    const char *name;        /* 1-60 characters, unique */
    const char *kind;        /* party_fee, donation, fiscal, other */
    const char *region_code; /* an existing region inside who's scope */
};

/* Creates an account with balance 0, audited. */
int fund_account_create(struct store *s, const struct actor *who,
                        const struct fund_account_input *in, int64_t *id_out, struct ep_error *err);
/* Appends the accounts inside "scope", with their balances, to "items". */
int fund_accounts_list(struct store *s, const char *scope, json_t *items, struct ep_error *err);

struct fund_entry_input {
    int64_t account_id;
    const char *direction;        /* in, out */
    int64_t amount_fen;           /* 1..SUPPLY_MONEY_MAX */
    const char *purpose;          /* 1-200 characters */
    const char *approver;         /* 1-40 characters */
    const char *entry_date;       /* YYYY-MM-DD, NULL = today; not in the future nor before the
                                     outbreak start */
    int64_t donation_id;          /* set by donations only (0 = none) */
    const char *occurred_at;      /* when it happened (a date or a time), the day of entry_date;
                                     NULL = entry_date's end, else now */
    const char *recipient_region; /* "out" only: the region the money is allocated to (a
                                     reference in who's scope); NULL = none */
};

/* Adds an entry in its own write (core/write.h), audited.  Field errors
 * (-EP_EINVAL); -EP_ENOTFOUND for an account missing or outside who's scope
 * (the same answer); -EP_ECONFLICT for an "out" beyond the balance. */
int fund_entry_add(struct store *s, const struct actor *who, const struct fund_entry_input *in,
                   int64_t *id_out, struct ep_error *err);
/* Reverses entry "id" once with an opposite entry ("approver" required).
 * -EP_ENOTFOUND when not visible, -EP_ECONFLICT when already reversed, a
 * reversal itself, or when reversing an "in" would make the balance
 * negative; -EP_ERULE for a donation's money (donations are never undone). */
int fund_entry_reverse(struct store *s, const struct actor *who, int64_t id, const char *approver,
                       int64_t *new_id, struct ep_error *err);
/* A donation's money as an "in" entry (purpose "捐赠款 收据 <receipt_no>",
 * approver 系统), a step of the donation's write "w" (core/write.h; the
 * account is a reference the caller checked).  Returns the write's failure. */
struct write;
int fund_entry_write_donation(struct write *w, int64_t account_id, int64_t amount_fen,
                              int64_t donation_id, const char *receipt_no, const char *date,
                              int64_t *id_out);
/* {"account":{...},"items":[...]} entries of an account, newest first. */
int fund_entries_json(struct store *s, const char *scope, int64_t account_id, int64_t before_id,
                      int limit, json_t **out, struct ep_error *err);

/* The money allocated to the regions in "scope" (payments naming a
 * recipient_region, less their reversals), rolled up per county (a city-level
 * recipient stays itself): {region, total_fen, items:[{code, name,
 * allocated_fen, entries}]} ordered by code.  Accounts outside the scope
 * count too (a county sees what the city allocated to it) but are not named. */
int fund_allocations_json(struct store *s, const char *scope, json_t **out, struct ep_error *err);

/* Recomputes "fund_balance_fen" for every region (inside a transaction). */
int fund_counters_rebuild(struct store *s, struct ep_error *err);

#endif
