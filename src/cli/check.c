/*
 * check.c -- `epigrid check --db PATH`: is the database sound and does every
 * roll-up counter equal its facts?
 *
 * 1. The engine's integrity check (PRAGMA integrity_check on SQLite).
 * 2. The counters: every region_counters row is read (the live values), then
 *    inside one transaction every module's rebuild oracle recomputes its
 *    metrics from the facts, the rows are read again and the transaction is
 *    rolled back, so the check writes nothing.  Rows absent on one side count
 *    as 0.  Each difference is printed as "code metric live=N oracle=M".
 *
 * 3. The copies: a value stored twice on purpose (no foreign key keeps it;
 *    see sql/migrations/0033_*) must equal its source.  Each disagreeing row
 *    is named ("copy FAILED: health_reports 42 person_id=7, source 9").
 *
 * 4. The audit chain (audit.h): every row's hash is recomputed from the
 *    previous one; the first row edited, missing or added is named
 *    ("audit chain FAILED: row 42 edited") and the head is printed, to be
 *    kept elsewhere and given back later as --anchor ID:HASH.
 *
 * Exit 0 when all are clean, 1 on any problem.  The rebuild holds the write
 * lock for its duration (milliseconds on a test database, seconds on a city):
 * a running server's writes wait meanwhile, they are not refused.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/alert.h"
#include "core/audit.h"
#include "core/broadcast.h"
#include "core/case.h"
#include "core/command.h"
#include "core/contact.h"
#include "core/counter.h"
#include "core/household.h"
#include "core/observation.h"
#include "core/org.h"
#include "core/person.h"
#include "core/screening.h"
#include "core/supply.h"

#define PROBLEMS_MAX 4096 /* integrity problems shown */
#define DIFFS_SHOWN  50   /* counter differences printed in full */

struct counter_row {
    char *key;     /* "code\tmetric" (malloc) */
    int64_t value; /* the counter's value */
};

struct counter_rows {
    struct counter_row *items; /* in (code, metric) order */
    size_t len, cap;
};

static int collect(const char *code, const char *metric, int64_t value, void *ctx)
{
    struct counter_rows *rows = ctx;
    if (value == 0)
        return 0; /* a 0 row and no row mean the same */
    if (rows->len == rows->cap) {
        size_t cap = rows->cap ? rows->cap * 2 : 1024;
        struct counter_row *items = realloc(rows->items, cap * sizeof *items);
        if (!items)
            abort();
        rows->items = items;
        rows->cap = cap;
    }
    size_t n = strlen(code) + strlen(metric) + 2;
    char *key = malloc(n);
    if (!key)
        abort();
    snprintf(key, n, "%s\t%s", code, metric);
    rows->items[rows->len].key = key;
    rows->items[rows->len].value = value;
    rows->len++;
    return 0;
}

static void rows_free(struct counter_rows *rows)
{
    for (size_t i = 0; i < rows->len; i++)
        free(rows->items[i].key);
    free(rows->items);
    memset(rows, 0, sizeof *rows);
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const struct counter_row *)a)->key, ((const struct counter_row *)b)->key);
}

