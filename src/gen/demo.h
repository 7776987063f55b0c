/*
 * demo.h -- the deterministic synthetic city behind `epigrid demo`.
 *
 * The real 永州市 (4311) on the national division tree built into the binary
 * (core/division.h, 2023 edition): its 11 county-level divisions, 193
 * townships and 3,303 villages/communities with their real codes and names,
 * exactly the regions `epigrid init --city 4311` loads (without the
 * functional zones).  Under them everything is synthetic and drawn from a
 * seeded PRNG: grids with plausible names, households with addresses and
 * persons with valid national ID numbers.  The same seed and scale give
 * byte-identical rows (timestamps are fixed to DEMO_CREATED_AT, not the wall
 * clock).  Every real village exists at every scale; grids and people go only
 * where the scale puts them (every village from --scale 0.3 on; below, a
 * weighted draw of villages, one grid each).  The places the
 * reference story names always have people, at their real codes:
 *   东安县白牙市镇茶亭社区 雍景园小区     DEMO_CODE_YONGJINGYUAN, exactly 1,183 households
 *   道县梅花镇贵头村                      DEMO_CODE_GUITOU
 * If the table lacks one of them (or names it otherwise) the demo refuses to
 * run and names the place (demo_places_check).
 *
 * Demo users: one per role at the city, 东安县 and 白牙市镇 levels, plus grid
 * workers for three grids (雍景园小区, 贵头村 and one in 新田县), all with the password
 * DEMO_PASSWORD (documented in the README and printed by scripts/print-logins).  It is a well-known
 * password: a demo database must never hold real data.
 *
 * Ownership: nothing is allocated for the caller; options are borrowed.
 */
#ifndef EPIGRID_GEN_DEMO_H
#define EPIGRID_GEN_DEMO_H
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/error.h"

#define DEMO_PASSWORD      "Demo-2026" /* every demo user's password */
#define DEMO_SCALE_DEFAULT 0.01        /* ~15,000 households, ~54,000 persons */
#define DEMO_SCALE_MAX     10.0
#define DEMO_SEED_DEFAULT  1

/* Ages are reckoned at the day the city started its level-I response; rows
 * carry this creation time so that two runs are byte-identical. */
#define DEMO_REFERENCE_DATE "2020-01-24"
#define DEMO_CREATED_AT     "2020-01-24T08:00:00+08:00"

/* The story's places (seed/000_91ebf7e82e32dfce.txt) at their real codes
 * (the grid is synthetic: the first grid of 茶亭社区). */
#define DEMO_CODE_CITY               "4311"            /* 永州市 */
#define DEMO_CODE_DONGAN             "431122"          /* 东安县 */
#define DEMO_CODE_BAIYASHI           "431122100"       /* 白牙市镇 */
#define DEMO_CODE_CHATING            "431122100013"    /* 茶亭社区 */
#define DEMO_CODE_YONGJINGYUAN       "431122100013001" /* 雍景园小区 */
#define DEMO_CODE_DAOXIAN            "431124"          /* 道县 */
#define DEMO_CODE_MEIHUA             "431124101"       /* 梅花镇 */
#define DEMO_CODE_GUITOU             "431124101213"    /* 贵头村 */
#define DEMO_CODE_XINTIAN            "431128"          /* 新田县 */
#define DEMO_YONGJINGYUAN_HOUSEHOLDS 1183

/* Counts of what was generated (also passed to the progress callback);
 * townships and villages count the table's regions written, including those
 * that existed already. */
struct demo_stats {
    int64_t counties;   /* county-level divisions done so far (of 11) */
    int64_t townships;  /* 乡/镇/街道 */
    int64_t villages;   /* 村/社区 */
    int64_t grids;      /* 网格 */
    int64_t households; /* 户 */
    int64_t persons;    /* 人 */
};

/* Called after each county with its code and name and the running totals,
 * and once per later stage ("indexes", "counters") with county_code "". */
typedef void (*demo_progress_fn)(const char *stage, const char *county_code,
                                 const char *county_name, const struct demo_stats *so_far,
                                 void *ctx);

struct demo_options {
    double scale;              /* (0, DEMO_SCALE_MAX]; 1.0 = Yongzhou's size */
    uint64_t seed;             /* PRNG seed */
    demo_progress_fn progress; /* may be NULL */
    void *progress_ctx;        /* passed to progress */
};

/* Generates the city into "s" (opened with STORE_OPEN_BULK for speed) in one
 * transaction, then rebuilds the "households" and "persons" roll-up counters.
 * Refuses with -EP_ECONFLICT, writing nothing, when the database already has
 * households or persons.  Regions that already exist (the city from `epigrid
 * init --city 4311`) are kept.  -EP_EINVAL (field "scale") for a scale out of
 * range; -EP_ENOTFOUND, writing nothing, when the division table lacks a
 * story place or its counties are not the demo's 11.  Fills *out (may be
 * NULL) with the totals. */
int demo_city_generate(struct store *s, const struct demo_options *opt, struct demo_stats *out,
                       struct ep_error *err);

/* A place of the division table the demo relies on. */
struct demo_place {
    const char *code; /* 4, 6, 9 or 12 digits */
    const char *name; /* its name in the table */
};

/* The story's places and counties (DEMO_CODE_* but the grid) with their
 * names, terminated by an entry with code NULL. */
const struct demo_place *demo_story_places(void);

/* 0 if the built-in division table has every place of "places" (terminated
 * by code NULL) under its name; else -EP_ENOTFOUND naming the first place
 * missing or named otherwise.  demo_city_generate() runs it on
 * demo_story_places() before it writes anything. */
int demo_places_check(const struct demo_place *places, struct ep_error *err);

/* One demo login.  The scope of a grid worker whose scope_prefix is not a
 * grid is the first grid under that prefix. */
struct demo_user {
    const char *username;     /* e.g. "commander_dongan" */
    const char *role;         /* auth_role_name() */
    const char *scope_prefix; /* region code, or a prefix for the first grid under it */
    const char *display_name; /* shown in the page header */
};

/* The demo users, terminated by an entry with username NULL. */
const struct demo_user *demo_users_table(void);

/* Creates the demo users with auth_user_create() (creator NULL: the CLI
 * identity, audited) and DEMO_PASSWORD.  Usernames that already exist are
 * skipped.  Needs the regions of demo_city_generate().  Stores the number
 * created in *created (may be NULL).  Each user costs one argon2id hash
 * (~0.1 s). */
int demo_users_create(struct store *s, int *created, struct ep_error *err);

#endif
