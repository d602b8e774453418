"""2.4 ``executable.arguments`` through the real bootstrap and stage: each 2.4 argument style (2.4's
queues.conf examples, runpilot3-wrapper.sh, wrapper 0.9.7 and 1.0.x plugin options) runs its pilot,
fetched from a local HTTP server or files, with the arguments 2.4 would have given it."""

from __future__ import annotations

import hashlib
import json
import resource
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from autopyfactory.wrapper import bundle, default_executable
from autopyfactory.wrapper.stage.compat24 import PLUGINS
from tests.wrapper.helpers import FileServer, base_env, file_server, recorder, run_bootstrap
from tests.wrapper.test_pilotcode import make_tarball

# A stand-in PanDA pilot: records what it was given, optionally writes STATUSCODE, exits PILOT_RC.
PILOT = """\
import json, os, resource, sys
record = {
    "kind": %r,
    "argv": sys.argv[1:],
    "cwd": os.getcwd(),
    "file": os.path.abspath(__file__),
    "vmem": resource.getrlimit(resource.RLIMIT_AS)[0],
    "fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
    "env": {k: os.environ.get(k) for k in ("FOO", "https_proxy", "HTTPS_PROXY", "APF_PILOTCODE")},
}
with open(os.path.join(os.environ["PILOT_RECORDS"], os.environ["APFCID"] + ".json"), "w") as f:
    json.dump(record, f)
if os.environ.get("PILOT_STATUSCODE"):
    with open("STATUSCODE", "w") as f:
        f.write(os.environ["PILOT_STATUSCODE"])
sys.exit(int(os.environ.get("PILOT_RC", "0")))
"""

QUEUES_CONF_DEFAULTS = (
    "--wrappergrid=OSG --wrapperwmsqueue=BNL_CVMFS_1 --wrapperbatchqueue=BNL_CVMFS_1-condor --wrappervo=ATLAS"
    " --wrappertarballurl=http://dev.racf.bnl.gov/dist/wrapper/wrapper.tar.gz"
    " --wrapperserverurl=http://pandaserver.cern.ch:25080/cache/pilot --wrapperloglevel=debug"
)
RUNPILOT3 = "-s ANALY_X -h ANALY_X-ce -p 25443 -w https://pandaserver.cern.ch -j false -k {k} -u user"


@dataclass
class Site:
    www: FileServer  # serves www/: cache/pilotcode.tar.gz (PR), cache/pilotcode-rc.tar.gz (RC), ...
    files: Path  # the same files, for file:// URLs
    landing: Path
    scratch: Path
    records: Path
    env: dict[str, str]
    n: int = 0

    def run(self, line: str, **env: str) -> tuple[int, str, str, dict[str, Any] | None]:
        """Run the bootstrap with ``line``; (exit code, stdout, stderr, the pilot's record)."""
        self.n += 1
        cid = f"{self.n}.0"
        res = run_bootstrap(shlex.split(line), self.landing, {**self.env, "APFCID": cid, **env})
        path = self.records / f"{cid}.json"
        record = json.loads(path.read_text()) if path.exists() else None
        assert list(self.scratch.iterdir()) == [], "work directory left behind"
        return res.returncode, res.stdout, res.stderr, record


@pytest.fixture
def site(tmp_path: Path):  # type: ignore[no-untyped-def]
    www = tmp_path / "www"
    (www / "cache").mkdir(parents=True)
    make_tarball(www / "cache" / "pilotcode.tar.gz", {"pilot.py": PILOT % "PR"}, top="")
    make_tarball(www / "cache" / "pilotcode-rc.tar.gz", {"pilot.py": PILOT % "RC"}, top="")
    make_tarball(www / "cache" / "pilot3.tar.gz", {"pilot.py": PILOT % "P3", "util.py": ""}, top="pilot3")
    (www / "cache" / "job.sh").write_text(
        '#!/bin/sh\necho "2.4 trivial job: $*" > "$PILOT_RECORDS/job.txt"\n'
    )
    dirs = [tmp_path / d for d in ("landing", "scratch", "records", "osg")]
    for d in dirs:
        d.mkdir()
    landing, scratch, records, osg = dirs
    cvmfs = tmp_path / "cvmfs" / "atlas.cern.ch" / "repo"
    cvmfs.mkdir(parents=True)
    (cvmfs / "sw").mkdir()
    env = base_env(scratch, APFFID="fid", PILOT_RECORDS=str(records), OSG_WN_TMP=str(osg), APFMON_TRIES="1")
    with file_server(www) as fs:
        yield Site(fs, www, landing, scratch, records, env)


