"""The 2.4 mapping layer: each 2.4 argument style becomes this wrapper's command line, and a line
written for this wrapper is left alone."""

from __future__ import annotations

import random
import re
import shlex
from pathlib import Path

import pytest

from autopyfactory.config.section import ConfigSection
from autopyfactory.wrapper.arguments import wrapper_argv
from autopyfactory.wrapper.stage.compat24 import PLUGINS, RUNPILOT3_PR, RUNPILOT3_PT, RUNPILOT3_RC, translate
from autopyfactory.wrapper.stage.exitcodes import USAGE, StageError
from autopyfactory.wrapper.stage.options import parse
from autopyfactory.wrapper.stage.plugins import NAMES, plugin_class

DOCS = Path(__file__).resolve().parents[2] / "docs" / "wrapper.md"
# etc/queues.conf of 2.4: executable.defaultarguments for wrapper.sh, then a queue's arguments
QUEUES_CONF_DEFAULTS = (
    "--wrappergrid=OSG --wrapperwmsqueue=BNL_CVMFS_1 --wrapperbatchqueue=BNL_CVMFS_1-condor --wrappervo=ATLAS"
    " --wrappertarballurl=http://dev.racf.bnl.gov/dist/wrapper/wrapper.tar.gz"
    " --wrapperserverurl=http://pandaserver.cern.ch:25080/cache/pilot --wrapperloglevel=debug"
)
QUEUES_CONF_PILOT = (
    "--script=pilot.py --libcode=pilotcode.tar.gz,pilotcode-rc.tar.gz"
    " --pilotsrcurl=http://panda.cern.ch:25880/cache -f false -m false --user managed"
)
RUNPILOT3 = "-s ANALY_X -h ANALY_X-ce -p 25443 -w https://pandaserver.cern.ch -j false -k 0 -u user"


def tr(line: str, env: dict[str, str] | None = None, seed: int = 1):  # type: ignore[no-untyped-def]
    return translate(shlex.split(line), env or {}, random.Random(seed))


def test_the_queues_conf_example_fetches_libcode_from_pilotsrcurl_and_passes_the_rest_to_the_pilot() -> None:
    t = tr(f"{QUEUES_CONF_DEFAULTS} {QUEUES_CONF_PILOT}")
    o = parse(t.argv)
    assert t.style == "wrapper.sh"
    assert o.plugin == "generic"  # 2.4's line named no plugin
    assert o.pilotcode == (
        "http://panda.cern.ch:25880/cache/pilotcode.tar.gz, http://panda.cern.ch:25880/cache/pilotcode-rc.tar.gz"
    )
    assert o.pilotcoderatio == "99,1"  # 2.4 took the -rc tarball once in 100
    assert o.plugin_args == ["--entry=pilot.py", "-f", "false", "-m", "false", "--user", "managed"]
    assert (o.wmsqueue, o.batchqueue, o.grid, o.vo, o.loglevel) == (
        "BNL_CVMFS_1", "BNL_CVMFS_1-condor", "OSG", "ATLAS", "debug",
    )  # fmt: skip


def test_the_panda_plugin_gets_the_same_pilot_code_and_entry() -> None:
    o = parse(
        tr(f"{QUEUES_CONF_DEFAULTS} --wrapperplugin=panda --script=runpilot.py {QUEUES_CONF_PILOT}").argv
    )
    assert o.plugin == "panda" and o.pilotcode.startswith("http://panda.cern.ch:25880/cache/pilotcode.tar.gz")
    assert "--pilot-entry=pilot.py" in o.plugin_args  # the last --script wins, as in 2.4's getopt
    assert o.plugin_args[-6:] == ["-f", "false", "-m", "false", "--user", "managed"]


def test_runpilot3_arguments_all_go_to_the_pilot_from_pilot_http_sources() -> None:
    env = {
        "PILOT_HTTP_SOURCES": "http://a/pilot.tgz  file:///b/pilot.tgz",
        "APF_FORCE_X509_CERT_DIR": "/certs",
    }
    t = tr(RUNPILOT3.replace("-k 0", "-k 2000"), env)
    o = parse(t.argv)
    assert t.style == "runpilot3-wrapper.sh"
    assert (o.plugin, o.pilotcode) == ("generic", "[http://a/pilot.tgz, file:///b/pilot.tgz]")
    assert o.payload_args == shlex.split(RUNPILOT3.replace("-k 0", "-k 2000"))  # no -i: sources were given
    assert o.plugin_args == [
        "--entry=pilot.py", "--rundir-arg=-d", "--status-file=STATUSCODE", "--fsize-limit=20971520",
        "--vmem-limit=2000000",
    ]  # fmt: skip
    assert t.environment({"https_proxy": "http://p:3128", "HOME": "/h"}) == {
        "HOME": "/h",
        "X509_CERT_DIR": "/certs",
    }


