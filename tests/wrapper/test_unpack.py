"""Tarballs cannot place anything outside the destination."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from autopyfactory.wrapper.stage.exitcodes import PILOTCODE, StageError
from autopyfactory.wrapper.stage.unpack import safe_extract


def tarball(path: Path, *members: tuple[str, Callable[[tarfile.TarInfo], None] | None, bytes]) -> Path:
    with tarfile.open(path, "w") as tar:
        for name, tweak, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            if tweak:
                tweak(info)
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return path


def symlink(target: str) -> Callable[[tarfile.TarInfo], None]:
    def set_(info: tarfile.TarInfo) -> None:
        info.type, info.linkname, info.size = tarfile.SYMTYPE, target, 0

    return set_


def hardlink(target: str) -> Callable[[tarfile.TarInfo], None]:
    def set_(info: tarfile.TarInfo) -> None:
        info.type, info.linkname, info.size = tarfile.LNKTYPE, target, 0

    return set_


def test_a_normal_tarball_unpacks(tmp_path: Path) -> None:
    t = tarball(tmp_path / "ok.tar", ("top/pilot.py", None, b"x"), ("top/link", symlink("pilot.py"), b""))
    names = safe_extract(str(t), str(tmp_path / "out"))
    assert names == ["top/pilot.py", "top/link"]
    assert (tmp_path / "out/top/link").read_text() == "x"


@pytest.mark.parametrize(
    ("members", "why"),
    [
        ((("../evil", None, b"x"),), "unsafe path"),
        ((("/tmp/evil", None, b"x"),), "unsafe path"),
        ((("a/../../evil", None, b"x"),), "unsafe path"),
        ((("link", symlink("/etc"), b""),), "absolute symlink"),
        ((("a/link", symlink("../../etc"), b""),), "symlink out"),
        ((("hl", hardlink("../outside"), b""),), "unsafe path"),
        ((("dev", lambda i: setattr(i, "type", tarfile.CHRTYPE), b""),), "device"),
    ],
)
def test_escaping_members_are_refused(tmp_path: Path, members: tuple, why: str) -> None:  # type: ignore[type-arg]
    t = tarball(tmp_path / "bad.tar", *members)
    with pytest.raises(StageError) as exc:
        safe_extract(str(t), str(tmp_path / "out"))
    assert exc.value.code == PILOTCODE
    assert why in exc.value.message
    assert not (tmp_path / "evil").exists()


def test_writing_through_a_symlinked_directory_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    # "sub" is a link inside the tree to ".", which is fine; "esc" points to a sibling of the tree
    t = tarball(
        tmp_path / "bad.tar",
        ("sub", symlink("."), b""),
        ("sub/ok.txt", None, b"fine"),
    )
    safe_extract(str(t), str(tmp_path / "out"))
    assert (tmp_path / "out/ok.txt").read_text() == "fine"
    (tmp_path / "out2").mkdir()
    (tmp_path / "out2" / "esc").symlink_to(outside)  # a link already present in the destination
    t2 = tarball(tmp_path / "bad2.tar", ("esc/evil.txt", None, b"x"))
    with pytest.raises(StageError):
        safe_extract(str(t2), str(tmp_path / "out2"))
    assert not (outside / "evil.txt").exists()


@pytest.mark.parametrize("data_filter", [True, False], ids=["python-with-data-filter", "older-python"])
def test_links_chained_out_of_the_tree_are_refused(tmp_path: Path, monkeypatch, data_filter: bool) -> None:  # type: ignore[no-untyped-def]
    if not data_filter:  # the stage runs on Pythons whose tarfile has no extraction filter
        monkeypatch.delattr(tarfile, "data_filter", raising=False)
    victim = tmp_path / "victim"
    victim.write_text("safe")
    # each link looks harmless on its own; "d/x/y" really points to the parent of the tree, and the
    # hard link plus the file written over it would then overwrite a file outside
    t = tarball(
        tmp_path / "bad.tar",
        ("d/x", symlink(".."), b""),
        ("d/x/y", symlink(".."), b""),
        ("h", hardlink("d/x/y/victim"), b""),
        ("h", None, b"pwned"),
    )
    with pytest.raises(StageError) as exc:
        safe_extract(str(t), str(tmp_path / "out"))
    assert exc.value.code == PILOTCODE
    assert victim.read_text() == "safe"
    assert not (tmp_path / "out" / "h").exists()
