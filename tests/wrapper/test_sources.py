"""2.4's pilot code source syntax: groups, failover lists, ratios, checksums."""

from __future__ import annotations

import random

import pytest

from autopyfactory.wrapper.stage.exitcodes import USAGE, StageError
from autopyfactory.wrapper.stage.sources import build_groups, choose, parse_groups

SUM = "ab" * 32


def test_bracketed_groups_are_failover_lists_and_quotes_are_optional() -> None:
    spec = "['file:///cvmfs/x/pilot.tar.gz', \"http://a/pilot.tar.gz\"], http://b/dev.tar.gz"
    assert parse_groups(spec) == [
        ("file:///cvmfs/x/pilot.tar.gz", "http://a/pilot.tar.gz"),
        ("http://b/dev.tar.gz",),
    ]


def test_checksums_attach_to_groups_and_a_url_fragment_wins() -> None:
    other = "cd" * 32
    groups = build_groups(f"[http://a/p, http://b/p#sha256={other}], http://c/p", "99,1", f"sha256:{SUM},")
    assert [(s.url, s.sha256) for s in groups[0].sources] == [("http://a/p", SUM), ("http://b/p", other)]
    assert groups[1].sources[0].sha256 is None
    assert [g.weight for g in groups] == [99.0, 1.0]


def test_ratio_picks_by_weight() -> None:
    groups = build_groups("http://a/p, http://b/p", "0,1")
    rng = random.Random(1)
    assert {choose(groups, rng).sources[0].url for _ in range(50)} == {"http://b/p"}
    even = build_groups("http://a/p, http://b/p", "1,1")
    assert {choose(even, rng).sources[0].url for _ in range(200)} == {"http://a/p", "http://b/p"}


def test_without_a_ratio_the_first_group_is_used_as_in_2_4() -> None:
    groups = build_groups("http://a/p, [http://b/p, http://c/p]")
    assert [g.weight for g in groups] == [1.0, 0.0]
    rng = random.Random(3)
    assert {choose(groups, rng).sources[0].url for _ in range(200)} == {"http://a/p"}


def test_a_url_may_carry_2_4s_md5() -> None:
    md5 = "0f" * 16
    (group,) = build_groups(f"[http://a/p#md5={md5.upper()}, http://b/p]")
    assert [(s.url, s.md5, s.sha256) for s in group.sources] == [
        ("http://a/p", md5, None),
        ("http://b/p", None, None),
    ]
    with pytest.raises(StageError) as exc:
        build_groups("http://a/p#md5=123")
    assert exc.value.code == USAGE and "32 hex" in exc.value.message


@pytest.mark.parametrize(
    ("spec", "ratio", "sums", "expect"),
    [
        ("[http://a/p", "", "", "unbalanced"),
        ("http://a/p]", "", "", "unbalanced"),
        ("ftp://a/p", "", "", "file://, http:// or https://"),
        ("http://a/p, http://b/p", "1", "", "1 weights for 2"),
        ("http://a/p", "x", "", "numbers"),
        ("http://a/p", "0", "", "not all 0"),
        ("http://a/p", "", "abc", "64 hex"),
        ("http://a/p", "", f"{SUM},{SUM}", "2 pilot code checksums for 1"),
        ("[], http://a/p", "", "", "empty"),
    ],
)
def test_malformed_specifications_are_usage_errors(spec: str, ratio: str, sums: str, expect: str) -> None:
    with pytest.raises(StageError) as exc:
        build_groups(spec, ratio, sums)
    assert exc.value.code == USAGE
    assert expect in exc.value.message
