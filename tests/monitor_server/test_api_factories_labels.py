"""/api/factories and /api/labels: register, update, read, status messages, delete, bad input."""

from __future__ import annotations

import pytest

from .conftest import FACTORY_IP, Mon, register


def test_factory_put_creates_then_updates(mon: Mon) -> None:
    c = mon.client()
    body = {"version": "2.4.9", "email": "ops@example.org", "url": "http://f1.example.org:25880"}
    r = c.put("/api/factories/f1", json=body)
    assert r.status_code == 201
    row = r.json()[0]
    assert {k: row[k] for k in ("name", "version", "email", "url", "ip", "type")} == {
        "name": "f1", "version": "2.4.9", "email": "ops@example.org", "url": "http://f1.example.org:25880",
        "ip": FACTORY_IP, "type": "AutoPyFactory",
    }  # fmt: skip
    mon.clock.advance(60)
    r = c.put("/api/factories/f1", json={**body, "version": "3.0", "type": "glideinWMS"})
    assert r.status_code == 200
    one = c.get("/api/factories/f1").json()
    assert (one["version"], one["type"], one["active"]) == ("3.0", "glideinWMS", True)
    assert one["last_startup"] == "2023-11-14T22:14:20.000Z"
    assert len(one["activity"]) == 24
    assert [f["name"] for f in c.get("/api/factories").json()] == ["f1"]


def test_unknown_factory_is_404_with_the_url(mon: Mon) -> None:
    r = mon.client().get("/api/factories/nobody")
    assert (r.status_code, r.text) == (404, "Not found: http://testserver/api/factories/nobody")


@pytest.mark.parametrize(
    ("name", "body", "status"),
    [("f1", b"[]", 400), ("f1", b"{", 400), ("f1", b'{"version": 3}', 400), ("a:b", b"{}", 422),
     ("x" * 65, b"{}", 422), ("a%2Fb", b"{}", 422), ("a b", b"{}", 422), ("%2E%2E", b"{}", 422)],
)  # fmt: skip
def test_bad_factory_registrations_are_refused(mon: Mon, name: str, body: bytes, status: int) -> None:
    r = mon.client().put(f"/api/factories/{name}", content=body)
    assert r.status_code == status
    assert r.text.startswith("Invalid data")
    assert mon.client().get("/api/factories").json() == []


def test_labels_put_reports_created_updated_and_skips_unknown_factories(mon: Mon) -> None:
    c = mon.client()
    register(c, labels=("Q1",))
    r = c.put(
        "/api/labels",
        json=[
            {"name": "Q1", "factory": "f1", "batchqueue": "BQ", "extra": "ignored"},
            {"name": "Q2", "factory": "f1", "wmsqueue": "SITE"},
            {"name": "Q3", "factory": "unknown"},
        ],
    )
    assert (r.status_code, r.text) == (201, "Created 1/3 label(s), 1 updated")
    r = c.put("/api/labels", json=[{"name": "Q2", "factory": "f1"}])
    assert (r.status_code, r.text) == (200, "Created 0/1 label(s), 1 updated")
    labels = c.get("/api/labels?factory=f1").json()
    assert [(x["name"], x["prq"]) for x in labels] == [("Q1", "BQ"), ("Q2", "")]


@pytest.mark.parametrize("body", [b"{}", b'[{"name": "Q"}]', b'[{"name": "", "factory": "f1"}]', b"[1]"])
def test_bad_label_payloads_are_400(mon: Mon, body: bytes) -> None:
    c = mon.client()
    register(c)
    r = c.put("/api/labels", content=body)
    assert r.status_code == 400
    assert r.text.startswith("Invalid data: ")


