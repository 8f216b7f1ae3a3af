#!/bin/sh
# Hostile content through the real bin/folio-index. Each case is a copy of
# content/ plus one nasty file (tests/hostile/content/, or made here when
# it is large), indexed into a copy of an already published database, with
# a time limit and a memory limit. A case ends in one of two ways:
#   - an error: exit status 1, "path:line:col: what" at the culprit,
#     "nothing published", and the database dumps as before (mdb_dump);
#   - a correct page: exit status 0, and the page says what it should,
#     escaped where it must be (HTML, JSON-LD, Atom, iCalendar).
# Never a crash, a hang (timeout) or a memory blow-up (ulimit -v, or the
# sanitizer's RSS limit when the indexer is built with ASan).
set -u
. "$(dirname "$0")/../lib/folio.sh"
lib_init
TOP=$LIB_TOP
IDX="$BIN/folio-index"
DBCAT="$TOOL_DIR/dbcat"
H=$TOP/tests/hostile/content
TPL=$TOP/content/_templates
LIMIT_S=30
LIMIT_MB=1024

ASAN=
grep -q __asan_init "$IDX" 2>/dev/null && ASAN=1

# Sets RC; stderr in $T/err.
idx() {		# site db
	if [ -n "$ASAN" ]; then
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=$LIMIT_MB" \
		    timeout -k 2 "$LIMIT_S" "$IDX" --quiet --templates "$TPL" \
		    "$1" "$2" >/dev/null 2>"$T/err"
		RC=$?
	else
		(ulimit -v $((LIMIT_MB * 1024))
		exec timeout -k 2 "$LIMIT_S" "$IDX" --quiet --templates "$TPL" \
		    "$1" "$2") >/dev/null 2>"$T/err"
		RC=$?
	fi
}

# Every key and value as before (the header's environment sizes depend on
# who opens it, not on the data).
dump() {	# db
	mdb_dump -a "$1" 2>/dev/null | grep -v '^maxreaders=\|^mapsize='
}
unchanged() {
	dump "$DB" >"$T/now.dump" && cmp -s "$T/ref.dump" "$T/now.dump"
}

# The base site: content/ without the files nginx serves.
mkdir "$T/base"
(cd "$TOP/content" && tar cf - --exclude=uploads --exclude=assets .) |
    (cd "$T/base" && tar xf -)
idx "$T/base" "$T/ref"
check "base site publishes" [ "$RC" -eq 0 ]
dump "$T/ref" >"$T/ref.dump"
check "base site dumps" [ -s "$T/ref.dump" ]

# A fresh case: site $S (the base site), database $DB (the published one).
new_case() {	# name
	S=$T/s-$1
	DB=$T/db-$1
	rm -rf "$S" "$DB"
	cp -R "$T/base" "$S"
	mkdir "$DB"
	cp "$T/ref/data.mdb" "$DB/"
}


# Indexes $S into $DB and expects an error at rel:pos, pos being
# "line:col" or "" for a message about the whole file.
expect_error() {	# name rel pos message-ERE
	idx "$S" "$DB"
	check "$1: exit status 1 (was $RC)" [ "$RC" -eq 1 ]
	if [ -n "$3" ]; then
		where="$S/$2:$3: "
	else
		where="$S/$2: "
	fi
	check "$1: \"$2:$3: $4\"" grep -qE -- "^$where$4" "$T/err"
	check "$1: nothing published" grep -q "nothing published" "$T/err"
	check "$1: published site unchanged" unchanged
	if ! grep -qE -- "^$where$4" "$T/err"; then
		sed 's/^/#   /' "$T/err" | head -5
	fi
}

expect_ok() {	# name
	idx "$S" "$DB"
	check "$1: published (exit status $RC)" [ "$RC" -eq 0 ]
	check "$1: no error message" sh -c '! grep -qi "error" "$1"' sh "$T/err"
}

