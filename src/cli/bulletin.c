/*
 * bulletin.c -- `epigrid bulletin --region CODE --date D --format json|html|text|xlsx
 * [--out FILE]`: the daily epidemic bulletin as it stood at the end of D, the
 * same figures as GET /api/v1/bulletin and /public/bulletin.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/bulletin.h"
#include "util/buf.h"
#include "util/timeutil.h"

static const char usage_text[] =
    "用法 usage: epigrid bulletin --region CODE [--date YYYY-MM-DD] [--as-of TIME]\n"
    "            [--format json|html|text|xlsx] [--out FILE] [--db PATH]\n"
    "  输出该地区截至当日24时的疫情通报(默认今天、JSON、标准输出);xlsx 须用 --out。\n"
    "  --as-of 日期或带时区的时间:只计当时已录入的数据(当时能知道的通报)。\n"
    "  已发布的通报另附发布时的数字与此后的订正。\n"
    "  Prints the region's bulletin as it stood at the end of the date (default\n"
    "  today, JSON, stdout); xlsx needs --out.  --as-of: only what had been\n"
    "  recorded by then.  An issued bulletin comes with its published figures\n"
    "  and the corrections since (docs/time.md).\n";

int cli_bulletin(int argc, char **argv)
{
    const char *db = NULL, *region = NULL, *date = NULL, *format = "json", *out_path = NULL,
               *as_of_text = NULL;
    const struct cli_option opts[] = {
        {"db", 'd', &db, NULL},        {"region", 'r', &region, NULL},
        {"date", 't', &date, NULL},    {"format", 'f', &format, NULL},
        {"out", 'o', &out_path, NULL}, {"as-of", 'a', &as_of_text, NULL},
        {NULL, 0, NULL, NULL}};
    int status = cli_options_parse(argc, argv, opts, usage_text, 1);
    if (status >= 0)
        return status;
    char today[11];
    date = cli_date_or_today(date, today);
    int xlsx = strcmp(format, "xlsx") == 0;
    int64_t as_of = 0, as_of_day;
    if (as_of_text && time_date_parse(as_of_text, &as_of_day) == 0)
        as_of = (as_of_day + 1) * 86400 - TIME_CN_OFFSET_SECONDS - 1;
    else if (as_of_text && time_iso_parse(as_of_text, &as_of) != 0)
        as_of = -1;
    if (!region || !region_level_of_code(region) || time_date_parse(date, NULL) != 0 || as_of < 0 ||
        (strcmp(format, "json") && strcmp(format, "html") && strcmp(format, "text") && !xlsx) ||
        (xlsx && !out_path) || optind < argc) {
        fputs(cli_lang() == EP_LANG_EN
                  ? "epigrid: valid --region, --date and --format needed (xlsx needs --out)\n"
                  : "epigrid: 需要有效的 --region、--date 和 --format(xlsx 须用 --out)\n",
              stderr);
        return cli_usage(usage_text);
    }
    struct ep_error err;
    struct store *s = cli_store(db, &err);
    if (!s)
        return CLI_FAIL;
    struct bulletin b;
    int rc = bulletin_compute_as_of(s, region, date, as_of, &b, &err);
    if (rc != 0) {
        store_close(s);
        cli_print_error(&err);
        return CLI_FAIL;
    }
    if (xlsx) {
        store_close(s);
        rc = bulletin_xlsx(&b, out_path, &err);
        bulletin_cleanup(&b);
        if (rc != 0) {
            cli_print_error(&err);
            return CLI_FAIL;
        }
        return CLI_OK;
    }
    struct buf out;
    buf_init(&out);
    if (strcmp(format, "json") == 0) {
        json_t *j = bulletin_json_new(&b);
        rc = bulletin_publication_add(s, &b, j, NULL, EP_LANG_ZH, &err);
        char *text = json_dumps(j, JSON_INDENT(2));
        buf_puts(&out, text);
        buf_putc(&out, '\n');
        free(text);
        json_decref(j);
    } else if (strcmp(format, "html") == 0) {
        bulletin_html(&b, &out);
    } else {
        bulletin_text(&b, &out);
        rc = bulletin_publication_add(s, &b, NULL, &out, EP_LANG_ZH, &err);
    }
    store_close(s);
    bulletin_cleanup(&b);
    if (rc != 0) {
        buf_cleanup(&out);
        cli_print_error(&err);
        return CLI_FAIL;
    }
    FILE *f = out_path ? fopen(out_path, "wb") : stdout;
    int ok = f && fwrite(out.data, 1, out.len, f) == out.len;
    if (f && f != stdout)
        ok &= fclose(f) == 0;
    buf_cleanup(&out);
    if (!ok) {
        fprintf(stderr, "epigrid: 无法写入 cannot write %s\n", out_path ? out_path : "stdout");
        return CLI_FAIL;
    }
    return CLI_OK;
}
