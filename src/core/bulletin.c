/*
 * bulletin.c -- the daily bulletin (see bulletin.h).
 *
 * Cases: one ordered pass over the region's case_history rows of D or
 * before, folding each case's rows into its state at the end of D (the
 * unit test holds this fold to an independent SQL formulation).  Contacts
 * and observations: one grouped query each.  Every figure is accumulated
 * for the region and for the child region the fact lies in.
 */
#include "core/bulletin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "core/profile.h"
#include "core/write.h"
#include "util/buf.h"
#include "util/timeutil.h"

static int add_child(const struct region *r, void *arg)
{
    struct bulletin *b = arg;
    struct bulletin_child *more = realloc(b->children, (b->nchildren + 1) * sizeof *more);
    if (!more)
        return -EP_EINTERNAL;
    b->children = more;
    struct bulletin_child *c = &b->children[b->nchildren++];
    memset(c, 0, sizeof *c);
    snprintf(c->code, sizeof c->code, "%s", r->code);
    snprintf(c->name, sizeof c->name, "%s", r->name);
    return 0;
}

/* The child whose code prefixes "grid" (NULL when none). */
static struct bulletin_figures *child_of(struct bulletin *b, const char *grid)
{
    for (size_t i = 0; i < b->nchildren; i++)
        if (region_in_scope(grid, b->children[i].code))
            return &b->children[i].f;
    return NULL;
}

/* The state of one case folded from its rows. */
struct fold {
    int64_t case_id;
    char grid[REGION_CODE_MAX];
    char status[16], classification[16], severity[12];
    int confirmed;                /* became confirmed on D or before */
    struct bulletin_figures news; /* "new" figures of D */
};

static void fold_flush(struct bulletin *b, const struct fold *f)
{
    if (!f->case_id)
        return;
    struct bulletin_figures *targets[2] = {&b->total, child_of(b, f->grid)};
    for (int t = 0; t < 2; t++) {
        struct bulletin_figures *x = targets[t];
        if (!x)
            continue;
        int confirmed_class = strcmp(f->classification, "confirmed") == 0;
        x->confirmed_new += f->news.confirmed_new;
        x->confirmed_total += f->confirmed;
        x->hospitalised_now += strcmp(f->status, "confirmed") == 0;
        x->severe_now +=
            strcmp(f->status, "confirmed") == 0 &&
            (strcmp(f->severity, "severe") == 0 || strcmp(f->severity, "critical") == 0);
        x->discharged_new += f->news.discharged_new;
        x->discharged_total += confirmed_class && strcmp(f->status, "discharged") == 0;
        x->deaths_new += f->news.deaths_new;
        x->deaths_total += confirmed_class && strcmp(f->status, "deceased") == 0;
        x->suspected_new += f->news.suspected_new;
        x->suspected_now += strcmp(f->status, "suspected") == 0;
        x->asymptomatic_new += f->news.asymptomatic_new;
        x->asymptomatic_now += strcmp(f->status, "asymptomatic") == 0;
        x->excluded_new += f->news.excluded_new;
    }
}

static int fold_cases(struct store *s, struct bulletin *b, const char *upper, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT case_id, grid_code, at_day, COALESCE(from_status, ''), to_status,"
                      " classification, COALESCE(severity, '') FROM case_history"
                      " WHERE grid_code >= ? AND grid_code < ? AND at_day <= ?"
                      " AND (? = 0 OR COALESCE(recorded_unix, at_unix) <= ?)"
                      " ORDER BY case_id, id",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, b->code);
    store_bind_text(st, 2, upper);
    store_bind_text(st, 3, b->date);
    store_bind_int64_twice(st, 4, b->recorded_by);
    struct fold f;
    memset(&f, 0, sizeof f);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        int64_t id = store_column_int64(st, 0);
        if (id != f.case_id) {
            fold_flush(b, &f);
            memset(&f, 0, sizeof f);
            f.case_id = id;
            snprintf(f.grid, sizeof f.grid, "%s", store_column_text(st, 1));
        }
        const char *from = store_column_text(st, 3), *to = store_column_text(st, 4);
        snprintf(f.status, sizeof f.status, "%s", to);
        snprintf(f.classification, sizeof f.classification, "%s", store_column_text(st, 5));
        snprintf(f.severity, sizeof f.severity, "%s", store_column_text(st, 6));
        int changed = strcmp(from, to) != 0;
        if (changed && strcmp(to, "confirmed") == 0)
            f.confirmed = 1;
        if (!changed || strcmp(store_column_text(st, 2), b->date) != 0)
            continue;
        int confirmed_class = strcmp(f.classification, "confirmed") == 0;
        f.news.confirmed_new += strcmp(to, "confirmed") == 0;
        f.news.suspected_new += strcmp(to, "suspected") == 0;
        f.news.asymptomatic_new += strcmp(to, "asymptomatic") == 0;
        f.news.excluded_new += strcmp(to, "excluded") == 0;
        f.news.discharged_new += confirmed_class && strcmp(to, "discharged") == 0;
        f.news.deaths_new += confirmed_class && strcmp(to, "deceased") == 0;
    }
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    fold_flush(b, &f);
    return 0;
}

