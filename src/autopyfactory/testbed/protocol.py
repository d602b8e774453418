"""How the testbed speaks PanDA: job descriptions for pilots, legacy status codes, response encoding."""

from __future__ import annotations

from typing import Any

from autopyfactory.testbed.model import Job, Site

SC_SUCCESS = 0
SC_NO_JOBS = 20
SC_FAILED = 30
SC_INVALID = 50


def job_description(job: Job, site: Site | None) -> dict[str, Any]:
    """The fields PanDA hands a pilot (the subset a payload-running pilot needs, with PanDA's names).
    The payload is a shell command in ``jobPars``; ``transformation`` says so."""
    return {
        "PandaID": job.panda_id,
        "jobDefinitionID": job.panda_id,
        "jobName": f"testbed.{job.site}.{job.panda_id}",
        "prodSourceLabel": "test" if site is not None and site.status == "test" else job.label,
        "transformation": "shell",
        "jobPars": job.command,
        "attemptNr": job.attempt,
        "coreCount": site.corecount if site else 1,
        "minRamCount": site.maxrss if site else 0,
        "maxWalltime": site.maxtime if site else 0,
        "cloud": site.cloud if site else "",
        "taskID": 0,
        "swRelease": "",
        "homepackage": "",
        "inFiles": "",
        "outFiles": "",
        "logFile": f"testbed.{job.panda_id}.log.tgz",
        "nSent": 0,
    }


def pandaqueue(site: Site, host: str) -> dict[str, Any]:
    """A CRIC-style pandaqueue entry: what the CRIC config plugin and site-status readers need. The
    single CE has flavour ``local`` (pilots are local processes)."""
    return {
        "name": site.name,
        "nickname": site.name,
        "panda_resource": site.name,
        "siteid": site.name,
        "atlas_site": f"TESTBED-{site.name}",
        "cloud": site.cloud,
        "status": site.status,
        "site_state": "ACTIVE",
        "state": "ACTIVE",
        "resource_type": "GRID",
        "type": "production",
        "vo_name": "testbed",
        "pilot_manager": "APF",
        "pilot_version": "current",
        "corecount": site.corecount,
        "maxrss": site.maxrss,
        "maxmemory": site.maxrss,
        "maxtime": site.maxtime,
        "queues": [
            {
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
        ],
    }


def site_spec(site: Site) -> dict[str, Any]:
    """PanDA site specs (getSiteSpecs / get_site_specs): the attributes a factory reads."""
    return {"siteid": site.name, "nickname": site.name, "status": site.status, "cloud": site.cloud}
