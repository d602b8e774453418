"""A client of the testbed's own endpoints (queue jobs, change site status, read the summary)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from autopyfactory.testbed.model import SiteSummary, Summary


class TestbedError(RuntimeError):
    """The testbed refused a request or could not be reached."""


class TestbedClient:
    """Feeds and reads a running testbed over HTTP."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TestbedClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kw: Any) -> Any:
        try:
            r = self._http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise TestbedError(f"cannot reach the testbed at {self.url}: {exc}") from None
        if r.status_code >= 400:
            try:
                msg = r.json().get("error", r.text)
            except ValueError:
                msg = r.text
            raise TestbedError(f"{method} {path}: HTTP {r.status_code}: {msg}")
        return r.json()

    def wait_ready(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self._http.get("/testbed/health").status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TestbedError(f"the testbed at {self.url} did not answer within {timeout:.0f}s")
            time.sleep(0.1)

    def submit(self, site: str, jobs: int, command: str, label: str = "managed") -> list[int]:
        doc = self._call(
            "POST", "/testbed/jobs", json={"site": site, "jobs": jobs, "command": command, "label": label}
        )
        return [int(i) for i in doc["panda_ids"]]

    def set_site(self, site: str, status: str) -> None:
        self._call("PUT", f"/testbed/sites/{site}", json={"status": status})

    def summary(self) -> Summary:
        rows = self._call("GET", "/testbed/summary")
        return Summary(
            tuple(
                SiteSummary(
                    r["site"],
                    r["status"],
                    {k: int(v) for k, v in r["jobs"].items()},
                    r["pilots"],
                    r["pilots_without_job"],
                )
                for r in rows
            )
        )
