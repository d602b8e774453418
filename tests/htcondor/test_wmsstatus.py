"""WMS status ``Condor``: idle jobs in a VO's own schedd are the work waiting (GLOW, IceCube)."""

from __future__ import annotations

from pathlib import Path

import htcondor2

from autopyfactory.batch.htcondor.location import ScheddLocation
from autopyfactory.plugins.registry import registry
from autopyfactory.plugins.status import WMSSTATUS
from tests.htcondor.fake_schedd import FakePool
from tests.htcondor.helpers import context, load_conf

QUEUES = """
[DEFAULT]
wmsstatusplugin = Condor
wmsstatus.condor.scheddhost = submit.icecube.example.org
wmsstatus.condor.collectorhost = cm.icecube.example.org
batchsubmitplugin = CondorOSGCE
batchsubmit.condorosgce.gridresource = ce.example.org
executable = /usr/libexec/apf/glidein-wrapper.sh

[ALL]
wmsqueue = ANY

[GLOW]
wmsqueue = GLOW
wmsstatus.condor.queueskey = DESIRED_Site

[IDLE-ONLY-ANY]
wmsqueue = ANY
wmsstatus.condor.constraint = Owner == "icecube"
"""
VO = ScheddLocation("submit.icecube.example.org", "cm.icecube.example.org:9618")


def user_jobs(pool: FakePool, site: str, n: int, owner: str = "icecube") -> list[str]:
    fake = pool(VO)
    sub = htcondor2.Submit(
        {"executable": "/bin/science", "+DESIRED_Site": f'"{site}"', "+Owner": f'"{owner}"'}
    )
    r = fake.submit(sub, count=n)
    return [f"{r.cluster()}.{p}" for p in range(n)]


def plugin(cfg, queue: str):  # type: ignore[no-untyped-def]
    return registry.get(WMSSTATUS, "Condor")(context(cfg), cfg.queues[queue].section)


def test_idle_jobs_are_ready_work_per_queue_and_in_any(tmp_path: Path, fake_condor: FakePool) -> None:
    cfg = load_conf(tmp_path, QUEUES)
    glow = user_jobs(fake_condor, "GLOW", 4)
    other = user_jobs(fake_condor, "OSG", 3, owner="someone")
    fake = fake_condor(VO)
    fake.start(glow[:1])
    fake.hold(other[:1])
    view = plugin(cfg, "GLOW").poll()
    assert (view.queue("GLOW").ready, view.queue("GLOW").running) == (3, 1)
    assert (view.queue("ANY").ready, view.queue("ANY").running, view.queue("ANY").failed) == (5, 1, 1)
    assert view.site("GLOW") is not None and view.site("GLOW").status == "ok"
    assert view.site("NEVER-SEEN").status == "ok"  # 2.4: every site is ok
    only = plugin(cfg, "IDLE-ONLY-ANY").poll()
    assert (only.queue("ANY").ready, only.queue("ANY").running) == (3, 1)


def test_queues_with_the_same_schedd_and_query_share_one_instance(
    tmp_path: Path, fake_condor: FakePool
) -> None:
    cfg = load_conf(tmp_path, QUEUES)
    cls = registry.get(WMSSTATUS, "Condor")
    keys = {q: cls.instance_key(cfg.queues[q].section) for q in ("ALL", "GLOW", "IDLE-ONLY-ANY")}
    assert keys["ALL"] != keys["GLOW"] != keys["IDLE-ONLY-ANY"]
    more = load_conf(tmp_path / "two", QUEUES + "\n[ALL2]\nwmsqueue = ANY\n")
    assert cls.instance_key(more.queues["ALL2"].section) == keys["ALL"]
