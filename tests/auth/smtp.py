"""A local SMTP server (aiosmtpd) that keeps what it receives."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    address: str = ""
    messages: list[Message] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def subjects(self) -> list[str]:
        with self._lock:
            return [str(m["Subject"]).strip() for m in self.messages]

    def wait_for(self, count: int, deadline: float = 30.0) -> list[str]:
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if len(self.subjects()) >= count:
                return self.subjects()
            time.sleep(0.02)
        raise AssertionError(f"expected {count} mails, got {self.subjects()}")


@contextmanager
def smtp_server() -> Iterator[Inbox]:
    inbox = Inbox()
    port = free_port()
    ctl = Controller(inbox, hostname="127.0.0.1", port=port)
    ctl.start()
    inbox.address = f"127.0.0.1:{port}"
    try:
        yield inbox
    finally:
        ctl.stop()
