/*
 * publish: one write transaction that takes the site's responses as they
 * are rendered (streaming: memory stays bounded by a batch, not the site),
 * leaves alone what is already stored byte for byte, compresses what
 * changed on every core, and at the end deletes every key no output
 * claimed. Readers see the old site or the new one, never a mix.
 *
 * Besides the three databases the worker reads ("pages", "agenda",
 * "meta"), the indexer keeps three of its own: "src" (per document: what
 * it knows of the file and its whole front matter), "html" (per document:
 * its rendered body and lede) and "index": the site index (see site.h) and
 * the ledger, every key the last publish stored with a hash of everything
 * it was rendered from, to skip rendering it again and to delete what is
 * no longer claimed.
 */
#ifndef FOLIO_PUBLISH_H
#define FOLIO_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "work.h"

enum out_db { OUT_PAGES, OUT_AGENDA, OUT_META, OUT_SRC, OUT_HTML, OUT_NDB };

/* pub_open() and pub_commit(): the map was too small; grow and redo. */
#define PUB_MAP_FULL 2
/* pub_get(): no such key. */
#define PUB_NOTFOUND 1
/* pub_commit(): two responses claim one URL (an error in the content). */
#define PUB_CONFLICT 3

/* One response (OUT_PAGES): what the worker will send. */
struct output {
	const char *key;	/* borrowed for the call */
	size_t key_len;
	struct buf body;	/* identity body; pub_put_page() takes it */
	const char *ctype;	/* static string */
	const char *location;	/* borrowed, NULL when none; redirects */
	int64_t last_modified;
	uint16_t status;
	uint8_t cache;
};

struct publish_opts {
	int check_only;		/* render and compare, write nothing */
	int full;		/* ignore what is stored: render everything */
	int progress;		/* a progress line on stderr (a terminal) */
	int brotli;		/* a brotli variant too, where it is smaller */
};

struct publish_stats {
	size_t outputs;		/* responses and values the site has */
	size_t rendered;	/* of which rendered this time */
	size_t written;		/* of which stored because they changed */
	size_t deleted;
	size_t bytes_written;	/* record bytes put */
	size_t map_size;
};

struct pub;

/*
 * Opens (creating DB_DIR when missing) the environment, takes the publish
 * lock (waiting for another indexer, saying so on stderr) and begins the
 * write transaction. map_size 0 keeps the current size (at least 64 MiB).
 * Returns 0, or -1 with a message in err.
 */
int pub_open(struct pub **pp, const char *db_dir,
    const struct publish_opts *opts, size_t map_size, char *err,
    size_t errsz);
/*
 * Reads what the last publish left for this one (the ledger of what it
 * stored). Once, after pub_open() and before anything is rendered or put;
 * apart from pub_open() so that the caller may read a record of its own
 * first (pub_index_get()) and get going with it.
 */
void pub_load(struct pub *p);

/*
 * Copies the stored value of key into out. Returns 0, PUB_NOTFOUND, or -1
 * (the transaction failed; pub_commit() will say why).
 */
int pub_get(struct pub *p, enum out_db db, const char *key, size_t key_len,
    struct buf *out);

/*
 * Whether the output stored under key was rendered from inputs hashing to
 * dep (and is still there). If so the key is claimed as is and the caller
 * need not render it. Always 0 with opts->full.
 */
int pub_fresh(struct pub *p, enum out_db db, const char *key, size_t key_len,
    uint64_t dep);

/*
 * Whether the last publish stored key rendered from inputs hashing to dep
 * (a peek: nothing is claimed). Always 0 with opts->full.
 */
int pub_stored(struct pub *p, enum out_db db, const char *key,
    size_t key_len, uint64_t dep);

/*
 * Whether a database operation of this publish failed (the map is full,
 * the disk is full...): pub_commit() says what, and whether to retry.
 */
int pub_failed(const struct pub *p);

/*
 * The thread pool of this publish (started on first use, stopped by
 * pub_commit() or pub_abort(), after the jobs queued on it have run):
 * the caller renders on it, and changed pages are compressed on it, so
 * that the two share the cores.
 */
struct work *pub_work(struct pub *p);

/*
 * Says which document the next claims come from (path and the position of
 * what made the URL), so that a URL claimed twice is reported there.
 * path NULL: responses folio makes itself (listings, feeds, calendars).
 * path is borrowed until pub_commit().
 */
void pub_origin(struct pub *p, const char *path, unsigned line,
    unsigned col);

/*
 * The indexer's own records in "index" (the site index), outside the
 * claims: pub_index_get() copies one into out (0, PUB_NOTFOUND or -1),
 * pub_index_put() stores one. Not read with opts->full.
 */
int pub_index_get(struct pub *p, const char *key, struct buf *out);
void pub_index_put(struct pub *p, const char *key, const void *val,
    size_t len);
/*
 * pub_index_put() of a big record in parts: part i is data[at[i]..at[i+1])
 * (pub_index_get() puts them back together). Only the parts that changed
 * are written again, so cutting at the same entries every time keeps a
 * small change small; same[i] (same may be NULL) says the caller knows
 * part i is as stored, and then it is neither compared nor written (its
 * bytes in data are not looked at).
 */
void pub_index_put_parts(struct pub *p, const char *key, const char *data,
    const size_t *at, size_t nparts, const uint8_t *same);

/*
 * Whether the stored ledger was read and its pages compressed as this
 * build does: then pub_keep_rest() can stand for the claims of everything
 * a publish does not render again.
 */
int pub_ledger_whole(const struct pub *p);
/*
 * Claims key, stored by the last publish, as it is but with the new hash
 * dep: for a response the caller knows would render to the same bytes.
 * Returns 1, or 0 (not stored: render it).
 */
int pub_reclaim(struct pub *p, enum out_db db, const char *key,
    size_t key_len, uint64_t dep);
/*
 * Claims key, stored by the last publish from inputs hashing to was, as it
 * is but with the new hash dep: for a response the caller knows renders to
 * the same bytes from dep's inputs as from was's. Returns 1, or 0 (not
 * stored from was: render it).
 */
int pub_refresh(struct pub *p, enum out_db db, const char *key,
    size_t key_len, uint64_t was, uint64_t dep);
/* Claims, as they are stored, every key of the last publish not claimed. */
void pub_keep_rest(struct pub *p);

/* Claims key as it is stored (a "src" record of an unchanged document). */
void pub_keep(struct pub *p, enum out_db db, const char *key,
    size_t key_len);

/*
 * Claims key for this publish with its new content: a page (o, body taken
 * over and emptied) or a raw value. Equal bytes are left alone; changed
 * pages are compressed in batches. dep is stored for pub_fresh().
 */
void pub_put_page(struct pub *p, struct output *o, uint64_t dep);
void pub_put_raw(struct pub *p, enum out_db db, const char *key,
    size_t key_len, const void *val, size_t len, uint64_t dep);

/*
 * Deletes what nobody claimed, commits (or, with check_only, aborts) and
 * closes everything. Returns 0, PUB_MAP_FULL (nothing written: open again
 * with a larger map_size, st->map_size suggests one), PUB_CONFLICT (two
 * responses claim one URL: err is "path:line:col: what"; nothing written),
 * or -1 with err set (nothing written). p is freed in every case.
 */
int pub_commit(struct pub *p, struct publish_stats *st, char *err,
    size_t errsz);

/* Gives up: nothing of this publish is written. p is freed. */
void pub_abort(struct pub *p);

#endif
