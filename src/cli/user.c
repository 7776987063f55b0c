/*
 * user.c -- `epigrid user add|passwd|set|disable|list` and `epigrid token
 * create|list|revoke`.  Passwords never come from argv: stdin when it is not
 * a terminal, otherwise a prompt without echo.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/auth.h"

static const char *USER_HELP =
    "用法 usage:\n"
    "  epigrid user add USERNAME --role ROLE --scope CODE [--name 姓名] [--phone P] [--db PATH]\n"
    "  epigrid user passwd USERNAME [--db PATH]\n"
    "  epigrid user set USERNAME [--role ROLE] [--scope CODE] [--db PATH]\n"
    "  epigrid user disable USERNAME [--db PATH]\n"
    "  passwd、set、disable 结束该用户的全部会话并吊销其全部令牌。\n"
    "  passwd, set and disable end every session and revoke every token of the user.\n"
    "  epigrid user list [--scope CODE] [--db PATH]\n"
    "  密码从标准输入读取(非终端时)或提示输入;不接受命令行参数。\n"
    "  The password is read from stdin (when not a terminal) or prompted; never from argv.\n"
    "  ROLE: admin commander grid_worker health organiser supplies inspector viewer";

static int print_user(const struct auth_user *u, int active, const char *phone, void *ctx)
{
    (void)ctx;
    printf("%s\t%s\t%s\t%s\t%s\t%s\n", u->username, u->display_name, auth_role_name(u->role),
           u->scope, active ? "active" : "disabled", phone);
    return 0;
}

int cli_user(int argc, char **argv)
{
    const char *db = NULL, *role = NULL, *scope = NULL, *name = NULL, *phone = NULL;
    const struct cli_option opts[] = {{"db", 'd', &db, NULL},       {"role", 'r', &role, NULL},
                                      {"scope", 's', &scope, NULL}, {"name", 'n', &name, NULL},
                                      {"phone", 'p', &phone, NULL}, {NULL, 0, NULL, NULL}};
    int status = cli_options_parse(argc, argv, opts, USER_HELP, 0);
    if (status >= 0)
        return status;
    if (optind >= argc) {
        return cli_usage(USER_HELP);
    }
    const char *action = argv[optind];
    const char *username = optind + 1 < argc ? argv[optind + 1] : NULL;
    int needs_user = strcmp(action, "list") != 0;
    if ((needs_user && !username) ||
        (strcmp(action, "add") && strcmp(action, "passwd") && strcmp(action, "set") &&
         strcmp(action, "disable") && strcmp(action, "list"))) {
        return cli_usage(USER_HELP);
    }
    struct ep_error err;
    struct store *s = cli_store(db, &err);
    if (!s)
        return CLI_FAIL;
    int rc = 0;
    char password[256] = "";
    if (strcmp(action, "add") == 0 || strcmp(action, "passwd") == 0) {
        if (cli_read_password(password, sizeof password) != 0) {
            fputs("epigrid: 未读到密码 / no password read\n", stderr);
            store_close(s);
            return CLI_FAIL;
        }
    }
    if (strcmp(action, "add") == 0) {
        struct auth_user_input in = {username, name, role, scope, phone, password};
        rc = auth_user_create(s, NULL, "cli", &in, NULL, &err);
        if (rc == 0)
            fprintf(stderr, "epigrid: user %s created\n", username);
    } else if (strcmp(action, "passwd") == 0) {
        rc = auth_user_set_password(s, username, password, &err);
    } else if (strcmp(action, "set") == 0) {
        rc = auth_user_update(s, username, role, scope, &err);
    } else if (strcmp(action, "disable") == 0) {
        rc = auth_user_disable(s, username, &err);
    } else {
        rc = auth_user_list(s, scope ? scope : "", NULL, 1000000, print_user, NULL, &err);
    }
    memset(password, 0, sizeof password);
    store_close(s);
    if (rc != 0) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    return CLI_OK;
}

static const char *TOKEN_HELP =
    "用法 usage:\n"
    "  epigrid token create USERNAME [--label TEXT] [--db PATH]   打印令牌 / prints the token\n"
    "  epigrid token list [--db PATH]\n"
    "  epigrid token revoke ID [--db PATH]\n"
    "  使用 use: Authorization: Bearer <token>";

static int print_token(int64_t id, const char *username, const char *label, const char *created_at,
                       const char *revoked_at, void *ctx)
{
    (void)ctx;
    printf("%lld\t%s\t%s\t%s\t%s\n", (long long)id, username, label, created_at,
           *revoked_at ? revoked_at : "active");
    return 0;
}

int cli_token(int argc, char **argv)
{
    const char *db = NULL, *label = NULL;
    const struct cli_option opts[] = {
        {"db", 'd', &db, NULL}, {"label", 'l', &label, NULL}, {NULL, 0, NULL, NULL}};
    int status = cli_options_parse(argc, argv, opts, TOKEN_HELP, 0);
    if (status >= 0)
        return status;
    const char *action = optind < argc ? argv[optind] : "";
    const char *arg = optind + 1 < argc ? argv[optind + 1] : NULL;
    if (!(strcmp(action, "list") == 0 ||
          ((strcmp(action, "create") == 0 || strcmp(action, "revoke") == 0) && arg))) {
        return cli_usage(TOKEN_HELP);
    }
    struct ep_error err;
    struct store *s = cli_store(db, &err);
    if (!s)
        return CLI_FAIL;
    int rc;
    if (strcmp(action, "create") == 0) {
        char token[AUTH_TOKEN_HEX + 1];
        int64_t id;
        rc = auth_token_create(s, arg, label, token, &id, &err);
        if (rc == 0)
            printf("%s\n", token);
    } else if (strcmp(action, "revoke") == 0) {
        char *end;
        long long id = strtoll(arg, &end, 10);
        rc = *end ? ep_error_set(&err, EP_EINVAL, "令牌编号无效", "invalid token id")
                  : auth_token_revoke(s, id, &err);
    } else {
        rc = auth_token_list(s, print_token, NULL, &err);
    }
    store_close(s);
    if (rc != 0) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    return CLI_OK;
}
