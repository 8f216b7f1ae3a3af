#!/bin/sh
# Faults under load: content/ served by folio-fcgi behind nginx while wrk
# checks every answer (status 200, a whole page ending with </html>, one
# version marker) and
#   1. the indexer publishes PUBLISHES times, and is killed with SIGKILL at
#      random moments INDEX_KILLS times;
#   2. a worker child is killed with SIGKILL CHILD_KILLS times: replaced,
#      failures limited to requests in flight, reader table flat;
#   3. the database's disk fills up during a publish (a small tmpfs; skipped
#      when mount is not permitted): exit 3, a clear message, still served;
#   4. truncated and corrupted databases: refused by the indexer with a
#      clear message, no restart loop of the worker (also when the file is
#      cut while it serves);
#   5. nginx reloaded RELOADS times under load: no failed request.
# Quick by default (make test, through tests/integration/faults.sh);
# tests/stress/run.sh sets the long figures. Prints "# stat:" lines.
set -u
. "$(dirname "$0")/../lib/folio.sh"
. "$(dirname "$0")/lib.sh"
lib_init
trap 'st_cleanup' EXIT
: "${PUBLISHES:=6}" "${INDEX_KILLS:=2}" "${CHILD_KILLS:=6}" "${RELOADS:=2}"
: "${WORKERS:=2}" "${CONNS:=8}"

st_site
check "first publish" st_publish 0
check "worker and nginx start" st_serve "$WORKERS"
page() { curl -s -m 10 "$U/" >"$T/page"; }
marker_is() { page && grep -q "folio-v=$1 -->" "$T/page"; }
check "the marker is on the home page" marker_is 0
curl -s -m 10 "$U/agenda/" >"$T/agenda"
check "and on the agenda (assembled per request)" grep -q 'folio-v=0 -->' "$T/agenda"

# --- 1. publishes and killed indexers under load ---------------------------
st_wrk 3600 "$CONNS"
v=0
pub_ok=0
pub_bad=0
visible=0
killed=0
k=0
every=$(( PUBLISHES / (INDEX_KILLS + 1) ))
[ "$every" -ge 1 ] || every=1
while [ "$v" -lt "$PUBLISHES" ]; do
	v=$((v + 1))
	if st_publish "$v"; then
		pub_ok=$((pub_ok + 1))
		marker_is "$v" && visible=$((visible + 1))
	else
		pub_bad=$((pub_bad + 1))
	fi
	if [ "$k" -lt "$INDEX_KILLS" ] && [ $((v % every)) -eq 0 ]; then
		# a publish of another version, killed somewhere inside
		st_marker "$((100000 + k))"
		"$IDX" --quiet --templates "$LIB_TOP/content/_templates" \
		    "$T/site" "$DB" 2>/dev/null &
		ip=$!
		sleep "0.0$(st_rand 10)$(st_rand 10)"
		kill -KILL "$ip" 2>/dev/null
		wait "$ip" 2>/dev/null
		k=$((k + 1))
		killed=$((killed + 1))
		marker_is "$v" || marker_is "$((100000 + k - 1))" || pub_bad=$((pub_bad + 1))
	fi
done
v=$((v + 1))
check "a publish after the killed ones" st_publish "$v"
check "  and it is served at once" marker_is "$v"
st_wrk_stop
check "every publish succeeded ($pub_ok of $PUBLISHES)" [ "$pub_ok" -eq "$PUBLISHES" ]
check "each publish visible to the next request ($visible)" [ "$visible" -eq "$PUBLISHES" ]
check "indexer killed $killed times" [ "$killed" -eq "$INDEX_KILLS" ]
REQ=$(st_wrk_field requests)
FAIL=$(st_failed)
echo "# wrk during publishes: $(grep '^check:' "$T/wrk.out")"
check "requests served during the publishes ($REQ)" [ "$REQ" -gt 0 ]
check "no failed or incomplete request during the publishes ($FAIL)" [ "$FAIL" -eq 0 ]
check "no mixed or missing version marker" [ "$(st_wrk_field no_marker)" -eq 0 ]
st_stat publish_requests "$REQ"
st_stat publish_failed "$FAIL"
st_stat publishes "$pub_ok"
st_stat indexer_kills "$killed"

# --- 2. worker children killed under load ----------------------------------
sleep 1.1	# past the crash-loop guard of children started just now
R0=$(st_readers)
FD0=$(ls "/proc/$WORKER_PID/fd" | wc -l)
st_wrk 3600 "$CONNS"
i=0
while [ "$i" -lt "$CHILD_KILLS" ]; do
	victim=$(st_kids | sed -n "$(( $(st_rand "$WORKERS") + 1 ))p")
	[ -n "$victim" ] && kill -KILL "$victim" 2>/dev/null
	i=$((i + 1))
	# a child killed within 1 s of its start is restarted after 1 s
	sleep 0.$(( 3 + $(st_rand 5) ))
