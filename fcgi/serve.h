/*
 * serve: answers one request from the database: routing (pages, redirect
 * records, canonical spellings, the agenda), validators and content coding.
 *
 * The hit path (an exact key in "pages") makes no heap allocation: the
 * key comes from libfcgi's parameters, headers are built in a fixed buffer
 * and the body goes out straight from the LMDB map.
 */
#ifndef FOLIO_SERVE_H
#define FOLIO_SERVE_H

#include <fcgiapp.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* What a handler needs from the request; strings belong to libfcgi. */
struct req {
	const char *uri;	/* DOCUMENT_URI: decoded, normalised by nginx */
	size_t uri_len;
	const char *query;	/* QUERY_STRING as received, or NULL */
	size_t query_len;
	const char *accept_enc;	/* the header values, or NULL */
	const char *inm;	/* If-None-Match */
	const char *ims;	/* If-Modified-Since */
	int head;		/* HEAD rather than GET */
	int64_t now;		/* the moment of the request (epoch seconds) */
	FCGX_Request *fcgi;	/* the connection, for direct writes */
};

/* One worker process's state, owned by main.c. */
struct worker {
	struct db db;
	int64_t now_fixed;	/* >= 0: the clock for tests, else -1 */
	int64_t lm_time;	/* the Last-Modified value last formatted */
	char lm_text[32];	/* and its text */
};

/*
 * Answers r on its output stream. Never fails: errors become 500 or 503
 * responses.
 */
void serve_request(struct worker *w, FCGX_Request *r);

#endif
