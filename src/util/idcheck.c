/*
 * idcheck.c -- ID number check digit (ISO 7064 MOD 11-2 as used by
 * GB 11643), phone patterns, masking, UTF-8 validation.
 */
#include "util/idcheck.h"

#include <string.h>

#include "util/timeutil.h"

char idcheck_check_char(const char *id17)
{
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char checks[11] = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (id17[i] - '0') * weights[i];
    return checks[sum % 11];
}

int idcheck_id_number(const char *id, int64_t today, int64_t *birth_days, char *sex)
{
    if (strlen(id) != 18)
        return IDCHECK_LENGTH;
    for (int i = 0; i < 17; i++)
        if (id[i] < '0' || id[i] > '9')
            return IDCHECK_CHARS;
    if (!((id[17] >= '0' && id[17] <= '9') || id[17] == 'X'))
        return IDCHECK_CHARS;
    char date[11] = {id[6], id[7], id[8], id[9], '-', id[10], id[11], '-', id[12], id[13], 0};
    int64_t days;
    if (time_date_parse(date, &days) != 0 || days > today)
        return IDCHECK_BIRTH_DATE;
    if (idcheck_check_char(id) != id[17])
        return IDCHECK_CHECKSUM;
    if (birth_days)
        *birth_days = days;
    if (sex)
        *sex = ((id[16] - '0') % 2) ? 'M' : 'F';
    return IDCHECK_OK;
}

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

int idcheck_phone(const char *p)
{
    size_t n = strlen(p);
    if (n == 11 && p[0] == '1' && p[1] >= '3' && p[1] <= '9' && digits(p, 11))
        return 1;
    const char *dash = strchr(p, '-');
    if (p[0] == '0' && dash) {
        size_t area = (size_t)(dash - p), local = n - area - 1;
        return area >= 3 && area <= 4 && local >= 7 && local <= 8 && digits(p, area) &&
               digits(dash + 1, local);
    }
    return 0;
}

static void mask(const char *in, char *out, size_t out_size, size_t keep_head, size_t keep_tail)
{
    size_t n = strlen(in);
    if (out_size == 0)
        return;
    if (n + 1 > out_size)
        n = out_size - 1;
    for (size_t i = 0; i < n; i++) {
        int keep = n > keep_head + keep_tail && (i < keep_head || i >= n - keep_tail);
        out[i] = keep ? in[i] : '*';
    }
    out[n] = '\0';
}

void idcheck_mask_id(const char *id, char *out, size_t out_size)
{
    mask(id, out, out_size, 4, 4);
}

void idcheck_mask_phone(const char *phone, char *out, size_t out_size)
{
    mask(phone, out, out_size, 3, 4);
}

int utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned c = s[i];
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned min;
        if ((c & 0xE0) == 0xC0) {
            need = 1, min = 0x80, c &= 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            need = 2, min = 0x800, c &= 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            need = 3, min = 0x10000, c &= 0x07;
        } else {
            return 0;
        }
        if (len - i <= need)
            return 0;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            c = (c << 6) | (s[i + k] & 0x3F);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return 0;
        i += need + 1;
    }
    return 1;
}

size_t utf8_length(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}
