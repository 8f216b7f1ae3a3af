/*
 * buf: the one growable byte buffer, and the xmalloc family.
 *
 * A struct buf is always NUL-terminated once it has been written to (data
 * may be NULL while len == 0 and nothing was added). Growth is checked for
 * overflow; out of memory ends the process, so callers never test for NULL.
 */
#ifndef FOLIO_BUF_H
#define FOLIO_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

/* A borrowed view: not owned, not necessarily NUL-terminated. */
struct str {
	const char *p;
	size_t len;
};

#define BUF_INIT { NULL, 0, 0 }

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* xreallocarray: realloc to nmemb * size, fatal on overflow */
void *xreallocarray(void *p, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

void buf_init(struct buf *b);
/* Frees the storage; the buffer is then empty and reusable. */
void buf_release(struct buf *b);
/* Empties the buffer but keeps its storage. */
void buf_reset(struct buf *b);
/* Makes room for at least n more bytes (plus the NUL). */
void buf_grow(struct buf *b, size_t n);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addstr(struct buf *b, struct str s);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Cuts the buffer to len bytes (len <= b->len). */
void buf_truncate(struct buf *b, size_t len);
/* Hands the storage to the caller (free() it); the buffer is left empty. */
char *buf_detach(struct buf *b, size_t *lenp);
/* Always a valid C string, "" when nothing was added. */
const char *buf_cstr(const struct buf *b);

struct str str_make(const char *p, size_t len);
struct str str_from(const char *s);
int str_eq(struct str a, const char *s);
int str_starts(struct str a, const char *prefix);
/* The first occurrence of needle (nlen bytes) in hay (hlen), or NULL. */
const char *mem_find(const char *hay, size_t hlen, const char *needle,
    size_t nlen);

/*
 * Reads a whole file into b (replacing its content). Refuses files larger
 * than max bytes. Returns 0, or -1 with a message in err (errsz bytes).
 */
int buf_read_file(struct buf *b, const char *path, size_t max, char *err,
    size_t errsz);

#endif
