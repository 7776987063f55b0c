/*
 * backup.c -- `epigrid backup --db PATH --to FILE` and
 * `epigrid restore --from FILE --db PATH [--force]`.
 *
 * Backup copies the live database with the engine's online backup API while
 * the server keeps serving writes (one consistent snapshot; WAL readers do not
 * block the writer), into a temporary file beside FILE, checks the copy with
 * the integrity check, makes it durable and only then renames it to FILE.
 *
 * Restore refuses to replace an existing database without --force; it copies
 * FILE to a temporary file beside PATH, checks that the copy is a sound epigrid
 * database (SQLite header, integrity check, schema_migrations), removes the
 * old database's -wal/-shm files (a stale WAL replayed onto another database
 * would corrupt it), and renames the copy over PATH: the database file is
 * either the old one or the new one, never half of each.  A database that
 * another process has open (a running server) is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/timeutil.h"

#define INTEGRITY_MAX 1024 /* first problems of a failed integrity check shown */

/* fsync()s "path" (a file or, for the rename, its directory). */
static int sync_path(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* fsync()s the directory holding "path", so that a rename in it is durable. */
static int sync_dir_of(const char *path)
{
    char copy[4096];
    if (snprintf(copy, sizeof copy, "%s", path) >= (int)sizeof copy)
        return -1;
    return sync_path(dirname(copy));
}

/* Writes "<path>.<what>-<pid>" into out. */
static int temp_name(char *out, size_t size, const char *path, const char *what)
{
    int n = snprintf(out, size, "%s.%s-%ld", path, what, (long)getpid());
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* Removes "path" and its -wal/-shm/-journal companions (missing ones are fine). */
static void remove_with_companions(const char *path)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char name[4200];
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(name, sizeof name, "%s%s", path, suffix[i]);
        unlink(name);
    }
}

/* Opens "path" (an existing file) and checks that it is a sound epigrid
 * database ("shown" names it in messages).  Returns 0, or -1 with "err" set. */
static int verify_database(const char *path, const char *shown, int *schema, struct ep_error *err)
{
    struct store *s;
    if (store_open(&s, path, 0, err) != 0)
        return -1;
    char problems[INTEGRITY_MAX];
    int rc = store_integrity_check(s, problems, sizeof problems, err);
    if (rc > 0)
        ep_error_set(err, EP_EINTERNAL, "完整性检查未通过:%s", "integrity check failed: %s",
                     problems);
    if (rc == 0) {
        *schema = store_schema_version(s, err);
        if (*schema <= 0) {
            ep_error_clear(err);
            ep_error_set(err, EP_EINVAL, "%s 不是 epigrid 数据库(没有迁移记录)",
                         "%s is not an epigrid database (no migrations recorded)", shown);
            rc = -1;
        }
    }
    store_close(s); /* the last connection checkpoints and removes the -wal */
    return rc == 0 ? 0 : -1;
}

/* 1 if "path" starts with the SQLite file header. */
static int has_sqlite_header(const char *path)
{
    char head[16] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return n == sizeof head && memcmp(head, "SQLite format 3", 16) == 0;
}

/* Copies the file "from" to "to" (created exclusively) and fsync()s it. */
static int copy_file(const char *from, const char *to, struct ep_error *err)
{
    int in = open(from, O_RDONLY);
    if (in < 0)
        return ep_error_set(err, EP_ENOTFOUND, "无法读取 %s:%s", "cannot read %s: %s", from,
                            strerror(errno));
    int out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0640);
    if (out < 0) {
        ep_error_set(err, EP_EINTERNAL, "无法创建 %s:%s", "cannot create %s: %s", to,
                     strerror(errno));
        close(in);
        return -EP_EINTERNAL;
    }
    char buf[1 << 16];
    ssize_t n;
    int rc = 0;
    while ((n = read(in, buf, sizeof buf)) > 0) {
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0) {
                rc = ep_error_set(err, EP_EUNAVAILABLE, "写入 %s 失败:%s", "writing %s failed: %s",
                                  to, strerror(errno));
                goto done;
            }
            off += w;
        }
    }
    if (n < 0)
        rc = ep_error_set(err, EP_EINTERNAL, "读取 %s 失败:%s", "reading %s failed: %s", from,
                          strerror(errno));
    else if (fsync(out) != 0)
        rc = ep_error_set(err, EP_EUNAVAILABLE, "写入 %s 失败:%s", "writing %s failed: %s", to,
                          strerror(errno));
