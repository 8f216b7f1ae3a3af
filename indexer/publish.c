#include "publish.h"

#include <brotli/encode.h>
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "maptrim.h"
#include "store.h"
#include "work.h"

/*
 * Levels chosen on measurements, every stored response compressed one by
 * one on one core of this 2-core machine. On the synthetic site of
 * bench/index (gen.py 10000 --seed 1; 19,941 responses, 212.9 MB):
 * libdeflate gzip 1: 1.04 s, 64.09 MB; 2: 2.15 s, 62.72; 3: 2.16 s, 62.14;
 * 4: 2.16 s, 61.85; 5: 2.88 s, 61.22; 6: 2.81-2.95 s, 61.01; 9: 3.92 s,
 * 60.82. Brotli 1: 1.14 s, 69.42 MB; 2: 1.95 s, 64.41; 3: 2.32 s, 63.40;
 * 4: 4.13 s, 60.35. (Run again later, on a busier machine, gzip 4 and 6
 * took 2.6 and 3.2-3.5 s.) On the pages of the real content
 * (../shared/corpus, 266 responses, 0.8 MB): gzip 1: 316.0 KB, 4: 311.5,
 * 6: 308.2, 9: 306.9; brotli 2: 326.7, 3: 320.0, 4: 298.2, 5: 282.3.
 * Gzip 1 is libdeflate's fast match finder: 1.4% (real) to 3.6%
 * (synthetic) larger than gzip 4 for half its CPU. Levels 2 to 4 cost
 * the same as one another, twice what 1 does; past 4, each level buys
 * tenths of a percent for a fifth more CPU.
 * Compression was a quarter of a full publish's CPU at gzip 4; at gzip 1
 * the benchmark's full publish takes 1.1 s of CPU less (7.8 s against
 * 8.9 s, medians of 4 runs each, alternating). Brotli below 4 is larger
 * than gzip 4; brotli 4 is 5.6% (real) to 5.8% (synthetic) smaller than
 * gzip 1, for four times its CPU. So by default a response is stored as
 * it is and as gzip 1 (the level nginx compresses at by default), and
 * every client is sent the same bytes; --brotli adds brotli 4 for the
 * operator who would rather spend the CPU on each publish.
 */
#define GZIP_LEVEL 1
#define BROTLI_QUALITY 4
#define BROTLI_WINDOW 22
#define COMPRESS_MIN 256	/* smaller bodies are sent as they are */
/* The map is address space, not disk: data.mdb grows as it fills. */
#define INITIAL_MAP (64UL << 20)
#define BATCH_BYTES (8UL << 20)	/* changed pages held before a flush */
#define BATCH_PAGES 512
/* Bytes put through the map after which it is dropped (see maptrim.h). */
#define TRIM_BYTES MAPTRIM_BYTES

static const char *const db_names[OUT_NDB] = { "pages", "agenda", "meta",
	"src", "html" };

/*
 * The ledger: every key the last publish claimed in every database, with
 * the hash of what it was rendered from, kept as one record ("index",
 * "ledger") so that an incremental publish reads it in one go. During a
 * publish it is a hash table of those keys plus the new ones: a claim
 * marks its entry, and at the commit every old entry nobody claimed is
 * deleted (no walk over the databases).
 */
#define LEDGER_KEY "ledger"
#define LEDGER_MAGIC "FLG3"
#define LEDGER_PART 1024	/* entries per part (see pub_index_put_parts()) */
/*
 * How the compressed variants are made: stored with the ledger, so that a
 * publish by a folio compressing otherwise rewrites pages whose identity
 * body did not change. The top byte counts changes to the rules.
 */
#define VARIANTS_ID(o) ((uint32_t)GZIP_LEVEL | ((o)->brotli ? \
	(uint32_t)BROTLI_QUALITY << 8 | (uint32_t)BROTLI_WINDOW << 16 : 0) | \
	2u << 24)

struct lent {
	uint64_t dep;
	uint32_t off;		/* key bytes in pub.lkeys */
	uint16_t len;
	uint8_t db;
	uint8_t claimed;
	uint8_t moved;		/* claimed with another hash than stored */
	const char *opath;	/* the document that claimed it, or NULL */
	unsigned oline, ocol;
};

/*
 * A changed page waiting for compression and its put. Compression runs on
 * the pool's threads while the main thread renders; only the main thread
 * touches LMDB (a write transaction belongs to its thread).
 */
struct pending {
	struct work_job job;	/* first: the job is the pending */
	struct pub *p;
	struct output o;	/* key and location owned here */
	uint64_t dep;
	size_t held;		/* bytes counted in qbytes */
	struct buf gz, br;
	struct buf rec;		/* the record to put, made on the thread */
};


struct pub {
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi[OUT_NDB];
	MDB_dbi deps, index;
	int has_deps;		/* the per-key "deps" database of older
				   versions is still there */
	int lockfd;
	int rc;			/* first LMDB error, sticky */
	struct publish_opts opts;
	struct lent *ents;	/* the ledger, old entries first */
	size_t nents, capents, nold;
	uint32_t *slots;	/* open addressing: index + 1, 0 empty */
	size_t nslots;
	struct buf lkeys;
	int ledger_ok;		/* the stored ledger was read */
	int same_variants;	/* and its pages were compressed as now */
	int was_empty;		/* no database in the environment at open */
	size_t dup;		/* a key claimed twice: its entry + 1, or 0
				   (an index: the entries move as they grow) */
	const char *dupath;	/* and where the second came from */
	unsigned dupline, dupcol;
	struct pending **q;	/* in order of arrival, oldest first */
	size_t nq, qbytes;
	struct work *work;	/* NULL until needed */
	struct libdeflate_compressor *dc[WORK_MAX_THREADS];	/* per thread */
	struct publish_stats st;
	char where[256];
	long long shown;	/* when the progress line was last written */
	const char *opath;	/* see pub_origin() */
	unsigned oline, ocol;
	struct maptrim *trimmer;	/* NULL when not running */
	size_t untrimmed;	/* bytes put since the last trim() */
	int writemap;		/* the environment is open with MDB_WRITEMAP */
	int committed;
	off_t file_size;	/* of data.mdb when opened */
};

