"""npm lifecycle scripts: the one `install_scripts` detector.

The scripts come from the artifact's package.json when the artifact is at hand (what will run),
else from the registry's metadata (check without a download); either way one rule judges them.
"""

from __future__ import annotations

import re

from ..indicators import Indicator

LIFECYCLE = ("preinstall", "install", "postinstall", "prepare")  # what npm runs on install
# high when a script fetches, pipes into a shell, decodes or runs inline code
RISKY_SCRIPT = re.compile(
    r"curl|wget|https?://|\bnc\b|/dev/tcp|base64|\beval\b|powershell|\|\s*(ba|z|da)?sh\b"
    r"|\b(node|python3?|sh|bash)\s+(-e|-c)\b", re.I)


def install_scripts(scripts: dict[str, str], where: str) -> Indicator | None:
    """`install_scripts` for the lifecycle entries of `scripts` (from `where`), or None."""
    scripts = {k: str(v) for k, v in (scripts or {}).items() if k in LIFECYCLE}
    if not scripts:
        return None
    risky = any(RISKY_SCRIPT.search(v) for v in scripts.values())
    shown = "; ".join(f"{k}: {v[:120]}" for k, v in scripts.items())
    return Indicator("install_scripts", "high" if risky else "medium", f"{where} runs at install: {shown}",
                     source="static", extra={"scripts": scripts})
