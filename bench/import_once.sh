#!/usr/bin/env bash
# One import of FILE into a fresh SQLite database in a directory of its own, removed after:
# the command timed in pairs (two builds, or two options) in bench/RESULTS.md, where it is
# called xp.sh.
#
# Usage: bench/import_once.sh BINARY FILE [import options…]
set -euo pipefail
BIN=${1:?usage: bench/import_once.sh BINARY FILE [options]}; FILE=${2:?usage: bench/import_once.sh BINARY FILE [options]}
shift 2
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
CLIENTELE_DATABASE_URL="sqlite://$DIR/import.db" "$BIN" import "$FILE" "$@" >/dev/null
