"""Static analysis of an artifact's contents (sdist, wheel, npm tarball or a directory).

Archives are unpacked with registry.archive.safe_extract into a temporary directory; nothing
is imported, built or run. Python is read with `ast` (calls and imports, not text that merely
mentions them); JavaScript and shell with patterns. Build-time code (setup.py, build hooks,
npm lifecycle scripts) is what runs on `pip install` / `npm install`, so findings there weigh
more than the same finding in library code.
"""

from __future__ import annotations

import ast
import json
import math
import re
import tempfile
from collections import Counter
from functools import lru_cache
from pathlib import Path

from ..ecosystems import Ecosystem
from ..indicators import Indicator
from .scripts import LIFECYCLE, install_scripts

MAX_FILES = 5000
MAX_FILE_BYTES = 2 * 1024 * 1024
BUILD_FILES = {"setup.py", "build.py", "hatch_build.py", "pdm_build.py", "build_backend.py",
               "_build_backend.py"}  # build-time only at the package top (sdist root or one below)
PROJECT_FILES = ("pyproject.toml", "setup.cfg", "setup.py")  # a build hook sits beside one of these
NATIVE_SOURCES = {".c", ".cc", ".cpp", ".cxx", ".pyx", ".rs", ".go", ".f90", ".cu"}
BINARY_MAGIC = {b"\x7fELF": "ELF", b"MZ": "PE/Windows", b"\xcf\xfa\xed\xfe": "Mach-O",
                b"\xfe\xed\xfa\xcf": "Mach-O", b"\xca\xfe\xba\xbe": "Mach-O universal"}

NETWORK_MODULES = frozenset({"socket", "urllib", "urllib.request", "urllib2", "http.client", "httplib",
                   "requests", "httpx", "aiohttp", "ftplib", "smtplib", "telnetlib", "urllib3", "pycurl"})
PROCESS_CALLS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
                 "subprocess.Popen", "subprocess.getoutput", "subprocess.getstatusoutput", "os.system",
                 "os.popen", "os.spawnl", "os.spawnv", "os.spawnlp", "os.spawnvp", "os.execv", "os.execve",
                 "os.execl", "os.execvp", "pty.spawn", "os.startfile", "commands.getoutput"})
NETWORK_CALLS = frozenset({"urllib.request.urlopen", "urlopen", "urllib.request.urlretrieve", "urlretrieve",
                 "requests.get", "requests.post", "requests.request", "httpx.get", "httpx.post",
                 "socket.socket", "socket.create_connection", "http.client.HTTPConnection",
                 "http.client.HTTPSConnection", "urllib2.urlopen"})
EXEC_CALLS = frozenset({"exec", "eval", "compile", "__import__", "builtins.exec", "builtins.eval", "execfile",
              "runpy.run_path", "runpy.run_module", "importlib.import_module"})
DECODE_CALLS = frozenset({"base64.b64decode", "base64.b32decode", "base64.b85decode", "base64.a85decode",
                "base64.decodebytes", "base64.urlsafe_b64decode", "b64decode", "bytes.fromhex",
                "binascii.unhexlify", "binascii.a2b_base64", "codecs.decode", "zlib.decompress",
                "marshal.loads", "lzma.decompress", "bz2.decompress", "gzip.decompress", "unhexlify",
                "pickle.loads"})
SOCKET_CALLS = frozenset({"socket.socket", "socket.create_connection"})

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
# cheap substring gates before the expensive patterns (most files contain none of these)
_PY_INTERESTING = re.compile(r"\b(exec|eval|compile|subprocess|system|popen|socket|urlopen|urlretrieve|requests|"
                             r"dup2|marshal|b64decode|fromhex|unhexlify|decompress|spawn)\b|[A-Za-z0-9+/=]{1000}")
_GATES = {
    "download_execute": ("curl", "wget", "powershell", "invoke-webrequest", "certutil"),
    "reverse_shell": ("/dev/tcp", "/dev/udp", "nc ", "ncat", "bash -i", "mkfifo", "socat", "sh -i", "net.socket"),
    "credential_paths": (".aws", ".ssh", ".npmrc", ".pypirc", "credentials", ".docker", ".kube", "shadow", ".gnupg",
                         ".netrc", "login data", "local state", "logins.json", "key4.db", "cookies.sqlite",
                         "leveldb", "gcloud", "keychain", "wallet", "history", "keystore", "electrum"),
}
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


def _dotted(node: ast.AST) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(_dotted(node.func) + "()")
    return ".".join(reversed(parts))


