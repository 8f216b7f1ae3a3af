/*
 * value: the tree that front matter, _config.yml and template contexts are
 * made of. Every node remembers where it came from (line and column, 1-based;
 * 0 for nodes built in code), so errors about content can point at it.
 *
 * Ownership: a tree owns all its nodes and strings; value_free() frees a node
 * and everything below it. Pointers returned by lookups are borrowed and stay
 * valid while the tree is not modified or freed.
 */
#ifndef FOLIO_VALUE_H
#define FOLIO_VALUE_H

#include <stddef.h>

#include "buf.h"

enum value_type {
	VAL_NULL,
	VAL_BOOL,
	VAL_INT,
	VAL_FLOAT,
	VAL_STR,
	VAL_TIME,
	VAL_SEQ,
	VAL_MAP
};

/* A point in time with the UTC offset it was written with. */
struct vtime {
	long long secs;		/* seconds since the epoch, UTC */
	int offset;		/* offset from UTC in seconds, as written */
	int date_only;		/* written as YYYY-MM-DD */
};

struct value;

struct value_pair {
	char *key;		/* owned, NUL-terminated */
	size_t key_len;
	struct value *val;	/* owned */
};

struct value {
	enum value_type type;
	unsigned line, col;
	union {
		int b;
		long long i;
		double f;
		struct {
			char *p;	/* owned, NUL-terminated */
			size_t len;
		} s;
		struct vtime t;
		struct {
			struct value **items;
			size_t n, cap;
		} seq;
		struct {
			struct value_pair *items;
			size_t n, cap;
		} map;
	} u;
};

struct value *value_new(enum value_type type, unsigned line, unsigned col);
struct value *value_new_str(const char *p, size_t len);
struct value *value_new_cstr(const char *s);
struct value *value_new_int(long long i);
struct value *value_new_bool(int b);
struct value *value_new_time(struct vtime t);
void value_free(struct value *v);
/* A deep copy. */
struct value *value_clone(const struct value *v);

/* Appends item (taking ownership) to a VAL_SEQ. */
void value_seq_push(struct value *seq, struct value *item);
/*
 * Sets key in a VAL_MAP, taking ownership of val; an existing entry with
 * the same key is replaced (its old value freed). Order of first insertion
 * is kept.
 */
void value_map_set(struct value *map, const char *key, size_t key_len,
    struct value *val);
/*
 * Removes key from a VAL_MAP and hands its value to the caller (not freed),
 * or returns NULL when there is no such key. Lets a caller lend a tree to a
 * map for a while and take it back.
 */
struct value *value_map_take(struct value *map, const char *key);
/* The value under key, or NULL when v is not a map or has no such key. */
struct value *value_map_get(const struct value *v, const char *key);
struct value *value_map_getn(const struct value *v, const char *key,
    size_t key_len);
/*
 * Follows a dotted path ("site.title", "page.acces") through maps.
 * NULL when any step is missing.
 */
struct value *value_path(const struct value *v, const char *path);

/*
 * Deep merge: every key of src missing from dst is copied into dst; where
 * both hold maps the merge recurses. dst's own values win (Jekyll's
 * front matter defaults are merged under the document's values).
 */
void value_merge_under(struct value *dst, const struct value *src);

/*
 * Appends a scalar as text: a string as it is, an integer in decimal, a
 * float with %g, a boolean as true/false. Returns 0, or -1 (nothing
 * appended) for null, times, lists and maps.
 */
int value_text(struct buf *out, const struct value *v);
/* The string of a VAL_STR, or NULL. */
const char *value_str(const struct value *v);
/* Truthiness as Mustache and Liquid see it: null, false, "" and [] are false. */
int value_truthy(const struct value *v);
int value_is_map(const struct value *v);
int value_is_seq(const struct value *v);

#endif
