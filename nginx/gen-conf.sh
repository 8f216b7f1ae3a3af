#!/bin/sh
# Writes a complete nginx configuration for folio from nginx/nginx.conf.in.
#   nginx/gen-conf.sh VARDIR PORT SOCKET STATIC [microcache]
# VARDIR gets nginx.conf, the pid file, logs, temp and cache folders.
# Used by `make run`, the tests and the benchmarks.
set -eu
[ $# -ge 4 ] || { echo "usage: $0 VARDIR PORT SOCKET STATIC [microcache]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
vardir=$1 port=$2 sock=$3 static=$4
mkdir -p "$vardir/tmp" "$vardir/cache"
user=
[ "$(id -u)" = 0 ] && user="user root;"
micro=
[ "${5:-}" = microcache ] && micro="include $here/folio-microcache.conf;"
sed -e "s|@VARDIR@|$vardir|g" -e "s|@PORT@|$port|g" -e "s|@SOCKET@|$sock|g" \
    -e "s|@STATIC@|$static|g" -e "s|@NGINXDIR@|$here|g" \
    -e "s|@USER@|$user|" -e "s|@MICROCACHE@|$micro|" \
    -e "s|@ACCESSLOG@|${NGINX_ACCESS_LOG:-access_log $vardir/access.log;}|" \
    "$here/nginx.conf.in" >"$vardir/nginx.conf"
