/*
 * contact.c -- close contacts and the transmission graph (see contact.h).
 *
 * The graph is walked breadth-first from the case: each node's neighbours
 * come from a few indexed queries (contacts by source, by person; cases by
 * person), every one of them restricted to the caller's scope in the SQL.
 */
#include "core/contact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/case.h"
#include "core/counter.h"
#include "core/event.h"
#include "core/observation.h"
#include "core/ref.h"
#include "core/write.h"
#include "util/idcheck.h"
#include "util/label.h"
#include "util/text.h"
#include "util/timeutil.h"

static const struct label types[] = {
    {"household", "同住"}, {"work", "同事"},      {"social", "聚会/社交"},
    {"medical", "诊疗"},   {"transport", "同乘"}, {"other", "其他"},
};

const char *contact_type_at(int i)
{
    return i >= 0 && (size_t)i < LABEL_COUNT(types) ? types[i].code : NULL;
}

int contact_type_valid(const char *type)
{
    return *contact_type_zh(type) != '\0';
}

const char *contact_type_zh(const char *type)
{
    const struct label *l = label_find(types, LABEL_COUNT(types), type);
    return l ? l->zh : "";
}

void contact_mask_name(const char *name, char *out, size_t size)
{
    size_t len = strlen(name), first = 1;
    if (len == 0) {
        snprintf(out, size, "*");
        return;
    }
    while (first < len && ((unsigned char)name[first] & 0xC0) == 0x80)
        first++;
    size_t rest = utf8_length(name + first, len - first);
    if (rest == 0)
        rest = 1;
    size_t n = 0;
    if (first + 1 > size)
        first = 0;
    memcpy(out, name, first);
    n = first;
    for (size_t i = 0; i < rest && n + 1 < size; i++)
        out[n++] = '*';
    out[n] = '\0';
}

/* ---- reading ------------------------------------------------------------ */

#define COLUMNS                                                                                    \
    "k.id, k.person_id, COALESCE(p.name, ''), k.grid_code, COALESCE(k.source_case_id, 0),"         \
    " COALESCE(k.source_contact_id, 0), k.source_grid, k.contact_type, k.last_contact_date,"       \
    " COALESCE(k.observation_id, 0), COALESCE(o.status, ''), COALESCE(o.planned_end, ''),"         \
    " COALESCE((SELECT max(c.id) FROM cases c WHERE c.person_id = k.person_id), 0),"               \
    " COALESCE(k.note, ''), k.traced_at, k.created_by, COALESCE(k.recorded_at, k.traced_at)"

#define FROM                                                                                       \
    " FROM contacts k JOIN persons p ON p.id = k.person_id"                                        \
    " LEFT JOIN observations o ON o.id = k.observation_id"

#define VISIBLE                                                                                    \
    " ((k.grid_code >= ? AND k.grid_code < ?) OR (k.source_grid >= ? AND k.source_grid < ?))"

static void fill(struct store_stmt *st, void *out)
{
    struct contact *c = out;
    memset(c, 0, sizeof *c);
    c->id = store_column_int64(st, 0);
    c->person_id = store_column_int64(st, 1);
    snprintf(c->person_name, sizeof c->person_name, "%s", store_column_text(st, 2));
    snprintf(c->grid_code, sizeof c->grid_code, "%s", store_column_text(st, 3));
    c->source_case_id = store_column_int64(st, 4);
    c->source_contact_id = store_column_int64(st, 5);
    snprintf(c->source_grid, sizeof c->source_grid, "%s", store_column_text(st, 6));
    snprintf(c->contact_type, sizeof c->contact_type, "%s", store_column_text(st, 7));
    snprintf(c->last_contact_date, sizeof c->last_contact_date, "%s", store_column_text(st, 8));
    c->observation_id = store_column_int64(st, 9);
    snprintf(c->observation_status, sizeof c->observation_status, "%s", store_column_text(st, 10));
    snprintf(c->planned_end, sizeof c->planned_end, "%s", store_column_text(st, 11));
    c->case_id = store_column_int64(st, 12);
    snprintf(c->note, sizeof c->note, "%s", store_column_text(st, 13));
    snprintf(c->traced_at, sizeof c->traced_at, "%s", store_column_text(st, 14));
    snprintf(c->created_by, sizeof c->created_by, "%s", store_column_text(st, 15));
    snprintf(c->recorded_at, sizeof c->recorded_at, "%s", store_column_text(st, 16));
}

