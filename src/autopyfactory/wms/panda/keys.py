"""Configuration keys of the ``Panda`` WMS status plugin."""

from __future__ import annotations

from autopyfactory.config.keys import LIST, NONNEG_FLOAT, NONNEG_INT, STR, Key, choice

# [Factory] keys (2.4 names where 2.4 had them)
SLEEP = Key("wmsstatus.panda.sleep", NONNEG_FLOAT, 150.0, "seconds between two refreshes of PanDA data")
MAXAGE = Key("wmsstatus.panda.maxage", NONNEG_FLOAT, 360.0, "PanDA data older than this counts as missing")
TIMEOUT = Key("wmsstatus.panda.timeout", NONNEG_FLOAT, 60.0, "longest one HTTP request may take (s)")
RETRIES = Key("wmsstatus.panda.retries", NONNEG_INT, 3, "extra attempts after a failed request")
BACKOFF = Key(
    "wmsstatus.panda.backoff", NONNEG_FLOAT, 2.0, "first pause between attempts (s), doubled each time"
)
MAXSIZE = Key("wmsstatus.panda.maxsize", NONNEG_INT, 64 << 20, "largest response accepted (bytes)")

FACTORY_KEYS = (SLEEP, MAXAGE, TIMEOUT, RETRIES, BACKOFF, MAXSIZE)

# queue keys: which server, which API, where site status comes from, which credentials
# No default server: a queue says which PanDA server it reads, in this key or, as 2.4's PanDA client
# took it, in the factory's environment ($PANDA_URL_SSL, else $PANDA_URL). 2.4 otherwise fell back
# on CERN's production server; this factory never sends anyone's queries there unasked.
URL = Key(
    "wmsstatus.panda.url",
    STR,
    None,
    "PanDA server base URL (a trailing /server/panda or /api/v1 is ignored); no default server: "
    "unset, $PANDA_URL_SSL or $PANDA_URL of the factory's environment (as 2.4's client), else an error",
)
ENV_URLS = ("PANDA_URL_SSL", "PANDA_URL")
URL_FIX = (
    "set wmsstatus.panda.url = https://<your PanDA server>:25443 in the queue or its [DEFAULT] "
    "(2.4 used CERN's, https://pandaserver.cern.ch:25443, when nothing said otherwise)"
)
API = Key(
    "wmsstatus.panda.api",
    choice("v1", "legacy", "legacy-label"),
    "v1",
    "v1: /api/v1/statistics/active_job_stats_by_site; legacy: getJobStatisticsPerSite; "
    "legacy-label: getJobStatisticsWithLabel (what 2.4 called)",
)
SITESTATUS = Key(
    "wmsstatus.panda.sitestatus",
    STR,
    "panda",
    "where site status comes from: 'panda' (the server's site specs) or the URL/path of a CRIC "
    "pandaqueue JSON",
)
CERT = Key("wmsstatus.panda.cert", STR, "", "X509 client certificate (or proxy) file")
KEY = Key("wmsstatus.panda.key", STR, "", "private key file of wmsstatus.panda.cert (if separate)")
PROXY = Key(
    "wmsstatus.panda.proxy", LIST, (), "auth.conf profiles whose X509 proxy is the client certificate"
)
TOKEN = Key("wmsstatus.panda.token", STR, "", "file holding a bearer token (read at every refresh)")
ORIGIN = Key("wmsstatus.panda.origin", STR, "", "Origin header sent with the token (the VO, e.g. atlas)")
VERIFY = Key(
    "wmsstatus.panda.verify",
    STR,
    "True",
    "server certificate check: True (system CAs), False, or a CA bundle file / CA directory",
)

QUEUE_KEYS = (URL, API, SITESTATUS, CERT, KEY, PROXY, TOKEN, ORIGIN, VERIFY)
