"""``glidein``: start an HTCondor startd that joins a collector (GLOW / IceCube style pilots).

pre_run finds HTCondor (``--condor-dir``, or the tarball from ``--condor-tarball-url``, pilot code
syntax with failover and ``--condor-tarball-checksum``), installs the credential (``--token-file`` /
``--token-env`` IDTOKEN, or ``--gsi-proxy``) and writes a minimal condor_config. run starts
``condor_master -f`` and watches it: at GLIDEIN_Max_Walltime, or after GLIDEIN_Max_Idle seconds with
nothing in the execute directory, it shuts the master down (SIGTERM: graceful; then SIGQUIT: fast;
then SIGKILL, ``--shutdown-grace`` seconds apart)."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import time

from ..checks import meminfo, usable_cpus
from ..exitcodes import PRE_RUN, USAGE, StageError
from ..glidein.config import LAYOUTS, GlideinSettings, render
from ..glidein.lifetime import ExecuteDirProbe, Lifetime
from ..payload import exit_status
from ..pilotcode import fetch_pilot_code
from .base import Plugin

MASTER = os.path.join("sbin", "condor_master")
LOCAL_SUBDIRS = ("log", "execute", "spool", "lock", "run", "tokens.d")


def find_release(root: str) -> str | None:
    """The directory holding sbin/condor_master: ``root`` itself or one level down."""
    if os.path.isfile(os.path.join(root, MASTER)):
        return root
    try:
        entries = sorted(os.listdir(root))
    except OSError:
        return None
    for entry in entries:
        candidate = os.path.join(root, entry)
        if os.path.isfile(os.path.join(candidate, MASTER)):
            return candidate
    return None


def _attr(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE: {text!r}")
    return name.strip(), value.strip()


class GlideinPlugin(Plugin):
    """Wrapper plugin ``glidein``: starts an HTCondor glidein that joins a pool."""

    name = "glidein"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        a = parser.add_argument
        a("--collector", default="", help="the pool's collector, host[:port] (required)")
        a("--condor-dir", default="", help="an HTCondor installation on the node (instead of a tarball)")
        a("--condor-tarball-url", default="", help="HTCondor tarball sources (pilot code syntax)")
        a("--condor-tarball-checksum", default="", help="its sha256 (one per source group)")
        a("--token-file", default="", help="IDTOKEN file for the pool")
        a("--token-env", default="", help="environment variable holding the IDTOKEN")
        a("--gsi-proxy", default="", help="GSI proxy (legacy HTCondor releases)")
        a("--cpus", type=int, default=0, help="CPUs to offer (default: all usable)")
        a("--memory", type=int, default=0, help="MB of memory to offer (default: the node's total)")
        a(
            "--slot-layout",
            choices=LAYOUTS,
            default="partitionable",
            help="one partitionable or N static slots",
        )
        a("--max-idle", type=int, default=1200, help="GLIDEIN_Max_Idle: seconds unclaimed before ending")
        a("--max-walltime", type=int, default=86400, help="GLIDEIN_Max_Walltime: seconds before ending")
        a("--retire-time", type=int, default=0, help="start no job in the last N seconds of the walltime")
        a("--start", default="True", help="START expression (ANDed with the retire time)")
        a("--name", default="", help="STARTD_NAME (default: glidein_<pid>)")
        a("--attr", type=_attr, action="append", default=[], help="NAME=VALUE startd attribute, repeatable")
        a("--config", action="append", default=[], help="extra 'KEY = VALUE' condor_config line, repeatable")
        a("--no-ccb", action="store_true", help="do not use the collector as CCB")
        a("--poll-interval", type=float, default=30.0, help="seconds between lifetime checks")
        a("--shutdown-grace", type=float, default=120.0, help="seconds between shutdown signals")

    # -- pre_run --------------------------------------------------------------------------------
    def _release(self) -> str:
        o = self.opts
        if o.condor_dir:
            release = find_release(o.condor_dir)
            where = o.condor_dir
        elif o.condor_tarball_url:
            code = fetch_pilot_code(
                o.condor_tarball_url,
                "",
                o.condor_tarball_checksum,
                os.path.join(self.ctx.workdir, "condor"),
                self.ctx.options.fetch,
                self.ctx.rng,
            )
            release = find_release(code.root)
            where = code.url
        else:
            raise StageError(USAGE, "glidein: give --condor-dir or --condor-tarball-url")
        if release is None:
            raise StageError(PRE_RUN, f"glidein: no {MASTER} in {where}")
        return os.path.abspath(release)

    def _credential(self, local: str) -> tuple[str, str, str]:
        """(auth, token dir, proxy)."""
        o, env = self.opts, self.ctx.env
        token = ""
        if o.token_file:
            try:
                with open(o.token_file, encoding="utf-8") as f:
                    token = f.read().strip()
            except OSError as exc:
                raise StageError(
                    PRE_RUN, f"glidein: cannot read the token {o.token_file}: {exc.strerror}"
                ) from None
        elif o.token_env:
            token = env.get(o.token_env, "").strip()
            if not token:
                raise StageError(PRE_RUN, f"glidein: ${o.token_env} is empty or unset")
        if token:
            token_dir = os.path.join(local, "tokens.d")
            path = os.path.join(token_dir, "glidein.token")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(token + "\n")
            return "token", token_dir, ""
        proxy = o.gsi_proxy or env.get("X509_USER_PROXY", "")
        if o.gsi_proxy and not os.path.isfile(proxy):
            raise StageError(PRE_RUN, f"glidein: no GSI proxy at {proxy}")
        if proxy and os.path.isfile(proxy):
            return "gsi", "", os.path.abspath(proxy)
        raise StageError(USAGE, "glidein: needs a credential: --token-file, --token-env or --gsi-proxy")

    def settings(self, release: str, local: str, auth: str, token_dir: str, proxy: str) -> GlideinSettings:
        o = self.opts
        memory = o.memory or max(1, meminfo().get("MemTotal", 2048 * 1024) // 1024)
        return GlideinSettings(
            release_dir=release,
            local_dir=local,
            collector=o.collector,
            auth=auth,
            start_time=int(time.time()),
            token_dir=token_dir,
            gsi_proxy=proxy,
            cert_dir=self.ctx.env.get("X509_CERT_DIR", ""),
            cpus=o.cpus or usable_cpus(),
            memory_mb=memory,
            layout=o.slot_layout,
            max_idle=o.max_idle,
            max_walltime=o.max_walltime,
            retire=o.retire_time,
            start_expr=o.start,
            name=o.name or f"glidein_{os.getpid()}",
            ccb=not o.no_ccb,
            attrs=dict(o.attr),
            extra=list(o.config),
        )

    def pre_run(self) -> None:
        if not self.opts.collector:
            raise StageError(USAGE, "glidein: --collector is required")
        release = self._release()
        local = os.path.join(self.ctx.workdir, "glidein")
        for sub in LOCAL_SUBDIRS:
            os.makedirs(os.path.join(local, sub), mode=0o700 if sub == "tokens.d" else 0o755, exist_ok=True)
        auth, token_dir, proxy = self._credential(local)
        self.glidein = self.settings(release, local, auth, token_dir, proxy)
        self.config_path = os.path.join(local, "condor_config")
        with open(self.config_path, "w", encoding="utf-8") as f:
            f.write(render(self.glidein))
        self.log.info(
            "glidein for %s: %d CPUs, %d MB, %s slots, max idle %ds, max walltime %ds, %s auth; config %s",
            self.glidein.collector,
            self.glidein.cpus,
            self.glidein.memory_mb,
            self.glidein.layout,
            self.glidein.max_idle,
            self.glidein.max_walltime,
            auth,
            self.config_path,
        )

    # -- run ------------------------------------------------------------------------------------
    def _stop(self, master: subprocess.Popen[bytes]) -> int:
        for sig in (signal.SIGTERM, signal.SIGQUIT, signal.SIGKILL):
            self.log.info("sending %s to condor_master (pid %d)", sig.name, master.pid)
            try:
                master.send_signal(sig)
            except ProcessLookupError:
                break
            try:
                return master.wait(timeout=self.opts.shutdown_grace)
            except subprocess.TimeoutExpired:
                continue
        return master.wait()

    def run(self) -> int:
        env = dict(self.ctx.env)
        env["CONDOR_CONFIG"] = self.config_path
        g = self.glidein
        argv = [os.path.join(g.release_dir, MASTER), "-f"]
        master = self.ctx.forwarder.start(argv, cwd=g.local_dir, env=env)
        lifetime = Lifetime(time.time(), float(g.max_idle), float(g.max_walltime))
        probe = ExecuteDirProbe(os.path.join(g.local_dir, "execute"))
        reason = None
        try:
            while True:
                try:
                    rc = master.wait(timeout=self.opts.poll_interval)
                    break
                except subprocess.TimeoutExpired:
                    pass
                reason = lifetime.observe(time.time(), probe.busy())
                if reason is not None:
                    self.log.info("glidein ends: %s limit reached", reason)
                    rc = self._stop(master)
                    break
        finally:
            self.ctx.forwarder.release(master)
        status = exit_status(rc)
        if reason is not None and status in (0, 128 + signal.SIGTERM, 128 + signal.SIGQUIT):
            status = 0  # we ended it, and it went on our signal
        self.log.info("condor_master exited with status %d", status)
        return status

    def post_run(self) -> None:
        logdir = os.path.join(self.glidein.local_dir, "log")
        for name in ("MasterLog", "StartLog"):
            path = os.path.join(logdir, name)
            if os.path.isfile(path):
                dest = os.path.join(self.ctx.logdir, f"{self.ctx.env.get('APFCID', 'glidein')}.{name}")
                try:
                    shutil.copyfile(path, dest)
                except OSError as exc:
                    self.log.warning("cannot keep %s: %s", name, exc)


PLUGIN = GlideinPlugin
