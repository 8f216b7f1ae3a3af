#!/bin/sh
# folio-fcgi behind a real nginx: pages, HEAD, 405, validators, codings,
# canonical redirects, redirect records, 404, static files, a publish seen
# by the next request, a grown map, and a direct FastCGI request.
set -u
. "$(dirname "$0")/../lib/folio.sh"
lib_init

S=$T/site
mkdir -p "$S/static/assets" "$S/static/uploads"
cd "$S" || exit 1

LM=1579079640			# Wed, 15 Jan 2020 09:14:00 GMT
printf 'text/html; charset=utf-8' >html.type
printf 'application/atom+xml; charset=utf-8' >atom.type
printf '<!DOCTYPE html><title>Accueil</title><p>Bienvenue</p>\n' >home.html
gzip -9 -n -c home.html >home.html.gz
printf 'BROTLI-BYTES-FOR-TEST' >home.br
printf '<p>page a</p>\n' >a.html
printf '<p>caf\303\251</p>\n' >cafe.html
printf '<p>introuvable</p>\n' >404.html
printf '<feed/>\n' >feed.xml
printf 'body { color: red }\n' >static/assets/site.css
printf 'PNGDATA' >static/uploads/logo.png

cat >spec <<EOF
page / 200 page $LM @html.type @home.html gzip=@home.html.gz br=@home.br
page /a/ 200 page $LM @html.type @a.html
page /caf$(printf '\303\251')/ 200 page $LM @html.type @cafe.html
page /feed.xml 200 short $LM @atom.type @feed.xml
page /404.html 404 page 0 @html.type @404.html
redirect /old/ /a/
redirect /ext/ https://example.org/x?y=1
EOF
check "mkdb writes the database" "$MKDB" "$T/db" spec

SOCK=$T/fcgi.sock
PORT=$(lib_free_port)
lib_nginx_conf "$T/nginx" "$PORT" "$SOCK" "$S/static"
check "worker starts and listens" lib_worker_start "$SOCK" "$T/db" -w 2
check "nginx starts" lib_nginx_start "$T/nginx" "$PORT"
U="http://127.0.0.1:$PORT"

# get PATH [curl options...]: headers in $T/h, body in $T/b, status in $T/s
get() {
	p=$1
	shift
	rm -f "$T/b"
	curl -s -m 5 -D "$T/h" -o "$T/b" -w '%{http_code}' "$@" "$U$p" >"$T/s"
}
status() { [ "$(cat "$T/s")" = "$1" ]; }
hdr() {		# name value: the header is there with exactly that value
	tr -d '\r' <"$T/h" | grep -qix "$1: $2"
}
nohdr() { ! tr -d '\r' <"$T/h" | grep -qi "^$1:"; }
hval() { tr -d '\r' <"$T/h" | grep -i "^$1:" | head -1 | sed 's/^[^:]*: //'; }
body() { cmp -s "$T/b" "$1"; }
bodyhas() { grep -q "$1" "$T/b"; }
bodysize() { [ "$(cat "$T/b" 2>/dev/null | wc -c)" -eq "$1" ]; }

get /
check "GET / is 200" status 200
check "GET / body is the stored page" body home.html
check "GET / content type from the record" hdr Content-Type "text/html; charset=utf-8"
check "GET / content length" hdr Content-Length "$(wc -c <home.html | tr -d ' ')"
check "GET / last-modified" hdr Last-Modified "Wed, 15 Jan 2020 09:14:00 GMT"
check "GET / cache-control for pages" hdr Cache-Control "public, max-age=300"
check "GET / has Vary" hdr Vary Accept-Encoding
check "GET / identity has no Content-Encoding" nohdr Content-Encoding
ETAG=$(hval ETag)
check "GET / strong etag" sh -c "echo '$ETAG' | grep -qx '\"[0-9a-f]\{16\}\"'"

get / -I
check "HEAD / is 200" status 200
check "HEAD / same content length" hdr Content-Length "$(wc -c <home.html | tr -d ' ')"
check "HEAD / same etag" hdr ETag "$ETAG"
"$FCGIGET" "$SOCK" REQUEST_METHOD=HEAD DOCUMENT_URI=/ >"$T/headraw"
check "HEAD: the worker sends headers only" sh -c \
    "sed -n '/^\r\$/,\$p' '$T/headraw' | tr -d '\r\n' | wc -c | grep -qx 0"
