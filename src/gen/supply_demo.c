/*
 * supply_demo.c -- the demo city's supplies (see supply_demo_seed in
 * supply.h), written through the domain calls like real use.
 */
#include <stdio.h>

#include "core/fund.h"
#include "core/supply.h"
#include "gen/supply_demo.h"

/* ---- demo data ----------------------------------------------------------------------------- */

/* Runs one domain call of the demo; stops the seeding at the first error. */
#define DEMO(call)                                                                                 \
    do {                                                                                           \
        if ((rc = (call)) != 0)                                                                    \
            return rc;                                                                             \
    } while (0)

int supply_demo_seed(struct store *s, const struct actor *who, const char *const *grids, int ngrids,
                     struct ep_error *err)
{
    if (ngrids < 1)
        return ep_error_set(err, EP_EINTERNAL, "示范物资需要至少一个网格",
                            "demo supplies need at least one grid");
    int rc;
    static const struct supply_item_input items[] = {
        {"N95口罩", "protective", "只", "箱", 50},
        {"医用外科口罩", "protective", "只", "箱", 100},
        {"医用防护服", "protective", "件", "箱", 20},
        {"75%酒精", "disinfection", "瓶", "箱", 24},
        {"84消毒液", "disinfection", "瓶", NULL, 0},
        {"红外额温枪", "medical", "台", NULL, 0},
        {"大米", "food", "g", "袋", 25000},
    };
    enum { N95, SURGICAL, GOWN, ALCOHOL, BLEACH, THERMO, RICE, NITEMS };
    int64_t item[NITEMS], wh[8], donor[5], party_fee, donated;
    for (int i = 0; i < NITEMS; i++)
        DEMO(supply_item_create(s, who, &items[i], &item[i], err));
    int nwh = ngrids < 8 ? ngrids : 8;
    for (int i = 0; i < nwh; i++) {
        char name[64];
        snprintf(name, sizeof name, i == 0 ? "市应急物资储备库" : "县级物资中转仓 %d 号", i);
        struct supply_warehouse_input w = {name, grids[i], NULL};
        DEMO(supply_warehouse_create(s, who, &w, &wh[i], err));
    }
    char city[5];
    snprintf(city, sizeof city, "%.4s", grids[0]);
    struct fund_account_input fee = {"专项党费", "party_fee", city};
    struct fund_account_input don = {"社会捐赠资金", "donation", city};
    DEMO(fund_account_create(s, who, &fee, &party_fee, err));
    DEMO(fund_account_create(s, who, &don, &donated, err));
    static const struct supply_donor_input donors[] = {
        {"湖南某医药有限公司", "enterprise", "王经理", "13807460001", NULL},
        {"永州市某商会", "new_social", "李会长", "0746-3221234", NULL},
        {"某村流动党支部", "party_org", NULL, NULL, NULL},
        {"张某某", "individual", NULL, "13907460002", NULL},
        {"爱心人士", "anonymous", NULL, NULL, NULL},
    };
    for (int i = 0; i < 5; i++) {
        struct supply_donor_input d = donors[i];
        d.region_code = city;
        DEMO(supply_donor_create(s, who, &d, &donor[i], err));
    }
    /* Donations of late January and February 2020: goods into the city store, money. */
    static const struct {
        int donor;
        const char *date;
        int item;
        int64_t packs;
        int64_t fen;
    } gifts[] = {
        {0, "2020-01-25", N95, 200, 0},         {1, "2020-01-27", SURGICAL, 300, 5000000},
        {2, "2020-01-28", -1, 0, 1280000},      {0, "2020-01-30", GOWN, 50, 0},
        {3, "2020-02-02", ALCOHOL, 40, 200000}, {4, "2020-02-05", N95, 60, 0},
        {1, "2020-02-08", RICE, 400, 0},        {4, "2020-02-12", -1, 0, 88888},
        {0, "2020-02-15", THERMO, 0, 0},
    };
    for (size_t i = 0; i < sizeof gifts / sizeof gifts[0]; i++) {
        char receipt[32];
        snprintf(receipt, sizeof receipt, "YZJZ-2020-%04zu", i + 1);
        struct supply_line line = {gifts[i].item >= 0 ? item[gifts[i].item] : 0,
                                   gifts[i].item == THERMO ? 120 : 0, gifts[i].packs};
        struct supply_donation_input d = {0};
        d.donor_id = donor[gifts[i].donor];
        d.receipt_no = receipt;
        d.donated_on = gifts[i].date;
        d.receiving_unit = "永州市红十字会";
        d.warehouse_id = gifts[i].item >= 0 ? wh[0] : 0;
        d.account_id = gifts[i].fen ? donated : 0;
        d.money_fen = gifts[i].fen;
        d.nlines = gifts[i].item >= 0;
        d.lines = &line;
        int64_t id;
        DEMO(supply_donation_create(s, who, &d, &id, err));
    }
    /* A purchase of disinfectant, transfers to the county stores, allocations. */
    struct supply_line bleach = {item[BLEACH], 3000, 0};
    struct supply_op_input op = {0};
    op.kind = "receive";
    op.op_date = "2020-01-26";
    op.warehouse_id = wh[0];
    op.nlines = 1;
    op.lines = &bleach;
    int64_t id;
    DEMO(supply_op_create(s, who, &op, &id, err));
    for (int i = 1; i < nwh; i++) {
        struct supply_line moved[2] = {{item[N95], 0, 10}, {item[ALCOHOL], 0, 2}};
        struct supply_op_input t = {0};
        t.kind = "transfer";
        t.op_date = "2020-02-01";
        t.warehouse_id = wh[0];
        t.to_warehouse_id = wh[i];
        t.nlines = 2;
        t.lines = moved;
        DEMO(supply_op_create(s, who, &t, &id, err));
        DEMO(supply_threshold_set(s, who, wh[i], item[N95], 300, err));
        struct supply_line given = {item[N95], 260, 0};
        struct supply_op_input a = {0};
        char county[7];
        snprintf(county, sizeof county, "%.6s", grids[i]);
        a.kind = "allocate";
        a.op_date = "2020-02-03";
        a.warehouse_id = wh[i];
        a.recipient_kind = i % 2 ? "hospital" : "checkpoint";
        a.recipient_region = county;
        a.recipient_name = i % 2 ? "县人民医院(定点医院)" : "高速路口卡口";
        a.nlines = 1;
        a.lines = &given;
        DEMO(supply_op_create(s, who, &a, &id, err));
    }
    static const struct {
        int item;
        int64_t quantity;
        const char *kind, *name;
    } outs[] = {
        {N95, 4000, "hospital", "永州市中心医院(定点医院)"},
        {GOWN, 600, "hospital", "永州市中心医院(定点医院)"},
        {SURGICAL, 12000, "team", "党员突击队"},
        {BLEACH, 1200, "region", "各街道社区"},
        {THERMO, 80, "checkpoint", "各交通卡口"},
        {RICE, 2500000, "team", "志愿服务队(居家隔离户配送)"},
    };
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
        struct supply_line line = {item[outs[i].item], outs[i].quantity, 0};
        struct supply_op_input a = {0};
        a.kind = "allocate";
        a.op_date = "2020-02-06";
        a.warehouse_id = wh[0];
        a.recipient_kind = outs[i].kind;
        a.recipient_region = city;
        a.recipient_name = outs[i].name;
        a.nlines = 1;
        a.lines = &line;
        DEMO(supply_op_create(s, who, &a, &id, err));
    }
    DEMO(supply_threshold_set(s, who, wh[0], item[N95], 5000, err));
    /* An open request from a hospital, half fulfilled. */
    struct supply_line asked[2] = {{item[GOWN], 400, 0}, {item[N95], 2000, 0}};
    struct supply_request_input rq = {
        "hospital", city, "永州市中心医院(定点医院)", NULL, "发热门诊扩容", 2, asked};
    int64_t request;
    DEMO(supply_request_create(s, who, &rq, &request, err));
    struct supply_line part = {item[GOWN], 200, 0};
    DEMO(supply_request_fulfil(s, who, request, wh[0], 1, &part, NULL, &id, err));
    /* Special party fees in and out. */
    static const struct {
        const char *direction;
        int64_t fen;
        const char *purpose, *date;
    } fees[] = {
        {"in", 20000000, "上级拨付专项党费", "2020-01-28"},
        {"out", 3000000, "慰问战斗在防控一线的党员和群众", "2020-02-04"},
        {"out", 1500000, "为临时党支部购买防护物资", "2020-02-10"},
    };
    for (size_t i = 0; i < sizeof fees / sizeof fees[0]; i++) {
        struct fund_entry_input f = {party_fee,
                                     fees[i].direction,
                                     fees[i].fen,
                                     fees[i].purpose,
                                     "市委组织部部长",
                                     fees[i].date,
                                     0,
                                     NULL,
                                     NULL};
        DEMO(fund_entry_add(s, who, &f, &id, err));
    }
    return 0;
}
#undef DEMO
