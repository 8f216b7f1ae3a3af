/*
 * folio-fcgi: the prefork FastCGI worker. The parent owns the listening
 * socket and the children; each child opens the database itself and answers
 * requests until told to stop.
 *
 * Signals: SIGTERM/SIGINT stop everything (children finish the request in
 * flight); SIGHUP replaces the children one at a time. Children keep these
 * signals blocked except while they wait for a connection in ppoll(), so a
 * signal can neither interrupt a request nor be lost before a blocking
 * accept (the listening socket is non-blocking; accept never waits).
 */
#define _GNU_SOURCE	/* ppoll, accept4 */
#include <errno.h>
#include <fcntl.h>
#include <fcgiapp.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "db.h"
#include "guard.h"
#include "log.h"
#include "serve.h"

#define MAX_WORKERS 256
#define STOP_GRACE_MS 5000
/*
 * A connection that sends nothing, or reads nothing, for this long is
 * dropped: a stalled peer must not hold a worker (nginx sends a whole
 * request at once and reads the answer as it comes).
 */
#define IO_TIMEOUT_MS 5000

static struct {
	const char *db_dir;
	const char *sock;
	int workers;
	mode_t mode;
	int64_t now;		/* fixed clock for tests, -1 otherwise */
} cfg = { NULL, NULL, 0, 0660, -1 };

static volatile sig_atomic_t child_stop;
static int listen_fd = -1;
static int own_socket;		/* we created cfg.sock: unlink it at exit */

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: folio-fcgi [-s PATH] [-w N] [-m MODE] DB_DIR\n"
	    "  -s PATH     listen on this unix socket (default: the listening\n"
	    "              socket passed as file descriptor 0)\n"
	    "  -w N        worker processes (default: number of CPUs)\n"
	    "  -m MODE     permissions of the socket file, octal (default 660)\n"
	    "  -v          log each worker's start and stop\n"
	    "  --now EPOCH for tests only: answer as if it were this moment\n"
	    "  --help, --version\n"
	    "Signals: TERM/INT stop, HUP replaces the workers one by one.\n");
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
open_socket(const char *path, mode_t mode)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_error("%s: socket path too long", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		log_error("socket: %s", strerror(errno));
		return -1;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_error("%s: exists and is not a socket", path);
			goto fail;
		}
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			log_error("%s: another server is listening", path);
			goto fail;
		}
		close(fd);
		unlink(path);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
			log_error("socket: %s", strerror(errno));
			return -1;
		}
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		log_error("%s: bind: %s", path, strerror(errno));
		goto fail;
	}
	own_socket = 1;
	if (chmod(path, mode) == -1 || listen(fd, 1024) == -1) {
		log_error("%s: %s", path, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static void
child_signal(int sig)
{
	(void)sig;
	child_stop = 1;
}

/*
 * Waits until fd is readable or a stop signal arrives (the only moment the
 * signals are unblocked), at most timeout_ms when it is not negative.
 * Returns 1 readable, 0 stop, -1 error, 2 timeout.
 */
static int
wait_readable(int fd, const sigset_t *open_mask, int timeout_ms)
{
	struct timespec ts, *tsp = NULL;
	struct pollfd p;
	int rc;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tsp = &ts;
	}
	for (;;) {
		if (child_stop)
			return 0;
		p.fd = fd;
		p.events = POLLIN;
		p.revents = 0;
		rc = ppoll(&p, 1, tsp, open_mask);
		if (rc > 0)
			return 1;
		if (rc == 0)
			return 2;
		if (rc == -1 && errno != EINTR)
			return -1;
	}
}

/* Read and write timeouts on an accepted connection. */
static void
set_timeouts(int fd)
{
	struct timeval tv;

	tv.tv_sec = IO_TIMEOUT_MS / 1000;
	tv.tv_usec = (IO_TIMEOUT_MS % 1000) * 1000;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void
child_main(int idx, int verbose)
{
	struct sigaction sa;
	sigset_t open_mask;
	FCGX_Request req;
	struct worker w;
	unsigned char *gbuf;
	const char *why;
	int fd, rc;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = child_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: ppoll must return */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&open_mask);
	if (getppid() == 1)
		_exit(0);	/* the parent died before prctl */

	if (FCGX_Init() != 0) {
		log_error("worker %d: FCGX_Init failed", idx);
		_exit(1);
	}
	FCGX_InitRequest(&req, listen_fd, 0);
	memset(&w, 0, sizeof(w));
	db_init(&w.db, cfg.db_dir);
	w.now_fixed = cfg.now;
	gbuf = xmalloc(GUARD_BUF_SIZE);
	if (verbose)
		log_info("worker %d (pid %ld) started", idx, (long)getpid());
	for (;;) {
		if (req.ipcFd < 0) {
			if ((rc = wait_readable(listen_fd, &open_mask, -1)) <= 0)
				break;
			fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd == -1) {
				if (errno == EMFILE || errno == ENFILE ||
				    errno == ENOBUFS || errno == ENOMEM) {
					log_error("accept: %s", strerror(errno));
					usleep(10000);
				}
				continue;	/* a sibling took it, or it died */
			}
			set_timeouts(fd);
			req.ipcFd = fd;
		} else if ((rc = wait_readable(req.ipcFd, &open_mask,
		    IO_TIMEOUT_MS)) <= 0)
			break;	/* a kept connection, idle at stop time */
		else if (rc == 2) {
			close(req.ipcFd);	/* kept, and idle too long */
			req.ipcFd = -1;
			continue;
		}
		/*
		 * libfcgi trusts the parameter lengths it reads: check them
		 * before it does (see guard.h).
		 */
		if ((rc = guard_check(req.ipcFd, gbuf, &why)) != GUARD_OK) {
			if (rc == GUARD_REFUSED)
				log_warn("worker %d: connection dropped: %s",
				    idx, why);
			close(req.ipcFd);
			req.ipcFd = -1;
			continue;
		}
		/*
		 * FCGX_Accept_r first finishes the previous request and would
		 * close the connection we hand it unless told it is kept.
		 */
		req.keepConnection = 1;
		if (FCGX_Accept_r(&req) < 0) {
			/* Closed before a request; the fd is already closed. */
			req.ipcFd = -1;
			continue;
		}
		serve_request(&w, &req);
		FCGX_Finish_r(&req);
	}
	if (req.ipcFd >= 0)
		close(req.ipcFd);
	db_release(&w.db);
	free(gbuf);
	if (verbose)
		log_info("worker %d (pid %ld) stopped", idx, (long)getpid());
	_exit(0);
}

