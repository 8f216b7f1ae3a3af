#!/bin/sh
# Hostile requests against folio-fcgi, through nginx and straight to its
# socket: path tricks, every method, absurd headers, and raw FastCGI records
# (overflowing parameter lengths of CVE-2025-23016, truncated records,
# FCGI_ABORT_REQUEST, a client that leaves mid-response, a stalled client).
# Each answer must have the right status and no header built from raw
# input; after each, the worker still serves and no child has died.
set -u
. "$(dirname "$0")/../lib/folio.sh"
lib_init
RAW="$TOOL_DIR/rawfcgi"

S=$T/site
mkdir -p "$S/static"
cd "$S" || exit 1
printf 'text/html; charset=utf-8' >html.type
printf '<!DOCTYPE html><p>a</p></html>\n' >a.html
gzip -9 -n -c a.html >a.html.gz
printf '<!DOCTYPE html><p>introuvable</p></html>\n' >404.html
# a page larger than the socket buffers, for the client that leaves early
python3 -c 'import sys; sys.stdout.write("<p>" + "x" * 1500000 + "</p></html>\n")' >big.html
cat >spec <<EOF
page /a/ 200 page 1600000000 @html.type @a.html gzip=@a.html.gz
page /big/ 200 page 0 @html.type @big.html
page /404.html 404 page 0 @html.type @404.html
EOF
check "mkdb writes the database" "$MKDB" "$T/db" spec

SOCK=$T/fcgi.sock
PORT=$(lib_free_port)
lib_nginx_conf "$T/nginx" "$PORT" "$SOCK" "$S/static"
check "worker starts" lib_worker_start "$SOCK" "$T/db" -w 2
check "nginx starts" lib_nginx_start "$T/nginx" "$PORT"
U="http://127.0.0.1:$PORT"
KIDS0=$(pgrep -P "$WORKER_PID" | sort | tr '\n' ' ')

# --- through nginx -------------------------------------------------------
code() {	# path [curl options]: prints the status; headers in $T/h
	p=$1
	shift
	curl -s -m 10 --path-as-is -D "$T/h" -o "$T/b" -w '%{http_code}' \
	    "$@" "$U$p"
}
is() {		# expected-codes actual: "400|404" style alternatives
	case "|$1|" in *"|$2|"*) return 0 ;; esac
	echo "# expected $1, got $2" >&2
	return 1
}
served() { [ "$(code /a/)" = 200 ]; }
no_header() {	# a header that must not be in $T/h
	! tr -d '\r' <"$T/h" | grep -qi "^$1:"
}
# Raw HTTP for what curl will not send (control bytes in the request line).
rawhttp() {	# request bytes (printf format) -> status code
	python3 - "$PORT" "$1" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1"))
d = b""
try:
	while b"\r\n" not in d:
		c = s.recv(4096)
		if not c:
			break
		d += c
except socket.timeout:
	pass
print(d.split(b" ")[1].decode() if d.startswith(b"HTTP/") else "none")
EOF
}

check "/a/: 200" is 200 "$(code /a/)"
check "/../etc/passwd refused" is "400|404" "$(code /../etc/passwd)"
check "no file content leaks" sh -c "! grep -q 'root:' '$T/b'"
check "/a/../a/ normalised by nginx" is 200 "$(code /a/../a/)"
check "/%2e%2e/%2e%2e/etc/passwd refused" is "400|404" "$(code /%2e%2e/%2e%2e/etc/passwd)"
check "/%252e%252e/ is a missing page" is 404 "$(code /%252e%252e/)"
check "/%c0%ae%c0%ae/ (overlong UTF-8) is a missing page" is 404 "$(code /%c0%ae%c0%ae/)"
check "//a/ merged to /a/" is 200 "$(code //a/)"
check "/a/%00 refused" is "400|404" "$(code /a/%00)"
check "/a/%00x refused" is "400|404" "$(code /a/%00x)"
c=$(code "/a%0d%0aSet-Cookie:%20x=1")
check "/a%0d%0aSet-Cookie: not found" is "400|404" "$c"
check "  and no header injected" no_header Set-Cookie
c=$(code "/a?%0d%0aSet-Cookie:%20x=1")
check "/a?CRLF: 301 to the slash form" is 301 "$c"
check "  no header injected by the query" no_header Set-Cookie
check "  Location keeps the query percent-encoded" \
    grep -q '^Location: /a/?%0d%0aSet-Cookie:%20x=1' "$T/h"
