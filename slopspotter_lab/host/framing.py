"""Native messaging framing (DESIGN 4.3): a 4-byte length in native byte order, then UTF-8 JSON.

Browsers send at most 4 GiB and accept at most 1 MiB back; we refuse incoming frames over
64 MiB (nothing legitimate is that large) and never write a frame over 1 MiB: oversized
replies have their longest lists and strings cut down, and the reply says what was cut.
Standard library only: the host must start fast.
"""

from __future__ import annotations

import json
import struct
from typing import Any, BinaryIO

HEADER = struct.Struct("=I")  # native byte order, as Chrome and Firefox write it
MAX_INCOMING = 64 * 1024 * 1024
MAX_OUTGOING = 1024 * 1024
_DRAIN_CHUNK = 1024 * 1024


class FrameError(Exception):
    """The frame itself is bad. `fatal` means the stream cannot be read any further."""

    def __init__(self, message: str, fatal: bool = False):
        super().__init__(message)
        self.fatal = fatal


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    """Read exactly n bytes, fewer only at end of stream."""
    parts, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def drain(stream: BinaryIO, n: int) -> int:
    """Discard n bytes (the body of a refused frame) so the next header lines up again."""
    left = n
    while left > 0:
        chunk = stream.read(min(left, _DRAIN_CHUNK))
        if not chunk:
            break
        left -= len(chunk)
    return n - left


def read_frame(stream: BinaryIO) -> bytes | None:
    """Next frame's body, or None at a clean end of stream.

    Raises FrameError for a truncated frame (fatal: the stream ended) or an oversized length
    header (the body is left unread; the caller replies first, then drains it).
    """
    head = _read_exact(stream, HEADER.size)
    if not head:
        return None
    if len(head) < HEADER.size:
        raise FrameError(f"truncated frame header ({len(head)} of 4 bytes)", fatal=True)
    (length,) = HEADER.unpack(head)
    if length > MAX_INCOMING:
        err = FrameError(f"frame of {length} bytes refused (limit {MAX_INCOMING})")
        err.length = length  # type: ignore[attr-defined]
        raise err
    body = _read_exact(stream, length)
    if len(body) < length:
        raise FrameError(f"truncated frame: header said {length} bytes, stream ended after {len(body)}", fatal=True)
    return body


def encode(obj: Any) -> bytes:
    """One frame: header + compact UTF-8 JSON (no size check; see encode_limited)."""
    body = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
    return HEADER.pack(len(body)) + body


def _largest(node: Any, path: tuple = ()) -> tuple[int, tuple, Any]:
    """(encoded size, path, node) of the biggest list or string worth cutting inside `node`."""
    best = (-1, (), None)
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
        if len(node) > 1:
            best = (len(json.dumps(node, default=str)), path, node)
    elif isinstance(node, str) and len(node) > 256:
        return (len(node.encode("utf-8")), path, node)
    else:
        return best
    for key, child in items:
        cand = _largest(child, path + (key,))
        if cand[0] > best[0]:
            best = cand
    return best


def _set_path(root: Any, path: tuple, value: Any) -> None:
    node = root
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


def trim(obj: dict, limit: int = MAX_OUTGOING) -> dict:
    """Cut the largest lists (halving) and strings until the frame fits; record each cut.

    The reply gains `"trimmed": [{"path": "result.fileOperations", "kept": n, "total": m}]`
    so the extension can say that lists were shortened.
    """
    out = json.loads(json.dumps(obj, default=str))  # private deep copy
    notes: dict[str, dict] = {}
    for _ in range(200):
        if len(encode(out)) - HEADER.size <= limit:
            if notes:
                out["trimmed"] = list(notes.values())
                if len(encode(out)) - HEADER.size <= limit:
                    return out
                out.pop("trimmed")
            else:
                return out
        size, path, node = _largest(out)
        if node is None or not path:
            break
        dotted = ".".join(str(p) for p in path)
        note = notes.setdefault(dotted, {"path": dotted, "total": len(node)})
        if isinstance(node, list):
            kept = node[: len(node) // 2]
        else:
            kept = node[: len(node) // 2] + "...[trimmed]"
        note["kept"] = len(kept)
        _set_path(out, path, kept)
    fallback = {"success": False, "error": "reply too large to send, even after trimming"}
    if isinstance(obj, dict) and "id" in obj:
        fallback["id"] = obj["id"]
    return fallback


def encode_limited(obj: dict, limit: int = MAX_OUTGOING) -> bytes:
    """A frame guaranteed not to exceed `limit` bytes of JSON."""
    frame = encode(obj)
    if len(frame) - HEADER.size <= limit:
        return frame
    return encode(trim(obj, limit))