static void bind_scope(struct store_stmt *st, int first, const char *scope)
{
    region_bind_range(st, first, scope);
    region_bind_range(st, first + 2, scope);
}

int contact_get(struct store *s, const char *scope, int64_t id, struct contact *out,
                struct ep_error *err)
{
    return ref_get_one(s, "SELECT " COLUMNS FROM " WHERE k.id = ? AND" VISIBLE, bind_scope, scope,
                       REF_CONTACT, id, fill, out, err);
}

#define LIST_REST                                                                                  \
    " k.id > ? AND" VISIBLE " AND (? IS NULL OR (k.grid_code >= ? AND k.grid_code < ?))"           \
    " AND (? = 0 OR k.source_case_id = ?) AND (? = 0 OR k.source_contact_id = ?)"                  \
    " AND (? = 0 OR k.person_id = ?) ORDER BY k.id LIMIT ?"

int contact_list(struct store *s, const struct contact_filter *f, contact_fn fn, void *ctx,
                 struct ep_error *err)
{
    /* One statement per driving index (source case, source contact,
     * person, or the id order); the other conditions are residual. */
    struct store_stmt *st;
    int64_t key = 0;
    if (f->source_case_id > 0) {
        st = store_prepare(s, "SELECT " COLUMNS FROM " WHERE k.source_case_id = ? AND" LIST_REST,
                           err);
        key = f->source_case_id;
    } else if (f->source_contact_id > 0) {
        st = store_prepare(s, "SELECT " COLUMNS FROM " WHERE k.source_contact_id = ? AND" LIST_REST,
                           err);
        key = f->source_contact_id;
    } else if (f->person_id > 0) {
        st = store_prepare(s, "SELECT " COLUMNS FROM " WHERE k.person_id = ? AND" LIST_REST, err);
        key = f->person_id;
    } else {
        st = store_prepare(s, "SELECT " COLUMNS FROM " WHERE ? = 0 AND" LIST_REST, err);
    }
    if (!st)
        return -EP_EINTERNAL;
    store_bind_int64(st, 1, key);
    store_bind_int64(st, 2, f->after_id);
    bind_scope(st, 3, f->scope);
    const char *region = f->region && *f->region ? f->region : NULL;
    char upper[REGION_CODE_MAX] = "";
    if (region)
        region_code_range(region, upper);
    store_bind_text_twice(st, 7, region);
    store_bind_text(st, 9, region ? upper : NULL);
    store_bind_int64_twice(st, 10, f->source_case_id);
    store_bind_int64_twice(st, 12, f->source_contact_id);
    store_bind_int64_twice(st, 14, f->person_id);
    store_bind_int64(st, 16, f->limit > 0 ? f->limit : INT64_MAX);
    int rc;
    struct contact c;
    while ((rc = store_step(st, err)) == STORE_ROW) {
        fill(st, &c);
        if ((rc = fn(&c, ctx)) != 0)
            break;
    }
    store_stmt_reset(st);
    return rc;
}

static json_t *opt_text(const char *v)
{
    return v && *v ? json_string(v) : json_null();
}

json_t *contact_json_new(const struct contact *c)
{
    json_t *j =
        json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)c->id, "person_id",
                  (json_int_t)c->person_id, "person_name", c->person_name, "grid_code",
                  c->grid_code, "contact_type", c->contact_type, "contact_type_zh",
                  text_or(contact_type_zh(c->contact_type), c->contact_type), "last_contact_date",
                  c->last_contact_date);
    json_object_set_new(
        j, "source",
        json_pack("{s:s, s:I}", "kind", c->source_case_id ? "case" : "contact", "id",
                  (json_int_t)(c->source_case_id ? c->source_case_id : c->source_contact_id)));
    json_object_set_new(j, "observation",
                        c->observation_id
                            ? json_pack("{s:I, s:s, s:s}", "id", (json_int_t)c->observation_id,
                                        "status", c->observation_status, "planned_end",
                                        c->planned_end)
                            : json_null());
    json_object_set_new(j, "case_id", c->case_id ? json_integer(c->case_id) : json_null());
    json_object_set_new(j, "note", opt_text(c->note));
    json_object_set_new(j, "traced_at", json_string(c->traced_at));
    json_object_set_new(j, "recorded_at", json_string(c->recorded_at));
    json_object_set_new(j, "created_by", json_string(c->created_by));
    return j;
}