class _PyVisitor(ast.NodeVisitor):
    """Collects imports, calls (with import aliases resolved) and long string constants."""

    def __init__(self):
        self.aliases: dict[str, str] = {}
        self.imports: set[str] = set()
        self.calls: list[tuple[int, str, ast.Call]] = []
        self.strings: list[tuple[int, str]] = []

    def visit_Import(self, node):
        for a in node.names:
            self.imports.add(a.name)
            self.aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]

    def visit_ImportFrom(self, node):
        mod = node.module or ""
        self.imports.add(mod)
        for a in node.names:
            self.aliases[a.asname or a.name] = f"{mod}.{a.name}" if mod else a.name

    def visit_Call(self, node):
        name = _dotted(node.func)
        head, _, rest = name.partition(".")
        if head in self.aliases:
            name = self.aliases[head] + (f".{rest}" if rest else "")
        self.calls.append((node.lineno, name, node))
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, (str, bytes)) and len(node.value) >= 200:
            text = node.value if isinstance(node.value, str) else node.value.decode("latin-1")
            self.strings.append((node.lineno, text))


@lru_cache(maxsize=None)
def _tails(names: frozenset[str]) -> tuple[frozenset, tuple]:
    """(bare function names, ".dotted" suffixes) of a call-name set (frozensets cache their hash)."""
    return frozenset(n for n in names if "." not in n), tuple("." + n for n in names if "." in n)


def _matches(name: str, names: frozenset[str]) -> bool:
    """Exact dotted name, a dotted suffix of it, or a bare function name (aliases resolved earlier)."""
    bare, dotted = _tails(names)
    return name in names or name.rsplit(".", 1)[-1] in bare or name.endswith(dotted)


def _calls_in(node: ast.AST) -> list[str]:
    return [_dotted(n.func) for n in ast.walk(node) if isinstance(n, ast.Call)]


def analyze_python(rel: str, text: str, build_time: bool) -> list[Indicator]:
    """ast-based findings for one Python file; syntax errors fall back to text patterns only."""
    out: list[Indicator] = []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return out
    v = _PyVisitor()
    v.visit(tree)
    where = "build-time " if build_time else ""
    for line, name, node in v.calls:
        is_exec = _matches(name, EXEC_CALLS) and name.split(".")[-1] in {"exec", "eval", "compile", "execfile"}
        if is_exec:
            inner = _calls_in(node)
            decoders = [c for c in inner if _matches(c, DECODE_CALLS) or c.endswith(".decode") and "b64" in c]
            fetchers = [c for c in inner if _matches(c, NETWORK_CALLS) or c.endswith(".read")]
            if decoders:
                out.append(_ind("encoded_exec", "critical" if build_time else "high",
                                f"{rel}:{line} {name}() of decoded data ({', '.join(sorted(set(decoders)))})"))
            elif any(_matches(c, NETWORK_CALLS) for c in fetchers):
                out.append(_ind("download_execute", "critical", f"{rel}:{line} {name}() of data fetched from the network"))
            elif build_time and node.args and not isinstance(node.args[0], ast.Constant):
                out.append(_ind("setup_exec", "high", f"{rel}:{line} {where}{name}() of computed code"))
        elif _matches(name, DECODE_CALLS) and name.split(".")[-1] in {"loads"} and "marshal" in name:
            out.append(_ind("encoded_exec", "high", f"{rel}:{line} marshal.loads (code objects hidden as bytes)"))
        if build_time and _matches(name, PROCESS_CALLS):
            out.append(_ind("setup_process", "high", f"{rel}:{line} {where}{name}()"))
        if build_time and _matches(name, NETWORK_CALLS):
            out.append(_ind("setup_network", "high", f"{rel}:{line} {where}{name}()"))
        if name.endswith("dup2") and any(_matches(c, SOCKET_CALLS) for _, c, _ in v.calls):
            out.append(_ind("reverse_shell", "critical", f"{rel}:{line} socket + os.dup2 (stdio bound to a socket)"))
    if build_time and not any(i.id == "setup_network" for i in out):
        net = sorted(v.imports & NETWORK_MODULES)
        if net:
            out.append(_ind("setup_network", "medium", f"{rel} imports {', '.join(net)} at build time"))
    for line, s in v.strings:
        if s.count(" ") > len(s) // 50:  # prose and docstrings have spaces; packed payloads do not
            continue
        compact = re.sub(r"\s+", "", s)
        if len(compact) >= 1000 and entropy(compact) > 5.3:
            out.append(_ind("obfuscation", "medium",
                            f"{rel}:{line} {len(compact)}-character string with entropy {entropy(compact):.1f} bits/char"))
            break
    return _dedupe(out)


