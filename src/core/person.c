/*
 * person.c -- the registry of persons: validation against GB 11643, scoped
 * reads, writes through the one write path (write.h): references checked
 * against the writer's scope, counters and audit in the same transaction
 * (see person.h).
 *
 * Lists pick one driving index per query (ID number, household, name, or
 * the grid range) and keep the scope as a grid_code range in the SQL, so
 * nothing outside the caller's jurisdiction is ever fetched.
 */
#include "core/person.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/counter.h"
#include "core/ref.h"
#include "util/idcheck.h"
#include "util/label.h"
#include "util/text.h"
#include "util/timeutil.h"

const char *const person_sexes[] = {"M", "F", NULL};

const char *person_sex_zh(char sex)
{
    static const struct label names[] = {{"M", "男"}, {"F", "女"}};
    const char code[2] = {sex, '\0'};
    const struct label *l = label_find(names, LABEL_COUNT(names), code);
    return l ? l->zh : "";
}

#define COLUMNS                                                                                    \
    "id, COALESCE(household_id, 0), grid_code, name, sex, birth_date, id_number,"                  \
    " COALESCE(phone, ''), created_at, updated_at"

static void fill(struct store_stmt *st, void *out)
{
    struct person *p = out;
    memset(p, 0, sizeof *p);
    p->id = store_column_int64(st, 0);
    p->household_id = store_column_int64(st, 1);
    snprintf(p->grid_code, sizeof p->grid_code, "%s", store_column_text(st, 2));
    snprintf(p->name, sizeof p->name, "%s", store_column_text(st, 3));
    p->sex = store_column_text(st, 4)[0];
    snprintf(p->birth_date, sizeof p->birth_date, "%s", store_column_text(st, 5));
    snprintf(p->id_number, sizeof p->id_number, "%s", store_column_text(st, 6));
    snprintf(p->phone, sizeof p->phone, "%s", store_column_text(st, 7));
    snprintf(p->created_at, sizeof p->created_at, "%s", store_column_text(st, 8));
    snprintf(p->updated_at, sizeof p->updated_at, "%s", store_column_text(st, 9));
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

static int all_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ')
            return 0;
    return 1;
}

static void check_name(const char *name, struct person *out, struct ep_error *err)
{
    size_t len = strlen(name);
    if (len == 0 || all_blank(name))
        ep_error_field(err, "name", "必填", "is required");
    else if (!utf8_valid(name, len))
        ep_error_field(err, "name", "不是有效的 UTF-8 文本", "is not valid UTF-8 text");
    else if (utf8_length(name, len) > PERSON_NAME_CHARS || len >= sizeof out->name)
        ep_error_field(err, "name", "不能超过 %d 个字", "must be at most %d characters",
                       PERSON_NAME_CHARS);
    else if (has_control(name))
        ep_error_field(err, "name", "不能包含控制字符", "must not contain control characters");
    else
        memcpy(out->name, name, len + 1);
}

/* Checks an ID number (a trailing 'x' is upper-cased first) and copies the
 * normalised value into out[19].  Returns 1 when valid, with the birth day
 * and sex it encodes; adds one field error naming the problem otherwise. */
static int check_id_number(const char *given, char out[19], int64_t *birth, char *sex,
                           struct ep_error *err)
{
    size_t len = strlen(given);
    char id[19];
    int rc = IDCHECK_LENGTH;
    if (len == 18) {
        memcpy(id, given, 19);
        if (id[17] == 'x')
            id[17] = 'X';
        rc = idcheck_id_number(id, time_today_cn(), birth, sex);
    }
    switch (rc) {
    case IDCHECK_OK:
        memcpy(out, id, 19);
        return 1;
    case IDCHECK_LENGTH:
        ep_error_field(err, "id_number", "身份证号应为 18 位(当前 %zu 位)",
                       "ID number must be 18 characters (got %zu)",
                       utf8_valid(given, len) ? utf8_length(given, len) : len);
        break;
    case IDCHECK_CHARS:
        ep_error_field(err, "id_number", "身份证号前 17 位应为数字,末位为数字或 X",
                       "ID number must be 17 digits followed by a digit or X");
        break;
    case IDCHECK_BIRTH_DATE:
        ep_error_field(err, "id_number", "身份证号中的出生日期(第 7-14 位)不是有效日期",
                       "the birth date in the ID number (characters 7-14) is not a possible date");
        break;
    default:
        ep_error_field(err, "id_number", "身份证号校验位错误,请核对号码",
                       "wrong check digit in the ID number; please check it");
        break;
    }
    return 0;
}

