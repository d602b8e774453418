"""Batch submit plugins: create pilots, and retire them when the decision is negative."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from autopyfactory.config.derived import Derived
from autopyfactory.config.keys import BOOL, Key, choice
from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.plugins.base import Category, Plugin
from autopyfactory.plugins.context import FactoryContext

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PilotRef:
    """A live pilot as the submit plugin knows it, for retirement ordering."""

    pilot_id: str
    submitted_at: float
    state: str


KILLORDER = choice("newest", "oldest")


@dataclass(frozen=True, slots=True)
class RetireKeys:
    """``<prefix>peaceful`` / ``<prefix>killorder``, and the ``overlay.`` spellings 2.4's code read."""

    peaceful: Key[bool]
    killorder: Key[str]
    overlay_peaceful: Key[bool | None]
    overlay_killorder: Key[str | None]

    @classmethod
    def under(cls, prefix: str) -> RetireKeys:
        return cls(
            Key(prefix + "peaceful", BOOL, True, "True: a negative decision retires nothing"),
            Key(prefix + "killorder", KILLORDER, "newest", "which pilots to remove first"),
            Key(prefix + "overlay.peaceful", BOOL, None, "2.4 code spelling of peaceful"),
            Key(prefix + "overlay.killorder", KILLORDER, None, "2.4 code spelling of killorder"),
        )

    def all(self) -> tuple[Key[object], ...]:
        return (self.peaceful, self.killorder, self.overlay_peaceful, self.overlay_killorder)


