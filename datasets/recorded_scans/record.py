"""Re-record the deep scans the notebooks replay: real Docker scans of synthetic corpus packages.

    python datasets/recorded_scans/record.py tests/corpus/pypi/slop-steal-aws ...

Each result is saved as <name>.json (ScanResult.to_json, compact); replay with
ScanResult.from_json. The credentials inside are the sandbox's fake honeytokens.
"""

import json
import sys
import time
from pathlib import Path

from slopspotter_lab.scan import scan

OUT = Path(__file__).resolve().parent


def main(paths: list[str]) -> None:
    for rel in paths:
        eco = "npm" if "/npm/" in rel else "pypi"
        started = time.time()
        result = scan(rel, ecosystem=eco, backend="docker", timeout=90)
        name = Path(rel).name
        (OUT / f"{name}.json").write_text(json.dumps(result.to_dict(), separators=(",", ":"), default=str))
        print(name, round(time.time() - started, 1), result.verdict, result.error, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
