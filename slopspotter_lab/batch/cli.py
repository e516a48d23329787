"""`slopspotter-lab batch IN.csv --out OUT` (DESIGN 4.1)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ..errors import InputError

from ..report import rows_suffix


def store_dir_for(out: Path) -> Path:
    """Default store beside the output: OUT.store/ (what --resume finds again)."""
    return out.with_name(out.name + ".store")


def cli_batch(args) -> int:
    from .core import scan_many

    out = Path(args.out)
    rows_suffix(out)
    if not Path(args.input).is_file():
        raise InputError(f"no such input file: {args.input}")
    store = Path(args.store) if args.store else store_dir_for(out)
    # SLOPSPOTTER_BATCH_TASK=module:function runs a custom per-package analyser instead.
    task = os.environ.get("SLOPSPOTTER_BATCH_TASK") or None
    if args.mode == "scan" and args.backend != "none" and task is None and not args.scheduler:
        from ..sandbox import resolve_backend

        resolve_backend(args.backend)  # exit 3 now, not N error rows later
    df = scan_many(args.input, mode=args.mode, backend=args.backend, workers=args.workers,
                   executor=args.scheduler, store=store, resume=args.resume, timeout=args.timeout,
                   progress=not args.no_progress and sys.stderr.isatty() or None, task=task)
    from .store import ResultStore

    with ResultStore(store) as st:
        st.export(out)
    errors = int((df["status"] == "error").sum())
    print(f"{len(df)} packages -> {out} ({errors} errors; store {store})", file=sys.stderr)
    return 0
