"""A throwaway PostgreSQL cluster: initdb + pg_ctl in a temporary directory, trust auth on 127.0.0.1.

Run as root, the cluster runs as the ``postgres`` system user (initdb refuses root)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries, or the cluster would not start; the message says why."""


def find_bindir() -> Path | None:
    for cand in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(cand, "initdb").exists() and Path(cand, "pg_ctl").exists():
            return Path(cand)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class TempPostgres:
    """A throw-away PostgreSQL server for tests (initdb in a temporary directory)."""

    bindir: Path
    root: Path
    port: int
    as_user: str | None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _cmd(self, *argv: str) -> list[str]:
        return ["runuser", "-u", self.as_user, "--", *argv] if self.as_user else list(argv)

    @classmethod
    def start(cls, durable: bool = False) -> TempPostgres:
        """``durable=False`` turns fsync off (tests); ``True`` keeps PostgreSQL's defaults (benchmarks)."""
        bindir = find_bindir()
        if bindir is None:
            raise PostgresUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found")
        as_user = None
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                raise PostgresUnavailable("running as root without runuser: cannot start PostgreSQL")
            as_user = "postgres"
            try:
                import pwd

                pw = pwd.getpwnam(as_user)
            except KeyError:
                raise PostgresUnavailable("running as root and there is no 'postgres' user") from None
        root = Path(tempfile.mkdtemp(prefix="apfmon-pg-"))
        if as_user:
            os.chown(root, pw.pw_uid, pw.pw_gid)
        pg = cls(bindir, root, _free_port(), as_user)
        data = root / "data"
        r = subprocess.run(
            pg._cmd(
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
            ),
            capture_output=True,
            text=True,
        )
        if r.returncode != 0:
            shutil.rmtree(root, ignore_errors=True)
            raise PostgresUnavailable(f"initdb failed: {r.stderr.strip()[-500:]}")
        conf = (
            f"listen_addresses = '127.0.0.1'\nport = {pg.port}\nunix_socket_directories = '{root}'\n"
            "max_connections = 200\nshared_buffers = 128MB\n"
            + ("" if durable else "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        )
        with open(data / "postgresql.conf", "a") as f:
            f.write(conf)
        r = subprocess.run(
            pg._cmd(
                str(bindir / "pg_ctl"), "-D", str(data), "-l", str(root / "log"), "-w", "-t", "60", "start"
            ),
            capture_output=True,
            text=True,
        )
        if r.returncode != 0:
            log = (root / "log").read_text() if (root / "log").exists() else r.stderr
            shutil.rmtree(root, ignore_errors=True)
            raise PostgresUnavailable(f"pg_ctl start failed: {log.strip()[-500:]}")
        return pg

    def create_database(self, name: str) -> str:
        """A fresh database; returns its URL."""
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            c.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run(
            self._cmd(
                str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "immediate", "-w", "stop"
            ),
            capture_output=True,
        )
        shutil.rmtree(self.root, ignore_errors=True)
