/*
 * log.h -- one-line log records on stderr, each stamped with +08:00 time.
 * Thread-safe (each record is written with a single write(2)).
 */
#ifndef EPIGRID_UTIL_LOG_H
#define EPIGRID_UTIL_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Records below "level" are dropped; default LOG_INFO. */
void log_set_level(int level);
int log_get_level(void);
void log_write(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_info(...)  log_write(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_write(LOG_ERROR, __VA_ARGS__)

#endif
