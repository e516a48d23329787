"""Reporters: check records and scan results as text for people and programs.

Analysis never formats. Each output format is a `Format` with one function per kind of result
(check records, one scan's JSON), kept in `FORMATS`; `check`, `scan`, `batch`, the native host
and the compat layer all print through here. A new format (SARIF) is one more entry:

    register(Format("sarif", checks=records_to_sarif, scan=scan_to_sarif))

Standard library only: the native host formats through this module too.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .errors import InputError
from .indicators import rank

TABLE_COLUMNS = ["name", "ecosystem", "exists", "risk", "score", "typosquat_of", "suggestion", "indicators"]
LIST_LIMIT = 200  # lines per list in a deep-scan summary, before the frame limit even matters


@dataclass(frozen=True)
class Format:
    """One output format: how it renders check records and how it renders one scan (None: n/a)."""

    name: str
    checks: Callable[[list[dict]], str] | None = None  # check records (DESIGN 4.1) -> text
    scan: Callable[[dict], str] | None = None  # ScanResult.to_dict() -> text


FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    FORMATS[fmt.name] = fmt
    return fmt


LAZY = {"sarif": "slopspotter_lab.sarif"}  # formats whose module registers itself on first use


def _format(name: str, kind: str) -> Callable:
    if name not in FORMATS and name in LAZY:
        import importlib

        importlib.import_module(LAZY[name])
    fmt = FORMATS.get(name)
    render = getattr(fmt, kind, None) if fmt else None
    if render is None:
        usable = [n for n, f in FORMATS.items() if getattr(f, kind)]
        raise InputError(f"format {name!r} is not available for {kind}: choose from {', '.join(usable)}")
    return render


def render_checks(records: list[dict], fmt: str = "table") -> str:
    """Check records in one format; the text ends without a newline unless the format needs one."""
    return _format(fmt, "checks")(records)


def render_scan(result: Any, fmt: str = "table") -> str:
    """One scan (a ScanResult or its to_dict()) in one format."""
    return _format(fmt, "scan")(result if isinstance(result, dict) else result.to_dict())


# ---------------------------------------------------------------------------------- table
def cell(value: Any) -> str:
    """One table cell: '-' for nothing, the first three items of a list."""
    if value is None:
        return "-"
    if isinstance(value, list):
        return ",".join(str(v) for v in value[:3]) or "-"
    return str(value)


def align(header: list[str], rows: list[list[str]]) -> str:
    """Left-aligned columns two spaces apart; the last column is not padded."""
    widths = [max(len(c), *(len(row[i]) for row in rows)) if rows else len(c) for i, c in enumerate(header)]
    widths[-1] = len(header[-1])
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(line, widths)).rstrip() for line in [header, *rows])


def checks_table(records: list[dict]) -> str:
    rows = [[cell(r.get(c)) for c in TABLE_COLUMNS[:-1]] + [",".join(i["id"] for i in r["indicators"]) or "-"]
            for r in records]
    return align(TABLE_COLUMNS, rows)


def scan_table(d: dict) -> str:
    """The human summary of one scan: verdict, phases, indicators, frame sizes."""
    package, v = d.get("package") or {}, d.get("verdict") or {}
    lines = [f"{package.get('name')} ({package.get('ecosystem')}) on {d.get('backend')}: "
             f"risk {v.get('risk')} p={v.get('probability')} malicious={v.get('is_malicious')}"]
    if d.get("error"):
        lines.append(f"  note: {d['error']}")
    for p in d.get("phases") or []:
        why = f" ({p['failure_reason']})" if p.get("failure_reason") else ""
        lines.append(f"  phase {p.get('name'):<8} {p.get('status'):<8} exit={p.get('exit_code')} {p.get('duration_s')}s{why}")
    for i in d.get("indicators") or []:
        lines.append(f"  [{i['severity']:>8}] {i['id']:<24} {i.get('phase') or '':<8} {i['evidence'][:100]}")
    lines.append(f"  processes={len(d.get('processes') or [])} endpoints={len(d.get('endpoints') or [])} "
                 f"dns={len(d.get('dns') or [])} files={len(d.get('files') or [])} syscalls={d.get('syscall_count')}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- json, csv
def checks_json(records: list[dict]) -> str:
    return json.dumps(records, indent=1, default=str)


def scan_json(d: dict) -> str:
    return json.dumps(d, default=str)


def flat_check(record: dict) -> dict:
    """One check record with list fields made CSV-safe (similar_to ';'-joined, indicators as JSON)."""
    return {**record, "similar_to": ";".join(record.get("similar_to") or []),
            "indicators": json.dumps(record.get("indicators") or [], separators=(",", ":")),
            "exists": "" if record.get("exists") is None else str(record["exists"]).lower()}


def checks_csv(records: list[dict], columns: list[str] | None = None) -> str:
    """CSV of check records: the check columns in contract order, or the given ones."""
    from .check import COLUMNS

    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns or COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(flat_check(r) for r in records)
    return buf.getvalue()


register(Format("table", checks=checks_table, scan=scan_table))
register(Format("json", checks=checks_json, scan=scan_json))
register(Format("csv", checks=checks_csv))


# ------------------------------------------------------------------------- row files
ROW_SUFFIXES = (".parquet", ".csv", ".jsonl")


def rows_suffix(out) -> str:
    """The row file's format from its name; InputError (exit 2) before any work for a bad one."""
    suffix = Path(out).suffix.lower()
    if suffix not in ROW_SUFFIXES:
        raise InputError(f"--out must end in {', '.join(ROW_SUFFIXES)}, not {Path(out).name!r}")
    return suffix


