/*
 * t.h: the unit tests' few macros. Each check prints one TAP-style line,
 * "ok - what" or "not ok - what (file:line)", which tests/run.sh counts.
 */
#ifndef FOLIO_T_H
#define FOLIO_T_H

#include <stdio.h>
#include <string.h>

static int t_failures;

#define OK(cond, ...) do {						\
	int t_ok = (cond) != 0;						\
	printf(t_ok ? "ok - " : "not ok - ");				\
	if (!t_ok)							\
		t_failures++;						\
	printf(__VA_ARGS__);						\
	if (!t_ok)							\
		printf(" (%s:%d)", __FILE__, __LINE__);			\
	printf("\n");							\
} while (0)

/* Compares two C strings and shows both when they differ. */
#define EQS(got, want, ...) do {					\
	const char *t_g = (got), *t_w = (want);				\
	int t_eq = t_g != NULL && t_w != NULL && strcmp(t_g, t_w) == 0;	\
	OK(t_eq, __VA_ARGS__);						\
	if (!t_eq)							\
		printf("#   got:  \"%s\"\n#   want: \"%s\"\n",		\
		    t_g ? t_g : "(null)", t_w ? t_w : "(null)");	\
} while (0)

#define EQI(got, want, ...) do {					\
	long long t_g = (long long)(got), t_w = (long long)(want);	\
	OK(t_g == t_w, __VA_ARGS__);					\
	if (t_g != t_w)							\
		printf("#   got:  %lld\n#   want: %lld\n", t_g, t_w);	\
} while (0)

#define T_DONE() (fflush(stdout), t_failures ? 1 : 0)

#endif
