"""The dashboard in Chromium: navigate from the factories to one pilot's history, filter by state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from autopyfactory.monitor_server.app import create_app
from autopyfactory.monitor_server.settings import AuthMode, AuthSettings, ServerSettings
from autopyfactory.monitor_server.testing.server import ThreadedServer

from .browser import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def live(tmp_path: Path) -> Iterator[str]:
    settings = ServerSettings(db_url=f"sqlite:///{tmp_path}/b.db", auth=AuthSettings(AuthMode.ADDRESS, "x"))
    with ThreadedServer(create_app(settings, run_expiry=False)) as srv:
        api = httpx.Client(base_url=srv.url + "/api")
        api.put(
            "/factories/site-factory",
            json={"version": "3.0.0", "email": "ops@example.org", "url": "http://logs.example.org"},
        )
        api.put("/labels", json=[{"name": n, "factory": "site-factory"} for n in ("ANALY_SITE", "PROD_SITE")])
        api.put(
            "/jobs",
            json=[{"cid": f"{i}.0", "label": "ANALY_SITE", "factory": "site-factory"} for i in range(12)],
        )
        for i in range(8):
            api.post(f"/jobs/site-factory:{i}.0", data={"state": "running"})
        for i in range(5):
            api.post(f"/jobs/site-factory:{i}.0", data={"state": "exiting", "rc": str(i % 2)})
        for i in range(3):
            api.post(f"/jobs/site-factory:{i}.0", data={"state": "done"})
        api.post("/jobs/site-factory:11.0", data={"state": "fault"})
        api.post(
            "/labels/site-factory:ANALY_SITE",
            data={"status": "Ready:in=0,activated=40;Scale:factor=0.25,ret=10"},
        )
        yield srv.url


def test_navigate_filter_and_read_a_pilot_history(page: Any, live: str) -> None:
    page.goto(live + "/")
    row = page.locator('tr[data-factory="site-factory"]')
    assert row.locator("svg.spark").count() == 1
    row.get_by_role("link", name="site-factory").click()
    assert page.locator("h1").inner_text() == "site-factory"
    label_row = page.locator('tr[data-label="ANALY_SITE"]')
    counts = {
        s: label_row.locator(f'td[data-state="{s}"]').inner_text()
        for s in ("created", "running", "exiting", "done", "fault")
    }
    assert counts == {"created": "3", "running": "3", "exiting": "2", "done": "3", "fault": "1"}
    assert "Ready:in=0,activated=40" in page.locator('tr[data-detail-of="ANALY_SITE"]').inner_text()
    label_row.get_by_role("link", name="ANALY_SITE").click()
    assert page.locator("svg.chart").count() == 1
    assert page.locator("#pilots tbody tr").count() == 12
    screenshot(page, "monitor-label.png")
    page.select_option('select[name="state"]', "exiting")
    page.get_by_role("button", name="filter").click()
    rows = page.locator("#pilots tbody tr")
    assert rows.count() == 2
    assert {rows.nth(i).get_attribute("data-state") for i in range(2)} == {"exiting"}
    rows.first.get_by_role("link").first.click()
    assert page.locator("#job-state").inner_text() == "exiting"
    history = page.locator("#history tbody").inner_text()
    assert "created" in history and "running" in history and "exiting rc=" in history
    assert page.locator("svg.timeline").count() == 1
    screenshot(page, "monitor-pilot.png")


def test_pages_load_nothing_from_elsewhere(page: Any, live: str) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    for path in (
        "/",
        "/factory/site-factory",
        "/factory/site-factory/label/ANALY_SITE",
        "/job/site-factory:3.0",
    ):
        page.goto(live + path)
    assert requested and all(u.startswith(live) for u in requested)
