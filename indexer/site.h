/*
 * site: the content tree as Jekyll reads it. _config.yml, the collections
 * and their documents, with Jekyll's rules for front matter defaults,
 * dates, drafts, future and unpublished documents, and permalinks.
 *
 * A struct site owns everything it points at; site_free() releases it.
 */
#ifndef FOLIO_SITE_H
#define FOLIO_SITE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "cache.h"
#include "publish.h"
#include "tree.h"
#include "value.h"

struct ixref;
struct prewalk;

struct collection {
	char *label;		/* "evenements" */
	char *permalink;	/* pattern, NULL for Jekyll's default */
	int output;
	struct value *meta;	/* the collection's map in _config.yml */
};

struct doc {
	char *path;		/* for messages: SITE_DIR/_evenements/x.md */
	char *relpath;		/* _evenements/x.md */
	char *name;		/* x (file name without extension) */
	char *ext;		/* ".md" */
	const struct collection *col;
	struct value *fm;	/* front matter, defaults merged under it;
				   only its sketch while partial */
	int partial;		/* fm is the sketch from the site index:
				   site_doc_full() reads the rest */
	int stub;		/* not even the sketch is read yet (fm NULL):
				   site_doc_sketch() or site_doc_full() */
	struct str skraw;	/* the stored sketch (in site.ixbuf) */
	int packed;		/* its strings are in its own allocation */
	struct value *sketch;	/* the sketch, once fm is whole */
	struct str ix;		/* its entry in the site index, when it
				   came from there (in site.ixbuf) */
	struct buf body;	/* the Markdown body, until rendered */
	unsigned body_line;
	struct buf body_html;	/* filled by the renderer (or the cache) */
	struct buf lede_html;
	int html_ready;		/* body_html and lede_html are filled in */
	int cached;		/* unchanged since the last publish */
	int kept;		/* broken now: its last good version is used */
	uint32_t flags;		/* CACHE_LINKS */
	uint64_t mtime_ns, size, ino;
	struct vtime date;
	int has_date;
	char *url;		/* canonical URL path, "/agenda/x/" */
	const char *title;	/* borrowed from fm, "" when none */
	uint64_t src_hash;	/* of the file's bytes */
	int draft;
	size_t seq;		/* its index in site.docs while rendering */
	struct value *page_ctx;	/* the page context rendering made (freed
				   with the document, which main() leaves to
				   the end of the process: freeing a site's
				   worth of them took a fifth of a second) */
};

struct site {
	char *dir;
	struct value *config;	/* _config.yml, never NULL after a load */
	const char *title, *url, *baseurl, *lang, *tz, *description;
	struct collection *cols;
	size_t ncols;
	struct doc **docs;	/* output documents, in path order */
	size_t ndocs;
	size_t per_page;
	int future;		/* future: true (documents dated later are in) */
	const char *tag_pattern, *cat_pattern;
	uint64_t config_hash;	/* of _config.yml's bytes */
	uint64_t build;		/* site_opts.build */
	uint64_t cfg;		/* configuration and folio's build: what a
				   cached document must have been made with */
	int nerrors;		/* errors reported on stderr so far */
	int nbroken;		/* documents that could not be read */
	size_t ncached;		/* documents unchanged since the last publish */
	struct pub *pub;	/* site_opts.pub */
	struct buf ixbuf;	/* the stored site index */
	struct ixref *ix;	/* its entries, in relpath order */
	size_t nix;
	size_t ixnext;		/* after the entry found last */
	int64_t later;		/* the earliest date of the documents left
				   out as dated in the future, or 0 */
	uint32_t mode;		/* SITE_MODE_* of this read */
	int64_t ix_later;	/* and of the last publish (site index) */
	uint32_t ix_mode;
	int walked;		/* the folders were walked (not --changed) */
	struct prewalk *prewalk;	/* site_open()'s, until site_read() */
	struct tree_dirs dirs;	/* the folders as the last walk found them */
	int dirs_given;		/* site_give_dirs() was called */
	struct buf dirs_now;	/* and as this one did (when walked) */
	size_t ndirs, ndirs_read;	/* folders walked, and read */
};

/* What a read includes beside the published documents. */
#define SITE_MODE_DRAFTS 1
#define SITE_MODE_ALL 2

