#!/usr/bin/env bash
# Distribution packages the library, its tests and the sandboxes need.
set -euo pipefail
if [ ! -f /var/lib/apt/periodic/slop-updated ] || [ -n "${CI:-}" ]; then
  $SUDO apt-get update -qq
  $SUDO mkdir -p /var/lib/apt/periodic && $SUDO touch /var/lib/apt/periodic/slop-updated
fi
pkgs=(python3 python3-venv python3-dev gcc pkg-config git curl ca-certificates strace
      docker.io debootstrap iproute2 procps libvirt-dev
      zsh fish)  # zsh, fish: the guard --print-alias functions are run in each shell by the tests
# Keep a Node.js that is already there (e.g. nodesource, which bundles npm); else Debian's.
command -v node >/dev/null || pkgs+=(nodejs)
command -v npm >/dev/null || pkgs+=(npm)
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