/* Contacts and observations, grouped by the child prefix. */
static int count_others(struct store *s, struct bulletin *b, const char *upper, int child_len,
                        struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT substr(grid_code, 1, ?), count(*) FROM contacts"
                      " WHERE grid_code >= ? AND grid_code < ? AND traced_day <= ?"
                      " AND (? = '' OR COALESCE(recorded_at, traced_at) <= ?) GROUP BY 1",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, child_len);
    store_bind_text(st, 2, b->code);
    store_bind_text(st, 3, upper);
    store_bind_text(st, 4, b->date);
    char by[32] = "";
    if (b->recorded_by)
        time_iso_from_unix((time_t)b->recorded_by, by);
    store_bind_text_twice(st, 5, by);
    int rc;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        int64_t n = store_column_int64(st, 1);
        struct bulletin_figures *c = child_of(b, store_column_text(st, 0));
        b->total.contacts_total += n;
        if (c)
            c->contacts_total += n;
    }
    store_stmt_reset(st);
    if (rc < 0)
        return rc;
    /* An observation counts from the later of its start and the day it
     * was opened (a contact's traced day, else the day the opening occurred),
     * until the day it ended (the day its person was reported as a case,
     * else the day the release occurred).  As of a moment: only what had
     * been recorded by then (created_at, released_recorded_at). */
    st = store_prepare(
        s,
        "SELECT substr(grid_code, 1, ?),"
        " sum(CASE WHEN ended IS NULL OR ended > ? THEN 1 ELSE 0 END),"
        " sum(CASE WHEN status = 'released' AND ended = ? THEN 1 ELSE 0 END)"
        " FROM (SELECT o.grid_code, o.status, o.start_date,"
        "   COALESCE((SELECT min(k.traced_day) FROM contacts k WHERE k.observation_id = o.id),"
        "            substr(o.opened_at, 1, 10)) AS known,"
        "   COALESCE((SELECT min(h.at_day) FROM cases c JOIN case_history h ON h.case_id = c.id"
        "             WHERE c.observation_id = o.id"
        "             AND (? = 0 OR COALESCE(h.recorded_unix, h.at_unix) <= ?)),"
        "            CASE WHEN ? = '' OR COALESCE(o.released_recorded_at, o.released_at) <= ?"
        "            THEN substr(o.released_at, 1, 10) END)"
        "   AS ended"
        "   FROM observations o WHERE o.grid_code >= ? AND o.grid_code < ?"
        "   AND (? = '' OR o.created_at <= ?)) AS facts"
        " WHERE (CASE WHEN start_date > known THEN start_date ELSE known END) <= ? GROUP BY 1",
        err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, child_len);
    store_bind_text_twice(st, 2, b->date);
    store_bind_int64_twice(st, 4, b->recorded_by);
    store_bind_text_twice(st, 6, by);
    store_bind_text(st, 8, b->code);
    store_bind_text(st, 9, upper);
    store_bind_text_twice(st, 10, by);
    store_bind_text(st, 12, b->date);
    while ((rc = store_step(st, err)) == STORE_ROW) {
        int64_t now = store_column_int64(st, 1), released = store_column_int64(st, 2);
        struct bulletin_figures *c = child_of(b, store_column_text(st, 0));
        b->total.observing_now += now;
        b->total.released_new += released;
        if (c) {
            c->observing_now += now;
            c->released_new += released;
        }
    }
    store_stmt_reset(st);
    return rc < 0 ? rc : 0;
}

int bulletin_compute(struct store *s, const char *code, const char *date, struct bulletin *out,
                     struct ep_error *err)
{
    return bulletin_compute_as_of(s, code, date, 0, out, err);
}

