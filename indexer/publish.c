#include "publish.h"

#include <brotli/encode.h>
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "store.h"

/*
 * Levels chosen on a synthetic site of 1,000 documents (bench/index/gen.py,
 * 24.1 MB of responses): gzip 6 + brotli 5 took 2.30 s of CPU for 6.9 and
 * 6.5 MB; gzip 4 + brotli 4 took 1.84 s for 7.0 and 6.8 MB; gzip 1 +
 * brotli 1, 1.32 s for 7.3 and 7.9 MB. Compression runs once per change,
 * but a full publish must stay fast: 4 and 4.
 */
#define GZIP_LEVEL 4
#define BROTLI_QUALITY 4
#define BROTLI_WINDOW 22
#define COMPRESS_MIN 256	/* smaller bodies are sent as they are */
/* The map is address space, not disk: data.mdb grows as it fills. */
#define INITIAL_MAP (64UL << 20)
#define MAX_THREADS 8
#define BATCH_BYTES (8UL << 20)	/* changed pages held before a flush */
#define BATCH_PAGES 512
#define POOL_CAP (BATCH_PAGES + 1)

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
#define LEDGER_MAGIC "FLG1"

struct lent {
	uint64_t dep;
	uint32_t off;		/* key bytes in pub.lkeys */
	uint16_t len;
	uint8_t db;
	uint8_t claimed;
	const char *opath;	/* the document that claimed it, or NULL */
	unsigned oline, ocol;
};

/* A changed page waiting for compression and its put. */
struct pending {
	struct output o;	/* key and location owned here */
	uint64_t dep;
	struct buf gz, br;
	int ready;		/* compressed; guarded by the pool's mutex */
};

/*
 * Compression runs on worker threads while the main thread renders; only
 * the main thread touches LMDB (a write transaction belongs to its thread).
 */
struct pool {
	pthread_t th[MAX_THREADS];
	size_t nth;
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	struct pending **todo;	/* ring of items waiting for a thread */
	size_t head, tail, cap;
	int stop;
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
	const struct lent *dup;	/* a key claimed twice: its first claim */
	const char *dupath;	/* and where the second came from */
	unsigned dupline, dupcol;
	struct pending **q;	/* in order of arrival, oldest first */
	size_t nq, qbytes;
	struct pool pool;
	int pool_on;
	struct publish_stats st;
	struct buf rec;
	char where[256];
	long long shown;	/* when the progress line was last written */
	const char *opath;	/* see pub_origin() */
	unsigned oline, ocol;
};

static void ledger_load(struct pub *p);

static void
fail(struct pub *p, int rc, const char *what)
{
	if (p->rc != 0)
		return;
	p->rc = rc;
	snprintf(p->where, sizeof(p->where), "%s", what);
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

/* Claims (db, key) for this publish, with the hash it is made from. */
static void
claim(struct pub *p, enum out_db db, const char *key, size_t len,
    uint64_t dep)
{
	struct lent *e = ent_find(p, (uint8_t)db, key, len, 1);

	if (e->claimed) {
		if (p->dup == NULL) {
			p->dup = e;
			p->dupath = p->opath;
			p->dupline = p->oline;
			p->dupcol = p->ocol;
		}
		return;
	}
	e->claimed = 1;
	e->dep = dep;
	e->opath = p->opath;
	e->oline = p->oline;
	e->ocol = p->ocol;
	if (db < OUT_SRC) {
		p->st.outputs++;
		if ((p->st.outputs & 127) == 0)
			progress(p, 0);
	}
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
	bound = BrotliEncoderMaxCompressedSize(body->len);
	if (bound == 0)
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
	if (BrotliEncoderCompress(BROTLI_QUALITY, lgwin,
	    BROTLI_MODE_TEXT, body->len, (const uint8_t *)body->data, &n,
	    (uint8_t *)pd->br.data) == BROTLI_TRUE &&
	    n < body->len - body->len / 20)
		pd->br.len = n;
}

static void *
pool_worker(void *arg)
{
	struct pool *pl = arg;
	struct libdeflate_compressor *dc;
	struct pending *pd;

	dc = libdeflate_alloc_compressor(GZIP_LEVEL);
	if (dc == NULL) {
		fprintf(stderr, "fatal: out of memory (compressor)\n");
		abort();
	}
	pthread_mutex_lock(&pl->mu);
	for (;;) {
		while (pl->head == pl->tail && !pl->stop)
			pthread_cond_wait(&pl->work, &pl->mu);
		if (pl->head == pl->tail)
			break;
		pd = pl->todo[pl->head++ % pl->cap];
		pthread_mutex_unlock(&pl->mu);
		compress_one(pd, dc);
		pthread_mutex_lock(&pl->mu);
		pd->ready = 1;
		pthread_cond_broadcast(&pl->done);
	}
	pthread_mutex_unlock(&pl->mu);
	libdeflate_free_compressor(dc);
	return NULL;
}

static void
pool_start(struct pool *pl, size_t cap)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t i, n = ncpu < 1 ? 1 : ncpu > MAX_THREADS ? MAX_THREADS :
	    (size_t)ncpu;

	memset(pl, 0, sizeof(*pl));
	pthread_mutex_init(&pl->mu, NULL);
	pthread_cond_init(&pl->work, NULL);
	pthread_cond_init(&pl->done, NULL);
	pl->cap = cap;
	pl->todo = xreallocarray(NULL, cap, sizeof(*pl->todo));
	for (i = 0; i < n; i++)
		if (pthread_create(&pl->th[pl->nth], NULL, pool_worker,
		    pl) == 0)
			pl->nth++;
}