/* ---- writing ------------------------------------------------------------ */

static int64_t now_or(int64_t t)
{
    return t > 0 ? t : (int64_t)time(NULL);
}

int contact_input_check(struct store *s, const struct contact_input *in, struct ep_error *err)
{
    (void)s; /* an inline person's references are checked by person_create's write */
    int64_t at_unix = now_or(in->at_unix), today, last;
    char traced_at[32];
    time_iso_from_unix((time_t)at_unix, traced_at);
    traced_at[10] = '\0';
    time_date_parse(traced_at, &today);
    if ((in->source_case_id > 0) == (in->source_contact_id > 0))
        ep_error_field(err, "source_case_id", "须给出 source_case_id 或 source_contact_id 之一",
                       "give exactly one of source_case_id and source_contact_id");
    if (!in->contact_type)
        ep_error_field(err, "contact_type", "必填", "is required");
    else if (!contact_type_valid(in->contact_type))
        ep_error_field(err, "contact_type",
                       "应为 household、work、social、medical、transport 或 other",
                       "must be household, work, social, medical, transport or other");
    if (!in->last_contact_date)
        ep_error_field(err, "last_contact_date", "必填", "is required");
    else if (time_date_parse(in->last_contact_date, &last) != 0)
        ep_error_field(err, "last_contact_date", "日期无效,格式应为 YYYY-MM-DD",
                       "invalid date, expected YYYY-MM-DD");
    else if (last > today)
        ep_error_field(err, "last_contact_date", "不能晚于今天", "cannot be in the future");
    if (in->note) {
        size_t len = strlen(in->note);
        if (!utf8_valid(in->note, len) || utf8_length(in->note, len) > 300 || len >= 1024)
            ep_error_field(err, "note", "应为不超过 300 个字的文本",
                           "must be text of at most 300 characters");
    }
    if ((in->person_id > 0) == (in->person != NULL))
        ep_error_field(err, "person_id", "须给出 person_id 或 person(现场登记)之一",
                       "give exactly one of person_id and person (registered now)");
    if (in->person) {
        struct person p;
        struct ep_error perr;
        ep_error_clear(&perr);
        if (person_validate(in->person, 0, &p, &perr) != 0) {
            if (perr.code != EP_EINVAL) {
                *err = perr;
                return -err->code;
            }
            int from = err->nfields;
            for (int i = 0; i < perr.nfields; i++)
                ep_error_field(err, perr.fields[i].field, "%s%.0s", "%.0s%s", perr.fields[i].msg[0],
                               perr.fields[i].msg[1]);
            ep_error_fields_prefix(err, from, "person.");
        }
    }
    return err->code ? -err->code : 0;
}

/* Runs "rc" (a store or lookup call's result, err filled) into the write. */
static int step(struct write *w, int rc)
{
    return rc < 0 ? write_fail(w, rc) : w->rc;
}

/* The source of a new contact, visible to who (a case, or a contact seen
 * from its own or its source's jurisdiction): its grid and its person. */
static int source_load(struct write *w, const struct contact_input *in, char grid[REGION_CODE_MAX],
                       int64_t *person_id)
{
    *person_id = 0;
    if (in->source_case_id > 0) {
        if (write_ref(w, REF_CASE, in->source_case_id, "source_case_id", grid) == 1) {
            struct case_record c;
            if (step(w, case_get(w->s, "", in->source_case_id, &c, w->err)) == 0)
                *person_id = c.person_id;
        }
    } else if (write_ref(w, REF_CONTACT, in->source_contact_id, "source_contact_id", grid) == 1) {
        struct contact k;
        if (step(w, contact_get(w->s, "", in->source_contact_id, &k, w->err)) == 0)
            *person_id = k.person_id;
    }
    return w->rc;
}