check "HEAD: the worker sends the length" grep -q '^Content-Length: ' "$T/headraw"

get / -X POST -d x=1
check "POST is 405" status 405
check "405 says Allow: GET, HEAD" hdr Allow "GET, HEAD"
get / -X DELETE
check "DELETE is 405" status 405

get / -H "If-None-Match: $ETAG"
check "If-None-Match with the etag is 304" status 304
check "304 has no body" bodysize 0
check "304 keeps the etag" hdr ETag "$ETAG"
get / -H "If-None-Match: \"nope\", W/$ETAG"
check "weak etag in a list is 304" status 304
get / -H "If-None-Match: \"nope\""
check "other etag is 200" status 200
get / -H "If-None-Match: garbage,,\"\"\"x"
check "garbage If-None-Match is ignored (200)" status 200
get / -H "If-None-Match: *"
check "If-None-Match * is 304" status 304
get / -H "If-Modified-Since: Wed, 15 Jan 2020 09:14:00 GMT"
check "If-Modified-Since equal is 304" status 304
get / -H "If-Modified-Since: Thu, 16 Jan 2020 00:00:00 GMT"
check "If-Modified-Since later is 304" status 304
get / -H "If-Modified-Since: Tue, 14 Jan 2020 09:14:00 GMT"
check "If-Modified-Since earlier is 200" status 200
get / -H "If-Modified-Since: Tuesday, 14-Jan-20 09:14:00 GMT"
check "RFC 850 date earlier is 200" status 200
get / -H "If-Modified-Since: Thu Jan 16 00:00:00 2020"
check "asctime date later is 304" status 304
get / -H "If-Modified-Since: 2020-01-16 garbage"
check "garbage If-Modified-Since is ignored (200)" status 200
get / -H "If-None-Match: \"nope\"" -H "If-Modified-Since: Thu, 16 Jan 2020 00:00:00 GMT"
check "If-None-Match wins over If-Modified-Since" status 200

get / -H "Accept-Encoding: gzip"
check "gzip chosen" hdr Content-Encoding gzip
check "gzip body is the stored variant" body home.html.gz
check "gzip etag differs" sh -c "[ '$(hval ETag)' != '$ETAG' ]"
get / --compressed -H "Accept-Encoding: gzip"
check "curl --compressed decodes to the page" body home.html
get / -H "Accept-Encoding: gzip, deflate, br"
check "br preferred on a tie" hdr Content-Encoding br
check "br body is the stored variant" body home.br
get / -H "Accept-Encoding: br;q=0.5, gzip"
check "q-values: gzip over br;q=0.5" hdr Content-Encoding gzip
get / -H "Accept-Encoding: gzip;q=0, br;q=0"
check "q=0 refuses: identity" nohdr Content-Encoding
check "identity body when codings refused" body home.html
get / -H "Accept-Encoding: *"
check "* accepts the best stored coding" hdr Content-Encoding br
get / -H "Accept-Encoding: gzip;q=bogus, br;;;=="
check "garbage Accept-Encoding gives identity" nohdr Content-Encoding
get /a/ -H "Accept-Encoding: gzip"
check "single-variant page: identity, no Vary" sh -c \
    "! tr -d '\r' <'$T/h' | grep -qi -e '^Vary:' -e '^Content-Encoding:'"

get /feed.xml
check "feed content type" hdr Content-Type "application/atom+xml; charset=utf-8"
check "short cache class" hdr Cache-Control "public, max-age=60"

get /a
check "missing slash is 301" status 301
check "missing slash Location" hdr Location /a/
get "/a?x=1&y=%41"
check "query string kept on redirect" hdr Location "/a/?x=1&y=%41"
get /a/index.html
check "index.html is 301" status 301
check "index.html Location" hdr Location /a/
get /a/?q=2
check "query string ignored for lookup" status 200
get /cafe%CC%81/
check "NFD spelling is 301" status 301
check "NFD redirects to percent-encoded NFC" hdr Location /caf%C3%A9/
get /caf%C3%A9/
check "NFC page is 200" body cafe.html
get /cafe%CC%81
check "NFD without slash is 301 to the canonical page" hdr Location /caf%C3%A9/
get /old/
check "redirect record is 301" status 301
check "redirect record Location" hdr Location /a/
get "/old/?utm=1"
check "redirect record keeps the query" hdr Location "/a/?utm=1"
get /ext/?z=1
check "redirect with its own query is left alone" hdr Location "https://example.org/x?y=1"

