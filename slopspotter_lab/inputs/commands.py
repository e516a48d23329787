"""The ONE install-command grammar: every `pip install ...`, `npm i ...` etc. in free text.

Text may be Markdown (fences, inline code, prose), a chat transcript (`$ ` / `>>> ` / `In [1]:`
prompts), a shell script, a Dockerfile (`RUN ... && ...`) or a Jupyter notebook (JSON; `!pip` and
`%pip` lines). Lines are joined on `\\` continuations and split on `&&`, `||`, `;` and `|`.
In prose ("run pip install requests to get it"), a command stops at the first word that is
not a package (English words, trailing punctuation). Nothing here runs or fetches anything:
`-r FILE` is read if it exists next to the text (or in the working directory); index URLs
are reported in `notes`, never followed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

from .model import Dependency, InstallCommand
from .specs import npm_dependency, pypi_dependency

# where a command may start: the tool word, optionally after sudo/env/prompt noise
_START = re.compile(
    r"(?<![\w./-])(?:(?:sudo(?:\s+-\S+)*|exec|time|command)\s+)*"
    r"(?P<tool>python(?:3(?:\.\d+)?)?\s+-m\s+pip|py\s+-m\s+pip|pip(?:3(?:\.\d+)?)?|uv\s+pip|uv|poetry|pipx|"
    r"conda|mamba|micromamba|npm|yarn|pnpm|npx|bunx|bun)\s+(?=\S)")
_PROMPT = re.compile(r"^\s*(?:\$|#|>>>|\.\.\.|%|!|In \[\d*\]:|PS [^>]*>|❯|➜)\s*")
_SPLIT = re.compile(r"\s*(?:&&|\|\||;|\|)\s*")
_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE = re.compile(r"`([^`\n]+)`")
_STOP = {  # words that end a command written in prose
    "and", "or", "then", "to", "for", "in", "into", "on", "with", "which", "that", "this", "it",
    "if", "the", "a", "an", "so", "but", "first", "after", "before", "once", "from", "inside",
    "command", "will", "you", "your", "should", "can", "is", "are", "was", "as", "instead",
    "also", "now", "again", "here", "there", "etc", "package", "packages", "library", "via",
    "using", "by", "at", "when", "while", "where", "not", "installed", "anything", "everything",
    "something", "nothing", "else", "unless", "them", "these", "those", "step", "steps", "again,",
}
_DETERMINER = re.compile(r"\b(?:the|a|an|this|that|your|each|every|its|their|our)\s+$", re.I)
_TRAIL = ".,;:!?)]}\"'*_"

# options that take a value, per tool family (so the value is not taken for a package)
_PIP_VALUE = {"-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
              "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
              "--platform", "--python-version", "--implementation", "--abi", "--src",
              "--upgrade-strategy", "--progress-bar", "--log", "--cache-dir", "--trusted-host",
              "--proxy", "--retries", "--timeout", "--exists-action", "--cert", "--client-cert",
              "--python", "-p", "-C", "--config-settings", "--global-option", "--no-binary",
              "--only-binary", "--report", "--root-user-action", "--index", "--default-index",
              "--group", "--optional", "--extra", "--package", "--script", "--tag", "--branch",
              "--rev", "-G", "-E", "--extras", "--source", "--pip-args", "--suffix", "--spec",
              "--index-strategy", "--keyring-provider", "--resolution", "--prerelease",
              "--exclude-newer", "--build-constraint", "--override", "--python-platform",
              "--constraints", "--overrides", "--bounds", "--marker", "-m", "--directory",
              "--project", "--with", "--color", "--config-file", "-n", "--name", "--prefix",
              "--channel", "--revision", "--file", "--environment", "--reinstall-package",
              "--refresh-package", "--no-build-isolation-package", "--link-mode"}
_NPM_VALUE = {"--registry", "--prefix", "--omit", "--include", "--tag", "-w", "--workspace",
              "--filter", "-F", "--cache", "--userconfig", "--scope", "--loglevel", "--install-strategy",
              "-C", "--dir", "--save-prefix", "--network-concurrency", "--cwd", "-c", "--call",
              "--shell", "--node-options", "--config"}
_INDEX_OPTS = {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--index",
               "--default-index", "--registry", "--source", "--trusted-host", "-c", "--channel"}
_CONDA_ONLY = re.compile(r"^(?:python|pip|r-.*|lib.*|cuda.*|cudatoolkit|pytorch-cuda|mkl.*|_.*|"
                         r"openssl|ca-certificates|nodejs|git|gcc.*|gxx.*|cmake|make|ffmpeg|"
                         r"blas|openblas|cudnn|nccl|compilers|conda.*|mamba)$", re.I)


def extract_commands(text: str, source: str | None = None) -> list[InstallCommand]:
    """Every install command in `text`, in order. `source` names the file (for records and to
    find `-r` files next to it); a `.ipynb` source or notebook JSON is read cell by cell."""
    commands: list[InstallCommand] = []
    for line_no, segment, code in _segments(text, source):
        for cmd_text in _SPLIT.split(segment):
            m = _START.search(cmd_text)
            while m and not code and _DETERMINER.search(cmd_text[:m.start("tool")]):
                m = _START.search(cmd_text, m.end())  # "the pip install step": a noun, not a command
            while m:
                cmd, consumed = _parse(cmd_text[m.start("tool"):], m.group("tool"), line_no, code, source)
                if cmd is not None:
                    commands.append(cmd)
                nxt = m.start("tool") + max(consumed, 1)
                m = _START.search(cmd_text, nxt) if not code else None
    return commands


def parse_command(argv: list[str], cwd: str | None = None) -> InstallCommand | None:
    """One argv (as typed after `guard --`) through the same grammar, or None if it is not an
    install command this grammar knows. `-r` files are looked up relative to `cwd`."""
    if not argv:
        return None
    text = shlex.join([os.path.basename(argv[0]), *argv[1:]])  # /usr/bin/python3 -m pip -> python3 -m pip
    m = _START.match(text)
    if not m:
        return None
    source = os.path.join(cwd or os.getcwd(), "<command>")
    cmd, _ = _parse(text[m.start("tool"):], m.group("tool"), 0, True, source, keep_empty=True)
    if cmd is not None:
        cmd.line, cmd.source = None, None
        for dep in cmd.packages:
            if dep.source == source:
                dep.source, dep.line = None, None
    return cmd


# ------------------------------------------------------------------ text -> (line, code?) segments
def _segments(text: str, source: str | None):
    """(line number, text, is_code) for each logical line; notebooks map back to file lines."""
    stripped = text.lstrip()
    if (source and source.endswith(".ipynb")) or (stripped.startswith("{") and '"cells"' in text[:5000]):
        yield from _notebook_segments(text)
        return
    script = bool(source) and _is_script(source) or stripped.startswith("#!")
    yield from _text_segments(text.splitlines(), script, start=1)


def _is_script(source: str) -> bool:
    base = os.path.basename(source).lower()
    return (base.endswith((".sh", ".bash", ".zsh", ".fish", ".ps1", ".bat", ".cmd", ".dockerfile"))
            or base.startswith(("dockerfile", "containerfile")) or base in {"makefile", "justfile", "procfile"})


def _text_segments(lines: list[str], script: bool, start: int, line_of=None):
    in_fence, i = False, 0
    while i < len(lines):
        first = i
        line = lines[i]
        if _FENCE.match(line):
            in_fence = not in_fence
            i += 1
            continue
        # join backslash (shell) and backtick (PowerShell) continuations
        while (line.rstrip().endswith("\\") or line.rstrip().endswith(" `")) and i + 1 < len(lines):
            i += 1
            line = line.rstrip()[:-1] + " " + lines[i].strip()
        i += 1
        where = line_of(first) if line_of else start + first
        code = script or in_fence
        prompt = _PROMPT.match(line)
        if prompt and (code or _START.match(line[prompt.end():])):
            line, code = line[prompt.end():], True
        elif not code and re.match(r"^\s*(?:RUN|CMD|ENTRYPOINT)\s", line):
            line, code = re.sub(r"^\s*\w+\s+", "", line), True  # Dockerfile instruction quoted in prose
        if code:
            if script or in_fence:
                line = _strip_comment(line)
            yield where, line, True
            continue
        # prose: inline code spans are code, the rest is prose
        last = 0
        for m in _INLINE.finditer(line):
            yield where, line[last:m.start()], False
            yield where, m.group(1), True
            last = m.end()
        yield where, line[last:], False


def _strip_comment(line: str) -> str:
    m = re.search(r"(?:^|\s)#", line)
    return line[:m.start()] if m else line


def _notebook_segments(text: str):
    try:
        nb = json.loads(text)
    except ValueError:
        yield from _text_segments(text.splitlines(), False, start=1)
        return
    raw_lines = text.splitlines()
    cursor = 0
    for cell in nb.get("cells", []):
        src = cell.get("source", "")
        src_lines = "".join(src).splitlines() if isinstance(src, list) else str(src).splitlines()
        file_lines = []
        for sl in src_lines:  # find each source line in the file (nbformat writes one per line)
            needle = json.dumps(sl)[1:-1]
            found = next((k for k in range(cursor, len(raw_lines)) if needle and needle in raw_lines[k]), None)
            if found is not None:
                cursor = found
            file_lines.append((found if found is not None else cursor) + 1)
        is_code = cell.get("cell_type") == "code"
        if is_code:  # magics and shell escapes are commands; plain Python lines are not
            src_lines = [re.sub(r"^\s*(?:%{1,2}|!)", "", s) if re.match(r"^\s*(?:%{1,2}|!)", s) else "" for s in src_lines]
        yield from _text_segments(src_lines, is_code, start=1, line_of=lambda k, fl=file_lines: fl[k] if k < len(fl) else None)


# ------------------------------------------------------------------ one command
def _tokens(text: str) -> list[str]:
    try:
        lex = shlex.shlex(text, posix=True, punctuation_chars=False)
        lex.whitespace_split = True
        lex.commenters = ""
        return list(lex)
    except ValueError:  # unbalanced quotes in prose: fall back to whitespace
        return [t.strip("'\"") for t in text.split()]


def _parse(cmd_text: str, tool_word: str, line: int, code: bool, source: str | None, keep_empty: bool = False):
    """(InstallCommand or None, characters consumed)."""
    tokens = _tokens(cmd_text)
    tool_words = 1 if tool_word.startswith("uv") else len(tool_word.split())  # "uv pip": pip is uv's subcommand
    tool_norm = _tool_name(tool_word)
    args = tokens[tool_words:]
    if not code:
        args = _prose_cut(args)
    consumed = len(" ".join(tokens[:tool_words + len(args)]))
    if not args and not (keep_empty and tool_norm in {"npm", "yarn", "pnpm", "bun"}):
        return None, consumed
    eco = "npm" if tool_norm in {"npm", "yarn", "pnpm", "npx", "bunx", "bun"} else "pypi"
    sub, rest = _subcommand(tool_norm, args)
    if sub is None:
        return None, consumed
    cmd = InstallCommand(tool=tool_norm, ecosystem=eco, line=line, source=source, subcommand=sub,
                         text=" ".join(tokens[:tool_words] + args).strip())
    where = {"source": source, "line": line}
    if eco == "pypi":
        _python_args(cmd, tool_norm, sub, rest, where)
    else:
        _npm_args(cmd, tool_norm, sub, rest, where)
    if not cmd.packages and not cmd.notes and not keep_empty:
        return None, consumed
    return cmd, consumed


def _tool_name(word: str) -> str:
    w = word.split()[0]
    if w.startswith(("pip", "py")) and w != "pipx":  # pip, pip3, python -m pip, py -m pip
        return "pip"
    if w in {"mamba", "micromamba"}:
        return "conda"
    return w


def _prose_cut(args: list[str]) -> list[str]:
    """In prose, keep tokens up to the first English word / sentence end."""
    out = []
    for tok in args:
        bare = tok.rstrip(_TRAIL)
        if not bare or bare.lower() in _STOP or not re.match(r"^[-@A-Za-z0-9_.=<>!~^\[\]/:+*,\"']", bare):
            break
        out.append(bare)
        if bare != tok and tok[len(bare):][:1] in ".,;:!?)":
            break
    return out


def _subcommand(tool: str, args: list[str]):
    """(normalised subcommand, remaining args) if this is an install-like command, else (None, _)."""
    first = next((k for k, a in enumerate(args) if not a.startswith("-")), None)
    if tool in {"npx", "bunx"}:
        return "exec", args
    if first is None:
        return None, args
    sub, rest = args[first], args[:first] + args[first + 1:]
    if tool == "pip":
        return ("install", rest) if sub == "install" else (None, rest)
    if tool == "uv":
        if sub == "pip" and rest[first:first + 1] == ["install"]:
            return "pip install", rest[:first] + rest[first + 1:]
        if sub == "tool" and rest[first:first + 1] in (["install"], ["run"]):
            return "tool", rest[:first] + rest[first + 1:]
        return ("add", rest) if sub == "add" else (None, rest)
    if tool == "poetry":
        return ("add", rest) if sub == "add" else (None, rest)
    if tool == "pipx":
        return (sub, rest) if sub in {"install", "run", "inject"} else (None, rest)
    if tool == "conda":
        return ("install", rest) if sub in {"install", "create"} else (None, rest)
    if tool in {"npm", "bun"}:
        if sub in {"i", "install", "add", "isntall", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal"}:
            return "install", rest
        if sub in {"exec", "x"}:
            return "exec", rest
        return None, rest
    if tool == "yarn":
        if sub == "global" and rest[first:first + 1] == ["add"]:
            return "add", rest[:first] + rest[first + 1:]
        return (sub, rest) if sub in {"add", "dlx", "install"} else (None, rest)
    if tool == "pnpm":
        if sub in {"add", "install", "i"}:
            return "add", rest
        return ("dlx", rest) if sub in {"dlx", "exec"} and sub == "dlx" else (None, rest)
    return None, rest


def _python_args(cmd: InstallCommand, tool: str, sub: str, args: list[str], where: dict) -> None:
    i = 0
    conda_channel = None
    while i < len(args):
        tok = args[i]
        opt, val = _option(tok, args, i, _PIP_VALUE)
        if opt:
            i += 2 if val is not None and "=" not in tok and not _attached(tok) else 1
            if tool == "conda" and opt in {"-c", "--channel"}:
                conda_channel = val
                cmd.notes.append(f"conda channel {val}")
                continue
            if opt in {"-r", "--requirement", "-c", "--constraint"} and val:
                _read_requirements(cmd, val, constraint=opt in {"-c", "--constraint"}, where=where)
            elif opt in {"-e", "--editable"} and val:
                cmd.packages.append(pypi_dependency(val, **where))
            elif opt in _INDEX_OPTS and val:
                cmd.notes.append(f"{opt} {val}: reported, not followed (names are checked against the default registry)")
            elif opt == "--spec" and val:
                cmd.packages.append(pypi_dependency(val, **where))
            elif opt == "--with" and val:
                cmd.packages.extend(pypi_dependency(v, **where) for v in val.split(",") if v)
            continue
        if tok.startswith("-"):
            i += 1
            continue
        i += 1
        if tool == "poetry":
            dep = _poetry_spec(tok, where)
        elif tool == "conda":
            dep = _conda_spec(tok, conda_channel, where)
        else:
            dep = pypi_dependency(tok, **where)
        cmd.packages.append(dep)
        if tool == "pipx" and sub == "run":
            break  # the rest are the app's own arguments


def _attached(tok: str) -> bool:
    return len(tok) > 2 and tok[0] == "-" and tok[1] != "-"


def _option(tok: str, args: list[str], i: int, value_opts: set[str]):
    """(option, value or None) if tok is an option; value from '=' or the next token."""
    if not tok.startswith("-") or tok == "-":
        return None, None
    if tok.startswith("--") and "=" in tok:
        opt, val = tok.split("=", 1)
        return opt, val
    if tok in value_opts:
        return tok, args[i + 1] if i + 1 < len(args) else None
    if _attached(tok) and tok[:2] in value_opts and tok[:2] in {"-r", "-c", "-e", "-i", "-f", "-t"}:
        return tok[:2], tok[2:]
    return tok, None


def _poetry_spec(tok: str, where: dict) -> Dependency:
    """Poetry's `name@^1.2`, `name@latest`, `name==1`, git/path/URL refs."""
    m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?@(.+)$", tok)
    if m and not re.match(r"^(git|https?|file)", m.group(3)):
        dep = pypi_dependency(m.group(1) + (m.group(2) or ""), **where)
        if m.group(3) != "latest":
            dep.spec = m.group(3)
            if re.fullmatch(r"=*\d[\w.]*", m.group(3)):
                dep.version = m.group(3).lstrip("=")
        return dep
    return pypi_dependency(tok, **where)


