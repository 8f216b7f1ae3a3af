/*
 * docread: reading and parsing documents, and doing it ahead on a second
 * thread. A first publish (or --full) reads and parses every document:
 * the reader takes them from the last one back while the main thread goes
 * from the first, each doing those the other has not taken, so that the
 * two cores share the work and the main thread still sees every document
 * in order (and says what it has to say in order).
 */
#ifndef FOLIO_DOCREAD_H
#define FOLIO_DOCREAD_H

#include <stddef.h>
#include <stdint.h>

#include "fm.h"

/* One document read and parsed. */
struct doc_text {
	int rc;			/* 0 parsed; -1 not read (err); -2 not
				   parsed (e) */
	uint64_t hash;		/* of the file's bytes, when read */
	struct fm_doc fd;	/* when parsed: what the caller takes it is
				   to leave empty (fm_doc_init) */
	struct ferr e;
	char err[256];
};

/* Reads the file at path (at most max bytes), hashes and parses it. */
void doc_text_read(struct doc_text *t, const char *path, size_t max);
/* Frees what t still holds. */
void doc_text_release(struct doc_text *t);

struct reader;

/*
 * Starts reading dir/relpaths[0..n) from the last one back. NULL when
 * there is no thread to be had: the caller reads every document itself.
 * relpaths must stay as they are until reader_stop().
 */
struct reader *reader_start(const char *dir, const char *const *relpaths,
    size_t n, size_t max);
/*
 * Document j (taken in increasing order, each once): what the reader made
 * of it, or NULL when the caller is to read it (the reader will not).
 * What is returned stays the reader's, for the caller to take from.
 */
struct doc_text *reader_take(struct reader *r, size_t j);
/* Stops the reader, waits for it and frees everything. NULL is fine. */
void reader_stop(struct reader *r);

#endif
