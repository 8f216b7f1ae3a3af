#!/bin/sh
# make bench: wrk through the same nginx against
#   static  nginx serving the same bytes from a file (sendfile,
#           open_file_cache, gzip_static)
#   floor   a minimal in-memory libfcgi responder (bench/floor.c)
#   folio   folio-fcgi
#   micro   folio-fcgi behind nginx's one-second micro-cache
# at 1 and 50 connections, interleaved, several rounds; then instructions
# per request (callgrind) for folio-fcgi and the floor. Prints figures and
# ratios; never passes or fails on a time.
#
# Knobs: BENCH_ROUNDS (3), BENCH_SECS (3), BENCH_WORKERS (CPUs),
#        BENCH_CALLGRIND (1), BENCH_SIZE (page bytes, 20000)
set -u
. "$(dirname "$0")/../tests/lib/folio.sh"
lib_init
ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECS:-3}
W=${BENCH_WORKERS:-$(nproc)}
SIZE=${BENCH_SIZE:-20000}
NGINX_ACCESS_LOG="access_log off;"
export NGINX_ACCESS_LOG

command -v wrk >/dev/null || { echo "bench: wrk is not installed"; exit 1; }
FLOOR=$T/floor
cc -O2 -o "$FLOOR" "$LIB_TOP/bench/floor.c" \
    $(pkg-config --cflags --libs fcgi) || exit 1

# One page of realistic size, the same bytes for every contender.
mkdir -p "$T/static/assets"
{
	printf '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
	printf '<title>Banc</title></head><body><main>\n'
	i=0
	while [ $i -lt $((SIZE / 100)) ]; do
		printf '<p>Paragraphe %d : la transformation numérique de ' "$i"
		printf 'l’État avance, service après service.</p>\n'
		i=$((i + 1))
	done
	printf '</main></body></html>\n'
} >"$T/page.html"
cp "$T/page.html" "$T/static/assets/page.html"
gzip -9 -n -c "$T/page.html" >"$T/static/assets/page.html.gz"
printf 'text/html; charset=utf-8' >"$T/html.type"
echo "page /bench/ 200 page 1579079640 @html.type @page.html" >"$T/spec"
"$MKDB" "$T/db" "$T/spec" || exit 1

LIBFCGI_OS_CLOSE_POLL_TIMEOUT=0 "$FLOOR" -s "$T/floor.sock" -w "$W" \
    "$T/page.html" &
FLOOR_PID=$!
lib_worker_start "$T/folio.sock" "$T/db" -w "$W" || exit 1
lib_wait_socket "$T/floor.sock" 5 || { echo "bench: floor did not start"; exit 1; }

PA=$(lib_free_port); PB=$(lib_free_port); PC=$(lib_free_port)
lib_nginx_conf "$T/na" "$PA" "$T/folio.sock" "$T/static"
lib_nginx_conf "$T/nb" "$PB" "$T/floor.sock" "$T/static"
lib_nginx_conf "$T/nc" "$PC" "$T/folio.sock" "$T/static" microcache
NG=
for d in na:$PA nb:$PB nc:$PC; do
	lib_nginx_start "$T/${d%%:*}" "${d#*:}" || { echo "bench: nginx"; exit 1; }
	NG="$NG $NGINX_PID"
done
NGINX_PID=
stop_all() {
	for p in $NG $FLOOR_PID; do kill -TERM "$p" 2>/dev/null; done
	for p in $NG $FLOOR_PID; do lib_wait_gone "$p" 5 || kill -KILL "$p"; done
	lib_cleanup
}
trap 'stop_all' EXIT

url() {
	case $1 in
	static) echo "http://127.0.0.1:$PA/assets/page.html" ;;
	floor) echo "http://127.0.0.1:$PB/bench/" ;;
	folio) echo "http://127.0.0.1:$PA/bench/" ;;
	micro) echo "http://127.0.0.1:$PC/bench/" ;;
	esac
}
for t in static floor folio micro; do
	check "$t answers the same bytes" sh -c \
	    "curl -s '$(url $t)' | cmp -s - '$T/page.html'"
	wrk -t1 -c4 -d1s "$(url $t)" >/dev/null 2>&1	# warm up
done

