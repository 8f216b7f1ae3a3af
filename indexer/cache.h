/*
 * cache: what the indexer remembers of each document between publishes
 * (the "src" database), so that an unchanged file is neither read, nor
 * parsed, nor rendered again: its stat, the hash of its bytes, its front
 * matter (defaults merged) and its rendered body and lede.
 *
 * A record is valid only for the same configuration and the same version
 * of folio (cfg), and the same file (mtime, size, inode).
 */
#ifndef FOLIO_CACHE_H
#define FOLIO_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "value.h"

#define CACHE_LINKS 0x01	/* the body uses {% link %} / {% post_url %} */

struct doc_rec {
	uint64_t mtime_ns, size, ino;
	uint64_t src_hash;	/* of the file's bytes */
	uint64_t cfg;		/* configuration and version it was made with */
	uint32_t flags;
	uint32_t body_line;
	struct str fm;		/* cache_put_value() of the front matter */
	struct str text;	/* the Markdown body, kept when CACHE_LINKS */
};

/*
 * The rendered body and lede live in a record of their own ("html"), read
 * only when a response that shows them is rendered again.
 */
void cache_html_build(struct buf *out, const char *body, size_t body_len,
    const char *lede, size_t lede_len);
int cache_html_parse(const void *data, size_t len, struct str *body,
    struct str *lede);

/* Serialises a value tree (positions included) onto out. */
void cache_put_value(struct buf *out, const struct value *v);
/*
 * The same without the lines and columns, into out: two values that say
 * the same thing give the same bytes wherever they were written.
 */
void cache_value_sig(struct buf *out, const struct value *v);
/*
 * Reads one value written by cache_put_value() from *p (advanced), not past
 * end. Returns the new tree, or NULL when the bytes are malformed.
 */
struct value *cache_get_value(const unsigned char **p,
    const unsigned char *end);

/*
 * The site index ("index", "docs"): one record listing every published
 * document with what each publish needs of it without reading its file or
 * its front matter: its stat, hash, URL, date, and a sketch of its front
 * matter holding only the fields that decide where it is listed (tags,
 * categories, event dates, layout, redirects...). The whole front matter
 * stays in "src", read when a response that shows the document is
 * rendered again.
 */
struct doc_ix {
	struct str relpath, url, name;
	uint64_t mtime_ns, size, ino;	/* all 0: read the file again */
	uint64_t src_hash;
	uint32_t flags, body_line;
	int64_t date_secs;
	int32_t date_offset;
	uint8_t has_date, date_only;
	struct str sketch;	/* cache_put_value() of the sketch */
};

/* Appends one entry to out. */
void cache_ix_put(struct buf *out, const struct doc_ix *x);
/*
 * Reads the entry at *p (advanced past it), not past end; raw is set to
 * its bytes, for copying it unchanged. Returns 0 or -1 (malformed).
 */
int cache_ix_next(const unsigned char **p, const unsigned char *end,
    struct doc_ix *x, struct str *raw);

/* Builds a record into out (replacing its content). */
void cache_rec_build(struct buf *out, const struct doc_rec *r);
/* Parses a record; views point into data. Returns 0 or -1 (malformed). */
int cache_rec_parse(const void *data, size_t len, struct doc_rec *r);

#endif