struct site_opts {
	int drafts;		/* include _drafts */
	int all;		/* keep published: false and future documents */
	int keep_going;		/* a broken document keeps its last good version */
	int full;		/* read every file, trust nothing stored */
	/*
	 * Or NULL. The files (relative paths, sorted by strcmp) that may have
	 * changed since the last publish, as the caller knows (git diff):
	 * the folders are not walked, every other document is taken to be
	 * as the site index has it. Ignored (the folders are walked) without
	 * a site index of the same configuration and options, or when a
	 * document left out as dated in the future is due.
	 */
	char **changed;
	size_t nchanged;
	struct pub *pub;	/* the open publish, for the "src" cache; or NULL */
	/*
	 * The caller hands the stamps of the folders the last walk found
	 * (site_give_dirs(), once the database is open): the walk that
	 * site_open() starts waits for them.
	 */
	int wait_dirs;
	uint64_t build;		/* identifies this build of folio-index */
	long long now;		/* for future: false (seconds since the epoch) */
	/* Called once _config.yml is read, before any document (may be NULL):
	 * the program sets the site's time zone there. */
	void (*configured)(const struct site *s, void *arg);
	void *arg;
};

/*
 * Reads SITE_DIR/_config.yml and every document of every collection.
 * Every error is reported on stderr as path:line:col: what, and counted in
 * site->nerrors; reading goes on so that one run shows them all. Returns
 * the site (never NULL); the caller checks nerrors.
 */
struct site *site_load(const char *dir, const struct site_opts *opts);
/*
 * site_load() in two steps, so that the folders are walked while the
 * caller opens the database: site_open() reads _config.yml and, without a
 * list of changes (opts->changed), starts walking on threads of its own;
 * site_read() (opts->pub set) takes what the walk found, or walks, and
 * reads the documents. site_free() may take a site between the two.
 */
struct site *site_open(const char *dir, const struct site_opts *opts);
/*
 * Hands s the record SITE_DIRS_KEY of the last publish (raw, taken over;
 * empty when there is none) for its walk: see struct tree_dirs. Between
 * site_open() and site_read(); only the first call counts.
 */
void site_give_dirs(struct site *s, struct buf *raw);
void site_read(struct site *s, const struct site_opts *opts);

void site_free(struct site *s);

/*
 * Loads one document alone, with the configuration of the site it lies in
 * (the nearest parent folder holding _config.yml; none is fine). Its
 * collection is the folder "_name" it lies under, if any. On success *dp
 * points at the document, owned by the returned site; on failure (reported)
 * *dp is NULL. Returns the site, which the caller frees.
 */
struct site *site_load_file(const char *path, const struct site_opts *opts,
    struct doc **dp);

/*
 * Makes d->fm the whole front matter (read from "src" when d came from the
 * site index with only its sketch). Returns 0, or -1 when the stored
 * record is missing or damaged (reported once, counted in s->nerrors; the
 * caller counts it as an error of the publish).
 */
int site_doc_full(struct site *s, struct doc *d);
/*
 * A document that came from the site index is a stub until it is needed:
 * its URL, name, date, flags and hash are there, its front matter (fm) is
 * NULL. site_doc_sketch() gives it the sketch (0, or -1 reported and
 * counted); site_sketch_all() every stub of s (the number of failures).
 */
int site_doc_sketch(struct site *s, struct doc *d);
int site_sketch_all(struct site *s);
/*
 * Whether s has exactly the documents of the stored site index, in its
 * order, and each document read again (changed since) still has the
 * placement its entry records: URL, name, date, flags and sketch. Then
 * every listing, feed and calendar has the members it had. The changed
 * documents are put in *changed (malloc'd, *n of them; may be 0). Returns
 * 1 or 0.
 */
int site_same_shape(const struct site *s, struct doc ***changed, size_t *n);

/*
 * Stores the site index of s (every document, in relpath order) with
 * pub_index_put_parts(SITE_INDEX_KEY): a head, then a part every
 * SITE_INDEX_PART documents, so that a publish changing a few documents
 * writes a few parts. Documents kept from an earlier version
 * (--keep-going) are written so that their file is read again.
 */
#define SITE_INDEX_KEY "docs"
#define SITE_DIRS_KEY "dirs"	/* and, when walked, the folders' stamps */
#define SITE_INDEX_PART 256
void site_index_store(struct site *s, struct pub *pub);


#endif
