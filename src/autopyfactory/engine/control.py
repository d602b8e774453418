"""The flags the engine's parts share: stop, hurry, reload, and wake the loop."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Control:
    """``stop``: no new cycle, submission batch or plugin call starts (in-flight work may finish);
    ``hurry``: a second stop signal, wait for nothing more; ``reload``: re-read the configuration at
    the next turn of the loop; ``wake``: something changed (any of these, or a queue's action
    ended), so the loop looks again instead of sleeping on."""

    stop: threading.Event = field(default_factory=threading.Event)
    hurry: threading.Event = field(default_factory=threading.Event)
    reload: threading.Event = field(default_factory=threading.Event)
    wake: threading.Event = field(default_factory=threading.Event)

    def request_stop(self) -> None:
        self.stop.set()
        self.wake.set()

    def request_hurry(self) -> None:
        self.hurry.set()
        self.wake.set()

    def request_reload(self) -> None:
        self.reload.set()
        self.wake.set()