int bulletin_compute_as_of(struct store *s, const char *code, const char *date, int64_t recorded_by,
                           struct bulletin *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    out->recorded_by = recorded_by;
    if (!date || time_date_parse(date, NULL) != 0)
        return ep_error_field(err, "date", "日期无效,格式应为 YYYY-MM-DD",
                              "invalid date, expected YYYY-MM-DD"),
               -EP_EINVAL;
    if (!code || !region_level_of_code(code))
        return ep_error_field(err, "region", "地区编码应为 4、6、9、12 或 15 位数字",
                              "region code must be 4, 6, 9, 12 or 15 digits"),
               -EP_EINVAL;
    struct region r;
    int rc = region_get(s, code, &r, err);
    if (rc != 0)
        return rc;
    struct profile prof;
    if ((rc = profile_get(s, &prof, err)) != 0)
        return rc;
    snprintf(out->code, sizeof out->code, "%s", r.code);
    snprintf(out->name, sizeof out->name, "%s", r.name);
    snprintf(out->date, sizeof out->date, "%s", date);
    snprintf(out->disease, sizeof out->disease, "%s", prof.name);
    int child_len = region_code_length(r.level + 1);
    if (child_len == 0)
        child_len = (int)strlen(r.code);
    else if ((rc = region_children_list(s, r.code, add_child, out, err)) != 0)
        goto fail;
    char upper[REGION_CODE_MAX];
    region_code_range(r.code, upper);
    if ((rc = fold_cases(s, out, upper, err)) != 0 ||
        (rc = count_others(s, out, upper, child_len, err)) != 0)
        goto fail;
    return 0;
fail:
    bulletin_cleanup(out);
    if (!err->code)
        ep_error_set(err, EP_EINTERNAL, "服务器内部错误", "internal error");
    return rc;
}

void bulletin_cleanup(struct bulletin *b)
{
    free(b->children);
    b->children = NULL;
    b->nchildren = 0;
}

/* ---- the public page: depth and small cells (finding 10) ---------------- */

static int64_t value(const struct bulletin_figures *f, size_t i);

/* Marks the children's small cells and, in a column with exactly one, the
 * smallest other non-zero cell (secondary suppression). */
static void mark_children(struct bulletin *b)
{
    for (size_t col = 0; col < BULLETIN_FIGURES; col++) {
        size_t small = 0, other = b->nchildren;
        for (size_t i = 0; i < b->nchildren; i++) {
            int64_t v = value(&b->children[i].f, col);
            if (v > 0 && v < b->min_cell) {
                b->children[i].shown[col] = BULLETIN_SMALL;
                small++;
            } else if (v > 0 && (other == b->nchildren || v < value(&b->children[other].f, col))) {
                other = i;
            }
        }
        if (small == 1 && other < b->nchildren)
            b->children[other].shown[col] = BULLETIN_HIDDEN;
    }
}

int bulletin_public(struct store *s, const char *code, const char *date, int depth, int min_cell,
                    struct bulletin *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    int level = code ? region_level_of_code(code) : 0;
    if (level > depth)
        return ep_error_set(err, EP_ENOTFOUND, "地区 %s 的疫情通报不公开",
                            "the bulletin of region %s is not public", code);
    int rc = bulletin_compute(s, code, date, out, err);
    if (rc != 0)
        return rc;
    if (level + 1 > depth) { /* the children are below the public depth */
        free(out->children);
        out->children = NULL;
        out->nchildren = 0;
    }
    if (min_cell <= 1)
        return 0;
    out->min_cell = min_cell;
    mark_children(out);
    struct region r;
    if ((rc = region_get(s, out->code, &r, err)) != 0)
        goto fail;
    if (!r.parent_code[0]) /* the root's own figures are published exactly */
        return 0;
    for (size_t col = 0; col < BULLETIN_FIGURES; col++) {
        int64_t v = value(&out->total, col);
        if (v > 0 && v < min_cell)
            out->shown[col] = BULLETIN_SMALL;
    }
    /* Its row in the parent's table: hidden there, hidden here. */
    struct bulletin parent;
    if ((rc = bulletin_compute(s, r.parent_code, date, &parent, err)) != 0)
        goto fail;
    parent.min_cell = min_cell;
    mark_children(&parent);
    for (size_t i = 0; i < parent.nchildren; i++)
        if (strcmp(parent.children[i].code, out->code) == 0)
            for (size_t col = 0; col < BULLETIN_FIGURES; col++)
                if (parent.children[i].shown[col] > out->shown[col])
                    out->shown[col] = parent.children[i].shown[col];
    bulletin_cleanup(&parent);
    return 0;
fail:
    bulletin_cleanup(out);
    return rc;
}

/* ---- rendering -------------------------------------------------------- */

