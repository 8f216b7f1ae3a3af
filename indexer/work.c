#include "work.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "buf.h"

struct work {
	pthread_t th[WORK_MAX_THREADS];
	unsigned nth;
	pthread_mutex_t mu;
	pthread_cond_t ready;	/* a job was queued, or stop */
	pthread_cond_t done;	/* a job has run */
	struct work_job *head, *tail;
	int stop;
};

/* What a thread is started with: its pool and its number. */
struct worker {
	struct work *w;
	unsigned n;
};

static void *
thread_main(void *arg)
{
	struct work *w = ((struct worker *)arg)->w;
	unsigned n = ((struct worker *)arg)->n;
	struct work_job *j;

	free(arg);
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->head == NULL && !w->stop)
			pthread_cond_wait(&w->ready, &w->mu);
		if ((j = w->head) == NULL)
			break;
		w->head = j->next;
		if (w->head == NULL)
			w->tail = NULL;
		pthread_mutex_unlock(&w->mu);
		j->run(j, n);
		pthread_mutex_lock(&w->mu);
		j->done = 1;
		pthread_cond_broadcast(&w->done);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct work *
work_start(unsigned nthreads)
{
	struct work *w = xcalloc(1, sizeof(*w));
	struct worker *wk;
	long ncpu;
	unsigned i;

	if (nthreads == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		nthreads = ncpu < 1 ? 1 : ncpu > WORK_MAX_THREADS ? WORK_MAX_THREADS :
		    (unsigned)ncpu;
	}
	if (nthreads > WORK_MAX_THREADS)
		nthreads = WORK_MAX_THREADS;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->ready, NULL);
	pthread_cond_init(&w->done, NULL);
	for (i = 0; i < nthreads; i++) {
		wk = xmalloc(sizeof(*wk));
		wk->w = w;
		wk->n = w->nth;
		if (pthread_create(&w->th[w->nth], NULL, thread_main, wk) != 0) {
			free(wk);
			continue;
		}
		w->nth++;
	}
	if (w->nth == 0) {
		/* Jobs would wait forever: as fatal as out of memory. */
		fprintf(stderr, "fatal: cannot start a thread\n");
		abort();
	}
	return w;
}

unsigned
work_threads(const struct work *w)
{
	return w->nth;
}

void
work_submit(struct work *w, struct work_job *job)
{
	job->next = NULL;
	job->done = 0;
	pthread_mutex_lock(&w->mu);
	if (w->tail != NULL)
		w->tail->next = job;
	else
		w->head = job;
	w->tail = job;
	pthread_cond_signal(&w->ready);
	pthread_mutex_unlock(&w->mu);
}

int
work_done(struct work *w, struct work_job *job)
{
	int d;

	pthread_mutex_lock(&w->mu);
	d = job->done;
	pthread_mutex_unlock(&w->mu);
	return d;
}

void
work_wait(struct work *w, struct work_job *job)
{
	pthread_mutex_lock(&w->mu);
	while (!job->done)
		pthread_cond_wait(&w->done, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

void
work_stop(struct work *w)
{
	unsigned i;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->ready);
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < w->nth; i++)
		pthread_join(w->th[i], NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->ready);
	pthread_cond_destroy(&w->done);
	free(w);
}