# One wrk run: "reqs p50us p99us errors"
run_wrk() {	# url conns
	th=1
	[ "$2" -gt 1 ] && th=2
	wrk -t$th -c"$2" -d"${SECS}s" --latency "$1" 2>&1 | awk '
	function us(v) {
		if (v ~ /us$/) { sub(/us$/, "", v); return v + 0 }
		if (v ~ /ms$/) { sub(/ms$/, "", v); return v * 1000 }
		if (v ~ /s$/) { sub(/s$/, "", v); return v * 1000000 }
		return v + 0
	}
	$1 == "50%" { p50 = us($2) }
	$1 == "99%" { p99 = us($2) }
	/^Requests\/sec:/ { rps = $2 }
	/Non-2xx or 3xx responses:/ { err += $NF }
	/Socket errors:/ {
		for (i = 3; i <= NF; i++) { v = $i; gsub(/,/, "", v); if (v ~ /^[0-9]+$/) err += v }
	}
	END { printf "%.0f %.0f %.0f %d\n", rps, p50, p99, err }'
}

[ "${BENCH_WRK:-1}" = 1 ] || ROUNDS=0
echo "# $ROUNDS rounds of ${SECS}s, $W worker processes, page $(wc -c <"$T/page.html") bytes"
: >"$T/results"
r=1
while [ $r -le "$ROUNDS" ]; do
	for c in 1 50; do
		for t in static floor folio micro; do
			set -- $(run_wrk "$(url $t)" $c)
			echo "$t $c $*" >>"$T/results"
			echo "# round $r: $t c=$c req/s=$1 p50=${2}us p99=${3}us errors=$4"
		done
	done
	r=$((r + 1))
done

# Medians per contender and connection count.
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
stat() {	# target conns field(3 rps, 4 p50, 5 p99)
	awk -v t="$1" -v c="$2" -v f="$3" '$1 == t && $2 == c { print $f }' \
	    "$T/results" | median
}
errs() { awk -v t="$1" -v c="$2" '$1 == t && $2 == c { s += $6 } END { print s + 0 }' "$T/results"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo
printf '%-8s %5s %10s %10s %10s %7s\n' target conns req/s p50_us p99_us errors
for c in 1 50; do
	for t in static floor folio micro; do
		printf '%-8s %5s %10s %10s %10s %7s\n' "$t" "$c" "$(stat $t $c 3)" \
		    "$(stat $t $c 4)" "$(stat $t $c 5)" "$(errs $t $c)"
	done
done
echo
for c in 1 50; do
	echo "c=$c folio/floor $(ratio "$(stat folio $c 3)" "$(stat floor $c 3)")" \
	    "folio/static $(ratio "$(stat folio $c 3)" "$(stat static $c 3)")" \
	    "micro/static $(ratio "$(stat micro $c 3)" "$(stat static $c 3)")"
done

# Instructions per request: (Ir after N2 requests - Ir after N1) / (N2 - N1)
# in the serving child, with requests sent straight to the socket.
[ "${BENCH_CALLGRIND:-1}" = 1 ] || exit 0
command -v valgrind >/dev/null || { echo "# valgrind missing: no instruction counts"; exit 0; }
child_ir() {	# name n command...
	cg_name=$1
	cg_n=$2
	shift 2
	d=$T/cg-$cg_name-$cg_n
	mkdir -p "$d"
	rm -f "$T/cg.sock"
	LIBFCGI_OS_CLOSE_POLL_TIMEOUT=0 valgrind --tool=callgrind \
	    --callgrind-out-file="$d/out.%p" "$@" >/dev/null 2>&1 &
	vp=$!
	lib_wait_socket "$T/cg.sock" 30 || { echo 0; return; }
	"$FCGIGET" -q -n "$cg_n" "$T/cg.sock" REQUEST_METHOD=GET \
	    DOCUMENT_URI=/bench/
	kill -TERM $vp
	wait $vp 2>/dev/null
	sleep 0.5
	# the child is the file with the most instructions
	for f in "$d"/out.*; do
		awk '/^(summary|totals):/ { print $2; exit }' "$f"
	done | sort -n | tail -1
}
N1=200
N2=2200
for who in folio floor; do
	if [ $who = folio ]; then
		set -- "$FCGI" -w 1 -s "$T/cg.sock" "$T/db"
	else
		set -- "$FLOOR" -w 1 -s "$T/cg.sock" "$T/page.html"
	fi
	a=$(child_ir $who $N1 "$@")
	b=$(child_ir $who $N2 "$@")
	ir=$(awk -v a="$a" -v b="$b" -v n=$((N2 - N1)) 'BEGIN { printf "%.0f", (b - a) / n }')
	echo "instructions/request $who $ir"
	eval "IR_$who=$ir"
done
echo "instructions folio/floor $(ratio "$IR_folio" "$IR_floor")"
