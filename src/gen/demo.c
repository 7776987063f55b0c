/*
 * demo.c -- the demo 永州市 of `epigrid demo` on the real division tree (see demo.h).
 *
 * This is the seeding path: it writes regions, households and persons with
 * its own prepared INSERT statements instead of region_create(),
 * household_insert() and person_insert().  Those validate every row with
 * lookups (parent exists, household exists, grid exists) and would cost more
 * than the insert itself; here every row is valid by construction and the
 * unit test (tests/unit/core/test_demo.c) proves it: every ID number passes
 * idcheck_id_number(), every person's grid exists, the counters agree.
 *
 * The counties, townships and villages are the real ones, read from the
 * national division table (core/division.h) before anything is written; the
 * story's places are checked there (demo_places_check).
 *
 * Shape of the work, one transaction, two threads:
 *   generator thread: for each county (in code order, one PRNG stream each)
 *     plan its grids (which villages get how many, how many households
 *     each), walk its real townships and villages in code order producing
 *     regions, grids, households and their members into a batch, sort its
 *     persons into persons.id order, and hand the batch over (see "batches")
 *   writer (the caller's thread, the only one touching the store): drop the
 *     persons indexes, store each batch as it comes, build the indexes again
 *     (see "persons indexes"), rebuild the roll-up counters with
 *     counter_rebuild(), commit
 * then ANALYZE (bounded) so that the planner knows the table sizes.  SQLite
 * connection settings for the load are in "connection settings".
 *
 * Determinism: xoshiro256** seeded by splitmix64 from (seed, county code),
 * drawn only by the generator thread in a fixed order; rows carry explicit
 * ids and a fixed creation time (DEMO_CREATED_AT), so the same seed, scale
 * and schema give the same rows byte for byte.
 */
#include "gen/demo.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/auth.h"
#include "core/counter.h"
#include "core/division.h"
#include "core/region.h"
#include "util/idcheck.h"
#include "util/timeutil.h"

/* ---- PRNG: splitmix64 to seed, xoshiro256** to draw ------------------------ */

struct rng {
    uint64_t s[4]; /* xoshiro256** state, never all zero */
};

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Seeds an independent stream for ("seed", "stream"). */
static void rng_seed(struct rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n) (multiply-shift; the bias for n < 2^20 is below 2^-12). */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi]. */
static int rng_range(struct rng *r, int lo, int hi)
{
    return lo + (int)rng_below(r, (uint32_t)(hi - lo + 1));
}

/* Uniform in [0, 1). */
static double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* 1 with probability "percent" / 100. */
static int rng_percent(struct rng *r, int percent)
{
    return (int)rng_below(r, 100) < percent;
}

#define PICK(r, table) ((table)[rng_below((r), sizeof(table) / sizeof((table)[0]))])

/* ---- the city --------------------------------------------------------------- */

/* The 11 county-level divisions in code order, as the division table has
 * them (checked: a table with other counties stops the demo), with their
 * grids at scale 1.0 (13,000 in all) and their registered population in 万
 * (643 in all), which weights households.  Townships and villages are the
 * table's. */
static const struct county {
    const char *code;    /* GB/T 2260 */
    const char *id_code; /* first six digits on its natives' ID numbers */
    int grids;           /* at scale 1.0 */
    int population;      /* 万人 */
    int yao_surnames;    /* 1: Yao surnames are common (江华瑶族自治县) */
} counties[] = {
    {"431102", "431102", 1294, 64, 0}, /* 零陵区 */
    {"431103", "431103", 1092, 54, 0}, /* 冷水滩区 */
    {"431122", "431122", 1334, 66, 0}, /* 东安县 */
    {"431123", "431123", 404, 20, 0},  /* 双牌县 */
    {"431124", "431124", 1617, 80, 0}, /* 道县 */
    {"431125", "431125", 566, 28, 0},  /* 江永县 */
    {"431126", "431126", 1779, 88, 0}, /* 宁远县 */
    {"431127", "431127", 829, 41, 0},  /* 蓝山县 */
    {"431128", "431128", 849, 42, 0},  /* 新田县 */
    {"431129", "431129", 1073, 53, 1}, /* 江华瑶族自治县 */
    /* 祁阳县 (431121) became 祁阳市 (431181) in 2021: ID numbers keep the old code. */
    {"431181", "431121", 2163, 107, 0}, /* 祁阳市 */
};
#define NCOUNTIES           ((int)(sizeof counties / sizeof counties[0]))
#define POPULATION_TOTAL    643
#define HOUSEHOLDS_AT_SCALE 1500000.0

/* Codes on ID numbers: the 11 natives' codes first (same order as counties),
 * then places elsewhere that residents came from (some no longer exist:
 * 邵东县 430521 is 邵东市 430582 since 2019). */
static const char *const id_codes[] = {
    "431102", "431103", "431122", "431123", "431124", "431125", "431126", "431127",
    "431128", "431129", "431121", "430104", "430405", "431002", "430521", "450305",
};
#define NID_CODES   ((int)(sizeof id_codes / sizeof id_codes[0]))
#define NID_NATIVES NCOUNTIES

/* ---- name tables ------------------------------------------------------------ */

/* Surnames with weights (per 10,000, national ranking, nudged towards southern
 * Hunan: 蒋, 唐, 周, 何, 邓, 欧阳 are frequent in Yongzhou). */
static const struct surname {
    const char *text;
    int weight;
} surnames[] = {
    {"李", 700}, {"王", 600}, {"张", 560}, {"刘", 540}, {"陈", 480}, {"杨", 310}, {"黄", 230},
    {"赵", 190}, {"吴", 190}, {"周", 250}, {"徐", 140}, {"孙", 110}, {"马", 100}, {"朱", 120},
    {"胡", 140}, {"郭", 100}, {"何", 150}, {"林", 90},  {"罗", 110}, {"高", 90},  {"郑", 80},
    {"梁", 70},  {"谢", 90},  {"宋", 60},  {"唐", 200}, {"许", 60},  {"韩", 50},  {"邓", 140},
    {"冯", 50},  {"曹", 60},  {"彭", 90},  {"曾", 80},  {"肖", 70},  {"田", 50},  {"董", 40},
    {"潘", 50},  {"袁", 50},  {"蔡", 50},  {"蒋", 220}, {"余", 50},  {"于", 30},  {"杜", 40},
    {"叶", 40},  {"程", 40},  {"魏", 40},  {"苏", 40},  {"吕", 30},  {"丁", 40},  {"任", 40},
    {"卢", 40},  {"姚", 40},  {"沈", 30},  {"钟", 50},  {"姜", 30},  {"谭", 60},  {"陆", 30},
    {"范", 30},  {"汪", 30},  {"廖", 50},  {"石", 40},  {"金", 20},  {"贾", 20},  {"夏", 30},
    {"付", 30},  {"方", 30},  {"邹", 40},  {"熊", 30},  {"白", 20},  {"孟", 20},  {"秦", 20},
    {"邱", 30},  {"侯", 20},  {"江", 30},  {"尹", 20},  {"段", 20},  {"雷", 40},  {"龙", 30},
    {"黎", 30},  {"陶", 20},  {"贺", 30},  {"毛", 20},  {"龚", 20},  {"邵", 20},  {"万", 20},
    {"戴", 20},  {"严", 20},  {"莫", 20},  {"向", 20},  {"汤", 20},  {"文", 30},  {"欧阳", 60},
    {"刘", 10},  {"盘", 5},   {"奉", 5},   {"左", 10},  {"柏", 5},   {"宾", 5},   {"屈", 10},
};
#define NSURNAMES ((int)(sizeof surnames / sizeof surnames[0]))
/* Yao surnames, frequent in 江华瑶族自治县. */
static const char *const yao_surnames[] = {"盘", "奉", "赵", "李", "邓", "黄", "沈", "唐"};

static const char *const given_male[] = {
    "伟", "强", "军", "勇", "杰", "涛", "明", "超", "华", "平", "刚", "辉", "建", "国", "志",
    "文", "斌", "波", "宇", "浩", "俊", "鹏", "磊", "鑫", "峰", "龙", "林", "海", "亮", "成",
    "新", "东", "春", "生", "德", "福", "荣", "永", "兵", "毅", "飞", "凯", "阳", "睿", "轩",
    "泽", "博", "宏", "云", "祥", "顺", "贵", "发", "才", "武", "金", "庆", "昌", "松", "柏",
    "树", "湘", "卫", "红", "良", "忠", "振", "兴", "旺", "军", "智", "正", "先", "光", "清",
};
static const char *const given_female[] = {
    "芳", "娟", "敏", "静", "丽", "艳", "玲", "霞", "燕", "萍", "红", "梅", "琳", "婷",
    "雪", "慧", "颖", "娜", "倩", "秀", "英", "兰", "琴", "桂", "凤", "珍", "玉", "莲",
    "花", "菊", "琼", "欣", "怡", "佳", "悦", "晶", "洁", "蓉", "薇", "瑶", "媛", "雯",
    "莉", "妍", "思", "涵", "诗", "雨", "梦", "晓", "春", "香", "云", "爱", "冬", "金",
    "月", "美", "巧", "素", "彩", "翠", "淑", "婉", "丹", "琪", "馨", "露", "小", "亚",
};

