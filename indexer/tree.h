/*
 * tree: the Markdown files of a collection's folder, as a walk finds them
 * (relative paths from the site's folder, with what lstat says of each).
 */
#ifndef FOLIO_TREE_H
#define FOLIO_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "buf.h"

/* Folders nested deeper than this under a collection's are skipped. */
#define TREE_MAX_DEPTH 16
#define TREE_MAX_DEPTH_S "16"

struct tree_file {
	char *path;		/* "_actualites/x.md" */
	uint64_t mtime_ns, size, ino;
	int borrowed;		/* path is not its own allocation */
};

struct tree_list {
	struct tree_file *v;
	size_t n, cap;
	struct buf notes;	/* what the walk has to say: tree_say() */
	int nerrors;
};

/* Whether name ends in a Markdown extension (".md", ".markdown"...). */
int tree_is_doc(const char *name);
/* Appends path (taken over) with what st says. */
void tree_add(struct tree_list *l, char *path, const struct stat *st);
/* qsort() order of struct tree_file: by path. */
int tree_cmp(const void *a, const void *b);
/*
 * Appends the Markdown files under site_dir/rel to out, each folder's
 * names in strcmp order. Names starting with "." or "#" or ending in "~"
 * are skipped, and so are symlinks, FIFOs and devices (a warning for a
 * Markdown name): a content tree is plain files, and following links
 * could leave the site. A folder that cannot be read is an error. What is
 * to be said is kept in out until tree_say(), so that walks on several
 * threads say it in one order. Touches nothing but out.
 */
void tree_walk(const char *site_dir, const char *rel, struct tree_list *out);
/* Says (logs) what the walks into l had to say; returns their errors. */
int tree_say(struct tree_list *l);
void tree_list_free(struct tree_list *l);

#endif
