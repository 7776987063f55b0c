/*
 * csvwrite.c -- CSV fields and records (see csvwrite.h).
 */
#include "util/csvwrite.h"

#include <string.h>

/* 1 for a plain decimal number with an optional sign: "-12", "+3", "-0.5". */
static int is_number(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    size_t digits = strspn(s, "0123456789");
    if (digits == 0)
        return 0;
    s += digits;
    if (*s == '.') {
        size_t decimals = strspn(s + 1, "0123456789");
        if (decimals == 0)
            return 0;
        s += 1 + decimals;
    }
    return *s == '\0';
}

void csvwrite_field(struct buf *b, const char *text)
{
    const char *s = text ? text : "";
    int guard = s[0] && strchr("=+-@\t\r", s[0]) && !is_number(s);
    if (!guard && !strpbrk(s, ",\"\r\n")) {
        buf_puts(b, s);
        return;
    }
    buf_putc(b, '"');
    if (guard)
        buf_putc(b, '\'');
    for (const char *run = s;;) {
        /* Copies up to and including each quote, then doubles it. */
        const char *quote = strchr(run, '"');
        if (!quote) {
            buf_puts(b, run);
            break;
        }
        buf_append(b, run, (size_t)(quote - run) + 1);
        buf_putc(b, '"');
        run = quote + 1;
    }
    buf_putc(b, '"');
}

void csvwrite_row(struct buf *b, const char *const *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_putc(b, ',');
        csvwrite_field(b, fields[i]);
    }
    buf_puts(b, "\r\n");
}

const char *csvwrite_unguard(const char *text)
{
    return text && text[0] == '\'' && text[1] && strchr("=+-@\t\r", text[1]) ? text + 1 : text;
}
