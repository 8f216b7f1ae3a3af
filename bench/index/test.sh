#!/bin/sh
# Checks of the benchmark's own pieces: the generator (deterministic,
# shares, sizes, YAML that Ruby's reader accepts, the kramdown features of
# the real content), the measurement helper (statuses, medians, ratios)
# and a small end-to-end run of run.sh. Prints TAP-style lines and ends
# with "N passed, N failed"; exits 1 when a check fails.
#
# usage: sh bench/index/test.sh      (from the repository root)
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/folio-bench-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
export LC_ALL=C.UTF-8
pass=0
fail=0
n=0

check() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
		pass=$((pass + 1))
	else
		echo "not ok $n - $2"
		fail=$((fail + 1))
	fi
}

GEN="python3 $HERE/gen.py"
M="python3 $HERE/measure.py"

# --- generator ---------------------------------------------------------
$GEN 200 "$T/a" 2>/dev/null
check $? "gen.py 200 writes a site"
$GEN 200 "$T/b" 2>/dev/null
diff -r "$T/a" "$T/b" >/dev/null
check $? "same seed, same site"
$GEN 200 "$T/c" --seed 2 2>/dev/null
! diff -r "$T/a" "$T/c" >/dev/null
check $? "another seed, another site"
$GEN 50 "$T/d" 2>/dev/null
ok=0
for f in "$T"/d/_*/*; do
	rel=${f#"$T/d/"}
	cmp -s "$f" "$T/a/$rel" || ok=1
done
check $ok "the first 50 documents of a 200-document site are a 50 site"

counts=$(for c in evenements actualites communiques publications; do
	ls "$T/a/_$c" | wc -l
done | tr '\n' ' ')
[ "$counts" = "80 80 20 20 " ]
check $? "collections 40/40/10/10 % (got $counts)"

for bad in "0 x" "-3 x" "abc x" "5" "5 x --seed"; do
	# shellcheck disable=SC2086
	$GEN $bad 2>/dev/null
	[ $? -eq 2 ]
	check $? "gen.py $bad: usage error"
done

# Body sizes: 1 to 15 KB after the front matter.
python3 - "$T/a" <<'EOF'
import glob, sys
bad = []
for f in glob.glob(sys.argv[1] + "/_*/*"):
    t = open(f, "rb").read()
    end = t.index(b"\n---\n", 4) + 5
    n = len(t) - end
    if not 1024 <= n <= 15 * 1024:
        bad.append((f, n))
print("# body sizes out of range:", bad[:3])
sys.exit(1 if bad else 0)
EOF
check $? "bodies between 1 and 15 KB"

# The kramdown features of the real content, each somewhere in the site.
ok=0
for pat in '{: .encadre}' '{:target="_blank"}' '### Au programme :' \
    '<div align="center">' '|---|' '> ' '* **' '1. ' '«' '’' '&nbsp;' \
    '![' '](https://' '{: .encadre role="presentation" }' '<br>'; do
	if ! cat "$T"/a/_*/* | grep -qF -- "$pat"; then
		echo "# not found: $pat"
		ok=1
	fi
done
check $ok "bodies use IALs, headings, lists, quotes, tables, HTML blocks"

ok=0
for pat in 'event_start_date: ' 'event_end_date: ' 'lieu: ' 'adresse: ' \
    '- type: ' '  - nom: ' 'champs_informations:' '- intitule: ' \
    '  contenu: |-' '  lien: ' 'une-ou-diaporama:' '  legende: ' \
    '  alternative-textuelle: ' 'chapeau-text: ' '+01:00' '+02:00'; do
	if ! cat "$T"/a/_*/* | grep -qF -- "$pat"; then
		echo "# not found: $pat"
		ok=1
	fi
done
check $ok "front matter has the event and page fields"
grep -q '^  - nom: $' "$T"/a/_evenements/* &&
    grep -q '^  - nom: [0-9][0-9]*$' "$T"/a/_evenements/*
check $? "some lignes have a null or numeric nom"

if command -v ruby >/dev/null 2>&1; then
	ruby -ryaml -rdate -e '
	bad = 0
	Dir.glob(ARGV[0] + "/_*/*").each do |f|
		m = File.read(f, encoding: "UTF-8").match(/\A---\n(.*?)\n---\n/m)
		h = m && YAML.safe_load(m[1], permitted_classes: [Date, Time])
		ok = h.is_a?(Hash) && h["title"].is_a?(String) &&
		    h["date"].is_a?(Time) && h["tags"].is_a?(Array) &&
		    h["tags"].all? { |t| t.is_a?(String) } &&
		    h["chapeau-text"].is_a?(String) &&
		    (h["event_start_date"].nil? || h["event_start_date"].is_a?(Time))
		unless ok then puts "# bad front matter: #{f}"; bad += 1 end
	rescue => e
		puts "# #{f}: #{e.message}"; bad += 1
	end
	exit(bad == 0 ? 0 : 1)' "$T/a"
	check $? "front matter reads as YAML with the expected types (Ruby)"
	ruby -ryaml -e '
	c = YAML.safe_load(File.read(ARGV[0]))
	ok = c["timezone"] == "Europe/Paris" && c["future"] == true &&
	    %w[evenements actualites communiques publications].all? { |k|
		c["collections"][k]["permalink"].start_with?("/") }
	exit(ok ? 0 : 1)' "$T/a/_config.yml"
	check $? "_config.yml: collections with permalinks, time zone, future"
else
	echo "# ruby missing: YAML checks skipped"
fi

