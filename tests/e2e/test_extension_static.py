"""The extension's files without a browser: a manifest both browser families accept, the
least permissions, no network API anywhere in its scripts, and scripts that parse."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from .browsers import EXTENSION

MANIFEST = json.loads((EXTENSION / "manifest.json").read_text())
SCRIPTS = sorted(EXTENSION.glob("*.js"))


def test_manifest_serves_chromium_and_firefox_with_least_permissions():
    assert MANIFEST["manifest_version"] == 3
    assert sorted(MANIFEST["permissions"]) == ["nativeMessaging", "storage"]
    assert "host_permissions" not in MANIFEST and "optional_permissions" not in MANIFEST
    bg = MANIFEST["background"]
    assert bg["service_worker"] == "background.js" and bg["scripts"] == ["background.js"]  # Chromium / Firefox
    for name in ["background.js", "options.html", *MANIFEST["content_scripts"][0]["js"],
                 *MANIFEST["content_scripts"][0]["css"]]:
        assert (EXTENSION / name).is_file(), name


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_no_script_can_send_page_text_to_a_server(script):
    code = re.sub(r"//[^\n]*", "", script.read_text())  # comments may name what is not used
    for api in ("fetch(", "XMLHttpRequest", "WebSocket", "sendBeacon", "EventSource", "importScripts", "eval("):
        assert api not in code, f"{script.name} uses {api}"


@pytest.mark.skipif(not shutil.which("node"), reason="node is not installed")
@pytest.mark.parametrize("script", SCRIPTS, ids=[s.name for s in SCRIPTS])
def test_scripts_parse(script):
    out = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
