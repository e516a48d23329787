"""What flows where in one Python file (read with `ast`, never run).

Malware rarely nests its calls: it downloads on one line and executes on the next, decodes into
a variable, renames `exec`, or reads the host name into a string it then sends. A light taint
pass over assignments (in line order, twice, so loops and late definitions settle) labels each
name with where its value came from: NET (fetched from the network), DEC (decoded, decompressed
or an encoded constant), HOST (host, user or environment data), FILE (read from a local file).
Sinks: exec/eval (and their aliases), network calls, process calls.
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass, field

NET, DEC, HOST, FILE, CONST = "NET", "DEC", "HOST", "FILE", "CONST"

NETWORK_CALLS = {"urllib.request.urlopen", "urlopen", "urllib.request.urlretrieve", "urlretrieve",
                 "requests.get", "requests.post", "requests.put", "requests.request", "requests.Session",
                 "httpx.get", "httpx.post", "httpx.Client", "socket.socket", "socket.create_connection",
                 "http.client.HTTPConnection", "http.client.HTTPSConnection", "httplib.HTTPConnection",
                 "httplib.HTTPSConnection", "urllib2.urlopen", "urllib3.PoolManager", "aiohttp.ClientSession",
                 "pycurl.Curl", "ftplib.FTP", "smtplib.SMTP", "smtplib.SMTP_SSL", "telnetlib.Telnet",
                 "wget.download"}  # the `wget` module from PyPI: droppers fetch with it, then startfile
DOWNLOAD_TO_FILE = {"urlretrieve", "urllib.request.urlretrieve", "wget.download"}
SEND_CALLS = NETWORK_CALLS | {"socket.gethostbyname", "socket.getaddrinfo", "socket.gethostbyname_ex",
                              "dns.resolver.resolve", "dns.resolver.query", "resolve", "send", "sendall", "sendto",
                              "connect", "post", "put", "request", "urlencode", "Request", "urllib.request.Request"}
EXEC_NAMES = {"exec", "eval", "execfile", "compile"}
DECODE_CALLS = {"b64decode", "b32decode", "b16decode", "b85decode", "a85decode", "decodebytes", "decodestring",
                "urlsafe_b64decode", "fromhex", "unhexlify", "a2b_base64", "a2b_hex", "decompress", "loads",
                "chr", "b64decode", "rot13", "translate", "reversed"}
# the decoders that turn their argument into hidden text (loads, chr, translate, reversed count only
# in the patterns that name them)
DECODES_ARGUMENT = DECODE_CALLS - {"loads", "chr", "translate", "reversed"}
# identity of the machine and its user (what beacons send); single settings (os.getenv('HTTP_PROXY'))
# and paths are not: network libraries read those all the time
HOST_CALLS = {"getpass.getuser", "socket.gethostname", "platform.node", "os.getlogin", "os.uname", "gethostname",
              "getuser", "getlogin", "socket.getfqdn", "uuid.getnode", "platform.uname"}
PROCESS_TAILS = {"system", "popen", "Popen", "run", "call", "check_call", "check_output", "getoutput",
                 "getstatusoutput", "startfile", "spawnl", "spawnv", "spawnlp", "spawnvp", "execv", "execve",
                 "execl", "execvp", "spawn"}
PROCESS_HEADS = {"os", "subprocess", "commands", "pty", "posix"}
DNS_TOOLS = re.compile(r"\b(nslookup|dig|host|ping|curl|wget)\b")
READ_TAILS = {"read", "read_text", "read_bytes", "open", "join", "dirname", "abspath", "realpath", "Path",
              "fspath", "compile", "strip", "format", "get", "items", "keys", "__file__", "normpath", "splitlines",
              "io.open", "codecs.open", "exists", "isfile", "encode", "decode"}


def walk(node: ast.AST) -> list[ast.AST]:
    """Every node under `node` (itself first), breadth first like `ast.walk` but a few times
    faster: big sdists hold thousands of files and every question about a file walks it."""
    out = [node]
    for cur in out:  # the list grows while it is read
        for name in cur._fields:
            value = getattr(cur, name, None)
            if isinstance(value, ast.AST):
                out.append(value)
            elif isinstance(value, list):
                out += [v for v in value if isinstance(v, ast.AST)]
    return out


def dotted(node: ast.AST) -> str:
    """`a.b.c` for attribute chains; `__import__('os').system` reads as `os.system`."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        inner = dotted(node.func)
        if inner.rsplit(".", 1)[-1] in ("__import__", "import_module") and node.args \
                and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
            parts.append(node.args[0].value)
        else:
            parts.append(inner + "()")
    elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        parts.append(dotted(node.value) + "." + node.slice.value)  # __builtins__['exec']
    return ".".join(reversed(parts))


