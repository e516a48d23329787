"""Real browsers for the extension's end-to-end tests and benchmark: Debian's Chromium driven by
Playwright (its own browser downloads do not work here, so `executable_path`), Debian's
Firefox ESR driven over Marionette (Debian ships no geckodriver; the protocol is a few lines).

Both run headless with the reference extension from `extension/` and a native host manifest
that points at a launcher running this checkout's host with loopback registries. Neither may
reach the network: Chromium gets a dead proxy (loopback is exempt) and Firefox gets prefs that
turn its background services off plus the same dead proxy.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "extension"
PAGES = Path(__file__).resolve().parent / "pages"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox") or "/usr/bin/firefox-esr"
DEAD_PROXY = "127.0.0.1:9"  # discard port: anything that tries the network fails at once


def browsers_missing() -> dict[str, str]:
    """Which browser or driver is missing here, and why (empty when all are present)."""
    missing = {}
    if not Path(CHROMIUM).exists():
        missing["chromium"] = "Debian's chromium is not installed (scripts/setup.d/15-browsers.sh)"
    if not Path(FIREFOX).exists():
        missing["firefox"] = "Debian's firefox-esr is not installed (scripts/setup.d/15-browsers.sh)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.setdefault("chromium", "the playwright package is not installed (dev extra)")
    return missing


# ---------------------------------------------------------------- pages and host

class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextmanager
def serve_pages(directory: Path = PAGES) -> Iterator[str]:
    """The test pages over HTTP on 127.0.0.1; yields the base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def write_host_launcher(path: Path, env: dict[str, str], log: Path) -> Path:
    """A launcher the browser starts: this checkout's host with the given environment."""
    lines = ["#!/bin/sh"]
    for key, value in {"PYTHONPATH": str(ROOT), **env}.items():
        lines.append(f"export {key}={_sh_quote(value)}")
    lines.append(f'exec {_sh_quote(sys.executable)} -m slopspotter_lab.host.native "$@" 2>>{_sh_quote(str(log))}')
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o755)
    return path


def _sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def install_manifest(browser: str, launcher: Path, *, profile_dir: Path | None = None,
                     home: Path | None = None) -> Path:
    """Register the host the way a user does: the `install-manifests` command."""
    args = [sys.executable, "-m", "slopspotter_lab", "install-manifests", browser, "--host-path", str(launcher)]
    if profile_dir is not None:
        args += ["--profile-dir", str(profile_dir)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if home is not None:
        env["HOME"] = str(home)
    out = subprocess.run(args, capture_output=True, text=True, env=env, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(f"install-manifests failed: {out.stderr}")
    return Path(out.stdout.split(" wrote ", 1)[1].strip())


# ---------------------------------------------------------------- Chromium (Playwright)

@contextmanager
def chromium(profile: Path, extension: Path = EXTENSION):
    """A persistent headless Chromium context with the extension loaded (as root it needs
    --no-sandbox; without an explicit user-data-dir content scripts never run)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True,
            viewport={"width": 1000, "height": 760},
            args=["--no-sandbox", f"--disable-extensions-except={extension}", f"--load-extension={extension}",
                  f"--proxy-server={DEAD_PROXY}", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"])
        try:
            yield ctx
        finally:
            ctx.close()


# ---------------------------------------------------------------- Firefox (Marionette)

FIREFOX_PREFS = {
    "marionette.port": 0,  # any free port, written to <profile>/MarionetteActivePort
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "app.update.disabledForTesting": True,
    "app.normandy.enabled": False,
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "extensions.blocklist.enabled": False,
    "services.settings.server": "http://127.0.0.1:9/",
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "browser.newtabpage.enabled": False,
    "browser.aboutwelcome.enabled": False,
    "messaging-system.rsexperimentloader.enabled": False,
    "network.proxy.type": 1,
    "network.proxy.http": "127.0.0.1",
    "network.proxy.http_port": 9,
    "network.proxy.ssl": "127.0.0.1",
    "network.proxy.ssl_port": 9,
    "network.proxy.no_proxies_on": "",
    "network.dns.disableIPv6": True,
}


class Marionette:
    """The Marionette wire protocol: `len:json` frames, commands `[0, id, name, params]`,
    replies `[1, id, error, result]`."""

    def __init__(self, port: int, timeout: float = 60.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        self._buf = b""
        self._next = 0
        hello = self._recv()
        if hello.get("marionetteProtocol") != 3:
            raise RuntimeError(f"unexpected Marionette greeting {hello}")

    def _recv(self):
        while b":" not in self._buf:
            self._fill()
        size, _, rest = self._buf.partition(b":")
        self._buf = rest
        while len(self._buf) < int(size):
            self._fill()
        body, self._buf = self._buf[:int(size)], self._buf[int(size):]
        return json.loads(body)

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise EOFError("Marionette closed the connection")
        self._buf += chunk

    def command(self, name: str, params: dict | None = None):
        self._next += 1
        body = json.dumps([0, self._next, name, params or {}]).encode()
        self.sock.sendall(str(len(body)).encode() + b":" + body)
        while True:
            msg = self._recv()
            if msg[0] == 1 and msg[1] == self._next:
                if msg[2]:
                    raise RuntimeError(f"{name}: {msg[2].get('error')}: {msg[2].get('message')}")
                return msg[3]

    def script(self, source: str, *args):
        return self.command("WebDriver:ExecuteScript", {"script": source, "args": list(args)})["value"]

    def async_script(self, source: str, *args, timeout_s: float = 300):
        """Run `source`; it finishes by calling the callback passed as its last argument."""
        self.command("WebDriver:SetTimeouts", {"script": int(timeout_s * 1000)})
        return self.command("WebDriver:ExecuteAsyncScript", {"script": source, "args": list(args)})["value"]

    def close(self):
        try:
            self.command("WebDriver:DeleteSession")
        except Exception:
            pass
        self.sock.close()


@contextmanager
def firefox(home: Path, extension: Path = EXTENSION):
    """Headless Firefox ESR with HOME=home (it reads ~/.mozilla/native-messaging-hosts from
    there), the extension installed as a temporary add-on; yields (Marionette, add-on id)."""
    profile = home / "profile"
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "user.js").write_text("".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n"
                                             for k, v in FIREFOX_PREFS.items()))
    active = profile / "MarionetteActivePort"
    active.unlink(missing_ok=True)
    env = {**os.environ, "HOME": str(home), "MOZ_HEADLESS": "1", "MOZ_CRASHREPORTER_DISABLE": "1"}
    log = open(home / "firefox.log", "w")
    proc = subprocess.Popen([FIREFOX, "--marionette", "-remote-allow-system-access", "--headless", "--no-remote",
                             "--profile", str(profile)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    client = None
    try:
        deadline = time.monotonic() + 90
        while not (active.exists() and active.read_text().strip()):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Firefox did not start Marionette: {(home / 'firefox.log').read_text()[-2000:]}")
            time.sleep(0.2)
        client = Marionette(int(active.read_text().strip()))
        client.command("WebDriver:NewSession", {"capabilities": {}})
        addon = client.command("Addon:Install", {"path": str(extension), "temporary": True})["value"]
        yield client, addon
    finally:
        if client is not None:
            client.close()
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