# The stored body of a page (dbcat's header lines dropped).
page() { "$DBCAT" "$DB" "$1" 2>/dev/null | sed '1,/^$/d' >"$T/page"; }
has() { grep -qF -- "$1" "$T/page"; }
hasnt() { ! grep -qF -- "$1" "$T/page"; }

# One nasty file into a collection, then an error at pos.
bad() {		# file collection pos message-ERE
	name=${1%.md}
	new_case "$name"
	cp "$H/$1" "$S/$2/$1"
	expect_error "$name" "$2/$1" "$3" "$4"
}

# --- Front matter and text --------------------------------------------------
bad unclosed.md _actualites 1:1 "front matter .*never closed"
bad nul.md _actualites 2:9 "NUL byte"
bad nul-body.md _actualites 5:4 "NUL byte"
bad overlong.md _actualites 4:7 "invalid UTF-8"
bad surrogate.md _actualites 2:8 "invalid UTF-8"
bad truncated-utf8.md _actualites 4:5 "invalid UTF-8"
bad duplicate-key.md _actualites 5:1 'duplicate key "a" \(first at line 3\)'
bad bad-date.md _actualites 3:7 "'date' is not a valid date"
bad huge-int.md _actualites 3:4 "integer .* does not fit in 64 bits"
bad title-seq.md _actualites 2:8 "'title' must be text, not a list"
bad slug-dotdot.md _actualites 3:7 "permalink has a \"\.\.\" segment"
bad permalink-feed.md _actualites 3:12 "the URL /feed.xml is also a page folio makes"
bad title-map.md _actualites 2:8 "'title' must be text, not a mapping"
bad binary.md _actualites 3:7 'unsupported tag "tag:yaml.org,2002:binary"'
bad ruby-object.md _actualites 3:4 'unsupported tag "!ruby/object'
bad permalink-dotdot.md _actualites 3:12 'permalink has a "\.\." segment'
bad permalink-crlf.md _actualites 3:12 "permalink has a line break"
bad permalink-long.md _actualites 3:12 "permalink longer than 511 bytes"

new_case same-url
cp "$H/same-url.md" "$S/_actualites/"
expect_error same-url _evenements/webinaire-cloud.markdown 1:1 \
    "URL /agenda/webinaire-cloud/ is also claimed by $S/_actualites/same-url.md"

new_case config-documents
printf -- '\n---\nfoo: 1\n' >>"$S/_config.yml"
n=$(wc -l <"$S/_config.yml")
expect_error config-documents _config.yml "$((n - 1)):1" "several YAML documents"

# YAML made to eat memory or stack.
new_case alias-bomb
python3 -c 'import sys
print("---\ntitle: x\na0: &a0 [x,x,x,x,x,x,x,x,x,x]")
for i in range(1, 20):
    print("a%d: &a%d [%s]" % (i, i, ",".join(["*a%d" % (i - 1)] * 10)))
print("---")' >"$S/_actualites/bomb.md"
expect_error alias-bomb _actualites/bomb.md "[0-9]+:[0-9]+" "alias .* expands past"

new_case anchors
python3 -c 'print("---\ntitle: x\nl:")
for i in range(50000): print("- &a%d %d" % (i, i))
print("---")' >"$S/_actualites/anchors.md"
expect_error anchors _actualites/anchors.md 260:3 "more than 256 anchors"

new_case nested-yaml
python3 -c 'print("---\ntitle: x\nn: " + "[" * 100000 + "]" * 100000 + "\n---")' \
    >"$S/_actualites/nested.md"
expect_error nested-yaml _actualites/nested.md 3:67 "nesting deeper than 64"

new_case huge-file
python3 -c 'print("---\ntitle: x\n---\n" + "a" * 2000000)' >"$S/_actualites/huge.md"
expect_error huge-file _actualites/huge.md "" "file is larger than the limit"

# --- Pages that must come out right -----------------------------------------
new_case empty
cp "$H/empty.md" "$S/_actualites/"
expect_ok empty
page /actualites/empty/
check "empty: a page" has "<h1></h1>"

