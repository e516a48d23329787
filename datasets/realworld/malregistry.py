"""Real PyPI malware for development: MalRegistry artifacts added before 2025-01-01, as feature rows.

    python datasets/realworld/malregistry.py extract [--repo PATH] [--workdir /tmp/malreg-dev]
    python datasets/realworld/malregistry.py rows    # static analysis of the extracted trees

The repository (GitHub lxyeternal/pypi_malregistry, a clone or a bare mirror) is given by
`--repo` or `$SLOPSPOTTER_MALREGISTRY`. Layout `<name>/<version>/<artifact>`. Only paths whose
every commit (author and committer date) is before 2025-01-01 are used: later ones are kept for
independent evaluation, and this script never reads their contents (it filters on `git log`
before touching a blob).

Safety: blobs are read with `git cat-file`, written under the work directory (which must be
outside this repository; default /tmp/malreg-dev) and unpacked by the project's
`registry.archive.safe_extract`. Nothing is installed, imported or run; static analysis reads
files as text and `ast`. Only features, labels, family ids and provenance (path, sha256) are
committed (`malware_rows.csv`), never the malware.

Families: artifacts whose code is near-identical (same code after names, versions and string
literals are blanked), that share a rare exfiltration endpoint (URL host, IP, webhook), or whose
names differ only in digits (campaigns like `10cent`, `11cent`) are one family (union-find).
Evaluation counts one artifact per family; the model's cross-validation groups by family.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

CUTOFF = "2025-01-01"
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "malreg-dev"
INDEX = "index.json"
ROWS = HERE / "malware_rows.csv"
ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".zip", ".whl", ".tar.bz2", ".tar", ".egg")
# hosts every package names; sharing them says nothing about a campaign
COMMON_HOSTS = {"pypi.org", "files.pythonhosted.org", "github.com", "raw.githubusercontent.com", "www.python.org",
                "python.org", "docs.python.org", "www.apache.org", "opensource.org", "setuptools.readthedocs.io",
                "packaging.python.org", "test.pypi.org", "gitlab.com", "bitbucket.org", "www.google.com",
                "google.com", "127.0.0.1", "0.0.0.0", "localhost", "example.com", "www.gnu.org", "discord.com",
                "discordapp.com", "api.telegram.org", "pastebin.com", "cdn.discordapp.com", "www.w3.org",
                "api.ipify.org", "ipinfo.io", "gist.github.com", "readthedocs.org", "twitter.com"}


def _git(repo: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    gitdir = repo / ".git" if (repo / ".git").exists() else repo
    return subprocess.run(["git", f"--git-dir={gitdir}", *args], capture_output=True, check=True, **kw)


def dated_paths(repo: Path) -> dict[str, str]:
    """path -> date (YYYY-MM-DD) of the latest commit touching it (max of author and committer)."""
    out = _git(repo, "log", "-z", "--name-only", "--no-renames", "--format=%x01%aI %cI").stdout.decode("utf-8", "replace")
    latest: dict[str, str] = {}
    for chunk in out.split("\x01")[1:]:
        head, _, names = chunk.partition("\n")
        a, c = head.split()[:2]
        date = max(a[:10], c[:10])
        for p in names.split("\0"):
            p = p.strip("\n")
            if p and date > latest.get(p, ""):
                latest[p] = date
    return latest


def _version_key(v: str):
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(v), v)
    except InvalidVersion:
        return (0, Version("0"), v)


def select_artifacts(repo: Path) -> list[dict]:
    """One artifact per package name: the newest version whose path predates the cutoff."""
    latest = dated_paths(repo)
    tree = _git(repo, "ls-tree", "-r", "-z", "HEAD").stdout.decode("utf-8", "replace")
    per_name: dict[str, list[dict]] = {}
    for entry in tree.split("\0"):
        if not entry:
            continue
        meta, _, path = entry.partition("\t")
        parts = path.split("/")
        if len(parts) != 3 or latest.get(path, "9999") >= CUTOFF:
            continue  # held out (or undated): never read
        per_name.setdefault(parts[0].lower(), []).append(
            {"name": parts[0], "version": parts[1], "artifact": parts[2], "path": path,
             "blob": meta.split()[2], "added": latest[path]})
    chosen = []
    for name, items in sorted(per_name.items()):
        items.sort(key=lambda d: (_version_key(d["version"]), not d["artifact"].endswith(".whl")))
        chosen.append(items[-1])
    return chosen


def _workdir(path: Path) -> Path:
    path = Path(path).resolve()
    if path == ROOT or ROOT in path.parents:
        raise SystemExit(f"refusing work directory {path}: malware is never extracted inside the repository")
    path.mkdir(parents=True, exist_ok=True)
    return path


def extract_all(repo: Path, workdir: Path, limit: int | None = None) -> None:
    """Write each chosen blob under workdir/archives, unpack it to workdir/trees (safe_extract)."""
    from slopspotter_lab.errors import UnsafeArchiveError
    from slopspotter_lab.registry.archive import safe_extract

    workdir = _workdir(workdir)
    chosen = select_artifacts(repo)[:limit]
    index_path = workdir / INDEX
    done = {d["path"]: d for d in json.loads(index_path.read_text())} if index_path.exists() else {}
    gitdir = repo / ".git" if (repo / ".git").exists() else repo
    cat = subprocess.Popen(["git", f"--git-dir={gitdir}", "cat-file", "--batch"], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE)
    t0, out = time.time(), []
    try:
        for k, item in enumerate(chosen, 1):
            if item["path"] in done and (workdir / done[item["path"]]["tree"]).exists():
                out.append(done[item["path"]])
                continue
            cat.stdin.write(item["blob"].encode() + b"\n")
            cat.stdin.flush()
            header = cat.stdout.readline().split()
            if len(header) < 3:  # "<sha> missing": the mirror left this blob out
                print(f"{item['path']}: blob not in this copy; skipped", file=sys.stderr)
                continue
            data = cat.stdout.read(int(header[2]))
            cat.stdout.read(1)
            slug = hashlib.sha256(item["path"].encode()).hexdigest()[:16]
            tree = workdir / "trees" / slug
            shutil.rmtree(tree, ignore_errors=True)
            tree.mkdir(parents=True)
            rec = {**item, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data),
                   "tree": str(tree.relative_to(workdir)), "extract": []}
            if item["artifact"].endswith(ARCHIVE_SUFFIXES):
                arch = workdir / "archives" / slug / os.path.basename(item["artifact"])
                arch.parent.mkdir(parents=True, exist_ok=True)
                arch.write_bytes(data)
                rec["archive"] = str(arch.relative_to(workdir))
                try:
                    rec["extract"] = [i.to_dict() for i in safe_extract(arch, tree)]
                except UnsafeArchiveError as exc:
                    rec["extract"] = [{"id": "unsafe_archive", "severity": "high", "evidence": str(exc)}]
            else:  # a bare file (a lone .py): the tree is that file
                (tree / os.path.basename(item["artifact"])).write_bytes(data)
            out.append(rec)
            if k % 500 == 0:
                print(f"extracted {k}/{len(chosen)} in {time.time() - t0:.0f}s", file=sys.stderr)
                index_path.write_text(json.dumps(out))
    finally:
        cat.stdin.close()
        cat.wait()
    index_path.write_text(json.dumps(out))
    print(f"{len(out)} artifacts under {workdir}", file=sys.stderr)


# ------------------------------------------------------------------ families

_CODE_SUFFIXES = (".py", ".pyw", ".sh", ".js", ".ps1", ".bat", ".cmd")
_URL_HOST = re.compile(r"https?://([A-Za-z0-9.-]+|\[[0-9a-f:]+\])(?::\d+)?", re.I)
_IP = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_WEBHOOK = re.compile(r"(discord(?:app)?\.com/api/webhooks/\d+|api\.telegram\.org/bot\d+|hooks\.slack\.com/\S{10,40})", re.I)


def _code_files(tree: Path) -> list[Path]:
    files = [p for p in tree.rglob("*") if p.is_file() and not p.is_symlink() and p.suffix.lower() in _CODE_SUFFIXES]
    return sorted(f for f in files if ".egg-info" not in str(f))


_STRINGS = re.compile(r"(?s)[rbuf]{0,2}(\"\"\".*?\"\"\"|\'\'\'.*?\'\'\'|\"(?:\\\\.|[^\"\\\\\n])*\"|\'(?:\\\\.|[^\'\\\\\n])*\')")
_COMMENTS = re.compile(r"(?m)#.*$")
_NUMBERS = re.compile(r"\b\d+(\.\d+)*\b")


def _skeleton(text: str, names: set[str]) -> str:
    """Code with string literals, comments, numbers, the package's names and whitespace blanked:
    near-identical copies (same code, other URLs, names or versions) get the same skeleton."""
    text = _COMMENTS.sub("", _STRINGS.sub("''", text))
    for n in sorted(names, key=len, reverse=True):
        if len(n) >= 3:
            text = re.sub(re.escape(n), "PKG", text, flags=re.I)
    return re.sub(r"\s+", "", _NUMBERS.sub("0", text))


def fingerprint(tree: Path, name: str) -> dict:
    """Code skeleton hash and rare endpoints of one extracted artifact."""
    names = {name, name.replace("-", "_"), name.replace("_", "-"), name.lower()}
    parts, endpoints = [], set()
    for f in _code_files(tree)[:60]:
        try:
            text = f.read_bytes()[:512 * 1024].decode("utf-8", "replace")
        except OSError:
            continue
        rel = re.sub(r"^[^/]+/", "", str(f.relative_to(tree)))
        for n in names:
            rel = rel.replace(n, "PKG")
        parts.append(rel + "\n" + _skeleton(text, names))
        for m in _URL_HOST.finditer(text):
            host = m.group(1).lower()
            if host not in COMMON_HOSTS and "." in host and not host.endswith((".readthedocs.io", ".python.org")):
                endpoints.add(host)
        endpoints.update(ip for ip in _IP.findall(text) if not ip.startswith(("0.", "127.", "255.", "1.0", "2.0", "3.")))
        endpoints.update(m.group(1).lower() for m in _WEBHOOK.finditer(text))
    digest = hashlib.sha256("\n\0".join(sorted(parts)).encode()).hexdigest()[:16] if parts else ""
    return {"skeleton": digest, "endpoints": sorted(endpoints)}


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def name_stem(name: str) -> str:
    """Campaign stem: lower-case name without digits and separators (`10Cent10` -> `cent`)."""
    return re.sub(r"[\d_.\-]+", "", name.lower())


def families(records: list[dict], max_endpoint_share: int = 200) -> list[str]:
    """Family id per record: union of equal code skeletons, shared rare endpoints and name stems."""
    uf = _UnionFind(len(records))
    by_key: dict[tuple[str, str], int] = {}
    endpoint_users: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        keys = []
        if r.get("skeleton"):
            keys.append(("code", r["skeleton"]))
        stem = name_stem(r["name"])
        if len(stem) >= 4 and stem != r["name"].lower():  # only digit/separator variants join
            keys.append(("stem", stem))
        for key in keys:
            if key in by_key:
                uf.union(by_key[key], i)
            else:
                by_key[key] = i
        for e in r.get("endpoints", []):
            endpoint_users.setdefault(e, []).append(i)
    for users in endpoint_users.values():
        if 1 < len(users) <= max_endpoint_share:  # a host used by hundreds is infrastructure, not a campaign
            for j in users[1:]:
                uf.union(users[0], j)
    roots: dict[int, str] = {}
    out = []
    for i, r in enumerate(records):
        root = uf.find(i)
        roots.setdefault(root, "F" + hashlib.sha256(records[root]["path"].encode()).hexdigest()[:8])
        out.append(roots[root])
    return out


# ------------------------------------------------------------------ rows

def _analyse(tree: Path) -> tuple[list[dict], float]:
    from slopspotter_lab.heuristics.static import analyze_tree

    t0 = time.time()
    return [d.to_dict() for d in analyze_tree(tree, "pypi")], time.time() - t0


def build_rows(workdir: Path, out_path: Path = ROWS, per_family: int = 2, workers: int = 3) -> None:
    """Fingerprint every artifact (cached), group into families, analyse up to `per_family`
    members of each family statically (seeded choice); write the committed CSV."""
    import random

    workdir = _workdir(workdir)
    records = json.loads((workdir / INDEX).read_text())
    prints_path = workdir / "fingerprints.json"
    prints = json.loads(prints_path.read_text()) if prints_path.exists() else {}
    t0 = time.time()
    for k, r in enumerate(records, 1):
        if r["path"] not in prints:
            prints[r["path"]] = fingerprint(workdir / r["tree"], r["name"])
        r.update(prints[r["path"]])
        if k % 500 == 0:
            print(f"fingerprinted {k}/{len(records)} in {time.time() - t0:.0f}s", file=sys.stderr)
            prints_path.write_text(json.dumps(prints))
    prints_path.write_text(json.dumps(prints))
    fam = families(records)
    members: dict[str, list[int]] = {}
    for i, f in enumerate(fam):
        members.setdefault(f, []).append(i)
    rng = random.Random(20261130)
    chosen = sorted(i for f, idx in sorted(members.items()) for i in rng.sample(idx, min(per_family, len(idx))))
    t0 = time.time()
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers) as pool:
        for k, (i, (inds, seconds)) in enumerate(zip(chosen, pool.map(
                _analyse, [workdir / records[i]["tree"] for i in chosen], chunksize=8)), 1):
            r = records[i]
            r["seconds"] = round(seconds, 3)
            r["indicators"] = [d for d in r.get("extract", []) if d["id"] == "unsafe_archive"] + inds
            if k % 200 == 0:
                print(f"analysed {k}/{len(chosen)} in {time.time() - t0:.0f}s", file=sys.stderr)
    sizes = {f: len(idx) for f, idx in members.items()}
    write_rows(out_path, [records[i] for i in chosen], [fam[i] for i in chosen], sizes)


def indicator_cell(inds: list[dict]) -> str:
    return json.dumps([[i["id"], i["severity"]] for i in inds], separators=(",", ":"))


def write_rows(path: Path, records: list[dict], fam: list[str], sizes: dict[str, int]) -> None:
    head = ["name", "version", "path", "sha256", "added", "family", "family_size", "label", "kind",
            "incomplete", "seconds", "indicators", "evidence"]
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=head)
        w.writeheader()
        for r, f in sorted(zip(records, fam), key=lambda t: (t[1], t[0]["path"])):
            inds = r["indicators"]
            w.writerow({"name": r["name"], "version": r["version"], "path": r["path"], "sha256": r["sha256"],
                        "added": r["added"], "family": f, "family_size": sizes[f], "label": 1,
                        "kind": "malregistry", "incomplete": int(any(i["id"] == "incomplete_analysis" for i in inds)),
                        "seconds": r.get("seconds", ""), "indicators": indicator_cell(inds),
                        "evidence": json.dumps([i["evidence"][:160] for i in inds][:6])})
    print(f"wrote {len(records)} rows ({len(set(fam))} families of {sum(sizes.values())} artifacts) to "
          f"{path.relative_to(ROOT)}", file=sys.stderr)


def repo_path(arg: str | None) -> Path:
    p = arg or os.environ.get("SLOPSPOTTER_MALREGISTRY")
    if not p:
        raise SystemExit("give --repo or $SLOPSPOTTER_MALREGISTRY (a clone of lxyeternal/pypi_malregistry)")
    return Path(p)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=["extract", "rows", "all"])
    ap.add_argument("--repo", help="MalRegistry clone or bare mirror (else $SLOPSPOTTER_MALREGISTRY)")
    ap.add_argument("--workdir", type=Path, default=Path(os.environ.get("SLOPSPOTTER_MALWARE_WORKDIR") or DEFAULT_WORKDIR))
    ap.add_argument("--limit", type=int, help="only the first N names (for a quick try)")
    args = ap.parse_args(argv)
    if args.step in ("extract", "all"):
        extract_all(repo_path(args.repo), args.workdir, args.limit)
    if args.step in ("rows", "all"):
        build_rows(args.workdir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
