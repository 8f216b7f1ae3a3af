#!/bin/sh
# make install into a staging root: every file in place with sane modes,
# units accepted by systemd-analyze, the installed indexer publishing with
# the installed templates, man pages rendering cleanly, the post-receive
# hook publishing a push and refusing a broken one with the site unchanged,
# and make uninstall removing it all.
set -u
. "$(dirname "$0")/../lib/folio.sh"
lib_init
TOP=$LIB_TOP
DBCAT="$TOOL_DIR/dbcat"
R=$T/root
P=/usr/local
D=$R$P
SEED=/agenda/atelier-histoire-s-dalgorithmes-dans-le-cadre-de-la-semaine-de-linnovation-publique-5ca8c5/

# The sub-make inherits MAKEFLAGS from `make test` (SANITIZE=... included),
# so it installs the programs this test run was built with.
check "make install DESTDIR PREFIX=/usr/local" \
    make -s -C "$TOP" install DESTDIR="$R" PREFIX="$P"

mode_is() {	# mode path
	[ -f "$2" ] && [ ! -L "$2" ] && [ "$(stat -c %a "$2")" = "$1" ]
}
for f in bin/folio-index bin/folio-fcgi share/folio/hooks/post-receive; do
	check "installed 755: $f" mode_is 755 "$D/$f"
done
for f in share/man/man1/folio-index.1 share/man/man1/folio-fcgi.1 \
    share/folio/nginx/folio.conf share/folio/nginx/folio-http.conf \
    share/folio/nginx/folio-microcache.conf \
    lib/systemd/system/folio-fcgi.service \
    lib/systemd/system/folio-fcgi.socket \
    lib/sysusers.d/folio.conf lib/tmpfiles.d/folio.conf; do
	check "installed 644: $f" mode_is 644 "$D/$f"
