#!/bin/sh
# Faults under load, quick: a few publishes and killed indexers, killed
# worker children, a full disk, damaged databases and nginx reloads, all
# under wrk (tests/stress/faults.sh; tests/stress/run.sh runs the long
# version), then the worker and the indexer under valgrind
# (tests/stress/memory.sh, short).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
rc=0
sh "$top/tests/stress/faults.sh" || rc=1
if [ -f "$top/tests/stress/memory.sh" ]; then
	REQUESTS=20000 VALGRIND_REQUESTS=150 sh "$top/tests/stress/memory.sh" || rc=1
fi
exit $rc
