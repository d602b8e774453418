"""How the testbed speaks PanDA: job descriptions for pilots, queue and storage descriptions
(CRIC/schedconfig), site specs, legacy status codes."""

from __future__ import annotations

import shlex
from typing import Any

from autopyfactory.testbed.model import Job, Site

SC_SUCCESS = 0
SC_NO_JOBS = 20
SC_FAILED = 30
SC_INVALID = 50
NULL = "NULL"  # what PanDA's dispatcher sends for "nothing", never a JSON null

TRF_NAME = "runtestbed.sh"
TRF_PATH = "/trf/user"  # the transformation's base, as panda servers serve /trf/user/<script>
DDM_ENDPOINT = "TESTBED_LOCALDISK"
PROCESSING_TYPE = "testbed"


def trf_base(server: str) -> str:
    """The base URL a pilot must trust to download the testbed's transformation."""
    return server.rstrip("/") + TRF_PATH


def job_description(job: Job, site: Site | None, server: str) -> dict[str, Any]:
    """The fields PanDA hands a pilot (the subset a payload-running pilot needs, with PanDA's names).
    ``transformation`` is the URL of the testbed's script under ``server``; ``jobPars`` is the
    payload, one shell-quoted word, so a pilot runs ``./runtestbed.sh '<payload>'``."""
    return {
        "PandaID": job.panda_id,
        "jobDefinitionID": job.panda_id,
        "jobName": f"testbed.{job.site}.{job.panda_id}",
        "prodSourceLabel": "test" if site is not None and site.status == "test" else job.label,
        "transformation": f"{trf_base(server)}/{TRF_NAME}",
        "jobPars": shlex.quote(job.command),
        "attemptNr": job.attempt,
        "coreCount": site.corecount if site else 1,
        "minRamCount": site.maxrss if site else 0,
        "maxWalltime": site.maxtime if site else 0,
        "maxCpuCount": site.maxtime if site else 0,
        "maxDiskCount": 0,
        "cloud": site.cloud if site else "",
        "resource_type": site.resource_type if site else "SCORE",
        "taskID": 0,
        "jobsetID": 0,
        "reqID": 0,
        "currentPriority": 1000,
        "swRelease": NULL,
        "homepackage": NULL,
        "cmtConfig": NULL,
        "processingType": PROCESSING_TYPE,
        "transferType": NULL,
        "sourceSite": NULL,
        "destinationSE": NULL,
        "nucleus": NULL,
        "prodUserID": "testbed",
        "inFiles": "",
        "outFiles": "",
        "logFile": "",
        "logGUID": "",
        "nSent": 0,
    }


def _ce(site: Site, host: str) -> dict[str, Any]:
    return {
        "ce_name": f"{site.name}-CE",
        "ce_endpoint": f"{host}:0",
        "ce_flavour": "local",
        "ce_state": "ACTIVE",
        "ce_status": "production",
        "ce_queue_status": "production",
        "ce_queue_name": "default",
        "ce_jobmanager": "local",
        "ce_version": "",
        "ce_queue_maxwctime": site.maxtime // 60,
        "ce_queue_maxcputime": site.maxtime // 60,
    }


def pandaqueue(site: Site, host: str) -> dict[str, Any]:
    """A CRIC pandaqueue entry (also the schedconfig ``<queue>.all.json`` document): what the
    CRIC config plugin, site-status readers and the PanDA pilot read. The single CE has flavour
    ``local`` (pilots are local processes); stage-in/out would go through the testbed's one DDM
    endpoint with the ``mv`` copytool (testbed jobs have no files)."""
    return {
        "name": site.name,
        "nickname": site.name,
        "panda_resource": site.name,
        "siteid": site.name,
        "atlas_site": f"TESTBED-{site.name}",
        "gstat": f"TESTBED-{site.name}",
        "cloud": site.cloud,
        "status": site.status,
        "site_state": "ACTIVE",
        "state": "ACTIVE",
        "resource_type": "GRID",
        "type": site.type,
        "vo_name": "testbed",
        "pilot_manager": "APF",
        "pilot_version": "current",
        "corecount": site.corecount,
        "maxrss": site.maxrss,
        "maxmemory": site.maxrss,
        "maxtime": site.maxtime,
        "maxwdir": 10000,
        "maxinputsize": 10000,
        "timefloor": site.timefloor,
        "catchall": "",
        "environ": "",
        "container_type": "",
        "container_options": "",
        "is_cvmfs": False,
        "copytools": {"mv": {"setup": ""}},
        "acopytools": {"pr": ["mv"], "pw": ["mv"], "pl": ["mv"]},
        "astorages": {"pr": [DDM_ENDPOINT], "pw": [DDM_ENDPOINT], "pl": [DDM_ENDPOINT]},
        "aprotocols": {},
        "params": {},
        "queues": [_ce(site, host)],
    }


def factory_entry(site: Site) -> dict[str, Any]:
    """The schedconfig ``<queue>.factory.json`` field set (missing values as "")."""
    return {
        "site": site.name,
        "siteid": site.name,
        "nickname": site.name,
        "cloud": site.cloud,
        "status": site.status,
        "jdl": "",
        "queue": "",
        "localqueue": "",
        "nqueue": "",
        "environ": "",
        "proxy": "",
        "glexec": "",
        "depthboost": "",
        "idlepilotsupression": "",
        "pilotlimit": "",
        "transferringlimit": "",
        "memory": site.maxrss,
        "maxtime": site.maxtime,
        "system": "",
        "fairsharepolicy": "",
        "autosetup_pre": "",
        "autosetup_post": "",
    }


def ddm_endpoints(sites: list[Site], storage: str) -> dict[str, Any]:
    """CRIC's ddmendpoint JSON: the testbed's one endpoint, a local directory."""
    return {
        DDM_ENDPOINT: {
            "name": DDM_ENDPOINT,
            "id": 1,
            "site": sites[0].name if sites else "TESTBED",
            "type": "DATADISK",
            "token": "",
            "state": "ACTIVE",
            "is_deterministic": True,
            "is_tape": False,
            "resource": {"endpoint": f"file://{storage}"},
            "arprotocols": {
                a: [{"endpoint": "file://", "path": storage, "flavour": "POSIX"}]
                for a in ("read_lan", "write_lan", "read_wan", "write_wan")
            },
            "rprotocols": {
                "0": {
                    "endpoint": "file://",
                    "path": storage,
                    "flavour": "POSIX",
                    "activities": [["r", 1], ["w", 1]],
                }
            },
        }
    }


def site_spec(site: Site) -> dict[str, Any]:
    """PanDA site specs (getSiteSpecs / get_site_specs): the attributes a factory reads."""
    return {
        "sitename": site.name,
        "siteid": site.name,
        "nickname": site.name,
        "status": site.status,
        "cloud": site.cloud,
        "type": site.type,
        "coreCount": site.corecount,
        "maxrss": site.maxrss,
        "maxtime": site.maxtime,
        "timefloor": site.timefloor,
    }
