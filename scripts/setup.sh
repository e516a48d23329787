#!/usr/bin/env bash
# Set everything up on a fresh Debian/Ubuntu machine (as root, or with sudo):
# system packages, a virtualenv with the project and its extras, the Docker engine and the
# other sandbox engines, the sandbox images (built from the distribution mirror only).
# Each step is a file in scripts/setup.d/, run in order; every step is idempotent.
#   SLOP_SETUP_SKIP="60-vm 70-gvisor"  skips steps by name.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export SLOP_ROOT="$(cd "$here/.." && pwd)"
export SLOP_VENV="${SLOP_VENV:-$SLOP_ROOT/.venv}"
export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"; export SUDO
for step in "$here"/setup.d/*.sh; do
  name="$(basename "$step" .sh)"
  case " ${SLOP_SETUP_SKIP:-} " in *" $name "*) echo "== skip $name"; continue;; esac
  echo "== $name"; start=$(date +%s)
  bash "$step"
  echo "== $name done in $(( $(date +%s) - start ))s"
done
