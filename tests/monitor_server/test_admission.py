"""Factories that send no token (APF 2.4's APF plugin, Harvester): admitted by one line of
configuration (a factory id, or a network), refused visibly otherwise (dashboard, /api/refused, the
log, each with the fix); in address mode a factory moves by re-registering from a trusted network,
or after an admin releases its address."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from autopyfactory.cli.main import main
from autopyfactory.monitor_server.settings import AuthMode, SettingsError, load_settings

from .conftest import Mon, MonFactory

FID = "BNL-gridui11-apf24"
HOME = "192.0.2.10"
FACTORY = {"version": "2.4.15-1", "email": "ops@example.org", "url": "http://gridui11.example.org:25880"}


def _run_like_24(mon: Mon, address: str = HOME, fid: str = FID) -> list[int]:
    """The calls of a 2.4 factory's first cycle (no token), with their statuses."""
    c = mon.client(address)
    return [
        c.put(f"/api/factories/{fid}", json=FACTORY).status_code,
        c.get(f"/api/labels?factory={fid}").status_code,
        c.put(
            "/api/labels", json=[{"name": "ANALY_BNL", "factory": fid, "wmsqueue": "", "batchqueue": ""}]
        ).status_code,
        c.put("/api/jobs", json=[{"cid": "931048.0", "label": "ANALY_BNL", "factory": fid}]).status_code,
        c.post(f"/api/labels/{fid}:ANALY_BNL", data={"status": "Ready:in=0,activated=1,ret=1"}).status_code,
        c.post(f"/api/jobs/{fid}:931048.0", data={"state": "fault"}).status_code,
    ]


def test_a_24_factory_is_refused_by_default_and_every_refusal_says_how_to_admit_it(
    make_mon: MonFactory, caplog: pytest.LogCaptureFixture
) -> None:
    mon = make_mon(AuthMode.TOKEN)
    caplog.set_level(logging.WARNING, "autopyfactory.monitor_server.refusals")
    assert _run_like_24(mon) == [403, 200, 403, 404, 403, 403]
    r = mon.client(HOME).put(f"/api/factories/{FID}", json=FACTORY)
    assert f"address_factories = {FID}" in r.text and "trusted_networks = 192.0.2.10/32" in r.text
    assert f"autopyfactory monitor token create {FID}" in r.text
    # the dashboard lists each refused write with the fix
    html = mon.client().get("/").text
    rows = re.findall(r'<tr data-refused-factory="([^"]+)" data-status="(\d+)">', html)
    assert sorted(rows) == sorted(
        [(FID, "403"), (FID, "403"), (FID, "404"), (FID, "403")]
    )  # register factory, queues, pilots (unknown factory), queue status
    assert f"address_factories = {FID}" in html
    refused = {x["action"]: x for x in mon.client().get("/api/refused").json()}
    assert set(refused) == {"register factory", "register queues", "register pilots", "queue status"}
    assert refused["register factory"]["count"] == 2 and refused["register factory"]["address"] == HOME
    # the log names each once, with the fix, not every time it repeats
    logged = [r.getMessage() for r in caplog.records]
    assert len([m for m in logged if "refused register factory" in m]) == 1
    assert all("Fix: " in m for m in logged)
    mon.clock.advance(601)
    mon.client(HOME).put(f"/api/factories/{FID}", json=FACTORY)
    assert "(1 more since the last report)" in caplog.records[-1].getMessage()


def test_one_line_naming_the_factory_admits_it_bound_to_its_address(make_mon: MonFactory) -> None:
    mon = make_mon(AuthMode.TOKEN, address_factories=(FID,))
    assert _run_like_24(mon) == [201, 200, 201, 201, 200, 200]
    job = mon.client().get(f"/api/jobs/{FID}:931048.0").json()
    assert job["state"] == "fault"
    # bound to the address it registered from
    assert _run_like_24(mon, "203.0.113.5")[0] == 403
    # other factories still need their token
    assert mon.client(HOME).put("/api/factories/other", json=FACTORY).status_code == 403