done
sleep 1.2
st_wrk_stop
R1=$(st_readers)
REQ=$(st_wrk_field requests)
FAIL=$(st_failed)
echo "# wrk during child kills: $(grep '^check:' "$T/wrk.out")"
check "requests served while children were killed ($REQ)" [ "$REQ" -gt 0 ]
check "failures ($FAIL) at most one per kill ($CHILD_KILLS)" [ "$FAIL" -le "$CHILD_KILLS" ]
n=$(st_kids | wc -l)
check "all $WORKERS children running again" [ "$n" -eq "$WORKERS" ]
check "reader table flat ($R0 before, $R1 after, $WORKERS workers)" \
    [ "$R1" -le $((WORKERS + 1)) ]
FD1=$(ls "/proc/$WORKER_PID/fd" | wc -l)
check "parent's descriptors flat ($FD0 -> $FD1)" [ "$FD1" -le "$FD0" ]
check "served after the kills" marker_is "$v"
st_stat kill_requests "$REQ"
st_stat kill_failed "$FAIL"
st_stat child_kills "$CHILD_KILLS"
st_stat readers_after "$R1"

# --- 3. the disk fills up during a publish ---------------------------------
FULL=$T/full
# 3 MB that do not compress, in files under the 1 MiB limit of a document
big_files() {
	for n in 1 2 3 4; do
		{
			printf -- '---\ntitle: Gros %s\n---\n' "$n"
			head -c 600000 /dev/urandom | base64 -w 76
		} >"$T/site/_actualites/gros$n.md"
	done
}
mkdir -p "$FULL"
if mount -t tmpfs -o size=1m tmpfs "$FULL" 2>/dev/null; then
	trap 'umount "$FULL" 2>/dev/null; st_cleanup' EXIT
	FDB=$FULL/db
	st_marker 900
	"$IDX" --quiet --templates "$LIB_TOP/content/_templates" "$T/site" \
	    "$FDB" 2>>"$T/index.log"
	check "disk full: a first publish fits in 1 MiB" [ $? -eq 0 ]
	lib_worker_stop
	check "disk full: the worker serves the small disk" \
	    lib_worker_start "$SOCK" "$FDB" -w "$WORKERS"
	check "disk full: served" marker_is 900
	big_files
	st_wrk 3600 "$CONNS"
	st_marker 901
	"$IDX" --quiet --templates "$LIB_TOP/content/_templates" "$T/site" \
	    "$FDB" 2>"$T/full.err"
	rc=$?
	st_wrk_stop
	echo "# $(cat "$T/full.err")"
	check "disk full: the publish fails with exit 3 ($rc)" [ "$rc" -eq 3 ]
	# (not just "full": the database's path holds that word)
	check "disk full: the message says so" \
	    grep -qF '(the disk holding it is full)' "$T/full.err"
	check "disk full: the message says nothing was published" \
	    grep -q 'nothing published' "$T/full.err"
	check "disk full: the old site is still served" marker_is 900
	FAIL=$(st_failed)
	echo "# wrk during the full disk: $(grep '^check:' "$T/wrk.out")"
	check "disk full: no failed request during it ($FAIL)" [ "$FAIL" -eq 0 ]
	rm -f "$T/site/_actualites/gros"*.md
	st_marker 902
	"$IDX" --quiet --templates "$LIB_TOP/content/_templates" "$T/site" \
	    "$FDB" 2>>"$T/index.log"
	check "disk full: a smaller publish afterwards succeeds" [ $? -eq 0 ]
	check "disk full: and is served" marker_is 902
	# A first publish into a new database writes through the map: a
	# full disk shows as ENOSPC from the pwrite() of a big value, or as
	# SIGBUS from a store into the map; either is reported.
	big_files
	"$IDX" --quiet --templates "$LIB_TOP/content/_templates" "$T/site" \
	    "$FULL/new" 2>"$T/full.err"
	rc2=$?
	echo "# $(cat "$T/full.err")"
	check "disk full, new database: exit 3 ($rc2)" [ "$rc2" -eq 3 ]
	check "disk full, new database: the message says so" \
	    grep -qE '\(the disk holding it is full\??\); nothing published$' \
	    "$T/full.err"
	check "disk full, new database: the other site is still served" \
	    marker_is 902
	rm -f "$T/site/_actualites/gros"*.md
	lib_worker_stop
	umount "$FULL"
	trap 'st_cleanup' EXIT
	check "worker back on the main database" \
	    lib_worker_start "$SOCK" "$DB" -w "$WORKERS"
	st_stat disk_full "exit-$rc"
else
	echo "ok - disk full during a publish # skip mount -t tmpfs not permitted"
	st_stat disk_full skipped
fi

