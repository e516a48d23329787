"""Round trips of the reference extension in real headless browsers (Debian chromium via
Playwright, firefox-esr via Marionette), through the real native host:

- cold: the first check-text after the browser started (includes starting the host process);
- warm: check-text messages sent one after another on the long-lived port, measured from an
  extension page (page -> background -> native host -> background -> page);
- page: from navigation to all chips shown on the README test page.

The host runs offline (name heuristics only), so the figures are the extension's and the
host's cost, not a registry's. Usage: python benchmarks/bench_extension.py [--n 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from slopspotter_lab.host.manifests import REFERENCE_CHROMIUM_ID  # noqa: E402
from tests.e2e.browsers import (chromium, firefox, install_manifest, serve_pages,  # noqa: E402
                                write_host_launcher)
from tests.e2e.pages import CHIP_COUNT_JS  # noqa: E402

TEXT = "Install it:\n```\npip install reqeusts six numpy\nnpm i expresss\n```\n"
# Runs in an extension page: a port to the background like a content script's, N round trips.
LOOP_JS = """async ([n, text]) => {
  const api = globalThis.browser ?? globalThis.chrome;
  const port = api.runtime.connect({name: "slopspotter-page"});
  const times = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise((resolve) => {
      const on = (msg) => { if (msg.clientId === i) { port.onMessage.removeListener(on); resolve(msg); } };
      port.onMessage.addListener(on);
      port.postMessage({clientId: i, request: {type: "check-text", text}});
    });
    times.push(performance.now() - t0);
  }
  port.disconnect();
  return times;
}"""


def summary(values: list[float]) -> dict:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return {"n": len(values), "median_ms": round(statistics.median(values), 1), "p95_ms": round(p95, 1),
            "max_ms": round(values[-1], 1)}


def bench_chromium(base: Path, launcher: Path, pages: str, n: int) -> dict:
    profile = base / "chromium"
    profile.mkdir()
    install_manifest("chromium", launcher, profile_dir=profile)
    with chromium(profile) as ctx:
        opts = ctx.new_page()
        opts.goto(f"chrome-extension://{REFERENCE_CHROMIUM_ID}/options.html")
        opts.check("#offline")
        opts.click("#save")
        cold = opts.evaluate(LOOP_JS, [1, TEXT])[0]
        warm = opts.evaluate(LOOP_JS, [n, TEXT])
        page_times = []
        for _ in range(5):
            page = ctx.new_page()
            t0 = time.perf_counter()
            page.goto(f"{pages}/readme.html")
            page.wait_for_function(f"() => (() => {{ {CHIP_COUNT_JS} }})() >= 3", timeout=60_000)
            page_times.append((time.perf_counter() - t0) * 1000)
            page.close()
    return {"cold_first_check_ms": round(cold, 1), "warm_check_text": summary(warm),
            "navigation_to_chips": summary(page_times)}


def bench_firefox(base: Path, launcher: Path, pages: str, n: int) -> dict:
    home = base / "firefox"
    home.mkdir()
    install_manifest("firefox", launcher, home=home)
    with firefox(home) as (m, addon):
        m.command("Marionette:SetContext", {"value": "chrome"})
        uuids = json.loads(m.script("return Services.prefs.getStringPref('extensions.webextensions.uuids');"))
        m.command("Marionette:SetContext", {"value": "content"})
        m.command("WebDriver:Navigate", {"url": f"moz-extension://{uuids[addon]}/options.html"})
        m.script("document.getElementById('offline').checked = true; document.getElementById('save').click();")
        time.sleep(0.5)
        run = f"const done = arguments[arguments.length - 1]; ({LOOP_JS})([arguments[0], arguments[1]]).then(done);"
        cold = m.async_script(run, 1, TEXT)[0]
        warm = m.async_script(run, n, TEXT)
        page_times = []
        for _ in range(5):
            t0 = time.perf_counter()
            m.command("WebDriver:Navigate", {"url": f"{pages}/readme.html"})
            while not m.script(f"return (() => {{ {CHIP_COUNT_JS} }})() >= 3;"):
                time.sleep(0.02)
            page_times.append((time.perf_counter() - t0) * 1000)
    return {"cold_first_check_ms": round(cold, 1), "warm_check_text": summary(warm),
            "navigation_to_chips": summary(page_times)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="warm round trips per browser")
    ap.add_argument("--browser", choices=["chromium", "firefox", "both"], default="both")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench-ext-") as tmp, serve_pages() as pages:
        base = Path(tmp)
        env = {"SLOPSPOTTER_CACHE_DIR": str(base / "cache"), "SLOPSPOTTER_PYPI_URL": "http://127.0.0.1:9/pypi",
               "SLOPSPOTTER_PYPI_SIMPLE_URL": "http://127.0.0.1:9/simple", "SLOPSPOTTER_NPM_URL": "http://127.0.0.1:9"}
        if os.environ.get("SLOPSPOTTER_DATA_DIR"):
            env["SLOPSPOTTER_DATA_DIR"] = os.environ["SLOPSPOTTER_DATA_DIR"]
        launcher = write_host_launcher(base / "host", env, base / "host.log")
        for name, fn in (("chromium", bench_chromium), ("firefox", bench_firefox)):
            if args.browser in (name, "both"):
                print(name, json.dumps(fn(base, launcher, pages, args.n)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