@dataclass
class Finding:
    kind: str  # decode_exec | download_exec | host_exfil | write_run | marshal_const
    line: int
    detail: str


@dataclass
class FileFlows:
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> imported dotted name
    exec_aliases: set[str] = field(default_factory=set)
    calls: list[tuple[int, str, ast.Call]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)
    nodes: list[ast.AST] = field(default_factory=list)  # every node of the file, walked once


def _tail(name: str) -> str:
    return name.rsplit(".", 1)[-1]


class _Collector:
    def __init__(self, flows: FileFlows):
        self.f = flows
        self.local_funcs: dict[str, set[str]] = {}  # helper name -> labels of what it returns

    def visit_Import(self, node):
        for a in node.names:
            self.f.imports.add(a.name)
            self.f.aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]

    def visit_ImportFrom(self, node):
        mod = node.module or ""
        self.f.imports.add(("." * node.level) + mod)
        for a in node.names:
            self.f.aliases[a.asname or a.name] = f"{mod}.{a.name}" if mod else a.name
            if mod == "builtins" and a.name in EXEC_NAMES:
                self.f.exec_aliases.add(a.asname or a.name)

    def collect(self, kinds: dict[type, list[ast.AST]]) -> None:
        """Imports first (aliases), then every call in line order (write before run)."""
        for node in sorted(kinds.get(ast.Import, []) + kinds.get(ast.ImportFrom, []), key=lambda n: n.lineno):
            if isinstance(node, ast.Import):
                self.visit_Import(node)
            else:
                self.visit_ImportFrom(node)
        calls = sorted(kinds.get(ast.Call, []), key=lambda n: (n.lineno, n.col_offset))
        self.f.calls = [(n.lineno, self.resolve(n.func), n) for n in calls]

    def resolve(self, func: ast.AST) -> str:
        name = dotted(func)
        head, _, rest = name.partition(".")
        if head in self.f.aliases:
            name = self.f.aliases[head] + (f".{rest}" if rest else "")
        return name


def is_exec(name: str, flows: FileFlows) -> bool:
    """exec/eval/execfile, builtins.exec, __builtins__['exec'], or a name bound to one of them.

    compile() alone is no sink: exec(compile(decoded)) is seen at the exec."""
    if name in flows.exec_aliases:
        return True
    tail = _tail(name)
    return tail in EXEC_NAMES and tail != "compile" and (name == tail or name.split(".")[0] in ("builtins", "__builtins__", "__builtin__"))


def _exec_alias_target(value: ast.AST) -> bool:
    if isinstance(value, ast.Name) and value.id in EXEC_NAMES:
        return True
    name = dotted(value)
    if name and _tail(name) in EXEC_NAMES and name.split(".")[0] in ("builtins", "__builtins__", "__builtin__"):
        return True
    if isinstance(value, ast.Call) and dotted(value.func) == "getattr" and len(value.args) >= 2:
        arg = value.args[1]
        return isinstance(arg, ast.Constant) and arg.value in EXEC_NAMES
    return False


