/*
 * fcgiget: a minimal FastCGI client for tests. Sends one responder request
 * with the given parameters over a unix socket and writes the FCGI_STDOUT
 * stream (the CGI headers and body) to standard output.
 *
 * usage: fcgiget [-k] [-q] [-n N] SOCKET NAME=VALUE...
 *   -k   ask to keep the connection and send the same request twice
 *   -q   discard the responses
 *   -n N send the request N times, one connection each (for load)
 * Exits 0 when the server ended the request, 1 otherwise; gives up after
 * 10 seconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"

static int quiet;

static void
header(struct buf *b, int type, size_t len)
{
	unsigned char h[8] = { 1, (unsigned char)type, 0, 1,
	    (unsigned char)(len >> 8), (unsigned char)len, 0, 0 };

	buf_add(b, h, 8);
}

static void
name_len(struct buf *b, size_t n)
{
	if (n < 128) {
		buf_addc(b, (char)n);
	} else {
		buf_addc(b, (char)(0x80 | (n >> 24)));
		buf_addc(b, (char)(n >> 16));
		buf_addc(b, (char)(n >> 8));
		buf_addc(b, (char)n);
	}
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
read_all(int fd, unsigned char *p, size_t n)
{
	ssize_t r;

	while (n > 0) {
		if ((r = read(fd, p, n)) <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Sends the request; returns 0 when FCGI_END_REQUEST came back. */
static int
one_request(int fd, int keep, int argc, char **argv)
{
	struct buf req = BUF_INIT, params = BUF_INIT;
	unsigned char h[8], body[65536 + 256];
	unsigned char begin[8] = { 0, 1, (unsigned char)(keep ? 1 : 0), 0, 0,
	    0, 0, 0 };
	int i, rc = 1;

	for (i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		size_t nl, vl;

		if (eq == NULL)
			continue;
		nl = (size_t)(eq - argv[i]);
		vl = strlen(eq + 1);
		name_len(&params, nl);
		name_len(&params, vl);
		buf_add(&params, argv[i], nl);
		buf_add(&params, eq + 1, vl);
	}
	header(&req, 1, 8);
	buf_add(&req, begin, 8);
	if (params.len > 0) {
		if (params.len > 65535) {
			fprintf(stderr, "fcgiget: parameters too long\n");
			goto out;
		}
		header(&req, 4, params.len);
		buf_add(&req, params.data, params.len);
	}
	header(&req, 4, 0);
	header(&req, 5, 0);
	if (write_all(fd, req.data, req.len) == -1) {
		perror("fcgiget: write");
		goto out;
	}
	for (;;) {
		size_t len;

		if (read_all(fd, h, 8) == -1)
			goto out;
		len = (size_t)h[4] << 8 | h[5];
		if (read_all(fd, body, len + h[6]) == -1)
			goto out;
		if (h[1] == 6 && !quiet)
			fwrite(body, 1, len, stdout);
		else if (h[1] == 7 && !quiet)
			fwrite(body, 1, len, stderr);
		else if (h[1] == 3) {
			rc = 0;
			break;
		}
	}
out:
	buf_release(&req);
	buf_release(&params);
	return rc;
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sa;
	int fd, keep = 0, rc = 0;
	long count = 1, i;

	for (;;) {
		if (argc > 1 && strcmp(argv[1], "-k") == 0)
			keep = 1;
		else if (argc > 1 && strcmp(argv[1], "-q") == 0)
			quiet = 1;
		else if (argc > 2 && strcmp(argv[1], "-n") == 0) {
			count = atol(argv[2]);
			argv++;
			argc--;
		} else
			break;
		argv++;
		argc--;
	}
	if (argc < 2 || count < 1) {
		fprintf(stderr, "usage: fcgiget [-k] [-q] [-n N] SOCKET "
		    "NAME=VALUE...\n");
		return 2;
	}
	if (count == 1)
		alarm(10);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	for (i = 0; i < count && rc == 0; i++) {
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
		    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
			fprintf(stderr, "fcgiget: %s: %s\n", argv[1],
			    strerror(errno));
			return 1;
		}
		rc = one_request(fd, keep, argc - 2, argv + 2);
		if (rc == 0 && keep)
			rc = one_request(fd, keep, argc - 2, argv + 2);
		close(fd);
	}
	fflush(stdout);
	return rc;
}