/*
 * After TRIM_BYTES put through the map, the main thread drops the
 * process's view of it itself (see maptrim.h): the trimming thread may be
 * waiting for a core while the main thread writes.
 */
static void
trim(struct pub *p)
{
	p->untrimmed = 0;
	maptrim_now(p->trimmer);
}

static void
put_bytes(struct pub *p, size_t n)
{
	p->untrimmed += n;
	if (p->untrimmed >= TRIM_BYTES)
		trim(p);
}

static void
fail(struct pub *p, int rc, const char *what)
{
	if (p->rc != 0)
		return;
	p->rc = rc;
	snprintf(p->where, sizeof(p->where), "%s", what);
}

/*
 * mdb_put() of val, len into dbi. Into a file of holes written through
 * the map (p->writemap), a value of PWRITE_MIN bytes or more is put with
 * MDB_RESERVE, which places it (on overflow pages, of which LMDB writes
 * the first one's header only) and says where, and its bytes are written
 * there with pwrite() before anything else is put, as MDB_RESERVE asks.
 * The map and write() see the same pages of the page cache, and the
 * commit's msync() writes back every dirty page of the file, however it
 * was dirtied; a full disk shows there as ENOSPC (the header LMDB
 * writes through the map may still meet it first, as a SIGBUS). Copied
 * through the map, each page of the value is faulted in, zeroed by the
 * kernel and then filled; pwrite() hands the page cache whole pages. On
 * the benchmark site's full publish: 41,946 major faults instead of
 * 116,827, and 4.00 s instead of 4.33 s (medians of 6 runs each,
 * alternating; 6.6 s of CPU instead of 6.9). Values of 4 KB and more:
 * 4.19 s.
 */
#define PWRITE_MIN (8UL << 10)

