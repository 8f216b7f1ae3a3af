#include "maptrim.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

#define TRIM_POLL_NS 2000000

/*
 * Where data.mdb is mapped: LMDB does not say (mdb_env_info() gives the
 * fixed address the environment asked for, NULL without MDB_FIXEDMAP), so
 * the mapping of the file's inode is looked up in /proc/self/maps. Not
 * found (no /proc): no trimming, only a larger resident set.
 */
static void
find_map(const char *db_dir, void **map, size_t *len)
{
	struct buf path = BUF_INIT;
	struct stat sb;
	unsigned long lo, hi, off, ino;
	char line[1024];
	FILE *f;

	*map = NULL;
	*len = 0;
	buf_printf(&path, "%s/data.mdb", db_dir);
	if (stat(path.data, &sb) == -1 ||
	    (f = fopen("/proc/self/maps", "re")) == NULL) {
		buf_release(&path);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		/* start-end perms offset dev inode path: LMDB maps from 0 */
		if (sscanf(line, "%lx-%lx %*s %lx %*s %lu", &lo, &hi, &off,
		    &ino) != 4 || off != 0 || ino != (unsigned long)sb.st_ino ||
		    strstr(line, "data.mdb") == NULL)
			continue;
		if (hi - lo > *len) {
			*map = (void *)lo;
			*len = hi - lo;
		}
	}
	fclose(f);
	buf_release(&path);
	/*
	 * No 2 MB mappings of large folios, and no readahead: most pages
	 * written are holes of the sparse file, which a read fault fills
	 * with zeros, up to read_ahead_kb ahead (8 MB here) in large folios
	 * that every later write fault then walks buffer by buffer (ext4).
	 * One page at a time: 2.5-2.7 s of system time for a full publish
	 * of the benchmark site, instead of 3.9-4.4 s.
	 */
	if (*map != NULL) {
		(void)madvise(*map, *len, MADV_NOHUGEPAGE);
		(void)madvise(*map, *len, MADV_RANDOM);
	}
}

/*
 * Keeps this process's view of the map small. Pages written through the
 * map stay mapped, and so do pages read: each fault maps the pages around
 * it too (fault-around, large folios), and the commit touches the header
 * of every page the transaction wrote. Without this, the resident set
 * would grow by the whole database, for no use.
 *
 * A thread reads the resident size of file pages (statm "shared") every
 * 2 ms and, past TRIM_BYTES, drops the map's pages with
 * MADV_DONTNEED. madvise(2): after it, accesses to a shared file mapping
 * "repopulate the memory contents from the up-to-date contents of the
 * underlying mapped file"; the kernel moves the dirty bit of each page
 * table entry it removes to the page in the page cache, which stays there
 * and is written back as usual (msync at the commit), exactly as when
 * reclaim unmaps a page. Only this process's page tables change, not the
 * data, so it is safe at any moment, concurrently with the main thread
 * writing through the map: LMDB, which keeps pointers into the map, only
 * faults the pages in again.
 */
struct maptrim {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	void *map;
	size_t len;
	int statm;		/* /proc/self/statm, or -1 */
	int stop;
};

/* Bytes of file pages mapped by this process, 0 if unknown. */
static size_t
file_resident(int fd)
{
	unsigned long size, res, shared;
	char b[128];
	ssize_t n;

	n = pread(fd, b, sizeof(b) - 1, 0);
	if (n <= 0)
		return 0;
	b[n] = '\0';
	if (sscanf(b, "%lu %lu %lu", &size, &res, &shared) != 3)
		return 0;
	return (size_t)shared * (size_t)sysconf(_SC_PAGESIZE);
}

static void *
trimmer_run(void *arg)
{
	struct maptrim *t = arg;
	struct timespec ts;

	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		pthread_mutex_unlock(&t->mu);
		if (t->statm == -1 ||
		    file_resident(t->statm) >= MAPTRIM_BYTES)
			(void)madvise(t->map, t->len, MADV_DONTNEED);
		pthread_mutex_lock(&t->mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += t->statm == -1 ? 20000000 : TRIM_POLL_NS;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (!t->stop)
			pthread_cond_timedwait(&t->cv, &t->mu, &ts);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

static void
trimmer_free(struct maptrim *t)
{
	if (t->statm != -1)
		close(t->statm);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t);
}

struct maptrim *
maptrim_start(const char *db_dir)
{
	struct maptrim *t;
	void *map;
	size_t len;

	find_map(db_dir, &map, &len);
	if (map == NULL)
		return NULL;
	t = xcalloc(1, sizeof(*t));
	t->map = map;
	t->len = len;
	t->statm = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	if (pthread_create(&t->th, NULL, trimmer_run, t) != 0) {
		/* Trimmed by the main thread alone. */
		t->stop = 1;
	}
	return t;
}

int
maptrim_where(const struct maptrim *t, void **map, size_t *len)
{
	if (t == NULL)
		return -1;
	*map = t->map;
	*len = t->len;
	return 0;
}

void
maptrim_now(struct maptrim *t)
{
	if (t != NULL)
		(void)madvise(t->map, t->len, MADV_DONTNEED);
}

void
maptrim_stop(struct maptrim *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	if (!t->stop) {
		t->stop = 1;
		pthread_cond_signal(&t->cv);
		pthread_mutex_unlock(&t->mu);
		pthread_join(t->th, NULL);
	} else {
		pthread_mutex_unlock(&t->mu);
	}
	trimmer_free(t);
}
