/*
 * fm-json FILE: prints the front matter of FILE as JSON (pretty, as
 * Jekyll's Ruby writes it), or "null" when FILE has none. Bad input: exit
 * 1 with "FILE:line:col: what" on stderr.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "fm.h"
#include "json.h"
#include "log.h"

int
main(int argc, char **argv)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	struct fm_doc doc;
	struct ferr e;
	char err[256];
	int rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: fm-json FILE\n");
		return 2;
	}
	memset(&e, 0, sizeof(e));
	fm_doc_init(&doc);
	if (buf_read_file(&text, argv[1], FM_MAX_FILE, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", argv[1], err);
		goto out;
	}
	if (fm_parse_doc(buf_cstr(&text), text.len, &doc, &e) == -1) {
		if (e.line > 0)
			fprintf(stderr, "%s:%u:%u: %s\n", argv[1], e.line,
			    e.col, e.msg);
		else
			fprintf(stderr, "%s: %s\n", argv[1], e.msg);
		goto out;
	}
	if (doc.has_fm)
		json_write(&out, doc.fm, 1);
	else
		buf_adds(&out, "null");
	buf_addc(&out, '\n');
	fwrite(out.data, 1, out.len, stdout);
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	fm_doc_release(&doc);
	buf_release(&text);
	buf_release(&out);
	return rc;
}
