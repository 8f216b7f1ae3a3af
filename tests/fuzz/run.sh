#!/bin/sh
# Runs each libFuzzer harness named on the command line for FUZZ_SECONDS
# seconds (default 30) and prints, per harness, the executions and the
# crashes. Called by "make fuzz"; FUZZ_BIN is where the binaries are.
#
# Each harness starts from its seed corpus (tests/fuzz/corpus/NAME) and its
# regression inputs (tests/fuzz/regress/NAME); what it finds is kept in
# build/fuzz/corpus/NAME, crashing inputs in build/fuzz/crashes/NAME/. A
# crash stops libFuzzer: the harness is restarted for the time that is
# left, up to five crashes. Copy a crash into tests/fuzz/regress/NAME/
# once it is fixed, so that make test replays it.
# Exit status: 0 when no harness crashed, 1 otherwise.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
: "${FUZZ_SECONDS:=30}" "${FUZZ_BIN:=build/fuzz}" "${FUZZ_RSS_MB:=2048}"
total_crashes=0
summary=

for name in "$@"; do
	bin=$FUZZ_BIN/fuzz_$name
	work=build/fuzz/corpus/$name
	crashes=build/fuzz/crashes/$name
	log=build/fuzz/$name.log
	mkdir -p "$work" "$crashes" "tests/fuzz/regress/$name"
	: >"$log"
	execs=0
	ncrash=0
	left=$FUZZ_SECONDS
	while [ "$left" -gt 0 ] && [ "$ncrash" -lt 5 ]; do
		start=$(date +%s)
		before=$(ls "$crashes" | wc -l)
		"$bin" -max_total_time="$left" -timeout=10 \
		    -rss_limit_mb="$FUZZ_RSS_MB" -print_final_stats=1 \
		    -artifact_prefix="$crashes/" "$work" \
		    "tests/fuzz/corpus/$name" "tests/fuzz/regress/$name" \
		    >>"$log" 2>&1
		rc=$?
		n=$(grep 'stat::number_of_executed_units' "$log" | tail -1 |
		    sed 's/.*: *//')
		execs=$((execs + ${n:-0}))
		# so the next round's stats line is not counted twice
		sed -i 's/^stat::number_of_executed_units/counted::&/' "$log"
		after=$(ls "$crashes" | wc -l)
		if [ "$rc" -ne 0 ]; then
			ncrash=$((ncrash + 1))
			[ "$after" -gt "$before" ] ||
			    echo "fuzz_$name: exit status $rc without an artifact" >&2
		fi
		left=$((left - ($(date +%s) - start)))
		[ "$rc" -eq 0 ] && break
	done
	line="$name: $execs executions, $ncrash crashes"
	[ "$ncrash" -gt 0 ] && line="$line (inputs in $crashes/, log $log)"
	echo "$line"
	summary="$summary$line
"
	total_crashes=$((total_crashes + ncrash))
done
printf '%s' "# summary
$summary"
[ "$total_crashes" -eq 0 ]
