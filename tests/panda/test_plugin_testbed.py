"""The Panda plugin against the testbed, in every API flavour, with site status from each source."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from autopyfactory.testbed.model import Site
from autopyfactory.testbed.runner import ThreadedTestbed
from autopyfactory.wms.panda.plugin import PandaWMSStatus
from tests.panda.helpers import plugin

APIS = ["v1", "legacy", "legacy-label"]


@pytest.fixture
def testbed() -> Iterator[ThreadedTestbed]:
    with ThreadedTestbed([Site("ONLINE"), Site("TESTING", "test"), Site("DOWN", "offline")]) as tb:
        tb.store.submit("ONLINE", 5, "true")
        tb.store.submit("ONLINE", 2, "true", label="user")
        tb.store.submit("TESTING", 3, "true")
        (job,) = tb.store.acquire("ONLINE", "pilot-1", n=1)
        tb.store.update(job.panda_id, "running")
        tb.store.acquire("ONLINE", "pilot-2", n=1)  # sent: counts as running in APF's mapping
        yield tb


@pytest.fixture
def panda_plugin(tmp_path: Path) -> Iterator[list[PandaWMSStatus]]:
    made: list[PandaWMSStatus] = []
    yield made
    for p in made:
        p.close()


@pytest.mark.parametrize("api", APIS)
def test_job_counts_are_mapped_to_apf_buckets_in_every_api(tmp_path, testbed, panda_plugin, api) -> None:  # type: ignore[no-untyped-def]
    p = plugin(tmp_path, testbed.url, **{"wmsstatus.panda.api": api})
    panda_plugin.append(p)
    view = p.poll()
    online = view.queue("ONLINE")
    assert (online.ready, online.running, online.done) == (5, 2, 0)  # 7 queued, 2 taken by pilots
    assert view.queue("TESTING").ready == 3
    assert view.queue("UNLISTED").ready == 0
    assert {s: view.site(s).status for s in ("ONLINE", "TESTING", "DOWN")} == {  # type: ignore[union-attr]
        "ONLINE": "online",
        "TESTING": "test",
        "DOWN": "offline",
    }


def test_site_status_can_come_from_the_cric_document(tmp_path, testbed, panda_plugin) -> None:  # type: ignore[no-untyped-def]
    cric = f"{testbed.url}/cric/api/atlas/pandaqueue/query/?json"
    p = plugin(tmp_path, testbed.url, **{"wmsstatus.panda.sitestatus": cric})
    panda_plugin.append(p)
    view = p.poll()
    assert view.site("TESTING").status == "test"  # type: ignore[union-attr]
    assert view.site("DOWN").status == "offline"  # type: ignore[union-attr]


def test_site_status_from_a_cric_file(tmp_path, testbed, panda_plugin) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "pq.json").write_text('{"ONLINE": {"panda_resource": "ONLINE", "status": "brokeroff"}}')
    p = plugin(tmp_path, testbed.url, **{"wmsstatus.panda.sitestatus": "pq.json"})
    panda_plugin.append(p)
    view = p.poll()
    assert view.site("ONLINE").status == "brokeroff"  # type: ignore[union-attr]
    assert view.site("TESTING") is None  # not in that document: no site info, so StatusTest gives 0


def test_queues_with_equal_settings_share_one_poller(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.panda.helpers import queue

    a = queue("A", **{"wmsstatus.panda.url": "http://h:1/server/panda"})
    b = queue("B", **{"wmsstatus.panda.url": "http://h:1/"})
    c = queue("C", **{"wmsstatus.panda.url": "http://h:1", "wmsstatus.panda.token": "t"})
    d = queue("D", **{"wmsstatus.panda.url": "http://h:1", "wmsstatus.panda.api": "legacy"})
    keys = [PandaWMSStatus.instance_key(q) for q in (a, b, c, d)]
    assert keys[0] == keys[1]
    assert len(set(keys)) == 3
