#!/bin/sh
# The agenda assembled at request time, through nginx, with the clock fixed
# by --now: upcoming and past lists, order, pages, the iCalendar file, an
# event leaving the list the second after it ends, validators, max-age.
set -u
. "$(dirname "$0")/../lib/folio.sh"
lib_init

S=$T/site
mkdir -p "$S/static"
cd "$S" || exit 1

NOW=1700000000
printf 'text/html; charset=utf-8' >html.type
printf '<p>404</p>\n' >404.html
printf '<h1>Agenda</h1><ul>\n' >ahead
printf '</ul><footer/>\n' >atail
printf '<p>Aucun événement à venir</p>\n' >aempty
printf '<h1>Passés</h1><ul>\n' >phead
printf '</ul>\n' >ptail
printf '<p>Aucun</p>\n' >pempty
printf '<a rel="prev" href="{url}">précédent</a>\n' >prev
printf '<a rel="next" href="{url}">suivant</a>{x}\n' >next
printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\n' >ihead
printf 'END:VCALENDAR\r\n' >itail
SPEC=spec
: >$SPEC
ev() {	# name start end
	printf '<li>%s</li>\n' "$1" >"$1.html"
	printf 'BEGIN:VEVENT\r\nUID:%s\r\nEND:VEVENT\r\n' "$1" >"$1.ics"
	echo "event $3 $2 /agenda/$1/ @$1.html @$1.ics" >>$SPEC
}
ev e1 $((NOW - 7200)) $((NOW - 3600))
ev e2 $((NOW - 172800)) $((NOW - 172800))
ev e3 $((NOW - 600)) $((NOW + 600))
ev e4 $((NOW + 3600)) $((NOW + 7200))
ev e5 $((NOW + 86400)) $((NOW + 86400))
ev e6 $((NOW + 172800)) $((NOW + 176400))
cat >>$SPEC <<EOF
page /404.html 404 page 0 @html.type @404.html
meta agenda:head @ahead
meta agenda:tail @atail
meta agenda:empty @aempty
meta agenda-passes:head @phead
meta agenda-passes:tail @ptail
meta agenda-passes:empty @pempty
meta agenda:nav-prev @prev
meta agenda:nav-next @next
meta agenda.ics:head @ihead
meta agenda.ics:tail @itail
meta agenda:page-size 2
EOF
check "mkdb writes the agenda" "$MKDB" "$T/db" $SPEC

SOCK=$T/fcgi.sock
PORT=$(lib_free_port)
lib_nginx_conf "$T/nginx" "$PORT" "$SOCK" "$S/static"
check "worker starts at a fixed now" lib_worker_start "$SOCK" "$T/db" -w 1 --now $NOW
check "nginx starts" lib_nginx_start "$T/nginx" "$PORT"
U="http://127.0.0.1:$PORT"

get() {
	p=$1
	shift
	rm -f "$T/b"
	curl -s -m 5 -D "$T/h" -o "$T/b" -w '%{http_code}' "$@" "$U$p" >"$T/s"
}
status() { [ "$(cat "$T/s")" = "$1" ]; }
hdr() { tr -d '\r' <"$T/h" | grep -qix "$1: $2"; }
hval() { tr -d '\r' <"$T/h" | grep -i "^$1:" | head -1 | sed 's/^[^:]*: //'; }
is() {		# expected body, literally (printf format)
	printf "$1" >"$T/want"
	cmp -s "$T/b" "$T/want"
}

get /agenda/
check "upcoming page 1 is 200" status 200
check "upcoming page 1: ongoing and soonest events, next link" is \
    '<h1>Agenda</h1><ul>\n<li>e3</li>\n<li>e4</li>\n<a rel="next" href="/agenda/page/2/">suivant</a>{x}\n</ul><footer/>\n'
check "agenda content type" hdr Content-Type "text/html; charset=utf-8"
check "agenda content length" hdr Content-Length "$(wc -c <"$T/b" | tr -d ' ')"
check "agenda max-age" hdr Cache-Control "public, max-age=60"
AETAG=$(hval ETag)
check "agenda has an etag" [ -n "$AETAG" ]
get /agenda/ -H "If-None-Match: $AETAG"
check "agenda If-None-Match is 304" status 304
get /agenda/ -I
check "agenda HEAD is 200" status 200
check "agenda HEAD length" hdr Content-Length "$(wc -c <"$T/want" | tr -d ' ')"

