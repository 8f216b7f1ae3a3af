#!/bin/sh
# The indexer benchmark (`make bench-index`): generates a synthetic site
# shaped like numerique.gouv.fr and times, on the same documents,
#   - folio-index: full publish into an empty database, incremental publish
#     after changing one document and after changing one template;
#   - Hugo with a minimal equivalent theme, with and without feeds;
#   - Jekyll with minimal layouts (on fewer documents by default).
# Prints wall time, peak memory and the ratios against Hugo. It reports
# figures only: no time makes it fail.
#
# Run from the repository root. Environment:
#   FOLIO_INDEX   the indexer binary (bin/folio-index); its rows are skipped
#                 when it is missing
#   BENCH_DOCS    documents in the site (10000)
#   JEKYLL_DOCS   documents for Jekyll (1000; Jekyll needs minutes per
#                 thousand documents)
#   BENCH_RUNS    runs of each folio and Hugo measurement, median
#                 reported (3)
#   INC_RUNS      runs of a one-document incremental publish (9: a run is
#                 a few tens of milliseconds, and this machine is shared)
#   BENCH_SEED    generator seed (1)
#   TMPDIR        where the temporary tree goes (/tmp); removed at the end
set -eu

FOLIO_INDEX=${FOLIO_INDEX:-bin/folio-index}
BENCH_DOCS=${BENCH_DOCS:-10000}
JEKYLL_DOCS=${JEKYLL_DOCS:-1000}
BENCH_RUNS=${BENCH_RUNS:-3}
INC_RUNS=${INC_RUNS:-9}
BENCH_SEED=${BENCH_SEED:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
export LC_ALL=C.UTF-8

for n in "$BENCH_DOCS" "$JEKYLL_DOCS" "$BENCH_RUNS" "$INC_RUNS"; do
	case $n in
	'' | *[!0-9]* | 0)
		echo "bench-index: BENCH_DOCS, JEKYLL_DOCS, BENCH_RUNS and" \
		    "INC_RUNS must be positive numbers" >&2
		exit 2 ;;
	esac
done
if [ "$JEKYLL_DOCS" -gt "$BENCH_DOCS" ]; then
	JEKYLL_DOCS=$BENCH_DOCS
fi
if ! command -v python3 >/dev/null 2>&1; then
	echo "bench-index: python3 is needed (apt-get install python3)" >&2
	exit 1
fi

# The tools, installed the way deploy/install-deps.sh installs folio's own
# dependencies; they are for this benchmark only.
missing=""
command -v hugo >/dev/null 2>&1 || missing="$missing hugo"
command -v jekyll >/dev/null 2>&1 || missing="$missing jekyll"
[ -x /usr/bin/time ] || missing="$missing time"
if [ -n "$missing" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		echo "bench-index: installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		if ! apt-get install -y --no-install-recommends $missing \
		    >/dev/null; then
			apt-get update >/dev/null
			apt-get install -y --no-install-recommends $missing \
			    >/dev/null || true
		fi
	else
		echo "bench-index: missing:$missing"
		echo "run:  sudo apt-get install -y --no-install-recommends$missing"
		echo "(the rows of the missing tools are skipped)"
	fi
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/folio-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
R=$T/results.tsv
: >"$R"
M="python3 $HERE/measure.py"

# Other work on the machine skews every figure: say how busy it was.
load() {
	if [ -r /proc/loadavg ]; then
		echo "bench-index: load average $1: $(cut -d' ' -f1-3 \
		    /proc/loadavg) ($(getconf _NPROCESSORS_ONLN 2>/dev/null ||
		    echo '?') CPUs)"
	fi
}
load "at the start"
echo "bench-index: generating $BENCH_DOCS documents (seed $BENCH_SEED)"
python3 "$HERE/gen.py" "$BENCH_DOCS" "$T/site" --seed "$BENCH_SEED"
cp -R "$ROOT/content/_templates" "$T/site/_templates"
if [ -d "$ROOT/content/assets" ]; then
	cp -R "$ROOT/content/assets" "$T/site/assets"
fi

# Prints the last lines of a failed run's output.
show_log() {
	echo "bench-index: $1 failed; its last output lines:" >&2
	tail -n 5 "$2" >&2 || true
}

