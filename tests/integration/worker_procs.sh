#!/bin/sh
# folio-fcgi's processes: prefork children, a killed child replaced,
# SIGHUP replacing children one at a time under load with no failed
# request, SIGTERM/SIGINT stop time, and the socket inherited as fd 0.
set -u
. "$(dirname "$0")/../lib/folio.sh"
lib_init

S=$T/site
mkdir -p "$S/static"
cd "$S" || exit 1
printf 'text/html; charset=utf-8' >html.type
printf '<p>a</p>\n' >a.html
echo "page /a/ 200 page 0 @html.type @a.html" >spec
check "mkdb writes the database" "$MKDB" "$T/db" spec

SOCK=$T/fcgi.sock
PORT=$(lib_free_port)
lib_nginx_conf "$T/nginx" "$PORT" "$SOCK" "$S/static"
check "worker starts with 2 children" lib_worker_start "$SOCK" "$T/db" -w 2
check "nginx starts" lib_nginx_start "$T/nginx" "$PORT"
U="http://127.0.0.1:$PORT"

kids() { pgrep -P "$WORKER_PID" | sort | tr '\n' ' '; }
nkids() { pgrep -P "$WORKER_PID" | wc -l | tr -d ' '; }
wait_kids() {	# count seconds
	n=$(( $2 * 20 ))
	while [ "$n" -gt 0 ]; do
		[ "$(nkids)" = "$1" ] && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}
ok200() { [ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$U/a/")" = 200 ]; }

check "two children running" wait_kids 2 2
check "served through nginx" ok200
sleep 1.1	# past the crash-loop guard of a freshly started child
BEFORE=$(kids)
VICTIM=$(echo "$BEFORE" | cut -d' ' -f1)
kill -KILL "$VICTIM"
sleep 0.3
check "killed child replaced" wait_kids 2 3
check "the replacement is a new process" sh -c "! pgrep -P $WORKER_PID | grep -qx $VICTIM"
check "served after the replacement" ok200
check "parent logged the death" grep -q 'killed by signal 9' "$T/worker.log"

# SIGHUP under load: every request must succeed.
sleep 1.1
BEFORE=$(kids)
(
	i=0
	while [ $i -lt 400 ]; do
		curl -s -m 5 -o /dev/null -w '%{http_code}\n' "$U/a/"
		i=$((i + 1))
	done
) >"$T/codes" &
LOAD=$!
sleep 0.3
kill -HUP "$WORKER_PID"
sleep 0.5
kill -HUP "$WORKER_PID"
wait $LOAD
check "load ran during SIGHUP" [ "$(wc -l <"$T/codes" | tr -d ' ')" = 400 ]
check "no failed request during SIGHUP" sh -c "! grep -vx 200 '$T/codes'"
check "children replaced after SIGHUP" wait_kids 2 3
AFTER=$(kids)
check "no old child left" sh -c "for p in $BEFORE; do echo ' $AFTER ' | grep -q \" \$p \" && exit 1; done; exit 0"
check "parent logged the replacement" grep -q 'workers replaced' "$T/worker.log"

# SIGTERM when idle: the parent and children gone within a second.
KIDS=$(kids)
t0=$(lib_ms)
kill -TERM "$WORKER_PID"
lib_wait_gone "$WORKER_PID" 5
t1=$(lib_ms)
echo "# SIGTERM stop took $((t1 - t0)) ms"
check "SIGTERM stops within a second" [ $((t1 - t0)) -lt 1000 ]
check "children gone after SIGTERM" sh -c "for p in $KIDS; do [ -e /proc/\$p ] && \
    ! grep -q ') Z' /proc/\$p/stat && exit 1; done; exit 0"
check "socket file removed" [ ! -e "$SOCK" ]
wait "$WORKER_PID" 2>/dev/null
WORKER_PID=

# SIGINT too.
check "worker restarts" lib_worker_start "$SOCK" "$T/db" -w 2
t0=$(lib_ms)
kill -INT "$WORKER_PID"
lib_wait_gone "$WORKER_PID" 5
t1=$(lib_ms)
check "SIGINT stops within a second" [ $((t1 - t0)) -lt 1000 ]
wait "$WORKER_PID" 2>/dev/null
WORKER_PID=

# A socket that is already served is refused, not stolen.
check "worker restarts again" lib_worker_start "$SOCK" "$T/db" -w 1
check "second worker on a live socket refused" sh -c \
    "! timeout 5 '$FCGI' -s '$SOCK' '$T/db' 2>/dev/null"
lib_worker_stop

# The listening socket handed over as file descriptor 0 (spawn-fcgi).
SOCK0=$T/fd0.sock
python3 - "$SOCK0" "$FCGI" "$T/db" 2>>"$T/worker.log" <<'EOF' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(64)
os.dup2(s.fileno(), 0)
os.execv(sys.argv[2], [sys.argv[2], "-w", "1", sys.argv[3]])
EOF
WORKER_PID=$!
check "worker on an inherited socket (fd 0) answers" lib_wait_socket "$SOCK0" 5
"$FCGIGET" "$SOCK0" REQUEST_METHOD=GET DOCUMENT_URI=/a/ >"$T/fd0"
check "fd 0 socket: page served" grep -q '<p>a</p>' "$T/fd0"
check "no socket and no listening fd 0: usage error" sh -c \
    "'$FCGI' '$T/db' </dev/null 2>/dev/null; [ \$? = 2 ]"
check "--version" sh -c "'$FCGI' --version | grep -q '^folio-fcgi [0-9]'"
check "--help" sh -c "'$FCGI' --help | grep -q 'usage: folio-fcgi'"

exit 0
