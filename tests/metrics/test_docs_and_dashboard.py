"""The metrics as documented: every series the factory exposes is in docs/operations.md with its
type and labels, and every expression of the Grafana dashboard (docs/grafana/autopyfactory.json)
and of the documented queries names series the factory exposes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.engine.metrics.collector import FactoryMetrics
from autopyfactory.engine.metrics.names import ALL
from tests.engine import fakes
from tests.metrics.scrape import Scrape

ROOT = Path(__file__).resolve().parents[2]
OPERATIONS = ROOT / "docs" / "operations.md"
DASHBOARD = ROOT / "docs" / "grafana" / "autopyfactory.json"
NAME = re.compile(r"\b(?:autopyfactory|process)_[a-z0-9_]+\b")
QUEUES = """
[A]
wmsstatusplugin = FakeWMS
batchstatusplugin = FakeBatch
batchsubmitplugin = FakeSubmit
schedplugin = Ready
wmsqueue = SITE_A
"""


@pytest.fixture(scope="module")
def exposed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scrape]:
    """A scrape of a factory that ran one cycle."""
    fakes.reset().activated = {"SITE_A": 1}
    tmp = tmp_path_factory.mktemp("docs")
    (tmp / "queues.conf").write_text(QUEUES)
    (tmp / "autopyfactory.conf").write_text(
        f"[Factory]\nfactoryId = docs\nbaseLogDir = {tmp}/logs\nstatedir = {tmp}/state\n"
        "logserver.enabled = False\nqueueConf = queues.conf\n"
    )
    f = Factory(RunOptions(conf=str(tmp), services=False))
    m = FactoryMetrics(f)
    f.run_cycle()
    yield Scrape(m.render().decode())
    f.shutdown()


def sample_names(s: Scrape) -> set[str]:
    """Every name a PromQL expression may use: the samples' (``_total``, ``_bucket``, ...)."""
    out: set[str] = set()
    for name, type_ in s.families.items():
        if type_ == "counter":
            out.add(name + "_total")
        elif type_ == "histogram":
            out.update(name + suffix for suffix in ("_bucket", "_sum", "_count"))
        elif type_ == "summary":
            out.update(name + suffix for suffix in ("_sum", "_count"))
        else:
            out.add(name)
    return out


def test_the_catalogue_is_what_a_scrape_exposes(exposed: Scrape) -> None:
    ours = {n: t for n, t in exposed.families.items() if n.startswith("autopyfactory_")}
    assert ours == {s.family if s.type == "counter" else s.name: s.type for s in ALL}
    assert all(s.name.startswith("autopyfactory_") for s in ALL)
    assert all(s.name.endswith("_total") == (s.type == "counter") for s in ALL)


def test_every_series_is_documented_with_its_type_and_labels() -> None:
    rows = {
        m.group(1): line
        for line in OPERATIONS.read_text().splitlines()
        if (m := re.match(r"\| `(autopyfactory_[a-z0-9_]+)` \|", line))
    }
    assert set(rows) == {s.name for s in ALL}
    for s in ALL:
        cells = [c.strip() for c in rows[s.name].strip("|").split("|")]
        assert cells[1] == s.type, s.name
        assert set(re.findall(r"`([a-z_]+)`", cells[2])) == set(s.labels), s.name


def expressions(node: Any) -> Iterator[str]:
    """Every PromQL expression in a dashboard: targets, variable queries, annotations."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("expr", "definition") and isinstance(value, str):
                yield value
            elif key == "query" and isinstance(value, str | dict):
                yield from (value,) if isinstance(value, str) else expressions(value)
            else:
                yield from expressions(value)
    elif isinstance(node, list):
        for item in node:
            yield from expressions(item)


def test_the_grafana_dashboard_uses_only_series_the_factory_exposes(exposed: Scrape) -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exprs = [e for e in expressions(dashboard) if e != "prometheus"]
    assert len(exprs) > 20
    names = sample_names(exposed)
    unknown = {n: e for e in exprs for n in NAME.findall(e) if n not in names}
    assert unknown == {}
    used = {n for e in exprs for n in NAME.findall(e)}
    # the dashboard shows what the issue asks for
    for wanted in (
        "autopyfactory_queues", "autopyfactory_queue_state", "autopyfactory_queue_activated_jobs",
        "autopyfactory_queue_pending_pilots", "autopyfactory_queue_running_pilots",
        "autopyfactory_queue_decision_pilots", "autopyfactory_queue_cap_cut_pilots",
        "autopyfactory_pilots_submitted_total", "autopyfactory_pilots_retired_total",
        "autopyfactory_pilots_submit_failed_total", "autopyfactory_queue_cycle_lateness_seconds",
        "autopyfactory_queue_cycle_duration_seconds_bucket", "autopyfactory_status_data_age_seconds",
        "autopyfactory_status_poll_errors_total", "autopyfactory_status_poll_duration_seconds_bucket",
        "autopyfactory_credential_time_left_seconds", "autopyfactory_config_reloads_total",
        "autopyfactory_status_fetch_duration_seconds_sum", "autopyfactory_status_fetch_errors_total",
    ):  # fmt: skip
        assert wanted in used, wanted
    # a dashboard Grafana can lay out: unique ids, panels within the 24 columns, a data source each
    flat = [p for p in dashboard["panels"]]
    assert len({p["id"] for p in flat}) == len(flat)
    for p in flat:
        pos = p["gridPos"]
        assert pos["x"] >= 0 and pos["x"] + pos["w"] <= 24, p["title"]
        if p["type"] != "row":
            assert p["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, p["title"]
            assert p["targets"], p["title"]
    assert {v["name"] for v in dashboard["templating"]["list"]} == {"datasource", "instance", "queue"}


def test_the_documented_queries_use_only_series_the_factory_exposes(exposed: Scrape) -> None:
    text = OPERATIONS.read_text()
    blocks = re.findall(r"```promql\n(.*?)```", text, re.S)
    assert blocks
    used = {n for b in blocks for n in NAME.findall(b)}
    assert used and used <= sample_names(exposed), used - sample_names(exposed)
