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


@pytest.mark.parametrize("ids", [["not-an-id"], ["ABCDEFGHIJKLMNOPABCDEFGHIJKLMNOP"]])
def test_chrome_needs_a_valid_extension_id(tmp_path, ids):
    with pytest.raises(InputError):
        manifests.install("chrome", ids, home=tmp_path, platform="linux")


def test_cli_install_manifests_user_level(tmp_path, monkeypatch, capsys):
    from slopspotter_lab.cli import main

    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["install-manifests", "firefox"]) == 0
    path = tmp_path / ".mozilla/native-messaging-hosts/slopspotter.json"
    assert json.loads(path.read_text())["allowed_extensions"] == [manifests.REFERENCE_FIREFOX_ID,
                                                                  manifests.DEFAULT_FIREFOX_ID]
    assert main(["install-manifests", "firefox", "--uninstall"]) == 0
    assert not path.exists()
    assert main(["install-manifests", "edge", "--extension-id", "nope"]) == 2


REPO = Path(__file__).resolve().parents[2]


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_reference_extension_id_is_the_one_its_key_pins():
    ext = json.loads((REPO / "extension" / "manifest.json").read_text())
    assert manifests.chromium_id(ext["key"]) == manifests.REFERENCE_CHROMIUM_ID
    assert ext["browser_specific_settings"]["gecko"]["id"] == manifests.REFERENCE_FIREFOX_ID


def test_chromium_default_allows_the_reference_extension(tmp_path):
    tgt = manifests.install("chromium", None, home=tmp_path, platform="linux", host_path="/x")
    doc = json.loads(tgt.manifest_path.read_text())
    assert doc["allowed_origins"] == [f"chrome-extension://{manifests.REFERENCE_CHROMIUM_ID}/"]


@pytest.mark.parametrize("browser", ["chromium", "chrome", "edge"])
@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_profile_dir_writes_into_the_user_data_dir(tmp_path, browser, platform):
    profile = tmp_path / "profile"
    tgt = manifests.install(browser, None, home=tmp_path / "home", platform=platform, profile_dir=profile)
    assert tgt.manifest_path == profile / "NativeMessagingHosts" / "slopspotter.json"
    assert not (tmp_path / "home").exists()  # nothing in the default profile's place
    manifests.uninstall(browser, platform=platform, profile_dir=profile, home=tmp_path / "home")
    assert _tree(profile) == {"NativeMessagingHosts"}


@pytest.mark.parametrize("browser, platform, system, fragment", [
    ("firefox", "linux", False, "never per profile"),
    ("chromium", "win32", False, "registry"),
    ("chrome", "linux", True, "exclude"),
])
def test_profile_dir_refusals(tmp_path, browser, platform, system, fragment):
    with pytest.raises(InputError, match=fragment):
        manifests.install(browser, None, home=tmp_path, platform=platform, system=system,
                          profile_dir=tmp_path / "p")
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("browser", manifests.BROWSERS)
@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_uninstall_leaves_the_tree_as_it_was(tmp_path, browser, platform):
    (tmp_path / "keep.txt").write_text("mine")
    before = _tree(tmp_path)
    tgt = manifests.install(browser, None, home=tmp_path, platform=platform)
    assert tgt.manifest_path.is_file() and str(tgt.manifest_path).startswith(str(tmp_path))
    manifests.uninstall(browser, home=tmp_path, platform=platform)
    after = _tree(tmp_path)
    # only the browser's own (now empty) manifest directory chain may remain
    assert before <= after and all(not (tmp_path / p).is_file() for p in after - before)


def test_windows_layout_writes_a_bat_launcher_and_names_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "AppData" / "Local"))
    tgt = manifests.install("edge", None, home=tmp_path, platform="win32")
    assert tgt.registry_key == r"HKEY_CURRENT_USER\SOFTWARE\Microsoft\Edge\NativeMessagingHosts\slopspotter"
    doc = json.loads(tgt.manifest_path.read_text())
    assert doc["path"].endswith("slopspotter-host.bat") and "-m slopspotter_lab.host.native" in Path(doc["path"]).read_text()
    manifests.uninstall("edge", home=tmp_path, platform="win32")
    assert not (tmp_path / "AppData" / "Local" / "slopspotter-lab" / "manifests" / "edge").exists()


def test_cli_all_browsers_and_profile_dir(tmp_path, monkeypatch, capsys):
    from slopspotter_lab.cli import main

    monkeypatch.setenv("HOME", str(tmp_path))
    assert main(["install-manifests", "all"]) == 0
    out = capsys.readouterr().out
    assert all(f"{b}: wrote" in out for b in manifests.BROWSERS)
    assert main(["install-manifests", "all", "--uninstall"]) == 0
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
    profile = tmp_path / "p"
    assert main(["install-manifests", "chromium", "--profile-dir", str(profile)]) == 0
    assert (profile / "NativeMessagingHosts" / "slopspotter.json").is_file()
    assert main(["install-manifests", "firefox", "--profile-dir", str(profile)]) == 2
    assert main(["install-manifests", "chromium", "--profile-dir", str(profile), "--uninstall"]) == 0
    assert not (profile / "NativeMessagingHosts" / "slopspotter.json").exists()