/* Every module's oracle, in one transaction the caller rolls back. */
static int rebuild_all(struct store *s, struct ep_error *err)
{
    int (*const rebuild[])(struct store *, struct ep_error *) = {
        household_counters_rebuild, person_counters_rebuild,
        screening_counters_rebuild, observation_counters_rebuild,
        alert_counters_rebuild,     case_counters_rebuild,
        contact_counters_rebuild,   mobilisation_counters_rebuild,
        supply_counters_rebuild, /* includes fund_counters_rebuild */
        command_counters_rebuild,   broadcast_counters_rebuild,
    };
    for (size_t i = 0; i < sizeof rebuild / sizeof rebuild[0]; i++) {
        int rc = rebuild[i](s, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static void print_diff(const char *key, int64_t live, int64_t oracle, long *shown)
{
    if ((*shown)++ >= DIFFS_SHOWN)
        return;
    const char *tab = strchr(key, '\t');
    printf("counter %.*s %s live=%lld oracle=%lld\n", (int)(tab - key), key, tab + 1,
           (long long)live, (long long)oracle);
}

/* Prints the differences of two sorted row lists; returns their number. */
static long compare_rows(const struct counter_rows *live, const struct counter_rows *oracle)
{
    size_t i = 0, j = 0;
    long diffs = 0;
    while (i < live->len || j < oracle->len) {
        int c = i == live->len     ? 1
                : j == oracle->len ? -1
                                   : strcmp(live->items[i].key, oracle->items[j].key);
        if (c < 0) {
            print_diff(live->items[i].key, live->items[i].value, 0, &diffs);
            i++;
        } else if (c > 0) {
            print_diff(oracle->items[j].key, 0, oracle->items[j].value, &diffs);
            j++;
        } else {
            if (live->items[i].value != oracle->items[j].value)
                print_diff(live->items[i].key, live->items[i].value, oracle->items[j].value,
                           &diffs);
            i++;
            j++;
        }
    }
    if (diffs > DIFFS_SHOWN)
        printf("... %ld more\n", diffs - DIFFS_SHOWN);
    return diffs;
}

/* The copies of 3: each query yields (id, the copy, its source) for every
 * row that disagrees, in id order. */
static const struct {
    const char *table, *column, *sql;
} COPIES[] = {
    {"health_reports", "person_id",
     "SELECT r.id, r.person_id, o.person_id FROM health_reports r"
     " JOIN observations o ON o.id = r.observation_id"
     " WHERE r.person_id <> o.person_id ORDER BY r.id"},
};

/* The copies' part of the check; returns the number of rows that disagree
 * (at most DIFFS_SHOWN of them printed), or -1 with "err" set. */
static long check_copies(struct store *s, struct ep_error *err)
{
    long wrong = 0;
    for (size_t i = 0; i < sizeof COPIES / sizeof COPIES[0]; i++) {
        struct store_stmt *st = store_prepare(s, COPIES[i].sql, err);
        if (!st)
            return -1;
        int rc;
        while ((rc = store_step(st, err)) == STORE_ROW)
            if (wrong++ < DIFFS_SHOWN)
                printf("copy FAILED: %s %lld %s=%lld, source %lld\n"
                       "副本不一致:%s 第 %lld 行 %s=%lld,应为 %lld\n",
                       COPIES[i].table, (long long)store_column_int64(st, 0), COPIES[i].column,
                       (long long)store_column_int64(st, 1), (long long)store_column_int64(st, 2),
                       COPIES[i].table, (long long)store_column_int64(st, 0), COPIES[i].column,
                       (long long)store_column_int64(st, 1), (long long)store_column_int64(st, 2));
        store_stmt_reset(st);
        if (rc < 0)
            return -1;
    }
    printf("copies %zu checked, %ld rows different\n", sizeof COPIES / sizeof COPIES[0], wrong);
    return wrong;
}

static const char *break_zh(int kind)
{
    return kind == AUDIT_EDITED ? "被改动" : kind == AUDIT_MISSING ? "缺失" : "不在链上(被插入)";
}

/* The audit chain's part of the check; returns 1 when it is intact. */
static int check_audit_chain(struct store *s, int64_t anchor_id, const char *anchor_hash,
                             struct ep_error *err)
{
    struct audit_chain_report r;
    if (audit_chain_verify(s, anchor_id, anchor_hash, &r, err) != 0)
        return -1;
    int ok = r.broken == 0 && (!anchor_id || r.anchor_ok);
    if (r.broken == 0)
        printf("audit chain ok: %lld rows verified, %lld older rows not chained\n",
               (long long)r.verified, (long long)r.unchained);
    else
        printf("audit chain FAILED: row %lld %s; %lld rows broken\n"
               "审计链损坏:第 %lld 条审计记录%s;共 %lld 条异常\n",
               (long long)r.first_id, audit_break_name(r.first_break), (long long)r.broken,
               (long long)r.first_id, break_zh(r.first_break), (long long)r.broken);
    if (anchor_id)
        printf("audit anchor %lld %s\n", (long long)anchor_id,
               r.anchor_ok ? "ok" : "FAILED (that row no longer has that hash)");
    printf("audit head %lld:%s\n", (long long)r.head_id, r.head_hash);
    return ok;
}

/* "ID:HASH" (as `audit head` prints it) into its parts; 0 or -1. */
static int parse_anchor(const char *text, int64_t *id, char hash[AUDIT_HASH_HEX])
{
    char *end;
    long long v = strtoll(text, &end, 10);
    if (v <= 0 || *end != ':' || strlen(end + 1) != AUDIT_HASH_HEX - 1)
        return -1;
    for (const char *p = end + 1; *p; p++)
        if (!strchr("0123456789abcdef", *p))
            return -1;
    *id = v;
    snprintf(hash, AUDIT_HASH_HEX, "%s", end + 1);
    return 0;
}

static const char *CHECK_HELP =
    "用法 usage: epigrid check [--db PATH] [--anchor ID:HASH]\n"
    "  完整性检查(PRAGMA integrity_check),用各模块的重建算法核对全部汇总计数,\n"
    "  核对有意冗余存放的副本(如健康报告的人员应为其观察记录的人员),\n"
    "  并重算审计日志的哈希链,指出第一条被改动、缺失或插入的记录;\n"
    "  不写入任何数据。有问题时逐条列出并以状态 1 退出。\n"
    "  --anchor:先前打印的 audit head(另行保存),该行的哈希必须未变。\n"
    "  Runs the integrity check, compares every roll-up counter with its\n"
    "  module's rebuild from the facts (in a transaction rolled back: nothing is\n"
    "  written), checks the copies stored on purpose (a health report's person is\n"
    "  its observation's) and recomputes the audit log's hash chain, naming the first row\n"
    "  edited, missing or added.  --anchor: an `audit head` printed earlier and\n"
    "  kept elsewhere; that row must still have that hash.  Exit status 1 on any\n"
    "  problem.";

int cli_check(int argc, char **argv)
{
    const char *db = NULL, *anchor = NULL;
    int64_t anchor_id = 0;
    char anchor_hash[AUDIT_HASH_HEX] = "";
    const struct cli_option opts[] = {
        {"db", 'd', &db, NULL}, {"anchor", 'a', &anchor, NULL}, {NULL, 0, NULL, NULL}};
    int status = cli_options_parse(argc, argv, opts, CHECK_HELP, 0);
    if (status >= 0)
        return status;
    if (anchor && parse_anchor(anchor, &anchor_id, anchor_hash) != 0) {
        fprintf(stderr, "epigrid check: --anchor 应为 ID:HASH(check 打印的 audit "
                        "head)/ --anchor takes ID:HASH as printed by `audit head`\n");
        return CLI_USAGE;
    }
    if (optind < argc)
        return CLI_USAGE;
    struct ep_error err;
    struct store *s = cli_store(db, &err);
    if (!s)
        return CLI_FAIL;
    int ret = CLI_FAIL;
    struct counter_rows live = {0}, oracle = {0};
    char *problems = malloc(PROBLEMS_MAX);
    if (!problems)
        abort();
    int integrity = store_integrity_check(s, problems, PROBLEMS_MAX, &err);
    if (integrity < 0)
        goto fail;
    printf("integrity %s\n", integrity == 0 ? "ok" : "FAILED");
    if (integrity > 0)
        printf("%s\n", problems);
    if (counter_each(s, collect, &live, &err) != 0 || store_begin(s, &err) != 0)
        goto fail;
    int rc = rebuild_all(s, &err);
    if (rc == 0)
        rc = counter_each(s, collect, &oracle, &err);
    store_rollback(s); /* the check writes nothing */
    if (rc != 0)
        goto fail;
    /* The SQL order and strcmp agree for ASCII codes, but sort to be sure. */
    qsort(live.items, live.len, sizeof *live.items, cmp_key);
    qsort(oracle.items, oracle.len, sizeof *oracle.items, cmp_key);
    long diffs = compare_rows(&live, &oracle);
    printf("counters %zu checked, %ld different\n", live.len > oracle.len ? live.len : oracle.len,
           diffs);
    long copies = check_copies(s, &err);
    if (copies < 0)
        goto fail;
    int chain = check_audit_chain(s, anchor_id, anchor_hash, &err);
    if (chain < 0)
        goto fail;
    ret = integrity == 0 && diffs == 0 && copies == 0 && chain == 1 ? CLI_OK : CLI_FAIL;
    goto done;
fail:
    cli_print_error(&err);
done:
    free(problems);
    rows_free(&live);
    rows_free(&oracle);
    store_close(s);
    return ret;
}