new_case bom
cp "$H/bom.md" "$S/_actualites/"
expect_ok bom
page /actualites/bom/
check "bom: title read past the BOM" has "<h1>Avec BOM</h1>"
check "bom: body" has "<p>corps BOM</p>"

new_case crlf
cp "$H/crlf.md" "$S/_actualites/"
expect_ok crlf
page /actualites/crlf/
check "crlf: title" has "<h1>Fins de ligne CRLF</h1>"
check "crlf: two paragraphs" has "<p>Second.</p>"
check "crlf: no CR in the page" sh -c '! tr -d "\n" <"$1" | grep -q "$(printf "\r")"' sh "$T/page"
page /tag/crlf/
check "crlf: tag page" has "<h1>crlf</h1>"

new_case unknown-tag
cp "$H/unknown-tag.md" "$S/_actualites/"
expect_ok unknown-tag
page /actualites/unknown-tag/
check "unknown tag: ignored, value kept" has "<h1>Étiquette inconnue</h1>"

new_case several-docs
cp "$H/several-docs.md" "$S/_actualites/"
expect_ok several-docs
page /actualites/several-docs/
check "'...' ends the front matter, the rest is body" has "<h1>x</h1>"

new_case slug-crlf
cp "$H/slug-crlf.md" "$S/_actualites/"
expect_ok slug-crlf
page /actualites/a-b/
check "slug with CR LF: slugged to a-b" has "<h1>x</h1>"

new_case huge-title
python3 -c 'print("---\ntitle: " + "a" * 900000 + "\n---\nok")' \
    >"$S/_actualites/long.md"
expect_ok huge-title
page /actualites/long/
check "huge title: the whole title" python3 -c 'import sys
assert ("<h1>" + "a" * 900000 + "</h1>") in open(sys.argv[1]).read()' "$T/page"

# <script> in a title, a tag, a category, a place: escaped everywhere.
new_case script
cp "$H/script-event.md" "$S/_evenements/"
expect_ok script
page /agenda/script-event/
check "script: HTML title escaped" has "<h1>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;"
check "script: no raw <script> from the title" sh -c '! grep -q "<script>alert" "$1"' sh "$T/page"
check "script: no raw <img" hasnt "<img src=x"
# "<!--" then "<script" inside a script element would keep it open.
check "script: JSON-LD writes < as \\u003c" has '"name":"\u003c/script>\u003cscript>alert(1)\u003c/script> & \"q\" \\ ; , x"'
check "script: JSON-LD parses" python3 -c 'import json,re,sys
s=open(sys.argv[1],encoding="utf-8").read()
m=re.findall(r"<script type=\"application/ld\+json\">(.*?)</script>",s,re.S)
assert len(m) == 1
d=json.loads(m[0]); assert d["name"].startswith("</script><script>")
assert d["location"]["name"] == "<img src=x onerror=alert(1)>; a,b"' "$T/page"
check "script: tag link slugged" has 'href="/tag/script-x-script/"'
check "script: tag name escaped" has "&lt;script&gt;x&lt;/script&gt;</a>"
check "script: category slugged and escaped" has '<a href="/categorie/script-b/">&lt;/script&gt;&lt;b&gt;</a>'
# A body is the author's Markdown, rendered as kramdown renders it: links
# keep their URL (raw HTML is allowed in bodies anyway).
check "script: body link as kramdown writes it" has '<a href="javascript:alert(1)">clic</a>'
page /tag/script-x-script/
check "script: tag page title escaped" has "<h1>&lt;script&gt;x&lt;/script&gt;</h1>"
page /feed.xml
check "script: feed well-formed" xmllint --noout "$T/page"
check "script: feed title escaped" has "<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;"
page /agenda/script-event.ics
check "script: ICS summary escaped" has 'SUMMARY:</script><script>alert(1)</script> & "q" \\ \; \, x'
check "script: ICS location escaped" has 'LOCATION:<img src=x onerror=alert(1)>\; a\,b'
check "script: ICS parses" "$TOOL_DIR/icalcheck" "$T/page"
SOCK=$T/fcgi.sock
if lib_worker_start "$SOCK" "$DB" -w 1; then
	"$FCGIGET" "$SOCK" REQUEST_METHOD=GET DOCUMENT_URI=/agenda/script-event/ \
	    >"$T/page" 2>/dev/null
	check "script: served escaped by the worker" has "<h1>&lt;/script&gt;&lt;script&gt;alert(1)"
	check "script: served with status 200" sh -c 'head -5 "$1" | grep -qi "^content-type: text/html"' sh "$T/page"