done
all_templates() {
	n=0
	for t in "$TOP"/content/_templates/*.mustache; do
		b=$(basename "$t")
		mode_is 644 "$D/share/folio/templates/$b" || return 1
		cmp -s "$t" "$D/share/folio/templates/$b" || return 1
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}
check "every default template installed, 644, same bytes" all_templates
no_writable() {	# nothing group- or world-writable, nothing setuid
	[ -z "$(find "$R" \( -perm -020 -o -perm -002 -o -perm -4000 \) \
	    -print)" ]
}
check "nothing installed group/world-writable or setuid" no_writable
dirs_755() {
	[ -z "$(find "$R" -type d ! -perm 755 -print)" ]
}
check "installed directories are 755" dirs_755
substituted() {
	! grep -q '@[A-Z]*@' "$D/share/folio/hooks/post-receive" \
	    "$D/lib/systemd/system/folio-fcgi.service" &&
	grep -q "^ExecStart=$P/bin/folio-fcgi " \
	    "$D/lib/systemd/system/folio-fcgi.service" &&
	grep -q "$P/bin/folio-index" "$D/share/folio/hooks/post-receive"
}
check "units and hook name the installed programs" substituted
check "the hook is valid sh" sh -n "$D/share/folio/hooks/post-receive"
check "installed indexer's default templates: PREFIX/share/folio/templates" \
    sh -c '"$1" --help | grep -qF "($2/share/folio/templates)"' sh \
    "$D/bin/folio-index" "$P"

# systemd-analyze checks the real ExecStart paths: point them at the
# staged programs in a copy of the units.
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir "$T/units"
	for u in folio-fcgi.socket folio-fcgi.service; do
		sed "s|=$P/bin/|=$D/bin/|" "$D/lib/systemd/system/$u" \
		    >"$T/units/$u"
	done
	verify_units() {
		systemd-analyze verify --man=no "$T/units/folio-fcgi.socket" \
		    "$T/units/folio-fcgi.service" >"$T/verify.out" 2>&1 &&
		    [ ! -s "$T/verify.out" ]
	}
	check "systemd-analyze verify: units accepted, no warning" verify_units
	[ -s "$T/verify.out" ] && sed 's/^/# /' "$T/verify.out"
else
	echo "ok - systemd-analyze verify # skip systemd-analyze not installed"
fi
check "the socket unit listens where folio-http.conf points" \
    grep -q '^ListenStream=/run/folio/fcgi.sock$' \
    "$D/lib/systemd/system/folio-fcgi.socket"
check "folio-http.conf's upstream is that socket" \
    grep -q 'server unix:/run/folio/fcgi.sock;' \
    "$D/share/folio/nginx/folio-http.conf"

# Man pages: no groff warning at all (-ww), and man -l quiet too.
for m in folio-index folio-fcgi; do
	render() {	# page, a heading it must show
		groff -ww -man -Tutf8 "$1" 2>"$T/man.err" |
		    sed "s/.$(printf '\b')//g" >"$T/man.out" &&
		    [ ! -s "$T/man.err" ] && grep -q "^$2\$" "$T/man.out" &&
		    grep -q "^EXAMPLES\$" "$T/man.out"
	}
	if command -v groff >/dev/null 2>&1; then
		check "$m.1 renders without warnings (groff -ww)" \
		    render "$D/share/man/man1/$m.1" "EXIT STATUS"
	else
		echo "ok - $m.1 renders # skip groff not installed"
	fi
	if command -v mandoc >/dev/null 2>&1; then
		check "$m.1: mandoc -Tlint" mandoc -Tlint -Wwarning \
		    "$D/share/man/man1/$m.1"
	fi
done
opts_documented() {	# every option of --help appears in the page
	for o in $("$D/bin/$1" --help 2>&1 |
	    grep -oE -- '(^|[ [|,])--?[a-zA-Z][a-z-]*' | tr -d ' [|,' |
	    sort -u); do
		grep -qF -- "$(printf '%s' "$o" | sed 's/-/\\-/g')" \
		    "$D/share/man/man1/$1.1" || { echo "$o"; return 1; }
	done
}
check "folio-index.1 names every option of --help" opts_documented folio-index
check "folio-fcgi.1 names every option of --help" opts_documented folio-fcgi

# The installed indexer with only the installed templates: a site without
# its own _templates.
mkdir "$T/site"
(cd "$TOP/content" && tar -cf - --exclude=./_templates .) |
    tar -xf - -C "$T/site"
check "installed folio-index publishes content/ with --templates" \
    "$D/bin/folio-index" --quiet --templates "$D/share/folio/templates" \
    "$T/site" "$T/db1"
check "the seed page is in the database" \
    sh -c '"$1" "$2" "$3" | grep -qx "Status: 200"' sh "$DBCAT" "$T/db1" "$SEED"
check "without templates it fails cleanly (status 1, nothing written)" \
    sh -c '"$1" --quiet --templates "$2/none" "$3" "$2/db0"; [ $? -eq 1 ] &&
    [ ! -e "$2/db0/data.mdb" ]' sh "$D/bin/folio-index" "$T" "$T/site"

# The post-receive hook, end to end on a bare repository.
export GIT_AUTHOR_NAME=folio GIT_AUTHOR_EMAIL=folio@example.org
export GIT_COMMITTER_NAME=folio GIT_COMMITTER_EMAIL=folio@example.org
export GIT_CONFIG_NOSYSTEM=1 HOME="$T"
G=$T/site.git
PDB=$T/pub/db
ST=$T/pub/static
mkdir -p "$T/pub"
git init -q --bare -b main "$G"
cp "$D/share/folio/hooks/post-receive" "$G/hooks/post-receive"
git -C "$G" config folio.db "$PDB"
git -C "$G" config folio.indexer "$D/bin/folio-index"
git -C "$G" config folio.templates "$D/share/folio/templates"
git -C "$G" config folio.static "$ST"
W=$T/work
git init -q -b main "$W"
cp -R "$TOP/content/." "$W/"
git -C "$W" add -A
git -C "$W" commit -q -m "site"
git -C "$W" remote add origin "$G"

mkdir "$T/tmp"
push() {	# [branch]: output in $T/push.out, status in $T/push.rc
	TMPDIR=$T/tmp git -C "$W" push -q origin "HEAD:refs/heads/${1:-main}" \
	    >"$T/push.out" 2>&1
	echo $? >"$T/push.rc"
}
said() { grep -q -- "$1" "$T/push.out"; }
etag() {	# identity ETag of the seed page in the published DB
	"$DBCAT" "$PDB" "$SEED" | sed -n 's/^Variant: 0 .* ETag //p'
}
dump() { mdb_dump -a "$PDB"; }

push
check "hook: push accepted" [ "$(cat "$T/push.rc")" = 0 ]
check "hook: reports the publish" said "folio: published main at "
check "hook: the first publish walks the tree (no list of changes)" \
    sh -c '! grep -q "files changed since" "$1"' sh "$T/push.out"
check "hook: seed page published" \
    sh -c '"$1" "$2" "$3" | grep -qx "Status: 200"' sh "$DBCAT" "$PDB" "$SEED"
check "hook: static tree published (assets/, uploads/)" \
    sh -c '[ -L "$1" ] && [ -d "$1/assets" ] && [ -d "$1/uploads" ]' sh "$ST"
E1=$(etag)
check "hook: seed page has an ETag" [ -n "$E1" ]
dump >"$T/dump1"
S1=$(readlink "$ST")

# A broken document: the push lands in git, nothing is published.
mkdir -p "$W/_actualites"
printf -- '---\ntitle: [oops\n---\nbody\n' >"$W/_actualites/casse.md"
git -C "$W" add -A
git -C "$W" commit -q -m "broken"
push
check "broken push: git accepted the commits" [ "$(cat "$T/push.rc")" = 0 ]
check "broken push: reported NOT PUBLISHED" said "NOT PUBLISHED"
check "broken push: error located as file:line:col" \
    grep -qE "remote: _actualites/casse.md:[0-9]+:[0-9]+: " "$T/push.out"
dump >"$T/dump2"
check "broken push: database unchanged (mdb_dump)" cmp -s "$T/dump1" "$T/dump2"
check "broken push: seed ETag unchanged" [ "$(etag)" = "$E1" ]
check "broken push: static tree unchanged" [ "$(readlink "$ST")" = "$S1" ]

# Another branch is not published.
git -C "$W" rm -q "_actualites/casse.md"
git -C "$W" commit -q -m "fix"
push brouillon
check "other branch: nothing published" \
    sh -c '! grep -q "folio:" "$1"' sh "$T/push.out"
dump >"$T/dump3"
check "other branch: database unchanged" cmp -s "$T/dump1" "$T/dump3"

# The fix, with a changed seed title, on the published branch.
f=$(grep -l "^title:.*Histoire(s)" "$W"/_evenements/* | head -n 1)
sed -i 's/^title:.*/title: Atelier renommé/' "$f"
git -C "$W" commit -q -a -m "new title"
push
check "fixed push: published again" said "folio: published main at "
check "fixed push: the new title is stored" \
    sh -c '"$1" "$2" "$3" | grep -q "Atelier renommé"' sh "$DBCAT" "$PDB" "$SEED"
check "fixed push: only the files changed since the last publish were named" \
    said "files changed since "
pubdump() { mdb_dump -s "$2" "$1" | sed '1,/^HEADER=END/d'; }
# same_full: the published database equals a full publish of the pushed
# commit into a new one
same_full() {
	rm -rf "$T/exp" "$T/fulldb"
	mkdir "$T/exp"
	git -C "$W" archive HEAD | tar -x -C "$T/exp"
	"$D/bin/folio-index" --quiet --templates "$D/share/folio/templates" \
	    "$T/exp" "$T/fulldb" 2>/dev/null || return 1
	for db in pages agenda meta; do
		pubdump "$PDB" $db >"$T/a.$db"
		pubdump "$T/fulldb" $db >"$T/b.$db"
		cmp -s "$T/a.$db" "$T/b.$db" || return 1
	done
}
check "fixed push: the database equals a full publish of the commit" \
    same_full
check "fixed push: the seed ETag changed" \
    sh -c '[ -n "$1" ] && [ "$1" != "$2" ]' sh "$(etag)" "$E1"
check "fixed push: static tree swapped, previous kept" \
    sh -c '[ "$(readlink "$1")" != "$2" ] && [ -d "$1/assets" ] &&
    [ -d "$(dirname "$1")/$2" ]' sh "$ST" "$S1"
# A body edited, a document added and one removed: the list of changes
# again, and the result of a full publish.
printf '\nUn paragraphe de plus.\n' >>"$f"
g=$(ls "$W"/_actualites/*.markdown | head -n 1)
cp "$g" "$W/_actualites/2026-01-01-copie.markdown"
git -C "$W" rm -q "$(ls "$W"/_actualites/*.markdown | sed -n 3p)"
# and a rename: both of its names are in the list (git diff --no-renames)
git -C "$W" mv "_communiques/lancement-de-tchap.markdown" \
    "_communiques/2026-02-02-tchap-renomme.markdown"
git -C "$W" add -A
git -C "$W" commit -q -m "edits"
push
check "edits: published with the list of changes" \
    said "folio: published main at .* (5 files changed since "
check "edits: the renamed document is at its new URL" \
    sh -c '"$1" "$2" /espace-presse/tchap-renomme/ | grep -qx "Status: 200"' \
    sh "$DBCAT" "$PDB"
check "edits: and no longer at its old one" \
    sh -c '! "$1" "$2" /espace-presse/lancement-de-tchap/ | grep -qx "Status: 200"' \
    sh "$DBCAT" "$PDB"
check "edits: the database equals a full publish of the commit" same_full
# A database restored from a copy made before the last publish: the list
# of changes since that publish would miss what the copy never saw, so the
# hook walks the tree.
cp -R "$PDB" "$T/backup"
sed -i 's/^title:.*/title: Atelier renommé encore/' "$f"
git -C "$W" commit -q -a -m "another title"
push
check "before the restore: published with the list of changes" \
    said "files changed since "
rm -rf "$PDB"
cp -R "$T/backup" "$PDB"
printf '\nUne ligne après la restauration.\n' >>"$g"
git -C "$W" commit -q -a -m "after the restore"
push
check "a restored database: published" said "folio: published main at "
check "a restored database: the tree is walked, not listed" \
    sh -c '! grep -q "files changed since" "$1"' sh "$T/push.out"
check "a restored database: equals a full publish of the commit" \
    same_full
# A checkout killed half way left git's lock behind: the next push still
# publishes.
touch "$G/folio-tree.index.lock"
printf '\nEt une autre.\n' >>"$g"
git -C "$W" commit -q -a -m "after a stale lock"
push
check "a stale lock of the work tree: published" \
    said "folio: published main at "
# folio.brotli: the hook passes --brotli, and the pages get that variant.
git -C "$G" config folio.brotli true
printf '\nEt avec brotli.\n' >>"$g"
git -C "$W" commit -q -a -m "brotli"
push
check "folio.brotli: published" said "folio: published main at "
check "folio.brotli: the listing has a brotli variant" \
    sh -c '"$1" "$2" /actualites/ | grep -q "^Variant: 2 "' sh "$DBCAT" "$PDB"
git -C "$G" config --unset folio.brotli
check "hook: no temporary directory left" \
    sh -c '[ -z "$(ls -A "$1")" ]' sh "$T/tmp"

# The web-node procedure of the README, with the installed worker: a
# compact copy in a new release directory, a symlink renamed over the old
# one, SIGHUP; every request then answers from the new release.
N=$T/node
mkdir -p "$N/releases/r1" "$N/releases/r2"
mdb_copy -c "$T/db1" "$N/releases/r1"
mdb_copy -c "$PDB" "$N/releases/r2"
rm -f "$N/releases/r1/lock.mdb" "$N/releases/r2/lock.mdb"
ln -s releases/r1 "$N/db"
FCGI=$D/bin/folio-fcgi
check "node: the installed worker serves release r1" \
    lib_worker_start "$T/node.sock" "$N/db" -w 3
answers() {	# text: six requests in a row, all 200 and showing text
	i=0
	while [ $i -lt 6 ]; do
		"$FCGIGET" "$T/node.sock" REQUEST_METHOD=GET \
		    DOCUMENT_URI="$SEED" >"$T/page" || return 1
		grep -q '^Status: 200' "$T/page" || return 1
		grep -q "$1" "$T/page" || return 1
		i=$((i + 1))
	done
}
check "node: r1 has the first title" answers "Histoire(s)"
ln -s releases/r2 "$N/db.new" && mv -T "$N/db.new" "$N/db"
kill -HUP "$WORKER_PID"
replaced() {
	n=100
	while [ $n -gt 0 ]; do
		grep -q "workers replaced" "$T/worker.log" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}
check "node: SIGHUP replaced the workers" replaced
check "node: every request answers from r2" answers "Atelier renommé"
lib_worker_stop

check "make uninstall" make -s -C "$TOP" uninstall DESTDIR="$R" PREFIX="$P"
check "uninstall: no file left" sh -c '[ -z "$(find "$1" ! -type d)" ]' sh "$R"

[ "$lib_failed" -eq 0 ]
