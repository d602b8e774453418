"""Bad servers: malformed, failing, slow and hostile answers never crash anything and never yield
invented data; old data ages out, so the queue submits nothing."""

from __future__ import annotations

import json
import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest

from autopyfactory.engine.snapshot import build_snapshot
from autopyfactory.wms.panda.plugin import NoPandaData, PandaWMSStatus
from autopyfactory.wms.panda.sites import V1_SITE_SPECS
from autopyfactory.wms.panda.stats import EMPTY_STATISTICS, LEGACY_PER_SITE, V1_STATS
from tests.panda.fake_server import FakePanda, Reply
from tests.panda.helpers import plugin, refreshed_after, wait_for

SITES = Reply(json.dumps({"success": True, "message": "", "data": {"S": {"status": "online"}}}).encode())
LEGACY_SITES = Reply(pickle.dumps({"S": {"status": "online"}}, protocol=0))


def v1(data: object, success: bool = True, message: str = "") -> Reply:
    return Reply(json.dumps({"success": success, "message": message, "data": data}).encode())


@pytest.fixture
def fake() -> Iterator[FakePanda]:
    with FakePanda({V1_SITE_SPECS: SITES, "/server/panda/getSiteSpecs": LEGACY_SITES}) as f:
        yield f


@pytest.fixture
def made() -> Iterator[list[PandaWMSStatus]]:
    out: list[PandaWMSStatus] = []
    yield out
    for p in out:
        p.close()


def first_error(p: PandaWMSStatus) -> str:
    with pytest.raises(NoPandaData) as info:
        p.poll()
    return str(info.value)


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(b"<html>Service Unavailable</html>"), "did not answer JSON"),
        (
            Reply(b"{'success': True, 'data': {}}"),
            "did not answer JSON",
        ),  # the repr PanDA sends without Accept
        (v1({}, False, "Internal problem"), "Internal problem"),
        # the empty-result message with data is not an empty result
        (v1({"S": {"activated": 1}}, False, EMPTY_STATISTICS), "Database failure"),
        (v1(["S"]), "expected a mapping of site"),
        (v1({"S": {"activated": -3}}), "bad count"),
        (v1({"S": {"activated": "many"}}), "bad count"),
        (Reply(b"gateway error", 502), "HTTP 502"),
    ],
)
def test_malformed_or_failed_v1_answers_give_no_data_and_say_why(
    tmp_path, fake, made, reply, expected
) -> None:  # type: ignore[no-untyped-def]
    fake.routes[V1_STATS] = reply
    p = plugin(tmp_path, fake.url)
    made.append(p)
    assert expected in first_error(p)


def test_an_empty_v1_statistics_answer_is_zero_jobs_not_a_failure(tmp_path, fake, made) -> None:  # type: ignore[no-untyped-def]
    """PanDA answers an empty statistics result with success false and 'Database failure getting
    the job statistics': no site has an active job, so every queue has none, and the counts are
    fresh (not held from an earlier refresh)."""
    fake.routes[V1_STATS] = v1({"S": {"activated": 5}})
    p = plugin(tmp_path, fake.url)
    made.append(p)
    assert p.poll().queue("S").ready == 5
    fake.routes[V1_STATS] = v1({}, False, EMPTY_STATISTICS)
    n = p.poller.latest().refreshes
    wait_for(refreshed_after(p, n + 1))
    view = p.poll()
    assert view.queue("S").ready == 0
    assert view.counts_held == ""
    assert p.poller.latest().stats_error == ""


def test_a_failed_refresh_serves_the_old_counts_as_held(tmp_path, fake, made) -> None:  # type: ignore[no-untyped-def]
    fake.routes[V1_STATS] = v1({"S": {"activated": 5}})
    p = plugin(tmp_path, fake.url)
    made.append(p)
    first = p.poll()
    assert first.counts_held == ""
    fake.routes[V1_STATS] = Reply(b"gateway error", 502)
    n = p.poller.latest().refreshes
    wait_for(refreshed_after(p, n + 1))
    held = p.poll()
    assert held.queue("S").ready == 5
    assert "HTTP 502" in held.counts_held
    assert held.counts_taken_at == first.counts_taken_at


def test_v1_asks_for_json(tmp_path, fake, made) -> None:  # type: ignore[no-untyped-def]
    fake.routes[V1_STATS] = v1({"S": {"activated": 4}})
    p = plugin(tmp_path, fake.url)
    made.append(p)
    assert p.poll().queue("S").ready == 4
    assert all(h.get("accept") == "application/json" for h in fake.headers_seen)


