/*
 * kd: the pieces of the kramdown-compatible renderer that markdown.c is
 * built from. Internal to common/: the public API is markdown.h.
 *
 * kd_pre (kd_pre.c) rewrites a body, line by line, into the text md4c
 * parses: block IAL lines, ALD lines and footnote definitions are taken
 * out, block HTML is cut out up to its closing tag, and each place where
 * one of them stood gets a marker line md4c sees as an ATX heading whose
 * text is "\x01" KD_MARK_* number, so that it interrupts paragraphs and
 * lists at the same spot kramdown's parser would stop them.
 */
#ifndef FOLIO_KD_H
#define FOLIO_KD_H

#include <stddef.h>

#include "buf.h"

#define KD_MARK		'\x01'
#define KD_MARK_IAL	'I'
#define KD_MARK_RAW	'R'

/* An attribute list; class values accumulate, other keys are replaced. */
struct kd_attr {
	char *key;
	char *val;
};
struct kd_attrs {
	struct kd_attr *v;
	size_t n, cap;
};

enum kd_ial_where { KD_IAL_PREV, KD_IAL_NEXT };

struct kd_ial {
	enum kd_ial_where where;
	struct kd_attrs a;
};

/* A block HTML region, copied from the input (or rendered, markdown="1"). */
struct kd_raw {
	size_t off, len;	/* the whole region in kd_pre.src */
	size_t name_end;	/* offset just after the tag name, 0 if none */
	int markdown;		/* markdown="1": render the inside */
	size_t in_off, in_len;	/* the inside, for markdown="1" */
};

struct kd_fn {
	char *name;
	char *text;		/* the definition's Markdown */
	int nr;			/* 0 until referenced */
};

struct kd_ald {
	char *name;
	char *attrs;		/* unparsed */
};

struct kd_pre {
	const char *src;	/* the input (borrowed) */
	size_t src_len;
	struct buf text;	/* what md4c parses */
	struct kd_ial *ials;
	size_t nials, cials;
	struct kd_raw *raws;
	size_t nraws, craws;
	struct kd_fn *fns;
	size_t nfns, cfns;
	struct kd_ald *alds;
	size_t nalds, calds;
};

void kd_pre_run(struct kd_pre *p, const char *src, size_t len);
void kd_pre_free(struct kd_pre *p);
/* The footnote named name (len bytes), or NULL. */
struct kd_fn *kd_pre_fn(struct kd_pre *p, const char *name, size_t len);

/* Parses an IAL body ("{:" and "}" removed) into a, merging. */
void kd_attrs_parse(struct kd_attrs *a, const char *s, size_t len,
    const struct kd_pre *p);
void kd_attrs_set(struct kd_attrs *a, const char *key, const char *val,
    size_t vlen);
const char *kd_attrs_get(const struct kd_attrs *a, const char *key);
void kd_attrs_merge(struct kd_attrs *dst, const struct kd_attrs *src);
/* Appends ' key="value"' for each attribute. */
void kd_attrs_write(struct buf *out, const struct kd_attrs *a);
void kd_attrs_free(struct kd_attrs *a);

/* HTML escaping: &, <, > (and " when attr). */
void kd_escape(struct buf *out, const char *s, size_t n, int attr);

/*
 * kd_typo.c: a run of plain text (one kramdown text scan) written as
 * kramdown writes it: smart quotes, typographic symbols, escaped. lit[i]
 * set marks a byte written with a backslash escape (never a quote or a
 * symbol). The characters produced (unescaped) are appended to plain
 * when it is not NULL.
 */
void kd_typo(struct buf *out, struct buf *plain, const char *s, size_t n,
    const unsigned char *lit);
/* The GFM header id base (before the -N suffix) of a heading's text. */
void kd_gfm_id(struct buf *id, const char *s, size_t n);
/* Decodes an entity ("&...;") into its UTF-8 bytes; -1 if unknown. */
int kd_entity(struct buf *out, const char *s, size_t n);

/* Is name (len bytes, any case) one of kramdown's HTML block elements? */
int kd_html_block_name(const char *name, size_t len);
int kd_html_span_name(const char *name, size_t len);
int kd_html_void_name(const char *name, size_t len);

#endif
