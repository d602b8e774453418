"""``CondorBase``: what every HTCondor flavour submits (tags, log URLs, environment, executable,
custom attributes), submission with ``Schedd.submit(Submit, count=n)`` and removal of pilots."""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from autopyfactory.batch.environment import pilot_environment
from autopyfactory.batch.htcondor import keyspace, pilot_token
from autopyfactory.batch.htcondor.ce_target import ce_target
from autopyfactory.batch.htcondor.description import (
    PILOT_ID,
    SUBMIT_FILE,
    SubmitDescription,
    classad_string,
    parse_condor_attributes,
)
from autopyfactory.batch.htcondor.keyspace import Level
from autopyfactory.batch.htcondor.location import BATCHSTATUS_LOCATION, ScheddLocation
from autopyfactory.batch.htcondor.pilots import live_pilots, remove_jobs
from autopyfactory.batch.htcondor.quoting import condor_environment
from autopyfactory.batch.htcondor.schedd import ScheddHandle, handle
from autopyfactory.batch.htcondor.withdraw import pending_jobs, withdraw_jobs
from autopyfactory.batch.logdir import pilot_log_dir, pilot_log_location
from autopyfactory.config.credentials import X509, CredentialRef
from autopyfactory.config.keys import LIST, STR, Key
from autopyfactory.config.problems import ConfigError, ConfigProblem
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.plugins.context import AuthFailure, CredentialTarget, FactoryContext
from autopyfactory.plugins.submit import BatchSubmitPlugin, PilotRef
from autopyfactory.wrapper.command import pilot_command

log = logging.getLogger(__name__)

# 2.4's FACTORY_JOBID: the submit host's name, expanded by HTCondor's submit code from the factory's
# environment when the pilots are submitted (the factory makes sure HOSTNAME is set)
FACTORY_JOBID = f"$ENV(HOSTNAME)#{PILOT_ID}"

PREFIX = "batchsubmit.condorbase."
SUBMITARGS = Key(
    PREFIX + "submitargs", STR, "", "2.4 condor_submit words; -remote/-name SCHEDD, -pool HOST[:PORT]"
)
ENVIRON = Key(PREFIX + "environ", STR, "", "extra pilot environment, 'K=V K2=V2'")
CONDOR_ATTRIBUTES = Key(
    PREFIX + "condor_attributes", STR, "", "extra submit lines 'k=v,k2=v2' (\\, is a literal comma)"
)
CONDOR_ATTRIBUTE = Key(PREFIX + "condor_attributes.", STR, None, "one extra submit line per key", prefix=True)
PERIODIC_HOLD = Key(
    PREFIX + "periodic_hold",
    STR,
    None,
    "opt-in: a periodic_hold expression for every pilot (2.4 wrote none; docs/htcondor.md has one)",
)
PERIODIC_REMOVE = Key(
    PREFIX + "periodic_remove",
    STR,
    None,
    "opt-in: a periodic_remove expression for every pilot (2.4 wrote none; docs/htcondor.md has one)",
)
BASE_LEVEL = Level(
    PREFIX,
    (
        SUBMITARGS,
        ENVIRON,
        CONDOR_ATTRIBUTES,
        CONDOR_ATTRIBUTE,
        PERIODIC_HOLD,
        PERIODIC_REMOVE,
        *pilot_token.KEYS,
    ),
)


@dataclass(frozen=True, slots=True)
class JobContext:
    """Per-submission values the flavours put into the description."""

    log_dir: Path
    log_url: str
    now: float


@dataclass(frozen=True, slots=True)
class ProxyKeys:
    """A flavour's ``<prefix>proxy`` (auth profiles) and ``<prefix>proxyfile`` (a fixed path) keys."""

    profiles: Key[tuple[str, ...]]
    file: Key[str | None]

    @classmethod
    def under(cls, prefix: str) -> ProxyKeys:
        return cls(
            Key(
                prefix + "proxy",
                LIST,
                (),
                "auth.conf X509 profiles, first valid one is used (None: no proxy)",
            ),
            Key(prefix + "proxyfile", STR, None, "a fixed x509userproxy path, when no profile is given"),
        )

    def all(self) -> tuple[Key[object], ...]:
        return (self.profiles, self.file)


