/*
 * work: a pool of threads that runs jobs in the order they were queued.
 * The indexer's one pool: document pages are rendered and responses
 * compressed on it, so that the two share the cores instead of each
 * starting a thread per core. Jobs never wait for one another; only the
 * thread that queued a job waits for it.
 */
#ifndef FOLIO_WORK_H
#define FOLIO_WORK_H

/*
 * A job, embedded by the caller in its own structure, which stays valid
 * and unmoved from work_submit() until work_wait() has returned (or
 * work_done() said 1). run is called on one of the pool's threads with
 * that thread's number (0 to work_threads() - 1): per-thread state can be
 * kept in an array indexed by it.
 */
struct work_job {
	void (*run)(struct work_job *job, unsigned thread);
	struct work_job *next;	/* private */
	int done;		/* private: read it through work_done() */
};

struct work;

#define WORK_MAX_THREADS 8

/*
 * Starts nthreads threads (0: one per core; at most WORK_MAX_THREADS; at least one is
 * started or the process ends, as on out of memory).
 */
struct work *work_start(unsigned nthreads);

unsigned work_threads(const struct work *w);

/* Queues job (its run set by the caller). */
void work_submit(struct work *w, struct work_job *job);

/* Whether job has run. */
int work_done(struct work *w, struct work_job *job);

/* Waits until job has run. */
void work_wait(struct work *w, struct work_job *job);

/* Runs what is queued, stops the threads and frees w (NULL: nothing). */
void work_stop(struct work *w);

#endif
