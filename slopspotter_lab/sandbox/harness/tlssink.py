"""The sinkhole's view inside HTTPS: TLS termination with leaf certificates minted per server name,
and one HTTP/1.1 request read from the connection (plain or decrypted).

Leaf certificates are signed by the scan's own CA (made on the host, `sandbox/tls_ca.py`) with the
image's `openssl` command (present wherever ca-certificates is), so the harness stays standard
library. Certificates live in memory files, never on the sandbox's disk; keys are root-only.
Clients that refuse the certificate (pinning, their own trust store) end the handshake: the name
they asked for (SNI) is still recorded, as `tls_refused`.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
import socket
import ssl
import subprocess
import threading

BODY_CAP = 64 * 1024  # bytes of a request body kept
HEAD_CAP = 64 * 1024  # bytes of request line + headers read at most
DRAIN_CAP = 8 * 1024 * 1024  # bytes of a body read (and counted) past what is kept
RESPONSE = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            b"Connection: close\r\n\r\n{}")
METHODS = (b"GET", b"POST", b"PUT", b"HEAD", b"PATCH", b"DELETE", b"OPTIONS", b"CONNECT", b"TRACE")
NAME_OK = re.compile(r"^[A-Za-z0-9*_](?:[A-Za-z0-9_.-]{0,251}[A-Za-z0-9_])?$")
OPENSSL_CONF = """[req]
distinguished_name = dn
prompt = no
[dn]
CN = {cn}
[v3]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = {san}
authorityKeyIdentifier = keyid
subjectKeyIdentifier = hash
"""


class Minter:
    """Server contexts by name, each with a leaf certificate for that name (minted once per scan)."""

    def __init__(self, ca_cert: str, ca_key: str, leaf_key: str):
        self.ca_cert, self.ca_key, self.leaf_key = ca_cert, ca_key, leaf_key
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()
        self.minted = 0

    def context(self, name: str) -> ssl.SSLContext:
        with self._lock:
            if name not in self._contexts:
                self._contexts[name] = self._make(name)
            return self._contexts[name]

    def _make(self, name: str) -> ssl.SSLContext:
        try:
            ipaddress.ip_address(name)
            san = f"IP:{name}"
        except ValueError:
            san = f"DNS:{name}"
        pem = subprocess.run(
            ["openssl", "req", "-new", "-x509", "-key", self.leaf_key, "-CA", self.ca_cert, "-CAkey", self.ca_key,
             "-days", "30", "-set_serial", "0x" + secrets.token_hex(12), "-sha256", "-config", "/dev/stdin",
             "-extensions", "v3"],
            input=OPENSSL_CONF.format(cn=name[:64], san=san).encode(), capture_output=True, timeout=20, check=True,
        ).stdout
        fd = os.memfd_create("leaf", 0)  # a path for load_cert_chain without touching any disk
        try:
            os.write(fd, pem)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(f"/proc/self/fd/{fd}", self.leaf_key)
        finally:
            os.close(fd)
        ctx.set_alpn_protocols(["http/1.1"])
        self.minted += 1
        return ctx


def safe_name(name: str | None) -> str | None:
    return name.lower().rstrip(".") if name and NAME_OK.match(name.rstrip(".")) else None


def front_context(minter: Minter) -> ssl.SSLContext:
    """The listening context: its SNI callback swaps in the minted context of the name asked for
    (or of the original destination address for clients that send no SNI)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.set_alpn_protocols(["http/1.1"])

    def on_sni(sock, server_name, _ctx):
        sock.slop_sni = server_name
        name = safe_name(server_name) or sock.slop_fallback
        try:
            sock.context = minter.context(name)
        except Exception as exc:  # openssl missing or failed: the handshake fails, recorded by terminate
            sock.slop_mint_error = str(exc)[:200]
            return ssl.ALERT_DESCRIPTION_INTERNAL_ERROR
        return None

    ctx.sni_callback = on_sni
    return ctx


