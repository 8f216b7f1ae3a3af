#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"

void
tree_add(struct tree_list *pl, char *p, const struct stat *st)
{
	struct tree_file *f;

	if (pl->n == pl->cap) {
		pl->cap = pl->cap ? pl->cap * 2 : 64;
		pl->v = xreallocarray(pl->v, pl->cap, sizeof(*pl->v));
	}
	f = &pl->v[pl->n++];
	f->path = p;
	f->borrowed = 0;
	f->mtime_ns = (uint64_t)st->st_mtim.tv_sec * 1000000000u +
	    (uint64_t)st->st_mtim.tv_nsec;
	f->size = (uint64_t)st->st_size;
	f->ino = (uint64_t)st->st_ino;
}

int
tree_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tree_file *)a)->path,
	    ((const struct tree_file *)b)->path);
}

int
tree_is_doc(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot != NULL && (strcmp(dot, ".md") == 0 ||
	    strcmp(dot, ".markdown") == 0 || strcmp(dot, ".mkd") == 0 ||
	    strcmp(dot, ".mkdn") == 0 || strcmp(dot, ".mdown") == 0);
}

/* A name in a folder, and what lstat said of it. */
struct wname {
	char *name;
	unsigned char type;	/* d_type */
	int ok;			/* st is filled in */
	struct stat st;
};

struct wstat {
	int dfd;
	struct wname *v;
	size_t from, to;
};

static void *
wstat_run(void *arg)
{
	struct wstat *w = arg;
	size_t i;

	for (i = w->from; i < w->to; i++)
		w->v[i].ok = w->v[i].type == DT_DIR ||
		    fstatat(w->dfd, w->v[i].name, &w->v[i].st,
		    AT_SYMLINK_NOFOLLOW) == 0;
	return NULL;
}

/*
 * Stats the names of a folder (not its folders: d_type says what they
 * are). A big folder's on two threads: stat is all work in the kernel,
 * and two cores did 4,000 files in 5 ms where one took 7 to 9.
 */
static void
stat_names(int dfd, struct wname *v, size_t n)
{
	struct wstat a = { dfd, v, 0, n }, b = { dfd, v, n / 2, n };
	pthread_t th;

	if (n >= 512 && pthread_create(&th, NULL, wstat_run, &b) == 0) {
		a.to = n / 2;
		wstat_run(&a);
		pthread_join(th, NULL);
		return;
	}
	wstat_run(&a);
}

static int
cmp_wname(const void *a, const void *b)
{
	return strcmp(((const struct wname *)a)->name,
	    ((const struct wname *)b)->name);
}

/*
 * Collects the Markdown files under dir (relative paths from the site
 * root), each folder's names in strcmp order. Symlinks, FIFOs and devices
 * are skipped with a warning: a content tree is plain files, and following
 * links could leave the site. Only folders and Markdown files are
 * examined.
 */
/* Keeps a message of the walk for tree_say(). */
static void
note(struct tree_list *l, enum log_level lvl, const char *path,
    const char *msg)
{
	buf_addc(&l->notes, (char)('0' + (int)lvl));
	buf_add(&l->notes, path, strlen(path) + 1);
	buf_add(&l->notes, msg, strlen(msg) + 1);
	if (lvl == LOG_LVL_ERROR)
		l->nerrors++;
}

static void
walk(const char *site_dir, const char *rel, int depth, struct tree_list *out)
{
	struct buf full = BUF_INIT, child = BUF_INIT;
	struct dirent *de;
	struct wname *v = NULL;
	size_t n = 0, cap = 0, i, rl = strlen(rel);
	int dfd, isdir;
	DIR *d;

	buf_printf(&full, "%s/%s", site_dir, rel);
	dfd = open(full.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = dfd == -1 ? NULL : fdopendir(dfd);
	if (d == NULL) {
		if (errno != ENOENT)
			note(out, LOG_LVL_ERROR, full.data, strerror(errno));
		if (dfd != -1)
			close(dfd);
		buf_release(&full);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || de->d_name[0] == '#' ||
		    de->d_name[strlen(de->d_name) - 1] == '~')
			continue;
		/* Folders and Markdown files; nothing else is looked at. */
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN &&
		    !tree_is_doc(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		v[n].name = xstrdup(de->d_name);
		v[n].type = de->d_type;
		n++;
	}
	/* Same order on every machine, whatever the file system's. */
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_wname);
	stat_names(dfd, v, n);
	for (i = 0; i < n; i++) {
		if (!v[i].ok)
			continue;
		isdir = v[i].type == DT_DIR || S_ISDIR(v[i].st.st_mode);
		buf_reset(&child);
		buf_add(&child, rel, rl);
		buf_addc(&child, '/');
		buf_adds(&child, v[i].name);
		if (isdir) {
			if (depth >= TREE_MAX_DEPTH) {
				buf_printf(&full, "/%s", v[i].name);
				note(out, LOG_LVL_WARN, full.data, "folders "
				    "nested deeper than " TREE_MAX_DEPTH_S
				    " are skipped");
				buf_truncate(&full, full.len -
				    strlen(v[i].name) - 1);
				continue;
			}
			walk(site_dir, child.data, depth + 1, out);
		} else if (S_ISREG(v[i].st.st_mode)) {
			if (tree_is_doc(v[i].name))
				tree_add(out, buf_detach(&child, NULL),
				    &v[i].st);
		} else if (tree_is_doc(v[i].name)) {
			buf_printf(&full, "/%s", v[i].name);
			note(out, LOG_LVL_WARN, full.data,
			    "not a regular file; skipped");
			buf_truncate(&full, full.len - strlen(v[i].name) - 1);
		}
	}
	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	closedir(d);
	buf_release(&full);
	buf_release(&child);
}

void
tree_walk(const char *site_dir, const char *rel, struct tree_list *out)
{
	walk(site_dir, rel, 0, out);
}

int
tree_say(struct tree_list *l)
{
	const char *p = l->notes.data, *end = p + l->notes.len, *path, *msg;
	int n = l->nerrors;

	while (p < end) {
		path = p + 1;
		msg = path + strlen(path) + 1;
		log_at((enum log_level)(p[0] - '0'), path, 0, 0, "%s", msg);
		p = msg + strlen(msg) + 1;
	}
	buf_release(&l->notes);
	l->nerrors = 0;
	return n;
}

void
tree_list_free(struct tree_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!l->v[i].borrowed)
			free(l->v[i].path);
	free(l->v);
	buf_release(&l->notes);
	memset(l, 0, sizeof(*l));
}
