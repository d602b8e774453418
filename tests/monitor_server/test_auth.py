"""Who may write: factory tokens, the factory's address (APFMon), wrappers, the admin token."""

from __future__ import annotations

from pathlib import Path

import pytest

from autopyfactory.monitor_server.settings import AuthMode

from .conftest import FACTORY_IP, Mon, MonFactory, register

FACTORY = {"version": "3.0", "email": "", "url": ""}


def test_token_mode_refuses_writes_without_the_factory_token(make_mon: MonFactory) -> None:
    mon = make_mon(AuthMode.TOKEN)
    anon = mon.client()
    r = anon.put("/api/factories/f1", json=FACTORY)
    assert r.status_code == 403
    assert "needs that factory's token" in r.text
    t1, t2 = mon.token_for("f1"), mon.token_for("f2")
    f1, f2 = mon.client("10.1.1.1", t1), mon.client("10.2.2.2", t2)
    register(f1, "f1", cids=("1.0",))
    register(f2, "f2", labels=("Q2",))
    # another factory's token cannot touch f1's factory, labels, jobs or states
    assert f2.put("/api/factories/f1", json=FACTORY).status_code == 403
    assert f2.put("/api/labels", json=[{"name": "X", "factory": "f1"}]).status_code == 403
    assert f2.put("/api/jobs", json=[{"cid": "2.0", "label": "Q1", "factory": "f1"}]).status_code == 403
    assert f2.post("/api/labels/f1:Q1", data={"status": "hijack"}).status_code == 403
    assert f2.post("/api/jobs/f1:1.0", data={"state": "fault"}).status_code == 403
    assert anon.get("/api/labels/f1:Q1").json()["msg"] == ""
    assert anon.get("/api/jobs/f1:1.0").json()["state"] == "created"
    # a replaced token stops working at once
    mon.token_for("f1")
    assert f1.post("/api/labels/f1:Q1", data={"status": "x"}).status_code == 403


def test_wrappers_move_pilots_forward_only_and_never_to_done_or_fault(make_mon: MonFactory) -> None:
    mon = make_mon(AuthMode.TOKEN)
    f1 = mon.client("10.1.1.1", mon.token_for("f1"))
    register(f1, cids=("1.0", "2.0"))
    wn = mon.client("172.16.5.5")  # a worker node: no token
    assert wn.post("/api/jobs/f1:1.0", data={"state": "running"}).status_code == 200
    assert wn.post("/api/jobs/f1:1.0", data={"state": "exiting", "rc": "0"}).status_code == 200
    r = wn.post("/api/jobs/f1:1.0", data={"state": "done"})
    assert r.status_code == 403 and "only the job's factory" in r.text
    assert wn.post("/api/jobs/f1:2.0", data={"state": "fault"}).status_code == 403
    assert wn.post("/api/jobs/f1:1.0", data={"state": "running"}).status_code == 400
    assert f1.post("/api/jobs/f1:1.0", data={"state": "done"}).status_code == 200
    assert f1.post("/api/jobs/f1:2.0", data={"state": "fault"}).status_code == 200


def test_address_mode_binds_a_factory_to_the_address_it_registered_from(make_mon: MonFactory) -> None:
    mon = make_mon(AuthMode.ADDRESS)
    home = mon.client(FACTORY_IP)
    register(home, cids=("1.0",))
    elsewhere = mon.client("10.9.9.9")
    r = elsewhere.put("/api/factories/f1", json=FACTORY)
    assert r.status_code == 403 and "registered from another address" in r.text
    assert elsewhere.post("/api/labels/f1:Q1", data={"status": "x"}).status_code == 403
    assert elsewhere.post("/api/jobs/f1:1.0", data={"state": "fault"}).status_code == 403
    assert home.post("/api/jobs/f1:1.0", data={"state": "fault"}).status_code == 200
    # a new factory may register from anywhere
    assert elsewhere.put("/api/factories/f9", json=FACTORY).status_code == 201


def test_admin_token_may_do_everything_and_manage_tokens(make_mon: MonFactory) -> None:
    mon = make_mon(AuthMode.TOKEN)
    admin = mon.admin()
    register(admin, cids=("1.0",))
    assert admin.post("/api/jobs/f1:1.0", data={"state": "fault"}).status_code == 200
    mon.token_for("f1")
    assert [t["factory"] for t in admin.get("/api/admin/tokens").json()] == ["f1"]
    assert admin.delete("/api/admin/tokens/f1").status_code == 200
    assert admin.delete("/api/admin/tokens/f1").status_code == 404
    plain = mon.client()
    assert plain.get("/api/admin/tokens").status_code == 403
    assert plain.post("/api/admin/tokens/f1").status_code == 403
    assert mon.client(token="wrong").post("/api/admin/expire").status_code == 403


