"""Static analysis of an artifact's contents (sdist, wheel, npm tarball or a directory).

Archives are unpacked with registry.archive.safe_extract into a temporary directory; nothing
is imported, built or run. Python is read with `ast` (calls and imports, not text that merely
mentions them); JavaScript and shell with patterns. Build-time code (setup.py, build hooks,
npm lifecycle scripts) is what runs on `pip install` / `npm install`, so findings there weigh
more than the same finding in library code.
"""

from __future__ import annotations

import ast
import base64
import json
import math
import re
import tempfile
from collections import Counter
from pathlib import Path

from ..ecosystems import Ecosystem
from ..indicators import SEVERITY_RANK, Indicator
from . import pyflow
from .scripts import LIFECYCLE, install_scripts

MAX_FILES = 50_000  # safe_extract stops archives at 20,000 members; a directory may hold more (said in the result)
MAX_FILE_BYTES = 2 * 1024 * 1024
BUILD_FILES = {"setup.py", "build.py", "hatch_build.py", "pdm_build.py", "build_backend.py",
               "_build_backend.py"}  # build-time only at the package top (sdist root or one below)
PROJECT_FILES = ("pyproject.toml", "setup.cfg", "setup.py")  # a build hook sits beside one of these
NATIVE_SOURCES = {".c", ".cc", ".cpp", ".cxx", ".pyx", ".rs", ".go", ".f90", ".cu"}
BINARY_MAGIC = {b"\x7fELF": "ELF", b"MZ": "PE/Windows", b"\xcf\xfa\xed\xfe": "Mach-O",
                b"\xfe\xed\xfa\xcf": "Mach-O", b"\xca\xfe\xba\xbe": "Mach-O universal"}

NETWORK_MODULES = {"socket", "urllib", "urllib.request", "urllib2", "http.client", "httplib",
                   "requests", "httpx", "aiohttp", "ftplib", "smtplib", "telnetlib", "urllib3", "pycurl"}
DOWNLOAD_EXEC = re.compile(
    r"(curl|wget)\b[^\n|;]{0,200}\|\s*(sudo\s+)?(ba|z|da)?sh\b|(curl|wget)\b[^\n]{0,200}(-o|-O|>)\s*\S+[^\n]{0,80}(&&|;)\s*(chmod|sh|bash|\./)"
    r"|powershell[^\n]{0,200}(iex|invoke-expression|downloadstring)|invoke-webrequest[^\n]{0,200}\|\s*iex"
    r"|certutil[^\n]{0,40}-urlcache", re.I)
REVERSE_SHELL = re.compile(
    r"/dev/tcp/|/dev/udp/|\bnc(at)?\b[^\n]{0,60}\s-[a-z]*e\s|\bbash\s+-i\s*>&|mkfifo[^\n]{0,80}\bnc\b"
    r"|socat\b[^\n]{0,80}exec:|sh\s+-i\s*[<>]&|child_process[^\n]{0,200}(/bin/sh|cmd\.exe)[^\n]{0,200}net\.Socket"
    r"|new\s+net\.Socket\(\)[^\n]{0,400}(spawn|exec)\(\s*['\"](/bin/sh|/bin/bash|cmd\.exe)", re.I)
CREDENTIAL_PATHS = re.compile(
    r"\.aws/credentials|\.ssh/id_(rsa|ed25519|ecdsa|dsa)|\.ssh/authorized_keys|\.npmrc\b|\.pypirc\b|\.git-credentials"
    r"|\.docker/config\.json|\.kube/config|/etc/shadow|\.gnupg/|\.netrc\b|(?-i:Login Data|Local State)|logins\.json|key4\.db"
    r"|cookies\.sqlite|Local Storage[/\\]leveldb|\.config/gcloud|Keychains?/|wallet\.dat|\.bash_history"
    r"|\.ethereum/keystore|\.electrum/wallets|discord[/\\]Local Storage", re.I)
# Gates: every match of a pattern contains one of its gate strings (lower case) or a match of
# its gate pattern. Most files contain none and skip the pattern; where they do, the pattern is
# searched only in windows around them (the patterns are bounded well under _WINDOW characters).
_GATES = {
    "download_execute": ("curl", "wget", "powershell", "invoke-webrequest", "certutil"),
    "reverse_shell": ("/dev/tcp", "/dev/udp", re.compile(r"-[a-z]*e\s"), ">&", "<&", "mkfifo", "socat", "net.socket"),
    "credential_paths": (".aws", ".ssh", ".npmrc", ".pypirc", "credentials", ".docker", ".kube", "shadow", ".gnupg",
                         ".netrc", "login data", "local state", "logins.json", "key4.db", "cookies.sqlite",
                         "leveldb", "local storage", "gcloud", "keychain", "wallet", "history", "keystore", "electrum"),
}
_WINDOW = 2000
_MAX_WINDOWS = 64  # past this many gate hits one search of the whole text is cheaper


def gated_search(pattern: re.Pattern, text: str, lower: str, gates: tuple) -> re.Match | None:
    """`pattern.search(text)`, run only around the places a gate occurs (same first match).

    Whole-text searches of a dozen alternation patterns dominated the time on big sdists."""
    hits: list[int] = []
    for gate in gates:
        if isinstance(gate, re.Pattern):
            hits += [m.start() for m in gate.finditer(lower)][:_MAX_WINDOWS + 1]
        else:
            at = lower.find(gate)
            while at >= 0 and len(hits) <= _MAX_WINDOWS:
                hits.append(at)
                at = lower.find(gate, at + 1)
        if len(hits) > _MAX_WINDOWS or len(lower) != len(text):  # (lower() changed the length: no offsets)
            return pattern.search(text) if hits else None
    start = end = -1
    for at in sorted(hits):
        a, b = max(0, at - _WINDOW), at + _WINDOW
        if a > end >= 0:
            m = pattern.search(text, start, end)
            if m:
                return m
            start = -1
        if start < 0:
            start = a
        end = max(end, b)
    return pattern.search(text, start, end) if start >= 0 else None