# --- 4. truncated and corrupted databases ----------------------------------
bad_db() {	# name how
	rm -rf "$T/bad-$1"
	cp -R "$DB" "$T/bad-$1"
	f=$T/bad-$1/data.mdb
	sz=$(stat -c %s "$f")
	case $2 in
	half) truncate -s $((sz / 2)) "$f" ;;
	page) truncate -s 12288 "$f" ;;
	meta) dd if=/dev/urandom of="$f" bs=4096 count=2 conv=notrunc \
	    2>/dev/null ;;
	garbage) head -c "$sz" /dev/urandom >"$f" ;;
	esac
}
for how in half page meta garbage; do
	bad_db "$how" "$how"
	st_marker bad
	"$IDX" --quiet --templates "$LIB_TOP/content/_templates" "$T/site" \
	    "$T/bad-$how" 2>"$T/bad.err"
	rc=$?
	echo "# $how: $(cat "$T/bad.err")"
	check "$how database: the indexer exits 3 ($rc)" [ "$rc" -eq 3 ]
	check "$how database: a clear message" \
	    grep -q 'truncated\|not an LMDB file\|corrupt\|damaged' "$T/bad.err"
done
# the worker on a damaged database: 503, no restart loop
lib_worker_stop
: >"$T/worker.log"
SOCK2=$T/fcgi2.sock
for how in half garbage; do
	check "$how database: the worker starts" \
	    lib_worker_start "$SOCK2" "$T/bad-$how" -w "$WORKERS"
	i=0
	codes=
	while [ $i -lt 20 ]; do
		codes="$codes$("$FCGIGET" "$SOCK2" REQUEST_METHOD=GET \
		    DOCUMENT_URI=/ 2>/dev/null | sed -n '1s/^Status: \([0-9]*\).*/\1/p') "
		sleep 0.1
		i=$((i + 1))
	done
	check "$how database: every answer is 503" \
	    [ "$(echo "$codes" | tr ' ' '\n' | grep -v '^$' | sort -u)" = 503 ]
	check "$how database: no child died" \
	    sh -c "! grep -q 'killed by signal\|exited with status' '$T/worker.log'"
	check "$how database: the reason is logged" \
	    grep -q 'truncated\|not an LMDB file\|answering 503' "$T/worker.log"
	lib_worker_stop
	: >"$T/worker.log"
done
# a database cut while the worker serves it, then put back
rm -rf "$T/live"
cp -R "$DB" "$T/live"
cp "$T/live/data.mdb" "$T/data.good"
check "live cut: the worker starts" lib_worker_start "$SOCK2" "$T/live" -w "$WORKERS"
fg() { "$FCGIGET" "$SOCK2" REQUEST_METHOD=GET DOCUMENT_URI="$1" 2>/dev/null |
    sed -n '1s/^Status: \([0-9]*\).*/\1/p'; }
check "live cut: served before" [ "$(fg /)" = 200 ]
truncate -s $(( $(stat -c %s "$T/live/data.mdb") / 3 )) "$T/live/data.mdb"
i=0
while [ $i -lt 30 ]; do
	for p in / /actualites/ /agenda/ /tag/franceconnect/ /feed.xml; do
		fg "$p" >/dev/null
	done
	sleep 0.1
	i=$((i + 1))
done
deaths=$(grep -c 'killed by signal' "$T/worker.log")
echo "# live cut: $deaths children died of the cut file"
check "live cut: no restart loop ($deaths deaths, $WORKERS workers)" \
    [ "$deaths" -le $((2 * WORKERS)) ]
check "live cut: answered 503 meanwhile" [ "$(fg /)" = 503 ]
cat "$T/data.good" >"$T/live/data.mdb"
sleep 1.3
check "live cut: served again once the file is whole" [ "$(fg /)" = 200 ]
lib_worker_stop
st_stat corrupt_refused 4
st_stat live_cut_deaths "$deaths"
check "worker back on the main database" \
    lib_worker_start "$SOCK" "$DB" -w "$WORKERS"

# --- 5. nginx reloaded under load ------------------------------------------
# One connection per request: an old nginx worker closes its idle kept-alive
# connections when it leaves, and a request a client sends on one at that
# instant is lost (HTTP lets clients retry it; wrk does not). The listening
# socket passes to the new workers, so new connections never fail.
WRK_CLOSE=1
st_wrk 3600 "$CONNS"
i=0
while [ "$i" -lt "$RELOADS" ]; do
	sleep 0.5
	nginx -p "$T/nginx/" -c "$T/nginx/nginx.conf" -s reload \
	    2>>"$T/reload.err" || echo failed >>"$T/reload.err"
	i=$((i + 1))
done
sleep 1
st_wrk_stop
REQ=$(st_wrk_field requests)
FAIL=$(st_failed)
echo "# wrk during nginx reloads: $(grep '^check:' "$T/wrk.out")"
check "nginx reloaded $RELOADS times" sh -c "! grep -q 'failed\|emerg' '$T/reload.err'"
check "requests served during the reloads ($REQ)" [ "$REQ" -gt 0 ]
check "no failed request during the reloads ($FAIL)" [ "$FAIL" -eq 0 ]
st_stat reload_requests "$REQ"
st_stat reload_failed "$FAIL"
st_stat nginx_reloads "$RELOADS"
exit 0
