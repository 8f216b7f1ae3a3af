#define _GNU_SOURCE	/* POLLRDHUP */
#include "guard.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* FastCGI record types (the protocol's numbers, not libfcgi's names). */
#define REC_BEGIN 1
#define REC_ABORT 2
#define REC_PARAMS 4
#define REC_GET_VALUES 9
#define HDR_LEN 8

#define NEED_MORE 3		/* internal: the walk needs more bytes */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One pair length at p (1 or 4 bytes); 0 and the length, -1 when cut. */
static int
pair_len(const unsigned char *p, size_t avail, size_t *used, uint32_t *len)
{
	if (avail < 1)
		return -1;
	if ((p[0] & 0x80) == 0) {
		*len = p[0];
		*used = 1;
		return 0;
	}
	if (avail < 4)
		return -1;
	*len = (uint32_t)(p[0] & 0x7f) << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	*used = 4;
	return 0;
}

/*
 * Name-value pairs in the content of one FCGI_GET_VALUES record: each must
 * lie wholly inside it (libfcgi reads the record as a stream of its own).
 */
static int
pairs_fit(const unsigned char *p, size_t n)
{
	size_t off = 0, u;
	uint32_t nl, vl;

	while (off < n) {
		if (pair_len(p + off, n - off, &u, &nl) == -1)
			return -1;
		off += u;
		if (pair_len(p + off, n - off, &u, &vl) == -1)
			return -1;
		off += u;
		if (nl > n - off || vl > n - off - nl)
			return -1;
		off += (size_t)nl + vl;
	}
	return 0;
}

/*
 * The pairs of a PARAMS stream split over records: the walk over the
 * concatenated contents, kept as state so that no copy is needed.
 * want: bytes still to skip of the current name and value; hdr/hlen: a
 * length field cut by a record boundary.
 */
struct pstate {
	size_t total;		/* content bytes seen */
	uint64_t want;		/* name and value bytes still expected */
	unsigned char hdr[8];	/* the two length fields being read */
	size_t hlen;
};

static int
pstate_feed(struct pstate *s, const unsigned char *p, size_t n)
{
	size_t u1, u2;
	uint32_t nl, vl;

	s->total += n;
	if (s->total > GUARD_MAX_PARAMS)
		return -1;
	while (n > 0) {
		if (s->want > 0) {
			size_t k = s->want < n ? (size_t)s->want : n;

			s->want -= k;
			p += k;
			n -= k;
			continue;
		}
		s->hdr[s->hlen++] = *p++;
		n--;
		if (pair_len(s->hdr, s->hlen, &u1, &nl) == -1 ||
		    pair_len(s->hdr + u1, s->hlen - u1, &u2, &vl) == -1)
			continue;	/* length fields not complete yet */
		/* Longer than all the parameters may be: refused early. */
		if ((uint64_t)nl + vl > GUARD_MAX_PARAMS)
			return -1;
		s->want = (uint64_t)nl + vl;
		s->hlen = 0;
	}
	return 0;
}

/* At the end of the stream every pair must be complete. */
static int
pstate_done(const struct pstate *s)
{
	return s->want == 0 && s->hlen == 0 ? 0 : -1;
}

/*
 * Walks the records in buf[0..n): GUARD_OK, GUARD_REFUSED, or NEED_MORE
 * when the end of the request's PARAMS stream is not in the window yet.
 */
