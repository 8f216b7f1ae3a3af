#include "resp.h"

#include <string.h>

#include "http.h"

static void
add(struct resp *r, const char *p, size_t n)
{
	if (r->overflow || n > RESP_HDR_MAX - 3 - r->len) {
		r->overflow = 1;	/* room kept for the final CRLF */
		return;
	}
	memcpy(r->hdr + r->len, p, n);
	r->len += n;
}

static void
add_u(struct resp *r, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	add(r, tmp + i, sizeof(tmp) - i);
}

void
resp_start(struct resp *r, FCGX_Stream *out, int head, int status)
{
	const char *reason = http_reason(status);

	r->out = out;
	r->head = head;
	r->overflow = 0;
	r->len = 0;
	add(r, "Status: ", 8);
	add_u(r, (uint64_t)status);
	add(r, " ", 1);
	add(r, reason, strlen(reason));
	add(r, "\r\n", 2);
}

void
resp_header(struct resp *r, const char *name, const char *v, size_t n)
{
	add(r, name, strlen(name));
	add(r, ": ", 2);
	add(r, v, n);
	add(r, "\r\n", 2);
}

void
resp_header_s(struct resp *r, const char *name, const char *v)
{
	resp_header(r, name, v, strlen(v));
}

void
resp_header_u(struct resp *r, const char *name, uint64_t v)
{
	add(r, name, strlen(name));
	add(r, ": ", 2);
	add_u(r, v);
	add(r, "\r\n", 2);
}

int
resp_send_headers(struct resp *r)
{
	if (r->overflow) {
		resp_simple(r->out, r->head, 500, NULL,
		    "internal server error\n");
		return -1;
	}
	memcpy(r->hdr + r->len, "\r\n", 2);
	r->len += 2;
	return FCGX_PutStr(r->hdr, (int)r->len, r->out) == (int)r->len ? 0 : -1;
}

int
resp_body(struct resp *r, const void *p, size_t n)
{
	const char *s = p;

	if (r->head)
		return 0;
	/* FCGX_PutStr takes an int: feed large bodies in slices. */
	while (n > 0) {
		int chunk = n > (1u << 30) ? 1 << 30 : (int)n;

		if (FCGX_PutStr(s, chunk, r->out) != chunk)
			return -1;
		s += chunk;
		n -= (size_t)chunk;
	}
	return 0;
}

void
resp_simple(FCGX_Stream *out, int head, int status, const char *extra,
    const char *body)
{
	struct resp r;
	size_t n = strlen(body);

	resp_start(&r, out, head, status);
	resp_header_s(&r, "Content-Type", "text/plain; charset=utf-8");
	resp_header_u(&r, "Content-Length", n);
	resp_header_s(&r, "Cache-Control", "no-store");
	if (extra != NULL) {
		add(&r, extra, strlen(extra));
		add(&r, "\r\n", 2);
	}
	if (r.overflow)
		return;
	memcpy(r.hdr + r.len, "\r\n", 2);
	r.len += 2;
	FCGX_PutStr(r.hdr, (int)r.len, out);
	if (!head)
		FCGX_PutStr(body, (int)n, out);
}
