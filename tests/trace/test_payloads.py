"""Canaries are found in decrypted requests whatever encoding hides them (trace/payloads.py),
and the evidence quotes the URL."""

import base64
import gzip
import json
import urllib.parse
import zlib

import pandas as pd

from slopspotter_lab.trace.frames import TraceFrames
from slopspotter_lab.trace.indicators import dynamic_indicators
from slopspotter_lab.trace.payloads import variants

CANARIES = {"aws_access_key_id": "AKIAQWERTYUIOPASDFGH", "aws_secret_access_key": "s3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3tXyZw",
            "github_token": "ghp_abcdefghijklmnopqrstuvwxyz0123456789"}
CREDS = f"[default]\naws_access_key_id = {CANARIES['aws_access_key_id']}\n"


def _frames(records):
    empty = pd.DataFrame()
    return TraceFrames(processes=pd.DataFrame(columns=["pid", "ppid", "exe", "argv", "phase"]),
                       endpoints=empty, dns=pd.DataFrame(columns=["hostname", "phase"]), files=empty,
                       syscalls=empty, sinkhole=records)


def _exfil(rec):
    hits = [i for i in dynamic_indicators(_frames([rec]), CANARIES) if i.id == "honeytoken_exfiltration"]
    return {i.extra["canary"]: i for i in hits}


def _rec(body=b"", url="https://c2.exfil.invalid/x", headers=()):
    return {"kind": "tcp", "tls": True, "method": "POST", "url": url, "headers": list(headers),
            "body": body.decode("latin-1") if isinstance(body, bytes) else body}


def test_gzip_json_base64_body():
    body = gzip.compress(json.dumps({"blob": base64.b64encode(CREDS.encode()).decode()}).encode())
    hits = _exfil(_rec(body))
    assert "aws_access_key_id" in hits
    ev = hits["aws_access_key_id"]
    assert "https://c2.exfil.invalid/x" in ev.evidence and "gzip > " in ev.evidence and ev.evidence.endswith("base64)")
    assert ev.extra["url"] == "https://c2.exfil.invalid/x"


def test_deflate_form_and_url_query():
    form = urllib.parse.urlencode({"c": CREDS}).encode()
    assert "aws_access_key_id" in _exfil(_rec(zlib.compress(form)))
    q = urllib.parse.quote(CANARIES["github_token"])
    assert "github_token" in _exfil(_rec(url=f"https://h.invalid/i?t={q}"))


def test_multipart_hex_and_header():
    b = "XyZ"
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"f\"; filename=\"k\"\r\n\r\n"
            f"{CANARIES['aws_secret_access_key'].encode().hex()}\r\n--{b}--\r\n")
    assert "aws_secret_access_key" in _exfil(_rec(body))
    hdr = [("Authorization", "Bearer " + base64.urlsafe_b64encode(b"x:" + CANARIES["github_token"].encode()).decode())]
    assert "github_token" in _exfil(_rec(headers=hdr))


def test_unaligned_base64_of_a_whole_file_is_decoded():
    """base64 of a file holding the canary at any offset: only decoding finds it."""
    for pad in ("", "a", "ab"):
        assert "aws_access_key_id" in _exfil(_rec(base64.b64encode((pad + CREDS).encode())))


def test_clean_requests_raise_nothing():
    body = gzip.compress(json.dumps({"name": "requests", "version": "2.31.0", "ok": True}).encode())
    assert _exfil(_rec(body, url="https://pypi.org/simple/requests/")) == {}
    assert variants(b"\x1f\x8bgarbage", "body")[0][1].startswith("\x1f\x8b")  # a broken gzip stays raw