int contact_create(struct store *s, const struct actor *who, const struct contact_input *in,
                   struct idem_key *idem, struct contact *out, struct ep_error *err)
{
    int64_t now = now_or(in->at_unix), at_unix = now, last;
    if (occurred_parse(s, "occurred_at", in->occurred_at, now, &at_unix, err) == -EP_EINTERNAL)
        return -EP_EINTERNAL;
    char traced_at[32], traced_day[11];
    time_iso_from_unix((time_t)at_unix, traced_at);
    time_date_format(time_day_of_unix(at_unix), traced_day);
    if (contact_input_check(s, in, err) != 0 && !err->nfields)
        return -err->code;
    if (in->occurred_at && in->last_contact_date &&
        time_date_parse(in->last_contact_date, &last) == 0 &&
        strcmp(in->last_contact_date, traced_day) > 0)
        ep_error_field(err, "last_contact_date", "不能晚于追踪日期(%s)",
                       "cannot be after the day it was traced (%s)", traced_day);
    if (err->code)
        return -err->code;

    struct write w;
    int64_t contact_id = 0;
    int rc = write_begin(&w, s, who, "contact", idem, &contact_id, err);
    if (rc == WRITE_REPLAY)
        return contact_get(s, who->user->scope, contact_id, out, err);
    if (rc != 0)
        return rc;
    write_clock(&w, in->at_unix);
    if (at_unix != w.now_unix)
        write_occurred(&w, at_unix);
    /* The source and an already registered person: visible to who, or not
     * found (the same answer for a record of another county). */
    char source_grid[REGION_CODE_MAX] = "";
    int64_t source_person = 0;
    struct person p;
    memset(&p, 0, sizeof p);
    source_load(&w, in, source_grid, &source_person);
    if (in->person_id > 0 &&
        write_ref(&w, REF_PERSON, in->person_id, "person_id", p.grid_code) == 1)
        p.id = in->person_id;
    if (write_check(&w) != 0)
        return write_end(&w, 0);
    if (!in->person_id) {
        /* Registered now: the person module's own write (a savepoint of this one). */
        struct person made;
        if ((rc = person_create(s, who, in->person, NULL, &made, err)) != 0) {
            /* Its field errors (input, conflict, a household or grid
             * missing or outside the scope) are the "person" object's. */
            if (rc == -EP_ECONFLICT || rc == -EP_EINVAL || rc == -EP_ENOTFOUND)
                ep_error_fields_prefix(err, 0, "person.");
            write_fail(&w, rc);
            return write_end(&w, 0);
        }
        p = made;
    }
    if (p.id == source_person) {
        ep_error_field(err, "person_id", "密切接触者不能是传染源本人",
                       "a contact cannot be the source person");
        write_check(&w);
        return write_end(&w, 0);
    }
    struct store_stmt *st =
        store_prepare(s,
                      "INSERT INTO contacts (person_id, grid_code, source_case_id,"
                      " source_contact_id, source_grid, contact_type, last_contact_date, note,"
                      " traced_at, traced_day, created_by, recorded_at)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      err);
    if (!st) {
        write_fail(&w, -EP_EINTERNAL);
        return write_end(&w, 0);
    }
    store_bind_int64(st, 1, p.id);
    store_bind_text(st, 2, p.grid_code);
    if (in->source_case_id > 0) {
        store_bind_int64(st, 3, in->source_case_id);
        store_bind_null(st, 4);
    } else {
        store_bind_null(st, 3);
        store_bind_int64(st, 4, in->source_contact_id);
    }
    store_bind_text(st, 5, source_grid);
    store_bind_text(st, 6, in->contact_type);
    store_bind_text(st, 7, in->last_contact_date);
    store_bind_text(st, 8, in->note && *in->note ? in->note : NULL);
    store_bind_text(st, 9, traced_at);
    store_bind_text(st, 10, traced_day);
    store_bind_text(st, 11, who->user->username);
    store_bind_text(st, 12, w.now);
    if ((rc = store_run(st, err)) != 0) {
        if (rc == -EP_ECONFLICT) { /* person and source are visible: this leaks nothing */
            ep_error_clear(err);
            ep_error_field(err, "person_id", "此人已登记为该传染源的密切接触者",
                           "this person is already a contact of this source");
            rc = ep_error_set(err, EP_ECONFLICT, "密切接触者已登记", "contact already recorded");
        }
        write_fail(&w, rc);
        return write_end(&w, 0);
    }
    contact_id = store_last_insert_id(s);
    char source[32];
    snprintf(source, sizeof source, "contact:%lld", (long long)contact_id);
    struct observation_open_input oi = {
        .person_id = p.id,
        .kind = "medical",
        .reason = "contact",
        .start_date = in->last_contact_date,
        .source = source,
        .opened_unix = at_unix, /* traced then: slots before it are not due */
    };
    int64_t obs_id;
    int opened;
    if (observation_open_step(&w, &oi, &obs_id, &opened) != 0)
        return write_end(&w, 0);
    st = store_prepare(s, "UPDATE contacts SET observation_id = ? WHERE id = ?", err);
    if (!st) {
        write_fail(&w, -EP_EINTERNAL);
        return write_end(&w, 0);
    }
    store_bind_int64(st, 1, obs_id);
    store_bind_int64(st, 2, contact_id);
    if (step(&w, store_run(st, err)) != 0 ||
        write_count(&w, p.grid_code, "contacts_total", 1) != 0 ||
        step(&w, contact_get(s, "", contact_id, out, err)) != 0)
        return write_end(&w, 0);
    json_t *after = contact_json_new(out);
    json_object_del(after, "person_name");
    write_audit_new(&w, "create", "contact", contact_id, p.grid_code, NULL, after);
    if (write_ok(&w)) {
        json_t *payload =
            json_pack("{s:I, s:s}", "id", (json_int_t)contact_id, "grid_code", p.grid_code);
        step(&w, event_publish(s, p.grid_code, "contact.created", payload, NULL, err));
        json_decref(payload);
    }
    return write_end(&w, contact_id);
}

int contact_counters_rebuild(struct store *s, struct ep_error *err)
{
    return counter_rebuild(s, "contacts_total",
                           "SELECT grid_code, count(*) FROM contacts GROUP BY grid_code", err);
}

/* ---- the transmission graph ------------------------------------------- */

#define CHAIN_MAX_NODES 1000

struct node {
    int is_case;
    int64_t id;
    int64_t person_id;
    int64_t source_case_id, source_contact_id; /* contacts only */
    char type[16];                             /* contacts only: the contact type */
};

struct chain {
    struct store *s;
    const char *scope;
    struct node *nodes;
    size_t n, cap;
    json_t *jnodes, *jedges, *edge_keys;
    int truncated;
    struct ep_error *err;
};

/* Adds a node once (queued for expansion). */
static void node_add(struct chain *ch, const struct node *nd, const char *name,
                     const char *classification)
{
    for (size_t i = 0; i < ch->n; i++)
        if (ch->nodes[i].is_case == nd->is_case && ch->nodes[i].id == nd->id)
            return;
    if (ch->n >= CHAIN_MAX_NODES) {
        ch->truncated = 1;
        return;
    }
    if (ch->n == ch->cap) {
        size_t cap = ch->cap ? ch->cap * 2 : 32;
        struct node *more = realloc(ch->nodes, cap * sizeof *more);
        if (!more) {
            ch->truncated = 1;
            return;
        }
        ch->nodes = more;
        ch->cap = cap;
    }
    ch->nodes[ch->n++] = *nd;
    char label[128], key[32];
    contact_mask_name(name, label, sizeof label);
    snprintf(key, sizeof key, "%s:%lld", nd->is_case ? "case" : "contact", (long long)nd->id);
    json_array_append_new(ch->jnodes, json_pack("{s:s, s:s, s:s, s:s}", "id", key, "kind",
                                                nd->is_case ? "case" : "contact", "label", label,
                                                "classification", classification));
}

static void edge_add(struct chain *ch, const struct node *from, const struct node *to,
                     const char *type)
{
    char a[32], b[32], key[72];
    snprintf(a, sizeof a, "%s:%lld", from->is_case ? "case" : "contact", (long long)from->id);
    snprintf(b, sizeof b, "%s:%lld", to->is_case ? "case" : "contact", (long long)to->id);
    snprintf(key, sizeof key, "%s>%s", a, b);
    if (json_object_get(ch->edge_keys, key))
        return;
    json_object_set_new(ch->edge_keys, key, json_true());
    json_array_append_new(ch->jedges,
                          json_pack("{s:s, s:s, s:s}", "from", a, "to", b, "type", type));
}

static const char *contact_class(const struct contact *k)
{
    return k->source_case_id ? "close_contact" : "secondary_contact";
}

static void add_contact_node(struct chain *ch, const struct contact *k)
{
    struct node nd = {0, k->id, k->person_id, k->source_case_id, k->source_contact_id, ""};
    snprintf(nd.type, sizeof nd.type, "%s", k->contact_type);
    node_add(ch, &nd, k->person_name, contact_class(k));
}

static void add_case_node(struct chain *ch, const struct case_record *c)
{
    struct node nd = {1, c->id, c->person_id, 0, 0, ""};
    node_add(ch, &nd, c->person_name, c->status);
}

static int on_contact(const struct contact *k, void *arg)
{
    add_contact_node(arg, k);
    return 0;
}

static int on_case(const struct case_record *c, void *arg)
{
    add_case_node(arg, c);
    return 0;
}

/* Expands node i: adds its neighbours visible from the scope. */
static int expand(struct chain *ch, size_t i)
{
    struct node nd = ch->nodes[i];
    struct ep_error *err = ch->err;
    if (nd.is_case) {
        struct contact_filter f = {.scope = ch->scope, .source_case_id = nd.id};
        struct contact_filter g = {.scope = ch->scope, .person_id = nd.person_id};
        if (contact_list(ch->s, &f, on_contact, ch, err) != 0 ||
            contact_list(ch->s, &g, on_contact, ch, err) != 0)
            return -err->code;
        return 0;
    }
    struct ep_error quiet;
    ep_error_clear(&quiet);
    if (nd.source_case_id) {
        struct case_record c;
        if (case_get(ch->s, ch->scope, nd.source_case_id, &c, &quiet) == 0)
            add_case_node(ch, &c);
    } else {
        struct contact src;
        if (contact_get(ch->s, ch->scope, nd.source_contact_id, &src, &quiet) == 0)
            add_contact_node(ch, &src);
    }
    struct contact_filter f = {.scope = ch->scope, .source_contact_id = nd.id};
    struct case_filter cf = {.scope = ch->scope, .person_id = nd.person_id};
    if (contact_list(ch->s, &f, on_contact, ch, err) != 0 ||
        case_list(ch->s, &cf, on_case, ch, err) != 0)
        return -err->code;
    return 0;
}

/* Edges among the nodes found: source -> contact, contact -> case. */
static void edges_build(struct chain *ch)
{
    for (size_t i = 0; i < ch->n; i++) {
        const struct node *k = &ch->nodes[i];
        if (k->is_case)
            continue;
        for (size_t j = 0; j < ch->n; j++) {
            const struct node *o = &ch->nodes[j];
            if ((o->is_case && o->id == k->source_case_id) ||
                (!o->is_case && o->id == k->source_contact_id))
                edge_add(ch, o, k, k->type);
            if (o->is_case && o->person_id == k->person_id)
                edge_add(ch, k, o, "became_case");
        }
    }
}

json_t *contact_chain_new(struct store *s, const char *scope, int64_t case_id, struct ep_error *err)
{
    struct case_record root;
    if (case_get(s, scope, case_id, &root, err) != 0)
        return NULL;
    struct chain ch = {.s = s, .scope = scope, .err = err};
    ch.jnodes = json_array();
    ch.jedges = json_array();
    ch.edge_keys = json_object();
    add_case_node(&ch, &root);
    int rc = 0;
    for (size_t i = 0; i < ch.n && rc == 0; i++)
        rc = expand(&ch, i);
    if (rc == 0)
        edges_build(&ch);
    free(ch.nodes);
    json_decref(ch.edge_keys);
    if (rc != 0) {
        json_decref(ch.jnodes);
        json_decref(ch.jedges);
        return NULL;
    }
    char root_key[32];
    snprintf(root_key, sizeof root_key, "case:%lld", (long long)case_id);
    return json_pack("{s:s, s:o, s:o, s:b}", "root", root_key, "nodes", ch.jnodes, "edges",
                     ch.jedges, "truncated", ch.truncated);
}