get /agenda/page/2/
check "upcoming page 2: later events, prev link" is \
    '<h1>Agenda</h1><ul>\n<li>e5</li>\n<li>e6</li>\n<a rel="prev" href="/agenda/">précédent</a>\n</ul><footer/>\n'
get /agenda/page/3/
check "page past the end is 404" status 404
check "page past the end has the 404 page" is '<p>404</p>\n'
get /agenda/page/1/
check "page/1/ is not a second URL for page 1" status 404
get /agenda/page/02/
check "leading zero is not a page" status 404
get /agenda
check "agenda without slash is 301" hdr Location /agenda/

get /agenda/passes/
check "past events, latest first" is \
    '<h1>Passés</h1><ul>\n<li>e1</li>\n<li>e2</li>\n</ul>\n'
get /agenda.ics
check "ics content type" hdr Content-Type "text/calendar; charset=utf-8"
check "ics lists every upcoming event" is \
    'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:e3\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:e4\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:e5\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:e6\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n'

# The second e3 ends, it is still upcoming; max-age stops at its end.
lib_worker_stop
lib_worker_start "$SOCK" "$T/db" -w 1 --now $((NOW + 590))
get /agenda/
check "max-age ends when the soonest event ends" hdr Cache-Control "public, max-age=11"
lib_worker_stop
lib_worker_start "$SOCK" "$T/db" -w 1 --now $((NOW + 600))
get /agenda/
check "event listed up to its last second" sh -c "grep -q e3 '$T/b'"
# One second later it has moved, with no rebuild.
lib_worker_stop
lib_worker_start "$SOCK" "$T/db" -w 1 --now $((NOW + 601))
get /agenda/
check "ended event left the upcoming list" is \
    '<h1>Agenda</h1><ul>\n<li>e4</li>\n<li>e5</li>\n<a rel="next" href="/agenda/page/2/">suivant</a>{x}\n</ul><footer/>\n'
check "etag changed with the list" [ "$(hval ETag)" != "$AETAG" ]
get /agenda/passes/
check "ended event heads the past list" is \
    '<h1>Passés</h1><ul>\n<li>e3</li>\n<li>e1</li>\n<a rel="next" href="/agenda/passes/page/2/">suivant</a>{x}\n</ul>\n'
get /agenda/passes/page/2/
check "past page 2" is \
    '<h1>Passés</h1><ul>\n<li>e2</li>\n<a rel="prev" href="/agenda/passes/">précédent</a>\n</ul>\n'

# Long after everything: the empty text.
lib_worker_stop
lib_worker_start "$SOCK" "$T/db" -w 1 --now $((NOW + 10000000))
get /agenda/
check "no upcoming event: the empty text" is \
    '<h1>Agenda</h1><ul>\n<p>Aucun événement à venir</p>\n</ul><footer/>\n'
get /agenda.ics
check "no upcoming event: empty calendar" is \
    'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n'

# Without frames the agenda paths are ordinary pages.
printf '<p>static agenda</p>\n' >static-agenda.html
cat >spec2 <<EOF
page /agenda/ 200 page 0 @html.type @static-agenda.html
EOF
check "republish without agenda frames" "$MKDB" "$T/db" spec2
get /agenda/
check "no frames: /agenda/ from pages" is '<p>static agenda</p>\n'

# Malformed entries are skipped, never a crash.
printf 'junk' >junk
cat >spec3 <<EOF
meta agenda:head @ahead
meta agenda:tail @atail
raw agenda short @junk
raw agenda zzzzzzzzzzzzzzzzzzzzzzzz @junk
EOF
grep '^event' $SPEC >>spec3
check "republish with malformed agenda entries" "$MKDB" "$T/db" spec3
get /agenda/passes/
check "malformed entries skipped" is '<li>e6</li>\n<li>e5</li>\n<li>e4</li>\n<li>e3</li>\n<li>e1</li>\n<li>e2</li>\n'
check "worker alive after malformed entries" lib_alive "$WORKER_PID"

exit 0