# --- folio -------------------------------------------------------------
case $FOLIO_INDEX in
/*) ;;
*) FOLIO_INDEX=$ROOT/$FOLIO_INDEX ;;
esac
if [ -x "$FOLIO_INDEX" ]; then
	set -- "$FOLIO_INDEX"
	# The site carries its templates; name them as the defaults too, so
	# the run depends on nothing installed.
	if "$FOLIO_INDEX" --help 2>/dev/null | grep -q -- --templates; then
		set -- "$@" --templates "$T/site/_templates"
	fi
	FLOG=$T/folio.log
	echo "bench-index: folio-index: full publish x$BENCH_RUNS"
	i=1
	while [ "$i" -le "$BENCH_RUNS" ]; do
		rm -rf "$T/db"
		mkdir "$T/db"
		$M run "$R" folio-full "folio-index full publish" "$BENCH_DOCS" \
		    "$FLOG" -- "$@" --full "$T/site" "$T/db" ||
		    show_log "folio-index --full" "$FLOG"
		i=$((i + 1))
	done
	grep -h 'published' "$FLOG" 2>/dev/null | tail -n 1 |
	    sed 's/^/bench-index: folio-index said: /' || true

	# One event, the same one in every run; each run changes its body
	# again so that there is always something new to publish.
	doc=$(ls "$T/site/_evenements" | sort | head -n 1)
	echo "bench-index: folio-index: incremental, one document changed" \
	    "(_evenements/$doc) x$INC_RUNS"
	i=1
	while [ "$i" -le "$INC_RUNS" ]; do
		printf '\nMise à jour n° %d du programme.\n' "$i" \
		    >>"$T/site/_evenements/$doc"
		$M run "$R" folio-inc-doc "folio-index, one document changed" \
		    "$BENCH_DOCS" "$FLOG" -- "$@" "$T/site" "$T/db" ||
		    show_log "folio-index (one document changed)" "$FLOG"
		i=$((i + 1))
	done

	# The same, as the post-receive hook runs it: told which file
	# changed (git diff --name-only), the indexer walks no folder.
	printf '_evenements/%s\n' "$doc" >"$T/changed"
	echo "bench-index: folio-index: incremental, one document changed," \
	    "named with --changed x$INC_RUNS"
	i=1
	while [ "$i" -le "$INC_RUNS" ]; do
		printf '\nMise à jour n° %d du programme (liste).\n' "$i" \
		    >>"$T/site/_evenements/$doc"
		$M run "$R" folio-inc-list \
		    "folio-index, one document changed, --changed" \
		    "$BENCH_DOCS" "$FLOG" -- "$@" --changed "$T/changed" \
		    "$T/site" "$T/db" ||
		    show_log "folio-index (--changed)" "$FLOG"
		i=$((i + 1))
	done

	# The footer is in every page: the worst case of a template edit.
	tpl=footer.mustache
	[ -f "$T/site/_templates/$tpl" ] ||
	    tpl=$(ls "$T/site/_templates" | sort | head -n 1)
	echo "bench-index: folio-index: incremental, one template changed" \
	    "(_templates/$tpl) x$BENCH_RUNS"
	i=1
	while [ "$i" -le "$BENCH_RUNS" ]; do
		printf '<!-- révision %d -->\n' "$i" >>"$T/site/_templates/$tpl"
		$M run "$R" folio-inc-tpl "folio-index, one template changed" \
		    "$BENCH_DOCS" "$FLOG" -- "$@" "$T/site" "$T/db" ||
		    show_log "folio-index (one template changed)" "$FLOG"
		i=$((i + 1))
	done

	echo "bench-index: folio-index: incremental, nothing changed" \
	    "x$BENCH_RUNS"
	i=1
	while [ "$i" -le "$BENCH_RUNS" ]; do
		$M run "$R" folio-inc-none "folio-index, nothing changed" \
		    "$BENCH_DOCS" "$FLOG" -- "$@" "$T/site" "$T/db" ||
		    show_log "folio-index (nothing changed)" "$FLOG"
		i=$((i + 1))
	done
	rm -rf "$T/db"
else
	why="$FOLIO_INDEX not found or not executable (make builds it;"
	why="$why or set FOLIO_INDEX)"
	echo "bench-index: folio-index: $why; skipping the folio rows"
	for id in folio-full folio-inc-doc folio-inc-list folio-inc-tpl \
	    folio-inc-none; do
		case $id in
		folio-full) what="folio-index full publish" ;;
		folio-inc-doc) what="folio-index, one document changed" ;;
		folio-inc-list)
			what="folio-index, one document changed, --changed" ;;
		folio-inc-tpl) what="folio-index, one template changed" ;;
		*) what="folio-index, nothing changed" ;;
		esac
		$M skip "$R" "$id" "$what" "$BENCH_DOCS" "$why"
	done
fi

# --- Hugo --------------------------------------------------------------
# A Hugo site from the same files: content/<collection>/ with the same
# front matter, the minimal theme of bench/index/hugo/.
hugo_site() {
	mkdir -p "$2/content" "$2/static"
	for c in evenements actualites communiques publications; do
		cp -R "$1/_$c" "$2/content/$c"
	done
	cp -R "$1/uploads" "$2/static/uploads"
	cp -R "$HERE/hugo/layouts" "$2/layouts"
	cp "$HERE/hugo/hugo.toml" "$HERE/hugo/hugo-nofeeds.toml" "$2/"
}

# hugo_run ID WHAT DOCS SITE CONFIG: BENCH_RUNS builds from nothing, as
# folio's full publishes are: the ratios compare a median with a median.
hugo_run() {
	echo "bench-index: $2 x$BENCH_RUNS"
	i=1
	while [ "$i" -le "$BENCH_RUNS" ]; do
		rm -rf "$T/hugo-out" "$T/hugo-cache"
		$M run "$R" "$1" "$2" "$3" "$T/hugo.log" -- hugo --quiet \
		    --source "$4" --config "$4/$5" --destination "$T/hugo-out" \
		    --cacheDir "$T/hugo-cache" || show_log "$2" "$T/hugo.log"
		i=$((i + 1))
	done
	if [ -d "$T/hugo-out" ]; then
		echo "bench-index: $2: $(find "$T/hugo-out" -type f | wc -l)" \
		    "files written"
	fi
}

if command -v hugo >/dev/null 2>&1; then
	echo "bench-index: $(hugo version | cut -d' ' -f1-2)"
	hugo_site "$T/site" "$T/hugo"
	hugo_run hugo-feeds "Hugo, taxonomies and feeds" "$BENCH_DOCS" \
	    "$T/hugo" hugo.toml
	hugo_run hugo-nofeeds "Hugo, taxonomies, no feeds" "$BENCH_DOCS" \
	    "$T/hugo" hugo-nofeeds.toml
	rm -rf "$T/hugo" "$T/hugo-out" "$T/hugo-cache"
else
	$M skip "$R" hugo-feeds "Hugo, taxonomies and feeds" "$BENCH_DOCS" \
	    "hugo is not installed (apt-get install hugo)"
	$M skip "$R" hugo-nofeeds "Hugo, taxonomies, no feeds" "$BENCH_DOCS" \
	    "hugo is not installed (apt-get install hugo)"
fi

# --- Jekyll ------------------------------------------------------------
# The generated tree itself with the layouts of bench/index/jekyll/. With
# fewer documents than the main site, the first JEKYLL_DOCS documents of
# the same seed (the generator makes each document from its number), and
# Hugo is run on those too so that the ratios compare like with like.
if command -v jekyll >/dev/null 2>&1; then
	echo "bench-index: $(jekyll --version)"
	if [ "$JEKYLL_DOCS" -eq "$BENCH_DOCS" ]; then
		cp -R "$T/site" "$T/jekyll"
		rm -rf "$T/jekyll/_templates"
	else
		echo "bench-index: Jekyll builds $JEKYLL_DOCS documents, not" \
		    "$BENCH_DOCS (set JEKYLL_DOCS=$BENCH_DOCS for all of them;" \
		    "expect minutes)"
		python3 "$HERE/gen.py" "$JEKYLL_DOCS" "$T/jekyll" \
		    --seed "$BENCH_SEED"
		if command -v hugo >/dev/null 2>&1; then
			hugo_site "$T/jekyll" "$T/hugo"
			hugo_run hugo-feeds-small \
			    "Hugo, taxonomies and feeds (Jekyll's docs)" \
			    "$JEKYLL_DOCS" "$T/hugo" hugo.toml
			rm -rf "$T/hugo" "$T/hugo-out" "$T/hugo-cache"
		fi
	fi
	cp -R "$HERE/jekyll/." "$T/jekyll/"
	printf 'markdown: kramdown\n' >>"$T/jekyll/_config.yml"
	$M run "$R" jekyll "Jekyll (kramdown), documents only" "$JEKYLL_DOCS" \
	    "$T/jekyll.log" -- jekyll build --quiet --source "$T/jekyll" \
	    --destination "$T/jekyll-out" || show_log Jekyll "$T/jekyll.log"
	if [ -d "$T/jekyll-out" ]; then
		echo "bench-index: Jekyll: $(find "$T/jekyll-out" -type f |
		    wc -l) files written"
	fi
	rm -rf "$T/jekyll" "$T/jekyll-out"
else
	$M skip "$R" jekyll "Jekyll (kramdown), documents only" \
	    "$JEKYLL_DOCS" "jekyll is not installed (apt-get install jekyll)"
fi

load "at the end"
echo
$M table "$R"
