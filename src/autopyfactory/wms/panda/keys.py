"""Configuration keys of the ``Panda`` WMS status plugin."""

from __future__ import annotations

from autopyfactory.config.keys import LIST, NONNEG_FLOAT, NONNEG_INT, STR, Key, choice

DEFAULT_URL = "https://pandaserver.cern.ch:25443"

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
URL = Key(
    "wmsstatus.panda.url",
    STR,
    DEFAULT_URL,
    "PanDA server base URL (a trailing /server/panda or /api/v1 is ignored)",
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
