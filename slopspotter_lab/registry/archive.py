"""Safe extraction of sdists, wheels and npm tarballs for static analysis.

Refused outright (UnsafeArchiveError): members that escape the target (`..`, absolute paths,
drive letters) and links pointing outside it - an archive doing that is hostile.
Skipped or truncated with an `unsafe_archive` indicator: device/fifo members, members over the
size cap, anything past the member-count or total-size cap. Links are never created (a link
inside the target is skipped quietly), so a later member cannot write through one. Sizes are
counted on the bytes actually written, not the sizes the archive claims (zip bombs lie).
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tarfile
import zipfile
from pathlib import Path

from ..errors import UnsafeArchiveError
from ..indicators import Indicator

MAX_MEMBERS = 20_000
MAX_BYTES = 512 * 1024 * 1024
MAX_MEMBER_BYTES = 128 * 1024 * 1024


def _clean_member_path(name: str) -> str:
    """Normalised relative POSIX path of a member, or UnsafeArchiveError if it escapes."""
    raw = name.replace("\\", "/")
    if raw.startswith("/") or (len(raw) > 1 and raw[1] == ":"):
        raise UnsafeArchiveError(f"archive member has an absolute path: {name!r}")
    norm = posixpath.normpath(raw)
    if norm == ".." or norm.startswith("../") or "/../" in f"/{norm}/":
        raise UnsafeArchiveError(f"archive member escapes the target directory: {name!r}")
    return "" if norm == "." else norm


def _check_link(member_path: str, target: str, hard: bool) -> None:
    """A link target must stay inside the extraction root (hard links are relative to the root)."""
    target = target.replace("\\", "/")
    if target.startswith("/"):
        raise UnsafeArchiveError(f"link {member_path!r} points to an absolute path {target!r}")
    base = "" if hard else posixpath.dirname(member_path)
    resolved = posixpath.normpath(posixpath.join(base, target))
    if resolved == ".." or resolved.startswith("../"):
        raise UnsafeArchiveError(f"link {member_path!r} -> {target!r} escapes the target directory")


class _Budget:
    def __init__(self, max_members: int, max_bytes: int, max_member_bytes: int):
        self.max_members, self.max_bytes, self.max_member_bytes = max_members, max_bytes, max_member_bytes
        self.members = 0
        self.bytes = 0
        self.indicators: list[Indicator] = []
        self.stopped = False
        self.root: str | None = None  # the target directory, resolved once
        self.dirs: set[Path] = set()  # directories made so far

    def flag(self, evidence: str, severity: str = "medium") -> None:
        self.indicators.append(Indicator("unsafe_archive", severity, evidence, source="static"))

    def take_member(self) -> bool:
        self.members += 1
        if self.members > self.max_members:
            self.flag(f"more than {self.max_members} members; extraction truncated")
            self.stopped = True
        return not self.stopped


def _copy_capped(src, out_path: Path, budget: _Budget, name: str) -> None:
    written = 0
    with open(out_path, "wb") as out:
        while chunk := src.read(256 * 1024):
            written += len(chunk)
            if written > budget.max_member_bytes:
                break
            if budget.bytes + written > budget.max_bytes:
                budget.stopped = True
                break
            out.write(chunk)
    if written > budget.max_member_bytes:
        out_path.unlink(missing_ok=True)
        budget.flag(f"member {name!r} is over {budget.max_member_bytes} bytes; skipped")
        return
    if budget.stopped:
        out_path.unlink(missing_ok=True)
        budget.flag(f"archive expands to over {budget.max_bytes} bytes; extraction truncated")
        return
    budget.bytes += written


def _target(dest: Path, rel: str, budget: "_Budget") -> Path:
    out = dest.joinpath(*rel.split("/"))
    # the parents were created by us and are never links, but check the resolved path anyway
    if budget.root is None:
        budget.root = str(dest.resolve()) + os.sep
    if not str(out.resolve()).startswith(budget.root):
        raise UnsafeArchiveError(f"archive member resolves outside the target: {rel!r}")
    return out


def _make_dir(path: Path, budget: "_Budget") -> None:
    """mkdir -p, once per directory: big sdists have thousands of members in a few hundred dirs."""
    if path not in budget.dirs:
        path.mkdir(parents=True, exist_ok=True)
        budget.dirs.add(path)


def _extract_tar(archive: Path, dest: Path, budget: _Budget) -> None:
    try:
        tf = tarfile.open(archive, "r:*")
    except (tarfile.TarError, OSError) as exc:
        raise UnsafeArchiveError(f"{archive.name}: not a readable tar archive ({exc})") from exc
    with tf:
        for m in tf:
            rel = _clean_member_path(m.name)
            if not budget.take_member():  # links count too: a flood of them is work as well
                return
            if m.offset_data + m.size > budget.max_bytes + budget.max_member_bytes:
                # reaching the next member would inflate this much (a slow compression bomb)
                budget.flag(f"member {m.name!r} lies past {budget.max_bytes + budget.max_member_bytes} "
                            "bytes of archive stream; extraction truncated")
                return
            if m.issym() or m.islnk():
                _check_link(rel, m.linkname, hard=m.islnk())
                continue
            if not rel:
                continue
            try:
                if m.isdir():
                    _make_dir(_target(dest, rel, budget), budget)
                elif m.isfile():
                    out = _target(dest, rel, budget)
                    _make_dir(out.parent, budget)
                    src = tf.extractfile(m)
                    if src is not None:
                        _copy_capped(src, out, budget, m.name)
                else:
                    budget.flag(f"member {m.name!r} is a device, fifo or other special file; skipped")
            except (FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
                budget.flag(f"member {m.name!r} clashes with an earlier member ({exc.strerror}); skipped")
            if budget.stopped:
                return


def _extract_zip(archive: Path, dest: Path, budget: _Budget) -> None:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnsafeArchiveError(f"{archive.name}: not a readable zip archive ({exc})") from exc
    with zf:
        for info in zf.infolist():
            rel = _clean_member_path(info.filename)
            mode = (info.external_attr >> 16) & 0o170000
            if not budget.take_member():
                return
            if mode == 0o120000:  # a symlink stored the Unix way
                with zf.open(info) as src:
                    _check_link(rel, src.read(4096).decode("utf-8", "replace"), hard=False)
                continue
            if not rel:
                continue
            if info.is_dir():
                try:
                    _make_dir(_target(dest, rel, budget), budget)
                except (FileExistsError, NotADirectoryError) as exc:
                    budget.flag(f"member {info.filename!r} clashes with an earlier member ({exc.strerror}); skipped")
                continue
            if mode not in (0, 0o100000):
                budget.flag(f"member {info.filename!r} is a special file; skipped")
                continue
            out = _target(dest, rel, budget)
            try:
                _make_dir(out.parent, budget)
                with zf.open(info) as src:
                    _copy_capped(src, out, budget, info.filename)
            except (FileExistsError, NotADirectoryError, IsADirectoryError) as exc:
                budget.flag(f"member {info.filename!r} clashes with an earlier member ({exc.strerror}); skipped")
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:
                out.unlink(missing_ok=True)
                budget.flag(f"member {info.filename!r} could not be read ({exc}); skipped", "low")
            if budget.stopped:
                return


def safe_extract(archive: Path, dest: Path, *, max_members: int = MAX_MEMBERS,
                 max_bytes: int = MAX_BYTES, max_member_bytes: int | None = None) -> list[Indicator]:
    """Extract a tar/tgz/zip/whl into `dest`; refuse escapes, cap size and count.

    On refusal `dest` is emptied again, so nothing from a hostile archive is left to analyse.
    """
    archive, dest = Path(archive), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    budget = _Budget(max_members, max_bytes, min(max_member_bytes or MAX_MEMBER_BYTES, max_bytes))
    try:
        if zipfile.is_zipfile(archive):
            _extract_zip(archive, dest, budget)
        else:
            _extract_tar(archive, dest, budget)
    except UnsafeArchiveError:
        for child in dest.iterdir():
            shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)
        raise
    return budget.indicators
