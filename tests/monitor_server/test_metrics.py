"""/metrics in the Prometheus text format."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from .conftest import Mon, register


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_count_pilots_requests_updates_and_expiry(mon: Mon) -> None:
    c = mon.client()
    register(c, labels=("Q1",), cids=("1.0", "2.0", "3.0"))
    c.post("/api/jobs/f1:1.0", data={"state": "running"})
    c.post("/api/jobs/f1:2.0", data={"state": "exiting", "rc": "0"})  # invalid
    mon.clock.advance(7 * 3600)
    mon.expire()
    r = c.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    s = _samples(r.text)
    assert s[("apfmon_pilots", (("factory", "f1"), ("label", "Q1"), ("state", "created")))] == 2
    assert s[("apfmon_pilots", (("factory", "f1"), ("label", "Q1"), ("state", "running")))] == 1
    assert s[("apfmon_state_updates_total", (("outcome", "ok"), ("state", "running")))] == 1
    assert s[("apfmon_state_updates_total", (("outcome", "invalid"), ("state", "exiting")))] == 1
    assert s[("apfmon_expiry_actions_total", (("action", "flagged_created"),))] == 2
    key = ("apfmon_request_duration_seconds_count", (("method", "POST"), ("route", "/api/jobs/{jid}")))
    assert s[key] == 2
    assert s[("apfmon_requests_total", (("method", "PUT"), ("route", "/api/jobs"), ("status", "201")))] == 1
    assert s[("apfmon_writer_batch_size_count", ())] >= 1
