#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "buf.h"

static enum log_level log_level = LOG_LVL_INFO;
static int log_syslog;

void
ferr_set(struct ferr *e, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return;
	e->line = line;
	e->col = col;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

void
log_set_level(enum log_level lvl)
{
	log_level = lvl;
}

void
log_use_syslog(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_syslog = 1;
}

static void
log_emit(enum log_level lvl, const char *text)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const name[] = { "error", "warning", "", "" };

	if (lvl > log_level)
		return;
	if (log_syslog) {
		syslog(prio[lvl], "%s", text);
		return;
	}
	if (name[lvl][0] != '\0')
		fprintf(stderr, "%s: %s\n", name[lvl], text);
	else
		fprintf(stderr, "%s\n", text);
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (lvl > log_level)
		return;
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	log_emit(lvl, buf_cstr(&b));
	buf_release(&b);
}

void
log_at(enum log_level lvl, const char *path, unsigned line, unsigned col,
    const char *fmt, ...)
{
	struct buf b = BUF_INIT;
	va_list ap;

	if (lvl > log_level)
		return;
	buf_adds(&b, path);
	if (line > 0) {
		buf_printf(&b, ":%u", line);
		if (col > 0)
			buf_printf(&b, ":%u", col);
	}
	buf_adds(&b, ": ");
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	/* The position leads, as compilers write it, so editors can jump. */
	if (log_syslog)
		log_emit(lvl, buf_cstr(&b));
	else
		fprintf(stderr, "%s\n", buf_cstr(&b));
	buf_release(&b);
}

void
log_ferr(const char *path, const struct ferr *e)
{
	log_at(LOG_LVL_ERROR, path, e->line, e->col, "%s", e->msg);
}
