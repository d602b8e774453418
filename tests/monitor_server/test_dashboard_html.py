"""The dashboard pages as HTML (no browser): what each page lists, links and plots."""

from __future__ import annotations

import re

from .conftest import Mon, register


def _populate(mon: Mon) -> None:
    c = mon.client()
    register(c, labels=("ANALY_X", "PROD_Y"), cids=tuple(f"{i}.0" for i in range(4)))
    c.put(
        "/api/jobs",
        json=[{"cid": "9.0", "label": "PROD_Y", "factory": "f1", "stdouturl": "http://logs/a/9.0.out"}],
    )
    c.post("/api/jobs/f1:0.0", data={"state": "running"})
    c.post("/api/jobs/f1:1.0", data={"state": "fault"})
    c.post("/api/labels/f1:ANALY_X", data={"status": "Ready:in=0,activated=3;MaxPerCycle:ret=2"})


def test_factories_page_lists_factories_with_sparklines(mon: Mon) -> None:
    _populate(mon)
    html = mon.client().get("/").text
    assert 'data-factory="f1"' in html
    assert 'href="http://testserver/factory/f1"' in html
    assert html.count('<svg class="spark"') == 1 and html.count('<svg class="statebar"') == 1
    assert "<script" not in html and "http://" not in re.sub(r'(href|action)="[^"]*"', "", html)


def test_factory_page_shows_queues_counts_mortality_and_messages(mon: Mon) -> None:
    _populate(mon)
    html = mon.client().get("/factory/f1").text
    # the queue's row, then the row below it with its last sched messages
    row = html[html.index('data-label="ANALY_X"') :].split("<tr data-label=")[0].split("</tbody>")[0]
    assert re.findall(r'data-state="(\w+)">(\d+)<', row) == [
        ("created", "2"), ("running", "1"), ("exiting", "0"), ("done", "0"), ("fault", "1"),
    ]  # fmt: skip
    assert "100%" in row  # mortality: 1 fault, 0 done
    assert "Ready:in=0,activated=3;MaxPerCycle:ret=2" in row
    assert '<svg class="chart"' in html


def test_label_page_filters_pilots_and_links_their_logs(mon: Mon) -> None:
    _populate(mon)
    c = mon.client()
    html = c.get("/factory/f1/label/ANALY_X").text
    assert sorted(re.findall(r'data-jid="([^"]+)"', html)) == ["f1:0.0", "f1:1.0", "f1:2.0", "f1:3.0"]
    # no stdout URL registered: the factory's log URL layout, by UTC day of creation
    assert 'href="http://logs/f/2023-11-14/ANALY_X/0.0.out"' in html
    assert 'href="http://logs/f/2023-11-14/ANALY_X/0.0.err"' in html
    running = c.get("/factory/f1/label/ANALY_X?state=running").text
    assert re.findall(r'data-jid="([^"]+)"', running) == ["f1:0.0"]
    other = c.get("/factory/f1/label/PROD_Y").text
    # a registered stdout URL: exactly the registered URLs (no guessed .err or .log: they may not exist)
    assert 'href="http://logs/a/9.0.out"' in other and "9.0.log" not in other and "9.0.err" not in other
    assert c.get("/factory/f1/label/ANALY_X?state=nope").status_code == 400
    assert c.get("/factory/f1/label/NOPE").status_code == 404


def test_job_page_shows_the_history_and_timeline(mon: Mon) -> None:
    _populate(mon)
    c = mon.client()
    mon.clock.advance(5)
    c.post("/api/jobs/f1:0.0", data={"state": "exiting", "rc": "0"})
    html = c.get("/job/f1:0.0").text
    assert 'id="job-state"' in html and ">exiting<" in html
    assert [m for m in re.findall(r"<td>(created|running|exiting rc=0)</td>", html)] == [
        "created",
        "running",
        "exiting rc=0",
    ]
    assert '<svg class="timeline"' in html
    assert c.get("/job/f1:nope").status_code == 404


def test_static_css_is_served_locally(mon: Mon) -> None:
    r = mon.client().get("/static/style.css")
    assert r.status_code == 200 and "body" in r.text


def test_names_and_urls_from_requests_cannot_put_markup_or_scripts_in_pages(mon: Mon) -> None:
    c = mon.client()
    evil = "<img src=x onerror=alert(1)>"
    r = c.get(f"/factory/{evil}")
    assert r.status_code == 404 and evil not in r.text and "&lt;img" in r.text
    # a factory registering javascript: URLs (any address may register a new factory)
    c.put("/api/factories/f1", json={"version": "1", "email": "", "url": "javascript:alert(1)"})
    c.put("/api/labels", json=[{"name": "Q", "factory": "f1"}])
    c.put(
        "/api/jobs", json=[{"cid": "1.0", "label": "Q", "factory": "f1", "stdouturl": "javascript:alert(2)"}]
    )
    c.put("/api/jobs", json=[{"cid": "2.0", "label": "Q", "factory": "f1"}])
    c.put("/api/jobs", json=[{"cid": "3.0", "label": "Q", "factory": "f1", "stdouturl": "https://l/3.0.out"}])
    pages = [c.get(p).text for p in ("/factory/f1", "/factory/f1/label/Q", "/job/f1:1.0", "/job/f1:2.0")]
    assert not any('href="javascript:' in html for html in pages)
    # only the URLs the factory registered: its batch system may write no .err or .log
    assert 'href="https://l/3.0.out"' in pages[1] and "3.0.err" not in pages[1]
