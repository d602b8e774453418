"""A queue's 2.4 wrapper line, read at configuration time as the bundled wrapper will read it on the node:
check-config refuses a line every node would refuse, and both it and render-args show the translation."""

from __future__ import annotations

import json
from typing import Any

from autopyfactory.cli.main import main

QUEUES = """
[DEFAULT]
batchsubmitplugin = Local
wmsstatusplugin = Static

[RUNPILOT3]
wmsqueue = SITE
executable.arguments = -s SITE -h SITE-ce -p 25443 -w https://pandaserver.cern.ch -j false -k 0 -u managed

[WRAPPER09]
wmsqueue = SITE
executable.arguments = --wrapperplugin=atlasprod --wrapperwmsqueue=SITE --wrapperbatchqueue=SITE-ce --wrapperpilottype=PR --wrapperserverurl=http://pilots.example.org/cache/pilot

[NOCODE]
wmsqueue = SITE
executable.arguments = --wrapperplugin=atlasprodpilot --wrapperwmsqueue=SITE --wrapperbatchqueue=SITE-ce

[STILL24]
wmsqueue = SITE
executable = /usr/libexec/wrapper.sh
executable.arguments = --wrapperplugin=atlasprodpilot --wrapperwmsqueue=SITE --wrapperbatchqueue=SITE-ce

[OWN]
wmsqueue = SITE
executable = /opt/site/pilot-starter
executable.arguments = -s SITE -h SITE-ce

[NEW]
wmsqueue = SITE
wrapper.pilotcode = http://example.org/pilot.py
"""


def _check(capsys: Any, etc: Any) -> tuple[int, dict[str, Any]]:
    rc = main(["check-config", "--conf", str(etc), "--json"])
    return rc, json.loads(capsys.readouterr().out)


def _arguments(data: dict[str, Any], queue: str) -> list[dict[str, Any]]:
    return [p for p in data["queues"][queue]["problems"] if p["key"] == "executable.arguments"]


def test_check_config_previews_and_refuses_2_4_lines(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    rc, data = _check(capsys, conf_tree(files={"queues.conf": QUEUES}))
    assert rc == 1  # NOCODE cannot run

    (rp3,) = _arguments(data, "RUNPILOT3")
    assert rp3["level"] == "info"
    assert rp3["message"].startswith("a 2.4 runpilot3-wrapper.sh line; the bundled wrapper runs it as: ")
    assert "-s SITE -h SITE-ce -p 25443" in rp3["message"]  # the pilot's own words, kept in order

    (w09,) = _arguments(data, "WRAPPER09")
    assert w09["level"] == "info" and w09["message"].startswith("a 2.4 wrapper.sh line")
    assert "--wrapperpilotcode=" in w09["message"] and "pilots.example.org" in w09["message"]

    (nocode,) = _arguments(data, "NOCODE")
    assert nocode["level"] == "error" and not data["queues"]["NOCODE"]["ok"]
    assert nocode["message"].startswith("a 2.4 wrapper line the bundled wrapper refuses on every node: ")
    assert nocode["file"].endswith("queues.conf") and nocode["section"] == "NOCODE"

    # a queue still on 2.4's own wrapper runs; the refusal is what migrating would meet
    (still,) = _arguments(data, "STILL24")
    assert still["level"] == "info" and data["queues"]["STILL24"]["ok"]
    assert still["message"].startswith(
        "a 2.4 wrapper line: /usr/libexec/wrapper.sh runs it as written; the bundled wrapper would refuse it: "
    )

    assert _arguments(data, "OWN") == []  # a site's own executable is nobody's 2.4 line
    assert _arguments(data, "NEW") == []  # the wrapper.* keys build this wrapper's own line


def test_render_args_shows_what_a_2_4_line_becomes(conf_tree, capsys) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": QUEUES})
    assert main(["wrapper", "render-args", "--conf", str(etc), "--queue", "WRAPPER09"]) == 0
    out = capsys.readouterr().out
    assert "a 2.4 wrapper.sh line; on the node the bundled wrapper runs it as:" in out
    assert "\n  - " in out  # each 2.4 item mapped, one note per line
    assert main(["wrapper", "render-args", "--conf", str(etc), "--queue", "NOCODE"]) == 1
    assert "a 2.4 wrapper line the bundled wrapper refuses: " in capsys.readouterr().out
    assert main(["wrapper", "render-args", "--conf", str(etc), "--queue", "STILL24"]) == 0
    assert "runs this 2.4 line as written; after migrating to the bundled wrapper:" in capsys.readouterr().out