/* Field names and Chinese column titles, in the order of the struct. */
static const struct {
    const char *name, *zh;
    size_t offset;
} columns[] = {
#define COL(m, zh)                                                                                 \
    {                                                                                              \
#m, zh, offsetof(struct bulletin_figures, m)                                               \
    }
    COL(confirmed_new, "新增确诊"),      COL(confirmed_total, "累计确诊"),
    COL(hospitalised_now, "现有确诊"),   COL(severe_now, "其中重症"),
    COL(discharged_new, "新增出院"),     COL(discharged_total, "累计出院"),
    COL(deaths_new, "新增死亡"),         COL(deaths_total, "累计死亡"),
    COL(suspected_new, "新增疑似"),      COL(suspected_now, "现有疑似"),
    COL(asymptomatic_new, "新增无症状"), COL(asymptomatic_now, "现有无症状"),
    COL(excluded_new, "当日排除疑似"),   COL(contacts_total, "累计密切接触者"),
    COL(observing_now, "尚在医学观察"),  COL(released_new, "当日解除观察"),
#undef COL
};
#define NCOLUMNS (sizeof columns / sizeof columns[0])
_Static_assert(NCOLUMNS == BULLETIN_FIGURES, "one column per figure");

static int64_t value(const struct bulletin_figures *f, size_t i)
{
    return *(const int64_t *)(const void *)((const char *)f + columns[i].offset);
}

/* Figure "col" of "f" as the public page shows it ("shown": enum
 * bulletin_shown), into "out": the number, "<N" / "不足N" (prose), or "*" /
 * "若干" (prose). */
static const char *figure(const struct bulletin *b, const struct bulletin_figures *f,
                          const unsigned char *shown, size_t col, int prose, char out[32])
{
    int how = b->min_cell ? shown[col] : BULLETIN_EXACT;
    if (how == BULLETIN_SMALL)
        snprintf(out, 32, prose ? "不足%d" : "&lt;%d", b->min_cell);
    else if (how == BULLETIN_HIDDEN)
        snprintf(out, 32, "%s", prose ? "若干" : "*");
    else
        snprintf(out, 32, "%lld", (long long)value(f, col));
    return out;
}

static json_t *figures_json(const struct bulletin_figures *f)
{
    json_t *j = json_object();
    for (size_t i = 0; i < NCOLUMNS; i++)
        json_object_set_new(j, columns[i].name, json_integer(value(f, i)));
    return j;
}

json_t *bulletin_json_new(const struct bulletin *b)
{
    json_t *children = json_array();
    for (size_t i = 0; i < b->nchildren; i++)
        json_array_append_new(children, json_pack("{s:s, s:s, s:o}", "code", b->children[i].code,
                                                  "name", b->children[i].name, "figures",
                                                  figures_json(&b->children[i].f)));
    return json_pack("{s:{s:s, s:s}, s:s, s:s, s:o, s:o}", "region", "code", b->code, "name",
                     b->name, "date", b->date, "disease", b->disease, "figures",
                     figures_json(&b->total), "children", children);
}

/* "全市", "全县", "全区" ... from the region's name. */
static const char *whole(const char *name)
{
    static const struct {
        const char *suffix, *word;
    } words[] = {{"市", "全市"}, {"区", "全区"},     {"县", "全县"},     {"镇", "全镇"},
                 {"乡", "全乡"}, {"街道", "全街道"}, {"社区", "全社区"}, {"村", "全村"}};
    size_t len = strlen(name);
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t n = strlen(words[i].suffix);
        if (len >= n && strcmp(name + len - n, words[i].suffix) == 0)
            return words[i].word;
    }
    return "全辖区";
}

