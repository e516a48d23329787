"""Figures for the CI features: the offline OSV store, OSV querybatch on loopback, SARIF, --only-new.

No network beyond loopback: the OSV export is a synthetic all.zip of made-up advisories (the real
PyPI export held on the order of 10^4 malware reports when this was written; 20,000 here), the
OSV API is the tests' loopback server. Run:
    SLOPSPOTTER_DATA_DIR=../shared/data python benchmarks/bench_ci.py
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="slop-bench-ci-"))
    atexit.register(shutil.rmtree, tmp, True)
    os.environ.update(SLOPSPOTTER_CACHE_DIR=str(tmp / "cache"), SLOPSPOTTER_PYPI_URL="http://127.0.0.1:9/pypi",
                      SLOPSPOTTER_PYPI_SIMPLE_URL="http://127.0.0.1:9/simple", SLOPSPOTTER_NPM_URL="http://127.0.0.1:9",
                      SLOPSPOTTER_OSV_URL="none")
    from slopspotter_lab.advisories import osv
    from slopspotter_lab.ecosystems import parse_spec
    from tests.ci.servers import OsvApi, osv_advisory, osv_zip, serve

    n = 20000
    advisories = [osv_advisory(f"MAL-2026-{i:05d}", f"slop-bench-{i}", versions=["1.0.0"]) for i in range(n)]
    advisories += [osv_advisory(f"GHSA-bench-{i}", f"slop-vuln-{i}", versions=["1.0"]) for i in range(n // 4)]
    zpath = tmp / "all.zip"
    zpath.write_bytes(osv_zip(advisories))
    doc, secs = timed(osv.build_store, zpath, "pypi", "synthetic")
    store = osv.store_path("pypi")
    store.parent.mkdir(parents=True, exist_ok=True)
    store.write_text(json.dumps(doc, separators=(",", ":")))
    print(f"offline store: {len(advisories)} advisories in a {zpath.stat().st_size / 1e6:.1f} MB zip -> "
          f"{doc['malware_advisories']} kept in {secs:.2f} s, store {store.stat().st_size / 1e6:.1f} MB")
    spec = parse_spec("slop-bench-77==1.0.0", "pypi")
    _, first = timed(osv.known_malicious, spec, offline=True)
    reps = 2000
    _, many = timed(lambda: [osv.known_malicious(spec, offline=True) for _ in range(reps)])
    print(f"offline lookup: first {first * 1000:.0f} ms (loads the store), then {many / reps * 1e6:.0f} us per name")

    with serve() as api:
        api.post = OsvApi(advisories)
        os.environ["SLOPSPOTTER_OSV_URL"] = api.url + "/v1"
        items = [("pypi", f"slop-bench-{i}", "1.0.0") for i in range(2000)]
        found, secs = timed(osv.querybatch, items)
        print(f"OSV querybatch on loopback: 2,000 queries in {secs:.2f} s ({sum(map(bool, found))} hits), "
              f"{len([r for r in api.requests if r[0] == 'POST'])} requests")
        os.environ["SLOPSPOTTER_OSV_URL"] = "none"

    from slopspotter_lab.check import check_records
    from slopspotter_lab.sarif import dumps, sarif_log

    names = [f"slop-bench-{i}" for i in range(1000)] + ["reqeusts", "lodahs", "djangoo"] * 100
    records, _ = timed(check_records, names, offline=True)
    for k, r in enumerate(records):
        r.update(source="requirements.txt", line=k + 1)
    log, secs = timed(sarif_log, records, base=ROOT)
    text = dumps(log)
    print(f"SARIF: {len(records)} records -> {len(log['runs'][0]['results'])} results in {secs * 1000:.0f} ms, "
          f"{len(text) / 1e3:.0f} kB")

    from tests.ci.gitrepo import make_repo
    from slopspotter_lab.changes import new_dependencies

    repo = make_repo(tmp)
    changes, secs = timed(new_dependencies, "main", cwd=repo)
    print(f"--only-new on the 5-file fixture repository: {len(changes)} new dependencies in {secs * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