def test_queues_conf_example_runs_libcode_from_pilotsrcurl_with_the_pilot_options(site: Site) -> None:
    for base in (f"{site.www.url}/cache", f"file://{site.files}/cache"):
        pilot = f"--script=pilot.py --libcode=pilotcode.tar.gz,pilotcode-rc.tar.gz --pilotsrcurl={base}"
        rc, out, err, rec = site.run(f"{QUEUES_CONF_DEFAULTS} {pilot} -f false -m false --user managed")
        assert rc == 0, out + err
        assert rec is not None and rec["kind"] in ("PR", "RC")  # 99 times in 100 PR
        assert rec["argv"] == ["-f", "false", "-m", "false", "--user", "managed"]  # passed through, in order
        assert rec["cwd"] == str(Path(rec["file"]).parent)  # run in its directory
        assert "not downloading --wrappertarballurl (http://dev.racf.bnl.gov" in out
        assert "2.4 wrapper.sh: --libcode pilotcode.tar.gz,pilotcode-rc.tar.gz under" in out
        assert "2.4 wrapper.sh arguments run as: " in out


def test_queues_conf_example_with_the_panda_plugin(site: Site) -> None:
    pilot = f"--script=pilot.py --libcode=pilotcode.tar.gz --pilotsrcurl={site.www.url}/cache -f false --user managed"
    rc, out, err, rec = site.run(f"{QUEUES_CONF_DEFAULTS} --wrapperplugin=panda {pilot}")
    assert rc == 0, out + err
    assert rec is not None and rec["argv"] == [
        "-s", "BNL_CVMFS_1", "-r", "BNL_CVMFS_1", "-q", "BNL_CVMFS_1-condor",
        "--url", "http://pandaserver.cern.ch:25080/cache/pilot", "-f", "false", "--user", "managed",
    ]  # fmt: skip


def test_runpilot3_arguments_with_pilot_http_sources(site: Site) -> None:
    with recorder() as mon:
        sources = f"{site.www.url}/missing.tar.gz {site.www.url}/cache/pilotcode.tar.gz"
        rc, out, err, rec = site.run(
            RUNPILOT3.format(k=3000),
            PILOT_HTTP_SOURCES=sources,
            APF_FORCE_FOO="forced",
            https_proxy="http://proxy:3128",
            PILOT_STATUSCODE="7",
            APFMON=mon.url,
        )
    assert rec is not None, out + err
    pilot_dir = str(Path(rec["file"]).parent)
    # runpilot3: -d <its run directory>, then every argument; no -i when the sources were given
    assert rec["argv"] == ["-d", pilot_dir, *shlex.split(RUNPILOT3.format(k=3000))]
    assert rec["cwd"] == pilot_dir
    assert rec["vmem"] == 3000 * 1000 * 1024  # -k 3000: ulimit -v 3000000 (kB)
    assert rec["fsize"] == 20 * 1024 * 1024 * 1024  # ulimit -f 20 GB
    assert rec["env"]["FOO"] == "forced" and rec["env"]["https_proxy"] is None
    # the pilot exited 0 but wrote STATUSCODE 7: runpilot3 reported 7
    assert rc == 7, out + err
    assert mon.states("fid:1.0") == [("running", None), ("exiting", "7")]
    assert "2.4 runpilot3-wrapper.sh: $PILOT_HTTP_SOURCES ->" in out