def analyze_text(rel: str, text: str, build_time: bool) -> list[Indicator]:
    """Pattern findings that apply to any text file (shell, JS, Python, config)."""
    out = []
    lower = text.lower()
    for pattern, id_, sev in ((DOWNLOAD_EXEC, "download_execute", "critical" if build_time else "high"),
                              (REVERSE_SHELL, "reverse_shell", "critical"),
                              (CREDENTIAL_PATHS, "credential_paths", "high" if build_time else "low")):
        if not any(g in lower for g in _GATES[id_]):
            continue
        m = pattern.search(text)
        if m:
            line = text.count("\n", 0, m.start()) + 1
            out.append(_ind(id_, sev, f"{rel}:{line} {m.group(0)[:100]!r}"))
    long_lines = [ln for ln in text.splitlines() if len(ln) > 2000] if len(text) > 2000 else []
    if long_lines and not rel.endswith((".min.js", ".map", ".json", ".svg", ".css")):
        worst = max(long_lines, key=len)
        if worst.count(" ") < len(worst) // 50 and entropy(worst) > 5.3:
            out.append(_ind("obfuscation", "medium",
                            f"{rel}: line of {len(worst)} characters, entropy {entropy(worst):.1f} bits/char"))
    return out


def analyze_js(rel: str, text: str, build_time: bool) -> list[Indicator]:
    out = []
    m = JS_ENCODED_EXEC.search(text)
    if m:
        out.append(_ind("encoded_exec", "critical" if build_time else "high", f"{rel}: {m.group(0)[:100]!r}"))
    if len(JS_OBFUSCATOR.findall(text)) >= 20 and not rel.endswith(".min.js"):
        out.append(_ind("obfuscation", "high" if build_time else "medium",
                        f"{rel}: javascript-obfuscator style identifiers (_0x...)"))
    if build_time:
        if JS_NETWORK.search(text):
            out.append(_ind("setup_network", "high", f"{rel} (run at install) uses the network"))
        if JS_PROCESS.search(text):
            out.append(_ind("setup_process", "high", f"{rel} (run at install) starts processes"))
    return out


def summarize(inds: list[Indicator]) -> list[Indicator]:
    """One indicator per id for a package (the most severe), noting how many more there were.

    A big package repeating a benign pattern in 50 files must not look 50 times as bad.
    """
    from ..indicators import SEVERITY_RANK

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


def analyze_tree(root: Path, ecosystem) -> list[Indicator]:
    """Analyse an unpacked package directory (never following symlinks)."""
    eco = Ecosystem.parse(ecosystem)
    root = Path(root)
    files = [p for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()][:MAX_FILES]
    out: list[Indicator] = []
    scripts, script_inds, script_files = _npm_scripts(root) if eco is Ecosystem.NPM else ({}, [], set())
    out += script_inds
    for cmd in scripts.values():
        out += analyze_text("package.json (script)", cmd, build_time=True)
    binaries = []
    pure = _is_pure(root, files, eco)
    for path in files:
        rel = str(path.relative_to(root))
        try:
            with open(path, "rb") as fh:
                head = fh.read(MAX_FILE_BYTES)
        except OSError:
            continue
        magic = next((kind for m, kind in BINARY_MAGIC.items() if head.startswith(m)), None)
        if magic and not (magic == "PE/Windows" and len(head) < 64):
            binaries.append(f"{rel} ({magic})")
            continue
        if b"\0" in head[:4096]:
            continue
        text = head.decode("utf-8", errors="replace")
        top_build = path.name in BUILD_FILES and len(Path(rel).parts) <= 2 and (
            path.name == "setup.py" or any((path.parent / f).exists() for f in PROJECT_FILES))
        build_time = top_build or rel in script_files or any(rel.endswith(s) for s in script_files)
        if (path.suffix in (".py", ".pyw") or top_build) and (build_time or _PY_INTERESTING.search(text)):
            out += analyze_python(rel, text, build_time)
        elif path.suffix in (".js", ".cjs", ".mjs", ".ts"):
            out += analyze_js(rel, text, build_time)
        scripted = path.suffix in (".py", ".pyw", ".js", ".cjs", ".mjs", ".ts", ".sh", ".bash", ".ps1", ".bat",
                                   ".cmd") or (path.suffix == "" and text.startswith("#!"))
        if scripted or top_build:  # code only: PKG-INFO and READMEs may name paths in prose
            out += analyze_text(rel, text, build_time)
    if binaries and pure:
        in_tests = all(re.search(r"(^|/)(tests?|testdata|fixtures)/", b) for b in binaries)
        out.append(_ind("shipped_binary", "low" if in_tests else "medium",
                        f"{len(binaries)} executable binar{'y' if len(binaries) == 1 else 'ies'} in a pure "
                        f"{eco.value} package: {', '.join(binaries[:3])}"))
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