def terminate(conn: socket.socket, front: ssl.SSLContext, fallback_name: str) -> tuple[ssl.SSLSocket | None, dict]:
    """TLS handshake as the server the client asked for: (decrypting socket or None, facts)."""
    facts: dict = {"tls": True, "scheme": "https", "sni": None}
    tls = front.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
    tls.slop_fallback, tls.slop_sni = fallback_name, None
    try:
        tls.do_handshake()
    except (ssl.SSLError, OSError) as exc:
        facts.update(sni=tls.slop_sni, tls_error=_short(exc))
        if getattr(tls, "slop_mint_error", None):
            facts["mint_error"] = tls.slop_mint_error
        return None, facts
    facts.update(sni=tls.slop_sni, alpn=tls.selected_alpn_protocol(), tls_version=tls.version())
    return tls, facts


def read_request(sock, seen: list | None = None) -> dict | None:
    """One HTTP/1.x request: method, target, headers, body (first BODY_CAP bytes, chunked
    decoded), byte counts. None when the bytes are not an HTTP request (they go to `seen`)."""
    data = b""
    while b"\r\n\r\n" not in data and len(data) < HEAD_CAP:
        chunk = _recv(sock)
        if not chunk:
            break
        data += chunk
        if len(data) >= 8 and data.split(b" ", 1)[0] not in METHODS:
            break
    head, sep, rest = data.partition(b"\r\n\r\n")
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    if len(parts) != 3 or parts[0] not in METHODS:
        if seen is not None:
            seen.append(data)
        return None
    headers = []
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        headers.append((key.strip().decode("latin-1"), value.strip().decode("latin-1")))
    low = {k.lower(): v for k, v in headers}
    req = {"method": parts[0].decode(), "target": parts[1].decode("latin-1"), "version": parts[2].decode("latin-1"),
           "headers": headers, "head_bytes": len(head) + len(sep)}
    if "100-continue" in low.get("expect", "").lower():
        _send(sock, b"HTTP/1.1 100 Continue\r\n\r\n")
    if "chunked" in low.get("transfer-encoding", "").lower():
        raw = rest
        while not _chunks_done(raw) and len(raw) < DRAIN_CAP:
            chunk = _recv(sock)
            if not chunk:
                break
            raw += chunk
        body, total = _dechunk(raw)
    else:
        try:
            want = int(low.get("content-length", "0"))
        except ValueError:
            want = 0
        body, total = rest[:BODY_CAP], len(rest)
        while total < min(want, DRAIN_CAP):
            chunk = _recv(sock)
            if not chunk:
                break
            total += len(chunk)
            if len(body) < BODY_CAP:
                body += chunk[:BODY_CAP - len(body)]
    req.update(body=body[:BODY_CAP], body_bytes=total, request_bytes=req["head_bytes"] + total,
               raw_head=(head + sep + body)[:4096])
    return req


def _chunks_done(raw: bytes) -> bool:
    return raw.endswith(b"0\r\n\r\n") or b"\r\n0\r\n\r\n" in raw or raw.startswith(b"0\r\n")


def _dechunk(raw: bytes) -> tuple[bytes, int]:
    """(first BODY_CAP decoded bytes, decoded length) of a chunked body; tolerant of a cut end."""
    out, total, pos = b"", 0, 0
    while pos < len(raw):
        end = raw.find(b"\r\n", pos)
        if end < 0:
            break
        try:
            size = int(raw[pos:end].split(b";")[0], 16)
        except ValueError:
            break
        if size == 0:
            break
        chunk = raw[end + 2:end + 2 + size]
        total += len(chunk)
        if len(out) < BODY_CAP:
            out += chunk[:BODY_CAP - len(out)]
        pos = end + 2 + size + 2
    return out, total


def _recv(sock) -> bytes:
    try:
        return sock.recv(65536)
    except (OSError, ValueError):
        return b""


def _send(sock, data: bytes) -> None:
    try:
        sock.sendall(data)
    except (OSError, ValueError):
        pass


def answer(sock) -> None:
    """Like a plausible API server: 200 with an empty JSON body, then close."""
    _send(sock, RESPONSE)


def _short(exc: BaseException) -> str:
    text = getattr(exc, "reason", None) or str(exc)
    return str(text)[:200]