def test_runpilot3_k_0_sets_no_memory_limit_and_file_sources_work(site: Site) -> None:
    rc, out, err, rec = site.run(
        RUNPILOT3.format(k=0),
        PILOT_HTTP_SOURCES=f"file://{site.files}/cache/pilotcode-rc.tar.gz",
        PILOT_RC="3",
    )
    assert rc == 3, out + err
    assert rec is not None and rec["kind"] == "RC"
    assert rec["vmem"] == resource.getrlimit(resource.RLIMIT_AS)[0]


def test_wrapper_0_9_7_pilottype_under_the_server_url(site: Site) -> None:
    line = (
        f"--wrappervo=ATLAS --wrapperwmsqueue=S --wrapperbatchqueue=Q --wrappergrid=local --wrapperpurpose=ATLAS"
        f" --wrapperserverurl={site.www.url}/cache --wrapperplugin=atlasprodpilot --wrapperpilottype=pilotcode"
        " --wrappermode=test --wrapperloglevel=info -j false"
    )
    rc, out, err, rec = site.run(line)
    assert rc == 0, out + err
    assert rec is not None and rec["kind"] == "PR"
    assert rec["argv"] == ["-j", "false", "-s", "S", "-h", "Q", "-d", site.env["OSG_WN_TMP"]]


@pytest.mark.parametrize("name", sorted(n for n, p in PLUGINS.items() if p.atlas))
def test_every_2_4_atlas_plugin_name_runs_the_pilot_like_2_4(site: Site, name: str) -> None:
    tarball = site.files / "cache" / "pilotcode.tar.gz"
    md5 = hashlib.md5(tarball.read_bytes()).hexdigest()
    line = (
        f"--wrapperplugin={name} --wrapperwmsqueue=S --wrapperbatchqueue=Q --wrapperpilotcode=pilotcode"
        f" --wrapperpilotcodeurl={site.www.url}/missing,{site.www.url}/cache --wrapperpilotcodechecksum=none,{md5}"
        f" --wrapperrunpilotinsubshell=True --wrappercheckcvmfsroot={site.files.parent}/cvmfs -d $OSG_WN_TMP -f false"
    )
    rc, out, err, rec = site.run(line, PILOT_RC="65")
    assert rec is not None, out + err
    assert rec["argv"] == ["-d", site.env["OSG_WN_TMP"], "-f", "false", "-s", "S", "-h", "Q"]
    assert rc == (0 if PLUGINS[name].ok_status == "65" else 65)  # wrapper 1.0.x turned 65 into 0
    profile = json.loads((site.landing / f"{site.n}.0.profile.json").read_text())
    expect = [("cvmfs:atlas.cern.ch", True)] if PLUGINS[name].cvmfs else []  # 1.0.x checked cvmfs first
    assert [(c["name"], c["ok"]) for c in profile["checks"]] == expect


def test_atlas_plugins_of_wrapper_1_0_need_cvmfs_and_refuse_a_wrong_md5(site: Site) -> None:
    base = (
        f"--wrapperplugin=atlas --wrapperwmsqueue=S --wrapperpilotcode={site.www.url}/cache/pilotcode.tar.gz"
    )
    rc, out, _, rec = site.run(base + f" --wrappercheckcvmfsroot={site.files}/no-cvmfs")
    assert rc == 80 and rec is None and "cvmfs:atlas.cern.ch" in out
    cvmfs = f" --wrappercheckcvmfsroot={site.files.parent}/cvmfs"
    rc, out, _, rec = site.run(base + cvmfs + " --wrapperpilotcodechecksum=" + "0" * 32)
    assert rc == 82 and rec is None and "expected md5 " + "0" * 32 in out


def test_2_4_trivial_runs_the_pilot_code_file_with_the_extra_options(site: Site) -> None:
    rc, out, err, _ = site.run(
        f"--wrapperplugin=trivial --wrapperpilotcode=job.sh --wrapperpilotcodeurl=file://{site.files}/cache a b"
    )
    assert rc == 0, out + err
    assert (site.records / "job.txt").read_text() == "2.4 trivial job: a b\n"
    assert site.run("--wrapperplugin=null --wrapperwmsqueue=S --anything")[0] == 0


