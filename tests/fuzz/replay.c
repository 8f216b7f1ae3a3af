/*
 * replay: runs one harness over its seed corpus and its regression inputs,
 * tests/fuzz/corpus/NAME/ and tests/fuzz/regress/NAME/ (relative to the
 * current directory, the top of the tree, or to FUZZ_DIR), and prints one
 * TAP line per directory. Each input runs in a child process, so that an
 * abort or a sanitizer report is charged to its file and the next ones
 * still run. A child gets 10 s of CPU.
 *
 * Built with -DFUZZ_NAME='"fm"' together with fuzz_fm.c.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "fuzz.h"

#ifndef FUZZ_NAME
#error FUZZ_NAME must be defined
#endif

static int
run_file(const char *path)
{
	struct buf in = BUF_INIT;
	struct rlimit rl = { 10, 10 };
	char err[256];
	pid_t pid;
	int st;

	fflush(NULL);
	pid = fork();
	if (pid == -1) {
		perror("fork");
		return -1;
	}
	if (pid == 0) {
		setrlimit(RLIMIT_CPU, &rl);
		if (buf_read_file(&in, path, 16u << 20, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s: %s\n", path, err);
			_exit(1);
		}
		LLVMFuzzerTestOneInput((const uint8_t *)in.data, in.len);
		buf_release(&in);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) == -1)
		return -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFSIGNALED(st))
		fprintf(stderr, "%s: signal %d\n", path, WTERMSIG(st));
	else
		fprintf(stderr, "%s: exit status %d\n", path, WEXITSTATUS(st));
	return -1;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Prints one TAP line for dir; a missing directory is no input, not a
 * failure (a harness may have no regression yet). Returns the failures. */
static int
run_dir(const char *top, const char *kind)
{
	char dir[4096], path[8192];
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;
	int bad = 0;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s/%s", top, kind,
	    FUZZ_NAME);
	if ((d = opendir(dir)) == NULL) {
		printf("ok - %s %s: no inputs\n", FUZZ_NAME, kind);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (run_file(path) != 0)
			bad++;
		free(names[i]);
	}
	free(names);
	printf("%s - %s %s: %zu inputs replayed, %d failed\n",
	    bad ? "not ok" : "ok", FUZZ_NAME, kind, n, bad);
	return bad;
}

int
main(void)
{
	const char *top = getenv("FUZZ_DIR");
	int bad;

	if (top == NULL)
		top = ".";
	bad = run_dir(top, "corpus");
	bad += run_dir(top, "regress");
	return bad ? 1 : 0;
}
