/*
 * store: the LMDB layout shared by folio-index (writer) and folio-fcgi
 * (readers). Everything the worker needs to answer a request is stored as it
 * goes on the wire, so a hit is one lookup and a write from the map.
 *
 * Environment: a directory (data.mdb, lock.mdb) with these named databases:
 *   "pages"   key: the canonical URL path ("/agenda/x/", "/feed.xml")
 *             value: a page record (below)
 *   "agenda"  key: STORE_AGENDA_KEY_LEN bytes: end time, start time (both
 *             big-endian, biased so that signed times sort), then the page
 *             URL; value: a fragment record (below): the event's list item
 *             for the agenda pages and its VEVENT for /agenda.ics
 *   "meta"    key: a name; value: bytes. Holds the agenda page frames, the
 *             indexer's content hashes, the schema version.
 *
 * Page record, all integers little-endian, no alignment assumed:
 *   0  u32 magic STORE_MAGIC
 *   4  u16 status (200, 301, 404)
 *   6  u8  cache class (enum store_cache)
 *   7  u8  number of variants (1..STORE_MAX_VARIANTS)
 *   8  i64 last modified (seconds since the epoch)
 *  16  u32 offset, u32 length of the Content-Type value
 *  24  u32 offset, u32 length of the Location value (0, 0 when none)
 *  32  variants, 16 bytes each: u32 body offset, u32 body length,
 *      u32 ETag offset, u16 ETag length, u8 encoding, u8 reserved
 *  then the strings and bodies the offsets point at.
 * Offsets count from the start of the record. The ETag is stored with its
 * quotes, ready for the header.
 */
#ifndef FOLIO_STORE_H
#define FOLIO_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define STORE_MAGIC 0x314c4f46u	/* "FOL1" */
#define STORE_SCHEMA "folio-1"
#define STORE_MAX_VARIANTS 3
#define STORE_MAXREADERS 1022
#define STORE_MAXDBS 8
#define STORE_MAX_KEY 511		/* LMDB's default key size limit */
#define STORE_AGENDA_KEY_LEN 16

/*
 * The home page is a frame too (in "meta"): the worker writes the next
 * STORE_HOME_EVENTS upcoming events' list items between its head and tail.
 */
#define STORE_META_HOME_HEAD "home:head"
#define STORE_META_HOME_TAIL "home:tail"
#define STORE_HOME_EVENTS 3

enum store_enc {
	STORE_ENC_IDENTITY = 0,
	STORE_ENC_GZIP = 1,
	STORE_ENC_BR = 2
};

enum store_cache {
	STORE_CACHE_PAGE = 0,	/* changes only when content changes */
	STORE_CACHE_SHORT = 1,	/* depends on the time of the request */
	STORE_CACHE_ASSET = 2	/* long-lived */
};

struct store_variant {
	const char *body;
	uint32_t body_len;
	const char *etag;
	uint16_t etag_len;
	uint8_t enc;
};

/* A parsed page record: every pointer points into the record's bytes. */
struct store_page {
	uint16_t status;
	uint8_t cache;
	uint8_t nvariants;
	int64_t last_modified;
	const char *ctype;
	uint32_t ctype_len;
	const char *location;
	uint32_t location_len;
	struct store_variant v[STORE_MAX_VARIANTS];
};

/*
 * Parses a record of len bytes at data (typically straight from the map;
 * nothing is copied). Returns 0, or -1 when the record is malformed (bad
 * magic, offsets out of range): the caller treats that as a server error.
 */
int store_page_parse(const void *data, size_t len, struct store_page *p);

/* What the indexer gives to build a record. */
struct store_page_in {
	uint16_t status;
	uint8_t cache;
	int64_t last_modified;
	const char *ctype;		/* NUL-terminated */
	const char *location;		/* NULL when none */
	uint8_t nvariants;
	struct {
		const char *body;
		size_t body_len;
		uint8_t enc;
	} v[STORE_MAX_VARIANTS];
};

/*
 * Serialises a record into out (replacing its content). ETags are computed
 * from the bytes of each variant's body, so equal content always gets equal
 * ETags. Returns 0, or -1 when a body is too large for the format.
 */
int store_page_build(struct buf *out, const struct store_page_in *in);

/* A strong ETag for len bytes at p: "\"" 16 hex digits [-gz|-br] "\"". */
void store_etag(char out[24], const void *p, size_t len, uint8_t enc);

/*
 * 64-bit XXH3 of len bytes: for bodies and files, where FNV-1a's byte at a
 * time shows (a full publish hashes some 300 MB).
 */
uint64_t store_digest(const void *p, size_t len);

