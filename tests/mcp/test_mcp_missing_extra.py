"""Without the `mcp` extra, `slopspotter-lab mcp` says which extra to install (no traceback)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_missing_sdk_names_the_extra():
    code = "import sys; sys.modules['mcp'] = None; from slopspotter_lab.cli import main; sys.exit(main(['mcp']))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 3, out.stderr
    assert "pip install 'slopspotter-lab[mcp]'" in out.stderr and "Traceback" not in out.stderr
