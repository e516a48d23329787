"""npm manifests and lockfiles: package.json, package-lock.json / npm-shrinkwrap.json (v1-v3),
yarn.lock (classic v1 and berry), pnpm-lock.yaml (v5, v6, v9). JSON by `json`, YAML by PyYAML;
yarn classic has no kept Python parser, so its small line format is read here."""

from __future__ import annotations

import re
from pathlib import Path

from .model import Dependency, add_note
from .specs import npm_dependency, split_npm
from ._util import Lines, load_json, load_yaml_with_lines, read_text, roots_of, via_map

KINDS = {"dependencies": "main", "devDependencies": "dev", "optionalDependencies": "optional",
         "peerDependencies": "peer"}


# ------------------------------------------------------------------ package.json
def read_package_json(path: Path) -> list[Dependency]:
    text = read_text(path)
    data = load_json(text, path)
    lines = Lines(text)
    out = []
    for section, kind in {**KINDS, "bundleDependencies": "bundled", "bundledDependencies": "bundled"}.items():
        table = data.get(section)
        after = (lines.find(f'"{section}"') or 1) - 1
        if isinstance(table, list):
            table = {n: None for n in table}
        for name, rng in (table or {}).items() if isinstance(table, dict) else ():
            line = lines.find(f'"{name}"', after)
            out.append(npm_dependency(name, str(rng) if rng is not None else "*", source=str(path), line=line, kind=kind))
    return out


def direct_npm(folder: Path) -> list[tuple[str, str]] | None:
    """(name, kind) listed by a package.json beside a lockfile, or None without one."""
    pj = folder / "package.json"
    if not pj.is_file():
        return None
    try:
        data = load_json(read_text(pj), pj)
    except Exception:
        return None
    return [(n, kind) for section, kind in KINDS.items() for n in (data.get(section) or {})]


# ------------------------------------------------------------------ package-lock.json
def read_package_lock(path: Path) -> list[Dependency]:
    text = read_text(path)
    data = load_json(text, path)
    lines = Lines(text)
    if isinstance(data.get("packages"), dict):
        return _lock_v2(data["packages"], path, lines)
    return _lock_v1(data.get("dependencies") or {}, path, lines)


def _resolve_path(pkgs: dict, from_path: str, name: str) -> str | None:
    """Node's lookup: <from>/node_modules/<name>, then each ancestor's node_modules."""
    base = from_path
    while True:
        cand = f"{base}/node_modules/{name}" if base else f"node_modules/{name}"
        if cand in pkgs:
            return cand
        if not base:
            return None
        cut = base.rfind("/node_modules/")
        base = base[:cut] if cut != -1 else ""


def _lock_v2(pkgs: dict, path: Path, lines: Lines) -> list[Dependency]:
    key_line = {m: k + 1 for k, line in enumerate(lines.lines) for m in re.findall(r'^\s*"([^"]*node_modules/[^"]+)": \{', line)}
    root = pkgs.get("") or {}
    graph: dict[str, list[str]] = {}
    for p, info in pkgs.items():
        sects = ["dependencies", "optionalDependencies", "peerDependencies"]
        if "node_modules/" not in p:  # the root and workspace folders: their dev deps are direct too
            sects.append("devDependencies")
        names = [n for sect in sects for n in (info.get(sect) or {})]
        graph[p] = [r for r in (_resolve_path(pkgs, p, n) for n in names) if r]
    workspaces = [p for p, info in pkgs.items() if p and "node_modules/" not in p]  # workspace folders
    direct = [r for src in [""] + workspaces for r in graph.get(src, [])]
    via = via_map(direct, graph)
    out = []
    for p, info in pkgs.items():
        if "node_modules/" not in p or info.get("link"):
            continue
        name = info.get("name") or p.rsplit("node_modules/", 1)[1]
        kind = "dev" if info.get("dev") else "optional" if info.get("optional") or info.get("devOptional") else (
            "peer" if info.get("peer") else "main")
        dep = Dependency(name=name, ecosystem="npm", version=info.get("version"), spec=info.get("version"),
                         source=str(path), line=key_line.get(p), kind=kind,
                         via=None if via.get(p, p) == p else _pkg_name(pkgs, via[p]))
        _mark_resolved(dep, info.get("resolved"), info.get("version"))
        if p.count("node_modules/") > 1:
            add_note(dep, f"nested under {_pkg_name(pkgs, p.rsplit('/node_modules/', 1)[0])}")
        if p not in via and root:
            add_note(dep, "not reachable from the root's dependencies")
        out.append(dep)
    return out


