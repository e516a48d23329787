"""Peel the encodings exfiltration hides behind, so a canary is found however it was sent.

A decrypted HTTPS request (or a plain one) is searched in its URL, headers and body, through
gzip/deflate, URL (percent/form) encoding, JSON string values, multipart parts, and base64 / hex
runs inside any of those, up to a few layers deep. Each variant carries the chain of layers that
produced it, which the evidence quotes ("body gzip > json > base64").
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.parse
import zlib

MAX_LAYERS = 4
MAX_VARIANTS = 200
MAX_BYTES = 4 * 1024 * 1024  # decompressed size cap (a bomb in a body is not our problem)
B64_RUN = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
HEX_RUN = re.compile(r"(?:[0-9a-fA-F]{2}){8,}")


def _inflate(data: bytes) -> bytes | None:
    for wbits in (31, 15, -15):  # gzip, zlib (deflate), raw deflate
        try:
            d = zlib.decompressobj(wbits)
            out = d.decompress(data, MAX_BYTES)
            if out:
                return out
        except zlib.error:
            continue
    return None


def _printable(data: bytes) -> bool:
    if not data:
        return False
    good = sum(32 <= b < 127 or b in (9, 10, 13) for b in data[:4096])
    return good / min(len(data), 4096) > 0.85


def _json_strings(value, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            out.append(str(k))
            _json_strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _json_strings(v, out)


def _multipart(text: str) -> list[str]:
    m = re.match(r"--([^\r\n]{1,200})\r?\n", text)
    if not m:
        return []
    parts = text.split("--" + m.group(1))
    return [p.partition("\r\n\r\n")[2] or p for p in parts if p.strip() not in ("", "--")]


def _children(text: str) -> list[tuple[str, str]]:
    """(layer name, decoded text) one layer below `text`."""
    out: list[tuple[str, str]] = []
    if "%" in text or "+" in text:
        dec = urllib.parse.unquote_plus(text)
        if dec != text:
            out.append(("url", dec))
    stripped = text.strip()
    if stripped[:1] in "{[":
        try:
            strings: list[str] = []
            _json_strings(json.loads(stripped), strings)
            out.append(("json", "\n".join(strings)))
        except ValueError:
            pass
    if text.startswith("--"):
        out += [("multipart", p) for p in _multipart(text)]
    for run in B64_RUN.findall(text)[:50]:
        raw = run.rstrip("=")
        for decoder in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                data = decoder(raw + "=" * (-len(raw) % 4))
            except (binascii.Error, ValueError):
                continue
            inflated = _inflate(data)
            if inflated is not None:
                data = inflated
            if _printable(data):
                out.append(("base64", data.decode("latin-1")))
                break
    for run in HEX_RUN.findall(text)[:50]:
        data = bytes.fromhex(run)
        if _printable(data):
            out.append(("hex", data.decode("latin-1")))
    return out


def variants(data: bytes | str, where: str) -> list[tuple[str, str]]:
    """(chain of layers, text) for `data` and everything decoded out of it."""
    if isinstance(data, str):
        data = data.encode("latin-1", "replace")
    first = where
    if data[:2] == b"\x1f\x8b" or (data[:1] == b"\x78" and len(data) > 2):
        inflated = _inflate(data)
        if inflated is not None:
            data, first = inflated, f"{where} > gzip" if data[:2] == b"\x1f\x8b" else f"{where} > deflate"
    todo = [(first, data.decode("latin-1"), 0)]
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    while todo and len(out) < MAX_VARIANTS:
        chain, text, depth = todo.pop(0)
        if text in seen:
            continue
        seen.add(text)
        out.append((chain, text))
        if depth < MAX_LAYERS:
            todo += [(f"{chain} > {layer}", t, depth + 1) for layer, t in _children(text)]
    return out


def request_variants(rec: dict) -> list[tuple[str, str]]:
    """Every searchable text of one sinkhole record: URL, headers, body (or raw bytes)."""
    out = []
    if rec.get("url"):
        out += variants(rec["url"], "url")
    for key, value in rec.get("headers") or []:
        if key.lower() not in ("host", "content-length", "content-type", "accept", "connection",
                               "accept-encoding", "user-agent"):
            out += variants(value, f"header {key}")
    body = rec.get("body") if "body" in rec else rec.get("head")
    if body:
        out += variants(body, "body" if "body" in rec else "data")
    return out
