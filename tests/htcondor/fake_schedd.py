"""A fake schedd implementing exactly the ``htcondor2.Schedd`` methods the factory uses (``submit``,
``query``, ``history``, ``act``), with real ``classad2`` job ads and constraint evaluation.

It accepts only real ``htcondor2.Submit`` objects. Jobs move through the states a schedd gives them:
``start`` (idle -> running), ``hold``, ``finish`` (-> completed, into the history), ``act(Remove)``
(-> removed, into the history), and ``advance(seconds)`` evaluates each job's ``periodic_hold`` /
``periodic_remove`` as the schedd would."""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import classad2
import htcondor2

# submit commands the schedd turns into job attributes (the ones the tests look at)
TRANSLATE = {
    "grid_resource": "GridResource",
    "environment": "Environment",
    "periodic_hold": "PeriodicHold",
    "periodic_remove": "PeriodicRemove",
    "x509userproxy": "x509userproxy",
    "executable": "Cmd",
    "universe": "Universe",
}


# the schedd's JobUniverse for a submit file's universe
UNIVERSES = {"vanilla": 5, "scheduler": 7, "grid": 9, "local": 12}


class FakeSubmitResult:
    def __init__(self, cluster: int, count: int) -> None:
        self._cluster, self._count = cluster, count

    def cluster(self) -> int:
        return self._cluster

    def first_proc(self) -> int:
        return 0

    def num_procs(self) -> int:
        return self._count


def _expr_or_value(text: str) -> Any:
    value = classad2.ExprTree(text).eval()
    return classad2.ExprTree(text) if value is classad2.Value.Undefined else value


