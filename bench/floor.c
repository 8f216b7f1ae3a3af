/*
 * floor: the least a libfcgi responder can do, for the benchmark's floor.
 * Loads one file at start and answers every request with it and fixed
 * headers like folio-fcgi's, from the same number of prefork processes.
 *
 * usage: floor -s SOCKET -w N FILE
 */
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static char *body;
static long body_len;
static char hdr[1024];
static int hdr_len;

static void
on_term(int sig)
{
	(void)sig;
	_exit(0);	/* a clean exit, so profilers write their data */
}

static void
serve(int sock)
{
	FCGX_Request r;

	signal(SIGTERM, on_term);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	FCGX_Init();
	FCGX_InitRequest(&r, sock, 0);
	while (FCGX_Accept_r(&r) >= 0) {
		FCGX_PutStr(hdr, hdr_len, r.out);
		FCGX_PutStr(body, (int)body_len, r.out);
		FCGX_Finish_r(&r);
	}
	_exit(0);
}

int
main(int argc, char **argv)
{
	const char *path = NULL;
	int c, n = 1, sock, i;
	FILE *f;

	while ((c = getopt(argc, argv, "s:w:")) != -1) {
		if (c == 's')
			path = optarg;
		else if (c == 'w')
			n = atoi(optarg);
		else
			return 2;
	}
	if (path == NULL || optind + 1 != argc || n < 1)
		return 2;
	if ((f = fopen(argv[optind], "rb")) == NULL)
		return 1;
	fseek(f, 0, SEEK_END);
	body_len = ftell(f);
	rewind(f);
	body = malloc((size_t)body_len + 1);
	if (body == NULL || fread(body, 1, (size_t)body_len, f) !=
	    (size_t)body_len)
		return 1;
	fclose(f);
	hdr_len = snprintf(hdr, sizeof(hdr),
	    "Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %ld\r\nVary: Accept-Encoding\r\n"
	    "ETag: \"0123456789abcdef\"\r\n"
	    "Last-Modified: Wed, 15 Jan 2020 09:14:00 GMT\r\n"
	    "Cache-Control: public, max-age=300\r\n\r\n", body_len);
	setenv("LIBFCGI_OS_CLOSE_POLL_TIMEOUT", "0", 0);
	unlink(path);
	if ((sock = FCGX_OpenSocket(path, 1024)) < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < n; i++)
		if (fork() == 0)
			serve(sock);
	while (wait(NULL) > 0)
		;
	return 0;
}
