#include <string.h>

#include "store.h"
#include "t.h"

int
main(void)
{
	struct store_page_in in;
	struct store_page p;
	struct buf rec = BUF_INIT;
	unsigned char key[STORE_AGENDA_KEY_LEN], key2[STORE_AGENDA_KEY_LEN];
	int64_t e, s;

	memset(&in, 0, sizeof(in));
	in.status = 200;
	in.cache = STORE_CACHE_SHORT;
	in.last_modified = 1579079640;
	in.ctype = "text/html; charset=utf-8";
	in.nvariants = 2;
	in.v[0].body = "<p>hello</p>";
	in.v[0].body_len = 12;
	in.v[0].enc = STORE_ENC_IDENTITY;
	in.v[1].body = "gz";
	in.v[1].body_len = 2;
	in.v[1].enc = STORE_ENC_GZIP;
	OK(store_page_build(&rec, &in) == 0, "record builds");
	OK(store_page_parse(rec.data, rec.len, &p) == 0, "record parses");
	EQI(p.status, 200, "status round-trips");
	EQI(p.cache, STORE_CACHE_SHORT, "cache class round-trips");
	EQI(p.last_modified, 1579079640, "last-modified round-trips");
	OK(p.ctype_len == strlen(in.ctype) &&
	    memcmp(p.ctype, in.ctype, p.ctype_len) == 0, "content type");
	OK(p.location == NULL, "no location");
	OK(p.v[0].body_len == 12 && memcmp(p.v[0].body, "<p>hello</p>", 12) == 0,
	    "identity body");
	OK(p.v[1].enc == STORE_ENC_GZIP && p.v[1].etag_len > 0 &&
	    p.v[1].etag[p.v[1].etag_len - 2] == 'z', "gzip variant and etag");
	OK(p.v[0].etag[0] == '"' && p.v[0].etag[p.v[0].etag_len - 1] == '"',
	    "etag is quoted");

	OK(store_page_parse(rec.data, 10, &p) == -1, "truncated record refused");
	OK(store_page_parse(rec.data, rec.len - 1, &p) == -1,
	    "record cut short of its body refused");
	rec.data[0] ^= 1;
	OK(store_page_parse(rec.data, rec.len, &p) == -1, "bad magic refused");

	store_agenda_key(key, -5, 10);
	store_agenda_key(key2, 3, 0);
	OK(memcmp(key, key2, sizeof(key)) < 0, "negative times sort first");
	store_agenda_key_times(key, &e, &s);
	OK(e == -5 && s == 10, "agenda key times round-trip");
	buf_release(&rec);
	return T_DONE();
}
