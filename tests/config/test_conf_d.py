"""queues.d behaves as a standard UNIX conf.d: ``*.conf`` in lexical byte order; what package
managers, editors and backups leave beside the files is never read; leftovers of an upgrade are
reported so the operator merges them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autopyfactory.config.conf_d import PACKAGE_LEFTOVERS, list_conf_dir
from autopyfactory.loading.loader import load

from .test_loading import BASE_QUEUES

# every spelling that must not be read: each would set the queue's maximum to 99 if it were
NOT_READ = [
    "10-site.conf.rpmnew",
    "10-site.conf.rpmsave",
    "10-site.conf.rpmorig",
    "10-site.conf.dpkg-dist",
    "10-site.conf.dpkg-old",
    "10-site.conf.dpkg-new",
    "10-site.conf.dpkg-tmp",
    "10-site.conf.dpkg-bak",
    "10-site.conf.ucf-dist",
    ".hidden.conf",
    ".#10-site.conf",
    ".10-site.conf.swp",
    "10-site.conf.swp",
    "10-site.conf~",
    "10-site.conf.bak",
    "10-site.conf.orig",
    "#10-site.conf#",
    "README",
    ".conf",
]


def test_only_conf_files_are_read_and_everything_left_beside_them_is_not(conf_tree) -> None:  # type: ignore[no-untyped-def]
    files = {"queues.d/00-defaults.conf": BASE_QUEUES, "queues.d/10-site.conf": "[Q1]\nwmsqueue = S1\n"}
    files.update({f"queues.d/{name}": "[Q1]\nsched.maxpercycle.maximum = 99\n" for name in NOT_READ})
    etc = conf_tree(factory="queueDirConf = queues.d\n", files=files)
    cfg = load(str(etc))
    q = cfg.queues["Q1"]
    assert q.ok, q.problems
    assert q.section.raw("sched.maxpercycle.maximum") is None
    assert set(cfg.queues) == {"Q1"}


def test_package_manager_leftovers_are_reported_with_the_file_to_merge_into(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        factory="queueDirConf = queues.d\n",
        files={
            "queues.d/10-site.conf": BASE_QUEUES + "[Q1]\nwmsqueue = S1\n",
            "queues.d/10-site.conf.rpmnew": "[Q1]\nwmsqueue = NEW\n",
            "queues.d/10-site.conf.dpkg-dist": "[Q1]\nwmsqueue = NEW\n",
            "queues.d/10-site.conf~": "[Q1]\nwmsqueue = OLD\n",
        },
    )
    cfg = load(str(etc))
    assert cfg.queues["Q1"].section.raw("wmsqueue") == "S1"
    notes = sorted((Path(p.origin).name, p.level, p.message) for p in cfg.problems if "ignored" in p.message)
    assert notes == [
        (
            "10-site.conf.dpkg-dist",
            "warning",
            "ignored: a package manager left it (.dpkg-dist) beside 10-site.conf",
        ),
        (
            "10-site.conf.rpmnew",
            "warning",
            "ignored: a package manager left it (.rpmnew) beside 10-site.conf",
        ),
    ]
    assert not cfg.has_errors()


def test_files_are_read_in_byte_order_whatever_the_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    names = ["b.conf", "B.conf", "10-x.conf", "9-x.conf", "_z.conf", "a.conf", "ä.conf"]
    for n in names:
        (tmp_path / n).write_text("")
    listing = list_conf_dir(tmp_path)
    assert [p.name for p in listing.files] == sorted(names, key=os.fsencode)
    assert [p.name for p in listing.files][:4] == ["10-x.conf", "9-x.conf", "B.conf", "_z.conf"]


def test_a_conf_name_that_is_no_regular_file_is_reported_not_read(tmp_path: Path) -> None:
    (tmp_path / "10-dir.conf").mkdir()
    (tmp_path / "20-dangling.conf").symlink_to(tmp_path / "nowhere.conf")
    (tmp_path / "real.txt").write_text("[Q]\n")
    (tmp_path / "30-link.conf").symlink_to(tmp_path / "real.txt")
    listing = list_conf_dir(tmp_path)
    assert [p.name for p in listing.files] == ["30-link.conf"]
    assert [(s.path.name, s.why) for s in listing.skipped] == [
        ("10-dir.conf", "ignored: not a regular file"),
        ("20-dangling.conf", "ignored: a symbolic link to no regular file"),
    ]


@pytest.mark.parametrize("suffix", PACKAGE_LEFTOVERS)
def test_every_package_manager_suffix_is_skipped(tmp_path: Path, suffix: str) -> None:
    (tmp_path / f"q.conf{suffix}").write_text("")
    listing = list_conf_dir(tmp_path)
    assert listing.files == () and [s.path.name for s in listing.skipped] == [f"q.conf{suffix}"]
