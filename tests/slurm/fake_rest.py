"""A fake slurmrestd (v0.0.38 shapes, or the wrapped-number shapes of later versions) for httpx."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class FakeSlurmrestd:
    version: str = "v0.0.38"
    token: str | None = None  # when set, X-SLURM-USER-TOKEN must match
    jobs: list[dict[str, Any]] = field(default_factory=list)
    submitted: list[dict[str, Any]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    next_id: int = 100
    fail_submit: str = ""

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.headers.append(dict(request.headers))
        if self.token is not None and request.headers.get("X-SLURM-USER-TOKEN") != self.token:
            return httpx.Response(401, text="Authentication failure")
        prefix = f"/slurm/{self.version}"
        path = request.url.path
        if not path.startswith(prefix):
            return httpx.Response(404, json={"errors": [{"error": "Unable to find requested URL"}]})
        path = path[len(prefix) :]
        if path == "/ping":
            return httpx.Response(200, json={"errors": [], "pings": [{"hostname": "h", "ping": "UP"}]})
        if path == "/job/submit" and request.method == "POST":
            if self.fail_submit:
                return httpx.Response(500, json={"errors": [{"error": self.fail_submit, "error_code": 2014}]})
            body = json.loads(request.content)
            self.submitted.append(body)
            self.next_id += 1
            return httpx.Response(200, json={"errors": [], "job_id": self.next_id, "step_id": "BATCH"})
        if path == "/jobs":
            return httpx.Response(200, json={"errors": [], "jobs": self.jobs})
        if path.startswith("/job/") and request.method == "DELETE":
            self.deleted.append(path[len("/job/") :])
            return httpx.Response(200, json={"errors": []})
        return httpx.Response(405, json={"errors": [{"error": "method not allowed"}]})
