/*
 * folio-index: publishes a Jekyll-style content tree into an LMDB
 * environment, in one write transaction.
 */
#define _GNU_SOURCE	/* dl_iterate_phdr */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <link.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "changes.h"
#include "fm.h"
#include "json.h"
#include "log.h"
#include "publish.h"
#include "page.h"
#include "render.h"
#include "site.h"
#include "store.h"
#include "tmpl.h"

#ifndef FOLIO_TEMPLATE_DIR
#define FOLIO_TEMPLATE_DIR "/usr/local/share/folio/templates"
#endif

static const char usage[] =
    "usage: folio-index [options] SITE_DIR DB_DIR\n"
    "       folio-index --front-matter-json FILE\n"
    "       folio-index --render-body FILE [--no-liquid]\n"
    "\n"
    "Publishes the site in SITE_DIR into the LMDB environment DB_DIR\n"
    "(created when missing) in one write transaction.\n"
    "\n"
    "  --brotli             store each response in brotli too (by default\n"
    "                       as it is and in gzip 1; brotli 4 is some 6%\n"
    "                       smaller and takes four times as long)\n"
    "  --changed FILE       the files changed since the last publish, one\n"
    "                       per line or NUL-terminated (git diff --name-only\n"
    "                       [-z]; - for stdin): the folders are not walked\n"
    "  --check              read and render everything, publish nothing\n"
    "  --drafts             include the documents of _drafts\n"
    "  --full               render and rewrite everything, as on a first run\n"
    "  --keep-going         publish despite broken documents: each keeps the\n"
    "                       version published before (exit status 1)\n"
    "  --templates DIR      default templates (" FOLIO_TEMPLATE_DIR ");\n"
    "                       SITE_DIR/_templates overrides them by name\n"
    "  -q, --quiet          print errors only\n"
    "  --front-matter-json FILE  print FILE's front matter as JSON\n"
    "  --render-body FILE   print FILE's body as HTML (Liquid, then Markdown;\n"
    "                       --no-liquid: Markdown alone, as kramdown sees it)\n"
    "  -h, --help           this text\n"
    "  -V, --version        the version\n"
    "\n"
    "Exit status: 0 published, 1 errors in content (nothing published, or\n"
    "with --keep-going everything else published),\n"
    "2 usage, 3 the database could not be written (nothing published).\n";

enum {
	OPT_CHECK = 256, OPT_DRAFTS, OPT_FULL, OPT_TEMPLATES, OPT_FMJSON,
	OPT_BODY, OPT_NOLIQUID, OPT_KEEPGOING, OPT_CHANGED, OPT_BROTLI
};

/*
 * Reads the list of --changed (see changes.h) into so->changed. Returns 0,
 * or -1 (reported as file:line:col: what).
 */
static int
read_changed(const char *file, struct site_opts *so)
{
	struct buf text = BUF_INIT;
	struct ferr e;
	char err[256];
	int c, rc;

	if (strcmp(file, "-") == 0) {
		while ((c = getchar()) != EOF)
			buf_addc(&text, (char)c);
	} else if (buf_read_file(&text, file, 64u << 20, err,
	    sizeof(err)) == -1) {
		log_error("--changed: %s", err);
		return -1;
	}
	rc = changes_parse(text.data != NULL ? text.data : "", text.len,
	    &so->changed, &so->nchanged, &e);
	if (rc == -1)
		log_ferr(strcmp(file, "-") == 0 ? "(stdin)" : file, &e);
	/* An empty list is a list: nothing changed. */
	if (rc == 0 && so->changed == NULL)
		so->changed = xcalloc(1, sizeof(*so->changed));
	buf_release(&text);
	return rc;
}

/*
 * The first publish into a new database writes pages through the map
 * (MDB_WRITEMAP), and data.mdb is a sparse file as long as the map: a
 * block is allocated when a page of a hole is first written, and if the
 * disk is full that store faults with SIGBUS instead of returning ENOSPC.
 * Nothing can be undone from there, and nothing need be: LMDB writes the
 * meta page last, so the last committed site is intact and the next
 * publish starts from it. The message is made before the handler is
 * installed; the handler only write(2)s it and _exit(2)s, both
 * async-signal-safe.
 */
