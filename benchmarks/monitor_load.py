"""Load benchmark of the monitor: wrapper-style state updates (``POST /api/jobs/<fid>:<cid>``).

One command: starts its own server(s) (``autopyfactory monitor serve``) on SQLite and, when the
PostgreSQL server binaries are installed, on a throwaway PostgreSQL cluster with default durability;
registers a factory, a label and the pilots; then drives the updates from a separate client process
(raw HTTP/1.1 keep-alive connections, so the client costs the server as little CPU as possible):

1. closed loop: ``--concurrency`` connections post ``state=running`` then ``state=exiting&rc=0`` for
   their pilots as fast as the server answers -> the maximum updates/s;
2. open loop: updates scheduled at ``--rate`` per second for ``--duration`` seconds, latency counted
   from the scheduled time (so a stalled server cannot hide its queueing) -> p50/p99 at that rate.

Prints updates/s and latency per backend and the ratio to the target (2,000 updates/s, p99 < 50 ms).
Everything runs on 127.0.0.1 and stops by itself.

    python benchmarks/monitor_load.py [--backends sqlite,postgres] [--workers 2] [--rate 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

TARGET_RATE = 2000.0
TARGET_P99_MS = 50.0
FACTORY = "bench-factory"
LABEL = "BENCH_QUEUE"
ADMIN = "bench-admin-token"


@dataclass
class PhaseResult:
    updates: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rate(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0


# ---------------------------------------------------------------------------------------- client
class Conn:
    """One keep-alive HTTP/1.1 connection speaking just enough HTTP for this benchmark."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> Conn:
        r, w = await asyncio.open_connection(host, port)
        return cls(r, w)

    async def post(self, path: str, body: bytes) -> int:
        self.writer.write(
            b"POST " + path.encode() + b" HTTP/1.1\r\nHost: bench\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
            + str(len(body)).encode()
            + b"\r\n\r\n"
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        if length:
            await self.reader.readexactly(length)
        return status


def _summary(lat: list[float], errors: int, seconds: float) -> PhaseResult:
    lat.sort()
    n = len(lat)

    def q(p: float) -> float:
        return lat[min(n - 1, int(p * n))] * 1000 if n else 0.0

    return PhaseResult(n, errors, seconds, q(0.50), q(0.99), lat[-1] * 1000 if n else 0.0)


def _updates(first: int, count: int) -> list[tuple[str, bytes]]:
    """running for each pilot, then exiting for each (a wrapper's two calls)."""
    paths = [f"/api/jobs/{FACTORY}:{i}.0" for i in range(first, first + count)]
    return [(p, b"state=running") for p in paths] + [(p, b"state=exiting&rc=0") for p in paths]


async def closed_loop(host: str, port: int, first: int, pilots: int, concurrency: int) -> PhaseResult:
    paths = [f"/api/jobs/{FACTORY}:{i}.0" for i in range(first, first + pilots)]
    it = iter(paths)
    lat: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        c = await Conn.open(host, port)
        for path in it:
            for body in (b"state=running", b"state=exiting&rc=0"):
                t0 = time.perf_counter()
                status = await c.post(path, body)
                lat.append(time.perf_counter() - t0)
                errors += status != 200
        c.writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return _summary(lat, errors, time.perf_counter() - t0)


async def open_loop(host: str, port: int, first: int, rate: float, duration: float, pool: int) -> PhaseResult:
    updates = _updates(first, int(rate * duration / 2))
    conns: asyncio.Queue[Conn] = asyncio.Queue()
    for c in await asyncio.gather(*(Conn.open(host, port) for _ in range(pool))):
        conns.put_nowait(c)
    lat: list[float] = []
    errors = 0

    async def send(path: str, body: bytes, scheduled: float) -> None:
        nonlocal errors
        c = await conns.get()
        status = await c.post(path, body)
        lat.append(time.perf_counter() - scheduled)
        errors += status != 200
        conns.put_nowait(c)

    tasks: list[asyncio.Task[None]] = []
    start = time.perf_counter()
    i = 0
    while i < len(updates):
        now = time.perf_counter()
        due = min(len(updates), int((now - start) * rate) + 1)
        while i < due:
            tasks.append(asyncio.create_task(send(*updates[i], start + i / rate)))
            i += 1
        await asyncio.sleep(0.002)
    await asyncio.gather(*tasks)
    return _summary(lat, errors, time.perf_counter() - start)


def client_main(args: argparse.Namespace) -> None:
    # No garbage collection in the client while it measures: with the open loop's tasks alive, one
    # full collection stalls it for about 100 ms, and a stall of the client is counted (from the
    # scheduled times) as server latency. The client makes no garbage cycles worth collecting.
    gc.collect()
    gc.disable()
    host, port = "127.0.0.1", args.port
    closed = asyncio.run(closed_loop(host, port, 0, args.pilots, args.concurrency))
    opened = asyncio.run(open_loop(host, port, args.pilots, args.rate, args.duration, args.pool))
    print(json.dumps({"closed": asdict(closed), "open": asdict(opened)}))


# ---------------------------------------------------------------------------------------- driver
def _setup(url: str, pilots: int) -> None:
    import httpx

    admin = {"Authorization": f"Bearer {ADMIN}"}
    with httpx.Client(base_url=url, timeout=60) as c:
        token = c.post(f"/api/admin/tokens/{FACTORY}", headers=admin).text
        auth = {"Authorization": f"Bearer {token}"}
        c.put(f"/api/factories/{FACTORY}", json={"version": "bench", "email": "", "url": ""}, headers=auth)
        c.put("/api/labels", json=[{"name": LABEL, "factory": FACTORY}], headers=auth).raise_for_status()
        for s in range(0, pilots, 2000):
            items = [
                {"cid": f"{i}.0", "label": LABEL, "factory": FACTORY} for i in range(s, min(s + 2000, pilots))
            ]
            r = c.put("/api/jobs", json=items, headers=auth)
            r.raise_for_status()


def run_backend(name: str, db_url: str, args: argparse.Namespace, logdir: Path) -> dict[str, PhaseResult]:
    from autopyfactory.monitor_server.testing.server import ServerProcess

    srv = ServerProcess(
        db_url,
        workers=args.workers,
        env={"APFMON_ADMIN_TOKEN": ADMIN},
        args=("--no-expiry", "--auth-mode", "token"),
    )
    srv.start(logdir / f"server-{name}.log")
    try:
        open_pilots = int(args.rate * args.duration / 2)
        _setup(srv.url, args.pilots + open_pilots)
        cmd = [
            sys.executable, __file__, "--client", "--port", str(srv.port), "--pilots", str(args.pilots),
            "--concurrency", str(args.concurrency), "--rate", str(args.rate), "--duration", str(args.duration),
            "--pool", str(args.pool),
        ]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=600).stdout
        res = json.loads(out.strip().splitlines()[-1])
        return {k: PhaseResult(**v) for k, v in res.items()}
    finally:
        srv.stop()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backends", default="sqlite,postgres", help="comma list of sqlite, postgres")
    p.add_argument("--workers", type=int, default=2, help="server worker processes (default 2, for 2 cores)")
    p.add_argument(
        "--pilots", type=int, default=10000, help="pilots in the closed-loop phase (2 updates each)"
    )
    p.add_argument("--concurrency", type=int, default=32, help="closed-loop connections")
    p.add_argument("--rate", type=float, default=TARGET_RATE, help="open-loop updates per second")
    p.add_argument("--duration", type=float, default=10.0, help="open-loop seconds")
    p.add_argument("--pool", type=int, default=128, help="open-loop connections")
    p.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.client:
        client_main(args)
        return 0

    from autopyfactory.monitor_server.testing.pg import PostgresUnavailable, TempPostgres

    print(
        f"monitor load benchmark: {os.cpu_count()} cores, {args.workers} server worker(s), client in its own "
        f"process; load average before: {os.getloadavg()[0]:.2f} (other work on the machine skews the figures)"
    )
    results: dict[str, dict[str, PhaseResult]] = {}
    with tempfile.TemporaryDirectory(prefix="apfmon-bench-") as tmp:
        logdir = Path(tmp)
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            if backend == "sqlite":
                results["sqlite"] = run_backend("sqlite", f"sqlite:///{tmp}/bench.db", args, logdir)
            elif backend == "postgres":
                try:
                    pg = TempPostgres.start(durable=True)
                except PostgresUnavailable as exc:
                    print(f"postgres: skipped ({exc})")
                    continue
                try:
                    results["postgres"] = run_backend("postgres", pg.create_database("bench"), args, logdir)
                finally:
                    pg.stop()
            else:
                print(f"unknown backend {backend!r}", file=sys.stderr)
                return 2
    print()
    print(
        f"{'backend':<10} {'phase':<28} {'updates':>8} {'errors':>6} {'upd/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}  vs target"
    )
    for backend, phases in results.items():
        for phase, r in phases.items():
            label = (
                f"closed, {args.concurrency} conns"
                if phase == "closed"
                else f"open, {args.rate:.0f}/s offered"
            )
            verdict = (
                f"{r.rate / TARGET_RATE:.2f}x of {TARGET_RATE:.0f}/s"
                if phase == "closed"
                else f"p99 {r.p99_ms / TARGET_P99_MS:.2f}x of {TARGET_P99_MS:.0f} ms limit"
            )
            print(
                f"{backend:<10} {label:<28} {r.updates:>8} {r.errors:>6} {r.rate:>8.0f} {r.p50_ms:>7.1f} "
                f"{r.p99_ms:>7.1f} {r.max_ms:>7.1f}  {verdict}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
