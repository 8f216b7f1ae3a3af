#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "t.h"

/* What the logger wrote to stderr while fn ran. */
static char *
captured(void (*fn)(void))
{
	char path[] = "/tmp/folio-test-log.XXXXXX";
	struct buf b = BUF_INIT;
	char err[128];
	int fd = mkstemp(path), saved;

	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	fn();
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	buf_read_file(&b, path, 1 << 20, err, sizeof(err));
	unlink(path);
	return buf_detach(&b, NULL);
}

static void
at_full(void)
{
	log_at(LOG_LVL_ERROR, "_actualites/x.md", 12, 7, "duplicate key \"%s\"",
	    "a");
}

static void
at_noline(void)
{
	log_at(LOG_LVL_ERROR, "site/_config.yml", 0, 0, "cannot read");
}

static void
ferr_out(void)
{
	struct ferr e;

	ferr_set(&e, 3, 1, "front matter never closed");
	log_ferr("a.md", &e);
}

static void
quiet_info(void)
{
	log_set_level(LOG_LVL_WARN);
	log_info("published %d documents", 3);
	log_warn("kept %s", "x");
	log_set_level(LOG_LVL_INFO);
}

int
main(void)
{
	struct ferr e;
	char *s, big[2000];

	s = captured(at_full);
	EQS(s, "_actualites/x.md:12:7: duplicate key \"a\"\n",
	    "path:line:col: what");
	free(s);
	s = captured(at_noline);
	EQS(s, "site/_config.yml: cannot read\n", "no position: path: what");
	free(s);
	s = captured(ferr_out);
	EQS(s, "a.md:3:1: front matter never closed\n", "log_ferr");
	free(s);
	s = captured(quiet_info);
	EQS(s, "warning: kept x\n", "below the level: nothing; warnings named");
	free(s);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ferr_set(&e, 1, 2, "%s", big);
	EQI(strlen(e.msg), sizeof(e.msg) - 1, "a long message is cut, not overrun");
	EQI(e.line, 1, "ferr keeps the line");
	EQI(e.col, 2, "ferr keeps the column");
	ferr_set(NULL, 1, 1, "ignored");	/* must not crash */
	return T_DONE();
}