/* Place-name syllables: first and second of a two-character name. */
static const char *const place_first[] = {
    "白", "大", "小", "石", "黄", "新", "东", "西", "南", "北", "上", "下", "高", "龙", "凤", "金",
    "桃", "梅", "茶", "竹", "松", "柏", "杨", "柳", "花", "青", "清", "水", "江", "沙", "塘", "田",
    "双", "三", "五", "九", "长", "永", "太", "福", "安", "宁", "和", "兴", "富", "广", "平", "朝",
    "阳", "紫", "碧", "红", "铜", "枫", "桂", "荷", "莲", "兰", "芦", "桐", "樟", "月", "星", "湘",
    "潇", "舜", "鹿", "马", "牛", "鹤", "仙", "云", "井", "泉", "岩", "洞", "麻", "雁", "蔡", "唐",
};
static const char *const place_second[] = {
    "头", "口", "塘", "田", "山", "岭", "坪", "冲", "源", "溪", "桥", "铺", "湾", "岩", "洞", "江",
    "河", "湖", "水", "洲", "坝", "坊", "庄", "园", "林", "亭", "寨", "营", "圩", "市", "阳", "岗",
    "坡", "埠", "滩", "渡", "井", "泉", "峰", "背", "垅", "坳", "塅", "门", "关", "屋", "湄", "陂",
};
/* Two-character words of town centres: streets. */
static const char *const urban_words[] = {
    "朝阳", "向阳", "建设", "解放", "人民", "新华", "东风", "和平", "文化", "育才", "滨江", "潇湘",
    "南津", "城南", "城北", "城东", "城西", "河西", "河东", "站前", "五一", "光明", "胜利", "长丰",
    "青山", "凤凰", "梧桐", "珠山", "萍洲", "芝山", "翠竹", "九嶷", "舜德", "濂溪", "永宁", "富民",
    "兴业", "振兴", "幸福", "和谐", "康宁", "锦绣", "金源", "银杏", "桂花", "紫荆", "学府", "书院",
    "迎宾", "沿江", "湘源", "潇水", "泰安", "长安", "太平", "花园", "体育", "工业", "商贸", "新城",
};
/* Words and endings of housing-estate names (雍景园小区). */
static const char *const estate_words[] = {
    "雍景", "金桂", "阳光", "锦绣", "华庭", "翠湖", "碧水", "御景", "名都", "丽景",
    "嘉和", "怡和", "康桥", "江南", "滨江", "湘江", "潇湘", "龙城", "凤凰", "万家",
    "盛世", "东方", "香樟", "紫荆", "桃源", "柳岸", "书香", "翰林", "星城", "月湖",
    "云山", "水岸", "枫林", "荷塘", "兰亭", "梧桐", "福瑞", "瑞丰", "祥和", "新天",
    "世纪", "天誉", "润和", "金域", "丽都", "锦江", "学苑", "和园", "御龙", "景秀",
};
static const char *const estate_endings[] = {"园", "苑",   "庭",   "居",   "府",  "城",
                                             "湾", "花园", "家园", "新村", "公馆"};
static const char *const street_endings[] = {"路", "街", "巷", "大道"};
/* Mobile prefixes of the three carriers. */
static const char *const phone_prefixes[] = {
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177",
    "180", "181", "182", "183", "185", "186", "187", "188", "189", "198", "199",
};
static const char *const cn_digits[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九"};

/* ---- small string building (no snprintf on the hot path) -------------------- */

struct text {
    char b[192]; /* always NUL-terminated */
    size_t n;    /* bytes used */
};

static void text_clear(struct text *t)
{
    t->n = 0;
    t->b[0] = '\0';
}

static void text_put(struct text *t, const char *s)
{
    size_t len = strlen(s);
    if (t->n + len >= sizeof t->b)
        len = sizeof t->b - 1 - t->n;
    memcpy(t->b + t->n, s, len);
    t->n += len;
    t->b[t->n] = '\0';
}

static void text_int(struct text *t, int64_t v)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 && n < (int)sizeof digits);
    while (n > 0 && t->n + 1 < sizeof t->b)
        t->b[t->n++] = digits[--n];
    t->b[t->n] = '\0';
}

/* "out" gets v as exactly "width" digits. */
static void put_digits(char *out, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* out = parent followed by "number" as three digits (001-999). */
static void child_code(char out[REGION_CODE_MAX], const char *parent, int number)
{
    size_t n = strlen(parent);
    if (n + 3 >= REGION_CODE_MAX)
        n = REGION_CODE_MAX - 4; /* never: parents are at most 12 digits */
    memcpy(out, parent, n);
    put_digits(out + n, number, 3);
    out[n + 3] = '\0';
}

/* ---- names already used in a county (FNV-1a hashes, open addressing) --------- */

struct name_set {
    uint64_t *slots; /* 0 = empty */
    size_t mask;     /* capacity - 1, capacity a power of two */
    size_t used;
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h ? h : 1;
}

static int name_set_init(struct name_set *set, size_t expected)
{
    size_t cap = 64;
    while (cap < expected * 3)
        cap <<= 1;
    set->slots = calloc(cap, sizeof *set->slots);
    set->mask = cap - 1;
    set->used = 0;
    return set->slots ? 0 : -1;
}

/* Adds "name"; returns 0 if it was new, 1 if already there (or the set is full). */
static int name_set_add(struct name_set *set, const char *name)
{
    if (set->used * 3 >= (set->mask + 1) * 2)
        return 1; /* never happens with the sizes planned; refuse rather than loop */
    uint64_t h = fnv1a(name);
    for (size_t i = h & set->mask;; i = (i + 1) & set->mask) {
        if (set->slots[i] == h)
            return 1;
        if (set->slots[i] == 0) {
            set->slots[i] = h;
            set->used++;
            return 0;
        }
    }
}

/* ---- batches: what the generator thread hands to the writer ------------------
 *
 * The generator produces one batch per county (more when a county is larger
 * than BATCH_PERSONS): its regions, households and persons.  Households keep
 * the grid order.  Persons are numbered in one of two orders (BENCH.md, "B6
 * demo generation", has the measurements at --scale 1.0, 2 cores):
 *  - grid order on SQLite, where every persons index is dropped and built
 *    after the load (since migration 0034 the uniqueness of id_number is a
 *    named CREATE UNIQUE INDEX): 19-21 s in all on the machine where the
 *    constraint's order below took 34-37 s;
 *  - ID-number order within the batch, when an index on id_number must stay
 *    during the load (a UNIQUE column constraint's, as before migration 0034,
 *    which SQLite cannot drop): it then grows almost in order, each county's
 *    own code first; and on PostgreSQL, which drops its keys anyway. */

#define BATCH_PERSONS       1200000 /* bounds the memory of a batch (~80 MB) */
#define FIRST_BATCH_PERSONS 20000   /* the writer's first batch, ready in ~20 ms */

struct batch_region {
    char code[REGION_CODE_MAX]; /* the parent is the code's prefix */
    int level;                  /* enum region_level */
    uint32_t name;              /* offset of the name in text */
};

struct batch_household {
    int64_t id;       /* households.id */
    int32_t grid;     /* index into grids */
    int32_t head;     /* index into persons of the head (once sorted: its rank) */
    uint32_t address; /* offset of the address in text */
};

/* A person carries what the writer binds, its household's id and grid
 * included: the writer reads persons[] front to back, with no lookup into
 * households[] (random reads once the persons are sorted). */
struct batch_person {
    char id_number[18]; /* no NUL; sex and birth date are read from it */
    char phone[11];     /* no NUL; valid when has_phone */
    uint8_t has_phone;
    uint8_t name_len;
    char name[17];        /* UTF-8, NUL-terminated */
    int32_t grid;         /* index into grids */
    int64_t household_id; /* households.id */
};

struct batch {
    struct batch_region *regions; /* in code order */
    size_t nregions, cap_regions;
    char (*grids)[REGION_CODE_MAX]; /* grid codes referred to by households */
    size_t ngrids, cap_grids;
    struct batch_household *households; /* in grid order */
    size_t nhouseholds, cap_households;
    struct batch_person *persons; /* in generation order; once handed over, in persons.id order */
    size_t npersons, cap_persons;
    struct batch_person *spare; /* batch_sort()'s destination, [cap_spare] */
    size_t cap_spare;
    char *text; /* NUL-terminated names and addresses */
    size_t text_len, text_cap;
    int64_t first_person_id;  /* persons.id of persons[0] once handed over */
    int county;               /* node in the tree of the county it finishes, or -1 */
    struct demo_stats counts; /* regions and rows in this batch */
};

static void batch_free(struct batch *b)
{
    free(b->regions);
    free(b->grids);
    free(b->households);
    free(b->persons);
    free(b->spare);
    free(b->text);
    memset(b, 0, sizeof *b);
}

static void batch_reset(struct batch *b)
{
    b->nregions = b->ngrids = b->nhouseholds = b->npersons = b->text_len = 0;
    b->county = -1;
    memset(&b->counts, 0, sizeof b->counts);
}

/* Makes room for one more element of an array; returns 0 or -1 (no memory). */
static int grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t want = *cap ? *cap * 2 : 1024;
    void *p = realloc(*items, want * size);
    if (!p)
        return -1;
    *items = p;
    *cap = want;
    return 0;
}

/* Copies "s" into the batch text; returns its offset or UINT32_MAX. */
static uint32_t batch_text(struct batch *b, const char *s, size_t len)
{
    while (b->text_len + len + 1 > b->text_cap) {
        size_t want = b->text_cap ? b->text_cap * 2 : 1 << 16;
        char *p = realloc(b->text, want);
        if (!p || want > UINT32_MAX)
            return UINT32_MAX;
        b->text = p;
        b->text_cap = want;
    }
    uint32_t at = (uint32_t)b->text_len;
    memcpy(b->text + at, s, len);
    b->text[at + len] = '\0';
    b->text_len += len + 1;
    return at;
}

/* ---- the real tree: the city's divisions from the national table ---------------
 *
 * Read once, before anything is written: the city, its counties, townships
 * and villages (without functional zones, as `epigrid init --city` loads
 * them) in code order, every parent before its children. */

struct tree_node {
    char code[REGION_CODE_MAX]; /* 4, 6, 9 or 12 digits */
    int level;                  /* enum region_level, REGION_CITY .. REGION_VILLAGE */
    char name[REGION_NAME_MAX]; /* the table's name */
};

struct tree {
    struct tree_node *nodes; /* in code order, the city first */
    size_t n, cap;
};

static int tree_add(const struct division *d, void *ctx)
{
    struct tree *t = ctx;
    if (grow((void **)&t->nodes, &t->cap, t->n, sizeof *t->nodes) != 0)
        return -EP_EINTERNAL;
    struct tree_node *node = &t->nodes[t->n++];
    snprintf(node->code, sizeof node->code, "%s", d->code);
    node->level = d->level;
    snprintf(node->name, sizeof node->name, "%s", d->name);
    return 0;
}

/* Fills "t" with the divisions of DEMO_CODE_CITY. */
static int tree_load(struct tree *t, struct ep_error *err)
{
    memset(t, 0, sizeof *t);
    int rc = division_city_each(DEMO_CODE_CITY, 0, tree_add, t, err);
    if (rc == -EP_EINTERNAL && !err->code)
        return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
    return rc;
}

/* The node of "code", or NULL. */
static const struct tree_node *tree_find(const struct tree *t, const char *code)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->nodes[i].code, code) == 0)
            return &t->nodes[i];
    return NULL;
}

static int tree_places_check(const struct tree *t, const struct demo_place *places,
                             struct ep_error *err)
{
    for (const struct demo_place *p = places; p->code; p++) {
        const struct tree_node *node = tree_find(t, p->code);
        if (!node || strcmp(node->name, p->name) != 0)
            return ep_error_set(err, EP_ENOTFOUND,
                                "内置的区划代码表中没有示范城市所需的地点 %s %s%s%s",
                                "the built-in division table lacks the demo city's place %s "
                                "%s%s%s",
                                p->code, p->name, node ? " / " : "", node ? node->name : "");
    }
    return 0;
}