int person_validate(const struct person_input *in, int for_update, struct person *out,
                    struct ep_error *err)
{
    if (!for_update)
        memset(out, 0, sizeof *out);
    int before = err->nfields;

    if (in->name)
        check_name(in->name, out, err);
    else if (!for_update)
        ep_error_field(err, "name", "必填", "is required");

    int64_t birth = 0;
    char id_sex = 0;
    int id_ok = 0;
    if (in->id_number)
        id_ok = check_id_number(in->id_number, out->id_number, &birth, &id_sex, err);
    else if (!for_update)
        ep_error_field(err, "id_number", "必填", "is required");
    else
        id_ok = idcheck_id_number(out->id_number, time_today_cn(), &birth, &id_sex) == IDCHECK_OK;

    if (in->sex) {
        if (!text_in_list(in->sex, person_sexes))
            ep_error_field(err, "sex", "性别应为 M(男)或 F(女)", "sex must be M or F");
        else if (id_ok && in->sex[0] != id_sex)
            ep_error_field(err, "sex", "与身份证号不符(身份证号显示为%s%.0s)",
                           "does not match the ID number (which says %.0s%s)",
                           id_sex == 'M' ? "男" : "女", id_sex == 'M' ? "male" : "female");
    }
    if (in->birth_date) {
        int64_t days;
        char shown[11];
        time_date_format(birth, shown);
        if (time_date_parse(in->birth_date, &days) != 0)
            ep_error_field(err, "birth_date", "日期无效,格式应为 YYYY-MM-DD",
                           "invalid date, expected YYYY-MM-DD");
        else if (id_ok && days != birth)
            ep_error_field(err, "birth_date", "与身份证号中的出生日期 %s 不符",
                           "does not match the birth date %s in the ID number", shown);
    }
    if (id_ok) {
        out->sex = id_sex;
        time_date_format(birth, out->birth_date);
    }

    if (in->phone) {
        if (*in->phone && (strlen(in->phone) >= sizeof out->phone || !idcheck_phone(in->phone)))
            ep_error_field(err, "phone", "电话号码无效(手机 11 位,或 区号-号码 如 0746-1234567)",
                           "invalid phone number (11-digit mobile or area-number such as "
                           "0746-1234567)");
        else
            snprintf(out->phone, sizeof out->phone, "%s", in->phone);
    }

    /* Household and grid: their form here; that they exist, are visible and
     * agree is check_refs()'s. */
    if (in->household_id < 0)
        ep_error_field(err, "household_id", "应为正整数", "must be a positive integer");
    if (in->grid_code) {
        if (region_level_of_code(in->grid_code) != REGION_GRID)
            ep_error_field(err, "grid_code", "网格编码应为 15 位数字",
                           "grid code must be 15 digits");
        else if (in->household_id == 0 && out->household_id > 0 &&
                 strcmp(in->grid_code, out->grid_code) != 0)
            ep_error_field(err, "grid_code", "此人属于住户 %lld,请改为迁入新网格的住户",
                           "this person belongs to household %lld; move them to a household of "
                           "the new grid instead",
                           (long long)out->household_id);
        else
            snprintf(out->grid_code, sizeof out->grid_code, "%s", in->grid_code);
    } else if (!for_update && in->household_id == 0) {
        ep_error_field(err, "grid_code", "没有住户时必填",
                       "is required when there is no household");
    }
    if (in->household_id > 0)
        out->household_id = in->household_id;
    return err->nfields > before || err->code ? -EP_EINVAL : 0;
}

/* 1 if "err" holds a field error on "field". */
static int field_failed(const struct ep_error *err, const char *field)
{
    for (int i = 0; i < err->nfields; i++)
        if (strcmp(err->fields[i].field, field) == 0)
            return 1;
    return 0;
}

/* The references of a validated person in "w": the household and the grid
 * visible to the writer (missing and outside alike), the grid the
 * household's.  A person lives in their household's grid: out->grid_code
 * becomes it.  Ends the write's input phase (write_check). */
static int check_refs(struct write *w, const struct person_input *in, struct person *out)
{
    char household_grid[REGION_CODE_MAX];
    int household_ok = 0, grid_ok = 0;
    if (in->household_id > 0)
        household_ok =
            write_ref(w, REF_HOUSEHOLD, in->household_id, "household_id", household_grid) == 1;
    if (in->grid_code && !field_failed(w->err, "grid_code"))
        grid_ok = write_region(w, in->grid_code, REGION_GRID, "grid_code", NULL) == 1;
    if (household_ok && grid_ok && strcmp(in->grid_code, household_grid) != 0)
        ep_error_field(w->err, "grid_code", "与住户 %lld 所在网格 %s 不一致",
                       "differs from the grid %2$s of household %1$lld",
                       (long long)in->household_id, household_grid);
    if (household_ok)
        memcpy(out->grid_code, household_grid, sizeof out->grid_code);
    return write_check(w);
}

