"""The time bounds the fault-injection suite holds the factory to, in one place.

Product bounds are the ones docs/operations.md states; the slack covers a loaded 2-core CI machine
(other test processes, Python start-up), never a wait the product itself may take."""

from __future__ import annotations

SLACK = 3.0  # scheduling slack added to every product bound
START = 20.0  # process start to its first decision line, on a loaded machine

# docs/operations.md "Stopping": SIGTERM ends the factory within shutdown.grace + 5 s, whatever
# status query, submission or network call is in flight. Every scenario sets a short grace.
SHUTDOWN_GRACE = 2.0
SIGTERM_EXIT = SHUTDOWN_GRACE + 5.0

# docs/operations.md "Outages": a network call never lasts longer than its configured timeout
# (connection to last byte); the suite configures short timeouts so the bound is observable.
PANDA_TIMEOUT = 2.0
MONITOR_TIMEOUT = 2.0
SLURM_TIMEOUT = 2.0
CRIC_TIMEOUT = 2.0
STATUS_TIMEOUT = 2.5  # [Factory] status.timeout in the network scenario (below every maxage)

# --oneshot / --cycles N with nothing that can run
ONESHOT_EXIT = 10.0

# docs/operations.md "Bounded work": one queue submits at most batchsubmit.maxpercycle pilots per
# cycle (default 1000), and says so when it cuts
SAFETY_CAP = 1000

# docs/operations.md "Outages": a monitor plugin call is bounded by [Factory] monitor.timeout
MONITOR_CALL_TIMEOUT = 2.0

# docs/operations.md "Outages": a queue's plugins get [Factory] plugins.inittimeout to start
PLUGIN_START_TIMEOUT = 2.0

# docs/operations.md "Stopping": the last resort, when something blocks the stop (a thread that is
# not a daemon thread), is exit status 1 at shutdown.grace + 10 s; a second signal exits at once
HARD_EXIT = SHUTDOWN_GRACE + 10.0

# docs/operations.md "Outages": configuration files given as http(s) URLs (queueConf, monitorConf,
# mappingsConf, authConf, ...) are downloaded within [Factory] config.urltimeout (default 30 s); the
# suite sets it shorter, yet long enough for a queue cycling every 0.5 s to decide several times
# while a reload's download lasts
CONFIG_URL_DEADLINE = 8.0