def test_one_line_naming_a_network_admits_the_factories_writing_from_it(make_mon: MonFactory) -> None:
    mon = make_mon(AuthMode.TOKEN, trusted_networks=("192.0.2.0/24",))
    assert _run_like_24(mon) == [201, 200, 201, 201, 200, 200]
    assert _run_like_24(mon, "192.0.2.77", fid="harvester-cern")[0] == 201
    assert _run_like_24(mon, "198.51.100.1", fid="outsider")[0] == 403
    # an IPv4 address seen through an IPv6 socket is the same address
    assert mon.client("::ffff:192.0.2.10").put(f"/api/factories/{FID}", json=FACTORY).status_code == 200


def test_an_admitted_factory_leaves_the_refused_list(make_mon: MonFactory) -> None:
    mon = make_mon(AuthMode.TOKEN)
    _run_like_24(mon)
    assert mon.client().get("/api/refused").json()
    token = mon.token_for(FID)
    assert mon.client(HOME, token).put(f"/api/factories/{FID}", json=FACTORY).status_code == 201
    assert mon.client().get("/api/refused").json() == []
    assert 'id="refused"' not in mon.client().get("/").text


def test_a_factory_posting_done_from_its_own_host_without_admission_is_a_refused_write(
    make_mon: MonFactory,
) -> None:
    # e.g. a cron job on the factory host posting done/fault (2.4 sites ran one) in token mode
    mon = make_mon(AuthMode.TOKEN)
    token = mon.token_for("f1")
    c = mon.client(HOME, token)
    c.put("/api/factories/f1", json=FACTORY)
    c.put("/api/labels", json=[{"name": "Q", "factory": "f1"}])
    c.put("/api/jobs", json=[{"cid": "1.0", "label": "Q", "factory": "f1"}])
    assert mon.client(HOME).post("/api/jobs/f1:1.0", data={"state": "fault"}).status_code == 403
    assert [x["action"] for x in mon.client().get("/api/refused").json()] == ["set pilot state fault"]


def test_address_mode_a_factory_moving_to_a_trusted_network_follows_and_the_old_address_is_locked_out(
    make_mon: MonFactory,
) -> None:
    mon = make_mon(AuthMode.ADDRESS, trusted_networks=("10.20.0.0/16",))
    assert _run_like_24(mon, "198.51.100.7")[0] == 201  # first registration, from outside
    # re-registering from another address outside the trusted networks: refused, with the ways out
    r = mon.client("203.0.113.9").put(f"/api/factories/{FID}", json=FACTORY)
    assert r.status_code == 403
    assert "trusted_networks" in r.text and f"autopyfactory monitor release {FID}" in r.text
    # from a trusted network: the factory moves there
    assert mon.client("10.20.3.4").put(f"/api/factories/{FID}", json=FACTORY).status_code == 200
    fac = mon.client().get(f"/api/factories/{FID}").json()
    assert (fac["ip"], fac["previous_ip"]) == ("10.20.3.4", "198.51.100.7")
    assert (
        mon.client("198.51.100.7").post(f"/api/labels/{FID}:ANALY_BNL", data={"status": "x"}).status_code
        == 403
    )
    assert "before: 198.51.100.7" in mon.client().get(f"/factory/{FID}").text