static int
db_put(struct pub *p, MDB_dbi dbi, MDB_val *k, const void *val, size_t len)
{
	MDB_val v;
	void *map;
	size_t maplen, off, done = 0;
	ssize_t n;
	int rc, fd;

	v.mv_data = (void *)val;
	v.mv_size = len;
	if (!p->writemap || len < PWRITE_MIN ||
	    maptrim_where(p->trimmer, &map, &maplen) == -1 ||
	    mdb_env_get_fd(p->env, &fd) != 0)
		return mdb_put(p->txn, dbi, k, &v, 0);
	if ((rc = mdb_put(p->txn, dbi, k, &v, MDB_RESERVE)) != 0)
		return rc;
	off = (size_t)((char *)v.mv_data - (char *)map);
	if ((char *)v.mv_data < (char *)map || off > maplen ||
	    len > maplen - off) {
		memcpy(v.mv_data, val, len);
		return 0;
	}
	while (done < len) {
		n = pwrite(fd, (const char *)val + done, len - done,
		    (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : EIO;
		done += (size_t)n;
	}
	return 0;
}

/* "\r... responses" on a terminal, at most four times a second. */
static void
progress(struct pub *p, int last)
{
	struct timespec ts;
	long long now;

	if (!p->opts.progress)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (!last && now - p->shown < 250)
		return;
	p->shown = now;
	fprintf(stderr, "\r%zu responses, %zu rendered, %zu changed%s",
	    p->st.outputs, p->st.rendered, p->st.written + p->nq,
	    last ? "\r\033[K" : "");
}

static uint64_t
key_hash(uint8_t db, const char *key, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ db ^ ((uint64_t)len << 8), w;

	while (len >= 8) {
		memcpy(&w, key, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
		key += 8;
		len -= 8;
	}
	w = 0;
	memcpy(&w, key, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

static int
ent_is(const struct pub *p, const struct lent *e, uint8_t db,
    const char *key, size_t len)
{
	return e->db == db && e->len == len &&
	    memcmp(p->lkeys.data + e->off, key, len) == 0;
}

static void
slots_grow(struct pub *p)
{
	size_t i, j, n = p->nslots ? p->nslots * 2 : 1024;

	while (n < p->nents * 2 + 2)
		n *= 2;
	free(p->slots);
	p->slots = xcalloc(n, sizeof(*p->slots));
	p->nslots = n;
	for (i = 0; i < p->nents; i++) {
		const struct lent *e = &p->ents[i];

		j = key_hash(e->db, p->lkeys.data + e->off, e->len) & (n - 1);
		while (p->slots[j] != 0)
			j = (j + 1) & (n - 1);
		p->slots[j] = (uint32_t)i + 1;
	}
}

/* The entry of (db, key), added (unclaimed) when add and missing. */
static struct lent *
ent_find(struct pub *p, uint8_t db, const char *key, size_t len, int add)
{
	struct lent *e;
	size_t j;

	if (p->nslots == 0)
		slots_grow(p);
	for (j = key_hash(db, key, len) & (p->nslots - 1); p->slots[j] != 0;
	    j = (j + 1) & (p->nslots - 1)) {
		e = &p->ents[p->slots[j] - 1];
		if (ent_is(p, e, db, key, len))
			return e;
	}
	if (!add)
		return NULL;
	if (p->nents == p->capents) {
		p->capents = p->capents ? p->capents * 2 : 1024;
		p->ents = xreallocarray(p->ents, p->capents, sizeof(*p->ents));
	}
	e = &p->ents[p->nents];
	memset(e, 0, sizeof(*e));
	e->db = db;
	e->len = (uint16_t)len;
	e->off = (uint32_t)p->lkeys.len;
	buf_add(&p->lkeys, key, len);
	p->slots[j] = (uint32_t)++p->nents;
	if (p->nents * 2 >= p->nslots)
		slots_grow(p);
	return e;
}

/* Claims entry e for this publish, with the hash it is made from. */
static void
claim_ent(struct pub *p, struct lent *e, uint64_t dep)
{
	if (e->claimed) {
		if (p->dup == 0) {
			p->dup = (size_t)(e - p->ents) + 1;
			p->dupath = p->opath;
			p->dupline = p->oline;
			p->dupcol = p->ocol;
		}
		return;
	}
	e->claimed = 1;
	if ((size_t)(e - p->ents) >= p->nold || e->dep != dep)
		e->moved = 1;
	e->dep = dep;
	e->opath = p->opath;
	e->oline = p->oline;
	e->ocol = p->ocol;
	if (e->db < OUT_SRC) {
		p->st.outputs++;
		if ((p->st.outputs & 127) == 0)
			progress(p, 0);
	}
}

static void
claim(struct pub *p, enum out_db db, const char *key, size_t len,
    uint64_t dep)
{
	claim_ent(p, ent_find(p, (uint8_t)db, key, len, 1), dep);
}

int
pub_ledger_whole(const struct pub *p)
{
	return p->ledger_ok && p->same_variants && !p->opts.full &&
	    p->rc == 0;
}

/*
 * Claims key as stored by the last publish, with the hash dep, when it is
 * there, not claimed yet, and (with was non-NULL) stored from *was.
 */
static int
reclaim(struct pub *p, enum out_db db, const char *key, size_t key_len,
    const uint64_t *was, uint64_t dep)
{
	struct lent *e;

	if (!pub_ledger_whole(p))
		return 0;
	e = ent_find(p, (uint8_t)db, key, key_len, 0);
	if (e == NULL || e->claimed || (was != NULL && e->dep != *was) ||
	    (size_t)(e - p->ents) >= p->nold)
		return 0;
	claim_ent(p, e, dep);
	return 1;
}

int
pub_reclaim(struct pub *p, enum out_db db, const char *key, size_t key_len,
    uint64_t dep)
{
	return reclaim(p, db, key, key_len, NULL, dep);
}

int
pub_refresh(struct pub *p, enum out_db db, const char *key, size_t key_len,
    uint64_t was, uint64_t dep)
{
	return reclaim(p, db, key, key_len, &was, dep);
}

void
pub_keep_rest(struct pub *p)
{
	size_t i;

	for (i = 0; i < p->nold; i++)
		if (!p->ents[i].claimed)
			claim_ent(p, &p->ents[i], p->ents[i].dep);
}

static int
compressible(const struct output *o)
{
	return o->status != 301 && o->body.len >= COMPRESS_MIN &&
	    (strncmp(o->ctype, "text/", 5) == 0 || strstr(o->ctype, "xml") ||
	    strstr(o->ctype, "json"));
}

static void
compress_one(struct pending *pd, struct libdeflate_compressor *dc)
{
	const struct buf *body = &pd->o.body;
	size_t bound, n;
	int lgwin;

	buf_reset(&pd->gz);
	buf_reset(&pd->br);
	if (!compressible(&pd->o))
		return;
	bound = libdeflate_gzip_compress_bound(dc, body->len);
	buf_grow(&pd->gz, bound);
	n = libdeflate_gzip_compress(dc, body->data, body->len, pd->gz.data,
	    bound);
	/* A variant that saves under 5% is not worth a header and a choice. */
	if (n > 0 && n < body->len - body->len / 20)
		pd->gz.len = n;
	if (!pd->p->opts.brotli ||
	    (bound = BrotliEncoderMaxCompressedSize(body->len)) == 0)
		return;
	buf_grow(&pd->br, bound);
	n = bound;
	/*
	 * A window no larger than the body: same output size, but the
	 * encoder sets up (and clears) tables for the window it is given.
	 */
	for (lgwin = 16; lgwin < BROTLI_WINDOW &&
	    ((size_t)1 << lgwin) < body->len; lgwin++)
		;
	/* Brotli is kept only where it beats gzip, or stands in for it. */
	if (BrotliEncoderCompress(BROTLI_QUALITY, lgwin,
	    BROTLI_MODE_TEXT, body->len, (const uint8_t *)body->data, &n,
	    (uint8_t *)pd->br.data) == BROTLI_TRUE &&
	    n < body->len - body->len / 20 &&
	    (pd->gz.len == 0 || n < pd->gz.len))
		pd->br.len = n;
}

static void page_record(const struct pending *, struct buf *);

/* Runs on a thread of the pool, with that thread's compressor. */
static void
compress_run(struct work_job *job, unsigned th)
{
	struct pending *pd = (struct pending *)job;
	struct libdeflate_compressor **dc = &pd->p->dc[th];

	if (*dc == NULL && (*dc = libdeflate_alloc_compressor(GZIP_LEVEL)) ==
	    NULL) {
		fprintf(stderr, "fatal: out of memory (compressor)\n");
		abort();
	}
	compress_one(pd, *dc);
	/*
	 * The record (ETags hash every variant) is made here too, and what
	 * it was made of freed: the main thread only puts it.
	 */
	page_record(pd, &pd->rec);
	buf_release(&pd->o.body);
	buf_release(&pd->gz);
	buf_release(&pd->br);
}

static void
page_record(const struct pending *pd, struct buf *rec)
{
	const struct output *o = &pd->o;
	struct store_page_in in;

	memset(&in, 0, sizeof(in));
	in.status = o->status;
	in.cache = o->cache;
	in.last_modified = o->last_modified;
	in.ctype = o->ctype;
	in.location = o->location;
	in.v[0].body = buf_cstr(&o->body);
	in.v[0].body_len = o->body.len;
	in.v[0].enc = STORE_ENC_IDENTITY;
	in.nvariants = 1;
	if (pd->br.len > 0) {
		in.v[in.nvariants].body = pd->br.data;
		in.v[in.nvariants].body_len = pd->br.len;
		in.v[in.nvariants++].enc = STORE_ENC_BR;
	}
	if (pd->gz.len > 0) {
		in.v[in.nvariants].body = pd->gz.data;
		in.v[in.nvariants].body_len = pd->gz.len;
		in.v[in.nvariants++].enc = STORE_ENC_GZIP;
	}
	if (store_page_build(rec, &in) == -1) {
		/* Bodies over 2 GiB cannot be produced by the renderer. */
		fprintf(stderr, "fatal: page record too large: %s\n", o->key);
		abort();
	}
}

static void
pending_free(struct pending *pd)
{
	free((char *)pd->o.key);
	free((char *)pd->o.location);
	buf_release(&pd->o.body);
	buf_release(&pd->gz);
	buf_release(&pd->br);
	buf_release(&pd->rec);
}

/* Stores a compressed page (main thread: LMDB) and frees it. */
static void
put_pending(struct pub *p, struct pending *pd)
{
	MDB_val k;
	int rc;

	if (p->rc == 0) {
		k.mv_data = (void *)pd->o.key;
		k.mv_size = pd->o.key_len;
		if ((rc = db_put(p, p->dbi[OUT_PAGES], &k, pd->rec.data,
		    pd->rec.len)) != 0)
			fail(p, rc, "storing a page in the database");
		put_bytes(p, pd->rec.len);
		p->st.written++;
		p->st.bytes_written += pd->rec.len;
	}
	p->qbytes -= pd->held;
	pending_free(pd);
	free(pd);
}

/*
 * Stores the oldest pages whose compression is done. With all, waits for
 * every one; otherwise waits only while too much is held in memory.
 */
static void
drain(struct pub *p, int all)
{
	struct pending *pd;
	size_t i = 0, j;

	while (i < p->nq) {
		pd = p->q[i];
		if (all || p->qbytes >= BATCH_BYTES || p->nq - i >= BATCH_PAGES)
			work_wait(p->work, &pd->job);
		else if (!work_done(p->work, &pd->job))
			break;
		put_pending(p, pd);
		i++;
	}
	for (j = 0; i + j < p->nq; j++)
		p->q[j] = p->q[i + j];
	p->nq = j;
}

/*
 * Is the stored page equal to what o would store? The compressed variants
 * follow from the identity body (same levels, same bytes), so comparing
 * that body and the headers suffices; --full rewrites everything anyway.
 */
static int
page_same(const struct output *o, const MDB_val *v)
{
	struct store_page sp;
	size_t loclen = o->location != NULL ? strlen(o->location) : 0;

	if (store_page_parse(v->mv_data, v->mv_size, &sp) == -1)
		return 0;
	return sp.status == o->status && sp.cache == o->cache &&
	    sp.last_modified == o->last_modified &&
	    sp.ctype_len == strlen(o->ctype) &&
	    memcmp(sp.ctype, o->ctype, sp.ctype_len) == 0 &&
	    sp.location_len == loclen &&
	    (loclen == 0 || memcmp(sp.location, o->location, loclen) == 0) &&
	    sp.v[0].enc == STORE_ENC_IDENTITY &&
	    sp.v[0].body_len == o->body.len &&
	    memcmp(sp.v[0].body, buf_cstr(&o->body), o->body.len) == 0;
}

void
pub_put_page(struct pub *p, struct output *o, uint64_t dep)
{
	struct pending *pd;
	MDB_val k, v;

	claim(p, OUT_PAGES, o->key, o->key_len, dep);
	p->st.rendered++;
	if (p->rc != 0)
		goto out;
	k.mv_data = (void *)o->key;
	k.mv_size = o->key_len;
	if (!p->opts.full && p->same_variants &&
	    mdb_get(p->txn, p->dbi[OUT_PAGES], &k, &v) == 0 &&
	    page_same(o, &v))
		goto out;
	pd = xcalloc(1, sizeof(*pd));
	pd->p = p;
	pd->job.run = compress_run;
	pd->o = *o;
	pd->o.key = xstrndup(o->key, o->key_len);
	pd->o.location = o->location != NULL ? xstrdup(o->location) : NULL;
	buf_init(&o->body);
	pd->dep = dep;
	/* The queue holds at most BATCH_PAGES: drain() keeps it so. */
	if (p->nq > 0)
		drain(p, 0);
	p->q[p->nq++] = pd;
	pd->held = pd->o.body.len;
	p->qbytes += pd->held;
	work_submit(pub_work(p), &pd->job);
	return;
out:
	buf_release(&o->body);
}

void
pub_put_raw(struct pub *p, enum out_db db, const char *key, size_t key_len,
    const void *val, size_t len, uint64_t dep)
{
	MDB_val k, v;
	int rc;

	claim(p, db, key, key_len, dep);
	if (db < OUT_SRC)
		p->st.rendered++;
	if (p->rc != 0)
		return;
	k.mv_data = (void *)key;
	k.mv_size = key_len;
	if (p->opts.full || mdb_get(p->txn, p->dbi[db], &k, &v) != 0 ||
	    v.mv_size != len || memcmp(v.mv_data, val, len) != 0) {
		if ((rc = db_put(p, p->dbi[db], &k, val, len)) != 0) {
			fail(p, rc, "storing a value in the database");
			return;
		}
		put_bytes(p, len);
		if (db < OUT_SRC) {
			p->st.written++;
			p->st.bytes_written += len;
		}
	}
}

struct work *
pub_work(struct pub *p)
{
	if (p->work == NULL)
		p->work = work_start(0);
	return p->work;
}

void
pub_origin(struct pub *p, const char *path, unsigned line, unsigned col)
{
	p->opath = path;
	p->oline = line;
	p->ocol = col;
}

int
pub_failed(const struct pub *p)
{
	return p->rc != 0;
}

void
pub_keep(struct pub *p, enum out_db db, const char *key, size_t key_len)
{
	struct lent *e = ent_find(p, (uint8_t)db, key, key_len, 1);

	/* A new entry's hash is 0: nothing is rendered from it. */
	claim_ent(p, e, e->dep);
}

/* Copies the value of key in dbi into out: 0, PUB_NOTFOUND or -1. */
static int
get_copy(struct pub *p, MDB_dbi dbi, const char *key, size_t key_len,
    struct buf *out)
{
	MDB_val k, v;
	int rc;

	if (p->rc != 0)
		return -1;
	k.mv_data = (void *)key;
	k.mv_size = key_len;
	rc = mdb_get(p->txn, dbi, &k, &v);
	if (rc == MDB_NOTFOUND)
		return PUB_NOTFOUND;
	if (rc != 0) {
		fail(p, rc, "reading the database");
		return -1;
	}
	buf_reset(out);
	buf_add(out, v.mv_data, v.mv_size);
	return 0;
}

int
pub_get(struct pub *p, enum out_db db, const char *key, size_t key_len,
    struct buf *out)
{
	return get_copy(p, p->dbi[db], key, key_len, out);
}

/*
 * A big record of "index" is kept in parts: "key" holds PARTS_MAGIC and
 * their number, "key/0", "key/1"... the bytes. A publish that changes a
 * few entries rewrites the parts holding them, not the whole record.
 */
#define PARTS_MAGIC "FPT1"

static void
part_key(struct buf *k, const char *key, uint32_t i)
{
	buf_reset(k);
	buf_printf(k, "%s/%u", key, (unsigned)i);
}

/* The number of parts stored under key (0: none, or a whole record). */
static uint32_t
parts_of(struct pub *p, const char *key)
{
	MDB_val k, v;

	k.mv_data = (void *)key;
	k.mv_size = strlen(key);
	if (mdb_get(p->txn, p->index, &k, &v) != 0 || v.mv_size != 8 ||
	    memcmp(v.mv_data, PARTS_MAGIC, 4) != 0)
		return 0;
	return store_get32((const unsigned char *)v.mv_data + 4);
}

static int
index_get(struct pub *p, const char *key, struct buf *out)
{
	struct buf k = BUF_INIT;
	uint32_t n, i;
	MDB_val mk, *vs;
	size_t total;
	int rc;

	rc = get_copy(p, p->index, key, strlen(key), out);
	if (rc != 0 || out->len != 8 || memcmp(out->data, PARTS_MAGIC, 4) != 0)
		return rc;
	n = store_get32((const unsigned char *)out->data + 4);
	buf_reset(out);
	/* Where the parts are, then one copy into room made once (nothing
	 * is written in between: the views stay valid). */
	vs = xreallocarray(NULL, n + 1, sizeof(*vs));
	for (i = 0, total = 0; i < n; i++) {
		part_key(&k, key, i);
		mk.mv_data = k.data;
		mk.mv_size = k.len;
		if ((rc = mdb_get(p->txn, p->index, &mk, &vs[i])) != 0) {
			/* A part missing: the record is not there as a whole. */
			if (rc != MDB_NOTFOUND)
				fail(p, rc, "reading the database");
			rc = rc == MDB_NOTFOUND ? PUB_NOTFOUND : -1;
			break;
		}
		total += vs[i].mv_size;
	}
	if (rc == 0) {
		buf_grow(out, total);
		for (i = 0; i < n; i++)
			buf_add(out, vs[i].mv_data, vs[i].mv_size);
	}
	free(vs);
	buf_release(&k);
	return rc;
}

int
pub_index_get(struct pub *p, const char *key, struct buf *out)
{
	if (p->opts.full && p->rc == 0)
		return PUB_NOTFOUND;
	return index_get(p, key, out);
}

/* Puts key = val unless it holds that already. */
static void
index_put1(struct pub *p, const char *key, size_t key_len, const void *val,
    size_t len)
{
	MDB_val k, v;
	int rc;

	if (p->rc != 0)
		return;
	k.mv_data = (void *)key;
	k.mv_size = key_len;
	if (mdb_get(p->txn, p->index, &k, &v) == 0 && v.mv_size == len &&
	    memcmp(v.mv_data, val, len) == 0)
		return;
	if ((rc = db_put(p, p->index, &k, val, len)) != 0)
		fail(p, rc, "storing the site index in the database");
}

void
pub_index_put(struct pub *p, const char *key, const void *val, size_t len)
{
	index_put1(p, key, strlen(key), val, len);
}

void
pub_index_put_parts(struct pub *p, const char *key, const char *data,
    const size_t *at, size_t nparts, const uint8_t *same)
{
	struct buf k = BUF_INIT;
	unsigned char head[8];
	uint32_t old = parts_of(p, key), i;
	MDB_val mk;
	int rc;

	for (i = 0; i < nparts; i++) {
		if (same != NULL && same[i] && i < old)
			continue;
		part_key(&k, key, i);
		index_put1(p, k.data, k.len, data + at[i], at[i + 1] - at[i]);
	}
	for (; i < old && p->rc == 0; i++) {
		part_key(&k, key, i);
		mk.mv_data = k.data;
		mk.mv_size = k.len;
		rc = mdb_del(p->txn, p->index, &mk, NULL);
		if (rc != 0 && rc != MDB_NOTFOUND)
			fail(p, rc, "storing the site index in the database");
	}
	memcpy(head, PARTS_MAGIC, 4);
	store_put32(head + 4, (uint32_t)nparts);
	index_put1(p, key, strlen(key), head, 8);
	buf_release(&k);
}

int
pub_stored(struct pub *p, enum out_db db, const char *key, size_t key_len,
    uint64_t dep)
{
	const struct lent *e;

	if (p->opts.full || p->rc != 0 || !p->ledger_ok ||
	    (db == OUT_PAGES && !p->same_variants))
		return 0;
	e = ent_find(p, (uint8_t)db, key, key_len, 0);
	return e != NULL && (size_t)(e - p->ents) < p->nold &&
	    (e->claimed ? 0 : e->dep == dep);
}

int
pub_fresh(struct pub *p, enum out_db db, const char *key, size_t key_len,
    uint64_t dep)
{
	struct lent *e;

	/* Pages compressed otherwise (--brotli or not) are made again. */
	if (p->opts.full || p->rc != 0 || !p->ledger_ok ||
	    (db == OUT_PAGES && !p->same_variants))
		return 0;
	/*
	 * An old entry of the ledger says its key is stored, rendered from
	 * dep: the ledger is written in the transaction that writes the keys.
	 */
	e = ent_find(p, (uint8_t)db, key, key_len, 0);
	if (e == NULL || e->dep != dep || (size_t)(e - p->ents) >= p->nold)
		return 0;
	claim_ent(p, e, dep);
	return 1;
}

static int
lock_dir(const char *db_dir, char *err, size_t errsz)
{
	struct buf path = BUF_INIT;
	int fd;

	buf_printf(&path, "%s/publish.lock", db_dir);
	fd = open(path.data, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1) {
		snprintf(err, errsz, "%s: %s", path.data, strerror(errno));
		buf_release(&path);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		log_info("%s: another folio-index is publishing; waiting",
		    db_dir);
		while (flock(fd, LOCK_EX) == -1 && errno == EINTR)
			;
	}
	buf_release(&path);
	return fd;
}

/*
 * Whether the file system under the environment has no room left: LMDB
 * reports a write cut short by ENOSPC as EIO, which alone misleads.
 */
static int
disk_full(MDB_env *env)
{
	struct statvfs sv;
	const char *path;

	if (mdb_env_get_path(env, &path) != 0 || statvfs(path, &sv) == -1)
		return 0;
	return (unsigned long long)sv.f_bavail * sv.f_frsize < 65536;
}

/*
 * LMDB never shrinks data.mdb: a file shorter than the last page of the
 * last commit was cut (a failed copy, a full disk), and reading the missing
 * pages through the map would end the process with SIGBUS.
 */
static int
check_size(MDB_env *env, const MDB_envinfo *info, const char *db_dir,
    off_t *size, char *err, size_t errsz)
{
	struct stat sb;
	MDB_stat ms;
	struct buf path = BUF_INIT;
	off_t need;
	int rc = -1;

	mdb_env_stat(env, &ms);
	need = (off_t)(info->me_last_pgno + 1) * ms.ms_psize;
	buf_printf(&path, "%s/data.mdb", db_dir);
	if (stat(path.data, &sb) == -1)
		snprintf(err, errsz, "%s: %s", path.data, strerror(errno));
	else if (sb.st_size < need)
		snprintf(err, errsz, "%s: truncated: %lld bytes, its last page "
		    "ends at %lld (move the damaged files aside and publish "
		    "again)", path.data, (long long)sb.st_size,
		    (long long)need);
	else {
		*size = sb.st_size;
		rc = 0;
	}
	buf_release(&path);
	return rc;
}

/*
 * data.mdb back to the length LMDB gives it without MDB_WRITEMAP: the
 * opening extended it to the map size (a sparse file), which would hide a
 * file cut short from the size checks of the indexer and of the worker
 * (and from anyone looking at it). After a commit: up to its last page.
 * After an abort: as long as it was, which covers the last commit's pages
 * (check_size()); what the transaction wrote past that is dropped. No
 * reader maps a page past the last commit's, and no other writer runs
 * (the publish lock).
 */
static void
shrink(struct pub *p, int committed)
{
	MDB_envinfo info;
	MDB_stat ms;
	off_t len = p->file_size;
	int fd;

	if (!p->writemap || mdb_env_get_fd(p->env, &fd) != 0)
		return;
	if (committed) {
		mdb_env_info(p->env, &info);
		mdb_env_stat(p->env, &ms);
		len = (off_t)(info.me_last_pgno + 1) * ms.ms_psize;
	}
	if (len > 0)
		(void)ftruncate(fd, len);
}

static void
pub_free(struct pub *p)
{
	size_t i;

	/* Queued jobs run to the end: they use what is freed below. */
	work_stop(p->work);
	for (i = 0; i < WORK_MAX_THREADS; i++)
		if (p->dc[i] != NULL)
			libdeflate_free_compressor(p->dc[i]);
	for (i = 0; i < p->nq; i++) {
		pending_free(p->q[i]);
		free(p->q[i]);
	}
	free(p->q);
	free(p->ents);
	free(p->slots);
	buf_release(&p->lkeys);
	maptrim_stop(p->trimmer);
	p->trimmer = NULL;
	if (p->txn != NULL) {
		mdb_txn_abort(p->txn);
		p->txn = NULL;
	}
	if (p->env != NULL) {
		shrink(p, p->committed);
		mdb_env_close(p->env);
	}
	if (p->lockfd != -1)
		close(p->lockfd);
	free(p);
}

/* Creates and opens p->env with flags. Returns 0, or -1 with err set. */
static int
env_open(struct pub *p, const char *db_dir, unsigned flags, char *err,
    size_t errsz)
{
	int rc;

	if ((rc = mdb_env_create(&p->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(p->env, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_maxreaders(p->env, STORE_MAXREADERS)) != 0) {
		snprintf(err, errsz, "%s: %s", db_dir, mdb_strerror(rc));
		return -1;
	}
	rc = mdb_env_open(p->env, db_dir, flags, 0644);
	if (rc != 0) {
		snprintf(err, errsz, "%s: cannot open the database: %s%s",
		    db_dir, mdb_strerror(rc),
		    rc == MDB_INVALID || rc == MDB_CORRUPTED ||
		    rc == MDB_VERSION_MISMATCH ?
		    " (move the damaged files aside and publish again)" : "");
		return -1;
	}
	return 0;
}

int
pub_open(struct pub **pp, const char *db_dir, const struct publish_opts *opts,
    size_t map_size, char *err, size_t errsz)
{
	struct pub *p = xcalloc(1, sizeof(*p));
	MDB_envinfo info;
	int rc, d;

	*pp = NULL;
	p->lockfd = -1;
	p->opts = *opts;
	p->q = xreallocarray(NULL, BATCH_PAGES + 1, sizeof(*p->q));
	if (mkdir(db_dir, 0755) == -1 && errno != EEXIST) {
		snprintf(err, errsz, "%s: %s", db_dir, strerror(errno));
		goto fail;
	}
	p->lockfd = lock_dir(db_dir, err, errsz);
	if (p->lockfd == -1)
		goto fail;
	/*
	 * With MDB_WRITEMAP, opening extends data.mdb to the map size: a
	 * file cut short would be padded with zero pages, and its damage
	 * hidden. So its size is checked on a plain open first (no write
	 * transaction: nothing mixes the two modes of writing).
	 */
	if (env_open(p, db_dir, 0, err, errsz) == -1)
		goto fail;
	mdb_env_info(p->env, &info);
	if (check_size(p->env, &info, db_dir, &p->file_size, err,
	    errsz) == -1)
		goto fail;
	/*
	 * Pages are written straight into the map (see the trimmer; a full
	 * disk then shows as SIGBUS, which folio-index's main() reports, or
	 * as ENOSPC from the pwrite() of a big value, see db_put()):
	 * LMDB would otherwise hold every dirty page of the
	 * transaction in malloc'd memory, up to 512 MB, then spill. That is
	 * for the first publish into a new database, which writes the whole
	 * site into a file of holes. Over an existing database, pages go
	 * where freed ones were, and pwrite() puts them there faster than
	 * faults fill them through the map (a template change rewriting
	 * every page of the benchmark site: 8.2 s and 962 MB peak the
	 * pwrite() way, 14.8 s and 213 MB through the map). Never for
	 * --check, which must leave every byte of the file as it was.
	 */
	if (!opts->check_only && info.me_last_pgno < 16) {
		mdb_env_close(p->env);
		p->env = NULL;
		if (env_open(p, db_dir, MDB_WRITEMAP, err, errsz) == -1)
			goto fail;
		p->writemap = 1;
		mdb_env_info(p->env, &info);
	}
	if (map_size < info.me_mapsize)
		map_size = info.me_mapsize;
	if (map_size < INITIAL_MAP)
		map_size = INITIAL_MAP;
	if (map_size != info.me_mapsize &&
	    (rc = mdb_env_set_mapsize(p->env, map_size)) != 0) {
		snprintf(err, errsz, "%s: %s", db_dir, mdb_strerror(rc));
		goto fail;
	}
	p->st.map_size = map_size;
	if (p->writemap) {
		p->trimmer = maptrim_start(db_dir);
	}
	mdb_reader_check(p->env, NULL);
	if ((rc = mdb_txn_begin(p->env, NULL, 0, &p->txn)) != 0) {
		snprintf(err, errsz, "%s: %s", db_dir, mdb_strerror(rc));
		goto fail;
	}
	{
		MDB_dbi top;
		MDB_stat ms;

		p->was_empty = mdb_dbi_open(p->txn, NULL, 0, &top) == 0 &&
		    mdb_stat(p->txn, top, &ms) == 0 && ms.ms_entries == 0;
	}
	for (d = 0; d < OUT_NDB; d++) {
		if ((rc = mdb_dbi_open(p->txn, db_names[d], MDB_CREATE,
		    &p->dbi[d])) != 0) {
			snprintf(err, errsz, "%s: %s", db_dir, mdb_strerror(rc));
			goto fail;
		}
	}
	if ((rc = mdb_dbi_open(p->txn, "index", MDB_CREATE, &p->index)) != 0) {
		snprintf(err, errsz, "%s: %s", db_dir, mdb_strerror(rc));
		goto fail;
	}
	/* Older versions kept a hash per key in "deps": dropped at commit. */
	p->has_deps = mdb_dbi_open(p->txn, "deps", 0, &p->deps) == 0;
	*pp = p;
	return 0;
fail:
	pub_free(p);
	return -1;
}

/* Reads the ledger of the last publish; without one, nothing is fresh. */
void
pub_load(struct pub *p)
{
	struct buf raw = BUF_INIT;
	const unsigned char *q, *end;
	struct lent *e;
	uint32_t n, i, len;

	if (index_get(p, LEDGER_KEY, &raw) != 0 || raw.len < 12 ||
	    memcmp(raw.data, LEDGER_MAGIC, 4) != 0) {
		buf_release(&raw);
		return;
	}
	q = (const unsigned char *)raw.data + 4;
	end = (const unsigned char *)raw.data + raw.len;
	n = store_get32(q);
	p->same_variants = store_get32(q + 4) == VARIANTS_ID(&p->opts);
	q += 8;
	if (n > (size_t)(end - q) / 11) {
		buf_release(&raw);
		return;
	}
	p->ents = xreallocarray(NULL, n + 1, sizeof(*p->ents));
	p->capents = n + 1;
	for (i = 0; i < n; i++) {
		if (end - q < 11)
			goto bad;
		len = (uint32_t)q[9] | (uint32_t)q[10] << 8;
		if (q[0] >= OUT_NDB || (size_t)(end - q - 11) < len)
			goto bad;
		e = &p->ents[i];
		memset(e, 0, sizeof(*e));
		e->db = q[0];
		e->dep = store_get64(q + 1);
		e->len = (uint16_t)len;
		/* The keys stay where they were read: raw becomes lkeys. */
		e->off = (uint32_t)((const char *)q + 11 - raw.data);
		q += 11 + len;
	}
	buf_release(&p->lkeys);
	p->lkeys = raw;
	p->nents = p->nold = n;
	slots_grow(p);
	p->ledger_ok = 1;
	return;
bad:
	p->nents = p->nold = 0;
	p->same_variants = 0;
	buf_reset(&p->lkeys);
	buf_release(&raw);
}

/* Stores the ledger of this publish: every key claimed, and its hash. */
static void
ledger_save(struct pub *p)
{
	struct buf out = BUF_INIT;
	unsigned char h[11];
	size_t i, k, np, *at;
	uint8_t *same;
	uint32_t n = 0;
	int kept, moved;

	/* Every old key claimed again, no new one: the same keys. */
	for (i = 0; i < p->nold && p->ents[i].claimed; i++)
		;
	kept = p->ledger_ok && p->same_variants && i == p->nold &&
	    p->nents == p->nold;
	if (kept)
		n = (uint32_t)p->nents;
	for (i = 0; !kept && i < p->nents; i++)
		n += p->ents[i].claimed;
	/*
	 * Part 0 is the head; part k + 1 the claimed entries
	 * [k * LEDGER_PART, (k + 1) * LEDGER_PART). With the same keys as
	 * stored (every entry claimed, in order), a part none of whose
	 * hashes moved is the stored part: it is neither made again nor
	 * compared.
	 */
	np = 1 + (n + LEDGER_PART - 1) / LEDGER_PART;
	at = xcalloc(np + 1, sizeof(*at));
	same = xcalloc(np, 1);
	moved = !kept;
	for (k = 1; kept && k < np; k++) {
		same[k] = 1;
		for (i = (k - 1) * LEDGER_PART; i < p->nents &&
		    i < k * LEDGER_PART && same[k]; i++)
			same[k] = !p->ents[i].moved;
		moved |= !same[k];
	}
	if (!moved)
		goto out;
	buf_add(&out, LEDGER_MAGIC, 4);
	store_put32(h, n);
	buf_add(&out, h, 4);
	store_put32(h, VARIANTS_ID(&p->opts));
	buf_add(&out, h, 4);
	at[1] = out.len;
	for (k = 1, i = 0; k < np; k++) {
		size_t m = 0;

		if (same[k]) {
			i += LEDGER_PART;
			at[k + 1] = out.len;
			continue;
		}
		for (; i < p->nents && m < LEDGER_PART; i++) {
			const struct lent *e = &p->ents[i];

			if (!e->claimed)
				continue;
			m++;
			h[0] = e->db;
			store_put64(h + 1, e->dep);
			h[9] = (unsigned char)(e->len & 0xff);
			h[10] = (unsigned char)(e->len >> 8);
			buf_add(&out, h, sizeof(h));
			buf_add(&out, p->lkeys.data + e->off, e->len);
		}
		at[k + 1] = out.len;
	}
	same[0] = kept;		/* the same number of keys, the same head */
	pub_index_put_parts(p, LEDGER_KEY, out.data, at, np, same);
out:
	free(same);
	free(at);
	buf_release(&out);
}

static void
del_key(struct pub *p, uint8_t db, const char *key, size_t len)
{
	MDB_val k;
	int rc;

	k.mv_data = (void *)key;
	k.mv_size = len;
	rc = mdb_del(p->txn, p->dbi[db], &k, NULL);
	if (rc == 0 && db < OUT_SRC)
		p->st.deleted++;
	else if (rc != 0 && rc != MDB_NOTFOUND)
		fail(p, rc, "deleting from the database");
}

/*
 * Deletes, in one database, every key nobody claimed, walking it: for a
 * database without a ledger (made by an older version).
 */
static void
sweep(struct pub *p, uint8_t db)
{
	MDB_cursor *cur;
	MDB_val k, v;
	const struct lent *e;
	int rc;

	if (p->rc != 0)
		return;
	if ((rc = mdb_cursor_open(p->txn, p->dbi[db], &cur)) != 0) {
		fail(p, rc, "deleting from the database");
		return;
	}
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		e = ent_find(p, db, k.mv_data, k.mv_size, 0);
		if (e != NULL && e->claimed)
			continue;
		if (db < OUT_SRC)
			p->st.deleted++;
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
	}
	if (rc != MDB_NOTFOUND)
		fail(p, rc, "deleting from the database");
	mdb_cursor_close(cur);
}

/* Deletes what the last publish stored and this one did not claim. */
static void
remove_unclaimed(struct pub *p)
{
	size_t i;
	int d, rc;

	/*
	 * The ledger lists every key the last publish left, written in the
	 * same transaction as they were: --full trusts it too.
	 */
	if (p->was_empty) {
		;	/* everything there was claimed by this publish */
	} else if (!p->ledger_ok) {
		for (d = 0; d < OUT_NDB; d++) {
			trim(p);
			sweep(p, (uint8_t)d);
		}
	} else {
		for (i = 0; i < p->nold && p->rc == 0; i++)
			if (!p->ents[i].claimed)
				del_key(p, p->ents[i].db,
				    p->lkeys.data + p->ents[i].off,
				    p->ents[i].len);
	}
	if (p->has_deps && p->rc == 0 &&
	    (rc = mdb_drop(p->txn, p->deps, 1)) != 0)
		fail(p, rc, "deleting from the database");
}

int
pub_commit(struct pub *p, struct publish_stats *st, char *err, size_t errsz)
{
	int rc, ret = -1;

	if (p->nq > 0)
		drain(p, 1);
	progress(p, 1);
	if (p->dup != 0) {
		const struct lent *e = &p->ents[p->dup - 1];
		const char *apath = e->opath, *bpath = p->dupath;
		unsigned al = e->oline, ac = e->ocol;
		struct buf key = BUF_INIT;

		/* Said at the document's claim when there is one. */
		if (apath == NULL) {
			apath = p->dupath;
			al = p->dupline;
			ac = p->dupcol;
			bpath = NULL;
		}
		buf_add(&key, p->lkeys.data + e->off, e->len);
		if (apath == NULL)
			snprintf(err, errsz, "two responses share the URL %s",
			    key.data);
		else
			snprintf(err, errsz, "%s:%u:%u: the URL %s is also "
			    "%s%s", apath, al, ac, key.data,
			    bpath != NULL ? "claimed by " :
			    "a page folio makes (a listing, feed, calendar or "
			    "the agenda)", bpath != NULL ? bpath : "");
		buf_release(&key);
		ret = PUB_CONFLICT;
		goto out;
	}
	/* Deleting reads leaves of the databases: start from none. */
	trim(p);
	remove_unclaimed(p);
	if (p->rc == 0)
		ledger_save(p);
	if (p->rc == 0 && !p->opts.check_only) {
		trim(p);
		rc = mdb_txn_commit(p->txn);
		p->txn = NULL;
		if (rc != 0)
			fail(p, rc, "committing the database");
		else
			p->committed = 1;
	}
	if (p->rc == MDB_MAP_FULL) {
		p->st.map_size *= 2;
		ret = PUB_MAP_FULL;
		goto out;
	}
	if (p->rc != 0) {
		snprintf(err, errsz, "%s: %s%s", p->where,
		    mdb_strerror(p->rc), (p->rc == EIO || p->rc == ENOSPC ||
		    p->rc == EDQUOT) && disk_full(p->env) ?
		    " (the disk holding it is full)" : "");
		goto out;
	}
	ret = 0;
out:
	*st = p->st;
	pub_free(p);
	return ret;
}

void
pub_abort(struct pub *p)
{
	if (p != NULL)
		pub_free(p);
}
