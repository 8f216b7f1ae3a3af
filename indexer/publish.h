/*
 * publish: everything the indexer produced, written into the LMDB
 * environment in one write transaction. Outputs whose stored bytes are
 * already equal are left alone; keys that no output claims are deleted.
 * Readers see the old site or the new one, never a mix.
 */
#ifndef FOLIO_PUBLISH_H
#define FOLIO_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum out_db { OUT_PAGES, OUT_AGENDA, OUT_META, OUT_NDB };

/* One response body (OUT_PAGES) or one raw value (OUT_AGENDA, OUT_META). */
struct output {
	enum out_db db;
	char *key;		/* owned */
	size_t key_len;
	struct buf body;	/* identity body, or the raw value */
	const char *ctype;	/* static string; pages only */
	char *location;		/* owned, NULL when none; redirects */
	int64_t last_modified;
	uint16_t status;
	uint8_t cache;
	/* filled in by publish() */
	int changed;
	struct buf gz, br;
};

struct outset {
	struct output *v;
	size_t n, cap;
};

void outset_init(struct outset *os);
void outset_release(struct outset *os);
/*
 * Adds an output with the given key and returns it for the caller to fill
 * in (status 200, cache STORE_CACHE_PAGE by default). The pointer is valid
 * until the next outset_add().
 */
struct output *outset_add(struct outset *os, enum out_db db, const char *key,
    size_t key_len);

struct publish_opts {
	int check_only;		/* compare and count, write nothing */
	int full;		/* rewrite every output, equal or not */
	int verbose;
};

struct publish_stats {
	size_t outputs, written, unchanged, deleted;
	size_t bytes_written;	/* record bytes put */
	size_t map_size;
};

/*
 * Publishes os into the environment directory db_dir (created when
 * missing). Takes an exclusive lock so only one indexer publishes at a time
 * (waits for another one, saying so on stderr). Returns 0, or -1 with a
 * message in err; on failure nothing of this publish is visible.
 */
int publish(const char *db_dir, struct outset *os,
    const struct publish_opts *opts, struct publish_stats *st, char *err,
    size_t errsz);

#endif
