#!/bin/sh
# `make run`: indexes content/ into var/db, starts folio-fcgi on a unix
# socket and an nginx of its own on 127.0.0.1:$PORT, and stays in the
# foreground until Ctrl-C. `make stop` (deploy/run.sh stop) stops both.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
PORT=${PORT:-8080}
var=$top/var
sock=$var/folio.sock

stop() {
	for name in nginx folio-fcgi; do
		f=$var/$name.pid
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null
			n=50
			while [ $n -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
				sleep 0.1
				n=$((n - 1))
			done
			kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
			echo "stopped $name ($pid)"
		fi
		rm -f "$f"
	done
	rm -f "$sock"
}

if [ "${1:-}" = stop ]; then
	stop
	exit 0
fi

command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || {
	echo "nginx is missing: run 'make deps' (or sh deploy/install-deps.sh)" >&2
	exit 1
}
PATH=$PATH:/usr/sbin
stop >/dev/null
mkdir -p "$var/nginx"
echo "indexing content/ into var/db"
bin/folio-index --templates "$top/content/_templates" content "$var/db" || exit 1

bin/folio-fcgi -s "$sock" "$var/db" 2>>"$var/folio-fcgi.log" &
echo $! >"$var/folio-fcgi.pid"
n=50
while [ $n -gt 0 ] && [ ! -S "$sock" ]; do sleep 0.1; n=$((n - 1)); done
[ -S "$sock" ] || { echo "folio-fcgi did not start; see var/folio-fcgi.log" >&2; stop; exit 1; }

sh nginx/gen-conf.sh "$var/nginx" "$PORT" "$sock" "$top/content"
nginx -p "$var/nginx/" -c "$var/nginx/nginx.conf" -e "$var/nginx/error.log" &
echo $! >"$var/nginx.pid"
sleep 0.3
if ! kill -0 "$(cat "$var/nginx.pid")" 2>/dev/null; then
	echo "nginx did not start (port $PORT in use? try 'make run PORT=8081'):" >&2
	tail -5 "$var/nginx/error.log" >&2
	stop
	exit 1
fi

trap 'echo; stop; exit 0' INT TERM
cat <<MSG

folio is serving content/ on http://127.0.0.1:$PORT/
  home page:  http://127.0.0.1:$PORT/
  seed event: http://127.0.0.1:$PORT/agenda/atelier-histoire-s-dalgorithmes-dans-le-cadre-de-la-semaine-de-linnovation-publique-5ca8c5/
  agenda:     http://127.0.0.1:$PORT/agenda/
  feed:       http://127.0.0.1:$PORT/feed.xml
Logs in var/. Ctrl-C or 'make stop' stops the worker and nginx.
MSG
wait "$(cat "$var/folio-fcgi.pid")" 2>/dev/null
stop
