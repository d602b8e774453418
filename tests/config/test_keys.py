"""A key reads as the type it declares: what the literal None gives for each kind of declaration, and
the typed value a section hands back."""

from __future__ import annotations

import pytest

from autopyfactory.config.keys import BOOL, INT, LIST, STR, BadValue, Key
from autopyfactory.config.problems import ConfigError
from autopyfactory.config.section import ConfigSection


@pytest.mark.parametrize(
    ("key", "unset"),
    [
        (Key("k", INT, 3600), 3600),  # a key with a default: the default
        (Key("k", INT), None),  # no default: None (e.g. no limit)
        (Key("k", INT, 3600, nullable=True), None),  # None means something of its own
        (Key("k", STR, ""), ""),
        (Key("k", LIST, ("a",)), ()),  # a list that is None has no items
        (Key("k", LIST), ()),
        (Key("k", BOOL, True), False),  # 2.4 took None as false
        (Key("k", BOOL), None),  # a three-way switch keeps its None
    ],
)
def test_the_literal_none_unsets_a_key_as_its_declaration_says(key: Key[object], unset: object) -> None:
    for spelling in ("None", "none", "  None "):
        assert key.parse(spelling) == unset
    assert key.parse(None) == key.default  # a missing key is its default


def test_a_required_key_set_to_none_is_reported_as_missing() -> None:
    section = ConfigSection.from_dict("Q", {"k": "None"}, "queues.conf")
    with pytest.raises(ConfigError) as exc:
        section.get(Key("k", STR, required=True))
    assert exc.value.problem.message == "is required (a string)"


def test_a_section_hands_back_the_declared_type() -> None:
    section = ConfigSection.from_dict("Q", {"n": "12", "on": "true", "names": "a, b"}, "queues.conf")
    assert section.get(Key("n", INT, 0)) == 12
    assert section.get(Key("on", BOOL, False)) is True
    assert section.get(Key("names", LIST, ())) == ("a", "b")
    with pytest.raises(BadValue):
        Key("n", INT, 0).parse("twelve")