check "/a%2F (encoded slash) answered" is "200|404" "$(code /a%2F)"
check "/%zz refused or missing" is "400|404" "$(code /%zz)"
check "/a/%ff%fe (invalid UTF-8) missing" is 404 "$(code /a/%ff%fe)"
check "/%01%7f control bytes: missing" is "400|404" "$(code /%01%7f)"
check "raw control byte in the request line refused" \
    is "400|none" "$(rawhttp 'GET /a\x01b HTTP/1.1\r\nHost: x\r\n\r\n')"
check "raw CR in the request line refused" \
    is "400|none" "$(rawhttp 'GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n')"
check "HTTP/0.9-style request refused or answered" \
    is "400|none|200" "$(rawhttp 'GET /a/\r\n\r\n')"
LONG=$(python3 -c 'print("/" + "k" * 600 + "/")')
check "a 600-byte key (over 511): 404" is 404 "$(code "$LONG")"
LONG=$(python3 -c 'print("/" + "%41" * 2700)')
check "an 8 KiB URI: 404 or 414" is "404|414" "$(code "$LONG")"
LONG=$(python3 -c 'print("/" + "u" * 9000)')
check "a 9 KiB URI: 414" is 414 "$(code "$LONG")"
check "still served after the path tricks" served

for m in GET HEAD; do
	check "$m /a/: 200" is 200 "$(code /a/ -X "$m" $( [ $m = HEAD ] && echo -I))"
done
for m in POST PUT DELETE PATCH OPTIONS PROPFIND MKCOL LOCK FOO; do
	c=$(code /a/ -X "$m" -d x)
	check "$m /a/: 405" is 405 "$c"
	check "  $m: Allow lists GET and HEAD" grep -qi '^Allow: GET, HEAD' "$T/h"
done
check "TRACE refused" is "405" "$(code /a/ -X TRACE)"
check "CONNECT refused" is "400|405" "$(rawhttp 'CONNECT a:443 HTTP/1.1\r\nHost: x\r\n\r\n')"
check "lower-case get refused" is "400|405" "$(rawhttp 'get /a/ HTTP/1.1\r\nHost: x\r\n\r\n')"

BIG=$(python3 -c 'print("\"" + "e" * 16384 + "\"")')
check "If-None-Match of 16 KiB: 400 from nginx" is "400|431" "$(code /a/ -H "If-None-Match: $BIG")"
BIG=$(python3 -c 'print(",".join(["\"x%d\"" % i for i in range(700)]))')
check "If-None-Match of 700 tags: 200" is 200 "$(code /a/ -H "If-None-Match: $BIG")"
ET=$(curl -s -D - -o /dev/null "$U/a/" | tr -d '\r' | sed -n 's/^ETag: //p')
check "If-None-Match with the tag last of 700: 304" \
    is 304 "$(code /a/ -H "If-None-Match: $BIG, $ET")"