def _pkg_name(pkgs: dict, p: str) -> str:
    return (pkgs.get(p) or {}).get("name") or p.rsplit("node_modules/", 1)[-1]


def _mark_resolved(dep: Dependency, resolved: str | None, version: str | None) -> None:
    ref = resolved or ""
    if version and re.match(r"^(?:git\+|git:|github:|file:|https?://.*\.git|link:)", version):
        ref = version
    if ref and not re.match(r"^https?://", ref) or re.match(r"^https?://[^#]*\.git(?:#|$)", ref):
        dep.checkable, dep.url = False, ref
        dep.note = "git/file reference: not checkable by name"
        dep.version = None


def _lock_v1(deps: dict, path: Path, lines: Lines) -> list[Dependency]:
    flat: list[tuple[str, str, dict, int | None]] = []  # (key path, name, info, line)
    cursor = [0]

    def walk(table, prefix):
        for name, info in table.items():
            line = lines.find(f'"{name}": {{', cursor[0])
            if line:
                cursor[0] = line
            key = f"{prefix}/node_modules/{name}" if prefix else f"node_modules/{name}"
            flat.append((key, name, info, line))
            walk(info.get("dependencies") or {}, key)

    walk(deps, "")
    pkgs = {k: {**info, "name": n} for k, n, info, _ in flat}
    graph = {k: [r for r in (_resolve_path(pkgs, k, n) for n in (info.get("requires") or {})) if r]
             for k, info in pkgs.items()}
    listed = direct_npm(path.parent)
    direct = ([r for r in (_resolve_path(pkgs, "", n) for n, _ in listed) if r] if listed is not None
              else roots_of(graph))
    via = via_map(direct, graph)
    out = []
    for key, name, info, line in flat:
        kind = "dev" if info.get("dev") else "optional" if info.get("optional") else "main"
        dep = Dependency(name=name, ecosystem="npm", version=info.get("version"), spec=info.get("version"),
                         source=str(path), line=line, kind=kind,
                         via=None if via.get(key, key) == key else pkgs[via[key]]["name"])
        _mark_resolved(dep, info.get("resolved"), info.get("version"))
        out.append(dep)
    return out


# ------------------------------------------------------------------ yarn.lock
def read_yarn_lock(path: Path) -> list[Dependency]:
    text = read_text(path)
    if "__metadata:" in text:
        return _yarn_berry(text, path)
    return _yarn_classic(text, path)


def _descriptor_name(desc: str) -> tuple[str, str]:
    name, rng = split_npm(desc.strip().strip('"'))
    return name, rng or ""


def _yarn_classic(text: str, path: Path) -> list[Dependency]:
    entries: list[dict] = []
    cur = None
    section = None
    for k, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line.strip()
        if indent == 0 and body.endswith(":"):
            descs = [d.strip() for d in body[:-1].split(",")]
            cur = {"descs": [_descriptor_name(d) for d in descs], "line": k, "deps": [], "fields": {}}
            entries.append(cur)
            section = None
        elif cur is not None and indent == 2:
            if body.endswith(":"):
                section = body[:-1]
            else:
                key, _, value = body.partition(" ")
                cur["fields"][key.strip('"')] = value.strip().strip('"')
                section = None
        elif cur is not None and indent >= 4 and section in {"dependencies", "optionalDependencies"}:
            key, _, value = body.partition(" ")
            cur["deps"].append((key.strip('"'), value.strip().strip('"')))
    return _yarn_records(entries, path, berry=False)


def _yarn_berry(text: str, path: Path) -> list[Dependency]:
    data, key_lines = load_yaml_with_lines(text, path, depth=1)
    entries = []
    for key, info in (data or {}).items():
        if key == "__metadata" or not isinstance(info, dict):
            continue
        descs = [_descriptor_name(d) for d in str(key).split(",")]
        deps = [(n, str(r)) for sect in ("dependencies", "optionalDependencies") for n, r in (info.get(sect) or {}).items()]
        entries.append({"descs": descs, "line": key_lines.get((key,)), "deps": deps,
                        "fields": {"version": str(info.get("version")), "resolved": str(info.get("resolution") or ""),
                                   "linkType": info.get("linkType")}})
    return _yarn_records(entries, path, berry=True)


