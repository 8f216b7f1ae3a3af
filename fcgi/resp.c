#include "resp.h"

#include <string.h>

#include "http.h"

void
resp_add_u(struct resp *r, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	resp_add(r, tmp + i, sizeof(tmp) - i);
}

void
resp_start(struct resp *r, FCGX_Stream *out, int head, int status)
{
	const char *reason;

	r->out = out;
	r->head = head;
	r->overflow = 0;
	r->len = 0;
	switch (status) {
	case 200:
		RESP_LINE(r, "Status: 200 OK");
		return;
	case 304:
		RESP_LINE(r, "Status: 304 Not Modified");
		return;
	case 404:
		RESP_LINE(r, "Status: 404 Not Found");
		return;
	}
	reason = http_reason(status);
	resp_add(r, "Status: ", 8);
	resp_add_u(r, (uint64_t)status);
	resp_add(r, " ", 1);
	resp_add(r, reason, strlen(reason));
	resp_add(r, "\r\n", 2);
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
	RESP_LINE(&r, "Content-Type: text/plain; charset=utf-8");
	RESP_HDRU(&r, "Content-Length", n);
	RESP_LINE(&r, "Cache-Control: no-store");
	if (extra != NULL) {
		resp_add(&r, extra, strlen(extra));
		resp_add(&r, "\r\n", 2);
	}
	if (r.overflow)
		return;
	memcpy(r.hdr + r.len, "\r\n", 2);
	r.len += 2;
	FCGX_PutStr(r.hdr, (int)r.len, out);
	if (!head)
		FCGX_PutStr(body, (int)n, out);
}
