"""Local HTTP servers for wrapper tests: a file server (with injectable failures) and an APFMon
recorder; and a helper that runs the real bootstrap."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from autopyfactory.wrapper import default_executable


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dead_url(path: str = "/pilot.py") -> str:
    """An http URL nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


@dataclass
class FileServer:
    root: Path
    url: str = ""
    fail_first: dict[str, int] = field(default_factory=dict)  # path -> how many 503s before serving
    requests: list[str] = field(default_factory=list)


@dataclass
class MonCall:
    path: str
    fields: dict[str, str]

    @property
    def state(self) -> str:
        return self.fields.get("state", "")


@dataclass
class Recorder:
    url: str = ""
    refuse: set[str] = field(default_factory=set)  # states answered with 403
    unknown_first: dict[str, int] = field(default_factory=dict)  # state -> first posts answered 404
    calls: list[MonCall] = field(default_factory=list)

    def states(self, jid: str | None = None) -> list[tuple[str, str | None]]:
        return [
            (c.state, c.fields.get("rc"))
            for c in self.calls
            if jid is None or c.path.endswith(f"/jobs/{jid}")
        ]


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    t = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def file_server(root: Path) -> Iterator[FileServer]:
    fs = FileServer(root)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = urllib.parse.urlparse(self.path).path
            with lock:
                fs.requests.append(path)
                left = fs.fail_first.get(path, 0)
                if left:
                    fs.fail_first[path] = left - 1
            if left:
                self.send_error(503, "try later")
                return
            target = (fs.root / path.lstrip("/")).resolve()
            if not target.is_file() or fs.root.resolve() not in target.parents:
                self.send_error(404)
                return
            data = target.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    with serve(Handler) as url:
        fs.url = url
        yield fs


@contextmanager
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            fields = dict(urllib.parse.parse_qsl(body))
            with lock:
                rec.calls.append(MonCall(self.path, fields))
            state = fields.get("state", "")
            with lock:
                unknown = rec.unknown_first.get(state, 0)
                if unknown:
                    rec.unknown_first[state] = unknown - 1
            code = 404 if unknown else 403 if state in rec.refuse else 200
            self.send_response(code)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def do_PUT(self) -> None:  # factory-side registrations, if a test uses the APF monitor
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    with serve(Handler) as url:
        rec.url = url + "/api"
        yield rec


def base_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG") if k in os.environ}
    env["TMPDIR"] = str(tmp)
    env["APF_PYTHON"] = sys.executable  # skip slow interpreter shims (pyenv) on the test machine
    env.update(extra)
    return env


def run_bootstrap(
    args: list[str], landing: Path, env: dict[str, str], exe: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    landing.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [str(exe or default_executable()), *args],
        cwd=landing,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


PAYLOAD = """\
import os, signal, sys, time
marker = os.path.join(os.environ["MARKER_DIR"], os.environ.get("APFCID", "direct") + ".payload")
def note(text):
    with open(marker, "a") as f:
        f.write(text + "\\n")
def on_signal(signum, frame):
    note("got " + signal.Signals(signum).name)
    sys.exit(42)
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
    signal.signal(s, on_signal)
note("started cwd=%s args=%s" % (os.getcwd(), " ".join(sys.argv[1:])))
print("payload running with", sys.argv[1:], flush=True)
if sys.argv[1:] == ["wait"]:
    for _ in range(600):
        time.sleep(0.1)
    sys.exit(1)
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
"""
