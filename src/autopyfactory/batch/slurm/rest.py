"""The Slurm cluster through slurmrestd: a unix socket (rest_auth/local: the caller is whoever owns
the connecting process) or TCP with a JWT (``X-SLURM-USER-NAME`` / ``X-SLURM-USER-TOKEN``)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from autopyfactory.batch.slurm.jobs import SlurmJob
from autopyfactory.batch.slurm.request import SubmitRequest
from autopyfactory.batch.slurm.rest_jobs import job_description, parse_rest_job
from autopyfactory.batch.slurm.runner import SlurmError
from autopyfactory.batch.slurm.settings import SlurmEndpoint
from autopyfactory.batch.slurm.withdraw import withdraw_pending
from autopyfactory.net.deadline import http_client
from autopyfactory.plugins.context import AuthFailure, AuthLookup, CredentialTarget

log = logging.getLogger(__name__)

PILOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def unix_socket_path(url: str) -> str | None:
    """``unix:/p``, ``unix:///p`` or a bare absolute path to ``/p``; None for http(s) URLs."""
    if url.startswith("unix:"):
        return "/" + url[len("unix:") :].lstrip("/")
    if url.startswith("/"):
        return url
    return None


def token_reader(
    endpoint: SlurmEndpoint, auth: AuthLookup | None, queue: str = ""
) -> Callable[[], str] | None:
    """Reads the JWT of the endpoint's ``rest.tokenprofile`` (renewed by the auth manager) at every
    call; None when the endpoint names no token profile. AuthFailure when none has a valid token."""
    profiles = endpoint.rest_token_profile
    if not profiles:
        return None
    try:
        u = urlsplit(endpoint.rest_url)
        target = CredentialTarget(queue, u.hostname or "", u.port)
    except ValueError:
        target = CredentialTarget(queue)

    def read() -> str:
        if auth is None:
            raise AuthFailure(
                f"slurmrestd {endpoint.rest_url}: token profiles {','.join(profiles)} but no auth manager"
            )
        path = auth.token_path(profiles, target)
        try:
            with open(path, encoding="utf-8") as f:
                return f.read().strip()
        except OSError as exc:
            raise AuthFailure(f"cannot read the token {path}: {exc.strerror}") from None

    return read


class SlurmRest:
    """Slurm through slurmrestd (HTTP or a Unix socket)."""

    def __init__(
        self,
        endpoint: SlurmEndpoint,
        transport: httpx.BaseTransport | None = None,
        tokens: Callable[[], str] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.tokens = tokens  # the auth manager's token (rest.tokenprofile), else rest.tokenfile/$SLURM_JWT
        self.socket = unix_socket_path(endpoint.rest_url)
        if transport is None and self.socket is not None:
            transport = httpx.HTTPTransport(uds=self.socket)
        base = "http://localhost" if self.socket is not None else endpoint.rest_url.rstrip("/")
        self.client = http_client(endpoint.timeout, base_url=base, transport=transport)
        self.prefix = f"/slurm/{endpoint.rest_version}"

    def _headers(self) -> dict[str, str]:
        if self.socket is not None:
            return {}
        ep = self.endpoint
        token = ""
        if self.tokens is not None:
            token = self.tokens()
        elif ep.rest_token_file:
            try:
                with open(ep.rest_token_file, encoding="utf-8") as f:
                    token = f.read().strip()
            except OSError as exc:
                raise SlurmError(f"cannot read JWT file {ep.rest_token_file}: {exc.strerror}") from None
        else:
            token = os.environ.get("SLURM_JWT", "")
        if not token:
            raise SlurmError(
                f"slurmrestd {ep.rest_url}: no JWT (set rest.tokenprofile, rest.tokenfile or SLURM_JWT)"
            )
        user = ep.rest_user or os.environ.get("USER", "")
        return {"X-SLURM-USER-NAME": user, "X-SLURM-USER-TOKEN": token}

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        where = f"slurmrestd {self.endpoint.rest_url}"
        try:
            resp = self.client.request(method, self.prefix + path, json=body, headers=self._headers())
        except httpx.TimeoutException:
            raise SlurmError(f"{where}: no answer within {self.endpoint.timeout:g}s") from None
        except httpx.HTTPError as exc:
            raise SlurmError(f"{where}: {type(exc).__name__}: {exc}") from None
        try:
            data = resp.json()
        except ValueError:
            data = None
        raw_errors = data.get("errors") if isinstance(data, dict) else None
        errors = [
            (e.get("error") or e.get("description") or str(e)) if isinstance(e, dict) else str(e)
            for e in (raw_errors if isinstance(raw_errors, list) else [])
        ]
        if resp.status_code >= 400 or (errors and method != "GET"):
            detail = "; ".join(str(e) for e in errors) or resp.text[:200]
            raise SlurmError(f"{where}: {method} {path}: HTTP {resp.status_code}: {detail}")
        if not isinstance(data, dict):
            raise SlurmError(f"{where}: {method} {path}: not a JSON object: {resp.text[:200]!r}")
        return data

    def ping(self) -> bool:
        pings = self._call("GET", "/ping").get("pings") or []
        return any(p.get("ping") == "UP" for p in pings)

    def submit(self, request: SubmitRequest) -> list[str]:
        env = {"PATH": PILOT_PATH}
        body = {"script": request.script, "job": job_description(request, self.endpoint.rest_version, env)}
        job_id = self._call("POST", "/job/submit", body).get("job_id")
        if not isinstance(job_id, int):
            raise SlurmError(f"slurmrestd {self.endpoint.rest_url}: no job id in the answer to job/submit")
        return request.pilot_ids(str(job_id))

    def jobs(self) -> list[SlurmJob]:
        records = self._call("GET", "/jobs").get("jobs") or []
        out: list[SlurmJob] = []
        try:
            for job in records:
                out.extend(parse_rest_job(job))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise SlurmError(
                f"slurmrestd {self.endpoint.rest_url}: GET /jobs: unexpected job record: {exc!r}"
            ) from None
        return out

    def finished(self, since: float) -> list[SlurmJob] | None:
        return None  # finished jobs only while the controller keeps them (MinJobAge), via jobs()

    def cancel(self, pilot_ids: Sequence[str]) -> None:
        failed: list[str] = []
        for pid in pilot_ids:
            try:
                self._call("DELETE", f"/job/{pid}")
            except SlurmError as exc:
                failed.append(f"{pid} ({exc})")
        if failed:
            raise SlurmError(f"cancel failed for {len(failed)} of {len(pilot_ids)}: " + ", ".join(failed[:5]))

    def withdraw(self, pilot_ids: Sequence[str]) -> list[str]:
        return withdraw_pending(self, pilot_ids)

    def _set_hold(self, pilot_ids: Sequence[str], hold: bool) -> None:
        for pid in pilot_ids:
            try:  # 22.05 answers an array task's update with an error even when it took
                self._call("POST", f"/job/{pid}", {"hold": hold})
            except SlurmError as exc:
                log.debug("%s", exc)

    def hold(self, pilot_ids: Sequence[str]) -> None:
        self._set_hold(pilot_ids, True)

    def held_pending(self, pilot_ids: Sequence[str]) -> set[str]:
        wanted = set(pilot_ids)
        return {j.pilot_id for j in self.jobs() if j.held and j.state == "PENDING" and j.pilot_id in wanted}

    def release(self, pilot_ids: Sequence[str]) -> None:
        self._set_hold(pilot_ids, False)

    def close(self) -> None:
        self.client.close()
