"""Framing helpers and browser manifests (pure functions; no browser needed)."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import pytest

from slopspotter_lab.errors import InputError
from slopspotter_lab.host import framing, manifests

CHROME_ID = "abcdefghijklmnopabcdefghijklmnop"


def test_frame_roundtrip_native_byte_order():
    frame = framing.encode({"type": "ping", "text": "naïve"})
    assert struct.unpack("=I", frame[:4])[0] == len(frame) - 4
    assert json.loads(framing.read_frame(io.BytesIO(frame))) == {"type": "ping", "text": "naïve"}
    assert framing.read_frame(io.BytesIO(b"")) is None


def test_short_header_is_fatal():
    with pytest.raises(framing.FrameError) as err:
        framing.read_frame(io.BytesIO(b"\x01\x00"))
    assert err.value.fatal


def test_trim_halves_the_biggest_list_and_records_it():
    reply = {"success": True, "result": {"files": [f"/tmp/{i:06d}" for i in range(100000)], "small": [1, 2]}}
    out = framing.trim(reply, limit=64 * 1024)
    assert len(framing.encode(out)) - 4 <= 64 * 1024
    note = out["trimmed"][0]
    assert note["path"] == "result.files" and note["total"] == 100000 and note["kept"] < 100000
    assert out["result"]["small"] == [1, 2]
    assert reply["result"]["files"][-1] == "/tmp/099999"  # caller's object untouched


def test_trim_cuts_a_single_huge_string():
    out = framing.trim({"success": True, "error": None, "blob": "y" * 3_000_000})
    assert len(framing.encode(out)) - 4 <= framing.MAX_OUTGOING
    assert out["blob"].endswith("...[trimmed]")


@pytest.mark.parametrize("browser, platform, system, expected", [
    ("firefox", "linux", False, "HOME/.mozilla/native-messaging-hosts/slopspotter.json"),
    ("firefox", "linux", True, "/usr/lib/mozilla/native-messaging-hosts/slopspotter.json"),
    ("chrome", "linux", False, "HOME/.config/google-chrome/NativeMessagingHosts/slopspotter.json"),
    ("chrome", "linux", True, "/etc/opt/chrome/native-messaging-hosts/slopspotter.json"),
    ("chromium", "linux", False, "HOME/.config/chromium/NativeMessagingHosts/slopspotter.json"),
    ("chromium", "linux", True, "/etc/chromium/native-messaging-hosts/slopspotter.json"),
    ("edge", "linux", False, "HOME/.config/microsoft-edge/NativeMessagingHosts/slopspotter.json"),
    ("firefox", "darwin", False, "HOME/Library/Application Support/Mozilla/NativeMessagingHosts/slopspotter.json"),
    ("chrome", "darwin", True, "/Library/Google/Chrome/NativeMessagingHosts/slopspotter.json"),
    ("edge", "darwin", False, "HOME/Library/Application Support/Microsoft Edge/NativeMessagingHosts/slopspotter.json"),
])
def test_manifest_paths(browser, platform, system, expected):
    home = Path("/home/u")
    tgt = manifests.target(browser, platform, system, home)
    assert str(tgt.manifest_path) == expected.replace("HOME", str(home))
    assert tgt.registry_key is None


@pytest.mark.parametrize("browser, system, key", [
    ("firefox", False, r"HKEY_CURRENT_USER\SOFTWARE\Mozilla\NativeMessagingHosts\slopspotter"),
    ("chrome", False, r"HKEY_CURRENT_USER\SOFTWARE\Google\Chrome\NativeMessagingHosts\slopspotter"),
    ("edge", True, r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Edge\NativeMessagingHosts\slopspotter"),
    ("chromium", False, r"HKEY_CURRENT_USER\SOFTWARE\Chromium\NativeMessagingHosts\slopspotter"),
])
def test_windows_registry_keys(browser, system, key):
    assert manifests.target(browser, "win32", system, Path("/h")).registry_key == key


def test_install_firefox_then_uninstall(tmp_path):
    tgt = manifests.install("firefox", ["me@example.invalid"], home=tmp_path, platform="linux")
    doc = json.loads(tgt.manifest_path.read_text())
    assert doc["name"] == "slopspotter" and doc["type"] == "stdio"
    assert doc["allowed_extensions"] == ["me@example.invalid"] and "allowed_origins" not in doc
    launcher = Path(doc["path"])
    assert launcher.is_absolute() and launcher.stat().st_mode & 0o111
    assert "slopspotter_lab.host.native" in launcher.read_text()
    manifests.uninstall("firefox", home=tmp_path, platform="linux")
    assert not tgt.manifest_path.exists() and not launcher.exists()


def test_install_chromium_uses_allowed_origins(tmp_path):
    tgt = manifests.install("chromium", [CHROME_ID], home=tmp_path, platform="linux", host_path="/opt/x/host")
    doc = json.loads(tgt.manifest_path.read_text())
    assert doc["allowed_origins"] == [f"chrome-extension://{CHROME_ID}/"]
    assert doc["path"] == "/opt/x/host" and "allowed_extensions" not in doc


@pytest.mark.parametrize("ids", [None, ["not-an-id"], ["ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP"]])
def test_chrome_needs_a_valid_extension_id(tmp_path, ids):
    with pytest.raises(InputError):
        manifests.install("chrome", ids, home=tmp_path, platform="linux")


def test_cli_install_manifests_user_level(tmp_path, monkeypatch, capsys):
    from slopspotter_lab.cli import main

    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["install-manifests", "firefox"]) == 0
    path = tmp_path / ".mozilla/native-messaging-hosts/slopspotter.json"
    assert json.loads(path.read_text())["allowed_extensions"] == [manifests.DEFAULT_FIREFOX_ID]
    assert main(["install-manifests", "firefox", "--uninstall"]) == 0
    assert not path.exists()
    assert main(["install-manifests", "edge"]) == 2  # no --extension-id