done:
    close(in);
    if (close(out) != 0 && rc == 0)
        rc = ep_error_set(err, EP_EUNAVAILABLE, "写入 %s 失败:%s", "writing %s failed: %s", to,
                          strerror(errno));
    return rc;
}

/* 1 if another process has the SQLite database "path" open: in WAL mode every
 * connection holds a read lock on the "dead man switch" byte of the -shm file
 * (offset 128, os_unix.c UNIX_SHM_DMS) while it is open; F_GETLK reports it
 * without taking anything. */
static int database_in_use(const char *path)
{
    char shm[4200];
    snprintf(shm, sizeof shm, "%s-shm", path);
    int fd = open(shm, O_RDWR);
    if (fd < 0)
        return 0;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 128, .l_len = 1};
    int busy = fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
    close(fd);
    return busy;
}

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static const char *BACKUP_HELP =
    "用法 usage: epigrid backup [--db PATH] --to FILE [--force]\n"
    "  在服务运行、持续写入的同时备份数据库(SQLite 在线备份),\n"
    "  备份完成后做完整性检查,通过后才写成 FILE;FILE 已存在时需 --force。\n"
    "  Copies the database while the server keeps writing (SQLite online backup),\n"
    "  checks the copy's integrity and only then renames it to FILE;\n"
    "  an existing FILE is replaced only with --force.";

static const char *RESTORE_HELP =
    "用法 usage: epigrid restore --from FILE [--db PATH] [--force]\n"
    "  从备份文件恢复数据库:先检查备份(epigrid 数据库、完整性),\n"
    "  再原子地替换 PATH;PATH 已存在时需 --force。恢复前请先停止服务。\n"
    "  Restores the database from a backup: checks the file (an epigrid\n"
    "  database, integrity ok), then replaces PATH atomically; an existing\n"
    "  PATH is replaced only with --force.  Stop the server first.";

int cli_backup(int argc, char **argv)
{
    const char *db = NULL, *to = NULL;
    int force = 0;
    const struct cli_option opts[] = {{"db", 'd', &db, NULL},
                                      {"to", 'o', &to, NULL},
                                      {"force", 'f', NULL, &force},
                                      {NULL, 0, NULL, NULL}};
    int status = cli_options_parse(argc, argv, opts, BACKUP_HELP, 0);
    if (status >= 0)
        return status;
    if (!to || optind < argc) {
        fputs("epigrid: 用法 usage: epigrid backup --db PATH --to FILE [--force]\n", stderr);
        return CLI_USAGE;
    }
    const char *path = cli_db_path(db);
    struct ep_error err;
    ep_error_clear(&err);
    struct stat sb;
    if (stat(path, &sb) != 0) {
        ep_error_set(&err, EP_ENOTFOUND, "数据库 %s 不存在", "database %s does not exist", path);
        cli_print_error(&err);
        return CLI_FAIL;
    }
    if (!force && stat(to, &sb) == 0) {
        ep_error_set(&err, EP_ECONFLICT, "%s 已存在;要覆盖请加 --force",
                     "%s exists; add --force to replace it", to);
        cli_print_error(&err);
        return CLI_FAIL;
    }
    char tmp[4096];
    if (temp_name(tmp, sizeof tmp, to, "partial") != 0) {
        fputs("epigrid: 路径过长 path too long\n", stderr);
        return CLI_USAGE;
    }
    remove_with_companions(tmp);
    int64_t start = time_monotonic_us();
    struct store *s;
    if (store_open(&s, path, 0, &err) != 0) {
        cli_print_error(&err);
        return CLI_FAIL;
    }
    int schema = 0;
    int rc = store_backup(s, tmp, &err);
    store_close(s);
    if (rc == 0 && verify_database(tmp, path, &schema, &err) != 0)
        rc = -1;
    if (rc == 0 && (sync_path(tmp) != 0 || rename(tmp, to) != 0 || sync_dir_of(to) != 0))
        rc = ep_error_set(&err, EP_EINTERNAL, "无法写成 %s:%s", "cannot write %s: %s", to,
                          strerror(errno));
    if (rc != 0) {
        remove_with_companions(tmp);
        cli_print_error(&err);
        return CLI_FAIL;
    }
    double seconds = (double)(time_monotonic_us() - start) / 1e6;
    printf("{\"file\":\"%s\",\"bytes\":%lld,\"schema\":%d,\"integrity\":\"ok\",\"seconds\":%.3f}\n",
           to, file_size(to), schema, seconds);
    fprintf(stderr,
            cli_lang() == EP_LANG_EN ? "epigrid: backup of %s written to %s (integrity ok)\n"
                                     : "epigrid: %s 已备份到 %s(完整性检查通过)\n",
            path, to);
    return CLI_OK;
}

