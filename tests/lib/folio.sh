# Shell functions for integration tests (POSIX sh). Source after setting
# nothing; uses BIN and TOOL_DIR from tests/run.sh when set.
#
#   . tests/lib/folio.sh
#   lib_init                      temp dir $T, cleanup trap, paths
#   check "what" CMD...           prints "ok - what" or "not ok - what"
#   lib_free_port                 prints a free TCP port on 127.0.0.1
#   lib_wait_socket PATH [SECS]   waits until a unix socket accepts
#   lib_wait_port PORT [SECS]     waits until nginx answers on PORT
#   lib_worker_start SOCK DB [OPTIONS...]   sets WORKER_PID
#   lib_worker_stop               TERM, then KILL after 5 s
#   lib_nginx_conf DIR PORT SOCK STATIC [microcache]
#   lib_nginx_start DIR PORT      sets NGINX_PID
#   lib_nginx_stop
#   lib_alive PID                 true while PID runs (zombies are dead)
#   lib_ms                        milliseconds since the epoch
# Every process started here is stopped by the EXIT trap.

LIB_TOP=$(cd "$(dirname "$0")" && while [ ! -f nginx/nginx.conf.in ] &&
    [ "$PWD" != / ]; do cd ..; done; pwd)
: "${BIN:=$LIB_TOP/bin}" "${TOOL_DIR:=$LIB_TOP/build/release/tools}"
FCGI="$BIN/folio-fcgi"
MKDB="$TOOL_DIR/mkdb"
FCGIGET="$TOOL_DIR/fcgiget"
WORKER_PID=
NGINX_PID=
NGINX_DIR_=
lib_failed=0

lib_cleanup() {
	lib_worker_stop
	lib_nginx_stop
	[ -n "${T:-}" ] && rm -rf "$T"
}

lib_init() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/folio-it.XXXXXX")
	chmod 755 "$T"
	trap 'lib_cleanup' EXIT
	trap 'exit 1' INT TERM
}

check() {	# what, command...
	what=$1
	shift
	if "$@" >/dev/null 2>&1; then
		echo "ok - $what"
	else
		echo "not ok - $what"
		lib_failed=$((lib_failed + 1))
	fi
}

lib_ms() {
	date +%s%3N
}

lib_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

lib_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null && return 0
	# without python: a random high port nobody listens on
	while :; do
		p=$(( $(od -An -N2 -tu2 /dev/urandom) % 20000 + 30000 ))
		ss -ltn 2>/dev/null | grep -q ":$p " || { echo "$p"; return 0; }
	done
}

lib_wait_socket() {	# path [seconds]
	n=$(( ${2:-5} * 20 ))
	while [ "$n" -gt 0 ]; do
		if [ -S "$1" ] && "$FCGIGET" "$1" REQUEST_METHOD=OPTIONS \
		    >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

lib_wait_port() {	# port [seconds]
	n=$(( ${2:-5} * 20 ))
	while [ "$n" -gt 0 ]; do
		curl -s -o /dev/null -m 1 "http://127.0.0.1:$1/" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}

lib_worker_start() {	# socket db [options...]
	sock=$1
	db=$2
	shift 2
	"$FCGI" "$@" -s "$sock" "$db" 2>>"$T/worker.log" &
	WORKER_PID=$!
	lib_wait_socket "$sock" 5
}

lib_wait_gone() {	# pid seconds
	n=$(( $2 * 100 ))
	while [ "$n" -gt 0 ] && lib_alive "$1"; do
		sleep 0.01
		n=$((n - 1))
	done
	! lib_alive "$1"
}

lib_stop_pid() {	# pid: TERM, then KILL (with its children) after 5 s
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	if ! lib_wait_gone "$1" 5; then
		kill -KILL "$1" 2>/dev/null
		pkill -KILL -P "$1" 2>/dev/null
	fi
	wait "$1" 2>/dev/null
}

lib_worker_stop() {
	lib_stop_pid "$WORKER_PID"
	WORKER_PID=
}

lib_nginx_conf() {	# dir port socket static [microcache]
	sh "$LIB_TOP/nginx/gen-conf.sh" "$@"
}

lib_nginx_start() {	# dir port
	nginx -p "$1/" -c "$1/nginx.conf" -e "$1/error.log" 2>>"$1/error.log" &
	NGINX_PID=$!
	NGINX_DIR_=$1
	lib_wait_port "$2" 5
}

lib_nginx_stop() {
	lib_stop_pid "$NGINX_PID"
	NGINX_PID=
}
