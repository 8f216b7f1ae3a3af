#!/bin/sh
# Memory: the worker's children over REQUESTS requests through nginx (after
# a warm-up): anonymous memory (RssAnon, not RSS: the LMDB map is file
# memory) grows by less than 1 MiB and the open descriptors stay flat. Then
# valgrind memcheck over the integration paths: the worker serving
# VALGRIND_REQUESTS requests of every kind through nginx and hostile
# records on its socket, and the indexer publishing content/: 0 bytes
# definitely lost, no invalid access.
# Long by default (a million requests); make test runs it short through
# tests/integration/faults.sh. Prints "# stat:" lines.
set -u
. "$(dirname "$0")/../lib/folio.sh"
. "$(dirname "$0")/lib.sh"
lib_init
trap 'st_cleanup' EXIT
: "${REQUESTS:=1000000}" "${VALGRIND_REQUESTS:=1000}" "${WORKERS:=2}"
: "${CONNS:=16}"
# ASan keeps freed memory in quarantine and valgrind cannot run its
# binaries: both measures need the plain build.
if grep -qa __asan_init "$FCGI" "$IDX"; then
	echo "ok - memory and valgrind # skip sanitizer build"
	exit 0
fi

st_site
check "memory: publish content/" st_publish 1
check "memory: worker and nginx start" st_serve "$WORKERS"
# pages, request-time agenda and calendar, feeds, 404, redirects
cat >>"$T/paths" <<'EOF'
/agenda.ics
/feed.xml
/agenda/passes/
/sitemap.xml
/missing/page/
/actualites
/actualites/rgaa-5/
/%C3%A9v%C3%A9nement/
EOF

status_kb() {	# pid field: a field of /proc/PID/status in kB
	sed -n "s/^$2:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"
}
snapshot() {	# file: "pid rssanon_kb fds" per child
	for p in $(st_kids); do
		echo "$p $(status_kb "$p" RssAnon) $(ls "/proc/$p/fd" | wc -l)"
	done >"$1"
}
load() {	# requests: runs wrk in 5 s rounds until that many were answered
	done_=0
	while [ "$done_" -lt "$1" ]; do
		WRK_ANY=1 st_wrk 5 "$CONNS"
		st_wrk_wait
		n=$(st_wrk_field requests)
		e=$(st_wrk_field socket_errors)
		[ "$n" -gt 0 ] || return 1
		done_=$((done_ + n))
		errs=$((errs + e))
		[ "$1" -lt 50000 ] && break	# the short run: one round
	done
	SERVED=$((SERVED + done_))
}
SERVED=0
errs=0
load 20000	# warm-up: every code path once, the allocator settled
snapshot "$T/before"
SERVED=0
t0=$(lib_ms)
load "$REQUESTS"
t1=$(lib_ms)
snapshot "$T/after"
echo "# served $SERVED requests in $(( (t1 - t0) / 1000 )) s after warm-up"
check "memory: $SERVED requests served (asked $REQUESTS)" \
    [ "$SERVED" -ge $((REQUESTS < 50000 ? 1 : REQUESTS)) ]
check "memory: no socket error ($errs)" [ "$errs" -eq 0 ]
check "memory: the same children throughout" \
    [ "$(cut -d' ' -f1 "$T/before")" = "$(cut -d' ' -f1 "$T/after")" ]
growth=0
fdgrowth=0
while read -r pid anon fds; do
	a2=$(awk -v p="$pid" '$1 == p { print $2 }' "$T/after")
	f2=$(awk -v p="$pid" '$1 == p { print $3 }' "$T/after")
	[ -n "$a2" ] || continue
	echo "# child $pid: RssAnon $anon kB -> $a2 kB, fds $fds -> $f2"
	d=$((a2 - anon))
	[ "$d" -gt "$growth" ] && growth=$d
	d=$((f2 - fds))
	[ "$d" -gt "$fdgrowth" ] && fdgrowth=$d
done <"$T/before"
check "memory: RssAnon of each child grew by less than 1 MiB (max $growth kB)" \
    [ "$growth" -lt 1024 ]
check "memory: descriptors flat (max growth $fdgrowth)" [ "$fdgrowth" -le 0 ]
st_stat memory_requests "$SERVED"
st_stat rssanon_growth_kb "$growth"
st_stat fd_growth "$fdgrowth"
lib_nginx_stop
lib_worker_stop