JS_NETWORK = re.compile(r"require\(\s*['\"](https?|net|dgram|dns|tls)['\"]\s*\)|\bfetch\(|XMLHttpRequest|axios\.|got\(", re.I)
JS_PROCESS = re.compile(r"require\(\s*['\"]child_process['\"]\s*\)|\b(execSync|spawnSync|execFile|spawn|exec)\(", re.I)
JS_ENCODED_EXEC = re.compile(
    r"(eval|Function)\s*\([^)]{0,200}(Buffer\.from\([^)]{0,2000}['\"](base64|hex)['\"]|atob\(|fromCharCode)"
    r"|new\s+Function\s*\([^)]{0,100}(atob|Buffer\.from)", re.I)
JS_OBFUSCATOR = re.compile(r"_0x[0-9a-f]{4,}")
SHELL_RUNNERS = re.compile(r"\b(node|python3?|sh|bash)\s+(-e|-c)\b|\b(curl|wget|nc|powershell)\b", re.I)


def entropy(text: str) -> float:
    """Shannon entropy in bits per character (base64 ~6, English ~4.2, code ~4.5-5)."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _ind(id_, severity, evidence):
    return Indicator(id_, severity, evidence, source="static")


# ------------------------------------------------------------------ where a file sits

# Roles: "build" runs on `pip install` (setup.py, build hooks, what they import from the
# package); "module" runs on import; the others run neither (tests, docs, dev scripts, vendored
# third-party copies) and their findings are demoted: pip's vendored rich uses marshal, test
# suites bind sockets to stdio, docs name ~/.aws/credentials.
_ROLE_DIRS = {
    "tests": {"tests", "test", "testing", "testdata", "test_data", "fixtures", "unittests"},
    "docs": {"docs", "doc", "examples", "example", "samples", "sample", "demo", "demos", "benchmarks", "bench"},
    "vendored": {"_vendor", "vendor", "vendored", "_vendored", "third_party", "thirdparty", "third-party",
                 "extern", "_extern", "externals", "_distutils"},
    "dev": {".github", ".circleci", ".gitlab", "ci", ".ci", "tools", "dev", "devtools", "scripts", ".azure-pipelines"},
}
_DEV_FILES = {"runtests.py", "run_tests.py", "tasks.py", "noxfile.py", "fabfile.py", "dodo.py", "release.py",
              "bootstrap.py", "make.py", "pavement.py", "build_docs.py", "update_version.py", "ci.py"}
_DEMOTE = {"critical": "info", "high": "info", "medium": "info", "low": "info", "info": "info"}


def file_role(rel: str) -> str:
    """tests | docs | vendored | dev | module, from the path inside the artifact (build is decided apart)."""
    parts = [p.lower() for p in Path(rel).parts]
    name = parts[-1]
    dirs = set(parts[:-1])
    for role in ("vendored", "tests", "docs", "dev"):
        if dirs & _ROLE_DIRS[role]:
            return role
    if any(d.startswith(("vendored", "_vendored", "vendor-", "third_party")) for d in dirs):
        return "vendored"
    if any(d.endswith((" tests", "_tests", "-tests")) for d in dirs):
        return "tests"
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return "tests"
    if name in _DEV_FILES:
        return "dev"
    return "module"


def _sev(severity: str, role: str) -> str:
    return severity if role in ("build", "module") else _DEMOTE[severity]


def _py_module_files(root: Path, base: Path, module: str, level: int, here: Path) -> list[Path]:
    """Files inside the artifact that `import module` (or a relative import) would run."""
    if level:
        start = here.parent
        for _ in range(level - 1):
            start = start.parent
        parts = [p for p in module.split(".") if p]
    else:
        start, parts = base, module.split(".")
    out = []
    for top in ([start] if level else [start, start / "src", start / "lib"]):
        cur = top
        for k, part in enumerate(parts):
            pkg = cur / part
            if (pkg / "__init__.py").is_file():
                out.append(pkg / "__init__.py")
                cur = pkg
                continue
            mod = cur / f"{part}.py"
            if mod.is_file():
                out.append(mod)
            break
    return [p for p in out if root in p.resolve().parents and not p.is_symlink()]


def build_closure(root: Path, build_files: list[Path], depth: int = 3) -> dict[Path, str]:
    """Build files plus the package files they import (transitively): all of it runs on install.

    Malware keeps setup.py clean and does the work in a sibling module it imports.
    """
    seen: dict[Path, str] = {p: "" for p in build_files}
    frontier = list(build_files)
    for _ in range(depth):
        nxt = []
        for path in frontier:
            try:
                tree = ast.parse(_decode(path.read_bytes()))
            except (SyntaxError, ValueError, OSError, RecursionError, MemoryError):
                text = _decode(path.read_bytes()) if path.exists() else ""
                mods = [(m, 0) for m in re.findall(r"^\s*(?:from|import)\s+([\w.]+)", text, re.M)]
            else:
                mods = []
                for n in pyflow.walk(tree):
                    if isinstance(n, ast.Import):
                        mods += [(a.name, 0) for a in n.names]
                    elif isinstance(n, ast.ImportFrom):
                        mods.append((n.module or "", n.level))
                        if n.level or not n.module:
                            mods += [(((n.module or "") + "." + a.name).lstrip("."), n.level) for a in n.names]
            for mod, level in mods:
                for f in _py_module_files(root, path.parent, mod, level, path):
                    if f not in seen:
                        seen[f] = f"imported by {path.name}"
                        nxt.append(f)
        frontier = nxt
    return seen


def _decode(data: bytes) -> str:
    """Text of a file: UTF-8 (a BOM dropped), else Latin-1 so no byte is lost."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