/* Turns a uniqueness failure on persons.id_number into a clear 409. */
static int map_conflict(int rc, const struct person *p, struct ep_error *err)
{
    if (rc != -EP_ECONFLICT || !strstr(err->msg[EP_LANG_EN], "id_number"))
        return rc;
    char masked[19];
    idcheck_mask_id(p->id_number, masked, sizeof masked);
    ep_error_clear(err);
    ep_error_set(err, EP_ECONFLICT, "身份证号 %s 已登记,同一人不能重复登记",
                 "ID number %s is already registered; a person can be registered only once",
                 masked);
    ep_error_field(err, "id_number", "该身份证号已登记", "this ID number is already registered");
    return -EP_ECONFLICT;
}

/* Binds the person's values (persons columns in the order of the INSERT
 * and UPDATE statements) from index 1. */
static void bind_values(struct store_stmt *st, const struct person *p)
{
    char sex[2] = {p->sex, '\0'};
    if (p->household_id > 0)
        store_bind_int64(st, 1, p->household_id);
    store_bind_text(st, 2, p->grid_code);
    store_bind_text(st, 3, p->name);
    store_bind_text(st, 4, sex);
    store_bind_text(st, 5, p->birth_date);
    store_bind_text(st, 6, p->id_number);
    store_bind_text(st, 7, p->phone[0] ? p->phone : NULL);
}

int person_insert(struct write *w, const struct person_input *in, struct person *out)
{
    if (!write_ok(w))
        return w->rc;
    person_validate(in, 0, out, w->err);
    if (check_refs(w, in, out) != 0)
        return w->rc;
    struct store_stmt *st = store_prepare(w->s,
                                          "INSERT INTO persons (household_id, grid_code, name, sex,"
                                          " birth_date, id_number, phone, created_at, updated_at)"
                                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                          w->err);
    if (!st)
        return write_fail(w, -EP_EINTERNAL);
    time_now_iso(out->created_at);
    memcpy(out->updated_at, out->created_at, sizeof out->updated_at);
    bind_values(st, out);
    store_bind_text(st, 8, out->created_at);
    store_bind_text(st, 9, out->updated_at);
    int rc = store_run(st, w->err);
    if (rc == 0)
        out->id = store_last_insert_id(w->s);
    return write_fail(w, map_conflict(rc, out, w->err));
}

/* The person as recorded in the audit log: personal data masked, the
 * birth date as its year (see struct person_pii). */
static json_t *audit_json(const struct person *p)
{
    struct person_pii pii;
    person_pii_fill(p, 1, &pii);
    char sex[2] = {p->sex, '\0'};
    return json_pack("{s:I, s:o, s:s, s:s, s:s, s:i, s:s, s:o}", "id", (json_int_t)p->id,
                     "household_id", p->household_id ? json_integer(p->household_id) : json_null(),
                     "grid_code", p->grid_code, "name", p->name, "sex", sex, "birth_year",
                     pii.birth_year, "id_number", pii.id_number, "phone",
                     p->phone[0] ? json_string(pii.phone) : json_null());
}

int person_create(struct store *s, const struct actor *who, const struct person_input *in,
                  struct idem_key *idem, struct person *out, struct ep_error *err)
{
    struct write w;
    int64_t first = 0;
    int rc = write_begin(&w, s, who, "person", idem, &first, err);
    if (rc == WRITE_REPLAY)
        return person_get(s, who->user->scope, first, out, err);
    if (rc != 0)
        return rc;
    person_insert(&w, in, out);
    write_count(&w, out->grid_code, "persons", 1);
    if (write_ok(&w))
        write_audit_new(&w, "create", "person", out->id, out->grid_code, NULL, audit_json(out));
    return write_end(&w, out->id);
}

int person_get(struct store *s, const char *scope, int64_t id, struct person *out,
               struct ep_error *err)
{
    return ref_get_one(s,
                       "SELECT " COLUMNS " FROM persons WHERE id = ?"
                       " AND grid_code >= ? AND grid_code < ?",
                       NULL, scope, REF_PERSON, id, fill, out, err);
}