/* The body paragraphs shared by text and HTML: "pre"/"post" wrap each. */
static void paragraphs(const struct bulletin *b, struct buf *out, const char *pre, const char *post,
                       int html)
{
    int y, m, d;
    int64_t day;
    time_date_parse(b->date, &day);
    time_civil_from_days(day, &y, &m, &d);
    const struct bulletin_figures *f = &b->total;
    char v[BULLETIN_FIGURES][32]; /* each figure of the region as shown, in column order */
    for (size_t i = 0; i < BULLETIN_FIGURES; i++)
        figure(b, f, b->shown, i, 1, v[i]);
    buf_appendf(out,
                "%s截至%d月%d日24时,%s累计报告确诊病例%s例,其中当日新增%s例;"
                "现有确诊病例%s例(其中重症%s例),累计治愈出院%s例(当日新增%s例),"
                "累计死亡%s例(当日新增%s例)。%s",
                pre, m, d, whole(b->name), v[1], v[0], v[2], v[3], v[5], v[4], v[7], v[6], post);
    buf_appendf(out,
                "%s现有疑似病例%s例(当日新增%s例,当日排除%s例);"
                "现有无症状感染者%s例(当日新增%s例)。%s",
                pre, v[9], v[8], v[12], v[11], v[10], post);
    buf_appendf(out,
                "%s累计追踪到密切接触者%s人,当日解除医学观察%s人,"
                "尚在接受医学观察%s人。%s",
                pre, v[13], v[15], v[14], post);
    if (!html && b->nchildren) {
        buf_appendf(out, "%s各地情况:", pre);
        for (size_t i = 0; i < b->nchildren; i++) {
            const struct bulletin_child *c = &b->children[i];
            char x[3][32];
            buf_appendf(out, "%s累计确诊%s例、新增%s例、现有%s例%s", c->name,
                        figure(b, &c->f, c->shown, 1, 1, x[0]),
                        figure(b, &c->f, c->shown, 0, 1, x[1]),
                        figure(b, &c->f, c->shown, 2, 1, x[2]), i + 1 < b->nchildren ? ";" : "。");
        }
        buf_puts(out, post);
    }
}

void bulletin_text(const struct bulletin *b, struct buf *out)
{
    int y, m, d;
    int64_t day;
    time_date_parse(b->date, &day);
    time_civil_from_days(day, &y, &m, &d);
    buf_appendf(out, "%s%s疫情通报(%d年%d月%d日)\n\n", b->name, b->disease, y, m, d);
    paragraphs(b, out, "", "\n", 0);
}

/* Figure "col" in English prose: the number, "fewer than N" or "some". */
static const char *figure_en(const struct bulletin *b, const struct bulletin_figures *f,
                             const unsigned char *shown, size_t col, char out[32])
{
    int how = b->min_cell ? shown[col] : BULLETIN_EXACT;
    if (how == BULLETIN_SMALL)
        snprintf(out, 32, "fewer than %d", b->min_cell);
    else if (how == BULLETIN_HIDDEN)
        snprintf(out, 32, "%s", "some");
    else
        snprintf(out, 32, "%lld", (long long)value(f, col));
    return out;
}

void bulletin_text_en(const struct bulletin *b, struct buf *out)
{
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    int y, m, d;
    int64_t day;
    time_date_parse(b->date, &day);
    time_civil_from_days(day, &y, &m, &d);
    const char *month = m >= 1 && m <= 12 ? months[m - 1] : "?";
    char v[BULLETIN_FIGURES][32];
    for (size_t i = 0; i < BULLETIN_FIGURES; i++)
        figure_en(b, &b->total, b->shown, i, v[i]);
    buf_appendf(out, "Daily bulletin of %s, %s (%d %s %d)\n\n", b->name, b->disease, d, month, y);
    buf_appendf(out,
                "As of 24:00 on %d %s, %s had reported %s confirmed cases in total, %s of them "
                "new that day; %s confirmed cases under treatment (%s severe), %s discharged in "
                "total (%s that day), %s deaths in total (%s that day).\n",
                d, month, b->name, v[1], v[0], v[2], v[3], v[5], v[4], v[7], v[6]);
    buf_appendf(out,
                "Suspected cases: %s (%s new that day, %s excluded that day); asymptomatic "
                "infections: %s (%s new that day).\n",
                v[9], v[8], v[12], v[11], v[10]);
    buf_appendf(out,
                "Close contacts traced in total: %s; released from medical observation that "
                "day: %s; still under medical observation: %s.\n",
                v[13], v[15], v[14]);
    if (b->nchildren) {
        buf_puts(out, "By region: ");
        for (size_t i = 0; i < b->nchildren; i++) {
            const struct bulletin_child *c = &b->children[i];
            char x[3][32];
            buf_appendf(out, "%s %s confirmed in total, %s new, %s under treatment%s", c->name,
                        figure_en(b, &c->f, c->shown, 1, x[0]),
                        figure_en(b, &c->f, c->shown, 0, x[1]),
                        figure_en(b, &c->f, c->shown, 2, x[2]), i + 1 < b->nchildren ? "; " : ".");
        }
        buf_puts(out, "\n");
    }
}