static void
pool_stop(struct pool *pl)
{
	size_t i;

	pthread_mutex_lock(&pl->mu);
	pl->stop = 1;
	pthread_cond_broadcast(&pl->work);
	pthread_mutex_unlock(&pl->mu);
	for (i = 0; i < pl->nth; i++)
		pthread_join(pl->th[i], NULL);
	pthread_mutex_destroy(&pl->mu);
	pthread_cond_destroy(&pl->work);
	pthread_cond_destroy(&pl->done);
	free(pl->todo);
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
}

/* Stores a compressed page (main thread: LMDB) and frees it. */
static void
put_pending(struct pub *p, struct pending *pd)
{
	MDB_val k, v;
	int rc;

	if (p->rc == 0) {
		page_record(pd, &p->rec);
		k.mv_data = (void *)pd->o.key;
		k.mv_size = pd->o.key_len;
		v.mv_data = p->rec.data;
		v.mv_size = p->rec.len;
		if ((rc = mdb_put(p->txn, p->dbi[OUT_PAGES], &k, &v, 0)) != 0)
			fail(p, rc, "storing a page");
		p->st.written++;
		p->st.bytes_written += v.mv_size;
	}
	p->qbytes -= pd->o.body.len;
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
		pthread_mutex_lock(&p->pool.mu);
		while (!pd->ready && (all || p->qbytes >= BATCH_BYTES ||
		    p->nq - i >= BATCH_PAGES))
			pthread_cond_wait(&p->pool.done, &p->pool.mu);
		pthread_mutex_unlock(&p->pool.mu);
		if (!pd->ready)
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
	if (!p->opts.full &&
	    mdb_get(p->txn, p->dbi[OUT_PAGES], &k, &v) == 0 &&
	    page_same(o, &v))
		goto out;
	pd = xcalloc(1, sizeof(*pd));
	pd->o = *o;
	pd->o.key = xstrndup(o->key, o->key_len);
	pd->o.location = o->location != NULL ? xstrdup(o->location) : NULL;
	buf_init(&o->body);
	pd->dep = dep;
	if (!p->pool_on) {
		pool_start(&p->pool, POOL_CAP);
		p->pool_on = 1;
	}
	/* The ring holds at most BATCH_PAGES: drain() keeps it so. */
	drain(p, 0);
	p->q[p->nq++] = pd;
	p->qbytes += pd->o.body.len;
	pthread_mutex_lock(&p->pool.mu);
	p->pool.todo[p->pool.tail++ % p->pool.cap] = pd;
	pthread_cond_signal(&p->pool.work);
	pthread_mutex_unlock(&p->pool.mu);
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
		v.mv_data = (void *)val;
		v.mv_size = len;
		if ((rc = mdb_put(p->txn, p->dbi[db], &k, &v, 0)) != 0) {
			fail(p, rc, "storing a value");
			return;
		}
		if (db < OUT_SRC) {
			p->st.written++;
			p->st.bytes_written += len;
		}
	}
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
	struct lent *e = ent_find(p, (uint8_t)db, key, key_len, 0);

	claim(p, db, key, key_len, e != NULL ? e->dep : 0);
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
		fail(p, rc, "reading");
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