int person_update(struct store *s, const struct actor *who, int64_t id,
                  const struct person_input *in, struct person *out, struct ep_error *err)
{
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    struct person before = {0};
    if (write_target(&w, REF_PERSON, id, NULL) == 0)
        write_fail(&w, person_get(s, "", id, &before, err));
    if (write_ok(&w)) {
        *out = before;
        person_validate(in, 1, out, err);
        check_refs(&w, in, out);
    }
    struct store_stmt *st = NULL;
    if (write_ok(&w) && !(st = store_prepare(s,
                                             "UPDATE persons SET household_id = ?, grid_code = ?,"
                                             " name = ?, sex = ?, birth_date = ?, id_number = ?,"
                                             " phone = ?, updated_at = ? WHERE id = ?",
                                             err)))
        write_fail(&w, -EP_EINTERNAL);
    if (write_ok(&w)) {
        time_now_iso(out->updated_at);
        bind_values(st, out);
        store_bind_text(st, 8, out->updated_at);
        store_bind_int64(st, 9, id);
        write_fail(&w, map_conflict(store_run(st, err), out, err));
    }
    if (write_ok(&w) && strcmp(before.grid_code, out->grid_code) != 0) {
        write_count(&w, before.grid_code, "persons", -1);
        write_count(&w, out->grid_code, "persons", 1);
    }
    if (write_ok(&w))
        write_audit_new(&w, "update", "person", id, out->grid_code, audit_json(&before),
                        audit_json(out));
    return write_end(&w, id);
}

/* Binds the start of a (grid_code, id) range at "idx", "idx"+1: after the
 * cursor when it lies in the range, else from the range's lower end.  One
 * row-value bound lets the index seek straight to the page, where a second
 * "grid_code >= lower" bound would make SQLite scan from the lower end. */
static void bind_start(struct store_stmt *st, int idx, const char *lower, const char *after_grid,
                       int64_t after_id)
{
    int cursor = after_grid && strcmp(after_grid, lower) >= 0;
    store_bind_text(st, idx, cursor ? after_grid : lower);
    store_bind_int64(st, idx + 1, cursor ? after_id : 0);
}

/* Calls "fn" with each person "st" yields until it returns non-zero; resets
 * "st".  Returns what "fn" returned, or the store's error. */