void bulletin_html(const struct bulletin *b, struct buf *out)
{
    int y, m, d;
    int64_t day;
    time_date_parse(b->date, &day);
    time_civil_from_days(day, &y, &m, &d);
    buf_puts(out,
             "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
             "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
    buf_put_html(out, b->name);
    buf_put_html(out, b->disease);
    buf_appendf(out, "疫情通报(%d年%d月%d日)</title>", y, m, d);
    buf_puts(
        out,
        "<style>"
        "body{font-family:'FangSong','STFangsong','Noto Serif CJK SC',serif;color:#000;"
        "background:#fff;margin:0}"
        "article{max-width:46em;margin:2em auto;padding:0 1.5em;line-height:1.9;font-size:16pt}"
        "h1{font-family:'SimHei','Noto Sans CJK SC',sans-serif;color:#c00;text-align:center;"
        "font-size:22pt;margin:.5em 0 .2em}"
        ".date{text-align:center;margin:0 0 1em}"
        "p{text-indent:2em;margin:.4em 0}"
        ".table{overflow-x:auto;margin-top:1em}"
        "table{border-collapse:collapse;width:100%;font-size:11pt}"
        "th,td{border:1px solid #000;padding:.2em .4em;text-align:right}"
        "th:first-child,td:first-child{text-align:left;white-space:nowrap}"
        ".issuer{text-align:right;text-indent:0;margin-top:2em}"
        /* a phone: the table scrolls inside its box, the region column stays */
        "@media(max-width:600px){article{margin:1em auto;padding:0 .8em;font-size:13pt}"
        "h1{font-size:18pt}th,td{white-space:nowrap}"
        "th:first-child,td:first-child{position:sticky;left:0;background:#fff}}"
        "@media print{article{margin:0;max-width:none}@page{size:A4;margin:2cm}}"
        "</style></head><body><article class=\"bulletin\"><h1>");
    buf_put_html(out, b->name);
    buf_put_html(out, b->disease);
    buf_puts(out, "疫情通报</h1>");
    buf_appendf(out, "<p class=\"date\">(%d年%d月%d日)</p>", y, m, d);
    paragraphs(b, out, "<p>", "</p>", 1);
    if (b->nchildren) {
        buf_puts(out, "<div class=\"table\" tabindex=\"0\"><table><thead><tr><th>地区</th>");
        static const size_t shown[] = {0, 1, 2, 3, 5, 7, 9, 11, 13, 14};
        for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
            buf_appendf(out, "<th>%s</th>", columns[shown[i]].zh);
        buf_puts(out, "</tr></thead><tbody>");
        for (size_t c = 0; c < b->nchildren; c++) {
            buf_puts(out, "<tr><td>");
            buf_put_html(out, b->children[c].name);
            buf_puts(out, "</td>");
            for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
                char x[32];
                buf_appendf(out, "<td>%s</td>",
                            figure(b, &b->children[c].f, b->children[c].shown, shown[i], 0, x));
            }
            buf_puts(out, "</tr>");
        }
        buf_puts(out, "</tbody></table></div>");
        if (b->min_cell)
            buf_appendf(out,
                        "<p class=\"note\">注:为保护个人隐私,不足%d例(人)的数字显示为“&lt;%d”,"
                        "“*”为防止推算而不公开的数字。</p>",
                        b->min_cell, b->min_cell);
    }
    buf_puts(out, "<p class=\"issuer\">");
    buf_put_html(out, b->name);
    buf_appendf(out, "疫情防控工作指挥部<br>%d年%d月%d日</p></article></body></html>\n", y, m, d);
}

int bulletin_xlsx(const struct bulletin *b, const char *path, struct ep_error *err)
{
    lxw_workbook *book = workbook_new(path);
    if (!book)
        return ep_error_set(err, EP_EINTERNAL, "无法创建 xlsx 文件 %s", "cannot create xlsx %s",
                            path);
    lxw_worksheet *sheet = workbook_add_worksheet(book, "疫情通报");
    lxw_format *bold = workbook_add_format(book);
    format_set_bold(bold);
    char title[512];
    snprintf(title, sizeof title, "%s%s疫情通报(%s)", b->name, b->disease, b->date);
    worksheet_write_string(sheet, 0, 0, title, bold);
    worksheet_write_string(sheet, 2, 0, "地区编码", bold);
    worksheet_write_string(sheet, 2, 1, "地区", bold);
    for (size_t i = 0; i < NCOLUMNS; i++)
        worksheet_write_string(sheet, 2, (lxw_col_t)(i + 2), columns[i].zh, bold);
    worksheet_set_column(sheet, 0, 1, 16, NULL);
    worksheet_set_column(sheet, 2, (lxw_col_t)(NCOLUMNS + 1), 12, NULL);
    lxw_row_t row = 3;
    for (size_t c = 0; c <= b->nchildren; c++, row++) {
        const char *code = c == 0 ? b->code : b->children[c - 1].code;
        const char *name = c == 0 ? b->name : b->children[c - 1].name;
        const struct bulletin_figures *f = c == 0 ? &b->total : &b->children[c - 1].f;
        worksheet_write_string(sheet, row, 0, code, c == 0 ? bold : NULL);
        worksheet_write_string(sheet, row, 1, name, c == 0 ? bold : NULL);
        for (size_t i = 0; i < NCOLUMNS; i++)
            worksheet_write_number(sheet, row, (lxw_col_t)(i + 2), (double)value(f, i),
                                   c == 0 ? bold : NULL);
    }
    lxw_error e = workbook_close(book);
    if (e != LXW_NO_ERROR)
        return ep_error_set(err, EP_EINTERNAL, "写入 xlsx 失败:%s", "writing xlsx failed: %s",
                            lxw_strerror(e));
    return 0;
}

