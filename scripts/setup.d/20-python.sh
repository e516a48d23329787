#!/usr/bin/env bash
# A virtualenv with the project (editable) and every extra; the tests run from it.
set -euo pipefail
py="${SLOP_PYTHON:-python3}"
[ -x "$SLOP_VENV/bin/python" ] || "$py" -m venv "$SLOP_VENV"
"$SLOP_VENV/bin/python" -m pip install -q --upgrade pip
"$SLOP_VENV/bin/python" -m pip install -q -e "$SLOP_ROOT[${SLOP_EXTRAS:-dev}]"
