"""One alert: a problem (its key says which; the same key is the same problem), what to tell, and
the queues it concerns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Alert:
    """One problem to tell about: ``key`` names it (alerts with the same key are throttled together),
    ``subject`` and ``body`` are the mail, ``queues`` and ``reason`` go to those queues' monitor
    labels."""

    key: str  # e.g. "renew:atlas-ce/https://ce1:9619", "queue:ANALY_X": throttled per key
    subject: str  # one line
    body: str
    queues: tuple[str, ...] = ()  # queues whose monitor label gets the subject and the reason
    reason: str = ""  # one line: why (for the monitor label; the body has the details)

    def label_text(self, limit: int = 250) -> str:
        text = f"{self.subject}: {self.reason}" if self.reason else self.subject
        return text if len(text) <= limit else text[: limit - 3] + "..."
