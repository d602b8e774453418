"""CRIC pandaqueue documents for the tests (field names and values as CRIC publishes them)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any


def ce(endpoint: str, flavour: str, **kw: Any) -> dict[str, Any]:
    return {
        "ce_name": endpoint.split(":")[0].upper(),
        "ce_endpoint": endpoint,
        "ce_flavour": flavour.upper(),
        "ce_state": "ACTIVE",
        "ce_status": "production",
        "ce_queue_status": "",
        "ce_queue_name": "default",
        "ce_jobmanager": "condor",
        "ce_version": "",
        "ce_queue_maxwctime": 4320,
        **kw,
    }


def pq(name: str, ces: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    return {
        "nickname": name,
        "panda_resource": name,
        "cloud": "US",
        "status": "online",
        "site_state": "ACTIVE",
        "resource_type": "GRID",
        "type": "production",
        "vo_name": "atlas",
        "pilot_manager": "APF",
        "corecount": 8,
        "maxrss": 16000,
        "maxmemory": 20000,
        "maxtime": 172800,
        "queues": ces,
        **kw,
    }


DOC: dict[str, Any] = {
    "BNL_PROD": pq(
        "BNL_PROD",
        [
            ce("gridgk01.racf.bnl.gov:9619", "htcondor-ce", ce_queue_name="prod"),
            ce("gridgk02.racf.bnl.gov:9619", "htcondor-ce", ce_queue_name="prod"),
            ce("old.bnl.gov:2119", "lcg-ce"),
            ce("gridgk03.racf.bnl.gov:9619", "htcondor-ce", ce_state="INACTIVE"),
            ce("gridgk04.racf.bnl.gov:9619", "htcondor-ce", ce_queue_status="test"),
        ],
    ),
    "ANALY_CREAM": pq(
        "ANALY_CREAM",
        [ce("cream.example.org:8443", "cream-ce", ce_jobmanager="pbs", ce_queue_name="atlas")],
        type="analysis",
        corecount=None,
        maxrss=None,
    ),
    "ARC_Q": pq("ARC_Q", [ce("arc.example.org:443", "arc-ce")], cloud="ND"),
    "GRAM_Q": pq("GRAM_Q", [ce("gk.example.org:2119", "osg-ce", ce_jobmanager="pbs")]),
    "HARVESTER_Q": pq("HARVESTER_Q", [ce("h.example.org:9619", "htcondor-ce")], pilot_manager="Harvester"),
    "DISABLED_Q": pq("DISABLED_Q", [ce("d.example.org:9619", "htcondor-ce")], site_state="DISABLED"),
    "CMS_Q": pq("CMS_Q", [ce("c.example.org:9619", "htcondor-ce")], vo_name="cms"),
}


def write_doc(path: Path, doc: dict[str, Any] | None = None) -> Path:
    path.write_text(json.dumps(copy.deepcopy(DOC) if doc is None else doc))
    return path
