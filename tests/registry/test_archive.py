"""Hostile archives: traversal, absolute paths, link escapes, huge members, too many members."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile

import pytest

from slopspotter_lab.errors import UnsafeArchiveError
from slopspotter_lab.registry.archive import safe_extract


def _tar(path, members):
    """members: (TarInfo-kwargs, bytes|None)."""
    with tarfile.open(path, "w:gz") as tf:
        for kw, data in members:
            info = tarfile.TarInfo(kw.pop("name"))
            for k, v in kw.items():
                setattr(info, k, v)
            if data is not None:
                info.size = len(data)
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


def test_normal_sdist_extracts(tmp_path):
    arc = _tar(tmp_path / "ok.tar.gz", [({"name": "pkg-1.0/setup.py"}, b"print(1)\n"),
                                        ({"name": "pkg-1.0/pkg/__init__.py"}, b"")])
    assert safe_extract(arc, tmp_path / "out") == []
    assert (tmp_path / "out/pkg-1.0/setup.py").read_bytes() == b"print(1)\n"


@pytest.mark.parametrize("name", ["../evil.txt", "pkg/../../evil.txt", "/etc/evil.txt", "C:/evil.txt"])
def test_traversal_and_absolute_refused(tmp_path, name):
    arc = _tar(tmp_path / "bad.tar.gz", [({"name": "pkg/ok.txt"}, b"ok"), ({"name": name}, b"x")])
    with pytest.raises(UnsafeArchiveError):
        safe_extract(arc, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()
    assert list((tmp_path / "out").iterdir()) == []  # partial output removed


def test_symlink_escape_refused(tmp_path):
    arc = _tar(tmp_path / "link.tar.gz", [
        ({"name": "pkg/link", "type": tarfile.SYMTYPE, "linkname": "../../../etc"}, None),
        ({"name": "pkg/link/passwd"}, b"x"),
    ])
    with pytest.raises(UnsafeArchiveError, match="escapes"):
        safe_extract(arc, tmp_path / "out")


def test_hardlink_escape_refused(tmp_path):
    arc = _tar(tmp_path / "hard.tar.gz", [
        ({"name": "pkg/h", "type": tarfile.LNKTYPE, "linkname": "../outside"}, None)])
    with pytest.raises(UnsafeArchiveError):
        safe_extract(arc, tmp_path / "out")


def test_internal_symlink_not_created(tmp_path):
    arc = _tar(tmp_path / "in.tar.gz", [({"name": "pkg/a.txt"}, b"a"),
                                        ({"name": "pkg/b", "type": tarfile.SYMTYPE, "linkname": "a.txt"}, None)])
    assert safe_extract(arc, tmp_path / "out") == []
    assert not os.path.lexists(tmp_path / "out/pkg/b")


def test_device_member_skipped_with_indicator(tmp_path):
    arc = _tar(tmp_path / "dev.tar.gz", [({"name": "pkg/null", "type": tarfile.CHRTYPE, "devmajor": 1, "devminor": 3}, None)])
    inds = safe_extract(arc, tmp_path / "out")
    assert [i.id for i in inds] == ["unsafe_archive"] and "special" in inds[0].evidence
    assert not (tmp_path / "out/pkg/null").exists()


def test_huge_member_skipped(tmp_path):
    arc = tmp_path / "bomb.zip"
    with zipfile.ZipFile(arc, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("pkg/small.py", "x = 1\n")
        zf.writestr("pkg/huge.bin", b"\0" * 5_000_000)  # compresses to a few KiB
    inds = safe_extract(arc, tmp_path / "out", max_member_bytes=1_000_000)
    assert any("over" in i.evidence for i in inds)
    assert not (tmp_path / "out/pkg/huge.bin").exists()
    assert (tmp_path / "out/pkg/small.py").exists()


def test_total_size_cap_truncates(tmp_path):
    arc = _tar(tmp_path / "many.tar.gz", [({"name": f"pkg/f{i}"}, b"y" * 1000) for i in range(10)])
    inds = safe_extract(arc, tmp_path / "out", max_bytes=3500)
    assert any("truncated" in i.evidence for i in inds)
    assert len(list((tmp_path / "out/pkg").iterdir())) == 3


def test_member_count_cap(tmp_path):
    arc = _tar(tmp_path / "count.tar.gz", [({"name": f"pkg/f{i}"}, b"") for i in range(50)])
    inds = safe_extract(arc, tmp_path / "out", max_members=10)
    assert any("more than 10 members" in i.evidence for i in inds)
    assert len(list((tmp_path / "out/pkg").iterdir())) == 10


def test_zip_traversal_and_symlink(tmp_path):
    arc = tmp_path / "bad.whl"
    with zipfile.ZipFile(arc, "w") as zf:
        zf.writestr("../../evil.py", "x")
    with pytest.raises(UnsafeArchiveError):
        safe_extract(arc, tmp_path / "out")
    arc2 = tmp_path / "link.zip"
    with zipfile.ZipFile(arc2, "w") as zf:
        info = zipfile.ZipInfo("pkg/link")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(UnsafeArchiveError, match="absolute"):
        safe_extract(arc2, tmp_path / "out2")


def test_garbage_is_refused(tmp_path):
    arc = tmp_path / "junk.tar.gz"
    arc.write_bytes(b"not an archive at all")
    with pytest.raises(UnsafeArchiveError):
        safe_extract(arc, tmp_path / "out")