def test_without_an_admin_token_configured_nobody_is_admin(make_mon: MonFactory) -> None:
    from dataclasses import replace

    mon = make_mon(AuthMode.TOKEN)
    auth = mon.app.state.services.auth
    auth.settings = replace(auth.settings, admin_token="")
    assert mon.client(token="").delete("/api/factories/x").status_code == 403
    assert mon.client(token="anything").get("/api/admin/tokens").status_code == 403


def test_address_mode_another_process_cannot_take_over_a_newly_registered_factory(
    make_mon: MonFactory, tmp_path: Path
) -> None:
    # two server processes on one database; the intruder first asks process A about f1 before f1
    # exists, then f1 registers through process B: A must not go on believing nobody owns f1
    db = f"sqlite:///{tmp_path}/shared.db"
    a, b = make_mon(AuthMode.ADDRESS, db_url=db), make_mon(AuthMode.ADDRESS, db_url=db)
    intruder = a.client("10.9.9.9")
    assert intruder.put("/api/labels", json=[{"name": "Q1", "factory": "f1"}]).status_code == 200
    register(b.client(FACTORY_IP), cids=("1.0",))
    assert intruder.put("/api/factories/f1", json=FACTORY).status_code == 403
    assert intruder.put("/api/labels", json=[{"name": "X", "factory": "f1"}]).status_code == 403
    assert intruder.post("/api/jobs/f1:1.0", data={"state": "fault"}).status_code == 403
    assert b.client().get("/api/factories/f1").json()["ip"] == FACTORY_IP


def _revocation_is_immediate(a: Mon, b: Mon) -> None:
    """``a`` and ``b``: two server processes on one database (or one process twice)."""
    old = a.token_for("f1")
    register(a.client("10.1.1.1", old), cids=("1.0",))
    via_b = b.client("10.1.1.1", old)
    assert via_b.post("/api/labels/f1:Q1", data={"status": "warm"}).status_code == 200  # b has used it
    new = a.token_for("f1")  # replaced through a
    r = via_b.post("/api/labels/f1:Q1", data={"status": "stale token"})
    assert r.status_code == 403 and "not this factory's" in r.text
    assert via_b.post("/api/jobs/f1:1.0", data={"state": "fault"}).status_code == 403
    assert b.client("10.1.1.1", new).post("/api/labels/f1:Q1", data={"status": "new"}).status_code == 200
    assert a.admin().delete("/api/admin/tokens/f1").status_code == 200  # revoked through a
    r = b.client("10.1.1.1", new).put("/api/jobs", json=[{"cid": "2.0", "label": "Q1", "factory": "f1"}])
    assert r.status_code == 403
    assert b.client().get("/api/labels/f1:Q1").json()["msg"] == "new"


def test_a_replaced_or_revoked_token_stops_working_at_once(make_mon: MonFactory) -> None:
    mon = make_mon(AuthMode.TOKEN)
    _revocation_is_immediate(mon, mon)


def test_a_token_revoked_through_another_server_process_stops_working_at_once(
    make_mon: MonFactory, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path}/shared.db"
    _revocation_is_immediate(make_mon(AuthMode.TOKEN, db_url=db), make_mon(AuthMode.TOKEN, db_url=db))


@pytest.mark.postgres
def test_a_token_revoked_through_another_server_process_stops_working_at_once_on_postgres(
    make_mon: MonFactory, pg_url: str
) -> None:
    _revocation_is_immediate(make_mon(AuthMode.TOKEN, db_url=pg_url), make_mon(AuthMode.TOKEN, db_url=pg_url))


def test_a_token_revoked_with_the_command_line_stops_working_at_once(
    make_mon: MonFactory, tmp_path: Path
) -> None:
    from autopyfactory.cli.main import main

    db = f"sqlite:///{tmp_path}/cli.db"
    mon = make_mon(AuthMode.TOKEN, db_url=db)
    f1 = mon.client("10.1.1.1", mon.token_for("f1"))
    register(f1)
    assert main(["monitor", "token", "revoke", "f1", "--db", db]) == 0
    assert f1.post("/api/labels/f1:Q1", data={"status": "x"}).status_code == 403
