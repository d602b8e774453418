"""One GET: an error answer is reported by its first bytes, never read whole."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from autopyfactory.wms.panda.fetch import FetchError, FetchLimits, get_bytes


def test_an_error_page_is_not_read_beyond_its_start() -> None:
    sent = 0

    def endless() -> Iterator[bytes]:
        nonlocal sent
        while sent < 50 << 20:  # a misbehaving proxy streaming 50 MB of error page
            sent += 1 << 16
            yield b"Service Unavailable " * 3276

    transport = httpx.MockTransport(lambda req: httpx.Response(503, content=endless()))
    with httpx.Client(transport=transport) as client, pytest.raises(FetchError) as info:
        get_bytes(client, "http://panda.test/x", FetchLimits(max_bytes=1 << 20))
    assert "HTTP 503" in str(info.value) and "Service Unavailable" in str(info.value)
    assert sent < 1 << 20