/* 64-bit FNV-1a over len bytes, continuing from h (start with STORE_FNV0). */
#define STORE_FNV0 0xcbf29ce484222325ULL
uint64_t store_hash(uint64_t h, const void *p, size_t len);

/* Agenda keys: end and start times, then the URL (not counted in LEN). */
void store_agenda_key(unsigned char out[STORE_AGENDA_KEY_LEN], int64_t end,
    int64_t start);
void store_agenda_key_times(const unsigned char *key, int64_t *end,
    int64_t *start);

/* Little-endian helpers for record fields, safe on unaligned data. */
uint16_t store_get16(const unsigned char *p);
uint32_t store_get32(const unsigned char *p);
uint64_t store_get64(const unsigned char *p);
void store_put16(unsigned char *p, uint16_t v);
void store_put32(unsigned char *p, uint32_t v);
void store_put64(unsigned char *p, uint64_t v);

/*
 * Agenda fragments and frames.
 *
 * Each event is one entry in the "agenda" DB. Key: store_agenda_key()'s 16
 * bytes (end, then start) followed by the event's URL, so that the URL keeps
 * keys unique. An event without an end is stored with end == start: the
 * worker lists an event as upcoming while its end is at or after the moment
 * of the request, in key order (soonest end first); the others, latest first,
 * on the "passes" pages.
 *
 * Fragment value, integers little-endian:
 *   0  u32 magic STORE_FRAG_MAGIC
 *   4  u32 offset, u32 length of the HTML list item (as it goes on the wire)
 *  12  u32 offset, u32 length of the VEVENT text (CRLF line ends, folded)
 *  then the bytes the offsets point at, counted from the start of the value.
 *
 * Frames, in the "meta" DB, raw bytes sent as they are:
 *   STORE_META_AGENDA_HEAD / _TAIL     /agenda/ and /agenda/page/N/
 *   STORE_META_AGENDA_EMPTY            between head and tail when no event
 *   STORE_META_PASSES_HEAD / _TAIL / _EMPTY   /agenda/passes/ (and pages)
 *   STORE_META_NAV_PREV / _NEXT        after the items, when there is a
 *                                      previous / next page; every "{url}"
 *                                      in them becomes that page's path
 *   STORE_META_ICS_HEAD / _TAIL        /agenda.ics (every upcoming VEVENT)
 *   STORE_META_PAGE_SIZE               items per page, decimal ASCII (1..1000)
 * The worker serves the agenda routes only when STORE_META_AGENDA_HEAD
 * exists; otherwise those paths are looked up in "pages" like any other.
 */
#define STORE_FRAG_MAGIC 0x31474146u	/* "FAG1" */
#define STORE_FRAG_HDR 20

#define STORE_META_AGENDA_HEAD "agenda:head"
#define STORE_META_AGENDA_TAIL "agenda:tail"
#define STORE_META_AGENDA_EMPTY "agenda:empty"
#define STORE_META_PASSES_HEAD "agenda-passes:head"
#define STORE_META_PASSES_TAIL "agenda-passes:tail"
#define STORE_META_PASSES_EMPTY "agenda-passes:empty"
#define STORE_META_NAV_PREV "agenda:nav-prev"
#define STORE_META_NAV_NEXT "agenda:nav-next"
#define STORE_META_ICS_HEAD "agenda.ics:head"
#define STORE_META_ICS_TAIL "agenda.ics:tail"
#define STORE_META_PAGE_SIZE "agenda:page-size"
#define STORE_AGENDA_PAGE_SIZE 20	/* when STORE_META_PAGE_SIZE is absent */
#define STORE_AGENDA_PAGE_MAX 1000

/* A parsed fragment: pointers into the value's bytes. */
struct store_frag {
	const char *html;
	uint32_t html_len;
	const char *ics;
	uint32_t ics_len;
};

/* Parses a fragment value (nothing copied). Returns 0, or -1 if malformed. */
int store_frag_parse(const void *data, size_t len, struct store_frag *f);

/*
 * Serialises a fragment into out (replacing its content). Returns 0, or -1
 * when the parts are too large for the format.
 */
int store_frag_build(struct buf *out, const char *html, size_t html_len,
    const char *ics, size_t ics_len);

/*
 * Builds a whole agenda key into out (replacing its content): the 16 time
 * bytes, then url. Returns 0, or -1 when the key would pass STORE_MAX_KEY.
 */
int store_agenda_key_build(struct buf *out, int64_t end, int64_t start,
    const char *url, size_t url_len);

/*
 * Parses a page size frame (decimal ASCII, surrounding blanks allowed).
 * Returns the size, or STORE_AGENDA_PAGE_SIZE when p is NULL or the text is
 * not a number in 1..STORE_AGENDA_PAGE_MAX.
 */
unsigned store_page_size(const char *p, size_t len);

#endif