get /missing/
check "unknown page is 404" status 404
check "404 body is the stored 404 page" body 404.html
get /404.html
check "the 404 page itself comes with 404" status 404
LONG=/$(printf '%0600d' 0)
get "$LONG"
check "key over 511 bytes is 404" status 404
get "/a%0D%0AX-Injected:%20yes"
check "CR/LF in the path never reaches a header" nohdr X-Injected
get "/a?x=%0D%0AX-Injected:%20yes"
check "CR/LF in the query never reaches a header" nohdr X-Injected
check "encoded query kept encoded" hdr Location "/a/?x=%0D%0AX-Injected:%20yes"
get "/a%22%3Cb%3E"
check "unsafe bytes are 404, not echoed" status 404

get /assets/site.css
check "static asset served by nginx" body static/assets/site.css
check "static asset type" sh -c "tr -d '\r' <'$T/h' | grep -qi '^Content-Type: text/css'"
get /uploads/logo.png
check "upload served by nginx" body static/uploads/logo.png
get /uploads/none.png
check "missing upload is nginx's 404" status 404

# A publish: same environment, one new commit, no signal.
printf '<p>page a, v2</p>\n' >a2.html
sed 's/@a.html/@a2.html/' spec >spec2
check "republish with mkdb" "$MKDB" "$T/db" spec2
get /a/
check "publish seen by the next request" body a2.html

# A publish that grows the map past the readers' size.
head -c 3000000 /dev/urandom | od -An -tx1 | head -c 3000000 >big.txt
printf 'text/plain' >text.type
cp spec2 spec3
echo "page /big.txt 200 asset $LM @text.type @big.txt" >>spec3
check "republish with a larger map" "$MKDB" -m 268435456 "$T/db" spec3
get /big.txt
check "grown map: page served" body big.txt
check "asset cache class" hdr Cache-Control "public, max-age=31536000"
get /a/
check "grown map: old pages still served" body a2.html

# Straight to the socket, without nginx.
"$FCGIGET" "$SOCK" REQUEST_METHOD=GET DOCUMENT_URI=/a/ >"$T/direct"
check "direct FastCGI request: status" grep -q '^Status: 200' "$T/direct"
check "direct FastCGI request: body" grep -q 'page a, v2' "$T/direct"
"$FCGIGET" -k "$SOCK" REQUEST_METHOD=GET DOCUMENT_URI=/a/ >"$T/direct2"
check "kept connection: two answers" [ "$(grep -c '^Status: 200' "$T/direct2")" = 2 ]
"$FCGIGET" "$SOCK" REQUEST_METHOD=GET >"$T/direct3"
check "no DOCUMENT_URI: 404" grep -q '^Status: 404' "$T/direct3"

# A database that does not exist yet: 503, then served once published.
SOCK2=$T/fcgi2.sock
lib_worker_stop
check "worker starts on a missing database" lib_worker_start "$SOCK2" "$T/nodb" -w 1
"$FCGIGET" "$SOCK2" REQUEST_METHOD=GET DOCUMENT_URI=/a/ >"$T/d503"
check "missing database: 503" grep -q '^Status: 503' "$T/d503"
check "missing database: logged" grep -q 'nodb' "$T/worker.log"
mkdir -p "$T/nodb"
"$FCGIGET" "$SOCK2" REQUEST_METHOD=GET DOCUMENT_URI=/a/ >"$T/d503"
check "empty database directory: 503" grep -q '^Status: 503' "$T/d503"
printf 'not an lmdb file' >"$T/nodb/data.mdb"
sleep 0.25
"$FCGIGET" "$SOCK2" REQUEST_METHOD=GET DOCUMENT_URI=/a/ >"$T/d503"
check "corrupt database: 503" grep -q '^Status: 503' "$T/d503"
rm -f "$T/nodb/data.mdb" "$T/nodb/lock.mdb"
"$MKDB" "$T/nodb" spec >/dev/null 2>&1
sleep 0.25
"$FCGIGET" "$SOCK2" REQUEST_METHOD=GET DOCUMENT_URI=/a/ >"$T/d200"
check "database published later: served" grep -q 'page a' "$T/d200"
check "worker still running after the 503s" lib_alive "$WORKER_PID"

exit 0