struct kid {
	pid_t pid;
	int64_t started_ms;
	int64_t restart_at_ms;	/* when pid == 0: when to start again */
};

static pid_t
spawn(struct kid *k, int idx, int verbose)
{
	pid_t pid = fork();

	if (pid == -1) {
		log_error("fork: %s", strerror(errno));
		k->pid = 0;
		k->restart_at_ms = mono_ms() + 1000;
		return -1;
	}
	if (pid == 0)
		child_main(idx, verbose);
	k->pid = pid;
	k->started_ms = mono_ms();
	return pid;
}

static void
stop_all(struct kid *kids, int n)
{
	int64_t deadline = mono_ms() + STOP_GRACE_MS;
	int i, left;
	pid_t pid;

	for (i = 0; i < n; i++)
		if (kids[i].pid > 0)
			kill(kids[i].pid, SIGTERM);
	for (;;) {
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			for (i = 0; i < n; i++)
				if (kids[i].pid == pid)
					kids[i].pid = 0;
		for (left = 0, i = 0; i < n; i++)
			left += kids[i].pid > 0;
		if (left == 0 || (pid == -1 && errno == ECHILD))
			break;
		if (mono_ms() >= deadline) {
			for (i = 0; i < n; i++)
				if (kids[i].pid > 0) {
					log_warn("worker pid %ld did not stop, "
					    "killing it", (long)kids[i].pid);
					kill(kids[i].pid, SIGKILL);
				}
			deadline = mono_ms() + 1000;
		}
		usleep(10000);
	}
}