int
pub_index_get(struct pub *p, const char *key, struct buf *out)
{
	if (p->opts.full && p->rc == 0)
		return PUB_NOTFOUND;
	return get_copy(p, p->index, key, strlen(key), out);
}

void
pub_index_put(struct pub *p, const char *key, const void *val, size_t len)
{
	MDB_val k, v;
	int rc;

	if (p->rc != 0)
		return;
	k.mv_data = (void *)key;
	k.mv_size = strlen(key);
	v.mv_data = (void *)val;
	v.mv_size = len;
	if ((rc = mdb_put(p->txn, p->index, &k, &v, 0)) != 0)
		fail(p, rc, "storing the site index");
}

int
pub_stored(struct pub *p, enum out_db db, const char *key, size_t key_len,
    uint64_t dep)
{
	const struct lent *e;

	if (p->opts.full || p->rc != 0 || !p->ledger_ok)
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

	if (p->opts.full || p->rc != 0 || !p->ledger_ok)
		return 0;
	/*
	 * An old entry of the ledger says its key is stored, rendered from
	 * dep: the ledger is written in the transaction that writes the keys.
	 */
	e = ent_find(p, (uint8_t)db, key, key_len, 0);
	if (e == NULL || e->dep != dep || (size_t)(e - p->ents) >= p->nold)
		return 0;
	claim(p, db, key, key_len, dep);
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
    char *err, size_t errsz)
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
	else
		rc = 0;
	buf_release(&path);
	return rc;
}

