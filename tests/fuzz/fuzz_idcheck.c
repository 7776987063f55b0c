/*
 * fuzz_idcheck.c -- ID numbers (GB 11643), phones, masking and UTF-8.
 *
 * Invariants beyond the sanitizers: an accepted ID number is 18 characters
 * whose last one is idcheck_check_char() of the first 17, with a birth date
 * before "today" and a sex of 'M' or 'F' matching the 17th digit's parity;
 * masks keep the input's length and its first/last characters only; a valid
 * UTF-8 string has at most as many code points as bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/idcheck.h"
#include "util/timeutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char s[64];
    size_t n = size < sizeof s - 1 ? size : sizeof s - 1;
    memcpy(s, data, n);
    s[n] = '\0';
    int64_t today = time_days_from_civil(2026, 11, 29);
    int64_t birth = 0;
    char sex = 0;
    if (idcheck_id_number(s, today, &birth, &sex) == IDCHECK_OK) {
        if (strlen(s) != 18 || idcheck_check_char(s) != s[17] || birth >= today ||
            (sex != 'M' && sex != 'F') || ((s[16] - '0') % 2 == 1) != (sex == 'M'))
            abort();
    }
    (void)idcheck_phone(s);
    char masked[64];
    idcheck_mask_id(s, masked, sizeof masked);
    if (strlen(masked) != strlen(s))
        abort();
    idcheck_mask_phone(s, masked, sizeof masked);
    if (strlen(masked) != strlen(s))
        abort();
    if (utf8_valid((const char *)data, size) && utf8_length((const char *)data, size) > size)
        abort();
    return 0;
}
