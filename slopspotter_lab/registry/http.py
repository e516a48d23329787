"""One place that talks HTTP to registries: timeouts, a size cap, and errors mapped so that
"the registry said 404" (a fact) never gets confused with "we could not ask" (RegistryError).

`requests` is imported lazily: the native host imports check code and must start fast.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from ..errors import RegistryError

USER_AGENT = "slopspotter-lab/0.1 (+package safety checker)"
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024  # the largest real packuments are tens of MiB
_local = threading.local()


def timeout() -> float:
    return float(os.environ.get("SLOPSPOTTER_HTTP_TIMEOUT", "15"))


def session():
    """A per-thread requests session with a small retry on connection errors."""
    sess = getattr(_local, "session", None)
    if sess is None:
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        sess = requests.Session()
        retry = Retry(total=2, connect=2, read=1, status=0, backoff_factor=0.2, allowed_methods=["GET"])
        sess.mount("http://", HTTPAdapter(max_retries=retry, pool_maxsize=16))
        sess.mount("https://", HTTPAdapter(max_retries=retry, pool_maxsize=16))
        sess.headers["User-Agent"] = USER_AGENT
        _local.session = sess
    return sess


def _get(url: str, accept: str) -> tuple[int, bytes, str, str]:
    """(status, body, content type, encoding); 404/410 give (404, b"", "", "")."""
    import requests

    try:
        resp = session().get(url, headers={"Accept": accept}, timeout=timeout(), stream=True)
    except requests.RequestException as exc:
        raise RegistryError(f"registry unreachable: {type(exc).__name__}: {url}") from exc
    with resp:
        if resp.status_code in (404, 410):
            return 404, b"", "", ""
        if resp.status_code != 200:
            raise RegistryError(f"registry answered HTTP {resp.status_code} for {url}")
        body = _read_capped(resp, MAX_DOCUMENT_BYTES, url)
        return 200, body, resp.headers.get("Content-Type", ""), resp.encoding or "utf-8"


def get_json(url: str, *, accept: str = "application/json") -> tuple[int, Any]:
    """GET a JSON document. Returns (200, doc) or (404, None); anything else is RegistryError."""
    status, body, _, _ = _get(url, accept)
    if status == 404:
        return 404, None
    try:
        return 200, json.loads(body)
    except ValueError as exc:
        raise RegistryError(f"registry answered something that is not JSON for {url}") from exc


def get_text(url: str, *, accept: str) -> tuple[int, str | None, str]:
    """GET a text document: (status, text or None on 404, content type)."""
    status, body, ctype, encoding = _get(url, accept)
    if status == 404:
        return 404, None, ""
    return 200, body.decode(encoding, errors="replace"), ctype


def iter_capped(resp, cap: int, what: str, chunk_size: int = 64 * 1024):
    """The body of a streamed response in chunks; RegistryError as soon as it passes `cap` bytes.

    The one size-capped read loop: registry documents and artifact downloads both go through it."""
    total = 0
    for chunk in resp.iter_content(chunk_size):
        total += len(chunk)
        if total > cap:
            raise RegistryError(f"{what} is over the {cap}-byte cap")
        yield chunk


def _read_capped(resp, cap: int, url: str) -> bytes:
    return b"".join(iter_capped(resp, cap, f"registry document {url}"))


def post_json(url: str, payload: Any) -> Any:
    """POST a JSON document and return the JSON answer; any failure is RegistryError (never a fact)."""
    import requests

    try:
        resp = session().post(url, json=payload, headers={"Accept": "application/json"}, timeout=timeout())
    except requests.RequestException as exc:
        raise RegistryError(f"unreachable: {type(exc).__name__}: {url}") from exc
    with resp:
        if resp.status_code != 200:
            raise RegistryError(f"HTTP {resp.status_code} from {url}")
        try:
            return json.loads(_read_capped(resp, MAX_DOCUMENT_BYTES, url))
        except ValueError as exc:
            raise RegistryError(f"answer from {url} is not JSON") from exc


def download(url: str, dest, *, progress=None, cap: int = 2 * 1024 ** 3) -> int:
    """Stream `url` into the open binary file `dest`; returns bytes written. Size-capped."""
    import requests

    try:
        resp = session().get(url, timeout=timeout(), stream=True)
    except requests.RequestException as exc:
        raise RegistryError(f"unreachable: {type(exc).__name__}: {url}") from exc
    with resp:
        if resp.status_code != 200:
            raise RegistryError(f"HTTP {resp.status_code} from {url}")
        total = int(resp.headers.get("Content-Length") or 0) or None
        done = 0
        for chunk in iter_capped(resp, cap, f"download {url}", chunk_size=1024 * 1024):
            done += len(chunk)
            dest.write(chunk)
            if progress:
                progress(done, total)
        return done