/* ---- issuing: the bulletin as published ------------------------------- */

/* The issued bulletin of (code, day): 0 with its row, 1 when none, negative on error. */
static int issued_read(struct store *s, const char *code, const char *day,
                       struct bulletin_issued *out, struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s,
                      "SELECT id, issued_at, issued_unix, issued_by, body FROM bulletins"
                      " WHERE region_code = ? AND day = ?",
                      err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_text(st, 1, code);
    store_bind_text(st, 2, day);
    int rc = store_step(st, err);
    if (rc == STORE_ROW) {
        memset(out, 0, sizeof *out);
        out->id = store_column_int64(st, 0);
        snprintf(out->issued_at, sizeof out->issued_at, "%s", store_column_text(st, 1));
        out->issued_unix = store_column_int64(st, 2);
        snprintf(out->issued_by, sizeof out->issued_by, "%s", store_column_text(st, 3));
        out->body = json_loads(store_column_text(st, 4), 0, NULL);
        rc = out->body ? 0
                       : ep_error_set(err, EP_EINTERNAL, "已发布的通报 %lld 无法读取",
                                      "issued bulletin %lld cannot be read", (long long)out->id);
    } else if (rc == STORE_DONE) {
        rc = 1;
    }
    store_stmt_reset(st);
    return rc;
}

int bulletin_issued_get(struct store *s, const char *code, const char *day,
                        struct bulletin_issued *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = issued_read(s, code, day, out, err);
    return rc == 1 ? -EP_ENOTFOUND : rc;
}

void bulletin_issued_cleanup(struct bulletin_issued *b)
{
    json_decref(b->body);
    b->body = NULL;
}

int bulletin_issue(struct store *s, const struct actor *who, const char *code, const char *date,
                   struct bulletin_issued *out, struct ep_error *err)
{
    memset(out, 0, sizeof *out);
    int64_t day;
    if (date && time_date_parse(date, &day) == 0 && day >= time_today_cn())
        return ep_error_field(err, "date", "只能发布已结束的一天(今天 24 时之后才能发布今天的通报)",
                              "only a day that has ended can be issued"),
               -EP_EINVAL;
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    struct region r;
    struct bulletin b;
    memset(&b, 0, sizeof b);
    if (write_target_region(&w, code, 0, &r) != 0)
        return write_end(&w, 0);
    struct bulletin_issued before;
    int rc = issued_read(s, r.code, date, &before, err);
    if (rc == 0) {
        write_fail(&w, ep_error_set(err, EP_ECONFLICT, "%s %s 的疫情通报已于 %s 由 %s 发布",
                                    "the bulletin of %s for %s was issued at %s by %s", r.name,
                                    date, before.issued_at, before.issued_by));
        bulletin_issued_cleanup(&before);
        return write_end(&w, 0);
    }
    if (rc < 0 || (rc = bulletin_compute(s, r.code, date, &b, err)) != 0) {
        write_fail(&w, rc);
        return write_end(&w, 0);
    }
    json_t *body = bulletin_json_new(&b);
    bulletin_cleanup(&b);
    char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    struct store_stmt *st =
        write_prepare(&w, "INSERT INTO bulletins (region_code, day, issued_at, issued_unix,"
                          " issued_by, body) VALUES (?, ?, ?, ?, ?, ?)");
    if (st && text) {
        store_bind_text(st, 1, r.code);
        store_bind_text(st, 2, date);
        store_bind_text(st, 3, w.now);
        store_bind_int64(st, 4, w.now_unix);
        store_bind_text(st, 5, who->user->username);
        store_bind_text(st, 6, text);
        if (write_fail(&w, store_run(st, err)) == 0) {
            out->id = store_last_insert_id(s);
            write_audit_new(&w, "issue", "bulletin", out->id, r.code, NULL,
                            json_pack("{s:s, s:s, s:O}", "region_code", r.code, "day", date,
                                      "figures", json_object_get(body, "figures")));
        }
    } else if (st) {
        write_fail(&w, ep_error_set(err, EP_EINTERNAL, "内存不足", "out of memory"));
    }
    free(text);
    if ((rc = write_end(&w, out->id)) != 0) {
        json_decref(body);
        return rc;
    }
    snprintf(out->issued_at, sizeof out->issued_at, "%s", w.now);
    out->issued_unix = w.now_unix;
    snprintf(out->issued_by, sizeof out->issued_by, "%s", who->user->username);
    out->body = body;
    return 0;
}

