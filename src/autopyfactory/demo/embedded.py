"""The demo's configuration tree, APF 2.4-shaped: ``autopyfactory.conf``, ``queues.conf`` and
``queues.d/`` naming only PanDA queue nicknames (``[DEFAULT]`` interpolation included),
``monitor.conf``, and the operator defaults file the CRIC plugin lays under what CRIC says."""

from __future__ import annotations

import shlex
import socket
from dataclasses import dataclass
from pathlib import Path

from autopyfactory.testbed.realpilot import pilot_arguments, pilot_environment


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class DemoSites:
    """The demo's PanDA queues. Their CRIC ``timefloor`` (minutes) decides how many jobs a pilot
    takes, as for real PanDA pilots: at the online site pilots keep taking jobs for
    ``online_timefloor`` minutes (longer than the demo drains in), at the test site one each."""

    online: str = "DEMO_ONLINE"
    test: str = "DEMO_TEST"
    offline: str = "DEMO_OFFLINE"
    online_timefloor: int = 10
    test_timefloor: int = 0

    def specs(self) -> list[str]:
        return [
            f"{self.online}:online:{self.online_timefloor}",
            f"{self.test}:test:{self.test_timefloor}",
            f"{self.offline}:offline",
        ]


AUTOPYFACTORY_CONF = """\
[Factory]
factoryId = demo-factory
factoryAdminEmail = operator@example.org
factoryUser = {user}
enablequeues = True
# queues.conf and queues.d name PanDA queues; CRIC (the testbed's) supplies the rest
config.queues.plugin = File, CRIC
queueConf = queues.conf
queueDirConf = queues.d
config.queues.cric.url = {panda}/cric/api/atlas/pandaqueue/query/?json
config.queues.cric.vos = testbed
config.queues.cric.pilotmanager = apf
config.queues.cric.jobsperpilot = {jobs_per_pilot}
config.queues.cric.defaultsfiles = cric-defaults.conf
monitorConf = monitor.conf
wmsstatus.panda.sleep = 0.2
wmsstatus.panda.maxage = 30
wmsstatus.panda.timeout = 10
baseLogDir = {base}/logs
baseLogDirUrl = http://localhost:{logport}
statedir = {base}/state
logserver.enabled = True
logserver.index = True
cleanlogs.keepdays = 7
batch.local.slots = {slots}
batch.local.killgrace = 5
"""

# What every queue from CRIC gets unless CRIC or the operator's queue files say otherwise.
CRIC_DEFAULTS = """\
[DEFAULT]
wmsstatusplugin = Panda
wmsstatus.panda.url = {panda}
wmsstatus.panda.api = v1
batchsubmitplugin = Local
batchsubmit.local.environ = APF_PYTHON={python}{environ}
apfqueue.sleep = {sleep}
# Ready then Scale: one pilot per jobsperpilot activated jobs; KeepNRunning (no keep_running) turns
# that target into "minus the pilots already there", MinPerCycle keeps it from going negative.
schedplugin = Ready, Scale, KeepNRunning, MinPerCycle, MaxPerCycle, MaxPending, MaxToRun, StatusTest, StatusOffline
sched.minpercycle.minimum = 0
sched.maxtorun.maximum = {max_torun}
monitorsection = demo-monitor
wrapper.plugin = panda
wrapper.serverurl = {panda}
wrapper.pilotcode = %(wrapper.serverurl)s/testbed/{pilotcode}
wrapper.pluginargs = {pluginargs}
"""

QUEUES_CONF = """\
# Only the PanDA queue's nickname: CRIC supplies wmsqueue, the submit plugin, the scale factor.
[DEFAULT]
sched.maxpercycle.maximum = 8
sched.maxpending.maximum = %(sched.maxpercycle.maximum)s

[{online}]
"""

# queues.d: one shared [DEFAULT] in 00-defaults.conf, one file per queue (how production sites do it)
QUEUES_D = {
    "00-defaults.conf": """\
[DEFAULT]
sched.maxpercycle.maximum = 8
sched.maxpending.maximum = %(sched.maxpercycle.maximum)s
sched.statustest.pilots = 1
sched.statusoffline.pilots = 0
""",
    "10-test.conf": """\
# a site in test mode gets sched.statustest.pilots per cycle; its pilots take one job each (the
# queue's timefloor is 0){test_note}
[{test}]
{test_args}""",
    "20-offline.conf": """\
[{offline}]
""",
}

MONITOR_CONF = """\
[demo-monitor]
monitorplugin = Dummy
"""

# with the demo's monitor: the APF plugin reports every cycle to it (its dashboard shows the queues)
APF_MONITOR_CONF = """\
[demo-monitor]
monitorplugin = APF
monitorURL = {url}
"""


def write_tree(
    base: Path,
    user: str,
    panda_url: str,
    python: str,
    sites: DemoSites = DemoSites(),
    sleep: float = 3.0,
    slots: int = 10,
    jobs_per_pilot: float = 10,
    max_jobs: int = 0,
    max_torun: int = 8,
    real_pilot: bool = False,
    monitor_url: str = "",
) -> Path:
    """Write the demo configuration under ``base``; return the conf directory. With
    ``real_pilot`` the wrapper runs the real PanDA pilot (the testbed's ``pilot3.tar.gz``) instead
    of the reference pilot. With ``monitor_url`` the queues report to that monitor (``APF``), else
    to the log (``Dummy``)."""
    conf = base / "etc"
    (conf / "queues.d").mkdir(parents=True, exist_ok=True)
    names = {"online": sites.online, "test": sites.test, "offline": sites.offline}
    common = {"panda": panda_url, "jobs_per_pilot": jobs_per_pilot}
    (conf / "autopyfactory.conf").write_text(
        AUTOPYFACTORY_CONF.format(base=base, logport=free_port(), user=user, slots=slots, **common)
    )
    if real_pilot:
        pilot = {
            "pilotcode": "pilot3.tar.gz",
            "pluginargs": shlex.join(["--pilot-entry", "pilot3_launch.py", *pilot_arguments(panda_url)]),
            "environ": "".join(f" {k}={shlex.quote(v)}" for k, v in pilot_environment(panda_url).items()),
        }
        test_note, test_args = "", ""
    else:
        pilot = {"pilotcode": "pilot.py", "pluginargs": f"--max-jobs={max_jobs}", "environ": ""}
        test_note, test_args = " and speak PanDA's legacy API", "wrapper.pluginargs = --api=legacy\n"
    (conf / "cric-defaults.conf").write_text(
        CRIC_DEFAULTS.format(python=python, sleep=sleep, max_torun=max_torun, **pilot, **common)
    )
    (conf / "queues.conf").write_text(QUEUES_CONF.format(**names))
    for name, text in QUEUES_D.items():
        (conf / "queues.d" / name).write_text(text.format(test_note=test_note, test_args=test_args, **names))
    monitor = APF_MONITOR_CONF.format(url=monitor_url) if monitor_url else MONITOR_CONF
    (conf / "monitor.conf").write_text(monitor)
    return conf