# ------------------------------------------------------------------ Python

_BUILD_TOOLS = re.compile(r"^\s*(?-i:[A-Z][A-Z0-9_]+\s+)*(\S*/)?(git|twine|make|cmake|ninja|meson|gcc|g\+\+|cc|c\+\+|clang|cl(\.exe)?|ld|ar|"
                          r"pkg-config|[\w.-]+-config|xcrun|lipo|cargo|rustc|cython|nvcc|sphinx-build|pip|"
                          r"python[\d.]*|sys\.executable|\./configure|configure|sh\s+\./configure|autoreconf|"
                          r"libtool|install_name_tool|otool|uname|which|where|hg|svn|swig|gfortran|f2py|ldconfig|"
                          r"brew|port|rpm|dpkg|lsb_release|sw_vers|nm|strip|patch|tar|unzip|mt(\.exe)?|rc(\.exe)?|"
                          r"pandoc|npm|yarn|node|tox|pytest|nosetests|coverage|black|flake8|isort|mypy|rm|mkdir|cp|mv)\b",
                          re.I)
_SUSPICIOUS_CMD = re.compile(r"\b(curl(?![-\w])|wget|powershell|invoke-webrequest|start-process|pwsh|nslookup|dig|nc|ncat|mshta|certutil|bitsadmin|schtasks|"
                             r"regsvr32|rundll32|pythonw|cmd(\.exe)?\s*/c|start\s|whoami|hostname|base64|chmod\s+\+x|"
                             r"/tmp/|%temp%|%appdata%|\.exe\b|\.vbs\b|\.bat\b|\.ps1\b|\.scr\b|bash\s+-c|sh\s+-c|"
                             r"python[\d.]*\s+-c|pip3?\s+install|crontab|systemctl|/dev/tcp)", re.I)
_VERSION_IDIOM_CALLS = {"read", "read_text", "open", "join", "dirname", "abspath", "realpath", "Path", "fspath",
                        "compile", "strip", "normpath", "io.open", "codecs.open", "format", "replace", "encode",
                        "decode", "resolve", "parent", "splitlines", "get", "split", "rstrip", "lstrip", "partition",
                        "group", "match", "search", "findall", "readline", "readlines", "next", "iter", "sub"}
_PY_SIGNALS = re.compile(
    r"\b(exec|eval|compile|subprocess|system|popen|socket|urlopen|urlretrieve|requests|dup2|marshal|b64decode|"
    r"fromhex|unhexlify|decompress|spawn|startfile|environ|gethostname|getuser|zipimport|__import__)\b"
    r"|[A-Za-z0-9+/=]{1000}|\\x[0-9a-fA-F]{2}|\b[lI]{16,}|\b[O0]{16,}|\b_{5,}|[A-Za-z0-9+/]{40,}={0,2}['\"]")


_LONG_TOKEN = re.compile(r"[^\s'\"]{1000}")


_strings_in = pyflow.strings_in


def _assigned_strings(nodes: list[ast.AST]) -> dict[str, str]:
    """name -> the string constants assigned to it (f-strings included), names it is built from
    spelled out (`cmd = base + ['--x']`): commands built first, run later."""
    out: dict[str, str] = {}
    for node in sorted((n for n in nodes if isinstance(n, ast.Assign)), key=lambda n: n.lineno):
        text = pyflow.spelled(node.value, out)
        if text:
            for t in node.targets:
                if isinstance(t, ast.Name):
                    out[t.id] = (out.get(t.id, "") + " " + text).strip()[:2000]
    return out


def _worst(found) -> tuple[str, str]:
    """The most severe of (severity, what) pairs."""
    return max(found, key=lambda sw: SEVERITY_RANK[sw[0]])


def _process_severity(call: ast.Call, commands: "pyflow.Commands | None" = None) -> tuple[str, str]:
    """How bad a build-time process call looks, from its command text: its strings, what its names
    hold, or what the callers of its helper function pass (the worst of them)."""
    texts = commands.texts(call) if commands else [_strings_in(call)]
    return _worst(_command_severity(t) for t in texts)


def _command_severity(text: str) -> tuple[str, str]:
    m = _SUSPICIOUS_CMD.search(text)
    if m:
        return "high", f"runs {m.group(0).strip()!r}"
    if _BUILD_TOOLS.search(text) or re.search(r"setup\.py|sdist|bdist|upload|--version", text):
        return "info", f"runs a build tool ({text[:60]!r})"
    if not text.strip():
        return "low", "runs a computed command"
    return "low", f"runs {text[:60]!r}"  # compilers, configure, code generators: what build steps do


_SCRIPT_SUFFIXES = (".py", ".pyw", ".sh", ".bat", ".cmd", ".ps1", ".vbs", ".js", ".exe", ".scr")


def _written_scripts(nodes: list[ast.AST]) -> set[str]:
    """File names of scripts or programs the code opens for writing (`open('x.py', 'w')`)."""
    out = set()
    for n in nodes:
        if isinstance(n, ast.Call) and pyflow.dotted(n.func) in ("open", "io.open", "codecs.open") and n.args:
            mode = n.args[1] if len(n.args) > 1 else next((k.value for k in n.keywords if k.arg == "mode"), None)
            first = n.args[0]
            if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and set(mode.value) & set("wax") \
                    and isinstance(first, ast.Constant) and isinstance(first.value, str):
                base = first.value.replace("\\", "/").rsplit("/", 1)[-1]
                if base.lower().endswith(_SCRIPT_SUFFIXES) and len(base) > 4:
                    out.add(base)
    return out


