"""The built-in pilot log server: ``baseLogDir`` over HTTP on the port of ``baseLogDirUrl``.

Nothing outside ``baseLogDir`` is ever served: paths are resolved (symlinks included) and must stay
inside the root. Listings are optional; ``robots.txt`` disallows crawling unless allowed."""

from __future__ import annotations

import html
import logging
import os
import socket
import threading
import time
import urllib.parse
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

log = logging.getLogger(__name__)

TEXT_SUFFIXES = (
    ".log",
    ".out",
    ".err",
    ".jdl",
    ".conf",
    ".txt",
    ".sh",
    ".py",
    ".c",
    ".h",
    ".json",
    ".sub",
    ".rc",
)


def port_of(url: str) -> int:
    """The port of ``baseLogDirUrl``: explicit, else 80 for http and 443 for https."""
    p = urllib.parse.urlsplit(url)
    if p.port:
        return p.port
    return 443 if p.scheme == "https" else 80


class _Handler(SimpleHTTPRequestHandler):
    server: LogHTTPServer

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        **{s: "text/plain; charset=utf-8" for s in TEXT_SUFFIXES},
    }

    def log_message(self, format: str, *args: object) -> None:
        log.debug("logserver %s - %s", self.client_address[0], format % args)

    def _inside(self, path: str) -> Path | None:
        root = self.server.root
        rel = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
        try:
            target = (root / rel.lstrip("/")).resolve()
        except (OSError, ValueError):
            return None
        if target != root and root not in target.parents:
            return None
        return target

    def translate_path(self, path: str) -> str:
        target = self._inside(path)
        # an impossible path for anything outside the root: the base class then answers 404
        return str(target) if target is not None else str(self.server.root / "\0outside")

    def send_head(self):  # type: ignore[no-untyped-def]
        parsed = urllib.parse.urlsplit(self.path).path
        if parsed == "/robots.txt" and not self.server.allowrobots:
            body = b"User-agent: *\nDisallow: /\n"
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            from io import BytesIO

            return BytesIO(body)
        target = self._inside(self.path)
        if target is None:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        if target.is_dir() and not self.server.index:
            index = target / "index.html"
            if not index.exists():
                self.send_error(HTTPStatus.FORBIDDEN, "Directory listing is disabled")
                return None
        return super().send_head()

    def list_directory(self, path: str | os.PathLike[str]):  # type: ignore[no-untyped-def,override]
        if not self.server.index:
            self.send_error(HTTPStatus.FORBIDDEN, "Directory listing is disabled")
            return None
        from io import BytesIO

        p = Path(path)
        try:
            entries = sorted(p.iterdir(), key=lambda e: e.name)
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "No permission to list directory")
            return None
        title = html.escape(urllib.parse.unquote(self.path))
        rows = []
        for e in entries:
            try:
                st = e.stat()
            except OSError:
                continue
            name = e.name + ("/" if e.is_dir() else "")
            rows.append(
                f'<tr><td><a href="{urllib.parse.quote(name)}">{html.escape(name)}</a></td>'
                f"<td>{time.strftime('%Y-%m-%d %H:%M', time.gmtime(st.st_mtime))}</td>"
                f"<td align=right>{'-' if e.is_dir() else st.st_size}</td></tr>"
            )
        body = (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Index of {title}</title></head><body>"
            f"<h1>Index of {title}</h1><table><tr><th>Name</th><th>Last modified (UTC)</th><th>Size</th></tr>"
            f"<tr><td><a href='../'>Parent Directory</a></td><td></td><td></td></tr>{''.join(rows)}</table><hr>"
            f"<address>AutoPyFactory at {html.escape(socket.gethostname())} Port {self.server.server_port}</address>"
            "</body></html>"
        ).encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return BytesIO(body)


class LogHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, root: Path, port: int, index: bool, allowrobots: bool, host: str = "") -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = root.resolve()
        self.index = index
        self.allowrobots = allowrobots
        super().__init__((host, port), _Handler)


class LogServer:
    """Runs the log server in a thread; if the port is taken it retries every ``retry`` seconds."""

    def __init__(
        self,
        root: Path,
        port: int,
        index: bool = True,
        allowrobots: bool = False,
        host: str = "",
        retry: float = 60.0,
    ) -> None:
        self.root, self.port, self.index, self.allowrobots, self.host, self.retry = (
            root,
            port,
            index,
            allowrobots,
            host,
            retry,
        )
        self.httpd: LogHTTPServer | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="logserver", daemon=True)

    def start(self) -> LogServer:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.httpd = LogHTTPServer(self.root, self.port, self.index, self.allowrobots, self.host)
            except OSError as exc:
                log.error(
                    "log server cannot listen on port %d (%s); retrying in %.0fs",
                    self.port,
                    exc.strerror,
                    self.retry,
                )
                self._stop.wait(self.retry)
                continue
            log.info("log server serving %s on port %d", self.root, self.httpd.server_port)
            self.httpd.serve_forever(poll_interval=0.5)
            return

    def stop(self) -> None:
        self._stop.set()
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
