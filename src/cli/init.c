/*
 * init.c -- `epigrid init --db PATH`: create or upgrade the database; with
 * --city CODE the city is loaded with its real counties, townships and
 * villages from the embedded national division table (core/division.h;
 * --city-only: the city region alone, as --city-name names it).  Safe to run
 * twice.  Also `epigrid version` and `epigrid routes`.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/audit.h"
#include "core/auth.h"
#include "core/division.h"
#include "core/region.h"
#include "http/openapi.h"
#include "http/router.h"

#ifndef EPIGRID_VERSION
#define EPIGRID_VERSION "dev"
#endif

static const char *INIT_HELP =
    "用法 usage: epigrid init [--db PATH] [--city CODE [--city-name 名称]\n"
    "                          [--functional-zones | --city-only]]\n"
    "  创建数据库(若不存在)并执行全部未执行的迁移;可重复执行。\n"
    "  --city 同时载入该市及其全部县区、乡镇街道、村和社区(国家统计局统计用区划代码,\n"
    "  2023 年版,内置于程序;已存在的地区保持不变);名称取自代码表,--city-name "
    "另起名称。\n"
    "  --functional-zones 连同功能区(编码 xxxx7x,如经济技术开发区、管理区)一起载入。\n"
    "  --city-only 只建市级地区(名称由 --city-name 给出)。\n"
    "  Creates the database if missing and applies pending migrations; safe to "
    "repeat.\n"
    "  --city also loads the city with all its counties, townships, villages and\n"
    "  communities from the built-in national division codes (2023; regions that\n"
    "  exist are kept); --functional-zones adds the functional zones (xxxx7x);\n"
    "  --city-only creates the city region alone.";

int cli_init(int argc, char **argv)
{
    const char *db = NULL, *city = NULL, *city_name = NULL;
    int city_only = 0, functional_zones = 0;
    const struct cli_option opts[] = {{"db", 'd', &db, NULL},
                                      {"city", 'c', &city, NULL},
                                      {"city-name", 'n', &city_name, NULL},
                                      {"city-only", 'o', NULL, &city_only},
                                      {"functional-zones", 'z', NULL, &functional_zones},
                                      {NULL, 0, NULL, NULL}};
    int status = cli_options_parse(argc, argv, opts, INIT_HELP, 0);
    if (status >= 0)
        return status;
    int flags = functional_zones ? DIVISION_FUNCTIONAL_ZONES : 0;
    const char *path = cli_db_path(db);
    struct store *s;
    struct ep_error err;
    ep_error_clear(&err);
    if (store_open(&s, path, STORE_OPEN_CREATE, &err) != 0) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    int applied = 0;
    int rc = store_migrate(s, &applied, &err);
    int version = rc == 0 ? store_schema_version(s, &err) : -1;
    struct division_load load = {0};
    if (rc == 0 && version >= 0 && city) {
        struct region r;
        if (region_level_of_code(city) != REGION_CITY) {
            ep_error_field(&err, "city", "市级编码应为 4 位数字", "city code must be 4 digits");
            rc = -EP_EINVAL;
        } else if (!city_only) {
            struct auth_user user;
            struct actor who;
            audit_cli_actor(&user, &who);
            rc = division_city_load(s, &who, city, city_name, flags, &load, &err);
        } else if (region_get(s, city, &r, &err) != 0) {
            ep_error_clear(&err);
            rc = region_create(s, city, city_name ? city_name : city, &err);
        }
    }
    store_close(s);
    if (rc != 0 || version < 0) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    char shown[512];
    store_path_display(path, shown, sizeof shown);
    fprintf(stderr, "epigrid: %s schema %d (%d migration(s) applied)\n", shown, version, applied);
    if (city && !city_only)
        fprintf(stderr,
                cli_lang() == EP_LANG_EN
                    ? "epigrid: %s: created %d counties, %d townships, %d villages and communities"
                      " (%d regions already there; %s)\n"
                    : "epigrid: %s:新建县区 %d 个、乡镇街道 %d 个、村和社区 %d 个"
                      "(已有 %d 个地区保持不变;%s)\n",
                city, load.created[REGION_COUNTY], load.created[REGION_TOWNSHIP],
                load.created[REGION_VILLAGE],
                load.existing[REGION_CITY] + load.existing[REGION_COUNTY] +
                    load.existing[REGION_TOWNSHIP] + load.existing[REGION_VILLAGE],
                division_source());
    return CLI_OK;
}

int cli_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("epigrid %s\n", EPIGRID_VERSION);
    return CLI_OK;
}

/* The reference fields of a body spec as {"field":..,"kind":..} objects:
 * "a", "a[]" (each element of a list), "a.b" (a member of an object) and
 * "a[].b" (a member of each object of a list). */
static void print_refs(const struct json_field *fields, const char *prefix, int *first)
{
    for (const struct json_field *f = fields; f->name; f++) {
        char name[128];
        snprintf(name, sizeof name, "%s%s%s", prefix, f->name,
                 f->type == JF_ARRAY && (f->elem || f->members) ? "[]" : "");
        if (f->ref) {
            printf("%s{\"field\":\"%s\",\"kind\":\"%s\"}", *first ? "" : ",", name, f->ref);
            *first = 0;
        }
        if (f->members) {
            strcat(name, ".");
            print_refs(f->members, name, first);
        }
    }
}

int cli_openapi(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        puts("用法 usage: epigrid openapi\n  输出 API 的 OpenAPI 3.1 "
             "描述(JSON,由路由表与请求体定义生成)。\n"
             "  Prints the API as an OpenAPI 3.1 document (JSON, made from the route table and\n"
             "  the body specs); the server also serves it at /api/v1/openapi.json.");
        return CLI_OK;
    }
    json_t *doc = http_openapi();
    int rc = json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(doc);
    putchar('\n');
    return rc == 0 ? CLI_OK : CLI_FAIL;
}

int cli_routes(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        puts("用法 usage: epigrid routes\n  以 JSON 输出全部 API 路由、所需权限与角色权限表。\n"
             "  Prints every API route, its permission, and the role table as JSON.");
        return CLI_OK;
    }
    printf("{\"routes\":[");
    for (const struct route *r = http_routes; r->method; r++) {
        printf("%s{\"method\":\"%s\",\"pattern\":\"%s\",\"perm\":\"%s\",\"refs\":[",
               r == http_routes ? "" : ",", r->method, r->pattern, auth_perm_name(r->perm));
        int first = 1;
        if (r->body)
            print_refs(r->body, "", &first);
        printf("]}");
    }
    printf("],\"roles\":{");
    for (int role = 0; role < ROLE_COUNT; role++) {
        printf("%s\"%s\":[", role ? "," : "", auth_role_name(role));
        int first = 1;
        for (int p = 0; p < PERM_COUNT; p++)
            if (auth_role_can(role, p)) {
                printf("%s\"%s\"", first ? "" : ",", auth_perm_name(p));
                first = 0;
            }
        printf("]");
    }
    printf("}}\n");
    return CLI_OK;
}
