#!/usr/bin/env bash
# The README's first command: set everything up on a fresh Debian/Ubuntu machine, then run the
# main job - a heuristic check of the sample names, and, where a sandbox engine works, a deep
# scan of two synthetic packages from the test corpus (one benign, one imitating malware).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
slop="$root/.venv/bin/slopspotter-lab"
echo; echo "== which sandboxes work here"
"$slop" doctor || true
echo; echo "== heuristic check of datasets/sample_names.csv"
"$slop" check --from datasets/sample_names.csv --format table
if "$slop" doctor --quick >/dev/null 2>&1; then
  for pkg in ${SLOP_QUICKSTART_SCANS:-tests/corpus/pypi/slop-benign-build tests/corpus/pypi/slop-steal-aws}; do
    [ -e "$pkg" ] || continue
    echo; echo "== deep scan of $pkg"
    "$slop" scan "$pkg" --format table || true
  done
fi