/* The index in counties[] of "code", or -1. */
static int county_index(const char *code)
{
    for (int i = 0; i < NCOUNTIES; i++)
        if (strcmp(counties[i].code, code) == 0)
            return i;
    return -1;
}

/* The table's counties must be counties[], no more, no fewer. */
static int tree_counties_check(const struct tree *t, struct ep_error *err)
{
    for (size_t i = 0; i < t->n; i++) {
        if (t->nodes[i].level != REGION_COUNTY)
            continue;
        if (county_index(t->nodes[i].code) < 0)
            return ep_error_set(err, EP_ENOTFOUND,
                                "区划代码表中的县区 %s %s 不在示范城市的县区表中(src/gen/demo.c)",
                                "county %s %s of the division table is not among the demo "
                                "city's counties (src/gen/demo.c)",
                                t->nodes[i].code, t->nodes[i].name);
    }
    for (int i = 0; i < NCOUNTIES; i++)
        if (!tree_find(t, counties[i].code))
            return ep_error_set(err, EP_ENOTFOUND, "内置的区划代码表中没有示范城市的县区 %s",
                                "the built-in division table lacks the demo city's county %s",
                                counties[i].code);
    return 0;
}

static const struct demo_place story_places[] = {
    {DEMO_CODE_CITY, "永州市"},
    {DEMO_CODE_DONGAN, "东安县"},
    {DEMO_CODE_BAIYASHI, "白牙市镇"},
    {DEMO_CODE_CHATING, "茶亭社区"},
    {DEMO_CODE_DAOXIAN, "道县"},
    {DEMO_CODE_MEIHUA, "梅花镇"},
    {DEMO_CODE_GUITOU, "贵头村"},
    {DEMO_CODE_XINTIAN, "新田县"},
    {NULL, NULL},
};

const struct demo_place *demo_story_places(void)
{
    return story_places;
}

int demo_places_check(const struct demo_place *places, struct ep_error *err)
{
    struct tree t;
    int rc = tree_load(&t, err);
    if (rc == 0)
        rc = tree_places_check(&t, places, err);
    free(t.nodes);
    return rc;
}

/* ---- the generator's state ---------------------------------------------------- */

enum village_kind { COMMUNITY, VILLAGE };
enum grid_kind { ESTATE, BLOCK, GROUP }; /* 小区, 第N网格, N组 */

struct pipeline;

struct gen {
    struct ep_error err; /* the generator's own error */
    const struct demo_options *opt;
    struct rng rng;                  /* the current county's stream */
    const struct tree *tree;         /* the city's real divisions */
    size_t county_node;              /* the current county's node in tree */
    const struct county *county;     /* current county */
    int county_idx;                  /* its index in counties[] */
    struct name_set names;           /* region and street names used in the county */
    int64_t ref_day;                 /* DEMO_REFERENCE_DATE as a day number */
    int64_t day_min;                 /* earliest birth day */
    int ndays;                       /* birth days covered by id_seq */
    uint16_t *id_seq;                /* [NID_CODES][ndays][2]: ID sequence numbers used */
    uint32_t surname_cum[NSURNAMES]; /* cumulative weights */
    uint32_t surname_total;
    int64_t next_household_id;
    int64_t next_person_id;
    int handovers;         /* batches handed to the writer so far */
    int by_id_number;      /* store persons in ID-number order (see batches) */
    struct batch *batch;   /* being filled */
    struct pipeline *pipe; /* where batches go */
};

static int out_of_memory(struct gen *g)
{
    return ep_error_set(&g->err, EP_EINTERNAL, "内存不足", "out of memory");
}

static int emit_region(struct gen *g, const char *code, int level, const char *name)
{
    struct batch *b = g->batch;
    if (grow((void **)&b->regions, &b->cap_regions, b->nregions, sizeof *b->regions) != 0)
        return out_of_memory(g);
    struct batch_region *r = &b->regions[b->nregions];
    snprintf(r->code, sizeof r->code, "%s", code);
    r->level = level;
    if ((r->name = batch_text(b, name, strlen(name))) == UINT32_MAX)
        return out_of_memory(g);
    b->nregions++;
    if (level == REGION_TOWNSHIP)
        b->counts.townships++;
    else if (level == REGION_VILLAGE)
        b->counts.villages++;
    else if (level == REGION_GRID)
        b->counts.grids++;
    return 0;
}

/* ---- people --------------------------------------------------------------------- */

struct member {
    int age;     /* years at the reference date, 0-95 */
    char sex;    /* 'M' or 'F' */
    int surname; /* index into surnames[], or -1 - index into yao_surnames[] */
};

