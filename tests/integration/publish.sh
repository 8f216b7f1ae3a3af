#!/bin/sh
# Publishing: incremental publishes equal full ones byte for byte, output is
# deterministic, deletions go, a template change re-renders what uses it,
# --keep-going keeps the last good version, --check writes nothing, two
# indexers at once leave a consistent database.
set -u
. "$(dirname "$0")/../lib/folio.sh"
lib_init
TOP=$LIB_TOP
IDX="$BIN/folio-index"
DBCAT="$TOOL_DIR/dbcat"

S=$T/site
cp -R "$TOP/content" "$S"
# more documents, of the real site's shapes
python3 "$TOP/bench/index/gen.py" 150 "$T/gen" --seed 7 >/dev/null 2>&1
for c in _evenements _actualites _communiques _publications; do
	cp "$T/gen/$c/"* "$S/$c/"
done
TPL="--templates $S/_templates"

# same: the named databases the worker reads are byte-identical
same() {
	for d in pages agenda meta; do
		mdb_dump -s "$d" "$1" >"$T/a.dump" 2>/dev/null || return 1
		mdb_dump -s "$d" "$2" >"$T/b.dump" 2>/dev/null || return 1
		cmp -s "$T/a.dump" "$T/b.dump" || return 1
	done
}
full() {	# a fresh database from the site as it is now
	rm -rf "$T/full"
	"$IDX" --quiet --full $TPL "$S" "$T/full"
}

check "first publish" "$IDX" --quiet $TPL "$S" "$T/db"
check "full publish into another database" full
check "deterministic: same bytes from two publishes" same "$T/db" "$T/full"

# Pages are written through the map: while publishing, data.mdb is a sparse
# file as long as the map; afterwards it ends at its last page again, as the
# size checks of the indexer and of the worker expect of it.
ends_at_last_page() {	# db
	used=$(mdb_stat -e "$1" | sed -n 's/^ *Number of pages used: //p')
	psize=$(mdb_stat -e "$1" | sed -n 's/^ *Page size: //p')
	[ -n "$used" ] && [ -n "$psize" ] &&
	    [ "$(stat -c %s "$1/data.mdb")" -eq $((used * psize)) ]
}
check "data.mdb ends at its last page after a publish" ends_at_last_page "$T/db"
check "and after a full publish" ends_at_last_page "$T/full"

out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "nothing changed: no page rendered, nothing written" sh -c '
    n=$(echo "$1" | sed -n "s/.* \([0-9]*\) rendered.*/\1/p")
    [ -n "$n" ] && [ "$n" -lt 20 ] && echo "$1" | grep -q " 0 changed, 0 deleted"' sh "$out"

