"""The expiry rules and retention, driven by a fake clock."""

from __future__ import annotations

from autopyfactory.monitor_server.settings import ExpirySettings

from .conftest import Mon, MonFactory, register

H = 3600.0


def _states(mon: Mon) -> dict[str, tuple[str, bool]]:
    c = mon.client()
    return {j["jid"]: (j["state"], j["flag"]) for j in c.get("/api/jobs?limit=0").json()}


def test_default_rules_flag_finish_and_fault_stale_pilots(mon: Mon) -> None:
    c = mon.client()
    register(c, cids=("created.0", "running.0", "exiting.0", "fresh.0"))
    c.post("/api/jobs/f1:running.0", data={"state": "running"})
    c.post("/api/jobs/f1:exiting.0", data={"state": "running"})
    c.post("/api/jobs/f1:exiting.0", data={"state": "exiting", "rc": "0"})

    mon.clock.advance(29 * 60)
    assert mon.expire()["done"] == 0
    mon.clock.advance(2 * 60)  # exiting for 31 min -> done
    assert mon.expire()["done"] == 1
    assert _states(mon)["f1:exiting.0"] == ("done", False)

    c.put("/api/jobs", json=[{"cid": "late.0", "label": "Q1", "factory": "f1"}])
    mon.clock.advance(6 * H - 30 * 60)  # created 6 h ago -> flagged
    c.post("/api/jobs/f1:fresh.0", data={"state": "running"})  # touched: not flagged
    report = mon.expire()
    assert (report["flagged_created"], report["flagged_running"]) == (1, 0)
    s = _states(mon)
    assert s["f1:created.0"] == ("created", True)
    assert s["f1:late.0"] == ("created", False)

    mon.clock.advance(24 * H + 1)  # flagged 24 h ago and untouched -> fault
    report = mon.expire()
    assert report["fault"] == 1
    assert _states(mon)["f1:created.0"] == ("fault", True)
    hist = c.get("/api/jobs/f1:created.0").json()["messages"]
    assert [m.split(" ", 2)[2] for m in hist] == [
        "flagged: created for more than 6h",
        "fault: flagged and untouched for 24h",
    ]

    mon.clock.advance(72 * H)  # running for 72 h -> flagged
    assert mon.expire()["flagged_running"] >= 1
    assert _states(mon)["f1:running.0"] == ("running", True)


def test_a_flagged_pilot_that_moves_is_unflagged(mon: Mon) -> None:
    c = mon.client()
    register(c, cids=("1.0",))
    mon.clock.advance(7 * H)
    mon.expire()
    assert _states(mon)["f1:1.0"] == ("created", True)
    c.post("/api/jobs/f1:1.0", data={"state": "running"})
    mon.clock.advance(25 * H)
    assert mon.expire()["fault"] == 0
    assert _states(mon)["f1:1.0"] == ("running", False)


def test_thresholds_are_configurable(make_mon: MonFactory) -> None:
    mon = make_mon(expiry=ExpirySettings(exiting_done_after=5, created_flag_after=10, flagged_fault_after=20))
    c = mon.client()
    register(c, cids=("1.0", "2.0"))
    c.post("/api/jobs/f1:1.0", data={"state": "running"})
    c.post("/api/jobs/f1:1.0", data={"state": "exiting", "rc": "1"})
    mon.clock.advance(11)
    r = mon.expire()
    assert (r["done"], r["flagged_created"]) == (1, 1)
    mon.clock.advance(21)
    assert mon.expire()["fault"] == 1
    assert _states(mon) == {"f1:1.0": ("done", False), "f1:2.0": ("fault", True)}


def test_retention_deletes_old_finished_pilots_then_idle_labels_and_factories(make_mon: MonFactory) -> None:
    mon = make_mon(expiry=ExpirySettings(keep_finished=2 * H, keep_inactive=3 * H))
    c = mon.client()
    register(c, labels=("Q1", "Q2"), cids=("1.0", "2.0"))
    c.post("/api/jobs/f1:1.0", data={"state": "fault"})
    mon.clock.advance(2 * H + 1)
    r = mon.expire()
    assert r["deleted_jobs"] == 1
    assert set(_states(mon)) == {"f1:2.0"}
    mon.clock.advance(1 * H)  # Q2 and the factory unmodified for 3 h; Q1 still has a pilot
    r = mon.expire()
    assert (r["deleted_labels"], r["deleted_factories"]) == (1, 0)
    assert [x["name"] for x in c.get("/api/labels").json()] == ["Q1"]


def test_the_expiry_lease_lets_one_process_act(mon: Mon) -> None:
    from autopyfactory.monitor_server.background import ExpiryTask

    first = mon.app.state.expiry
    other = ExpiryTask(first.engine, mon.clock, first.rules, first.metrics)
    assert first.run_once() is not None
    assert other.run_once() is None  # the lease is held
    assert first.run_once() is not None  # the holder renews it
    mon.clock.advance(3 * first.rules.interval + 1)
    assert other.run_once() is not None  # expired: taken over


def test_admin_expire_endpoint_reports_actions(mon: Mon) -> None:
    c = mon.client()
    register(c, cids=("1.0",))
    mon.clock.advance(7 * H)
    r = mon.admin().post("/api/admin/expire")
    assert r.status_code == 200
    assert r.json()["flagged_created"] == 1