def write_rows(df, out) -> Path:
    """A DataFrame of result rows (batch) to .parquet, .csv or .jsonl, atomically (temp, rename)."""
    out = Path(out)
    suffix = rows_suffix(out)
    tmp = out.with_name(f".{out.name}.tmp")
    if suffix == ".parquet":
        from .errors import require

        require("pyarrow", "scale")
        df.to_parquet(tmp, index=False)
    elif suffix == ".csv":
        df.to_csv(tmp, index=False)
    else:
        df.to_json(tmp, orient="records", lines=True)
    tmp.replace(out)
    return out


# ------------------------------------------------------------ one-line lists (browser, compat)
def indicator_line(ind: dict) -> str:
    text = f"[{ind.get('severity', '?')}] {ind.get('id', '?')}"
    return f"{text}: {ind['evidence']}" if ind.get("evidence") else text


def endpoint_line(row: dict) -> str:
    host = row.get("hostname") or row.get("address") or "?"
    port = row.get("port")
    where = f"{host}:{port}" if port not in (None, "") else str(host)
    return f"{row.get('protocol') or 'tcp'} {where} ({row.get('outcome') or 'attempt'}, phase {row.get('phase')})"


def file_line(row: dict) -> str:
    cat = f" [{row['category']}]" if row.get("category") else ""
    return f"{row.get('op')} {row.get('path')}{cat} (phase {row.get('phase')})"


def _unique(items, limit: int = LIST_LIMIT) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))[:limit]


def scan_lists(d: dict) -> dict[str, Any]:
    """A scan as the short lists the original API and the extension show: ranked indicators
    (lines and records), network, file and process lines (categorised files first)."""
    indicators = rank([i for i in d.get("indicators") or [] if isinstance(i, dict)])
    files = sorted(d.get("files") or [], key=lambda r: r.get("category") is None)
    return {
        "indicators": [indicator_line(i) for i in indicators],
        "indicator_details": indicators,
        "network": _unique([endpoint_line(r) for r in d.get("endpoints") or []]
                           + [f"dns {r.get('hostname')}" for r in d.get("dns") or []]),
        "files": _unique(file_line(r) for r in files),
        "processes": _unique(" ".join(map(str, r.get("argv") or [r.get("exe") or ""])) for r in d.get("processes") or []),
    }


__all__ = ["Format", "FORMATS", "register", "render_checks", "render_scan", "checks_table", "scan_table",
           "checks_json", "scan_json", "checks_csv", "flat_check", "scan_lists", "align", "cell", "write_rows",
           "rows_suffix", "ROW_SUFFIXES"]
