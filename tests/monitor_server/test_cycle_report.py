"""``POST /api/factories/<fid>/cycle`` and what the dashboard makes of it: each queue's health row
(configuration state, last cycle, decision and action, inputs, WMS data age and last poll error, the
batch system's counts beside the wrappers'), the staleness rule, the plot, admission and bad items,
and a database from before the queue status upgraded with its data."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from autopyfactory.monitor_server.db.engine import make_engine
from autopyfactory.monitor_server.db.migrate import upgrade
from autopyfactory.monitor_server.db.schema import factories, label_messages, label_status, labels
from autopyfactory.monitor_server.settings import AuthMode

from .conftest import Mon, MonFactory, register


def running(name: str, **kw: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "name": name,
        "wmsqueue": "SITE_" + name,
        "state": "running",
        "state_reason": "",
        "state_age": 600.0,
        "interval": 10.0,
        "cycles": 5,
        "cycle_age": 1.0,
        "action": "submit",
        "action_text": "submitted 2",
        "decision": 2,
        "target": 2,
        "chain": "Ready:in=0,activated=12,offset=0,pending=1,ret=11;MaxPerCycle:in=11,maximum=2,ret=2",
        "activated": 12,
        "pending": 1,
        "running": 3,
        "site": "online",
        "batch": {"pending": 1, "running": 3, "done": 9, "age": 2.0},
        "sources": [
            {
                "category": "wmsstatus",
                "plugin": "Panda",
                "age": 4.0,
                "maxage": 60.0,
                "error": "",
                "error_age": None,
            },
            {"category": "batchstatus", "plugin": "Local", "age": 2.0, "maxage": 360.0},
        ],
    }
    item.update(kw)
    return item


def state_only(name: str, state: str, reason: str) -> dict[str, Any]:
    return {"name": name, "state": state, "state_reason": reason, "state_age": 30.0}


def post(c: Any, body: dict[str, Any], factory: str = "f1") -> Any:
    return c.post(f"/api/factories/{factory}/cycle", json=body)


def test_a_cycle_report_stores_every_queue_and_the_factory_page_shows_its_health(mon: Mon) -> None:
    c = mon.client()
    register(c, labels=("OK",), cids=tuple(f"{i}.0" for i in range(4)))
    c.post("/api/jobs/f1:0.0", data={"state": "running"})
    stale_wms = {"category": "wmsstatus", "plugin": "Panda", "age": 95.0, "maxage": 60.0,
                 "error": "ConnectError: [Errno 111] Connection refused", "error_age": 3.0}  # fmt: skip
    body = {
        "cycle": 12,
        "interval": 10.0,
        "dropped": 0,
        "queues": [
            running("OK"),
            running(
                "DOWN",
                action="none",
                action_text="none (wms data 95s old > maxage 60s)",
                decision=0,
                activated=None,
                sources=[stale_wms],
            ),
            running(
                "KEPT",
                state="kept-last-good",
                state_reason="queues.conf [KEPT] sched.maxpercycle.maximum = 'lots': expected an integer",
            ),
            state_only(
                "BROKEN",
                "not-started",
                "queues.conf [BROKEN] schedplugin = 'Nope': no sched plugin named 'Nope'",
            ),
            state_only("OFF", "disabled-by-config", "enabled = False"),
        ],
    }
    r = post(c, body)
    assert (r.status_code, r.text) == (200, "Updated 5/5 queue(s)")
    html = c.get("/factory/f1").text
    rows = {  # a queue's row and the row below it (why it does not run as configured, its chain)
        m: html[html.index(f'data-label="{m}"') :].split("<tr data-label=")[0].split("</tbody>")[0]
        for m in ("OK", "DOWN", "KEPT", "BROKEN", "OFF")
    }
    # the queues that need the operator come first, flagged, with why
    order = [html.index(f'data-label="{m}"') for m in ("BROKEN", "KEPT", "OFF", "DOWN", "OK")]
    assert order == sorted(order)
    assert 'data-config-state="not-started"' in rows["BROKEN"] and "no sched plugin named" in rows["BROKEN"]
    assert 'class="flagged"' in rows["KEPT"] and "expected an integer" in rows["KEPT"]
    assert 'data-config-state="disabled-by-config"' in rows["OFF"] and "enabled = False" in rows["OFF"]
    ok = rows["OK"]
    assert re.search(r'data-col="decision">2<', ok) and "submitted 2" in ok
    assert "1s ago" in ok and "stale" not in ok
    assert ">12<" in ok and ">9<" in ok  # activated; the batch system's done pilots
    assert re.findall(r'data-state="(\w+)">(\d+)<', ok)[:2] == [
        ("created", "3"),
        ("running", "1"),
    ]  # wrappers
    down = rows["DOWN"]
    assert "none (wms data 95s old &gt; maxage 60s)" in down
    assert "1.6min" in down and "stale" in down and "Connection refused" in down
    # the chain whole, behind a summary (no script needed to open it)
    assert "<details>" in ok and "MaxPerCycle:in=11,maximum=2,ret=2</code>" in ok
    index = c.get("/").text
    frow = index[index.index('data-factory="f1"') :].split("</tr>")[0]
    assert "1 not-started" in frow and "1 kept-last-good" in frow and "1 disabled-by-config" in frow
    assert "1 WMS stale" in frow and "stale</span>" not in frow.split('data-col="queues"')[0]


def test_the_queue_page_shows_decision_action_chain_sources_and_the_plot(mon: Mon) -> None:
    c = mon.client()
    register(c, labels=("Q",))
    for i in range(5):
        item = running(
            "Q", activated=10 - 2 * i, pending=i, running=2 * i, chain=f"Ready:cycle={i};Scale:ret={i}"
        )
        assert post(c, {"cycle": i, "interval": 10.0, "queues": [item]}).status_code == 200
        mon.clock.advance(60)
    mon.clock.advance(1)
    html = c.get("/factory/f1/label/Q").text
    health = html[html.index('id="health"') : html.index("</section>")]
    assert health.index('id="decision"') < health.index('id="action"') < health.index('id="chain"')
    assert (
        '<ol class="chain" id="chain"><li><code>Ready:cycle=4</code></li><li><code>Scale:ret=4</code></li></ol>'
        in health
    )
    assert "pending 1 · running 3 · done 9" in health  # the batch system, beside what wrappers reported
    assert 'id="wrappers"' in health
    plot = html[html.index('<svg class="plot queue-plot"') :].split("</svg>")[0]
    for series in ("activated", "pending", "running"):
        assert f'class="series-{series}"' in plot
    assert (
        'data-series="activated">activated jobs (2)' in plot
        and 'data-series="running">running pilots (8)' in plot
    )
    # the stale rule: 3 cycles of 10 s, at least 60 s; the last report came 61 s ago
    assert 'id="factory-stale"' in html and "stale: it should have cycled again within 60s" in health


def test_a_factory_that_stops_cycling_turns_stale_after_three_of_its_cycles(mon: Mon) -> None:
    c = mon.client()
    register(c, labels=("Q",))
    post(c, {"interval": 40.0, "queues": [running("Q", interval=40.0)]})
    mon.clock.advance(119)  # less than 3 x 40 s
    page = c.get("/factory/f1").text
    assert 'id="factory-stale"' not in page and "stale after 2.0min without one" in page
    mon.clock.advance(2)
    page = c.get("/factory/f1").text
    assert 'id="factory-stale"' in page and "no cycle report for 2.0min" in page
    assert re.search(r'class="flag"[^>]*>stale<', c.get("/").text)
    # a factory that does not say its cycle (APF 2.4): 3 x 360 s
    c.put("/api/factories/apf24", json={"version": "2.4.15", "email": "", "url": ""})
    c.post("/api/labels/apf24:Q", data={"status": "Ready:in=0"})
    mon.clock.advance(1079)
    assert 'id="factory-stale"' not in c.get("/factory/apf24").text
    mon.clock.advance(2)
    assert 'id="factory-stale"' in c.get("/factory/apf24").text


def test_items_are_checked_one_by_one_and_long_texts_are_cut_not_refused(mon: Mon) -> None:
    c = mon.client()
    register(c, labels=("Q",))
    long_chain = "Step:" + "x" * 40000
    body = {
        "queues": [running("Q", chain=long_chain), {"name": "BAD/NAME"}, {"name": "N", "cycles": "many"}, 7]
    }
    r = post(c, body)
    assert r.status_code == 200
    assert r.text.startswith("Updated 1/4 queue(s); refused 3: item 1: ") and "item 3" in r.text
    status = c.get("/api/labels/f1:Q").json()["status"]
    assert len(status["chain"]) == 16384 and status["chain"].endswith("…")
    refused = c.get("/api/refused").json()
    assert {(x["action"], x["status"]) for x in refused} >= {("queue status", 422), ("queue status", 400)}
    assert post(c, {"queues": [{"name": "X/Y"}]}).status_code == 422
    assert post(c, {"queues": "nope"}).status_code == 400
    assert post(c, {"queues": [running("Q", cycle_age=-1)]}).text.startswith("Invalid data: item 0")


def test_only_the_factory_writes_its_cycle_and_an_unknown_factory_is_told_to_register(
    make_mon: MonFactory,
) -> None:
    mon = make_mon(AuthMode.TOKEN)
    f1 = mon.client("10.1.1.1", mon.token_for("f1"))
    register(f1, labels=("Q",))
    other = mon.client("10.9.9.9", mon.token_for("f2"))
    r = post(other, {"queues": [running("Q")]})
    assert r.status_code == 403 and "f1" in r.text
    r = post(mon.client("10.1.1.1", mon.token_for("f3")), {"queues": [running("Q")]}, factory="f3")
    assert r.status_code == 404 and "is not registered" in r.text  # the plugin registers again on this
    assert post(f1, {"queues": [running("Q")]}).status_code == 200


def test_an_existing_database_upgrades_with_its_last_messages_as_the_queues_chains(
    tmp_path: Path, make_mon: MonFactory
) -> None:
    url = f"sqlite:///{tmp_path}/old.db"
    engine = make_engine(url)
    upgrade(engine, "0002")
    chain = "Ready:in=0,activated=3," + "x" * 600  # cut at 255 on the label before: whole in the message
    with engine.begin() as conn:
        conn.execute(insert(factories).values(name="f1", created=1.0, last_modified=1.0, last_startup=1.0))
        conn.execute(
            insert(labels).values(factory_id=1, name="Q", msg=chain[:255], created=1.0, last_modified=1.0)
        )
        conn.execute(insert(label_messages).values(label_id=1, at=5.0, text="older"))
        conn.execute(insert(label_messages).values(label_id=1, at=9.0, text=chain))
    upgrade(engine)
    with engine.connect() as conn:
        row = conn.execute(select(label_status)).one()
    engine.dispose()
    assert (row.label_id, row.chain, row.cycled_at, row.config_state) == (1, chain, 9.0, None)
    mon = make_mon(db_url=url)
    assert mon.client().get("/api/labels/f1:Q").json()["status"]["chain"] == chain
