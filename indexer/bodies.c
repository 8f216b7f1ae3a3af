#include "bodies.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "log.h"
#include "page.h"

#define PREP_BATCH 256		/* documents whose bodies are rendered at once */

/*
 * What the stored records of d, read again, say: its hash and flags, and
 * whether they hold the front matter fm (as cache_put_value() writes it)
 * and d's lede: then everything its page context is made of is as it was,
 * its URL, date and name being in its place (site_same_shape()).
 */
static void
doc_was(struct pub *pub, uint64_t cfg, const struct doc *d,
    const struct buf *fm, struct bodies_was *was)
{
	struct buf raw = BUF_INIT;
	struct doc_rec dr;
	struct str body, lede;

	memset(was, 0, sizeof(*was));
	if (pub_get(pub, OUT_SRC, d->relpath, strlen(d->relpath), &raw) != 0 ||
	    cache_rec_parse(raw.data, raw.len, &dr) == -1 || dr.cfg != cfg)
		goto out;
	was->stored = 1;
	was->src_hash = dr.src_hash;
	was->flags = dr.flags;
	if (dr.fm.len != fm->len ||
	    memcmp(dr.fm.p, buf_cstr(fm), fm->len) != 0 ||
	    pub_get(pub, OUT_HTML, d->relpath, strlen(d->relpath), &raw) != 0 ||
	    cache_html_parse(raw.data, raw.len, &body, &lede) == -1)
		goto out;
	was->same = lede.len == d->lede_html.len &&
	    memcmp(lede.p, buf_cstr(&d->lede_html), lede.len) == 0;
out:
	buf_release(&raw);
}

static void
doc_rec_put(struct pub *pub, uint64_t cfg, const struct doc *d,
    struct bodies_was *was)
{
	struct buf fm = BUF_INIT, rec = BUF_INIT;
	struct doc_rec dr;

	memset(&dr, 0, sizeof(dr));
	cache_put_value(&fm, d->fm);
	if (was != NULL)
		doc_was(pub, cfg, d, &fm, was);
	dr.mtime_ns = d->mtime_ns;
	dr.size = d->size;
	dr.ino = d->ino;
	dr.src_hash = d->src_hash;
	dr.cfg = cfg;
	dr.flags = d->flags;
	dr.body_line = d->body_line;
	dr.fm = str_make(buf_cstr(&fm), fm.len);
	if (d->flags & CACHE_LINKS)
		dr.text = str_make(buf_cstr(&d->body), d->body.len);
	cache_rec_build(&rec, &dr);
	pub_put_raw(pub, OUT_SRC, d->relpath, strlen(d->relpath), rec.data,
	    rec.len, 0);
	cache_html_build(&rec, buf_cstr(&d->body_html), d->body_html.len,
	    buf_cstr(&d->lede_html), d->lede_html.len);
	pub_put_raw(pub, OUT_HTML, d->relpath, strlen(d->relpath),
	    rec.data, rec.len, 0);
	buf_release(&fm);
	buf_release(&rec);
}

int
bodies_load(struct pub *pub, struct doc *d)
{
	struct buf raw = BUF_INIT;
	struct str body, lede;
	int rc;

	if (d->html_ready)
		return 0;
	rc = pub_get(pub, OUT_HTML, d->relpath, strlen(d->relpath), &raw);
	if (rc == -1) {
		rc = -2;
	} else if (rc == 0 &&
	    cache_html_parse(raw.data, raw.len, &body, &lede) == 0) {
		buf_reset(&d->body_html);
		buf_add(&d->body_html, body.p, body.len);
		buf_reset(&d->lede_html);
		buf_add(&d->lede_html, lede.p, lede.len);
		d->html_ready = 1;
	} else {
		rc = -1;
	}
	buf_release(&raw);
	return rc;
}

int
bodies_get(struct pub *pub, struct doc *d)
{
	int rc = bodies_load(pub, d);

	if (rc == -1)
		log_at(LOG_LVL_ERROR, d->path, 0, 0, "the stored rendering is "
		    "missing; publish again with --full");
	return rc == -1 ? -1 : 0;
}

struct mdjob {
	struct site *s;
	struct doc **docs;
	size_t n, next;
	int nerr;
	pthread_mutex_t mu;
};

