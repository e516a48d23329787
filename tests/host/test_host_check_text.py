"""check-text (install commands in free text, extracted with the one grammar) and deep-scan
progress frames, through the native host as a real subprocess."""

from __future__ import annotations

import time

from slopspotter_lab.inputs import extract_commands

ANSWER = """Sure! To fetch JSON you can use requests:

```bash
pip install reqeusts 'six>=1.16'
npm i -D expresss
pip install git+https://github.com/example/project.git
```

Then `python -m pip install -U requests` and you are done.
"""
FAKE_HOST = ("import sys; from host_test_fake_scan import slow_scan; "
             "from slopspotter_lab.host.native import main; sys.exit(main(scan=slow_scan))")


def test_check_text_answers_each_package_with_its_command_and_reason(host_factory, pypi_json_server, tmp_path):
    h = host_factory(env_extra={"SLOPSPOTTER_PYPI_URL": pypi_json_server.url,
                                "SLOPSPOTTER_NPM_URL": "http://127.0.0.1:9",
                                "SLOPSPOTTER_HTTP_TIMEOUT": "3",
                                "SLOPSPOTTER_CACHE_DIR": str(tmp_path / "cache")})
    h.send({"type": "check-text", "text": ANSWER, "id": "t1"})
    reply = h.recv(timeout=60)
    assert reply["success"] is True and reply["id"] == "t1", reply
    # the host and Python agree: same commands as extract_commands on the same text
    assert [c["text"] for c in reply["commands"]] == [c.text for c in extract_commands(ANSWER)]
    by_name = {r["name"]: r for r in reply["results"]}
    assert {"reqeusts", "six", "expresss", "requests"} <= set(by_name)
    typo = by_name["reqeusts"]
    assert typo["risk"] == "high" and typo["typosquat_of"] == "requests"
    assert "typosquat of requests" in typo["reason"]  # after not_found when that weighs more (model)
    assert typo["command"]["text"].startswith("pip install reqeusts") and typo["command"]["line"] == 4
    assert by_name["six"]["exists"] is True and by_name["six"]["spec"] == ">=1.16"
    assert by_name["six"]["risk"] == "low" and "no warning signs" in by_name["six"]["reason"]
    assert by_name["expresss"]["ecosystem"] == "npm" and by_name["expresss"]["typosquat_of"] == "express"
    assert by_name["requests"]["command"]["tool"] == "pip"
    unchecked = [r for r in reply["results"] if r["risk"] is None]
    assert unchecked and all(r["reason"].startswith("not checked") for r in unchecked)


def test_check_text_not_found_suggests_a_name(host_factory, pypi_json_server, tmp_path):
    h = host_factory(env_extra={"SLOPSPOTTER_PYPI_URL": pypi_json_server.url,
                                "SLOPSPOTTER_CACHE_DIR": str(tmp_path / "cache")})
    h.send({"type": "check-text", "text": "pip install requestss"})
    (rec,) = h.recv(timeout=60)["results"]
    assert rec["exists"] is False and rec["risk"] == "high"
    assert "does not exist on pypi" in rec["reason"] and "did you mean requests?" in rec["reason"]


def test_check_text_without_commands_and_bad_input(host_factory):
    h = host_factory()
    h.send({"type": "check-text", "text": "No install commands here, just `ls -la`.", "offline": True})
    assert h.recv(timeout=30) == {"success": True, "commands": [], "results": []}
    for msg, fragment in [({"type": "check-text"}, "missing field 'text'"),
                          ({"type": "check-text", "text": 5}, "'text' must be a string"),
                          ({"type": "check-text", "text": "x", "ecosystem": "cargo"}, "pypi or npm"),
                          ({"type": "check-text", "text": "x" * 1_000_001}, "limit")]:
        h.send(msg)
        reply = h.recv(timeout=30)
        assert reply["success"] is False and fragment in reply["error"], reply
    h.send({"type": "check-text", "text": ANSWER, "ecosystem": "npm", "offline": True})
    assert {r["ecosystem"] for r in h.recv(timeout=30)["results"]} == {"npm"}


def test_deep_scan_progress_frames_come_before_the_reply_only_when_asked(host_factory):
    h = host_factory(wrapper=FAKE_HOST, env_extra={"FAKE_SCAN_SECONDS": "0.5"})
    h.send({"type": "deep-scan", "packageName": "evil-pkg", "language": "Python", "id": "s1", "progress": True})
    frames = []
    while True:
        msg = h.recv(timeout=30)
        frames.append(msg)
        if msg.get("type") != "progress":
            break
    stages = [f["stage"] for f in frames[:-1]]
    assert stages == ["queued", "metadata", "sandbox (fake)"]
    assert all(f["id"] == "s1" and f["elapsed_s"] >= 0 for f in frames[:-1])
    assert frames[-1]["id"] == "s1" and frames[-1]["success"] is True
    # without "progress": the first frame is the reply (what a one-shot sendNativeMessage reads)
    h.send({"type": "deep-scan", "packageName": "evil-pkg", "language": "Python", "id": "s2"})
    t0 = time.monotonic()
    reply = h.recv(timeout=30)
    assert reply["id"] == "s2" and reply["success"] is True and time.monotonic() - t0 >= 0.4


def test_check_text_reason_names_npm_install_scripts(host_factory, npm_registry, tmp_path):
    """A real npm registry (verdaccio on loopback) serving a corpus package with a postinstall."""
    from pathlib import Path

    npm_registry.publish(Path(__file__).resolve().parents[1] / "corpus" / "npm" / "slop-postinstall-beacon")
    h = host_factory(env_extra={"SLOPSPOTTER_NPM_URL": npm_registry.url,
                                "SLOPSPOTTER_CACHE_DIR": str(tmp_path / "cache")})
    h.send({"type": "check-text", "text": "```\nnpm install slop-postinstall-beacon\n```"})
    (rec,) = h.recv(timeout=60)["results"]
    assert rec["exists"] is True and rec["command"]["tool"] == "npm"
    assert "install_scripts" in {i["id"] for i in rec["indicators"]}
    assert "runs install scripts (postinstall: node beacon.js)" in rec["reason"], rec["reason"]
