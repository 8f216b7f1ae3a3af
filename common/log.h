/*
 * log: where messages for people go, and the positioned error type that
 * parsers fill in.
 *
 * The sink is stderr unless log_use_syslog() was called (by a main.c).
 * Messages are lower-case, without a final full stop.
 */
#ifndef FOLIO_LOG_H
#define FOLIO_LOG_H

#include <stddef.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* A located error: a parser sets it, its caller adds the path. */
struct ferr {
	unsigned line;	/* 1-based; 0 when the error has no position */
	unsigned col;	/* 1-based */
	char msg[512];
};

void ferr_set(struct ferr *e, unsigned line, unsigned col, const char *fmt,
    ...) __attribute__((format(printf, 4, 5)));

void log_set_level(enum log_level lvl);
void log_use_syslog(const char *ident);
void log_msg(enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "path:line:col: what" (line/col left out when 0) at error level. */
void log_at(enum log_level lvl, const char *path, unsigned line, unsigned col,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* log_at for a filled-in ferr. */
void log_ferr(const char *path, const struct ferr *e);

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
