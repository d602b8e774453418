"""The embedded default configuration tree the demo runs on (APF 2.4 layout, local pilots)."""

from __future__ import annotations

import socket
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


AUTOPYFACTORY_CONF = """\
[Factory]
factoryId = demo-factory
factoryAdminEmail = operator@example.org
factoryUser = {user}
enablequeues = True
queueConf = queues.conf
queueDirConf = queues.d
monitorConf = monitor.conf
baseLogDir = {base}/logs
baseLogDirUrl = http://localhost:{port}
statedir = {base}/state
logserver.enabled = True
logserver.index = True
cleanlogs.keepdays = 7
batch.local.slots = 6
batch.local.killgrace = 5
"""

QUEUES_CONF = """\
# A self-contained queue with its own [DEFAULT] (each queueConf file has its own).
[DEFAULT]
vo = demo
pilot.seconds = 4

[DEMO_ONLINE-local]
enabled = True
wmsqueue = DEMO_ONLINE
apfqueue.sleep = 10
wmsstatusplugin = Static
wmsstatus.static.activated = 12
wmsstatus.static.status = online
batchsubmitplugin = Local
schedplugin = Ready, Scale, MaxPerCycle, MinPerCycle, StatusTest, StatusOffline, MaxPending
sched.scale.factor = 0.5
sched.maxpercycle.maximum = 4
sched.maxpending.maximum = 3
monitorsection = demo-monitor
executable = /bin/sh
executable.arguments = -c "echo pilot $APFCID of $FACTORYQUEUE on %(vo)s; sleep %(pilot.seconds)s"
"""

# queues.d: shared [DEFAULT] in 00-defaults.conf, one file per queue, the way production sites do it.
QUEUES_D = {
    "00-defaults.conf": """\
[DEFAULT]
enabled = True
vo = demo
grid = local
apfqueue.sleep = 10
wmsstatusplugin = Static
batchstatusplugin = Local
batchsubmitplugin = Local
schedplugin = Ready, Scale, MaxPerCycle, MinPerCycle, StatusTest, StatusOffline, MaxPending
sched.scale.factor = 0.5
sched.maxpercycle.maximum = 4
sched.minpercycle.minimum = 0
sched.maxpending.maximum = 3
sched.statustest.pilots = 1
sched.statusoffline.pilots = 0
monitorsection = demo-monitor
executable = /bin/sh
executable.arguments = -c "echo pilot $APFCID of $FACTORYQUEUE (%(wmsqueue)s); sleep %(pilot.seconds)s"
pilot.seconds = 3
""",
    "10-test.conf": """\
[DEMO_TEST-local]
wmsqueue = DEMO_TEST
wmsstatus.static.activated = 30
wmsstatus.static.status = test
""",
    "20-offline.conf": """\
[DEMO_OFFLINE-local]
wmsqueue = DEMO_OFFLINE
wmsstatus.static.activated = 50
wmsstatus.static.status = offline
""",
}

MONITOR_CONF = """\
[demo-monitor]
monitorplugin = Dummy
"""


def write_tree(base: Path, user: str) -> Path:
    """Write the demo configuration under ``base``; return the conf directory."""
    conf = base / "etc"
    (conf / "queues.d").mkdir(parents=True, exist_ok=True)
    (conf / "autopyfactory.conf").write_text(
        AUTOPYFACTORY_CONF.format(base=base, port=free_port(), user=user)
    )
    (conf / "queues.conf").write_text(QUEUES_CONF)
    for name, text in QUEUES_D.items():
        (conf / "queues.d" / name).write_text(text)
    (conf / "monitor.conf").write_text(MONITOR_CONF)
    return conf