class BatchSubmitPlugin(Plugin, ABC):
    """One per APF queue. ``submit(n)`` creates n pilots and returns their records.

    ``batchstatus``: the batch status plugin that counts this plugin's pilots when a queue does not
    name one (``batchstatusplugin``); None: the status plugin of the submit plugin's own name.
    ``log_files``: the files its batch system writes for each pilot in the pilot's log directory, by
    extension (``<id>.out`` first): the log links a monitor is given (``PilotRecord.log_files``)."""

    key_prefix: ClassVar[str] = ""
    batchstatus: ClassVar[str | None] = None
    log_files: ClassVar[tuple[str, ...]] = ("out", "err", "log")
    # True for 2.4's own plugins: retirement follows only the keys 2.4 read (``overlay.peaceful``,
    # ``overlay.killorder``), so a 2.4 configuration never starts removing pilots (docs/htcondor.md)
    retire_keys_24: ClassVar[bool] = False

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        self.ctx = ctx
        self.queue = queue
        self.apfqname = queue.name
        self.peaceful, self.killorder = self.retirement(queue)

    @classmethod
    def retirement(cls, queue: ConfigSection) -> tuple[bool, str]:
        """(peaceful, killorder) for ``queue``: ``overlay.*`` wins over the plain spelling, which a 2.4
        plugin ignores (``retire_keys_24``)."""
        keys = RetireKeys.under(cls.key_prefix)
        overlay_peaceful, overlay_killorder = (
            queue.get(keys.overlay_peaceful),
            queue.get(keys.overlay_killorder),
        )
        if cls.retire_keys_24:
            return (True if overlay_peaceful is None else overlay_peaceful), (overlay_killorder or "newest")
        return (
            overlay_peaceful if overlay_peaceful is not None else queue.get(keys.peaceful),
            overlay_killorder if overlay_killorder is not None else queue.get(keys.killorder),
        )

    @classmethod
    def declared_keys(cls) -> tuple[Key[object], ...]:
        return (*cls.keys, *RetireKeys.under(cls.key_prefix).all())

    @classmethod
    def notes(cls, queue: ConfigSection) -> list[ConfigProblem]:
        """What check-config should tell about ``queue``'s keys beyond their values: keys that do
        not do what they seem to (e.g. a key 2.4 ignored and that is ignored here too)."""
        return []

    @classmethod
    def derived(cls, queue: ConfigSection) -> dict[str, Derived]:
        """Keys ``queue`` leaves unset whose value then does not come from their declared default
        (``check-config --defaults`` shows them as derived, with how)."""
        return {}

    def concurrency_key(self) -> Hashable:
        """Submissions with equal keys share one concurrency bound (one backend endpoint)."""
        return (self.name,)

    @abstractmethod
    def submit(self, n: int) -> list[PilotRecord]:
        """Create ``n`` (> 0) pilots."""

    def list_pilots(self) -> list[PilotRef]:
        """This queue's live pilots (for retirement), oldest submission first."""
        raise NotImplementedError(f"{self.name} cannot list its pilots")

    def remove(self, pilot_ids: Sequence[str]) -> None:
        raise NotImplementedError(f"{self.name} cannot remove pilots")

    def retire(self, n: int) -> list[str]:
        """Retire ``n`` (> 0) pilots: nothing when peaceful, else remove n in ``killorder``."""
        if self.peaceful:
            log.info("queue=%s retire n=%d skipped: peaceful", self.apfqname, n)
            return []
        # list_pilots() is in submission order; it breaks ties between pilots of one submission
        ordered = sorted(enumerate(self.list_pilots()), key=lambda ip: (ip[1].submitted_at, ip[0]))
        if self.killorder == "newest":
            ordered.reverse()
        victims = [p.pilot_id for _, p in ordered[:n]]
        if victims:
            self.remove(victims)
        log.info(
            "queue=%s retired n=%d killorder=%s ids=%s",
            self.apfqname,
            len(victims),
            self.killorder,
            ",".join(victims),
        )
        return victims

    # True for backends whose remove_pending() removes a pilot only while it has not started
    # (checked by the batch system itself, so a pilot that starts meanwhile is left alone)
    can_withdraw: ClassVar[bool] = False

    def pending_pilots(self) -> list[PilotRef]:
        """This queue's pilots that have not started (the candidates of ``withdraw``), oldest
        submission first. A backend whose listing says more precisely what cannot have started
        (HTCondor grid jobs, a launch under way) narrows it."""
        return [p for p in self.list_pilots() if p.state == "pending"]

    def remove_pending(self, pilot_ids: Sequence[str]) -> list[str]:
        """Remove those of ``pilot_ids`` that have not started yet; the ids removed. A pilot that
        started in the meantime must be left alone (see ``can_withdraw``)."""
        raise NotImplementedError(f"{self.name} cannot remove pending pilots only")

    def withdraw(self, n: int) -> list[str]:
        """Withdraw up to ``n`` (> 0) of the queue's pilots that have not started, newest first:
        a sched plugin's explicit ``withdraw`` (a surplus of pending pilots). A pilot that has not
        started has no payload to lose, so this does not depend on ``peaceful``; it never removes a
        running pilot. Backends that cannot remove pending pilots only (``can_withdraw`` False)
        withdraw nothing, and say so."""
        if not self.can_withdraw:
            log.info(
                "queue=%s withdraw n=%d skipped: %s cannot remove pending pilots only",
                self.apfqname,
                n,
                self.name,
            )
            return []
        pending = list(enumerate(self.pending_pilots()))  # submission order; newest first below
        pending.sort(key=lambda ip: (ip[1].submitted_at, ip[0]), reverse=True)
        wanted = [p.pilot_id for _, p in pending[:n]]
        gone = self.remove_pending(wanted) if wanted else []
        log.info(
            "queue=%s withdrew n=%d of %d pending ids=%s",
            self.apfqname,
            len(gone),
            len(pending),
            ",".join(gone),
        )
        return gone

    def cleanup(self) -> None:
        """Called after every cycle's submission."""

    def close(self) -> None:
        """The queue is going away (reload or shutdown)."""


BATCHSUBMIT: Category[BatchSubmitPlugin] = Category("batchsubmit", BatchSubmitPlugin)
