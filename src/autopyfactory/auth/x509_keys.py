"""The keys of an X509 profile (auth.conf spells them ``x509.<key>``; proxy.conf without the prefix)."""

from __future__ import annotations

from autopyfactory.config.keys import BOOL, LIST, NONNEG_INT, STR, Key, choice

PREFIX = "x509."  # every key of an X509 profile
FLAVOR = Key(PREFIX + "flavor", choice("voms", "myproxy"), "voms", "how the proxy is made")
BASEPROXY = Key(PREFIX + "baseproxy", STR, None, "a long proxy to derive from (voms-proxy-init -noregen)")
USERCERT = Key(PREFIX + "usercert", STR, "~/.globus/usercert.pem", "certificate for voms-proxy-init")
USERKEY = Key(PREFIX + "userkey", STR, "~/.globus/userkeynopw.pem", "passwordless key for voms-proxy-init")
LIFETIME = Key(PREFIX + "lifetime", NONNEG_INT, 604800, "lifetime of a new proxy (s)")
CHECKTIME = Key(PREFIX + "checktime", NONNEG_INT, 3600, "seconds between checks")
MINLIFE = Key(
    PREFIX + "minlife", NONNEG_INT, 259200, "renew (and refuse to hand out) below this many seconds"
)
INTERRUPTCHECK = Key(PREFIX + "interruptcheck", NONNEG_INT, 1, "unused (2.4 thread granularity)")
INITDELAY = Key(PREFIX + "initdelay", NONNEG_INT, 0, "seconds before the first check")
RENEW = Key(PREFIX + "renew", BOOL, True, "False: only check a proxy managed elsewhere")
OWNER = Key(PREFIX + "owner", STR, None, "chown the proxy to this user (factory run as root)")
VOROLE = Key(PREFIX + "vorole", STR, None, "e.g. atlas:/atlas/Role=production (checked in the FQANs)")
PROXYFILE = Key(PREFIX + "proxyfile", STR, None, "the proxy path handed to pilots", required=True)
MYPROXY_HOST = Key(PREFIX + "myproxy_hostname", STR, None, "MyProxy server")
MYPROXY_USER = Key(PREFIX + "myproxy_username", STR, None, "MyProxy account")
MYPROXY_PASS = Key(PREFIX + "myproxy_passphrase", STR, None, "MyProxy passphrase (or use retriever_list)")
RETRIEVERS = Key(PREFIX + "retriever_list", LIST, (), "profiles whose proxy authenticates to MyProxy")
VOMS_ARGS = Key(PREFIX + "voms.args", STR, None, "extra voms-proxy-init arguments")
ALERTBEFORE = Key(
    PREFIX + "alertbefore",
    NONNEG_INT,
    86400,
    "alert when a proxy nothing renews will be refused within this many seconds",
)
REMOTE = tuple(
    Key(PREFIX + f"remote_{k}", STR, None, "not supported (2.4 documented it, never implemented it)")
    for k in ("host", "user", "owner", "group")
)

X509_KEYS = (
    FLAVOR, BASEPROXY, USERCERT, USERKEY, LIFETIME, CHECKTIME, MINLIFE, INTERRUPTCHECK, INITDELAY, RENEW,
    OWNER, VOROLE, PROXYFILE, MYPROXY_HOST, MYPROXY_USER, MYPROXY_PASS, RETRIEVERS, VOMS_ARGS, ALERTBEFORE, *REMOTE,
)  # fmt: skip
