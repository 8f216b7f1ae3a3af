#include "resp.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "http.h"

#define REC_MAX 65535		/* content bytes in one FastCGI record */
#define REC_BATCH 16		/* records per writev() */

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

/* Writes every byte of iov[0..n) (partial writes resumed). */
static int
writev_all(int fd, struct iovec *iov, int n)
{
	ssize_t w;

	while (n > 0) {
		w = writev(fd, iov, n);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

static void
rec_header(unsigned char h[8], int id, size_t len)
{
	h[0] = 1;			/* FCGI_VERSION_1 */
	h[1] = 6;			/* FCGI_STDOUT */
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = 0;			/* no padding */
	h[7] = 0;
}

int
resp_send_direct(struct resp *r, FCGX_Request *req, const void *body,
    size_t n)
{
	unsigned char hdrs[REC_BATCH][8];
	struct iovec iov[REC_BATCH * 2 + 1];
	const char *b = body;
	size_t first;
	int k = 0, nrec = 0;

	if (r->overflow || r->head)
		return resp_send_headers(r) == 0 && !r->head ?
		    resp_body(r, body, n) : 0;
	memcpy(r->hdr + r->len, "\r\n", 2);
	r->len += 2;
	/* The first record carries the headers and the start of the body. */
	first = REC_MAX - r->len;
	if (first > n)
		first = n;
	rec_header(hdrs[0], req->requestId, r->len + first);
	iov[k].iov_base = hdrs[0];
	iov[k++].iov_len = 8;
	iov[k].iov_base = r->hdr;
	iov[k++].iov_len = r->len;
	if (first > 0) {
		iov[k].iov_base = (void *)b;
		iov[k++].iov_len = first;
	}
	nrec = 1;
	b += first;
	n -= first;
	while (n > 0) {
		size_t c = n > REC_MAX ? REC_MAX : n;

		if (nrec == REC_BATCH) {
			if (writev_all(req->ipcFd, iov, k) == -1)
				return -1;
			k = 0;
			nrec = 0;
		}
		rec_header(hdrs[nrec], req->requestId, c);
		iov[k].iov_base = hdrs[nrec];
		iov[k++].iov_len = 8;
		iov[k].iov_base = (void *)b;
		iov[k++].iov_len = c;
		nrec++;
		b += c;
		n -= c;
	}
	return writev_all(req->ipcFd, iov, k);
}
