/*
 * idcheck.h -- national ID numbers (GB 11643-1999), phone numbers, masking,
 * and UTF-8 validation.  Pure functions, no allocation.
 *
 * The first six digits of an ID number name the county where it was issued,
 * possibly one that no longer exists (祁阳县 431121 became 祁阳市 431181 in
 * 2021), so they are only checked to be digits, never against today's regions.
 */
#ifndef EPIGRID_UTIL_IDCHECK_H
#define EPIGRID_UTIL_IDCHECK_H
#include <stddef.h>
#include <stdint.h>

enum idcheck_result {
    IDCHECK_OK = 0,
    IDCHECK_LENGTH,     /* not 18 characters */
    IDCHECK_CHARS,      /* not 17 digits then a digit or X */
    IDCHECK_BIRTH_DATE, /* characters 7-14 are not a real past date after 1900 */
    IDCHECK_CHECKSUM,   /* last character is not the ISO 7064 MOD 11-2 check */
};

/* The check character ('0'..'9' or 'X') for the first 17 digits of "id17". */
char idcheck_check_char(const char *id17);

/* Validates an 18-character ID number against "today" (a day number, see
 * timeutil.h).  Lower-case 'x' is refused: callers upper-case it first.
 * On IDCHECK_OK, stores the birth day number and sex ('M' odd / 'F' even
 * 17th digit) if the pointers are not NULL. */
int idcheck_id_number(const char *id, int64_t today, int64_t *birth_days, char *sex);

/* 1 if "phone" is a mainland mobile (1[3-9] + 9 digits) or a landline
 * written as 0AAA-NNNNNNN / 0AA-NNNNNNNN (3-4 digit area code, 7-8 digits). */
int idcheck_phone(const char *phone);

/* Masks an ID number as "4311**********1234" (first 4, last 4) and a phone as
 * "138****5678" (first 3, last 4) into out (size >= strlen(in)+1).  Shorter
 * inputs are masked completely. */
void idcheck_mask_id(const char *id, char *out, size_t out_size);
void idcheck_mask_phone(const char *phone, char *out, size_t out_size);

/* 1 if s[0..len) is well-formed UTF-8 without NUL bytes and overlong forms. */
int utf8_valid(const char *s, size_t len);
/* Number of code points in a valid UTF-8 string. */
size_t utf8_length(const char *s, size_t len);

#endif