def test_1_0_pilot_code_groups_and_a_tarball_with_a_top_directory(site: Site) -> None:
    code = f"[{site.www.url}/missing.tar.gz,{site.www.url}/cache/pilot3.tar.gz],{site.www.url}/cache/pilotcode-rc.tar.gz"
    rc, out, err, rec = site.run(f"--wrapperplugin=atlasegi --wrapperwmsqueue=S '--wrapperpilotcode={code}'"
                                 f" --wrappercheckcvmfsroot={site.files.parent}/cvmfs")  # fmt: skip
    assert rc == 0, out + err
    assert rec is not None and rec["kind"] == "P3"  # no ratio: the first group, as in 2.4
    assert rec["file"].endswith("/pilot3/pilot.py") and rec["cwd"].endswith("/pilot3")
    assert "2 pilot code groups and no --wrapperpilotcoderatio: only the first is used" in out


@pytest.mark.parametrize(
    ("line", "fix"),
    [
        ("--wrapperplugin=panda --wrapperwmsqueue=S --wrapperpilotcodeurll=http://x/p.py",
         "unknown option --wrapperpilotcodeurll (did you mean --wrapperpilotcodeurl?)"),
        ("--wrapperplugin=atlas --wrapperwmsqueue=S", "2.4 plugin atlas runs a pilot but no pilot code is given; give the pilot code with"),
        (f"{QUEUES_CONF_DEFAULTS} -f false", "no pilot code to give the arguments '-f false' to"),
        ("--wrapperplugin=atlasprod --wrapperpilotcode=pilotcode", "give --wrapperpilotcodeurl=<base URL>"),
        ("--wrapperplugin=atlasprd", "unknown wrapper plugin 'atlasprd'"),
        ("--wrapperplugin=glidein --bogus", "its options are in docs/wrapper.md"),
    ],
)  # fmt: skip
def test_lines_that_cannot_work_stop_with_64_and_the_fix_on_stderr(site: Site, line: str, fix: str) -> None:
    rc, _, err, rec = site.run(line)
    assert rc == 64 and rec is None
    assert fix in err, err


def test_a_failing_special_command_stops_the_wrapper_as_in_2_4(site: Site) -> None:
    rc, _, err, rec = site.run(
        f"--wrapperspecialcmd='module load nothing' --wrapperpilotcode={site.www.url}/cache/pilotcode.tar.gz"
        " --entry=pilot.py"
    )
    assert rc == 74 and rec is None
    assert "the special command (--wrapperspecialcmd) failed" in err


def test_a_lone_bootstrap_names_a_2_4_wrapper_tarball_and_accepts_an_md5(site: Site, tmp_path: Path) -> None:
    lone = tmp_path / "lone" / "wrapper.sh"
    lone.parent.mkdir()
    shutil.copy(default_executable(), lone)
    make_tarball(site.files / "wrapper.tar.gz", {"wrapper.py": "", "plugins/atlas.py": ""}, top="")
    res = run_bootstrap([f"--wrappertarballurl={site.www.url}/wrapper.tar.gz", "--wrapperplugin=null"],
                        site.landing, {**site.env, "APFCID": "9.0"}, exe=lone)  # fmt: skip
    assert res.returncode == 73
    assert "is a 2.4 wrapper tarball (wrapper.py), not this wrapper's Python stage" in res.stderr
    data = bundle.stage_tarball()
    (site.files / "stage.tar.gz").write_bytes(data)
    md5 = hashlib.md5(data).hexdigest()
    ok = run_bootstrap([f"--wrappertarballurl={site.www.url}/stage.tar.gz", f"--wrappertarballchecksum={md5}",
                        "--wrapperplugin=null"], site.landing, {**site.env, "APFCID": "9.1"}, exe=lone)  # fmt: skip
    assert ok.returncode == 0, ok.stdout + ok.stderr
