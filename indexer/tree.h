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
	struct buf dirs;	/* the stamps of the folders walked: see
				   struct tree_dirs */
	size_t ndirs, nread;	/* folders walked, and read (readdir) */
};

/*
 * What the last walk found in each folder, for the next one. A folder's
 * names change only with its mtime and ctime (creating, removing or
 * renaming an entry sets both; ctime cannot be set by hand), so a folder
 * whose inode, mtime and ctime are those recorded holds the names
 * recorded, and is not read again: reading a folder of 2,500 names costs
 * about as much as a stat of each of them. Every file is still stat'ed
 * (a file written in place leaves its folder as it was).
 *
 * A folder is recorded only when its stamp is older than the walk by
 * TREE_RACY_NS: a change made within the same tick of the file system's
 * clock as the stamp could leave it as it was. Nor is a folder recorded
 * whose walk had something to say (a link, a folder too deep), so that
 * it is said again.
 *
 * The record: TREE_DIRS_MAGIC, the build (u64), then per folder: its
 * size (u32, all of it), the length of its path (u16), the path and a
 * NUL, inode, mtime and ctime (u64, nanoseconds), the number of names
 * (u32), and per name: 1 for a folder or 0 for a file (u8), its length
 * (u16), the name and a NUL. Little-endian; names in strcmp order.
 */
#define TREE_DIRS_MAGIC "FDW1"
#define TREE_RACY_NS 2000000000LL

struct tree_dir {
	const char *rel;	/* "_actualites/2019", in raw */
	const unsigned char *entry;	/* its bytes in raw */
	size_t len;
	uint64_t ino, mtime_ns, ctime_ns;
	const unsigned char *names;
	uint32_t nnames;
};

struct tree_dirs {
	struct buf raw;		/* the stored record */
	struct tree_dir *v;	/* by rel, strcmp order */
	size_t n;
};

/*
 * Takes over raw (the stored record, or empty) into d; an entry of
 * another build or a malformed record leaves d empty.
 */
void tree_dirs_load(struct tree_dirs *d, struct buf *raw, uint64_t build);
void tree_dirs_free(struct tree_dirs *d);
/* The record of the folders walked into lists[0..n) (their dirs). */
void tree_dirs_make(struct buf *out, const struct tree_list *lists, size_t n,
    uint64_t build);

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
 * threads say it in one order. A folder whose stamp old records (or NULL)
 * is not read again; the stamps of the folders walked go to out->dirs,
 * those older than now_ns (the wall clock, in nanoseconds, before the
 * walk) by TREE_RACY_NS only. Touches nothing but out.
 */
void tree_walk(const char *site_dir, const char *rel,
    const struct tree_dirs *old, int64_t now_ns, struct tree_list *out);
/* Says (logs) what the walks into l had to say; returns their errors. */
int tree_say(struct tree_list *l);
void tree_list_free(struct tree_list *l);

#endif