EV=$(ls "$S/_evenements/" | grep -v atelier | head -1)
sed -i 's/^title: \(.*\)$/title: \1 (reporté)/' "$S/_evenements/$EV"
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "one document changed: a few responses rendered" sh -c '
    n=$(echo "$1" | sed -n "s/.* \([0-9]*\) rendered.*/\1/p"); [ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" -lt 60 ]' sh "$out"
full
check "incremental equals full after a change" same "$T/db" "$T/full"

# Changes that move nothing (same URL, date, title, tags, categories...):
# only what shows the document is looked at, from the stored plan.
A=_evenements/atelier-accessibilite-numerique-rgaa.markdown
sed -i "s/^chapeau-text: 'Un atelier pratique/chapeau-text: 'Un atelier très pratique/" "$S/$A"
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "a lede changed: only what shows the document" \
    sh -c 'echo "$1" | grep -q "1 document changed, none moved"' sh "$out"
full
check "a lede changed: equals a full publish" same "$T/db" "$T/full"
sed -i "s/^chapeau-text: 'Un atelier très pratique/chapeau-text: 'Une ligne de plus.\\n  Un atelier très pratique/" "$S/$A"
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "a lede one line longer (the fields after it move down): only what shows it" \
    sh -c 'echo "$1" | grep -q "1 document changed, none moved"' sh "$out"
full
check "a lede one line longer: equals a full publish" same "$T/db" "$T/full"
printf '\nUn paragraphe ajouté.\n' >>"$S/$A"
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "a body changed: only what shows the document" \
    sh -c 'echo "$1" | grep -q "1 document changed, none moved"' sh "$out"
full
check "a body changed: equals a full publish" same "$T/db" "$T/full"
check "a body changed: the page shows it" sh -c '"$1" "$2" /agenda/atelier-accessibilite-numerique-rgaa/ | grep -q "Un paragraphe ajouté"' sh "$DBCAT" "$T/db"

# A document whose body links to another ({% link %}): its page depends on
# every URL. Unchanged, it is not read again; edited, it still moves
# nothing.
L=_actualites/accessibilite-la-cinquieme-version-du-rgaa.markdown
printf '\nVoir [l’atelier]({%% link %s %%}).\n' "$A" >>"$S/$L"
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "a body given a link: only what shows the document" \
    sh -c 'echo "$1" | grep -q "1 document changed, none moved"' sh "$out"
check "a body given a link: the link is the page's URL" sh -c '"$1" "$2" /actualites/accessibilite-la-cinquieme-version-du-rgaa/ | grep -q "href=\"/agenda/atelier-accessibilite-numerique-rgaa/\""' sh "$DBCAT" "$T/db"
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "nothing changed beside a linking document: none read again" \
    sh -c 'echo "$1" | grep -q "0 documents changed, none moved"' sh "$out"
printf '\nEt un mot de plus.\n' >>"$S/$L"
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "a linking document edited: only what shows it" \
    sh -c 'echo "$1" | grep -q "1 document changed, none moved"' sh "$out"
full
check "a linking document edited: equals a full publish" same "$T/db" "$T/full"

# An event's place changed: it moves nothing, but its VEVENT is in the
# calendars of its tags and categories, each holding many events.
sed -i 's/^lieu: Ségur$/lieu: Ségur, salle Laroque/' "$S/$A"
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "an event's place changed: only what shows it" \
    sh -c 'echo "$1" | grep -q "1 document changed, none moved"' sh "$out"
for u in /tag/rgaa/agenda.ics /categorie/accessibilite/agenda.ics \
    /agenda/atelier-accessibilite-numerique-rgaa.ics; do
	check "an event's place changed: $u shows it" sh -c \
	    '"$1" "$2" "$3" | grep -q "salle Laroque"' sh "$DBCAT" "$T/db" "$u"
done
full
check "an event's place changed: equals a full publish" same "$T/db" "$T/full"
sed -i 's/^lieu: Ségur, salle Laroque$/lieu: Ségur/' "$S/$A"
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
full
check "an event's place changed back: equals a full publish" \
    same "$T/db" "$T/full"
check "an event's place changed back: the calendars show it" sh -c \
    '! "$1" "$2" /tag/rgaa/agenda.ics | grep -q "salle Laroque"' sh \
    "$DBCAT" "$T/db"

# --changed: the list of changed files stands for the walk.
printf '\nEncore un paragraphe.\n' >>"$S/$A"
printf '%s\n' "$A" >"$T/changed"
out=$("$IDX" --changed "$T/changed" $TPL "$S" "$T/db" 2>&1)
check "--changed: published" sh -c 'echo "$1" | grep -q "^published .* (1 read"' sh "$out"
full
check "--changed: equals a full publish" same "$T/db" "$T/full"
R=$(ls "$S/_communiques/" | head -1)
mv "$S/_communiques/$R" "$T/removed.md"
cp "$T/removed.md" "$S/_actualites/2026-03-03-ajout.md"
printf '_communiques/%s\0_actualites/2026-03-03-ajout.md\0_templates/absent.mustache\0' "$R" >"$T/changed"
check "--changed, NUL-separated, a removal and an addition" \
    "$IDX" --quiet --changed "$T/changed" $TPL "$S" "$T/db"
full
check "--changed: equals a full publish after a removal and an addition" \
    same "$T/db" "$T/full"
check "--changed: the added document is served" "$DBCAT" "$T/db" /actualites/ajout/
: >"$T/changed"
out=$("$IDX" --changed - $TPL "$S" "$T/db" <"$T/changed" 2>&1)
check "--changed, an empty list on stdin: nothing rendered again" \
    sh -c 'echo "$1" | grep -q " 0 changed, 0 deleted"' sh "$out"
# A document dated a few seconds ahead is left out (future: false); once
# it is due, a list of changes that does not name it cannot stand for the
# walk that finds it.
when=$(date -u -d '@'$(( $(date +%s) + 3 )) '+%Y-%m-%d %H:%M:%S +0000')
printf -- '---\ntitle: Bientôt\ndate: %s\n---\nÀ venir.\n' "$when" >"$S/_actualites/bientot.md"
sed -i 's/^future: true/future: false/' "$S/_config.yml"
"$IDX" --quiet $TPL "$S" "$T/db"
check "a document dated ahead is left out" sh -c '! "$1" "$2" /actualites/bientot/ >/dev/null 2>&1' sh "$DBCAT" "$T/db"
sleep 4
out=$("$IDX" --changed "$T/changed" $TPL "$S" "$T/db" 2>&1)
check "--changed: a document come due makes it walk" \
    sh -c 'echo "$1" | grep -q "the folders were walked"' sh "$out"
check "--changed: the document come due is served" "$DBCAT" "$T/db" /actualites/bientot/
full
check "--changed: equals a full publish once it is due" same "$T/db" "$T/full"
rm "$S/_actualites/bientot.md" "$S/_actualites/2026-03-03-ajout.md"
mv "$T/removed.md" "$S/_communiques/$R"
sed -i 's/^future: false/future: true/' "$S/_config.yml"
check "publish after the --changed tests" "$IDX" --quiet $TPL "$S" "$T/db"

GONE=$(ls "$S/_actualites/" | tail -1)
rm "$S/_actualites/$GONE"
cp "$TOP/content/_evenements/webinaire-cloud.markdown" "$S/_evenements/webinaire-cloud-bis.markdown"
check "publish after a deletion and an addition" "$IDX" --quiet $TPL "$S" "$T/db"
full
check "incremental equals full after a deletion and an addition" same "$T/db" "$T/full"
check "the added document is served" "$DBCAT" "$T/db" /agenda/webinaire-cloud-bis/

echo '<!-- pied de page modifié -->' >>"$S/_templates/footer.mustache"
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "a template change re-renders the pages that use it" sh -c '
    n=$(echo "$1" | sed -n "s/.* \([0-9]*\) rendered.*/\1/p"); [ "$n" -gt 100 ]' sh "$out"
check "the change is in the pages" sh -c '"$1" "$2" /actualites/ | grep -q "pied de page modifié"' sh "$DBCAT" "$T/db"
full
check "incremental equals full after a template change" same "$T/db" "$T/full"

sed -i 's/^title: Nomination.*/title: Nomination au poste de DINUM/' \
    "$S/_communiques/2026-09-01-nomination-du-directeur-interministeriel-du-numerique.markdown"
printf -- '---\ntitle: "pas fermé\n---\n' >"$S/_actualites/zz-casse.md"
cp "$T/db/data.mdb" "$T/before.mdb"
"$IDX" --quiet $TPL "$S" "$T/db" 2>"$T/err"
check "a broken file: exit status 1" [ $? -eq 1 ]
check "a broken file: named with line and column" grep -qE "_actualites/zz-casse.md:[0-9]+:[0-9]+: " "$T/err"
check "a broken file: nothing published" cmp -s "$T/db/data.mdb" "$T/before.mdb"
"$IDX" --quiet --check $TPL "$S" "$T/db" 2>/dev/null
check "--check reports the error" [ $? -eq 1 ]
rm "$S/_actualites/zz-casse.md"
"$IDX" --quiet --check $TPL "$S" "$T/db" 2>/dev/null
check "--check on good content: exit 0" [ $? -eq 0 ]
check "--check writes nothing" cmp -s "$T/db/data.mdb" "$T/before.mdb"

# --keep-going: a document broken now keeps its last good version
check "publish" "$IDX" --quiet $TPL "$S" "$T/db"
K=_communiques/lancement-de-tchap.markdown
good=$("$DBCAT" "$T/db" /espace-presse/lancement-de-tchap/ | grep -c "Lancement de Tchap")
printf -- '---\ntitle: [cassé\n---\ncorps\n' >"$S/$K"
sed -i 's/^title: Nomination.*/title: Nomination confirmée/' \
    "$S/_communiques/2026-09-01-nomination-du-directeur-interministeriel-du-numerique.markdown"
"$IDX" --quiet --keep-going $TPL "$S" "$T/db" 2>"$T/err"
check "--keep-going: exit status 1" [ $? -eq 1 ]
check "--keep-going: the error is named" grep -qE "lancement-de-tchap.markdown:[0-9]+:[0-9]+: " "$T/err"
check "--keep-going: the broken page keeps its last good version" sh -c '
    [ "$1" -gt 0 ] && "$2" "$3" /espace-presse/lancement-de-tchap/ | grep -q "Lancement de Tchap"' sh "$good" "$DBCAT" "$T/db"
check "--keep-going: the rest is published" sh -c '"$1" "$2" /espace-presse/nomination-du-directeur-interministeriel-du-numerique/ | grep -q "Nomination confirmée"' sh "$DBCAT" "$T/db"
cp "$TOP/content/$K" "$S/$K"

# Two indexers at once: the lock serialises them, both succeed.
echo "x" >>"$S/_evenements/$EV"
"$IDX" --quiet $TPL "$S" "$T/db" 2>"$T/e1" & p1=$!
"$IDX" --quiet $TPL "$S" "$T/db" 2>"$T/e2" & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check "two indexers at once: both succeed" [ "$r1" -eq 0 -a "$r2" -eq 0 ]
full
check "two indexers at once: the database equals a full publish" same "$T/db" "$T/full"
mdb_stat "$T/db" >/dev/null 2>&1
check "the database is sound" [ $? -eq 0 ]

# A map too small for the new content: grown, and the publish done again.
cp -R "$TOP/content" "$T/small"
check "a small site" "$IDX" --quiet $TPL "$T/small" "$T/grow"
python3 "$TOP/bench/index/gen.py" 1500 "$T/gen2" --seed 3 >/dev/null 2>&1
for c in _evenements _actualites _communiques _publications; do
	cp "$T/gen2/$c/"* "$T/small/$c/"
done
"$IDX" $TPL "$T/small" "$T/grow" 2>"$T/grow.err"
check "content outgrowing the map: published" [ $? -eq 0 ]
check "content outgrowing the map: the map was grown" \
    grep -q "growing the database map" "$T/grow.err"
check "content outgrowing the map: everything is there" sh -c '
    "$1" "$2" /agenda/atelier-histoire-s-dalgorithmes-dans-le-cadre-de-la-semaine-de-linnovation-publique-5ca8c5/ >/dev/null &&
    [ "$(mdb_stat -s src "$2" | sed -n "s/.*Entries: //p")" -eq 1512 ]' sh "$DBCAT" "$T/grow"
rm -rf "$T/small" "$T/gen2" "$T/grow"

# A template error names the template, line and column; nothing published.
cp "$T/db/data.mdb" "$T/before.mdb"
cp "$S/_templates/page.mustache" "$T/page.mustache"
printf 'x\n{{#page.title}}\n' >"$S/_templates/page.mustache"
"$IDX" --quiet $TPL "$S" "$T/db" 2>"$T/err"
check "an unclosed section: exit status 1" [ $? -eq 1 ]
check "an unclosed section: template, line and column" \
    grep -q "_templates/page.mustache:2:1: unclosed section" "$T/err"
printf '{{>absente}}\n' >"$S/_templates/page.mustache"
"$IDX" --quiet $TPL "$S" "$T/db" 2>"$T/err"
check "a missing partial: exit status 1" [ $? -eq 1 ]
check "a missing partial: named where it is used" \
    grep -q "_templates/page.mustache:1:1: partial \"absente\" not found" "$T/err"
check "a template error publishes nothing" cmp -s "$T/db/data.mdb" "$T/before.mdb"
cp "$T/page.mustache" "$S/_templates/page.mustache"

# What an incremental publish trusts is checked, not assumed: a database
# without a ledger and site index (as an older folio left it, with a stale
# key) is swept; a damaged site index is ignored; --full over an existing
# database equals a fresh one.
check "publish" "$IDX" --quiet $TPL "$S" "$T/db"
rm -rf "$T/old"
mkdir "$T/old"
for d in pages agenda meta src html; do
	mdb_dump -s "$d" "$T/db" | mdb_load -s "$d" "$T/old" 2>/dev/null
done
printf '/ancienne-page/\nrien\n' | mdb_load -T -s pages "$T/old"
printf '0/ancienne-page/\n12345678\n' | mdb_load -T -s deps "$T/old"
# the key in mdb_dump's hexadecimal
stale=$(printf '/ancienne-page/' | od -An -tx1 | tr -d ' \n')
check "a database without a ledger: the stale key is there" \
    sh -c 'mdb_dump -s pages "$1" | grep -q "^ $2\$"' sh "$T/old" "$stale"
echo "y" >>"$S/_evenements/$EV"
check "a database without a ledger: published" \
    "$IDX" --quiet $TPL "$S" "$T/old"
full
check "a database without a ledger: equals a full publish" \
    same "$T/old" "$T/full"
check "a database without a ledger: the stale key is gone" \
    sh -c '! mdb_dump -s pages "$1" | grep -q "^ $2\$"' sh "$T/old" "$stale"
printf 'docs\nFDX1pas un index\n' | mdb_load -T -s index "$T/old"
echo "z" >>"$S/_evenements/$EV"
check "a database without a ledger: the old deps database is dropped" \
    sh -c '! mdb_stat -s deps "$1" >/dev/null 2>&1' sh "$T/old"
check "a damaged site index: published" "$IDX" --quiet $TPL "$S" "$T/old"
full
check "a damaged site index: equals a full publish" same "$T/old" "$T/full"
echo "w" >>"$S/_evenements/$EV"
check "--full over an existing database" \
    "$IDX" --quiet --full $TPL "$S" "$T/old"
full
check "--full over an existing database equals a fresh one" \
    same "$T/old" "$T/full"
out=$("$IDX" $TPL "$S" "$T/old" 2>&1)
check "after --full, nothing changed: nothing rendered again" sh -c '
    n=$(echo "$1" | sed -n "s/.* \([0-9]*\) rendered.*/\1/p")
    [ -n "$n" ] && [ "$n" -lt 20 ] && echo "$1" | grep -q "(0 read, "' sh "$out"

# Folders as the last walk found them: one whose inode, mtime and ctime are
# as recorded is not read again (its files are still stat'ed); one changed
# within two seconds of a walk is read again by the next one.
# folders_read out want: the summary says "want of N folders read"
folders_read() {
	echo "$1" | grep -q "; $2 of [0-9]* folders read)"
}
# in place: the same inode, the folder untouched (sed -i would replace it)
edit_in_place() {	# file sed-expression
	new=$(sed "$2" "$1") && printf '%s\n' "$new" >"$1"
}
mkdir "$S/_actualites/archives"
cp "$TOP/content/_actualites/barometre-numerique-des-agents-2026.markdown" \
    "$S/_actualites/archives/barometre-archive.markdown"
printf -- '---\ntitle: En préparation\npublished: false\n---\nBientôt.\n' \
    >"$S/_actualites/en-preparation.md"
"$IDX" --quiet $TPL "$S" "$T/db"
sleep 3
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "stamps: folders changed just before the last walk are read again" \
    sh -c '! echo "$1" | grep -q "; 0 of [0-9]* folders read)"' sh "$out"
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "stamps: folders unchanged for a while are not read" \
    folders_read "$out" 0
check "stamps: and nothing changed" \
    sh -c 'echo "$1" | grep -q " 0 changed, 0 deleted"' sh "$out"
edit_in_place "$S/_evenements/$EV" 's/^title: \(.*\)$/title: \1 (modifié sur place)/'
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "stamps: a file written in place, no folder read" folders_read "$out" 0
check "stamps: and the file is read" \
    sh -c 'echo "$1" | grep -q "(1 read, "' sh "$out"
full
check "stamps: a file written in place: equals a full publish" \
    same "$T/db" "$T/full"
edit_in_place "$S/_actualites/en-preparation.md" '/^published: false$/d'
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "stamps: an unpublished file made published in place, no folder read" \
    folders_read "$out" 0
check "stamps: and it is served" "$DBCAT" "$T/db" /actualites/en-preparation/
cp "$S/_actualites/archives/barometre-archive.markdown" \
    "$S/_actualites/archives/barometre-archive-bis.markdown"
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "stamps: a file added in a subfolder: that folder alone is read" \
    folders_read "$out" 1
check "stamps: the added file is served" \
    "$DBCAT" "$T/db" /actualites/barometre-archive-bis/
full
check "stamps: a file added in a subfolder: equals a full publish" \
    same "$T/db" "$T/full"
mv "$S/_communiques/$R" "$T/stamp-removed.md"
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "stamps: a file removed: its folder is read, and the subfolder just changed" \
    folders_read "$out" 2
check "stamps: the removed file's responses are deleted" \
    sh -c 'echo "$1" | grep -q " [1-9][0-9]* deleted"' sh "$out"
full
check "stamps: a file removed: equals a full publish" same "$T/db" "$T/full"
# damaged_dirs db how: the stored record of this build, damaged, stored again
damaged_dirs() {
	mdb_dump -s index "$1" | python3 -c '
import sys
how = sys.argv[1]
lines = sys.stdin.read().split("\n")
key = b"dirs".hex()
v = bytearray.fromhex(lines[lines.index(" " + key) + 1].strip())
# the first folder: size, path length, path and NUL, three stamps, count
n = 12 + 4 + 2 + int.from_bytes(v[16:18], "little") + 1 + 24
if how == "cut":
    v = v[:12 + (len(v) - 12) // 2]
elif how == "count":
    v[n:n + 4] = (0xFFFFFF).to_bytes(4, "little")
else:	# the first name starts with a dot, as no walk takes
    v[n + 7] = ord(".")
print("VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END")
print(" " + key)
print(" " + v.hex())
print("DATA=END")' "$2" | mdb_load -s index "$1"
}
for how in cut count dot; do
	check "stamps: a record of this build damaged ($how): stored" \
	    damaged_dirs "$T/db" "$how"
	echo "$how" >>"$S/_evenements/$EV"
	out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
	check "stamps: a record of this build damaged ($how): every folder is read" \
	    sh -c 'echo "$1" | grep -qE "; ([0-9]+) of \1 folders read\)"' sh "$out"
	full
	check "stamps: a record of this build damaged ($how): equals a full publish" \
	    same "$T/db" "$T/full"
done
printf 'dirs\nFDW1 pas des dossiers\n' | mdb_load -T -s index "$T/db"
echo "v" >>"$S/_evenements/$EV"
out=$("$IDX" $TPL "$S" "$T/db" 2>&1)
check "stamps: a damaged record: every folder is read" \
    sh -c 'echo "$1" | grep -qE "; ([0-9]+) of \1 folders read\)"' sh "$out"
full
check "stamps: a damaged record: equals a full publish" same "$T/db" "$T/full"
rm -r "$S/_actualites/archives" "$S/_actualites/en-preparation.md"
mv "$T/stamp-removed.md" "$S/_communiques/$R"
check "publish after the stamps tests" "$IDX" --quiet $TPL "$S" "$T/db"

# Compression: gzip by default, brotli too with --brotli; switching either
# way rewrites the responses, and the result equals a fresh publish.
variants() {	# db key want: the encodings stored, sorted, are want
	[ "$("$DBCAT" "$1" "$2" | sed -n 's/^Variant: \([0-9]\) .*/\1/p' |
	    sort | tr -d '\n')" = "$3" ]
}
check "default: identity and gzip, no brotli" \
    variants "$T/old" /actualites/ 01
check "--brotli over a database without it: published" \
    "$IDX" --quiet --brotli $TPL "$S" "$T/old"
check "--brotli: identity, gzip and brotli" \
    variants "$T/old" /actualites/ 012
rm -rf "$T/full"
"$IDX" --quiet --brotli $TPL "$S" "$T/full"
check "--brotli over a database without it equals a fresh --brotli publish" \
    same "$T/old" "$T/full"
out=$("$IDX" --brotli $TPL "$S" "$T/old" 2>&1)
check "--brotli again, nothing changed: nothing written" sh -c '
    echo "$1" | grep -q " 0 changed, 0 deleted"' sh "$out"
check "without --brotli again: published" \
    "$IDX" --quiet $TPL "$S" "$T/old"
check "without --brotli again: no brotli" \
    variants "$T/old" /actualites/ 01
full
check "without --brotli again: equals a fresh publish" same "$T/old" "$T/full"

[ "$lib_failed" -eq 0 ]