check "If-None-Match: garbage" is 200 "$(code /a/ -H 'If-None-Match: W/"x, ,,"""')"
for d in 'yesterday' 'Sun, 99 Zzz 99999 99:99:99 GMT' '0' \
    'Sun, 06 Nov 1994 08:49:37 GMTX' 'Thursday, 31-Dec-99 23:59:60 GMT' \
    "$(python3 -c 'print("9" * 4000)')"; do
	check "If-Modified-Since: garbage date ${d%"${d#?????????????}"}...: 200" \
	    is 200 "$(code /a/ -H "If-Modified-Since: $d")"
done
check "If-Modified-Since in the future: 304" \
    is 304 "$(code /a/ -H 'If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT')"
BIG=$(python3 -c 'print(",".join(["x%d;q=0.%d" % (i, i % 10) for i in range(700)]) + ",gzip;q=0.001")')
c=$(code /a/ -H "Accept-Encoding: $BIG")
check "Accept-Encoding of 7 KiB: 200" is 200 "$c"
check "  gzip still picked" grep -qi '^Content-Encoding: gzip' "$T/h"
check "Accept-Encoding of junk: 200 identity" \
    is 200 "$(code /a/ -H 'Accept-Encoding: ;;;,,q=,gzip;q=2;q=;,*;q=x')"
check "  no Content-Encoding" no_header Content-Encoding
check "still served after the header tricks" served

# --- straight to the socket ---------------------------------------------
fget() {	# params...: the status line of a direct request
	"$FCGIGET" "$SOCK" "$@" 2>/dev/null >"$T/f"
	tr -d '\r' <"$T/f" | sed -n '1s/^Status: \([0-9]*\).*/\1/p'
}
direct_ok() { [ "$(fget REQUEST_METHOD=GET DOCUMENT_URI=/a/)" = 200 ]; }
NL='
'
CR=$(printf '\r')
check "direct: /a/ 200" direct_ok
check "direct: no REQUEST_METHOD: 405" is 405 "$(fget DOCUMENT_URI=/a/)"
check "direct: empty REQUEST_METHOD: 405" is 405 "$(fget REQUEST_METHOD= DOCUMENT_URI=/a/)"
check "direct: no DOCUMENT_URI: 404" is 404 "$(fget REQUEST_METHOD=GET)"
check "direct: relative DOCUMENT_URI: 404" is 404 "$(fget REQUEST_METHOD=GET DOCUMENT_URI=a/)"
check "direct: ../ in DOCUMENT_URI: 404" is 404 "$(fget REQUEST_METHOD=GET DOCUMENT_URI=/../a/)"
c=$(fget REQUEST_METHOD=GET "DOCUMENT_URI=/a${CR}${NL}Set-Cookie: x=1")
check "direct: CRLF in DOCUMENT_URI: 404" is 404 "$c"
check "  no header injected" sh -c "! grep -qi '^Set-Cookie' '$T/f'"
c=$(fget REQUEST_METHOD=GET DOCUMENT_URI=/a "QUERY_STRING=x${CR}${NL}Set-Cookie: x=1")
check "direct: CRLF in QUERY_STRING: 301" is 301 "$c"
check "  Location percent-encodes CR and LF" \
    grep -q '^Location: /a/?x%0D%0ASet-Cookie:%20x=1' "$T/f"
check "  no header injected" sh -c "! grep -qi '^Set-Cookie' '$T/f'"
LONG=$(python3 -c 'print("/" + "k" * 40000)')
check "direct: a 40 KB DOCUMENT_URI: 404" is 404 "$(fget REQUEST_METHOD=GET "DOCUMENT_URI=$LONG")"
LONG=$(python3 -c 'print("/" + "\u00e9" * 600)')
check "direct: 1200 bytes of non-ASCII: 404" is 404 "$(fget REQUEST_METHOD=GET "DOCUMENT_URI=$LONG")"
LONG=$(python3 -c 'print("?" * 3000)')
check "direct: 3000-byte query on a redirect: 301" is 301 "$(fget REQUEST_METHOD=GET DOCUMENT_URI=/a "QUERY_STRING=$LONG")"
BIG=$(python3 -c 'print("\"" + "e" * 30000 + "\"")')
check "direct: If-None-Match of 30 KB: 200" is 200 "$(fget REQUEST_METHOD=GET DOCUMENT_URI=/a/ "HTTP_IF_NONE_MATCH=$BIG")"
BIG=$(python3 -c 'print("gzip;q=0.5," * 3000)')
check "direct: Accept-Encoding of 33 KB: 200" is 200 "$(fget REQUEST_METHOD=GET DOCUMENT_URI=/a/ "HTTP_ACCEPT_ENCODING=$BIG")"
check "direct: garbage If-Modified-Since: 200" is 200 "$(fget REQUEST_METHOD=GET DOCUMENT_URI=/a/ "HTTP_IF_MODIFIED_SINCE=Sun, 06 Nov 1994 99:49:37 GMT")"

# --- raw FastCGI records ------------------------------------------------
GET="begin param:REQUEST_METHOD=GET param:DOCUMENT_URI=/a/"
raw() {		# what, expected exit statuses, steps...
	what=$1
	want=$2
	shift 2
	timeout 15 "$RAW" "$SOCK" "$@" >"$T/r" 2>"$T/rerr"
	rc=$?
	check "raw: $what (exit $rc)" is "$want" "$rc"
	check "  served after it" direct_ok
}
# exits: 0 the server ended the request, 3 it closed the connection
raw "a well-formed request" 0 $GET params-end stdin-end
check "  answered 200" grep -q '^Status: 200' "$T/r"
# CVE-2025-23016: lengths whose sum overflows an int in libfcgi
raw "name and value lengths 0x7fffffff (CVE-2025-23016)" 3 \
    begin pairlen:0x7fffffff:0x7fffffff:64 params-end stdin-end
raw "lengths summing to a negative int (0x7ffffff0 + 0x10)" 3 \
    begin pairlen:0x7ffffff0:0x10:300 params-end stdin-end
raw "lengths 0xffffffff (top bit of the 4-byte form)" 3 \
    begin pairlen:0xffffffff:0xffffffff:16 params-end stdin-end
raw "one length of 1 GiB, peer closes" 0 \
    begin pairlen:0x40000000:0:1000 params-open close
raw "a pair longer than the parameters sent" 3 \
    begin pairlen:0x200:0x200:16 params-end stdin-end
raw "parameters of 100 KB (over the 64 KiB cap)" 3 \
    begin param:REQUEST_METHOD=GET "param:X=$(python3 -c 'print("v" * 100000)')" \
    params-end stdin-end
raw "FCGI_GET_VALUES with a pair longer than the record" "0|3" \
    id:0 header:9:8 bytes:1:x bytes:1:x bytes:6 id:1 $GET params-end stdin-end
raw "a management record, then a request" 0 \
    id:0 header:9:0 id:1 $GET params-end stdin-end
raw "record length 0xffff, then the peer leaves" "0|3" \
    begin header:4:0xffff bytes:100 close
raw "record with 255 bytes of padding" "0|3" \
    begin header:4:0:255 bytes:255 $GET params-end stdin-end
raw "a truncated header" "0|3" bytes:5:x close
raw "a truncated BEGIN_REQUEST" "0|3" header:1:8 bytes:3 close
raw "protocol version 2" "0|3" header:1:8:0:2 bytes:8
raw "an unknown record type" "0|3" header:99:0 $GET params-end stdin-end
raw "BEGIN_REQUEST with request id 0" "0|3" id:0 begin param:A=b params-end
raw "the filter role" "0|3" begin:0:3 params-end stdin-end
raw "two BEGIN_REQUESTs" "0|3" $GET begin params-end stdin-end
raw "PARAMS for another request id" "0|3" begin id:2 param:A=b params-end
raw "an empty PARAMS of id 0 first, then overflowing lengths" "0|3" \
    id:0 header:4:0 id:1 begin pairlen:0x7ffffff0:0x10:300 params-end stdin-end
raw "PARAMS before BEGIN_REQUEST" "0|3" param:A=b params-end $GET params-end
raw "FCGI_ABORT_REQUEST before the parameters end" "0|3" \
    $GET params-open abort
raw "FCGI_ABORT_REQUEST after the request" 0 $GET params-end stdin-end abort
raw "closed right after BEGIN_REQUEST" "0|3" begin close
raw "a client that leaves mid-response" 0 \
    begin param:REQUEST_METHOD=GET param:DOCUMENT_URI=/big/ params-end \
    stdin-end read:4096
raw "a keep-alive connection, two requests" 0 \
    begin:1 param:REQUEST_METHOD=GET param:DOCUMENT_URI=/a/ params-end stdin-end
raw "100 MB of garbage" "0|3" bytes:100000000:x close

# A stalled peer holds a worker at most 5 s: with both workers held, a
# request is still answered within a few seconds.
"$RAW" "$SOCK" begin params-open sleep:20000 close >/dev/null 2>&1 &
S1=$!
"$RAW" "$SOCK" begin params-open sleep:20000 close >/dev/null 2>&1 &
S2=$!
"$RAW" "$SOCK" sleep:20000 close >/dev/null 2>&1 &
S3=$!
sleep 0.3
t0=$(lib_ms)
check "stalled peers on every worker: a request is still answered" direct_ok
t1=$(lib_ms)
check "  within 8 s ($((t1 - t0)) ms)" [ $((t1 - t0)) -lt 8000 ]
kill "$S1" "$S2" "$S3" 2>/dev/null
wait "$S1" "$S2" "$S3" 2>/dev/null

KIDS1=$(pgrep -P "$WORKER_PID" | sort | tr '\n' ' ')
check "the same worker children as at the start (none died)" [ "$KIDS0" = "$KIDS1" ]
check "no child killed or exited" sh -c "! grep -E 'killed by signal|exited with status' '$T/worker.log'"
check "the oversized lengths were logged" grep -q 'connection dropped: parameters over the size limit' "$T/worker.log"
check "nginx still serves" served
exit 0
