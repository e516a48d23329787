"""Figures for the new inputs: a 300-package lockfile checked offline and online (loopback
registry), and guard's added latency for a 1-package and a 50-package pip install.

- lockfile: a synthetic package-lock.json v3 of 300 popular npm names (30 direct, 270 transitive),
  read by `inputs` and checked by `check_inputs.check_dependencies`; online against a loopback
  HTTP server answering npm packument documents (no traffic leaves 127.0.0.1).
- guard: pypiserver on loopback with 51 synthetic wheels; `pip install --target` alone vs.
  `slopspotter-lab guard -- pip install --target ...`, median of 3 runs each, fresh target.
Run: python benchmarks/bench_inputs.py [--skip-guard]. Prints figures; asserts nothing.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def write_lock(path: Path, names: list[str]) -> None:
    direct, rest = names[:30], names[30:]
    pkgs = {"": {"name": "bench", "version": "1.0.0", "dependencies": {n: "^1.0.0" for n in direct}}}
    for i, n in enumerate(direct):
        kids = rest[i * 9:(i + 1) * 9]
        pkgs[f"node_modules/{n}"] = {"version": "1.0.0", "resolved": f"https://registry.npmjs.org/{n}/-/{n}-1.0.0.tgz",
                                     "integrity": "sha512-x", "dependencies": {k: "^1.0.0" for k in kids}}
        for k in kids:
            pkgs[f"node_modules/{k}"] = {"version": "1.0.0", "resolved": f"https://registry.npmjs.org/{k}/-/{k}-1.0.0.tgz",
                                         "integrity": "sha512-x"}
    path.write_text(json.dumps({"name": "bench", "lockfileVersion": 3, "requires": True, "packages": pkgs}, indent=2))


def packument(name: str) -> dict:
    return {"name": name, "description": f"{name} (benchmark document)", "dist-tags": {"latest": "1.0.0"},
            "versions": {"1.0.0": {"name": name, "version": "1.0.0", "description": "bench",
                                   "repository": {"url": f"git+https://github.invalid/{name}.git"},
                                   "dist": {"tarball": f"http://127.0.0.1:9/{name}.tgz", "fileCount": 3, "unpackedSize": 1000}}},
            "time": {"created": "2015-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
                     "1.0.0": "2015-01-01T00:00:00.000Z"},
            "maintainers": [{"name": "someone", "email": "someone@example.invalid"}]}


def serve_packuments() -> tuple[str, ThreadingHTTPServer]:
    class H(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            from urllib.parse import unquote

            body = json.dumps(packument(unquote(self.path.lstrip("/")))).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{srv.server_address[1]}", srv


def bench_lockfile(tmp: Path) -> None:
    from slopspotter_lab.heuristics.popular import load_popular

    names = load_popular("npm")[:300]
    lock = tmp / "package-lock.json"
    write_lock(lock, names)
    t0 = time.perf_counter()
    from slopspotter_lab.check_inputs import check_dependencies
    from slopspotter_lab.inputs import read_manifest

    deps = read_manifest(lock)
    t_read = time.perf_counter() - t0
    assert len(deps) == 300, len(deps)
    t0 = time.perf_counter()
    recs = check_dependencies(deps, offline=True)
    t_off = time.perf_counter() - t0
    url, srv = serve_packuments()
    os.environ["SLOPSPOTTER_NPM_URL"] = url
    times = []
    for run in range(2):  # cold cache, then warm cache
        if run == 0:
            shutil.rmtree(os.environ["SLOPSPOTTER_CACHE_DIR"], ignore_errors=True)
        t0 = time.perf_counter()
        online = check_dependencies(deps, workers=8)
        times.append(time.perf_counter() - t0)
    srv.shutdown()
    print(f"lockfile 300 packages: read {t_read * 1000:.0f} ms; check offline {t_off:.2f} s; "
          f"online (loopback, 8 workers) cold cache {times[0]:.2f} s, warm cache {times[1]:.2f} s")
    print(f"  records: {len(recs)}, exists=True online: {sum(1 for r in online if r['exists'])}, "
          f"with via: {sum(1 for r in recs if r['via'])}")


def bench_guard(tmp: Path) -> None:
    from tests.fixtures.registries import run_pypiserver
    from tests.guard.conftest import make_wheel

    from contextlib import ExitStack

    stack = ExitStack()
    atexit.register(stack.close)  # stops the server
    (tmp / "pypiserver").mkdir()
    index = stack.enter_context(run_pypiserver(tmp / "pypiserver")).simple_url
    for i in range(50):
        make_wheel(tmp / "pypiserver" / "packages", f"slopbench-pkg-{i:02d}", "1.0.0")
    env = {**os.environ, "SLOPSPOTTER_PYPI_URL": "none", "SLOPSPOTTER_PYPI_SIMPLE_URL": index,
           "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONPATH": str(ROOT),
           "PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": ""}  # only the loopback index, no machine pip config
    for n in (1, 50):
        pkgs = [f"slopbench-pkg-{i:02d}" for i in range(n)]
        plain, guarded = [], []
        for k in range(3):
            base = [sys.executable, "-m", "pip", "install", "-q", "--index-url", index]
            t0 = time.perf_counter()
            subprocess.run([*base, "--target", str(tmp / f"p{n}-{k}"), *pkgs], check=True, env=env)
            plain.append(time.perf_counter() - t0)
            shutil.rmtree(env.get("SLOPSPOTTER_CACHE_DIR", tmp / "x"), ignore_errors=True)  # cold registry cache
            t0 = time.perf_counter()
            out = subprocess.run([sys.executable, "-m", "slopspotter_lab", "guard", "--", *base, "--target",
                                  str(tmp / f"g{n}-{k}"), *pkgs], env=env, capture_output=True, text=True)
            guarded.append(time.perf_counter() - t0)
            print("   ", [line for line in out.stderr.splitlines() if "guard: checked" in line][:1])
            if out.returncode != 0:
                print(out.stderr[-2000:])
                raise SystemExit(f"guard exited {out.returncode}")
        p, g = statistics.median(plain), statistics.median(guarded)
        print(f"guard, {n} package(s): pip install {p:.2f} s, guard + pip install {g:.2f} s, added {g - p:.2f} s "
              f"(median of 3, cold check cache)")


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="slop-bench-inputs-"))
    atexit.register(shutil.rmtree, tmp, True)
    os.environ.pop("SLOPSPOTTER_DATA_DIR", None)  # bundled lists
    os.environ.update(SLOPSPOTTER_CACHE_DIR=str(tmp / "cache"), SLOPSPOTTER_PYPI_URL="http://127.0.0.1:9/pypi",
                      SLOPSPOTTER_PYPI_SIMPLE_URL="http://127.0.0.1:9/simple", SLOPSPOTTER_NPM_URL="http://127.0.0.1:9")
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    bench_lockfile(tmp)
    if "--skip-guard" not in sys.argv:
        bench_guard(tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
