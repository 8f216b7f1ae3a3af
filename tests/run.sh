#!/bin/sh
# Runs every test and ends with "N passed, N failed".
# Each test program prints TAP-style lines ("ok - ...", "not ok - ...");
# a program that exits non-zero without saying why counts as one failure.
# Environment: BIN (programs), UNIT_DIR (unit test binaries), TOOL_DIR.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
: "${BIN:=bin}" "${UNIT_DIR:=build/release/tests}" "${TOOL_DIR:=build/release/tools}"
export BIN UNIT_DIR TOOL_DIR
BIN=$(cd "$BIN" && pwd); TOOL_DIR=$(cd "$TOOL_DIR" 2>/dev/null && pwd || echo "$TOOL_DIR")
export BIN TOOL_DIR
log=$(mktemp -d "${TMPDIR:-/tmp}/folio-test.XXXXXX")
trap 'rm -rf "$log"' EXIT INT TERM
passed=0
failed=0

run_one() {	# name, command...
	name=$1; shift
	out="$log/out"
	timeout -k 5 "${TEST_TIMEOUT:-300}" "$@" >"$out" 2>"$log/err"
	rc=$?
	cat "$out"
	p=$(grep -c '^ok ' "$out")
	f=$(grep -c '^not ok ' "$out")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		sed 's/^/#   /' "$log/err" | tail -20
		f=1
	elif [ "$f" -ne 0 ]; then
		sed 's/^/#   /' "$log/err" | tail -20
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name ran no check"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
}

for t in "$UNIT_DIR"/test_*; do
	case "$t" in *.d) continue ;; esac
	[ -x "$t" ] || continue
	echo "# unit: $(basename "$t")"
	run_one "$(basename "$t")" "$t"
done
for t in tests/golden/run.sh tests/integration/*.sh; do
	[ -f "$t" ] || continue
	echo "# $t"
	run_one "$t" sh "$t"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
