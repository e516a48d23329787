"""`slopspotter-lab mcp` through the official SDK client over stdio: time from spawning the
server to an initialised session, and the latency of check_text / check_packages calls
(offline: name heuristics only, so the figures are the server's cost, not a registry's).
Usage: python benchmarks/bench_mcp.py [--n 50]"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

ROOT = Path(__file__).resolve().parents[1]
TEXT = "Install with:\n```\npip install reqeusts six numpy\nnpm i expresss\n```\n"


def summary(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]
    return f"median {statistics.median(values):.1f} ms, p95 {p95:.1f} ms (n={len(values)})"


async def run(n: int, cache: str) -> None:
    env = {**{k: v for k, v in os.environ.items() if k.startswith(("SLOPSPOTTER_", "PATH", "HOME"))},
           "PYTHONPATH": str(ROOT), "SLOPSPOTTER_CACHE_DIR": cache}
    params = StdioServerParameters(command=sys.executable, args=["-m", "slopspotter_lab", "mcp"], env=env)
    t0 = time.perf_counter()
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            print(f"spawn to initialised session: {(time.perf_counter() - t0) * 1000:.0f} ms")
            for tool, args in (("check_text", {"text": TEXT, "offline": True}),
                               ("check_packages", {"packages": ["reqeusts", "six", "numpy"], "offline": True})):
                times = []
                for i in range(n + 1):
                    t1 = time.perf_counter()
                    res = await session.call_tool(tool, args)
                    assert not res.is_error, res.content
                    if i:  # the first call loads the popular lists
                        times.append((time.perf_counter() - t1) * 1000)
                    else:
                        print(f"{tool} first call: {(time.perf_counter() - t1) * 1000:.0f} ms")
                print(f"{tool}: {summary(times)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50)
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench-mcp-") as cache:
        anyio.run(run, args.n, cache)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
