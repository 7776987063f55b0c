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

/* Replaces every byte that does not start a well-formed UTF-8 sequence with
 * '?'.  Messages end up in JSON replies, which must be UTF-8: truncation to
 * EP_ERROR_MSG_MAX can cut a character in two, and arguments may carry
 * fragments of the input (jansson's "near '...'" stops mid-character; found
 * by tests/fuzz/fuzz_json: the reply was a 400 with an empty body). */
static void utf8_repair(char *text)
{
    unsigned char *s = (unsigned char *)text;
    while (*s) {
        unsigned c = *s;
        size_t need = c < 0x80             ? 0
                      : (c & 0xE0) == 0xC0 ? 1
                      : (c & 0xF0) == 0xE0 ? 2
                      : (c & 0xF8) == 0xF0 ? 3
                                           : 9;
        unsigned cp = need == 1 ? c & 0x1F : need == 2 ? c & 0x0F : c & 0x07;
        size_t i = 1;
        for (; need != 9 && i <= need; i++) {
            if ((s[i] & 0xC0) != 0x80)
                break;
            cp = (cp << 6) | (s[i] & 0x3F);
        }
        static const unsigned min[4] = {0, 0x80, 0x800, 0x10000};
        if (need == 0) {
            s++;
        } else if (need != 9 && i == need + 1 && cp >= min[need] && cp <= 0x10FFFF &&
                   (cp < 0xD800 || cp > 0xDFFF)) {
            s += need + 1;
        } else {
            *s++ = '?';
        }
    }
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
    utf8_repair(out[EP_LANG_ZH]);
    utf8_repair(out[EP_LANG_EN]);
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
    utf8_repair(f->field);
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
        utf8_repair(tmp); /* a long name cut inside a character (found by fuzz_json) */
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
