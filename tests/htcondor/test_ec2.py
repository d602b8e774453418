"""CondorEC2 retirement as 2.4 did it: with ``peaceful = True``, ``condor_off -peaceful`` of idle
startds first; removal of VM jobs whose node has retired; nothing when ``peaceful`` is unset; VM jobs
removed outright only with the opt-in ``overlay.peaceful = False``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import classad2
import pytest

from autopyfactory.batch.htcondor import ec2pool
from tests.htcondor.fake_schedd import FakePool
from tests.htcondor.flavour_conf import QUEUES
from tests.htcondor.helpers import load_conf, submitter


class FakeNodes:
    """Slot and master ads of the VMs, and the commands run on them."""

    def __init__(self) -> None:
        self.slots: list[classad2.ClassAd] = []
        self.masters: list[classad2.ClassAd] = []
        self.commands: list[list[str]] = []

    def node(self, iid: str, *states: str) -> None:
        machine = f"vm-{iid}.compute.internal"
        self.masters.append(classad2.ClassAd({"EC2InstanceID": iid, "Machine": machine}))
        for i, state in enumerate(states):
            activity = "Retiring" if state == "Retiring" else "Idle"
            st = "Claimed" if state in ("Claimed", "Retiring") else state
            self.slots.append(
                classad2.ClassAd(
                    {
                        "EC2InstanceID": iid,
                        "Machine": machine,
                        "State": st,
                        "Activity": activity,
                        "Name": f"slot{i}@{machine}",
                    }
                )
            )

    def run(self, cmd: Sequence[str]) -> tuple[int, str]:
        self.commands.append(list(cmd))
        return 0, ""

    def pool(self) -> ec2pool.Pool:
        return ec2pool.Pool(lambda c: list(self.slots), lambda c: list(self.masters), self.run)


@pytest.fixture
def nodes() -> Iterator[FakeNodes]:
    n = FakeNodes()
    previous = ec2pool.set_pool(n.pool())
    yield n
    ec2pool.set_pool(previous)


def vm_queue(tmp_path: Path, peaceful: str) -> Any:
    extra = {
        "peaceful": "batchsubmit.condorec2.peaceful = True\n",
        "unset": "",
        "remove": "batchsubmit.condorec2.overlay.peaceful = False\n",
    }[peaceful]
    cfg = load_conf(tmp_path, QUEUES.replace("[ssh]", extra + "\n[ssh]"), logs=str(tmp_path / "logs"))
    return submitter(cfg, "ec2")


def launch(fake: FakePool, plugin: Any, instances: list[str]) -> list[str]:
    ids = [p.pilot_id for p in plugin.submit(len(instances))]
    schedd = fake.only()
    for jid, iid in zip(ids, instances, strict=True):
        schedd.jobs[jid]["EC2InstanceName"] = iid
        schedd.start([jid])
    return ids


def test_peaceful_retirement_turns_off_idle_startds_first(
    tmp_path: Path, fake_condor: FakePool, nodes: FakeNodes
) -> None:
    plugin = vm_queue(tmp_path, "peaceful")
    ids = launch(fake_condor, plugin, ["i-busy", "i-idle1", "i-booting", "i-idle2", "i-mixed"])
    nodes.node("i-busy", "Claimed", "Claimed")
    nodes.node("i-idle1", "Unclaimed", "Unclaimed")
    nodes.node("i-idle2", "Unclaimed")
    nodes.node("i-mixed", "Claimed", "Unclaimed")
    retired = plugin.retire(3)
    assert sorted(retired[:2]) == sorted([ids[1], ids[3]]) and retired[2] in (ids[0], ids[4])
    machines = [c[-1] for c in nodes.commands]
    assert sorted(machines[:2]) == ["vm-i-idle1.compute.internal", "vm-i-idle2.compute.internal"]
    assert all(c[:3] == ["condor_off", "-peaceful", "-startd"] and c[3] == "-name" for c in nodes.commands)
    assert fake_condor.only().calls["act"] == 0  # nodes leave by themselves


def test_cleanup_removes_vm_jobs_of_retired_nodes_only(
    tmp_path: Path, fake_condor: FakePool, nodes: FakeNodes
) -> None:
    plugin = vm_queue(tmp_path, "peaceful")
    ids = launch(fake_condor, plugin, ["i-gone", "i-busy", "i-booting", "i-retiring"])
    nodes.node("i-gone")  # master still there, no startd slot left
    nodes.node("i-busy", "Claimed")
    nodes.node("i-retiring", "Retiring")
    plugin.cleanup()
    assert sorted(fake_condor.only().jobs) == sorted(ids[1:])


def test_non_peaceful_retirement_removes_vm_jobs(
    tmp_path: Path, fake_condor: FakePool, nodes: FakeNodes
) -> None:
    plugin = vm_queue(tmp_path, "remove")
    ids = launch(fake_condor, plugin, ["i-1", "i-2", "i-3"])
    assert plugin.retire(2) == [ids[2], ids[1]]  # killorder newest; one submission: last procs first
    assert nodes.commands == [] and list(fake_condor.only().jobs) == [ids[0]]


def test_without_peaceful_nothing_is_retired(tmp_path: Path, fake_condor: FakePool, nodes: FakeNodes) -> None:
    plugin = vm_queue(tmp_path, "unset")
    ids = launch(fake_condor, plugin, ["i-1", "i-2"])
    nodes.node("i-1", "Unclaimed")
    nodes.node("i-2", "Unclaimed")
    assert plugin.retire(2) == []
    assert nodes.commands == [] and sorted(fake_condor.only().jobs) == sorted(ids)
