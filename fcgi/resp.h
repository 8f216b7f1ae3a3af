/*
 * resp: builds one FastCGI response. Headers collect in a fixed buffer
 * inside struct resp (no allocation); bodies are written straight from the
 * caller's memory (the LMDB map) to the libfcgi stream.
 *
 * Every header value given here must already be safe (see
 * http_header_safe()); names are the caller's literals.
 */
#ifndef FOLIO_RESP_H
#define FOLIO_RESP_H

#include <fcgiapp.h>
#include <stddef.h>
#include <stdint.h>

#define RESP_HDR_MAX 4096

struct resp {
	FCGX_Stream *out;
	int head;		/* HEAD request: headers only */
	int overflow;		/* headers did not fit: answer 500 instead */
	size_t len;
	char hdr[RESP_HDR_MAX];
};

/* Starts a response with "Status: N reason". */
void resp_start(struct resp *r, FCGX_Stream *out, int head, int status);
void resp_header(struct resp *r, const char *name, const char *v, size_t n);
void resp_header_s(struct resp *r, const char *name, const char *v);
void resp_header_u(struct resp *r, const char *name, uint64_t v);
/* Ends the headers and sends them. Returns 0, or -1 (write failed). */
int resp_send_headers(struct resp *r);
/* Sends body bytes unless the request was HEAD. Returns 0 or -1. */
int resp_body(struct resp *r, const void *p, size_t n);

/*
 * A whole small response with a text/plain body (errors, 405, 503); extra
 * is one more "Name: value" header line or NULL.
 */
void resp_simple(FCGX_Stream *out, int head, int status, const char *extra,
    const char *body);

#endif
