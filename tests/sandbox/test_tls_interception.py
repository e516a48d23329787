"""HTTPS exfiltration caught by its content, for real: the HTTPS corpus (tests/corpus/https) scanned
under Docker, gVisor and (urllib and Node cases) the VM. Every request the manifest lists must be
seen decrypted - URL, method, phase - with the canary it carries found by honeytoken_exfiltration,
whose evidence quotes the URL; the pinning client must be recorded as tls_refused with its SNI."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "https"
ROWS = list(csv.DictReader(open(CORPUS / "MANIFEST.csv", encoding="utf-8")))
BY_PACKAGE: dict[str, list[dict]] = defaultdict(list)
for _row in ROWS:
    BY_PACKAGE[_row["path"]].append(_row)
BACKENDS = {"docker": pytest.mark.docker, "gvisor": pytest.mark.gvisor, "libvirt": pytest.mark.vm}
CASES = [pytest.param(backend, path, marks=[mark, pytest.mark.slow], id=f"{backend}-{path}")
         for backend, mark in BACKENDS.items() for path, rows in BY_PACKAGE.items()
         if backend != "libvirt" or any(r["vm"] == "yes" for r in rows)]


def check_rows(result, rows: list[dict], backend: str) -> None:
    ep = result.endpoints
    exfil = {i.extra.get("canary"): i for i in result.indicators if i.id == "honeytoken_exfiltration"}
    for row in rows:
        if backend == "libvirt" and row["vm"] != "yes":
            continue
        mine = ep[(ep["hostname"].eq(row["host"]) | ep["sni"].eq(row["host"]))]
        assert len(mine), f"{row['client']}: no connection to {row['host']}\n{ep.to_string()[:3000]}"
        if row["expect"] == "tls_refused":
            refused = mine[mine["outcome"].eq("tls_refused")]
            assert len(refused) and refused["sni"].eq(row["host"]).all() and refused["tls"].all(), mine.to_string()
            assert refused["method"].isna().all() and refused["port"].eq(443).all()
            continue
        seen = mine[mine["outcome"].eq("sinkholed") & mine["tls"].eq(True) & mine["phase"].eq(row["phase"])]
        assert len(seen), f"{row['client']}: nothing decrypted in phase {row['phase']}\n{mine.to_string()}"
        assert seen["url"].str.startswith(f"https://{row['host']}/").all() and seen["method"].notna().all()
        assert (seen["request_bytes"] > 0).all()
        hit = exfil.get(row["canary"])
        assert hit is not None, f"{row['client']}: canary {row['canary']} not found; got {sorted(exfil)}"
        assert f"https://{row['host']}/" in hit.evidence and hit.extra["url"].startswith(f"https://{row['host']}/")


@pytest.mark.parametrize("backend,path", CASES)
def test_https_exfiltration_is_seen_inside_tls(backend, path, monkeypatch):
    from slopspotter_lab.scan import scan

    rows = BY_PACKAGE[path]
    # pip and npm under strace in a software-emulated VM need the room
    result = scan(str(CORPUS / path), ecosystem=rows[0]["ecosystem"], backend=backend,
                  timeout=240 if backend == "libvirt" else 60)
    assert result.backend == backend, result.error
    assert result.phases[0]["status"] == "ok", result.phases[0]
    check_rows(result, rows, backend)
    assert result.is_malicious
