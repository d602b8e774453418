"""/api/jobs: registration, listing, one job, the state machine (every pair of states), bad input."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from autopyfactory.monitor_server.app import create_app
from autopyfactory.monitor_server.clock import FakeClock
from autopyfactory.monitor_server.settings import AuthMode, AuthSettings, ServerSettings
from autopyfactory.monitor_server.states import JobState

from .conftest import FACTORY_IP, Mon, register

PATH_TO = {
    JobState.CREATED: [],
    JobState.RUNNING: [{"state": "running"}],
    JobState.EXITING: [{"state": "running"}, {"state": "exiting", "rc": "0"}],
    JobState.DONE: [{"state": "running"}, {"state": "exiting", "rc": "0"}, {"state": "done"}],
    JobState.FAULT: [{"state": "fault"}],
}
ALLOWED = {
    (JobState.CREATED, JobState.RUNNING),
    (JobState.RUNNING, JobState.EXITING),
    (JobState.EXITING, JobState.DONE),
    *((s, JobState.FAULT) for s in JobState if s is not JobState.FAULT),
}


def test_register_jobs_counts_created_and_not_created(mon: Mon) -> None:
    c = mon.client()
    register(c, cids=("1.0",))
    r = c.put(
        "/api/jobs",
        json=[
            {"cid": "1.0", "label": "Q1", "factory": "f1"},  # duplicate
            {"cid": "2.0", "label": "Q1", "factory": "f1"},
            {"cid": "2.0", "label": "Q1", "factory": "f1"},  # duplicate within the request
            {"cid": "3.0", "label": "NOPE", "factory": "f1"},  # unknown label
        ],
    )
    assert (r.status_code, r.text) == (201, "Created 1/4 job(s), 3 not created")
    assert r.headers["content-type"].startswith("text/plain")
    r = c.put("/api/jobs", json=[{"cid": "2.0", "label": "Q1", "factory": "f1"}])
    assert (r.status_code, r.text) == (200, "Created 0/1 job(s), 1 not created")


def test_register_jobs_of_an_unknown_factory_is_404(mon: Mon) -> None:
    r = mon.client().put("/api/jobs", json=[{"cid": "1.0", "label": "Q1", "factory": "ghost"}])
    assert r.status_code == 404
    assert "ghost" in r.text


def test_one_job_has_its_fields_and_history(mon: Mon) -> None:
    c = mon.client()
    register(c, cids=("7.0",))
    mon.clock.advance(10)
    assert (
        mon.client("192.168.1.5")
        .post("/api/jobs/f1:7.0", data={"state": "running", "wrapper": "3.0.0"})
        .status_code
        == 200
    )
    mon.clock.advance(20)
    assert (
        mon.client("192.168.1.5").post("/api/jobs/f1:7.0", data={"state": "exiting", "rc": "3"}).status_code
        == 200
    )
    j = c.get("/api/jobs/f1:7.0").json()
    assert {k: j[k] for k in ("jid", "cid", "label", "factory", "state", "result", "flag")} == {
        "jid": "f1:7.0", "cid": "7.0", "label": "Q1", "factory": "f1", "state": "exiting", "result": 3, "flag": False,
    }  # fmt: skip
    assert [m.split(" ", 1)[1] for m in j["messages"]] == [
        "192.168.1.5 running wrapper=3.0.0",
        "192.168.1.5 exiting rc=3",
    ]
    assert j["created"] == "2023-11-14T22:13:20.000Z"
    assert j["last_modified"] == "2023-11-14T22:13:50.000Z"


def test_success_reply_is_the_job_url(mon: Mon) -> None:
    c = mon.client()
    register(c, cids=("1.0",))
    r = c.post("/api/jobs/f1:1.0", data={"state": "running"})
    assert (r.status_code, r.text) == (200, "http://testserver/api/jobs/f1:1.0")


@pytest.mark.parametrize(
    ("src", "dst"), list(itertools.product(JobState, [s for s in JobState if s is not JobState.CREATED]))
)
def test_state_machine(mon: Mon, src: JobState, dst: JobState) -> None:
    c = mon.client()  # the factory's address: allowed to send every state
    register(c, cids=("1.0",))
    for step in PATH_TO[src]:
        assert c.post("/api/jobs/f1:1.0", data=step).status_code == 200
    data = {"state": dst.value, **({"rc": "0"} if dst is JobState.EXITING else {})}
    r = c.post("/api/jobs/f1:1.0", data=data)
    after = c.get("/api/jobs/f1:1.0").json()
    if (src, dst) in ALLOWED:
        assert r.status_code == 200, r.text
        assert after["state"] == dst.value
    else:
        assert (r.status_code, r.text) == (400, f"Invalid state transition: {src.value}->{dst.value}")
        assert after["state"] == src.value
        assert after["messages"][-1].endswith(f"Invalid state transition: {src.value}->{dst.value}")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({"state": "exiting"}, "parameter 'rc' needs to be an integer"),
        ({"state": "exiting", "rc": "zero"}, "parameter 'rc' needs to be an integer"),
        (
            {"state": "exiting", "rc": "99999"},
            "parameter 'rc' needs to be an integer between -32768 and 32767",
        ),
        ({"state": "created"}, "Invalid state transition: running->created"),
        ({"state": "wrapperrunning"}, "Invalid data: {'state': 'wrapperrunning'}"),
        ({}, "Invalid data: {}"),
    ],
)
def test_bad_state_updates_are_400_with_a_reason(mon: Mon, data: dict[str, str], reason: str) -> None:
    c = mon.client()
    register(c, cids=("1.0",))
    c.post("/api/jobs/f1:1.0", data={"state": "running"})
    r = c.post("/api/jobs/f1:1.0", data=data)
    assert (r.status_code, r.text) == (400, reason)
    assert c.get("/api/jobs/f1:1.0").json()["state"] == "running"


def test_multipart_state_update_takes_the_framework_route(mon: Mon) -> None:
    c = mon.client()
    register(c, cids=("1.0",))
    r = c.post("/api/jobs/f1:1.0", files={"state": (None, "running")})
    assert r.status_code == 200, r.text
    assert c.get("/api/jobs/f1:1.0").json()["state"] == "running"


def test_update_of_an_unknown_job_is_404(mon: Mon) -> None:
    r = mon.client().post("/api/jobs/f1:404.0", data={"state": "running"})
    assert (r.status_code, r.text) == (404, "Not found: http://testserver/api/jobs/f1:404.0")
    assert mon.client().get("/api/jobs/f1:404.0").status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b'{"cid": "1.0"}', 400),
        (b'[{"cid": "1.0", "label": "Q1"}]', 400),
        (b'[{"cid": true, "label": "Q1", "factory": "f1"}]', 400),
        (b'[{"cid": 1.5, "label": "Q1", "factory": "f1"}]', 400),
        (b'[{"cid": "a/b", "label": "Q1", "factory": "f1"}]', 422),
        (b'[{"cid": "1.0", "label": "Q1/x", "factory": "f1"}]', 422),
    ],
)
def test_bad_job_payloads_are_refused(mon: Mon, body: bytes, status: int) -> None:
    c = mon.client()
    register(c)
    r = c.put("/api/jobs", content=body, headers={"content-type": "application/json"})
    assert r.status_code == status
    assert r.text.startswith("Invalid data: ")
    assert c.get("/api/jobs").json() == []


def test_list_jobs_filters_orders_and_pages(mon: Mon) -> None:
    c = mon.client()
    register(c, labels=("Q1", "Q2"), cids=tuple(f"{i}.0" for i in range(5)))
    c.put("/api/jobs", json=[{"cid": "9.0", "label": "Q2", "factory": "f1"}])
    for cid in ("1.0", "3.0"):
        mon.clock.advance(1)
        c.post(f"/api/jobs/f1:{cid}", data={"state": "running"})
    assert [j["jid"] for j in c.get("/api/jobs?state=running&order=-last_modified").json()] == [
        "f1:3.0",
        "f1:1.0",
    ]
    assert len(c.get("/api/jobs?factory=f1&label=Q1").json()) == 5
    assert [j["jid"] for j in c.get("/api/jobs?label=Q2").json()] == ["f1:9.0"]
    page = c.get("/api/jobs?label=Q1&order=jid&offset=1&limit=2").json()
    assert [j["jid"] for j in page] == ["f1:1.0", "f1:2.0"]
    assert c.get("/api/jobs?state=bogus").status_code == 400
    assert c.get("/api/jobs?limit=-1").status_code == 400
    assert c.get("/api/jobs?order=state").status_code == 400


def test_delete_job_needs_the_admin_token(mon: Mon) -> None:
    c = mon.client()
    register(c, cids=("1.0",))
    r = c.delete("/api/jobs/f1:1.0")
    assert r.status_code == 403
    assert mon.admin().delete("/api/jobs/f1:1.0").status_code == 200
    assert c.get("/api/jobs/f1:1.0").status_code == 404
    assert mon.admin().delete("/api/jobs/f1:1.0").status_code == 404


def test_the_app_serves_state_updates_and_expires_again_after_its_lifespan_restarts(
    tmp_path: Path,
) -> None:
    # the ASGI lifespan can run more than once on one app (test clients, embedding servers)
    settings = ServerSettings(db_url=f"sqlite:///{tmp_path}/restart.db", auth=AuthSettings(AuthMode.ADDRESS))
    app = create_app(settings, clock=FakeClock())
    for i in range(2):
        with TestClient(app, client=(FACTORY_IP, 40000)) as c:
            register(c, cids=(f"{i}.0",))
            r = c.post(f"/api/jobs/f1:{i}.0", data={"state": "running"})
            assert r.status_code == 200, r.text
            assert app.state.expiry._thread.is_alive()


def test_an_oversized_body_is_refused_before_it_is_read_whole(mon: Mon) -> None:
    c = mon.client()
    register(c)
    big = b"[" + b'{"cid": "1.0", "label": "Q1", "factory": "f1"},' * 800_000 + b"{}]"  # ~38 MB
    r = c.put("/api/jobs", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "too large" in r.text

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit applies while reading
        yield b"status="
        for _ in range(40):
            yield b"x" * (1 << 20)

    r = c.post(
        "/api/labels/f1:Q1", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 413
    assert c.get("/api/labels/f1:Q1").json()["msg"] == ""
