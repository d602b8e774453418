"""Names on the way in (one rule: factory ids, queue names, pilot ids) and names already stored:
a bad name is refused with a reason and the fix, and none stored can make a page answer 500."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape as html_unescape
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from autopyfactory.apfmon.names import MAX_LENGTH, NameKind, check_name, is_valid_name, name_problem
from autopyfactory.monitor_server.app import create_app
from autopyfactory.monitor_server.clock import FakeClock
from autopyfactory.monitor_server.settings import AuthMode, AuthSettings, ServerSettings
from autopyfactory.monitor_server.testing.server import ThreadedServer

from .conftest import ADMIN, Mon, register


@pytest.mark.parametrize(
    "name", ["ANALY_BNL_ATLAS_1-gridgk05.racf.bnl.gov", "BNL-gridui99-jhover", "1234.0", "a", "...", "x" * 64]
)
def test_names_the_monitor_takes(name: str) -> None:
    assert is_valid_name(NameKind.FACTORY, name)
    assert check_name(NameKind.LABEL, name) == name


@pytest.mark.parametrize(
    ("kind", "name", "says"),
    [
        (NameKind.LABEL, "ANALY_X/ce01", "'/'"),
        (NameKind.LABEL, "a b", "a space"),
        (NameKind.FACTORY, "f:1", "':'"),
        (NameKind.LABEL, "q?x#y%", "'#', '%', '?'"),
        (NameKind.LABEL, "tab\there", "U+0009"),
        (NameKind.LABEL, "é", "'é'"),
        (NameKind.FACTORY, "..", "dot segment"),
        (NameKind.PILOT, "", "empty"),
        (NameKind.FACTORY, "x" * 65, "65 characters, more than 64"),
        (NameKind.LABEL, "x" * 129, "more than 128"),
    ],
)
def test_names_the_monitor_refuses_say_why_and_what_to_use(kind: NameKind, name: str, says: str) -> None:
    problem = name_problem(kind, name)
    assert problem is not None and says in problem
    assert problem.startswith(str(kind))
    assert f"use only letters, digits, '.', '_' and '-' (at most {MAX_LENGTH[kind]} characters)" in problem


def test_a_queue_name_with_a_slash_is_refused_with_the_fix_and_the_labels_list_still_answers(
    mon: Mon,
) -> None:
    c = mon.client()
    register(c)
    r = c.put("/api/labels", json=[{"name": "ANALY_X/ce01", "factory": "f1"}])
    assert r.status_code == 422
    assert "queue (label) name 'ANALY_X/ce01' has '/'" in r.text and "rename the queue" in r.text
    assert c.get("/api/labels").status_code == 200
    assert c.get("/factory/f1").status_code == 200
    # the status post of such a queue (the path carries the slash) is refused the same way
    r = c.post("/api/labels/f1:ANALY_X/ce01", data={"status": "Ready:ret=0"})
    assert r.status_code == 422 and "'/'" in r.text
    assert [lab["name"] for lab in c.get("/api/labels").json()] == ["Q1"]


def test_one_bad_item_of_a_batch_is_refused_alone(mon: Mon) -> None:
    c = mon.client()
    register(c)
    r = c.put(
        "/api/labels",
        json=[
            {"name": "GOOD", "factory": "f1"},
            {"name": "BAD/ce", "factory": "f1"},
            {"name": "Q1", "factory": "f1"},
        ],
    )
    assert r.status_code == 201
    assert r.text.startswith(
        "Created 1/3 label(s), 1 updated; refused 1: item 1: queue (label) name 'BAD/ce'"
    )
    r = c.put(
        "/api/jobs",
        json=[
            {"cid": "1.0", "label": "Q1", "factory": "f1"},
            {"cid": "gsiftp://ce:2811/jobs/x", "label": "Q1", "factory": "f1"},
            {"cid": "2.0", "label": "Q1"},
        ],
    )
    assert r.status_code == 201
    assert r.text.startswith("Created 1/3 job(s), 2 not created; refused 2: item 1: pilot id (cid)")
    assert "item 2: factory: Field required" in r.text
    assert [j["jid"] for j in c.get("/api/jobs").json()] == ["f1:1.0"]
    refused = {(x["action"], x["subject"], x["status"]) for x in c.get("/api/refused").json()}
    assert refused == {
        ("register queues", "BAD/ce", 422),
        ("register pilots", "Q1", 422),
        ("register pilots", "", 400),
    }


@dataclass
class Live:
    """The monitor under uvicorn (links are followed as a browser sends them: decoded once)."""

    engine: Engine
    http: httpx.Client
    admin: httpx.Client
    now: float


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    settings = ServerSettings(
        db_url=f"sqlite:///{tmp_path}/live.db", auth=AuthSettings(AuthMode.ADDRESS, ADMIN)
    )
    clock = FakeClock()
    app = create_app(settings, clock=clock, run_expiry=False)
    with ThreadedServer(app) as srv:
        auth = {"Authorization": f"Bearer {ADMIN}"}
        with httpx.Client(base_url=srv.url) as http, httpx.Client(base_url=srv.url, headers=auth) as admin:
            yield Live(app.state.services.engine, http, admin, clock.now())


def _store_raw(live: Live, factory: str, label: str, cid: str, n: int) -> None:
    """Names as an older version, or another writer, may have stored them (no rule on the way in)."""
    with live.engine.begin() as conn:
        fid = (
            conn.execute(text("SELECT id FROM factories WHERE name = :n"), {"n": factory}).scalar()
            or conn.execute(
                text(
                    "INSERT INTO factories (name, ip, url, created, last_modified, last_startup) "
                    "VALUES (:n, '10.0.0.1', 'http://logs/f', 0, 0, 0) RETURNING id"
                ),
                {"n": factory},
            ).scalar_one()
        )
        lid = conn.execute(
            text(
                "INSERT INTO labels (factory_id, name, created, last_modified) VALUES (:f, :n, 0, 0) RETURNING id"
            ),
            {"f": fid, "n": label},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO jobs (jid, cid, factory_id, label_id, state, created, last_modified) "
                "VALUES (:jid, :cid, :f, :l, 'created', :t, :t)"
            ),
            {"jid": f"{factory}:{cid}", "cid": cid, "f": fid, "l": lid, "t": live.now - n},
        )


def _links(live: Live, html: str, prefix: str) -> list[str]:
    base = str(live.http.base_url).rstrip("/")
    hrefs = [html_unescape(h) for h in re.findall(r'href="([^"]+)"', html)]
    return [h for h in hrefs if h.startswith(base + prefix)]


HOSTILE = [
    "ANALY_X/ce01",
    "new\nline",
    "tab\there",
    "cr\r",
    "/lead",
    "trail/",
    "a b",
    "q?x=1#frag",
    "100%",
    "%2F",
    "ü-queue",
    "<b>x</b>",
    "a:b",
]


def test_names_stored_by_older_versions_never_make_a_page_fail(live: Live) -> None:
    for i, name in enumerate(HOSTILE):
        _store_raw(live, "f1", name, f"{i}.0", i)
    _store_raw(live, "odd/factory name", "Q", "1.0", 0)
    c = live.http
    for path in (
        "/api/labels",
        "/api/labels?factory=f1",
        "/api/factories",
        "/api/jobs?limit=0",
        "/",
        "/metrics",
    ):
        r = c.get(path)
        assert r.status_code == 200, (path, r.text[:300])
    # every link on the pages leads to a page that answers
    index = c.get("/").text
    factory_links = _links(live, index, "/factory/")
    assert len(factory_links) == 2
    for href in factory_links:
        assert c.get(href).status_code == 200, href
    page = c.get("/factory/f1").text
    label_links = _links(live, page, "/factory/f1/label/")
    assert len(label_links) == len(HOSTILE)
    for href in label_links:
        r = c.get(href)
        assert r.status_code == 200, href
        job_links = _links(live, r.text, "/job/")
        assert job_links
        for job_href in job_links:
            assert c.get(job_href).status_code == 200, job_href
    # the API's label URLs work too (GET, and DELETE for an admin cleaning up)
    labels = c.get("/api/labels?factory=f1&limit=0").json()
    assert sorted(lab["name"] for lab in labels) == sorted(HOSTILE)
    for lab in labels:
        assert c.get(lab["url"]).json()["name"] == lab["name"]
    bad = next(lab for lab in labels if lab["name"] == "ANALY_X/ce01")
    assert unquote(bad["url"]).endswith("/api/labels/f1:ANALY_X/ce01")
    assert live.admin.delete(bad["url"]).status_code == 200
    assert len(c.get("/api/labels?factory=f1&limit=0").json()) == len(HOSTILE) - 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=30
    )
)
def test_any_stored_queue_name_gives_working_pages(live: Live, name: str) -> None:
    n = len(live.http.get("/api/labels?limit=0").json())
    stored = f"{name}#{n}"
    _store_raw(live, "f1", stored, f"{n}.0", 0)
    labels = live.http.get("/api/labels?limit=0")
    assert labels.status_code == 200
    url = next(lab["url"] for lab in labels.json() if lab["name"] == stored)
    assert live.http.get(url).json()["name"] == stored
    page = live.http.get("/factory/f1")
    assert page.status_code == 200
    hrefs = _links(live, page.text, "/factory/f1/label/")
    assert len(hrefs) == n + 1
    href = next(h for h in hrefs if h.endswith(f"%23{n}"))  # this example's queue
    r = live.http.get(href)
    assert r.status_code == 200, (name, href)
    for job_href in _links(live, r.text, "/job/"):
        assert live.http.get(job_href).status_code == 200, (name, job_href)
