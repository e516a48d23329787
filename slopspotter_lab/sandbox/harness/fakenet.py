"""Fake network inside the sandbox: a DNS resolver that answers every name with a sinkhole
address of its own (one per name, so connections join back to the name), and a TCP sinkhole
that accepts any port (iptables REDIRECT), terminates TLS with certificates of the scan's own CA
(tlssink.py) and records each HTTP request (method, URL, headers, body head) or the first bytes.

Standard library only: this file runs with the image's python3. Nothing here ever opens a
socket to anything but loopback addresses inside the sandbox's own network namespace.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time

import tlssink

SO_ORIGINAL_DST = 80
QTYPES = {1: "A", 28: "AAAA", 5: "CNAME", 15: "MX", 16: "TXT", 12: "PTR", 33: "SRV", 65: "HTTPS", 2: "NS"}
SINK_NET = "10.66"  # 10.66.0.0/16 is put on lo: every address in it is local


class Recorder:
    """Thread-safe JSON-lines writer with a byte cap (the sandbox's output is bounded)."""

    def __init__(self, path: str, cap: int = 4 * 1024 * 1024):
        self._fh = open(path, "a", encoding="utf-8")
        self._lock = threading.Lock()
        self._left = cap

    def write(self, record: dict) -> None:
        line = json.dumps(record, ensure_ascii=True) + "\n"
        with self._lock:
            if len(line) > self._left:
                return
            self._left -= len(line)
            self._fh.write(line)
            self._fh.flush()


class AddressBook:
    """Hands out one sinkhole address per hostname (10.66.x.y) so endpoints join to names."""

    def __init__(self):
        self._by_name: dict[str, str] = {}
        self._lock = threading.Lock()

    def address_for(self, name: str) -> str:
        with self._lock:
            if name not in self._by_name:
                n = len(self._by_name) + 2
                self._by_name[name] = f"{SINK_NET}.{(n >> 8) & 255}.{n & 255}"
            return self._by_name[name]


def parse_query(data: bytes) -> tuple[int, str, int, int]:
    """(txid, qname, qtype, end offset of the question) of a DNS query; raises on garbage."""
    txid, _flags, qd = struct.unpack(">HHH", data[:6])
    if qd < 1:
        raise ValueError("no question")
    pos, labels = 12, []
    while True:
        ln = data[pos]
        if ln == 0:
            pos += 1
            break
        if ln & 0xC0:
            raise ValueError("compressed qname")
        labels.append(data[pos + 1:pos + 1 + ln].decode("ascii", "replace"))
        pos += 1 + ln
        if pos > 300:
            raise ValueError("qname too long")
    qtype, _qclass = struct.unpack(">HH", data[pos:pos + 4])
    return txid, ".".join(labels), qtype, pos + 4


def build_answer(data: bytes, qend: int, qtype: int, address: str) -> bytes:
    """A reply that answers A with the sinkhole address, AAAA with its v4-mapped form, else empty."""
    txid = data[:2]
    question = data[12:qend]
    answers = b""
    if qtype == 1:
        answers = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(address)
    count = 1 if answers else 0
    header = txid + struct.pack(">HHHHH", 0x8180, 1, count, 0, 0)
    return header + question + answers


def serve_dns(sock: socket.socket, book: AddressBook, rec: Recorder, t0: float) -> None:
    while True:
        try:
            data, peer = sock.recvfrom(2048)
        except OSError:
            return
        try:
            _txid, qname, qtype, qend = parse_query(data)
        except Exception:
            rec.write({"ts": time.time() - t0, "kind": "dns", "error": "unparsable query", "peer_port": peer[1]})
            continue
        qname = qname.lower().rstrip(".")
        address = book.address_for(qname)
        rec.write({"ts": time.time() - t0, "kind": "dns", "hostname": qname,
                   "qtype": QTYPES.get(qtype, str(qtype)), "answer": address if qtype == 1 else None,
                   "peer_port": peer[1]})
        try:
            sock.sendto(build_answer(data, qend, qtype, address), peer)
        except OSError:
            pass


def _original_dst(conn: socket.socket) -> tuple[str, int] | None:
    try:
        raw = conn.getsockopt(socket.SOL_IP, SO_ORIGINAL_DST, 16)
        port = struct.unpack(">H", raw[2:4])[0]
        return socket.inet_ntoa(raw[4:8]), port
    except OSError:
        return None


def _handle(conn: socket.socket, peer, listen_port: int, rec: Recorder, t0: float, head_bytes: int,
            front=None) -> None:
    conn.settimeout(2.0)
    dst = _original_dst(conn) or (conn.getsockname()[0], listen_port)
    record = {"ts": time.time() - t0, "kind": "tcp", "address": dst[0], "port": dst[1], "peer_port": peer[1]}
    sock, first = conn, b""
    try:
        first = conn.recv(1, socket.MSG_PEEK)
    except OSError:
        pass
    if first == b"\x16" and front is not None:  # a TLS ClientHello: answer as the server asked for
        tls, facts = tlssink.terminate(conn, front, dst[0])
        record.update(facts)
        if tls is None:
            record.update(outcome="tls_refused", bytes=0, head="")
            rec.write(record)
            _close(conn)
            return
        sock = tls
    seen: list[bytes] = []
    req = tlssink.read_request(sock, seen) if sock is not conn or first.isalpha() else None
    if req is None and sock is conn:  # raw TCP: the first bytes, as before
        data = b"".join(seen)[:head_bytes]
        try:
            while len(data) < head_bytes:
                chunk = conn.recv(head_bytes - len(data))
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        record.update(bytes=len(data), head=data.decode("latin-1"))
    elif req is not None:
        hosthdr = next((v for k, v in req["headers"] if k.lower() == "host"), None)
        scheme = record.get("scheme", "http")
        host = hosthdr or record.get("sni") or dst[0]
        target = req["target"]
        url = target if "://" in target else f"{scheme}://{host}{target if target.startswith('/') else '/' + target}"
        record.update(bytes=req["request_bytes"], head=req["raw_head"].decode("latin-1"),
                      request_line=f"{req['method']} {target} {req['version']}", method=req["method"], url=url,
                      scheme=scheme, tls=bool(record.get("tls")), headers=req["headers"][:64],
                      body=req["body"].decode("latin-1"), body_bytes=req["body_bytes"],
                      request_bytes=req["request_bytes"])
        if hosthdr:
            record["host"] = hosthdr
        if sock is conn:  # plain HTTP answers as it always did
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n"
                             b"Connection: close\r\n\r\nok")
            except OSError:
                pass
        else:
            tlssink.answer(sock)
    else:  # TLS without HTTP inside
        record.update(bytes=0, head="")
    rec.write(record)
    _close(sock)