static char bus_msg[768];
static size_t bus_len;

static void
on_bus(int sig)
{
	ssize_t n;

	(void)sig;
	n = write(STDERR_FILENO, bus_msg, bus_len);
	(void)n;
	_exit(3);
}

static void
catch_bus(const char *db_dir)
{
	struct sigaction sa;
	int n;

	n = snprintf(bus_msg, sizeof(bus_msg), "folio-index: %s: a write to "
	    "the database failed (the disk holding it is full?); nothing "
	    "published\n", db_dir);
	if (n < 0 || (size_t)n >= sizeof(bus_msg))
		n = snprintf(bus_msg, sizeof(bus_msg), "folio-index: a write "
		    "to the database failed (the disk holding it is full?); "
		    "nothing published\n");
	bus_len = n > 0 ? (size_t)n : 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_bus;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGBUS, &sa, NULL);
}

/* What main() leaves to the exit (see the end of main()); volatile: the
 * stores must stay for leak checkers to see it reachable. */
static struct site *volatile site_left;
static struct tmpl_set *volatile templates_left;

static void
set_timezone(const struct site *s, void *arg)
{
	(void)arg;
	/* Every local time in the site (permalinks, dates shown) uses it. */
	if (s->tz != NULL && s->tz[0] != '\0')
		setenv("TZ", s->tz, 1);
	tzset();
}

static int
front_matter_json(const char *path)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct fm_doc doc;
	struct ferr e;
	char err[256];
	int rc = 1;

	fm_doc_init(&doc);
	if (buf_read_file(&text, path, FM_MAX_FILE, err, sizeof(err)) == -1) {
		log_at(LOG_LVL_ERROR, path, 0, 0, "%s", err);
		goto out;
	}
	if (fm_parse_doc(text.data, text.len, &doc, &e) == -1) {
		log_ferr(path, &e);
		goto out;
	}
	json_write(&out, doc.fm, 1);
	buf_addc(&out, '\n');
	fwrite(out.data, 1, out.len, stdout);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	fm_doc_release(&doc);
	buf_release(&text);
	buf_release(&out);
	return rc;
}

/*
 * The body of one file as HTML. The file's site, when it is inside one
 * (a parent folder with _config.yml), gives site.* values and the time
 * zone; otherwise an empty configuration.
 */
static int
render_one(const char *path, int liquid)
{
	struct site_opts so;
	struct site *s = NULL;
	struct doc *d;
	struct buf out = BUF_INIT;
	int rc = 1;

	memset(&so, 0, sizeof(so));
	so.configured = set_timezone;
	so.now = (long long)time(NULL);
	so.all = 1;
	s = site_load_file(path, &so, &d);
	if (s == NULL || d == NULL)
		goto out;
	if (page_render_body(s, d, liquid, &out) == 0) {
		fwrite(out.data, 1, out.len, stdout);
		rc = fflush(stdout) == 0 ? 0 : 1;
	}
out:
	site_free(s);
	buf_release(&out);
	return rc;
}

static int
load_templates(struct tmpl_set *ts, const char *defaults, const char *site)
{
	struct buf dir = BUF_INIT;
	const char *epath = NULL;
	struct stat st;
	struct ferr e;
	int rc = -1;

	if (tmpl_set_load_dir(ts, defaults, &e, &epath) == -1) {
		log_ferr(epath != NULL ? epath : defaults, &e);
		goto out;
	}
	buf_printf(&dir, "%s/_templates", site);
	if (stat(dir.data, &st) == 0 && strcmp(dir.data, defaults) != 0 &&
	    tmpl_set_load_dir(ts, dir.data, &e, &epath) == -1) {
		log_ferr(epath != NULL ? epath : dir.data, &e);
		goto out;
	}
	if (tmpl_set_check(ts, &e, &epath) == -1) {
		log_ferr(epath != NULL ? epath : dir.data, &e);
		goto out;
	}
	rc = 0;
out:
	buf_release(&dir);
	return rc;
}

/*
 * Bytes of the content under dir (its "_" folders: collections, drafts,
 * templates; not uploads/ nor assets/, which nginx serves), to size the
 * database map before the first publish: a map too small is found only
 * when it fills, and costs a second pass.
 */