static void
pub_free(struct pub *p)
{
	size_t i;

	if (p->pool_on)
		pool_stop(&p->pool);
	for (i = 0; i < p->nq; i++) {
		pending_free(p->q[i]);
		free(p->q[i]);
	}
	free(p->q);
	free(p->ents);
	free(p->slots);
	buf_release(&p->lkeys);
	if (p->txn != NULL)
		mdb_txn_abort(p->txn);
	if (p->env != NULL)
		mdb_env_close(p->env);
	if (p->lockfd != -1)
		close(p->lockfd);
	buf_release(&p->rec);
	free(p);
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
	if ((rc = mdb_env_create(&p->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(p->env, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_maxreaders(p->env, STORE_MAXREADERS)) != 0) {
		snprintf(err, errsz, "%s: %s", db_dir, mdb_strerror(rc));
		goto fail;
	}
	rc = mdb_env_open(p->env, db_dir, 0, 0644);
	if (rc != 0) {
		snprintf(err, errsz, "%s: cannot open the database: %s%s",
		    db_dir, mdb_strerror(rc),
		    rc == MDB_INVALID || rc == MDB_CORRUPTED ||
		    rc == MDB_VERSION_MISMATCH ?
		    " (move the damaged files aside and publish again)" : "");
		goto fail;
	}
	mdb_env_info(p->env, &info);
	if (check_size(p->env, &info, db_dir, err, errsz) == -1)
		goto fail;
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
	mdb_reader_check(p->env, NULL);
	if ((rc = mdb_txn_begin(p->env, NULL, 0, &p->txn)) != 0) {
		snprintf(err, errsz, "%s: %s", db_dir, mdb_strerror(rc));
		goto fail;
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
	ledger_load(p);
	*pp = p;
	return 0;
fail:
	pub_free(p);
	return -1;
}

/* Reads the ledger of the last publish; without one, nothing is fresh. */
static void
ledger_load(struct pub *p)
{
	MDB_val k, v;
	const unsigned char *q, *end;
	struct lent *e;
	uint32_t n, i, len;

	k.mv_data = (void *)LEDGER_KEY;
	k.mv_size = strlen(LEDGER_KEY);
	if (mdb_get(p->txn, p->index, &k, &v) != 0 || v.mv_size < 8 ||
	    memcmp(v.mv_data, LEDGER_MAGIC, 4) != 0)
		return;
	q = (const unsigned char *)v.mv_data + 4;
	end = (const unsigned char *)v.mv_data + v.mv_size;
	n = store_get32(q);
	q += 4;
	if (n > (size_t)(end - q) / 11)
		return;
	p->ents = xreallocarray(NULL, n + 1, sizeof(*p->ents));
	p->capents = n + 1;
	buf_grow(&p->lkeys, v.mv_size);
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
		e->off = (uint32_t)p->lkeys.len;
		buf_add(&p->lkeys, q + 11, len);
		q += 11 + len;
	}
	p->nents = p->nold = n;
	slots_grow(p);
	p->ledger_ok = 1;
	return;
bad:
	p->nents = p->nold = 0;
	buf_reset(&p->lkeys);
}

/* Stores the ledger of this publish: every key claimed, and its hash. */
static void
ledger_save(struct pub *p)
{
	struct buf out = BUF_INIT;
	unsigned char h[11];
	MDB_val k, v;
	size_t i;
	uint32_t n = 0;
	int rc;

	buf_add(&out, LEDGER_MAGIC, 4);
	buf_add(&out, "\0\0\0\0", 4);
	for (i = 0; i < p->nents; i++) {
		const struct lent *e = &p->ents[i];

		if (!e->claimed)
			continue;
		h[0] = e->db;
		store_put64(h + 1, e->dep);
		h[9] = (unsigned char)(e->len & 0xff);
		h[10] = (unsigned char)(e->len >> 8);
		buf_add(&out, h, sizeof(h));
		buf_add(&out, p->lkeys.data + e->off, e->len);
		n++;
	}
	store_put32((unsigned char *)out.data + 4, n);
	k.mv_data = (void *)LEDGER_KEY;
	k.mv_size = strlen(LEDGER_KEY);
	v.mv_data = out.data;
	v.mv_size = out.len;
	if ((rc = mdb_put(p->txn, p->index, &k, &v, 0)) != 0)
		fail(p, rc, "storing the ledger");
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
		fail(p, rc, "deleting");
}

/*
 * Deletes, in one database, every key nobody claimed, walking it: for a
 * database without a ledger (made by an older version) and on --full.
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
		fail(p, rc, "deleting");
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
		fail(p, rc, "deleting");
	mdb_cursor_close(cur);
}

/* Deletes what the last publish stored and this one did not claim. */
static void
remove_unclaimed(struct pub *p)
{
	size_t i;
	int d, rc;

	if (p->opts.full || !p->ledger_ok) {
		for (d = 0; d < OUT_NDB; d++)
			sweep(p, (uint8_t)d);
	} else {
		for (i = 0; i < p->nold && p->rc == 0; i++)
			if (!p->ents[i].claimed)
				del_key(p, p->ents[i].db,
				    p->lkeys.data + p->ents[i].off,
				    p->ents[i].len);
	}
	if (p->has_deps && p->rc == 0 &&
	    (rc = mdb_drop(p->txn, p->deps, 1)) != 0)
		fail(p, rc, "deleting");
}

int
pub_commit(struct pub *p, struct publish_stats *st, char *err, size_t errsz)
{
	int rc, ret = -1;

	if (p->pool_on)
		drain(p, 1);
	progress(p, 1);
	if (p->dup != NULL) {
		const struct lent *e = p->dup;
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
	remove_unclaimed(p);
	if (p->rc == 0)
		ledger_save(p);
	if (p->rc == 0 && !p->opts.check_only) {
		rc = mdb_txn_commit(p->txn);
		p->txn = NULL;
		if (rc != 0)
			fail(p, rc, "committing");
	}
	if (p->rc == MDB_MAP_FULL) {
		p->st.map_size *= 2;
		ret = PUB_MAP_FULL;
		goto out;
	}
	if (p->rc != 0) {
		snprintf(err, errsz, "%s the database: %s%s", p->where,
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
