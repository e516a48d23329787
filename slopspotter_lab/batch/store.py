"""The results store: one SQLite file, one committed transaction per finished package.

Why SQLite: a transaction is atomic and durable, so a batch killed with SIGKILL at any moment
leaves every package either fully recorded or not at all; `results.key` is the primary key, so
a package can never be recorded twice. Resuming = running the jobs with no result row.
Only the driver process writes; workers (threads, processes, Dask) just return outcomes.
"""

from __future__ import annotations

import json
import sqlite3
import time
import zlib
from pathlib import Path
from typing import Any, Iterable

from ..errors import InputError

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (idx INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL, job TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, row TEXT NOT NULL, detail BLOB,
                                    finished_at REAL NOT NULL);
"""
DB_NAME = "results.sqlite"


class ResultStore:
    """A batch's jobs, result rows and full per-package details (scan JSON with all frames)."""

    def __init__(self, path: str | Path):
        self.dir = Path(path)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / DB_NAME
        self._db = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    # ----------------------------------------------------------------- set-up and resume
    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT v FROM meta WHERE k=?", (key,)).fetchone()
        return row[0] if row else None

    def prepare(self, jobs: list[dict], fp: str, resume: bool) -> None:
        """Register the batch's jobs once; refuse to mix a different batch into this store."""
        old = self.meta("fingerprint")
        if old is not None and self.count() and (old != fp or not resume):
            why = "holds a different batch" if old != fp else "already holds results (pass --resume to continue)"
            raise InputError(f"results store {self.dir} {why}")
        if old == fp:
            return
        with self._tx():
            self._db.execute("DELETE FROM jobs")
            self._db.executemany("INSERT INTO jobs(idx, key, job) VALUES (?,?,?)",
                                 [(i, j["key"], json.dumps(j)) for i, j in enumerate(jobs)])
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)", (fp,))

    def pending(self) -> list[dict]:
        """Jobs without a result, in input order."""
        cur = self._db.execute("SELECT job FROM jobs WHERE key NOT IN (SELECT key FROM results) ORDER BY idx")
        return [json.loads(r[0]) for r in cur]

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM results").fetchone()[0]

    def total(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]

    # ----------------------------------------------------------------- writing
    def _tx(self):
        db = self._db

        class _Tx:
            def __enter__(self_inner):
                db.execute("BEGIN IMMEDIATE")

            def __exit__(self_inner, exc_type, *_):
                db.execute("ROLLBACK" if exc_type else "COMMIT")

        return _Tx()

    def record(self, outcomes: Iterable[dict]) -> int:
        """Commit finished packages atomically; a key already recorded is kept as it was."""
        now = time.time()
        rows = [(o["row"]["key"], json.dumps(o["row"], default=str),
                 zlib.compress(json.dumps(o.get("detail"), default=str).encode()) if o.get("detail") is not None else None,
                 now) for o in outcomes]
        with self._tx():
            before = self._db.total_changes
            self._db.executemany("INSERT OR IGNORE INTO results(key,row,detail,finished_at) VALUES (?,?,?,?)", rows)
            return self._db.total_changes - before

    # ----------------------------------------------------------------- reading
    def rows(self) -> list[dict]:
        cur = self._db.execute("SELECT r.row FROM results r LEFT JOIN jobs j ON j.key=r.key ORDER BY j.idx, r.key")
        return [json.loads(r[0]) for r in cur]

    def to_frame(self):
        """One row per finished package, in input order, with the batch columns."""
        import pandas as pd

        from .tasks import ROW_COLUMNS

        rows = self.rows()
        extra = [c for r in rows[:1] for c in r if c not in ROW_COLUMNS]
        return pd.DataFrame.from_records(rows, columns=[*ROW_COLUMNS, *extra])

    def _key_for(self, key_or_name: str) -> str:
        row = self._db.execute("SELECT key FROM results WHERE key=?", (key_or_name,)).fetchone()
        if row is None:
            row = self._db.execute(
                "SELECT key FROM results WHERE json_extract(row,'$.name')=? ORDER BY key LIMIT 1",
                (key_or_name,)).fetchone()
        if row is None:
            raise KeyError(f"{key_or_name!r} is not in the store {self.dir}")
        return row[0]

    def detail(self, key_or_name: str) -> dict[str, Any] | None:
        """The full record of one package: the scan JSON (all frames) or the check record."""
        blob = self._db.execute("SELECT detail FROM results WHERE key=?", (self._key_for(key_or_name),)).fetchone()[0]
        return None if blob is None else json.loads(zlib.decompress(blob))

    def scan_result(self, key_or_name: str):
        """The package's ScanResult (deep-scan mode), rebuilt from the stored JSON."""
        from ..scan import ScanResult

        d = self.detail(key_or_name)
        if not d or "package" not in d:
            raise KeyError(f"{key_or_name!r} has no deep-scan record (check mode, or it failed)")
        return ScanResult.from_dict(d)

    def frames(self, key_or_name: str) -> dict:
        """{processes, endpoints, dns, files, syscalls} DataFrames of one scanned package."""
        r = self.scan_result(key_or_name)
        return {n: getattr(r, n) for n in ("processes", "endpoints", "dns", "files", "syscalls")}

    # ----------------------------------------------------------------- export
    def export(self, out: str | Path) -> Path:
        """Write the rows to .parquet, .csv or .jsonl, atomically (temp file, then rename)."""
        from ..report import write_rows

        return write_rows(self.to_frame(), out)

    def close(self) -> None:
        self._db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
