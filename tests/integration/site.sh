#!/bin/sh
# The whole path: content/ indexed by folio-index into a fresh LMDB, served
# by folio-fcgi behind a real nginx. Pages, listings, agenda at a fixed
# moment, feeds (XML parser), calendars (libical), errors in content that
# leave the published site as it was.
set -u
. "$(dirname "$0")/../lib/folio.sh"
lib_init
TOP=$LIB_TOP
IDX="$BIN/folio-index"
ICAL="$TOOL_DIR/icalcheck"

cp -R "$TOP/content" "$T/site"
DB=$T/db
check "folio-index publishes content/" \
    "$IDX" --quiet --templates "$TOP/content/_templates" "$T/site" "$DB"

SOCK=$T/fcgi.sock
PORT=$(lib_free_port)
# 2021-06-01 12:00 UTC: the seed event (2020) is past, the 2027 ones ahead.
NOW=1622548800
lib_nginx_conf "$T/nginx" "$PORT" "$SOCK" "$T/site"
check "worker starts" lib_worker_start "$SOCK" "$DB" -w 2 --now "$NOW"
check "nginx starts" lib_nginx_start "$T/nginx" "$PORT"
U="http://127.0.0.1:$PORT"

get() {		# path [curl options]: headers $T/h, body $T/b, status $T/s
	p=$1
	shift
	curl -s -m 5 -D "$T/h" -o "$T/b" -w '%{http_code}' "$@" "$U$p" >"$T/s"
}
status() { [ "$(cat "$T/s")" = "$1" ]; }
hdr() { tr -d '\r' <"$T/h" | grep -qix "$1: $2"; }
has() { grep -qF -- "$1" "$T/b"; }
hasnt() { ! grep -qF -- "$1" "$T/b"; }
lenok() {	# Content-Length equals the body's size
	n=$(tr -d '\r' <"$T/h" | grep -i '^content-length:' | sed 's/^[^:]*: //')
	[ -n "$n" ] && [ "$n" -eq "$(wc -c <"$T/b")" ]
}

SEED=/agenda/atelier-histoire-s-dalgorithmes-dans-le-cadre-de-la-semaine-de-linnovation-publique-5ca8c5/
get "$SEED"
check "seed event: 200" status 200
check "seed event: content type" hdr Content-Type "text/html; charset=utf-8"
check "seed event: Content-Length matches the body" lenok
check "seed event: an HTML5 page in French" has '<html lang="fr">'
check "seed event: charset" has '<meta charset="utf-8">'
NB=$(printf '\302\240')	# the non-breaking space of French typography
check "seed event: title" has "<h1>Atelier «${NB}Histoire(s) d’algorithmes${NB}» dans le cadre de la Semaine de l’Innovation publique</h1>"
check "seed event: lede" has "Etalab, au sein de la DINUM, propose un atelier-débat"
check "seed event: body text" has "aucun champ de l’action publique"
check "seed event: IAL class from the body" has '<blockquote class="encadre">'
check "seed event: date in French" has "dimanche 19 janvier 2020"
check "seed event: metro line, trailing blank dropped" has "<strong>Metro</strong>${NB}: Segur</li>"
check "seed event: numeric bus line" has "<strong>Bus</strong>${NB}: 22</li>"
check "seed event: Eventbrite link" has 'href="https://www.eventbrite.fr/e/billets-atelier-debat-histoires-dalgorithmes-publics-82962574293"'
check "seed event: tag links" has 'href="/tag/franceconnect/"'
check "seed event: JSON-LD Event" has '"@type":"Event","name":"Atelier'
check "seed event: startDate with offset" has '"startDate":"2020-01-19T00:00:00+01:00"'
check "seed event: OpenGraph" has '<meta property="og:title"'
check "seed event: non-breaking space before « : »" grep -q "$(printf 'sociale \342\200\246\302\240:')" "$T/b"
python3 -c 'import json,re,sys
s=open(sys.argv[1],encoding="utf-8").read()
m=re.search(r"<script type=\"application/ld\+json\">(.*?)</script>",s,re.S)
d=json.loads(m.group(1)); assert d["@type"]=="Event" and d["url"].endswith(sys.argv[2])' "$T/b" "$SEED" 2>/dev/null
check "seed event: JSON-LD parses as JSON" [ $? -eq 0 ]

get "/agenda/forum-de-lemploi-tech-de-letat-2027/"
check "range of dates in French" has "du 30 mars au 1er avril 2027"
check "informations: e-mail as a mailto link" has 'href="mailto:forum-emploi@numerique.gouv.fr"'
check "informations: RER line" has "<strong>RER</strong>${NB}: A</li>"
get "/agenda/webinaire-cloud/"
check "a javascript: link is not a link" hasnt 'href="javascript:'
check "one day with a time" has "à 11 h"

get "/agenda/missing/"
check "missing page: 404" status 404
check "missing page: the stored 404 page" has "Page introuvable"
check "missing page: HTML" hdr Content-Type "text/html; charset=utf-8"

