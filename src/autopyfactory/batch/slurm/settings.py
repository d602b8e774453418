"""Configuration of the Slurm backend: which cluster to talk to, and how (declared keys + typed form)."""

from __future__ import annotations

import os
from collections.abc import Hashable
from dataclasses import dataclass

from autopyfactory.config.keys import LIST, NONNEG_FLOAT, STR, Key, choice
from autopyfactory.config.problems import error
from autopyfactory.config.section import ConfigSection

PREFIX = "batchsubmit.slurm."  # every key of the Slurm plugins

MODE = Key(PREFIX + "mode", choice("cli", "rest"), "cli", "cli: sbatch/squeue/scancel; rest: slurmrestd")
SLURM_CONF = Key(
    PREFIX + "slurmconf", STR, "", "SLURM_CONF for the commands (default: the factory's environment)"
)
CLUSTER = Key(PREFIX + "cluster", STR, "", "cluster name passed as -M (needs slurmdbd)")
REST_URL = Key(PREFIX + "rest.url", STR, "", "slurmrestd: unix:/path/to/socket or http(s)://host:port")
REST_USER = Key(PREFIX + "rest.user", STR, "", "X-SLURM-USER-NAME for JWT auth over TCP")
REST_TOKEN_FILE = Key(
    PREFIX + "rest.tokenfile", STR, "", "file holding the JWT (read at every call; default: $SLURM_JWT)"
)
REST_TOKEN_PROFILE = Key(
    PREFIX + "rest.tokenprofile",
    LIST,
    (),
    "auth.conf Token profiles (first valid one) for X-SLURM-USER-TOKEN (instead of rest.tokenfile); "
    "{ce} in the audience is the slurmrestd host",
)
REST_VERSION = Key(PREFIX + "rest.version", STR, "v0.0.38", "slurmrestd OpenAPI version (22.05: v0.0.38)")

# [Factory] keys
TIMEOUT = Key("batch.slurm.timeout", NONNEG_FLOAT, 30.0, "seconds any Slurm command or REST call may take")
ACCOUNTING = Key(
    "batch.slurm.accounting",
    choice("auto", "sacct", "jobcomp", "none"),
    "auto",
    "finished pilots from sacct (slurmdbd), sacct -c (jobcomp/filetxt), or not at all; auto: try both",
)
DONE_WINDOW = Key(
    "batch.slurm.donewindow", NONNEG_FLOAT, 3600.0, "pilots that ended within this many seconds count as done"
)

ENDPOINT_KEYS = (
    MODE,
    SLURM_CONF,
    CLUSTER,
    REST_URL,
    REST_USER,
    REST_TOKEN_FILE,
    REST_TOKEN_PROFILE,
    REST_VERSION,
)
FACTORY_KEYS = (TIMEOUT, ACCOUNTING, DONE_WINDOW)


@dataclass(frozen=True, slots=True)
class SlurmEndpoint:
    """One Slurm cluster as the factory reaches it. Equal endpoints share one status instance."""

    mode: str = "cli"
    slurm_conf: str = ""
    cluster: str = ""
    rest_url: str = ""
    rest_user: str = ""
    rest_token_file: str = ""
    rest_token_profile: tuple[str, ...] = ()
    rest_version: str = "v0.0.38"
    timeout: float = 30.0

    @classmethod
    def from_config(cls, queue: ConfigSection, factory: ConfigSection | None = None) -> SlurmEndpoint:
        """From the queue's keys; the timeout from ``[Factory]`` (the default without one)."""
        ep = cls(
            mode=queue.get(MODE),
            slurm_conf=queue.get(SLURM_CONF),
            cluster=queue.get(CLUSTER),
            rest_url=queue.get(REST_URL),
            rest_user=queue.get(REST_USER),
            rest_token_file=queue.get(REST_TOKEN_FILE),
            rest_token_profile=queue.get(REST_TOKEN_PROFILE),
            rest_version=queue.get(REST_VERSION) or REST_VERSION.default,
            timeout=factory.get(TIMEOUT) if factory is not None else TIMEOUT.default,
        )
        if ep.mode == "rest" and not ep.rest_url:
            raise error(queue.origin_of(MODE.name), queue.name, REST_URL.name, "is required when mode = rest")
        return ep

    def key(self) -> Hashable:
        """The cluster's identity (the timeout is not part of it)."""
        if self.mode == "rest":
            return ("rest", self.rest_url, self.rest_user, self.rest_token_profile)
        return ("cli", self.slurm_conf or os.environ.get("SLURM_CONF", ""), self.cluster)

    def describe(self) -> str:
        if self.mode == "rest":
            return f"slurmrestd {self.rest_url}"
        conf = self.slurm_conf or os.environ.get("SLURM_CONF", "") or "default slurm.conf"
        return f"Slurm {conf}" + (f" cluster {self.cluster}" if self.cluster else "")
