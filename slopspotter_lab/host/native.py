"""`slopspotter-lab host`: the native messaging host the browser extension talks to.

One reader loop answers ping, check and check-text inline; deep scans go to a small thread pool so a
scan in flight never blocks ping or check. Replies carry the request's `id` when it had one
(replies to deep scans may then arrive out of order). Every bad frame or message gets an
error reply and the loop goes on; only the end of stdin (or a truncated frame, after which
nothing can be read) stops it, and then in-flight scans finish and are answered first.
stdout carries frames only: sys.stdout is pointed at stderr so no stray print corrupts it.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

from . import framing
from .messages import ASYNC_TYPES, HANDLERS, MessageError, parse_deep_scan, run_deep_scan, use_scan

log = logging.getLogger(__name__)

MAX_PENDING_SCANS = 8


def _error(message: str, req_id: Any = None) -> dict:
    reply: dict[str, Any] = {"success": False, "error": message}
    if req_id is not None:
        reply["id"] = req_id
    return reply


class Host:
    """The message loop over two binary streams (stdin/stdout in real use, pipes in tests)."""

    def __init__(self, instream: BinaryIO, outstream: BinaryIO, scan_workers: int = 1):
        self.instream = instream
        self.outstream = outstream
        self._write_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=scan_workers, thread_name_prefix="deep-scan")
        self._pending = 0
        self._pending_lock = threading.Lock()

    def send(self, reply: dict) -> None:
        frame = framing.encode_limited(reply)
        with self._write_lock:
            try:
                self.outstream.write(frame)
                self.outstream.flush()
            except (BrokenPipeError, ValueError, OSError):
                log.warning("browser side closed; reply dropped")

    def serve(self) -> int:
        """Read frames until end of input; returns the exit status."""
        try:
            while True:
                try:
                    body = framing.read_frame(self.instream)
                except framing.FrameError as exc:
                    log.warning("bad frame: %s", exc)
                    self.send(_error(f"bad frame: {exc}"))
                    if exc.fatal:
                        break
                    framing.drain(self.instream, getattr(exc, "length", 0))
                    continue
                if body is None:
                    break
                self.handle(body)
                self._warm_once()
        finally:
            self._pool.shutdown(wait=True)
        return 0

    def handle(self, body: bytes) -> None:
        """Decode one message and answer it (now, or later for deep scans)."""
        try:
            msg = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.send(_error(f"malformed JSON: {exc}"))
            return
        if not isinstance(msg, dict):
            self.send(_error(f"a message must be a JSON object, not {type(msg).__name__}"))
            return
        req_id = msg.get("id")
        if req_id is not None and (isinstance(req_id, bool) or not isinstance(req_id, (str, int, float))):
            self.send(_error("'id' must be a string or a number"))
            return
        kind = msg.get("type")
        try:
            if not isinstance(kind, str):
                raise MessageError("missing or non-string 'type'")
            if kind in ASYNC_TYPES:
                self._submit_scan(parse_deep_scan(msg), req_id)
                return
            if kind not in HANDLERS:
                raise MessageError(f"unknown message type {kind!r} (known: ping, check, check-text, deep-scan)")
            reply = HANDLERS[kind](msg)
        except MessageError as exc:
            reply = _error(str(exc))
        except Exception as exc:  # a bug in one handler must not end the session
            log.exception("handler for %r failed", kind)
            reply = _error(f"internal error: {type(exc).__name__}: {exc}")
        self.send(self._tag(reply, req_id))

    def _warm_once(self) -> None:
        """After the first reply, load the check machinery (popular lists) in the background,
        so the first check is not slow and the first ping is not delayed."""
        if getattr(self, "_warmed", False) or os.environ.get("SLOPSPOTTER_HOST_WARM", "1") == "0":
            return
        self._warmed = True
        threading.Thread(target=warm_check, name="warm-check", daemon=True).start()

    @staticmethod
    def _tag(reply: dict, req_id: Any) -> dict:
        if req_id is not None:
            reply = {**reply, "id": req_id}
        return reply

    def _submit_scan(self, kwargs: dict, req_id: Any) -> None:
        with self._pending_lock:
            if self._pending >= MAX_PENDING_SCANS:
                self.send(_error(f"{self._pending} deep scans already queued; try again later", req_id))
                return
            self._pending += 1
        if kwargs.pop("progress", False) and req_id is not None:
            kwargs["progress"] = self._progress(req_id)
            kwargs["progress"]("queued")
        self._pool.submit(self._scan_job, kwargs, req_id)

    def _progress(self, req_id: Any):
        """Progress frames for a deep scan that asked for them ({"progress": true}, and an id to
        tie them to): only long-lived ports want them, a one-shot sendNativeMessage would take
        the first frame for the reply."""
        started = time.monotonic()

        def send(stage: str) -> None:
            self.send({"type": "progress", "id": req_id, "stage": stage,
                       "elapsed_s": round(time.monotonic() - started, 2)})

        return send

    def _scan_job(self, kwargs: dict, req_id: Any) -> None:
        try:
            reply = run_deep_scan(**kwargs)
        except Exception as exc:
            log.exception("deep scan crashed")
            reply = _error(f"deep scan failed: {type(exc).__name__}: {exc}")
        finally:
            with self._pending_lock:
                self._pending -= 1
        self.send(self._tag(reply, req_id))


def warm_check() -> None:
    try:
        from ..check import check_records

        check_records(["requests"], "pypi", offline=True, workers=1)
        check_records(["express"], "npm", offline=True, workers=1)
    except Exception as exc:  # warming is an optimisation; a real check reports real errors
        log.debug("warm-up failed: %s", exc)


def _binary_stdio() -> tuple[BinaryIO, BinaryIO]:
    """Raw stdin/stdout; afterwards sys.stdout is stderr so prints cannot corrupt frames."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        import msvcrt

        msvcrt.setmode(sys.stdin.fileno(), os.O_BINARY)
        msvcrt.setmode(sys.stdout.fileno(), os.O_BINARY)
    instream, outstream = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr
    return instream, outstream


def main(argv: list[str] | None = None, scan=None) -> int:
    """Run the host on this process's stdin/stdout. Browsers pass extra arguments; ignore them.

    `scan` replaces slopspotter_lab.scan.scan (a test's stand-in, a wrapper with other defaults)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                            format="slopspotter-host %(levelname)s %(name)s: %(message)s")
    instream, outstream = _binary_stdio()
    workers = int(os.environ.get("SLOPSPOTTER_HOST_SCAN_WORKERS", "1") or 1)
    if scan is not None:
        use_scan(scan)
    return Host(instream, outstream, scan_workers=max(1, workers)).serve()


def cli_host(args) -> int:
    return main()


if __name__ == "__main__":
    raise SystemExit(main())
