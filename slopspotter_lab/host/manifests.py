"""`slopspotter-lab install-manifests`: register the native host with a browser.

A manifest names the host, the executable the browser starts and which extensions may talk to
it (Firefox: `allowed_extensions` with add-on ids; Chromium browsers: `allowed_origins` with
`chrome-extension://ID/`). Linux and macOS find it in a per-browser directory; Windows finds
it through a registry key whose default value is the manifest's path. Per user by default.
Browsers start the host with arguments of their own and cannot pass ours, so we write a small
launcher that runs this interpreter's `slopspotter_lab.host.native` (also faster than the CLI).
"""

from __future__ import annotations

import json
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

HOST_NAME = "slopspotter"  # the port name the existing extension connects to
DEFAULT_FIREFOX_ID = "slopspotter@bu.edu"  # the existing Firefox add-on
DESCRIPTION = "slopspotter-lab: is this package safe to install?"
BROWSERS = ("firefox", "chrome", "chromium", "edge")

# (user dir relative to home, system dir) per browser and platform
_DIRS = {
    "linux": {
        "firefox": (".mozilla/native-messaging-hosts", "/usr/lib/mozilla/native-messaging-hosts"),
        "chrome": (".config/google-chrome/NativeMessagingHosts", "/etc/opt/chrome/native-messaging-hosts"),
        "chromium": (".config/chromium/NativeMessagingHosts", "/etc/chromium/native-messaging-hosts"),
        "edge": (".config/microsoft-edge/NativeMessagingHosts", "/etc/opt/edge/native-messaging-hosts"),
    },
    "darwin": {
        "firefox": ("Library/Application Support/Mozilla/NativeMessagingHosts",
                    "/Library/Application Support/Mozilla/NativeMessagingHosts"),
        "chrome": ("Library/Application Support/Google/Chrome/NativeMessagingHosts",
                   "/Library/Google/Chrome/NativeMessagingHosts"),
        "chromium": ("Library/Application Support/Chromium/NativeMessagingHosts",
                     "/Library/Application Support/Chromium/NativeMessagingHosts"),
        "edge": ("Library/Application Support/Microsoft Edge/NativeMessagingHosts",
                 "/Library/Microsoft/Edge/NativeMessagingHosts"),
    },
}
_WIN_KEYS = {
    "firefox": r"SOFTWARE\Mozilla\NativeMessagingHosts",
    "chrome": r"SOFTWARE\Google\Chrome\NativeMessagingHosts",
    "chromium": r"SOFTWARE\Chromium\NativeMessagingHosts",
    "edge": r"SOFTWARE\Microsoft\Edge\NativeMessagingHosts",
}


@dataclass
class Target:
    """Where one browser looks for our manifest on one platform."""

    browser: str
    manifest_path: Path
    registry_key: str | None = None  # Windows: "HKEY_CURRENT_USER\\...\\slopspotter"


def _platform(platform: str | None) -> str:
    plat = platform or sys.platform
    return "linux" if plat.startswith("linux") else plat


def target(browser: str, platform: str | None = None, system: bool = False,
           home: Path | None = None) -> Target:
    """Manifest location (and registry key on Windows) for `browser`; pure, for tests too."""
    if browser not in BROWSERS:
        raise InputError(f"unknown browser {browser!r}: choose from {', '.join(BROWSERS)}")
    plat = _platform(platform)
    home = Path(home) if home else Path.home()
    if plat == "win32":
        hive = "HKEY_LOCAL_MACHINE" if system else "HKEY_CURRENT_USER"
        base = Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) if system else \
            Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local"))
        path = base / "slopspotter-lab" / "manifests" / browser / f"{HOST_NAME}.json"
        return Target(browser, path, f"{hive}\\{_WIN_KEYS[browser]}\\{HOST_NAME}")
    if plat not in _DIRS:
        raise InputError(f"native messaging manifests are not known for platform {plat!r}")
    user_dir, system_dir = _DIRS[plat][browser]
    directory = Path(system_dir) if system else home / user_dir
    return Target(browser, directory / f"{HOST_NAME}.json")