class CondorBase(BatchSubmitPlugin):
    """Abstract: the flavours add their lines in :meth:`add_lines` and call ``super().add_lines``."""

    name: ClassVar[str] = "CondorBase"
    batchstatus = "Condor"  # every flavour's pilots are counted by the schedd query
    key_prefix = PREFIX  # retirement keys are read at the base level, after the renames
    retire_keys_24 = True  # only overlay.peaceful / overlay.killorder, as 2.4's CondorBase read them
    level: ClassVar[Level] = BASE_LEVEL
    proxy_keys: ClassVar[ProxyKeys | None] = None  # a flavour that passes an X509 proxy

    @classmethod
    def levels(cls) -> list[Level]:
        """The hierarchy from this flavour up to CondorBase (each class that defines ``level``)."""
        return [c.__dict__["level"] for c in cls.__mro__ if "level" in c.__dict__]

    @classmethod
    def declared_keys(cls) -> tuple[Key[object], ...]:
        return keyspace.declared(cls.levels())

    @classmethod
    def spelled(cls, queue: ConfigSection, suffix: str) -> str:
        """The key an operator wrote for ``suffix`` (the most specific prefix that has it)."""
        for level in cls.levels():
            if level.prefix + suffix in queue:
                return level.prefix + suffix
        return cls.levels()[0].prefix + suffix

    @classmethod
    def credentials(cls, queue: ConfigSection) -> tuple[CredentialRef, ...]:
        view = keyspace.view(queue, cls.levels())
        pilot = pilot_token.credential_ref(view, cls.spelled(queue, "pilottoken"))
        if cls.proxy_keys is None:
            return pilot
        profiles = view.get(cls.proxy_keys.profiles)
        return (CredentialRef(cls.spelled(queue, "proxy"), X509, profiles), *pilot)

    @classmethod
    def notes(cls, queue: ConfigSection) -> list[ConfigProblem]:
        """The plain ``peaceful``/``killorder`` spellings: 2.4's HTCondor plugins never read them (only
        ``overlay.peaceful``/``overlay.killorder``), so they change nothing here either."""
        out: list[ConfigProblem] = []
        view = keyspace.view(queue, cls.levels())
        out.extend(pilot_token.problems(view, queue, cls.spelled(queue, "pilottoken")))
        own = {k.name for level in cls.levels() for k in level.own_keys}
        try:
            peaceful, killorder = cls.retirement(keyspace.view(queue, cls.levels()))
        except ConfigError:
            return out  # a bad value: reported on its own
        for level in cls.levels():
            for suffix, meaning in (
                ("peaceful", "pilots are not removed when the decision is negative"),
                ("killorder", "the order is overlay.killorder's (default newest)"),
            ):
                key = level.prefix + suffix
                if key in own or key not in queue:
                    continue
                if queue.raw(key) in (str(peaceful if suffix == "peaceful" else killorder), "None"):
                    continue  # says what happens anyway
                out.append(
                    ConfigProblem(
                        "warning",
                        queue.origin_of(key),
                        queue.name,
                        key,
                        f"ignored, as 2.4 ignored it (2.4 read only {level.prefix}overlay.{suffix}): {meaning}",
                        queue.raw(key),
                        f"to have it apply, write {level.prefix}overlay.{suffix} = {queue.raw(key)}"
                        + (" (pilots will then be removed)" if suffix == "peaceful" else ""),
                    )
                )
        return out

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        view = keyspace.view(queue, self.levels())
        super().__init__(ctx, view)
        self.queue = queue
        self.view = view
        self.environ = view.get(ENVIRON)
        self.periodic_hold = view.get(PERIODIC_HOLD)
        self.periodic_remove = view.get(PERIODIC_REMOVE)
        self.condor_attributes = parse_condor_attributes(view.get(CONDOR_ATTRIBUTES))
        self.extra_attributes = [
            (k, v.strip()) for k, v in view.get_prefixed(CONDOR_ATTRIBUTE.name).items() if v.strip() != "None"
        ]
        self.location: ScheddLocation = BATCHSTATUS_LOCATION.with_args(
            BATCHSTATUS_LOCATION.location(queue), view.get(SUBMITARGS)
        )
        command = pilot_command(queue)
        self.executable, self.arguments = command.executable, command.arguments
        self.monitor_url = ctx.monitor_url(queue)
        self.pilot_token = view.get(pilot_token.PILOTTOKEN)
        self.pilot_token_origin = view.get(pilot_token.PILOTTOKEN_ORIGIN)
        os.environ.setdefault("HOSTNAME", socket.gethostname())  # for FACTORY_JOBID's $ENV(HOSTNAME)

    # -- the description ------------------------------------------------------------------------
    def describe(self, now: float | None = None) -> SubmitDescription:
        """The submit description of this queue's pilots (without the queue statement)."""
        now = time.time() if now is None else now
        log_dir, log_url = pilot_log_location(self.ctx.settings, self.apfqname, now)
        d = SubmitDescription()
        job = JobContext(log_dir, log_url, now)
        self.add_lines(d, job)
        for k, v in self.condor_attributes:
            d.set(k, v)
        for k, v in self.extra_attributes:
            d.set(k, v)
        self.credential_lines(d, job, ce_target(self.apfqname, d.get("grid_resource")))
        return d

    def credential_lines(self, d: SubmitDescription, job: JobContext, target: CredentialTarget) -> None:
        """Lines that need a credential for the CE ``target`` (its host from ``grid_resource``):
        here the pilot's own token; the CE flavours add their token."""
        if not self.pilot_token:
            return
        path = self.token(self.pilot_token, target)
        if any(k.lower() == "environment" for k, _ in [*self.condor_attributes, *self.extra_attributes]):
            log.warning(
                "queue=%s: environment is set by condor_attributes: PANDA_AUTH_TOKEN/PANDA_AUTH_ORIGIN "
                "are not added; the pilot token is still transferred",
                self.apfqname,
            )
        else:
            env = {**self.environment(job), **pilot_token.environment(path, self.pilot_token_origin)}
            d.set("environment", condor_environment(env))
        pilot_token.transfer(d, path)

    def add_lines(self, d: SubmitDescription, job: JobContext) -> None:
        """CondorBase's lines: 2.4's ``CondorBase._addJSD``, then the opt-in stuck-pilot expressions."""
        s = self.ctx.settings
        q = classad_string(self.apfqname)
        d.set("Dir", f"{job.log_dir}/")
        if s.admin_email:
            d.set("notify_user", s.admin_email)
        d.set("+MATCH_APF_QUEUE", q)
        d.set("+APF_QUEUE", q)
        d.set("+FACTORY_JOBID", classad_string(FACTORY_JOBID))
        for attr, ext in (("+APF_LOGURL", "log"), ("+APF_OUTURL", "out"), ("+APF_ERRURL", "err")):
            d.set(attr, classad_string(f"{job.log_url}/{PILOT_ID}.{ext}"))
        d.set("environment", condor_environment(self.environment(job)))
        d.set("executable", self.executable)
        if self.arguments:
            d.set("arguments", self.arguments)
        d.set("output", f"$(Dir)/{PILOT_ID}.out")
        d.set("error", f"$(Dir)/{PILOT_ID}.err")
        d.set("log", f"$(Dir)/{PILOT_ID}.log")
        d.set("stream_output", "False")
        d.set("stream_error", "False")
        d.set("notification", "Error")
        d.set("transfer_executable", "True")
        if self.periodic_hold:
            d.set("periodic_hold", self.periodic_hold)
        if self.periodic_remove:
            d.set("periodic_remove", self.periodic_remove)

    def environment(self, job: JobContext) -> dict[str, str]:
        """The pilot environment (APFFID, APFCID, GTAG, ... and ``environ``)."""
        return pilot_environment(
            self.ctx.settings,
            self.apfqname,
            PILOT_ID,
            job.log_url,
            self.monitor_url,
            "$ENV(HOSTNAME)",
            self.environ,
        )

    def configured_proxy(self, keys: ProxyKeys) -> str | None:
        """The proxy named by a flavour's ``proxy`` and ``proxyfile`` keys."""
        return self.proxy(self.view.get(keys.profiles), self.view.get(keys.file))

    def proxy(self, profiles: Sequence[str] | None, proxyfile: str | None = None) -> str | None:
        """The X509 proxy path: from the auth manager for ``profiles``, else the fixed ``proxyfile``."""
        if profiles:
            if self.ctx.auth is None:
                raise AuthFailure(
                    f"queue {self.apfqname} asks for proxy profiles {','.join(profiles)} but the auth "
                    "manager is not running (authmanager.enabled, auth.conf)"
                )
            return self.ctx.auth.proxy_path(profiles, self.apfqname)
        return proxyfile or None

    def token(self, profiles: Sequence[str], target: CredentialTarget) -> str:
        """A valid token's path from the auth manager (AuthFailure when none has one)."""
        if self.ctx.auth is None:
            raise AuthFailure(
                f"queue {self.apfqname} asks for token profiles {','.join(profiles)} but the auth "
                "manager is not running (authmanager.enabled, auth.conf)"
            )
        return self.ctx.auth.token_path(profiles, target)

    # -- submission ------------------------------------------------------------------------------
    @property
    def schedd(self) -> ScheddHandle:
        return handle(self.location)

    def concurrency_key(self) -> Hashable:
        return ("Condor", self.location)

    def submit(self, n: int) -> list[PilotRecord]:
        now = time.time()
        desc = self.describe(now)
        log_dir, log_url = pilot_log_dir(self.ctx.settings, self.apfqname, now)
        (log_dir / SUBMIT_FILE).write_text(desc.render(n), encoding="utf-8")
        sub = desc.to_submit()
        result = self.schedd.call("submit", lambda s: s.submit(sub, count=n))
        cluster, first = int(result.cluster()), int(result.first_proc())
        ids = [f"{cluster}.{first + i}" for i in range(int(result.num_procs()))]
        log.info(
            "queue=%s submitted %d pilots to %s: cluster %d", self.apfqname, len(ids), self.location, cluster
        )
        return [
            PilotRecord(i, self.apfqname, now, "submitted", f"{log_url}/{i}.out", self.log_files) for i in ids
        ]

    def list_pilots(self) -> list[PilotRef]:
        return [PilotRef(j.job_id, j.qdate, j.status_name) for j in live_pilots(self.schedd, self.apfqname)]

    def remove(self, pilot_ids: Sequence[str]) -> None:
        remove_jobs(self.schedd, pilot_ids, f"autopyfactory: retiring pilots of {self.apfqname}")

    # the schedd removes a pilot only while it has not started (batch/htcondor/withdraw.py)
    can_withdraw = True

    def pending_pilots(self) -> list[PilotRef]:
        return [PilotRef(j.job_id, j.qdate, "pending") for j in pending_jobs(self.schedd, self.apfqname)]

    def remove_pending(self, pilot_ids: Sequence[str]) -> list[str]:
        return withdraw_jobs(self.schedd, self.apfqname, pilot_ids)