def _close(sock) -> None:
    try:
        sock.close()
    except OSError:
        pass


def serve_tcp(sock: socket.socket, rec: Recorder, t0: float, head_bytes: int = 4096, front=None) -> None:
    port = sock.getsockname()[1]
    while True:
        try:
            conn, peer = sock.accept()
        except OSError:
            return
        threading.Thread(target=_handle, args=(conn, peer, port, rec, t0, head_bytes, front), daemon=True).start()


def start(outdir: str, t0: float, sink_port: int, fallback_ports=(), tls: dict | None = None) -> dict:
    """Start the resolver on 127.0.0.53:53 and the sinkhole listeners; return what runs.
    With `tls` (paths of the scan's CA certificate, CA key and leaf key) TLS is terminated."""
    rec = Recorder(f"{outdir}/fakenet.jsonl", cap=16 * 1024 * 1024)
    front = None
    if tls:
        front = tlssink.front_context(tlssink.Minter(tls["ca_cert"], tls["ca_key"], tls["leaf_key"]))
    book = AddressBook()
    started = {"dns": False, "tcp": [], "tls": front is not None}
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.53", 53))
    threading.Thread(target=serve_dns, args=(udp, book, rec, t0), daemon=True).start()
    started["dns"] = True
    for port in (sink_port, *fallback_ports):
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", port))
            s.listen(64)
        except OSError:
            continue
        threading.Thread(target=serve_tcp, args=(s, rec, t0, 4096, front), daemon=True).start()
        started["tcp"].append(port)
    return started
