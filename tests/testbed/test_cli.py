"""``autopyfactory testbed submit | site | status`` against a running testbed."""

from __future__ import annotations

from autopyfactory.cli.main import main
from autopyfactory.testbed.model import Site
from autopyfactory.testbed.runner import ThreadedTestbed


def test_submit_site_and_status(capsys) -> None:  # type: ignore[no-untyped-def]
    with ThreadedTestbed([Site("S")]) as tb:
        assert (
            main(["testbed", "submit", "--url", tb.url, "--site", "S", "--jobs", "3", "--command", "true"])
            == 0
        )
        assert main(["testbed", "site", "--url", tb.url, "--site", "S", "--status", "test"]) == 0
        assert main(["testbed", "site", "--url", tb.url, "--site", "NEW", "--status", "offline"]) == 0
        assert main(["testbed", "status", "--url", tb.url]) == 0
        out = capsys.readouterr().out
        assert "queued 3 job(s) at S" in out
        assert tb.store.summary().jobs("activated", "S") == 3
        assert [(s.name, s.status) for s in tb.store.sites()] == [("NEW", "offline"), ("S", "test")]
        assert main(["testbed", "submit", "--url", tb.url, "--site", "NOPE", "--command", "true"]) == 1
        assert "no site NOPE" in capsys.readouterr().err


def test_unreachable_testbed_is_a_clear_error(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["testbed", "status", "--url", "http://127.0.0.1:9"]) == 1
    assert "cannot reach the testbed at http://127.0.0.1:9" in capsys.readouterr().err


def test_serve_refuses_bad_site_specs(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["testbed", "serve", "--db", ":memory:", "--sites", "A:online:soon"]) == 2
    assert "timefloor must be a whole number of minutes" in capsys.readouterr().err
    assert main(["testbed", "serve", "--db", ":memory:", "--max-attempts", "0"]) == 2
    assert "max_attempts must be at least 1" in capsys.readouterr().err


def test_real_pilot_needs_a_queue_the_testbed_has(capsys) -> None:  # type: ignore[no-untyped-def]
    with ThreadedTestbed([Site("S")]) as tb:
        assert main(["testbed", "real-pilot", "--url", tb.url, "--queue", "NOPE"]) == 2
    assert "has no queue NOPE" in capsys.readouterr().err


def test_site_specs_take_a_timefloor() -> None:
    from autopyfactory.testbed.model import parse_site_spec

    assert parse_site_spec("A:test:0").timefloor == 0
    assert parse_site_spec("A", timefloor=7).timefloor == 7
    assert parse_site_spec("A:").status == "online"
