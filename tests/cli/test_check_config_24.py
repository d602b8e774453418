"""check-config on what 2.4 sites have: auth.conf/proxy.conf profiles, several bad keys in one queue,
disabled queues with typos."""

from __future__ import annotations

import json
from typing import Any

from autopyfactory.cli.main import main

QUEUES = """
[DEFAULT]
wmsstatusplugin = Static
executable = /bin/true

[GT2]
batchsubmitplugin = CondorGT2
batchsubmit.condorgt2.gridresource = gk.example.org/jobmanager-condor
batchsubmit.condorgt2.proxy = noproxyfile, ssh-key

[OSGCE]
batchsubmitplugin = CondorOSGCE
batchsubmit.condorosgce.gridresource = ce.example.org
batchsubmit.condorosgce.proxy = missing, good

[BOSCO]
batchsubmitplugin = CondorSSH
batchsubmit.condorssh.batch = slurm
batchsubmit.condorssh.host = login.example.org
batchsubmit.condorssh.user = apf
batchsubmit.condorssh.authprofile = ssh-key
"""

AUTH = """
[good]
plugin = X509
x509.proxyfile = /tmp/prodProxy

[noproxyfile]
plugin = X509
x509.vorole = atlas:/atlas/Role=production

[ssh-key]
plugin = SSH
ssh.type = rsa

[mp]
plugin = X509
x509.proxyfile = /tmp/mp
x509.flavor = myproxy
x509.myproxy_hostname = myproxy.example.org
x509.retriever_list = nosuch
"""

PROXY_CONF = """
[legacy]
vorole = atlas:/atlas/Role=pilot
lifetime = many
"""


def check(capsys: Any, etc: Any) -> tuple[int, dict[str, Any]]:
    rc = main(["check-config", "--conf", str(etc), "--json"])
    return rc, json.loads(capsys.readouterr().out)


def keyed(problems: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(p["section"], p["key"]): p for p in problems}


def test_auth_profiles_are_checked_naming_file_section_and_key(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        factory="proxyConf = proxy.conf\n",
        files={"queues.conf": QUEUES, "auth.conf": AUTH, "proxy.conf": PROXY_CONF},
    )
    rc, data = check(capsys, etc)
    assert rc == 1
    p = keyed(data["problems"])
    missing = p[("noproxyfile", "x509.proxyfile")]
    assert missing["level"] == "error" and missing["file"].endswith("auth.conf")
    assert missing["message"].startswith("is required")
    ssh = p[("ssh-key", "ssh.privatekeyfile")]
    assert ssh["message"] == "an SSH profile needs its private key: set ssh.privatekeyfile or ssh.privatekey"
    assert p[("mp", "x509.myproxy_username")]["level"] == "error"
    assert p[("mp", "x509.retriever_list")]["message"].startswith("[nosuch] is not in auth.conf/proxy.conf")
    legacy = p[("legacy", "x509.lifetime")]  # proxy.conf keys are named as auth.conf spells them
    assert legacy["file"].endswith("proxy.conf") and legacy["value"] == "many"
    assert p[("legacy", "x509.proxyfile")]["level"] == "error"
    assert ("good", "x509.proxyfile") not in p

    q = data["queues"]
    gt2 = keyed(q["GT2"]["problems"])[("GT2", "batchsubmit.condorgt2.proxy")]
    assert gt2["level"] == "error" and not q["GT2"]["ok"]
    assert gt2["message"] == (
        "no profile can give an X509 proxy: [noproxyfile] (" + str(etc / "auth.conf") + ") has configuration "
        "errors; [ssh-key] (" + str(etc / "auth.conf") + ") is an SSH profile, not an X509 proxy"
    )
    osgce = keyed(q["OSGCE"]["problems"])[("OSGCE", "batchsubmit.condorosgce.proxy")]
    assert osgce["level"] == "warning" and q["OSGCE"]["ok"]
    assert osgce["message"] == "[missing] is not in auth.conf/proxy.conf; the other profiles are tried"
    bosco = keyed(q["BOSCO"]["problems"])[("BOSCO", "batchsubmit.condorssh.authprofile")]
    assert bosco["level"] == "error" and "[ssh-key]" in bosco["message"]