def _yarn_records(entries: list[dict], path: Path, berry: bool) -> list[Dependency]:
    by_desc = {}
    for idx, e in enumerate(entries):
        for name, rng in e["descs"]:
            by_desc[(name, rng)] = idx
            if berry and not rng.startswith("npm:") and ":" not in rng:
                by_desc[(name, "npm:" + rng)] = idx

    def target(name, rng):
        return by_desc.get((name, rng), by_desc.get((name, "npm:" + rng) if berry else (name, rng)))

    graph = {i: [t for t in (target(n, r) for n, r in e["deps"]) if t is not None] for i, e in enumerate(entries)}
    workspaces = [i for i, e in enumerate(entries) if any(r.startswith("workspace:") for _, r in e["descs"])]
    listed = direct_npm(path.parent)
    if workspaces:
        direct = [t for w in workspaces for t in graph[w]]
    elif listed is not None:
        direct = [i for i, e in enumerate(entries) if any(n in {m for m, _ in listed} for n, _ in e["descs"])]
    else:
        direct = roots_of(graph)
    via = via_map(direct, graph)
    out = []
    for i, e in enumerate(entries):
        if i in workspaces:
            continue
        name, rng = e["descs"][0]
        version = e["fields"].get("version")
        dep = Dependency(name=name, ecosystem="npm", version=version, spec=", ".join(r for _, r in e["descs"]),
                         source=str(path), line=e["line"],
                         via=None if via.get(i, i) == i else entries[via[i]]["descs"][0][0])
        ref = rng[4:] if rng.startswith("npm:") else rng
        if ref.startswith("npm:"):  # alias to another package
            add_note(dep, f"alias for {ref[4:]}")
        if re.match(r"^(?:git|github:|https?:|file:|link:|portal:|patch:|exec:)", ref):
            dep.checkable, dep.url, dep.version = False, ref, None
            dep.note = "git/URL/path reference: not checkable by name"
        elif not berry:
            _mark_resolved(dep, e["fields"].get("resolved"), version)
        out.append(dep)
    return out


# ------------------------------------------------------------------ pnpm-lock.yaml
_PNPM_KEY = re.compile(r"^/?(?P<name>@[^@/()]+/[^@/()]+|[^@/()]+)[@/](?P<ver>[^()/_]+)")


def read_pnpm_lock(path: Path) -> list[Dependency]:
    text = read_text(path)
    data, key_lines = load_yaml_with_lines(text, path, depth=4)
    data = data or {}
    snaps = data.get("snapshots") or {}
    pkgs = data.get("packages") or {}
    nodes = {**{k: v for k, v in pkgs.items()}, **snaps} if snaps else dict(pkgs)
    importers = data.get("importers") or {".": {s: data.get(s) for s in (*KINDS, "specifiers") if data.get(s)}}
    v5 = str(data.get("lockfileVersion", "")).startswith("5")

    def key_of(name, ver):
        ver = str(ver)
        if ver.startswith(("link:", "file:")):
            return None
        if ver.startswith("/"):  # v6 alias: the full key
            return ver if ver in nodes else None
        for cand in ((f"/{name}/{ver}",) if v5 else (f"{name}@{ver}", f"/{name}@{ver}")):
            if cand in nodes:
                return cand
        return None

    graph = {}
    for k, info in nodes.items():
        info = info or {}
        graph[k] = [t for sect in ("dependencies", "optionalDependencies")
                    for n, v in (info.get(sect) or {}).items() for t in [key_of(n, v)] if t]
    direct, direct_kind = [], {}
    for imp in importers.values():
        for section, kind in KINDS.items():
            for name, spec in ((imp or {}).get(section) or {}).items():
                ver = spec.get("version") if isinstance(spec, dict) else spec
                t = key_of(name, ver)
                if t:
                    direct.append(t)
                    direct_kind.setdefault(t, kind)
    via = via_map(direct, graph)
    out, seen = [], set()
    for k in nodes:
        m = _PNPM_KEY.match(k)
        if not m:
            continue
        name, ver = m.group("name"), m.group("ver")
        if (name, ver) in seen:
            continue  # the same package with other peer sets
        seen.add((name, ver))
        info = pkgs.get(k) or pkgs.get(re.sub(r"\(.*$", "", k)) or {}
        line = key_lines.get(("packages", k)) or key_lines.get(("snapshots", k))
        kind = direct_kind.get(k) or ("dev" if info.get("dev") is True else None)
        dep = Dependency(name=name, ecosystem="npm", version=ver, spec=ver, source=str(path), line=line,
                         kind=kind, via=None if via.get(k, k) == k else _PNPM_KEY.match(via[k]).group("name"))
        res = info.get("resolution") or {}
        if isinstance(res, dict) and ("tarball" in res and not res.get("integrity") or "repo" in res or "directory" in res):
            dep.checkable, dep.url = False, res.get("tarball") or res.get("repo") or res.get("directory")
            dep.note = "git/URL/path reference: not checkable by name"
        out.append(dep)
    return out