else
	check "script: worker starts" false
fi
lib_worker_stop

# --- Markdown that makes parsers slow or deep -------------------------------
body_case() {	# name python-expression-for-the-body check-ERE
	new_case "$1"
	python3 -c "import sys; sys.stdout.write('---\ntitle: x\n---\n' + ($2) + '\n')" \
	    >"$S/_actualites/$1.md"
	expect_ok "$1"
	page "/actualites/$1/"
	check "$1: page rendered" grep -qE -- "$3" "$T/page"
}
body_case brackets "'[' * 100000" '\[{1000}'
body_case blockquotes "'> ' * 50000 + 'x'" '<blockquote>'
body_case emphasis-run "'*' * 100000 + 'a' + '_' * 100000" 'a'
body_case emphasis-mixed "'*a **b ' * 30000" '<em>|\*a'
body_case link-refs "''.join('[r%d]: /u%d\n' % (i, i) for i in range(20000)) + ''.join('[r%d] ' % i for i in range(20000))" 'href="/u19999"'
body_case nested-lists "'- ' * 20000 + 'x'" '<li>'
body_case html-divs "'<div>' * 50000" '<div>'
body_case backticks "'\`' * 50000 + 'a' + '\`\`' * 20000" 'a'
body_case liquid-tags "'{{ page.title ' * 30000 + '{{ page.title }}' * 1000" '<p>'
new_case liquid-raw
python3 -c "import sys; sys.stdout.write('---\ntitle: x\n---\nligne\n' + 'a {% raw %} b ' * 1000 + '\n')" \
    >"$S/_actualites/raw.md"
expect_error liquid-raw _actualites/raw.md "5:3" "[^ ].*raw"

# --- Things in the tree that are not plain files ----------------------------
new_case symlink-out
ln -s /etc/passwd "$S/_actualites/passwd.md"
ln -s ../_evenements/webinaire-cloud.markdown "$S/_actualites/lien.md"
ln -s boucle.md "$S/_actualites/boucle.md"
ln -s .. "$S/_actualites/parent"
expect_ok symlinks
check "symlinks: warned about" grep -q "passwd.md: not a regular file" "$T/err"
page /actualites/passwd/
check "symlinks: nothing outside the tree published" [ ! -s "$T/page" ]

new_case fifo
mkfifo "$S/_actualites/tube.md"
expect_ok fifo
check "fifo: skipped with a warning, no hang" grep -q "tube.md: not a regular file" "$T/err"

# A document rewritten over and over while the indexer runs: either a page
# or a located error, and then nothing published.
new_case changing
cp "$H/crlf.md" "$T/v1"
cp "$H/bom.md" "$T/v2"
cp "$T/v1" "$S/_actualites/mouvant.md"
(while :; do cp "$T/v1" "$S/_actualites/mouvant.md"
	cp "$T/v2" "$S/_actualites/mouvant.md"; done) >/dev/null 2>&1 &
writer=$!
idx "$S" "$DB"
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null
check "changing file: published or refused (exit status $RC)" \
    [ "$RC" -eq 0 -o "$RC" -eq 1 ]
if [ "$RC" -eq 1 ]; then
	check "changing file: located error" grep -qE "^$S/_actualites/mouvant.md:[0-9]+:[0-9]+: " "$T/err"
	check "changing file: published site unchanged" unchanged
else
	page /actualites/mouvant/
	# a version, or the file as cp had left it when read (empty, cut)
	check "changing file: a page" grep -q "<h1>" "$T/page"
fi

[ "$lib_failed" -eq 0 ]
