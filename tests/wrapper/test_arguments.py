"""The factory side: wrapper.* keys, and the executable.arguments built from them, as the stage reads them."""

from __future__ import annotations

import shlex

import pytest

from autopyfactory.config.keys import KeySet
from autopyfactory.config.problems import ConfigError
from autopyfactory.config.queue import QUEUE_KEYS
from autopyfactory.config.section import ConfigSection
from autopyfactory.wrapper import default_arguments, default_executable
from autopyfactory.wrapper.keys import WRAPPER_KEYS
from autopyfactory.wrapper.stage.options import parse
from autopyfactory.wrapper.stage.plugins.glidein import GlideinPlugin
from autopyfactory.wrapper.stage.plugins.panda import PandaPlugin

SUM = "ab" * 32


def queue(**values: str) -> ConfigSection:
    return ConfigSection.from_dict(
        "SITE_Q-ce", {k.replace("__", "."): v for k, v in values.items()}, "q.conf"
    )


def test_wrapper_keys_are_generic_queue_keys() -> None:
    known = KeySet(QUEUE_KEYS)
    assert all(k.name in known for k in WRAPPER_KEYS if not k.prefix)
    assert "wrapper.checks.command.scratch" in known
    assert "wrapper.pilotcodes" not in known


def test_defaults_name_the_plugin_and_the_queue_and_the_bundled_bootstrap() -> None:
    assert default_arguments(queue(wmsqueue="SITE")) == "--wrapperplugin=panda --wrapperwmsqueue=SITE"
    assert default_executable().name == "bootstrap.sh" and default_executable().is_file()


def test_every_key_reaches_the_stage_as_the_stage_understands_it() -> None:
    q = queue(
        wmsqueue="SITE", batchqueue="SITE_Q", vo="atlas", grid="OSG",
        wrapper__serverurl="https://panda:25443", wrapper__loglevel="debug",
        wrapper__pilotcode="['http://a/p.tar.gz', 'file:///cvmfs/p.tar.gz'], http://b/rc.tar.gz",
        wrapper__pilotcoderatio="99,1", wrapper__pilotcodechecksum=f"sha256:{SUM},",
        wrapper__checks__disk="5000", wrapper__checks__memory="2048.5", wrapper__checks__cpus="8",
        wrapper__checks__python="3.9", wrapper__checks__cvmfs="atlas.cern.ch,sft.cern.ch",
        wrapper__checks__proxy="12", wrapper__checks__command__b="test -w .", wrapper__checks__command__a="true",
        wrapper__extraargs="--wrapperfetchattempts=5", wrapper__panda__queue="SITE_UCORE",
        wrapper__pluginargs="--pilot-entry runpilot.py", wrapper__pilotargs="--max-jobs 1 --label 'a b'",
    )  # fmt: skip
    o = parse(shlex.split(default_arguments(q)))
    assert (o.plugin, o.wmsqueue, o.batchqueue, o.vo, o.grid) == ("panda", "SITE", "SITE_Q", "atlas", "OSG")
    assert (o.serverurl, o.loglevel, o.pilotcoderatio) == ("https://panda:25443", "debug", "99,1")
    assert o.pilotcode == q.raw("wrapper.pilotcode") and o.pilotcodechecksum == f"sha256:{SUM},"
    c = o.checks
    assert (c.disk_mb, c.memory_mb, c.cpus, c.python, c.proxy_hours) == (5000, 2048.5, 8, "3.9", 12)
    assert c.cvmfs == ("atlas.cern.ch", "sft.cern.ch") and c.commands == ("true", "test -w .")
    assert o.fetch.attempts == 5
    assert o.plugin_args == ["--queue=SITE_UCORE", "--pilot-entry", "runpilot.py"]
    assert o.payload_args == ["--max-jobs", "1", "--label", "a b"]
    panda = PandaPlugin.__new__(PandaPlugin)
    parser_opts, extra = _plugin_parse(panda, o.plugin_args)
    assert (parser_opts.queue, parser_opts.pilot_entry, extra) == ("SITE_UCORE", "runpilot.py", [])


def _plugin_parse(plugin, args):  # type: ignore[no-untyped-def]
    from autopyfactory.wrapper.stage.options import StageArgumentParser

    p = StageArgumentParser("t")
    plugin.add_options(p)
    return p.parse_known_args(args)


def test_glidein_keys_become_glidein_plugin_options() -> None:
    q = queue(
        wrapper__plugin="glidein", wrapper__glidein__collector="cm.example.org:9618",
        wrapper__glidein__condortarball="https://x/condor.tar.gz", wrapper__glidein__tokenfile="/etc/pool.token",
        wrapper__glidein__slotlayout="static", wrapper__glidein__cpus="4", wrapper__glidein__memory="8000",
        wrapper__glidein__maxidle="300", wrapper__glidein__maxwalltime="3600",
    )  # fmt: skip
    o = parse(shlex.split(default_arguments(q)))
    assert o.plugin == "glidein"
    opts, extra = _plugin_parse(GlideinPlugin.__new__(GlideinPlugin), o.plugin_args)
    assert extra == []
    assert (opts.collector, opts.condor_tarball_url, opts.token_file) == (
        "cm.example.org:9618", "https://x/condor.tar.gz", "/etc/pool.token",
    )  # fmt: skip
    assert (opts.slot_layout, opts.cpus, opts.memory, opts.max_idle, opts.max_walltime) == (
        "static", 4, 8000, 300, 3600,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"wrapper__pilotcode": "ftp://x/p"}, "wrapper.pilotcode"),
        ({"wrapper__pilotcode": "http://a/p", "wrapper__pilotcoderatio": "1,2"}, "wrapper.pilotcode"),
        ({"wrapper__pilotcode": "http://a/p", "wrapper__pilotcodechecksum": "xyz"}, "wrapper.pilotcode"),
        ({"wrapper__plugin": "atlasosg"}, "wrapper.plugin"),
        ({"wrapper__checks__disk": "lots"}, "wrapper.checks.disk"),
        ({"wrapper__pilotargs": "'unclosed"}, "wrapper.pilotargs"),
    ],
)
def test_bad_wrapper_keys_are_config_errors_naming_the_key(values: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError) as exc:
        default_arguments(queue(**values))
    assert exc.value.problem.key == key
    assert exc.value.problem.origin == "q.conf"
