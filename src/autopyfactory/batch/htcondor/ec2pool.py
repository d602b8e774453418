"""The VM nodes behind CondorEC2 pilots: their startd/master ads in the pool, and retiring a node.

A VM job carries ``EC2InstanceName``; the VM's HTCondor daemons advertise the same instance id as
``EC2InstanceID``. Node state (as in 2.4): ``busy`` if any slot is claimed, ``idle`` if every slot is
unclaimed, ``retiring`` if a slot is retiring, ``retired`` when the master is up but no slot is left,
``unknown`` when the node has not joined the pool (yet)."""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

INSTANCE_ATTR = "EC2InstanceID"
SLOT_PROJECTION = ["Name", "Machine", "State", "Activity", INSTANCE_ATTR]
MASTER_PROJECTION = ["Name", "Machine", INSTANCE_ATTR, "MyAddress"]


@dataclass(frozen=True, slots=True)
class Node:
    """One EC2 VM of the pool as its daemons' ads show it."""

    instance_id: str
    machine: str
    state: str  # busy | idle | retiring | retired | unknown


def node_states(slots: Sequence[Any], masters: Sequence[Any]) -> dict[str, Node]:
    """Instance id -> node, from startd slot ads and master ads."""
    by_id: dict[str, list[Any]] = {}
    for s in slots:
        iid = s.get(INSTANCE_ATTR)
        if isinstance(iid, str):
            by_id.setdefault(iid, []).append(s)
    out: dict[str, Node] = {}
    for m in masters:
        iid = m.get(INSTANCE_ATTR)
        if isinstance(iid, str):
            out[iid] = Node(iid, str(m.get("Machine") or ""), "retired")
    for iid, ss in by_id.items():
        machine = str(ss[0].get("Machine") or out.get(iid, Node(iid, "", "")).machine)
        if any(str(s.get("Activity")) == "Retiring" for s in ss):
            state = "retiring"
        elif any(str(s.get("State")) == "Claimed" for s in ss):
            state = "busy"
        elif all(str(s.get("State")) == "Unclaimed" for s in ss):
            state = "idle"
        else:
            state = "busy"
        out[iid] = Node(iid, machine, state)
    return out


@dataclass
class Pool:
    """How to reach the pool's collector and the nodes. Replaced in tests (``set_pool``)."""

    query_slots: Callable[[str | None], list[Any]]
    query_masters: Callable[[str | None], list[Any]]
    run: Callable[[Sequence[str]], tuple[int, str]]

    def nodes(self, collector: str | None) -> dict[str, Node]:
        return node_states(self.query_slots(collector), self.query_masters(collector))

    def retire(self, node: Node, peaceful: bool, usessh: bool, address: str = "") -> bool:
        """``condor_off [-peaceful] -startd -name MACHINE``, or over ssh on the node itself."""
        off = ["condor_off", *(["-peaceful"] if peaceful else []), "-startd"]
        if usessh:
            cmd = ["ssh", f"root@{address or node.machine}", " ".join(off)]
        else:
            if not node.machine:
                log.warning("node %s has no machine name; cannot retire it", node.instance_id)
                return False
            cmd = [*off, "-name", node.machine]
        rc, out = self.run(cmd)
        if rc != 0:
            log.warning(
                "retiring node %s: %s exited %d: %s", node.instance_id, " ".join(cmd), rc, out.strip()
            )
        return rc == 0


def _collector_query(ad_type: str, projection: list[str]) -> Callable[[str | None], list[Any]]:
    def query(collector: str | None) -> list[Any]:
        import htcondor2

        coll = htcondor2.Collector(collector)
        kind = htcondor2.AdType.Startd if ad_type == "startd" else htcondor2.AdType.Master
        return list(coll.query(kind, f"{INSTANCE_ATTR} =!= undefined", projection))

    return query


def _run(cmd: Sequence[str]) -> tuple[int, str]:
    if shutil.which(cmd[0]) is None:
        return 127, f"{cmd[0]} not found on PATH"
    try:
        p = subprocess.run(list(cmd), capture_output=True, text=True, timeout=100, check=False)
    except subprocess.TimeoutExpired:
        return 124, "timed out after 100s"
    return p.returncode, p.stdout + p.stderr


_pool = Pool(_collector_query("startd", SLOT_PROJECTION), _collector_query("master", MASTER_PROJECTION), _run)


def pool() -> Pool:
    """The pool access in use (the bindings, or what a test set with :func:`set_pool`)."""
    return _pool


def set_pool(p: Pool | None) -> Pool:
    """Replace the pool access (tests); None restores the bindings. Returns the previous one."""
    global _pool
    previous = _pool
    _pool = p or Pool(
        _collector_query("startd", SLOT_PROJECTION), _collector_query("master", MASTER_PROJECTION), _run
    )
    return previous
