#!/bin/sh
# make stress: the long versions of the hostile, fault and memory tests,
# then a table of what they survived. Knobs (environment): PUBLISHES (100),
# INDEX_KILLS (30), CHILD_KILLS (200), RELOADS (10), REQUESTS (1000000),
# VALGRIND_REQUESTS (1000), FUZZ_SECONDS (30, when tests/fuzz/run.sh
# exists). Ends with "N passed, N failed" like make test.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
: "${BIN:=bin}" "${TOOL_DIR:=build/release/tools}"
BIN=$(cd "$BIN" && pwd)
TOOL_DIR=$(cd "$TOOL_DIR" && pwd)
export BIN TOOL_DIR
: "${PUBLISHES:=100}" "${INDEX_KILLS:=30}" "${CHILD_KILLS:=200}"
: "${RELOADS:=10}" "${REQUESTS:=1000000}" "${VALGRIND_REQUESTS:=1000}"
: "${FUZZ_SECONDS:=30}"
export PUBLISHES INDEX_KILLS CHILD_KILLS RELOADS REQUESTS VALGRIND_REQUESTS
out=$(mktemp -d "${TMPDIR:-/tmp}/folio-stress.XXXXXX")
trap 'rm -rf "$out"' EXIT INT TERM

part() {	# name command...
	name=$1
	shift
	echo "# $name"
	t0=$(date +%s)
	"$@" 2>"$out/$name.err" | tee "$out/$name.out"
	echo "# $name: $(( $(date +%s) - t0 )) s"
	if ! grep -q '^\(not \)\{0,1\}ok ' "$out/$name.out"; then
		echo "not ok - $name ran no check" | tee -a "$out/$name.out"
		tail -20 "$out/$name.err" | sed 's/^/#   /'
	fi
}
part hostile sh tests/integration/hostile_requests.sh
part faults sh tests/stress/faults.sh
part memory sh tests/stress/memory.sh
fuzz=
fuzz_check() {	# harness names: runs them, then one verdict line
	FUZZ_SECONDS=$FUZZ_SECONDS sh tests/fuzz/run.sh "$@"
	if [ $? -eq 0 ]; then
		echo "ok - fuzzing: no crash"
	else
		echo "not ok - fuzzing: crashes (inputs in build/fuzz/crashes/)"
	fi
}
if [ -n "${FUZZ_NAMES:-}" ] && [ -f tests/fuzz/run.sh ]; then
	part fuzz fuzz_check $FUZZ_NAMES
	# per harness once: the lines before run.sh's "# summary"
	fuzz=$(awk '/^# summary/ { exit }
	    /^[a-z_]+: [0-9]+ executions, [0-9]+ crashes/ {
	    e += $2; c += $4; n++ }
	    END { if (n) printf "%d executions, %d crashes (%d harnesses)",
	    e, c, n }' "$out/fuzz.out")
fi

stat() {	# name: the value printed as "# stat: name value"
	v=$(cat "$out"/*.out | sed -n "s/^# stat: $1 //p" | tail -1)
	echo "${v:-?}"
}
passed=$(cat "$out"/*.out | grep -c '^ok ')
failed=$(cat "$out"/*.out | grep -c '^not ok ')
num() { case $1 in ''|*[!0-9]*) echo 0 ;; *) echo "$1" ;; esac; }
served=$(( $(num "$(stat publish_requests)") + $(num "$(stat kill_requests)") +
    $(num "$(stat reload_requests)") + $(num "$(stat memory_requests)") ))
bad=$(( $(num "$(stat publish_failed)") + $(num "$(stat kill_failed)") +
    $(num "$(stat reload_failed)") ))

echo
echo "folio stress"
printf '%-36s %s\n' \
    "requests served under load" "$served" \
    "  failed while publishing" "$(stat publish_failed) of $(stat publish_requests)" \
    "  failed while children were killed" "$(stat kill_failed) of $(stat kill_requests) (at most one per kill)" \
    "  failed during nginx reloads" "$(stat reload_failed) of $(stat reload_requests)" \
    "requests failed, all phases" "$bad" \
    "publishes survived" "$(stat publishes) (indexer SIGKILLed $(stat indexer_kills) times)" \
    "worker children killed" "$(stat child_kills) (reader slots after: $(stat readers_after))" \
    "nginx reloads" "$(stat nginx_reloads)" \
    "disk full during a publish" "$(stat disk_full)" \
    "damaged databases refused" "$(stat corrupt_refused) (child deaths on a live cut: $(stat live_cut_deaths))" \
    "memory growth (RssAnon per child)" "$(stat rssanon_growth_kb) kB max after $(stat memory_requests) requests; fds +$(stat fd_growth)" \
    "valgrind (worker, indexer)" "$(stat valgrind_errors) errors, $(stat valgrind_lost) bytes definitely lost"
[ -n "$fuzz" ] && printf '%-36s %s\n' "fuzzing ($FUZZ_SECONDS s a target)" "$fuzz"
printf '%-36s %s\n' "checks" "$passed passed, $failed failed"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
