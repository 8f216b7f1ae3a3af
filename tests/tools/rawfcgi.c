/*
 * rawfcgi: sends hand-made FastCGI records to a unix socket, for tests of
 * what a server does with records no well-behaved client sends. Each
 * argument after the socket is one step, run in order:
 *
 *   begin[:FLAGS[:ROLE]]   FCGI_BEGIN_REQUEST (FLAGS 1: keep; ROLE default 1,
 *                          the responder)
 *   param:NAME=VALUE       one name-value pair (buffered until params-end)
 *   pairlen:NL:VL:N        a pair whose lengths are written as given (4-byte
 *                          form, hex or decimal), then N bytes of 'A'
 *   params-end             sends the buffered pairs as FCGI_PARAMS records,
 *                          then the empty FCGI_PARAMS record
 *   params-open            the buffered pairs without the empty record
 *   stdin-end              the empty FCGI_STDIN record
 *   abort                  FCGI_ABORT_REQUEST
 *   header:TYPE:LEN[:PAD[:VER]]  a record header alone, any declared length
 *   bytes:N[:C]            N bytes of C (default 'A'), written in chunks
 *   id:N                   request id of the records that follow (default 1)
 *   sleep:MS               pause
 *   close                  close at once without reading anything
 *   read:N                 read N bytes of the answer, then close
 *   get                    read until FCGI_END_REQUEST or end of stream
 *
 * Without a close, read or get step, a final get is implied. "get" writes
 * the FCGI_STDOUT bytes to standard output and one line to standard error:
 * "end N" (FCGI_END_REQUEST with protocol status N), "eof" (the server
 * closed without ending the request) or "timeout". Exit status: 0 end,
 * 3 eof, 4 timeout, 1 usage or socket errors (a refused write counts as
 * eof: the server closed first). Gives up after 10 seconds of silence.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

#define TIMEOUT_MS 10000

static int fd = -1;
static unsigned reqid = 1;
static int peer_closed;

static void
put_header(struct buf *b, int ver, int type, unsigned long len, unsigned pad)
{
	unsigned char h[8];

	h[0] = (unsigned char)ver;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(reqid >> 8);
	h[3] = (unsigned char)reqid;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = (unsigned char)pad;
	h[7] = 0;
	buf_add(b, h, 8);
}

static void
put_len(struct buf *b, unsigned long n, int force4)
{
	if (n < 128 && !force4) {
		buf_addc(b, (char)n);
		return;
	}
	buf_addc(b, (char)(0x80 | ((n >> 24) & 0x7f)));
	buf_addc(b, (char)(n >> 16));
	buf_addc(b, (char)(n >> 8));
	buf_addc(b, (char)n);
}

/* Writes everything; a peer that closed first is noted, not an error. */
static int
send_all(const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (errno == EPIPE || errno == ECONNRESET) {
				peer_closed = 1;
				return 0;
			}
			perror("rawfcgi: write");
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The buffered pairs as FCGI_PARAMS records of at most 65535 bytes. */
static int
send_params(struct buf *pairs, int end)
{
	struct buf out = BUF_INIT;
	size_t off = 0, n;
	int rc;

	while (off < pairs->len) {
		n = pairs->len - off > 65535 ? 65535 : pairs->len - off;
		put_header(&out, 1, 4, n, 0);
		buf_add(&out, pairs->data + off, n);
		off += n;
	}
	if (end)
		put_header(&out, 1, 4, 0, 0);
	rc = send_all(out.data, out.len);
	buf_release(&out);
	buf_reset(pairs);
	return rc;
}

static int
read_some(unsigned char *p, size_t n, size_t *got)
{
	struct pollfd pf = { fd, POLLIN, 0 };
	ssize_t r;
	int rc;

	*got = 0;
	while (*got < n) {
		rc = poll(&pf, 1, TIMEOUT_MS);
		if (rc == 0)
			return 4;
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		r = read(fd, p + *got, n - *got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 3;
		*got += (size_t)r;
	}
	return 0;
}

/* Reads records until FCGI_END_REQUEST; returns the exit status. */
static int
get_answer(void)
{
	unsigned char h[8], body[65536 + 256];
	size_t got, len;
	int rc;

	for (;;) {
		if ((rc = read_some(h, 8, &got)) != 0)
			goto done;
		len = (size_t)h[4] << 8 | h[5];
		if ((rc = read_some(body, len + h[6], &got)) != 0)
			goto done;
		if (h[1] == 6)
			fwrite(body, 1, len, stdout);
		else if (h[1] == 3) {
			fprintf(stderr, "end %d\n", len >= 5 ? body[4] : -1);
			return 0;
		}
	}
done:
	fprintf(stderr, "%s\n", rc == 4 ? "timeout" : "eof");
	return rc;
}

static unsigned long
num(const char *s)
{
	return strtoul(s, NULL, 0);
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa;
	struct buf pairs = BUF_INIT, out = BUF_INIT;
	unsigned char tmp[65536];
	int i, rc = -1;
	size_t got;

	if (argc < 2) {
		fprintf(stderr, "usage: rawfcgi SOCKET STEP...\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "rawfcgi: socket path too long\n");
		return 1;
	}
	strcpy(sa.sun_path, argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		perror("rawfcgi: connect");
		return 1;
	}
	for (i = 2; i < argc && rc < 0; i++) {
		const char *a = argv[i];

		buf_reset(&out);
		if (strncmp(a, "begin", 5) == 0) {
			unsigned char b[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };

			char *p;

			if (a[5] == ':') {
				b[2] = (unsigned char)strtoul(a + 6, &p, 0);
				if (*p == ':')
					b[1] = (unsigned char)strtoul(p + 1,
					    NULL, 0);
			}
			put_header(&out, 1, 1, 8, 0);
			buf_add(&out, b, 8);
		} else if (strncmp(a, "param:", 6) == 0) {
			const char *eq = strchr(a + 6, '=');
			size_t nl, vl;

			if (eq == NULL) {
				fprintf(stderr, "rawfcgi: %s: no '='\n", a);
				return 1;
			}
			nl = (size_t)(eq - (a + 6));
			vl = strlen(eq + 1);
			put_len(&pairs, nl, 0);
			put_len(&pairs, vl, 0);
			buf_add(&pairs, a + 6, nl);
			buf_add(&pairs, eq + 1, vl);
		} else if (strncmp(a, "pairlen:", 8) == 0) {
			char *p;
			unsigned long nl, vl, n;

			nl = strtoul(a + 8, &p, 0);
			vl = *p == ':' ? strtoul(p + 1, &p, 0) : 0;
			n = *p == ':' ? strtoul(p + 1, &p, 0) : 0;
			put_len(&pairs, nl, 1);
			put_len(&pairs, vl, 1);
			for (; n > 0; n--)
				buf_addc(&pairs, 'A');
		} else if (strcmp(a, "params-end") == 0 ||
		    strcmp(a, "params-open") == 0) {
			if (send_params(&pairs, a[7] == 'e') == -1)
				return 1;
		} else if (strcmp(a, "stdin-end") == 0) {
			put_header(&out, 1, 5, 0, 0);
		} else if (strcmp(a, "abort") == 0) {
			put_header(&out, 1, 2, 0, 0);
		} else if (strncmp(a, "header:", 7) == 0) {
			char *p;
			unsigned long type, len, pad = 0, ver = 1;

			type = strtoul(a + 7, &p, 0);
			len = *p == ':' ? strtoul(p + 1, &p, 0) : 0;
			if (*p == ':')
				pad = strtoul(p + 1, &p, 0);
			if (*p == ':')
				ver = strtoul(p + 1, &p, 0);
			put_header(&out, (int)ver, (int)type, len, (unsigned)pad);
		} else if (strncmp(a, "bytes:", 6) == 0) {
			char *p;
			unsigned long n = strtoul(a + 6, &p, 0), k;
			int c = *p == ':' ? p[1] : 'A';

			memset(tmp, c, sizeof(tmp));
			while (n > 0 && !peer_closed) {
				k = n > sizeof(tmp) ? sizeof(tmp) : n;
				if (send_all((char *)tmp, k) == -1)
					return 1;
				n -= k;
			}
		} else if (strncmp(a, "id:", 3) == 0) {
			reqid = (unsigned)num(a + 3);
		} else if (strncmp(a, "sleep:", 6) == 0) {
			struct timespec ts;
			unsigned long ms = num(a + 6);

			ts.tv_sec = (time_t)(ms / 1000);
			ts.tv_nsec = (long)(ms % 1000) * 1000000;
			nanosleep(&ts, NULL);
		} else if (strcmp(a, "close") == 0) {
			rc = 0;
		} else if (strncmp(a, "read:", 5) == 0) {
			unsigned long n = num(a + 5);

			if (n > sizeof(tmp))
				n = sizeof(tmp);
			rc = read_some(tmp, n, &got);
			fwrite(tmp, 1, got, stdout);
			fprintf(stderr, "read %zu\n", got);
			rc = 0;
		} else if (strcmp(a, "get") == 0) {
			rc = get_answer();
		} else {
			fprintf(stderr, "rawfcgi: unknown step %s\n", a);
			return 1;
		}
		if (out.len > 0 && send_all(out.data, out.len) == -1)
			return 1;
	}
	if (rc < 0)
		rc = get_answer();
	close(fd);
	buf_release(&pairs);
	buf_release(&out);
	return rc;
}
