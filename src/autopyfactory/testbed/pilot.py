#!/usr/bin/env python3
"""The testbed's reference pilot: asks PanDA for a job, runs its payload, reports, repeats.

Standard library only, one file, so a wrapper can fetch and run it anywhere:

    python3 pilot.py -s SITE -r RESOURCE -q QUEUE --url SERVER_URL [--api v1|legacy] [--max-jobs N]

Like the PanDA pilot's generic user, it downloads the job's ``transformation`` (a URL under one
of ``--baseurls``, by default the server's) into a fresh work directory and runs
``./<script> <jobPars>`` with ``/bin/sh``; a job whose transformation is not a URL runs ``jobPars``
itself as a shell command. It reports ``running`` before and ``finished`` (exit code 0) or
``failed`` (other exit codes) after, with the exit code. It takes another job while younger than
the queue's ``timefloor`` (read from ``<server>/cache/schedconfig/<queue>.all.json``; 0: one job;
unknown: until the server has none). It exits 0 when the server has no job for it (or after
``--max-jobs``, or past the timefloor), 3 when the server cannot be reached, and 128+N when
stopped by signal N (reporting its job failed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

EXIT_UNREACHABLE = 3
EXIT_TRF = 64  # the job's transformation could not be had (reported as the job's exit code)


class ServerError(RuntimeError):
    """The server answered with an error."""


def say(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} pilot: {msg}", flush=True)


class Panda:
    """The two calls a pilot makes, in the v1 or the legacy API."""

    def __init__(self, url: str, api: str, timeout: float, retries: int) -> None:
        u = url.rstrip("/")
        for suffix in ("/server/panda", "/api/v1"):
            if u.endswith(suffix):
                u = u[: -len(suffix)]
        self.base, self.api, self.timeout, self.retries = u, api, timeout, retries

    def _post(self, path: str, fields: dict[str, Any]) -> bytes:
        if self.api == "v1":
            data = json.dumps(fields).encode()
            ctype = "application/json"
        else:
            data = urllib.parse.urlencode({k: v for k, v in fields.items() if v is not None}).encode()
            ctype = "application/x-www-form-urlencoded"
        req = urllib.request.Request(
            self.base + path, data=data, headers={"Content-Type": ctype, "Accept": "application/json"}
        )
        last = ""
        for attempt in range(self.retries + 1):
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as r:
                    return bytes(r.read())
            except (urllib.error.URLError, OSError) as exc:
                last = str(getattr(exc, "reason", exc))
                if attempt < self.retries:
                    time.sleep(min(30.0, 0.5 * 2**attempt))
        raise ServerError(f"{self.base}{path}: {last}")

    def get_job(
        self, site: str, queue: str, resource: str, label: str, node: str, pilot_id: str
    ) -> dict[str, Any] | None:
        if self.api == "v1":
            doc = _json(
                self._post(
                    "/api/v1/pilot/acquire_jobs",
                    {
                        "site_name": site,
                        "computing_element": queue,
                        "resource_type": resource,
                        "prod_source_label": label,
                        "node": node,
                        "n_jobs": 1,
                        "pilot_id": pilot_id,
                    },
                )
            )
            if doc.get("success") is not True:
                if "no jobs" in str(doc.get("message", "")).lower():
                    return None
                raise ServerError(f"acquire_jobs failed: {doc.get('message')}")
            jobs = (doc.get("data") or {}).get("jobs") or []
            return jobs[0] if jobs else None
        body = self._post(
            "/server/panda/getJob",
            {
                "siteName": site,
                "computingElement": queue,
                "resourceType": resource,
                "prodSourceLabel": label,
                "node": node,
                "pilot_id": pilot_id,
            },
        )
        doc = _json_or_query(body)
        code = int(doc.get("StatusCode", -1))
        if code == 20:
            return None
        if code != 0:
            raise ServerError(f"getJob: StatusCode {code} {doc.get('errorDialog', '')}")
        return doc

    def update(
        self, job_id: int, state: str, exit_code: int | None, node: str, pilot_id: str, diag: str = ""
    ) -> None:
        if self.api == "v1":
            fields: dict[str, Any] = {
                "job_id": job_id,
                "job_status": state,
                "node": node,
                "pilot_id": pilot_id,
            }
            if exit_code is not None:
                fields["trans_exit_code"] = exit_code
            if diag:
                fields["pilot_error_diag"] = diag
            doc = _json(self._post("/api/v1/pilot/update_job", fields))
            if doc.get("success") is not True:
                raise ServerError(f"update_job {job_id} {state}: {doc.get('message')}")
            return
        legacy: dict[str, Any] = {
            "jobId": job_id,
            "state": state,
            "node": node,
            "transExitCode": exit_code,
            "pilotID": pilot_id,
        }
        if diag:
            legacy["pilotErrorDiag"] = diag
        doc = _json_or_query(self._post("/server/panda/updateJob", legacy))
        if int(doc.get("StatusCode", -1)) != 0:
            raise ServerError(f"updateJob {job_id} {state}: StatusCode {doc.get('StatusCode')}")


def _json(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except ValueError:
        raise ServerError(f"not JSON: {body[:100]!r}") from None
    if not isinstance(doc, dict):
        raise ServerError(f"unexpected answer: {body[:100]!r}")
    return doc


def _json_or_query(body: bytes) -> dict[str, Any]:
    text = body.decode("utf-8", "replace").strip()
    if text.startswith("{"):
        return _json(body)
    return {k: v[0] for k, v in urllib.parse.parse_qs(text, keep_blank_values=True).items()}


def timefloor_of(panda: Panda, queues: list[str]) -> int | None:
    """The queue's timefloor (minutes) from the server's schedconfig cache; None if unknown."""
    for q in dict.fromkeys(x for x in queues if x):
        url = f"{panda.base}/cache/schedconfig/{urllib.parse.quote(q)}.all.json"
        try:
            with urllib.request.urlopen(url, timeout=panda.timeout) as r:
                doc = json.loads(r.read())
        except (urllib.error.URLError, OSError, ValueError):
            continue
        if isinstance(doc, dict) and str(doc.get("timefloor", "")).strip().lstrip("-").isdigit():
            return int(doc["timefloor"])
    return None


class Transformations:
    """Transformation scripts, downloaded once per pilot from trusted base URLs."""

    def __init__(self, baseurls: list[str], cache: str, timeout: float) -> None:
        self.baseurls = [b.rstrip("/") + "/" for b in baseurls if b]
        self.cache, self.timeout = cache, timeout
        self.fetched: dict[str, str] = {}

    def command(self, job: dict[str, Any], workdir: str) -> str:
        """The shell command that runs the job in ``workdir``."""
        trf = str(job.get("transformation") or "")
        pars = str(job.get("jobPars") or "")
        if "://" not in trf:
            return pars
        if not any(trf.startswith(b) for b in self.baseurls):
            raise ServerError(f"invalid base URL: {trf} (trusted: {', '.join(self.baseurls)})")
        name = trf.rsplit("/", 1)[-1] or "transformation"
        if trf not in self.fetched:
            path = os.path.join(self.cache, f"{len(self.fetched)}-{name}")
            try:
                with urllib.request.urlopen(trf, timeout=self.timeout) as r, open(path, "wb") as out:
                    shutil.copyfileobj(r, out)
            except (urllib.error.URLError, OSError) as exc:
                raise ServerError(f"cannot download {trf}: {getattr(exc, 'reason', exc)}") from None
            self.fetched[trf] = path
        dest = os.path.join(workdir, name)
        shutil.copyfile(self.fetched[trf], dest)
        os.chmod(dest, 0o755)
        return f"./{name} {pars}"


class Stop(Exception):
    """A signal asked the pilot to stop."""

    def __init__(self, signum: int) -> None:
        self.signum = signum


def run_payload(command: str, workdir: str, env: dict[str, str]) -> int:
    """Exit code of ``/bin/sh -c command``; 128+N when killed by signal N."""
    proc = subprocess.Popen(["/bin/sh", "-c", command], cwd=workdir, env=env)
    try:
        rc = proc.wait()
    except Stop:
        proc.terminate()
        proc.wait()
        raise
    return 128 - rc if rc < 0 else rc


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="pilot.py", description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument(
        "-s", "--site", required=True, help="PanDA site (computing site / wmsqueue) to ask jobs for"
    )
    p.add_argument("-r", "--resource", required=True, help="PanDA resource (panda_resource)")
    p.add_argument("-q", "--queue", required=True, help="PanDA queue / computing element")
    p.add_argument("--url", required=True, help="PanDA server base URL")
    p.add_argument("--api", choices=("v1", "legacy"), default="v1", help="PanDA API (default v1)")
    p.add_argument("--max-jobs", type=int, default=0, help="stop after this many jobs (0: no limit)")
    p.add_argument(
        "--timefloor",
        type=int,
        default=None,
        help="minutes during which to take more jobs (default: the queue's; 0: one job)",
    )
    p.add_argument(
        "--baseurls",
        default="",
        help="comma-separated URLs transformations may come from (default: the server's)",
    )
    p.add_argument("--label", default="managed", help="prodSourceLabel to ask for")
    p.add_argument("--pilot-id", default="", help="identity reported to the server (default APFFID:APFCID)")
    p.add_argument("--workdir", default="", help="where payload work directories go (default: a temp dir)")
    p.add_argument("--timeout", type=float, default=30.0, help="HTTP timeout (s)")
    p.add_argument("--retries", type=int, default=3, help="extra attempts of a failed HTTP call")
    return p.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    node = socket.gethostname()
    pilot_id = args.pilot_id or (
        f"{os.environ['APFFID']}:{os.environ['APFCID']}"
        if os.environ.get("APFFID") and os.environ.get("APFCID")
        else f"{node}:{os.getpid()}"
    )

    def on_signal(signum: int, frame: object) -> None:
        raise Stop(signum)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)
    panda = Panda(args.url, args.api, args.timeout, args.retries)
    base = args.workdir or tempfile.mkdtemp(prefix="pilot-")
    os.makedirs(base, exist_ok=True)
    trfs = Transformations(
        [b.strip() for b in args.baseurls.split(",")] if args.baseurls else [panda.base], base, args.timeout
    )
    timefloor = (
        args.timefloor if args.timefloor is not None else timefloor_of(panda, [args.resource, args.queue])
    )
    say(
        f"{pilot_id} for site={args.site} queue={args.queue} server={panda.base} api={args.api}"
        f" timefloor={'unknown' if timefloor is None else f'{timefloor} min'}"
    )
    started = time.monotonic()
    done = 0
    current: int | None = None
    try:
        while True:
            if args.max_jobs > 0 and done >= args.max_jobs:
                break
            if done and timefloor is not None and time.monotonic() - started >= timefloor * 60:
                say(f"past the timefloor ({timefloor} min): no more jobs")
                break
            try:
                job = panda.get_job(args.site, args.queue, args.resource, args.label, node, pilot_id)
            except ServerError as exc:
                say(f"cannot get a job: {exc}")
                return EXIT_UNREACHABLE
            if job is None:
                say(f"no job for site {args.site}" + (" (this pilot found none)" if done == 0 else ""))
                break
            current = int(job["PandaID"])
            workdir = os.path.join(base, f"PandaJob_{current}")
            os.makedirs(workdir, exist_ok=True)
            env = dict(os.environ, PandaID=str(current), PANDA_SITE=args.site)
            _report(panda, current, "running", None, node, pilot_id)
            t0 = time.time()
            try:
                rc = run_payload(trfs.command(job, workdir), workdir, env)
                diag = ""
            except ServerError as exc:
                rc, diag = EXIT_TRF, str(exc)
                say(f"job {current}: {diag}")
            state = "finished" if rc == 0 else "failed"
            _report(panda, current, state, rc, node, pilot_id, diag)
            say(f"job {current} {state} rc={rc} in {time.time() - t0:.1f}s")
            current = None
            done += 1
            shutil.rmtree(workdir, ignore_errors=True)
    except Stop as stop:
        rc = 128 + stop.signum
        if current is not None:
            _report(panda, current, "failed", rc, node, pilot_id, f"pilot stopped by signal {stop.signum}")
        say(f"stopped by signal {stop.signum} after {done} job(s)")
        return rc
    finally:
        if not args.workdir:
            shutil.rmtree(base, ignore_errors=True)
    say(f"done: ran {done} job(s)")
    return 0


def _report(
    panda: Panda, job_id: int, state: str, rc: int | None, node: str, pilot_id: str, diag: str = ""
) -> None:
    try:
        panda.update(job_id, state, rc, node, pilot_id, diag)
    except ServerError as exc:
        say(f"could not report job {job_id} {state}: {exc}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
