#!/bin/sh
# Golden tests: each NAME.md beside NAME.html, the HTML its body must give.
# Prints "ok - NAME" or "not ok - NAME" with the diff. The renderer is
# $RENDER_BODY (default $TOOL_DIR/render-body, a file whose body is all of
# it when it has no front matter).
set -u
dir=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$dir/../.." && pwd)
cd "$top" || exit 1
: "${TOOL_DIR:=build/release/tools}"
: "${RENDER_BODY:=$TOOL_DIR/render-body}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/folio-golden.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
for md in "$dir"/*.md; do
	name=$(basename "$md" .md)
	want="$dir/$name.html"
	[ -f "$want" ] || continue
	if ! $RENDER_BODY "$md" >"$tmp/out" 2>"$tmp/err"; then
		echo "not ok - golden $name: renderer failed"
		sed 's/^/#   /' "$tmp/err"
		fail=1
		continue
	fi
	if diff -u "$want" "$tmp/out" >"$tmp/diff"; then
		echo "ok - golden $name"
	else
		echo "not ok - golden $name"
		sed 's/^/#   /' "$tmp/diff"
		fail=1
	fi
done
exit $fail