def test_runpilot3_without_sources_picks_like_2_4_and_tells_the_pilot_with_i() -> None:
    def pick(line: str, seed: int) -> tuple[str, list[str]]:
        o = parse(tr(line, {}, seed).argv)
        return o.pilotcode, o.payload_args[-2:]

    rc_seed = next(s for s in range(10_000) if random.Random(s).randrange(100) == 0)
    pr_seed = next(s for s in range(10_000) if random.Random(s).randrange(100) != 0)
    assert pick(RUNPILOT3, pr_seed) == (RUNPILOT3_PR[0], ["-i", "PR"])
    assert pick(RUNPILOT3, rc_seed) == (RUNPILOT3_RC[0], ["-i", "RC"])
    assert pick(RUNPILOT3.replace("-u user", "-u ptest"), rc_seed) == (RUNPILOT3_PT[0], ["-i", "PT"])
    k0 = parse(tr(RUNPILOT3, {"PILOT_HTTP_SOURCES": "http://a/p.tgz"}).argv)
    assert not any(a.startswith("--vmem-limit") for a in k0.plugin_args)  # -k 0: no limit


def test_runpilot3_lines_may_carry_this_wrappers_own_options() -> None:
    o = parse(tr(f"--wrappercheckdisk=100 {RUNPILOT3}", {"PILOT_HTTP_SOURCES": "http://a/p.tgz"}).argv)
    assert o.checks.disk_mb == 100 and o.payload_args[:2] == ["-s", "ANALY_X"]


def test_wrapper_0_9_7_pilottype_is_a_name_under_the_server_url() -> None:
    line = (
        "--wrapperplugin=atlasprodpilot --wrappervo=ATLAS --wrapperwmsqueue=S --wrapperbatchqueue=Q"
        " --wrapperserverurl=http://x/cache/pilot --wrapperpilottype=pilotcode --wrappermode=test -j false"
    )
    t = tr(line, {"TMP": "/tmp/node"})
    o = parse(t.argv)
    assert (o.plugin, o.pilotcode, o.serverurl) == ("generic", "http://x/cache/pilot/pilotcode.tar.gz", "")
    # what 2.4's ATLAS plugins gave the pilot: its options, then -s, -h and -d when missing
    assert o.plugin_args == ["--entry=pilot.py", "-j", "false", "-s", "S", "-h", "Q", "-d", "/tmp/node"]


@pytest.mark.parametrize("name", ["atlas", "atlasosg", "atlasegi", "ATLASOSG"])
def test_wrapper_1_0_atlas_plugins(name: str) -> None:
    md5 = ["0" * 32, "none", "2" * 32, "3" * 32]
    line = (
        f"--wrapperplugin={name} --wrapperwmsqueue=S --wrapperbatchqueue=Q --wrapperpilotcode=pilotcode,pilotcode-rc"
        f" --wrapperpilotcodeurl=http://a/p,http://b/p/ --wrapperpilotcodechecksum={','.join(md5)}"
        " --wrapperrunpilotinsubshell=True -s OTHER -d $OSG_WN_TMP"
    )
    o = parse(tr(line, {"OSG_WN_TMP": "/scratch"}).argv)
    assert o.plugin == "generic"
    assert o.pilotcode == (
        f"[http://a/p/pilotcode.tar.gz#md5={md5[0]}, http://b/p/pilotcode.tar.gz],"
        f" [http://a/p/pilotcode-rc.tar.gz#md5={md5[2]}, http://b/p/pilotcode-rc.tar.gz#md5={md5[3]}]"
    )
    assert (o.pilotcoderatio, o.pilotcodechecksum) == ("99,1", "")
    assert o.checks.cvmfs == ("atlas.cern.ch",)
    assert o.plugin_args == ["--entry=pilot.py", "--ok-status=65", "-s", "OTHER", "-d", "/scratch", "-h", "Q"]


@pytest.mark.parametrize("name", sorted(PLUGINS))
def test_every_2_4_plugin_name_maps_to_a_plugin_of_this_wrapper(name: str) -> None:
    for form in (name, name + "plugin"):
        line = f"--wrapperplugin={form} --wrapperwmsqueue=S --wrapperpilotcode=http://a/pilot.py"
        o = parse(tr(line).argv)
        assert o.plugin == PLUGINS[name].target
        plugin_class(o.plugin)  # loads


def test_trivial_and_null_are_this_wrappers_own_without_2_4_pilot_code() -> None:
    assert tr("--wrapperplugin=trivial --exit-code 3").style == ""
    assert tr("--wrapperplugin=null --anything").style == ""
    o = parse(
        tr("--wrapperplugin=trivial --wrapperpilotcode=job.sh --wrapperpilotcodeurl=file:///srv a b").argv
    )
    # 2.4's trivial ran the pilot code file itself with the extra options
    assert (o.plugin, o.pilotcode, o.plugin_args) == ("generic", "file:///srv/job.sh", ["a", "b"])