static int
walk(const unsigned char *buf, size_t n, const char **why)
{
	struct pstate ps;
	size_t off = 0, clen, plen;
	unsigned id, begun = 0;
	int type;

	memset(&ps, 0, sizeof(ps));
	while (off + HDR_LEN <= n) {
		const unsigned char *h = buf + off;

		if (h[0] != 1) {
			/* libfcgi fails the request on its own: no pair read */
			return GUARD_OK;
		}
		type = h[1];
		id = (unsigned)h[2] << 8 | h[3];
		clen = (size_t)h[4] << 8 | h[5];
		plen = h[6];
		if (off + HDR_LEN + clen + plen > n) {
			if (off + HDR_LEN + clen + plen > GUARD_BUF_SIZE) {
				*why = "records before the parameters' end "
				    "exceed the window";
				return GUARD_REFUSED;
			}
			return NEED_MORE;
		}
		h += HDR_LEN;
		if (type == REC_BEGIN) {
			/* one responder request at a time, as nginx sends */
			if (begun != 0 || id == 0 || clen < 2 ||
			    h[0] != 0 || h[1] != 1) {
				*why = "unexpected FCGI_BEGIN_REQUEST";
				return GUARD_REFUSED;
			}
			begun = id;
		} else if (type == REC_PARAMS && (begun == 0 || id != begun)) {
			/* (libfcgi takes id 0 for a management record) */
			*why = "FCGI_PARAMS outside the request";
			return GUARD_REFUSED;
		} else if (type == REC_GET_VALUES && id == 0 &&
		    pairs_fit(h, clen) == -1) {
			*why = "FCGI_GET_VALUES pair longer than its record";
			return GUARD_REFUSED;
		} else if (type == REC_PARAMS) {
			if (clen == 0) {
				if (pstate_done(&ps) == -1) {
					*why = "parameter pair longer than "
					    "the parameters sent";
					return GUARD_REFUSED;
				}
				return GUARD_OK;
			}
			if (pstate_feed(&ps, h, clen) == -1) {
				*why = "parameters over the size limit";
				return GUARD_REFUSED;
			}
		} else if (type == REC_ABORT && begun != 0 && id == begun) {
			/* libfcgi reads the pairs sent so far: all complete */
			if (pstate_done(&ps) == -1) {
				*why = "parameter pair cut by an abort";
				return GUARD_REFUSED;
			}
			return GUARD_OK;
		}
		off += HDR_LEN + clen + plen;
	}
	if (n >= GUARD_BUF_SIZE) {
		*why = "records before the parameters' end exceed the window";
		return GUARD_REFUSED;
	}
	return NEED_MORE;
}

int
guard_check(int fd, unsigned char *buf, const char **why)
{
	int64_t deadline = mono_ms() + GUARD_TIMEOUT_MS, left;
	struct timespec pause = { 0, 20000 };
	struct pollfd pf;
	size_t last = 0;
	ssize_t n;
	int rc;

	*why = NULL;
	for (;;) {
		n = recv(fd, buf, GUARD_BUF_SIZE, MSG_PEEK | MSG_DONTWAIT);
		if (n == 0)
			return GUARD_CLOSED;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR)
			return GUARD_CLOSED;
		if (n > 0 && (size_t)n != last) {
			last = (size_t)n;
			rc = walk(buf, last, why);
			if (rc != NEED_MORE)
				return rc;
		}
		if (mono_ms() >= deadline) {
			*why = "peer too slow to send its parameters";
			return GUARD_REFUSED;
		}
		if (n <= 0 && last == 0) {
			/*
			 * Nothing has arrived yet (a connection is accepted
			 * before its first record): the socket is not readable,
			 * so poll can wait for it.
			 */
			left = deadline - mono_ms();
			pf.fd = fd;
			pf.events = POLLIN | POLLRDHUP;
			pf.revents = 0;
			if (poll(&pf, 1, left > 0 ? (int)left : 0) == -1 &&
			    errno != EINTR)
				return GUARD_CLOSED;
			continue;
		}
		/* The peer hung up: libfcgi reads what is there, then fails. */
		pf.fd = fd;
		pf.events = POLLRDHUP;
		pf.revents = 0;
		if (poll(&pf, 1, 0) == 1 &&
		    (pf.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0)
			return GUARD_CLOSED;
		/*
		 * Peeked bytes keep the socket readable: poll cannot wait for
		 * more. Short pauses first (the rest of a request is usually
		 * microseconds behind), up to a millisecond.
		 */
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 1000000)
			pause.tv_nsec *= 2;
	}
}