static void *
md_worker(void *arg)
{
	struct mdjob *job = arg;
	size_t i;
	int rc;

	for (;;) {
		pthread_mutex_lock(&job->mu);
		i = job->next++;
		pthread_mutex_unlock(&job->mu);
		if (i >= job->n)
			break;
		rc = page_render_html(job->s, job->docs[i]);
		if (rc == -1) {
			pthread_mutex_lock(&job->mu);
			job->nerr++;
			pthread_mutex_unlock(&job->mu);
		}
	}
	return NULL;
}

/*
 * Fills job with the documents of [from, ndocs) whose bodies are to be
 * rendered, up to a batch of them. Returns where the batch ends.
 */
static size_t
batch_fill(struct mdjob *job, struct site *s, const size_t *only,
    size_t ndocs, size_t from)
{
	size_t i;

	job->n = job->next = 0;
	for (i = from; i < ndocs && job->n < PREP_BATCH; i++) {
		struct doc *d = s->docs[only != NULL ? only[i] : i];

		if (!d->cached || (d->flags & CACHE_LINKS))
			job->docs[job->n++] = d;
	}
	return i;
}

static size_t
helpers_start(struct mdjob *job, pthread_t *th, size_t nth)
{
	size_t k, started = 0;

	/* The calling thread renders too: a lone document needs no helper. */
	if (nth + 1 > job->n)
		nth = job->n > 0 ? job->n - 1 : 0;
	for (k = 0; k < nth; k++)
		if (pthread_create(&th[started], NULL, md_worker, job) == 0)
			started++;
	return started;
}

/* Stores the rendered bodies of documents [from, to) and drops them. */
static void
batch_store(struct site *s, struct pub *pub, const size_t *only,
    size_t from, size_t to, struct bodies_was *was)
{
	size_t k;

	for (k = from; k < to; k++) {
		struct doc *d = s->docs[only != NULL ? only[k] : k];

		if ((d->cached && !(d->flags & CACHE_LINKS)) || d->kept) {
			pub_keep(pub, OUT_SRC, d->relpath, strlen(d->relpath));
			pub_keep(pub, OUT_HTML, d->relpath,
			    strlen(d->relpath));
			continue;
		}
		if (!d->html_ready)
			continue;
		doc_rec_put(pub, s->cfg, d, was != NULL ? &was[k] : NULL);
		buf_release(&d->body_html);
		buf_release(&d->lede_html);
		if (!(d->flags & CACHE_LINKS))
			buf_release(&d->body);
		d->html_ready = 0;
	}
}

int
bodies_prepare(struct site *s, struct pub *pub, const size_t *only,
    size_t nonly, struct bodies_was *was)
{
	struct mdjob job[2];
	pthread_t th[8];
	long ncpu;
	size_t k, nth, started, from = 0, to, next = 0;
	size_t ndocs = only != NULL ? nonly : s->ndocs;
	int cur = 0;

	memset(job, 0, sizeof(job));
	for (k = 0; k < 2; k++) {
		job[k].s = s;
		job[k].docs = xreallocarray(NULL, PREP_BATCH,
		    sizeof(*job[k].docs));
		pthread_mutex_init(&job[k].mu, NULL);
	}
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	nth = ncpu <= 1 ? 0 : ncpu > 8 ? 7 : (size_t)ncpu - 1;
	/*
	 * A batch at a time, so that a site's rendered bodies are never all
	 * in memory at once: the helpers render the next batch while this
	 * thread stores the last one (only it may write to the database),
	 * then it renders with them what is left of the batch.
	 */
	to = batch_fill(&job[0], s, only, ndocs, 0);
	started = helpers_start(&job[0], th, nth);
	while (from < ndocs) {
		md_worker(&job[cur]);
		for (k = 0; k < started; k++)
			pthread_join(th[k], NULL);
		started = 0;
		if (to < ndocs) {
			next = batch_fill(&job[!cur], s, only, ndocs, to);
			started = helpers_start(&job[!cur], th, nth);
		}
		batch_store(s, pub, only, from, to, was);
		from = to;
		to = next;
		cur = !cur;
	}
	for (k = 0; k < 2; k++) {
		pthread_mutex_destroy(&job[k].mu);
		free(job[k].docs);
	}
	return job[0].nerr + job[1].nerr;
}