def _conda_spec(tok: str, channel: str | None, where: dict) -> Dependency:
    """conda names are not PyPI names; check them as PyPI names only when that is unambiguous."""
    if "::" in tok:
        channel, tok = tok.split("::", 1)
    m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:(==?|>=|<=|>|<|!=)\s*(\S+))?$", tok)
    if not m:
        return Dependency(name=tok, ecosystem="pypi", checkable=False, note="conda spec not understood", **where)
    name, op, ver = m.groups()
    spec = None if not op else ("==" if op in ("=", "==") else op) + ver
    dep = pypi_dependency(name + (spec or ""), **where)
    if op == "=":
        dep.version, dep.spec = None, f"=={ver}.*" if ver.count(".") < 2 else f"=={ver}"
    if _CONDA_ONLY.match(name) or (channel and channel not in {"conda-forge", "defaults", "anaconda"}):
        dep.checkable = False
        dep.note = f"conda package{' from ' + channel if channel else ''}: no unambiguous PyPI namesake"
    else:
        dep.note = "conda package, checked as its PyPI namesake"
    return dep


def _npm_args(cmd: InstallCommand, tool: str, sub: str, args: list[str], where: dict) -> None:
    kind = "main"
    i = 0
    exec_mode = sub in {"exec", "dlx"}
    explicit = False
    while i < len(args):
        tok = args[i]
        if tok == "--":
            break
        opt, val = _option(tok, args, i, _NPM_VALUE | {"-p", "--package"} if exec_mode else _NPM_VALUE)
        if opt:
            i += 2 if val is not None and "=" not in tok else 1
            if opt in {"-D", "--save-dev", "--dev", "-d"}:
                kind = "dev"
            elif opt in {"-O", "--save-optional", "--optional"}:
                kind = "optional"
            elif opt in {"-P", "--save-peer", "--peer"}:
                kind = "peer"
            elif opt in {"-p", "--package"} and val and exec_mode:
                cmd.packages.append(npm_dependency(val, kind=None, **where))
                explicit = True
            elif opt in {"--registry"} and val:
                cmd.notes.append(f"{opt} {val}: reported, not followed (names are checked against the default registry)")
            continue
        i += 1
        if exec_mode:
            if not explicit:
                cmd.packages.append(npm_dependency(tok, kind=None, **where))
            break  # the rest are the program's arguments
        cmd.packages.append(npm_dependency(tok, kind=kind, **where))


# ------------------------------------------------------------------ -r files
def _read_requirements(cmd: InstallCommand, name: str, constraint: bool, where: dict) -> None:
    from .requirements import read_requirements

    base = Path(where["source"]).parent if where.get("source") else Path.cwd()
    path = next((p for p in (base / name, Path(name)) if p.is_file()), None)
    if path is None:
        cmd.notes.append(f"{'constraints' if constraint else 'requirements'} file {name} not found: its packages are not checked")
        return
    deps = read_requirements(path)
    if constraint:
        for d in deps:
            d.kind = "constraint"
    cmd.packages.extend(deps)
    cmd.notes.append(f"read {len(deps)} entries from {path}")
