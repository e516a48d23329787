"""Loopback servers that answer like OSV, its export bucket, a PEP 691/792 simple index and the
npm registry's packument for unpublished names. Shapes follow the public API documentation
(OSV `POST /v1/querybatch`: results in input order, `vulns: [{id, modified}]`, `next_page_token`;
OSV export: `{ECOSYSTEM}/all.zip`, one OSV JSON per advisory; PEP 691 JSON project page with the
PEP 792 `project-status` object; npm's packument of an unpublished name: `time.unpublished`).
Everything binds to 127.0.0.1 and every advisory is synthetic.
"""

from __future__ import annotations

import io
import json
import threading
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable


def osv_advisory(adv_id: str, name: str, ecosystem: str = "PyPI", versions: list[str] | None = None,
                 all_versions: bool = False, summary: str = "Malicious code in {name}") -> dict[str, Any]:
    """A synthetic OSV record shaped like the malicious-packages feed's (ranges or version lists)."""
    affected: dict[str, Any] = {"package": {"ecosystem": ecosystem, "name": name}}
    if versions:
        affected["versions"] = list(versions)
    if all_versions:
        affected["ranges"] = [{"type": "SEMVER" if ecosystem == "npm" else "ECOSYSTEM", "events": [{"introduced": "0"}]}]
    return {"schema_version": "1.6.0", "id": adv_id, "modified": "2026-01-02T00:00:00Z",
            "published": "2026-01-01T00:00:00Z", "summary": summary.format(name=name),
            "details": "Synthetic advisory for tests.", "affected": [affected],
            "database_specific": {"malicious-packages-origins": [{"source": "test"}]} if adv_id.startswith("MAL-") else {}}


@dataclass
class Loopback:
    url: str
    requests: list[tuple[str, str, Any]] = field(default_factory=list)  # (method, path, json body)
    routes: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)  # GET path -> (status, ctype, body)
    post: Callable[[str, Any], tuple[int, Any]] | None = None

    def add_json(self, path: str, doc: Any, ctype: str = "application/json", status: int = 200) -> None:
        self.routes[path] = (status, ctype, json.dumps(doc).encode())

    def add_bytes(self, path: str, body: bytes, ctype: str = "application/octet-stream") -> None:
        self.routes[path] = (200, ctype, body)


def _handler(state: Loopback):
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802 - http.server API
            path = self.path.split("?")[0]
            state.requests.append(("GET", path, None))
            status, ctype, body = state.routes.get(path, (404, "application/json", b'{"error": "not found"}'))
            self._send(status, ctype, body)

        def do_POST(self):  # noqa: N802
            path = self.path.split("?")[0]
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"null")
            state.requests.append(("POST", path, body))
            if state.post is None:
                return self._send(404, "application/json", b"{}")
            status, doc = state.post(path, body)
            self._send(status, "application/json", json.dumps(doc).encode())

        def log_message(self, *args):
            pass

    return Handler


class serve:
    """Context manager: a Loopback server on 127.0.0.1 for the duration of a test."""

    def __init__(self, prefix: str = ""):
        self.prefix = prefix

    def __enter__(self) -> Loopback:
        self.state = Loopback(url="")
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.state.url = f"http://127.0.0.1:{self.httpd.server_address[1]}{self.prefix}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self.state

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class OsvApi:
    """The matching side of OSV's querybatch over a list of advisories, with paging of `page` ids."""

    def __init__(self, advisories: list[dict[str, Any]], page: int = 1000):
        self.page = page
        self.index: dict[tuple[str, str], list[tuple[dict, dict]]] = {}
        for adv in advisories:
            for aff in adv["affected"]:
                key = (aff["package"]["ecosystem"], aff["package"]["name"])
                self.index.setdefault(key, []).append((adv, aff))

    def _matches(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        pkg, version = query.get("package") or {}, query.get("version")
        out = []
        for adv, aff in self.index.get((pkg.get("ecosystem"), pkg.get("name")), []):
            everything = any(ev.get("introduced") == "0" and len(r["events"]) == 1
                             for r in aff.get("ranges", []) for ev in r["events"])
            if version is None or everything or version in aff.get("versions", []):
                out.append({"id": adv["id"], "modified": adv["modified"]})
        return out

    def __call__(self, path: str, body: Any) -> tuple[int, Any]:
        if path != "/v1/querybatch" or not isinstance(body, dict) or not isinstance(body.get("queries"), list):
            return 400, {"code": 3, "message": "bad request"}
        results = []
        for q in body["queries"]:
            if q.get("version") and q.get("package", {}).get("purl"):
                return 400, {"code": 3, "message": "version and purl"}
            hits = self._matches(q)
            start = int(q.get("page_token") or 0)
            chunk = hits[start:start + self.page]
            res: dict[str, Any] = {"vulns": chunk} if chunk else {}
            if start + self.page < len(hits):
                res["next_page_token"] = str(start + self.page)
            results.append(res)
        return 200, {"results": results}


def osv_zip(advisories: list[dict[str, Any]]) -> bytes:
    """An all.zip as the export bucket serves it: one <id>.json per advisory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for adv in advisories:
            zf.writestr(f"{adv['id']}.json", json.dumps(adv))
    return buf.getvalue()


def pypi_doc(name: str, releases: dict[str, dict[str, Any]], latest: str | None = None) -> dict[str, Any]:
    """A PyPI JSON API project document (/pypi/<name>/json) with one sdist per release;
    each release: {"uploaded": datetime, "yanked": bool, "reason": str|None}."""
    files = {}
    for ver, r in releases.items():
        stamp = r["uploaded"].strftime("%Y-%m-%dT%H:%M:%S")
        files[ver] = [{"filename": f"{name}-{ver}.tar.gz", "packagetype": "sdist", "python_version": "source",
                       "url": f"http://files.invalid/{name}-{ver}.tar.gz", "size": 1000,
                       "digests": {"sha256": "0" * 64}, "upload_time": stamp,
                       "upload_time_iso_8601": stamp + ".000000Z", "yanked": bool(r.get("yanked")),
                       "yanked_reason": r.get("reason")}]
    latest = latest or list(releases)[-1]
    info = {"name": name, "version": latest, "summary": f"{name}: a synthetic test project",
            "description": "A synthetic project used by the slopspotter-lab tests. " * 3,
            "author": "Test Author", "author_email": "author@example.test",
            "project_urls": {"Source": f"https://github.com/example/{name}"}, "home_page": None,
            "requires_dist": None, "license": "MIT", "yanked": False, "yanked_reason": None}
    return {"info": info, "releases": files, "urls": files[latest], "last_serial": 1}