static int pick_surname(struct gen *g)
{
    if (g->county->yao_surnames && rng_percent(&g->rng, 25))
        return -1 - (int)rng_below(&g->rng, sizeof yao_surnames / sizeof yao_surnames[0]);
    uint32_t x = rng_below(&g->rng, g->surname_total);
    int lo = 0, hi = NSURNAMES - 1;
    while (lo < hi) { /* first index whose cumulative weight exceeds x */
        int mid = (lo + hi) / 2;
        if (g->surname_cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static const char *surname_text(int idx)
{
    return idx >= 0 ? surnames[idx].text : yao_surnames[-1 - idx];
}

/* Age drawn from bands {lo, hi, weight}. */
struct band {
    int lo, hi, weight;
};

static int pick_age(struct rng *r, const struct band *bands, int n)
{
    int total = 0;
    for (int i = 0; i < n; i++)
        total += bands[i].weight;
    int x = (int)rng_below(r, (uint32_t)total);
    for (int i = 0; i < n; i++) {
        if (x < bands[i].weight)
            return rng_range(r, bands[i].lo, bands[i].hi);
        x -= bands[i].weight;
    }
    return bands[n - 1].hi;
}

static const struct band head_ages[] = {{22, 29, 8},  {30, 39, 20}, {40, 49, 24}, {50, 59, 24},
                                        {60, 69, 15}, {70, 79, 7},  {80, 88, 2}};
static const struct band single_ages[] = {
    {18, 29, 20}, {30, 49, 20}, {50, 64, 20}, {65, 79, 25}, {80, 95, 15}};

static int clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Household sizes 1-6, weights giving a mean of 3.61. */
static int pick_household_size(struct rng *r)
{
    static const int cum[] = {8, 24, 46, 72, 89, 100};
    int x = (int)rng_below(r, 100);
    for (int i = 0; i < 6; i++)
        if (x < cum[i])
            return i + 1;
    return 6;
}

static char other_sex(char sex)
{
    return sex == 'M' ? 'F' : 'M';
}

static char random_sex(struct rng *r)
{
    return rng_below(r, 1000) < 515 ? 'M' : 'F';
}

/* Fills m[0..size) with a plausible family, the head first.  Returns size. */
static int compose_household(struct gen *g, struct member *m)
{
    struct rng *r = &g->rng;
    int size = pick_household_size(r);
    if (size == 1) {
        m[0] = (struct member){pick_age(r, single_ages, 5), rng_percent(r, 55) ? 'M' : 'F',
                               pick_surname(g)};
        return 1;
    }
    int a = pick_age(r, head_ages, 7);
    char head_sex = rng_percent(r, 85) ? 'M' : 'F';
    m[0] = (struct member){a, head_sex, pick_surname(g)};
    int spouse_age = clamp(a + (head_sex == 'M' ? -2 : 2) + rng_range(r, -4, 4), 20, 95);
    m[1] = (struct member){spouse_age, other_sex(head_sex), pick_surname(g)};
    int family = head_sex == 'M' ? m[0].surname : m[1].surname;
    int n = 2;
    if (a < 50) {
        /* Young family: the head's parents when the household is big, children. */
        int parents = size >= 5 ? rng_range(r, 1, 2) : 0;
        int pa = a + rng_range(r, 24, 32);
        if (pa > 95)
            parents = 0;
        for (int i = 0; i < parents && n < size; i++) {
            char sex = i == 0 ? (rng_percent(r, 50) ? 'M' : 'F') : other_sex(m[n - 1].sex);
            int surname = sex == 'M' && head_sex == 'M' ? m[0].surname : pick_surname(g);
            m[n++] = (struct member){clamp(pa + rng_range(r, -3, 3), 0, 95), sex, surname};
        }
        while (n < size) {
            int hi = a - 21 < 0 ? 0 : a - 21;
            int lo = a - 40 < 0 ? 0 : a - 40;
            m[n++] = (struct member){rng_range(r, lo, hi), random_sex(r), family};
        }
        return n;
    }
    /* Older head: a grown child, the child's spouse, grandchildren. */
    if (n == size)
        return n;
    int ca = clamp(a - rng_range(r, 22, 34), 0, 95);
    char cs = random_sex(r);
    m[n++] = (struct member){ca, cs, family};
    int grand = family;
    if (n < size) {
        int in_law = pick_surname(g);
        m[n++] = (struct member){clamp(ca + rng_range(r, -3, 3), 18, 95), other_sex(cs), in_law};
        if (cs == 'F')
            grand = in_law;
    }
    while (n < size) {
        int hi = ca - 20 < 0 ? 0 : (ca - 20 > 18 ? 18 : ca - 20);
        m[n++] = (struct member){rng_range(r, 0, hi), random_sex(r), grand};
    }
    return n;
}

static void person_name(struct gen *g, const struct member *m, struct text *out)
{
    struct rng *r = &g->rng;
    text_clear(out);
    text_put(out, surname_text(m->surname));
    int two = !rng_percent(r, 30);
    if (m->sex == 'M') {
        text_put(out, PICK(r, given_male));
        if (two)
            text_put(out, PICK(r, given_male));
    } else {
        text_put(out, PICK(r, given_female));
        if (two)
            text_put(out, PICK(r, given_female));
    }
}

/* Writes an 18-character ID number and the "YYYY-MM-DD" birth date for "m",
 * unique across the run: (code, birth day, sex) has 500 sequence numbers. */
static void person_id_number(struct gen *g, const struct member *m, char id[19], char birth[11])
{
    struct rng *r = &g->rng;
    int code;
    int x = (int)rng_below(r, 100);
    if (x < 94)
        code = g->county_idx; /* born here */
    else if (x < 99)
        code = (int)rng_below(r, NID_NATIVES); /* from another county of the city */
    else
        code = NID_NATIVES + (int)rng_below(r, NID_CODES - NID_NATIVES);
    int64_t day = g->ref_day - (int64_t)(m->age * 365.2425) - 1 - rng_below(r, 365);
    if (day < g->day_min)
        day = g->day_min;
    int sex = m->sex == 'M';
    uint16_t *seq;
    for (;;) {
        seq = &g->id_seq[((size_t)code * (size_t)g->ndays + (size_t)(day - g->day_min)) * 2 +
                         (size_t)sex];
        if (*seq < 500)
            break;
        /* This day is full for this code and sex: the next one. */
        day = day + 1 < g->ref_day ? day + 1 : g->day_min;
    }
    /* Spread the sequence numbers over 000-999 with the sex parity in the last digit. */
    int k = (int)((*seq + (uint64_t)(day * 31 + code * 7)) % 500);
    (*seq)++;
    int year, month, mday;
    time_civil_from_days(day, &year, &month, &mday);
    memcpy(id, id_codes[code], 6);
    put_digits(id + 6, year, 4);
    put_digits(id + 10, month, 2);
    put_digits(id + 12, mday, 2);
    put_digits(id + 14, k * 2 + sex, 3);
    id[17] = idcheck_check_char(id);
    id[18] = '\0';
    memcpy(birth, id + 6, 4);
    birth[4] = '-';
    memcpy(birth + 5, id + 10, 2);
    birth[7] = '-';
    memcpy(birth + 8, id + 12, 2);
    birth[10] = '\0';
}

/* A mobile for most adults; returns 0 when the person has none. */
static int person_phone(struct gen *g, const struct member *m, char phone[12])
{
    int percent = m->age < 14 ? 0 : m->age < 18 ? 40 : m->age < 70 ? 92 : m->age < 80 ? 60 : 30;
    if (!rng_percent(&g->rng, percent))
        return 0;
    memcpy(phone, PICK(&g->rng, phone_prefixes), 3);
    put_digits(phone + 3, rng_below(&g->rng, 100000000), 8);
    phone[11] = '\0';
    return 1;
}

/* ---- households of one grid -------------------------------------------------- */

struct grid_plan {
    char code[REGION_CODE_MAX];
    struct text name;   /* region name */
    int kind;           /* enum grid_kind */
    struct text prefix; /* address prefix: "雍景园小区", "建设路", "贵头村5组" */
    int64_t households; /* how many to generate */
};

/* Address of household "i" (0-based) of grid "gp"; "layout" and "house" are
 * per-grid state initialised by the caller (floors*units*2 flats a building;
 * the running house number). */
static void household_address(struct gen *g, const struct grid_plan *gp, int64_t i,
                              const int layout[2], int64_t *house, struct text *out)
{
    *out = gp->prefix;
    if (gp->kind == ESTATE) {
        int floors = layout[0], units = layout[1];
        int64_t per_building = (int64_t)floors * units * 2;
        int64_t j = i % per_building;
        text_int(out, i / per_building + 1);
        text_put(out, "栋");
        text_int(out, j / (floors * 2) + 1);
        text_put(out, "单元");
        int64_t k = j % (floors * 2);
        text_int(out, (k / 2 + 1) * 100 + k % 2 + 1);
        return;
    }
    *house += 1 + (rng_percent(&g->rng, 20) ? 1 : 0); /* numbers skip now and then */
    text_int(out, *house);
    text_put(out, "号");
}

static int generate_grid_households(struct gen *g, const struct grid_plan *gp)
{
    struct batch *b = g->batch;
    if (grow((void **)&b->grids, &b->cap_grids, b->ngrids, sizeof *b->grids) != 0)
        return out_of_memory(g);
    memcpy(b->grids[b->ngrids], gp->code, sizeof gp->code);
    int32_t grid = (int32_t)b->ngrids++;
    int layout[2] = {rng_range(&g->rng, 6, 18), rng_range(&g->rng, 1, 3)};
    int64_t house = 0;
    struct member m[8];
    struct text address, name;
    char birth[11];
    for (int64_t i = 0; i < gp->households; i++) {
        int n = compose_household(g, m);
        household_address(g, gp, i, layout, &house, &address);
        if (grow((void **)&b->households, &b->cap_households, b->nhouseholds,
                 sizeof *b->households) != 0)
            return out_of_memory(g);
        struct batch_household *h = &b->households[b->nhouseholds];
        h->id = g->next_household_id++;
        h->grid = grid;
        h->head = (int32_t)b->npersons;
        if ((h->address = batch_text(b, address.b, address.n)) == UINT32_MAX)
            return out_of_memory(g);
        for (int j = 0; j < n; j++) {
            if (grow((void **)&b->persons, &b->cap_persons, b->npersons, sizeof *b->persons) != 0)
                return out_of_memory(g);
            struct batch_person *p = &b->persons[b->npersons++];
            person_name(g, &m[j], &name);
            char id[19], phone[12];
            person_id_number(g, &m[j], id, birth);
            memcpy(p->id_number, id, 18);
            p->has_phone = (uint8_t)person_phone(g, &m[j], phone);
            if (p->has_phone)
                memcpy(p->phone, phone, 11);
            p->name_len = (uint8_t)(name.n < sizeof p->name ? name.n : sizeof p->name - 1);
            memcpy(p->name, name.b, p->name_len);
            p->name[p->name_len] = '\0';
            p->grid = grid;
            p->household_id = h->id;
        }
        b->nhouseholds++;
        b->counts.persons += n;
    }
    b->counts.households += gp->households;
    return 0;
}

/* ---- names of places ------------------------------------------------------------ */

/* Draws names with "make" until one is new in the county; after many
 * collisions (large scales) adds a third syllable, then a phase "二期". */
typedef void (*name_maker)(struct gen *g, struct text *out, int attempt);

static void unique_name(struct gen *g, name_maker make, struct text *out)
{
    for (int attempt = 0; attempt < 60; attempt++) {
        make(g, out, attempt);
        if (name_set_add(&g->names, out->b) == 0)
            return;
    }
    struct text base = *out;
    for (int phase = 2;; phase++) {
        *out = base;
        text_int(out, phase);
        text_put(out, "期");
        if (name_set_add(&g->names, out->b) == 0 || phase > 100000)
            return;
    }
}

/* Two place syllables, three after 30 failed attempts. */
static void place_stem(struct gen *g, struct text *out, int attempt)
{
    struct rng *r = &g->rng;
    const char *a = PICK(r, place_first), *b = PICK(r, place_second);
    text_put(out, a);
    if (attempt >= 30)
        text_put(out, PICK(r, place_first));
    text_put(out, b);
}

static void make_estate(struct gen *g, struct text *out, int attempt)
{
    text_clear(out);
    if (attempt < 20)
        text_put(out, PICK(&g->rng, estate_words));
    else
        place_stem(g, out, attempt);
    text_put(out, PICK(&g->rng, estate_endings));
    text_put(out, "小区");
}

static void make_street(struct gen *g, struct text *out, int attempt)
{
    text_clear(out);
    if (attempt < 20)
        text_put(out, PICK(&g->rng, urban_words));
    else
        place_stem(g, out, attempt);
    text_put(out, PICK(&g->rng, street_endings));
}

/* ---- planning a county ------------------------------------------------------------- */

/* Splits "total" into n[0..count) with at least one each, the rest in
 * proportion to w[]; bins with weight 0 get nothing.  "total" >= the number
 * of bins with weight > 0. */
static void split(struct rng *r, int64_t total, int count, const double *w, int64_t *n)
{
    double sum = 0;
    int active = 0;
    memset(n, 0, (size_t)count * sizeof *n);
    for (int i = 0; i < count; i++)
        if (w[i] > 0) {
            sum += w[i];
            active++;
        }
    if (active == 0)
        return;
    int64_t rest = total - active, given = 0;
    for (int i = 0; i < count; i++) {
        n[i] = w[i] > 0 ? 1 + (int64_t)floor((double)rest * w[i] / sum) : 0;
        given += n[i];
    }
    while (given < total) { /* rounding leftovers (fewer than "count") */
        int i = (int)rng_below(r, (uint32_t)count);
        if (w[i] > 0) {
            n[i]++;
            given++;
        }
    }
}

static int64_t scaled(double base, double scale, int64_t minimum)
{
    int64_t v = llround(base * scale);
    return v < minimum ? minimum : v;
}

/* The kind of a real village by its name: 村 are villages; 社区, 居委会 and the
 * living quarters of state farms (生活区) are communities. */
static int village_kind_of(const char *name)
{
    size_t n = strlen(name), suffix = strlen("村");
    return n >= suffix && strcmp(name + n - suffix, "村") == 0 ? VILLAGE : COMMUNITY;
}

/* Keeps the weights of "count" of the "n" villages, drawn by weight without
 * replacement ("forced" first when >= 0), and sets the others' to 0.
 * Returns 0 or -1 (no memory). */
static int hosts_choose(struct rng *r, int64_t count, int64_t n, double *w, int64_t forced)
{
    char *chosen = calloc((size_t)n, 1);
    if (!chosen)
        return -1;
    int64_t k = 0;
    if (forced >= 0) {
        chosen[forced] = 1;
        k++;
    }
    for (; k < count; k++) {
        double sum = 0;
        for (int64_t i = 0; i < n; i++)
            if (!chosen[i])
                sum += w[i];
        double x = rng_unit(r) * sum;
        int64_t pick = -1;
        for (int64_t i = 0; i < n; i++) {
            if (chosen[i])
                continue;
            pick = i; /* the last one left when rounding ran past the sum */
            if (x < w[i])
                break;
            x -= w[i];
        }
        chosen[pick] = 1;
    }
    for (int64_t i = 0; i < n; i++)
        if (!chosen[i])
            w[i] = 0;
    free(chosen);
    return 0;
}

struct county_plan {
    size_t first, end; /* the county's townships and villages: tree nodes [first, end) */
    int64_t villages, grids, households;
    int64_t *grids_of;      /* [villages], in code order; 0: no grid, no people */
    int *grid_kind;         /* [grids] */
    int64_t *households_of; /* [grids] */
    double *weights;        /* scratch, [max(villages, grids)] */
};

static void county_plan_free(struct county_plan *p)
{
    free(p->grids_of);
    free(p->grid_kind);
    free(p->households_of);
    free(p->weights);
}

static int county_plan_make(struct gen *g, struct county_plan *p)
{
    const struct county *c = g->county;
    const struct tree *t = g->tree;
    double scale = g->opt->scale;
    struct rng *r = &g->rng;
    int dongan = strcmp(c->code, DEMO_CODE_DONGAN) == 0;
    memset(p, 0, sizeof *p);
    p->first = p->end = g->county_node + 1;
    for (; p->end < t->n && t->nodes[p->end].level > REGION_COUNTY; p->end++)
        p->villages += t->nodes[p->end].level == REGION_VILLAGE;
    if (p->villages == 0)
        return ep_error_set(&g->err, EP_ENOTFOUND, "区划代码表中县区 %s 下没有村(社区)",
                            "the division table has no village under county %s", c->code);
    p->grids = scaled(c->grids, scale, 1);
    p->households = scaled(HOUSEHOLDS_AT_SCALE * c->population / POPULATION_TOTAL, scale, p->grids);
    if (dongan && p->households < DEMO_YONGJINGYUAN_HOUSEHOLDS + p->grids - 1)
        p->households = DEMO_YONGJINGYUAN_HOUSEHOLDS + p->grids - 1;
    int64_t most = p->grids > p->villages ? p->grids : p->villages;
    p->grids_of = calloc((size_t)p->villages, sizeof *p->grids_of);
    p->grid_kind = calloc((size_t)p->grids, sizeof *p->grid_kind);
    p->households_of = calloc((size_t)p->grids, sizeof *p->households_of);
    p->weights = calloc((size_t)most, sizeof *p->weights);
    if (!p->grids_of || !p->grid_kind || !p->households_of || !p->weights)
        return out_of_memory(g);

    /* Grids over villages, communities weigh more; below one grid per village
     * only some villages have grids, the story's village always. */
    int64_t v = 0, story_village = -1;
    for (size_t i = p->first; i < p->end; i++) {
        const struct tree_node *node = &t->nodes[i];
        if (node->level != REGION_VILLAGE)
            continue;
        if (strcmp(node->code, DEMO_CODE_CHATING) == 0 || strcmp(node->code, DEMO_CODE_GUITOU) == 0)
            story_village = v;
        p->weights[v++] =
            (village_kind_of(node->name) == COMMUNITY ? 2.5 : 1.0) * (0.6 + 0.8 * rng_unit(r));
    }
    if (p->grids < p->villages &&
        hosts_choose(r, p->grids, p->villages, p->weights, story_village) != 0)
        return out_of_memory(g);
    split(r, p->grids, (int)p->villages, p->weights, p->grids_of);

    /* Grid kinds: estates and blocks in communities, 组 in villages. */
    int64_t gi = 0, story_grid = -1;
    v = 0;
    for (size_t i = p->first; i < p->end; i++) {
        const struct tree_node *node = &t->nodes[i];
        if (node->level != REGION_VILLAGE)
            continue;
        int village = village_kind_of(node->name) == VILLAGE;
        if (dongan && strcmp(node->code, DEMO_CODE_CHATING) == 0)
            story_grid = gi; /* 雍景园小区 is the first grid of 茶亭社区 */
        for (int64_t k = 0; k < p->grids_of[v]; k++, gi++) {
            int kind = village ? GROUP : rng_percent(r, 60) ? ESTATE : BLOCK;
            p->grid_kind[gi] = kind;
            p->weights[gi] = (kind == ESTATE  ? 3.0
                              : kind == BLOCK ? 2.0
                                              : 1.0) *
                             (0.5 + rng_unit(r));
        }
        v++;
    }
    /* 雍景园小区 gets exactly 1,183 households, the others share the rest. */
    if (story_grid >= 0) {
        p->grid_kind[story_grid] = ESTATE;
        p->weights[story_grid] = 0;
    }
    split(r, p->households - (story_grid >= 0 ? DEMO_YONGJINGYUAN_HOUSEHOLDS : 0), (int)p->grids,
          p->weights, p->households_of);
    if (story_grid >= 0)
        p->households_of[story_grid] = DEMO_YONGJINGYUAN_HOUSEHOLDS;
    return 0;
}

/* ---- the pipeline between the generator thread and the writer ----------------
 *
 * Two batches: the generator fills one while the writer stores the other.
 * All randomness stays in the generator thread, in a fixed order, so the
 * threads change when rows are written, never what is written. */

enum { SLOT_FREE, SLOT_FILLING, SLOT_READY };

struct pipeline {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct batch slots[2];
    int state[2];  /* SLOT_* */
    int filling;   /* slot the generator fills */
    int finished;  /* the generator has stopped */
    int failed;    /* ... on an error (in gen.err) */
    int cancelled; /* the writer has stopped: the generator must stop too */
};

struct sort_key {
    char id_number[18];
    uint32_t person;
};

static int sort_key_cmp(const void *a, const void *b)
{
    return memcmp(a, b, 18);
}

/* Puts the batch's persons in the order of their persons.id: by ID number,
 * or as generated (grid order) when "by_id_number" is 0; the households'
 * heads follow.  Runs in the generator thread, so that the writer reads
 * persons[] in sequence. */
static int batch_sort(struct batch *b, int by_id_number)
{
    if (!by_id_number || b->npersons < 2)
        return 0;
    if (b->cap_spare < b->cap_persons) {
        free(b->spare);
        b->spare = malloc(b->cap_persons * sizeof *b->spare);
        b->cap_spare = b->spare ? b->cap_persons : 0;
        if (!b->spare)
            return -1;
    }
    struct sort_key *keys = malloc(b->npersons * sizeof *keys);
    uint32_t *rank = malloc(b->npersons * sizeof *rank);
    if (!keys || !rank) {
        free(keys);
        free(rank);
        return -1;
    }
    for (size_t i = 0; i < b->npersons; i++) {
        memcpy(keys[i].id_number, b->persons[i].id_number, 18);
        keys[i].person = (uint32_t)i;
    }
    qsort(keys, b->npersons, sizeof *keys, sort_key_cmp);
    for (size_t k = 0; k < b->npersons; k++) {
        b->spare[k] = b->persons[keys[k].person];
        rank[keys[k].person] = (uint32_t)k;
    }
    for (size_t i = 0; i < b->nhouseholds; i++)
        b->households[i].head = (int32_t)rank[b->households[i].head];
    struct batch_person *sorted = b->spare;
    size_t cap = b->cap_spare;
    b->spare = b->persons;
    b->cap_spare = b->cap_persons;
    b->persons = sorted;
    b->cap_persons = cap;
    free(keys);
    free(rank);
    return 0;
}

/* Hands the batch being filled to the writer ("county": the tree node of the
 * county it completes, or -1) and waits for an empty one. */
static int batch_handover(struct gen *g, int county)
{
    struct batch *b = g->batch;
    if (batch_sort(b, g->by_id_number) != 0)
        return out_of_memory(g);
    b->first_person_id = g->next_person_id;
    g->next_person_id += (int64_t)b->npersons;
    b->county = county;
    g->handovers++;
    struct pipeline *pl = g->pipe;
    pthread_mutex_lock(&pl->mu);
    pl->state[pl->filling] = SLOT_READY;
    pl->filling ^= 1;
    pthread_cond_broadcast(&pl->cv);
    while (pl->state[pl->filling] != SLOT_FREE && !pl->cancelled)
        pthread_cond_wait(&pl->cv, &pl->mu);
    int cancelled = pl->cancelled;
    if (!cancelled)
        pl->state[pl->filling] = SLOT_FILLING;
    pthread_mutex_unlock(&pl->mu);
    if (cancelled)
        return ep_error_set(&g->err, EP_EINTERNAL, "已取消", "cancelled");
    g->batch = &pl->slots[pl->filling];
    batch_reset(g->batch);
    return 0;
}

/* ---- walking a county in code order --------------------------------------------- */

static int generate_county(struct gen *g)
{
    const struct tree *t = g->tree;
    struct county_plan p;
    int rc = county_plan_make(g, &p);
    if (rc != 0)
        goto out;
    rc = -EP_EINTERNAL;
    if (name_set_init(&g->names, (p.end - g->county_node) + (size_t)(2 * p.grids) + 16) != 0) {
        rc = out_of_memory(g);
        goto out;
    }
    /* The real names and the story's grid are taken before any synthetic
     * name is drawn: no estate or street repeats them. */
    name_set_add(&g->names, "雍景园小区");
    for (size_t i = g->county_node; i < p.end; i++)
        name_set_add(&g->names, t->nodes[i].name);
    const struct tree_node *county = &t->nodes[g->county_node];
    if ((rc = emit_region(g, county->code, REGION_COUNTY, county->name)) != 0)
        goto out;

    int64_t v = 0, gi = 0;
    for (size_t i = p.first; i < p.end; i++) {
        const struct tree_node *node = &t->nodes[i];
        if (node->level == REGION_TOWNSHIP) {
            /* A very large county goes in several batches, cut between
             * townships; the first batch is cut early so that the writer
             * starts at once. */
            size_t cut = g->handovers ? BATCH_PERSONS : FIRST_BATCH_PERSONS;
            if (g->batch->npersons >= cut && (rc = batch_handover(g, -1)) != 0)
                goto out;
            if ((rc = emit_region(g, node->code, REGION_TOWNSHIP, node->name)) != 0)
                goto out;
            continue;
        }
        if ((rc = emit_region(g, node->code, REGION_VILLAGE, node->name)) != 0)
            goto out;
        int blocks = 0, groups = 0;
        for (int64_t k = 0; k < p.grids_of[v]; k++, gi++) {
            if (k + 1 > 999) {
                rc =
                    ep_error_set(&g->err, EP_EINVAL, "规模过大:村(社区)%s 的网格超过 999 个",
                                 "scale too large: village %s has more than 999 grids", node->code);
                goto out;
            }
            struct grid_plan gp;
            child_code(gp.code, node->code, (int)(k + 1));
            gp.kind = p.grid_kind[gi];
            gp.households = p.households_of[gi];
            text_clear(&gp.name);
            text_clear(&gp.prefix);
            if (strcmp(gp.code, DEMO_CODE_YONGJINGYUAN) == 0) {
                text_put(&gp.name, "雍景园小区");
                gp.prefix = gp.name;
            } else if (gp.kind == ESTATE) {
                unique_name(g, make_estate, &gp.name);
                gp.prefix = gp.name;
            } else if (gp.kind == BLOCK) {
                text_put(&gp.name, "第");
                if (blocks < 9)
                    text_put(&gp.name, cn_digits[blocks]);
                else
                    text_int(&gp.name, blocks + 1);
                text_put(&gp.name, "网格");
                blocks++;
                unique_name(g, make_street, &gp.prefix);
            } else {
                text_int(&gp.name, ++groups);
                text_put(&gp.name, "组");
                text_put(&gp.prefix, node->name);
                text_put(&gp.prefix, gp.name.b);
            }
            if ((rc = emit_region(g, gp.code, REGION_GRID, gp.name.b)) != 0)
                goto out;
            if ((rc = generate_grid_households(g, &gp)) != 0)
                goto out;
        }
        v++;
    }
    rc = batch_handover(g, (int)g->county_node);
out:
    free(g->names.slots);
    g->names.slots = NULL;
    county_plan_free(&p);
    return rc;
}

/* ---- persons indexes around the load --------------------------------------------
 *
 * Every index of persons but its primary key is dropped before the load and built
 * after it, one sort each (store_indexes_defer, shared with `epigrid import`): maintaining them row
 * by row costs a B-tree insert per row and index, random for the name index, and measured clearly
 * slower (BENCH.md, "B6 demo generation").  The definitions are read back from the catalogue, so
 * they stay whatever the migrations say.  Households keep their index: rows arrive in grid order
 * and it grows at its end. On PostgreSQL the same indexes go, and so do the foreign keys of persons
 * and households: a COPY checks each row's keys one by one (a trigger and a
 * lookup per key and row), ADD CONSTRAINT checks all of them in one join
 * afterwards.  On SQLite the unique index on id_number goes too
 * (STORE_DEFER_KEYS: a named index since migration 0034); on
 * PostgreSQL persons' primary key and unique id_number go too, with the
 * foreign keys that reference persons (STORE_DEFER_KEYS): the COPY of the
 * 5.4 M persons at --scale 1.0 took 26 s with both kept, 11 s without them
 * and 7 s to build them after (BENCH.md, B6pg).  The rows are distinct by
 * construction; a duplicate would fail the load's one transaction. */

/* The first column of the first row of "sql" (a PRAGMA or a query), as an
 * integer and, when "text" is given, as text; 0 when there is none. */
static int64_t single_value(struct store *s, const char *sql, char *text, size_t text_size)
{
    struct ep_error ignored;
    ep_error_clear(&ignored);
    struct store_stmt *st = store_prepare(s, sql, &ignored);
    if (!st)
        return 0;
    int64_t v = 0;
    if (store_step(st, &ignored) == STORE_ROW) {
        v = store_column_int64(st, 0);
        if (text)
            snprintf(text, text_size, "%s", store_column_text(st, 0));
    }
    store_stmt_reset(st);
    return v;
}

static int is_sqlite(struct store *s)
{
    return strcmp(store_engine(s), "sqlite") == 0;
}

/* persons' indexes (store_indexes_defer), and on PostgreSQL its keys and the
 * foreign keys of persons and households and of the tables that reference
 * persons, to be built again by store_indexes_restore(). */
static int indexes_drop(struct store *s, struct store_indexes *x, struct ep_error *err)
{
    int rc = store_indexes_defer(
        s, "persons", STORE_DEFER_INDEXES | STORE_DEFER_FOREIGN_KEYS | STORE_DEFER_KEYS, x, err);
    return rc != 0 ? rc : store_indexes_defer(s, "households", STORE_DEFER_FOREIGN_KEYS, x, err);
}

/* 1 if persons still has an index after indexes_drop(): a UNIQUE column
 * constraint's, as before migration 0034. */
static int index_left_on_persons(struct store *s)
{
    return single_value(s,
                        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index'"
                        " AND tbl_name = 'persons'",
                        NULL, 0) > 0;
}

/* ---- the writer: the store's thread ----------------------------------------------- */

struct writer {
    struct store *s;
    const struct tree *tree; /* for the counties' names in the progress */
    struct ep_error *err;
    const struct demo_options *opt;
    struct store_stmt *ins_region, *ins_household, *ins_person;
    struct store_stmt *ins_households, *ins_persons; /* HOUSEHOLD_ROWS, PERSON_ROWS rows */
    int copy;                /* 1: households and persons by store_copy (PostgreSQL) */
    struct demo_stats stats; /* totals written */
};

#define CREATED_AT_LEN (sizeof DEMO_CREATED_AT - 1)

/* Rows of the multi-row INSERTs (REP128 and REP64 of their SQL, below): 512
 * parameters a statement. */
#define HOUSEHOLD_PARAMS 4
#define HOUSEHOLD_ROWS   128
#define PERSON_PARAMS    8
#define PERSON_ROWS      64

/* ---- households and persons as bulk loads (PostgreSQL) ---------------------------
 *
 * One INSERT per row costs a round trip each on PostgreSQL (1,042 s for the
 * city at --scale 1.0); a COPY per batch and table streams the same rows,
 * in the same order with the same values, as text. */

/* Writes "v" in decimal into "out" (24 bytes); returns the length. */
static size_t decimal(char out[24], int64_t v)
{
    char tmp[24];
    size_t n = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do
        tmp[n++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    size_t len = 0;
    if (v < 0)
        out[len++] = '-';
    while (n > 0)
        out[len++] = tmp[--n];
    return len;
}

/* Ends the load "c" (NULL when it did not begin); the first error is kept. */
static int copy_finish(struct writer *w, struct store_copy *c, int rc)
{
    struct ep_error later;
    ep_error_clear(&later);
    int end = store_copy_end(c, rc == 0 ? w->err : &later);
    return rc != 0 ? rc : end;
}

static int households_copy(struct writer *w, const struct batch *b)
{
    struct store_copy *c = NULL;
    int rc = store_copy_begin(w->s, "households",
                              "id, grid_code, address, head_person_id, created_at, updated_at", &c,
                              w->err);
    for (size_t i = 0; rc == 0 && i < b->nhouseholds; i++) {
        const struct batch_household *h = &b->households[i];
        char id[24], head[24];
        const char *v[6] = {id,   b->grids[h->grid], b->text + h->address,
                            head, DEMO_CREATED_AT,   DEMO_CREATED_AT};
        size_t len[6] = {decimal(id, h->id), strlen(v[1]),
                         strlen(v[2]),       decimal(head, b->first_person_id + h->head),
                         CREATED_AT_LEN,     CREATED_AT_LEN};
        rc = store_copy_row(c, v, len, w->err);
    }
    return copy_finish(w, c, rc);
}

static int persons_copy(struct writer *w, const struct batch *b)
{
    struct store_copy *c = NULL;
    int rc = store_copy_begin(w->s, "persons",
                              "id, household_id, grid_code, name, sex, birth_date, id_number,"
                              " phone, created_at, updated_at",
                              &c, w->err);
    for (size_t k = 0; rc == 0 && k < b->npersons; k++) {
        const struct batch_person *p = &b->persons[k];
        const char *idn = p->id_number;
        char birth[10] = {idn[6],  idn[7],  idn[8], idn[9],  '-',
                          idn[10], idn[11], '-',    idn[12], idn[13]};
        char id[24], household[24];
        const char *v[10] = {id,
                             household,
                             b->grids[p->grid],
                             p->name,
                             (idn[16] - '0') % 2 ? "M" : "F",
                             birth,
                             idn,
                             p->has_phone ? p->phone : NULL,
                             DEMO_CREATED_AT,
                             DEMO_CREATED_AT};
        size_t len[10] = {decimal(id, b->first_person_id + (int64_t)k),
                          decimal(household, p->household_id),
                          strlen(v[2]),
                          p->name_len,
                          1,
                          sizeof birth,
                          18,
                          11,
                          CREATED_AT_LEN,
                          CREATED_AT_LEN};
        rc = store_copy_row(c, v, len, w->err);
    }
    return copy_finish(w, c, rc);
}

/* ---- households and persons as multi-row INSERTs (SQLite) -------------------------
 *
 * A statement of many rows opens its cursors, starts and halts the VDBE once
 * for all of them: per row, only the binds and the B-tree inserts remain.
 * Measured with the persons sorted by the generator (2 cores, three
 * alternating rounds in one window): at --scale 0.3 the load 3.8 s against
 * 4.2-4.5 s, the whole demo 7.8-7.9 s against 8.2-8.6 s; 16 rows a statement
 * was slower than one (4.8-5.2 s: the bound copies freed 96 at a time make
 * malloc consolidate); at --scale 1.0 the VM's drift (+-15 %) hid the gain.
 * The rows are the same, in the same order, as with one INSERT per row; the
 * tail of a batch goes one row at a time. */

/* Binds household "h" at parameters "at" + 1 .. "at" + 4. */
static void household_bind(struct store_stmt *st, int at, const struct batch *b,
                           const struct batch_household *h)
{
    store_bind_int64(st, at + 1, h->id);
    store_bind_textn(st, at + 2, b->grids[h->grid], strlen(b->grids[h->grid]));
    store_bind_text(st, at + 3, b->text + h->address);
    store_bind_int64(st, at + 4, b->first_person_id + h->head);
}

static int households_insert(struct writer *w, const struct batch *b)
{
    size_t i = 0;
    int rc;
    for (; i + HOUSEHOLD_ROWS <= b->nhouseholds; i += HOUSEHOLD_ROWS) {
        for (int r = 0; r < HOUSEHOLD_ROWS; r++)
            household_bind(w->ins_households, r * HOUSEHOLD_PARAMS, b, &b->households[i + r]);
        if ((rc = store_run(w->ins_households, w->err)) != 0)
            return rc;
    }
    for (; i < b->nhouseholds; i++) {
        household_bind(w->ins_household, 0, b, &b->households[i]);
        if ((rc = store_run(w->ins_household, w->err)) != 0)
            return rc;
    }
    return 0;
}

/* Binds person "k" of the batch at parameters "at" + 1 .. "at" + 8. */
static void person_bind(struct store_stmt *st, int at, const struct batch *b, size_t k)
{
    const struct batch_person *p = &b->persons[k];
    const char *id = p->id_number;
    char birth[10] = {id[6], id[7], id[8], id[9], '-', id[10], id[11], '-', id[12], id[13]};
    const char *grid = b->grids[p->grid];
    store_bind_int64(st, at + 1, b->first_person_id + (int64_t)k);
    store_bind_int64(st, at + 2, p->household_id);
    store_bind_textn(st, at + 3, grid, strlen(grid));
    store_bind_textn(st, at + 4, p->name, p->name_len);
    store_bind_textn(st, at + 5, (id[16] - '0') % 2 ? "M" : "F", 1);
    store_bind_textn(st, at + 6, birth, sizeof birth);
    store_bind_textn(st, at + 7, id, 18);
    if (p->has_phone)
        store_bind_textn(st, at + 8, p->phone, 11);
    else
        store_bind_null(st, at + 8);
}

static int persons_insert(struct writer *w, const struct batch *b)
{
    size_t k = 0;
    int rc;
    for (; k + PERSON_ROWS <= b->npersons; k += PERSON_ROWS) {
        for (int r = 0; r < PERSON_ROWS; r++)
            person_bind(w->ins_persons, r * PERSON_PARAMS, b, k + (size_t)r);
        if ((rc = store_run(w->ins_persons, w->err)) != 0)
            return rc;
    }
    for (; k < b->npersons; k++) {
        person_bind(w->ins_person, 0, b, k);
        if ((rc = store_run(w->ins_person, w->err)) != 0)
            return rc;
    }
    return 0;
}

static int batch_write(struct writer *w, const struct batch *b)
{
    int rc;
    for (size_t i = 0; i < b->nregions; i++) {
        const struct batch_region *r = &b->regions[i];
        char parent[REGION_CODE_MAX];
        region_parent_code(r->code, parent);
        struct store_stmt *st = w->ins_region;
        store_bind_text(st, 1, r->code);
        store_bind_text(st, 2, parent[0] ? parent : NULL);
        store_bind_int64(st, 3, r->level);
        store_bind_text(st, 4, b->text + r->name);
        store_bind_textn(st, 5, DEMO_CREATED_AT, CREATED_AT_LEN);
        /* Queued on PostgreSQL (sent with the next COPY or every 64 rows):
         * one round trip each was ~3 s of the 16,500 regions at --scale 1.0. */
        if ((rc = store_run_deferred(st, w->err)) != 0)
            return rc;
    }
    if (w->copy) {
        if ((rc = households_copy(w, b)) != 0 || (rc = persons_copy(w, b)) != 0)
            return rc;
    }
    if (!w->copy && ((rc = households_insert(w, b)) != 0 || (rc = persons_insert(w, b)) != 0))
        return rc;
    w->stats.townships += b->counts.townships;
    w->stats.villages += b->counts.villages;
    w->stats.grids += b->counts.grids;
    w->stats.households += b->counts.households;
    w->stats.persons += b->counts.persons;
    if (b->county >= 0) {
        w->stats.counties++;
        if (w->opt->progress)
            w->opt->progress("county", w->tree->nodes[b->county].code,
                             w->tree->nodes[b->county].name, &w->stats, w->opt->progress_ctx);
    }
    return 0;
}

/* Takes the batches in order until the generator finishes. */
static int writer_run(struct writer *w, struct pipeline *pl, struct gen *g)
{
    for (int slot = 0;; slot ^= 1) {
        pthread_mutex_lock(&pl->mu);
        while (pl->state[slot] != SLOT_READY && !pl->finished)
            pthread_cond_wait(&pl->cv, &pl->mu);
        int ready = pl->state[slot] == SLOT_READY, failed = pl->failed;
        pthread_mutex_unlock(&pl->mu);
        if (failed) {
            *w->err = g->err;
            return -(g->err.code ? g->err.code : EP_EINTERNAL);
        }
        if (!ready)
            return 0;
        int rc = batch_write(w, &pl->slots[slot]);
        pthread_mutex_lock(&pl->mu);
        pl->state[slot] = SLOT_FREE;
        if (rc != 0)
            pl->cancelled = 1;
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
        if (rc != 0)
            return rc;
    }
}

static void *generator_main(void *arg)
{
    struct gen *g = arg;
    const struct tree *t = g->tree;
    int rc = emit_region(g, t->nodes[0].code, REGION_CITY, t->nodes[0].name);
    for (size_t i = 1; rc == 0 && i < t->n; i++) {
        if (t->nodes[i].level != REGION_COUNTY)
            continue;
        g->county_node = i;
        g->county_idx = county_index(t->nodes[i].code); /* >= 0: tree_counties_check */
        g->county = &counties[g->county_idx];
        rng_seed(&g->rng, g->opt->seed, (uint64_t)strtoull(g->county->code, NULL, 10));
        rc = generate_county(g);
    }
    struct pipeline *pl = g->pipe;
    pthread_mutex_lock(&pl->mu);
    pl->finished = 1;
    pl->failed = rc != 0;
    pthread_cond_broadcast(&pl->cv);
    pthread_mutex_unlock(&pl->mu);
    return NULL;
}

/* The INSERTs of the load.  The fixed creation time is a constant of the
 * statements: two text bindings (a copy each) fewer for each of seven
 * million rows.  The SQL is literal: the store's statement cache keys on the
 * text's address. */
#define HOUSEHOLD_INSERT                                                                           \
    "INSERT INTO households (id, grid_code, address, head_person_id, created_at, updated_at)"      \
    " VALUES "
#define HOUSEHOLD_VALUES "(?, ?, ?, ?, '" DEMO_CREATED_AT "', '" DEMO_CREATED_AT "')"
#define PERSON_INSERT                                                                              \
    "INSERT INTO persons (id, household_id, grid_code, name, sex, birth_date, id_number,"          \
    " phone, created_at, updated_at) VALUES "
#define PERSON_VALUES "(?, ?, ?, ?, ?, ?, ?, ?, '" DEMO_CREATED_AT "', '" DEMO_CREATED_AT "')"
/* "x" 2, 4, ... times, comma-separated (HOUSEHOLD_ROWS and PERSON_ROWS above). */
#define REP2(x)   x "," x
#define REP4(x)   REP2(x) "," REP2(x)
#define REP8(x)   REP4(x) "," REP4(x)
#define REP16(x)  REP8(x) "," REP8(x)
#define REP32(x)  REP16(x) "," REP16(x)
#define REP64(x)  REP32(x) "," REP32(x)
#define REP128(x) REP64(x) "," REP64(x)

/* ---- the whole city ---------------------------------------------------------------- */

static int registry_is_empty(struct store *s, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(
        s, "SELECT EXISTS (SELECT 1 FROM persons) OR EXISTS (SELECT 1 FROM households)", err);
    if (!st)
        return -EP_EINTERNAL;
    int rc = store_step(st, err);
    int empty = rc == STORE_ROW && store_column_int64(st, 0) == 0;
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    if (!empty)
        return ep_error_set(err, EP_ECONFLICT,
                            "数据库中已有住户或人员数据,示范数据只能写入空数据库",
                            "the database already has households or persons; demo data is only "
                            "written into an empty database");
    return 0;
}

/* ---- connection settings for the load (SQLite) ------------------------------------
 *
 * - foreign_keys OFF: no lookups of the household and the grid per row;
 *   every row is valid by construction (see the file comment);
 * - journal_mode DELETE instead of WAL: new pages are written once, into the
 *   database, instead of into the WAL and again by the checkpoint;
 * - temp_store FILE and threads: CREATE INDEX sorts on both cores (SQLite
 *   runs its sorter single-threaded when temporary files are in memory);
 * - for the index builds, a small cache: many small sorted runs, which the
 *   sorter threads share (INDEX_CACHE_KIB, INDEX_SORT_THREADS).
 * All must be set outside a transaction; settings_restore() puts back what
 * was there. */

struct settings {
    int changed;          /* 1 when settings_bulk() changed anything */
    int64_t foreign_keys; /* values before */
    int64_t temp_store;
    int64_t threads;
    int64_t cache_size;
    char journal_mode[16];
};

/* Index builds: sorted runs of 16 MiB shared by 3 helper threads took 8 s at
 * --scale 1.0 on 2 cores, against 13 s with 64 MiB runs and 2 threads. */
#define INDEX_CACHE_KIB    16384
#define INDEX_SORT_THREADS 3
/* PostgreSQL's memory for each index build and key check (default 64 MB). */
#define PG_INDEX_MEMORY "256MB"

static void settings_bulk(struct store *s, struct settings *saved)
{
    memset(saved, 0, sizeof *saved);
    if (!is_sqlite(s))
        return;
    saved->foreign_keys = single_value(s, "PRAGMA foreign_keys", NULL, 0);
    saved->temp_store = single_value(s, "PRAGMA temp_store", NULL, 0);
    saved->threads = single_value(s, "PRAGMA threads", NULL, 0);
    saved->cache_size = single_value(s, "PRAGMA cache_size", NULL, 0);
    single_value(s, "PRAGMA journal_mode", saved->journal_mode, sizeof saved->journal_mode);
    for (char *c = saved->journal_mode; *c; c++)
        if ((*c < 'a' || *c > 'z') && (*c < 'A' || *c > 'Z'))
            *c = '\0'; /* only a word goes back into the PRAGMA below */
    saved->changed = 1;
    struct ep_error ignored;
    ep_error_clear(&ignored);
    /* If another connection has the file open, journal_mode stays WAL: slower, still right. */
    store_exec(s,
               "PRAGMA foreign_keys=OFF; PRAGMA journal_mode=DELETE; PRAGMA temp_store=FILE;"
               " PRAGMA threads=2",
               &ignored);
}

static void settings_restore(struct store *s, const struct settings *saved)
{
    if (!saved->changed)
        return;
    char sql[256];
    snprintf(sql, sizeof sql,
             "PRAGMA foreign_keys=%lld; PRAGMA temp_store=%lld; PRAGMA threads=%lld;"
             " PRAGMA cache_size=%lld; PRAGMA journal_mode=%s",
             (long long)saved->foreign_keys, (long long)saved->temp_store,
             (long long)saved->threads, (long long)saved->cache_size,
             saved->journal_mode[0] ? saved->journal_mode : "WAL");
    struct ep_error ignored;
    ep_error_clear(&ignored);
    store_exec(s, sql, &ignored);
}

static void report(const struct writer *w, const char *stage)
{
    if (w->opt->progress)
        w->opt->progress(stage, "", "", &w->stats, w->opt->progress_ctx);
}

int demo_city_generate(struct store *s, const struct demo_options *opt, struct demo_stats *out,
                       struct ep_error *err)
{
    if (!(opt->scale > 0 && opt->scale <= DEMO_SCALE_MAX)) {
        ep_error_field(err, "scale", "规模应大于 0 且不超过 %g", "scale must be > 0 and <= %g",
                       DEMO_SCALE_MAX);
        return -EP_EINVAL;
    }
    /* The real tree, checked before anything is written. */
    struct tree tree;
    int rc = tree_load(&tree, err);
    if (rc == 0 && (rc = tree_places_check(&tree, story_places, err)) == 0)
        rc = tree_counties_check(&tree, err);
    if (rc != 0) {
        free(tree.nodes);
        return rc;
    }
    struct gen *g = calloc(1, sizeof *g);
    struct pipeline *pl = calloc(1, sizeof *pl);
    if (!g || !pl) {
        free(g);
        free(pl);
        free(tree.nodes);
        return ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
    }
    ep_error_clear(&g->err);
    g->opt = opt;
    g->tree = &tree;
    time_date_parse(DEMO_REFERENCE_DATE, &g->ref_day);
    g->day_min = g->ref_day - 96 * 366;
    g->ndays = (int)(g->ref_day - g->day_min) + 1;
    uint32_t cum = 0;
    for (int i = 0; i < NSURNAMES; i++)
        g->surname_cum[i] = cum += (uint32_t)surnames[i].weight;
    g->surname_total = cum;
    g->next_household_id = 1;
    g->next_person_id = 1;
    g->id_seq = calloc((size_t)NID_CODES * (size_t)g->ndays * 2, sizeof *g->id_seq);
    pthread_mutex_init(&pl->mu, NULL);
    pthread_cond_init(&pl->cv, NULL);
    pl->state[0] = SLOT_FILLING;
    batch_reset(&pl->slots[0]);
    batch_reset(&pl->slots[1]);
    g->pipe = pl;
    g->batch = &pl->slots[0];

    struct writer w = {s, &tree, err, opt, NULL, NULL, NULL, NULL, NULL, !is_sqlite(s), {0}};
    struct store_indexes saved = {0};
    struct settings settings = {0};
    rc = -EP_EINTERNAL;
    if (!g->id_seq) {
        rc = ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory");
        goto done;
    }
    settings_bulk(s, &settings);
    if ((rc = store_begin(s, err)) != 0)
        goto done;
    if ((rc = registry_is_empty(s, err)) != 0 || (rc = indexes_drop(s, &saved, err)) != 0)
        goto fail;
    g->by_id_number = !is_sqlite(s) || index_left_on_persons(s);
    rc = -EP_EINTERNAL;
    w.ins_region = store_prepare(s,
                                 "INSERT INTO regions (code, parent_code, level, name, created_at)"
                                 " VALUES (?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING",
                                 err);
    /* The fixed creation time is a constant of the statements: two text
     * bindings (a copy each) fewer for each of seven million rows. */
    w.ins_household = store_prepare(s, HOUSEHOLD_INSERT HOUSEHOLD_VALUES, err);
    w.ins_person = store_prepare(s, PERSON_INSERT PERSON_VALUES, err);
    w.ins_households = store_prepare(s, HOUSEHOLD_INSERT REP128(HOUSEHOLD_VALUES), err);
    w.ins_persons = store_prepare(s, PERSON_INSERT REP64(PERSON_VALUES), err);
    if (!w.ins_region || !w.ins_household || !w.ins_person || !w.ins_households || !w.ins_persons)
        goto fail;
    pthread_t thread;
    if (pthread_create(&thread, NULL, generator_main, g) != 0) {
        rc = ep_error_set(err, EP_EINTERNAL, "无法启动生成线程", "cannot start the generator");
        goto fail;
    }
    rc = writer_run(&w, pl, g);
    if (rc != 0) {
        pthread_mutex_lock(&pl->mu);
        pl->cancelled = 1;
        pthread_cond_broadcast(&pl->cv);
        pthread_mutex_unlock(&pl->mu);
    }
    pthread_join(thread, NULL);
    if (rc != 0)
        goto fail;
    if (is_sqlite(s)) {
        char sql[64];
        struct ep_error ignored;
        ep_error_clear(&ignored);
        snprintf(sql, sizeof sql, "PRAGMA cache_size=-%d; PRAGMA threads=%d", INDEX_CACHE_KIB,
                 INDEX_SORT_THREADS);
        store_exec(s, sql, &ignored);
    } else if ((rc = store_exec(s, "SET LOCAL maintenance_work_mem = '" PG_INDEX_MEMORY "'",
                                err)) != 0) {
        goto fail;
    }
    if ((rc = store_indexes_restore(s, &saved, err)) != 0)
        goto fail;
    report(&w, "indexes");
    if ((rc = counter_rebuild(s, "households",
                              "SELECT grid_code, COUNT(*) FROM households GROUP BY grid_code",
                              err)) != 0 ||
        (rc = counter_rebuild(
             s, "persons", "SELECT grid_code, COUNT(*) FROM persons GROUP BY grid_code", err)) != 0)
        goto fail;
    report(&w, "counters");
    if ((rc = store_commit(s, err)) != 0)
        goto fail;
    settings_restore(s, &settings);
    /* Table statistics for the planner (bounded on SQLite so that it takes
     * milliseconds; PostgreSQL samples by itself). */
    if ((rc = store_exec(s, is_sqlite(s) ? "PRAGMA analysis_limit=1000; ANALYZE" : "ANALYZE",
                         err)) != 0)
        goto done;
    if (out)
        *out = w.stats;
    rc = 0;
    goto done;
fail:
    store_rollback(s);
    settings_restore(s, &settings);
done:
    store_indexes_cleanup(&saved);
    batch_free(&pl->slots[0]);
    batch_free(&pl->slots[1]);
    pthread_cond_destroy(&pl->cv);
    pthread_mutex_destroy(&pl->mu);
    free(pl);
    free(g->id_seq);
    free(g->names.slots);
    free(g);
    free(tree.nodes);
    return rc;
}

/* ---- demo users ------------------------------------------------------------------- */

static const struct demo_user demo_users[] = {
    /* city 永州市 */
    {"admin", "admin", DEMO_CODE_CITY, "永州市系统管理员"},
    {"commander_city", "commander", DEMO_CODE_CITY, "永州市疫情防控指挥部"},
    {"health_city", "health", DEMO_CODE_CITY, "永州市卫健委(疾控)"},
    {"organiser_city", "organiser", DEMO_CODE_CITY, "永州市委组织部"},
    {"supplies_city", "supplies", DEMO_CODE_CITY, "永州市物资保障组"},
    {"inspector_city", "inspector", DEMO_CODE_CITY, "永州市督查组"},
    {"viewer_city", "viewer", DEMO_CODE_CITY, "永州市(只读)"},
    /* county 东安县 */
    {"admin_dongan", "admin", DEMO_CODE_DONGAN, "东安县系统管理员"},
    {"commander_dongan", "commander", DEMO_CODE_DONGAN, "东安县疫情防控指挥部"},
    {"health_dongan", "health", DEMO_CODE_DONGAN, "东安县卫健局(疾控)"},
    {"organiser_dongan", "organiser", DEMO_CODE_DONGAN, "东安县委组织部"},
    {"supplies_dongan", "supplies", DEMO_CODE_DONGAN, "东安县物资保障组"},
    {"inspector_dongan", "inspector", DEMO_CODE_DONGAN, "东安县督查组"},
    {"viewer_dongan", "viewer", DEMO_CODE_DONGAN, "东安县(只读)"},
    /* township 白牙市镇 */
    {"admin_baiyashi", "admin", DEMO_CODE_BAIYASHI, "白牙市镇系统管理员"},
    {"commander_baiyashi", "commander", DEMO_CODE_BAIYASHI, "白牙市镇疫情防控指挥部"},
    {"health_baiyashi", "health", DEMO_CODE_BAIYASHI, "白牙市镇卫生院"},
    {"organiser_baiyashi", "organiser", DEMO_CODE_BAIYASHI, "白牙市镇党委组织委员"},
    {"supplies_baiyashi", "supplies", DEMO_CODE_BAIYASHI, "白牙市镇物资保障"},
    {"inspector_baiyashi", "inspector", DEMO_CODE_BAIYASHI, "白牙市镇督查"},
    {"viewer_baiyashi", "viewer", DEMO_CODE_BAIYASHI, "白牙市镇(只读)"},
    /* grid workers */
    {"grid_yongjingyuan", "grid_worker", DEMO_CODE_YONGJINGYUAN, "雍景园小区网格员"},
    {"grid_guitou", "grid_worker", DEMO_CODE_GUITOU, "贵头村网格员"},
    {"grid_xintian", "grid_worker", DEMO_CODE_XINTIAN, "新田县网格员"},
    {NULL, NULL, NULL, NULL},
};

const struct demo_user *demo_users_table(void)
{
    return demo_users;
}

/* The first grid under "prefix" (the prefix itself when it is a grid). */
static int first_grid(struct store *s, const char *prefix, char out[REGION_CODE_MAX],
                      struct ep_error *err)
{
    if (region_level_of_code(prefix) == REGION_GRID) {
        snprintf(out, REGION_CODE_MAX, "%s", prefix);
        return 0;
    }
    char upper[REGION_CODE_MAX];
    region_code_range(prefix, upper);
    struct store_stmt *st = store_prepare(s,
                                          "SELECT code FROM regions WHERE code > ? AND code < ?"
                                          " AND level = 5 ORDER BY code LIMIT 1",
                                          err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, prefix);
    store_bind_text(st, 2, upper);
    int rc = store_step(st, err);
    if (rc == STORE_ROW)
        snprintf(out, REGION_CODE_MAX, "%s", store_column_text(st, 0));
    store_stmt_reset(st);
    if (rc == STORE_DONE)
        return ep_error_set(err, EP_ENOTFOUND, "地区 %s 下没有网格", "no grid under region %s",
                            prefix);
    return rc < 0 ? rc : 0;
}

/* Creates every "step"-th demo user starting at "first". */
static int users_create_some(struct store *s, int first, int step, int *created,
                             struct ep_error *err)
{
    *created = 0;
    int count = 0;
    while (demo_users[count].username)
        count++;
    for (int i = first; i < count; i += step) {
        const struct demo_user *u = &demo_users[i];
        struct auth_user existing;
        int active;
        if (auth_user_get(s, u->username, &existing, &active, err) == 0)
            continue;
        ep_error_clear(err);
        char scope[REGION_CODE_MAX];
        snprintf(scope, sizeof scope, "%s", u->scope_prefix);
        if (strcmp(u->role, "grid_worker") == 0 && first_grid(s, u->scope_prefix, scope, err) != 0)
            return -err->code;
        struct auth_user_input in = {.username = u->username,
                                     .display_name = u->display_name,
                                     .role = u->role,
                                     .scope = scope,
                                     .phone = NULL,
                                     .password = DEMO_PASSWORD};
        int rc = auth_user_create(s, NULL, "cli", &in, NULL, err);
        if (rc != 0)
            return rc;
        (*created)++;
    }
    return 0;
}

struct users_job {
    struct store *s;     /* the helper's own connection */
    int created;         /* users it created */
    int rc;              /* its result */
    struct ep_error err; /* its error */
};

static void *users_main(void *arg)
{
    struct users_job *job = arg;
    job->rc = users_create_some(job->s, 1, 2, &job->created, &job->err);
    return NULL;
}

int demo_users_create(struct store *s, int *created, struct ep_error *err)
{
    /* Each user costs one argon2id hash (~0.1 s): half of them are created on
     * a second connection in a second thread, so that both cores hash. */
    struct users_job job = {NULL, 0, 0, {0}};
    ep_error_clear(&job.err);
    pthread_t thread;
    int threaded = 0, n = 0;
    if (store_open(&job.s, store_path(s), 0, &job.err) == 0) {
        if (pthread_create(&thread, NULL, users_main, &job) == 0)
            threaded = 1;
        else
            store_close(job.s);
    }
    ep_error_clear(&job.err);
    int rc = users_create_some(s, 0, threaded ? 2 : 1, &n, err);
    if (threaded) {
        pthread_join(thread, NULL);
        store_close(job.s);
        if (rc == 0 && job.rc != 0) {
            *err = job.err;
            rc = job.rc;
        }
        n += job.created;
    }
    if (created)
        *created = rc == 0 ? n : 0;
    return rc;
}
