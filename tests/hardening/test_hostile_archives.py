"""Hostile archives against registry.archive.safe_extract (issue #8.6), beyond the basic cases in
tests/registry/test_archive.py: compression bombs that are slow rather than big, link floods,
file/directory clashes, overlapping zip entries, write-through-link tricks. Each is refused or
truncated with an `unsafe_archive` indicator, quickly, with nothing written outside the target.
"""

from __future__ import annotations

import gzip
import io
import os
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from slopspotter_lab.errors import UnsafeArchiveError
from slopspotter_lab.registry.archive import safe_extract


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.fixture
def work(tmp_path):
    """dest inside a sandbox dir; `outside` must stay exactly as it was."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    dest = tmp_path / "work" / "dest"
    yield dest, outside
    assert _tree(outside) == {"keep.txt"} and (outside / "keep.txt").read_text() == "keep"
    assert _tree(tmp_path) <= {"outside", "outside/keep.txt", "work", "work/dest", "a.tar", "a.tgz", "a.zip"} | {
        f"work/dest/{p}" for p in _tree(dest)} if dest.exists() else True


def _tar_bytes(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        for info, data in members:
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def _file(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _slow_bomb(path: Path, claimed: int) -> None:
    """A .tgz whose first member claims `claimed` bytes of zeros, then a second member.

    Built from many gzip members (valid multi-member gzip), each 1 MiB of zeros, so writing
    it takes milliseconds while reading through it costs `claimed` bytes of inflation."""
    header = tarfile.TarInfo("pkg/huge.bin")
    header.size = claimed
    mib = gzip.compress(b"\0" * (1 << 20), compresslevel=9)
    with open(path, "wb") as fh:
        fh.write(gzip.compress(header.tobuf(format=tarfile.GNU_FORMAT)))
        for _ in range(claimed >> 20):
            fh.write(mib)
        tail = _tar_bytes([_file("pkg/after.txt", b"after")])
        fh.write(gzip.compress(tail))


def test_slow_compression_bomb_stops_early(work, tmp_path):
    dest, _ = work
    bomb = tmp_path / "a.tgz"
    _slow_bomb(bomb, 3 << 30)  # 3 GiB of zeros behind ~3 MiB on disk
    t0 = time.monotonic()
    inds = safe_extract(bomb, dest, max_member_bytes=1 << 20, max_bytes=8 << 20)
    took = time.monotonic() - t0
    assert any(i.id == "unsafe_archive" for i in inds)
    assert took < 5, f"extraction inflated the whole bomb ({took:.1f}s)"
    assert sum(p.stat().st_size for p in dest.rglob("*") if p.is_file()) <= 8 << 20


def test_zip_bomb_many_members_capped(work, tmp_path):
    """Many highly compressed members: the total cap stops it, counted on bytes written."""
    dest, _ = work
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(40):
            zf.writestr(f"pkg/z{i}.bin", b"\0" * (4 << 20))
    path = tmp_path / "a.zip"
    path.write_bytes(buf.getvalue())
    assert path.stat().st_size < 1 << 20
    t0 = time.monotonic()
    inds = safe_extract(path, dest, max_bytes=16 << 20, max_member_bytes=8 << 20)
    assert time.monotonic() - t0 < 10
    assert any(i.id == "unsafe_archive" and "truncated" in i.evidence for i in inds)
    assert sum(p.stat().st_size for p in dest.rglob("*") if p.is_file()) <= 16 << 20


def test_link_flood_counts_against_member_cap(work, tmp_path):
    dest, _ = work
    members = []
    for i in range(3000):
        info = tarfile.TarInfo(f"pkg/l{i}")
        info.type, info.linkname = tarfile.SYMTYPE, "target"
        members.append((info, None))
    path = tmp_path / "a.tar"
    path.write_bytes(_tar_bytes(members))
    inds = safe_extract(path, dest, max_members=100)
    assert any("members" in i.evidence for i in inds)


def test_file_then_directory_clash_is_not_a_crash(work, tmp_path):
    dest, _ = work
    path = tmp_path / "a.tar"
    path.write_bytes(_tar_bytes([_file("pkg/a", b"file"), _file("pkg/a/b", b"inside"), _file("pkg/ok", b"ok")]))
    inds = safe_extract(path, dest)  # must not raise NotADirectoryError / FileExistsError
    assert any(i.id == "unsafe_archive" for i in inds)
    assert (dest / "pkg" / "ok").read_bytes() == b"ok"


def test_directory_then_file_clash_is_not_a_crash(work, tmp_path):
    dest, _ = work
    d = tarfile.TarInfo("pkg/a")
    d.type = tarfile.DIRTYPE
    path = tmp_path / "a.tar"
    path.write_bytes(_tar_bytes([(d, None), _file("pkg/a", b"file over dir"), _file("pkg/ok", b"ok")]))
    inds = safe_extract(path, dest)
    assert any(i.id == "unsafe_archive" for i in inds)
    assert (dest / "pkg" / "ok").read_bytes() == b"ok"


def test_write_through_internal_symlink_stays_inside(work, tmp_path):
    """link -> ../../outside is refused; link -> . is never created, so link/x lands as a file."""
    dest, outside = work
    rel = os.path.relpath(outside, dest / "pkg")
    link = tarfile.TarInfo("pkg/link")
    link.type, link.linkname = tarfile.SYMTYPE, rel
    path = tmp_path / "a.tar"
    path.write_bytes(_tar_bytes([(link, None), _file("pkg/link/keep.txt", b"pwned")]))
    with pytest.raises(UnsafeArchiveError):
        safe_extract(path, dest)
    assert not any(dest.rglob("*"))


@pytest.mark.parametrize("name", ["pkg/../../outside/keep.txt", "/tmp/slop-abs.txt", "C:\\x.txt",
                                  "pkg\\..\\..\\outside\\keep.txt", "../" * 50 + "etc/x"])
def test_escaping_names_refused_in_zip_and_tar(work, tmp_path, name):
    dest, _ = work
    tpath = tmp_path / "a.tar"
    tpath.write_bytes(_tar_bytes([_file("pkg/ok"), _file(name, b"pwned")]))
    with pytest.raises(UnsafeArchiveError):
        safe_extract(tpath, dest)
    zpath = tmp_path / "a.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("pkg/ok", b"x")
        zf.writestr(name, b"pwned")
    with pytest.raises(UnsafeArchiveError):
        safe_extract(zpath, dest)
    assert not Path("/tmp/slop-abs.txt").exists()


def test_fifo_and_device_members_skipped(work, tmp_path):
    dest, _ = work
    fifo = tarfile.TarInfo("pkg/fifo")
    fifo.type = tarfile.FIFOTYPE
    chr_ = tarfile.TarInfo("pkg/mem")
    chr_.type, chr_.devmajor, chr_.devminor = tarfile.CHRTYPE, 1, 1
    path = tmp_path / "a.tar"
    path.write_bytes(_tar_bytes([(fifo, None), (chr_, None), _file("pkg/ok")]))
    inds = safe_extract(path, dest)
    assert len([i for i in inds if "special" in i.evidence]) == 2
    assert {p.name for p in dest.rglob("*")} == {"pkg", "ok"}
