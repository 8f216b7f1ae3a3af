#!/bin/sh
# make fidelity: folio's reading of the real site's content against Jekyll's.
# Bodies: bin/folio-index --render-body (Markdown alone, as the references
# were made by kramdown) compared by compare.py; front matter: the JSON of
# bin/folio-index --front-matter-json compared as parsed values.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
: "${BIN:=bin}"
corpus=${CORPUS:-../shared/corpus/numerique}
expected=${EXPECTED:-../shared/corpus/numerique.expected}
if [ ! -d "$corpus" ] || [ ! -d "$expected" ]; then
	echo "fidelity: $corpus not found, skipped"
	exit 0
fi
rc=0
RENDER_BODY="$BIN/folio-index --no-liquid --render-body" \
    sh tests/fidelity-body.sh "$corpus" "$expected" || rc=1
python3 tests/fidelity-fm.py "$BIN/folio-index --front-matter-json" \
    "$expected" "$corpus" || rc=1
exit $rc
