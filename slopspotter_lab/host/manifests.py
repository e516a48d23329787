"""`slopspotter-lab install-manifests`: register the native host with a browser.

A manifest names the host, the executable the browser starts and which extensions may talk to
it (Firefox: `allowed_extensions` with add-on ids; Chromium browsers: `allowed_origins` with
`chrome-extension://ID/`). Linux and macOS find it in a per-browser directory; Windows finds
it through a registry key whose default value is the manifest's path. Per user by default;
`--system` for all users; `--profile-dir` for a Chromium browser started with its own
`--user-data-dir` (Chromium reads per-user manifests from `<user-data-dir>/NativeMessagingHosts`,
so a manifest in ~/.config/chromium serves the default profile only). Without
`--extension-id` the manifest allows the reference extension in `extension/` (its Chromium id
is pinned by the `key` in its manifest.json). Browsers start the host with arguments of their own and cannot pass ours, so we write a small
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

HOST_NAME = "slopspotter"  # the port name the extensions connect to
DEFAULT_FIREFOX_ID = "slopspotter@bu.edu"  # the original Firefox add-on
REFERENCE_FIREFOX_ID = "slopspotter-lab@slopspotter-lab"  # extension/manifest.json, gecko id
REFERENCE_CHROMIUM_ID = "fheoaodfcpciaagbnjffimbgnpkonghj"  # pinned by the key in extension/manifest.json
DESCRIPTION = "slopspotter-lab: is this package safe to install?"
BROWSERS = ("firefox", "chrome", "chromium", "edge")
CHROMIUM_FAMILY = ("chrome", "chromium", "edge")

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


def chromium_id(public_key_b64: str) -> str:
    """The extension id Chromium derives from a manifest `key`: the first 128 bits of the
    SHA-256 of the DER public key, written with the letters a-p."""
    import base64
    import hashlib

    digest = hashlib.sha256(base64.b64decode(public_key_b64)).hexdigest()[:32]
    return "".join(chr(ord("a") + int(c, 16)) for c in digest)


def target(browser: str, platform: str | None = None, system: bool = False,
           home: Path | None = None, profile_dir: Path | None = None) -> Target:
    """Manifest location (and registry key on Windows) for `browser`; pure, for tests too."""
    if browser not in BROWSERS:
        raise InputError(f"unknown browser {browser!r}: choose from {', '.join(BROWSERS)}")
    plat = _platform(platform)
    home = Path(home) if home else Path.home()
    if profile_dir is not None:
        return _profile_target(browser, plat, system, Path(profile_dir))
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


def _profile_target(browser: str, plat: str, system: bool, profile_dir: Path) -> Target:
    """`<user-data-dir>/NativeMessagingHosts`: where a Chromium browser run with
    --user-data-dir looks for per-user manifests (Linux and macOS; Windows reads the registry)."""
    if browser not in CHROMIUM_FAMILY:
        raise InputError("--profile-dir applies to chrome, chromium and edge: Firefox reads host "
                         "manifests per user, never per profile")
    if system:
        raise InputError("--profile-dir and --system exclude each other")
    if plat == "win32":
        raise InputError("on Windows, Chromium browsers find hosts through the registry only; "
                         "the per-user install serves every profile")
    return Target(browser, profile_dir.expanduser() / "NativeMessagingHosts" / f"{HOST_NAME}.json")


def manifest(browser: str, host_path: str, extension_ids: list[str] | None) -> dict:
    """The manifest document; Firefox lists add-on ids, Chromium browsers list origins.
    Without ids it allows the reference extension (and, on Firefox, the original add-on)."""
    doc = {"name": HOST_NAME, "description": DESCRIPTION, "path": host_path, "type": "stdio"}
    if browser == "firefox":
        doc["allowed_extensions"] = list(extension_ids or [REFERENCE_FIREFOX_ID, DEFAULT_FIREFOX_ID])
        return doc
    extension_ids = extension_ids or [REFERENCE_CHROMIUM_ID]
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
            platform: str | None = None, profile_dir: Path | None = None) -> Target:
    """Write the manifest (and launcher, and registry key on Windows); returns where."""
    tgt = target(browser, platform, system, home, profile_dir)
    doc = manifest(browser, host_path or "", extension_ids)  # validates ids before writing anything
    if host_path is None:
        host_path = str(write_launcher(tgt.manifest_path.parent / "slopspotter-lab", platform))
    doc["path"] = host_path
    tgt.manifest_path.parent.mkdir(parents=True, exist_ok=True)
    tgt.manifest_path.write_text(json.dumps(doc, indent=2) + "\n")
    if tgt.registry_key and _platform(platform) == sys.platform:
        _registry(tgt.registry_key, str(tgt.manifest_path))
    return tgt


def uninstall(browser: str, system: bool = False, home: Path | None = None,
              platform: str | None = None, profile_dir: Path | None = None) -> Target:
    """Remove what install wrote with the same options; missing files are fine."""
    tgt = target(browser, platform, system, home, profile_dir)
    tgt.manifest_path.unlink(missing_ok=True)
    launcher_dir = tgt.manifest_path.parent / "slopspotter-lab"
    for name in ("slopspotter-host", "slopspotter-host.bat"):
        (launcher_dir / name).unlink(missing_ok=True)
    if launcher_dir.is_dir() and not any(launcher_dir.iterdir()):
        launcher_dir.rmdir()
    if tgt.registry_key and _platform(platform) == sys.platform:
        _registry(tgt.registry_key, None)
    for empty in (launcher_dir.parent, launcher_dir.parent.parent):  # Windows: manifests/<browser>
        if tgt.registry_key and empty.is_dir() and not any(empty.iterdir()):
            empty.rmdir()
    return tgt


def cli_install_manifests(args) -> int:
    """One browser, or `all` of them; --uninstall removes what the same options wrote."""
    browsers = BROWSERS if args.browser == "all" else (args.browser,)
    profile = Path(args.profile_dir) if getattr(args, "profile_dir", None) else None
    if profile is not None and args.browser == "all":
        browsers = ("chromium",)  # one user-data-dir, one manifest: the Chromium family shares the format
    if args.extension_ids and args.browser == "all":
        raise InputError("--extension-id names one browser's extension: give the browser, not 'all'")
    for browser in browsers:
        try:
            if args.uninstall:
                tgt = uninstall(browser, system=args.system, profile_dir=profile)
                verb = "removed"
            else:
                tgt = install(browser, args.extension_ids, system=args.system, host_path=args.host_path,
                              profile_dir=profile)
                verb = "wrote"
        except PermissionError as exc:
            raise InputError(f"cannot write {exc.filename}: system-wide install needs administrator rights") from exc
        where = f"{tgt.manifest_path}" + (f" and {tgt.registry_key}" if tgt.registry_key else "")
        print(f"{browser}: {verb} {where}")
    return 0