static int
parent_main(int verbose)
{
	struct kid kids[MAX_WORKERS];
	sigset_t set;
	siginfo_t si;
	struct timespec tick = { 0, 200 * 1000000 };
	int n = cfg.workers, i, sig, status;
	int roll_next = -1;	/* SIGHUP: next slot to replace, -1 none */
	pid_t roll_wait = 0, pid;

	memset(kids, 0, sizeof(kids));
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	log_info("folio-fcgi %s: %d workers on %s, database %s", FOLIO_VERSION,
	    n, cfg.sock != NULL ? cfg.sock : "fd 0", cfg.db_dir);
	for (i = 0; i < n; i++)
		spawn(&kids[i], i, verbose);
	for (;;) {
		sig = sigtimedwait(&set, &si, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP && roll_next < 0) {
			log_info("replacing the workers");
			roll_next = 0;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (pid == roll_wait)
				roll_wait = 0;
			for (i = 0; i < n; i++) {
				if (kids[i].pid != pid)
					continue;
				kids[i].pid = 0;
				/* a child dying at once would loop: slow it */
				kids[i].restart_at_ms = mono_ms() +
				    (mono_ms() - kids[i].started_ms < 1000 ?
				    1000 : 0);
				if (WIFSIGNALED(status))
					log_warn("worker %d killed by signal %d",
					    i, WTERMSIG(status));
				else
					log_warn("worker %d exited with status "
					    "%d", i, WEXITSTATUS(status));
			}
		}
		for (i = 0; i < n; i++)
			if (kids[i].pid == 0 && mono_ms() >= kids[i].restart_at_ms)
				spawn(&kids[i], i, verbose);
		if (roll_next >= 0 && roll_wait == 0) {
			if (roll_next >= n) {
				roll_next = -1;
				log_info("workers replaced");
				continue;
			}
			/* The new one listens before the old one leaves. */
			pid = kids[roll_next].pid;
			if (spawn(&kids[roll_next], roll_next, verbose) > 0 &&
			    pid > 0) {
				kill(pid, SIGTERM);
				roll_wait = pid;
			}
			roll_next++;
		}
	}
	log_info("stopping");
	stop_all(kids, n);
	if (own_socket)
		unlink(cfg.sock);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "now", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	int c, verbose = 0, acc = 0;
	socklen_t alen = sizeof(acc);
	char *end;
	long v;

	while ((c = getopt_long(argc, argv, "s:w:m:v", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			cfg.sock = optarg;
			break;
		case 'w':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 1 || v > MAX_WORKERS) {
				fprintf(stderr, "folio-fcgi: -w: expected 1..%d\n",
				    MAX_WORKERS);
				return 2;
			}
			cfg.workers = (int)v;
			break;
		case 'm':
			v = strtol(optarg, &end, 8);
			if (*end != '\0' || v < 0 || v > 0777) {
				fprintf(stderr, "folio-fcgi: -m: expected an "
				    "octal mode\n");
				return 2;
			}
			cfg.mode = (mode_t)v;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'N':
			v = strtol(optarg, &end, 10);
			if (*end != '\0' || v < 0) {
				fprintf(stderr, "folio-fcgi: --now: expected "
				    "seconds since the epoch\n");
				return 2;
			}
			cfg.now = v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("folio-fcgi %s\n", FOLIO_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return 2;
	}
	cfg.db_dir = argv[optind];
	if (cfg.workers == 0) {
		v = sysconf(_SC_NPROCESSORS_ONLN);
		cfg.workers = v < 1 ? 1 : v > MAX_WORKERS ? MAX_WORKERS : (int)v;
	}
	/*
	 * libfcgi lingers up to 2 s after each response, reading until the
	 * server closes; nginx closes anyway, so it only costs throughput.
	 */
	setenv("LIBFCGI_OS_CLOSE_POLL_TIMEOUT", "0", 0);

	if (cfg.sock != NULL) {
		if ((listen_fd = open_socket(cfg.sock, cfg.mode)) == -1)
			return 1;
	} else {
		if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &acc, &alen) == -1 ||
		    !acc) {
			fprintf(stderr, "folio-fcgi: no -s PATH and file "
			    "descriptor 0 is not a listening socket\n");
			usage(stderr);
			return 2;
		}
		listen_fd = 0;
	}
	/* Shared by all children: none of them may block in accept. */
	if (fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK) ==
	    -1) {
		log_error("fcntl: %s", strerror(errno));
		return 1;
	}
	return parent_main(verbose);
}