def _escaped_constant(node: ast.AST, source: str) -> bool:
    """A bytes constant, or a string written with \\x/\\u escapes or [::-1]-reversed."""
    if isinstance(node, ast.Constant) and isinstance(node.value, bytes) and len(node.value) >= 20:
        return True
    if source and isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) >= 4:
        seg = _segment(source, node)
        esc = re.findall(r"\\x[0-9a-fA-F]{2}|\\[0-7]{3}|\\u[0-9a-fA-F]{4}", seg)
        return len(esc) >= 4 and sum(map(len, esc)) >= 0.6 * len(seg)  # spelled out, not an ANSI colour code
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        step = node.slice.step
        return isinstance(step, ast.UnaryOp) and isinstance(step.operand, ast.Constant) and step.operand.value == 1
    return False


def _segment(source, node: ast.AST) -> str:
    """Source text of a node, from lines split once per file (ast.get_source_segment splits every call)."""
    lines = source if isinstance(source, list) else source.splitlines(keepends=True)
    first, last = node.lineno - 1, (node.end_lineno or node.lineno) - 1
    if first >= len(lines):
        return ""
    if first == last:
        return lines[first][node.col_offset:node.end_col_offset]
    return lines[first][node.col_offset:] + "".join(lines[first + 1:last]) + lines[last][:node.end_col_offset]


def _is_host(name: str) -> bool:
    return name in HOST_CALLS or _tail(name) in {"gethostname", "getuser", "getlogin", "getfqdn", "getnode"}


def _is_process(name: str) -> bool:
    head = name.split(".")[0]
    return _tail(name) in PROCESS_TAILS and (head in PROCESS_HEADS or name in ("system", "popen", "Popen"))


_NET_SUFFIXES = tuple("." + n for n in NETWORK_CALLS if "." in n)


def _is_network(name: str) -> bool:
    return name in NETWORK_CALLS or name.endswith(_NET_SUFFIXES) \
        or _tail(name) in {"urlopen", "urlretrieve"} or name.split(".")[0] in ("requests", "httpx") \
        and _tail(name) in {"get", "post", "put", "request", "patch"}


class _Scopes:
    """Innermost function of a line, so a name tainted in one function does not taint its
    namesake in another (`s = socket.socket()` here, `s = cmd` there)."""

    def __init__(self, nodes: list[ast.AST]):
        spans = sorted((n.lineno, n.end_lineno or n.lineno) for n in nodes
                       if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)))
        self.table: dict[int, tuple[int, int]] = {}
        for start, end in spans:  # earlier (outer) spans first, inner ones overwrite their lines
            for line in range(start, end + 1):
                self.table[line] = (start, end)

    def of(self, line: int) -> tuple[int, int]:
        return self.table.get(line, (0, 0))


def _lookup(taint: dict, scopes: "_Scopes | None", key: str, line: int) -> set[str]:
    if scopes is None:
        return taint.get(key, set())
    return taint.get((scopes.of(line), key), set()) | taint.get(((0, 0), key), set())


def _labels(node: ast.AST, taint: dict, c: _Collector, source, scopes: "_Scopes | None" = None) -> set[str]:
    """Where the value of an expression comes from."""
    out: set[str] = set()
    for sub in walk(node):
        if isinstance(sub, ast.Name):
            out |= _lookup(taint, scopes, sub.id, sub.lineno) - {CONST}
        elif isinstance(sub, ast.Attribute) and taint:
            out |= _lookup(taint, scopes, dotted(sub), sub.lineno) - {CONST}
        elif isinstance(sub, ast.Call):
            name = c.resolve(sub.func)
            tail = _tail(name)
            out |= c.local_funcs.get(name, set()) - {"DECF"}
            if _is_network(name):
                out.add(NET)
            decoder = tail in DECODES_ARGUMENT or \
                tail == "loads" and "marshal" in name or name.endswith("codecs.decode") or \
                tail == "decode" and sub.args and isinstance(sub.args[0], ast.Constant) and \
                str(sub.args[0].value).lower() in _TEXT_DECODERS or \
                "DECF" in c.local_funcs.get(name, ())
            if decoder and _embedded(sub, taint, scopes):  # decoding what the file itself carries, not runtime input
                out.add(DEC)
            if _is_host(name) or name in ("os.environ.items", "os.environ.copy") or \
                    tail in ("dict", "str", "dumps", "repr") and any(dotted(a) == "os.environ" for a in sub.args):
                out.add(HOST)  # the identity, or the whole environment dumped
            if tail in ("read", "read_text", "read_bytes") and not (out & {NET}):
                out.add(FILE)
        elif _escaped_constant(sub, source):
            out.add(DEC)
    return out