int cli_restore(int argc, char **argv)
{
    const char *db = NULL, *from = NULL;
    int force = 0;
    const struct cli_option opts[] = {{"db", 'd', &db, NULL},
                                      {"from", 'i', &from, NULL},
                                      {"force", 'f', NULL, &force},
                                      {NULL, 0, NULL, NULL}};
    int status = cli_options_parse(argc, argv, opts, RESTORE_HELP, 0);
    if (status >= 0)
        return status;
    if (!from || optind < argc) {
        fputs("epigrid: 用法 usage: epigrid restore --from FILE --db PATH [--force]\n", stderr);
        return CLI_USAGE;
    }
    const char *path = cli_db_path(db);
    struct ep_error err;
    ep_error_clear(&err);
    struct stat sb;
    if (stat(from, &sb) != 0) {
        ep_error_set(&err, EP_ENOTFOUND, "备份文件 %s 不存在", "backup file %s does not exist",
                     from);
        cli_print_error(&err);
        return CLI_FAIL;
    }
    if (!has_sqlite_header(from)) {
        ep_error_set(&err, EP_EINVAL, "%s 不是 epigrid 数据库备份", "%s is not an epigrid backup",
                     from);
        cli_print_error(&err);
        return CLI_FAIL;
    }
    if (!force && stat(path, &sb) == 0) {
        ep_error_set(&err, EP_ECONFLICT, "数据库 %s 已存在;要用备份替换它请加 --force",
                     "database %s exists; add --force to replace it with the backup", path);
        cli_print_error(&err);
        return CLI_FAIL;
    }
    if (database_in_use(path)) {
        ep_error_set(&err, EP_ECONFLICT, "数据库 %s 正在使用(服务在运行?),请先停止服务再恢复",
                     "database %s is in use (is the server running?); stop it before restoring",
                     path);
        cli_print_error(&err);
        return CLI_FAIL;
    }
    char tmp[4096];
    if (temp_name(tmp, sizeof tmp, path, "restoring") != 0) {
        fputs("epigrid: 路径过长 path too long\n", stderr);
        return CLI_USAGE;
    }
    remove_with_companions(tmp);
    int schema = 0;
    int rc = copy_file(from, tmp, &err);
    if (rc == 0 && verify_database(tmp, from, &schema, &err) != 0)
        rc = -1;
    if (rc == 0 && sync_path(tmp) != 0)
        rc = ep_error_set(&err, EP_EINTERNAL, "无法写入 %s", "cannot write %s", tmp);
    if (rc == 0) {
        /* The old database's WAL belongs to the old file: remove it before the
         * new file takes the name, or it would be replayed onto the new one. */
        char name[4200];
        snprintf(name, sizeof name, "%s-wal", path);
        unlink(name);
        snprintf(name, sizeof name, "%s-shm", path);
        unlink(name);
        if (rename(tmp, path) != 0 || sync_dir_of(path) != 0)
            rc = ep_error_set(&err, EP_EINTERNAL, "无法替换 %s:%s", "cannot replace %s: %s", path,
                              strerror(errno));
    }
    if (rc != 0) {
        remove_with_companions(tmp);
        cli_print_error(&err);
        return CLI_FAIL;
    }
    printf("{\"db\":\"%s\",\"from\":\"%s\",\"bytes\":%lld,\"schema\":%d,\"integrity\":\"ok\"}\n",
           path, from, file_size(path), schema);
    fprintf(stderr,
            cli_lang() == EP_LANG_EN ? "epigrid: %s restored from %s (integrity ok)\n"
                                     : "epigrid: 已从 %s 恢复 %s(完整性检查通过)\n",
            cli_lang() == EP_LANG_EN ? path : from, cli_lang() == EP_LANG_EN ? from : path);
    return CLI_OK;
}