static unsigned long long
tree_bytes(const char *dir, int depth)
{
	struct buf path = BUF_INIT;
	unsigned long long n = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (depth > 16 || (d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || (depth == 0 && de->d_name[0] != '_'))
			continue;
		buf_reset(&path);
		buf_printf(&path, "%s/%s", dir, de->d_name);
		if (lstat(path.data, &st) == -1)
			continue;
		if (S_ISDIR(st.st_mode))
			n += tree_bytes(path.data, depth + 1);
		else if (S_ISREG(st.st_mode))
			n += (unsigned long long)st.st_size;
	}
	closedir(d);
	buf_release(&path);
	return n;
}

struct gnu_id {
	uint64_t h;
	int found;
};

/* Mixes the GNU build ID of the program (the first object) into arg. */
static int
gnu_id_of(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct gnu_id *id = arg;
	const ElfW(Nhdr) *n;
	const char *p, *end;
	size_t i, al, nsz, dsz;

	(void)size;
	for (i = 0; i < info->dlpi_phnum; i++) {
		if (info->dlpi_phdr[i].p_type != PT_NOTE)
			continue;
		al = info->dlpi_phdr[i].p_align == 8 ? 8 : 4;
		p = (const char *)(info->dlpi_addr +
		    info->dlpi_phdr[i].p_vaddr);
		end = p + info->dlpi_phdr[i].p_memsz;
		while ((size_t)(end - p) >= sizeof(*n)) {
			n = (const ElfW(Nhdr) *)(const void *)p;
			nsz = (n->n_namesz + al - 1) & ~(al - 1);
			dsz = (n->n_descsz + al - 1) & ~(al - 1);
			if ((size_t)(end - p) - sizeof(*n) < nsz ||
			    (size_t)(end - p) - sizeof(*n) - nsz < dsz)
				break;
			if (n->n_type == NT_GNU_BUILD_ID &&
			    n->n_namesz == 4 && n->n_descsz >= 8 &&
			    memcmp(p + sizeof(*n), "GNU", 4) == 0) {
				id->h = store_hash(id->h, p + sizeof(*n) + nsz,
				    n->n_descsz);
				id->found = 1;
				return 1;
			}
			p += sizeof(*n) + nsz + dsz;
		}
	}
	return 1;
}

/*
 * This build of the program, so that any change to the code (a new
 * version, a rebuild with a fix) renders everything again instead of
 * trusting what an older build stored: the GNU build ID the linker puts
 * in the program (a hash of its bytes; Debian's compiler asks for one),
 * or without one, a hash of the executable.
 */
static uint64_t
build_id(void)
{
	struct gnu_id id;
	uint64_t h = store_hash(STORE_FNV0, FOLIO_VERSION,
	    strlen(FOLIO_VERSION)), w;
	const unsigned char *m;
	struct stat st;
	size_t i;
	int fd;

	id.h = h;
	id.found = 0;
	dl_iterate_phdr(gnu_id_of, &id);
	if (id.found)
		return id.h;
	/*
	 * Every publish reads the whole executable: eight bytes at a time
	 * through a mapping, not a byte at a time through a copy.
	 */
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return h;
	if (fstat(fd, &st) == 0 && st.st_size > 0 &&
	    (m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
	    0)) != MAP_FAILED) {
		for (i = 0; i + 8 <= (size_t)st.st_size; i += 8) {
			memcpy(&w, m + i, 8);
			h = (h ^ w) * 0xff51afd7ed558ccdULL;
			h ^= h >> 32;
		}
		h = store_hash(h, m + i, (size_t)st.st_size - i);
		munmap((void *)m, (size_t)st.st_size);
	}
	close(fd);
	return h;
}

/*
 * A publish reads a few big records (the site index, the ledger) and
 * makes a stub per document: tens of MB of memory touched once. They come
 * from the heap, not a mapping each, and freed memory is kept for reuse
 * rather than handed back and faulted in again. The first HEAP_HUGE of
 * the heap is asked for in transparent huge pages (where the kernel gives
 * them on request, its "madvise" mode): faulting it in 4 KB at a time was
 * a third of an incremental publish of the benchmark site (52 ms against
 * 33 ms, measured with glibc's own switch, glibc.malloc.hugetlb=1). A
 * full publish, which grows the heap far past it, peaks about 5% higher.
 */