def _embedded(call: ast.Call, taint: dict, scopes: "_Scopes | None" = None) -> bool:
    """The call's arguments hold a long literal, or a name assigned one."""
    for a in [*call.args, *(k.value for k in call.keywords)]:
        for n in walk(a):
            if isinstance(n, ast.Constant) and isinstance(n.value, (str, bytes)) and len(n.value) >= 8:
                return True
            if isinstance(n, ast.Name) and CONST in _lookup(taint, scopes, n.id, n.lineno):
                return True
    return False


def _target_keys(t: ast.AST) -> list[str]:
    """Names an assignment binds: `x`, `self.x`, tuple members - never the `self` of `self.x`."""
    if isinstance(t, ast.Name):
        return [t.id]
    if isinstance(t, ast.Attribute):
        return [dotted(t)]
    if isinstance(t, (ast.Tuple, ast.List)):
        return [k for e in t.elts for k in _target_keys(e)]
    if isinstance(t, ast.Starred):
        return _target_keys(t.value)
    return []


def _is_marshal(name: str) -> bool:
    return _tail(name) == "loads" and "marshal" in name


def _local_helpers(kinds: dict[type, list[ast.AST]], flows: FileFlows, c: _Collector) -> None:
    """A local helper that decodes or fetches (and returns) passes that on to its callers.

    Judged by line spans, not by walking every function again (nested defs made that quadratic)."""
    defs = [n for n in flows.nodes if type(n) in (ast.FunctionDef, ast.AsyncFunctionDef)]  # breadth first
    if not defs:
        return
    names = {d.name for d in defs}
    returns = sorted(n.lineno for n in kinds.get(ast.Return, []))
    cand = [(line, name, _tail(name)) for line, name, _ in flows.calls
            if name in names or _is_network(name) or _tail(name) in DECODE_CALLS]
    for fn in defs:  # breadth first, as before: a helper of a helper is known once it was seen
        lo, hi = fn.lineno, fn.end_lineno or fn.lineno
        k = bisect.bisect_left(returns, lo)
        if k == len(returns) or returns[k] > hi:
            continue
        got = set()
        for line, name, tail in cand:
            if lo <= line <= hi:
                if _is_network(name) or NET in c.local_funcs.get(name, ()):
                    got.add(NET)
                if tail in DECODES_ARGUMENT:
                    got.add("DECF")  # decodes its argument: DEC when a caller passes a literal
        if got:
            c.local_funcs[fn.name] = got


_TEXT_DECODERS = ("base64", "hex", "rot13", "rot_13", "zlib", "bz2")
_ENV_DUMP = re.compile(r"environ\.(?:items|copy)\b|\(\s*(?:os\.)?environ\s*[,)]")


def _may_source(name: str, call: ast.Call) -> bool:
    """A call that can start a flow (the sources `_labels` knows): a fetch, a decoder, host identity."""
    tail = _tail(name)
    return _is_network(name) or tail in DECODES_ARGUMENT \
        or _is_host(name) or _is_marshal(name) or name in DOWNLOAD_TO_FILE or name.endswith("codecs.decode") \
        or tail == "decode" and bool(call.args) and isinstance(call.args[0], ast.Constant) \
        and str(call.args[0].value).lower() in _TEXT_DECODERS


