#!/usr/bin/env bash
# Run every test: unit, loopback-registry, real sandbox scans, and the notebooks under nbmake.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${SLOP_VENV:-$root/.venv}"
cd "$root"
# The reference lists ship inside the package (slopspotter_lab/data); nothing beside the clone
# is needed. A user data dir, if set, is used as is.
export SLOPSPOTTER_CACHE_DIR="${SLOPSPOTTER_CACHE_DIR:-$root/.cache/test}"
"$venv/bin/python" -m pytest "$@"
