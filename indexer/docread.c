#include "docread.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "store.h"

void
doc_text_read(struct doc_text *t, const char *path, size_t max)
{
	struct buf text = BUF_INIT;

	memset(t, 0, sizeof(*t));
	fm_doc_init(&t->fd);
	if (buf_read_file(&text, path, max, t->err, sizeof(t->err)) == -1) {
		t->rc = -1;
		buf_release(&text);
		return;
	}
	t->hash = store_digest(text.data, text.len);
	t->rc = fm_parse_doc(text.data, text.len, &t->fd, &t->e) == -1 ?
	    -2 : 0;
	buf_release(&text);
}

void
doc_text_release(struct doc_text *t)
{
	fm_doc_release(&t->fd);
}

struct reader {
	const char *dir;
	const char *const *relpaths;
	size_t n, max;
	struct doc_text *t;
	unsigned char *done;	/* per document: the reader has made it */
	size_t lo;		/* the main thread has taken [0, lo) */
	size_t hi;		/* the reader has taken [hi, n) */
	pthread_mutex_t mu;
	pthread_cond_t made;	/* a document was made */
	pthread_t th;
	int stop;
};

static void *
reader_run(void *arg)
{
	struct reader *r = arg;
	struct buf path = BUF_INIT;
	size_t j;

	for (;;) {
		pthread_mutex_lock(&r->mu);
		if (r->stop || r->hi <= r->lo) {
			pthread_mutex_unlock(&r->mu);
			break;
		}
		j = --r->hi;
		pthread_mutex_unlock(&r->mu);
		buf_reset(&path);
		buf_printf(&path, "%s/%s", r->dir, r->relpaths[j]);
		doc_text_read(&r->t[j], path.data, r->max);
		pthread_mutex_lock(&r->mu);
		r->done[j] = 1;
		pthread_cond_broadcast(&r->made);
		pthread_mutex_unlock(&r->mu);
	}
	buf_release(&path);
	return NULL;
}

struct reader *
reader_start(const char *dir, const char *const *relpaths, size_t n,
    size_t max)
{
	struct reader *r = xcalloc(1, sizeof(*r));
	size_t j;

	r->dir = dir;
	r->relpaths = relpaths;
	r->n = r->hi = n;
	r->max = max;
	r->t = xreallocarray(NULL, n + 1, sizeof(*r->t));
	for (j = 0; j < n; j++)
		fm_doc_init(&r->t[j].fd);
	r->done = xcalloc(n + 1, 1);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->made, NULL);
	if (pthread_create(&r->th, NULL, reader_run, r) != 0) {
		pthread_cond_destroy(&r->made);
		pthread_mutex_destroy(&r->mu);
		free(r->done);
		free(r->t);
		free(r);
		return NULL;
	}
	return r;
}

struct doc_text *
reader_take(struct reader *r, size_t j)
{
	struct doc_text *t = NULL;

	if (r == NULL || j >= r->n)
		return NULL;
	pthread_mutex_lock(&r->mu);
	if (j < r->hi) {
		if (r->lo < j + 1)
			r->lo = j + 1;
	} else {
		while (!r->done[j])
			pthread_cond_wait(&r->made, &r->mu);
		t = &r->t[j];
	}
	pthread_mutex_unlock(&r->mu);
	return t;
}

void
reader_stop(struct reader *r)
{
	size_t j;

	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = 1;
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->th, NULL);
	for (j = 0; j < r->n; j++)
		if (r->done[j])
			doc_text_release(&r->t[j]);
	pthread_cond_destroy(&r->made);
	pthread_mutex_destroy(&r->mu);
	free(r->done);
	free(r->t);
	free(r);
}
