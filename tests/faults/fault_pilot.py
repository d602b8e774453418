"""A trivial pilot for fault injection (standard library only, run as ``python -I -S``).

``fault_pilot.py MARKERDIR SEED MIN MAX``: writes ``MARKERDIR/<APFCID>.<pid>.start`` as its first
act, sleeps a duration drawn from SEED and its pilot id (between MIN and MAX seconds), then writes
``<APFCID>.<pid>.end``. Two start markers with one pilot id mean the pilot was started twice."""

import json
import os
import random
import sys
import time


def write(path: str, data: dict[str, object]) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
    os.replace(tmp, path)


def main() -> int:
    markers, seed, lo, hi = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
    cid = os.environ.get("APFCID", "no-APFCID")
    pid = os.getpid()
    duration = lo + (hi - lo) * random.Random(f"{seed}:{cid}").random()
    base = os.path.join(markers, f"{cid}.{pid}")
    write(
        base + ".start",
        {
            "id": cid,
            "pid": pid,
            "ppid": os.getppid(),
            "pgid": os.getpgid(0),
            "queue": os.environ.get("FACTORYQUEUE", ""),
            "factory": os.environ.get("APFFID", ""),
            "started": time.time(),
            "duration": duration,
        },
    )
    time.sleep(duration)
    write(base + ".end", {"id": cid, "pid": pid, "ended": time.time()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