def analyze(tree: ast.Module, source: str, nodes: list[ast.AST] | None = None) -> FileFlows:
    """Collect imports, calls and alias bindings; find decode->exec, download->exec, host->network.

    `nodes` is `walk(tree)` when the caller has it: the tree is walked once per file
    (walking it once per question made big sdists take minutes)."""
    flows = FileFlows(nodes=nodes if nodes is not None else walk(tree))
    nodes = flows.nodes
    text = source
    escaped = source.count("\\x") + source.count("\\u") + source.count("\\1") >= 10
    # lines split once (segments of escaped constants are cut from them); None: no escapes to look for
    source = source.splitlines(keepends=True) if escaped else None
    kinds: dict[type, list[ast.AST]] = {}
    for n in nodes:  # one pass sorts the nodes by type; each question then reads only its kind
        kinds.setdefault(type(n), []).append(n)
    c = _Collector(flows)
    c.collect(kinds)
    assigns = sorted((n for t in (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.withitem, ast.For, ast.AsyncFor,
                                  ast.NamedExpr) for n in kinds.get(t, [])),
                     key=lambda n: getattr(n, "lineno", 0) or getattr(getattr(n, "context_expr", None), "lineno", 0))
    for n in assigns:
        if isinstance(n, ast.Assign) and _exec_alias_target(n.value):
            flows.exec_aliases.update(t.id for t in n.targets if isinstance(t, ast.Name))
    if not any(is_exec(n, flows) or _is_network(n) or _is_process(n) or _tail(n) in SEND_CALLS or _is_marshal(n)
               for _, n, _ in flows.calls):
        return flows  # no sink: nothing can flow anywhere
    if not (escaped or "::-1" in text or _ENV_DUMP.search(text) or any(_may_source(n, call) for _, n, call in flows.calls)
            or any(isinstance(n.value, bytes) and len(n.value) >= 20 for n in kinds.get(ast.Constant, []))):
        return flows  # no source (network, decoding, encoded constants, host data): nothing to flow
    taint: dict = {}
    scopes = _Scopes(nodes)
    _local_helpers(kinds, flows, c)
    for _ in range(2):
        for n in assigns:
            if isinstance(n, ast.withitem):
                targets, value = ([n.optional_vars] if n.optional_vars is not None else []), n.context_expr
            elif isinstance(n, (ast.For, ast.AsyncFor)):
                targets, value = [n.target], n.iter
            elif isinstance(n, ast.Assign):
                targets, value = n.targets, n.value
            else:
                targets, value = [n.target], n.value
            if value is None:
                continue
            labels = _labels(value, taint, c, source, scopes)
            if isinstance(value, ast.Constant) and isinstance(value.value, (str, bytes)) and len(value.value) >= 16:
                labels = labels | {CONST}
            if labels:
                scope = scopes.of(getattr(value, "lineno", 0))
                for t in targets:
                    for key in _target_keys(t):
                        taint.setdefault((scope, key), set()).update(labels)
    wrote_net = False
    for line, name, call in flows.calls:
        tail = _tail(name)
        sink = is_exec(name, flows) or _is_network(name) or tail in SEND_CALLS or _is_process(name) \
            or tail in ("write", "write_bytes", "write_text", "urlretrieve") or _is_marshal(name) or name in DOWNLOAD_TO_FILE
        if not sink:
            continue
        args = [*call.args, *(k.value for k in call.keywords)]
        labels = set().union(*(_labels(a, taint, c, source, scopes) for a in args)) if args else set()
        if _is_marshal(name):
            if DEC in labels or _embedded(call, taint, scopes):
                flows.findings.append(Finding("marshal_const", line, f"{name}() of bytes the file carries"))
        elif is_exec(name, flows):
            if NET in labels:
                flows.findings.append(Finding("download_exec", line, f"{name}() of data fetched from the network"))
            elif DEC in labels:
                flows.findings.append(Finding("decode_exec", line, f"{name}() of decoded or encoded data"))
        elif _is_network(name) or "." in name and name in SEND_CALLS or tail in SEND_CALLS and \
                name.split(".")[0] in {"socket", "requests", "httpx", "dns"}:
            if HOST in labels:
                flows.findings.append(Finding("host_exfil", line, f"{name}() sends host/user/environment data"))
        elif _is_process(name):
            text = " ".join(str(s.value) for a in args for s in walk(a)
                            if isinstance(s, ast.Constant) and isinstance(s.value, str))
            if HOST in labels and DNS_TOOLS.search(text):
                flows.findings.append(Finding("host_exfil", line, f"{name}() runs {DNS_TOOLS.search(text).group(0)} "
                                                                  "with host/user data"))
            if DEC in labels and NET not in labels:
                flows.findings.append(Finding("decode_exec", line, f"{name}() runs a decoded command"))
            if NET in labels or wrote_net and (_tail(name) == "startfile"
                                               or re.search(r"\.(exe|bat|cmd|vbs|ps1|scr)\b", text, re.I)):
                flows.findings.append(Finding("write_run", line, f"{name}() runs what was fetched from the network"))
        elif _tail(name) in ("write", "write_bytes", "write_text") and NET in labels:
            wrote_net = True
        if name in DOWNLOAD_TO_FILE or _tail(name) == "urlretrieve":
            wrote_net = True
    return flows


