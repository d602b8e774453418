"""docs/quickstart.md followed literally: the blocks it marks are run in order in an empty directory
(files written, commands run, services started and stopped), and the result is what the page
promises: a factory that submits pilots which run the testbed's jobs, and a monitor whose dashboard
shows the factory and its queue. Only the port numbers are changed, to free ones.

Markers (an HTML comment on the line before a fenced block):
``<!-- quickstart: file PATH -->`` the block is PATH's content; ``<!-- quickstart: run -->`` the
block runs in bash (``-e``: every command must succeed); ``<!-- quickstart: start NAME [PORT] -->``
the block's command starts service NAME in the background (ready once PORT accepts connections);
``<!-- quickstart: stop NAME -->`` (no block) stops it with SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.invariants.proctable import kill_matching, processes
from tests.invariants.timing import wait_for

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "quickstart.md"
MARKED = re.compile(r"<!-- quickstart: (\w+)((?: [^ >]+)*) -->\n(?:```\w*\n(.*?)```)?", re.S)
PORTS = {"testbed": 25080, "monitor": 8080, "logserver": 25880}  # as the page writes them
RUN_MARK = "APF_QUICKSTART_RUN"


@dataclass(frozen=True)
class Step:
    kind: str  # file, run, start, stop
    args: tuple[str, ...]
    text: str


def steps(page: str) -> list[Step]:
    return [Step(m.group(1), tuple(m.group(2).split()), m.group(3) or "") for m in MARKED.finditer(page)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class Walk:
    """Runs the page's steps in ``work``, with the page's ports mapped to free ones."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.ports = {name: free_port() for name in PORTS}
        self.marker = uuid.uuid4().hex
        bindir = str(Path(sys.executable).parent)
        self.env = {
            **os.environ,
            "PATH": f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(work / "home"),
            RUN_MARK: self.marker,
        }
        (work / "home").mkdir()
        self.services: dict[str, subprocess.Popen[bytes]] = {}
        self.outputs: list[str] = []

    def ported(self, text: str) -> str:
        for name, port in PORTS.items():
            text = re.sub(rf"\b{port}\b", str(self.ports[name]), text)
        return text

    def port(self, name: str) -> int:
        return self.ports[name]

    def do(self, step: Step) -> None:
        if step.kind == "file":
            (path,) = step.args
            target = self.work / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(self.ported(step.text))
        elif step.kind == "run":
            proc = subprocess.run(
                ["bash", "-e", "-o", "pipefail", "-c", self.ported(step.text)],
                cwd=self.work, env=self.env, capture_output=True, text=True, timeout=300,
            )  # fmt: skip
            self.outputs.append(proc.stdout + proc.stderr)
            assert proc.returncode == 0, f"{step.text}\nexit {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
        elif step.kind == "start":
            name = step.args[0]
            log = open(self.work / f"{name}.out", "wb")  # noqa: SIM115 - closed with the process
            self.services[name] = subprocess.Popen(
                ["bash", "-c", "exec " + self.ported(step.text.strip())],
                cwd=self.work, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
            log.close()
            if len(step.args) > 1:
                port = int(self.ported(step.args[1]))
                wait_for(lambda: listening(port) or self._died(name), 120, f"{name} listening on {port}")
                assert self.services[name].poll() is None, self.output_of(name)
        elif step.kind == "stop":
            self.stop(step.args[0])
        else:
            raise AssertionError(f"unknown quickstart marker {step.kind!r}")

    def _died(self, name: str) -> bool:
        return self.services[name].poll() is not None

    def output_of(self, name: str) -> str:
        return (self.work / f"{name}.out").read_text(errors="replace")

    def stop(self, name: str) -> None:
        proc = self.services.pop(name)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)

    def close(self) -> None:
        for name in list(self.services):
            self.stop(name)
        kill_matching({RUN_MARK: self.marker})
        for p in processes(cmd_contains=str(self.work)):
            os.kill(p.pid, signal.SIGKILL)


@pytest.fixture
def walk(tmp_path: Path) -> Iterator[Walk]:
    w = Walk(tmp_path)
    yield w
    w.close()


def sites_of(w: Walk) -> dict[str, dict[str, object]]:
    r = httpx.get(f"http://127.0.0.1:{w.port('testbed')}/testbed/summary", timeout=10)
    return {str(s["site"]): s for s in r.json()}


def test_the_page_marks_its_ports_files_and_services() -> None:
    page = PAGE.read_text()
    for port in PORTS.values():
        assert str(port) in page
    kinds = [(s.kind, s.args[:1]) for s in steps(page)]
    for expected in (("start", ("testbed",)), ("start", ("monitor",)), ("start", ("factory",))):
        assert expected in kinds
    assert ("file", ("etc/autopyfactory.conf",)) in kinds
    assert ("stop", ("factory",)) in kinds


def test_the_quickstart_followed_literally_gives_a_factory_that_runs_pilots_and_a_dashboard(
    walk: Walk,
) -> None:
    for step in steps(PAGE.read_text()):
        if step.kind == "stop" and step.args == ("factory",):
            check_running_factory(walk)
        walk.do(step)
    # the Slurm and HTCondor variants were checked with check-config --strict by the page itself
    assert any("render" in o or "universe = vanilla" in o for o in walk.outputs)


def check_running_factory(w: Walk) -> None:
    """What the page promises while the factory runs."""
    assert "factory" in w.services

    def done() -> bool:
        assert w.services["factory"].poll() is None, w.output_of("factory")
        site = sites_of(w)["MY_SITE"]
        return site["jobs"] == {"finished": 12}

    wait_for(done, 240, "the testbed's 12 jobs finished by the factory's pilots")
    factory_log = w.output_of("factory")
    assert "action='submitted" in factory_log
    assert (
        f"log server: serving {w.work / 'etc' / '..' / 'logs'} at http://localhost:{w.port('logserver')}"
        in (factory_log)
    )
    assert "Traceback" not in factory_log
    base = f"http://127.0.0.1:{w.port('monitor')}"

    def dashboard_shows_the_queue() -> bool:
        page = httpx.get(f"{base}/factory/my-factory", timeout=10)
        return page.status_code == 200 and "MY_SITE" in page.text

    wait_for(dashboard_shows_the_queue, 60, "the dashboard's page of my-factory listing MY_SITE")
    assert "my-factory" in httpx.get(f"{base}/", timeout=10).text
    # the pilot logs are served where the pilots' links point
    logs = httpx.get(f"http://localhost:{w.port('logserver')}/", timeout=10)
    assert logs.status_code == 200