def _is_version_idiom(call: ast.Call) -> bool:
    """exec(open('pkg/version.py').read(), ns) and friends: a local file read into a namespace."""
    if not call.args:
        return False
    inner = [pyflow.dotted(n.func) for n in pyflow.walk(call.args[0]) if isinstance(n, ast.Call)]
    names = [n for n in pyflow.walk(call.args[0]) if isinstance(n, ast.Name)]
    if not inner and not names:
        return False
    return all(c.rsplit(".", 1)[-1] in _VERSION_IDIOM_CALLS or c in _VERSION_IDIOM_CALLS for c in inner)


def analyze_python(rel: str, text: str, role: str, why: str = "") -> list[Indicator]:
    """ast-based findings for one Python file; on a syntax error, patterns (and say so)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        line = getattr(exc, "lineno", None)
        return [_ind("incomplete_analysis", "info", f"{rel}: not parseable as Python 3 "
                     f"({type(exc).__name__}{f' at line {line}' if line else ''}); patterns only"),
                *python_patterns(rel, text, role)]
    flows = pyflow.analyze(tree, text)
    build = role == "build"
    where = f"build-time ({why}) " if build and why else ("build-time " if build else "")
    out: list[Indicator] = []
    for f in flows.findings:
        if f.kind == "download_exec" or f.kind == "write_run":
            out.append(_ind("download_execute", "critical" if build else _sev("high", role), f"{rel}:{f.line} {where}{f.detail}"))
        elif f.kind == "decode_exec":
            out.append(_ind("encoded_exec", "critical" if build else _sev("high", role), f"{rel}:{f.line} {where}{f.detail}"))
        elif f.kind == "host_exfil":
            out.append(_ind("host_data_exfil", "critical" if build else _sev("high", role), f"{rel}:{f.line} {where}{f.detail}"))
    sockets = any(pyflow._is_network(n) and "socket" in n for _, n, _ in flows.calls)
    commands = pyflow.Commands(flows.nodes, _assigned_strings(flows.nodes)) if build else None
    written = _written_scripts(flows.nodes) if build else set()
    top_lines = _top_level_lines(tree) if build and why else set()
    for line, name, node in flows.calls:
        tail = name.rsplit(".", 1)[-1]
        if pyflow.is_exec(name, flows) and tail != "compile":
            if build and node.args and not isinstance(node.args[0], ast.Constant) and not _is_version_idiom(node) \
                    and not any(i.id in ("encoded_exec", "download_execute") and f"{rel}:{line} " in i.evidence for i in out):
                out.append(_ind("setup_exec", "high", f"{rel}:{line} {where}{name}() of computed code"))
            if name in flows.exec_aliases and name not in ("exec_", "_exec"):  # six's exec_ is everywhere
                out.append(_ind("obfuscation", _sev("medium", role), f"{rel}:{line} exec/eval called through the alias {name!r}"))
        elif tail == "loads" and "marshal" in name:
            # code objects from bytes the file carries are hidden code; from a .pyc or an archive it
            # reads at run time (PyInstaller, pip's bytecode tools) they are what marshal is for
            if any(f.kind == "marshal_const" and f.line == line for f in flows.findings):
                out.append(_ind("encoded_exec", _sev("medium", role), f"{rel}:{line} marshal.loads of embedded bytes "
                                "(code objects hidden as bytes)"))
        elif tail == "zipimporter" or name.endswith("zipimport.zipimporter"):
            out.append(_ind("obfuscation", _sev("high", role), f"{rel}:{line} code loaded from a bundled zip (zipimport)"))
        if build and pyflow._is_process(name):
            sev, what = _process_severity(node, commands)
            ran = next((w for w in written for t in commands.texts(node) if w in t), None)
            if ran and sev != "high":  # a dropper writes its payload next to setup.py, then runs it
                sev, what = "high", f"runs {ran!r}, a script the install itself wrote"
            out.append(_ind("setup_process", sev, f"{rel}:{line} {where}{name}() {what}"))
        if build and pyflow._is_network(name):
            # in setup.py itself high; in a module it imports, medium at module level, low inside a
            # function (lxml's buildlibxml downloads libxml2 only when asked to)
            sev = "high" if not why else ("medium" if line in top_lines else "low")
            out.append(_ind("setup_network", sev, f"{rel}:{line} {where}{name}()"))
        if tail == "dup2" and sockets:
            out.append(_ind("reverse_shell", _sev("critical", role), f"{rel}:{line} socket + os.dup2 (stdio bound to a socket)"))
    if build and not any(i.id == "setup_network" for i in out):
        net = sorted(m for m in flows.imports if m.split(".")[0] in {x.split(".")[0] for x in NETWORK_MODULES})
        if net:
            out.append(_ind("setup_network", "low", f"{rel} imports {', '.join(net)} at build time"))
    out += _obfuscated_source(rel, text, role)
    out += _import_time(rel, tree, flows, role)
    out += _decoded_constants(rel, flows.nodes, role)
    for node in flows.nodes if _LONG_TOKEN.search(text) else ():
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)) and len(node.value) >= 1000:
            s = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            s = _URL.sub("", s)  # test URLs with long percent-encoded tokens (yt-dlp's extractors)
            if s.count(" ") > len(s) // 50:  # prose and docstrings have spaces; packed payloads do not
                continue
            compact = re.sub(r"\s+", "", s)
            if len(compact) >= 1000 and entropy(compact) > 5.3:
                out.append(_ind("obfuscation", _sev("medium", role),
                                f"{rel}:{node.lineno} {len(compact)}-character string with entropy {entropy(compact):.1f} bits/char"))
                break
    return _dedupe(out)


_CONFUSABLE_NAMES = re.compile(r"\b(?:[lI]{16,}|[O0]{16,}|_{5,}\w{0,3})\b")
_ESCAPES = re.compile(r"\\x[0-9a-fA-F]{2}|\\[0-7]{3}|\\u[0-9a-fA-F]{4}")
_B64_CONST = re.compile(r"^[A-Za-z0-9+/]{16,}={0,2}$")


def _obfuscated_source(rel: str, text: str, role: str) -> list[Indicator]:
    """Identifier soup (lIlIlI..., _____) and strings spelled out in escapes: obfuscator output."""
    out = []
    names = _CONFUSABLE_NAMES.findall(text)
    if len(names) >= 10:
        out.append(_ind("obfuscation", _sev("high", role), f"{rel}: {len(names)} look-alike identifiers "
                        f"({names[0][:24]}...), obfuscator output"))
    if len(text) > 2000 and "\\" in text and re.search(r"\b(exec|eval|compile|__import__)\s*\(", text):
        escapes = _ESCAPES.findall(text)
        if len(escapes) >= 200 and sum(map(len, escapes)) > 0.3 * len(text):
            out.append(_ind("obfuscation", _sev("high", role), f"{rel}: {len(escapes)} escape sequences make up "
                            f"{100 * sum(map(len, escapes)) // len(text)}% of the file (hidden strings)"))
    return out


def _top_level_lines(tree: ast.Module) -> set[int]:
    """Lines of calls made by module-level code (inside if/try/with too, not inside def/class)."""
    top: list[ast.AST] = []
    todo = list(tree.body)
    while todo:  # module level, including inside if/try/with, not inside def/class
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        top.append(node)
        for field in ("body", "orelse", "finalbody", "handlers"):
            todo += [n for n in getattr(node, field, []) or [] if isinstance(n, ast.AST)]
    return {n.lineno for t in top for n in pyflow.walk(t) if isinstance(n, ast.Call)
            and not isinstance(t, (ast.If, ast.Try, ast.With))} | {t.lineno for t in top if isinstance(t, ast.Expr)}


def _import_time(rel: str, tree: ast.Module, flows, role: str) -> list[Indicator]:
    """Processes started or network used by module-level code of package code: it runs on import."""
    if role != "module" or not rel.endswith("__init__.py"):  # what `import pkg` runs
        return []
    out = []
    lines = _top_level_lines(tree)
    for line, name, node in flows.calls:
        if line not in lines:
            continue
        if pyflow._is_process(name):
            sev, what = _process_severity(node)
            if sev != "low":
                out.append(_ind("setup_process", sev, f"{rel}:{line} {name}() at import {what}"))
        elif pyflow._is_network(name):
            out.append(_ind("setup_network", "medium", f"{rel}:{line} {name}() at import"))
    return out


def _decoded_constants(rel: str, nodes: list[ast.AST], role: str) -> list[Indicator]:
    """Base64 constants decoded (never run) and read like code: `curl ... | bash` hidden in base64."""
    out = []
    for node in nodes:
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and 16 <= len(node.value) <= 200_000 \
                and len(node.value) % 4 == 0 and _B64_CONST.match(node.value):
            try:
                plain = base64.b64decode(node.value, validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                continue
            found = analyze_text(f"{rel}:{node.lineno} (base64)", plain, role)
            if not found and role in ("build", "module") and _SUSPICIOUS_CMD.search(plain) and \
                    re.search(r"https?://|\bimport\b|/bin/|\.exe\b", plain):
                found = [_ind("encoded_exec", _sev("high", role), f"{rel}:{node.lineno} base64 constant hides "
                              f"{plain[:60]!r}")]
            out += [_ind(i.id, i.severity, i.evidence + " hidden in base64") for i in found]
    return out


_PY_EXEC_DECODE = re.compile(r"\b(exec|eval)\s*\((?:(?!\n\S).){0,300}?(b64decode|b32decode|b85decode|fromhex|unhexlify|"
                             r"decompress|marshal\.loads|decode\(\s*['\"](?:base64|hex|rot13|zlib)|\\x[0-9a-f]{2})", re.I | re.S)
_PY_EXEC = re.compile(r"\b(exec|eval|execfile)\s*\(")
_PY_NET = re.compile(r"\b(urlopen|urlretrieve|requests\.(get|post)|urllib2?\.|socket\.socket|httplib|http\.client)\b")
_NET_MODULES = r"(?:requests|httpx|aiohttp|urllib[23]?|socket|http\.client|httplib|pycurl|ftplib|smtplib|telnetlib|" \
               r"websocket|dns|wget|paramiko)\b"
_PY_NET_IMPORT = re.compile(r"^\s*(?:from\s+" + _NET_MODULES + r"|import\s+(?:[\w.]+(?:\s+as\s+\w+)?\s*,\s*)*"
                            + _NET_MODULES + ")", re.M)
_URL = re.compile(r"\b(?:https?|ftp)://[^\s'\"<>]+")
_PY_PROC = re.compile(r"\b(os\.system|os\.popen|subprocess\.\w+|os\.startfile|commands\.getoutput)\s*\(")


def python_patterns(rel: str, text: str, role: str, together: bool = True) -> list[Indicator]:
    """Token-level fallback for Python that does not parse (Python 2, fragments, broken on purpose).

    `together=False` drops the crude "exec and a fetch in one file" finding: for tests and vendored
    code read by patterns by choice it is noise (six, test helpers), where ast would find no flow."""
    out, build = [], role == "build"
    m = _PY_EXEC_DECODE.search(text)
    if m:
        out.append(_ind("encoded_exec", "critical" if build else _sev("high", role),
                        f"{rel}:{text.count(chr(10), 0, m.start()) + 1} {m.group(0)[:80]!r} (pattern)"))
    if together and _PY_EXEC.search(text) and _PY_NET.search(text):
        out.append(_ind("download_execute", "high" if build else _sev("medium", role),
                        f"{rel}: exec/eval and a network fetch in one file (pattern)"))
    if build:
        for rx, id_ in ((_PY_PROC, "setup_process"), (_PY_NET, "setup_network")):
            m = rx.search(text)
            if m:
                line_end = text.find("\n", m.start())
                line = text[m.start(): line_end if line_end > 0 else None]
                sev = "high" if id_ == "setup_network" or _SUSPICIOUS_CMD.search(line) else "medium"
                out.append(_ind(id_, sev, f"{rel}:{text.count(chr(10), 0, m.start()) + 1} {line[:80]!r} (pattern)"))
    return out


# ------------------------------------------------------------------ any text

EXFIL_HOSTS = ("burpcollaborator.net", "oastify.com", "oast.fun", "oast.live", "oast.me", "oast.online", "oast.pro",
               "oast.site", "interact.sh", "interactsh.com", "dnslog.cn", "ceye.io", "requestbin.net", "requestbin.com",
               "pipedream.net", "webhook.site", "canarytokens.com", "ngrok.io", "ngrok-free.app", "ngrok.app",
               "beeceptor.com", "requestcatcher.com", "hookbin.com", "trycloudflare.com", "serveo.net", "localtunnel.me",
               "loca.lt", "requestrepo.com", "rbndr.us", "transfer.sh", "anonfiles.com", "bashupload.com")
EXFIL_ENDPOINT = re.compile(
    r"discord(?:app)?\.com/api/webhooks/\d{6,}/[\w-]{20,}"
    r"|api\.telegram\.org/bot\d{6,}:[\w-]{20,}"
    r"|hooks\.slack\.com/services/T\w{6,}/B\w{6,}/\w{10,}"
    r"|(?<![\w:])\d{8,10}:AA[\w-]{33}(?![\w-])"  # a Telegram bot token on its own
    r"|(?<![\w.-])(?:[\w-]+\.){0,6}(?:" + "|".join(re.escape(h) for h in EXFIL_HOSTS) + r")\b", re.I)
RAW_IP_URL = re.compile(
    r"\b(?:https?|ftp|tcp)://(?!(?:127|10|0)\.|192\.168\.|172\.(?:1[6-9]|2\d|3[01])\.|169\.254\.|192\.0\.2\.|198\.51\.100\."
    r"|203\.0\.113\.|255\.)(?:\d{1,3}\.){3}\d{1,3}\b", re.I)
_EXFIL_GATES = ("webhooks/", "api.telegram.org/bot", "hooks.slack.com", ":aa") + EXFIL_HOSTS
WINDOWS_PAYLOAD = re.compile(
    r"Start Menu[\\/]+Programs[\\/]+Startup|shell:startup|CurrentVersion[\\/]+Run(?:Once)?\b"
    r"|powershell(?:\.exe)?[^\n]{0,80}(?:-w(?:indowstyle)?\s+hidden|-enc(?:odedcommand)?\s|-e\s+[A-Za-z0-9+/=]{40}"
    r"|-ep\s+bypass|-executionpolicy\s+bypass|add-mppreference)"
    r"|\bmshta(?:\.exe)?\s|schtasks(?:\.exe)?[^\n]{0,40}/create|rundll32[^\n]{0,60}javascript|bitsadmin[^\n]{0,40}/transfer"
    r"|VirtualAlloc(?:Ex)?\b[\s\S]{0,600}CreateThread|\battrib\s+\+h\b|\bpythonw(?:\.exe)?['\"]?\s*[,+]?\s*['\"]?[^\n]{0,60}\.pyw?\b"
    r"|\bstart\s+/b\s|Set-MpPreference", re.I)
HIDDEN_CODE = re.compile(r"\S[ \t]{200,}(?:;|import |exec|eval|__import__)")


_RAW_IP_GATES = ("://1", "://2", "://3", "://4", "://5", "://6", "://7", "://8", "://9")
_WINDOWS_GATES = ("startup", "currentversion", "powershell", "mshta", "schtasks", "rundll32", "bitsadmin",
                  "virtualalloc", "attrib", "pythonw", "/b", "mppreference")


def analyze_text(rel: str, text: str, role: str) -> list[Indicator]:
    """Pattern findings that apply to any code file (shell, JS, Python, build scripts)."""
    out = []
    build = role == "build"
    lower = text.lower()
    for pattern, id_, sev in ((DOWNLOAD_EXEC, "download_execute", "critical" if build else _sev("high", role)),
                              (REVERSE_SHELL, "reverse_shell", "critical" if build else _sev("critical", role)),
                              (CREDENTIAL_PATHS, "credential_paths", "high" if build else _sev("low", role))):
        m = gated_search(pattern, text, lower, _GATES[id_])
        if m:
            line = text.count("\n", 0, m.start()) + 1
            out.append(_ind(id_, sev, f"{rel}:{line} {m.group(0)[:100]!r}"))
    for pattern, id_, sev, gates in (
            (EXFIL_ENDPOINT, "exfil_endpoint", "high", _EXFIL_GATES),
            (RAW_IP_URL, "exfil_endpoint", "high", _RAW_IP_GATES),
            (WINDOWS_PAYLOAD, "windows_payload", "high", _WINDOWS_GATES)):
        m = gated_search(pattern, text, lower, gates)
        if m:
            line = text.count("\n", 0, m.start()) + 1
            severity = "critical" if build else _sev(sev, role)
            if pattern is RAW_IP_URL and not build:
                # extractors and docs name public IPs; a beacon's file talks to the network itself
                talks = not rel.endswith((".py", ".pyw")) or _PY_NET.search(text) or _PY_NET_IMPORT.search(text)
                severity = _sev("medium", role) if talks else "info"
            if id_ == "windows_payload" and role == "module" and "pythonw" in m.group(0).lower():
                severity = "medium"
            out.append(_ind(id_, severity, f"{rel}:{line} {m.group(0).strip()[:100]!r}"))
    lines = text.split("\n") if len(text) > 200 else []
    for k, ln in enumerate(lines):  # code hidden after a run of spaces: one line of 200+ characters
        if len(ln) > 200 and (m := HIDDEN_CODE.search(ln)):
            out.append(_ind("obfuscation", "high" if build else _sev("high", role),
                            f"{rel}:{k + 1} {f'code after {len(m.group(0)) - 2} spaces'!r}"))
            break
    long_lines = [ln for ln in (_URL.sub("", ln) for ln in lines if len(ln) > 2000)
                  if len(ln) > 2000]  # a long URL is an address, not a payload
    if long_lines and not rel.endswith((".min.js", ".map", ".json", ".svg", ".css")):
        worst = max(long_lines, key=len)
        if worst.count(" ") < len(worst) // 50 and entropy(worst) > 5.3:
            out.append(_ind("obfuscation", _sev("medium", role),
                            f"{rel}: line of {len(worst)} characters, entropy {entropy(worst):.1f} bits/char"))
    return out


def analyze_js(rel: str, text: str, role: str) -> list[Indicator]:
    out = []
    build = role == "build"
    m = JS_ENCODED_EXEC.search(text)
    if m:
        out.append(_ind("encoded_exec", "critical" if build else _sev("high", role), f"{rel}: {m.group(0)[:100]!r}"))
    if len(JS_OBFUSCATOR.findall(text)) >= 20 and not rel.endswith(".min.js"):
        out.append(_ind("obfuscation", "high" if build else _sev("medium", role),
                        f"{rel}: javascript-obfuscator style identifiers (_0x...)"))
    if build:
        if JS_NETWORK.search(text):
            out.append(_ind("setup_network", "high", f"{rel} (run at install) uses the network"))
        if JS_PROCESS.search(text):
            sev, what = _js_process_severity(text)
            out.append(_ind("setup_process", sev, f"{rel} (run at install) {what}"))
    return out


JS_PROCESS_CALL = re.compile(r"\b(?:execSync|execFileSync|spawnSync|execFile|spawn|exec|fork)\s*\(([^)]{0,300})\)")
JS_STRING = re.compile(r"""(['"`])((?:\\.|(?!\1).){0,300}?)\1""")


def _js_process_severity(text: str) -> tuple[str, str]:
    """How bad an install script's process starts look, from the command strings of each call
    (as for setup.py): `execFileSync("git", ["--version"])` is a build step, `exec("curl ...|sh")`
    is not; a command built at run time stays medium, and a child_process with no call we can read
    high, as before."""
    calls = JS_PROCESS_CALL.findall(text)
    if not calls:
        return "high", "starts processes"
    found = []
    for args in calls:
        strings = [m.group(2) for m in JS_STRING.finditer(args)]
        computed = not strings or "${" in args
        found.append(("medium", "starts a process with a computed command") if computed
                     else _command_severity(" ".join(strings)))
    return _worst(found)


def summarize(inds: list[Indicator]) -> list[Indicator]:
    """One indicator per id for a package (the most severe), noting how many more there were.

    A big package repeating a benign pattern in 50 files must not look 50 times as bad.
    """
    groups: dict[str, list[Indicator]] = {}
    for i in inds:
        groups.setdefault(i.id, []).append(i)
    out = []
    for items in groups.values():
        top = max(items, key=lambda i: SEVERITY_RANK[i.severity])
        if len(items) > 1:
            top = Indicator(top.id, top.severity, f"{top.evidence} (+{len(items) - 1} more)", source=top.source,
                            extra={**top.extra, "count": len(items)})
        out.append(top)
    return out


def _dedupe(inds: list[Indicator]) -> list[Indicator]:
    seen, out = set(), []
    for i in inds:
        key = (i.id, i.evidence)
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out


def _npm_scripts(root: Path) -> tuple[dict[str, str], list[Indicator], set[str]]:
    """Lifecycle scripts of the top package.json, the indicator for them, and files they run."""
    manifests = sorted(root.glob("*/package.json")) + sorted(root.glob("package.json"))
    for manifest in manifests:
        try:
            doc = json.loads(manifest.read_text(encoding="utf-8", errors="replace"))
        except ValueError:
            continue
        scripts = {k: str(v) for k, v in (doc.get("scripts") or {}).items() if k in LIFECYCLE}
        found = install_scripts(scripts, "package.json")
        if found is None:
            return {}, [], set()
        base = manifest.parent
        runs = set()
        for cmd in scripts.values():
            for tok in re.findall(r"[\w./-]+\.(?:js|cjs|mjs|sh|py)\b", cmd):
                runs.add(str((base / tok).resolve().relative_to(root.resolve())) if (base / tok).exists() else tok)
        return scripts, [found], runs
    return {}, [], set()


def _is_pure(root: Path, files: list[Path], ecosystem: Ecosystem) -> bool:
    """No native sources or build files, and (for wheels) a py3-none-any tag."""
    if any(p.suffix in NATIVE_SOURCES for p in files) or any(p.name in ("binding.gyp", "CMakeLists.txt", "Cargo.toml") for p in files):
        return False
    wheel_files = [p for p in files if p.name == "WHEEL" and p.parent.name.endswith(".dist-info")]
    for wf in wheel_files:
        text = wf.read_text(errors="replace")
        if "Root-Is-Purelib: false" in text or re.search(r"Tag: .*-(?!none-any)", text):
            return False
    return True


STREAM_CHUNK = 4 * 1024 * 1024
MAX_PARSE_BYTES = 8 * 1024 * 1024  # larger Python files go through the patterns, not ast (said in the result)
_CODE_SUFFIXES = (".py", ".pyw", ".js", ".cjs", ".mjs", ".ts", ".sh", ".bash", ".ps1", ".bat", ".cmd", ".vbs")


def _read_text(path: Path) -> tuple[str | None, bytes]:
    """Whole text of a file up to MAX_FILE_BYTES (None beyond: streamed instead), and its head."""
    with open(path, "rb") as fh:
        head = fh.read(MAX_FILE_BYTES + 1)
    if len(head) > MAX_FILE_BYTES:
        return None, head[:65536]
    return _decode(head), head[:65536]


def _stream_text(path: Path, rel: str, role: str) -> list[Indicator]:
    """A file too large to hold: every byte through the pattern detectors in overlapping chunks."""
    out: list[Indicator] = []
    size = path.stat().st_size
    with open(path, "rb") as fh:
        tail = b""
        while chunk := fh.read(STREAM_CHUNK):
            window = tail + chunk
            text = _decode(window)
            out += analyze_text(rel, text, role)
            if path.suffix in (".py", ".pyw") or role == "build":
                out += python_patterns(rel, text, role)
            tail = window[-8192:]
    note = _ind("incomplete_analysis", "info", f"{rel}: {size / 2**20:.1f} MiB; read in full through the pattern "
                "detectors, not parsed")
    return [note, *_dedupe(out)]


def _top_build_files(root: Path, files: list[Path]) -> list[Path]:
    out = []
    for path in files:
        rel = path.relative_to(root)
        if path.name in BUILD_FILES and len(rel.parts) <= 2 and (
                path.name == "setup.py" or any((path.parent / f).exists() for f in PROJECT_FILES)):
            out.append(path)
    return out


def analyze_tree(root: Path, ecosystem) -> list[Indicator]:
    """Analyse an unpacked package directory (never following symlinks). Never skips a file quietly."""
    eco = Ecosystem.parse(ecosystem)
    root = Path(root)
    files = [p for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()]
    out: list[Indicator] = []
    if len(files) > MAX_FILES:
        out.append(_ind("incomplete_analysis", "info", f"{len(files)} files; only the first {MAX_FILES} were read"))
        files = files[:MAX_FILES]
    scripts, script_inds, script_files = _npm_scripts(root) if eco is Ecosystem.NPM else ({}, [], set())
    out += script_inds
    for cmd in scripts.values():
        out += analyze_text("package.json (script)", cmd, "build")
    build = build_closure(root, _top_build_files(root, files)) if eco is Ecosystem.PYPI else {}
    binaries = []
    pure = _is_pure(root, files, eco)
    for path in files:
        rel = str(path.relative_to(root))
        role = "build" if path in build or rel in script_files or any(rel.endswith(s) for s in script_files) \
            else file_role(rel)
        try:
            text, head = _read_text(path)
        except OSError as exc:
            out.append(_ind("incomplete_analysis", "info", f"{rel}: unreadable ({exc.strerror})"))
            continue
        magic = next((kind for m, kind in BINARY_MAGIC.items() if head.startswith(m)), None)
        if magic and not (magic == "PE/Windows" and len(head) < 64):
            binaries.append((rel, magic, role))
            continue
        if b"\0" in head[:4096]:
            continue  # data, not code: images, archives, compiled files
        code = path.suffix.lower() in _CODE_SUFFIXES or role == "build" or head.startswith(b"#!")
        if text is None:
            if code:
                out += _stream_text(path, rel, role)
            continue
        is_py = path.suffix in (".py", ".pyw") or path.name in BUILD_FILES or head.startswith(b"#!") and b"python" in head[:80]
        if is_py and (role == "build" or _PY_SIGNALS.search(text)):
            if len(text) > MAX_PARSE_BYTES:
                out.append(_ind("incomplete_analysis", "info", f"{rel}: {len(text) / 2**20:.1f} MiB of Python; patterns only"))
                out += python_patterns(rel, text, role)
            elif role in ("build", "module"):
                out += analyze_python(rel, text, role, build.get(path, ""))
            else:  # tests, docs, dev scripts, vendored copies: every finding there is info, so the
                out += python_patterns(rel, text, role, together=False)  # as much as ast says, at a fraction
        elif path.suffix in (".js", ".cjs", ".mjs", ".ts"):
            out += analyze_js(rel, text, role)
        if code:  # code only: PKG-INFO and READMEs may name paths in prose
            out += analyze_text(rel, text, role)
    if binaries and pure:
        shown = ", ".join(f"{r} ({m})" for r, m, _ in binaries[:3])
        live = [b for b in binaries if b[2] in ("build", "module")]
        programs = [b for b in live if not b[0].lower().endswith((".dll", ".so", ".dylib", ".pyd")) and ".so." not in b[0]]
        # setuptools ships .exe launchers, discord.py opus DLLs, tests ship fixtures: a program in
        # the package itself (not a shared library) is what a dropper carries
        sev = "medium" if programs else "low"
        out.append(_ind("shipped_binary", sev, f"{len(binaries)} executable binar{'y' if len(binaries) == 1 else 'ies'} "
                        f"in a pure {eco.value} package: {shown}"))
    return summarize(_dedupe(out))


def analyze_artifact(path: Path, ecosystem) -> list[Indicator]:
    """Static indicators for a local sdist / wheel / npm tarball / directory. Never runs it."""
    from ..registry.archive import safe_extract
    from ..errors import UnsafeArchiveError

    path = Path(path)
    if path.is_dir():
        return analyze_tree(path, ecosystem)
    with tempfile.TemporaryDirectory(prefix="slopspotter-static-") as tmp:
        try:
            extraction = safe_extract(path, Path(tmp))
        except UnsafeArchiveError as exc:
            return [_ind("unsafe_archive", "high", f"{path.name}: {exc}")]
        return extraction + analyze_tree(Path(tmp), ecosystem)
