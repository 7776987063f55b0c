/*
 * text.c -- free-text checks (see text.h).
 */
#include "util/text.h"

#include <assert.h>
#include <string.h>

#include "util/idcheck.h"

int text_check(const char *text, const char *field, int chars, int flags, struct ep_error *err)
{
    assert(field && chars > 0);
    if (!text || !*text) {
        if (!(flags & TEXT_REQUIRED))
            return 0;
        ep_error_field(err, field, "必填", "is required");
        return -EP_EINVAL;
    }
    size_t len = strlen(text);
    if (!utf8_valid(text, len)) {
        ep_error_field(err, field, "不是有效的 UTF-8 文本", "is not valid UTF-8 text");
        return -EP_EINVAL;
    }
    if (utf8_length(text, len) > (size_t)chars) {
        ep_error_field(err, field, "不能超过 %d 个字", "must be at most %d characters", chars);
        return -EP_EINVAL;
    }
    for (const char *c = text; *c; c++) {
        int line = *c == '\n' || *c == '\r' || *c == '\t';
        if (((unsigned char)*c < 0x20 && !(line && (flags & TEXT_MULTILINE))) || *c == 0x7f) {
            ep_error_field(err, field, "不能包含控制字符", "must not contain control characters");
            return -EP_EINVAL;
        }
    }
    if ((flags & TEXT_REQUIRED) && strspn(text, " \t\r\n\xe3\x80\x80") == len) {
        ep_error_field(err, field, "不能为空白", "must not be blank");
        return -EP_EINVAL;
    }
    return 0;
}

int text_like_pattern(const char *text, char *out, size_t size)
{
    assert(text && out && size > 0);
    size_t n = 0;
    out[n++] = '%';
    for (const char *c = text; *c; c++) {
        if (n + 4 > size) { /* an escaped character, the closing %, the NUL */
            out[0] = '\0';
            return -1;
        }
        if (*c == '%' || *c == '_' || *c == '\\')
            out[n++] = '\\';
        out[n++] = *c;
    }
    if (n + 2 > size) {
        out[0] = '\0';
        return -1;
    }
    out[n++] = '%';
    out[n] = '\0';
    return 0;
}

const char *text_or(const char *text, const char *otherwise)
{
    return text && *text ? text : otherwise ? otherwise : "";
}

int text_in_list(const char *text, const char *const *list)
{
    return text_list_index(text, list) >= 0;
}

int text_list_index(const char *text, const char *const *list)
{
    for (int i = 0; text && list[i]; i++)
        if (strcmp(text, list[i]) == 0)
            return i;
    return -1;
}
