"""The restricted unpickler: plain data loads, anything that could run code is refused unloaded."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from autopyfactory.wms.panda.unpickle import UnsafePickle, loads_plain


class _RunsCommand:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.marker}",))


class _WritesFile:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.write_text, (self.marker, "pwned"))


def test_python2_protocol0_answer_with_a_none_site_loads() -> None:
    # what a Python 2 PanDA server sent: str as S'..', long as L..L, a None key (seen by 2.4)
    body = b"(dp0\nNS'x'\nsS'AGLT2'\np1\n(dp2\nS'activated'\np3\nI495\nsS'running'\np4\nL12L\nss."
    assert loads_plain(body) == {None: "x", "AGLT2": {"activated": 495, "running": 12}}


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_plain_data_loads_in_every_protocol(protocol: int) -> None:
    data = {"SITE": {"activated": 3, "running": 1}, "L": [1, 2.5, True, None, ("t", "u")]}
    assert loads_plain(pickle.dumps(data, protocol=protocol)) == data


@pytest.mark.parametrize("protocol", [0, 2, 5])
@pytest.mark.parametrize("evil", [_RunsCommand, _WritesFile])
def test_a_pickle_with_a_callable_is_refused_and_runs_nothing(
    tmp_path: Path, protocol: int, evil: type
) -> None:
    marker = tmp_path / "marker"
    body = pickle.dumps({"SITE": {"activated": 1}, "x": evil(marker)}, protocol=protocol)
    with pytest.raises(UnsafePickle, match="could run code"):
        loads_plain(body)
    assert not marker.exists()


@pytest.mark.parametrize("obj", [{1, 2}, b"bytes", bytearray(b"x"), frozenset([1])])
def test_non_plain_builtins_are_refused(obj: object) -> None:
    with pytest.raises(UnsafePickle):
        loads_plain(pickle.dumps({"k": obj}, protocol=5))


def test_garbage_is_a_plain_error_not_a_security_one() -> None:
    with pytest.raises(ValueError, match="not a valid pickle") as info:
        loads_plain(b"<html>502 Bad Gateway</html>")
    assert not isinstance(info.value, UnsafePickle)


def test_deep_nesting_is_refused() -> None:
    obj: list[object] = []
    for _ in range(100):
        obj = [obj]
    with pytest.raises(UnsafePickle, match="deeper"):
        loads_plain(pickle.dumps(obj))


@pytest.mark.parametrize(
    "body",
    [
        # LONG_BINPUT with index 0xfffffffe: the C unpickler would grow its memo to 32 GB
        b"\x80\x02}r\xfe\xff\xff\xff.",
        # a FRAME claiming more bytes than the system can address (OverflowError in the loader)
        b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\xfe}\x94.",
        # BINBYTES8 claiming 2**62 bytes
        b"\x80\x04\x8e\x00\x00\x00\x00\x00\x00\x00\x40.",
    ],
)
def test_garbage_sizes_are_a_plain_error_without_allocating(body: bytes) -> None:
    with pytest.raises(ValueError, match="not a valid pickle") as info:
        loads_plain(body)
    assert not isinstance(info.value, UnsafePickle)
