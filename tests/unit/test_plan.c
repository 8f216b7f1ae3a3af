#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "plan.h"
#include "store.h"
#include "t.h"

/* A plan of three documents, one tag (two of them), no category. */
static void
make(struct buf *b, const struct plan_head *h)
{
	static const size_t newest[] = { 2, 0, 1 }, tag[] = { 2, 1 };
	struct plan_doc docs[3];
	size_t at;

	memset(docs, 0, sizeof(docs));
	docs[1].event = 1;
	docs[1].start = 1700000000;
	docs[1].end = 1700003600;
	plan_begin(b, h, newest, docs);
	at = plan_section(b);
	plan_term(b, "open-data", "Open data", tag, 2);
	plan_section_end(b, at, 1);
	at = plan_section(b);
	plan_section_end(b, at, 0);
}

int
main(void)
{
	struct plan_head h = { 11, 22, 33, 3 }, other = h, got;
	struct buf b = BUF_INIT, bad = BUF_INIT;
	struct plan p;
	struct plan_doc d;
	struct plan_cursor c;
	struct plan_term t;
	size_t cut;
	int fails;

	make(&b, &h);
	OK(plan_parse(b.data, b.len, &h, &p) == 0, "a plan parses");
	EQI(plan_newest(&p, 0), 2, "the newest document");
	EQI(plan_newest(&p, 2), 1, "the oldest document");
	plan_doc_get(&p, 1, &d);
	OK(d.event == 1 && d.start == 1700000000 && d.end == 1700003600,
	    "an event and its times");
	plan_doc_get(&p, 0, &d);
	OK(d.event == 0, "not an event");
	plan_terms(&p, 0, &c);
	OK(plan_next(&c, &t) == 1 && t.slug.len == 9 &&
	    memcmp(t.slug.p, "open-data", 9) == 0 && t.name.len == 9 &&
	    t.n == 2 && plan_term_doc(&t, 0) == 2 &&
	    plan_term_doc(&t, 1) == 1, "a tag, its name and documents");
	OK(plan_next(&c, &t) == 0, "one tag only");
	plan_terms(&p, 1, &c);
	OK(plan_next(&c, &t) == 0, "no category");

	memset(&got, 0, sizeof(got));
	OK(plan_head_read(b.data, b.len, &got) == 0 && got.cfg == 11 &&
	    got.templates == 22 && got.urls == 33 && got.ndocs == 3,
	    "the head a plan was made for");
	OK(plan_head_read(b.data, 31, &got) == -1, "a head cut short: refused");
	buf_add(&bad, b.data, b.len);
	bad.data[3] = '0';
	OK(plan_head_read(bad.data, bad.len, &got) == -1,
	    "another magic: refused");
	buf_reset(&bad);

	other.templates = 23;
	OK(plan_parse(b.data, b.len, &other, &p) == -1,
	    "another set of templates: not this plan");
	other = h;
	other.ndocs = 4;
	OK(plan_parse(b.data, b.len, &other, &p) == -1,
	    "another number of documents: not this plan");

	for (fails = 0, cut = 0; cut < b.len; cut++)
		fails += plan_parse(b.data, cut, &h, &p) == -1;
	EQI(fails, b.len, "cut anywhere: refused");

	buf_add(&bad, b.data, b.len);
	buf_addc(&bad, 0);
	OK(plan_parse(bad.data, bad.len, &h, &p) == -1,
	    "a byte more: refused");

	buf_reset(&bad);
	buf_add(&bad, b.data, b.len);
	store_put32((unsigned char *)bad.data + 32 + 4, 2);	/* 2, 2, 1 */
	OK(plan_parse(bad.data, bad.len, &h, &p) == -1,
	    "an order naming a document twice: refused");

	buf_reset(&bad);
	buf_add(&bad, b.data, b.len);
	store_put32((unsigned char *)bad.data + 32 + 4, 7);
	OK(plan_parse(bad.data, bad.len, &h, &p) == -1,
	    "an order naming no document: refused");

	buf_reset(&bad);
	buf_add(&bad, b.data, b.len);
	/* the tag's last document: 4 bytes before the empty section */
	store_put32((unsigned char *)bad.data + bad.len - 8, 3);
	OK(plan_parse(bad.data, bad.len, &h, &p) == -1,
	    "a tag naming no document: refused");

	buf_release(&b);
	buf_release(&bad);
	return T_DONE();
}
