"""Making a new proxy: ``voms-proxy-init`` (flavor voms) or ``myproxy-get-delegation`` (myproxy)."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from autopyfactory.auth.tools import ToolResult, run_tool
from autopyfactory.plugins.context import AuthFailure


@dataclass(frozen=True)
class RenewSpec:
    """How to make a new proxy: the flavour (voms-proxy-init, grid-proxy-init, myproxy), the output file and
    the tool's inputs."""

    flavor: str
    out: Path
    lifetime: int
    vorole: str | None = None
    baseproxy: str | None = None
    usercert: str = ""
    userkey: str = ""
    voms_args: str = ""
    myproxy_host: str | None = None
    myproxy_user: str | None = None
    myproxy_pass: str | None = None
    retrievers: Sequence[str] = ()


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600}:{(seconds % 3600) // 60:02d}"


def voms_command(s: RenewSpec) -> list[str]:
    cmd = ["voms-proxy-init", "-ignorewarn"]
    if s.baseproxy:
        cmd += ["-noregen", "-cert", s.baseproxy, "-key", s.baseproxy]
    else:
        cmd += ["-cert", s.usercert, "-key", s.userkey]
    if s.vorole:
        cmd += ["-voms", s.vorole]
    cmd += ["-valid", _hhmm(s.lifetime), "-out", str(s.out)]
    return cmd + shlex.split(s.voms_args)


def myproxy_command(s: RenewSpec) -> list[str]:
    if not s.myproxy_host or not s.myproxy_user:
        raise AuthFailure("flavor myproxy needs x509.myproxy_hostname and x509.myproxy_username")
    cmd = ["myproxy-get-delegation", "--pshost", s.myproxy_host, "--username", s.myproxy_user]
    if s.vorole:
        cmd += ["--voms", s.vorole]
    return [*cmd, "--proxy_lifetime", str(max(1, s.lifetime // 3600)), "--out", str(s.out)]


def renew(s: RenewSpec, proxy_of: Callable[[Sequence[str]], str]) -> ToolResult:
    """Run the flavour's tool writing ``s.out``; AuthFailure when it cannot even be tried."""
    if s.flavor == "voms":
        return run_tool(voms_command(s))
    cmd = myproxy_command(s)
    if s.retrievers:
        base = proxy_of(s.retrievers)  # AuthFailure when no retriever profile has a valid proxy
        return run_tool([*cmd, "--no_passphrase"], env={"X509_USER_PROXY": base})
    if s.myproxy_pass:
        return run_tool([*cmd, "--stdin_pass"], stdin=s.myproxy_pass + "\n")
    raise AuthFailure("flavor myproxy needs x509.retriever_list or x509.myproxy_passphrase")