def test_a_line_written_for_this_wrapper_is_left_alone() -> None:
    section = ConfigSection.from_dict(
        "Q",
        {
            "wmsqueue": "S",
            "batchqueue": "Q",
            "wrapper.plugin": "panda",
            "wrapper.pilotcode": "[file:///cvmfs/p/pilot.tar.gz, https://a/pilot.tar.gz], https://b/rc.tar.gz",
            "wrapper.pilotcoderatio": "99,1",
            "wrapper.pilotcodechecksum": f"sha256:{'a' * 64},",
            "wrapper.checks.cvmfs": "atlas.cern.ch",
            "wrapper.pilotargs": "--max-jobs 2 -s X",
        },
    )
    argv = wrapper_argv(section)
    for line in (argv, ["--wrapperplugin=generic", "--", "sh", "-c", "exit 0"], ["sh", "-c", "exit 0"], []):
        assert translate(line, {"PILOT_HTTP_SOURCES": "http://a/p.tgz"}).argv == line
        assert translate(line, {}).style == ""


@pytest.mark.parametrize(
    ("line", "fix"),
    [
        ("--wrapperplugin=atlas --wrapperpilotcode=pilotcode", "give --wrapperpilotcodeurl=<base URL>"),
        ("--wrapperpilottype=pilotcode", "give --wrapperserverurl=<base URL>"),
        ("--libcode=pilotcode", "give --pilotsrcurl=<base URL>"),
        ("--pilotsrcurl=http://x -f false", "name the pilot tarball with --libcode"),
        ("-s S -k lots", "runpilot3 -k is the memory limit in MB"),
        (
            "--wrapperpilotcode=http://a/p,http://b/p --wrapperpilotcodechecksum=" + "1" * 32,
            "give one per URL",
        ),
    ],
)
def test_a_2_4_line_that_cannot_work_is_refused_with_the_fix(line: str, fix: str) -> None:
    with pytest.raises(StageError) as exc:
        tr(line)
    assert exc.value.code == USAGE and fix in exc.value.message


def test_unknown_wrapper_options_and_plugins_name_the_fix() -> None:
    with pytest.raises(StageError) as exc:
        parse(tr("--wrapperplugin=panda --wrapperpilotcodeurll=http://x/p.py").argv)
    assert "unknown option --wrapperpilotcodeurll (did you mean --wrapperpilotcodeurl?)" in exc.value.message
    assert "go after a standalone --" in exc.value.message
    with pytest.raises(StageError) as exc:
        plugin_class(parse(tr("--wrapperplugin=atlasprd").argv).plugin)
    assert "unknown wrapper plugin 'atlasprd'" in exc.value.message


def test_the_docs_table_names_every_2_4_plugin_and_option() -> None:
    text = DOCS.read_text()
    section = text[text.index("## Migrating from 2.4") :]
    for name in [*PLUGINS, "null"]:
        assert re.search(rf"`{name}`", section), name
    for option in (
        "--wrappervo", "--wrapperwmsqueue", "--wrapperbatchqueue", "--wrappergrid", "--wrapperpurpose",
        "--wrapperserverurl", "--wrappertarballurl", "--wrappertarballchecksum", "--wrapperpilotcodeurl",
        "--wrapperpilotcode", "--wrapperpilotcoderatio", "--wrapperpilotcodechecksum", "--wrapperpilottype",
        "--wrapperspecialcmd", "--wrapperplugin", "--wrapperloglevel", "--wrappermode", "--wrappervlimit",
        "--wrapperrunpilotinsubshell", "--extraopts", "--script", "--libcode", "--pilotsrcurl", "PILOT_HTTP_SOURCES",
        "-k", "-i", "APF_FORCE_", "STATUSCODE",
    ):  # fmt: skip
        assert f"`{option}" in section, option
    assert set(NAMES) <= set(re.findall(r"`(\w+)`", section))


def test_wrapper_0_9_checksums_are_per_pilot_code_name() -> None:
    line = (
        "--wrapperplugin=atlasprodpilot --wrapperwmsqueue=S --wrapperpilotcode=pilotcode,pilotcode-rc"
        f" --wrapperpilotcodeurl=http://a,http://b --wrapperpilotcodechecksum={'1' * 32},none"
    )
    o = parse(tr(line).argv)
    assert o.pilotcode == (
        f"[http://a/pilotcode.tar.gz#md5={'1' * 32}, http://b/pilotcode.tar.gz#md5={'1' * 32}],"
        " [http://a/pilotcode-rc.tar.gz, http://b/pilotcode-rc.tar.gz]"
    )
