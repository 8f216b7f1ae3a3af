# Shell functions for the fault and memory scripts (POSIX sh); source after
# tests/lib/folio.sh and lib_init.
#
#   st_site                  copies content/ to $T/site, marker in the footer
#   st_publish N [DB]        publishes $T/site with marker folio-v=N
#   st_serve [WORKERS]       folio-fcgi on $DB and nginx on $PORT ($U)
#   st_wrk SECONDS CONNS     wrk with check.lua in the background (WRK_PID,
#                            output in $T/wrk.out); WRK_CLOSE=1: one
#                            connection per request
#   st_wrk_stop              SIGINT to wrk (it prints its totals), wait
#   st_wrk_field NAME        a figure of the check line (requests,
#                            bad_status, incomplete, no_marker,
#                            socket_errors)
#   st_failed                bad_status + incomplete + no_marker + socket
#   st_stat NAME VALUE       a "# stat: NAME VALUE" line for run.sh's table
#   st_kids                  the worker's children, one a line
#   st_readers [DB]          entries in LMDB's reader table

ST_DIR=$LIB_TOP/tests/stress
IDX="$BIN/folio-index"
WRK_PID=

st_site() {
	cp -R "$LIB_TOP/content" "$T/site"
	DB=$T/db
	# pages whose bodies carry the footer, for the checking clients
	cat >"$T/paths" <<'EOF'
/
/actualites/
/actualites/accessibilite-la-cinquieme-version-du-rgaa/
/agenda/atelier-histoire-s-dalgorithmes-dans-le-cadre-de-la-semaine-de-linnovation-publique-5ca8c5/
/tag/franceconnect/
/agenda/
EOF
	cp "$T/site/_templates/footer.mustache" "$T/footer.orig"
}

st_marker() {	# version
	sed "s|</footer>|<!-- folio-v=$1 --></footer>|" "$T/footer.orig" \
	    >"$T/site/_templates/footer.mustache.tmp" &&
	    mv "$T/site/_templates/footer.mustache.tmp" \
	    "$T/site/_templates/footer.mustache"
}

st_publish() {	# version [db]
	st_marker "$1"
	"$IDX" --quiet --templates "$LIB_TOP/content/_templates" "$T/site" \
	    "${2:-$DB}" 2>>"$T/index.log"
}

st_serve() {	# [workers]
	SOCK=$T/fcgi.sock
	PORT=$(lib_free_port)
	NGINX_ACCESS_LOG="access_log off;"
	export NGINX_ACCESS_LOG
	lib_nginx_conf "$T/nginx" "$PORT" "$SOCK" "$T/site"
	U="http://127.0.0.1:$PORT"
	lib_worker_start "$SOCK" "$DB" -w "${1:-2}" && lib_nginx_start "$T/nginx" "$PORT"
}

st_wrk() {	# seconds connections
	hdr="X-Folio-Test: 1"
	[ -n "${WRK_CLOSE:-}" ] && hdr="Connection: close"
	WRK_PATHS=$T/paths WRK_MARKER='folio%-v=%d+' \
	    wrk -t1 -c"$2" -d"$1"s --timeout 10s -s "$ST_DIR/check.lua" \
	    -H "$hdr" "$U" >"$T/wrk.out" 2>&1 &
	WRK_PID=$!
	sleep 0.2
}

st_wrk_stop() {
	[ -n "$WRK_PID" ] || return 0
	kill -INT "$WRK_PID" 2>/dev/null
	wait "$WRK_PID" 2>/dev/null
	WRK_PID=
}

st_wrk_wait() {
	[ -n "$WRK_PID" ] || return 0
	wait "$WRK_PID" 2>/dev/null
	WRK_PID=
}

st_wrk_field() {	# name
	v=$(sed -n "s/^check: .*$1 \([0-9]*\).*/\1/p" "$T/wrk.out" | tail -1)
	echo "${v:-0}"
}

st_failed() {
	echo $(( $(st_wrk_field bad_status) + $(st_wrk_field incomplete) + \
	    $(st_wrk_field no_marker) + $(st_wrk_field socket_errors) ))
}

st_stat() {	# name value
	echo "# stat: $1 $2"
}

st_kids() {
	pgrep -P "$WORKER_PID"
}

st_readers() {	# [db]: live entries of the reader table
	mdb_stat -r "${1:-$DB}" 2>/dev/null |
	    awk '/^ *[0-9]+ +[0-9a-f]+ +([0-9]+|-)$/ { n++ } END { print n + 0 }'
}

st_rand() {	# max: a random number in 0..max-1
	echo $(( $(od -An -N2 -tu2 /dev/urandom) % $1 ))
}

st_cleanup() {
	st_wrk_stop
	lib_cleanup
}
