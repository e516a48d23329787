"""`check --only-new --base REF`: only the dependencies a change adds or re-versions.

CI should fail on what a pull request brings in, not on what was already there. The
dependency files are read at the merge base of REF and HEAD (`git show`) and in the working
tree with the same readers (`inputs.read_manifest`); a dependency is new when its
(ecosystem, name, version-or-specifier) was not in the base file: an added name or a bumped
version. Removed dependencies need no check. Which files: the ones given, else every dependency
file that differs from the base.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .ecosystems import normalize_name
from .errors import InputError


def _git(args: list[str], cwd: Path) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise InputError("--only-new needs git on PATH") from None
    if out.returncode != 0:
        raise InputError(f"git {' '.join(args)}: {out.stderr.strip() or 'failed'}")
    return out.stdout


def dependency_format(path: str | os.PathLike) -> str | None:
    """The manifest/lockfile format of a file, by its name only (free-text files are not ours)."""
    from .inputs.manifests import format_by_name

    fmt = format_by_name(path)
    return None if fmt == "text" else fmt


@dataclass
class Change:
    dependency: object  # inputs.Dependency
    change: str  # "added" (name not in the base file) | "bumped" (another version or specifier)


def repo_root(cwd: Path) -> Path:
    return Path(_git(["rev-parse", "--show-toplevel"], cwd).strip())


def merge_base(base: str, cwd: Path) -> str | None:
    """The commit to compare with: the merge base of REF and HEAD (REF itself if unrelated).
    None for `HEAD` in a repository without commits yet (a first commit: everything is new)."""
    if base == "HEAD" and subprocess.run(["git", "rev-parse", "--verify", "--quiet", "HEAD"], cwd=cwd,
                                         capture_output=True, timeout=60).returncode != 0:
        _git(["rev-parse", "--git-dir"], cwd)  # still a repository
        return None
    _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], cwd)
    try:
        return _git(["merge-base", base, "HEAD"], cwd).strip()
    except InputError:
        return _git(["rev-parse", f"{base}^{{commit}}"], cwd).strip()


def changed_files(commit: str | None, root: Path) -> list[Path]:
    """Dependency files of the working tree that differ from `commit` (added or modified; every
    tracked one when there is no commit yet)."""
    out = (_git(["diff", "--name-only", "--no-renames", "--diff-filter=AM", "-z", commit, "--"], root) if commit
           else _git(["ls-files", "-z"], root))
    untracked = _git(["ls-files", "--others", "--exclude-standard", "-z"], root)
    names = [n for n in (out + untracked).split("\0") if n]
    return [root / n for n in dict.fromkeys(names) if dependency_format(n) and (root / n).is_file()]


def _read_at(commit: str | None, root: Path, path: Path, fmt: str) -> list:
    """The file's dependencies at `commit` ([] when it did not exist there, or no commit)."""
    from .inputs import read_manifest

    if commit is None:
        return []
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        raise InputError(f"{path}: not inside the git work tree {root}") from None
    try:
        text = _git(["show", f"{commit}:{rel}"], root)
    except InputError:
        return []
    with tempfile.TemporaryDirectory(prefix="slop-base-") as tmp:
        copy = Path(tmp) / path.name  # same name: the readers detect the format from it
        copy.write_text(text, encoding="utf-8")
        try:
            return read_manifest(copy, fmt)
        except InputError:
            return []  # a base file we cannot read: everything in the new one counts as new


def _key(dep) -> tuple[str, str, str]:
    return dep.ecosystem, normalize_name(dep.name, dep.ecosystem), dep.version or dep.spec or ""


def new_dependencies(base: str, files: list[str] | None = None, cwd: str | Path | None = None) -> list[Change]:
    """Dependencies added or re-versioned relative to the merge base of `base` and HEAD."""
    from .inputs import read_manifest

    here = Path(cwd or Path.cwd())
    root = repo_root(here)
    commit = merge_base(base, root)
    paths = [Path(f) if Path(f).is_absolute() else here / f for f in files] if files else changed_files(commit, root)
    out: list[Change] = []
    for path in paths:
        fmt = dependency_format(path)
        if fmt is None:
            raise InputError(f"{path}: not a manifest or lockfile --only-new knows")
        if not path.is_file():
            continue  # deleted in the change: nothing new to check
        before = _read_at(commit, root, path, fmt)
        old_keys = {_key(d) for d in before}
        old_names = {_key(d)[:2] for d in before}
        for dep in read_manifest(path, fmt):
            if _key(dep) in old_keys:
                continue
            out.append(Change(dep, "bumped" if _key(dep)[:2] in old_names else "added"))
    return out
