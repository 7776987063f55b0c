/*
 * main.c -- the epigrid binary: dispatches to a subcommand (src/cli/).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary_zh;
} commands[] = {
    {"init", cli_init, "创建或升级数据库"},
    {"demo", cli_demo, "生成示范城市(永州市)数据"},
    {"serve", cli_serve, "启动 HTTP 服务(API 与网页)"},
    {"import", cli_import, "从 CSV 导入住户或人员"},
    {"export", cli_export, "导出住户或人员(CSV/XLSX)"},
    {"round", cli_round, "排查轮次:open | list | close"},
    {"user", cli_user, "用户管理:add | passwd | disable | list"},
    {"token", cli_token, "API 令牌:create | list | revoke"},
    {"stats", cli_stats, "地区汇总数据与排查覆盖率(JSON)"},
    {"routes", cli_routes, "列出 API 路由及所需权限(JSON)"},
    {"openapi", cli_openapi, "输出 API 的 OpenAPI 3.1 描述(JSON)"},
    {"bulletin", cli_bulletin, "疫情通报(json/html/text/xlsx)"},
    {"outbreak", cli_outbreak, "在示范城市上模拟疫情(病例、密接、出院)"},
    {"sweep", cli_sweep, "查找逾期未报告的观察对象(--at 指定时刻)"},
    {"backup", cli_backup, "在线备份数据库(服务可继续写入)"},
    {"restore", cli_restore, "从备份恢复数据库(需先停止服务)"},
    {"check", cli_check, "完整性检查并核对全部汇总计数"},
    {"version", cli_version, "显示版本"},
};

static void usage(FILE *f)
{
    fputs(
        "用法 usage: epigrid <命令 command> [--db PATH] [options]   (epigrid <command> --help)\n\n",
        f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary_zh);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0)
        return cli_version(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "epigrid: 未知命令 unknown command: %s\n\n", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}
