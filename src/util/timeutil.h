/*
 * timeutil.h -- dates and times in Asia/Shanghai (UTC+08:00, no DST since 1991).
 *
 * Dates are "YYYY-MM-DD" strings and day numbers (days since 1970-01-01);
 * times are ISO 8601 with "+08:00".  China has one fixed offset, so no tz
 * database is consulted.
 */
#ifndef EPIGRID_UTIL_TIMEUTIL_H
#define EPIGRID_UTIL_TIMEUTIL_H
#include <stdint.h>
#include <time.h>

#define TIME_CN_OFFSET_SECONDS (8 * 3600)

/* Days since 1970-01-01 of a proleptic Gregorian date (any year). */
int64_t time_days_from_civil(int year, int month, int day);
/* Inverse of time_days_from_civil. */
void time_civil_from_days(int64_t days, int *year, int *month, int *day);

/* Parses a strict "YYYY-MM-DD" (real calendar date, year 1900..2999).
 * On success stores the day number in *days (may be NULL) and returns 0; else -1. */
int time_date_parse(const char *s, int64_t *days);
/* Writes "YYYY-MM-DD" of a day number into out (at least 11 bytes). */
void time_date_format(int64_t days, char out[11]);

/* Parses "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM)" (a space may stand
 * for the "T") into unix seconds in *out.  The offset is required: a time
 * without one is ambiguous.  Returns 0, or -1 (nothing stored). */
int time_iso_parse(const char *s, int64_t *out);
/* The day number in China of unix seconds "t". */
int64_t time_day_of_unix(int64_t t);

/* Today's date in China as a day number. */
int64_t time_today_cn(void);
/* Writes now as "YYYY-MM-DDTHH:MM:SS+08:00" into out (at least 26 bytes). */
void time_now_iso(char out[32]);
/* Formats unix seconds as ISO 8601 in +08:00. */
void time_iso_from_unix(time_t t, char out[32]);
/* Monotonic clock in microseconds, for durations. */
int64_t time_monotonic_us(void);

#endif
