#!/usr/bin/env bash
# Run every test: unit, loopback-registry, real sandbox scans, and the notebooks under nbmake.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${SLOP_VENV:-$root/.venv}"
cd "$root"
# The reference lists shipped beside the repo in ../shared/data (CI) unless set otherwise.
if [ -z "${SLOPSPOTTER_DATA_DIR:-}" ] && [ -d "$root/../shared/data" ]; then
  export SLOPSPOTTER_DATA_DIR="$root/../shared/data"
fi
export SLOPSPOTTER_CACHE_DIR="${SLOPSPOTTER_CACHE_DIR:-$root/.cache/test}"
"$venv/bin/python" -m pytest "$@"