get "/tag/algorithme/"
check "tag page lists the seed event" has "href=\"$SEED\""
check "tag page: title is the tag" has "<h1>algorithme</h1>"
get "/tag/franceconnect/"
check "FranceConnect and franceconnect share one page" status 200
check "tag page: first spelling shown" has "<h1>FranceConnect</h1>"
get "/tag/accessibilite/"
check "accented tag: transliterated slug" status 200
get "/categorie/semaine-de-l-innovation-publique/"
check "category page" has "href=\"$SEED\""
get "/actualites/"
check "collection listing, newest first" python3 -c 'import sys
s=open(sys.argv[1],encoding="utf-8").read()
a=s.index("lancement-de-la-nouvelle-version-de-franceconnect"); b=s.index("barometre-numerique-des-agents-2026")
assert a < b' "$T/b"
get "/actualites/rgaa-5/"
check "redirect_from: 301" status 301
check "redirect_from: location" hdr Location "/actualites/accessibilite-la-cinquieme-version-du-rgaa/"

get "/agenda/"
check "agenda: 200" status 200
check "agenda: upcoming event listed" has "forum-de-lemploi-tech-de-letat-2027/"
check "agenda: past event not listed" hasnt "$SEED"
check "agenda: soonest first" python3 -c 'import sys
s=open(sys.argv[1],encoding="utf-8").read()
assert s.index("atelier-accessibilite-numerique-rgaa/") < s.index("forum-de-lemploi-tech-de-letat-2027/") < s.index("semaine-innovation-publique-2027/")' "$T/b"
get "/agenda/passes/"
check "past events list the seed event" has "$SEED"
check "past events: latest first" python3 -c 'import sys
s=open(sys.argv[1],encoding="utf-8").read()
assert s.index("webinaire-cloud/") < s.index("atelier-histoire-s") < s.index("hackathon-donnees-foncieres/")' "$T/b"
get "/"
check "home page: 200" status 200
check "home page: latest news" has "lancement-de-la-nouvelle-version-de-franceconnect/"
check "home page: next events" has "atelier-accessibilite-numerique-rgaa/"

for f in /feed.xml /tag/algorithme/feed.xml "/tag/accessibilite/feed.xml" /categorie/hackathon/feed.xml; do
	get "$f"
	check "$f: Atom type" hdr Content-Type "application/atom+xml; charset=utf-8"
	check "$f: well-formed XML" xmllint --noout "$T/b"
	check "$f: feed and every entry have id, title, updated" sh -c '
	    n=$(xmllint --xpath "count(//*[local-name()=\"entry\"])" "$1")
	    ok=$(xmllint --xpath "count(//*[local-name()=\"entry\"][*[local-name()=\"id\"]][*[local-name()=\"title\"]][*[local-name()=\"updated\"]])" "$1")
	    [ "$n" -gt 0 ] && [ "$n" = "$ok" ] &&
	    [ "$(xmllint --xpath "count(/*[local-name()=\"feed\"]/*[local-name()=\"updated\"])" "$1")" = 1 ]' sh "$T/b"
done
get /sitemap.xml
check "sitemap: well-formed XML" xmllint --noout "$T/b"
check "sitemap: lists the seed event" has "https://www.numerique.gouv.fr$SEED"
get /robots.txt
check "robots.txt" has "Sitemap: https://www.numerique.gouv.fr/sitemap.xml"

for f in "/agenda/atelier-histoire-s-dalgorithmes-dans-le-cadre-de-la-semaine-de-linnovation-publique-5ca8c5.ics" /agenda.ics /tag/algorithme/agenda.ics; do
	get "$f"
	check "$f: calendar type" hdr Content-Type "text/calendar; charset=utf-8"
	check "$f: libical parses it without error" "$ICAL" "$T/b"
done
get /agenda.ics
"$ICAL" "$T/b" >"$T/ev" 2>/dev/null
check "agenda.ics: upcoming events only" sh -c '[ "$(wc -l <"$1")" -eq 3 ] && ! grep -q histoire "$1"' sh "$T/ev"

get /uploads/guichet-dlnuf-hub.png
check "uploads/ served by nginx" status 200
get /assets/site.css
check "assets/ served by nginx" status 200

# A broken document: every error named, nothing published.
printf -- '---\ntitle: [oops\n---\nbody\n' >"$T/site/_actualites/casse.md"
"$IDX" --quiet --templates "$TOP/content/_templates" "$T/site" "$DB" 2>"$T/err"
rc=$?
check "broken document: exit status 1" [ "$rc" -eq 1 ]
check "broken document: file:line:col: what" grep -qE "_actualites/casse.md:[0-9]+:[0-9]+: " "$T/err"
get "$SEED"
check "broken document: the site still serves" status 200
rm "$T/site/_actualites/casse.md"

# A publish is seen by the next request, with no signal.
sed -i 's/^title: Lancement de Tchap.*/title: Tchap ouvre à tous/' \
    "$T/site/_communiques/lancement-de-tchap.markdown"
check "republish" "$IDX" --quiet --templates "$TOP/content/_templates" "$T/site" "$DB"
get /espace-presse/lancement-de-tchap/
check "the new title is served at once" has "<h1>Tchap ouvre à tous</h1>"

[ "$lib_failed" -eq 0 ]