# --- measure.py --------------------------------------------------------
R=$T/r.tsv
: >"$R"
$M run "$R" t1 "true" 10 "$T/log" -- true
check $? "measure run: exit status 0 passed on"
$M run "$R" t2 "false" 10 "$T/log" -- sh -c 'exit 3'
[ $? -eq 3 ]
check $? "measure run: exit status 3 passed on"
grep -q '^t1	true	10	[0-9.]*	[0-9]*	ok$' "$R" &&
    grep -q '^t2	false	10	[0-9.]*	[0-9]*	exit 3$' "$R"
check $? "measure run: results lines"
$M run "$R" t3 "sleep" 10 "$T/log" -- sleep 0.2
awk -F '\t' '$1 == "t3" && $4 >= 200 && $4 < 2000 { f = 1 } END { exit !f }' \
    "$R"
check $? "measure run: wall time of sleep 0.2 in ms"
$M run "$R" t4 "alloc" 10 "$T/log" -- python3 -c 'b = bytearray(64 << 20)'
awk -F '\t' '$1 == "t4" && $5 >= 65536 { f = 1 } END { exit !f }' "$R"
check $? "measure run: peak memory of a 64 MB allocation"

cat >"$T/s.tsv" <<'EOF'
hugo-feeds	Hugo feeds	10000	20000.0	2000000	ok
folio-full	full	10000	3000.0	100000	ok
folio-full	full	10000	1000.0	300000	ok
folio-full	full	10000	2000.0	200000	ok
folio-inc-doc	one doc	10000	40.0	9000	ok
folio-inc-doc	one doc	10000	30.0	9000	ok
folio-inc-doc	one doc	10000	35.0	9000	ok
jekyll	jekyll	1000	12000.0	400000	ok
hugo-feeds-small	Hugo small	1000	3000.0	400000	ok
broken	broken	10000	5.0	10	exit 1
hugo-nofeeds	Hugo nofeeds	10000	-	-	skip: not installed
EOF
$M table "$T/s.tsv" >"$T/table" 2>&1
check $? "measure table runs"
grep -q '^| full  *| 10,000 |  *2.000 |  *195.3 |  *10.0x |  *10.0x |$' \
    "$T/table"
check $? "table: medians and ratios against Hugo"
grep -q '^| jekyll  *|  1,000 |  *12.000 |  *390.6 |  *0.25x |  *1.00x |$' \
    "$T/table"
check $? "table: Jekyll compared with Hugo on its own number of documents"
grep -q '^| broken .* exit 1 ' "$T/table" &&
    grep -q '^| Hugo nofeeds .* skipped ' "$T/table" &&
    grep -q '^skipped (Hugo nofeeds): not installed$' "$T/table"
check $? "table: failed and skipped rows"
grep -q 'one doc  *35.0 ms  (40.0, 30.0, 35.0)' "$T/table"
check $? "table: incremental figures in ms"
grep -q '^  full  *3.000, 1.000, 2.000$' "$T/table" &&
    ! grep -q '^  Hugo feeds  *20' "$T/table" &&
    ! grep -q '^  one doc  *0.0' "$T/table"
check $? "table: each run of a row measured more than once, in s"
if grep -qi 'pass\b\|fail' "$T/table"; then r=1; else r=0; fi
check $r "table: no verdict on a time"

# --- run.sh, end to end on a tiny site --------------------------------
mkdir "$T/tmp"
cat >"$T/fake-index" <<'EOF'
#!/bin/sh
[ "$1" = --help ] && exit 0
exit 0
EOF
chmod +x "$T/fake-index"
(cd "$HERE/../.." && TMPDIR=$T/tmp FOLIO_INDEX=$T/nonexistent \
    BENCH_DOCS=20 JEKYLL_DOCS=10 BENCH_RUNS=1 sh bench/index/run.sh) \
    >"$T/run1" 2>&1
check $? "run.sh without folio-index exits 0"
grep -q 'not found or not executable.*skipping the folio rows' "$T/run1" &&
    grep -q '^| folio-index full publish .* skipped ' "$T/run1"
check $? "run.sh skips the folio rows with a message"
(cd "$HERE/../.." && TMPDIR=$T/tmp FOLIO_INDEX=$T/fake-index \
    BENCH_DOCS=20 JEKYLL_DOCS=20 BENCH_RUNS=2 INC_RUNS=2 \
    sh bench/index/run.sh) >"$T/run2" 2>&1
check $? "run.sh with a folio-index exits 0"
[ "$(grep -c '^| folio-index' "$T/run2")" -eq 5 ] &&
    grep -q 'one document changed  .* ms  (.*, .*)' "$T/run2" &&
    grep -q 'one document changed, --changed .* ms  (.*, .*)' "$T/run2"
check $? "run.sh: five folio rows (one with --changed), two runs each"
if command -v hugo >/dev/null 2>&1; then
	grep -q '^| Hugo, taxonomies and feeds  *|  *20 |  *[0-9.]* |' \
	    "$T/run2"
	check $? "run.sh: a Hugo row"
fi
if command -v jekyll >/dev/null 2>&1; then
	grep -q '^| Jekyll (kramdown), documents only  *|  *20 |  *[0-9.]* |' \
	    "$T/run2"
	check $? "run.sh: a Jekyll row"
fi
(cd "$HERE/../.." && BENCH_DOCS=abc sh bench/index/run.sh) >/dev/null 2>&1
[ $? -eq 2 ]
check $? "run.sh: BENCH_DOCS=abc is a usage error"
[ -z "$(ls -A "$T/tmp")" ]
check $? "run.sh leaves no temporary tree"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