def test_a_good_auth_file_is_silent(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    good = AUTH.split("[noproxyfile]")[0] + "[ssh-key]\nplugin = SSH\nssh.privatekeyfile = /tmp/id_rsa\n"
    queues = QUEUES.replace("noproxyfile, ssh-key", "good").replace("missing, good", "good")
    etc = conf_tree(files={"queues.conf": queues, "auth.conf": good})
    rc, data = check(capsys, etc)
    assert rc == 0 and data["errors"] == 0 and data["warnings"] == 0, data


def test_every_bad_key_of_a_queue_is_shown(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        files={
            "queues.conf": """
            [Q]
            wmsstatusplugin = Static
            batchsubmitplugin = Local
            schedplugin = Ready, Scale, MaxPerCycle, MaxPending, Nope
            sched.ready.offset = some
            sched.scale.factor = half
            sched.maxpercycle.maximum = 1e999
            sched.maxpending.allow_negative = perhaps
            apfqueue.sleep = soon
            """
        }
    )
    rc, data = check(capsys, etc)
    assert rc == 1
    errors = [(p["key"], p["value"]) for p in data["queues"]["Q"]["problems"] if p["level"] == "error"]
    assert sorted(errors) == sorted(
        [
            ("apfqueue.sleep", "soon"),
            ("sched.ready.offset", "some"),
            ("sched.scale.factor", "half"),
            ("sched.maxpercycle.maximum", "1e999"),
            ("sched.maxpending.allow_negative", "perhaps"),
            ("schedplugin", "Ready, Scale, MaxPerCycle, MaxPending, Nope"),
        ]
    )


def test_errors_of_disabled_queues_are_warnings(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        files={
            "queues.conf": """
            [ON]
            wmsstatusplugin = Static
            batchsubmitplugin = Local

            [OFF]
            enabled = False
            wmsstatusplugin = Static
            batchsubmitplugin = CondorGT2
            schedplugin = Ready, MaxPerCylce
            sched.ready.offset = ten
            """
        }
    )
    rc, data = check(capsys, etc)
    assert rc == 0 and data["errors"] == 0
    off = data["queues"]["OFF"]["problems"]
    assert {p["key"] for p in off} == {
        "schedplugin",
        "sched.ready.offset",
        "batchsubmit.condorgt2.gridresource",
    }
    assert all(
        p["level"] == "warning" and p["message"].endswith("(the queue is disabled: enabled = False)")
        for p in off
    )
    assert main(["check-config", "--conf", str(etc)]) == 0
    out = capsys.readouterr().out
    assert "[OFF]    # disabled, ok" in out and "0 error(s), 3 warning(s)" in out

    # an enabled value nobody can read stays an error: it is not known whether the queue should run
    (etc / "queues.conf").write_text(
        (etc / "queues.conf").read_text().replace("enabled = False", "enabled = Flase")
    )
    rc, data = check(capsys, etc)
    assert rc == 1 and data["errors"] == 4


def test_panda_client_certificate_profiles_are_checked(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    panda = """
    [DEFAULT]
    wmsstatusplugin = Panda
    wmsstatus.panda.url = https://panda.example.org:25443/server/panda
    batchsubmitplugin = Local
    executable = /bin/true

    [WRONG]
    wmsstatus.panda.proxy = ssh-key, missing

    [PARTLY]
    wmsstatus.panda.proxy = missing, good

    [RIGHT]
    wmsstatus.panda.proxy = good
    """
    good = AUTH.split("[noproxyfile]")[0] + "[ssh-key]\nplugin = SSH\nssh.privatekeyfile = /tmp/id_rsa\n"
    etc = conf_tree(files={"queues.conf": panda, "auth.conf": good})
    rc, data = check(capsys, etc)
    assert rc == 1
    q = data["queues"]
    wrong = keyed(q["WRONG"]["problems"])[("WRONG", "wmsstatus.panda.proxy")]
    assert wrong["level"] == "error" and not q["WRONG"]["ok"]
    assert wrong["message"] == (
        "no profile can give an X509 proxy: [ssh-key] (" + str(etc / "auth.conf") + ") is an SSH profile, "
        "not an X509 proxy; [missing] is not in auth.conf/proxy.conf"
    )
    partly = keyed(q["PARTLY"]["problems"])[("PARTLY", "wmsstatus.panda.proxy")]
    assert partly["level"] == "warning" and q["PARTLY"]["ok"]
    assert ("RIGHT", "wmsstatus.panda.proxy") not in keyed(q["RIGHT"]["problems"])