# --- valgrind ------------------------------------------------------------
if ! command -v valgrind >/dev/null 2>&1; then
	echo "ok - valgrind # skip valgrind not installed"
	exit 0
fi
VG="valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
    --errors-for-leak-kinds=definite --track-fds=no"
mkdir -p "$T/vg"
# shellcheck disable=SC2086
$VG --log-file="$T/vg/index.%p" "$IDX" --quiet --templates \
    "$LIB_TOP/content/_templates" "$T/site" "$T/vgdb" 2>>"$T/index.log"
check "valgrind: the indexer publishes content/" [ $? -eq 0 ]
st_marker 2
# shellcheck disable=SC2086
$VG --log-file="$T/vg/index2.%p" "$IDX" --quiet --templates \
    "$LIB_TOP/content/_templates" "$T/site" "$T/vgdb" 2>>"$T/index.log"
check "valgrind: the indexer publishes a change" [ $? -eq 0 ]
# shellcheck disable=SC2086
$VG --log-file="$T/vg/index3.%p" "$IDX" --quiet --templates \
    "$LIB_TOP/content/_templates" "$T/site" "$T/vgdb" 2>>"$T/index.log"
check "valgrind: the indexer publishes nothing new" [ $? -eq 0 ]

# shellcheck disable=SC2086
$VG --log-file="$T/vg/fcgi.%p" "$FCGI" -w "$WORKERS" -s "$SOCK" "$T/vgdb" \
    2>>"$T/worker.log" &
WORKER_PID=$!
check "valgrind: the worker starts" lib_wait_socket "$SOCK" 30
check "valgrind: nginx starts" lib_nginx_start "$T/nginx" "$PORT"
n=0
ok=0
while [ "$n" -lt "$VALGRIND_REQUESTS" ]; do
	while read -r p; do
		c=$(curl -s -m 20 -o /dev/null -w '%{http_code}' \
		    -H "Accept-Encoding: $( [ $((n % 3)) = 0 ] && echo br ||
		    echo gzip)" "$U$p")
		case $c in 200|301|404) ok=$((ok + 1)) ;; esac
		n=$((n + 1))
	done <"$T/paths"
done
check "valgrind: $ok of $n requests answered" [ "$ok" -eq "$n" ]
ET=$(curl -s -D - -o /dev/null "$U/" | tr -d '\r' | sed -n 's/^ETag: //p')
check "valgrind: 304" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    -H "If-None-Match: $ET" "$U/")" = 304 ]
check "valgrind: 405" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    -X POST "$U/")" = 405 ]
RAW="$TOOL_DIR/rawfcgi"
"$RAW" "$SOCK" begin pairlen:0x7ffffff0:0x10:300 params-end stdin-end \
    >/dev/null 2>&1
"$RAW" "$SOCK" begin param:REQUEST_METHOD=GET param:DOCUMENT_URI=/ \
    params-end stdin-end read:100 >/dev/null 2>&1
"$RAW" "$SOCK" begin param:REQUEST_METHOD=GET params-open abort >/dev/null 2>&1
"$RAW" "$SOCK" bytes:3 close >/dev/null 2>&1
check "valgrind: served after hostile records" \
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$U/")" = 200 ]
lib_nginx_stop
kill -TERM "$WORKER_PID"
lib_wait_gone "$WORKER_PID" 30
wait "$WORKER_PID"
WORKER_PID=
sleep 0.5
nlogs=0
bad=0
lost=0
for f in "$T"/vg/*; do
	nlogs=$((nlogs + 1))
	e=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$f" | tail -1)
	l=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$f" |
	    tr -d , | tail -1)
	if [ -z "$e" ]; then
		echo "# $(basename "$f"): no summary (process still running?)"
		bad=$((bad + 1))
		continue
	fi
	if [ "$e" -ne 0 ] || [ "${l:-0}" -ne 0 ]; then
		echo "# $(basename "$f"): $e errors, ${l:-0} bytes definitely lost"
		sed 's/^/#   /' "$f" | head -60
	fi
	bad=$((bad + e))
	lost=$((lost + ${l:-0}))
done
check "valgrind: $nlogs processes checked (indexer x3, worker parent and children)" \
    [ "$nlogs" -ge $((WORKERS + 4)) ]
check "valgrind: no invalid access or other error ($bad)" [ "$bad" -eq 0 ]
check "valgrind: 0 bytes definitely lost ($lost)" [ "$lost" -eq 0 ]
st_stat valgrind_errors "$bad"
st_stat valgrind_lost "$lost"
exit 0