class FakeSchedd:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now
        self.jobs: dict[str, classad2.ClassAd] = {}
        self.hist: list[classad2.ClassAd] = []  # newest first
        self.calls: Counter[str] = Counter()
        self.submits: list[tuple[str, int]] = []
        self.history_since: list[Any] = []
        self.fail: Exception | None = None  # raised by the next call
        self._cluster = 0
        self.on_act: Any = None  # called at the start of act(): what happens meanwhile (a race)

    def _call(self, name: str) -> None:
        self.calls[name] += 1
        if self.fail is not None:
            exc, self.fail = self.fail, None
            raise exc

    # -- the htcondor2.Schedd subset ---------------------------------------------------------
    def submit(self, description: htcondor2.Submit, count: int = 0) -> FakeSubmitResult:
        assert isinstance(description, htcondor2.Submit), type(description)
        self._call("submit")
        count = count or 1
        self._cluster += 1
        c = self._cluster
        self.submits.append((str(description), count))
        for p in range(count):
            ad = classad2.ClassAd()
            ad["ClusterId"], ad["ProcId"], ad["JobStatus"] = c, p, 1
            ad["QDate"] = ad["EnteredCurrentStatus"] = int(self.now)
            ad["JobUniverse"] = UNIVERSES[(description.get("universe") or "vanilla").lower()]
            for k, v in description.items():
                v = v.replace("$(Cluster)", str(c)).replace("$(Process)", str(p))
                # the submitting process's environment, as HTCondor's submit code expands it
                v = re.sub(r"\$ENV\((\w+)\)", lambda m: os.environ.get(m.group(1), "UNDEFINED"), v)
                if k.upper().startswith("MY."):
                    ad[k[3:]] = _expr_or_value(v)
                elif k.lower() in TRANSLATE:
                    name = TRANSLATE[k.lower()]
                    ad[name] = classad2.ExprTree(v) if name.startswith("Periodic") else v
            self.jobs[f"{c}.{p}"] = ad
        return FakeSubmitResult(c, count)

    def query(
        self,
        constraint: str = "True",
        projection: Sequence[str] = (),
        callback: Any = None,
        limit: int = -1,
        opts: Any = None,
    ) -> list[classad2.ClassAd]:
        self._call("query")
        return [self._project(a, projection) for a in self.jobs.values() if self._matches(a, constraint)]

    def history(
        self,
        constraint: str | None = None,
        projection: Sequence[str] = (),
        match: int = -1,
        since: Any = None,
    ) -> list[classad2.ClassAd]:
        self._call("history")
        self.history_since.append(since)
        out = []
        for ad in self.hist:
            if since is not None and _job_id(ad) == since:
                break
            if self._matches(ad, constraint or "True"):
                out.append(self._project(ad, projection))
                if 0 <= match <= len(out):
                    break
        return out

    def act(self, action: htcondor2.JobAction, job_spec: Any, reason: str | None = None) -> classad2.ClassAd:
        self._call("act")
        assert action == htcondor2.JobAction.Remove, action
        if self.on_act is not None:
            self.on_act()
        if isinstance(job_spec, str) and not re.fullmatch(r"\d+\.\d+", job_spec):
            # a constraint, evaluated now (as the schedd does, under its lock)
            ids = [j for j, a in self.jobs.items() if self._matches(a, job_spec)]
        else:
            ids = [job_spec] if isinstance(job_spec, str) else list(job_spec)
        ok = missing = 0
        for jid in ids:
            if jid in self.jobs:
                self._leave(jid, 3, RemoveReason=reason or "")
                ok += 1
            else:
                missing += 1
        result = classad2.ClassAd()
        result["TotalSuccess"], result["TotalNotFound"], result["TotalBadStatus"] = ok, missing, 0
        result["TotalJobAds"] = len(ids)
        return result

    # -- driving jobs ---------------------------------------------------------------------------
    def start(self, ids: Iterable[str]) -> None:
        for jid in ids:
            ad = self.jobs[jid]
            ad["JobStatus"], ad["EnteredCurrentStatus"] = 2, int(self.now)
            ad["JobCurrentStartDate"] = ad["JobStartDate"] = int(self.now)

    def hold(self, ids: Iterable[str], reason: str = "test") -> None:
        for jid in ids:
            ad = self.jobs[jid]
            ad["JobStatus"], ad["EnteredCurrentStatus"], ad["HoldReason"] = 5, int(self.now), reason

    def set_status(self, ids: Iterable[str], status: int) -> None:
        for jid in ids:
            self.jobs[jid]["JobStatus"], self.jobs[jid]["EnteredCurrentStatus"] = status, int(self.now)

    def finish(self, ids: Iterable[str]) -> None:
        for jid in ids:
            self._leave(jid, 4)

    def advance(self, seconds: float) -> None:
        """Let time pass, then apply each job's periodic_hold and periodic_remove."""
        self.now += seconds
        for jid, ad in list(self.jobs.items()):
            if self._periodic(ad, "PeriodicRemove"):
                self._leave(jid, 3, RemoveReason="periodic_remove")
            elif ad.get("JobStatus") != 5 and self._periodic(ad, "PeriodicHold"):
                self.hold([jid], "periodic_hold")

    def ids(self, status: int | None = None) -> list[str]:
        return [j for j, a in self.jobs.items() if status is None or a.get("JobStatus") == status]

    # -- internals -------------------------------------------------------------------------------
    def _leave(self, jid: str, status: int, **extra: Any) -> None:
        ad = self.jobs.pop(jid)
        started = ad.get("JobCurrentStartDate")
        if ad.get("JobStatus") == 2 and started is not None:
            ad["RemoteWallClockTime"] = float(self.now - started)
        ad["JobStatus"], ad["EnteredCurrentStatus"] = status, int(self.now)
        ad["CompletionDate"] = int(self.now)
        for k, v in extra.items():
            ad[k] = v
        self.hist.insert(0, ad)

    def _now_text(self, text: str) -> str:
        return re.sub(r"\btime\(\)|\bCurrentTime\b", str(int(self.now)), text)

    def _matches(self, ad: classad2.ClassAd, constraint: str) -> bool:
        return classad2.ExprTree(self._now_text(constraint)).eval(ad) is True

    def _periodic(self, ad: classad2.ClassAd, attr: str) -> bool:
        expr = ad.get(attr)
        return expr is not None and self._matches(ad, str(expr))

    @staticmethod
    def _project(ad: classad2.ClassAd, projection: Sequence[str]) -> classad2.ClassAd:
        if not projection:
            return classad2.ClassAd(str(ad))
        out = classad2.ClassAd()
        for attr in projection:
            if attr in ad:
                out[attr] = ad.eval(attr)
        return out


def _job_id(ad: classad2.ClassAd) -> str:
    return f"{ad.get('ClusterId')}.{ad.get('ProcId')}"


class FakePool:
    """One fake schedd per location (what ``schedd.set_connector`` is given)."""

    def __init__(self) -> None:
        self.schedds: dict[Any, FakeSchedd] = {}
        self.connects: Counter[Any] = Counter()

    def __call__(self, location: Any) -> FakeSchedd:
        self.connects[location] += 1
        return self.schedds.setdefault(location, FakeSchedd())

    def only(self) -> FakeSchedd:
        assert len(self.schedds) == 1, list(self.schedds)
        return next(iter(self.schedds.values()))
