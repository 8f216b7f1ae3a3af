#!/bin/sh
# Installs the Debian 12 packages folio needs to build, run and test.
# Idempotent: installs only what is missing. As a non-root user it prints
# the command to run instead.
set -eu

PKGS="build-essential pkg-config
libfcgi-dev libfcgi-bin liblmdb-dev lmdb-utils libyaml-dev libmd4c-dev libmd4c-html0-dev
libutf8proc-dev libdeflate-dev libbrotli-dev libxxhash-dev libical-dev
nginx wrk curl libxml2-utils python3 valgrind clang"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
if [ -z "$missing" ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "folio needs these Debian packages:$missing"
	echo "run:  sudo apt-get install -y --no-install-recommends$missing"
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet; refresh them once if the
# first attempt cannot find a package.
if ! apt-get install -y --no-install-recommends $missing; then
	apt-get update
	apt-get install -y --no-install-recommends $missing
fi
# Debian starts the system nginx on install; folio runs its own instance
# and does not need that one, but leaves it as the administrator set it.
