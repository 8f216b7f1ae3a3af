/*
 * resp: builds one FastCGI response. Headers collect in a fixed buffer
 * inside struct resp (no allocation); bodies are written straight from the
 * caller's memory (the LMDB map) to the libfcgi stream.
 *
 * Every header value given here must already be safe (see
 * http_header_safe()); names are the caller's literals. The RESP_* macros
 * take string literals, so a constant header line costs one memcpy.
 */
#ifndef FOLIO_RESP_H
#define FOLIO_RESP_H

#include <fcgiapp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RESP_HDR_MAX 4096

struct resp {
	FCGX_Stream *out;
	int head;		/* HEAD request: headers only */
	int overflow;		/* headers did not fit: answer 500 instead */
	size_t len;
	char hdr[RESP_HDR_MAX];
};

/* Appends raw header bytes; 2 bytes stay free for the final CRLF. */
static inline void
resp_add(struct resp *r, const char *p, size_t n)
{
	if (n > RESP_HDR_MAX - 2 - r->len) {
		r->overflow = 1;
		return;
	}
	memcpy(r->hdr + r->len, p, n);
	r->len += n;
}

/* A whole constant line: RESP_LINE(r, "Vary: Accept-Encoding"). */
#define RESP_LINE(r, lit) resp_add((r), lit "\r\n", sizeof(lit "\r\n") - 1)
/* A literal name and n bytes of value. */
#define RESP_HDR(r, name, v, n) do {					\
	resp_add((r), name ": ", sizeof(name ": ") - 1);		\
	resp_add((r), (v), (n));					\
	resp_add((r), "\r\n", 2);					\
} while (0)
/* A literal name and a number. */
#define RESP_HDRU(r, name, u) do {					\
	resp_add((r), name ": ", sizeof(name ": ") - 1);		\
	resp_add_u((r), (u));						\
	resp_add((r), "\r\n", 2);					\
} while (0)

/* Starts a response with "Status: N reason". */
void resp_start(struct resp *r, FCGX_Stream *out, int head, int status);
void resp_add_u(struct resp *r, uint64_t v);
/* Ends the headers and sends them. Returns 0, or -1 (write failed). */
int resp_send_headers(struct resp *r);
/* Sends body bytes unless the request was HEAD. Returns 0 or -1. */
int resp_body(struct resp *r, const void *p, size_t n);

/*
 * Sends the headers and a whole body (n bytes at body, typically in the
 * LMDB map) as FastCGI stdout records written with writev() on req's
 * connection: the body is never copied. Nothing may have been written to
 * req->out before; libfcgi's FCGX_Finish_r() then closes the stream as
 * usual. Returns 0, or -1 when the connection failed.
 */
int resp_send_direct(struct resp *r, FCGX_Request *req, const void *body,
    size_t n);

/*
 * A whole small response with a text/plain body (errors, 405, 503); extra
 * is one more "Name: value" header line or NULL.
 */
void resp_simple(FCGX_Stream *out, int head, int status, const char *extra,
    const char *body);

#endif
