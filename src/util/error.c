/*
 * error.c -- filling and reading struct ep_error (see error.h).
 */
#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    int status;
    const char *name;
} code_table[EP_CODE_COUNT] = {
    [EP_OK] = {200, "ok"},
    [EP_EINVAL] = {400, "invalid_input"},
    [EP_EUNAUTH] = {401, "unauthenticated"},
    [EP_EFORBIDDEN] = {403, "forbidden"},
    [EP_ENOTFOUND] = {404, "not_found"},
    [EP_EMETHOD] = {405, "method_not_allowed"},
    [EP_ECONFLICT] = {409, "conflict"},
    [EP_ETOOLARGE] = {413, "too_large"},
    [EP_EMEDIA] = {415, "unsupported_media_type"},
    [EP_ERULE] = {422, "rule_violation"},
    [EP_ETHROTTLE] = {429, "too_many_requests"},
    [EP_EINTERNAL] = {500, "internal"},
    [EP_EUNAVAILABLE] = {503, "unavailable"},
};

void ep_error_clear(struct ep_error *err)
{
    err->code = EP_OK;
    err->msg[0][0] = err->msg[1][0] = '\0';
    err->nfields = 0;
    err->fields_dropped = 0;
}

/* Formats both language variants of a message from one argument list. */
static void format_pair(char out[2][EP_ERROR_MSG_MAX], const char *zh_fmt, const char *en_fmt,
                        va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    vsnprintf(out[EP_LANG_ZH], EP_ERROR_MSG_MAX, zh_fmt, ap);
    vsnprintf(out[EP_LANG_EN], EP_ERROR_MSG_MAX, en_fmt, copy);
    va_end(copy);
}

int ep_error_set(struct ep_error *err, int code, const char *zh_fmt, const char *en_fmt, ...)
{
    va_list ap;
    va_start(ap, en_fmt);
    format_pair(err->msg, zh_fmt, en_fmt, ap);
    va_end(ap);
    err->code = code;
    return -code;
}

void ep_error_field(struct ep_error *err, const char *field, const char *zh_fmt, const char *en_fmt,
                    ...)
{
    if (err->code == EP_OK) {
        err->code = EP_EINVAL;
        snprintf(err->msg[EP_LANG_ZH], EP_ERROR_MSG_MAX, "输入有误");
        snprintf(err->msg[EP_LANG_EN], EP_ERROR_MSG_MAX, "invalid input");
    }
    if (err->nfields >= EP_ERROR_FIELDS_MAX) {
        err->fields_dropped++;
        return;
    }
    struct ep_error_field *f = &err->fields[err->nfields++];
    snprintf(f->field, sizeof f->field, "%s", field);
    va_list ap;
    va_start(ap, en_fmt);
    format_pair(f->msg, zh_fmt, en_fmt, ap);
    va_end(ap);
}

void ep_error_fields_prefix(struct ep_error *err, int from, const char *prefix)
{
    for (int i = from; i < err->nfields; i++) {
        char tmp[sizeof err->fields[i].field];
        snprintf(tmp, sizeof tmp, "%s%s", prefix, err->fields[i].field);
        memcpy(err->fields[i].field, tmp, sizeof tmp);
    }
}

int ep_code_http_status(int code)
{
    if (code <= EP_OK || code >= EP_CODE_COUNT)
        return 500;
    return code_table[code].status;
}

const char *ep_code_name(int code)
{
    if (code < EP_OK || code >= EP_CODE_COUNT)
        return "internal";
    return code_table[code].name;
}

const char *ep_error_message(const struct ep_error *err, int lang)
{
    if (lang == EP_LANG_EN && err->msg[EP_LANG_EN][0])
        return err->msg[EP_LANG_EN];
    return err->msg[EP_LANG_ZH];
}