def test_address_mode_an_admin_releases_a_factory_address(make_mon: MonFactory, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/rel.db"
    mon = make_mon(AuthMode.ADDRESS, db_url=db)
    assert _run_like_24(mon, "198.51.100.7")[0] == 201
    assert mon.client("203.0.113.9").put(f"/api/factories/{FID}", json=FACTORY).status_code == 403
    assert main(["monitor", "release", FID, "--db", db]) == 0
    assert mon.client("203.0.113.9").put(f"/api/factories/{FID}", json=FACTORY).status_code == 200
    assert mon.client("198.51.100.7").put(f"/api/factories/{FID}", json=FACTORY).status_code == 403
    # through the API, too; and the admin's own registrations never bind a factory to the admin
    assert mon.client().delete(f"/api/admin/factories/{FID}/address").status_code == 403
    assert mon.admin().delete(f"/api/admin/factories/{FID}/address").status_code == 200
    assert mon.admin().put(f"/api/factories/{FID}", json=FACTORY).status_code == 200
    assert mon.client("198.51.100.7").put(f"/api/factories/{FID}", json=FACTORY).status_code == 200
    assert mon.admin().delete("/api/admin/factories/nobody/address").status_code == 404
    assert main(["monitor", "release", "nobody", "--db", db]) == 1


def test_admission_settings_in_the_configuration_file(tmp_path: Path) -> None:
    conf = tmp_path / "monitor.ini"
    conf.write_text(
        "[auth]\nmode = token\naddress_factories = BNL-apf-01, CERN_central_A\n"
        "trusted_networks = 192.0.2.7 10.1.2.3/16, 2001:db8::/48\n"
    )
    s = load_settings(conf)
    assert s.auth.address_factories == ("BNL-apf-01", "CERN_central_A")
    assert s.auth.trusted_networks == ("192.0.2.7/32", "10.1.0.0/16", "2001:db8::/48")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            "address_factories = ok, bad/name",
            r"\[auth\] address_factories = 'ok, bad/name': factory id 'bad/name' has '/'",
        ),
        (
            "trusted_networks = 10.0.0.300/8",
            r"\[auth\] trusted_networks = '10.0.0.300/8': '10.0.0.300/8' is not a network",
        ),
    ],
)
def test_bad_admission_settings_name_the_key_and_the_value(tmp_path: Path, line: str, message: str) -> None:
    conf = tmp_path / "monitor.ini"
    conf.write_text(f"[auth]\n{line}\n")
    with pytest.raises(SettingsError, match=message):
        load_settings(conf)


@pytest.mark.postgres
def test_admission_refusals_v1_and_label_data_on_postgres(make_mon: MonFactory, pg_url: str) -> None:
    strict = make_mon(AuthMode.TOKEN, db_url=pg_url)
    for _ in range(2):
        assert _run_like_24(strict) == [403, 200, 403, 404, 403, 403]
    counts = {x["action"]: x["count"] for x in strict.client().get("/api/refused").json()}
    assert counts == {"register factory": 2, "register queues": 2, "register pilots": 2, "queue status": 2}
    # the same database served with one more line of configuration
    mon = make_mon(AuthMode.TOKEN, db_url=pg_url, address_factories=(FID,))
    assert _run_like_24(mon) == [201, 200, 201, 201, 200, 200]
    assert mon.client().get("/api/refused").json() == []
    c = mon.client(HOME)
    assert c.put("/api/jobs", json=[{"cid": 931049, "label": "ANALY_BNL", "factory": FID}]).status_code == 201
    assert c.get(f"/apirn/{FID}/931049/").text == "OK"
    assert c.get(f"/apiex/{FID}/931049/0").text == "OK"
    assert c.get(f"/apiex/{FID}/931049/0").text == "ignored: Invalid state transition: exiting->exiting"
    body = b'{"status": "3 workers", "data": {"ANY": {"running": 3}}}'
    assert c.post(f"/api/labels/{FID}:ANALY_BNL", content=body).status_code == 200
    lab = c.get(f"/api/labels/{FID}:ANALY_BNL").json()
    assert (lab["msg"], lab["data"], lab["nexiting"]) == ("3 workers", {"ANY": {"running": 3}}, 1)
    assert "running=3" in c.get(f"/factory/{FID}/label/ANALY_BNL").text


def test_settings_reach_the_worker_processes_and_the_command_line_adds_to_them(tmp_path: Path) -> None:
    import argparse

    from autopyfactory.cli.monitor import _settings
    from autopyfactory.monitor_server.settings import settings_from_json, settings_to_json

    conf = tmp_path / "m.ini"
    conf.write_text("[auth]\naddress_factories = a1\ntrusted_networks = 10.0.0.0/8\n")
    args = argparse.Namespace(
        config=str(conf), db=None, host=None, port=None, workers=None, auth_mode=None, no_expiry=False,
        address_factory=["b2"], trusted_network=["192.0.2.1"],
    )  # fmt: skip
    s = _settings(args)
    assert (s.auth.address_factories, s.auth.trusted_networks) == (
        ("a1", "b2"),
        ("10.0.0.0/8", "192.0.2.1/32"),
    )
    assert settings_from_json(settings_to_json(s)) == s
    with pytest.raises(SettingsError, match="command line: 'nonsense' is not a network"):
        _settings(argparse.Namespace(**{**vars(args), "trusted_network": ["nonsense"]}))
