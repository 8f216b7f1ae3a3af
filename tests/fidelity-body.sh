#!/bin/sh
# fidelity-body.sh [CORPUS_DIR EXPECTED_DIR]
# Renders every Markdown file of the corpus with render-body into a
# temporary tree (<path>.html) and compares it with the reference
# renderings through compare.py; prints its "fidelity: K/N identical".
# RENDER_BODY overrides the program (default $TOOL_DIR/render-body).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
corpus=${1:-../shared/corpus/numerique}
expected=${2:-../shared/corpus/numerique.expected}
: "${TOOL_DIR:=build/release/tools}"
: "${RENDER_BODY:=$TOOL_DIR/render-body}"
if [ ! -d "$corpus" ] || [ ! -d "$expected" ]; then
	echo "fidelity: corpus not found ($corpus), skipped"
	exit 0
fi
compare=${COMPARE:-$(dirname "$expected")/compare.py}
out=$(mktemp -d "${TMPDIR:-/tmp}/folio-fidelity.XXXXXX")
trap 'rm -rf "$out"' EXIT INT TERM
(cd "$corpus" && find . -type f \( -name '*.md' -o -name '*.markdown' \) \
    ! -path '*/.*') | while IFS= read -r f; do
	f=${f#./}
	mkdir -p "$out/$(dirname "$f")"
	$RENDER_BODY "$corpus/$f" >"$out/$f.html" 2>>"$out/.stderr" ||
	    echo "render-body failed on $f" >&2
done
python3 "$compare" ${COMPARE_FLAGS:---quiet} "$expected" "$out"