def test_errors_are_retried_with_backoff_then_succeed(tmp_path, fake, made) -> None:  # type: ignore[no-untyped-def]
    answers = iter([Reply(b"busy", 500), Reply(b"busy", 503), v1({"S": {"activated": 7}})])
    fake.routes[V1_STATS] = lambda: next(answers)
    p = plugin(tmp_path, fake.url, {"wmsstatus.panda.retries": "2", "wmsstatus.panda.backoff": "0.01"})
    made.append(p)
    assert p.poll().queue("S").ready == 7
    assert fake.hits[V1_STATS] == 3


def test_a_slow_trickling_server_is_cut_off(tmp_path, fake, made) -> None:  # type: ignore[no-untyped-def]
    fake.routes[V1_STATS] = Reply(
        json.dumps({"success": True, "data": {}}).encode() * 20, trickle_seconds=0.05
    )
    p = plugin(tmp_path, fake.url, {"wmsstatus.panda.timeout": "0.3"})
    made.append(p)
    msg = first_error(p)
    assert "no complete answer" in msg and "within 0.3s" in msg


def test_an_oversized_answer_is_refused(tmp_path, fake, made) -> None:  # type: ignore[no-untyped-def]
    fake.routes[V1_STATS] = v1({"S": {"activated": 1}, "pad": {f"x{i}": i for i in range(5000)}})
    p = plugin(tmp_path, fake.url, {"wmsstatus.panda.maxsize": "1000"})
    made.append(p)
    assert "larger than 1000 bytes" in first_error(p)


class _Hostile:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.marker}",))


def test_a_hostile_legacy_pickle_cannot_execute_code(tmp_path, fake, made) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "executed"
    fake.routes[LEGACY_PER_SITE] = Reply(
        pickle.dumps({"S": {"activated": 1}, "x": _Hostile(marker)}, protocol=0)
    )
    p = plugin(tmp_path, fake.url, {"wmsstatus.panda.retries": "3"}, **{"wmsstatus.panda.api": "legacy"})
    made.append(p)
    msg = first_error(p)
    assert "hostile or non-plain pickle refused" in msg
    assert "posix.system" in msg or "os.system" in msg
    assert not marker.exists()
    assert fake.hits[LEGACY_PER_SITE] == 1  # refused content is not asked for again at once


def test_data_that_stops_refreshing_ages_out_and_the_queue_submits_nothing(tmp_path, fake, made) -> None:  # type: ignore[no-untyped-def]
    fake.routes[V1_STATS] = v1({"S": {"activated": 9}})
    p = plugin(tmp_path, fake.url, {"wmsstatus.panda.maxage": "30"})
    made.append(p)
    good = p.poll()
    before = p.fetches()
    assert before.count >= 1 and before.failed == 0 and before.seconds > 0  # refreshes are timed
    fake.routes[V1_STATS] = Reply(b"down", 500)
    wait_for(refreshed_after(p, p.poller.latest().refreshes))
    wait_for(lambda: "HTTP 500" in p.poller.latest().stats_error)
    wait_for(lambda: p.fetches().failed >= 1)  # the refreshes that kept old data are counted
    after = p.fetches()
    assert after.count > before.count and after.seconds > before.seconds
    later = p.poll()
    assert later.taken_at == good.taken_at  # the failed refresh kept the old data, with its old time
    assert later.queue("S").ready == 9
    snap, fresh = build_snapshot("Q", "S", later, None, None, later.taken_at + 31, p.maxage(), 60, None)
    assert snap.wms is None
    assert "old > maxage 30s" in fresh.problems[0]


def test_bearer_token_and_origin_are_sent(tmp_path, fake, made) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "token").write_text("abc.def\n")
    fake.routes[V1_STATS] = v1({"S": {"activated": 1}})
    p = plugin(
        tmp_path,
        fake.url,
        **{"wmsstatus.panda.token": str(tmp_path / "token"), "wmsstatus.panda.origin": "atlas"},
    )
    made.append(p)
    p.poll()
    assert fake.headers_seen[0]["authorization"] == "Bearer abc.def"
    assert fake.headers_seen[0]["origin"] == "atlas"


def test_a_missing_credential_is_named(tmp_path, fake, made) -> None:  # type: ignore[no-untyped-def]
    fake.routes[V1_STATS] = v1({"S": {"activated": 1}})
    p = plugin(tmp_path, fake.url, **{"wmsstatus.panda.cert": str(tmp_path / "nope.pem")})
    made.append(p)
    assert "wmsstatus.panda.cert: cannot read" in first_error(p)
    assert fake.hits.get(V1_STATS) is None