json_t *bulletin_issued_json_new(const struct bulletin_issued *b)
{
    return json_pack("{s:I, s:s, s:s, s:O}", "id", (json_int_t)b->id, "issued_at", b->issued_at,
                     "issued_by", b->issued_by, "figures", json_object_get(b->body, "figures"));
}

/* One correction: "figure" of region "name" ("" = the bulletin's own). */
static void correction_add(json_t *list, const struct bulletin *now, const char *code,
                           const char *name, size_t col, int64_t was, int64_t is)
{
    int y, m, d;
    int64_t day;
    time_date_parse(now->date, &day);
    time_civil_from_days(day, &y, &m, &d);
    char zh[256], en[256];
    snprintf(zh, sizeof zh, "订正:%s%d月%d日%s由%lld例订正为%lld例", name, m, d, columns[col].zh,
             (long long)was, (long long)is);
    snprintf(en, sizeof en, "correction: %s%s%s of %s corrected from %lld to %lld", name,
             *name ? " " : "", columns[col].name, now->date, (long long)was, (long long)is);
    json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:s}", "region_code",
                                          code, "figure", columns[col].name, "region_name", name,
                                          "published", (json_int_t)was, "now", (json_int_t)is,
                                          "text_zh", zh, "text_en", en));
}

/* The corrections of one row: "published" is its figures object as issued. */
static void corrections_of(json_t *list, const struct bulletin *now, const json_t *published,
                           const struct bulletin_figures *f, const char *code, const char *name)
{
    for (size_t col = 0; col < NCOLUMNS; col++) {
        json_t *v = json_object_get(published, columns[col].name);
        if (json_is_integer(v) && json_integer_value(v) != value(f, col))
            correction_add(list, now, code, name, col, json_integer_value(v), value(f, col));
    }
}

json_t *bulletin_corrections_new(const struct bulletin_issued *issued, const struct bulletin *now)
{
    json_t *list = json_array();
    corrections_of(list, now, json_object_get(issued->body, "figures"), &now->total, now->code, "");
    json_t *children = json_object_get(issued->body, "children"), *c;
    size_t i;
    json_array_foreach(children, i, c)
    {
        const char *code = json_string_value(json_object_get(c, "code"));
        for (size_t k = 0; code && k < now->nchildren; k++)
            if (strcmp(now->children[k].code, code) == 0)
                corrections_of(list, now, json_object_get(c, "figures"), &now->children[k].f, code,
                               now->children[k].name);
    }
    return list;
}

int bulletin_publication_add(struct store *s, const struct bulletin *b, json_t *j, struct buf *text,
                             int lang, struct ep_error *err)
{
    struct bulletin_issued issued;
    int rc = bulletin_issued_get(s, b->code, b->date, &issued, err);
    if (rc == -EP_ENOTFOUND)
        ep_error_clear(err);
    else if (rc != 0)
        return rc;
    json_t *corrections = rc == 0 ? bulletin_corrections_new(&issued, b) : json_array();
    if (j) {
        json_object_set_new(j, "as_of",
                            b->recorded_by ? json_integer(b->recorded_by) : json_null());
        json_object_set_new(j, "published",
                            rc == 0 ? bulletin_issued_json_new(&issued) : json_null());
        json_object_set(j, "corrections", corrections);
    }
    size_t i;
    json_t *c;
    if (text)
        json_array_foreach(corrections, i, c) buf_appendf(
            text, lang == EP_LANG_EN ? "%s.\n" : "%s。\n",
            json_string_value(json_object_get(c, lang == EP_LANG_EN ? "text_en" : "text_zh")));
    json_decref(corrections);
    if (rc == 0)
        bulletin_issued_cleanup(&issued);
    return 0;
}
