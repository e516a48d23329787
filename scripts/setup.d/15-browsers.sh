#!/usr/bin/env bash
# Real browsers for the extension's end-to-end tests (tests/e2e): Debian's Chromium (driven by
# Playwright through executable_path; Playwright's own browser downloads are not used) and
# Firefox ESR (driven over Marionette; Debian has no geckodriver). Both from the distribution.
set -euo pipefail
pkgs=()
command -v chromium >/dev/null || pkgs+=(chromium)
command -v firefox-esr >/dev/null || command -v firefox >/dev/null || pkgs+=(firefox-esr)
# fonts so the screenshots of the chips are legible
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || pkgs+=(fonts-dejavu-core)
if [ ${#pkgs[@]} -gt 0 ]; then
  $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi
chromium --version
firefox-esr --version 2>/dev/null || firefox --version
