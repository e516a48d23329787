#!/usr/bin/env bash
# Sandbox images for deep scans, built through the distribution mirror only (debootstrap base,
# docker import, then the standard Dockerfiles on top). Skips images already present;
# SLOP_IMAGES_FORCE=1 rebuilds. SLOP_MIRROR overrides the Debian mirror.
set -euo pipefail
force=(); [ -n "${SLOP_IMAGES_FORCE:-}" ] && force=(--force)
mirror=(); [ -n "${SLOP_MIRROR:-}" ] && mirror=(--mirror "$SLOP_MIRROR")
cd "$SLOP_ROOT"
"$SLOP_VENV/bin/python" -m slopspotter_lab images build python "${force[@]}" "${mirror[@]}"
"$SLOP_VENV/bin/python" -m slopspotter_lab images build node "${force[@]}" "${mirror[@]}"
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep '^slopspotter-lab/' || true
