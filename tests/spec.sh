#!/bin/sh
# Runs the official Mustache specification against tmpl.
# The spec lives beside the repository, in ../shared/mustache-spec (its
# JSON files); when that folder is missing this says so and exits 0.
# Environment: TOOL_DIR (where mustache-spec was built).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
: "${TOOL_DIR:=build/release/tools}"
spec=../shared/mustache-spec
if [ ! -d "$spec" ]; then
	echo "mustache spec: $spec not found, skipped"
	exit 0
fi
if [ ! -x "$TOOL_DIR/mustache-spec" ]; then
	echo "mustache spec: $TOOL_DIR/mustache-spec not built" >&2
	exit 1
fi
set -- "$spec"/*.json
if [ ! -f "$1" ]; then
	echo "mustache spec: no .json files in $spec, skipped"
	exit 0
fi
exec "$TOOL_DIR/mustache-spec" "$@"