def strings_in(node: ast.AST) -> str:
    """The string constants under a node in source order (`['make'] + jobs + ['install']`)."""
    consts = [n for n in walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return " ".join(str(n.value) for n in sorted(consts, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0))))


def spelled(node: ast.AST, assigned: dict[str, str], skip: frozenset | set = frozenset()) -> str:
    """The strings of an expression in source order, names spelled out by what was assigned to
    them (`base + ['--x']` -> './configure --prefix=%s --x'); names in `skip` left out."""
    parts = sorted((n for n in walk(node) if isinstance(n, ast.Name) and n.id not in skip
                    or isinstance(n, ast.Constant) and isinstance(n.value, str)),
                   key=lambda n: (n.lineno, n.col_offset))
    return " ".join(assigned.get(n.id, "") if isinstance(n, ast.Name) else str(n.value) for n in parts).strip()


_MAX_COMMANDS = 64


class Commands:
    """What a process call may run, followed through helper functions of the same file.

    Build scripts wrap subprocess in helpers (`def call_subprocess(cmd): subprocess.call(cmd)`),
    so the command is a parameter; what the callers pass (`['./configure', ...]`, `['make']`)
    says what runs. Each caller's command is judged on its own, a few helper levels deep.
    """

    def __init__(self, nodes: list[ast.AST], assigned: dict[str, str]):
        self.assigned = assigned
        self.defs: dict[str, ast.FunctionDef] = {}
        self.sites: dict[str, list[ast.Call]] = {}
        spans = []
        for n in nodes:
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.defs.setdefault(n.name, n)
                spans.append((n.lineno, n.end_lineno or n.lineno, n))
            elif isinstance(n, ast.Call):
                self.sites.setdefault(_tail(dotted(n.func)), []).append(n)
        self.spans = sorted(spans, key=lambda s: s[0], reverse=True)

    def _enclosing(self, line: int):
        return next((fn for start, end, fn in self.spans if start <= line <= end), None)

    def texts(self, node: ast.AST, depth: int = 3) -> list[str]:
        """Command texts `node` may hold: its strings and those assigned to its names; for names
        that are parameters of its function, one text per caller with what that caller passes."""
        fn = self._enclosing(getattr(node, "lineno", 0))
        params = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs)] if fn else []
        names = [n.id for n in walk(node) if isinstance(n, ast.Name)]
        own = spelled(node, self.assigned, set(params))
        passed = [n for n in dict.fromkeys(names) if n in params]
        if not passed or depth == 0:
            return [own]
        positional = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]
        out = []
        for site in self.sites.get(fn.name, [])[:50]:
            for name in passed:
                arg = next((k.value for k in site.keywords if k.arg == name), None)
                pos = positional.index(name) if name in positional else -1
                if pos >= 0 and positional[0] in ("self", "cls") and isinstance(site.func, ast.Attribute):
                    pos -= 1  # obj.method(arg): self is not among the call's arguments
                if arg is None and 0 <= pos < len(site.args) and \
                        not any(isinstance(a, ast.Starred) for a in site.args[:pos + 1]):
                    arg = site.args[pos]
                if arg is not None:
                    out += [f"{t} {own}".strip() for t in self.texts(arg, depth - 1)]
            if len(out) >= _MAX_COMMANDS:  # helpers of helpers called from everywhere: enough to judge
                break
        return out[:_MAX_COMMANDS] or [own]
