"""Fake network inside the sandbox: a DNS resolver that answers every name with a sinkhole
address of its own (one per name, so connections join back to the name), and a TCP sinkhole
that accepts any port (iptables REDIRECT) and records the first bytes sent.

Standard library only: this file runs with the image's python3. Nothing here ever opens a
socket to anything but loopback addresses inside the sandbox's own network namespace.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time

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


def _handle(conn: socket.socket, peer, listen_port: int, rec: Recorder, t0: float, head_bytes: int) -> None:
    conn.settimeout(2.0)
    dst = _original_dst(conn) or (conn.getsockname()[0], listen_port)
    data = b""
    try:
        while len(data) < head_bytes:
            chunk = conn.recv(head_bytes - len(data))
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data and not data.startswith((b"POST", b"PUT", b"PATCH")):
                break
            if data.startswith((b"POST", b"PUT", b"PATCH")) and b"\r\n\r\n" in data:
                head, _, body = data.partition(b"\r\n\r\n")
                want = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        try:
                            want = int(line.split(b":", 1)[1])
                        except ValueError:
                            pass
                if len(body) >= min(want, head_bytes):
                    break
    except OSError:
        pass
    record = {"ts": time.time() - t0, "kind": "tcp", "address": dst[0], "port": dst[1],
              "peer_port": peer[1], "bytes": len(data), "head": data.decode("latin-1")}
    if data[:16].split(b" ")[0] in (b"GET", b"POST", b"PUT", b"HEAD", b"PATCH", b"DELETE", b"OPTIONS"):
        lines = data.split(b"\r\n")
        record["request_line"] = lines[0].decode("latin-1")
        for line in lines[1:]:
            if line.lower().startswith(b"host:"):
                record["host"] = line.split(b":", 1)[1].strip().decode("latin-1")
        try:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        except OSError:
            pass
    rec.write(record)
    try:
        conn.close()
    except OSError:
        pass


def serve_tcp(sock: socket.socket, rec: Recorder, t0: float, head_bytes: int = 4096) -> None:
    port = sock.getsockname()[1]
    while True:
        try:
            conn, peer = sock.accept()
        except OSError:
            return
        threading.Thread(target=_handle, args=(conn, peer, port, rec, t0, head_bytes), daemon=True).start()


def start(outdir: str, t0: float, sink_port: int, fallback_ports=()) -> dict:
    """Start the resolver on 127.0.0.53:53 and the sinkhole listeners; return what runs."""
    rec = Recorder(f"{outdir}/fakenet.jsonl")
    book = AddressBook()
    started = {"dns": False, "tcp": []}
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
        threading.Thread(target=serve_tcp, args=(s, rec, t0), daemon=True).start()
        started["tcp"].append(port)
    return started
