"""The log server's request handler: GET and HEAD of files and directory listings in ``baseLogDir``.

One request per connection (HTTP/1.0), a per-operation socket timeout and an overall deadline per
answer, so a worker is never held for long by one client. Every request gets an HTTP status."""

from __future__ import annotations

import email.utils
import html
import logging
import mimetypes
import os
import socket
import stat
import time
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING

from autopyfactory import __version__
from autopyfactory.logserver.resolve import Opened, Refused, open_inside, url_path

if TYPE_CHECKING:
    from autopyfactory.logserver.server import LogHTTPServer

log = logging.getLogger("autopyfactory.logserver")

TEXT_SUFFIXES = (
    ".log", ".out", ".err", ".jdl", ".conf", ".txt", ".sh", ".py", ".c", ".h", ".json", ".sub", ".rc",
)  # fmt: skip
ROBOTS = b"User-agent: *\nDisallow: /\n"
CHUNK = 64 * 1024


def content_type(name: str) -> str:
    if name.endswith(TEXT_SUFFIXES):
        return "text/plain; charset=utf-8"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


class LogRequestHandler(BaseHTTPRequestHandler):
    """Serves one request for a pilot log file or directory listing (GET and HEAD), with timeouts on every
    read and write."""

    server: LogHTTPServer
    protocol_version = "HTTP/1.0"
    server_version = f"AutoPyFactory-logserver/{__version__}"

    def setup(self) -> None:
        self._headers_sent = False
        self.request.settimeout(self.server.request_timeout)  # every read and write of this client
        super().setup()

    def log_message(self, format: str, *args: object) -> None:
        log.debug("logserver %s - %s", self.client_address[0], format % args)

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        try:
            self._serve(body)
        except Refused as r:
            self.send_error(r.status, r.reason)
        except (TimeoutError, ConnectionError, BrokenPipeError):
            self.close_connection = True
        except Exception:
            log.exception("logserver: %s %s failed", self.command, self.path[:200])
            self.close_connection = True
            if not self._headers_sent:
                self.send_error(HTTPStatus.INTERNAL_SERVER_ERROR)

    def end_headers(self) -> None:
        self._headers_sent = True
        super().end_headers()

    def _serve(self, body: bool) -> None:
        rel = url_path(self.path)
        if rel == "/robots.txt" and not self.server.allowrobots:
            self._send_bytes(ROBOTS, "text/plain", body)
            return
        page = self.server.pages.get(rel)
        if page is not None:  # a page the factory serves here (/metrics), not a file
            data, ctype = page()
            self._send_bytes(data, ctype, body)
            return
        opened = open_inside(self.server.root, rel)
        try:
            if opened.is_dir:
                self._directory(opened, rel, body)
            else:
                self._file(opened, os.path.basename(opened.path), body)
        finally:
            os.close(opened.fd)

    def _directory(self, d: Opened, rel: str, body: bool) -> None:
        if not rel.endswith("/"):
            parts = urllib.parse.urlsplit(self.path)
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", urllib.parse.urlunsplit(parts._replace(path=parts.path + "/")))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        for index in ("index.html", "index.htm"):
            try:
                opened = open_inside(self.server.root, rel + index)
            except Refused:
                continue
            try:
                if not opened.is_dir:
                    self._file(opened, index, body)
                    return
            finally:
                os.close(opened.fd)
        if not self.server.index:
            raise Refused(HTTPStatus.FORBIDDEN, "Directory listing is disabled")
        self._send_bytes(self._listing(d.fd, rel), "text/html; charset=utf-8", body)

    def _listing(self, fd: int, rel: str) -> bytes:
        rows = []
        with os.scandir(fd) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in entries:
            try:
                st = os.stat(e.name, dir_fd=fd)  # never opens the entry: a FIFO is harmless here
            except OSError:
                continue
            is_dir = stat.S_ISDIR(st.st_mode)
            name = e.name + ("/" if is_dir else "")
            rows.append(
                f'<tr><td><a href="{urllib.parse.quote(name, errors="surrogateescape")}">'
                f"{html.escape(name.encode('utf-8', 'replace').decode('utf-8'))}</a></td>"
                f"<td>{time.strftime('%Y-%m-%d %H:%M', time.gmtime(st.st_mtime))}</td>"
                f"<td align=right>{'-' if is_dir else st.st_size}</td></tr>"
            )
        title = html.escape(rel.encode("utf-8", "replace").decode("utf-8"))
        return (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Index of {title}</title></head><body>"
            f"<h1>Index of {title}</h1><table><tr><th>Name</th><th>Last modified (UTC)</th><th>Size</th></tr>"
            f"<tr><td><a href='../'>Parent Directory</a></td><td></td><td></td></tr>{''.join(rows)}</table><hr>"
            f"<address>AutoPyFactory at {html.escape(socket.gethostname())} Port {self.server.server_port}</address>"
            "</body></html>"
        ).encode()

    def _file(self, f: Opened, name: str, body: bool) -> None:
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                when = email.utils.parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError, IndexError, OverflowError):
                when = None
            if when is not None and int(f.mtime) <= when:
                self.send_response(HTTPStatus.NOT_MODIFIED)
                self.end_headers()
                return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type(name))
        self.send_header("Content-Length", str(f.size))
        self.send_header("Last-Modified", email.utils.formatdate(f.mtime, usegmt=True))
        self.end_headers()
        if not body:
            return
        deadline = time.monotonic() + self.server.transfer_deadline
        left = f.size  # a log still being written: send what it had when the answer started
        while left > 0:
            if time.monotonic() > deadline:
                log.info(
                    "logserver: %s took longer than %.0fs; closed",
                    self.path[:200],
                    self.server.transfer_deadline,
                )
                self.close_connection = True
                return
            chunk = os.read(f.fd, min(CHUNK, left))
            if not chunk:
                break
            self.wfile.write(chunk)
            left -= len(chunk)

    def _send_bytes(self, data: bytes, ctype: str, body: bool) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)