#define HEAP_HUGE (96UL << 20)
#define HUGE_PAGE (2UL << 20)

static void
heap_setup(void)
{
	uintptr_t lo, hi;
	char *p;

	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
	/* Grows the heap by HEAP_HUGE, then gives it back to the top. */
	p = malloc(HEAP_HUGE);
	if (p == NULL)
		return;
	lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	hi = ((uintptr_t)p + HEAP_HUGE) & ~(uintptr_t)(HUGE_PAGE - 1);
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
	free(p);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "brotli", no_argument, NULL, OPT_BROTLI },
		{ "changed", required_argument, NULL, OPT_CHANGED },
		{ "check", no_argument, NULL, OPT_CHECK },
		{ "drafts", no_argument, NULL, OPT_DRAFTS },
		{ "full", no_argument, NULL, OPT_FULL },
		{ "keep-going", no_argument, NULL, OPT_KEEPGOING },
		{ "templates", required_argument, NULL, OPT_TEMPLATES },
		{ "front-matter-json", required_argument, NULL, OPT_FMJSON },
		{ "render-body", required_argument, NULL, OPT_BODY },
		{ "no-liquid", no_argument, NULL, OPT_NOLIQUID },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct publish_opts po;
	struct publish_stats ps;
	struct site_opts so;
	struct site *s = NULL;
	struct tmpl_set *ts = NULL;
	struct pub *pub = NULL;
	struct buf dbfile = BUF_INIT, plan = BUF_INIT, dirs = BUF_INIT;
	struct doc **changed;
	size_t map_size = 0, nchanged;
	const char *templates = FOLIO_TEMPLATE_DIR;
	char err[512], walked[64];
	double t0 = now_ms();
	const char *body = NULL, *changed_file = NULL;
	int c, quiet = 0, liquid = 1, nerr, prc, rc = 1, patched;

	heap_setup();
	memset(&po, 0, sizeof(po));
	memset(&so, 0, sizeof(so));
	while ((c = getopt_long(argc, argv, "qhV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CHANGED:
			changed_file = optarg;
			break;
		case OPT_BROTLI:
			po.brotli = 1;
			break;
		case OPT_CHECK:
			po.check_only = 1;
			break;
		case OPT_DRAFTS:
			so.drafts = 1;
			break;
		case OPT_FULL:
			po.full = 1;
			so.full = 1;
			break;
		case OPT_KEEPGOING:
			so.keep_going = 1;
			break;
		case OPT_TEMPLATES:
			templates = optarg;
			break;
		case OPT_FMJSON:
			return front_matter_json(optarg);
		case OPT_BODY:
			body = optarg;
			break;
		case OPT_NOLIQUID:
			liquid = 0;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		case 'V':
			printf("folio-index %s\n", FOLIO_VERSION);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (body != NULL)
		return render_one(body, liquid);
	if (argc - optind != 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (quiet)
		log_set_level(LOG_LVL_WARN);
	po.progress = !quiet && isatty(STDERR_FILENO);
	catch_bus(argv[optind + 1]);
	so.now = (long long)time(NULL);
	so.configured = set_timezone;
	so.build = build_id();
	so.wait_dirs = 1;
	if (changed_file != NULL && read_changed(changed_file, &so) == -1) {
		rc = 2;
		goto out;
	}
	/*
	 * Templates are checked before the database is even opened: a
	 * broken template publishes nothing.
	 */
	/* The folders are walked while the templates are read and the
	 * database opened. */
	s = site_open(argv[optind], &so);
	ts = tmpl_set_new();
	if (load_templates(ts, templates, argv[optind]) == -1) {
		log_error("nothing published");
		goto out;
	}
	/*
	 * Responses, their two compressed variants, the renderings kept for
	 * the next publish, and the old site until the commit: about twelve
	 * times the content, measured on the synthetic sites of bench/index.
	 */
	buf_printf(&dbfile, "%s/data.mdb", argv[optind + 1]);
	if (access(dbfile.data, F_OK) != 0) {	/* later: its own size */
		/* A new database has no stamps of folders: walk now. */
		site_give_dirs(s, &dirs);
		map_size = (size_t)(tree_bytes(argv[optind], 0) * 12);
	}
	for (;;) {
		if (pub_open(&pub, argv[optind + 1], &po, map_size, err,
		    sizeof(err)) == -1) {
			log_error("%s; nothing published", err);
			rc = 3;
			goto out;
		}
		so.pub = pub;
		if (s == NULL)		/* again, with a larger map */
			s = site_open(argv[optind], &so);
		/* The walk waits for these, the ledger does not. */
		if (so.changed != NULL ||
		    pub_index_get(pub, SITE_DIRS_KEY, &dirs) != 0)
			buf_reset(&dirs);
		site_give_dirs(s, &dirs);
		pub_load(pub);
		site_read(s, &so);
		if (so.changed != NULL && s->walked && !quiet)
			log_info("--changed: the folders were walked (no site "
			    "index of this configuration and these options, "
			    "or a document dated in the future is due)");
		nerr = s->nerrors;
		patched = -1;
		if (nerr == 0 && !po.check_only &&
		    site_same_shape(s, &changed, &nchanged)) {
			patched = render_patch(s, ts, pub, changed, nchanged);
			free(changed);
			if (patched >= 0) {
				nerr += patched;
				if (!quiet)
					log_info("%zu document%s changed, none "
					    "moved: only what shows %s was "
					    "rendered", nchanged, nchanged == 1 ?
					    "" : "s", nchanged == 1 ? "it" :
					    "them");
			}
		}
		if (nerr == 0 && patched < 0) {
			nerr += site_sketch_all(s);
			if (nerr == 0)
				nerr += render_site(s, ts, pub, &plan);
		}
		if (nerr == 0) {
			site_index_store(s, pub);
			if (patched < 0)
				pub_index_put(pub, RENDER_PLAN_KEY, plan.data,
				    plan.len);
		}
		/* A failed publish (map full) is retried below, not blamed on
		 * the content. */
		if (nerr > 0 && !pub_failed(pub)) {
			pub_abort(pub);
			log_error("%d error%s; nothing published", nerr,
			    nerr > 1 ? "s" : "");
			goto out;
		}
		prc = pub_commit(pub, &ps, err, sizeof(err));
		if (prc != PUB_MAP_FULL)
			break;
		/* Nothing was written: grow the map and start over. */
		map_size = ps.map_size;
		if (!quiet)
			log_info("growing the database map to %zu MiB",
			    map_size >> 20);
		site_free(s);
		s = NULL;
	}
	if (prc == PUB_CONFLICT) {
		fprintf(stderr, "%s\n", err);
		log_error("nothing published");
		goto out;
	}
	if (prc != 0) {
		log_error("%s; nothing published", err);
		rc = 3;
		goto out;
	}
	if (s->walked)
		snprintf(walked, sizeof(walked), "; %zu of %zu folders read",
		    s->ndirs_read, s->ndirs);
	else
		snprintf(walked, sizeof(walked), "; folders not walked");
	if (!quiet || s->nbroken > 0)
		log_msg(s->nbroken > 0 ? LOG_LVL_WARN : LOG_LVL_INFO,
		    "%s %zu documents (%zu read, %zu unchanged%s)%s: "
		    "%zu responses, %zu rendered, %zu changed, %zu deleted, "
		    "%.1f KiB written, %.0f ms",
		    po.check_only ? "checked" : "published", s->ndocs,
		    s->ndocs - s->ncached, s->ncached, walked,
		    s->nbroken > 0 ? " (some broken: see above)" : "",
		    ps.outputs, ps.rendered, ps.written, ps.deleted,
		    ps.bytes_written / 1024.0, now_ms() - t0);
	rc = s->nbroken > 0 ? 1 : 0;
	/*
	 * Published: the process ends here, and handing the whole site back
	 * to the allocator one value at a time would cost more than the rest
	 * of a small incremental publish. It stays reachable for leak
	 * checkers, and the system takes it back at exit.
	 */
	site_left = s;
	templates_left = ts;
	s = NULL;
	ts = NULL;
out:
	buf_release(&dbfile);
	buf_release(&plan);
	buf_release(&dirs);
	tmpl_set_free(ts);
	site_free(s);
	changes_free(so.changed, so.nchanged);
	return rc;
}