def test_label_counts_mortality_and_status_messages(mon: Mon) -> None:
    c = mon.client()
    register(c, cids=tuple(f"{i}.0" for i in range(6)))
    for cid in ("0.0", "1.0", "2.0"):
        c.post(f"/api/jobs/f1:{cid}", data={"state": "running"})
    c.post("/api/jobs/f1:0.0", data={"state": "exiting", "rc": "0"})
    c.post("/api/jobs/f1:0.0", data={"state": "done"})
    c.post("/api/jobs/f1:1.0", data={"state": "fault"})
    c.post("/api/jobs/f1:3.0", data={"state": "fault"})
    c.post("/api/jobs/f1:4.0", data={"state": "fault"})
    for i in range(7):
        mon.clock.advance(60)
        r = c.post("/api/labels/f1:Q1", data={"status": f"Ready:in=0,out={i};Scale:ret={i}" + "x" * 300})
        assert r.status_code == 200
    lab = c.get("/api/labels/f1:Q1").json()
    counts = {k: lab[k] for k in ("ncreated", "nrunning", "nexiting", "ndone", "nfault", "mortality")}
    assert counts == {"ncreated": 1, "nrunning": 1, "nexiting": 0, "ndone": 1, "nfault": 3, "mortality": 75.0}
    assert lab["msg"].startswith("Ready:in=0,out=6;") and len(lab["msg"]) == 255
    assert len(lab["messages"]) == 5 and lab["messages"][0].startswith("Ready:in=0,out=6;")
    assert sum(lab["activity"]) == 6 and lab["activity"][22] == 6  # created 7 min ago, 5-min buckets
    assert c.get("/api/factories/f1").json()["last_cycle"] == "2023-11-14T22:20:20.000Z"


def test_label_status_needs_a_status_field_and_a_registered_factory(mon: Mon) -> None:
    c = mon.client()
    register(c)
    assert c.post("/api/labels/f1:Q1", data={"msg": "x"}).status_code == 400
    assert c.post("/api/labels/missingcolon", data={"status": "x"}).status_code == 400
    assert c.get("/api/labels/f1:NOPE").status_code == 404
    r = c.post("/api/labels/ghost:Q1", data={"status": "x"})
    assert r.status_code == 404 and "factory 'ghost' is not registered" in r.text


def test_label_status_of_a_queue_without_pilots_creates_its_label(mon: Mon) -> None:
    # APF 2.4 registers a label with its first pilots only, but posts every queue's status each
    # cycle: a queue with no activated jobs would otherwise never show
    c = mon.client()
    register(c)
    assert c.post("/api/labels/f1:IDLE_Q", data={"status": "Ready:in=0,activated=0,ret=0"}).status_code == 200
    lab = c.get("/api/labels/f1:IDLE_Q").json()
    assert (lab["msg"], lab["ncreated"]) == ("Ready:in=0,activated=0,ret=0", 0)


def test_list_labels_pages_and_orders(mon: Mon) -> None:
    c = mon.client()
    register(c, labels=("B", "A", "C"))
    assert [x["name"] for x in c.get("/api/labels").json()] == ["A", "B", "C"]
    assert [x["name"] for x in c.get("/api/labels?order=-name&limit=2").json()] == ["C", "B"]
    assert [x["name"] for x in c.get("/api/labels?offset=2&limit=0").json()] == ["C"]
    assert c.get("/api/labels?order=bogus").status_code == 400


def test_deletes_need_the_admin_token_and_cascade(mon: Mon) -> None:
    c = mon.client()
    register(c, labels=("Q1", "Q2"), cids=("1.0",))
    assert c.delete("/api/labels/f1:Q1").status_code == 403
    assert c.delete("/api/factories/f1").status_code == 403
    assert mon.admin().delete("/api/labels/f1:Q2").status_code == 200
    assert [x["name"] for x in c.get("/api/labels").json()] == ["Q1"]
    assert mon.admin().delete("/api/factories/f1").status_code == 200
    assert c.get("/api/labels").json() == []
    assert c.get("/api/jobs/f1:1.0").status_code == 404
    assert mon.admin().delete("/api/factories/f1").status_code == 404


def test_unknown_paths_and_methods_answer_in_text(mon: Mon) -> None:
    c = mon.client()
    r = c.get("/api/nothing")
    assert (r.status_code, r.headers["content-type"][:10]) == (404, "text/plain")
    r = c.patch("/api/factories/f1")
    assert r.status_code == 405
