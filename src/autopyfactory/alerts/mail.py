"""Mail through an SMTP server (2.4's ``factorySMTPServer``, ``host`` or ``host:port``), to the
comma list ``factoryAdminEmail``, from ``<user>@<host>`` as 2.4 sent it."""

from __future__ import annotations

import getpass
import smtplib
import socket
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


def default_sender() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "autopyfactory"
    return f"{user}@{socket.getfqdn()}"


@dataclass(frozen=True)
class Mailer:
    """An SMTP server and the admin addresses alerts are mailed to, from ``sender``."""

    server: str
    recipients: tuple[str, ...]
    sender: str
    timeout: float = 20.0

    @classmethod
    def from_settings(cls, server: str, admin_email: str, sender: str | None = None) -> Mailer | None:
        """None when no recipient is configured (alerts then go to the log only)."""
        to = tuple(a.strip() for a in admin_email.split(",") if a.strip())
        if not to:
            return None
        return cls(server.strip() or "localhost", to, sender or default_sender())

    def send(self, subject: str, body: str) -> None:
        """Deliver one mail; raises OSError/smtplib.SMTPException when the server refuses or is down."""
        msg = EmailMessage()
        msg["Subject"] = subject
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.recipients)
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        msg.set_content(body)
        with smtplib.SMTP(self.server, timeout=self.timeout) as smtp:
            smtp.send_message(msg)
