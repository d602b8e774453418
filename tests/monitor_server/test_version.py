"""The monitor says which version it runs: the dashboard footer, ``/api/version`` and the OpenAPI info."""

from __future__ import annotations

from autopyfactory import __version__

from .conftest import Mon


def test_the_api_and_the_dashboard_show_the_installed_version(mon: Mon) -> None:
    c = mon.client()
    r = c.get("/api/version")
    assert r.status_code == 200
    assert r.json() == {"name": "autopyfactory-monitor", "version": __version__}
    page = c.get("/")
    assert page.status_code == 200
    assert f"autopyfactory {__version__}" in page.text.split("<footer>", 1)[1]
    assert c.get("/api/openapi.json").json()["info"]["version"] == __version__