static int each_row(struct store_stmt *st, person_fn fn, void *ctx, struct ep_error *err)
{
    int rc;
    struct person p;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        fill(st, &p);
        if ((rc = fn(&p, ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc;
}

int person_list(struct store *s, const struct person_filter *f, person_fn fn, void *ctx,
                struct ep_error *err)
{
    char lower[REGION_CODE_MAX], upper[REGION_CODE_MAX];
    if (!region_narrow(f->scope, f->region, lower))
        return 0;
    region_code_range(lower, upper);
    const char *name = f->name && *f->name ? f->name : NULL;
    char id_number[19] = "";
    if (f->id_number && *f->id_number) {
        if (strlen(f->id_number) != 18)
            return 0; /* no such ID can be stored */
        memcpy(id_number, f->id_number, 19);
        if (id_number[17] == 'x')
            id_number[17] = 'X';
    }
    /* One statement per driving index; the rest are residual conditions. */
    struct store_stmt *st;
    int i = 1;
    if (id_number[0]) {
        st = store_prepare(s,
                           "SELECT " COLUMNS " FROM persons WHERE id_number = ?"
                           " AND (grid_code, id) > (?, ?) AND grid_code < ?"
                           " AND (? IS NULL OR name = ?) AND (? = 0 OR household_id = ?)"
                           " ORDER BY grid_code, id LIMIT ?",
                           err);
        if (st)
            store_bind_text(st, i++, id_number);
    } else if (f->household_id) {
        st = store_prepare(s,
                           "SELECT " COLUMNS " FROM persons WHERE household_id = ?"
                           " AND (grid_code, id) > (?, ?) AND grid_code < ?"
                           " AND (? IS NULL OR name = ?)"
                           " ORDER BY grid_code, id LIMIT ?",
                           err);
        if (st)
            store_bind_int64(st, i++, f->household_id);
    } else if (name) {
        st = store_prepare(s,
                           "SELECT " COLUMNS " FROM persons WHERE name = ?"
                           " AND (grid_code, id) > (?, ?) AND grid_code < ?"
                           " ORDER BY grid_code, id LIMIT ?",
                           err);
        if (st)
            store_bind_text(st, i++, name);
    } else {
        st = store_prepare(s,
                           "SELECT " COLUMNS " FROM persons"
                           " WHERE (grid_code, id) > (?, ?) AND grid_code < ?"
                           " ORDER BY grid_code, id LIMIT ?",
                           err);
    }
    if (!st)
        return -EP_EINTERNAL;
    bind_start(st, i, lower, f->after_grid, f->after_id);
    store_bind_text(st, i + 2, upper);
    i += 3;
    if (id_number[0] || f->household_id) {
        store_bind_text(st, i++, name);
        store_bind_text(st, i++, name);
    }
    if (id_number[0]) {
        store_bind_int64(st, i++, f->household_id);
        store_bind_int64(st, i++, f->household_id);
    }
    store_bind_int64(st, i, f->limit > 0 ? f->limit : INT64_MAX);
    return each_row(st, fn, ctx, err);
}

int person_search(struct store *s, const char *scope, const char *name_prefix, const char *phone,
                  int64_t limit, person_fn fn, void *ctx, struct ep_error *err)
{
    struct store_stmt *st;
    if (phone) {
        st = store_prepare(s,
                           "SELECT " COLUMNS " FROM persons WHERE grid_code >= ? AND grid_code < ?"
                           " AND phone = ? ORDER BY grid_code, id LIMIT ?",
                           err);
        if (st)
            store_bind_text(st, 3, phone);
    } else {
        /* Every name that begins with the prefix sorts below the prefix
         * followed by the last code point (bytes compare: C collation). */
        char upper[PERSON_NAME_MAX + 8];
        snprintf(upper, sizeof upper, "%s\xf4\x8f\xbf\xbf", name_prefix);
        st = store_prepare(s,
                           "SELECT " COLUMNS " FROM persons WHERE grid_code >= ? AND grid_code < ?"
                           " AND name >= ? AND name < ? ORDER BY name, grid_code, id LIMIT ?",
                           err);
        if (st) {
            store_bind_text(st, 3, name_prefix);
            store_bind_text(st, 4, upper);
        }
    }
    if (!st)
        return -EP_EINTERNAL;
    region_bind_range(st, 1, scope);
    store_bind_int64(st, phone ? 4 : 5, limit);
    return each_row(st, fn, ctx, err);
}

void person_pii_fill(const struct person *p, int masked, struct person_pii *out)
{
    out->masked = masked;
    out->birth_year = atoi(p->birth_date);
    if (masked) {
        idcheck_mask_id(p->id_number, out->id_number, sizeof out->id_number);
        idcheck_mask_phone(p->phone, out->phone, sizeof out->phone);
        snprintf(out->birth, sizeof out->birth, "%.4s", p->birth_date);
    } else {
        snprintf(out->id_number, sizeof out->id_number, "%s", p->id_number);
        snprintf(out->phone, sizeof out->phone, "%s", p->phone);
        snprintf(out->birth, sizeof out->birth, "%s", p->birth_date);
    }
}

int person_visible_pii(const struct auth_user *viewer, const struct person *p,
                       struct person_pii *out)
{
    person_pii_fill(p, !auth_pii_visible(viewer, p->grid_code), out);
    return out->masked;
}

int person_unmask(struct store *s, const struct actor *who, int64_t id, struct person *out,
                  struct ep_error *err)
{
    struct write w;
    if (write_begin(&w, s, who, NULL, NULL, NULL, err) != 0)
        return w.rc;
    if (write_target(&w, REF_PERSON, id, NULL) == 0)
        write_fail(&w, person_get(s, "", id, out, err));
    if (write_ok(&w)) {
        char masked[19];
        idcheck_mask_id(out->id_number, masked, sizeof masked);
        write_audit_new(&w, "unmask", "person", id, out->grid_code, NULL,
                        json_pack("{s:s, s:s, s:[ss]}", "name", out->name, "id_number", masked,
                                  "fields", "id_number", "phone"));
    }
    return write_end(&w, id);
}

int person_household_count(struct store *s, int64_t household_id, int64_t *out,
                           struct ep_error *err)
{
    struct store_stmt *st =
        store_prepare(s, "SELECT count(*) FROM persons WHERE household_id = ?", err);
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, household_id);
    return store_step_int64s(st, out, 1, err);
}

int person_id_max(struct store *s, int64_t *out, struct ep_error *err)
{
    struct store_stmt *st = store_prepare(s, "SELECT COALESCE(MAX(id), 0) FROM persons", err);
    if (!st)
        return -EP_EINTERNAL;
    return store_step_int64s(st, out, 1, err);
}

int person_counters_rebuild(struct store *s, struct ep_error *err)
{
    return counter_rebuild(s, "persons",
                           "SELECT grid_code, COUNT(*) FROM persons GROUP BY grid_code", err);
}
