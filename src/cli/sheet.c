/*
 * sheet.c -- the frame of the spreadsheet imports (sheet.h).
 */
#include "cli/sheet.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/person.h"
#include "util/csvread.h"
#include "util/csvwrite.h"

static char *trimmed(const struct csvread_field *f)
{
    const char *p = f->ptr;
    size_t len = f->len;
    while (len && (*p == ' ' || *p == '\t'))
        p++, len--;
    while (len && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
        len--;
    char *out = malloc(len + 1);
    if (!out)
        abort();
    memcpy(out, p, len);
    out[len] = '\0';
    return out;
}

static int column_matches(const struct sheet_column *c, const char *h)
{
    if (strcasecmp(h, c->name) == 0 || strcmp(h, c->zh) == 0)
        return 1;
    for (int i = 0; i < SHEET_ALIASES_MAX && c->aliases[i]; i++)
        if (strcasecmp(h, c->aliases[i]) == 0)
            return 1;
    return 0;
}

static int header(struct sheet *sh, const struct csvread_field *f, size_t n, struct ep_error *err)
{
    sh->header_seen = 1;
    for (int c = 0; c < SHEET_COLUMNS_MAX; c++)
        sh->field_of_column[c] = -1;
    for (size_t i = 0; i < n; i++) {
        char *h = trimmed(&f[i]);
        int found = -1;
        for (int c = 0; c < sh->ncolumns && found < 0; c++)
            if (column_matches(&sh->columns[c], h))
                found = c;
        if (found < 0 && *h)
            ep_error_field(err, h, "第 %zu 列:未知的列名", "column %zu: unknown column name",
                           i + 1);
        else if (found >= 0 && sh->strict_header && sh->field_of_column[found] >= 0)
            ep_error_field(err, h, "第 %zu 列:与第 %d 列重复", "column %zu: repeats column %d",
                           i + 1, sh->field_of_column[found] + 1);
        else if (found >= 0) {
            sh->field_of_column[found] = (int)i;
            snprintf(sh->label[found], sizeof sh->label[found], "%s", h);
        }
        free(h);
    }
    for (int c = 0; c < sh->ncolumns; c++)
        if (sh->columns[c].required && sh->field_of_column[c] < 0)
            ep_error_field(err, sh->columns[c].name, "缺少必需的列“%s”(%s)",
                           "required column %.0s%s is missing", sh->columns[c].zh,
                           sh->columns[c].name);
    if (sh->header_check)
        sh->header_check(sh, err);
    sh->key_column = -1;
    for (int c = 0; c < sh->ncolumns; c++) {
        if (sh->columns[c].key && sh->key_column < 0 && sh->field_of_column[c] >= 0)
            sh->key_column = c;
        sh->ref_map[c] = sh->columns[c].ref && sh->field_of_column[c] >= 0
                             ? idmaps_find(&sh->ids, sh->columns[c].ref)
                             : NULL;
    }
    idmaps_check_used(&sh->ids, err);
    if (err->nfields)
        return ep_error_set(err, EP_EINVAL, "表头有误,未导入任何数据",
                            "bad header row; nothing imported");
    idmap_out_header(&sh->map, sh->key_column >= 0 ? sh->label[sh->key_column] : IDMAP_LINE_KEY,
                     sh->id_kind ? sh->id_kind : "ID");
    return 0;
}

/* The column a field error names: as the header spelled it with
 * strict_header, else the field's own name. */
static const char *label_of(const struct sheet *sh, const char *field)
{
    for (int c = 0; c < sh->ncolumns && sh->strict_header; c++)
        if (strcmp(sh->columns[c].name, field) == 0 && sh->field_of_column[c] >= 0)
            return sh->label[c];
    return field;
}

void sheet_bad(struct sheet *sh, long line, const struct ep_error *e)
{
    sh->bad++;
    int en = sh->lang == EP_LANG_EN;
    if (e->nfields == 0)
        fprintf(stderr, en ? "line %ld: %s\n" : "第 %ld 行: %s\n", line,
                ep_error_message(e, sh->lang));
    for (int i = 0; i < e->nfields; i++)
        fprintf(stderr, en ? "line %ld: %s: %s\n" : "第 %ld 行: %s: %s\n", line,
                label_of(sh, e->fields[i].field), e->fields[i].msg[sh->lang]);
}

/* The references of the row translated through their --ids maps, in place:
 * 0, or 1 with a field error for a value the map does not hold. */
static int translate(struct sheet *sh, char **v, struct ep_error *e)
{
    for (int c = 0; c < sh->ncolumns; c++) {
        if (!sh->ref_map[c] || !v[c])
            continue;
        const char *id = idmap_get(sh->ref_map[c], v[c]);
        if (!id) {
            ep_error_field(e, sh->columns[c].name, "%s 不在对照表 %s 中",
                           "%s is not in the mapping file %s", v[c], sh->ref_map[c]->path);
            continue;
        }
        free(v[c]);
        v[c] = strdup(id);
        if (!v[c])
            abort();
    }
    return e->code ? 1 : 0;
}

const char *sheet_key(const struct sheet *sh, char **v)
{
    return sh->key_column >= 0 ? v[sh->key_column] : NULL;
}

void sheet_made(struct sheet *sh, const char *key, long line, int64_t id, const char *code)
{
    char number[32], text[24];
    if (!key) /* keyed by line; a row whose key cell is empty: "第 N 行", no id's twin */
        snprintf(number, sizeof number, sh->key_column >= 0 ? "第%ld行" : "%ld", line);
    if (!key)
        key = number;
    if (code) {
        if (!sh->imported || strcmp(code, sh->code_first) < 0)
            snprintf(sh->code_first, sizeof sh->code_first, "%s", code);
        if (!sh->imported || strcmp(code, sh->code_last) > 0)
            snprintf(sh->code_last, sizeof sh->code_last, "%s", code);
    } else {
        if (!sh->imported || id < sh->id_first)
            sh->id_first = id;
        if (!sh->imported || id > sh->id_last)
            sh->id_last = id;
        snprintf(text, sizeof text, "%lld", (long long)id);
    }
    idmap_out_add(&sh->map, key, code ? code : text);
    sh->imported++;
}

struct frame {
    struct sheet *sh;
    struct ep_error *err;
};

static int on_record(const struct csvread_field *f, size_t n, long line, void *ctx)
{
    struct frame *fr = ctx;
    struct sheet *sh = fr->sh;
    if (!sh->header_seen)
        return header(sh, f, n, fr->err);
    char *v[SHEET_COLUMNS_MAX] = {0};
    int empty = 1;
    for (int c = 0; c < sh->ncolumns; c++) {
        int i = sh->field_of_column[c];
        if (i >= 0 && (size_t)i < n) {
            v[c] = trimmed(&f[i]);
            const char *plain = csvwrite_unguard(v[c]); /* an export's formula guard */
            if (plain != v[c])
                memmove(v[c], plain, strlen(plain) + 1);
            if (*v[c])
                empty = 0;
            else {
                free(v[c]);
                v[c] = NULL;
            }
        }
    }
    int rc = 0;
    if (!empty) {
        sh->rows++;
        struct ep_error e;
        ep_error_clear(&e);
        rc = translate(sh, v, &e) == 0 ? sh->row(sh, v, line, &e) : 1;
        if (rc == 0) {
        } else if (rc == 1) {
            sheet_bad(sh, line, &e);
            rc = 0;
        } else {
            *fr->err = e;
        }
    }
    for (int c = 0; c < sh->ncolumns; c++)
        free(v[c]);
    return rc;
}

int sheet_options(int argc, char **argv, const char *help, int skip_bad, struct sheet_options *o)
{
    memset(o, 0, sizeof *o);
    const struct cli_option opts[] = {{"db", 'd', &o->db, NULL},
                                      {"dry-run", 'n', NULL, &o->dry_run},
                                      {"map", 'm', &o->map, NULL},
                                      {"ids", 'i', &o->ids, NULL},
                                      /* last: without --skip-bad it ends the table */
                                      {skip_bad ? "skip-bad" : NULL, 's', NULL, &o->skip_bad},
                                      {NULL, 0, NULL, NULL}};
    int status = cli_options_parse(argc, argv, opts, help, 0);
    if (status >= 0)
        return status;
    if (argc - optind != 2)
        return cli_usage(help);
    return -1;
}

static int copy_person(const struct person *p, void *ctx)
{
    *(struct person *)ctx = *p;
    return 1;
}

int sheet_person(struct sheet *sh, const char *id_number, struct person *out, struct ep_error *e)
{
    char upper[19];
    size_t n = strlen(id_number);
    if (n != 18)
        return 0;
    for (size_t i = 0; i <= n; i++)
        upper[i] = id_number[i] == 'x' ? 'X' : id_number[i];
    out->id = 0;
    struct person_filter f = {.scope = sh->who.user->scope, .id_number = upper, .limit = 1};
    int rc = person_list(sh->s, &f, copy_person, out, e);
    return rc < 0 ? rc : out->id > 0;
}

int64_t sheet_id(const char *v)
{
    if (!v || !*v)
        return 0;
    char *end;
    long long n = strtoll(v, &end, 10);
    return *end || n <= 0 ? -1 : n;
}

/* After the commit: the range of the new ids and where the map went. */
static int print_made(struct sheet *sh, struct ep_error *err)
{
    int en = sh->lang == EP_LANG_EN;
    const char *what = en ? sh->what_en : sh->what_zh;
    if (sh->imported && sh->code_first[0])
        fprintf(stderr, en ? "epigrid: new %s codes: %s to %s\n" : "epigrid: 新%s编码:%s 至 %s\n",
                what, sh->code_first, sh->code_last);
    else if (sh->imported)
        fprintf(stderr,
                en ? "epigrid: new %s ids: %lld to %lld\n" : "epigrid: 新%s编号:%lld 至 %lld\n",
                what, (long long)sh->id_first, (long long)sh->id_last);
    return idmap_out_commit(&sh->map, sh->lang, err);
}

int sheet_import(struct sheet *sh, const char *path, const struct sheet_options *o)
{
    sh->lang = cli_lang();
    sh->skip_bad = o->skip_bad;
    sh->dry_run = o->dry_run;
    int en = sh->lang == EP_LANG_EN;
    struct ep_error err;
    ep_error_clear(&err);
    if (idmaps_load(&sh->ids, o->ids, &err) != 0 ||
        idmap_out_open(&sh->map, o->dry_run ? NULL : o->map, &err) != 0) {
        cli_print_error(&err);
        idmaps_free(&sh->ids);
        return CLI_FAIL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, en ? "epigrid: cannot open %s\n" : "epigrid: 无法打开文件 %s\n", path);
        idmap_out_discard(&sh->map);
        idmaps_free(&sh->ids);
        return CLI_FAIL;
    }
    sh->s = cli_open_store(cli_db_path(o->db), 0);
    if (!sh->s) {
        fclose(f);
        idmap_out_discard(&sh->map);
        idmaps_free(&sh->ids);
        return CLI_FAIL;
    }
    struct auth_user user;
    audit_cli_actor(&user, &sh->who);
    struct frame fr = {sh, &err};
    int status = CLI_FAIL, encoding = CSVREAD_ASCII, committed = 0;
    int rc = sh->file_write ? write_begin(&sh->w, sh->s, &sh->who, NULL, NULL, NULL, &err)
                            : store_begin(sh->s, &err);
    if (rc == 0)
        rc = csvread_file(f, on_record, &fr, &encoding, &err);
    if (rc == 0 && !sh->header_seen)
        rc = ep_error_set(&err, EP_EINVAL, "文件为空:第一行应为表头",
                          "empty file: the first row must be the header");
    if (rc == 0 && sh->end)
        rc = sh->end(sh, &err);
    if (rc != 0) {
        if (sh->file_write)
            write_abort(&sh->w);
        else
            store_rollback(sh->s);
        cli_print_error(&err);
    } else if (sh->finish) {
        status = sh->finish(sh, path, encoding, &err);
        committed = status == CLI_OK && !o->dry_run && sh->imported;
    } else if ((sh->bad && !o->skip_bad) || o->dry_run) {
        store_rollback(sh->s);
        if (sh->bad && !o->skip_bad) {
            fprintf(stderr,
                    en ? "epigrid: %ld of %ld rows are bad; nothing imported\n"
                       : "epigrid: %ld 行中有 %ld 行有误,未导入任何数据\n",
                    en ? sh->bad : sh->rows, en ? sh->rows : sh->bad);
        } else {
            fprintf(stderr,
                    en ? "epigrid: dry run: %ld rows good, %ld bad (%s)\n"
                       : "epigrid: 仅检查:%ld 行正确,%ld 行有误(%s)\n",
                    sh->rows - sh->bad, sh->bad, csvread_encoding_name(encoding));
            status = sh->bad ? CLI_FAIL : CLI_OK;
        }
    } else if (store_commit(sh->s, &err) != 0) {
        cli_print_error(&err);
    } else {
        fprintf(stderr,
                en ? "epigrid: imported %ld %s (%ld bad rows skipped; %s)\n"
                   : "epigrid: 已导入 %ld 条%s(跳过 %ld 行有误的数据;编码 %s)\n",
                sh->imported, en ? sh->what_en : sh->what_zh, sh->bad,
                csvread_encoding_name(encoding));
        if (sh->committed)
            sh->committed(sh);
        status = CLI_OK;
        committed = sh->imported > 0;
    }
    if (committed && print_made(sh, &err) != 0) {
        cli_print_error(&err);
        status = CLI_FAIL;
    }
    idmap_out_discard(&sh->map); /* a no-op after the commit */
    idmaps_free(&sh->ids);
    store_close(sh->s);
    sh->s = NULL;
    fclose(f);
    return status;
}