def manifest(browser: str, host_path: str, extension_ids: list[str] | None) -> dict:
    """The manifest document; Firefox lists add-on ids, Chromium browsers list origins."""
    doc = {"name": HOST_NAME, "description": DESCRIPTION, "path": host_path, "type": "stdio"}
    if browser == "firefox":
        doc["allowed_extensions"] = list(extension_ids or [DEFAULT_FIREFOX_ID])
        return doc
    if not extension_ids:
        raise InputError(f"{browser} needs --extension-id (the 32-letter id shown on chrome://extensions)")
    origins = []
    for ext in extension_ids:
        ext = ext.strip().removeprefix("chrome-extension://").strip("/")
        if not ext or not all(c in "abcdefghijklmnop" for c in ext) or len(ext) != 32:
            raise InputError(f"{ext!r} is not a Chromium extension id (32 letters a-p)")
        origins.append(f"chrome-extension://{ext}/")
    doc["allowed_origins"] = origins
    return doc


def write_launcher(directory: Path, platform: str | None = None) -> Path:
    """An executable that starts the host with this interpreter (browsers pass their own args)."""
    directory.mkdir(parents=True, exist_ok=True)
    if _platform(platform) == "win32":
        path = directory / "slopspotter-host.bat"
        path.write_text(f'@echo off\r\n"{sys.executable}" -m slopspotter_lab.host.native %*\r\n')
        return path
    path = directory / "slopspotter-host"
    path.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m slopspotter_lab.host.native "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def _registry(key: str, value: str | None) -> None:  # pragma: no cover - Windows only
    import winreg

    hive_name, _, sub = key.partition("\\")
    hive = getattr(winreg, hive_name)
    if value is None:
        try:
            winreg.DeleteKey(hive, sub)
        except FileNotFoundError:
            pass
        return
    with winreg.CreateKey(hive, sub) as handle:
        winreg.SetValueEx(handle, "", 0, winreg.REG_SZ, value)


def install(browser: str, extension_ids: list[str] | None = None, system: bool = False,
            host_path: str | None = None, home: Path | None = None,
            platform: str | None = None) -> Target:
    """Write the manifest (and launcher, and registry key on Windows); returns where."""
    tgt = target(browser, platform, system, home)
    if host_path is None:
        host_path = str(write_launcher(tgt.manifest_path.parent / "slopspotter-lab", platform))
    doc = manifest(browser, host_path, extension_ids)
    tgt.manifest_path.parent.mkdir(parents=True, exist_ok=True)
    tgt.manifest_path.write_text(json.dumps(doc, indent=2) + "\n")
    if tgt.registry_key and _platform(platform) == sys.platform:
        _registry(tgt.registry_key, str(tgt.manifest_path))
    return tgt


def uninstall(browser: str, system: bool = False, home: Path | None = None,
              platform: str | None = None) -> Target:
    """Remove what install wrote; missing files are fine."""
    tgt = target(browser, platform, system, home)
    tgt.manifest_path.unlink(missing_ok=True)
    launcher_dir = tgt.manifest_path.parent / "slopspotter-lab"
    for name in ("slopspotter-host", "slopspotter-host.bat"):
        (launcher_dir / name).unlink(missing_ok=True)
    if launcher_dir.is_dir() and not any(launcher_dir.iterdir()):
        launcher_dir.rmdir()
    if tgt.registry_key and _platform(platform) == sys.platform:
        _registry(tgt.registry_key, None)
    return tgt


def cli_install_manifests(args) -> int:
    if args.uninstall:
        tgt = uninstall(args.browser, system=args.system)
        print(f"removed {tgt.manifest_path}" + (f" and {tgt.registry_key}" if tgt.registry_key else ""))
        return 0
    try:
        tgt = install(args.browser, args.extension_ids, system=args.system, host_path=args.host_path)
    except PermissionError as exc:
        raise InputError(f"cannot write {exc.filename}: system-wide install needs administrator rights") from exc
    print(f"wrote {tgt.manifest_path}" + (f" and {tgt.registry_key}" if tgt.registry_key else ""))
    return 0
