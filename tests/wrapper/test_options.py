"""The wrapper command line: 2.4 options, new options, plugin options and payload arguments."""

from __future__ import annotations

import pytest

from autopyfactory.wrapper.stage.exitcodes import USAGE, StageError
from autopyfactory.wrapper.stage.options import parse

OPTIONS_2_4 = [
    "--wrappervo=atlas", "--wrapperwmsqueue=SITE", "--wrapperbatchqueue=SITE_Q", "--wrappergrid=OSG",
    "--wrapperpurpose=production", "--wrappertarballurl=http://x/w.tgz", "--wrapperserverurl=https://panda",
    "--wrapperloglevel=debug", "--wrapperplugin=panda", "--wrapperpilotcode=http://x/p.py",
    "--wrapperpilotcodechecksum=" + "a" * 64, "--wrapperpilotcoderatio=1", "--wrappertarballchecksum=abc",
]  # fmt: skip


def test_every_2_4_option_is_understood_and_nothing_leaks_to_the_plugin() -> None:
    o = parse(OPTIONS_2_4)
    assert (o.plugin, o.vo, o.wmsqueue, o.batchqueue, o.grid) == ("panda", "atlas", "SITE", "SITE_Q", "OSG")
    assert (o.purpose, o.serverurl, o.loglevel) == ("production", "https://panda", "debug")
    assert (o.pilotcode, o.pilotcoderatio, o.pilotcodechecksum) == ("http://x/p.py", "1", "a" * 64)
    assert o.plugin_args == [] and o.payload_args == []


def test_unknown_options_and_extraopts_go_to_the_plugin_and_after_dashdash_to_the_payload() -> None:
    o = parse(
        ["-s", "S", "--wrapperplugin", "PANDA", "--x=1", "--extraopts=--y 2", "--", "-a", "--wrappervo=v"]
    )
    assert o.plugin == "panda"
    assert o.plugin_args == ["-s", "S", "--x=1", "--y", "2"]
    assert o.payload_args == ["-a", "--wrappervo=v"]  # not parsed as a wrapper option
    assert o.vo == ""


def test_check_and_fetch_options() -> None:
    o = parse(
        ["--wrappercheckdisk=500", "--wrappercheckcvmfs=atlas.cern.ch, sft.cern.ch", "--wrappercheckcommand=a",
         "--wrappercheckcommand", "b", "--wrappercheckproxy=12", "--wrapperfetchattempts=5",
         "--wrapperpilotcodetimeout=30"]
    )  # fmt: skip
    assert o.checks.disk_mb == 500 and o.checks.cvmfs == ("atlas.cern.ch", "sft.cern.ch")
    assert o.checks.commands == ("a", "b") and o.checks.proxy_hours == 12
    assert o.fetch.attempts == 5 and o.fetch.deadline == 30
    assert o.checks.enabled()
    assert not parse([]).checks.enabled()


@pytest.mark.parametrize(
    "argv",
    [
        ["--wrappercheckdisk=lots"],
        ["--wrappercheckdisk=-1"],
        ["--wrapperloglevel=loud"],
        ["--wrappercheckpython=three"],
        ["--extraopts=--a 'unclosed"],
        ["--wrapperpilotcode"],
    ],
)
def test_bad_values_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises(StageError) as exc:
        parse(argv)
    assert exc.value.code == USAGE
